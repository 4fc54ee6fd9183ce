"""Hessian-vector product of f(x) = Σ tanh(Ax)²: am.hvp vs NumPy by hand, PyTorch, HIPS autograd."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_mini as am

from ..harness import Measurement, Settings, check_all, log, optional, time_paired

NAME = "hvp"


def numpy_hvp(a: np.ndarray, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Closed form: ∇f = 2Aᵀ(t(1−t²)), H v = Aᵀ((2 − 6t²)(1 − t²) ⊙ Av) with t = tanh(Ax)."""
    t = np.tanh(a @ x)
    t2 = t * t
    return a.T @ ((2.0 - 6.0 * t2) * (1.0 - t2) * (a @ v))


def _fns(a: np.ndarray, x: np.ndarray, v: np.ndarray) -> dict[str, Callable[[], Any]]:
    at = am.Tensor(a)

    def f_am(z: Any) -> Any:
        return am.sum(am.square(am.tanh(at @ z)))

    fns: dict[str, Callable[[], Any]] = {
        "autograd_mini": lambda: am.hvp(f_am, x, v).data,
        "numpy": lambda: numpy_hvp(a, x, v),
    }
    torch = optional("torch")
    if torch is not None:
        a_t, x_t, v_t = (torch.tensor(z) for z in (a, x, v))

        def torch_hvp() -> Any:
            z = x_t.detach().requires_grad_()
            f = torch.sum(torch.square(torch.tanh(a_t @ z)))
            (g,) = torch.autograd.grad(f, z, create_graph=True)
            (h,) = torch.autograd.grad(torch.dot(g, v_t), z)
            return h.numpy()

        fns["torch"] = torch_hvp
    ag = optional("autograd")
    anp = optional("autograd.numpy")
    if ag is not None and anp is not None:

        def f_hips(z: Any) -> Any:
            return anp.sum(anp.square(anp.tanh(anp.dot(a, z))))

        hips = ag.hessian_vector_product(f_hips)
        fns["autograd"] = lambda: hips(x, v)
    return fns


def run(cfg: Settings) -> list[Measurement]:
    """µs per Hessian-vector product for a small and a larger A (double backward everywhere)."""
    out = []
    rng = np.random.default_rng(0)
    for n in (10, 50) if cfg.quick else (10, 500):
        a = rng.standard_normal((n, n)) / np.sqrt(n)
        x, v = rng.standard_normal(n), rng.standard_normal(n)
        fns = _fns(a, x, v)
        check_all("hvp", {k: [f()] for k, f in fns.items()}, [numpy_hvp(a, x, v)], 1e-6)
        log(f"  hvp n={n}")
        samples = time_paired(fns, cfg)
        out.append(Measurement(NAME, f"f(x) = Σ tanh(Ax)², A {n}×{n}, float64", "µs/hvp", 1e6,
                               samples))
    return out
