"""TransformerEncoderLayer and TransformerEncoder: PyTorch's encoder block (self-attention and a
feed-forward network, each in a residual branch with layer norm), with its parameter names."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_mini import Tensor, gelu, relu

from ._util import check_flag, check_real, positive_int
from .containers import ModuleList
from .dropout import Dropout
from .layers import Linear
from .module import Module
from .multihead import MultiheadAttention
from .normalization import LayerNorm

__all__ = ["TransformerEncoder", "TransformerEncoderLayer"]

W = "TransformerEncoderLayer"
_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": relu, "gelu": gelu}


class TransformerEncoderLayer(Module):
    """PyTorch's encoder layer. With a(x) the self-attention ``self_attn(x, x, x)`` and
    f(x) = linear2(dropout(act(linear1(x)))) the feed-forward network::

        post-norm (default):  x ← norm1(x + dropout1(a(x)));   x ← norm2(x + dropout2(f(x)))
        norm_first=True:      x ← x + dropout1(a(norm1(x)));   x ← x + dropout2(f(norm2(x)))

    ``activation`` is "relu", "gelu" or a function of a Tensor. Inputs are (B, L, E) with
    ``batch_first``, (L, B, E) without, or unbatched (L, E); ``src_mask``,
    ``src_key_padding_mask`` and ``is_causal`` mean what they mean to ``MultiheadAttention``
    (True in a bool mask: may NOT attend; ``is_causal=True`` builds the causal mask itself).
    Parameters and ``state_dict`` keys are PyTorch's (``self_attn.in_proj_weight``,
    ``linear1.weight``, ``norm1.weight``, …), so weights move either way.
    **Unlike PyTorch, ``batch_first`` defaults to True**, as ``MultiheadAttention``'s here.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Tensor], Tensor] = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = True,
                 norm_first: bool = False, bias: bool = True,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__()
        d_model = positive_int(d_model, "d_model", W)
        dim_feedforward = positive_int(dim_feedforward, "dim_feedforward", W)
        dropout = check_real(dropout, "dropout", W, 0.0, 1.0)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"{W}: activation must be 'relu', 'gelu' or a function, got "
                                 f"{activation!r}")
            activation = _ACTIVATIONS[activation]
        elif not callable(activation):
            raise TypeError(f"{W}: activation must be 'relu', 'gelu' or a function, got "
                            f"{type(activation).__name__}")
        # assignment order gives PyTorch's state_dict order
        self.self_attn = MultiheadAttention(d_model, nhead, bias=bias, batch_first=batch_first,
                                            dropout=dropout, rng=rng, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, rng=rng, dtype=dtype)
        self.dropout = Dropout(dropout, rng)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, rng=rng, dtype=dtype)
        self.norm_first = check_flag(norm_first, "norm_first", W)
        self.norm1 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, rng)
        self.dropout2 = Dropout(dropout, rng)
        self.activation = activation

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        """The layer's output, shaped as ``src``."""
        x = src if isinstance(src, Tensor) else Tensor(np.asarray(src))
        if self.norm_first:
            x = x + self._attend(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._attend(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x))

    def _attend(self, x: Tensor, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        out, _ = self.self_attn(x, x, x, key_padding_mask=padding, need_weights=False,
                                attn_mask=mask, is_causal=is_causal)
        return self.dropout1(out)

    def _feed_forward(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn (``layers``, a ModuleList:
    as in PyTorch, deep copies, so they start with the same weights), then ``norm`` if given.
    ``enable_nested_tensor`` and ``mask_check`` are accepted for PyTorch's code and change
    nothing here."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(f"TransformerEncoder: encoder_layer must be a Module, got "
                            f"{type(encoder_layer).__name__}")
        n = positive_int(num_layers, "num_layers", "TransformerEncoder")
        check_flag(enable_nested_tensor, "enable_nested_tensor", "TransformerEncoder")
        check_flag(mask_check, "mask_check", "TransformerEncoder")
        # deep copies that share the layer's random generators (dropout's rng=), as PyTorch's
        # layers share its global one: copied generators would drop the same units in every
        # layer
        shared = {id(g): g for m in encoder_layer.modules() for g in vars(m).values()
                  if isinstance(g, np.random.Generator)}
        self.layers = ModuleList([copy.deepcopy(encoder_layer, dict(shared)) for _ in range(n)])
        self.num_layers = n
        self.norm = norm

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        """Each layer's output feeds the next: x ← layerᵢ(x), then norm(x)."""
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=is_causal)
        return self.norm(x) if self.norm is not None else x
