"""Normalisation layers: LayerNorm, GroupNorm, BatchNorm1d, BatchNorm2d and BatchNorm3d
(PyTorch semantics), and ``NormBase``, what batch and instance norms share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_mini import Tensor

from ._util import as_tensor, check_flag, check_real, check_size, float_dtype, positive_int
from .init import ones_, zeros_
from .members import empty_parameters
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "LayerNorm", "NormBase",
           "apply_affine", "register_running_stats", "reset_affine", "reset_running_stats",
           "standardize"]


def standardize(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(x̂, μ, σ²) with μ, σ² the mean and biased variance over ``axes`` and
    x̂ = (x − μ) / √(σ² + ε). float16 is standardised in float32, as PyTorch does (its squares
    overflow from a spread of 256): x̂ is float16, μ and σ² stay float32, for the running
    statistics (PyTorch updates them in float32 too; σ² need not fit float16)."""
    if x.dtype == np.float16:
        y, mean, var = standardize(x.astype(np.float32), axes, eps)
        return y.astype(np.float16), mean, var
    mean = x.mean(axis=axes, keepdims=True)
    d = x - mean
    var = (d * d).mean(axis=axes, keepdims=True)
    return d * (var + eps) ** -0.5, mean, var


def apply_affine(y: Tensor, weight: Tensor | None, bias: Tensor | None,
                 shape: tuple[int, ...] | None = None) -> Tensor:
    """y · γ + β, each of γ (``weight``) and β (``bias``) applied when it is not None, as
    PyTorch's norms apply them; both reshaped to ``shape`` (None: as they are)."""
    if weight is not None:
        y = y * (weight if shape is None else weight.reshape(shape))
    if bias is not None:
        y = y + (bias if shape is None else bias.reshape(shape))
    return y


def reset_affine(m: Module) -> None:
    """γ (``m.weight``) ← 1 and β (``m.bias``) ← 0 in place, each when present."""
    if m.weight is not None:
        ones_(m.weight)
    if m.bias is not None:
        zeros_(m.bias)


def register_running_stats(m: Module, c: int, dtype: np.dtype) -> None:
    """The buffers ``running_mean`` (0), ``running_var`` (1) and ``num_batches_tracked`` (0) of
    a batch or instance norm over ``c`` channels, as PyTorch names them; None each unless
    ``m.track_running_stats``."""
    track = m.track_running_stats
    m.register_buffer("running_mean", np.empty(c, dtype=dtype) if track else None)
    m.register_buffer("running_var", np.empty(c, dtype=dtype) if track else None)
    m.register_buffer("num_batches_tracked", np.empty((), dtype=np.int64) if track else None)
    reset_running_stats(m)


def reset_running_stats(m: Module) -> None:
    """Set ``m``'s running statistics back to mean 0, variance 1 and no batches seen."""
    for name, value in (("running_mean", 0.0), ("running_var", 1.0),
                        ("num_batches_tracked", 0)):
        buffer = getattr(m, name)
        if isinstance(buffer, (np.ndarray, Tensor)):
            buffer[...] = value
        elif buffer is not None:  # a number assigned to it (a count)
            setattr(m, name, value)


class LayerNorm(Module):
    """y = (x − μ) / √(σ² + ε) · γ + β, with μ and σ² (biased) over the last
    ``len(normalized_shape)`` axes of each sample; γ = 1 and β = 0 at start (no β with
    ``bias=False``, neither with ``elementwise_affine=False``), as PyTorch's."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 dtype: Any = np.float64) -> None:
        super().__init__()
        shape = normalized_shape
        if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
            shape = (shape,)
        if not isinstance(shape, (tuple, list)):
            raise TypeError(f"LayerNorm: normalized_shape must be an int or a tuple of ints, got "
                            f"{normalized_shape!r:.60}")
        self.normalized_shape = tuple(positive_int(n, "normalized_shape", "LayerNorm")
                                      for n in shape)
        if not self.normalized_shape:
            raise ValueError("LayerNorm: normalized_shape must not be empty")
        self.eps = check_real(eps, "eps", "LayerNorm", 0.0, open_low=True)
        elementwise_affine = check_flag(elementwise_affine, "elementwise_affine", "LayerNorm")
        bias = check_flag(bias, "bias", "LayerNorm")
        dt = float_dtype(dtype, "LayerNorm")
        check_size(self.normalized_shape, dt, "LayerNorm")
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if elementwise_affine:
            self.weight = Parameter(np.empty(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.empty(self.normalized_shape, dtype=dt))
        empty_parameters(self, "weight", "bias")  # (slots, as PyTorch registers them)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """γ ← 1 and β ← 0 in place (the same Parameters), as at construction and PyTorch's."""
        reset_affine(self)

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x, "LayerNorm")
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k:] != self.normalized_shape or x.ndim < k:
            raise ValueError(
                f"LayerNorm: input of shape {x.shape} does not end in {self.normalized_shape}"
            )
        y, _, _ = standardize(x, tuple(range(x.ndim - k, x.ndim)), self.eps)
        return apply_affine(y, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.weight is not None}"
                + ("" if self.bias is not None or self.weight is None else ", bias=False"))


