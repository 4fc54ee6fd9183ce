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


def test_library_functions_take_an_integer_tensor_as_a_size_or_axis() -> None:
    """``am.zeros(n)`` and ``x.reshape(n, -1)`` refused the n that ``range(n)`` takes."""
    n = am.argmax(am.tensor([0.0, 1.0, 5.0]))  # 2, an int64 tensor
    assert am.zeros(n).shape == (2,) and am.ones((n, 3)).shape == (2, 3)
    assert am.randn(n, 1).shape == (2, 1) and am.eye(n).shape == (2, 2)  # type: ignore[arg-type]
    x = am.arange(6.0)
    assert x.reshape(n, -1).shape == (2, 3) and x.reshape((3, n)).shape == (3, 2)
    assert am.ones((2, 3)).sum(axis=am.tensor(1)).shape == (2,)
    assert am.one_hot(am.tensor([0, 1]), am.tensor(3)).shape == (2, 3)  # type: ignore[arg-type]
    for bad in (am.tensor(2.0), am.tensor(True), am.tensor([2, 3])):  # not one integer
        with pytest.raises(TypeError, match=r"zeros: shape must be an int"):
            am.zeros(bad)


def test_a_shallow_copy_shares_the_data_but_not_the_gradient() -> None:
    """``copy.copy(t)`` shared ``t.grad``, so a gradient summed into the copy changed t's."""
    import copy

    t = am.ones(2, requires_grad=True)
    (t * 3).sum().backward()
    c = copy.copy(t)
    assert c.grad is None and c.requires_grad and c.data is t.data
    (c * 2).sum().backward()
    assert c.grad is not None and t.grad is not None
    np.testing.assert_array_equal(t.grad.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(c.grad.numpy(), [2.0, 2.0])


def test_mT_transposes_the_matrices_of_a_stack() -> None:
    """NumPy 2's ndarray.mT and PyTorch's Tensor.mT (refused before as a PyTorch name)."""
    x = am.tensor(np.arange(12.0).reshape(2, 2, 3), requires_grad=True)
    np.testing.assert_array_equal(x.mT.data, x.data.mT)
    (x.mT * np.arange(6.0).reshape(3, 2)).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(np.arange(6.0).reshape(3, 2).T,
                                                               (2, 2, 3)))
    with pytest.raises(ValueError, match=r"mT: needs a matrix .* shape \(3,\)"):
        am.tensor([1.0, 2.0, 3.0]).mT  # noqa: B018
