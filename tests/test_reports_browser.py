"""A real headless Chromium opens each demo report: it renders, with its charts, offline."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run must install Debian's chromium")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return found


def _browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _png_size_and_colours(path: Path) -> tuple[int, int, int]:
    from PIL import Image

    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        return image.width, image.height, len(colours)


@pytest.mark.parametrize("kind", ["reputation", "competitive"])
def test_report_renders_in_headless_chromium(demo, tmp_path, kind):
    [report_set] = demo.reports
    page = getattr(report_set, kind)
    dom = _browse(page, tmp_path / "p1", "--dump-dom", "--virtual-time-budget=2000")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") >= 3
    assert "<rect" in dom.stdout and 'class="bar"' in dom.stdout

    shot = tmp_path / f"{kind}.png"
    result = _browse(
        page,
        tmp_path / "p2",
        f"--screenshot={shot}",
        "--window-size=1280,2400",
        "--hide-scrollbars",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    width, height, colours = _png_size_and_colours(shot)
    assert (width, height) == (1280, 2400)
    assert colours >= 20, "the screenshot looks blank"
    assert "net::ERR" not in result.stderr
