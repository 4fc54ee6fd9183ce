"""Optimisers, learning-rate schedules, gradient clipping and optimiser checkpoints
(``optim.save``/``optim.load``) for autograd_mini Tensors."""

from __future__ import annotations

from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .checkpoint import load, save
from .clip import clip_grad_norm_, clip_grad_value_
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSProp
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSProp",
    "Rprop",
    "clip_grad_norm_",
    "clip_grad_value_",
    "load",
    "lr_scheduler",
    "save",
    "swa_utils",
]


def __getattr__(name: str) -> object:
    """Only reached for a missing name: say ours for a PyTorch spelling."""
    hint = (" (a PyTorch name): use optim.RMSProp, whose beta is PyTorch's alpha (default 0.9 "
            "here, 0.99 there) and whose eps sits inside the square root (g / √(v + ε), "
            "PyTorch: g / (√v + ε)): pass beta=0.99 and an eps near PyTorch's eps², e.g. 1e-16, "
            "to match it closely") if name == "RMSprop" else ""
    raise AttributeError(f"module 'optim' has no attribute {name!r}{hint}")
