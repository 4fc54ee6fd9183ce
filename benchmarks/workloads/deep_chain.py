"""The 100,000-deep chain y ← y·0.99999 + 0.00001 on shape (1,): forward and backward."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am

from ..harness import Measurement, Settings, check_all, grad_data, log, optional, time_paired

NAME = "deep_chain"
MUL, ADD = 0.99999, 0.00001


def chain(y: Any, n2: int) -> Any:
    """``n2`` blocks of one multiply and one add, for any framework with operators."""
    for _ in range(n2):
        y = y * MUL + ADD
    return y


def numpy_grad(x: np.ndarray, n2: int) -> tuple[np.ndarray, np.ndarray]:
    """Forward and backward by hand: d(y·c + d)/dy = c at every step."""
    y = x
    for _ in range(n2):
        y = y * MUL + ADD
    g = np.ones_like(x)
    for _ in range(n2):
        g = g * MUL
    return y, g


def _fns(x0: np.ndarray, n2: int) -> dict[str, Callable[[], Any]]:
    x = am.Tensor(x0, requires_grad=True)

    def am_fb() -> Any:
        x.grad = None
        y = chain(x, n2)
        y.backward()
        return y.data, grad_data(x)

    fns: dict[str, Callable[[], Any]] = {
        "autograd_mini": am_fb,
        "numpy": lambda: numpy_grad(x0, n2),
    }
    torch = optional("torch")
    if torch is not None:
        xt = torch.tensor(x0, dtype=torch.float64, requires_grad=True)

        def torch_fb() -> Any:
            xt.grad = None
            y = chain(xt, n2)
            y.backward(torch.ones_like(y))
            return y.detach().numpy(), xt.grad.numpy()

        fns["torch"] = torch_fb
    return fns


def run(cfg: Settings) -> list[Measurement]:
    """µs per op of forward+backward through the deep chain."""
    n_ops = 2_000 if cfg.quick else 100_000
    n2 = n_ops // 2
    x0 = np.random.default_rng(0).standard_normal((1,))
    fns = _fns(x0, n2)
    want = list(numpy_grad(x0, n2))
    check_all("deep_chain value and gradient", {k: list(f()) for k, f in fns.items()}, want, 1e-6)
    log(f"  deep_chain {n_ops} ops")
    samples = time_paired(fns, cfg, pins=["torch"])
    return [Measurement(NAME, f"{n_ops:,} ops, (1,), fwd+bwd", "µs/op", 1e6 / n_ops, samples,
                        targets={"torch": 0.6})]
