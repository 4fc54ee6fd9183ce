"""PyTorch's ``F.pad`` on Tensors: (before, after) pairs from the last axis backwards, in the
modes constant, reflect, replicate and circular (``autograd_mini.pad`` is NumPy's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.checks import is_int

from ._util import as_tensor

__all__ = ["pad"]

_PAD_MODES = ("constant", "reflect", "replicate", "circular")
_NUMPY_PAD_MODES = {"edge": "replicate", "wrap": "circular"}  # a ported NumPy habit, named


def _pad_value(value: Any, mode: str, dtype: np.dtype) -> Any:
    """PyTorch's fill value: a number (None is 0), other than 0 only in constant mode, that
    ``dtype`` holds (floats up to ±inf; ints truncated, finite and in range)."""
    if value is None:
        return 0
    if not isinstance(value, (int, float, bool, np.integer, np.floating, np.bool_)):
        raise TypeError(f"nn.functional.pad: value must be a number or None, got {value!r:.60}")
    if mode != "constant" and value != 0:
        raise ValueError(f"nn.functional.pad: mode {mode!r} takes no value (got {value!r}); "
                         "only 'constant' pads with one")
    v = float(value)
    if dtype.kind == "f":
        fits = not np.isfinite(v) or abs(v) <= float(np.finfo(dtype).max)
    else:
        fits = dtype.kind == "b" or (bool(np.isfinite(v)) and
                                     np.iinfo(dtype).min <= int(v) <= np.iinfo(dtype).max)
    if not fits:
        raise ValueError(f"nn.functional.pad: value {value!r} cannot be converted to the "
                         f"input's dtype {dtype} without overflow")
    return value


def _crop(x: Tensor, width: Sequence[tuple[int, int]]) -> Tensor:
    """x without the elements that negative (before, after) entries remove."""
    if all(b >= 0 and a >= 0 for b, a in width):
        return x
    return x[tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(width, x.shape))]


def pad(input: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None
        ) -> Tensor:
    """PyTorch's ``F.pad``: ``pad = (before_last, after_last, before_2nd_last, …)`` pads the
    last ``len(pad) // 2`` axes, the last first. ``autograd_mini.pad`` is NumPy's (a
    ``pad_width`` per axis, from the first): for x of shape (2, 3, 4), ``pad(x, (1, 1))`` is
    (2, 3, 6) here, (4, 5, 6) there.

    out[j] = x[src(j)] along each axis, so x̄ sums ḡ over each element's copies. Modes:
    "constant" (``value``, default 0), "reflect" (mirror without the edge; each pad < the
    length), "replicate" (the edge), "circular" (wrap; each pad ≤ the length left after
    cropping). Negative entries crop, as PyTorch's: reflect and replicate mirror about the
    uncropped edge, circular wraps the cropped axis. Beyond PyTorch, the last three modes take
    any rank (PyTorch's: 2–5-d, 1–3 axes) and may give an empty result.
    """
    where_ = "nn.functional.pad"
    x = as_tensor(input, where_)
    if not isinstance(pad, (tuple, list)) or not all(is_int(p) for p in pad):
        raise TypeError(f"{where_}: pad must be a tuple or list of ints, PyTorch's (before, "
                        f"after) pairs from the last axis backwards, got {pad!r:.80} (NumPy's "
                        "pad_width is autograd_mini.pad's)")
    if len(pad) % 2:
        raise ValueError(f"{where_}: pad {tuple(pad)} has odd length {len(pad)}; it must be "
                         "(before, after) pairs")
    if len(pad) > 2 * x.ndim:
        raise ValueError(f"{where_}: pad {tuple(pad)} of length {len(pad)} is longer than two "
                         f"times the {x.ndim} dims of the input of shape {x.shape}")
    if not isinstance(mode, str) or mode not in _PAD_MODES:
        hint = (f" (NumPy's {mode!r} is PyTorch's {_NUMPY_PAD_MODES[mode]!r})"
                if isinstance(mode, str) and mode in _NUMPY_PAD_MODES else "")
        raise ValueError(f"{where_}: mode {mode!r:.60} is not one of {_PAD_MODES}{hint}")
    value = _pad_value(value, mode, x.dtype)
    k = len(pad) // 2  # NumPy's order below: one (before, after) per axis, from the first
    width = [(0, 0)] * (x.ndim - k) + [(int(pad[2 * i]), int(pad[2 * i + 1]))
                                       for i in reversed(range(k))]
    for d in range(x.ndim - k, x.ndim):
        (b, a), n = width[d], x.shape[d]
        kept = n + min(b, 0) + min(a, 0)
        at = f"{where_}: axis {d} of length {n} (input of shape {x.shape}), padded by {(b, a)}"
        if n + b + a < 0:
            raise ValueError(f"{at}, would have length {n + b + a}")
        if kept < 0 and mode in ("constant", "circular"):  # these crop first, then pad
            raise ValueError(f"{at}: its negative entries crop more than {n} elements")
        if mode in ("reflect", "replicate") and n == 0:
            raise ValueError(f"{at}: {mode} padding needs a non-empty axis")
        if mode == "reflect" and max(b, a) >= n:
            raise ValueError(f"{at}: reflect padding must be less than the length")
        if mode == "circular" and max(b, a) > kept:  # PyTorch would read unwritten memory
            raise ValueError(f"{at}: circular padding wraps around more than once (it must be "
                             f"at most the {kept} elements left after cropping)")
    grow = tuple((max(b, 0), max(a, 0)) for b, a in width)
    if mode in ("reflect", "replicate") and any(b or a for b, a in grow):
        # PyTorch's index rule: the mirror and the edge are the uncropped axis', so pad first
        return _crop(am.pad(x, grow, "edge" if mode == "replicate" else mode), width)
    y = _crop(x, width)
    if mode != "circular" or not any(b or a for b, a in grow):
        # a copy even where nothing grows, as PyTorch's; 0 is a 0-d input's pad_width
        return am.pad(y, grow or 0, "constant", value)
    for d, (b, a) in enumerate(grow):
        if b or a:  # out[j] = y[(j − b) mod n]: one gather, whose gradient sums the copies
            src = np.arange(-b, y.shape[d] + a) % y.shape[d]
            y = y[(slice(None),) * d + (src,)]
    return y
