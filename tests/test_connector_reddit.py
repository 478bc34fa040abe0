"""The Reddit connector against a real HTTP server on 127.0.0.1, with fixtures written in the
search listing's documented shape (Listing -> children of kind t3/t1, cursor in data.after)."""

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import connectors.reddit as reddit_module
from connectors import get_connector
from connectors.base import Window
from connectors.http import Budget, HttpClient, Page
from pipelines.parse import parse_file
from tests.connector_kit import LOCAL, collect_once, parse_pages, test_client
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "reddit"
W = Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
NOW = datetime(2026, 11, 21, 3, 25, tzinfo=UTC)
ID_ENV, SECRET_ENV = "VIGIE_REDDIT_CLIENT_ID", "VIGIE_REDDIT_CLIENT_SECRET"
reddit = get_connector("reddit")


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def page(name: str) -> Page:
    return Page("https://www.reddit.com/search.json", 200, "application/json", body(name), NOW)


def params(base: str, **extra) -> dict:
    return {"query": "velora", "base_url": base, "oauth_base_url": f"{base}/oauth", **extra}


def query_of(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    """No credentials from the developer's shell, and fresh budgets: the real ones are shared
    by the whole process and would make these tests wait on each other."""
    monkeypatch.delenv(ID_ENV, raising=False)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.setattr(reddit_module, "PUBLIC_BUDGET", Budget(1000, 60))
    monkeypatch.setattr(type(reddit), "budget", Budget(1000, 60))


def test_pages_newest_first_until_reddit_gives_no_after():
    with loopback() as (base, script):
        script.on(
            "/search.json",
            Reply(200, body("search_page1.json")),
            Reply(200, body("search_page2.json")),
            Reply(200, body("search_page3.json")),
        )
        http, sleeps = test_client()
        pages = list(reddit.fetch(reddit.Params.model_validate(params(base)), W, http))
    assert [p.body for p in pages] == [body(f"search_page{n}.json") for n in (1, 2, 3)]
    queries = [query_of(path) for path, _ in script.requests]
    assert queries[0] == {"q": ["velora"], "sort": ["new"], "t": ["all"], "limit": ["100"]}
    assert queries[1]["after"] == ["t3_1p2uw2m"] and queries[2]["after"] == ["t3_1p2tz01"]
    headers = script.requests[0][1]
    assert "Authorization" not in headers and headers["User-Agent"].startswith("Vigie/")
    assert sleeps == []


def test_stops_once_a_whole_page_is_older_than_the_window():
    with loopback() as (base, script):
        script.on(
            "/search.json",
            Reply(200, body("search_page1.json")),
            Reply(200, body("search_older.json")),  # still has an `after`
            Reply(200, body("search_page3.json")),
        )
        http, _ = test_client()
        pages = list(reddit.fetch(reddit.Params.model_validate(params(base)), W, http))
    assert len(pages) == 2 and len(script.requests) == 2


def test_each_subreddit_is_its_own_restricted_search_and_zero_results_is_fine():
    with loopback() as (base, script):
        script.on("/r/velotaf/search.json", Reply(200, body("search_empty.json")))
        script.on("/r/ebikes/search.json", Reply(200, body("search_empty.json")))
        http, _ = test_client()
        p = reddit.Params.model_validate(params(base, subreddits=["r/velotaf", "ebikes"]))
        pages = list(reddit.fetch(p, W, http))
    assert len(pages) == 2
    assert [urlsplit(path).path for path, _ in script.requests] == [
        "/r/velotaf/search.json",
        "/r/ebikes/search.json",
    ]
    assert all(query_of(path)["restrict_sr"] == ["1"] for path, _ in script.requests)
    assert parse_pages("reddit", pages, NOW) == ([], [])  # zero results is not an error


def test_bad_subreddit_name_is_refused_by_the_params():
    with pytest.raises(ValueError, match="not a subreddit name"):
        reddit.Params.model_validate({"query": "velora", "subreddits": ["velo taf"]})


def test_oauth_client_credentials_then_bearer_on_the_oauth_host(monkeypatch):
    monkeypatch.setenv(ID_ENV, "app-id")
    monkeypatch.setenv(SECRET_ENV, "app-secret")
    token = json.loads(body("token.json"))["access_token"]
    with loopback() as (base, script):
        script.on("/api/v1/access_token", Reply(200, body("token.json")))
        script.on("/oauth/search", Reply(200, body("search_page3.json")))
        http, _ = test_client()
        p = reddit.Params.model_validate(params(base, user_agent="linux:vigie:0.1 (by /u/vigie)"))
        list(reddit.fetch(p, W, http))
        list(reddit.fetch(p, Window(W.end, NOW.replace(minute=0)), http))  # token reused
    [(path, headers, form)] = script.posts
    assert path == "/api/v1/access_token" and parse_qs(form.decode()) == {
        "grant_type": ["client_credentials"]
    }
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"app-id:app-secret").decode()
    assert headers["User-Agent"] == "linux:vigie:0.1 (by /u/vigie)"
    assert [urlsplit(path).path for path, _ in script.requests] == ["/oauth/search"] * 2
    get_headers = script.requests[0][1]
    assert get_headers["Authorization"] == f"bearer {token}"
    assert get_headers["User-Agent"] == "linux:vigie:0.1 (by /u/vigie)"


