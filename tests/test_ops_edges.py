"""Edges of the ops the property tests do not draw: result dtypes NumPy's way, NumPy integer
arguments, float16 accumulation, empty batches, and no warnings from the library's own work."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor


def test_clip_gives_numpys_result_dtype_and_takes_min_max() -> None:
    for data, lo, hi in (([1, 2, 3], 0.5, 2.5), ([True, False], 1, 2), ([1, 5], 0, 2)):
        got = am.clip(Tensor(np.array(data)), lo, hi)
        ref = np.clip(np.array(data), lo, hi)
        assert got.dtype == ref.dtype
        np.testing.assert_array_equal(got.data, ref)
    x = Tensor(np.array([-1.0, 0.5, 5.0], np.float32), requires_grad=True)
    y = am.clip(x, min=0.0, max=2.0)  # NumPy 2's spelling of the bounds
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.data, [0.0, 0.5, 2.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])  # type: ignore[union-attr]
    np.testing.assert_array_equal(x.clip(max=0.0).data, [-1.0, 0.0, 0.0])
    with pytest.raises(TypeError, match="clip: give the bounds as a_min/a_max or as min/max"):
        am.clip(x, 0.0, max=1.0)


def test_var_and_std_take_numpy_integer_ddof() -> None:
    x32 = Tensor(np.array([1.0, 2.0, 4.0], np.float32))
    assert am.var(x32, ddof=np.int64(1)).dtype == np.float32
    np.testing.assert_allclose(am.std(x32, ddof=np.int64(1)).data,
                               np.std(x32.data, ddof=1), rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = am.var(Tensor([1.0, 2.0]), ddof=np.uint8(3))  # n − ddof < 0: NumPy's inf
    assert v.item() == np.inf


def test_mean_of_float16_accumulates_in_float32_as_numpy() -> None:
    x = Tensor(np.full(100, 1000, np.float16), requires_grad=False)
    got = am.mean(x)
    assert got.dtype == np.float16 and got.item() == np.mean(x.data) == 1000.0
    w = Tensor(np.full(4, 60000, np.float16), requires_grad=True)
    am.mean(w).backward()
    assert w.grad is not None and w.grad.dtype == np.float16
    np.testing.assert_array_equal(w.grad.data, np.full(4, 0.25, np.float16))


def test_mean_cross_entropy_of_an_empty_batch_backpropagates() -> None:
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    loss = am.softmax_cross_entropy(x, np.zeros(0, np.int64), reduction="mean")
    assert np.isnan(loss.item())  # as PyTorch: the mean of nothing
    loss.backward()
    assert x.grad is not None and x.grad.shape == (0, 3)


def test_no_warnings_from_casting_numbers_or_from_in_place_updates() -> None:
    x32 = Tensor(np.ones(2, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for y in (x32 * 1e40, x32 + 1e40, am.maximum(x32, 1e40),
                  am.where(np.array([True, False]), x32, 1e40)):
            assert y.dtype == np.float32 and np.isinf(y.data).any()
        t = Tensor([1.0, 2.0])
        t /= 0.0
        assert np.isinf(t.data).all()
        t *= 1e308
        t **= -1
    np.testing.assert_array_equal(t.data, [0.0, 0.0])


def test_numpys_put_along_axis_on_a_tensor_says_it_would_not_write() -> None:
    t = Tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"np.put_along_axis writes in place: use t = "
                                        r"autograd_mini.put_along_axis"):
        np.put_along_axis(t, np.array([[0], [1]]), 5.0, axis=1)  # type: ignore[arg-type]
    np.testing.assert_array_equal(t.data, np.zeros((2, 3)))
    np.put_along_axis(t.data, np.array([[0], [1]]), 5.0, axis=1)
    assert t.data.sum() == 10.0


def test_take_and_put_along_axis_refuse_a_bool_mask_as_numpy_and_torch_gather_do() -> None:
    """A mask was taken as the indices 0 and 1: a result of the right shape built from the
    first two positions, and put_along_axis wrote there."""
    x, mask = np.arange(5.0), np.array([True, False, True, False, True])
    for call in (lambda: am.take_along_axis(x, mask, 0),
                 lambda: am.put_along_axis(x, mask, -1.0, 0),
                 lambda: am.put_along_axis(x, mask, -1.0, None)):
        with pytest.raises(IndexError, match=r"along_axis: indices must be integers, got a bool"):
            call()
    np.testing.assert_array_equal(am.take(x, mask).data, np.take(x, mask))  # (NumPy's 0/1)


def test_where_with_the_condition_alone_gives_the_indices_as_numpy_and_torch() -> None:
    cond = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    want = np.nonzero(cond)
    for got in (am.where(Tensor(cond)), np.where(Tensor(cond)), am.where(cond > 0)):
        assert isinstance(got, tuple) and len(got) == 2
        for g, w in zip(got, want):
            assert isinstance(g, Tensor) and g.dtype == w.dtype
            np.testing.assert_array_equal(g.data, w)
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x[am.where(cond)].sum().backward()
    np.testing.assert_array_equal(x.grad.data, cond != 0)  # type: ignore[union-attr]
    with pytest.raises(TypeError, match="where: give both a and b"):
        am.where(cond, 1.0)


@pytest.mark.parametrize("name", ["mean", "var", "std"])
def test_a_bad_keepdims_is_named_for_the_function_called(name: str) -> None:
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(TypeError, match=f"^{name}: keepdims must be True or False, got 1"):
        getattr(am, name)(x, keepdims=1)
    with pytest.raises(TypeError, match=f"^{name}: keepdims must be True or False, got None"):
        getattr(np, name)(x, 0, keepdims=None)  # (through NumPy's function too)


@pytest.mark.parametrize("name", ["arcsin", "arccos"])
def test_arcsin_and_arccos_gradients_are_nan_at_every_point_outside_the_domain(name: str) -> None:
    """The power −½ of 1 − x² gave 0 once x² overflowed (|x| ≳ 1.3e154 and ±inf)."""
    x = Tensor(np.array([2.0, -2.0, 1e150, 1e155, -1e300, np.inf, -np.inf]), requires_grad=True)
    getattr(am, name)(x).sum().backward()
    assert np.isnan(x.grad.data).all()  # type: ignore[union-attr]
    near = Tensor(np.array([1 - 2.0**-40, 0.5]), requires_grad=True)
    getattr(am, name)(near).sum().backward()
    d = near.data
    want = (1 if name == "arcsin" else -1) / np.sqrt((1 - d) * (1 + d))
    np.testing.assert_allclose(near.grad.data, want, rtol=1e-15)  # type: ignore[union-attr]
