"""The extraction methods, as a registry of solvers (docs/theory.md §3).

Each method is a :class:`Solver`: a ``name``, a docstring (its first line is its description), the
options it accepts (:class:`Option`: default, type, range), and ``solve(v, zeta, *, count_empty,
**options)`` returning a :class:`SolverResult`. :data:`SOLVERS` maps names to solvers and
:func:`register_solver` adds one; :func:`symlogic.extract`, :func:`symlogic.explain` and the CLI's
``--method`` then reach it. Options are checked in one place, :func:`resolve`.

This module loads neither torch nor a solver: the built-ins import their algorithm when they run,
so the CLI can list the methods at once.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..errors import InputError
from ..params import finite_number, flag, positive_int, positive_seconds

if TYPE_CHECKING:
    from .split import Split

__all__ = ["Option", "Solver", "SolverResult", "SOLVERS", "register_solver", "unregister_solver", "get_solver",
           "resolve", "ExactSolver", "ReferenceSolver", "ROUTES", "MAX_TOL"]

#: The exact solver's routes, its ``solver`` option: ``symlogic.extraction.certified.ROUTES``, named
#: here so that listing the options loads no solver (tests/extraction/test_registry.py checks they agree).
ROUTES = ("auto", "factored", "generate", "ipm")
#: The loosest gap tolerance for which "optimal" is reported (a relative gap of 1 %).
MAX_TOL = 1e-2
#: What ``Option.kind`` may be.
KINDS = ("number", "integer", "seconds", "choice", "flag", "any")
#: extract's own parameters: no solver option may take these names.
RESERVED = ("rec", "method", "q_bound", "count_empty")


def _hint(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


@dataclass(frozen=True)
class Option:
    """One option of a solver: its name, default, kind and range, and what it does.

    ``kind`` is "number" (a finite float in [low, high], (low, high] with ``low_open``), "integer"
    (a whole number ≥ max(low, 1)), "seconds" (a finite number > 0), "choice" (one of ``choices``),
    "flag" (True or False) or "any" (passed through: a torch device, a progress switch). With
    ``none`` the value None is accepted too; ``why`` is appended to a refusal.
    """

    name: str
    default: Any
    kind: str
    doc: str
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    choices: tuple[Any, ...] = ()
    none: bool = False
    why: str = ""

    def check(self, value: Any) -> Any:
        """``value`` validated and normalised (a float, an int, ...); :class:`InputError` naming the
        option and its range otherwise."""
        if value is None and (self.none or self.kind == "any"):
            return None
        why = f"; {self.why}" if self.why else ""
        if self.kind == "number":
            try:
                return finite_number(value, self.name, self.low, self.high, low_open=self.low_open)
            except InputError as exc:
                raise InputError(f"{exc}{why}") from None
        if self.kind == "integer":
            x = positive_int(value, self.name, self.why)
            if x < self.low or x > self.high:
                raise InputError(f"{self.name} must be {self.allowed}, got {value!r}{why}")
            return x
        if self.kind == "seconds":
            return positive_seconds(value, self.name, none_means="no limit" if self.none else "")
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            hint = _hint(value, [str(c) for c in self.choices]) if isinstance(value, str) else ""
            raise InputError(f"{self.name} must be one of {self.choices}, got {value!r}{why or hint}")
        if self.kind == "flag":
            return flag(value, self.name)
        return value

    @property
    def allowed(self) -> str:
        """The range in words, for errors and help."""
        none = " or None" if self.none else ""
        if self.kind == "number":
            span = f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if math.isinf(self.high) else ']'}"
            return f"a number in {span}{none}"
        if self.kind == "integer":
            top = "" if math.isinf(self.high) else f" and ≤ {self.high:g}"
            return f"a whole number ≥ {max(self.low, 1):g}{top}{none}"
        if self.kind == "seconds":
            return f"a number of seconds > 0{none}"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices) + none
        return "True or False" if self.kind == "flag" else "anything"


@dataclass(frozen=True)
class SolverResult:
    """What a solver returns: the split, and for a certified solver its dual certificate y and
    the proven lower bound y·v − ζ‖y‖₁ (:func:`symlogic.extraction.certified.dual_bound`).

    ``settings`` is stored as ``Extraction.settings`` (and in bundles): everything that produced
    the split, with "seconds", "solver" (the route) and, for a certified solver, "status" (one of
    "optimal", "time_limit", "not_converged", "round_limit") and "tol". An uncertified solver
    states no status (a bundle re-check refuses a status without a certificate).
    """

    split: Split
    lower_bound: float | None = None
    certificate: np.ndarray | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``settings["status"]``, or "unverified" where the solver states none."""
        status = self.settings.get("status")
        return status if isinstance(status, str) else "unverified"


