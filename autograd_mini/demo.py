"""The main job (``autograd-mini demo``): the notes' logistic regression, an MLP on digits, and
pictures of both plus the notes' computational graph."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import functional as F
from .data import DataLoader, digits, two_gaussians
from .tensor import Tensor
from .training import accuracy, fit
from .viz import draw_graph

__all__ = ["DemoResult", "lda", "logistic_regression", "run_demo"]

STAGES = (0, 2, 10, 100)  # gradient-descent iterations at which the boundary is drawn


@dataclass
class DemoResult:
    """Numbers and files the demo produced."""

    logreg_loss: float = 0.0
    logreg_accuracy: float = 0.0
    lda_accuracy: float = 0.0
    mlp_accuracy: float = 0.0
    files: dict[str, Path] = field(default_factory=dict)


def lda(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Linear discriminant for labels ±1 with a shared covariance Σ:
    w = Σ⁻¹(μ₊ − μ₋), b = −½ (μ₊ + μ₋)·w + log(n₊ / n₋)."""
    pos, neg = X[y > 0], X[y < 0]
    mu_p, mu_n = pos.mean(axis=0), neg.mean(axis=0)
    centred = np.concatenate([pos - mu_p, neg - mu_n])
    cov = centred.T @ centred / (len(X) - 2)
    w = np.linalg.solve(cov, mu_p - mu_n)
    b = -0.5 * (mu_p + mu_n) @ w + np.log(len(pos) / len(neg))
    return w, float(b)


def logistic_regression(X: np.ndarray, y: np.ndarray, lr: float = 0.1, steps: int = 100,
                        ) -> tuple[list[float], dict[int, tuple[np.ndarray, float]]]:
    """Plain gradient descent on the notes' loss, averaged over the points:
    L(w, b) = −(1/N) Σ log σ(y_n (w·x_n + b)), labels ±1. Returns the loss per iteration and
    (w, b) at the iterations in ``STAGES``."""
    w = Tensor(np.zeros(X.shape[1]), requires_grad=True, name="w")
    b = Tensor(0.0, requires_grad=True, name="b")
    Xt, yt = Tensor(X), Tensor(y)
    losses: list[float] = []
    snaps: dict[int, tuple[np.ndarray, float]] = {}
    for it in range(steps + 1):
        if it in STAGES:
            snaps[it] = (w.data.copy(), float(b.data))
        loss = -F.mean(F.log_sigmoid(yt * (Xt @ w + b)))
        losses.append(float(loss.item()))
        if it == steps:
            break
        w.grad = b.grad = None
        loss.backward()
        gw, gb = w.grad, b.grad
        assert gw is not None and gb is not None
        w.data -= lr * gw.data
        b.data -= lr * gb.data
    return losses, snaps


def _notes_graph(path: Path) -> Path:
    x = Tensor(1.5, requires_grad=True, name="x")
    y = Tensor(-0.5, requires_grad=True, name="y")
    v3 = x * y
    f = v3 - F.log(1 + F.exp(v3))
    graph = draw_graph(f, textbook=True)
    try:
        path.write_bytes(graph.pipe(format="svg"))
    except Exception as exc:  # graphviz.ExecutableNotFound: no `dot` on this machine
        if type(exc).__name__ != "ExecutableNotFound":
            raise
        path = path.with_suffix(".dot")
        path.write_text(graph.source)  # renderable later with: dot -Tsvg FILE
    return path


