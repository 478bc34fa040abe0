"""Key terms and co-mentioned entities per mention, for English and French, without models.

Only spaCy's blank tokenizers are used (no trained pipeline is needed or downloaded), and
each text is tokenized once. From the tokens:

* **terms** are content words and two-word phrases, lowercased, with stopwords
  (`lexicons/stopwords_<lang>.txt`), links, handles, hashtags, numbers and every watchlist
  brand or competitor term removed. Words are lemmatized by small, conservative rules (see
  `lemma_en` and `lemma_fr`): plurals are folded in both languages, French feminine forms
  of adjectives are folded in single-word terms only, verbs are left alone. A two-word term
  ("battery life", "service client") is two content words that are adjacent in the text: a
  stopword, a punctuation mark or a removed token between them breaks the pair, which is a
  cheap, model-free approximation of a noun phrase.
* **entities** are hashtags and handles, folded like `pipelines.match` ("#velo" for
  "#Vélo", "@velora"), then the watchlist brands and competitors named, by canonical name
  and in the order first named ("Velora"), then the aliases and keywords that matched, as
  spelt in the watchlist ("Velora City": the watchlist has no product field, so these
  stand for product lines).

Accents are kept in terms ("problème", "réseau") because French readers expect them; the
stopword and brand comparisons are accent-insensitive, like `pipelines.match`.

Batch aggregation (counts per brand and day) happens in SQL; `trending` compares two
periods' counts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from pathlib import Path
from typing import Any

from pipelines.match import fold
from pipelines.settings import Watchlist

LANGUAGES = ("en", "fr")
# A news article's key terms are in its first pages; bounding the text bounds the cost.
MAX_CHARS = 10_000
MAX_TERMS = 25
# Word-level decisions are cached per language; the cache is reset when it grows past this.
CACHE_LIMIT = 200_000
# The same for what spaCy made of each space-separated chunk of text.
CHUNK_CACHE_LIMIT = 100_000

# A candidate term: letters or digits, internal hyphens or apostrophes, at least one letter.
_WORDLIKE = re.compile(r"^[^\W_](?:[^\W_]|['-](?=[^\W_]))*$")
_LETTER = re.compile(r"[^\W\d_]")
_URL = re.compile(r"^(?:https?://|www\.)|^[\w.-]+\.(?:com|fr|org|net|io|ly|co|be|ch)(?:/|$)")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})


@dataclass(frozen=True)
class Topics:
    terms: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)


def _words(spaced: str) -> frozenset[str]:
    """A word list written as one string, so that long lists stay readable."""
    return frozenset(spaced.split())


# --- lemmatization --------------------------------------------------------------------------
# English: plural nouns only. "-ing" and "-ed" are kept: the "-ing" forms that matter for
# topics are nouns ("shipping", "pricing", "charging", "booking") and stripping them would
# produce non-words ("pric", "charg"); tense carries no topic.

EN_IRREGULAR: dict[str, str] = {
    "children": "child",
    "men": "man",
    "women": "woman",
    "people": "people",
    "feet": "foot",
    "teeth": "tooth",
    "mice": "mouse",
    "geese": "goose",
    "knives": "knife",
    "lives": "life",
    "wives": "wife",
    "leaves": "leaf",
    "halves": "half",
    "shelves": "shelf",
    "wolves": "wolf",
    "heroes": "hero",
    "potatoes": "potato",
    "tomatoes": "tomato",
    "echoes": "echo",
    "buses": "bus",
    "gases": "gas",
    "lenses": "lens",
    "bonuses": "bonus",
    "viruses": "virus",
    "statuses": "status",
    "campuses": "campus",
    "movies": "movie",
    "cookies": "cookie",
    "selfies": "selfie",
    "hoodies": "hoodie",
    "zombies": "zombie",
    "rookies": "rookie",
    "calories": "calorie",
    "smoothies": "smoothie",
    "brownies": "brownie",
    "freebies": "freebie",
    "newbies": "newbie",
    "goalies": "goalie",
    "aches": "ache",
    "headaches": "headache",
    "caches": "cache",
    "niches": "niche",
    "cliches": "cliche",
    "quiches": "quiche",
    "avalanches": "avalanche",
    "moustaches": "moustache",
}
# Words ending in "s" that are singular (or only plural) and must stay as they are.
EN_KEEP = _words(
    "news series species means lens always perhaps whereas ios macos windows physics "
    "maths economics thanks chaos canvas atlas alias bias christmas texas tennis analysis "
    "crisis basis diagnosis status bonus campus virus focus census corpus cactus clothes "
    "jeans pants shorts glasses scissors goods headquarters stats specs ethics politics "
    "lyrics"
)


def lemma_en(word: str) -> str:
    """English plural folding: "batteries" -> "battery", "boxes" -> "box", "apps" -> "app".

    Words of three letters or fewer and words ending in "ss", "us", "is" or "ics" are kept
    ("class", "status", "analysis", "electronics"); known exceptions are listed above.
    """
    if word in EN_IRREGULAR:
        return EN_IRREGULAR[word]
    if len(word) <= 3 or word in EN_KEEP or not word.endswith("s"):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is", "ics", "'s")):
        return word
    return word[:-1]


# French plurals: "-s" and "-x" are dropped, "-aux" -> "-al", "-eaux" -> "-eau". Endings
# that are usually singular ("-is", "-ais", "-ois", "-ès", "-ss", "-x") are kept unless
# listed as plurals; endings that are usually plural ("-as", "-os", "-us", "-ous" ...) are
# dropped unless listed as singular.
FR_IRREGULAR: dict[str, str] = {
    "yeux": "œil",
    "travaux": "travail",
    "vitraux": "vitrail",
    "émaux": "émail",
    "coraux": "corail",
    "baux": "bail",
    "cieux": "ciel",
    "aïeux": "aïeul",
}
FR_EU_PLURALS = _words(
    "jeux feux cheveux neveux voeux vœux lieux milieux enjeux pieux épieux essieux"
)
FR_SINGULAR_S = _words(
    # -s words that are singular
    "avis temps pays mois fois souris colis prix choix voix processus virus bus abus "
    "refus jus bonus campus cactus corpus consensus terminus hiatus lotus sinus typhus "
    "inclus exclus confus obtus plus dessus talus rébus humus blocus cursus focus versus "
    "prospectus rictus foetus fœtus tonus papyrus eucalyptus opus obus intrus reclus "
    "diffus dessous remous nous vous tous sous rendez-vous cas pas bas gras repas bras "
    "débarras embarras matelas ananas lilas tas las hélas canevas fracas compas verglas "
    "atlas cadenas frimas glas sas trépas ras tracas taffetas judas vasistas plâtras amas "
    "dos gros os repos propos héros clos enclos chaos cosmos pathos tournedos calvados "
    "ethos thermos albatros rhinocéros succes acces progres proces exces deces poids "
    "fonds remords puits mets corps printemps longtemps ours velours toujours discours "
    "secours recours parcours concours cours alors dehors hors ailleurs univers travers "
    "divers pervers envers vers mars gars tiers volontiers plusieurs lors mœurs moeurs "
    "sens gens fils express stress business"
)
FR_PLURAL_S = _words(
    # -s words kept by the ending rules above that are in fact plurals
    "amis soucis défis ennemis abris taxis emojis cris kiwis alibis sushis ravis finis "
    "servis choisis remplis garantis sortis partis suivis fournis munis investis guéris "
    "trahis éblouis réjouis salis ralentis avertis établis unis bénis raccourcis wikis "
    "safaris délais essais balais quais emplois envois renvois rois lois convois tournois"
)
_FR_KEEP_ENDINGS = ("ss", "ès", "is", "ais", "ois", "ys", "ms", "ps")


def _fr_singular(word: str) -> str:
    if word in FR_IRREGULAR:
        return FR_IRREGULAR[word]
    if len(word) <= 3 or word in FR_SINGULAR_S:
        return word
    if word.endswith("eaux"):
        return word[:-1]
    if word.endswith("aux") and len(word) >= 6:
        return word[:-3] + "al"
    if word.endswith("x"):
        return word[:-1] if word in FR_EU_PLURALS else word
    if not word.endswith("s"):
        return word
    if word.endswith(_FR_KEEP_ENDINGS) and word not in FR_PLURAL_S:
        return word
    return word[:-1]


# French feminine adjectives -> masculine. Only for single-word terms: in a two-word term the
# noun sets the gender ("bonne qualité" stays readable instead of "bon qualité").
# Bare "-e", "-ée", "-elle" and "-ère" are not folded: most such words are nouns ("année",
# "poubelle", "bière"); the common adjectives among them are listed.
FR_FEMININE: dict[str, str] = {
    "belle": "beau",
    "nouvelle": "nouveau",
    "bonne": "bon",
    "mauvaise": "mauvais",
    "grosse": "gros",
    "longue": "long",
    "fraîche": "frais",
    "fraiche": "frais",
    "gentille": "gentil",
    "nulle": "nul",
    "folle": "fou",
    "douce": "doux",
    "fausse": "faux",
    "vieille": "vieux",
    "blanche": "blanc",
    "sèche": "sec",
    "publique": "public",
    "complète": "complet",
    "inquiète": "inquiet",
    "discrète": "discret",
    "secrète": "secret",
    "chère": "cher",
    "première": "premier",
    "dernière": "dernier",
    "entière": "entier",
    "légère": "léger",
    "fière": "fier",
    "régulière": "régulier",
    "particulière": "particulier",
    "grande": "grand",
    "petite": "petit",
    "lente": "lent",
    "déçue": "déçu",
    "ravie": "ravi",
    "satisfaite": "satisfait",
    "parfaite": "parfait",
    "professionnelle": "professionnel",
    "exceptionnelle": "exceptionnel",
    "cruelle": "cruel",
    "réelle": "réel",
    "annuelle": "annuel",
    "mensuelle": "mensuel",
    "personnelle": "personnel",
    "naturelle": "naturel",
    "actuelle": "actuel",
    "géniale": "génial",
    "normale": "normal",
    "idéale": "idéal",
    "spéciale": "spécial",
    "principale": "principal",
    "générale": "général",
    "locale": "local",
    "nationale": "national",
    "originale": "original",
    "légale": "légal",
    "illégale": "illégal",
    "banale": "banal",
    "optimale": "optimal",
}
FR_FEMININE_KEEP = _words(
    # -ive nouns
    "archive lessive initiative tentative perspective offensive défensive locomotive "
    "directive gencive salive missive récidive expectative invective coursive olive dérive "
    "convive détective "
    # -euse nouns: trades and machines
    "vendeuse serveuse coiffeuse chanteuse danseuse masseuse perceuse visseuse tondeuse "
    "friteuse laveuse agrafeuse ponceuse broyeuse centrifugeuse faucheuse moissonneuse "
    "batteuse balayeuse couveuse berceuse veilleuse chargeuse déneigeuse sableuse raboteuse "
    "plieuse trieuse mitrailleuse "
    # -ante / -ente nouns
    "attente descente entente détente variante soixante quarante cinquante composante "
    "constante charpente épouvante mévente revente prévente servante tourmente soupente "
    "patente"
)


def _fr_masculine(word: str) -> str:
    if word in FR_FEMININE:
        return FR_FEMININE[word]
    if word in FR_FEMININE_KEEP:
        return word
    if word.endswith("ienne"):
        return word[:-2]
    if word.endswith("ive") and len(word) >= 6:
        return word[:-3] + "if"
    if word.endswith("euse") and len(word) >= 6:
        return word[:-3] + "ux"
    if word.endswith(("ante", "ente")) and len(word) >= 7:
        return word[:-1]
    return word


def lemma_fr(word: str, *, feminine: bool = True) -> str:
    """French plural and (optionally) feminine folding of a lowercase word.

    "problèmes" -> "problème", "réseaux" -> "réseau", "journaux" -> "journal",
    "décevantes" -> "décevant", "heureuse" -> "heureux"; "avis", "colis", "prix",
    "mauvais" and "attente" are left alone.
    """
    word = _fr_singular(word)
    return _fr_masculine(word) if feminine else word


# --- word lists -----------------------------------------------------------------------------


def read_word_list(path: Path | Any) -> list[str]:
    """Entries of a shipped or user word list: one per line, blank lines and lines starting
    with '#' skipped (so an entry may itself contain '#')."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def lexicon_path(name: str) -> Any:
    """A word list shipped in `pipelines/lexicons/` (works from a wheel too)."""
    return resources.files("pipelines").joinpath("lexicons", name)


