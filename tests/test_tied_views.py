"""Parameters that are views of one array (tied weights ``enc.data = W``, ``dec.data = W.T``)
across graphs: a live graph that saved any view keeps the array under it locked, a view left
read-only by a graph that is gone is writeable again for the library's writers, and an op's
array that a leaf shares (``h.detach()``) stays locked while a graph needs it."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini.tensor import LOCKS, writeable

LIVE = "a live graph"


def tied(W: np.ndarray) -> tuple[nn.Parameter, nn.Parameter]:
    """An encoder weight ``W`` and a decoder weight ``W.T`` sharing its memory."""
    enc, dec = nn.Parameter(np.zeros(1)), nn.Parameter(np.zeros(1))
    enc.data, dec.data = W, W.T
    return enc, dec


def grad(t: am.Tensor) -> am.Tensor:
    """``t.grad``, which must be there."""
    assert t.grad is not None
    return t.grad


def gone() -> None:
    """Collect freed graphs, and check that no lock is left."""
    gc.collect()
    assert not LOCKS


def test_a_view_unlocked_while_its_base_is_locked_is_locked_again_by_a_new_graph() -> None:
    """W.T's last unlock came while l1 locked W, so it stayed read-only; l3 then saved it and
    locked nothing, and a step on dec after l1's backward changed what l3 saved (3 for 4)."""
    W = np.ones((2, 3))
    enc, dec = tied(W)
    l1 = (enc * enc).sum()
    l2 = (dec * dec).sum()
    l2.backward()
    l3 = (dec * dec).sum()  # saves the view left read-only
    l1.backward()
    for params in ([dec], [enc]):  # either tied parameter would change what l3 saved
        with pytest.raises(RuntimeError, match=LIVE):
            optim.SGD(params, lr=0.25).step()
    np.testing.assert_array_equal(W, np.ones((2, 3)))
    l3.backward()
    np.testing.assert_array_equal(dec.grad.data, np.full((3, 2), 4.0))  # type: ignore[union-attr]
    np.testing.assert_array_equal(enc.grad.data, np.full((2, 3), 2.0))  # type: ignore[union-attr]
    del l1, l2, l3
    gone()
    optim.SGD([enc, dec], lr=0.25).step()  # no graph: both steps go through, into one array
    np.testing.assert_array_equal(W, np.full((2, 3), 1.0 - 0.5 - 1.0))
    assert dec.data.base is W and writeable(dec.data)


def test_a_tie_made_while_a_graph_is_alive_is_locked_and_then_writeable() -> None:
    """W.T taken while l1 locked W is read-only from birth and was taken for an op's result
    kept for good: l3 locked nothing (enc's step gave dec the gradient 1 for 2), and once
    every graph was gone, no step, in-place operator or ``p.data -= …`` could write to it."""
    W = np.ones((2, 3))
    enc = nn.Parameter(np.zeros(1))
    dec: am.Tensor = nn.Parameter(np.zeros(1))
    enc.data = W
    l1 = (enc * enc).sum()
    dec.data = W.T
    assert not dec.data.flags.writeable
    l3 = (dec * dec).sum()
    l1.backward()
    with pytest.raises(RuntimeError, match=LIVE):
        optim.SGD([enc], lr=0.25).step()
    l3.backward()
    np.testing.assert_array_equal(dec.grad.data, np.full((3, 2), 2.0))  # type: ignore[union-attr]
    del l1, l3
    gone()
    optim.SGD([dec], lr=0.25).step()
    np.testing.assert_array_equal(W, np.full((2, 3), 0.5))
    with am.no_grad():
        dec -= 0.25
    dec.data -= 0.25 * grad(dec)  # NumPy's ufunc into a parameter's array, with a Tensor
    np.testing.assert_array_equal(W, np.full((2, 3), -0.25))
    assert dec.data.base is W


def test_a_write_into_a_stale_view_says_which_graph_holds_it() -> None:
    """``p.data -= lr * p.grad`` into a view whose base a live graph locks names the graph;
    it was NumPy's bare 'output array is read-only'."""
    W = np.ones((2, 3))
    enc, dec = tied(W)
    l1 = (enc * enc).sum()
    l2 = (dec * dec).sum()
    l2.backward()  # W.T unlocked while l1 still locks W
    with pytest.raises(RuntimeError, match=r"np\.subtract into a parameter's array .* a live"):
        dec.data -= 0.1 * grad(dec)
    l1.backward()
    dec.data -= 0.5 * grad(dec)
    np.testing.assert_array_equal(W, np.zeros((2, 3)))


