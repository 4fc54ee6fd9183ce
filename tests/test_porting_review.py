"""Habits of a PyTorch script being ported, each met by a message that says what to write:
found by porting classic PyTorch programs line by line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn


@pytest.mark.parametrize(("call", "says"), [
    (lambda: am.flatten(am.ones((2, 3, 4)), 1), r"flatten\(1\).*x\.reshape\(x\.shape\[0\], -1\)"),
    (lambda: am.ones((2, 3)).flatten(1), r"flatten\(1\).*x\.reshape\(x\.shape\[0\], -1\)"),
    (lambda: nn.Dropout(0.5, True),  # type: ignore[arg-type]
     r"rng must be.*got bool.*by keyword, inplace=True"),
])
def test_type_errors_say_what_to_write(call: Any, says: str) -> None:
    with pytest.raises(TypeError, match=says):
        call()


@pytest.mark.parametrize(("call", "says"), [
    (lambda: am.ones(3).eq, r"'eq' \(a PyTorch name\): use x == other"),
    (lambda: am.ones(3).gt, r"use x > other"),
    (lambda: am.ones(3).clamp_, r"a parameter in place: with autograd_mini\.no_grad\(\): "
                                r"p\[\.\.\.\] = p\.clip"),
    (lambda: nn.utils, r"no packing of sequences.*Sequences of different lengths"),
])
def test_attribute_errors_say_what_to_write(call: Any, says: str) -> None:
    with pytest.raises(AttributeError, match=says):
        call()


def test_the_in_place_clip_the_hint_gives_clips_the_parameters() -> None:
    """``p = p.clip(...)`` in a loop over parameters only rebinds the loop variable."""
    m = nn.Linear(4, 3, rng=np.random.default_rng(0))
    for p in m.parameters():
        with am.no_grad():
            p[...] = p.clip(-0.01, 0.01)
    assert max(float(np.abs(p.data).max()) for p in m.parameters()) == 0.01
    assert am.flatten(am.ones((2, 3))).shape == (6,)
