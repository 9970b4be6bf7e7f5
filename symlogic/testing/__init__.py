"""Claims and explanations as tests: assertions for a project's test suite, and a pytest plugin.

    >>> from symlogic import Record
    >>> from symlogic.testing import assert_claim
    >>> rec = Record.from_table([0.0, 1.0, 1.0, 3.0], ["a", "b"])
    >>> assert_claim(rec, "present(a) & present(b) -> output >= 2.5").holds
    True

:func:`assert_claim` decides a claim (docs/claims.md) and :func:`assert_explains` proves a formula
within ε (docs/theory.md §4.2); both raise an :class:`AssertionError` subclass whose message shows the
counterexample mask in variable names and the exact values. The pytest plugin
(:mod:`symlogic.testing.plugin`, loaded automatically where symlogic is installed) collects
``claims*.toml`` / ``claims*.yaml`` files as tests, writes an evidence bundle of every check with
``--symlogic-bundles=DIR`` and puts its path and SHA-256 into JUnit XML and pytest-json-report.
See docs/testing.md. Importing this package loads neither torch, Z3 nor SymPy.
"""

from __future__ import annotations

from .assertions import (
    EXPECT,
    ClaimFailed,
    ExplanationFailed,
    WeakExplanationWarning,
    assert_claim,
    assert_explains,
)

__all__ = ["assert_claim", "assert_explains", "ClaimFailed", "ExplanationFailed", "WeakExplanationWarning", "EXPECT"]
