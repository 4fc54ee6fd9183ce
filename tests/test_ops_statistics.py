"""Order statistics and NaN-skipping reductions beyond the registry's property tests: NumPy's
values over axes and methods, gradients at ties and NaN (against PyTorch where it has the same
definition), ``np.median(t)`` dispatch, float32, and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.gradcheck import gradcheck, gradgradcheck
from autograd_mini.ops.statistics import METHODS

np_quantile: Any = np.quantile  # (NumPy's stubs type method= as a Literal)


def _grad(fn: Any, x: Any, upstream: Any = None) -> tuple[np.ndarray, np.ndarray]:
    t = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    out = fn(t)
    out.backward(np.ones(out.shape) if upstream is None else upstream)
    return out.data, t.grad.data  # type: ignore[union-attr]


SHAPES_AXES = [((7,), None), ((6,), 0), ((4, 5), 1), ((4, 5), -2), ((3, 4, 5), (0, 2)),
               ((2, 3, 4), None), ((), None)]


# --------------------------------------------------------------------------- NumPy's values
@pytest.mark.parametrize(("shape", "axis"), SHAPES_AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_values_match_numpy(shape: tuple[int, ...], axis: Any, keepdims: bool) -> None:
    x = np.random.default_rng(0).standard_normal(shape)
    t = Tensor(x)
    for ours, theirs in ((am.median, np.median), (am.nanmedian, np.nanmedian),
                         (am.nansum, np.nansum), (am.nanmean, np.nanmean)):
        got = ours(t, axis=axis, keepdims=keepdims)
        ref = theirs(x, axis=axis, keepdims=keepdims)
        assert got.shape == np.shape(ref)
        np.testing.assert_allclose(got.data, ref, rtol=1e-15, atol=1e-15)
    for q in (0.0, 0.37, 1.0, [0.1, 0.5, 0.9], np.array([0.25])):
        for method in METHODS:
            got = am.quantile(t, q, axis=axis, keepdims=keepdims, method=method)
            ref = np_quantile(x, q, axis=axis, keepdims=keepdims, method=method)
            assert got.shape == ref.shape, (q, method)
            np.testing.assert_allclose(got.data, ref, rtol=1e-15, atol=1e-15)


def test_nan_values_match_numpy() -> None:
    x = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan, np.nan, np.nan, np.nan], [4.0, 1.0, 2.0, 8.0]])
    t = Tensor(x)
    with pytest.warns(RuntimeWarning):  # NumPy warns for the all-NaN row; the library not
        ref = np.nanmedian(x, axis=1), np.nanmean(x, axis=1)
    np.testing.assert_array_equal(am.nanmedian(t, axis=1).data, ref[0])
    np.testing.assert_array_equal(am.nanmean(t, axis=1).data, ref[1])
    np.testing.assert_array_equal(am.nansum(t, axis=1).data, np.nansum(x, axis=1))
    np.testing.assert_array_equal(am.median(t, axis=1).data, np.median(x, axis=1))
    for method in METHODS:
        np.testing.assert_array_equal(am.quantile(t, [0.3, 0.8], axis=1, method=method).data,
                                      np_quantile(x, [0.3, 0.8], axis=1, method=method))


def test_virtual_index_as_numpy_where_rounding_decides() -> None:
    """(n − 1) q as NumPy computes it: 0.3 · 10 rounds above 3, so 'higher' takes rank 4."""
    x = np.arange(11.0)[::-1].copy()
    for method in METHODS:
        assert am.quantile(Tensor(x), 0.3, method=method).item() == np_quantile(
            x, 0.3, method=method)


# --------------------------------------------------------------------------- gradients
def test_median_gradient_at_ties_is_split_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = [1.0, 2.0, 2.0, 3.0, 2.0]
    _, g = _grad(am.median, x)
    tt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.median(tt).backward()
    np.testing.assert_allclose(g, tt.grad.numpy(), rtol=1e-15)
    # an even count: NumPy's mean of the two middle values, ½ each, split among ties
    _, g = _grad(am.median, [5.0, 1.0, 2.0, 3.0, 3.0, 0.0])
    np.testing.assert_allclose(g, [0, 0, 0.5, 0.25, 0.25, 0])


def test_quantile_gradient_at_ties_goes_by_stable_rank_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = [1.0, 2.0, 2.0, 3.0, 2.0]
    for q in (0.5, 0.3, 0.6):
        _, g = _grad(lambda t, q=q: am.quantile(t, q), x)
        tt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        torch.quantile(tt, q).backward()
        np.testing.assert_allclose(g, tt.grad.numpy(), rtol=1e-15)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("x_grad", [True, False], ids=["x_and_q", "q_only"])
def test_quantile_gradient_in_q_matches_pytorch(method: str, x_grad: bool) -> None:
    """q̄ = ḡ (n − 1)(v_⌈h⌉ − v_⌊h⌋) for "linear" (0 where h = (n − 1) q is whole, and in a
    slice holding NaN), as torch.quantile's; the other methods are steps in q: no gradient.
    Also when only q requires grad, and through percentile (q̄ / 100) and np.quantile."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 5))
    x[2, 1] = np.nan
    qs = np.array([0.5, 0.25, 0.0, 1.0, 0.3, 0.9])  # h = 2, 1 (whole), 0, 4, 1.2, 3.6
    u = rng.standard_normal((qs.size, 3))
    xt = torch.tensor(x, requires_grad=x_grad)
    qt = torch.tensor(qs, requires_grad=True)
    ref = torch.quantile(xt, qt, dim=1, interpolation=method)
    want: Any = (torch.autograd.grad(ref, [qt, xt] if x_grad else [qt], torch.tensor(u))
                 if method == "linear" else ())
    for call in (lambda a, b: am.quantile(a, b, axis=1, interpolation=method),
                 lambda a, b: am.percentile(a, b * 100, axis=1, method=method),
                 lambda a, b: np_quantile(a, b, axis=1, method=method)):
        t = Tensor(x, requires_grad=x_grad)
        q = Tensor(qs, requires_grad=True)
        out = call(t, q)
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-14, atol=1e-15)
        if method != "linear":  # a step function of q: no gradient flows to q (as PyTorch's)
            assert out.requires_grad == x_grad
            continue
        out.backward(u)
        assert q.grad is not None
        np.testing.assert_allclose(q.grad.data, want[0].numpy(), rtol=1e-14, atol=1e-15)
        assert q.grad.data[1] == q.grad.data[2] == 0 and np.all(q.grad.data[4:] != 0)
        if x_grad:
            assert t.grad is not None
            np.testing.assert_allclose(t.grad.data, want[1].numpy(), rtol=1e-14, atol=1e-15)
        else:
            assert t.grad is None


