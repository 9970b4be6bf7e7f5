"""The ``symlogic`` command line: demo, explain, extract, verify, check, export, graph, report.

Errors are one clear line on stderr and a non-zero exit (2 for unusable input); ``--debug`` shows
the traceback. ``symlogic verify`` exits 0 when everything re-checks, 1 when a verdict or claim
does not re-check or the bundle was altered.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .defaults import Q_BOUND, TARGET, TAU
from .errors import BundleError, SymlogicError
from .results import status_word
from .weak import is_weak, weak_advice

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNDECIDED = 0, 1, 2, 3
EXIT_CODES = """exit codes:
  0  done: every result re-checks (verify), the claim holds (check)
  1  a verdict or claim does not re-check or the bundle was altered (verify); the claim is refuted (check)
  2  unusable input: a missing or unreadable file, a bad argument, a claim that does not parse
  3  the claim is undecided or unknown (check): no counterexample, no proof (a margin too small, a timeout)
  130  interrupted"""
EXPORT_FORMATS = ("sympy", "latex", "json", "dot", "graphml", "mermaid")


class CliError(Exception):
    """An error to print as one line, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _load_bundle(path: str) -> Any:
    from .evidence import Evidence

    if not os.path.exists(path):
        raise CliError(f"{path}: no such file; pass the path of an evidence bundle (made by `symlogic demo` or `symlogic explain`)")
    try:
        return Evidence.load(path)
    except BundleError as exc:
        raise CliError(str(exc), EXIT_FAIL if "altered" in str(exc) or "mismatch" in str(exc) else EXIT_USAGE) from exc


def _progress(args: argparse.Namespace) -> bool | None:
    return False if getattr(args, "quiet", False) else None


# ---- commands -----------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(args.output, n_features=args.features, seed=args.seed, tau=args.tau, target=args.epsilon,
             progress=_progress(args))
    return EXIT_OK


def _factory(spec: str) -> Any:
    if ":" not in spec:
        raise CliError(f"--model {spec!r}: expected MODULE:FACTORY, e.g. mypkg.models:make")
    mod_name, func_name = spec.split(":", 1)
    sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(mod_name)
    except ImportError as exc:
        raise CliError(f"--model {spec!r}: cannot import module {mod_name!r} ({exc})") from exc
    finally:
        sys.path.pop(0)
    func = getattr(module, func_name, None)
    if not callable(func):
        raise CliError(f"--model {spec!r}: module {mod_name!r} has no callable {func_name!r}")
    made = func()
    if isinstance(made, dict):
        return made
    if isinstance(made, (tuple, list)) and len(made) in (3, 4, 5):
        keys = ("model", "x", "baseline", "names", "variables")
        return dict(zip(keys, made))
    raise CliError(f"--model {spec!r}: the factory must return (model, x, baseline[, names[, variables]]) or a dict "
                   "with those keys")


def _write_outputs(ev: Any, out: Path, echo: Any) -> None:
    out.mkdir(parents=True, exist_ok=True)
    bundle = ev.save(out / "evidence.zip")
    report = ev.to_html(out / "report.html")
    for line in ev.summary_lines():
        echo(line)
    echo(f"wrote {bundle} and {report}")


def cmd_explain(args: argparse.Namespace) -> int:
    import torch

    from .model_record import record_model
    from .pipeline import explain

    made = _factory(args.model)
    missing = [k for k in ("model", "x", "baseline") if k not in made]
    if missing:
        raise CliError(f"--model {args.model!r}: the factory's result lacks {missing}")
    x = torch.as_tensor(made["x"])
    variables = made.get("variables") or [[i] for i in range(x.numel())]
    rec = record_model(made["model"], x, made["baseline"], variables, target=made.get("target"),
                       output=made.get("output", args.output_kind), names=made.get("names"),
                       batch_size=args.batch_size, device=args.device, progress=_progress(args))
    ev = explain(rec, method=args.method, q_bound=args.q_bound, tau=args.tau, top_k=args.top_k,
                 refit=None if args.no_refit else "minimax", claims=args.claim, device=args.device,
                 time_limit=args.time_limit, progress=_progress(args), target=args.epsilon)
    _write_outputs(ev, Path(args.output_dir), print)
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    import numpy as np

    from .pipeline import explain
    from .record import Record

    path = Path(args.table)
    if not path.exists():
        raise CliError(f"{path}: no such file; pass a .npy table of 2^n float outputs (or a bundle)")
    if path.suffix == ".npy":
        try:
            values = np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise CliError(f"{path}: not a plain numeric .npy array ({exc})") from exc
        names = args.names.split(",") if args.names else None
        rec = Record.from_table(values, names=names)
    else:
        rec = _load_bundle(str(path)).record
    ev = explain(rec, method=args.method, q_bound=args.q_bound, tau=args.tau, top_k=args.top_k,
                 refit=None if args.no_refit else "minimax", claims=args.claim, time_limit=args.time_limit,
                 progress=_progress(args), target=args.epsilon)
    _write_outputs(ev, Path(args.output_dir), print)
    return EXIT_OK


