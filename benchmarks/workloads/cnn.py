"""Digits CNN training step (conv-relu-maxpool ×2, linear, cross-entropy, Adam) vs hand
im2col NumPy and PyTorch.

The net of notebook 9: conv(1→32, 3×3, padding 1) relu maxpool2 conv(32→64, 3×3, padding 1)
relu maxpool2 linear(64·2·2→10), cross-entropy, Adam (lr 1e-3), on 128 8×8 digits. Before
timing, one step from identical weights is checked to give the same loss and updated weights
everywhere in float64, and the same loss in float32 (Adam's first step is ±lr wherever a
gradient is nonzero, so a float32 rounding of a tiny gradient moves a weight by a visible
amount).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am

from ..harness import (
    Measurement,
    Settings,
    check_all,
    check_close,
    log,
    optional,
    time_paired,
    tol,
    training_step,
)

NAME = "cnn"
LR = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8
TARGET = 1.3
C1, C2 = 32, 64  #: the channels of notebook 9's net


def inputs(n: int, dtype: Any, seed: int = 0, real: bool = True
           ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Weights (PyTorch's uniform bounds), n 8×8 images (digits when ``real`` and
    scikit-learn is there, else noise) and their labels."""
    rng = np.random.default_rng(seed)
    shapes = [(C1, 1, 3, 3), (C1,), (C2, C1, 3, 3), (C2,), (10, 4 * C2), (10,)]
    fans = [9, 9, 9 * C1, 9 * C1, 4 * C2, 4 * C2]
    weights = [rng.uniform(-f ** -0.5, f ** -0.5, s).astype(dtype)
               for s, f in zip(shapes, fans, strict=True)]
    x, y = rng.standard_normal((n, 1, 8, 8)), rng.integers(0, 10, n)
    if real:
        try:
            from autograd_mini.data import digits
            images, labels = digits(scale=True)
            x, y = images[:n].reshape(n, 1, 8, 8), labels[:n]
        except ImportError:
            pass  # noise costs the same time per step
    return weights, x.astype(dtype), np.asarray(y, dtype=np.int64)


