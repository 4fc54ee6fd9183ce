"""Movement ops: flips, rolls, pads, repeats, splits, gathers and scatters."""

from __future__ import annotations

__all__: list[str] = []

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()
