"""Soundness fuzzer: does symlogic ever say "holds" when a violation exists, or accept a lying bundle?

The large version of ``tests/test_soundness_properties.py``; both use the exact oracle and the
generators in ``tests/soundness_oracle.py`` (Python ints and Fractions only, no symlogic code).

Three parts, each with its counts and wall time:

1. records: ``--cases`` random adversarial tables and models (ties, ±ulp, non-dyadic decimals,
   1e±300, subnormals, −0.0; n ≤ 5). Each is verified at every ε variant (float, Fraction,
   Decimal, str, int; at, ±1 ulp and ±2^-1100 around the exact max error; the tightest), and
   checked with claims on the record, on the model, and on the network through a proven ε.
2. bundles: ``--bundles`` honest evidence bundles, every manifest field changed one at a time
   (values and types), member arrays rewritten and re-hashed, an AND/OR split forgery; each one
   loaded and re-checked. A semantic change (or any change after which the oracle finds a false
   statement) that re-checks ok is an *accepted lying bundle*.
3. denial of service: huge-exponent claims, a bundle with 1,000 copies of one claim, a zip-bomb
   member; each in its own interpreter under a wall-clock limit.

Exit status 1 when anything unsound is found: a false "holds" (verdict or claim), an accepted lying
bundle, an exception that is not a SymlogicError, or a probe that hangs. Defaults run about 10^4
verify calls and 10^4 bundle mutations, roughly ten minutes on two cores::

    python benchmarks/fuzz_soundness.py                       # the default run
    python benchmarks/fuzz_soundness.py --cases 100 --bundles 1 --mutations 500 --no-dos   # a quick look
    python benchmarks/fuzz_soundness.py --seed 7 --show 20    # another seed, more reproducers
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import soundness_oracle as so  # noqa: E402  (the shared oracle lives with the tests)

#: Problem kinds that make the run fail (a false "holds" is the unsound answer; "escaped" is an
#: exception that is not a SymlogicError).
FATAL = ("false_hold", "escaped")


class Counters:
    """Counts and one example (with reproducer) per distinct finding."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.examples: dict[str, so.Finding] = {}

    def add(self, section: str, findings: list[so.Finding]) -> None:
        for f in findings:
            self.counts[f"{section}.{f.problem.kind}"] += 1
            key = f"{section}.{f.problem.kind}: {_shape(f.problem.message)}"
            self.examples.setdefault(key, f)


def _shape(message: str) -> str:
    """A finding's message with numbers and quoted text removed: one example per shape."""
    import re

    m = re.sub(r"'[^']*'", "'…'", message)
    m = re.sub(r"-?\d[\d./e+-]*", "#", m)
    return m[:120]


def _progress(label: str, done: int, total: int, start: float, every: int) -> None:
    if done == total or done % every == 0:
        el = time.perf_counter() - start
        eta = el / done * (total - done) if done else 0.0
        print(f"  {label}: {done}/{total} ({100 * done / total:.0f}%), {el:.0f} s elapsed, ~{eta:.0f} s left", flush=True)


