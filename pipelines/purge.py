"""GDPR erasure and retention.

`purge_author` removes an author's mentions from DuckDB (mentions, raw records, quarantine),
rewrites the landing pages that held their items, refreshes the marts of the days touched,
and remembers the author's pseudonyms so that a later collection cannot bring them back.
Reports written before the purge are not edited; every report written after it is clean.

Landing pages are the only files Vigie ever rewrites: erasure is the exception to their
immutability. A page is rewritten by dropping every record (a JSON object in a list, a feed
item, a file row) that carries the author's handle or one of the purged ids as a whole value.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from defusedxml import DefusedXmlException

from connectors import known_sources
from pipelines import db
from pipelines.errors import VigieError
from pipelines.landing import MANIFEST, find_batch, is_local, landing_root
from pipelines.normalize import pseudonymize
from pipelines.privacy import author_key
from pipelines.settings import Paths

TARGETS = pa.schema(
    [
        ("mention_id", pa.string()),
        ("source", pa.string()),
        ("source_id", pa.string()),
        ("batch_id", pa.string()),
    ]
)


@dataclass
class PurgeResult:
    mentions: int = 0
    raw_records: int = 0
    quarantine: int = 0
    pages_rewritten: int = 0
    records_dropped_from_pages: int = 0
    unreadable_pages: list[str] = field(default_factory=list)
    days: list = field(default_factory=list)


def _variants(handle: str) -> list[str]:
    bare = handle.strip().lstrip("@")
    return sorted({bare, f"@{bare}", bare.lower(), f"@{bare.lower()}"})


def _author_ids(key: bytes, handle: str, sources: list[str]) -> list[str]:
    return sorted({pseudonymize(key, s, v) for s in sources for v in _variants(handle)})


def _drop_from_json(value: Any, needles: set[str]) -> tuple[Any, int]:
    """Remove, from every list, the objects that carry a needle as a whole string value."""
    dropped = 0
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out[k], n = _drop_from_json(v, needles)
            dropped += n
        return out, dropped
    if isinstance(value, list):
        kept = []
        for item in value:
            if isinstance(item, dict) and _carries(item, needles):
                dropped += 1
                continue
            item, n = _drop_from_json(item, needles)
            dropped += n
            kept.append(item)
        return kept, dropped
    return value, 0


def _carries(value: Any, needles: set[str]) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in needles
    if isinstance(value, dict):
        return any(_carries(v, needles) for v in value.values())
    if isinstance(value, list):
        return any(_carries(v, needles) for v in value)
    return False


def _rewrite_xml(body: bytes, needles: set[str]) -> tuple[bytes, int]:
    from xml.etree import ElementTree

    from defusedxml import ElementTree as DefusedET

    root = DefusedET.fromstring(body)
    dropped = 0
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag.rsplit("}", 1)[-1] not in ("item", "entry"):
                continue
            values = [*child.itertext(), *(v for e in child.iter() for v in e.attrib.values())]
            if any(v.strip().lower() in needles for v in values):
                parent.remove(child)
                dropped += 1
    if not dropped:
        return body, 0
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True), dropped


def _rewrite_csv(body: bytes, needles: set[str]) -> tuple[bytes, int]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig", "replace"), newline="")))
    kept = [
        r for i, r in enumerate(rows) if i == 0 or not any(c.strip().lower() in needles for c in r)
    ]
    if len(kept) == len(rows):
        return body, 0
    out = io.StringIO(newline="")
    csv.writer(out).writerows(kept)
    return out.getvalue().encode(), len(rows) - len(kept)


def rewrite_page(body: bytes, needles: set[str]) -> tuple[bytes, int]:
    """The page without the records that carry a needle, and how many were dropped."""
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"["):
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            lines = body.splitlines()
            kept = []
            for line in lines:
                try:
                    record = json.loads(line) if line.strip() else None
                except json.JSONDecodeError:
                    kept.append(line)
                    continue
                if record is None or not _carries(record, needles):
                    kept.append(line)
            dropped = len(lines) - len(kept)
            return (b"\n".join(kept) + b"\n", dropped) if dropped else (body, 0)
        data, dropped = _drop_from_json(data, needles)
        return (json.dumps(data, ensure_ascii=False).encode(), dropped) if dropped else (body, 0)
    if stripped[:1] == b"<":
        return _rewrite_xml(body, needles)
    return _rewrite_csv(body, needles)


def _rewrite_landing(paths: Paths, batch_ids: set[str], needles: set[str], result) -> None:
    for batch_id in sorted(batch_ids):
        batch = find_batch(paths.landing, batch_id)
        if batch is None:
            continue
        for meta in batch.pages:
            page = batch.path / meta["file"]
            try:
                body, dropped = rewrite_page(page.read_bytes(), needles)
            except (ValueError, SyntaxError, DefusedXmlException) as exc:
                # ParseError is a SyntaxError; an unreadable page is reported, never skipped
                # silently: the person asking for erasure must be told.
                result.unreadable_pages.append(f"{page}: {exc}")
                continue
            if dropped:
                page.write_bytes(body)
                result.pages_rewritten += 1
                result.records_dropped_from_pages += dropped
        manifest = batch.path / MANIFEST
        data = json.loads(manifest.read_text(encoding="utf-8"))
        data.setdefault("erasures", []).append(datetime.now(UTC).isoformat())
        manifest.write_text(json.dumps(data, indent=2), encoding="utf-8")


def purge_author(paths: Paths, handle: str, *, dry_run: bool = False) -> PurgeResult:
    result = PurgeResult()
    names = [v.lower() for v in _variants(handle)]
    con = db.connect(paths.db)
    try:
        sources = sorted(
            set(known_sources())
            | {r[0] for r in con.execute("select distinct source from mentions").fetchall()}
        )
        ids = _author_ids(author_key(paths.author_key_file), handle, sources)
        rows = con.execute(
            db.sql("privacy/find_author_mentions"), {"author_ids": ids, "names": names}
        ).fetchall()
        result.mentions = len(rows)
        result.days = sorted({r[4] for r in rows})
        if dry_run:
            return result
        targets = [
            {"mention_id": r[0], "source": r[1], "source_id": r[2], "batch_id": r[3]} for r in rows
        ]
        stored_ids = {
            r[0]
            for r in con.execute(
                "select distinct author_id from mentions where mention_id in "
                "(select unnest(cast($ids as varchar[])))",
                {"ids": [t["mention_id"] for t in targets]},
            ).fetchall()
            if r[0]
        }
        with db.transaction(con):
            table = pa.Table.from_pylist(targets, schema=TARGETS)
            with db.registered(con, {"purge_targets": table}):
                result.raw_records = con.execute(db.sql("privacy/delete_raw_records")).fetchone()[0]
                con.execute(db.sql("privacy/delete_mentions"))
            result.quarantine = con.execute(
                db.sql("privacy/delete_quarantine"), {"names": names}
            ).fetchone()[0]
            con.execute(
                db.sql("privacy/record_purged"),
                {
                    "author_ids": sorted(set(ids) | stored_ids),
                    "purged_at": datetime.now(UTC).replace(tzinfo=None),
                },
            )
            db.refresh_marts(con, result.days)
        needles = set(names) | {t["source_id"].lower() for t in targets}
        _rewrite_landing(paths, {t["batch_id"] for t in targets}, needles, result)
        return result
    finally:
        con.close()


@dataclass
class RetentionResult:
    raw_records: int = 0
    batches_removed: int = 0


def apply_retention(paths: Paths, raw_days: int) -> RetentionResult:
    """Delete raw payloads and processed landing folders older than `raw_days`; the
    mentions themselves stay."""
    import shutil

    before = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=raw_days)
    result = RetentionResult()
    con = db.connect(paths.db)
    try:
        with db.transaction(con):
            result.raw_records = con.execute(
                db.sql("privacy/raw_older_than"), {"before": before}
            ).fetchone()[0]
        old = con.execute(db.sql("privacy/old_batches"), {"before": before}).fetchall()
    finally:
        con.close()
    for _, landing_path in old:
        folder = landing_root(landing_path)  # a local folder or an object-store prefix
        if not (folder / MANIFEST).exists():
            continue
        if is_local(folder):
            shutil.rmtree(folder)
        else:
            folder.fs.rm(folder.path, recursive=True)
        result.batches_removed += 1
    return result


def _queue_dir(paths: Paths) -> Path:
    return paths.landing / "_erasure_requests"


def queue_purge(paths: Paths, handle: str) -> Path:
    """Queue an erasure for the maintenance DAG, which holds the writer slot under Airflow."""
    import hashlib

    folder = _queue_dir(paths)
    folder.mkdir(parents=True, exist_ok=True)
    request = folder / f"{hashlib.sha256(handle.strip().lower().encode()).hexdigest()[:16]}.json"
    request.write_text(
        json.dumps({"author": handle, "requested_at": datetime.now(UTC).isoformat()})
    )
    return request


def run_queued_purges(paths: Paths) -> list[dict]:
    """Run every queued erasure; a request file is removed only once its erasure is done."""
    done = []
    for request in sorted(_queue_dir(paths).glob("*.json")):
        handle = json.loads(request.read_text())["author"]
        result = purge_author(paths, handle)
        if result.unreadable_pages:
            raise VigieError(
                "erasure incomplete, unreadable landing pages: "
                + "; ".join(result.unreadable_pages)
            )
        request.unlink()
        done.append(
            {
                "request": request.name,
                "mentions": result.mentions,
                "pages_rewritten": result.pages_rewritten,
            }
        )
    return done
