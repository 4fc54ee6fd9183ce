"""The margin, embedding and likelihood losses (nn.loss_margin, nn.loss_likelihood) against
PyTorch: values and gradients for every float input under each reduction and several shapes,
float32 kept, ±1000 inputs, the modules' defaults and state_dict keys, errors, and
gradcheck/gradgradcheck in float64."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RED = ("mean", "sum", "none")


def _check(ours: Callable[..., am.Tensor], theirs: Callable[..., Any], args: Sequence[Any],
           grads: Sequence[int], seed: int = 0, atol: float = 1e-12, rtol: float = 1e-10
           ) -> am.Tensor:
    """ours(*args) against theirs(*args) (arrays become Tensors, those at ``grads`` requiring
    grad): the values, then each gradient of a random upstream gradient."""
    mine = [am.Tensor(a.copy(), requires_grad=i in grads) if isinstance(a, np.ndarray) else a
            for i, a in enumerate(args)]
    ref = [torch.tensor(a, requires_grad=i in grads) if isinstance(a, np.ndarray) else a
           for i, a in enumerate(args)]
    y, ty = ours(*mine), theirs(*ref)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=rtol, atol=atol)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    g = np.asarray(np.random.default_rng(seed).standard_normal(y.shape))
    y.backward(g)
    ty.backward(torch.tensor(g))
    for i in grads:
        got = mine[i].grad
        assert got is not None, f"no gradient for argument {i}"
        np.testing.assert_allclose(got.data, ref[i].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of argument {i}")
    return y


def _normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.asarray(rng.standard_normal(shape))  # (an array also for shape ())


def _signs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


# ------------------------------------------------------------------------ against PyTorch
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("margin", [0.0, 0.7])
def test_margin_ranking(shape: tuple[int, ...], reduction: str, margin: float) -> None:
    rng = np.random.default_rng(1)
    x1, x2 = _normal(rng, shape), _normal(rng, shape)
    x2.reshape(-1)[:1] = x1.reshape(-1)[:1]  # a tie: the hinge's kink when margin = 0
    _check(lambda a, b, y: F.margin_ranking_loss(a, b, y, margin, reduction),
           lambda a, b, y: TF.margin_ranking_loss(a, b, y, margin, reduction=reduction),
           [x1, x2, _signs(rng, shape)], [0, 1, 2])


@pytest.mark.parametrize("shape", [(), (6,), (2, 5)])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("margin", [1.0, 0.3, -0.2])
def test_hinge_embedding(shape: tuple[int, ...], reduction: str, margin: float) -> None:
    rng = np.random.default_rng(2)
    x = np.asarray(_normal(rng, shape) + 0.5)
    x.reshape(-1)[:1] = margin  # at the kink of max(0, margin − x)
    y = _signs(rng, shape)
    y.reshape(-1)[:1] = -1.0
    _check(lambda a, t: F.hinge_embedding_loss(a, t, margin, reduction),
           lambda a, t: TF.hinge_embedding_loss(a, t, margin, reduction=reduction), [x, y], [0])


@pytest.mark.parametrize("shape", [(4,), (5, 3)])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("margin", [0.0, 0.5, -0.3])
def test_cosine_embedding(shape: tuple[int, ...], reduction: str, margin: float) -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(shape), rng.standard_normal(shape)
    if len(shape) == 2:  # near-zero and zero vectors: PyTorch's 1e-12 inside the norms
        a[0], a[1], b[2] = 1e-7 * a[0], 0.0, 1e-5 * b[2]
    _check(lambda u, v, y: F.cosine_embedding_loss(u, v, y, margin, reduction),
           lambda u, v, y: TF.cosine_embedding_loss(u, v, y, margin, reduction=reduction),
           [a, b, _signs(rng, shape[:-1])], [0, 1], rtol=1e-9)


@pytest.mark.parametrize("scale", [0.0, 1e-9, 1e-6, 1e-3])
def test_cosine_embedding_near_zero_vectors(scale: float) -> None:
    rng = np.random.default_rng(4)
    a = scale * rng.standard_normal((4, 3))
    b = np.concatenate([rng.standard_normal((2, 3)), scale * rng.standard_normal((2, 3))])
    y = np.array([1.0, -1.0, 1.0, -1.0])
    _check(lambda u, v, t: F.cosine_embedding_loss(u, v, t, -0.5, "none"),
           lambda u, v, t: TF.cosine_embedding_loss(u, v, t, -0.5, reduction="none"),
           [a, b, y], [0, 1], rtol=1e-9)


@pytest.mark.parametrize("shape", [(4,), (5, 3), (2, 3, 4)])
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 1.5])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize(("reduction", "margin", "eps"),
                         [("mean", 1.0, 1e-6), ("sum", 0.5, 0.1), ("none", 2.0, 0.0)])
def test_triplet_margin(shape: tuple[int, ...], p: float, swap: bool, reduction: str,
                        margin: float, eps: float) -> None:
    rng = np.random.default_rng(5)
    a, pos, neg = (rng.standard_normal(shape) for _ in range(3))
    _check(lambda u, v, w: F.triplet_margin_loss(u, v, w, margin, p, eps, swap, reduction),
           lambda u, v, w: TF.triplet_margin_loss(u, v, w, margin, p, eps, swap,
                                                  reduction=reduction),
           [a, pos, neg], [0, 1, 2], rtol=1e-9)


@pytest.mark.parametrize("shape", [(4,), (5, 3), (2, 3, 4)])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("weight", [None, "classes", "full"])
def test_multilabel_soft_margin(shape: tuple[int, ...], reduction: str, weight: str | None
                                ) -> None:
    rng = np.random.default_rng(6)
    x, y = 3 * rng.standard_normal(shape), rng.random(shape)
    y.reshape(-1)[::2] = np.round(y.reshape(-1)[::2])  # hard and soft labels
    w = None if weight is None else rng.random(shape[-1:] if weight == "classes" else shape)
    _check(lambda a, t, *ws: F.multilabel_soft_margin_loss(a, t, ws[0] if ws else None,
                                                           reduction),
           lambda a, t, *ws: TF.multilabel_soft_margin_loss(a, t, ws[0] if ws else None,
                                                            reduction=reduction),
           [x, y] if w is None else [x, y, w + 0.5], [0, 1] if w is None else [0, 1, 2])


@pytest.mark.parametrize("shape", [(5,), (6, 4)])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize(("p", "margin"), [(1, 1.0), (2, 1.0), (1, 0.3), (2, 2.5)])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin(shape: tuple[int, ...], reduction: str, p: int, margin: float,
                      weighted: bool) -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape)
    t = np.asarray(rng.integers(0, shape[-1], shape[:-1]))
    row, first = x.reshape(-1, shape[-1])[0], int(t.reshape(-1)[0])
    row[(first + 1) % shape[-1]] = row[first] - margin  # z = 0: no gradient (PyTorch's z > 0)
    w = rng.random(shape[-1]) + 0.5 if weighted else None
    _check(lambda a, c: F.multi_margin_loss(a, c, p, margin, w, reduction),
           lambda a, c: TF.multi_margin_loss(a, c, p, margin,
                                             None if w is None else torch.tensor(w),
                                             reduction=reduction), [x, t], [0])


@pytest.mark.parametrize("shape", [(7,), (2, 7)])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-8, 0.1])
def test_poisson_nll(shape: tuple[int, ...], reduction: str, log_input: bool, full: bool,
                     eps: float) -> None:
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape) if log_input else rng.random(shape) * 3
    if not log_input:
        x.reshape(-1)[0] = 0.0  # log(0 + ε)
    y = np.broadcast_to(np.array([0.2, 0.5, 1.0, 1.5, 3.0, 7.0, 12.5]), shape).copy()
    _check(lambda a, t: F.poisson_nll_loss(a, t, log_input, full, eps, reduction),
           lambda a, t: TF.poisson_nll_loss(a, t, log_input, full, eps=eps,
                                            reduction=reduction), [x, y], [0, 1])


def test_poisson_nll_zero_counts() -> None:
    x, y = np.array([0.3, -1.0, 2.0]), np.array([0.0, 0.0, 4.0])
    _check(lambda a, t: F.poisson_nll_loss(a, t, full=True, reduction="none"),
           lambda a, t: TF.poisson_nll_loss(a, t, full=True, reduction="none"), [x, y], [0])
    # PyTorch's target gradient is NaN at y = 0 with full=True (0 · log 0); here it is −x there
    t = am.Tensor(y, requires_grad=True)
    F.poisson_nll_loss(x, t, full=True, reduction="sum").backward()
    assert t.grad is not None
    np.testing.assert_allclose(t.grad.data[:2], -x[:2])


@pytest.mark.parametrize(("xshape", "vshape"), [
    ((6,), (6,)), ((4, 3), (4, 3)), ((4, 3), (4,)), ((4, 3), (4, 1)), ((4, 3), (1, 3)),
    ((2, 3, 5), (2, 3)), ((2, 3, 5), (2, 1, 5)), ((5,), (1,)), ((5,), ()),
])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-6, 1e-2])
def test_gaussian_nll(xshape: tuple[int, ...], vshape: tuple[int, ...], reduction: str,
                      full: bool, eps: float) -> None:
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal(xshape), rng.standard_normal(xshape)
    v = np.asarray(rng.random(vshape) + 0.1)
    v.reshape(-1)[:1] = 0.0  # below ε: clamped outside the graph, as PyTorch's
    if v.size > 2:
        v.reshape(-1)[1] = 3e-3
    _check(lambda a, t, s: F.gaussian_nll_loss(a, t, s, full, eps, reduction),
           lambda a, t, s: TF.gaussian_nll_loss(a, t, s, full, eps, reduction),
           [x, y, v], [0, 1, 2], rtol=1e-9)


@pytest.mark.parametrize("var", [2.0, 1e-9])
def test_gaussian_nll_number_var(var: float) -> None:
    rng = np.random.default_rng(10)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    _check(lambda a, t: F.gaussian_nll_loss(a, t, var, reduction="none"),
           lambda a, t: TF.gaussian_nll_loss(a, t, var, reduction="none"), [x, y], [0, 1])


# ------------------------------------------------------------------------------- modules
def test_modules_match_functional_and_torch_defaults() -> None:
    rng = np.random.default_rng(11)
    x1, x2, s = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), _signs(rng, (4,))
    pairs = [
        (nn.MarginRankingLoss(), torch.nn.MarginRankingLoss(), (x1[:, 0], x2[:, 0], s)),
        (nn.HingeEmbeddingLoss(reduction="sum"), torch.nn.HingeEmbeddingLoss(reduction="sum"),
         (x1[:, 0], s)),
        (nn.CosineEmbeddingLoss(0.2), torch.nn.CosineEmbeddingLoss(0.2), (x1, x2, s)),
        (nn.TripletMarginLoss(swap=True), torch.nn.TripletMarginLoss(swap=True),
         (x1, x2, x2[::-1].copy())),
        (nn.MultiLabelSoftMarginLoss(np.array([1.0, 2.0, 0.5])),
         torch.nn.MultiLabelSoftMarginLoss(torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)),
         (x1, (x2 > 0).astype(np.float64))),
        (nn.MultiMarginLoss(2, 0.5, np.array([1.0, 2.0, 0.5]), "none"),
         torch.nn.MultiMarginLoss(2, 0.5, torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64),
                                  reduction="none"), (x1, np.array([0, 2, 1, 1]))),
        (nn.PoissonNLLLoss(), torch.nn.PoissonNLLLoss(), (x1, np.abs(x2) * 3)),
        (nn.PoissonNLLLoss(False, True, 0.1), torch.nn.PoissonNLLLoss(False, True, eps=0.1),
         (np.abs(x1), np.abs(x2) * 3)),
        (nn.GaussianNLLLoss(full=True), torch.nn.GaussianNLLLoss(full=True),
         (x1, x2, np.abs(x1[:, :1]))),
    ]
    for ours, theirs, args in pairs:
        got = ours(*args).data
        want = theirs(*(torch.tensor(a) for a in args)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=type(ours).__name__)
        assert list(ours.state_dict()) == list(theirs.state_dict()), type(ours).__name__
        for name in ("margin", "p", "eps", "swap", "log_input", "full", "reduction"):
            if hasattr(theirs, name):
                assert getattr(ours, name) == getattr(theirs, name), (type(ours), name)
    for cls in (nn.MarginRankingLoss, nn.HingeEmbeddingLoss, nn.CosineEmbeddingLoss,
                nn.TripletMarginLoss, nn.MultiMarginLoss, nn.PoissonNLLLoss):
        ours, theirs = cls(), getattr(torch.nn, cls.__name__)()
        for name in ("margin", "p", "eps", "swap", "log_input", "full", "reduction"):
            if hasattr(theirs, name):
                assert getattr(ours, name) == getattr(theirs, name), (cls, name)
    assert nn.GaussianNLLLoss().eps == torch.nn.GaussianNLLLoss().eps
    assert "weight" in nn.MultiMarginLoss(weight=[1, 2]).state_dict()
    assert list(nn.MultiMarginLoss().state_dict()) == list(torch.nn.MultiMarginLoss()
                                                           .state_dict())
    assert repr(nn.TripletMarginLoss()) == ("TripletMarginLoss(margin=1.0, p=2.0, eps=1e-06, "
                                            "swap=False, reduction='mean')")


def test_multilabel_weight_buffer_is_learnable_and_cast() -> None:
    w = am.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    m = nn.MultiLabelSoftMarginLoss(w)
    m(np.array([[0.5, -1.0]]), np.array([[1.0, 0.0]])).backward()
    assert w.grad is not None and np.all(w.grad.data > 0)
    m32 = nn.MultiMarginLoss(weight=[1, 2, 3]).to(np.float32)
    assert m32.weight.dtype == np.float32


# ---------------------------------------------------------------------- dtypes, extremes
def _all_losses(x: np.ndarray, dt: Any) -> list[tuple[str, Callable[[am.Tensor], am.Tensor]]]:
    """Each loss as a function of one (N, C) input x (the other inputs derived from x)."""
    n, c = x.shape
    s = np.where(np.arange(n) % 2 == 0, 1.0, -1.0).astype(dt)
    other = x[::-1].copy()
    counts = np.abs(x) % 7
    return [
        ("margin_ranking", lambda t: F.margin_ranking_loss(t, other, np.ones_like(x))),
        ("hinge", lambda t: F.hinge_embedding_loss(t, np.where(x > 0, 1.0, -1.0))),
        ("cosine", lambda t: F.cosine_embedding_loss(t, other, s)),
        ("triplet", lambda t: F.triplet_margin_loss(t, other, -other, swap=True)),
        ("multilabel", lambda t: F.multilabel_soft_margin_loss(t, (x > 0).astype(dt),
                                                               np.ones(c))),
        ("multi_margin", lambda t: F.multi_margin_loss(t, np.arange(n) % c, 2,
                                                       weight=np.ones(c))),
        ("poisson_log", lambda t: F.poisson_nll_loss(-t * np.sign(x), counts, full=True)),
        ("poisson_rate", lambda t: F.poisson_nll_loss(t * np.sign(x), counts, False, True)),
        ("gaussian", lambda t: F.gaussian_nll_loss(t, other, np.abs(x[:, :1]), True)),
    ]


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_dtype_kept_and_finite_at_1000(dt: Any) -> None:
    x = np.array([[1000.0, -1000.0, 3.0], [-1000.0, 1000.0, -2.0],
                  [0.5, -1000.0, 1000.0], [1000.0, 1000.0, -1000.0]], dtype=dt)
    for name, f in _all_losses(x, dt):
        t = am.Tensor(x, requires_grad=True)
        y = f(t)
        y.backward()
        assert y.dtype == dt and t.grad is not None and t.grad.dtype == dt, name
        assert np.isfinite(y.data) and np.all(np.isfinite(t.grad.data)), name
        ty = torch.tensor(x.astype(np.float64), requires_grad=True)
        # the same loss in torch, as a cross-check of the extreme values
        ref = _torch_twin(name, ty, x)
        ref.backward()
        np.testing.assert_allclose(y.data, ref.item(), rtol=1e-5 if dt == np.float32 else 1e-12)
        np.testing.assert_allclose(t.grad.data, ty.grad.numpy(), rtol=1e-4, atol=1e-6)


def _torch_twin(name: str, t: Any, x: np.ndarray) -> Any:
    n, c = x.shape
    x64 = x.astype(np.float64)
    other = torch.tensor(x64[::-1].copy())
    s = torch.tensor(np.where(np.arange(n) % 2 == 0, 1.0, -1.0))
    counts = torch.tensor(np.abs(x64) % 7)
    sign = torch.tensor(np.sign(x64))
    return {
        "margin_ranking": lambda: TF.margin_ranking_loss(t, other, torch.ones_like(t)),
        "hinge": lambda: TF.hinge_embedding_loss(t, torch.tensor(np.where(x64 > 0, 1.0, -1.0))),
        "cosine": lambda: TF.cosine_embedding_loss(t, other, s),
        "triplet": lambda: TF.triplet_margin_loss(t, other, -other, swap=True),
        "multilabel": lambda: TF.multilabel_soft_margin_loss(t, torch.tensor(x64 > 0).double(),
                                                             torch.ones(c, dtype=torch.float64)),
        "multi_margin": lambda: TF.multi_margin_loss(t, torch.tensor(np.arange(n) % c), 2,
                                                     weight=torch.ones(c, dtype=torch.float64)),
        "poisson_log": lambda: TF.poisson_nll_loss(-t * sign, counts, full=True),
        "poisson_rate": lambda: TF.poisson_nll_loss(t * sign, counts, False, True),
        "gaussian": lambda: TF.gaussian_nll_loss(t, other, torch.tensor(np.abs(x64[:, :1])),
                                                 True),
    }[name]()


def test_poisson_log_rate_beyond_float_range_is_inf() -> None:
    t = am.Tensor(np.array([1000.0, -1000.0]), requires_grad=True)
    y = F.poisson_nll_loss(t, np.array([1.0, 2.0]), reduction="none")
    ty = TF.poisson_nll_loss(torch.tensor([1000.0, -1000.0], dtype=torch.float64),
                             torch.tensor([1.0, 2.0], dtype=torch.float64), reduction="none")
    np.testing.assert_array_equal(y.data, ty.numpy())  # [inf, 2000]
    y.backward(np.ones(2))
    assert t.grad is not None and t.grad.data[0] == np.inf and t.grad.data[1] == -2.0


# --------------------------------------------------------------------------------- errors
def test_errors() -> None:
    x, y = np.zeros((3, 4)), np.ones((3, 4))
    cases: list[tuple[Callable[[], Any], type[Exception], str]] = [
        (lambda: F.margin_ranking_loss(np.zeros(0), np.zeros(0), np.ones(0)), ValueError,
         r"margin_ranking_loss: empty batch"),
        (lambda: F.margin_ranking_loss(x, np.zeros((3, 1)), y), ValueError,
         r"margin_ranking_loss: input2 shape \(3, 1\) does not match input1 shape \(3, 4\)"),
        (lambda: F.margin_ranking_loss(x, x, np.ones(4)), ValueError,
         r"margin_ranking_loss: target shape \(4,\) does not match input1 shape \(3, 4\)"),
        (lambda: F.margin_ranking_loss(x, x, np.zeros((3, 4))), ValueError,
         "targets must be -1 or \\+1, got 0.0"),
        (lambda: F.margin_ranking_loss(x, x, y, reduction="avg"), ValueError,
         "margin_ranking_loss: reduction must be one of"),
        (lambda: F.hinge_embedding_loss(x, np.ones(3)), ValueError,
         r"hinge_embedding_loss: target shape \(3,\) does not match input shape \(3, 4\)"),
        (lambda: F.hinge_embedding_loss(np.zeros(3, int), np.ones(3)), TypeError,
         "hinge_embedding_loss: input must be floating point"),
        (lambda: F.cosine_embedding_loss(x, x, np.ones(4)), ValueError,
         r"cosine_embedding_loss: target shape \(4,\) does not match input shape \(3, 4\) "
         r"without its last axis, \(3,\)"),
        (lambda: F.cosine_embedding_loss(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)), np.ones(
            (2, 3))), ValueError, r"cosine_embedding_loss: inputs must be \(N, D\) or \(D,\)"),
        (lambda: F.cosine_embedding_loss(np.zeros((0, 3)), np.zeros((0, 3)), np.ones(0)),
         ValueError, "cosine_embedding_loss: empty batch"),
        (lambda: F.triplet_margin_loss(x, x, np.zeros(4)), ValueError,
         r"triplet_margin_loss: negative shape \(4,\) does not match anchor shape \(3, 4\)"),
        (lambda: F.triplet_margin_loss(x, x, x, margin=0.0), ValueError,
         "triplet_margin_loss: margin must be a finite number > 0"),
        (lambda: F.triplet_margin_loss(x, x, x, p=0), ValueError, "triplet_margin_loss: p must"),
        (lambda: F.triplet_margin_loss(x, x, x, swap=1),  # type: ignore[arg-type]
         TypeError,
         "triplet_margin_loss: swap must be a bool"),
        (lambda: F.multilabel_soft_margin_loss(x, np.ones((3, 5))), ValueError,
         r"multilabel_soft_margin_loss: target shape \(3, 5\) does not match input shape "
         r"\(3, 4\)"),
        (lambda: F.multilabel_soft_margin_loss(x, y * 2), ValueError, r"lie in \[0, 1\]"),
        (lambda: F.multilabel_soft_margin_loss(x, y, np.ones(3)), ValueError,
         r"weight of shape \(3,\) does not broadcast to the input shape \(3, 4\)"),
        (lambda: F.multi_margin_loss(x, np.zeros(3, int), p=3), ValueError,
         "multi_margin_loss: p must be 1 or 2, got 3"),
        (lambda: F.multi_margin_loss(x, np.zeros(4, int)), ValueError,
         r"multi_margin_loss: class targets must have shape \(3,\) for input of shape \(3, 4\), "
         r"got \(4,\)"),
        (lambda: F.multi_margin_loss(x, np.array([0, 4, 1])), ValueError,
         r"class targets must lie in \[0, 4\), got 4"),
        (lambda: F.multi_margin_loss(x, np.zeros(3)), TypeError, "integer class indices"),
        (lambda: F.multi_margin_loss(x, np.zeros(3, int), weight=np.ones(3)), ValueError,
         r"multi_margin_loss: weight must hold one number per class, shape \(4,\)"),
        (lambda: F.multi_margin_loss(np.zeros((0, 4)), np.zeros(0, int)), ValueError,
         "multi_margin_loss: empty batch"),
        (lambda: F.poisson_nll_loss(x, -y), ValueError,
         "poisson_nll_loss: targets are counts and must be >= 0"),
        (lambda: F.poisson_nll_loss(x - 1, y, log_input=False), ValueError,
         "poisson_nll_loss: with log_input=False the input is a rate and must be >= 0"),
        (lambda: F.poisson_nll_loss(x, y[:2]), ValueError,
         r"poisson_nll_loss: target shape \(2, 4\) does not match input shape \(3, 4\)"),
        (lambda: F.poisson_nll_loss(x, y, eps=0.0), ValueError, "poisson_nll_loss: eps must"),
        (lambda: F.gaussian_nll_loss(x, y, -y), ValueError,
         "gaussian_nll_loss: var has negative entries"),
        (lambda: F.gaussian_nll_loss(x, y, -1.0), ValueError,
         "gaussian_nll_loss: var has negative entries"),
        (lambda: F.gaussian_nll_loss(x, y, np.ones((3, 2))), ValueError,
         r"gaussian_nll_loss: var of shape \(3, 2\) does not fit input of shape \(3, 4\)"),
        (lambda: F.gaussian_nll_loss(x, y, np.ones((1, 1))), ValueError,
         r"var of shape \(1, 1\) does not fit"),
        (lambda: F.gaussian_nll_loss(x, y, np.ones(4)), ValueError,
         r"var of shape \(4,\) does not fit"),
        (lambda: F.gaussian_nll_loss(x, y[:1], y), ValueError,
         r"gaussian_nll_loss: target shape \(1, 4\) does not match input shape \(3, 4\)"),
        (lambda: F.gaussian_nll_loss(np.zeros((0, 2)), np.zeros((0, 2)), 1.0), ValueError,
         "gaussian_nll_loss: empty batch"),
        (lambda: nn.MultiMarginLoss(p=3), ValueError, "MultiMarginLoss: p must be 1 or 2"),
        (lambda: nn.MultiMarginLoss(weight=np.ones((2, 2))), ValueError,
         "MultiMarginLoss: weight must be 1-d"),
        (lambda: nn.TripletMarginLoss(margin=-1.0), ValueError, "TripletMarginLoss: margin"),
        (lambda: nn.MarginRankingLoss(reduction="avg"), ValueError,
         "MarginRankingLoss: reduction must be one of"),
        (lambda: nn.HingeEmbeddingLoss(margin=float("nan")), ValueError,
         "HingeEmbeddingLoss: margin must be a finite number"),
        (lambda: nn.PoissonNLLLoss(log_input=1), TypeError,  # type: ignore[arg-type]
         "PoissonNLLLoss: log_input must be a bool"),
        (lambda: nn.GaussianNLLLoss(eps=0.0), ValueError, "GaussianNLLLoss: eps must"),
        (lambda: nn.GaussianNLLLoss(True), TypeError, "positional"),  # type: ignore[call-arg]
    ]
    for call, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            call()


# ----------------------------------------------------------------------------- gradcheck
def test_gradcheck_each_loss() -> None:
    rng = np.random.default_rng(12)
    a, b, c = (rng.standard_normal((4, 3)) for _ in range(3))
    s = _signs(rng, (4,))
    w = rng.random(3) + 0.5
    checks: list[tuple[Callable[..., am.Tensor], list[Any]]] = [
        (lambda u, v: F.margin_ranking_loss(u, v, s, 0.3, "none"), [a[:, 0], b[:, 0]]),
        (lambda u: F.hinge_embedding_loss(u, np.tile(s[:, None], 3), 0.8, "sum"), [a]),
        (lambda u, v: F.cosine_embedding_loss(u, v, s, -0.2, "none"), [a, b]),
        (lambda u, v, n: F.triplet_margin_loss(u, v, n, 2.0, 3.0, swap=True,
                                               reduction="none"), [a, b, c]),
        (lambda u, t, ww: F.multilabel_soft_margin_loss(u, t, ww, "none"),
         [a, rng.random((4, 3)), w]),
        (lambda u: F.multi_margin_loss(u, np.array([0, 2, 1, 2]), 2, 1.0, w, "none"), [a]),
        (lambda u, t: F.poisson_nll_loss(u, t, True, True, reduction="none"),
         [a, rng.random((4, 3)) * 4 + 0.1]),
        (lambda u, t: F.poisson_nll_loss(u, t, False, True, reduction="sum"),
         [np.abs(a) + 0.1, rng.random((4, 3)) * 4 + 0.1]),
        (lambda u, t, v: F.gaussian_nll_loss(u, t, v, True, reduction="none"),
         [a, b, np.abs(c[:, :1]) + 0.1]),
    ]
    for f, args in checks:
        assert am.gradcheck(f, [am.Tensor(x, requires_grad=True) for x in args])
    smooth = [checks[i] for i in (2, 4, 6, 7, 8)]
    for f, args in smooth:
        assert am.gradgradcheck(f, [am.Tensor(x, requires_grad=True) for x in args])


# ------------------------------------------------------------------- regressions from review
def _nan_check(ours: Callable[..., am.Tensor], theirs: Callable[..., Any],
               args: Sequence[np.ndarray], grads: bool = True) -> None:
    """ours(*args) against theirs(*args), NaN where PyTorch has NaN: the values and (with
    ``grads``) the gradient of every input for a random upstream gradient."""
    mine = [am.Tensor(a.copy(), requires_grad=True) for a in args]
    ref = [torch.tensor(a, requires_grad=True) for a in args]
    with np.errstate(invalid="ignore"):
        y, ty = ours(*mine), theirs(*ref)
        np.testing.assert_array_equal(np.isnan(y.data), np.isnan(ty.detach().numpy()))
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
        if not grads:
            return
        g = np.asarray(np.random.default_rng(4).standard_normal(y.shape))
        y.backward(g)
        ty.backward(torch.tensor(g))
    for i, (m, r) in enumerate(zip(mine, ref)):
        assert m.grad is not None
        np.testing.assert_allclose(m.grad.data, r.grad.numpy(), rtol=1e-12, atol=1e-12,
                                   err_msg=f"gradient of argument {i}")


@pytest.mark.parametrize("reduction", RED)
def test_nan_passes_through_the_hinges_as_in_torch(reduction: str) -> None:
    """A NaN input gives a NaN loss (it was a finite 0), with gradient 0 at the NaN entry."""
    nan = np.nan
    x1, x2 = np.array([nan, 1.0, 0.0, -2.0, 3.0]), np.array([0.0, nan, 0.0, 1.0, 1.0])
    y = np.array([1.0, -1.0, 1.0, -1.0, -1.0])
    _nan_check(lambda u, v: F.margin_ranking_loss(u, v, y, 0.5, reduction),
               lambda u, v: TF.margin_ranking_loss(u, v, torch.tensor(y), 0.5,
                                                   reduction=reduction), [x1, x2])
    _nan_check(lambda u, t: F.margin_ranking_loss(u, x2, t, 0.0, reduction),
               lambda u, t: TF.margin_ranking_loss(u, torch.tensor(x2), t, 0.0,
                                                   reduction=reduction), [x1, y])
    h, yh = np.array([nan, nan, 1.0, 0.5, 2.0]), np.array([-1.0, 1.0, -1.0, -1.0, -1.0])
    _nan_check(lambda u: F.hinge_embedding_loss(u, yh, 1.0, reduction),
               lambda u: TF.hinge_embedding_loss(u, torch.tensor(yh), 1.0,
                                                 reduction=reduction), [h])
    a = np.array([[nan, 1.0], [1.0, 2.0], [nan, 0.0], [1.0, 1.0]])
    b = np.array([[1.0, 1.0], [1.0, nan], [1.0, 1.0], [1.0, -1.0]])
    yc = np.array([-1.0, -1.0, 1.0, -1.0])
    _nan_check(lambda u, v: F.cosine_embedding_loss(u, v, yc, 0.1, reduction),
               lambda u, v: TF.cosine_embedding_loss(u, v, torch.tensor(yc), 0.1,
                                                     reduction=reduction), [a, b])
    anc = np.array([[nan, 1.0], [0.5, 2.0], [0.1, -0.3]])
    pos = np.array([[1.0, 1.0], [0.0, 1.0], [0.2, nan]])
    neg = np.array([[0.0, 1.0], [1.0, 0.0], [0.3, 0.3]])
    for p in (1.0, 2.0, np.inf):
        for swap in (False, True):
            # (p ≠ 2: a NaN entry's gradient is NaN here, 0 in PyTorch, from |·|'s own
            # gradient sign(NaN); the values are compared)
            _nan_check(functools.partial(F.triplet_margin_loss, p=p, swap=swap,
                                         reduction=reduction),
                       functools.partial(TF.triplet_margin_loss, p=p, swap=swap,
                                         reduction=reduction),
                       [anc, pos, neg], grads=p == 2.0)


def test_nan_hinges_float32_and_ties_keep_their_gradient() -> None:
    z = am.Tensor(np.array([np.nan, 0.0, -1.0, 2.0], np.float32), requires_grad=True)
    with np.errstate(invalid="ignore"):
        loss = F.hinge_embedding_loss(-z, -np.ones(4), 0.0, "none")
    assert loss.dtype == np.float32
    np.testing.assert_array_equal(loss.data, np.array([np.nan, 0.0, 0.0, 2.0], np.float32))
    loss.backward(np.ones(4, np.float32))
    assert z.grad is not None and z.grad.dtype == np.float32
    np.testing.assert_array_equal(z.grad.data, [0.0, 1.0, 0.0, 1.0])  # the tie z = 0: 1


@pytest.mark.parametrize("order", [1.0, 2.0, np.inf])
def test_triplet_tie_rounds_as_torch(order: float) -> None:
    """margin + d(a, p) − d(a, n) summed in PyTorch's order: at a tie (z = 0 up to rounding)
    the hinge is active or not as in PyTorch, so the gradients agree."""
    a, p, n = np.array([[0.5, 2.0]]), np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])
    _check(lambda u, v, w: F.triplet_margin_loss(u, v, w, 1.0, order, reduction="sum"),
           lambda u, v, w: TF.triplet_margin_loss(u, v, w, 1.0, order, reduction="sum"),
           [a, p, n], [0, 1, 2])


@pytest.mark.parametrize("xshape", [(4,), (1, 4)])
@pytest.mark.parametrize("tshape", [(), (1,)])
@pytest.mark.parametrize("reduction", RED)
def test_multi_margin_single_sample_targets_as_torch(xshape: tuple[int, ...],
                                                     tshape: tuple[int, ...],
                                                     reduction: str) -> None:
    """One sample, (C,) or (1, C), takes a class target of shape () or (1,), as in PyTorch
    ("none" gives the target's shape); a batch of N takes (N,) only."""
    x, t = _normal(np.random.default_rng(21), xshape), np.full(tshape, 2)
    _check(lambda u: F.multi_margin_loss(u, t, 2, 0.7, reduction=reduction),
           lambda u: TF.multi_margin_loss(u, torch.tensor(t), 2, 0.7, reduction=reduction),
           [x], [0])


@pytest.mark.parametrize(("xshape", "tshape", "want"), [
    ((4,), (2,), r"\(\) or \(1,\)"), ((1, 4), (1, 1), r"\(\) or \(1,\)"),
    ((2, 4), (), r"\(2,\)"), ((2, 4), (1,), r"\(2,\)")])
def test_multi_margin_target_shapes_torch_refuses(xshape: tuple[int, ...],
                                                 tshape: tuple[int, ...], want: str) -> None:
    with pytest.raises(RuntimeError):
        TF.multi_margin_loss(torch.zeros(xshape), torch.zeros(tshape, dtype=torch.long))
    for reduction in RED:
        with pytest.raises(ValueError, match=rf"multi_margin_loss: class targets must have "
                                             rf"shape {want} for input of shape"):
            F.multi_margin_loss(np.zeros(xshape), np.zeros(tshape, int), reduction=reduction)
