"""Activations beyond the core ones, each in a numerically stable form."""

from __future__ import annotations

__all__: list[str] = []

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()
