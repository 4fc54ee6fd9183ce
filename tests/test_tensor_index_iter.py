"""A one-element integer tensor is an index (``seq[t]``, ``range(t)``), and iterating a tensor
gives its rows, refusing a 0-d one, as PyTorch's and NumPy's."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am


def test_an_integer_tensor_of_one_element_is_an_index() -> None:
    labels = ["cat", "dog", "bird"]
    scores = am.tensor([0.1, 2.0, 0.3])
    assert labels[am.argmax(scores)] == "dog"
    assert list(range(am.tensor(3))) == [0, 1, 2]
    assert list(range(am.tensor([[2]]))) == [0, 1]
    assert np.zeros(am.tensor(2)).shape == (2,)
    assert "abc"[am.tensor(True)] == "b"


@pytest.mark.parametrize("bad", [am.tensor(1.0), am.tensor([1, 2]), am.tensor(np.zeros(0, int))])
def test_other_tensors_are_not_an_index(bad: am.Tensor) -> None:
    with pytest.raises(TypeError, match=r"integer tensor of one element.*shape"):
        [1, 2, 3][bad]


def test_iteration_gives_recorded_rows_and_refuses_0d() -> None:
    x = am.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    ((rows[0] * rows[0]).sum() + (rows[1] * rows[1]).sum()).backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy())
    assert list(am.zeros((0, 3))) == []
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(am.tensor(2.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        _a, = am.tensor(2.0)


def test_in_asks_whether_an_element_equals_the_value() -> None:
    """``2 in t`` raised: iteration compared whole rows, whose truth is ambiguous."""
    t = am.tensor([[1, 2], [3, 4]])
    assert 2 in t and 5 not in t and am.tensor(3) in t
    assert [9, 4] in t  # (NumPy's rule: any element of the broadcast comparison)
