"""FastVader gives vaderSentiment's scores exactly (dict equality, so bit for bit).

`pipelines.vader.FastVader` re-implements VADER (Hutto & Gilbert 2014) for speed; these
tests are the proof that it is the same model: the demo corpus, the labelled real tweets, a
case for every rule of the reference, and seeded random texts built to hit the rules'
corners (boosters, negations, "but", "least", idioms, capitals, emoji, punctuation).
"""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SENTIMENT_LADEN_IDIOMS,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

from pipelines import sentiment
from pipelines.vader import FastVader

SHARED_TWEETS = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment"


@pytest.fixture(scope="module")
def reference() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@pytest.fixture(scope="module")
def fast() -> FastVader:
    return FastVader()


def assert_same(texts: list[str], reference: SentimentIntensityAnalyzer, fast: FastVader) -> None:
    """Every text scores the same dict; the first differences are shown when not."""
    differing = []
    for text in texts:
        expected = reference.polarity_scores(text)
        got = fast.polarity_scores(text)
        if got != expected or list(got) != list(expected):
            differing.append((text, expected, got))
    assert not differing, f"{len(differing)} of {len(texts)} differ, e.g. {differing[:3]}"


def test_demo_corpus(reference: SentimentIntensityAnalyzer, fast: FastVader) -> None:
    from pipelines.demo_corpus import build_corpus

    posts = build_corpus(date(2026, 11, 21), days=30, credentials=True)
    texts = [t for post in posts for t in (post.text, post.title) if t is not None]
    assert len(texts) > 1000
    assert_same(texts, reference, fast)


def test_labelled_tweets(reference: SentimentIntensityAnalyzer, fast: FastVader) -> None:
    files = sorted(SHARED_TWEETS.glob("xlmt-*-*.tsv"))
    if not files:
        pytest.skip(f"no labelled tweets: {SHARED_TWEETS} has no xlmt-*-*.tsv (CI has them)")
    texts = []
    for path in files:
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line:
                texts.append(line.split("\t", 1)[-1])  # as written, trailing spaces included
    assert len(texts) > 1000
    assert_same(texts, reference, fast)


