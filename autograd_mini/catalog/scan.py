"""Specs of reductions, scans, sorting and norms."""

from __future__ import annotations

from .spec import OpSpec

__all__ = ["SPECS"]

SPECS: list[OpSpec] = []
