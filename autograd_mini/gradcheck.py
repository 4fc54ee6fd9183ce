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


def _check_call(f: Any, inputs: Any, name: str) -> None:
    """Refuse an ``f`` that is not callable or ``inputs`` that are not a list or tuple."""
    if not callable(f):
        raise TypeError(f"{name}: f must be callable, got {type(f).__name__}")
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"{name}: inputs must be a list or tuple of arrays or Tensors (one per argument of "
            f"f), got {type(inputs).__name__}"
        )


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
) -> list[Any]:
    """Finite-difference gradient of ⟨u, f(inputs)⟩ with respect to each input (float64);
    None for an input held constant, by ``gradcheck``'s rule (an index array, an axis, a
    Python float beside an array).

    ``method="central"``: ⟨u, f(x + εe_i) − f(x − εe_i)⟩ / 2ε, error O(ε²).
    ``method="forward"``: ⟨u, f(x + εe_i) − f(x)⟩ / ε, error O(ε) — the notes' formula.
    ``u`` is ``grad_output`` (default: ones, i.e. the gradient of the sum of the outputs).
    The difference is taken per output element before the contraction with u, as in
    ``torch.autograd.gradcheck``: ⟨u, f(x + εe_i)⟩ − ⟨u, f(x − εe_i)⟩ would cancel at the
    scale of the whole output, so one large element would swamp the others' differences.
    Costs one evaluation of ``f`` at the inputs plus one (forward) or two (central) per input
    element: 2D + 1 evaluations for D elements with central differences.
    """
    if not isinstance(method, str) or method not in ("central", "forward"):
        raise ValueError(f"numerical_grad: method must be 'central' or 'forward', got {method!r}")
    eps = _step(eps, "numerical_grad")
    args = _Args(f, inputs, "numerical_grad")
    f, xs = args.bind(f), args.xs
    base = _eval(f, xs)
    u = np.ones_like(base) if grad_output is None else _f64(grad_output, "numerical_grad")
    if u.shape != base.shape:
        raise ValueError(
            f"numerical_grad: grad_output shape {u.shape} != output shape {base.shape}"
        )
    central = method == "central"
    grads = []
    for x in xs:
        g = np.zeros_like(x)
        flat, gflat = x.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            up = _eval(f, xs)
            flat[i] = old - eps
            down = _eval(f, xs) if central else base
            flat[i] = old
            gflat[i] = np.sum(u * (up - down)) / (2 * eps if central else eps)
        grads.append(g)
    out: list[Any] = [None] * args.n
    for p, g in zip(args.pos, grads):
        out[p] = g
    return out


def _rng(rng: Any, seed: int, name: str) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng(seed)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name}: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


# How an input of gradcheck is treated: differentiated, a constant, or a floating Tensor that
# does not require grad or a Python float (a constant, unless no input is differentiated
# otherwise).
_CHECK, _CONST, _UNMARKED = "check", "const", "unmarked"


def _kind(x: Any, i: int, name: str) -> str:
    if isinstance(x, Tensor):
        if x.data.dtype.kind != "f":
            return _CONST
        return _CHECK if x.requires_grad else _UNMARKED
    if isinstance(x, (float, np.floating)):
        return _UNMARKED  # (a hyper-parameter beside an array is a constant)
    if isinstance(x, (np.ndarray, list, complex, np.complexfloating)):
        try:
            kind = np.asarray(x).dtype.kind
        except (ValueError, TypeError):  # a ragged list: not data, so a constant
            return _CONST
        if kind == "c":
            raise TypeError(f"{name}: input {i} is complex ({np.asarray(x).dtype}); only real "
                            "floating inputs can be checked")
        return _CHECK if kind == "f" else _CONST
    return _CONST  # ints, bools, None, strings, tuples, slices, any other object


def differentiated(inputs: Sequence[Any], name: str) -> list[bool]:
    """Which of ``inputs`` gradcheck differentiates (the rule is in ``gradcheck``'s docstring).

    Raises ``ValueError`` if none is."""
    kinds = [_kind(x, i, name) for i, x in enumerate(inputs)]
    if _CHECK not in kinds:  # nothing marked: every floating Tensor is checked
        kinds = [_CHECK if k == _UNMARKED else k for k in kinds]
    if _CHECK not in kinds:
        got = ", ".join(type(x).__name__ for x in inputs) or "no inputs"
        raise ValueError(
            f"{name}: no input to differentiate (got {got}): floating arrays, Python floats and "
            "floating Tensors are checked; integer and bool data, ints, None, strings and tuples "
            "are passed to f as constants")
    return [k == _CHECK for k in kinds]


