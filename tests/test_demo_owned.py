"""The demo's owned channels: Velora's Facebook Page, Instagram account and LinkedIn
organization, the comments under its posts and its team's answers, and the daily follower
counts of the brands' accounts. The corpus says what it meant (which comment was answered,
when, how many followers each account had each day); the reports, made by the real pipeline
from what the real connectors collected, must show exactly that."""

from __future__ import annotations

import csv
import re
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipelines.demo import DEMO_DAYS, demo_watchlist, own_accounts
from pipelines.demo_corpus import (
    BRAND,
    COMPETITORS,
    OWNED_ACCOUNTS,
    OWNED_KINDS,
    OWNED_SOURCES,
    build_owned,
    episode_window,
    follower_counts,
)
from tests.conftest import DEMO_END

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def owned():
    return build_owned(DEMO_END, days=DEMO_DAYS)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def quantile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (what SQL's quantile_cont does)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def tenths(seconds: float) -> float:
    """Whole seconds as minutes rounded to a tenth, half away from zero (as SQL rounds)."""
    return (int(seconds) + 3) // 6 / 10


def office_minutes(start: datetime, end: datetime) -> float:
    """Minutes of [start, end) inside Mon-Fri 09:00-18:00 Paris, counted second by second."""
    inside, moment = 0, start
    while moment < end:
        local = moment.astimezone(PARIS)
        if local.weekday() < 5 and 9 <= local.hour < 18:
            inside += 1
        moment += timedelta(seconds=1)
    return inside / 60


# --- the corpus --------------------------------------------------------------------------------


def test_owned_corpus_is_seeded_and_leaves_the_listening_corpus_alone(owned):
    again = build_owned(DEMO_END, days=DEMO_DAYS)
    assert again == owned
    assert build_owned(DEMO_END, days=DEMO_DAYS, seed=8) != owned
    posts, threads = owned
    assert len({p.guid for p in posts}) == len(posts)
    assert {p.source for p in posts} == set(OWNED_SOURCES)
    for post in posts:
        assert post.kind in OWNED_KINDS[post.source]
        assert post.brand == BRAND and post.lang in ("en", "fr")
    stop = datetime.combine(DEMO_END, datetime.min.time(), tzinfo=UTC)
    assert all(stop - timedelta(days=DEMO_DAYS) <= p.published_at < stop for p in posts)
    by_guid = {p.guid: p for p in posts}
    for reply in (p for p in posts if p.kind == "reply"):
        comment = by_guid[reply.parent]
        assert comment.kind == "comment" and comment.published_at < reply.published_at
    assert Counter(p.lang for p in posts if p.kind == "comment").keys() == {"en", "fr"}
    assert {t.kind for t in threads} == {"praise", "question", "complaint"}


def test_the_team_answers_like_a_real_one(owned):
    _, threads = owned
    episode = episode_window(DEMO_END)[0]
    needing = [t for t in threads if t.kind != "praise"]
    answered = [t for t in needing if t.answered_at]
    normal = [t for t in answered if t.published_at < episode]
    minutes = [(t.answered_at - t.published_at).total_seconds() / 60 for t in normal]
    assert 45 <= statistics.median(minutes) <= 180  # an hour or two, usually
    assert quantile(minutes, 0.9) > 6 * 60  # nights and weekends make a long tail
    answers = [t.answered_at.astimezone(PARIS) for t in answered]
    in_hours = [a for a in answers if a.weekday() < 5 and 9 <= a.hour < 18]
    assert len(in_hours) >= 0.75 * len(answers)  # mostly within business hours
    assert 0.5 <= len(answered) / len(needing) < 0.95  # some never answered
    during = [t for t in needing if t.published_at >= episode]
    assert sum(1 for t in during if not t.answered_at) >= 5  # the crisis swamps the team


def test_follower_counts_grow_and_velora_loses_some_with_the_recall():
    counts = follower_counts(DEMO_END, DEMO_DAYS)
    for (source, brand), series in counts.items():
        assert len(series) == DEMO_DAYS
        assert series[-3] > series[0], (source, brand)  # growth over the month
        if brand == BRAND:
            assert series[-1] < series[-2]  # the recall's unfollows
    assert {b for _, b in counts} == {BRAND, *COMPETITORS}


# --- what the demo collected and reported --------------------------------------------------


def test_the_demo_stores_every_owned_post_comment_and_answer(demo, owned):
    posts, _ = owned
    with duckdb.connect(str(demo.db), read_only=True) as con:
        stored = con.execute(
            "select source, source_id, reply_to, brand from mentions"
            " where source in ('facebook', 'instagram', 'linkedin')"
        ).fetchall()
        snapshots = con.execute(
            "select source, brand, count(*) from audience_snapshots group by all"
        ).fetchall()
    assert {(s, i) for s, i, _, _ in stored} == {(p.source, p.guid) for p in posts}
    assert all(brand == BRAND for *_, brand in stored)
    replies = {i: r for _, i, r, _ in stored}
    for post in posts:
        assert replies[post.guid] == (post.parent if post.kind != "post" else None), post
    # One snapshot a day for every listed account, each attributed to its brand.
    listed = {
        (source, brand): len(accounts)
        for brand in (BRAND, *COMPETITORS)
        for source, accounts in own_accounts(brand).items()
    }
    assert {(s, b): n for s, b, n in snapshots} == {k: DEMO_DAYS * n for k, n in listed.items()}


def test_community_health_matches_what_the_corpus_generated(demo, owned):
    _, threads = owned
    intended = {t.guid: t for t in threads}
    reports = demo.folder / "reports"
    rows = read_csv(reports / "reputation-velora-responses.csv")
    # Which mentions needed an answer is the pipeline's call (flags, sentiment, duplicates);
    # when they were answered is the corpus's.
    assert rows and all(r["source_id"] in intended for r in rows)
    assert {r["source"] for r in rows} <= set(OWNED_SOURCES)
    kinds = Counter(intended[r["source_id"]].kind for r in rows)
    assert kinds["complaint"] + kinds["question"] >= 0.8 * len(rows)
    day = [t for t in threads if t.published_at.date() == demo.report_day]
    asked = [t for t in day if t.kind != "praise"]
    assert len(rows) >= 0.5 * len(asked)

    needing = [intended[r["source_id"]] for r in rows]
    answered = [t for t in needing if t.answered_at is not None]
    minutes = [tenths((t.answered_at - t.published_at).total_seconds()) for t in answered]
    office = [round(office_minutes(t.published_at, t.answered_at), 1) for t in answered]
    expected = {
        "needing": len(needing),
        "answered": len(answered),
        "response_rate_pct": round(100 * len(answered) / len(needing), 1),
        "median_minutes": round(quantile(minutes, 0.5), 1),
        "p90_minutes": round(quantile(minutes, 0.9), 1),
        "median_business_minutes": round(quantile(office, 0.5), 1),
        "p90_business_minutes": round(quantile(office, 0.9), 1),
    }
    assert 0 < len(answered) < len(needing)  # a crisis day: answered, and not all
    for row in rows:  # each mention with its own answer time, none for the unanswered
        thread = intended[row["source_id"]]
        if thread.answered_at is None:
            assert (row["answered"], row["response_minutes"], row["business_minutes"]) == (
                "False",
                "",
                "",
            )
        else:
            seconds = (thread.answered_at - thread.published_at).total_seconds()
            assert float(row["response_minutes"]) == tenths(seconds)
    [summary] = read_csv(reports / "reputation-velora-response-summary.csv")
    shown = {k: float(summary[k]) for k in expected}
    assert shown == pytest.approx(expected, abs=0.051)

    html = (reports / "reputation-velora.html").read_text(encoding="utf-8")
    section = html.split('id="community-health"')[1].split("</section>")[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert f"{expected['response_rate_pct']:.1f} %" in text
    assert f"{len(answered)} answered of {len(needing)}" in text
    assert f"{expected['median_minutes']:.0f} min" in text
    assert f"{expected['p90_minutes']:.0f} min" in text


def test_the_unanswered_queue_lists_negative_comments_the_team_never_got_to(demo, owned):
    posts, threads = owned
    intended = {t.guid: t for t in threads}
    by_key = {(p.source, p.published_at.replace(tzinfo=None), p.text): p for p in posts}
    queue = read_csv(demo.folder / "reports" / "reputation-velora-unanswered.csv")
    assert len(queue) >= 3
    as_of = datetime.combine(DEMO_END, datetime.min.time())
    for row in queue:
        when = datetime.fromisoformat(row["published_at"])
        post = by_key[(row["source"], when, row["text"])]
        assert intended[post.guid].answered_at is None
        assert row["sentiment_label"] == "negative"
        assert as_of - when >= timedelta(hours=24)


def test_audience_growth_shows_the_daily_counts(demo):
    counts = follower_counts(DEMO_END, DEMO_DAYS)
    reports = demo.folder / "reports"
    first_day = DEMO_END - timedelta(days=DEMO_DAYS)

    def totals(brand: str) -> list[int]:
        return [sum(s[i] for (_, b), s in counts.items() if b == brand) for i in range(DEMO_DAYS)]

    velora = totals(BRAND)
    growth = read_csv(reports / "reputation-velora-audience-growth.csv")
    [total] = [r for r in growth if r["is_total"] == "True"]
    assert int(total["followers"]) == velora[-1]
    assert int(total["net_new_day"]) == velora[-1] - velora[-2] < 0  # the recall
    month = (demo.report_day.replace(day=1) - first_day).days
    assert int(total["net_new_month"]) == velora[-1] - velora[month - 1]
    assert int(total["net_new_period"]) == velora[-1] - velora[0]
    assert float(total["growth_pct"]) == round(100 * (velora[-1] - velora[0]) / velora[0], 2)
    daily = read_csv(reports / "reputation-velora-audience-daily.csv")
    assert [int(r["followers"]) for r in daily] == velora
    assert [int(r["net_new"]) for r in daily[1:]] == [b - a for a, b in pairwise(velora)]
    monthly = {r["month"]: int(r["net_new"]) for r in read_csv(
        reports / "reputation-velora-audience-monthly.csv"
    )}  # fmt: skip
    assert sum(monthly.values()) == velora[-1] - velora[0]
    assert len(monthly) == len({(first_day + timedelta(days=i)).month for i in range(DEMO_DAYS)})

    compare = {r["brand"]: r for r in read_csv(reports / "competitive-velora-growth.csv")}
    for brand in (BRAND, *COMPETITORS):
        series = totals(brand)
        row = compare[brand]
        assert int(row["followers"]) == series[-1]
        assert float(row["growth_pct"]) == round(100 * (series[-1] - series[0]) / series[0], 2)
        assert int(row["posts_measured"]) == int(row["posts"]) > 0
        assert float(row["engagement_rate_pct"]) > 0
    assert float(compare["Cyclane"]["growth_pct"]) > float(compare[BRAND]["growth_pct"])
    html = (reports / "competitive-velora.html").read_text(encoding="utf-8")
    table = html.split('id="growth-compare"')[1].split("</table>")[0]
    assert f"{float(compare['Cyclane']['growth_pct']):+.1f}%" in table


def test_owned_sources_and_accounts_only_come_with_the_placeholder_tokens():
    with_tokens = demo_watchlist("http://127.0.0.1:1", credentials=True)
    types = {s["type"] for s in with_tokens["sources"]}
    assert set(OWNED_SOURCES) <= types
    for source in with_tokens["sources"]:
        if source["type"] in OWNED_SOURCES:
            assert source["params"]["token_env"].startswith("VIGIE_DEMO_")
            assert source["brand"] == BRAND
    velora = with_tokens["brands"][0]["accounts"]
    assert velora["facebook"] == [OWNED_ACCOUNTS[BRAND].page_id]
    without = demo_watchlist("http://127.0.0.1:1")
    assert not {s["type"] for s in without["sources"]} & set(OWNED_SOURCES)
    assert "accounts" not in without["brands"][0]
    assert "demo-placeholder" not in repr(with_tokens)  # only the variables' names
