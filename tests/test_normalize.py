import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from connectors.base import MalformedItem
from pipelines.normalize import mention_id, normalize, parse_time, pseudonymize

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20T10:00:00Z", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2026-11-20T12:00:00+02:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2026-11-20T10:00:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),  # naive = UTC
        (1763632800, datetime(2025, 11, 20, 10, tzinfo=UTC)),
        (1763632800000, datetime(2025, 11, 20, 10, tzinfo=UTC)),
        ("1763632800", datetime(2025, 11, 20, 10, tzinfo=UTC)),
        (
            datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
            datetime(2026, 1, 1, tzinfo=UTC),
        ),
    ],
)
def test_parse_time_gives_aware_utc(value, expected):
    parsed = parse_time(value)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["yesterday", "", True, [2026], "2026-13-01"])
def test_parse_time_rejects(value):
    with pytest.raises(MalformedItem, match="published_at"):
        parse_time(value)


def test_mention_id_is_stable_and_source_scoped():
    assert mention_id("rss", "a") == mention_id("rss", "a")
    assert mention_id("rss", "a") != mention_id("reddit", "a")
    assert len(mention_id("rss", "a")) == 24


def test_pseudonym_depends_on_key():
    assert pseudonymize(b"k1", "x", "alice") == pseudonymize(b"k1", "x", "alice")
    assert pseudonymize(b"k1", "x", "alice") != pseudonymize(b"k2", "x", "alice")
    assert "alice" not in pseudonymize(b"k1", "x", "alice")
    assert pseudonymize(b"k1", "x", None) is None


def _norm(**fields):
    base = {"source_id": "1", "published_at": "2026-11-20T10:00:00Z", "text": "hello"}
    return normalize({**base, **fields}, source="import", fetched_at=NOW, author_key=b"k")


def test_normalize_builds_canonical_row():
    row = _norm(author_id="bob", author_followers=100, likes=2, shares=3, comments=1, lang="fr-FR")
    assert row["mention_id"] == mention_id("import", "1")
    assert row["lang"] == "fr"
    assert row["reach_estimate"] == 106
    assert row["author_id"] != "bob"
    assert row["published_at"] == datetime(2026, 11, 20, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"text": "a\x00b"}, "NUL byte"),
        ({"text": "bad \udc80 surrogate"}, "lone surrogate"),
        ({"text": "   "}, "missing required field 'text'"),
        ({"source_id": None}, "missing required field 'source_id'"),
        ({"likes": -1}, "likes"),
        ({"published_at": "1980-01-01T00:00:00Z"}, "outside the sane range"),
        ({"published_at": "2027-06-01T00:00:00Z"}, "outside the sane range"),
    ],
)
def test_normalize_rejects_with_reason(fields, reason):
    with pytest.raises(MalformedItem, match=re.escape(reason)):
        _norm(**fields)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "/relative/path", "data:text/html,x"])
def test_unsafe_or_relative_url_is_dropped_and_flagged(url):
    row = _norm(url=url)
    assert row["url"] is None and row["flags"] == ["url_dropped"]
