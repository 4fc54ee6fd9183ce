"""numerical_grad, gradcheck and gradgradcheck: accuracy, failure reports, fast mode."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.engine import Primitive, apply


def _exp_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out = np.exp(x)
    return out, out


def _bad_vjp(g: Any, out: Any, needs: Any) -> tuple[Any]:
    return (g * 2 * out,)  # wrong: d/dx e^x is e^x, not 2 e^x


BAD_EXP = Primitive("bad_exp", _exp_forward, _bad_vjp)


def bad_exp(x: am.Tensor) -> am.Tensor:
    return apply(BAD_EXP, x)


def test_central_is_second_order_forward_first_order() -> None:
    x = np.array([0.7])
    exact = np.cos(0.7)

    def f(t: am.Tensor) -> am.Tensor:
        return am.Tensor(np.sin(t.data))

    errs = {}
    for method in ("central", "forward"):
        errs[method] = [
            abs(am.numerical_grad(f, [x], eps=eps, method=method)[0][0] - exact)
            for eps in (1e-2, 1e-3)
        ]
    assert errs["forward"][0] / errs["forward"][1] == pytest.approx(10, rel=0.1)
    assert errs["central"][0] / errs["central"][1] == pytest.approx(100, rel=0.1)


def test_gradcheck_passes_on_correct_op() -> None:
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((2, 3)), rng.standard_normal(3)]
    assert am.gradcheck(lambda a, b: am.tanh(a) * b, xs)
    assert am.gradcheck(lambda a: am.exp(a).sum(), [rng.standard_normal(4)], fast=True)
    assert am.gradgradcheck(lambda a: am.sigmoid(a) * a, [rng.standard_normal(4)])


def test_gradcheck_reports_input_element_values_and_tolerances() -> None:
    x = np.array([0.1, 0.2, 0.3])
    with pytest.raises(am.GradcheckError) as info:
        am.gradcheck(lambda a, b: a * 1.0 + bad_exp(b), [x, x])
    msg = str(info.value)
    assert "input 1" in msg and "element (0,)" in msg
    assert "analytic" in msg and "numeric" in msg and "atol" in msg and "rtol" in msg
    assert not am.gradcheck(bad_exp, [x], raise_exception=False)
    with pytest.raises(am.GradcheckError, match="directional"):
        am.gradcheck(bad_exp, [x], fast=True)


def test_gradgradcheck_catches_wrong_second_derivative() -> None:
    def _vjp(g: Any, x: Any, needs: Any) -> tuple[Any]:
        # right first derivative 2x, but written with a detached input: second derivative lost
        x = x.data if isinstance(x, am.Tensor) else x
        return (g * 2 * x,)

    sq = Primitive("square_detached", lambda x: (x * x, x), _vjp)
    x = [np.array([0.5, -1.0])]
    assert am.gradcheck(lambda t: apply(sq, t), x)
    with pytest.raises(am.GradcheckError):
        am.gradgradcheck(lambda t: apply(sq, t), x)


def test_numerical_grad_validates() -> None:
    with pytest.raises(ValueError, match="method"):
        am.numerical_grad(am.exp, [np.ones(1)], method="backward")
    with pytest.raises(ValueError, match="eps"):
        am.numerical_grad(am.exp, [np.ones(1)], eps=0)


def test_gradgradcheck_differentiates_in_the_upstream_gradient_too() -> None:
    # A VJP that turns its upstream gradient into an array cuts the recorded graph there: its
    # first derivative is right, and so is the Hessian of f's outputs alone, but a composite
    # (sin ∘ cube) gets a wrong Hessian. Checking in u as well, as PyTorch does, catches it.
    cube = am.primitive("cube_cutting_g", lambda x: (x ** 3, x),
                        lambda g, x, needs: (np.asarray(g) * 3 * x * x,))
    good = am.primitive("cube_keeping_g", lambda x: (x ** 3, x),
                        lambda g, x, needs: (g * 3 * x * x,))
    try:
        xs = [am.Tensor(np.array([0.3, -0.7, 1.1]))]
        assert am.gradcheck(cube, xs)
        with pytest.warns(UserWarning, match="drops its gradient"):  # (np.asarray(g))
            assert not am.gradgradcheck(cube, xs, raise_exception=False)
            assert not am.gradgradcheck(lambda t: cube(t).sum(), xs, raise_exception=False)
        assert am.gradgradcheck(good, xs) and am.gradgradcheck(lambda t: good(t).sum(), xs)
    finally:
        del am.REGISTRY["cube_cutting_g"], am.REGISTRY["cube_keeping_g"]


def test_failure_messages_name_what_is_at_fault() -> None:
    wrong = Primitive("square_times_three", lambda x: (x * x, x), lambda g, x, needs: (g * 3 * x,))
    xs = [am.Tensor(np.array([0.3, -0.7, 1.1]))]
    with pytest.raises(am.GradcheckError, match=r"random direction through every input "
                                                r"\(shapes \(3,\)\).*fast=False to find"):
        am.gradcheck(wrong, xs, fast=True)
    cut = Primitive("cube_cutting_g", lambda x: (x ** 3, x),
                    lambda g, x, needs: (np.asarray(g) * 3 * x * x,))
    with pytest.raises(am.GradcheckError, match=r"input 1 \(the upstream gradient u, drawn "
                                                r"here\) \(shape \(3,\)\)"), \
            pytest.warns(UserWarning, match="drops its gradient"):  # (np.asarray(g))
        am.gradgradcheck(cut, xs)
    with pytest.raises(ValueError, match="gradgradcheck: eps"):
        am.gradgradcheck(cut, xs, eps=-1.0)


def test_gradgradcheck_names_the_usual_cause_of_a_zero_second_derivative() -> None:
    """A VJP reading a value its forward computed (σ(x)) is right to first order and 0 to
    second: gradcheck passes, gradgradcheck fails and says why that happens."""
    def forward(x: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray]]:
        s = 1 / (1 + np.exp(-x))
        return 2 * s - 1, (s,)

    op = am.Primitive("tanh_half_from_saved_sigmoid", forward,
                      lambda g, saved, needs: (g * 2 * saved[0] * (1 - saved[0]),))
    x0 = [np.array([0.3, 0.1])]
    assert am.gradcheck(op, x0)
    with pytest.raises(am.GradcheckError, match=r"(?s)second-order mismatch.*analytic 0\.0.*"
                                                r"residuals other than the op's inputs and its "
                                                r"output are constants"):
        am.gradgradcheck(lambda x: op(x).sum(), x0)