def _normalized(token: str) -> str:
    """Straight apostrophes; the French tokenizer's "Velora'" (of "Velora's") -> "Velora"."""
    norm = token.translate(_APOSTROPHES)
    return norm[:-1] if len(norm) > 3 and norm[-1] == "'" else norm


def _folded_key(token: str) -> str:
    return fold(_normalized(token))


@lru_cache(maxsize=4)
def _stopwords(lang: str, path: str | None = None) -> frozenset[str]:
    source = Path(path) if path else lexicon_path(f"stopwords_{lang}.txt")
    return frozenset(_folded_key(w) for w in read_word_list(source))


def stopwords(langs: tuple[str, ...] = LANGUAGES) -> list[str]:
    """The shipped stopwords of `langs`, folded (lowercase, no accents), for SQL filters."""
    return sorted(set().union(*(_stopwords(lang) for lang in langs)))


@lru_cache(maxsize=4)
def _tokenizer(lang: str) -> Any:
    """spaCy's rule-based tokenizer for the language; blank, so nothing to download.

    The lexical attribute getters (shape, like_num, ...) are dropped from this private
    vocabulary: nothing here reads them, and computing them for every new word (names,
    typos, numbers) was a third of the tokenizing time.
    """
    import spacy

    nlp = spacy.blank(lang)
    nlp.vocab.lex_attr_getters = {}
    return nlp.tokenizer


