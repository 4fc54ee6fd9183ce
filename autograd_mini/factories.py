"""Tensor constructors: zeros, ones, empty, full, the *_like forms, eye, arange, linspace, and
random tensors drawn from a NumPy Generator (the default one, see ``manual_seed``, unless an
``rng=`` is given).

NumPy's names, signatures and dtype rules win where NumPy and PyTorch disagree: ``arange(5)`` is
int64, ``arange(0.0, 1, 0.1)`` and ``linspace`` float64 (PyTorch: float32), ``full((2,), 3)`` is
int64, ``eye(N, M=None, k=0)``, ``randint(low, high=None, size=None)``. Only floating tensors may
be created with ``requires_grad=True``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .checks import as_array, flag, integers, is_int, real_number
from .grad_mode import is_grad_enabled
from .random import check_rng
from .tensor import Tensor

__all__ = ["arange", "empty", "eye", "full", "full_like", "linspace", "multinomial", "normal",
           "ones", "ones_like", "rand", "rand_like", "randint", "randn", "randn_like", "uniform",
           "zeros", "zeros_like"]

Generator = np.random.Generator


# ----------------------------------------------------------------------------- argument checks
def _shape(dims: tuple[Any, ...], name: str, label: str = "shape") -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])`` as a tuple of non-negative ints."""
    if len(dims) == 1 and not is_int(dims[0]):
        out = integers(dims[0], label, name)
    elif all(is_int(n) for n in dims):
        out = tuple(int(n) for n in dims)
    else:
        raise TypeError(f"{name}: {label} entries must be ints, got {dims!r:.80}")
    if any(n < 0 for n in out):
        raise ValueError(f"{name}: {label} entries must be non-negative, got {out}")
    return out


def _size(size: Any, name: str) -> tuple[int, ...] | None:
    """NumPy's ``size=``: None (one sample, or the parameters' broadcast shape) or a shape."""
    return None if size is None else _shape((size,), name, "size")


def _dtype(dtype: Any, name: str, kinds: str = "biuf") -> np.dtype:
    """``dtype`` as a NumPy dtype of one of ``kinds`` (bool, ints, floats by default)."""
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError) as exc:
        raise TypeError(f"{name}: dtype {dtype!r:.60} is not a NumPy dtype ({exc})") from None
    if dt.kind not in kinds:
        need = {"f": "a floating", "biu": "a bool or integer"}.get(kinds, "a bool, integer or "
                                                                    "floating")
        raise TypeError(f"{name}: dtype must be {need} type, got {dt}")
    return dt


def _maybe_dtype(dtype: Any, name: str) -> np.dtype | None:
    return None if dtype is None else _dtype(dtype, name)


def _values(value: Any, name: str, label: str, kinds: str = "iuf", finite: bool = True) -> Any:
    """``value`` (a number, array-like or Tensor) checked to hold (finite) numbers of ``kinds``;
    returned as given (a Tensor as its array) so that NumPy applies its own dtype rules. A
    tensor that requires grad is refused while gradients are recorded: the result is a
    constant, so its gradient would be lost (PyTorch's ``normal`` would carry it)."""
    if isinstance(value, Tensor):
        if value.requires_grad and is_grad_enabled():
            raise TypeError(f"{name}: {label} is a tensor that requires grad, but {name} makes a "
                            f"constant (its gradient would be lost): pass {label}.detach() or "
                            "a number")
        value = value.data
    arr = as_array(value, copy=False, where=f"{name}: {label}")
    if arr.dtype.kind not in kinds:
        what = "integers" if kinds == "iu" else "real numbers"
        raise TypeError(f"{name}: {label} must hold {what}, got dtype {arr.dtype}")
    if finite and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: {label} must be finite, got {value!r:.60}")
    return value


def _scalar(value: Any, name: str, label: str) -> Any:
    """A finite real number (not a bool)."""
    real_number(value, name, label)
    if not is_int(value) and not math.isfinite(value):
        raise ValueError(f"{name}: {label} must be finite, got {value!r}")
    return value


def _dim(value: Any, name: str, label: str) -> int:
    if not is_int(value):
        raise TypeError(f"{name}: {label} must be an int, got {value!r:.60}")
    if value < 0:
        raise ValueError(f"{name}: {label} must be non-negative, got {value}")
    return int(value)


