"""DataLoader mini-batches and small datasets made without downloads."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .checks import as_array, install_hint
from .random import check_rng
from .tensor import Tensor

__all__ = ["DataLoader", "check_rng", "digits", "moons", "spirals", "two_gaussians"]


MAX_COUNT = 2**40  #: more samples or batches than any dataset here could hold


def _count(value: Any, name: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{where}: {name} must be an int >= {minimum}, got {value!r:.60}")
    if value > MAX_COUNT:
        raise ValueError(f"{where}: {name}={value} is too large (at most {MAX_COUNT})")
    return int(value)


def _finite(X: np.ndarray, where: str, what: str) -> np.ndarray:
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{where}: {what} are so large that some points are not finite")
    return X


def _flag(value: Any, name: str, where: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be a bool, got {value!r:.60}")
    return bool(value)


def _real(value: Any, name: str, where: str, minimum: float | None = None) -> float:
    """A finite real number (>= ``minimum`` when given)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{where}: {name} must be a real number, got {value!r:.60}")
    out = float(value)
    if not np.isfinite(out) or (minimum is not None and out < minimum):
        bound = "" if minimum is None else f" and >= {minimum:g}"
        raise ValueError(f"{where}: {name} must be finite{bound}, got {value!r}")
    return out


def _floats(value: Any, name: str, where: str) -> np.ndarray:
    """``value`` as a float64 array of finite numbers."""
    arr = np.asarray(as_array(value, copy=False, where=f"{where}: {name}"), dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}: {name} must hold finite numbers, got {value!r:.80}")
    return arr