# --- extraction -----------------------------------------------------------------------------

# Links, handles and hashtags are taken out before tokenizing: they are entities or noise,
# never terms, and being mostly unique strings they are what makes a tokenizer slow. Each is
# replaced by "|" and at most two spaces: a punctuation token then an empty chunk, so that no
# phrase spans the gap (the positions of what follows are mapped back, see `_in_text`).
# "@name@instance" (Mastodon) keeps only "@name"; "@name.bsky.social" (Bluesky) stays whole.
# Every alternative starts with a plain character (the lookbehinds come after the "@" or "#"),
# so the regex engine skips ahead to the next "h", "w", "@" or "#" instead of trying the
# whole pattern at every position, which was most of its cost.
_SPECIAL = re.compile(
    r"https?://\S+|www\.\S+"
    r"|@(?<![\w@.]@)(?P<handle>\w+(?:[.-]\w+)*)(?:@\w+(?:[.-]\w+)*)?"
    r"|#(?<![\w#&]#)(?P<hashtag>\w+)"
)
# How many characters of a link, handle or hashtag are left: "|" and two spaces.
_BLANK = 3


@dataclass(frozen=True)
class _Term:
    """A watchlist term as a token sequence, and what it stands for."""

    keys: tuple[str, ...]
    brand: str
    product: str | None