def _rule_cases() -> list[str]:
    cases = [
        # empty, blank, whitespace of every kind, leading/trailing whitespace
        "",
        " ",
        "   \t\n ",
        "\u00a0\u2003",
        "  good  ",
        "\tgood\n",
        "good\t\tbad\n\nugly",
        "good \u00a0 bad",
        # capitals and the cap differential
        "GOOD",
        "GOOD day",
        "GOOD BAD",
        "The book was GOOD but the ending was BAD.",
        "VADER is VERY SMART, handsome, and FUNNY!!!",
        "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
        "ALL CAPS HERE IS GREAT",
        "it is EXTREMELY bad",
        "it is extremely BAD",
        "EXTREMELY bad it is",
        # boosters at distance 1, 2, 3, dampeners, caps boosters, booster before negative
        "very good",
        "very nice good",
        "very a the good",
        "very very very good",
        "really, truly good",
        "slightly bad",
        "barely a bad day",
        "REALLY quite awful stuff",
        "hardly SO good",
        "The book was only kind of good.",
        "kind of bad",
        "kind of",
        "kind",
        "a kind person, kind of",
        "it is sort of good and just enough fun",
        "kinda sux",
        # negations before lexicon words, at distance 1, 2, 3, and n't
        "not good",
        "not very good",
        "not a very good idea",
        "isn't good",
        "isnt good",
        "wasn't it great",
        "don't hate it",
        "I can't not like it",
        "nobody's perfect, nothing's fine",
        "Sentiment analysis has never been good.",
        "Sentiment analysis has never been this good!",
        "never so good",
        "never so very good",
        "never a so good",
        "it was so good",
        "this good",
        "Without a doubt, excellent idea.",
        "Without a doubt, an excellent idea.",
        "without doubt good",
        "without doubt a good",
        "without good",
        "despite good reviews",
        "rarely good, seldom bad",
        "uh-uh nope, good",
        # "no" as a word and as a negation
        "no",
        "no good",
        "no problem",
        "good no",
        "no no no",
        "no way good",
        "no, it is good",
        "no a good",
        "no fun or good",
        "no fun nor good",
        "no x or good",
        "no x nor good",
        "not no good",
        "no no good",
        "NO good at ALL",
        # least
        "least good",
        "the least good",
        "at least good",
        "very least good",
        "at the least good",
        "Roger Dodger is one of the least compelling variations on this theme.",
        "Roger Dodger is at least compelling as a variation on the theme.",
        "least",
        "LEAST bad",
        # but, and the list.index quirk of equal valences
        "but",
        "good but",
        "but good",
        "good but bad",
        "good good but good good",
        "bad bad bad but bad bad",
        "good, bad, good, but bad, good, bad",
        "nice nice nice but nice but nice",
        "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "BUT it is good, but it is bad",
        "Today only kinda sux! But I'll get by, lol",
        "good but good :) :)",
        "good happy but happy good",
        # emoticons and punctuation-only tokens
        ":)",
        ":-(",
        "<3",
        "</3",
        ":D :P ;) :(",
        "Make sure you :) or :D today!",
        "... --- !!! ???",
        "!!!!!",
        "???",
        "good!!!!!",
        "good??",
        "good???",
        "good????",
        "bad!?!?",
        "great!!! really???",
        "(good)",
        "'good'",
        "good.",
        "go.",
        "a",
        "!a!",
        "!!ab!!",
        # emoji: alone, at start and end, next to words, spaces, tabs and each other
        "😍",
        "😍😍",
        "😍 😍",
        "😍good",
        "good😍",
        "good 😍",
        "good  😍",
        "good\t😍",
        "good\n😍 bad",
        " 😍 ",
        "😍 good 😡",
        "good😍bad😡ugly",
        "I 😂😂😂 so hard",
        "not 😍",
        "very 😡",
        "©®™ rights",
        "👍🏽 nice",
        "❤️ love",
        "Catch utf-8 emoji such as 💘 and 💋 and 😁",
        "\x00 😍 marker",
        "😍\x00good",
        # idioms
        "With VADER, sentiment analysis is the shit!",
        "Most automated sentiment analysis tools are shit.",
        "On the other hand, VADER is quite bad ass",
        "VADER is such a badass!",
        "Not such a badass after all.",
        "yeah right, great",
        "it was the kiss of death for fun",
        "a cake to die for",
        "my beating heart loves it",
        "waiting at the bus stop, happy",
        # other scripts, casing quirks
        "İstanbul GOOD great",
        "ΣΟΦΟΣ good",
        "ǅ good",
        "Kelvin \u212a good",
        "straße GUT good",
        "😀" * 50 + " good",
        "👨\u200d👩\u200d👧 family fun",
        "☺\ufe0f happy",
        "\ud83d lone surrogate good",
        "good\x1cbad\x1fugly",
        "good\u2028bad\u3000nice",
        "\x00",
    ]
    # every SPECIAL_CASES and SENTIMENT_LADEN idiom, around lexicon words
    for idiom in [*SPECIAL_CASES, *SENTIMENT_LADEN_IDIOMS]:
        cases += [
            idiom,
            f"it is {idiom}",
            f"happy {idiom} today",
            f"very good {idiom}",
            f"{idiom} good",
            f"so {idiom} bad",
            f"{idiom.upper()} nice",
        ]
    for booster in BOOSTER_DICT:
        cases += [
            f"{booster} good",
            f"{booster} a bad",
            f"{booster} the a great",
            f"{booster.upper()} good day",
            f"it is {booster.upper()} BAD",
        ]
    for negation in NEGATE:
        cases += [f"{negation} good", f"{negation} a bad", f"{negation} the so great"]
    return cases


RULE_CASES = _rule_cases()


@pytest.mark.parametrize("text", RULE_CASES)
def test_rules(text: str, reference: SentimentIntensityAnalyzer, fast: FastVader) -> None:
    assert fast.polarity_scores(text) == reference.polarity_scores(text)


def test_long_text(reference: SentimentIntensityAnalyzer, fast: FastVader) -> None:
    rng = random.Random(7)
    vocabulary = ["good", "bad", "not", "very", "but", "no", "the", "😍", "least", "kind", "of"]
    text = " ".join(rng.choice(vocabulary) for _ in range(1500)) + "!!"
    assert_same([text, text.upper(), text.replace(" ", "")], reference, fast)


@pytest.mark.parametrize("value", [None, 123, 1.5, b"good"])
def test_non_str_fails_like_the_reference(
    value: object, reference: SentimentIntensityAnalyzer, fast: FastVader
) -> None:
    with pytest.raises(Exception) as expected:
        reference.polarity_scores(value)
    with pytest.raises(expected.type):
        fast.polarity_scores(value)