class NormBase(Module):
    """What batch and instance norms share, as PyTorch's ``_NormBase``: the arguments, γ
    (``weight``, 1) and β (``bias``, 0) of shape (C,) with ``affine``, the running statistics
    with ``track_running_stats`` (see ``register_running_stats``), their resets, and the
    loading of state dicts older than ``num_batches_tracked``."""

    running_mean: np.ndarray | None  # (buffers: see register_running_stats)
    running_var: np.ndarray | None
    num_batches_tracked: np.ndarray | None

    def __init__(self, num_features: int, eps: float, momentum: float | None, affine: bool,
                 track_running_stats: bool, dtype: Any, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = positive_int(num_features, "num_features", name)
        self.eps = check_real(eps, "eps", name, 0.0, open_low=True)
        self.momentum = None if momentum is None else check_real(
            momentum, "momentum", name, 0.0, 1.0)
        self.affine = check_flag(affine, "affine", name)
        bias = check_flag(bias, "bias", name)
        self.track_running_stats = check_flag(track_running_stats, "track_running_stats",
                                              name)
        dt = float_dtype(dtype, name)
        c = self.num_features
        check_size((c,), dt, name)
        self.weight: Parameter | None = Parameter(np.empty(c, dtype=dt)) if affine else None
        self.bias: Parameter | None = (Parameter(np.empty(c, dtype=dt)) if affine and bias
                                       else None)
        empty_parameters(self, "weight", "bias")  # (slots, as PyTorch registers them)
        register_running_stats(self, c, dt)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        reset_running_stats(self)

    def reset_parameters(self) -> None:
        """γ ← 1 and β ← 0, then ``reset_running_stats()``, in place (the same Parameters and
        buffers), as at construction and PyTorch's (γ first: one a live graph holds refuses
        before anything changed)."""
        reset_affine(self)
        self.reset_running_stats()

    def _missing_state(self, name: str, version: int | None) -> Any:
        """PyTorch's rule for a state dict without ``num_batches_tracked`` (written before
        PyTorch 0.4.1, or a plain dict, which has no version: ``version`` None or below 2) while
        ``track_running_stats``: the count stays as it is (0 unless it counted batches); other
        missing keys stay missing (see ``nn.state_dict.load_state_dict``)."""
        if name == "num_batches_tracked" and self.track_running_stats and (
                version is None or version < 2):
            return self.num_batches_tracked
        return None


class _BatchNorm(NormBase):
    """Batch normalisation over every axis but the channels' (axis 1): BatchNorm1d, 2d, 3d."""

    #: the input ranks accepted, and how the error message names them ({c}: num_features)
    ranks: tuple[int, ...] = ()
    inputs = ""

    def forward(self, x: Any) -> Tensor:
        name = type(self).__name__
        x = as_tensor(x, name)
        if x.ndim not in self.ranks or x.shape[1] != self.num_features:
            raise ValueError(f"{name}({self.num_features}): expected input "
                             f"{self.inputs.format(c=self.num_features)}, got shape {x.shape}")
        axes = (0, *range(2, x.ndim))
        shape = (1, self.num_features) + (1,) * (x.ndim - 2)
        rm, rv = self.running_mean, self.running_var
        if self.training or rm is None or rv is None:
            n = x.size // self.num_features
            if self.training and n == 1:  # (the unbiased variance n/(n − 1) σ² needs n ≥ 2)
                raise ValueError(f"{name}: need more than 1 value per channel in training, got "
                                 f"input shape {x.shape}")
            if n == 0:
                # nothing to normalise: an empty output, as PyTorch's, still computed from γ
                # and β below, so their gradients are zeros (sums over no values), not None
                y, stats = x * 1.0, None
            else:
                y, mean, var = standardize(x, axes, self.eps)
                stats = (mean.data.reshape(-1), var.data.reshape(-1))
            if self.training and self.track_running_stats:  # (read at every call, as PyTorch)
                self._track(stats, n)
        else:
            for stat, value in (("running_mean", rm), ("running_var", rv)):
                if np.shape(value) != (self.num_features,):  # (one assigned anew, say)
                    raise ValueError(f"{name}({self.num_features}): {stat} should hold "
                                     f"{self.num_features} values, it has shape "
                                     f"{np.shape(value)}")
            dt = x.dtype if x.dtype.kind == "f" else rv.dtype
            inv = (1.0 / np.sqrt(rv + self.eps)).astype(dt).reshape(shape)
            y = (x - rm.astype(dt).reshape(shape)) * inv
        return apply_affine(y, self.weight, self.bias, None if x.ndim == 2 else shape)

    def _track(self, stats: tuple[np.ndarray, np.ndarray] | None, n: int) -> None:
        """Count a training batch of ``n`` values per channel and move the running statistics
        toward its (mean, biased variance) ``stats`` (None for an empty batch: they stay)."""
        rm, rv, count = self.running_mean, self.running_var, self.num_batches_tracked
        if count is not None:
            count += 1  # an empty batch is counted too, as PyTorch 2.13 counts it
            if not isinstance(count, np.ndarray):  # a number assigned to the buffer
                self.num_batches_tracked = count
        if rm is None or rv is None or stats is None:
            return
        m = self.momentum if self.momentum is not None else (
            0.0 if count is None else 1.0 / float(count))  # (no count: as PyTorch)
        # r ← (1 − m) r + m s, in place so the buffers keep their identity and dtype
        rm *= 1.0 - m
        rm += m * stats[0]
        rv *= 1.0 - m
        rv += (m * n / (n - 1)) * stats[1]

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.weight is not None}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")  # (PyTorch 2.13's text)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs over the batch (and length) axes, per
    channel, as PyTorch's.

    Training: x̂ = (x − μ_B) / √(σ²_B + ε) with the batch mean and biased variance, and, while
    ``track_running_stats`` (read at every call, so setting it False later freezes them, as
    PyTorch), the buffers move as r ← (1 − m) r + m s, using the *unbiased* batch variance
    n/(n − 1) σ²_B for ``running_var`` (m = ``momentum``; None: a cumulative average 1/t),
    and ``num_batches_tracked`` counts. Eval: the running statistics replace the batch ones
    whenever there are any (the batch ones without). Then y = γ x̂ + β, each of γ and β
    applied when not None. An empty batch (no values per channel) gives an empty output and
    leaves the running statistics as they are, but counts in ``num_batches_tracked``, as
    PyTorch 2.13. ``reset_parameters()`` and ``reset_running_stats()`` as PyTorch's.
    """

    ranks, inputs = (2, 3), "(N, {c}) or (N, {c}, L)"

    # (its own __init__, so a wrong argument's TypeError names BatchNorm1d, not _BatchNorm)
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = np.float64, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype,
                         bias=bias)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images over the batch and both spatial axes, per
    channel, as PyTorch's: the statistics and buffers are BatchNorm1d's."""

    ranks, inputs = (4,), "(N, {c}, H, W)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = np.float64, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype,
                         bias=bias)


