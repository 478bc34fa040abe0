"""Per-mention flags for triage: toxic, question, complaint, needs_reply, link_only, bot_like;
and batch-level `spam` for the same text posted by many different authors.

Everything is rule-based and explainable, with word lists per language in
`pipelines/lexicons/` that a team can replace (see `FlagConfig`):

* ``toxic``: a word or phrase of `toxic_<lang>.txt`, as a whole word, case- and
  accent-insensitively. Simple obfuscation is undone first: leetspeak digits and symbols
  ("sh!t", "a$$hole", "m3rde"), a '*' standing for one letter ("f*ck", "p*tain"), and
  stretched letters ("fuuuck", "merdeeee"). Spaced or dotted spellings ("f u c k") are not.
* ``question``: a question mark outside links, or a cue of `questions_<lang>.txt`
  (sentence openers such as "how do", "pourquoi", "est-ce que"; anywhere phrases such as
  "anyone know", "quelqu'un sait"), or, in French, subject inversion ("pouvez-vous",
  "y a-t-il").
* ``complaint``: a phrase of `complaints_<lang>.txt` ("doesn't work", "still waiting",
  "remboursement", "ne marche pas"); phrases marked '~' there do not count right after a
  negation ("no problem", "aucun souci", "pas déçu").
* ``needs_reply``: see `Flagger.flags`.
* ``link_only``: a link, and nothing else but handles, hashtags and punctuation.
* ``bot_like``: hashtag or handle stuffing, or a zero-follower account posting links; in a
  batch, an author above `max_posts_per_author` (see `repeated_text_flags`).
* ``spam`` (batch level): the same normalized text from at least `spam_min_authors`
  different authors. Platform reposts (rows already flagged ``repost``, "RT @...") are
  sharing, not spam, and are not counted.

Flags that normalization set ("url_dropped", "repost") are kept, in front.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipelines.match import fold
from pipelines.sentiment import NEGATIVE_AT
from pipelines.settings import Watchlist
from pipelines.topics import lexicon_path, read_word_list

LANGUAGES = ("en", "fr")
TOXIC = "toxic"
QUESTION = "question"
COMPLAINT = "complaint"
NEEDS_REPLY = "needs_reply"
LINK_ONLY = "link_only"
BOT_LIKE = "bot_like"
SPAM = "spam"

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# "[@#]" first, its lookbehind after it: the same matches as "(?<![\w@#&])[@#]...", but the
# regex engine then jumps from one '@' or '#' to the next instead of trying every position.
_TAG = re.compile(r"[@#](?<![\w@#&][@#])\w+(?:[.-]\w+)*(?:@\w+(?:[.-]\w+)*)?")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
# `_WORD` for ASCII text, where "[^\W_]" is exactly [a-zA-Z0-9] and a bitmap is cheaper.
_WORD_ASCII = re.compile(r"[a-zA-Z0-9]+(?:['-][a-zA-Z0-9]+)*")
# When every "'" and "-" joins two of [a-zA-Z0-9] and no character beyond ASCII is a word
# character, `_WORD` finds exactly the runs of [a-zA-Z0-9'-]: a byte table and a split.
_LONE_JOINER = re.compile(r"['-](?:(?<![a-zA-Z0-9]['-])|(?![a-zA-Z0-9]))")
_WORD_BEYOND_ASCII = re.compile(r"[^\x00-\x7f](?<=[^\W_])")
_WORD_BYTES = bytes(
    c if chr(c) in "'-" or (chr(c).isascii() and chr(c).isalnum()) else ord(" ") for c in range(256)
)
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_BREAKS = r".!?\n;:,…()\[\]\"«»"
_BREAK_CHARS = '.!?\n;:,…()[]"«»'
_SENTENCE_BREAK = re.compile(rf"[{_BREAKS}]+")
# What may precede a sentence opener: spaces, punctuation, emoji, handles, hashtags, "RT".
_LEAD = re.compile(r"^(?:[@#]\w+(?:[.-]\w+)*|rt\b|\s+|[^\w\s@#]+)*")
# `_LEAD` run on the whole text instead of one sentence: each branch stops at a break
# (a tag cannot hold a '.', "\s" is a break only as "\n"), and the group is atomic, so it
# ends where `_LEAD` ends on the sentence; the lookahead asks for a non-empty rest.
_LEAD_IN_TEXT = rf"(?>(?:[@#]\w+(?:-\w+)*|rt\b|[^\S\n]+|[^\w\s@#{_BREAKS}]+)*)(?=[^{_BREAKS}])"
# French subject inversion: "pouvez-vous", "y a-t-il", "est-ce", "sont-ils".
_INVERSION = re.compile(
    r"(?<![\w-])(?!rendez-vous)\w+-(?:t-)?(?:je|tu|il|elle|on|nous|vous|ils|elles|ce)(?![\w-])"
)
# How every `_INVERSION` match ends; it starts with '-', which the engine jumps to.
_INVERSION_END = re.compile(r"-(?:t-)?(?:je|tu|il|elle|on|nous|vous|ils|elles|ce)(?![\w-])")
_NEGATORS = {
    "en": frozenset(("no", "not", "never", "without", "zero", "any", "can't", "cant", "cannot")),
    "fr": frozenset(("pas", "aucun", "aucune", "sans", "zero", "jamais", "ni")),
}
# Leetspeak and symbols standing for letters, for the toxicity check only.
_DELEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                         "@": "a", "$": "s", "!": "i", "|": "i", "€": "e"})  # fmt: skip
_OBFUSCATED = re.compile(r"(?<![\w@#])[a-z][\w*@$!|€]*[*@$!|€0-9][\w*@$!|€]*")
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
# Every `_OBFUSCATED` match holds a symbol or digit right after a letter, digit other than
# 0-9, or '_' (its first one after the leading letter: the chars before it are "[\w*@$!|€]"
# but not "[*@$!|€0-9]"). Starting on the symbol lets the engine skip to the next one.
_LEET_AFTER_WORD_CHAR = re.compile(r"[*@$!|€0-9](?<=[^\W0-9][*@$!|€0-9])")
_CURLY = "’‘ʼ`"  # what `_APOSTROPHES` turns into "'"


@dataclass(frozen=True)
class FlagConfig:
    """Thresholds and word lists. Paths map a language to a file in the lexicon format
    (one entry per line, '#' comments); a language left out uses the shipped list."""

    toxic_paths: Mapping[str, str | Path] = field(default_factory=dict)
    complaint_paths: Mapping[str, str | Path] = field(default_factory=dict)
    question_paths: Mapping[str, str | Path] = field(default_factory=dict)
    # Same normalized text from this many different authors in a batch -> "spam".
    spam_min_authors: int = 3
    # Shorter texts ("thanks!", "+1", "so true") are repeated innocently and never "spam".
    spam_min_words: int = 4
    # An author with this many mentions in one batch, published within the same clock hour
    # -> "bot_like" (None: no limit). A flood is a rate: a month's import is not one.
    max_posts_per_author: int | None = 20
    # At least this many hashtags + handles, and more of them than words -> "bot_like".
    stuffing_min_tags: int = 5
    # Zero followers and a link -> "bot_like".
    zero_follower_links: bool = True
    # Sources whose items are articles, not conversations: never "needs_reply".
    news_sources: frozenset[str] = frozenset({"rss", "gdelt"})


# --- word lists -> patterns -----------------------------------------------------------------


def _phrase_pieces(phrase: str, space: str = r"\s") -> list[str]:
    """A folded phrase as regex pieces: any run of spaces, an optional apostrophe or hyphen.
    `space` is the class standing for a space (one without "\n" stays in a sentence)."""
    pieces: list[str] = []
    for char in fold(phrase.translate(_APOSTROPHES)).strip():
        if char.isspace():
            if pieces[-1:] != [space + "+"]:
                pieces.append(space + "+")
        elif char == "'":
            pieces.append(f"(?:'|{space})?")
        elif char == "-":
            pieces.append(r"[-\s]?" if space == r"\s" else f"(?:-|{space})?")
        else:
            pieces.append(re.escape(char))
    return pieces


def _trie(phrases: Iterable[str], space: str = r"\s") -> str:
    """A word list as one regex, factored as a trie: Python's regex engine tries a flat
    alternation's hundred branches at every position, a trie only the letters that can
    follow. Longer phrases are still tried first. "" for an empty list."""
    end = ""
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for piece in _phrase_pieces(phrase, space):
            node = node.setdefault(piece, {})
        if node is not trie:
            node[end] = {}
    if not trie:
        return ""

    def pattern(node: dict[str, dict]) -> str:
        branches = [piece + pattern(child) for piece, child in sorted(node.items()) if piece]
        if not branches:
            return ""
        if end in node:
            return "(?:" + "|".join(branches) + ")?"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return pattern(trie)


def _alternation(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One whole-word pattern for a word list (see `_trie`)."""
    body = _trie(phrases)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])") if body else None


