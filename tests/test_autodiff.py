"""grad, value_and_grad, jacobian, hessian and hvp against finite differences; Newton's step."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am


def f_scalar(x: am.Tensor) -> am.Tensor:
    return (am.tanh(x) ** 2).sum() + (x[0] * x[1]) * am.exp(x[2] * 0.3)


X0 = np.array([0.3, -1.2, 0.8])


def test_grad_matches_numerical() -> None:
    g = am.grad(f_scalar)(X0)
    (num,) = am.numerical_grad(f_scalar, [X0])
    np.testing.assert_allclose(g.data, num, rtol=1e-7, atol=1e-9)


def test_grad_argnums_tuple_and_value() -> None:
    def f(a: am.Tensor, b: am.Tensor) -> am.Tensor:
        return (a * b).sum() + (a**2).sum()

    vg = am.value_and_grad(f, argnums=(0, 1))
    value, (ga, gb) = vg(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert value.item() == 1 * 3 + 2 * 4 + 1 + 4
    np.testing.assert_allclose(ga.data, [3 + 2, 4 + 4])
    np.testing.assert_allclose(gb.data, [1, 2])


def test_grad_does_not_touch_dot_grad() -> None:
    x = am.Tensor(X0, requires_grad=True)
    am.grad(f_scalar)(x)
    assert x.grad is None


def test_grad_of_non_scalar_refused() -> None:
    with pytest.raises(ValueError, match="scalar"):
        am.grad(lambda x: x * 2)(X0)


def test_jacobian_matches_numerical() -> None:
    def f(x: am.Tensor) -> am.Tensor:
        return am.softmax(x * 2.0) * x[0]

    jac = am.jacobian(f)(X0)
    num = np.stack([am.numerical_grad(f, [X0], grad_output=np.eye(3)[i])[0] for i in range(3)])
    np.testing.assert_allclose(jac.data, num, rtol=1e-6, atol=1e-9)


def test_hessian_symmetric_and_numerical() -> None:
    h = am.hessian(f_scalar)(X0).data
    g = am.grad(f_scalar)
    eps = 1e-5
    num = np.stack(
        [(g(X0 + eps * e).data - g(X0 - eps * e).data) / (2 * eps) for e in np.eye(3)]
    )
    np.testing.assert_allclose(h, h.T, atol=1e-12)
    np.testing.assert_allclose(h, num, rtol=1e-6, atol=1e-8)


def test_hvp_matches_finite_differences_of_gradient() -> None:
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, v = rng.standard_normal(3), rng.standard_normal(3)
        hv = am.hvp(f_scalar, x, v).data
        eps = 1e-5
        g = am.grad(f_scalar)
        num = (g(x + eps * v).data - g(x - eps * v).data) / (2 * eps)
        np.testing.assert_allclose(hv, num, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(hv, am.hessian(f_scalar)(x).data @ v, rtol=1e-10)


def test_grad_of_grad() -> None:
    d3 = am.grad(am.grad(am.grad(lambda x: x**4)))
    assert d3(2.0).item() == pytest.approx(24 * 2.0)


def test_newton_step_eq_2_3_solves_a_quadratic_in_one_step() -> None:
    rng = np.random.default_rng(3)
    m = rng.standard_normal((4, 4))
    a = m @ m.T + 4 * np.eye(4)
    b = rng.standard_normal(4)

    def loss(theta: am.Tensor) -> am.Tensor:
        return 0.5 * (theta @ (a @ theta)) - (b @ theta)

    theta = np.zeros(4)
    step = np.linalg.solve(am.hessian(loss)(theta).data, am.grad(loss)(theta).data)
    theta_new = theta - step  # θ** = θ* − H⁻¹ ∇L(θ*)
    np.testing.assert_allclose(theta_new, np.linalg.solve(a, b), rtol=1e-10)
    np.testing.assert_allclose(am.grad(loss)(theta_new).data, 0, atol=1e-10)


def test_nested_transforms_over_different_arguments_are_recorded() -> None:
    def f(x: am.Tensor, y: am.Tensor) -> am.Tensor:
        return (x * y * y).sum()

    x, y = np.array(2.0), np.array(3.0)
    assert am.grad(am.grad(f, 1), 0)(x, y).item() == 6.0  # ∂/∂x (2xy) = 2y
    assert am.grad(am.grad(f, 0), 1)(x, y).item() == 6.0  # ∂/∂y (y²) = 2y
    np.testing.assert_array_equal(am.jacobian(am.grad(f, 1), 0)(x.reshape(1), y.reshape(1)).data,
                                  [[6.0]])


# ----------------------------------------------------------------------------- composing
X1, W1 = np.array([1.0, 2.0]), np.array([0.5, -1.5])


def _numeric_grad(f: object, w: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    return np.array([(f(w + eps * e) - f(w - eps * e)) / (2 * eps)  # type: ignore[operator]
                     for e in np.eye(w.size)])


def test_a_transform_differentiates_through_what_its_function_closes_over() -> None:
    """The inner derivative depends on w, which the function reaches through a closure: it is
    recorded, so the outer transform gets its derivative (before: zeros, silently)."""
    def outer(w: am.Tensor) -> am.Tensor:
        return am.sum(am.grad(lambda x: am.sum(x * w) ** 2)(X1))

    def outer_value(w: np.ndarray) -> float:  # ∂/∂x (x·w)² = 2 (x·w) w, summed
        return float(2 * (X1 @ w) * w.sum())

    np.testing.assert_allclose(am.grad(outer)(W1).data, _numeric_grad(outer_value, W1),
                               rtol=1e-8)
    jac = am.grad(lambda w: am.sum(am.jacobian(lambda x: x * w * x)(X1)))(W1)
    np.testing.assert_allclose(jac.data, 2 * X1, rtol=1e-12)  # d/dw Σ diag(2 x w) = 2x
    hv = am.grad(lambda w: am.sum(am.hvp(lambda x: am.sum(x * w) ** 3, X1, np.ones(2))))(W1)
    np.testing.assert_allclose(  # H v = 6 (x·w) w (w·1), summed over its entries
        hv.data, _numeric_grad(lambda w: float(6 * (X1 @ w) * w.sum() ** 2), W1), rtol=1e-8)


def test_a_gradient_penalty_reaches_the_weights() -> None:
    """WGAN-GP: the penalty on ∇ₓD(x) depends on D's weights, which D reaches as a closure."""
    rng = np.random.default_rng(0)
    w = am.Tensor(rng.normal(size=(3,)), requires_grad=True)
    x = rng.normal(size=(4, 3))

    def critic(x: am.Tensor) -> am.Tensor:
        return am.sum(am.tanh(am.matmul(x, w)))

    gx = am.grad(critic)(x)
    assert gx.requires_grad
    penalty = am.mean((am.sum(gx * gx, axis=1) - 1.0) ** 2)
    penalty.backward()

    def value(wv: np.ndarray) -> float:
        d = 1 - np.tanh(x @ wv) ** 2  # ∂/∂x tanh(x·w) = (1 − tanh²) w
        return float(np.mean((((d[:, None] * wv) ** 2).sum(axis=1) - 1.0) ** 2))

    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, _numeric_grad(value, w.data), rtol=1e-7)


