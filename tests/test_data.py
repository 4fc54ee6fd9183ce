"""autograd_mini.data: DataLoader and the small datasets."""

from __future__ import annotations

import sys
import warnings
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.data import (
    DataLoader,
    Subset,
    TensorDataset,
    digits,
    moons,
    random_split,
    spirals,
    two_gaussians,
)

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
    Xs, ys = spirals(60, n_classes=3, noise=0.0, rng=RNG(0), shuffle=False)
    assert Xs.shape == (180, 2) and sorted(set(ys.tolist())) == [0, 1, 2]
    np.testing.assert_allclose(np.hypot(*Xs[ys == 2].T), np.linspace(0.05, 1, 60))
    noisy = spirals(60, rng=RNG(1))[0]
    assert not np.allclose(noisy, spirals(60, noise=0.0)[0])
    with pytest.raises(ValueError, match="n_classes"):
        spirals(10, n_classes=1)
    with pytest.raises(ValueError, match="noise"):
        moons(10, noise=-1.0)


@pytest.mark.parametrize("make", [lambda **kw: moons(200, **kw), lambda **kw: spirals(100, **kw),
                                  lambda **kw: two_gaussians(100, labels="01", **kw)])
def test_generators_shuffle_as_scikit_learn_unless_asked_not_to(make: Any) -> None:
    # a head/tail split of an ordered set would validate on one class only
    X, y = make(rng=RNG(0))
    Xo, yo = make(rng=RNG(0), shuffle=False)
    assert (np.diff(yo) >= 0).all() and yo[0] != yo[-1]  # as made: class by class
    assert set(y[:40].tolist()) == set(y[-40:].tolist()) == set(yo.tolist())  # mixed
    order = np.lexsort((*X.T,))  # the same points, with the same labels, in another order
    order_o = np.lexsort((*Xo.T,))
    np.testing.assert_array_equal(X[order], Xo[order_o])
    np.testing.assert_array_equal(y[order], yo[order_o])
    with pytest.raises(TypeError, match="shuffle must be a bool"):
        make(rng=RNG(0), shuffle=1)


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


# ------------------------------------------------------------------ datasets, as PyTorch's


class Pairs:
    """A Dataset class of one's own: sample i is (float32 features, int label)."""

    def __len__(self) -> int:
        return 5

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        if not 0 <= i < 5:
            raise IndexError(i)
        return np.full(3, i, dtype=np.float32), 10 * i


class Rows:
    """A dataset whose samples are single arrays (no targets)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> np.ndarray:
        return np.array([i, -i], dtype=np.float32)


class Hidden:
    """Any dataset seen only through __len__ and __getitem__: DataLoader's generic path."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> Any:
        return self.dataset[i]


def _data(batches: Any) -> list[list[np.ndarray]]:
    return [[t.data for t in b] for b in batches]


def test_tensor_dataset_rows_and_len() -> None:
    X = np.arange(14.0, dtype=np.float32).reshape(7, 2)
    y = np.arange(7)
    ds = TensorDataset(X, Tensor(y))
    assert len(ds) == 7 and ds.arrays[0] is X and isinstance(ds.arrays[1], np.ndarray)
    x3, y3 = ds[3]
    np.testing.assert_array_equal(x3, [6.0, 7.0])
    assert y3 == 3 and x3.dtype == np.float32
    np.testing.assert_array_equal(ds[-1][0], X[6])
    assert type(ds[np.int64(2)]) is tuple and len(TensorDataset(y)[0]) == 1
    assert "7 samples" in repr(ds)
    with pytest.raises(IndexError, match="TensorDataset: index 7 is out of range for 7"):
        ds[7]
    assert len(list(cast(Any, ds))) == 7  # `for row in ds` stops at the IndexError


