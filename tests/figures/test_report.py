"""The HTML report: self-contained, escaped, with stable hooks, and checked in a real headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symlogic.errors import InputError
from symlogic.logic import LogicModel
from symlogic.figures.report import render_report, write_report

FORMULA = "f = 0.25 + 1.5·AND(not good, say \"hi\") − 0.5·OR(x->y, <b>)"


def report_args() -> dict[str, Any]:
    names = ["not good", 'say "hi"', "x->y", "<b>", "unused"]
    lm = LogicModel.from_terms(names, 0.25, [
        ("and", ["not good", 'say "hi"'], 1.5), ("or", ["x->y", "<b>"], -0.5), ("and", ["x->y"], 0.125)])
    rng = np.random.default_rng(0)
    v = lm.table() + rng.uniform(-0.009, 0.009, 1 << lm.n)
    return dict(
        title="Sentiment <script>alert(1)</script> report",
        formula_text=FORMULA,
        formula_latex=r"f = \frac{1}{4} + \frac{3}{2}\,\mathrm{AND}(\ldots)",
        verdicts=[
            {"name": "ε-equivalence", "holds": True, "epsilon": 0.01, "max_error": 0.009,
             "engines": ["z3", "exact"], "seconds": 1.2, "counterexample": None},
            {"name": "tighter bound", "holds": False, "epsilon": 0.001, "max_error": 0.009, "engines": ["exact"],
             "counterexample": {"mask": 5, "present": ["not good", "x->y"], "v": 1.25, "f": 1.24}},
        ],
        claims=[
            {"claim": "present(not good) -> output >= 0", "holds": True, "route": "model + ε, exhaustive",
             "engines": ["z3"], "counterexample": None, "explanation": "f ≥ 0.01 on every mask with it"},
            {"claim": "absent(<b>) -> output <= 0", "holds": False, "route": "record, exhaustive", "engines": ["exact"],
             "counterexample": {"mask": 3, "present": ["not good", 'say "hi"']}, "explanation": "v = 1.7 > 0 <i>here</i>"},
        ],
        provenance={"fingerprints": {"record": "sha256:ab12", "model": "sha256:cd34"},
                    "settings": {"tau": 0.05, "solver": "colgen"}, "versions": {"numpy": np.__version__}},
        lm=lm, record_values=v, error_curve={"k": [0, 1, 2, 3], "epsilon": [1.5, 0.5, 0.1, 0.009], "chosen_k": 3},
        extraction="exact extraction: L1 = 2.1, certified lower bound 2 (gap 0.1, time_limit) <escaped>",
    )


@pytest.fixture(scope="module")
def report_html() -> str:
    return render_report(**report_args())


# ---- static checks -------------------------------------------------------------------------
def test_self_contained(report_html: str) -> None:
    low = report_html.lower()
    assert not re.search(r"https?:", low), re.search(r".{40}https?:.{40}", low)
    assert "<script" not in low and "<link" not in low and "<iframe" not in low and "@import" not in low
    assert all(src.startswith("data:") for src in re.findall(r'\bsrc="([^"]*)"', report_html))
    assert all(h.startswith("#") or h.startswith("data:") for h in re.findall(r'\bhref="([^"]*)"', report_html))
    assert "Content-Security-Policy" in report_html


def test_user_strings_are_escaped(report_html: str) -> None:
    assert "alert(1)" in report_html and "<script>alert" not in report_html
    assert "&lt;i&gt;here&lt;/i&gt;" in report_html and "<i>here" not in report_html
    assert "OR(x-&gt;y, &lt;b&gt;)" in report_html
    assert "(gap 0.1, time_limit) &lt;escaped&gt;" in report_html


def test_stable_hooks(report_html: str) -> None:
    for hook in ("summary", "extraction", "formula", "terms", "verdicts", "claims", "graph", "pictures", "provenance",
                 "strengths", "order-profile", "error-curve", "fit"):
        assert report_html.count(f'id="{hook}"') == 1, hook
    assert report_html.count('class="verdict pass"') == 1 and report_html.count('class="verdict fail"') == 1
    assert report_html.count('class="claim pass"') == 1 and report_html.count('class="claim fail"') == 1
    graph = report_html[report_html.index('id="graph"'):report_html.index('id="pictures"')]
    assert "<svg" in graph
    assert "fingerprints.record" in report_html and "sha256:ab12" in report_html
    # No duplicate element ids across the inline figures.
    ids = re.findall(r'\bid="([^"]+)"', report_html)
    assert len(ids) == len(set(ids))


def test_optional_parts_and_errors(tmp_path: Path) -> None:
    args = report_args()
    for key in ("record_values", "error_curve", "extraction"):
        args.pop(key)
    args["verdicts"] = [{"name": "pending", "holds": None}]
    text = write_report(tmp_path / "r.html", **args).read_text(encoding="utf-8")
    assert 'id="fit"' not in text and 'id="error-curve"' not in text and 'class="verdict unknown"' in text
    assert 'id="extraction"' not in text
    with pytest.raises(InputError, match="one output per mask"):
        render_report(**{**report_args(), "record_values": [0.0, 1.0]})
    with pytest.raises(InputError, match="error_curve"):
        render_report(**{**report_args(), "error_curve": {"x": [1]}})


# ---- real browser --------------------------------------------------------------------------
def find_chromium() -> str | None:
    for name in (os.environ.get("SYMLOGIC_CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome", "chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = find_chromium()
    if exe is None:
        message = "headless Chromium not found (install the Debian package: apt-get install -y chromium)"
        if ci():
            pytest.fail(message + "; CI must run the browser check, not skip it")
        pytest.skip(message)
    return exe


def run_chromium(exe: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args]
        done = subprocess.run(cmd, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done


class Dom(HTMLParser):
    """Just enough of a DOM: text under each id, classes seen, and which ids enclose each <svg>."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.text: dict[str, list[str]] = {}
        self.classes: list[str] = []
        self.svg_in: list[set[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("class"):
            self.classes.append(" ".join(a["class"].split()))
        if tag == "svg":
            self.svg_in.append({i for _, i in self.stack if i})
        if tag not in self.VOID:
            self.stack.append((tag, a.get("id")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                break

    def handle_data(self, data: str) -> None:
        for _, i in self.stack:
            if i:
                self.text.setdefault(i, []).append(data)

    def text_of(self, id_: str) -> str:
        return "".join(self.text.get(id_, []))


@pytest.mark.browser
def test_report_in_headless_chromium(chromium: str, tmp_path: Path) -> None:
    path = write_report(tmp_path / "report.html", **report_args())
    url = path.resolve().as_uri()

    shot = tmp_path / "shot.png"
    run_chromium(chromium, f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", url)
    import matplotlib.image

    img = matplotlib.image.imread(shot)[..., :3]
    assert img.shape[:2] == (2000, 1280)
    assert img.std() > 0.05 and (img < 0.95).any(axis=-1).mean() > 0.05, "screenshot is blank"
    # The pass/fail styles really rendered: the green and red badge colours are on screen.
    for rgb in ((0x1B, 0x7A, 0x2F), (0xB3, 0x26, 0x1E)):
        close = (np.abs(img - np.array(rgb) / 255).max(axis=-1) < 0.03).mean()
        assert close > 1e-4, f"colour {rgb} not rendered"

    done = run_chromium(chromium, "--dump-dom", url)
    dom = Dom()
    dom.feed(done.stdout.decode("utf-8"))
    assert FORMULA in dom.text_of("formula")
    assert "verdict pass" in dom.classes and "verdict fail" in dom.classes
    assert "claim fail" in dom.classes
    assert "ε-equivalence" in dom.text_of("verdicts") and "PASS" in dom.text_of("verdicts")
    assert any("graph" in ids for ids in dom.svg_in), "no <svg> inside #graph"
    assert len(dom.svg_in) >= 5
    assert "sha256:ab12" in dom.text_of("provenance")
    assert "alert(1)" not in dom.text_of("formula") and not any(t == "script" for t, _ in dom.stack)