@pytest.mark.parametrize(
    ("auth", "present", "named"),
    [("auto", ID_ENV, SECRET_ENV), ("auto", SECRET_ENV, ID_ENV), ("oauth", None, ID_ENV)],
)
def test_missing_credential_is_a_config_error_naming_the_variable(
    tmp_path, monkeypatch, auth, present, named
):
    if present:
        monkeypatch.setenv(present, "something")
    with loopback() as (base, script):
        http, _ = test_client()
        outcome = collect_once(tmp_path, "reddit", params(base, auth=auth), W, http)
    assert outcome.batch is None
    assert f"set the environment variable {named} " in outcome.error
    assert script.requests == [] and script.posts == []


def test_rejected_credentials_are_reported_as_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.setenv(ID_ENV, "app-id")
    monkeypatch.setenv(SECRET_ENV, "not-the-s3cret")
    with loopback() as (base, script):
        script.on("/api/v1/access_token", Reply(401, b'{"message": "Unauthorized", "error": 401}'))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "reddit", params(base), W, http)
    assert outcome.batch is None and "HTTP 401" in outcome.error
    assert "configuration error" in outcome.error and "not-the-s3cret" not in outcome.error
    assert script.requests == [] and sleeps == []


def test_rerun_fetches_nothing_and_the_next_incremental_run_starts_at_the_window_end(tmp_path):
    with loopback() as (base, script):
        script.on("/search.json", Reply(200, body("search_page3.json")))
        http, _ = test_client()
        first = collect_once(tmp_path, "reddit", params(base), W, http)
        assert first.error is None and len(first.batch.pages) == 1
        again = collect_once(tmp_path, "reddit", params(base), W, http)
        assert again.already_landed and len(script.requests) == 1
        later = collect_once(tmp_path, "reddit", params(base), None, http, now=NOW)
    assert later.window == Window(W.end, datetime(2026, 11, 21, 3, tzinfo=UTC))
    assert later.batch is not None and len(script.requests) == 2


def test_rate_limits_retry_after_on_429_and_spent_ratelimit_headers_are_waited_out():
    spent = {"X-Ratelimit-Used": "100", "X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Reset": "42"}
    with loopback() as (base, script):
        script.on(
            "/search.json",
            Reply(429, b'{"message": "Too Many Requests", "error": 429}', {"Retry-After": "7"}),
            Reply(200, body("search_page1.json"), spent),
            Reply(200, body("search_page3.json")),
        )
        http, sleeps = test_client()
        pages = list(reddit.fetch(reddit.Params.model_validate(params(base)), W, http))
    assert len(pages) == 2 and len(script.requests) == 3
    assert sleeps[0] == 7  # Retry-After, then the reset Reddit announced before page 2
    assert len(sleeps) == 2 and 41 <= sleeps[1] <= 42


