"""French sentiment: VADER's scoring model with French rules and a corrected lexicon.

The `vaderSentiment-fr` package ships a useful French lexicon, but its scoring code is the
English one with French words swapped in, and it misses how French expresses opinion:

* negation surrounds the verb ("je n'aime pas", "ça ne marche plus") or follows it in speech
  ("j'aime pas"), stops at a comma, and "plus" only negates with "ne" ("plus beau" is a
  comparison);
* elision glues articles and pronouns to words ("l'appli", "n'est", "qu'il"), with a straight
  or a typographic apostrophe, so "l'échec" never reaches the lexicon;
* some meaning lives in fixed phrases ("pas mal" is praise, "pas terrible" is not, "pas cher"
  is a selling point);
* adverbs such as "super" or "trop" are boosters before an adjective but opinions on their
  own ("c'est super !");
* machine translation left noise in the lexicon: prepositions with a valence ("sur", from
  "sûr"), "prix" and "cher" scored as praise, "content" missing.

So this module keeps VADER's arithmetic (valences on the -4..+4 scale, boosters, capitals,
exclamation marks, the "but" rule, the same normalisation into a compound score) and
replaces the tokenizer, the negation rules and the lexicon merge. It is linear in the
length of the text, unlike VADER's reference code.

Data: the packaged French lexicon (read from the installed `vaderSentiment_fr`, never
downloaded), corrected by `lexicons/fr_lexicon.tsv` shipped with Vigie; emoji valences come
from English VADER's emoji descriptions scored with its own lexicon, corrected by
`lexicons/emoji.tsv`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Container, Iterator, Sequence
from functools import lru_cache
from importlib import resources
from itertools import compress
from typing import NamedTuple, cast

# VADER's empirically derived constants, kept so that French and English scores share a scale.
B_INCR = 0.293
B_DECR = -0.293
C_INCR = 0.733
N_SCALAR = -0.74
ALPHA = 15.0


def _words(spaced: str) -> frozenset[str]:
    """A word list written as one string, so that long lists stay readable."""
    return frozenset(spaced.split())


# Degree adverbs (folded). Positive ones amplify, negative ones dampen, like VADER's
# BOOSTER_DICT. Some are also opinions on their own ("super"); see `_modifies_next`.
BOOSTERS: dict[str, float] = {
    **dict.fromkeys(
        _words(
            "absolument archi beaucoup bien carrement completement considerablement davantage "
            "drolement enormement entierement extremement franchement grandement grave hyper "
            "incroyablement infiniment mega particulierement profondement rudement sacrement "
            "super tellement terriblement totalement tres trop ultra vachement vraiment vrmt"
        ),
        B_INCR,
    ),
    **dict.fromkeys(
        _words(
            "assez guere legerement moins moyennement peu plutot presque quasi quasiment "
            "relativement"
        ),
        B_DECR,
    ),
}

# Words that negate what follows them (within three words, inside one clause).
NEGATORS = _words("pas jamais sans ni non rien aucun aucune nullement aucunement guere")
# Words that negate only after "ne"/"n'": "ne ... plus" (alone, "plus beau" is a comparison).
NE_NEGATORS = _words("plus personne point")
# After the verb, these close a "ne ... X" negation; "pas"/"jamais" also work without "ne".
POST_NEGATORS = _words("pas plus jamais rien guere point")
COLLOQUIAL_POST_NEGATORS = _words("pas jamais")
NE = frozenset(("ne", "n"))
_NOT_OPINION = NEGATORS | NE_NEGATORS | POST_NEGATORS | NE
# Contrastive conjunctions: what follows weighs more than what precedes (VADER's "but" rule).
CONTRASTIVE = frozenset(("mais", "pourtant", "cependant", "toutefois", "neanmoins"))

_ELISION = re.compile(r"\b(qu|lorsqu|puisqu|jusqu|quoiqu|presqu|[cdjlmnst])['’ʼ`´]", re.IGNORECASE)
_ELONGATED = re.compile(r"(\w)\1{2,}")
# The lookahead skips, cheaply, every position where neither alternative can start.
_URL_OR_HANDLE = re.compile(r"(?=[hw@])(?:(?:https?://|www\.)\S*|(?<!\w)@\w+)")
_APOSTROPHE_LIKE = frozenset("'’ʼ`´")
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»“”‘’…–—·•►"
# Plural and feminine endings, tried in order when a word is not in the lexicon ("déçues").
_INFLECTIONS = (
    ("euses", "eux"),
    ("euse", "eux"),
    ("ives", "if"),
    ("ive", "if"),
    ("eres", "er"),
    ("ere", "er"),
    ("elles", "el"),
    ("elle", "el"),
    ("ennes", "en"),
    ("enne", "en"),
    ("ettes", "et"),
    ("ette", "et"),
    ("ees", "e"),
    ("ee", "e"),
    ("es", ""),
    ("s", ""),
    ("x", ""),
    ("e", ""),
)
_CLAUSE_END = frozenset(".,;:!?…")
_PLAIN_PUNCT = frozenset(".,;:!?…\"'«»“”‘’-–—*/|#")
_ACCENT_FREE = str.maketrans({"œ": "oe", "æ": "ae", "Œ": "OE", "Æ": "AE", "’": "'"})


def fold(word: str) -> str:
    """Lowercase without accents: tweets often drop them, and the lexicon is keyed this way."""
    word = word.lower().translate(_ACCENT_FREE)
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(score: float, alpha: float = ALPHA) -> float:
    """VADER's squashing of a valence sum into [-1, 1]."""
    return max(-1.0, min(1.0, score / math.sqrt(score * score + alpha)))


