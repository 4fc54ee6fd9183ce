"""The engine's promises under attack: an in-place write through a view taken before the
graph, ``t.data`` replaced before a recorded backward, one adjoint for two leaves with
``create_graph``, the dtype of a recorded update, grad mode on generators and as a statement,
and a leaf made from a saved result."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Generator, Iterator
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini import Tensor


def test_a_write_through_a_view_taken_before_the_graph_is_refused() -> None:
    """The view itself stayed writeable when the graph locked its base: the gradient came out
    for the changed values ([202, 204, 6] for [2, 4, 6])."""
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with am.no_grad():
        row = w[0:2]
    r = w.detach().reshape(3)
    loss = (w * w).sum()
    with am.no_grad(), pytest.raises(RuntimeError, match=r"\+=: the tensor's array .* is "
                                     "read-only: a live graph saved it"):
        row += 100.0
    with pytest.raises(RuntimeError, match=r"x\[\.\.\.\] = value: the tensor's array"):
        r[0] = 50.0
    loss.backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 4.0, 6.0])  # type: ignore[union-attr]
    with am.no_grad():
        row += 1.0  # the graph is gone: the view writes through again
    np.testing.assert_array_equal(w.data, [2.0, 3.0, 3.0])


def test_a_recorded_backward_after_t_data_was_replaced_is_refused() -> None:
    """The second derivative came out [2, 4] for [6, 12]: the replaced array was taken for a
    constant."""
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w * w).sum()
    w.data = w.data.copy()
    with pytest.raises(RuntimeError, match="create_graph=True: an input's array was replaced "
                       r"\(t\.data = \.\.\.\) after the op saved it"):
        y.backward(create_graph=True)
    assert w.grad is None  # nothing added
    y = (w * w * w).sum()
    w.data = w.data.copy()
    y.backward()  # first order: the gradient of the values the graph used
    grad: Any = w.grad
    np.testing.assert_array_equal(grad.data, [3.0, 12.0])


def test_each_leaf_gets_a_gradient_of_its_own_with_create_graph() -> None:
    """x + y handed one adjoint to both leaves: w1.grad was w2.grad, so clipping counted it once
    and zeroing one zeroed the other; the caller's seed became .grad itself."""
    w1, w2 = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    am.tanh((w1 + w2) * 0.1).sum().backward(create_graph=True)
    assert w1.grad is not w2.grad
    torch = pytest.importorskip("torch")
    t1 = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    t2 = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on the reference cycle this makes
        torch.tanh((t1 + t2) * 0.1).sum().backward(create_graph=True)
    want = float(torch.nn.utils.clip_grad_norm_([t1, t2], 0.1))
    assert optim.clip_grad_norm_([w1, w2], 0.1) == pytest.approx(want, rel=1e-12)
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    ((a + b) * 1.0).backward(np.ones(2), create_graph=True)
    a.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])  # type: ignore[union-attr]
    w, seed = Tensor([1.0, 2.0], requires_grad=True), Tensor([5.0, 6.0])
    (w + 0.0).backward(seed, create_graph=True)
    assert w.grad is not seed
    w.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(seed.data, [5.0, 6.0])


def test_a_recorded_update_keeps_the_tensors_dtype() -> None:
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    for other in (np.ones(3), np.float64(1.0), Tensor(np.arange(3))):
        h = w * 2
        h += other
        assert h.dtype == np.float32 and h.requires_grad
    h = w * 2
    h *= Tensor(np.arange(3))
    h.sum().backward()
    assert w.grad is not None and w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.data, [0.0, 2.0, 4.0])
    t = Tensor(np.arange(3))
    with pytest.raises(TypeError, match=r"\+=: cannot update a int64 tensor in place with a "
                       "result of dtype float"):
        t += w


def test_grad_mode_decorators_hold_inside_a_generator() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)

    @am.no_grad()
    def batches() -> Iterator[tuple[bool, bool]]:
        for k in (2.0, 3.0):
            yield (w * k).requires_grad, am.is_grad_enabled()

    assert list(batches()) == [(False, False), (False, False)]
    assert am.is_grad_enabled()

    @am.no_grad
    def echo() -> Generator[Any, Any, None]:
        try:
            got = yield 1
            yield got, am.is_grad_enabled()
        except ValueError:
            yield "caught", am.is_grad_enabled()
        finally:
            seen.append(am.is_grad_enabled())

    seen: list[bool] = []
    g = echo()
    assert next(g) == 1 and g.send(5) == (5, False)
    g.close()
    g = echo()
    next(g)
    assert g.throw(ValueError("x")) == ("caught", False)
    g.close()
    assert seen == [False, False] and am.is_grad_enabled()


