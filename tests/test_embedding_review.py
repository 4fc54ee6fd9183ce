"""Embedding as an NLP port meets it: ``nn.functional.embedding``, PyTorch's ``sparse`` and
``scale_grad_by_freq`` keywords (taken at False), a table assigned anew, and PyTorch tensors
that require grad given as tables."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as F

RNG = np.random.default_rng(0)


def test_the_functional_form_looks_up_rows_and_keeps_the_padding_row_still() -> None:
    W = RNG.normal(size=(6, 3))
    w = am.Tensor(W, requires_grad=True)
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    y = F.embedding(idx, w, padding_idx=2)
    np.testing.assert_array_equal(y.data, W[idx])
    g = RNG.normal(size=y.shape)
    (y * am.Tensor(g)).sum().backward()
    want = np.zeros_like(W)
    np.add.at(want, idx, g)
    want[2] = 0.0
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, want)
    layer = nn.Embedding(6, 3, padding_idx=2)
    layer.weight.data[...] = W
    np.testing.assert_array_equal(layer(idx).data, y.data)


@pytest.mark.parametrize("make", [
    lambda **kw: nn.Embedding(5, 3, **kw),
    lambda **kw: nn.Embedding.from_pretrained(np.ones((5, 3)), **kw),
    lambda **kw: F.embedding(np.array([1]), am.Tensor(np.ones((5, 3))), **kw),
])
def test_sparse_and_scale_grad_by_freq_are_taken_at_false_and_named_at_true(make: object) -> None:
    make(sparse=False, scale_grad_by_freq=False)  # type: ignore[operator]
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        make(sparse=True)  # type: ignore[operator]
    with pytest.raises(ValueError, match="scale_grad_by_freq=True is not supported"):
        make(scale_grad_by_freq=True)  # type: ignore[operator]


def test_a_grown_table_takes_its_new_rows() -> None:
    """The range check read num_embeddings from construction: index 6 of an 8-row table
    assigned later was refused."""
    emb = nn.Embedding(5, 3)
    emb.weight = nn.Parameter(RNG.normal(size=(8, 3)))
    np.testing.assert_array_equal(emb(np.array([6, 7])).data, emb.weight.data[6:])
    with pytest.raises(ValueError, match=r"index 8 is out of range \[0, 8\)"):
        emb(np.array([8]))


def test_a_pytorch_parameter_gives_its_values() -> None:
    """Its own conversion refuses a tensor that requires grad; the error named neither the
    function nor the argument."""
    torch = pytest.importorskip("torch")
    p = torch.nn.Embedding(5, 3).weight
    emb = nn.Embedding.from_pretrained(p)
    np.testing.assert_array_equal(emb.weight.data, p.detach().numpy())
    np.testing.assert_array_equal(am.Tensor(p).data, p.detach().numpy())
    assert emb.weight.dtype == np.float32 and not emb.weight.requires_grad
