"""Shared fixtures: a demo store built once per session through the real pipeline."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import pytest

from pipelines.demo import DemoSummary, run_demo

DEMO_END = date(2026, 11, 21)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    """A full demo run (loopback server -> RSS connector -> DuckDB -> reports)."""
    folder = tmp_path_factory.mktemp("demo")
    return run_demo(folder, end=DEMO_END, progress=False, echo=False)


@pytest.fixture
def demo_copy(demo: DemoSummary, tmp_path: Path) -> Path:
    """A private copy of the demo database, for tests that write to it."""
    target = tmp_path / "store" / "vigie.duckdb"
    target.parent.mkdir()
    shutil.copy(demo.db, target)
    return target


@pytest.fixture
def write(tmp_path: Path):
    """Write a text (or bytes) file under tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture(autouse=True)
def _fresh_request_budgets():
    """Connector budgets live for a whole process, as they should in production; each test
    starts with them empty so that one test's requests never make another wait."""
    from connectors.http import Budget

    for name, module in list(sys.modules.items()):
        if not name.startswith("connectors.") or module is None:
            continue
        for value in vars(module).values():
            owners = [value, *vars(value).values()] if isinstance(value, type) else [value]
            for owner in owners:
                if isinstance(owner, Budget):
                    owner._sent.clear()
    yield
