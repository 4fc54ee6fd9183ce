"""Gradient clipping for optimiser loops: the functions of ``nn.utils.clip_grad`` (the same
objects, as ``torch.nn.utils.clip_grad_norm_`` is what PyTorch code calls), re-exported here."""

from __future__ import annotations

from nn.utils.clip_grad import (
    CLIP_EPS,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)

__all__ = ["CLIP_EPS", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm"]