def test_each_differentiated_argument_is_a_variable_of_its_own() -> None:
    """grad(f, 0)(x, 2x) is ∂f/∂a at (x, 2x), not the total derivative d/dx f(x, 2x)."""
    def f(a: am.Tensor, b: am.Tensor) -> am.Tensor:
        return am.sum(a * b**2)

    xt = am.Tensor(X1, requires_grad=True)
    np.testing.assert_array_equal(am.grad(f, 0)(xt, 2 * xt).data, (2 * X1) ** 2)
    ga, gb = am.grad(f, (0, 1))(xt, xt)
    np.testing.assert_array_equal(ga.data, X1**2)
    np.testing.assert_array_equal(gb.data, 2 * X1 * X1)
    # nested: d/dx Σ ∂f/∂a(x, x) = d/dx Σ x² = 2x (before: d/dx of the total derivative, 6x)
    np.testing.assert_array_equal(am.grad(lambda x: am.sum(am.grad(f, 0)(x, x)))(X1).data,
                                  2 * X1)


def test_plain_transforms_record_nothing() -> None:
    """A function of its arguments alone, or a call under no_grad: the result is a plain
    Tensor, not connected to any graph (the inner transform's variables never nest)."""
    g = am.grad(lambda x: am.sum(x**3))(X1)
    assert not g.requires_grad
    assert not am.grad(lambda x: am.sum(am.grad(lambda y: am.sum(y**3))(x)))(X1).requires_grad
    w = am.Tensor(W1, requires_grad=True)
    with am.no_grad():
        assert not am.grad(lambda x: am.sum(x * w))(X1).requires_grad
    assert am.grad(lambda x: am.sum(x * w))(X1).requires_grad


