"""The demo corpus: `vigie demo` is only as convincing as its data, and the demo's charts,
spike alert and sentiment tables all assume the properties checked here. The rendered API
answers must also be what each real connector parses, item for item."""

from __future__ import annotations

import re
import statistics
import warnings
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import feedparser
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as EnglishVader

from connectors import get_connector
from connectors.http import Page
from pipelines.demo_corpus import (
    BRAND,
    CAPS,
    COMPETITORS,
    FEEDS,
    KINDS,
    OFFICIAL_ACCOUNTS,
    SOURCES,
    VELORA_CHANNEL,
    X_DAYS,
    DemoPost,
    build_corpus,
    episode_window,
    render_feeds,
    x_window,
)
from pipelines.demo_server import ByParam, Paged, Route
from pipelines.normalize import normalize

END = date(2026, 11, 21)
DAYS = 28
BASE_URL = "http://127.0.0.1:8765"
FORMAT_VERSIONS = {"rss2": "rss20", "atom": "atom10", "rss1": "rss10"}
CONTENT_TYPES = {
    "rss2": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "rss1": "application/rdf+xml; charset=utf-8",
}
FEED_PATHS = {f.path for f in FEEDS}
OPEN_SOURCES = {"rss", "gdelt", "hackernews", "reddit", "mastodon", "bluesky", "appstore"}
REPOSTS = {"retweet", "boost", "repost"}
OFFICIAL_HANDLES = {
    h for a in OFFICIAL_ACCOUNTS.values() for h in (a.x, a.bluesky, a.mastodon, a.youtube)
}


@pytest.fixture(scope="module")
def posts() -> list[DemoPost]:
    return build_corpus(END, credentials=True)


@pytest.fixture(scope="module")
def open_posts() -> list[DemoPost]:
    return build_corpus(END)


@pytest.fixture(scope="module")
def feeds(posts: list[DemoPost]) -> dict[str, Route]:
    return render_feeds(posts, BASE_URL)


@pytest.fixture(scope="module")
def parsed(feeds: dict[str, Route]) -> dict[str, feedparser.FeedParserDict]:
    return {path: feedparser.parse(feeds[path][1]) for path in FEED_PATHS}


def _window() -> tuple[datetime, datetime]:
    return episode_window(END)


def _in_episode(post: DemoPost) -> bool:
    start, stop = _window()
    return start <= post.published_at < stop


def _normal_days() -> list[date]:
    """Days entirely before the episode starts."""
    start, _ = _window()
    first = END - timedelta(days=DAYS)
    return [
        first + timedelta(days=i)
        for i in range(DAYS)
        if datetime.combine(first + timedelta(days=i + 1), datetime.min.time(), UTC) <= start
    ]


def _is_syndicated_pair(group: list[DemoPost]) -> bool:
    return len(group) == 2 and sum(p.feed_path.startswith("/news/") for p in group) == 1


def _owned(post: DemoPost) -> bool:
    """Posted on a channel the brand owns (its app's reviews, its YouTube channel)."""
    return post.source == "appstore" or (post.source == "youtube" and post.place == VELORA_CHANNEL)


def _official(post: DemoPost) -> bool:
    """Posted by a brand: its accounts, or its newsroom in the Google News feeds."""
    newsroom = post.feed_path.startswith("/news/") and post.author in (BRAND, *COMPETITORS)
    return post.handle in OFFICIAL_HANDLES or newsroom


def _community(post: DemoPost) -> bool:
    """Posted by the public: not news, not reviews, not a brand's own account."""
    press = post.source == "gdelt" or post.kind == "video"
    return not (press or post.feed_path.startswith(("/news/", "/reviews/")) or _official(post))


# --- determinism and shape --------------------------------------------------------------------


def test_same_inputs_give_identical_posts_and_bytes(posts, feeds):
    assert build_corpus(END, credentials=True) == posts
    assert render_feeds(build_corpus(END, credentials=True), BASE_URL) == feeds


def test_seed_and_end_change_the_data(posts):
    assert build_corpus(END, seed=8, credentials=True) != posts
    shifted = build_corpus(END + timedelta(days=1), credentials=True)
    assert shifted[-1].published_at.date() == END


def test_episode_window_is_the_last_34_hours():
    start, stop = episode_window(END)
    assert stop == datetime(2026, 11, 21, tzinfo=UTC)
    assert start == datetime(2026, 11, 19, 14, tzinfo=UTC)