def test_tensor_dataset_errors() -> None:
    with pytest.raises(ValueError, match=r"TensorDataset: needs at least one array"):
        TensorDataset()
    with pytest.raises(ValueError, match=r"TensorDataset: array 1 has no first \(sample\) "
                                         r"dimension \(shape \(\)\)"):
        TensorDataset(np.zeros(3), np.float64(1.0))
    with pytest.raises(ValueError, match=r"TensorDataset: the arrays must have the same first "
                                         r"\(sample\) dimension, got shapes \(10, 2\), \(9,\)"):
        TensorDataset(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(TypeError, match="TensorDataset: array 0: unsupported dtype"):
        TensorDataset(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="TensorDataset: index must be an int, got True"):
        TensorDataset(np.zeros(3))[True]


def test_loader_of_tensor_dataset_matches_a_hand_computation() -> None:
    X = np.arange(14.0, dtype=np.float32).reshape(7, 2)
    y = np.arange(7) * 10
    ds = TensorDataset(X, y)
    loader = DataLoader(ds, batch_size=3)
    batches = list(loader)
    assert len(loader) == 3 and loader.dataset is ds and "TensorDataset of 7 samples" in repr(
        loader)
    assert all(type(b) is tuple and len(b) == 2 for b in batches)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == y.dtype
    for b, rows in zip(_data(batches), [slice(0, 3), slice(3, 6), slice(6, 7)]):
        np.testing.assert_array_equal(b[0], X[rows])
        np.testing.assert_array_equal(b[1], y[rows])
    assert [b[0].shape[0] for b in DataLoader(ds, batch_size=3, drop_last=True)] == [3, 3]
    shuffled = DataLoader(ds, batch_size=3, shuffle=True, rng=RNG(5))
    order = RNG(5).permutation(7)
    for b, start in zip(_data(shuffled), [0, 3, 6]):
        np.testing.assert_array_equal(b[0], X[order[start:start + 3]])
        np.testing.assert_array_equal(b[1], y[order[start:start + 3]])
    # the same batches as the arrays themselves give
    for a, b in zip(_data(DataLoader(ds, batch_size=3, shuffle=True, rng=RNG(5))),
                    _data(DataLoader(X, y, batch_size=3, shuffle=True, rng=RNG(5)))):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)
    seeded = DataLoader(ds, batch_size=7, shuffle=True)
    am.manual_seed(11)  # after building the loader, as torch.manual_seed
    (xb, yb), = list(seeded)
    np.testing.assert_array_equal(yb.data, y[RNG(11).permutation(7)])
    xb.data[...] = -1  # batches are copies
    assert X.min() == 0


def test_loader_of_a_dataset_class_collates_as_pytorch() -> None:
    loader = DataLoader(Pairs(), batch_size=2, shuffle=True, rng=RNG(2))
    order = RNG(2).permutation(5)
    batches = list(loader)
    assert len(loader) == 3 == len(batches) and [len(b) for b in batches] == [2, 2, 2]
    for (xb, yb), start in zip(batches, [0, 2, 4]):
        assert xb.dtype == np.float32 and yb.dtype == np.int64 and not xb.requires_grad
        rows = order[start:start + 2]
        np.testing.assert_array_equal(xb.data, np.repeat(rows[:, None], 3, axis=1))
        np.testing.assert_array_equal(yb.data, 10 * rows)

    class Lists(Rows):  # list samples, and Tensor fields, collate the same way
        def __getitem__(self, i: int) -> Any:
            return [Tensor(np.full(2, i, dtype=np.float32)), np.float32(i)]

    (xb, tb), = list(DataLoader(Lists(3), batch_size=3))
    assert xb.shape == (3, 2) and xb.dtype == tb.dtype == np.float32
    np.testing.assert_array_equal(tb.data, [0, 1, 2])


def test_loader_of_single_array_samples_gives_plain_tensors() -> None:
    batches = list(DataLoader(Rows(5), batch_size=2))
    assert all(type(b) is Tensor for b in batches) and [b.shape for b in batches] == [
        (2, 2), (2, 2), (1, 2)]
    np.testing.assert_array_equal(batches[1].data, [[2, -2], [3, -3]])
    assert batches[0].dtype == np.float32
    numbers = list(DataLoader(range(5), batch_size=2))  # a range is a dataset of ints
    assert all(type(b) is Tensor for b in numbers) and numbers[0].dtype == np.int64
    np.testing.assert_array_equal(numbers[2].data, [4])


def test_subset_and_nested_subsets() -> None:
    X = np.arange(20.0).reshape(10, 2)
    ds = TensorDataset(X, np.arange(10))
    sub = Subset(ds, [4, 0, 2, 9])
    assert len(sub) == 4 and sub.dataset is ds and sub.indices.dtype == np.int64
    np.testing.assert_array_equal(sub[0][0], X[4])
    assert sub[-1][1] == 9
    inner = Subset(sub, np.array([3, 1]))
    assert [int(inner[i][1]) for i in range(2)] == [9, 0]
    np.testing.assert_array_equal(next(iter(DataLoader(inner, batch_size=5)))[1].data,
                                  [9, 0])
    assert len(Subset(ds, [])) == 0 and len(Subset(Pairs(), range(2, 5))) == 3
    with pytest.raises(ValueError, match=r"Subset: indices must be in range\(0, 10\) for a "
                                         r"dataset of 10 samples, got 10"):
        Subset(ds, [1, 10])
    with pytest.raises(ValueError, match="got -1"):
        Subset(ds, [-1])
    with pytest.raises(TypeError, match="Subset: indices must be a 1-D sequence of ints"):
        Subset(ds, [0.5])
    with pytest.raises(TypeError, match="Subset: dataset must have __len__ and __getitem__"):
        Subset(42, [0])
    with pytest.raises(IndexError, match="Subset: index 4 is out of range for 4 samples"):
        sub[4]


