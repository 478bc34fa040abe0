"""Per-mention enrichment after sentiment: topics and entities, flags, target sentiment.

Built once per processing run from the watchlist, then applied to each batch's new rows.
"""

from __future__ import annotations

from typing import Any

from pipelines.flags import Flagger
from pipelines.sentiment import Scorer
from pipelines.settings import Watchlist
from pipelines.target_sentiment import target_scores, watchlist_brands
from pipelines.topics import TopicExtractor


class Enricher:
    def __init__(self, watchlist: Watchlist, scorer: Scorer) -> None:
        self.scorer = scorer
        self.topics = TopicExtractor(watchlist)
        self.flagger = Flagger(watchlist)
        self.brands = watchlist_brands(watchlist)

    def apply_each(self, rows: list[dict[str, Any]]) -> None:
        """Set topics, entities, target_sentiment and flags on each row, in place. Flags that
        need the whole batch (one text from many authors, floods) are the writer's: see
        `pipelines.process.BatchWriter.finish`."""
        for row in rows:
            text, lang = row["text"], row["lang"]
            found = self.topics.extract(_full_text(row), lang)
            row["topics"], row["entities"] = found.terms, found.entities
            row["target_sentiment"] = None
            if row.get("brand") in self.brands:
                scores = target_scores(
                    text, lang, {row["brand"]: self.brands[row["brand"]]}, self.scorer
                )
                row["target_sentiment"] = scores.get(row["brand"])
            row["flags"], row["_flag_words"] = self.flagger.check(
                text,
                lang,
                row.get("author_followers"),
                is_competitor=row.get("is_competitor"),
                compound=row.get("sentiment_compound"),
                source=row.get("source"),
                existing=row.get("flags"),
            )


def _full_text(row: dict[str, Any]) -> str:
    title, text = row.get("title"), row["text"]
    return text if not title or title in text else f"{title}. {text}"
