"""Per-question cost at 100 / 1,000 / 10,000 terms, next to the ways others do it, in one run.

    python -m tests.bench engine
    python -m tests.bench.engine 100000      # other sizes

Baselines, measured now on the same glossary and questions:
- wratio: one rapidfuzz `process.extractOne(scorer=WRatio)` over every FAQ question and heading
  (what a simple fuzzy FAQ bot does);
- difflib: `difflib.get_close_matches` over the same strings (the standard library's way), on a
  sample of questions since it takes seconds per question at 10,000 terms.
"""

from __future__ import annotations

import difflib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.answer import Engine
from bot.live import settle
from tests.bench.synth import write_glossary
from tests.conftest import INTENTS

SIZES = (100, 1_000, 10_000)
SEED = 7
OFF_TOPIC = ["thanks!", "what's for lunch?", "what is kubernetes?", "can someone review my PR",
             "the build is broken again", "who is on call this week?"]


def questions(titles: list[str], n: int, seed: int = SEED) -> list[str]:
    """A realistic mix: definitions, parts, paraphrases, one-typo names, bare terms and chatter."""
    rng = random.Random(seed)
    forms = ["what is {t}?", "why does {t} matter", "common mistakes with {t}", "give me an example of {t}",
             "how is {t} used in practice?", "{t}", "<@U1> what does {t} mean", "where do teams slip up on {t}?"]
    out = []
    for i in range(n):
        if i % 10 == 9:
            out.append(rng.choice(OFF_TOPIC))
            continue
        title = rng.choice(titles).split(" (")[0]
        word = max(title.split(), key=len)
        if i % 5 == 3 and len(word) > 3:  # a typo: two neighbouring letters swapped in the longest word
            k = rng.randrange(1, len(word) - 2)
            title = title.replace(word, word[:k] + word[k + 1] + word[k] + word[k + 2:])
        out.append(rng.choice(forms).format(t=title.lower() if i % 2 else title))
    return out


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def time_each(ask, qs: list[str]) -> list[float]:
    samples = []
    for q in qs:
        started = time.perf_counter()
        ask(q)
        samples.append(time.perf_counter() - started)
    return samples


def faq_strings(engine: Engine) -> list[str]:
    return [s for t in engine.glossary.terms for s in
            [*(f.question for f in t.faq), *(f"{t.title} {s.heading}" for s in t.sections)]]


def main(sizes: tuple[int, ...] = SIZES, per_size: int = 2_000) -> dict[int, dict[str, float]]:
    results: dict[int, dict[str, float]] = {}
    print(f"{'terms':>6} {'glossary-bot p50/p99 ms':>24} {'wratio p50/p99 ms':>20} {'difflib p50 ms':>15} "
          f"{'speed-up vs wratio (p50)':>25}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            titles = write_glossary(Path(tmp), size, SEED)
            engine = Engine.load(Path(tmp), INTENTS)
        settle()  # as the running bot does after every load (bot/live.py)
        qs = questions(titles, per_size)
        engine.ask(qs[0])  # first-use work (the typo index) is start-up, measured in `startup`
        ours = time_each(engine.ask, qs)
        choices = faq_strings(engine)
        wratio = time_each(lambda q, c=choices: process.extractOne(q, c, scorer=fuzz.WRatio), qs[:300])
        sample = qs[: max(3, 300 // max(1, size // 100))]
        dl = time_each(lambda q, c=choices: difflib.get_close_matches(q, c, n=1, cutoff=0.6), sample[:20])
        row = {"p50": statistics.median(ours) * 1e3, "p99": percentile(ours, 0.99) * 1e3,
               "wratio_p50": statistics.median(wratio) * 1e3, "wratio_p99": percentile(wratio, 0.99) * 1e3,
               "difflib_p50": statistics.median(dl) * 1e3}
        results[size] = row
        print(f"{size:>6} {row['p50']:>11.3f} / {row['p99']:<10.3f} {row['wratio_p50']:>9.2f} / "
              f"{row['wratio_p99']:<8.2f} {row['difflib_p50']:>14.1f} {row['wratio_p50'] / row['p50']:>24.0f}x")
    if len(sizes) > 1:
        small, large = results[sizes[0]], results[sizes[-1]]
        print(f"growth {sizes[0]} → {sizes[-1]} terms: glossary-bot p50 ×{large['p50'] / small['p50']:.2f}, "
              f"p99 ×{large['p99'] / small['p99']:.2f}; wratio p50 ×{large['wratio_p50'] / small['wratio_p50']:.0f}")
    return results


if __name__ == "__main__":  # python -m tests.bench.engine [SIZE ...]: other sizes (100000 takes minutes)
    main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
