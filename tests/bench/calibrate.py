"""How far the decision could go: the ceiling (top candidate and its part right) per set, and what a
decision learned from the matcher's evidence would trade, fitted on the tuning sets only.

    python -m tests.bench.calibrate                       # tuning sets, the holdout and the fresh sets
    python -m tests.bench.calibrate /path/to/another/set  # and more corpus-format folders, as holdouts

Each question is weighed once (bot.matcher.Matcher.weigh); its label is whether answering the top
candidate with the part chosen for it would be right, judged as the set judges a reply. An off-topic
or ambiguous question is never right to answer. The fit is a logistic regression (L2, by gradient
descent: a few hundred rows need nothing more) over the evidence's features. Measured 2026-11-29: it
did not beat the hand-set thresholds in bot/matcher.py on the holdouts, so the engine does not use it;
the ceiling is what limits the answers (most misses are the right term with the wrong part).

Tuning sets: the question table and ../shared/corpus. Every other set is a holdout: reported, never fitted.
"""

from __future__ import annotations

import argparse
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.answer import Engine
from bot.content import Slug
from bot.matcher import Evidence, TermHit
from bot.render import to_text
from tests.bench.corpus import load_cases
from tests.bench.quality import holdout_engine
from tests.conftest import FIXTURES, INTENTS, PAGES
from tests.question_table import load_rows

TUNING = ("table", "corpus")
L2 = 0.01
STEPS, RATE = 4000, 0.5


@dataclass(frozen=True)
class Row:
    features: dict[str, float]
    right: bool  # answering the top candidate would be right
    on_topic: bool
    question: str


def features(ev: Evidence) -> dict[str, float]:
    """The top candidate's evidence as numbers."""
    top = ev.hits[0] if ev.hits else TermHit(Slug(""), 0.0)
    second = ev.hits[1].score if len(ev.hits) > 1 else 0.0
    part = ev.part
    return {"score": top.score, "name": top.name, "page_only": float(not top.name),
            "misfit": 0.0 if top.fit is None else 1 - top.fit, "everyday": top.everyday,
            "gap": top.score - second, "certainty": part.certainty if part else 0.0,
            "body": float(top.body)}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def corpus_rows(folder: Path) -> list[Row]:
    engine = Engine.load(folder / "pages", INTENTS)
    slugs = {t.title: t.slug for t in engine.glossary.terms}
    out = []
    for case in load_cases(folder):
        ev = engine.matcher.weigh(case.q)
        right = False
        if case.term is not None and ev.hits and ev.part and ev.hits[0].slug == slugs.get(case.term):
            text = _flat(to_text(engine.answer_part(ev.hits[0].slug, str(ev.part.ref), case.q)))
            right = any(_flat(e) in text for e in case.expect)
        out.append(Row(features(ev), right, case.term is not None, case.q))
    return out


def table_rows(engine: Engine, table: Path) -> list[Row]:
    out = []
    for row in load_rows(table):
        if row.miss:
            continue
        ev = engine.matcher.weigh(row.q)
        right = False
        if row.term and ev.hits and ev.part and ev.hits[0].slug == row.term:
            answer = engine.answer_part(row.term, str(ev.part.ref), row.q)
            right = answer.part is not None and answer.part.heading == row.heading
        out.append(Row(features(ev), right, row.term is not None, row.q))
    return out


def sets(extra: list[Path]) -> dict[str, list[Row]]:
    with tempfile.TemporaryDirectory() as tmp:
        holdout = table_rows(holdout_engine(Path(tmp)), FIXTURES / "holdout" / "questions.yaml")
    found = {"table": table_rows(Engine.load(PAGES, INTENTS), FIXTURES / "questions.yaml"),
             "corpus": corpus_rows(Path("../shared/corpus")), "holdout": holdout,
             "fresh": corpus_rows(FIXTURES / "fresh"), "cncf": corpus_rows(FIXTURES / "cncf"),
             "legal": corpus_rows(FIXTURES / "legal"), "fineng": corpus_rows(FIXTURES / "fineng")}
    for folder in extra:
        found[folder.name] = corpus_rows(folder)
    return found


def probability(features: dict[str, float], weights: dict[str, float], bias: float) -> float:
    z = bias + sum(weights[k] * features[k] for k in weights)
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def fit(rows: list[Row]) -> tuple[dict[str, float], float]:
    names = list(rows[0].features)
    w = dict.fromkeys(names, 0.0)
    b = 0.0
    n = len(rows)
    for _ in range(STEPS):
        gw = dict.fromkeys(names, 0.0)
        gb = 0.0
        for row in rows:
            z = b + sum(w[k] * row.features[k] for k in names)
            err = 1 / (1 + math.exp(-z)) - row.right
            for k in names:
                gw[k] += err * row.features[k]
            gb += err
        for k in names:
            w[k] -= RATE * (gw[k] / n + L2 * w[k])
        b -= RATE * gb / n
    return w, b


def report(name: str, rows: list[Row], w: dict[str, float], b: float) -> None:
    on = sum(r.on_topic for r in rows)
    print(f"{name}: {len(rows)} rows, {on} on-topic, top candidate + part right for {sum(r.right for r in rows)}")
    for at in (0.5, 0.6, 0.7, 0.8, 0.9):
        answered = [r for r in rows if probability(r.features, w, b) >= at]
        right = sum(r.right for r in answered)
        wrong = len(answered) - right
        print(f"  answer at p>={at:.1f}: on-topic right {right / max(1, on):.1%}, wrong answers {wrong}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("extra", nargs="*", type=Path, help="more corpus-format folders, reported as holdouts")
    args = parser.parse_args(argv)
    found = sets(args.extra)
    w, b = fit([r for name in TUNING for r in found[name]])
    print("weights:", {k: round(v, 3) for k, v in w.items()}, "bias:", round(b, 3))
    for name, rows in found.items():
        report(f"{name}{' (tuning)' if name in TUNING else ''}", rows, w, b)


if __name__ == "__main__":
    main()
