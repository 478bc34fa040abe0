"""Helpers shared by the connector tests: collect through the real path, then parse."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors import get_connector
from connectors.base import MalformedItem, Window
from connectors.http import HttpClient, Page
from pipelines.collect import CollectOutcome, collect_source
from pipelines.normalize import normalize
from pipelines.settings import Paths, SourceConfig

LOCAL = frozenset({"127.0.0.1"})


class Sleeps(list):
    """Records waits instead of sleeping them: tests stay fast and can assert Retry-After."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 2))


def test_client(**kwargs: Any) -> tuple[HttpClient, Sleeps]:
    sleeps = Sleeps()
    options = {"retries": 3, "backoff": 0.01, "timeout": 2.0, **kwargs}
    return HttpClient(allow_hosts=LOCAL, sleep=sleeps, **options), sleeps


test_client.__test__ = False  # a factory, not a test


def collect_once(
    tmp_path: Path,
    source_type: str,
    params: dict,
    window: Window | None,
    http: HttpClient,
    name: str = "q",
    now: datetime | None = None,
) -> CollectOutcome:
    """Land one (source, query) for `window` into tmp_path/landing. With window=None the run
    is incremental, from the stored high-water mark up to the last full hour before `now`."""
    paths = Paths(db=tmp_path / "vigie.duckdb")
    source = SourceConfig(type=source_type, name=name, params=params)
    return collect_source(paths, source, window, http, now=now)


def parse_pages(
    source_type: str, pages: list[Page], now: datetime | None = None
) -> tuple[list[dict], list[str]]:
    """Every page through items -> to_mention -> normalize, as `vigie process` does."""
    connector = get_connector(source_type)
    mentions, errors = [], []
    for page in pages:
        for item in connector.items(page):
            if item.error:
                errors.append(item.error)
                continue
            try:
                fields = connector.to_mention(item.payload)
                mentions.append(
                    normalize(
                        fields,
                        source=source_type,
                        fetched_at=now or datetime.now(UTC),
                        author_key=b"k",
                    )
                )
            except MalformedItem as exc:
                errors.append(str(exc))
    return mentions, errors
