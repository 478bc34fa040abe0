"""Sentiment towards each brand named in a mention (EN and FR): sentences naming the brand,
clauses cut at contrast markers, comparisons giving the other side the opposite polarity."""

from __future__ import annotations

import pytest

from pipelines.sentiment import Scorer
from pipelines.settings import Watchlist
from pipelines.target_sentiment import (
    clauses,
    fold_keep_length,
    sentences,
    target_scores,
    watchlist_brands,
)

BRANDS = {"Velora": ["@velora", "#Velora", "Velora City"], "Roulix": ["@roulix"], "Cyclane": []}


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(("en", "fr"), default_language="en")


def scores(scorer: Scorer, text: str, lang: str | None) -> dict[str, float | None]:
    return target_scores(text, lang, BRANDS, scorer)


# ---- the issue's example and its French counterpart ------------------------------------------


def test_issue_example_english(scorer: Scorer) -> None:
    text = "Velora is great, unlike Roulix's awful app"
    result = scores(scorer, text, "en")
    assert result["Velora"] > 0.3
    assert result["Roulix"] < -0.3
    assert result["Cyclane"] is None
    # The whole text is only mildly positive: the point of scoring targets.
    assert scorer.score(text, lang="en").compound < result["Velora"]


@pytest.mark.parametrize(
    "text",
    [
        "Velora est top, contrairement à Roulix",
        "Velora est top, contrairement à l'appli nulle de Roulix.",
        "Velora est bien meilleur que Roulix",
        "Velora est bien meilleur qu'Roulix",
        "J'ai pris un Velora plutôt qu'un Roulix, bien meilleur.",
        "Le SAV de Velora est génial, alors que Roulix ne répond jamais, lamentable.",
    ],
)
def test_issue_example_french(scorer: Scorer, text: str) -> None:
    result = scores(scorer, text, "fr")
    assert result["Velora"] > 0.3, result
    assert result["Roulix"] < -0.3, result


@pytest.mark.parametrize(
    "text",
    [
        "Velora is way better than Roulix.",
        "Unlike Roulix, Velora is reliable and fun.",
        "Velora, unlike Roulix, is great.",
        "Velora looks nice but Roulix's app is awful.",
        "Velora is amazing whereas Roulix is a disaster.",
    ],
)
def test_contrast_markers_english(scorer: Scorer, text: str) -> None:
    result = scores(scorer, text, "en")
    assert result["Velora"] > 0.3, result
    assert result["Roulix"] < -0.3, result


def test_comparison_works_both_ways(scorer: Scorer) -> None:
    result = scores(scorer, "Velora is worse than Roulix.", "en")
    assert result["Velora"] < 0 < result["Roulix"]
    result = scores(scorer, "Velora est pire que Roulix.", "fr")
    assert result["Velora"] < 0 < result["Roulix"]


def test_comparison_inside_an_adversative_clause(scorer: Scorer) -> None:
    text = "Velora is ok but Roulix, unlike Cyclane, is great."
    result = scores(scorer, text, "en")
    assert result["Roulix"] > 0.3
    assert result["Cyclane"] < -0.3


# ---- which sentences count -------------------------------------------------------------------


def test_sentence_without_the_brand_is_ignored(scorer: Scorer) -> None:
    en = scores(scorer, "Velora is awful! The weather is lovely today, what a great day.", "en")
    assert en["Velora"] < -0.3
    fr = scores(scorer, "Velora est nul. Il fait un temps magnifique, super journée !", "fr")
    assert fr["Velora"] < -0.3
    # Each brand gets its own sentence.
    both = scores(scorer, "Roulix is fine. Velora is awful!", "en")
    assert both["Velora"] < 0 < both["Roulix"]


def test_single_brand_sentence_is_scored_whole(scorer: Scorer) -> None:
    text = "Velora looks nice but the app is awful."
    assert scores(scorer, text, "en")["Velora"] == scorer.score(text, lang="en").compound
    text = "Le Velora est joli mais l'appli est nulle."
    assert scores(scorer, text, "fr")["Velora"] == scorer.score(text, lang="fr").compound


def test_brand_scores_are_averaged_over_sentences(scorer: Scorer) -> None:
    first, second = "Velora is great.", "Velora is awful."
    expected = (
        scorer.score(first, lang="en").compound + scorer.score(second, lang="en").compound
    ) / 2
    assert scores(scorer, f"{first} {second}", "en")["Velora"] == pytest.approx(expected, abs=1e-4)


def test_brand_absent_gives_none(scorer: Scorer) -> None:
    assert scores(scorer, "Nothing about brands here, lovely day.", "en") == {
        "Velora": None,
        "Roulix": None,
        "Cyclane": None,
    }
    assert scores(scorer, "Rien à voir, belle journée.", "fr")["Velora"] is None
    assert scores(scorer, "", "fr")["Velora"] is None
    assert target_scores("Velora is great", "en", {}, scorer) == {}
    # Whole words only: "Veloramax" is not Velora.
    assert scores(scorer, "Veloramax is great", "en")["Velora"] is None


def test_aliases_handles_accents_and_detection(scorer: Scorer) -> None:
    assert scores(scorer, "@velora you are the best!", "en")["Velora"] > 0.3
    assert scores(scorer, "The VELORA CITY is great, unlike Roulix", "en")["Velora"] > 0.3
    accented = {"Élan": [], "Roulix": []}
    result = target_scores("Elan est génial, contrairement à Roulix", "fr", accented, scorer)
    assert result["Élan"] > 0.3 and result["Roulix"] < -0.3
    # No language given: detected, then French rules apply.
    detected = scores(scorer, "Velora est vraiment génial, contrairement à Roulix", None)
    assert detected["Roulix"] < -0.3


def test_whole_score_is_reused_only_for_one_sentence_one_brand(scorer: Scorer) -> None:
    assert target_scores("Velora is great", "en", BRANDS, scorer, whole=0.123)["Velora"] == 0.123
    two = target_scores("Velora is great. Really.", "en", BRANDS, scorer, whole=0.123)
    assert two["Velora"] != 0.123


def test_watchlist_brands() -> None:
    watchlist = Watchlist.model_validate(
        {"brands": [{"name": "Velora", "handles": ["velora"]}], "competitors": [{"name": "Roulix"}]}
    )
    assert watchlist_brands(watchlist) == {"Velora": ["Velora", "@velora"], "Roulix": ["Roulix"]}


# ---- building blocks -------------------------------------------------------------------------


def test_clauses_french_que_needs_a_comparative() -> None:
    kinds = [c.kind for c in clauses(fold_keep_length("Je pense que Velora est top"), "fr")]
    assert kinds == ["main"]
    kinds = [c.kind for c in clauses(fold_keep_length("Velora est plus fiable que Roulix"), "fr")]
    assert kinds == ["main", "cmp"]
    folded = fold_keep_length("Parce que Velora est plus cher, mais Roulix casse")
    assert [c.kind for c in clauses(folded, "fr")] == ["main", "adv"]


def test_sentences_and_offsets() -> None:
    text = "Élodie adore Velora. Roulix, non ! M. Dupont aussi."
    assert len(fold_keep_length(text)) == len(text)
    spans = sentences(text, "fr")
    assert [text[a:b].strip() for a, b in spans][:2] == ["Élodie adore Velora.", "Roulix, non !"]
    assert sentences("One sentence only", "en") == [(0, 17)]