def test_500_on_page_3_is_retried_and_the_listing_completes():
    with loopback() as (base, script):
        script.on(
            "/search.json",
            Reply(200, body("search_page1.json")),
            Reply(200, body("search_page2.json")),
            Reply(500, b"<html>upstream error</html>"),
            Reply(200, body("search_page3.json")),
        )
        http, sleeps = test_client()
        pages = list(reddit.fetch(reddit.Params.model_validate(params(base)), W, http))
    assert len(pages) == 3 and len(script.requests) == 4
    assert query_of(script.requests[2][0]) == query_of(script.requests[3][0])
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 0.01  # backoff with jitter


def test_timeout_is_reported_and_nothing_is_landed(tmp_path):
    with loopback() as (base, script):
        script.on("/search.json", Reply(200, body("search_page1.json"), delay=0.4))
        http, _ = test_client(timeout=0.1, retries=1)
        outcome = collect_once(tmp_path, "reddit", params(base), W, http)
    assert outcome.batch is None and len(script.requests) == 2
    assert (
        "no answer within the timeout" in outcome.error and "gave up after 2 tries" in outcome.error
    )
    assert not (tmp_path / "landing" / "_state").exists()  # the next run tries the window again


def test_budgets_space_requests_logged_out_and_logged_in(monkeypatch):
    now = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(reddit_module, "PUBLIC_BUDGET", Budget(2, 60, clock=lambda: now[0]))
    monkeypatch.setattr(type(reddit), "budget", Budget(100, 60, clock=lambda: now[0]))
    with loopback() as (base, script):
        for path in ("/search.json", "/oauth/search"):
            script.on(
                path,
                Reply(200, body("search_page1.json")),
                Reply(200, body("search_page2.json")),
                Reply(200, body("search_page3.json")),
            )
        script.on("/api/v1/access_token", Reply(200, body("token.json")))
        http = HttpClient(allow_hosts=LOCAL, sleep=sleep)
        p = reddit.Params.model_validate(params(base))
        waits: list[float] = []
        list(reddit.fetch(p, W, http))
        assert waits == [60]  # logged out: the third request waits for the minute to turn
        waits.clear()
        monkeypatch.setenv(ID_ENV, "app-id")
        monkeypatch.setenv(SECRET_ENV, "app-secret")
        list(reddit.fetch(p, W, http))
        assert waits == []  # logged in: 100 a minute


def test_malformed_children_are_quarantined_and_the_rest_of_the_page_parses():
    mentions, errors = parse_pages(
        "reddit", [page("search_page1.json"), page("search_page2.json")], NOW
    )
    assert [m["source_id"] for m in mentions] == [
        "t3_1p2velo",
        "t3_1p2vx3c",
        "t3_1p2uw2m",
        "t3_1p2ui7k",
        "t3_1p2tz01",
    ]
    assert errors == [
        "t3 item has neither id nor name",
        "created_utc: expected epoch seconds, got '2026-11-20 13:00'",
    ]


def test_bodies_that_are_not_listings_are_quarantined_whole():
    odd = json.dumps(
        {
            "kind": "Listing",
            "data": {
                "after": None,
                "children": [{"kind": "t5", "data": {"display_name": "velora"}}, "t3_x"],
            },
        }
    ).encode()
    html_page = Page("u", 200, "text/html", b"<html>Too Many Requests</html>", NOW)
    mentions, errors = parse_pages(
        "reddit", [Page("u", 200, "application/json", odd, NOW), html_page], NOW
    )
    assert mentions == []
    assert errors[0] == "listing child of kind 't5' is not a post (t3) or comment (t1)"
    assert errors[1] == "item is a str, not an object"
    assert errors[2].startswith("response is not valid JSON")
    x_body = (FIXTURES.parent / "x" / "search_page3.json").read_bytes()
    error_object = b'{"message": "Forbidden", "error": 403}'
    _, errors = parse_pages(
        "reddit",
        [Page("u", 200, "application/json", b, NOW) for b in (x_body, error_object)],
        NOW,
    )
    assert errors == ["not a Reddit listing: no data.children list"] * 2


