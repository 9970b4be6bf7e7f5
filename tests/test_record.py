"""Records: the Record object, ``record`` (batches, checkpoints, errors) and ``record_model``.

Model tables are compared with a direct forward pass of each masked input built here element by
element, so the masking in ``record_model`` is checked against docs/theory.md §1, not against itself.
"""

from __future__ import annotations

import hashlib
import tracemalloc

import numpy as np
import pytest
import torch

from symlogic import InputError, Record, ResourceError, record, record_model
from symlogic.model_record import variable_membership
from symlogic.record import check_memory

# --------------------------------------------------------------------------------------------
# Record


def test_record_from_table_basics():
    rec = Record.from_table([0, 1, 2, 3.5], names=["a", "b"])
    assert rec.n == 2 and rec.names == ("a", "b")
    assert rec.values.dtype == np.float64
    np.testing.assert_array_equal(rec.values, [0, 1, 2, 3.5])
    assert rec.value(["a", "b"]) == 3.5 and rec.value(["b"]) == 2.0 and rec.value([]) == 0.0
    assert rec.value(1) == 1.0
    assert rec.mask(["b"]) == 2
    assert rec.present(3) == ("a", "b") and rec.present(0) == ()
    assert rec.fingerprint == hashlib.sha256(np.array([0, 1, 2, 3.5]).tobytes()).hexdigest()
    with pytest.raises(InputError, match="out of range"):
        rec.mask(4)
    with pytest.raises(InputError, match="'c'"):
        rec.value(["c"])


def test_record_values_are_read_only_and_copied():
    base = np.arange(8.0)
    table = base[:]  # a view: freezing it would not protect the data behind it
    rec = Record.from_table(table)
    with pytest.raises(ValueError):
        rec.values[0] = 5.0
    assert table.flags.writeable  # the caller's array is neither frozen ...
    fingerprint = rec.fingerprint
    base[0] = 5.0  # ... nor shared
    assert rec.values[0] == 0.0 and rec.fingerprint == fingerprint
    assert rec.names == ("x0", "x1", "x2")
    direct = Record(values=base, names=("a", "b", "c"))
    base[1] = 7.0
    assert direct.values[1] == 1.0


def test_record_from_torch_and_fingerprint_tracks_values():
    t = torch.arange(16, dtype=torch.float32, requires_grad=True)
    rec = Record.from_table(t)
    assert rec.n == 4 and rec.values.dtype == np.float64
    other = Record.from_table(np.arange(16.0) + np.eye(16)[5] * 1e-12)
    assert rec.fingerprint != other.fingerprint
    assert Record.from_table(np.arange(16.0)).fingerprint == rec.fingerprint


@pytest.mark.parametrize("length", [0, 3, 6, 24])
def test_record_refuses_table_lengths_not_powers_of_two(length):
    with pytest.raises(InputError, match=f"length {length}"):
        Record.from_table(np.zeros(length))


def test_record_refuses_bad_shapes_and_names():
    with pytest.raises(InputError, match="one-dimensional"):
        Record.from_table(np.zeros((2, 4)))
    with pytest.raises(InputError, match="3 variable names"):
        Record.from_table(np.zeros(4), names=["a", "b", "c"])
    with pytest.raises(InputError, match="distinct"):
        Record.from_table(np.zeros(4), names=["a", "a"])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_record_refuses_non_finite_values_naming_the_masks(bad):
    table = np.arange(8.0)
    table[5] = bad
    table[6] = bad
    with pytest.raises(InputError, match=r"2 recorded outputs.*5 \{a, c\}.*6 \{b, c\}"):
        Record.from_table(table, names=["a", "b", "c"])


# --------------------------------------------------------------------------------------------
# record(fn, n)


def weighted_sum(masks: torch.Tensor) -> torch.Tensor:
    """v(T) = Σ_{i∈T} 2^-i + 3·x0x1: a function whose table is easy to write down."""
    m = masks.to(torch.float64)
    w = 2.0 ** -torch.arange(masks.shape[1], dtype=torch.float64)
    return m @ w + 3.0 * m[:, 0] * m[:, 1]


def weighted_sum_table(n: int) -> np.ndarray:
    out = np.zeros(1 << n)
    for t in range(1 << n):
        out[t] = sum(2.0**-i for i in range(n) if t >> i & 1) + 3.0 * ((t & 3) == 3)
    return out


