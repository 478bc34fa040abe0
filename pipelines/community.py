"""Community health: which mentions the brand's own accounts answered, and how fast.

A reply posted by one of a brand's own accounts (watchlist `accounts`) whose `reply_to` is
the source_id of a mention of the same source answers that mention. Own-ness is decided at
query time through the `own_accounts` table, which `vigie process` refreshes from the
watchlist with the same keyed hash that pseudonymizes `mentions.author_id`; editing the
watchlist therefore re-labels the history without rewriting a mention.

Response time is counted twice: in calendar minutes (SQL, `quantile_cont`) and in minutes
inside the configured business hours, computed here over the few (published, answered)
pairs of a day, because working calendars with time zones and DST are clearer in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from pipelines import db
from pipelines.audience import growth
from pipelines.normalize import pseudonymize
from pipelines.settings import WEEKDAYS, BusinessHours, CommunityConfig, Watchlist

OWN_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("author_id", pa.string()),
        ("account", pa.string()),
        ("brand", pa.string()),
        ("is_competitor", pa.bool_()),
    ]
)
RESPONSE_SCHEMA = pa.schema(
    [
        ("answered", pa.bool_()),
        ("response_minutes", pa.float64()),
        ("business_minutes", pa.float64()),
    ]
)
RESPONSE_COLUMNS = [
    "published_at",
    "source",
    "source_id",
    "author_name",
    "sentiment_label",
    "flags",
    "answered_at",
    "response_minutes",
    "business_minutes",
    "text",
    "url",
]
QUEUE_COLUMNS = [
    "published_at",
    "hours_waiting",
    "source",
    "author_name",
    "reach",
    "sentiment_label",
    "text",
    "url",
]


def account_variants(account: str) -> list[str]:
    """The raw author ids an own account may appear as: handles come with or without '@'."""
    bare = account.strip().lstrip("@")
    return list(dict.fromkeys([account.strip(), bare, f"@{bare}"]))


def own_account_rows(watchlist: Watchlist, key: bytes) -> list[dict[str, Any]]:
    """One row per (source, pseudonymized id) of every brand's and competitor's own account."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for brand, is_competitor in watchlist.all_brands():
        for source, accounts in brand.accounts.items():
            for account in accounts:
                for raw in account_variants(account):
                    author_id = pseudonymize(key, source, raw)
                    rows.setdefault(
                        (source, author_id),
                        {
                            "source": source,
                            "author_id": author_id,
                            "account": account,
                            "brand": brand.name,
                            "is_competitor": is_competitor,
                        },
                    )
    return list(rows.values())


def refresh_own_accounts(con, watchlist: Watchlist, key: bytes) -> dict[tuple[str, str], str]:
    """Replace `own_accounts` with the watchlist's accounts; return (source, author_id) -> brand.

    A run without brands (no watchlist given) leaves the table as the last configured run
    wrote it, so `vigie process` without `--config` does not forget who the brand is.
    """
    rows = own_account_rows(watchlist, key)
    if watchlist.brands or watchlist.competitors:
        with db.transaction(con):
            con.execute(db.sql("load/clear_own_accounts"))
            table = pa.Table.from_pylist(rows, schema=OWN_SCHEMA)
            with db.registered(con, {"batch_own_accounts": table}):
                con.execute(db.sql("load/insert_own_accounts"))
    return {(r["source"], r["author_id"]): r["brand"] for r in rows}


def claim_own_posts(rows: Iterable[dict[str, Any]], own: Mapping[tuple[str, str], str]) -> None:
    """Give a post by an own account its owner's brand, unless the record names one.

    A brand's reply ("Sorry, we are on it, check your DMs") rarely names the brand; without
    this it would be dropped as off-topic and the mention it answers would look unanswered.
    """
    if not own:
        return
    for row in rows:
        owner = own.get((row["source"], row["author_id"]))
        if owner and not row.get("brand"):
            row["brand"] = owner


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def business_minutes(start: datetime, end: datetime, hours: BusinessHours) -> float:
    """Minutes of [start, end) that fall inside business hours (naive times are UTC).

    Each local calendar day is clipped to its opening hours in the configured zone, so a
    reply at 09:30 to a complaint of 17:30 the day before counts 60 minutes, not 16 hours.
    """
    start, end = _utc(start), _utc(end)
    if end <= start:
        return 0.0
    zone = ZoneInfo(hours.timezone)
    open_days = {WEEKDAYS.index(d) for d in hours.days}
    total = timedelta()
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if day.weekday() in open_days:
            opens = datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)
            overlap = min(end, closes) - max(start, opens)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return round(total.total_seconds() / 60.0, 1)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def responses(con, brand: str, day: date, community: CommunityConfig) -> list[dict[str, Any]]:
    """Mentions of the day that needed an answer, each with its first own reply (if any)."""
    rows = db.fetch_dicts(con, "reports/responses", brand=brand, day=day)
    for row in rows:
        row["flags"] = " ".join(row["flags"] or [])
        row["business_minutes"] = (
            business_minutes(row["published_at"], row["answered_at"], community.business_hours)
            if row["answered_at"] is not None
            else None
        )
    return rows


def response_summary(con, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Response rate and median / 90th percentile first-response times of `rows`."""
    table = pa.Table.from_pylist(
        [{k: r[k] for k in RESPONSE_SCHEMA.names} for r in rows], schema=RESPONSE_SCHEMA
    )
    with db.registered(con, {"response_rows": table}):
        return db.fetch_dicts(con, "reports/response_summary")[0]


def unanswered_queue(
    con, brand: str, day: date, community: CommunityConfig, limit: int
) -> list[dict[str, Any]]:
    """Negative mentions still unanswered `needs_response_hours` after they were posted, as
    of the end of `day`, looking back `queue_days`."""
    as_of = _day_start(day) + timedelta(days=1)
    return db.fetch_dicts(
        con,
        "reports/unanswered",
        brand=brand,
        as_of=as_of,
        since=as_of - timedelta(days=community.queue_days),
        before=as_of - timedelta(hours=community.needs_response_hours),
        limit=limit,
    )


def has_owned_channels(con, brand: str) -> bool:
    """Whether the brand has own accounts configured: without them there is nothing to track."""
    return bool(db.fetch_dicts(con, "reports/own_account_count", brand=brand)[0]["accounts"])


def health(
    con, brand: str, day: date, watchlist: Watchlist, start: date, limit: int
) -> dict[str, Any]:
    """Everything the report's community-health section shows for `brand` on `day`.

    `owned` is False when the brand has no own account in the watchlist: the section then
    says so instead of showing a 0 % response rate that would only mean "not configured".
    """
    rows = responses(con, brand, day, watchlist.community)
    audience = growth(con, [brand], start, day)
    return {
        "owned": has_owned_channels(con, brand),
        "summary": response_summary(con, rows),
        "responses": rows,
        "queue": unanswered_queue(con, brand, day, watchlist.community, limit),
        "hours": watchlist.community.needs_response_hours,
        "business_hours": watchlist.community.business_hours,
        **audience,
    }
