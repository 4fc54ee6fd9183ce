"""Specs of movement ops: flips, rolls, pads, gathers and scatters."""

from __future__ import annotations

from .spec import OpSpec

__all__ = ["SPECS"]

SPECS: list[OpSpec] = []
