"""`vigie demo` collects all nine listening sources and the brand's three owned channels
through the real connectors, over real HTTP, with no real credentials: what the connectors ask
for, what they get, and what lands in DuckDB."""

from __future__ import annotations

import os
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from connectors import get_connector
from connectors.base import Window
from connectors.http import HttpClient
from pipelines import demo as demo_module
from pipelines.demo import (
    DEMO_SECRETS,
    demo_watchlist,
    placeholder_secrets,
    run_demo,
    secret_names,
    x_clock,
)
from pipelines.demo_corpus import (
    OWNED_ACCOUNTS,
    OWNED_SOURCES,
    SOURCES,
    build_corpus,
    build_owned,
    render_feeds,
    x_window,
)
from pipelines.demo_server import Seen, serve
from pipelines.settings import load_watchlist
from tests.conftest import DEMO_END

# The variables a user would set for the live sources: the demo must neither need nor send them.
REAL_SECRETS = (
    "VIGIE_X_BEARER_TOKEN",
    "VIGIE_YOUTUBE_API_KEY",
    "VIGIE_BLUESKY_HANDLE",
    "VIGIE_BLUESKY_APP_PASSWORD",
    "VIGIE_MASTODON_TOKEN",
    "VIGIE_REDDIT_CLIENT_ID",
    "VIGIE_REDDIT_CLIENT_SECRET",
    "VIGIE_FACEBOOK_PAGE_TOKEN",
    "VIGIE_INSTAGRAM_TOKEN",
    "VIGIE_LINKEDIN_TOKEN",
)
SENTINEL = "REAL-SECRET-MUST-NOT-LEAVE-THIS-MACHINE"
DEMO_NOW = datetime.combine(DEMO_END, datetime.min.time(), tzinfo=UTC) + timedelta(minutes=5)


@contextmanager
def _demo_server(posts, log: list[Seen]):
    routes: dict = {}
    with serve(routes, log=log) as base_url:
        routes.update(render_feeds(posts, base_url))
        yield base_url


def _collect_all(watchlist, end: date) -> dict[str, list[dict]]:
    """Each source of the watchlist fetched as the demo fetches it, then parsed."""
    http = HttpClient(timeout=5, retries=0, allow_hosts=frozenset({"127.0.0.1"}))
    month = Window(
        datetime.combine(end - timedelta(days=30), datetime.min.time(), tzinfo=UTC),
        datetime.combine(end, datetime.min.time(), tzinfo=UTC),
    )
    found: dict[str, list[dict]] = {}
    for source in watchlist.sources:
        connector = get_connector(source.type)
        params = connector.Params.model_validate(source.params)
        window = Window(*x_window(end)) if source.type == "x" else month
        mentions = found.setdefault(source.type, [])
        for page in connector.fetch(params, window, http):
            for item in connector.items(page):
                assert item.error is None, (source.query_id, item.error)
                mentions.append(connector.to_mention(item.payload))
    return found


def _only_placeholders_sent(log: list[Seen]) -> None:
    """Credentials seen by the demo server: the demo's placeholders, or the session token the
    demo server itself handed out at Bluesky's createSession."""
    for seen in log:
        token = seen.headers.get("Authorization")
        if token is not None:
            issued = seen.path.startswith("/xrpc/app.bsky.") and token.startswith("Bearer ey")
            assert "demo-placeholder" in token or issued, seen
        if seen.path.startswith("/youtube/"):
            assert f"key={DEMO_SECRETS['VIGIE_DEMO_YOUTUBE_API_KEY']}" in seen.query, seen


def _owned_path(path: str) -> bool:
    return path.startswith(("/v25.0/", "/rest/"))


def _load(tmp_path: Path, config: dict):
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return load_watchlist(path)