@pytest.mark.parametrize("batch_size", [None, 1, 3, 7, 64, 10_000])
def test_record_fills_every_mask_in_any_batch_size(batch_size):
    seen = []

    def fn(masks):
        assert masks.dtype == torch.bool and masks.shape[1] == 6
        seen.append(masks.clone())
        return weighted_sum(masks)

    rec = record(fn, 6, batch_size=batch_size)
    np.testing.assert_array_equal(rec.values, weighted_sum_table(6))
    masks = torch.cat(seen)
    # Every mask exactly once, in order, bit i = variable i.
    expected = torch.tensor([[bool(t >> i & 1) for i in range(6)] for t in range(64)])
    assert torch.equal(masks, expected)
    assert rec.meta["batch_size"] == (batch_size or 64)


def test_record_accepts_arrays_lists_and_column_outputs():
    ref = weighted_sum_table(3)
    np.testing.assert_array_equal(record(lambda m: weighted_sum(m).numpy(), 3).values, ref)
    np.testing.assert_array_equal(record(lambda m: weighted_sum(m).tolist(), 3, batch_size=2).values, ref)
    np.testing.assert_array_equal(record(lambda m: weighted_sum(m)[:, None], 3).values, ref)


def test_record_keeps_names_and_provenance():
    rec = record(weighted_sum, 2, names=["p", "q"], output="custom", baseline="zero", meta={"k": 1})
    assert rec.names == ("p", "q") and rec.baseline == "zero" and rec.meta["k"] == 1


@pytest.mark.parametrize("returned", [lambda m: torch.zeros(m.shape[0] + 1), lambda m: torch.zeros(m.shape[0], 2),
                                      lambda m: torch.zeros(1)])
def test_record_refuses_wrong_output_count(returned):
    with pytest.raises(InputError, match=r"returned \d+ outputs for a batch of 4 masks"):
        record(returned, 4, batch_size=4)


def test_record_refuses_nan_and_inf_naming_masks():
    def fn(masks):
        out = weighted_sum(masks)
        idx = masks.to(torch.int64) @ (2 ** torch.arange(masks.shape[1]))
        out[idx == 5] = float("nan")
        out[idx == 12] = float("inf")
        return out

    with pytest.raises(InputError, match=r"2 recorded outputs are NaN or infinite.*5 \{age, bmi\}.*12 \{bmi, dose\}"):
        record(fn, 4, names=["age", "sex", "bmi", "dose"], batch_size=3)


def test_record_names_only_the_first_bad_masks_and_counts_the_rest():
    with pytest.raises(InputError, match=r"64 recorded outputs.*and 59 more"):
        record(lambda m: torch.full((m.shape[0],), float("nan")), 6)


@pytest.mark.parametrize("n, size", [(45, "TiB"), (36, "GiB")])
def test_too_many_variables_fail_before_allocating(n, size):
    calls = []
    tracemalloc.start()
    try:
        with pytest.raises(ResourceError, match=rf"n = {n}.*\d+\.\d {size}") as info:
            record(lambda m: calls.append(1) or torch.zeros(m.shape[0]), n)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert calls == []
    assert peak < 16 << 20, f"{peak} bytes allocated before refusing"
    assert isinstance(info.value, MemoryError)
    with pytest.raises(ResourceError):
        check_memory(n)


def test_check_memory_accepts_small_and_refuses_negative():
    check_memory(20)
    with pytest.raises(InputError):
        check_memory(-1)


# --------------------------------------------------------------------------------------------
# Checkpoints