def _openers(openers: Sequence[str]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Sentence openers found in the whole text in one search, instead of splitting it into
    sentences: (at the text's start, after a break). A sentence holds no break, so phrases
    holding one never match there and are left out, and their spaces exclude "\n"."""
    kept = [
        o
        for o in openers
        if not any(c in _BREAK_CHARS and not c.isspace() for c in fold(o.translate(_APOSTROPHES)))
    ]
    body = _trie(kept, space=r"[^\S\n]")
    if not body:
        return None, None
    opener = rf"{_LEAD_IN_TEXT}(?:{body})(?![\w-])"
    return re.compile(opener), re.compile(rf"[{_BREAKS}]{opener}")


@dataclass(frozen=True)
class _Lexicon:
    toxic: re.Pattern[str] | None
    toxic_words: frozenset[str]
    complaint: re.Pattern[str] | None
    negatable: re.Pattern[str] | None
    opener: re.Pattern[str] | None
    anywhere: re.Pattern[str] | None
    # Any phrase of the lists above: most texts hold none, and one search tells so.
    phrases: re.Pattern[str] | None
    # `opener` in a sentence, searched in the whole text (see `_openers`).
    opener_at_start: re.Pattern[str] | None
    opener_after_break: re.Pattern[str] | None


def _entries(lang: str, kind: str, paths: Mapping[str, str | Path]) -> list[str]:
    path = paths.get(lang)
    return read_word_list(Path(path) if path else lexicon_path(f"{kind}_{lang}.txt"))


@lru_cache(maxsize=16)
def _compile(lang: str, toxic: str, complaints: str, questions: str) -> _Lexicon:
    """Patterns for one language; the arguments are the list paths ("" for shipped lists)."""
    toxic_list = _entries(lang, "toxic", {lang: toxic} if toxic else {})
    complaint_list = _entries(lang, "complaints", {lang: complaints} if complaints else {})
    question_list = _entries(lang, "questions", {lang: questions} if questions else {})
    openers = [q[1:] for q in question_list if q.startswith("^")]
    complaints = [c for c in complaint_list if not c.startswith("~")]
    negatables = [c[1:] for c in complaint_list if c.startswith("~")]
    anywhere = [q for q in question_list if not q.startswith("^")]
    opener_at_start, opener_after_break = _openers(openers)
    return _Lexicon(
        toxic=_alternation(toxic_list),
        toxic_words=frozenset(fold(w) for w in toxic_list if " " not in w),
        complaint=_alternation(complaints),
        negatable=_alternation(negatables),
        opener=_alternation(openers),
        anywhere=_alternation(anywhere),
        phrases=_alternation([*toxic_list, *complaints, *negatables, *anywhere]),
        opener_at_start=opener_at_start,
        opener_after_break=opener_after_break,
    )


# --- the per-mention checks -----------------------------------------------------------------


def _words(text: str) -> list[str]:
    """`_WORD.findall(text)`, cheaper when it is a split (see `_WORD_BYTES`)."""
    ascii_ = text.isascii()
    if _LONE_JOINER.search(text) is None and (ascii_ or _WORD_BEYOND_ASCII.search(text) is None):
        # "replace" turns each other character into one '?', which is no word character either.
        return text.encode("ascii", "replace").translate(_WORD_BYTES).decode("ascii").split()
    return (_WORD_ASCII if ascii_ else _WORD).findall(text)


# `_STRETCHED` on ASCII letters ([a-zA-Z], what "[^\W\d_]" is in ASCII), with big-integer
# arithmetic: the text's bytes as one number, one byte lane per character.
_NOT_ASCII_LETTER = bytes(0 if chr(c).isascii() and chr(c).isalpha() else 1 for c in range(256))
# `_STRETCHED` on the other letters: the engine jumps from one non-ASCII character to the next.
_STRETCHED_BEYOND_ASCII = re.compile(r"([^\x00-\x7f])(?<=[^\W\d_])\1\1")


@lru_cache(maxsize=4096)
def _lanes(count: int) -> tuple[int, int]:
    """0x0101...01 and 0x8080...80 over `count` bytes."""
    low = int.from_bytes(b"\x01" * count, "little")
    return low, low << 7


def _stretched(text: str) -> bool:
    """`_STRETCHED.search(text) is not None`, without a regex step per character.

    In `x`, the text as bytes ("?" for the non-ASCII), lane i of `x ^ x >> 8` is zero when
    characters i and i+1 are equal, so lane i of `same` is zero exactly when characters i to
    i+2 are the same ASCII letter (a letter is never 0, so the last two lanes are not zero).
    `(same - low) & ~same & high` is then non-zero exactly when some lane is zero: subtracting
    1 from each lane borrows only from a zero lane, and no lane reaches 0x80 (ASCII)."""
    data = text.encode("ascii", "replace")
    x = int.from_bytes(data, "little")
    pairs = x ^ (x >> 8)
    same = pairs | (pairs >> 8) | int.from_bytes(data.translate(_NOT_ASCII_LETTER), "little")
    low, high = _lanes(len(data))
    if (same - low) & ~same & high:
        return True
    return not text.isascii() and _STRETCHED_BEYOND_ASCII.search(text) is not None


def _is_toxic(folded: str, lexicon: _Lexicon, listed: bool) -> bool:
    """`listed`: whether some phrase of the lexicon's lists is in `folded` (else the toxic
    one cannot be)."""
    if lexicon.toxic is None:
        return False
    if listed and lexicon.toxic.search(folded):
        return True
    if _stretched(folded):
        for repl in (r"\1", r"\1\1"):
            if lexicon.toxic.search(_STRETCHED.sub(repl, folded)):
                return True
    if _LEET_AFTER_WORD_CHAR.search(folded) is None:  # no `_OBFUSCATED` match then
        return False
    for match in _OBFUSCATED.finditer(folded):
        word = match.group().rstrip("!.?,;:")
        if not _LETTER_OR_DIGIT.search(word) or word.isdigit():
            continue
        plain = word.translate(_DELEET)
        if "*" not in plain:
            if plain in lexicon.toxic_words or _STRETCHED.sub(r"\1", plain) in lexicon.toxic_words:
                return True
            continue
        if sum(c.isalpha() for c in plain) < 2:
            continue
        shape = re.compile("".join("[a-z]" if c == "*" else re.escape(c) for c in plain))
        if any(len(w) == len(plain) and shape.fullmatch(w) for w in lexicon.toxic_words):
            return True
    return False


def _is_complaint(folded: str, lexicon: _Lexicon, lang: str, listed: bool) -> bool:
    if not listed:
        return False
    if lexicon.complaint is not None and lexicon.complaint.search(folded):
        return True
    if lexicon.negatable is None:
        return False
    negators = _NEGATORS.get(lang, _NEGATORS["en"])
    for match in lexicon.negatable.finditer(folded):
        before = folded[max(0, match.start() - 40) : match.start()].split()[-3:]
        if not any(w.strip(".,;:!?") in negators for w in before):
            return True
    return False


def _question_kind(
    clean: str, folded: str, lexicon: _Lexicon, lang: str, listed: bool
) -> tuple[bool, bool]:
    """(is a question, is phrased as one): a bare "?" is the first, not the second.

    An opener starts a sentence after `_LEAD`; `lexicon.opener_*` find that in the whole
    text (as `_opener_in_a_sentence` does sentence by sentence)."""
    phrased = bool(listed and lexicon.anywhere and lexicon.anywhere.search(folded))
    at_start, after_break = lexicon.opener_at_start, lexicon.opener_after_break
    if not phrased and at_start is not None and after_break is not None:
        phrased = bool(at_start.match(folded) or after_break.search(folded))
    if not phrased and lang == "fr":
        phrased = _INVERSION_END.search(folded) is not None and bool(_INVERSION.search(folded))
    return phrased or "?" in clean, phrased


def _opener_in_a_sentence(folded: str, lexicon: _Lexicon) -> bool:
    """Whether a sentence of `folded` starts, after `_LEAD`, with an opener: the rule as first
    written, which `_question_kind` must agree with (see the tests)."""
    if lexicon.opener is None:
        return False
    for sentence in _SENTENCE_BREAK.split(folded):
        start = _LEAD.match(sentence)
        rest = sentence[start.end() :] if start else sentence
        if rest and lexicon.opener.match(rest):
            return True
    return False


class Flagger:
    """Built once per run; `flags` is called for every mention."""

    def __init__(self, watchlist: Watchlist | None = None, config: FlagConfig | None = None):
        self.watchlist = watchlist or Watchlist()
        self.config = config or FlagConfig()
        # Our own brands' handles ("@velora"): a post naming one is addressed to us.
        # Each handle's first character comes before the lookbehind: the same matches as
        # "(?<![\w@])(?:@a|@b)", but the engine jumps from one '@' to the next.
        handles = [fold(h) for b in self.watchlist.brands for h in b.handles]
        self._own_handles = (
            re.compile(
                "(?:"
                + "|".join(
                    f"{re.escape(h[:1])}(?<![\\w@]{re.escape(h[:1])}){re.escape(h[1:])}"
                    for h in handles
                )
                + r")(?![\w])"
            )
            if handles
            else None
        )

    def _lexicon(self, lang: str) -> _Lexicon:
        c = self.config
        return _compile(
            lang,
            str(c.toxic_paths.get(lang, "")),
            str(c.complaint_paths.get(lang, "")),
            str(c.question_paths.get(lang, "")),
        )

    def _lang(self, lang: str | None) -> str:
        code = (lang or "").lower().replace("_", "-").split("-")[0]
        return code if code in LANGUAGES else self.watchlist.default_language

    def flags(self, *args: Any, **kwargs: Any) -> list[str]:
        """`check` without the words: the mention's flags only."""
        return self.check(*args, **kwargs)[0]

    def check(
        self, text: str | None, lang: str | None, *args: Any, **kwargs: Any
    ) -> tuple[list[str], list[str]]:
        """The mention's flags, and the folded words `spam_key` would compute (free here).

        Flags: `existing` ones first, then the new ones in a fixed order. ``needs_reply``
        marks what a community manager should answer: a question or a complaint about one of
        our brands (not a competitor), outside news sources, that either names one of our
        handles, or is a complaint scored negative (`compound`, the mention's sentiment), or
        is phrased as a request ("how do I", "quelqu'un sait", "pouvez-vous"). A bare "?"
        without a handle ("who even buys this?") is not enough, nor is a complaint whose
        sentiment is not known. The other arguments are `decide`'s.
        """
        return self.decide(self.read(text, lang), *args, **kwargs)

    def read(self, text: str | None, lang: str | None) -> TextFlags:
        """What the text alone tells, the same for every copy of it (see `check`)."""
        text = text or ""
        lang = self._lang(lang)
        lexicon = self._lexicon(lang)
        # Each pass below is skipped when the text lacks the character it looks for.
        # A link holds "://" or, in any case, "www." (no other character matches 'w' or '.'
        # case-insensitively).
        maybe_url = "://" in text or "www." in text.lower()
        clean, links = _URL.subn(" ", text) if maybe_url else (text, 0)
        has_link = links > 0
        for curly in _CURLY:  # `clean.translate(_APOSTROPHES)`, without a dict lookup per character
            if curly in clean:
                clean = clean.replace(curly, "'")
        folded = fold(clean)
        # The tags are only counted: `subn` counts what `findall` would list.
        untagged, tags = _TAG.subn(" ", folded) if "@" in folded or "#" in folded else (folded, 0)
        words = _words(untagged)
        listed = lexicon.phrases is not None and lexicon.phrases.search(folded) is not None
        question, phrased = _question_kind(clean, folded, lexicon, lang, listed)
        return TextFlags(
            toxic=_is_toxic(folded, lexicon, listed),
            question=question,
            phrased=phrased,
            complaint=_is_complaint(folded, lexicon, lang, listed),
            addressed=bool(self._own_handles and self._own_handles.search(folded)),
            has_link=has_link,
            link_only=has_link and not [w for w in words if w not in ("rt", "via", "cc")],
            stuffed=tags >= self.config.stuffing_min_tags and tags > len(words),
            words=words,
        )

    def decide(
        self,
        text: TextFlags,
        author_followers: int | None = None,
        *,
        is_competitor: bool | None = None,
        compound: float | None = None,
        source: str | None = None,
        existing: Sequence[str] | None = None,
    ) -> tuple[list[str], list[str]]:
        """`check`, from what `read` found in the text."""
        new: list[str] = []
        if text.toxic:
            new.append(TOXIC)
        if text.question:
            new.append(QUESTION)
        if text.complaint:
            new.append(COMPLAINT)
        negative = compound is not None and compound <= NEGATIVE_AT
        if (
            (text.question or text.complaint)
            and not is_competitor
            and source not in self.config.news_sources
            and (text.addressed or (text.complaint and negative) or text.phrased)
        ):
            new.append(NEEDS_REPLY)
        if text.link_only:
            new.append(LINK_ONLY)
        zero_audience = self.config.zero_follower_links and author_followers == 0
        if text.stuffed or (zero_audience and text.has_link):
            new.append(BOT_LIKE)
        return merge_flags(existing, new), text.words


@dataclass(frozen=True)
class TextFlags:
    """What a mention's text alone says about its flags (`Flagger.read`)."""

    toxic: bool
    question: bool
    phrased: bool  # phrased as a question, not only a "?"
    complaint: bool
    addressed: bool  # names one of our own handles
    has_link: bool
    link_only: bool
    stuffed: bool  # hashtag or handle stuffing
    words: list[str]  # folded words, without links and tags (see `spam_key`)


def merge_flags(existing: Iterable[str] | None, new: Iterable[str]) -> list[str]:
    """Existing flags first, then new ones, each once."""
    return list(dict.fromkeys([*(existing or ()), *new]))


# --- batch level ----------------------------------------------------------------------------


def spam_key(text: str | None, min_words: int = 4) -> str | None:
    """The text as spam campaigns repeat it: folded, without links, handles, hashtags, "RT"
    and punctuation (campaigns vary the link and the tags); None when too short to tell."""
    if not text:
        return None
    folded = _TAG.sub(" ", fold(_URL.sub(" ", text).translate(_APOSTROPHES)))
    words = [w for w in _WORD.findall(folded) if w != "rt"]
    return " ".join(words) if len(words) >= min_words else None


def _is_repost(row: Mapping[str, Any]) -> bool:
    text = (row.get("text") or "").lstrip()
    return "repost" in (row.get("flags") or ()) or text[:3].upper() == "RT "


def repeated_text_flags(
    rows: Sequence[Mapping[str, Any]], config: FlagConfig | None = None
) -> list[list[str]]:
    """Batch-level flags to add, one list per row, in the rows' order.

    ``spam``: the row's normalized text (`spam_key`) was posted by at least
    `spam_min_authors` different authors of the batch. ``bot_like``: the row's author has at
    least `max_posts_per_author` rows in the batch published within the same clock hour.
    Reposts are neither counted nor flagged spam. Rows need "text" and "author_id" (and
    "published_at", else the whole batch is one hour); rows without an author are never
    counted.
    """
    config = config or FlagConfig()
    keys = [batch_key(row, config) for row in rows]
    hours = [hour_of(row.get("published_at")) for row in rows]
    return repeated_flags(keys, [row.get("author_id") for row in rows], config, hours=hours)


def hour_of(moment: datetime | None) -> datetime | None:
    """The clock hour a post was published in: the unit floods are counted per."""
    return moment.replace(minute=0, second=0, microsecond=0) if moment else None


def batch_key(
    row: Mapping[str, Any], config: FlagConfig | None = None, words: list[str] | None = None
) -> int | None:
    """A compact stable hash of the row's `spam_key` (None for reposts and short texts): what
    `repeated_flags` needs of a row, small enough to keep for a million-row batch. `words`
    are the row's words as `Flagger.check` returned them, when at hand."""
    config = config or FlagConfig()
    if _is_repost(row):
        return None
    if words is None:
        key = spam_key(row.get("text"), config.spam_min_words)
    else:
        kept = [w for w in words if w != "rt"]
        key = " ".join(kept) if len(kept) >= config.spam_min_words and row.get("text") else None
    if key is None:
        return None
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def repeated_flags(
    keys: Sequence[Hashable | None],
    authors: Sequence[str | None],
    config: FlagConfig | None = None,
    *,
    hours: Sequence[Hashable] | None = None,
) -> list[list[str]]:
    """`repeated_text_flags` from each row's spam key (or `batch_key`), author and hour of
    publication (without `hours`, the whole batch counts as one hour)."""
    counts = RepeatCounts(config)
    hours = [None] * len(keys) if hours is None else hours
    slots = [counts.add(k, a, h) for k, a, h in zip(keys, authors, hours, strict=True)]
    return [counts.flags(k, s) for k, s in zip(keys, slots, strict=True)]


class RepeatCounts:
    """Authors per text and posts per author-hour, counted as rows arrive: what the batch
    flags (`repeated_flags`) are decided on. Small per row, for million-row batches: a text's
    author is kept as one name until a second one comes, and one object stands for an hour.
    """

    def __init__(self, config: FlagConfig | None = None) -> None:
        self.config = config or FlagConfig()
        self._authors: dict[Hashable, str | set[str]] = {}
        self._posts: Counter[tuple[str, Hashable]] = Counter()
        self._hours: dict[Hashable, Hashable] = {}

    def add(
        self, key: Hashable | None, author: str | None, hour: Hashable
    ) -> tuple[str, Hashable] | None:
        """Count one row; its (author, hour) slot, None without an author (never counted)."""
        if not author:
            return None
        slot = (author, self._hours.setdefault(hour, hour))
        self._posts[slot] += 1
        if key is not None:
            known = self._authors.get(key)
            if known is None:
                self._authors[key] = author
            elif isinstance(known, str):
                if known != author:
                    self._authors[key] = {known, author}
            else:
                known.add(author)
        return slot

    def spam(self, key: Hashable | None) -> bool:
        known = None if key is None else self._authors.get(key)
        authors = 0 if known is None else 1 if isinstance(known, str) else len(known)
        return authors >= self.config.spam_min_authors

    def flood(self, slot: tuple[str, Hashable] | None) -> bool:
        limit = self.config.max_posts_per_author
        return slot is not None and limit is not None and self._posts[slot] >= limit

    def flags(self, key: Hashable | None, slot: tuple[str, Hashable] | None) -> list[str]:
        """The batch flags of a row with this key and slot, as counted so far."""
        out = [SPAM] if self.spam(key) else []
        if self.flood(slot):
            out.append(BOT_LIKE)
        return out


def spam_authors(rows: Sequence[Mapping[str, Any]], config: FlagConfig | None = None) -> set[str]:
    """Authors of the batch's spam or bot-like rows (by `repeated_text_flags`)."""
    return {
        row["author_id"]
        for row, new in zip(rows, repeated_text_flags(rows, config), strict=True)
        if new and row.get("author_id")
    }