class Solver:
    """Base class of the extraction methods: subclass it, set ``name`` and ``options``, write a
    docstring (its first line describes the method) and :meth:`solve`, then :func:`register_solver`.

    ``certified`` says whether results carry a dual certificate (a lower bound on the optimum).
    """

    name: ClassVar[str] = ""
    certified: ClassVar[bool] = False
    options: ClassVar[tuple[Option, ...]] = ()

    def solve(self, v: np.ndarray, zeta: float, *, count_empty: bool = True, **options: Any) -> SolverResult:
        """Split the float64 table ``v`` (length 2^n) with |q| ≤ ``zeta``; ``options`` are this
        solver's own, already checked and completed with their defaults."""
        raise NotImplementedError

    @property
    def description(self) -> str:
        """The first line of the docstring."""
        doc = (type(self).__doc__ or "").strip()
        return doc.splitlines()[0].strip() if doc else ""

    def option(self, name: str) -> Option | None:
        """The declared option ``name``, or None."""
        return next((o for o in self.options if o.name == name), None)

    def defaults(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.options}

    def validate(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every declared option, checked (``given``) or at its default; an undeclared one is
        refused with the allowed names and the closest match."""
        out = self.defaults()
        for key, value in given.items():
            opt = self.option(key)
            if opt is None:
                raise _unknown(key, self)
            out[key] = opt.check(value)
        return out

    def __repr__(self) -> str:
        return f"<solver {self.name!r}: {self.description}>"


def _unknown(key: str, solver: Solver) -> InputError:
    own = [o.name for o in solver.options]
    known = sorted({"count_empty", "q_bound", *own, *(o.name for s in _REGISTRY.values() for o in s.options)})
    hint = _hint(key, known)
    return InputError(f"{key!r} is not an option of method {solver.name!r}; its options are "
                      f"{', '.join(['count_empty', *own])}{hint}")


# --------------------------------------------------------------------------------------------
# the registry

_REGISTRY: dict[str, Solver] = {}
_BUILTIN: set[str] = set()

#: Every registered solver, name → :class:`Solver` (read-only; use :func:`register_solver`).
SOLVERS: Mapping[str, Solver] = MappingProxyType(_REGISTRY)

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")


def register_solver(solver: Solver | type[Solver], *, replace: bool = False) -> Solver:
    """Add ``solver`` (an instance or a subclass of :class:`Solver`) to :data:`SOLVERS`.

    Its declaration is checked here: a name fit for a command line, a docstring, option names
    that are unique and not extract's own parameters, and defaults inside their ranges. A name
    already taken raises :class:`InputError` unless ``replace`` (never for a built-in).

    Examples:
        >>> import numpy as np
        >>> from symlogic.extraction.split import Split
        >>> class AllAnd(Solver):
        ...     '''Every atom an AND: a = M v (the Möbius transform), no noise.'''
        ...     name = "all-and"
        ...     def solve(self, v, zeta, *, count_empty=True):
        ...         from symlogic.transforms import mobius
        ...         return SolverResult(Split(mobius(v), np.zeros_like(v), np.zeros_like(v), zeta, count_empty))
        >>> register_solver(AllAnd)
        <solver 'all-and': Every atom an AND: a = M v (the Möbius transform), no noise.>
        >>> from symlogic.extraction import extract
        >>> extract([0.0, 1.0, 1.0, 1.0], method="all-and").objective   # OR(a, b) as ANDs: a + b − ab
        3.0
        >>> unregister_solver("all-and")
        <solver 'all-and': Every atom an AND: a = M v (the Möbius transform), no noise.>
    """
    if isinstance(solver, type):
        if not issubclass(solver, Solver):
            raise InputError(f"a solver is a subclass of symlogic.extraction.Solver, got {solver!r}")
        solver = solver()
    if not isinstance(solver, Solver):
        raise InputError(f"a solver is an instance of symlogic.extraction.Solver, got {solver!r:.100}")
    name = solver.name
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(f"a solver's name starts with a letter and holds letters, digits, '-', '_' or '.', "
                         f"got {name!r}")
    if not solver.description:
        raise InputError(f"describe the solver {name!r} in its docstring (the first line is shown by --help)")
    names = [o.name for o in solver.options]
    if len(set(names)) != len(names):
        raise InputError(f"solver {name!r} declares an option twice: {names}")
    for opt in solver.options:
        if not isinstance(opt, Option):
            raise InputError(f"solver {name!r}: options are symlogic.extraction.Option, got {opt!r:.100}")
        if opt.name in RESERVED or not opt.name.isidentifier():
            raise InputError(f"solver {name!r}: {opt.name!r} cannot name an option (reserved: {', '.join(RESERVED)})")
        if opt.kind not in KINDS:
            raise InputError(f"solver {name!r}: option {opt.name!r} has kind {opt.kind!r}, not one of {KINDS}")
        try:
            opt.check(opt.default)
        except InputError as exc:
            raise InputError(f"solver {name!r}: the default of option {opt.name!r} is out of its range ({exc})") from None
    if name in _REGISTRY and (not replace or name in _BUILTIN):
        why = "it is built in" if name in _BUILTIN else "pass replace=True to redefine it"
        raise InputError(f"a solver named {name!r} is already registered; {why}")
    _REGISTRY[name] = solver
    return solver


def unregister_solver(name: str) -> Solver:
    """Remove a solver added with :func:`register_solver` and return it (built-ins stay)."""
    if name in _BUILTIN:
        raise InputError(f"{name!r} is built in and cannot be removed")
    if name not in _REGISTRY:
        raise InputError(f"no solver named {name!r} is registered (known: {', '.join(_REGISTRY)})")
    return _REGISTRY.pop(name)


def get_solver(method: str) -> Solver:
    """The solver registered as ``method``; :class:`InputError` with the known names otherwise."""
    if isinstance(method, str) and method in _REGISTRY:
        return _REGISTRY[method]
    hint = _hint(method, list(_REGISTRY)) if isinstance(method, str) else ""
    raise InputError(f"method must be one of {tuple(_REGISTRY)}, got {method!r}{hint}")


def resolve(method: str, options: Mapping[str, Any]) -> tuple[Solver, dict[str, Any]]:
    """The solver for ``method`` and its options, checked and completed with defaults.

    One set of options can serve every method (``explain`` and the CLI pass one): an option this
    solver does not declare but another registered solver does is still checked against that
    declaration (accepted when one declaring solver accepts it) and then left out, as ``extract``
    did before the registry. Any other name is refused with the allowed ones and the closest match.
    """
    solver = get_solver(method)
    own = {k: v for k, v in options.items() if solver.option(k) is not None}
    for key, value in options.items():
        if key in own:
            continue
        declared = [o for s in _REGISTRY.values() if s is not solver for o in s.options if o.name == key]
        if not declared:
            raise _unknown(key, solver)
        errors = []
        for opt in declared:
            try:
                opt.check(value)
                break
            except InputError as exc:
                errors.append(exc)
        else:
            raise errors[0]
    return solver, solver.validate(own)


# --------------------------------------------------------------------------------------------
# the built-in solvers

_DEVICE = Option("device", None, "any", "torch device for the heavy operators (default: CUDA when present, else CPU)")
_PROGRESS = Option("progress", None, "any", "progress bar on stderr (None: only on a terminal)")


class ExactSolver(Solver):
    """Certified optimum of Σ|I_and| + Σ|I_or| with |q| ≤ ζ: an LP solved to a proven gap ≤ tol.

    The routes (option ``solver``, :mod:`symlogic.extraction.certified`): "factored" (one sparse
    LP, n ≤ 10), "generate" (row and column generation: sparse optima) or "ipm" (interior point
    on all masks, a dense 2^n × 2^n Cholesky: dense optima of real networks; 16·4^n bytes).
    "auto" starts with generation and switches to "ipm" when its first stage shows a dense table,
    or when it runs past half the interior point's estimated time. The split is feasible and its
    gap certified even when ``time_limit`` stops it (``settings["status"]`` then says so).

    Ties: with ``canonical`` (default) an optimal split is replaced by the least-norm point of the
    optimal face (docs/theory.md §3.7), so that tables equal up to rounding give the same split
    and formula; ``settings["tie_break"]`` says which tie-break was applied ("min-norm", or "none"
    with the reason) and ``settings["kappa"]`` its slack κ.
    """

    name = "exact"
    certified = True
    options = (
        Option("tol", 1e-6, "number", "the status is 'optimal' when the certified gap ≤ tol·gap_scale (relative)",
               low=0.0, high=MAX_TOL),
        Option("time_limit", None, "seconds", "seconds for the solver; None: no limit", none=True),
        Option("solver", "auto", "choice", "the route: " + ", ".join(ROUTES), choices=ROUTES),
        _DEVICE,
        _PROGRESS,
        Option("dtype", "float64", "choice", "the precision: float64 only", choices=("float64",),
               why="dtype applies to method='reference' only; the exact method runs in float64"),
        Option("canonical", True, "flag", "break ties: the least-norm optimal split, one split per table "
               "(docs/theory.md §3.7); False: whichever optimal vertex the route finds"),
    )

    def solve(self, v: np.ndarray, zeta: float, *, count_empty: bool = True, tol: float = 1e-6,
              time_limit: float | None = None, solver: str = "auto", device: Any = None,
              progress: bool | None = None, dtype: str = "float64", canonical: bool = True) -> SolverResult:
        from .certified import solve_exact
        from .split import Split

        sol = solve_exact(v, zeta, count_empty=count_empty, tol=tol, device=device, time_limit=time_limit,
                          progress=progress, method=solver, canonical=canonical)
        settings = {"tol": tol, "status": sol.status, "iterations": sol.iterations, "seconds": sol.seconds,
                    "solver": sol.solver, "rounds": sol.rounds, "support": sol.support,
                    "tie_break": sol.tie_break, "kappa": sol.kappa}
        split = Split(sol.and_, sol.or_, sol.q, zeta, count_empty).fold_singletons(v, recompute_q=True)
        return SolverResult(split, lower_bound=sol.lower_bound, certificate=sol.y, settings=settings)


class ReferenceSolver(Solver):
    """The published SGD schedule, for reproducing papers; not optimal and not certified.

    Momentum 0.9, the learning rate decaying log-linearly from ``lr`` to ``lr/10`` over ``niter``
    steps, q clamped to the box (:mod:`symlogic.extraction.reference`, docs/theory.md §3.5). Its
    loss always counts ∅ (``count_empty=False`` is ignored); the split is float64 and feasible
    whatever ``dtype`` the steps ran in.
    """

    name = "reference"
    options = (
        Option("lr", 1e-5, "number", "the first learning rate (the last is lr/10)", low=0.0, low_open=True),
        Option("niter", 20000, "integer", "the number of SGD steps", low=1, why="it is the number of SGD steps"),
        Option("dtype", "float64", "choice", "the steps' precision (float32: the published code's)",
               choices=("float64", "float32")),
        _DEVICE,
        _PROGRESS,
    )

    def solve(self, v: np.ndarray, zeta: float, *, count_empty: bool = True, lr: float = 1e-5,
              niter: int = 20000, dtype: str = "float64", device: Any = None,
              progress: bool | None = None) -> SolverResult:
        from .reference import reference_sgd
        from .split import Split

        sol = reference_sgd(v, zeta, lr=lr, niter=niter, dtype=dtype, device=device, progress=progress)
        if not np.isfinite(sol.reference_loss):
            raise InputError(f"the reference loss Σ|I_and| + Σ|I_or| of this table (max|v| = "
                             f"{float(np.abs(v).max()):.4g}) overflows float64; rescale the outputs by a power "
                             "of two (numpy.ldexp(values, -k) is exact)")
        settings = {"lr": lr, "niter": niter, "momentum": 0.9, "dtype": dtype, "seconds": sol.seconds,
                    "reference_loss": sol.reference_loss, "solver": "reference SGD"}
        split = Split(sol.and_, sol.or_, sol.q, zeta, True).fold_singletons(v, recompute_q=False)
        return SolverResult(split, settings=settings)


for _builtin in (ExactSolver, ReferenceSolver):
    register_solver(_builtin)
    _BUILTIN.add(_builtin.name)