def fuzz_records(args: argparse.Namespace, counters: Counters) -> dict[str, object]:
    rng = random.Random(args.seed)
    eps_types: collections.Counter[str] = collections.Counter()
    calls = collections.Counter()
    start = time.perf_counter()
    every = max(1, args.cases // 10)
    for i in range(args.cases):
        case = so.random_record_case(rng, max_n=args.max_n)
        E = so.error_profile(case.exact_model(), case.exact_values()).max_error
        variants = so.epsilon_variants(E)
        for v in variants:
            eps_types[type(v.value).__name__] += 1
        eps_types["tightest (None)"] += 1
        n, found = so.check_verify(case, variants)
        calls["verify"] += n
        counters.add("verify", found)
        table = case.exact_values()
        claims = [so.random_claim(rng, table) for _ in range(args.claims)]
        n, found = so.check_record_claims(case, claims)
        calls["check (record)"] += n
        counters.add("claim-record", found)
        if args.model_claims:
            f = case.exact_model().table()
            n, found = so.check_model_claims(case, [so.random_claim(rng, f) for _ in range(args.model_claims)])
            calls["check (model)"] += n
            counters.add("claim-model", found)
        if args.network_every and i % args.network_every == 0:
            net = [so.random_claim(rng, table, ("output", "no_effect", "interaction"))]
            n, found = so.check_network_claims(case, net)
            calls["check (network, via ε)"] += n
            counters.add("claim-network", found)
        _progress("records", i + 1, args.cases, start, every)
    return {"calls": dict(calls), "eps_types": dict(eps_types), "seconds": time.perf_counter() - start}


def fuzz_bundles(args: argparse.Namespace, directory: str) -> tuple[so.BundleTally, float, list[so.BundleCase]]:
    start = time.perf_counter()
    cases = so.build_bundle_cases(directory, seed=args.seed, count=args.bundles)
    tally = so.BundleTally()
    for case in cases:
        lies = so.bundle_falsehoods(case.manifest, case.members, case.claims)
        tally.honest_falsehoods += [f"{case.name}: {x}" for x in lies]
    rng = random.Random(args.seed + 1)
    work = []
    for case in cases:
        ms = so.manifest_mutations(case, rng) + so.array_mutations(case, rng)
        if args.mutations:
            rng.shuffle(ms)
            ms = ms[: max(1, args.mutations // len(cases))]
        work += [(case, m) for m in ms]
    print(f"  bundles: {len(cases)} honest bundles built in {time.perf_counter() - start:.0f} s; "
          f"{len(work)} mutations to run", flush=True)
    path = os.path.join(directory, "mutated.zip")
    every = max(1, len(work) // 10)
    run_start = time.perf_counter()
    for k, (case, m) in enumerate(work):
        tally.add(so.run_mutation(case, m, path, timeout_s=args.mutation_timeout))
        _progress("bundle mutations", k + 1, len(work), run_start, every)
    return tally, time.perf_counter() - start, cases


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=700, help="random record cases (each ≈ 15 verify calls; default 700)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bundles", type=int, default=3, help="honest bundles to mutate (each ≈ 3,500 mutations; default 3)")
    p.add_argument("--mutations", type=int, default=0, help="cap on bundle mutations in all (0: every mutation)")
    p.add_argument("--max-n", type=int, default=5, help="largest number of variables in a record case")
    p.add_argument("--claims", type=int, default=12, help="record claims per case")
    p.add_argument("--model-claims", type=int, default=1, help="claims about the model per case")
    p.add_argument("--network-every", type=int, default=2, help="a network claim every k-th case (0: none)")
    p.add_argument("--mutation-timeout", type=float, default=60.0, help="seconds before a load + re-check counts as a hang")
    p.add_argument("--no-dos", action="store_true", help="skip the denial-of-service probes")
    p.add_argument("--dos-limit", type=float, default=10.0, help="seconds of work a probe may take")
    p.add_argument("--bomb-mib", type=int, default=512, help="size of the zip-bomb member")
    p.add_argument("--show", type=int, default=10, help="findings to print with their reproducers")
    p.add_argument("--json", help="write the counts to this file")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")  # float overflow warnings of the fast paths are expected here

    total_start = time.perf_counter()
    counters = Counters()
    directory = so.temp_dir()
    print(f"symlogic soundness fuzz: seed {args.seed}, {args.cases} record cases, {args.bundles} bundles", flush=True)

    rec = fuzz_records(args, counters) if args.cases else {"calls": {}, "eps_types": {}, "seconds": 0.0}
    tally, bundle_seconds, cases = fuzz_bundles(args, directory) if args.bundles else (so.BundleTally(), 0.0, [])
    probes: list[so.ProbeResult] = []
    dos_seconds = 0.0
    if not args.no_dos and cases:
        t = time.perf_counter()
        probes = so.dos_probes(directory, cases[0], bomb_mib=args.bomb_mib, copies=1000,
                               limit_s=max(60.0, 6 * args.dos_limit), separate=True)
        dos_seconds = time.perf_counter() - t

    c = counters.counts
    verify_calls = rec["calls"].get("verify", 0)
    check_calls = sum(v for k, v in rec["calls"].items() if k.startswith("check"))
    claim_wrong = sum(v for k, v in c.items() if k.startswith("claim-") and not k.endswith(".refused"))
    claim_false_holds = sum(v for k, v in c.items() if k.startswith("claim-") and k.endswith(".false_hold"))
    escaped = sum(v for k, v in c.items() if k.endswith(".escaped"))
    slow = [r for r in probes if r.outcome in ("escaped", "timeout") or r.seconds > args.dos_limit]

    print("\n==== counts ====")
    print(f"verify calls:               {verify_calls}  (ε types: {rec['eps_types']})")
    print(f"  false holds:              {c['verify.false_hold']}")
    print(f"  false fails:              {c['verify.false_fail']}")
    print(f"  wrong values / bad cex:   {c['verify.wrong_value']} / {c['verify.bad_counterexample']}")
    print(f"  refused valid input:      {c['verify.refused']}")
    print(f"check calls:                {check_calls}  ({ {k: v for k, v in rec['calls'].items() if k != 'verify'} })")
    print(f"  wrong claim verdicts:     {claim_wrong}  (false holds {claim_false_holds}; by kind: "
          f"{ {k: v for k, v in c.items() if k.startswith('claim-')} })")
    print(f"escaped exceptions:         {escaped} (verify and check) + {len(tally.escaped)} (bundles)")
    print(f"bundle mutations:           {tally.mutations}  (by outcome {tally.by_verdict}; by class {tally.by_class})")
    print(f"  honest-bundle falsehoods: {len(tally.honest_falsehoods)}")
    print(f"  accepted lying bundles:   {len(tally.accepted_lies)}")
    print(f"  accepted provenance edits (not provable from a bundle): {tally.accepted_provenance}")
    print(f"  accepted omissions:       {tally.accepted_omissions}")
    print(f"  accepted type confusions: {len(tally.accepted_type_confusions)}  "
          f"({dict(collections.Counter(so.path_key(o.mutation.path) for o in tally.accepted_type_confusions).most_common(6))})")
    print(f"  hangs (> {args.mutation_timeout:.0f} s):            {len(tally.timeouts)}")
    for r in probes:
        print(f"dos probe {r.name!r}: {r.outcome} in {r.seconds:.2f} s, peak RSS {r.max_rss_mib:.0f} MiB ({r.detail[:120]})")
    print(f"timings: records {rec['seconds']:.0f} s, bundles {bundle_seconds:.0f} s "
          f"(load + re-check {tally.seconds:.0f} s), dos {dos_seconds:.0f} s, total {time.perf_counter() - total_start:.0f} s")

    if counters.examples or tally.accepted_lies or tally.escaped or tally.honest_falsehoods:
        print(f"\n==== findings (first {args.show} distinct, with reproducers) ====")
        shown = 0
        for key, f in sorted(counters.examples.items(), key=lambda kv: (kv[1].problem.kind not in FATAL, kv[0])):
            if shown >= args.show:
                break
            print(f"\n[{key}]\n{f}")
            shown += 1
        for x in tally.honest_falsehoods[:5]:
            print(f"\n[honest bundle states something false] {x}")
        for key, o in list(tally.lie_groups().items())[: args.show]:
            print(f"\n[accepted lying bundle: {key}] {o.mutation.label}: {'; '.join(o.falsehoods[:2]) or 'a ' + o.mutation.klass + ' change'}")
        for key, o in list(tally.escaped_groups().items())[: args.show]:
            print(f"\n[escaped exception: {key}] {o.mutation.label}: {o.error}")

    if args.json:
        Path(args.json).write_text(json.dumps({
            "seed": args.seed, "verify_calls": verify_calls, "check_calls": check_calls, "counts": dict(c),
            "bundle_mutations": tally.mutations, "bundle_outcomes": tally.by_verdict,
            "accepted_lies": len(tally.accepted_lies), "accepted_lie_fields": sorted(tally.lie_groups()),
            "bundle_escaped": len(tally.escaped), "probes": [r.__dict__ for r in probes],
        }, indent=2))
    fatal = (c["verify.false_hold"] + claim_false_holds + escaped + len(tally.accepted_lies) + len(tally.escaped)
             + len(tally.timeouts) + len(tally.honest_falsehoods) + len(slow))
    print("\nRESULT:", "FAIL" if fatal else "OK", f"({fatal} unsound findings)")
    return 1 if fatal else 0


if __name__ == "__main__":
    sys.exit(main())
