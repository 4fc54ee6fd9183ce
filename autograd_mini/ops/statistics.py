"""Order statistics and NaN-skipping reductions, as NumPy's: median, quantile, nanmedian,
nansum and nanmean.

Their gradients follow PyTorch's at the points where the choice matters:

- ``quantile`` gathers the sorted values at their positions in the stable sorting order
  (``argsort(kind="stable")``, then ``take_along_axis``), so at ties the gradient goes to the
  element of that rank, the earlier one first, as torch.quantile's (which sorts too).
- ``median`` and ``nanmedian`` are a primitive whose gradient ḡ is split evenly among the
  elements equal to the middle value, as torch.median(x)'s at ties (and as the library's max;
  torch.median(x, dim) gives it to the one element it picks, another valid subgradient);
  for an even count, where NumPy takes the mean of the two middle values (PyTorch the lower
  one), each gets ½, split among its ties. The middle values are selected (np.partition),
  not sorted, where every slice has the same count.
- ``quantile``'s q may be a tensor that requires grad: q̄ = ḡ (n − 1)(v_⌈h⌉ − v_⌊h⌋) for the
  "linear" method, as torch.quantile's.
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
        nans = np.isnan(rows)
        counted = skipnan and nans.any()
        m = n - nans.sum(-1) if counted else np.full(lead, n)
        lo, hi = np.maximum((m - 1) // 2, 0)[..., None], np.minimum(m // 2, n - 1)[..., None]
        if counted or not lo.size:  # positions that differ by slice (or none): sort, NaN last
            s = np.sort(rows, axis=-1)
        else:  # the same two positions in every slice: select them, O(n) (NaN is put back below)
            s = np.partition(rows, np.unique([lo.flat[0], hi.flat[0]]), axis=-1)
        a, b = np.take_along_axis(s, lo, -1), np.take_along_axis(s, hi, -1)
        value = np.where(lo == hi, a, _midpoint(a, b))[..., 0]
        ea, eb = rows == a, rows == b
        w = (ea / np.maximum(ea.sum(-1, keepdims=True), 1) +
             eb / np.maximum(eb.sum(-1, keepdims=True), 1)) / 2  # (ea = eb for one middle)
        bad = (m == 0) if skipnan else nans.any(-1)
        if bad.any():
            value = np.where(bad, np.nan, value)
            if not skipnan:  # split among the slice's NaN, as ties (PyTorch's)
                w = np.where(bad[..., None], nans / np.maximum(nans.sum(-1, keepdims=True), 1),
                             w)
    w = w.astype(x.dtype, copy=False).reshape(tuple(x.shape[a] for a in perm))
    w = w.transpose(tuple(np.argsort(perm)))
    return np.asarray(value, dtype=x.dtype).reshape(_reduced_shape(x.shape, axis, keepdims)), w


def _midpoint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a + b) / 2 as NumPy's mean of the two (float16 through float32); a/2 + b/2 where the sum
    overflows (two finite values above half the dtype's largest: NumPy's inf, PyTorch finite)."""
    if a.dtype == np.float16:
        return ((a.astype(np.float32) + b) / 2).astype(np.float16)
    with np.errstate(over="ignore", invalid="ignore"):
        mid = (a + b) / 2
        over = np.isinf(mid) & np.isfinite(a) & np.isfinite(b)
        return np.where(over, a / 2 + b / 2, mid) if over.any() else mid


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

    NaN where a slice holds NaN, its gradient split among the NaN (as torch.median(x), which
    splits ties the same way; torch.median(x, dim) gives ḡ to one of them; for an even count
    PyTorch takes the lower middle value). The mean of the two does not overflow (NumPy's
    does above half the dtype's largest)."""
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
    if method == "linear":  # (⌈h⌉: at a whole h both are v_h, and q̄ is 0, as PyTorch's)
        return below, np.minimum(np.ceil(h), n - 1), h - below
    if method == "midpoint":
        return below, np.ceil(h), np.where(h % 1 == 0, 0.0, 0.5)
    at = {"lower": below, "higher": np.ceil(h), "nearest": np.around(h)}[method]
    return at, at, np.zeros_like(h)


def _method(name: str, method: str, interpolation: str | None) -> str:
    """``method``, or ``interpolation`` (torch.quantile's keyword, NumPy's older one) instead."""
    if interpolation is not None:
        if method != "linear":
            raise TypeError(f"{name}: give method= or interpolation= (its older NumPy and its "
                            f"PyTorch name), not both; got {method!r} and {interpolation!r}")
        method = interpolation
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"{name}: method {method!r:.60} is not supported; the supported ones are "
                         f"{', '.join(METHODS)}")
    return method


