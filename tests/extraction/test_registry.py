"""The registry of solvers (symlogic.extraction.solvers): every solver reachable from extract,
explain and the CLI, and options checked in one place with errors that name the fix."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import symlogic as sl
from symlogic.cli import build_parser, main
from symlogic.extraction import certified
from symlogic.errors import InputError
from symlogic.evidence import Evidence
from symlogic.extraction import SOLVERS, Option, Solver, SolverResult, Split, extract, register_solver, unregister_solver
from symlogic.extraction.solvers import ROUTES, ExactSolver, ReferenceSolver, resolve
from symlogic.pipeline import explain
from symlogic.transforms import mobius

TABLE = np.array([0.0, 1.0, 1.0, 1.0, 0.5, 1.5, 1.5, 2.0])  # OR(x0, x1) + 0.5·x2 on 3 variables


class AllAnd(Solver):
    """Every atom an AND (a = M v, no noise): a plug-in solver for these tests."""

    name = "all-and"
    options = (Option("scale", 1.0, "number", "multiplies nothing: an option to validate", low=0.0, high=2.0),)

    def solve(self, v, zeta, *, count_empty=True, scale=1.0):
        return SolverResult(Split(mobius(v), np.zeros_like(v), np.zeros_like(v), zeta, count_empty),
                            settings={"seconds": 0.0, "solver": "mobius", "scale": scale})


@pytest.fixture
def plugin():
    solver = register_solver(AllAnd)
    yield solver
    unregister_solver(solver.name)


def test_the_built_ins_are_registered_and_described():
    assert {"exact", "reference"} <= set(SOLVERS)
    assert isinstance(SOLVERS["exact"], ExactSolver) and isinstance(SOLVERS["reference"], ReferenceSolver)
    assert SOLVERS["exact"].certified and not SOLVERS["reference"].certified
    assert SOLVERS["exact"].option("solver").choices == ROUTES == certified.ROUTES
    for solver in SOLVERS.values():
        assert solver.description and solver.name in repr(solver)


@pytest.mark.parametrize("name", ["exact", "reference"])
def test_solve_signature_defaults_are_the_declared_defaults(name):
    solver = SOLVERS[name]
    params = inspect.signature(solver.solve).parameters
    assert {o.name for o in solver.options} | {"v", "zeta", "count_empty"} == set(params)
    for opt in solver.options:
        assert params[opt.name].default == opt.default, opt.name


def test_every_registered_solver_is_reachable_from_extract_explain_and_the_cli(plugin, tmp_path):
    rec = sl.Record.from_table(TABLE, names=["a", "b", "c"])
    parser = build_parser()
    np.save(tmp_path / "t.npy", TABLE)
    for name in SOLVERS:
        ex = extract(rec, method=name, niter=50)
        assert ex.method == name and ex.matching_error() <= 1e-12
        ev = explain(rec, method=name, niter=50, refit=None, progress=False)
        assert ev.extraction.method == name
        assert parser.parse_args(["extract", str(tmp_path / "t.npy"), "--method", name]).method == name
        assert parser.parse_args(["explain", "--model", "m:f", "--method", name]).method == name
    out = tmp_path / "out"
    assert main(["-q", "extract", str(tmp_path / "t.npy"), "--method", plugin.name, "-o", str(out)]) == 0
    assert (out / "evidence.zip").exists()


def test_a_bundle_of_a_plugin_solver_loads_and_rechecks(plugin, tmp_path):
    ev = explain(sl.Record.from_table(TABLE), method=plugin.name, refit=None, progress=False)
    ev.save(tmp_path / "evidence.zip")
    back = Evidence.load(tmp_path / "evidence.zip")
    assert back.extraction.method == "all-and" and back.extraction.settings["scale"] == 1.0 and back.recheck().ok


def test_an_unregistered_solver_is_gone_everywhere(plugin, tmp_path):
    unregister_solver(plugin.name)
    try:
        with pytest.raises(InputError, match="method must be one of"):
            extract(TABLE, method=plugin.name)
        with pytest.raises(SystemExit):
            build_parser().parse_args(["extract", "t.npy", "--method", plugin.name])
    finally:
        register_solver(plugin)


def test_options_are_checked_against_the_solvers_declaration(plugin):
    assert extract(TABLE, method="all-and", scale=2.0).settings["scale"] == 2.0
    with pytest.raises(InputError, match=r"scale must be a number in \[0, 2\], got 3"):
        extract(TABLE, method="all-and", scale=3)
    # an option of another method is checked there and ignored: one option set serves every method
    assert extract(TABLE, method="all-and", niter=5, solver="ipm").method == "all-and"
    with pytest.raises(InputError, match="niter"):
        extract(TABLE, method="all-and", niter=0)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"tols": 1e-6}, r"'tols' is not an option of method 'exact'; its options are count_empty, tol, time_limit, "
                     r"solver, device, progress, dtype, canonical; did you mean 'tol'\?"),
    ({"method": "reference", "nitre": 5}, r"'nitre' is not an option of method 'reference'.*lr, niter.*did you mean 'niter'"),
    ({"solver": "ipn"}, r"solver must be one of \('auto', 'factored', 'generate', 'ipm'\), got 'ipn'; did you mean 'ipm'"),
    ({"method": "exakt"}, r"method must be one of \('exact', 'reference'\), got 'exakt'; did you mean 'exact'"),
    ({"tol": 0.5}, r"tol must be a number in \[0, 0.01\], got 0.5"),
    ({"time_limit": 0}, r"time_limit must be a finite number of seconds > 0, got 0; pass None for no limit"),
    ({"method": "reference", "niter": 0}, r"niter must be a whole number ≥ 1, got 0; it is the number of SGD steps"),
    ({"method": "reference", "lr": 0.0}, r"lr must be a number in \(0, inf\), got 0.0"),
    ({"method": "reference", "dtype": "float16"}, r"dtype must be one of \('float64', 'float32'\), got 'float16'"),
    ({"dtype": "float32"}, r"dtype must be one of \('float64',\), got 'float32'; dtype applies to method='reference'"),
    ({"method": "reference", "niter": 2, "tol": 0.5}, r"tol must be a number in \[0, 0.01\]"),
    ({"lr": -1.0}, r"lr must be a number in \(0, inf\)"),
])
def test_refusals_name_the_option_its_range_and_the_closest_match(kwargs, pattern):
    with pytest.raises(InputError, match=pattern):
        extract(TABLE, **kwargs)


def test_resolve_completes_the_defaults():
    solver, opts = resolve("exact", {"tol": 1e-8, "niter": 5})
    assert solver is SOLVERS["exact"]
    assert opts == {"tol": 1e-8, "time_limit": None, "solver": "auto", "device": None, "progress": None,
                    "dtype": "float64", "canonical": True}
    _, opts = resolve("reference", {"time_limit": 3})
    assert opts == {"lr": 1e-5, "niter": 20000, "dtype": "float64", "device": None, "progress": None}


def test_the_old_signature_still_works():
    ex = extract(sl.Record.from_table(TABLE), "exact", 0.04, count_empty=False, tol=1e-7, time_limit=60,
                 solver="factored", device="cpu", progress=False, lr=1e-5, niter=10, dtype="float64")
    assert ex.settings["solver"] == "highs-factored" and ex.settings["tol"] == 1e-7 and not ex.count_empty
    ref = extract(TABLE, "reference", 0.04, lr=1e-4, niter=10, dtype="float32", time_limit=60, solver="ipm")
    assert ref.settings["dtype"] == "float32" and ref.settings["niter"] == 10


def _solver(name="x", doc="A solver.", options=(), base=Solver):
    return type("S", (base,), {"__doc__": doc, "name": name, "options": options})


@pytest.mark.parametrize("make, pattern", [
    (lambda: _solver(name="exact"), "already registered; it is built in"),
    (lambda: _solver(name="two words"), "starts with a letter"),
    (lambda: _solver(name=""), "starts with a letter"),
    (lambda: _solver(doc=None), "docstring"),
    (lambda: _solver(options=(Option("q_bound", 0.1, "number", ""),)), "cannot name an option"),
    (lambda: _solver(options=(Option("k", 5, "integer", "", high=3),)), "default of option 'k' is out of its range"),
    (lambda: _solver(options=(Option("k", 1, "integer", ""), Option("k", 2, "integer", ""))), "twice"),
    (lambda: _solver(options=(Option("k", 1, "float", ""),)), "kind 'float'"),
    (lambda: object, "subclass of symlogic.extraction.Solver"),
    (lambda: "exact", "instance of symlogic.extraction.Solver"),
])
def test_register_solver_checks_the_declaration(make, pattern):
    with pytest.raises(InputError, match=pattern):
        register_solver(make())


def test_replace_and_unregister(plugin):
    with pytest.raises(InputError, match="replace=True"):
        register_solver(AllAnd)
    again = register_solver(AllAnd, replace=True)
    assert SOLVERS["all-and"] is again
    with pytest.raises(InputError, match="built in"):
        register_solver(_solver(name="exact"), replace=True)
    with pytest.raises(InputError, match="built in"):
        unregister_solver("exact")
    with pytest.raises(InputError, match="no solver named"):
        unregister_solver("nothing")
    with pytest.raises(TypeError):
        SOLVERS["x"] = again  # read-only: register_solver is the one way in


@pytest.mark.parametrize("opt, good, bad", [
    (Option("a", 1.0, "number", "", low=0.0, high=1.0), [(0, 0.0), (1, 1.0)], [-0.1, 1.5, float("nan"), True, "1"]),
    (Option("b", 2, "integer", "", low=2, high=4), [(2, 2), (np.int64(4), 4)], [1, 5, 2.0, True]),
    (Option("c", None, "seconds", "", none=True), [(None, None), (0.5, 0.5)], [0, -1, float("inf"), "1"]),
    (Option("d", "x", "choice", "", choices=("x", "y")), [("y", "y")], ["z", 1, None]),
    (Option("e", False, "flag", ""), [(True, True), (np.bool_(False), False)], ["no", 1, None]),
    (Option("f", None, "any", ""), [(object, object), (None, None)], []),
])
def test_option_kinds(opt, good, bad):
    for value, expected in good:
        assert opt.check(value) == expected
    for value in bad:
        with pytest.raises(InputError, match=opt.name):
            opt.check(value)
    assert opt.allowed


def test_solver_result_status():
    split = Split(np.zeros(2), np.zeros(2), np.zeros(2), 0.0)
    assert SolverResult(split).status == "unverified"
    assert SolverResult(split, settings={"status": "time_limit"}).status == "time_limit"


@pytest.mark.parametrize("command", [["extract", "t.npy"], ["explain", "--model", "m:f"]])
def test_the_cli_lists_every_solver_in_its_help(plugin, capsys, command):
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "{" + ",".join(SOLVERS) + "}" in help_text
    assert "all-and (Every atom an AND (a = M v, no noise): a plug-in solver for these tests)" in help_text
