"""Specs of linear algebra: einsum and its relatives."""

from __future__ import annotations

from .spec import OpSpec

__all__ = ["SPECS"]

SPECS: list[OpSpec] = []