def test_the_connectors_collect_every_post_without_looping(tmp_path, monkeypatch):
    for name in REAL_SECRETS:
        monkeypatch.setenv(name, SENTINEL)
    for name in DEMO_SECRETS:
        monkeypatch.delenv(name, raising=False)
    posts = build_corpus(DEMO_END, days=30, credentials=True)
    owned = build_owned(DEMO_END, days=30)[0]
    posts += owned
    log: list[Seen] = []
    with _demo_server(posts, log) as base_url:
        watchlist = _load(tmp_path, demo_watchlist(base_url, credentials=True))
        assert set(secret_names(watchlist)) <= set(DEMO_SECRETS)
        with placeholder_secrets(secret_names(watchlist)), x_clock(DEMO_NOW):
            found = _collect_all(watchlist, DEMO_END)
    expected = Counter(p.source for p in posts)
    for source in (*SOURCES, *OWNED_SOURCES):
        ids = {m["source_id"] for m in found[source]}
        assert ids == {p.guid for p in posts if p.source == source}, source
        assert len(ids) == expected[source] > 0
    # One request per query where the API would answer in one page; a few pages elsewhere.
    calls = Counter(seen.path for seen in log)
    assert calls["/api/v2/doc/doc"] == 1  # GDELT asks for one request per 5 seconds
    assert calls["/search.json"] == 1  # Reddit's public JSON allows ten a minute
    assert calls["/api/v1/search_by_date"] == 3  # one per query, nbHits under Algolia's cap
    assert calls["/2/tweets/search/recent"] == 2  # 100 posts a page
    assert sum(n for path, n in calls.items() if "/rss/customerreviews/" in path) == 2
    listening = [s for s in log if not _owned_path(s.path)]
    assert len(listening) < 60
    # Owned channels: the Page feed in pages of 10; one comments call per Instagram media
    # with comments and per LinkedIn post, and one more per LinkedIn comment with answers.
    velora = OWNED_ACCOUNTS["Velora"]
    shares = [p for p in owned if p.source == "linkedin" and p.kind == "post"]
    commented = {p.place for p in owned if p.source == "instagram" and p.kind == "comment"}
    answered = {p.parent for p in owned if p.source == "linkedin" and p.kind == "reply"}
    fb_posts = sum(1 for p in owned if p.source == "facebook" and p.kind == "post")
    assert calls[f"/v25.0/{velora.page_id}/feed"] == -(-fb_posts // 10)
    assert sum(n for p, n in calls.items() if p.endswith("/comments") and "/v25.0/" in p) == len(
        commented
    )
    assert sum(n for p, n in calls.items() if p.startswith("/rest/socialActions/")) == len(
        shares
    ) + len(answered)
    # What left for the demo server: placeholders, never the user's secrets.
    for seen in log:
        assert SENTINEL not in " ".join([seen.query, *seen.headers.values()]), seen
    _only_placeholders_sent(log)
    tokens = {s.headers.get("Authorization") for s in log}
    assert f"Bearer {DEMO_SECRETS['VIGIE_DEMO_X_TOKEN']}" in tokens
    assert not any(name.startswith("VIGIE_DEMO_") for name in os.environ)


def test_without_credentials_the_open_sources_still_collect_everything(tmp_path, monkeypatch):
    for name in (*REAL_SECRETS, *DEMO_SECRETS):
        monkeypatch.delenv(name, raising=False)
    posts = build_corpus(DEMO_END, days=7)
    log: list[Seen] = []
    with _demo_server(posts, log) as base_url:
        watchlist = _load(tmp_path, demo_watchlist(base_url))
        assert secret_names(watchlist) == ["VIGIE_DEMO_MASTODON_TOKEN"]  # optional, unset
        found = _collect_all(watchlist, DEMO_END)
    assert set(found) == {"rss", "gdelt", "hackernews", "reddit", "mastodon", "bluesky", "appstore"}
    for source, mentions in found.items():
        ids = {m["source_id"] for m in mentions}
        assert ids == {p.guid for p in posts if p.source == source}, source
    assert not any("Authorization" in seen.headers for seen in log)


def test_placeholders_are_set_for_the_run_only(monkeypatch):
    monkeypatch.setenv("VIGIE_DEMO_X_TOKEN", "what the user had")
    monkeypatch.delenv("VIGIE_DEMO_YOUTUBE_API_KEY", raising=False)
    names = ["VIGIE_DEMO_X_TOKEN", "VIGIE_DEMO_YOUTUBE_API_KEY"]
    with placeholder_secrets(names):
        assert os.environ["VIGIE_DEMO_X_TOKEN"] == DEMO_SECRETS["VIGIE_DEMO_X_TOKEN"]
        assert os.environ["VIGIE_DEMO_YOUTUBE_API_KEY"].startswith("demo-placeholder")
    assert os.environ["VIGIE_DEMO_X_TOKEN"] == "what the user had"
    assert "VIGIE_DEMO_YOUTUBE_API_KEY" not in os.environ
    with pytest.raises(ValueError, match="not a demo secret"), placeholder_secrets(REAL_SECRETS):
        pass


def test_demo_end_to_end_stores_all_twelve_sources(tmp_path, monkeypatch):
    for name in (*REAL_SECRETS, *DEMO_SECRETS):
        monkeypatch.delenv(name, raising=False)
    log: list[Seen] = []
    monkeypatch.setattr(demo_module, "serve", lambda routes: serve(routes, log=log))
    summary = run_demo(tmp_path / "demo", end=DEMO_END, progress=False, echo=False)

    posts = build_corpus(DEMO_END, days=demo_module.DEMO_DAYS, credentials=True)
    posts += build_owned(DEMO_END, days=demo_module.DEMO_DAYS)[0]
    expected = Counter(p.source for p in posts)
    every = {*SOURCES, *OWNED_SOURCES}
    with duckdb.connect(str(summary.db), read_only=True) as con:
        stored = dict(con.execute("select source, count(*) from mentions group by 1").fetchall())
        ledger = con.execute(
            "select count(*), bool_and(received = loaded + duplicates + quarantined),"
            " sum(loaded), sum(quarantined) from ingest_ledger"
        ).fetchone()
        breakdown = {
            r[0]
            for r in con.execute(
                "select distinct source from mentions where brand = 'Velora'"
                " and published_at >= ? and published_at < ?",
                [summary.report_day, summary.report_day + timedelta(days=1)],
            ).fetchall()
        }
    assert stored == dict(expected) and set(stored) == every
    assert summary.by_source == stored
    batches, adds_up, loaded, quarantined = ledger
    assert batches == len(load_watchlist(summary.watchlist).sources)
    assert adds_up and loaded == summary.mentions == len(posts) and quarantined == 0
    assert breakdown == every  # the crisis day's report shows every source
    csv = (summary.folder / "reports" / "reputation-velora-breakdown.csv").read_text()
    assert all(f"source,{source}," in csv for source in every)
    # Follower counts: one collection per simulated morning of the month, each landed as
    # that day's batch; the counts travel with the placeholders like everything else.
    audience = sorted((summary.folder / "landing" / "_audience").glob("source=*/date=*"))
    days = {p.name for p in audience}
    assert len(days) == demo_module.DEMO_DAYS
    assert {p.parent.name for p in audience} == {
        "source=facebook",
        "source=instagram",
        "source=linkedin",
        "source=mastodon",
        "source=bluesky",
    }
    assert summary.snapshots == summary.accounts * demo_module.DEMO_DAYS > 0
    networks = [s for s in log if s.path.startswith("/rest/networkSizes/")]
    assert networks and all(
        s.headers["Authorization"] == f"Bearer {DEMO_SECRETS['VIGIE_DEMO_LINKEDIN_TOKEN']}"
        for s in networks
    )
    # No real credential was needed, none was sent, and the placeholders are gone.
    assert not any(name.startswith("VIGIE_DEMO_") for name in os.environ)
    _only_placeholders_sent(log)
