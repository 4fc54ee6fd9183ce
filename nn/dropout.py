"""Dropout with inverted scaling, its masks drawn from a NumPy Generator (by default the one
``autograd_mini.manual_seed`` sets, looked up at each draw)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from autograd_mini import Tensor
from autograd_mini.checks import user_stacklevel

from ._util import as_tensor, check_flag, check_real, check_rng
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "dropout", "dropout_channels"]


def dropout(x: Any, p: float = 0.5, training: bool = True,
            rng: np.random.Generator | None = None, *, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 − p) (training only).

    The mask m ~ Bernoulli(1 − p) is a constant, so y = x ⊙ m / (1 − p) and x̄ = ȳ ⊙ m / (1 − p);
    E[y] = x. Outside training, or with p = 0, ``x`` is returned unchanged; p = 1 gives zeros.
    The mask comes from ``rng``, or from the default generator (``autograd_mini.manual_seed``)
    current at this call when ``rng`` is None. ``inplace`` is PyTorch's, keyword-only as in
    the Dropout module (PyTorch's fourth place is ``rng``'s here); the result is a new tensor
    either way, since the backward pass may need the input.
    """
    p = check_real(p, "p", "dropout", 0.0, 1.0)
    training = check_flag(training, "training", "dropout")
    check_flag(inplace, "inplace", "dropout")
    if isinstance(rng, (bool, np.bool_)):  # F.dropout(x, p, training, True): PyTorch's order
        raise TypeError(f"dropout: rng must be a numpy.random.Generator, got {rng!r}; "
                        "PyTorch's fourth argument is given here by keyword, inplace=...")
    x = as_tensor(x, "dropout")
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"dropout: input must be floating point, got dtype {x.dtype}")
    gen = check_rng(rng, "dropout")
    if p == 1.0:
        return x * np.zeros(x.shape, dtype=x.dtype)
    keep = gen.random(x.shape) >= p
    return x * (keep * (1.0 / (1.0 - p))).astype(x.dtype, copy=False)


class Dropout(Module):
    """Inverted dropout: in training zero each element with probability p and scale the others
    by 1 / (1 − p); in eval mode the identity.

    Masks come from ``rng`` (a Generator) when given. With ``rng=None`` each forward draws from
    the default generator current at that call, as PyTorch's Dropout does: ``manual_seed``
    after building the module still fixes its masks, and copies of the module share the stream.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None, *,
                 inplace: bool = False) -> None:
        super().__init__()
        self.p = check_real(p, "p", "Dropout", 0.0, 1.0)
        self.inplace = check_flag(inplace, "inplace", "Dropout")  # (PyTorch's: a new tensor)
        # None stays None: the default generator is looked up at draw time (manual_seed may
        # replace it after construction)
        self.rng: np.random.Generator | None = None if rng is None else check_rng(rng, "Dropout")

    def forward(self, x: Any) -> Tensor:
        return dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}" + (", inplace=True" if self.inplace else "")


def dropout_channels(x: Any, p: float = 0.5, training: bool = True,
                     rng: np.random.Generator | None = None, spatial: int = 2) -> Tensor:
    """Zero whole channels with probability p and scale the rest by 1 / (1 − p) (training
    only): ``x`` is (N, C, *S) or unbatched (C, *S) with ``spatial`` = len(S) axes; one mask
    m ~ Bernoulli(1 − p) per (sample, channel), y = x ⊙ m / (1 − p) (PyTorch's Dropout2d,
    Dropout1d)."""
    p = check_real(p, "p", "dropout", 0.0, 1.0)
    training = check_flag(training, "training", "dropout")
    x = as_tensor(x, "dropout")
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(f"Dropout{spatial}d: input must be (N, C, ...) or (C, ...) with "
                         f"{spatial} axes after C, got shape {x.shape}")
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"dropout: input must be floating point, got dtype {x.dtype}")
    mask_shape = x.shape[: x.ndim - spatial] + (1,) * spatial
    keep = check_rng(rng, "dropout").random(mask_shape) >= p
    return x * (keep * (0.0 if p == 1.0 else 1.0 / (1.0 - p))).astype(x.dtype, copy=False)


class Dropout2d(Dropout):
    """Channel dropout for (N, C, H, W) or (C, H, W) inputs: each channel of each sample is
    zeroed with probability p (the rest scaled by 1 / (1 − p)) in training; the identity in
    eval mode (PyTorch's ``Dropout2d``). A 3-d input is one unbatched image (C, H, W), the
    reading PyTorch announces; PyTorch 2.13 still reads it as (N, C, L) and warns on every
    call; this one warns where the readings differ, in training with p > 0 (for (N, C, L)
    batches, ``Dropout1d``)."""

    _spatial = 2

    def forward(self, x: Any) -> Tensor:
        if self._spatial == 2 and self.training and self.p > 0 and getattr(x, "ndim", 0) == 3:
            warnings.warn(f"Dropout2d: the 3-d input of shape {tuple(x.shape)} is read as one "
                          "unbatched image (C, H, W), so whole channels of it are zeroed; "
                          "PyTorch 2.13 reads it as a batch (N, C, L): for that, use "
                          "nn.Dropout1d", UserWarning, stacklevel=user_stacklevel())
        return dropout_channels(x, self.p, self.training, self.rng, self._spatial)


class Dropout1d(Dropout2d):
    """Channel dropout for (N, C, L) or (C, L) inputs (PyTorch's ``Dropout1d``)."""

    _spatial = 1

