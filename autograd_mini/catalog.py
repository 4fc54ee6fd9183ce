"""Catalog of every public differentiable function: NumPy reference, input domain, input builder.

The Chooser protocol, domain sampling and the shape/axis/index drawing helpers are in
``catalog_draw`` (re-exported here).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import functional as F
from .catalog_draw import (
    BOUND,
    DOMAINS,
    Chooser,
    RngChooser,
    Shape,
    _distinct,
    _factor_shape,
    _on_grid,
    _push_away,
    domain_values,
    draw_axes,
    draw_broadcastable,
    draw_index,
    draw_matmul_shapes,
    draw_shape,
    in_domain,
)
from .engine import REGISTRY, Node
from .graphview import topological_order
from .tensor import Tensor

__all__ = [
    "BOUND", "DOMAINS", "SPECS", "Chooser", "OpSpec", "RngChooser", "build_inputs",
    "check_catalog_covers_registry", "domain_values", "draw_axes", "draw_broadcastable",
    "draw_index", "draw_matmul_shapes", "draw_shape", "get_spec", "in_domain",
    "recorded_primitives",
]


# --------------------------------------------------------------------------- the spec
@dataclass(frozen=True)
class OpSpec:
    """One public differentiable function and how to test it.

    ``fn(*tensors, **attrs)`` is the function under test, ``ref(*arrays, **attrs)`` an
    independent NumPy forward. ``nin`` is −1 for variadic functions; ``domain`` names each
    input's domain (see ``DOMAINS``); ``kind`` describes the arguments (see ``build_inputs``).
    ``kink`` keeps samples off non-differentiable points: "ties" (all values > 0.1 apart),
    "pairs" (|a − b| > 0.1). ``choices`` lists values for simple attributes; reductions need
    at least ``min_count`` reduced elements.
    """

    name: str
    fn: Callable[..., Tensor]
    ref: Callable[..., np.ndarray]
    kind: str
    primitives: tuple[str, ...]
    nin: int = 1
    domain: tuple[str, ...] = ("real",)
    smooth: bool = True
    second_order: bool = True
    kink: str | None = None
    choices: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    min_count: int = 1

    def sample(self, rng: np.random.Generator, dtype: Any = np.float64
               ) -> tuple[list[np.ndarray], dict[str, Any]]:
        """Inputs (inside the domain, off kinks) and attributes, from NumPy's generator."""
        return build_inputs(self, RngChooser(rng), dtype)

    def call(self, arrays: list[np.ndarray], attrs: dict[str, Any],
             requires_grad: bool = False) -> tuple[list[Tensor], Tensor]:
        """Leaf tensors made from ``arrays`` and ``fn`` applied to them."""
        ts = [Tensor(a, requires_grad=requires_grad) for a in arrays]
        return ts, self.fn(*ts, **attrs)


def _values(ch: Chooser, spec: OpSpec, shapes: tuple[Shape, ...], dtype: Any,
            ) -> list[np.ndarray]:
    out = []
    for i, shp in enumerate(shapes):
        u = ch.uniform(shp)
        x = domain_values(u, spec.domain[min(i, len(spec.domain) - 1)])
        if spec.kink == "ties":
            x = _distinct(u, ch.permutation(u.size))
        elif spec.kink == "pairs":
            x = _on_grid(0.9 * x, 0.125 * i)
        out.append(np.asarray(x, dtype=dtype))
    return out


