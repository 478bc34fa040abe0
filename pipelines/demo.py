"""`vigie demo`: the whole pipeline, offline, on a month of bundled sample data.

Nothing is faked past the network: the sample payloads of all nine sources are served in
their APIs' shapes over real HTTP on 127.0.0.1 and go through the same connectors, landing,
processing and reporting code as a live run.

Two things are the demo's own. The sources that need credentials (X, YouTube, Bluesky search)
get obviously fake placeholder values, in environment variables that only the demo's
watchlist names, set for the run and removed afterwards: a user's real tokens are never read
and never sent to the demo server. And X's recent search measures its seven days against the
clock, so during the demo that clock reads the morning after the sample month, as it would
for a daily run.
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

from connectors.base import Window
from pipelines import demo_corpus
from pipelines.collect import CollectOutcome, collect_source, day_window, http_client
from pipelines.demo_server import serve
from pipelines.errors import SourceError
from pipelines.process import process_pending
from pipelines.reports import ReportSet, write_reports
from pipelines.settings import Paths, Watchlist, load_watchlist

DEMO_DAYS = 30  # the reports' trend charts span 30 days
# What a demo run owns inside its folder; only these are removed when it starts again.
DEMO_ENTRIES = (
    "watchlist.yaml",
    "vigie.duckdb",
    "vigie.duckdb.wal",
    "landing",
    "reports",
    "alerts",
    ".vigie-author-key",
)
SINK_URL_ENV = "VIGIE_DEMO_WEBHOOK_URL"
SINK_SECRET_ENV = "VIGIE_DEMO_WEBHOOK_SECRET"
SINK_SECRET = "whsec_" + base64.b64encode(b"vigie-demo-signing-key-not-secret").decode()
# The secrets the demo watchlist names, and the placeholders the demo sets for them. The
# demo server accepts anything; these only satisfy the connectors' "is it configured" checks.
DEMO_SECRETS = {
    "VIGIE_DEMO_X_TOKEN": "demo-placeholder-not-a-real-x-token",
    "VIGIE_DEMO_YOUTUBE_API_KEY": "demo-placeholder-not-a-real-youtube-key",
    "VIGIE_DEMO_BLUESKY_HANDLE": "vigie-demo.bsky.social",
    "VIGIE_DEMO_BLUESKY_APP_PASSWORD": "demo-placeholder-not-a-real-app-password",
    "VIGIE_DEMO_MASTODON_TOKEN": "demo-placeholder-not-a-real-mastodon-token",
}
RUN_AFTER_END = timedelta(minutes=5)  # the demo "runs" just after its month, like a daily job


@dataclass(frozen=True)
class DemoSummary:
    folder: Path
    watchlist: Path
    db: Path
    mentions: int
    quarantined: int
    report_day: date
    reports: list[ReportSet]
    seconds: float
    by_source: dict[str, int] = field(default_factory=dict)  # mentions stored per source
    incidents: list[dict] = field(default_factory=list)  # detected by the real detector
    alerts: list[Path] = field(default_factory=list)  # what the local webhook sink received


def demo_watchlist(base_url: str, *, credentials: bool = False) -> dict:
    """The demo's own watchlist, pointing every source at the loopback server.

    Without `credentials`, only what needs no secret: RSS, GDELT, Hacker News, Reddit's public
    JSON, Mastodon hashtags and accounts, Bluesky author feeds and the App Store. With it, X
    search, YouTube and Bluesky search too, their secrets named as VIGIE_DEMO_* variables
    (see DEMO_SECRETS). It matches `demo_corpus.build_corpus(..., credentials=...)`.
    """
    bluesky: dict = {
        "base_url": base_url,
        "pds_url": base_url,
        "authors": list(demo_corpus.COMPETITOR_BLUESKY),
    }
    if credentials:
        bluesky |= {
            "search": list(demo_corpus.BLUESKY_SEARCHES),
            "handle_env": "VIGIE_DEMO_BLUESKY_HANDLE",
            "password_env": "VIGIE_DEMO_BLUESKY_APP_PASSWORD",
        }
    sources: list[dict] = [
        {
            "type": "rss",
            "name": "demo-feeds",
            "params": {"urls": [f"{base_url}{feed.path}" for feed in demo_corpus.FEEDS]},
        },
        {
            "type": "gdelt",
            "name": "gdelt-news",
            "params": {"queries": [demo_corpus.GDELT_QUERY], "base_url": base_url},
        },
        {
            "type": "hackernews",
            "name": "hn",
            "params": {"queries": list(demo_corpus.HN_QUERIES), "base_url": base_url},
        },
        {
            "type": "reddit",
            "name": "reddit-search",
            # public: never looks for (or sends) the user's Reddit app credentials
            "params": {"query": demo_corpus.REDDIT_QUERY, "auth": "public", "base_url": base_url},
        },
        {
            "type": "mastodon",
            "name": "mastodon",
            "params": {
                "base_url": base_url,
                "hashtags": list(demo_corpus.MASTODON_TAGS),
                "accounts": list(demo_corpus.COMPETITOR_MASTODON),
                # a demo-only name: a user's real Mastodon token never reaches the demo server
                "token_env": "VIGIE_DEMO_MASTODON_TOKEN",
            },
        },
        {"type": "bluesky", "name": "bluesky", "params": bluesky},
        {
            "type": "appstore",
            "name": "appstore-velora-app",
            "brand": demo_corpus.BRAND,
            "params": {
                "app_ids": [demo_corpus.APPSTORE_APP_ID],
                "countries": list(demo_corpus.STOREFRONTS.values()),
                "base_url": base_url,
            },
        },
    ]
    if credentials:
        youtube = {"api_key_env": "VIGIE_DEMO_YOUTUBE_API_KEY", "base_url": base_url}
        sources += [
            {
                "type": "x",
                "name": "x-search",
                "params": {
                    "query": demo_corpus.X_QUERY,
                    "token_env": "VIGIE_DEMO_X_TOKEN",
                    "base_url": base_url,
                },
            },
            {
                "type": "youtube",
                "name": "youtube-velora-channel",
                "brand": demo_corpus.BRAND,
                "params": {"comments_on_channels": [demo_corpus.VELORA_CHANNEL], **youtube},
            },
            {
                "type": "youtube",
                "name": "youtube-watch",
                "params": {
                    "search_queries": list(demo_corpus.YOUTUBE_SEARCHES),
                    "uploads_of_channels": list(demo_corpus.COMPETITOR_CHANNELS),
                    "comments_on_channels": list(demo_corpus.COMPETITOR_CHANNELS),
                    **youtube,
                },
            },
        ]
    return {
        "version": 1,
        "locale": "en",
        "languages": ["en", "fr"],
        "default_language": "en",
        "brands": [
            {
                "name": demo_corpus.BRAND,
                "aliases": ["Velora City", "Velora Trail", "Velora Bikes"],
                "handles": ["@velora"],
                "hashtags": ["#Velora", "#VeloraCity", "#VeloraRecall", "#RappelVelora"],
                "exclude": ["Velora Lake"],
            }
        ],
        "competitors": [
            {"name": "Cyclane", "handles": ["@cyclane_bikes"], "hashtags": ["#Cyclane"]},
            {"name": "Roulix", "handles": ["@roulix"], "hashtags": ["#Roulix"]},
        ],
        "sources": sources,
        "alerts": {
            "channels": [
                {
                    "type": "webhook",
                    "name": "demo-sink",
                    "url_env": SINK_URL_ENV,
                    "secret_env": SINK_SECRET_ENV,
                }
            ]
        },
        "http": {
            "allow_hosts": ["127.0.0.1"],
            "timeout_seconds": 10,
            "retries": 2,
            "backoff_seconds": 0.2,
        },
    }


def secret_names(watchlist: Watchlist) -> list[str]:
    """Every environment variable the watchlist's sources name (`*_env` parameters)."""
    return sorted(
        {
            value
            for source in watchlist.sources
            for key, value in source.params.items()
            if key.endswith("_env") and isinstance(value, str)
        }
    )


