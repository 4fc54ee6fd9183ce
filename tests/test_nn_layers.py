"""Layers against hand-written NumPy: Linear, MLP, Sequential, activations, Dropout, LayerNorm."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nn
from autograd_mini import Tensor

RNG = np.random.default_rng


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


# ----------------------------------------------------------------------------- Linear
def test_linear_init_is_pytorch_default_and_seeded() -> None:
    lin = nn.Linear(5, 3, rng=RNG(7))
    assert lin.weight.shape == (3, 5) and lin.bias is not None and lin.bias.shape == (3,)
    ref = RNG(7)
    bound = 1 / np.sqrt(5)
    np.testing.assert_array_equal(lin.weight.data, ref.uniform(-bound, bound, (3, 5)))
    np.testing.assert_array_equal(lin.bias.data, ref.uniform(-bound, bound, 3))
    np.testing.assert_array_equal(nn.Linear(5, 3, rng=RNG(7)).weight.data, lin.weight.data)
    assert not np.array_equal(nn.Linear(5, 3, rng=RNG(8)).weight.data, lin.weight.data)
    big = nn.Linear(100, 2000, rng=RNG(0)).weight.data
    assert np.abs(big).max() <= 0.1
    assert abs(big.mean()) < 0.002 and abs(big.var() - 0.01 / 3) < 1e-4  # U(-b, b): var b²/3
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad


def test_linear_forward_and_gradients_match_numpy() -> None:
    rng = RNG(1)
    lin = nn.Linear(4, 3, rng=RNG(2))
    x = Tensor(rng.normal(size=(6, 4)), requires_grad=True)
    g = rng.normal(size=(6, 3))
    y = lin(x)
    W, b = lin.weight.data, lin.bias.data  # type: ignore[union-attr]
    np.testing.assert_allclose(y.data, x.data @ W.T + b, rtol=1e-13)
    y.backward(g)
    np.testing.assert_allclose(lin.weight.grad.data, g.T @ x.data, rtol=1e-13)  # type: ignore[union-attr]
    np.testing.assert_allclose(lin.bias.grad.data, g.sum(0), rtol=1e-13)  # type: ignore[union-attr]
    np.testing.assert_allclose(x.grad.data, g @ W, rtol=1e-13)  # type: ignore[union-attr]
    # the graph is one fused node x Wᵀ + b
    node = y.grad_fn
    assert node is not None and node.op.name == "linear"
    assert node.parents[1] is lin.weight and node.parents[2] is lin.bias


def test_linear_variants_and_errors() -> None:
    lin = nn.Linear(3, 2, bias=False, rng=RNG(0))
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    v = np.arange(3.0)
    np.testing.assert_allclose(lin(v).data, lin.weight.data @ v)
    batched = lin(np.ones((2, 5, 3)))
    assert batched.shape == (2, 5, 2)
    with pytest.raises(ValueError, match=r"\(4, 4\)"):
        lin(np.ones((4, 4)))
    with pytest.raises(ValueError, match="positive"):
        nn.Linear(0, 2)
    with pytest.raises(TypeError, match="floating"):
        nn.Linear(2, 2, dtype=np.int64)
    with pytest.raises(TypeError, match="Generator"):
        nn.Linear(2, 2, rng=0)  # type: ignore[arg-type]


def test_float32_stays_float32() -> None:
    m = nn.MLP([3, 5, 2], activation="tanh", rng=RNG(0), dtype=np.float32)
    x = Tensor(np.ones((4, 3), dtype=np.float32))
    y = m(x)
    assert y.dtype == np.float32
    loss = nn.functional.cross_entropy(y, np.array([0, 1, 1, 0]))
    assert loss.dtype == np.float32
    loss.backward()
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32  # type: ignore[union-attr]
               for p in m.parameters())
    bn = nn.BatchNorm1d(3, dtype=np.float32)
    ln = nn.LayerNorm(3, dtype=np.float32)
    assert bn(x).dtype == np.float32 and ln(x).dtype == np.float32
    bn.eval()
    assert bn(x).dtype == np.float32
    assert nn.Dropout(0.5, rng=RNG(0))(x).dtype == np.float32


# ----------------------------------------------------------------------------- MLP
def test_mlp_structure() -> None:
    m = nn.MLP([4, 8, 6, 3], activation=nn.Tanh, output_activation="softmax", dropout=0.2,
               rng=RNG(0))
    kinds = [type(layer).__name__ for layer in m.layers]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear", "Softmax"]
    assert [n for n, _ in m.named_parameters()][::2] == [
        "layers.0.weight", "layers.3.weight", "layers.6.weight"
    ]
    shared = nn.LeakyReLU(0.2)
    m2 = nn.MLP([2, 2, 2, 2], activation=shared, rng=RNG(0))
    assert m2.layers[1] is not m2.layers[3] and m2.layers[1].negative_slope == 0.2
    assert type(nn.MLP([2, 2, 2], activation=None).layers[1]).__name__ == "Identity"
    with pytest.raises(ValueError, match="unknown activation"):
        nn.MLP([2, 2, 2], activation="swish")
    with pytest.raises(ValueError, match="sizes"):
        nn.MLP([3])
    with pytest.raises(ValueError, match="dropout"):
        nn.MLP([2, 2, 2], dropout=1.5)
    with pytest.raises(TypeError, match="not a Module"):
        nn.MLP([2, 2, 2], activation=lambda: 3)  # type: ignore[arg-type, return-value]


def test_mlp_forward_and_gradients_match_numpy_backprop() -> None:
    rng = RNG(3)
    m = nn.MLP([3, 5, 4, 2], activation="tanh", rng=RNG(4))
    x = rng.normal(size=(7, 3))
    g = rng.normal(size=(7, 2))
    (W1, b1), (W2, b2), (W3, b3) = [
        (lin.weight.data, lin.bias.data) for lin in m.layers[::2]
    ]
    a1 = x @ W1.T + b1
    z1 = np.tanh(a1)
    a2 = z1 @ W2.T + b2
    z2 = np.tanh(a2)
    out = z2 @ W3.T + b3
    y = m(x)
    np.testing.assert_allclose(y.data, out, rtol=1e-12)
    y.backward(g)
    d3 = g
    d2 = (d3 @ W3) * (1 - z2**2)
    d1 = (d2 @ W2) * (1 - z1**2)
    expected = [d1.T @ x, d1.sum(0), d2.T @ z1, d2.sum(0), d3.T @ z2, d3.sum(0)]
    for p, e in zip(m.parameters(), expected, strict=True):
        np.testing.assert_allclose(p.grad.data, e, rtol=1e-11, atol=1e-14)  # type: ignore[union-attr]


def test_sequential() -> None:
    a, b = nn.Linear(2, 3, rng=RNG(0)), nn.Linear(3, 1, rng=RNG(1))
    s = nn.Sequential(a, nn.ReLU(), b)
    assert len(s) == 3 and s[0] is a and s[-1] is b and list(s)[1].__class__ is nn.ReLU
    assert [n for n, _ in s.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = RNG(2).normal(size=(4, 2))
    np.testing.assert_allclose(s(x).data, b(a(x).relu()).data)
    head = s[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is a
    s.append(nn.Sigmoid())
    assert len(s) == 4 and np.all((s(x).data > 0) & (s(x).data < 1))
    named = nn.Sequential({"fc": a, "act": nn.Tanh()})
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    with pytest.raises(IndexError, match="out of range"):
        s[10]
    with pytest.raises(TypeError, match="Modules"):
        nn.Sequential(a, "relu")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name"):
        nn.Sequential({"a.b": a})


# ----------------------------------------------------------------------------- activations
@pytest.mark.parametrize(
    ("module", "reference"),
    [
        (nn.ReLU(), lambda a: np.maximum(a, 0)),
        (nn.LeakyReLU(0.1), lambda a: np.where(a > 0, a, 0.1 * a)),
        (nn.Sigmoid(), sigmoid),
        (nn.Tanh(), np.tanh),
        (nn.Softplus(), lambda a: np.log1p(np.exp(a))),
        (nn.Identity(), lambda a: a),
        (nn.Softmax(axis=0), lambda a: np.exp(a) / np.exp(a).sum(0, keepdims=True)),
        (nn.LogSoftmax(), lambda a: a - np.log(np.exp(a).sum(-1, keepdims=True))),
    ],
)
def test_activations_match_numpy(module: nn.Module, reference: Any) -> None:
    a = RNG(0).normal(size=(4, 3)) * 3
    np.testing.assert_allclose(module(Tensor(a)).data, reference(a), rtol=1e-12, atol=1e-15)


def test_activation_repr() -> None:
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Softmax()) == "Softmax(axis=-1)"


# ----------------------------------------------------------------------------- Dropout
def test_dropout_train_and_eval() -> None:
    x = Tensor(np.ones((200, 100)), requires_grad=True)
    drop = nn.Dropout(0.3, rng=RNG(0))
    y = drop(x)
    kept = y.data != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y.data[kept], 1 / 0.7)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, kept / 0.7)  # type: ignore[union-attr]
    y2 = drop(x)
    assert not np.array_equal(y2.data != 0, kept)  # a new mask each call
    np.testing.assert_array_equal(nn.Dropout(0.3, rng=RNG(0))(x).data, y.data)  # seeded
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert np.all(nn.Dropout(1.0)(x).data == 0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.Dropout(1.2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.functional.dropout(x, -0.1)


def test_dropout_inside_mlp_is_off_in_eval() -> None:
    m = nn.MLP([3, 50, 1], dropout=0.5, rng=RNG(0))
    x = np.ones((2, 3))
    assert not np.array_equal(m(x).data, m(x).data)
    m.eval()
    np.testing.assert_array_equal(m(x).data, m(x).data)


# ----------------------------------------------------------------------------- LayerNorm
def test_layernorm_matches_numpy() -> None:
    rng = RNG(0)
    ln = nn.LayerNorm((3, 4))
    ln.weight.data[...] = rng.normal(size=(3, 4))  # type: ignore[union-attr]
    ln.bias.data[...] = rng.normal(size=(3, 4))  # type: ignore[union-attr]
    x = rng.normal(size=(2, 3, 4)) * 5 + 2
    mu = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    ref = (x - mu) / np.sqrt(var + 1e-5) * ln.weight.data + ln.bias.data  # type: ignore[union-attr]
    np.testing.assert_allclose(ln(x).data, ref, rtol=1e-12)
    plain = nn.LayerNorm(4, elementwise_affine=False)
    assert list(plain.parameters()) == []
    out = plain(x).data
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-12)
    with pytest.raises(ValueError, match="does not end in"):
        ln(np.ones((2, 4, 3)))


def test_layer_norm_without_bias_and_identity_with_arguments_as_in_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.LayerNorm(4, bias=False), torch.nn.LayerNorm(4, bias=False,
                                                                   dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    w = np.array([1.0, 2.0, 3.0, 4.0])
    ours.weight.data[...] = w  # type: ignore[union-attr]
    with torch.no_grad():
        theirs.weight[:] = torch.tensor(w)
    x = np.random.default_rng(0).standard_normal((3, 4))
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)
    assert "bias=False" in repr(ours)
    np.testing.assert_array_equal(nn.Identity(54, unused=0.1)(Tensor([1.0, 2.0])).data, [1, 2])
