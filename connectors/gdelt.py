"""News articles from the GDELT DOC 2.0 API, ArtList mode (JSON).

The window maps to `startdatetime`/`enddatetime` (YYYYMMDDHHMMSS, UTC). One query returns at
most 250 articles and the API reports no total, so a slice that comes back full (250) is
taken as truncated and halved until it fits, down to GDELT's 15-minute update interval.

What ArtList does not give, we do not invent: no article body (the title is the text), no
author (the outlet's domain stands in), no engagement figures, and no tone (tone exists
only in the aggregate ToneChart/timeline modes, not per article in ArtList JSON).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import (
    HttpStream,
    MalformedItem,
    RawItem,
    Window,
    html_to_text,
    http_base,
    non_blank,
)
from connectors.http import Action, Budget, HttpClient, Page, RequestError, redact
from connectors.paginate import Request, SinglePage, dig

MAX_RECORDS = 250  # the API's ceiling for ArtList
SEENDATE_FORMAT = "%Y%m%dT%H%M%SZ"

# GDELT names the language in English; these are the languages its Translingual pipeline
# monitors (65) plus English, mapped to ISO 639-1. A name not listed maps to None, not a guess.
LANGUAGES: dict[str, str] = {
    "afrikaans": "af",
    "albanian": "sq",
    "amharic": "am",
    "arabic": "ar",
    "armenian": "hy",
    "azerbaijani": "az",
    "basque": "eu",
    "belarusian": "be",
    "bengali": "bn",
    "bosnian": "bs",
    "bulgarian": "bg",
    "burmese": "my",
    "catalan": "ca",
    "chinese": "zh",
    "croatian": "hr",
    "czech": "cs",
    "danish": "da",
    "dutch": "nl",
    "english": "en",
    "esperanto": "eo",
    "estonian": "et",
    "filipino": "tl",
    "finnish": "fi",
    "french": "fr",
    "galician": "gl",
    "georgian": "ka",
    "german": "de",
    "greek": "el",
    "gujarati": "gu",
    "haitian": "ht",
    "hausa": "ha",
    "hebrew": "he",
    "hindi": "hi",
    "hungarian": "hu",
    "icelandic": "is",
    "indonesian": "id",
    "irish": "ga",
    "italian": "it",
    "japanese": "ja",
    "kannada": "kn",
    "kazakh": "kk",
    "khmer": "km",
    "korean": "ko",
    "kurdish": "ku",
    "kyrgyz": "ky",
    "lao": "lo",
    "latin": "la",
    "latvian": "lv",
    "lithuanian": "lt",
    "macedonian": "mk",
    "malay": "ms",
    "malayalam": "ml",
    "maltese": "mt",
    "marathi": "mr",
    "mongolian": "mn",
    "nepali": "ne",
    "norwegian": "no",
    "pashto": "ps",
    "persian": "fa",
    "polish": "pl",
    "portuguese": "pt",
    "punjabi": "pa",
    "romanian": "ro",
    "russian": "ru",
    "serbian": "sr",
    "sinhala": "si",
    "sinhalese": "si",
    "slovak": "sk",
    "slovenian": "sl",
    "somali": "so",
    "spanish": "es",
    "swahili": "sw",
    "swedish": "sv",
    "tagalog": "tl",
    "tajik": "tg",
    "tamil": "ta",
    "telugu": "te",
    "thai": "th",
    "turkish": "tr",
    "turkmen": "tk",
    "ukrainian": "uk",
    "urdu": "ur",
    "uzbek": "uz",
    "vietnamese": "vi",
    "welsh": "cy",
    "yoruba": "yo",
}

# GDELT's JSON sometimes carries backslash escapes JSON does not allow (e.g. `\'`): the
# character was meant, so the stray backslash is dropped.
_ESCAPE = re.compile(rb"\\(.)", re.DOTALL)
_JSON_ESCAPES = frozenset(b'"\\/bfnrtu')


def _repair_escapes(body: bytes) -> bytes:
    def fix(match: re.Match[bytes]) -> bytes:
        char = match.group(1)
        return match.group(0) if char[0] in _JSON_ESCAPES else char

    return _ESCAPE.sub(fix, body)


def decode(body: bytes) -> tuple[Any, str | None]:
    """The JSON body, tolerating GDELT's known defects: invalid backslash escapes and raw
    control characters inside strings. An empty body is no articles."""
    if not body.strip():
        return {}, None
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, f"response is not UTF-8: {exc.reason}"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        first = exc
    try:
        return json.loads(_repair_escapes(body).decode("utf-8-sig"), strict=False), None
    except json.JSONDecodeError:
        return None, f"response is not valid JSON: {first.msg} at line {first.lineno}"


class GdeltParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # GDELT query syntax, as is: `"Velora" sourcelang:french`, `(velora OR cobalt)`...
    queries: list[str] = Field(min_length=1)
    base_url: str = "https://api.gdeltproject.org"

    @field_validator("queries")
    @classmethod
    def _no_blank_query(cls, value: list[str]) -> list[str]:
        return non_blank(value)

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return http_base(value)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


class GdeltConnector(HttpStream):
    name = "gdelt"
    Params = GdeltParams
    path: ClassVar[str] = "/api/v2/doc/doc"
    records_path = "articles"
    paginator = SinglePage()  # ArtList has no pages: time slicing is the only way to more
    # GDELT asks clients to "limit requests to one every 5 seconds" (the text of its 429
    # answers); this budget is exactly that, per process.
    budget = Budget(requests=1, per_seconds=5)
    result_cap = MAX_RECORDS
    # seendate moves in 15-minute steps (GDELT's update interval): a full slice shorter than
    # that cannot be split usefully.
    min_slice = timedelta(minutes=15)

    def queries(self, params: GdeltParams) -> list[str]:
        return list(params.queries)

    def request(self, params: GdeltParams, query: str, window: Window) -> Request:
        # Spaces go as %20, as GDELT's own examples do, not as form-encoded "+".
        url = f"{params.base_url}{self.path}?query={quote(query, safe='')}"
        # Inclusive end at second resolution: end - 1 s makes [start, end) exact, so an
        # article seen at 11:00:00 belongs to the window starting then, not to both.
        last = window.end - timedelta(seconds=1)
        return Request(
            url,
            {
                "mode": "ArtList",
                "format": "json",
                "maxrecords": MAX_RECORDS,
                "startdatetime": _stamp(window.start),
                "enddatetime": _stamp(max(last, window.start)),
                "sort": "DateAsc",
            },
        )

    def fetch(self, params: GdeltParams, window: Window, http: HttpClient) -> Iterator[Page]:
        for page in super().fetch(params, window, http):
            self._refuse_text_answer(page)
            yield page

    @staticmethod
    def _refuse_text_answer(page: Page) -> None:
        """GDELT reports a bad query (or asks to slow down) as text with status 200: that is
        not an empty result, so collection must fail rather than land it as done."""
        body = page.body.strip()
        if not body or body[:1] in (b"{", b"["):
            return
        message = " ".join(body[:300].decode("utf-8", "replace").split())
        if "limit requests" in message.lower():
            raise RequestError(
                f"GET {redact(page.url)}: GDELT asked to slow down: {message}",
                Action.RATE_LIMITED,
                page.status,
            )
        raise RequestError(
            f"GET {redact(page.url)}: GDELT rejected the query ({Action.CONFIG}: "
            f"check the query syntax): {message}",
            Action.CONFIG,
            page.status,
        )

    def _over_cap(self, page: Page) -> bool:
        """No total count in ArtList: a slice that came back full is taken as truncated."""
        data, error = decode(page.body)
        return error is None and len(self.records(data)) >= MAX_RECORDS

    def records(self, data: Any) -> list:
        found = dig(data, "articles") if isinstance(data, dict) else None
        return found if isinstance(found, list) else []  # no results: `{}`, no "articles"

    def items(self, page: Page) -> Iterator[RawItem]:
        data, error = decode(page.body)
        if error:
            snippet = page.body[:2000].decode("utf-8", "replace")
            yield RawItem({"url": page.url, "body_start": snippet}, error=error)
            return
        for record in self.records(data):
            if isinstance(record, dict):
                yield RawItem(record)
            else:
                yield RawItem(record, error=f"item is a {type(record).__name__}, not an object")

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("article is not an object")
        url = str(payload.get("url") or "").strip()
        if not url:
            raise MalformedItem("article has no url (GDELT's only identifier)")
        title = html_to_text(payload.get("title"))
        if not title:
            raise MalformedItem(f"article {url} has no title")
        seen = payload.get("seendate")
        try:
            published = datetime.strptime(str(seen).strip(), SEENDATE_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise MalformedItem(f"article {url}: unparseable seendate {seen!r}") from None
        domain = str(payload.get("domain") or "").strip() or None
        language = str(payload.get("language") or "").strip().lower()
        return {
            "source_id": url,
            "url": url,
            "published_at": published,  # when GDELT first saw it: ArtList has no pub date
            "title": title,
            "text": title,  # ArtList carries no article body
            "author_id": domain,  # the outlet: news articles come with no byline here
            "author_name": domain,
            "author_followers": None,
            "lang": LANGUAGES.get(language),
            "likes": None,
            "shares": None,
            "comments": None,
            "is_repost": False,  # GDELT does not mark syndicated copies; dedupe clusters them
        }
