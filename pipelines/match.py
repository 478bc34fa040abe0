"""Which brands and competitors a mention is about: the watchlist's queries, run on spaCy tokens.

A brand with a `query` is matched by it (syntax and meaning: `pipelines.query`); its name,
aliases, handles, hashtags and keywords are then not added to it, so the query alone decides
and an ambiguous name ("Orange") cannot sneak back in. A brand without a query is the OR of those
literals (each a phrase; * and ? literal). A mention containing one of the brand's `exclude`
phrases is not about that brand; one containing a global `exclude` phrase is about none.

Matching is case-insensitive, accent-insensitive ("Société" = "societe") and whole-token. The
text is split, as written, by the tokenizer of spaCy's blank pipeline for the mention's language
(French for fr*, English otherwise, `nlp.tokenizer` only), adjusted so that a hashtag stays one
token, French elisions split in both languages (l'Orange -> l' + orange) and "4G/5G" gives
4g / 5g; tokens are compared in folded form. So "Orange" does not match "Oranges",
"@velora" does not match "@velorafan", and "velora" does not match the address velora.com
(velora* does).

Speed matters (hundreds of thousands of mentions per run): every term of every brand is compiled
once into one PhraseMatcher per language; each mention is tokenized once and matched once, and
only the queries of brands with a term present are evaluated, on the positions found. Building
the French tokenizer takes seconds the first time in a process (spaCy compiles its rules).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from pipelines.query import WILDCARDS, Node, Or, Span, Term, fold, needs_terms, parse, terms
from pipelines.settings import BrandConfig, Watchlist

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["BrandMatch", "Matcher", "fold"]

# French elisions, split in English too: French text often reaches us without a language.
_ELISION = r"(?i:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=\w)"
TermKey = tuple[str, bool]  # Term.key: folded text, has wildcards
_APART = 1_000_000  # words between a title and its body: never NEAR
_NEW_WORDS: dict[str, list[str]] = {}  # per language, every word its vocab met, in order


def language(lang: str | None) -> str:
    """The tokenizer for a mention: French for fr, fr-CA...; English otherwise."""
    return "fr" if lang and lang.strip().lower().startswith("fr") else "en"


@cache
def blank_pipeline(lang: str) -> Language:
    """spaCy's blank pipeline with a tokenizer tuned for brand matching, built once per process.

    - '#' is no longer a prefix, so "#velora" stays one token (handles already do);
    - number+unit splitting is off, so "5G" is one token wherever it appears;
    - '/' between word characters splits ("4G/5G");
    - English splits French elisions; both split a possessive 's ("Velora's").
    """
    import spacy
    from spacy.attrs import NORM
    from spacy.lang.char_classes import UNITS
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    nlp = spacy.blank(lang)
    defaults = nlp.Defaults
    prefixes = [p for p in defaults.prefixes if p != "#"]
    if lang != "fr":
        prefixes.append(_ELISION)
    units = rf"(?<=[0-9])(?:{UNITS})"
    suffixes = [s for s in defaults.suffixes if s != units]
    if lang == "fr":
        suffixes.append(r"(?<=\w)['’]s")
    infixes = [*defaults.infixes, r"(?<=\w)/(?=\w)"]
    tokenizer = nlp.tokenizer
    tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    # Every lexeme's NORM is its folded form, so a PhraseMatcher on NORM is case- and
    # accent-insensitive. New lexemes get it when the tokenizer first meets them, once per
    # process, which is far cheaper than folding every text; they are also logged, for the
    # wildcards to be tested once per distinct word (see _Engine).
    log = _NEW_WORDS.setdefault(lang, [])

    def norm(word: str) -> str:
        log.append(word)
        return fold(word)

    nlp.vocab.lex_attr_getters[NORM] = norm
    for lexeme in nlp.vocab:
        lexeme.norm_ = fold(lexeme.orth_)
    return nlp


@dataclass(frozen=True)
class BrandMatch:
    brand: str
    is_competitor: bool
    terms: tuple[str, ...]


@dataclass(frozen=True)
class _Brand:
    name: str
    is_competitor: bool
    query: Node
    exclude: tuple[Term, ...]
    # The query's terms when it cannot hold without one of them (skip it when none occurs).
    required: frozenset[TermKey] | None


def _literal(text: str) -> Term:
    """A watchlist name or exclusion: a phrase, its * and ? taken literally."""
    return Term(text, 0)


def _compile_brand(brand: BrandConfig, is_competitor: bool) -> _Brand:
    if brand.query:
        query = parse(brand.query)
    else:
        query = Or(tuple(_literal(t) for t in brand.terms() if t.strip()), 0)
    exclude = tuple(_literal(t) for t in brand.exclude if t.strip())
    required = frozenset(t.key for t in terms(query)) if needs_terms(query) else None
    return _Brand(brand.name, is_competitor, query, exclude, required)


def _wildcard_regex(word: str) -> re.Pattern[str]:
    """One token with * (any run of characters) and ? (one); a bare word also as a hashtag."""
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in word)
    return re.compile(body if word[0] in "#@" else f"#?{body}", re.DOTALL)


TokenPattern = tuple[str | re.Pattern[str], ...]


class _Engine:
    """Every term of a watchlist, compiled for one language's tokenizer.

    Texts are tokenized as written (spaCy's rules expect case: "Velora.Le" splits) and matched
    on NORM, the folded form (see `blank_pipeline`). A PhraseMatcher cannot express wildcards
    nor Mastodon handles (@user@instance): each distinct word of the vocabulary is tested once
    against them, and a word that matches becomes one more PhraseMatcher pattern, so matching
    a mention costs the same with or without wildcards. Only wildcards in phrases are scanned.
    """

    def __init__(self, lang: str, leaves: list[Term]) -> None:
        from spacy.matcher import PhraseMatcher

        nlp = blank_pipeline(lang)
        self._vocab = nlp.vocab
        self._tokenizer = nlp.tokenizer
        self._matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self._names: dict[TermKey, str] = {}
        self._ids: dict[int, TermKey] = {}
        self._single: list[tuple[TermKey, re.Pattern[str]]] = []
        self._multi: list[tuple[TermKey, TokenPattern]] = []
        self._handles: dict[str, list[TermKey]] = {}
        for term in leaves:
            literal = []
            for pattern in self._patterns(term):
                if not isinstance(pattern, tuple):
                    literal.append(pattern)
                elif len(pattern) == 1 and isinstance(pattern[0], re.Pattern):
                    self._single.append((term.key, pattern[0]))
                else:
                    self._multi.append((term.key, pattern))
            if literal:
                self._add(term.key, literal)
            if term.key[0].startswith("@") and " " not in term.key[0] and not term.wildcard:
                self._handles.setdefault(term.key[0], []).append(term.key)
        self._log = _NEW_WORDS[lang]
        self._read = len(self._log)
        if self._single or self._handles:
            self._absorb([lexeme.orth_ for lexeme in self._vocab])

    def _add(self, key: TermKey, docs: list[Doc]) -> None:
        if key not in self._names:
            self._names[key] = name = f"vigie-term-{len(self._names)}"
            self._ids[self._vocab.strings.add(name)] = key
        self._matcher.add(self._names[key], docs)

    def _patterns(self, term: Term) -> list[Doc | TokenPattern]:
        """What a term matches: token sequences for the PhraseMatcher, or token patterns with
        wildcards. A single word also matches as a hashtag.

        spaCy's rules depend on case ("peut-être" is one token in French, "Peut-être" three),
        so a term is tokenized as written, in lower, upper and title case, and folded.
        """
        text = " ".join(term.text.split())
        if not (term.wildcard and any(ch in text for ch in WILDCARDS)):
            spellings = [text, text.lower(), text.upper(), text.capitalize(), text.title()]
            spellings.append(term.key[0])
            if " " not in text and text[0] not in "#@" and len(self._tokenizer(text)) == 1:
                spellings += [f"#{s}" for s in spellings]
            docs = {}
            for spelling in spellings:
                doc = self._tokenizer(spelling)
                docs.setdefault(tuple(t.norm for t in doc), doc)
            return list(docs.values())
        sequence: list[str | re.Pattern[str]] = []
        for word in term.key[0].split():
            if any(ch in word for ch in WILDCARDS):
                sequence.append(_wildcard_regex(word))
            else:
                sequence.extend(fold(t.text) for t in self._tokenizer(word))
        return [tuple(sequence)]

    def _absorb(self, words: list[str]) -> None:
        """Words new to the vocabulary that match a wildcard or a handle become patterns."""
        from spacy.tokens import Doc

        for word in words:
            folded = fold(word)
            keys = [key for key, regex in self._single if regex.fullmatch(folded)]
            if folded.startswith("@") and "@" in folded[1:]:
                keys += self._handles.get("@" + folded[1:].split("@", 1)[0], [])
            for key in keys:
                self._add(key, [Doc(self._vocab, words=[word])])

    def hits(self, parts: list[str], meta: dict[str, str | None]) -> _Hits:
        text = "\n\n".join(parts)
        starts, at = [], 0
        for part in parts:
            starts.append(at)
            at += len(part) + 2
        doc = self._tokenizer(text)
        if len(self._log) > self._read and (self._single or self._handles):
            self._absorb(self._log[self._read :])
        self._read = len(self._log)
        found: dict[TermKey, list[Span]] = {}
        for match_id, start, end in self._matcher(doc):
            found.setdefault(self._ids[match_id], []).append((start, end))
        if self._multi:
            self._scan(doc, found)
        return _Hits(doc, text, found, starts, meta)

    def _scan(self, doc: Doc, found: dict[TermKey, list[Span]]) -> None:
        """Phrases with wildcards, token by token."""
        words = [fold(t.text) for t in doc]
        for key, pattern in self._multi:
            size = len(pattern)
            for i in range(len(words) - size + 1):
                if all(
                    w == p if isinstance(p, str) else p.fullmatch(w)
                    for p, w in zip(pattern, words[i : i + size], strict=True)
                ):
                    found.setdefault(key, []).append((i, i + size))


class _Hits:
    """One mention's term positions and metadata, as the query evaluator sees them."""

    __slots__ = ("_before", "_doc", "_found", "_meta", "_part", "_starts", "_text")

    def __init__(
        self,
        doc: Doc,
        text: str,
        found: dict[TermKey, list[Span]],
        starts: list[int],
        meta: dict[str, str | None],
    ) -> None:
        self._doc = doc
        self._text = text
        self._found = found
        self._starts = starts
        self._meta = meta
        self._before: list[int] = []
        self._part: list[int] = []

    def spans(self, term: Term) -> list[Span]:
        return self._found.get(term.key, [])

    def has_any(self, keys: frozenset[TermKey]) -> bool:
        return not keys.isdisjoint(self._found)

    def meta(self, name: str) -> str | None:
        return self._meta.get(name)

    def gap(self, a: Span, b: Span) -> int:
        if not self._before:
            self._measure()
        if self._part[a[0]] != self._part[b[0]]:
            return _APART
        before = self._before
        if a[1] <= b[0]:
            return before[b[0]] - before[a[1]]
        if b[1] <= a[0]:
            return before[a[0]] - before[b[1]]
        return 0

    def _measure(self) -> None:
        """Words before each token (punctuation and spaces do not count) and its part."""
        from spacy.attrs import IDX, IS_PUNCT, IS_SPACE

        before, part = [0], []
        for idx, punct, space in self._doc.to_array([IDX, IS_PUNCT, IS_SPACE]).tolist():
            before.append(before[-1] + (0 if punct or space else 1))
            part.append(bisect_right(self._starts, idx) - 1)
        self._before, self._part = before, part

    def surfaces(self, spans: list[Span]) -> list[str]:
        """The folded text of each span, as written (one space stays one space)."""
        doc, text = self._doc, self._text
        out = []
        for start, end in spans:
            last = doc[end - 1]
            out.append(fold(text[doc[start].idx : last.idx + len(last)]))
        return out


def _outermost(spans: list[Span]) -> list[Span]:
    """Sorted spans without those inside another: "velora city" hides its "velora"."""
    kept: list[Span] = []
    reach = -1
    for span in sorted(set(spans), key=lambda s: (s[0], -s[1])):
        if span[1] > reach:
            kept.append(span)
            reach = span[1]
    return kept


class Matcher:
    """Compiled once per watchlist; `match` is called for every mention of a batch."""

    def __init__(self, watchlist: Watchlist) -> None:
        self._brands = [_compile_brand(b, comp) for b, comp in watchlist.all_brands()]
        self._global_exclude = tuple(_literal(t) for t in watchlist.exclude if t.strip())
        self._by_name = {fold(b.name): (b.name, comp) for b, comp in watchlist.all_brands()}
        leaves: dict[tuple[str, bool], Term] = {}
        for brand in self._brands:
            for term in (*terms(brand.query), *brand.exclude):
                leaves.setdefault(term.key, term)
        for term in self._global_exclude:
            leaves.setdefault(term.key, term)
        self._leaves = list(leaves.values())
        self._engines: dict[str, _Engine] = {}

    @property
    def has_brands(self) -> bool:
        return bool(self._brands)

    def known(self, brand: str) -> tuple[str, bool] | None:
        """The canonical spelling and competitor flag of a brand named in an import file."""
        return self._by_name.get(fold(brand))

    def _engine(self, lang: str | None) -> _Engine:
        key = language(lang)
        if key not in self._engines:
            self._engines[key] = _Engine(key, self._leaves)
        return self._engines[key]

    def match(
        self,
        *texts: str | None,
        lang: str | None = None,
        source: str | None = None,
        author: str | None = None,
    ) -> list[BrandMatch]:
        """Every brand the texts (title, body) are about, ordered by where it is first named.

        `lang` picks the tokenizer and, with `source` and `author`, feeds the query filters.
        """
        if not self._brands:
            return []
        parts = [p for p in (t.strip() for t in texts if t) if p]
        if not parts:
            return []
        meta = {"lang": lang, "source": source, "author": author}
        hits = self._engine(lang).hits(parts, meta)
        if any(hits.spans(t) for t in self._global_exclude):
            return []
        found: list[tuple[float, BrandMatch]] = []
        for brand in self._brands:
            if brand.required is not None and not hits.has_any(brand.required):
                continue
            evidence = brand.query.evaluate(hits)
            if evidence is None or any(hits.spans(t) for t in brand.exclude):
                continue
            spans = _outermost(evidence)
            matched = tuple(dict.fromkeys(hits.surfaces(spans)))
            first = spans[0][0] if spans else math.inf
            found.append((first, BrandMatch(brand.name, brand.is_competitor, matched)))
        # Earliest first: "a Roulix rather than a Velora" is about Roulix before Velora.
        found.sort(key=lambda pair: pair[0])
        return [match for _, match in found]
