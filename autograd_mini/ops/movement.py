"""Movement ops: flips, rolls, pads, repeats, splits, gathers and scatters."""

from __future__ import annotations

__all__: list[str] = []
