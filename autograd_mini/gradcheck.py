"""Numerical gradients and gradient checks (first and second order) against central differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import functional as F
from .backward import backward
from .checks import as_array
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "numerical_grad"]


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the numerical one; the message says where."""


def _f64(x: Any, name: str = "gradcheck") -> np.ndarray:
    arr = x.data if isinstance(x, Tensor) else as_array(x, copy=False, where=name)
    return np.array(arr, dtype=np.float64, order="C")  # row-major: reshape(-1) is a view


def _inputs(f: Any, inputs: Any, name: str) -> list[np.ndarray]:
    """Check ``f`` and ``inputs`` (a list or tuple of arrays) and copy the inputs to float64."""
    if not callable(f):
        raise TypeError(f"{name}: f must be callable, got {type(f).__name__}")
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"{name}: inputs must be a list or tuple of arrays or Tensors (one per argument of "
            f"f), got {type(inputs).__name__}"
        )
    return [_f64(x, name) for x in inputs]


def _tolerance(value: Any, what: str, name: str, positive: bool = False) -> float:
    """A finite real ``value`` >= 0 (> 0 when ``positive``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name}: {what} must be a real number, got {value!r:.60}")
    out = float(value)
    if not math.isfinite(out) or out < 0 or (positive and out == 0):
        raise ValueError(f"{name}: {what} must be {'positive' if positive else '>= 0'} and "
                         f"finite, got {value!r}")
    return out


def _step(eps: Any, name: str) -> float:
    """A finite-difference step: positive, finite and below 1 (a larger one measures rounding,
    not the derivative)."""
    out = _tolerance(eps, "eps", name, positive=True)
    if out >= 1:
        raise ValueError(f"{name}: eps must be a small step below 1, got {eps!r}")
    return out


def _eval(f: Callable[..., Any], arrays: Sequence[np.ndarray]) -> np.ndarray:
    with no_grad():
        out = f(*[Tensor(a) for a in arrays])
    if isinstance(out, Tensor):
        return np.asarray(out.data, dtype=np.float64)
    try:
        return np.asarray(as_array(out, copy=False, where="gradcheck"), dtype=np.float64)
    except TypeError:
        raise TypeError(
            f"gradcheck: the function must return a Tensor, got {type(out).__name__}"
        ) from None


def numerical_grad(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    method: str = "central",
    grad_output: Any | None = None,
) -> list[np.ndarray]:
    """Finite-difference gradient of ⟨u, f(inputs)⟩ with respect to each input (float64).

    ``method="central"``: (f(x + εe_i) − f(x − εe_i)) / 2ε, error O(ε²).
    ``method="forward"``: (f(x + εe_i) − f(x)) / ε, error O(ε) — the notes' formula.
    ``u`` is ``grad_output`` (default: ones, i.e. the gradient of the sum of the outputs).
    Costs one evaluation of ``f`` at the inputs plus one (forward) or two (central) per input
    element: 2D + 1 evaluations for D elements with central differences.
    """
    if not isinstance(method, str) or method not in ("central", "forward"):
        raise ValueError(f"numerical_grad: method must be 'central' or 'forward', got {method!r}")
    eps = _step(eps, "numerical_grad")
    xs = _inputs(f, inputs, "numerical_grad")
    base = _eval(f, xs)
    u = np.ones_like(base) if grad_output is None else _f64(grad_output, "numerical_grad")
    if u.shape != base.shape:
        raise ValueError(
            f"numerical_grad: grad_output shape {u.shape} != output shape {base.shape}"
        )
    f0 = float(np.sum(u * base))
    grads = []
    for x in xs:
        g = np.zeros_like(x)
        flat, gflat = x.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            fp = float(np.sum(u * _eval(f, xs)))
            if method == "central":
                flat[i] = old - eps
                fm = float(np.sum(u * _eval(f, xs)))
                gflat[i] = (fp - fm) / (2 * eps)
            else:
                gflat[i] = (fp - f0) / eps
            flat[i] = old
        grads.append(g)
    return grads


def _rng(rng: Any, seed: int, name: str) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng(seed)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name}: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def _analytic(f: Callable[..., Any], xs: Sequence[np.ndarray], u: np.ndarray,
              create_graph: bool = False) -> tuple[list[Tensor], list[Any]]:
    ts = [Tensor(x, requires_grad=True) for x in xs]
    with enable_grad():
        out = f(*ts)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"gradcheck: the function must return a Tensor, got {type(out).__name__}"
            )
        if not out.requires_grad:
            return ts, [np.zeros_like(x) for x in xs]
        gs = backward(out, u, retain_graph=True, create_graph=create_graph, inputs=ts)
    assert gs is not None
    return ts, [np.zeros_like(x) if g is None else g for g, x in zip(gs, xs)]


def _report(i: int, idx: Any, shape: tuple[int, ...], a: float, n: float, atol: float,
            rtol: float, what: str) -> str:
    return (
        f"{what} mismatch for input {i} (shape {shape}) at element {idx}: "
        f"analytic {a!r}, numeric {n!r}, |diff| {abs(a - n):.3e} > atol {atol:g} + rtol {rtol:g}"
        f" * |numeric|"
    )


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    fast: bool = False,
    rng: np.random.Generator | None = None,
    raise_exception: bool = True,
) -> bool:
    """Compare ``f``'s reverse-mode gradients with central differences, in float64.

    A random upstream gradient u is drawn, so the check covers the whole Jacobian, not just the
    gradient of the sum. Full mode checks every element of every input: |a − n| ≤ atol + rtol|n|.
    ``fast=True`` checks one random direction v per call instead (uᵀ J v against
    (⟨u, f(x + εv)⟩ − ⟨u, f(x − εv)⟩) / 2ε), which costs two evaluations in all.
    Raises ``GradcheckError`` naming the input, the element, both values and the tolerances.
    """
    rng = _rng(rng, 0, "gradcheck")
    xs = _inputs(f, inputs, "gradcheck")
    eps = _step(eps, "gradcheck")
    atol, rtol = _tolerance(atol, "atol", "gradcheck"), _tolerance(rtol, "rtol", "gradcheck")
    base = _eval(f, xs)
    u = rng.standard_normal(base.shape) if base.ndim else np.array(rng.standard_normal())
    _, ana = _analytic(f, xs, u)
    ana = [np.asarray(a.data if isinstance(a, Tensor) else a, dtype=np.float64) for a in ana]
    for i, (a, x) in enumerate(zip(ana, xs)):
        if a.shape != x.shape:
            msg = f"gradient for input {i} has shape {a.shape}, input has shape {x.shape}"
            if raise_exception:
                raise GradcheckError(msg)
            return False
    if fast:
        vs = [rng.standard_normal(x.shape) for x in xs]
        plus = [x + eps * v for x, v in zip(xs, vs)]
        minus = [x - eps * v for x, v in zip(xs, vs)]
        num = float(np.sum(u * (_eval(f, plus) - _eval(f, minus)))) / (2 * eps)
        an = float(sum(np.sum(a * v) for a, v in zip(ana, vs)))
        if abs(an - num) > atol + rtol * abs(num):
            if raise_exception:
                shapes = ", ".join(str(x.shape) for x in xs)
                raise GradcheckError(
                    f"directional derivative mismatch along a random direction through every "
                    f"input (shapes {shapes}): analytic {an!r}, numeric {num!r}, |diff| "
                    f"{abs(an - num):.3e} > atol {atol:g} + rtol {rtol:g} * |numeric|; run with "
                    "fast=False to find the input and element at fault")
            return False
        return True
    nums = numerical_grad(f, xs, eps=eps, method="central", grad_output=u)
    for i, (a, n, x) in enumerate(zip(ana, nums, xs)):
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        bad |= np.isnan(a) != np.isnan(n)
        if bad.any():
            idx = tuple(int(j) for j in np.argwhere(bad)[0])
            if raise_exception:
                raise GradcheckError(
                    _report(i, idx, x.shape, float(a[idx]), float(n[idx]), atol, rtol, "gradient")
                )
            return False
    return True


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    fast: bool = False,
    rng: np.random.Generator | None = None,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck of (x, u) ↦ ∇_x⟨u, f(x)⟩ computed with
    create_graph=True. As in PyTorch, the upstream gradient u is an input too, so a VJP that
    is not differentiable in its upstream gradient (say one that calls ``np.asarray(g)``)
    fails even where f's Hessian alone would pass."""
    rng = _rng(rng, 1, "gradgradcheck")
    xs = _inputs(f, inputs, "gradgradcheck")
    eps = _step(eps, "gradgradcheck")
    atol, rtol = _tolerance(atol, "atol", "gradgradcheck"), _tolerance(rtol, "rtol",
                                                                      "gradgradcheck")
    base = _eval(f, xs)
    u = rng.standard_normal(base.shape) if base.ndim else np.array(rng.standard_normal())

    def first_grads(*ts: Tensor) -> Tensor:
        *xt, ut = ts
        with enable_grad():
            out = f(*xt)
            if not isinstance(out, Tensor):
                raise TypeError(
                    f"gradgradcheck: the function must return a Tensor, got {type(out).__name__}"
                )
            if not out.requires_grad:
                return F.concatenate([F.reshape(F.mul(t, 0.0), (-1,)) for t in xt])
            gs = backward(out, ut, retain_graph=True, create_graph=True, inputs=list(xt))
        assert gs is not None
        parts = [F.reshape(g if g is not None else F.mul(t, 0.0), (-1,)) for g, t in zip(gs, xt)]
        return F.concatenate(parts)

    def wrapped(*ts: Tensor) -> Tensor:
        if any(t.requires_grad for t in ts):
            return first_grads(*ts)
        leaves = [Tensor(t.data, requires_grad=True) for t in ts]
        return first_grads(*leaves).detach()

    try:
        return gradcheck(wrapped, [*xs, Tensor(u.astype(base.dtype))], eps=eps, atol=atol,
                         rtol=rtol, fast=fast, rng=rng, raise_exception=raise_exception)
    except GradcheckError as exc:  # the last input is u, which the caller never passed
        n = len(xs)
        raise GradcheckError(str(exc).replace(
            f"input {n} ", f"input {n} (the upstream gradient u, drawn here) ", 1)) from None
