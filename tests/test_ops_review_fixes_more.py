"""The op review's fixes, continued, against NumPy and, for gradients, central differences
(gradcheck, gradgradcheck) or PyTorch: var/std with a fractional ddof, mean/var/std refusing
axis 0 of a 0-d tensor, pad's "symmetric" and "wrap" modes, where with a non-bool condition
and square's dtype on bool."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _same(got: Tensor, want: Any) -> None:
    want = np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype, want)
    np.testing.assert_array_equal(got.data, want)


def _quiet_numpy(fn: Any, *args: Any, **kwargs: Any) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(fn(*args, **kwargs))


# --------------------------------------------------------------------------- var, std: ddof
@pytest.mark.parametrize("ddof", [0.5, 1.5, 2.25, -1, -0.5, np.float32(0.5), 3, 3.5, 10, np.inf,
                                  np.nan])
@pytest.mark.parametrize("fn", ["var", "std"])
def test_var_and_std_take_any_real_ddof_as_numpy(fn: str, ddof: Any) -> None:
    """Values, dtypes and shapes as NumPy, ddof ≥ n included (inf, NaN: no warning)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    for data in (x, x.astype(np.float32), np.ones((3, 4))):
        for axis, keepdims in ((None, False), (0, True), (1, False), ((0, 1), False)):
            want = _quiet_numpy(getattr(np, fn), data, axis=axis, keepdims=keepdims, ddof=ddof)
            got = getattr(am, fn)(Tensor(data), axis=axis, keepdims=keepdims, ddof=ddof)
            assert got.shape == want.shape and got.dtype == want.dtype
            np.testing.assert_allclose(got.data, want, rtol=1e-5 if data.dtype == np.float32
                                       else 1e-12)


@pytest.mark.parametrize("ddof", [0.5, 1.5, 2.75, -1.0])
def test_fractional_ddof_gradients_scale_by_one_over_n_minus_ddof(ddof: float) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3))
    for axis in (None, 0, 1):
        assert gradcheck(lambda t, a=axis: am.var(t, axis=a, ddof=ddof), [x])
        assert gradcheck(lambda t, a=axis: am.std(t, axis=a, ddof=ddof), [x])
        assert gradgradcheck(lambda t, a=axis: am.std(t, axis=a, ddof=ddof), [x])
        for ours, theirs in ((am.var, torch.var), (am.std, torch.std)):
            t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            ours(t, axis=axis, ddof=ddof).sum().backward()
            theirs(tt, dim=axis, correction=ddof).sum().backward()
            np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), rtol=1e-12)  # type: ignore[union-attr]


def test_ddof_refusals_name_var() -> None:
    for bad in ("a", None, True, [1]):
        with pytest.raises(TypeError, match="var: ddof"):
            am.var(am.ones(3), ddof=bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- 0-d axis 0
@pytest.mark.parametrize("fn", ["mean", "var", "std"])
def test_moments_of_a_0d_tensor_refuse_axis_0_as_numpy(fn: str) -> None:
    x = np.array(2.5)
    axis: Any
    for axis in (0, -1, (0,), (-1,)):
        with pytest.raises(np.exceptions.AxisError):
            getattr(np, fn)(x, axis=axis)
        with pytest.raises(np.exceptions.AxisError, match=rf"^{fn}: axis .* 0-d tensor"):
            getattr(am, fn)(Tensor(x), axis=axis)
    for axis in (None, ()):
        _same(getattr(am, fn)(Tensor(x), axis=axis), getattr(np, fn)(x, axis=axis))


# --------------------------------------------------------------------------- pad
PADS = [((3,), (1, 2)), ((3,), (5, 7)), ((1,), 4), ((2, 3), ((1, 4), (6, 0))), ((2, 1, 3), 2),
        ((2, 2), ((0, 0), (3, 3))), ((0, 2), ((0, 0), (1, 3))), ((4,), 0)]


@pytest.mark.parametrize("mode", ["symmetric", "wrap"])
@pytest.mark.parametrize(("shape", "width"), PADS)
def test_pad_symmetric_and_wrap_match_numpy(mode: str, shape: tuple[int, ...],
                                            width: Any) -> None:
    """Values, dtypes (float32, int kept), pads wider than the axis; gradients by central
    differences, first and second order."""
    x = np.random.default_rng(2).normal(size=shape)
    for data in (x, x.astype(np.float32), np.arange(x.size, dtype=np.int16).reshape(shape)):
        _same(am.pad(Tensor(data), width, mode=mode),
              np.pad(data, width, mode=mode))  # type: ignore[call-overload]
    if x.size:
        assert gradcheck(lambda t: am.pad(t, width, mode=mode), [x])
        assert gradgradcheck(lambda t: am.pad(t, width, mode=mode) ** 3, [x])


def test_pad_wrap_gradient_matches_torch_circular() -> None:
    x = np.random.default_rng(3).normal(size=(1, 2, 3, 4))
    g = np.random.default_rng(4).normal(size=(1, 2, 5, 7))
    t, tt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = am.pad(t, ((0, 0), (0, 0), (1, 1), (2, 1)), mode="wrap")
    ref = torch.nn.functional.pad(tt, (2, 1, 1, 1), mode="circular")
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), rtol=1e-12)  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["symmetric", "wrap"])
def test_pad_errors_where_numpy_errors(mode: str) -> None:
    with pytest.raises(ValueError):
        np.pad(np.zeros((0, 2)), ((1, 0), (0, 0)), mode=mode)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match=f"pad: cannot pad the empty axis 0 .* mode '{mode}'"):
        am.pad(np.zeros((0, 2)), ((1, 0), (0, 0)), mode=mode)
    with pytest.raises(ValueError, match="pad: pad_width -1 has a negative entry"):
        am.pad(am.ones(3), -1, mode=mode)
    with pytest.raises(ValueError, match="pad: mode 'mean' is not supported"):
        am.pad(am.ones(3), 1, mode="mean")


