"""Every loss of ``nn.functional`` (and its module) on an empty batch against PyTorch 2.13:
"sum" is a 0-d zero of the input's dtype and "none" an empty tensor of PyTorch's shape, both
connected to the graph (backward gives zero gradients of each input's shape and dtype);
"mean" (and kl_div's "batchmean" without samples) is refused where PyTorch gives NaN."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# An input array of a case: float arrays take the test's dtype; requires_grad as given.
Arg = tuple[np.ndarray, bool]


def _f(*shape: int) -> np.ndarray:
    return np.zeros(shape)


def _i(*shape: int) -> np.ndarray:
    return np.zeros(shape, dtype=np.int64)


# (id, ours(args, reduction), theirs(args, reduction), args): one call per loss and option
CASES: list[tuple[str, Callable[..., Any], Callable[..., Any], list[Arg]]] = [
    ("mse", lambda a, r: _call(F.mse_loss, a, reduction=r),
     lambda a, r: TF.mse_loss(*a, reduction=r), [(_f(0, 3), True), (_f(0, 3), True)]),
    ("l1", lambda a, r: _call(F.l1_loss, a, reduction=r),
     lambda a, r: TF.l1_loss(*a, reduction=r), [(_f(0, 3), True), (_f(0, 3), True)]),
    ("smooth_l1", lambda a, r: _call(F.smooth_l1_loss, a, reduction=r, beta=0.5),
     lambda a, r: TF.smooth_l1_loss(*a, reduction=r, beta=0.5),
     [(_f(0, 3), True), (_f(0, 3), True)]),
    ("smooth_l1-beta0", lambda a, r: _call(F.smooth_l1_loss, a, reduction=r, beta=0.0),
     lambda a, r: TF.smooth_l1_loss(*a, reduction=r, beta=0.0),
     [(_f(0, 3), True), (_f(0, 3), True)]),
    ("huber", lambda a, r: _call(F.huber_loss, a, reduction=r, delta=2.0),
     lambda a, r: TF.huber_loss(*a, reduction=r, delta=2.0),
     [(_f(0, 3), True), (_f(0, 3), True)]),
    ("bce", lambda a, r: _call(F.binary_cross_entropy, a, reduction=r),
     lambda a, r: TF.binary_cross_entropy(*a, reduction=r),
     [(_f(0, 3), True), (_f(0, 3), False)]),
    ("bce-weight", lambda a, r: F.binary_cross_entropy(a[0], a[1], weight=a[2], reduction=r),
     lambda a, r: TF.binary_cross_entropy(a[0], a[1], weight=a[2], reduction=r),
     [(_f(0, 3), True), (_f(0, 3), False), (np.ones(3), False)]),
    ("bce_with_logits", lambda a, r: _call(F.binary_cross_entropy_with_logits, a, reduction=r),
     lambda a, r: TF.binary_cross_entropy_with_logits(*a, reduction=r),
     [(_f(0, 3), True), (_f(0, 3), True)]),
    ("bce_with_logits-weights",
     lambda a, r: F.binary_cross_entropy_with_logits(a[0], a[1], weight=a[2], pos_weight=a[3],
                                                     reduction=r),
     lambda a, r: TF.binary_cross_entropy_with_logits(a[0], a[1], weight=a[2],
                                                      pos_weight=a[3], reduction=r),
     [(_f(0, 3), True), (_f(0, 3), True), (np.ones(3), False), (np.ones(3), False)]),
    ("kl_div", lambda a, r: _call(F.kl_div, a, reduction=r),
     lambda a, r: TF.kl_div(*a, reduction=r), [(_f(0, 3), True), (_f(0, 3), True)]),
    ("kl_div-log_target", lambda a, r: _call(F.kl_div, a, reduction=r, log_target=True),
     lambda a, r: TF.kl_div(*a, reduction=r, log_target=True),
     [(_f(0, 3), True), (_f(0, 3), True)]),
    ("soft_margin", lambda a, r: _call(F.soft_margin_loss, a, reduction=r),
     lambda a, r: TF.soft_margin_loss(*a, reduction=r), [(_f(0, 3), True), (_f(0, 3), False)]),
    ("cross_entropy", lambda a, r: _call(F.cross_entropy, a, reduction=r),
     lambda a, r: TF.cross_entropy(*a, reduction=r), [(_f(0, 3), True), (_i(0), False)]),
    ("cross_entropy-options",
     lambda a, r: F.cross_entropy(a[0], a[1], r, weight=a[2], ignore_index=1,
                                  label_smoothing=0.2),
     lambda a, r: TF.cross_entropy(a[0], a[1], weight=a[2], ignore_index=1,
                                   label_smoothing=0.2, reduction=r),
     [(_f(0, 3), True), (_i(0), False), (np.ones(3), False)]),
    ("cross_entropy-kdim", lambda a, r: _call(F.cross_entropy, a, reduction=r),
     lambda a, r: TF.cross_entropy(*a, reduction=r), [(_f(0, 3, 2), True), (_i(0, 2), False)]),
    ("cross_entropy-kdim-empty-spatial", lambda a, r: _call(F.cross_entropy, a, reduction=r),
     lambda a, r: TF.cross_entropy(*a, reduction=r), [(_f(2, 3, 0), True), (_i(2, 0), False)]),
    ("cross_entropy-probs", lambda a, r: _call(F.cross_entropy, a, reduction=r),
     lambda a, r: TF.cross_entropy(*a, reduction=r), [(_f(0, 3), True), (_f(0, 3), True)]),
    ("cross_entropy-probs-options",
     lambda a, r: F.cross_entropy(a[0], a[1], r, weight=a[2], label_smoothing=0.1),
     lambda a, r: TF.cross_entropy(a[0], a[1], weight=a[2], label_smoothing=0.1, reduction=r),
     [(_f(0, 3, 2), True), (_f(0, 3, 2), True), (np.ones(3), False)]),
    ("nll", lambda a, r: _call(F.nll_loss, a, reduction=r),
     lambda a, r: TF.nll_loss(*a, reduction=r), [(_f(0, 3), True), (_i(0), False)]),
    ("nll-options", lambda a, r: F.nll_loss(a[0], a[1], r, weight=a[2], ignore_index=0),
     lambda a, r: TF.nll_loss(a[0], a[1], weight=a[2], ignore_index=0, reduction=r),
     [(_f(0, 3), True), (_i(0), False), (np.ones(3), False)]),
    ("cosine_embedding", lambda a, r: _call(F.cosine_embedding_loss, a, margin=0.1, reduction=r),
     lambda a, r: TF.cosine_embedding_loss(*a, margin=0.1, reduction=r),
     [(_f(0, 4), True), (_f(0, 4), True), (_f(0), False)]),
    ("margin_ranking", lambda a, r: _call(F.margin_ranking_loss, a, margin=0.1, reduction=r),
     lambda a, r: TF.margin_ranking_loss(*a, margin=0.1, reduction=r),
     [(_f(0), True), (_f(0), True), (_f(0), False)]),
    ("hinge_embedding", lambda a, r: _call(F.hinge_embedding_loss, a, reduction=r),
     lambda a, r: TF.hinge_embedding_loss(*a, reduction=r),
     [(_f(0, 3), True), (_f(0, 3), False)]),
    ("triplet_margin", lambda a, r: _call(F.triplet_margin_loss, a, reduction=r),
     lambda a, r: TF.triplet_margin_loss(*a, reduction=r),
     [(_f(0, 4), True), (_f(0, 4), True), (_f(0, 4), True)]),
    ("triplet_margin-swap-p1",
     lambda a, r: _call(F.triplet_margin_loss, a, p=1.0, swap=True, reduction=r),
     lambda a, r: TF.triplet_margin_loss(*a, p=1.0, swap=True, reduction=r),
     [(_f(0, 4), True), (_f(0, 4), True), (_f(0, 4), True)]),
    ("multi_margin", lambda a, r: _call(F.multi_margin_loss, a, reduction=r),
     lambda a, r: TF.multi_margin_loss(*a, reduction=r), [(_f(0, 4), True), (_i(0), False)]),
    ("multi_margin-p2-weight",
     lambda a, r: F.multi_margin_loss(a[0], a[1], p=2, weight=a[2], reduction=r),
     lambda a, r: TF.multi_margin_loss(a[0], a[1], p=2, weight=a[2], reduction=r),
     [(_f(0, 4), True), (_i(0), False), (np.ones(4), False)]),
    ("multilabel_margin", lambda a, r: _call(F.multilabel_margin_loss, a, reduction=r),
     lambda a, r: TF.multilabel_margin_loss(*a, reduction=r),
     [(_f(0, 4), True), (_i(0, 4), False)]),
    ("triplet_margin_with_distance",
     lambda a, r: F.triplet_margin_with_distance_loss(*a, swap=True, reduction=r),
     lambda a, r: TF.triplet_margin_with_distance_loss(*a, swap=True, reduction=r),
     [(_f(0, 4), True), (_f(0, 4), True), (_f(0, 4), True)]),
    ("multilabel_soft_margin", lambda a, r: _call(F.multilabel_soft_margin_loss, a, reduction=r),
     lambda a, r: TF.multilabel_soft_margin_loss(*a, reduction=r),
     [(_f(0, 4), True), (_f(0, 4), True)]),
    ("multilabel_soft_margin-weight",
     lambda a, r: F.multilabel_soft_margin_loss(a[0], a[1], weight=a[2], reduction=r),
     lambda a, r: TF.multilabel_soft_margin_loss(a[0], a[1], weight=a[2], reduction=r),
     [(_f(0, 4), True), (_f(0, 4), True), (np.ones(4), True)]),
    ("poisson_nll", lambda a, r: _call(F.poisson_nll_loss, a, reduction=r),
     lambda a, r: TF.poisson_nll_loss(*a, reduction=r), [(_f(0, 3), True), (_f(0, 3), True)]),
    ("poisson_nll-rate-full",
     lambda a, r: _call(F.poisson_nll_loss, a, log_input=False, full=True, reduction=r),
     lambda a, r: TF.poisson_nll_loss(*a, log_input=False, full=True, reduction=r),
     [(_f(0, 3), True), (_f(0, 3), True)]),
    ("gaussian_nll", lambda a, r: _call(F.gaussian_nll_loss, a, reduction=r),
     lambda a, r: TF.gaussian_nll_loss(*a, reduction=r),
     [(_f(0, 3), True), (_f(0, 3), True), (np.ones((0, 3)), True)]),
    ("gaussian_nll-var-shared-full",
     lambda a, r: _call(F.gaussian_nll_loss, a, full=True, reduction=r),
     lambda a, r: TF.gaussian_nll_loss(*a, full=True, reduction=r),
     [(_f(0, 3), True), (_f(0, 3), True), (np.ones(0), True)]),
]

# every loss of nn.functional has a case above (but ctc_loss: PyTorch refuses every empty
# input, so there is nothing to compare; tests/test_nn_ctc.py checks its empty batch)
LOSSES = {n for n in F.__all__ if n.endswith("_loss") and n != "ctc_loss"} | {
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "kl_div"}


def test_every_loss_has_a_case() -> None:
    short = {"mse": "mse_loss", "l1": "l1_loss", "smooth_l1": "smooth_l1_loss",
             "huber": "huber_loss", "bce": "binary_cross_entropy",
             "bce_with_logits": "binary_cross_entropy_with_logits", "nll": "nll_loss"}
    covered = set()
    for name, *_ in CASES:
        stem = name.split("-")[0]
        covered.add(short.get(stem, stem if stem in LOSSES else stem + "_loss"))
    assert covered == LOSSES


def _call(fn: Callable[..., Any], args: list[Any], **kwargs: Any) -> Any:
    """fn(*args, **kwargs), the arguments counted at run time."""
    return fn(*args, **kwargs)


def _make(args: list[Arg], dtype: type) -> tuple[list[am.Tensor], list[Any]]:
    """Our Tensors and PyTorch's from the same arrays, floats cast to ``dtype``."""
    mine, ref = [], []
    for a, grad in args:
        a = a.astype(dtype) if a.dtype.kind == "f" else a
        mine.append(am.Tensor(a.copy(), requires_grad=grad))
        ref.append(torch.tensor(a, requires_grad=grad))
    return mine, ref