def _read(package: str, name: str) -> str:
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def _parse_tsv(text: str) -> Iterator[tuple[str, float]]:
    """`term<TAB>valence[<TAB>note]` lines; blank lines and lines starting with "#" are skipped."""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, value, *_ = line.split("\t")
        yield term.strip(), float(value)


@lru_cache(maxsize=1)
def french_lexicon() -> tuple[dict[str, float], dict[tuple[str, ...], float]]:
    """Single words and multi-word phrases, keyed by folded form.

    The packaged lexicon comes first, then Vigie's corrections, where a 0 makes a word
    neutral. Read from installed package data: nothing is downloaded.
    """
    words: dict[str, float] = {}
    phrases: dict[tuple[str, ...], float] = {}
    packaged = (
        line.split("->")[:2]
        for line in _read("vaderSentiment_fr", "fr_lexicon.txt").splitlines()
        if "->" in line
    )
    corrections = list(_parse_tsv(_read("pipelines", "lexicons/fr_lexicon.tsv")))
    for term, value in [(t, float(v)) for t, v in packaged] + corrections:
        key = tuple(fold(t) for t in tokenize(term))
        if len(key) > 1:
            phrases[key] = value  # a 0 phrase is kept: it shields its words ("pas mal de")
        else:
            words[fold(term)] = value
    # A corrected word carries its correction to the packaged plural and feminine forms
    # ("horrible" fixes "horribles"), unless the file corrects those forms itself.
    corrected = {fold(t) for t, _ in corrections}
    for term, value in corrections:
        word = fold(term)
        if len(word) <= 3 or " " in term:
            continue
        for form in _inflected_forms(word):
            if form in words and form not in corrected:
                words[form] = value
    # A degree adverb is an opinion on its own only when Vigie says so ("super", "top"): the
    # packaged valences of "complètement" or "vraiment" are translation noise.
    for booster in BOOSTERS.keys() - corrected:
        words[booster] = 0.0
    return words, phrases  # a 0 word stays: it is known to be neutral, never guessed at


def _inflected_forms(word: str) -> set[str]:
    """The plural and feminine forms that `_INFLECTIONS` would reduce to this word."""
    return {
        word[: len(word) - len(base)] + ending
        for ending, base in _INFLECTIONS
        if word.endswith(base)
    } - {word}


@lru_cache(maxsize=1)
def emoji_valences() -> dict[str, float]:
    """Valence of single-character emoji, as English VADER would score their description."""
    english: dict[str, float] = {}
    for line in _read("vaderSentiment", "vader_lexicon.txt").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            english[parts[0].lower()] = float(parts[1])
    valences: dict[str, float] = {}
    for line in _read("vaderSentiment", "emoji_utf8_lexicon.txt").splitlines():
        emoji, _, description = line.partition("\t")
        if len(emoji) == 1:
            total = sum(english.get(w, 0.0) for w in description.lower().split())
            valences[emoji] = max(-3.5, min(3.5, total))
    for emoji, value in _parse_tsv(_read("pipelines", "lexicons/emoji.tsv")):
        valences[emoji] = value
    return valences


