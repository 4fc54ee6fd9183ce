"""Per-op overhead: a 1,000-op elementwise chain (×1.0001, tanh, +0.1, −0.1) in every framework."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am

from ..harness import Measurement, Settings, check_all, grad_data, log, optional, time_paired

NAME = "per_op"
MUL, ADD = 1.0001, 0.1
#: (case, on shape (1,)) -> largest ratio autograd_mini ÷ baseline: forward+backward on (1,) at
#: most 0.6× PyTorch's time, 3× faster than HIPS autograd and 4× faster than MyGrad; on
#: 100×100 at most 1.10× hand-written NumPy.
TARGETS: dict[tuple[str, bool], dict[str, float]] = {
    ("fb", True): {"torch": 0.6, "autograd": 1 / 3, "mygrad": 0.25},
    ("fb", False): {"numpy": 1.10},
}


# ----------------------------------------------------------------------------- the chain
def chain_am(y: Any, n4: int) -> Any:
    """The chain on autograd_mini tensors (``n4`` blocks of four ops)."""
    for _ in range(n4):
        y = y * MUL
        y = am.tanh(y)
        y = y + ADD
        y = y - ADD
    return y


def chain_generic(tanh: Callable[[Any], Any]) -> Callable[[Any, int], Any]:
    """The same chain for a framework whose tanh is ``tanh`` (torch, HIPS autograd, MyGrad)."""

    def chain(y: Any, n4: int) -> Any:
        for _ in range(n4):
            y = y * MUL
            y = tanh(y)
            y = y + ADD
            y = y - ADD
        return y

    return chain


def numpy_forward(x: np.ndarray, n4: int, tape: list[np.ndarray] | None) -> np.ndarray:
    """Forward by hand; tanh outputs are stored on ``tape`` when one is given."""
    y = x
    for _ in range(n4):
        y = y * MUL
        y = np.tanh(y)
        if tape is not None:
            tape.append(y)
        y = y + ADD
        y = y - ADD
    return y


def numpy_backward(tape: list[np.ndarray], g: np.ndarray) -> np.ndarray:
    """Backward by hand: walk the tape in reverse, d tanh = 1 − tanh², d(×c) = c, d(±c) = 1."""
    for t in reversed(tape):
        g = g * (1.0 - t * t)
        g = g * MUL
    return g


def numpy_grad(x: np.ndarray, n4: int, seed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forward and backward by hand: (output, gradient)."""
    tape: list[np.ndarray] = []
    y = numpy_forward(x, n4, tape)
    return y, numpy_backward(tape, seed)


# ----------------------------------------------------------------------------- per framework
def _am_cases(x0: np.ndarray, n4: int) -> dict[str, Callable[[], Any]]:
    x = am.Tensor(x0, requires_grad=True)
    xc = am.Tensor(x0)
    seed = np.ones_like(x0)

    def fb() -> Any:
        x.grad = None
        chain_am(x, n4).backward(seed)
        return grad_data(x)

    def nograd() -> Any:
        with am.no_grad():
            return chain_am(xc, n4).data

    return {"fb": fb, "fwd": lambda: chain_am(x, n4).data, "nograd": nograd}


def _numpy_cases(x0: np.ndarray, n4: int) -> dict[str, Callable[[], Any]]:
    seed = np.ones_like(x0)
    return {
        "fb": lambda: numpy_grad(x0, n4, seed)[1],
        "fwd": lambda: numpy_forward(x0, n4, []),
        "nograd": lambda: numpy_forward(x0, n4, None),
    }


def _torch_cases(torch: Any, x0: np.ndarray, n4: int) -> dict[str, Callable[[], Any]]:
    chain = chain_generic(torch.tanh)
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    xc = torch.tensor(x0, dtype=torch.float64)
    seed = torch.ones_like(x)

    def fb() -> Any:
        x.grad = None
        chain(x, n4).backward(seed)
        return x.grad.numpy()

    def nograd() -> Any:
        with torch.no_grad():
            return chain(xc, n4).numpy()

    return {"fb": fb, "fwd": lambda: chain(x, n4).detach().numpy(), "nograd": nograd}


def _hips_cases(ag: Any, x0: np.ndarray, n4: int) -> dict[str, Callable[[], Any]]:
    anp = optional("autograd.numpy")
    assert anp is not None
    chain = chain_generic(anp.tanh)
    seed = np.ones_like(x0)

    def fwd() -> Any:
        return ag.make_vjp(lambda y: chain(y, n4))(x0)[1]

    def fb() -> Any:
        vjp, _ = ag.make_vjp(lambda y: chain(y, n4))(x0)
        return vjp(seed)

    return {"fb": fb, "fwd": fwd, "nograd": lambda: chain(x0, n4)}


def _mygrad_cases(mg: Any, x0: np.ndarray, n4: int) -> dict[str, Callable[[], Any]]:
    chain = chain_generic(mg.tanh)
    seed = np.ones_like(x0)

    def fb() -> Any:
        x = mg.Tensor(x0)
        chain(x, n4).backward(seed)
        return x.grad

    def fwd() -> Any:
        return chain(mg.Tensor(x0), n4).data

    def nograd() -> Any:
        with mg.no_autodiff:
            return np.asarray(chain(mg.Tensor(x0), n4))

    return {"fb": fb, "fwd": fwd, "nograd": nograd}


def _frameworks(x0: np.ndarray, n4: int) -> dict[str, dict[str, Callable[[], Any]]]:
    out = {"autograd_mini": _am_cases(x0, n4), "numpy": _numpy_cases(x0, n4)}
    torch = optional("torch")
    if torch is not None:
        out["torch"] = _torch_cases(torch, x0, n4)
    ag = optional("autograd")
    if ag is not None:
        out["autograd"] = _hips_cases(ag, x0, n4)
    mg = optional("mygrad")
    if mg is not None:
        out["mygrad"] = _mygrad_cases(mg, x0, n4)
    return out


CASES = {
    "fb": "fwd+bwd",
    "fwd": "fwd (graph recorded)",
    "nograd": "fwd (no grad)",
}


def run(cfg: Settings) -> list[Measurement]:
    """µs per op of the chain on shapes (1,) and 100×100, three cases each."""
    n_ops = 200 if cfg.quick else 1000
    n4 = n_ops // 4
    rng = np.random.default_rng(0)
    out: list[Measurement] = []
    for shape in [(1,), (10, 10) if cfg.quick else (100, 100)]:
        x0 = rng.standard_normal(shape)
        fws = _frameworks(x0, n4)
        want_y, want_g = numpy_grad(x0, n4, np.ones_like(x0))
        check_all("per_op gradient", {k: [v["fb"]()] for k, v in fws.items()}, [want_g], 1e-6)
        for key in ("fwd", "nograd"):
            got = {k: [np.asarray(v[key]())] for k, v in fws.items()}
            check_all(f"per_op {key} value", got, [want_y], 1e-6)
        label = "×".join(map(str, shape)) if len(shape) > 1 else "(1,)"
        for key, desc in CASES.items():
            log(f"  per_op {label} {desc}")
            targets = TARGETS.get((key, shape == (1,)), {})
            samples = time_paired({k: v[key] for k, v in fws.items()}, cfg, pins=list(targets))
            out.append(Measurement(NAME, f"{n_ops:,} ops, {label}, {desc}", "µs/op",
                                   1e6 / n_ops, samples, targets=targets))
    return out
