"""Found by sweeping degenerate shapes: NumPy's in-place writers refuse a Tensor (they changed
a parameter behind the engine's checks), and the fused cross-entropy takes an empty batch of
no classes, as PyTorch's."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am


@pytest.mark.parametrize(("name", "write"), [
    ("fill_diagonal", lambda w: np.fill_diagonal(w, 0.0)),
    ("copyto", lambda w: np.copyto(w, np.zeros((2, 2)))),
    ("put", lambda w: np.put(w, [0], 5.0)),
    ("place", lambda w: np.place(w, np.eye(2, dtype=bool), 7.0)),
    ("putmask", lambda w: np.putmask(w, np.eye(2, dtype=bool), 7.0)),
])
@pytest.mark.parametrize("requires_grad", [True, False])
def test_numpys_in_place_writers_refuse_a_tensor(name: str, write: Any,
                                                 requires_grad: bool) -> None:
    """``np.fill_diagonal(w, 0)`` changed a leaf that requires grad, outside no_grad(), with no
    message; with a graph holding w it ended in NumPy's bare read-only error."""
    w = am.Tensor(np.ones((2, 2)), requires_grad=requires_grad)
    with pytest.raises(TypeError, match=rf"np\.{name} writes in place into a Tensor.*"
                                        rf"np\.{name}\(t\.data"):
        write(w)
    np.testing.assert_array_equal(w.data, np.ones((2, 2)))
    write(w.data)  # the way the message gives
    assert not np.array_equal(w.data, np.ones((2, 2)))


def test_copying_a_tensor_into_an_array_is_not_a_write_into_it() -> None:
    out = np.zeros(3)
    np.copyto(out, am.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(out, [1.0, 2.0, 3.0])


@pytest.mark.parametrize(("reduction", "torchs"), [
    ("none", np.zeros(0)), ("sum", np.float64(0.0)), ("mean", np.float64(np.nan))])
def test_cross_entropy_of_an_empty_batch_of_no_classes_as_torch(reduction: str,
                                                                 torchs: Any) -> None:
    """It raised NumPy's "zero-size array to reduction operation maximum"; PyTorch 2.13's
    ``F.cross_entropy(torch.zeros(0, 0), torch.zeros(0, dtype=long))`` gives these values."""
    x = am.Tensor(np.zeros((0, 0)), requires_grad=True)
    loss = am.softmax_cross_entropy(x, np.zeros(0, np.int64), reduction=reduction)
    np.testing.assert_array_equal(loss.data, torchs)
    assert loss.shape == np.shape(torchs)
    loss.sum().backward()
    assert x.grad is not None and x.grad.shape == (0, 0)


@pytest.mark.parametrize("write", [
    lambda w: np.copyto(dst=w, src=np.zeros((2, 2))),
    lambda w: np.fill_diagonal(a=w, val=0.0),
    lambda w: np.put(a=w, ind=[0], v=5.0),
    lambda w: np.place(arr=w, mask=np.eye(2, dtype=bool), vals=7.0),
])
def test_a_writer_refuses_a_tensor_given_by_name(write: Any) -> None:
    w = am.Tensor(np.ones((2, 2)), requires_grad=True)
    with pytest.raises(TypeError, match="writes in place into a Tensor"):
        write(w)
    np.testing.assert_array_equal(w.data, np.ones((2, 2)))


@pytest.mark.parametrize("write", [
    lambda a, t: np.copyto(a, t),
    lambda a, t: np.putmask(a, np.eye(2, dtype=bool), t),
    lambda a, t: np.place(a, np.eye(2, dtype=bool), t),
    lambda a, t: np.put(a, [0], t[0, 0]),
])
def test_a_writer_warns_that_a_tensor_it_copies_drops_its_gradient(write: Any) -> None:
    """As ``arr[i] = t`` warns (PyTorch refuses it); quiet under no_grad()."""
    t = am.Tensor(np.full((2, 2), 3.0), requires_grad=True)
    with pytest.warns(UserWarning, match="drops its gradient"):
        write(np.zeros((2, 2)), t)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with am.no_grad():
            write(np.zeros((2, 2)), t)


def test_cross_entropy_of_integer_logits_still_works() -> None:
    """An empty-batch fix (``initial=-inf``) made integer logits raise OverflowError."""
    loss = am.softmax_cross_entropy(np.array([[1, 2, 3], [3, 2, 1]]), np.array([2, 0]))
    want = np.log(np.exp([1, 2, 3]).sum()) - 3
    np.testing.assert_allclose(loss.data, [want, want])


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int64, np.bool_])
def test_cross_entropy_of_small_integer_logits_is_computed_in_float(dtype: Any) -> None:
    """uint8 [[0, 3]] gave inf: x − max wrapped around in the integer type."""
    logits = np.array([[0, 3], [1, 0]]).astype(dtype)
    loss = am.softmax_cross_entropy(logits, np.array([0, 1]))
    want = am.softmax_cross_entropy(logits.astype(np.float64), np.array([0, 1]))
    np.testing.assert_allclose(loss.data, want.data)
    assert loss.dtype == np.float64


def test_put_along_axis_into_an_array_writes_it() -> None:
    """It was refused with a message about writing into a tensor, which it was not."""
    a = np.zeros((2, 3))
    np.put_along_axis(a, np.array([[0], [2]]), am.Tensor(np.ones((2, 1))), 1)
    np.testing.assert_array_equal(a, [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(TypeError, match=r"autograd_mini\.put_along_axis\(t"):
        np.put_along_axis(am.Tensor(np.zeros((2, 3))), np.array([[0], [2]]), 1.0, 1)  # type: ignore[arg-type]


def test_clip_names_an_integer_bound_numpy_cannot_compare() -> None:
    """NumPy's bare 'Python int too large to convert to C long' came out of the forward; the
    bounds NumPy takes (uint64's top half, a bound beyond the side that changes nothing) stay
    taken."""
    with pytest.raises(ValueError, match=r"clip: a bound \(a_min=1180591620717411303424, "
                                         r"a_max=None\) does not fit int64"):
        am.clip(am.tensor([1, 2]), a_min=2 ** 70)
    np.testing.assert_array_equal(am.clip(am.tensor([1.0, 2.0]), a_max=2 ** 70).data, [1, 2])
    np.testing.assert_array_equal(am.clip(am.tensor([1, 2]), a_min=-2 ** 70).data, [1, 2])
    np.testing.assert_array_equal(am.clip(am.Tensor(np.array([1, 2], np.int8)),
                                          a_max=2 ** 64).data, [1, 2])
    big = np.array([0, 2 ** 63 + 5], np.uint64)
    np.testing.assert_array_equal(am.clip(am.Tensor(big), a_min=2 ** 63).data,
                                  np.clip(big, 2 ** 63, None))


def test_triplet_loss_with_the_default_distance_names_an_integer_input() -> None:
    """The refusal named pairwise_distance's x2, not the loss's argument (the fuzz test found
    it)."""
    import nn.functional as F

    with pytest.raises(TypeError, match="triplet_margin_with_distance_loss: negative must be "
                                        "floating point for the default distance"):
        F.triplet_margin_with_distance_loss(am.tensor([0.0]), am.tensor([0.0]), np.array([0]))
