"""Each optimiser against a NumPy recurrence written from its docstring equations."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optim
from autograd_mini import Tensor

STEPS = 50
DTYPES = [np.float32, np.float64]
EXAMPLES = settings(deadline=None)

Ref = Callable[[np.ndarray, Callable[[np.ndarray], np.ndarray]], list[np.ndarray]]


def problem(seed: int, shape: tuple[int, ...], dtype: Any) -> tuple[np.ndarray, ...]:
    """Curvatures c > 0, centre a and start θ₀ of L(θ) = ½ Σ c (θ − a)²."""
    rng = np.random.default_rng(seed)
    c = rng.uniform(0.1, 2.0, shape).astype(dtype)
    a = rng.uniform(-2.0, 2.0, shape).astype(dtype)
    theta0 = rng.uniform(-2.0, 2.0, shape).astype(dtype)
    return c, a, theta0


def run_library(
    make: Callable[[list[Tensor]], optim.Optimizer],
    c: np.ndarray,
    a: np.ndarray,
    theta0: np.ndarray,
) -> list[np.ndarray]:
    """θ after each of STEPS steps, the gradient coming from the library's backward."""
    p = Tensor(theta0.copy(), requires_grad=True)
    opt = make([p])
    ct, at = Tensor(c), Tensor(a)
    out = []
    for _ in range(STEPS):
        opt.zero_grad()
        d = p - at
        (0.5 * ct * d * d).sum().backward()
        opt.step()
        assert p.data.dtype == theta0.dtype
        out.append(p.data.copy())
    return out


def run_reference(
    update: Callable[[np.ndarray, np.ndarray, dict[str, Any], int], np.ndarray],
    c: np.ndarray,
    a: np.ndarray,
    theta0: np.ndarray,
) -> list[np.ndarray]:
    """The same trajectory with g = c ⊙ (θ − a) and a hand-written update.

    A diverging run (e.g. centred RMSProp with β = 0 divides by √δ) overflows as the
    library does, so IEEE results are compared and NumPy's warnings are silenced.
    """
    theta = theta0.copy()
    state: dict[str, Any] = {}
    out = []
    with np.errstate(all="ignore"):
        for t in range(1, STEPS + 1):
            g = c * (theta - a)
            theta = update(theta, g, state, t)
            out.append(theta.copy())
    return out


def assert_same(lib: list[np.ndarray], ref: list[np.ndarray], dtype: Any) -> None:
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-12, 1e-14)
    for step, (x, y) in enumerate(zip(lib, ref, strict=True), start=1):
        assert x.dtype == y.dtype == dtype
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=f"step {step}")


shapes = st.sampled_from([(), (1,), (3,), (2, 3), (2, 1, 4)])
seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from(DTYPES)
lrs = st.floats(1e-3, 0.5)
fractions = st.floats(0.0, 0.95)
decays = st.sampled_from([0.0, 0.0, 1e-3, 0.05])


@EXAMPLES
@given(seeds, shapes, dtypes, lrs, fractions, st.floats(0.0, 1.0), st.booleans(), decays)
def test_sgd_matches_equations(
    seed: int, shape: Any, dtype: Any, lr: float, mu: float, tau: float, nest: bool, wd: float
) -> None:
    nesterov = nest and mu > 0
    if nesterov:
        tau = 0.0

    def update(theta: np.ndarray, g: np.ndarray, s: dict[str, Any], t: int) -> np.ndarray:
        if wd:
            g = g + wd * theta
        if mu:
            s["b"] = mu * s.get("b", np.zeros_like(theta)) + (1.0 - tau) * g
            d = g + mu * s["b"] if nesterov else s["b"]
        else:
            d = g
        return theta - lr * d

    c, a, theta0 = problem(seed, shape, dtype)
    lib = run_library(
        lambda ps: optim.SGD(
            ps, lr, momentum=mu, dampening=tau, nesterov=nesterov, weight_decay=wd
        ),
        c,
        a,
        theta0,
    )
    assert_same(lib, run_reference(update, c, a, theta0), dtype)


@EXAMPLES
@given(
    seeds,
    shapes,
    dtypes,
    lrs,
    fractions,
    st.sampled_from([1e-8, 1e-3, 0.5]),
    fractions,
    st.booleans(),
    decays,
)
def test_rmsprop_matches_equations(
    seed: int,
    shape: Any,
    dtype: Any,
    lr: float,
    beta: float,
    eps: float,
    mu: float,
    centered: bool,
    wd: float,
) -> None:
    lr = lr / 10

    def update(theta: np.ndarray, g: np.ndarray, s: dict[str, Any], t: int) -> np.ndarray:
        if wd:
            g = g + wd * theta
        s["v"] = beta * s.get("v", np.zeros_like(theta)) + (1.0 - beta) * (g * g)
        if centered:
            s["gbar"] = beta * s.get("gbar", np.zeros_like(theta)) + (1.0 - beta) * g
            var = np.maximum(s["v"] - s["gbar"] * s["gbar"], 0.0)
        else:
            var = s["v"]
        u = g / np.sqrt(var + eps)
        if mu:
            s["b"] = mu * s.get("b", np.zeros_like(theta)) + u
            u = s["b"]
        return theta - lr * u

    c, a, theta0 = problem(seed, shape, dtype)
    lib = run_library(
        lambda ps: optim.RMSProp(
            ps, lr, beta=beta, eps=eps, momentum=mu, centered=centered, weight_decay=wd
        ),
        c,
        a,
        theta0,
    )
    assert_same(lib, run_reference(update, c, a, theta0), dtype)


