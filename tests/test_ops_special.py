"""Special functions (erfc, erfinv, logit, xlogy) beyond the registry's property tests:
accuracy against math.erfc and math.erf, the domain edges, float32, errors, and values and
gradients against PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.gradcheck import gradcheck, gradgradcheck
from autograd_mini.ops.special import erfc_array, erfinv_array


def _ulps(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|got − ref| in units of the spacing of the reference (0 where both are equal)."""
    diff = np.abs(got - ref)
    return np.where(diff == 0, 0.0, diff / np.spacing(np.abs(ref)))


def _grads(fn: Any, *xs: Any, dtype: Any = np.float64, upstream: Any = None
           ) -> tuple[np.ndarray, list[np.ndarray]]:
    ts = [Tensor(np.asarray(x, dtype=dtype), requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward(np.ones(out.shape, dtype) if upstream is None else upstream)
    return out.data, [t.grad.data for t in ts]  # type: ignore[union-attr]


# --------------------------------------------------------------------------- accuracy
def test_erfc_is_within_a_few_ulp_of_math_erfc_also_where_it_is_tiny() -> None:
    x = np.concatenate([np.linspace(-6.0, 26.0, 60_001),
                        np.random.default_rng(0).uniform(0.4, 27.0, 20_000)])
    ref = np.array([math.erfc(v) for v in x])
    keep = ref > 1e-300  # (subnormal results have fewer digits to compare)
    # (math.erfc is itself within 2 ulp; ours within 4 of the exact value)
    assert np.max(_ulps(erfc_array(x)[keep], ref[keep])) <= 6.0
    # where 1 − erf(x) has no digit left, erfc still has all of them
    assert abs(erfc_array(np.array([10.0]))[0] / math.erfc(10.0) - 1) < 1e-15
    assert 1 - math.erf(10.0) == 0.0


def test_erfc_special_values_and_dtypes() -> None:
    got = erfc_array(np.array([np.inf, -np.inf, 1000.0, -1000.0, 30.0, 0.0, np.nan]))
    np.testing.assert_array_equal(got[:6], [0.0, 2.0, 0.0, 2.0, 0.0, 1.0])
    assert np.isnan(got[6])
    assert erfc_array(np.array([1.5], dtype=np.float32)).dtype == np.float32
    assert am.erfc(Tensor(np.array([1, 2]))).dtype == np.float64  # integers in float64


def test_erfinv_inverts_math_erf_to_a_few_ulp() -> None:
    y = np.concatenate([np.linspace(-5.8, 5.8, 20_001), np.geomspace(1e-300, 1e-3, 500)])
    x = np.array([math.erf(v) for v in y])
    x = x[np.abs(x) < 1]
    got = erfinv_array(x)
    back = np.array([math.erf(v) for v in got])
    # erf(erfinv(x)) is x to within erf's own rounding; where erf is flat, compare erfc
    np.testing.assert_allclose(back, x, rtol=4e-16, atol=0)
    tail = np.abs(x) > 0.5
    r = np.array([math.erfc(v) for v in np.abs(got[tail])])
    np.testing.assert_allclose(r, 1 - np.abs(x[tail]), rtol=1e-14)


def test_erfinv_edges_as_pytorch() -> None:
    x = np.array([1.0, -1.0, 1.5, -2.0, np.nan, 0.0, -0.0, 1000.0, -1000.0])
    got = erfinv_array(x)
    np.testing.assert_array_equal(got[:2], [np.inf, -np.inf])
    assert np.isnan(got[2:5]).all() and np.isnan(got[7:]).all()
    assert got[5] == 0 and not np.signbit(got[5]) and np.signbit(got[6])
    near_one = np.nextafter(1.0, 0.0)  # 1 − 2⁻⁵³: erfinv ≈ 5.863, from erfc, not from erf
    assert abs(math.erfc(erfinv_array(np.array([near_one]))[0]) / (1 - near_one) - 1) < 1e-14
    _, (g,) = _grads(am.erfinv, [1.0, -1.0, 0.0])
    np.testing.assert_array_equal(g, [np.inf, np.inf, math.sqrt(math.pi) / 2])


# --------------------------------------------------------------------------- logit, xlogy
def test_logit_edges_and_clamp() -> None:
    value, (g,) = _grads(am.logit, [0.0, 1.0, -0.5, 2.0, 0.5])
    np.testing.assert_array_equal(value[:2], [-np.inf, np.inf])
    assert np.isnan(value[2:4]).all() and value[4] == 0
    np.testing.assert_array_equal(g[:2], [np.inf, np.inf])
    assert np.isnan(g[2:4]).all() and g[4] == 4
    value, (g,) = _grads(lambda t: am.logit(t, eps=0.1), [0.0, 0.05, 0.5, 0.95, 1.0, 2.0])
    np.testing.assert_allclose(value, np.log(9.0) * np.array([-1, -1, 0, 1, 1, 1]), atol=1e-15)
    np.testing.assert_array_equal(g, [0, 0, 4, 0, 0, 0])


def test_xlogy_is_zero_where_x_is_zero() -> None:
    value, (gx, gy) = _grads(am.xlogy, [0.0, 0.0, 2.0, 0.0], [0.0, 3.0, 0.0, np.nan])
    np.testing.assert_array_equal(value[:3], [0.0, 0.0, -np.inf])
    assert np.isnan(value[3])
    np.testing.assert_array_equal(gx[:3], [0.0, np.log(3.0), -np.inf])  # x̄ = log y at x = 0
    assert np.isnan(gy[0]) and gy[1] == 0 and gy[2] == np.inf  # as torch.xlogy


def test_xlogy_gradients_at_the_edges_match_pytorch() -> None:
    """x̄ = ḡ log y also at x = 0 (x log y is linear in x), 0 there only where y ≤ 0; with y
    at 0, below 0, ∞ and NaN, as torch.xlogy's."""
    torch = pytest.importorskip("torch")
    inf, nan = np.inf, np.nan
    x = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, -2.0]
    y = [2.0, 0.5, 0.0, -1.0, inf, nan, 0.0, -1.0, 2.0, inf, nan, 3.0]
    u = np.random.default_rng(5).standard_normal(len(x))
    value, (gx, gy) = _grads(am.xlogy, x, y, upstream=u)
    xt, yt = (torch.tensor(np.array(v), requires_grad=True) for v in (x, y))
    out = torch.xlogy(xt, yt)
    out.backward(torch.tensor(u))
    np.testing.assert_array_equal(value, out.detach().numpy())
    np.testing.assert_array_equal(gx, xt.grad.numpy())  # (NaN in the same places)
    np.testing.assert_array_equal(gy, yt.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_warnings_at_plus_minus_1000_and_dtype_kept(dtype: Any) -> None:
    big = [-1000.0, 1000.0, 0.0, 1.0, -1.0]
    for fn, args in ((am.erfc, (big,)), (am.erfinv, (big,)), (am.logit, (big,)),
                     (lambda t: am.logit(t, 1e-6), (big,)), (am.xlogy, (big, big[::-1]))):
        value, grads = _grads(fn, *args, dtype=dtype)
        assert value.dtype == dtype and all(g.dtype == dtype for g in grads)
    want = np.array([2, 0, 1, math.erfc(1), math.erfc(-1)], dtype=dtype)
    np.testing.assert_array_equal(am.erfc(Tensor(np.array(big, dtype))).data, want)

def test_second_order() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(-3, 8, (6,))
    gradgradcheck(am.erfc, [x], rng=rng)
    gradgradcheck(am.erfinv, [rng.uniform(-0.99, 0.99, (5,))], rng=rng)
    gradgradcheck(lambda t: am.logit(t, eps=0.2), [np.array([0.1, 0.4, 0.7, 0.9])], rng=rng)
    gradgradcheck(am.xlogy, [rng.uniform(0.5, 2, (3, 1)), rng.uniform(0.5, 2, (4,))], rng=rng)
    gradcheck(am.erfc, [np.array([6.5, 9.0, 0.2, -2.0])], rng=rng)


def test_errors_name_the_function() -> None:
    with pytest.raises(ValueError, match=r"logit: eps must be in \[0, 0.5\].*0.7"):
        am.logit(Tensor([0.5]), eps=0.7)
    with pytest.raises(TypeError, match="logit: eps must be a real number"):
        am.logit(Tensor([0.5]), eps="0.1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"xlogy.*\(2,\).*\(3,\)"):
        am.xlogy(Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0]))


# --------------------------------------------------------------------------- against PyTorch
CASES: list[tuple[str, Any, Any, int]] = [
    ("erfc", am.erfc, lambda t: t[0].special.erfc(t[1]), 1),
    ("erfinv", am.erfinv, lambda t: t[0].special.erfinv(t[1]), 1),
    ("logit", am.logit, lambda t: t[0].logit(t[1]), 1),
    ("logit_eps", lambda x: am.logit(x, eps=0.15), lambda t: t[0].logit(t[1], eps=0.15), 1),
    ("xlogy", am.xlogy, lambda t: t[0].xlogy(t[1], t[2]), 2),
]


@pytest.mark.parametrize(("name", "ours", "theirs", "nin"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("shape", [(7,), (3, 4), ()], ids=str)
def test_values_and_gradients_match_pytorch(name: str, ours: Any, theirs: Any, nin: int,
                                            shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(shape) + nin)
    if name in ("erfinv",):
        xs = [rng.uniform(-0.999, 0.999, shape)]
    elif name.startswith("logit"):
        xs = [rng.uniform(0.01, 0.99, shape)]
    elif name == "xlogy":
        xs = [rng.uniform(-2, 2, shape), rng.uniform(0.1, 3, shape)]
    else:
        xs = [rng.uniform(-4, 9, shape)]
    u = rng.standard_normal(shape)
    value, grads = _grads(ours, *xs, upstream=u)
    tt = [torch.tensor(x, requires_grad=True) for x in xs]
    out = theirs((torch, *tt))
    out.backward(torch.tensor(u))
    np.testing.assert_allclose(value, out.detach().numpy(), rtol=1e-13, atol=1e-15)
    for g, t in zip(grads, tt):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12, atol=1e-15)