def test_load_state_dict_keeps_a_tie_made_while_a_graph_was_alive() -> None:
    """The view was taken for an op's result and set anew, untying it silently: enc then
    changed and dec did not."""
    m = nn.Module()
    m.enc = nn.Parameter(np.ones((2, 3)))
    m.dec = nn.Parameter(np.zeros(1))
    l1 = (m.enc * m.enc).sum()
    m.dec.data = m.enc.data.T
    l1.backward()
    del l1
    gone()
    m.load_state_dict({"enc": np.full((2, 3), 5.0), "dec": np.full((3, 2), 5.0)})
    assert m.dec.data.base is m.enc.data
    with am.no_grad():
        m.enc -= 1.0
    np.testing.assert_array_equal(m.dec.data, np.full((3, 2), 4.0))


def test_an_op_result_a_detached_leaf_shares_stays_locked_while_a_graph_needs_it() -> None:
    """h's array, locked as d's (a leaf) when y saved it, was made writeable by l1's backward,
    so ``d += 100`` changed what y saved: x.grad came out 408 for 8."""
    x = am.Tensor(np.ones(3), requires_grad=True)
    w = am.Tensor(np.ones(3), requires_grad=True)
    h = x * 2.0
    d = h.detach()
    l1 = (d * w).sum()
    y = (h * h).sum()
    l1.backward()
    with am.no_grad(), pytest.raises(RuntimeError, match=LIVE):
        d += 100.0
    y.backward()
    np.testing.assert_array_equal(x.grad.data, np.full(3, 8.0))  # type: ignore[union-attr]
    np.testing.assert_array_equal(w.grad.data, np.full(3, 2.0))  # type: ignore[union-attr]


def test_an_op_result_kept_for_good_is_still_refused_after_its_graph() -> None:
    """Saved first by an op and only then shared by a leaf, the array stays read-only for
    good (its lifetime is not counted), as before."""
    x = am.Tensor(np.ones(3), requires_grad=True)
    h = x * 2.0
    y = (h * h).sum()
    d = h.detach()
    l1 = (d * x).sum()
    y.backward()
    l1.backward()
    del y, l1
    gc.collect()
    with am.no_grad(), pytest.raises(RuntimeError, match="read-only for good"):
        d += 1.0


def test_a_view_of_an_op_result_is_never_made_writeable() -> None:
    """The thaw in ``writeable`` needs a writeable base: a reshape of an op's result kept for
    good stays refused."""
    x = am.Tensor(np.ones((2, 3)), requires_grad=True)
    h = x * 2.0
    v = h.reshape(6)
    loss = (v * v).sum()
    loss.backward()
    del loss
    gc.collect()
    assert not writeable(v.data)
    with am.no_grad(), pytest.raises(RuntimeError, match="read-only for good"):
        v += 1.0


def test_a_slice_of_a_flat_parameter_buffer_locks_the_buffer() -> None:
    """Parameters as slices of one flat buffer: a graph on one slice made after another
    graph's unlock is locked again, and every slice steps once all graphs are gone."""
    flat = np.ones(6)
    a, b = nn.Parameter(np.zeros(1)), nn.Parameter(np.zeros(1))
    a.data, b.data = flat[:3], flat[3:]
    la = (a * a).sum()
    lb = (b * b).sum()
    lb.backward()  # b's slice unlocked while la locks the buffer: left read-only
    lb2 = (b * b * 3.0).sum()  # saves b's slice
    la.backward()
    with pytest.raises(RuntimeError, match=LIVE):
        optim.SGD([b], lr=0.1).step()
    lb2.backward()
    np.testing.assert_allclose(b.grad.data, np.full(3, 8.0))  # type: ignore[union-attr]
    del la, lb, lb2
    gone()
    optim.SGD([a, b], lr=0.1).step()
    np.testing.assert_allclose(flat, [0.8, 0.8, 0.8, 0.2, 0.2, 0.2])