def build_inputs(spec: OpSpec, ch: Chooser, dtype: Any = np.float64,
                 shapes: tuple[Shape, ...] | None = None,
                 ) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Input arrays and attributes for ``spec`` following its ``kind``, using ``ch``'s choices.

    ``shapes`` fixes the input shapes of elementwise specs (e.g. to test given broadcasting).
    """
    attrs: dict[str, Any] = {k: v[ch.integer(0, len(v) - 1)] for k, v in spec.choices}
    k = spec.kind
    if shapes is not None:
        if k not in ("elementwise", "astype") or len(shapes) != spec.nin:
            raise ValueError(f"build_inputs: cannot fix {len(shapes)} shapes for {spec.name!r}")
    elif k in ("elementwise", "astype"):
        shapes = draw_broadcastable(ch, spec.nin, 0, 3, 1, 3)
    elif k == "where":
        cshape, *shapes_l = draw_broadcastable(ch, 3, 0, 3, 1, 3)
        attrs["cond"] = ch.uniform(cshape) > 0
        shapes = tuple(shapes_l)
    elif k == "matmul":
        shapes = draw_matmul_shapes(ch)
    elif k in ("concat", "stack"):
        n = ch.integer(1, 3)
        base = draw_shape(ch, 1 if k == "concat" else 0, 2, 1, 3)
        nd = len(base) + (k == "stack")
        attrs["axis"] = ch.integer(-nd, nd - 1)
        ax = attrs["axis"] % nd
        shapes = tuple((*base[:ax], ch.integer(0, 3), *base[ax + 1:]) if k == "concat" else base
                       for _ in range(n))
    elif k == "scatter_add":
        attrs["shape"] = draw_shape(ch, 0, 3, 1, 3)
        attrs["index"] = draw_index(ch, attrs["shape"])
        shapes = (np.empty(attrs["shape"])[attrs["index"]].shape,)
    elif k == "linear":
        n_in, n_out = ch.integer(1, 3), ch.integer(1, 3)
        lead = draw_shape(ch, 0, 2, 1, 3)
        shapes = ((*lead, n_in), (n_out, n_in), (n_out,))
    elif k == "xent":
        n, c = ch.integer(1, 4), ch.integer(1, 4)
        attrs["target"] = np.array([ch.integer(0, c - 1) for _ in range(n)], dtype=np.int64)
        shapes = ((n, c),)
    elif k == "broadcast_to":
        target = draw_shape(ch, 0, 3, 1, 3)
        nd = ch.integer(0, len(target))
        shapes = (tuple(1 if ch.integer(0, 2) == 2 else s for s in target[len(target) - nd:]),)
        attrs["shape"] = target
    else:
        shape = draw_shape(ch, 1 if k == "axis1" or spec.min_count > 1 else 0, 3,
                           spec.min_count, 3)
        shapes = (shape,)
        nd = len(shape)
        if k == "reduce":
            axis = draw_axes(ch, nd)
            attrs["axis"] = None if spec.min_count > 1 and axis == () else axis
            attrs["keepdims"] = bool(ch.integer(0, 1))
        elif k == "axis1":
            attrs["axis"] = ch.integer(-nd, nd - 1)
        elif k == "reshape":
            attrs["shape"] = _factor_shape(ch, math.prod(shape))
        elif k == "transpose":
            attrs["axes"] = None if ch.integer(0, 2) == 0 else tuple(
                a - nd if ch.integer(0, 1) else a for a in ch.permutation(nd))
        elif k == "expand_dims":
            attrs["axis"] = ch.integer(-nd - 1, nd)
        elif k == "squeeze":
            for _ in range(ch.integer(0, 2)):
                pos = ch.integer(0, len(shape))
                shape = (*shape[:pos], 1, *shape[pos:])
            ones = [i - len(shape) * ch.integer(0, 1) for i, s in enumerate(shape) if s == 1]
            attrs["axis"] = (None if not ones or ch.integer(0, 2) == 0
                             else ones[0] if ch.integer(0, 1) else tuple(ones))
            shapes = (shape,)
        elif k == "getitem":
            attrs["index"] = draw_index(ch, shape)
        elif k == "clip":
            lo = (-1.0, -0.5, 0.0)[ch.integer(0, 2)]
            hi = lo + (0.5, 1.0, 1.5)[ch.integer(0, 2)]
            which = ch.integer(0, 2)
            attrs["a_min"] = None if which == 2 else lo
            attrs["a_max"] = None if which == 1 else hi
            x = _push_away(domain_values(ch.uniform(shape), "real"), [lo, hi])
            return [np.asarray(x, dtype=dtype)], attrs
    return _values(ch, spec, shapes, dtype), attrs


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


def _astype_roundtrip(x: Tensor) -> Tensor:
    """Cast to a wider float type and back: exact, so central differences see the identity."""
    wide = np.float64 if x.dtype == np.float32 else np.longdouble
    return F.astype(F.astype(x, wide), x.dtype)


def _spec(name: str, fn: Callable[..., Tensor], ref: Callable[..., Any], kind: str = "elementwise",
          prims: tuple[str, ...] | None = None, **kw: Any) -> OpSpec:
    prims = (name,) if prims is None else prims
    if "domain" not in kw and prims == (name,):
        kw["domain"] = REGISTRY[name].domain
    if "smooth" not in kw and prims == (name,):
        kw["smooth"] = REGISTRY[name].smooth
    return OpSpec(name, fn, ref, kind, prims, **kw)


_RED = "reduce"
_DDOF = (("ddof", (0, 1)),)
SPECS: list[OpSpec] = [
    _spec("neg", F.neg, np.negative),
    _spec("exp", F.exp, np.exp),
    _spec("log", F.log, np.log),
    _spec("log1p", F.log1p, np.log1p),
    _spec("sqrt", F.sqrt, np.sqrt),
    _spec("abs", F.abs, np.abs),
    _spec("tanh", F.tanh, np.tanh),
    _spec("sigmoid", F.sigmoid, lambda x: np.exp(-np.logaddexp(0, -x))),
    _spec("relu", F.relu, lambda x: np.maximum(x, 0)),
    _spec("softplus", F.softplus, lambda x: np.logaddexp(0, x)),
    _spec("log_sigmoid", F.log_sigmoid, lambda x: -np.logaddexp(0, -x)),
    _spec("square", F.square, np.square, prims=("mul",)),
    _spec("leaky_relu", F.leaky_relu, _leaky_ref,
          prims=("where", "mul"), domain=("nonzero",), smooth=False,
          choices=(("negative_slope", (0.01, 0.2, 1.5)),)),
    _spec("astype", _astype_roundtrip, np.copy, kind="astype"),
    _spec("add", F.add, np.add, nin=2),
    _spec("sub", F.sub, np.subtract, nin=2),
    _spec("mul", F.mul, np.multiply, nin=2),
    _spec("div", F.div, np.divide, nin=2),
    _spec("pow", F.pow, np.power, nin=2),
    _spec("maximum", F.maximum, np.maximum, nin=2, kink="pairs"),
    _spec("minimum", F.minimum, np.minimum, nin=2, kink="pairs"),
    _spec("clip", F.clip, np.clip, kind="clip"),
    _spec("where", lambda a, b, cond: F.where(cond, a, b), lambda a, b, cond: np.where(cond, a, b),
          kind="where", nin=2),
    _spec("sum", F.sum, np.sum, kind=_RED),
    _spec("mean", F.mean, np.mean, prims=("sum", "mul"), kind=_RED),
    _spec("var", F.var, np.var, prims=("sub", "sum", "mul"), choices=_DDOF, min_count=2, kind=_RED),
    _spec("std", F.std, np.std, prims=("sub", "sum", "mul", "sqrt"), choices=_DDOF, min_count=2,
          kink="ties", kind=_RED),
    _spec("max", F.max, np.max, kink="ties", kind=_RED),
    _spec("min", F.min, np.min, kink="ties", kind=_RED),
    _spec("logsumexp", F.logsumexp, _lse_ref, kind=_RED),
    _spec("softmax", F.softmax, lambda x, axis: np.exp(x - _lse_ref(x, axis, True)), kind="axis1"),
    _spec("log_softmax", F.log_softmax, lambda x, axis: x - _lse_ref(x, axis, True),
          kind="axis1"),
    _spec("matmul", F.matmul, _matmul_ref, kind="matmul", nin=2),
    _spec("linear", F.linear, _linear_ref, kind="linear", nin=3),
    _spec("softmax_cross_entropy", F.softmax_cross_entropy, _xent_ref, kind="xent"),
    _spec("reshape", F.reshape, np.reshape, kind="reshape"),
    _spec("flatten", F.flatten, np.ravel, kind="flatten", prims=("reshape",)),
    _spec("squeeze", F.squeeze, np.squeeze, kind="squeeze", prims=("reshape",)),
    _spec("expand_dims", F.expand_dims, np.expand_dims, kind="expand_dims", prims=("reshape",)),
    _spec("transpose", F.transpose, np.transpose, kind="transpose"),
    _spec("broadcast_to", F.broadcast_to, np.broadcast_to, kind="broadcast_to"),
    _spec("getitem", F.getitem, lambda x, index: x[index], kind="getitem"),
    _spec("scatter_add", F.scatter_add, _scatter_ref, kind="scatter_add"),
    _spec("concatenate", lambda *xs, axis: F.concatenate(list(xs), axis=axis),
          lambda *xs, axis: np.concatenate(xs, axis=axis), kind="concat", nin=-1),
    _spec("stack", lambda *xs, axis: F.stack(list(xs), axis=axis),
          lambda *xs, axis: np.stack(xs, axis=axis), kind="stack", nin=-1,
          prims=("reshape", "concatenate")),
]


def get_spec(name: str) -> OpSpec:
    """The spec called ``name``."""
    for s in SPECS:
        if s.name == name:
            return s
    raise KeyError(f"no OpSpec named {name!r}; known: {[s.name for s in SPECS]}")


def recorded_primitives(spec: OpSpec, arrays: list[np.ndarray], attrs: dict[str, Any]) -> set[str]:
    """Names of the primitives recorded in the graph of ``spec.fn`` on these inputs."""
    _, out = spec.call(arrays, attrs, requires_grad=True)
    return {v.op.name for v in topological_order(out) if isinstance(v, Node)}


def check_catalog_covers_registry(specs: list[OpSpec] | None = None, seed: int = 0) -> None:
    """Raise AssertionError unless every registered primitive is exercised by some spec.

    Each spec must name only registered primitives, and running it (float64 and float32)
    must record every primitive it names.
    """
    specs = SPECS if specs is None else specs
    declared = set().union(*(s.primitives for s in specs))
    problems = [f"primitive {p!r} is registered but no OpSpec exercises it"
                for p in sorted(set(REGISTRY) - declared)]
    problems += [f"OpSpec names unknown primitive {p!r}" for p in sorted(declared - set(REGISTRY))]
    rng = np.random.default_rng(seed)
    for s in specs:
        seen: set[str] = set()
        for dtype in (np.float64, np.float32):
            seen |= recorded_primitives(s, *s.sample(rng, dtype))
        if not set(s.primitives) <= seen:
            problems.append(f"OpSpec {s.name!r} names {s.primitives} but records {sorted(seen)}")
    if problems:
        raise AssertionError("catalog does not cover the registry:\n  " + "\n  ".join(problems))
