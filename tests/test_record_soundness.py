"""Soundness of recording: checkpoints resume only the recording that wrote them, and outputs are real.

A checkpoint is bound to n, names, batch size and a key (or the identity of ``fn``), carries a
SHA-256 of its content, and a resume reruns one finished batch; complex, text and object outputs
are refused instead of being cast (which would drop an imaginary part or parse strings).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from symlogic import InputError, Record, record, record_model
from symlogic.checkpoint import Checkpoint as _Checkpoint


def weighted_sum(masks: torch.Tensor) -> torch.Tensor:
    """v(T) = Σ_{i∈T} 2^-i + 3·x0x1."""
    m = masks.to(torch.float64)
    w = 2.0 ** -torch.arange(masks.shape[1], dtype=torch.float64)
    return m @ w + 3.0 * m[:, 0] * m[:, 1]


def other_sum(masks: torch.Tensor) -> torch.Tensor:
    """Another function: v(T) = |T|."""
    return masks.to(torch.float64).sum(dim=1)


class Interrupted(RuntimeError):
    pass


class StopAfter:
    """fn = ``inner`` that raises on call number ``fail_at`` (1-based) and counts its calls."""

    def __init__(self, inner, fail_at=None, scale=1.0):
        self.inner, self.fail_at, self.scale, self.calls = inner, fail_at, scale, 0

    def __call__(self, masks: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls == self.fail_at:
            raise Interrupted("interrupted")
        return self.inner(masks) * self.scale


def interrupted_checkpoint(path: Path, fn=weighted_sum, n: int = 6, bs: int = 8, k: int = 3, **kwargs) -> None:
    """A checkpoint with the first ``k`` of 2^n / bs batches finished."""
    with pytest.raises(Interrupted):
        record(StopAfter(fn, fail_at=k + 1), n, batch_size=bs, checkpoint=path, **kwargs)


def resume(path: Path) -> Record:
    """Resume the recording ``interrupted_checkpoint`` started (same fn identity, same settings)."""
    return record(StopAfter(weighted_sum), 6, batch_size=8, checkpoint=path)


def rewrite(path: Path, rehash: bool = False, **arrays: np.ndarray) -> None:
    """Replace arrays of a checkpoint file; ``rehash`` stores a matching SHA-256 (a careful forger)."""
    with np.load(path, allow_pickle=False) as data:
        content = {name: data[name] for name in data.files}
    content.update(arrays)
    if rehash:
        digest = _Checkpoint._digest(content["header"].tobytes(), content["values"], content["done"])
        content["sha256"] = np.frombuffer(digest.encode("ascii"), dtype=np.uint8)
    np.savez(path.with_suffix(".tmp.npz"), **content)
    path.with_suffix(".tmp.npz").replace(path)


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


# --------------------------------------------------------------------------------------------
# Checkpoint content: type, shape, hash, finished batches


def test_checkpoint_with_float32_values_is_refused(tmp_path):
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path)
    values = load(path)["values"]
    rewrite(path, values=values.astype(np.float32))
    with pytest.raises(InputError, match=r"dtype float32.*not float64.*delete the file"):
        resume(path)


def test_checkpoint_with_edited_values_is_refused_by_its_hash(tmp_path):
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path)
    values = load(path)["values"].copy()
    values[3] += 1.0  # a finished mask
    rewrite(path, values=values)
    with pytest.raises(InputError, match=r"SHA-256.*altered.*another checkpoint path"):
        resume(path)


def test_checkpoint_with_done_flags_filled_is_refused(tmp_path):
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path)
    rewrite(path, done=np.ones(8, dtype=bool))  # the hash catches it ...
    with pytest.raises(InputError, match="SHA-256"):
        resume(path)
    rewrite(path, rehash=True, done=np.ones(8, dtype=bool))  # ... and without the hash, the NaN it leaves
    with pytest.raises(InputError, match=r"marks batches \[3, 4, 5, 6, 7\] as finished but holds NaN"):
        resume(path)


def test_checkpoint_done_flags_must_be_bool(tmp_path):
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path)
    rewrite(path, done=load(path)["done"].astype(np.uint8))
    with pytest.raises(InputError, match=r"done flags of dtype uint8.*not bool"):
        resume(path)


def test_checkpoint_without_hash_is_refused(tmp_path):
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path)
    content = load(path)
    del content["sha256"]
    np.savez(path, **content)
    with pytest.raises(InputError, match=r"not a readable symlogic checkpoint.*no sha256"):
        resume(path)


class _Payload:
    """Unpickling this object writes a file: the proof that a checkpoint was unpickled."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (Path(self.target).write_text, ("unpickled",))


def test_checkpoint_is_never_unpickled(tmp_path):
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path)
    witness = tmp_path / "witness.txt"
    content = load(path)
    content["values"] = np.array([_Payload(str(witness))] * 64, dtype=object)
    np.savez(path, **content)  # numpy pickles object arrays
    with pytest.raises(InputError, match="not a readable symlogic checkpoint"):
        resume(path)
    assert not witness.exists()


