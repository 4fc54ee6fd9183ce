"""Order statistics and NaN-skipping reductions, as NumPy's: median, quantile, nanmedian,
nansum and nanmean.

Their gradients follow PyTorch's at the points where the choice matters:

- ``quantile`` gathers the sorted values at their positions in the stable sorting order
  (``argsort(kind="stable")``, then ``take_along_axis``), so at ties the gradient goes to the
  element of that rank, the earlier one first, as torch.quantile's (which sorts too).
- ``median`` and ``nanmedian`` are a primitive whose gradient ḡ is split evenly among the
  elements equal to the middle value, as torch.median's at ties (and as the library's max);
  for an even count, where NumPy takes the mean of the two middle values (PyTorch the lower
  one), each gets ½, split among its ties.
- NaN: a slice holding one gives NaN (median, quantile), and its gradient goes to its NaN
  elements, as PyTorch's: median splits it among them (as ties), quantile gives it to the last
  one (the last rank); the nan* functions skip NaN, whose gradient is 0, as torch.nanmean.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import axes, flag, numpy_names
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import FUNCTIONS, Tensor
from . import elementwise as E
from . import reduce as R
from . import shape as S
from .movement import take_along_axis

__all__ = ["median", "nanmean", "nanmedian", "nansum", "percentile", "quantile"]

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()

Axes = tuple[int, ...] | None
Grads = tuple[Any, ...]
METHODS = ("linear", "lower", "higher", "nearest", "midpoint")


def _layout(shape: tuple[int, ...], axis: Axes) -> tuple[list[int], tuple[int, ...], int]:
    """The permutation that moves the reduced axes last, the kept axes' sides, and the count
    of reduced elements n (the rows are then of shape (*lead, n))."""
    red = tuple(range(len(shape))) if axis is None else axis
    perm = [a for a in range(len(shape)) if a not in red] + list(red)
    lead = tuple(shape[a] for a in perm[:len(shape) - len(red)])
    return perm, lead, math.prod(shape[a] for a in red)


def _reduced_shape(shape: tuple[int, ...], axis: Axes, keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if axis is None or i in axis else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if axis is not None and i not in axis)


def _checked_axes(axis: Any, x: Tensor, name: str) -> Axes:
    try:
        return axes(axis, x.ndim, name)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} (shape {x.shape})") from None


# --------------------------------------------------------------------------- median
def _median(x: Any, axis: Axes = None, keepdims: bool = False, skipnan: bool = False
            ) -> tuple[Any, Any]:
    """the middle value over axis (the mean of the two middle ones for an even count);  x̄ = ḡ
    split evenly among the elements equal to each middle value (½ each for two)

    In a slice holding NaN: NaN, and ḡ split among its NaN; with skipnan, NaN is skipped (its
    gradient 0; NaN and no gradient for an all-NaN slice)."""
    perm, lead, n = _layout(x.shape, axis)
    rows = x.transpose(perm).reshape((*lead, n))
    if n == 0:  # NumPy's NaN for an empty slice (without its warning)
        value, w = np.full(lead, np.nan, x.dtype), np.zeros(rows.shape, x.dtype)
    else:
        s = np.sort(rows, axis=-1)  # NaN last
        nans = np.isnan(rows)
        m = n - nans.sum(-1) if skipnan else np.full(lead, n)
        lo, hi = np.maximum((m - 1) // 2, 0)[..., None], np.minimum(m // 2, n - 1)[..., None]
        a, b = np.take_along_axis(s, lo, -1), np.take_along_axis(s, hi, -1)
        with np.errstate(over="ignore", invalid="ignore"):  # (∞ as NumPy, without warnings)
            value = np.where(lo == hi, a, (a + b) / 2)[..., 0]
        ea, eb = rows == a, rows == b
        w = (ea / np.maximum(ea.sum(-1, keepdims=True), 1) +
             eb / np.maximum(eb.sum(-1, keepdims=True), 1)) / 2  # (ea = eb for one middle)
        bad = (m == 0) if skipnan else np.isnan(s[..., -1])
        if bad.any():
            value = np.where(bad, np.nan, value)
            if not skipnan:  # split among the slice's NaN, as ties (PyTorch's)
                w = np.where(bad[..., None], nans / np.maximum(nans.sum(-1, keepdims=True), 1),
                             w)
    w = w.astype(x.dtype, copy=False).reshape(tuple(x.shape[a] for a in perm))
    w = w.transpose(tuple(np.argsort(perm)))
    return np.asarray(value, dtype=x.dtype).reshape(_reduced_shape(x.shape, axis, keepdims)), w


def _median_vjp(g: Any, w: Any, needs: Any, axis: Axes = None, keepdims: bool = False,
                skipnan: bool = False) -> Grads:
    return (R.kept(g, w.shape, axis, keepdims) * w,)


_MEDIAN = primitive("median", _median, _median_vjp, floating=True, smooth=False)


def _median_call(name: str, x: Any, axis: Any, keepdims: Any, skipnan: bool) -> Tensor:
    x = as_tensor(x, where=name)
    ax = _checked_axes(axis, x, name)
    keepdims = flag(keepdims, name, "keepdims")
    return _MEDIAN(x, axis=ax, keepdims=keepdims, skipnan=skipnan)


@numpy_names
def median(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The middle value over ``axis`` (None: all), the mean of the two middle ones for an even
    count, as np.median; x̄ = ḡ at the middle element(s), split evenly among ties.

    NaN where a slice holds NaN, its gradient split among the NaN (as torch.median, which
    splits ties the same way; for an even count PyTorch takes the lower middle value)."""
    return _median_call("median", x, axis, keepdims, False)


