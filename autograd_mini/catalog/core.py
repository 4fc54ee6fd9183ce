"""Specs of the core ops: arithmetic, the exp/log family, reductions, shapes, matmul and the
fused ops, with their NumPy references."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .draw import Shape
from .spec import OpSpec, spec

__all__ = ["SPECS"]


# --------------------------------------------------------------------------- references
def _scatter_ref(g: np.ndarray, index: Any = None, shape: Shape = ()) -> np.ndarray:
    z = np.zeros(shape, dtype=g.dtype)
    np.add.at(z, index, g)
    return z


def _matmul_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Σ_k a[..., i, k] b[..., k, j] by einsum, vectors promoted to a row / a column."""
    out = np.einsum("...ik,...kj->...ij", a[None, :] if a.ndim == 1 else a,
                    b[:, None] if b.ndim == 1 else b)
    if a.ndim == 1:
        out = out[..., 0, :]
    return out[..., 0] if b.ndim == 1 else out


def _lse_ref(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    reduce: Any = np.logaddexp.reduce
    return np.asarray(reduce(x, axis=axis, keepdims=keepdims))


def _linear_ref(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,oi->...o", x, w) + b


def _xent_ref(x: np.ndarray, target: np.ndarray) -> np.ndarray:
    return _lse_ref(x, -1) - x[np.arange(len(x)), target]


def _leaky_ref(x: np.ndarray, negative_slope: float) -> np.ndarray:
    return np.where(x > 0, x, negative_slope * x)


def _clip_with(clip: Any) -> Any:
    """clip(x, a_min, a_max), the bounds named in ``arrays`` being the inputs after x."""
    def call(x: Any, *bounds: Any, a_min: Any = None, a_max: Any = None,
             arrays: tuple[str, ...] = ()) -> Any:
        given = {"a_min": a_min, "a_max": a_max, **dict(zip(arrays, bounds))}
        return clip(x, given["a_min"], given["a_max"])
    return call


def _astype_roundtrip(x: Tensor) -> Tensor:
    """Cast to a wider float type and back: exact, so central differences see the identity."""
    wide = np.float64 if x.dtype == np.float32 else np.longdouble
    return F.astype(F.astype(x, wide), x.dtype)


_RED = "reduce"
_DDOF = (("ddof", (0, 1, 0.5)),)  # (fractional too, as NumPy)
SPECS: list[OpSpec] = [
    spec("neg", F.neg, np.negative),
    spec("exp", F.exp, np.exp),
    spec("log", F.log, np.log),
    spec("log1p", F.log1p, np.log1p),
    spec("sqrt", F.sqrt, np.sqrt),
    spec("abs", F.abs, np.abs),
    spec("tanh", F.tanh, np.tanh),
    spec("sigmoid", F.sigmoid, lambda x: np.exp(-np.logaddexp(0, -x))),
    spec("relu", F.relu, lambda x: np.maximum(x, 0)),
    spec("log_sigmoid", F.log_sigmoid, lambda x: -np.logaddexp(0, -x)),
    spec("square", F.square, np.square, prims=("mul",)),
    spec("leaky_relu", F.leaky_relu, _leaky_ref,
          prims=("where", "mul"), domain=("nonzero",), smooth=False,
          choices=(("negative_slope", (0.01, 0.2, 1.5)),)),
    spec("astype", _astype_roundtrip, np.copy, kind="astype"),
    spec("add", F.add, np.add, nin=2),
    spec("sub", F.sub, np.subtract, nin=2),
    spec("mul", F.mul, np.multiply, nin=2),
    spec("div", F.div, np.divide, nin=2),
    spec("pow", F.pow, np.power, nin=2),
    spec("maximum", F.maximum, np.maximum, nin=2, kink="pairs"),
    spec("minimum", F.minimum, np.minimum, nin=2, kink="pairs"),
    spec("clip", _clip_with(F.clip), _clip_with(np.clip), kind="clip", nin=-1),
    spec("where", lambda a, b, cond: F.where(cond, a, b), lambda a, b, cond: np.where(cond, a, b),
          kind="where", nin=2),
    spec("sum", F.sum, np.sum, kind=_RED),
    spec("mean", F.mean, np.mean, prims=("sum", "mul"), kind=_RED),
    spec("var", F.var, np.var, prims=("sub", "sum", "mul"), choices=_DDOF, min_count=2, kind=_RED),
    spec("std", F.std, np.std, prims=("sub", "sum", "mul", "sqrt"), choices=_DDOF, min_count=2,
          kink="ties", kind=_RED),
    spec("max", F.max, np.max, kink="ties", kind=_RED),
    spec("min", F.min, np.min, kink="ties", kind=_RED),
    spec("logsumexp", F.logsumexp, _lse_ref, kind=_RED),
    spec("softmax", F.softmax, lambda x, axis: np.exp(x - _lse_ref(x, axis, True)), kind="axis1"),
    spec("log_softmax", F.log_softmax, lambda x, axis: x - _lse_ref(x, axis, True),
          kind="axis1"),
    spec("matmul", F.matmul, _matmul_ref, kind="matmul", nin=2),
    spec("linear", F.linear, _linear_ref, kind="linear", nin=3),
    spec("softmax_cross_entropy", F.softmax_cross_entropy, _xent_ref, kind="xent"),
    spec("reshape", F.reshape, np.reshape, kind="reshape"),
    spec("flatten", F.flatten, np.ravel, kind="flatten", prims=("reshape",)),
    spec("squeeze", F.squeeze, np.squeeze, kind="squeeze", prims=("reshape",)),
    spec("expand_dims", F.expand_dims, np.expand_dims, kind="expand_dims", prims=("reshape",)),
    spec("transpose", F.transpose, np.transpose, kind="transpose"),
    spec("broadcast_to", F.broadcast_to, np.broadcast_to, kind="broadcast_to"),
    spec("getitem", F.getitem, lambda x, index: x[index], kind="getitem"),
    spec("scatter_add", F.scatter_add, _scatter_ref, kind="scatter_add"),
    spec("concatenate", lambda *xs, axis: F.concatenate(list(xs), axis=axis),
          lambda *xs, axis: np.concatenate(xs, axis=axis), kind="concat", nin=-1),
    spec("stack", lambda *xs, axis: F.stack(list(xs), axis=axis),
          lambda *xs, axis: np.stack(xs, axis=axis), kind="stack", nin=-1),
]


