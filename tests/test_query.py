"""The query language: parsing, syntax errors with their column, and evaluation on mentions."""

from __future__ import annotations

import pytest

from pipelines.errors import ConfigError
from pipelines.match import Matcher
from pipelines.query import (
    And,
    Filter,
    Near,
    Node,
    Not,
    QuerySyntaxError,
    Term,
    needs_terms,
    parse,
)
from pipelines.settings import Watchlist, load_watchlist

ORANGE = '"Orange" AND (forfait OR réseau OR fibre OR 4G OR 5G OR @orange) NOT (jus OR fruit)'


def show(node: Node) -> str:
    """A compact, position-free rendering of the AST, to compare shapes."""
    if isinstance(node, Term):
        return f"{node.text}{'~' if node.wildcard else ''}"
    if isinstance(node, Filter):
        return f"{node.name}:{node.value}"
    if isinstance(node, Not):
        return f"(NOT {show(node.child)})"
    if isinstance(node, Near):
        return f"(NEAR/{node.distance} {show(node.left)} {show(node.right)})"
    op = "AND" if isinstance(node, And) else "OR"
    return f"({op} {' '.join(show(c) for c in node.children)})"


def terms_of(query: str, *texts: str, **meta: str | None) -> tuple[str, ...] | None:
    """The matched terms of a one-brand watchlist, or None when the query is false."""
    matches = Matcher(Watchlist(brands=[{"name": "B", "query": query}])).match(*texts, **meta)
    return matches[0].terms if matches else None


# --- parser ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "shape"),
    [
        ("a OR b AND c", "(OR a (AND b c))"),
        ("a AND b OR c", "(OR (AND a b) c)"),
        ("a b OR c", "(OR (AND a b) c)"),  # adjacency is AND, and binds tighter than OR
        ("a OR b c", "(OR a (AND b c))"),
        ("NOT a b", "(AND (NOT a) b)"),
        ("a NOT b", "(AND a (NOT b))"),
        ("a AND NOT b", "(AND a (NOT b))"),
        ("NOT NOT a", "(NOT (NOT a))"),
        ("a NEAR/3 b c", "(AND (NEAR/3 a b) c)"),  # NEAR binds tighter than AND
        ("a NEAR/3 b OR c", "(OR (NEAR/3 a b) c)"),
        ("a NEAR/2 b NEAR/1 c", "(NEAR/1 (NEAR/2 a b) c)"),
        ("(a OR b) NEAR/5 c", "(NEAR/5 (OR a b) c)"),
        ("(a OR b) AND c", "(AND (OR a b) c)"),
        ("a (b OR c)", "(AND a (OR b c))"),
        ("((a))", "a"),
        ('"velora city" bikes', "(AND velora city bikes)"),
        ('"AND" OR "lang:fr"', "(OR AND lang:fr)"),  # quotes make operators and filters words
        ("velora or cyclane", "(AND velora or cyclane)"),  # lowercase or is a word
        ("Near and Not", "(AND Near and Not)"),
        ("velo* v?lora #velo* velora", "(AND velo*~ v?lora~ #velo*~ velora)"),
        ('"velo* city"', "velo* city~"),
        ("#Velora @velora", "(AND #Velora @velora)"),
        ("lang:fr source:reddit author:@jean", "(AND lang:fr source:reddit author:@jean)"),
        ('author:"Jean Dupont" LANG:FR', "(AND author:Jean Dupont lang:FR)"),
        ("(lang:fr OR lang:en) NOT source:x", "(AND (OR lang:fr lang:en) (NOT source:x))"),
        ("“Velora City”", "Velora City"),  # typographic quotes, as pasted from a document
        (ORANGE, "(AND Orange (OR forfait réseau fibre 4G 5G @orange) (NOT (OR jus fruit)))"),
    ],
)
def test_precedence_and_shapes(query, shape):
    assert show(parse(query)) == shape


def test_positions_are_kept_for_messages():
    node = parse('velora AND "velora city"')
    assert isinstance(node, And)
    assert [c.pos for c in node.children] == [1, 12]


