"""Near-duplicate clusters on a real DuckDB store: reposts, syndicated copies, short texts,
the earliest original, clustering against stored mentions, backfills, idempotence, speed."""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest

from pipelines import db
from pipelines.dedupe import (
    DedupeSettings,
    assign_clusters,
    mention_words,
    normalize_text,
    sign_stored,
    signatures_per_second,
)
from pipelines.errors import ConfigError

T0 = datetime(2026, 3, 2, 9, 0)

NEWS = (
    "Velora recalls 12,000 City e-bikes after reports of batteries overheating while "
    "charging; owners are asked to stop charging their bikes and to book a free battery "
    "replacement at one of the brand's workshops, the company said on Monday."
)
NEWS_FR = (
    "La SNCF annonce une grève nationale lundi prochain : le trafic sera fortement perturbé "
    "sur l'ensemble du réseau, et la direction prévoit un TGV sur deux ainsi que des "
    "TER très réduits dans la plupart des régions. Les voyageurs sont invités à reporter "
    "leurs déplacements ou à échanger leurs billets sans frais jusqu'à mercredi, précise "
    "l'entreprise dans un communiqué publié dimanche soir."
)


def mention(mid, text, at=T0, *, author="author-1", brand="Velora", title=None, reach=100):
    return {
        "mention_id": mid,
        "source": "test",
        "source_id": mid,
        "text": text,
        "title": title,
        "published_at": at,
        "collected_at": at,
        "author_id": author,
        "brand": brand,
        "is_competitor": False,
        "reach_estimate": reach,
        "sentiment_label": "neutral",
        "sentiment_compound": 0.0,
        "batch_id": "b",
    }


MENTION_COLUMNS = pa.schema(
    [
        ("mention_id", pa.string()),
        ("source", pa.string()),
        ("source_id", pa.string()),
        ("text", pa.string()),
        ("title", pa.string()),
        ("published_at", pa.timestamp("us")),
        ("collected_at", pa.timestamp("us")),
        ("author_id", pa.string()),
        ("brand", pa.string()),
        ("is_competitor", pa.bool_()),
        ("reach_estimate", pa.int64()),
        ("sentiment_label", pa.string()),
        ("sentiment_compound", pa.float64()),
        ("dup_cluster_id", pa.string()),
        ("is_duplicate", pa.bool_()),
        ("batch_id", pa.string()),
    ]
)


def load(con, rows, settings=None):
    """What load_rows does: assign clusters, then insert the rows, in one transaction."""
    with db.transaction(con):
        stats = assign_clusters(con, rows, settings or DedupeSettings())
        con.register("new_rows", pa.Table.from_pylist(rows, schema=MENTION_COLUMNS))
        try:
            con.execute("insert into mentions by name select * from new_rows")
        finally:
            con.unregister("new_rows")
    return stats


def stored(con) -> dict[str, tuple[str, bool]]:
    rows = con.execute("select mention_id, dup_cluster_id, is_duplicate from mentions").fetchall()
    return {m: (c, d) for m, c, d in rows}


def clusters_of(rows) -> list[set[str]]:
    groups: dict[str, set[str]] = {}
    for row in rows:
        groups.setdefault(row["dup_cluster_id"], set()).add(row["mention_id"])
    return sorted(groups.values(), key=lambda g: sorted(g))


def change_words(text: str, positions: list[int], seed: str = "x") -> str:
    words = text.split()
    for p in positions:
        words[p] = f"{seed}{p}word"
    return " ".join(words)


@pytest.fixture
def con(tmp_path):
    connection = db.connect(tmp_path / "vigie.duckdb")
    yield connection
    connection.close()


