"""In-place changes to arrays a live graph saved are impossible (read-only), never silent;
arrays no VJP reads stay writeable."""

from __future__ import annotations

import gc
import importlib
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini.tensor import is_locked


def test_saved_leaf_is_read_only_until_backward() -> None:
    w = am.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = am.Tensor(np.array([0.5, 0.25]), requires_grad=True)
    x = am.Tensor(np.array([3.0, 4.0]))
    y = (w * x).sum() + (w * v).sum()
    with pytest.raises(ValueError, match="read-only"):
        w.data += 1  # ∂y/∂v = w must be the w of the forward pass
    with pytest.raises(ValueError, match="read-only"):
        x.data[0] = 0  # ∂y/∂w = x + v must use the x of the forward pass
    y.backward()
    assert w.grad is not None and v.grad is not None
    np.testing.assert_array_equal(w.grad.data, [3.5, 4.25])
    np.testing.assert_array_equal(v.grad.data, [1.0, 2.0])
    w.data += 1  # the graph is freed: parameters are writeable again
    x.data[0] = 0


def test_only_what_a_vjp_reads_is_locked() -> None:
    w = am.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = am.Tensor(np.array([3.0, 4.0]))
    h = w * 2.0  # ∂h/∂w = 2: neither w nor h is kept
    y = (h * x).sum()  # ∂y/∂h = x: x is kept, h is not (x needs no gradient)
    assert not is_locked(w.data) and is_locked(x.data)
    w.data += 1  # harmless: no VJP reads w
    h.data[0] = 7.0  # harmless: no VJP reads h
    with pytest.raises(ValueError, match="read-only"):
        x.data[0] = 0
    y.backward()
    assert w.grad is not None
    np.testing.assert_array_equal(w.grad.data, [6.0, 8.0])


def test_intermediates_are_read_only() -> None:
    x = am.Tensor(np.array([0.5, 1.5]), requires_grad=True)
    h = am.exp(x)
    with pytest.raises(ValueError, match="read-only"):
        h.data[0] = 0.0
    (h * h).sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(2 * x.data))


def test_views_of_leaves_protect_the_base() -> None:
    w = am.Tensor(np.ones((2, 3)), requires_grad=True)
    y = (w.T @ np.ones(2)).sum()
    with pytest.raises(ValueError, match="read-only"):
        w.data[0, 0] = 5
    y.backward()


def test_unlocked_when_graph_dropped_without_backward() -> None:
    gc.collect()
    gc.disable()
    try:
        w = am.Tensor(np.ones(3), requires_grad=True)
        y = am.tanh(w * 2.0)
        z = y * w
        assert is_locked(w.data)
        del y, z
        assert not is_locked(w.data)
        w.data *= 2
    finally:
        gc.enable()


def test_two_graphs_share_a_lock() -> None:
    w = am.Tensor(np.ones(2), requires_grad=True)
    a = (w * w).sum()
    b = (w * 3.0 * w).sum()
    a.backward()
    with pytest.raises(ValueError, match="read-only"):
        w.data -= 1  # b's graph still needs w
    b.backward()
    w.data -= 1


def test_nothing_locked_under_no_grad_or_without_grad() -> None:
    w = am.Tensor(np.ones(2), requires_grad=True)
    with am.no_grad():
        y = w * w
    w.data += 1
    y.data += 1
    c = am.Tensor(np.ones(2))
    z = c * c
    c.data += 1
    z.data += 1


def test_training_loop_unaffected() -> None:
    rng = np.random.default_rng(0)
    model = nn.MLP([3, 4, 1], rng=rng)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    for _ in range(3):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(am.Tensor(X)), y)
        loss.backward()
        opt.step()
    assert all(not is_locked(p.data) for p in model.parameters())


def test_optimizer_step_refuses_while_a_graph_holds_parameters() -> None:
    w = am.Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    pending = (w * w).sum()  # built, not yet backpropagated: its VJP reads w
    before = w.data.copy()
    with pytest.raises(RuntimeError, match=r"read-only.*no_grad"):
        opt.step()
    np.testing.assert_array_equal(w.data, before)
    assert opt.state == {} or all(not s for s in opt.state.values())
    pending.backward()
    opt.step()
    assert not np.array_equal(w.data, before)


def test_optimizer_step_refuses_while_a_retained_graph_holds_parameters_and_says_so() -> None:
    w = am.Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)  # a second pass would read w: the update must wait
    with pytest.raises(RuntimeError, match=r"kept by backward\(retain_graph=True\) or "
                                           r"create_graph=True.*Run backward\(\) on it "
                                           r"without them"):
        opt.step()
    np.testing.assert_array_equal(w.data, [1.0, 1.0])
    loss.backward()  # the last pass frees the graph
    opt.step()
    np.testing.assert_allclose(w.data, [0.6, 0.6])  # two passes accumulated ∂/∂w = 2 · 2w


def test_optimizer_step_refusal_names_the_less_obvious_holders(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A gradient recorded by create_graph=True holds the parameter (so the advice to drop the
    outputs does not help), and so may a shell's kept traceback of an earlier error."""
    w = am.Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w**3).sum().backward(create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match=r"the gradient itself was recorded .* p\.grad = "
                                           r"p\.grad\.detach\(\)"):
        opt.step()
    w.grad = w.grad.detach()  # type: ignore[union-attr]
    opt.step()
    np.testing.assert_allclose(w.data, [0.7, 0.7])
    opt.zero_grad()
    held = (w * w).sum()
    held.backward(retain_graph=True)
    monkeypatch.setattr("sys.last_traceback", object(), raising=False)
    with pytest.raises(RuntimeError, match=r"kept by the interactive shell .* "
                                           r"sys\.last_traceback = sys\.last_value = None"):
        opt.step()


