"""Specs of the special functions (erfc, erfinv, logit, xlogy), with references independent of
the library's: ``math.erfc`` elementwise, erfinv by bisection on ``math.erf``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from .draw import Chooser, draw_shape, push_away
from .spec import OpSpec, spec

__all__ = ["SPECS"]

_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc_ref = np.vectorize(math.erfc, otypes=[np.float64])


def _erfinv_ref(x: np.ndarray) -> np.ndarray:
    """The y with erf y = x, by bisection on math.erf until the bracket stops shrinking."""
    x = np.asarray(x, dtype=np.float64)
    lo, hi = np.full(x.shape, -6.0), np.full(x.shape, 6.0)
    for _ in range(80):  # 12 / 2⁸⁰ is far below an ulp of any result
        mid = (lo + hi) / 2
        below = _erf(mid) < x
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def _logit_ref(x: np.ndarray, eps: float | None = None) -> np.ndarray:
    z = x if eps is None else np.minimum(np.maximum(x, eps), 1 - eps)
    return np.log(z / (1 - z))


def _logit_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    """x in [0.05, 0.95]; with eps = 0.1 (or 0.2) x stays 0.05 away from the clamp's ends."""
    eps = (None, 0.1, 0.2)[ch.integer(0, 2)]
    x = 0.5 + 0.45 * ch.uniform(draw_shape(ch))
    if eps is not None:
        x = push_away(x, [eps, 1 - eps], margin=0.04)
    return [np.asarray(x, dtype=dtype)], {"eps": eps}


SPECS: list[OpSpec] = [
    spec("erfc", F.erfc, _erfc_ref),
    spec("erfinv", F.erfinv, _erfinv_ref),
    spec("logit", F.logit, _logit_ref, kind="custom", build=_logit_inputs,
         prims=("log", "log1p", "neg", "sub")),
    spec("xlogy", F.xlogy, lambda x, y: x * np.log(y), nin=2),
]
