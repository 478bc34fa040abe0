"""GDPR erasure, retention, pseudonyms and secrets, through the command line."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.cli import main
from pipelines.purge import rewrite_page
from tests.loopback import Reply, loopback

FEED = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Forum</title>
<item><guid isPermaLink="false">p1</guid><title>Velora battery died</title>
<dc:creator>jane_doe</dc:creator><pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>
<item><guid isPermaLink="false">p2</guid><title>Velora app is awful</title>
<dc:creator>jane_doe</dc:creator><pubDate>Fri, 20 Nov 2026 11:00:00 GMT</pubDate></item>
<item><guid isPermaLink="false">p3</guid><title>Love my Velora</title>
<dc:creator>bob</dc:creator><pubDate>Fri, 20 Nov 2026 12:00:00 GMT</pubDate></item>
</channel></rss>"""


def _setup(tmp_path, base):
    config = tmp_path / "w.yaml"
    config.write_text(
        "brands: [{name: Velora}]\nhttp: {allow_hosts: ['127.0.0.1']}\n"
        f"sources: [{{type: rss, name: forum, params: {{urls: ['{base}/f.xml']}}}}]\n"
    )
    return config, tmp_path / "store" / "vigie.duckdb"


def _q(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_purge_erases_database_landing_and_refuses_the_author_later(tmp_path, capsys):
    with loopback() as (base, script):
        script.on("/f.xml", Reply(200, FEED))
        config, db = _setup(tmp_path, base)
        common = ["-q", "--db", str(db), "--config", str(config)]
        assert main([*common, "collect", "--date", "2026-11-20"]) == 0
        assert main([*common, "process"]) == 0
        assert _q(db, "select count(*) from mentions") == [(3,)]

        assert main(["--db", str(db), "purge", "--author", "@Jane_Doe", "--dry-run"]) == 0
        assert "2 mention(s) would be erased" in capsys.readouterr().out
        assert _q(db, "select count(*) from mentions") == [(3,)]

        assert main(["--db", str(db), "purge", "--author", "@Jane_Doe"]) == 0
        out = capsys.readouterr().out
        assert "erased 2 mention(s), 2 raw record(s)" in out
        assert "rewrote 1 landing page(s) (2 record(s) dropped)" in out
        assert _q(db, "select source_id from mentions") == [("p3",)]
        assert _q(db, "select count(*) from raw_records where source_id in ('p1', 'p2')") == [(0,)]
        assert _q(db, "select mentions from mart_brand_daily") == [(1,)]
        landing = "".join(
            p.read_text("utf-8", "replace") for p in (db.parent / "landing").rglob("page-*")
        )
        assert "jane_doe" not in landing and "bob" in landing

        # The feed still carries her posts: a later window collects them, nothing is kept.
        assert main([*common, "collect", "--date", "2026-11-21"]) == 0
        assert main([*common, "process"]) == 0
    assert _q(db, "select source_id from mentions") == [("p3",)]
    assert _q(db, "select reason, stage, payload from quarantine") == [
        ("author erased on request", "erased", None),
        ("author erased on request", "erased", None),
    ]
    assert _q(
        db, "select bool_and(received = loaded + duplicates + quarantined) from ingest_ledger"
    ) == [(True,)]


def test_rewrite_page_handles_json_jsonl_csv_and_xml():
    hn = json.dumps(
        {
            "hits": [{"objectID": "1", "author": "jane_doe"}, {"objectID": "2", "author": "bob"}],
            "nbHits": 2,
        }
    ).encode()
    body, dropped = rewrite_page(hn, {"jane_doe"})
    assert dropped == 1 and json.loads(body)["hits"] == [{"objectID": "2", "author": "bob"}]
    jsonl = b'{"source_id": "a", "author": "Jane_Doe"}\n{"source_id": "b", "author": "bob"}\n'
    body, dropped = rewrite_page(jsonl, {"jane_doe"})
    assert dropped == 1 and b"Jane_Doe" not in body and b'"b"' in body
    csv_body = b"source_id,author,text\na,jane_doe,x\nb,bob,y\n"
    body, dropped = rewrite_page(csv_body, {"jane_doe"})
    assert dropped == 1 and body.decode().splitlines() == ["source_id,author,text", "b,bob,y"]
    body, dropped = rewrite_page(FEED, {"jane_doe"})
    assert dropped == 2 and b"jane_doe" not in body and b"bob" in body


def test_retention_removes_old_raw_payloads_but_keeps_mentions(tmp_path, write, capsys):
    db = tmp_path / "vigie.duckdb"
    data = write(
        "m.jsonl", '{"source_id": "1", "published_at": "2026-11-20T10:00:00Z", "text": "hello"}\n'
    )
    main(["-q", "--db", str(db), "import", str(data)])
    main(["-q", "--db", str(db), "process"])
    with duckdb.connect(str(db)) as con:
        old = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=200)
        con.execute("update raw_records set fetched_at = ?", [old])
        con.execute("update ingest_ledger set landed_at = ?", [old])
    assert main(["--db", str(db), "retention", "--raw-days", "90"]) == 0
    assert "removed 1 raw record(s) and 1 landing batch folder(s)" in capsys.readouterr().out
    assert _q(db, "select count(*) from raw_records") == [(0,)]
    assert _q(db, "select count(*) from mentions") == [(1,)]
    assert not list((tmp_path / "landing").rglob("manifest.json"))