# ----------------------------------------------------------------------------- construction
def _make(name: str, fill: Callable[[], Any], requires_grad: Any) -> Tensor:
    """A tensor owning the array ``fill()`` (not copied again). NumPy's refusals (sizes too
    large, casts that overflow, bad broadcasts) are re-raised naming ``name``."""
    rg = flag(requires_grad, name, "requires_grad")
    try:
        # a fill value or sample that does not fit the dtype would otherwise be a warning and
        # an inf or an arbitrary integer
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            arr = np.asarray(fill())
    except FloatingPointError as exc:
        raise ValueError(f"{name}: values out of range ({exc}): the arguments overflow or "
                         "do not fit the requested dtype") from None
    except (ValueError, OverflowError, MemoryError, ZeroDivisionError) as exc:
        raise ValueError(f"{name}: {exc}") from None
    except TypeError as exc:
        raise TypeError(f"{name}: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: the result has unsupported dtype {arr.dtype}")
    if rg and arr.dtype.kind != "f":
        raise TypeError(f"{name}: requires_grad=True needs a floating dtype, got {arr.dtype} "
                        "(only floating tensors have gradients)")
    t = Tensor(np.empty(0, dtype=arr.dtype))
    t.data = arr
    t.requires_grad = rg
    return t


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """xᵢ = 0: ``zeros(2, 3)`` or ``zeros((2, 3))``; dtype float64 unless given."""
    shp, dt = _shape(shape, "zeros"), _dtype(dtype, "zeros")
    return _make("zeros", lambda: np.zeros(shp, dtype=dt), requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """xᵢ = 1: ``ones(2, 3)`` or ``ones((2, 3))``; dtype float64 unless given."""
    shp, dt = _shape(shape, "ones"), _dtype(dtype, "ones")
    return _make("ones", lambda: np.ones(shp, dtype=dt), requires_grad)


def empty(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """xᵢ arbitrary (uninitialised memory): ``empty(2, 3)``; dtype float64 unless given."""
    shp, dt = _shape(shape, "empty"), _dtype(dtype, "empty")
    return _make("empty", lambda: np.empty(shp, dtype=dt), requires_grad)


def full(shape: Any, fill_value: Any, dtype: Any = None, *,
         requires_grad: bool = False) -> Tensor:
    """xᵢ = fill_value (broadcast to ``shape``). Without ``dtype`` NumPy's rule applies: the fill
    value's dtype, so ``full((2,), 3)`` is int64 and ``full((2,), 3.0)`` float64."""
    shp, dt = _shape((shape,), "full"), _maybe_dtype(dtype, "full")
    value = _values(fill_value, "full", "fill_value", "biuf", finite=False)
    return _make("full", lambda: np.full(shp, value, dtype=dt), requires_grad)


def _like(t: Any, dtype: Any, name: str) -> tuple[tuple[int, ...], np.dtype]:
    arr = t.data if isinstance(t, Tensor) else as_array(t, copy=False, where=f"{name}: t")
    return arr.shape, (arr.dtype if dtype is None else _dtype(dtype, name))


def zeros_like(t: Any, dtype: Any = None, *, requires_grad: bool = False) -> Tensor:
    """xᵢ = 0 with ``t``'s shape and dtype (or ``dtype``); never requires grad unless asked."""
    shp, dt = _like(t, dtype, "zeros_like")
    return _make("zeros_like", lambda: np.zeros(shp, dtype=dt), requires_grad)


def ones_like(t: Any, dtype: Any = None, *, requires_grad: bool = False) -> Tensor:
    """xᵢ = 1 with ``t``'s shape and dtype (or ``dtype``)."""
    shp, dt = _like(t, dtype, "ones_like")
    return _make("ones_like", lambda: np.ones(shp, dtype=dt), requires_grad)


def full_like(t: Any, fill_value: Any, dtype: Any = None, *,
              requires_grad: bool = False) -> Tensor:
    """xᵢ = fill_value with ``t``'s shape and dtype (or ``dtype``): as in NumPy the fill value
    is cast to that dtype (``full_like(int_tensor, 2.5)`` holds 2); values that do not fit the
    dtype (nan for integers, 1e300 for float32) are a ValueError."""
    shp, dt = _like(t, dtype, "full_like")
    value = _values(fill_value, "full_like", "fill_value", "biuf", finite=False)
    return _make("full_like", lambda: np.full(shp, value, dtype=dt), requires_grad)


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None, *,
        requires_grad: bool = False) -> Tensor:
    """xᵢⱼ = [j − i = k]: an N×M (M = N by default) matrix with ones on diagonal ``k``."""
    n = _dim(N, "eye", "N")
    m = n if M is None else _dim(M, "eye", "M")
    if not is_int(k):
        raise TypeError(f"eye: k must be an int, got {k!r:.60}")
    dt = _dtype(dtype, "eye")
    return _make("eye", lambda: np.eye(n, m, int(k), dtype=dt), requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None, *,
           requires_grad: bool = False) -> Tensor:
    """xᵢ = start + i·step for 0 ≤ i < ⌈(stop − start) / step⌉ (``arange(n)``: 0..n−1). Without
    ``dtype`` NumPy's rule applies: int64 for int arguments, float64 when any is a float."""
    _scalar(start, "arange", "start")
    if stop is not None:
        _scalar(stop, "arange", "stop")
    if _scalar(step, "arange", "step") == 0:
        raise ValueError("arange: step must not be zero")
    dt = _maybe_dtype(dtype, "arange")
    return _make("arange", lambda: np.arange(start, stop, step, dtype=dt), requires_grad)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, *,
             requires_grad: bool = False) -> Tensor:
    """xᵢ = start + i·(stop − start)/(num − 1) for i < num (``endpoint=False``: /num, stop left
    out). float64 unless ``dtype``; array ``start``/``stop`` add a leading axis as in NumPy."""
    start = _values(start, "linspace", "start")
    stop = _values(stop, "linspace", "stop")
    n = _dim(num, "linspace", "num")
    endpoint = flag(endpoint, "linspace", "endpoint")
    dt = _maybe_dtype(dtype, "linspace")
    return _make("linspace", lambda: np.linspace(start, stop, n, endpoint=endpoint, dtype=dt),
                 requires_grad)