class FailingAfter:
    """fn that counts calls and raises on call number ``fail_at`` (1-based)."""

    def __init__(self, fail_at=None, exc=RuntimeError):
        self.calls = 0
        self.starts = []
        self.fail_at = fail_at
        self.exc = exc

    def __call__(self, masks):
        self.calls += 1
        if self.calls == self.fail_at:
            raise self.exc("interrupted")
        self.starts.append(int((masks[0].to(torch.int64) * 2 ** torch.arange(masks.shape[1])).sum()))
        return weighted_sum(masks)


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_checkpoint_resumes_without_recomputing_finished_batches(tmp_path, exc):
    n, bs, k = 7, 8, 5  # 16 batches; 5 finish, the 6th is interrupted
    path = tmp_path / "rec.ckpt.npz"
    first = FailingAfter(fail_at=k + 1, exc=exc)
    with pytest.raises(exc, match="interrupted"):
        record(first, n, batch_size=bs, checkpoint=path)
    assert path.exists() and first.calls == k + 1
    second = FailingAfter()
    rec = record(second, n, batch_size=bs, checkpoint=path)
    assert second.calls == 16 - k + 1  # + the resume check: the last finished batch is run again
    assert second.starts == [(k - 1) * bs] + list(range(k * bs, 1 << n, bs))
    uninterrupted = record(weighted_sum, n, batch_size=bs)
    np.testing.assert_array_equal(rec.values, uninterrupted.values)
    np.testing.assert_array_equal(rec.values, weighted_sum_table(n))


def test_finished_checkpoint_is_not_recomputed(tmp_path):
    path = tmp_path / "done.npz"
    record(FailingAfter(), 5, batch_size=4, checkpoint=path)
    again = FailingAfter()
    rec = record(again, 5, batch_size=4, checkpoint=path)
    assert again.calls == 1 and again.starts == [28]  # only the resume check: the last batch again
    np.testing.assert_array_equal(rec.values, weighted_sum_table(5))


def test_checkpoint_of_another_recording_is_refused(tmp_path):
    path = tmp_path / "c.npz"
    record(weighted_sum, 5, batch_size=4, checkpoint=path, checkpoint_key="model A")
    for kwargs in ({"batch_size": 8, "checkpoint_key": "model A"}, {"batch_size": 4, "checkpoint_key": "model B"}):
        with pytest.raises(InputError, match="different recording"):
            record(weighted_sum, 5, checkpoint=path, **kwargs)
    with pytest.raises(InputError, match="different recording"):
        record(weighted_sum, 6, batch_size=4, checkpoint=path, checkpoint_key="model A")


def test_unreadable_checkpoint_is_refused(tmp_path):
    path = tmp_path / "junk.npz"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="not a readable symlogic checkpoint"):
        record(weighted_sum, 3, checkpoint=path)


# --------------------------------------------------------------------------------------------
# record_model on a small MLP, against direct forward passes.

N_VARS = 8
INPUT_SIZE = 12
# Variables control 1 or 2 elements; elements 5 and 11 are background.
GROUPS = [[0], [1, 2], [3], [4, 10], [6], [7], [8], [9]]
BACKGROUND = [5, 11]


@pytest.fixture(scope="module")
def mlp():
    torch.manual_seed(1234)
    model = torch.nn.Sequential(
        torch.nn.Linear(INPUT_SIZE, 16), torch.nn.Tanh(), torch.nn.Dropout(0.5), torch.nn.Linear(16, 3)
    ).double()
    return model


@pytest.fixture(scope="module")
def sample():
    gen = torch.Generator().manual_seed(99)
    x = torch.randn(INPUT_SIZE, generator=gen, dtype=torch.float64)
    b = torch.randn(INPUT_SIZE, generator=gen, dtype=torch.float64) * 0.1
    return x, b


def masked_inputs(x, b, groups, n):
    """x_T for every mask T, built element by element from the definition."""
    rows = []
    for t in range(1 << n):
        row = b.clone()
        for i, group in enumerate(groups):
            if t >> i & 1:
                for k in group:
                    row[k] = x[k]
        for k in range(x.numel()):
            if not any(k in g for g in groups):
                row[k] = x[k]
        rows.append(row)
    return torch.stack(rows)


@pytest.fixture(scope="module")
def direct_logits(mlp, sample):
    x, b = sample
    mlp.eval()
    with torch.no_grad():
        return torch.stack([mlp(row[None])[0] for row in masked_inputs(x, b, GROUPS, N_VARS)])


def test_record_model_log_odds_equals_direct_forward(mlp, sample, direct_logits):
    x, b = sample
    rec = record_model(mlp, x, b, GROUPS, target=2, output="log-odds", batch_size=50)
    p = torch.softmax(direct_logits, dim=1)[:, 2].numpy()
    np.testing.assert_allclose(rec.values, np.log(p) - np.log1p(-p), rtol=1e-10, atol=1e-12)
    assert rec.output == "log-odds" and rec.meta["target"] == 2 and rec.n == N_VARS


