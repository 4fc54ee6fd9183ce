"""The lecture notes' claims about gradient descent, momentum and RMSProp, as tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optim
from autograd_mini import Tensor


def grad_of(loss: Any, theta: np.ndarray) -> np.ndarray:
    """∇loss at ``theta`` through the library's backward."""
    p = Tensor(theta.copy(), requires_grad=True)
    loss(p).backward()
    assert p.grad is not None
    return p.grad.data


def quadratic(h: np.ndarray) -> Any:
    ht = Tensor(h)
    return lambda p: 0.5 * (p @ (ht @ p))


def spd(seed: int, eigenvalues: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A symmetric matrix Q Λ Qᵀ with the given eigenvalues and a random rotation Q."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(eigenvalues),) * 2))
    return q @ np.diag(eigenvalues) @ q.T, q


# ----------------------------------------------------------------------------- eq. 2.4 stability
@settings(deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    eigenvalues=st.lists(st.floats(0.5, 4.0), min_size=2, max_size=4),
    ratio=st.one_of(st.floats(0.05, 0.97), st.floats(1.03, 1.9)),
)
def test_gradient_descent_is_stable_iff_lr_below_two_over_lambda1(
    seed: int, eigenvalues: list[float], ratio: float
) -> None:
    """α_U = (I − ηΛ)^U α₀: converges for η < 2/λ₁, blows up along q₁ for η > 2/λ₁."""
    lam = np.array(eigenvalues)
    h, q = spd(seed, lam)
    lam1 = lam.max()
    lr = ratio * 2.0 / lam1
    theta0 = np.random.default_rng(seed + 1).normal(size=len(lam))
    p = Tensor(theta0.copy(), requires_grad=True)
    opt = optim.SGD([p], lr=lr)
    loss = quadratic(h)
    steps = 200
    for _ in range(steps):
        opt.zero_grad()
        loss(p).backward()
        opt.step()
    alpha0 = q.T @ theta0
    expected = q @ ((1.0 - lr * lam) ** steps * alpha0)
    np.testing.assert_allclose(p.data, expected, rtol=1e-6, atol=1e-9)
    rho = np.abs(1.0 - lr * lam).max()
    if ratio < 1.0:
        assert rho < 1.0
        assert np.linalg.norm(p.data) <= rho**steps * np.linalg.norm(theta0) * (1 + 1e-6) + 1e-12
    else:
        top = np.abs(q[:, np.argmax(lam)] @ p.data)
        assert top >= abs(1.0 - lr * lam1) ** steps * abs(alpha0[np.argmax(lam)]) * (1 - 1e-6)
        assert np.linalg.norm(p.data) > 100 * np.linalg.norm(theta0)


@pytest.mark.parametrize(("ratio", "converges"), [(0.9, True), (0.99, True), (1.01, False)])
def test_two_over_lambda1_on_a_fixed_quadratic(ratio: float, converges: bool) -> None:
    h = np.diag([4.0, 1.0])
    p = Tensor(np.array([1.0, 1.0]), requires_grad=True)
    opt = optim.SGD([p], lr=ratio * 2.0 / 4.0)
    for _ in range(2000):
        opt.zero_grad()
        quadratic(h)(p).backward()
        opt.step()
    assert bool(np.linalg.norm(p.data) < 1e-6) == converges


# ----------------------------------------------------------------------------- eq. 2.7, ex. 2.4
@settings(deadline=None)
@given(lr=st.floats(1e-3, 1.0), mu=st.floats(0.0, 0.95), seed=st.integers(0, 2**32 - 1))
def test_momentum_effective_step_tends_to_lr_over_one_minus_mu(
    lr: float, mu: float, seed: int
) -> None:
    """Constant gradient g: Δθ_t = −η g (1 − μᵗ)/(1 − μ) → −η g/(1 − μ) (Exercise 2.4)."""
    g = np.random.default_rng(seed).normal(size=3)
    gt = Tensor(g)
    p = Tensor(np.zeros(3), requires_grad=True)
    opt = optim.SGD([p], lr=lr, momentum=mu)
    for t in range(1, 501):
        before = p.data.copy()
        opt.zero_grad()
        (gt * p).sum().backward()
        opt.step()
        step = p.data - before
        # the step is a difference of growing iterates: allow for their rounding
        atol = 1e-14 * (1.0 + np.abs(p.data).max())
        np.testing.assert_allclose(step, -lr * g * (1.0 - mu**t) / (1.0 - mu), rtol=1e-9, atol=atol)
    np.testing.assert_allclose(step, -lr * g / (1.0 - mu), rtol=1e-8)


@settings(deadline=None)
@given(lr=st.floats(1e-3, 0.3), mu=st.floats(0.0, 0.95), seed=st.integers(0, 2**32 - 1))
def test_sgd_momentum_is_eq_2_7(lr: float, mu: float, seed: int) -> None:
    """Δθ ← −η∇L(θ) + μΔθ; θ ← θ + Δθ (Δθ₀ = 0), with the gradient from backward."""
    h, _ = spd(seed, np.array([2.0, 1.0, 0.5]))
    loss = quadratic(h)
    theta0 = np.random.default_rng(seed + 1).normal(size=3)
    p = Tensor(theta0.copy(), requires_grad=True)
    opt = optim.SGD([p], lr=lr, momentum=mu)
    theta, delta = theta0.copy(), np.zeros(3)
    for _ in range(50):
        delta = -lr * grad_of(loss, theta) + mu * delta
        theta = theta + delta
        opt.zero_grad()
        loss(p).backward()
        opt.step()
        np.testing.assert_allclose(p.data, theta, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- the slides' EMA form
@settings(deadline=None)
@given(beta=st.floats(0.0, 0.99), seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 50))
def test_moving_average_momentum_is_sgd_with_dampening_beta(
    beta: float, seed: int, steps: int
) -> None:
    """v ← βv + (1 − β)∇L, w ← w − v, v₀ = 0, is SGD(lr=1, momentum=β, dampening=β), bit for bit."""
    h, _ = spd(seed, np.array([0.9, 0.3]))
    loss = quadratic(h)
    w0 = np.random.default_rng(seed + 1).normal(size=2)
    p = Tensor(w0.copy(), requires_grad=True)
    opt = optim.SGD([p], lr=1.0, momentum=beta, dampening=beta) if beta else optim.SGD([p], lr=1.0)
    w, v = w0.copy(), np.zeros(2)
    for _ in range(steps):
        v = beta * v + (1.0 - beta) * grad_of(loss, w)
        w = w - v
        opt.zero_grad()
        loss(p).backward()
        opt.step()
        np.testing.assert_array_equal(p.data, w)


def test_moving_average_first_step_is_one_minus_beta_times_the_gradient() -> None:
    p = Tensor(np.array([0.0]), requires_grad=True)
    opt = optim.SGD([p], lr=1.0, momentum=0.9, dampening=0.9)
    (Tensor([2.0]) * p).sum().backward()
    opt.step()
    np.testing.assert_allclose(p.data, [-(1.0 - 0.9) * 2.0], rtol=1e-15)
    np.testing.assert_allclose(opt.state[id(p)]["momentum_buffer"], [0.2], rtol=1e-15)


def test_without_dampening_the_first_buffer_is_the_gradient() -> None:
    """With dampening 0 the zero-initialised buffer gives PyTorch's first step b = g."""
    p = Tensor(np.array([0.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.5, momentum=0.9)
    (Tensor([2.0]) * p).sum().backward()
    opt.step()
    np.testing.assert_array_equal(opt.state[id(p)]["momentum_buffer"], [2.0])
    np.testing.assert_array_equal(p.data, [-1.0])


def test_moving_average_is_also_lr_one_minus_beta_without_dampening() -> None:
    beta = 0.8
    h, _ = spd(3, np.array([1.5, 0.2]))
    loss = quadratic(h)
    a = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    b = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    ema = optim.SGD([a], lr=1.0, momentum=beta, dampening=beta)
    scaled = optim.SGD([b], lr=1.0 - beta, momentum=beta)
    for _ in range(60):
        for p, opt in ((a, ema), (b, scaled)):
            opt.zero_grad()
            loss(p).backward()
            opt.step()
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------------------- eq. 2.8
def test_rmsprop_puts_delta_inside_the_square_root() -> None:
    """One step from v = 0: θ₁ = θ₀ − η g / √((1 − β) g² + δ), δ inside the root."""
    g, lr, beta, delta = 3.0, 0.1, 0.9, 0.5
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.RMSProp([p], lr=lr, beta=beta, eps=delta)
    (Tensor([g]) * p).sum().backward()
    opt.step()
    expected = 1.0 - lr * g / np.sqrt((1.0 - beta) * g * g + delta)
    np.testing.assert_allclose(p.data, [expected], rtol=1e-15)
    outside = 1.0 - lr * g / (np.sqrt((1.0 - beta) * g * g) + delta)
    assert abs(p.data[0] - outside) > 1e-3


def test_rmsprop_shrinks_steps_faster_along_steep_directions() -> None:
    """The notes' intuition: per-coordinate steps are ≈ η · sign(g), whatever the curvature."""
    p = Tensor(np.array([1.0, 1.0]), requires_grad=True)
    opt = optim.RMSProp([p], lr=1e-3, beta=0.9)
    c = Tensor(np.array([100.0, 0.01]))
    before = p.data.copy()
    (0.5 * c * p * p).sum().backward()
    opt.step()
    step = before - p.data
    np.testing.assert_allclose(step, 1e-3 / np.sqrt(0.1), rtol=1e-3)
