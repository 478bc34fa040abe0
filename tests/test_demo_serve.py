"""`vigie demo --serve`: a real process serving the sample APIs until it is told to stop."""

import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

VIGIE = str(Path(sys.executable).parent / "vigie")


def _start(tmp_path: Path) -> tuple[subprocess.Popen, list[str]]:
    proc = subprocess.Popen(
        [VIGIE, "demo", "--serve", "--out", str(tmp_path), "--end", "2026-11-21"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Ctrl-C"):
            return proc, lines
    proc.kill()
    pytest.fail("no ready message: " + "".join(lines) + proc.stderr.read()[-2000:])


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_demo_serve_serves_payloads_prints_commands_and_stops_cleanly(tmp_path, stop):
    proc, lines = _start(tmp_path)
    try:
        out = "".join(lines)
        base_url = re.search(r"on (http://127\.0\.0\.1:\d+)", out).group(1)
        watchlist_path = tmp_path / "serve" / "watchlist.yaml"
        watchlist = yaml.safe_load(watchlist_path.read_text(encoding="utf-8"))
        assert watchlist["http"]["allow_hosts"] == ["127.0.0.1"]
        feed = next(s for s in watchlist["sources"] if s["type"] == "rss")["params"]["urls"][0]
        assert feed.startswith(base_url)
        with urllib.request.urlopen(feed, timeout=10) as response:
            assert response.status == 200
            body = response.read()
        assert b"<item" in body or b"<entry" in body
        # the printed commands are the ones to paste
        assert f"VIGIE_CONFIG={watchlist_path}" in out
        assert "airflow dags test vigie_collect 2026-11-20T10:00:00+00:00" in out
    finally:
        proc.send_signal(stop)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    rest, err = proc.stdout.read(), proc.stderr.read()
    assert code == 0, err
    assert "Traceback" not in err and "stopped" in rest
