"""Audience growth and engagement rate end to end: a small connector, registered only here,
serves posts and follower counts from a real HTTP server on 127.0.0.1; `vigie collect` and
`collect_audience` land them, `vigie process` loads a real DuckDB file, `vigie report`
writes the growth and engagement-rate tables."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pydantic import BaseModel, ConfigDict

import connectors
from connectors import get_connector
from connectors.base import Connector, RawItem
from connectors.http import HttpClient, Page
from pipelines.audience import audience_root, collect_audience
from pipelines.cli import main
from pipelines.collect import http_client
from pipelines.landing import write_batch
from pipelines.settings import load_watchlist, resolve_paths
from tests.loopback import Reply, loopback


class FakeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_url: str


class FakeSocial(Connector):
    """A social network in miniature: posts with counters, replies, and account counts."""

    name = "fakesocial"
    Params = FakeParams

    def fetch(self, params: FakeParams, window, http: HttpClient) -> Iterator[Page]:
        yield http.get(f"{params.base_url}/posts")

    def items(self, page: Page) -> Iterator[RawItem]:
        for post in json.loads(page.body)["posts"]:
            yield RawItem(post)

    def to_mention(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "source_id": payload["id"],
            "published_at": payload["created_at"],
            "text": payload["text"],
            "url": f"https://fake.example/p/{payload['id']}",
            "author_id": payload["account"],
            "author_name": payload["account"],
            "likes": payload.get("likes"),
            "shares": payload.get("shares"),
            "comments": payload.get("comments"),
            "reply_to": payload.get("in_reply_to"),
        }

    def fetch_audience(self, params: FakeParams, accounts: list[str], http) -> Iterator[Page]:
        yield http.get(f"{params.base_url}/accounts", params={"ids": ",".join(accounts)})

    def audience_counts(self, page: Page) -> Iterator[dict[str, Any]]:
        for account in json.loads(page.body)["accounts"]:
            observed = account.get("observed_at")
            yield {
                "account_id": account["id"],
                "account_name": account["name"],
                "followers": account["followers_count"],
                "observed_at": datetime.fromisoformat(observed) if observed else None,
            }


# Followers on three days: Velora 1000 -> 1010 -> 1005, Cyclane 500 -> 550 -> 560.
DAYS = ("2026-11-18", "2026-11-19", "2026-11-20")
VELORA = (1000, 1010, 1005)
CYCLANE = (500, 550, 560)
POSTS = [
    # Velora's own post on the 20th: 40 + 5 + 5 interactions for 1,005 followers.
    {"id": "p1", "account": "velora", "created_at": "2026-11-20T10:00:00Z",
     "text": "Meet the new Velora City!", "likes": 40, "shares": 5, "comments": 5},
    # Cyclane's own post on the 19th: 11 interactions for 550 followers.
    {"id": "p2", "account": "cyclane", "created_at": "2026-11-19T10:00:00Z",
     "text": "Cyclane winter sale", "likes": 10, "shares": 1, "comments": 0},
    # A customer's post and the brand's reply: neither is an own post with a rate.
    {"id": "p3", "account": "ann", "created_at": "2026-11-20T11:00:00Z",
     "text": "Is the Velora City worth it?", "likes": 3},
    {"id": "p4", "account": "velora", "created_at": "2026-11-20T12:00:00Z",
     "text": "Yes! Happy to help.", "likes": 1, "in_reply_to": "p3"},
]  # fmt: skip


def counts(day: str, velora: int, cyclane: int, hour: int = 9) -> bytes:
    observed = f"{day}T{hour:02d}:00:00+00:00"
    return json.dumps(
        {
            "accounts": [
                {"id": "velora", "name": "Velora", "followers_count": velora,
                 "observed_at": observed},
                {"id": "cyclane", "name": "Cyclane Bikes", "followers_count": cyclane,
                 "observed_at": observed},
            ]
        }
    ).encode()  # fmt: skip


@pytest.fixture
def fake_source(monkeypatch):
    monkeypatch.setitem(connectors.REGISTRY, "fakesocial", "tests.test_audience:FakeSocial")
    get_connector.cache_clear()
    yield
    get_connector.cache_clear()


@pytest.fixture
def server(fake_source):
    with loopback() as (base, script):
        script.on("/posts", Reply(body=json.dumps({"posts": POSTS}).encode()))
        script.on(
            "/accounts",
            *(Reply(body=counts(d, v, c)) for d, v, c in zip(DAYS, VELORA, CYCLANE, strict=True)),
        )
        yield base, script  # fmt: skip


def vigie(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def snapshots(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select source, account_id, account_name, brand, is_competitor, day, followers, "
            "observed_at from audience_snapshots order by account_id, day"
        ).fetchall()


@pytest.fixture
def store(server, tmp_path: Path, capsys) -> dict[str, Any]:
    base, script = server
    config = tmp_path / "watchlist.yaml"
    config.write_text(
        f"""
