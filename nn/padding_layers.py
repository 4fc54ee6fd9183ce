"""Padding layers with PyTorch's names, arguments and reprs: ``ZeroPad1d``/``2d``,
``ConstantPad1d``/``2d``, ``ReflectionPad1d``/``2d``, ``ReplicationPad1d``/``2d`` and
``CircularPad1d``/``2d``, each ``nn.functional.pad`` in one mode.

``padding`` is an int (every side) or PyTorch's tuple from the last axis backwards:
(left, right) for the 1d layers, (left, right, top, bottom) for the 2d ones. Negative
entries crop, as in PyTorch. The 1d layers pad the last axis of (N, C, W) or unbatched
(C, W) inputs, the 2d ones the last two of (N, C, H, W) or (C, H, W); the constant layers,
as PyTorch's, take any input with at least as many axes as they pad.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import Tensor
from autograd_mini.checks import is_int

from ._util import as_tensor
from .module import Module
from .padding import pad

__all__ = [
    "CircularPad1d", "CircularPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d",
    "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "ZeroPad1d", "ZeroPad2d",
]


class _PadNd(Module):
    """Pads the last ``nd`` axes in ``mode`` (``nn.functional.pad``'s), by ``padding``."""

    nd = 1
    mode = "constant"

    def __init__(self, padding: int | tuple[int, ...], value: float = 0.0) -> None:
        super().__init__()
        where, n = type(self).__name__, 2 * self.nd
        sides = "(left, right)" if self.nd == 1 else "(left, right, top, bottom)"
        items: Any = (padding,) * n if is_int(padding) else padding
        if not isinstance(items, (tuple, list)) or len(items) != n or not all(
                is_int(p) for p in items):
            raise TypeError(f"{where}: padding must be an int or a tuple of {n} ints {sides}, "
                            f"got {padding!r:.60}")
        self.padding: tuple[int, ...] = tuple(int(p) for p in items)
        if isinstance(value, (bool, np.bool_)) or not isinstance(
                value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{where}: value must be a real number, got {value!r:.60}")
        self.value = float(value)  # (±inf too, as PyTorch's: −inf before a max, say)

    def forward(self, x: Any) -> Tensor:
        where = type(self).__name__
        x = as_tensor(x, where)
        nd = self.nd
        if self.mode == "constant":
            if x.ndim < nd:
                raise ValueError(f"{where}: input of shape {x.shape} has fewer than the {nd} "
                                 f"axes padding={self.padding} pads")
        elif x.ndim not in (nd + 1, nd + 2):
            spatial = "W" if nd == 1 else "H, W"
            raise ValueError(f"{where}: expected input (N, C, {spatial}) or unbatched "
                             f"(C, {spatial}), got shape {x.shape}")
        try:
            return pad(x, self.padding, self.mode,
                       self.value if self.mode == "constant" else None)
        except ValueError as exc:  # (a reflect pad not shorter than its axis, say)
            raise ValueError(f"{where}: padding={self.padding} does not fit the input of shape "
                             f"{x.shape}: {exc}") from None

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ConstantPad1d(_PadNd):
    """Pad the last axis with ``value``: out = value outside x (PyTorch's ConstantPad1d)."""

    nd, mode = 1, "constant"

    # (each layer has its own __init__, so a wrong argument's TypeError names it)
    def __init__(self, padding: int | tuple[int, int], value: float) -> None:
        super().__init__(padding, value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(_PadNd):
    """Pad the last two axes with ``value`` (PyTorch's ConstantPad2d)."""

    nd, mode = 2, "constant"

    def __init__(self, padding: int | tuple[int, int, int, int], value: float) -> None:
        super().__init__(padding, value)

    extra_repr = ConstantPad1d.extra_repr


class ZeroPad1d(ConstantPad1d):
    """Pad the last axis with zeros (PyTorch's ZeroPad1d, a ConstantPad1d with value 0)."""

    def __init__(self, padding: int | tuple[int, int]) -> None:
        super().__init__(padding, 0.0)

    extra_repr = _PadNd.extra_repr  # (PyTorch's: the padding alone)


class ZeroPad2d(ConstantPad2d):
    """Pad the last two axes with zeros (PyTorch's ZeroPad2d)."""

    def __init__(self, padding: int | tuple[int, int, int, int]) -> None:
        super().__init__(padding, 0.0)

    extra_repr = _PadNd.extra_repr  # (PyTorch's: the padding alone)


class ReflectionPad1d(_PadNd):
    """Mirror the last axis without repeating its edge: out[−j] = x[j] (each pad shorter than
    the axis), PyTorch's ReflectionPad1d (NumPy's "reflect")."""

    nd, mode = 1, "reflect"

    def __init__(self, padding: int | tuple[int, int]) -> None:
        super().__init__(padding)


class ReflectionPad2d(_PadNd):
    """Mirror the last two axes without repeating their edges (PyTorch's ReflectionPad2d)."""

    nd, mode = 2, "reflect"

    def __init__(self, padding: int | tuple[int, int, int, int]) -> None:
        super().__init__(padding)


class ReplicationPad1d(_PadNd):
    """Repeat the last axis' edge values (PyTorch's ReplicationPad1d, NumPy's "edge")."""

    nd, mode = 1, "replicate"

    def __init__(self, padding: int | tuple[int, int]) -> None:
        super().__init__(padding)


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two axes (PyTorch's ReplicationPad2d)."""

    nd, mode = 2, "replicate"

    def __init__(self, padding: int | tuple[int, int, int, int]) -> None:
        super().__init__(padding)


class CircularPad1d(_PadNd):
    """Wrap the last axis around: out[j] = x[(j − left) mod W] (each pad at most W),
    PyTorch's CircularPad1d (NumPy's "wrap")."""

    nd, mode = 1, "circular"

    def __init__(self, padding: int | tuple[int, int]) -> None:
        super().__init__(padding)


class CircularPad2d(_PadNd):
    """Wrap the last two axes around (PyTorch's CircularPad2d)."""

    nd, mode = 2, "circular"

    def __init__(self, padding: int | tuple[int, int, int, int]) -> None:
        super().__init__(padding)
