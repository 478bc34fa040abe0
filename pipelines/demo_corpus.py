"""A seeded, synthetic month of e-bike brand mentions for `vigie demo`, rendered in the shapes
of the nine sources' APIs.

The demo runs offline but must still exercise every real connector, both VADER models, the
deduplicator and the spike detector. So the data has what those steps look for in real life:
daily and weekly rhythms, English and French, recurring authors (advocates and detractors),
syndicated near-duplicates, reposts and boosts, heavy-tailed audiences and engagement,
competitors' own announcements and one clear negative episode.

Where a post appears follows what a brand of this size sees: news through Google News (RSS)
and GDELT; forums, Reddit and a little Hacker News; social posts on X, Bluesky and Mastodon
(competitors' own accounts among them); comments under the three brands' YouTube videos and
creators' review videos; and App Store reviews of the Velora app. X only appears in the last
`X_DAYS` days: its recent search reaches back seven days, so that is all a first run collects.

`credentials=False` (the default) keeps to the paths an unconfigured machine can collect: no
X, no YouTube, no Bluesky search; those posts then go to the other venues. `vigie demo` asks
for `credentials=True` and hands the connectors placeholder secrets.

`build_owned` adds the brand's owned channels, from a generator of its own so the listening
corpus above stays as it is: Velora's posts on its Facebook Page, Instagram account and
LinkedIn organization, customers' praise, questions and complaints under them (the recall
brings a flood), and the community team's answers, mostly within Paris office hours, an hour
or two after the comment, with a long tail and some never answered; it also says, per
comment, what it meant and when it was answered, so tests can check the response metrics.
`follower_counts` gives each own account's followers per day, which `audience_routes` serves
for one day at a time.

Everything is derived from `random.Random` instances seeded from `seed` (and `end`), never
from the clock, so a given (end, days, seed, credentials) always renders the same bytes.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import random
import re
import unicodedata
from base64 import b32encode, urlsafe_b64encode
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from pipelines.demo_server import ByParam, Paged, Route


@dataclass(frozen=True)
class DemoFeed:
    path: str  # URL path on the demo server, e.g. "/news/velora-en.rss"
    format: str  # "rss2" | "atom" | "rss1"
    lang: str  # "en" | "fr" | "mixed"
    title: str


@dataclass(frozen=True)
class DemoPost:
    """One mention as the source will report it: `guid` is the connector's `source_id`."""

    guid: str  # unique, stable for a given (end, days, seed, credentials)
    feed_path: str  # the demo-server path it is served under (the first one, for searches)
    brand: str  # "Velora" | "Cyclane" | "Roulix": the brand it is about
    lang: str  # "en" | "fr"
    published_at: datetime  # timezone-aware, UTC
    title: str  # news titles end with " - Outlet", as Google News shows them; "" when none
    text: str  # body; RSS bodies may hold a little HTML (<b>, <br>, <strong>)
    author: str  # the person's or outlet's display name
    link: str  # the mention's URL (RSS: on an .example domain, relative in the forum feed)
    polarity: str  # intended: "positive" | "neutral" | "negative"
    source: str = "rss"  # one of SOURCES
    kind: str = "item"  # per source, see KINDS
    handle: str = ""  # the account on the platform (X username, Bluesky handle, outlet...)
    place: str = ""  # subreddit, YouTube channel id, App Store storefront
    parent: str | None = None  # guid of the post reposted/replied to; a comment's video id
    followers: int | None = None  # as the source reports it (None: the source does not say)
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    rating: int | None = None  # App Store stars


BRAND = "Velora"
COMPETITORS = ("Cyclane", "Roulix")

NEWS_VELORA_EN = "/news/velora-en.rss"
NEWS_VELORA_FR = "/news/velora-fr.rss"
NEWS_CYCLANE = "/news/cyclane.rss"
NEWS_ROULIX = "/news/roulix.rss"
FORUM_FR = "/forum/velo-communaute.atom"
RIDERS_EN = "/community/riders.atom"
REVIEWS = "/reviews/blog.rdf"

FEEDS: tuple[DemoFeed, ...] = (
    DemoFeed(NEWS_VELORA_EN, "rss2", "en", '"Velora" - Google News'),
    DemoFeed(NEWS_VELORA_FR, "rss2", "fr", '"Velora" - Google Actualités'),
    DemoFeed(NEWS_CYCLANE, "rss2", "mixed", '"Cyclane" - Google News'),
    DemoFeed(NEWS_ROULIX, "rss2", "mixed", '"Roulix" - Google News'),
    DemoFeed(FORUM_FR, "atom", "fr", "Vélo Communauté - derniers messages"),
    DemoFeed(RIDERS_EN, "atom", "en", "Riders Community - latest posts"),
    DemoFeed(REVIEWS, "rss1", "mixed", "Roue Libre - e-bike reviews / tests de VAE"),
)

CONTENT_TYPES = {
    "rss2": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "rss1": "application/rdf+xml; charset=utf-8",
}
JSON_TYPE = "application/json; charset=utf-8"

# Where each feed's own items live; the forum feed is rendered with relative links and this
# xml:base so that the connector's relative-URL resolution is exercised.
FORUM_BASE = "https://forum-velo.example/"
RIDERS_BASE = "https://riders.example/"
REVIEWS_BASE = "https://roue-libre.example/"

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
POLARITIES = (POSITIVE, NEUTRAL, NEGATIVE)

# ---------------------------------------------------------------------------------------------
# The sources, the paths they are served under and what the demo watchlist asks them for.
# ---------------------------------------------------------------------------------------------

SOURCES = (
    "rss",
    "gdelt",
    "hackernews",
    "reddit",
    "mastodon",
    "bluesky",
    "x",
    "youtube",
    "appstore",
)
KINDS = {
    "rss": ("item",),
    "gdelt": ("article",),
    "hackernews": ("story", "comment"),
    "reddit": ("post",),
    "mastodon": ("status", "boost"),
    "bluesky": ("post", "repost"),
    "x": ("post", "retweet"),
    "youtube": ("video", "comment", "reply"),
    "appstore": ("review",),
}
X_DAYS = 6  # X's recent search reaches back 7 days from the run; the demo runs just after `end`

GDELT_PATH = "/api/v2/doc/doc"
HN_PATH = "/api/v1/search_by_date"
REDDIT_PATH = "/search.json"
MASTODON_TAG_PATH = "/api/v1/timelines/tag/{}"
MASTODON_LOOKUP_PATH = "/api/v1/accounts/lookup"
MASTODON_STATUSES_PATH = "/api/v1/accounts/{}/statuses"
BLUESKY_SEARCH_PATH = "/xrpc/app.bsky.feed.searchPosts"
BLUESKY_FEED_PATH = "/xrpc/app.bsky.feed.getAuthorFeed"
BLUESKY_PROFILES_PATH = "/xrpc/app.bsky.actor.getProfiles"
BLUESKY_SESSION_PATHS = (
    "/xrpc/com.atproto.server.createSession",
    "/xrpc/com.atproto.server.refreshSession",
)
X_PATH = "/2/tweets/search/recent"
YOUTUBE_THREADS_PATH = "/youtube/v3/commentThreads"
YOUTUBE_SEARCH_PATH = "/youtube/v3/search"
APPSTORE_PATH = "/{country}/rss/customerreviews/page={page}/id={app}/sortby=mostrecent/json"

GDELT_QUERY = "(Velora OR Cyclane OR Roulix)"
HN_QUERIES = ("Velora", "Cyclane", "Roulix")
REDDIT_QUERY = "Velora OR Cyclane OR Roulix"
MASTODON_TAGS = ("Velora", "VeloraRecall", "RappelVelora", "Cyclane", "Roulix")
BLUESKY_SEARCHES = ("Velora", "Cyclane", "Roulix")
X_QUERY = "Velora OR Cyclane OR Roulix OR @velora OR @cyclane_bikes OR @roulix"
YOUTUBE_SEARCHES = ("Velora", "Cyclane", "Roulix")

MASTODON_HOME = "mastodon.example"  # the instance the demo's Mastodon source reads
APPSTORE_APP_ID = "1573920461"  # the Velora app
STOREFRONTS = {"en": "gb", "fr": "fr"}


@dataclass(frozen=True)
class _Official:
    """A brand's own accounts."""

    x: str
    x_name: str
    x_followers: int
    bluesky: str
    mastodon: str
    mastodon_followers: int
    youtube: str  # channel id
    youtube_title: str


OFFICIAL_ACCOUNTS = {
    "Velora": _Official(
        "velora", "Velora", 54_200, "velora.bsky.social", "velora", 4_120,
        "UCv3loraB1kesOff1c1alCh4", "Velora Bikes",
    ),
    "Cyclane": _Official(
        "cyclane_bikes", "Cyclane", 38_900, "cyclane.bsky.social", "cyclane", 2_310,
        "UCcyc1aneEB1kesOff1c1a1x", "Cyclane",
    ),
    "Roulix": _Official(
        "roulix", "Roulix", 21_300, "roulix.bsky.social", "roulix", 1_180,
        "UCr0u1ixOff1c1alV1deos2Q", "Roulix Official",
    ),
}  # fmt: skip
COMPETITOR_BLUESKY = tuple(OFFICIAL_ACCOUNTS[c].bluesky for c in COMPETITORS)
COMPETITOR_MASTODON = tuple(OFFICIAL_ACCOUNTS[c].mastodon for c in COMPETITORS)
COMPETITOR_CHANNELS = tuple(OFFICIAL_ACCOUNTS[c].youtube for c in COMPETITORS)
VELORA_CHANNEL = OFFICIAL_ACCOUNTS[BRAND].youtube

# ---------------------------------------------------------------------------------------------
# Volume model. Tuned so that normal days carry 46-74 posts and the episode is ~5x Velora's
# usual daily volume, which is what the spike detector and the tests look for.
# ---------------------------------------------------------------------------------------------

BASE_DAILY = 64.0
DAILY_MIN, DAILY_MAX = 46, 74
DAILY_SPREAD = 4.0
WEEKDAY_FACTOR = (1.0, 1.05, 1.0, 1.0, 0.95, 0.76, 0.72)  # Monday .. Sunday
# fmt: off
HOUR_WEIGHTS = (  # UTC hours 0-11, then 12-23: quiet nights, busy 7-21 h
    0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 1.3, 1.4, 1.4, 1.4,
    1.6, 1.5, 1.4, 1.4, 1.4, 1.6, 1.7, 1.6, 1.4, 1.1, 0.7, 0.4,
)
# fmt: on
BRAND_SHARE = {"Velora": 0.5, "Cyclane": 0.3, "Roulix": 0.2}
ENGLISH_SHARE = {"Velora": 0.52, "Cyclane": 0.62, "Roulix": 0.5}
POLARITY_MIX = {
    "Velora": (0.45, 0.35, 0.20),
    "Cyclane": (0.38, 0.40, 0.22),
    "Roulix": (0.50, 0.32, 0.18),
}
EPISODE_MIX = (0.05, 0.10, 0.85)
COMPARISON_MIX = (0.50, 0.35, 0.15)
EPISODE_RISE = 3.5  # Velora volume multiplier on the afternoon the story breaks
EPISODE_PEAK = 5.0  # ... and on the last day
COMPARISON_BUMP = 0.35  # extra competitor volume during the episode, as comparison posts
SYNDICATION_RATE = 0.05

# channel -> probability, per kind of post
CHANNELS_VELORA = {"news": 0.20, "community": 0.76, "review": 0.04}
CHANNELS_COMPETITOR = {"news": 0.20, "community": 0.76, "review": 0.04}
OFFICIAL_EVERY_DAYS = 3
OFFICE_HOURS = range(8, 17)
CHANNELS_EPISODE = {"official": 0.02, "news": 0.17, "community": 0.81}

# Where news and reviews appear: Google News (RSS) or GDELT; the review blog (RSS) or YouTube.
NEWS_VENUES = {"rss": 0.65, "gdelt": 0.35}
REVIEW_VENUES = {"rss": 0.5, "youtube": 0.5}
# Where people post (community channel), by language; venues unavailable for a post (X before
# its window, YouTube and Bluesky search without credentials, the App Store for anything but
# Velora, Hacker News in French) drop out and the others share their weight.
COMMUNITY_VENUES = {
    "en": {
        "forum": 0.12, "reddit": 0.035, "hackernews": 0.05, "mastodon": 0.07, "bluesky": 0.15,
        "x": 0.35, "youtube": 0.12, "appstore": 0.07,
    },
    "fr": {
        "forum": 0.15, "reddit": 0.02, "mastodon": 0.09, "bluesky": 0.12, "x": 0.35,
        "youtube": 0.13, "appstore": 0.07,
    },
}  # fmt: skip
# A crisis plays out on X, in the app's reviews and under the brand's videos.
EPISODE_VENUES = {
    "forum": 0.09, "reddit": 0.05, "hackernews": 0.02, "mastodon": 0.08, "bluesky": 0.13,
    "x": 0.32, "youtube": 0.16, "appstore": 0.15,
}  # fmt: skip
NEEDS_CREDENTIALS = frozenset({"x", "youtube", "bluesky"})  # Bluesky *search* needs a login
# What one request of the demo watchlist may return without the connector paging or slicing.
CAPS = {"gdelt": 240, "reddit": 100, "appstore": 50}  # appstore: per storefront
# Competitors' own accounts: how often they post, per platform (days between posts).
SOCIAL_EVERY_DAYS = {"bluesky": 2, "mastodon": 3, "x": 1, "youtube": 7}
REPOST_CHANCE = 0.25  # a competitor account reposts a positive post about it (Bluesky, Mastodon)
RETWEET_CHANCE = 0.10  # an X post is retweeted by someone else the search also returns
REPLY_CHANCE = {POSITIVE: 0.1, NEUTRAL: 0.12, NEGATIVE: 0.25}  # replies to a YouTube comment
INFLUENCER_CHANCE = {"normal": 0.04, "episode": 0.14}  # of X and Mastodon posts

# ---------------------------------------------------------------------------------------------
# The fictional world.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Brand:
    bikes: tuple[str, ...]
    app: str
    handle: str
    hashtags: tuple[str, ...]
    site: str


WORLD = {
    "Velora": _Brand(
        ("Velora City", "Velora Trail"),
        "Velora",
        "@velora",
        ("#Velora", "#VeloraCity"),
        "velora.example",
    ),
    "Cyclane": _Brand(
        ("Cyclane Volt", "Cyclane Urban 2", "Cyclane Cargo"),
        "Cyclane Connect",
        "@cyclane_bikes",
        ("#Cyclane",),
        "cyclane.example",
    ),
    "Roulix": _Brand(
        ("Roulix R5", "Roulix Nomade"), "Roulix Ride", "@roulix", ("#Roulix",), "roulix.example"
    ),
}

OUTLETS = {
    "en": (
        ("E-Bike Insider", "ebike-insider.example"),
        ("Urban Mobility Today", "urbanmobility.example"),
        ("The Commuter Post", "commuterpost.example"),
        ("Gadget Wheels", "gadgetwheels.example"),
        ("Cycle Trade Weekly", "cycletrade.example"),
        ("Daily News", "news.example"),
    ),
    "fr": (
        ("Le Journal du Vélo", "journalduvelo.example"),
        ("Mobilités Urbaines", "mobilites-urbaines.example"),
        ("L'Écho du Cycle", "echoducycle.example"),
        ("Ouest Pédales", "ouest-pedales.example"),
        ("Tech & Vélo", "techvelo.example"),
    ),
}

CITIES = {
    "en": ("London", "Manchester", "Bristol", "Leeds", "Dublin", "Edinburgh", "Brighton"),
    "fr": ("Lyon", "Nantes", "Bordeaux", "Lille", "Paris", "Toulouse", "Grenoble", "Rennes"),
}
MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
BIKE_PRICES = (1899, 2199, 2499, 2799, 2999, 3299, 3499)

FIRST_NAMES = {
    "en": (
        "James",
        "Emma",
        "Oliver",
        "Sophie",
        "Harry",
        "Chloe",
        "Jack",
        "Amelia",
        "Tom",
        "Grace",
        "Daniel",
        "Lucy",
        "Sam",
        "Hannah",
        "Ben",
        "Megan",
        "Ryan",
        "Zoe",
        "Liam",
        "Priya",
        "Aisha",
        "Connor",
        "Ellie",
        "Marcus",
        "Rachel",
        "Owen",
        "Niamh",
        "Ethan",
    ),
    "fr": (
        "Camille",
        "Léa",
        "Hugo",
        "Lucas",
        "Chloé",
        "Manon",
        "Julien",
        "Thomas",
        "Sarah",
        "Nicolas",
        "Émilie",
        "Antoine",
        "Mathilde",
        "Baptiste",
        "Inès",
        "Romain",
        "Pauline",
        "Maxime",
        "Claire",
        "Théo",
        "Océane",
        "Guillaume",
        "Margaux",
        "Karim",
        "Yasmine",
        "Benoît",
        "Élodie",
        "Quentin",
        "Anaïs",
        "Loïc",
    ),
}
LAST_NAMES = {
    "en": (
        "Smith",
        "Taylor",
        "Brown",
        "Wilson",
        "Evans",
        "Walker",
        "Hughes",
        "Clarke",
        "Patel",
        "Wright",
        "Murphy",
        "Hall",
        "Turner",
        "Khan",
        "Cooper",
        "Ward",
        "Morris",
        "Bennett",
        "Gray",
        "Fisher",
        "Kelly",
        "O'Brien",
        "Shaw",
        "Lloyd",
        "Ellis",
    ),
    "fr": (
        "Martin",
        "Bernard",
        "Dubois",
        "Lefèvre",
        "Moreau",
        "Laurent",
        "Girard",
        "Roux",
        "Fournier",
        "Mercier",
        "Bonnet",
        "Lambert",
        "Fontaine",
        "Chevalier",
        "Rousseau",
        "Blanc",
        "Garnier",
        "Faure",
        "Perrin",
        "Morel",
        "Gauthier",
        "Lemoine",
        "Benali",
        "Nguyen",
        "Caron",
    ),
}
PSEUDONYMS = {
    "en": (
        "CommuterDave",
        "HillClimberJo",
        "urban_rider_82",
        "MancCyclist",
        "CargoMum",
        "pedal_pusher",
        "BristolBiker",
    ),
    "fr": (
        "Pédaleur_Nantais",
        "VéloBreizh",
        "La_Cycliste_Lyonnaise",
        "RoueLibre33",
        "TontonVAE",
        "vélotaf_lille",
        "Gégé_du_69",
    ),
}
REVIEWERS = {"en": ("Sam Carter", "Nina Okafor"), "fr": ("Julie Marchand", "Arnaud Vidal")}

# ---------------------------------------------------------------------------------------------
# Phrase banks. Placeholders: {brand} {bike} {app} {handle} {city} {km} {hours} {days} {weeks}
# {n} {pct} {price} {part_price} {month} {month2} {weekday} {year} {other_bike}.
# Opinion phrases carry words both VADER lexicons know (the French port misreads some common
# ones, e.g. "cher" and "prix" score positive, so price complaints avoid them).
# ---------------------------------------------------------------------------------------------

Bank = dict[str, tuple[str, ...]]

ASPECT_WEIGHTS = {
    "battery": 0.2,
    "app": 0.15,
    "delivery": 0.1,
    "service": 0.15,
    "price": 0.1,
    "design": 0.1,
    "comfort": 0.12,
    "repairs": 0.08,
}

