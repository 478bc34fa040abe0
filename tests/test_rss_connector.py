"""The RSS connector and the shared HTTP core, against a real server on 127.0.0.1."""

import re
from datetime import UTC, datetime

import pytest

from connectors import get_connector
from connectors.http import HttpClient, Page, UnsafeURLError, check_url, redact
from pipelines.errors import SourceError
from tests.loopback import Reply, loopback

RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/"><channel>
<title>News</title><link>https://news.example/</link><language>fr-FR</language>
<item><title>Velora &amp; la batterie</title><link>/articles/1</link><guid isPermaLink="false">n-1</guid>
<pubDate>Fri, 20 Nov 2026 10:00:00 +0100</pubDate>
<description>&lt;p&gt;Le &lt;b&gt;rappel&lt;/b&gt; de Velora&amp;nbsp;: batteries&lt;/p&gt;</description>
<dc:creator>Marie</dc:creator><slash:comments>12</slash:comments></item>
<item><title>No date here</title><link>https://news.example/2</link></item>
<item><title>Bad date</title><link>https://news.example/3</link><pubDate>someday</pubDate></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://forum.example/t/">
<title>Forum</title><id>urn:forum</id><updated>2026-11-20T10:00:00Z</updated>
<entry><id>urn:e1</id><title>Hello</title><link href="velora-42"/>
<published>2026-11-20T09:30:00+02:00</published><author><name>Zoe</name></author>
<content type="html">I &lt;i&gt;love&lt;/i&gt; it</content></entry>
</feed>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://blog.example/"><title>Blog</title><link>https://blog.example/</link></channel>
<item rdf:about="https://blog.example/p1"><title>Review</title><link>https://blog.example/p1</link>
<description>Solid bike</description><dc:date>2026-11-19T08:00:00Z</dc:date><dc:creator>Al</dc:creator></item>
</rdf:RDF>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>&lol3;</title></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&x;</title></item></channel></rss>"""

NOW = datetime(2026, 11, 21, tzinfo=UTC)
rss = get_connector("rss")


def parse(body: bytes, url: str = "https://feeds.example/f.xml"):
    page = Page(url=url, status=200, content_type="application/xml", body=body, fetched_at=NOW)
    out = []
    for item in rss.items(page):
        if item.error:
            out.append(("error", item.error))
            continue
        try:
            out.append(("ok", rss.to_mention(item.payload)))
        except Exception as exc:
            out.append(("error", str(exc)))
    return out


def test_rss2_items_are_mapped():
    first, undated, bad = parse(RSS2)
    assert first[0] == "ok"
    mention = first[1]
    assert mention["source_id"] == "n-1"
    assert mention["url"] == "https://feeds.example/articles/1"  # relative to the feed URL
    assert mention["title"] == "Velora & la batterie"
    assert mention["text"] == "Le rappel de Velora : batteries"
    assert mention["published_at"] == "2026-11-20T09:00:00+00:00"
    assert mention["lang"] == "fr-FR"  # normalize keeps the primary subtag
    assert mention["author_name"] == "Marie"
    assert mention["comments"] == 12
    assert undated == ("ok", undated[1]) and undated[1]["published_at"] is None
    assert bad == ("error", "unparseable date 'someday'")


def test_atom_relative_links_resolve_against_xml_base():
    [(status, mention)] = parse(ATOM)
    assert status == "ok"
    assert mention["url"] == "https://forum.example/t/velora-42"
    assert mention["text"] == "I love it"
    assert mention["published_at"] == "2026-11-20T07:30:00+00:00"


def test_rss1_rdf():
    [(status, mention)] = parse(RSS1)
    assert status == "ok" and mention["author_name"] == "Al"
    assert mention["published_at"] == "2026-11-19T08:00:00+00:00"


@pytest.mark.parametrize("body", [LAUGHS, XXE])
def test_entity_tricks_are_refused(body):
    [(status, reason)] = parse(body)
    assert status == "error" and "refused" in reason


def test_not_a_feed_is_one_quarantined_record():
    [(status, reason)] = parse(b"<html><body>Service unavailable</body>")
    assert status == "error" and reason.startswith("not a readable feed")


def test_fetch_retries_on_500_and_429_then_succeeds():
    with loopback() as (base, script):
        script.on("/f.xml", Reply(500), Reply(429, headers={"Retry-After": "0"}), Reply(200, RSS2))
        http = HttpClient(retries=3, backoff=0.01, allow_hosts=frozenset({"127.0.0.1"}))
        page = http.get(f"{base}/f.xml")
    assert page.status == 200 and page.body == RSS2
    assert len(script.requests) == 3
    assert script.requests[0][1]["User-Agent"].startswith("Vigie/")


def test_fetch_gives_up_with_a_clear_error():
    with loopback() as (base, script):
        script.on("/f.xml", Reply(503))
        http = HttpClient(retries=1, backoff=0.01, allow_hosts=frozenset({"127.0.0.1"}))
        with pytest.raises(SourceError, match=r"failed after 2 tries: HTTP 503"):
            http.get(f"{base}/f.xml?key=SECRET123")
        with pytest.raises(SourceError) as info:
            http.get(f"{base}/missing?token=SECRET123")
    assert "404" in str(info.value) and "SECRET123" not in str(info.value)


def test_timeout_is_retried_then_reported():
    with loopback() as (base, script):
        script.on("/slow", Reply(200, RSS2, delay=0.5))
        http = HttpClient(
            timeout=0.1, retries=1, backoff=0.01, allow_hosts=frozenset({"127.0.0.1"})
        )
        with pytest.raises(SourceError, match="ReadTimeout"):
            http.get(f"{base}/slow")


def test_loopback_is_refused_without_allow_list():
    with loopback() as (base, script):
        script.on("/f.xml", Reply(200, RSS2))
        with pytest.raises(UnsafeURLError, match=re.escape("non-public address 127.0.0.1")):
            HttpClient().get(f"{base}/f.xml")
    assert script.requests == []


def test_redirect_to_private_address_is_refused():
    with loopback() as (base, script):
        script.on("/f.xml", Reply(302, headers={"Location": "http://169.254.169.254/latest"}))
        http = HttpClient(allow_hosts=frozenset({"127.0.0.1"}))
        with pytest.raises(UnsafeURLError, match=re.escape("169.254.169.254")):
            http.get(f"{base}/f.xml")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x.example/", "ftp://x.example/"])
def test_only_http_schemes(url):
    with pytest.raises(UnsafeURLError, match="only http and https"):
        check_url(url)


def test_redact_hides_query_values_and_credentials():
    assert redact("https://u:p@api.example/x?key=abc&q=velora") == "https://api.example/x?key=…&q=…"
