"""Where :class:`~symlogic.logic.LogicModel`'s convenience methods find their exporters.

``lm.to_sympy()``, ``lm.to_latex()``, ``lm.to_networkx()``, ``lm.symbols`` and
``LogicModel.from_sympy`` ask this registry for a function by name; ``symlogic/__init__.py``
declares which module defines each (:func:`provide`), imported on first use. So the exporters in
:mod:`symlogic.export` import the model, the model imports only this module, and no import cycle
runs through the model (tests/test_import_graph.py). SymPy's ``Basic.__str__`` reaches its printers
the same way: the class names a printer, the printers know the class.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["provide", "backend"]

_WHERE: dict[str, str] = {}


def provide(name: str, module: str) -> None:
    """Declare that the module ``module`` (absolute dotted path) defines the function ``name``."""
    _WHERE[name] = module


def backend(name: str) -> Callable[..., Any]:
    """The function ``name`` from the module declared for it, imported now if need be."""
    try:
        module = _WHERE[name]
    except KeyError:
        raise LookupError(f"no exporter is declared for {name!r}; known: {sorted(_WHERE)}") from None
    return getattr(importlib.import_module(module), name)
