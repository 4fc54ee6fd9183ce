"""The op spec: how one public differentiable function is tested (its NumPy reference, input
domains and kind of arguments), and ``build_inputs``, which draws inputs for it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import REGISTRY
from ..tensor import Tensor
from .draw import (
    Chooser,
    RngChooser,
    Shape,
    distinct,
    domain_values,
    draw_axes,
    draw_broadcastable,
    draw_index,
    draw_matmul_shapes,
    draw_shape,
    factor_shape,
    on_grid,
    push_away,
)

__all__ = ["Build", "OpSpec", "build_inputs", "spec"]

#: A custom input builder: ``build(chooser, dtype) -> (arrays, attrs)`` (``kind="custom"``).
Build = Callable[[Chooser, Any], tuple[list[np.ndarray], dict[str, Any]]]


# --------------------------------------------------------------------------- the spec
@dataclass(frozen=True)
class OpSpec:
    """One public differentiable function and how to test it.

    ``fn(*tensors, **attrs)`` is the function under test, ``ref(*arrays, **attrs)`` an
    independent NumPy forward. ``nin`` is −1 for variadic functions; ``domain`` names each
    input's domain (see ``DOMAINS``); ``kind`` describes the arguments (see ``build_inputs``).
    ``kink`` keeps samples off non-differentiable points: "ties" (all values > 0.1 apart),
    "pairs" (|a − b| > 0.1). ``choices`` lists values for simple attributes; reductions need
    at least ``min_count`` reduced elements. ``kind="custom"`` draws inputs and attributes with
    ``build(chooser, dtype)``; arrays it returns of a floating dtype must have ``dtype``.
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
    build: Build | None = None

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
            x = distinct(u, ch.permutation(u.size))
        elif spec.kink == "pairs":
            x = on_grid(0.9 * x, 0.125 * i)
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
    if k == "custom":
        if spec.build is None or shapes is not None:
            raise ValueError(f"build_inputs: {spec.name!r} is custom: its own builder, no shapes")
        arrays, extra = spec.build(ch, dtype)
        return arrays, {**attrs, **extra}
    if shapes is not None:
        if k not in ("elementwise", "astype") or len(shapes) != spec.nin:
            raise ValueError(f"build_inputs: cannot fix {len(shapes)} shapes for {spec.name!r}")
    elif k in ("elementwise", "astype"):
        shapes = draw_broadcastable(ch, spec.nin, 0, 3, 1, 3)
    elif k == "where":
        cshape, *shapes_l = draw_broadcastable(ch, 3, 0, 3, 1, 3)
        u = ch.uniform(cshape)  # a bool mask, or NumPy's truthiness of integers (nonzero)
        attrs["cond"] = u > 0 if ch.integer(0, 1) == 0 else np.rint(2 * u).astype(np.int64)
        shapes = tuple(shapes_l)
    elif k == "matmul":
        shapes = draw_matmul_shapes(ch)
    elif k == "concat" and ch.integer(0, 3) == 3:  # axis=None: any shapes, joined flattened
        attrs["axis"] = None
        shapes = tuple(draw_shape(ch, 0, 2, 0, 3) for _ in range(ch.integer(1, 3)))
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
            attrs["shape"] = factor_shape(ch, math.prod(shape))
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
            return _clip_inputs(ch, dtype)
    return _values(ch, spec, shapes, dtype), attrs


def _clip_inputs(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    """x and clip's bounds, each absent, a number or an array (an input after x, named in
    ``arrays``) broadcasting with x: a_min from {−1, 0, 1}, a_max from {−½, ½, 3/2}, so they
    never tie (a_min > a_max is drawn too), and x at least 0.15 from every bound."""
    shapes = iter(draw_broadcastable(ch, 3, 0, 3, 1, 3))
    x = push_away(domain_values(ch.uniform(next(shapes)), "real"),
                  [k / 2 for k in range(-3, 4)])
    arrays = [np.asarray(x, dtype=dtype)]
    attrs: dict[str, Any] = {"arrays": ()}
    for label, grid in (("a_min", (-1.0, 0.0, 1.0)), ("a_max", (-0.5, 0.5, 1.5))):
        shape, form = next(shapes), ch.integer(0, 2)  # a number, an array, absent
        if form == 2 and label == "a_max" and attrs["a_min"] is None and not attrs["arrays"]:
            form = 0  # (at least one bound)
        attrs[label] = grid[ch.integer(0, 2)] if form == 0 else None
        if form == 1:
            picks = [grid[ch.integer(0, 2)] for _ in range(math.prod(shape))]
            arrays.append(np.asarray(picks, dtype=dtype).reshape(shape))
            attrs["arrays"] += (label,)
    return arrays, attrs


def spec(name: str, fn: Callable[..., Tensor], ref: Callable[..., Any], kind: str = "elementwise",
         prims: tuple[str, ...] | None = None, **kw: Any) -> OpSpec:
    """An OpSpec; a function that is one primitive of the same name takes its domain and
    smoothness from the registry."""
    prims = (name,) if prims is None else prims
    if "domain" not in kw and prims == (name,):
        kw["domain"] = REGISTRY[name].domain
    if "smooth" not in kw and prims == (name,):
        kw["smooth"] = REGISTRY[name].smooth
    return OpSpec(name, fn, ref, kind, prims, **kw)