def test_quantile_q_gradient_checks_and_keeps_q_dtype() -> None:
    rng = np.random.default_rng(4)
    x = rng.permutation(12).reshape(3, 4) + rng.uniform(0, 0.5, (3, 4))
    gradcheck(lambda a, b: am.quantile(a, b, axis=0), [x, np.array([0.2, 0.45, 0.8])], rng=rng)
    gradcheck(lambda b: am.percentile(x, b, axis=1), [np.array([20.0, 70.0])], rng=rng)
    q = Tensor(np.array([0.3, 0.6], np.float32), requires_grad=True)
    out = am.quantile(Tensor(np.array([4.0, 1.0, 2.0, 8.0], np.float32)), q)
    out.backward(np.ones(2, np.float32))
    assert out.dtype == np.float32 and q.grad is not None and q.grad.dtype == np.float32
    np.testing.assert_array_equal(q.grad.data, [3.0, 6.0])  # 3 (2 − 1), 3 (4 − 2)


def test_nan_gradients() -> None:
    torch = pytest.importorskip("torch")
    x = [1.0, np.nan, 2.0, np.nan, 4.0]
    for ours, theirs in ((am.median, torch.median), (am.nanmean, torch.nanmean),
                         (am.nansum, torch.nansum), (lambda t: am.quantile(t, 0.4),
                                                     lambda t: torch.quantile(t, 0.4))):
        value, g = _grad(ours, x)
        tt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        out = theirs(tt)
        out.backward()
        np.testing.assert_allclose(value, out.detach().numpy(), rtol=1e-15)
        np.testing.assert_array_equal(g, tt.grad.numpy())
    _, g = _grad(am.nanmedian, x)
    np.testing.assert_array_equal(g, [0, 0, 1, 0, 0])
    _, g = _grad(lambda t: am.nanmean(t, axis=0), np.full((2, 2), np.nan))
    np.testing.assert_array_equal(g, np.zeros((2, 2)))


