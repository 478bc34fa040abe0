"""The watchlist's boolean query language: lexer, parser, AST and evaluator.

Analysts already write these queries for Brandwatch, Talkwalker or Meltwater, so a brand's
`query` uses the same shapes and can be copied over with few edits. This module knows nothing
about tokenization: `pipelines.match` finds where each term occurs in a mention and hands the
evaluator those positions (the `Hits` protocol), so a query is parsed once and evaluated on
hundreds of thousands of mentions.

Syntax
    velora              a term: one word, matched as a whole token
    "velora city"       a phrase: consecutive tokens; quotes also make AND, OR, NOT or lang:fr
                        plain words. A one-word phrase is the same as the bare word.
    velo*   v?lora      wildcards inside one token: * is any run of characters, ? exactly one;
                        a term cannot start with one; phrases take them too: "velora cit*"
    #velora  @velora    a hashtag, a handle
    a AND b    a b      both: adjacent terms are AND-ed (as in Brandwatch)
    a OR b              either
    NOT a               not; `a NOT b` reads as `a AND NOT b`
    a NEAR/3 b          at most 3 words between a and b, in either order (NEAR/0: adjacent,
                        NEAR/100 at most). Each side is a term, a phrase, a NEAR or an OR
                        group of those.
    ( ... )             grouping
    lang:fr  source:reddit  author:@name  author:"Jean Dupont"   metadata filters

Operators are uppercase only, so the words and, or, not are ordinary terms. Binding, tightest
first: NOT, NEAR, AND (explicit or implicit), OR; so `a OR b NOT c` is `a OR (b AND NOT c)`:
bracket the ORs to exclude from all of them.

Meaning
- Terms are folded like the text (lowercase, accents removed): "Société" = "societe". A term
  the tokenizer splits (l'orange, 4G/5G) is matched as the phrase of its tokens.
- A word also matches its hashtag (velora matches "#Velora"), never a handle (@velora), a
  longer word ("Veloras") nor a web address (velora.com: velo* does); #velora matches only the
  hashtag; @velora only the handle, also as @velora@instance (Mastodon).
- NEAR counts words: punctuation is not counted, and a mention's title is never near its body.
- lang:fr also matches regional tags (fr-CA); source is a source name (reddit, rss...); author
  ignores case, accents and a leading @, and accepts * and ?. A filter is false when the
  mention's metadata is unknown.
- The matched terms of a mention are the folded surface forms that made the query true; NOT
  branches and filters contribute none.

A mistake raises QuerySyntaxError(message, position), position being the 1-based column in the
query string, so that the watchlist loader can say where the query is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Protocol

FILTER_FIELDS = ("author", "lang", "source")
MAX_NEAR = 100
WILDCARDS = "*?"

Span = tuple[int, int]  # [start, end) token positions in the mention


# The combining accents of Latin text, which `unicodedata.combining` flags (U+034F, the
# grapheme joiner, it does not); other scripts' marks are checked one character at a time.
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lowercase without accents; used on both sides of every comparison."""
    if text.isascii():  # the common case, and there NFKD and casefold are plain lower()
        return text.lower()
    text = _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", text))
    if not text.isascii():
        text = _NON_ASCII.sub(_unless_mark, text)
    return text.casefold()


def _unless_mark(match: re.Match[str]) -> str:
    return "" if unicodedata.combining(match.group()) else match.group()


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed; `position` is the 1-based column of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"syntax error at column {position}: {message}")
        self.message = message
        self.position = position


class Hits(Protocol):
    """What the evaluator needs to know about one mention."""

    def spans(self, term: Term) -> Sequence[Span]:
        """Where the term occurs, in token positions."""

    def gap(self, a: Span, b: Span) -> int:
        """Words between two spans (0 when they touch or overlap)."""

    def meta(self, name: str) -> str | None:
        """The mention's `lang`, `source` or `author`, when known."""


# --- AST -------------------------------------------------------------------------------------
# `evaluate` returns None when the node is false, else the spans that made it true (its
# evidence). `positions` (terms, OR groups and NEAR only) returns every place the node holds,
# each with its evidence, so that NEAR can measure distances between them.

Positions = list[tuple[Span, tuple[Span, ...]]]


