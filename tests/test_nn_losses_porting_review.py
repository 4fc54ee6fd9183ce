"""The loss fixes of the porting review, against PyTorch 2.13: the Huber and smooth-L1 gradient
where the residual is infinite (±δ, ±1, not NaN); PyTorch's ``weight=`` of ``mse_loss``,
``l1_loss`` and ``huber_loss`` (its reductions, shapes and gradients); the new
``multilabel_margin_loss`` / ``MultiLabelMarginLoss``, ``triplet_margin_with_distance_loss`` /
``TripletMarginWithDistanceLoss`` and ``pairwise_distance`` / ``PairwiseDistance`` (values,
gradients, float32, errors, gradcheck); class weights of 0 with label smoothing (NaN, as
PyTorch); and what docs/nn.md says about all-ignored batches and ctc_loss."""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as F

RED = ("mean", "sum", "none")
DOC = Path(__file__).resolve().parents[1] / "docs" / "nn.md"


def _check(ours: Callable[..., am.Tensor], theirs: Callable[..., Any], args: Sequence[Any],
           grads: Sequence[int], seed: int = 0, rtol: float = 1e-10, atol: float = 1e-12
           ) -> am.Tensor:
    """ours(*args) against theirs(*args): value, shape and dtype, then the gradient of each
    argument at ``grads`` for a random upstream gradient (arrays become tensors)."""
    torch = pytest.importorskip("torch")
    mine = [am.Tensor(a.copy(), requires_grad=i in grads) if isinstance(a, np.ndarray) else a
            for i, a in enumerate(args)]
    ref = [torch.tensor(a, requires_grad=i in grads) if isinstance(a, np.ndarray) else a
           for i, a in enumerate(args)]
    y, ty = ours(*mine), theirs(*ref)
    assert y.shape == tuple(ty.shape)
    assert y.dtype == np.dtype(str(ty.dtype).removeprefix("torch."))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=rtol, atol=atol)
    g = np.asarray(np.random.default_rng(seed).standard_normal(y.shape), dtype=y.dtype)
    y.backward(g)
    ty.backward(torch.tensor(g))
    for i in grads:
        got = mine[i].grad
        assert got is not None, f"no gradient for argument {i}"
        assert got.dtype == y.dtype
        np.testing.assert_allclose(got.data, ref[i].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"gradient of argument {i}")
    return y


def _normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.asarray(rng.standard_normal(shape))


# ------------------------------------------------- Huber / smooth L1 at an infinite residual
_ROBUST = [
    ("huber", lambda a, b, r: F.huber_loss(a, b, r, delta=0.5),
     lambda t, a, b, r: t.nn.functional.huber_loss(a, b, reduction=r, delta=0.5)),
    ("smooth_l1", lambda a, b, r: F.smooth_l1_loss(a, b, r, beta=0.5),
     lambda t, a, b, r: t.nn.functional.smooth_l1_loss(a, b, reduction=r, beta=0.5)),
    ("HuberLoss", lambda a, b, r: nn.HuberLoss(r, 2.0)(a, b),
     lambda t, a, b, r: t.nn.HuberLoss(reduction=r, delta=2.0)(a, b)),
    ("SmoothL1Loss", lambda a, b, r: nn.SmoothL1Loss(r)(a, b),
     lambda t, a, b, r: t.nn.SmoothL1Loss(reduction=r)(a, b)),
]


