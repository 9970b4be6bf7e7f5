"""scikit-learn estimators (and look-alikes) as models a recording can run.

An estimator is not a torch module and returns numpy arrays; :class:`EstimatorModel` calls the
right method on a float64 batch and hands back what :func:`symlogic.model_record.scalar_output`
reads as logits, so the recorded scalar means what it means for a torch model (docs/theory.md §1):

- ``predict_proba`` (a classifier): the log-probabilities log p_c. The default "log-odds" is then
  z_y − log Σ_{c≠y} exp z_c = log p_y − log Σ_{c≠y} p_c, the log-odds of the target class;
  "prob" is p_y and "logit" is log p_y.
- ``decision_function`` (a classifier without probabilities): the scores, read as logits (for a
  binary logistic regression, the log-odds of ``classes_[1]``).
- ``predict`` (a regressor): the raw prediction, recorded as the output "prediction".

The target is a column of ``predict_proba`` (an index into ``classes_``), as for a torch model.
"""

from __future__ import annotations

import hashlib
import pickle
from typing import Any

import numpy as np
import torch

from ..errors import InputError

__all__ = ["EstimatorModel", "ESTIMATOR_METHODS", "as_estimator_model", "Prediction"]

#: The methods looked for, in order of preference.
ESTIMATOR_METHODS = ("predict_proba", "decision_function", "predict")


def _is_classifier(estimator: Any) -> bool:
    if getattr(estimator, "classes_", None) is not None:
        return True
    try:
        from sklearn.base import is_classifier
    except ImportError:  # a look-alike without scikit-learn installed
        return getattr(estimator, "_estimator_type", None) == "classifier"
    try:
        return bool(is_classifier(estimator))
    except Exception:  # an object sklearn cannot inspect
        return False


def _fingerprint(estimator: Any) -> str | None:
    """SHA-256 of the pickled estimator (its fitted parameters), or None when it does not pickle."""
    try:
        return hashlib.sha256(pickle.dumps(estimator, protocol=4)).hexdigest()
    except Exception:
        return None


class Prediction:
    """The output definition of a regressor: its raw prediction (column ``column`` of a multi-output one)."""

    def __init__(self, column: int | None = None) -> None:
        self.column = column
        self.__name__ = "prediction" if column is None else f"prediction[{column}]"

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim == 2 and z.shape[1] > 1:
            if self.column is None:
                raise InputError(f"the regressor predicts {z.shape[1]} outputs per row; pass target=<column> to record one")
            return z[:, self.column]
        if self.column not in (None, 0):
            raise InputError(f"target = {self.column} picks an output column, but the regressor predicts one output per row")
        return z.reshape(-1)


class EstimatorModel:
    """An estimator's ``method`` as a model: a batch [B, d] → its outputs as a float64 tensor (see the module docstring).

    ``log_odds_target``: when set, a batch where ``predict_proba`` puts probability exactly 0 or 1 on
    that class is refused (its log-odds is infinite) with the fix: record ``output='prob'``.
    """

    def __init__(self, estimator: Any, method: str) -> None:
        if method not in ESTIMATOR_METHODS or not callable(getattr(estimator, method, None)):
            raise InputError(f"{type(estimator).__name__} has no method {method!r}; use one of {ESTIMATOR_METHODS}")
        self.estimator = estimator
        self.method = method
        self.name = f"{type(estimator).__name__}.{method}"
        self.log_odds_target: int | None = None
        names = getattr(estimator, "feature_names_in_", None)
        self.feature_names = None if names is None else [str(c) for c in names]
        digest = _fingerprint(estimator)
        self.fingerprint = digest
        # an ndarray attribute: part of this callable's identity for checkpoints (symlogic.record)
        self.identity = np.frombuffer(bytes.fromhex(digest), dtype=np.uint8).copy() if digest else np.zeros(0, np.uint8)
        self.__name__ = self.name

    @property
    def classes(self) -> list[Any] | None:
        """The estimator's classes (the columns of ``predict_proba``), JSON-friendly, or None."""
        classes = getattr(self.estimator, "classes_", None)
        return None if classes is None else np.asarray(classes).tolist()

    def _frame(self, rows: np.ndarray) -> Any:
        """Rows as the estimator was fitted: a DataFrame with its column names when it saw one."""
        if self.feature_names is None or len(self.feature_names) != rows.shape[1]:
            return rows
        try:
            import pandas as pd
        except ImportError:
            return rows
        return pd.DataFrame(rows, columns=self.feature_names)

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        rows = batch.detach().to("cpu", torch.float64).numpy().reshape(batch.shape[0], -1)
        try:
            out = getattr(self.estimator, self.method)(self._frame(rows))
        except Exception as exc:
            if type(exc).__name__ == "NotFittedError":
                raise InputError(f"{type(self.estimator).__name__} is not fitted: call fit(X, y) before recording it") from exc
            raise
        arr = np.asarray(out)
        if arr.dtype.kind not in "biuf":
            raise InputError(f"{self.name} returned {arr.dtype} values, not numbers; record a classifier through predict_proba")
        arr = arr.astype(np.float64, copy=False)
        if self.method != "predict_proba":
            return torch.from_numpy(np.ascontiguousarray(arr))
        if arr.ndim != 2:
            raise InputError(f"{self.name} returned shape {arr.shape}; expected [rows, classes]")
        y = self.log_odds_target
        if y is not None and 0 <= y < arr.shape[1]:
            others = np.delete(arr, y, axis=1)
            bad = (arr[:, y] <= 0) | ~(others > 0).any(axis=1)
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                label = self.classes[y] if self.classes else y
                raise InputError(
                    f"{self.name} gives class {label!r} probability exactly {arr[k, y]:g} on {int(bad.sum())} of "
                    f"{arr.shape[0]} masked inputs, so its log-odds is infinite there; record output='prob' "
                    "instead, or use a classifier whose probabilities stay inside (0, 1) (e.g. wrapped in CalibratedClassifierCV)"
                )
        with np.errstate(divide="ignore"):
            return torch.from_numpy(np.log(arr))


def as_estimator_model(model: Any) -> EstimatorModel | None:
    """An :class:`EstimatorModel` for a scikit-learn-like estimator (not callable, with one of
    :data:`ESTIMATOR_METHODS`) or for a bound method of one (``clf.predict_proba``); None otherwise.

    A classifier that offers only ``predict`` (class labels, not a score) is refused."""
    if isinstance(model, torch.nn.Module):
        return None
    owner = getattr(model, "__self__", None)
    method = getattr(model, "__name__", None)
    if callable(model) and owner is not None and method in ESTIMATOR_METHODS and not isinstance(owner, torch.nn.Module):
        estimator = owner
    elif not callable(model) and any(callable(getattr(model, m, None)) for m in ESTIMATOR_METHODS):
        estimator = model
        method = next(m for m in ESTIMATOR_METHODS if callable(getattr(model, m, None)))
    else:
        return None
    if method == "predict" and _is_classifier(estimator):
        raise InputError(
            f"{type(estimator).__name__} is a classifier whose predict gives class labels, not a score; record its "
            "predict_proba or decision_function (e.g. SVC(probability=True)), or pass a callable that returns scores"
        )
    return EstimatorModel(estimator, str(method))
