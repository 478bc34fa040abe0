"""Key terms and entities per mention (EN and FR), lemmatization rules, trending lift."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipelines.settings import Watchlist
from pipelines.topics import TopicExtractor, Topics, lemma_en, lemma_fr, read_word_list, trending

WATCHLIST = Watchlist.model_validate(
    {
        "brands": [
            {
                "name": "Velora",
                "aliases": ["Velora City"],
                "handles": ["@velora"],
                "hashtags": ["#Velora", "#VeloraCity"],
                "keywords": ["Velora app"],
            }
        ],
        "competitors": [
            {"name": "Cyclane", "handles": ["@cyclane_bikes"]},
            {"name": "Roulix", "hashtags": ["#Roulix"]},
        ],
    }
)


@pytest.fixture(scope="module")
def extractor() -> TopicExtractor:
    return TopicExtractor(WATCHLIST)


# ---- English ---------------------------------------------------------------------------------


def test_english_terms_drop_stopwords_and_fold_plurals(extractor: TopicExtractor) -> None:
    topics = extractor.extract("The batteries on these bikes are really amazing!", "en")
    assert "battery" in topics.terms
    assert "bike" in topics.terms
    assert "amazing" in topics.terms
    for stopword in ("the", "on", "these", "are", "really"):
        assert stopword not in topics.terms
    assert "batteries" not in topics.terms


def test_english_bigrams_need_adjacent_content_words(extractor: TopicExtractor) -> None:
    topics = extractor.extract("Battery life is short and the customer service was slow.", "en")
    assert "battery life" in topics.terms
    assert "customer service" in topics.terms
    # "short" and "customer" are separated by stopwords: no phrase across them.
    assert not any(t.startswith("short ") for t in topics.terms)
    # A punctuation mark breaks a phrase too.
    assert "slow battery" not in extractor.extract("It is slow. Battery drains.", "en").terms


def test_brand_and_competitor_names_are_entities_not_terms(extractor: TopicExtractor) -> None:
    text = (
        "@velora the Velora City frame is solid, better than my old Cyclane. "
        "#ebike #VeloraCity https://t.example/abc"
    )
    topics = extractor.extract(text, "en")
    tags, names = ["@velora", "#ebike", "#veloracity"], ["Velora", "Cyclane", "Velora City"]
    assert topics.entities == tags + names
    assert not any("velora" in t or "cyclane" in t or "city" in t for t in topics.terms)
    assert not any("http" in t or "t.example" in t for t in topics.terms)
    assert "frame" in topics.terms
    # The alias is removed as a whole: "City" does not pair with "frame".
    assert "city frame" not in topics.terms


def test_english_possessive_and_camel_case(extractor: TopicExtractor) -> None:
    topics = extractor.extract("Velora's app crashes on iOS with my AirPods", "en")
    assert topics.entities == ["Velora"]
    assert "app crash" in topics.terms
    assert "ios" in topics.terms and "airpods" in topics.terms  # names are not "de-pluralised"


def test_handles_and_hashtags_of_other_accounts_are_entities(extractor: TopicExtractor) -> None:
    topics = extractor.extract("Thanks @bike_shop.bsky.social for the #Vélo tips", "en")
    assert topics.entities == ["@bike_shop.bsky.social", "#velo"]
    assert topics.terms == ["tip"]


# ---- French ----------------------------------------------------------------------------------


def test_french_terms_drop_stopwords_and_elisions(extractor: TopicExtractor) -> None:
    text = "Le service client de Velora ne répond pas, j’attends toujours mon remboursement."
    topics = extractor.extract(text, "fr")
    assert "service client" in topics.terms
    assert "remboursement" in topics.terms
    for stopword in ("le", "de", "ne", "pas", "j'", "toujours", "mon"):
        assert stopword not in topics.terms
    assert topics.entities == ["Velora"]


def test_french_plural_and_feminine_folding(extractor: TopicExtractor) -> None:
    text = "Les batteries décevantes et les réseaux lents. Une appli géniale, des vélos neufs."
    topics = extractor.extract(text, "fr")
    assert {"batterie", "décevant", "réseau", "lent", "génial", "vélo"} <= set(topics.terms)
    # In a two-word term the noun keeps its gender: "batterie décevante", not "... décevant".
    assert "batterie décevante" in topics.terms
    assert "appli géniale" in topics.terms


def test_french_brand_terms_with_elision_and_hashtags(extractor: TopicExtractor) -> None:
    text = "L'appli Velora est meilleure qu'Roulix, et les pneus du #Roulix crèvent #SAV"
    topics = extractor.extract(text, "fr")
    assert topics.entities == ["#roulix", "#sav", "Velora", "Roulix"]
    assert "appli" in topics.terms and "pneu" in topics.terms
    assert not any("roulix" in t or "velora" in t for t in topics.terms)


def test_lemma_rules_are_conservative() -> None:
    assert [lemma_en(w) for w in ("batteries", "boxes", "watches", "apps", "prices")] == [
        "battery",
        "box",
        "watch",
        "app",
        "price",
    ]
    # Singular "-s" words, short words and "-ing" nouns are kept.
    for word in ("status", "class", "analysis", "news", "bus", "shipping", "pricing"):
        assert lemma_en(word) == word
    assert lemma_fr("problèmes") == "problème"
    assert lemma_fr("journaux") == "journal"
    assert lemma_fr("jeux") == "jeu"
    assert lemma_fr("heureuse") == "heureux"
    for word in ("avis", "colis", "prix", "mauvais", "temps", "attente", "succès", "heureux"):
        assert lemma_fr(word) == word
    assert lemma_fr("décevantes", feminine=False) == "décevante"


def test_long_text_keeps_most_frequent_terms(extractor: TopicExtractor) -> None:
    text = "battery " * 5 + " ".join(f"word{i}x" for i in range(60))
    topics = TopicExtractor(WATCHLIST, max_terms=10).extract(text, "en")
    assert len(topics.terms) == 10
    assert topics.terms[0] == "battery"


def test_empty_and_unknown_language(extractor: TopicExtractor) -> None:
    assert extractor.extract("", "en") == Topics()
    assert extractor.extract(None, None) == Topics()
    # An unconfigured language falls back to the watchlist's default (English here).
    assert "battery life" in extractor.extract("Battery life rocks", "de").terms


def test_custom_stopword_list(tmp_path: Path) -> None:
    path = tmp_path / "stop.txt"
    path.write_text("# ours\nbattery\n", encoding="utf-8")
    assert read_word_list(path) == ["battery"]
    custom = TopicExtractor(WATCHLIST, stopword_paths={"en": path})
    assert custom.extract("the battery life", "en").terms == ["the", "life"]


def test_throughput_over_5000_texts_per_second(extractor: TopicExtractor) -> None:
    """The run extracts ~300k mentions: one CPU core must do well over 5,000 a second."""
    texts = [
        (f"@velora the {i} batteries of my Velora City are great, user{i} #tag{i % 50}", "en")
        if i % 2
        else (f"Le SAV de Velora répond vite, commande n°{i} livrée, client{i} ravi", "fr")
        for i in range(6000)
    ]
    start = time.process_time()
    for text, lang in texts:
        extractor.extract(text, lang)
    rate = len(texts) / (time.process_time() - start)
    # Measured at 6,000-8,000/s of CPU time on a loaded 2-core machine; 2,500 leaves room.
    assert rate > 2500, f"{rate:.0f} texts/s"


# ---- trending --------------------------------------------------------------------------------


def test_trending_ranks_rising_terms_by_smoothed_lift() -> None:
    current = {"battery": 40, "app": 10, "recall": 12, "rare": 2}
    previous = {"battery": 10, "app": 10, "recall": 0, "rare": 0}
    rows = trending(current, previous, min_count=3)
    terms = [r[0] for r in rows]
    assert terms[0] == "recall"  # new this period: the largest lift, but finite
    assert "battery" in terms
    assert "app" not in terms  # its share fell: the current period is busier
    assert "rare" not in terms  # under min_count
    recall = rows[0]
    assert recall[1:3] == (12, 0)
    assert recall[3] == pytest.approx((12 + 5) / (0 + 5), abs=1e-3)
    # battery: 10 before, scaled to this busier period (64 terms against 20) = 32 expected
    battery = next(r for r in rows if r[0] == "battery")
    assert battery[3] == pytest.approx((40 + 5) / (10 * 64 / 20 + 5), abs=1e-3)


def test_trending_ranks_a_grown_established_term_above_a_new_rare_one() -> None:
    """Three mentions of a word never seen before are not more news than a usual term
    whose count quadrupled."""
    previous = {"delivery": 28, "price": 70}  # a week: delivery 4 a day, 24 today
    current = {"delivery": 24, "price": 10, "zebra": 3}
    terms = [r[0] for r in trending(current, previous, min_count=3)]
    assert terms[:2] == ["delivery", "zebra"]
    assert "price" not in terms


def test_trending_smoothing_prefers_volume_and_handles_empty_inputs() -> None:
    rows = trending({"big": 40, "small": 4, "base": 50}, {"base": 50}, min_count=3)
    assert [r[0] for r in rows] == ["big", "small"]  # both new: more evidence, more lift
    assert rows[0][3] > 4 * rows[1][3]
    assert trending({}, {"a": 3}) == []
    same = {"a": 5, "b": 5}
    assert trending(same, same) == []  # nothing rose
