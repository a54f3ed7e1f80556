"""Measure the claim finder on the labelled corpus (bench/claims_corpus/).

    .venv/bin/python bench/claims.py               # dev and held-out figures
    .venv/bin/python bench/claims.py --part dev --misses   # what dev misses, to tune on

Prints, per genre and overall, for each part: precision, recall, the share of found
forecasts whose deadline is right (within 31 days, or both undated), the share of stated
probabilities read right (within 0.05), and sentences per second on one core, the
language pipeline included. Held-out misses are never printed: nobody tunes on them.

A proposal is right when it covers at least half of a labelled forecast's quote (or the
quote covers half of it); a labelled forecast is found when some proposal covers it so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# One core: the language pipeline's numpy must not spread over both.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry.claims import analyse  # noqa: E402
from registry.claims.assembly import assemble  # noqa: E402

CORPUS = ROOT / "bench" / "claims_corpus"
DEADLINE_SLACK_DAYS = 31
PROBABILITY_SLACK = 0.05


@dataclass
class Labelled:
    id: str
    genre: str
    text: str
    meta: dict
    forecasts: list[dict]


@dataclass
class Tally:
    proposals: int = 0
    right: int = 0
    gold: int = 0
    found: int = 0
    deadline_right: int = 0
    stated: int = 0
    stated_right: int = 0
    units: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("proposals", "right", "gold", "found", "deadline_right", "stated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.stated_right += other.stated_right
        self.units += other.units
        self.seconds += other.seconds


def load(part: str) -> list[Labelled]:
    texts = []
    for path in sorted((CORPUS / part).glob("*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        text = path.with_suffix(".txt").read_text(encoding="utf-8")
        texts.append(Labelled(meta["id"], meta["genre"], text, meta, meta["forecasts"]))
    return texts


def _covers(a: tuple[int, int], b: tuple[int, int]) -> bool:
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    return overlap > 0 and overlap * 2 >= min(a[1] - a[0], b[1] - b[0])


def measure(labelled: Labelled, *, show: bool) -> Tally:
    meta = labelled.meta
    started = time.perf_counter()
    passage = analyse(
        labelled.text,
        date.fromisoformat(meta["published_on"]),
        title=meta.get("title", ""),
        fiscal_year_start_month=meta.get("fiscal_year_start_month") or 1,
    )
    proposals = assemble(passage)
    tally = Tally(seconds=time.perf_counter() - started, units=len(passage.units))
    spans = []
    for gold in labelled.forecasts:
        start = labelled.text.find(gold["quote"])
        spans.append((start, start + len(gold["quote"])))
    tally.proposals, tally.gold = len(proposals), len(labelled.forecasts)
    for proposal in proposals:
        if any(_covers((proposal.start, proposal.end), span) for span in spans):
            tally.right += 1
        elif show:
            tally.misses.append(f"WRONG  {proposal.quote[:150]!r}\n         {proposal.reasons}")
    for gold, span in zip(labelled.forecasts, spans, strict=True):
        match = next((p for p in proposals if _covers((p.start, p.end), span)), None)
        if match is None:
            if show:
                tally.misses.append(f"MISSED {gold['quote'][:150]!r}")
            continue
        tally.found += 1
        expected = gold.get("deadline")
        got = match.deadline
        if (expected is None and got is None) or (
            expected is not None
            and got is not None
            and abs((date.fromisoformat(expected) - got).days) <= DEADLINE_SLACK_DAYS
        ):
            tally.deadline_right += 1
        elif show:
            tally.misses.append(
                f"DATE   {gold['quote'][:110]!r}: want {expected}, got {got} "
                f"({match.horizon.phrase if match.horizon else ''})"
            )
        if gold.get("probability") is not None:
            tally.stated += 1
            if (
                match.probability_stated
                and match.implied_probability is not None
                and abs(match.implied_probability - gold["probability"]) <= PROBABILITY_SLACK
            ):
                tally.stated_right += 1
            elif show:
                tally.misses.append(
                    f"PROB   {gold['quote'][:110]!r}: want {gold['probability']}, got "
                    f"{match.implied_probability} ({match.probability_phrase!r})"
                )
    return tally


def _ratio(top: int, bottom: int) -> str:
    return f"{top / bottom:.3f}" if bottom else "  -  "


def row(name: str, tally: Tally) -> str:
    speed = tally.units / tally.seconds if tally.seconds else 0
    return (
        f"{name:32} {tally.gold:5} {tally.proposals:6} {_ratio(tally.right, tally.proposals):>9} "
        f"{_ratio(tally.found, tally.gold):>7} {_ratio(tally.deadline_right, tally.found):>9} "
        f"{_ratio(tally.stated_right, tally.stated):>8} ({tally.stated:3}) {speed:8.0f}"
    )


def report(part: str, *, show: bool, only: str = "") -> Tally:
    texts = [labelled for labelled in load(part) if only in labelled.id]
    by_genre: dict[str, Tally] = defaultdict(Tally)
    total = Tally()
    for labelled in texts:
        tally = measure(labelled, show=show and part == "dev")
        by_genre[labelled.genre].add(tally)
        total.add(tally)
        if tally.misses:
            print(f"\n== {labelled.id}")
            print("\n".join(tally.misses))
    print(f"\n{part}: {len(texts)} texts")
    print(
        f"{'genre':32} {'gold':>5} {'found':>6} {'precision':>9} {'recall':>7} "
        f"{'deadline':>9} {'stated p':>8} {'(n)':>5} {'sent/s':>8}"
    )
    for genre in sorted(by_genre):
        print(row(genre, by_genre[genre]))
    print(row("overall", total))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["dev", "heldout", "both"], default="both")
    parser.add_argument("--misses", action="store_true", help="print dev misses")
    parser.add_argument("--only", default="", help="only the texts whose id contains this")
    args = parser.parse_args()
    from registry.claims.nlp import english

    english()  # load the model before the clock starts
    parts = ["dev", "heldout"] if args.part == "both" else [args.part]
    for part in parts:
        report(part, show=args.misses, only=args.only)


if __name__ == "__main__":
    main()