# ----------------------------------------------------------------------------- random
def _floats(name: str, draw: Callable[[Generator], Any], rng: Generator | None, dtype: Any,
            requires_grad: bool, bounds: tuple[Any, Any] | None = None) -> Tensor:
    """Samples drawn in float64 from ``rng`` (the default generator when None) and rounded to
    ``dtype``, so float32 and float64 tensors from one seed hold the same numbers; a draw of
    U[low, high) (``bounds``) that rounds up to high is moved one step down, to stay in
    (where low < high: with low = high every draw is low, as NumPy's)."""
    dt = _dtype(np.float64 if dtype is None else dtype, name, "f")
    gen = check_rng(rng, name)

    def made() -> np.ndarray:
        x = np.asarray(draw(gen)).astype(dt, copy=False)
        if bounds is not None and dt != np.float64:
            low, high = (np.asarray(b, np.float64) for b in bounds)
            over = (x >= high) & (low < high)  # (compared in float64: x is the draw rounded)
            if np.any(over):
                x = np.where(over, np.nextafter(x, dt.type(-np.inf)), x)
        return x

    return _make(name, made, requires_grad)


def randn(*shape: Any, rng: Generator | None = None, dtype: Any = None,
          requires_grad: bool = False) -> Tensor:
    """xᵢ ~ N(0, 1) independently (``rng.standard_normal(shape)``)."""
    shp = _shape(shape, "randn")
    return _floats("randn", lambda g: g.standard_normal(shp), rng, dtype, requires_grad)


