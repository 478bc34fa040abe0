"""Source connectors. Adding a source = one module here and one line in REGISTRY."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

from pipelines.errors import ConfigError

if TYPE_CHECKING:
    from connectors.base import Connector

# name -> "module:Class"; modules are imported only when the source is used.
REGISTRY: dict[str, str] = {
    "rss": "connectors.rss:RssConnector",
    "hackernews": "connectors.hackernews:HackerNewsConnector",
    "reddit": "connectors.reddit:RedditConnector",
    "mastodon": "connectors.mastodon:MastodonConnector",
    "bluesky": "connectors.bluesky:BlueskyConnector",
    "youtube": "connectors.youtube:YouTubeConnector",
    "gdelt": "connectors.gdelt:GdeltConnector",
    "appstore": "connectors.appstore:AppStoreConnector",
    "x": "connectors.x:XConnector",
    "facebook": "connectors.facebook:FacebookConnector",
    "instagram": "connectors.instagram:InstagramConnector",
    "linkedin": "connectors.linkedin:LinkedInConnector",
    "import": "connectors.file_import:ImportConnector",
}


def known_sources() -> list[str]:
    return list(REGISTRY)


@cache
def get_connector(name: str) -> Connector:
    try:
        target = REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown source {name!r}; known: {', '.join(sorted(REGISTRY))}"
        ) from None
    module, cls = target.split(":")
    return getattr(import_module(module), cls)()
