"""A large, realistic synthetic corpus of mentions for the performance benchmarks.

    python benchmarks/corpus.py --rows 300000 --out bench.jsonl

The texts are not repeated templates. An order-2 word Markov chain per language is trained
on the sentences of the demo corpus (and, when `../shared/data/sentiment` is there, on the
labelled real tweets too), and each post strings one to four generated sentences together,
so nearly every text is new. On top of that, what real feeds carry:

* English and French (about 60/40), brand names, @handles, #hashtags, emoji and links;
* mostly tweet-length posts, with a tail of long news-like articles;
* about 15 % reposts: retweets ("RT @user: ..."), cross-posts of the same text under another
  id, and near-copies with a word changed or a tag added;
* recurring authors with heavy-tailed audiences, engagement counts, times over 30 days.

Everything comes from one seeded `random.Random`, so a (rows, seed) pair gives the same file.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_TWEETS = ROOT.parent / "shared" / "data" / "sentiment"

BRANDS = ("Velora", "Cyclane", "Roulix")
HANDLES = ("@velora", "@cyclane_bikes", "@roulix", "@velora_support", "@bikefan", "@lucie_m")
HASHTAGS = {
    "en": ("#ebike", "#Velora", "#cycling", "#commute", "#bikelife", "#fail", "#love", "#tech"),
    "fr": ("#vélo", "#Velora", "#vélotaf", "#mobilité", "#déçu", "#top", "#Cyclane", "#SAV"),
}
EMOJI = ("😂", "😍", "😡", "👍", "🔥", "🙏", "😤", "🚲", "⚡", "💔", "🤔", "👏", "😭", "✨")
REPOST_RATE = 0.15
FRENCH_RATE = 0.40
LONG_RATE = 0.05

_SENTENCE = re.compile(r"(?<=[.!?…])\s+")
_MARKUP = re.compile(r"<[^>]+>")
START = ("", "")


def _sentences() -> dict[str, list[str]]:
    """Training sentences per language: the demo corpus, plus real tweets when available."""
    sys.path.insert(0, str(ROOT))
    from pipelines.demo_corpus import build_corpus

    found: dict[str, list[str]] = defaultdict(list)
    for post in build_corpus(date(2026, 11, 21), days=30, credentials=True):
        body = _MARKUP.sub(" ", post.text)
        found[post.lang] += [s for s in _SENTENCE.split(body) if len(s.split()) >= 3]
    for lang in ("en", "fr"):
        for split in ("train", "val"):
            path = SHARED_TWEETS / f"xlmt-{lang}-{split}.tsv"
            if path.exists():
                for line in path.read_text(encoding="utf-8").splitlines():
                    text = line.split("\t", 1)[-1]
                    found[lang] += [s for s in _SENTENCE.split(text) if len(s.split()) >= 3]
    return found


class Chain:
    """Order-2 word Markov chain: sentences that read like the training ones, yet are new."""

    def __init__(self, sentences: list[str]) -> None:
        self.next: dict[tuple[str, str], list[str]] = defaultdict(list)
        for sentence in sentences:
            words = sentence.split()
            state = START
            for word in [*words, ""]:
                self.next[state].append(word)
                state = (state[1], word)

    def sentence(self, rng: random.Random, max_words: int = 40) -> str:
        words: list[str] = []
        state = START
        while len(words) < max_words:
            word = rng.choice(self.next[state])
            if not word:
                break
            words.append(word)
            state = (state[1], word)
        return " ".join(words)


def _decorate(rng: random.Random, text: str, lang: str) -> str:
    """Brand names, handles, hashtags, emoji and links, in the proportions feeds show."""
    if not any(b in text for b in BRANDS) and rng.random() < 0.7:
        brand = rng.choice(BRANDS)
        text = f"{brand} {text}" if rng.random() < 0.5 else f"{text} {brand}"
    if rng.random() < 0.2:
        text = f"{rng.choice(HANDLES)} {text}"
    if rng.random() < 0.3:
        text += " " + "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.4:
        text += " " + " ".join(rng.sample(HASHTAGS[lang], rng.randint(1, 3)))
    if rng.random() < 0.1:
        text += f" https://t.example/{rng.getrandbits(40):x}"
    return text


def _near_copy(rng: random.Random, text: str) -> str:
    words = text.split()
    if len(words) > 4 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    else:
        words.append(rng.choice(("!!", "+1", "so true", "exactement", "👀", "#repost")))
    return " ".join(words)


def generate(rows: int, seed: int = 300) -> Iterator[dict]:
    """`rows` import records (the documented `vigie import` columns), deterministic."""
    rng = random.Random(seed)
    chains = {lang: Chain(s) for lang, s in _sentences().items()}
    authors = [f"user{i}" for i in range(max(100, rows // 6))]
    followers = {a: int(rng.paretovariate(1.2) * 40) for a in authors}
    start = datetime.combine(date(2026, 10, 22), datetime.min.time(), tzinfo=UTC)
    recent: list[tuple[str, str, str]] = []  # (text, author, lang) of earlier originals
    for i in range(rows):
        author = authors[int((rng.paretovariate(0.8) - 1) * 40) % len(authors)]
        when = start + timedelta(seconds=rng.randrange(30 * 86_400))
        if recent and rng.random() < REPOST_RATE:
            text, original, lang = recent[rng.randrange(len(recent))]
            kind = rng.random()
            if kind < 0.5:
                text = f"RT @{original}: {text}"
            elif kind < 0.8:
                text = _near_copy(rng, text)
        else:
            lang = "fr" if rng.random() < FRENCH_RATE else "en"
            count = rng.randint(8, 25) if rng.random() < LONG_RATE else rng.choice((1, 1, 2, 2, 3))
            text = _decorate(rng, " ".join(chains[lang].sentence(rng) for _ in range(count)), lang)
            recent.append((text, author, lang))
            if len(recent) > 5_000:
                recent.pop(rng.randrange(len(recent)))
        yield {
            "source_id": f"bench-{seed}-{i}",
            "published_at": when.isoformat().replace("+00:00", "Z"),
            "text": text,
            "author": author,
            "author_followers": followers[author],
            "likes": int(rng.paretovariate(1.5)) - 1,
            "shares": int(rng.paretovariate(2.0)) - 1,
            "comments": int(rng.paretovariate(2.0)) - 1,
            "url": f"https://social.example/{author}/{i}",
        }


def write(path: Path, rows: int, seed: int = 300) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for record in generate(rows, seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=300)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(args.out, args.rows, args.seed)
    print(f"wrote {args.rows:,} mentions to {args.out}")


if __name__ == "__main__":
    main()
