"""A graph keeps what its backward pass needs and nothing more; drawings recompute the rest."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini import Node, Tensor
from autograd_mini.graphview import graph_view
from autograd_mini.ops.elementwise import _times, masked
from autograd_mini.tensor import is_locked


def test_an_intermediate_dies_with_its_tensor_while_the_graph_lives() -> None:
    gc.disable()
    try:
        x = Tensor(np.linspace(-1, 1, 5), requires_grad=True)
        h = x * 3.0  # mul keeps only the 3.0 (x needs a gradient, the constant does not)
        probe = weakref.ref(h.data)
        y = am.tanh(h + 1.0)  # add keeps nothing; tanh keeps its own output
        del h
        assert probe() is None  # nothing in the graph refers to h's value
        (y * y).sum().backward()
    finally:
        gc.enable()
    t = np.tanh(3 * x.data + 1)
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2 * t * (1 - t * t) * 3)


def test_nodes_keep_only_what_their_vjp_reads() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    w = Tensor(np.full(3, 2.0), requires_grad=True)
    # x̄ = ḡ c needs only c; with both wanting gradients both are kept
    c = Tensor(np.arange(3.0))
    y = x * c
    assert is_locked(c.data) and not is_locked(x.data)
    z = x * w
    assert is_locked(w.data) and is_locked(x.data)
    del y, z
    assert not is_locked(c.data) and not is_locked(x.data) and not is_locked(w.data)
    # add keeps nothing, tanh keeps its output only: a dropped input dies
    h = x * 3.0
    probe = weakref.ref(h.data)
    s = h + c
    del h
    assert probe() is None
    t_in = s * 1.0
    probe = weakref.ref(t_in.data)
    th = am.tanh(t_in)
    del t_in
    assert probe() is None and not th.data.flags.writeable  # the output is what tanh keeps
    lin = nn.functional.linear(c, w.reshape(1, 3))  # only W needs a gradient: c is kept
    assert is_locked(c.data)
    del lin
    layer = nn.Linear(3, 2)  # W and b need gradients, the input does not: only x is kept
    full = layer(c)
    assert layer.bias is not None
    assert not is_locked(layer.weight.data) and not is_locked(layer.bias.data)
    assert is_locked(c.data)
    full.sum().backward()
    assert not is_locked(c.data)


def test_shape_ops_and_sum_keep_shapes_not_arrays() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    for y in (am.sum(x), x.astype(np.float32), am.sum(x, axis=0)):
        node = y.grad_fn
        assert node is not None and node.saved in ((2, 3), np.float64)
    assert not is_locked(x.data)  # sum and astype read no input values
    x.data[0, 0] = 5.0
    (am.sum(x * x, axis=1) * np.array([1.0, 2.0])).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, 2 * x.data * np.array([[1.0], [2.0]]))
    view = x[1]  # a view still protects the memory it shares
    assert is_locked(x.data) and view.grad_fn is not None
    assert view.grad_fn.saved == (2, 3)


def test_parents_are_nodes_or_leaves() -> None:
    x = Tensor(1.5, requires_grad=True)
    c = Tensor(2.0)
    h = x * c
    y = am.exp(h)
    node = y.grad_fn
    assert node is not None and node.parents == (h.grad_fn,)
    assert isinstance(node.parents[0], Node) and node.parents[0].parents == (x, c)
    assert node.shape == () and node.requires_grad


def test_graph_view_recomputes_values_after_backward() -> None:
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True, name="x")
    y = Tensor(np.array([2.0, 0.25]), requires_grad=True, name="y")
    v3 = x * y
    v3.name = "v3"
    f = (v3 - am.log(1.0 + am.exp(v3))).sum()
    expected = {"v3": (x.data * y.data).copy()}
    del v3
    f.backward()
    view = graph_view(f)
    assert view.freed
    named = {t.name: t for t in view.order if t.name}
    np.testing.assert_allclose(named["v3"].data, expected["v3"])
    np.testing.assert_allclose(view.order[-1].data, f.data)
    svg = am.draw_graph(f, names={"x": x}).source
    assert "v3" in svg and "backward() has freed this graph" in svg


def test_draw_graph_before_backward_shows_dropped_intermediates() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = am.sum(am.sqrt(x * 4.0))  # the product x·4 is kept by nobody: it is recomputed
    view = graph_view(y)
    values = [t.data.tolist() for t in view.order if t.grad_fn is not None]
    assert [4.0, 8.0] in values and [2.0, np.sqrt(8.0)] in values
    trace = am.explain.trace_backward(y)
    assert trace.adjoints[0] is not None
    np.testing.assert_allclose(trace.adjoints[0], 1 / np.sqrt(x.data))  # ∂/∂x of Σ 2√x


def test_retain_grad_without_the_graph_holding_the_tensor() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * x
    h.retain_grad()
    (h * 3.0).sum().backward()
    assert h.grad is not None and x.grad is not None
    np.testing.assert_array_equal(h.grad.data, [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [6.0, 12.0])


def test_backward_inputs_accepts_intermediates_and_repeats() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = am.exp(x)
    out = (h * h).sum()
    grads = am.backward.backward(out, None, True, False, inputs=[h, x, h])
    assert grads is not None
    gh, gx, gh2 = grads
    np.testing.assert_allclose(gh, 2 * np.exp(x.data))
    np.testing.assert_allclose(gx, 2 * np.exp(2 * x.data))
    assert gh2 is gh


def test_linear_weights_are_column_major_and_so_is_everything_that_updates_them() -> None:
    rng = np.random.default_rng(0)
    layer = nn.Linear(5, 3, rng=np.random.default_rng(1))
    w = layer.weight
    assert w.shape == (3, 5) and w.data.flags.f_contiguous
    reference = np.random.default_rng(1).uniform(-1 / np.sqrt(5), 1 / np.sqrt(5), (3, 5))
    np.testing.assert_array_equal(w.data, reference)  # PyTorch's values, draws and shape
    opt = optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    x = rng.standard_normal((4, 5))
    before = w.data.copy()
    nn.functional.mse_loss(layer(x), np.zeros((4, 3))).backward()
    assert w.grad is not None and layer.bias is not None
    g = w.grad.data.copy()
    assert w.grad.data.flags.f_contiguous
    h = x @ before.T + layer.bias.data  # W̄ of mean((x Wᵀ + b)²) by hand: (2/12) hᵀ x
    np.testing.assert_allclose(g, 2 * h.T @ x / h.size)
    opt.step()
    assert w.data.flags.f_contiguous
    assert opt.state[id(w)]["momentum_buffer"].flags.f_contiguous
    np.testing.assert_allclose(w.data, before - 0.1 * g)
    state = opt.state_dict()
    again = optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
    again.load_state_dict(state)
    assert again.state[id(w)]["momentum_buffer"].flags.f_contiguous
    copy = nn.Linear(5, 3)
    copy.load_state_dict(layer.state_dict())
    assert copy.weight.data.flags.f_contiguous
    np.testing.assert_array_equal(copy.weight.data, w.data)


def test_gradcheck_with_a_column_major_input() -> None:
    w = np.asfortranarray(np.random.default_rng(0).standard_normal((3, 4)))
    x = np.random.default_rng(1).standard_normal((2, 4))
    assert am.gradcheck(lambda a: nn.functional.linear(x, a).tanh(), [w])


@pytest.mark.parametrize("shape", [(7,), (64, 128)])
def test_masked_equals_where_and_keeps_zeros_for_inf(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    g = rng.standard_normal(shape)
    mask = rng.random(shape) > 0.5
    np.testing.assert_array_equal(masked(g, mask), np.where(mask, g, 0.0))
    g[~mask] = np.inf  # an inf where the mask is off must give 0, not inf·0 = NaN
    out = masked(g, mask)
    np.testing.assert_array_equal(out, np.where(mask, g, 0.0))
    x = Tensor(np.where(mask, 1.0, -1.0), requires_grad=True)
    am.relu(x).backward(g)
    assert x.grad is not None
    assert np.all(np.isfinite(x.grad.data))
    g[~mask] = np.nan  # NaN where the mask is off: 0 as well
    np.testing.assert_array_equal(masked(g, mask), np.where(mask, g, 0.0))
    big = np.where(mask, 1e200, -0.0)  # large values kept; −0.0 under a False mask
    out = masked(big, mask)
    np.testing.assert_array_equal(out, np.where(mask, big, 0.0))
    assert not np.signbit(out).any()  # zeros under a False mask are +0.0, as where gives
    g32 = np.asfortranarray(rng.standard_normal(shape).astype(np.float32))
    out32 = masked(g32, mask)
    assert out32.dtype == np.float32
    np.testing.assert_array_equal(out32, np.where(mask, g32, np.float32(0)))


def test_second_order_through_ops_that_keep_one_input() -> None:
    c = np.array([0.5, -2.0, 1.5])
    xc = np.array([[0.3, -0.7, 1.1], [0.2, 0.4, -0.9]])
    # mul by a constant keeps only the constant; linear with a constant input keeps only x
    assert am.gradgradcheck(lambda x: (am.tanh(x * c) * x).sum(), [np.array([0.2, -0.4, 0.9])])
    assert am.gradgradcheck(lambda w: am.tanh(nn.functional.linear(xc, w)).sum(),
                            [np.array([[0.1, -0.3, 0.5], [0.7, 0.2, -0.6]])])
    assert am.gradgradcheck(lambda x: (am.sum(x.reshape(3, 2)[1:], axis=0) ** 2).sum(),
                            [np.arange(6.0) / 7])


def test_explain_and_draw_a_graph_of_shape_ops() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3) / 10, requires_grad=True, name="x")
    y = am.sum(am.exp(x.reshape(3, 2)[1:]))
    text = am.explain_backward(y)
    assert "getitem" in text and "reshape" in text and "sum" in text
    trace = am.explain.trace_backward(y)
    want = np.zeros((2, 3))
    want.reshape(3, 2)[1:] = np.exp(x.data.reshape(3, 2)[1:])
    adjoint = trace.adjoint(x)
    assert adjoint is not None
    np.testing.assert_allclose(adjoint, want)
    assert "getitem" in am.draw_graph(y).source


def test_retained_tensor_dropped_before_backward_is_skipped() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = am.exp(x)
    h.retain_grad()
    y = (h * 2.0).sum()
    del h
    y.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(x.data))


def test_a_recorded_op_leaves_two_objects_for_the_cyclic_collector() -> None:
    # Its Node and the tuple of its parents (the intermediate tensors are dropped here, and
    # what it saved holds arrays only): deep graphs give the collector little to scan.
    x = Tensor(np.ones(2), requires_grad=True)
    y = x * 2.0 + 1.0
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(500):
        y = am.tanh(y * 2.0 + 1.0)  # unary and binary ops
    gc.collect()  # untracks tuples of arrays (what the nodes saved)
    per_op = (len(gc.get_objects()) - before) / 1500
    assert per_op <= 2.01, per_op
    tanh = y.grad_fn
    assert tanh is not None
    add = tanh.parents[0]
    assert isinstance(add, Node)
    mul = add.parents[0]
    assert isinstance(mul, Node)
    assert mul.parents[1] is not None  # tanh ← add ← mul(x, 2.0)
    y.sum().backward()
    assert x.grad is not None and np.all(np.isfinite(x.grad.data))


@pytest.mark.parametrize("op", ["tanh", "sigmoid"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(3,), (4, 4), (40, 30)])
def test_vjps_that_update_their_own_temporaries_in_place(
    op: str, dtype: type, shape: tuple[int, ...]
) -> None:
    """From 16 elements on, tanh and sigmoid build their local derivative in one temporary and
    multiply the adjoint into it: same gradient, dtype kept, seed and saved output untouched."""
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    y = getattr(am, op)(x)
    saved = y.data.copy()
    seed: np.ndarray = rng.standard_normal(shape).astype(dtype)
    seed0 = seed.copy()
    y.backward(seed)
    local = 1 - saved * saved if op == "tanh" else saved * (1 - saved)
    assert x.grad is not None and x.grad.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(x.grad.data, seed0 * local, rtol=rtol)
    np.testing.assert_array_equal(seed, seed0)
    np.testing.assert_array_equal(y.data, saved)
    x64 = x.data.astype(np.float64)
    assert am.gradcheck(lambda a: getattr(am, op)(a), [x64])
    assert am.gradgradcheck(lambda a: getattr(am, op)(a).sum(), [x64])


def test_in_place_product_falls_back_when_the_adjoint_differs() -> None:
    def _into(d: np.ndarray, g: np.ndarray) -> np.ndarray:
        return _times(g, d)

    d = np.full((4, 4), 2.0, dtype=np.float32)
    g64 = np.ones((4, 4))
    got = _into(d.copy(), g64)  # float64 adjoint: a new float64 array, as g * d gives
    assert got.dtype == np.float64
    row = np.arange(4.0)
    got = _into(d.copy(), row)  # broadcasting adjoint: a new array
    np.testing.assert_array_equal(got, row * d)
    mine = d.copy()
    assert _into(mine, np.ones((4, 4), np.float32)) is mine
    row32 = np.arange(4.0, dtype=np.float32)
    mine = d.copy()
    got = _into(mine, row32)  # same dtype, broadcasts into d: in place, the same values
    assert got is mine
    np.testing.assert_array_equal(got, row32 * d)
    small = d[0].copy()
    got = _into(small, d)  # d does not fit into the smaller temporary: a new array
    assert got is not small and got.shape == (4, 4)
    np.testing.assert_array_equal(got, d * d[0])
    np.testing.assert_array_equal(small, d[0])  # and the temporary is untouched
