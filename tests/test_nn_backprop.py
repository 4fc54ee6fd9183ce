"""The notes' two-layer softmax network (eqs. 2.12–2.18, Algorithm 2) backpropagated by hand.

f(x) = σ2(W2 σ1(W1 x)) with σ1 the sigmoid, σ2 the softmax, no intercepts, and the
cross-entropy loss L = −log f(x)_y. With a1 = W1 x, z = σ1(a1), a2 = W2 z:
δ2 = ∇_{a2} L = f(x) − e_y, ∂L/∂W2 = δ2 zᵀ (2.15), δ1 = A1 W2ᵀ δ2 with A1 = diag(σ1'(a1))
(2.16, 2.18), ∂L/∂W1 = δ1 xᵀ (2.17).
"""

from __future__ import annotations

import numpy as np

import nn
from autograd_mini import Tensor, log, softmax

RNG = np.random.default_rng
D, M, K = 5, 4, 3


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def by_hand(W1: np.ndarray, W2: np.ndarray, x: np.ndarray, y: int) -> dict[str, np.ndarray]:
    """Algorithm 2 in NumPy for one sample."""
    a1 = W1 @ x
    z = sigmoid(a1)
    a2 = W2 @ z
    f = np.exp(a2 - a2.max()) / np.exp(a2 - a2.max()).sum()
    delta2 = f - np.eye(K)[y]
    A1 = np.diag(sigmoid(a1) * (1 - sigmoid(a1)))
    delta1 = A1 @ W2.T @ delta2
    return {
        "loss": -np.log(f[y]), "delta2": delta2, "delta1": delta1,
        "dW2": np.outer(delta2, z), "dW1": np.outer(delta1, x),
    }


def network() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(D, M, bias=False, rng=RNG(0)),
        nn.Sigmoid(),
        nn.Linear(M, K, bias=False, rng=RNG(1)),
    )


def test_each_backprop_equation_for_one_sample() -> None:
    net = network()
    x = RNG(2).normal(size=D)
    y = 2
    W1, W2 = net[0].weight, net[2].weight
    a1 = net[0](x)
    a1.retain_grad()
    a2 = net[2](net[1](a1))
    a2.retain_grad()
    loss = -log(softmax(a2)[y])  # σ2 is the softmax, L the cross-entropy
    loss.backward()
    ref = by_hand(W1.data, W2.data, x, y)
    np.testing.assert_allclose(loss.item(), ref["loss"], rtol=1e-13)
    np.testing.assert_allclose(a2.grad.data, ref["delta2"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a1.grad.data, ref["delta1"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(W2.grad.data, ref["dW2"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(W1.grad.data, ref["dW1"], rtol=1e-12, atol=1e-15)


def test_batch_gradients_are_the_sum_of_per_sample_equations() -> None:
    net = network()
    X = RNG(3).normal(size=(8, D))
    ys = RNG(4).integers(0, K, 8)
    loss = nn.functional.cross_entropy(net(Tensor(X)), ys, reduction="sum")
    loss.backward()
    W1, W2 = net[0].weight, net[2].weight
    refs = [by_hand(W1.data, W2.data, x, int(y)) for x, y in zip(X, ys, strict=True)]
    np.testing.assert_allclose(loss.item(), sum(r["loss"] for r in refs), rtol=1e-13)
    np.testing.assert_allclose(W2.grad.data, sum(r["dW2"] for r in refs), rtol=1e-12)
    np.testing.assert_allclose(W1.grad.data, sum(r["dW1"] for r in refs), rtol=1e-12)
