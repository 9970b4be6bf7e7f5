"""A study: many samples' evidence of one model, and what holds across them (docs/theory.md §5).

:class:`Study` iterates over per-sample results in input order (each with its extraction, logic
model, verdict and evidence), and aggregates them: the order distribution of salient concepts
(docs/theory.md §5.3), their sparsity (§3.6), claims checked on every sample (each sample's proof
kept), a comparison of two studies (e.g. training against test samples), one dataset-level
evidence bundle (:meth:`Study.save` / :meth:`Study.load`) and an HTML report.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..salience import DEFAULT_TAU
from .results import SampleFailure, SampleResult, StudyClaim, check_target, sample_order
from .stats import OrderDistribution, Sparsity, order_distribution, sparsity
from .store import ResultStore

__all__ = ["Study", "StudyComparison"]


@dataclass(frozen=True)
class StudyComparison:
    """Two studies' order distributions side by side (e.g. training against test samples, §5.3).

    Attributes:
        labels: the two studies' names.
        distributions: their :class:`OrderDistribution` (same τ).
    """

    labels: tuple[str, str]
    distributions: tuple[OrderDistribution, OrderDistribution]

    def mean_order(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(mean, spread) over samples of the strength-weighted mean order, for each study."""
        out = []
        for d in self.distributions:
            m = d.mean_order()
            out.append((float(m.mean()) if m.size else math.nan, float(m.std()) if m.size else math.nan))
        return out[0], out[1]

    def high_order_share(self, k: int) -> tuple[float, float]:
        """The mean share of salient strength in concepts of order > ``k``, for each study."""
        return tuple(float(d.high_order_share(k).mean()) if d.samples else math.nan  # type: ignore[return-value]
                     for d in self.distributions)

    def table(self, what: str = "share") -> str:
        """Order by order: mean ± spread of ``what`` in each study."""
        a, b = self.distributions
        k = max(a.orders.shape[0], b.orders.shape[0])
        cols = []
        for d in (a, b):
            m, s = np.zeros(k), np.zeros(k)
            m[:d.orders.shape[0]], s[:d.orders.shape[0]] = d.mean(what), d.spread(what)
            cols.append((m, s))
        head = f"{what} per order: {self.labels[0]} ({a.samples} samples) vs {self.labels[1]} ({b.samples} samples)"
        rows = [f"order {i + 1:>2}: {cols[0][0][i]:9.4g} ± {cols[0][1][i]:<8.3g} | {cols[1][0][i]:9.4g} ± {cols[1][1][i]:.3g}"
                for i in range(k)]
        (ma, sa), (mb, sb) = self.mean_order()
        rows.append(f"mean order: {ma:.3g} ± {sa:.2g} | {mb:.3g} ± {sb:.2g}")
        return "\n".join([head, *rows])

    def plot(self, path: str | os.PathLike[str] | None = None, *, what: str = "share", **kwargs: Any) -> Any:
        """The two distributions as grouped bars with their spread (see :func:`.plots.plot_order_distribution`)."""
        from .plots import plot_order_distribution

        return plot_order_distribution(dict(zip(self.labels, self.distributions)), path, what=what, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "distributions": [d.to_dict() for d in self.distributions]}


