"""A faster VADER for English whose scores equal vaderSentiment 3.3.2's, bit for bit.

VADER (Hutto & Gilbert 2014, "VADER: A Parsimonious Rule-based Model for Sentiment Analysis
of Social Media Text", ICWSM-14; MIT license) is the reference English scorer of the
pipeline. Its Python code re-lowercases the whole word list for every lexicon word (three
negation checks and an idiom check each, so the cost is quadratic in the text length) and
rebuilds every text character by character to spell out emoji.

`FastVader` is a re-implementation of the same algorithm for speed, not a new model: it
loads the lexicon, the emoji dictionary and the rule constants from the installed
vaderSentiment package, lowercases each text once, does no work for words outside the
lexicon, spells emoji out only when the text has some, and keeps every floating-point
operation of the reference in the same order. The "but" rule and the final scoring are the
reference's own code (`_but_check`, run on the lexicon words' valences only, and
`score_valence`, with its neutral-word count done in C), so their quirks (the "but" rule
finds a valence by value with `list.index`) carry over unchanged. `tests/test_vader.py`
checks the scores against the reference on the demo corpus, real tweets, every rule and
random texts; `benchmarks/vader_speed.py` checks them on the benchmark corpus.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    scalar_inc_dec,
)

_PUNCTUATION = string.punctuation
_MARK = "\x00"
_NEGATE = frozenset(NEGATE)
# VADER's "but" rule, a static method: reused as is, with its list.index quirk.
_but_check = SentimentIntensityAnalyzer._but_check


class _Scoring(SentimentIntensityAnalyzer):
    """VADER's own `score_valence`, with its word count done in C: the reference loops in
    Python over every word, though only lexicon words have a nonzero valence."""

    def __init__(self) -> None:
        """No lexicon: scoring a list of valences needs none."""

    @staticmethod
    def _sift_sentiment_scores(sentiments: list[Any]) -> tuple[float, float, int]:
        """The reference's sums over the nonzero valences, in the same order; the others
        (0, 0.0 or -0.0, all falsy) are the neutral count."""
        pos_sum = 0.0
        neg_sum = 0.0
        nonzero = list(filter(None, sentiments))
        for sentiment_score in nonzero:
            if sentiment_score > 0:
                pos_sum += float(sentiment_score) + 1
            if sentiment_score < 0:
                neg_sum += float(sentiment_score) - 1
        return pos_sum, neg_sum, len(sentiments) - len(nonzero)


def _but(lower: list[str], sentiments: list[Any], hits: list[int]) -> None:
    """VADER's "but" rule, its own `_but_check`, run on the lexicon words only (in place).

    The rule scales each valence by 0.5 before the first "but" and by 1.5 after it, but it
    finds where a valence is with `list.index`, i.e. at the first EQUAL value, so equal
    valences are scaled at the wrong place (a quirk kept here). Other words hold 0, and the
    rule only turns zeros into zeros (0 * 0.5), which score alike; no nonzero value equals 0.
    So the nonzero valences, in order, plus the value at "but", with a fake word list that
    has "but" there, go through `_but_check` exactly as within the whole list, at a fraction
    of its quadratic cost.
    """
    bi = lower.index("but")
    keep = sorted([i for i in hits if i != bi and sentiments[i]] + [bi])
    fake = [""] * len(keep)
    fake[keep.index(bi)] = "but"
    scaled = _but_check(fake, [sentiments[i] for i in keep])
    for i, value in zip(keep, scaled, strict=True):
        sentiments[i] = value


def _negated(word_lower: str) -> bool:
    """VADER's `negated([word])` for one already lowercased word (lowercasing is idempotent
    over all of Unicode, which the tests check, so the reference's second `lower` is a no-op)."""
    return word_lower in _NEGATE or "n't" in word_lower


