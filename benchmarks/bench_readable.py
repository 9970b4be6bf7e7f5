"""Benchmark: how many terms a formula proven within ε needs, by five routes side by side in one run.

For n = 10 variables, on three models, and for the targets ε ≤ 5 % and ε ≤ 2 % of the record's
output range (max v − min v), the number of terms (the bias excluded: ``len(lm)``) of a formula
whose max error over all 2^n masks is proven ≤ ε (``symlogic.verify``: exact engine and Z3):

- (i)   ref:     the published SGD split (``symlogic.extract(rec, method="reference")`` at its defaults:
                 lr 1e-5, 20000 steps, momentum 0.9, float64); its atoms ranked by |coefficient|, the
                 smallest top-k whose minimax refit reaches ε;
- (ii)  exact:   the same ranking on the certified split (``symlogic.extract(rec)``, method "exact");
- (iii) sparse:  ``symlogic.sparsest(rec, ε)`` (relative ε; its own proof, ``meta["proof"]``);
- (iv)  möbius:  AND-only Möbius dividends (``symlogic.and_interactions``), ranked by |I(S)|, S ≠ ∅,
                 the smallest top-k whose minimax refit reaches ε;
- (v)   shapley: the additive Shapley model v(∅) + Σ_i φ_i·[i] (``symlogic.shapley_values``): its proven
                 max error relative to the range, and that of its minimax refit on the n singletons
                 (both n terms at most); "5✓" / "2✗" say whether it reaches 5 % / 2 %.

"Smallest top-k": the ranked atoms are pushed one at a time into one ``symlogic.minimax.MinimaxLP``
(AND and OR over one variable are one atom: repeats are skipped), refitted after each push, and the
first k whose float error is ≤ ε is proven with ``symlogic.verify``; only a proven k counts (an
unproven one scans on). Supports are nested, so the minimax error never grows with k. Beyond
``--cap`` terms (default 400) the cell reads "—" (not reached); "—(k)": not reached with all k
distinct atoms the route has (an exact split has few: it matches v + q with |q| ≤ 4 % of
|v(N) − v(∅)|, not v itself).

Models (no downloads): (a) the demo's breast-cancer MLP (``symlogic.demo.train_demo_model``, test
inputs 0..3, recorded as examples/tabular.py does); (b) the digits CNN of examples/image_digits.py
(10 of its 16 2×2 patches chosen by |gradient × input|, black baseline; test digits 0, 1); (c) the
all-MiniLM-L6-v2 sentiment classifier of examples/text_sentiment.py (10 words, [MASK] baseline,
log-odds of "positive"; two sentences; skipped with the reason when the text extra is missing).

Scaling: ``sparsest`` at 5 % on the breast-cancer MLP with n = 12 and 14 features (and 16 with
``--large``): seconds and terms, plus the seconds of one more ``verify`` of the chosen formula; with
``--large`` also a seeded random MLP's table at n = 20 (benchmarks/bench_extract.py ``mlp_table``).

Run:  python benchmarks/bench_readable.py [--quick] [--large] [--cap 400] [--sparsest-time-limit S]

``--quick``: breast cancer 2 inputs, digits 1, text 1, no scaling section. Progress goes to stderr,
the tables to stdout (each model's table as soon as it is done).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import symlogic as sl  # noqa: E402
from symlogic.minimax import MinimaxLP, canonical_atom  # noqa: E402

TARGETS = (0.05, 0.02)
ROUTES = ("ref", "exact", "sparse", "möbius")  # the routes that give a number of terms
ROUTE_LABEL = {"ref": "(i) ref", "exact": "(ii) exact", "sparse": "(iii) sparsest", "möbius": "(iv) möbius"}
SENTENCES = ("the acting was not good but the music was lovely",
             "i did not enjoy it but the cast was great")
T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:7.1f} s] {msg}", file=sys.stderr, flush=True)


def short_error(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"err: {type(exc).__name__}" + (f" ({text[:60]})" if text else "")


def spread(rec: sl.Record) -> float:
    return float(np.max(rec.values)) - float(np.min(rec.values))


# ---------------------------------------------------------------------------------- counting
def model_of(rec: sl.Record, fit: Any) -> sl.LogicModel:
    terms = [(kind, int(mask), float(c)) for (kind, mask), c in zip(fit.atoms, fit.coef)]
    return sl.LogicModel.from_terms(rec.names, float(fit.bias), terms)


def scan_topk(rec: sl.Record, ranked: Iterable[tuple[str, int]], cap: int) -> dict[float, Any]:
    """For each target: the smallest proven top-k of ``ranked`` (minimax refit); "—" past ``cap``,
    "—(k)" when all k distinct atoms of ``ranked`` do not reach it."""
    rng = spread(rec)
    pending = sorted(TARGETS, reverse=True)  # the looser target is reached first
    out: dict[float, Any] = {}
    lp = MinimaxLP(rec.values)
    seen: set[tuple[str, int]] = set()
    atoms = iter(ranked)
    k = 0
    exhausted = False
    while pending:
        fit = lp.fit()
        for rel in list(pending):
            eps = rel * rng
            if fit.error > eps:
                break  # the tighter targets are not reached either
            lm = model_of(rec, fit)
            if sl.verify(lm, rec, eps).holds:
                out[rel] = len(lm)
                pending.remove(rel)
            else:
                break  # edge of float rounding: scan on
        if not pending or k >= cap:
            break
        for kind, mask in atoms:  # the next new atom
            atom = canonical_atom(kind, int(mask))
            if atom not in seen:
                seen.add(atom)
                lp.push(atom)
                k += 1
                break
        else:
            exhausted = True
            break  # ran out of atoms
    for rel in pending:
        out[rel] = f"—({k})" if exhausted else "—"
    return out


def ranked_split(ex: Any) -> list[tuple[str, int]]:
    """The split's atoms (∅ excluded), by decreasing |coefficient| (ties: kind, mask)."""
    return [(c.kind, c.mask) for c in ex.salient(top_k=10**9)]


