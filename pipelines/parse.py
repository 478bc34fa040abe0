"""`vigie parse`: one saved API response -> normalized mentions, through the production path."""

from __future__ import annotations

import mimetypes
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors import get_connector
from connectors.base import MalformedItem
from connectors.http import Page
from pipelines.errors import InputError
from pipelines.normalize import normalize
from pipelines.privacy import ENV_KEY


def parse_file(source: str, file: Path) -> Iterator[tuple[dict[str, Any] | None, str | None]]:
    """Yield (mention, None) per parsed item and (None, reason) per item that failed."""
    try:
        body = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: cannot read: {exc.strerror}") from None
    connector = get_connector(source)
    # Pseudonyms only need to be stable within this output unless a key is configured.
    key = (os.environ.get(ENV_KEY) or secrets.token_hex(16)).encode()
    now = datetime.now(UTC)
    page = Page(
        url=file.resolve().as_uri(),
        status=200,
        content_type=mimetypes.guess_type(file.name)[0] or "",
        body=body,
        fetched_at=now,
    )
    for number, item in enumerate(connector.items(page), start=1):
        if item.error:
            yield None, f"item {number}: {item.error}"
            continue
        try:
            fields = connector.to_mention(item.payload)
            mention = normalize(fields, source=source, fetched_at=now, author_key=key)
        except MalformedItem as exc:
            yield None, f"item {number}: {exc}"
            continue
        mention.pop("collected_at")
        if fields.get("published_at") is None:
            mention["published_at"] = None  # no date in the item: say so rather than invent one
        yield mention, None
