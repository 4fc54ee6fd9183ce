"""Memory: graphs and saved arrays are freed by reference counting; training stays flat."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini import Tensor
from autograd_mini.engine import Node
from autograd_mini.graphview import topological_order

RNG = np.random.default_rng


@contextmanager
def collector_off() -> Iterator[None]:
    """Only reference counting may free anything inside (no cyclic garbage collector)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def graph_refs(root: Tensor) -> tuple[list[weakref.ref[Any]], list[weakref.ref[Any]]]:
    """Weak references to the output and every node of ``root``'s graph, and to every saved
    array that no leaf owns (residuals: masks, outputs, intermediate values)."""
    order = topological_order(root)
    leaf_data = {id(t.data) for t in order if isinstance(t, Tensor)}
    graph: list[weakref.ref[Any]] = [weakref.ref(root)]
    saved: list[weakref.ref[Any]] = []
    for node in order:
        if not isinstance(node, Node):
            continue
        graph.append(weakref.ref(node))
        kept = node.saved if isinstance(node.saved, tuple) else (node.saved,)
        for arr in kept:
            if isinstance(arr, np.ndarray) and id(arr) not in leaf_data:
                saved.append(weakref.ref(arr))
    return graph, saved


def mlp_loss(seed: int = 0) -> tuple[nn.Module, Tensor]:
    rng = RNG(seed)
    model = nn.Sequential(nn.Linear(4, 8, rng=rng), nn.ReLU(), nn.LayerNorm(8),
                          nn.Linear(8, 3, rng=rng), nn.Softmax())
    x = Tensor(rng.standard_normal((5, 4)))
    y = np.array([0, 2, 1, 1, 0])
    probs = model(x)
    loss = nn.functional.nll_loss(am.log(probs + 1e-9), y) + 0.1 * am.max(probs) ** 2
    return model, loss


def test_backward_releases_saved_arrays_and_dropping_the_output_releases_the_graph() -> None:
    with collector_off():
        model, loss = mlp_loss()
        graph, saved = graph_refs(loss)
        assert len(graph) > 20 and len(saved) > 5  # a real graph with real residuals
        loss.backward()
        nodes = [r() for r in graph[1:]]
        assert all(n is not None and n.freed for n in nodes)
        assert all(n.saved is None for n in nodes if n is not None)
        del nodes
        del loss
        assert [r for r in graph if r() is not None] == []
        assert [r for r in saved if r() is not None] == []
        assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("mode", ["retain_graph", "create_graph", "no backward"])
def test_graphs_kept_alive_on_purpose_are_freed_without_the_collector(mode: str) -> None:
    with collector_off():
        model, loss = mlp_loss(1)
        graph, saved = graph_refs(loss)
        if mode == "retain_graph":
            loss.backward(retain_graph=True)
            assert all(r() is not None for r in saved)  # still there for a second backward
        elif mode == "create_graph":
            loss.backward(create_graph=True)
            grads = [p.grad for p in model.parameters()]
            assert all(g is not None and g.requires_grad for g in grads)
            # casts: no grad is None (asserted above); inline, as a local would keep the graph
            more, more_saved = graph_refs(
                cast(Tensor, sum((g * g).sum() for g in cast("list[Tensor]", grads)))
            )
            graph, saved = graph + more, saved + more_saved
            del grads
            model.zero_grad()  # the gradients' own graph goes with them
        del loss
        assert [r for r in graph + saved if r() is not None] == []


def _training(steps: int, marks: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    """Train a small MLP; at each mark record (current, peak) traced bytes since the last one."""
    rng = RNG(0)
    model = nn.MLP([2, 32, 32, 1], activation="tanh", rng=rng)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    X = rng.standard_normal((64, 2))
    y = (X[:, :1] * X[:, 1:] > 0).astype(np.float64)
    loss_fn = nn.BCEWithLogitsLoss()
    seen: dict[int, tuple[int, int]] = {}
    for step in range(1, steps + 1):
        batch = rng.integers(0, 64, 16)
        opt.zero_grad()
        loss = loss_fn(model(Tensor(X[batch])), Tensor(y[batch]))
        loss.backward()
        opt.step()
        sched.step()
        del loss
        if step in marks:
            gc.collect()  # also empties CPython's free lists, which fill at their own pace
            seen[step] = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
    return seen


def test_a_thousand_training_steps_leave_memory_flat() -> None:
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        seen = _training(1000, (100, 200, 900, 1000))
    finally:
        if started:
            tracemalloc.stop()
    early_current, early_peak = seen[200]
    late_current, late_peak = seen[1000]
    slack = 32 * 1024  # bytes: allocator noise, not growth per step (1000 steps)
    assert late_current <= early_current + slack, (early_current, late_current)
    assert late_peak <= early_peak + slack, (early_peak, late_peak)


@pytest.mark.slow
def test_a_million_node_graph_is_built_differentiated_and_freed() -> None:
    with collector_off():
        x = Tensor(np.ones(1), requires_grad=True)
        t = -x
        probes = [weakref.ref(t.grad_fn)]
        for i in range(1, 1_000_000):
            t = -t
            if i == 500_000:
                probes.append(weakref.ref(t.grad_fn))
        probes.append(weakref.ref(t.grad_fn))
        t.backward(np.ones(1))
        assert all(p() is not None for p in probes)
        del t
        assert all(p() is None for p in probes)
    assert x.grad is not None and x.grad.data.tolist() == [1.0]  # (-1)^1,000,000
