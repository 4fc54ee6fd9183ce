"""Threads: grad mode, name scopes and anomaly mode are per thread; concurrent training is
bit-for-bit the same as sequential training."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am
import nn
import optim
from autograd_mini import Tensor

RNG = np.random.default_rng


def run_together(*targets: Callable[[threading.Barrier], Any], switch: float = 1e-5
                 ) -> list[Any]:
    """Run each target in its own thread, all released at once, CPython switching threads
    every ``switch`` seconds; re-raise any failure."""
    barrier = threading.Barrier(len(targets))
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def wrap(i: int) -> None:
        try:
            results[i] = targets[i](barrier)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(len(targets))]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(switch)  # switch threads often: interleave inside single ops
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        sys.setswitchinterval(interval)
    if errors:
        raise errors[0]
    return results


def test_modes_and_scopes_do_not_leak_between_threads() -> None:
    """Each thread sets its own modes and scopes, then waits while the other checks its own."""
    x = Tensor(np.ones(2), requires_grad=True)

    def quiet(barrier: threading.Barrier) -> list[Any]:
        seen = []
        with am.no_grad(), am.name_scope("quiet"), am.detect_anomaly():
            barrier.wait()  # both threads are inside their blocks now
            seen += [am.is_grad_enabled(), am.current_scope(), am.is_anomaly_enabled()]
            seen.append((x * 2).requires_grad)
            barrier.wait()
        return seen

    def loud(barrier: threading.Barrier) -> list[Any]:
        seen = []
        with am.name_scope("loud"), am.name_scope("inner"):
            barrier.wait()
            y = x * 2
            seen += [am.is_grad_enabled(), am.current_scope(), am.is_anomaly_enabled()]
            seen += [y.requires_grad, y.grad_fn.scope if y.grad_fn else None]
            barrier.wait()
        return seen

    q, loud_seen = run_together(quiet, loud)
    assert q == [False, ("quiet",), True, False]
    assert loud_seen == [True, ("loud", "inner"), False, True, ("loud", "inner")]
    assert am.is_grad_enabled() and am.current_scope() == () and not am.is_anomaly_enabled()


def test_module_scopes_in_two_threads_name_their_own_layers() -> None:
    def run(tag: str) -> Callable[[threading.Barrier], set[tuple[str, ...]]]:
        def target(barrier: threading.Barrier) -> set[tuple[str, ...]]:
            model = nn.Sequential({tag: nn.Linear(2, 2, rng=RNG(0)), "act": nn.Tanh()})
            barrier.wait()
            scopes: set[tuple[str, ...]] = set()
            for _ in range(200):
                out = model(Tensor(np.ones((1, 2))))
                node = out.grad_fn
                while node is not None:
                    scopes.add(tuple(node.scope))
                    node = next((p for p in node.parents if isinstance(p, am.Node)), None)
            return scopes
        return target

    a, b = run_together(run("left"), run("right"))
    assert a == {("Sequential", "left"), ("Sequential", "act")}
    assert b == {("Sequential", "right"), ("Sequential", "act")}


def train(seed: int, barrier: threading.Barrier | None = None, steps: int = 150) -> list[Any]:
    """A seeded training run (dropout, batch norm, Adam, a schedule); returns the final state."""
    rng = RNG(seed)
    model = nn.Sequential(nn.Linear(3, 16, rng=rng), nn.BatchNorm1d(16), nn.ReLU(),
                          nn.Dropout(0.2, rng=rng), nn.Linear(16, 3, rng=rng))
    opt = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.5)
    X = rng.standard_normal((48, 3))
    y = rng.integers(0, 3, 48)
    loss_fn = nn.CrossEntropyLoss()
    if barrier is not None:
        barrier.wait()
    losses = []
    for step in range(steps):
        idx = rng.permutation(48)[:16]
        with am.name_scope(f"step{step % 3}"):
            opt.zero_grad()
            loss = loss_fn(model(Tensor(X[idx])), y[idx])
            loss.backward()
        if step % 10 == 0:
            with am.no_grad():  # toggling grad mode in one thread must not touch the other
                model.eval()
                losses.append(float(loss_fn(model(Tensor(X)), y).item()))
                model.train()
        opt.step()
        sched.step()
    return [losses, model.state_dict(), opt.state_dict()["state"]]


def same(a: Any, b: Any) -> bool:
    """Exact (bit-for-bit) equality of nested lists, dicts, arrays and floats."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    return bool(a == b)


def test_two_threads_train_exactly_as_sequential_runs() -> None:
    sequential = [train(1), train(2)]
    together = run_together(lambda b: train(1, b), lambda b: train(2, b))
    assert same(together, sequential)
    assert not same(sequential[0], sequential[1])  # the runs differ, so the check has teeth


def test_threads_adding_into_one_grad_lose_nothing() -> None:
    w = Tensor(np.ones(3), requires_grad=True)

    def work(barrier: threading.Barrier) -> None:
        barrier.wait()
        for _ in range(300):
            (w * w).sum().backward()

    run_together(*[work] * 8, switch=1e-6)
    np.testing.assert_array_equal(w.grad.data, [4800.0] * 3)  # type: ignore[union-attr]
