"""Sentiment scoring: English equals plain VADER, French reads French, detection, the cap."""

import time
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from pipelines.sentiment import MAX_WORDS, Score, Scorer, cap_words, label_for
from pipelines.sentiment_fr import FrenchSentimentAnalyzer, _parse_tsv, _read, tokenize

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(("en", "fr"), default_language="en")


@pytest.fixture(scope="module")
def vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def fr(scorer: Scorer, text: str) -> float:
    return scorer.score(text, lang="fr").compound


# ---- English: exactly plain VADER ------------------------------------------------------------

ENGLISH = [
    "The app is NOT good at all :( but support was AMAZING!!!",
    "I love this bike, it is great!",
    "meh. kind of ok I guess 😐",
    "Worst. Service. Ever. 😡😡😡 #fail",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "At least it isn't a horrible book.",
    "Today only kinda sux! But I'll get by, lol",
    "okay i\\u2019m sorry but TAYLOR SWIFT LOOKS NOTHING LIKE JACKIE O",
    "",
    "😂" * 100,
]


@pytest.mark.parametrize("text", ENGLISH)
def test_english_scores_are_plain_vader(scorer, vader, text):
    expected = vader.polarity_scores(text)
    got = scorer.score(text, lang="en")
    assert (got.compound, got.pos, got.neu, got.neg) == (
        expected["compound"],
        expected["pos"],
        expected["neu"],
        expected["neg"],
    )
    assert got.label == label_for(expected["compound"])


def test_score_shape(scorer):
    score = scorer.score("I love it", lang="en")
    assert isinstance(score, Score)
    assert set(score.as_dict()) == {"lang", "compound", "pos", "neu", "neg", "label"}


# ---- French rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("J'aime ce vélo.", 1),
        ("Je n'aime pas ce vélo.", -1),  # ne ... pas around the verb
        ("J'aime pas ce vélo.", -1),  # spoken French drops "ne"
        ("Ça ne me plaît plus.", -1),  # ne ... plus
        ("Ce n'est pas bon.", -1),
        ("Ce n'est pas mauvais.", 1),
        ("Je ne suis pas du tout content.", -1),
        ("Je ne recommande pas ce vendeur.", -1),
        ("Plus beau que jamais.", 1),  # "plus" without "ne" is a comparison
        ("Sans problème.", 1),
        ("Aucun souci avec ce vendeur.", 1),
        ("Ça marche pas.", -1),
    ],
)
def test_french_negation(scorer, text, sign):
    assert fr(scorer, text) * sign > 0.05


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Ce vélo n'est pas mal.", "positive"),  # "pas mal" is praise
        ("Pas mal de gens attendent leur colis.", "neutral"),  # ... but "pas mal de" is a lot
        ("Pas terrible, ce vélo.", "negative"),
        ("Pas cher et solide.", "positive"),
        ("Trop cher.", "negative"),
        ("C'est n'importe quoi.", "negative"),
        ("C'est bien mais trop cher.", "negative"),  # what follows "mais" weighs more
        ("Merci pour rien.", "negative"),
        ("Pas de souci, mais le vélo est nul.", "negative"),  # negation stops at the comma
    ],
)
def test_french_phrases(scorer, text, label):
    assert scorer.score(text, lang="fr").label == label


def test_elision_with_either_apostrophe(scorer):
    assert tokenize("L’échec qu'il n’aime") == ["L", "échec", "qu", "il", "n", "aime"]
    assert fr(scorer, "L’échec est total.") == fr(scorer, "L'échec est total.") < -0.05
    assert fr(scorer, "J’adore") == fr(scorer, "J'adore") > 0.05


def test_accents_are_optional(scorer):
    assert fr(scorer, "Je suis decu") == fr(scorer, "Je suis déçu") < -0.05


def test_intensifiers_and_dampeners(scorer):
    assert fr(scorer, "Le vélo est très bon.") > fr(scorer, "Le vélo est bon.") > 0.05
    assert fr(scorer, "Je suis super content.") > fr(scorer, "Je suis content.") > 0.05
    assert fr(scorer, "Je suis déçu.") < fr(scorer, "Je suis un peu déçu.") < -0.05
    assert fr(scorer, "Géniaaal") == fr(scorer, "Génial") > 0.05


def test_packaged_lexicon_quirks_are_fixed(scorer):
    # As packaged, "cher" and "prix" score as praise and "super"/"content" as nothing.
    assert fr(scorer, "Le vélo est cher.") < -0.05
    assert scorer.score("Le prix est affiché sur la table.", lang="fr").label == "neutral"
    assert fr(scorer, "Super !") > 0.05
    assert fr(scorer, "Je suis content.") > 0.05


def test_french_emoji(scorer):
    assert fr(scorer, "Livraison 😍") > 0.05
    assert fr(scorer, "Livraison 😡") < -0.05
    assert fr(scorer, "Livraison 👍") > 0.05


