from pipelines.match import Matcher, fold
from pipelines.settings import BrandConfig, Watchlist

WATCHLIST = Watchlist(
    brands=[
        BrandConfig(
            name="Société Générale",
            aliases=["SocGen"],
            handles=["@SG_etudiants"],
            exclude=["société générale de surveillance"],
        )
    ],
    competitors=[BrandConfig(name="Orange", hashtags=["#OrangeFrance"])],
    exclude=["offre d'emploi"],
)


def names(text: str) -> list[str]:
    return [m.brand for m in Matcher(WATCHLIST).match(text)]


def test_fold_removes_case_and_accents():
    assert fold("SOCIÉTÉ Générale") == "societe generale"


def test_case_and_accent_insensitive_whole_words():
    assert names("la societe generale augmente ses frais") == ["Société Générale"]
    assert names("SOCGEN en panne") == ["Société Générale"]
    assert names("Oranges et citrons") == []
    assert names("orange juice") == ["Orange"]


def test_handles_and_hashtags_match_as_tokens():
    assert names("merci @sg_etudiants !") == ["Société Générale"]
    assert names("merci @sg_etudiants2") == []
    assert names("#OrangeFrance en panne") == ["Orange"]


def test_exclusions_brand_level_and_global():
    assert names("Société Générale de Surveillance recrute") == []
    assert names("Orange: offre d'emploi à Lyon") == []


def test_several_brands_ordered_by_first_mention_with_terms():
    matches = Matcher(WATCHLIST).match("Orange plutôt que SocGen ou Société Générale")
    assert [m.brand for m in matches] == ["Orange", "Société Générale"]
    assert matches[1].terms == ("socgen", "societe generale")
    assert matches[0].is_competitor and not matches[1].is_competitor