def adam_reference(
    lr: float, b1: float, b2: float, eps: float, wd: float, amsgrad: bool, decoupled: bool
) -> Callable[[np.ndarray, np.ndarray, dict[str, Any], int], np.ndarray]:
    def update(theta: np.ndarray, g: np.ndarray, s: dict[str, Any], t: int) -> np.ndarray:
        if wd and decoupled:
            theta = theta * (1.0 - lr * wd)
        elif wd:
            g = g + wd * theta
        s["m"] = b1 * s.get("m", np.zeros_like(theta)) + (1.0 - b1) * g
        s["v"] = b2 * s.get("v", np.zeros_like(theta)) + (1.0 - b2) * g * g
        w = s["v"]
        if amsgrad:
            s["vmax"] = w = np.maximum(s.get("vmax", np.zeros_like(theta)), s["v"])
        m_hat = s["m"] / (1.0 - b1**t)
        root_w_hat = np.sqrt(w) / math.sqrt(1.0 - b2**t)  # √ŵ, in the docstring's order
        return theta - lr * m_hat / (root_w_hat + eps)

    return update


@EXAMPLES
@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
@given(
    seed=seeds,
    shape=shapes,
    dtype=dtypes,
    lr=lrs,
    b1=fractions,
    b2=st.floats(0.0, 0.999),
    eps=st.sampled_from([1e-8, 1e-4]),
    wd=decays,
    amsgrad=st.booleans(),
)
def test_adam_matches_equations(
    cls: type[optim.Adam],
    seed: int,
    shape: Any,
    dtype: Any,
    lr: float,
    b1: float,
    b2: float,
    eps: float,
    wd: float,
    amsgrad: bool,
) -> None:
    lr = lr / 10
    update = adam_reference(lr, b1, b2, eps, wd, amsgrad, decoupled=cls is optim.AdamW)
    c, a, theta0 = problem(seed, shape, dtype)
    lib = run_library(
        lambda ps: cls(ps, lr, betas=(b1, b2), eps=eps, weight_decay=wd, amsgrad=amsgrad),
        c,
        a,
        theta0,
    )
    assert_same(lib, run_reference(update, c, a, theta0), dtype)


@EXAMPLES
@given(
    seeds,
    shapes,
    dtypes,
    lrs,
    st.sampled_from([0.0, 0.1, 1.0]),
    decays,
    st.sampled_from([0.0, 0.1, 1.0]),
    st.sampled_from([1e-10, 1e-3]),
)
def test_adagrad_matches_equations(
    seed: int, shape: Any, dtype: Any, lr: float, kappa: float, wd: float, init: float, eps: float
) -> None:
    def update(theta: np.ndarray, g: np.ndarray, s: dict[str, Any], t: int) -> np.ndarray:
        if wd:
            g = g + wd * theta
        lr_t = lr / (1.0 + (t - 1) * kappa)
        s["G"] = s.get("G", np.full_like(theta, init)) + g * g
        return theta - lr_t * g / (np.sqrt(s["G"]) + eps)

    c, a, theta0 = problem(seed, shape, dtype)
    lib = run_library(
        lambda ps: optim.Adagrad(
            ps, lr, lr_decay=kappa, weight_decay=wd, initial_accumulator_value=init, eps=eps
        ),
        c,
        a,
        theta0,
    )
    assert_same(lib, run_reference(update, c, a, theta0), dtype)


def test_reference_detects_a_wrong_update() -> None:
    """The comparison is sharp: Adam with ε moved inside the root is told apart."""
    c, a, theta0 = problem(0, (4,), np.float64)
    lib = run_library(lambda ps: optim.Adam(ps, 0.01, eps=1e-3), c, a, theta0)

    def wrong(theta: np.ndarray, g: np.ndarray, s: dict[str, Any], t: int) -> np.ndarray:
        s["m"] = 0.9 * s.get("m", np.zeros_like(theta)) + 0.1 * g
        s["v"] = 0.999 * s.get("v", np.zeros_like(theta)) + 0.001 * g * g
        m_hat, v_hat = s["m"] / (1 - 0.9**t), s["v"] / (1 - 0.999**t)
        return theta - 0.01 * m_hat / np.sqrt(v_hat + 1e-3)

    with pytest.raises(AssertionError):
        assert_same(lib, run_reference(wrong, c, a, theta0), np.float64)