def test_record_model_logit_and_prob_equal_direct_forward(mlp, sample, direct_logits):
    x, b = sample
    logit = record_model(mlp, x, b, GROUPS, target=1, output="logit")
    np.testing.assert_allclose(logit.values, direct_logits[:, 1].numpy(), rtol=1e-13, atol=1e-13)
    prob = record_model(mlp, x, b, GROUPS, target=0, output="prob", batch_size=7)
    np.testing.assert_allclose(prob.values, torch.softmax(direct_logits, 1)[:, 0].numpy(), rtol=1e-13, atol=1e-13)


def test_record_model_callable_output(mlp, sample, direct_logits):
    x, b = sample

    def margin(z):
        return z[:, 0] - z[:, 2] ** 2

    rec = record_model(mlp, x, b, GROUPS, output=margin)
    expected = (direct_logits[:, 0] - direct_logits[:, 2] ** 2).numpy()
    np.testing.assert_allclose(rec.values, expected, rtol=1e-13, atol=1e-13)
    assert rec.output == "margin"


def test_record_model_default_target_is_the_prediction(mlp, sample, direct_logits):
    x, b = sample
    rec = record_model(mlp, x, b, GROUPS, output="logit")
    predicted = int(torch.argmax(direct_logits[-1]))
    assert rec.meta["target"] == predicted
    np.testing.assert_allclose(rec.values, direct_logits[:, predicted].numpy(), rtol=1e-13, atol=1e-13)


def test_record_model_restores_training_mode(mlp, sample):
    x, b = sample
    mlp.train()
    try:
        a = record_model(mlp, x, b, GROUPS, target=0)
        c = record_model(mlp, x, b, GROUPS, target=0)
        assert mlp.training  # restored
        np.testing.assert_array_equal(a.values, c.values)  # dropout was off while recording
    finally:
        mlp.eval()


def test_eval_mode_keeps_frozen_submodules_frozen(sample):
    """Only the modules that were training are switched to eval and back: a submodule the user
    froze in eval mode (e.g. a batch-norm layer) must stay in eval mode afterwards."""
    x, b = sample
    model = torch.nn.Sequential(torch.nn.Linear(INPUT_SIZE, 8), torch.nn.BatchNorm1d(8), torch.nn.Dropout(0.3),
                                torch.nn.Linear(8, 3)).double()
    model.train()
    model[1].eval()
    record_model(model, x, b, GROUPS, target=0, progress=False)
    assert model.training and model[2].training and model[3].training
    assert not model[1].training


def test_batch_norm_models_record_and_fingerprint(sample):
    """Batch norm keeps a 0-dim integer buffer (num_batches_tracked): fingerprinting must hash it
    (this used to crash record_model), and a change in it changes the fingerprint."""
    x, b = sample
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(INPUT_SIZE, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 3)).double()
    model.eval()
    rec = record_model(model, x, b, GROUPS, target=1, progress=False)
    with torch.no_grad():
        direct = model(masked_inputs(x, b, GROUPS, N_VARS))
    np.testing.assert_allclose(rec.values, direct[:, 1] - torch.logsumexp(direct[:, [0, 2]], 1), rtol=1e-12, atol=1e-12)
    model[1].num_batches_tracked += 1
    again = record_model(model, x, b, GROUPS, target=1, progress=False)
    assert again.model_fingerprint != rec.model_fingerprint


@pytest.mark.parametrize("batch_size", [1, 2, 3, 4, 8, 16, 50, 64, 4096])
def test_every_batch_size_gives_the_same_table(mlp, sample, batch_size):
    """Power-of-two batch sizes build the masked inputs from a cached low-bit pattern; the others
    from the mask matrix. Both must give exactly the table of the element-by-element definition."""
    x, b = sample
    rec = record_model(mlp, x, b, GROUPS, target=2, output="logit", batch_size=batch_size, progress=False)
    with torch.no_grad():
        direct = mlp.eval()(masked_inputs(x, b, GROUPS, N_VARS))[:, 2]
    np.testing.assert_allclose(rec.values, direct.numpy(), rtol=1e-13, atol=1e-13)


