"""Which brand or competitor a mention is about, from the watchlist's names, handles and tags.

Matching is case-insensitive, accent-insensitive ("Société" = "societe") and whole-word,
so "Orange" does not match "Oranges" and "@velora" does not match "@velorafan".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pipelines.settings import BrandConfig, Watchlist


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lowercase without accents; used on both sides of every comparison."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    folded = sorted({fold(t).strip() for t in terms if t.strip()}, key=len, reverse=True)
    if not folded:
        return None
    alternatives = "|".join(re.escape(t) for t in folded)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@dataclass(frozen=True)
class BrandMatch:
    brand: str
    is_competitor: bool
    terms: tuple[str, ...]


@dataclass(frozen=True)
class _CompiledBrand:
    config: BrandConfig
    is_competitor: bool
    include: re.Pattern[str] | None
    exclude: re.Pattern[str] | None


class Matcher:
    """Compiled once per watchlist; `match` is called for every mention of a batch."""

    def __init__(self, watchlist: Watchlist) -> None:
        self._global_exclude = _pattern(watchlist.exclude)
        self._brands = [
            _CompiledBrand(b, comp, _pattern(b.terms()), _pattern(b.exclude))
            for b, comp in watchlist.all_brands()
        ]
        self._by_name = {fold(b.name): (b.name, comp) for b, comp in watchlist.all_brands()}

    @property
    def has_brands(self) -> bool:
        return bool(self._brands)

    def known(self, brand: str) -> tuple[str, bool] | None:
        """The canonical spelling and competitor flag of a brand named in an import file."""
        return self._by_name.get(fold(brand))

    def match(self, *texts: str | None) -> list[BrandMatch]:
        """Every brand the texts name, ordered by where it is first named."""
        folded = fold(" \n ".join(t for t in texts if t))
        if self._global_exclude and self._global_exclude.search(folded):
            return []
        found = []
        for brand in self._brands:
            if brand.include is None:
                continue
            hits = list(brand.include.finditer(folded))
            if not hits or (brand.exclude and brand.exclude.search(folded)):
                continue
            terms = tuple(dict.fromkeys(m.group(0) for m in hits))
            found.append(
                (hits[0].start(), BrandMatch(brand.config.name, brand.is_competitor, terms))
            )
        # Earliest first: "a Roulix rather than a Velora" is about Roulix before Velora.
        return [match for _, match in sorted(found, key=lambda pair: pair[0])]