# Per token text: is a content word, folded key, unigram term, phrase word, and the
# watchlist terms that start with this token (None when none do).
_Info = tuple[bool, str, str | None, str | None, "list[_Term] | None"]
# What two spaces in a row (or a link taken out) leave: no phrase spans it.
_BREAK: _Info = (False, "", None, None, None)

# What extraction needs of one space-separated chunk, worked out once per distinct chunk so
# that most chunks cost a few list operations instead of a loop over their tokens:
#   slow    a token may start a watchlist term, or there is no token: read token by token
#   head    the first token's term when it is a content word, else None
#   lead    its phrase word, paired with the previous chunk's trail when there is one
#   rest    the other terms and two-word terms inside the chunk, in counting order
#   trail   the last token's phrase word when it is a content word, else None
#   infos   the tokens, and their offsets in the chunk
_Chunk = tuple[
    bool, str | None, str | None, tuple[str, ...], str | None, tuple[_Info, ...], tuple[int, ...]
]
_EMPTY_CHUNK: _Chunk = (False, None, None, (), None, (_BREAK,), (0,))


def _chunk(infos: list[_Info], offsets: list[int]) -> _Chunk:
    """A chunk's record (see `_Chunk`) from its tokens."""
    slow = not infos or any(info[4] is not None for info in infos)
    head = lead = previous = None
    rest: list[str] = []
    for n, (is_word, _, term, phrase_word, _) in enumerate(infos):
        if not is_word:
            previous = None
            continue
        if n == 0:
            head, lead = term, phrase_word
        else:
            rest.append(term)  # type: ignore[arg-type]
            if previous is not None:
                rest.append(f"{previous} {phrase_word}")
        previous = phrase_word
    return slow, head, lead, tuple(rest), previous, tuple(infos), tuple(offsets)


