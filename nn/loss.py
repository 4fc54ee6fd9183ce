"""Loss modules wrapping ``nn.functional``'s losses, with a ``reduction`` of mean, sum or none
(KLDivLoss also "batchmean"), and CosineSimilarity.

The weighted losses (``NLLLoss``, ``CrossEntropyLoss``, ``BCELoss``, ``BCEWithLogitsLoss``) keep
their weights as buffers, as PyTorch's ``_WeightedLoss``: a model holding one has them in its
``state_dict`` under PyTorch's names (``crit.weight``, ``crit.pos_weight``), ``to()`` casts them
and ``nn.save``/``nn.load`` keep them; a weight of None is no entry."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import Tensor
from autograd_mini.checks import numpy_names

from . import functional as F
from ._loss_args import check_reduction, class_weight, ignore_index_arg, smoothing
from ._util import as_tensor, check_axis, check_flag, check_real
from .module import Module

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CosineSimilarity", "CrossEntropyLoss", "HuberLoss",
    "KLDivLoss", "L1Loss", "MSELoss", "NLLLoss", "SmoothL1Loss", "SoftMarginLoss",
]


class _Loss(Module):
    """A loss called as ``loss(input, target)``; ``reduction`` is checked at construction."""

    _more_reductions: tuple[str, ...] = ()

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_reduction(reduction, type(self).__name__, self._more_reductions)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error: ℓ = (x − y)² (see ``nn.functional.mse_loss``)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


def _weight_value(value: Any, name: str, where: str) -> Any:
    """A loss weight as its buffer holds it: None; a Tensor that requires grad as given (its
    gradient flows, as through PyTorch's buffer); else a copy, floating (an integer or bool
    weight becomes float64, so ``to()`` casts it and PyTorch's float weights load into it)."""
    if value is None:
        return None
    t = as_tensor(value, f"{where}: {name}")  # (refuses non-numeric data)
    if t.requires_grad:
        return t
    arr = np.array(t.data)  # a copy: the caller's array may change, the loss does not
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


class _WeightedLoss(_Loss):
    """A loss with weights kept as buffers (PyTorch's ``_WeightedLoss``)."""

    def _register_weight(self, name: str, value: Any) -> None:
        """Register buffer ``name`` holding ``value`` (see ``_weight_value``)."""
        self.register_buffer(name, None)
        # set after registering: the buffer keeps what it is given (a learnable Tensor too)
        setattr(self, name, _weight_value(value, name, type(self).__name__))


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy on logits, ℓ = (1 − y) x − log σ(x)
    (see ``nn.functional.binary_cross_entropy_with_logits``); ``weight`` and ``pos_weight``
    are buffers."""

    def __init__(self, weight: Any | None = None, reduction: str = "mean",
                 pos_weight: Any | None = None) -> None:
        super().__init__(reduction)
        self._register_weight("weight", weight)
        self._register_weight("pos_weight", pos_weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, pos_weight=self.pos_weight,
            reduction=self.reduction,
        )


def _class_weight(weight: Any, where: str) -> np.ndarray | None:
    """A per-class weight as a constant 1-d array (its length is checked at each call), of
    its own floating dtype (float32 stays float32; integers become float64)."""
    if weight is None:
        return None
    arr = as_tensor(weight, f"{where}: weight")
    if arr.ndim != 1:
        raise ValueError(f"{where}: weight must be 1-d, one number per class, got shape "
                         f"{arr.shape}")
    dt = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    return class_weight(weight, arr.shape[0], dt, where)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities: ℓ_n = −w_{y_n} x_n[y_n]
    (see ``nn.functional.nll_loss``; ``weight`` and ``ignore_index`` are keyword-only;
    ``weight`` is a buffer)."""

    def __init__(self, reduction: str = "mean", *, weight: Any = None,
                 ignore_index: int = -100) -> None:
        super().__init__(reduction)
        name = type(self).__name__
        self._register_weight("weight", _class_weight(weight, name))
        self.ignore_index = ignore_index_arg(ignore_index, name)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.nll_loss(input, target, self.reduction, weight=self.weight,
                          ignore_index=self.ignore_index)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, ignore_index={self.ignore_index}"


class CrossEntropyLoss(NLLLoss):
    """Softmax cross-entropy from logits with class or probability targets
    (see ``nn.functional.cross_entropy``; ``weight``, ``ignore_index`` and ``label_smoothing``
    are keyword-only)."""

    def __init__(self, reduction: str = "mean", *, weight: Any = None, ignore_index: int = -100,
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction, weight=weight, ignore_index=ignore_index)
        self.label_smoothing = smoothing(label_smoothing, type(self).__name__)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.cross_entropy(input, target, self.reduction, weight=self.weight,
                               ignore_index=self.ignore_index,
                               label_smoothing=self.label_smoothing)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, label_smoothing={self.label_smoothing}"


class SoftMarginLoss(_Loss):
    """Logistic loss for ±1 labels, ℓ = −log σ(y x); ``reduction="sum"`` is the notes'
    L(w, b) = −Σ log σ(y_n (w·x_n + b)) (see ``nn.functional.soft_margin_loss``)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.soft_margin_loss(input, target, self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities, ℓ = −w [y log x + (1 − y) log(1 − x)] with the
    logs floored at −100 (see ``nn.functional.binary_cross_entropy``); ``weight`` is a
    buffer."""

    def __init__(self, weight: Any | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._register_weight("weight", weight)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: ℓ = |x − y| (see ``nn.functional.l1_loss``)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """ℓ = ½ d²/β for |d| < β, else |d| − ½β (see ``nn.functional.smooth_l1_loss``)."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = check_real(beta, "beta", "SmoothL1Loss", 0.0)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.smooth_l1_loss(input, target, self.reduction, beta=self.beta)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, beta={self.beta}"


class HuberLoss(_Loss):
    """ℓ = ½ d² for |d| < δ, else δ (|d| − ½δ) (see ``nn.functional.huber_loss``)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = check_real(delta, "delta", "HuberLoss", 0.0, open_low=True)

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.huber_loss(input, target, self.reduction, delta=self.delta)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, delta={self.delta}"


class KLDivLoss(_Loss):
    """ℓ = y (log y − x) for log-probabilities x (see ``nn.functional.kl_div``);
    ``reduction="batchmean"`` gives the KL divergence per sample."""

    _more_reductions = ("batchmean",)

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction)
        self.log_target = check_flag(log_target, "log_target", "KLDivLoss")

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.kl_div(input, target, self.reduction, log_target=self.log_target)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, log_target={self.log_target}"


class CosineSimilarity(Module):
    """cos(x₁, x₂) along ``axis`` with norms clamped at ``eps``
    (see ``nn.functional.cosine_similarity``)."""

    @numpy_names
    def __init__(self, axis: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.axis = check_axis(axis, "CosineSimilarity")
        self.eps = check_real(eps, "eps", "CosineSimilarity", 0.0)

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return F.cosine_similarity(x1, x2, axis=self.axis, eps=self.eps)

    def extra_repr(self) -> str:
        return f"axis={self.axis}, eps={self.eps}"
