"""Adversarial soundness suite: the verifier never says "holds" when a violation exists.

Every expectation here comes from the exact oracle in ``tests/soundness_oracle.py`` (Python ints
and Fractions only, built from the documented semantics, sharing no code with symlogic), never
from symlogic's own numbers. The suite has four parts:

1. regressions with minimal reproducers (ε types, exact bounds, verdicts bound to their model);
2. bad parameters: anything that would make a proof check nothing must raise ``InputError``;
3. hypothesis properties on adversarial tables (ties, ±ulp, non-dyadic decimals, 1e±300,
   subnormals, −0.0) and ε of every type, at, one ulp and 2^-1100 around the exact max error;
4. evidence bundles: targeted and sampled manifest/array mutations (re-hashed, so the hashes do not
   save the loader), an oracle reading of every statement, and denial-of-service probes run in
   subprocesses under a wall-clock limit.

Shrinking is switched off (each example calls Z3; a failing property reports a self-contained
reproducer instead), and example counts are fixed, so the file runs in well under a minute on
two cores. The large version is ``benchmarks/fuzz_soundness.py``.
"""

from __future__ import annotations

import math
import random
import types
import warnings
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import soundness_oracle as so
import symlogic as sl
from symlogic.claims import check
from symlogic.errors import InputError

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # float overflow in fast paths is expected

#: Properties: fixed counts, no shrinking (a failure prints its reproducer), no deadline.
FAST = settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], derandomize=True)


def _fail_with(findings: list[so.Finding]) -> None:
    """Fail with the first finding of each kind, reproducer included."""
    if not findings:
        return
    seen: dict[str, so.Finding] = {}
    for f in findings:
        seen.setdefault(f.problem.kind, f)
    order = ("false_hold", "escaped", "false_fail", "bad_counterexample", "wrong_value", "unknown", "refused")
    shown = sorted(seen.values(), key=lambda f: order.index(f.problem.kind) if f.problem.kind in order else 99)
    pytest.fail(f"{len(findings)} findings; the first of each kind:\n\n" + "\n\n".join(map(str, shown)), pytrace=False)


# =============================================================================================
# 1. regressions with minimal reproducers
# =============================================================================================

_REC01 = dict(values=[0.0, 0.1], names=["a"])


@pytest.mark.parametrize("eps, holds", [
    (Fraction(1, 10), False),      # the float 0.1 = 0.1000000000000000055… is above 1/10
    (Decimal("0.1"), False),
    ("0.1", False),
    (0.1, True),                   # the float itself: error == ε exactly
    (Fraction(0.1), True),
    (Decimal(0.1), True),          # Decimal(float) is the float's exact value
    (math.nextafter(0.1, 0), False),
    (Fraction(0.1) - Fraction(1, 2**1100), False),
    (Fraction(0.1) + Fraction(1, 2**1100), True),
])
def test_epsilon_is_compared_as_the_exact_number_it_denotes(eps, holds):
    """max error is the float 0.1 exactly; ε = 1/10 (as Fraction, Decimal or "0.1") is below it."""
    rec = sl.Record.from_table(**_REC01)
    zero = sl.LogicModel.from_terms(["a"], 0.0, [])
    assert sl.verify(zero, rec, eps).holds is holds


def test_a_fraction_epsilon_equal_to_a_non_float_max_error_holds_and_one_below_fails():
    """The exact max error 1 + 2^-60 is no float: ε = that Fraction holds, 2^-1100 less fails."""
    lm = sl.LogicModel.from_terms(["a"], -(2.0**-60), [])
    rec = sl.Record.from_table([1.0, 1.0], ["a"])
    E = Fraction(1) + Fraction(1, 2**60)
    assert Fraction(sl.verify(lm, rec).max_error_exact) == E
    assert sl.verify(lm, rec, E).holds
    assert not sl.verify(lm, rec, E - Fraction(1, 2**1100)).holds
    assert not sl.verify(lm, rec, 1.0).holds  # float(E) rounds down to 1.0


def test_a_verdict_at_a_non_float_epsilon_does_not_prove_false_network_claims():
    """The verdict at ε = 1 + 2^-60 must carry that exact bound: rounded down to 1.0 it proves
    "output <= 1 − 2^-60" of a network whose outputs are all 1.0."""
    lm = sl.LogicModel.from_terms(["a"], -(2.0**-60), [])
    rec = sl.Record.from_table([1.0, 1.0], ["a"])
    verdict = sl.verify(lm, rec, Fraction(1) + Fraction(1, 2**60))
    assert verdict.holds
    c = 1 - Fraction(1, 2**60)
    claim = f"output <= {c.numerator}/{c.denominator}"
    assert check(claim, rec).status == "fails"
    assert check(claim, lm, epsilon=verdict).status != "holds"
    assert check(claim, lm, epsilon=verdict, record=rec).status == "fails"