def _is_study_bundle(path: str) -> bool:
    """Whether ``path`` is a study bundle (a zip with ``study.json``, docs/study.md); reads only the
    zip's directory. Anything unreadable is left to the evidence loader's own error."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return "study.json" in names and "manifest.json" not in names


def cmd_verify(args: argparse.Namespace) -> int:
    if _is_study_bundle(args.bundle):  # a dataset's bundle: every sample re-checked (symlogic.study)
        from .study.__main__ import main as study_main

        argv = ["verify", args.bundle] + ([] if args.time_limit is None else ["--time-limit", str(args.time_limit)])
        return study_main(argv)
    ev = _load_bundle(args.bundle)
    report = ev.recheck(time_limit=args.time_limit)
    print(f"bundle {args.bundle}: {ev.record.n} variables, {ev.record.values.shape[0]} recorded masks, "
          f"{len(ev.logic_model)} concepts, written by symlogic {ev.symlogic_version} on {ev.created}")
    print(report)
    rel = ev.verdict.relative_epsilon
    if rel is not None:
        print(f"the proven ε is {100 * rel:.3g} % of the output range")
    if report.ok and is_weak(rel):
        print(weak_advice(rel, front=ev.front_summary()))
    return EXIT_OK if report.ok else EXIT_FAIL


def cmd_check(args: argparse.Namespace) -> int:
    from .claims import check

    ev = _load_bundle(args.bundle)
    if args.on == "record":
        res = check(args.claim, ev.record)
    else:
        from .verify import verify

        verdict = verify(ev.logic_model, ev.record, epsilon=ev.epsilon)
        res = check(args.claim, ev.logic_model, epsilon=verdict, record=ev.record)
    if args.json:
        print(json.dumps(res.to_dict(), indent=2, default=str))
    else:
        print(f"{status_word(res.status, 'claim')}: {args.claim}")
        print(res.explanation)
        if res.counterexample:
            print("counterexample: " + json.dumps(res.counterexample, default=str))
    return {"holds": EXIT_OK, "fails": EXIT_FAIL}.get(res.status, EXIT_UNDECIDED)


def cmd_export(args: argparse.Namespace) -> int:
    ev = _load_bundle(args.bundle)
    lm = ev.logic_model
    fmt = args.format
    if fmt == "sympy":
        text = f"{lm.to_sympy()}\n"
    elif fmt == "latex":
        text = lm.to_latex() + "\n"
    elif fmt == "json":
        text = json.dumps(lm.to_dict(), indent=2) + "\n"
    else:
        from . import export as graph

        g = graph.to_networkx(lm, epsilon=ev.verdict.epsilon)
        if fmt == "graphml":
            if not args.output:
                raise CliError("--format graphml writes a file: pass -o PATH.graphml")
            graph.to_graphml(g, args.output)
            print(f"wrote {args.output}")
            return EXIT_OK
        text = graph.to_dot(g) if fmt == "dot" else graph.to_mermaid(g)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    from .figures.graph import render

    ev = _load_bundle(args.bundle)
    suffix = Path(args.output).suffix.lower()
    if suffix not in (".svg", ".png"):
        raise CliError(f"-o {args.output}: the picture's name must end in .svg or .png")
    render(ev.logic_model, args.output)
    print(f"wrote {args.output}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    ev = _load_bundle(args.bundle)
    print(f"wrote {ev.to_html(args.output)}")
    return EXIT_OK


# ---- parser -------------------------------------------------------------------------------------
def _add_extract_options(p: argparse.ArgumentParser) -> None:
    from .extraction.solvers import SOLVERS

    p.add_argument("--method", choices=tuple(SOLVERS), default="exact",
                   help="extraction method: " + "; ".join(f"{k} ({s.description.rstrip('.')})" for k, s in SOLVERS.items())
                   + " (default: exact)")
    p.add_argument("--q-bound", type=float, default=Q_BOUND, help=f"noise bound as a fraction of |v(N) - v(∅)| (default {Q_BOUND})")
    p.add_argument("--tau", type=float, default=TAU, help=f"salience threshold as a fraction of max |I| (default {TAU})")
    p.add_argument("--top-k", type=int, default=None, help="keep the k strongest concepts instead of a threshold")
    p.add_argument("--no-refit", action="store_true", help="keep extracted coefficients (default: minimax refit)")
    p.add_argument("--time-limit", type=float, default=600.0,
                   help="seconds for the exact solver (default 600); on expiry the result stays feasible and its gap certified")
    p.add_argument("--epsilon", type=float, default=None, metavar="SHARE",
                   help="target max error as a share of the output range (e.g. 0.05): keep the smallest formula of "
                        "the proven size-vs-error front that reaches it, instead of the salient concepts")
    p.add_argument("--claim", action="append", default=[], help="a claim to check on the record (repeatable)")
    p.add_argument("-o", "--output-dir", default="symlogic-out", help="folder for evidence.zip and report.html")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symlogic", description="Exact, checked AND-OR logic explanations of a network's output.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="train a small MLP on breast cancer and explain one patient end to end")
    p.add_argument("-o", "--output", default="symlogic-demo", help="output folder (default: symlogic-demo)")
    p.add_argument("--features", type=int, default=10, help="number of features used as variables (default 10)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tau", type=float, default=TAU)
    p.add_argument("--epsilon", type=float, default=TARGET, metavar="SHARE",
                   help=f"target max error as a share of the output range (default {TARGET})")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("explain", help="record a model given by a Python factory and explain it")
    p.add_argument("--model", required=True, help="MODULE:FACTORY returning (model, x, baseline[, names[, variables]]) or a dict")
    p.add_argument("--output-kind", default="log-odds", choices=("log-odds", "logit", "prob"), help="the scalar output")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--device", default=None, help="torch device, e.g. cuda (default: the model's)")
    _add_extract_options(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("extract", help="explain a precomputed table (.npy of 2^n outputs) or a bundle's record")
    p.add_argument("table", help="a .npy file (no pickles) or an evidence bundle")
    p.add_argument("--names", help="comma-separated variable names")
    _add_extract_options(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("verify", help="re-check every result in an evidence bundle (or a study bundle) from its own data")
    p.add_argument("bundle")
    p.add_argument("--time-limit", "--timeout", dest="time_limit", type=float, default=120.0,
                   help="seconds Z3 may spend per query (--timeout is the old name)")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("check", help="check a claim against a bundle's record (or its logic model)")
    p.add_argument("bundle")
    p.add_argument("claim", help='e.g. "present(a) & present(b) -> output >= 0"')
    p.add_argument("--on", choices=("record", "model"), default="record", help="check on the recorded table (default) or the logic model with its proven ε")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("export", help="export the logic model")
    p.add_argument("bundle")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("graph", help="draw the interaction graph to SVG or PNG")
    p.add_argument("bundle")
    p.add_argument("-o", "--output", required=True, help="picture path ending in .svg or .png")
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("report", help="write a self-contained HTML report of a bundle")
    p.add_argument("bundle")
    p.add_argument("-o", "--output", default="report.html")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except CliError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"symlogic {args.command}: error: {exc}", file=sys.stderr)
        return exc.code
    except SymlogicError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"symlogic {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"symlogic {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a bare traceback
        if args.debug:
            traceback.print_exc()
        print(f"symlogic {args.command}: error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
