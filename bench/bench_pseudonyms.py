"""Speed of the pseudonymiser: a list of 200 names over a text of about 1,000,000 words.

Run by hand:  python bench/bench_pseudonyms.py [--words 1000000] [--entries 200]

Builds a synthetic interview text (ordinary words, one in fifty a name from
the list in one of the spellings the pseudonymiser must catch: other case,
joined by "_", followed by a digit or "'s", a multi-word name across a line
break, a compound of a prefix entry), then times building the pseudonymiser,
`apply`, `apply_with_offsets` and `count`, and checks that no listed spelling
survived. Prints its figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.core.model import Pseudonym  # noqa: E402
from qualcode.core.pseudonyms import Pseudonymiser  # noqa: E402

WORDS = (
    "the school was a place where we talked about work and time and the teachers said that "
    "it was hard to find the hours for meetings but the students liked it and so did I "
    "maritime emily nordbyen programme feedback workload"
).split()
SYLLABLES = ["ma", "rit", "han", "sen", "nord", "by", "e", "mil", "ås", "ø", "ka", "ri", "jo", "nas", "ida", "tor"]


def entries(n: int, rng: random.Random) -> list[Pseudonym]:
    """n distinct names: most one word, one in five two words, one in ten a prefix entry for compounds."""
    out: dict[str, Pseudonym] = {}
    while len(out) < n:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        if rng.random() < 0.2:
            name += " " + "".join(rng.choice(SYLLABLES) for _ in range(2)).capitalize()
        out.setdefault(name, Pseudonym(name, f"[name {len(out)}]", True, rng.random() < 0.1))
    return list(out.values())


def spelling(entry: Pseudonym, rng: random.Random) -> str:
    """One of the spellings of a name that must be hidden."""
    name = entry.original
    form = rng.randrange(6)
    if form == 1:
        name = name.upper()
    elif form == 2:
        name = name.lower()
    elif form == 3:
        name = name.replace(" ", "\n")
    elif form == 4:
        name += rng.choice(["_x", "2", "'s"])
    elif form == 5 and entry.prefix:
        name += "skolen"
    return name


def text(words: int, names: list[Pseudonym], rng: random.Random) -> str:
    out = []
    for i in range(words):
        out.append(spelling(rng.choice(names), rng) if rng.random() < 0.02 else rng.choice(WORDS))
        out.append("\n" if i % 40 == 39 else " ")
    return "".join(out)


def timed(label: str, call):
    began = time.perf_counter()
    result = call()
    print(f"{label:<32} {time.perf_counter() - began:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    names = entries(args.entries, rng)
    body = text(args.words, names, rng)
    prefixes = sum(e.prefix for e in names)
    print(f"{args.entries} entries ({prefixes} prefix), {args.words:,} words, {len(body):,} characters")
    hide = timed("build (first, with Unicode tables)", lambda: Pseudonymiser.from_entries(names))
    hide = timed("build (again)", lambda: Pseudonymiser.from_entries(names))
    replaced = timed("apply", lambda: hide.apply(body))
    timed("apply_with_offsets", lambda: hide.apply_with_offsets(body))
    counts = timed("count", lambda: hide.count(body))
    # The matching this replaced, for scale: one case-sensitive alternation between \w boundaries.
    before = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(o) for o, _r in hide.pairs) + r")(?!\w)")
    timed("baseline: old whole-word match", lambda: sum(1 for _ in before.finditer(body)))
    print(f"{sum(counts.values()):,} names replaced, {len(counts)} distinct entries")
    folded = " ".join(replaced.casefold().split())
    left = [e.original for e in names if f" {' '.join(e.original.casefold().split())} " in f" {folded} "]
    print(f"names left in the replaced text: {len(left)}", left[:5])


if __name__ == "__main__":
    main()