ASPECTS: dict[str, dict[str, Bank]] = {
    "en": {
        "battery": {
            POSITIVE: (
                "The battery easily does {km} km on a charge, which is great.",
                "Battery life is excellent, I only charge it twice a week.",
                "Love how quickly the battery charges, about {hours} hours from empty.",
                "Range is amazing even in the cold, still {km} km on my loop.",
            ),
            NEUTRAL: (
                "The battery is rated for {km} km and takes about {hours} hours to charge.",
                "I charge the battery at the office, it comes off the frame in a few seconds.",
                "Range in eco mode is around {km} km on my route.",
                "Can a second battery go on the rear rack of the {bike}?",
            ),
            NEGATIVE: (
                "The battery barely lasts {km} km now, really disappointed.",
                "The battery drains overnight even when the bike is off, which is awful.",
                "Range dropped by half after {n} months, terrible.",
                "The charger died after {n} weeks, what a waste of money.",
            ),
        },
        "app": {
            POSITIVE: (
                "The {app} app is brilliant, route planning and the lock in one place.",
                "Really enjoy the {app} app, clean and fast.",
                "The latest app update added ride stats and it's fantastic.",
            ),
            NEUTRAL: (
                "The {app} app shows battery level, trip history and the lock status.",
                "You pair the bike with the {app} app over Bluetooth.",
                "The app got an update on {weekday} with a new map view.",
            ),
            NEGATIVE: (
                "The {app} app keeps crashing when I try to unlock the bike, so frustrating.",
                "The app logs me out every other day, useless.",
                "Pairing with the {app} app fails half the time, terrible software.",
            ),
        },
        "delivery": {
            POSITIVE: (
                "Delivery took only {days} days and the bike arrived perfectly packed, great job.",
                "Delivered ahead of schedule, very happy.",
            ),
            NEUTRAL: (
                "Delivery took {days} days to {city}.",
                "The bike arrives in a large box, mostly assembled.",
                "I ordered on the website and the delivery window was {days} working days.",
            ),
            NEGATIVE: (
                "Delivery was pushed back {n} times and nobody answers my emails, awful.",
                "The bike arrived with a scratched frame and a bent mudguard, very disappointed.",
            ),
        },
        "service": {
            POSITIVE: (
                "Customer service sorted everything in one call, excellent.",
                "The team at the {city} service centre was friendly and helpful.",
                "Support replied within an hour, impressive.",
            ),
            NEUTRAL: (
                "I booked the first service at the {city} service centre.",
                "Customer service asked for the frame number and a photo.",
                "The {city} service centre opens at 9 on weekdays.",
            ),
            NEGATIVE: (
                "Customer service has ignored my ticket for {days} days, terrible.",
                "The {city} service centre cancelled my appointment twice, really poor.",
                "Support keeps sending copy-paste answers, worst experience ever.",
            ),
        },
        "price": {
            POSITIVE: (
                "For {price} it's honestly great value.",
                "Worth every penny, best money I've spent in years.",
                "Got it on sale for {price}, a fantastic deal.",
            ),
            NEUTRAL: (
                "It retails at {price} in the UK.",
                "Paid {price} including the rear rack.",
                "The list price went up to {price} this month.",
            ),
            NEGATIVE: (
                "At {price} it's a rip-off for what you get, disappointing.",
                "Spare parts cost a fortune, {part_price} for a charger is ridiculous.",
            ),
        },
        "design": {
            POSITIVE: (
                "The design is gorgeous, people stop me to ask about it.",
                "Clean, elegant frame and the integrated lights look great.",
            ),
            NEUTRAL: (
                "The frame comes in grey, green and sand.",
                "The cables run inside the frame and the lights are integrated.",
            ),
            NEGATIVE: (
                "The kickstand is flimsy and the paint chipped within weeks, poor quality.",
                "The frame looks ugly and cheap in person, disappointed.",
            ),
        },
        "comfort": {
            POSITIVE: (
                "The ride is smooth and comfortable, even on cobbles.",
                "So comfortable on my {km} km commute, I love it.",
            ),
            NEUTRAL: (
                "The saddle is fairly firm and the riding position is upright.",
                "There are three assist levels plus a walk mode.",
            ),
            NEGATIVE: (
                "The ride is harsh and my back hurts after {km} km, awful.",
                "The motor cuts out on hills, which is scary and annoying.",
            ),
        },
        "repairs": {
            POSITIVE: (
                "They replaced a loose spoke for free, great service.",
                "The workshop in {city} fixed my brakes the same day, brilliant.",
            ),
            NEUTRAL: (
                "Had the brakes adjusted at the {city} workshop after {km} km.",
                "The first service is included at {km} km.",
            ),
            NEGATIVE: (
                "The repair has dragged on for {weeks} weeks so far, ridiculous.",
                "Nobody can find spare parts for the motor, terrible.",
            ),
        },
    },
    "fr": {
        "battery": {
            POSITIVE: (
                "La batterie tient facilement {km} km, c'est génial.",
                "L'autonomie est excellente, je ne recharge que deux fois par semaine.",
                "J'aime beaucoup la recharge rapide : {hours} heures et c'est plein.",
                "Même par temps froid, l'autonomie est formidable, encore {km} km.",
            ),
            NEUTRAL: (
                "La batterie est annoncée pour {km} km et se recharge en {hours} heures environ.",
                "Je recharge la batterie au bureau, elle se retire en quelques secondes.",
                "En éco, je fais à peu près {km} km sur mon trajet.",
                "Est-ce qu'une deuxième batterie rentre sur le porte-bagages du {bike} ?",
            ),
            NEGATIVE: (
                "La batterie ne tient plus que {km} km, je suis vraiment déçu.",
                "La batterie se vide pendant la nuit même vélo éteint, c'est nul.",
                "L'autonomie a fondu de moitié en {n} mois, c'est décevant.",
                "Le chargeur a lâché au bout de {n} semaines, franchement lamentable.",
            ),
        },
        "app": {
            POSITIVE: (
                "L'appli {app} est géniale, itinéraires et antivol au même endroit.",
                "J'aime beaucoup l'appli {app}, rapide et efficace.",
                "La mise à jour de l'appli a ajouté des stats de sortie, formidable.",
            ),
            NEUTRAL: (
                "L'appli {app} affiche le niveau de batterie, l'historique des trajets "
                "et l'antivol.",
                "On associe le vélo à l'appli {app} en Bluetooth.",
                "L'appli a été mise à jour {weekday} avec une nouvelle carte.",
            ),
            NEGATIVE: (
                "L'appli {app} plante dès que je veux déverrouiller le vélo, c'est insupportable.",
                "L'appli me déconnecte tous les deux jours, c'est nul.",
                "L'appairage avec l'appli échoue une fois sur deux, vraiment pénible.",
            ),
        },
        "delivery": {
            POSITIVE: (
                "Livré en {days} jours seulement, vélo parfaitement emballé, bravo.",
                "Livraison en avance, je suis ravi.",
            ),
            NEUTRAL: (
                "La livraison a pris {days} jours jusqu'à {city}.",
                "Le vélo arrive dans un grand carton, presque entièrement monté.",
                "Commandé sur le site, délai annoncé de {days} jours ouvrés.",
            ),
            NEGATIVE: (
                "Livraison repoussée {n} fois et personne ne répond aux mails, c'est honteux.",
                "Le vélo est arrivé avec le cadre rayé et un garde-boue tordu, très déçu.",
            ),
        },
        "service": {
            POSITIVE: (
                "Le SAV a tout réglé en un seul appel, excellent.",
                "L'équipe du centre de {city} est accueillante et efficace.",
                "Le support m'a répondu en moins d'une heure, impressionnant.",
            ),
            NEUTRAL: (
                "J'ai pris rendez-vous pour la première révision au centre de {city}.",
                "Le SAV m'a demandé le numéro de cadre et une photo.",
                "Le centre de service de {city} ouvre à 9 h en semaine.",
            ),
            NEGATIVE: (
                "Le SAV ignore mon ticket depuis {days} jours, c'est inadmissible.",
                "Le centre de {city} a annulé mon rendez-vous deux fois, service déplorable.",
                "Le support n'envoie que des réponses toutes faites, la pire expérience.",
            ),
        },
        "price": {
            POSITIVE: (
                "Pour {price}, c'est vraiment une bonne affaire.",
                "Il vaut chaque centime, je suis heureux de mon achat.",
                "Trouvé en promo à {price}, une belle affaire.",
            ),
            NEUTRAL: (
                "Il est vendu {price} en France.",
                "Payé {price} avec le porte-bagages.",
                "Le tarif est passé à {price} ce mois-ci.",
            ),
            NEGATIVE: (
                "À {price}, c'est une arnaque pour ce que c'est, très décevant.",
                "Les pièces détachées coûtent une fortune, {part_price} le chargeur, "
                "c'est scandaleux.",
            ),
        },
        "design": {
            POSITIVE: (
                "Le design est magnifique, on m'arrête dans la rue pour me demander la marque.",
                "Cadre élégant et éclairage intégré, il est superbe.",
            ),
            NEUTRAL: (
                "Le cadre existe en gris, vert et sable.",
                "Les câbles passent dans le cadre et l'éclairage est intégré.",
            ),
            NEGATIVE: (
                "La béquille a déjà cassé et la peinture s'écaille, qualité piètre.",
                "En vrai le cadre est moche, je suis déçu.",
            ),
        },
        "comfort": {
            POSITIVE: (
                "Le vélo est doux et confortable, même sur les pavés.",
                "Très confortable sur mes {km} km quotidiens, j'adore.",
            ),
            NEUTRAL: (
                "La selle est assez ferme et la position est droite.",
                "Il y a trois niveaux d'assistance et un écran couleur.",
            ),
            NEGATIVE: (
                "Ça secoue énormément et j'ai mal au dos après {km} km, horrible.",
                "Le moteur se coupe dans les côtes, c'est dangereux et pénible.",
            ),
        },
        "repairs": {
            POSITIVE: (
                "Ils ont remplacé un rayon sans rien me facturer, un service formidable.",
                "L'atelier de {city} a réparé mes freins dans la journée, bravo.",
            ),
            NEUTRAL: (
                "Réglage des vitesses à l'atelier de {city} après {km} km.",
                "La première révision est incluse à {km} km.",
            ),
            NEGATIVE: (
                "La réparation traîne depuis {weeks} semaines, c'est lamentable.",
                "Impossible de trouver des pièces pour le moteur, quel désastre.",
            ),
        },
    },
}

OPENERS: Bank = {
    "en": (
        "{n} weeks in with my {bike}.",
        "Quick update on the {bike} after {km} km.",
        "Picked up my {bike} from the {brand} shop in {city} on {weekday}.",
        "Been commuting on a {bike} since {month}.",
        "Some notes on the {bike} for anyone shopping for an e-bike.",
        "So, the {bike}.",
        "Week {n} with the {bike}.",
        "Took the {bike} across {city} this morning.",
        "My partner and I both ride {brand} bikes now.",
        "Long-time lurker, first post about my {bike}.",
        "Did my first {km} km on the {bike} this weekend.",
        "Switched from a regular bike to the {bike} in {month}.",
        "My take on the {bike} after a winter of riding.",
        "Anyone else here riding a {bike}?",
        "Following up on my earlier post about {brand}.",
    ),
    "fr": (
        "Ça fait {n} semaines que j'ai mon {bike}.",
        "Petit retour sur mon {bike} après {km} km.",
        "J'ai récupéré mon {bike} à la boutique {brand} de {city} {weekday}.",
        "Je fais mes trajets domicile-travail en {bike} depuis {month}.",
        "Quelques remarques sur le {bike}, pour info.",
        "Alors, ce {bike}…",
        "Semaine {n} avec le {bike}.",
        "Premier message ici, j'ai un {bike} depuis peu.",
        "Avec ma compagne, on a tous les deux un {brand} maintenant.",
        "Je suis passé du vélo classique au {bike} en {month}.",
        "Sortie de {km} km ce week-end avec le {bike}.",
        "Retour d'expérience sur le {bike}.",
        "Quelqu'un d'autre ici a un {bike} ?",
        "Suite de mon post précédent sur {brand}.",
        "Je fais le point sur mon {bike}.",
    ),
}

REACTIONS: dict[str, Bank] = {
    "en": {
        POSITIVE: (
            "Really happy with it.",
            "Love it!",
            "Best purchase I've made this year.",
            "Highly recommend.",
            "Great bike, no regrets.",
            "Couldn't be happier.",
            "Brilliant all round.",
            "Very pleased so far.",
        ),
        NEUTRAL: (
            "Will report back after the winter.",
            "Anyone else seeing the same?",
            "What do others think?",
            "More updates next month.",
            "Posting this in case others are comparing models.",
            "Ask away if you have questions.",
        ),
        NEGATIVE: (
            "Really disappointed.",
            "Awful experience so far.",
            "Would not recommend it to anyone.",
            "Seriously regretting this purchase.",
            "Terrible, avoid.",
            "So frustrating.",
            "Very unhappy.",
        ),
    },
    "fr": {
        POSITIVE: (
            "Vraiment heureux de cet achat.",
            "J'adore !",
            "Meilleur achat de l'année.",
            "Je le recommande vivement.",
            "Super vélo, je suis ravi.",
            "Franchement, que du bonheur.",
            "Très satisfait.",
            "Excellent, bravo.",
        ),
        NEUTRAL: (
            "Je vous tiens au courant après l'hiver.",
            "D'autres ont le même modèle ?",
            "J'attends vos retours.",
            "Je ferai un nouveau point le mois prochain.",
            "Je poste ça pour ceux qui comparent les modèles.",
            "Posez vos questions si besoin.",
        ),
        NEGATIVE: (
            "Très déçu.",
            "Franchement décevant.",
            "Je regrette vraiment cet achat.",
            "Nul, à éviter.",
            "Ça m'agace au plus haut point.",
            "Pas terrible du tout.",
            "Quelle déception.",
        ),
    },
}

EMOJI = {
    POSITIVE: ("😍", "👍", "🚲✨", "⚡🚲", "🙌"),
    NEUTRAL: ("🚲", "🤔", "🔋"),
    NEGATIVE: ("😡", "👎", "😤", "🙄"),
}
GENERIC_TAGS = {"en": ("#ebike", "#cycling", "#commute"), "fr": ("#vélo", "#VAE", "#vélotaf")}

TITLES: dict[str, Bank] = {
    "en": {
        "battery": (
            "Battery life on the {bike}",
            "{bike} range after {n} months",
            "Battery question",
        ),
        "app": ("{app} app", "{app} app after the update", "App question"),
        "delivery": ("Delivery of my {bike}", "{bike} delivery times"),
        "service": ("{brand} customer service", "Service centre in {city}"),
        "price": ("Is the {bike} worth {price}?", "{bike} pricing"),
        "design": ("{bike} looks", "{bike} colours"),
        "comfort": ("{bike} ride comfort", "Commuting on the {bike}"),
        "repairs": ("Repairs on the {bike}", "{brand} workshop in {city}"),
    },
    "fr": {
        "battery": (
            "Autonomie du {bike}",
            "Batterie du {bike} après {n} mois",
            "Question batterie",
        ),
        "app": ("Appli {app}", "Appli {app} après la mise à jour"),
        "delivery": ("Livraison de mon {bike}", "Délais de livraison {brand}"),
        "service": ("SAV {brand}", "Centre de service de {city}"),
        "price": ("Le {bike} vaut-il {price} ?", "Tarif du {bike}"),
        "design": ("Look du {bike}", "Coloris du {bike}"),
        "comfort": ("Confort du {bike}", "Vélotaf en {bike}"),
        "repairs": ("Réparations sur le {bike}", "Atelier {brand} de {city}"),
    },
}

Story = tuple[str, str]  # (headline, lead sentence of the snippet)

NEWS_STORIES: dict[str, dict[str, tuple[Story, ...]]] = {
    "en": {
        POSITIVE: (
            (
                "{bike} review: a great commuter e-bike",
                "The {bike} impressed our testers with excellent range and a comfortable ride.",
            ),
            (
                "{brand} wins best urban e-bike award at {city} show",
                "Judges praised the {bike} for its elegant design and great value at {price}.",
            ),
            (
                "{brand} sales jump {pct}% as e-bike demand grows",
                "{brand} said demand for its e-bikes was the strongest in its history, with sales "
                "up {pct}% year on year.",
            ),
            (
                "Why the {bike} is one of the best e-bikes this year",
                "Smooth assistance, a lovely frame and a brilliant app make the {bike} easy to "
                "recommend.",
            ),
            (
                "{brand} praised for excellent after-sales service in owner survey",
                "Owners gave {brand} the best satisfaction score in the survey, praising friendly "
                "and efficient service.",
            ),
        ),
        NEUTRAL: (
            (
                "{brand} opens new service centre in {city}",
                "{brand} said the new site in {city} will handle servicing and battery checks.",
            ),
            (
                "{brand} to unveil {year} range in {month}",
                "{brand} plans to unveil its {year} range in {month}, according to a spokesperson.",
            ),
            (
                "{brand} updates {app} app with new route planner",
                "The update adds turn-by-turn navigation and ride statistics to the {app} app.",
            ),
            (
                "{brand} appoints new head of European operations",
                "{brand} has named {person} to run its European operations from {month}.",
            ),
            (
                "{bike} vs {other_bike}: how they compare",
                "We put the {bike} and the {other_bike} side by side on range, weight and price.",
            ),
            (
                "{brand} expands dealer network to {n} new cities",
                "{brand} bikes will be sold through {n} new dealers, including one in {city}.",
            ),
        ),
        NEGATIVE: (
            (
                "{brand} owners report {app} app problems after update",
                "Several owners told us the {app} app fails to unlock their bikes since the last "
                "update.",
            ),
            (
                "{brand} delays {bike} deliveries again",
                "Customers waiting for the {bike} say delivery dates have slipped by up to "
                "{weeks} weeks, and many are angry.",
            ),
            (
                "{brand} criticised over slow repairs and spare part shortages",
                "Riders complain of painfully slow repairs and poor communication from {brand}.",
            ),
            (
                "{bike} disappoints in our long-term test",
                "After {n} months of testing, our {bike} suffered a failed motor and disappointing "
                "battery life.",
            ),
        ),
    },
    "fr": {
        POSITIVE: (
            (
                "Test du {bike} : un vélo électrique urbain formidable",
                "Le {bike} a séduit nos testeurs par son excellente autonomie et son confort.",
            ),
            (
                "{brand} remporte le prix du meilleur VAE urbain au salon de {city}",
                "Le jury a salué le design élégant du {bike} et son excellent rapport "
                "qualité-prix.",
            ),
            (
                "Les ventes de {brand} bondissent de {pct} % grâce au vélo électrique",
                "{brand} affirme que la demande pour ses vélos électriques n'a jamais été aussi "
                "forte, avec des ventes en hausse de {pct} % sur un an.",
            ),
            (
                "Pourquoi le {bike} fait partie des meilleurs VAE de l'année",
                "Assistance douce, cadre magnifique et appli efficace : le {bike} a tout pour "
                "plaire.",
            ),
            (
                "Le SAV de {brand} salué par les propriétaires dans une enquête",
                "Les propriétaires saluent un SAV {brand} aimable et efficace, le meilleur score "
                "de l'enquête.",
            ),
        ),
        NEUTRAL: (
            (
                "{brand} ouvre un nouveau centre de service à {city}",
                "Le nouveau site de {city} assurera l'entretien et le contrôle des batteries, "
                "précise {brand}.",
            ),
            (
                "{brand} présentera sa gamme {year} en {month}",
                "{brand} dévoilera sa gamme {year} en {month}, selon un porte-parole.",
            ),
            (
                "{brand} met à jour son appli {app} avec un nouveau calculateur d'itinéraire",
                "La mise à jour ajoute la navigation pas à pas et des statistiques de trajet à "
                "l'appli {app}.",
            ),
            (
                "{brand} change de direction pour l'Europe",
                "{brand} a nommé {person} à la tête de ses opérations européennes à partir de "
                "{month}.",
            ),
            (
                "{bike} ou {other_bike} : le comparatif",
                "Nous avons comparé le {bike} et le {other_bike} : autonomie, poids et tarif.",
            ),
            (
                "{brand} étend son réseau de revendeurs à {n} nouvelles villes",
                "Les vélos {brand} seront vendus chez {n} nouveaux revendeurs, dont un à {city}.",
            ),
        ),
        NEGATIVE: (
            (
                "Des propriétaires de {brand} signalent des bugs de l'appli {app}",
                "Plusieurs propriétaires affirment que l'appli {app} refuse de déverrouiller leur "
                "vélo depuis la dernière mise à jour, un vrai désastre.",
            ),
            (
                "{brand} repousse encore les livraisons du {bike}",
                "Les clients qui attendent leur {bike} voient leur livraison repoussée de {weeks} "
                "semaines, et la colère monte.",
            ),
            (
                "{brand} critiqué pour la lenteur de ses réparations et la pénurie de pièces",
                "Les cyclistes dénoncent des réparations interminables et une communication "
                "déplorable de la part de {brand}.",
            ),
            (
                "Le {bike} déçoit lors de notre test longue durée",
                "Après {n} mois de test, notre {bike} a subi une panne moteur et une autonomie "
                "décevante.",
            ),
        ),
    },
}

# Quotes make each outlet's snippet its own: a named person, a role, a polarity-true line.
NEWS_QUOTES: dict[str, Bank] = {
    "en": {
        POSITIVE: (
            '"We are thrilled with how riders have embraced the {bike}," said {person}, '
            "{role} at {brand}.",
            '"This is a great moment for the whole team," said {person}, {role} at {brand}.',
            '"Riders love the range and the comfort," said {person}, {role} at {brand}.',
        ),
        NEUTRAL: (
            '"We will share more details in {month}," said {person}, {role} at {brand}.',
            '"{city} is a key market for us," said {person}, {role} at {brand}.',
            '"The plan has been in the works since {month}," said {person}, {role} at {brand}.',
        ),
        NEGATIVE: (
            '"We know some customers have had a frustrating experience and we '
            'apologise," said {person}, {role} at {brand}.',
            '"Frankly, it has been a terrible few months for owners," said {person}, who '
            "rides a {bike}.",
            '"I am disappointed and angry," said {person}, a {bike} owner in {city}.',
        ),
    },
    "fr": {
        POSITIVE: (
            "« Nous sommes ravis de l'accueil réservé au {bike} », se félicite {person}, "
            "{role} de {brand}.",
            "« C'est un formidable succès pour toute l'équipe », souligne {person}, "
            "{role} de {brand}.",
            "« Les clients adorent l'autonomie et le confort », affirme {person}, {role} "
            "de {brand}.",
        ),
        NEUTRAL: (
            "« Nous donnerons plus de détails en {month} », indique {person}, {role} de {brand}.",
            "« {city} est un marché clé pour nous », explique {person}, {role} de {brand}.",
            "« Le projet est en préparation depuis {month} », précise {person}, {role} de {brand}.",
        ),
        NEGATIVE: (
            "« Nous savons que certains clients ont vécu une expérience décevante », "
            "reconnaît {person}, {role} de {brand}.",
            "« C'est lamentable, on nous balade depuis des semaines », déplore {person}, "
            "propriétaire d'un {bike}.",
            "« Je suis déçu et en colère », confie {person}, qui roule en {bike} à {city}.",
        ),
    },
}
EPISODE_QUOTES: Bank = {
    "en": (
        '"We are contacting every affected owner," said {person}, {role} at {brand}.',
        '"I was scared to leave it charging overnight," said {person}, a {bike} owner in {city}.',
        '"The app outage is unrelated to the recall," said {person}, {role} at {brand}.',
    ),
    "fr": (
        "« Nous contactons chaque propriétaire concerné », assure {person}, {role} de {brand}.",
        "« J'avais peur de la laisser charger la nuit », raconte {person}, propriétaire "
        "d'un {bike} à {city}.",
        "« La panne de l'appli n'a aucun lien avec le rappel », affirme {person}, {role} "
        "de {brand}.",
    ),
}
ROLES = {
    "en": (
        "a spokesperson",
        "head of product",
        "chief executive",
        "UK managing director",
        "head of customer care",
    ),
    "fr": (
        "porte-parole",
        "responsable produit",
        "PDG",
        "responsable France",
        "responsable du service client",
    ),
}

NEWS_DETAILS: Bank = {
    "en": (
        "{brand} did not immediately return a request for comment.",
        "The {bike} is sold in {n} countries.",
        "Prices start at {price}.",
        "The company employs around {n}00 people across Europe.",
        "The {bike} was launched in {month} last year.",
    ),
    "fr": (
        "{brand} n'a pas répondu à nos sollicitations.",
        "Le {bike} est commercialisé dans {n} pays.",
        "Comptez {price} pour le modèle de base.",
        "L'entreprise emploie environ {n}00 personnes en Europe.",
        "Le {bike} a été lancé en {month} l'an dernier.",
    ),
}

REVIEW_TITLES: dict[str, Bank] = {
    "en": {
        POSITIVE: (
            "{bike} review: a brilliant city e-bike",
            "{bike} review: comfortable, elegant and great value",
        ),
        NEUTRAL: ("{bike} review: what you need to know", "{bike} long-term test after {km} km"),
        NEGATIVE: (
            "{bike} review: disappointing battery, frustrating app",
            "{bike} review: hard to recommend at {price}",
        ),
    },
    "fr": {
        POSITIVE: (
            "Test du {bike} : un VAE urbain formidable",
            "Test du {bike} : confortable, élégant et efficace",
        ),
        NEUTRAL: (
            "Test du {bike} : ce qu'il faut savoir",
            "Test longue durée du {bike} après {km} km",
        ),
        NEGATIVE: (
            "Test du {bike} : batterie décevante et appli pénible",
            "Test du {bike} : une déception à {price}",
        ),
    },
}
REVIEW_INTROS: Bank = {
    "en": (
        "We spent {weeks} weeks riding the {bike} around {city}.",
        "The {bike} has been our daily commuter for the past month.",
        "Here is our full test of the {bike}, {price} as tested.",
    ),
    "fr": (
        "Nous avons testé le {bike} pendant {weeks} semaines à {city}.",
        "Le {bike} a été notre vélo de tous les jours pendant un mois.",
        "Voici notre test complet du {bike}, vendu {price}.",
    ),
}
REVIEW_VERDICTS: dict[str, Bank] = {
    "en": {
        POSITIVE: (
            "<strong>Verdict:</strong> a great e-bike we happily recommend.",
            "<strong>Verdict:</strong> excellent, one of our favourites.",
        ),
        NEUTRAL: (
            "<strong>Verdict:</strong> book a test ride before deciding.",
            "<strong>Verdict:</strong> check the service network near you first.",
        ),
        NEGATIVE: (
            "<strong>Verdict:</strong> disappointing, hard to recommend.",
            "<strong>Verdict:</strong> too many flaws at this price, sadly.",
        ),
    },
    "fr": {
        POSITIVE: (
            "<strong>Verdict :</strong> un excellent VAE, que nous recommandons.",
            "<strong>Verdict :</strong> une réussite, l'un de nos coups de cœur.",
        ),
        NEUTRAL: (
            "<strong>Verdict :</strong> faites un essai avant de vous décider.",
            "<strong>Verdict :</strong> vérifiez d'abord le réseau de SAV près de chez vous.",
        ),
        NEGATIVE: (
            "<strong>Verdict :</strong> décevant, difficile à conseiller.",
            "<strong>Verdict :</strong> trop de défauts à ce tarif, dommage.",
        ),
    },
}

