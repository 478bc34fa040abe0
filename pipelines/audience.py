"""Audience growth: daily follower counts of the brands' and competitors' own accounts.

Collection lands the API's bodies once per UTC day and source under
`<landing>/_audience/source=<s>/date=<d>/batch=<id>/` (the landing zone's own atomic batch
writer, outside the folders `vigie process` reads as mentions). Processing parses every
landed file again with the connector's `audience_counts` and upserts `audience_snapshots`,
where the latest observation of a day wins: rerunning changes nothing, and a parser fix
is replayed over what was landed without calling the API again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from connectors import get_connector
from connectors.base import Connector, MalformedItem
from connectors.http import HttpClient
from pipelines import db
from pipelines.errors import ConfigError, VigieError
from pipelines.landing import Batch, find_batch, list_batches, window_batch_id, write_batch
from pipelines.settings import Paths, SourceConfig, Watchlist

AUDIENCE_DIR = "_audience"
SNAPSHOT_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("account_id", pa.string()),
        ("account_name", pa.string()),
        ("brand", pa.string()),
        ("is_competitor", pa.bool_()),
        ("day", pa.date32()),
        ("followers", pa.int64()),
        ("observed_at", pa.timestamp("us")),
    ]
)


@dataclass(frozen=True)
class AudienceOutcome:
    source: SourceConfig
    batch: Batch | None = None
    already_landed: bool = False
    error: str | None = None
    note: str | None = None


@dataclass
class AudienceLoad:
    files: int = 0
    counts: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> how many


def audience_root(landing: Path) -> Path:
    return landing / AUDIENCE_DIR


def supports_audience(connector: Connector) -> bool:
    """Whether the connector overrides `fetch_audience` and `audience_counts`."""
    kind = type(connector)
    return all(
        callable(getattr(kind, name, None))
        and getattr(kind, name) is not getattr(Connector, name, None)
        for name in ("fetch_audience", "audience_counts")
    )


def account_key(account: str) -> str:
    """Handles are compared without '@' and case: "@Velora" and "velora" are one account."""
    return account.strip().lstrip("@").casefold()


def _accounts(watchlist: Watchlist, source_type: str) -> list[str]:
    return list(
        dict.fromkeys(
            account
            for brand, _ in watchlist.all_brands()
            for account in brand.accounts.get(source_type, [])
        )
    )


def _day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def collect_source_audience(
    paths: Paths,
    watchlist: Watchlist,
    source: SourceConfig,
    http: HttpClient,
    now: datetime | None = None,
) -> AudienceOutcome | None:
    """Land today's follower counts of one source's own accounts; None when the source has
    no audience endpoint or no account to ask about. Once a day: a landed day is kept."""
    connector = get_connector(source.type)
    accounts = _accounts(watchlist, source.type)
    if not supports_audience(connector) or not accounts:
        return None
    start, end = _day_window((now or datetime.now(UTC)).astimezone(UTC).date())
    root = audience_root(paths.landing)
    batch_id = window_batch_id(source.type, f"audience|{source.query_id}", start, end)
    existing = find_batch(root, batch_id)
    if existing:
        return AudienceOutcome(source, existing, already_landed=True)
    params = connector.Params.model_validate(source.params)
    try:
        pages = list(connector.fetch_audience(params, accounts, http))
    except NotImplementedError:
        return None
    except VigieError as exc:  # a dead endpoint stops this source's counts, not the run
        return AudienceOutcome(source, error=str(exc))
    batch = write_batch(
        root,
        batch_id=batch_id,
        source=source.type,
        query_id=source.query_id,
        window_start=start,
        window_end=end,
        pages=pages,
    )
    return AudienceOutcome(source, batch)


def collect_audience(
    paths: Paths, watchlist: Watchlist, http: HttpClient, now: datetime | None = None
) -> list[AudienceOutcome]:
    """Today's follower counts from every enabled source that can give them."""
    found = (
        collect_source_audience(paths, watchlist, source, http, now)
        for source in watchlist.enabled_sources()
    )
    return [o for o in found if o is not None]


def _snapshot(count: dict[str, Any], source: str, fetched_at: datetime, owners) -> dict:
    """One validated snapshot row; MalformedItem names what is wrong with the count."""
    if not isinstance(count, dict):
        raise MalformedItem(f"audience count is a {type(count).__name__}, not a mapping")
    account_id = count.get("account_id")
    followers = count.get("followers")
    if not isinstance(account_id, str | int) or not str(account_id).strip():
        raise MalformedItem("audience count without account_id")
    if isinstance(followers, bool) or not isinstance(followers, int) or followers < 0:
        raise MalformedItem(f"followers: expected a non-negative whole number, got {followers!r}")
    observed = count.get("observed_at") or fetched_at
    if not isinstance(observed, datetime):
        raise MalformedItem(f"observed_at: expected a datetime, got {observed!r}")
    observed = db.utc_naive(observed)
    account_id = str(account_id).strip()
    name = count.get("account_name")
    # The watchlist names an account as the platform's author id, or, where a platform finds
    # other accounts by name (Instagram's business_discovery takes a username and answers
    # with the numeric id), by that name.
    owner = owners.get((source, account_key(account_id)))
    if owner is None and isinstance(name, str) and name.strip():
        owner = owners.get((source, account_key(name)))
    brand, is_competitor = owner or (None, None)
    return {
        "source": source,
        "account_id": account_id,
        "account_name": str(name) if name else None,
        "brand": brand,
        "is_competitor": is_competitor,
        "day": observed.date(),
        "followers": followers,
        "observed_at": observed,
    }