def _compare(y: am.Tensor, ty: Any, mine: list[am.Tensor], ref: list[Any], dtype: type) -> None:
    """Value, shape and dtype of y against ty, then the gradients of an upstream gradient of
    ones: zeros of each input's shape and dtype, PyTorch's where it gives one."""
    assert y.shape == tuple(ty.shape)
    assert y.dtype == np.dtype(dtype) and ty.dtype == getattr(torch, np.dtype(dtype).name)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    assert y.requires_grad
    y.backward(np.ones(y.shape, dtype))
    ty.backward(torch.ones(ty.shape, dtype=ty.dtype))
    for i, (t, tt) in enumerate(zip(mine, ref)):
        if not t.requires_grad:
            continue
        assert t.grad is not None, f"no gradient for argument {i}"
        assert t.grad.shape == t.shape and t.grad.dtype == t.dtype, f"argument {i}"
        assert not np.any(t.grad.data), f"argument {i}"
        if tt.grad is not None:
            np.testing.assert_array_equal(t.grad.data, tt.grad.numpy(), err_msg=f"argument {i}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["sum", "none"])
@pytest.mark.parametrize(("name", "ours", "theirs", "args"), CASES, ids=[c[0] for c in CASES])
def test_empty_batch_matches_torch(name: str, ours: Callable[..., Any],
                                   theirs: Callable[..., Any], args: list[Arg], reduction: str,
                                   dtype: type) -> None:
    mine, ref = _make(args, dtype)
    y, ty = ours(mine, reduction), theirs(ref, reduction)
    if reduction == "sum":
        assert y.shape == () and y.item() == 0.0
        if name.startswith(("multi_margin", "multilabel_margin")):
            # PyTorch 2.13's multi_margin_loss and multilabel_margin_loss sum an empty batch
            # into uninitialised memory (values such as 6.9e-310 or 7.9e+28): compare with
            # its 0-d shape only
            ty = torch.nan_to_num(ty, 0.0, 0.0, 0.0) * 0.0  # (NaN garbage: times 0 stays NaN)
    else:
        assert y.size == 0
    _compare(y, ty, mine, ref, dtype)


@pytest.mark.parametrize(("name", "ours", "theirs", "args"), CASES, ids=[c[0] for c in CASES])
def test_empty_batch_mean_is_refused(name: str, ours: Callable[..., Any],
                                     theirs: Callable[..., Any], args: list[Arg]) -> None:
    mine, ref = _make(args, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (PyTorch's warning about kl_div's "mean")
        got = theirs(ref, "mean")
    # what the refusal prevents: NaN (multi_margin_loss, multilabel_margin_loss:
    # uninitialised memory, see above)
    assert name.startswith(("multi_margin", "multilabel_margin")) or torch.isnan(got)
    with pytest.raises(ValueError, match=r": empty batch \(input shape \(.*\)\); a loss needs "
                                         "samples"):
        ours(mine, "mean")


def test_kl_div_batchmean() -> None:
    """"batchmean" divides the sum by the batch size: refused without samples (PyTorch: NaN),
    0 for samples without elements, as PyTorch."""
    x, y = am.Tensor(np.zeros((0, 3)), requires_grad=True), np.zeros((0, 3))
    assert torch.isnan(TF.kl_div(torch.zeros(0, 3), torch.zeros(0, 3), reduction="batchmean"))
    with pytest.raises(ValueError, match=r"kl_div: empty batch \(input shape \(0, 3\)\)"):
        F.kl_div(x, y, reduction="batchmean")
    with pytest.raises(ValueError, match=r"kl_div: empty batch \(input shape \(0, 3\)\)"):
        nn.KLDivLoss(reduction="batchmean")(x, y)
    for dtype in (np.float64, np.float32):
        mine, ref = _make([(_f(3, 0), True), (_f(3, 0), True)], dtype)
        _compare(_call(F.kl_div, mine, reduction="batchmean"),
                 TF.kl_div(*ref, reduction="batchmean"), mine, ref, dtype)


# ---------------------------------------------------------------------------- the modules
MODULES: list[tuple[str, dict[str, Any], list[Arg]]] = [
    ("MSELoss", {}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("L1Loss", {}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("SmoothL1Loss", {"beta": 0.5}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("HuberLoss", {"delta": 2.0}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("BCELoss", {"weight": np.ones(3)}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("BCEWithLogitsLoss", {"pos_weight": np.ones(3)}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("KLDivLoss", {"log_target": True}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("SoftMarginLoss", {}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("CrossEntropyLoss", {"weight": np.ones(3), "label_smoothing": 0.1},
     [(_f(0, 3), True), (_i(0), False)]),
    ("NLLLoss", {"ignore_index": 2}, [(_f(0, 3), True), (_i(0), False)]),
    ("CosineEmbeddingLoss", {}, [(_f(0, 3), True), (_f(0, 3), True), (_f(0), False)]),
    ("MarginRankingLoss", {}, [(_f(0), True), (_f(0), True), (_f(0), False)]),
    ("HingeEmbeddingLoss", {}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("TripletMarginLoss", {"swap": True}, [(_f(0, 3), True)] * 3),
    ("MultiMarginLoss", {"weight": np.ones(3)}, [(_f(0, 3), True), (_i(0), False)]),
    ("MultiLabelSoftMarginLoss", {}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("MultiLabelMarginLoss", {}, [(_f(0, 3), True), (_i(0, 3), False)]),
    ("TripletMarginWithDistanceLoss", {"swap": True}, [(_f(0, 3), True)] * 3),
    ("PoissonNLLLoss", {"full": True}, [(_f(0, 3), True), (_f(0, 3), False)]),
    ("GaussianNLLLoss", {}, [(_f(0, 3), True), (_f(0, 3), False), (np.ones((0, 1)), True)]),
]


def test_every_module_has_a_case() -> None:
    """(but CTCLoss, as ctc_loss above)"""
    assert {m[0] for m in MODULES} == {n for n in nn.__all__ if n.endswith("Loss")} - {
        "CTCLoss"}


@pytest.mark.parametrize("reduction", ["sum", "none", "mean"])
@pytest.mark.parametrize(("name", "kwargs", "args"), MODULES, ids=[m[0] for m in MODULES])
def test_modules_on_an_empty_batch(name: str, kwargs: dict[str, Any], args: list[Arg],
                                   reduction: str) -> None:
    theirs = getattr(torch.nn, name)(
        reduction=reduction, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                for k, v in kwargs.items()})
    ours = getattr(nn, name)(reduction=reduction, **kwargs)
    mine, ref = _make(args, np.float64)
    if reduction == "mean":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (PyTorch's warning about kl_div's "mean")
            got = theirs(*ref)
        # (their garbage: see above)
        assert name in ("MultiMarginLoss", "MultiLabelMarginLoss") or torch.isnan(got)
        with pytest.raises(ValueError, match=r"empty batch \(input shape \(0"):
            ours(*mine)
        return
    ty = theirs(*ref)
    if name in ("MultiMarginLoss", "MultiLabelMarginLoss") and reduction == "sum":
        ty = ty * 0.0  # (PyTorch's uninitialised sum: see test_empty_batch_matches_torch)
    _compare(ours(*mine), ty, mine, ref, np.float64)


# ------------------------------------------------------------------- uses that motivate it
def test_no_triplet_mined_trains_on() -> None:
    """Hard-negative mining that selects no triplet: the summed loss is 0 and backward gives
    the embeddings a zero gradient, so the training step goes on."""
    emb = am.Tensor(np.random.default_rng(0).standard_normal((5, 4)), requires_grad=True)
    none = np.zeros(0, dtype=np.int64)
    loss = F.triplet_margin_loss(emb[none], emb[none], emb[none], reduction="sum")
    loss.backward()
    assert loss.item() == 0.0 and emb.grad is not None
    np.testing.assert_array_equal(emb.grad.data, np.zeros((5, 4)))


def test_masked_selection_without_elements_backpropagates() -> None:
    x = am.Tensor(np.linspace(-1.0, 1.0, 6, dtype=np.float32).reshape(2, 3),
                  requires_grad=True)
    mask = x.data > 5.0  # selects nothing
    per = F.binary_cross_entropy_with_logits(x[mask], np.ones(0, np.float32), reduction="none")
    assert per.shape == (0,) and per.dtype == np.float32
    total = per.sum() + F.mse_loss(x[mask], np.zeros(0), reduction="sum")
    total.backward()
    assert x.grad is not None and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3), np.float32))


def test_second_order_through_an_empty_sum() -> None:
    x = am.Tensor(np.zeros((0, 3)), requires_grad=True)
    F.cross_entropy(x, _i(0), reduction="sum", label_smoothing=0.1).backward(create_graph=True)
    g = x.grad
    assert g is not None and g.shape == (0, 3) and g.requires_grad
    x.grad = None
    (g * g).sum().backward()
    assert x.grad is not None and x.grad.shape == (0, 3)


# ------------------------------------------------------------ inputs with an empty last axis
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(3, 0), (0,)])
def test_vectors_of_length_zero_still_make_terms(shape: tuple[int, ...], reduction: str) -> None:
    """cosine_embedding_loss and triplet_margin_loss reduce each vector (the last axis): a
    batch of vectors of length 0 is not empty, so even "mean" gives PyTorch's value."""
    n = shape[:-1]
    for ours, theirs, args in (
            (F.cosine_embedding_loss, TF.cosine_embedding_loss,
             [(_f(*shape), True), (_f(*shape), True), (np.ones(n), False)]),
            (F.triplet_margin_loss, TF.triplet_margin_loss, [(_f(*shape), True)] * 3)):
        mine, ref = _make(args, np.float64)
        y = _call(ours, mine, reduction=reduction)
        _compare(y, theirs(*ref, reduction=reduction), mine, ref, np.float64)


@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_no_classes(reduction: str) -> None:
    """Inputs with no classes: an empty batch of them gives PyTorch's 0 or empty tensor (even
    with label smoothing, where PyTorch's ε/C gives NaN); samples without classes are refused
    where PyTorch gives NaN or refuses too (nll_loss's ignored targets excepted, as PyTorch)."""
    cases = [
        (lambda a, r: _call(F.cross_entropy, a, reduction=r), lambda a, r: TF.cross_entropy(
            *a, reduction=r), [(_f(0, 0), True), (_i(0), False)]),
        (lambda a, r: _call(F.nll_loss, a, reduction=r), lambda a, r: TF.nll_loss(*a, reduction=r),
         [(_f(3, 0), True), (np.full(3, -100), False)]),
        (lambda a, r: _call(F.multilabel_soft_margin_loss, a, reduction=r),
         lambda a, r: TF.multilabel_soft_margin_loss(*a, reduction=r),
         [(_f(0, 0), True), (_f(0, 0), False)]),
    ]
    for ours, theirs, args in cases:
        mine, ref = _make(args, np.float64)
        _compare(ours(mine, reduction), theirs(ref, reduction), mine, ref, np.float64)
    y = F.cross_entropy(am.Tensor(_f(0, 0)), _i(0), reduction, label_smoothing=0.1)
    assert y.size == 0 or y.item() == 0.0
    with pytest.raises(ValueError, match=r"multilabel_soft_margin_loss: input of shape \(3, 0\) "
                                         r"has no classes"):
        F.multilabel_soft_margin_loss(_f(3, 0), _f(3, 0), reduction=reduction)
    with pytest.raises(ValueError, match=r"multi_margin_loss: input of shape \(0, 0\) has no "
                                         "classes"):
        F.multi_margin_loss(_f(0, 0), _i(0), reduction=reduction)
