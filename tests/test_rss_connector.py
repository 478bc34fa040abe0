"""The RSS connector and the shared HTTP core, against a real server on 127.0.0.1."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors import get_connector
from connectors.base import Window
from connectors.http import HttpClient, Page
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


def test_connector_fetches_every_feed_url_through_the_client():
    with loopback() as (base, script):
        script.on("/a.xml", Reply(200, RSS2))
        script.on("/b.xml", Reply(200, ATOM))
        http = HttpClient(allow_hosts=frozenset({"127.0.0.1"}))
        params = rss.Params.model_validate({"urls": [f"{base}/a.xml", f"{base}/b.xml"]})
        window = Window(NOW, NOW + timedelta(hours=1))
        pages = list(rss.fetch(params, window, http))
    assert [p.body for p in pages] == [RSS2, ATOM]