# --- normalization ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "RT @velora_fan: Le nouveau Velora City est génial https://t.co/x1",
        "rt @a: RT @b: Le nouveau Velora City est génial",
        "@velora @cyclane Le  nouveau\n\tVelora City est GÉNIAL !!! #ebike #velo",
        "Le nouveau Velora City est génial (via @velora) https://velora.example/c?utm=1",
        "Le nouveau Velora City est genial via @someone www.velora.example/city",
        "Le <b>nouveau</b> Velora City est g&eacute;nial",
        ".@velora Le nouveau #Velora City est génial 😍",
    ],
)
def test_reposts_links_handles_tags_and_case_normalize_to_the_same_words(variant):
    assert normalize_text(variant) == "le nouveau velora city est genial"


def test_normalization_keeps_what_carries_meaning():
    assert normalize_text("I'd buy #Velora again, not #Cyclane!") == "i d buy velora again not"
    assert normalize_text("#velora #ebike") == "velora ebike"  # only tags: they are the text
    assert normalize_text("write to contact@velora.example") == "write to contact velora example"
    assert normalize_text("Story of the day (via Le Monde) more") == "story of the day more"
    assert normalize_text(None) == "" and normalize_text("👍 https://x.example/a") == ""
    assert mention_words("Title here", "Title here and the body") == mention_words(
        None, "Title here and the body"
    )


# --- clustering ------------------------------------------------------------------------------


def test_retweets_and_link_variants_join_the_earliest_post(con):
    rows = [
        mention("rt", f"RT @velora: {NEWS} https://t.co/abc", T0 + timedelta(hours=2), author="b"),
        mention("orig", f"{NEWS} https://velora.example/recall", T0, author="velora"),
        mention("spaced", NEWS.replace(" ", "   "), T0 + timedelta(hours=1), author="c"),
        mention("other", NEWS_FR, T0 + timedelta(minutes=5), author="d"),
    ]
    stats = load(con, rows)
    by_id = {r["mention_id"]: r for r in rows}
    assert by_id["orig"]["dup_cluster_id"] == "orig" and not by_id["orig"]["is_duplicate"]
    for mid in ("rt", "spaced"):
        assert by_id[mid]["dup_cluster_id"] == "orig" and by_id[mid]["is_duplicate"]
    assert by_id["other"]["dup_cluster_id"] == "other" and not by_id["other"]["is_duplicate"]
    assert (stats.rows, stats.duplicates, stats.exact) == (4, 2, 2)
    assert stored(con)["rt"] == ("orig", True)


def test_syndicated_near_copies_with_a_few_words_changed_join_one_cluster(con):
    rows = [
        mention("afp", NEWS_FR, T0, author="afp", title="Grève SNCF lundi"),
        mention(
            "regional",
            change_words(NEWS_FR, [9, 30]) + " (via Ouest Pédale)",
            T0 + timedelta(hours=3),
            author="ouest",
            title="Grève SNCF lundi",
        ),
        mention(
            "ascii",
            "La SNCF annonce une greve nationale lundi prochain : le trafic sera fortement "
            "perturbe sur l'ensemble du reseau, et la direction prevoit un TGV sur deux ainsi "
            "que des TER tres reduits dans la plupart des regions. Les voyageurs sont invites "
            "a reporter leurs deplacements ou a echanger leurs billets sans frais jusqu'a "
            "mercredi, precise l'entreprise dans un communique publie dimanche soir. Lire aussi",
            T0 + timedelta(hours=5),
            author="agg",
            title="Grève SNCF lundi",
        ),
    ]
    stats = load(con, rows)
    assert clusters_of(rows) == [{"afp", "regional", "ascii"}]
    assert [r["is_duplicate"] for r in rows] == [False, True, True]
    assert stats.near == 2


def test_different_posts_on_the_same_topic_stay_apart(con):
    texts = [
        "Just tried the new Velora City on my commute and it is amazing",
        "Just tried the new Velora City on my commute and it is awful",
        "The new Velora City is amazing on my commute, battery lasts all week",
        "Velora City battery recall: my bike is at the workshop, commute by bus all week",
        "Velora recalls City e-bikes after batteries overheat, owners asked to stop charging",
        NEWS,
        change_words(NEWS, [3, 8, 13, 18, 23, 28]),  # a rewrite, not a copy
    ]
    rows = [
        mention(f"m{i}", t, T0 + timedelta(minutes=i), author=f"a{i}") for i, t in enumerate(texts)
    ]
    stats = load(con, rows)
    assert stats.duplicates == 0
    assert all(r["dup_cluster_id"] == r["mention_id"] for r in rows)