def test_dates_are_utc_in_range_and_sorted(posts, open_posts):
    lower = datetime(2026, 10, 24, tzinfo=UTC)
    upper = datetime(2026, 11, 21, tzinfo=UTC)
    for corpus in (posts, open_posts):
        for post in corpus:
            assert post.published_at.utcoffset() == timedelta(0)
            assert lower <= post.published_at < upper
        assert [p.published_at for p in corpus] == sorted(p.published_at for p in corpus)


def test_short_corpus_still_respects_its_range():
    short = build_corpus(END, days=3, seed=1, credentials=True)
    assert short and all(datetime(2026, 11, 18, tzinfo=UTC) <= p.published_at for p in short)


def test_fields_are_well_formed(posts):
    assert len({p.guid for p in posts}) == len(posts)
    titled = {"rss", "gdelt", "hackernews", "reddit", "appstore"}
    for post in posts:
        assert post.source in SOURCES
        assert post.kind in KINDS[post.source], post
        assert post.brand in (BRAND, *COMPETITORS)
        assert post.lang in ("en", "fr")
        assert post.polarity in ("positive", "neutral", "negative")
        assert post.text and post.author
        if post.source in titled or post.kind == "video":
            assert post.title, post
        assert (post.source == "rss") == (post.feed_path in FEED_PATHS)
        parts = urlsplit(post.link)
        assert parts.scheme == "https", post.link
        if post.source in ("rss", "gdelt"):
            assert parts.hostname.endswith(".example"), post.link


def test_every_post_names_its_brand(posts):
    for post in posts:
        if not _owned(post):
            assert post.brand.lower() in f"{post.title} {post.text}".lower(), post


# --- volumes and mixes --------------------------------------------------------------------------


def test_total_brand_and_language_mix(posts):
    assert 1800 <= len(posts) <= 2600
    normal = [p for p in posts if not _in_episode(p)]
    brands = Counter(p.brand for p in normal)
    assert 0.42 <= brands[BRAND] / len(normal) <= 0.58
    assert 0.22 <= brands["Cyclane"] / len(normal) <= 0.38
    assert 0.13 <= brands["Roulix"] / len(normal) <= 0.27
    english = sum(p.lang == "en" for p in posts) / len(posts)
    assert 0.48 <= english <= 0.62


def test_normal_days_volume_and_rhythm(posts):
    per_day = Counter(p.published_at.date() for p in posts)
    normal = _normal_days()
    assert len(normal) == DAYS - 2
    for day in normal:
        assert 45 <= per_day[day] <= 90, (day, per_day[day])
    weekdays = [per_day[d] for d in normal if d.weekday() < 5]
    weekends = [per_day[d] for d in normal if d.weekday() >= 5]
    assert statistics.mean(weekends) < statistics.mean(weekdays) - 6
    hours = Counter(p.published_at.hour for p in posts if p.published_at.date() in normal)
    night = sum(hours[h] for h in range(0, 6))
    daytime = sum(hours[h] for h in range(7, 22))
    assert night < 0.1 * daytime


def test_normal_sentiment_mix(posts):
    for brand, (pos, neu, neg) in {
        BRAND: (0.45, 0.35, 0.20),
        "Cyclane": (0.38, 0.40, 0.22),
        "Roulix": (0.50, 0.32, 0.18),
    }.items():
        mine = [p for p in posts if p.brand == brand and not _in_episode(p)]
        mix = Counter(p.polarity for p in mine)
        assert abs(mix["positive"] / len(mine) - pos) < 0.1, brand
        assert abs(mix["neutral"] / len(mine) - neu) < 0.1, brand
        assert abs(mix["negative"] / len(mine) - neg) < 0.1, brand


def test_texts_are_varied_apart_from_deliberate_copies(posts):
    """Copies are deliberate: syndicated news, reposts and boosts (same words, new id), and
    GDELT headlines (several outlets run the same wire headline)."""
    groups: dict[str, list[DemoPost]] = defaultdict(list)
    for post in posts:
        if post.kind not in REPOSTS and post.source != "gdelt":
            groups[post.text].append(post)
    counted = sum(len(g) for g in groups.values())
    accidental = sum(
        len(g) - 1 for g in groups.values() if len(g) > 1 and not _is_syndicated_pair(g)
    )
    assert accidental / counted < 0.02
    assert len(groups) / counted > 0.95