def test_results_keep_the_arguments_dtype_and_errors_name_the_transform() -> None:
    x = np.ones(3, dtype=np.float32)
    for rg in (False, True):
        w = am.Tensor(np.full(3, 0.5), requires_grad=rg)  # float64, reached by a closure

        def line(x: am.Tensor, w: am.Tensor = w) -> am.Tensor:
            return x * w

        assert am.grad(lambda x: am.sum(line(x)))(x).dtype == np.float32
        assert am.jacobian(line)(x).dtype == np.float32
        assert am.hessian(lambda x: am.sum(x * line(x)))(x).dtype == np.float32
    for transform in (am.grad, am.hessian, am.value_and_grad):
        with pytest.raises(ValueError, match=rf"^{transform.__name__}: the function must return"):
            transform(lambda x: x * 2)(np.ones(3))


def test_a_transform_in_a_loop_does_not_walk_the_arguments_history() -> None:
    """x = x − η ∇f(x) with f reaching weights that require grad: each ∇f(x) is recorded and
    x·1 connects it to x's history, but the backward asked for x·1 only stops there (it
    went back through every earlier step: quadratic time)."""
    calls = {"vjp": 0}

    def count_vjp(g: Any, s: Any, needs: Any) -> Any:
        calls["vjp"] += 1
        return (g,)

    tick = am.primitive("tick_history", lambda a: (a * 1.0, None), count_vjp)
    try:
        w = am.Tensor(np.array([0.5, -1.0]), requires_grad=True)
        g = am.grad(lambda x: am.sum(am.tanh(x * w)))
        x = am.Tensor(np.array([1.0, 2.0]))
        for _ in range(20):
            x = tick(x)  # an op in x's history, older than every later argument
            x = x - 0.1 * g(x)
        assert x.requires_grad and calls["vjp"] == 0
    finally:
        del am.REGISTRY["tick_history"]


def test_inputs_asked_for_still_refuse_a_freed_graph_between() -> None:
    """Skipping nodes older than the inputs asked for must not skip a freed one in between:
    it is refused as a second backward through the graph, not silently left out."""
    from autograd_mini.backward import backward

    x = am.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    a = x * 1.0
    b = a * 2.0
    backward(am.sum(b), None, False, False, [b])  # frees b's node, not a's (older than b)
    with pytest.raises(RuntimeError, match="second time"):
        backward(am.sum(b * 3.0), None, True, False, [a])


def test_a_function_that_updates_its_argument_in_place_is_refused_not_silently_wrong() -> None:
    """``t *= 2`` inside f: with a Tensor argument that requires grad, the transforms gave the
    derivative with respect to the updated value ([4, 12] for 8x), as if f were (t²).sum()."""
    def f(t: Any) -> am.Tensor:
        t *= 2.0
        return (t**2).sum()

    transforms = {"grad": am.grad(f), "value_and_grad": am.value_and_grad(f),
                  "jacobian": am.jacobian(lambda t: f(t).reshape(1)),
                  "hvp": lambda a: am.hvp(f, a, np.ones(2))}
    for name, tr in transforms.items():
        with pytest.raises(RuntimeError, match=rf"{name}: the function updated its argument in "
                                               "place"):
            tr(am.Tensor([1.0, 3.0], requires_grad=True))
        with pytest.raises(RuntimeError, match="in place"):  # a fresh leaf: refused as ever
            tr(np.array([1.0, 3.0]))

    def g(t: Any) -> am.Tensor:
        t = t * 2.0  # a new tensor: fine
        return (t**2).sum()

    np.testing.assert_allclose(am.grad(g)(am.Tensor([1.0, 3.0], requires_grad=True)).data,
                               [8.0, 24.0])