def test_self_post_maps_every_canonical_field():
    [review] = [
        item.payload
        for item in reddit.items(page("search_page1.json"))
        if item.payload["data"].get("id") == "1p2velo"
    ]
    assert reddit.to_mention(review) == {
        "source_id": "t3_1p2velo",
        "url": "https://www.reddit.com/r/bikecommuting/comments/1p2velo/"
        "velora_city_after_6_months_2000_km_honest_review/",
        "published_at": 1795200137.0,
        "title": "Velora City after 6 months & 2,000 km: honest review",
        "text": "TL;DR: I <3 the motor, but the battery & the app need work. The **Velora City** "
        "has been my daily ride since May (12 km each way, Paris -> Montreuil). Range is closer "
        "to 45 km than the advertised 70 km once it's below 10°C. > Would I buy it again? "
        "Probably, if they fix the app.",
        "author_id": "t2_8xk2m1qz",
        "author_name": "pedal_pushing_paris",
        "author_followers": None,  # subreddit_subscribers is the community, not the author
        "likes": 412,
        "comments": 87,
        "shares": 2,
        "is_repost": False,
    }
    [mention, *_], _ = parse_pages("reddit", [page("search_page1.json")], NOW)
    assert mention["published_at"] == datetime(2026, 11, 20, 18, 42, 17, tzinfo=UTC)
    assert mention["lang"] is None and mention["flags"] == []
    assert mention["reach_estimate"] == 412 + 87 + 2


def test_crossposts_link_posts_deleted_authors_and_removed_text():
    mentions, _ = parse_pages("reddit", [page("search_page1.json"), page("search_page2.json")], NOW)
    by_id = {m["source_id"]: m for m in mentions}
    crosspost = by_id["t3_1p2vx3c"]
    assert crosspost["flags"] == ["repost"] and crosspost["text"] == crosspost["title"]
    assert crosspost["url"].startswith("https://www.reddit.com/r/ebikes/comments/1p2vx3c/")
    link = by_id["t3_1p2uw2m"]
    assert link["author_id"] is None and link["author_name"] is None
    assert link["text"] == "Velora rappelle 12 000 batteries de vélos électriques en France"
    assert (link["likes"], link["comments"], link["shares"]) == (1290, 342, 0)
    assert by_id["t3_1p2ui7k"]["text"] == (
        "Ma Velora Trail fait un bruit bizarre depuis la mise à jour… "
        "le SAV m'a répondu en 3 semaines >:("
    )
    assert by_id["t3_1p2tz01"]["text"] == "Cyclane vs Velora for a 15 km commute?"  # [removed]


def test_comments_map_body_and_never_negative_likes():
    mentions, errors = parse_pages("reddit", [page("comments.json")], NOW)
    [comment] = mentions
    assert comment["source_id"] == "t1_mb1x9k2" and comment["title"] is None
    assert comment["text"] == (
        "> battery lasts 40 km Mine does 55 km in eco mode & I'm 90 kg. Velora support <3"
    )
    assert comment["url"] == (
        "https://www.reddit.com/r/velora/comments/1p2velo/"
        "velora_city_after_6_months_2000_km_honest_review/mb1x9k2/"
    )
    assert comment["likes"] == 0 and comment["comments"] is None and comment["shares"] is None
    assert comment["author_name"] == "eco_mode_only"
    assert errors == ["comment body is removed, deleted or empty"]


def test_vigie_parse_reads_a_saved_search_body():
    results = list(parse_file("reddit", FIXTURES / "search_page1.json"))
    parsed = [m for m, error in results if m]
    assert [m["source_id"] for m in parsed] == ["t3_1p2velo", "t3_1p2vx3c", "t3_1p2uw2m"]
    assert [error for _, error in results if error] == ["item 4: t3 item has neither id nor name"]
