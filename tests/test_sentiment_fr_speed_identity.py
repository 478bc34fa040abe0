"""The French analyzer's shortcuts change nothing: cached chunks read a text as the whole-text
tokenizer does, and scores do not depend on what the caches hold."""

import pytest

import pipelines.sentiment_fr as sentiment_fr
from pipelines.sentiment_fr import FrenchSentimentAnalyzer, _tokens

TRICKY = [
    "C'est super !",
    "J’aime pas ce vélo ,vraiment pas.",
    "top👍! nul😡 fin",
    "@marie!! l'appli est géniaaal :) ",
    "https://t.co/x, pas mal !",
    "Je n'aime pas\u00a0!",
    "L’ÉCHEC est TOTAL ... mais bon",
    "xD <3 ^^ :-( XD",
    "! au début, puis @a!@b! www.vigie.fr !!!",
    "",
    "   ",
    "👍🏻‍❤️ ,",
    "qu’il n’est PAS CHER ? ? ?",
]

# Scores of the implementation before the chunk cache (commit cc2dd34), to the last bit.
REFERENCE = {
    "C'est super !": (0.0, 0.378, 0.622, 0.5093),
    "J’aime pas ce vélo ,vraiment pas.": (0.333, 0.667, 0.0, -0.4585),
    "Je ne suis PAS content du tout !!!": (0.359, 0.641, 0.0, -0.5197),
    "Livraison rapide mais l'appli est NULLE 😡 !": (0.613, 0.302, 0.085, -0.8943),
    "pas mal, très très bon 👍": (0.0, 0.25, 0.75, 0.8407),
    "Le vélo est cher ? ? ?": (0.458, 0.542, 0.0, -0.3695),
    "Géniaaal !!!! :)": (0.0, 0.0, 1.0, 0.8469),
    "je n'aime plus ce vélo , plus beau que l'autre": (0.2, 0.6, 0.2, 0.0005),
}


@pytest.fixture(scope="module")
def analyzer() -> FrenchSentimentAnalyzer:
    return FrenchSentimentAnalyzer()


@pytest.mark.parametrize("text", TRICKY)
def test_chunks_read_like_the_whole_text(analyzer, text):
    tokens, closed = analyzer._read(text)
    read = [(t.surface, t.ends or k in closed) for k, t in enumerate(tokens)]
    assert read == _tokens(text, analyzer.emoticons)


@pytest.mark.parametrize(("text", "expected"), REFERENCE.items())
def test_scores_match_the_reference(analyzer, text, expected):
    scores = analyzer.polarity_scores(text)
    assert list(scores) == ["neg", "neu", "pos", "compound"]
    assert tuple(scores.values()) == expected


def test_scores_do_not_depend_on_the_caches(analyzer, monkeypatch):
    texts = [*TRICKY, *REFERENCE] * 2
    warm = [analyzer.polarity_scores(t) for t in texts]
    monkeypatch.setattr(sentiment_fr, "_CACHE_SIZE", 0)
    uncached = FrenchSentimentAnalyzer()
    assert [uncached.polarity_scores(t) for t in texts] == warm
    assert not uncached._chunks
