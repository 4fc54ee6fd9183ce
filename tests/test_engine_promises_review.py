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
