"""`vigie demo`: the whole pipeline, offline, on a month of bundled sample data.

Nothing is faked past the network: the sample payloads of all nine sources are served in
their APIs' shapes over real HTTP on 127.0.0.1 and go through the same connectors, landing,
processing and reporting code as a live run.

Three things are the demo's own. The sources that need credentials (X, YouTube, Bluesky
search, and the brand's Facebook Page, Instagram account and LinkedIn organization) get
obviously fake placeholder values, in environment variables that only the demo's watchlist
names, set for the run and removed afterwards: a user's real tokens are never read and never
sent to the demo server. X's recent search measures its seven days against the clock, so
during the demo that clock reads the morning after the sample month, as it would for a daily
run. And follower counts are taken once a day: the demo replays the month's mornings, one
`collect_audience` per day against a server that answers with that day's counts, through a
client whose clock reads that morning (see `_audience_month`). Each run starts with fresh
rate budgets, as a new process would: the budgets guard the live APIs, and one pytest process
runs the demo several times.
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

from connectors import get_connector
from connectors.base import Window
from connectors.http import Budget, HttpClient, Page
from pipelines import demo_corpus
from pipelines.audience import AudienceOutcome, collect_audience
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
    "VIGIE_DEMO_FACEBOOK_PAGE_TOKEN": "demo-placeholder-not-a-real-facebook-page-token",
    "VIGIE_DEMO_INSTAGRAM_TOKEN": "demo-placeholder-not-a-real-instagram-token",
    "VIGIE_DEMO_LINKEDIN_TOKEN": "demo-placeholder-not-a-real-linkedin-token",
}
RUN_AFTER_END = timedelta(minutes=5)  # the demo "runs" just after its month, like a daily job
AUDIENCE_AT = timedelta(hours=6, minutes=5)  # the daily follower counts: each morning's first run


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
    snapshots: int = 0  # rows of audience_snapshots: accounts x days
    accounts: int = 0  # own and competitor accounts with follower counts
    audience_sources: list[str] = field(default_factory=list)


def demo_watchlist(base_url: str, *, credentials: bool = False) -> dict:
    """The demo's own watchlist, pointing every source at the loopback server.

    Without `credentials`, only what needs no secret: RSS, GDELT, Hacker News, Reddit's public
    JSON, Mastodon hashtags and accounts, Bluesky author feeds and the App Store. With it, X
    search, YouTube and Bluesky search too, and Velora's owned channels (Facebook Page,
    Instagram account, LinkedIn organization) with the brands' own `accounts`, their secrets
    named as VIGIE_DEMO_* variables (see DEMO_SECRETS). It matches
    `demo_corpus.build_corpus(..., credentials=...)`, plus `demo_corpus.build_owned` with it.
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
            *owned_sources(base_url),
        ]
    brands = [
        {
            "name": demo_corpus.BRAND,
            "aliases": ["Velora City", "Velora Trail", "Velora Bikes"],
            "handles": ["@velora"],
            "hashtags": ["#Velora", "#VeloraCity", "#VeloraRecall", "#RappelVelora"],
            "exclude": ["Velora Lake"],
        }
    ]
    competitors = [
        {"name": "Cyclane", "handles": ["@cyclane_bikes"], "hashtags": ["#Cyclane"]},
        {"name": "Roulix", "handles": ["@roulix"], "hashtags": ["#Roulix"]},
    ]
    if credentials:
        for entry in (*brands, *competitors):
            entry["accounts"] = own_accounts(entry["name"])
    return {
        "version": 1,
        "locale": "en",
        "languages": ["en", "fr"],
        "default_language": "en",
        "brands": brands,
        "competitors": competitors,
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


def owned_sources(base_url: str) -> list[dict]:
    """Velora's owned channels: its Page's feed, its Instagram media and its LinkedIn posts,
    with the comments under them; answers name no brand, so `brand` says whose they are."""
    velora = demo_corpus.OWNED_ACCOUNTS[demo_corpus.BRAND]
    return [
        {
            "type": "facebook",
            "name": "facebook-velora-page",
            "brand": demo_corpus.BRAND,
            "params": {
                "page_id": velora.page_id,
                "page_size": 10,
                "token_env": "VIGIE_DEMO_FACEBOOK_PAGE_TOKEN",
                "base_url": base_url,
            },
        },
        {
            "type": "instagram",
            "name": "instagram-velora",
            "brand": demo_corpus.BRAND,
            "params": {
                "ig_user_id": velora.ig_user_id,
                "page_size": 10,
                "token_env": "VIGIE_DEMO_INSTAGRAM_TOKEN",
                "base_url": base_url,
            },
        },
        {
            "type": "linkedin",
            "name": "linkedin-velora",
            "brand": demo_corpus.BRAND,
            "params": {
                "organization": velora.organization,
                "token_env": "VIGIE_DEMO_LINKEDIN_TOKEN",
                "base_url": base_url,
            },
        },
    ]


def own_accounts(brand: str) -> dict[str, list[str]]:
    """A brand's accounts as the watchlist lists them: as each platform names authors (Page
    id, Instagram user id, organization URN, `user@instance`, DID); competitors' Instagram
    accounts by username, which is how business_discovery finds an account the token does
    not manage. Competitors' Mastodon and Bluesky accounts are the ones the demo already
    reads: their posts get an engagement rate."""
    accounts = demo_corpus.OWNED_ACCOUNTS[brand]
    instagram = accounts.ig_user_id if brand == demo_corpus.BRAND else accounts.ig_username
    listed = {"facebook": [accounts.page_id], "instagram": [instagram]}
    if accounts.organization:
        listed["linkedin"] = [accounts.organization]
    if brand in demo_corpus.COMPETITORS:
        official = demo_corpus.OFFICIAL_ACCOUNTS[brand]
        listed["mastodon"] = [f"{official.mastodon}@{demo_corpus.MASTODON_HOME}"]
        listed["bluesky"] = [demo_corpus.bluesky_did(official.bluesky)]
    return listed


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


@contextmanager
def fresh_budgets(watchlist: Watchlist) -> Iterator[None]:
    """Each connector's rate budget starts empty for the run and is put back afterwards."""
    kinds = {type(get_connector(s.type)) for s in watchlist.enabled_sources()}
    saved = {kind: kind.__dict__.get("budget") for kind in kinds}
    for kind in kinds:
        budget = getattr(kind, "budget", None)
        if isinstance(budget, Budget):
            kind.budget = Budget(budget.requests, budget.per_seconds)
    try:
        yield
    finally:
        for kind, budget in saved.items():
            if budget is None:
                if "budget" in kind.__dict__:
                    delattr(kind, "budget")
            else:
                kind.budget = budget


@dataclass
class MorningClient(HttpClient):
    """The demo's HTTP client for one simulated morning: pages are stamped with its time,
    which is when the connectors say their follower counts were observed."""

    moment: datetime = field(default_factory=lambda: datetime.now(UTC))

    def request(self, method: str, url: str, **kwargs) -> Page:
        page = super().request(method, url, **kwargs)
        return Page(
            url=page.url,
            status=page.status,
            content_type=page.content_type,
            body=page.body,
            fetched_at=self.moment,
            headers=page.headers,
        )


def _audience_month(
    paths: Paths, watchlist: Watchlist, routes: dict, end: date
) -> list[AudienceOutcome]:
    """The daily follower counts of the month: on each morning, the demo server answers with
    that day's counts and `collect_audience` lands them as that day's batch."""
    counts = demo_corpus.follower_counts(end, DEMO_DAYS)
    base = http_client(watchlist)
    client = MorningClient(
        timeout=base.timeout,
        retries=base.retries,
        backoff=base.backoff,
        allow_hosts=base.allow_hosts,
    )
    outcomes: list[AudienceOutcome] = []
    for index in range(DEMO_DAYS):
        day = end - timedelta(days=DEMO_DAYS - index)
        client.moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + AUDIENCE_AT
        routes.update(demo_corpus.audience_routes(counts, index))
        outcomes += collect_audience(paths, watchlist, client, now=client.moment)
    return outcomes


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


def _audience_totals(db: Path) -> dict[str, int]:
    from pipelines import db as store

    con = store.connect(db, read_only=True)
    try:
        rows, accounts, sources = con.execute(
            "select count(*), count(distinct (source, account_id)),"
            " coalesce(list(distinct source order by source), []) from audience_snapshots"
        ).fetchone()
    finally:
        con.close()
    return {"snapshots": rows, "accounts": accounts, "audience_sources": sources}


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
    posts += demo_corpus.build_owned(end, days=DEMO_DAYS)[0]
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
        order = (*demo_corpus.SOURCES, *demo_corpus.OWNED_SOURCES)
        sources = sorted({p.source for p in posts}, key=order.index)
        say(
            f"serving {len(sources)} sources ({len(routes)} endpoints, {len(posts)} posts) "
            f"on {base_url}"
        )
        now = datetime.combine(end, datetime.min.time(), tzinfo=UTC) + RUN_AFTER_END
        with (
            placeholder_secrets(secret_names(watchlist)),
            x_clock(now),
            fresh_budgets(watchlist),
        ):
            outcomes = _collect(paths, watchlist, end, progress=progress)
            audience = _audience_month(paths, watchlist, routes, end)
    failures = [f"{o.source.query_id}: {o.error}" for o in [*outcomes, *audience] if o.error]
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
        **_audience_totals(paths.db),
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
    print(
        f"  audience  : {s.snapshots} daily follower counts of {s.accounts} own and competitor "
        f"accounts ({', '.join(s.audience_sources)}), one collection per morning"
    )
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
