"""The installed `vigie` command: help, exit codes, one-line errors, score and parse."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

VIGIE = str(Path(sys.executable).parent / "vigie")
COMMANDS = [
    "demo",
    "run",
    "collect",
    "import",
    "process",
    "report",
    "score",
    "parse",
    "status",
    "quarantine",
]


def run(*args, stdin: str | None = None, env: dict | None = None, cwd=None):
    return subprocess.run(
        [VIGIE, *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_top_level_help_lists_every_command():
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout
    assert "vigie demo" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0
    assert f"usage: vigie {command}" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--date", "2026-02-30"], "'2026-02-30' is not a date, expected YYYY-MM-DD"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["collect"], "needs a watchlist: pass --config PATH or set VIGIE_CONFIG"),
        (["--config", "/nonexistent/w.yaml", "collect"], "watchlist file not found"),
        (["parse", "--source", "nope", "x"], "invalid choice: 'nope'"),
        (["report", "--date", "2026-11-20"], "no such database"),
    ],
)
def test_user_mistakes_are_one_line_without_traceback(tmp_path, args, message):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = run(*args, env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_bad_watchlist_names_the_field(tmp_path):
    config = tmp_path / "w.yaml"
    config.write_text("brands:\n  - name: A\n    handels: ['@a']\n")
    result = run("--config", config, "collect", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"vigie: error: {config}: brands[0].handels: Extra inputs are not permitted"
    )


def test_score_reads_lines_and_writes_json_lines():
    texts = [
        "I love this bike, it is great!",
        "Ce vélo est nul, je suis très déçu.",
        "The shop opens at nine.",
    ]
    result = run("score", stdin="\n".join(texts) + "\n")
    assert result.returncode == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["lang"] for r in rows] == ["en", "fr", "en"]
    assert [r["label"] for r in rows] == ["positive", "negative", "neutral"]
    for row in rows:
        assert set(row) == {"lang", "compound", "pos", "neu", "neg", "label"}
        assert -1 <= row["compound"] <= 1


def test_score_matches_plain_vader_for_english():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    text = "The app is NOT good at all :( but support was AMAZING!!!"
    result = run("score", "--lang", "en", stdin=text + "\n")
    expected = SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
    assert json.loads(result.stdout)["compound"] == expected


def test_parse_prints_mentions_and_lists_skipped_items(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<link>https://news.example/</link>"
        "<item><title>Velora news</title><link>https://news.example/a</link>"
        "<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate><description>Body &amp; more</description>"
        "</item><item><title>Bad</title><pubDate>not a date</pubDate></item></channel></rss>"
    )
    result = run("parse", "--source", "rss", feed)
    assert result.returncode == 0
    [line] = result.stdout.splitlines()
    mention = json.loads(line)
    assert mention["url"] == "https://news.example/a"
    assert mention["published_at"] == "2026-11-20T10:00:00+00:00"
    assert mention["text"] == "Body & more"
    assert "item 2: unparseable date 'not a date'" in result.stderr
    assert "1 mention(s) parsed, 1 item(s) skipped" in result.stderr


def test_score_with_brands_adds_target_sentiment():
    result = run(
        "score",
        "--brand",
        "Velora",
        "--brand",
        "Roulix",
        "--brand",
        "Cyclane",
        stdin="Velora is great, unlike Roulix's awful app\n",
    )
    row = json.loads(result.stdout)
    assert row["target"]["Velora"] > 0.3 and row["target"]["Roulix"] < -0.3
    assert row["target"]["Cyclane"] is None