CASES: list[tuple[str, Any, Any]] = [
    ("median_odd", lambda t: am.median(t, axis=1), lambda tc, t: tc.median(t, dim=1).values),
    ("quantile", lambda t: am.quantile(t, [0.2, 0.5, 0.75], axis=1),
     lambda tc, t: tc.quantile(t, tc.tensor([0.2, 0.5, 0.75], dtype=t.dtype), dim=1)),
    ("quantile_all", lambda t: am.quantile(t, 0.66, method="midpoint"),
     lambda tc, t: tc.quantile(t, 0.66, interpolation="midpoint")),
    ("quantile_nearest", lambda t: am.quantile(t, [0.1, 0.9], axis=0, keepdims=True,
                                               method="nearest"),
     lambda tc, t: tc.quantile(t, tc.tensor([0.1, 0.9], dtype=t.dtype), dim=0, keepdim=True,
                               interpolation="nearest")),
    ("nanmean", lambda t: am.nanmean(t, axis=0), lambda tc, t: tc.nanmean(t, dim=0)),
    ("nansum", lambda t: am.nansum(t, axis=1, keepdims=True),
     lambda tc, t: tc.nansum(t, dim=1, keepdim=True)),
]


@pytest.mark.parametrize(("name", "ours", "theirs"), CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_pytorch(name: str, ours: Any, theirs: Any) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 5))
    if name.startswith("nan"):
        x[rng.uniform(size=x.shape) < 0.3] = np.nan
        x[0] = 1.0  # no all-NaN column
    out = ours(Tensor(x))
    u = rng.standard_normal(out.shape)
    value, g = _grad(ours, x, upstream=u)
    tt = torch.tensor(x, requires_grad=True)
    ref = theirs(torch, tt)
    ref.backward(torch.tensor(u))
    np.testing.assert_allclose(value, ref.detach().numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(g, tt.grad.numpy(), rtol=1e-14, atol=1e-15)


def test_gradcheck_and_second_order() -> None:
    rng = np.random.default_rng(2)
    x = rng.permutation(24).reshape(2, 3, 4) + rng.uniform(0, 0.5, (2, 3, 4))
    for fn in (lambda t: am.median(t, axis=(0, 2)), lambda t: am.quantile(t, [0.3, 0.7], axis=1),
               lambda t: am.nanmean(t, axis=-1), lambda t: am.nanmedian(t)):
        gradcheck(fn, [x], rng=rng)
        gradgradcheck(fn, [x], rng=rng)


# --------------------------------------------------------------------------- the rest
def test_numpy_spelling_records_the_graph() -> None:
    t = Tensor([3.0, 1.0, np.nan, 2.0], requires_grad=True)
    for call in (lambda: np.median(t[[0, 1, 3]]), lambda: np.quantile(t[[0, 1, 3]], 0.5),
                 lambda: np.nanmedian(t), lambda: np.nanmean(t), lambda: np.nansum(t),
                 lambda: np.quantile(t[[0, 1, 3]], [0.2, 0.4], method="lower")):
        y = call()
        assert isinstance(y, Tensor) and y.requires_grad


def test_float32_kept_and_integers_in_float64() -> None:
    x = np.array([[3.0, 1.0, 2.0, 5.0]], dtype=np.float32)
    for fn in (am.median, am.nanmedian, am.nanmean, am.nansum, lambda t: am.quantile(t, 0.3)):
        t = Tensor(x, requires_grad=True)
        out = fn(t)
        out.backward(np.ones(out.shape, np.float32))
        assert out.dtype == np.float32 and t.grad.dtype == np.float32  # type: ignore[union-attr]
    ints = Tensor(np.array([3, 1, 2, 5]))
    assert am.median(ints).dtype == np.float64 and am.median(ints).item() == 2.5
    assert am.quantile(ints, 0.5).dtype == np.float64 and am.nanmean(ints).item() == 2.75


def test_no_warnings_at_the_extremes() -> None:
    big = np.array([1e308, 1.7e308, 1000.0, -1000.0])
    # NumPy's mean of the two middle values overflows to ∞ here; the library's (as torch's
    # median) stays finite
    assert am.median(Tensor(big[:2])).item() == 1.35e308
    assert am.median(Tensor(big)).item() == np.median(big)
    assert np.isnan(am.median(Tensor(np.zeros((0,)))).item())
    inf = np.array([-np.inf, 1.0, np.inf, 2.0])
    for q in (0.0, 0.5, 0.6, 1.0):
        with np.errstate(invalid="ignore"):  # (NumPy's ∞ · 0 warns; the library's is quiet)
            ref = np.quantile(inf, q)
        np.testing.assert_array_equal(am.quantile(Tensor(inf), q).data, ref)


@pytest.mark.parametrize("fn", [am.median, am.nanmedian])
def test_median_of_two_large_halves_does_not_overflow(fn: Any) -> None:
    """The two middle values are averaged without overflow: float16 as NumPy's (its mean adds
    in float32), float32 and float64 near their largest finite (where NumPy's is ∞)."""
    h = np.array([[60000, 65000, np.nan], [-65504, -65504, 1.0]], np.float16)
    t = Tensor(h[:, :2], requires_grad=True)
    out = fn(t, axis=1)
    np.testing.assert_array_equal(out.data, np.median(h[:, :2], axis=1))  # [62500, -65504]
    assert out.dtype == np.float16 and out.data[0] == 62500
    out.backward(np.ones(2, np.float16))
    np.testing.assert_array_equal(t.grad.data, [[0.5, 0.5], [0.5, 0.5]])  # type: ignore[union-attr]
    np.testing.assert_array_equal(am.nanmedian(Tensor(h[0])).data, np.float16(62500))
    for dtype in (np.float32, np.float64):
        top = np.finfo(dtype).max
        x = Tensor(np.array([top, top * 0.75, -top], dtype)[[0, 1]], requires_grad=True)
        m = fn(x)
        assert m.dtype == dtype and m.item() == np.float64(dtype(top * 0.875))
        m.backward()
        np.testing.assert_array_equal(x.grad.data, [0.5, 0.5])  # type: ignore[union-attr]


@pytest.mark.parametrize("shape", [(1000,), (999,), (40, 51), (3, 1), (1, 4)], ids=str)
def test_median_by_selection_matches_the_sort_with_ties(shape: tuple[int, ...]) -> None:
    """median selects the middle values (np.partition) rather than sorting: the values are
    NumPy's and ḡ is split evenly among the elements equal to each middle value."""
    x = np.random.default_rng(sum(shape)).integers(-4, 5, shape).astype(np.float64)
    for axis in (None, -1, 0):
        u = np.random.default_rng(1).standard_normal(np.shape(np.median(x, axis=axis)))
        value, g = _grad(lambda t, axis=axis: am.median(t, axis=axis), x, u)
        np.testing.assert_array_equal(value, np.median(x, axis=axis))
        s = np.sort(x, axis=axis).reshape(-1) if axis is None else np.sort(x, axis=axis)
        rows = x.reshape(1, -1) if axis is None else np.moveaxis(x, axis, -1)
        sr = s.reshape(1, -1) if axis is None else np.moveaxis(s, axis, -1)
        n = rows.shape[-1]
        ref = np.zeros(rows.shape)
        for i in np.ndindex(rows.shape[:-1]):
            for mid in {(n - 1) // 2, n // 2}:  # each middle value: ½ (1 if one), split
                tie = rows[i] == sr[i][mid]
                ref[i] += tie / tie.sum() * (1.0 if n % 2 else 0.5)
        ref *= np.reshape(u, (*rows.shape[:-1], 1))
        ref = ref.reshape(x.shape) if axis is None else np.moveaxis(ref, -1, axis)
        np.testing.assert_allclose(g, ref, rtol=1e-14, atol=1e-15)


def test_errors_name_the_function_and_the_shape() -> None:
    t = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"quantile: method 'weibull' is not supported; the "
                       r"supported ones are linear, lower, higher, nearest, midpoint"):
        am.quantile(t, 0.5, method="weibull")
    with pytest.raises(ValueError, match=r"percentile: method 'weibull' is not supported"):
        am.percentile(t, 50, interpolation="weibull")
    with pytest.raises(TypeError, match=r"quantile: give method= or interpolation= \(its older "
                       r"NumPy and its PyTorch name\), not both; got 'lower' and 'higher'"):
        am.quantile(t, 0.5, method="lower", interpolation="higher")
    assert am.quantile(Tensor([1.0, 2.0, 3.0]), 0.6, interpolation="lower").item() == 2.0
    with pytest.raises(ValueError, match=r"quantile: q must be in \[0, 1\], got 1.5"):
        am.quantile(t, 1.5)
    with pytest.raises(TypeError, match="quantile: q must be a real number or a 1-d array"):
        am.quantile(t, [[0.5]])
    with pytest.raises(ValueError, match=r"quantile: cannot take a quantile over no elements "
                       r"\(shape \(2, 0\)"):
        am.quantile(Tensor(np.zeros((2, 0))), 0.5, axis=1)
    with pytest.raises(ValueError, match=r"median: axis 2 is out of range.*\(shape \(2, 3\)\)"):
        am.median(t, axis=2)
    with pytest.raises(ValueError, match=r"nanmean: axis 5 .*\(shape \(2, 3\)\)"):
        am.nanmean(t, axis=5)
    with pytest.raises(TypeError, match=r"median\(\) takes NumPy's keywords: dim= is axis="):
        am.median(t, dim=0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="nansum: keepdims must be True or False"):
        am.nansum(t, keepdims=1)  # type: ignore[arg-type]


def test_np_percentile_records_and_junk_q_is_named() -> None:
    t = am.Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    out = np.percentile(t, 50)
    assert isinstance(out, am.Tensor) and out.item() == 2.5
    out.backward()
    assert t.grad is not None
    np.testing.assert_allclose(t.grad.data, [0.0, 0.5, 0.5, 0.0])
    for fn in (am.quantile, am.percentile):
        with pytest.raises(TypeError, match=rf"{fn.__name__}: q must be a real number"):
            fn(t, [1, [2, 3]])
    with pytest.raises(TypeError, match=r"percentile: unsupported dtype object"):
        am.percentile(None, 0)


def test_median_of_no_slices() -> None:
    """An empty tensor with nothing reduced (axis=()) has no middle positions to select (the
    fuzz test found an IndexError)."""
    for fn in (am.median, am.nanmedian):
        assert fn(np.zeros(0), ()).shape == (0,)
        assert fn(np.zeros((0, 3)), 1).shape == (0,)
