"""Per-mention flags (toxic, question, complaint, needs_reply, link_only, bot_like) in
English and French, and batch-level spam for the same text from many authors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipelines.flags import (
    FlagConfig,
    Flagger,
    merge_flags,
    repeated_text_flags,
    spam_authors,
    spam_key,
)
from pipelines.settings import Watchlist

WATCHLIST = Watchlist.model_validate(
    {
        "brands": [{"name": "Velora", "handles": ["@velora"]}],
        "competitors": [{"name": "Cyclane", "handles": ["@cyclane_bikes"]}],
    }
)


@pytest.fixture(scope="module")
def flagger() -> Flagger:
    return Flagger(WATCHLIST)


def has(flagger: Flagger, flag: str, text: str, lang: str, **kwargs: object) -> bool:
    return flag in flagger.flags(text, lang, **kwargs)  # type: ignore[arg-type]


# ---- toxic -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Velora support are a bunch of idiots", "en"),
        ("this is bullshit @velora", "en"),
        ("Velora is a f*cking joke", "en"),
        ("sh!t bike, what an a$$hole move", "en"),
        ("fuuuuck this app", "en"),
        ("Bande de connards chez Velora", "fr"),
        ("Putain, encore en panne", "fr"),
        ("C'est de la m3rde ce vélo", "fr"),
        ("p*tain de SAV", "fr"),
        ("Enculés de Velora", "fr"),  # accents folded: "encules" also matches
    ],
)
def test_toxic(flagger: Flagger, text: str, lang: str) -> None:
    assert has(flagger, "toxic", text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Velora is damn good, the app sucks a bit though", "en"),  # mild, not offensive
        ("Scunthorpe cyclists love their Velora", "en"),  # whole words only
        ("The shiitake risotto at the Velora café", "en"),
        ("Le vélo Velora est constant et confortable", "fr"),  # "con" is not "constant"
        ("Mon pneu a crevé, le SAV Velora l'a remplacé", "fr"),
        ("La batterie est merveilleuse", "fr"),
    ],
)
def test_not_toxic(flagger: Flagger, text: str, lang: str) -> None:
    assert not has(flagger, "toxic", text, lang)


def test_toxic_list_is_per_language_and_configurable(tmp_path: Path) -> None:
    path = tmp_path / "toxic_en.txt"
    path.write_text("# our policy\nrubbish bike\n", encoding="utf-8")
    custom = Flagger(WATCHLIST, FlagConfig(toxic_paths={"en": path}))
    assert "toxic" in custom.flags("What a RUBBISH   bike", "en")
    assert "toxic" not in custom.flags("You idiots", "en")  # the shipped list is replaced
    assert "toxic" in custom.flags("Bande d'idiots", "fr")  # French keeps the shipped list
    assert "toxic" not in Flagger(WATCHLIST).flags("connard", "en")  # French word, English list


# ---- questions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("@velora how do I reset the display", "en"),
        ("Is the Velora app down for anyone else?", "en"),
        ("Does anyone know if Velora ships to Canada", "en"),
        ("Velora, why is my order still pending", "en"),
        ("Pourquoi l'appli Velora me déconnecte sans arrêt", "fr"),
        ("Est-ce que Velora livre en Belgique", "fr"),
        ("Quelqu'un sait si le Velora City tient la charge en hiver", "fr"),
        ("Velora pouvez-vous me rappeler", "fr"),
        ("Y a-t-il un revendeur Velora à Lyon", "fr"),
    ],
)
def test_question(flagger: Flagger, text: str, lang: str) -> None:
    assert has(flagger, "question", text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("What a bike! Velora nailed it.", "en"),
        ("How great is that, Velora", "en"),
        ("That is what is wrong with Velora", "en"),
        ("Check https://velora.example/faq?lang=en for the manual", "en"),  # "?" in a link
        ("Quel vélo génial, merci Velora", "fr"),
        ("Quand je roule avec mon Velora je suis heureux", "fr"),
        ("C'est pourquoi j'ai choisi Velora", "fr"),
        ("Rendez-vous au salon Velora samedi", "fr"),
    ],
)
def test_not_question(flagger: Flagger, text: str, lang: str) -> None:
    assert not has(flagger, "question", text, lang)


# ---- complaints ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("My Velora doesnt work since the update", "en"),
        ("Still waiting for my refund from Velora", "en"),
        ("Velora support never answered my ticket.", "en"),
        ("Charged twice for one bike, Velora", "en"),
        ("Mon Velora ne marche plus depuis hier", "fr"),
        ("Toujours pas de nouvelles de mon remboursement", "fr"),
        ("Colis perdu, service client injoignable, c'est un scandale", "fr"),
        ("J’attends toujours ma commande Velora", "fr"),
    ],
)
def test_complaint(flagger: Flagger, text: str, lang: str) -> None:
    assert has(flagger, "complaint", text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("No problems at all with my Velora, love it", "en"),
        ("Can't complain, the Velora rides well", "en"),
        ("Not disappointed by the Velora City", "en"),
        ("Aucun souci avec mon Velora", "fr"),
        ("Pas déçu du tout par le SAV Velora", "fr"),
        ("Le Velora City marche très bien", "fr"),
    ],
)
def test_not_complaint(flagger: Flagger, text: str, lang: str) -> None:
    assert not has(flagger, "complaint", text, lang)


# ---- needs_reply -----------------------------------------------------------------------------


def test_needs_reply_for_questions_and_complaints_aimed_at_us(flagger: Flagger) -> None:
    # Addressed to our handle: a bare question mark is enough.
    assert has(flagger, "needs_reply", "@velora is the shop open on Sunday?", "en")
    assert has(flagger, "needs_reply", "@velora la boutique est ouverte dimanche ?", "fr")
    # A request for help, even without the handle.
    assert has(flagger, "needs_reply", "How do I pair the Velora app with my bike", "en")
    assert has(flagger, "needs_reply", "Quelqu'un sait comment régler les freins du Velora", "fr")
    # A complaint scored negative.
    refund = "Still waiting for my refund from Velora, terrible"
    assert has(flagger, "needs_reply", refund, "en", compound=-0.5)
    remboursement = "J'attends toujours mon remboursement Velora, lamentable"
    assert has(flagger, "needs_reply", remboursement, "fr", compound=-0.6)


def test_no_reply_needed(flagger: Flagger) -> None:
    # A rhetorical "?" that names no handle.
    assert not has(flagger, "needs_reply", "Who even buys a Velora?", "en")
    assert not has(flagger, "needs_reply", "Qui achète encore un Velora ?", "fr")
    # A complaint whose sentiment is unknown or not negative.
    assert not has(flagger, "needs_reply", "Still waiting for my Velora, so excited", "en")
    assert not has(flagger, "needs_reply", "J'attends toujours mon Velora", "fr", compound=0.4)
    # About a competitor, or from a news source.
    assert not has(
        flagger, "needs_reply", "Cyclane ne marche pas, quelqu'un sait pourquoi ?", "fr",
        is_competitor=True,
    )  # fmt: skip
    assert not has(
        flagger, "needs_reply", "Why is Velora recalling 40,000 batteries?", "en", source="rss"
    )
    # A competitor's handle is not ours.
    assert not has(flagger, "needs_reply", "@cyclane_bikes is the shop open?", "en")


# ---- link_only and bot_like ------------------------------------------------------------------


def test_link_only(flagger: Flagger) -> None:
    assert has(flagger, "link_only", "https://t.example/abc", "en")
    assert has(flagger, "link_only", "RT @velora: https://t.example/abc #velo 🚲", "en")
    assert has(flagger, "link_only", "https://velora.example/promo @velora #soldes", "fr")
    assert not has(flagger, "link_only", "New Velora review https://t.example/abc", "en")
    assert not has(flagger, "link_only", "Nouvel avis Velora https://t.example/abc", "fr")
    assert not has(flagger, "link_only", "#velora #ebike", "en")  # no link


def test_bot_like(flagger: Flagger) -> None:
    stuffed = "#velora #ebike #bike #deal #promo #sale win"
    assert has(flagger, "bot_like", stuffed, "en")
    promo, rocks = "Promo Velora ici https://t.example/x", "Velora rocks https://t.example/x"
    assert has(flagger, "bot_like", promo, "fr", author_followers=0)
    assert not has(flagger, "bot_like", rocks, "en", author_followers=5)
    assert not has(flagger, "bot_like", rocks, "en")  # followers unknown
    # Many tags in a real post are fine.
    long_post = "Rode the #velora to the #alps today, the #ebike handled every hairpin " * 2
    assert not has(flagger, "bot_like", long_post + "#travel #summer #mountains", "en")


def test_existing_flags_are_kept_first(flagger: Flagger) -> None:
    flags = flagger.flags("https://t.example/abc", "en", existing=["url_dropped", "repost"])
    assert flags == ["url_dropped", "repost", "link_only"]
    assert merge_flags(["repost"], ["spam", "repost"]) == ["repost", "spam"]
    assert flagger.flags(None, None) == []


# ---- batch level -----------------------------------------------------------------------------


def _row(text: str, author: str, flags: list[str] | None = None) -> dict:
    return {"text": text, "author_id": author, "flags": flags or []}


def test_spam_is_the_same_text_from_many_authors() -> None:
    campaign = "Win a FREE Velora e-bike!!! Click the link now"
    rows = [_row(f"{campaign} https://spam.example/{i} @user{i}", f"bot{i}") for i in range(3)]
    rows += [
        _row("Gagnez un vélo Velora gratuit, cliquez vite", "a1"),
        _row("Gagnez un vélo Velora gratuit, cliquez vite", "a1"),  # one author twice
        _row("thanks!", "b1"),
        _row("thanks!", "b2"),
        _row("thanks!", "b3"),  # too short to call spam
        _row(campaign, "fan", ["repost"]),  # a platform repost is sharing
        _row(f"RT @velora: {campaign}", "fan2"),
    ]
    new = repeated_text_flags(rows)
    assert new[:3] == [["spam"]] * 3
    assert new[3:] == [[]] * 7
    assert spam_authors(rows) == {"bot0", "bot1", "bot2"}
    # With a higher threshold three authors are not enough.
    assert repeated_text_flags(rows, FlagConfig(spam_min_authors=4))[:3] == [[]] * 3


def test_french_spam_and_prolific_authors() -> None:
    texte = "Profitez de -50% sur les vélos Velora aujourd'hui seulement"
    rows = [_row(f"{texte} #promo{i}", f"compte{i}") for i in range(4)]
    rows += [_row(f"Mon avis numéro {i} sur Velora, très content", "bavard") for i in range(5)]
    config = FlagConfig(max_posts_per_author=5)
    new = repeated_text_flags(rows, config)
    assert new[:4] == [["spam"]] * 4
    assert new[4:] == [["bot_like"]] * 5
    assert spam_authors(rows, config) == {"compte0", "compte1", "compte2", "compte3", "bavard"}


def test_spam_key_normalizes_what_campaigns_vary() -> None:
    a = spam_key("RT Win a FREE bike now https://x.example/1 @alice")
    b = spam_key("win a free bike NOW!! https://x.example/2 @bob")
    assert a == b == "win a free bike now"
    assert spam_key("too short") is None
    assert spam_key(None) is None


def test_flag_throughput(flagger: Flagger) -> None:
    texts = [
        (f"@velora why is my order {i} still not here? Refund please #sav{i}", "en")
        if i % 2
        else (f"Commande {i} toujours pas livrée, c'est une honte https://t.example/{i}", "fr")
        for i in range(5000)
    ]
    start = time.process_time()
    for text, lang in texts:
        flagger.flags(text, lang, 10, compound=-0.3)
    rate = len(texts) / (time.process_time() - start)
    assert rate > 2500, f"{rate:.0f} texts/s"


def test_a_flood_is_counted_per_hour_of_publication() -> None:
    """Twenty posts of one author in an hour are a flood; the same twenty over a day are not."""
    from datetime import datetime

    config = FlagConfig(max_posts_per_author=20)
    burst = [datetime(2026, 11, 18, 8, minute) for minute in range(0, 60, 3)]
    spread = [datetime(2026, 11, 18, hour, 30) for hour in range(20)]
    rows = [
        {"text": f"post {i}", "author_id": author, "published_at": t}
        for author, times in (("a", burst), ("b", spread))
        for i, t in enumerate(times)
    ]
    flags = repeated_text_flags(rows, config)
    assert flags[:20] == [["bot_like"]] * 20
    assert flags[20:] == [[]] * 20