def _vocabulary(reference: SentimentIntensityAnalyzer) -> list[str]:
    rng = random.Random(11)
    lexicon = sorted(reference.lexicon)
    emoji = sorted(e for e in reference.emojis if len(e) == 1)
    words = [
        *rng.sample(lexicon, 300),
        *BOOSTER_DICT,
        *(w for phrase in BOOSTER_DICT for w in phrase.split()),
        *NEGATE,
        *(w for idiom in SPECIAL_CASES for w in idiom.split()),
        *(w for idiom in SENTIMENT_LADEN_IDIOMS for w in idiom.split()),
        *["but", "BUT", "But", "no", "No", "NO", "least", "at", "very", "or", "nor"],
        *["never", "so", "this", "without", "doubt", "kind", "of", "not", "isn't"],
        *["good", "bad", "great", "love", "hate", "nice", "awful", "fun", "happy", "sad"],
        *["the", "a", "it", "is", "was", "I", "you", "bike", "Velora", "@velora", "#ebike"],
        *[":)", ":(", ":-)", ":D", "<3", ":/", ";)", "xD"],
        *rng.sample(emoji, 60),
    ]
    return words


def _random_text(rng: random.Random, vocabulary: list[str]) -> str:
    seps = [" ", " ", " ", " ", "  ", "\t", "\n", "", ", ", ". ", "! ", "? ", "!!! "]
    parts = []
    for _ in range(rng.randint(0, 25)):
        word = rng.choice(vocabulary)
        roll = rng.random()
        if roll < 0.15:
            word = word.upper()
        elif roll < 0.2:
            word = word.capitalize()
        elif roll < 0.27:
            word = rng.choice("'\"(*-.") + word + rng.choice(".,!?)'\"-:")
        parts.append(word)
        parts.append(rng.choice(seps))
    text = "".join(parts)
    if rng.random() < 0.2:
        text = rng.choice(["", " ", "\n", "😍", "!"]) + text + rng.choice(["", " ", "?", "😡"])
    return text


def test_random_texts(reference: SentimentIntensityAnalyzer, fast: FastVader) -> None:
    """hypothesis is not installed here: a seeded generator over a rule-heavy vocabulary."""
    rng = random.Random(2014)
    vocabulary = _vocabulary(reference)
    texts = [_random_text(rng, vocabulary) for _ in range(20_000)]
    assert_same(texts, reference, fast)


def test_lowercasing_is_idempotent() -> None:
    """FastVader lowercases once where the reference's negation test lowercases twice."""
    changed = [c for c in map(chr, range(sys.maxunicode + 1)) if c.lower().lower() != c.lower()]
    assert changed == []


def test_emoji_loop_fallback(reference: SentimentIntensityAnalyzer) -> None:
    """The loop used when a text holds the marker character gives the same text as the
    marker trick, so both paths match the reference's emoji spelling."""
    fast = FastVader()
    texts = ["😍good 😡\tbad  😂😂", "😍", " 😍 x😍", "a\x00b😍"]
    quick = [fast._spell_emoji(t) for t in texts[:3]]
    fast._emoji_table = {}
    assert [fast._spell_emoji(t) for t in texts[:3]] == quick
    assert_same(texts, reference, fast)


def test_scorer_uses_fast_vader(reference: SentimentIntensityAnalyzer) -> None:
    assert isinstance(sentiment._english_analyzer(), FastVader)
    scorer = sentiment.Scorer()
    for text in ["The new bike is GREAT but the app is awful 😡", "not bad at all!!", "😍" * 300]:
        expected = reference.polarity_scores(sentiment.cap_words(text))
        got = scorer.score(text, lang="en")
        assert (got.compound, got.pos, got.neu, got.neg) == (
            expected["compound"],
            expected["pos"],
            expected["neu"],
            expected["neg"],
        )


def test_emoji_screen_matches_every_emoji(fast: FastVader) -> None:
    """The regex screen lets no emoji through unspelled (it may match a few non-emoji)."""
    missed = [e for e in fast.emojis if len(e) == 1 and not fast._emoji_screen(f"ab{e}cd")]
    assert missed == []


def test_but_rule_when_but_has_a_valence() -> None:
    """The "but" shortcut holds even if "but" itself had a valence (not in VADER 3.3.2's
    lexicon, but the shortcut does not rely on it)."""
    reference = SentimentIntensityAnalyzer()
    reference.lexicon["but"] = 1.5
    fast = FastVader()
    fast.lexicon["but"] = 1.5
    fast._scorable = frozenset(fast.lexicon).difference(BOOSTER_DICT)
    rng = random.Random(3)
    vocabulary = ["but", "good", "bad", "nice", "no", "not", "very", "the", "kk", "BUT", "ok", "ez"]
    texts = [" ".join(rng.choices(vocabulary, k=rng.randint(1, 12))) for _ in range(3000)]
    assert_same(texts, reference, fast)
