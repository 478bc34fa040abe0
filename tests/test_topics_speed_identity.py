"""Topic extraction's shortcuts change nothing: links, handles and hashtags blanked to three
characters, per-chunk records read without a loop over their tokens, watchlist terms matched
across chunks, and results that do not depend on what the caches hold. Expected outputs are
those of the implementation before these shortcuts (commit 82e2eb3)."""

import re

import pytest

import pipelines.topics as topics
from pipelines.settings import Watchlist
from pipelines.topics import TopicExtractor

WATCHLIST = Watchlist.model_validate(
    {
        "brands": [
            {
                "name": "Velora",
                "aliases": ["Velora City"],
                "handles": ["@velora"],
                "hashtags": ["#Velora"],
                "keywords": ["Velora app"],
            }
        ],
        "competitors": [{"name": "Cyclane", "hashtags": ["#Cyclane"]}, {"name": "Roulix"}],
    }
)

CASES = [
    # Cyclane's hashtag (at 37) comes before Velora (at 46): the link and the hashtag blanked
    # shorter must not move Velora before it (it would be at 8 in the shortened text).
    (
        "https://example.com/a/very/long/link #Cyclane Velora",
        "en",
        [],
        ["#cyclane", "Cyclane", "Velora"],
    ),
    (
        "#Cyclane https://example.com/a/very/long/link Velora",
        "en",
        [],
        ["#cyclane", "Cyclane", "Velora"],
    ),
    # Named by word first, then by hashtag: one entity, at its first place.
    ("Velora then #Velora and Cyclane", "en", [], ["#velora", "Velora", "Cyclane"]),
    # A link between the words of an alias breaks it, and breaks the phrase.
    (
        "great Velora https://t.co/abcdef City bikes",
        "en",
        ["great", "city", "bike", "city bike"],
        ["Velora"],
    ),
    # An alias over two chunks; a name inside punctuation (a chunk read token by token); the
    # word after a name starts no phrase with it.
    (
        "the Velora City bikes rock, (Velora) battery life",
        "en",
        ["bike", "rock", "bike rock", "battery", "life", "battery life"],
        ["Velora", "Velora City"],
    ),
    # No-break space and hyphens: several tokens in one chunk, phrases inside and across it.
    (
        "Velora\u00a0City battery-life e-bike",
        "en",
        ["city", "battery", "city battery", "life", "bike"],
        ["Velora"],
    ),
    # French elisions: "l'" is a stopword token at the head of the chunk "l'appli".
    (
        "l'appli plante souvent, qu'il dit : l’appli Velora",
        "fr",
        ["appli", "plante", "appli plante"],
        ["Velora"],
    ),
    # Double spaces and a blanked link are breaks.
    (
        "battery  life  https://x.co/abcdefgh  customer service",
        "en",
        ["battery", "life", "customer", "service", "customer service"],
        [],
    ),
    # Mastodon and Bluesky handles, an e-mail address and an HTML entity are not tags.
    (
        "@velora@mastodon.social @bob.bsky.social x@y.com &#Roulix #Roulix",
        "en",
        [],
        ["@velora", "@bob.bsky.social", "#roulix", "Velora", "Roulix"],
    ),
    ("Roulix battery Roulix battery life", "en", ["battery", "life", "battery life"], ["Roulix"]),
]


@pytest.fixture(scope="module")
def extractor() -> TopicExtractor:
    return TopicExtractor(WATCHLIST)


@pytest.mark.parametrize(("text", "lang", "terms", "entities"), CASES)
def test_topics_match_the_reference(extractor, text, lang, terms, entities):
    found = extractor.extract(text, lang)
    assert (found.terms, found.entities) == (terms, entities)


def test_blanks_keep_their_length_when_a_term_goes_on_after_an_empty_key():
    # This alias's tokens are "Velora", "|" and three lone accents, whose keys are empty like
    # those of the empty chunks a blanked link leaves: a long link after "Velora" completes it
    # (a link blanked to "|" and two spaces leaves only two empty chunks before "great").
    odd = Watchlist.model_validate(
        {"brands": [{"name": "Velora", "aliases": ["Velora | \u0301 \u0301 \u0301"]}]}
    )
    extractor = TopicExtractor(odd)
    found = extractor.extract("Velora https://t.co/abcdef great", "en")
    assert found.entities == ["Velora", "Velora | \u0301 \u0301 \u0301"]
    assert found.terms == ["great"]
    assert extractor.extract("Velora  City", "en").entities == ["Velora"]


# The pattern before its alternatives were made to start with a plain character.
_REFERENCE_SPECIAL = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+)"
    r"|(?<![\w@.])(?P<handle>@\w+(?:[.-]\w+)*)(?:@\w+(?:[.-]\w+)*)?"
    r"|(?<![\w#&])(?P<hashtag>#\w+)"
)


@pytest.mark.parametrize(
    "text",
    [
        "@velora x@y .@velora @@a @a@b.c @a.b-c.d @é #é &#x a#b ##c #1 # @",
        "https:// http://a www. www.x https://x.com/a,b http https://t.co/😡 hwww.a",
        "@velora's #Velora’s (@velora) [#velora] @velora@mastodon.social@x",
    ],
)
def test_specials_are_found_as_before(text):
    before = [
        (m.span(), m.group("handle"), m.group("hashtag")) for m in _REFERENCE_SPECIAL.finditer(text)
    ]
    now = [
        (
            m.span(),
            m.group("handle") and f"@{m.group('handle')}",
            m.group("hashtag") and f"#{m.group('hashtag')}",
        )
        for m in topics._SPECIAL.finditer(text)
    ]
    assert now == before
    assert len(now) > 3


def test_topics_do_not_depend_on_the_caches(extractor, monkeypatch):
    texts = [(text, lang) for text, lang, _, _ in CASES] * 2
    warm = [extractor.extract(text, lang) for text, lang in texts]
    monkeypatch.setattr(topics, "CHUNK_CACHE_LIMIT", 2)
    monkeypatch.setattr(topics, "CACHE_LIMIT", 2)
    small = TopicExtractor(WATCHLIST)
    assert [small.extract(text, lang) for text, lang in reversed(texts)] == warm[::-1]
    assert len(small._languages["en"].chunks) < 20
