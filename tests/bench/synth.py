"""Synthetic glossaries in the source page format, reproducible from a seed (benchmarks, big-glossary tests)."""

from __future__ import annotations

import random
from pathlib import Path

FIRST = ("account audience brand budget buyer campaign channel churn click content conversion cost customer "
         "demand email engagement funnel growth impression intent lead lifecycle loyalty margin market media "
         "message offer organic pipeline price product reach referral retention revenue search segment session "
         "signal social spend subscriber traffic trial upsell value visitor win").split()
SECOND = ("acquisition activation affinity allocation analysis attribution awareness benchmark cadence capacity "
          "cohort coverage decay density depth diversity efficiency elasticity equity expansion exposure "
          "fatigue fit frequency health index lift mix momentum overlap pacing penetration quality rate ratio "
          "recall reach recovery return score share spread velocity weight yield").split()
THIRD = ("model metric curve plan test map window target threshold loop tier").split()
FOURTH = ("audit baseline cap forecast review").split()
FIELDS = ("Marketing Technology", "Analytics", "Growth", "Advertising", "Brand", "Retention", "Experimentation",
          "Sales and marketing alignment", "Customer experience", "Pricing")
SECTIONS = ("Definition in plain terms", "Where the mechanics matter", "When teams use it", "Worked example",
            "Where teams go wrong")


def titles(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    combos = [f"{a} {b}" for a in FIRST for b in SECOND] + [f"{a} {b} {c}" for a in FIRST for b in SECOND
                                                            for c in THIRD]
    if n > len(combos):  # past 30,000 terms: four-word titles too, as large glossaries have
        combos += [f"{a} {b} {c} {d}" for a in FIRST for b in SECOND for c in THIRD for d in FOURTH]
    rng.shuffle(combos)
    chosen = combos[:n]
    if len(chosen) < n:
        raise ValueError(f"synth makes at most {len(combos):,} distinct titles")
    out = []
    for i, words in enumerate(chosen):
        title = words[0].upper() + words[1:]
        if i % 7 == 0:  # some carry an acronym, as real glossaries do
            title += " (" + "".join(w[0] for w in words.split()).upper() + f"{i})"
        out.append(title)
    return out


def page(title: str, rng: random.Random) -> str:
    field = rng.choice(FIELDS)
    base = title.split(" (", maxsplit=1)[0]
    lines = [title, f"How {base.lower()} is read in {field.lower()}", "- Term", f"- {base}", "- Field", f"- {field}",
             "- Category", f"- {field}"]
    for heading in SECTIONS:
        if heading != SECTIONS[0] and rng.random() < 0.2:
            continue  # pages omit sections now and then
        lines.append(heading)
        lines.append(f"{base} matters when a decision depends on it; teams in {field} pin it down first.")
        if heading == "Worked example":
            lines += ["| Stage | Action |", "|---|---|", f"| Baseline | Read {base} before any change. |",
                      f"| Result | {base} moved {rng.randint(5, 40)}% |"]
        elif heading == "Where teams go wrong":
            lines += [f"- No anchor. Quoting {base} without a baseline.", f"- Vanity focus. Gaming {base}."]
    questions = [f"What is {base}?", f"Why does {base} matter?", f"How is {base} used in practice?",
                 f"Where do teams slip up on {base}?", f"Where can I go deeper on {base}?"]
    lines.append("Common questions")
    lines += questions
    for q in questions[: rng.randint(1, 3)]:  # answers run out, as in the source page
        lines += [f"- {q}", f"- {base}: an answer for {q.lower()}"]
    return "\n".join(lines) + "\n"


def write_glossary(directory: Path, n: int, seed: int = 7) -> list[str]:
    """Write n pages into directory; returns their titles."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    names = titles(n, seed)
    for i, title in enumerate(names):
        (directory / f"{i:05d}.txt").write_text(page(title, rng), encoding="utf-8")
    return names