def test_a_max_error_beyond_the_float_range_is_answered_not_crashed():
    """f(∅) = −max, v(∅) = max: the exact max error 2·max exceeds every float. verify must answer
    (or refuse with InputError), never leak OverflowError; a bound of max must fail."""
    M = so.MAX_FLOAT
    lm = sl.LogicModel.from_terms(["a"], -M, [("and", ["a"], M)])
    rec = sl.Record.from_table([M, 0.0], ["a"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tight = sl.verify(lm, rec)
        except InputError:
            tight = None
        if tight is not None:
            assert tight.holds and Fraction(tight.max_error_exact) == 2 * Fraction(M)
        assert not sl.verify(lm, rec, M).holds


@pytest.mark.parametrize("eps", [Fraction(10**400), Decimal("1e400"), "1e400", 10**400])
def test_a_huge_finite_epsilon_holds_or_is_refused_cleanly(eps):
    """A bound beyond the float range is still a finite bound: it holds, or is refused with InputError."""
    rec = sl.Record.from_table(**_REC01)
    zero = sl.LogicModel.from_terms(["a"], 0.0, [])
    try:
        assert sl.verify(zero, rec, eps).holds
    except InputError:
        pass


# =============================================================================================
# 2. bad parameters
# =============================================================================================


@pytest.mark.parametrize("kwargs", [
    dict(chunk_rows=-1), dict(chunk_rows=0), dict(chunk_rows=1.5), dict(time_limit=-1), dict(time_limit=0),
    dict(time_limit=float("nan")), dict(time_limit=float("inf")), dict(workers=0), dict(workers=-2),
    dict(epsilon=-1), dict(epsilon=float("nan")), dict(epsilon=float("inf")), dict(epsilon=True),
    dict(epsilon="abc"), dict(epsilon=Decimal("NaN")), dict(epsilon=Fraction(-1, 3)), dict(epsilon="-0.1"),
    dict(epsilon=1j), dict(epsilon=[0.1]),
], ids=lambda d: ",".join(f"{k}={v!r}" for k, v in d.items()))
def test_verify_refuses_parameters_that_would_prove_nothing(kwargs):
    """A chunk size that checks no rows, a timeout that means "no limit", a bound that is not a
    finite number ≥ 0: each must raise InputError (a proof that checked nothing is never "holds")."""
    rec = sl.Record.from_table(**_REC01)
    zero = sl.LogicModel.from_terms(["a"], 0.0, [])
    with pytest.raises(InputError):
        sl.verify(zero, rec, **kwargs)


def test_a_sub_millisecond_timeout_is_refused_or_never_means_no_limit(monkeypatch):
    """Z3 reads a 0 ms timeout as "no limit"; timeout=0.0005 must raise InputError or reach Z3 as ≥ 1 ms."""
    import z3

    seen: list[object] = []
    real = z3.Solver.set

    def spy(self, *args, **kwargs):
        if args and args[0] == "timeout":
            seen.append(args[1])
        if "timeout" in kwargs:
            seen.append(kwargs["timeout"])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(z3.Solver, "set", spy)
    rec = sl.Record.from_table(**_REC01)
    zero = sl.LogicModel.from_terms(["a"], 0.0, [])
    try:
        sl.verify(zero, rec, 0.2, time_limit=0.0005)
    except InputError:
        return
    assert seen and all(isinstance(t, int) and t >= 1 for t in seen), f"Z3 timeouts set: {seen}"


@pytest.mark.parametrize("timeout", [-1, float("nan"), 0, True])
def test_check_refuses_a_timeout_that_is_not_a_positive_time(timeout):
    """The claim checker's Z3 calls take the same care as verify's."""
    lm = sl.LogicModel.from_terms(["a"], 0.0, [("and", ["a"], 1.0)])
    with pytest.raises(InputError):
        check("output >= 0", lm, time_limit=timeout)


def _pair():
    """A model that fits its record exactly (ε = 0) and a model and record it says nothing about."""
    lm = sl.LogicModel.from_terms(["a"], 0.0, [])
    rec = sl.Record.from_table([0.0, 0.0], ["a"])
    other_lm = sl.LogicModel.from_terms(["a"], 3.0, [])
    other_rec = sl.Record.from_table([3.0, 3.0], ["a"])
    return lm, rec, other_lm, other_rec


def _refused_or_not_holds(fn) -> None:
    try:
        res = fn()
    except InputError:
        return
    assert res.status != "holds", f"{res.status}: {res.explanation}"


def test_a_verdict_about_another_model_proves_nothing():
    """verify(lm, rec) holds at ε = 0; passed as ε for a model with f = 3 it must not prove
    "output >= 2" of the network (whose outputs are 0)."""
    lm, rec, other_lm, _ = _pair()
    verdict = sl.verify(lm, rec)
    assert verdict.holds
    _refused_or_not_holds(lambda: check("output >= 2", other_lm, epsilon=verdict))
    _refused_or_not_holds(lambda: check("output >= 2", other_lm, epsilon=verdict, record=rec))


def test_a_verdict_about_another_record_proves_nothing():
    """verify(f = 3, rec with outputs 3) holds at ε = 0; with record= a table of zeros it must not
    prove "output >= 2"."""
    _, rec, other_lm, other_rec = _pair()
    verdict = sl.verify(other_lm, other_rec)
    assert verdict.holds
    _refused_or_not_holds(lambda: check("output >= 2", other_lm, epsilon=verdict, record=rec))


@pytest.mark.parametrize("fake", [
    types.SimpleNamespace(holds=True, epsilon=0.0),
    types.SimpleNamespace(holds=True, epsilon=0.0, model_sha256="", record_sha256=""),
])
def test_an_object_that_looks_like_a_verdict_proves_nothing(fake):
    """Only a verdict that verify() produced for this model is a proof; a duck-typed one is not."""
    _, rec, other_lm, _ = _pair()
    _refused_or_not_holds(lambda: check("output >= 2", other_lm, epsilon=fake))


# =============================================================================================
# 3. properties
# =============================================================================================


@FAST
@given(st.randoms(use_true_random=False))
def test_verify_holds_iff_the_exact_max_error_is_within_epsilon(rng):
    """For every ε type (float, Fraction, Decimal, str, int), at, ±1 ulp and ±2^-1100 around the
    exact max error, and for the tightest ε: holds == (max error ≤ ε); the exact max error, its
    mask and the violation count are exact; a counterexample violates."""
    case = so.random_record_case(rng)
    E = so.error_profile(case.exact_model(), case.exact_values()).max_error
    variants = so.epsilon_variants(E)
    picked = [variants[0]] + rng.sample(variants[1:], min(5, len(variants) - 1))
    _, findings = so.check_verify(case, picked)
    _fail_with(findings)


@FAST
@given(st.randoms(use_true_random=False))
def test_verify_at_adversarial_decimal_bounds(rng):
    """ε = a short decimal (0.1, 0.3, 1e-300, …) as str, Decimal, Fraction and float, on tables
    built so that the error sits on that decimal's float or one ulp beside it."""
    case = so.random_record_case(rng, max_n=3)
    target = rng.choice((0.1, 0.3, 0.7, 1e-300, 2.5, 1 / 3, 5e-324))
    model = case.exact_model()
    f = model.table()
    values = list(case.values)
    t = rng.randrange(len(values))
    base = so.float_nearest(f[t])
    if not math.isfinite(base) or abs(base) > 1e300:
        return
    values[t] = so.ulps(base + target, rng.choice((-1, 0, 1)))
    if not math.isfinite(values[t]):
        return
    case = so.RecordCase(case.names, case.spec, tuple(values))
    text = repr(target) if rng.random() < 0.5 else f"{target:.1g}"
    eps = [so.EpsCase(text, Fraction(text), "str"), so.EpsCase(Decimal(text), Fraction(text), "decimal"),
           so.EpsCase(Fraction(text), Fraction(text), "fraction"), so.EpsCase(float(text), Fraction(float(text)), "float")]
    _, findings = so.check_verify(case, eps, include_tightest=False)
    _fail_with(findings)


@FAST
@given(st.randoms(use_true_random=False))
def test_record_claims_match_the_oracle(rng):
    """check(claim, rec) == the oracle's truth for output/no_effect/interaction/max_order claims
    with thresholds on, one ulp and 2^-1100 beside the deciding value; a failing claim names the
    documented minimal counterexample, and it violates."""
    case = so.random_record_case(rng)
    table = case.exact_values()
    claims = [so.random_claim(rng, table) for _ in range(6)]
    _, findings = so.check_record_claims(case, claims)
    _fail_with(findings)


@settings(FAST, max_examples=15)
@given(st.randoms(use_true_random=False))
def test_model_claims_match_the_oracle(rng):
    """check(claim, lm) about f itself: never "holds" when f violates, never "fails" when it holds,
    and a counterexample is the documented minimal one."""
    case = so.random_record_case(rng, max_n=4)
    f = case.exact_model().table()
    claims = [so.random_claim(rng, f, ("output", "no_effect", "interaction", "max_order")) for _ in range(3)]
    _, findings = so.check_model_claims(case, claims)
    _fail_with(findings)


@settings(FAST, max_examples=15)
@given(st.randoms(use_true_random=False))
def test_network_claims_through_a_proven_epsilon_are_sound(rng):
    """With ε = the verdict of verify(lm, rec) or the exact max error: "holds" is true of the
    record, "fails" names a mask that violates on the record, and with record= it is decided."""
    case = so.random_record_case(rng, max_n=4)
    table = case.exact_values()
    claims = [so.random_claim(rng, table, ("output", "no_effect", "interaction")) for _ in range(2)]
    _, findings = so.check_network_claims(case, claims)
    _fail_with(findings)


@settings(FAST, max_examples=15)
@given(st.randoms(use_true_random=False))
def test_an_epsilon_below_the_max_error_is_refused_when_the_record_is_at_hand(rng):
    """check(claim, lm, epsilon=ε < max error, record=rec) must raise InputError: ε is false."""
    case = so.random_record_case(rng, max_n=3)
    E = so.error_profile(case.exact_model(), case.exact_values()).max_error
    if E == 0:
        return
    lm, rec = case.model(), case.record()
    for eps in (E / 2, E - Fraction(1, 2**1100)):
        with pytest.raises(InputError):
            check("output >= 0", lm, epsilon=eps, record=rec)


# =============================================================================================
# 4. evidence bundles
# =============================================================================================


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> list[so.BundleCase]:
    """Three honest bundles (n = 3, 4, 5; the last with a status that is not "optimal")."""
    built = so.build_bundle_cases(str(tmp_path_factory.mktemp("honest")), seed=0, count=3)
    return built


def test_honest_bundles_state_nothing_false_and_recheck_ok(cases, tmp_path):
    """The oracle finds no false statement in an honest bundle, and it re-checks ok (else the
    mutation counts below would mean nothing)."""
    for case in cases:
        assert so.bundle_falsehoods(case.manifest, case.members, case.claims) == [], case.name
        path = str(tmp_path / "honest.zip")
        so.write_bundle(path, case.manifest, case.members)
        assert sl.Evidence.load(path).recheck().ok, case.name


#: Fields the brief of this suite names explicitly; every value change there is tried.
TARGETED = (
    "record.n", "record.names", "record.values_sha256", "extraction.zeta", "extraction.q_bound",
    "extraction.settings.status", "extraction.max_abs_q", "extraction.matching_error", "extraction.nonzero_and",
    "extraction.nonzero_or", "extraction.gap", "extraction.lower_bound", "extraction.objective",
    "extraction.count_empty", "logic_model.terms[].variables", "logic_model.terms[].variables[]",
    "logic_model.terms[].mask", "logic_model.terms[].coefficient_hex", "logic_model.meta.tau", "verdict.holds",
    "verdict.epsilon", "verdict.max_error", "verdict.max_error_exact", "verdict.max_error_mask", "verdict.violations",
    "verdict.support", "verdict.engines.z3", "verdict.counterexample", "claims[].holds", "claims[].status",
    "claims[].claim", "claims[].target", "claims[].counterexample.mask", "claims[].counterexample.output_exact",
    "claims[].values.min_output", "claims[].values.max_output", "claims[].engines[].outcome",
)


def _targeted(cases: list[so.BundleCase]) -> list[tuple[so.BundleCase, so.Mutation]]:
    out = []
    rng = random.Random(7)
    for case in cases:
        per_key: dict[str, int] = {}
        for m in so.manifest_mutations(case, rng):
            key = so.path_key(m.path)
            if m.kind in ("value", "same") and key in TARGETED and per_key.get(key, 0) < 3:
                per_key[key] = per_key.get(key, 0) + 1
                out.append((case, m))
        out += [(case, m) for m in so.array_mutations(case, rng) if m.label.startswith("forge split")][:2]
    return out


@pytest.fixture(scope="module")
def targeted_outcomes(cases, tmp_path_factory) -> list[so.MutationOutcome]:
    path = str(tmp_path_factory.mktemp("targeted") / "m.zip")
    return [so.run_mutation(case, m, path, timeout_s=60) for case, m in _targeted(cases)]


@pytest.fixture(scope="module")
def sampled_outcomes(cases, tmp_path_factory) -> list[so.MutationOutcome]:
    """A fixed sample of 195 mutations over the three bundles: all kinds, arrays included."""
    path = str(tmp_path_factory.mktemp("sampled") / "m.zip")
    rng = random.Random(11)
    out = []
    for case in cases:
        manifest = so.manifest_mutations(case, rng)
        arrays = so.array_mutations(case, rng)
        pick = rng.sample(manifest, min(50, len(manifest))) + rng.sample(arrays, min(15, len(arrays)))
        out += [so.run_mutation(case, m, path, timeout_s=60) for m in pick]
    return out


def _describe(outcomes: list[so.MutationOutcome]) -> str:
    lines = []
    for o in outcomes[:25]:
        why = "; ".join(o.falsehoods[:2]) or f"a {o.mutation.klass} change of {so.path_key(o.mutation.path)}"
        lines.append(f"- {o.mutation.label} → {o.verdict} ({why}) {o.error}")
    more = f"\n… and {len(outcomes) - 25} more" if len(outcomes) > 25 else ""
    return "\n".join(lines) + more


def test_targeted_bundle_mutations_are_not_accepted(targeted_outcomes):
    """Each named manifest field changed (±1, ±ulp, swapped names, 'optimal' on a non-optimal
    split, flipped verdicts, moved counterexamples, …) and the AND/OR split forgery: a changed
    statement must not load and re-check ok."""
    tally = so.BundleTally()
    for o in targeted_outcomes:
        tally.add(o)
    assert tally.mutations > 50
    bad = tally.accepted_lies + tally.escaped + tally.timeouts
    assert not bad, f"{len(tally.accepted_lies)} accepted lies, {len(tally.escaped)} escaped exceptions, " \
                    f"{len(tally.timeouts)} timeouts:\n{_describe(bad)}"


def test_sampled_bundle_mutations_accept_no_lie(sampled_outcomes):
    """A random sample of every kind of change: no lying bundle is accepted (a semantic value
    change, or any change after which the oracle finds a false statement, re-checking ok)."""
    tally = so.BundleTally()
    for o in sampled_outcomes:
        tally.add(o)
    assert not tally.accepted_lies, f"{len(tally.accepted_lies)} of {tally.mutations} mutations were accepted lies:\n" \
                                    f"{_describe(tally.accepted_lies)}"


def test_bundle_loading_raises_only_symlogic_errors(sampled_outcomes, targeted_outcomes):
    """Whatever the manifest holds (wrong types included), load and re-check answer with a
    SymlogicError or a report, never another exception, and never hang."""
    bad = [o for o in sampled_outcomes + targeted_outcomes if o.verdict in ("escaped", "timeout")]
    assert not bad, _describe(bad)


def test_cosmetic_changes_still_recheck_ok(cases, tmp_path):
    """The fields listed as cosmetic really are: changing them alone (to other finite JSON values;
    NaN and Infinity are not JSON) leaves a bundle that re-checks ok (else the classification would
    hide lies, or the re-check compares timings)."""
    rng = random.Random(3)
    case = cases[0]
    path = str(tmp_path / "c.zip")
    cosmetic = [m for m in so.manifest_mutations(case, rng) if m.klass == "cosmetic" and m.kind == "value"
                and m.op == "set" and not (isinstance(m.value, float) and not math.isfinite(m.value))][:30]
    assert cosmetic
    rejected = [o for o in (so.run_mutation(case, m, path) for m in cosmetic) if o.verdict != "accepted"]
    assert not rejected, _describe(rejected)


def test_denial_of_service_inputs_are_refused_quickly(cases, tmp_path):
    """A claim with 10^-100000000, a bundle with such a claim, a bundle with 1,000 copies of one
    model claim and a 256 MiB zip-bomb member: each answered or refused within 10 s of work, with
    a SymlogicError if refused (run in a child interpreter killed at 60 s, so a hang cannot hang
    the suite)."""
    results = so.dos_probes(str(tmp_path), cases[0], bomb_mib=256, copies=1000, limit_s=60, separate=False)
    bad = [r for r in results if r.outcome in ("escaped", "timeout", "not run") or r.seconds > 10]
    assert not bad, "\n".join(f"{r.name}: {r.outcome} after {r.seconds:.1f} s, {r.max_rss_mib:.0f} MiB ({r.detail})"
                              for r in bad)
    bomb = next(r for r in results if r.name.startswith("zip bomb"))
    assert bomb.outcome in ("refused", "not ok"), bomb
