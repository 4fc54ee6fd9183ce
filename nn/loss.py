"""Loss modules wrapping ``nn.functional``'s losses, with a ``reduction`` of mean, sum or none."""

from __future__ import annotations

from typing import Any

from autograd_mini import Tensor

from . import functional as F
from ._util import as_tensor
from .module import Module

__all__ = ["BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss", "NLLLoss", "SoftMarginLoss"]


class _Loss(Module):
    """A loss called as ``loss(input, target)``; ``reduction`` is checked at construction."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = F.check_reduction(reduction, type(self).__name__)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Mean squared error: ℓ = (x − y)² (see ``nn.functional.mse_loss``)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits, ℓ = (1 − y) x − log σ(x)
    (see ``nn.functional.binary_cross_entropy_with_logits``)."""

    def __init__(self, weight: Any | None = None, reduction: str = "mean",
                 pos_weight: Any | None = None) -> None:
        super().__init__(reduction)
        for name, value in (("weight", weight), ("pos_weight", pos_weight)):
            if value is not None:
                arr = as_tensor(value, f"BCEWithLogitsLoss: {name}")
                if arr.dtype.kind not in "biuf":
                    raise TypeError(f"BCEWithLogitsLoss: {name} must be numeric, got "
                                    f"dtype {arr.dtype}")
        self.weight = weight
        self.pos_weight = pos_weight

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, pos_weight=self.pos_weight,
            reduction=self.reduction,
        )


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy from logits with class or probability targets
    (see ``nn.functional.cross_entropy``)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.cross_entropy(input, target, self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities: ℓ_n = −x_n[y_n]
    (see ``nn.functional.nll_loss``)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.nll_loss(input, target, self.reduction)


class SoftMarginLoss(_Loss):
    """Logistic loss for ±1 labels, ℓ = −log σ(y x); ``reduction="sum"`` is the notes'
    L(w, b) = −Σ log σ(y_n (w·x_n + b)) (see ``nn.functional.soft_margin_loss``)."""

    def forward(self, input: Any, target: Any) -> Tensor:
        return F.soft_margin_loss(input, target, self.reduction)
