"""Language detection and sentiment: VADER for English, Vigie's French VADER for French.

English texts reach VADER exactly as written: its rules read capitals, punctuation and emoji,
so nothing is lowercased or stripped, and an English score equals plain VADER's. French texts
go to `pipelines.sentiment_fr`, which keeps VADER's scale and thresholds but reads French
(negation around the verb, elision, fixed phrases, a corrected lexicon).

Only pathological posts are changed: VADER's cost grows quadratically with the number of
words once emoji are spelled out ("😂" becomes five words), so a text longer than
`MAX_WORDS` such words is cut, at a word or emoji boundary, before scoring. Every tweet and
ordinary post is far below the cap and is scored whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import islice
from typing import Any

from pipelines.langdetect import EN_FR, pre_classify

# VADER words (after emoji are spelled out) scored per text: about 3,500 characters of prose,
# or 170 emoji. VADER's reference code takes about 40 ms for 600 words, 150 ms for 1,000.
MAX_WORDS = 600
# And at most this many characters, for text with few spaces: 10 KB cost VADER about 20 ms.
MAX_CHARS = 10_000
# Language detection reads this much text: enough for a confident guess, bounded cost.
DETECT_CHARS = 1_000
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
# py3langid's probability (normalised over the configured languages) below which the
# detector is "unsure" and the source's language hint, or the default, is used instead.
MIN_LANG_CONFIDENCE = 0.70
# Fewer letters than this, once links and handles are removed, is no evidence at all.
MIN_LETTERS = 3

# The lookahead lets the engine skip every position that cannot start a match (4x faster).
_NOT_LANGUAGE = re.compile(
    r"(?=[hw@&R])(?:(?:https?://|www\.)\S*|\bhttps?\b|(?<!\w)@\w+|&\w+;|\bRT\b)"
)
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Score:
    lang: str
    compound: float
    pos: float
    neu: float
    neg: float
    label: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def label_for(compound: float) -> str:
    """VADER's own published thresholds. They also suit the French scorer: on the French
    training tweets no other symmetric or asymmetric pair did better."""
    if compound >= POSITIVE_AT:
        return "positive"
    if compound <= NEGATIVE_AT:
        return "negative"
    return "neutral"


@lru_cache(maxsize=1)
def _language_model() -> Any:
    """py3langid's bundled model, loaded once per process (about a second)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


_model_languages: list[tuple[str, ...]] = [()]


def _language_identifier(languages: tuple[str, ...]) -> Any:
    """The model restricted to our languages; restricting costs more than classifying a tweet,
    so it is only redone when a Scorer with other languages asks."""
    model = _language_model()
    if _model_languages[0] != languages:
        model.set_languages(list(languages))
        _model_languages[0] = languages
    return model


@lru_cache(maxsize=1)
def _english_analyzer() -> Any:
    """VADER, re-implemented for speed with identical scores (`pipelines.vader`)."""
    from pipelines.vader import FastVader

    return FastVader()


@lru_cache(maxsize=1)
def _french_analyzer() -> Any:
    from pipelines.sentiment_fr import FrenchSentimentAnalyzer

    return FrenchSentimentAnalyzer()


@lru_cache(maxsize=1)
def _emoji_words() -> tuple[dict[str, int], frozenset[str], int]:
    """How many words VADER spells each emoji into, the emoji as a set, the largest count."""
    words = {e: len(d.split()) for e, d in _english_analyzer().emojis.items() if len(e) == 1}
    return words, frozenset(words), max(words.values())


def cap_words(text: str, limit: int | None = None) -> str:
    """The text cut so that VADER sees at most `limit` words once emoji are spelled out.

    Returns the text itself (the same object) whenever it is within the limit, which is the
    case for every tweet, so those scores are untouched.
    """
    limit = MAX_WORDS if limit is None else limit
    if len(text) > MAX_CHARS:
        # One endless "word" (a pasted blob) costs VADER two microseconds a character.
        cut = text.rfind(" ", MAX_CHARS // 2, MAX_CHARS)
        text = text[: cut if cut > 0 else MAX_CHARS]
    emoji_words, emoji, most = _emoji_words()
    # Cheap bound first: a word takes at least two characters with its separator.
    if (
        len(text) < 2 * limit
        and (len(text) + 1) // 2
        + (0 if emoji.isdisjoint(text) else most * sum(c in emoji for c in text))
        <= limit
    ):
        return text
    count = 0
    for match in _WORD.finditer(text):
        token = match.group()
        cost, cut = _fit(token, emoji_words, emoji, limit - count)
        if cut < len(token):
            return text[: match.start() + cut].rstrip()
        count += cost
    return text


def _fit(
    token: str, emoji_words: Mapping[str, int], emoji: frozenset[str], budget: int
) -> tuple[int, int]:
    """(words VADER makes of the token, characters of it that fit in the budget).

    VADER spells each emoji out and keeps the rest of the token as one word. Reading stops as
    soon as the budget is spent, so a 100 KB run of emoji costs little.
    """
    if emoji.isdisjoint(token):
        return 1, len(token) if budget >= 1 else 0
    spelled, plain = 0, 0
    for k, char in enumerate(token):
        words = emoji_words.get(char, 0)
        spelled += words
        plain = plain or not words
        if spelled + plain > budget:
            return spelled + plain, k
    return spelled + plain, len(token)


class Scorer:
    """Builds each analyzer once; reuse one Scorer for a whole batch."""

    def __init__(self, languages: Iterable[str] = ("en", "fr"), default_language: str = "en"):
        self.languages = tuple(languages)
        self.default_language = default_language

    def _configured(self, lang: str | None) -> str | None:
        """A hint such as "fr-FR", "FR" or "fr_CA" as one of our languages, else None."""
        if not lang:
            return None
        code = lang.strip().lower().replace("_", "-").split("-")[0]
        return code if code in self.languages else None

    def detect(self, text: str, hint: str | None = None) -> str:
        """The most likely configured language; the hint (or default) when the model is unsure.

        Links, handles and "RT" are removed first: they are not language and, in a short post,
        they outweigh the words. A text in capitals is lowered: the model learnt from ordinary
        text. Without a few letters there is nothing to go on, and the fallback is used.
        """
        fallback = self._configured(hint) or self.default_language
        if len(self.languages) == 1:
            return self.languages[0]
        sample = _NOT_LANGUAGE.sub(" ", text[:DETECT_CHARS]).replace("#", " ")
        if len(list(islice(_LETTER.finditer(sample), MIN_LETTERS))) < MIN_LETTERS:
            return fallback
        # Clear function words settle most posts at a twentieth of py3langid's cost.
        if frozenset(self.languages) == EN_FR and (fast := pre_classify(sample)) is not None:
            return fast
        if sample.isupper():
            sample = sample.lower()
        lang, confidence = _language_identifier(self.languages).classify(sample)
        return lang if confidence >= MIN_LANG_CONFIDENCE else fallback

    def score(self, text: str, lang: str | None = None, hint: str | None = None) -> Score:
        lang = self._configured(lang) or self.detect(text, hint)
        analyzer = _french_analyzer() if lang == "fr" else _english_analyzer()
        scores = analyzer.polarity_scores(cap_words(text))
        compound = float(scores["compound"])
        return Score(
            lang=lang,
            compound=compound,
            pos=float(scores["pos"]),
            neu=float(scores["neu"]),
            neg=float(scores["neg"]),
            label=label_for(compound),
        )