class DataLoader:
    """Iterate over (X, y) in mini-batches of ``batch_size`` rows, as (Tensor, Tensor) pairs;
    without ``y`` (an autoencoder's inputs alone), as one-element tuples ``(x,)``, as PyTorch's
    ``DataLoader(TensorDataset(X))`` gives them.

    ``X`` and ``y`` are arrays (or Tensors) with the same first dimension; they are not copied,
    each batch is. With ``shuffle`` every epoch (every ``iter``) draws a new permutation from
    ``rng``, or with ``rng=None`` from the default generator current when the epoch starts (as
    PyTorch's DataLoader does: ``manual_seed`` after building the loader fixes its order);
    ``drop_last`` skips a final short batch. ``len(loader)`` is the number of batches:
    ⌈n / batch_size⌉, or ⌊n / batch_size⌋ with ``drop_last``. dtypes are kept (float32 stays
    float32, integer labels stay integers).
    """

    def __init__(self, X: Any, y: Any = None, batch_size: int | None = None,
                 shuffle: bool = False, drop_last: bool = False,
                 rng: np.random.Generator | None = None) -> None:
        if batch_size is None:
            hint = (f" (DataLoader(X, {y}) gives {y} as the targets y; for the inputs alone, "
                    f"DataLoader(X, batch_size={y}))") if type(y) is int else ""
            raise TypeError(f"DataLoader: batch_size is required{hint}")
        self.X = X.data if isinstance(X, Tensor) else as_array(X, copy=False,
                                                                where="DataLoader: X")
        self.y = None if y is None else y.data if isinstance(y, Tensor) else as_array(
            y, copy=False, where="DataLoader: y")
        if self.X.ndim == 0 or (self.y is not None and self.y.ndim == 0):
            raise ValueError("DataLoader: X and y need a first (sample) dimension")
        if self.y is not None and len(self.X) != len(self.y):
            raise ValueError(
                f"DataLoader: X has {len(self.X)} samples but y has {len(self.y)} "
                f"(shapes {self.X.shape} and {self.y.shape})"
            )
        self.batch_size = _count(batch_size, "batch_size", "DataLoader")
        self.shuffle = _flag(shuffle, "shuffle", "DataLoader")
        self.drop_last = _flag(drop_last, "drop_last", "DataLoader")
        # None stays None: the default generator is looked up per epoch (manual_seed may
        # replace it after construction)
        self.rng: np.random.Generator | None = (
            None if rng is None else check_rng(rng, "DataLoader"))

    def __len__(self) -> int:
        n = len(self.X)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        n, bs = len(self.X), self.batch_size
        order = check_rng(self.rng, "DataLoader").permutation(n) if self.shuffle else None
        stop = n - n % bs if self.drop_last else n
        arrays = (self.X,) if self.y is None else (self.X, self.y)
        for start in range(0, stop, bs):
            rows = slice(start, start + bs) if order is None else order[start:start + bs]
            yield tuple(Tensor(a[rows]) for a in arrays)

    def __repr__(self) -> str:
        return (f"DataLoader({len(self.X)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")


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
) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian classes in 2-D with different means and the same covariance (the setting in
    which LDA is optimal): ``n_per_class`` points of N(mean0, cov) then of N(mean1, cov).

    Returns (X, y): X float64 of shape (2n, 2); y the labels, float64 −1/+1 (``labels="pm1"``,
    for the logistic loss −Σ log σ(y (w·x + b))) or int64 0/1 (``labels="01"``).
    """
    where = "two_gaussians"
    n = _count(n_per_class, "n_per_class", where)
    gen = check_rng(rng, where)
    if not isinstance(labels, str) or labels not in ("pm1", "01"):
        raise ValueError(f"{where}: labels must be 'pm1' or '01', got {labels!r:.60}")
    c = _floats(cov, "cov", where)
    if c.shape != (2, 2) or not np.allclose(c, c.T):
        raise ValueError(f"{where}: cov must be a symmetric 2x2 matrix, got {cov!r}")
    try:
        chol = np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise ValueError(f"{where}: cov must be positive definite, got {cov!r}") from None
    m0, m1 = _floats(mean0, "mean0", where), _floats(mean1, "mean1", where)
    if m0.shape != (2,) or m1.shape != (2,):
        raise ValueError(f"{where}: mean0 and mean1 must be 2-vectors, got shapes "
                         f"{m0.shape} and {m1.shape}")
    means = np.stack([m0, m1])
    y01 = np.repeat([0, 1], n)
    with np.errstate(over="ignore", invalid="ignore"):
        X = means[y01] + gen.standard_normal((2 * n, 2)) @ chol.T
    _finite(X, where, "mean0, mean1 or cov")
    return X, _labels(y01, labels, where)


def moons(n_samples: int = 200, noise: float = 0.1,
          rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 on (cos t, sin t), class 1 on
    (1 − cos t, 1/2 − sin t), t ∈ [0, π], plus N(0, noise²) jitter.

    Returns X float64 (n_samples, 2) (class 0 first) and int64 labels 0/1.
    """
    where = "moons"
    n = _count(n_samples, "n_samples", where, minimum=2)
    noise = _real(noise, "noise", where, minimum=0.0)
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
    _finite(X, where, "the noise values")
    return X, np.repeat(np.arange(2, dtype=np.int64), [n0, n1])


def spirals(n_per_class: int = 100, n_classes: int = 2, noise: float = 0.1, turns: float = 1.0,
            rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms: arm k has points r (cos θ, sin θ) with r from 0.05
    to 1 and θ = 2πk / K + 2π · turns · r + N(0, noise²).

    Returns X float64 (K · n_per_class, 2) (arm 0 first) and int64 labels 0..K−1.
    """
    where = "spirals"
    n = _count(n_per_class, "n_per_class", where)
    k = _count(n_classes, "n_classes", where, minimum=2)
    noise = _real(noise, "noise", where, minimum=0.0)
    turns = _real(turns, "turns", where)
    gen = check_rng(rng, where)
    r = np.tile(np.linspace(0.05, 1.0, n), k)
    y = np.repeat(np.arange(k, dtype=np.int64), n)
    with np.errstate(over="ignore", invalid="ignore"):
        theta = 2 * np.pi * y / k + 2 * np.pi * turns * r + noise * gen.standard_normal(k * n)
        X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return _finite(X, where, "noise or turns"), y


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
    scale = _flag(scale, "scale", "digits")
    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    if scale:
        X = X / 16.0
    return X, np.asarray(bunch.target, dtype=np.int64)