def rand(*shape: Any, rng: Generator | None = None, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """xᵢ ~ U[0, 1) independently (``rng.random(shape)``)."""
    shp = _shape(shape, "rand")
    return _floats("rand", lambda g: g.random(shp), rng, dtype, requires_grad, (0.0, 1.0))


def randn_like(t: Any, dtype: Any = None, *, rng: Generator | None = None,
               requires_grad: bool = False) -> Tensor:
    """xᵢ ~ N(0, 1) with ``t``'s shape and floating dtype (float64 for an integer ``t``), or
    ``dtype``, as ``torch.randn_like`` (the reparameterisation trick's noise)."""
    shp, dt = _like(t, None, "randn_like")
    dtype = dtype if dtype is not None or dt.kind != "f" else dt
    return _floats("randn_like", lambda g: g.standard_normal(shp), rng, dtype, requires_grad)


def rand_like(t: Any, dtype: Any = None, *, rng: Generator | None = None,
              requires_grad: bool = False) -> Tensor:
    """xᵢ ~ U[0, 1) with ``t``'s shape and floating dtype (float64 for an integer ``t``), or
    ``dtype``, as ``torch.rand_like``."""
    shp, dt = _like(t, None, "rand_like")
    dtype = dtype if dtype is not None or dt.kind != "f" else dt
    return _floats("rand_like", lambda g: g.random(shp), rng, dtype, requires_grad, (0.0, 1.0))


def normal(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, *, rng: Generator | None = None,
           dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """xᵢ ~ N(loc, scale²) (``rng.normal(loc, scale, size)``; ``size=None``: the broadcast shape
    of ``loc`` and ``scale``, a 0-d tensor for numbers)."""
    loc = _values(loc, "normal", "loc")
    scale = _values(scale, "normal", "scale")
    if np.any(np.asarray(scale) < 0):
        raise ValueError(f"normal: scale must be >= 0, got {scale!r:.60}")
    shp = _size(size, "normal")
    return _floats("normal", lambda g: g.normal(loc, scale, shp), rng, dtype, requires_grad)


def uniform(low: Any = 0.0, high: Any = 1.0, size: Any = None, *,
            rng: Generator | None = None, dtype: Any = None,
            requires_grad: bool = False) -> Tensor:
    """xᵢ ~ U[low, high) (``rng.uniform(low, high, size)``); low > high is a ValueError (NumPy
    leaves it undefined)."""
    low = _values(low, "uniform", "low")
    high = _values(high, "uniform", "high")
    try:
        reversed_ = bool(np.any(np.asarray(high) < np.asarray(low)))
    except ValueError:  # shapes that do not broadcast: the draw below names them
        reversed_ = False
    if reversed_:
        raise ValueError(f"uniform: need low <= high, got low={low!r:.40}, high={high!r:.40}")
    shp = _size(size, "uniform")
    return _floats("uniform", lambda g: g.uniform(low, high, shp), rng, dtype, requires_grad,
                   (low, high))


def randint(low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
            endpoint: bool = False, *, rng: Generator | None = None,
            requires_grad: bool = False) -> Tensor:
    """xᵢ uniform on the integers of [low, high) (``endpoint``: [low, high]; ``high=None``:
    [0, low)), as ``rng.integers``. Float bounds are a TypeError (NumPy truncates them)."""
    low = _values(low, "randint", "low", "iu")
    high = None if high is None else _values(high, "randint", "high", "iu")
    shp = _size(size, "randint")
    dt = _dtype(dtype, "randint", "biu")
    endpoint = flag(endpoint, "randint", "endpoint")
    gen = check_rng(rng, "randint")
    return _make("randint", lambda: gen.integers(low, high, shp, dtype=dt, endpoint=endpoint),
                 requires_grad)


def multinomial(probs: Any, num_samples: int = 1, replacement: bool = False, *,
                rng: Generator | None = None) -> Tensor:
    """Category indices drawn with P(i) = wᵢ / Σⱼ wⱼ from each row of the weights ``probs``
    (1-d: one distribution, 2-d: one per row; non-negative, finite, not all zero; need not sum
    to 1), as ``torch.multinomial``: int64 of shape (num_samples,) or (rows, num_samples).
    Without ``replacement`` a category is drawn at most once per row (the first draw by wᵢ,
    each next one among those left, by their weights), so a row needs ``num_samples``
    categories of positive weight."""
    if isinstance(probs, Tensor):  # (indices carry no gradient: a softmax's output is fine)
        probs = probs.detach()
    w = np.asarray(_values(probs, "multinomial", "probs"), dtype=np.float64)
    if w.ndim not in (1, 2):
        raise ValueError(f"multinomial: probs must be 1-d or 2-d, got shape {w.shape}")
    n = _dim(num_samples, "multinomial", "num_samples")
    replacement = flag(replacement, "multinomial", "replacement")
    gen = check_rng(rng, "multinomial")
    rows = w.reshape(w.shape[0] if w.ndim == 2 else 1, w.shape[-1])
    if np.any(rows < 0):
        raise ValueError("multinomial: probs must be non-negative")
    positive = np.count_nonzero(rows > 0, axis=1)
    if rows.shape[1] == 0 or np.any(positive == 0):
        raise ValueError("multinomial: every row of probs needs a positive weight")
    if n == 0:
        raise ValueError("multinomial: num_samples must be positive")
    if rows.shape[0] == 0:  # no rows: no draws, as torch.multinomial
        return _make("multinomial", lambda: np.zeros((0, n), dtype=np.int64), False)
    weights = rows
    rows = rows / rows.max(axis=1, keepdims=True)  # (the same odds; sums of 1e308s overflow)
    if not replacement and n > positive.min():
        raise ValueError(f"multinomial: cannot draw {n} samples without replacement from a row "
                         f"with {positive.min()} categories of positive weight")
    r, v = np.arange(rows.shape[0])[:, None], rows.shape[1]
    if replacement:  # invert each row's CDF at n uniform draws, all rows in one search
        cdf = np.cumsum(rows, axis=1)
        cdf = cdf / cdf[:, -1:] + r  # row k's CDF on [k, k + 1]
        out = np.searchsorted(cdf.ravel(), gen.random((rows.shape[0], n)) + r, "right") - r * v
        last = v - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)  # (u + k rounding up to k + 1)
        out = np.minimum(out, last[:, None])
    else:  # the n smallest of Eᵢ / wᵢ, Eᵢ ~ Exp(1): sequential draws without replacement,
        with np.errstate(divide="ignore", invalid="ignore"):  # ranked as logs of the weights
            keys = np.log(gen.standard_exponential(rows.shape)) - np.log(weights)  # as given
        # (Eᵢ / wᵢ overflows for a tiny wᵢ, and wᵢ / max w underflows to 0: either would tie
        # with a weight of 0, which must never be drawn)
        out = np.argsort(keys, axis=1, kind="stable")[:, :n]
    out = out.astype(np.int64).reshape((*w.shape[:-1], n))
    return _make("multinomial", lambda: out, False)
