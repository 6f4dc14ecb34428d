"""Score the engine on a corpus-format set: a folder with pages/*.txt and questions.yaml.

    python -m tests.bench.corpus ../shared/corpus            # summary
    python -m tests.bench.corpus ../shared/corpus --misses   # and every miss
    python -m tests.bench.corpus ../shared/corpus --sweep    # answered right / wrong as the threshold moves

A case passes as the independent sets judge it: an on-topic case when the reply is an answer whose
text holds one of its `expect` phrases (case and spacing ignored); an off-topic or ambiguous case
(`term: null`) when the bot does not answer. A *wrong answer* is an answer that fails its case.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import matcher
from bot.answer import Answer, Engine
from bot.render import to_text
from tests.conftest import INTENTS


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass(frozen=True)
class Case:
    q: str
    term: str | None
    expect: tuple[str, ...]
    tag: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    answer: Answer

    @property
    def answered(self) -> bool:
        return self.answer.answered

    @property
    def right(self) -> bool:
        if self.case.term is None:
            return not self.answered
        text = _flat(to_text(self.answer))
        return self.answered and any(_flat(e) in text for e in self.case.expect)

    @property
    def wrong_answer(self) -> bool:
        return self.answered and not self.right


def load_cases(folder: Path) -> list[Case]:
    raw = yaml.safe_load((folder / "questions.yaml").read_text(encoding="utf-8"))
    return [Case(r["q"], r.get("term"), tuple(r.get("expect") or ()), r.get("tag", "")) for r in raw]


def run(folder: Path, engine: Engine | None = None) -> list[Outcome]:
    engine = engine or Engine.load(folder / "pages", INTENTS)
    return [Outcome(case, engine.ask(case.q)) for case in load_cases(folder)]


def summary(outcomes: list[Outcome]) -> dict[str, float]:
    on = [o for o in outcomes if o.case.term is not None]
    off = [o for o in outcomes if o.case.term is None]
    return {"cases": len(outcomes), "on_topic_right": sum(o.right for o in on) / max(1, len(on)),
            "off_topic_silent": sum(o.right for o in off) / max(1, len(off)),
            "wrong_answers": sum(o.wrong_answer for o in outcomes)}


def reliability(outcomes: list[Outcome]) -> list[tuple[str, int, float]]:
    """Answers by confidence band: (band, answers, share right)."""
    bands = [(0.9, 1.01), (0.8, 0.9), (0.7, 0.8), (0.6, 0.7), (0.0, 0.6)]
    rows = []
    for lo, hi in bands:
        inside = [o for o in outcomes if o.answered and lo <= o.answer.confidence < hi]
        rows.append((f"{lo:.1f}–{min(hi, 1.0):.1f}", len(inside), sum(o.right for o in inside) / max(1, len(inside))))
    return rows


def sweep(folder: Path) -> None:
    """The trade-off: on-topic answered right, and wrong answers, at each answer threshold. (A did-you-mean
    is never a wrong answer; a wrong answer is the worst reply.)"""
    engine = Engine.load(folder / "pages", INTENTS)
    saved = matcher.ANSWER_AT
    try:
        for threshold in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
            matcher.ANSWER_AT = threshold  # the one decision threshold, moved for this measurement only
            s = summary(run(folder, engine))
            print(f"  answer at {threshold:.2f}: on-topic right {s['on_topic_right']:.1%}, "
                  f"off-topic silent {s['off_topic_silent']:.1%}, wrong answers {s['wrong_answers']}")
    finally:
        matcher.ANSWER_AT = saved


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--sweep", action="store_true", help="answered right / wrong as the answer threshold moves")
    args = parser.parse_args(argv)
    for folder in args.folders:
        outcomes = run(folder)
        s = summary(outcomes)
        print(f"{folder}: {s['cases']} cases  on-topic right {s['on_topic_right']:.1%}  "
              f"off-topic silent {s['off_topic_silent']:.1%}  wrong answers {s['wrong_answers']}")
        for band, n, share in reliability(outcomes):
            print(f"  confidence {band}: {n:3} answers, {share:.0%} right")
        if args.sweep:
            sweep(folder)
        if args.misses:
            for o in outcomes:
                if not o.right:
                    got = f"{o.answer.kind} {o.answer.term.title if o.answer.term else ''} / " \
                          f"{o.answer.part.heading if o.answer.part else ''} {[x.title for x in o.answer.options]}"
                    print(f"  MISS [{o.case.tag}] {o.case.q!r} want {o.case.term}: got {got}")


if __name__ == "__main__":
    main()
