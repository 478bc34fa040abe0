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


# --- queries, several brands -----------------------------------------------------------------

QUERIES = Watchlist(
    brands=[
        BrandConfig(
            name="Orange",
            aliases=["Orange"],  # ignored: the query decides
            query='"Orange" AND (forfait OR réseau OR fibre OR 4G OR 5G OR @orange) '
            "NOT (jus OR fruit)",
            exclude=["Orange Bowl"],
        ),
        BrandConfig(name="Velora", hashtags=["#Velora"], keywords=["Velora app"]),
    ],
    competitors=[
        BrandConfig(name="Free", query="(@free OR #Free OR Freebox) OR (Free NEAR/2 mobile)"),
        BrandConfig(name="SFR", query="SFR NOT lang:de"),
    ],
    exclude=["offre d'emploi"],
)


def found(*texts: str, **meta: str | None) -> list[tuple[str, tuple[str, ...]]]:
    return [(m.brand, m.terms) for m in Matcher(QUERIES).match(*texts, **meta)]


def test_a_mention_can_match_several_brands_in_order_of_first_mention():
    text = "Free mobile ou la fibre Orange ? J'hésite, et SFR aussi"
    assert found(text, lang="fr") == [
        ("Free", ("free", "mobile")),
        ("Orange", ("fibre", "orange")),
        ("SFR", ("sfr",)),
    ]
    matches = Matcher(QUERIES).match(text, lang="fr")
    assert [m.is_competitor for m in matches] == [True, False, True]


def test_query_decides_and_names_are_not_added():
    assert found("J'adore Orange", lang="fr") == []  # the alias alone is not enough
    assert found("Le forfait Orange augmente", lang="fr") == [("Orange", ("forfait", "orange"))]


def test_brand_without_query_keeps_its_names():
    assert found("#Velora day with the Velora app") == [("Velora", ("#velora", "velora app"))]
    assert found("Velora is back") == [("Velora", ("velora",))]


def test_exclusions_still_apply_to_query_brands():
    assert found("Orange Bowl: la 4G du stade", lang="fr") == []
    assert found("Orange recrute: offre d'emploi fibre", lang="fr") == []
    assert found("Free recrute: offre d'emploi", lang="fr") == []


def test_metadata_reaches_the_filters():
    assert found("SFR network down", lang="en") == [("SFR", ("sfr",))]
    assert found("SFR Netz kaputt", lang="de") == []


def test_title_and_text_both_count():
    assert found("Panne fibre", "Orange ne répond pas", lang="fr") == [
        ("Orange", ("fibre", "orange"))
    ]


def test_nothing_to_match():
    assert Matcher(QUERIES).match(None, "", lang="fr") == []
    assert not Matcher(Watchlist()).has_brands
    assert Matcher(Watchlist()).match("Orange fibre") == []


def test_known_brand_names_for_imports():
    assert Matcher(QUERIES).known("ORANGE") == ("Orange", False)
    assert Matcher(QUERIES).known("sfr") == ("SFR", True)
    assert Matcher(QUERIES).known("Bouygues") is None


def test_legacy_terms_are_literal_and_outermost():
    watchlist = Watchlist(brands=[BrandConfig(name="Velora", aliases=["Velora City", "V*"])])
    matches = Matcher(watchlist).match("Velora City, V* and Velora")
    assert matches[0].terms == ("velora city", "v*", "velora")
    assert Matcher(watchlist).match("Vroom") == []


def test_wildcards_know_words_met_before_and_after_the_matcher_was_built():
    # Wildcards are tested once per word of the shared vocabulary: a word the tokenizer met
    # before this matcher existed must count as much as one it meets afterwards.
    Matcher(WATCHLIST).match("Zorglubette sous la pluie", lang="fr")
    later = Matcher(Watchlist(brands=[BrandConfig(name="Z", query="zorglub*")]))
    assert later.match("Ma Zorglubette", lang="fr")[0].terms == ("zorglubette",)
    assert later.match("Les ZORGLUBÉES du jour", lang="fr")[0].terms == ("zorglubees",)
    assert later.match("Zorglu seul", lang="fr") == []