def test_needs_terms_tells_when_a_query_can_hold_without_any_term():
    assert needs_terms(parse("a OR (b NOT c)"))
    assert needs_terms(parse("lang:fr a"))
    assert not needs_terms(parse("NOT a"))
    assert not needs_terms(parse("a OR source:appstore"))


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("", 1, "empty query"),
        ("   ", 1, "empty query"),
        ('"Orange" AND (forfait', 22, "expected ')' to close the '(' at column 14"),
        ("(a OR (b AND c)", 16, "expected ')' to close the '(' at column 1"),
        ("a OR b)", 7, "unmatched ')'"),
        ("()", 1, "empty parentheses"),
        ("velora (", 9, "expected a term and ')' after '('"),
        ("velora AND", 8, "'AND' needs a term after it"),
        ("velora OR", 8, "'OR' needs a term after it"),
        ("velora NOT", 8, "'NOT' needs a term after it"),
        ("velora NEAR/3", 8, "'NEAR/3' needs a term after it"),
        ("(velora AND) bike", 9, "'AND' needs a term after it"),
        ("OR velora", 1, "'OR' needs a term before it"),
        ("(AND velora)", 2, "expected a term after '(', found 'AND'"),
        ("velora AND OR bike", 12, "expected a term after 'AND', found 'OR'"),
        ("velora NEAR bike", 8, "NEAR needs a distance, e.g. NEAR/3"),
        ("velora NEAR/ bike", 8, "NEAR needs a distance"),
        ("velora NEAR/x bike", 8, "bad NEAR distance 'x': expected a number"),
        ("velora NEAR/-2 bike", 8, "bad NEAR distance '-2'"),
        ("velora NEAR/101 bike", 8, "NEAR distance 101 is over 100 words"),
        ("velora near/3 bike", 8, "operators are uppercase: write NEAR/3"),
        ("NOT velora NEAR/3 bike", 1, "NEAR/3 joins terms, phrases or OR groups of them, not NOT"),
        ("velora NEAR/3 (a AND b)", 15, "not AND"),
        ("(velora OR lang:fr) NEAR/3 bike", 12, "not a filter"),
        ("velora country:fr", 8, "unknown filter field 'country' (known: author, lang, source)"),
        ("https://velora.example", 1, "unknown filter field 'https'"),
        ("velora lang:", 8, "lang: needs a value, e.g. lang:fr"),
        ('velora author:""', 8, "author: needs a value"),
        ("velora lang:french!", 13, "lang: expects a value like fr, not 'french!'"),
        ('"velora city', 1, "unterminated quote"),
        ('velora "city', 8, "unterminated quote"),
        ('velora author:"jean', 15, "unterminated quote"),
        ('velora ""', 8, "empty phrase"),
        ("velora ” city", 8, "closing quote without an opening one"),
        ("*lora", 1, "a term cannot start with a wildcard"),
        ("velora #*", 8, "a term cannot start with a wildcard"),
        ('"velora ?ity"', 1, "a term cannot start with a wildcard: '?ity'"),
    ],
)
def test_syntax_errors_say_where(query, column, message):
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    assert info.value.position == column
    assert message in info.value.message
    assert str(info.value).startswith(f"syntax error at column {column}: ")


def test_watchlist_load_fails_on_a_bad_query_naming_file_field_and_column(write):
    path = write(
        "w.yaml",
        "brands:\n  - name: Orange\n    query: '\"Orange\" AND (forfait OR fibre'\n",
    )
    with pytest.raises(ConfigError) as info:
        load_watchlist(path)
    assert str(info.value) == (
        f"{path}: brands[0].query: syntax error at column 31: "
        "expected ')' to close the '(' at column 14"
    )


def test_watchlist_with_valid_queries_loads(write):
    path = write(
        "w.yaml",
        'brands:\n  - name: Orange\n    query: >-\n      "Orange" AND (fibre OR 5G)\n'
        "      NOT (jus OR fruit)\ncompetitors:\n  - name: Free\n    query: '#Free OR @free'\n",
    )
    watchlist = load_watchlist(path)
    assert watchlist.brands[0].query == '"Orange" AND (fibre OR 5G) NOT (jus OR fruit)'