@lru_cache(maxsize=1)
def _emoji_spacer() -> dict[int, str]:
    """A `str.translate` table that puts spaces around emoji, so "top👍" is two tokens."""
    table: dict[int, str] = {ord(e): f" {e} " for e in emoji_valences()}
    table.update({0xFE0F: "", 0x200D: " "})  # variation selector, zero-width joiner
    return table


@lru_cache(maxsize=1)
def _spaced_chars() -> frozenset[str]:
    return frozenset(chr(c) for c in _emoji_spacer())


def tokenize(text: str) -> list[str]:
    """Words, emoticons and emoji; elided articles and "n'" become words of their own."""
    return [t for t, _ in _tokens(text)]


def _tokens(text: str, emoticons: Container[str] = ()) -> list[tuple[str, bool]]:
    """(token, ends_clause) pairs. Punctuation is stripped from words but kept in emoticons."""
    tokens: list[tuple[str, bool]] = []
    for raw in _prepare(text).split():
        token, ends = _classify(raw, emoticons)
        if token is not None:
            tokens.append((token, ends))
        elif ends and tokens:
            tokens[-1] = (tokens[-1][0], True)  # a lone "!" or "," closes the clause before it
    return tokens


def _prepare(text: str) -> str:
    """Emoji spaced out, links and handles dropped, elisions split ("l'appli" -> "l appli").

    Each pass acts inside whitespace-separated chunks only, so a text gives the same tokens
    as its chunks taken one by one: that is what lets the analyzer cache chunks.
    """
    if not _spaced_chars().isdisjoint(text):  # most posts have no emoji: skip the table
        text = text.translate(_emoji_spacer())
    if "@" in text or "http" in text or "www." in text:  # the only ways a match can start
        text = _URL_OR_HANDLE.sub(" ", text)
    if not _APOSTROPHE_LIKE.isdisjoint(text):
        text = _ELISION.sub(r"\1 ", text)
    return text


def _classify(raw: str, emoticons: Container[str]) -> tuple[str | None, bool]:
    """(token, ends_clause) for one piece of a prepared text; (None, True) if it only closes."""
    stripped = raw.strip(_PUNCT)
    if raw in emoticons or (not raw.islower() and raw.lower() in emoticons):
        return raw, False  # ":D", "xD", "<3": letters inside punctuation
    if stripped:
        return stripped, stripped != raw and raw[-1] in _CLAUSE_END
    if len(raw) > 1 and not set(raw) <= _PLAIN_PUNCT:
        return raw, False  # an emoticon such as ":)", ":-(" or "^^"
    return None, raw[-1] in _CLAUSE_END  # a lone "!" or "," closes the clause before it


class _Token(NamedTuple):
    """What scoring needs to know about a token, computed once per distinct chunk of text."""

    surface: str
    word: str  # the lexicon key: folded, stretched letters undone
    ends: bool  # ends its clause: punctuation follows it
    upper: bool  # in capitals, for VADER's capital emphasis
    candidate: bool  # may carry a valence: starts a phrase, is a booster or has a valence
    contrast: bool  # "mais" and its kin (VADER's "but" rule)
    value: float  # its own valence: the emoji's or the lexicon's; 0 for negators and "ne"


# The tokens of one whitespace-separated chunk of a text. None stands for a piece that only
# closes the clause of the token before it, which may belong to the previous chunk.
_Chunk = Sequence[_Token | None]
_CACHE_SIZE = 100_000


