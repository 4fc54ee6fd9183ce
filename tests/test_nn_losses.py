"""Losses: values against NumPy formulas and PyTorch literals, reductions, validation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nn
from autograd_mini import Tensor

RNG = np.random.default_rng
F = nn.functional


def log_softmax(a: np.ndarray) -> np.ndarray:
    z = a - a.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_values_match_numpy_formulas() -> None:
    rng = RNG(0)
    x = rng.normal(size=(5, 3))
    t = rng.normal(size=(5, 3))
    y01 = (rng.random((5, 3)) > 0.5).astype(float)
    pm = 2 * y01 - 1
    cls = np.array([0, 2, 1, 1, 0])
    np.testing.assert_allclose(F.mse_loss(x, t).item(), ((x - t) ** 2).mean())
    sig = 1 / (1 + np.exp(-x))
    bce = -(y01 * np.log(sig) + (1 - y01) * np.log(1 - sig))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, y01).item(), bce.mean())
    pw = np.array([2.0, 0.5, 1.0])
    bce_pw = -(pw * y01 * np.log(sig) + (1 - y01) * np.log(1 - sig))
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(x, y01, pos_weight=pw, reduction="sum").item(),
        bce_pw.sum(),
    )
    lp = log_softmax(x)
    np.testing.assert_allclose(F.cross_entropy(x, cls).item(), -lp[np.arange(5), cls].mean())
    np.testing.assert_allclose(F.nll_loss(lp, cls, "sum").item(), -lp[np.arange(5), cls].sum())
    probs = np.exp(lp)
    np.testing.assert_allclose(F.cross_entropy(x, probs, "none").data, -(probs * lp).sum(1))
    np.testing.assert_allclose(F.soft_margin_loss(x, pm).item(), np.log1p(np.exp(-pm * x)).mean())


def test_soft_margin_sum_is_the_notes_logistic_loss() -> None:
    rng = RNG(1)
    X = rng.normal(size=(20, 2))
    y = np.where(rng.random(20) > 0.5, 1.0, -1.0)
    w, b = np.array([0.5, -1.5]), 0.3
    notes = -np.sum(np.log(1 / (1 + np.exp(-y * (X @ w + b)))))
    model = nn.Linear(2, 1, rng=RNG(0))
    model.load_state_dict({"weight": w[None, :], "bias": np.array([b])})
    loss = nn.SoftMarginLoss(reduction="sum")(model(X)[:, 0], y)
    np.testing.assert_allclose(loss.item(), notes, rtol=1e-12)
    loss.backward()
    # the notes' gradient: ∂L/∂w = −Σ y_n x_n σ(−y_n (w·x_n + b))
    s = 1 / (1 + np.exp(y * (X @ w + b)))
    np.testing.assert_allclose(model.weight.grad.data[0], -(y * s) @ X, rtol=1e-12)  # type: ignore[union-attr]
    np.testing.assert_allclose(model.bias.grad.data, [-(y * s).sum()], rtol=1e-12)  # type: ignore[union-attr]


def test_reductions() -> None:
    x = Tensor(RNG(2).normal(size=(4, 3)))
    cls = np.array([0, 1, 2, 1])
    for fn, target in ((F.mse_loss, np.zeros((4, 3))), (F.cross_entropy, cls),
                       (F.nll_loss, cls), (F.soft_margin_loss, np.ones((4, 3))),
                       (F.binary_cross_entropy_with_logits, np.ones((4, 3)))):
        none = fn(x, target, reduction="none")
        assert none.shape == ((4,) if target is cls else (4, 3))
        np.testing.assert_allclose(fn(x, target, reduction="sum").item(), none.data.sum())
        np.testing.assert_allclose(fn(x, target).item(), none.data.mean())
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(x, np.zeros((4, 3)), reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="batchmean")


# PyTorch 2 (float64) at extreme logits, written as literals.
CE_X = [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 500.0], [0.0, 0.0, 0.0], [1000.0, 999.0, -1000.0]]
CE_T = [1, 1, 2, 0]
TORCH_CE_NONE = [2000.0, 0.0, 1.0986122886681098, 0.31326168751822286]
TORCH_CE_MEAN = 500.3529684940466
TORCH_CE_GRAD = [[0.25, -0.25, 0.0], [0.0, 0.0, 1.7811441016853214e-218],
                 [0.08333333333333333, 0.08333333333333333, -0.16666666666666669],
                 [-0.06723535534249878, 0.06723535534249878, 0.0]]
CE_P = [[0.5, 0.5, 0.0], [0.25, 0.25, 0.5], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]
TORCH_CEP_NONE = [1000.0, 750.0, 1.0986122886681098, 1000.8132616875182]
TORCH_CEP_GRAD_SUM = [[0.5, -0.5, 0.0], [-0.25, 0.75, -0.5],
                      [-0.6666666666666667, 0.3333333333333333, 0.3333333333333333],
                      [0.7310585786300049, -0.2310585786300049, -0.5]]
BCE_X = [1000.0, -1000.0, 1000.0, -1000.0, 0.0, 30.0, -30.0, 40.0]
BCE_Y = [0.0, 1.0, 1.0, 0.0, 0.5, 1.0, 1.0, 0.0]
TORCH_BCE_NONE = [1000.0, 1000.0, 0.0, 0.0, 0.6931471805599453, 9.357622968839737e-14,
                  30.000000000000092, 40.0]
TORCH_BCE_GRAD = [1.0, -1.0, 0.0, 0.0, 0.0, -9.348077867343818e-14, -0.9999999999999064, 1.0]
TORCH_BCE_PW3 = [1000.0, 3000.0, 0.0, 0.0, 1.3862943611198906, 2.8072868906519213e-13,
                 90.00000000000028, 40.0]
TORCH_CE32 = [2000.0, 0.13284526765346527]


def _grad(fn: Any, x: Any, *args: Any, **kwargs: Any) -> tuple[Tensor, np.ndarray]:
    t = Tensor(np.array(x), requires_grad=True)
    out = fn(t, *args, **kwargs)
    out.sum().backward()
    return out, t.grad.data  # type: ignore[union-attr]


def test_cross_entropy_at_extreme_logits_matches_pytorch() -> None:
    out, _ = _grad(F.cross_entropy, CE_X, np.array(CE_T), reduction="none")
    np.testing.assert_allclose(out.data, TORCH_CE_NONE, rtol=1e-14, atol=1e-14)
    out, g = _grad(F.cross_entropy, CE_X, np.array(CE_T))
    np.testing.assert_allclose(out.item(), TORCH_CE_MEAN, rtol=1e-14)
    np.testing.assert_allclose(g, TORCH_CE_GRAD, rtol=1e-12, atol=1e-300)
    out, g = _grad(F.cross_entropy, CE_X, np.array(CE_P), reduction="none")
    np.testing.assert_allclose(out.data, TORCH_CEP_NONE, rtol=1e-14)
    np.testing.assert_allclose(g, TORCH_CEP_GRAD_SUM, rtol=1e-12, atol=1e-15)
    x32 = Tensor(np.array([[1000.0, -1000.0, 0.0], [3.0, 1.0, -2.0]], dtype=np.float32))
    out32 = F.cross_entropy(x32, np.array([1, 0]), reduction="none")
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.data, TORCH_CE32, rtol=1e-6)


def test_bce_and_soft_margin_at_extreme_logits() -> None:
    out, g = _grad(F.binary_cross_entropy_with_logits, BCE_X, np.array(BCE_Y), reduction="none")
    np.testing.assert_allclose(out.data, TORCH_BCE_NONE, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, TORCH_BCE_GRAD, rtol=1e-12, atol=1e-15)
    out = F.binary_cross_entropy_with_logits(Tensor(BCE_X), np.array(BCE_Y), pos_weight=3.0,
                                             reduction="none")
    np.testing.assert_allclose(out.data, TORCH_BCE_PW3, rtol=1e-12, atol=1e-15)
    # soft margin: the exact values. (PyTorch computes log(1 + exp(−y x)) directly and returns
    # inf and a NaN gradient where −y x = 1000; this loss stays finite.)
    out, g = _grad(F.soft_margin_loss, [1000.0, -1000.0, 1000.0, -1000.0, 0.0, 2.0],
                   np.array([-1.0, 1.0, 1.0, -1.0, 1.0, -1.0]), reduction="none")
    np.testing.assert_allclose(out.data, [1000.0, 1000.0, 0.0, 0.0, 0.6931471805599453,
                                          2.1269280110429727], rtol=1e-14)
    np.testing.assert_allclose(g, [1.0, -1.0, 0.0, 0.0, -0.5, 0.8807970779778824], rtol=1e-14)


def test_empty_batch_mean_is_an_error_sum_and_none_are_not() -> None:
    cases = [
        (F.mse_loss, np.zeros((0, 3)), (0, 3)), (F.cross_entropy, np.zeros(0, dtype=int), (0,)),
        (F.nll_loss, np.zeros(0, dtype=int), (0,)), (F.soft_margin_loss, np.ones((0, 3)), (0, 3)),
        (F.binary_cross_entropy_with_logits, np.zeros((0, 3)), (0, 3)),
    ]
    for fn, target, shape in cases:
        empty = Tensor(np.zeros((0, 3)), requires_grad=True)
        with pytest.raises(ValueError, match=r"empty batch \(input shape \(0, 3\)\)"):
            fn(empty, target, reduction="mean")  # type: ignore[operator]
        total = fn(empty, target, reduction="sum")  # type: ignore[operator]
        assert total.shape == () and total.item() == 0.0
        assert fn(empty, target, reduction="none").shape == shape  # type: ignore[operator]
        total.backward()
        assert empty.grad is not None and empty.grad.shape == (0, 3)


def test_target_validation_names_the_loss_and_shapes() -> None:
    x = Tensor(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"mse_loss: target shape \(4,\) .* \(4, 3\)"):
        F.mse_loss(x, np.zeros(4))
    with pytest.raises(ValueError, match=r"cross_entropy: target .* shape \(4,\) .* \(4, 3\)"):
        F.cross_entropy(x, np.zeros(4))  # float class labels
    with pytest.raises(ValueError, match=r"cross_entropy: class targets must have shape \(4,\)"):
        F.cross_entropy(x, np.zeros((4, 1), dtype=int))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        F.cross_entropy(x, np.array([0, 1, 3, 0]))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        F.nll_loss(x, np.array([0, -1, 2, 0]))
    with pytest.raises(TypeError, match="nll_loss: targets must be integer"):
        F.nll_loss(x, np.zeros(4))
    with pytest.raises(ValueError, match="input must be"):
        F.cross_entropy(np.zeros((2, 3, 4)), np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match="soft_margin_loss: targets must be -1 or"):
        F.soft_margin_loss(x, np.zeros((4, 3)))
    with pytest.raises(TypeError, match="binary_cross_entropy_with_logits: target"):
        F.binary_cross_entropy_with_logits(x, np.array([["a"] * 3] * 4))
    with pytest.raises(TypeError, match="floating"):
        F.mse_loss(np.zeros((2, 2), dtype=int), np.zeros((2, 2)))


def test_loss_modules_equal_the_functions() -> None:
    rng = RNG(3)
    x = rng.normal(size=(6, 4))
    cls = rng.integers(0, 4, 6)
    y = rng.normal(size=(6, 4))
    pm = np.sign(rng.normal(size=(6, 4)))
    pairs = [
        (nn.MSELoss("sum"), F.mse_loss(x, y, "sum"), y),
        (nn.CrossEntropyLoss(), F.cross_entropy(x, cls), cls),
        (nn.NLLLoss("none"), F.nll_loss(x, cls, "none"), cls),
        (nn.SoftMarginLoss(), F.soft_margin_loss(x, pm), pm),
        (nn.BCEWithLogitsLoss(pos_weight=2.0), F.binary_cross_entropy_with_logits(
            x, (pm > 0), pos_weight=2.0), (pm > 0)),
    ]
    for module, expected, target in pairs:
        np.testing.assert_array_equal(module(x, target).data, expected.data)
    assert repr(nn.MSELoss("sum")) == "MSELoss(reduction='sum')"