def test_short_texts_never_cluster_across_authors(con):
    rows = [
        mention("lol1", "lol", T0, author="a"),
        mention("lol2", "LOL!!", T0 + timedelta(minutes=1), author="b"),
        mention("plus1", "+1", T0 + timedelta(minutes=2), author="c"),
        mention("plus2", "+1 https://t.co/x", T0 + timedelta(minutes=3), author="d"),
        mention("love1", "Love my Velora!", T0 + timedelta(minutes=4), author="e"),
        mention("love2", "Love my Velora 😍", T0 + timedelta(minutes=5), author="f"),
        mention("near1", "Velora City great bike", T0 + timedelta(minutes=6), author="g"),
        mention("near2", "Velora City great bikes", T0 + timedelta(minutes=7), author="h"),
        # the same author posting the same short line twice (a double post) is one mention
        mention("twice1", "Love my Velora!", T0 + timedelta(minutes=8), author="i"),
        mention("twice2", "love my velora", T0 + timedelta(minutes=9), author="i"),
    ]
    stats = load(con, rows)
    assert clusters_of(rows) == [
        {"lol1"}, {"lol2"}, {"love1"}, {"love2"}, {"near1"}, {"near2"},
        {"plus1"}, {"plus2"}, {"twice1", "twice2"},
    ]  # fmt: skip
    assert stats.short == 10 and stats.duplicates == 1


def test_original_is_the_earliest_whatever_the_order(con, tmp_path):
    copies = [
        ("late", T0 + timedelta(days=1)),
        ("first", T0),
        ("middle", T0 + timedelta(hours=5)),
        ("tie_b", T0 + timedelta(hours=9)),
        ("tie_a", T0 + timedelta(hours=9)),
    ]
    rows = [mention(mid, f"RT @x: {NEWS}", at, author=mid) for mid, at in copies]
    load(con, rows)
    assert {r["dup_cluster_id"] for r in rows} == {"first"}
    assert [r["mention_id"] for r in rows if not r["is_duplicate"]] == ["first"]

    other = db.connect(tmp_path / "reversed.duckdb")
    reversed_rows = [mention(mid, NEWS, at, author=mid) for mid, at in reversed(copies)]
    load(other, reversed_rows)
    other.close()
    assert {r["dup_cluster_id"] for r in reversed_rows} == {"first"}

    ties = [mention("zz", NEWS_FR, T0), mention("aa", NEWS_FR + " #grève", T0)]
    load(con, ties)
    assert [r["dup_cluster_id"] for r in ties] == ["aa", "aa"]


def test_a_later_batch_joins_clusters_stored_by_an_earlier_run(tmp_path):
    path = tmp_path / "vigie.duckdb"
    first = db.connect(path)
    load(first, [mention("orig", NEWS, T0), mention("fr", NEWS_FR, T0)])
    first.close()

    again = db.connect(path)  # a later run: only the signature tables remember the first batch
    signed = again.execute("select count(*) from mention_signatures").fetchone()[0]
    keys_before = again.execute("select count(*) from mention_signature_keys").fetchone()[0]
    rows = [
        mention("rt", f"RT @velora: {NEWS}", T0 + timedelta(hours=4), author="b"),
        mention("near", change_words(NEWS_FR, [12]), T0 + timedelta(hours=6), author="c"),
        mention("new", "Cyclane opens a flagship store in Lyon with test rides all weekend", T0),
    ]
    stats = load(again, rows)
    assert signed == 2
    assert [(r["dup_cluster_id"], r["is_duplicate"]) for r in rows] == [
        ("orig", True),
        ("fr", True),
        ("new", False),
    ]
    assert stats.joined_stored == 2 and stats.relabeled == 0 and stats.changed_days == []
    keys_after = again.execute("select count(*) from mention_signature_keys").fetchone()[0]
    bands, _ = DedupeSettings().bands
    assert keys_after - keys_before == 3 * (1 + bands)  # only the new rows were signed
    assert stored(again)["orig"] == ("orig", False)
    again.close()