def placeholder_secrets(names: list[str]):
    """Set the demo's placeholder for each named variable, and put the environment back as
    it was afterwards. Only demo names are accepted: a real variable is never touched."""
    unknown = [n for n in names if n not in DEMO_SECRETS]
    if unknown:
        raise ValueError(f"not a demo secret: {', '.join(unknown)}")
    return _environment({name: DEMO_SECRETS[name] for name in names})


@contextmanager
def x_clock(now: datetime) -> Iterator[None]:
    """X's connector measures recent search's seven days from `connectors.x.utc_now`; the
    demo's month ends at `end`, so for the demo that clock reads `now`."""
    from connectors import x

    real = x.utc_now
    x.utc_now = lambda: now
    try:
        yield
    finally:
        x.utc_now = real


def _collect(
    paths: Paths, watchlist: Watchlist, end: date, *, progress: bool
) -> list[CollectOutcome]:
    """Each source for the month; X for the days its recent search reaches (see X_DAYS)."""
    from tqdm import tqdm

    month = day_window(end - timedelta(days=DEMO_DAYS), days=DEMO_DAYS)
    x_start, x_end = demo_corpus.x_window(end)
    http = http_client(watchlist)
    sources = watchlist.enabled_sources()
    bar = tqdm(sources, desc="collect", unit="source", disable=not progress or None)
    return [
        collect_source(paths, s, Window(x_start, x_end) if s.type == "x" else month, http)
        for s in bar
    ]


def _clean(folder: Path) -> None:
    for name in DEMO_ENTRIES:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def _mentions_by_source(db: Path) -> dict[str, int]:
    from pipelines import db as store

    con = store.connect(db, read_only=True)
    try:
        rows = con.execute(
            "select source, count(*) from mentions group by source order by 2 desc, 1"
        ).fetchall()
    finally:
        con.close()
    return {source: count for source, count in rows}


