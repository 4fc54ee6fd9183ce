"""autograd_mini.data: DataLoader and the small datasets."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from autograd_mini import Tensor
from autograd_mini.data import DataLoader, digits, moons, spirals, two_gaussians

RNG = np.random.default_rng


def test_batches_in_order_and_len() -> None:
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    loader = DataLoader(X, y, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert all(isinstance(a, Tensor) and isinstance(b, Tensor) for a, b in batches)
    assert [b.shape[0] for b, _ in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b.data for b, _ in batches]), X)
    np.testing.assert_array_equal(np.concatenate([t.data for _, t in batches]), y)
    assert batches[0][1].dtype == y.dtype and not batches[0][0].requires_grad
    dropped = DataLoader(X, y, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [b.shape[0] for b, _ in dropped] == [4, 4]
    assert len(DataLoader(X, y, batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(X, y, batch_size=5)) == 2
    assert len(DataLoader(X, y, batch_size=11)) == 1
    assert len(DataLoader(X, y, 11, drop_last=True)) == 0
    batches[0][0].data[...] = -1  # batches are copies
    assert X.min() == 0


def test_shuffle_draws_a_new_permutation_each_epoch() -> None:
    X = np.arange(50.0)[:, None]
    y = np.arange(50)
    loader = DataLoader(X, y, batch_size=8, shuffle=True, rng=RNG(0))
    epochs = [np.concatenate([t.data for _, t in loader]) for _ in range(3)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(50))
        assert not np.array_equal(order, y)
    assert not np.array_equal(epochs[0], epochs[1])
    for xb, yb in loader:  # pairs stay aligned
        np.testing.assert_array_equal(xb.data[:, 0], yb.data)
    again = DataLoader(X, y, batch_size=8, shuffle=True, rng=RNG(0))
    np.testing.assert_array_equal(np.concatenate([t.data for _, t in again]), epochs[0])


def test_loader_keeps_float32_and_accepts_tensors() -> None:
    X = Tensor(np.ones((6, 3), dtype=np.float32))
    loader = DataLoader(X, np.zeros(6), batch_size=4)
    assert next(iter(loader))[0].dtype == np.float32
    assert "6 samples" in repr(loader)


def test_loader_errors() -> None:
    with pytest.raises(ValueError, match="10 samples but y has 9"):
        DataLoader(np.zeros((10, 2)), np.zeros(9), batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(np.zeros((10, 2)), np.zeros(10), batch_size=0)
    with pytest.raises(TypeError, match="Generator"):
        DataLoader(np.zeros((10, 2)), np.zeros(10), 2, shuffle=True, rng=42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sample"):
        DataLoader(np.float64(1.0), np.zeros(1), batch_size=1)


def test_two_gaussians() -> None:
    X, y = two_gaussians(100, rng=RNG(0))
    assert X.shape == (200, 2) and y.shape == (200,) and y.dtype == np.float64
    assert set(y.tolist()) == {-1.0, 1.0} and (y == 1).sum() == 100
    big, labels = two_gaussians(20_000, rng=RNG(1), labels="01")
    assert labels.dtype == np.int64 and set(labels.tolist()) == {0, 1}
    np.testing.assert_allclose(big[labels == 0].mean(0), [-1, -1], atol=0.03)
    np.testing.assert_allclose(big[labels == 1].mean(0), [1, 1], atol=0.03)
    cov = [[1.0, -0.5], [-0.5, 2.0]]
    np.testing.assert_allclose(np.cov(big[labels == 0].T), cov, atol=0.06)  # same covariance
    np.testing.assert_allclose(np.cov(big[labels == 1].T), cov, atol=0.06)
    np.testing.assert_array_equal(two_gaussians(5, rng=RNG(3))[0], two_gaussians(5, rng=RNG(3))[0])
    with pytest.raises(ValueError, match="labels"):
        two_gaussians(5, labels="pm")
    with pytest.raises(ValueError, match="positive definite"):
        two_gaussians(5, cov=((1.0, 2.0), (2.0, 1.0)))


def test_moons_and_spirals() -> None:
    X, y = moons(101, noise=0.0, rng=RNG(0))
    assert X.shape == (101, 2) and y.dtype == np.int64 and (y == 0).sum() == 50
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)  # outer half circle, no noise
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    Xs, ys = spirals(60, n_classes=3, noise=0.0, rng=RNG(0))
    assert Xs.shape == (180, 2) and sorted(set(ys.tolist())) == [0, 1, 2]
    np.testing.assert_allclose(np.hypot(*Xs[ys == 2].T), np.linspace(0.05, 1, 60))
    noisy = spirals(60, rng=RNG(1))[0]
    assert not np.allclose(noisy, spirals(60, noise=0.0)[0])
    with pytest.raises(ValueError, match="n_classes"):
        spirals(10, n_classes=1)
    with pytest.raises(ValueError, match="noise"):
        moons(10, noise=-1.0)


def test_digits() -> None:
    pytest.importorskip("sklearn")
    X, y = digits()
    assert X.shape == (1797, 64) and y.shape == (1797,) and y.dtype == np.int64
    assert X.max() == 16.0 and digits(scale=True)[0].max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))


def test_digits_without_scikit_learn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError) as info:
        digits()
    assert str(info.value).endswith(  # the project, or the extra with it
        ": pip install scikit-learn (or, in the repository, bash scripts/setup.sh demo)")
    assert "\n" not in str(info.value) and info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_loader_of_inputs_alone_gives_one_element_tuples() -> None:
    """An autoencoder has no targets: DataLoader(X, batch_size=...) gives (x,), as PyTorch's
    DataLoader(TensorDataset(X)); before, y=None failed on 'unsupported dtype object'."""
    X = np.arange(10.0, dtype=np.float32).reshape(5, 2)
    loader = DataLoader(X, batch_size=2, shuffle=True, rng=RNG(0))
    batches = list(loader)
    assert len(loader) == 3 and all(type(b) is tuple and len(b) == 1 for b in batches)
    (xb,) = batches[0]
    assert isinstance(xb, Tensor) and xb.dtype == np.float32
    np.testing.assert_array_equal(np.sort(np.concatenate([b[0].data for b in batches]), axis=0),
                                  X)
    with pytest.raises(TypeError, match=r"batch_size is required \(DataLoader\(X, 32\) gives "
                                        r"32 as the targets y; .* DataLoader\(X, batch_size=32\)"):
        DataLoader(X, 32)
    with pytest.raises(TypeError, match=r"batch_size is required$"):
        DataLoader(X, X[:, 0])
