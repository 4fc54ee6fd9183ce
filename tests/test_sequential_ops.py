"""``Sequential`` arithmetic as PyTorch's: ``a + b`` joins two, ``a * 3``, ``3 * a`` and
``a *= 3`` repeat the same modules."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pytest

import nn
from autograd_mini import Tensor


def _structure(seq: Any) -> list[tuple[str, int]]:
    """(name, which of three layers) for each entry of ``seq``."""
    return [(str(i), [id(m) for m in LAYERS].index(id(mod))) for i, mod in enumerate(seq)]


LAYERS: list[Any] = []


def test_sequential_add_and_repeat_as_torch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (nn, torch.nn):
        a, b, c = lib.Linear(2, 2), lib.Tanh(), lib.Linear(2, 2)
        LAYERS[:] = [a, b, c]
        s = lib.Sequential(a, b)
        t = lib.Sequential(c)
        shapes = [_structure(s + t), _structure(s * 2), _structure(2 * s)]
        s *= 3
        shapes.append(_structure(s))
        errors = []
        for op, arg in ((operator.add, [c]), (operator.mul, 0), (operator.mul, 1.5)):
            with pytest.raises((TypeError, ValueError)) as info:
                op(s, arg)
            errors.append(info.type)
        results.append((shapes, errors))
    assert results[0] == results[1]
    assert results[0][0][1] == [("0", 0), ("1", 1), ("2", 0), ("3", 1)]
    seq = nn.Sequential(nn.Linear(2, 2, rng=np.random.default_rng(6))) * 2
    assert len(list(seq.parameters())) == 2  # one layer, twice
    np.testing.assert_allclose(seq(Tensor(np.ones((1, 2)))).data,
                               seq[1](seq[0](Tensor(np.ones((1, 2))))).data)