def test_index_groups_and_boolean_membership_give_the_same_table(mlp, sample):
    x, b = sample
    member = np.zeros((N_VARS, INPUT_SIZE), dtype=bool)
    for i, group in enumerate(GROUPS):
        member[i, group] = True
    by_groups = record_model(mlp, x, b, GROUPS, target=2)
    by_member = record_model(mlp, x, b, member, target=2)
    by_tensor = record_model(mlp, x, b, torch.as_tensor(member), target=2)
    np.testing.assert_array_equal(by_groups.values, by_member.values)
    np.testing.assert_array_equal(by_groups.values, by_tensor.values)
    assert by_groups.input_fingerprint == by_member.input_fingerprint


def test_masking_semantics_element_by_element(sample):
    """With an identity model, the output 'pick element k' shows exactly what the model saw."""
    x, b = sample
    member = variable_membership(GROUPS, (INPUT_SIZE,))
    for k in range(INPUT_SIZE):
        rec = record_model(lambda batch: batch, x, b, GROUPS, output=lambda z, k=k: z[:, k])
        owner = [i for i, g in enumerate(GROUPS) if k in g]
        for t in range(1 << N_VARS):
            kept = k in BACKGROUND or bool(t >> owner[0] & 1)
            assert rec.values[t] == (x[k] if kept else b[k]).item(), (k, t)
        assert bool(member[:, k].any()) == (k not in BACKGROUND)


def test_index_tuples_into_a_2d_input():
    x = torch.arange(1.0, 7.0).reshape(2, 3)
    groups = [[(0, 0), (1, 2)], [(0, 1)], [(1, 0), (1, 1)]]  # (0, 2) is background
    rec = record_model(lambda batch: batch.reshape(batch.shape[0], -1), x, 0.0, groups,
                       output=lambda z: z @ (10.0 ** torch.arange(6, dtype=z.dtype)))
    for t in range(8):
        kept = {2}
        if t & 1:
            kept |= {0, 5}
        if t & 2:
            kept |= {1}
        if t & 4:
            kept |= {3, 4}
        assert rec.values[t] == sum((k + 1) * 10.0**k for k in kept), t


def test_scalar_baseline_broadcasts(mlp, sample, direct_logits):
    x, _ = sample
    rec = record_model(mlp, x, 0.0, GROUPS, target=1, output="logit")
    assert rec.baseline == "constant 0.0"
    assert rec.values[-1] == pytest.approx(direct_logits[-1, 1].item(), rel=1e-13)
    with torch.no_grad():
        expected = mlp(masked_inputs(x, torch.zeros(INPUT_SIZE, dtype=torch.float64), GROUPS, N_VARS))[:, 1]
    np.testing.assert_allclose(rec.values, expected.numpy(), rtol=1e-13, atol=1e-13)


def test_single_logit_models():
    model = torch.nn.Linear(3, 1).double()
    torch.nn.init.constant_(model.weight, 1.0)
    torch.nn.init.constant_(model.bias, -1.0)
    x = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    z = np.array([sum(x[i].item() for i in range(3) if t >> i & 1) - 1.0 for t in range(8)])
    pos = record_model(model, x, 0.0, [[0], [1], [2]], target=1)
    neg = record_model(model, x, 0.0, [[0], [1], [2]], target=0)
    prob = record_model(model, x, 0.0, [[0], [1], [2]], target=0, output="prob")
    np.testing.assert_allclose(pos.values, z, rtol=0, atol=1e-15)
    np.testing.assert_allclose(neg.values, -z, rtol=0, atol=1e-15)
    np.testing.assert_allclose(prob.values, 1 / (1 + np.exp(z)), rtol=1e-14)


class CountingModel(torch.nn.Module):
    """Wraps a model; counts forward calls and raises at call ``fail_at``."""

    def __init__(self, inner, fail_at=None):
        super().__init__()
        self.inner = inner
        self.fail_at = fail_at
        self.calls = 0

    def forward(self, batch):
        self.calls += 1
        if self.calls == self.fail_at:
            raise RuntimeError("interrupted")
        return self.inner(batch)


