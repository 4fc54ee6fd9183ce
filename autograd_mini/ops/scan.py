"""Reductions, scans and orderings: prod, cumulative sums and products, arg-reductions,
sorting, top-k and norms."""

from __future__ import annotations

__all__: list[str] = []

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()
