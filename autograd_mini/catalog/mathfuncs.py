"""Specs of elementwise mathematics: trigonometry, hyperbolic functions, rounding, predicates."""

from __future__ import annotations

from .spec import OpSpec

__all__ = ["SPECS"]

SPECS: list[OpSpec] = []
