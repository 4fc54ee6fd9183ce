"""Gradient checking for a user testing their own code: large drawn arrays, NaN gradients,
``numerical_grad``'s constants and the strategies' argument checks."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import autograd_mini as am
from autograd_mini.testing import ELEMENTWISE, arrays, gradient_property, valid_axes


def _layer(w: Any, x: Any) -> am.Tensor:
    return am.log_softmax(x @ w, axis=-1).sum()


_layer.__name__ = "layer"


def test_gradient_property_draws_a_weight_matrix_of_any_size() -> None:
    """One Hypothesis float per element failed its size health check above ~500 elements and
    could not draw ~2,000 at all."""
    settings(max_examples=3)(gradient_property(_layer, arrays((64, 10)), arrays((4, 64))))()
    seen: list[np.ndarray] = []

    @settings(max_examples=5, suppress_health_check=[HealthCheck.differing_executors])
    @given(arrays((3000,), domain="positive", bound=2.0))
    def draw(a: np.ndarray) -> None:
        seen.append(a)

    draw()
    assert all(a.shape == (3000,) and a.min() >= 0.2 and a.max() <= 2.0 for a in seen)
    assert len({a.tobytes() for a in seen}) > 1  # the seed is drawn: arrays differ
    assert ELEMENTWISE == 256


def test_gradcheck_fails_where_the_function_is_nan() -> None:
    """NaN against NaN passed: a function NaN everywhere was 'checked' (torch fails it)."""
    def naive_softmax_loss(x: Any) -> am.Tensor:
        e = am.exp(x)
        return -am.log((e / e.sum())[0])

    for f, x in ((naive_softmax_loss, np.array([1000.0, 999.0, 0.0])),
                 (am.sqrt, np.array([-1.0, -2.0]))):
        for fast in (False, True):
            with pytest.raises(am.GradcheckError, match="analytic nan and numeric nan: f has no "
                               "derivative there"):
                am.gradcheck(f, [x], fast=fast)
    assert am.gradcheck(am.sqrt, [np.array([1.0, 2.0])])


def test_a_float32_draw_of_a_function_nan_in_its_domain_fails_as_the_float64_one() -> None:
    """The float32 comparison took atol = NaN (a RuntimeWarning, then 'nan against nan')."""
    def f(x: Any) -> am.Tensor:
        return am.sqrt(x - 3.0).sum()

    for dtype in (np.float64, np.float32):
        test = settings(max_examples=5, database=None)(
            gradient_property(f, arrays((2,), dtype=dtype)))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(am.GradcheckError, match="analytic nan and numeric nan"):
                test()


def test_numerical_grad_holds_constants_as_gradcheck_does() -> None:
    x = np.array([0.3, -1.2, 2.0])
    got = am.numerical_grad(lambda t, i: t[i].sum(), [x, np.array([0, 2])])
    np.testing.assert_allclose(got[0], [1.0, 0.0, 1.0], atol=1e-8)
    assert got[1] is None
    got = am.numerical_grad(lambda t, a: t.sum(axis=a), [x.reshape(3, 1), 0])
    np.testing.assert_allclose(got[0], np.ones((3, 1)), atol=1e-8)
    assert got[1] is None
    got = am.numerical_grad(lambda t, s: (t * s).sum(), [x, 2.0])  # a hyper-parameter
    np.testing.assert_allclose(got[0], [2.0, 2.0, 2.0], atol=1e-8)
    assert got[1] is None
    (alone,) = am.numerical_grad(lambda s: s * s, [2.0])  # nothing else: the float is checked
    np.testing.assert_allclose(alone, 4.0, atol=1e-6)


def test_arrays_keeps_inside_its_bound_and_refuses_bad_arguments_up_front() -> None:
    seen: list[np.ndarray] = []

    @settings(max_examples=40, database=None)
    @given(arrays((5,), domain="above_minus_one", bound=0.5))
    def draw(a: np.ndarray) -> None:
        seen.append(a)

    draw()
    assert min(a.min() for a in seen) >= -0.5 and max(a.max() for a in seen) <= 0.5
    with pytest.raises(ValueError, match="arrays: bound must be finite in float64, got inf"):
        arrays((3,), bound=np.inf)
    with pytest.raises(ValueError, match="arrays: bound must be finite in float32, got 1e"):
        arrays((3,), dtype=np.float32, bound=1e39)
    with pytest.raises(ValueError, match=r"arrays: shape must be a tuple of sizes ≥ 0.*\(-1,\)"):
        arrays((-1,))
    for bound in (None, True):
        with pytest.raises(TypeError, match="arrays: bound must be a real number"):
            arrays((3,), bound=bound)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"valid_axes: ndim must be an int ≥ 0, got 1\.5"):
        valid_axes(1.5)  # type: ignore[arg-type]

    @settings(max_examples=3, database=None)
    @given(arrays(3), arrays(np.int64(3)))  # an int shape, as hypothesis.extra.numpy's
    def one_d(a: np.ndarray, b: np.ndarray) -> None:
        assert a.shape == b.shape == (3,)

    one_d()
