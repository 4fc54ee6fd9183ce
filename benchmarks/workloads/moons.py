"""Two moons, 2-16-16-1 tanh net, 100 points, full batch, BCE: training-step time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am

from ..harness import Measurement, Settings, log, optional, time_paired, tol
from .nets import (
    NumpyNet,
    Reference,
    TorchNet,
    build_am,
    init_weights,
    targets_for,
    torch_inputs,
    verify_torch,
)

NAME = "moons"
LR = 0.1
SIZES = [2, 16, 16, 1]


def two_moons(n: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[Any, Any]:
    """``n`` points on two interleaved half circles; labels 0/1 as an (n, 1) float column."""
    k = n // 2
    t = rng.uniform(0.0, np.pi, size=n)
    x = np.empty((n, 2))
    x[:k, 0], x[:k, 1] = np.cos(t[:k]), np.sin(t[:k])
    x[k:, 0], x[k:, 1] = 1.0 - np.cos(t[k:]), 0.5 - np.sin(t[k:])
    x += noise * rng.standard_normal((n, 2))
    y = np.zeros((n, 1))
    y[k:] = 1.0
    return x, y


def run(cfg: Settings) -> list[Measurement]:
    """µs per full-batch training step (float64)."""
    rng = np.random.default_rng(0)
    weights = init_weights(SIZES, np.float64, rng)
    x, y = two_moons(100, rng)
    ref = Reference.of(weights, "tanh", "bce", LR, x, y)
    xa = am.Tensor(x)
    target = targets_for("bce", y, 1, np.float64)
    net, note = build_am(weights, "tanh", "bce", LR, xa, y, ref, tol(np.float64))
    hand = NumpyNet(weights, "tanh", "bce", LR)
    fns: dict[str, Callable[[], Any]] = {
        "autograd_mini": lambda: net.step(xa, y, target),
        "numpy": lambda: hand.step(x, y),
    }
    torch = optional("torch")
    if torch is not None:
        tnet = TorchNet(torch, weights, "tanh", "bce", LR)
        xt, yt = torch_inputs(torch, x, y, "bce")
        verify_torch(tnet, xt, yt, ref, tol(np.float64))
        fns["torch"] = lambda: tnet.step(xt, yt)
    log("  moons")
    samples = time_paired(fns, cfg, pins=["torch"])
    return [Measurement(NAME, "2-16-16-1 tanh, 100 points, float64", "µs/step", 1e6, samples,
                        targets={"torch": 1.0}, note=note or f"autograd_mini via {net.impl}")]
