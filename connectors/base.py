"""What a connector is: fetch pages for a window, split a page into raw items, map an item.

The three steps are separate on purpose. `fetch` runs in collection and only lands bodies;
`items` and `to_mention` run in processing (and in `vigie parse`), so a parser fix can be
replayed over already-landed data without calling the API again.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from connectors.http import HttpClient, Page


class MalformedItem(Exception):
    """An item we cannot turn into a mention; it goes to quarantine with this reason."""


@dataclass(frozen=True)
class Window:
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("window end must be after its start")


@dataclass(frozen=True)
class RawItem:
    """One record as the source gave it; `error` is set when even splitting it out failed."""

    payload: Any
    error: str | None = None


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Connector:
    """Base class: subclasses declare `name` and `Params`, and implement the three steps."""

    name: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = NoParams

    def fetch(self, params: BaseModel, window: Window, http: HttpClient) -> Iterator[Page]:
        raise NotImplementedError(f"source {self.name!r} is not fetched over HTTP")

    def items(self, page: Page) -> Iterator[RawItem]:
        raise NotImplementedError

    def to_mention(self, payload: Any) -> dict[str, Any]:
        """Map one raw item to canonical mention fields (see pipelines.normalize)."""
        raise NotImplementedError


class _TextExtractor(HTMLParser):
    BLOCK = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


_SPACES = re.compile(r"\s+")


def html_to_text(fragment: str | None) -> str:
    """Plain text from an HTML snippet: tags dropped, entities decoded, whitespace folded."""
    if not fragment:
        return ""
    if "<" not in fragment:
        return _SPACES.sub(" ", html.unescape(fragment)).strip()
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return _SPACES.sub(" ", "".join(parser.parts)).strip()