def ranked_moebius(values: np.ndarray) -> list[tuple[str, int]]:
    dividends = np.asarray(sl.and_interactions(values), dtype=np.float64)
    idx = np.flatnonzero(dividends)
    idx = idx[idx != 0]
    order = np.lexsort((idx, -np.abs(dividends[idx])))
    return [("and", int(s)) for s in idx[order]]


def shapley_route(rec: sl.Record) -> dict[str, Any]:
    """Relative proven max error of the additive Shapley model and of its minimax refit."""
    rng = spread(rec)
    phi = np.asarray(sl.shapley_values(sl.and_interactions(rec.values)), dtype=np.float64)
    singles = [("and", 1 << i) for i in range(rec.n)]
    lm = sl.LogicModel.from_terms(rec.names, float(rec.values[0]), [(k, m, float(c)) for (k, m), c in zip(singles, phi)])
    out = {"shapley": sl.verify(lm, rec).max_error / rng}
    fit = MinimaxLP(rec.values, singles).fit()
    out["refit"] = sl.verify(model_of(rec, fit), rec).max_error / rng
    return out


def count_routes(rec: sl.Record, label: str, cap: int, sparsest_limit: float | None) -> dict[str, Any]:
    """Every route's cells for one record; a failing route leaves its error in its cells."""
    row: dict[str, Any] = {"range": spread(rec)}
    t = time.perf_counter()

    def guard(route: str, fn: Callable[[], dict[float, Any]]) -> None:
        t1 = time.perf_counter()
        try:
            cells = fn()
        except Exception as exc:  # noqa: BLE001 - a failing route reports in its cells
            traceback.print_exc(file=sys.stderr)
            cells = {rel: short_error(exc) for rel in TARGETS}
        for rel in TARGETS:
            row[(route, rel)] = cells[rel]
        row[(route, "s")] = time.perf_counter() - t1
        log(f"{label}: {ROUTE_LABEL[route]}: " + ", ".join(f"{rel:.0%} → {cells[rel]}" for rel in TARGETS)
            + f" ({row[(route, 's')]:.1f} s)")

    def ref() -> dict[float, Any]:
        t1 = time.perf_counter()
        ex = sl.extract(rec, method="reference", progress=False)
        row["ref_extract_s"] = time.perf_counter() - t1
        ranked = ranked_split(ex)
        log(f"{label}: reference SGD split: {len(ranked)} non-zero atoms ({row['ref_extract_s']:.1f} s)")
        return scan_topk(rec, ranked, cap)

    def exact() -> dict[float, Any]:
        t1 = time.perf_counter()
        ex = sl.extract(rec, progress=False)
        row["exact_extract_s"] = time.perf_counter() - t1
        ranked = ranked_split(ex)
        log(f"{label}: exact split ({ex.status}, gap {ex.gap:.2e}): {len(ranked)} non-zero atoms "
            f"({row['exact_extract_s']:.1f} s)")
        return scan_topk(rec, ranked, cap)

    def sparse() -> dict[float, Any]:
        cells: dict[float, Any] = {}
        for rel in TARGETS:
            t1 = time.perf_counter()
            try:
                lm = sl.sparsest(rec, rel, max_terms=cap, time_limit=sparsest_limit)
                status = lm.meta.get("proof", {}).get("status")
                cells[rel] = len(lm) if status == "holds" else f"unproven ({status})"
            except sl.ResourceError as exc:
                cells[rel] = "—" if "no formula" in str(exc) else short_error(exc)
            except Exception as exc:  # noqa: BLE001
                traceback.print_exc(file=sys.stderr)
                cells[rel] = short_error(exc)
            row[("sparse_s", rel)] = time.perf_counter() - t1
            log(f"{label}: (iii) sparsest at {rel:.0%}: {cells[rel]} ({row[('sparse_s', rel)]:.1f} s)")
        return cells

    guard("ref", ref)
    guard("exact", exact)
    guard("sparse", sparse)
    guard("möbius", lambda: scan_topk(rec, ranked_moebius(rec.values), cap))
    t1 = time.perf_counter()
    try:
        row["shapley"] = shapley_route(rec)
        log(f"{label}: (v) Shapley: additive {row['shapley']['shapley']:.1%}, minimax refit "
            f"{row['shapley']['refit']:.1%} of the range ({time.perf_counter() - t1:.1f} s)")
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc(file=sys.stderr)
        row["shapley"] = short_error(exc)
    row["seconds"] = time.perf_counter() - t
    return row