@numpy_names
def nanmedian(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``median`` of the elements that are not NaN, as np.nanmedian; x̄ = 0 at NaN.

    An all-NaN slice gives NaN, without NumPy's warning, and no gradient."""
    return _median_call("nanmedian", x, axis, keepdims, True)


# --------------------------------------------------------------------------- quantile
def _positions(h: np.ndarray, n: int, method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sorted positions below and above the virtual index h = (n − 1) q, and the weight γ
    of the one above, for each method (NumPy's definitions)."""
    below = np.floor(h)
    if method == "linear":
        return below, np.minimum(below + 1, n - 1), h - below
    if method == "midpoint":
        return below, np.ceil(h), np.where(h % 1 == 0, 0.0, 0.5)
    at = {"lower": below, "higher": np.ceil(h), "nearest": np.around(h)}[method]
    return at, at, np.zeros_like(h)


@numpy_names
def quantile(x: Any, q: Any, axis: Any = None, keepdims: bool = False,
             method: str = "linear") -> Tensor:
    """The q-th quantile over ``axis``, as np.quantile: v_⌊h⌋ + γ (v_⌊h⌋₊₁ − v_⌊h⌋) with v the
    sorted values, h = (n − 1) q, γ = h − ⌊h⌋; x̄ = (1 − γ) ḡ and γ ḡ at those two elements.

    Other methods: v_⌊h⌋ ("lower"), v_⌈h⌉ ("higher"), v at h rounded half to even
    ("nearest"), (v_⌊h⌋ + v_⌈h⌉)/2 ("midpoint"). q is a number in [0, 1] or a 1-d array of
    them (a constant: no gradient), whose axis comes first in the result. The elements are
    ranked by the stable sort, so at ties the gradient goes as torch.quantile's; a slice
    holding NaN gives NaN, its gradient to its last NaN (the last rank, as PyTorch)."""
    x = as_tensor(x, where="quantile")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    ax = _checked_axes(axis, x, "quantile")
    keepdims = flag(keepdims, "quantile", "keepdims")
    if method not in METHODS:
        raise ValueError(f"quantile: method {method!r} is not supported; the supported ones are "
                         f"{', '.join(METHODS)}")
    try:
        qa = np.asarray(E.raw(q) if isinstance(q, Tensor) else q)
    except ValueError:  # (a ragged list)
        qa = np.asarray(None)
    if qa.dtype.kind not in "iuf" or qa.ndim > 1:
        raise TypeError(f"quantile: q must be a real number or a 1-d array of them, got "
                        f"{q!r:.60}")
    qa = qa.astype(np.float64)
    if not np.all((qa >= 0) & (qa <= 1)):
        raise ValueError(f"quantile: q must be in [0, 1], got {q!r:.60}")
    perm, lead, n = _layout(x.shape, ax)
    if n == 0:
        raise ValueError(f"quantile: cannot take a quantile over no elements (shape {x.shape}, "
                         f"axis {axis!r})")
    rows = x if perm == list(range(x.ndim)) else S.transpose(x, perm)
    rows = S.reshape(rows, (*lead, n))
    order = np.argsort(rows.data, axis=-1, kind="stable")  # NaN last
    lo, hi, gamma = _positions((n - 1) * qa.reshape(-1), n, method)
    lo_at = np.broadcast_to(lo.astype(np.intp), (*lead, lo.size))
    hi_at = np.broadcast_to(hi.astype(np.intp), (*lead, hi.size))
    nans = np.isnan(rows.data).sum(-1, keepdims=True)
    if nans.any():  # a slice with NaN: both positions at its last rank (a NaN): NaN
        lo_at = np.where(nans > 0, n - 1, lo_at)
        hi_at = np.where(nans > 0, n - 1, hi_at)
    low = take_along_axis(rows, np.take_along_axis(order, lo_at, -1), axis=-1)
    if method in ("linear", "midpoint"):
        high = take_along_axis(rows, np.take_along_axis(order, hi_at, -1), axis=-1)
        d, t = E.sub(high, low), gamma.astype(x.dtype)
        # NumPy's lerp: from the nearer end, so γ = 1 gives the upper value exactly
        low = E.where(t >= 0.5, E.sub(high, E.mul(d, 1 - t)), E.add(low, E.mul(d, t)))
    out = low if low.ndim == 1 else S.transpose(low, (low.ndim - 1, *range(low.ndim - 1)))
    shape = _reduced_shape(x.shape, ax, keepdims)
    return S.reshape(out, (*((lo.size,) if qa.ndim else ()), *shape))


# --------------------------------------------------------------------------- NaN-skipping sums
@numpy_names
def percentile(x: Any, q: Any, axis: Any = None, keepdims: bool = False,
               method: str = "linear") -> Tensor:
    """The q-th percentile over ``axis``, as np.percentile: ``quantile(x, q / 100, ...)``, q a
    number in [0, 100] or a 1-d array of them; the gradient is quantile's."""
    x = as_tensor(x, where="percentile")
    try:
        qa = np.asarray(E.raw(q) if isinstance(q, Tensor) else q)
    except ValueError:  # (a ragged list)
        qa = np.asarray(None)
    if qa.dtype.kind not in "iuf" or qa.ndim > 1:
        raise TypeError(f"percentile: q must be a real number or a 1-d array of them, got "
                        f"{q!r:.60}")
    if not np.all((qa >= 0) & (qa <= 100)):
        raise ValueError(f"percentile: q must be in [0, 100], got {q!r:.60}")
    return quantile(x, qa / 100, axis, keepdims, method)


def _without_nan(x: Tensor) -> tuple[Tensor, np.ndarray]:
    nan = np.isnan(x.data)
    return (E.where(nan, np.zeros((), x.dtype), x) if nan.any() else x), nan


@numpy_names
def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Σ over ``axis`` of the elements that are not NaN (0 for none), as np.nansum; x̄ = ḡ,
    0 at NaN (as torch.nansum)."""
    x = as_tensor(x, where="nansum")
    ax = _checked_axes(axis, x, "nansum")
    keepdims = flag(keepdims, "nansum", "keepdims")
    if x.dtype.kind != "f":
        return R.sum(x, ax, keepdims)
    return R.sum(_without_nan(x)[0], ax, keepdims)


@numpy_names
def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """(Σ x) / k over the k elements of ``axis`` that are not NaN, as np.nanmean; x̄ = ḡ / k,
    0 at NaN (as torch.nanmean).

    An all-NaN slice gives NaN, without NumPy's warning."""
    x = as_tensor(x, where="nanmean")
    ax = _checked_axes(axis, x, "nanmean")
    keepdims = flag(keepdims, "nanmean", "keepdims")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    clean, nan = _without_nan(x)
    k = np.sum(~nan, axis=ax, keepdims=keepdims)
    scale = np.where(k > 0, 1 / np.maximum(k, 1), np.nan).astype(x.dtype)
    return E.mul(R.sum(clean, ax, keepdims), scale)


FUNCTIONS.update(median=median, nanmedian=nanmedian, quantile=quantile, percentile=percentile,
                 nansum=nansum, nanmean=nanmean)
