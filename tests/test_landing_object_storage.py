"""The landing zone on fsspec locations (VIGIE_LANDING): collect -> process end to end.

`memory://` stands in for an object store inside one process (no folder rename there, so the
manifest-last path is the one exercised); a `file://` URL goes through the same fsspec code
across processes, with the real `vigie collect` and `vigie process` commands.
"""

import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import fsspec
import pytest
import yaml

from connectors.base import Window
from pipelines import demo_corpus
from pipelines.collect import collect_source, http_client
from pipelines.demo import demo_watchlist
from pipelines.demo_server import serve
from pipelines.landing import MANIFEST, is_local, landing_root, list_batches
from pipelines.process import process_pending
from pipelines.purge import apply_retention
from pipelines.settings import Paths, load_watchlist, resolve_paths

VIGIE = str(Path(sys.executable).parent / "vigie")
END = date(2026, 11, 21)
DAY = Window(
    datetime.combine(END - timedelta(days=1), datetime.min.time(), tzinfo=UTC),
    datetime.combine(END, datetime.min.time(), tzinfo=UTC),
)


@pytest.fixture
def sample_server(tmp_path):
    """The demo's RSS and Reddit samples on loopback, and a watchlist for them."""
    posts = demo_corpus.build_corpus(END, days=3)
    routes: dict = {}
    with serve(routes) as base_url:
        routes.update(demo_corpus.render_feeds(posts, base_url))
        watchlist = demo_watchlist(base_url)
        watchlist["sources"] = [s for s in watchlist["sources"] if s["type"] in ("rss", "reddit")]
        config = tmp_path / "watchlist.yaml"
        config.write_text(yaml.safe_dump(watchlist), encoding="utf-8")
        yield config


def _mentions(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select mention_id, source, brand, sentiment_label, is_duplicate from mentions"
            " order by mention_id"
        ).fetchall()


def _run(paths: Paths, config: Path) -> list:
    watchlist = load_watchlist(config)
    http = http_client(watchlist)
    outcomes = [collect_source(paths, s, DAY, http) for s in watchlist.enabled_sources()]
    assert [o.error for o in outcomes] == [None] * len(outcomes)
    return outcomes


def test_landing_location_resolves_local_paths_as_before_and_urls_through_fsspec(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("VIGIE_LANDING", raising=False)
    default = resolve_paths(tmp_path / "vigie.duckdb")
    assert default.landing == tmp_path / "landing" and is_local(default.landing)
    monkeypatch.setenv("VIGIE_LANDING", str(tmp_path / "elsewhere"))
    assert resolve_paths(tmp_path / "vigie.duckdb").landing == tmp_path / "elsewhere"
    monkeypatch.setenv("VIGIE_LANDING", (tmp_path / "zone").as_uri())
    assert not is_local(resolve_paths(tmp_path / "vigie.duckdb").landing)  # fsspec's path
    monkeypatch.setenv("VIGIE_LANDING", "memory://bucket/prefix/")
    remote = resolve_paths(tmp_path / "vigie.duckdb").landing
    assert not is_local(remote) and str(remote) == "memory://bucket/prefix"
    assert str(remote / "source=rss") == "memory://bucket/prefix/source=rss"
    # fsspec's configuration (FSSPEC_<PROTOCOL>_<OPTION> variables) reaches the filesystem
    monkeypatch.setitem(fsspec.config.conf, "memory", {"skip_instance_cache": True})
    configured = resolve_paths(tmp_path / "vigie.duckdb").landing
    assert configured.storage_options == {"skip_instance_cache": True}


def test_collect_and_process_with_landing_in_memory_filesystem(sample_server, tmp_path):
    url = f"memory://vigie-{uuid.uuid4().hex}/landing"
    remote = Paths(db=tmp_path / "remote" / "vigie.duckdb", landing_location=url)
    local = Paths(db=tmp_path / "local" / "vigie.duckdb")

    outcomes = _run(remote, sample_server)
    memory = fsspec.filesystem("memory")
    manifests = memory.glob(url.removeprefix("memory://") + f"/source=*/date=*/batch=*/{MANIFEST}")
    assert len(manifests) == len(outcomes) == 2
    assert not (tmp_path / "remote" / "landing").exists()  # nothing fell back to local disk
    assert {b.batch_id for b in list_batches(remote.landing)} == {
        o.batch.batch_id for o in outcomes
    }
    # a second collection of the same window finds it landed, through the same URL
    assert all(o.already_landed for o in _run(remote, sample_server))

    results = process_pending(remote, load_watchlist(sample_server), progress=False)
    assert [r.failed for r in results] == [None, None] and sum(r.loaded for r in results) > 50
    assert process_pending(remote, load_watchlist(sample_server), progress=False) == []

    # the same run with the default local landing stores the same mentions
    _run(local, sample_server)
    process_pending(local, load_watchlist(sample_server), progress=False)
    assert _mentions(remote.db) == _mentions(local.db)
    with duckdb.connect(str(remote.db), read_only=True) as con:
        paths = [r[0] for r in con.execute("select landing_path from ingest_ledger").fetchall()]
    assert paths and all(p.startswith(url + "/source=") for p in paths)

    # retention removes processed batches from the object store too
    removed = apply_retention(remote, raw_days=0)
    assert removed.batches_removed == 2
    assert memory.glob(url.removeprefix("memory://") + f"/source=*/date=*/batch=*/{MANIFEST}") == []


def test_vigie_collect_and_process_with_a_file_url_landing(sample_server, tmp_path):
    zone = tmp_path / "zone"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE")}
    env.update(
        VIGIE_CONFIG=str(sample_server),
        VIGIE_DB=str(tmp_path / "store" / "vigie.duckdb"),
        VIGIE_LANDING=zone.as_uri(),
    )

    def vigie(*args: str) -> str:
        result = subprocess.run(
            [VIGIE, "-q", *args], capture_output=True, text=True, env=env, timeout=600
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    vigie("collect", "--date", str(DAY.start.date()))
    manifests = sorted(zone.glob(f"source=*/date=*/batch=*/{MANIFEST}"))
    assert len(manifests) == 2
    assert not list(zone.rglob(".tmp-*"))  # no staging folders on the fsspec path
    assert not (tmp_path / "store" / "landing").exists()
    vigie("process")
    status = vigie("status")
    mentions = _mentions(tmp_path / "store" / "vigie.duckdb")
    assert len(mentions) > 50, status
    # a local landing through the plain path gives the same mentions
    env["VIGIE_DB"] = str(tmp_path / "plain" / "vigie.duckdb")
    env.pop("VIGIE_LANDING")
    vigie("collect", "--date", str(DAY.start.date()))
    assert is_local(landing_root(tmp_path / "plain" / "landing"))
    assert (
        len(list((tmp_path / "plain" / "landing").glob(f"source=*/date=*/batch=*/{MANIFEST}"))) == 2
    )
    vigie("process")
    assert _mentions(tmp_path / "plain" / "vigie.duckdb") == mentions