def test_batches_with_nan_are_not_kept_as_finished(tmp_path):
    path = tmp_path / "c.npz"

    def broken(masks: torch.Tensor) -> torch.Tensor:
        out = weighted_sum(masks)
        out[masks[:, 4] & ~masks[:, 5]] = float("nan")  # masks 16 … 31: batches 2 and 3
        return out

    with pytest.raises(InputError, match="NaN or infinite"):
        record(broken, 6, batch_size=8, checkpoint=path, checkpoint_key="k")
    np.testing.assert_array_equal(load(path)["done"], [1, 1, 0, 0, 1, 1, 1, 1])
    fixed = StopAfter(weighted_sum)
    rec = record(fixed, 6, batch_size=8, checkpoint=path, checkpoint_key="k")  # resumes and recomputes 2 and 3
    assert fixed.calls == 1 + 2  # the resume check, then the two unfinished batches
    np.testing.assert_array_equal(rec.values, record(weighted_sum, 6).values)


# --------------------------------------------------------------------------------------------
# Checkpoint binding: another function, closure, names or model is refused


def test_default_key_refuses_a_different_function(tmp_path):
    # The review's case: n = 11, 736 of 2,048 outputs recorded by the first function.
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path, fn=weighted_sum, n=11, bs=32, k=23)
    assert load(path)["done"].sum() * 32 == 736
    with pytest.raises(InputError, match=r"different recording.*fn.*another function"):
        record(other_sum, 11, batch_size=32, checkpoint=path)


def test_default_key_refuses_a_closure_over_another_value(tmp_path):
    def scaled(c: float):
        def fn(masks: torch.Tensor) -> torch.Tensor:
            return c * weighted_sum(masks)
        return fn

    path = tmp_path / "c.npz"
    interrupted_checkpoint(path, fn=scaled(1.0))
    with pytest.raises(InputError, match="different recording"):
        record(scaled(2.0), 6, batch_size=8, checkpoint=path)


def test_default_key_refuses_other_names(tmp_path):
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path, names=list("abcdef"))
    with pytest.raises(InputError, match="different recording.*names"):
        record(weighted_sum, 6, names=list("uvwxyz"), batch_size=8, checkpoint=path)


def test_same_key_but_another_function_is_caught_by_the_rerun(tmp_path):
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path, checkpoint_key="model A")
    with pytest.raises(InputError, match=r"does not match fn: rerunning its finished masks 16 … 23"):
        record(other_sum, 6, batch_size=8, checkpoint=path, checkpoint_key="model A")


def test_finished_checkpoint_with_same_key_but_another_function_is_refused(tmp_path):
    path = tmp_path / "c.npz"
    record(weighted_sum, 5, batch_size=4, checkpoint=path, checkpoint_key="k")
    with pytest.raises(InputError, match="does not match fn"):
        record(other_sum, 5, batch_size=4, checkpoint=path, checkpoint_key="k")


_GLOBAL = {"offset": 0.0}


def reads_a_global(masks: torch.Tensor) -> torch.Tensor:
    return weighted_sum(masks) + _GLOBAL["offset"]


def test_same_code_reading_a_changed_global_is_caught_by_the_rerun(tmp_path):
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path, fn=reads_a_global)
    _GLOBAL["offset"] = 0.5
    try:
        with pytest.raises(InputError, match="does not match fn"):
            record(StopAfter(reads_a_global), 6, batch_size=8, checkpoint=path)
    finally:
        _GLOBAL["offset"] = 0.0


def test_resume_accepts_rounding_noise_and_keeps_the_stored_values(tmp_path):
    # StopAfter's scale is a plain attribute (state, not identity): the rerun decides
    path = tmp_path / "c.npz"
    interrupted_checkpoint(path)
    noisy = StopAfter(weighted_sum, scale=1 + 1e-9)  # below the 1e-6 relative tolerance
    rec = record(noisy, 6, batch_size=8, checkpoint=path)
    assert noisy.calls == 1 + 5  # the resume check, then the five unfinished batches
    np.testing.assert_array_equal(rec.values[:24], record(weighted_sum, 6).values[:24])
    path2 = tmp_path / "c2.npz"
    interrupted_checkpoint(path2)
    with pytest.raises(InputError, match="does not match fn"):
        record(StopAfter(weighted_sum, scale=1 + 1e-4), 6, batch_size=8, checkpoint=path2)


def _mlp(activation: torch.nn.Module) -> torch.nn.Module:
    torch.manual_seed(7)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), activation, torch.nn.Linear(8, 3)).double()


class Interrupting(torch.nn.Module):
    def __init__(self, inner: torch.nn.Module, fail_at: int | None = None) -> None:
        super().__init__()
        self.inner, self.fail_at, self.calls = inner, fail_at, 0

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls == self.fail_at:
            raise Interrupted("interrupted")
        return self.inner(batch)