class FrenchSentimentAnalyzer:
    """Same output as VADER's `polarity_scores`: neg, neu, pos and compound."""

    def __init__(self) -> None:
        self.lexicon, self.phrases = french_lexicon()
        self.emoji = emoji_valences()
        by_first: dict[str, list[tuple[tuple[str, ...], float]]] = {}
        for phrase, value in sorted(self.phrases.items(), key=lambda kv: -len(kv[0])):
            by_first.setdefault(phrase[0], []).append((phrase, value))
        self._phrases_by_first = by_first
        self._cache: dict[str, float] = {}
        self._words: dict[str, str] = {}
        self._chunks: dict[str, _Chunk] = {}
        self.emoticons = frozenset(
            w for w, v in self.lexicon.items() if v and not w.isalnum() and len(w) > 1
        )

    def _lookup(self, word: str) -> float:
        """The valence of a folded word, trying its singular/masculine form when unknown."""
        value = self._cache.get(word)
        if value is None:
            found = self.lexicon.get(word)
            if found is None and len(word) > 4 and word.isalpha():
                for suffix, replacement in _INFLECTIONS:
                    if word.endswith(suffix):
                        found = self.lexicon.get(word[: -len(suffix)] + replacement)
                        if found:
                            break
            value = found or 0.0
            if len(self._cache) < _CACHE_SIZE:
                self._cache[word] = value
        return value

    def _plain(self, word: str) -> str:
        """A stretched word ("trooop", "géniaaal", "mdrrrr") written plainly, when we know it."""
        if word in self.lexicon or not _ELONGATED.search(word):
            return word
        for candidate in (_ELONGATED.sub(r"\1", word), _ELONGATED.sub(r"\1\1", word)):
            if candidate in self.lexicon or candidate in BOOSTERS or candidate in _NOT_OPINION:
                return candidate
        return word

    def _word(self, token: str) -> str:
        """The lexicon key for a token: folded, stretched letters undone. Cached per token."""
        word = self._words.get(token)
        if word is None:
            word = self._plain(fold(token))
            if len(self._words) < _CACHE_SIZE:
                self._words[token] = word
        return word

    def _token(self, surface: str, ends: bool) -> _Token:
        """Everything about a token that its neighbours cannot change."""
        word = self._word(surface)
        value = 0.0 if word in _NOT_OPINION else (self.emoji.get(surface) or self._lookup(word))
        candidate = word in self._phrases_by_first or word in BOOSTERS or bool(value)
        return _Token(surface, word, ends, surface.isupper(), candidate, word in CONTRASTIVE, value)

    def _chunk(self, chunk: str) -> _Chunk:
        """The tokens of a whitespace-separated chunk of a text, cached: chunks repeat a lot."""
        cached = self._chunks.get(chunk)
        if cached is not None:
            return cached
        tokens: list[_Token | None] = []
        for raw in _prepare(chunk).split():
            token, ends = _classify(raw, self.emoticons)
            if token is not None:
                tokens.append(self._token(token, ends))
            elif ends:
                tokens.append(None)  # closes the token before it, maybe in the chunk before
        if len(self._chunks) < _CACHE_SIZE:
            self._chunks[chunk] = tuple(tokens)
        return tokens

    def _read(self, text: str) -> tuple[list[_Token], list[int]]:
        """A text's tokens as `_tokens` makes them, from cached chunks, and those closed later.

        The second list holds the positions of tokens that a lone "!" or "," closes. It is
        made with list methods, not a loop over tokens: almost half of French posts have " !".
        """
        chunks = self._chunks
        tokens = [t for chunk in text.split() for t in chunks.get(chunk) or self._chunk(chunk)]
        closed: list[int] = []
        for _ in range(tokens.count(None)):
            k = tokens.index(None)
            del tokens[k]
            if k:
                closed.append(k - 1)
        return cast(list[_Token], tokens), closed

    def polarity_scores(self, text: str) -> dict[str, float]:
        """VADER's algorithm over French tokens, in one pass (VADER's own is quadratic).

        Only candidate tokens are visited: the others can neither carry a valence nor start
        a phrase, so their valence stays 0.
        """
        tokens, closed = self._read(text)
        if not tokens:
            return _score([], text)
        surface, words, ends, upper, candidate, contrast, _ = zip(*tokens, strict=True)
        clause_end = list(ends)
        for k in closed:
            clause_end[k] = True
        is_cap_diff = _allcap_differential(upper)
        valences = [0.0] * len(tokens)
        skip_until = 0  # positions inside a phrase already scored
        for i in compress(range(len(tokens)), candidate):
            if i < skip_until:
                continue
            value, length = self._phrase_at(words, i)
            if length > 1:
                skip_until = i + length
            elif words[i] in BOOSTERS and self._modifies_next(words, i):
                continue
            else:
                value = tokens[i].value
            if not value:
                continue
            valences[i] = self._adjust(value, i, surface, words, clause_end, is_cap_diff, length)
        if True in contrast:
            valences = _contrast(valences, contrast.index(True))
        return _score(valences, text)

    def _phrase_at(self, words: Sequence[str], i: int) -> tuple[float, int]:
        """The longest phrase starting at position i, as (valence, length); length 1 if none."""
        for phrase, value in self._phrases_by_first.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                return value, len(phrase)
        return 0.0, 1

    def _modifies_next(self, words: Sequence[str], i: int) -> bool:
        """A booster is a modifier when an opinion word (or another booster) follows it."""
        j = i + 1
        while j < len(words) and words[j] in BOOSTERS and j < i + 3:
            j += 1
        return j < len(words) and bool(self._lookup(words[j]) or self._phrase_at(words, j)[1] > 1)

    def _adjust(
        self,
        value: float,
        i: int,
        surface: Sequence[str],
        words: Sequence[str],
        clause_end: Sequence[bool],
        is_cap_diff: bool,
        length: int,
    ) -> float:
        """Apply capitals, boosters and negation around the opinion word at position i."""
        word = surface[i]
        if is_cap_diff and word.isupper() and any(c.isalpha() for c in word):
            value += C_INCR if value > 0 else -C_INCR
        start = i
        for distance in (1, 2, 3):
            j = i - distance
            if j < 0 or clause_end[j]:
                break
            start = j
            boost = BOOSTERS.get(words[j])
            if boost:
                boost = boost if value > 0 else -boost
                if is_cap_diff and surface[j].isupper():
                    boost += C_INCR if value > 0 else -C_INCR
                value += boost * (1.0, 0.95, 0.9)[distance - 1]
        if self._negated(words, clause_end, start, i, i + length - 1):
            value *= N_SCALAR
        return value

    def _negated(
        self, words: Sequence[str], clause_end: Sequence[bool], start: int, i: int, last: int
    ) -> bool:
        """Negators before the word, or "ne ... pas" around it, or "pas" right after it."""
        before = words[start:i]
        has_ne = not NE.isdisjoint(before) or (start > 0 and words[start - 1] in NE)
        if not NEGATORS.isdisjoint(before):
            return True
        if has_ne and not NE_NEGATORS.isdisjoint(before):
            return True
        if clause_end[last]:
            return False
        after = words[last + 1 : last + 3]
        if has_ne and not POST_NEGATORS.isdisjoint(after):
            return True
        return (
            bool(after)
            and after[0] in COLLOQUIAL_POST_NEGATORS
            and self._phrase_at(words, last + 1)[1] == 1
        )


