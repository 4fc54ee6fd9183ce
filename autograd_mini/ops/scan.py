"""Reductions, scans and orderings: prod, cumulative sums and products, arg-reductions,
sorting, top-k and norms."""

from __future__ import annotations

__all__: list[str] = []