def _boundary_png(path: Path, X: np.ndarray, y: np.ndarray,
                  snaps: dict[int, tuple[np.ndarray, float]], w_lda: np.ndarray,
                  b_lda: float) -> Path:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(snaps), figsize=(4 * len(snaps), 4), sharey=True)
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 2)
    for ax, (it, (w, b)) in zip(axes, sorted(snaps.items())):
        ax.scatter(*X[y > 0].T, s=10, c="tab:red", label="y = +1")
        ax.scatter(*X[y < 0].T, s=10, c="tab:blue", label="y = −1")
        ax.plot(xs, -(w_lda[0] * xs + b_lda) / w_lda[1], "k--", lw=1, label="LDA")
        if abs(w[1]) > 1e-12:
            ax.plot(xs, -(w[0] * xs + b) / w[1], "g-", lw=2, label="logistic regression")
        ax.set_title(f"after {it} iterations")
        ax.set_ylim(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5)
        ax.set_xlabel("x₁")
    axes[0].set_ylabel("x₂")
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=9)
    fig.suptitle("Decision boundary w·x + b = 0 during gradient descent (η = 0.1)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _loss_png(path: Path, logreg: list[float], mlp_train: list[float],
              mlp_val: list[float]) -> Path:
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(logreg)
    a.set(title="Logistic regression, two Gaussian classes", xlabel="iteration",
          ylabel="mean loss −log σ(y(w·x + b))")
    epochs = np.arange(1, len(mlp_train) + 1)
    b.plot(epochs, mlp_train, label="training")
    b.plot(epochs, mlp_val, label="held out")
    b.set(title="MLP 64-64-10 on digits (Adam)", xlabel="epoch", ylabel="cross-entropy")
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def run_demo(out: Path | str = "demo-output", progress: bool | None = None, seed: int = 0,
             log: Callable[[str], Any] = print) -> DemoResult:
    """Run the whole demo, write its pictures to ``out`` and return the numbers."""
    import matplotlib

    matplotlib.use("Agg")
    import nn
    import optim

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    res = DemoResult()
    t0 = time.perf_counter()

    rng = np.random.default_rng(seed)
    X, y = two_gaussians(100, rng=rng, labels="pm1")
    losses, snaps = logistic_regression(X, y)
    w, b = snaps[max(snaps)]
    w_lda, b_lda = lda(X, y)
    res.logreg_loss = losses[-1]
    res.logreg_accuracy = accuracy(Tensor(X @ w + b), y)
    res.lda_accuracy = accuracy(Tensor(X @ w_lda + b_lda), y)
    log("Logistic regression on two Gaussian classes (100 points each, η = 0.1, "
        f"{max(STAGES)} iterations)")
    log(f"  loss {losses[0]:.4f} → {res.logreg_loss:.4f}   accuracy {res.logreg_accuracy:.1%}"
        f"   (LDA: {res.lda_accuracy:.1%})")

    Xd, yd = digits(scale=True)
    order = rng.permutation(len(Xd))
    split = int(0.8 * len(Xd))
    tr, te = order[:split], order[split:]
    model = nn.MLP([64, 64, 10], activation="relu", rng=rng)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    hist = fit(model, DataLoader(Xd[tr], yd[tr], batch_size=64, shuffle=True, rng=rng),
               nn.functional.cross_entropy, opt, epochs=25,
               val=DataLoader(Xd[te], yd[te], batch_size=512),
               metrics={"accuracy": accuracy}, progress=progress)
    res.mlp_accuracy = hist.metrics["val_accuracy"][-1]
    log(f"MLP 64-64-10 on scikit-learn's digits ({len(tr)} training, {len(te)} held-out "
        f"images, Adam, {hist.epochs} epochs)")
    log(f"  held-out accuracy {res.mlp_accuracy:.1%}   loss {hist.loss[0]:.3f} → "
        f"{hist.loss[-1]:.3f}")

    res.files["loss curves"] = _loss_png(out / "loss_curves.png", losses, hist.loss,
                                         hist.metrics["val_loss"])
    res.files["decision boundary"] = _boundary_png(out / "decision_boundary.png", X, y, snaps,
                                                   w_lda, b_lda)
    res.files["computational graph"] = _notes_graph(out / "notes_example.svg")
    log("Wrote:")
    for what, path in res.files.items():
        log(f"  {what:<20} {path.resolve()}")
    log(f"Done in {time.perf_counter() - t0:.1f} s.")
    return res
