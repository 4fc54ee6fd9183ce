"""A training step of a character-level MLP language model (as in Bengio et al. 2003, the
notebook 10 kind): 3 characters of context → Embedding(27, 10) → concatenated (30) →
Linear(30, 200) → tanh → Linear(200, 27) → cross-entropy, SGD, batch 32, float32; autograd_mini
(``nn.Embedding``, ``nn.Linear``, ``nn.functional.cross_entropy``, ``optim.SGD``) against
PyTorch CPU with identical weights, checked to give the same loss and weights after one step."""

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

NAME = "char_mlp"
VOCAB, CONTEXT, EMBED, HIDDEN, LR = 27, 3, 10, 200, 0.1
TARGET = 1.0  #: at most PyTorch's time per step


def inputs(n: int, dtype: Any, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Weights (embedding, W1, b1, W2, b2 in PyTorch's layouts), contexts and next characters."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((VOCAB, EMBED)),
               rng.uniform(-0.2, 0.2, (HIDDEN, CONTEXT * EMBED)), rng.uniform(-0.2, 0.2, HIDDEN),
               rng.uniform(-0.07, 0.07, (VOCAB, HIDDEN)), rng.uniform(-0.07, 0.07, VOCAB)]
    x = rng.integers(0, VOCAB, (n, CONTEXT))
    y = rng.integers(0, VOCAB, n)
    return [w.astype(dtype) for w in weights], x, y


def build_am(weights: list[np.ndarray]) -> tuple[Callable[..., float], list[Any]]:
    """The model from nn layers and optim.SGD; returns (step, params)."""
    import nn
    import optim

    dt = weights[0].dtype
    emb = nn.Embedding(VOCAB, EMBED, dtype=dt)
    fc1, fc2 = nn.Linear(CONTEXT * EMBED, HIDDEN, dtype=dt), nn.Linear(HIDDEN, VOCAB, dtype=dt)
    params = [emb.weight, *fc1.parameters(), *fc2.parameters()]
    for p, w in zip(params, weights, strict=True):
        p.data[...] = w
    opt = optim.SGD(params, lr=LR)

    def loss_of(x: np.ndarray, y: np.ndarray) -> Any:
        h = am.tanh(fc1(emb(x).reshape((x.shape[0], CONTEXT * EMBED))))
        return nn.functional.cross_entropy(fc2(h), y)

    return training_step(opt, loss_of), params


def build_torch(torch: Any, weights: list[np.ndarray]) -> tuple[Callable[..., float], list[Any]]:
    dt = torch.float32 if weights[0].dtype == np.float32 else torch.float64
    emb = torch.nn.Embedding(VOCAB, EMBED, dtype=dt)
    fc1 = torch.nn.Linear(CONTEXT * EMBED, HIDDEN, dtype=dt)
    fc2 = torch.nn.Linear(HIDDEN, VOCAB, dtype=dt)
    params = [emb.weight, *fc1.parameters(), *fc2.parameters()]
    with torch.no_grad():
        for p, w in zip(params, weights, strict=True):
            p.copy_(torch.from_numpy(w))
    opt = torch.optim.SGD(params, lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    return training_step(
        opt, lambda x, y: loss_fn(fc2(torch.tanh(fc1(emb(x).view(x.shape[0], -1)))), y)), params


def step_fns(n: int, dtype: Any) -> dict[str, Callable[[], Any]]:
    """A training-step function per framework (PyTorch's when installed), checked first."""
    weights, x, y = inputs(n, dtype)
    am_step, am_params = build_am(weights)
    fns: dict[str, Callable[[], Any]] = {"autograd_mini": lambda: am_step(x, y)}
    torch = optional("torch")
    if torch is not None:
        loss = am_step(x, y)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        t_step, t_params = build_torch(torch, weights)
        check_close("char_mlp loss [torch]", t_step(xt, yt), loss, tol(dtype))
        check_all("char_mlp weights", {"torch": [p.detach().numpy() for p in t_params]},
                  [q.data for q in am_params], tol(dtype))
        fns["torch"] = lambda: t_step(xt, yt)
    return fns


def run(cfg: Settings) -> list[Measurement]:
    """ms per training step of the character MLP, batch 32, float32."""
    n = 8 if cfg.quick else 32
    case = f"character MLP 3×10-200-27, batch {n}, float32"
    log(f"  char_mlp {case}")
    fns = step_fns(n, np.float32)
    pins = ["torch"] if "torch" in fns else []
    samples = time_paired(fns, cfg, pins=pins)
    return [Measurement(NAME, case, "ms/step", 1e3, samples,
                        targets={"torch": TARGET} if pins else {})]