def test_record_model_resumes_from_checkpoint(mlp, sample, tmp_path):
    x, b = sample
    path = tmp_path / "model.npz"
    bs, k = 16, 6  # 16 batches
    first = CountingModel(mlp, fail_at=k + 1)
    with pytest.raises(RuntimeError, match="interrupted"):
        record_model(first, x, b, GROUPS, target=2, batch_size=bs, checkpoint=str(path))
    second = CountingModel(mlp)
    resumed = record_model(second, x, b, GROUPS, target=2, batch_size=bs, checkpoint=str(path))
    assert second.calls == 16 - k + 1  # + the resume check
    plain = record_model(mlp, x, b, GROUPS, target=2, batch_size=bs)
    np.testing.assert_array_equal(resumed.values, plain.values)


def test_record_model_checkpoint_refuses_another_input(mlp, sample, tmp_path):
    x, b = sample
    path = str(tmp_path / "model.npz")
    record_model(mlp, x, b, GROUPS, target=2, batch_size=16, checkpoint=path)
    with pytest.raises(InputError, match="different recording"):
        record_model(mlp, x + 1.0, b, GROUPS, target=2, batch_size=16, checkpoint=path)


def test_record_model_fingerprints(mlp, sample):
    x, b = sample
    a = record_model(mlp, x, b, GROUPS, target=2)
    other = torch.nn.Sequential(*[m for m in mlp]).double()
    with torch.no_grad():
        other[0].weight[0, 0] += 1e-9
    try:
        c = record_model(other, x, b, GROUPS, target=2)
    finally:
        with torch.no_grad():
            other[0].weight[0, 0] -= 1e-9  # `other` shares mlp's layers
    assert a.model_fingerprint != c.model_fingerprint
    assert a.input_fingerprint == c.input_fingerprint
    d = record_model(mlp, x, b * 2, GROUPS, target=2)
    assert d.input_fingerprint != a.input_fingerprint


def test_record_model_too_many_variables(sample):
    calls = []

    def model(batch):
        calls.append(batch.shape[0])
        return batch.sum(1, keepdim=True)

    x = torch.ones(40)
    with pytest.raises(ResourceError, match="GiB"):
        record_model(model, x, 0.0, [[i] for i in range(36)], output="logit", target=1)
    assert all(size == 1 for size in calls)  # at most the unmasked input, never a batch of masks


# --------------------------------------------------------------------------------------------
# Input errors of record_model / variable_membership


def test_baseline_shape_mismatch(sample):
    x, _ = sample
    with pytest.raises(InputError, match=r"baseline of shape \(5,\).*input of shape \(12,\)"):
        record_model(lambda z: z, x, torch.zeros(5), GROUPS, output=lambda z: z[:, 0])


@pytest.mark.parametrize(
    "groups, message",
    [
        ([[0, 1], [1, 2]], r"variables \[0, 1\] overlap at input element 1"),
        ([[0], [12]], r"variable 1: flat index 12 is out of range"),
        ([[0], [-1]], r"variable 1: flat index -1 is out of range"),
        ([[0], []], r"variables \[1\] control no input element"),
        ([], "no variables"),
        ([[(0, 0)], [(2, 0)]], r"variable 1: index \(2, 0\) is out of range"),
    ],
)
def test_bad_variables(groups, message):
    shape = (2, 6) if groups and isinstance(groups[0][0], tuple) else (12,)
    with pytest.raises(InputError, match=message):
        variable_membership(groups, shape)
    with pytest.raises(InputError, match=message):
        record_model(lambda z: z, torch.zeros(shape), 0.0, groups, output=lambda z: z.reshape(len(z), -1)[:, 0])


def test_bad_boolean_membership():
    member = np.zeros((2, 12), dtype=bool)
    member[0, :3] = True
    with pytest.raises(InputError, match=r"variables \[1\] control no input element"):
        variable_membership(member, (12,))
    member[1, 2:5] = True
    with pytest.raises(InputError, match="overlap at input element 2"):
        variable_membership(member, (12,))
    with pytest.raises(InputError, match="shape"):
        variable_membership(np.ones((2, 11), dtype=bool), (12,))


def test_unknown_output_is_refused(sample):
    x, b = sample
    with pytest.raises(InputError, match="output must be one of"):
        record_model(lambda z: z, x, b, GROUPS, output="log_odds")
