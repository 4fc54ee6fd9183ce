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


def test_a_user_ops_output_viewing_its_own_array_stays_locked_while_saved() -> None:
    """The output, a view of an array the forward made, was kept read-only for good while
    that array stayed writeable, so ``writeable`` made it writeable again: ``y += 1`` then
    went through and changed what the VJP read."""

    def forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = np.tanh(x.ravel()).reshape(x.shape)  # a view of tanh's fresh array
        return out, out

    def vjp(g: np.ndarray, out: np.ndarray, needs: tuple[bool, ...]) -> tuple[np.ndarray]:
        return (g * (1.0 - out * out),)

    flat_tanh = am.primitive("flat_tanh_view", forward, vjp)
    x0 = np.array([[0.5, -1.0], [2.0, 0.0]])
    x = am.Tensor(x0, requires_grad=True)
    y = flat_tanh(x)
    loss = y.sum()
    with am.no_grad(), pytest.raises(RuntimeError, match=LIVE):
        y += 1.0
    loss.backward()
    np.testing.assert_allclose(grad(x).data, 1.0 - np.tanh(x0) ** 2)
    del loss
    gone()
    with am.no_grad():
        y += 1.0  # the graph is gone: nothing needs it
    np.testing.assert_allclose(y.data, np.tanh(x0) + 1.0)


