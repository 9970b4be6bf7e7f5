"""Tabular data: one variable per column (or per group of columns), masked to a baseline row.

The baseline row is the column mean or median of a reference data matrix, zero, given, or learned
(``baseline="learned"``: moved from the mean by at most 0.1 column std to make the interactions sparse,
see :mod:`symlogic.baselines`). Columns
not chosen as variables are background: they keep the row's own value on every mask (docs/theory.md §1).
The model is a torch module, a callable, or a scikit-learn estimator (see :mod:`.estimator`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..baselines import LearnedBaseline
from ..errors import InputError
from ..masks import check_names
from ..model_record import OUTPUTS, OutputSpec, eval_mode, predicted_class
from ..record import Record
from .base import (MaskedInputAdapter, baseline_options, keep_background, learn_adapter_baseline, learned_bound,
                   learned_description, model_dtype)
from .estimator import EstimatorModel, Prediction, as_estimator_model

__all__ = ["TabularAdapter", "record_tabular", "TABULAR_BASELINES"]

#: Named baselines: column mean / median of ``reference``, zero, or learned (see :mod:`symlogic.baselines`).
TABULAR_BASELINES = ("mean", "median", "zero", "learned")

def _as_array(data: Any, what: str) -> np.ndarray:
    if isinstance(data, torch.Tensor):
        data = data.detach().to("cpu", torch.float64).numpy()
    elif hasattr(data, "to_numpy"):  # pandas without importing it
        data = data.to_numpy()
    try:
        return np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what} must be numeric (a numpy array, torch tensor or DataFrame of numbers): {exc}") from exc


@dataclass
class TabularAdapter(MaskedInputAdapter):
    """One row of tabular data with its columns as input variables.

    Args:
        model: a torch module or callable taking a float batch [B, d] and returning logits (a tensor
            or numpy array), or a scikit-learn estimator (or its ``predict_proba`` /
            ``decision_function`` / ``predict`` method): a classifier's ``predict_proba`` is read as
            probabilities (default output: the target class's log-odds), a regressor's ``predict``
            is recorded as is (output "prediction"). A plain callable's outputs are read as logits.
        x: the row to explain, d numbers (array, tensor, list or pandas Series).
        reference: a data matrix [N, d] (array, tensor or DataFrame) for the "mean"/"median" baselines;
            a DataFrame's column names are used when ``names`` is not given.
        baseline: "mean" (default), "median", "zero", a number, a row of d numbers, or "learned":
            learned by :func:`symlogic.baselines.learn_baseline` (a torch model only), starting from
            ``baseline_options["start"]`` (default "mean"; any of the other baselines) and moving each
            column by at most δ = ``bound`` × the column's std in ``reference`` (``bound`` 0.1), or an
            absolute ``delta``.
        columns: which columns are variables, in order: names or indices; an inner list/tuple makes
            several columns one variable (e.g. a one-hot group). Default: every column. The others
            are background and keep the row's values.
        names: the d column names (default from a DataFrame ``reference``, else x0 … x{d−1}).
        target: the class whose output is recorded (default: the model's prediction on ``x``); for
            an estimator, a column of ``predict_proba`` (a label in ``classes_`` is accepted too) or,
            for a multi-output regressor, the output column.
        output: "log-odds" (default), "logit", "prob" or a callable on the raw model outputs.
        baseline_options: for ``baseline="learned"`` only: "start", "bound" or "delta", and the
            options of :func:`symlogic.baselines.learn_baseline` ("steps", "lr", "split", "seed",
            "batch_size", "max_variables", "gamma_lr", "threads").

    Attributes (resolved on construction):
        input_tensor: ``x`` as the model reads it, [d], in the model's dtype.
        baseline_tensor: the baseline row, [d] (equal to ``x`` on background columns, which are never masked).
        membership: boolean [n, d]; row i marks the columns of variable i.
        variable_names: one name per variable (the column name, "a+b" for a group).
        column_indices: the column indices of each variable.
        baseline_description: how the baseline was made, kept in the record.
        predictor: what the recording calls on a batch: ``model``, or an :class:`EstimatorModel`.
        target_class: the target resolved on construction for an estimator (else ``target``).
        learned: the :class:`~symlogic.baselines.LearnedBaseline` for ``baseline="learned"``, else None.

    Example:
        >>> import torch
        >>> from symlogic.adapters import TabularAdapter
        >>> _ = torch.manual_seed(0)
        >>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
        >>> data = torch.randn(50, 4)
        >>> adapter = TabularAdapter(model, data[0], reference=data, baseline="median",
        ...                          names=["age", "bmi", "bp", "s1"], columns=["age", "bp", "s1"])
        >>> rec = adapter.record()
        >>> rec.names, len(rec.values), rec.baseline
        (('age', 'bp', 's1'), 8, 'median of reference (50 rows)')
    """

    model: Any
    x: Any
    reference: Any = None
    baseline: str | float | Any = "mean"
    columns: Sequence[Any] | None = None
    names: Sequence[str] | None = None
    target: int | None = None
    output: OutputSpec = "log-odds"
    baseline_options: dict[str, Any] | None = None

    input_tensor: torch.Tensor = field(init=False, repr=False)
    baseline_tensor: torch.Tensor = field(init=False, repr=False)
    membership: torch.Tensor = field(init=False, repr=False)
    variable_names: tuple[str, ...] = field(init=False)
    column_indices: tuple[tuple[int, ...], ...] = field(init=False)
    baseline_description: str = field(init=False)
    predictor: Any = field(init=False, repr=False)
    target_class: Any = field(init=False)
    _output: Any = field(init=False, repr=False)
    learned: LearnedBaseline | None = field(init=False, repr=False)
    _learned_info: dict[str, Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        row = _as_array(self.x, "x")
        if row.ndim == 2 and row.shape[0] == 1:
            row = row[0]
        if row.ndim != 1:
            raise InputError(f"x must be one row of d numbers, got shape {row.shape}; pass x[i] for row i of a matrix")
        d = row.shape[0]
        if not np.isfinite(row).all():
            raise InputError(f"x has NaN or infinite values at columns {np.flatnonzero(~np.isfinite(row)).tolist()}; impute them first")
        column_names = self.names
        if column_names is None and hasattr(self.reference, "columns"):
            column_names = [str(c) for c in self.reference.columns]
        column_names = check_names(column_names, d)
        ref = None
        if self.reference is not None:
            ref = _as_array(self.reference, "reference")
            if ref.ndim != 2 or ref.shape[1] != d:
                raise InputError(f"reference must be a matrix [N, d] with d = {d} columns like x, got shape {ref.shape}")
            if ref.shape[0] == 0:
                raise InputError("reference has no rows; pass at least one row of data")
        is_learned = isinstance(self.baseline, str) and self.baseline == "learned"
        options = baseline_options(self.baseline_options, is_learned)
        if is_learned and ref is None and (options.get("start", "mean") in ("mean", "median") or "delta" not in options):
            raise InputError(
                "baseline='learned' starts from the column mean (baseline_options 'start') and bounds each column's move "
                f"by bound × the column's std in the reference data: pass reference=<matrix [N, {d}]> (e.g. the "
                "training set), or start from a given row with an absolute bound: baseline_options={'start': 'zero' "
                "or a row, 'delta': ...}"
            )
        base, self.baseline_description = self._resolve_baseline(ref, d, options.get("start", "mean") if is_learned else self.baseline)
        groups = self._resolve_columns(column_names, d)
        self.column_indices = tuple(groups)
        self.variable_names = tuple("+".join(column_names[c] for c in g) for g in groups)
        member = torch.zeros(len(groups), d, dtype=torch.bool)
        for i, g in enumerate(groups):
            member[i, list(g)] = True
        self.membership = member
        estimator = as_estimator_model(self.model)
        if estimator is None and not callable(self.model):
            raise InputError(
                f"model must be a torch module, a callable on a float batch [B, {d}], or a scikit-learn estimator "
                f"(with predict_proba, decision_function or predict), got a {type(self.model).__name__}"
            )
        dtype = torch.float64 if estimator is not None else model_dtype(self.model)  # estimators were fitted on float64
        self.input_tensor = torch.as_tensor(np.array(row, copy=True), dtype=dtype)  # a DataFrame row may be read-only
        self.baseline_tensor = keep_background(self.input_tensor, torch.as_tensor(base, dtype=dtype), member)
        self.names = column_names
        self.predictor = self.model if estimator is None else estimator
        self.target_class = self.target
        self._output = self.output
        if estimator is not None:
            self._resolve_estimator(estimator)
        self.learned = None
        if is_learned:
            self._learn(ref, options, estimator)

    def _learn(self, ref: np.ndarray | None, options: dict[str, Any], estimator: EstimatorModel | None) -> None:
        """Replace the start baseline by the learned one (see :mod:`symlogic.baselines`)."""
        if estimator is not None:
            raise InputError(
                f"baseline='learned' needs a model differentiable with torch autograd; {estimator.name} is a "
                "scikit-learn estimator, which is not: train the model in torch (or port its weights to a torch "
                "module), or use a fixed baseline ('mean', 'median', 'zero' or a row)"
            )
        d = self.input_tensor.shape[0]
        scale = np.zeros(d) if ref is None else np.nan_to_num(np.nanstd(ref, axis=0))
        delta, bound_what, rel = learned_bound(options, scale, "column std", (d,))
        output = self._output
        target = self.target_class
        if target is None and isinstance(output, str):
            with eval_mode(self.model), torch.inference_mode():
                target = predicted_class(self.model(self.input_tensor[None]))
        dev = next((p.device for p in self.model.parameters()), torch.device("cpu")) if isinstance(self.model, torch.nn.Module) else torch.device("cpu")
        start_what = self.baseline_description
        self.learned = learn_adapter_baseline(self.model, target, output, self.input_tensor, self.baseline_tensor,
                                              self.membership, delta, options, dev, eval_mode(self.model))
        self.baseline_tensor = keep_background(self.input_tensor, self.learned.values.to("cpu"), self.membership)
        self.baseline_description = learned_description(start_what, bound_what, self.learned)
        self._learned_info = {"from": start_what, "bound": rel, "scale": "column std of reference" if rel is not None else None}

    def _resolve_estimator(self, est: EstimatorModel) -> None:
        """Output definition and target for an estimator (see :mod:`.estimator`)."""
        out = self.output
        if not (callable(out) or out in OUTPUTS):
            raise InputError(f"output must be one of {OUTPUTS} or a callable, got {out!r}")
        target = self.target
        classes = est.classes
        if target is not None and not isinstance(target, (int, np.integer)) and classes and target in classes:
            target = classes.index(target)  # a class label: its column
        if target is not None and (isinstance(target, bool) or not isinstance(target, (int, np.integer))):
            raise InputError(f"target must be a class index (a column of predict_proba){' or one of ' + repr(classes) if classes else ''}, got {target!r}")
        if est.method == "predict":  # a regressor: its prediction, never a class's log-odds
            if isinstance(out, str) and out != "log-odds":
                raise InputError(f"{est.name} is a regressor: it has no class {out}; its prediction is recorded "
                                 "(leave output at its default) or pass output=<callable on the predictions>")
            self._output = Prediction(None if target is None else int(target)) if isinstance(out, str) else out
            self.target_class = None if target is None else int(target)
            return
        if target is None and isinstance(out, str):
            with eval_mode(est), torch.inference_mode():
                target = predicted_class(est(self.input_tensor[None]))
        self.target_class = None if target is None else int(target)
        if out == "log-odds" and est.method == "predict_proba":
            est.log_odds_target = self.target_class

    def _output_spec(self) -> Any:
        return self._output

    def _record_fields(self) -> dict[str, Any]:
        if isinstance(self.predictor, EstimatorModel) and self.predictor.fingerprint:
            return {"model_fingerprint": self.predictor.fingerprint}
        return {}

    def _resolve_baseline(self, ref: np.ndarray | None, d: int, b: Any) -> tuple[np.ndarray, str]:
        if isinstance(b, str):
            if b not in TABULAR_BASELINES or b == "learned":
                if b == "learned":
                    raise InputError("baseline_options['start'] is where learning starts: one of 'mean', 'median', "
                                     f"'zero', a number or a row of {d} numbers, not 'learned'")
                raise InputError(f"unknown baseline {b!r}; use one of {TABULAR_BASELINES}, a number, or a row of {d} numbers")
            if b == "zero":
                return np.zeros(d), "zero"
            if ref is None:
                raise InputError(f"baseline {b!r} needs reference data: pass reference=<matrix [N, {d}]> (e.g. the training set), or use baseline='zero'")
            with np.errstate(all="ignore"):
                vals = np.nanmean(ref, axis=0) if b == "mean" else np.nanmedian(ref, axis=0)
            if not np.isfinite(vals).all():
                raise InputError(f"the reference {b} is NaN at columns {np.flatnonzero(~np.isfinite(vals)).tolist()} (no finite values there)")
            return vals, f"{b} of reference ({ref.shape[0]} rows)"
        vals = _as_array(b, "baseline")
        if vals.ndim == 0:
            return np.full(d, float(vals)), f"constant {float(vals)!r}"
        if vals.shape != (d,):
            raise InputError(f"a baseline row must have d = {d} values like x, got shape {vals.shape}")
        if not np.isfinite(vals).all():
            raise InputError(f"the baseline row has NaN or infinite values at columns {np.flatnonzero(~np.isfinite(vals)).tolist()}")
        return vals, "given row"

    def _resolve_columns(self, column_names: tuple[str, ...], d: int) -> list[tuple[int, ...]]:
        if self.columns is None:
            return [(c,) for c in range(d)]
        if isinstance(self.columns, (str, int)):
            raise InputError(f"columns must be a list of column names or indices, got {self.columns!r}; wrap it: [{self.columns!r}]")
        index = {name: i for i, name in enumerate(column_names)}

        def one(col: Any) -> int:
            if isinstance(col, (int, np.integer)) and not isinstance(col, bool):
                if not 0 <= int(col) < d:
                    raise InputError(f"column index {col} is out of range 0 … {d - 1}")
                return int(col)
            if isinstance(col, str):
                if col not in index:
                    raise InputError(f"unknown column {col!r}; the columns are {list(column_names)}")
                return index[col]
            raise InputError(f"a column must be a name or an index, got {col!r}")

        groups: list[tuple[int, ...]] = []
        for item in self.columns:
            group = tuple(one(c) for c in item) if isinstance(item, (list, tuple)) else (one(item),)
            if not group:
                raise InputError("an empty column group makes a variable that controls nothing; remove it")
            groups.append(group)
        if not groups:
            raise InputError("columns is empty; pass at least one column (or columns=None for all)")
        seen: dict[int, int] = {}
        for i, g in enumerate(groups):
            for c in g:
                if c in seen:
                    raise InputError(f"column {column_names[c]!r} is listed twice (variables {seen[c]} and {i}); each column may belong to one variable")
                seen[c] = i
        return groups

    def _recorded(self) -> tuple[Any, int | None, dict[str, Any]]:
        meta = {"adapter": "tabular", "columns": [list(g) for g in self.column_indices],
                "column_names": list(self.names or ()), "baseline_row": self.baseline_tensor.tolist()}
        if self.learned is not None:
            meta["learned_baseline"] = self.learned.to_meta(**self._learned_info)
        if isinstance(self.predictor, EstimatorModel):
            classes = self.predictor.classes
            meta.update(estimator=type(self.predictor.estimator).__name__, method=self.predictor.method, classes=classes,
                        model=type(self.predictor.estimator).__name__)
            if classes and self.target_class is not None and self.predictor.method != "predict":
                meta["target_label"] = classes[self.target_class] if 0 <= self.target_class < len(classes) else None
        return self.predictor, self.target_class, meta


def record_tabular(
    model: Any,
    x: Any,
    reference: Any = None,
    baseline: str | float | Any = "mean",
    columns: Sequence[Any] | None = None,
    names: Sequence[str] | None = None,
    *,
    target: int | None = None,
    output: OutputSpec = "log-odds",
    baseline_options: dict[str, Any] | None = None,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    max_seconds: float | None = None,
) -> Record:
    """``TabularAdapter(model, x, ...).record(...)`` in one call; see :class:`TabularAdapter`."""
    adapter = TabularAdapter(model, x, reference, baseline, columns, names, target=target, output=output,
                             baseline_options=baseline_options)
    return adapter.record(batch_size=batch_size, device=device, checkpoint=checkpoint, progress=progress,
                          max_seconds=max_seconds)
