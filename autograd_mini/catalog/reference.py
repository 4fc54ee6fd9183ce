"""The function reference (docs/ops.md), generated from the registry and the catalog: every
public function of ``autograd_mini.functional`` by family, with its signature, formula, input
domain and whether (and how) it is differentiable.

    python -m autograd_mini.catalog.reference            # print it
    python -m autograd_mini.catalog.reference --write docs/ops.md
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path

from .. import functional as F
from ..engine import REGISTRY, Primitive
from . import SPECS

__all__ = ["reference_markdown"]

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
    ("Composites", "autograd_mini.functional"),
]

_INTRO = """# Function reference

Every differentiable function of `autograd_mini` (also `autograd_mini.functional`), by family.
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


def _family_of(name: str) -> str:
    """The first family module whose ``__all__`` lists ``name`` (composites: functional)."""
    for _, mod in FAMILIES[:-1]:
        if name in getattr(importlib.import_module(mod), "__all__", ()):
            return mod
    return "autograd_mini.functional"


def _signature(name: str) -> str:
    """``name(x, axis=None, ...)``: parameters and defaults, without annotations."""
    fn = getattr(F, name)
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
    doc = inspect.getdoc(getattr(F, name)) or ""
    prim = REGISTRY.get(name)
    if prim is not None and prim.doc:
        doc = prim.doc
    first = " ".join(doc.strip().split("\n\n")[0].split())
    return first.replace("|", "\\|")


def _gradient(name: str) -> tuple[str, str, str]:
    """(gradient kind, domain, primitives recorded) for one function."""
    if name in F.NOT_DIFFERENTIABLE:
        return "none", "—", "—"
    spec = next(s for s in SPECS if s.name == name)
    doc = (_formula(name) + " " + (inspect.getdoc(getattr(F, name)) or "")).lower()
    kind = "zero" if "piecewise constant" in doc else "yes" if spec.smooth else "piecewise"
    domain = ", ".join(dict.fromkeys(spec.domain))
    return kind, domain, ", ".join(spec.primitives)


def reference_markdown() -> str:
    """docs/ops.md: one table per family."""
    by_family: dict[str, list[str]] = {}
    for name in sorted(F.__all__):
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