@dataclass
class _Language:
    """What extraction uses in one language: stopwords, watchlist terms, caches."""

    code: str
    stop: frozenset[str]
    # Watchlist names, aliases and keywords as token keys, by first key, longest first.
    terms: dict[str, list[_Term]]
    # Links, handles and hashtags are blanked to this many characters (see `_BLANK`).
    blank: int
    # Token text -> what it is (see `_Info`); chunk text -> its record (see `_Chunk`).
    words: dict[str, _Info] = field(default_factory=dict)
    chunks: dict[str, _Chunk] = field(default_factory=lambda: {"": _EMPTY_CHUNK})


class TopicExtractor:
    """Built once per run from the watchlist; `extract` is called for every mention.

    Watchlist terms (brand and competitor names, aliases, keywords) are tokenized with the
    same tokenizer as the text, so a multi-word alias such as "Velora City" is recognised
    and removed as a whole; handles and hashtags are compared whole, case-insensitively.
    """

    def __init__(
        self,
        watchlist: Watchlist | None = None,
        *,
        stopword_paths: Mapping[str, str | Path] | None = None,
        max_terms: int = MAX_TERMS,
    ) -> None:
        self.watchlist = watchlist or Watchlist()
        self.max_terms = max_terms
        self._stopword_paths = {k: str(v) for k, v in (stopword_paths or {}).items()}
        self._languages: dict[str, _Language] = {}
        # The `lang` arguments seen, as given ("en", "fr-CA", None), to their language.
        self._lang_of: dict[str | None, _Language] = {}
        # "@velora" / "#veloracity" -> the brand it names
        self._tags: dict[str, str] = {}
        for brand, _ in self.watchlist.all_brands():
            for term in brand.terms():
                if term[:1] in ("@", "#") and len(term) > 1:
                    self._tags[fold(term)] = brand.name

    def _lang(self, lang: str | None) -> str:
        code = (lang or "").lower().replace("_", "-").split("-")[0]
        return code if code in LANGUAGES else self.watchlist.default_language

    def _language(self, lang: str | None) -> _Language:
        """The language state for a `lang` argument (few distinct values, but bounded)."""
        if len(self._lang_of) > 64:
            self._lang_of.clear()
        code = self._lang(lang)
        if code not in self._languages:
            terms = self._brand_terms(code)
            # An empty chunk is a token with an empty key, and so is a lone combining accent:
            # if a watchlist term goes on after such a token, the empty chunks left by a
            # link are kept one per blanked character, as they would be without the shortcut.
            breaks_terms = any("" in t.keys[1:] for entries in terms.values() for t in entries)
            self._languages[code] = _Language(
                code,
                _stopwords(code, self._stopword_paths.get(code)),
                terms,
                MAX_CHARS if breaks_terms else _BLANK,
            )
        language = self._lang_of[lang] = self._languages[code]
        return language

    def _classify(self, language: _Language, token: str) -> _Info:
        """What one token text is; cached per language, so computed once per distinct word."""
        stop, lang = language.stop, language.code
        norm = _normalized(token)
        key = fold(norm)
        candidates = language.terms.get(key)
        if len(norm) < 2 or key in stop or not _WORDLIKE.match(norm) or not _LETTER.search(norm):
            return False, key, None, None, candidates
        if _URL.match(key):
            return False, key, None, None, candidates
        lower = norm.lower()
        if any(c.isupper() for c in norm[1:]):
            # Acronyms and camel case ("GPS", "iOS", "AirPods") are names: no folding.
            word = phrase_word = lower
        elif lang == "fr":
            phrase_word = lemma_fr(lower, feminine=False)
            word = _fr_masculine(phrase_word)
        else:
            word = phrase_word = lemma_en(lower)
        if fold(word) in stop or fold(phrase_word) in stop:
            return False, key, None, None, candidates
        return True, key, word, phrase_word, candidates

    def _brand_terms(self, lang: str) -> dict[str, list[_Term]]:
        """Watchlist names, aliases and keywords as token keys, by first key, longest first."""
        tokenizer = _tokenizer(lang)
        index: dict[str, list[_Term]] = {}
        for brand, _ in self.watchlist.all_brands():
            products = set(brand.aliases) | set(brand.keywords)
            for term in brand.terms():
                if term[:1] in ("@", "#"):
                    continue
                keys = tuple(_folded_key(t.text) for t in tokenizer(term))
                if not keys:
                    continue
                product = term if term in products and fold(term) != fold(brand.name) else None
                index.setdefault(keys[0], []).append(_Term(keys, brand.name, product))
        for entries in index.values():
            entries.sort(key=lambda t: len(t.keys), reverse=True)
        return index

    def extract(self, text: str | None, lang: str | None = None) -> Topics:
        """Terms (most frequent first, then in reading order) and entities of one text."""
        if not text:
            return Topics()
        language = self._lang_of.get(lang) or self._language(lang)
        tags: dict[str, None] = {}
        brands: dict[str, int] = {}  # canonical name -> where it is first named
        products: dict[str, None] = {}

        # (where a shortened blank starts in `plain`, characters cut up to its end), in order
        cuts: list[tuple[int, int]] = []

        def _blank(match: re.Match[str]) -> str:
            handle, hashtag = match.group("handle", "hashtag")
            start, end = match.span()
            if handle or hashtag:
                key = fold(f"@{handle}" if handle else f"#{hashtag}")
                tags[key] = None
                if key in self._tags:
                    brands.setdefault(self._tags[key], start)
            if end - start <= language.blank:
                return "|".ljust(end - start)
            cut = cuts[-1][1] if cuts else 0
            cuts.append((start - cut, cut + end - start - language.blank))
            return "|".ljust(language.blank)

        text = text[:MAX_CHARS]
        plain = _SPECIAL.sub(_blank, text)
        parts = plain.split(" ")
        known = self._chunks(language, parts)

        counts: dict[str, int] = {}
        count = counts.get
        previous: str | None = None  # the phrase word just before, when adjacent
        skip = 0  # tokens still to pass of a watchlist term found
        for c, (slow, head, lead, rest, trail, infos, offsets) in enumerate(known):
            if not (slow or skip):
                if head is not None:
                    counts[head] = count(head, 0) + 1
                    if previous is not None:
                        bigram = f"{previous} {lead}"
                        counts[bigram] = count(bigram, 0) + 1
                if rest:
                    for term in rest:
                        counts[term] = count(term, 0) + 1
                previous = trail
                continue
            for j, (is_word, _, term, phrase_word, candidates) in enumerate(infos):
                if skip:
                    skip -= 1
                    continue
                if candidates is not None:
                    hit = _match_term(candidates, known, c, j)
                    if hit is not None:
                        at = _in_text(sum(map(len, parts[:c])) + c + offsets[j], cuts)
                        brands[hit.brand] = min(brands.get(hit.brand, len(text)), at)
                        if hit.product:
                            products[hit.product] = None
                        skip = len(hit.keys) - 1
                        previous = None
                        continue
                if is_word:
                    counts[term] = count(term, 0) + 1  # type: ignore[index,arg-type]
                    if previous is not None:
                        bigram = f"{previous} {phrase_word}"
                        counts[bigram] = count(bigram, 0) + 1
                    previous = phrase_word
                else:
                    previous = None
        # Stable sort: equal counts keep their first-seen order.
        ranked = sorted(counts, key=counts.__getitem__, reverse=True)[: self.max_terms]
        named = sorted(brands, key=brands.__getitem__)
        return Topics(terms=ranked, entities=[*tags, *named, *products])

    def _chunks(self, language: _Language, parts: list[str]) -> list[_Chunk]:
        """The records of the text's space-separated chunks, as spaCy's tokenizer splits them.

        spaCy tokenizes each space-separated chunk on its own, so what it makes of a chunk is
        cached here: a known chunk ("the", "service,", "l'appli") costs a dictionary lookup
        instead of a spaCy Doc (about 80 microseconds a post, more than the rest of topic
        extraction). An empty chunk (two spaces, a link taken out) is a break.
        """
        chunks = language.chunks
        if len(chunks) > CHUNK_CACHE_LIMIT:
            chunks.clear()
            chunks[""] = _EMPTY_CHUNK
        known = list(map(chunks.get, parts))
        if all(known):  # records are non-empty tuples
            return known  # type: ignore[return-value]
        missing = list(dict.fromkeys(p for p, k in zip(parts, known, strict=True) if k is None))
        chunks.update(zip(missing, self._chunks_of(language, missing), strict=True))
        return [chunks[part] for part in parts]

    def _chunks_of(self, language: _Language, missing: list[str]) -> list[_Chunk]:
        """What spaCy makes of each new chunk: one Doc for all of a post's new chunks."""
        words = language.words
        if len(words) > CACHE_LIMIT:
            words.clear()
        found: list[tuple[list[_Info], list[int]]] = [([], []) for _ in missing]
        ends = list(accumulate(len(chunk) + 1 for chunk in missing))
        k = 0
        for token in _tokenizer(language.code)(" ".join(missing)):
            while token.idx >= ends[k]:
                k += 1
            info = words.get(token.text)
            if info is None:
                info = words[token.text] = self._classify(language, token.text)
            found[k][0].append(info)
            found[k][1].append(token.idx - (ends[k - 1] if k else 0))
        return [_chunk(infos, offsets) for infos, offsets in found]

    def extract_many(self, texts: Iterable[tuple[str | None, str | None]]) -> list[Topics]:
        """`extract` over (text, lang) pairs."""
        return [self.extract(text, lang) for text, lang in texts]


