"""The `import` source: a CSV (with header) or JSON-lines export of mentions, as one batch.

Lines are decoded one at a time so that a single bad line (invalid UTF-8, broken JSON) is
quarantined on its own while the rest of the file loads.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from connectors.base import Connector, MalformedItem, RawItem
from connectors.http import Page

REQUIRED = ("source_id", "published_at", "text")
OPTIONAL = (
    "source",
    "url",
    "title",
    "author",
    "author_followers",
    "lang",
    "likes",
    "shares",
    "comments",
    "brand",
    "reply_to",
)
COLUMNS = REQUIRED + OPTIONAL
INT_COLUMNS = ("author_followers", "likes", "shares", "comments")


def _is_jsonl(page: Page) -> bool:
    name = page.url.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return True
    if name.endswith(".csv"):
        return False
    return page.body.lstrip()[:1] in (b"{", b"[")


def _jsonl_items(body: bytes) -> Iterator[RawItem]:
    for number, raw in enumerate(body.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            text = raw.decode("utf-8", "replace")
            yield RawItem(
                {"line": number, "raw": text}, error=f"line {number}: not UTF-8 ({exc.reason})"
            )
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RawItem(
                {"line": number, "raw": line}, error=f"line {number}: invalid JSON: {exc.msg}"
            )
            continue
        if not isinstance(record, dict):
            yield RawItem({"line": number, "raw": line}, error=f"line {number}: not a JSON object")
            continue
        yield RawItem({"line": number, **record})


def _csv_items(body: bytes) -> Iterator[RawItem]:
    text = body.decode("utf-8-sig", "surrogateescape")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        header = ",".join(reader.fieldnames or [])
        yield RawItem(
            {"header": header}, error=f"CSV header lacks required column(s): {', '.join(missing)}"
        )
        return
    for row in reader:
        number = reader.line_num
        if None in row:
            yield RawItem(
                {"line": number, "raw": row}, error=f"line {number}: more fields than the header"
            )
            continue
        if any(isinstance(v, str) and _has_surrogate(v) for v in row.values()):
            clean = {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in row.items() if v}
            yield RawItem({"line": number, **clean}, error=f"line {number}: not UTF-8")
            continue
        yield RawItem({"line": number, **{k: v for k, v in row.items() if v != ""}})


def _has_surrogate(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _as_int(record: dict, column: str) -> int | None:
    value = record.get(column)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MalformedItem(f"{column}: expected a whole number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise MalformedItem(f"{column}: expected a whole number, got {value!r}") from None
    if not isinstance(value, int) or value < 0:
        raise MalformedItem(f"{column}: expected a non-negative whole number, got {value!r}")
    return value


class ImportConnector(Connector):
    name = "import"

    def items(self, page: Page) -> Iterator[RawItem]:
        yield from (_jsonl_items if _is_jsonl(page) else _csv_items)(page.body)

    def to_mention(self, payload: Any) -> dict[str, Any]:
        for column in REQUIRED:
            value = payload.get(column)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise MalformedItem(f"missing required field {column!r}")
        for column in (
            "source_id",
            "text",
            "title",
            "url",
            "author",
            "lang",
            "brand",
            "source",
            "reply_to",
        ):
            value = payload.get(column)
            if value is not None and not isinstance(value, str | int):
                raise MalformedItem(f"{column}: expected text, got {type(value).__name__}")
        counts = {c: _as_int(payload, c) for c in INT_COLUMNS}
        author = payload.get("author")
        return {
            "source": str(payload.get("source") or "import"),
            "source_id": str(payload["source_id"]).strip(),
            "url": payload.get("url"),
            "published_at": payload["published_at"],
            "title": payload.get("title"),
            "text": payload["text"],
            "author_id": author,
            "author_name": author,
            "author_followers": counts["author_followers"],
            "lang": payload.get("lang"),
            "likes": counts["likes"],
            "shares": counts["shares"],
            "comments": counts["comments"],
            "brand": payload.get("brand"),
            "reply_to": payload.get("reply_to"),
        }
