"""Per-mention enrichment after sentiment: topics and entities, flags, target sentiment.

Built once per processing run from the watchlist, then applied to each batch's new rows.
"""

from __future__ import annotations

from typing import Any

from pipelines.flags import Flagger, merge_flags, repeated_text_flags
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

    def apply(self, rows: list[dict[str, Any]]) -> None:
        """Set topics, entities, target_sentiment and flags on each row, in place, including
        the flags that need the whole batch (the same text from many authors, floods)."""
        self.apply_each(rows)
        add_batch_flags(rows)

    def apply_each(self, rows: list[dict[str, Any]]) -> None:
        """The per-row part of `apply`: it may run on a chunk of the batch, in a worker."""
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


def add_batch_flags(rows: list[dict[str, Any]]) -> None:
    for row, extra in zip(rows, repeated_text_flags(rows), strict=True):
        if extra:
            row["flags"] = merge_flags(row["flags"], extra)


def _full_text(row: dict[str, Any]) -> str:
    title, text = row.get("title"), row["text"]
    return text if not title or title in text else f"{title}. {text}"