def _im2col(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) → (N·H·W, 3·3·C) columns of a 3×3 padding-1 convolution, channels last."""
    n, c, h, w = x.shape
    xp = np.zeros((n, h + 2, w + 2, c), x.dtype)
    xp[:, 1:-1, 1:-1] = x.transpose(0, 2, 3, 1)
    cols = np.empty((n, h, w, 3, 3, c), x.dtype)
    for i in range(3):
        for j in range(3):
            cols[:, :, :, i, j] = xp[:, i:i + h, j:j + w]
    return cols.reshape(n * h * w, -1)


def _col2im(cols: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    n, c, h, w = shape
    cols = cols.reshape(n, h, w, 3, 3, c)
    xp = np.zeros((n, h + 2, w + 2, c), cols.dtype)
    for i in range(3):
        for j in range(3):
            xp[:, i:i + h, j:j + w] += cols[:, :, :, i, j]
    return xp[:, 1:-1, 1:-1].transpose(0, 3, 1, 2)


def _pool(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2×2 max pooling of (N, C, H, W): the maxima and each window's (first) argmax."""
    n, c, h, w = a.shape
    win = a.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    win = win.reshape(n, c, h // 2, w // 2, 4)
    arg = win.argmax(axis=4)[..., None]
    return np.take_along_axis(win, arg, axis=4)[..., 0], arg


def _unpool(g: np.ndarray, arg: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    n, c, h, w = shape
    win = np.zeros((n, c, h // 2, w // 2, 4), g.dtype)
    np.put_along_axis(win, arg, g[..., None], axis=4)
    return win.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(shape)


class NumpyCNN:
    """The net by hand: im2col convolutions, forward and backward, and Adam."""

    def __init__(self, weights: list[np.ndarray]) -> None:
        self.params = [w.copy() for w in weights]
        self.m = [np.zeros_like(w) for w in weights]
        self.v = [np.zeros_like(w) for w in weights]
        self.t = 0

    def _conv(self, x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[Any, Any]:
        n, _, h, wd = x.shape
        cols = _im2col(x)
        z = cols @ w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1).T + b
        return z.reshape(n, h, wd, -1).transpose(0, 3, 1, 2), cols

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        w1, b1, w2, b2, w3, b3 = self.params
        n = x.shape[0]
        z1, c1 = self._conv(x, w1, b1)
        r1 = np.maximum(z1, 0)
        p1, a1 = _pool(r1)
        z2, c2 = self._conv(p1, w2, b2)
        r2 = np.maximum(z2, 0)
        p2, a2 = _pool(r2)
        f = p2.reshape(n, -1)
        logits = f @ w3.T + b3
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        prob = e / e.sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(prob[np.arange(n), y]))
        g = prob
        g[np.arange(n), y] -= 1
        g /= n
        gw3, gb3 = g.T @ f, g.sum(0)
        gz2 = _unpool((g @ w3).reshape(p2.shape), a2, r2.shape) * (z2 > 0)
        g2 = gz2.transpose(0, 2, 3, 1).reshape(-1, w2.shape[0])
        gw2 = (g2.T @ c2).reshape(C2, 3, 3, C1).transpose(0, 3, 1, 2)
        gb2 = g2.sum(0)
        gp1 = _col2im(g2 @ w2.transpose(0, 2, 3, 1).reshape(C2, -1), p1.shape)
        gz1 = _unpool(gp1, a1, r1.shape) * (z1 > 0)
        g1 = gz1.transpose(0, 2, 3, 1).reshape(-1, C1)
        gw1, gb1 = (g1.T @ c1).reshape(C1, 3, 3, 1).transpose(0, 3, 1, 2), g1.sum(0)
        self.t += 1
        b1c, b2c = 1 - BETAS[0] ** self.t, 1 - BETAS[1] ** self.t
        for p, gr, m, v in zip(self.params, [gw1, gb1, gw2, gb2, gw3, gb3], self.m, self.v,
                               strict=True):
            m *= BETAS[0]
            m += (1 - BETAS[0]) * gr
            v *= BETAS[1]
            v += (1 - BETAS[1]) * gr * gr
            p -= LR * (m / b1c) / (np.sqrt(v / b2c) + EPS)
        return float(loss)


def build_am(weights: list[np.ndarray]) -> tuple[Callable[..., float], list[Any]]:
    """The net from nn.conv, nn.pooling, nn.Linear and optim.Adam; returns (step, params)."""
    import nn
    import optim
    from nn.conv import Conv2d
    from nn.pooling import max_pool2d

    dt = weights[0].dtype
    c1 = Conv2d(1, C1, 3, padding=1, dtype=dt)
    c2 = Conv2d(C1, C2, 3, padding=1, dtype=dt)
    fc = nn.Linear(4 * C2, 10, dtype=dt)
    params = [*c1.parameters(), *c2.parameters(), *fc.parameters()]  # weight, bias each
    for p, w in zip(params, weights, strict=True):
        p.data[...] = w
    opt = optim.Adam(params, lr=LR, betas=BETAS, eps=EPS)

    def loss_of(x: Any, y: np.ndarray) -> Any:
        h = max_pool2d(am.relu(c1(x)), 2)
        h = max_pool2d(am.relu(c2(h)), 2)
        return nn.functional.cross_entropy(fc(h.reshape((x.shape[0], 4 * C2))), y)

    return training_step(opt, loss_of), params


def build_torch(torch: Any, weights: list[np.ndarray]) -> tuple[Callable[..., float], list[Any]]:
    dt = torch.float32 if weights[0].dtype == np.float32 else torch.float64
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, C1, 3, padding=1, dtype=dt), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(C1, C2, 3, padding=1, dtype=dt), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(4 * C2, 10, dtype=dt))
    params = list(net.parameters())
    with torch.no_grad():
        for p, w in zip(params, weights, strict=True):
            p.copy_(torch.from_numpy(w))
    opt = torch.optim.Adam(params, lr=LR, betas=BETAS, eps=EPS)
    loss_fn = torch.nn.CrossEntropyLoss()
    return training_step(opt, lambda x, y: loss_fn(net(x), y)), params


def step_fns(n: int, dtype: Any, real: bool = True) -> dict[str, Callable[[], Any]]:
    """A training-step function per framework, each checked on its first step: the loss, and
    in float64 the updated weights too."""
    weights, x, y = inputs(n, dtype, real=real)
    rtol = tol(dtype)
    check_weights = np.dtype(dtype) == np.float64
    hand = NumpyCNN(weights)
    want_loss = hand.step(x, y)
    xa = am.Tensor(x)
    am_step, am_params = build_am(weights)
    check_close("cnn loss [autograd_mini]", am_step(xa, y), want_loss, rtol)
    if check_weights:
        check_all("cnn weights", {"autograd_mini": [p.data for p in am_params]}, hand.params, rtol)
    fns: dict[str, Callable[[], Any]] = {
        "autograd_mini": lambda: am_step(xa, y),
        "numpy": lambda: hand.step(x, y),
    }
    torch = optional("torch")
    if torch is not None:
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        t_step, t_params = build_torch(torch, weights)
        check_close("cnn loss [torch]", t_step(xt, yt), want_loss, rtol)
        if check_weights:
            check_all("cnn weights", {"torch": [p.detach().numpy() for p in t_params]},
                      hand.params, rtol)
        fns["torch"] = lambda: t_step(xt, yt)
    return fns


def run(cfg: Settings) -> list[Measurement]:
    """ms per training step of the digits CNN, batch 128 (16 in quick mode), float32."""
    n = 16 if cfg.quick else 128
    case = f"digits CNN, batch {n}, float32"
    log(f"  cnn {case}")
    step_fns(n, np.float64)  # the full check: loss and updated weights
    samples = time_paired(step_fns(n, np.float32), cfg, pins=["numpy"])
    return [Measurement(NAME, case, "ms/step", 1e3, samples, targets={"numpy": TARGET},
                        note="autograd_mini via nn.conv / nn.pooling")]