@dataclass(frozen=True)
class Term:
    text: str  # as written, without quotes
    pos: int
    wildcard: bool = False  # holds * or ? to expand (literal in watchlist names and excludes)

    @cached_property
    def key(self) -> tuple[str, bool]:
        """Identity across queries: the same term in two brands is looked up once."""
        return " ".join(fold(self.text).split()), self.wildcard

    def evaluate(self, hits: Hits) -> list[Span] | None:
        found = hits.spans(self)
        return list(found) if found else None

    def positions(self, hits: Hits) -> Positions:
        return [(span, (span,)) for span in hits.spans(self)]


@dataclass(frozen=True)
class Filter:
    name: str  # one of FILTER_FIELDS
    value: str
    pos: int

    @cached_property
    def _author(self) -> re.Pattern[str]:
        wanted = fold(self.value).removeprefix("@")
        pattern = "".join(
            ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in wanted
        )
        return re.compile(pattern, re.DOTALL)

    def test(self, actual: str | None) -> bool:
        """Whether the mention's metadata value satisfies the filter; unknown never does."""
        if not actual:
            return False
        if self.name == "lang":
            lang = actual.strip().lower().replace("_", "-")
            wanted = self.value.lower().replace("_", "-")
            return lang == wanted or lang.startswith(wanted + "-")
        if self.name == "source":
            return actual.strip().lower() == self.value.lower()
        author = fold(actual.strip()).removeprefix("@")
        # A Mastodon author is user@instance: author:@user matches it.
        return bool(
            self._author.fullmatch(author) or self._author.fullmatch(author.split("@", 1)[0])
        )

    def evaluate(self, hits: Hits) -> list[Span] | None:
        return [] if self.test(hits.meta(self.name)) else None


@dataclass(frozen=True)
class Not:
    child: Node
    pos: int

    def evaluate(self, hits: Hits) -> list[Span] | None:
        return [] if self.child.evaluate(hits) is None else None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    pos: int

    def evaluate(self, hits: Hits) -> list[Span] | None:
        evidence: list[Span] = []
        for child in self.children:
            found = child.evaluate(hits)
            if found is None:
                return None
            evidence += found
        return evidence


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    pos: int

    def evaluate(self, hits: Hits) -> list[Span] | None:
        # Every true branch counts as evidence, so no short-circuit.
        evidence: list[Span] | None = None
        for child in self.children:
            found = child.evaluate(hits)
            if found is not None:
                evidence = (evidence or []) + found
        return evidence

    def positions(self, hits: Hits) -> Positions:
        return [p for child in self.children for p in _positions(child, hits)]


@dataclass(frozen=True)
class Near:
    left: Node
    right: Node
    distance: int
    pos: int

    def positions(self, hits: Hits) -> Positions:
        right = _positions(self.right, hits)
        if not right:
            return []
        found: dict[Span, tuple[Span, ...]] = {}
        for a, evidence_a in _positions(self.left, hits):
            for b, evidence_b in right:
                if hits.gap(a, b) <= self.distance:
                    both = (min(a[0], b[0]), max(a[1], b[1]))
                    found.setdefault(both, evidence_a + evidence_b)
        return list(found.items())

    def evaluate(self, hits: Hits) -> list[Span] | None:
        found = self.positions(hits)
        return [span for _, evidence in found for span in evidence] if found else None


Node = Term | Filter | Not | And | Or | Near


def _positions(node: Node, hits: Hits) -> Positions:
    if isinstance(node, Term | Or | Near):
        return node.positions(hits)
    raise TypeError(f"{type(node).__name__} has no position; the parser keeps it out of NEAR")


def terms(node: Node) -> Iterator[Term]:
    """Every term of a query, NOT branches included (the matcher must look for all of them)."""
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Not):
        yield from terms(node.child)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from terms(child)
    elif isinstance(node, Near):
        yield from terms(node.left)
        yield from terms(node.right)


def needs_terms(node: Node) -> bool:
    """Whether the node is false whenever none of its terms occurs, whatever the metadata:
    the matcher then skips the query for a mention that holds none of them."""
    if isinstance(node, Term | Near):
        return True
    if isinstance(node, And):
        return any(needs_terms(child) for child in node.children)
    if isinstance(node, Or):
        return all(needs_terms(child) for child in node.children)
    return False  # a filter, or NOT (true when its operand is absent)


# --- lexer -----------------------------------------------------------------------------------