class _Args:
    """``f``'s arguments: float64 copies ``xs`` of the inputs to differentiate (at positions
    ``pos``) and the constants, which ``bind`` passes to ``f`` as they are."""

    def __init__(self, f: Any, inputs: Any, name: str) -> None:
        _check_call(f, inputs, name)
        mask = differentiated(inputs, name)
        self.n = len(inputs)
        self.pos = [i for i, m in enumerate(mask) if m]
        self.xs = [_f64(inputs[i], name) for i in self.pos]
        # A floating Tensor held constant is a float64 copy too (the checks run in float64).
        self.fixed: list[Any] = [
            None if m else Tensor(_f64(x, name)) if isinstance(x, Tensor) and
            x.data.dtype.kind == "f" else x for x, m in zip(inputs, mask)]

    def bind(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """``f`` as a function of the differentiated inputs alone."""
        def bound(*ts: Any) -> Any:
            args = list(self.fixed)
            for p, t in zip(self.pos, ts):
                args[p] = t
            return f(*args)
        return bound


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


def _mismatch(a: Any, n: Any, atol: float, rtol: float) -> Any:
    """|a − n| > atol + rtol|n|, or a NaN on either side (as ``torch.autograd.gradcheck``: NaN
    on both sides means f has no derivative there, and would pass a function that is NaN
    everywhere)."""
    return (np.abs(a - n) > atol + rtol * np.abs(n)) | np.isnan(a) | np.isnan(n)


def _rounding_mismatch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Where two computations of the same value differ by more than float64 rounding."""
    scale = max(float(np.max(np.abs(b[np.isfinite(b)]), initial=0.0)), 1.0)
    with np.errstate(invalid="ignore"):
        return np.asarray((np.abs(a - b) > _ROUNDING * scale) | (np.isnan(a) != np.isnan(b)))


_ROUNDING = 1e-8  # relative: the same float64 computation done two ways, not finite differences


def _values(a: float, n: float, atol: float, rtol: float) -> str:
    """The two values of a mismatch and the rule they break."""
    if math.isnan(a) and math.isnan(n):
        return ("analytic nan and numeric nan: f has no derivative there (a point outside its "
                "domain, or f is nan there); check at points inside it")
    return (f"analytic {a!r}, numeric {n!r}, |diff| {abs(a - n):.3e} > atol {atol:g} + rtol "
            f"{rtol:g} * |numeric|")


class _Labels:
    """How the messages of one check name its inputs: first order, or second order (where the
    checked function is the VJP (x, u) ↦ ∇ₓ⟨u, f⟩ and its last input is u)."""

    def __init__(self, args: _Args, second: bool) -> None:
        self.second = second
        self.names = [f"input {p}" for p in args.pos]
        self.targets = list(self.names)
        if second:
            self.names.append(f"input {args.n} (the upstream gradient u, drawn here)")
            self.targets.append("the upstream gradient u")

    def element(self, k: int, idx: Any, shape: tuple[int, ...], a: float, n: float,
                atol: float, rtol: float) -> str:
        values = _values(a, n, atol, rtol)
        if not self.second:
            return f"gradient mismatch for {self.names[k]} (shape {shape}) at element {idx}: " \
                   + values
        return (f"second-order mismatch for {self.names[k]} (shape {shape}) at element {idx}: "
                f"the derivative of the VJP's result ∇ₓ⟨u, f⟩ (recorded with create_graph=True) "
                f"with respect to {self.targets[k]}, contracted with a random vector, disagrees "
                f"with central differences: " + values)

    def direction(self, shapes: str, an: float, num: float, atol: float, rtol: float) -> str:
        values = (_values(an, num, atol, rtol) + "; run with fast=False to find the input and "
                  "element at fault")
        if not self.second:
            return (f"directional derivative mismatch along a random direction through every "
                    f"input (shapes {shapes}): " + values)
        return (f"second-order directional derivative mismatch: the derivative of the VJP's "
                f"result ∇ₓ⟨u, f⟩ (recorded with create_graph=True) along a random direction "
                f"through every input and the upstream gradient u (shapes {shapes}): " + values)

    def shape(self, k: int, got: tuple[int, ...], want: tuple[int, ...]) -> str:
        what = "second-order gradient (of the VJP's result)" if self.second else "gradient"
        return f"{what} for {self.names[k]} has shape {got}, input has shape {want}"


def _compare(f: Callable[..., Any], xs: list[np.ndarray], labels: _Labels, eps: float,
             atol: float, rtol: float, fast: bool, rng: np.random.Generator) -> str | None:
    """The gradcheck of ``f`` (a function of the arrays ``xs`` alone): None if it passes, else
    the message."""
    base = _eval(f, xs)
    u = rng.standard_normal(base.shape) if base.ndim else np.array(rng.standard_normal())
    _, ana = _analytic(f, xs, u)
    ana = [np.asarray(a.data if isinstance(a, Tensor) else a, dtype=np.float64) for a in ana]
    for k, (a, x) in enumerate(zip(ana, xs)):
        if a.shape != x.shape:
            return labels.shape(k, a.shape, x.shape)
    if fast:
        vs = [rng.standard_normal(x.shape) for x in xs]
        plus = [x + eps * v for x, v in zip(xs, vs)]
        minus = [x - eps * v for x, v in zip(xs, vs)]
        num = float(np.sum(u * (_eval(f, plus) - _eval(f, minus)))) / (2 * eps)
        an = float(sum(np.sum(a * v) for a, v in zip(ana, vs)))
        if _mismatch(an, num, atol, rtol):
            return labels.direction(", ".join(str(x.shape) for x in xs), an, num, atol, rtol)
        return None
    nums = numerical_grad(f, xs, eps=eps, method="central", grad_output=u)
    for k, (a, n, x) in enumerate(zip(ana, nums, xs)):
        bad = _mismatch(a, n, atol, rtol)
        if bad.any():
            idx = tuple(int(j) for j in np.argwhere(bad)[0])
            return labels.element(k, idx, x.shape, float(a[idx]), float(n[idx]), atol, rtol)
    return None


def _verdict(msg: str | None, raise_exception: bool) -> bool:
    if msg is None:
        return True
    if raise_exception:
        raise GradcheckError(msg)
    return False


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

    ``f`` is called as ``f(*inputs)``. Which inputs are differentiated:

    - floating arrays and Tensors with ``requires_grad=True`` are checked;
    - integer and bool data (index arrays, masks), Python ints and bools, None, strings, tuples
      and other objects are passed to ``f`` unchanged, as constants;
    - a floating Tensor with ``requires_grad=False`` and a Python float are constants too (so
      an op's VJP is run with a partial ``needs``, and a hyper-parameter stays one), as in
      ``torch.autograd.gradcheck``, which checks only the tensors that require grad. Unlike
      torch, if no input is checked by the rules above, every floating Tensor and Python float
      is: ``gradcheck(f, [Tensor(x), 0.1])`` checks both.

    If no input is left to differentiate, ``ValueError`` is raised.

    Everything runs in float64, which central differences need: float32 inputs (and floating
    constants) are silently upcast to float64 copies, so a VJP that is wrong only in float32 is
    out of reach here (``testing.gradient_property`` also compares the gradient on float32
    draws as drawn). ``f`` gets Tensors built from those copies, never the caller's arrays.

    A random upstream gradient u is drawn, so the check covers the whole Jacobian, not just the
    gradient of the sum. Full mode checks every element of every input: |a − n| ≤ atol + rtol|n|,
    and a NaN on either side is a mismatch, as in torch (where both are NaN, f has no
    derivative there: a point outside its domain). ``fast=True`` checks one random direction v per
    call instead (uᵀ J v against (⟨u, f(x + εv)⟩ − ⟨u, f(x − εv)⟩) / 2ε, the same rule), which
    costs two evaluations in all.
    Raises ``GradcheckError`` naming the input (its position in ``inputs``), the element, both
    values and the tolerances; returns False instead if ``raise_exception`` is False.
    """
    rng = _rng(rng, 0, "gradcheck")
    args = _Args(f, inputs, "gradcheck")
    eps = _step(eps, "gradcheck")
    atol, rtol = _tolerance(atol, "atol", "gradcheck"), _tolerance(rtol, "rtol", "gradcheck")
    msg = _compare(args.bind(f), args.xs, _Labels(args, second=False), eps, atol, rtol, fast,
                   rng)
    return _verdict(msg, raise_exception)


def _first_order_paths(f: Callable[..., Any], first_grads: Callable[..., Tensor], args: _Args,
                       u: np.ndarray, eps: float) -> str | None:
    """The VJP's two paths agree: ∇⟨u, f⟩ recorded with create_graph=True (the VJP on Tensors,
    what the second-order check differentiates) against a plain backward (the VJP on arrays,
    what gradcheck checks), to rounding. And where they are NaN, f is not differentiable:
    central differences of ⟨u, f⟩ are NaN too (else NaN against NaN would pass below)."""
    xs = args.xs
    leaves = [Tensor(x, requires_grad=True) for x in (*xs, u)]
    recorded = np.asarray(first_grads(*leaves).data, dtype=np.float64)
    _, plain = _analytic(f, xs, u)
    plain = [np.asarray(a.data if isinstance(a, Tensor) else a, dtype=np.float64) for a in plain]
    if recorded.size != sum(x.size for x in xs) or any(
            a.shape != x.shape for a, x in zip(plain, xs)):
        return None  # wrong shapes: the second-order check reports them
    start = 0
    for p, x, a in zip(args.pos, xs, plain):
        r = recorded[start:start + x.size].reshape(x.shape)
        start += x.size
        bad = _rounding_mismatch(r, a)
        if bad.any():
            idx = tuple(int(j) for j in np.argwhere(bad)[0])
            return (f"the recorded first derivative for input {p} (shape {x.shape}), ∇⟨u, f⟩ "
                    f"computed with create_graph=True (the VJP run on Tensors), disagrees with "
                    f"the plain first-order gradient (a backward, the VJP run on arrays) at "
                    f"element {idx}: recorded {float(r[idx])!r}, plain {float(a[idx])!r}; the "
                    f"VJP's create_graph (Tensor) path computes something else than its array "
                    f"path")
    for k, (p, x, a) in enumerate(zip(args.pos, xs, plain)):
        for flat in np.flatnonzero(np.isnan(a)):
            at = tuple(int(j) for j in np.unravel_index(int(flat), x.shape))
            num = _numerical_at(f, xs, k, at, u, eps)
            if not math.isnan(num):
                return (f"the first derivative ∇⟨u, f⟩ for input {p} (shape {x.shape}) is nan at "
                        f"element {at}, but central differences of "
                        f"⟨u, f⟩ give {num!r}: the VJP returns NaN where f is differentiable "
                        f"(the second-order comparison would be nan against nan)")
    return None


def _numerical_at(f: Callable[..., Any], xs: Sequence[np.ndarray], k: int,
                  idx: tuple[int, ...], u: np.ndarray, eps: float) -> float:
    """The central difference ⟨u, f(x + εe) − f(x − εe)⟩ / 2ε in element ``idx`` of input ``k``
    alone (differences per output element first, as in ``numerical_grad``)."""
    moved = [np.array(x, dtype=np.float64) for x in xs]
    old = moved[k][idx]
    moved[k][idx] = old + eps
    up = _eval(f, moved)
    moved[k][idx] = old - eps
    return float(np.sum(u * (up - _eval(f, moved)))) / (2 * eps)  # per element first


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
    fails even where f's Hessian alone would pass.

    Inputs are taken as in ``gradcheck`` (constants stay constants, float64 throughout). Before
    the second-order check, the recorded first derivative (the VJP run on Tensors, with
    create_graph=True) is compared with a plain backward (the VJP run on arrays, the path
    ``gradcheck`` checks) to rounding, so a VJP whose Tensor branch alone is wrong fails; and
    a NaN first derivative fails where central differences of ⟨u, f⟩ are finite. First
    derivatives themselves are ``gradcheck``'s job: run both.
    Failure messages say which of these failed; second-order ones name the input (or u)
    with respect to which the VJP's result is differentiated.
    """
    rng = _rng(rng, 1, "gradgradcheck")
    args = _Args(f, inputs, "gradgradcheck")
    eps = _step(eps, "gradgradcheck")
    atol, rtol = _tolerance(atol, "atol", "gradgradcheck"), _tolerance(rtol, "rtol",
                                                                      "gradgradcheck")
    fb = args.bind(f)
    xs = args.xs
    base = _eval(fb, xs)
    u = rng.standard_normal(base.shape) if base.ndim else np.array(rng.standard_normal())

    def first_grads(*ts: Tensor) -> Tensor:
        *xt, ut = ts
        with enable_grad():
            out = fb(*xt)
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

    msg = _first_order_paths(fb, first_grads, args, u, eps)
    if msg is not None:
        return _verdict(f"gradgradcheck: {msg}", raise_exception)
    msg = _compare(wrapped, [*xs, u], _Labels(args, second=True), eps, atol, rtol, fast, rng)
    return _verdict(msg and msg + _RESIDUAL_HINT, raise_exception)


#: The usual cause of a wrong second derivative in a user's op, added to gradgradcheck's report.
_RESIDUAL_HINT = (
    "\n(A common cause in an op of your own: when the backward pass is recorded, the VJP's "
    "residuals other than the op's inputs and its output are constants, so a value computed "
    "in the forward, such as s = σ(x), differentiates to 0 there. Return the inputs or the "
    "output as residuals and compute such values from them in the VJP.)")
