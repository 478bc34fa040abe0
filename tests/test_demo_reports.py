"""The demo end to end, and the reports it writes: structure, numbers, safety."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import duckdb

from pipelines.cli import main
from pipelines.demo import run_demo
from pipelines.settings import load_watchlist
from tests.conftest import DEMO_END

HOSTILE = (
    '{"source_id": "evil-1", "published_at": "%s", "brand": "Velora", "author": "mallory", '
    '"author_followers": 5000000, "url": "javascript:alert(1)", '
    '"text": "Velora is awful <script>alert(1)</script> <img src=x onerror=alert(2)> '
    '<a href=\\"javascript:alert(3)\\">click</a>"}\n'
)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict]]:
    collector = _Collector()
    collector.feed(html)
    return collector.tags


def test_demo_fills_the_store(demo):
    assert demo.mentions >= 100
    with duckdb.connect(str(demo.db), read_only=True) as con:
        total = con.execute("select count(*) from mentions").fetchone()[0]
        brands = dict(con.execute("select brand, count(*) from mentions group by 1").fetchall())
        langs = dict(con.execute("select lang, count(*) from mentions group by 1").fetchall())
        ledger_ok = con.execute(
            "select bool_and(received = loaded + duplicates + quarantined) from ingest_ledger"
        ).fetchone()[0]
    assert total == demo.mentions
    assert set(brands) == {"Velora", "Cyclane", "Roulix"}
    assert langs["en"] > 100 and langs["fr"] > 100
    assert ledger_ok


def test_demo_negative_episode_is_visible_in_the_marts(demo):
    with duckdb.connect(str(demo.db), read_only=True) as con:
        rows = con.execute(
            "select day, mentions, negative from mart_brand_daily where brand = 'Velora' "
            "order by day"
        ).fetchall()
    normal = sorted(m for _, m, _ in rows[:-3])[len(rows[:-3]) // 2]
    last_day, last_mentions, last_negative = rows[-1]
    assert last_day == demo.report_day
    assert last_mentions >= 3 * normal
    assert last_negative / last_mentions > 0.5


def test_both_reports_are_self_contained_with_charts(demo):
    [report_set] = demo.reports
    for path in (report_set.reputation, report_set.competitive):
        html = path.read_text(encoding="utf-8")
        tags = tags_of(html)
        assert sum(1 for t, _ in tags if t == "svg") >= 3, path.name
        assert not [t for t, _ in tags if t in ("script", "link", "iframe", "img", "object")]
        for _, attrs in tags:
            for name in ("src", "href"):
                value = attrs.get(name) or ""
                assert not value.startswith(("//", "javascript:")), value
        assert "@import" not in html and "url(http" not in html


def test_reputation_sections_and_numbers_match_the_marts(demo):
    [report_set] = demo.reports
    html = report_set.reputation.read_text(encoding="utf-8")
    for section in (
        "headline",
        "trends",
        "needs-response",
        "top-positive",
        "advocates-detractors",
        "breakdown",
    ):
        assert f'id="{section}"' in html
    with duckdb.connect(str(demo.db), read_only=True) as con:
        mentions = con.execute(
            "select mentions from mart_brand_daily where brand = 'Velora' and day = ?",
            [demo.report_day],
        ).fetchone()[0]
    value = re.search(r'<div class="value">([\d,]+)</div>', html).group(1)
    assert int(value.replace(",", "")) == mentions
    digest = report_set.digest.read_text(encoding="utf-8")
    assert f"Mentions: {mentions:,}" in digest
    # a title and at most five lines: volume, needs a response, top positive, community
    # health (the demo has owned channels), share of voice
    assert len(digest.strip().splitlines()) <= 6
    assert "- Response rate: " in digest


def test_csv_siblings_exist(demo):
    [report_set] = demo.reports
    names = {p.name for p in report_set.csvs}
    assert "reputation-velora-needs-response.csv" in names
    assert "competitive-velora-share-of-voice.csv" in names
    assert all(p.stat().st_size > 0 for p in report_set.csvs)


def test_hostile_mention_is_shown_escaped(demo, demo_copy, write, capsys):
    when = f"{demo.report_day}T12:00:00Z"
    hostile = write("hostile.jsonl", HOSTILE % when)
    assert main(["-q", "--db", str(demo_copy), "import", str(hostile)]) == 0
    assert main(["-q", "--db", str(demo_copy), "--config", str(demo.watchlist), "process"]) == 0
    out = demo_copy.parent / "out"
    code = main(
        [
            "--db",
            str(demo_copy),
            "--config",
            str(demo.watchlist),
            "report",
            "--date",
            str(demo.report_day),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    html = (out / "reputation-velora.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "onerror=alert(2)" not in html.replace("&lt;img src=x onerror=alert(2)&gt;", "")
    tags = tags_of(html)
    assert not [t for t, _ in tags if t in ("script", "img")]
    assert not [a for _, a in tags if any(k.startswith("on") for k in a)]
    assert "javascript:" not in " ".join(a.get("href", "") for _, a in tags)
    capsys.readouterr()


def test_rerunning_the_demo_starts_clean(tmp_path):
    first = run_demo(tmp_path, end=DEMO_END - timedelta(days=3), progress=False, echo=False)
    (tmp_path / "landing" / "stray.txt").write_text("left over")
    second = run_demo(tmp_path, end=DEMO_END - timedelta(days=3), progress=False, echo=False)
    assert second.mentions == first.mentions
    assert not (tmp_path / "landing" / "stray.txt").exists()
    with duckdb.connect(str(second.db), read_only=True) as con:
        batches = con.execute("select count(*) from ingest_ledger").fetchone()[0]
    assert batches == len(load_watchlist(second.watchlist).enabled_sources())


def test_demo_reposts_and_syndicated_copies_are_clustered(demo):
    with duckdb.connect(str(demo.db), read_only=True) as con:
        duplicates = con.execute("select count(*) from mentions where is_duplicate").fetchone()[0]
        orphans = con.execute(
            "select count(*) from mentions as d left join mentions as o"
            " on o.mention_id = d.dup_cluster_id"
            " where d.is_duplicate and (o.mention_id is null or o.is_duplicate"
            " or o.published_at > d.published_at)"
        ).fetchone()[0]
        counted = con.execute("select sum(mentions) from mart_brand_daily").fetchone()[0]
        total = con.execute("select count(*) from mentions").fetchone()[0]
        own = con.execute(
            "select count(*) from mentions as m where not m.is_duplicate and exists ("
            " select 1 from own_accounts as o where o.source = m.source"
            " and o.author_id = m.author_id)"
        ).fetchone()[0]
    assert duplicates >= 20  # reposts, boosts and syndicated news copies
    assert orphans == 0  # every copy points at its cluster's earliest, stored original
    assert own > 0  # the brands' own posts and answers are not mentions of them
    assert counted == total - duplicates - own  # the marts count a cluster once
