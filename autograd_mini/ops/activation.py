"""Activations beyond the core ones, each in a numerically stable form."""

from __future__ import annotations

__all__: list[str] = []
