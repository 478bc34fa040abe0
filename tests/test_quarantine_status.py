"""`vigie quarantine list|retry` and `vigie status`, through the command line."""

import json

import duckdb
import pytest

from pipelines.cli import main

ROWS = [
    {"source_id": "1", "published_at": "2026-11-20T09:00:00Z", "text": "Velora rocks, love it"},
    {"source_id": "2", "published_at": "2026-11-20T10:00:00Z", "text": "Roulix is awful"},
    {"source_id": "3", "published_at": "2026-11-20T11:00:00Z", "text": "Roulix and Velora"},
    {"source_id": "4", "published_at": "not a date", "text": "Velora"},
]


@pytest.fixture
def store(tmp_path, write, capsys):
    db = tmp_path / "vigie.duckdb"
    narrow = write("narrow.yaml", "brands: [{name: Velora}]\n")
    wide = write("wide.yaml", "brands: [{name: Velora}]\ncompetitors: [{name: Roulix}]\n")
    data = write("m.jsonl", "\n".join(json.dumps(r) for r in ROWS) + "\n{broken\n")
    assert main(["--db", str(db), "import", str(data)]) == 0
    assert main(["-q", "--db", str(db), "--config", str(narrow), "process"]) == 0
    capsys.readouterr()
    return db, narrow, wide


def ledger(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select received, loaded, duplicates, quarantined from ingest_ledger"
        ).fetchone()


def test_list_shows_stage_reason_and_payload(store, capsys):
    db, _, _ = store
    assert main(["--db", str(db), "quarantine", "list"]) == 0
    out = capsys.readouterr().out
    assert "[match] line 2: matches no brand or competitor in the watchlist" in out
    assert "[map] line 4: published_at: unparseable date 'not a date'" in out
    assert "[split] line 5: invalid JSON" in out
    assert '"text": "Roulix is awful"' in out


def test_retry_after_a_watchlist_fix_loads_and_keeps_the_ledger_balanced(store, capsys):
    db, _, wide = store
    assert ledger(db) == (5, 2, 0, 3)
    assert main(["--db", str(db), "--config", str(wide), "quarantine", "retry"]) == 0
    out = capsys.readouterr().out
    assert "replayed 2: 1 loaded, 0 duplicates, 1 still quarantined" in out
    assert "1 record(s) could not be split out" in out
    assert ledger(db) == (5, 3, 0, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        brands = dict(con.execute("select source_id, brand from mentions").fetchall())
        roulix = con.execute(
            "select mentions, negative from mart_brand_daily where brand = 'Roulix'"
        ).fetchone()
        reasons = [
            r[0] for r in con.execute("select stage from quarantine order by seq").fetchall()
        ]
    assert brands["2"] == "Roulix"
    assert roulix == (1, 1)
    assert reasons == ["map", "split"]
    # A second replay finds nothing new to load and changes nothing.
    assert main(["--db", str(db), "--config", str(wide), "quarantine", "retry"]) == 0
    assert ledger(db) == (5, 3, 0, 2)


def test_status_shows_totals_and_waiting_batches(store, write, capsys):
    db, _, _ = store
    extra = write("extra.jsonl", json.dumps(ROWS[0] | {"source_id": "9"}) + "\n")
    main(["--db", str(db), "import", str(extra)])
    capsys.readouterr()
    assert main(["--db", str(db), "status"]) == 0
    out = capsys.readouterr().out
    assert "received 5 = loaded 2 + duplicates 0 + quarantined 3" in out
    assert "1 landed and waiting" in out and "waiting  " in out
    assert out.rstrip().endswith("yes")


def test_owned_channel_brand_covers_mentions_that_name_no_brand(tmp_path, write, capsys):
    """App reviews rarely name the app: a source's `brand` decides when the text does not."""
    from pipelines.settings import load_watchlist

    config = write(
        "w.yaml",
        "brands: [{name: Velora}]\ncompetitors: [{name: Roulix}]\n"
        "sources:\n  - {type: rss, name: store, brand: Velora,"
        " params: {urls: ['https://x.example/f']}}\n",
    )
    watchlist = load_watchlist(config)
    assert watchlist.source_brand("rss", "store") == "Velora"
    assert watchlist.source_brand("rss", "other") is None
    bad = write(
        "bad.yaml",
        "brands: [{name: Velora}]\nsources:\n"
        "  - {type: rss, brand: Nope, params: {urls: ['https://x.example/f']}}\n",
    )
    assert main(["--config", str(bad), "collect"]) == 2
    assert "names brand 'Nope', which is not among the brands" in capsys.readouterr().err


def test_owned_channel_mentions_load_under_the_source_brand(tmp_path, write, capsys):
    from tests.loopback import Reply, loopback

    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Reviews</title>'
        b'<item><guid isPermaLink="false">r1</guid><title>Crashes since the update</title>'
        b"<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>"
        b'<item><guid isPermaLink="false">r2</guid><title>Better than Roulix</title>'
        b"<pubDate>Fri, 20 Nov 2026 11:00:00 GMT</pubDate></item></channel></rss>"
    )
    with loopback() as (base, script):
        script.on("/reviews.xml", Reply(200, feed))
        config = write(
            "w.yaml",
            "brands: [{name: Velora}]\ncompetitors: [{name: Roulix}]\n"
            "http: {allow_hosts: ['127.0.0.1']}\n"
            f"sources:\n  - {{type: rss, name: store, brand: Velora,"
            f" params: {{urls: ['{base}/reviews.xml']}}}}\n",
        )
        db = tmp_path / "vigie.duckdb"
        assert (
            main(
                ["-q", "--db", str(db), "--config", str(config), "collect", "--date", "2026-11-20"]
            )
            == 0
        )
    assert main(["-q", "--db", str(db), "--config", str(config), "process"]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        brands = dict(con.execute("select source_id, brand from mentions").fetchall())
    assert brands == {"r1": "Velora", "r2": "Roulix"}
    capsys.readouterr()
