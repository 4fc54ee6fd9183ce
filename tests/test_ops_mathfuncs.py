"""Elementwise mathematics beyond the registry's property tests: erf's accuracy, extreme inputs,
gradients at special points, the predicates, errors, and agreement with PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from autograd_mini import Tensor
from autograd_mini import functional as F
from autograd_mini.backward import backward
from autograd_mini.gradcheck import gradgradcheck
from autograd_mini.ops.mathfuncs import erf_array


def _ulps(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|got − ref| in units of the spacing of the reference (0 where both are 0)."""
    ref = np.asarray(ref)
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    return np.where(diff == 0, 0.0, diff / np.spacing(np.abs(ref)).astype(np.float64))


def _grads(fn: Any, *xs: Any, dtype: Any = np.float64, upstream: Any = None) -> list[np.ndarray]:
    ts = [Tensor(np.asarray(x, dtype=dtype), requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward(np.ones(out.shape, dtype) if upstream is None else upstream)
    return [t.grad.data for t in ts]  # type: ignore[union-attr]


# --------------------------------------------------------------------------- erf
def test_erf_is_within_two_ulp_of_math_erf_on_a_dense_grid() -> None:
    x = np.concatenate([np.linspace(-7.0, 7.0, 100_001), np.geomspace(1e-300, 0.5, 2_000),
                        np.random.default_rng(0).uniform(-6.5, 6.5, 20_000)])
    x = np.concatenate([x, -x])
    ref = np.array([math.erf(v) for v in x])
    assert np.max(_ulps(erf_array(x), ref)) <= 2.0
    assert erf_array(x).dtype == np.float64


def test_erf_float32_is_math_erf_rounded_to_float32() -> None:
    x = np.linspace(-7.0, 7.0, 100_001).astype(np.float32)
    got = erf_array(x)
    assert got.dtype == np.float32
    ref = np.array([math.erf(float(v)) for v in x]).astype(np.float32)
    assert np.max(_ulps(got, ref)) <= 1.0


def test_erf_special_values() -> None:
    x = np.array([1000.0, -1000.0, np.inf, -np.inf, 6.0, -5.95, 0.0, -0.0, 5e-324, 1e-300])
    got = erf_array(x)
    np.testing.assert_array_equal(got[:6], [1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    assert got[6] == 0.0 and not np.signbit(got[6])
    assert got[7] == 0.0 and np.signbit(got[7])
    np.testing.assert_array_equal(got[8:], [math.erf(5e-324), math.erf(1e-300)])
    assert np.isnan(erf_array(np.array([np.nan, 1.0]))[0])
    assert np.isnan(F.erf(math.nan).item())
    assert erf_array(np.array([2])).dtype == np.float64  # integers are computed in float64
    assert erf_array(np.zeros((2, 0), np.float32)).shape == (2, 0)
    assert isinstance(erf_array(np.float64(0.5)), np.ndarray)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_erf_gradient_is_the_gaussian_and_vanishes_in_the_tails(dtype: Any) -> None:
    x = np.array([-1000.0, -2.0, 0.0, 0.7, 30.0, 1000.0])
    (g,) = _grads(F.erf, x, dtype=dtype)
    assert g.dtype == dtype
    np.testing.assert_allclose(g, 2 / math.sqrt(math.pi) * np.exp(-x * x), rtol=1e-6)
    assert g[0] == g[-1] == 0.0


# --------------------------------------------------------------------------- extreme inputs
EXTREMES = [  # function, inputs (±1000), what NumPy gives
    (F.sinh, [[-1000.0, 1000.0]], [-np.inf, np.inf]),
    (F.cosh, [[-1000.0, 1000.0]], [np.inf, np.inf]),
    (F.exp2, [[-1000.0, 1000.0, 1024.0]], [2.0**-1000, 2.0**1000, np.inf]),
    (F.expm1, [[-1000.0, 1000.0]], [-1.0, np.inf]),
    (F.logaddexp, [[1000.0, -1000.0, -1000.0], [1000.0, 1000.0, -1000.0]],
     [1000.0 + math.log(2), 1000.0, -1000.0 + math.log(2)]),
    (F.hypot, [[1000.0, -1000.0, 1e300], [-1000.0, 0.0, 1e300]],
     [1000.0 * math.sqrt(2), 1000.0, 1e300 * math.sqrt(2)]),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("fn", "xs", "value"), EXTREMES, ids=[e[0].__name__ for e in EXTREMES])
def test_extremes_match_numpy_silently(fn: Any, xs: list[list[float]], value: list[float],
                                       dtype: Any) -> None:
    if dtype == np.float32 and fn is F.hypot:  # 1e300 is not a float32
        xs, value = [x[:2] for x in xs], value[:2]
    arrays = [np.array(x, dtype=dtype) for x in xs]
    y = fn(*[Tensor(a, requires_grad=True) for a in arrays])  # a warning would be an error
    assert y.dtype == dtype
    with np.errstate(all="ignore"):  # NumPy's own call warns about the overflow
        np.testing.assert_array_equal(y.data, getattr(np, fn.__name__)(*arrays))
        limit = np.asarray(value).astype(dtype)  # float32 overflows to inf here
    np.testing.assert_allclose(y.data, limit, rtol=1e-6)
    _grads(fn, *arrays, dtype=dtype)  # the backward pass is silent too


def test_gradients_at_the_extremes() -> None:
    np.testing.assert_array_equal(_grads(F.sinh, [-1000.0, 1000.0])[0], [np.inf, np.inf])
    np.testing.assert_array_equal(_grads(F.cosh, [-1000.0, 1000.0])[0], [-np.inf, np.inf])
    np.testing.assert_array_equal(_grads(F.expm1, [-1000.0, 0.0])[0], [0.0, 1.0])
    np.testing.assert_array_equal(_grads(F.exp2, [-1000.0, 1000.0, 1024.0])[0],
                                  [2.0**-1000 * math.log(2), 2.0**1000 * math.log(2), np.inf])
    for dtype in (np.float64, np.float32):
        ga, gb = _grads(F.logaddexp, [1000.0, 1000.0, -1000.0], [1000.0, -1000.0, -1000.0],
                        dtype=dtype)
        # float32 knows 1000 + log 2 only to ±3e-5, which bounds how exact the weights are
        tol = 1e-4 if dtype == np.float32 else 1e-15
        np.testing.assert_allclose(ga, [0.5, 1.0, 0.5], atol=tol)
        np.testing.assert_allclose(gb, [0.5, 0.0, 0.5], atol=tol)
        ga, gb = _grads(F.hypot, [1000.0, -3.0], [-1000.0, 4.0], dtype=dtype)
        np.testing.assert_allclose(ga, [math.sqrt(0.5), -0.6], rtol=1e-6)
        np.testing.assert_allclose(gb, [-math.sqrt(0.5), 0.8], rtol=1e-6)


# --------------------------------------------------------------------------- special points
def test_arctan2_gradient_is_zero_at_the_origin_as_in_pytorch() -> None:
    gy, gx = _grads(F.arctan2, [0.0, 0.0, 1.0], [0.0, -0.0, 1.0])
    np.testing.assert_array_equal(gy, [0.0, 0.0, 0.5])
    np.testing.assert_array_equal(gx, [0.0, 0.0, -0.5])


def test_logaddexp_gives_an_infinite_input_all_of_the_gradient_as_pytorch() -> None:
    ga, gb = _grads(F.logaddexp, [np.inf, np.inf, -np.inf, 2.0], [2.0, -np.inf, 3.0, np.inf])
    np.testing.assert_array_equal(ga, [1.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(gb, [0.0, 0.0, 1.0, 1.0])


def test_hypot_gradient_is_zero_at_the_origin() -> None:
    ga, gb = _grads(F.hypot, [0.0, 0.0, 3.0], [0.0, -0.0, 4.0])
    np.testing.assert_array_equal(ga, [0.0, 0.0, 0.6])
    np.testing.assert_array_equal(gb, [0.0, 0.0, 0.8])


PIECEWISE_CONSTANT = [F.sign, F.floor, F.ceil, F.trunc, F.round,
                      lambda x: F.round(x, decimals=1), lambda x: F.floor_divide(x, 0.5)]


@pytest.mark.parametrize("fn", PIECEWISE_CONSTANT)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_piecewise_constant_functions_have_zero_gradient_even_at_their_jumps(
    fn: Any, dtype: Any
) -> None:
    x = np.array([-2.0, -1.5, -0.25, 0.0, 0.5, 0.55, 1.0, 2.5, 1000.0])
    up = np.array([1.0, np.inf, -np.inf, 2.0, 3.0, 1.0, 1.0, 1.0, 1.0], dtype=dtype)
    (g,) = _grads(fn, x, dtype=dtype, upstream=up)
    assert g.dtype == dtype and g.shape == x.shape
    np.testing.assert_array_equal(g, np.zeros_like(x))
    t = Tensor(x, requires_grad=True)
    (first,) = backward(F.sum(fn(t)), create_graph=True, inputs=[t])
    np.testing.assert_array_equal(first.data, np.zeros_like(x))


def test_floor_divide_gradient_is_zero_for_both_inputs() -> None:
    ga, gb = _grads(F.floor_divide, [[5.3, -5.3]], [2.0, -2.0])
    np.testing.assert_array_equal(ga, [[0.0, 0.0]])
    np.testing.assert_array_equal(gb, [0.0, 0.0])


def test_remainder_follows_the_divisor_sign_and_its_gradient() -> None:
    a, b = [5.25, -5.25, 5.25, -5.25], [2.0, 2.0, -2.0, -2.0]
    y = F.remainder(np.array(a), np.array(b))
    np.testing.assert_array_equal(y.data, [x % d for x, d in zip(a, b)])  # Python's %
    ga, gb = _grads(F.remainder, a, b)
    np.testing.assert_array_equal(ga, [1.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(gb, [-2.0, 3.0, 3.0, -2.0])  # −⌊a/b⌋


def test_round_is_numpys_round() -> None:
    x = np.array([0.5, 1.5, 2.5, -0.5, 0.125, 15.0, 1234.5678])
    for decimals in (0, 1, 2, -1, -2):
        np.testing.assert_array_equal(F.round(x, decimals).data, np.round(x, decimals))
    assert F.round(np.array([0.5, 2.5])).tolist() == [0.0, 2.0]  # halves to even
    assert F.round(np.arange(3), 1).dtype == np.round(np.arange(3), 1).dtype


def test_elementwise_results_keep_shapes_including_empty() -> None:
    for fn in (F.round, F.sin, F.erf, F.floor):
        x = Tensor(np.zeros((2, 0)), requires_grad=True)
        y = fn(x)
        assert y.shape == (2, 0)
        y.backward(np.zeros((2, 0)))
        assert x.grad is not None and x.grad.shape == (2, 0)


def test_arctan2_covers_all_quadrants() -> None:
    y, x = np.array([1.0, 1.0, -1.0, -1.0, 0.0]), np.array([1.0, -1.0, -1.0, 1.0, -1.0])
    np.testing.assert_array_equal(F.arctan2(y, x).data, np.arctan2(y, x))
    gy, gx = _grads(F.arctan2, y, x)
    np.testing.assert_allclose(gy, x / (x * x + y * y))
    np.testing.assert_allclose(gx, -y / (x * x + y * y))


# --------------------------------------------------------------------------- dtypes and inputs
UNARY = [F.sin, F.cos, F.tan, F.arcsin, F.arccos, F.arctan, F.sinh, F.cosh, F.exp2, F.expm1,
         F.log2, F.log10, F.reciprocal, F.erf, F.sign, F.floor, F.ceil, F.trunc, F.round]
BINARY = [F.arctan2, F.logaddexp, F.hypot, F.remainder, F.floor_divide]


@pytest.mark.parametrize("fn", UNARY + BINARY, ids=lambda f: f.__name__)
def test_tensors_arrays_and_numbers_alike_and_float32_kept(fn: Any) -> None:
    args = [0.375] * (2 if fn in BINARY else 1)
    expected = fn(*[Tensor(np.array(a)) for a in args]).item()
    assert fn(*args).item() == expected
    assert fn(*[np.array(a) for a in args]).item() == expected
    x32 = Tensor(np.full(3, 0.375, np.float32), requires_grad=True)
    y = fn(x32, *args[1:])  # a Python number takes the float32 tensor's dtype
    assert y.dtype == np.float32 and y.requires_grad
    y.backward(np.ones(3, np.float32))
    assert x32.grad is not None and x32.grad.dtype == np.float32


def test_integer_inputs_follow_numpy() -> None:
    ints = np.array([1, 2, 4])
    assert F.sin(ints).dtype == np.float64 and F.erf(ints).dtype == np.float64
    for name in ("floor", "sign", "reciprocal"):
        assert getattr(F, name)(ints).dtype == getattr(np, name)(ints).dtype
    for name in ("remainder", "floor_divide"):
        got = getattr(F, name)(ints, 3)
        np.testing.assert_array_equal(got.data, getattr(np, name)(ints, 3))
        assert got.dtype == getattr(np, name)(ints, 3).dtype


# --------------------------------------------------------------------------- predicates
PREDICATES = [(F.isnan, np.isnan), (F.isinf, np.isinf), (F.isfinite, np.isfinite),
              (F.logical_not, np.logical_not)]


@pytest.mark.parametrize(("fn", "ref"), PREDICATES, ids=lambda f: getattr(f, "__name__", ""))
def test_predicates_give_constant_bool_tensors(fn: Any, ref: Any) -> None:
    data = np.array([0.0, -1.5, np.inf, -np.inf, np.nan], dtype=np.float32)
    x = Tensor(data, requires_grad=True)
    y = fn(x)
    assert isinstance(y, Tensor) and y.dtype == np.bool_
    assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal(y.data, ref(data))
    np.testing.assert_array_equal(fn(data).data, ref(data))
    assert fn(2.0).item() == ref(2.0)


@pytest.mark.parametrize(("fn", "ref"), [(F.logical_and, np.logical_and),
                                         (F.logical_or, np.logical_or)])
def test_logical_and_or_broadcast_and_are_never_recorded(fn: Any, ref: Any) -> None:
    a = Tensor(np.array([[0.0], [2.0]]), requires_grad=True)
    b = np.array([True, False, True])
    y = fn(a, b)
    assert y.shape == (2, 3) and y.dtype == np.bool_ and not y.requires_grad
    np.testing.assert_array_equal(y.data, ref(a.data, b))
    assert fn(0, 1).item() == ref(0, 1)
    with pytest.raises(ValueError, match=rf"{fn.__name__}: shapes \(2, 1\) and \(4, 1\)"):
        fn(a, np.ones((4, 1)))


# --------------------------------------------------------------------------- errors
def test_bad_arguments_are_refused_naming_the_function() -> None:
    x = Tensor(np.ones(3))
    with pytest.raises(TypeError, match=r"round: decimals must be an int, got 1\.5"):
        F.round(x, decimals=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="round: decimals"):
        F.round(x, True)
    with pytest.raises(ValueError, match="round: decimals"):
        F.round(x, 2**40)
    with pytest.raises(TypeError, match="sin"):
        F.sin("abc")
    with pytest.raises(TypeError, match="erf"):
        F.erf(x, x)
    with pytest.raises(ValueError, match=r"hypot: .*\(3,\) and \(2,\)"):
        F.hypot(x, np.ones(2))
    with pytest.raises(TypeError, match="isnan"):
        F.isnan("abc")
    with pytest.raises(TypeError, match="logical_or"):
        F.logical_or(x, 1 + 2j)


# --------------------------------------------------------------------------- PyTorch
TORCH_UNARY = ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "exp2",
               "expm1", "log2", "log10", "reciprocal", "erf"]
TORCH_BINARY = ["arctan2", "logaddexp", "hypot", "remainder"]


@pytest.mark.parametrize("name", TORCH_UNARY + TORCH_BINARY)
def test_values_and_gradients_agree_with_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    n = 2 if name in TORCH_BINARY else 1
    xs = [rng.uniform(-0.9, 0.9, 50) for _ in range(n)]
    if name in ("log2", "log10"):
        xs = [np.abs(x) + 0.1 for x in xs]
    if name == "remainder":  # negative divisors too, and quotients from −9 to 8
        xs[0], xs[1] = 4 * xs[0], np.where(xs[1] < 0, -0.6, 0.6) + 0.3 * xs[1]
    ts = [Tensor(x, requires_grad=True) for x in xs]
    tts = [torch.tensor(x, requires_grad=True) for x in xs]
    ours, theirs = getattr(F, name)(*ts), getattr(torch, name)(*tts)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-13, atol=1e-15)
    u = rng.standard_normal(50)
    ours.backward(u)
    theirs.backward(torch.tensor(u))
    for t, tt in zip(ts, tts):
        np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), rtol=1e-12, atol=1e-15)  # type: ignore[union-attr]


def test_rounding_agrees_with_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = np.array([-2.5, -1.5, -0.7, -0.5, 0.0, 0.49, 0.5, 1.5, 2.5, 3.7, np.nan, np.inf])
    tx = torch.tensor(x)
    for name in ("sign", "floor", "ceil", "trunc", "round"):
        ours, theirs = getattr(F, name)(x).data, getattr(torch, name)(tx).numpy()
        if name == "sign":  # NumPy's sign(NaN) is NaN, PyTorch's 0: NumPy's rule wins
            assert np.isnan(ours[-2]) and theirs[-2] == 0
            ours, theirs = np.delete(ours, -2), np.delete(theirs, -2)
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(F.round(x, 1).data, torch.round(tx, decimals=1).numpy())
    b = np.array([2.0, -2.0, 0.75])[:, None]
    np.testing.assert_array_equal(F.floor_divide(x[:10], b).data,
                                  torch.floor_divide(tx[:10], torch.tensor(b)).numpy())


def test_erf_agrees_with_pytorch_and_has_a_second_derivative() -> None:
    torch = pytest.importorskip("torch")
    x = np.linspace(-6.5, 6.5, 1001)
    np.testing.assert_allclose(F.erf(x).data, torch.erf(torch.tensor(x)).numpy(), rtol=4e-16,
                               atol=0)
    assert gradgradcheck(F.erf, [np.array([-1.5, 0.0, 0.3, 2.0])])


def test_a_python_int_keeps_an_integer_tensors_dtype_as_numpy() -> None:
    for dtype in (np.int8, np.int32, np.uint16, np.int64):
        a = np.array([5, 3, 7], dtype=dtype)
        t = Tensor(a)
        for got, want in ((F.remainder(t, 2), np.remainder(a, 2)), (t // 2, a // 2),
                          (t + 2, a + 2), (2 * t, 2 * a), (t * 2.5, a * 2.5)):
            assert got.dtype == want.dtype, (dtype, got.dtype, want.dtype)
            np.testing.assert_array_equal(got.data, want)
    for big in (300, 2**70):
        with pytest.raises(ValueError, match=f"add: Python integer {big} out of bounds for int8"):
            Tensor(np.array([1], np.int8)) + big
    x = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    assert (F.where(Tensor(np.array([1, 0])) > 0, x, 3) * 2).dtype == np.float32
