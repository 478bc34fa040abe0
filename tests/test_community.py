"""Response tracking end to end: `vigie import` a thread, `vigie process`, `vigie report`,
then read the response metrics back from the HTML and the CSV, on a real DuckDB file."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, time
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from pipelines.community import business_minutes
from pipelines.settings import BusinessHours

OWN = "velora@social.example"
WATCHLIST = f"""
brands:
  - name: Velora
    handles: ["@velora"]
    accounts: {{mastodon: ["{OWN}"]}}
competitors: [{{name: Cyclane}}]
community:
  needs_response_hours: 12
  business_hours: {{timezone: Europe/Paris, days: [mon, tue, wed, thu, fri], start: "09:00",
                    end: "18:00"}}
"""
NEGATIVE = "Velora support is terrible, my battery died after two days. Awful, very disappointed."


def _row(source_id, when, text, author, reply_to=None, source="mastodon"):
    row = {
        "source": source,
        "source_id": source_id,
        "published_at": when,
        "text": text,
        "author": author,
        "url": f"https://social.example/@{author}/{source_id}",
    }
    if reply_to:
        row["reply_to"] = reply_to
    return row


# Wednesday 18 November 2026 (Paris is UTC+1): a complaint at 10:00 UTC answered by the
# brand's own account at 11:35, and one at 11:00 that nobody answers.
# Thursday 19: a complaint at 16:30 UTC (17:30 in Paris) answered the next morning at
# 08:30 UTC (09:30 in Paris): 960 calendar minutes, 30 + 30 business minutes.
THREAD = [
    _row("c1", "2026-11-18T10:00:00Z", NEGATIVE, "ann"),
    _row(
        "r1", "2026-11-18T11:35:00Z", "Sorry to hear that! We are on it, check your DMs.", OWN, "c1"
    ),
    _row("c2", "2026-11-18T11:00:00Z", "Velora app keeps crashing. Worst, horrible app.", "bob"),
    _row("c3", "2026-11-19T16:30:00Z", "Velora brakes broke again, horrible and useless.", "cat"),
    _row("r3", "2026-11-20T08:30:00Z", "We are so sorry. A technician will call you.", OWN, "c3"),
    # Not a reply to anything of ours: a reply from a stranger does not answer c2.
    _row("x1", "2026-11-18T12:00:00Z", "Same for me, Velora never answers.", "dan", "c2"),
    # Untrusted text on a day of its own: escaped in the report.
    _row("h1", "2026-11-10T10:00:00Z", "Velora <script>alert(1)</script> awful, terrible!", "eve"),
    # A negative news article cannot be answered in a thread: not counted.
    _row(
        "n1",
        "2026-11-18T09:00:00Z",
        "Velora recall: terrible battery failures.",
        "press",
        None,
        "rss",
    ),
]


def vigie(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def snapshot(db: Path) -> dict[str, list]:
    """Every stored row that a rerun must leave alone (run timestamps aside)."""
    queries = {
        "mentions": "select * exclude (collected_at) from mentions",
        "own_accounts": "select * from own_accounts",
        "ledger": "select * exclude (processed_at) from ingest_ledger",
        "quarantine": "select * exclude (quarantined_at) from quarantine",
    }
    with duckdb.connect(str(db), read_only=True) as con:
        return {k: sorted(map(repr, con.execute(q).fetchall())) for k, q in queries.items()}


@pytest.fixture
def store(tmp_path: Path, capsys) -> dict[str, Path]:
    config = tmp_path / "watchlist.yaml"
    config.write_text(WATCHLIST, encoding="utf-8")
    export = tmp_path / "thread.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in THREAD) + "\n", encoding="utf-8")
    db = tmp_path / "store" / "vigie.duckdb"
    base = ("--config", config, "--db", db)
    assert vigie(capsys, *base, "import", export)[0] == 0
    code, _, err = vigie(capsys, *base, "process")
    assert code == 0, err
    return {"config": config, "db": db, "export": export, "base": base}


def report(capsys, store, day: str, out: Path) -> str:
    code, _, err = vigie(capsys, *store["base"], "report", "--date", day, "--out", out)
    assert code == 0, err
    return (out / "reputation-velora.html").read_text(encoding="utf-8")


def _card(html: str, card_id: str) -> str:
    found = re.search(rf'id="{card_id}">([^<]*)<', html)
    assert found, card_id
    return found.group(1).strip()


def test_brand_reply_after_95_minutes_shows_as_answered_in_95_minutes(store, capsys, tmp_path):
    out = tmp_path / "report"
    html = report(capsys, store, "2026-11-18", out)

    rows = {r["source_id"]: r for r in read_csv(out / "reputation-velora-responses.csv")}
    assert set(rows) == {"c1", "c2"}  # not the news article, not the brand's own reply
    assert float(rows["c1"]["response_minutes"]) == 95.0
    assert float(rows["c1"]["business_minutes"]) == 95.0
    assert rows["c1"]["answered_at"].startswith("2026-11-18 11:35")
    assert rows["c2"]["answered_at"] == ""  # a stranger's reply does not count

    summary = read_csv(out / "reputation-velora-response-summary.csv")[0]
    assert (summary["needing"], summary["answered"]) == ("2", "1")
    assert float(summary["response_rate_pct"]) == 50.0
    assert float(summary["median_minutes"]) == 95.0
    assert float(summary["p90_minutes"]) == 95.0

    assert _card(html, "response-rate") == "50.0 %"
    digest = (out / "digest-velora.md").read_text(encoding="utf-8")
    assert "Response rate: 50.0% (1 answered of 2); Median first response: 95 min" in digest
    assert _card(html, "median-response") == "95 min"
    table = html.split('id="responses"')[1].split("</table>")[0]
    c1_row = next(r for r in table.split("<tr>") if "ann" in r)
    assert "2026-11-18 11:35" in c1_row and ">95<" in c1_row


def test_unanswered_queue_holds_the_negative_left_waiting(store, capsys, tmp_path):
    out = tmp_path / "report"
    html = report(capsys, store, "2026-11-18", out)
    queue = read_csv(out / "reputation-velora-unanswered.csv")
    # c2 waits 13 h at the end of the day (> 12 h); c1 was answered; the article has no thread.
    assert [r["author_name"] for r in queue] == ["bob"]
    assert float(queue[0]["hours_waiting"]) == 13.0
    section = html.split('id="unanswered"')[1].split("</table>")[0]
    assert "bob" in section and "https://social.example/@bob/c2" in section
    # The brand's own replies are answers, not requests for one.
    needs = read_csv(out / "reputation-velora-needs-response.csv")
    assert OWN not in {r["author_name"] for r in needs}
    assert "ann" in {r["author_name"] for r in needs}


def test_business_minutes_of_a_reply_across_closing_time(store, capsys, tmp_path):
    out = tmp_path / "report"
    report(capsys, store, "2026-11-19", out)
    (row,) = read_csv(out / "reputation-velora-responses.csv")
    assert row["source_id"] == "c3"
    assert float(row["response_minutes"]) == 960.0
    assert float(row["business_minutes"]) == 60.0  # 17:30-18:00 Thursday, 09:00-09:30 Friday
    summary = read_csv(out / "reputation-velora-response-summary.csv")[0]
    assert float(summary["median_business_minutes"]) == 60.0


def test_rerunning_import_and_process_changes_nothing(store, capsys):
    before = snapshot(store["db"])
    assert vigie(capsys, *store["base"], "import", store["export"])[0] == 0
    code, out, _ = vigie(capsys, *store["base"], "process")
    assert code == 0 and "nothing to process" in out
    assert snapshot(store["db"]) == before
    # The brand's reply, which names no brand, was stored as Velora's.
    with duckdb.connect(str(store["db"]), read_only=True) as con:
        stored = con.execute(
            "select brand, reply_to from mentions where source_id = 'r1'"
        ).fetchall()
    assert stored == [("Velora", "c1")]


def test_report_text_is_escaped(store, capsys, tmp_path):
    html = report(capsys, store, "2026-11-10", tmp_path / "r")
    section = html.split('id="community-health"')[1].split("</section>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "<script>alert" not in html


def test_section_says_so_without_owned_channels(tmp_path, capsys):
    config = tmp_path / "w.yaml"
    config.write_text("brands: [{name: Velora}]\n", encoding="utf-8")
    export = tmp_path / "t.jsonl"
    export.write_text(json.dumps(THREAD[0]) + "\n", encoding="utf-8")
    base = ("--config", config, "--db", tmp_path / "db" / "v.duckdb")
    assert vigie(capsys, *base, "import", export)[0] == 0
    assert vigie(capsys, *base, "process")[0] == 0
    out = tmp_path / "r"
    assert vigie(capsys, *base, "report", "--date", "2026-11-18", "--out", out)[0] == 0
    html = (out / "reputation-velora.html").read_text(encoding="utf-8")
    section = html.split('id="community-health"')[1].split("</section>")[0]
    assert "No owned-channel data yet" in section
    assert "No follower counts yet" in section
    assert read_csv(out / "reputation-velora-responses.csv") == []
    competitive = (out / "competitive-velora.html").read_text(encoding="utf-8")
    assert "No follower counts yet" in competitive.split('id="growth-engagement"')[1]


PARIS = BusinessHours()  # Mon-Fri 09:00-18:00 Europe/Paris, the default


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ("2026-11-18T10:00", "2026-11-18T11:35", 95),  # inside the day (11:00-12:35 Paris)
        ("2026-11-19T16:30", "2026-11-20T08:30", 60),  # across closing time
        ("2026-11-20T16:00", "2026-11-23T09:00", 120),  # Friday 17:00 -> Monday 10:00
        ("2026-11-21T10:00", "2026-11-22T10:00", 0),  # the whole weekend
        ("2026-11-18T05:00", "2026-11-18T07:00", 0),  # before opening
        ("2026-03-27T16:00", "2026-03-30T07:30", 90),  # DST: Monday opens 07:00 UTC
        ("2026-11-18T12:00", "2026-11-18T11:00", 0),  # a reply before its mention
    ],
)
def test_business_minutes(start, end, minutes):
    assert (
        business_minutes(datetime.fromisoformat(start), datetime.fromisoformat(end), PARIS)
        == minutes
    )


def test_business_hours_follow_the_configuration():
    night_shift = BusinessHours(timezone="UTC", days=["sat"], start=time(20), end=time(22))
    start, end = datetime(2026, 11, 21, 21), datetime(2026, 11, 28, 21)
    assert business_minutes(start, end, night_shift) == 60 + 60


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "community: {business_hours: {start: '19:00'}}",
            "w.yaml: community.business_hours: business_hours: start must be before end",
        ),
        (
            "community: {business_hours: {timezone: Europe/Pariss}}",
            "w.yaml: community.business_hours.timezone: unknown time zone 'Europe/Pariss'",
        ),
        (
            "community: {business_hours: {start: 9}}",
            'w.yaml: community.business_hours.start: 9 is not a time; write it as "HH:MM"',
        ),
        ("community: {needs_response_hours: 0}", "w.yaml: community.needs_response_hours: "),
        (
            "brands: [{name: A, accounts: {Bad Source: [x]}}]",
            "w.yaml: brands[0].accounts: accounts: 'Bad Source' is not a source name",
        ),
        (
            "brands: [{name: A, accounts: {x: ['@a']}}, {name: B, accounts: {x: [A]}}]",
            "w.yaml: (top level): account x:A is listed under both 'A' and 'B'",
        ),
    ],
)
def test_watchlist_mistakes_are_one_line(tmp_path, yaml_text, message):
    from pipelines.errors import ConfigError
    from pipelines.settings import load_watchlist

    path = tmp_path / "w.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_watchlist(path)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{tmp_path / message.split(': ', 1)[0]}: {message.split(': ', 1)[1]}")


def test_unquoted_yaml_times_are_read_as_clock_times(tmp_path):
    from pipelines.settings import load_watchlist

    path = tmp_path / "w.yaml"
    path.write_text("community: {business_hours: {start: 8:30, end: 17:45}}", encoding="utf-8")
    hours = load_watchlist(path).community.business_hours
    assert (hours.start, hours.end) == (time(8, 30), time(17, 45))


def test_the_brands_own_replies_are_not_counted_as_mentions_in_the_marts(store):
    """The marts count what others say: two replies by the brand's own account are stored
    (they answer mentions) but add nothing to the brand's volume, hourly or daily."""
    with duckdb.connect(str(store["db"]), read_only=True) as con:
        stored = con.execute(
            "select count(*) from mentions where brand = 'Velora' and cast(published_at as date)"
            " = date '2026-11-18'"
        ).fetchone()[0]
        daily, copies = con.execute(
            "select mentions, duplicates from mart_brand_daily where brand = 'Velora' and"
            " day = date '2026-11-18'"
        ).fetchone()
        hourly = con.execute(
            "select sum(mentions) from mart_brand_hourly where brand = 'Velora'"
            " and cast(hour as date) = date '2026-11-18'"
        ).fetchone()[0]
    assert stored - daily - copies == 1  # r1, the brand's reply at 11:35
    assert hourly == daily


