"""``python -m proofs``: check every theorem of :mod:`proofs.theorems`, one line each with its time.

Exit status 0 when every theorem checks, 1 when one fails (a counterexample, a solver answer other
than unsat, or an error while checking), 2 on bad arguments. ``--only NAME`` runs some theorems,
``--list`` names them, ``--json FILE`` writes every result.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a file (python proofs/__main__.py): make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proofs.theorems import THEOREMS, load  # noqa: E402


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m proofs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"run only this theorem (repeatable, or comma-separated): {', '.join(THEOREMS)}")
    parser.add_argument("--list", action="store_true", help="list the theorems and their pages, and exit")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every result as JSON to FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected theorems and print one line each; 0 when all check, else 1."""
    parser = _parser()
    args = parser.parse_args(argv)
    names = [x.strip() for item in args.only for x in item.split(",") if x.strip()] or list(THEOREMS)
    unknown = [x for x in names if x not in THEOREMS]
    if unknown:
        parser.error(f"no theorem named {', '.join(map(repr, unknown))}; choose from {', '.join(THEOREMS)}")
    if args.list:
        for name in names:
            module = load(name)
            print(f"{name:<17} {module.TITLE}  ({module.DOC})")
        return 0
    start = time.perf_counter()
    results = []
    for name in names:
        result = load(name).check()
        results.append(result)
        print(result.line(), flush=True)
    failed = [r.name for r in results if not r.holds]
    total = time.perf_counter() - start
    print(f"{len(results) - len(failed)} of {len(results)} theorems checked in {total:.1f} s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    if args.json is not None:
        args.json.write_text(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