brands: [{{name: Velora, accounts: {{fakesocial: ["@velora"]}}}}]
competitors: [{{name: Cyclane, accounts: {{fakesocial: [cyclane]}}}}]
sources: [{{type: fakesocial, name: social, params: {{base_url: "{base}"}}}}]
http: {{allow_hosts: ["127.0.0.1"], retries: 0}}
""",
        encoding="utf-8",
    )
    db = tmp_path / "store" / "vigie.duckdb"
    paths, watchlist = resolve_paths(db), load_watchlist(config)
    http = http_client(watchlist)
    for day in DAYS:  # one collection a day, as the hourly DAG's first run of each day does
        now = datetime.fromisoformat(f"{day}T09:30:00+00:00")
        (outcome,) = collect_audience(paths, watchlist, http, now=now)
        assert outcome.batch and not outcome.error and not outcome.already_landed
    options = ("--config", config, "--db", db)
    window = ("--since", "2026-11-18T00:00Z", "--until", "2026-11-21T00:00Z")
    code, out, err = vigie(capsys, *options, "collect", *window)
    assert code == 0, err
    assert "social audience: landed" in out  # today's counts, through `vigie collect`
    code, _, err = vigie(capsys, *options, "process")
    assert code == 0, err
    return {"db": db, "options": options, "paths": paths, "script": script, "window": window}


def test_collect_lands_counts_once_a_day(store, capsys):
    script = store["script"]
    asked = [p for p, _ in script.requests if p.startswith("/accounts")]
    assert len(asked) == 4  # three backfilled days and today
    assert "ids=%40velora%2Ccyclane" in asked[0]
    today = datetime.now(UTC).date().isoformat()
    root = audience_root(store["paths"].landing)
    assert list(root.glob(f"source=fakesocial/date={today}/batch=*/manifest.json"))
    code, out, _ = vigie(capsys, *store["options"], "collect", *store["window"])
    assert code == 0 and "today's counts already landed" in out
    assert len([p for p, _ in script.requests if p.startswith("/accounts")]) == 4


def test_snapshots_upsert_idempotently_latest_of_the_day_wins(store, capsys):
    db, paths = store["db"], store["paths"]
    rows = snapshots(db)
    assert [(r[1], r[3], r[4], str(r[5]), r[6]) for r in rows] == [
        ("cyclane", "Cyclane", True, d, n) for d, n in zip(DAYS, CYCLANE, strict=True)
    ] + [("velora", "Velora", False, d, n) for d, n in zip(DAYS, VELORA, strict=True)]
    assert vigie(capsys, *store["options"], "process")[0] == 0
    assert snapshots(db) == rows  # a rerun changes nothing

    def land(batch_id: str, body: bytes) -> None:
        write_batch(
            audience_root(paths.landing),
            batch_id=batch_id,
            source="fakesocial",
            query_id="manual",
            window_start=None,
            window_end=None,
            pages=[Page("file:counts.json", 200, "application/json", body, datetime.now(UTC))],
        )

    land("late", counts(DAYS[2], 1007, 561, hour=18))  # later the same day: wins
    land("early", counts(DAYS[2], 999, 1, hour=6))  # earlier the same day: ignored
    assert vigie(capsys, *store["options"], "process")[0] == 0
    last = {r[1]: r[6] for r in snapshots(db) if str(r[5]) == DAYS[2]}
    assert last == {"velora": 1007, "cyclane": 561}
    assert len(snapshots(db)) == len(rows)


def test_growth_and_engagement_rate_in_the_reports(store, capsys, tmp_path):
    out = tmp_path / "reports"
    code, _, err = vigie(capsys, *store["options"], "report", "--date", DAYS[2], "--out", out)
    assert code == 0, err

    growth = read_csv(out / "reputation-velora-audience-growth.csv")
    total = next(r for r in growth if r["is_total"] == "True")
    assert int(total["followers"]) == VELORA[2]
    assert int(total["net_new_day"]) == VELORA[2] - VELORA[1]
    assert int(total["net_new_month"]) == VELORA[2] - VELORA[0]
    assert float(total["growth_pct"]) == round(100 * (VELORA[2] - VELORA[0]) / VELORA[0], 2)
    daily = {r["day"]: r["net_new"] for r in read_csv(out / "reputation-velora-audience-daily.csv")}
    assert (daily[DAYS[0]], daily[DAYS[1]], daily[DAYS[2]]) == ("", "10", "-5")
    monthly = read_csv(out / "reputation-velora-audience-monthly.csv")
    assert [(r["month"], int(r["net_new"])) for r in monthly] == [("2026-11-01", 5)]

    compare = {r["brand"]: r for r in read_csv(out / "competitive-velora-growth.csv")}
    assert float(compare["Cyclane"]["growth_pct"]) == round(100 * 60 / 500, 2)
    assert float(compare["Velora"]["growth_pct"]) == 0.5
    rates = read_csv(out / "competitive-velora-engagement-rate.csv")
    by_post = {r["text"]: r for r in rates}
    assert set(by_post) == {"Meet the new Velora City!", "Cyclane winter sale"}  # no reply
    velora = by_post["Meet the new Velora City!"]
    assert (int(velora["interactions"]), int(velora["followers"])) == (50, 1005)
    assert float(velora["engagement_rate_pct"]) == round(100 * 50 / 1005, 3)
    assert float(by_post["Cyclane winter sale"]["engagement_rate_pct"]) == 2.0
    assert float(compare["Cyclane"]["engagement_rate_pct"]) == 2.0

    html = (out / "competitive-velora.html").read_text(encoding="utf-8")
    table = html.split('id="growth-compare"')[1].split("</table>")[0]
    assert "+12.0%" in table and "+0.5%" in table and "4.98 %" in table
    rep = (out / "reputation-velora.html").read_text(encoding="utf-8")
    assert "+0.5%" in rep.split('id="audience-growth"')[1].split("</table>")[0]


def test_a_failing_count_endpoint_fails_the_collect_clearly(fake_source, tmp_path, capsys):
    with loopback() as (base, script):
        script.on("/posts", Reply(body=b'{"posts": []}'))
        script.on("/accounts", Reply(status=403, body=b"forbidden"))
        config = tmp_path / "w.yaml"
        config.write_text(
            f"""