_OPEN_QUOTES = '"“'
_CLOSE_QUOTES = '"”'
_WORD_END = set("()" + _OPEN_QUOTES + _CLOSE_QUOTES)
_FILTER = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_NEAR_LIKE = re.compile(r"near(?:/.*)?", re.IGNORECASE | re.DOTALL)
_LANG_VALUE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_SOURCE_VALUE = re.compile(r"[A-Za-z0-9_.-]+")
# Kinds that can begin an operand: seeing one right after an operand means an implicit AND.
_STARTS = {"(", "NOT", "TERM", "PHRASE", "FILTER"}


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", AND, OR, NOT, NEAR, TERM, PHRASE, FILTER, EOF
    text: str  # as written, for messages
    pos: int  # 1-based column
    value: str = ""  # TERM/PHRASE text, FILTER value
    name: str = ""  # FILTER field
    distance: int = 0  # NEAR
    wildcard: bool = False


def _check_wildcards(word: str, pos: int) -> bool:
    """Whether a word holds wildcards; a leading one would match nearly every token."""
    if not any(ch in word for ch in WILDCARDS):
        return False
    bare = word.lstrip("#@")
    if not bare or bare[0] in WILDCARDS:
        raise QuerySyntaxError(f"a term cannot start with a wildcard: {word!r}", pos)
    return True


class _Lexer:
    def __init__(self, query: str) -> None:
        self.query = query
        self.i = 0

    def error(self, message: str, index: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, index + 1)

    def tokens(self) -> list[_Token]:
        out = []
        q = self.query
        while True:
            while self.i < len(q) and q[self.i].isspace():
                self.i += 1
            if self.i >= len(q):
                out.append(_Token("EOF", "end of query", len(q) + 1))
                return out
            start, ch = self.i, q[self.i]
            if ch in "()":
                self.i += 1
                out.append(_Token(ch, ch, start + 1))
            elif ch in _OPEN_QUOTES:
                text = self.quoted()
                if not text.strip():
                    raise self.error("empty phrase", start)
                wildcard = any(_check_wildcards(w, start + 1) for w in text.split())
                out.append(_Token("PHRASE", q[start : self.i], start + 1, text, wildcard=wildcard))
            elif ch in _CLOSE_QUOTES:
                raise self.error("closing quote without an opening one", start)
            else:
                out.append(self.word(start))

    def quoted(self) -> str:
        """The text between quotes at self.i; leaves self.i after the closing quote."""
        start = self.i
        end = start + 1
        while end < len(self.query) and self.query[end] not in _CLOSE_QUOTES:
            end += 1
        if end >= len(self.query):
            raise self.error("unterminated quote", start)
        self.i = end + 1
        return self.query[start + 1 : end]

    def word(self, start: int) -> _Token:
        q = self.query
        end = start
        while end < len(q) and not q[end].isspace() and q[end] not in _WORD_END:
            end += 1
        self.i = end
        word = q[start:end]
        pos = start + 1
        if word in ("AND", "OR", "NOT"):
            return _Token(word, word, pos)
        if _NEAR_LIKE.fullmatch(word) and (word.startswith("NEAR") or "/" in word):
            return self.near(word, pos)
        filtered = _FILTER.fullmatch(word)
        if filtered:
            return self.filter(filtered.group(1), filtered.group(2), start)
        return _Token("TERM", word, pos, word, wildcard=_check_wildcards(word, pos))

    def near(self, word: str, pos: int) -> _Token:
        if not word.startswith("NEAR"):
            raise QuerySyntaxError(f"operators are uppercase: write {word.upper()}", pos)
        distance = word[5:]
        if word == "NEAR" or not distance:
            raise QuerySyntaxError("NEAR needs a distance, e.g. NEAR/3", pos)
        if not distance.isascii() or not distance.isdigit():
            raise QuerySyntaxError(f"bad NEAR distance {distance!r}: expected a number", pos)
        if int(distance) > MAX_NEAR:
            raise QuerySyntaxError(f"NEAR distance {distance} is over {MAX_NEAR} words", pos)
        return _Token("NEAR", word, pos, distance=int(distance))

    def filter(self, name: str, value: str, start: int) -> _Token:
        pos = start + 1
        if name.lower() not in FILTER_FIELDS:
            raise QuerySyntaxError(
                f"unknown filter field {name!r} (known: {', '.join(FILTER_FIELDS)}); "
                f'quote the term to search for it: "{name}:{value}"',
                pos,
            )
        name = name.lower()
        value_at = start + len(name) + 1
        if not value and self.i < len(self.query) and self.query[self.i] in _OPEN_QUOTES:
            value = self.quoted()
        if not value.strip():
            raise QuerySyntaxError(f"{name}: needs a value, e.g. {name}:{_EXAMPLES[name]}", pos)
        value = value.strip()
        checks = {"lang": _LANG_VALUE, "source": _SOURCE_VALUE}
        if name in checks and not checks[name].fullmatch(value):
            raise self.error(
                f"{name}: expects a value like {_EXAMPLES[name]}, not {value!r}", value_at
            )
        return _Token("FILTER", self.query[start : self.i], pos, value, name=name)


