"""Elementwise mathematics: trigonometric and hyperbolic functions, exp2/expm1/log2/log10,
rounding (zero gradient), logaddexp, hypot, erf, remainder, and predicates."""

from __future__ import annotations

__all__: list[str] = []

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()
