"""The tabular adapter on real scikit-learn models (breast cancer data, shipped with sklearn): the
recorded table equals direct calls of the estimator on the masked rows; unsupported uses are clear
InputErrors; every adapter implements the ModelAdapter protocol."""

from __future__ import annotations

import numpy as np
import pytest
import torch

sklearn = pytest.importorskip("sklearn")

from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from symlogic.adapters import (  # noqa: E402
    CallableAdapter,
    ImageAdapter,
    MaskedInputAdapter,
    ModelAdapter,
    TabularAdapter,
    TextAdapter,
    record_tabular,
)
from symlogic.errors import InputError  # noqa: E402
from symlogic.model_record import record_model  # noqa: E402

COLUMNS = [0, 1, 6, 7, 20, 27]  # mean radius, mean texture, mean concavity, mean concave points, worst radius, worst concave points
N = len(COLUMNS)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    return X, y


@pytest.fixture(scope="module")
def logreg(data):  # type: ignore[no-untyped-def]
    X, y = data
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(X, y)


def all_rows(adapter: TabularAdapter) -> np.ndarray:
    """The 2^n masked rows, rebuilt by hand from the row, the baseline and the columns."""
    x, base = adapter.input_tensor.numpy(), adapter.baseline_tensor.numpy()
    rows = np.tile(x, (1 << N, 1))
    for mask in range(1 << N):
        for i, col in enumerate(COLUMNS):
            if not (mask >> i) & 1:
                rows[mask, col] = base[col]
    assert np.array_equal(rows, adapter.masked(np.arange(1 << N)).numpy())
    return rows


def test_logistic_regression_log_odds_match_predict_proba(data, logreg) -> None:  # type: ignore[no-untyped-def]
    X, _ = data
    x = X[13]
    adapter = TabularAdapter(logreg, x, reference=X, columns=COLUMNS)
    rec = adapter.record(progress=False)
    y = int(logreg.predict(x[None])[0])
    assert adapter.target_class == y and rec.meta["target"] == y and rec.meta["target_label"] == y
    assert rec.output == "log-odds" and rec.meta["estimator"] == "Pipeline" and rec.meta["method"] == "predict_proba"
    assert adapter.input_tensor.dtype == torch.float64  # estimators were fitted on float64
    assert rec.model_fingerprint and len(rec.model_fingerprint) == 64
    p = logreg.predict_proba(all_rows(adapter))
    expected = np.log(p[:, y]) - np.log(p[:, 1 - y])
    np.testing.assert_allclose(rec.values, expected, rtol=1e-12, atol=1e-12)
    # for a binary logistic regression that is the decision function (log-odds of classes_[1])
    d = logreg.decision_function(all_rows(adapter))
    np.testing.assert_allclose(rec.values, d if y == 1 else -d, rtol=1e-9, atol=1e-9)
    # prob of the other class
    prob = TabularAdapter(logreg, x, reference=X, columns=COLUMNS, output="prob", target=1 - y).record(progress=False)
    np.testing.assert_allclose(prob.values, p[:, 1 - y], rtol=1e-12, atol=1e-15)


def test_target_given_as_a_class_label(data) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    labels = np.where(y == 1, "benign", "malignant")
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(X, labels)
    adapter = TabularAdapter(clf, X[0], reference=X, columns=COLUMNS, target="malignant")
    rec = adapter.record(progress=False)
    col = list(clf.classes_).index("malignant")
    assert adapter.target_class == col and rec.meta["target_label"] == "malignant"
    assert rec.meta["classes"] == ["benign", "malignant"]
    p = clf.predict_proba(all_rows(adapter))
    np.testing.assert_allclose(rec.values, np.log(p[:, col]) - np.log(p[:, 1 - col]), rtol=1e-12, atol=1e-12)


def test_bound_predict_proba_and_a_numpy_callable(data, logreg) -> None:  # type: ignore[no-untyped-def]
    X, _ = data
    x = X[40]
    ref = TabularAdapter(logreg, x, reference=X, columns=COLUMNS).record(progress=False)
    bound = TabularAdapter(logreg.predict_proba, x, reference=X, columns=COLUMNS).record(progress=False)
    np.testing.assert_array_equal(bound.values, ref.values)
    # a bare callable returning numpy scores: read as logits, as for a torch model
    scores = lambda b: logreg.decision_function(np.asarray(b, dtype=np.float64))  # noqa: E731
    adapter = TabularAdapter(scores, x, reference=X, columns=COLUMNS)
    rec = adapter.record(progress=False)
    d = logreg.decision_function(adapter.masked(np.arange(1 << N)).numpy().astype(np.float64))
    y = int(d[-1] > 0)
    np.testing.assert_allclose(rec.values, d if y == 1 else -d, rtol=1e-12, atol=1e-12)
    # record_model itself accepts a callable that returns numpy
    rm = record_model(scores, torch.as_tensor(x), adapter.baseline_tensor, [[c] for c in COLUMNS], progress=False)
    assert rm.values.shape == (1 << N,)


def test_tree_log_odds_are_infinite_so_the_error_says_record_prob(data) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    with pytest.raises(InputError, match="log-odds is infinite.*output='prob'"):
        TabularAdapter(tree, X[0], reference=X, columns=COLUMNS).record(progress=False)
    adapter = TabularAdapter(tree, X[0], reference=X, columns=COLUMNS, output="prob")
    rec = adapter.record(progress=False)
    t = adapter.target_class
    assert t == int(tree.predict(X[:1])[0])
    np.testing.assert_allclose(rec.values, tree.predict_proba(all_rows(adapter))[:, t], rtol=1e-12, atol=1e-15)