def test_news_is_syndicated_into_community_feeds(posts):
    news_by_title: dict[str, list[DemoPost]] = defaultdict(list)
    for post in posts:
        if post.feed_path.startswith("/news/"):
            news_by_title[post.title].append(post)
    copies = [
        p
        for p in posts
        if p.source == "rss" and not p.feed_path.startswith("/news/") and p.title in news_by_title
    ]
    assert len(copies) >= 3
    for copy in copies:
        # Same or near-same text (bold tags dropped, or a "(via Outlet)" credit added).
        originals = [
            n
            for n in news_by_title[copy.title]
            if copy.text.startswith((n.text, re.sub(r"</?b>", "", n.text)))
        ]
        assert any(o.published_at < copy.published_at for o in originals), copy
        assert copy.feed_path in ("/community/riders.atom", "/forum/velo-communaute.atom")


def test_recurring_advocates_detractors_and_official_accounts(posts):
    authors = {(p.source, p.author) for p in posts}
    assert 300 <= len(authors) <= 900
    velora_by_author: dict[tuple[str, str], list[str]] = defaultdict(list)
    for post in posts:
        if post.brand == BRAND and _community(post):
            velora_by_author[(post.source, post.author)].append(post.polarity)
    advocates = [
        a for a, pols in velora_by_author.items() if len(pols) >= 5 and set(pols) == {"positive"}
    ]
    detractors = [
        a for a, pols in velora_by_author.items() if len(pols) >= 4 and set(pols) == {"negative"}
    ]
    assert len(advocates) >= 3 and len(detractors) >= 3
    # They stick to one venue each, as people do, so each shows up as one author.
    assert len({source for source, _ in advocates + detractors}) >= 2
    for rival in COMPETITORS:
        account = OFFICIAL_ACCOUNTS[rival]
        newsroom = [p for p in posts if p.author == rival and p.source == "rss"]
        assert len(newsroom) >= 3
        assert all(
            p.brand == rival and p.feed_path == f"/news/{rival.lower()}.rss" for p in newsroom
        )
        own = Counter(p.source for p in posts if p.handle in (account.x, account.bluesky))
        own.update(p.source for p in posts if p.handle in (account.mastodon, account.youtube))
        assert own["bluesky"] >= 8 and own["mastodon"] >= 5, own
        assert own["x"] >= 3 and own["youtube"] >= 2, own  # X: its last days only


# --- sources ------------------------------------------------------------------------------------


def test_sources_mix_like_a_real_brand(posts):
    share = {s: n / len(posts) for s, n in Counter(p.source for p in posts).items()}
    assert set(share) == set(SOURCES)
    assert 0.2 <= share["rss"] <= 0.4  # Google News, forums, the review blog
    for social in ("bluesky", "mastodon", "youtube"):
        assert 0.08 <= share[social] <= 0.2, social
    assert 0.05 <= share["x"] <= 0.12  # six days only
    assert 0.04 <= share["gdelt"] <= 0.1
    for small in ("reddit", "hackernews", "appstore"):
        assert 0.015 <= share[small] <= 0.06, small
    kinds = Counter((p.source, p.kind) for p in posts)
    for source, kind in [
        ("x", "retweet"),
        ("mastodon", "boost"),
        ("bluesky", "repost"),
        ("youtube", "reply"),
        ("youtube", "video"),
        ("hackernews", "story"),
        ("hackernews", "comment"),
    ]:
        assert kinds[source, kind] >= 3, (source, kind)


def test_each_source_keeps_to_what_one_request_serves(posts):
    per_source = Counter(p.source for p in posts)
    assert per_source["gdelt"] <= CAPS["gdelt"] < 250  # a full 250 would make GDELT slice
    assert per_source["reddit"] <= CAPS["reddit"]
    storefronts = Counter(p.place for p in posts if p.source == "appstore")
    assert set(storefronts) == {"gb", "fr"} and max(storefronts.values()) <= CAPS["appstore"]
    hn = [p for p in posts if p.source == "hackernews"]
    for query in (*COMPETITORS, BRAND):
        hits = [p for p in hn if query.lower() in f"{p.title} {p.text}".lower()]
        assert len(hits) < 1000  # Algolia's cap: nbHits above it would split the window


