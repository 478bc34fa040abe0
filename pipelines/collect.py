"""Collection: fetch each configured (source, query) for a window and land the raw pages.

Collection never opens the database, so under Airflow many collectors can run at once while
one writer loads what they landed.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from connectors import get_connector
from connectors.base import Window
from connectors.http import HttpClient, Page
from pipelines.errors import InputError, VigieError
from pipelines.landing import (
    Batch,
    advance_state,
    content_batch_id,
    find_batch,
    read_state,
    window_batch_id,
    write_batch,
)
from pipelines.settings import Paths, SourceConfig, Watchlist


@dataclass(frozen=True)
class CollectOutcome:
    source: SourceConfig
    batch: Batch | None
    window: Window | None = None
    already_landed: bool = False
    error: str | None = None
    note: str | None = None


MAX_CATCH_UP = timedelta(days=7)  # how far back an incremental run reaches after a pause


def day_window(day: date, days: int = 1) -> Window:
    """UTC days [day, day + days)."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return Window(start, start + timedelta(days=days))


def _last_full_hour(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)


def incremental_window(
    paths: Paths, source: SourceConfig, now: datetime | None = None
) -> tuple[Window | None, str | None]:
    """From where the last landed batch of this (source, query) stopped to the last full hour.

    Returns (None, why) when there is nothing to do, including when the stored mark lies in
    the future (a clock or a hand edit gone wrong): zero records, not a crash.
    """
    end = _last_full_hour(now)
    state = read_state(paths.landing, source.type, source.query_id)
    start = state["high_water_mark"] if state else end - timedelta(hours=1)
    if start > end:
        return None, f"state is in the future ({start:%Y-%m-%dT%H:%MZ}); nothing collected"
    if start == end:
        return None, "up to date"
    return Window(max(start, end - MAX_CATCH_UP), end), None


def http_client(watchlist: Watchlist) -> HttpClient:
    return HttpClient(
        timeout=watchlist.http.timeout_seconds,
        retries=watchlist.http.retries,
        backoff=watchlist.http.backoff_seconds,
        allow_hosts=frozenset(watchlist.http.allow_hosts),
    )


def collect_source(
    paths: Paths,
    source: SourceConfig,
    window: Window | None,
    http: HttpClient,
    now: datetime | None = None,
) -> CollectOutcome:
    """Land one (source, query) for one window (default: incremental since the last run).

    A window already landed is left as it is, which makes reruns and backfills idempotent.
    """
    if window is None:
        window, note = incremental_window(paths, source, now)
        if window is None:
            return CollectOutcome(source, None, note=note)
    batch_id = window_batch_id(source.type, source.query_id, window.start, window.end)
    existing = find_batch(paths.landing, batch_id)
    if existing:
        return CollectOutcome(source, existing, window, already_landed=True)
    connector = get_connector(source.type)
    params = connector.Params.model_validate(source.params)
    try:
        pages = list(connector.fetch(params, window, http))
    except VigieError as exc:  # a missing token or a dead API stops this source, not the run
        return CollectOutcome(source, None, window, error=str(exc))
    batch = write_batch(
        paths.landing,
        batch_id=batch_id,
        source=source.type,
        query_id=source.query_id,
        window_start=window.start,
        window_end=window.end,
        pages=pages,
    )
    advance_state(paths.landing, batch)
    return CollectOutcome(source, batch, window)


def collect(
    paths: Paths, watchlist: Watchlist, window: Window | None, *, progress: bool = True
) -> list[CollectOutcome]:
    """Collect every enabled source; one failing source does not stop the others."""
    from tqdm import tqdm

    http = http_client(watchlist)
    sources = watchlist.enabled_sources()
    bar = tqdm(sources, desc="collect", unit="source", disable=not progress or None)
    return [collect_source(paths, source, window, http) for source in bar]


def import_file(paths: Paths, file: Path) -> tuple[Batch, bool]:
    """Land a CSV/JSONL export as one `import` batch; the same bytes always map to one batch."""
    try:
        body = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{file}: is a directory, expected a .csv or .jsonl file") from None
    except OSError as exc:
        raise InputError(f"{file}: cannot read: {exc.strerror}") from None
    if not body.strip():
        raise InputError(f"{file}: the file is empty")
    batch_id = content_batch_id("import", body)
    existing = find_batch(paths.landing, batch_id)
    if existing:
        return existing, True
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    page = Page(
        url=str(file.resolve()),
        status=200,
        content_type=content_type,
        body=body,
        fetched_at=datetime.now(UTC),
    )
    batch = write_batch(
        paths.landing,
        batch_id=batch_id,
        source="import",
        query_id=file.name,
        window_start=None,
        window_end=None,
        pages=[page],
    )
    return batch, False
