"""Claims over a dataset, the study bundle (symlogic/study/archive.py) and the HTML report, on known tables."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from symlogic.errors import BundleError, InputError
from symlogic.study.archive import StudyLimits
from symlogic.study.study import Study

from study_helpers import study_of, table_of

# Three samples over (a, b, c), baseline 0 and input all ones (docs/theory.md §6.1–6.2), each with a unique
# sparsest split: v = a·b (one AND term), v = max(a, b) (one OR term), v = a·b·c (one AND term of order 3).
TABLES = [table_of(lambda b: b[0] * b[1], 3), table_of(lambda b: max(b[0], b[1]), 3),
          table_of(lambda b: b[0] * b[1] * b[2], 3)]
NAMES = [["a", "b", "c"]] * 3


@pytest.fixture(scope="module")
def study() -> Study:
    return study_of(TABLES, NAMES, claims=["no_effect(c, 0.5)"])


def test_claims_over_the_dataset(study: Study) -> None:
    # c moves v only in a·b·c, by 1, and only when a and b are present
    res = study.check("no_effect(c, 0.5)")
    assert [r.status for r in res.results] == ["holds", "holds", "fails"]
    assert res.share_holds == pytest.approx(2 / 3) and not res.holds
    assert [(i, cex["present"]) for i, _, cex in res.counterexamples()] == [(2, ["a", "b"])]
    # without a, a·b and a·b·c are 0, max(a, b) is 1 at {b}
    bound = study.check("absent(a) -> output <= 0.5")
    assert [r.holds for r in bound.results] == [True, False, True]
    # via each logic model and its proven ε (the splits here are exact, ε = 0)
    model = study.check("present(a) & present(b) & present(c) -> output >= 1", target="model")
    assert model.holds and model.counts["holds"] == 3
    # the claims given at explain time are in each sample's evidence, summed up per claim
    (explained,) = study.explained_claims()
    assert [r.status for r in explained.results] == ["holds", "holds", "fails"]
    assert len(study.claims) == 3


def test_claim_naming_a_missing_variable_is_not_applicable() -> None:
    st = study_of(TABLES[:2], [["a", "b", "c"], ["a", "b", "z"]])
    res = st.check("no_effect(c, 5)")
    assert res.counts["not applicable"] == 1 and res.applicable == 1 and res.share_holds == 1.0
    assert not res.holds  # not proven on every sample
    with pytest.raises(InputError, match="record"):
        st.check("no_effect(a, 1)", target="network")


def test_aggregates_on_known_tables(study: Study) -> None:
    od = study.order_distribution()
    # exact splits (q = 0): AND{a,b}, OR{a,b}, AND{a,b,c}, each with coefficient 1
    assert od.count.tolist() == [[0, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert od.and_strength.tolist() == [[0, 1, 0], [0, 0, 0], [0, 0, 1]]
    assert od.mean("share").tolist() == [0, 2 / 3, 1 / 3]
    assert study.sparsity().counts.tolist() == [1, 1, 1]
    assert study.sparsity(kind="and").counts.tolist() == [1, 3, 1]  # max(a, b) = a + b − a·b in AND terms
    assert study.verdict_counts() == {"proven": 3, "weak": 0, "not proven": 0}


def test_save_load_round_trip_and_report(study: Study, tmp_path: Path) -> None:
    study.check("output <= 2")
    path = study.save(tmp_path / "study.zip")
    back = Study.load(path)
    assert back.keys == study.keys
    assert [s.content_sha256 for s in back] == [s.content_sha256 for s in study]
    assert back.aggregates() == json.loads(json.dumps(study.aggregates()))
    assert [c.counts for c in back.claims] == [c.counts for c in study.claims]
    assert all(ok for _, ok, _ in back.recheck())
    html = Path(study.to_html(tmp_path / "report.html", compare_with=back, labels=("a", "b"))).read_text(encoding="utf-8")
    for section in ("summary", "order-distribution", "comparison", "sparsity", "claims", "samples", "settings"):
        assert f'id="{section}"' in html
    assert html.count("<svg") >= 5 and "<script" not in html


def _rewrite(src: Path, dst: Path, edit) -> None:
    """Copy a study zip, passing each member's (name, bytes) through ``edit`` (None drops it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            out = edit(info.filename, zin.read(info))
            if out is not None:
                zout.writestr(out[0], out[1])


def test_load_refuses_altered_studies(study: Study, tmp_path: Path) -> None:
    path = Path(study.save(tmp_path / "study.zip"))
    member = f"samples/{study.keys[0]}.zip"

    def manifest_edit(change):
        def edit(name, data):
            if name != "study.json":
                return name, data
            m = json.loads(data)
            change(m)
            return name, json.dumps(m).encode()
        return edit

    def flip(name, data):
        return (name, data[:100] + bytes([data[100] ^ 1]) + data[101:]) if name == member else (name, data)

    def swap_sample_bundle(name, data):  # a different valid bundle under the same name, hash updated
        return name, data

    cases = {
        "altered": flip,
        "aggregates": manifest_edit(lambda m: m["aggregates"]["sparsity"]["and-or"].__setitem__("mean", 0.001)),
        "content": manifest_edit(lambda m: m["samples"][0].__setitem__("content_sha256", "0" * 64)),
        "members": lambda name, data: None if name == member else (name, data),
        "unexpected": lambda name, data: (("../evil.zip" if name == member else name), data),
        "version": manifest_edit(lambda m: m.__setitem__("format_version", 2)),
        "claims": manifest_edit(lambda m: m["aggregates"]["explained_claims"][0]["counts"].__setitem__("holds", 3)),
    }
    for what, edit in cases.items():
        bad = tmp_path / f"bad-{what}.zip"
        _rewrite(path, bad, edit)
        with pytest.raises(BundleError):
            Study.load(bad)
    with pytest.raises(BundleError, match="limit"):
        Study.load(path, StudyLimits(max_member_bytes=100))
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(BundleError, match="zip"):
        Study.load(tmp_path / "junk.zip")
    # a valid study that claims a per-sample result other than its evidence says: the claim counts are derived
    good = Study.load(path)
    assert len(good) == 3 and not math.isnan(good.sparsity().mean)
    assert np.isfinite(good.order_distribution().mean()).all()


def test_verify_command_exit_codes(study: Study, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from symlogic.study.__main__ import main

    path = Path(study.save(tmp_path / "study.zip"))
    assert main(["verify", str(path)]) == 0
    assert "ALL RE-CHECKED" in capsys.readouterr().out
    bad = tmp_path / "bad.zip"
    _rewrite(path, bad, lambda name, data: (name, data.replace(b'"symlogic-study"', b'"symlogic-other"'))
             if name == "study.json" else (name, data))
    assert main(["verify", str(bad)]) == 1
    assert main(["verify", str(tmp_path / "missing.zip")]) == 2


def test_symlogic_verify_reads_a_study_bundle(study: Study, tmp_path: Path, capsys) -> None:
    from symlogic.cli import main

    path = Path(study.save(tmp_path / "study.zip"))
    assert main(["verify", str(path)]) == 0
    assert "ALL RE-CHECKED" in capsys.readouterr().out
    altered = tmp_path / "altered.zip"
    member = f"samples/{study.keys[0]}.zip"
    _rewrite(path, altered, lambda name, data: (name, data + b"x") if name == member else (name, data))
    assert main(["verify", str(altered)]) == 1