def _q_values(q: Any, name: str) -> np.ndarray:
    """q's numbers (a Tensor's data), refused unless a real number or a 1-d array of them."""
    try:
        qa = np.asarray(E.raw(q) if isinstance(q, Tensor) else q)
    except ValueError:  # (a ragged list)
        qa = np.asarray(None)
    if qa.dtype.kind not in "iuf" or qa.ndim > 1:
        raise TypeError(f"{name}: q must be a real number or a 1-d array of them, got "
                        f"{q!r:.60}")
    return qa.astype(np.float64)


@numpy_names
def quantile(x: Any, q: Any, axis: Any = None, keepdims: bool = False,
             method: str = "linear", *, interpolation: str | None = None) -> Tensor:
    """The q-th quantile over ``axis``, as np.quantile: v_⌊h⌋ + γ (v_⌈h⌉ − v_⌊h⌋) with v the
    sorted values, h = (n − 1) q, γ = h − ⌊h⌋; x̄ = (1 − γ) ḡ and γ ḡ at those two elements,
    q̄ = ḡ (n − 1)(v_⌈h⌉ − v_⌊h⌋) (0 where h is whole), as torch.quantile.

    Other methods (``interpolation=``, torch.quantile's keyword, is taken for method=): v_⌊h⌋
    ("lower"), v_⌈h⌉ ("higher"), v at h rounded half to even ("nearest"), (v_⌊h⌋ + v_⌈h⌉)/2
    ("midpoint"); these are steps in q, which gets no gradient from them (as PyTorch's). q is
    a number in [0, 1] or a 1-d array or tensor of them, whose axis comes first in the result.
    The elements are ranked by the stable sort, so at ties the gradient goes as
    torch.quantile's; a slice holding NaN gives NaN, its gradient to its last NaN (the last
    rank, as PyTorch; q̄ 0 there)."""
    x = as_tensor(x, where="quantile")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    ax = _checked_axes(axis, x, "quantile")
    keepdims = flag(keepdims, "quantile", "keepdims")
    method = _method("quantile", method, interpolation)
    qa = _q_values(q, "quantile")
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
        t: Any
        high = take_along_axis(rows, np.take_along_axis(order, hi_at, -1), axis=-1)
        d, t = E.sub(high, low), gamma.astype(x.dtype)  # (t: γ, an array or a Tensor)
        if method == "linear" and isinstance(q, Tensor) and q.requires_grad:
            # γ = (n − 1) q − ⌊h⌋ as a function of q (computed in float64, as h)
            tq = E.sub(E.mul(S.reshape(q, (-1,)).astype(np.float64), float(n - 1)), lo)
            t = E.where(nans > 0, t, tq.astype(x.dtype)) if nans.any() else tq.astype(x.dtype)
        # NumPy's lerp: from the nearer end, so γ = 1 gives the upper value exactly
        low = E.where(E.raw(t) >= 0.5, E.sub(high, E.mul(d, 1 - t)), E.add(low, E.mul(d, t)))
    out = low if low.ndim == 1 else S.transpose(low, (low.ndim - 1, *range(low.ndim - 1)))
    shape = _reduced_shape(x.shape, ax, keepdims)
    return S.reshape(out, (*((lo.size,) if qa.ndim else ()), *shape))


@numpy_names
def percentile(x: Any, q: Any, axis: Any = None, keepdims: bool = False,
               method: str = "linear", *, interpolation: str | None = None) -> Tensor:
    """The q-th percentile over ``axis``, as np.percentile: ``quantile(x, q / 100, ...)``, q a
    number in [0, 100] or a 1-d array or tensor of them; the gradients are quantile's (q̄ for
    q in percent: ḡ (n − 1)(v_⌈h⌉ − v_⌊h⌋) / 100)."""
    x = as_tensor(x, where="percentile")
    method = _method("percentile", method, interpolation)
    qa = _q_values(q, "percentile")
    if not np.all((qa >= 0) & (qa <= 100)):
        raise ValueError(f"percentile: q must be in [0, 100], got {q!r:.60}")
    live = isinstance(q, Tensor) and q.requires_grad
    return quantile(x, E.div(q.astype(np.float64), 100.0) if live else qa / 100, axis, keepdims,
                    method)


# --------------------------------------------------------------------------- NaN-skipping sums
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