# Competitors' own accounts: (title, body) pairs, positive (announcements) or neutral (notices).
OFFICIAL: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "en": {
        POSITIVE: (
            (
                "{brand} announces the {bike} {year}",
                "Introducing the {bike} {year}: more range, a lighter frame and a redesigned {app} "
                "app. We can't wait for you to ride it!",
            ),
            (
                "{brand} opens a new store in {city}",
                "We're excited to open our new store in {city}! Come and test ride the {bike} "
                "this weekend.",
            ),
            (
                "{brand} winter offer",
                "Winter offer: a free first service with every {bike} ordered before {month}. "
                "Enjoy the ride!",
            ),
            (
                "{brand} rider community passes a milestone",
                "{n}0,000 riders now track their trips in the {app} app. Thank you all, what an "
                "amazing community!",
            ),
            (
                "{brand} partners with {city} bike-share",
                "Proud to bring {n}00 {bike} e-bikes to the {city} bike-share scheme this {month}. "
                "A great step for greener cities!",
            ),
        ),
        NEUTRAL: (
            (
                "{app} app update",
                "New in the {app} app: theft alerts and a trip log, rolling out from {weekday}.",
            ),
            (
                "{brand} service centre opening hours",
                "{brand} service centres will open later on weekdays throughout {month}.",
            ),
            ("New colours for the {bike}", "The {bike} is now available in {n} new colours."),
            (
                "{brand} at the {city} cycle show",
                "Find the {brand} team at the {city} cycle show on stand {n}{n}, {weekday} to "
                "Sunday.",
            ),
            (
                "{bike} deliveries",
                "{bike} orders placed in {month} will ship within {weeks} weeks.",
            ),
        ),
    },
    "fr": {
        POSITIVE: (
            (
                "{brand} dévoile le {bike} {year}",
                "Découvrez le nouveau {bike} {year} : plus d'autonomie, un cadre plus léger et "
                "une appli {app} repensée. Nous sommes heureux de vous le présenter !",
            ),
            (
                "{brand} ouvre une boutique à {city}",
                "Nous sommes ravis d'ouvrir notre nouvelle boutique à {city} ! Venez essayer le "
                "{bike} ce week-end.",
            ),
            (
                "Offre d'hiver {brand}",
                "Offre d'hiver : première révision offerte pour tout {bike} commandé avant "
                "{month}. Excellente route à tous !",
            ),
            (
                "La communauté {brand} franchit un cap",
                "{n}0 000 cyclistes suivent désormais leurs trajets dans l'appli {app}. Merci à "
                "vous, quelle formidable communauté !",
            ),
            (
                "{brand} s'associe aux vélos en libre-service de {city}",
                "Fiers d'équiper le réseau de vélos en libre-service de {city} avec {n}00 {bike} "
                "dès {month}. Un bel engagement pour des villes plus vertes !",
            ),
        ),
        NEUTRAL: (
            (
                "Mise à jour de l'appli {app}",
                "Nouveau dans l'appli {app} : alertes antivol et historique des trajets, "
                "déployés à partir de {weekday}.",
            ),
            (
                "Horaires des centres {brand}",
                "Les centres de service {brand} ouvriront plus tard en semaine pendant tout le "
                "mois de {month}.",
            ),
            (
                "Nouveaux coloris du {bike}",
                "Le {bike} est désormais disponible en {n} nouveaux coloris.",
            ),
            (
                "{brand} au salon du cycle de {city}",
                "Retrouvez l'équipe {brand} au salon du cycle de {city}, stand {n}{n}, "
                "de {weekday} à dimanche.",
            ),
            (
                "Livraisons du {bike}",
                "Les {bike} commandés en {month} seront expédiés sous {weeks} semaines.",
            ),
        ),
    },
}

# --- The episode: battery overheating recall + app outage. ------------------------------------

EPISODE_TAGS = {"en": "#VeloraRecall", "fr": "#RappelVelora"}

EPISODE_OPENERS: Bank = {
    "en": (
        "Heads up, {bike} owners.",
        "Update from {city}.",
        "Anyone else affected?",
        "So this is happening.",
        "Just checked my inbox.",
        "{handle} what is going on?",
        "Day two of this.",
    ),
    "fr": (
        "Avis aux propriétaires de {bike}.",
        "Des nouvelles de {city}.",
        "D'autres personnes concernées ?",
        "Et voilà, on y est.",
        "Je viens de regarder mes mails.",
        "{handle} vous pouvez nous expliquer ?",
        "Deuxième jour de galère.",
    ),
}

EPISODE_SAYS: dict[str, Bank] = {
    "en": {
        NEGATIVE: (
            "My {bike} battery got scary hot on the charger last night, I had to unplug it "
            "and put it on the balcony.",
            "Just got the recall email: {bike} batteries can overheat, stop charging them. "
            "How am I supposed to get to work now?",
            "A battery recall and the app down on the same day. What a disaster.",
            "The {brand} app has been down since this morning and I can't unlock my own bike. "
            "Ridiculous.",
            "Overheating batteries and a dead app, this is a nightmare.",
            "The support line has been busy for {hours} hours about the recall, terrible service.",
            "Second time my battery has overheated this month, I'm scared to charge it indoors.",
            "App down, no unlock, no news. Awful way to handle a recall.",
            "Even the recall page crashes. Total mess.",
            "Left my {bike} outside tonight because I'm afraid the battery will overheat in "
            "the flat.",
            "Smelled burning plastic from my {bike} battery while charging. Horrifying.",
            "Paid {price} for a bike I can't charge or unlock. Furious.",
            "The recall form wants a serial number that only the app shows, and the app is "
            "down. Useless.",
            "My commute is ruined: battery recalled, app down, no loan bike. Awful.",
        ),
        NEUTRAL: (
            "Has anyone managed to book a battery swap for the recall yet?",
            "The recall covers {bike} batteries made between {month} and {month2}. Serial "
            "numbers are listed on the {brand} website.",
            "Is the {brand} app down for everyone or just me?",
            "Reading the recall notice now, you need the frame number to check if your battery "
            "is included.",
            "{brand} says to stop charging affected batteries until they are replaced.",
            "Status page says the {brand} app outage is being investigated.",
            "Where do you find the battery serial number on the {bike}?",
            "Recall appointments at the {city} service centre start on {weekday}.",
        ),
        POSITIVE: (
            "Credit where it's due: my battery was swapped in {n}0 minutes at the {city} "
            "service centre. Great job, {brand}.",
            "{brand}'s support chat was genuinely helpful about the recall, the replacement "
            "battery arrives {weekday}.",
            "Honestly glad they recalled the batteries quickly instead of waiting. Good call.",
            "Staff at the {city} centre stayed calm and friendly despite the queue. Respect.",
        ),
    },
    "fr": {
        NEGATIVE: (
            "La batterie de mon {bike} a chauffé de façon inquiétante pendant la recharge, je "
            "l'ai débranchée en catastrophe.",
            "Je viens de recevoir le mail de rappel : risque de surchauffe des batteries du "
            "{bike}, ne plus les recharger. Et je vais au boulot comment ?",
            "Rappel des batteries et appli en panne le même jour, c'est lamentable.",
            "L'appli {brand} est en panne depuis ce matin, impossible de déverrouiller mon "
            "propre vélo. Inadmissible.",
            "Des batteries en surchauffe et une appli plantée, quel désastre.",
            "Le service client est injoignable depuis {hours} heures pour le rappel, c'est "
            "honteux.",
            "Deuxième surchauffe de ma batterie ce mois-ci, j'ai peur de la recharger à la maison.",
            "Appli en panne, pas de déverrouillage, aucune info. Gestion du rappel déplorable.",
            "Même la page du rappel plante. Quel fiasco.",
            "J'ai laissé mon {bike} dehors cette nuit, j'ai trop peur que la batterie "
            "surchauffe dans l'appart.",
            "Odeur de plastique brûlé pendant la recharge de ma batterie. Effrayant.",
            "{price} pour un vélo que je ne peux ni recharger ni déverrouiller. Je suis furieux.",
            "Le formulaire de rappel demande un numéro de série que seule l'appli affiche, et "
            "l'appli est en panne. Lamentable.",
            "Batterie rappelée, appli en panne, pas de vélo de prêt : mes trajets sont gâchés.",
        ),
        NEUTRAL: (
            "Quelqu'un a pu prendre rendez-vous pour l'échange de batterie ?",
            "Le rappel porte sur les batteries du {bike} fabriquées entre {month} et {month2}. "
            "Les numéros de série sont listés sur le site de {brand}.",
            "L'appli {brand} est en panne chez tout le monde ou juste chez moi ?",
            "Je lis l'avis de rappel : il faut le numéro de cadre pour vérifier si sa batterie "
            "fait partie du lot.",
            "{brand} demande de ne plus recharger les batteries concernées avant leur "
            "remplacement.",
            "La page de statut indique que la panne de l'appli {brand} est en cours d'analyse.",
            "Où se trouve le numéro de série de la batterie sur le {bike} ?",
            "Les rendez-vous de rappel au centre de {city} commencent {weekday}.",
        ),
        POSITIVE: (
            "Il faut le reconnaître : batterie échangée en {n}0 minutes au centre de {city}. "
            "Bravo {brand}.",
            "Le chat du SAV {brand} a été efficace pour le rappel, nouvelle batterie livrée "
            "{weekday}.",
            "Franchement, je suis rassuré qu'ils rappellent les batteries vite plutôt que "
            "d'attendre.",
            "L'équipe du centre de {city} est restée aimable et efficace malgré la file d'attente.",
        ),
    },
}

EPISODE_REACTIONS: Bank = {
    "en": (
        "Absolutely furious.",
        "Never buying {brand} again.",
        "Awful.",
        "This is dangerous.",
        "Shameful.",
        "So angry right now.",
        "Really disappointed in {brand}.",
        "Terrible handling.",
    ),
    "fr": (
        "Je suis furax.",
        "Plus jamais {brand}, quelle honte.",
        "C'est inadmissible.",
        "Vraiment écœuré.",
        "C'est dangereux.",
        "Quelle honte.",
        "Très déçu par {brand}.",
        "Gestion catastrophique.",
    ),
}

EPISODE_TITLES: Bank = {
    "en": (
        "{brand} battery recall",
        "{brand} app down?",
        "Recall: {bike} batteries overheating",
        "Anyone else locked out by the {brand} app?",
        "Battery overheating on my {bike}",
    ),
    "fr": (
        "Rappel batteries {brand}",
        "Appli {brand} en panne ?",
        "Surchauffe batterie {bike}",
        "Rappel {brand} : vos retours",
        "Impossible de déverrouiller mon {bike}",
    ),
}

EPISODE_NEWS_STORIES: dict[str, dict[str, tuple[Story, ...]]] = {
    "en": {
        NEGATIVE: (
            (
                "{brand} recalls {bike} batteries over overheating risk",
                "{brand} has told owners of {bike} e-bikes built between {month} and {month2} to "
                "stop charging their batteries after alarming reports of overheating.",
            ),
            (
                "{brand} app outage leaves e-bike owners locked out",
                "The recall coincides with an outage of the {brand} app, leaving angry riders "
                "unable to unlock their bikes.",
            ),
            (
                "Angry {brand} owners demand answers after battery recall",
                "Owners describe chaotic phone lines and a recall page that keeps crashing.",
            ),
            (
                "{brand} recall chaos: riders report overheating batteries and a dead app",
                "Several riders reported batteries becoming dangerously hot while charging.",
            ),
        ),
        NEUTRAL: (
            (
                "{brand} battery recall: what {bike} owners need to know",
                "Owners can check whether their battery is affected by entering the frame number "
                "on the {brand} website.",
            ),
            (
                "{brand} sets up recall appointments at service centres",
                "Replacement batteries will be fitted at {brand} service centres from {weekday}, "
                "the company said.",
            ),
            (
                "{brand} says app outage is being fixed as recall continues",
                "{brand} said its engineers were working on the app outage.",
            ),
        ),
        POSITIVE: (
            (
                "{brand} moves fast on battery recall, owners praise quick swaps",
                "Several owners said their batteries were replaced within the hour at the {city} "
                "service centre, and praised the friendly staff.",
            ),
        ),
    },
    "fr": {
        NEGATIVE: (
            (
                "{brand} rappelle les batteries du {bike} pour risque de surchauffe",
                "{brand} demande aux propriétaires de {bike} fabriqués entre {month} et {month2} "
                "de ne plus recharger leur batterie après plusieurs cas inquiétants de surchauffe.",
            ),
            (
                "Panne de l'appli {brand} : des cyclistes privés de leur vélo",
                "Le rappel coïncide avec une panne de l'appli {brand}, qui empêche de nombreux "
                "cyclistes en colère de déverrouiller leur vélo.",
            ),
            (
                "Rappel {brand} : la colère des propriétaires",
                "Les clients dénoncent une hotline saturée et une page de rappel qui plante.",
            ),
            (
                "Batteries en surchauffe et appli en panne : le fiasco {brand}",
                "Plusieurs cyclistes affirment que leur batterie est devenue dangereusement chaude "
                "pendant la recharge.",
            ),
        ),
        NEUTRAL: (
            (
                "Rappel {brand} : ce que les propriétaires du {bike} doivent savoir",
                "Les propriétaires peuvent vérifier si leur batterie fait partie du lot en "
                "saisissant le numéro de cadre sur le site de {brand}.",
            ),
            (
                "{brand} organise l'échange des batteries dans ses centres de service",
                "Les batteries de remplacement seront installées dans les centres de service "
                "{brand} à partir de {weekday}, selon l'entreprise.",
            ),
            (
                "{brand} annonce travailler au rétablissement de son appli",
                "{brand} indique que ses équipes travaillent au rétablissement de l'appli.",
            ),
        ),
        POSITIVE: (
            (
                "Rappel {brand} : des propriétaires saluent la rapidité des échanges",
                "Plusieurs propriétaires disent avoir obtenu une batterie neuve en moins d'une "
                "heure au centre de {city}, et saluent l'efficacité du personnel.",
            ),
        ),
    },
}
EPISODE_STATEMENTS: dict[str, tuple[str, str]] = {
    "en": (
        "{brand} statement on the battery recall and app outage",
        "We are aware that the {brand} app is currently unavailable and our teams are "
        "working to restore it. Owners of affected {bike} batteries should stop charging "
        "them and book a replacement at no cost on {site}/recall.",
    ),
    "fr": (
        "Communiqué de {brand} sur le rappel des batteries et la panne de l'appli",
        "Nous savons que l'appli {brand} est actuellement indisponible et nos équipes "
        "travaillent à la rétablir. Les propriétaires de batteries {bike} concernées doivent "
        "cesser de les recharger et prendre rendez-vous pour un remplacement sans frais sur "
        "{site}/rappel.",
    ),
}

# Competitor posts during the episode: people comparing with Velora.
COMPARISONS: dict[str, Bank] = {
    "en": {
        POSITIVE: (
            "Glad I went with the {bike} instead of a Velora, no battery drama here.",
            "After the Velora recall news, my {bike} feels like a great choice.",
            "Two years on a {bike} and, unlike Velora, the battery never overheated. "
            "Happy {brand} customer.",
        ),
        NEUTRAL: (
            "With the Velora recall, is the {bike} a sensible alternative? Comparing "
            "range and service in {city}.",
            "Comparing the {bike} and the Velora City after this week's recall. Thoughts?",
            "Does {brand} use the same battery supplier as Velora? Asking after the recall.",
        ),
        NEGATIVE: (
            "Before anyone jumps ship: my {bike} battery also died after a year, "
            "{brand} isn't perfect either.",
            "Switched from Velora to {brand} last year and the {app} app crashes just as "
            "much. Disappointed.",
        ),
    },
    "fr": {
        POSITIVE: (
            "Heureux d'avoir pris un {bike} plutôt qu'un Velora, zéro histoire de batterie ici.",
            "Après l'histoire du rappel Velora, je suis ravi de mon {bike}.",
            "Deux ans de {bike}, jamais eu de surchauffe, contrairement aux Velora. "
            "Client {brand} heureux.",
        ),
        NEUTRAL: (
            "Avec le rappel Velora, le {bike} est-il une alternative crédible ? Je compare "
            "l'autonomie et le SAV à {city}.",
            "Je compare le {bike} et le Velora City après le rappel de cette semaine. Des avis ?",
            "{brand} utilise-t-il le même fournisseur de batteries que Velora ? Je me "
            "le demande après le rappel.",
        ),
        NEGATIVE: (
            "Attention avant de changer : la batterie de mon {bike} a aussi lâché au "
            "bout d'un an, {brand} n'est pas parfait non plus.",
            "Passé de Velora à {brand} l'an dernier, et l'appli {app} plante tout autant. Déçu.",
        ),
    },
}
COMPARISON_TITLES: Bank = {
    "en": (
        "Velora recall - considering {brand}",
        "{bike} vs Velora City",
        "{brand} batteries after the Velora recall",
    ),
    "fr": (
        "Rappel Velora : passer chez {brand} ?",
        "{bike} ou Velora City ?",
        "Batteries {brand} après le rappel Velora",
    ),
}


# Accounts with a large audience: (display name, handle, followers on X and Mastodon).
INFLUENCERS = {
    "en": (
        ("Urban Rider Mag", "UrbanRiderMag", 128_400),
        ("Commute News UK", "CommuteNewsUK", 61_200),
        ("Ebike Dad", "ebike_dad", 23_800),
    ),
    "fr": (("Cyclo Paris", "cyclo_paris", 48_210), ("VéloMag", "velomag_fr", 35_600)),
}
# YouTube channels that review e-bikes: (channel title, channel id).
CREATORS = {
    "en": (
        ("Cycle Tech Reviews", "UCcyc1eTechRev1ews00001x"),
        ("Ride Test Lab", "UCr1deTestLabV1de0s00002"),
    ),
    "fr": (
        ("Vélo News FR", "UCve1oNewsFR000000000003"),
        ("Le Garage à Vélos", "UCgarageAVe1os0000000004"),
    ),
}
MASTODON_INSTANCES = {
    "en": (MASTODON_HOME, "fosstodon.example", "mas.example"),
    "fr": (MASTODON_HOME, "piaille.example", "mamot.example"),
}
SUBREDDITS = {
    "en": ("ebikes", "ebikes", "bikecommuting", "cycling"),
    "fr": ("velo", "velotaf", "france"),
}
GDELT_COUNTRIES = {"en": "United Kingdom", "fr": "France"}
GDELT_LANGUAGES = {"en": "English", "fr": "French"}
APP_VERSIONS = ("5.2.3", "5.3.0", "5.3.1")  # the app's version, as reviews report it

APP_REVIEW_TITLES: dict[str, Bank] = {
    "en": {
        POSITIVE: ("Great app", "Love the ride stats", "Brilliant companion app", "Excellent"),
        NEUTRAL: ("Does the job", "Decent app", "Works, mostly", "OK for the basics"),
        NEGATIVE: ("Keeps crashing", "Useless since the update", "Terrible", "Very disappointing"),
    },
    "fr": {
        POSITIVE: ("Super appli", "Excellente appli", "Génial", "Très pratique"),
        NEUTRAL: ("Correcte", "Fait le job", "Appli basique", "Moyenne"),
        NEGATIVE: ("Plante sans arrêt", "Nulle depuis la mise à jour", "Décevante", "Lamentable"),
    },
}
EPISODE_APP_REVIEWS: dict[str, Bank] = {
    "en": {
        NEGATIVE: (
            "The app has been down since this morning and I can't unlock my own bike. Awful.",
            "App down in the middle of a battery recall, and the recall form needs the app. "
            "Useless.",
            "Can't log in, can't unlock, can't check if my battery is recalled. Terrible.",
            "Paid {price} for a bike and the app that unlocks it is dead. Furious.",
            "Error after error since yesterday. A recall and an outage at once, what a disaster.",
        ),
        NEUTRAL: (
            "Is the app down for everyone? It says the service is unavailable.",
            "The app shows the recall notice but the serial number page won't load.",
        ),
        POSITIVE: ("Back up and working again, and the recall check in the app is helpful.",),
    },
    "fr": {
        NEGATIVE: (
            "L'appli est en panne depuis ce matin, impossible de déverrouiller mon vélo. "
            "Lamentable.",
            "Appli en panne en plein rappel des batteries, et le formulaire de rappel passe par "
            "l'appli. Nul.",
            "Impossible de me connecter ou de vérifier ma batterie. Quel désastre.",
            "{price} le vélo et l'appli qui le déverrouille est morte. Je suis furieux.",
            "Erreur sur erreur depuis hier. Un rappel et une panne en même temps, c'est honteux.",
        ),
        NEUTRAL: (
            "L'appli est en panne chez tout le monde ? Elle indique service indisponible.",
            "L'appli affiche l'avis de rappel mais la page du numéro de série ne charge pas.",
        ),
        POSITIVE: ("L'appli refonctionne, et la vérification du rappel est bien pratique.",),
    },
}
# YouTube and social replies that agree with the comment they answer.
REPLY_OPENERS: Bank = {
    "en": ("Same here.", "Agreed.", "Had the same with mine.", "Not my experience.", "This."),
    "fr": ("Pareil.", "Tout à fait d'accord.", "Idem chez moi.", "Pas mon expérience.", "Ça."),
}


# ---------------------------------------------------------------------------------------------
# Authors.
# ---------------------------------------------------------------------------------------------

# The one venue each of a language's advocates and detractors posts on (all need no login).
ADVOCATE_HOMES = {"en": ("forum", "mastodon", "reddit"), "fr": ("forum", "mastodon", "forum")}
DETRACTOR_HOMES = {"en": ("forum", "mastodon"), "fr": ("forum", "mastodon")}


@dataclass(frozen=True)
class _Authors:
    community: dict[str, tuple[str, ...]]  # generic members, most active first
    weights: dict[str, tuple[float, ...]]
    advocates: dict[str, tuple[str, ...]]  # always positive about Velora
    detractors: dict[str, tuple[str, ...]]  # always negative about Velora
    journalists: dict[str, tuple[str, ...]]  # one per outlet index, three per outlet
    homes: dict[str, str]  # advocate or detractor -> the one venue they post on


def _handle_for(rng: random.Random, lang: str) -> str:
    """How members sign: full names (most often), initials, or lowercase handles."""
    first, last = rng.choice(FIRST_NAMES[lang]), rng.choice(LAST_NAMES[lang])
    low_first, low_last = _ascii(first).lower(), _ascii(last).lower().replace("'", "")
    style = rng.randrange(6)
    if style == 1:
        return f"{low_first}_{low_last}"
    if style == 2:
        return f"{first} {last[0]}."
    if style == 3:
        return f"{low_first}{rng.randrange(10, 99)}"
    if style == 4:
        return f"{low_first}.{low_last}"
    return f"{first} {last}"


