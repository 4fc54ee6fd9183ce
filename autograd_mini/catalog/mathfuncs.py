"""Specs of elementwise mathematics: trigonometry, hyperbolic functions, rounding, predicates.

The references are independent of the NumPy function each op calls where NumPy offers another
route (identities, ``math.erf``); the domains keep samples off poles, branch cuts and jumps.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from .draw import Chooser, draw_shape
from .spec import OpSpec, spec

__all__ = ["SPECS"]

_erf_ref = np.vectorize(math.erf, otypes=[np.float64])


def _round_ref(x: np.ndarray, decimals: int = 0) -> np.ndarray:
    scale = 10.0**decimals
    return np.floor(x * scale + 0.5) / scale  # the samples are never halfway


def _round_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    """x within ±2, at least 0.1 units of the last kept digit away from the jumps of round."""
    decimals = (0, 1, 2, -1)[ch.integer(0, 3)]
    y = 2 * ch.uniform(draw_shape(ch)) * 10.0**decimals  # in units of the last kept digit
    k = np.round(y)
    return [np.asarray((k + 0.8 * (y - k)) / 10.0**decimals, dtype=dtype)], {"decimals": decimals}


SPECS: list[OpSpec] = [
    spec("sin", F.sin, np.sin),
    spec("cos", F.cos, lambda x: np.sin(x + np.pi / 2)),
    spec("tan", F.tan, lambda x: np.sin(x) / np.cos(x)),
    spec("arcsin", F.arcsin, lambda x: np.arctan(x / np.sqrt(1 - x * x))),
    spec("arccos", F.arccos, lambda x: np.pi / 2 - np.arctan(x / np.sqrt(1 - x * x))),
    spec("arctan", F.arctan, lambda x: np.arcsin(x / np.sqrt(1 + x * x))),
    spec("arctan2", F.arctan2, lambda y, x: np.angle(x + 1j * y), nin=2),
    spec("sinh", F.sinh, lambda x: (np.exp(x) - np.exp(-x)) / 2),
    spec("cosh", F.cosh, lambda x: (np.exp(x) + np.exp(-x)) / 2),
    spec("exp2", F.exp2, lambda x: 2.0**x),
    spec("expm1", F.expm1, lambda x: np.exp(x) - 1),
    spec("log2", F.log2, lambda x: np.log(x) / np.log(2.0)),
    spec("log10", F.log10, lambda x: np.log(x) / np.log(10.0)),
    spec("reciprocal", F.reciprocal, lambda x: 1 / x),
    spec("logaddexp", F.logaddexp,
         lambda a, b: np.maximum(a, b) + np.log1p(np.exp(-np.abs(a - b))), nin=2),
    spec("hypot", F.hypot, lambda a, b: np.sqrt(a * a + b * b), nin=2),
    spec("erf", F.erf, _erf_ref),
    spec("sign", F.sign, lambda x: x / np.abs(x)),
    spec("floor", F.floor, lambda x: x - np.mod(x, 1.0)),
    spec("ceil", F.ceil, lambda x: -np.floor(-x)),
    spec("trunc", F.trunc, np.fix),
    spec("round", F.round, _round_ref, kind="custom", build=_round_inputs),
    spec("remainder", F.remainder, lambda a, b: a - b * np.floor(a / b), nin=2),
    spec("floor_divide", F.floor_divide, lambda a, b: np.floor(a / b), nin=2),
]
