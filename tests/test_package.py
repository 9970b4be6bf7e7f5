"""The package surface: a light import, a fast --help, every public name loadable."""

from __future__ import annotations

import subprocess
import sys

import symlogic as sl


def test_import_symlogic_loads_no_heavy_dependency() -> None:
    code = "import sys, symlogic; print(sorted(m for m in ('torch', 'z3', 'sympy', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_help_loads_no_heavy_dependency() -> None:
    code = ("import sys, contextlib, io\nfrom symlogic.cli import build_parser\n"
            "with contextlib.redirect_stdout(io.StringIO()): build_parser().format_help()\n"
            "print(sorted(m for m in ('torch', 'z3', 'sympy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_name_loads() -> None:
    for name in sl.__all__:
        assert getattr(sl, name) is not None, name


def test_a_submodule_import_does_not_hide_the_function_of_the_same_name() -> None:
    import importlib

    for name in ("verify", "record", "evidence", "interactions"):
        importlib.import_module(f"symlogic.{name}")
        assert callable(getattr(sl, name)) and not isinstance(getattr(sl, name), type(sl)), name