@pytest.mark.parametrize(("name", "ours", "theirs"), _ROBUST, ids=[c[0] for c in _ROBUST])
@pytest.mark.parametrize("reduction", RED)
def test_infinite_residual_has_the_linear_slope(name: str, ours: Callable[..., am.Tensor],
                                                theirs: Callable[..., Any],
                                                reduction: str) -> None:
    """x − y overflowing float32 (finite inputs), and ±inf inputs in float64: the loss is inf
    and the gradient ±δ (±1), PyTorch's, not NaN; the other elements are unchanged."""
    torch = pytest.importorskip("torch")
    cases = [(np.array([3e38, 1.0, -3e38, 0.1], np.float32),
              np.array([-3e38, 0.0, 3e38, 0.0], np.float32)),
             (np.array([np.inf, 0.2, -np.inf, -3.0]), np.array([0.0, 0.0, 1.0, 0.0]))]
    for x, y in cases:
        a = am.Tensor(x, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loss = ours(a, y, reduction)
            loss.backward(np.ones(loss.shape, x.dtype))
        t = torch.tensor(x, requires_grad=True)
        lt = theirs(torch, t, torch.tensor(y), reduction)
        lt.backward(torch.ones_like(lt))
        np.testing.assert_array_equal(loss.data, lt.detach().numpy())
        assert a.grad is not None and a.grad.dtype == x.dtype
        assert np.all(np.isfinite(a.grad.data))
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("reduction", RED)
def test_huber_and_smooth_l1_values_unchanged(reduction: str) -> None:
    """Values and gradients against PyTorch on both branches and at |d| = δ."""
    rng = np.random.default_rng(3)
    x, y = _normal(rng, (4, 5)) * 2, _normal(rng, (4, 5))
    x[0, 0], x[0, 1] = y[0, 0] + 0.5, y[0, 1] - 0.5  # |d| = δ = β
    _check(lambda a, b: F.huber_loss(a, b, reduction, 0.5),
           lambda a, b: pytest.importorskip("torch").nn.functional.huber_loss(
               a, b, reduction=reduction, delta=0.5), [x, y], [0, 1])
    _check(lambda a, b: F.smooth_l1_loss(a, b, reduction, 0.5),
           lambda a, b: pytest.importorskip("torch").nn.functional.smooth_l1_loss(
               a, b, reduction=reduction, beta=0.5), [x, y], [0, 1])


def test_huber_second_order_is_unchanged() -> None:
    x = am.Tensor(np.random.default_rng(4).standard_normal(6) * 2, requires_grad=True)
    y = np.zeros(6)
    assert am.gradgradcheck(lambda u: F.huber_loss(u, y, "sum", 1.5), [x])
    assert am.gradgradcheck(lambda u: F.smooth_l1_loss(u, y, "none", 0.7), [x])


# ------------------------------------------------------------- weight= of mse, l1 and huber
_WEIGHTED = ("mse_loss", "l1_loss", "huber_loss")


@pytest.mark.parametrize("name", _WEIGHTED)
def test_weight_keyword_as_torch(name: str) -> None:
    """The functions take ``weight=None`` after their other options, as PyTorch 2.13; the
    modules take no weight, as PyTorch's."""
    torch = pytest.importorskip("torch")
    ours = inspect.signature(getattr(F, name)).parameters
    theirs = inspect.signature(getattr(torch.nn.functional, name)).parameters
    assert "weight" in theirs and theirs["weight"].default is None
    assert list(ours)[-1] == "weight" and ours["weight"].default is None
    module = {"mse_loss": "MSELoss", "l1_loss": "L1Loss", "huber_loss": "HuberLoss"}[name]
    assert "weight" not in inspect.signature(getattr(torch.nn, module)).parameters
    assert "weight" not in inspect.signature(getattr(nn, module)).parameters


@pytest.mark.parametrize("name", _WEIGHTED)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)])
def test_weighted_values_and_gradients(name: str, reduction: str, shape: tuple[int, ...]
                                       ) -> None:
    """PyTorch's reductions (mse, l1: "mean" = Σ w ℓ / Σ w; huber: mean(w ℓ)) and gradients
    for the input, the target and the weight."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, y, w = np.asarray(_normal(rng, shape) * 2), _normal(rng, shape), np.asarray(
        rng.random(shape))
    kw: dict[str, Any] = {"delta": 0.8} if name == "huber_loss" else {}
    _check(lambda a, b, c: getattr(F, name)(a, b, reduction, weight=c, **kw),
           lambda a, b, c: getattr(torch.nn.functional, name)(a, b, reduction=reduction,
                                                             weight=c, **kw),
           [x, y, w], [0, 1, 2])


def test_weighted_means_differ_as_in_torch() -> None:
    x, y, w = np.arange(6.0).reshape(2, 3), np.zeros((2, 3)), np.array([[1., 2, 0], [0, 1, 1]])
    assert F.mse_loss(x, y, weight=w).item() == pytest.approx(43.0 / 5.0)  # Σ w ℓ / Σ w
    assert F.l1_loss(x, y, weight=w).item() == pytest.approx(11.0 / 5.0)
    assert F.huber_loss(x, y, weight=w).item() == pytest.approx(9.0 / 6.0)  # mean(w ℓ)


@pytest.mark.parametrize("name", _WEIGHTED)
@pytest.mark.parametrize("wshape", [(3,), (1, 3), (2, 1), (), (3, 2), (1, 2, 3)])
def test_weight_of_another_shape_is_refused(name: str, wshape: tuple[int, ...]) -> None:
    """Another shape than the input's raises ValueError, broadcastable or not, as PyTorch."""
    torch = pytest.importorskip("torch")
    x, w = np.ones((2, 3)), np.ones(wshape)
    with pytest.raises(ValueError):
        getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(x),
                                           weight=torch.tensor(w))
    with pytest.raises(ValueError, match=rf"{name}: weight of shape {wshape!r:s}".replace(
            "(", r"\(").replace(")", r"\)") + r" must have the input's shape \(2, 3\)"):
        getattr(F, name)(x, x, weight=w)


