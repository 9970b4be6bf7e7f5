"""``python -m symlogic.study verify STUDY.zip``: load a study bundle and re-check every sample.

Exit status: 0 when every sample and dataset claim re-checks; 1 when one does not, or the bundle
was altered (any check of :meth:`symlogic.study.Study.load` fails); 2 for unusable input (no such
file, a wrong command).
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import BundleError, SymlogicError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m symlogic.study", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="load a study bundle and re-check every sample")
    verify.add_argument("bundle")
    verify.add_argument("--time-limit", type=float, default=None, help="seconds per Z3 call")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    if not os.path.isfile(args.bundle):
        print(f"{args.bundle}: no such file", file=sys.stderr)
        return 2
    from .study import Study

    try:
        study = Study.load(args.bundle)
        items = study.recheck(args.time_limit)
    except BundleError as exc:
        print(f"REFUSED: {exc}", file=sys.stderr)
        return 1
    except SymlogicError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for what, ok, detail in items:
        print(f"[{'ok' if ok else 'FAIL'}] {what}: {detail}")
    ok = all(ok for _, ok, _ in items)
    print(f"{len(study)} samples: " + ("ALL RE-CHECKED" if ok else "RE-CHECK FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
