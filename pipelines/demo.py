"""`vigie demo`: the whole pipeline, offline, on a month of bundled sample data.

Nothing is faked past the network: the sample feeds are served over real HTTP on 127.0.0.1
and go through the same connector, landing, processing and reporting code as a live run.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

from pipelines import demo_corpus
from pipelines.collect import collect, day_window
from pipelines.demo_server import serve
from pipelines.errors import SourceError
from pipelines.process import process_pending
from pipelines.reports import ReportSet, write_reports
from pipelines.settings import Paths, load_watchlist

DEMO_DAYS = 30  # the reports' trend charts span 30 days
# What a demo run owns inside its folder; only these are removed when it starts again.
DEMO_ENTRIES = (
    "watchlist.yaml",
    "vigie.duckdb",
    "vigie.duckdb.wal",
    "landing",
    "reports",
    ".vigie-author-key",
)


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


def demo_watchlist(base_url: str) -> dict:
    """The demo's own watchlist, pointing the RSS source at the loopback server."""
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
        "sources": [
            {
                "type": "rss",
                "name": "demo-feeds",
                "params": {"urls": [f"{base_url}{feed.path}" for feed in demo_corpus.FEEDS]},
            }
        ],
        "http": {
            "allow_hosts": ["127.0.0.1"],
            "timeout_seconds": 10,
            "retries": 2,
            "backoff_seconds": 0.2,
        },
    }


def _clean(folder: Path) -> None:
    for name in DEMO_ENTRIES:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


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

    posts = demo_corpus.build_corpus(end, days=DEMO_DAYS)
    routes: dict[str, tuple[str, bytes]] = {}
    with serve(routes) as base_url:
        routes.update(demo_corpus.render_feeds(posts, base_url))
        watchlist_path = folder / "watchlist.yaml"
        watchlist_path.write_text(
            "# Written by `vigie demo`; the port is the one the demo server used.\n"
            + yaml.safe_dump(demo_watchlist(base_url), sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
        watchlist = load_watchlist(watchlist_path)
        say(f"serving {len(routes)} sample feeds ({len(posts)} posts) on {base_url}")
        outcomes = collect(
            paths,
            watchlist,
            day_window(end - timedelta(days=DEMO_DAYS), days=DEMO_DAYS),
            progress=progress,
        )
    failures = [o.error for o in outcomes if o.error]
    if failures:
        raise SourceError(f"demo collection failed: {failures[0]}")
    results = process_pending(paths, watchlist, progress=progress)
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
    )
    if echo:
        _print_summary(
            summary, sum(r.received for r in results), sum(r.duplicates for r in results)
        )
    return summary


def _print_summary(s: DemoSummary, received: int, duplicates: int) -> None:
    print(
        f"\nVigie demo done in {s.seconds:.1f}s: {received} records received, "
        f"{s.mentions} mentions loaded, {duplicates} duplicates, {s.quarantined} quarantined"
    )
    print(f"  watchlist : {s.watchlist}")
    print(f"  database  : {s.db}")
    for rs in s.reports:
        print(f"  report    : {rs.reputation}")
        print(f"  report    : {rs.competitive}")
        print(f"  digest    : {rs.digest}")
    print(f"  index     : {s.folder / 'reports' / 'index.html'}")
    print(f"\nTry: vigie --db {s.db} report --date {s.report_day} --out /tmp/vigie-reports")