def test_a_busy_own_account_is_not_a_flood_but_a_busy_stranger_is(tmp_path, capsys):
    """In one hour the team answers 25 questions of one stranger: the stranger's posts are a
    flood (bot_like: 20 posts of one author within an hour), the answers are not; a customer
    posting as often over a day is no flood either."""
    config = tmp_path / "watchlist.yaml"
    config.write_text(WATCHLIST, encoding="utf-8")
    rows = []
    for i in range(25):
        when = f"2026-11-18T08:{2 * i:02d}:00Z"
        rows.append(_row(f"q{i}", when, f"Velora question number {i}: where is my bike?", "ann"))
        rows.append(_row(f"a{i}", when, f"Answer {i}: your Velora ships today.", OWN, f"q{i}"))
        slow = f"2026-11-{17 + i // 24}T{i % 24:02d}:30:00Z"
        rows.append(_row(f"d{i}", slow, f"Velora update {i}: still waiting for my bike.", "bob"))
    export = tmp_path / "busy.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    db = tmp_path / "busy" / "vigie.duckdb"
    for command in (("import", export), ("process",)):
        code, _, err = vigie(capsys, "--config", config, "--db", db, *command)
        assert code == 0, err
    with duckdb.connect(str(db), read_only=True) as con:
        flagged = dict(
            con.execute(
                "select left(source_id, 1),"
                " count(*) filter (where list_contains(flags, 'bot_like'))"
                " from mentions group by all"
            ).fetchall()
        )
    assert flagged == {"a": 0, "d": 0, "q": 25}
