"""Small datasets made without downloads: two Gaussian classes, two moons, spirals, and
scikit-learn's bundled digits."""

from __future__ import annotations

import numpy as np

from ..checks import install_hint
from ..random import check_rng
from .args import all_finite, count_arg, flag_arg, floats_arg, real_arg

__all__ = ["digits", "moons", "spirals", "two_gaussians"]


def _shuffled(X: np.ndarray, y: np.ndarray, shuffle: bool, gen: np.random.Generator,
              where: str) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) in an order drawn from ``gen`` (after the points), or as made when not
    ``shuffle``."""
    if not flag_arg(shuffle, "shuffle", where):
        return X, y
    order = gen.permutation(len(y))
    return X[order], y[order]


def _labels(y01: np.ndarray, labels: str, where: str) -> np.ndarray:
    if not isinstance(labels, str):
        raise TypeError(f"{where}: labels must be 'pm1' or '01', got {labels!r:.60}")
    if labels == "pm1":
        return (2.0 * y01 - 1.0).astype(np.float64)
    if labels == "01":
        return y01.astype(np.int64)
    raise ValueError(f"{where}: labels must be 'pm1' or '01', got {labels!r}")


def two_gaussians(
    n_per_class: int = 100,
    rng: np.random.Generator | None = None,
    labels: str = "pm1",
    mean0: tuple[float, float] = (-1.0, -1.0),
    mean1: tuple[float, float] = (1.0, 1.0),
    cov: tuple[tuple[float, float], tuple[float, float]] = ((1.0, -0.5), (-0.5, 2.0)),
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian classes in 2-D with different means and the same covariance (the setting in
    which LDA is optimal): ``n_per_class`` points of N(mean0, cov) and of N(mean1, cov), in a
    random order (class 0 first with ``shuffle=False``), as scikit-learn's generators.

    Returns (X, y): X float64 of shape (2n, 2); y the labels, float64 −1/+1 (``labels="pm1"``,
    for the logistic loss −Σ log σ(y (w·x + b))) or int64 0/1 (``labels="01"``).
    """
    where = "two_gaussians"
    n = count_arg(n_per_class, "n_per_class", where)
    gen = check_rng(rng, where)
    if not isinstance(labels, str) or labels not in ("pm1", "01"):
        raise ValueError(f"{where}: labels must be 'pm1' or '01', got {labels!r:.60}")
    c = floats_arg(cov, "cov", where)
    if c.shape != (2, 2) or not np.allclose(c, c.T):
        raise ValueError(f"{where}: cov must be a symmetric 2x2 matrix, got {cov!r}")
    try:
        chol = np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise ValueError(f"{where}: cov must be positive definite, got {cov!r}") from None
    m0, m1 = floats_arg(mean0, "mean0", where), floats_arg(mean1, "mean1", where)
    if m0.shape != (2,) or m1.shape != (2,):
        raise ValueError(f"{where}: mean0 and mean1 must be 2-vectors, got shapes "
                         f"{m0.shape} and {m1.shape}")
    means = np.stack([m0, m1])
    y01 = np.repeat([0, 1], n)
    with np.errstate(over="ignore", invalid="ignore"):
        X = means[y01] + gen.standard_normal((2 * n, 2)) @ chol.T
    all_finite(X, where, "mean0, mean1 or cov")
    return _shuffled(X, _labels(y01, labels, where), shuffle, gen, where)


def moons(n_samples: int = 200, noise: float = 0.1, rng: np.random.Generator | None = None,
          shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 on (cos t, sin t), class 1 on
    (1 − cos t, 1/2 − sin t), t ∈ [0, π], plus N(0, noise²) jitter.

    Returns X float64 (n_samples, 2) and int64 labels 0/1, in a random order as scikit-learn's
    ``make_moons`` (with ``shuffle=False``: class 0 first, each along its curve).
    """
    where = "moons"
    n = count_arg(n_samples, "n_samples", where, minimum=2)
    noise = real_arg(noise, "noise", where, minimum=0.0)
    gen = check_rng(rng, where)
    n0 = n // 2
    n1 = n - n0
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    X = np.concatenate([
        np.stack([np.cos(t0), np.sin(t0)], axis=1),
        np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1),
    ])
    with np.errstate(over="ignore", invalid="ignore"):
        X += noise * gen.standard_normal(X.shape)
    all_finite(X, where, "the noise values")
    return _shuffled(X, np.repeat(np.arange(2, dtype=np.int64), [n0, n1]), shuffle, gen, where)


def spirals(n_per_class: int = 100, n_classes: int = 2, noise: float = 0.1, turns: float = 1.0,
            rng: np.random.Generator | None = None, shuffle: bool = True
            ) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms: arm k has points r (cos θ, sin θ) with r from 0.05
    to 1 and θ = 2πk / K + 2π · turns · r + N(0, noise²).

    Returns X float64 (K · n_per_class, 2) and int64 labels 0..K−1, in a random order (with
    ``shuffle=False``: arm 0 first, each from its centre out).
    """
    where = "spirals"
    n = count_arg(n_per_class, "n_per_class", where)
    k = count_arg(n_classes, "n_classes", where, minimum=2)
    noise = real_arg(noise, "noise", where, minimum=0.0)
    turns = real_arg(turns, "turns", where)
    gen = check_rng(rng, where)
    r = np.tile(np.linspace(0.05, 1.0, n), k)
    y = np.repeat(np.arange(k, dtype=np.int64), n)
    with np.errstate(over="ignore", invalid="ignore"):
        theta = 2 * np.pi * y / k + 2 * np.pi * turns * r + noise * gen.standard_normal(k * n)
        X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return _shuffled(all_finite(X, where, "noise or turns"), y, shuffle, gen, where)


def digits(scale: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8×8 handwritten digits (no download): X float64 (1797, 64) with
    pixel values 0..16 (divided by 16 when ``scale``), y int64 labels 0..9.

    Needs scikit-learn: ``pip install scikit-learn``, or the ``demo`` extra.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("autograd_mini.data.digits() needs scikit-learn, which is not "
                          f"installed: {install_hint('demo', ['scikit-learn'])}") from None
    scale = flag_arg(scale, "scale", "digits")
    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    if scale:
        X = X / 16.0
    return X, np.asarray(bunch.target, dtype=np.int64)