def test_an_earlier_copy_loaded_later_becomes_the_original(con):
    load(
        con,
        [
            mention("a", NEWS, T0 + timedelta(days=2)),
            mention("b", f"RT @velora: {NEWS}", T0 + timedelta(days=3), author="b"),
        ],
    )
    assert stored(con) == {"a": ("a", False), "b": ("a", True)}

    backfill = [mention("early", f"{NEWS} (via Les Échos)", T0, author="press")]
    stats = load(con, backfill)
    assert backfill[0]["dup_cluster_id"] == "early" and not backfill[0]["is_duplicate"]
    assert stored(con) == {"a": ("early", True), "b": ("early", True), "early": ("early", False)}
    assert stats.relabeled == 2
    assert stats.changed_days == [date(2026, 3, 4), date(2026, 3, 5)]
    signatures = dict(
        con.execute("select mention_id, cluster_id from mention_signatures").fetchall()
    )
    assert set(signatures.values()) == {"early"}

    # The marts of the returned days count the story once, with the reach of every copy.
    db.refresh_marts(con, [date(2026, 3, 2), *stats.changed_days])
    daily = con.execute(
        "select day, mentions, duplicates, reach from mart_brand_daily order by day"
    ).fetchall()
    assert daily == [
        (date(2026, 3, 2), 1, 0, 100),
        (date(2026, 3, 4), 0, 1, 100),
        (date(2026, 3, 5), 0, 1, 100),
    ]


def test_a_copy_bridging_two_stored_clusters_merges_them_under_the_earliest(con):
    # Jaccard (2-word shingles): x~n 0.87, n~y 0.87, x~y 0.75; the threshold is 0.8.
    base = " ".join(f"w{i}" for i in range(110))
    load(con, [mention("x", base, T0)])
    y_text = change_words(base, [10, 30, 50, 70, 20, 40, 60, 80])
    load(con, [mention("y", y_text, T0 + timedelta(hours=1), author="y")])
    assert stored(con)["y"] == ("y", False)

    n_text = change_words(base, [10, 30, 50, 70])
    bridge = [mention("n", n_text, T0 + timedelta(hours=2), author="n")]
    stats = load(con, bridge)
    assert bridge[0]["dup_cluster_id"] == "x"
    assert stored(con)["y"] == ("x", True)
    assert stats.relabeled == 1 and stats.changed_days == [T0.date()]


def test_assigning_the_same_rows_twice_gives_the_same_clusters(con, tmp_path):
    def batch():
        return [
            mention("a", NEWS, T0 + timedelta(hours=1)),
            mention("b", f"RT @x: {NEWS}", T0 + timedelta(hours=2), author="b"),
            mention("c", NEWS_FR, T0, author="c"),
            mention("d", change_words(NEWS_FR, [5]), T0 + timedelta(hours=3), author="d"),
            mention("e", "ok", T0, author="e"),
        ]

    first = batch()
    load(con, first)
    signed = con.execute("select count(*) from mention_signature_keys").fetchone()[0]
    rerun = batch()
    with db.transaction(con):
        stats = assign_clusters(con, rerun)
    assert [(r["dup_cluster_id"], r["is_duplicate"]) for r in rerun] == [
        (r["dup_cluster_id"], r["is_duplicate"]) for r in first
    ]
    assert stats.relabeled == 0
    assert con.execute("select count(*) from mention_signature_keys").fetchone()[0] == signed

    elsewhere = db.connect(tmp_path / "other.duckdb")
    fresh = batch()
    load(elsewhere, fresh)
    elsewhere.close()
    assert [r["dup_cluster_id"] for r in fresh] == [r["dup_cluster_id"] for r in first]


