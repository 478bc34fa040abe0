"""Language detection and sentiment: VADER for English, the French VADER port for French.

Texts reach VADER as written: its rules read capitals, punctuation and emoji, so nothing is
lowercased or stripped. Only the length is capped, because VADER's emoji handling grows
quadratically on pathological posts.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

MAX_CHARS = 2_000
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
MIN_LANG_CONFIDENCE = 0.70


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
    """VADER's own published thresholds."""
    if compound >= POSITIVE_AT:
        return "positive"
    if compound <= NEGATIVE_AT:
        return "negative"
    return "neutral"


class Scorer:
    """Builds each analyzer once; reuse one Scorer for a whole batch."""

    def __init__(self, languages: Iterable[str] = ("en", "fr"), default_language: str = "en"):
        self.languages = tuple(languages)
        self.default_language = default_language
        self._identifier: Any = None
        self._analyzers: dict[str, Any] = {}

    def detect(self, text: str, hint: str | None = None) -> str:
        """The most likely configured language; the hint (or default) when the model is unsure."""
        fallback = hint if hint in self.languages else self.default_language
        if len(self.languages) == 1:
            return self.languages[0]
        if self._identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            self._identifier.set_languages(list(self.languages))
        lang, confidence = self._identifier.classify(text[:MAX_CHARS])
        return lang if confidence >= MIN_LANG_CONFIDENCE else fallback

    def _analyzer(self, lang: str) -> Any:
        if lang not in self._analyzers:
            if lang == "fr":
                with warnings.catch_warnings():
                    # fuzzywuzzy warns about a speed-up we do not use (we never call fuzzy lookups).
                    warnings.simplefilter("ignore", UserWarning)
                    from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer
            else:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
            self._analyzers[lang] = SentimentIntensityAnalyzer()
        return self._analyzers[lang]

    def score(self, text: str, lang: str | None = None, hint: str | None = None) -> Score:
        lang = lang if lang in self.languages else self.detect(text, hint)
        scores = self._analyzer(lang).polarity_scores(text[:MAX_CHARS])
        compound = float(scores["compound"])
        return Score(
            lang=lang,
            compound=compound,
            pos=float(scores["pos"]),
            neu=float(scores["neu"]),
            neg=float(scores["neg"]),
            label=label_for(compound),
        )