def test_set_grad_enabled_as_a_statement_sets_the_mode() -> None:
    w = Tensor([1.0], requires_grad=True)
    try:
        am.set_grad_enabled(False)  # PyTorch's inference-script line
        assert not am.is_grad_enabled() and not (w * 2).requires_grad
    finally:
        am.set_grad_enabled(True)
    assert am.is_grad_enabled()
    with am.no_grad():
        with am.set_grad_enabled(True):
            assert am.is_grad_enabled()
        assert not am.is_grad_enabled()

    @am.set_grad_enabled(False)
    def f() -> bool:
        return am.is_grad_enabled()

    assert am.is_grad_enabled() and f() is False and am.is_grad_enabled()


def test_a_leaf_made_from_a_saved_result_can_be_updated() -> None:
    """tanh saved its output, read-only for good: the new leaf could never be stepped, and the
    error blamed a live graph."""
    v = Tensor([0.1, 0.2], requires_grad=True)
    w = am.tanh(v).detach().requires_grad_()
    del v
    gc.collect()
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    before = w.data.copy()
    opt.step()
    np.testing.assert_allclose(w.data, before - 0.1 * 2 * before)
    a = Tensor([1.0, 2.0], requires_grad=True)
    y = (a * a).sum()
    b = a.detach().requires_grad_()  # a live graph's leaf: shared, as PyTorch's detach
    assert b.data is a.data
    del y


def test_recorded_grads_never_share_memory_and_can_be_clipped() -> None:
    """A reshape handed two leaves views of one array (clipping scaled it twice, zeroing one
    zeroed the other), and a recorded .grad could be read-only (clipping failed in NumPy)."""
    x = Tensor(np.arange(6.0), requires_grad=True)
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    ((x.reshape(2, 3) + w) * 2.0).sum().backward(create_graph=True)
    gx: Any = x.grad
    gw: Any = w.grad
    assert not np.shares_memory(gx.data, gw.data)
    x.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(gw.data, np.full((2, 3), 2.0))
    v, seed = Tensor(np.ones(6), requires_grad=True), Tensor(np.ones((2, 3)))
    v.reshape(2, 3).backward(seed, create_graph=True)
    v.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(seed.data, np.ones((2, 3)))
    s = Tensor(np.ones(3), requires_grad=True)
    s.sum().backward(create_graph=True)
    assert optim.clip_grad_norm_([s], 0.1) == pytest.approx(3 ** 0.5)
    optim.clip_grad_value_([s], 0.01)
    np.testing.assert_allclose(s.grad.data, [0.01, 0.01, 0.01])  # type: ignore[union-attr]


def test_a_recorded_update_keeps_the_tensors_shape() -> None:
    """total += w * 2 made a 0-d total a vector (PyTorch and the unrecorded path refuse)."""
    total = am.tensor(0.0)
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"\+=: the result has shape \(3,\), but an in-place "
                       r"update keeps the tensor's shape \(\)"):
        total += w * 2.0
    with am.no_grad(), pytest.raises(ValueError, match=r"\+=: cannot update"):
        total += w * 2.0


def test_optimisers_and_init_refuse_a_view_of_a_locked_array() -> None:
    """They checked the parameter's own flag only: a parameter that is a view taken before the
    graph wrote into the array the graph saved (w.grad came out -8 for 2)."""
    w = am.tensor(np.ones((2, 3)), requires_grad=True)
    with am.no_grad():
        row = w[0]
    row.requires_grad_()
    y = (w ** 2).sum()
    row.grad = am.tensor(np.ones(3))
    with pytest.raises(RuntimeError, match=r"SGD.step: parameter 0 of group 0 \(shape \(3,\)\) "
                       "is read-only"):
        optim.SGD([row], lr=5.0).step()
    with pytest.raises(ValueError, match=r"zeros_: the array of shape \(3,\) is read-only"):
        nn.init.zeros_(row)
    y.backward()
    np.testing.assert_array_equal(w.grad.data, np.full((2, 3), 2.0))  # type: ignore[union-attr]


def test_a_leaf_made_from_a_saved_view_can_be_updated_once_the_graph_is_gone() -> None:
    x = Tensor(np.ones(6), requires_grad=True)
    y = x.reshape(2, 3)  # a view of x's array, read-only for good once saved
    z = y.detach().requires_grad_()
    (y * y).sum().backward()
    with am.no_grad():
        z -= 1.0
    np.testing.assert_array_equal(z.data, np.zeros((2, 3)))


def test_an_update_of_a_saved_result_says_it_is_read_only_for_good() -> None:
    """The message blamed a live graph and told to run backward, which had run already."""
    x = Tensor([0.5, 1.0], requires_grad=True)
    h = am.tanh(x)  # tanh saves its output: read-only for good
    h.sum().backward()
    with am.no_grad(), pytest.raises(RuntimeError, match=r"\+=: the tensor's array \(shape "
                                     r"\(2,\)\) is read-only for good: it is an op's result"):
        h += 1.0
    copy = Tensor(h.data)
    copy += 1.0  # the copy the message names
    np.testing.assert_allclose(copy.data, np.tanh([0.5, 1.0]) + 1.0)
    y = (x * x).sum()
    with am.no_grad(), pytest.raises(RuntimeError, match="read-only: a live graph saved it"):
        x += 1.0  # a leaf a live graph locked: the other message
    del y
