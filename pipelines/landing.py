"""The landing zone: one immutable folder per (source, query, window) holding the raw bodies.

A batch folder appears whole or not at all, and its id is derived from what it covers, so
collecting the same window twice finds it already landed.

The zone is a local folder (a `pathlib.Path`) or, configured as a URL (`s3://bucket/prefix`,
`gs://...`, `memory://...`, `file:///...`), an fsspec location behind a `UPath`, which has the
same path API. Only the atomic steps differ: locally a batch is written aside and renamed into
place; object stores cannot rename a folder atomically, so there the manifest is written last
and is what makes a batch exist (every reader looks for manifests, never for folders).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.http import Page, redact

if TYPE_CHECKING:
    from upath import UPath

MANIFEST = "manifest.json"
STATE_DIR = "_state"


def landing_root(location: str | Path) -> Path | UPath:
    """The landing zone at `location`: a local path, or a URL any installed fsspec
    implementation serves (s3:// needs s3fs, gs:// gcsfs). Local paths stay plain Paths.

    Filesystem options come from fsspec's own configuration (`FSSPEC_S3_ENDPOINT_URL=...`,
    or ~/.config/fsspec/*.json), so credentials and endpoints never sit in the URL.
    """
    text = str(location)
    if "://" not in text:
        return Path(text).expanduser().absolute()
    import fsspec.config
    from upath import UPath

    protocol = text.split("://", 1)[0]
    return UPath(text.rstrip("/"), **fsspec.config.conf.get(protocol, {}))


def is_local(path: Path | UPath) -> bool:
    """A plain local folder, where a rename is atomic."""
    return isinstance(path, Path)


@dataclass(frozen=True)
class Batch:
    batch_id: str
    source: str
    query_id: str
    window_start: datetime | None
    window_end: datetime | None
    landed_at: datetime
    path: Path
    pages: tuple[dict, ...]

    def read_pages(self) -> Iterator[Page]:
        for meta in self.pages:
            yield Page(
                url=meta["url"],
                status=meta["status"],
                content_type=meta["content_type"],
                body=(self.path / meta["file"]).read_bytes(),
                fetched_at=datetime.fromisoformat(meta["fetched_at"]),
            )


def window_batch_id(source: str, query_id: str, start: datetime, end: datetime) -> str:
    key = f"{source}|{query_id}|{start.isoformat()}|{end.isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def content_batch_id(source: str, body: bytes) -> str:
    return hashlib.sha256(source.encode() + b"|" + hashlib.sha256(body).digest()).hexdigest()[:20]


def _batch_dir(landing: Path, source: str, day: datetime, batch_id: str) -> Path:
    return landing / f"source={source}" / f"date={day:%Y-%m-%d}" / f"batch={batch_id}"


def find_batch(landing: Path, batch_id: str) -> Batch | None:
    for manifest in landing.glob(f"source=*/date=*/batch={batch_id}/{MANIFEST}"):
        return _read(manifest)
    return None


def _extension(page: Page) -> str:
    for candidate in (Path(page.url.split("?")[0]).suffix, ""):
        if candidate and len(candidate) <= 8:
            return candidate
    guessed = mimetypes.guess_extension(page.content_type.split(";")[0].strip() or "")
    return guessed or ".bin"


def write_batch(
    landing: Path,
    *,
    batch_id: str,
    source: str,
    query_id: str,
    window_start: datetime | None,
    window_end: datetime | None,
    pages: Iterable[Page],
) -> Batch:
    """Land the pages as one batch; if the batch already exists, keep the first one."""
    landed_at = datetime.now(UTC)
    final = _batch_dir(landing, source, window_start or landed_at, batch_id)
    if (final / MANIFEST).exists():
        return _read(final / MANIFEST)
    final.parent.mkdir(parents=True, exist_ok=True)
    if is_local(final):
        staging = final.parent / f".tmp-{batch_id}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
    else:
        # Object stores: pages first, manifest last; a batch without manifest is invisible,
        # and a retry rewrites the same page names.
        staging = final
        staging.mkdir(parents=True, exist_ok=True)
    metas = []
    for number, page in enumerate(pages, start=1):
        name = f"page-{number:04d}{_extension(page)}"
        (staging / name).write_bytes(page.body)
        metas.append(
            {
                "file": name,
                "url": redact(page.url) if page.url.startswith("http") else page.url,
                "status": page.status,
                "content_type": page.content_type,
                "fetched_at": page.fetched_at.isoformat(),
            }
        )
    manifest = {
        "batch_id": batch_id,
        "source": source,
        "query_id": query_id,
        "window_start": window_start.isoformat() if window_start else None,
        "window_end": window_end.isoformat() if window_end else None,
        "landed_at": landed_at.isoformat(),
        "pages": metas,
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if not is_local(final):
        return _read(final / MANIFEST)
    try:
        staging.rename(final)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (final / MANIFEST).exists():
            raise
    return _read(final / MANIFEST)


def _read(manifest: Path) -> Batch:
    data = json.loads(manifest.read_text(encoding="utf-8"))

    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return Batch(
        batch_id=data["batch_id"],
        source=data["source"],
        query_id=data["query_id"],
        window_start=when(data["window_start"]),
        window_end=when(data["window_end"]),
        landed_at=datetime.fromisoformat(data["landed_at"]),
        path=manifest.parent,
        pages=tuple(data["pages"]),
    )


def _state_file(landing: Path, source: str, query_id: str) -> Path:
    safe = hashlib.sha256(query_id.encode()).hexdigest()[:16]
    return landing / STATE_DIR / f"source={source}" / f"{safe}.json"


def read_state(landing: Path, source: str, query_id: str) -> dict | None:
    """The incremental position of (source, query): the end of the last landed window."""
    path = _state_file(landing, source, query_id)
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    state["high_water_mark"] = datetime.fromisoformat(state["high_water_mark"])
    return state


def advance_state(landing: Path, batch: Batch) -> None:
    """Move the high-water mark to the batch's window end, never backwards.

    Called only once the batch folder is in place, so a run that dies before landing leaves
    the mark where the last good run put it: the next run resumes there, no gap, no repeat.
    """
    if batch.window_end is None:
        return
    current = read_state(landing, batch.source, batch.query_id)
    if current and current["high_water_mark"] >= batch.window_end:
        return
    path = _state_file(landing, batch.source, batch.query_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(
        {
            "source": batch.source,
            "query_id": batch.query_id,
            "high_water_mark": batch.window_end.isoformat(),
            "batch_id": batch.batch_id,
        }
    )
    if not is_local(path):
        path.write_text(text, encoding="utf-8")  # one object PUT: atomic on object stores
        return
    staging = path.with_suffix(f".tmp-{os.getpid()}")
    staging.write_text(text, encoding="utf-8")
    staging.replace(path)


def list_batches(landing: Path) -> list[Batch]:
    """Every landed batch, oldest first, so processing follows arrival order."""
    batches = [_read(m) for m in landing.glob(f"source=*/date=*/batch=*/{MANIFEST}")]
    return sorted(batches, key=lambda b: (b.landed_at, b.batch_id))