def _in_text(at: int, cuts: list[tuple[int, int]]) -> int:
    """Where position `at` of the text with its links, handles and hashtags blanked is in the
    text itself (no token starts inside a blank but its "|")."""
    shift = 0
    for start, cut in cuts:
        if start >= at:
            break
        shift = cut
    return at + shift


def _match_term(candidates: list[_Term], chunks: list[_Chunk], c: int, j: int) -> _Term | None:
    """The longest watchlist term whose keys start at token j of chunk c; its other keys are
    those of the tokens after it, in this chunk and the next ones."""
    want = len(candidates[0].keys) - 1  # longest first
    ahead = [info[1] for info in chunks[c][5][j + 1 : j + 1 + want]]
    while len(ahead) < want and c + 1 < len(chunks):
        c += 1
        ahead += [info[1] for info in chunks[c][5][: want - len(ahead)]]
    following = tuple(ahead)
    for candidate in candidates:
        if candidate.keys[1:] == following[: len(candidate.keys) - 1]:
            return candidate
    return None


# --- trends ---------------------------------------------------------------------------------


def trending(
    current: Mapping[str, int],
    previous: Mapping[str, int],
    min_count: int = 3,
    *,
    prior: float = 5.0,
    min_lift: float = 1.0,
) -> list[tuple[str, int, int, float]]:
    """Terms counted more often than the previous period predicts, best supported first.

    expected = p * C / P scales the term's previous count p to the current period's size (C
    and P are the periods' term totals, so a busier day lifts no term), and
    lift = (c + prior) / (expected + prior). The prior is a pseudo-count on the scale of the
    counts themselves: a word first seen today three times gets (3 + 5) / 5 = 1.6, not the
    ~30 that share ratios with add-one smoothing gave it against a week seven times larger,
    while 40 mentions against 4 expected get 5. Terms counted fewer than `min_count` times now
    are ignored. Rising terms (lift > min_lift) are ranked by how far the count is above
    expected in Poisson deviations, (c - expected) / sqrt(expected + prior), so a usual term
    that quadrupled ranks above a word seen three times, then by current count, then term.
    """
    if not current:
        return []
    total_now = sum(current.values())
    total_before = sum(previous.values())
    scale = total_now / total_before if total_before else 0.0
    rows = []
    for term, count in current.items():
        if count < min_count:
            continue
        before = previous.get(term, 0)
        expected = before * scale
        lift = (count + prior) / (expected + prior)
        if lift > min_lift and math.isfinite(lift):
            excess = (count - expected) / math.sqrt(expected + prior)
            rows.append((excess, term, count, before, round(lift, 4)))
    rows.sort(key=lambda r: (-r[0], -r[2], r[1]))
    return [row[1:] for row in rows]
