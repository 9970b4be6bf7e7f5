"""The package's public names: every one loads, and importing the package stays light."""

from __future__ import annotations

import subprocess
import sys

import symlogic.generalization as gen


def test_every_public_name_loads() -> None:
    assert sorted(gen.__all__) == sorted(gen._LAZY)
    for name in gen.__all__:
        assert getattr(gen, name) is not None
    assert set(gen.__all__) <= set(dir(gen))


def test_import_loads_no_solver_and_no_torch() -> None:
    code = ("import sys, symlogic.generalization; "
            "print(any(m in sys.modules for m in ('torch', 'highspy', 'scipy.optimize')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
