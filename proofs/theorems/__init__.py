"""The theorems, one module per statement; each has ``NAME``, ``TITLE``, ``DOC`` and ``check(...) -> Result``.

Every ``check`` takes the formula under test as a keyword (``formula=``-style injection: the
transform, rule, bound or conversion it is about), so that the tests can feed a wrong one and see
the check fail with a counterexample. With no injection it checks the definitions of
docs/theory.md and the package's own implementation. Pages: ``docs/theorems/<name>.md``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: Every theorem module, in the order ``python -m proofs`` runs them.
THEOREMS: tuple[str, ...] = (
    "mobius_inversion",
    "or_comobius",
    "semivalues",
    "weak_duality",
    "margin_transfer",
    "group_reduction",
    "float_exactness",
)


def load(name: str) -> ModuleType:
    """The module of theorem ``name`` (one of :data:`THEOREMS`)."""
    if name not in THEOREMS:
        raise KeyError(f"no theorem {name!r}; the theorems are {', '.join(THEOREMS)}")
    return importlib.import_module(f"{__name__}.{name}")
