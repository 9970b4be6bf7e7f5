"""Soundness score in the style of VNN-COMP: +10 per correct verdict, −100 per wrong one, 0 otherwise.

Cases come from planted AND/OR ground truths with hidden counterexamples (``soundness_cases.py``):
ε-equivalence at the exact max error, one ulp below it, with the worst output nudged one ulp past
it or towards the model, at a rounded decimal ε; claims on the record, on the model, on the
network through the proven ε, and inside evidence bundles (``Evidence.save`` → ``Evidence.load``
→ ``recheck``), each true or false by one ulp. The expected verdict is decided by an exact
brute-force reference that shares no code with symlogic.

A verdict is *correct* when it is the expected "holds" or "fails", *wrong* when it is the other
one, and *unknown* (0 points) when the engine says "unknown" or "undecided" or refuses the input.
An exception that is not a symlogic error is counted as *escaped* (0 points; a bug). Exit status
1 when any verdict is wrong or any exception escaped.

    python benchmarks/bench_soundness_score.py                        # 10,000 cases (a few minutes)
    python benchmarks/bench_soundness_score.py --cases 2000 --seed 1
    python benchmarks/bench_soundness_score.py --cases 500 --engine float-tolerance   # a verifier that is not sound
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from soundness_cases import Case, Instance, generate_cases  # noqa: E402

from symlogic.progress import Progress  # noqa: E402

#: VNN-COMP's scheme, with the penalty this project uses for a wrong verdict.
POINTS = {"correct": 10, "wrong": -100, "unknown": 0, "escaped": 0}


class Engine(Protocol):
    """Something that answers a case: "holds", "fails", "unknown" or "undecided"."""

    name: str

    def answer(self, case: Case, workdir: str) -> str: ...


# ---- symlogic, as a user calls it --------------------------------------------------------------
class SymlogicEngine:
    """verify / check / evidence exactly as documented; subjects are cached per instance."""

    name = "symlogic"

    def __init__(self) -> None:
        self._cache: dict[Instance, tuple[Any, Any]] = {}

    def _subject(self, inst: Instance) -> tuple[Any, Any]:
        from symlogic import LogicModel, Record

        if inst not in self._cache:
            if len(self._cache) > 16:
                self._cache.clear()
            rec = Record.from_table(np.array(inst.values, dtype=np.float64), list(inst.names))
            bias = inst.model[0][2]
            lm = LogicModel.from_terms(inst.names, bias, [(k, m, c) for k, m, c in inst.model[1:]])
            self._cache[inst] = (rec, lm)
        return self._cache[inst]

    def answer(self, case: Case, workdir: str) -> str:
        from symlogic import check, verify

        rec, lm = self._subject(case.instance)
        text = case.claim_text
        if case.route == "verify":
            return verify(lm, rec, epsilon=case.epsilon).status
        if case.route == "record":
            return check(text, rec).status
        if case.route == "model":
            return check(text, lm).status
        if case.route == "network":
            return check(text, lm, epsilon=verify(lm, rec), record=rec).status
        if case.route == "margin":
            return check(text, lm, epsilon=verify(lm, rec)).status
        return self._bundle(case, rec, lm, workdir)

    @staticmethod
    def _bundle(case: Case, rec: Any, lm: Any, workdir: str) -> str:
        """The verdict a bundle states, counted only when its re-check reproduces it."""
        from symlogic.evidence import Evidence, evidence

        claims = [] if case.claim is None else [case.claim_text]
        ev = evidence(lm, rec, claims=claims, epsilon=case.epsilon)
        back = Evidence.load(ev.save(os.path.join(workdir, "case.zip")))
        items = {item.name.split(" ")[0]: item for item in back.recheck().items}
        if case.claim is None:
            item = items["ε-equivalence"]
            return "holds" if item.ok else ("fails" if back.verdict.status == "fails" else "unknown")
        return back.claims[0].status if items["claim"].ok else "unknown"


# ---- a verifier that is not sound: floats with a tolerance -----------------------------------
class FloatToleranceEngine:
    """Compares in float64 with a relative tolerance, as a quick script might. Cases one ulp past a
    bound look equal to it, so it says "holds" where a violation exists: the scorer must penalise it."""

    name = "float-tolerance"

    def __init__(self, rtol: float = 1e-9) -> None:
        self.rtol = rtol

    def answer(self, case: Case, workdir: str) -> str:
        inst = case.instance
        v = np.array(inst.values)
        masks = np.arange(v.shape[0])
        if case.claim is None:
            f = np.full(v.shape, inst.model[0][2])
            for kind, m, c in inst.model[1:]:
                f += np.where((masks & m) == m if kind == "and" else (masks & m) != 0, c, 0.0)
            eps = float(Fraction(case.epsilon))
            return "holds" if float(np.max(np.abs(f - v))) <= eps * (1 + self.rtol) else "fails"
        spec = case.claim
        table = np.array([float(x) for x in inst.model_table()]) if case.route == "model" else v
        thr, tol = float(spec.threshold), self.rtol * max(1.0, float(np.max(np.abs(table))))
        if spec.kind == "interaction":
            lhs = sum((-1) ** bin(spec.subset & ~t).count("1") * table[t] for t in masks if t & ~spec.subset == 0)
            values = np.array([lhs])
        elif spec.kind == "output":
            keep = np.ones(v.shape, dtype=bool)
            for i, present in spec.cond:
                keep &= ((masks >> i) & 1).astype(bool) == present
            values = table[keep]
        else:
            bit = 1 << spec.var
            keep = (masks & bit) == 0
            for i, present in spec.cond:
                keep &= ((masks >> i) & 1).astype(bool) == present
            change = np.abs(table[masks[keep] | bit] - table[masks[keep]])
            return "holds" if float(np.max(change, initial=0.0)) <= thr + tol else "fails"
        ok = {">=": values >= thr - tol, ">": values > thr - tol, "<=": values <= thr + tol, "<": values < thr + tol}[spec.op]
        return "holds" if bool(np.all(ok)) else "fails"


ENGINES: dict[str, Callable[[], Engine]] = {"symlogic": SymlogicEngine, "float-tolerance": FloatToleranceEngine}


# ---- scoring ----------------------------------------------------------------------------------
@dataclass
class Tally:
    """Counts and points of one category (or of all)."""

    cases: int = 0
    correct: int = 0
    wrong: int = 0
    unknown: int = 0
    escaped: int = 0
    points: int = 0

    def add(self, outcome: str) -> None:
        self.cases += 1
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.points += POINTS[outcome]


@dataclass
class Score:
    """The score of one engine on a list of cases."""

    engine: str
    by_category: dict[str, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)
    wrong: list[tuple[Case, str]] = field(default_factory=list)
    escaped: list[tuple[Case, str]] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "seconds": self.seconds, "total": asdict(self.total),
                "by_category": {k: asdict(t) for k, t in sorted(self.by_category.items())},
                "wrong": [{"case": c.describe(), "answer": a} for c, a in self.wrong],
                "escaped": [{"case": c.describe(), "error": e} for c, e in self.escaped]}


def outcome_of(expected: str, answer: str) -> str:
    """correct / wrong / unknown for one answer ("holds", "fails", or anything else: unknown)."""
    if answer not in ("holds", "fails"):
        return "unknown"
    return "correct" if answer == expected else "wrong"


def run_case(case: Case, engine: Engine, workdir: str) -> tuple[str, str]:
    """(outcome, the engine's answer or error) for one case."""
    from symlogic.errors import SymlogicError

    try:
        answer = engine.answer(case, workdir)
    except SymlogicError as exc:  # a refusal is not a verdict
        return "unknown", f"refused: {type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - an escaped exception is a finding, reported with the case
        return "escaped", f"{type(exc).__name__}: {exc}"
    return outcome_of(case.expected, answer), answer


def score(cases: Iterable[Case], engine: Engine, *, on_case: Callable[[int], None] | None = None) -> Score:
    """Run every case through ``engine`` and add up the points."""
    result = Score(engine=engine.name)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="symlogic-score-") as workdir:
        for k, case in enumerate(cases):
            outcome, answer = run_case(case, engine, workdir)
            result.by_category.setdefault(case.category, Tally()).add(outcome)
            result.total.add(outcome)
            if outcome == "wrong":
                result.wrong.append((case, answer))
            elif outcome == "escaped":
                result.escaped.append((case, answer))
            if on_case is not None:
                on_case(k + 1)
    result.seconds = time.perf_counter() - start
    return result


