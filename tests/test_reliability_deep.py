"""Walkers on a 100,000-deep graph and a 10,000-deep module tree (those not tested elsewhere).

Already covered: backward and topological order (test_engine), draw_graph of a 100k chain
(test_viz), parameters / modules / train / zero_grad / state_dict / repr of a 10k-deep tree
(test_nn_module). Here: freeing, second-order and retained sweeps, trace_backward, the
function transforms, deep name scopes in drawings, buffers, checkpoints and optimisers.
"""

from __future__ import annotations

import contextlib
import gc
import math
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini import Tensor
from autograd_mini.explain import trace_backward

DEPTH = 100_000
TREE = 10_000


@contextlib.contextmanager
def no_recursion() -> Iterator[None]:
    """Lower the recursion limit to just above the current stack: any recursive walk fails."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(list(_frames())) + 200)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _frames() -> Iterator[object]:
    frame = sys._getframe()
    while frame is not None:
        yield frame
        frame = frame.f_back  # type: ignore[assignment]


def tanh_chain(n: int = DEPTH) -> tuple[Tensor, Tensor]:
    x = Tensor(0.5, requires_grad=True)
    t = x
    for _ in range(n):
        t = am.tanh(t)
    return x, t


# ----------------------------------------------------------------------------- deep graphs
def test_deep_graph_is_freed_by_reference_counting() -> None:
    gc.collect()
    gc.disable()
    try:
        x, t = tanh_chain()
        probes: list[weakref.ref[object]] = [weakref.ref(t.grad_fn)]
        node = t.grad_fn
        assert node is not None
        for _ in range(DEPTH // 2):
            node = cast(am.Node, node.parents[0])  # the tanh before it
        probes += [weakref.ref(node), weakref.ref(node.parents[0])]
        del node
        with no_recursion():
            t.backward()
            del t  # dropping the output frees 100,000 nodes without the cyclic collector
        assert all(p() is None for p in probes)
        assert x.grad is not None and x.grad.item() > 0
    finally:
        gc.enable()


@pytest.mark.slow
def test_second_order_through_a_deep_graph() -> None:
    x, t = tanh_chain()
    with no_recursion():
        t.backward(create_graph=True)
        g = x.grad
        assert g is not None and g.requires_grad
        x.grad = None
        g.backward()
    # d/dx of the chain's derivative, against a central difference of the first derivative
    def first(v: float) -> float:
        d = 1.0
        for _ in range(DEPTH):
            v = math.tanh(v)
            d *= 1.0 - v * v
        return d

    h = 1e-4
    want = (first(0.5 + h) - first(0.5 - h)) / (2 * h)
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.item(), want, rtol=1e-4)


def test_retained_deep_graph_backward_twice_and_trace() -> None:
    x, t = tanh_chain()
    with no_recursion():
        t.backward(retain_graph=True)
        first = x.grad.item()  # type: ignore[union-attr]
        trace = trace_backward(t, None)
        t.backward()
    assert x.grad is not None and x.grad.item() == pytest.approx(2 * first, rel=1e-12)
    assert len(trace.steps) == DEPTH and trace.adjoints[0] == pytest.approx(first, rel=1e-12)


def test_function_transforms_on_a_deep_function() -> None:
    def f(a: Tensor) -> Tensor:
        for _ in range(DEPTH):
            a = a * 0.99999
        return a.sum()

    with no_recursion():
        g = am.grad(f)(np.array([1.0, 2.0]))
        h = am.hvp(f, np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    np.testing.assert_allclose(g.data, [0.99999**DEPTH] * 2, rtol=1e-9)
    np.testing.assert_array_equal(h.data, [0.0, 0.0])


@pytest.mark.slow
def test_drawing_ten_thousand_nested_name_scopes() -> None:
    import graphviz  # noqa: F401  (imported before the recursion limit is lowered)

    x = Tensor(2.0, requires_grad=True, name="x")
    with contextlib.ExitStack() as stack:
        for i in range(TREE):
            stack.enter_context(am.name_scope(f"s{i}"))
        y = am.exp(x) * 3.0
    assert y.grad_fn is not None and len(y.grad_fn.scope) == TREE
    with no_recursion():
        src = draw_source(y)
    assert src.count("subgraph cluster_") == TREE
    assert src.count("\t}") >= TREE and src.rstrip().endswith("}")
    assert src.index("<B>s0</B>") < src.index(f"<B>s{TREE - 1}</B>") < src.index("<B>exp</B>")


def draw_source(y: Tensor) -> str:
    return str(am.draw_graph(y, max_nodes=None).source)


# ----------------------------------------------------------------------------- deep modules
class Wrap(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.m = inner


def deep_model() -> nn.Module:
    mod: nn.Module = nn.Sequential(nn.Linear(2, 3, rng=np.random.default_rng(0)),
                                   nn.BatchNorm1d(3))
    for _ in range(TREE):
        mod = Wrap(mod)
    return mod


PATH = "m." * TREE


def test_deep_tree_buffers_freezing_apply_and_counts() -> None:
    deep = deep_model()
    with no_recursion():
        names = [n for n, _ in deep.named_buffers()]
        assert names == [PATH + "1.running_mean", PATH + "1.running_var",
                         PATH + "1.num_batches_tracked"]
        assert len(list(deep.buffers())) == 3
        deep.requires_grad_(False)
        assert not any(p.requires_grad for p in deep.parameters())
        deep.requires_grad_(True)
        seen: list[str] = []
        deep.apply(lambda m: seen.append(type(m).__name__))
        assert len(seen) == TREE + 3  # sub-modules first, as PyTorch: the innermost first
        assert seen[:3] == ["Linear", "BatchNorm1d", "Sequential"] and seen[-1] == "Wrap"
        assert deep.num_parameters() == 2 * 3 + 3 + 3 + 3
        assert [n for n, _ in deep.named_children()] == ["m"]


def test_deep_tree_checkpoint_round_trip_and_refusal(tmp_path: Path) -> None:
    a, b = deep_model(), deep_model()
    for p in a.parameters():
        p.data[...] = np.arange(p.size).reshape(p.shape) + 0.5
    path = tmp_path / "deep.npz"
    with no_recursion():
        nn.save(a, path)
        nn.load(b, path)
        assert all(np.array_equal(a.state_dict()[k], v) for k, v in b.state_dict().items())
        other = Wrap(deep_model())  # one level deeper: every key differs
        before = {k: v.copy() for k, v in other.state_dict().items()}
        with pytest.raises(nn.CheckpointError, match="missing keys"):
            nn.load(other, path)
        assert all(np.array_equal(before[k], v) for k, v in other.state_dict().items())


def test_optimiser_over_a_deep_tree() -> None:
    deep = deep_model()
    opt = optim.Adam(deep.parameters(), lr=0.1)
    x = Tensor(np.array([[1.0, 2.0], [3.0, -1.0]]))
    inner = deep
    while isinstance(inner, Wrap):  # the forward of the innermost model (the Wraps have none)
        inner = inner.m
    with no_recursion():
        loss = (inner(x) * Tensor([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])).sum()
        loss.backward()
        before = [
            (p.data.copy(), np.any(cast(Tensor, p.grad).data != 0)) for p in deep.parameters()
        ]
        opt.step()
        opt.zero_grad()
        deep.zero_grad()
    assert sum(moved for _, moved in before) >= 3
    for (old, moved), p in zip(before, deep.parameters()):
        assert np.array_equal(old, p.data) != moved
    assert all(p.grad is None for p in deep.parameters())
    assert len(opt.state_dict()["state"]) == 4