brands: [{{name: Velora, accounts: {{fakesocial: [velora]}}}}]
sources: [{{type: fakesocial, name: social, params: {{base_url: "{base}"}}}}]
http: {{allow_hosts: ["127.0.0.1"], retries: 0}}
""",
            encoding="utf-8",
        )
        options = ("--config", config, "--db", tmp_path / "v.duckdb")
        code, out, err = vigie(capsys, *options, "collect", "--date", DAYS[0])
    assert code == 1
    assert "social audience: FAILED" in out and "403" in out
    assert err.strip().startswith("vigie: error: follower counts of 1 source(s) failed")


def test_malformed_counts_are_skipped_with_a_reason(fake_source, tmp_path):
    from pipelines import db
    from pipelines.audience import load_audience
    from pipelines.settings import Watchlist

    landing = tmp_path / "landing"
    body = json.dumps(
        {
            "accounts": [
                {"id": "velora", "name": "Velora", "followers_count": -3},
                {"id": "velora", "name": "Velora", "followers_count": 12,
                 "observed_at": "2026-11-18T09:00:00+00:00"},
            ]
        }
    ).encode()  # fmt: skip
    write_batch(
        audience_root(landing),
        batch_id="one",
        source="fakesocial",
        query_id="q",
        window_start=None,
        window_end=None,
        pages=[Page("file:c.json", 200, "application/json", body, datetime.now(UTC))],
    )
    watchlist = Watchlist.model_validate(
        {"brands": [{"name": "Velora", "accounts": {"fakesocial": ["velora"]}}]}
    )
    con = db.connect(tmp_path / "v.duckdb")
    try:
        load = load_audience(con, landing, watchlist)
        rows = con.execute("select account_id, brand, followers from audience_snapshots").fetchall()
    finally:
        con.close()
    assert (load.files, load.counts) == (1, 1)
    assert load.skipped == {"followers: expected a non-negative whole number, got -3": 1}
    assert rows == [("velora", "Velora", 12)]