def test_french_output_is_vader_shaped():
    scores = FrenchSentimentAnalyzer().polarity_scores("Ce vélo est nul, je suis très déçu.")
    assert set(scores) == {"neg", "neu", "pos", "compound"}
    assert scores["pos"] + scores["neu"] + scores["neg"] == pytest.approx(1, abs=0.002)
    assert FrenchSentimentAnalyzer().polarity_scores("")["compound"] == 0.0


def test_lexicon_files_parse():
    entries = list(_parse_tsv(_read("pipelines", "lexicons/fr_lexicon.tsv")))
    assert len(entries) > 300
    assert all(-4 <= value <= 4 for _, value in entries)
    emoji = list(_parse_tsv(_read("pipelines", "lexicons/emoji.tsv")))
    assert all(len(e) == 1 for e, _ in emoji)


# ---- Language detection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("Merci beaucoup !", None, "fr"),
        ("Thanks a lot!", None, "en"),
        ("Je suis déçu", None, "fr"),
        ("VELORA EST NUL", None, "fr"),
        ("VELORA IS SO BAD", None, "en"),
        ("@velora http://t.co/x I love it", None, "en"),
        ("@velora https://t.co/abc c'est génial", None, "fr"),
        ("RT @velora: great ride today", None, "en"),
        ("#Velora trop bien", None, "fr"),
        ("😍😍😍", "fr", "fr"),  # no letters: the source's language
        ("😍😍😍", None, "en"),  # ... or the default
        ("", "fr-FR", "fr"),  # hints like "fr-FR" or "FR" are understood
        ("lol", "FR", "fr"),  # unsure: the hint wins
        ("lol", "en", "en"),
    ],
)
def test_detect_short_tricky_texts(scorer, text, hint, expected):
    assert scorer.detect(text, hint=hint) == expected


def test_detect_is_restricted_to_configured_languages():
    assert Scorer(("fr",)).detect("I love it") == "fr"
    assert Scorer(("en", "fr"), default_language="fr").detect("1234") == "fr"


def test_explicit_language_skips_detection(scorer):
    assert scorer.score("I love it", lang="fr").lang == "fr"
    assert scorer.score("J'adore", lang="EN").lang == "en"


# ---- Pathological input ----------------------------------------------------------------------


def test_tweets_are_not_capped():
    tweet = "Super vélo 😍🔥 " * 20
    assert cap_words(tweet) is tweet
    assert cap_words("😂" * 100) == "😂" * 100


def test_long_text_is_cut_at_a_word():
    text = "great " * 5000
    capped = cap_words(text)
    assert len(capped.split()) == MAX_WORDS
    assert capped == text[: len(capped)]


@pytest.mark.parametrize(
    "text",
    [
        "😂🔥😍👍" * 25_000,
        ("the new bike is great but support was slow " * 2400)[:100_000],
        ("le vélo est super mais le service est nul " * 2400)[:100_000],
        "a" * 100_000,
    ],
    ids=["emoji", "english-words", "french-words", "one-word"],
)
def test_100kb_posts_score_fast(scorer, text):
    scorer.score("warm up")  # model loading is not what we time
    for lang in ("en", "fr", None):
        start = time.perf_counter()
        score = scorer.score(text, lang=lang)
        assert time.perf_counter() - start < 2.0
        assert -1 <= score.compound <= 1


# ---- Labelled tweets (kept outside the repository) -------------------------------------------


def _load(name: str) -> list[tuple[int, str]]:
    rows = []
    for line in (SHARED_DATA / name).read_text(encoding="utf-8").splitlines():
        label, text = line.split("\t", 1)
        rows.append((int(label), text))
    return rows


def _macro_f1(gold: list[int], predicted: list[int]) -> float:
    f1 = []
    for k in (0, 1, 2):
        tp = sum(g == p == k for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == k != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == k != p for g, p in zip(gold, predicted, strict=True))
        f1.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1) / 3


@pytest.fixture(scope="module")
def val():
    if not (SHARED_DATA / "xlmt-fr-val.tsv").exists():
        pytest.skip(f"labelled tweets not found in {SHARED_DATA} (kept outside the repository)")
    return {lang: _load(f"xlmt-{lang}-val.tsv") for lang in ("en", "fr")}


def test_val_french_macro_f1(scorer, val):
    index = {"negative": 0, "neutral": 1, "positive": 2}
    rows = val["fr"]
    predicted = [index[scorer.score(text, lang="fr").label] for _, text in rows]
    assert _macro_f1([label for label, _ in rows], predicted) >= 0.58


def test_val_english_is_plain_vader(scorer, vader, val):
    for _, text in val["en"]:
        assert scorer.score(text, lang="en").compound == vader.polarity_scores(text)["compound"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_val_language_detection(scorer, val, lang):
    rows = val[lang]
    correct = sum(scorer.detect(text) == lang for _, text in rows)
    assert correct / len(rows) >= 0.97
