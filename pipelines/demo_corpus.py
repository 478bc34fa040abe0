"""A seeded, synthetic month of e-bike brand mentions for `vigie demo`, rendered as feeds.

The demo runs offline but must still exercise the real RSS connector, both VADER models, the
deduplicator and the spike detector. So the data has what those steps look for in real life:
daily and weekly rhythms, English and French, recurring authors (advocates and detractors),
syndicated near-duplicates, competitors' own announcements and one clear negative episode.

Everything is derived from one `random.Random(seed)` and the `end` date, never from the clock,
so a given (end, days, seed) always renders the same bytes.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from base64 import urlsafe_b64encode
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class DemoFeed:
    path: str  # URL path on the demo server, e.g. "/news/velora-en.rss"
    format: str  # "rss2" | "atom" | "rss1"
    lang: str  # "en" | "fr" | "mixed"
    title: str


@dataclass(frozen=True)
class DemoPost:
    guid: str  # unique, stable for a given (end, days, seed)
    feed_path: str  # which DemoFeed it appears in
    brand: str  # "Velora" | "Cyclane" | "Roulix": the brand it is about
    lang: str  # "en" | "fr"
    published_at: datetime  # timezone-aware, UTC
    title: str  # news titles end with " - Outlet", as Google News shows them
    text: str  # body; may hold hashtags, @handles, emoji and a little HTML (<b>, <br>, <strong>)
    author: str
    link: str  # absolute https URL on an .example domain (rendered relative in the forum feed)
    polarity: str  # intended: "positive" | "neutral" | "negative"


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

# Where each feed's own items live; the forum feed is rendered with relative links and this
# xml:base so that the connector's relative-URL resolution is exercised.
FORUM_BASE = "https://forum-velo.example/"
RIDERS_BASE = "https://riders.example/"
REVIEWS_BASE = "https://roue-libre.example/"

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
POLARITIES = (POSITIVE, NEUTRAL, NEGATIVE)

# ---------------------------------------------------------------------------------------------
# Volume model. Tuned so that normal days carry 26-44 posts and the episode is ~5x Velora's
# usual daily volume, which is what the spike detector and the tests look for.
# ---------------------------------------------------------------------------------------------

BASE_DAILY = 37.0
DAILY_MIN, DAILY_MAX = 26, 42
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


# ---------------------------------------------------------------------------------------------
# Authors.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Authors:
    community: dict[str, tuple[str, ...]]  # generic members, most active first
    weights: dict[str, tuple[float, ...]]
    advocates: dict[str, tuple[str, ...]]  # always positive about Velora
    detractors: dict[str, tuple[str, ...]]  # always negative about Velora
    journalists: dict[str, tuple[str, ...]]  # one per outlet index, three per outlet


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
    for lang in ("en", "fr"):
        taken.update(PSEUDONYMS[lang])
        members = list(PSEUDONYMS[lang]) + [fresh(lang) for _ in range(53)]
        rng.shuffle(members)
        advocates[lang] = tuple(members[:3])
        detractors[lang] = tuple(members[3:5])
        rest = tuple(m for m in members if m not in advocates[lang] + detractors[lang])
        community[lang] = rest
        weights[lang] = tuple(1.0 / (rank + 1) ** 0.7 for rank in range(len(rest)))
        journalists[lang] = tuple(fresh(lang, True) for _ in range(3 * len(OUTLETS[lang])))
    return _Authors(community, weights, advocates, detractors, journalists)


# ---------------------------------------------------------------------------------------------
# Timing: which brand posts when.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    brand: str
    at: datetime
    kind: str  # "normal" | "episode" (Velora, inside the window) | "comparison" | "official"


def episode_window(end: date) -> tuple[datetime, datetime]:
    """UTC [start, end) of the negative episode: from 14:00 two days before `end` to `end`."""
    stop = datetime.combine(end, time(0), tzinfo=UTC)
    return stop - timedelta(days=2) + timedelta(hours=14), stop


def _at_hour(rng: random.Random, day: datetime, hours: Sequence[int]) -> datetime:
    hour = rng.choices(hours, weights=[HOUR_WEIGHTS[h] for h in hours])[0]
    return day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))


def _day_slots(
    rng: random.Random, day: datetime, window: tuple[datetime, datetime], last_day: bool
) -> list[_Slot]:
    """One day's posting times: a weekday-shaped total, split by brand, plus the episode."""
    expected = BASE_DAILY * WEEKDAY_FACTOR[day.weekday()]
    total = min(DAILY_MAX, max(DAILY_MIN, round(rng.gauss(expected, 2.5))))
    brands = rng.choices(list(BRAND_SHARE), weights=list(BRAND_SHARE.values()), k=total)
    hours = range(24)
    slots = [_Slot(b, _at_hour(rng, day, hours), "normal") for b in brands]
    # Competitors' newsrooms publish on a schedule, every third day in office hours.
    slots += [
        _Slot(rival, _at_hour(rng, day, OFFICE_HOURS), "official")
        for index, rival in enumerate(COMPETITORS)
        if (day.toordinal() + index) % OFFICIAL_EVERY_DAYS == 0
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


# ---------------------------------------------------------------------------------------------
# Composition.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Draft:
    """A post before it has a guid and link (those need the final, sorted order)."""

    brand: str
    lang: str
    at: datetime
    channel: str  # "news" | "official" | "community" | "review" | "share"
    title: str
    text: str
    author: str
    polarity: str
    outlet: tuple[str, str] | None = None


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


def _community_author(
    rng: random.Random, authors: _Authors, lang: str, brand: str, polarity: str, episode: bool
) -> str:
    """Advocates and detractors take a share of Velora's positive and negative posts."""
    if brand == BRAND and polarity == POSITIVE and rng.random() < (0.15 if episode else 0.3):
        return rng.choice(authors.advocates[lang])
    if brand == BRAND and polarity == NEGATIVE and rng.random() < (0.15 if episode else 0.35):
        return rng.choice(authors.detractors[lang])
    return rng.choices(authors.community[lang], weights=authors.weights[lang])[0]


def _draft(rng: random.Random, slot: _Slot, authors: _Authors, end: date) -> _Draft:
    """Decide language, channel and tone for one slot, then compose its text."""
    brand = slot.brand
    lang = "en" if rng.random() < ENGLISH_SHARE[brand] else "fr"
    ctx = _context(rng, brand, lang, end)
    if slot.kind == "comparison":
        polarity = _polarity(rng, COMPARISON_MIX)
        text = _fill(rng.choice(COMPARISONS[lang][polarity]), ctx)
        tag = rng.choice(WORLD[brand].hashtags) if rng.random() < 0.6 else None
        text = " ".join([text, *_tail(rng, lang, polarity, ctx, brand, 0.4, tag)])
        author = _community_author(rng, authors, lang, brand, polarity, True)
        title = _fill(rng.choice(COMPARISON_TITLES[lang]), ctx)
        return _Draft(brand, lang, slot.at, "community", title, text, author, polarity)
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
        return _Draft(
            brand, lang, slot.at, "news", f"{title} - {outlet[0]}", text, author, polarity, outlet
        )
    if channel == "review":
        title, text = _review_text(rng, lang, polarity, ctx)
        author = rng.choice(REVIEWERS[lang])
        return _Draft(brand, lang, slot.at, "review", title, text, author, polarity)
    if episode and (polarity != NEGATIVE or rng.random() < 0.85):
        title, text = _episode_text(rng, lang, polarity, ctx)
    else:
        tags_chance = 0.55 if lang == "en" else 0.3
        title, text = _community_text(rng, lang, polarity, ctx, brand, tags_chance)
        if lang == "fr" and rng.random() < 0.25:
            title = f"Re: {title}"
            text = text.replace(". ", ".<br>", 1)
    author = _community_author(rng, authors, lang, brand, polarity, episode)
    return _Draft(brand, lang, slot.at, "community", title, text, author, polarity)


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


# ---------------------------------------------------------------------------------------------
# Assembly.
# ---------------------------------------------------------------------------------------------

NEWS_FEEDS = {("Velora", "en"): NEWS_VELORA_EN, ("Velora", "fr"): NEWS_VELORA_FR}
COMPETITOR_FEEDS = {"Cyclane": NEWS_CYCLANE, "Roulix": NEWS_ROULIX}


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


def build_corpus(end: date, days: int = 28, seed: int = 7) -> list[DemoPost]:
    """Posts published in [end - days, end) UTC, sorted by published_at."""
    rng = random.Random(seed)
    authors = _make_authors(rng)
    stop = datetime.combine(end, time(0), tzinfo=UTC)
    window = episode_window(end)
    slots: list[_Slot] = []
    for offset in range(days, 0, -1):
        day = stop - timedelta(days=offset)
        slots += _day_slots(rng, day, window, last_day=offset == 1)
    drafts = [_draft(rng, slot, authors, end) for slot in slots]
    for draft in list(drafts):
        if draft.channel == "news" and rng.random() < SYNDICATION_RATE:
            copy = _syndicate(rng, draft, authors, stop)
            if copy is not None:
                drafts.append(copy)
    drafts.sort(key=lambda d: d.at)  # stable: ties keep generation order
    posts = []
    for number, draft in enumerate(drafts, start=10_001):
        path = _feed_path(draft)
        guid, link = _identity(draft, path, number, seed, end)
        posts.append(
            DemoPost(
                guid,
                path,
                draft.brand,
                draft.lang,
                draft.at,
                draft.title,
                draft.text,
                draft.author,
                link,
                draft.polarity,
            )
        )
    return posts


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
    """A comment count for the RSS Slash module, heavy-tailed and larger on angry posts.

    Derived from the guid so that it never disturbs the seeded random sequence.
    """
    spread = int(hashlib.sha256(post.guid.encode()).hexdigest()[:8], 16)
    count = (spread % 13) * (1 + spread % 7 // 5 * 9)
    return str(count * (3 if post.polarity == "negative" else 1))


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


def render_feeds(posts: list[DemoPost], base_url: str) -> dict[str, tuple[str, bytes]]:
    """Map each FEEDS path to (content_type, body bytes) for the demo HTTP server."""
    base_url = base_url.rstrip("/")
    rendered: dict[str, tuple[str, bytes]] = {}
    for feed in FEEDS:
        mine = sorted(
            (p for p in posts if p.feed_path == feed.path),
            key=lambda p: (p.published_at, p.guid),
            reverse=True,
        )
        body = RENDERERS[feed.format](feed, mine, base_url)
        rendered[feed.path] = (CONTENT_TYPES[feed.format], body.encode("utf-8"))
    return rendered