@pytest.mark.parametrize("name", _WEIGHTED)
def test_weighted_float32_is_kept(name: str) -> None:
    rng = np.random.default_rng(6)
    x = am.Tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    y = rng.standard_normal((3, 4)).astype(np.float32)
    for w in (rng.random((3, 4)).astype(np.float32), rng.random((3, 4))):
        for reduction in RED:
            x.grad = None
            loss = getattr(F, name)(x, y, reduction, weight=w)
            assert loss.dtype == np.float32
            loss.sum().backward()
            assert x.grad is not None and x.grad.dtype == np.float32


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_weights_summing_to_zero_give_torch_nan_quietly(name: str) -> None:
    torch = pytest.importorskip("torch")
    x = am.Tensor(np.ones((2, 2)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = getattr(F, name)(x, np.zeros((2, 2)), weight=np.zeros((2, 2)))
        loss.backward()
    ref = getattr(torch.nn.functional, name)(torch.ones(2, 2), torch.zeros(2, 2),
                                             weight=torch.zeros(2, 2))
    assert np.isnan(loss.item()) and torch.isnan(ref)


def test_weighted_losses_gradcheck() -> None:
    rng = np.random.default_rng(7)
    x, y, w = rng.standard_normal((3, 4)) * 2, rng.standard_normal((3, 4)), rng.random((3, 4))
    for name in _WEIGHTED:
        for reduction in RED:
            fn = functools.partial(getattr(F, name), reduction=reduction)
            assert am.gradcheck(lambda a, b, c, fn=fn: fn(a, b, weight=c),
                                [am.Tensor(v, requires_grad=True) for v in (x, y, w)])


# ------------------------------------------------------------------ multilabel_margin_loss
_TARGETS = np.array([[3, 0, -1, 1, 4],   # two classes, then ignored entries after -1
                     [0, 1, 2, 3, 4],    # every class: no term
                     [-1, 1, 2, 3, 0],   # no class
                     [2, 2, -1, 0, 0],   # a class listed twice counts twice
                     [4, 1, 0, 2, -1]])


@pytest.mark.parametrize("reduction", RED)
def test_multilabel_margin_against_torch(reduction: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x = _normal(rng, (5, 5))
    x[0, 2] = x[0, 3] - 1.0  # a hinge at exactly 0: no term, no gradient (PyTorch's z > 0)
    t = torch.tensor(_TARGETS)
    _check(lambda a: F.multilabel_margin_loss(a, _TARGETS, reduction),
           lambda a: torch.nn.functional.multilabel_margin_loss(a, t, reduction=reduction),
           [x], [0])
    _check(lambda a: nn.MultiLabelMarginLoss(reduction)(a, _TARGETS),
           lambda a: torch.nn.MultiLabelMarginLoss(reduction=reduction)(a, t), [x], [0])
    for row in range(5):  # unbatched: (C,) input and target, a 0-d loss
        _check(functools.partial(F.multilabel_margin_loss, target=_TARGETS[row],
                                 reduction=reduction),
               functools.partial(torch.nn.functional.multilabel_margin_loss, target=t[row],
                                 reduction=reduction), [x[row]], [0])


def test_multilabel_margin_nan_and_inf_as_torch() -> None:
    torch = pytest.importorskip("torch")
    t = np.array([[1, -1, 0, 0]] * 3)
    x = np.array([[np.nan, 1.0, 0.0, 5.0], [0.0, np.nan, 0.0, 5.0], [0.0, -np.inf, 0.0, 5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check(lambda a: F.multilabel_margin_loss(a, t, "none"),
               lambda a: torch.nn.functional.multilabel_margin_loss(
                   a, torch.tensor(t), reduction="none"), [x], [0])


def test_multilabel_margin_float32_and_integer_targets() -> None:
    x = am.Tensor(np.random.default_rng(9).standard_normal((5, 5)).astype(np.float32),
                  requires_grad=True)
    ref = F.multilabel_margin_loss(x.data.astype(np.float64), _TARGETS)
    for t in (_TARGETS, _TARGETS.astype(np.int32), _TARGETS.astype(np.int8)):
        x.grad = None
        loss = F.multilabel_margin_loss(x, t)
        loss.backward()
        assert loss.dtype == np.float32 and x.grad is not None and x.grad.dtype == np.float32
        assert loss.item() == pytest.approx(ref.item(), rel=1e-6)


@pytest.mark.parametrize(("x", "t", "error", "message"), [
    (np.zeros((2, 4)), np.array([[4, -1, 0, 0]] * 2), ValueError, r"lie in \[-1, 4\), got 4"),
    (np.zeros((2, 4)), np.array([[0, -1, 7, 0]] * 2), ValueError, r"lie in \[-1, 4\), got 7"),
    (np.zeros((2, 4)), np.array([[-2, 0, 0, 0]] * 2), ValueError, r"got -2"),
    (np.zeros((2, 4)), np.zeros((2, 3), int), ValueError,
     r"target shape \(2, 3\) does not match input shape \(2, 4\)"),
    (np.zeros((1, 4)), np.zeros(4, int), ValueError, r"target shape \(4,\) does not match"),
    (np.zeros((2, 2, 2)), np.zeros((2, 2, 2), int), ValueError, r"\(C,\) or \(N, C\)"),
    (np.zeros((2, 0)), np.zeros((2, 0), int), ValueError, "has no classes"),
    (np.zeros((2, 4)), np.zeros((2, 4)), TypeError, "integer class indices"),
])
def test_multilabel_margin_errors_where_torch_refuses(x: np.ndarray, t: np.ndarray,
                                                      error: type[Exception],
                                                      message: str) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, NotImplementedError)):
        torch.nn.functional.multilabel_margin_loss(torch.tensor(x), torch.tensor(t),
                                                   reduction="sum")
    with pytest.raises(error, match="multilabel_margin_loss: .*" + message):
        F.multilabel_margin_loss(x, t, "sum")


def test_multilabel_margin_refuses_a_0d_input() -> None:
    """PyTorch takes a 0-d input as one class, whose loss is always 0: refused here."""
    with pytest.raises(ValueError, match=r"multilabel_margin_loss: input must be \(C,\) or "
                                         r"\(N, C\), got shape \(\)"):
        F.multilabel_margin_loss(np.zeros(()), np.zeros((), int))


def test_multilabel_margin_gradcheck() -> None:
    x = am.Tensor(np.random.default_rng(10).standard_normal((5, 5)), requires_grad=True)
    assert am.gradcheck(lambda a: F.multilabel_margin_loss(a, _TARGETS, "none"), [x])
    assert am.gradcheck(lambda a: F.multilabel_margin_loss(a[0], _TARGETS[0], "sum"), [x])


# ------------------------------------------------------------------ triplet with a distance
def _cosine_distance(u: am.Tensor, v: am.Tensor) -> am.Tensor:
    return 1.0 - F.cosine_similarity(u, v, axis=-1)


class _Projected(nn.Module):
    """A learned distance: ‖(u − v) Wᵀ‖ (a module with a parameter)."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(6, 3, bias=False, rng=np.random.default_rng(0))

    def forward(self, u: am.Tensor, v: am.Tensor) -> am.Tensor:
        return F.pairwise_distance(self.proj(u), self.proj(v))


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("margin", [1.0, 0.25])
def test_triplet_with_distance_against_torch(reduction: str, swap: bool, margin: float
                                             ) -> None:
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    rng = np.random.default_rng(11)
    a, p, n = (_normal(rng, (4, 6)) for _ in range(3))
    n[0] = a[0] + 10.0  # an inactive hinge
    kw: dict[str, Any] = {"margin": margin, "swap": swap, "reduction": reduction}
    _check(lambda *t: F.triplet_margin_with_distance_loss(*t, **kw),
           lambda *t: TF.triplet_margin_with_distance_loss(*t, **kw), [a, p, n], [0, 1, 2])
    _check(lambda *t: nn.TripletMarginWithDistanceLoss(**kw)(*t),
           lambda *t: torch.nn.TripletMarginWithDistanceLoss(**kw)(*t), [a, p, n], [0, 1, 2])
    _check(lambda *t: F.triplet_margin_with_distance_loss(
               *t, distance_function=_cosine_distance, **kw),
           lambda *t: TF.triplet_margin_with_distance_loss(
               *t, distance_function=lambda u, v: 1.0 - TF.cosine_similarity(u, v, dim=-1),
               **kw), [a, p, n], [0, 1, 2])
    # unbatched (D,) inputs give a 0-d loss; inputs of one ndim broadcast in the distance
    _check(lambda *t: F.triplet_margin_with_distance_loss(*t, **kw),
           lambda *t: TF.triplet_margin_with_distance_loss(*t, **kw), [a[0], p[0], n[0]],
           [0, 1, 2])
    _check(lambda *t: F.triplet_margin_with_distance_loss(*t, **kw),
           lambda *t: TF.triplet_margin_with_distance_loss(*t, **kw), [a, p[:1], n[1:2]],
           [0, 1, 2])


def test_triplet_with_distance_signatures_and_defaults_as_torch() -> None:
    torch = pytest.importorskip("torch")

    def spec(fn: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
        return [(q.name, q.kind, q.default) for q in inspect.signature(fn).parameters.values()]

    assert spec(F.triplet_margin_with_distance_loss) == spec(
        torch.nn.functional.triplet_margin_with_distance_loss)
    assert spec(nn.TripletMarginWithDistanceLoss) == spec(torch.nn.TripletMarginWithDistanceLoss)
    with pytest.raises(TypeError):
        F.triplet_margin_with_distance_loss(np.ones(2), np.ones(2), np.ones(2),
                                            None)  # type: ignore[call-arg]
    loss = nn.TripletMarginWithDistanceLoss()
    assert isinstance(loss.distance_function, nn.PairwiseDistance)
    assert [name for name, _ in loss.named_modules()] == ["", "distance_function"]
    assert loss.state_dict() == {} and (loss.margin, loss.swap) == (1.0, False)


def test_triplet_with_a_learned_distance_trains_its_parameters() -> None:
    """A Module distance is a sub-module: its parameters are the loss's, under PyTorch's key,
    and receive gradients."""
    rng = np.random.default_rng(12)
    dist = _Projected()
    loss = nn.TripletMarginWithDistanceLoss(distance_function=dist, margin=5.0)
    assert list(loss.state_dict()) == ["distance_function.proj.weight"]
    assert len(list(loss.parameters())) == 1
    a, p, n = (am.Tensor(rng.standard_normal((4, 6)), requires_grad=True) for _ in range(3))
    loss(a, p, n).backward()
    w = dist.proj.weight
    assert w.grad is not None and np.any(w.grad.data) and a.grad is not None
    assert am.gradcheck(lambda u, v, m: loss(u, v, m), [a, p, n])


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda a: F.triplet_margin_with_distance_loss(a, a, a, margin=0.0), ValueError,
     "margin must be a finite number > 0"),
    (lambda a: F.triplet_margin_with_distance_loss(a, a[0], a[0]), ValueError,
     r"same number of axes, got shapes \(3, 4\), \(4,\) and \(4,\)"),
    (lambda a: F.triplet_margin_with_distance_loss(
        a, a, a, distance_function=3), TypeError,  # type: ignore[arg-type]
     "distance_function must be callable"),
    (lambda a: F.triplet_margin_with_distance_loss(
        a, a, a, distance_function=lambda u, v: 1.0), TypeError,  # type: ignore[arg-type,return-value]
     "distance_function must return a floating Tensor, got float"),
    (lambda a: F.triplet_margin_with_distance_loss(a, a, a, reduction="avg"), ValueError,
     "reduction must be one of"),
    (lambda a: F.triplet_margin_with_distance_loss(a[:0], a[:0], a[:0]), ValueError,
     r"empty batch \(input shape \(0, 4\)\); a loss needs samples"),
    (lambda a: nn.TripletMarginWithDistanceLoss(margin=-1.0), ValueError,
     "TripletMarginWithDistanceLoss: margin"),
])
def test_triplet_with_distance_errors(call: Callable[[np.ndarray], Any],
                                      error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call(np.ones((3, 4)))


def test_triplet_with_distance_float32_and_gradcheck() -> None:
    rng = np.random.default_rng(13)
    a, p, n = (am.Tensor(rng.standard_normal((4, 5)).astype(np.float32), requires_grad=True)
               for _ in range(3))
    loss = F.triplet_margin_with_distance_loss(a, p, n, margin=3.0, swap=True)
    loss.backward()
    assert loss.dtype == np.float32
    assert all(t.grad is not None and t.grad.dtype == np.float32 for t in (a, p, n))
    a64, p64, n64 = (am.Tensor(t.data.astype(np.float64), requires_grad=True) for t in (a, p, n))
    for fn in (None, _cosine_distance):
        assert am.gradcheck(functools.partial(
            F.triplet_margin_with_distance_loss, distance_function=fn, margin=3.0, swap=True,
            reduction="none"), [a64, p64, n64])
        assert am.gradgradcheck(functools.partial(
            F.triplet_margin_with_distance_loss, distance_function=fn, margin=3.0,
            reduction="sum"), [a64, p64, n64])


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, np.inf])
@pytest.mark.parametrize(("s1", "s2"), [((4, 6), (4, 6)), ((4, 6), (6,)), ((4, 6), (1, 6)),
                                        ((6,), (6,)), ((), ()), ((2, 3, 6), (3, 6))])
def test_pairwise_distance_against_torch(p: float, s1: tuple[int, ...], s2: tuple[int, ...]
                                         ) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    x1, x2 = _normal(rng, s1), _normal(rng, s2)
    for keep in (False, True):
        _check(functools.partial(F.pairwise_distance, p=p, eps=1e-3, keepdims=keep),
               functools.partial(torch.nn.functional.pairwise_distance, p=p, eps=1e-3,
                                 keepdim=keep), [x1, x2], [0, 1])
        _check(nn.PairwiseDistance(p, keepdims=keep),
               torch.nn.PairwiseDistance(p, keepdim=keep), [x1, x2], [0, 1])


def test_pairwise_distance_refusals() -> None:
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"pairwise_distance: x1 of shape \(2, 3\) and x2 of "
                                         r"shape \(4,\) do not broadcast"):
        F.pairwise_distance(x, np.ones(4))
    with pytest.raises(TypeError, match="pairwise_distance: x2 must be floating point"):
        F.pairwise_distance(x, np.ones((2, 3), int))
    with pytest.raises(ValueError, match="pairwise_distance: p must be a finite number > 0"):
        F.pairwise_distance(x, x, p=0)
    with pytest.raises(TypeError, match="keepdim= is keepdims"):
        F.pairwise_distance(x, x, keepdim=True)  # type: ignore[call-arg]


# ------------------------------------------------------ exports, class weights, the docs
def test_new_names_are_exported_as_in_torch() -> None:
    torch = pytest.importorskip("torch")
    for name in ("MultiLabelMarginLoss", "TripletMarginWithDistanceLoss", "PairwiseDistance",
                 "CTCLoss"):
        assert name in nn.__all__ and hasattr(torch.nn, name)
        assert issubclass(getattr(nn, name), nn.Module)
    for name in ("multilabel_margin_loss", "triplet_margin_with_distance_loss",
                 "pairwise_distance", "ctc_loss"):
        assert name in F.__all__ and hasattr(torch.nn.functional, name)


def test_zero_class_weights_with_smoothing_give_torch_nan() -> None:
    """Σ w_t = 0 over the targets: NaN (PyTorch's 0/0), also with label smoothing, where the
    smoothing term alone made +inf; the gradients are NaN too, as PyTorch's."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, t, w = rng.standard_normal((4, 5)), np.array([0, 0, 1, 1]), np.array([0., 0, 1, 1, 1])
    a = am.Tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(a, t, weight=w, label_smoothing=0.1)
        loss.backward()
    tx = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(tx, torch.tensor(t), weight=torch.tensor(w),
                                            label_smoothing=0.1)
    ref.backward()
    assert np.isnan(loss.item()) and torch.isnan(ref)
    assert a.grad is not None and np.all(np.isnan(a.grad.data))
    assert torch.isnan(tx.grad).all()


def test_docs_say_all_ignored_gives_nan_and_describe_ctc() -> None:
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert "class targets all equal `ignore_index` is not empty" in text
    assert "Not provided: `CTCLoss`" not in text
    assert "`ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0" in text
    for name in ("multilabel_margin_loss", "triplet_margin_with_distance_loss",
                 "pairwise_distance", "huber_loss(input, target, reduction, delta, weight=None)"):
        assert f"`{name}" in text


@pytest.mark.parametrize(("dtype", "beta"), [(np.float64, 1e-310), (np.float32, 1e-40)])
def test_smooth_l1_with_a_tiny_beta_is_finite_at_a_zero_residual(dtype: type,
                                                                   beta: float) -> None:
    """0.5 / β overflowed to inf: the value and the gradient at d = 0 were NaN (torch: 0)."""
    x = am.Tensor(np.array([0.0, 2.0], dtype), requires_grad=True)
    loss = F.smooth_l1_loss(x, np.zeros(2, dtype), "sum", beta=beta)
    loss.backward()
    assert loss.item() == 2.0
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])  # type: ignore[union-attr]


def test_margin_losses_name_samples_without_classes_for_every_reduction() -> None:
    """With "mean", (2, 0) was called an empty batch, though it holds two samples."""
    x, t = am.Tensor(np.zeros((2, 0))), np.zeros(2, int)
    for reduction in RED:
        with pytest.raises(ValueError, match=r"input of shape \(2, 0\) has no classes"):
            F.multi_margin_loss(x, t, reduction=reduction)
        with pytest.raises(ValueError, match=r"input of shape \(2, 0\) has no classes"):
            F.multilabel_margin_loss(x, np.zeros((2, 0), int), reduction=reduction)
    with pytest.raises(ValueError, match="empty batch"):
        F.multi_margin_loss(am.Tensor(np.zeros((0, 3))), np.zeros(0, int))


def test_mlp_takes_activation_class_names_in_any_case() -> None:
    for name in ("LeakyReLU", "LogSoftmax", "ReLU6", "leaky_relu", "relu"):
        assert type(nn.MLP([2, 3, 1], activation=name).layers[1]).__name__.lower() in (
            name.lower(), name.replace("_", "").lower())
