"""nn.functional's losses against PyTorch 2.13 on identical float64 inputs (values and
gradients to 1e-10) over drawn shapes, reductions, weights, ignored targets and label
smoothing, with gradchecks, float32, extreme logits, the error messages and the modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_nn_functional import REDUCTIONS, RNG, TF, TOL, F, compare, draw_case, sub_shape, torch

import nn
from autograd_mini import Tensor
from autograd_mini.gradcheck import gradcheck, gradgradcheck


# ----------------------------------------------------------------------------- elementwise losses
@given(data=st.data())
def test_binary_cross_entropy_matches_pytorch(data: st.DataObject) -> None:
    rng, shape, red = draw_case(data)
    x = rng.uniform(0.01, 0.99, size=shape)
    y = np.where(rng.random(shape) > 0.7, rng.integers(0, 2, shape), rng.random(shape))
    w = rng.uniform(0.1, 2.0, size=sub_shape(data, shape)) if data.draw(st.booleans()) else None
    compare(lambda a, b: F.binary_cross_entropy(a, b, w, red),
            lambda a, b: TF.binary_cross_entropy(a, b, None if w is None else torch.tensor(w),
                                                 reduction=red), [x, y], (0, 1))


def test_binary_cross_entropy_at_zero_and_one() -> None:
    x = np.array([0.0, 1.0, 1e-50, 1e-17, 1 - 2**-53, 0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 0.3, 0.0, 1.0, 0.0, 1.0, 0.5])
    t = Tensor(x, requires_grad=True)
    out = F.binary_cross_entropy(t, y, reduction="none")
    want = TF.binary_cross_entropy(torch.tensor(x), torch.tensor(y), reduction="none")
    np.testing.assert_allclose(out.data, want.numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_array_equal(out.data[:2], [100.0, 100.0])  # the logs' −100 floor
    out.sum().backward()
    assert t.grad is not None
    # the derivative of the floored formula: 0 where the log is floored, exact elsewhere
    np.testing.assert_allclose(t.grad.data, [0.0, 0.0, 0.7, 1.0, -1.0, 1.0, -1.0, 0.0],
                               atol=1e-15)
    assert gradgradcheck(lambda z: F.binary_cross_entropy(z, y[2:] * 0 + 0.3), [x[2:] * 0 + 0.4])
    assert F.binary_cross_entropy(t.astype(np.float32), y).dtype == np.float32


@given(data=st.data())
def test_l1_smooth_l1_and_huber_match_pytorch(data: st.DataObject) -> None:
    rng, shape, red = draw_case(data)
    x, y = rng.normal(size=shape) * 2, rng.normal(size=shape) * 2
    tie = rng.random(shape) > 0.8
    y[tie] = x[tie]  # some exact ties: every loss has gradient 0 there, as in PyTorch
    size = data.draw(st.sampled_from([0.0, 0.3, 1.0, 2.5]), label="beta or delta")
    compare(lambda a, b: F.l1_loss(a, b, red), lambda a, b: TF.l1_loss(a, b, reduction=red),
            [x, y], (0, 1))
    compare(lambda a, b: F.smooth_l1_loss(a, b, red, beta=size),
            lambda a, b: TF.smooth_l1_loss(a, b, reduction=red, beta=size), [x, y], (0, 1))
    delta = size or 0.7
    compare(lambda a, b: F.huber_loss(a, b, red, delta=delta),
            lambda a, b: TF.huber_loss(a, b, reduction=red, delta=delta), [x, y], (0, 1))


def test_regression_losses_gradcheck_and_errors() -> None:
    x = np.array([[0.1, -0.4, 2.0], [1.3, -2.2, 0.05]])
    y = np.zeros((2, 3))
    for f in (lambda a, b: F.smooth_l1_loss(a, b, "none", beta=0.5),
              lambda a, b: F.huber_loss(a, b, "sum", delta=1.0),
              lambda a, b: F.smooth_l1_loss(a, b, beta=0.0)):
        assert gradcheck(f, [x, y])
        assert gradgradcheck(f, [x, y])
    assert gradcheck(lambda a: F.l1_loss(a, y, "none"), [x])
    x32 = x.astype(np.float32)
    for f in (F.l1_loss, F.smooth_l1_loss, F.huber_loss, F.kl_div, F.binary_cross_entropy):
        assert f(np.abs(x32) / 3, y).dtype == np.float32
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be a finite number >= 0"):
        F.smooth_l1_loss(x, y, beta=-1.0)
    with pytest.raises(ValueError, match="huber_loss: delta must be a finite number > 0"):
        F.huber_loss(x, y, delta=0.0)
    with pytest.raises(ValueError, match=r"l1_loss: target shape \(3,\) does not match"):
        F.l1_loss(x, np.zeros(3))
    with pytest.raises(ValueError, match="huber_loss: reduction must be one of"):
        F.huber_loss(x, y, reduction="batchmean")
    for bad, name in ((np.full((2, 3), 1.5), "input"), (np.full((2, 3), np.nan), "input")):
        with pytest.raises(ValueError, match=f"binary_cross_entropy: every element of {name}"):
            F.binary_cross_entropy(bad, y)
    with pytest.raises(ValueError, match="binary_cross_entropy: every element of target"):
        F.binary_cross_entropy(np.full((2, 3), 0.5), y - 1)


@given(data=st.data())
def test_kl_div_matches_pytorch(data: st.DataObject) -> None:
    rng, shape, red = draw_case(data)
    red = data.draw(st.sampled_from([*REDUCTIONS, "batchmean"]), label="reduction")
    x = np.log(rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]))
    log_target = data.draw(st.booleans(), label="log_target")
    y = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    zeros = not log_target and data.draw(st.booleans(), label="zero targets")
    if zeros:
        y[rng.random(shape) > 0.6] = 0.0
    y = np.log(y) if log_target else y
    # PyTorch's target gradient is NaN at y = 0 (see kl_div's docstring)
    compare(lambda a, b: F.kl_div(a, b, red, log_target),
            lambda a, b: TF.kl_div(a, b, reduction=red, log_target=log_target), [x, y],
            (0,) if zeros else (0, 1))


def test_kl_div_edges() -> None:
    x, y = np.array([-1.0, -2.0]), np.array([0.0, -0.5])
    out = F.kl_div(x, y, "none")
    want = TF.kl_div(torch.tensor(x), torch.tensor(y), reduction="none")
    np.testing.assert_allclose(out.data, want.numpy())  # 0 · log 0 = 0; y < 0: NaN
    np.testing.assert_allclose(F.kl_div(np.array(-0.3), np.array(0.5), "batchmean").item(),
                               0.5 * (np.log(0.5) + 0.3))
    assert gradgradcheck(lambda a, b: F.kl_div(a, b, "batchmean"), [x, np.array([0.3, 0.7])])
    with pytest.raises(TypeError, match="kl_div: log_target must be a bool"):
        F.kl_div(x, y, log_target="yes")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- class-target losses
@given(data=st.data())
def test_cross_entropy_and_nll_loss_match_pytorch(data: st.DataObject) -> None:
    rng, _, red = draw_case(data)
    c = data.draw(st.integers(1, 4), label="classes")
    ndim = data.draw(st.integers(1, 4), label="input ndim")
    spatial = tuple(data.draw(st.integers(1, 3)) for _ in range(ndim - 2))
    shape = (c,) if ndim == 1 else (data.draw(st.integers(1, 3), label="N"), c, *spatial)
    x = rng.normal(size=shape) * 3
    w = rng.uniform(0.1, 2.0, size=c) if data.draw(st.booleans(), label="weight") else None
    tw = None if w is None else torch.tensor(w)
    eps = data.draw(st.sampled_from([0.0, 0.0, 0.1, 1.0]), label="label_smoothing")
    if data.draw(st.booleans(), label="probability targets"):
        q = np.moveaxis(rng.dirichlet(np.ones(c), size=np.delete(shape, 1 if ndim > 1 else 0)),
                        -1, 1 if ndim > 1 else 0)
        compare(lambda a, t: F.cross_entropy(a, t, red, weight=w, label_smoothing=eps),
                lambda a, t: TF.cross_entropy(a, t, tw, reduction=red, label_smoothing=eps),
                [x, q], (0, 1))
        return
    ignore = data.draw(st.sampled_from([-100, -1, c - 1]), label="ignore_index")
    t = np.asarray(rng.integers(0, c, size=shape[:1] + shape[2:] if ndim > 1 else ()))
    hidden = data.draw(st.sampled_from(["none", "some", "all"]), label="ignored targets")
    if hidden != "none":
        t[rng.random(t.shape) > 0.5 if hidden == "some" else ...] = ignore
    compare(lambda a: F.cross_entropy(a, t, red, weight=w, ignore_index=ignore,
                                      label_smoothing=eps),
            lambda a: TF.cross_entropy(a, torch.tensor(t), tw, ignore_index=ignore,
                                       reduction=red, label_smoothing=eps), [x])
    compare(lambda a: F.nll_loss(a, t, red, weight=w, ignore_index=ignore),
            lambda a: TF.nll_loss(a, torch.tensor(t), tw, ignore_index=ignore, reduction=red),
            [x])


def test_cross_entropy_keeps_its_fused_node_for_the_plain_case() -> None:
    x = Tensor(RNG(7).normal(size=(2, 3, 2, 2)), requires_grad=True)
    t = np.array([[[0, 1], [2, 2]], [[1, 0], [0, 1]]])
    plain: list[dict[str, Any]] = [{}, {"ignore_index": -1}, {"ignore_index": 5}]
    for kw in plain:
        loss = F.cross_entropy(x, t, **kw)
        assert loss.grad_fn is not None and loss.grad_fn.op.name == "softmax_cross_entropy"
    general: list[dict[str, Any]] = [{"weight": np.ones(3)}, {"ignore_index": 2},
                                     {"label_smoothing": 0.1}]
    for kw in general:
        loss = F.cross_entropy(x, t, **kw)
        assert loss.grad_fn is not None and loss.grad_fn.op.name != "softmax_cross_entropy"
    assert F.cross_entropy(x, t, "none").shape == (2, 2, 2)


def test_class_losses_when_every_target_is_ignored() -> None:
    x = Tensor(RNG(8).normal(size=(3, 4)), requires_grad=True)
    t = np.full(3, -100)
    for fn in (F.cross_entropy, F.nll_loss):
        loss = fn(x, t)
        assert np.isnan(loss.item())  # 0 / 0, as in PyTorch
        x.grad = None
        loss.backward()
        assert x.grad is not None and np.all(x.grad.data == 0.0)
        assert fn(x, t, "sum").item() == 0.0
        np.testing.assert_array_equal(fn(x, t, "none").data, np.zeros(3))


def test_class_losses_at_extreme_logits_gradcheck_and_float32() -> None:
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 500.0], [0.0, 0.0, 1000.0]])
    t, w = np.array([1, -100, 2]), np.array([0.5, 2.0, 1.0])
    for eps in (0.0, 0.2):
        out = compare(lambda a, e=eps: F.cross_entropy(a, t, weight=w, label_smoothing=e),
                      lambda a, e=eps: TF.cross_entropy(a, torch.tensor(t), torch.tensor(w),
                                                        label_smoothing=e), [x])
        assert np.isfinite(out.item())
    q = np.array([[0.2, 0.3, 0.5]] * 3)
    compare(lambda a: F.cross_entropy(a, q, "none", weight=w, label_smoothing=0.3),
            lambda a: TF.cross_entropy(a, torch.tensor(q), torch.tensor(w), reduction="none",
                                       label_smoothing=0.3), [x])
    z = RNG(9).normal(size=(2, 3, 2))
    tz = np.array([[0, 2], [1, -100]])
    for f in (lambda a: F.cross_entropy(a, tz, weight=w, label_smoothing=0.1),
              lambda a: F.nll_loss(a, tz, "none", weight=w),
              lambda a: F.cross_entropy(a, np.abs(z), "sum", weight=w, label_smoothing=0.5)):
        assert gradcheck(f, [z])
        assert gradgradcheck(f, [z])
    z32 = Tensor(z.astype(np.float32), requires_grad=True)
    for loss in (F.cross_entropy(z32, tz), F.cross_entropy(z32, tz, weight=w),
                 F.cross_entropy(z32, np.abs(z), label_smoothing=0.1), F.nll_loss(z32, tz),
                 F.cross_entropy(z32, np.array([[0, 2], [1, 0]]))):
        assert loss.dtype == np.float32
        z32.grad = None
        loss.backward()
        assert z32.grad is not None and z32.grad.dtype == np.float32


def test_class_losses_refuse_bad_arguments() -> None:
    x, t = np.zeros((4, 3)), np.array([0, 1, 2, 0])
    weights: Any = np.ones(3)  # (passed where PyTorch takes them, which mypy would refuse)
    cases: list[tuple[type[Exception], str, Callable[[], Any]]] = [
        (ValueError, r"cross_entropy: weight must hold one number per class, shape \(3,\), got "
         r"shape \(4,\)", lambda: F.cross_entropy(x, t, weight=np.ones(4))),
        (ValueError, "nll_loss: weight is a constant",
         lambda: F.nll_loss(x, t, weight=Tensor(np.ones(3), requires_grad=True))),
        (TypeError, "cross_entropy: weight must be numeric",
         lambda: F.cross_entropy(x, t, weight=np.array(["a"] * 3))),
        (ValueError, r"cross_entropy: ignore_index \(1\) applies to class targets only",
         lambda: F.cross_entropy(x, np.ones((4, 3)) / 3, ignore_index=1)),
        (ValueError, r"cross_entropy: label_smoothing must be a finite number in \[0, 1\]",
         lambda: F.cross_entropy(x, t, label_smoothing=1.5)),
        (TypeError, "nll_loss: ignore_index must be an int",
         lambda: F.nll_loss(x, t, ignore_index=1.0)),  # type: ignore[arg-type]
        (ValueError, r"cross_entropy: class targets must lie in \[0, 3\) or equal ignore_index "
         r"\(-100\), got -1", lambda: F.cross_entropy(x, np.array([0, -1, 2, 0]))),
        (ValueError, r"nll_loss: class targets must have shape \(4, 2\) for input of shape "
         r"\(4, 3, 2\)", lambda: F.nll_loss(np.zeros((4, 3, 2)), t)),
        (ValueError, "cross_entropy: input must be", lambda: F.cross_entropy(np.zeros(()), 0)),
        (ValueError, r"cross_entropy: target must hold integer class indices of shape \(4,\) or "
         r"float probabilities of shape \(4, 3\); got dtype bool",
         lambda: F.cross_entropy(x, t > 0)),
        (ValueError, "cross_entropy: reduction must be one of",
         lambda: F.cross_entropy(x, t, "batchmean")),
        (ValueError, r"cross_entropy: reduction must be one of .*; class weights are given by "
         r"keyword, weight=", lambda: F.cross_entropy(x, t, weights)),  # PyTorch's place
        (ValueError, r"CrossEntropyLoss: reduction .*weight=",
         lambda: nn.CrossEntropyLoss(weights)),
        (ValueError, r"NLLLoss: reduction .*weight=", lambda: nn.NLLLoss(weights)),
        (ValueError, "nll_loss: empty batch", lambda: F.nll_loss(np.zeros((0, 3)), t[:0])),
    ]
    for exc, pattern, call in cases:
        with pytest.raises(exc, match=pattern):
            call()


# ----------------------------------------------------------------------------- modules
def test_loss_modules_equal_the_functions() -> None:
    rng = RNG(10)
    x, y, p = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.uniform(0.1, 0.9, (4, 3))
    t, w = np.array([0, 2, -1, 1]), np.array([1.0, 0.5, 2.0])
    lp = np.log(rng.dirichlet(np.ones(3), size=4))
    pairs = [
        (nn.BCELoss(w, "sum"), F.binary_cross_entropy(p, p[::-1], w, "sum"), (p, p[::-1])),
        (nn.L1Loss("none"), F.l1_loss(x, y, "none"), (x, y)),
        (nn.SmoothL1Loss(beta=0.5), F.smooth_l1_loss(x, y, beta=0.5), (x, y)),
        (nn.HuberLoss("sum", delta=0.3), F.huber_loss(x, y, "sum", 0.3), (x, y)),
        (nn.KLDivLoss("batchmean"), F.kl_div(lp, p, "batchmean"), (lp, p)),
        (nn.KLDivLoss(log_target=True), F.kl_div(lp, lp[::-1], log_target=True), (lp, lp[::-1])),
        (nn.CosineSimilarity(axis=0, eps=1e-3), F.cosine_similarity(x, y, 0, 1e-3), (x, y)),
        (nn.CrossEntropyLoss(weight=w, ignore_index=-1, label_smoothing=0.2),
         F.cross_entropy(x, t, weight=w, ignore_index=-1, label_smoothing=0.2), (x, t)),
        (nn.NLLLoss("sum", weight=w, ignore_index=-1),
         F.nll_loss(lp, t, "sum", weight=w, ignore_index=-1), (lp, t)),
    ]
    for module, expected, args in pairs:
        np.testing.assert_array_equal(module(*args).data, expected.data)
    assert repr(nn.SmoothL1Loss()) == "SmoothL1Loss(reduction='mean', beta=1.0)"
    assert repr(nn.CrossEntropyLoss(label_smoothing=0.1)) == (
        "CrossEntropyLoss(reduction='mean', ignore_index=-100, label_smoothing=0.1)")
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity(axis=1, eps=1e-08)"
    for make, pattern in ((lambda: nn.SmoothL1Loss(beta=-1.0), "SmoothL1Loss: beta"),
                          (lambda: nn.HuberLoss(delta=0), "HuberLoss: delta"),
                          (lambda: nn.KLDivLoss("avg"), "KLDivLoss: reduction"),
                          (lambda: nn.L1Loss("batchmean"), "L1Loss: reduction"),
                          (lambda: nn.CrossEntropyLoss(weight=np.ones((2, 2))),
                           "CrossEntropyLoss: weight must be 1-d"),
                          (lambda: nn.CrossEntropyLoss(label_smoothing=2.0),
                           "CrossEntropyLoss: label_smoothing"),
                          (lambda: nn.NLLLoss(ignore_index=None),  # type: ignore[arg-type]
                           "NLLLoss: ignore_index")):
        with pytest.raises((TypeError, ValueError), match=pattern):
            make()


def test_float64_weights_keep_a_float32_binary_loss_float32() -> None:
    x = Tensor(np.zeros((4, 3), np.float32), requires_grad=True)
    t = np.ones((4, 3), np.float32)
    w = np.array([1.0, 2.0, 3.0])  # float64, as NumPy makes it
    losses = [
        F.binary_cross_entropy_with_logits(x, t, pos_weight=w),
        F.binary_cross_entropy_with_logits(x, t, weight=w),
        nn.BCEWithLogitsLoss(weight=w, pos_weight=w)(x, t),
        F.binary_cross_entropy(F.sigmoid(x), t, weight=w),
        nn.BCELoss(weight=[1, 2, 3])(F.sigmoid(x), t),
    ]
    for loss in losses:
        assert loss.dtype == np.float32
    sum(losses).backward()
    assert x.grad is not None and x.grad.dtype == np.float32
    ref = F.binary_cross_entropy_with_logits(x.astype(np.float64), t, pos_weight=w)
    np.testing.assert_allclose(losses[0].data, ref.data, rtol=1e-6)
    wt = Tensor(w, requires_grad=True)  # a weight that learns keeps its own gradient's dtype
    F.binary_cross_entropy_with_logits(x, t, weight=wt).backward()
    assert wt.grad is not None and wt.grad.dtype == np.float64


def test_logits_loss_refuses_targets_outside_0_1_as_the_probability_one_does() -> None:
    x = Tensor(np.array([0.1, -0.2, 0.3]), requires_grad=True)
    for t in (np.array([-1.0, 1.0, 1.0]), np.array([0.0, 2.0, 1.0])):  # ±1 labels: no minimum
        with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: every element "
                                             r"of target must lie in \[0, 1\].*\(y \+ 1\) / 2"):
            F.binary_cross_entropy_with_logits(x, t)
    soft = F.binary_cross_entropy_with_logits(x, np.array([0.0, 0.25, 1.0]))  # soft labels
    assert np.isfinite(soft.item())
