"""1-d pooling: MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d and their functional
forms, each the 2-d pooling on the input seen as one row, (N, C, L) → (N, C, 1, L); their
errors state 1-d sizes (the kernel size, the input's length and shape as given: the 2-d forms
are told ``dims=1``)."""

from __future__ import annotations

from typing import Any

from autograd_mini import Tensor

from ._util import as_tensor, check_flag
from .conv import as_tuple
from .module import Module
from .pooling import avg_pool, max_pool
from .pooling_adaptive import adaptive_avg, adaptive_max

__all__ = ["AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AvgPool1d", "MaxPool1d",
           "adaptive_avg_pool1d", "adaptive_max_pool1d", "avg_pool1d", "max_pool1d"]


def _row(x: Any, where: str) -> Tensor:
    """(N, C, L) or (C, L) as (N, C, 1, L) or (C, 1, L)."""
    t = as_tensor(x, where)
    if t.ndim not in (2, 3):
        raise ValueError(f"{where}: input must be 3-d (N, C, L) or 2-d (C, L), got shape "
                         f"{t.shape}")
    return t.reshape((*t.shape[:-1], 1, t.shape[-1]))


def _one(value: Any, name: str, where: str, low: int = 1) -> int:
    return as_tuple(value, 1, name, where, low)[0]


def _unrow(y: Tensor) -> Tensor:
    return y.reshape((*y.shape[:-2], y.shape[-1]))


def max_pool1d(x: Any, kernel_size: int, stride: int | None = None, padding: int = 0,
               dilation: int = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """y[n,c,l] = max_i xpad[n, c, s l + d i] (−∞ padding; the gradient goes to each window's
    first maximum, as in PyTorch); with ``return_indices``, also each maximum's position."""
    where = "max_pool1d"
    k = _one(kernel_size, "kernel_size", where)
    s = k if stride is None else _one(stride, "stride", where)
    out = max_pool(_row(x, where), (1, k), (1, s), (0, _one(padding, "padding", where, 0)),
                   (1, _one(dilation, "dilation", where)), ceil_mode, return_indices, where, 1)
    if isinstance(out, tuple):
        return _unrow(out[0]), _unrow(out[1])
    return _unrow(out)


def avg_pool1d(x: Any, kernel_size: int, stride: int | None = None, padding: int = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """y[n,c,l] = (1 / D) Σ_i xpad[n, c, s l + i], D as in ``avg_pool2d`` (the kernel size, or
    the input cells in the window without ``count_include_pad``)."""
    where = "avg_pool1d"
    k = _one(kernel_size, "kernel_size", where)
    s = k if stride is None else _one(stride, "stride", where)
    return _unrow(avg_pool(_row(x, where), (1, k), (1, s),
                           (0, _one(padding, "padding", where, 0)), ceil_mode,
                           count_include_pad, None, where, 1))


def adaptive_avg_pool1d(x: Any, output_size: int) -> Tensor:
    """y[n,c,i] = mean of x[n, c, ⌊iL/O⌋:⌈(i+1)L/O⌉]."""
    where = "adaptive_avg_pool1d"
    return _unrow(adaptive_avg(_row(x, where), (1, _one(output_size, "output_size", where)),
                               where, dims=1))


def adaptive_max_pool1d(x: Any, output_size: int, return_indices: bool = False) -> Any:
    """y[n,c,i] = max of x[n, c, ⌊iL/O⌋:⌈(i+1)L/O⌉] (gradient to the first maximum); with
    ``return_indices``, also each maximum's position."""
    where = "adaptive_max_pool1d"
    out = adaptive_max(_row(x, where), (1, _one(output_size, "output_size", where)),
                       return_indices, where, dims=1)
    if isinstance(out, tuple):
        return _unrow(out[0]), _unrow(out[1])
    return _unrow(out)


def _windows(module: Module, kernel_size: Any, stride: Any, padding: Any, ceil_mode: Any
             ) -> str:
    """Set and check a 1-d pooling module's ``kernel_size``, ``stride`` (default: the
    kernel's), ``padding`` (at most half the kernel) and ``ceil_mode``; returns its name."""
    where = type(module).__name__
    module.kernel_size = _one(kernel_size, "kernel_size", where)
    module.stride = module.kernel_size if stride is None else _one(stride, "stride", where)
    module.padding = _one(padding, "padding", where, 0)
    module.ceil_mode = check_flag(ceil_mode, "ceil_mode", where)
    if 2 * module.padding > module.kernel_size:
        raise ValueError(f"{where}: padding {module.padding} must be at most half the kernel "
                         f"size {module.kernel_size}")
    return where


class MaxPool1d(Module):
    """y = max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode)."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0,
                 dilation: int = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        where = _windows(self, kernel_size, stride, padding, ceil_mode)
        self.dilation = _one(dilation, "dilation", where)
        self.return_indices = check_flag(return_indices, "return_indices", where)

    def forward(self, x: Any) -> Any:
        return max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                + (f", dilation={self.dilation}" if self.dilation != 1 else "")
                + (", ceil_mode=True" if self.ceil_mode else ""))


class AvgPool1d(Module):
    """y = avg_pool1d(x, kernel_size, stride, padding, ceil_mode, count_include_pad)."""

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        where = _windows(self, kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = check_flag(count_include_pad, "count_include_pad", where)

    def forward(self, x: Any) -> Tensor:
        return avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """y = adaptive_avg_pool1d(x, output_size): means over PyTorch's adaptive windows."""

    def __init__(self, output_size: int) -> None:
        super().__init__()
        self.output_size = _one(output_size, "output_size", type(self).__name__)

    def forward(self, x: Any) -> Tensor:
        return adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Module):
    """y = adaptive_max_pool1d(x, output_size, return_indices): maxima over PyTorch's adaptive
    windows."""

    def __init__(self, output_size: int, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = _one(output_size, "output_size", type(self).__name__)
        self.return_indices = check_flag(return_indices, "return_indices", type(self).__name__)

    def forward(self, x: Any) -> Any:
        return adaptive_max_pool1d(x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
