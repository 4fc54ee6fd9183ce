"""Dropout with inverted scaling (elementwise, or of whole channels: ``dropout1d/2d/3d``) and
alpha dropout for SELU networks (``alpha_dropout``, ``feature_alpha_dropout``), as functions
and layers; masks are drawn from a NumPy Generator (by default the one
``autograd_mini.manual_seed`` sets, looked up at each draw)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from autograd_mini import Tensor
from autograd_mini.checks import user_stacklevel

from ._util import as_tensor, check_flag, check_real, check_rng
from .module import Module

__all__ = ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
           "FeatureAlphaDropout", "alpha_dropout", "dropout", "dropout1d", "dropout2d",
           "dropout3d", "dropout_channels", "feature_alpha_dropout"]

#: α' = −λα, the value SELU tends to for x → −∞ (λ, α: SELU's constants, PyTorch's)
SELU_NEGATIVE_LIMIT = -1.0507009873554804934 * 1.6732632423543772848


def _not_inplace(rng: Any, where: str) -> None:
    """Refuse a bool in ``rng``'s place: PyTorch's fourth argument is ``inplace``."""
    if isinstance(rng, (bool, np.bool_)):  # F.dropout(x, p, training, True): PyTorch's order
        raise TypeError(f"{where}: rng must be a numpy.random.Generator, got {rng!r}; "
                        "PyTorch's fourth argument is given here by keyword, inplace=...")


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
    _not_inplace(rng, "dropout")
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
        name = type(self).__name__
        self.p = check_real(p, "p", name, 0.0, 1.0)
        self.inplace = check_flag(inplace, "inplace", name)  # (PyTorch's: a new tensor)
        # None stays None: the default generator is looked up at draw time (manual_seed may
        # replace it after construction)
        self.rng: np.random.Generator | None = None if rng is None else check_rng(rng, name)

    def forward(self, x: Any) -> Tensor:
        return dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}" + (", inplace=True" if self.inplace else "")


def dropout_channels(x: Any, p: float = 0.5, training: bool = True,
                     rng: np.random.Generator | None = None, spatial: int = 2, *,
                     where: str | None = None) -> Tensor:
    """Zero whole channels with probability p and scale the rest by 1 / (1 − p) (training
    only): ``x`` is (N, C, *S) or unbatched (C, *S) with ``spatial`` = len(S) axes; one mask
    m ~ Bernoulli(1 − p) per (sample, channel), y = x ⊙ m / (1 − p) (PyTorch's Dropout2d,
    Dropout1d). Errors name ``where`` (default: the layer, ``Dropout{spatial}d``)."""
    where = where or f"Dropout{spatial}d"
    p = check_real(p, "p", where, 0.0, 1.0)
    training = check_flag(training, "training", where)
    x = as_tensor(x, where)
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(f"{where}: input must be (N, C, ...) or (C, ...) with "
                         f"{spatial} axes after C, got shape {x.shape}")
    if not training or p == 0.0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: input must be floating point, got dtype {x.dtype}")
    mask_shape = x.shape[: x.ndim - spatial] + (1,) * spatial
    keep = check_rng(rng, where).random(mask_shape) >= p
    return x * (keep * (0.0 if p == 1.0 else 1.0 / (1.0 - p))).astype(x.dtype, copy=False)


def _channel_dropout(input: Any, p: float, training: bool, rng: np.random.Generator | None,
                     inplace: bool, spatial: int, where: str, hint: str) -> Tensor:
    """``dropout_channels`` with the functional forms' checks, and Dropout2d's warning."""
    p = check_real(p, "p", where, 0.0, 1.0)
    training = check_flag(training, "training", where)
    check_flag(inplace, "inplace", where)
    _not_inplace(rng, where)
    x = as_tensor(input, where)
    if spatial == 2 and x.ndim == 3 and training and p > 0:  # (in eval: nothing to warn of)
        warnings.warn(f"{where}: the 3-d input of shape {x.shape} is read as one unbatched "
                      "image (C, H, W), so whole channels of it are zeroed; PyTorch 2.13 "
                      f"reads it as a batch (N, C, L): for that, use {hint}", UserWarning,
                      stacklevel=user_stacklevel())
    return dropout_channels(x, p, training, rng, spatial, where=where)


def dropout1d(input: Any, p: float = 0.5, training: bool = True,
              rng: np.random.Generator | None = None, *, inplace: bool = False) -> Tensor:
    """Channel dropout of (N, C, L) or unbatched (C, L) inputs, as PyTorch's ``F.dropout1d``:
    y = x ⊙ m / (1 − p), one m ~ Bernoulli(1 − p) per (sample, channel), in training only;
    ``inplace`` keyword-only (``rng`` in its place), a new tensor either way."""
    return _channel_dropout(input, p, training, rng, inplace, 1, "dropout1d", "")


def dropout2d(input: Any, p: float = 0.5, training: bool = True,
              rng: np.random.Generator | None = None, *, inplace: bool = False) -> Tensor:
    """Channel dropout of (N, C, H, W) or unbatched (C, H, W) inputs, as PyTorch's
    ``F.dropout2d`` (y = x ⊙ m / (1 − p), one m per (sample, channel), in training only). A
    3-d input is one image, as ``nn.Dropout2d`` reads it, with its warning (PyTorch 2.13
    reads (N, C, L)); other ranks raise (PyTorch warns that they are deprecated)."""
    return _channel_dropout(input, p, training, rng, inplace, 2, "dropout2d", "dropout1d")


def dropout3d(input: Any, p: float = 0.5, training: bool = True,
              rng: np.random.Generator | None = None, *, inplace: bool = False) -> Tensor:
    """Channel dropout of (N, C, D, H, W) or unbatched (C, D, H, W) inputs, as PyTorch's
    ``F.dropout3d`` (y = x ⊙ m / (1 − p), one m per (sample, channel), in training only);
    other ranks raise (PyTorch warns that they are deprecated)."""
    return _channel_dropout(input, p, training, rng, inplace, 3, "dropout3d", "")


class Dropout2d(Dropout):
    """Channel dropout for (N, C, H, W) or (C, H, W) inputs: each channel of each sample is
    zeroed with probability p (the rest scaled by 1 / (1 − p)) in training; the identity in
    eval mode (PyTorch's ``Dropout2d``). A 3-d input is one unbatched image (C, H, W), the
    reading PyTorch announces; PyTorch 2.13 still reads it as (N, C, L) and warns on every
    call; this one warns where the readings differ, in training with p > 0 (for (N, C, L)
    batches, ``Dropout1d``)."""

    _spatial = 2

    def forward(self, x: Any) -> Tensor:
        return _channel_dropout(x, self.p, self.training, self.rng, False, self._spatial,
                                type(self).__name__, "nn.Dropout1d")


class Dropout1d(Dropout2d):
    """Channel dropout for (N, C, L) or (C, L) inputs (PyTorch's ``Dropout1d``)."""

    _spatial = 1


class Dropout3d(Dropout2d):
    """Channel dropout for (N, C, D, H, W) or (C, D, H, W) inputs (PyTorch's ``Dropout3d``);
    other ranks raise (PyTorch warns that they are deprecated)."""

    _spatial = 3


def _alpha(input: Any, p: Any, training: Any, rng: Any, inplace: Any, where: str,
           feature: bool) -> Tensor:
    """Alpha dropout of elements (or, with ``feature``, of whole (sample, channel) slices)."""
    p = check_real(p, "p", where, 0.0, 1.0)
    training = check_flag(training, "training", where)
    check_flag(inplace, "inplace", where)
    _not_inplace(rng, where)
    x = as_tensor(input, where)
    if not training or p == 0.0 or x.size == 0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: input must be floating point, got dtype {x.dtype}")
    if feature and x.ndim < 2:
        raise ValueError(f"{where}: input must have at least 2 axes (N, C, *), got shape "
                         f"{x.shape}")
    gen = check_rng(rng, where)
    if p == 1.0:  # (every element dropped: a α' + b = 0, PyTorch's zeros)
        return x * np.zeros(x.shape, dtype=x.dtype)
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    keep = gen.random(shape) >= p
    a = ((1.0 - p) * (1.0 + p * SELU_NEGATIVE_LIMIT ** 2)) ** -0.5
    b = a * SELU_NEGATIVE_LIMIT * (1.0 - keep - p)  # b(m) = a α' (1 − m) − a α' p
    return x * (a * keep).astype(x.dtype) + b.astype(x.dtype)


def alpha_dropout(input: Any, p: float = 0.5, training: bool = False,
                  rng: np.random.Generator | None = None, *, inplace: bool = False) -> Tensor:
    """Alpha dropout (for SELU networks), as PyTorch's ``F.alpha_dropout`` (note its default
    ``training=False``): y = a (x ⊙ m + α' (1 − m)) + b with m ~ Bernoulli(1 − p) per element,
    α' = −λα ≈ −1.7581 (SELU's limit at −∞), a = ((1 − p)(1 + p α'²))^(−1/2) and b = −a α' p,
    so an input of mean 0 and variance 1 keeps them; x̄ = a ȳ ⊙ m. p = 1 gives zeros."""
    return _alpha(input, p, training, rng, inplace, "alpha_dropout", False)


def feature_alpha_dropout(input: Any, p: float = 0.5, training: bool = False,
                          rng: np.random.Generator | None = None, *,
                          inplace: bool = False) -> Tensor:
    """``alpha_dropout`` of whole channels: one m ~ Bernoulli(1 − p) per (sample, channel) of
    an (N, C, *) input, as PyTorch's ``F.feature_alpha_dropout`` (default
    ``training=False``)."""
    return _alpha(input, p, training, rng, inplace, "feature_alpha_dropout", True)


class AlphaDropout(Dropout):
    """``alpha_dropout`` in training, the identity in eval (PyTorch's ``AlphaDropout``):
    keeps the mean 0 and variance 1 of SELU activations; masks as ``Dropout``'s."""

    def forward(self, x: Any) -> Tensor:
        return _alpha(x, self.p, self.training, self.rng, False, "AlphaDropout", False)


class FeatureAlphaDropout(Dropout):
    """``feature_alpha_dropout`` in training (whole channels of (N, C, *) inputs), the
    identity in eval (PyTorch's ``FeatureAlphaDropout``)."""

    def forward(self, x: Any) -> Tensor:
        return _alpha(x, self.p, self.training, self.rng, False, "FeatureAlphaDropout", True)
