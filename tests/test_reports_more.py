"""The reports' topics, needs-a-response ranking, competitor activity and PDF output."""

import csv
import os
from datetime import timedelta

import duckdb
import pytest

from pipelines.cli import main
from pipelines.reports import find_chromium, write_reports
from pipelines.settings import Paths, load_watchlist


def _csv(path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_new_sections_are_present(demo):
    [report_set] = demo.reports
    reputation = report_set.reputation.read_text(encoding="utf-8")
    competitive = report_set.competitive.read_text(encoding="utf-8")
    for section in ("topics", "needs-response"):
        assert f'id="{section}"' in reputation
    for section in ("competitor-activity", "competitive-topics"):
        assert f'id="{section}"' in competitive
    names = {p.name for p in report_set.csvs}
    assert {"reputation-velora-topics.csv", "competitive-velora-competitor-activity.csv"} <= names


def test_topic_counts_equal_a_direct_count(demo):
    [report_set] = demo.reports
    rows = _csv(report_set.reputation.parent / "reputation-velora-topics.csv")
    top = [r for r in rows if r["list"] == "top"]
    assert {r["sentiment"] for r in top} == {"negative", "positive"}
    day = demo.report_day
    with duckdb.connect(str(demo.db), read_only=True) as con:
        for row in top:
            expected = con.execute(
                "select count(distinct mention_id) from mentions, unnest(topics) as u(term) "
                "where brand = 'Velora' and not is_duplicate and sentiment_label = ? "
                "and not coalesce(list_contains(flags, 'spam'), false) and term = ? "
                "and published_at >= ? and published_at < ?",
                [row["sentiment"], row["term"], day, day + timedelta(days=1)],
            ).fetchone()[0]
            before = con.execute(
                "select count(distinct mention_id) from mentions, unnest(topics) as u(term) "
                "where brand = 'Velora' and not is_duplicate and sentiment_label = ? "
                "and not coalesce(list_contains(flags, 'spam'), false) and term = ? "
                "and published_at >= ? and published_at < ?",
                [row["sentiment"], row["term"], day - timedelta(days=7), day],
            ).fetchone()[0]
            assert int(row["mentions"]) == expected, row["term"]
            assert int(row["previous_7d"]) == before, row["term"]
    html = report_set.reputation.read_text(encoding="utf-8")
    section = html[html.index('id="topics"') :]
    assert top[0]["term"] in section


def test_rising_terms_at_the_crisis_start_are_crisis_words(demo, tmp_path):
    watchlist = load_watchlist(demo.watchlist)
    paths = Paths(db=demo.db)
    crisis_day = demo.report_day - timedelta(days=1)
    write_reports(paths, watchlist, crisis_day, tmp_path)
    rows = _csv(tmp_path / "reputation-velora-topics.csv")
    rising = [r["term"] for r in rows if r["list"] == "rising" and r["sentiment"] == "negative"]
    assert {"recall", "rappel"} & set(rising[:5]), rising
    assert all(float(r["lift"]) > 1 for r in rows if r["list"] == "rising")


def test_needs_response_is_ranked_by_priority(demo):
    [report_set] = demo.reports
    rows = _csv(report_set.reputation.parent / "reputation-velora-needs-response.csv")
    assert rows and any(r["needs_reply"] == "True" for r in rows)
    priority = [float(r["priority"]) for r in rows]
    assert priority == sorted(priority, reverse=True)
    assert all(r["needs_reply"] == "True" or r["sentiment_label"] == "negative" for r in rows)


def test_competitor_activity_shows_their_own_accounts(demo):
    [report_set] = demo.reports
    rows = _csv(report_set.competitive.parent / "competitive-velora-competitor-activity.csv")
    accounts = {(r["brand"], r["account"].lower()) for r in rows}
    assert ("Cyclane", "cyclane_bikes") in accounts
    assert ("Roulix", "roulix") in accounts
    assert {r["source"] for r in rows} >= {"x", "bluesky", "mastodon", "youtube"}
    with duckdb.connect(str(demo.db), read_only=True) as con:
        posts = con.execute(
            "select count(*) from mentions where lower(author_name) = 'cyclane_bikes' "
            "and published_at >= ? and published_at < ?",
            [demo.report_day - timedelta(days=29), demo.report_day + timedelta(days=1)],
        ).fetchone()[0]
    mine = [r for r in rows if r["account"] == "cyclane_bikes"]
    assert posts > 0 and [int(r["posts"]) for r in mine] == [posts]
    html = report_set.competitive.read_text(encoding="utf-8")
    assert "cyclane_bikes" in html[html.index('id="competitor-activity"') :]


def test_report_pdf(demo, tmp_path, capsys):
    if not find_chromium():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run must install Debian's chromium")
        pytest.skip("chromium not installed (apt-get install chromium)")
    args = ["--db", str(demo.db), "--config", str(demo.watchlist), "report"]
    args += ["--date", str(demo.report_day), "--out", str(tmp_path), "--pdf"]
    assert main(args) == 0
    for name in ("reputation-velora.pdf", "competitive-velora.pdf"):
        assert (tmp_path / name).read_bytes().startswith(b"%PDF"), name
    capsys.readouterr()