def test_a_broadcast_view_is_never_made_writeable() -> None:
    """NumPy makes a broadcast read-only because its elements share memory: ``writeable``
    made it writeable, and ``b += rows`` kept only the last row's sum."""
    x = am.Tensor(np.zeros(3))
    b = am.broadcast_to(x, (2, 3))
    with am.no_grad(), pytest.raises(RuntimeError, match="elements share memory"):
        b += am.Tensor([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
    np.testing.assert_array_equal(x.data, np.zeros(3))


def test_a_stride_tricks_window_a_user_op_saves_locks_the_input() -> None:
    """``sliding_window_view`` hides the array under NumPy's own object: the lock stopped
    there, so ``x -= 100`` went through and k's gradient came out [-394, -390] for [6, 10]."""
    from numpy.lib.stride_tricks import sliding_window_view

    def forward(x: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        win = sliding_window_view(x, k.shape[0])
        return win @ k, (win, k)

    def vjp(g: np.ndarray, saved: tuple[np.ndarray, ...],
            needs: tuple[bool, ...]) -> tuple[np.ndarray | None, np.ndarray | None]:
        win, k = saved
        gx = np.zeros(win.shape[0] + k.shape[0] - 1)
        for i in range(k.shape[0]):
            gx[i:i + win.shape[0]] += g * k[i]
        return (gx if needs[0] else None, g @ win if needs[1] else None)

    correlate = am.primitive("correlate_windows", forward, vjp)
    x = am.Tensor(np.arange(5.0), requires_grad=True)
    k = am.Tensor(np.ones(2), requires_grad=True)
    y = correlate(x, k).sum()
    with am.no_grad(), pytest.raises(RuntimeError, match=LIVE):
        x -= 100.0
    y.backward()
    np.testing.assert_array_equal(grad(k).data, [6.0, 10.0])
    del y
    gone()
    with am.no_grad():
        x -= 1.0
    np.testing.assert_array_equal(x.data, np.arange(5.0) - 1.0)


def test_an_as_strided_alias_given_as_data_is_copied() -> None:
    """NumPy cannot make an ``as_strided`` view writeable again once read-only, so a lock on
    it would last for good; as a parameter's data it is copied. It was kept, and
    ``writeable`` stopped at NumPy's object under it and approved a step on it while a graph
    saved the array it aliases: a's gradient came out 163 for 3."""
    from numpy.lib.stride_tricks import as_strided

    flat = np.ones(4)
    a, c = nn.Parameter(np.zeros(1)), nn.Parameter(np.zeros(1))
    a.data = flat[:2]
    c.data = as_strided(flat, shape=(2,), strides=(flat.itemsize,))
    assert not np.shares_memory(c.data, flat)
    la = (a * a * a).sum()
    lc = (c * c).sum()
    lc.backward()
    optim.SGD([c], lr=1.0).step()
    la.backward()
    np.testing.assert_array_equal(grad(a).data, [3.0, 3.0])
    np.testing.assert_array_equal(flat, np.ones(4))
    del la, lc
    gone()
    optim.SGD([c], lr=1.0).step()  # its lock was undone


def test_an_array_over_a_torch_tensor_is_copied_so_it_never_stays_read_only() -> None:
    """A torch tensor's ``.numpy()`` given as data or to an op was locked read-only by the
    first graph, and NumPy cannot undo that: every later step said a live graph held it."""
    torch = pytest.importorskip("torch")
    p = nn.Parameter(np.zeros(1))
    p.data = torch.zeros(3, dtype=torch.float64).numpy()
    X = torch.ones(2, 3, dtype=torch.float64).numpy()
    for _ in range(2):
        loss = ((p * p + p).sum() + (X @ p).sum())
        loss.backward()
        del loss
        gone()
        optim.SGD([p], lr=0.1).step()
        p.grad = None
    X -= X.mean(0)  # the batch itself stays writeable
    np.testing.assert_allclose(p.data, np.full(3, -0.3 - 0.1 * (2 * -0.3 + 3)))  # (2p + 1 + 2)


def test_a_memmap_under_a_saved_array_is_locked() -> None:
    """``np.memmap`` is an ndarray subclass: the lock stepped over it, so writing the memmap
    changed what a graph saved (w's gradient 10 for 2)."""
    import os
    import tempfile

    path = os.path.join(tempfile.mkdtemp(), "X.npy")
    np.save(path, np.ones((2, 3)))
    X = np.load(path, mmap_mode="r+")
    w = am.Tensor(np.ones(3), requires_grad=True)
    loss = (X @ w).sum()
    with pytest.raises(ValueError, match="read-only"):
        X[...] = 5.0
    loss.backward()
    np.testing.assert_array_equal(grad(w).data, [2.0, 2.0, 2.0])
    del loss, X
    gone()


def test_a_new_axis_view_is_not_taken_for_a_broadcast() -> None:
    """NumPy gives a new axis of length 1 a zero stride: such a view, left read-only, was
    refused for good as one whose elements share memory."""
    x = am.Tensor(np.arange(3.0), requires_grad=True)
    l1 = (x * x).sum()
    y = x[:, None]
    l2 = (y * y).sum()
    l2.backward()
    l1.backward()
    del l1, l2
    gone()
    with am.no_grad():
        y += 1.0
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0])


def test_unfreezing_a_tied_parameter_keeps_the_tie() -> None:
    """``requires_grad_(False)`` then ``(True)`` copied a tied view left read-only by a gone
    graph (taken for an op's result kept for good): steps on dec no longer reached W."""
    W = np.ones((2, 3))
    enc, dec = tied(W)
    l1 = (enc * enc).sum()
    l2 = (dec * dec).sum()
    l2.backward()
    l1.backward()
    del l1, l2
    gone()
    dec.requires_grad_(False)
    dec.requires_grad_(True)
    assert dec.data.base is W
    dec.grad = am.Tensor(np.ones((3, 2)))
    optim.SGD([dec], lr=0.5).step()
    np.testing.assert_array_equal(W, np.full((2, 3), 0.5))


def test_read_only_reasons_reach_steps_init_and_numpy_writes() -> None:
    """A broadcast parameter, with no graph anywhere, was said to be held by a live graph
    (``step``), or given NumPy's bare error (``p.data -= …``) or none (``nn.init``)."""
    p = nn.Parameter(np.zeros(1))
    p.data = np.broadcast_to(np.ones(3), (2, 3))
    p.grad = am.Tensor(np.ones((2, 3)))
    share = "elements share memory"
    with pytest.raises(RuntimeError, match=r"SGD.step: parameter 0 of group 0 \(shape \(2, 3\)\) "
                                           "is a read-only view in which " + share):
        optim.SGD([p], lr=0.1).step()
    with pytest.raises(RuntimeError, match=r"np.subtract into a parameter's array .*" + share):
        p.data -= 0.1 * grad(p)
    with pytest.raises(ValueError, match=r"zeros_: the array of shape \(2, 3\) is a read-only "
                                         "view in which " + share):
        nn.init.zeros_(p)


def test_ties_over_buffers_numpy_can_make_writeable_again_thaw_and_stay_shared() -> None:
    """A tie over a memmap or a bytearray, made while a graph held W, stayed read-only for
    good (load_state_dict then untied it); multiprocessing's shared memory given as data was
    copied, so a worker's step no longer reached the others."""
    import multiprocessing as mp

    raw = mp.RawArray("d", 3)
    shared = np.frombuffer(raw)
    p = nn.Parameter(np.zeros(1))
    p.data = shared
    assert np.shares_memory(p.data, shared)
    for W in (np.frombuffer(bytearray(48)).reshape(2, 3), shared[:3].reshape(1, 3)):
        W[...] = 1.0
        enc = nn.Parameter(np.zeros(1))
        dec = nn.Parameter(np.zeros(1))
        enc.data = W
        l1 = (enc * enc).sum()
        dec.data = W.T
        l1.backward()
        del l1
        gone()
        dec.grad = am.Tensor(np.ones(W.T.shape))
        optim.SGD([dec], lr=0.5).step()
        np.testing.assert_array_equal(W, np.full(W.shape, 0.5))
    np.testing.assert_array_equal(p.data, [0.5, 0.5, 0.5])


def test_np_broadcast_arrays_reach_ops_without_warnings() -> None:
    """Reading ``flags.writeable`` of NumPy's writeable broadcasts warns: the check that an
    array's memory can be made writeable again did, twice per op."""
    X, _ = np.broadcast_arrays(np.ones(3), np.ones((2, 3)))
    w = am.Tensor(np.ones(3), requires_grad=True)
    (w + X).sum().backward()  # (warnings are errors in the test suite)
    np.testing.assert_array_equal(grad(w).data, [2.0, 2.0, 2.0])


def test_np_broadcast_arrays_saved_by_ops_are_copied_and_never_touched() -> None:
    """An op that saves a writeable broadcast (``w * X``, ``nn.Linear``, ``p.data = X``) read
    its flag (NumPy's FutureWarning), then locked and unlocked it, which dropped NumPy's
    warning on a later write; the graph takes a copy, so a write into ``X`` afterwards changes
    no gradient and ``X`` keeps its warning."""
    X, _ = np.broadcast_arrays(np.ones(3), np.ones((2, 3)))
    w = am.Tensor(np.ones(3), requires_grad=True)
    p = am.Tensor(np.zeros((2, 3)), requires_grad=True)
    p.data = X
    loss = (w * X).sum() + (p * w).sum()
    assert "WARN_ON_WRITE=True" in repr(X.flags)
    with pytest.warns(DeprecationWarning, match="broadcast_arrays"):
        X[0, 0] = 5.0  # (every element: they share one memory)
    loss.backward()
    np.testing.assert_array_equal(grad(w).data, [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(grad(p).data, np.ones((2, 3)))


def test_an_array_over_a_strided_buffer_is_copied_so_it_never_stays_read_only() -> None:
    """NumPy makes an array over a buffer writeable again only if the buffer is C-contiguous:
    one over a strided memoryview stayed read-only after the first graph (every later step
    and the user's own writes refused, for a reason that was not true)."""
    buf = bytearray(np.arange(8.0).tobytes())
    X = np.asarray(memoryview(buf).cast("d")[::2])
    w = am.Tensor(np.ones(4), requires_grad=True)
    loss = (w * X).sum()
    loss.backward()
    del loss
    gone()
    X[0] = 5.0
    np.testing.assert_array_equal(grad(w).data, [0.0, 2.0, 4.0, 6.0])
