"""Inputs for an op of your own, as the test strategies (``testing.op_inputs``) and the per-op
report (``autograd-mini gradcheck``) draw them.

A registered op that no catalog spec exercises is drawn as elementwise by default: inputs of
broadcastable shapes, each in its declared ``domain``, and no keyword attributes. An op that is
not elementwise (a dot product) or needs an attribute (``k=``) is given a sampler::

    def dot_inputs(ch, dtype):                      # ch: a catalog Chooser
        n = ch.integer(1, 4)
        return [ch.uniform((n,)).astype(dtype), ch.uniform((n,)).astype(dtype)], {}

    set_sampler("my_dot", dot_inputs)

Without one, such an op cannot be sampled: ``draw_inputs`` raises ``SamplingError`` saying why,
and the report lists the op as skipped rather than failed.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .catalog import SPECS, Chooser, OpSpec, Shape, build_inputs, primitive_spec, user_primitives
from .catalog.spec import Build
from .engine import Primitive
from .opcheck import check_domain

__all__ = ["SamplingError", "check_sampleable", "draw_inputs", "op_spec", "required_attrs",
           "sampler", "set_sampler", "user_op"]

_SAMPLERS: dict[str, Build] = {}  # op name -> its sampler (set_sampler)
_HOW = "give it a sampler: autograd_mini.opsamples.set_sampler(op, build)"


class SamplingError(ValueError):
    """Inputs for an op cannot be drawn (it is not elementwise, or needs keyword attributes,
    and has no sampler; or its sampler raised)."""


def set_sampler(op: Primitive | str, build: Build | None) -> None:
    """Draw the inputs of ``op`` (a primitive or its name) with ``build(chooser, dtype) ->
    (arrays, attrs)``, in ``testing.op_inputs`` and the per-op report; None goes back to
    elementwise draws. ``chooser.integer(lo, hi)`` and ``chooser.uniform(shape)`` (values in
    [−1, 1]) are the random choices (Hypothesis' under ``op_inputs``, so examples shrink);
    floating arrays must have ``dtype``."""
    name = op.name if isinstance(op, Primitive) else op
    if not isinstance(name, str):
        raise TypeError(f"set_sampler: op must be a Primitive or its name, got {op!r:.60}")
    if build is None:
        _SAMPLERS.pop(name, None)
    elif not callable(build):
        raise TypeError(f"set_sampler: build must be a function (chooser, dtype) -> (arrays, "
                        f"attrs), got {type(build).__name__}")
    else:
        _SAMPLERS[name] = build


def sampler(op: Primitive) -> Build | None:
    """The sampler given to ``op`` with ``set_sampler``, if any."""
    return _SAMPLERS.get(op.name)


def user_op(name: str) -> Primitive | None:
    """The user's op called ``name`` (see ``catalog.user_primitives``), or None for a catalog
    spec's name."""
    if any(s.name == name for s in SPECS):
        return None
    return next((op for op in user_primitives() if op.name == name), None)


def required_attrs(op: Primitive) -> list[str]:
    """The keyword-only parameters without a default of ``op``'s forward: attributes that only
    a sampler can choose."""
    try:
        params = inspect.signature(op.forward).parameters.values()
    except (TypeError, ValueError):  # (no signature: nothing known to be required)
        return []
    return [p.name for p in params if p.kind is p.KEYWORD_ONLY and p.default is p.empty]


def check_sampleable(op: Primitive) -> None:
    """What can be told of ``op`` without running it: ``ValueError`` for an unknown domain
    name, ``SamplingError`` for a forward that needs keyword attributes and no sampler."""
    check_domain(op.name, op.domain)
    needed = required_attrs(op) if sampler(op) is None else []
    if needed:
        raise SamplingError(f"the forward of {op.name!r} needs the keyword attribute(s) "
                            f"{', '.join(needed)}, which elementwise draws cannot choose; {_HOW}")


def op_spec(op: Primitive) -> OpSpec:
    """The spec the per-op report checks a user's op with: inputs from ``draw_inputs``.
    Raises ``ValueError`` for an unknown name in the op's ``domain``."""
    check_domain(op.name, op.domain)
    base = primitive_spec(op)
    return OpSpec(op.name, op, base.ref, "custom", (op.name,), nin=base.nin, domain=base.domain,
                  smooth=op.smooth, build=lambda ch, dtype: draw_inputs(op, ch, dtype))


def draw_inputs(op: Primitive, ch: Chooser, dtype: Any = np.float64,
                shapes: tuple[Shape, ...] | None = None,
                ) -> tuple[list[np.ndarray], dict[str, Any]]:
    """``(arrays, attrs)`` for ``op``: its sampler's, or elementwise draws (``shapes`` fixes
    their shapes) once the forward has shown the op to be elementwise on them. Raises
    ``SamplingError`` saying why the op cannot be sampled."""
    build = sampler(op)
    if build is not None:
        if shapes is not None:
            raise ValueError(f"{op.name!r} has a sampler: its input shapes cannot be fixed")
        try:
            arrays, attrs = build(ch, dtype)
        except Exception as exc:
            raise SamplingError(f"the sampler of {op.name!r} raised {type(exc).__name__}: "
                                f"{exc}") from exc
        if not isinstance(attrs, dict):
            raise SamplingError(f"the sampler of {op.name!r} must return (arrays, attrs) with "
                                f"attrs a dict, got {type(attrs).__name__}")
        return [np.asarray(a) for a in arrays], attrs
    check_sampleable(op)
    arrays, attrs = build_inputs(primitive_spec(op), ch, dtype, shapes)
    drawn = " ".join(str(a.shape) for a in arrays)
    try:
        with np.errstate(all="ignore"):  # (as apply runs a forward: quietly)
            res = op.forward(*[a.copy() for a in arrays])  # (copies: a forward may write)
    except Exception as exc:
        raise SamplingError(f"{op.name!r} is not elementwise: its forward raised "
                            f"{type(exc).__name__}: {exc} on inputs of broadcastable shapes "
                            f"{drawn}; {_HOW}") from exc
    want = np.broadcast_shapes(*(a.shape for a in arrays))
    # (A forward that is not a pair breaks the op API: recording it says so, as a failure.)
    if type(res) is tuple and len(res) == 2:
        if np.shape(res[0]) != want:
            raise SamplingError(f"{op.name!r} is not elementwise: on inputs of shapes {drawn} "
                                f"its value has shape {np.shape(res[0])}, not their broadcast "
                                f"shape {want}; {_HOW}")
        if not _elementwise_on(op, arrays, np.asarray(res[0]), want):
            raise SamplingError(f"{op.name!r} is not elementwise: on inputs of shapes {drawn} "
                                "its value changes when the elements are laid out in one row "
                                f"(a matrix product?); {_HOW}")
    return arrays, attrs


def _elementwise_on(op: Primitive, arrays: list[np.ndarray], value: np.ndarray,
                    shape: Shape) -> bool:
    """Whether ``op``'s value is the same on the inputs broadcast to ``shape`` and laid out in
    one row: true of an elementwise op, not of a product of matrices of that shape."""
    row = [np.broadcast_to(a, shape).reshape(-1) for a in arrays]
    try:
        with np.errstate(all="ignore"):
            flat = op.forward(*row)
    except Exception:
        return False
    if type(flat) is not tuple or len(flat) != 2 or np.shape(flat[0]) != (value.size,):
        return False
    return bool(np.allclose(np.asarray(flat[0]), value.reshape(-1), equal_nan=True))
