"""Sentiment towards each brand named in a mention, not of the mention as a whole.

"Velora is great, unlike Roulix's awful app" is positive for Velora and negative for
Roulix, while its whole-text score is a lukewarm +0.27. The rules, in order:

1. The text is split into sentences (spaCy's blank pipeline with the rule-based
   `sentencizer`: no model). Sentences that name no brand are ignored; a brand named
   nowhere gets None.
2. A sentence naming one brand only is scored whole, with the project's `Scorer` in the
   mention's language: "Velora looks nice but the app is awful" is about Velora throughout,
   and VADER's own "but" rule weighs it.
3. A sentence naming two brands or more is cut into clauses at contrast markers, and each
   brand takes the score of the clause(s) naming it (marker words are not scored):
   * comparison markers: "unlike", "compared to/with", "as opposed to", "rather than",
     "instead of", "than"; "contrairement à", "à la différence de", "par rapport à",
     "comparé à", "au lieu de", "plutôt que", and "que" after a comparative ("plus",
     "moins", "meilleur", "pire", "mieux", "davantage"). Such a clause ends at the next
     comma, semicolon, colon or dash ("Unlike Roulix, Velora is reliable"), the rest of the
     sentence going back to the main clause.
   * adversative markers: "but", "whereas", "while", "although", "though", "however",
     "on the other hand"; "mais", "alors que", "tandis que", "cependant", "pourtant",
     "par contre", "en revanche", "bien que", "sauf que", "néanmoins", "toutefois". Such a
     clause runs to the next marker or the end of the sentence.
   A comparison clause with no sentiment of its own ("than Roulix", "contrairement à
   Roulix") gets the opposite of the nearest other clause of the sentence: being better
   than Roulix is bad news for Roulix. Clauses that name no brand are ignored.
4. A brand's score is the mean of the scores it collected over the sentences.

Known limits: comparatives whose polarity VADER cannot see ("more reliable than") leave
both sides neutral; "no better than Y" makes Y look good; a list after "than"
("than Y, Z and W") only gives Y the comparison.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipelines.sentiment import Scorer

MAX_CHARS = 10_000
# Below this absolute compound, a clause has no sentiment of its own (VADER's neutral band).
NEUTRAL_BAND = 0.05

CMP, ADV, NONE = "cmp", "adv", "none"
_MARKERS: dict[str, list[tuple[str, str]]] = {
    "en": [
        (CMP, r"unlike|compared (?:to|with)|in comparison (?:to|with)|as opposed to"),
        (CMP, r"rather than|instead of|than"),
        (ADV, r"but|whereas|while|although|though|however|on the other hand"),
    ],
    "fr": [
        (CMP, r"contrairement (?:a|aux|au)|a la difference (?:de|du|des|d')"),
        (CMP, r"par rapport (?:a|aux|au)|comparee?s? (?:a|aux|au)|en comparaison (?:de|du|des)"),
        (CMP, r"au lieu (?:de|du|des|d')|plutot qu(?:e|')"),
        (ADV, r"mais|alors qu(?:e|')|tandis qu(?:e|')|cependant|pourtant|par contre"),
        (ADV, r"en revanche|bien qu(?:e|')|sauf qu(?:e|')|neanmoins|toutefois"),
        # "que" is a comparison only after a comparative; these uses are consumed first.
        (NONE, r"parce qu(?:e|')|est-ce qu(?:e|')|ce qu(?:e|')|ainsi qu(?:e|')|pour qu(?:e|')"),
        (NONE, r"afin qu(?:e|')|avant qu(?:e|')|apres qu(?:e|')|depuis qu(?:e|')|vu qu(?:e|')"),
        (NONE, r"pendant qu(?:e|')|sans qu(?:e|')|de sorte qu(?:e|')|le fait qu(?:e|')"),
        ("que", r"qu(?:e|')"),
    ],
}
_FR_COMPARATIVE = re.compile(r"(?<!\w)(?:plus|moins|meilleure?s?|pire?s?|mieux|davantage)(?!\w)")
_CLAUSE_END = re.compile(r"[,;:]|\s[-–—]\s")
_STRIP = " \t\n,;:-–—"


@lru_cache(maxsize=4)
def _marker_pattern(lang: str) -> re.Pattern[str]:
    groups = []
    for i, (_, body) in enumerate(_MARKERS.get(lang, _MARKERS["en"])):
        groups.append(rf"(?P<m{i}>{body})")
    # A marker ending in an elision ("qu'") may be glued to the next word ("qu'Orange").
    return re.compile(r"(?<![\w'])(?:" + "|".join(groups) + r")(?:(?<=')|(?!\w))")


def _kinds(lang: str) -> list[str]:
    return [kind for kind, _ in _MARKERS.get(lang, _MARKERS["en"])]


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return base if len(base) == 1 else char


_FOLD_TABLE: dict[int, str] = {ord("’"): "'"}


def fold_keep_length(text: str) -> str:
    """Lowercase without accents, one character for one, so offsets stay valid."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    if len(lowered) != len(text):  # "İ" lowers to two characters
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    for char in set(lowered):
        if ord(char) > 127 and ord(char) not in _FOLD_TABLE:
            _FOLD_TABLE[ord(char)] = _fold_char(char)
    return lowered.translate(_FOLD_TABLE)


