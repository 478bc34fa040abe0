"""A competitor's Instagram account is listed by username (business_discovery finds accounts
by name), but Instagram answers with its numeric id: the follower counts must still be
attributed to that competitor. Real connector, real HTTP on 127.0.0.1, real DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines import db
from pipelines.audience import collect_audience, load_audience
from pipelines.collect import http_client
from pipelines.settings import load_watchlist, resolve_paths
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "instagram"
OWN = "17841400008460056"  # tests/fixtures/instagram/user.json
RIVAL = "17841401234567890"  # the id business_discovery.json answers with, for "cowboy"


def test_counts_of_an_account_listed_by_username_go_to_its_brand(tmp_path, monkeypatch):
    monkeypatch.setenv("VIGIE_TEST_IG_TOKEN", "test-token")
    with loopback() as (base, script):
        script.on(
            f"/v25.0/{OWN}",
            Reply(body=(FIXTURES / "user.json").read_bytes()),
            Reply(body=(FIXTURES / "business_discovery.json").read_bytes()),
        )
        config = tmp_path / "watchlist.yaml"
        config.write_text(
            f"""
brands: [{{name: Velora, accounts: {{instagram: ["{OWN}"]}}}}]
competitors: [{{name: Cowboy, accounts: {{instagram: ["@Cowboy"]}}}}]
sources:
  - type: instagram
    name: ig
    params: {{ig_user_id: "{OWN}", token_env: VIGIE_TEST_IG_TOKEN, base_url: "{base}"}}
http: {{allow_hosts: ["127.0.0.1"], retries: 0}}
""",
            encoding="utf-8",
        )
        watchlist = load_watchlist(config)
        paths = resolve_paths(tmp_path / "vigie.duckdb")
        (outcome,) = collect_audience(paths, watchlist, http_client(watchlist))
    assert outcome.batch is not None and outcome.error is None
    con = db.connect(paths.db)
    try:
        load = load_audience(con, paths.landing, watchlist)
    finally:
        con.close()
    assert (load.counts, load.skipped) == (2, {})
    with duckdb.connect(str(paths.db), read_only=True) as con:
        rows = con.execute(
            "select account_id, account_name, brand, is_competitor, followers "
            "from audience_snapshots order by account_id"
        ).fetchall()
    assert rows == [
        (OWN, "velorabikes", "Velora", False, 23877),
        (RIVAL, "cowboy", "Cowboy", True, 310245),
    ]
