"""examples/checkpoints_dynamics.py runs at a small size and returns consistent numbers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "checkpoints_dynamics.py"


def test_checkpoints_dynamics_runs_small(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("symlogic_example_checkpoints_dynamics", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    lines: list[str] = []
    out = module.main(tmp_path, n=5, steps=120, checkpoints=4, inputs=2, echo=lines.append)
    steps = out["steps"]
    assert steps[0] == 0 and steps[-1] == 120 and steps == sorted(set(steps))
    prof = np.array(out["profiles"])
    assert prof.shape == (len(steps), 5) and (prof >= 0).all()
    np.testing.assert_allclose(np.array(out["share"]).sum(axis=1), 1.0)
    assert all(1.0 <= k <= 5.0 for k in out["mean_order"])
    assert len(out["similarity"]) == len(steps) - 1 and all(0.0 <= s <= 1.0 for s in out["similarity"])
    assert out["exact"] and out["all_optimal"] and all(g >= 0.0 for gaps in out["gaps"] for g in gaps)  # certified extractions
    assert out["verdict"] in ("both phases show", "only the first phase shows", "only the second phase shows",
                              "neither phase shows clearly")
    assert Path(out["picture"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(list((tmp_path / "checkpoints").glob("step_*.pt"))) == len(steps)
    assert any(line.startswith("two-phase dynamics") for line in lines)