def _idioms(valence: float, lower: list[str], i: int, n: int) -> float:
    """VADER's `_special_idioms_check` on the precomputed lowercase words (i > 2)."""
    w3, w2, w1, w0 = lower[i - 3], lower[i - 2], lower[i - 1], lower[i]
    twoone = f"{w2} {w1}"
    threetwoone = f"{w3} {w2} {w1}"
    threetwo = f"{w3} {w2}"
    for seq in (f"{w1} {w0}", f"{w2} {w1} {w0}", twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if n - 1 > i:
        zeroone = f"{w0} {lower[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if n - 1 > i + 1:
        zeroonetwo = f"{w0} {lower[i + 1]} {lower[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


def _word_valence(
    i: int,
    words: list[str],
    lower: list[str],
    n: int,
    is_cap_diff: bool,
    lexicon: dict[str, float],
) -> float:
    """VADER's `sentiment_valence` for the lexicon word at position i, with the negation,
    booster, idiom and "least" checks unrolled over the precomputed lowercase words."""
    item_lower = lower[i]
    valence = lexicon[item_lower]
    if item_lower == "no" and i != n - 1 and lower[i + 1] in lexicon:
        valence = 0.0
    if (
        (i > 0 and lower[i - 1] == "no")
        or (i > 1 and lower[i - 2] == "no")
        or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ("or", "nor"))
    ):
        valence = lexicon[item_lower] * N_SCALAR
    if is_cap_diff and words[i].isupper():
        if valence > 0:
            valence += C_INCR
        else:
            valence -= C_INCR

    # One word before: booster, then negation.
    if i > 0:
        w1 = lower[i - 1]
        if w1 not in lexicon:
            s = scalar_inc_dec(words[i - 1], valence, is_cap_diff) if w1 in BOOSTER_DICT else 0.0
            valence = valence + s
            if _negated(w1):
                valence = valence * N_SCALAR
    # Two words before: booster damped by 0.95, then "never so/this", "without doubt", negation.
    if i > 1:
        w2 = lower[i - 2]
        if w2 not in lexicon:
            s = scalar_inc_dec(words[i - 2], valence, is_cap_diff) if w2 in BOOSTER_DICT else 0.0
            if s != 0:
                s = s * 0.95
            valence = valence + s
            w1 = lower[i - 1]
            if w2 == "never" and (w1 == "so" or w1 == "this"):
                valence = valence * 1.25
            elif w2 == "without" and w1 == "doubt":
                pass
            elif _negated(w2):
                valence = valence * N_SCALAR
    # Three words before: booster damped by 0.9, the same checks, then the idioms.
    if i > 2:
        w3 = lower[i - 3]
        if w3 not in lexicon:
            s = scalar_inc_dec(words[i - 3], valence, is_cap_diff) if w3 in BOOSTER_DICT else 0.0
            if s != 0:
                s = s * 0.9
            valence = valence + s
            w2, w1 = lower[i - 2], lower[i - 1]
            if (w3 == "never" and (w2 == "so" or w2 == "this")) or (w1 == "so" or w1 == "this"):
                valence = valence * 1.25
            elif w3 == "without" and (w2 == "doubt" or w1 == "doubt"):
                pass
            elif _negated(w3):
                valence = valence * N_SCALAR
            valence = _idioms(valence, lower, i, n)

    # VADER's `_least_check`.
    if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        if lower[i - 2] != "at" and lower[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence


def _screen(chars: frozenset[str]) -> Callable[[str], object]:
    """A regex search matching every text that holds one of `chars` (and a few others)."""
    codes = sorted(map(ord, chars))
    bmp = [c for c in codes if c < 0x10000]
    rest = [c for c in codes if c >= 0x10000]
    parts = [re.escape(chr(c)) for c in bmp]
    if rest:
        parts.append(f"{re.escape(chr(rest[0]))}-{re.escape(chr(rest[-1]))}")
    if not parts:
        return lambda text: None
    return re.compile("[" + "".join(parts) + "]").search


class FastVader:
    """VADER's `SentimentIntensityAnalyzer.polarity_scores`, same scores, several times faster.

    Build it once: it loads the reference analyzer (lexicon and emoji files) and reuses its
    tables. `lexicon` and `emojis` are the reference's dictionaries.
    """

    def __init__(self) -> None:
        self._reference = SentimentIntensityAnalyzer()
        self.lexicon: dict[str, float] = self._reference.lexicon
        self.emojis: dict[str, str] = self._reference.emojis
        # VADER reads the text one character at a time, so only one-character keys can match.
        self._emoji_chars = frozenset(e for e in self.emojis if len(e) == 1)
        # No emoji is ASCII (checked here, not assumed), so an ASCII text needs no set test.
        self._ascii_has_no_emoji = not any(e.isascii() for e in self._emoji_chars)
        # A quick regex screen before the exact set test: the BMP emoji exactly, and one
        # range spanning the others (a set test in C costs ~30 ns a character).
        self._emoji_screen = _screen(self._emoji_chars)
        # Each emoji becomes a marker and its description, in one C pass (str.translate).
        self._emoji_table = {ord(e): _MARK + self.emojis[e] for e in self._emoji_chars}
        if any(_MARK in d or not d or d[-1] == " " for d in self.emojis.values()):
            self._emoji_table = {}  # the marker trick below would not hold: use the loop
        # Words that get a valence of their own: boosters are checked first and score 0.
        self._scorable = frozenset(self.lexicon).difference(BOOSTER_DICT)
        self._score_valence = _Scoring().score_valence

    def _spell_emoji(self, text: str) -> str:
        """VADER's emoji loop: each emoji becomes its description, preceded by a space unless
        it starts the text or follows a space (an emoji before it is not a space).

        With a marker before each description, "follows a space" is "the marker follows a
        space" (no description is empty or ends with one), so three `str` calls do it.
        """
        if self._emoji_table and _MARK not in text:
            spelled = text.translate(self._emoji_table)
            # A marker at the very start becomes a space too, which strip() removes.
            return spelled.replace(" " + _MARK, " ").replace(_MARK, " ").strip()
        emojis = self.emojis
        out: list[str] = []
        prev_space = True
        for char in text:
            if char in emojis:
                if not prev_space:
                    out.append(" ")
                out.append(emojis[char])
                prev_space = False
            else:
                out.append(char)
                prev_space = char == " "
        return "".join(out).strip()

    def polarity_scores(self, text: str) -> dict[str, float]:
        """neg, neu, pos and compound, equal to the reference's for every str."""
        if not isinstance(text, str):
            return self._reference.polarity_scores(text)
        # isascii() is far cheaper than the set test, and no emoji is ASCII.
        if (
            not (self._ascii_has_no_emoji and text.isascii())
            and self._emoji_screen(text)
            and not self._emoji_chars.isdisjoint(text)
        ):
            text = self._spell_emoji(text)
        # Without emoji the text is used as is: the reference's `strip` only removes
        # whitespace, which neither `split` nor the "!" and "?" counts see.
        punctuation = _PUNCTUATION
        words = [s if len(s := t.strip(punctuation)) > 2 else t for t in text.split()]
        lower = list(map(str.lower, words))
        n = len(words)
        sentiments: list[Any] = [0] * n  # the reference's int 0 for boosters and other words
        scorable = self._scorable
        if not scorable.isdisjoint(lower):
            lexicon = self.lexicon
            upper = sum(map(str.isupper, words))
            is_cap_diff = 0 < n - upper < n
            hits = [i for i, w in enumerate(lower) if w in scorable]
            for i in hits:
                if lower[i] == "kind" and i < n - 1 and lower[i + 1] == "of":
                    continue
                sentiments[i] = _word_valence(i, words, lower, n, is_cap_diff, lexicon)
            if "but" in lower:
                _but(lower, sentiments, hits)
        # Without lexicon words every valence is 0, and "but" leaves zeros 0.
        return self._score_valence(sentiments, text)
