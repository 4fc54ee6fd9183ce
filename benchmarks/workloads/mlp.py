"""MLP training step (forward, cross-entropy, backward, SGD) vs hand NumPy and PyTorch."""

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

NAME = "mlp"
LR = 0.01


def configs(quick: bool) -> list[tuple[list[int], int, float]]:
    """(layer sizes, batch, target ratio vs hand NumPy) for the two nets."""
    if quick:
        return [([784, 32, 10], 16, 1.15), ([784, 64, 64, 10], 32, 1.05)]
    return [([784, 256, 10], 128, 1.15), ([784, 1024, 1024, 10], 256, 1.05)]


def batch(sizes: list[int], n: int, dtype: Any, seed: int = 0) -> tuple[Any, np.ndarray, Any]:
    """Weights, inputs and class labels from ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    weights = init_weights(sizes, dtype, rng)
    x = rng.standard_normal((n, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], size=n)
    return weights, x, y


def step_fns(sizes: list[int], n: int, dtype: Any) -> tuple[dict[str, Callable[[], Any]], str]:
    """A verified training-step function per framework, and a note on the autograd_mini build."""
    weights, x, y = batch(sizes, n, dtype)
    ref = Reference.of(weights, "relu", "ce", LR, x, y)
    rtol = tol(dtype)
    xa = am.Tensor(x)
    target = targets_for("ce", y, sizes[-1], dtype)
    net, note = build_am(weights, "relu", "ce", LR, xa, y, ref, rtol)
    hand = NumpyNet(weights, "relu", "ce", LR)
    fns: dict[str, Callable[[], Any]] = {
        "autograd_mini": lambda: net.step(xa, y, target),
        "numpy": lambda: hand.step(x, y),
    }
    torch = optional("torch")
    if torch is not None:
        tnet = TorchNet(torch, weights, "relu", "ce", LR)
        xt, yt = torch_inputs(torch, x, y, "ce")
        verify_torch(tnet, xt, yt, ref, rtol)
        fns["torch"] = lambda: tnet.step(xt, yt)
    return fns, note or f"autograd_mini via {net.impl}"


def run(cfg: Settings) -> list[Measurement]:
    """ms per training step for both nets in float32 and float64."""
    out = []
    for sizes, n, target in configs(cfg.quick):
        for dtype in (np.float32, np.float64):
            arch = "-".join(map(str, sizes))
            case = f"{arch}, batch {n}, {np.dtype(dtype).name}"
            log(f"  mlp {case}")
            fns, note = step_fns(sizes, n, dtype)
            samples = time_paired(fns, cfg, pins=["numpy"])
            out.append(Measurement(NAME, case, "ms/step", 1e3, samples,
                                   targets={"numpy": target}, note=note))
    return out
