"""``select_variables``: the choice, the exact record with the others at background, and the proof on it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import symlogic as sl
from planted_games import game, planted_terms, table
from symlogic.errors import InputError
from symlogic.evidence import Evidence
from symlogic.screening import MAX_SELECTED, candidate_query, screen, select_variables


def test_screen_strategy_picks_the_planted_support_and_records_it_exactly() -> None:
    terms = [("and", (5, 9), 3.0), ("or", (20, 33), -1.0), ("and", (2,), 0.25)]
    f = game(terms, bias=0.5)
    sel = select_variables(f, 40, k=4, budget=6000, noise=0)
    assert set(sel.selected) == {"x5", "x9", "x20", "x33"}
    assert sel.record.n == 4 and sel.exact_queries == 16 and sel.queries == sel.screening.queries + 16
    # the exact table: every other candidate present (background), the chosen ones as the mask says
    names = list(sel.record.names)
    cols = [int(name[1:]) for name in names]
    masks = np.ones((16, 40), dtype=bool)
    for t in range(16):
        for j, c in enumerate(cols):
            masks[t, c] = bool((t >> j) & 1)
    assert np.allclose(sel.record.values, f(masks))
    meta = sel.record.meta["selection"]
    assert meta["strategy"] == "screen" and meta["k"] == 4 and meta["candidates"] == 40
    assert meta["selected"] == names and meta["background_held"] == "present"
    assert set(meta["background"]) == {f"x{i}" for i in range(40)} - set(names)
    assert meta["screening"]["budget"] == 6000 and meta["screening"]["queries"] == sel.screening.queries
    assert meta["exact_queries"] == 16 and "say nothing about masking" in meta["scope"]
    json.dumps(sel.record.meta)  # JSON-friendly, as the bundle stores it


def test_group_strategy_covers_every_candidate() -> None:
    f = game([("and", (1, 2), 2.0), ("and", (10,), 0.5), ("and", (25,), 0.1)])
    sel = select_variables(f, 30, k=4, budget=5000, strategy="group", groups=2, noise=0)
    assert sel.selected[:2] == ("x1", "x2") and sel.selected[2:] == ("rest_1", "rest_2")
    covered = sorted(i for m in sel.members for i in m)
    assert covered == list(range(30)) and sel.background == ()
    assert sel.record.meta["selection"]["members"]["rest_1"][:2] == ["x0", "x3"]
    # masking a group masks all of its candidates: the all-absent mask is the game with nothing present
    assert sel.record.values[0] == pytest.approx(f(np.zeros((1, 30), dtype=bool))[0])
    assert sel.record.values[-1] == pytest.approx(f(np.ones((1, 30), dtype=bool))[0])


def test_group_names_never_collide_with_candidates() -> None:
    names = [f"rest_{i}" for i in range(1, 7)] + [f"c{i}" for i in range(6)]
    f = game([("and", (0,), 1.0)])
    sel = select_variables(f, 12, k=3, budget=3000, strategy="group", groups=2, names=names, noise=0)
    assert len(set(sel.record.names)) == 3 and "rest_1'" in sel.record.names


def test_a_given_screening_is_reused() -> None:
    f = game([("and", (3, 4), 1.0)])
    s = screen(f, 20, budget=3000, noise=0)
    sel = select_variables(f, 20, k=2, screening=s)
    assert sel.screening is s and set(sel.selected) == {"x3", "x4"}
    with pytest.raises(InputError, match="same candidates"):
        select_variables(f, 20, k=2, screening=s, names=[f"v{i}" for i in range(20)])
    with pytest.raises(InputError, match="budget is required"):
        select_variables(f, 20, k=2)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"k": MAX_SELECTED + 1}, "more than"),
    ({"k": 0}, "k must be"),
    ({"k": 3, "strategy": "best"}, "unknown strategy"),
    ({"k": 3, "strategy": "group", "groups": 3}, "less than k"),
])
def test_bad_selections_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        select_variables(game([("and", (0,), 1.0)]), 40, budget=3000, **kwargs)


def test_candidate_query_answers_as_the_adapter_does(rng: np.random.Generator) -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(12, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()
    data = torch.randn(40, 12, dtype=torch.float64)
    adapter = sl.TabularAdapter(model, data[0], reference=data)
    fn = candidate_query(adapter, batch_size=7)
    masks = rng.random((20, 12)) < 0.5
    assert np.allclose(fn(masks), adapter.query(masks), atol=1e-12)
    with pytest.raises(InputError, match="model adapter"):
        candidate_query(lambda m: m)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"n_candidates = 5"):
        select_variables(adapter, 5, k=2, budget=3000)


def _shortcut_model() -> tuple[object, np.ndarray, np.ndarray]:
    """A classifier whose label is decided by features 7 and 42 together, among 100."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 100))
    y = ((x[:, 7] > 0.5) & (x[:, 42] > 0.5)).astype(int)
    model = HistGradientBoostingClassifier(max_iter=40, max_depth=3, random_state=0).fit(x, y)
    row = rng.normal(size=100) * 0.3
    row[[7, 42]] = 1.8
    return model, x, row


@pytest.mark.slow
def test_end_to_end_the_shortcut_is_selected_and_proven(tmp_path: Path) -> None:
    model, data, row = _shortcut_model()
    names = [f"f{i}" for i in range(100)]
    adapter = sl.TabularAdapter(model, row, reference=data, names=names)
    assert adapter.n_variables == 100
    sel = select_variables(adapter, k=4, budget=8000, seed=1)
    assert {"f7", "f42"} <= set(sel.selected)
    assert sel.screening.ranking[:2] in (("f7", "f42"), ("f42", "f7"))
    ev = sel.explain(target=0.05)
    assert ev.verdict.holds
    top = max(ev.logic_model.concepts, key=lambda t: abs(t.coefficient))
    assert set(top.names) == {"f7", "f42"}
    # the selection travels with the record into the bundle and the report
    bundle = ev.save(tmp_path / "evidence.zip")
    back = Evidence.load(bundle)
    assert back.record.meta["selection"] == sel.record.meta["selection"]
    assert back.recheck().ok
    html = Path(ev.to_html(tmp_path / "report.html")).read_text(encoding="utf-8")
    assert "selection.selected" in html and "selection.background" in html


def test_the_record_is_the_brute_force_table_of_the_restricted_game() -> None:
    """A screen-selected record equals the game's table with the others present (checked over 2^k)."""
    terms = planted_terms(50, 4, seed=3, disjoint=True)
    f = game(terms)
    sel = select_variables(f, 50, k=6, budget=8000, noise=0)
    chosen = [int(n[1:]) for n in sel.record.names]

    def restricted(m: np.ndarray) -> np.ndarray:
        full = np.ones((m.shape[0], 50), dtype=bool)
        full[:, chosen] = m
        return f(full)

    assert np.allclose(sel.record.values, table(restricted, 6))