# --- evaluation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Ma fibre Orange est en panne depuis hier soir", "fr", ("fibre", "orange")),
        ("Le réseau ORANGE est saturé à Lyon", "fr", ("reseau", "orange")),
        ("Le reseau orange est saturé", "fr", ("reseau", "orange")),
        ("L'Orange 5G arrive enfin à Rennes", "fr", ("orange", "5g")),
        ("l’Orange en 4G/5G, enfin", "fr", ("orange", "4g", "5g")),
        ("@orange ma box ne marche plus, Orange c'est nul", "fr", ("@orange", "orange")),
        ("Orange's 5G network is down again", "en", ("orange", "5g")),
        ("Un jus d'orange pressé et un forfait", "fr", None),  # the fruit: NOT jus
        ("Orange, le fruit préféré des enfants, et la 4G", "fr", None),
        ("Une orange pressée chaque matin", "fr", None),  # no operator context
        ("Les oranges de la fibre", "fr", None),  # "oranges" is another word
    ],
)
def test_orange_the_operator_not_the_fruit(text, lang, expected):
    assert terms_of(ORANGE, text, lang=lang) == expected


def test_elision_splits_in_english_and_french_tokenizers():
    # French text often arrives without a language: the English tokenizer must split l' too.
    for lang in ("fr", "en", None):
        assert terms_of("Orange", "J'aime l'Orange et qu’Orange", lang=lang) == ("orange",)


def test_accents_and_case_fold_on_both_sides():
    assert terms_of('"Société Générale"', "la SOCIETE generale ferme", lang="fr") == (
        "societe generale",
    )
    assert terms_of('"societe generale"', "La Société Générale ferme", lang="fr") == (
        "societe generale",
    )
    assert terms_of("Straße", "in der STRASSE") == ("strasse",)
    assert terms_of("peut-être", "Peut-être demain", lang="fr") == ("peut-etre",)


def test_whole_tokens_only():
    assert terms_of("velora", "Veloras and velorable and xvelora") is None
    assert terms_of("velora", "the Velora-City is out") == ("velora",)
    assert terms_of("velora", "(Velora), «Velora»!") == ("velora",)
    assert terms_of('"velora city"', "Velora citywide") is None


def test_phrase_needs_consecutive_tokens():
    assert terms_of('"velora city"', "my Velora City rocks") == ("velora city",)
    assert terms_of('"velora city"', "my Velora bike in the city") is None
    assert terms_of('"velora city"', "City Velora") is None


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("velora", "love #Velora today", ("#velora",)),  # a word also matches its hashtag
        ("velora", "cc @velora today", None),  # but not a handle
        ("#velora", "love Velora today", None),  # a hashtag matches only the hashtag
        ("#velora", "love #VELORA today", ("#velora",)),
        ("#velora", "love #VeloraCity today", None),
        ("@velora", "thanks @Velora!", ("@velora",)),
        ("@velora", "thanks @velora_fan", None),
        ("@velora", "thanks velora", None),
        ("@velora", "merci @velora@mastodon.social", ("@velora@mastodon.social",)),
    ],
)
def test_hashtags_and_handles(query, text, expected):
    assert terms_of(query, text) == expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("velo*", "Les vélos électriques", ("velos",)),
        ("velo*", "un velo", ("velo",)),  # * can be empty
        ("velo*", "#VeloCity forever", ("#velocity",)),
        ("velo*", "la vie en rose", None),
        ("velo*", "see velora.example", ("velora.example",)),  # catches a web address too
        ("#velo*", "velocity", None),
        ("#velo*", "#Vélotaf", ("#velotaf",)),
        ("v?lora", "Vélora et Valora", ("velora", "valora")),
        ("v?lora", "vlora", None),
        ('"velora cit*"', "ma Velora Citadine", ("velora citadine",)),
        ('"velora cit*"', "ma Velora", None),
    ],
)
def test_wildcards(query, text, expected):
    assert terms_of(query, text, lang="fr") == expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        # "est encore en": three words between
        ("velora NEAR/3 panne", "Velora est encore en panne", ("velora", "panne")),
        ("velora NEAR/2 panne", "Velora est encore en panne", None),
        ("panne NEAR/3 velora", "Velora est encore en panne", ("velora", "panne")),  # order
        ("velora NEAR/4 panne", "Panne, encore et toujours: ma Velora!", ("panne", "velora")),
        ("velora NEAR/3 panne", "Panne, encore et toujours: ma Velora!", None),
        ("velora NEAR/0 panne", "Velora: panne.", ("velora", "panne")),  # punctuation is free
        ("velora NEAR/0 panne", "Panne Velora", ("panne", "velora")),
        (
            '"velora city" NEAR/2 (batterie OR frein*)',
            "Freins de ma Velora City HS, et la batterie aussi",
            ("freins", "velora city"),
        ),
        # the second NEAR measures from the whole "velora ... batterie" stretch
        ("velora NEAR/2 batterie NEAR/0 morte", "Velora: batterie très morte", None),
        (
            "velora NEAR/2 batterie NEAR/0 morte",
            "Batterie morte, ma Velora",
            ("batterie", "morte", "velora"),
        ),
        (
            "(velora NEAR/2 batterie) NEAR/1 morte",
            "Velora, la batterie est morte",
            ("velora", "batterie", "morte"),
        ),
    ],
)
def test_near_in_both_orders_and_at_the_limit(query, text, expected):
    assert terms_of(query, text, lang="fr") == expected