class Study:
    """Per-sample results of one model on many inputs, in input order, and their aggregates.

    Build one with :func:`symlogic.study.explain_many`, :meth:`open` (a results folder),
    :meth:`load` (a study bundle) or :meth:`merge`.

    Args:
        samples: the per-sample results.
        settings: how they were made (JSON-friendly; saved with the study).
        failures: samples that produced no result.
        claims: dataset claims checked so far (:meth:`check` adds to them).
    """

    def __init__(self, samples: Sequence[SampleResult], *, settings: Mapping[str, Any] | None = None,
                 failures: Sequence[SampleFailure] = (), claims: Sequence[StudyClaim] = ()) -> None:
        self.samples: list[SampleResult] = sample_order(samples)
        self.settings: dict[str, Any] = dict(settings or {})
        self.failures: list[SampleFailure] = list(failures)
        self.claims: list[StudyClaim] = list(claims)
        self._owned: Any = None

    def _own(self, folder: str | os.PathLike[str]) -> None:
        """Delete ``folder`` (a temporary copy of the bundles) when this study is garbage-collected."""
        self._owned = weakref.finalize(self, shutil.rmtree, os.fspath(folder), True)

    # ---- a sequence of samples ------------------------------------------------------------------
    def __iter__(self) -> Iterator[SampleResult]:
        return iter(self.samples)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> SampleResult:
        return self.samples[i]

    def __repr__(self) -> str:
        return f"Study({len(self.samples)} samples, {len(self.failures)} failed, {len(self.claims)} dataset claims)"

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.samples]

    @property
    def tau(self) -> float:
        """The τ the logic models were built with (the default for the aggregates)."""
        tau = self.settings.get("explain", {}).get("tau", DEFAULT_TAU)
        return float(tau) if isinstance(tau, (int, float)) else DEFAULT_TAU

    # ---- aggregates -----------------------------------------------------------------------------
    def _splits(self) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for s in self.samples:
            ex = s.extraction
            if ex is None:
                raise InputError(f"sample {s.index} ({s.key[:12]}) has no extraction in its bundle; order "
                                 "distributions and sparsity need each sample's AND-OR interactions")
            out.append((ex.and_, ex.or_))
        return out

    def order_distribution(self, tau: float | None = None) -> OrderDistribution:
        """Salient concepts per order of every sample: counts and strengths (mean and spread over
        samples with :meth:`OrderDistribution.mean` / :meth:`~OrderDistribution.spread`), at ``tau``
        (default: the study's τ), docs/theory.md §5.3."""
        return order_distribution(self._splits(), self.tau if tau is None else tau)

    def sparsity(self, tau: float | None = None, kind: str = "and-or") -> Sparsity:
        """The share of the 2^n subsets that are salient concepts, per sample and its mean: "and-or"
        counts the sparse split's salient AND and OR concepts, "and" the recorded table's own
        salient AND (Harsanyi) interactions (docs/theory.md §3.6)."""
        tau = self.tau if tau is None else tau
        if kind == "and":
            return sparsity([s.record.values for s in self.samples], tau, kind)
        return sparsity(self._splits(), tau, kind)

    def compare(self, other: "Study", labels: tuple[str, str] = ("this study", "other study"),
                tau: float | None = None) -> StudyComparison:
        """Order distributions of this study and ``other`` side by side at one τ (e.g. train vs test)."""
        if not isinstance(other, Study):
            raise InputError(f"compare() takes another Study, got {type(other).__name__}")
        tau = self.tau if tau is None else tau
        return StudyComparison((str(labels[0]), str(labels[1])), (self.order_distribution(tau), other.order_distribution(tau)))

    def verdict_counts(self) -> dict[str, int]:
        """Samples whose ε-equivalence is proven (and of them, weak: ε above 5 % of the output range), or not."""
        from ..weak import is_weak

        out = {"proven": 0, "weak": 0, "not proven": 0}
        for s in self.samples:
            v = s.verdict
            out["proven" if v.holds else "not proven"] += 1
            out["weak"] += int(v.holds and is_weak(v.relative_epsilon))
        return out

    def explained_claims(self) -> list[StudyClaim]:
        """The claims checked inside every sample's evidence (``claims=`` of explain_many), per claim text."""
        texts: dict[tuple[str, str], list[Any]] = {}
        for i, s in enumerate(self.samples):
            for c in s.claims:
                texts.setdefault((c.claim, c.target or "record"), [None] * len(self.samples))[i] = c
        return [StudyClaim(text, target, tuple(self.keys), tuple(res)) for (text, target), res in texts.items()]

    def check(self, claim: str, *, target: str = "record", time_limit: float | None = None) -> StudyClaim:
        """Check ``claim`` on every sample: on each recorded table (exhaustive, exact) or, with
        ``target="model"``, on each logic model carried to the network with its proven ε. Samples
        without a variable the claim names are "not applicable". The result (each sample's
        :class:`~symlogic.claims.ClaimResult` kept) is added to :attr:`claims`."""
        from ..claims import UnknownNameError, check, parse_claim

        check_target(target)
        parsed = parse_claim(claim)  # a syntax error once, not once per sample
        results = []
        for s in self.samples:
            try:
                if target == "record":
                    results.append(check(parsed, s.record, time_limit=time_limit))
                else:
                    results.append(check(parsed, s.logic_model, epsilon=s.verdict, record=s.record, time_limit=time_limit))
            except UnknownNameError:
                results.append(None)
        out = StudyClaim(str(parsed), target, tuple(self.keys), tuple(results))
        self.claims.append(out)
        return out

    def aggregates(self) -> dict[str, Any]:
        """The dataset's numbers, as a study bundle states them (recomputed from the samples on load)."""
        od = self.order_distribution() if self.samples else None
        return {"samples": len(self.samples), "failures": len(self.failures), "verdicts": self.verdict_counts(),
                "order_distribution": None if od is None else od.to_dict(),
                "sparsity": {k: self.sparsity(kind=k).to_dict() for k in ("and-or", "and")} if self.samples else None,
                "claims": [{"claim": c.claim, "target": c.target, "counts": c.counts} for c in self.claims],
                "explained_claims": [{"claim": c.claim, "target": c.target, "counts": c.counts}
                                     for c in self.explained_claims()]}

    def summary_lines(self) -> list[str]:
        """What a person reads first: samples, proofs, sparsity, mean order, claims."""
        v = self.verdict_counts()
        lines = [f"{len(self)} samples ({len(self.failures)} failed): ε-equivalence proven on {v['proven']} "
                 f"({v['weak']} weak), not proven on {v['not proven']}"]
        if self.samples:
            lines.append(str(self.sparsity()))
            mo = self.order_distribution().mean_order()
            lines.append(f"mean concept order (strength-weighted): {mo.mean():.3g} ± {mo.std():.2g}")
        lines += [c.summary() for c in self.explained_claims() + self.claims]
        return lines

    # ---- building -------------------------------------------------------------------------------
    @classmethod
    def from_store(cls, store: ResultStore, keys: Sequence[str] | None = None, *,
                   settings: Mapping[str, Any] | None = None, failures: Sequence[SampleFailure] = ()) -> "Study":
        """The results of ``store`` for ``keys`` (positions = their order; default: every stored key)."""
        keys = list(store) if keys is None else list(keys)
        samples = []
        for i, key in enumerate(keys):
            if key not in store:
                continue
            e = store.entry(key)
            samples.append(SampleResult(i, key, store.path(key), e.sha256, e.content_sha256, e.seconds, e.peak_rss, e.worker))
        return cls(samples, settings=settings, failures=failures)

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> "Study":
        """Every result in a results folder (``out=`` of explain_many), in the order they were stored."""
        if not Path(folder).is_dir():
            raise InputError(f"{os.fspath(folder)!r} is not a folder of study results")
        return cls.from_store(ResultStore(folder))

    @classmethod
    def merge(cls, *parts: "Study | str | os.PathLike[str]", labels: Sequence[str] | None = None) -> "Study":
        """One study of several: results of the first, then each later part's samples whose key is new
        (a key held twice keeps its first result). Folders are opened with :meth:`open`."""
        del labels  # reserved: positions are renumbered in order
        studies = [p if isinstance(p, Study) else cls.open(p) for p in parts]
        seen: set[str] = set()
        samples: list[SampleResult] = []
        failures: list[SampleFailure] = []
        for st in studies:
            for s in st.samples:
                if s.key not in seen:
                    seen.add(s.key)
                    samples.append(SampleResult(len(samples), s.key, s.path, s.sha256, s.content_sha256, s.seconds,
                                                s.peak_rss, s.worker))
            failures += [f for f in st.failures if f.key not in seen]
        merged = cls(samples, settings=studies[0].settings if studies else {}, failures=failures)
        merged._parts = studies  # type: ignore[attr-defined]  # keeps temporary folders of loaded parts alive
        return merged

    # ---- saving, loading, report ----------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the dataset-level evidence bundle (a zip of a study manifest and every sample's
        bundle; see :mod:`.archive`); returns the path."""
        from .archive import save_study

        return save_study(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], limits: Any = None) -> "Study":
        """Read a study bundle: every member's SHA-256, every sample bundle's own checks, and the
        stated aggregates against their recomputation (BundleError when anything differs)."""
        from .archive import load_study

        return load_study(path, limits, cls)

    def recheck(self, time_limit: float | None = None) -> list[Any]:
        """Each sample's :meth:`~symlogic.evidence.Evidence.recheck` report, and each dataset claim
        re-checked on its samples; a list of (what, ok, detail)."""
        out: list[Any] = []
        for s in self.samples:
            rep = s.evidence.recheck(time_limit)
            out.append((f"sample {s.index} ({s.key[:12]})", rep.ok, str(rep).splitlines()[-1]))
        for c in self.claims:
            fresh = Study(self.samples, settings=self.settings).check(c.claim, target=c.target, time_limit=time_limit)
            same = [None if r is None else (r.status, r.counterexample) for r in fresh.results] == \
                   [None if r is None else (r.status, r.counterexample) for r in c.results]
            out.append((f"dataset claim {c.claim!r} on each {c.target}", same,
                        "reproduces" if same else "DIFFERS FROM the stored per-sample results"))
        return out

    def to_html(self, path: str | os.PathLike[str], *, compare_with: "Study | None" = None,
                labels: tuple[str, str] = ("this study", "other study")) -> str:
        """A self-contained HTML report: summary, order distribution, sparsity, claims, per-sample table."""
        from .report import write_study_report

        return write_study_report(self, path, compare_with=compare_with, labels=labels)

    @classmethod
    def from_bundles(cls, bundles: Sequence[bytes], *, settings: Mapping[str, Any] | None = None) -> "Study":
        """A study of in-memory bundles (kept in a temporary folder deleted with the study)."""
        folder = Path(tempfile.mkdtemp(prefix="symlogic-study-"))
        store = ResultStore(folder)
        import hashlib

        keys = []
        for data in bundles:
            key = hashlib.sha256(data).hexdigest()
            store.put(key, data)
            keys.append(key)
        study = cls.from_store(store, keys, settings=settings)
        study._own(folder)
        return study
