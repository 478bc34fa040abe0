"""Report tables on a small hand-built store: near-duplicate clusters shown once with their
combined reach and number of copies; rising terms and competitive topics need real counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import count

import pytest

from pipelines import db

DAY = date(2026, 11, 20)
NOON = datetime(2026, 11, 20, 12)
_ids = count()


@pytest.fixture
def con(tmp_path):
    connection = db.connect(tmp_path / "v.duckdb")
    yield connection
    connection.close()


def mention(
    con,
    *,
    brand: str = "Velora",
    label: str = "positive",
    reach: int = 10,
    at: datetime = NOON,
    cluster: str | None = None,
    topics: tuple[str, ...] = (),
    text: str | None = None,
) -> str:
    """Store one mention; with `cluster`, a copy of that original (is_duplicate)."""
    mention_id = f"m{next(_ids)}"
    con.execute(
        """
        insert into mentions (
            mention_id, source, source_id, url, author_name, published_at, collected_at, lang,
            text, brand, is_competitor, reach_estimate, dup_cluster_id, is_duplicate,
            sentiment_compound, sentiment_label, topics, flags, batch_id
        ) values (
            $id, 'rss', $id, 'https://example.com/' || $id, 'someone', $at, $at, 'en',
            $text, $brand, $brand <> 'Velora', $reach, $cluster, $copy,
            $compound, $label, $topics, [], 'b1'
        )
        """,
        {
            "id": mention_id,
            "at": at,
            "text": text or f"text of {mention_id}",
            "brand": brand,
            "reach": reach,
            "cluster": cluster or mention_id,
            "copy": cluster is not None,
            "compound": {"positive": 0.6, "negative": -0.6}.get(label, 0.0),
            "label": label,
            "topics": list(topics),
        },
    )
    return mention_id


def rows(con, name: str, **params):
    return db.fetch_dicts(con, f"reports/{name}", **params)


# --------------------------------------------------------------------------- clusters


def test_top_mentions_show_a_cluster_once_with_its_combined_reach(con):
    original = mention(con, reach=100, text="Velora wins the design award")
    for hours in (1, 2, 3):
        mention(con, reach=50, cluster=original, at=NOON + timedelta(hours=hours))
    mention(con, reach=220, text="A long Velora review")

    found = rows(con, "top_mentions", brand="Velora", day=DAY, label="positive", limit=10)

    assert [(r["text"], r["reach"], r["copies"]) for r in found] == [
        ("Velora wins the design award", 250, 3),  # 100 + 3 x 50 outranks the lone 220
        ("A long Velora review", 220, 0),
    ]


def test_needs_response_counts_the_copies_of_a_complaint(con):
    original = mention(con, label="negative", reach=40, text="My Velora battery died")
    for hours in (1, 2):
        mention(con, label="negative", reach=30, cluster=original, at=NOON + timedelta(hours=hours))

    [row] = rows(con, "needs_response", brand="Velora", day=DAY, limit=10)

    assert (row["text"], row["reach"], row["copies"]) == ("My Velora battery died", 100, 2)


def test_competitor_mentions_fold_syndicated_copies(con):
    original = mention(con, brand="Roulix", reach=1000, text="Roulix recalls a model")
    for n in range(12):
        mention(con, brand="Roulix", reach=10, cluster=original, at=NOON + timedelta(minutes=n))

    found = rows(
        con,
        "competitor_mentions",
        brands=["Roulix"],
        start=DAY - timedelta(days=6),
        end=DAY,
        limit=10,
    )

    assert [(r["text"], r["reach"], r["copies"]) for r in found] == [
        ("Roulix recalls a model", 1120, 12)
    ]


def test_the_report_table_says_how_many_copies(con, tmp_path):
    from pipelines.reports import write_reports
    from pipelines.settings import BrandConfig, Paths, Watchlist

    original = mention(con, reach=100, text="Velora wins the design award")
    for minutes in range(12):
        mention(con, reach=5, cluster=original, at=NOON + timedelta(minutes=minutes))
    con.close()
    watchlist = Watchlist(brands=[BrandConfig(name="Velora")])
    [report] = write_reports(Paths(db=tmp_path / "v.duckdb"), watchlist, DAY, tmp_path / "out")
    html = report.reputation.read_text(encoding="utf-8")
    section = html[html.index('id="top-positive"') :]
    assert "+12 copies" in section and ">160<" in section
    assert section.count("Velora wins the design award") == 1


# --------------------------------------------------------------------------- topics


def test_competitive_topics_skip_stopwords_and_rare_terms(con):
    from pipelines.topics import stopwords

    for n in range(6):  # Velora is liked on the battery, Roulix is not; "avec" is noise
        mention(
            con,
            label="positive",
            topics=("batterie", "avec", "the app"),
            at=NOON - timedelta(hours=n),
        )
        mention(
            con,
            brand="Roulix",
            label="negative",
            topics=("batterie", "avec", "the app"),
            at=NOON - timedelta(hours=n),
        )
    for n in range(4):  # under the minimum about both brands
        mention(con, label="positive", topics=("selle",), at=NOON - timedelta(hours=n))
        mention(
            con, brand="Roulix", label="negative", topics=("selle",), at=NOON - timedelta(hours=n)
        )

    found = rows(
        con,
        "competitive_topics",
        brand="Velora",
        brands=["Velora", "Roulix"],
        start=DAY - timedelta(days=6),
        end=DAY,
        min_mentions=5,
        limit=5,
        stopwords=stopwords(),
    )

    assert {r["term"] for r in found} == {"batterie", "the app"}  # a content word keeps a pair
    assert all(r["side"] == "loses" and r["gap"] == -200.0 for r in found)


def test_rising_terms_need_three_mentions_and_favour_grown_terms(con):
    from pipelines.reports import _topics

    week = [NOON - timedelta(days=d) for d in range(1, 8)]
    for at in week:  # the usual: "livraison" four times a day, "vélo" ten times
        for n in range(10):
            topics = ("livraison", "vélo") if n < 4 else ("vélo",)
            mention(con, label="negative", topics=topics, at=at - timedelta(minutes=n))
    for n in range(16):  # today: four times as many "livraison", as many "vélo"
        topics = ("livraison", "vélo") if n < 10 else ("livraison",)
        mention(con, label="negative", topics=topics, at=NOON + timedelta(minutes=n))
    for n in range(3):  # new today, three times
        mention(con, label="negative", topics=("zèbre",), at=NOON + timedelta(minutes=n))
    for n in range(2):  # new today, twice: too few to say anything
        mention(con, label="negative", topics=("licorne",), at=NOON + timedelta(minutes=n))

    rising = [r["term"] for r in _topics(con, "Velora", DAY)["negative"]["rising"]]

    assert rising == ["livraison", "zèbre"]