def _make_authors(rng: random.Random) -> _Authors:
    """~150 people: 60 members per language, 33 journalists, 4 reviewers (plus 3 brands)."""
    taken: set[str] = set()

    def fresh(lang: str, full_name: bool = False) -> str:
        while True:
            name = (
                f"{rng.choice(FIRST_NAMES[lang])} {rng.choice(LAST_NAMES[lang])}"
                if full_name
                else _handle_for(rng, lang)
            )
            if name not in taken:
                taken.add(name)
                return name

    community: dict[str, tuple[str, ...]] = {}
    advocates: dict[str, tuple[str, ...]] = {}
    detractors: dict[str, tuple[str, ...]] = {}
    journalists: dict[str, tuple[str, ...]] = {}
    weights: dict[str, tuple[float, ...]] = {}
    homes: dict[str, str] = {}
    for lang in ("en", "fr"):
        taken.update(PSEUDONYMS[lang])
        members = list(PSEUDONYMS[lang]) + [fresh(lang) for _ in range(53)]
        rng.shuffle(members)
        advocates[lang] = tuple(members[:3])
        detractors[lang] = tuple(members[3:5])
        homes.update(zip(advocates[lang], ADVOCATE_HOMES[lang], strict=True))
        homes.update(zip(detractors[lang], DETRACTOR_HOMES[lang], strict=True))
        rest = tuple(m for m in members if m not in advocates[lang] + detractors[lang])
        community[lang] = rest
        weights[lang] = tuple(1.0 / (rank + 1) ** 0.7 for rank in range(len(rest)))
        journalists[lang] = tuple(fresh(lang, True) for _ in range(3 * len(OUTLETS[lang])))
    return _Authors(community, weights, advocates, detractors, journalists, homes)