def _counts(batch: Batch, owners, load: AudienceLoad) -> Iterator[dict]:
    try:
        connector = get_connector(batch.source)
    except ConfigError as exc:  # a source since removed: its files stay, unread
        load.skipped[str(exc)] = load.skipped.get(str(exc), 0) + 1
        return
    for page in batch.read_pages():
        try:
            for count in connector.audience_counts(page):
                try:
                    yield _snapshot(count, batch.source, page.fetched_at, owners)
                except MalformedItem as exc:
                    load.skipped[str(exc)] = load.skipped.get(str(exc), 0) + 1
        except MalformedItem as exc:  # the whole page is unreadable
            load.skipped[str(exc)] = load.skipped.get(str(exc), 0) + 1


def load_audience(con, landing: Path, watchlist: Watchlist) -> AudienceLoad:
    """Upsert every landed audience file into `audience_snapshots` (idempotent).

    Without brands in the watchlist the counts cannot be attributed; they wait for a run
    with the watchlist, since every landed file is read again on each run.
    """
    load = AudienceLoad()
    if not (watchlist.brands or watchlist.competitors):
        return load
    owners = {
        (source, account_key(account)): (brand.name, is_competitor)
        for brand, is_competitor in watchlist.all_brands()
        for source, accounts in brand.accounts.items()
        for account in accounts
    }
    rows = []
    for batch in list_batches(audience_root(landing)):
        load.files += 1
        rows.extend(_counts(batch, owners, load))
    load.counts = len(rows)
    if rows:
        table = pa.Table.from_pylist(rows, schema=SNAPSHOT_SCHEMA)
        with db.registered(con, {"batch_audience": table}):
            con.execute(db.sql("load/upsert_audience"))
    return load


GROWTH_COLUMNS = [
    "brand",
    "is_total",
    "source",
    "account_id",
    "account_name",
    "last_day",
    "followers",
    "net_new_day",
    "net_new_month",
    "net_new_period",
    "growth_pct",
]
ENGAGEMENT_COLUMNS = [
    "brand",
    "is_competitor",
    "source",
    "account",
    "published_at",
    "interactions",
    "followers",
    "engagement_rate_pct",
    "text",
    "url",
]
COMPARISON_COLUMNS = [
    "brand",
    "followers",
    "net_new_period",
    "growth_pct",
    "posts",
    "posts_measured",
    "engagement_rate_pct",
]


def growth(con, brands: list[str], start: date, end: date) -> dict[str, list[dict[str, Any]]]:
    """Per-account and per-brand growth, daily and monthly net new followers of `brands`."""
    params = {"brands": brands, "start": start, "end": end}
    return {
        "growth": db.fetch_dicts(con, "reports/audience_growth", **params),
        "daily": db.fetch_dicts(con, "reports/audience_daily", **params),
        "monthly": db.fetch_dicts(con, "reports/audience_monthly", **params),
    }


def comparison(con, brands: list[str], start: date, end: date) -> dict[str, list[dict]]:
    """Growth and mean engagement rate per post, brand by brand, in the order of `brands`.

    The mean is over the posts whose account had a follower count on that day
    (`posts_measured`); the others are counted in `posts` but have no rate.
    """
    totals = {
        r["brand"]: r
        for r in db.fetch_dicts(con, "reports/audience_growth", brands=brands, start=start, end=end)
        if r["is_total"]
    }
    posts = db.fetch_dicts(con, "reports/engagement_rate", brands=brands, start=start, end=end)
    rows = []
    for brand in brands:
        mine = [p for p in posts if p["brand"] == brand]
        rates = [p["engagement_rate_pct"] for p in mine if p["engagement_rate_pct"] is not None]
        total = totals.get(brand, {})
        rows.append(
            {
                "brand": brand,
                "followers": total.get("followers"),
                "net_new_period": total.get("net_new_period"),
                "growth_pct": total.get("growth_pct"),
                "posts": len(mine),
                "posts_measured": len(rates),
                "engagement_rate_pct": round(sum(rates) / len(rates), 3) if rates else None,
            }
        )
    return {"comparison": rows, "posts": posts}
