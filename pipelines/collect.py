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
from pipelines.errors import InputError, SourceError
from pipelines.landing import Batch, content_batch_id, find_batch, window_batch_id, write_batch
from pipelines.settings import Paths, SourceConfig, Watchlist


@dataclass(frozen=True)
class CollectOutcome:
    source: SourceConfig
    batch: Batch | None
    already_landed: bool = False
    error: str | None = None


def day_window(day: date, days: int = 1) -> Window:
    """UTC days [day, day + days)."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return Window(start, start + timedelta(days=days))


def last_hour_window(now: datetime | None = None) -> Window:
    """The last complete UTC hour: the default when no window is given."""
    end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    return Window(end - timedelta(hours=1), end)


def http_client(watchlist: Watchlist) -> HttpClient:
    return HttpClient(
        timeout=watchlist.http.timeout_seconds,
        retries=watchlist.http.retries,
        backoff=watchlist.http.backoff_seconds,
        allow_hosts=frozenset(watchlist.http.allow_hosts),
    )


def collect_source(
    paths: Paths, source: SourceConfig, window: Window, http: HttpClient
) -> CollectOutcome:
    """Land one (source, query) for one window; an existing batch for it is left as it is."""
    batch_id = window_batch_id(source.type, source.query_id, window.start, window.end)
    existing = find_batch(paths.landing, batch_id)
    if existing:
        return CollectOutcome(source, existing, already_landed=True)
    connector = get_connector(source.type)
    params = connector.Params.model_validate(source.params)
    try:
        pages = list(connector.fetch(params, window, http))
    except SourceError as exc:
        return CollectOutcome(source, None, error=str(exc))
    batch = write_batch(
        paths.landing,
        batch_id=batch_id,
        source=source.type,
        query_id=source.query_id,
        window_start=window.start,
        window_end=window.end,
        pages=pages,
    )
    return CollectOutcome(source, batch)


def collect(
    paths: Paths, watchlist: Watchlist, window: Window, *, progress: bool = True
) -> list[CollectOutcome]:
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