def run_demo(
    folder: Path, *, end: date | None = None, progress: bool = True, echo: bool = True
) -> DemoSummary:
    """Build a fresh demo store in `folder`: sample month ending at `end` (default today)."""
    started = time.monotonic()
    end = end or datetime.now(UTC).date()
    folder = folder.absolute()
    folder.mkdir(parents=True, exist_ok=True)
    _clean(folder)
    paths = Paths(db=folder / "vigie.duckdb")
    say = print if echo else (lambda *a, **k: None)

    posts = demo_corpus.build_corpus(end, days=DEMO_DAYS, credentials=True)
    routes: dict = {}
    with serve(routes) as base_url:
        routes.update(demo_corpus.render_feeds(posts, base_url))
        watchlist_path = folder / "watchlist.yaml"
        watchlist_path.write_text(
            "# Written by `vigie demo`; the port is the one the demo server used.\n"
            "# The VIGIE_DEMO_* variables held placeholders during the demo only.\n"
            + yaml.safe_dump(
                demo_watchlist(base_url, credentials=True), sort_keys=False, allow_unicode=True
            ),
            encoding="utf-8",
        )
        watchlist = load_watchlist(watchlist_path)
        sources = sorted({p.source for p in posts}, key=demo_corpus.SOURCES.index)
        say(
            f"serving {len(sources)} sources ({len(routes)} endpoints, {len(posts)} posts) "
            f"on {base_url}"
        )
        now = datetime.combine(end, datetime.min.time(), tzinfo=UTC) + RUN_AFTER_END
        with placeholder_secrets(secret_names(watchlist)), x_clock(now):
            outcomes = _collect(paths, watchlist, end, progress=progress)
    failures = [f"{o.source.query_id}: {o.error}" for o in outcomes if o.error]
    if failures:
        raise SourceError(f"demo collection failed: {failures[0]}")
    results = process_pending(paths, watchlist, progress=progress)
    incidents, alerts = _detect_and_alert(paths, watchlist, now, folder / "alerts")
    report_day = end - timedelta(days=1)
    reports = write_reports(paths, watchlist, report_day, out=folder / "reports")
    summary = DemoSummary(
        folder=folder,
        watchlist=watchlist_path,
        db=paths.db,
        mentions=sum(r.loaded for r in results),
        quarantined=sum(r.quarantined for r in results),
        report_day=report_day,
        reports=reports,
        seconds=time.monotonic() - started,
        by_source=_mentions_by_source(paths.db),
        incidents=incidents,
        alerts=alerts,
    )
    if echo:
        _print_summary(
            summary, sum(r.received for r in results), sum(r.duplicates for r in results)
        )
    return summary


def _detect_and_alert(
    paths: Paths, watchlist: Watchlist, now: datetime, sink_folder: Path
) -> tuple[list[dict], list[Path]]:
    """The hourly alert job, run once at the end of the demo month: detection, then delivery
    of each incident to a local webhook sink that checks the signature and keeps the body."""
    from pipelines import db
    from pipelines.alerts import deliver_pending
    from pipelines.demo_server import webhook_sink
    from pipelines.incidents import detect_incidents

    con = db.connect(paths.db)
    try:
        incidents = detect_incidents(con, watchlist, now=now)
        with (
            webhook_sink(sink_folder, SINK_SECRET) as url,
            _environment({SINK_URL_ENV: url, SINK_SECRET_ENV: SINK_SECRET}),
        ):
            deliver_pending(con, watchlist, now=now)
    finally:
        con.close()
    return incidents, sorted(sink_folder.glob("*.json"))


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _print_summary(s: DemoSummary, received: int, duplicates: int) -> None:
    print(
        f"\nVigie demo done in {s.seconds:.1f}s: {received} records received, "
        f"{s.mentions} mentions loaded, {duplicates} duplicates, {s.quarantined} quarantined"
    )
    print("  by source : " + ", ".join(f"{name} {n}" for name, n in s.by_source.items()))
    for incident in s.incidents:
        print(
            f"  incident  : {incident['brand']} negative mentions {incident['start']} → "
            f"{incident['end']}, peak {incident['peak_value']:.0f}/h against "
            f"{incident['baseline']:.1f} expected"
        )
    for alert in s.alerts:
        print(f"  alert     : delivered to the local webhook sink, signature checked: {alert}")
    print(f"  watchlist : {s.watchlist}")
    print(f"  database  : {s.db}")
    for rs in s.reports:
        print(f"  report    : {rs.reputation}")
        print(f"  report    : {rs.competitive}")
        print(f"  digest    : {rs.digest}")
    print(f"  index     : {s.folder / 'reports' / 'index.html'}")
    print(f"\nTry: vigie --db {s.db} report --date {s.report_day} --out /tmp/vigie-reports")