@lru_cache(maxsize=64)
def _brand_patterns(brands: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, Any]]:
    out = []
    for name, terms in brands:
        folded = sorted(
            {fold_keep_length(t).strip() for t in (name, *terms) if t.strip()},
            key=len,
            reverse=True,
        )
        alternatives = "|".join(re.escape(t) for t in folded)
        out.append((name, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")))
    return out


@lru_cache(maxsize=4)
def _sentencizer(lang: str) -> Any:
    """spaCy blank pipeline + rule-based sentence splitter; nothing to download."""
    import spacy

    nlp = spacy.blank(lang)
    nlp.vocab.lex_attr_getters = {}  # unused here, and costly for every new word
    nlp.add_pipe("sentencizer")
    return nlp


# Where a sentence may end before the end of the text; without one, spaCy is not needed.
_MAYBE_BOUNDARY = re.compile(r"[.!?…。;\n]+[\W]*\s+\S")


def sentences(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the text's sentences."""
    if not _MAYBE_BOUNDARY.search(text):
        return [(0, len(text))]
    return [(s.start_char, s.end_char) for s in _sentencizer(lang)(text).sents]


@dataclass(frozen=True)
class Clause:
    """One stretch of a sentence. A comparison in the middle of a clause splits it in two
    segments of the same `group`: "Velora, unlike Roulix, is great" scores "Velora ... is
    great" together."""

    start: int  # where the segment starts in the sentence, marker included
    end: int
    kind: str  # "main", "cmp" or "adv"
    body: int  # where its own words start, after the marker
    group: int


def clauses(folded: str, lang: str) -> list[Clause]:
    """A folded sentence cut at contrast markers (see the module docstring)."""
    kinds = _kinds(lang)
    marks: list[tuple[int, int, str]] = []
    for match in _marker_pattern(lang).finditer(folded):
        kind = kinds[int(match.lastgroup[1:])]  # type: ignore[index]
        if kind != NONE:
            marks.append((match.start(), match.end(), kind))
    out: list[Clause] = []
    pos, kind, body, group = 0, "main", 0, 0
    groups = 1
    for index, (m_start, m_end, m_kind) in enumerate(marks):
        if m_start < pos:
            continue
        if m_kind == "que":
            if not _FR_COMPARATIVE.search(folded, pos, m_start):
                continue
            m_kind = CMP
        if m_start > pos:
            out.append(Clause(pos, m_start, kind, body, group))
        if m_kind == CMP:
            limit = marks[index + 1][0] if index + 1 < len(marks) else len(folded)
            stop = _CLAUSE_END.search(folded, m_end, limit)
            if stop:
                # The comparison is an aside: the clause it interrupted goes on after it.
                out.append(Clause(m_start, stop.start(), CMP, m_end, groups))
                groups += 1
                pos, body = stop.start(), stop.start()
                continue
        pos, kind, body, group = m_start, m_kind, m_end, groups
        groups += 1
    if pos < len(folded) or not out:
        out.append(Clause(pos, len(folded), kind, body, group))
    return out


def _language(text: str, lang: str | None, scorer: Scorer) -> str:
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in scorer.languages else scorer.detect(text, hint=lang)


def target_scores(
    text: str | None,
    lang: str | None,
    brands: Mapping[str, Sequence[str]],
    scorer: Scorer,
    *,
    whole: float | None = None,
) -> dict[str, float | None]:
    """Each brand's sentiment in the text (a VADER compound, -1..1), or None when the text
    does not name it. `brands` maps a brand's canonical name to its other terms (aliases,
    handles, hashtags...); the name itself always counts. Matching is whole-word, case- and
    accent-insensitive, like `pipelines.match`.

    `whole`, when given, must be `scorer.score(text, lang).compound` for this same text: a
    one-sentence text naming one brand then needs no second scoring (most posts).
    """
    result: dict[str, float | None] = dict.fromkeys(brands)
    if not text or not brands:
        return result
    text = text[:MAX_CHARS]
    folded = fold_keep_length(text)
    patterns = _brand_patterns(tuple((b, tuple(t)) for b, t in brands.items()))
    if not any(p.search(folded) for _, p in patterns):
        return result
    lang = _language(text, lang, scorer)
    collected: dict[str, list[float]] = {b: [] for b in brands}
    spans = sentences(text, lang)
    for s_start, s_end in spans:
        s_fold = folded[s_start:s_end]
        hits = {name: [m.start() for m in pattern.finditer(s_fold)] for name, pattern in patterns}
        hits = {name: found for name, found in hits.items() if found}
        if not hits:
            continue
        s_text = text[s_start:s_end]
        if len(hits) == 1:
            (name,) = hits
            if whole is not None and len(spans) == 1:
                collected[name].append(whole)
            else:
                collected[name].append(_score(s_text, lang, scorer))
            continue
        for name, values in _clause_scores(s_text, s_fold, hits, lang, scorer).items():
            collected[name].extend(values)
    for name, values in collected.items():
        if values:
            result[name] = round(sum(values) / len(values), 4)
    return result


def _clause_scores(
    s_text: str, s_fold: str, hits: Mapping[str, list[int]], lang: str, scorer: Scorer
) -> dict[str, list[float]]:
    """Scores of the clauses naming each brand in a sentence naming several brands."""
    parts = clauses(s_fold, lang)
    group_scores: dict[int, float] = {}

    def group_score(group: int) -> float:
        if group not in group_scores:
            words = " ".join(
                s_text[c.body : c.end].strip(_STRIP) for c in parts if c.group == group
            )
            group_scores[group] = _score(words, lang, scorer)
        return group_scores[group]

    out: dict[str, list[float]] = {}
    for name, positions in hits.items():
        found = {i for p in positions for i, c in enumerate(parts) if c.start <= p < c.end}
        for group in dict.fromkeys(parts[i].group for i in sorted(found)):
            value = group_score(group)
            first = next(i for i, c in enumerate(parts) if c.group == group)
            if parts[first].kind == CMP and abs(value) < NEUTRAL_BAND:
                # "than Roulix", "contrairement à Roulix": the other side of the comparison.
                anchor = _anchor(parts, first)
                if anchor is not None:
                    value = -group_score(anchor)
            out.setdefault(name, []).append(value)
    return out


def _score(text: str, lang: str, scorer: Scorer) -> float:
    text = text.strip(_STRIP)
    return scorer.score(text, lang=lang).compound if text else 0.0


def _anchor(parts: list[Clause], index: int) -> int | None:
    """The group a comparison is made against: the nearest other non-comparison clause with
    words, before it first, then after it."""
    for i in [*range(index - 1, -1, -1), *range(index + 1, len(parts))]:
        if parts[i].kind != CMP and parts[i].body < parts[i].end:
            return parts[i].group
    return None


def watchlist_brands(watchlist: Any) -> dict[str, list[str]]:
    """The `brands` argument for every brand and competitor of a Watchlist."""
    return {b.name: b.terms() for b, _ in watchlist.all_brands()}