class BatchNorm3d(_BatchNorm):
    """y = γ (x − μ_B) / √(σ²_B + ε) + β per channel of (N, C, D, H, W) volumes, μ_B and σ²_B
    over the batch and the three spatial axes, as PyTorch's (which refuses 4-d input too):
    the statistics, buffers and eval rule are BatchNorm1d's."""

    ranks, inputs = (5,), "(N, {c}, D, H, W)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = np.float64, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype,
                         bias=bias)


class GroupNorm(Module):
    """y = (x − μ_g) / √(σ²_g + ε) · γ + β, as PyTorch's: the C channels of each sample split
    into ``num_groups`` groups of C/G consecutive channels, μ_g and the biased σ²_g over a
    group's channels and positions; γ (``weight``) and β (``bias``) are per channel, shape
    (C,), 1 and 0 at start (neither with ``affine=False``, no β with ``bias=False``). Input
    (N, C, *). The statistics are the sample's own: no running ones, the same in training
    and eval. An empty input gives an empty output (γ and β get zero gradients)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, dtype: Any = np.float64, *, bias: bool = True) -> None:
        super().__init__()
        self.num_groups = positive_int(num_groups, "num_groups", "GroupNorm")
        self.num_channels = positive_int(num_channels, "num_channels", "GroupNorm")
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.eps = check_real(eps, "eps", "GroupNorm", 0.0, open_low=True)
        self.affine = check_flag(affine, "affine", "GroupNorm")
        bias = check_flag(bias, "bias", "GroupNorm")
        dt = float_dtype(dtype, "GroupNorm")
        c = self.num_channels
        check_size((c,), dt, "GroupNorm")
        self.weight: Parameter | None = Parameter(np.empty(c, dtype=dt)) if affine else None
        self.bias: Parameter | None = (Parameter(np.empty(c, dtype=dt)) if affine and bias
                                       else None)
        empty_parameters(self, "weight", "bias")  # (slots, as PyTorch registers them)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """γ ← 1 and β ← 0 in place (the same Parameters), as at construction and PyTorch's."""
        reset_affine(self)

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x, "GroupNorm")
        g, c = self.num_groups, self.num_channels
        if x.ndim < 2 or x.shape[1] != c:
            raise ValueError(f"GroupNorm({g}, {c}): expected input (N, {c}, *) with at least 2 "
                             f"axes, got shape {x.shape}")
        if x.size == 0:  # no values: an empty output, still from γ and β (zero gradients)
            y = x * 1.0
        else:
            # explicit sizes, not −1: NumPy cannot infer −1 beside an axis of length 0
            per_group = x.size // (x.shape[0] * g)
            y, _, _ = standardize(x.reshape((x.shape[0], g, per_group)), (2,), self.eps)
            y = y.reshape(x.shape)
        return apply_affine(y, self.weight, self.bias, (c,) + (1,) * (x.ndim - 2))

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")