# ---------------------------------------------------------------------------------- tables
def fmt_cell(x: Any) -> str:
    return str(x)


def fmt_secs(x: Any) -> str:
    return f"{x:.1f}" if isinstance(x, (int, float)) else "?"


def fmt_shap(x: Any) -> str:
    if not isinstance(x, float):
        return str(x)
    marks = " ".join(f"{round(rel * 100)}{'✓' if x <= rel else '✗'}" for rel in TARGETS)
    return f"{x:.1%} {marks}"


def print_table(title: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
    head = ["input", "range"]
    for route in ROUTES:
        head += [f"{ROUTE_LABEL[route].split()[0]} {r:.0%}" for r in TARGETS]
        if route == "sparse":
            head += [f"(iii) s@{r:.0%}" for r in TARGETS]
    head += ["(v) Shapley", "(v) refit"]
    body = []
    for name, row in rows:
        line = [name, f"{row['range']:.3f}"]
        for route in ROUTES:
            line += [fmt_cell(row[(route, r)]) for r in TARGETS]
            if route == "sparse":
                line += [fmt_secs(row.get(("sparse_s", r))) for r in TARGETS]
        sh = row["shapley"]
        line += [fmt_shap(sh["shapley"]), fmt_shap(sh["refit"])] if isinstance(sh, dict) else [sh, sh]
        body.append(line)
    widths = [max(len(h), *(len(b[j]) for b in body)) for j, h in enumerate(head)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) if j else h.ljust(w) for j, (h, w) in enumerate(zip(head, widths))))
    for b in body:
        print("  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(b, widths))))
    sys.stdout.flush()


# ---------------------------------------------------------------------------------- models
def cancer_records(inputs: int) -> Iterable[tuple[str, sl.Record]]:
    from symlogic.demo import train_demo_model

    for s in range(inputs):
        t = time.perf_counter()
        setup = train_demo_model(n_features=10, seed=0, sample=s)
        rec = sl.record_model(setup.model, setup.x, setup.baseline, variables=[[i] for i in range(10)],
                              names=setup.names, baseline_name="training mean (0 after standardising)",
                              progress=False)
        log(f"cancer #{s}: trained (test accuracy {setup.test_accuracy:.3f}) and recorded 2^{rec.n} masks "
            f"({time.perf_counter() - t:.1f} s)")
        yield f"patient #{s}", rec


def digits_records(inputs: int) -> Iterable[tuple[str, sl.Record]]:
    from image_digits import train_digits_cnn

    from symlogic.adapters import ImageAdapter

    t = time.perf_counter()
    cnn, x_te, y_te, acc = train_digits_cnn(seed=0)
    log(f"digits CNN trained: test accuracy {acc:.3f} ({time.perf_counter() - t:.1f} s)")
    for i in range(inputs):
        t = time.perf_counter()
        adapter = ImageAdapter(cnn, x_te[i], patch=2, n=10, select="gradient", baseline="zero")
        rec = adapter.record(progress=False)
        log(f"digit #{i} (label {int(y_te[i])}, predicted {adapter.target_class}): recorded 2^{rec.n} masks "
            f"({time.perf_counter() - t:.1f} s)")
        yield f"digit #{i} ({int(y_te[i])})", rec


def text_records(inputs: int) -> Iterable[tuple[str, sl.Record]]:
    from text_sentiment import train_head

    from symlogic.adapters import TextAdapter, load_text_model, minilm_path

    import transformers

    transformers.utils.logging.disable_progress_bar()
    t = time.perf_counter()
    encoder, tokenizer = load_text_model(minilm_path(), kind="encoder")
    head, acc = train_head(encoder, tokenizer, seed=0)
    log(f"MiniLM + linear head: train accuracy {acc:.3f} ({time.perf_counter() - t:.1f} s)")
    for i, sentence in enumerate(SENTENCES[:inputs]):
        t = time.perf_counter()
        adapter = TextAdapter(encoder, tokenizer, sentence, head=head, pooling="mean", target=1, n=10, rule="first")
        rec = adapter.record(progress=False)
        log(f"sentence #{i} {sentence!r}: recorded 2^{rec.n} masks ({time.perf_counter() - t:.1f} s)")
        yield f"sentence #{i}", rec


def text_unavailable() -> str | None:
    try:
        from text_sentiment import available
    except Exception as exc:  # noqa: BLE001
        return f"examples/text_sentiment.py cannot be imported: {short_error(exc)}"
    return available()


# ---------------------------------------------------------------------------------- scaling
def scaling(ns: list[int], large: bool, sparsest_limit: float | None) -> list[str]:
    from symlogic.demo import train_demo_model

    lines = []
    head = f"{'table':<26} {'n':>3} {'train+rec s':>11} {'sparsest s':>10} {'terms':>6} {'proof':>6} {'verify s':>9}"
    lines.append(head)

    def one(label: str, n: int, make: Callable[[], sl.Record]) -> None:
        t = time.perf_counter()
        try:
            rec = make()
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc(file=sys.stderr)
            lines.append(f"{label:<26} {n:>3} {short_error(exc)}")
            return
        t_rec = time.perf_counter() - t
        log(f"scaling {label}: recorded 2^{n} masks ({t_rec:.1f} s); sparsest at 5 % …")
        t = time.perf_counter()
        try:
            lm = sl.sparsest(rec, 0.05, time_limit=sparsest_limit)
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc(file=sys.stderr)
            lines.append(f"{label:<26} {n:>3} {t_rec:>11.1f} {time.perf_counter() - t:>10.1f} {short_error(exc)}")
            log(f"scaling {label}: sparsest failed: {short_error(exc)}")
            return
        t_sp = time.perf_counter() - t
        status = lm.meta.get("proof", {}).get("status")
        log(f"scaling {label}: sparsest {len(lm)} terms, proof {status} ({t_sp:.1f} s); verify again …")
        t = time.perf_counter()
        try:
            v = sl.verify(lm, rec, 0.05 * spread(rec))
            ver = f"{time.perf_counter() - t:>9.1f}" + ("" if v.holds else f" ({v.status})")
        except Exception as exc:  # noqa: BLE001
            ver = short_error(exc)
        log(f"scaling {label}: verify {ver.strip()} s")
        lines.append(f"{label:<26} {n:>3} {t_rec:>11.1f} {t_sp:>10.1f} {len(lm):>6} {str(status):>6} {ver}")

    def cancer(n: int) -> Callable[[], sl.Record]:
        def make() -> sl.Record:
            setup = train_demo_model(n_features=n, seed=0, sample=0)
            return sl.record_model(setup.model, setup.x, setup.baseline, variables=[[i] for i in range(n)],
                                   names=setup.names, progress=False)
        return make

    for n in ns:
        one("breast-cancer MLP #0", n, cancer(n))
    if large:
        def mlp20() -> sl.Record:
            from bench_extract import mlp_table

            return sl.Record.from_table(mlp_table(20, seed=0))
        one("random MLP (bench_extract)", 20, mlp20)
    return lines


# ---------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="cancer 2 inputs, digits 1, text 1, no scaling")
    ap.add_argument("--large", action="store_true", help="scaling also at n = 16, and a random MLP at n = 20")
    ap.add_argument("--cap", type=int, default=400, help="most terms scanned / searched (default 400)")
    ap.add_argument("--sparsest-time-limit", type=float, default=None,
                    help="seconds for each sparsest search (default: none)")
    args = ap.parse_args()
    command = f"python benchmarks/bench_readable.py {' '.join(sys.argv[1:])}".rstrip()
    print(f"command: {command}")
    print(f"terms (bias excluded) of a formula proven within ε = 5 % / 2 % of each record's output range; "
          f"n = 10; cap {args.cap} terms ('—': not reached; '—(k)': not reached with all k atoms of the route)")
    print("routes: (i) reference SGD split ranked by |coef| + minimax refit; (ii) exact split, same; "
          "(iii) symlogic.sparsest; (iv) AND-only Möbius dividends ranked + minimax refit; "
          "(v) additive Shapley model and its minimax refit on the n singletons: relative max error, ✓/✗ per target")
    sys.stdout.flush()
    n_cancer, n_digits, n_text = (2, 1, 1) if args.quick else (4, 2, 2)
    timings: list[tuple[str, float]] = []
    tables: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = []
    specs: list[tuple[str, Callable[[int], Iterable[tuple[str, sl.Record]]], int]] = [
        ("(a) breast-cancer MLP (symlogic.demo), 10 features", cancer_records, n_cancer),
        ("(b) digits CNN (examples/image_digits.py), 10 of 16 2×2 patches", digits_records, n_digits),
        ("(c) MiniLM sentiment (examples/text_sentiment.py), 10 words", text_records, n_text),
    ]
    for title, records, count in specs:
        t = time.perf_counter()
        if records is text_records:
            reason = text_unavailable()
            if reason:
                print(f"\n{title}: skipped: {reason}")
                timings.append((title, time.perf_counter() - t))
                continue
        rows: list[tuple[str, dict[str, Any]]] = []
        try:
            for name, rec in records(count):
                rows.append((name, count_routes(rec, f"{title.split()[0]} {name}", args.cap, args.sparsest_time_limit)))
        except Exception as exc:  # noqa: BLE001 - a model that cannot be built or recorded
            traceback.print_exc(file=sys.stderr)
            print(f"\n{title}: stopped: {short_error(exc)}")
        if rows:
            print_table(title, rows)
            tables.append((title, rows))
        timings.append((title, time.perf_counter() - t))
        log(f"{title}: done ({timings[-1][1]:.1f} s)")

    # totals -----------------------------------------------------------------------------------
    all_rows = [row for _, rows in tables for _, row in rows]
    print(f"\ntotals over {len(all_rows)} inputs (sum of terms where reached and proven)")
    for route in ROUTES:
        parts = []
        for rel in TARGETS:
            cells = [row[(route, rel)] for row in all_rows]
            nums = [c for c in cells if isinstance(c, int)]
            miss = len(cells) - len(nums)
            parts.append(f"{rel:.0%}: {sum(nums):>5}" + (f" (+{miss} not counted)" if miss else ""))
        print(f"  {ROUTE_LABEL[route]:<15} " + "   ".join(parts))
    for key, label in (("shapley", "additive Shapley"), ("refit", "Shapley refit")):
        errs = [row["shapley"][key] for row in all_rows if isinstance(row["shapley"], dict)]
        reach = "   ".join(f"{rel:.0%}: reached on {sum(e <= rel for e in errs)}/{len(errs)}" for rel in TARGETS)
        worst = f", relative error {min(errs):.1%} … {max(errs):.1%}" if errs else ""
        print(f"  (v) {label:<17} {reach}{worst}")
    for rel in TARGETS:
        pairs = [(row[("sparse", rel)], row[("exact", rel)]) for row in all_rows]
        both = [(a, b) for a, b in pairs if isinstance(a, int) and isinstance(b, int)]
        if both and sum(b for _, b in both):
            sa, sb = sum(a for a, _ in both), sum(b for _, b in both)
            print(f"  ratio total(iii)/total(ii) at {rel:.0%}: {sa}/{sb} = {sa / sb:.3f} "
                  f"(over the {len(both)} of {len(pairs)} inputs where both are counted)")
    misses = [f"{title.split()[0]} {name}" for title, rows in tables for name, row in rows
              if not isinstance(row[("sparse", 0.02)], int)]
    print(f"  (iii) reached 2 % on every table: {'yes' if not misses and all_rows else 'no'}"
          + (f" (not on: {', '.join(misses)})" if misses else ""))
    secs = [row.get(("sparse_s", rel)) for row in all_rows for rel in TARGETS]
    secs = [s for s in secs if isinstance(s, float)]
    if secs:
        print(f"  (iii) seconds: {sum(secs):.1f} in all, median {float(np.median(secs)):.1f}, max {max(secs):.1f}")

    # scaling ------------------------------------------------------------------------------------
    if not args.quick:
        t = time.perf_counter()
        ns = [12, 14] + ([16] if args.large else [])
        print("\nscaling: sparsest at 5 % on the breast-cancer MLP (test input #0)"
              + (" and a random MLP's table at n = 20" if args.large else "")
              + "; 'verify s': one more symlogic.verify of the chosen formula at 5 %")
        sys.stdout.flush()
        for line in scaling(ns, args.large, args.sparsest_time_limit):
            print(line)
        timings.append(("scaling", time.perf_counter() - t))

    print("\nwall time per part:")
    for title, s in timings:
        print(f"  {title}: {s:.1f} s")
    print(f"  total: {time.perf_counter() - T0:.1f} s")
    print(f"\ncommand: {command}")


if __name__ == "__main__":
    main()