def test_clusters_stay_within_a_brand_and_the_time_window(con):
    rows = [
        mention("velora", NEWS, T0, brand="Velora"),
        mention("cyclane", NEWS, T0 + timedelta(hours=1), brand="Cyclane"),
        mention("much_later", NEWS, T0 + timedelta(days=45), brand="Velora"),
    ]
    load(con, rows)
    assert [r["dup_cluster_id"] for r in rows] == ["velora", "cyclane", "much_later"]

    chain = [  # a story shared again every ten days: each copy matches the previous one
        mention(f"chain{i}", f"RT @u{i}: {NEWS_FR}", T0 + timedelta(days=10 * i), author=f"c{i}")
        for i in range(5)
    ]
    for row in chain:
        load(con, [row])
    assert {r["dup_cluster_id"] for r in chain} == {"chain0"}

    unbounded = DedupeSettings(window_days=None)
    again = [
        mention(f"{r['mention_id']}2", r["text"], r["published_at"], brand=r["brand"]) for r in rows
    ]
    with db.transaction(con):
        assign_clusters(con, again, unbounded)
    assert [r["dup_cluster_id"] for r in again] == ["velora", "cyclane", "velora"]


def test_mentions_stored_before_dedupe_are_signed_once(con):
    legacy = [
        mention("old_copy", f"RT @x: {NEWS}", T0 + timedelta(days=1), author="b"),
        mention("old", NEWS, T0),
        mention("other", NEWS_FR, T0),
    ]
    for row in legacy:
        row.update(dup_cluster_id=None, is_duplicate=False)
    con.register("legacy", pa.Table.from_pylist(legacy, schema=MENTION_COLUMNS))
    con.execute("insert into mentions by name select * from legacy")
    con.unregister("legacy")

    with db.transaction(con):
        stats = sign_stored(con, chunk_size=2)
    assert stored(con) == {
        "old": ("old", False),
        "old_copy": ("old", True),
        "other": ("other", False),
    }
    assert (stats.rows, stats.duplicates, stats.changed_days) == (3, 1, [date(2026, 3, 3)])
    with db.transaction(con):
        assert sign_stored(con).rows == 0

    later = [mention("new_copy", f"{NEWS} #recall", T0 + timedelta(days=2), author="c")]
    load(con, later)
    assert later[0]["dup_cluster_id"] == "old"


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="threshold"):
        DedupeSettings(threshold=1.5)
    with pytest.raises(ConfigError, match="window_days"):
        DedupeSettings(window_days=0)
    bands, rows = DedupeSettings(threshold=0.6).bands
    assert bands * rows <= 128 and bands > DedupeSettings(threshold=0.9).bands[0]


def test_ten_thousand_mentions_cluster_quickly(con):
    rng = random.Random(7)
    vocabulary = [f"word{i}" for i in range(5000)]
    rows, originals = [], []
    for i in range(10_000):
        at = T0 + timedelta(seconds=8 * i)
        if originals and rng.random() < 0.15:
            text = f"RT @u{rng.randrange(100)}: {rng.choice(originals)} https://t.co/{i}"
        else:
            text = " ".join(rng.choices(vocabulary, k=rng.randint(6, 40)))
            originals.append(text)
        rows.append(mention(f"m{i:05d}", text, at, author=f"a{rng.randrange(3000)}"))
    start = time.perf_counter()
    stats = load(con, rows)
    elapsed = time.perf_counter() - start
    assert elapsed < 30, f"10,000 mentions took {elapsed:.1f}s"  # about 1 s on a quiet laptop
    assert stats.duplicates >= 1400  # the ~15 % reposts, and nothing much else
    assert stats.duplicates <= 1600
    _wall, cpu = signatures_per_second([r["text"] for r in rows[:3000]])
    assert cpu > 2000
