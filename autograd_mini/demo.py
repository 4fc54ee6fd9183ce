"""The main job (``autograd-mini demo``): the notes' logistic regression next to LDA, an MLP on
digits, and pictures of both plus the notes' computational graph."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import autograd_mini as am
import optim

__all__ = ["COV", "ETA", "MEANS", "N_PER_CLASS", "STAGES", "DemoResult", "lda",
           "logistic_loss", "logistic_regression", "notes_data", "run_demo"]

# The notes' logistic regression (lecture 3.5): 100 points from each of two Gaussian classes
# with different means and one shared covariance, the summed loss, w ~ N(0, 1) and b = 0,
# eta = 0.1, and the boundary drawn after 0, 10, 10^2, 10^3 and 10^4 iterations.
ETA = 0.1
STAGES = (0, 10, 100, 1_000, 10_000)
N_PER_CLASS = 100
# The notes give neither the means nor the covariance. Long thin clouds (standard deviations
# 1 and 0.1) away from the origin make the loss a narrow curved valley, so with eta = 0.1 the
# boundary improves gradually over the stages, as in the notes' figure; round clouds around
# the origin would converge within a hundred iterations.
MEANS = ((0.25, -0.65), (1.75, -0.35))
COV = ((1.0, 0.0), (0.0, 0.01))


@dataclass
class DemoResult:
    """Numbers and files the demo produced."""

    logreg_loss: float = 0.0
    logreg_accuracy: float = 0.0
    lda_accuracy: float = 0.0
    mlp_accuracy: float = 0.0
    stage_loss: dict[int, float] = field(default_factory=dict)
    stage_accuracy: dict[int, float] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


def notes_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The two classes, ``N_PER_CLASS`` points each, labels ±1."""
    return am.data.two_gaussians(N_PER_CLASS, rng=rng, labels="pm1", mean0=MEANS[0],
                                 mean1=MEANS[1], cov=COV, shuffle=False)  # (the notes' order)


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


def logistic_loss(w: am.Tensor, b: am.Tensor, X: am.Tensor, y: am.Tensor) -> am.Tensor:
    """The notes' loss, summed over the points: L(w, b) = −Σₙ log σ(yₙ (w·xₙ + b))."""
    return -am.log_sigmoid(y * (X @ w + b)).sum()


def logistic_regression(X: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                        lr: float = ETA, stages: tuple[int, ...] = STAGES,
                        ) -> tuple[list[float], dict[int, tuple[np.ndarray, float]]]:
    """Gradient descent as in the notes: w ~ N(0, 1) drawn from ``rng``, b = 0, then
    (w, b) ← (w, b) − η ∇L(w, b) for max(stages) iterations, with the library's gradient.
    Returns the loss at every iteration and (w, b) at each of ``stages``."""
    w = am.Tensor(rng.standard_normal(X.shape[1]), requires_grad=True, name="w")
    b = am.Tensor(0.0, requires_grad=True, name="b")
    Xt, yt = am.Tensor(X), am.Tensor(y)
    step = optim.SGD([w, b], lr=lr)  # no momentum: exactly θ ← θ − η ∇L(θ)
    losses: list[float] = []
    snaps: dict[int, tuple[np.ndarray, float]] = {}
    for it in range(max(stages) + 1):
        if it in stages:
            snaps[it] = (w.numpy().copy(), b.item())
        step.zero_grad()
        loss = logistic_loss(w, b, Xt, yt)
        losses.append(loss.item())
        if it == max(stages):
            break
        loss.backward()
        step.step()
    return losses, snaps


def _notes_graph(path: Path) -> Path:
    x = am.Tensor(1.5, requires_grad=True, name="x")
    y = am.Tensor(-0.5, requires_grad=True, name="y")
    v3 = x * y
    f = v3 - am.log(1 + am.exp(v3))
    graph = am.draw_graph(f, textbook=True)
    try:
        path.write_bytes(graph.pipe(format="svg"))
    except Exception as exc:  # graphviz.ExecutableNotFound: no `dot` on this machine
        if type(exc).__name__ != "ExecutableNotFound":
            raise
        path = path.with_suffix(".dot")
        path.write_text(graph.source)  # renderable later with: dot -Tsvg FILE
    return path


def _stage_label(n: int) -> str:
    """0, 10, 10², 10³, 10⁴ as the notes write them."""
    if n < 100:
        return str(n)
    power = len(str(n)) - 1
    return f"10{str(power).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))}" \
        if n == 10**power else str(n)