# --------------------------------------------------------------------------- where
def test_where_takes_numpys_truthiness_of_a_numeric_condition() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0])
    conds: list[Any] = [np.array([0, 2, -1, 0]), np.array([0.0, np.nan, 0.5, -0.0]),
                        np.array([0, 1, 0, 3], np.uint8), [0, 1, 1, 0], 1, 0.0,
                        Tensor(np.array([0.0, 1.0, 0.0, 2.0])), np.array([[1], [0]])]
    for cond in conds:
        c = cond.data if isinstance(cond, Tensor) else cond
        for dtype in (np.float64, np.float32):
            want = np.where(c, a.astype(dtype), dtype(-1))
            _same(am.where(cond, Tensor(a.astype(dtype)), -1.0), want)
        ta, tb = Tensor(a, requires_grad=True), Tensor(-a, requires_grad=True)
        am.where(cond, ta, tb).sum().backward()
        truth = np.broadcast_to(np.asarray(c) != 0, np.broadcast_shapes(np.shape(c), a.shape))
        np.testing.assert_array_equal(ta.grad.data, np.where(truth, 1.0, 0.0).reshape(  # type: ignore[union-attr]
            -1, 4).sum(0))
        np.testing.assert_array_equal(tb.grad.data, np.where(truth, 0.0, 1.0).reshape(  # type: ignore[union-attr]
            -1, 4).sum(0))


def test_where_refuses_a_condition_that_is_not_numbers() -> None:
    with pytest.raises(TypeError, match="where: the condition must be bool or numbers"):
        am.where(np.array(["a", "b"]), am.ones(2), 0.0)


# --------------------------------------------------------------------------- square
@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64,
                                   np.float16, np.float32, np.float64])
def test_square_gives_numpys_dtype(dtype: Any) -> None:
    data = np.array([0, 1, 3, 1], dtype=dtype) if dtype != np.bool_ else \
        np.array([True, False, True, False])
    _same(am.square(Tensor(data)), np.square(data))


def test_square_gradient_is_unchanged() -> None:
    x = np.array([-1.5, 0.0, 2.0])
    assert gradcheck(am.square, [x])
    assert gradgradcheck(am.square, [x])


def test_pad_refuses_constant_values_outside_constant_mode_as_numpy() -> None:
    x = am.Tensor(np.arange(3.0))
    with pytest.raises(ValueError, match="pad: constant_values is for mode 'constant', not "
                                         "'edge'"):
        am.pad(x, 1, "edge", constant_values=5)
    with pytest.raises(ValueError):
        np.pad(np.arange(3.0), 1, "edge", constant_values=5)
    np.testing.assert_array_equal(am.pad(x, 1, "wrap").data, np.pad(x.data, 1, "wrap"))


def test_where_takes_a_complex_condition_as_numpy() -> None:
    cond = np.array([0j, 1j, 2 + 0j])
    np.testing.assert_array_equal(am.where(cond, 1.0, 0.0).data, np.where(cond, 1.0, 0.0))