def _allcap_differential(upper: Sequence[bool]) -> bool:
    """VADER: capitals only add emphasis when some, not all, words are in capitals."""
    capitals = sum(upper)
    return 0 < len(upper) - capitals < len(upper)


def _contrast(valences: list[float], k: int) -> list[float]:
    """VADER's "but" rule: halve what precedes the contrast word at k, raise what follows."""
    return [v * 0.5 for v in valences[:k]] + [0.0] + [v * 1.5 for v in valences[k + 1 :]]


def _punctuation_emphasis(text: str) -> float:
    """VADER: up to four "!" add emphasis, and so do two or more "?"."""
    ep = min(text.count("!"), 4) * 0.292
    qm = text.count("?")
    return ep + (0.0 if qm <= 1 else qm * 0.18 if qm <= 3 else 0.96)


def _score(valences: list[float], text: str) -> dict[str, float]:
    """VADER's `score_valence`: compound from the sum, pos/neu/neg as shares of the words."""
    if not valences:
        return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
    total = sum(valences)
    emphasis = _punctuation_emphasis(text)
    if total > 0:
        total += emphasis
    elif total < 0:
        total -= emphasis
    compound = normalize(total)
    scored = [v for v in valences if v]  # in order, so that the sums below add up the same
    pos_sum = sum([v + 1 for v in scored if v > 0])
    neg_sum = sum([v - 1 for v in scored if v < 0])
    neu_count = len(valences) - len(scored)
    if pos_sum > -neg_sum:
        pos_sum += emphasis
    elif pos_sum < -neg_sum:
        neg_sum -= emphasis
    whole = pos_sum - neg_sum + neu_count
    return {
        "neg": round(abs(neg_sum / whole), 3),
        "neu": round(abs(neu_count / whole), 3),
        "pos": round(abs(pos_sum / whole), 3),
        "compound": round(compound, 4),
    }
