"""The English/French pre-classifier: clear cases answered, unclear ones left to py3langid."""

from pathlib import Path
from unittest import mock

import pytest

from pipelines import sentiment
from pipelines.langdetect import pre_classify
from pipelines.sentiment import Scorer

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(("en", "fr"), default_language="en")


def _never(sample: str) -> None:
    return None


@pytest.mark.parametrize(
    "text",
    [
        "The new bike is great but the app keeps crashing",
        "I don't think it's worth the price, to be honest",
        "Can't believe they're out of stock again. What a joke",
        "@velora_support my battery died after two weeks, what should I do?",
        "I’m so happy with this, it’s the best ride of my life",  # typographic apostrophes
    ],
)
def test_clear_english(scorer, text):
    assert pre_classify(text) == "en"
    assert scorer.detect(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "Le vélo est génial mais l'appli plante tout le temps",
        "Je suis très déçu, la batterie n'est pas à la hauteur",
        "Le velo est genial, je le conseille a tous mes amis",  # no accents
        "j'ai reçu l'appli hier, c'est top",
        "Qu'il est beau ce vélo ! J'adore",
        "C’est nul, j’ai attendu trois semaines pour rien",  # typographic apostrophes
        "Elle n'est pas contente du service, et nous non plus",
        "Un vélo pour la ville d'un bon rapport qualité-prix",
    ],
)
def test_clear_french(scorer, text):
    assert pre_classify(text) == "fr"
    assert scorer.detect(text) == "fr"


def test_elisions_are_split():
    # "l'", "d'" and "qu'" are the only French evidence here besides the words they precede.
    assert pre_classify("l'appli d'abord") == "fr"
    assert pre_classify("l appli d abord") is None


@pytest.mark.parametrize(
    "text",
    [
        "lol",
        "Velora Cargo",
        "Merci beaucoup !",  # one French word: not enough for the fast path
        "Thanks a lot!",
        "top du top",
        "the vélo",  # one word each way
        "Le Velora City: the best bike in town",  # mixed
        "Super vélo, love it",
        "#Velora #ebike #vélotaf",
    ],
)
def test_unclear_texts_fall_back_to_py3langid(scorer, text):
    assert pre_classify(text) is None
    with mock.patch.object(sentiment, "pre_classify", _never):
        old = scorer.detect(text, hint="fr")
    assert scorer.detect(text, hint="fr") == old


def test_fallback_really_asks_py3langid(scorer):
    model = mock.Mock()
    model.classify.side_effect = sentiment._language_identifier(("en", "fr")).classify
    with mock.patch.object(sentiment, "_language_identifier", return_value=model):
        classify = model.classify
        scorer.detect("Merci beaucoup !")
        assert classify.call_count == 1
        scorer.detect("Je suis très déçu, la batterie n'est pas à la hauteur")
        assert classify.call_count == 1  # decided by the fast path


def test_handles_hashtags_and_links_are_not_evidence(scorer):
    # Handles and links are removed before the count; hashtags lose their "#" but the word
    # stays, as py3langid sees it.
    text = "@the_and_is @les_des_est https://example.com/the/and/is #Velora le vélo est top"
    assert scorer.detect(text) == "fr"
    with mock.patch.object(sentiment, "pre_classify", wraps=pre_classify) as fast:
        scorer.detect(text)
    sample = fast.call_args.args[0]
    assert "the_and" not in sample and "example" not in sample
    assert pre_classify(sample) == "fr"
    assert pre_classify("http://the.and.is/le/la/les @the @and vélo") is None


def test_all_caps(scorer):
    assert pre_classify("VELORA EST NUL, JE SUIS DÉÇU") == "fr"
    assert pre_classify("THIS IS THE WORST BIKE EVER") == "en"
    assert scorer.detect("VELORA EST NUL, JE SUIS DÉÇU") == "fr"
    assert scorer.detect("THIS IS THE WORST BIKE EVER") == "en"


def test_single_language_configuration_bypasses_it():
    with mock.patch.object(sentiment, "pre_classify", wraps=pre_classify) as fast:
        assert Scorer(("fr",)).detect("I love it, it is the best") == "fr"
        assert Scorer(("en",)).detect("Je suis très déçu, c'est nul") == "en"
        assert fast.call_count == 0


def test_other_language_sets_bypass_it():
    with mock.patch.object(sentiment, "pre_classify", wraps=pre_classify) as fast:
        Scorer(("en", "de")).detect("The new bike is great but the app keeps crashing")
        assert fast.call_count == 0
        Scorer(("fr", "en")).detect("The new bike is great but the app keeps crashing")
        assert fast.call_count == 1  # the order does not matter


@pytest.mark.parametrize(
    "text",
    [
        # Spanish
        "El servicio es muy malo y la bicicleta no funciona",
        "Me encanta esta bicicleta, es la mejor que he tenido",
        "Los frenos de la bici son un desastre, pero el precio está bien",
        "Qué bueno, gracias por todo",
        # Italian
        "Il servizio è pessimo e la bici non funziona",
        "Questa bici è fantastica, la consiglio a tutti",
        "L'assistenza clienti non risponde mai, che vergogna",
        "Le ruote sono ottime e il prezzo è giusto",
        "Ho comprato l'ultimo modello della serie",
        # Portuguese
        "A bicicleta é muito boa, mas a bateria não dura",
    ],
)
def test_spanish_and_italian_are_not_claimed_as_french(text):
    assert pre_classify(text) != "fr"
    assert pre_classify(text) is None


def _load(lang: str, split: str) -> list[str]:
    path = SHARED_DATA / f"xlmt-{lang}-{split}.tsv"
    return [line.split("\t", 1)[1] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.skipif(
    not (SHARED_DATA / "xlmt-fr-val.tsv").exists(),
    reason=f"labelled tweets not found in {SHARED_DATA} (kept out of the repository)",
)
@pytest.mark.parametrize("split", ["train", "val"])
def test_gold_accuracy_not_below_py3langid_alone(scorer, split):
    rows = [(text, lang) for lang in ("en", "fr") for text in _load(lang, split)]
    with mock.patch.object(sentiment, "pre_classify", _never):
        old = sum(scorer.detect(text) == lang for text, lang in rows)
    new = sum(scorer.detect(text) == lang for text, lang in rows)
    assert new >= old
    samples = [sentiment._NOT_LANGUAGE.sub(" ", text).replace("#", " ") for text, _ in rows]
    decided = [(pre_classify(s), lang) for s, (_, lang) in zip(samples, rows, strict=True)]
    decided = [(fast, lang) for fast, lang in decided if fast is not None]
    assert len(decided) >= 0.85 * len(rows)  # the fast path does most of the work
    assert sum(fast == lang for fast, lang in decided) >= 0.999 * len(decided)
