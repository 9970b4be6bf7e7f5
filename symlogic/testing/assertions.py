"""Claims and ε-equivalence as test assertions: :func:`assert_claim` and :func:`assert_explains`.

Both decide with the package's own checkers (:func:`symlogic.check`, :func:`symlogic.verify`) and
raise an :class:`AssertionError` subclass whose message holds everything a failure needs: the
claim, the status, the counterexample mask in variable names, the exact values, the formula and ε
(:mod:`.messages`). "undecided" and "unknown" never pass as "holds" (docs/claims.md). Each check
can save an evidence bundle of what it checked (:mod:`.bundles`); inside a test run by the pytest
plugin, its path and SHA-256 go into the test's report (:mod:`.plugin`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .bundles import bundle_name, check_key, make_evidence, save_bundle, stand_in_model
from .context import current
from .messages import claim_message, explains_message
from .subjects import Subject, resolve_subject

if TYPE_CHECKING:
    from ..claims import ClaimResult
    from ..evidence import Evidence
    from ..logic import LogicModel
    from ..record import Record
    from ..verify import Verdict

__all__ = ["assert_claim", "assert_explains", "ClaimFailed", "ExplanationFailed", "WeakExplanationWarning", "EXPECT"]

#: The outcomes a test may expect of a claim ("unknown", a solver out of time, is never expected).
EXPECT = ("holds", "fails", "undecided")
_WEAK_MODES = ("warn", "fail", "ignore")


class ClaimFailed(AssertionError):
    """A claim did not come out as the test expected.

    Attributes:
        result: the :class:`~symlogic.claims.ClaimResult`.
        expected: the status the test expected.
        bundle: the evidence bundle written for it, or None.
    """

    def __init__(self, message: str, result: "ClaimResult", expected: str, bundle: str | None = None) -> None:
        super().__init__(message)
        self.result = result
        self.expected = expected
        self.bundle = bundle


class ExplanationFailed(AssertionError):
    """A logic model is not proven within ε of the record (or only weakly, with ``weak="fail"``).

    Attributes:
        verdict: the :class:`~symlogic.verify.Verdict`.
        bundle: the evidence bundle written for it, or None.
    """

    def __init__(self, message: str, verdict: "Verdict", bundle: str | None = None) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.bundle = bundle


class WeakExplanationWarning(UserWarning):
    """A formula is proven within ε, but ε is more than 5 % of the output range (docs/theory.md §4.6)."""


def _expected_mask(counterexample: Any, names: Sequence[str]) -> int | None:
    """The expected counterexample as a mask: an int, the present names, or {"present": [...]} / {"mask": int}."""
    from ..masks import mask_from_names

    if counterexample is None:
        return None
    if isinstance(counterexample, Mapping):
        if set(counterexample) == {"mask"}:
            counterexample = counterexample["mask"]
        elif set(counterexample) == {"present"}:
            counterexample = counterexample["present"]
        else:
            raise InputError(f"an expected counterexample mapping has one key, 'present' (a list of names) or 'mask' "
                             f"(an int); got the keys {sorted(counterexample)}")
    if isinstance(counterexample, bool):
        raise InputError("an expected counterexample is a mask (int) or the names present in it, not a bool")
    if isinstance(counterexample, int):
        if not 0 <= counterexample < 1 << len(names):
            raise InputError(f"expected counterexample mask {counterexample} is out of range "
                             f"0 … {(1 << len(names)) - 1}")
        return counterexample
    if isinstance(counterexample, str) or not isinstance(counterexample, Sequence):
        raise InputError(f"an expected counterexample is a mask (int) or a list of the names present in it, such as "
                         f"['a', 'b']; got {counterexample!r:.80}")
    return mask_from_names(counterexample, names)


def _check(text: str, sub: Subject, on: str, epsilon: Any, time_limit: float | None
           ) -> tuple["ClaimResult | None", "Verdict | None", str]:
    """Decide the claim where ``on`` says; returns the result, the verdict it used and where it was decided.

    On the model with the record there, ε is proven first (at ``epsilon``, else the bundle's ε,
    else the tightest). A model not proven within a *given* ε cannot carry a claim: the result is
    then None with the verdict that says why, an assertion failure of its own.
    """
    from ..claims import check
    from ..verify import verify

    if on == "record":
        assert sub.record is not None
        return check(text, sub.record, time_limit=time_limit), None, "record"
    assert sub.model is not None
    if sub.record is None:
        return check(text, sub.model, epsilon, time_limit=time_limit), None, "model"
    given = epsilon if epsilon is not None else (sub.evidence.epsilon if sub.evidence is not None else None)
    verdict = verify(sub.model, sub.record, given, time_limit=time_limit)
    if not verdict.holds:
        if given is not None:
            return None, verdict, "model"
        return check(text, sub.record, time_limit=time_limit), verdict, "record"  # Z3 out of time: decide exactly
    return check(text, sub.model, epsilon=verdict, record=sub.record, time_limit=time_limit), verdict, "model"


def _claim_bundle(sub: Subject, res: "ClaimResult", text: str, target: str, verdict: "Verdict | None",
                  epsilon: Any, time_limit: float | None) -> "Evidence | None":
    """The evidence of one claim, built so that ``Evidence.recheck`` reproduces it (None without a record)."""
    from ..verify import verify

    if sub.record is None:
        return None
    claim = replace(res, claim=text, target=target)
    if sub.evidence is not None:
        ev = sub.evidence
        return replace(ev, claims=[claim], verdict=verdict if verdict is not None else ev.verdict)
    lm = sub.model if sub.model is not None else stand_in_model(sub.record)
    if verdict is None:
        verdict = verify(lm, sub.record, epsilon if sub.model is not None else None, time_limit=time_limit)
    return make_evidence(sub.record, lm, verdict, [claim])


def _report(check_text: str, status: str, key: str, bundle_dir: Any,
            build: Callable[[], "Evidence | None"]) -> str | None:
    """Save the bundle where asked (``bundle_dir``, else the plugin's folder; ``build`` is called
    only then) and tell the running test's report; returns the bundle's path or None."""
    ctx = current()
    folder = bundle_dir if bundle_dir is not None else (ctx.bundle_dir if ctx is not None else None)
    entry = {"check": check_text, "status": status}
    path = None
    if folder is not None:
        ev = build()
        if ev is None and bundle_dir is not None:
            raise InputError("a bundle needs the recorded outputs: pass record= with the logic model, "
                             "or drop bundle_dir")
        if ev is not None:
            path, sha = save_bundle(ev, folder, bundle_name(ctx.node_id if ctx is not None else None, key))
            entry |= {"bundle": path, "sha256": sha}
    if ctx is not None:
        ctx.attach(entry)
    return path


def assert_claim(subject: Any, claim: str, *, epsilon: Any = None, record: "Record | None" = None,
                 expect: str = "holds", counterexample: Any = None, on: str | None = None,
                 time_limit: float | None = None, bundle_dir: str | os.PathLike[str] | None = None) -> "ClaimResult":
    """Assert that a claim comes out as expected; return its :class:`~symlogic.claims.ClaimResult`.

    Args:
        subject: a :class:`~symlogic.record.Record` (checked exhaustively and exactly), a
            :class:`~symlogic.logic.LogicModel` (with ``record=``: the claim about the network,
            carried by the model's proven ε and decided on the record when the margin cannot carry
            it; without: the claim about the formula f), an :class:`~symlogic.evidence.Evidence`, or
            the path of a saved bundle (loaded with every hash checked).
        claim: the claim's text (docs/claims.md), e.g. ``"present(a) & present(b) -> output < 0"``, or
            a parsed claim (:func:`symlogic.parse_claim`).
        epsilon: on the model: the bound ε to prove (None: a bundle's own ε, else the tightest); a
            model not proven within it raises :class:`ExplanationFailed`. Without a record, a number
            you vouch for. Not allowed for a claim checked on the record.
        record: the record of a LogicModel subject.
        expect: "holds" (default), "fails" or "undecided". "undecided" and "unknown" never pass as
            "holds".
        counterexample: with ``expect="fails"``, the expected counterexample: a mask, the names
            present in it, or ``{"present": [...]}`` (for ``no_effect`` the mask without the variable).
        on: "record" or "model"; default: "model" for a LogicModel subject, else "record".
        time_limit: seconds per Z3 call (default 10) and per proof chunk.
        bundle_dir: save an evidence bundle of this check (record, model, verdict, claim) in this
            folder; inside pytest ``--symlogic-bundles=DIR`` does it for every check. A claim on a
            model without a record has no bundle.

    Raises:
        ClaimFailed: the claim's status (or counterexample) is not the expected one.
        ExplanationFailed: on the model, the model is not proven within the given ε.
        InputError, ClaimSyntaxError, BundleError: the test itself is malformed (the message says how).

    Examples:
        >>> from symlogic import Record
        >>> rec = Record.from_table([0.0, 1.0, 1.0, 3.0], ["a", "b"])
        >>> assert_claim(rec, "present(a) & present(b) -> output >= 2.5").status
        'holds'
        >>> _ = assert_claim(rec, "output <= 2", expect="fails", counterexample=["a", "b"])
        >>> assert_claim(rec, "no_effect(b, 1/2)")
        Traceback (most recent call last):
        ...
        symlogic.testing.assertions.ClaimFailed: claim 'no_effect(b, 1/2)': expected HOLDS, got FAILS
        status: fails; asked of the recorded outputs (route: record: exhaustive, exact; subject: record)
        counterexample mask 0: present {}; absent {a, b}
        ...
    """
    from ..claims import Claim

    if isinstance(claim, (str, Claim)):
        text = str(claim)
    else:
        raise InputError(f"claim must be the claim's text, such as 'present(a) -> output >= 0', "
                         f"got {type(claim).__name__}")
    if expect not in EXPECT:
        raise InputError(f"expect must be one of {EXPECT}, got {expect!r}")
    if counterexample is not None and expect != "fails":
        raise InputError(f"counterexample= names the expected counterexample of a claim that fails; it needs "
                         f"expect='fails', got expect={expect!r}")
    sub = resolve_subject(subject, record)
    where = sub.where(on)
    if where == "record" and epsilon is not None:
        raise InputError("epsilon is for a claim checked on the model; on the record every mask is compared exactly "
                         "(drop epsilon, or pass on='model')")
    want_mask = _expected_mask(counterexample, sub.names)
    res, verdict, decided = _check(text, sub, where, epsilon, time_limit)
    if res is None:  # the model is not proven within the given ε: say so, with the bundle of that verdict
        assert verdict is not None and sub.model is not None and sub.record is not None
        lm, rec, given = sub.model, sub.record, verdict.epsilon_exact
        bundle = _report(f"ε-equivalence at ε = {verdict.epsilon!r}", verdict.status,
                         check_key("explains", given, rec.fingerprint, _model_sha(lm)), bundle_dir,
                         lambda: make_evidence(rec, lm, verdict, []))
        detail = explains_message(verdict, names=sub.names, lm=lm, epsilon=epsilon if epsilon is not None else given,
                                  relative=False, weak_text=None, bundle=bundle)
        raise ExplanationFailed(f"claim {text!r} cannot be carried by the model: it is not proven within ε of the "
                                "record; pass epsilon=None to prove the tightest bound, or check the claim "
                                f"on='record'\n{detail}", verdict, bundle)
    ok = res.status == expect and (want_mask is None or (res.counterexample or {}).get("mask") == want_mask)

    key = check_key(text, where, sub.record.fingerprint if sub.record is not None else "", _model_sha(sub.model))
    bundle = _report(res.claim, res.status, key, bundle_dir,
                     lambda: _claim_bundle(sub, res, text, decided, verdict, epsilon, time_limit))
    if not ok:
        message = claim_message(res, expect=expect, names=sub.names, subject=sub.label, on=where, lm=sub.model,
                                verdict=verdict, epsilon=epsilon, expected_mask=want_mask, bundle=bundle)
        raise ClaimFailed(message, res, expect, bundle)
    return res


def _model_sha(lm: "LogicModel | None") -> str:
    from ..verify import model_sha256

    return "" if lm is None else model_sha256(lm)


def _absolute(epsilon: Any, rec: "Record", relative: bool) -> Fraction:
    """ε in the record's units, exactly: a share of max v − min v when ``relative``."""
    import numpy as np

    from ..exact_error import exact_bound

    eps = exact_bound(epsilon, "epsilon")
    if not relative:
        return eps
    if eps >= 1:
        raise InputError(f"a relative epsilon is a share of the output range, below 1; got {epsilon!r} "
                         "(pass relative=False for an absolute bound)")
    spread = Fraction(float(np.max(rec.values))) - Fraction(float(np.min(rec.values)))
    if spread == 0:
        raise InputError("the recorded outputs do not vary (output range 0), so a relative epsilon bounds nothing; "
                         "pass relative=False with an absolute bound")
    return eps * spread


def assert_explains(lm: "LogicModel", rec: "Record", epsilon: Any, *, relative: bool = False, weak: str = "warn",
                    time_limit: float | None = None, bundle_dir: str | os.PathLike[str] | None = None) -> "Verdict":
    """Assert that ``lm`` is proven within ε of every recorded output; return the :class:`~symlogic.verify.Verdict`.

    The proof is :func:`symlogic.verify` (Z3 and an exact integer check, both must agree; ε
    compared as the exact rational it denotes). "unknown" (a solver out of time) fails.

    Args:
        lm: the logic model.
        rec: the record it explains.
        epsilon: the bound: absolute (a float, Fraction, Decimal or decimal string such as "0.1"),
            or with ``relative=True`` a share of the output range max v − min v (0.05: 5 %).
        relative: read ``epsilon`` as a share of the output range.
        weak: what to do when the proof holds but ε is more than 5 % of the output range, a weak
            explanation (docs/theory.md §4.6): "warn" (:class:`WeakExplanationWarning`, default),
            "fail" or "ignore".
        time_limit: seconds Z3 may spend per chunk (default 120).
        bundle_dir: save an evidence bundle (record, model, verdict) in this folder.

    Raises:
        ExplanationFailed: not proven within ε (the worst mask, max error and ε in the message), or
            weak with ``weak="fail"``.
        InputError: malformed arguments.

    Examples:
        >>> from symlogic import LogicModel, Record
        >>> rec = Record.from_table([0.0, 1.0, 1.0, 3.0], ["a", "b"])
        >>> lm = LogicModel.from_terms(["a", "b"], 0.0, [("and", ["a"], 1.0), ("and", ["b"], 1.0),
        ...                                              ("and", ["a", "b"], 1.0)])
        >>> assert_explains(lm, rec, 0).max_error
        0.0
    """
    from ..logic import LogicModel
    from ..record import Record
    from ..verify import model_sha256, verify
    from ..weak import weak_advice

    if not isinstance(lm, LogicModel) or not isinstance(rec, Record):
        raise InputError(f"assert_explains(lm, rec, epsilon) takes a LogicModel and its Record, got "
                         f"{type(lm).__name__} and {type(rec).__name__}")
    if weak not in _WEAK_MODES:
        raise InputError(f"weak must be one of {_WEAK_MODES}, got {weak!r}")
    if epsilon is None:
        raise InputError("assert_explains needs the bound ε to prove: a number, or a share of the output range with "
                         "relative=True (e.g. 0.05)")
    verdict = verify(lm, rec, _absolute(epsilon, rec, bool(relative)), time_limit=time_limit)
    weak_text = None
    if verdict.weak and verdict.relative_epsilon is not None:
        weak_text = "WEAK: " + weak_advice(verdict.relative_epsilon)
    ok = verdict.holds and not (weak == "fail" and weak_text)

    key = check_key("explains", verdict.epsilon_exact, rec.fingerprint, model_sha256(lm))
    bundle = _report(f"ε-equivalence at ε = {verdict.epsilon!r}", verdict.status, key, bundle_dir,
                     lambda: make_evidence(rec, lm, verdict, []))
    if not ok:
        message = explains_message(verdict, names=rec.names, lm=lm, epsilon=epsilon, relative=bool(relative),
                                   weak_text=weak_text, bundle=bundle)
        raise ExplanationFailed(message, verdict, bundle)
    if weak_text and weak == "warn":
        warnings.warn(f"{lm.n}-variable formula proven at ε = {verdict.epsilon!r}, a weak explanation. {weak_text}",
                      WeakExplanationWarning, stacklevel=2)
    return verdict
