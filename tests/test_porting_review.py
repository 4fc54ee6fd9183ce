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
    (lambda: nn.utils.rnn.pack_padded_sequence,
     r"no packing of sequences.*Sequences of different lengths"),
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


def test_a_gradient_penaltys_kept_graph_is_named_by_the_step() -> None:
    """WGAN-GP: ``d.backward(..., create_graph=True, inputs=[x])`` keeps d's graph while d
    lives; the step's refusal spoke of retain_graph only, which the user never passed."""
    import optim

    am.manual_seed(0)
    D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = optim.Adam(D.parameters(), lr=1e-3)
    real = am.randn(16, 2)
    interp = (real * 0.5).requires_grad_(True)
    d = D(interp)
    d.backward(am.ones_like(d), create_graph=True, inputs=[interp])
    assert interp.grad is not None
    penalty = ((interp.grad.norm(2, axis=1) - 1) ** 2).mean()
    loss = -D(real).mean() + 10 * penalty
    opt.zero_grad()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"create_graph=True, as for a gradient penalty"):
        opt.step()
    del d
    opt.step()  # as the docs say