def test_where_things_appear(posts):
    x_start, x_stop = x_window(END)
    assert x_stop - x_start == timedelta(days=X_DAYS)
    for post in posts:
        if post.source == "x":
            assert x_start <= post.published_at < x_stop
        if post.source == "appstore":
            assert post.brand == BRAND and post.rating in range(1, 6)
        if post.source == "gdelt":
            assert post.title == post.text and post.published_at.minute % 15 == 0
        if post.source == "youtube" and post.kind != "video":
            channel = OFFICIAL_ACCOUNTS[post.brand].youtube
            assert post.place == channel  # comments go under the brand's own videos
    stars = {p.polarity: [] for p in posts}
    for post in posts:
        if post.source == "appstore":
            stars[post.polarity].append(post.rating)
    assert statistics.mean(stars["positive"]) > 4 > 2 > statistics.mean(stars["negative"])


def test_reposts_and_replies_point_at_earlier_posts(posts):
    by_guid = {p.guid: p for p in posts}
    for post in posts:
        if post.kind in REPOSTS or post.kind == "reply":
            parent = by_guid[post.parent]
            assert parent.source == post.source and parent.published_at < post.published_at
            assert parent.brand == post.brand
        if post.kind in ("boost", "repost"):
            assert post.text == parent.text and post.link == parent.link
            assert post.handle in OFFICIAL_HANDLES  # competitors spreading praise of them
        if post.kind == "retweet":
            assert post.text.startswith("RT @") and post.shares == parent.shares
    replies = Counter(p.parent for p in posts if p.kind == "reply")
    for guid, count in replies.items():
        assert by_guid[guid].replies >= count  # totalReplyCount covers the replies given


