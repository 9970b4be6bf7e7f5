"""CPU tensors run the numpy kernel on a zero-copy view: same dtype, same bits, a tensor back."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from symlogic import transforms as T
from symlogic.errors import InputError

FUNCS = [T.subset_sum, T.mobius, T.superset_sum, T.superset_mobius, T.and_interactions, T.and_values,
         T.or_interactions, T.or_values, T.or_sum, T.or_sum_transpose]
IDS = [f.__name__ for f in FUNCS]


def _tables() -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 1 << 6, generator=g, dtype=torch.float64)
    return [
        x[0],                                            # float64, one table
        x.to(torch.float32),                             # float32 stays float32, batched
        x.t().contiguous().t(),                          # non-contiguous (Fortran-ordered) batch
        x[:, ::2].contiguous()[0],                       # n = 5
        torch.randint(-5, 6, (1 << 4,), generator=g),    # int64 → float64
        torch.randint(0, 2, (1 << 3,), generator=g).bool(),
        -x[1],                                           # a plain negation
        torch._neg_view(x[2]) if hasattr(torch, "_neg_view") else x[2],  # a lazy negation bit, resolved
        torch.tensor([2.5]),                             # n = 0
    ]


@pytest.mark.parametrize("func", FUNCS, ids=IDS)
def test_cpu_tensor_matches_torch_kernel_bit_for_bit(func):
    for t in _tables():
        before = t.clone()
        ours = func(t)
        kernel = func.__wrapped__(t)  # the torch butterfly itself
        assert isinstance(ours, torch.Tensor) and ours.device.type == "cpu"
        assert ours.dtype == kernel.dtype and ours.shape == t.shape
        assert torch.equal(ours, kernel)
        assert torch.equal(t, before)  # input untouched
        # and the numpy result is the same numbers
        assert np.array_equal(ours.numpy(), func(t.resolve_neg().numpy()))


@pytest.mark.parametrize("func", FUNCS, ids=IDS)
def test_cpu_tensor_runs_the_numpy_kernel(func, monkeypatch):
    seen: list[type] = []
    original = T._butterfly_inplace

    def spy(y, n, **kwargs):
        seen.append(type(y))
        return original(y, n, **kwargs)

    monkeypatch.setattr(T, "_butterfly_inplace", spy)
    func(torch.randn(1 << 5, dtype=torch.float32))
    assert seen and all(kind is np.ndarray for kind in seen)


def test_view_is_zero_copy():
    t = torch.randn(1 << 5)
    assert T._numpy_view(t).__array_interface__["data"][0] == t.data_ptr()


def test_keyword_call_and_result_owns_its_memory():
    t = torch.randn(1 << 4, dtype=torch.float64)
    out = T.and_interactions(values=t)
    assert torch.equal(out, T.and_interactions.__wrapped__(t))
    assert out.data_ptr() != t.data_ptr()
    out += 1  # writable, and it does not touch the input
    assert torch.allclose(T.and_values(T.and_interactions(t)), t, rtol=0, atol=1e-12)


def test_autograd_and_half_precision_keep_the_torch_path(monkeypatch):
    seen: list[type] = []
    original = T._butterfly_inplace
    monkeypatch.setattr(T, "_butterfly_inplace", lambda y, n, **kw: (seen.append(type(y)), original(y, n, **kw))[1])
    w = torch.randn(1 << 3, dtype=torch.float64, requires_grad=True)
    out = T.and_interactions(w)
    assert out.requires_grad and seen[-1] is torch.Tensor
    out.sum().backward()
    assert w.grad is not None
    with torch.no_grad():  # no graph wanted: the numpy kernel is fine
        assert not T.and_interactions(w).requires_grad and seen[-1] is np.ndarray
    for dtype in (torch.float16, torch.bfloat16):
        h = torch.randn(1 << 3).to(dtype)
        assert T.mobius(h).dtype == dtype and seen[-1] is torch.Tensor


def test_check_finite_semantics_are_kept():
    big = torch.full((1 << 4,), 1e308, dtype=torch.float64)
    with pytest.raises(InputError, match="overflow float64"):
        T.subset_sum(big)
    raw = T.subset_sum(big, check_finite=False)
    assert isinstance(raw, torch.Tensor) and torch.isinf(raw).any()
    nan = torch.zeros(1 << 3, dtype=torch.float32)
    nan[2] = float("nan")
    with pytest.raises(InputError, match="NaN or infinite"):
        T.or_interactions(nan)
    small = torch.full((1 << 4,), 3e38, dtype=torch.float32)
    with pytest.raises(InputError, match="overflow float32"):
        T.or_sum(small)
    with pytest.raises(InputError, match="length 2\\^n"):
        T.mobius(torch.zeros(3))
    with pytest.raises(InputError, match="one-dimensional"):
        T.mobius(torch.tensor(1.0))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_gpu_tensors_keep_the_torch_path():
    t = torch.randn(4, 1 << 10, dtype=torch.float64, device="cuda")
    out = T.or_interactions(t)
    assert out.device == t.device
    np.testing.assert_allclose(out.cpu().numpy(), T.or_interactions(t.cpu().numpy()), rtol=0, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_paired_numpy_kernel_is_bit_identical_with_special_values(dtype):
    """Bits 1 … 3 run on a complex view (see transforms._PAIRED_BITS): the same additions, the same bits,
    NaN, ±inf and −0.0 included, for one table and for a batch."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 1 << 11)).astype(dtype)
    x[0, 5], x[1, 17], x[2, 100], x[3, 1] = np.inf, -np.inf, np.nan, -0.0
    x[3, 2:9] = 0.0
    for func in FUNCS:
        for table in (x, x[2], x[3, : 1 << 3]):
            ours = func(table, check_finite=False)
            ref = func.__wrapped__(torch.from_numpy(np.array(table)), check_finite=False).numpy()
            assert ours.dtype == ref.dtype
            assert np.array_equal(ours, ref, equal_nan=True)
            assert np.array_equal(np.signbit(ours), np.signbit(ref))
