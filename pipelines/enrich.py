"""Per-mention enrichment after sentiment: topics and entities, flags, target sentiment.

Built once per processing run from the watchlist, then applied to each batch's new rows.
"""

from __future__ import annotations

from typing import Any

from pipelines.flags import Flagger, TextFlags
from pipelines.sentiment import Scorer
from pipelines.settings import Watchlist
from pipelines.target_sentiment import target_scores, watchlist_brands
from pipelines.topics import TopicExtractor, Topics

# Distinct texts whose topics and text flags are remembered: copies of one text (reposts,
# campaigns) mostly come close together, and each entry holds a few lists of words.
TEXT_MEMORY = 20_000


class Enricher:
    def __init__(self, watchlist: Watchlist, scorer: Scorer) -> None:
        self.scorer = scorer
        self.topics = TopicExtractor(watchlist)
        self.flagger = Flagger(watchlist)
        self.brands = watchlist_brands(watchlist)
        self._read: dict[tuple[str, str, str | None], tuple[Topics, TextFlags]] = {}

    def apply_each(self, rows: list[dict[str, Any]]) -> None:
        """Set topics, entities, target_sentiment and flags on each row, in place. Flags that
        need the whole batch (one text from many authors, floods) are the writer's: see
        `pipelines.process.BatchWriter.finish`."""
        for row in rows:
            text, lang = row["text"], row["lang"]
            found, read = self._texts(_full_text(row), text, lang)
            row["topics"], row["entities"] = list(found.terms), list(found.entities)
            row["target_sentiment"] = None
            if row.get("brand") in self.brands:
                scores = target_scores(
                    text, lang, {row["brand"]: self.brands[row["brand"]]}, self.scorer
                )
                row["target_sentiment"] = scores.get(row["brand"])
            row["flags"], row["_flag_words"] = self.flagger.decide(
                read,
                row.get("author_followers"),
                is_competitor=row.get("is_competitor"),
                compound=row.get("sentiment_compound"),
                source=row.get("source"),
                existing=row.get("flags"),
            )

    def _texts(self, full: str, text: str, lang: str | None) -> tuple[Topics, TextFlags]:
        """Topics of the title and text, and the text's own flags, once per distinct text."""
        key = (full, text, lang)
        known = self._read.get(key)
        if known is None:
            if len(self._read) >= TEXT_MEMORY:
                self._read.clear()
            known = self._read[key] = (
                self.topics.extract(full, lang),
                self.flagger.read(text, lang),
            )
        return known


def _full_text(row: dict[str, Any]) -> str:
    title, text = row.get("title"), row["text"]
    return text if not title or title in text else f"{title}. {text}"