def _boundary_png(path: Path, X: np.ndarray, y: np.ndarray,
                  snaps: dict[int, tuple[np.ndarray, float]], accuracy: dict[int, float],
                  w_lda: np.ndarray, b_lda: float, lda_accuracy: float) -> Path:
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    lo, hi = X.min(axis=0) - 0.4, X.max(axis=0) + 0.4
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 240), np.linspace(lo[1], hi[1], 240))
    plane = np.stack([g1.ravel(), g2.ravel()], axis=1)
    regions = ListedColormap(["#f4b6b0", "#b9e3b0"])  # the notes: red class 0, green class 1
    panels = [(f"n = {_stage_label(n)}", w, b, accuracy[n]) for n, (w, b) in snaps.items()]
    panels.append(("LDA", w_lda, b_lda, lda_accuracy))
    cols = (len(panels) + 1) // 2
    fig, axes = plt.subplots(2, cols, figsize=(3.6 * cols, 6.6), sharex=True, sharey=True)
    for ax, (title, w, b, acc) in zip(axes.flat, panels):
        side = (plane @ w + b > 0).reshape(g1.shape).astype(float)
        ax.pcolormesh(g1, g2, side, cmap=regions, vmin=0, vmax=1, shading="auto")
        ax.scatter(*X[y < 0].T, s=9, marker="o", facecolors="none", edgecolors="black",
                   linewidths=0.6, label="class 0 (y = −1)")
        ax.scatter(*X[y > 0].T, s=9, marker="x", c="black", linewidths=0.6,
                   label="class 1 (y = +1)")
        if title != "LDA":
            xs = np.array([lo[0], hi[0]])
            ax.plot(xs, -(w_lda[0] * xs + b_lda) / w_lda[1], "k--", lw=0.8,
                    label="LDA boundary")
        ax.set_title(f"{title}: accuracy {acc:.1%}", fontsize=10)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9)
    fig.suptitle(f"Logistic regression by gradient descent (η = {ETA}, {2 * N_PER_CLASS} "
                 "points): predicted class 0 in red, class 1 in green")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _loss_png(path: Path, logreg: list[float], mlp_train: list[float],
              mlp_val: list[float]) -> Path:
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.loglog(np.arange(1, len(logreg) + 1), logreg)  # early steps overshoot: log scales
    for n in STAGES[1:]:
        a.axvline(n + 1, color="gray", lw=0.6, ls=":")
    a.set(title=f"Logistic regression, two Gaussian classes (η = {ETA})",
          xlabel="iteration n + 1 (dotted: the stages drawn)",
          ylabel="loss −Σ log σ(y(w·x + b))")
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

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    res = DemoResult()
    t0 = time.perf_counter()

    rng = np.random.default_rng(seed)
    X, y = notes_data(rng)
    losses, snaps = logistic_regression(X, y, rng)
    w_lda, b_lda = lda(X, y)
    for n, (w, b) in snaps.items():
        res.stage_loss[n] = losses[n]
        res.stage_accuracy[n] = am.accuracy(am.Tensor(X @ w + b), y)
    res.logreg_loss = losses[-1]
    res.logreg_accuracy = res.stage_accuracy[max(STAGES)]
    res.lda_accuracy = am.accuracy(am.Tensor(X @ w_lda + b_lda), y)
    log(f"Logistic regression as in the notes: two Gaussian classes of {N_PER_CLASS} points, "
        f"L = −Σ log σ(y(w·x + b)), w ~ N(0, 1), b = 0, η = {ETA}")
    for n in STAGES:
        log(f"  n = {n:>6}: loss {res.stage_loss[n]:9.4f}   accuracy "
            f"{res.stage_accuracy[n]:6.1%}")
    log(f"  LDA (closed form):  accuracy {res.lda_accuracy:6.1%}")

    Xd, yd = am.data.digits(scale=True)
    order = rng.permutation(len(Xd))
    split = int(0.8 * len(Xd))
    tr, te = order[:split], order[split:]
    model = nn.MLP([64, 64, 10], activation="relu", rng=rng)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    hist = am.fit(model, am.data.DataLoader(Xd[tr], yd[tr], batch_size=64, shuffle=True,
                                            rng=rng),
                  nn.functional.cross_entropy, opt, epochs=25,
                  val=am.data.DataLoader(Xd[te], yd[te], batch_size=512),
                  metrics={"accuracy": am.accuracy}, progress=progress)
    res.mlp_accuracy = hist.metrics["val_accuracy"][-1]
    log(f"MLP 64-64-10 on scikit-learn's digits ({len(tr)} training, {len(te)} held-out "
        f"images, Adam, {hist.epochs} epochs)")
    log(f"  held-out accuracy {res.mlp_accuracy:.1%}   loss {hist.loss[0]:.3f} → "
        f"{hist.loss[-1]:.3f}")

    res.files["loss curves"] = _loss_png(out / "loss_curves.png", losses, hist.loss,
                                         hist.metrics["val_loss"])
    res.files["decision boundary"] = _boundary_png(out / "decision_boundary.png", X, y, snaps,
                                                   res.stage_accuracy, w_lda, b_lda,
                                                   res.lda_accuracy)
    res.files["computational graph"] = _notes_graph(out / "notes_example.svg")
    log("Wrote:")
    for what, path in res.files.items():
        log(f"  {what:<20} {path.resolve()}")
    log(f"Done in {time.perf_counter() - t0:.1f} s.")
    return res