_EXAMPLES = {"lang": "fr", "source": "reddit", "author": "@name"}


# --- parser ----------------------------------------------------------------------------------


@dataclass
class _Parser:
    tokens: list[_Token]
    i: int = field(default=0)

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def query(self) -> Node:
        if self.peek().kind == "EOF":
            raise QuerySyntaxError("empty query", 1)
        node = self.any_of(None)
        extra = self.peek()
        if extra.kind == ")":
            raise QuerySyntaxError("unmatched ')'", extra.pos)
        return node

    def any_of(self, after: _Token | None) -> Node:
        children = [self.all_of(after)]
        while self.peek().kind == "OR":
            op = self.take()
            children.append(self.all_of(op))
        return children[0] if len(children) == 1 else Or(tuple(children), children[0].pos)

    def all_of(self, after: _Token | None) -> Node:
        children = [self.near(after)]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                op = self.take()
                children.append(self.near(op))
            elif kind in _STARTS:
                children.append(self.near(None))
            else:
                break
        return children[0] if len(children) == 1 else And(tuple(children), children[0].pos)

    def near(self, after: _Token | None) -> Node:
        left = self.unary(after)
        while self.peek().kind == "NEAR":
            op = self.take()
            _check_near_side(left, op)
            right = self.unary(op)
            _check_near_side(right, op)
            left = Near(left, right, op.distance, left.pos)
        return left

    def unary(self, after: _Token | None) -> Node:
        if self.peek().kind == "NOT":
            op = self.take()
            return Not(self.unary(op), op.pos)
        return self.primary(after)

    def primary(self, after: _Token | None) -> Node:
        token = self.peek()
        if token.kind == "(":
            self.take()
            if self.peek().kind == ")":
                raise QuerySyntaxError("empty parentheses", token.pos)
            if self.peek().kind == "EOF":
                raise QuerySyntaxError("expected a term and ')' after '('", self.peek().pos)
            inner = self.any_of(token)
            close = self.peek()
            if close.kind != ")":
                raise QuerySyntaxError(
                    f"expected ')' to close the '(' at column {token.pos}", close.pos
                )
            self.take()
            return replace(inner, pos=token.pos)
        if token.kind in ("TERM", "PHRASE"):
            self.take()
            return Term(token.value, token.pos, token.wildcard)
        if token.kind == "FILTER":
            self.take()
            return Filter(token.name, token.value, token.pos)
        if after is None:
            raise QuerySyntaxError(f"'{token.text}' needs a term before it", token.pos)
        if token.kind in ("EOF", ")"):
            raise QuerySyntaxError(f"'{after.text}' needs a term after it", after.pos)
        raise QuerySyntaxError(
            f"expected a term after '{after.text}', found '{token.text}'", token.pos
        )


def _check_near_side(node: Node, op: _Token) -> None:
    """NEAR measures distances between places in the text; only some nodes have one."""
    if isinstance(node, Term | Near):
        return
    if isinstance(node, Or):
        for child in node.children:
            _check_near_side(child, op)
        return
    what = {Not: "NOT", Filter: "a filter", And: "AND"}[type(node)]
    hint = f"; put NOT outside: NOT (a {op.text} b)" if isinstance(node, Not) else ""
    raise QuerySyntaxError(
        f"{op.text} joins terms, phrases or OR groups of them, not {what}{hint}", node.pos
    )


def parse(query: str) -> Node:
    """The AST of a query; QuerySyntaxError with its column when it is not well formed."""
    return _Parser(_Lexer(query).tokens()).query()
