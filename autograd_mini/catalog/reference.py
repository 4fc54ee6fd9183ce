"""The function reference (docs/ops.md), generated from the registry and the catalog: every
public function of ``autograd_mini.functional`` and ``autograd_mini.linalg`` by family, with
its signature, formula, input domain and whether (and how) it is differentiable.

    python -m autograd_mini.catalog.reference            # print it
    python -m autograd_mini.catalog.reference --write docs/ops.md
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path
from typing import Any

from .. import functional as F
from .. import linalg
from ..engine import REGISTRY, Primitive
from . import SPECS

__all__ = ["public_names", "reference_markdown"]

#: Families in reading order: (title, module whose __all__ lists them).
FAMILIES = [
    ("Arithmetic, exp/log and activations", "autograd_mini.ops.elementwise"),
    ("More elementwise mathematics", "autograd_mini.ops.mathfuncs"),
    ("More activations", "autograd_mini.ops.activation"),
    ("Reductions and softmax", "autograd_mini.ops.reduce"),
    ("Scans and sorting", "autograd_mini.ops.scan"),
    ("Norms", "autograd_mini.ops.norm"),
    ("Matrix products", "autograd_mini.ops.linalg"),
    ("einsum and contractions", "autograd_mini.ops.einsum"),
    ("Shapes and indexing", "autograd_mini.ops.shape"),
    ("Movement, gathers and scatters", "autograd_mini.ops.movement"),
    ("Special functions", "autograd_mini.ops.special"),
    ("Order statistics and NaN-skipping reductions", "autograd_mini.ops.statistics"),
    ("Differences, products and distances", "autograd_mini.ops.products"),
    ("Linear algebra (`autograd_mini.linalg`)", "autograd_mini.linalg"),
    ("Composites", "autograd_mini.functional"),
]

_INTRO = """# Function reference

Every differentiable function of `autograd_mini` (also `autograd_mini.functional`) and of
`autograd_mini.linalg`, by family.
Generated from the op registry and the test catalog by
`python -m autograd_mini.catalog.reference --write docs/ops.md`; a test checks it is current.

- **Formula**: the first line of the docstring; for a primitive, the forward and its
  vector-Jacobian product (x̄ is the gradient with respect to x, ḡ the output's).
- **Domain**: where the tests sample each input ("real", "positive", ...; see
  `autograd_mini.catalog.DOMAINS`); outside it the value follows NumPy (NaN, ±inf), without
  warnings.
- **Gradient**: *yes* — checked against central differences in float64, first and second order,
  with broadcasting, float32 kept; *piecewise* — the derivative jumps at isolated points
  (relu'(0) = 0, ties split evenly), checked away from them; *zero* — piecewise constant, the
  gradient is 0 (as in PyTorch); *none* — integer or bool results, never recorded.
- **Records**: the primitives its graph is made of (a composite records several).
"""


def public_names() -> list[str]:
    """Every public function: ``functional``'s, then ``linalg``'s as ``linalg.<name>`` (those
    that are not ``functional``'s under the same name, as ``norm``)."""
    return [*sorted(F.__all__), *(f"linalg.{n}" for n in sorted(linalg.__all__)
                                  if getattr(F, n, None) is not getattr(linalg, n))]


def _function(name: str) -> Any:
    """The public function called ``name`` (``linalg.inv`` is ``autograd_mini.linalg.inv``)."""
    return getattr(linalg, name[7:]) if name.startswith("linalg.") else getattr(F, name)


def _family_of(name: str) -> str:
    """The first family module whose ``__all__`` lists ``name`` (composites: functional)."""
    if name.startswith("linalg."):
        return "autograd_mini.linalg"
    for _, mod in FAMILIES[:-1]:
        if name in getattr(importlib.import_module(mod), "__all__", ()):
            return mod
    return "autograd_mini.functional"


def _signature(name: str) -> str:
    """``name(x, axis=None, ...)``: parameters and defaults, without annotations."""
    fn = _function(name)
    if isinstance(fn, Primitive):  # called directly: its inputs, then its attributes
        spec = next((s for s in SPECS if s.name == name), None)
        nin = fn.nin if fn.nin > 0 else 1
        params = ["x"] if nin == 1 else ["a", "b", "c"][:nin] if nin <= 3 else ["*xs"]
        return f"`{name}({', '.join(params)})`" if spec is not None else f"`{name}(...)`"
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return f"`{name}(...)`"
    shown = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()
             if not p.name.startswith("_")]  # (a catch-all kept only to refuse with a hint)
    return f"`{name}{sig.replace(parameters=shown, return_annotation=inspect.Signature.empty)}`"


def _formula(name: str) -> str:
    doc = inspect.getdoc(_function(name)) or ""
    prim = REGISTRY.get(name)
    if prim is not None and prim.doc:
        doc = prim.doc
    first = " ".join(doc.strip().split("\n\n")[0].split())
    return first.replace("|", "\\|")


def not_differentiable() -> set[str]:
    """The public functions with integer or bool results (no gradient, no catalog spec), as
    ``public_names`` names them."""
    return {*F.NOT_DIFFERENTIABLE, *(f"linalg.{n}" for n in linalg.NOT_DIFFERENTIABLE)}


def _gradient(name: str) -> tuple[str, str, str]:
    """(gradient kind, domain, primitives recorded) for one function."""
    if name in not_differentiable():
        return "none", "—", "—"
    spec = next(s for s in SPECS if s.name == name)
    doc = (_formula(name) + " " + (inspect.getdoc(_function(name)) or "")).lower()
    kind = "zero" if "piecewise constant" in doc else "yes" if spec.smooth else "piecewise"
    domain = ", ".join(dict.fromkeys(spec.domain))
    return kind, domain, ", ".join(spec.primitives)


def reference_markdown() -> str:
    """docs/ops.md: one table per family."""
    by_family: dict[str, list[str]] = {}
    for name in public_names():
        by_family.setdefault(_family_of(name), []).append(name)
    parts = [_INTRO]
    for title, mod in FAMILIES:
        names = by_family.get(mod, [])
        if not names:
            continue
        parts.append(f"\n## {title}\n\n| Function | Formula | Domain | Gradient | Records |\n"
                     "|---|---|---|---|---|\n")
        for name in names:
            kind, domain, prims = _gradient(name)
            parts.append(f"| {_signature(name)} | {_formula(name)} | {domain} | {kind} | "
                         f"{prims} |\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Print the reference, or write it to a file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", metavar="PATH", help="write the reference to PATH")
    args = parser.parse_args(argv)
    text = reference_markdown()
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