def table(result: Score) -> str:
    """The score table: one row per category and the total."""
    head = f"{'category':<24} {'cases':>6} {'correct':>8} {'wrong':>6} {'unknown':>8} {'escaped':>8} {'score':>8}"
    rows = [head, "-" * len(head)]
    for name, t in sorted(result.by_category.items()) + [("TOTAL", result.total)]:
        if name == "TOTAL":
            rows.append("-" * len(head))
        rows.append(f"{name:<24} {t.cases:>6} {t.correct:>8} {t.wrong:>6} {t.unknown:>8} {t.escaped:>8} {t.points:>8}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=10_000, help="cases to score (default 10,000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the case generator")
    p.add_argument("--max-n", type=int, default=6, help="largest number of variables of an instance (2–10)")
    p.add_argument("--engine", choices=sorted(ENGINES), default="symlogic", help="what answers the cases")
    p.add_argument("--show", type=int, default=5, help="wrong verdicts and escaped exceptions to print in full")
    p.add_argument("--json", help="write the score to this file")
    p.add_argument("--progress-every", type=float, default=10.0, help="seconds between progress lines")
    args = p.parse_args(argv)
    if args.cases < 1 or not 2 <= args.max_n <= 10:
        p.error("--cases must be ≥ 1 and --max-n within 2–10")

    cases = generate_cases(args.cases, args.seed, args.max_n)
    engine = ENGINES[args.engine]()
    print(f"soundness score: {len(cases)} cases, seed {args.seed}, engine {engine.name} "
          f"(+{POINTS['correct']} correct, {POINTS['wrong']} wrong, 0 unknown)", flush=True)
    with Progress(len(cases), "  scored", unit="cases") as bar:
        bar.log_every(args.progress_every, lambda line: print(line, flush=True))
        result = score(cases, engine, on_case=lambda done: bar.update())
    print()
    print(table(result))
    t = result.total
    best = POINTS["correct"] * t.cases
    print(f"\nscore {t.points} of {best} possible ({100 * t.points / best:.1f} %); cases {t.cases}; "
          f"wrong verdicts {t.wrong} (must be 0); unknowns {t.unknown}; escaped exceptions {t.escaped}; "
          f"{result.seconds:.0f} s")
    for what, items in (("WRONG VERDICT", result.wrong), ("ESCAPED", result.escaped)):
        for case, answer in items[: args.show]:
            print(f"{what}: answered {answer!r} — {case.describe()} (seed {args.seed})")
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_dict(), indent=2, default=str))
    return 1 if t.wrong or t.escaped else 0


if __name__ == "__main__":
    sys.exit(main())
