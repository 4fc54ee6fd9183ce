"""Specs of the activations, with NumPy references written from the formulas, and input
builders that keep samples off hardtanh's bounds and softplus's threshold."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from .draw import BOUND, Chooser, draw_shape, push_away
from .spec import OpSpec, spec

__all__ = ["SPECS"]

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


# --------------------------------------------------------------------------- references
def _softplus_ref(x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    return np.where(beta * x > threshold, x, np.logaddexp(0, beta * x) / beta)


def _gelu_ref(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + np.vectorize(math.erf, otypes=[float])(x / math.sqrt(2)))


def _elu_ref(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    return np.where(x > 0, x, alpha * np.expm1(x))


def _celu_ref(x: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    return np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(x / alpha))


def _softmin_ref(x: np.ndarray, axis: int) -> np.ndarray:
    lse: Any = np.logaddexp.reduce
    return np.exp(-x - lse(-x, axis=axis, keepdims=True))


# --------------------------------------------------------------------------- input builders
# Samples stay in the domain's interval [−2, 2]: kinks inside it are within ±1.75, so pushing
# values 0.15 away keeps them inside. relu6's 6 and the hard ones' ±3 lie beyond it; the tests
# in tests/test_ops_activation.py check those against PyTorch and central differences.
def _values(ch: Chooser, dtype: Any, kinks: list[float]) -> np.ndarray:
    """One array of a random shape in [−2, 2], more than 0.1 from each kink."""
    return np.asarray(push_away(BOUND * ch.uniform(draw_shape(ch, 0, 3, 1, 3)), kinks),
                      dtype=dtype)


def _hardtanh_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    lo = (-1.0, -0.5, 0.25)[ch.integer(0, 2)]
    hi = lo + (1.5, 0.5, 0.0)[ch.integer(0, 2)]
    return [_values(ch, dtype, [lo, hi])], {"min_val": lo, "max_val": hi}


def _softplus_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    beta = (1.0, 0.5, 2.0, -1.0)[ch.integer(0, 3)]
    threshold = (20.0, 0.75, 0.25)[ch.integer(0, 2)]
    # where βx crosses the threshold the value jumps by log1p(e^−threshold) / β
    return [_values(ch, dtype, [threshold / beta])], {"beta": beta, "threshold": threshold}


SPECS: list[OpSpec] = [
    spec("softplus", F.softplus, _softplus_ref, kind="custom", build=_softplus_inputs),
    spec("silu", F.silu, lambda x: x / (1 + np.exp(-x))),
    spec("gelu", F.gelu, _gelu_ref, choices=(("approximate", ("none", "tanh")),)),
    spec("mish", F.mish, lambda x: x * np.tanh(np.logaddexp(0, x))),
    spec("softsign", F.softsign, lambda x: x / (1 + np.abs(x))),
    spec("elu", F.elu, _elu_ref, choices=(("alpha", (1.0, 0.5, 2.0, -0.5)),)),
    spec("celu", F.celu, _celu_ref, choices=(("alpha", (1.0, 0.5, 2.0, -1.5)),)),
    spec("selu", F.selu, lambda x: _SELU_SCALE * _elu_ref(x, _SELU_ALPHA)),
    spec("hardtanh", F.hardtanh, lambda x, min_val, max_val: np.clip(x, min_val, max_val),
         kind="custom", build=_hardtanh_inputs),
    spec("relu6", F.relu6, lambda x: np.clip(x, 0, 6), prims=("hardtanh",),
         domain=("nonzero",), smooth=False),
    spec("hardsigmoid", F.hardsigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    spec("hardswish", F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    spec("softmin", F.softmin, _softmin_ref, kind="axis1", prims=("neg", "softmax")),
]