def test_unlock_by_the_collector_inside_a_lock_call_is_deferred() -> None:
    # The cyclic collector can free a locking node (which unlocks) while the same thread is
    # inside lock_leaves or unlock; that nested unlock must neither deadlock nor interleave.
    locks = importlib.import_module("autograd_mini.tensor")  # the function tensor hides it

    w = am.Tensor(np.ones(2), requires_grad=True)
    held = locks.lock([w.data])
    assert held is not None and is_locked(w.data)
    with locks._MUTEX:  # as lock and unlock do around their work
        locks._BUSY[0] = True
        try:
            locks.unlock(held)
            assert is_locked(w.data)  # deferred until the outer call lets go
        finally:
            locks._BUSY[0] = False
        locks._count([], 0)  # as the outer call does before it lets go
    assert not is_locked(w.data)
    w.data += 1


def test_a_view_an_op_saves_is_locked_with_the_array_it_views() -> None:
    op = am.Primitive("sum_sq_keeping_a_view", lambda x: ((x * x).sum(), x.reshape(-1)),
                      lambda g, xv, needs: ((2 * g * xv).reshape(xv.shape),))
    w = am.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = op(w)
    with pytest.raises(ValueError, match="read-only"):
        w.data[0] = 100.0  # would change the saved view, so the gradient
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 4.0, 6.0])  # type: ignore[union-attr]
    w.data[0] = 100.0  # given back with the node
    assert not is_locked(w.data)


def test_zero_grad_in_place_after_a_recorded_backward_pass() -> None:
    w = am.Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w * w).sum().backward(create_graph=True)  # .grad is recorded: its array read-only
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and not w.grad.requires_grad
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 4.0])


def test_array_arguments_an_op_keeps_are_its_own_copy() -> None:
    """A boolean mask, a where condition, class targets, a user's op's array keyword: changed
    by the caller between forward and backward, they changed the gradient silently."""
    x = am.Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)

    def grad_after(make: Any, change: Any) -> np.ndarray:
        x.grad = None
        loss = make()
        change()
        loss.backward()
        grad: Any = x.grad  # (mypy would keep the None assigned above)
        return grad.data

    m = np.array([True, True, False, False])
    got = grad_after(lambda: (x[m] * np.array([1.0, 2.0])).sum(), lambda: m.fill(True))
    np.testing.assert_array_equal(got, [1.0, 2.0, 0.0, 0.0])
    mask = x > 2.0  # a bool Tensor, changed through the tensor under no_grad
    got = grad_after(lambda: (x[mask] * 2.0).sum(), lambda: mask.data.__setitem__(0, True))
    np.testing.assert_array_equal(got, [0.0, 0.0, 2.0, 2.0])
    c = np.array([True, False, True, False])
    got = grad_after(lambda: am.where(c, x, 0.0).sum(), lambda: c.fill(True))
    np.testing.assert_array_equal(got, [1.0, 0.0, 1.0, 0.0])
    y = np.array([0, 0])
    want = grad_after(lambda: nn.functional.cross_entropy(x.reshape(2, 2), np.array([0, 0])),
                      lambda: None)
    got = grad_after(lambda: nn.functional.cross_entropy(x.reshape(2, 2), y),
                     lambda: y.fill(1))
    np.testing.assert_array_equal(got, want)
    scale = np.array([1.0, 2.0, 3.0, 4.0])
    op = am.Primitive("scaled_by", lambda a, by: (a * by, None),
                      lambda g, r, needs, by: (g * by,))
    got = grad_after(lambda: op(x, by=scale).sum(), lambda: scale.fill(0.0))
    np.testing.assert_array_equal(got, [1.0, 2.0, 3.0, 4.0])


def test_a_leaf_that_is_a_view_is_writeable_again_after_backward() -> None:
    """The lock of a view is given back after its base's: before, the view stayed read-only
    for good and every optimiser step refused (w = am.arange(6.0).reshape(2, 3))."""
    w = am.arange(6.0).reshape(2, 3).requires_grad_()
    assert w.data.base is not None
    opt = optim.SGD([w], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        (w**2).sum().backward()
        assert w.data.flags.writeable and w.data.base.flags.writeable
        opt.step()
    np.testing.assert_allclose(w.data, np.arange(6.0).reshape(2, 3) * 0.8**2)
    flat = np.zeros(8)
    lin = nn.Linear(2, 4, bias=False)
    lin.weight.data = flat.reshape(4, 2)  # parameters viewing one buffer
    lin(am.Tensor(np.ones((1, 2)))).sum().backward()
    assert lin.weight.data.flags.writeable and flat.flags.writeable


def test_an_unlock_never_makes_a_locked_array_look_read_only_for_good(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads: a graph recorded while another thread gives back its last lock on the same
    parameter must lock it. Here the other thread's moment is the instant its lock leaves
    LOCKS: before, the array was still read-only and out of LOCKS then, so it looked read-only
    for good and was left unlocked, writeable while the new graph had saved it."""
    tensor_module = importlib.import_module("autograd_mini.tensor")  # (am.tensor: the function)

    class Interleaved(dict):
        def __delitem__(self, key: int) -> None:
            arr = self[key][0]
            super().__delitem__(key)
            tensor_module.lock([arr])  # another thread's new graph saving the array, now

    monkeypatch.setattr(tensor_module, "LOCKS", Interleaved(tensor_module.LOCKS))
    w = np.ones(4)
    held = tensor_module.lock([w])
    assert held is not None
    tensor_module.unlock(held)
    assert not w.flags.writeable and is_locked(w)  # the second graph's lock holds
    tensor_module.unlock([w])
    monkeypatch.undo()
