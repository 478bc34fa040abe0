"""`Flagger.read`'s shortcuts change nothing: each prefilter or rewritten pass gives what the rule
as first written gives (expected flags worked out from the rules, and the fast helpers
checked against the plain regexes they stand for)."""

from __future__ import annotations

import random
import re
from dataclasses import fields

import pytest

from pipelines import flags
from pipelines.flags import Flagger, TextFlags
from pipelines.settings import Watchlist

WATCHLIST = Watchlist.model_validate({"brands": [{"name": "Velora", "handles": ["@velora"]}]})
# TextFlags' fields but `words`.
BOOLS = [f.name for f in fields(TextFlags) if f.name != "words"]

# (text, lang, the flags that are true, words); `addressed` with the watchlist above.
CASES = [
    # Toxic: stretched letters squeezed; a leet word after '-' (the word-list search wants no
    # '-' before a word, the obfuscation pass does not); '!' and '*' inside words.
    ("fuuuck this", "en", {"toxic"}, ["fuuuck", "this"]),
    ("merdeeee", "fr", {"toxic"}, ["merdeeee"]),
    ("x-fuck!", "en", {"toxic"}, ["x-fuck"]),
    ("sh!t happens", "en", {"toxic"}, ["sh", "t", "happens"]),
    ("f*ck", "en", {"toxic"}, ["f", "ck"]),
    ("m3rde alors", "fr", {"toxic"}, ["m3rde", "alors"]),
    ("a$$hole", "en", {"toxic"}, ["a", "hole"]),
    ("great!!! 100% v2", "en", set(), ["great", "100", "v2"]),
    ("sooo good...", "en", set(), ["sooo", "good"]),
    # Questions: openers after a lead (handle, hyphens, "rt"), not across a line break.
    (
        "@velora how do I charge it",
        "en",
        {"question", "phrased", "addressed"},
        ["how", "do", "i", "charge", "it"],
    ),
    ("-how do I", "en", {"question", "phrased"}, ["how", "do", "i"]),
    ("@foo-how do you", "en", {"question", "phrased"}, ["do", "you"]),
    ("rt: how do", "en", {"question", "phrased"}, ["rt", "how", "do"]),
    ("why does that matter", "en", {"question", "phrased"}, ["why", "does", "that", "matter"]),
    ("why\ndoes that matter", "en", set(), ["why", "does", "that", "matter"]),
    ("What’s up?", "en", {"question", "phrased"}, ["what's", "up"]),
    ("who even buys this?", "en", {"question"}, ["who", "even", "buys", "this"]),
    ("Pouvez-vous m'aider", "fr", {"question", "phrased"}, ["pouvez-vous", "m'aider"]),
    ("Pouvez-vous m'aider", "en", set(), ["pouvez-vous", "m'aider"]),
    ("Rendez-vous demain", "fr", set(), ["rendez-vous", "demain"]),
    ("C'est normal, ça", "fr", {"question", "phrased"}, ["c'est", "normal", "ca"]),
    # Complaints, with and without a negation before a '~' phrase.
    (
        "Y a-t-il un souci",
        "fr",
        {"question", "phrased", "complaint"},
        ["y", "a-t-il", "un", "souci"],
    ),
    ("Aucun souci, merci", "fr", set(), ["aucun", "souci", "merci"]),
    ("no problem at all", "en", set(), ["no", "problem", "at", "all"]),
    ("big problem here", "en", {"complaint"}, ["big", "problem", "here"]),
    ("Le vélo est cassé", "fr", {"complaint"}, ["le", "velo", "est", "casse"]),
    # Links, tags, handles.
    ("Is it? https://x.co/a?b", "en", {"question", "phrased", "has_link"}, ["is", "it"]),
    ("https://t.co/x #velora @bob RT", "en", {"has_link", "link_only"}, ["rt"]),
    ("WWW.Example.com rocks", "en", {"has_link"}, ["rocks"]),
    ("#a #b #c #d #e x", "en", {"stuffed"}, ["x"]),
    ("x@velora", "en", set(), ["x", "velora"]),
    ("@veloraX @velora_", "en", set(), []),
    ("(@velora.)", "en", {"addressed"}, []),
    ("--'a'-b-- c_d é😀x", "en", set(), ["a", "b", "c", "d", "e", "x"]),
]


@pytest.fixture(scope="module")
def flagger() -> Flagger:
    return Flagger(WATCHLIST)


@pytest.mark.parametrize(("text", "lang", "true", "words"), CASES)
def test_read_matches_the_rules(flagger, text, lang, true, words):
    expected = TextFlags(**{name: name in true for name in BOOLS}, words=words)
    assert flagger.read(text, lang) == expected


TRICKY = [
    *(case[0] for case in CASES),
    "",
    "aaa",
    "AAA",
    "ééé ßßß ǅǅǅ ²²² ___ 111 ... !!! ",
    "a\x00\x00",
    'ok ?! «how do you» ; (is it) [what\'s] "why is"',
    "@a.b-c@d.e how do",
    "rtx how do. rt how do",
    "£@€ how's it, --- how do",
    "quoi\n\nhow   do",
    "y a-t-il, est-ce que, qu'est-ce que, sont-ils, ",
    "l'app' ' - -- it's a-b-c 9-10 'x x' œuvre ١٢٣",
]


def _samples() -> list[str]:
    pool = [*"aAé€😀.!?-'’ _\n@#*$0²«»", "aaa", "how do", "rt ", "is it", "-vous", "œ", "١"]
    rng = random.Random(4)
    made = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    return TRICKY + made


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_openers_found_in_the_whole_text_as_sentence_by_sentence(lang):
    lexicon = Flagger()._lexicon(lang)
    for text in _samples():
        folded = flags.fold(text.translate(flags._APOSTROPHES))
        whole = bool(
            lexicon.opener_at_start.match(folded) or lexicon.opener_after_break.search(folded)
        )
        assert whole == flags._opener_in_a_sentence(folded, lexicon), text


def test_fast_helpers_match_the_plain_regexes():
    tag = re.compile(r"(?<![\w@#&])[@#]\w+(?:[.-]\w+)*(?:@\w+(?:[.-]\w+)*)?")
    for text in _samples():
        assert flags._stretched(text) == (flags._STRETCHED.search(text) is not None), text
        assert flags._words(text) == flags._WORD.findall(text), text
        assert flags._TAG.findall(text) == tag.findall(text), text
        obfuscated = flags._OBFUSCATED.search(text) is not None
        assert not obfuscated or flags._LEET_AFTER_WORD_CHAR.search(text), text


def test_the_word_list_prefilter_finds_every_list(flagger):
    for lang in ("en", "fr"):
        lexicon = flagger._lexicon(lang)
        for text in _samples():
            folded = flags.fold(text)
            if lexicon.phrases.search(folded) is None:
                for pattern in (lexicon.toxic, lexicon.complaint, lexicon.negatable):
                    assert pattern.search(folded) is None, text
                assert lexicon.anywhere.search(folded) is None, text
