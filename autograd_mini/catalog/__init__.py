"""Catalog of every public differentiable function: its NumPy reference, input domain and input
builder, used by the property tests, the per-op report and ``autograd_mini.testing``.

``spec`` holds the OpSpec and the input builder, ``draw`` the random choices; each op family's
specs are in a module of its own (``core``, ``mathfuncs``, ``activation``, ``scan``, ``linalg``,
``movement``, ``special``,
``statistics``, ``products``, and ``solve``, ``decomp`` and ``matfuncs`` for
``autograd_mini.linalg``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import REGISTRY, Node, Primitive
from ..graphview import topological_order
from ..opcheck import check_domain
from . import (
    activation,
    core,
    decomp,
    linalg,
    matfuncs,
    mathfuncs,
    movement,
    products,
    scan,
    solve,
    special,
    statistics,
)
from .draw import (
    BOUND,
    DOMAINS,
    Chooser,
    RngChooser,
    Shape,
    domain_values,
    draw_axes,
    draw_broadcastable,
    draw_index,
    draw_matmul_shapes,
    draw_shape,
    in_domain,
)
from .spec import OpSpec, build_inputs, spec

__all__ = [
    "BOUND", "DOMAINS", "SPECS", "Chooser", "OpSpec", "RngChooser", "Shape", "build_inputs",
    "check_catalog_covers_registry", "domain_values", "draw_axes", "draw_broadcastable",
    "draw_index", "draw_matmul_shapes", "draw_shape", "get_spec", "in_domain",
    "primitive_spec", "recorded_primitives", "spec", "user_primitives", "user_specs",
]

SPECS: list[OpSpec] = [*core.SPECS, *mathfuncs.SPECS, *activation.SPECS, *scan.SPECS, *linalg.SPECS,
                       *movement.SPECS, *special.SPECS, *statistics.SPECS, *products.SPECS,
                       *solve.SPECS, *decomp.SPECS, *matfuncs.SPECS]


def get_spec(name: str) -> OpSpec:
    """The spec called ``name``; for a registered primitive no spec exercises (a user's op),
    ``primitive_spec`` of it."""
    for s in SPECS:
        if s.name == name:
            return s
    if name in REGISTRY and name not in _covered():
        return primitive_spec(REGISTRY[name])
    raise KeyError(f"no OpSpec named {name!r}; known: {[s.name for s in SPECS]}")


def primitive_spec(op: Primitive) -> OpSpec:
    """A spec for a primitive of its own (a user's op), taken as elementwise: inputs of
    broadcastable shapes, each in the op's declared domain (the last entry covers the rest).
    For an op declared ``smooth=False``, "real" is taken as "nonzero": samples stay off 0,
    where relu-like ops have their kink (a kink elsewhere needs a domain that avoids it)."""
    check_domain(op.name, op.domain)  # (a domain changed since the op was defined)
    domain = op.domain if op.smooth else tuple("nonzero" if d == "real" else d
                                               for d in op.domain)
    nin = op.nin if op.nin > 0 else len(op.domain)
    return OpSpec(op.name, op, lambda *a, **k: op.forward(*a, **k)[0], "elementwise", (op.name,),
                  nin=nin, domain=domain, smooth=op.smooth)


def user_primitives() -> list[Primitive]:
    """The registered primitives that no catalog spec exercises (a user's), in registration
    order."""
    covered = _covered()
    return [op for name, op in REGISTRY.items() if name not in covered]


def user_specs() -> list[OpSpec]:
    """``primitive_spec`` of every registered primitive that no catalog spec exercises."""
    return [primitive_spec(op) for op in user_primitives()]


def _covered() -> set[str]:
    return set().union(*(s.primitives for s in SPECS))


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
