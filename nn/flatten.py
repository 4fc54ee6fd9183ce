"""The reshaping layers Flatten and Unflatten (PyTorch's), on NumPy's axis names."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_mini import Tensor, reshape
from autograd_mini.checks import numpy_names

from ._util import as_tensor, check_axis
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge axes ``start_axis`` .. ``end_axis`` (inclusive, negatives from the end) into one:
    (2, 3, 4, 5) with the defaults (1, -1) gives (2, 60). PyTorch's Flatten."""

    @numpy_names
    def __init__(self, start_axis: int = 1, end_axis: int = -1) -> None:
        super().__init__()
        self.start_axis = check_axis(start_axis, "Flatten")
        self.end_axis = check_axis(end_axis, "Flatten")

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x, "Flatten")
        n = max(x.ndim, 1)  # a 0-d input flattens to shape (1,), as in PyTorch
        lo, hi = self.start_axis, self.end_axis
        if not (-n <= lo < n and -n <= hi < n):
            raise ValueError(f"Flatten(start_axis={lo}, end_axis={hi}): axes out of range for "
                             f"an input of shape {x.shape}")
        lo, hi = lo % n, hi % n
        if lo > hi:
            raise ValueError(f"Flatten(start_axis={self.start_axis}, end_axis={self.end_axis}): "
                             f"start_axis comes after end_axis for an input of shape {x.shape}")
        if x.ndim == 0:
            return reshape(x, (1,))
        s = x.shape
        return reshape(x, (*s[:lo], math.prod(s[lo:hi + 1]), *s[hi + 1:]))

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"


class Unflatten(Module):
    """Split axis ``axis`` into ``sizes`` (one entry may be -1, inferred): with axis=1 and
    sizes=(3, 4), (2, 12, 5) gives (2, 3, 4, 5). PyTorch's Unflatten."""

    @numpy_names
    def __init__(self, axis: int, sizes: Sequence[int]) -> None:
        super().__init__()
        self.axis = check_axis(axis, "Unflatten")
        if not isinstance(sizes, (tuple, list)) or not sizes:
            raise TypeError(f"Unflatten: sizes must be a non-empty tuple of ints, got "
                            f"{sizes!r:.60}")
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < -1:
                raise ValueError(f"Unflatten: sizes entries must be ints >= 0 or -1, got {sizes}")
        if sum(1 for s in sizes if s == -1) > 1:
            raise ValueError(f"Unflatten: at most one entry of sizes may be -1, got {sizes}")
        self.sizes = tuple(int(s) for s in sizes)

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x, "Unflatten")
        n = x.ndim
        if not -n <= self.axis < n:
            raise ValueError(f"Unflatten(axis={self.axis}): axis out of range for an input of "
                             f"shape {x.shape}")
        ax = self.axis % n
        size, sizes = x.shape[ax], list(self.sizes)
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes:
            if known == 0 or size % known:
                raise ValueError(f"Unflatten(axis={self.axis}, sizes={self.sizes}): cannot "
                                 f"split an axis of size {size} (input shape {x.shape})")
            sizes[sizes.index(-1)] = size // known
        elif known != size:
            raise ValueError(f"Unflatten(axis={self.axis}, sizes={self.sizes}): the sizes "
                             f"multiply to {known}, not the axis' size {size} "
                             f"(input shape {x.shape})")
        return reshape(x, (*x.shape[:ax], *sizes, *x.shape[ax + 1:]))

    def extra_repr(self) -> str:
        return f"axis={self.axis}, sizes={self.sizes}"