def test_near_keeps_only_the_occurrences_that_are_near():
    text = "Velora rocks. Long story, many words in between here. Then panne and Velora again."
    assert terms_of("velora NEAR/1 panne", text) == ("panne", "velora")


def test_title_and_body_are_never_near():
    assert terms_of("velora NEAR/5 panne", "Velora", "panne") is None
    assert terms_of("velora panne", "Velora", "panne") == ("velora", "panne")


@pytest.mark.parametrize(
    ("query", "meta", "matches"),
    [
        ("lang:fr velora", {"lang": "fr"}, True),
        ("lang:fr velora", {"lang": "fr-CA"}, True),
        ("lang:fr velora", {"lang": "FR"}, True),
        ("lang:fr velora", {"lang": "en"}, False),
        ("lang:fr velora", {}, False),  # unknown metadata never satisfies a filter
        ("NOT lang:fr velora", {}, True),
        ("lang:fr-ca velora", {"lang": "fr"}, False),
        ("source:reddit velora", {"source": "reddit"}, True),
        ("source:reddit velora", {"source": "hackernews"}, False),
        ("velora NOT source:gdelt", {"source": "gdelt"}, False),
        ("author:@jean velora", {"author": "@Jean"}, True),
        ("author:jean velora", {"author": "jean"}, True),
        ("author:@jean velora", {"author": "jeanne"}, False),
        ("author:@jean velora", {"author": "jean@mastodon.social"}, True),
        ("author:jean* velora", {"author": "JeanDupont"}, True),
        ('author:"Hélène Dupont" velora', {"author": "helene dupont"}, True),
        ("velora OR source:appstore", {"source": "appstore"}, True),  # owned channel, no term
    ],
)
def test_filters_on_metadata(query, meta, matches):
    text = "Velora" if "velora" in query.split() else "rien à voir"
    assert (terms_of(query, text, **meta) is not None) == matches


def test_filter_only_branch_matches_without_terms():
    assert terms_of("velora OR source:appstore", "great app", source="appstore") == ()


def test_matched_terms_come_from_true_branches_only():
    query = "(velora OR cyclane) AND NOT roulix OR (trail AND roulix)"
    assert terms_of(query, "Velora and Cyclane") == ("velora", "cyclane")
    # the first branch is false (NOT roulix): only the second one's terms count
    assert terms_of(query, "Velora trail vs Roulix") == ("trail", "roulix")


def test_matched_terms_are_folded_surface_forms_without_repeats():
    assert terms_of("velora OR #velora", "VÉLORA, #Velora, velora") == ("velora", "#velora")
