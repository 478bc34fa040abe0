"""A cheap English-or-French pre-classifier, run before py3langid.

py3langid costs about as much per tweet as VADER scoring it, yet most posts settle the
question in their first few words: "the", "and", "it's" or "le", "est", "j'ai", "é". This
module counts such evidence in one regex pass and answers only when it is one-sided; anything
else (short, mixed, mostly names, or possibly Spanish/Italian/Portuguese) gets None, and the
caller asks py3langid as before.

The word lists hold frequent function words that are unambiguous between English and French
and that are not also common Spanish, Italian or Portuguese words ("de", "la", "que", "il",
"un", "me", "on", "a", "as" and the like are left out), so the fast path never claims a text
in those languages for French. Words and characters proper to those languages veto the fast
path outright.
"""

from __future__ import annotations

import re

# The configured languages this pre-classifier is for.
EN_FR = frozenset({"en", "fr"})

# A lowercase Latin word, with its apostrophe if one follows: elisions split off as French
# writes them ("l'appli" gives "l'" and "appli", "qu'il" "qu'" and "il") and English
# contractions the same way ("don't" gives "don'" and "t", "i'm" "i'" and "m"). Explicit
# ranges rather than \w: a quarter of the cost, and other scripts are no evidence anyway.
_TOKEN = re.compile(r"[a-zà-öø-ÿœ]+['’]?")


def _with_curly(words: str) -> frozenset[str]:
    """The words, each also spelt with a typographic apostrophe (iOS and macOS type ’)."""
    split = words.split()
    return frozenset(split + [w.replace("'", "’") for w in split if "'" in w])


ENGLISH = _with_curly(
    """
    the and is are was were be been being to of for with from about at by in into
    you your yours it it's its this that these those my our their them they
    we he she him his her hers have has had having does did doing
    not but just will would should could can can' don' didn' doesn' isn' aren'
    wasn' won' wouldn' couldn' shouldn' haven' i' you' it' that' there' what' let'
    he' she' they' we'
    what when where who why how which there here then than
    all some only really very too also more out up off get got going gonna
    like want know think today tonight tomorrow
    """
)

FRENCH = _with_curly(
    """
    le les des du au aux et est sont suis avons avez ont été être avoir
    une pour dans avec sur sous chez pas jamais rien
    je j' nous vous ils elle elles ça cela ceci cette ces
    qu' n' s' l' d' m' t' jusqu' lorsqu' puisqu'
    mon ses tes notre votre leur leurs
    très tout tous toute toutes fait faire trop déjà aussi
    quand comme sans oui merci
    """
)

# Frequent words of Spanish, Italian and Portuguese that French (and English) do not use.
# The text may still be French with a quotation or a name, but py3langid is asked then.
OTHER_ROMANCE = _with_curly(
    """
    el los las lo una uno del al por para muy pero como cuando porque todo todos nada
    está estoy tiene hay también gracias mucho
    della delle degli dello dei nel nella per che di gli sono questo questa anche
    molto tutto tutti sempre grazie loro è un' dell' all' nell' sull' dall' quest'
    uma com não você muito isso pra obrigado obrigada
    """
)

# Marks French uses and English does not ("café" aside). On their own they prove nothing
# against Spanish, Italian or Portuguese, so together they count as one piece of French
# evidence, and a French answer also needs a French word.
_FRENCH_MARK = re.compile("[éèêàçùûôîïœ]")
# Marks those other languages use and French does not (or hardly ever): veto.
_OTHER_MARK = re.compile("[ñáíóúãõìò¿¡]")

# One-sided evidence needed before answering, and the margin that overrides a stray word of
# the other language (a brand name, an English loan word in French).
MIN_HITS = 2
MARGIN = 3


def pre_classify(sample: str) -> str | None:
    """The language ("en" or "fr") when the cleaned `sample` is clear, else None: ask py3langid.

    `sample` is the text as `Scorer.detect` cleans it: links, handles and "RT" removed.
    Hits are distinct words, so a repeated word counts once.
    """
    lowered = sample.lower()
    tokens = _TOKEN.findall(lowered)
    if not OTHER_ROMANCE.isdisjoint(tokens):
        return None
    english = len(ENGLISH.intersection(tokens))
    french = len(FRENCH.intersection(tokens))
    marks = 0
    if not lowered.isascii():
        if _OTHER_MARK.search(lowered):
            return None
        marks = 1 if _FRENCH_MARK.search(lowered) else 0
    evidence = french + marks
    if english >= MIN_HITS and (not evidence or english >= evidence + MARGIN):
        return "en"
    if french and evidence >= MIN_HITS and (not english or evidence >= english + MARGIN):
        return "fr"
    return None