def test_record_model_checkpoint_binds_the_architecture(tmp_path):
    # Tanh and ReLU have no parameters: the two models have the same state_dict, not the same function
    x, b = torch.linspace(-1, 1, 4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    path = str(tmp_path / "m.npz")
    with pytest.raises(Interrupted):
        record_model(Interrupting(_mlp(torch.nn.Tanh()), fail_at=3), x, b, [[0], [1], [2], [3]], target=1,
                     batch_size=2, checkpoint=path)
    with pytest.raises(InputError, match="different recording"):
        record_model(Interrupting(_mlp(torch.nn.ReLU())), x, b, [[0], [1], [2], [3]], target=1,
                     batch_size=2, checkpoint=path)
    resumed = record_model(Interrupting(_mlp(torch.nn.Tanh())), x, b, [[0], [1], [2], [3]], target=1,
                           batch_size=2, checkpoint=path)
    plain = record_model(_mlp(torch.nn.Tanh()), x, b, [[0], [1], [2], [3]], target=1, batch_size=2)
    np.testing.assert_array_equal(resumed.values, plain.values)


def test_record_model_checkpoint_binds_callable_model_and_output(tmp_path):
    x, b = torch.linspace(-1, 1, 4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
    groups = [[0], [1], [2], [3]]

    def model_with(w: torch.Tensor):
        def model(batch: torch.Tensor) -> torch.Tensor:
            return batch @ w
        return model

    def output_with(c: float):
        def out(z: torch.Tensor) -> torch.Tensor:  # the same name for every c
            return z[:, 0] * c
        return out

    w = torch.randn(4, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    path = str(tmp_path / "m.npz")
    record_model(model_with(w), x, b, groups, output=output_with(1.0), batch_size=4, checkpoint=path)
    with pytest.raises(InputError, match="different recording"):
        record_model(model_with(w + 1.0), x, b, groups, output=output_with(1.0), batch_size=4, checkpoint=path)
    with pytest.raises(InputError, match="different recording"):
        record_model(model_with(w), x, b, groups, output=output_with(2.0), batch_size=4, checkpoint=path)
    again = record_model(model_with(w), x, b, groups, output=output_with(1.0), batch_size=4, checkpoint=path)
    np.testing.assert_array_equal(again.values, record_model(model_with(w), x, b, groups, output=output_with(1.0)).values)


# --------------------------------------------------------------------------------------------
# Outputs must be real numbers


@pytest.mark.parametrize("make", [
    lambda m: weighted_sum(m).to(torch.complex128) * (1 + 1j),
    lambda m: weighted_sum(m).numpy() * (1 + 1j),
    lambda m: [complex(v, 1.0) for v in weighted_sum(m).tolist()],
    lambda m: [1.0 + 0j] * m.shape[0],  # zero imaginary part: still refused, never cast
    lambda m: np.array([*([1.0] * (m.shape[0] - 1)), 2j], dtype=object),
], ids=["torch", "numpy", "python", "zero-imaginary", "object-array"])
def test_record_refuses_complex_outputs(make):
    with pytest.raises(InputError, match=r"outputs are complex.*\.real or abs"):
        record(make, 3)


@pytest.mark.parametrize("table", [
    torch.arange(4.0).to(torch.complex64),
    np.arange(4) * (1 + 1j),
    [0j, 1j, 2, 3],
], ids=["torch", "numpy", "python"])
def test_record_table_refuses_complex_values(table):
    with pytest.raises(InputError, match="complex"):
        Record.from_table(table)
    with pytest.raises(InputError, match="complex"):
        Record(values=table, names=("a", "b"))


@pytest.mark.parametrize("make", [
    lambda m: [str(v) for v in weighted_sum(m).tolist()],  # np.asarray(.., float64) would parse these
    lambda m: [object()] * m.shape[0],
    lambda m: [[1.0, 2.0]] + [[1.0]] * (m.shape[0] - 1),  # ragged
    lambda m: [None] * m.shape[0],
], ids=["strings", "objects", "ragged", "none"])
def test_record_refuses_non_numeric_outputs_with_input_error(make):
    with pytest.raises(InputError, match="real scalar per mask"):
        record(make, 3)


def test_record_table_refuses_text():
    with pytest.raises(InputError, match="numbers"):  # a guard: refused before too
        Record.from_table(["0", "1"])


def test_bool_outputs_count_as_zero_and_one():
    expected = np.array([0, 0, 0, 1, 0, 0, 0, 1], dtype=float)
    rec = record(lambda m: m[:, 0] & m[:, 1], 3)
    np.testing.assert_array_equal(rec.values, expected)
    np.testing.assert_array_equal(record(lambda m: (m[:, 0] & m[:, 1]).numpy(), 3).values, expected)
    np.testing.assert_array_equal(Record.from_table(expected.astype(bool)).values, expected)
    np.testing.assert_array_equal(Record.from_table(torch.from_numpy(expected.astype(bool))).values, expected)


def test_n_true_is_not_one_variable() -> None:
    # bool is an int in Python: record(fn, True) used to record one variable.
    with pytest.raises(InputError, match="not a bool"):
        record(lambda m: m.sum(1).double(), True)