def _name_parts(name: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+", _ascii(name)) or ["user"]


def member_handle(source: str, name: str) -> str:
    """The account name a member uses on a platform, derived from how they sign."""
    parts = _name_parts(name)
    if source == "x":
        return "_".join(parts)[:15]
    if source == "bluesky":
        return "-".join(parts).lower()[:40] + ".bsky.social"
    if source == "mastodon":
        return "_".join(parts).lower()[:30]
    if source == "reddit":
        return "_".join(parts)[:20]
    if source in ("hackernews", "youtube"):
        return "".join(parts).lower()[:15]
    return name


# ---------------------------------------------------------------------------------------------
# Timing: which brand posts when.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    brand: str
    at: datetime
    kind: str  # "normal" | "episode" (Velora, in the window) | "comparison" | "official" | "social"
    venue: str = ""  # for "social": the platform a competitor's own account posts on


def episode_window(end: date) -> tuple[datetime, datetime]:
    """UTC [start, end) of the negative episode: from 14:00 two days before `end` to `end`."""
    stop = datetime.combine(end, time(0), tzinfo=UTC)
    return stop - timedelta(days=2) + timedelta(hours=14), stop


def x_window(end: date) -> tuple[datetime, datetime]:
    """UTC [start, end) of what the demo collects from X: the last `X_DAYS` days."""
    stop = datetime.combine(end, time(0), tzinfo=UTC)
    return stop - timedelta(days=X_DAYS), stop


def _at_hour(rng: random.Random, day: datetime, hours: Sequence[int]) -> datetime:
    hour = rng.choices(hours, weights=[HOUR_WEIGHTS[h] for h in hours])[0]
    return day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


def _day_slots(
    rng: random.Random, day: datetime, window: tuple[datetime, datetime], last_day: bool
) -> list[_Slot]:
    """One day's posting times: a weekday-shaped total, split by brand, plus the episode."""
    expected = BASE_DAILY * WEEKDAY_FACTOR[day.weekday()]
    total = min(DAILY_MAX, max(DAILY_MIN, round(rng.gauss(expected, DAILY_SPREAD))))
    brands = rng.choices(list(BRAND_SHARE), weights=list(BRAND_SHARE.values()), k=total)
    hours = range(24)
    slots = [_Slot(b, _at_hour(rng, day, hours), "normal") for b in brands]
    # Competitors' newsrooms publish on a schedule, every third day in office hours, and their
    # social accounts on their own rhythm.
    slots += [
        _Slot(rival, _at_hour(rng, day, OFFICE_HOURS), "official")
        for index, rival in enumerate(COMPETITORS)
        if (day.toordinal() + index) % OFFICIAL_EVERY_DAYS == 0
    ]
    slots += [
        _Slot(rival, _at_hour(rng, day, OFFICE_HOURS), "social", venue)
        for index, rival in enumerate(COMPETITORS)
        for venue, every in SOCIAL_EVERY_DAYS.items()
        if (day.toordinal() + index) % every == 0
    ]
    in_window = [h for h in hours if window[0] <= day + timedelta(hours=h) < window[1]]
    if not in_window:
        return slots
    slots = [
        replace(s, kind="episode") if s.brand == BRAND and s.at >= window[0] else s for s in slots
    ]
    share = sum(HOUR_WEIGHTS[h] for h in in_window) / sum(HOUR_WEIGHTS)
    # A crisis ignores weekends: the target is set from a weekday's Velora volume.
    target = round(
        BASE_DAILY * BRAND_SHARE[BRAND] * share * (EPISODE_PEAK if last_day else EPISODE_RISE)
    )
    already = sum(1 for s in slots if s.kind == "episode")
    slots += [
        _Slot(BRAND, _at_hour(rng, day, in_window), "episode")
        for _ in range(max(0, target - already))
    ]
    for rival in COMPETITORS:
        bump = round(BASE_DAILY * BRAND_SHARE[rival] * COMPARISON_BUMP * share)
        slots += [_Slot(rival, _at_hour(rng, day, in_window), "comparison") for _ in range(bump)]
    return slots


@dataclass
class _Plan:
    """Which venues a post may go to: credentials, X's window, and one request's capacity."""

    credentials: bool
    x_start: datetime
    stop: datetime
    used: Counter = field(default_factory=Counter)

    def allows(self, venue: str, at: datetime, brand: str, lang: str, own: bool = False) -> bool:
        """`own`: a brand's own account (Bluesky author feeds need no login, search does)."""
        if venue in NEEDS_CREDENTIALS and not self.credentials and not (own and venue == "bluesky"):
            return False
        if venue == "x" and at < self.x_start:
            return False
        if venue == "appstore" and brand != BRAND:
            return False
        return venue != "hackernews" or lang == "en"

    def take(self, venue: str, place: str = "") -> bool:
        """Count a post against its request's capacity; False when the request is full."""
        key = f"{venue}:{place}" if place else venue
        if venue in CAPS and self.used[key] >= CAPS[venue]:
            return False
        self.used[key] += 1
        return True


# ---------------------------------------------------------------------------------------------
# Composition.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Draft:
    """A post before it has a guid and link (those need the final, sorted order)."""

    brand: str
    lang: str
    at: datetime
    channel: str  # "news" | "official" | "community" | "review" | "share" | "social"
    title: str
    text: str
    author: str
    polarity: str
    outlet: tuple[str, str] | None = None
    source: str = "rss"
    kind: str = "item"
    place: str = ""  # subreddit, YouTube channel, storefront
    tier: str = "member"  # "member" | "influencer" | "brand" | "press"
    rating: int | None = None
    handle: str = ""  # set for accounts whose handle is not derived from the name
    key: int = -1  # position in the draft list, for reposts and replies to point at
    parent: int | None = None  # the key of the draft reposted or replied to


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _slug(text: str) -> str:
    """A URL slug the way CMSs make them: ASCII, lowercase, hyphens, bounded length."""
    words = re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")
    return words[:60].rstrip("-") or "post"


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _polarity(rng: random.Random, mix: Sequence[float]) -> str:
    return rng.choices(POLARITIES, weights=mix)[0]


def _price(rng: random.Random, lang: str, amount: int) -> str:
    if lang == "fr":
        return f"{amount:,}".replace(",", " ") + " €"
    return f"{rng.choice('£££€')}{amount:,}"


DRAWS: dict[str, Callable[[random.Random, str], str]] = {
    "km": lambda rng, lang: str(rng.randrange(18, 121)),
    "hours": lambda rng, lang: str(rng.randrange(3, 8)),
    "days": lambda rng, lang: str(rng.randrange(2, 16)),
    "weeks": lambda rng, lang: str(rng.randrange(2, 11)),
    "n": lambda rng, lang: str(rng.randrange(2, 10)),
    "pct": lambda rng, lang: str(rng.randrange(8, 41)),
    "price": lambda rng, lang: _price(rng, lang, rng.choice(BIKE_PRICES)),
    "part_price": lambda rng, lang: _price(rng, lang, rng.choice((79, 99, 129, 149, 189))),
    "person": lambda rng, lang: f"{rng.choice(FIRST_NAMES[lang])} {rng.choice(LAST_NAMES[lang])}",
}


class _Context(dict[str, str]):
    """Placeholder values. Names stay fixed for a post; figures and people are drawn afresh at
    each use, so composed texts rarely collide and one post does not repeat the same number."""

    def __init__(self, rng: random.Random, lang: str, fixed: dict[str, str]):
        super().__init__(fixed)
        self._rng = rng
        self._lang = lang

    def __missing__(self, key: str) -> str:
        return DRAWS[key](self._rng, self._lang)

    def pinned(self) -> dict[str, str]:
        """One draw of every figure, for texts whose parts must agree (headline and lead)."""
        return {**self, **{key: draw(self._rng, self._lang) for key, draw in DRAWS.items()}}


def _context(rng: random.Random, brand: str, lang: str, end: date) -> _Context:
    world = WORLD[brand]
    months = MONTHS[lang]
    first_month = rng.randrange(12)
    rival = rng.choice([b for b in WORLD if b != brand])
    return _Context(
        rng,
        lang,
        {
            "brand": brand,
            "bike": rng.choice(world.bikes),
            "app": world.app,
            "handle": world.handle,
            "site": world.site,
            "city": rng.choice(CITIES[lang]),
            "month": months[first_month],
            "month2": months[(first_month + rng.randrange(2, 6)) % 12],
            "weekday": rng.choice(WEEKDAYS[lang]),
            "year": str(end.year + 1),
            "other_bike": rng.choice(WORLD[rival].bikes),
            "role": rng.choice(ROLES[lang]),
        },
    )


def _fill(template: str, ctx: Mapping[str, str]) -> str:
    return template.format_map(ctx)


def _tail(
    rng: random.Random,
    lang: str,
    polarity: str,
    ctx: _Context,
    brand: str,
    chance: float,
    extra_tag: str | None = None,
) -> list[str]:
    """Optional hashtags, a brand handle and an emoji, as people add them."""
    bits: list[str] = []
    if rng.random() < chance:
        tags = [*WORLD[brand].hashtags, *GENERIC_TAGS[lang]]
        if ctx["bike"] == "Velora Trail":
            tags.append("#VeloraTrail")
        bits += rng.sample(tags, k=rng.randint(1, 2))
    if extra_tag:
        bits.insert(0, extra_tag)
    if rng.random() < chance * 0.5:
        bits.append(("cc " if lang == "en" else "") + ctx["handle"])
    if rng.random() < chance * 0.7:
        bits.append(rng.choice(EMOJI[polarity]))
    return bits


def _community_text(
    rng: random.Random, lang: str, polarity: str, ctx: _Context, brand: str, chance: float
) -> tuple[str, str]:
    """Opener, one or two aspect sentences, a reaction, then tags: (title, text)."""
    first = rng.choices(list(ASPECT_WEIGHTS), weights=list(ASPECT_WEIGHTS.values()))[0]
    second = rng.choice([a for a in ASPECT_WEIGHTS if a != first])
    parts: list[str] = []
    if rng.random() < 0.8:
        parts.append(rng.choice(OPENERS[lang]))
    parts.append(rng.choice(ASPECTS[lang][first][polarity]))
    if rng.random() < 0.45:
        parts.append(rng.choice(ASPECTS[lang][second][polarity]))
    if rng.random() < 0.8:
        parts.append(rng.choice(REACTIONS[lang][polarity]))
    text = " ".join(_fill(p, ctx) for p in parts)
    if brand not in text:
        text = f"{_fill(rng.choice(OPENERS[lang]), ctx)} {text}"
    text = " ".join([text, *_tail(rng, lang, polarity, ctx, brand, chance)])
    return _fill(rng.choice(TITLES[lang][first]), ctx), text


def _social_text(
    rng: random.Random,
    lang: str,
    polarity: str,
    ctx: _Context,
    brand: str,
    chance: float,
    name_brand: bool = True,
) -> str:
    """A short post: maybe an opener, one aspect, maybe a reaction, then tags."""
    aspect = rng.choices(list(ASPECT_WEIGHTS), weights=list(ASPECT_WEIGHTS.values()))[0]
    parts: list[str] = []
    if rng.random() < 0.45:
        parts.append(rng.choice(OPENERS[lang]))
    parts.append(rng.choice(ASPECTS[lang][aspect][polarity]))
    if rng.random() < 0.7:
        parts.append(rng.choice(REACTIONS[lang][polarity]))
    text = " ".join(_fill(p, ctx) for p in parts)
    if name_brand and brand not in text:
        text = f"{_fill(rng.choice(OPENERS[lang]), ctx)} {text}"
    return " ".join([text, *_tail(rng, lang, polarity, ctx, brand, chance)])


def _episode_text(rng: random.Random, lang: str, polarity: str, ctx: _Context) -> tuple[str, str]:
    """Recall/outage posts: recurring terms and the episode hashtag, in both languages."""
    says = EPISODE_SAYS[lang][polarity]
    parts = [rng.choice(EPISODE_OPENERS[lang])] if rng.random() < 0.5 else []
    parts += rng.sample(says, k=2 if polarity == NEGATIVE and rng.random() < 0.4 else 1)
    if polarity == NEGATIVE and rng.random() < 0.7:
        parts.append(rng.choice(EPISODE_REACTIONS[lang]))
    text = " ".join(_fill(p, ctx) for p in parts)
    if BRAND not in text:
        text = f"{ctx['handle']} {text}"
    tag = EPISODE_TAGS[lang] if rng.random() < 0.75 else None
    text = " ".join([text, *_tail(rng, lang, polarity, ctx, BRAND, 0.5, tag)])
    return _fill(rng.choice(EPISODE_TITLES[lang]), ctx), text


def _news_text(
    rng: random.Random, lang: str, polarity: str, ctx: _Context, episode: bool
) -> tuple[str, str]:
    """A Google-News-style headline and snippet; the query term is sometimes bolded."""
    stories = (EPISODE_NEWS_STORIES if episode else NEWS_STORIES)[lang][polarity]
    title, lead = rng.choice(stories)
    story = ctx.pinned()
    title, parts = _fill(title, story), [_fill(lead, story)]
    if rng.random() < 0.6:
        quotes = EPISODE_QUOTES[lang] if episode else NEWS_QUOTES[lang][polarity]
        parts.append(rng.choice(quotes))
    if rng.random() < 0.5:
        parts.append(rng.choice(NEWS_DETAILS[lang]))
    text = " ".join(_fill(p, ctx) for p in parts)
    if rng.random() < 0.4:
        text = text.replace(ctx["brand"], f"<b>{ctx['brand']}</b>", 1)
    return title, text


def _review_text(rng: random.Random, lang: str, polarity: str, ctx: _Context) -> tuple[str, str]:
    """A blog review: intro, two aspects in the review's tone, a verdict."""
    first, second = rng.sample(list(ASPECT_WEIGHTS), k=2)
    parts = [
        rng.choice(REVIEW_INTROS[lang]),
        rng.choice(ASPECTS[lang][first][polarity]),
        rng.choice(ASPECTS[lang][second][polarity]),
        rng.choice(REVIEW_VERDICTS[lang][polarity]),
    ]
    text = " ".join(_fill(p, ctx) for p in parts)
    return _fill(rng.choice(REVIEW_TITLES[lang][polarity]), ctx), text


def _video_description(rng: random.Random, lang: str, polarity: str, ctx: _Context) -> str:
    """What search.list shows of a review video's description: one aspect and the verdict,
    cut at about 160 characters as YouTube cuts it."""
    aspect = rng.choice(list(ASPECT_WEIGHTS))
    verdict = re.sub(r"</?strong>", "", rng.choice(REVIEW_VERDICTS[lang][polarity]))
    text = f"{_fill(rng.choice(ASPECTS[lang][aspect][polarity]), ctx)} {verdict}"
    if len(text) > 160:
        text = text[:160].rsplit(" ", 1)[0] + " ..."
    return text


def _app_review(
    rng: random.Random, lang: str, polarity: str, ctx: _Context, episode: bool
) -> tuple[str, str, int]:
    """An App Store review of the Velora app: (title, text, stars)."""
    if episode:
        text = _fill(rng.choice(EPISODE_APP_REVIEWS[lang][polarity]), ctx)
    else:
        parts = [rng.choice(ASPECTS[lang]["app"][polarity])]
        if rng.random() < 0.4:
            parts.append(rng.choice(ASPECTS[lang]["battery"][polarity]))
        if rng.random() < 0.6:
            parts.append(rng.choice(REACTIONS[lang][polarity]))
        text = " ".join(_fill(p, ctx) for p in parts)
    stars = {POSITIVE: (5, 5, 5, 4), NEUTRAL: (3, 3, 4, 2), NEGATIVE: (1, 1, 1, 2)}[polarity]
    return rng.choice(APP_REVIEW_TITLES[lang][polarity]), text, rng.choice(stars)


def _community_author(
    rng: random.Random, authors: _Authors, lang: str, brand: str, polarity: str, episode: bool
) -> str:
    """Advocates and detractors take a share of Velora's positive and negative posts."""
    if brand == BRAND and polarity == POSITIVE and rng.random() < (0.15 if episode else 0.3):
        return rng.choice(authors.advocates[lang])
    if brand == BRAND and polarity == NEGATIVE and rng.random() < (0.15 if episode else 0.35):
        return rng.choice(authors.detractors[lang])
    return rng.choices(authors.community[lang], weights=authors.weights[lang])[0]


def _venue(
    rng: random.Random, plan: _Plan, weights: dict[str, float], at: datetime, brand: str, lang: str
) -> str:
    """A venue among those allowed. Without credentials, the share of the venues that need
    them goes to the forums and Mastodon (the small sources would overflow their one page)."""
    options = {v: w for v, w in weights.items() if plan.allows(v, at, brand, lang)}
    if not plan.credentials and "forum" in options:
        locked = sum(w for v, w in weights.items() if v in NEEDS_CREDENTIALS)
        options["forum"] += 0.6 * locked
        if "mastodon" in options:
            options["mastodon"] += 0.4 * locked
    return _pick(rng, options)


def _draft(rng: random.Random, slot: _Slot, authors: _Authors, end: date, plan: _Plan) -> _Draft:
    """Decide language, channel, tone and venue for one slot, then compose its text."""
    brand = slot.brand
    lang = "en" if rng.random() < ENGLISH_SHARE[brand] else "fr"
    ctx = _context(rng, brand, lang, end)
    if slot.kind == "social":
        return _social_official(rng, slot, lang, ctx)
    if slot.kind == "comparison":
        polarity = _polarity(rng, COMPARISON_MIX)
        return _community(rng, slot, authors, plan, lang, polarity, ctx, "comparison")
    if slot.kind == "official":
        return _official(rng, brand, lang, slot.at, ctx, episode=False)
    episode = slot.kind == "episode"
    if episode:
        channel, polarity = _pick(rng, CHANNELS_EPISODE), _polarity(rng, EPISODE_MIX)
    else:
        channels = CHANNELS_VELORA if brand == BRAND else CHANNELS_COMPETITOR
        channel, polarity = _pick(rng, channels), _polarity(rng, POLARITY_MIX[brand])
    if channel == "official":
        return _official(rng, brand, lang, slot.at, ctx, episode)
    if channel == "news":
        outlet_index = rng.randrange(len(OUTLETS[lang]))
        title, text = _news_text(rng, lang, polarity, ctx, episode)
        outlet = OUTLETS[lang][outlet_index]
        author = authors.journalists[lang][3 * outlet_index + rng.randrange(3)]
        if _pick(rng, NEWS_VENUES) == "gdelt" and plan.take("gdelt"):
            # GDELT sees articles in 15-minute steps and gives only their headline.
            seen = slot.at.replace(minute=slot.at.minute // 15 * 15, second=0)
            return _Draft(
                brand,
                lang,
                seen,
                "news",
                title,
                title,
                outlet[0],
                polarity,
                outlet,
                source="gdelt",
                kind="article",
                tier="press",
                handle=outlet[1],
            )
        return _Draft(
            brand, lang, slot.at, "news", f"{title} - {outlet[0]}", text, author, polarity, outlet
        )
    if channel == "review":
        title, text = _review_text(rng, lang, polarity, ctx)
        venue = _venue(rng, plan, REVIEW_VENUES, slot.at, brand, lang)
        if venue == "youtube":
            creator, channel_id = rng.choice(CREATORS[lang])
            text = _video_description(rng, lang, polarity, ctx)
            return _Draft(
                brand,
                lang,
                slot.at,
                "review",
                title,
                text,
                creator,
                polarity,
                source="youtube",
                kind="video",
                place=channel_id,
                tier="press",
                handle=channel_id,
            )
        author = rng.choice(REVIEWERS[lang])
        return _Draft(brand, lang, slot.at, "review", title, text, author, polarity)
    return _community(rng, slot, authors, plan, lang, polarity, ctx, "episode" if episode else "")


def _community(
    rng: random.Random,
    slot: _Slot,
    authors: _Authors,
    plan: _Plan,
    lang: str,
    polarity: str,
    ctx: _Context,
    style: str,  # "" | "episode" | "comparison"
) -> _Draft:
    """A post by a member of the public, on the venue they picked, in that venue's style."""
    brand, at = slot.brand, slot.at
    author = _community_author(rng, authors, lang, brand, polarity, style != "")
    weights = EPISODE_VENUES if style == "episode" else COMMUNITY_VENUES[lang]
    venue = authors.homes.get(author) or _venue(rng, plan, weights, at, brand, lang)
    place = {
        "reddit": rng.choice(SUBREDDITS[lang]),
        "youtube": OFFICIAL_ACCOUNTS[brand].youtube,
        "appstore": STOREFRONTS[lang],
    }.get(venue, "")
    if not plan.take(venue, place if venue == "appstore" else ""):
        venue, place = "forum", ""
    if venue == "appstore":
        title, text, stars = _app_review(rng, lang, polarity, ctx, style == "episode")
        return _Draft(
            brand,
            lang,
            at,
            "community",
            title,
            text,
            author,
            polarity,
            source="appstore",
            kind="review",
            place=place,
            rating=stars,
        )
    long_form = venue in ("forum", "reddit", "hackernews")
    tags_chance = 0.0 if venue == "hackernews" else (0.55 if lang == "en" else 0.3)
    if style == "comparison":
        text = _fill(rng.choice(COMPARISONS[lang][polarity]), ctx)
        tag = rng.choice(WORLD[brand].hashtags) if rng.random() < 0.6 else None
        text = " ".join([text, *_tail(rng, lang, polarity, ctx, brand, 0.4, tag)])
        title = _fill(rng.choice(COMPARISON_TITLES[lang]), ctx)
    elif style == "episode" and (polarity != NEGATIVE or rng.random() < 0.85):
        title, text = _episode_text(rng, lang, polarity, ctx)
    elif long_form:
        title, text = _community_text(rng, lang, polarity, ctx, brand, tags_chance)
        if venue == "forum" and lang == "fr" and rng.random() < 0.25:
            title = f"Re: {title}"
            text = text.replace(". ", ".<br>", 1)
    else:
        owned = venue == "youtube" and brand == BRAND and rng.random() < 0.5
        title = ""
        text = _social_text(
            rng, lang, polarity, ctx, brand, 0.1 if venue == "youtube" else tags_chance, not owned
        )
    if not long_form:
        title = ""
    if venue == "hackernews":
        text = _without_tail(text, brand)  # no hashtags or emoji on Hacker News
    if venue == "mastodon" and not _hashtags(text) & {t.casefold() for t in MASTODON_TAGS}:
        text = f"{text} {WORLD[brand].hashtags[0]}"  # tag timelines only show tagged posts
    tier, handle = "member", ""
    if (
        venue in ("x", "mastodon")
        and rng.random() < INFLUENCER_CHANCE["episode" if style == "episode" else "normal"]
    ):
        author, handle, _ = rng.choice(INFLUENCERS[lang])
        tier = "influencer"
    kind = {
        "forum": "item",
        "hackernews": "story" if rng.random() < 0.4 else "comment",
        "reddit": "post",
        "mastodon": "status",
        "youtube": "comment",
    }.get(venue, "post")
    return _Draft(
        brand,
        lang,
        at,
        "community",
        title,
        text,
        author,
        polarity,
        source="rss" if venue == "forum" else venue,
        kind=kind,
        place=place,
        tier=tier,
        handle=handle,
    )


_TAIL_TOKEN = re.compile(r"\s+(?:#\w+|cc @\w+|@\w+|[^\w\s.,!?…:;'’()«»€£$%-]+)$")


def _without_tail(text: str, brand: str) -> str:
    """The text without the hashtags, handles and emoji people tack on at the end."""
    bare = text
    while (cut := _TAIL_TOKEN.sub("", bare)) != bare:
        bare = cut
    return bare if brand.lower() in bare.lower() else text


def _hashtags(text: str) -> set[str]:
    return {t.casefold() for t in re.findall(r"(?<![\w#])#(\w+)", text)}


def _official(
    rng: random.Random, brand: str, lang: str, at: datetime, ctx: _Context, episode: bool
) -> _Draft:
    """A brand's own newsroom post: competitors' launches, or Velora's recall statement."""
    if episode:
        title, body, polarity = *EPISODE_STATEMENTS[lang], NEUTRAL
        stamp = f"Update {at:%H:%M} UTC:" if lang == "en" else f"Point de {at:%H} h {at:%M} :"
        body = f"{stamp} {body}"
    else:
        polarity = POSITIVE if rng.random() < 0.6 else NEUTRAL
        title, body = rng.choice(OFFICIAL[lang][polarity])
    outlet = (f"{brand} Newsroom", f"newsroom.{WORLD[brand].site}")
    return _Draft(
        brand,
        lang,
        at,
        "official",
        f"{_fill(title, ctx)} - {outlet[0]}",
        _fill(body, ctx),
        brand,
        polarity,
        outlet,
    )


def _social_official(rng: random.Random, slot: _Slot, lang: str, ctx: _Context) -> _Draft:
    """A competitor's own account: an announcement on X, Bluesky or Mastodon, or an upload."""
    brand, account = slot.brand, OFFICIAL_ACCOUNTS[slot.brand]
    polarity = POSITIVE if rng.random() < 0.6 else NEUTRAL
    title, body = (_fill(t, ctx) for t in rng.choice(OFFICIAL[lang][polarity]))
    if slot.venue == "youtube":
        return _Draft(
            brand,
            lang,
            slot.at,
            "social",
            title,
            body,
            account.youtube_title,
            polarity,
            source="youtube",
            kind="video",
            place=account.youtube,
            tier="brand",
            handle=account.youtube,
        )
    tag = WORLD[brand].hashtags[0]
    if slot.venue == "mastodon" or rng.random() < 0.5:
        body = f"{body} {tag}"
    handle = {"x": account.x, "bluesky": account.bluesky, "mastodon": account.mastodon}
    return _Draft(
        brand,
        lang,
        slot.at,
        "social",
        "",
        body,
        account.x_name,
        polarity,
        source=slot.venue,
        kind="status" if slot.venue == "mastodon" else "post",
        tier="brand",
        handle=handle[slot.venue],
    )


def _syndicate(
    rng: random.Random, draft: _Draft, authors: _Authors, stop: datetime
) -> _Draft | None:
    """A news item re-shared in a community feed later: same or near-same text, new guid."""
    at = draft.at + timedelta(hours=rng.randint(1, 7), minutes=rng.randrange(60))
    if at >= stop:
        return None
    text = draft.text
    variant = rng.randrange(3)
    if variant == 1:
        text = re.sub(r"</?b>", "", text)
    elif variant == 2 and draft.outlet:
        text = f"{text} (via {draft.outlet[0]})"
    author = rng.choices(authors.community[draft.lang], weights=authors.weights[draft.lang])[0]
    return replace(draft, at=at, channel="share", text=text, author=author, outlet=None)


def _later(rng: random.Random, at: datetime, low: float, high: float) -> datetime:
    return at + timedelta(seconds=round(rng.uniform(low, high) * 3600))


def _derive(
    rng: random.Random, drafts: list[_Draft], authors: _Authors, plan: _Plan, end: date
) -> list[_Draft]:
    """What people do with posts: competitors' accounts repost and boost praise of them, X
    posts get retweeted, YouTube comments get replies. Each is a mention of its own."""
    derived: list[_Draft] = []

    def add(draft: _Draft) -> None:
        if draft.at < plan.stop:
            derived.append(replace(draft, key=len(drafts) + len(derived)))

    for draft in drafts:
        member = draft.tier in ("member", "influencer")
        if (
            draft.source in ("mastodon", "bluesky")
            and draft.brand in COMPETITORS
            and draft.polarity == POSITIVE
            and member
            and rng.random() < REPOST_CHANCE
        ):
            account = OFFICIAL_ACCOUNTS[draft.brand]
            handle = account.mastodon if draft.source == "mastodon" else account.bluesky
            kind = "boost" if draft.source == "mastodon" else "repost"
            add(
                replace(
                    draft,
                    at=_later(rng, draft.at, 0.5, 8),
                    channel="social",
                    author=account.x_name,
                    kind=kind,
                    tier="brand",
                    handle=handle,
                    parent=draft.key,
                )
            )
        elif draft.source == "x" and draft.kind == "post" and draft.tier != "brand":
            chance = RETWEET_CHANCE * (3 if draft.tier == "influencer" else 1)
            for _ in range(2 if draft.tier == "influencer" else 1):
                if rng.random() >= chance:
                    continue
                fan = rng.choices(
                    authors.community[draft.lang], weights=authors.weights[draft.lang]
                )
                original = draft.handle or member_handle("x", draft.author)
                text = f"RT @{original}: {draft.text}"
                if len(text) > 280:
                    text = text[:279].rstrip() + "…"
                add(
                    replace(
                        draft,
                        at=_later(rng, draft.at, 0.2, 10),
                        channel="share",
                        text=text,
                        author=fan[0],
                        kind="retweet",
                        tier="member",
                        handle="",
                        parent=draft.key,
                    )
                )
        elif draft.source == "youtube" and draft.kind == "comment":
            if rng.random() >= REPLY_CHANCE[draft.polarity]:
                continue
            for _ in range(1 if rng.random() < 0.7 else 2):
                polarity = draft.polarity if rng.random() < 0.7 else NEUTRAL
                ctx = _context(rng, draft.brand, draft.lang, end)
                owned = draft.brand == BRAND
                text = _social_text(rng, draft.lang, polarity, ctx, draft.brand, 0.05, not owned)
                if rng.random() < 0.5:
                    text = f"{rng.choice(REPLY_OPENERS[draft.lang])} {text}"
                fan = rng.choices(
                    authors.community[draft.lang], weights=authors.weights[draft.lang]
                )
                add(
                    replace(
                        draft,
                        at=_later(rng, draft.at, 0.3, 20),
                        title="",
                        text=text,
                        author=fan[0],
                        polarity=polarity,
                        kind="reply",
                        parent=draft.key,
                    )
                )
    return derived


# ---------------------------------------------------------------------------------------------
# Assembly: ids, links, audiences and engagement, in each source's own style.
# ---------------------------------------------------------------------------------------------

NEWS_FEEDS = {("Velora", "en"): NEWS_VELORA_EN, ("Velora", "fr"): NEWS_VELORA_FR}
COMPETITOR_FEEDS = {"Cyclane": NEWS_CYCLANE, "Roulix": NEWS_ROULIX}
TWITTER_EPOCH_MS = 1_288_834_974_657
B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"


def _feed_path(draft: _Draft) -> str:
    if draft.channel in ("news", "official"):
        return NEWS_FEEDS.get((draft.brand, draft.lang)) or COMPETITOR_FEEDS[draft.brand]
    if draft.channel == "review":
        return REVIEWS
    return RIDERS_EN if draft.lang == "en" else FORUM_FR


def _identity(draft: _Draft, feed_path: str, number: int, seed: int, end: date) -> tuple[str, str]:
    """(guid, link) in each feed's own style; both depend only on seed, end and order."""
    slug = _slug(draft.title.rsplit(" - ", 1)[0] if draft.outlet else draft.title)
    if feed_path in (FORUM_FR, RIDERS_EN):
        host = "forum-velo.example" if feed_path == FORUM_FR else "riders.example"
        link = (
            f"{FORUM_BASE}t/{slug}/{number}"
            if feed_path == FORUM_FR
            else f"{RIDERS_BASE}posts/{number}-{slug}"
        )
        return f"tag:{host},{end.year}:post-{number}", link
    if feed_path == REVIEWS:
        link = f"{REVIEWS_BASE}{draft.at:%Y/%m}/{slug}-{number}/"
        return link, link
    assert draft.outlet is not None
    digest = hashlib.sha256(f"{seed}:{end.isoformat()}:{number}".encode()).digest()[:30]
    guid = "CBMi" + urlsafe_b64encode(digest).decode().rstrip("=")
    return guid, f"https://{draft.outlet[1]}/{draft.at:%Y/%m/%d}/{slug}-{number}"


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def _number(*parts: object, digits: int) -> int:
    """A stable number of exactly `digits` digits."""
    low = 10 ** (digits - 1)
    return low + int.from_bytes(_digest(*parts)[:12]) % (9 * low)


def _token(*parts: object, length: int) -> str:
    """A stable id in YouTube's alphabet (letters, digits, - and _)."""
    return urlsafe_b64encode(_digest(*parts)).decode()[:length]


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out or "0"


def bluesky_did(handle: str) -> str:
    return "did:plc:" + b32encode(_digest("did", handle)).decode().lower()[:24]


def _tid(moment: datetime, clock: int) -> str:
    """An AT Protocol record key: microseconds and a clock id, base32-sortable."""
    value = (int(moment.timestamp()) * 1_000_000 << 10) | (clock % 1024)
    return "".join(B32_SORTABLE[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def youtube_channel(handle: str) -> str:
    return "UC" + _token("channel", handle, length=22)


def mastodon_account_id(acct: str) -> str:
    return str(_number("mastodon-account", acct, digits=18))


def _mastodon_acct(draft: _Draft, author: str) -> tuple[str, str]:
    """(acct, instance): brands and influencers are local to the demo's instance."""
    if draft.tier in ("brand", "influencer"):
        username = draft.handle.lower() if draft.tier == "influencer" else draft.handle
        return username, MASTODON_HOME
    instances = MASTODON_INSTANCES[draft.lang]
    instance = instances[_digest("instance", author)[0] % len(instances)]
    username = member_handle("mastodon", author)
    return (username if instance == MASTODON_HOME else f"{username}@{instance}"), instance


def _followers(seed: int, source: str, handle: str, median: float) -> int:
    rng = random.Random(f"{seed}:followers:{source}:{handle}")
    return max(3, round(median * math.exp(rng.gauss(0.0, 1.3))))


def _heavy(rng: random.Random, median: float, sigma: float, boost: float = 1.0) -> int:
    """A log-normal count: most posts get a little, a few get a lot."""
    return max(0, round(median * math.exp(rng.gauss(0.0, sigma)) * boost))


def _slash_comments(guid: str, polarity: str) -> int:
    """A comment count for the RSS Slash module, heavy-tailed and larger on angry posts.

    Derived from the guid so that it never disturbs the seeded random sequences.
    """
    spread = int(hashlib.sha256(guid.encode()).hexdigest()[:8], 16)
    count = (spread % 13) * (1 + spread % 7 // 5 * 9)
    return count * (3 if polarity == NEGATIVE else 1)


def _pacific(moment: datetime) -> str:
    """Apple's review times: US Pacific, with the offset of the day (DST by the US rule)."""
    year = moment.year
    march = datetime(year, 3, 8 + (6 - datetime(year, 3, 8).weekday()) % 7, 10, tzinfo=UTC)
    november = datetime(year, 11, 1 + (6 - datetime(year, 11, 1).weekday()) % 7, 9, tzinfo=UTC)
    hours = -7 if march <= moment < november else -8
    local = moment + timedelta(hours=hours)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"-{-hours:02d}:00"


@dataclass
class _Publisher:
    """Turns sorted drafts into posts: ids in each source's style (time-ordered where the
    source's ids are), the author's account, audience and engagement."""

    seed: int
    end: date
    episode_start: datetime
    children: Counter
    posts: dict[int, DemoPost] = field(default_factory=dict)  # by draft key
    videos: dict[str, list[tuple[datetime, str]]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        # Each channel's back catalogue: weekly videos before the month, that comments go under.
        month_start = datetime.combine(self.end, time(0), tzinfo=UTC) - timedelta(days=40)
        for account in OFFICIAL_ACCOUNTS.values():
            for week in range(1, 7):
                at = month_start - timedelta(days=7 * week - 3, hours=week)
                video = _token("catalogue", account.youtube, week, length=11)
                self.videos[account.youtube].append((at, video))

    def publish(self, draft: _Draft, number: int) -> DemoPost:
        rng = random.Random(f"{self.seed}:{self.end.isoformat()}:{number}")
        boost = 2.5 if draft.polarity == NEGATIVE and draft.at >= self.episode_start else 1.0
        make = getattr(self, f"_{draft.source}")
        post = make(draft, number, rng, boost)
        self.posts[draft.key] = post
        return post

    def _base(self, draft: _Draft, guid: str, path: str, link: str, **fields: object) -> DemoPost:
        values = {"title": draft.title, "text": draft.text, "author": draft.author, **fields}
        return DemoPost(
            guid=guid,
            feed_path=path,
            brand=draft.brand,
            lang=draft.lang,
            published_at=draft.at,
            link=link,
            polarity=draft.polarity,
            source=draft.source,
            kind=draft.kind,
            place=draft.place,
            rating=draft.rating,
            **values,  # type: ignore[arg-type]
        )

    def _parent(self, draft: _Draft) -> DemoPost:
        assert draft.parent is not None
        return self.posts[draft.parent]

    def _rss(self, draft: _Draft, number: int, rng: random.Random, boost: float) -> DemoPost:
        path = _feed_path(draft)
        guid, link = _identity(draft, path, number, self.seed, self.end)
        return self._base(draft, guid, path, link, replies=_slash_comments(guid, draft.polarity))

    def _gdelt(self, draft: _Draft, number: int, rng: random.Random, boost: float) -> DemoPost:
        url = f"https://{draft.handle}/{draft.at:%Y/%m/%d}/{_slug(draft.title)}-{number}"
        return self._base(draft, url, GDELT_PATH, url, handle=draft.handle)

    def _hackernews(self, draft: _Draft, number: int, rng: random.Random, boost: float) -> DemoPost:
        object_id = str(45_800_000 + number * 31 + _digest("hn", number)[0] % 31)
        handle = member_handle("hackernews", draft.author)
        link = f"https://news.ycombinator.com/item?id={object_id}"
        if draft.kind == "comment":
            story = str(45_700_000 + int.from_bytes(_digest("hn-story", draft.title)[:4]) % 99_999)
            return self._base(draft, object_id, HN_PATH, link, handle=handle, parent=story)
        points = max(1, _heavy(rng, 4, 1.4, boost))
        comments = round(points * rng.uniform(0.2, 1.0))
        return self._base(
            draft,
            object_id,
            HN_PATH,
            link,
            handle=handle,
            likes=points,
            replies=comments,
            title=f"Ask HN: {draft.title}",
        )

    def _reddit(self, draft: _Draft, number: int, rng: random.Random, boost: float) -> DemoPost:
        base = int("1ozk000", 36) + number * 37 + _digest("reddit", number)[0] % 37
        post_id = _base36(base)
        slug = _slug(draft.title).replace("-", "_")[:50]
        link = f"https://www.reddit.com/r/{draft.place}/comments/{post_id}/{slug}/"
        score = _heavy(rng, 9, 1.3, boost)
        comments = round(score * rng.uniform(0.15, 0.9))
        crossposts = rng.randint(1, 3) if score > 150 else 0
        return self._base(
            draft,
            f"t3_{post_id}",
            REDDIT_PATH,
            link,
            handle=member_handle("reddit", draft.author),
            likes=score,
            shares=crossposts,
            replies=comments,
        )

    def _mastodon(self, draft: _Draft, number: int, rng: random.Random, boost: float) -> DemoPost:
        acct, instance = _mastodon_acct(draft, draft.author)
        millis = int(draft.at.timestamp() * 1000)
        status_id = str((millis << 16) + number % 65_536)
        if draft.tier == "brand":
            followers = next(a for a in OFFICIAL_ACCOUNTS.values() if a.mastodon == acct)
            audience = followers.mastodon_followers
        elif draft.tier == "influencer":
            audience = next(f for _, h, f in INFLUENCERS[draft.lang] if h == draft.handle) // 4
        else:
            audience = _followers(self.seed, "mastodon", acct, 110)
        if draft.kind == "boost":
            original = self._parent(draft)
            path = MASTODON_STATUSES_PATH.format(mastodon_account_id(acct))
            return self._base(
                draft,
                status_id,
                path,
                original.link,
                handle=acct,
                parent=original.guid,
                followers=audience,
                likes=0,
                shares=0,
                replies=0,
            )
        username = acct.split("@")[0]
        favourites = _heavy(rng, 1 + 0.03 * audience**0.85, 1.0, boost)
        boosts = round(favourites * rng.uniform(0.1, 0.5))
        if self.children[draft.key]:
            boosts = max(boosts, 2 * self.children[draft.key] + 1)
        tags = sorted(_hashtags(draft.text) & {t.casefold() for t in MASTODON_TAGS})
        first = next(t for t in MASTODON_TAGS if t.casefold() in tags) if tags else None
        path = (
            MASTODON_TAG_PATH.format(first)
            if first
            else MASTODON_STATUSES_PATH.format(mastodon_account_id(acct))
        )
        return self._base(
            draft,
            status_id,
            path,
            f"https://{instance}/@{username}/{status_id}",
            handle=acct,
            followers=audience,
            likes=favourites,
            shares=boosts,
            replies=round(favourites * rng.uniform(0.05, 0.3)),
        )

    def _bluesky(self, draft: _Draft, number: int, rng: random.Random, boost: float) -> DemoPost:
        handle = draft.handle or member_handle("bluesky", draft.author)
        if draft.kind == "repost":
            original = self._parent(draft)
            return self._base(
                draft,
                f"{original.guid}#repost-by-{bluesky_did(handle)}",
                BLUESKY_FEED_PATH,
                original.link,
                handle=handle,
                parent=original.guid,
            )
        did, rkey = bluesky_did(handle), _tid(draft.at, number)
        likes = _heavy(rng, 40 if draft.tier == "brand" else 4, 1.2, boost)
        shares = round(likes * rng.uniform(0.05, 0.4))
        if self.children[draft.key]:
            shares = max(shares, 2 * self.children[draft.key] + 1)
        path = BLUESKY_FEED_PATH if draft.tier == "brand" else BLUESKY_SEARCH_PATH
        return self._base(
            draft,
            f"at://{did}/app.bsky.feed.post/{rkey}",
            path,
            f"https://bsky.app/profile/{did}/post/{rkey}",
            handle=handle,
            likes=likes,
            shares=shares,
            replies=round(likes * rng.uniform(0.05, 0.3)),
        )

    def _x(self, draft: _Draft, number: int, rng: random.Random, boost: float) -> DemoPost:
        handle = draft.handle or member_handle("x", draft.author)
        millis = int(draft.at.timestamp() * 1000)
        post_id = str(((millis - TWITTER_EPOCH_MS) << 22) + number % (1 << 22))
        link = f"https://x.com/{handle}/status/{post_id}"
        if draft.tier == "brand":
            audience = next(a.x_followers for a in OFFICIAL_ACCOUNTS.values() if a.x == handle)
        elif draft.tier == "influencer":
            audience = next(f for _, h, f in INFLUENCERS[draft.lang] if h == handle)
        else:
            audience = _followers(self.seed, "x", handle, 180)
        if draft.kind == "retweet":
            original = self._parent(draft)
            return self._base(
                draft,
                post_id,
                X_PATH,
                link,
                handle=handle,
                parent=original.guid,
                followers=audience,
                likes=0,
                shares=original.shares,
                replies=0,
            )
        likes = _heavy(rng, 1 + 0.02 * audience**0.9, 1.0, boost)
        shares = round(likes * rng.uniform(0.06, 0.35))
        if self.children[draft.key]:
            shares = max(shares, 2 * self.children[draft.key] + 1)
        replies = round(likes * rng.uniform(0.03, 0.2) * (1.5 if draft.polarity == NEGATIVE else 1))
        return self._base(
            draft,
            post_id,
            X_PATH,
            link,
            handle=handle,
            followers=audience,
            likes=likes,
            shares=shares,
            replies=replies,
        )

    def _youtube(self, draft: _Draft, number: int, rng: random.Random, boost: float) -> DemoPost:
        if draft.kind == "video":
            video = _token("video", self.seed, self.end, number, length=11)
            self.videos[draft.place].append((draft.at, video))
            return self._base(
                draft,
                video,
                YOUTUBE_SEARCH_PATH,
                f"https://www.youtube.com/watch?v={video}",
                handle=draft.handle,
            )
        handle = member_handle("youtube", draft.author)
        if draft.kind == "reply":
            top = self._parent(draft)
            reply_id = f"{top.guid}.{_token('reply', self.seed, number, length=22)}"
            link = f"https://www.youtube.com/watch?v={top.parent}&lc={reply_id}"
            return self._base(
                draft,
                reply_id,
                YOUTUBE_THREADS_PATH,
                link,
                handle=handle,
                parent=top.guid,
                likes=_heavy(rng, 1, 1.0, boost),
            )
        earlier = [v for v in self.videos[draft.place] if v[0] < draft.at]
        recent = sorted(earlier)[-4:]
        video = rng.choices([v for _, v in recent], weights=range(1, len(recent) + 1))[0]
        comment_id = "Ug" + rng.choice("wxyz") + _token("comment", number, length=17) + "AaABAg"
        link = f"https://www.youtube.com/watch?v={video}&lc={comment_id}"
        return self._base(
            draft,
            comment_id,
            YOUTUBE_THREADS_PATH,
            link,
            handle=handle,
            parent=video,
            likes=_heavy(rng, 2, 1.5, boost),
            replies=self.children[draft.key] + rng.randint(0, 2),
        )

    def _appstore(self, draft: _Draft, number: int, rng: random.Random, boost: float) -> DemoPost:
        review_id = str(13_100_000_000 + number * 97 + _digest("review", number)[0] % 97)
        reviewer = str(_number("reviewer", draft.author, digits=10))
        link = f"https://apps.apple.com/{draft.place}/app/id{APPSTORE_APP_ID}#review-{review_id}"
        path = APPSTORE_PATH.format(country=draft.place, page=1, app=APPSTORE_APP_ID)
        return self._base(
            draft, review_id, path, link, handle=reviewer, likes=_heavy(rng, 1, 1.3, boost)
        )


def build_corpus(
    end: date, days: int = 28, seed: int = 7, *, credentials: bool = False
) -> list[DemoPost]:
    """Posts published in [end - days, end) UTC, sorted by published_at.

    `credentials=True` also uses the paths that need credentials: X search, YouTube and
    Bluesky search (`vigie demo` serves them with placeholder secrets).
    """
    rng = random.Random(seed)
    authors = _make_authors(rng)
    stop = datetime.combine(end, time(0), tzinfo=UTC)
    window = episode_window(end)
    plan = _Plan(credentials, x_window(end)[0], stop)
    slots: list[_Slot] = []
    for offset in range(days, 0, -1):
        day = stop - timedelta(days=offset)
        slots += _day_slots(rng, day, window, last_day=offset == 1)
    slots = [
        s
        for s in slots
        if s.kind != "social" or plan.allows(s.venue, s.at, s.brand, "en", own=True)
    ]
    drafts = [_draft(rng, slot, authors, end, plan) for slot in slots]
    for draft in list(drafts):
        if draft.channel == "news" and draft.source == "rss" and rng.random() < SYNDICATION_RATE:
            copy = _syndicate(rng, draft, authors, stop)
            if copy is not None:
                drafts.append(copy)
    drafts = [replace(d, key=i) for i, d in enumerate(drafts)]
    drafts += _derive(rng, drafts, authors, plan, end)
    drafts.sort(key=lambda d: d.at)  # stable: ties keep generation order
    children = Counter(d.parent for d in drafts if d.parent is not None)
    publisher = _Publisher(seed, end, window[0], children)
    return [publisher.publish(draft, number) for number, draft in enumerate(drafts, start=10_001)]


# ---------------------------------------------------------------------------------------------
# Owned channels: the brand's Facebook Page, Instagram account and LinkedIn organization, the
# customers' comments under its posts, and the community team's answers.
# ---------------------------------------------------------------------------------------------

OWNED_SOURCES = ("facebook", "instagram", "linkedin")
OWNED_KINDS = {source: ("post", "comment", "reply") for source in OWNED_SOURCES}
GRAPH_VERSION = "v25.0"
LINKEDIN_VERSION = "202610"


@dataclass(frozen=True)
class _OwnedAccounts:
    """A brand's accounts on the owned-channel platforms, and where its audience starts."""

    page_id: str  # Facebook Page id
    page_name: str
    ig_user_id: str  # Instagram business account id
    ig_username: str
    organization: str | None  # LinkedIn organization URN (None: no LinkedIn page)
    followers: dict[str, int]  # per source, on the first day of the demo month
    daily_gain: dict[str, float]  # mean net new followers a day, per source


OWNED_ACCOUNTS = {
    "Velora": _OwnedAccounts(
        "104857362910482", "Velora Bikes", "17841400008460056", "velorabikes",
        "urn:li:organization:10438562",
        {"facebook": 48_210, "instagram": 23_877, "linkedin": 18_230},
        {"facebook": 21.0, "instagram": 38.0, "linkedin": 9.0},
    ),
    "Cyclane": _OwnedAccounts(
        "231908475561203", "Cyclane", "17841401234567890", "cyclane.bikes",
        "urn:li:organization:20731145",
        {"facebook": 39_450, "instagram": 31_020, "linkedin": 11_940},
        {"facebook": 17.0, "instagram": 52.0, "linkedin": 6.0},
    ),
    "Roulix": _OwnedAccounts(
        "318840027719654", "Roulix", "17841402468013579", "roulix_official",
        None,
        {"facebook": 16_880, "instagram": 14_310},
        {"facebook": 6.0, "instagram": 19.0},
    ),
}  # fmt: skip
# How often the brand posts (days between posts) and how many comments a post draws (median).
OWNED_EVERY_DAYS = {"facebook": 2, "instagram": 2, "linkedin": 4}
OWNED_COMMENTS = {"facebook": 3.0, "instagram": 2.0, "linkedin": 1.5}
OWNED_MIX = {"praise": 0.5, "question": 0.33, "complaint": 0.17}
OWNED_EPISODE_MIX = {"praise": 0.04, "question": 0.26, "complaint": 0.70}
# The community team works from Paris: weekdays 08:30-20:00 and a Saturday shift, so most
# answers land inside the watchlist's default business hours (Mon-Fri 09:00-18:00 Paris) and
# some just outside them. Sundays wait for Monday.
TEAM_ZONE = "Europe/Paris"
TEAM_SHIFTS = {0: (8.5, 20), 1: (8.5, 20), 2: (8.5, 20), 3: (8.5, 20), 4: (8.5, 20), 5: (10, 17)}
ANSWER_CHANCE = {"normal": 0.86, "episode": 0.6}  # of the comments that call for an answer
THANKS_CHANCE = 0.15  # the team also thanks some of the praise
ANSWER_MEDIAN_MINUTES = {"normal": 55.0, "episode": 150.0}  # once someone is at the desk
LONG_TAIL = (0.1, 4.0, 12.0)  # a tenth of the answers wait 4-12 times longer

OWNED_QUESTIONS: dict[str, tuple[str, ...]] = {
    "en": (
        "How do I update the {app} app on my {bike}?",
        "How long does the battery of the {bike} last? I ride {km} km a day.",
        "How much is a spare charger for the {bike}?",
        "What is the delivery time for a {bike} in {city}?",
        "Why does the {app} app ask me to pair the bike again every {days} days?",
        "How can I book a service appointment in {city}?",
        "Is there a child seat that fits the {bike}? Can you help?",
    ),
    "fr": (
        "Comment mettre à jour l'appli {app} sur mon {bike} ?",
        "Combien de temps tient la batterie du {bike} ? Je fais {km} km par jour.",
        "Pouvez-vous me dire le prix d'un chargeur pour le {bike} ?",
        "Quel est le délai de livraison d'un {bike} à {city} ?",
        "Pourquoi l'appli {app} me demande de réassocier le vélo tous les {days} jours ?",
        "Comment prendre rendez-vous pour une révision à {city} ?",
        "Est-ce qu'il existe un siège enfant compatible avec le {bike} ?",
    ),
}
OWNED_EPISODE_QUESTIONS: dict[str, tuple[str, ...]] = {
    "en": (
        "How do I know if my {bike} battery is part of the recall? Bought it {weeks} weeks ago.",
        "How long will the replacement take? I ride {km} km a day to work.",
        "What is the serial number range of the recalled batteries?",
        "How can I get a refund instead of a replacement? Can you help?",
        "Why can't I book a slot in {city}? Is there a phone number?",
    ),
    "fr": (
        "Comment savoir si ma batterie {bike} est concernée par le rappel ? Achetée il y a "
        "{weeks} semaines.",
        "Combien de temps pour le remplacement ? Je fais {km} km par jour pour travailler.",
        "Pouvez-vous donner les numéros de série concernés ?",
        "Comment obtenir un remboursement plutôt qu'un remplacement ?",
        "Pourquoi impossible de réserver un créneau à {city} ? Y a-t-il un numéro à appeler ?",
    ),
}
# How a question may start.
OWNED_OPENERS = {
    "en": ("", "", "Hi!", "Hello,", "Quick question.", "Honestly,", "{city} here."),
    "fr": ("", "", "Bonjour,", "Salut !", "Bonsoir,", "Franchement,", "Depuis {city} :"),
}
# The team's answers: thanks and a way forward, never a question back (it would read as one
# more request) and no apology words, which sentiment scoring takes for complaints.
OWNED_ANSWERS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "praise": ("Thank you {first}, enjoy the ride!", "Thanks {first}, that made our day."),
        "question": (
            "Hi {first}, you will find it in the app under Settings > Bike. We have sent you "
            "the details by private message.",
            "Hi {first}, thanks for asking! We have sent you the details by private message.",
        ),
        "complaint": (
            "Hi {first}, thanks for letting us know. Please send us your order number by "
            "private message and we will sort it out.",
            "Thanks {first}, our support team has your case and will call you today.",
        ),
        "recall": (
            "Hi {first}, check your serial number on {site}/recall; the replacement is free "
            "and we are adding appointments every day.",
            "Thanks {first}. Our support team will call you today to book your free replacement.",
        ),
    },
    "fr": {
        "praise": ("Merci {first}, bonne route !", "Merci beaucoup {first}, ça nous fait plaisir."),
        "question": (
            "Bonjour {first}, c'est dans l'appli, rubrique Réglages > Vélo. Nous vous avons "
            "envoyé les détails en message privé.",
            "Bonjour {first}, merci pour votre question ! Détails envoyés en message privé.",
        ),
        "complaint": (
            "Bonjour {first}, merci pour votre retour. Envoyez-nous votre numéro de commande "
            "en message privé, nous nous en occupons.",
            "Merci {first}, notre SAV a votre dossier et vous rappelle aujourd'hui.",
        ),
        "recall": (
            "Bonjour {first}, vérifiez votre numéro de série sur {site}/rappel : le "
            "remplacement est gratuit et nous ouvrons des créneaux chaque jour.",
            "Merci {first}, notre SAV vous rappelle aujourd'hui pour fixer votre remplacement "
            "gratuit.",
        ),
    },
}
OWNED_POLARITY = {"praise": POSITIVE, "question": NEUTRAL, "complaint": NEGATIVE}


def _shift(day: date, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    hours = TEAM_SHIFTS.get(day.weekday())
    if hours is None:
        return None
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    return tuple(midnight + timedelta(hours=h) for h in hours)  # type: ignore[return-value]


def _team_open(moment: datetime) -> bool:
    zone = ZoneInfo(TEAM_ZONE)
    shift = _shift(moment.astimezone(zone).date(), zone)
    return shift is not None and shift[0] <= moment < shift[1]


def _next_opening(moment: datetime) -> datetime:
    """When the community team is next at its desk, from `moment` (itself if it is)."""
    zone = ZoneInfo(TEAM_ZONE)
    day = moment.astimezone(zone).date()
    while True:
        shift = _shift(day, zone)
        if shift is not None and moment < shift[1]:
            return max(shift[0], moment).astimezone(UTC)
        day += timedelta(days=1)


def answer_time(rng: random.Random, at: datetime, phase: str) -> datetime:
    """When the team answers a comment posted at `at`: a log-normal wait once someone is at
    the desk (longer during the crisis), a long tail, and nights and weekends wait for
    the next shift in Paris."""
    wait = ANSWER_MEDIAN_MINUTES[phase] * math.exp(rng.gauss(0.0, 0.7))
    if rng.random() < LONG_TAIL[0]:
        wait *= rng.uniform(*LONG_TAIL[1:])
    start = _next_opening(at)
    if start > at:  # the first answers of the morning go quicker than the afternoon's
        wait *= 0.6
    answered = start + timedelta(minutes=max(4.0, wait))
    if not _team_open(answered):  # an answer never lands at night: it waits for the desk
        answered = _next_opening(answered) + timedelta(minutes=rng.uniform(5, 40))
    return answered.replace(microsecond=0)


@dataclass(frozen=True)
class OwnedThread:
    """What the corpus intends for one customer comment: its kind and the team's answer."""

    guid: str
    source: str
    kind: str  # "praise" | "question" | "complaint"
    published_at: datetime
    answered_at: datetime | None  # None: never answered (or not before the run)


def _owned_ids(seed: int, end: date, source: str, number: int) -> dict[str, str]:
    return {
        "facebook": str(_number("fb-post", seed, end, number, digits=16)),
        "instagram": str(_number("ig-media", seed, end, number, digits=17)),
        "linkedin": str(_number("li-share", seed, end, number, digits=19)),
    }


def _owned_post(
    rng: random.Random, source: str, at: datetime, lang: str, seed: int, end: date, episode: bool
) -> DemoPost:
    """One of Velora's own posts: a product or store announcement, or the recall statement."""
    account = OWNED_ACCOUNTS[BRAND]
    ctx = _context(rng, BRAND, lang, end)
    if episode:
        _title, body = (_fill(t, ctx) for t in EPISODE_STATEMENTS[lang])
        polarity = NEUTRAL
    else:
        polarity = POSITIVE if rng.random() < 0.7 else NEUTRAL
        _title, body = (_fill(t, ctx) for t in rng.choice(OFFICIAL[lang][polarity]))
    number = int(at.timestamp())
    ident = _owned_ids(seed, end, source, number)[source]
    reach = {"facebook": 60.0, "instagram": 180.0, "linkedin": 25.0}[source]
    likes = _heavy(rng, reach, 0.6, 3.0 if episode else 1.0)
    if source == "facebook":
        guid, handle = f"{account.page_id}_{ident}", account.page_id
        link = f"https://www.facebook.com/{account.page_id}/posts/{ident}"
        author = account.page_name
    elif source == "instagram":
        guid, handle, author = ident, account.ig_user_id, account.ig_username
        body = f"{body} {' '.join(WORLD[BRAND].hashtags)}"
        link = f"https://www.instagram.com/p/{_token('ig-code', ident, length=11)}/"
    else:
        assert account.organization is not None
        guid, handle, author = f"urn:li:share:{ident}", account.organization, account.page_name
        link = f"https://www.linkedin.com/feed/update/{guid}/"
    return DemoPost(
        guid=guid,
        feed_path=source,
        brand=BRAND,
        lang=lang,
        published_at=at,
        title="",
        text=body,
        author=author,
        link=link,
        polarity=polarity,
        source=source,
        kind="post",
        handle=handle,
        likes=likes,
        shares=round(likes * rng.uniform(0.02, 0.12)) if source == "facebook" else None,
    )


def _person(rng: random.Random, lang: str, source: str, seed: int) -> tuple[str, str]:
    """(display name, platform id) of a customer."""
    name = f"{rng.choice(FIRST_NAMES[lang])} {rng.choice(LAST_NAMES[lang])}"
    if source == "facebook":
        return name, str(_number("fb-user", seed, name, digits=13))
    if source == "instagram":
        return name, str(_number("ig-user", seed, name, digits=17))
    return name, "urn:li:person:" + _token("li-person", seed, name, length=10).replace("-", "x")


def _owned_comment_id(post: DemoPost, number: int) -> str:
    if post.source == "facebook":
        return f"{post.guid.split('_')[1]}_{1000 + number}"
    if post.source == "instagram":
        return str(_number("ig-comment", post.guid, number, digits=17))
    activity = "urn:li:activity:" + str(_number("li-activity", post.guid, digits=19))
    return f"urn:li:comment:({activity},{_number('li-comment', post.guid, number, digits=19)})"


def _owned_reply(post: DemoPost, comment: DemoPost, number: int, text: str, at: datetime):
    account = OWNED_ACCOUNTS[BRAND]
    author = {"facebook": account.page_name, "instagram": account.ig_username}
    return replace(
        comment,
        guid=_owned_comment_id(post, number),
        published_at=at,
        text=text,
        author=author.get(post.source, account.page_name),
        handle=post.handle,
        polarity=NEUTRAL,
        kind="reply",
        parent=comment.guid,
        likes=1 if comment.likes else 0,
        replies=0,
    )


def build_owned(
    end: date, days: int = 28, seed: int = 7
) -> tuple[list[DemoPost], list[OwnedThread]]:
    """Velora's own posts on Facebook, Instagram and LinkedIn in [end - days, end), the
    comments under them and the team's answers, sorted by published_at; and, per customer
    comment, what it is and when it was answered (for checking the response metrics).

    Its own seeded generator: the listening corpus of `build_corpus` is unchanged by it.
    """
    rng = random.Random(f"{seed}:{end.isoformat()}:owned")
    stop = datetime.combine(end, time(0), tzinfo=UTC)
    episode_start = episode_window(end)[0]
    posts: list[DemoPost] = []
    threads: list[OwnedThread] = []
    for source in OWNED_SOURCES:
        # Every few days in office hours; the social media team does not post on Sundays.
        moments = [
            _at_hour(rng, stop - timedelta(days=offset), OFFICE_HOURS)
            for offset in range(days, 0, -1)
            if offset % OWNED_EVERY_DAYS[source] == 0
            and (stop - timedelta(days=offset)).weekday() != 6
        ]
        # The recall statement goes out on every channel an hour after the story breaks, and
        # an update the next morning.
        moments.append(episode_start + timedelta(minutes=50 + rng.randrange(40)))
        moments.append(stop - timedelta(hours=16, minutes=rng.randrange(60)))
        for at in sorted(moments):
            episode = at >= episode_start
            lang = "en" if rng.random() < ENGLISH_SHARE[BRAND] else "fr"
            post = _owned_post(rng, source, at, lang, seed, end, episode)
            drafted = _owned_thread(rng, post, stop, episode_start, seed, end)
            posts += [replace(post, replies=sum(1 for p, _ in drafted if p.kind == "comment"))]
            posts += [p for p, _ in drafted]
            threads += [t for _, t in drafted if t is not None]
    return sorted(posts, key=lambda p: (p.published_at, p.guid)), threads


def _owned_text(rng: random.Random, lang: str, kind: str, ctx: _Context, phase: str) -> str:
    """A customer's comment under the brand's post. Praise and complaints are composed like
    the community's social posts (during the recall, like its recall posts); questions ask
    one of the usual things, then say a little more."""
    episode = phase == "episode"
    if kind == "question":
        bank = OWNED_EPISODE_QUESTIONS if episode else OWNED_QUESTIONS
        opener = rng.choice(OWNED_OPENERS[lang])
        parts = [opener, rng.choice(bank[lang])]
        if rng.random() < 0.6:
            parts.append(_social_text(rng, lang, NEUTRAL, ctx, BRAND, 0.0, name_brand=False))
        return " ".join(_fill(part, ctx) for part in parts if part)
    polarity = OWNED_POLARITY[kind]
    if episode and kind == "complaint":
        return _episode_text(rng, lang, NEGATIVE, ctx)[1]
    return _social_text(rng, lang, polarity, ctx, BRAND, 0.05, name_brand=False)


def _owned_thread(
    rng: random.Random,
    post: DemoPost,
    stop: datetime,
    episode_start: datetime,
    seed: int,
    end: date,
) -> list[tuple[DemoPost, OwnedThread | None]]:
    """The comments under one post, each followed by the team's answer when there is one."""
    statement = post.published_at >= episode_start
    count = _heavy(rng, OWNED_COMMENTS[post.source], 0.5, 5.0 if statement else 1.0)
    out: list[tuple[DemoPost, OwnedThread | None]] = []
    number = 0
    for _ in range(count):
        # Most comments come within hours, some days later.
        at = post.published_at + timedelta(minutes=3 + 100 * rng.expovariate(1.0))
        if rng.random() < 0.15:
            at += timedelta(days=rng.uniform(1, 4))
        at = at.replace(microsecond=0)
        if at >= stop:
            continue
        phase = "episode" if at >= episode_start else "normal"
        lang = post.lang if rng.random() < 0.8 else ("fr" if post.lang == "en" else "en")
        kind = _pick(rng, OWNED_EPISODE_MIX if phase == "episode" else OWNED_MIX)
        text = _owned_text(rng, lang, kind, _context(rng, BRAND, lang, end), phase)
        name, handle = _person(rng, lang, post.source, seed)
        number += 1
        comment = DemoPost(
            guid=_owned_comment_id(post, number),
            feed_path=post.source,
            brand=BRAND,
            lang=lang,
            published_at=at,
            title="",
            text=text,
            author=name,
            link=post.link,
            polarity=OWNED_POLARITY[kind],
            source=post.source,
            kind="comment",
            handle=handle,
            place=post.guid,
            parent=post.guid,
            likes=_heavy(rng, 1.5, 1.0, 2.0 if kind == "complaint" else 1.0),
            replies=0,
        )
        answered: datetime | None = None
        wanted = kind != "praise" and rng.random() < ANSWER_CHANCE[phase]
        if wanted or (kind == "praise" and rng.random() < THANKS_CHANCE):
            answered = answer_time(rng, at, phase)
        if answered is not None and answered >= stop:
            answered = None  # the run comes before the team got to it
        reply = None
        if answered is not None:
            topic = "recall" if phase == "episode" and kind != "praise" else kind
            first = name.split()[0]
            template = rng.choice(OWNED_ANSWERS[lang][topic])
            number += 1
            reply = _owned_reply(
                post,
                comment,
                number,
                template.format(first=first, site=WORLD[BRAND].site),
                answered,
            )
            comment = replace(comment, replies=1)
        out.append((comment, OwnedThread(comment.guid, post.source, kind, at, answered)))
        if reply is not None:
            out.append((reply, None))
    return out


# Competitors' Mastodon and Bluesky accounts, whose posts the listening corpus already has:
# where they start the month (Mastodon ends near the count its statuses show) and their gain.
SOCIAL_AUDIENCE = {
    ("mastodon", "Cyclane"): (2_240, 2.5),
    ("mastodon", "Roulix"): (1_150, 1.0),
    ("bluesky", "Cyclane"): (5_830, 9.0),
    ("bluesky", "Roulix"): (3_410, 4.0),
}


def follower_counts(end: date, days: int = 28, seed: int = 7) -> dict[tuple[str, str], list[int]]:
    """Followers of each brand's own accounts on each day of [end - days, end), keyed by
    (source, brand): steady growth with day-to-day noise, quieter weekends, and for Velora
    a wave of unfollows with the recall (its rivals pick up a few of them)."""
    stop = datetime.combine(end, time(0), tzinfo=UTC)
    episode_start = episode_window(end)[0]
    counts: dict[tuple[str, str], list[int]] = {}
    accounts_of = [
        (brand, source, start, owned.daily_gain[source])
        for brand, owned in OWNED_ACCOUNTS.items()
        for source, start in owned.followers.items()
    ] + [(brand, source, start, gain) for (source, brand), (start, gain) in SOCIAL_AUDIENCE.items()]
    for brand, source, start, mean in accounts_of:
        rng = random.Random(f"{seed}:{end.isoformat()}:followers:{source}:{brand}")
        level, series = start, []
        for offset in range(days, 0, -1):
            day = stop - timedelta(days=offset)
            series.append(level)
            gain = rng.gauss(mean, mean * 0.45) * WEEKDAY_FACTOR[day.weekday()]
            if day + timedelta(days=1) > episode_start:
                gain = -6 * mean * rng.uniform(0.8, 1.2) if brand == BRAND else gain * 1.6
            level = max(0, level + round(gain))
        counts[(source, brand)] = series
    return counts


# ---------------------------------------------------------------------------------------------
# Rendering.
# ---------------------------------------------------------------------------------------------

FEED_HOMES = {
    NEWS_VELORA_EN: ("https://news.example/search?q=Velora&hl=en-GB", "en-GB"),
    NEWS_VELORA_FR: ("https://news.example/search?q=Velora&hl=fr", "fr"),
    NEWS_CYCLANE: ("https://news.example/search?q=Cyclane", ""),
    NEWS_ROULIX: ("https://news.example/search?q=Roulix", ""),
    FORUM_FR: (FORUM_BASE, "fr"),
    RIDERS_EN: (RIDERS_BASE, "en"),
    REVIEWS: (REVIEWS_BASE, ""),
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _el(tag: str, text: str, **attrs: str) -> str:
    attributes = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    return f"<{tag}{attributes}>{escape(text)}</{tag}>"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


SLASH_NS = 'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'


def _comments(post: DemoPost) -> str:
    """The Slash module's comment count (see `_slash_comments`)."""
    return str(post.replies if post.replies is not None else 0)


def _rss2(feed: DemoFeed, posts: list[DemoPost], base_url: str) -> str:
    home, language = FEED_HOMES[feed.path]
    newest = posts[0].published_at if posts else EPOCH
    head = [
        _el("title", feed.title),
        _el("link", home),
        f'<atom:link href={quoteattr(base_url + feed.path)} rel="self" '
        'type="application/rss+xml"/>',
        _el("description", "Google News" if feed.lang != "fr" else "Google Actualités"),
        _el("language", language) if language else "",
        _el("lastBuildDate", format_datetime(newest, usegmt=True)),
    ]
    items = []
    for post in posts:
        source_name = post.title.rsplit(" - ", 1)[-1]
        source_home = "https://" + post.link.split("/")[2]
        items.append(
            "<item>"
            + "".join(
                (
                    _el("title", post.title),
                    _el("link", post.link),
                    _el("guid", post.guid, isPermaLink="false"),
                    _el("pubDate", format_datetime(post.published_at, usegmt=True)),
                    _el("description", post.text),
                    _el("dc:creator", post.author),
                    _el("dc:language", post.lang) if feed.lang == "mixed" else "",
                    _el("source", source_name, url=source_home),
                    _el("slash:comments", _comments(post)),
                )
            )
            + "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" '
        + SLASH_NS
        + "><channel>"
        + "".join(head)
        + "\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )


def _atom(feed: DemoFeed, posts: list[DemoPost], base_url: str) -> str:
    home, language = FEED_HOMES[feed.path]
    relative = feed.path == FORUM_FR
    newest = posts[0].published_at if posts else EPOCH
    host = home.split("/")[2]
    head = [
        _el("title", feed.title),
        _el("id", f"tag:{host},2020:feed"),
        _el("updated", _rfc3339(newest)),
        f'<link rel="self" type="application/atom+xml" href={quoteattr(base_url + feed.path)}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr("/" if relative else home)}/>',
    ]
    entries = []
    for post in posts:
        href = "/" + post.link.removeprefix(FORUM_BASE) if relative else post.link
        stamp = _rfc3339(post.published_at)
        entries.append(
            "<entry>"
            + "".join(
                (
                    _el("id", post.guid),
                    _el("title", post.title),
                    f'<link rel="alternate" type="text/html" href={quoteattr(href)}/>',
                    _el("published", stamp),
                    _el("updated", stamp),
                    "<author>" + _el("name", post.author) + "</author>",
                    _el("content", post.text, type="html"),
                    _el("slash:comments", _comments(post)),
                )
            )
            + "</entry>"
        )
    base = f" xml:base={quoteattr(FORUM_BASE)}" if relative else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" {SLASH_NS} xml:lang="{language}"{base}>'
        + "".join(head)
        + "\n"
        + "\n".join(entries)
        + "\n</feed>\n"
    )


def _rss1(feed: DemoFeed, posts: list[DemoPost], base_url: str) -> str:
    home, _ = FEED_HOMES[feed.path]
    newest = posts[0].published_at if posts else EPOCH
    seq = "".join(f"<rdf:li rdf:resource={quoteattr(p.link)}/>" for p in posts)
    channel = (
        f"<channel rdf:about={quoteattr(base_url + feed.path)}>"
        + _el("title", feed.title)
        + _el("link", home)
        + _el("description", "Tests et essais de vélos électriques / e-bike reviews")
        + _el("dc:date", _rfc3339(newest))
        + f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>"
    )
    items = []
    for post in posts:
        items.append(
            f"<item rdf:about={quoteattr(post.link)}>"
            + "".join(
                (
                    _el("title", post.title),
                    _el("link", post.link),
                    _el("description", post.text),
                    _el("dc:date", _rfc3339(post.published_at)),
                    _el("dc:creator", post.author),
                    _el("dc:language", post.lang),
                    _el("slash:comments", _comments(post)),
                )
            )
            + "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        + SLASH_NS
        + ">"
        + channel
        + "\n"
        + "\n".join(items)
        + "\n</rdf:RDF>\n"
    )


RENDERERS: dict[str, Callable[[DemoFeed, list[DemoPost], str], str]] = {
    "rss2": _rss2,
    "atom": _atom,
    "rss1": _rss1,
}


def _rss_routes(posts: list[DemoPost], base_url: str) -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for feed in FEEDS:
        mine = sorted(
            (p for p in posts if p.feed_path == feed.path),
            key=lambda p: (p.published_at, p.guid),
            reverse=True,
        )
        body = RENDERERS[feed.format](feed, mine, base_url)
        routes[feed.path] = (CONTENT_TYPES[feed.format], body.encode("utf-8"))
    return routes


# --- JSON APIs: shared helpers ----------------------------------------------------------------


def _json(data: object, *, pretty: bool = False) -> bytes:
    if pretty:  # YouTube indents its answers
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _newest_first(posts: Iterable[DemoPost]) -> list[DemoPost]:
    return sorted(posts, key=lambda p: (p.published_at, p.guid), reverse=True)


def _names(word: str, post: DemoPost) -> bool:
    """Whether a search for `word` finds the post (whole word, any case, in hashtags and
    @-mentions too)."""
    pattern = rf"(?<!\w){re.escape(word)}(?!\w)"
    return re.search(pattern, f"{post.title} {post.text}", re.IGNORECASE) is not None


PageRender = Callable[[list, str | None, int, int], bytes]


def _paged(
    items: list,
    size: int,
    param: str,
    render: PageRender,
    token_of: Callable[[int, list], str],
    first_token: str = "",
) -> Paged:
    """Pages of `size` items; render(items, next token, page index, page count) -> body."""
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
    tokens = [first_token] + [token_of(i, chunks[i - 1]) for i in range(1, len(chunks))]
    pages = tuple(
        (tokens[i], render(chunk, tokens[i + 1] if i + 1 < len(chunks) else None, i, len(chunks)))
        for i, chunk in enumerate(chunks)
    )
    return Paged(JSON_TYPE, param, pages, render([], None, len(chunks), len(chunks)))


def _opaque(*parts: object) -> str:
    return _token("page", *parts, length=24).replace("-", "x").replace("_", "y")


# --- GDELT DOC 2.0 ArtList ------------------------------------------------------------------


def _gdelt_body(posts: list[DemoPost]) -> bytes:
    if not posts:
        return _json({})  # GDELT's answer when nothing matched
    articles = [
        {
            "url": p.link,
            "url_mobile": "",
            "title": p.title,
            "seendate": p.published_at.strftime("%Y%m%dT%H%M%SZ"),
            "socialimage": f"https://{p.handle}/images/{_slug(p.title)[:40]}.jpg",
            "domain": p.handle,
            "language": GDELT_LANGUAGES[p.lang],
            "sourcecountry": GDELT_COUNTRIES[p.lang],
        }
        for p in sorted(posts, key=lambda p: (p.published_at, p.guid))  # sort=DateAsc
    ]
    return _json({"articles": articles})


# --- Hacker News (Algolia search_by_date) -----------------------------------------------------


def _hn_html(text: str) -> str:
    """HN's comment and story text: escaped, one <p> per sentence group."""
    escaped = html.escape(text).replace("/", "&#x2F;")
    return "<p>".join(escaped.split("<br>"))


def _highlight(value: str, word: str) -> dict:
    marked, count = re.subn(rf"(?i)\b({re.escape(word)})\b", r"<em>\1</em>", value)
    level = "full" if count else "none"
    return {"matchLevel": level, "matchedWords": [word.lower()] if count else [], "value": marked}


def _hn_hit(post: DemoPost, query: str) -> dict:
    stamp = int(post.published_at.timestamp())
    when = _rfc3339(post.published_at)
    if post.kind == "comment":
        assert post.parent is not None
        body = _hn_html(post.text)
        return {
            "_highlightResult": {
                "author": _highlight(post.handle, query),
                "comment_text": _highlight(body, query),
                "story_title": _highlight(post.title, query),
            },
            "_tags": ["comment", f"author_{post.handle}", f"story_{post.parent}"],
            "author": post.handle,
            "children": [],
            "comment_text": body,
            "created_at": when,
            "created_at_i": stamp,
            "objectID": post.guid,
            "parent_id": int(post.parent),
            "story_id": int(post.parent),
            "story_title": post.title,
            "story_url": None,
            "updated_at": when,
        }
    body = _hn_html(post.text)
    return {
        "_highlightResult": {
            "author": _highlight(post.handle, query),
            "story_text": _highlight(body, query),
            "title": _highlight(post.title, query),
        },
        "_tags": ["story", f"author_{post.handle}", f"story_{post.guid}", "ask_hn"],
        "author": post.handle,
        "children": [],
        "created_at": when,
        "created_at_i": stamp,
        "num_comments": post.replies,
        "objectID": post.guid,
        "points": post.likes,
        "story_id": int(post.guid),
        "story_text": body,
        "title": post.title,
        "updated_at": when,
    }


def _hackernews_route(posts: list[DemoPost]) -> Route:
    def listing(query: str, hits: list[DemoPost]) -> Paged:
        def render(page: list, _next: str | None, index: int, count: int) -> bytes:
            params = f"query={query}&tags=%28story%2Ccomment%29&hitsPerPage=100&page={index}"
            return _json(
                {
                    "exhaustive": {"nbHits": True, "typo": True},
                    "exhaustiveNbHits": True,
                    "exhaustiveTypo": True,
                    "hits": [_hn_hit(p, query) for p in page],
                    "hitsPerPage": 100,
                    "nbHits": len(hits),
                    "nbPages": count if hits else 0,
                    "page": index,
                    "params": params,
                    "processingTimeMS": 2,
                    "query": query,
                    "serverTimeMS": 3,
                }
            )

        return _paged(hits, 100, "page", render, lambda i, _: str(i), first_token="0")

    choices = tuple(
        (f"query={q}", listing(q, _newest_first(p for p in posts if _names(q, p))))
        for q in HN_QUERIES
    )
    return ByParam(choices, default=listing("", []))


# --- Reddit search listing --------------------------------------------------------------------


def _reddit_escape(text: str) -> str:
    """Reddit escapes &, < and > in its JSON (without raw_json=1)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _reddit_child(post: DemoPost) -> dict:
    post_id = post.guid.removeprefix("t3_")
    created = float(int(post.published_at.timestamp()))
    score = post.likes or 0
    permalink = post.link.removeprefix("https://www.reddit.com")
    selftext = _reddit_escape(post.text)
    return {
        "kind": "t3",
        "data": {
            "approved_at_utc": None,
            "subreddit": post.place,
            "selftext": selftext,
            "author_fullname": f"t2_{_base36(_number('redditor', post.handle, digits=11))}",
            "saved": False,
            "gilded": 0,
            "clicked": False,
            "title": _reddit_escape(post.title),
            "subreddit_name_prefixed": f"r/{post.place}",
            "hidden": False,
            "downs": 0,
            "hide_score": False,
            "name": post.guid,
            "quarantine": False,
            "upvote_ratio": round(0.7 + (_digest("ratio", post.guid)[0] % 29) / 100, 2),
            "ups": score,
            "total_awards_received": 0,
            "is_original_content": False,
            "is_self": True,
            "created": created,
            "domain": f"self.{post.place}",
            "selftext_html": _reddit_escape(
                f'<!-- SC_OFF --><div class="md"><p>{html.escape(post.text)}</p>\n</div>'
                "<!-- SC_ON -->"
            ),
            "likes": None,
            "archived": False,
            "over_18": False,
            "spoiler": False,
            "locked": False,
            "subreddit_id": f"t5_{_base36(_number('subreddit', post.place, digits=8))}",
            "id": post_id,
            "author": post.handle,
            "num_comments": post.replies,
            "send_replies": True,
            "permalink": permalink,
            "stickied": False,
            "url": post.link,
            "subreddit_subscribers": _number("subscribers", post.place, digits=6),
            "created_utc": created,
            "num_crossposts": post.shares,
            "media": None,
            "is_video": False,
            "score": score,
        },
    }


def _reddit_route(posts: list[DemoPost]) -> Route:
    def render(page: list, next_token: str | None, index: int, count: int) -> bytes:
        return _json(
            {
                "kind": "Listing",
                "data": {
                    "after": next_token,
                    "dist": len(page),
                    "modhash": "",
                    "geo_filter": "",
                    "facets": {},
                    "children": [_reddit_child(p) for p in page],
                    "before": None,
                },
            }
        )

    return _paged(_newest_first(posts), 100, "after", render, lambda i, prev: prev[-1].guid)


# --- Mastodon ---------------------------------------------------------------------------------


def _mastodon_html(text: str, instance: str) -> str:
    """Status content as Mastodon renders it: escaped, hashtags and mentions linked."""
    escaped = html.escape(text)

    def tag(match: re.Match[str]) -> str:
        name = match.group(1)
        return (
            f'<a href="https://{instance}/tags/{name.lower()}" class="mention hashtag" '
            f'rel="tag">#<span>{name}</span></a>'
        )

    def mention(match: re.Match[str]) -> str:
        name = match.group(1)
        return (
            f'<span class="h-card" translate="no"><a href="https://{MASTODON_HOME}/@{name}" '
            f'class="u-url mention">@<span>{name}</span></a></span>'
        )

    linked = re.sub(r"(?<![\w&#])#(\w+)", tag, escaped)
    linked = re.sub(r"(?<![\w/])@(\w+)", mention, linked)
    return f"<p>{linked}</p>"


def _mastodon_account(post: DemoPost) -> dict:
    username, _, remote = post.handle.partition("@")
    instance = remote or MASTODON_HOME
    since = 2020 + _digest("since", post.handle)[0] % 5
    return {
        "id": mastodon_account_id(post.handle),
        "username": username,
        "acct": post.handle,
        "display_name": post.author,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": f"{since}-0{1 + _digest('m', post.handle)[0] % 9}-01T00:00:00.000Z",
        "note": "",
        "url": f"https://{instance}/@{username}",
        "avatar": f"https://{instance}/avatars/original/{_token('av', post.handle, length=12)}.png",
        "followers_count": post.followers,
        "following_count": 20 + _digest("following", post.handle)[0],
        "statuses_count": 100 + int.from_bytes(_digest("statuses", post.handle)[:2]) % 5000,
        "last_status_at": post.published_at.date().isoformat(),
        "emojis": [],
        "fields": [],
    }


def _mastodon_status(post: DemoPost, by_guid: Mapping[str, DemoPost]) -> dict:
    username, _, remote = post.handle.partition("@")
    instance = remote or MASTODON_HOME
    common = {
        "id": post.guid,
        "created_at": _iso_ms(post.published_at),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
    }
    extras = {"media_attachments": [], "emojis": [], "card": None, "poll": None}
    if post.kind == "boost":
        assert post.parent is not None
        activity = f"https://{instance}/users/{username}/statuses/{post.guid}/activity"
        return {
            **common,
            "language": None,
            "uri": activity,
            "url": activity,
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "content": "",
            "reblog": _mastodon_status(by_guid[post.parent], by_guid),
            "account": _mastodon_account(post),
            "mentions": [],
            "tags": [],
            **extras,
        }
    tags = re.findall(r"(?<![\w#])#(\w+)", post.text)
    return {
        **common,
        "language": post.lang,
        "uri": f"https://{instance}/users/{username}/statuses/{post.guid}",
        "url": post.link,
        "replies_count": post.replies,
        "reblogs_count": post.shares,
        "favourites_count": post.likes,
        "edited_at": None,
        "content": _mastodon_html(post.text, instance),
        "reblog": None,
        "account": _mastodon_account(post),
        "mentions": [
            {
                "id": mastodon_account_id(name),
                "username": name,
                "url": f"https://{MASTODON_HOME}/@{name}",
                "acct": name,
            }
            for name in dict.fromkeys(re.findall(r"(?<![\w/])@(\w+)", post.text))
        ],
        "tags": [
            {"name": t.lower(), "url": f"https://{instance}/tags/{t.lower()}"}
            for t in dict.fromkeys(tags)
        ],
        **extras,
    }


def _mastodon_listing(posts: list[DemoPost], by_guid: Mapping[str, DemoPost]) -> Paged:
    def render(page: list, _next: str | None, index: int, count: int) -> bytes:
        return _json([_mastodon_status(p, by_guid) for p in page])

    # max_id asks for statuses older than the oldest one seen: the last of the previous page.
    return _paged(_newest_first(posts), 40, "max_id", render, lambda i, prev: prev[-1].guid)


def _mastodon_routes(posts: list[DemoPost], by_guid: Mapping[str, DemoPost]) -> dict[str, Route]:
    routes: dict[str, Route] = {}
    statuses = [p for p in posts if p.kind == "status"]
    for tag in MASTODON_TAGS:
        tagged = [p for p in statuses if tag.casefold() in _hashtags(p.text)]
        routes[MASTODON_TAG_PATH.format(tag)] = _mastodon_listing(tagged, by_guid)
    lookups = []
    for brand in COMPETITORS:
        official = OFFICIAL_ACCOUNTS[brand]
        acct = official.mastodon
        own = [p for p in posts if p.handle == acct]
        account = _mastodon_account(
            DemoPost(
                guid="",
                feed_path="",
                brand=brand,
                lang="en",
                published_at=max((p.published_at for p in own), default=EPOCH),
                title="",
                text="",
                author=official.x_name,
                link="",
                polarity=NEUTRAL,
                source="mastodon",
                handle=acct,
                followers=official.mastodon_followers,
            )
        )
        lookups.append((f"acct={acct}", (JSON_TYPE, _json(account))))
        path = MASTODON_STATUSES_PATH.format(mastodon_account_id(acct))
        routes[path] = _mastodon_listing(own, by_guid)
    routes[MASTODON_LOOKUP_PATH] = ByParam(tuple(lookups))
    return routes


# --- Bluesky (AppView / PDS XRPC) -------------------------------------------------------------


def _cid(*parts: object) -> str:
    return "bafyrei" + b32encode(_digest("cid", *parts)).decode().lower()[:52]


def _bluesky_profile(handle: str, name: str) -> dict:
    did = bluesky_did(handle)
    since = 2023 + _digest("since", handle)[0] % 3
    return {
        "did": did,
        "handle": handle,
        "displayName": name,
        "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/{_cid('avatar', handle)}@jpeg",
        "labels": [],
        "createdAt": f"{since}-0{1 + _digest('m', handle)[0] % 9}-12T08:00:00.000Z",
    }


def _facets(text: str) -> list[dict]:
    """Rich-text facets for hashtags, at their UTF-8 byte offsets as the lexicon wants."""
    facets = []
    for match in re.finditer(r"(?<![\w#])#(\w+)", text):
        start = len(text[: match.start()].encode("utf-8"))
        end = start + len(match.group(0).encode("utf-8"))
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": match.group(1)}],
            }
        )
    return facets


def _bluesky_view(post: DemoPost) -> dict:
    """A PostView, as searchPosts and getAuthorFeed give it."""
    record: dict = {
        "$type": "app.bsky.feed.post",
        "createdAt": _iso_ms(post.published_at),
        "langs": [post.lang],
        "text": post.text,
    }
    facets = _facets(post.text)
    if facets:
        record["facets"] = facets
    shares = post.shares or 0
    indexed = post.published_at + timedelta(milliseconds=200 + _digest("idx", post.guid)[0] * 3)
    return {
        "uri": post.guid,
        "cid": _cid(post.guid),
        "author": _bluesky_profile(post.handle, post.author),
        "record": record,
        "replyCount": post.replies,
        "repostCount": shares - shares // 6,
        "likeCount": post.likes,
        "quoteCount": shares // 6,
        "indexedAt": indexed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{indexed.microsecond // 1000:03d}Z",
        "viewer": {"threadMuted": False, "embeddingDisabled": False},
        "labels": [],
    }


def _bluesky_feed_item(post: DemoPost, by_guid: Mapping[str, DemoPost]) -> dict:
    if post.kind != "repost":
        return {"post": _bluesky_view(post)}
    assert post.parent is not None
    did = bluesky_did(post.handle)
    return {
        "post": _bluesky_view(by_guid[post.parent]),
        "reason": {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": _bluesky_profile(post.handle, post.author),
            "uri": f"at://{did}/app.bsky.feed.repost/{_tid(post.published_at, 7)}",
            "cid": _cid(post.guid),
            "indexedAt": _iso_ms(post.published_at),
        },
    }


def _bluesky_session() -> bytes:
    """createSession's answer for the demo account. The tokens are placeholders: the JWT's
    claims are readable (the connector reads `exp`), its signature is not a signature."""
    did = bluesky_did("vigie-demo.bsky.social")

    def jwt(claims: dict) -> str:
        def part(data: dict) -> str:
            return urlsafe_b64encode(_json(data)).decode().rstrip("=")

        header = part({"typ": "at+jwt", "alg": "ES256K"})
        return f"{header}.{part(claims)}.ZGVtby1wbGFjZWhvbGRlci1ub3QtYS1zaWduYXR1cmU"

    return _json(
        {
            "did": did,
            "handle": "vigie-demo.bsky.social",
            "email": "demo@vigie.example",
            "emailConfirmed": True,
            "accessJwt": jwt({"scope": "com.atproto.appPass", "sub": did, "exp": 4_102_444_800}),
            "refreshJwt": jwt({"scope": "com.atproto.refresh", "sub": did, "exp": 4_105_036_800}),
            "active": True,
        }
    )


def _bluesky_routes(posts: list[DemoPost], by_guid: Mapping[str, DemoPost]) -> dict[str, Route]:
    def search(hits: list[DemoPost]) -> Paged:
        def render(page: list, next_token: str | None, index: int, count: int) -> bytes:
            answer: dict = {"hitsTotal": len(hits), "posts": [_bluesky_view(p) for p in page]}
            if next_token:
                answer = {"cursor": next_token, **answer}
            return _json(answer)

        return _paged(hits, 100, "cursor", render, lambda i, _: str(100 * i))

    def feed(items: list[DemoPost]) -> Paged:
        def render(page: list, next_token: str | None, index: int, count: int) -> bytes:
            answer: dict = {"feed": [_bluesky_feed_item(p, by_guid) for p in page]}
            if next_token:
                answer["cursor"] = next_token
            return _json(answer)

        return _paged(items, 100, "cursor", render, lambda i, prev: _iso_ms(prev[-1].published_at))

    originals = [p for p in posts if p.kind == "post"]
    searches = tuple(
        (f"q={q}", search(_newest_first(p for p in originals if _names(q, p))))
        for q in BLUESKY_SEARCHES
    )
    feeds = tuple(
        (f"actor={actor}", feed(_newest_first(p for p in posts if p.handle == actor)))
        for actor in COMPETITOR_BLUESKY
    )
    session = (JSON_TYPE, _bluesky_session())
    return {
        BLUESKY_SEARCH_PATH: ByParam(searches, default=search([])),
        BLUESKY_FEED_PATH: ByParam(feeds),
        **{f"POST {path}": session for path in BLUESKY_SESSION_PATHS},
    }


# --- X API v2 recent search -------------------------------------------------------------------


def _x_escape(text: str) -> str:
    """X escapes &, < and > in post text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _x_post(post: DemoPost) -> dict:
    shares = post.shares or 0
    quotes = 0 if post.kind == "retweet" else shares // 7
    spread = _digest("x-metrics", post.guid)
    followers = post.followers or 0
    data: dict = {
        "author_id": str(_number("x-user", post.handle, digits=18)),
        "conversation_id": post.guid,
        "created_at": _iso_ms(post.published_at),
        "edit_history_tweet_ids": [post.guid],
        "id": post.guid,
        "lang": post.lang,
        "public_metrics": {
            "retweet_count": shares - quotes,
            "reply_count": post.replies,
            "like_count": post.likes,
            "quote_count": quotes,
            "bookmark_count": (post.likes or 0) // (4 + spread[0] % 6),
            "impression_count": 0
            if post.kind == "retweet"
            else followers * (1 + spread[1] % 3) + (post.likes or 0) * 40,
        },
        "text": _x_escape(post.text),
    }
    if post.kind == "retweet":
        data["referenced_tweets"] = [{"type": "retweeted", "id": post.parent}]
    elif len(post.text) > 280:  # a long post: the text is cut, note_tweet holds all of it
        data["text"] = _x_escape(post.text[:279].rstrip() + "…")
        data["note_tweet"] = {"text": _x_escape(post.text)}
    return data


def _x_user(post: DemoPost) -> dict:
    spread = _digest("x-user-metrics", post.handle)
    return {
        "id": str(_number("x-user", post.handle, digits=18)),
        "name": post.author,
        "username": post.handle,
        "public_metrics": {
            "followers_count": post.followers,
            "following_count": 50 + int.from_bytes(spread[:2]) % 900,
            "tweet_count": 200 + int.from_bytes(spread[2:4]) % 20_000,
            "listed_count": (post.followers or 0) // 300,
            "like_count": 100 + int.from_bytes(spread[4:6]) % 30_000,
            "media_count": spread[6] % 200,
        },
    }


def _x_route(posts: list[DemoPost]) -> Route:
    def render(page: list, next_token: str | None, index: int, count: int) -> bytes:
        if not page:
            return _json({"meta": {"result_count": 0}})
        users = {p.handle: _x_user(p) for p in page}
        meta: dict = {
            "newest_id": page[0].guid,
            "oldest_id": page[-1].guid,
            "result_count": len(page),
        }
        if next_token:
            meta["next_token"] = next_token
        return _json(
            {
                "data": [_x_post(p) for p in page],
                "includes": {"users": list(users.values())},
                "meta": meta,
            }
        )

    return _paged(_newest_first(posts), 100, "next_token", render, lambda i, _: _opaque("x", i))


# --- YouTube Data API v3 ----------------------------------------------------------------------


def _yt_escape(text: str) -> str:
    """search.list escapes titles and descriptions as HTML, apostrophes as &#39;."""
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def _yt_comment(post: DemoPost, video: str, parent: str | None = None) -> dict:
    when = _rfc3339(post.published_at)
    snippet: dict = {
        "channelId": post.place,
        "videoId": video,
        "textDisplay": post.text,
        "authorDisplayName": f"@{post.handle}",
        "authorProfileImageUrl": "https://yt3.ggpht.com/ytc/"
        + _token("yt-av", post.handle, length=27)
        + "=s48-c-k-c0x00ffffff-no-rj",
        "authorChannelUrl": f"http://www.youtube.com/@{post.handle}",
        "authorChannelId": {"value": youtube_channel(post.handle)},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": post.likes,
        "publishedAt": when,
        "updatedAt": when,
    }
    if parent:
        snippet["parentId"] = parent
    return {
        "kind": "youtube#comment",
        "etag": _token("etag", post.guid, length=27),
        "id": post.guid,
        "snippet": snippet,
    }


def _yt_thread(post: DemoPost, replies: list[DemoPost]) -> dict:
    assert post.parent is not None
    thread: dict = {
        "kind": "youtube#commentThread",
        "etag": _token("etag-thread", post.guid, length=27),
        "id": post.guid,
        "snippet": {
            "channelId": post.place,
            "videoId": post.parent,
            "topLevelComment": _yt_comment(post, post.parent),
            "canReply": True,
            "totalReplyCount": post.replies,
            "isPublic": True,
        },
    }
    if replies:
        thread["replies"] = {
            "comments": [_yt_comment(r, post.parent, post.guid) for r in _newest_first(replies)]
        }
    return thread


def _yt_video(post: DemoPost) -> dict:
    when = _rfc3339(post.published_at)
    thumbnails = {
        size: {"url": f"https://i.ytimg.com/vi/{post.guid}/{name}.jpg", "width": w, "height": h}
        for size, name, w, h in (
            ("default", "default", 120, 90),
            ("medium", "mqdefault", 320, 180),
            ("high", "hqdefault", 480, 360),
        )
    }
    return {
        "kind": "youtube#searchResult",
        "etag": _token("etag-video", post.guid, length=27),
        "id": {"kind": "youtube#video", "videoId": post.guid},
        "snippet": {
            "publishedAt": when,
            "channelId": post.place,
            "title": _yt_escape(post.title),
            "description": _yt_escape(post.text),
            "thumbnails": thumbnails,
            "channelTitle": _yt_escape(post.author),
            "liveBroadcastContent": "none",
            "publishTime": when,
        },
    }


def _youtube_routes(posts: list[DemoPost]) -> dict[str, Route]:
    def listing(
        kind: str, items: list, size: int, render_item: Callable[[DemoPost], dict]
    ) -> Paged:
        def render(page: list, next_token: str | None, index: int, count: int) -> bytes:
            answer: dict = {"kind": kind, "etag": _token("etag", kind, index, length=27)}
            if next_token:
                answer["nextPageToken"] = next_token
            if kind == "youtube#searchListResponse":
                answer["regionCode"] = "GB"
            answer["pageInfo"] = {"totalResults": len(items), "resultsPerPage": size}
            answer["items"] = [render_item(p) for p in page]
            return _json(answer, pretty=True)

        return _paged(items, size, "pageToken", render, lambda i, _: _opaque(kind, size, i))

    replies: dict[str, list[DemoPost]] = defaultdict(list)
    for post in posts:
        if post.kind == "reply" and post.parent:
            replies[post.parent].append(post)
    threads = [p for p in posts if p.kind == "comment"]
    videos = _newest_first(p for p in posts if p.kind == "video")

    def threads_of(channel: str) -> Paged:
        mine = _newest_first(p for p in threads if p.place == channel)  # order=time
        return listing(
            "youtube#commentThreadListResponse", mine, 100, lambda p: _yt_thread(p, replies[p.guid])
        )

    def search(found: list[DemoPost]) -> Paged:
        return listing("youtube#searchListResponse", found, 50, _yt_video)

    channels = (VELORA_CHANNEL, *COMPETITOR_CHANNELS)
    thread_routes = tuple((f"allThreadsRelatedToChannelId={c}", threads_of(c)) for c in channels)
    search_routes = tuple(
        (f"q={q}", search([v for v in videos if _names(q, v)])) for q in YOUTUBE_SEARCHES
    ) + tuple((f"channelId={c}", search([v for v in videos if v.place == c])) for c in channels)
    return {
        YOUTUBE_THREADS_PATH: ByParam(thread_routes, default=threads_of("")),
        YOUTUBE_SEARCH_PATH: ByParam(search_routes, default=search([])),
    }


# --- App Store customer reviews (iTunes RSS, JSON flavour) ------------------------------------

APP_ENTRY = {
    "im:name": {"label": "Velora – Ride & Unlock"},
    "rights": {"label": "© 2026 Velora SAS"},
    "im:price": {"label": "Get", "attributes": {"amount": "0.00000", "currency": "GBP"}},
    "im:artist": {
        "label": "Velora SAS",
        "attributes": {"href": "https://apps.apple.com/gb/developer/velora-sas/id1573920400?uo=2"},
    },
    "title": {"label": "Velora – Ride & Unlock - Velora SAS"},
    "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
    "category": {
        "attributes": {"im:id": "6003", "term": "Travel", "label": "Travel"},
    },
    "im:releaseDate": {
        "label": "2021-06-14T00:00:00-07:00",
        "attributes": {"label": "14 Jun 2021"},
    },
}


def _appstore_entry(post: DemoPost) -> dict:
    country = post.place
    # The app's version: updates ship every ten days or so.
    version = APP_VERSIONS[min(len(APP_VERSIONS) - 1, post.published_at.day // 10)]
    votes = post.likes or 0
    return {
        "author": {
            "uri": {"label": f"https://itunes.apple.com/{country}/reviews/id{post.handle}"},
            "name": {"label": post.author},
            "label": "",
        },
        "updated": {"label": _pacific(post.published_at)},
        "im:rating": {"label": str(post.rating)},
        "im:version": {"label": version},
        "id": {"label": post.guid},
        "title": {"label": post.title},
        "content": {"label": post.text, "attributes": {"type": "text"}},
        "link": {
            "attributes": {
                "rel": "related",
                "href": f"https://itunes.apple.com/{country}/review?id={APPSTORE_APP_ID}"
                "&type=Purple%20Software",
            }
        },
        "im:voteSum": {"label": str(votes)},
        "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
        "im:voteCount": {"label": str(votes + _digest("votes", post.guid)[0] % 4)},
    }


APPSTORE_FEED_URL = (
    "https://mzstoreservices-int-st.itunes.apple.com/{country}/rss/customerreviews/"
    "page={page}/id=" + APPSTORE_APP_ID + "/sortby=mostrecent/{fmt}"
)


def _appstore_routes(posts: list[DemoPost]) -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for country in STOREFRONTS.values():
        reviews = _newest_first(p for p in posts if p.place == country)
        pages = [reviews[i : i + 50] for i in range(0, len(reviews), 50)] or [[]]

        def url(page: int, fmt: str = "json", country: str = country) -> str:
            return APPSTORE_FEED_URL.format(country=country, page=page, fmt=fmt)

        for number, page in enumerate(pages, start=1):
            store_page = f"https://apps.apple.com/{country}/app/id{APPSTORE_APP_ID}"
            links = [
                {"attributes": {"rel": "alternate", "type": "text/html", "href": store_page}},
                {"attributes": {"rel": "self", "href": url(number)}},
                {"attributes": {"rel": "first", "href": url(1, "xml")}},
                {"attributes": {"rel": "last", "href": url(len(pages), "xml")}},
                {"attributes": {"rel": "previous", "href": url(max(1, number - 1), "xml")}},
                {"attributes": {"rel": "next", "href": url(min(len(pages), number + 1), "xml")}},
            ]
            entries = ([APP_ENTRY] if number == 1 else []) + [_appstore_entry(p) for p in page]
            newest = page[0].published_at if page else EPOCH
            feed = {
                "author": {
                    "name": {"label": "iTunes Store"},
                    "uri": {"label": f"http://www.apple.com/{country}/itunes/"},
                },
                "entry": entries,
                "updated": {"label": _pacific(newest)},
                "rights": {"label": "Copyright 2008 Apple Inc."},
                "title": {"label": "iTunes Store: Customer Reviews"},
                "icon": {"label": "http://itunes.apple.com/favicon.ico"},
                "link": links,
                "id": {"label": url(number)},
            }
            path = APPSTORE_PATH.format(country=country, page=number, app=APPSTORE_APP_ID)
            routes[path] = (JSON_TYPE, _json({"feed": feed}))
    return routes


# --- Owned channels: Facebook Graph, Instagram Graph, LinkedIn Community Management ---------


def _graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _graph_paged(items: list, size: int, render_item: Callable, next_url: str) -> Paged:
    """A Graph listing: `after` cursors, and a `paging.next` only while more pages exist."""

    def render(page: list, next_token: str | None, index: int, count: int) -> bytes:
        answer: dict = {"data": [render_item(p) for p in page]}
        if page:
            before = _opaque("before", next_url, index)
            answer["paging"] = {"cursors": {"before": before, "after": next_token or before}}
            if next_token:
                answer["paging"]["next"] = f"{next_url}&after={next_token}"
        return _json(answer)

    return _paged(items, size, "after", render, lambda i, _: _opaque("after", next_url, i))


def _fb_comment(post: DemoPost, account: _OwnedAccounts) -> dict:
    page_post = post.place.split("_")[1]
    comment: dict = {
        "id": post.guid,
        "created_time": _graph_time(post.published_at),
        "message": post.text,
        "from": {"name": post.author, "id": post.handle},
        "like_count": post.likes or 0,
        "comment_count": post.replies or 0,
    }
    if post.kind == "reply":
        comment["parent"] = {"id": post.parent}
    comment["permalink_url"] = (
        f"https://www.facebook.com/{account.page_id}/posts/{page_post}/"
        f"?comment_id={post.guid.split('_')[1]}"
    )
    return comment


def _fb_post(post: DemoPost, thread: list[DemoPost], account: _OwnedAccounts) -> dict:
    # filter(stream): every comment, replies included, flat and newest first.
    comments = [_fb_comment(c, account) for c in _newest_first(thread)]
    cursor = _opaque("fb-comments", post.guid)
    return {
        "id": post.guid,
        "created_time": _graph_time(post.published_at),
        "message": post.text,
        "permalink_url": post.link,
        "from": {"name": account.page_name, "id": account.page_id},
        "shares": {"count": post.shares or 0},
        "reactions": {
            "data": [],
            "summary": {"total_count": post.likes or 0, "viewer_reaction": "NONE"},
        },
        "comments": {
            "data": comments,
            **({"paging": {"cursors": {"before": cursor, "after": cursor}}} if comments else {}),
            "summary": {
                "order": "reverse_chronological",
                "total_count": len(comments),
                "can_comment": True,
            },
        },
    }


def _ig_username(name: str) -> str:
    return ".".join(_name_parts(name)).lower()[:30]


def _ig_comment(post: DemoPost, replies: list[DemoPost]) -> dict:
    def one(item: DemoPost) -> dict:
        username = item.author if item.kind == "reply" else _ig_username(item.author)
        body = {
            "id": item.guid,
            "text": item.text,
            "timestamp": _graph_time(item.published_at),
            "username": username,
            "from": {"id": item.handle, "username": username},
            "like_count": item.likes or 0,
        }
        if item.kind == "reply":
            body["parent_id"] = item.parent
        return body

    comment = {**one(post), "media": {"id": post.place}}
    if replies:
        comment["replies"] = {"data": [one(r) for r in _newest_first(replies)]}
    return comment


def _ig_media(post: DemoPost, comments: int, account: _OwnedAccounts) -> dict:
    return {
        "id": post.guid,
        "caption": post.text,
        "media_type": "CAROUSEL_ALBUM" if _digest("ig-type", post.guid)[0] % 3 else "VIDEO",
        "media_product_type": "FEED",
        "permalink": post.link,
        "timestamp": _graph_time(post.published_at),
        "username": account.ig_username,
        "owner": {"id": account.ig_user_id},
        "like_count": post.likes or 0,
        "comments_count": comments,
    }


def _li_activity(post_guid: str) -> str:
    return "urn:li:activity:" + str(_number("li-activity", post_guid, digits=19))


def _li_text(text: str) -> str:
    """LinkedIn's "little" format: hashtags as templates, its reserved characters escaped."""
    escaped = re.sub(r"([|{}@\[\]()<>\\*_~])", r"\\\1", text)
    return re.sub(r"(?<![\w#])#(\w+)", r"{hashtag|\\#|\1}", escaped)


def _li_post(post: DemoPost) -> dict:
    millis = int(post.published_at.timestamp() * 1000)
    return {
        "isReshareDisabledByAuthor": False,
        "createdAt": millis,
        "lifecycleState": "PUBLISHED",
        "lastModifiedAt": millis,
        "visibility": "PUBLIC",
        "author": post.handle,
        "id": post.guid,
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "commentary": _li_text(post.text),
        "lifecycleStateInfo": {"isEditedByAuthor": False},
        "publishedAt": millis,
    }


def _li_comment(post: DemoPost, replies: int) -> dict:
    millis = int(post.published_at.timestamp() * 1000)
    activity, ident = post.guid.removeprefix("urn:li:comment:(").rstrip(")").split(",")
    created = {"actor": post.handle, "time": millis}
    if post.kind == "reply":  # an organization comments through one of its admins
        created["impersonator"] = "urn:li:person:" + _token("li-admin", BRAND, length=10)
    comment: dict = {
        "actor": post.handle,
        "commentUrn": post.guid,
        "$URN": post.guid,
        "id": ident,
        "created": created,
        "lastModified": {"actor": post.handle, "time": millis},
        "message": {"attributes": [], "text": _li_text(post.text)},
        "object": activity,
        "likesSummary": {
            "selectedLikes": [],
            "aggregatedTotalLikes": post.likes or 0,
            "likedByCurrentUser": False,
            "totalLikes": post.likes or 0,
        },
        "commentsSummary": {
            "selectedComments": [],
            "totalFirstLevelComments": replies,
            "aggregatedTotalComments": replies,
        },
    }
    if post.kind == "reply":
        comment["parentComment"] = post.parent
    return comment


def _li_listing(elements: list[dict], count: int = 50) -> tuple[str, bytes]:
    paging = {"start": 0, "count": count, "links": [], "total": len(elements)}
    return JSON_TYPE, _json({"paging": paging, "elements": elements})


def _owned_routes(posts: list[DemoPost]) -> dict[str, Route]:
    """Velora's Page feed, Instagram media and comments, LinkedIn posts and comments."""
    account = OWNED_ACCOUNTS[BRAND]
    by_source: dict[str, list[DemoPost]] = defaultdict(list)
    under: dict[str, list[DemoPost]] = defaultdict(list)  # post guid -> comments and replies
    replies: dict[str, list[DemoPost]] = defaultdict(list)  # comment guid -> replies
    for post in posts:
        by_source[post.source].append(post)
        if post.kind != "post":
            under[post.place].append(post)
        if post.kind == "reply" and post.parent:
            replies[post.parent].append(post)
    routes: dict[str, Route] = {}
    graph = f"https://graph.facebook.com/{GRAPH_VERSION}"

    feed = _newest_first(p for p in by_source["facebook"] if p.kind == "post")
    routes[f"/{GRAPH_VERSION}/{account.page_id}/feed"] = _graph_paged(
        feed,
        10,
        lambda p: _fb_post(p, under[p.guid], account),
        f"{graph}/{account.page_id}/feed?limit=10",
    )

    media = _newest_first(p for p in by_source["instagram"] if p.kind == "post")
    routes[f"/{GRAPH_VERSION}/{account.ig_user_id}/media"] = _graph_paged(
        media,
        10,
        lambda p: _ig_media(p, sum(1 for c in under[p.guid] if c.kind == "comment"), account),
        f"{graph}/{account.ig_user_id}/media?limit=10",
    )
    for item in media:
        top = _newest_first(c for c in under[item.guid] if c.kind == "comment")
        routes[f"/{GRAPH_VERSION}/{item.guid}/comments"] = _graph_paged(
            top,
            50,
            lambda c: _ig_comment(c, replies[c.guid]),
            f"{graph}/{item.guid}/comments?limit=50",
        )

    shares = _newest_first(p for p in by_source["linkedin"] if p.kind == "post")
    if account.organization:
        key = f"author={account.organization}"
        routes["/rest/posts"] = ByParam(((key, _li_listing([_li_post(p) for p in shares])),))
    for share in shares:
        top = _newest_first(c for c in under[share.guid] if c.kind == "comment")
        elements = [_li_comment(c, len(replies[c.guid])) for c in top]
        routes[f"/rest/socialActions/{quote(share.guid, safe='')}/comments"] = _li_listing(elements)
        for comment in top:
            if replies[comment.guid]:
                answers = [_li_comment(r, 0) for r in _newest_first(replies[comment.guid])]
                path = f"/rest/socialActions/{quote(comment.guid, safe='')}/comments"
                routes[path] = _li_listing(answers)
    return routes


IG_ACCOUNT_FIELDS = "id,username,name,followers_count"


def audience_routes(counts: Mapping[tuple[str, str], list[int]], index: int) -> dict[str, Route]:
    """The profile endpoints of every brand's own accounts, answering with the follower
    counts of day `index` of the demo month (see `follower_counts`): Facebook Page nodes,
    the Instagram account and business_discovery of the others, LinkedIn networkSizes."""
    own = OWNED_ACCOUNTS[BRAND]
    routes: dict[str, Route] = {}
    discovery = []
    own_user: Route = (JSON_TYPE, b"{}")
    for brand, accounts in OWNED_ACCOUNTS.items():
        followers = {source: counts[(source, brand)][index] for source in accounts.followers}
        routes[f"/{GRAPH_VERSION}/{accounts.page_id}"] = (
            JSON_TYPE,
            _json(
                {
                    "id": accounts.page_id,
                    "name": accounts.page_name,
                    "followers_count": followers["facebook"],
                    "fan_count": round(followers["facebook"] * 0.93),
                }
            ),
        )
        user = {
            "id": accounts.ig_user_id,
            "username": accounts.ig_username,
            "name": accounts.page_name,
            "followers_count": followers["instagram"],
        }
        if brand != BRAND:
            fields = f"business_discovery.username({accounts.ig_username}){{{IG_ACCOUNT_FIELDS}}}"
            body = {"business_discovery": user, "id": own.ig_user_id}
            discovery.append((f"fields={fields}", (JSON_TYPE, _json(body))))
        else:
            own_user = (JSON_TYPE, _json(user))
        if accounts.organization:
            path = f"/rest/networkSizes/{quote(accounts.organization, safe='')}"
            routes[path] = (JSON_TYPE, _json({"firstDegreeSize": followers["linkedin"]}))
    routes[f"/{GRAPH_VERSION}/{own.ig_user_id}"] = ByParam(tuple(discovery), default=own_user)
    lookups, profiles = [], []
    for brand in COMPETITORS:
        official = OFFICIAL_ACCOUNTS[brand]
        account = _mastodon_account(
            DemoPost(
                guid="",
                feed_path="",
                brand=brand,
                lang="en",
                published_at=EPOCH,
                title="",
                text="",
                author=official.x_name,
                link="",
                polarity=NEUTRAL,
                source="mastodon",
                handle=official.mastodon,
                followers=counts[("mastodon", brand)][index],
            )
        )
        for acct in (official.mastodon, f"{official.mastodon}@{MASTODON_HOME}"):
            lookups.append((f"acct={acct}", (JSON_TYPE, _json(account))))
        profile = _bluesky_profile(official.bluesky, official.x_name)
        profiles.append({**profile, "followersCount": counts[("bluesky", brand)][index]})
    routes[MASTODON_LOOKUP_PATH] = ByParam(tuple(lookups))
    routes[BLUESKY_PROFILES_PATH] = (JSON_TYPE, _json({"profiles": profiles}))
    return routes


# --- All routes ---------------------------------------------------------------------------------


def render_feeds(posts: list[DemoPost], base_url: str) -> dict[str, Route]:
    """Every route of the demo server: the seven feeds and the eight APIs' endpoints, and the
    owned channels' (Facebook, Instagram, LinkedIn) for the posts of `build_owned`, each in
    its API's response shape (follower counts: `audience_routes`). Sources without posts
    answer as the API does when nothing matches. Values are `(content_type, body)` or, where
    the API pages or takes the thing to list as a parameter, a `demo_server` route
    callable."""
    base_url = base_url.rstrip("/")
    mine: dict[str, list[DemoPost]] = defaultdict(list)
    for post in posts:
        mine[post.source].append(post)
    by_guid = {p.guid: p for p in posts}
    return {
        **_rss_routes(mine["rss"], base_url),
        GDELT_PATH: (JSON_TYPE, _gdelt_body(mine["gdelt"])),
        HN_PATH: _hackernews_route(mine["hackernews"]),
        REDDIT_PATH: _reddit_route(mine["reddit"]),
        **_mastodon_routes(mine["mastodon"], by_guid),
        **_bluesky_routes(mine["bluesky"], by_guid),
        X_PATH: _x_route(mine["x"]),
        **_youtube_routes(mine["youtube"]),
        **_appstore_routes(mine["appstore"]),
        **_owned_routes([p for p in posts if p.source in OWNED_SOURCES]),
    }