def test_random_forest_probabilities(data) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    forest = RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0).fit(X, y)
    adapter = TabularAdapter(forest, X[5], reference=X, baseline="median", columns=COLUMNS, output="prob", target=1)
    rec = adapter.record(batch_size=16, progress=False)
    np.testing.assert_allclose(rec.values, forest.predict_proba(all_rows(adapter))[:, 1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(adapter.query([0, (1 << N) - 1]), rec.values[[0, -1]], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("make", [LinearRegression, lambda: GradientBoostingRegressor(n_estimators=30, random_state=0)],
                         ids=["linear", "boosting"])
def test_regressor_records_its_prediction(data, make) -> None:  # type: ignore[no-untyped-def]
    X, _ = data
    target = X[:, 3]  # predict the mean area from the other columns
    features = np.delete(X, 3, axis=1)
    reg = make().fit(features, target)
    cols = [0, 1, 5, 6, 19, 26]
    adapter = TabularAdapter(reg, features[9], reference=features, columns=cols)
    rec = record_tabular(reg, features[9], reference=features, columns=cols, progress=False)
    assert rec.output == "prediction" and rec.meta["method"] == "predict"
    rows = adapter.masked(np.arange(1 << len(cols))).numpy()
    np.testing.assert_array_equal(rec.values, reg.predict(rows))
    with pytest.raises(InputError, match="regressor"):
        TabularAdapter(reg, features[9], reference=features, columns=cols, output="prob")


def test_decision_function_only(data) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    svm = make_pipeline(StandardScaler(), LinearSVC(random_state=0)).fit(X, y)
    adapter = TabularAdapter(svm, X[2], reference=X, columns=COLUMNS)
    rec = adapter.record(progress=False)
    assert rec.meta["method"] == "decision_function"
    d = svm.decision_function(all_rows(adapter))
    y0 = adapter.target_class
    assert y0 == int(d[-1] > 0)
    np.testing.assert_allclose(rec.values, d if y0 == 1 else -d, rtol=1e-12, atol=1e-12)


def test_dataframe_columns_reach_the_estimator(data) -> None:  # type: ignore[no-untyped-def]
    pd = pytest.importorskip("pandas")
    X, y = data
    names = [f"f{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=names)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(frame, y)
    adapter = TabularAdapter(clf, frame.iloc[2], reference=frame, columns=[names[c] for c in COLUMNS])
    with _no_warnings():
        rec = adapter.record(progress=False)
    assert rec.names == tuple(names[c] for c in COLUMNS)
    p = clf.predict_proba(pd.DataFrame(all_rows(adapter), columns=names))
    t = adapter.target_class
    np.testing.assert_allclose(rec.values, np.log(p[:, t]) - np.log(p[:, 1 - t]), rtol=1e-12, atol=1e-12)


class _no_warnings:
    """No 'X does not have valid feature names' warning: the estimator gets the columns it was fitted on."""

    def __enter__(self) -> None:
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error", UserWarning)

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)


def test_unsupported_models_are_clear_input_errors(data, logreg) -> None:  # type: ignore[no-untyped-def]
    X, y = data
    labels_only = DecisionTreeClassifier(max_depth=2).fit(X, y)
    with pytest.raises(InputError, match="class labels.*predict_proba"):
        TabularAdapter(labels_only.predict, X[0], reference=X, columns=COLUMNS)
    with pytest.raises(InputError, match="not fitted"):
        TabularAdapter(LogisticRegression(), X[0], reference=X, columns=COLUMNS)
    with pytest.raises(InputError, match="torch module, a callable.*scikit-learn"):
        TabularAdapter(object(), X[0], reference=X, columns=COLUMNS)
    with pytest.raises(InputError, match="TabularAdapter"):
        record_model(logreg, torch.as_tensor(X[0]), 0.0, [[c] for c in COLUMNS], progress=False)
    with pytest.raises(InputError, match="TabularAdapter on the flattened image"):
        ImageAdapter(logreg, torch.rand(1, 4, 4), patch=2)
    with pytest.raises(InputError, match="class index"):
        TabularAdapter(logreg, X[0], reference=X, columns=COLUMNS, target="malignant")


def test_every_adapter_is_a_model_adapter(data, logreg) -> None:  # type: ignore[no-untyped-def]
    X, _ = data
    torch.manual_seed(0)
    tab = TabularAdapter(logreg, X[0], reference=X, columns=COLUMNS)
    mlp = TabularAdapter(torch.nn.Linear(30, 2), X[0], reference=X, columns=COLUMNS)
    img = ImageAdapter(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2)), torch.rand(1, 4, 4), patch=2)
    call = CallableAdapter(lambda m: m.sum(1).double(), 3)
    for adapter in (tab, mlp, img, call):
        assert isinstance(adapter, ModelAdapter)
        n = adapter.n_variables
        assert len(adapter.variable_names) == n
        rec = adapter.record(progress=False)
        masks = [0, 1, (1 << n) - 1]
        np.testing.assert_allclose(adapter.query(masks), rec.values[masks], rtol=1e-6, atol=1e-6)
        est = adapter.estimate()
        assert est.masks == 1 << n and est.bytes == 8 << n and est.seconds >= 0
    for cls in (TabularAdapter, ImageAdapter, TextAdapter, CallableAdapter):  # declared, not only structural
        assert ModelAdapter in cls.__mro__
    for cls in (TabularAdapter, ImageAdapter, TextAdapter):
        assert issubclass(cls, MaskedInputAdapter)
    assert not isinstance(object(), ModelAdapter)