def test_author_key_is_never_stored_in_the_database(tmp_path, write):
    db = tmp_path / "vigie.duckdb"
    data = write(
        "m.jsonl",
        '{"source_id": "1", "published_at": "2026-11-20T10:00:00Z",'
        ' "text": "hello", "author": "alice"}\n',
    )
    env = {**os.environ, "VIGIE_AUTHOR_KEY": "K3Y-must-not-leak-0123456789"}
    vigie = str(Path(sys.executable).parent / "vigie")
    subprocess.run([vigie, "-q", "--db", str(db), "import", str(data)], env=env, check=True)
    subprocess.run([vigie, "-q", "--db", str(db), "process"], env=env, check=True)
    raw = db.read_bytes()
    assert b"K3Y-must-not-leak" not in raw
    [(author_id,)] = _q(db, "select author_id from mentions")
    assert author_id and author_id != "alice" and b"alice" not in author_id.encode()


FIXTURES = Path(__file__).parent / "fixtures"
X_TOKEN = "FAKE-X-BEARER-0123456789abcdef"
YT_KEY = "FAKE-YT-KEY-0123456789abcdef"


def test_secrets_never_reach_outputs_logs_or_the_database(tmp_path):
    """A run with known fake secrets, including a failing call: scan everything it wrote."""
    vigie = str(Path(sys.executable).parent / "vigie")
    env = {
        **os.environ,
        "VIGIE_X_BEARER_TOKEN": X_TOKEN,
        "VIGIE_YOUTUBE_API_KEY": YT_KEY,
        "VIGIE_X_DENIED_TOKEN": X_TOKEN + "-2",
    }
    with loopback() as (base, script):
        script.on(
            "/2/tweets/search/recent", Reply(200, (FIXTURES / "x/search_page3.json").read_bytes())
        )
        script.on(
            "/youtube/v3/search", Reply(200, (FIXTURES / "youtube/search_p3.json").read_bytes())
        )
        script.on("/denied/2/tweets/search/recent", Reply(401, b'{"title": "Unauthorized"}'))
        config = tmp_path / "w.yaml"
        config.write_text(
            "brands: [{name: Velora}]\nhttp: {allow_hosts: ['127.0.0.1'], retries: 0}\n"
            "sources:\n"
            f"  - {{type: x, name: x, brand: Velora,"
            f" params: {{query: velora, base_url: '{base}'}}}}\n"
            f"  - {{type: youtube, name: yt, brand: Velora,"
            f" params: {{search_queries: [velora], base_url: '{base}'}}}}\n"
            f"  - {{type: x, name: denied, params: {{query: velora,"
            f" token_env: VIGIE_X_DENIED_TOKEN, base_url: '{base}/denied'}}}}\n"
        )
        db = tmp_path / "store" / "vigie.duckdb"
        outputs = []
        for args in (["collect"], ["process"], ["report", "--date", "2026-11-20"], ["status"]):
            run = subprocess.run(
                [vigie, "-q", "--db", str(db), "--config", str(config), *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            outputs += [run.stdout, run.stderr]
    assert any("401" in o for o in outputs), outputs  # the failing source was reported
    assert any(h.get("Authorization") == f"Bearer {X_TOKEN}" for _, h in script.requests)
    assert any(YT_KEY in path for path, _ in script.requests)  # the key really was used
    written = [p.read_bytes() for p in (db.parent).rglob("*") if p.is_file()]
    for secret in (X_TOKEN, YT_KEY):
        assert all(secret not in o for o in outputs), secret
        assert all(secret.encode() not in blob for blob in written), secret
