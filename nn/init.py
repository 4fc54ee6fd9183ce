"""Weight initialisers that fill a Tensor's ``.data`` in place, drawing from a seeded Generator."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, TypeVar

import numpy as np

from autograd_mini import Tensor
from autograd_mini.tensor import READ_ONLY, read_only, writeable

from ._util import check_real, check_rng

__all__ = [
    "calculate_gain", "constant_", "glorot_normal_", "glorot_uniform_", "he_normal_",
    "he_uniform_", "kaiming_normal_", "kaiming_uniform_", "normal_", "ones_", "uniform_",
    "xavier_normal_", "xavier_uniform_", "zeros_",
]

T = TypeVar("T", bound=Tensor | np.ndarray)


def _data(t: Any, where: str) -> np.ndarray:
    arr = t.data if isinstance(t, Tensor) else t
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{where}: expected a Tensor or an ndarray, got {type(t).__name__}")
    if arr.dtype.kind != "f":
        raise TypeError(f"{where}: can only fill floating-point data, got dtype {arr.dtype}")
    if not writeable(arr):
        raise ValueError(f"{where}: the array of shape {arr.shape} is "
                         f"{READ_ONLY[read_only(arr)]}")
    return arr


def _finite(value: float, where: str) -> float:
    """``value`` (a bound or a standard deviation) if it is finite."""
    if not math.isfinite(value):
        raise ValueError(f"{where}: the gain gives a non-finite scale ({value})")
    return value


def _fans(shape: tuple[int, ...], where: str) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shaped (out, in, *kernel) as in PyTorch."""
    if len(shape) < 2:
        raise ValueError(f"{where}: fan in and fan out need at least 2 dims, got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


_LINEAR_NAMES = frozenset({"linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d",
                           "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"})


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity: 1 (linear, identity, sigmoid, and PyTorch's
    names of the linear layers: conv1d … conv3d, conv_transpose1d … conv_transpose3d), 5/3
    (tanh), √2 (relu), √(2 / (1 + a²)) (leaky_relu with slope a, default 0.01), 3/4 (selu)."""
    if not isinstance(nonlinearity, str):
        raise TypeError(f"calculate_gain: nonlinearity must be a name, got {nonlinearity!r:.60}")
    if nonlinearity in _LINEAR_NAMES:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else check_real(param, "param", "calculate_gain")
        return math.sqrt(2.0 / (1.0 + slope * slope))
    if nonlinearity == "selu":
        return 0.75
    known = ", ".join(sorted({*_LINEAR_NAMES, "tanh", "relu", "leaky_relu", "selu"}))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r} (known: {known})")


def uniform_(t: T, a: float = 0.0, b: float = 1.0,
             rng: np.random.Generator | None = None) -> T:
    """Fill with samples of U(a, b)."""
    arr = _data(t, "uniform_")
    a, b = check_real(a, "a", "uniform_"), check_real(b, "b", "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    if not math.isfinite(b - a):
        raise ValueError(f"uniform_: the range b - a = {b} - {a} is not finite")
    arr[...] = check_rng(rng, "uniform_").uniform(a, b, size=arr.shape)
    return t


def uniform_parameters_(params: Iterable[Tensor | None], bound: float,
                        rng: np.random.Generator | None, where: str) -> None:
    """Fill each of ``params`` that is not None with U(−bound, bound) in place, one after the
    other, from ``rng`` (default: the ``manual_seed`` generator): the layers'
    ``reset_parameters`` (errors name ``where``)."""
    gen = check_rng(rng, where)
    for p in params:
        if p is not None:
            uniform_(p, -bound, bound, rng=gen)


def reset_fan_in_uniform(module: Any, rng: np.random.Generator | None = None) -> None:
    """``reset_parameters`` of Linear, Conv and ConvTranspose layers: draw ``weight``, then
    ``bias``, anew from U(−1/√fan_in, 1/√fan_in), fan_in = prod(weight.shape[1:]) (PyTorch's
    ``kaiming_uniform_(a=√5)`` and its bias rule), as at construction, from ``rng`` (default:
    the ``manual_seed`` generator), in place: the same Parameters (an optimiser holding them
    goes on), dtypes and layout."""
    fan_in = math.prod(module.weight.shape[1:])
    uniform_parameters_((module.weight, module.bias), 1.0 / math.sqrt(fan_in), rng,
                        f"{type(module).__name__}.reset_parameters")


def normal_(t: T, mean: float = 0.0, std: float = 1.0,
            rng: np.random.Generator | None = None) -> T:
    """Fill with samples of N(mean, std²)."""
    arr = _data(t, "normal_")
    mean = check_real(mean, "mean", "normal_")
    std = check_real(std, "std", "normal_", 0.0)
    arr[...] = check_rng(rng, "normal_").normal(mean, std, size=arr.shape)
    return t


def constant_(t: T, val: float) -> T:
    """Fill with the constant ``val`` (NaN and ±inf are allowed)."""
    arr = _data(t, "constant_")
    if isinstance(val, (bool, np.bool_)) or not isinstance(val, (int, float, np.number)) \
            or isinstance(val, (complex, np.complexfloating)):
        raise TypeError(f"constant_: val must be a real number, got {val!r:.60}")
    arr[...] = val
    return t


def zeros_(t: T) -> T:
    """Fill with 0."""
    _data(t, "zeros_")
    return constant_(t, 0.0)


def ones_(t: T) -> T:
    """Fill with 1."""
    _data(t, "ones_")
    return constant_(t, 1.0)


def xavier_uniform_(t: T, gain: float = 1.0, rng: np.random.Generator | None = None) -> T:
    """Glorot: U(−a, a) with a = gain · √(6 / (fan_in + fan_out))."""
    arr = _data(t, "xavier_uniform_")
    fan_in, fan_out = _fans(arr.shape, "xavier_uniform_")
    gain = check_real(gain, "gain", "xavier_uniform_", 0.0)
    bound = gain * math.sqrt(6.0 / max(fan_in + fan_out, 1))
    _finite(2.0 * bound, "xavier_uniform_")  # uniform_ needs the width 2·bound to be finite
    return uniform_(t, -bound, bound, rng=rng)


def xavier_normal_(t: T, gain: float = 1.0, rng: np.random.Generator | None = None) -> T:
    """Glorot: N(0, σ²) with σ = gain · √(2 / (fan_in + fan_out))."""
    arr = _data(t, "xavier_normal_")
    fan_in, fan_out = _fans(arr.shape, "xavier_normal_")
    gain = check_real(gain, "gain", "xavier_normal_", 0.0)
    std = _finite(gain * math.sqrt(2.0 / max(fan_in + fan_out, 1)), "xavier_normal_")
    return normal_(t, 0.0, std, rng=rng)


def _kaiming_std(arr: np.ndarray, a: float, mode: str, nonlinearity: str, where: str) -> float:
    if not isinstance(mode, str) or mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{where}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(arr.shape, where)
    fan = fan_in if mode == "fan_in" else fan_out
    a = check_real(a, "a", where)
    return _finite(calculate_gain(nonlinearity, a) / math.sqrt(max(fan, 1)), where)


def kaiming_uniform_(t: T, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     rng: np.random.Generator | None = None) -> T:
    """He: U(−b, b) with b = √3 · gain / √fan (gain from ``nonlinearity`` and slope ``a``)."""
    arr = _data(t, "kaiming_uniform_")
    bound = math.sqrt(3.0) * _kaiming_std(arr, a, mode, nonlinearity, "kaiming_uniform_")
    _finite(2.0 * bound, "kaiming_uniform_")
    return uniform_(t, -bound, bound, rng=rng)


def kaiming_normal_(t: T, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    rng: np.random.Generator | None = None) -> T:
    """He: N(0, σ²) with σ = gain / √fan (gain from ``nonlinearity`` and slope ``a``)."""
    arr = _data(t, "kaiming_normal_")
    return normal_(t, 0.0, _kaiming_std(arr, a, mode, nonlinearity, "kaiming_normal_"), rng=rng)


glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_