def test_random_split_lengths_ints_and_fractions() -> None:
    ds = TensorDataset(np.arange(10))
    parts = random_split(ds, [6, 4], rng=RNG(1))
    assert [len(p) for p in parts] == [6, 4] and all(type(p) is Subset for p in parts)
    order = RNG(1).permutation(10)
    np.testing.assert_array_equal(parts[0].indices, order[:6])
    np.testing.assert_array_equal(parts[1].indices, order[6:])
    assert [len(p) for p in random_split(ds, [0.33, 0.33, 0.34])] == [4, 3, 3]
    assert [len(p) for p in random_split(ds, (0.5, 0.5))] == [5, 5]
    assert [len(p) for p in random_split(range(5), [0.1, 0.1, 0.8])] == [1, 0, 4]
    assert [len(p) for p in random_split(range(7), np.array([0.5, 0.5]))] == [4, 3]
    assert [len(p) for p in random_split(range(10), [0.1] * 10)] == [1] * 10  # sums to 1 - 1e-16
    assert [len(p) for p in random_split(range(3), [0, 3, 0])] == [0, 3, 0]


@pytest.mark.parametrize("n, lengths", [
    (10, [0.33, 0.33, 0.34]), (5, [0.1, 0.1, 0.8]), (7, [0.5, 0.5]), (101, [0.7, 0.2, 0.1]),
    (3, [0.25, 0.25, 0.25, 0.25]), (1000, [0.333, 0.333, 0.334]), (0, [0.5, 0.5]),
])
def test_random_split_lengths_are_pytorchs(n: int, lengths: list[float]) -> None:
    data = pytest.importorskip("torch.utils.data")
    with warnings.catch_warnings():  # torch warns of empty splits
        warnings.simplefilter("ignore", UserWarning)
        expected = [len(p) for p in data.random_split(range(n), lengths)]
    assert [len(p) for p in random_split(range(n), lengths)] == expected


def test_random_split_is_disjoint_covering_and_seeded() -> None:
    ds = TensorDataset(np.arange(50))
    am.manual_seed(3)
    parts = random_split(ds, [0.6, 0.3, 0.1])
    together = np.concatenate([p.indices for p in parts])
    np.testing.assert_array_equal(np.sort(together), np.arange(50))  # disjoint and covering
    am.manual_seed(3)
    again = random_split(ds, [0.6, 0.3, 0.1])
    assert all(np.array_equal(p.indices, q.indices) for p, q in zip(parts, again))
    np.testing.assert_array_equal(together, RNG(3).permutation(50))
    assert not np.array_equal(random_split(ds, [0.6, 0.3, 0.1])[0].indices, parts[0].indices)
    labels = np.concatenate([yb.data for (yb,) in DataLoader(parts[1], batch_size=4)])
    np.testing.assert_array_equal(labels, parts[1].indices)


def test_random_split_errors() -> None:
    ds = TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match=r"random_split: lengths must not be negative, got "
                                         r"\[12, -2\]"):
        random_split(ds, [12, -2])
    with pytest.raises(ValueError, match=r"random_split: lengths \[6, 3\] sum to 9, but the "
                                         r"dataset has 10 samples"):
        random_split(ds, [6, 3])
    with pytest.raises(ValueError, match=r"random_split: fractions \[0.5, 0.4\] sum to 0.9, "
                                         r"not 1 \(within 1e-6\)"):
        random_split(ds, [0.5, 0.4])
    with pytest.raises(ValueError, match=r"sum to 1.000002, not 1"):
        random_split(ds, [0.5, 0.500002])
    with pytest.raises(ValueError, match=r"random_split: fraction 1.5 at index 0 is not between"):
        random_split(ds, [1.5, -0.5])
    with pytest.raises(ValueError, match=r"random_split: fraction 5 at index 0"):
        random_split(ds, [5, 0.5])
    with pytest.raises(TypeError, match=r"random_split: lengths must be ints or fractions, got "
                                        r"True at index 1"):
        random_split(ds, [9, True])
    with pytest.raises(TypeError, match="random_split: lengths must be a list"):
        random_split(ds, 10)
    with pytest.raises(ValueError, match="random_split: lengths must name at least one split"):
        random_split(ds, [])
    with pytest.raises(TypeError, match="random_split: dataset must have __len__"):
        random_split(3, [1, 2])
    with pytest.raises(TypeError, match=r"random_split: rng must be a numpy\.random\.Generator"):
        random_split(ds, [5, 5], rng=0)  # type: ignore[arg-type]
    # a hair over 1 (allowed within 1e-6): the excess is taken from the last splits
    n = 2_000_000  # floors 1_200_001 + 800_000: one too many
    assert [len(p) for p in random_split(range(n), [0.6000005, 0.4000004])] == [1_200_001,
                                                                                 799_999]


