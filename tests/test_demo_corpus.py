"""The demo corpus: `vigie demo` is only as convincing as its data, and the demo's charts,
spike alert and sentiment tables all assume the properties checked here."""

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

from pipelines.demo_corpus import (
    BRAND,
    COMPETITORS,
    FEEDS,
    DemoPost,
    build_corpus,
    episode_window,
    render_feeds,
)

END = date(2026, 11, 21)
DAYS = 28
BASE_URL = "http://127.0.0.1:8765"
FORMAT_VERSIONS = {"rss2": "rss20", "atom": "atom10", "rss1": "rss10"}
CONTENT_TYPES = {
    "rss2": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "rss1": "application/rdf+xml; charset=utf-8",
}


@pytest.fixture(scope="module")
def posts() -> list[DemoPost]:
    return build_corpus(END)


@pytest.fixture(scope="module")
def feeds(posts: list[DemoPost]) -> dict[str, tuple[str, bytes]]:
    return render_feeds(posts, BASE_URL)


@pytest.fixture(scope="module")
def parsed(feeds: dict[str, tuple[str, bytes]]) -> dict[str, feedparser.FeedParserDict]:
    return {path: feedparser.parse(body) for path, (_, body) in feeds.items()}


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


# --- determinism and shape --------------------------------------------------------------------


def test_same_inputs_give_identical_posts_and_bytes(posts, feeds):
    assert build_corpus(END) == posts
    assert render_feeds(build_corpus(END), BASE_URL) == feeds


def test_seed_and_end_change_the_data(posts):
    assert build_corpus(END, seed=8) != posts
    shifted = build_corpus(END + timedelta(days=1))
    assert shifted[-1].published_at.date() == END


def test_episode_window_is_the_last_34_hours():
    start, stop = episode_window(END)
    assert stop == datetime(2026, 11, 21, tzinfo=UTC)
    assert start == datetime(2026, 11, 19, 14, tzinfo=UTC)


def test_dates_are_utc_in_range_and_sorted(posts):
    lower = datetime(2026, 10, 24, tzinfo=UTC)
    upper = datetime(2026, 11, 21, tzinfo=UTC)
    for post in posts:
        assert post.published_at.utcoffset() == timedelta(0)
        assert lower <= post.published_at < upper
    assert [p.published_at for p in posts] == sorted(p.published_at for p in posts)


def test_short_corpus_still_respects_its_range():
    short = build_corpus(END, days=3, seed=1)
    assert short and all(datetime(2026, 11, 18, tzinfo=UTC) <= p.published_at for p in short)


def test_fields_are_well_formed(posts):
    feed_paths = {f.path for f in FEEDS}
    assert len({p.guid for p in posts}) == len(posts)
    for post in posts:
        assert post.feed_path in feed_paths
        assert post.brand in (BRAND, *COMPETITORS)
        assert post.lang in ("en", "fr")
        assert post.polarity in ("positive", "neutral", "negative")
        assert post.title and post.text and post.author
        parts = urlsplit(post.link)
        assert parts.scheme == "https" and parts.hostname.endswith(".example"), post.link


def test_every_post_names_its_brand(posts):
    for post in posts:
        assert post.brand.lower() in f"{post.title} {post.text}".lower(), post


# --- volumes and mixes --------------------------------------------------------------------------


def test_total_brand_and_language_mix(posts):
    assert 800 <= len(posts) <= 1400
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
        assert 25 <= per_day[day] <= 45, (day, per_day[day])
    weekdays = [per_day[d] for d in normal if d.weekday() < 5]
    weekends = [per_day[d] for d in normal if d.weekday() >= 5]
    assert statistics.mean(weekends) < statistics.mean(weekdays) - 3
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


def test_texts_are_varied_apart_from_deliberate_syndication(posts):
    groups: dict[str, list[DemoPost]] = defaultdict(list)
    for post in posts:
        groups[post.text].append(post)
    accidental = sum(
        len(g) - 1 for g in groups.values() if len(g) > 1 and not _is_syndicated_pair(g)
    )
    assert accidental / len(posts) < 0.02
    assert len(groups) / len(posts) > 0.95


def test_news_is_syndicated_into_community_feeds(posts):
    news_by_title: dict[str, list[DemoPost]] = defaultdict(list)
    for post in posts:
        if post.feed_path.startswith("/news/"):
            news_by_title[post.title].append(post)
    copies = [p for p in posts if not p.feed_path.startswith("/news/") and p.title in news_by_title]
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
    authors = {p.author for p in posts}
    assert 120 <= len(authors) <= 200
    velora_by_author: dict[str, list[str]] = defaultdict(list)
    for post in posts:
        if post.brand == BRAND and not post.feed_path.startswith(("/news/", "/reviews/")):
            velora_by_author[post.author].append(post.polarity)
    advocates = [
        a for a, pols in velora_by_author.items() if len(pols) >= 5 and set(pols) == {"positive"}
    ]
    detractors = [
        a for a, pols in velora_by_author.items() if len(pols) >= 4 and set(pols) == {"negative"}
    ]
    assert len(advocates) >= 3 and len(detractors) >= 3
    for rival in COMPETITORS:
        own = [p for p in posts if p.author == rival]
        assert len(own) >= 3
        assert all(p.brand == rival and p.feed_path == f"/news/{rival.lower()}.rss" for p in own)


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
    assert set(feeds) == {f.path for f in FEEDS}
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


def test_empty_input_still_renders_valid_feeds():
    for path, (_, body) in render_feeds([], BASE_URL).items():
        result = feedparser.parse(body)
        assert result.bozo == 0 and result.entries == [], path


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
        if post.lang == lang:
            scores[post.polarity].append(analyzer.polarity_scores(post.text)["compound"])
    mean = {polarity: statistics.mean(values) for polarity, values in scores.items()}
    assert sum(c >= 0.05 for c in scores["positive"]) / len(scores["positive"]) > 0.9
    assert sum(c <= -0.05 for c in scores["negative"]) / len(scores["negative"]) > 0.9
    assert mean["positive"] > 0.4 and mean["negative"] < -0.4
    assert mean["positive"] - mean["negative"] > 1.0
    assert mean["negative"] < mean["neutral"] < mean["positive"]
    assert abs(mean["neutral"]) < 0.2
