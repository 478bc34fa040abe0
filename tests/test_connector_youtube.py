"""The YouTube connector (commentThreads + search) against a real server on 127.0.0.1."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from connectors import get_connector
from connectors.base import MalformedItem, Window
from connectors.http import Page, RequestError
from connectors.youtube import DAY, CommentThreads, DailyQuota, VideoSearch, YouTubeConnector
from pipelines.parse import parse_file
from tests.connector_kit import collect_once, parse_pages, test_client
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "youtube"
THREADS = "/youtube/v3/commentThreads"
SEARCH = "/youtube/v3/search"
KEY = "AIzaSy-test-key-0123456789"
VIDEO = "Vel0raE2rev"
CHANNEL = "UCv3l0raOfficialChannel1"
RIVAL = "UCc0wboyBikesOfficial001"
WINDOW = Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
NOW = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)
JSON = {"Content-Type": "application/json; charset=UTF-8"}
youtube = get_connector("youtube")


def body(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def ok(name: str, **kwargs) -> Reply:
    return Reply(200, body(name), JSON, **kwargs)


def page(name: str) -> Page:
    return Page(f"file:///{name}.json", 200, "application/json", body(name), NOW)


def params(base: str, **watch) -> dict:
    return {"base_url": base, **(watch or {"comments_on_videos": [VIDEO]})}


def sent(script) -> list[dict[str, str]]:
    """The query string of every GET, one value per name."""
    return [
        {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()} for path, _ in script.requests
    ]


def paths(script) -> list[str]:
    return [urlsplit(path).path for path, _ in script.requests]


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("VIGIE_YOUTUBE_API_KEY", KEY)


@pytest.fixture(autouse=True)
def fresh_budgets(monkeypatch):
    """The daily budgets live on the classes for the whole process: each test starts empty."""
    for stream in (CommentThreads, VideoSearch):
        declared = stream.budget
        fresh = DailyQuota(declared.requests, declared.per_seconds, endpoint=declared.endpoint)
        monkeypatch.setattr(stream, "budget", fresh)


def test_comment_threads_are_paged_to_the_end(tmp_path):
    with loopback() as (base, script):
        script.on(
            THREADS, ok("comment_threads_p1"), ok("comment_threads_p2"), ok("comment_threads_p3")
        )
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "youtube", params(base), WINDOW, http)
    assert outcome.error is None and len(outcome.batch.pages) == 3
    first, second, third = sent(script)
    assert first == {
        "part": "snippet,replies",
        "videoId": VIDEO,
        "order": "time",
        "maxResults": "100",
        "textFormat": "plainText",
        "key": KEY,
    }
    assert "pageToken" not in first
    assert second["pageToken"] == "QURTSl9pMnRmYjBfZ2JvVl9BU3E"
    assert third["pageToken"] == "QURTSl9pMnRmYjBfZ2JvVl9BU3I"
    assert sleeps == []
    mentions, errors = parse_pages("youtube", list(outcome.batch.read_pages()), now=NOW)
    # 3 threads + 2 replies on page 1, 1 good thread on page 2, 2 threads on page 3.
    assert len(mentions) == 8 and len(errors) == 2


def test_comment_paging_stops_once_a_whole_page_is_older_than_the_window(tmp_path):
    with loopback() as (base, script):
        # The old page still offers a next token: it must not be followed.
        script.on(
            THREADS, ok("comment_threads_p1"), ok("comment_threads_old"), ok("comment_threads_p3")
        )
        http, _ = test_client()
        outcome = collect_once(tmp_path, "youtube", params(base), WINDOW, http)
    assert outcome.error is None
    assert len(script.requests) == 2 and len(outcome.batch.pages) == 2


def test_each_watched_video_channel_query_and_rival_is_its_own_chain(tmp_path):
    watch = {
        "comments_on_videos": [VIDEO],
        "comments_on_channels": [CHANNEL],
        "search_queries": ["velora e-bike"],
        "uploads_of_channels": [RIVAL],
        "relevance_language": "fr",
        "region_code": "fr",
    }
    with loopback() as (base, script):
        script.on(THREADS, ok("comment_threads_p3"))
        script.on(SEARCH, ok("search_p3"))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "youtube", params(base, **watch), WINDOW, http)
    assert outcome.error is None and len(outcome.batch.pages) == 4
    assert paths(script) == [THREADS, THREADS, SEARCH, SEARCH]
    video, channel, query, rival = sent(script)
    assert video["videoId"] == VIDEO and "allThreadsRelatedToChannelId" not in video
    assert channel["allThreadsRelatedToChannelId"] == CHANNEL and "videoId" not in channel
    assert channel["order"] == "time"
    window = {
        "part": "snippet",
        "type": "video",
        "order": "date",
        "publishedAfter": "2026-11-20T00:00:00Z",
        "publishedBefore": "2026-11-21T00:00:00Z",
        "maxResults": "50",
        "relevanceLanguage": "fr",
        "regionCode": "FR",
        "key": KEY,
    }
    assert query == {**window, "q": "velora e-bike"}
    assert rival == {**window, "channelId": RIVAL}


def test_search_is_paged_to_the_end(tmp_path):
    with loopback() as (base, script):
        script.on(SEARCH, ok("search_p1"), ok("search_p2"), ok("search_p3"))
        http, _ = test_client()
        outcome = collect_once(
            tmp_path, "youtube", params(base, search_queries=["velora"]), WINDOW, http
        )
    assert outcome.error is None and len(outcome.batch.pages) == 3
    assert [q.get("pageToken") for q in sent(script)] == [None, "CDIQAA", "CGQQAA"]
    mentions, errors = parse_pages("youtube", list(outcome.batch.read_pages()), now=NOW)
    assert [m["source_id"] for m in mentions] == [
        "kX9vB2nM4qL",
        "pQ3wE5rT7yU",
        "aZ1sX2cV3bN",
        "mN8bV7cX6zL",
        "qW2eR4tY6uI",
    ]
    assert errors == ["search result has no id.videoId"]


def test_incremental_reruns(tmp_path):
    with loopback() as (base, script):
        script.on(SEARCH, ok("search_p3"))
        http, _ = test_client()
        watch = params(base, search_queries=["velora"])
        first = collect_once(tmp_path, "youtube", watch, WINDOW, http)
        again = collect_once(tmp_path, "youtube", watch, WINDOW, http)
        assert first.batch is not None and not first.already_landed
        assert again.already_landed and len(script.requests) == 1  # no HTTP for a landed window
        later = WINDOW.end + timedelta(hours=2, minutes=30)
        following = collect_once(tmp_path, "youtube", watch, None, http, now=later)
    assert following.window == Window(WINDOW.end, WINDOW.end + timedelta(hours=2))
    last = sent(script)[-1]
    assert last["publishedAfter"] == "2026-11-21T00:00:00Z"
    assert last["publishedBefore"] == "2026-11-21T02:00:00Z"


def test_429_waits_for_retry_after(tmp_path):
    with loopback() as (base, script):
        script.on(THREADS, Reply(429, b"", {"Retry-After": "7"}), ok("comment_threads_p3"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "youtube", params(base), WINDOW, http)
    assert outcome.error is None and len(outcome.batch.pages) == 1
    assert sleeps == [7.0] and len(script.requests) == 2


def test_500_on_page_3_is_retried(tmp_path):
    with loopback() as (base, script):
        script.on(
            THREADS,
            ok("comment_threads_p1"),
            ok("comment_threads_p2"),
            Reply(500, b'{"error": {"code": 500, "message": "Internal error"}}', JSON),
            ok("comment_threads_p3"),
        )
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "youtube", params(base), WINDOW, http)
    assert outcome.error is None and len(outcome.batch.pages) == 3
    assert len(script.requests) == 4 and len(sleeps) == 1  # one backoff before the retry
    assert sent(script)[2] == sent(script)[3]  # the same page asked again


def test_timeout_is_reported_as_an_error(tmp_path):
    with loopback() as (base, script):
        script.on(THREADS, ok("comment_threads_p1", delay=1.0))
        http, _ = test_client(timeout=0.2, retries=1)
        outcome = collect_once(tmp_path, "youtube", params(base), WINDOW, http)
    assert outcome.batch is None
    assert (
        "no answer within the timeout" in outcome.error and "gave up after 2 tries" in outcome.error
    )
    assert KEY not in outcome.error


def test_malformed_items_are_quarantined_while_the_page_parses():
    mentions, errors = parse_pages("youtube", [page("comment_threads_p2")], now=NOW)
    assert [m["source_id"] for m in mentions] == ["UgzN5mB4vC3xZ2aS1dF0AaABAg"]
    assert errors == [
        "comment has no id",
        "comment UgxBadDate000000000000AaABAg: unparseable publishedAt 'yesterday'",
    ]
    broken = [
        b"<html>Service Unavailable</html>",
        b'{"error": {"code": 403, "message": "quota"}}',
        b'{"items": {}}',
    ]
    for text in broken:
        mentions, errors = parse_pages("youtube", [Page("x", 200, "", text, NOW)], now=NOW)
        assert mentions == [] and len(errors) == 1
    unknown = youtube.items(
        Page("x", 200, "", b'{"items": [{"kind": "youtube#playlist"}, 3]}', NOW)
    )
    reasons = []
    for item in unknown:
        try:
            reasons.append(item.error or youtube.to_mention(item.payload))
        except Exception as exc:
            reasons.append(str(exc))
    assert reasons == ["unexpected item kind 'youtube#playlist'", "item is a int, not an object"]


def test_empty_results(tmp_path):
    with loopback() as (base, script):
        script.on(SEARCH, ok("search_empty"))
        http, _ = test_client()
        outcome = collect_once(
            tmp_path, "youtube", params(base, search_queries=["nothing"]), WINDOW, http
        )
    assert outcome.error is None and len(script.requests) == 1
    assert parse_pages("youtube", list(outcome.batch.read_pages()), now=NOW) == ([], [])


def test_key_is_sent_in_the_query_and_kept_out_of_landed_files(tmp_path):
    with loopback() as (base, script):
        script.on(THREADS, ok("comment_threads_p3"))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "youtube", params(base), WINDOW, http)
    assert sent(script)[0]["key"] == KEY
    landed = "".join(p.read_text("utf-8") for p in outcome.batch.path.rglob("*") if p.is_file())
    assert KEY not in landed


def test_missing_key_is_a_config_error_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("VIGIE_YOUTUBE_API_KEY")
    with loopback() as (base, script):
        http, _ = test_client()
        outcome = collect_once(tmp_path, "youtube", params(base), WINDOW, http)
        assert outcome.batch is None and "VIGIE_YOUTUBE_API_KEY" in outcome.error
        custom = {**params(base), "api_key_env": "MY_YT_KEY"}
        outcome = collect_once(tmp_path, "youtube", custom, WINDOW, http, name="q2")
        assert outcome.batch is None and "MY_YT_KEY" in outcome.error
    assert script.requests == []


def test_403_explains_quota_and_disabled_comments_without_leaking_the_key(tmp_path):
    error = b'{"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded"}]}}'
    with loopback() as (base, script):
        script.on(THREADS, Reply(403, error, JSON))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "youtube", params(base), WINDOW, http)
    assert outcome.batch is None and "HTTP 403" in outcome.error
    assert "quotaExceeded" in outcome.error and "commentsDisabled" in outcome.error
    assert KEY not in outcome.error and len(script.requests) == 1


def test_daily_budgets_refuse_instead_of_sleeping(tmp_path, monkeypatch):
    assert (CommentThreads.budget.requests, CommentThreads.budget.per_seconds) == (4_000, DAY)
    assert (VideoSearch.budget.requests, VideoSearch.budget.per_seconds) == (50, DAY)
    monkeypatch.setattr(VideoSearch, "budget", DailyQuota(1, DAY, endpoint="search"))
    with loopback() as (base, script):
        script.on(SEARCH, ok("search_p1"), ok("search_p2"))
        http, sleeps = test_client()
        outcome = collect_once(
            tmp_path, "youtube", params(base, search_queries=["velora"]), WINDOW, http
        )
    assert len(script.requests) == 1 and sleeps == []
    assert outcome.batch is None
    assert "search: this run has used its budget of 1 calls per day" in outcome.error
    quota = DailyQuota(2, DAY, endpoint="commentThreads")
    quota.take(sleeps)
    quota.take(sleeps)
    with pytest.raises(RequestError, match="commentThreads: this run has used its budget of 2"):
        quota.take(sleeps)
    assert sleeps == []


def test_top_level_comment_mapping():
    fields = youtube.to_mention(json.loads(body("comment_threads_p1"))["items"][0])
    assert fields == {
        "source_id": "UgzQ7bVxk3Lr9aHc2Nd4AaABAg",
        "url": "https://www.youtube.com/watch?v=Vel0raE2rev&lc=UgzQ7bVxk3Lr9aHc2Nd4AaABAg",
        "published_at": "2026-11-20T21:40:12Z",
        "title": None,
        "text": "Ma batterie Velora a lâché après 3 semaines… le SAV ne répond pas 😡",
        "author_id": "UCm4rieDupont00000000001",
        "author_name": "@marie.dupont",
        "author_followers": None,
        "lang": None,
        "likes": 42,
        "shares": None,
        "comments": 2,
        "is_repost": False,
        "reply_to": VIDEO,  # a top-level comment answers its video
    }
    [top, *_], _ = parse_pages("youtube", [page("comment_threads_p1")], now=NOW)
    assert top["published_at"] == datetime(2026, 11, 20, 21, 40, 12, tzinfo=UTC)
    assert top["author_id"] not in (None, "UCm4rieDupont00000000001")  # pseudonymized
    assert top["reach_estimate"] == 44 and top["flags"] == []


def test_replies_become_mentions_of_their_own():
    mentions, _ = parse_pages("youtube", [page("comment_threads_p1")], now=NOW)
    reply = next(m for m in mentions if m["author_name"] == "@VeloraOfficial")
    assert reply["source_id"] == "UgzQ7bVxk3Lr9aHc2Nd4AaABAg.9vKp3XzL0aE9vKpB2mQx7T"
    assert reply["url"] == (
        "https://www.youtube.com/watch?v=Vel0raE2rev"
        "&lc=UgzQ7bVxk3Lr9aHc2Nd4AaABAg.9vKp3XzL0aE9vKpB2mQx7T"
    )
    assert reply["text"].startswith("Bonjour Marie, nous sommes désolés !")
    assert reply["published_at"] == datetime(2026, 11, 20, 22, 5, tzinfo=UTC)
    assert (reply["likes"], reply["comments"], reply["title"]) == (3, None, None)
    assert reply["reply_to"] == "UgzQ7bVxk3Lr9aHc2Nd4AaABAg"  # its top-level comment
    plain = next(m for m in mentions if m["author_name"] == "@jb_rides")
    assert plain["text"] == "Same here <3 mine died too & support ghosted me"  # not HTML
    # A reply without the thread's context still finds its video from its own snippet.
    items = list(youtube.items(page("comment_threads_p1")))
    bare = {k: v for k, v in items[1].payload.items() if k != "_thread"}
    assert youtube.to_mention(bare)["url"].startswith("https://www.youtube.com/watch?v=Vel0raE2rev")


def test_search_result_mapping():
    fields = youtube.to_mention(json.loads(body("search_p1"))["items"][0])
    assert fields == {
        "source_id": "kX9vB2nM4qL",
        "url": "https://www.youtube.com/watch?v=kX9vB2nM4qL",
        "published_at": "2026-11-20T18:30:00Z",
        "title": "Velora E2 review: it's fast & quiet",
        "text": 'After 3 months with the Velora E2 "urban" e-bike, here is what I think about '
        "the battery, the app and the ...",
        "author_id": "UCcycleTechReviews000001",
        "author_name": "Cycle Tech Reviews",
        "author_followers": None,
        "lang": None,
        "likes": None,
        "shares": None,
        "comments": None,
        "is_repost": False,
        "reply_to": None,
    }
    mentions, _ = parse_pages("youtube", [page("search_p2")], now=NOW)
    no_description = next(m for m in mentions if m["source_id"] == "mN8bV7cX6zL")
    assert no_description["text"] == no_description["title"] == "Velora vs Cowboy: range test"


def test_html_format_comments_are_stripped():
    [mention], errors = parse_pages("youtube", [page("comment_threads_html")], now=NOW)
    assert errors == []
    assert mention["text"] == (
        "Anyone else's display flickering at night? Mine does it after 10 pm, see 1:35 & after"
    )


def test_vigie_parse_reads_a_saved_response(tmp_path):
    results = list(parse_file("youtube", FIXTURES / "search_p2.json"))
    assert [m["source_id"] for m, _ in results if m] == ["aZ1sX2cV3bN", "mN8bV7cX6zL"]
    assert [e for _, e in results if e] == ["item 2: search result has no id.videoId"]


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"comments_on_videos": ["https://www.youtube.com/watch?v=Vel0raE2rev"]},
        {"search_queries": ["  "]},
        {"comments_on_videos": [VIDEO], "base_url": "ftp://x"},
        {"comments_on_videos": [VIDEO], "token": "inline secrets are refused"},
        {"comments_on_videos": [VIDEO], "api_key_env": "AIzaSy-a-pasted-key"},
    ],
)
def test_params_are_checked(bad):
    with pytest.raises(ValidationError):
        youtube.Params.model_validate(bad)


def test_channel_comments_answer_nothing():
    thread = json.loads(body("comment_threads_p1"))["items"][0]
    snippet = {k: v for k, v in thread["snippet"].items() if k != "videoId"}
    top = {k: v for k, v in snippet["topLevelComment"]["snippet"].items() if k != "videoId"}
    snippet["topLevelComment"] = {**snippet["topLevelComment"], "snippet": top}
    fields = youtube.to_mention({**thread, "snippet": snippet})
    assert fields["reply_to"] is None and fields["url"].startswith(
        "https://www.youtube.com/channel/"
    )


CHANNELS = "/youtube/v3/channels"


@pytest.fixture
def fresh_audience_budget(monkeypatch):
    monkeypatch.setattr(
        YouTubeConnector, "audience_budget", DailyQuota(100, DAY, endpoint="channels")
    )


def test_audience_counts_subscribers_of_watched_and_competitor_channels(fresh_audience_budget):
    watch = {"comments_on_channels": [CHANNEL], "uploads_of_channels": [RIVAL]}
    with loopback() as (base, script):
        script.on(CHANNELS, ok("channels"))
        http, _ = test_client()
        parsed = youtube.Params.model_validate(params(base, **watch))
        pages = list(
            youtube.fetch_audience(parsed, [RIVAL, "UCsecretBikesChannel0001", "@cowboy"], http)
        )
    by_id, by_handle = sent(script)
    assert by_id == {
        "part": "snippet,statistics",
        "id": f"{CHANNEL},{RIVAL},UCsecretBikesChannel0001",  # each channel once
        "maxResults": "50",
        "key": KEY,
    }
    assert by_handle["forHandle"] == "@cowboy" and "id" not in by_handle
    counts = list(youtube.audience_counts(pages[0]))
    assert counts == [
        {
            "account_id": CHANNEL,
            "account_name": "Velora Bikes",
            "followers": 20400,
            "observed_at": pages[0].fetched_at,
        },
        {
            "account_id": RIVAL,
            "account_name": "Cowboy & Co",
            "followers": 88100,
            "observed_at": pages[0].fetched_at,
        },
    ]  # Secret Bikes hides its count: left out, not counted as zero
    # account_id is what to_mention gives as author_id for the channel's own videos.
    video = youtube.to_mention(json.loads(body("search_p1"))["items"][0])
    assert video["author_id"].startswith("UC") and len(video["author_id"]) == len(CHANNEL)


def test_audience_refuses_urls_and_reports_quota(fresh_audience_budget):
    with loopback() as (base, script):
        http, _ = test_client()
        parsed = youtube.Params.model_validate(params(base))
        with pytest.raises(Exception, match="neither channel ids nor @handles"):
            list(youtube.fetch_audience(parsed, ["https://youtube.com/@cowboy"], http))
        script.on(
            CHANNELS, Reply(403, b'{"error": {"errors": [{"reason": "quotaExceeded"}]}}', JSON)
        )
        with pytest.raises(RequestError, match="commentsDisabled"):
            list(youtube.fetch_audience(parsed, ["@cowboy"], http))
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            b'{"items": [{"id": "UCx", "statistics": {"subscriberCount": "lots"}}]}',
            "follower count 'lots' is not a count",
        ),
        (b'{"items": [{"statistics": {"subscriberCount": "3"}}]}', "has no account id"),
        (b'{"error": {"code": 400}}', "not a channels list"),
        (b'{"items": {}}', "`items` is not a list"),
    ],
)
def test_malformed_channel_answers_raise(text, reason):
    with pytest.raises(MalformedItem, match=reason):
        list(youtube.audience_counts(Page("x", 200, "", text, NOW)))