@given(n=st.integers(0, 30), batch_size=st.integers(1, 8), shuffle=st.booleans(),
       drop_last=st.booleans(), seed=st.integers(0, 2**32 - 1), nested=st.booleans())
def test_fast_path_gives_the_generic_paths_batches(n: int, batch_size: int, shuffle: bool,
                                                   drop_last: bool, seed: int,
                                                   nested: bool) -> None:
    X = np.arange(3.0 * n, dtype=np.float32).reshape(n, 3)
    ds: Any = TensorDataset(X, np.arange(n) % 4, np.arange(n) > 2)
    if nested:
        ds = Subset(Subset(ds, RNG(seed).permutation(n)), np.arange(n)[::2])
    fast = DataLoader(ds, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                      rng=RNG(seed))
    slow = DataLoader(Hidden(ds), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                      rng=RNG(seed))
    a, b = list(fast), list(slow)
    assert len(a) == len(b) == len(fast) == len(slow)
    for u, v in zip(a, b):
        assert type(u) is type(v) is tuple and len(u) == len(v) == 3
        for s, t in zip(u, v):
            assert s.dtype == t.dtype and s.shape == t.shape
            np.testing.assert_array_equal(s.data, t.data)


def test_fast_path_indexes_the_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    ds = TensorDataset(np.arange(6.0), np.arange(6))
    sub = Subset(Subset(ds, [5, 4, 3, 2]), [0, 2])

    def refuse(self: TensorDataset, index: Any) -> Any:
        raise AssertionError("per-sample __getitem__ on the fast path")

    monkeypatch.setattr(TensorDataset, "__getitem__", refuse)
    (_, yb), = list(DataLoader(sub, batch_size=4))
    np.testing.assert_array_equal(yb.data, [5, 3])


def test_loader_of_a_dataset_errors() -> None:
    ds = TensorDataset(np.zeros((4, 2)))
    with pytest.raises(TypeError, match=r"DataLoader: y must be None when the first argument is "
                                        r"a dataset \(TensorDataset\), which holds the targets "
                                        r"itself \(DataLoader\(dataset, 32\) passes 32 as y\); "
                                        r"give batch_size by keyword: DataLoader\(dataset, "
                                        r"batch_size=32\)"):
        DataLoader(ds, 32)
    with pytest.raises(TypeError, match=r"y must be None .* targets itself; give batch_size by "
                                        r"keyword: DataLoader\(dataset, batch_size=32\)$"):
        DataLoader(ds, np.zeros(4), batch_size=2)
    with pytest.raises(TypeError, match=r"DataLoader: batch_size is required$"):
        DataLoader(ds)

    class Ragged(Rows):
        def __getitem__(self, i: int) -> np.ndarray:
            return np.zeros(i + 1)

    with pytest.raises(ValueError, match=r"DataLoader: the samples must have one shape to be "
                                         r"stacked, but dataset\[0\] gives \(1,\) and "
                                         r"dataset\[1\] gives \(2,\)"):
        list(DataLoader(Ragged(3), batch_size=2))

    class Uneven(Rows):
        def __getitem__(self, i: int) -> Any:
            return (np.zeros(2), i) if i % 2 == 0 else (np.zeros(2),)

    with pytest.raises(ValueError, match=r"DataLoader: dataset\[1\] is a tuple of 1 fields, "
                                         r"but dataset\[0\] is a tuple of 2 fields"):
        list(DataLoader(Uneven(3), batch_size=2))

    class Named(Rows):
        def __getitem__(self, i: int) -> Any:
            return np.zeros(2), "cat"

    # strings stay strings, a tuple per batch, as PyTorch's default collate keeps them
    batches = list(DataLoader(Named(3), batch_size=2))
    assert [b[1] for b in batches] == [("cat", "cat"), ("cat",)]
    assert [b[0].shape for b in batches] == [(2, 2), (1, 2)]

    class Mixed(Rows):
        def __getitem__(self, i: int) -> Any:
            return np.zeros(2), "cat" if i else 3

    with pytest.raises(TypeError, match=r"DataLoader: field 1 of the samples: unsupported dtype"):
        list(DataLoader(Mixed(3), batch_size=2))

    class Dicts(Rows):
        def __getitem__(self, i: int) -> Any:
            return {"x": i}

    # dicts are batched key by key, as PyTorch's default collate does
    assert [b["x"].data.tolist() for b in DataLoader(Dicts(3), batch_size=2)] == [[0, 1], [2]]

