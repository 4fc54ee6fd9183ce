"""Instance normalisation: ``instance_norm`` (PyTorch's ``F.instance_norm``) and the layers
``InstanceNorm1d``, ``InstanceNorm2d`` and ``InstanceNorm3d``.

Each (sample, channel) slice is standardised over its own spatial positions with
``normalization.standardize``; the optional running statistics move by the batch average of
the per-instance ones, as PyTorch's, and replace them in eval.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from autograd_mini import Tensor

from ._util import as_tensor, check_flag, check_real
from .normalization import NormBase, standardize

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "instance_norm"]


def _buffer(value: Any, name: str, c: int, where: str) -> np.ndarray | None:
    """A running statistic as the float array to read and update in place (a Tensor's own)."""
    if value is None:
        return None
    arr = value.data if isinstance(value, Tensor) else value
    if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f" or arr.shape != (c,):
        article = "an" if isinstance(arr, np.ndarray) and arr.dtype.name[0] in "io" else "a"
        got = (f"{article} {arr.dtype} array of shape {arr.shape}" if isinstance(arr, np.ndarray)
               else type(arr).__name__)
        raise ValueError(f"{where}: {name} must be a floating array (or Tensor) of shape "
                         f"({c},), one per channel, got {got}")
    return arr


def instance_norm(input: Any, running_mean: Any = None, running_var: Any = None,
                  weight: Any = None, bias: Any = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = (x − μ) / √(σ² + ε) · γ + β for an (N, C, *spatial) input, μ and the biased σ² over
    the spatial axes of each (sample, channel), as PyTorch's ``F.instance_norm``.

    With ``use_input_stats`` and running statistics given (float arrays of shape (C,), or
    Tensors whose arrays are updated), they move in place as r ← (1 − m) r + m s̄, s̄ the batch
    average of the per-instance means and *unbiased* variances (m = ``momentum``). Without
    ``use_input_stats`` the running statistics replace the per-instance ones. γ (``weight``) and
    β (``bias``) have shape (C,). An input without values gives an empty output and leaves the
    running statistics as they are.
    """
    where = "instance_norm"
    x = as_tensor(input, where)
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: input must be floating point, got dtype {x.dtype}")
    if x.ndim < 3:
        raise ValueError(f"{where}: expected input (N, C, *spatial) with at least 3 axes, got "
                         f"shape {x.shape}")
    use_input_stats = check_flag(use_input_stats, "use_input_stats", where)
    m = check_real(momentum, "momentum", where, 0.0, 1.0)
    eps = check_real(eps, "eps", where, 0.0, open_low=True)
    c = x.shape[1]
    rm = _buffer(running_mean, "running_mean", c, where)
    rv = _buffer(running_var, "running_var", c, where)
    if (rm is None) != (rv is None):
        raise ValueError(f"{where}: give both running_mean and running_var, or neither")
    axes = tuple(range(2, x.ndim))
    shape = (c,) + (1,) * (x.ndim - 2)
    n = x.size // (x.shape[0] * c) if x.size else 0
    if not use_input_stats:
        if rm is None or rv is None:
            raise ValueError(f"{where}: use_input_stats=False needs running_mean and "
                             "running_var")
        inv = (1.0 / np.sqrt(rv + eps)).astype(x.dtype).reshape(shape)
        y = (x - rm.astype(x.dtype).reshape(shape)) * inv
    elif x.size == 0:  # no values: an empty output, still from γ and β (zero gradients)
        y = x * 1.0
    else:
        if n == 1:  # (the unbiased variance n/(n − 1) σ² needs n ≥ 2; PyTorch refuses too)
            raise ValueError(f"{where}: expected more than 1 spatial element per instance "
                             f"when using the input's statistics, got input shape {x.shape}")
        y, mean, var = standardize(x, axes, eps)
        if rm is not None and rv is not None:
            # r ← (1 − m) r + m s̄, in place so the buffers keep their identity and dtype
            rm *= 1.0 - m
            rm += m * mean.data.mean(axis=0).reshape(-1)
            rv *= 1.0 - m
            rv += (m * n / (n - 1)) * var.data.mean(axis=0).reshape(-1)
    for name, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        t = as_tensor(p, f"{where}: {name}")
        if t.shape != (c,):
            raise ValueError(f"{where}: {name} must have shape ({c},), one per channel of "
                             f"input shape {x.shape}, got {t.shape}")
        y = y * t.reshape(shape) if name == "weight" else y + t.reshape(shape)
    return y


class _InstanceNorm(NormBase):
    """Instance normalisation of (N, C, *spatial) or unbatched (C, *spatial) inputs; the
    parameters and buffers are ``NormBase``'s (``num_batches_tracked`` kept for PyTorch's
    state_dict keys: instance norm never counts)."""

    #: the number of axes of an unbatched input, and how errors name the accepted shapes
    unbatched = 0
    inputs = ""

    def forward(self, input: Any) -> Tensor:
        name = type(self).__name__
        x = as_tensor(input, name)
        k = self.unbatched
        if x.ndim not in (k, k + 1):
            raise ValueError(f"{name}({self.num_features}): expected input "
                             f"{self.inputs.format(c=self.num_features)}, got shape {x.shape}")
        channels = x.shape[x.ndim - k]
        if channels != self.num_features:
            msg = (f"{name}({self.num_features}): input of shape {x.shape} has {channels} "
                   f"channels at axis {x.ndim - k}")
            if self.affine or self.track_running_stats:
                raise ValueError(msg + f", expected {self.num_features}")
            # PyTorch's rule: without parameters or buffers num_features is not used
            warnings.warn(msg + ", not num_features; it is unused as affine=False",
                          UserWarning, stacklevel=2)
        batched = x if x.ndim == k + 1 else x.reshape((1, *x.shape))
        # momentum None leaves the running statistics as they are (PyTorch passes 0)
        y = instance_norm(batched, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training or not self.track_running_stats,
                          0.0 if self.momentum is None else self.momentum, self.eps)
        return y if x.ndim == k + 1 else y.reshape(x.shape)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or unbatched (C, L) inputs, as PyTorch's:
    y = (x − μ) / √(σ² + ε) · γ + β, μ and the biased σ² over L for each sample and channel.

    ``affine=True``: γ (``weight``) = 1 and β (``bias``) = 0 of shape (C,) (no β with
    ``bias=False``). ``track_running_stats=True``: in training the buffers ``running_mean`` (0)
    and ``running_var`` (1) move as r ← (1 − m) r + m s̄, s̄ the batch average of the
    per-instance means and unbiased variances (m = ``momentum``; None leaves them as they
    are, as PyTorch), and in eval they replace the per-instance statistics;
    ``num_batches_tracked`` is kept (0) for PyTorch's state_dict keys. A channel count other
    than ``num_features`` only warns when there is nothing per channel (PyTorch's rule).
    ``reset_parameters()`` (γ 1, β 0 and the running statistics reset) and
    ``reset_running_stats()`` as PyTorch's.
    """

    unbatched, inputs = 2, "(N, {c}, L) or ({c}, L)"

    # (its own __init__, so a wrong argument's TypeError names the layer)
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False,
                 dtype: Any = np.float64, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype,
                         bias=bias)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or unbatched (C, H, W) images over H and W for
    each sample and channel, as PyTorch's; parameters and buffers are InstanceNorm1d's."""

    unbatched, inputs = 3, "(N, {c}, H, W) or ({c}, H, W)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False,
                 dtype: Any = np.float64, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype,
                         bias=bias)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or unbatched (C, D, H, W) volumes over D, H
    and W for each sample and channel, as PyTorch's; parameters and buffers are
    InstanceNorm1d's."""

    unbatched, inputs = 4, "(N, {c}, D, H, W) or ({c}, D, H, W)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False,
                 dtype: Any = np.float64, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype,
                         bias=bias)
