"""DataLoader and TensorDataset keep the graph of a Tensor that requires grad, as PyTorch's:
learned inputs get their gradient through the batches."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.data import DataLoader, Subset, TensorDataset

X = np.random.default_rng(0).normal(size=(10, 3))
Y = np.arange(10) % 2


class Records:
    """A dataset of one's own whose samples are rows of a Tensor that requires grad."""

    def __init__(self, X: Tensor) -> None:
        self.X = X

    def __len__(self) -> int:
        return len(Y)

    def __getitem__(self, i: int) -> tuple[Any, int]:
        return self.X[i], int(Y[i])


def _loaders(Xt: Tensor) -> dict[str, DataLoader]:
    return {
        "arrays": DataLoader(Xt, Y, batch_size=4),
        "TensorDataset, shuffled": DataLoader(TensorDataset(Xt, Y), batch_size=4, shuffle=True,
                                              rng=np.random.default_rng(1)),
        "Subset": DataLoader(Subset(TensorDataset(Xt, Y), [9, 2, 5, 0]), batch_size=3),
        "a dataset of one's own": DataLoader(Records(Xt), batch_size=4),
    }


@pytest.mark.parametrize("kind", ["arrays", "TensorDataset, shuffled", "Subset",
                                  "a dataset of one's own"])
def test_batches_carry_the_gradient_back(kind: str) -> None:
    Xt = Tensor(X, requires_grad=True)
    loader = _loaders(Xt)[kind]
    seen = np.zeros(len(X), bool)
    for xb, yb in loader:
        assert xb.requires_grad and not yb.requires_grad and yb.dtype == np.int64
        (xb * xb).sum().backward()
    for xb, _ in loader:  # which rows the loader gave: ∂Σx²/∂x = 2x there, 0 elsewhere
        seen |= np.isin(X[:, 0], xb.numpy()[:, 0])
    assert Xt.grad is not None
    np.testing.assert_allclose(Xt.grad.numpy(), np.where(seen[:, None], 2 * X, 0.0))
    assert seen.sum() == (4 if kind == "Subset" else 10)


def test_no_graph_without_grad_or_under_no_grad() -> None:
    assert not any(xb.requires_grad for xb, _ in DataLoader(Tensor(X), Y, batch_size=4))
    Xt = Tensor(X, requires_grad=True)
    with am.no_grad():
        assert not any(xb.requires_grad for xb, _ in DataLoader(Xt, Y, batch_size=4))
    assert isinstance(TensorDataset(Xt).arrays[0], np.ndarray)
    assert TensorDataset(Xt).tensors[0] is Xt


def test_a_tensor_made_to_require_grad_after_the_loader_is_built() -> None:
    """Whether to record is read at each batch, as PyTorch's indexing does."""
    Xt = Tensor(X)
    loader = DataLoader(Xt, Y, batch_size=4)
    Xt.requires_grad_(True)
    xb, _ = next(iter(loader))
    xb.sum().backward()
    assert Xt.grad is not None
    np.testing.assert_array_equal(Xt.grad.numpy(), np.repeat([1.0, 0.0], [4, 6])[:, None]
                                  * np.ones(3))


def test_a_tensors_array_assigned_anew_is_what_the_dataset_holds() -> None:
    """``ds.arrays`` was a second copy of what ``ds.tensors`` holds: after ``X.data = …`` it
    kept the old array, and the length with it."""
    Xt = Tensor(X)
    ds = TensorDataset(Xt)
    Xt.data = X[:4].copy()
    assert len(ds) == 4 and ds.arrays[0] is Xt.data