def test_audiences_and_engagement_are_heavy_tailed(posts):
    followers = [p.followers for p in posts if p.source == "x" and p.kind == "post"]
    assert max(followers) > 100 * statistics.median(followers)
    for source in ("x", "mastodon", "bluesky", "reddit", "youtube"):
        likes = sorted(p.likes or 0 for p in posts if p.source == source and p.kind not in REPOSTS)
        top = likes[-max(1, len(likes) // 20) :]
        assert sum(top) > 0.25 * sum(likes), source  # the top 5% hold a good share
    # What "needs a response" ranks: angry posts with a big audience on the last day.
    last_day = END - timedelta(days=1)
    angry = [
        p
        for p in posts
        if p.brand == BRAND and p.polarity == "negative" and p.published_at.date() == last_day
    ]
    assert sum((p.followers or 0) > 20_000 for p in angry) >= 3


def test_without_credentials_only_open_paths_are_used(open_posts, posts):
    assert {p.source for p in open_posts} == OPEN_SOURCES
    bluesky = [p for p in open_posts if p.source == "bluesky"]
    assert bluesky and all(p.handle in OFFICIAL_HANDLES for p in bluesky)  # author feeds only
    assert abs(len(open_posts) - len(posts)) < 0.1 * len(posts)  # the same month, elsewhere


# --- the negative episode -----------------------------------------------------------------------


def test_episode_is_a_visible_negative_spike(posts):
    start, stop = _window()
    velora_daily = Counter(p.published_at.date() for p in posts if p.brand == BRAND)
    median = statistics.median(velora_daily[d] for d in _normal_days())
    episode = [p for p in posts if p.brand == BRAND and _in_episode(p)]
    per_day = len(episode) / ((stop - start) / timedelta(days=1))
    assert per_day >= 4 * median
    assert sum(p.polarity == "negative" for p in episode) / len(episode) >= 0.70
    assert Counter(p.lang for p in episode).keys() == {"en", "fr"}
    last_day = END - timedelta(days=1)
    assert velora_daily[last_day] == max(velora_daily.values())


def test_episode_shows_on_the_social_sources_too(posts):
    last_day = END - timedelta(days=1)
    for source in ("x", "bluesky", "mastodon", "youtube", "appstore", "rss"):
        mine = [p for p in posts if p.source == source and p.brand == BRAND]
        daily = Counter(p.published_at.date() for p in mine)
        before = [daily[d] for d in _normal_days() if d >= x_window(END)[0].date()]
        usual = statistics.mean(before) if source == "x" else statistics.median(daily.values())
        assert daily[last_day] >= 2 * usual, (source, daily[last_day], usual)
        angry = [p for p in mine if p.published_at.date() == last_day]
        assert sum(p.polarity == "negative" for p in angry) / len(angry) > 0.5, source


def test_episode_vocabulary_recurs_in_both_languages(posts):
    episode = [p for p in posts if p.brand == BRAND and _in_episode(p)]
    text = {
        lang: " ".join(p.text.lower() for p in episode if p.lang == lang) for lang in ("en", "fr")
    }
    for term in ("battery", "overheat", "recall", r"app (is |has been )?down", "#velorarecall"):
        assert len(re.findall(term, text["en"])) >= 3, term
    for term in ("batterie", "surchauffe", "rappel", "appli (est )?en panne", "#rappelvelora"):
        assert len(re.findall(term, text["fr"])) >= 3, term
    before = [p for p in posts if p.brand == BRAND and not _in_episode(p)]
    assert not any("#VeloraRecall" in p.text or "#RappelVelora" in p.text for p in before)


def test_competitors_see_a_small_comparison_bump(posts):
    start, _ = _window()
    for rival in COMPETITORS:
        during = [p for p in posts if p.brand == rival and _in_episode(p)]
        assert any(BRAND in p.text for p in during), rival
        before = [p for p in posts if p.brand == rival and p.published_at < start]
        assert not any("recall" in p.text.lower() or "rappel" in p.text.lower() for p in before)


# --- feeds ----------------------------------------------------------------------------------------


def test_feed_languages_match_their_posts(posts):
    for feed in FEEDS:
        langs = {p.lang for p in posts if p.feed_path == feed.path}
        assert langs == ({"en", "fr"} if feed.lang == "mixed" else {feed.lang}), feed.path


def test_every_feed_is_rendered_with_its_content_type(feeds):
    assert set(feeds) >= FEED_PATHS
    for feed in FEEDS:
        content_type, body = feeds[feed.path]
        assert content_type == CONTENT_TYPES[feed.format]
        assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        body.decode("utf-8")


def test_feeds_parse_cleanly_with_absolute_links_and_dates(posts, parsed):
    for feed in FEEDS:
        result = parsed[feed.path]
        mine = {p.guid: p for p in posts if p.feed_path == feed.path}
        assert result.bozo == 0, (feed.path, result.get("bozo_exception"))
        assert result.version == FORMAT_VERSIONS[feed.format]
        assert result.feed.title == feed.title
        assert len(result.entries) == len(mine) > 0
        for entry in result.entries:
            post = mine[entry.id]
            assert entry.link == post.link
            assert urlsplit(entry.link).hostname.endswith(".example")
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            assert datetime(*stamp[:6], tzinfo=UTC) == post.published_at
            assert entry.title == post.title
            assert entry.author == post.author


def test_forum_feed_exercises_relative_link_resolution(feeds, parsed):
    body = feeds["/forum/velo-communaute.atom"][1].decode()
    assert 'xml:base="https://forum-velo.example/"' in body
    assert 'href="/t/' in body and 'href="https://forum-velo.example/t/' not in body
    assert all(
        e.link.startswith("https://forum-velo.example/t/")
        for e in parsed["/forum/velo-communaute.atom"].entries
    )


def test_google_news_items_carry_source_and_escaped_html(feeds, parsed):
    body = feeds["/news/velora-en.rss"][1].decode()
    assert "&lt;b&gt;Velora&lt;/b&gt;" in body and "<source url=" in body
    assert f'href="{BASE_URL}/news/velora-en.rss"' in body
    entries = parsed["/news/velora-en.rss"].entries
    assert entries[0].source.title == entries[0].title.rsplit(" - ", 1)[1]
    rfc822 = r"<pubDate>\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT</pubDate>"
    assert len(re.findall(rfc822, body)) == len(entries)


def test_empty_input_still_renders_valid_feeds_and_empty_listings():
    routes = render_feeds([], BASE_URL)
    for path in FEED_PATHS:
        result = feedparser.parse(routes[path][1])
        assert result.bozo == 0 and result.entries == [], path
    for source in SOURCES:
        mentions, errors = _parse_source(routes, source)
        assert mentions == [] and errors == [], source


# --- the API shapes, through the real connectors ------------------------------------------------

SOURCE_OF_PATH = [
    ("rss", lambda path: path in FEED_PATHS),
    ("gdelt", lambda path: path == "/api/v2/doc/doc"),
    ("hackernews", lambda path: path == "/api/v1/search_by_date"),
    ("reddit", lambda path: path == "/search.json"),
    ("mastodon", lambda path: path.startswith("/api/v1/")),
    ("bluesky", lambda path: path.startswith("/xrpc/app.bsky.feed.")),
    ("x", lambda path: path == "/2/tweets/search/recent"),
    ("youtube", lambda path: path.startswith("/youtube/v3/")),
    ("appstore", lambda path: "/rss/customerreviews/" in path),
]


def _answers(route: Route) -> list[tuple[str, bytes]]:
    """Every body a route can give: all pages of all parameter values."""
    if isinstance(route, tuple):
        return [route]
    if isinstance(route, Paged):
        return [(route.content_type, body) for _, body in route.pages] + [
            (route.content_type, route.empty)
        ]
    assert isinstance(route, ByParam)
    found = [a for _, choice in route.choices for a in _answers(choice)]
    return found + (_answers(route.default) if route.default is not None else [])


def _parse_source(routes: dict[str, Route], source: str) -> tuple[list[dict], list[str]]:
    """Every served body of a source through its connector's items -> to_mention, then
    normalize, as `vigie process` does."""
    matches = dict(SOURCE_OF_PATH)[source]
    connector = get_connector(source)
    now = datetime(2026, 11, 21, 0, 5, tzinfo=UTC)
    mentions: dict[str, dict] = {}
    errors: list[str] = []
    for path, route in routes.items():
        if path.startswith("POST ") or not matches(path):
            continue
        for content_type, body in _answers(route):
            page = Page(f"{BASE_URL}{path}", 200, content_type, body, now)
            for item in connector.items(page):
                if item.error:
                    errors.append(item.error)
                    continue
                fields = connector.to_mention(item.payload)
                mention = normalize(fields, source=source, fetched_at=now, author_key=b"k")
                mentions[mention["source_id"]] = {**fields, **mention}
    return list(mentions.values()), errors


def _author_name(post: DemoPost) -> str:
    """How each connector names the author."""
    if post.source in ("x", "reddit", "hackernews", "gdelt"):
        return post.handle
    if post.source == "youtube" and post.kind != "video":
        return f"@{post.handle}"
    return post.author


@pytest.mark.parametrize("source", SOURCES)
def test_every_served_item_maps_with_its_connector(posts, feeds, source):
    mentions, errors = _parse_source(feeds, source)
    assert errors == []
    mine = {p.guid: p for p in posts if p.source == source}
    assert {m["source_id"] for m in mentions} == set(mine)
    for mention in mentions:
        post = mine[mention["source_id"]]
        assert mention["published_at"] == post.published_at, post
        assert mention["url"] == post.link
        assert mention["author_name"] == _author_name(post), post
        assert mention["author_followers"] == post.followers
        assert mention["likes"] == post.likes
        assert mention["shares"] == post.shares
        assert mention["comments"] == post.replies
        assert ("repost" in mention["flags"]) == (post.kind in REPOSTS)
        if source != "rss":  # feed bodies carry a little HTML that the connector strips
            assert mention["text"] == post.text, post
        if source in ("x", "mastodon", "bluesky"):
            assert mention["lang"] == post.lang
        if source == "appstore":
            assert (
                mention["title"] == "★" * post.rating + "☆" * (5 - post.rating) + f" {post.title}"
            )
        else:
            assert (mention["title"] or "") == post.title, post


# --- sentiment: the intended polarity is what VADER reads ---------------------------------------


def _french_vader():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fuzzywuzzy warns about an optional speed-up
        from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer
    return SentimentIntensityAnalyzer()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_vader_agrees_with_intended_polarity(posts, lang):
    analyzer = EnglishVader() if lang == "en" else _french_vader()
    scores: dict[str, list[float]] = defaultdict(list)
    for post in posts:
        # GDELT gives headlines only; copies score as their originals do.
        if post.lang == lang and post.source != "gdelt" and post.kind not in REPOSTS:
            scores[post.polarity].append(analyzer.polarity_scores(post.text)["compound"])
    mean = {polarity: statistics.mean(values) for polarity, values in scores.items()}
    assert sum(c >= 0.05 for c in scores["positive"]) / len(scores["positive"]) > 0.9
    assert sum(c <= -0.05 for c in scores["negative"]) / len(scores["negative"]) > 0.9
    assert mean["positive"] > 0.4 and mean["negative"] < -0.4
    assert mean["positive"] - mean["negative"] > 1.0
    assert mean["negative"] < mean["neutral"] < mean["positive"]
    assert abs(mean["neutral"]) < 0.2
