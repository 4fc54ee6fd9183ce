"""TransformerEncoderLayer and TransformerEncoder: PyTorch's encoder block (self-attention and a
feed-forward network, each in a residual branch with layer norm), with its parameter names;
and the checks and layer copies the decoder (``transformer_decoder``) shares."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from autograd_mini import Tensor, gelu, relu

from ._util import (
    as_tensor,
    check_flag,
    check_real,
    check_rng,
    check_size,
    float_dtype,
    positive_int,
)
from .containers import ModuleList
from .dropout import Dropout
from .layers import Linear
from .module import Module
from .multihead import MultiheadAttention
from .normalization import LayerNorm

__all__ = ["TransformerEncoder", "TransformerEncoderLayer"]

W = "TransformerEncoderLayer"
_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": relu, "gelu": gelu}


def activation_function(activation: Any, where: str) -> Callable[[Tensor], Tensor]:
    """``activation`` ("relu", "gelu" or a function of a Tensor) as a function."""
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"{where}: activation must be 'relu', 'gelu' or a function, got "
                             f"{activation!r}")
        return _ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(f"{where}: activation must be 'relu', 'gelu' or a function, got "
                        f"{type(activation).__name__}")
    return activation


def check_heads(d_model: Any, nhead: Any, where: str) -> tuple[int, int]:
    """(d_model, nhead) as positive ints, d_model a multiple of nhead."""
    d, h = positive_int(d_model, "d_model", where), positive_int(nhead, "nhead", where)
    if d % h:
        raise ValueError(f"{where}: d_model {d} is not divisible by nhead {h}")
    return d, h


class LayerArgs(NamedTuple):
    """An encoder or decoder layer's constructor arguments, checked (``check_layer_args``)."""

    d_model: int
    nhead: int
    dim_feedforward: int
    dropout: float
    activation: Callable[[Tensor], Tensor]
    layer_norm_eps: float
    batch_first: bool
    norm_first: bool
    bias: bool
    dtype: np.dtype


def check_layer_args(where: str, d_model: Any, nhead: Any, dim_feedforward: Any,
                     dropout: Any, activation: Any, layer_norm_eps: Any, batch_first: Any,
                     norm_first: Any, bias: Any, rng: Any, dtype: Any) -> LayerArgs:
    """A Transformer layer's arguments checked under the layer's name ``where`` and PyTorch's
    argument names (not those of the ``MultiheadAttention``, ``Linear`` and ``LayerNorm`` it
    builds)."""
    d_model, nhead = check_heads(d_model, nhead, where)
    dim_feedforward = positive_int(dim_feedforward, "dim_feedforward", where)
    dropout = check_real(dropout, "dropout", where, 0.0, 1.0)
    act = activation_function(activation, where)
    batch_first = check_flag(batch_first, "batch_first", where)
    norm_first = check_flag(norm_first, "norm_first", where)
    bias = check_flag(bias, "bias", where)
    if rng is not None:
        check_rng(rng, where)
    dt = float_dtype(dtype, where)
    layer_norm_eps = check_real(layer_norm_eps, "layer_norm_eps", where, 0.0, open_low=True)
    check_size((dim_feedforward, d_model), dt, where)  # (named here, not by its Linear)
    return LayerArgs(d_model, nhead, dim_feedforward, dropout, act, layer_norm_eps,
                     batch_first, norm_first, bias, dt)


def check_stack(where: str, layer_name: str, layer: Any, num_layers: Any, norm: Any) -> int:
    """An encoder or decoder stack's ``num_layers`` as an int, after checking that the layer
    (argument ``layer_name``) and ``norm`` (or None) are Modules."""
    if not isinstance(layer, Module):
        raise TypeError(f"{where}: {layer_name} must be a Module, got {type(layer).__name__}")
    if norm is not None and not isinstance(norm, Module):
        raise TypeError(f"{where}: norm must be a Module or None, got {type(norm).__name__}")
    return positive_int(num_layers, "num_layers", where)


def check_copies(layer: Module, n: int, name: str, where: str) -> int:
    """``n`` (argument ``name``) if ``n`` copies of ``layer``'s parameters fit in an address
    space: 2**70 layers would otherwise be copied until memory runs out."""
    nbytes = n * sum(p.data.nbytes for p in layer.parameters())
    if nbytes > sys.maxsize:
        raise ValueError(f"{where}: {name}={n} copies of the layer would need {nbytes:.3g} "
                         "bytes, more than any memory holds")
    return n


def clones(layer: Module, n: int, where: str) -> list[Module]:
    """``n`` deep copies of ``layer`` that share its random generators (dropout's ``rng=``),
    as PyTorch's copies share its global one: copied generators would drop the same units in
    every layer."""
    if not isinstance(layer, Module):
        raise TypeError(f"{where}: the layer must be a Module, got {type(layer).__name__}")
    check_copies(layer, n, "num_layers", where)
    shared = {id(g): g for m in layer.modules() for g in vars(m).values()
              if isinstance(g, np.random.Generator)}
    return [copy.deepcopy(layer, dict(shared)) for _ in range(n)]


def check_sequences(where: str, d_model: int, batch_first: bool, **named: Any
                    ) -> tuple[list[Tensor], int | None]:
    """The ``named`` sequences as floating Tensors, all (B, L, E) (``batch_first``), all
    (L, B, E) or all unbatched (L, E), with E = ``d_model`` and one B; and B (None unbatched)."""
    ts = []
    for name, x in named.items():
        t = as_tensor(x, f"{where}: {name}")
        if t.dtype.kind != "f":
            raise TypeError(f"{where}: {name} must be floating point, got dtype {t.dtype}")
        ts.append(t)
    shapes = ", ".join(f"{name} {t.shape}" for name, t in zip(named, ts))
    layout = "(B, L, E)" if batch_first else "(L, B, E)"
    batches = {t.shape[0 if batch_first else 1] for t in ts if t.ndim == 3}
    if {t.ndim for t in ts} not in ({2}, {3}) or any(t.shape[-1] != d_model for t in ts) or \
            len(batches) > 1:
        raise ValueError(f"{where}(d_model={d_model}, batch_first={batch_first}): {shapes} must "
                         f"all be batched {layout} or all unbatched (L, E), with E = {d_model} "
                         "and the same batch size B")
    return ts, (batches.pop() if batches else None)


def check_masks(where: str, nhead: int, batch: int | None, n_q: int, n_k: int,
                mask: tuple[str, Any], padding: tuple[str, Any]) -> None:
    """Refuse an attention mask that is not (L, S) or (B·nhead, L, S), or a key padding mask
    that is not (B, S) ((S,) unbatched), naming the layer's argument (the dtypes are
    ``MultiheadAttention``'s to check)."""
    b = 1 if batch is None else batch
    for (name, m), expect in ((mask, ((n_q, n_k), (b * nhead, n_q, n_k))),
                              (padding, ((n_k,) if batch is None else (batch, n_k),))):
        if m is None:
            continue
        try:
            shape = m.shape if isinstance(m, Tensor) else np.shape(m)
        except ValueError:  # ragged: MultiheadAttention names it
            continue
        if tuple(shape) not in expect:
            raise ValueError(f"{where}: {name} of shape {tuple(shape)} does not fit (L={n_q}, "
                             f"S={n_k}, B={batch}, nhead={nhead}); expected "
                             + " or ".join(str(s) for s in expect))


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
        a = check_layer_args(W, d_model, nhead, dim_feedforward, dropout, activation,
                             layer_norm_eps, batch_first, norm_first, bias, rng, dtype)
        d, ff, dt = a.d_model, a.dim_feedforward, a.dtype
        # assignment order gives PyTorch's state_dict order
        self.self_attn = MultiheadAttention(d, a.nhead, bias=a.bias, batch_first=a.batch_first,
                                            dropout=a.dropout, rng=rng, dtype=dt)
        self.linear1 = Linear(d, ff, bias=a.bias, rng=rng, dtype=dt)
        self.dropout = Dropout(a.dropout, rng)
        self.linear2 = Linear(ff, d, bias=a.bias, rng=rng, dtype=dt)
        self.norm_first = a.norm_first
        self.norm1 = LayerNorm(d, a.layer_norm_eps, bias=a.bias, dtype=dt)
        self.norm2 = LayerNorm(d, a.layer_norm_eps, bias=a.bias, dtype=dt)
        self.dropout1 = Dropout(a.dropout, rng)
        self.dropout2 = Dropout(a.dropout, rng)
        self.activation = a.activation

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        """The layer's output, shaped as ``src``."""
        attn = self.self_attn
        (x,), b = check_sequences(W, attn.embed_dim, attn.batch_first, src=src)
        n = x.shape[1 if attn.batch_first and b is not None else 0]
        check_masks(W, attn.num_heads, b, n, n, ("src_mask", src_mask),
                    ("src_key_padding_mask", src_key_padding_mask))
        is_causal = check_flag(is_causal, "is_causal", W)
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
        where = "TransformerEncoder"
        n = check_stack(where, "encoder_layer", encoder_layer, num_layers, norm)
        check_flag(enable_nested_tensor, "enable_nested_tensor", where)
        check_flag(mask_check, "mask_check", where)
        self.layers = ModuleList(clones(encoder_layer, n, where))
        self.num_layers = n
        self.norm = norm

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Tensor:
        """Each layer's output feeds the next: x ← layerᵢ(x), then norm(x).
        ``is_causal=None`` (PyTorch's default, which there means "look at ``mask``") applies
        ``mask`` as given, as False does."""
        causal = False if is_causal is None else check_flag(is_causal, "is_causal",
                                                            "TransformerEncoder")
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=causal)
        return self.norm(x) if self.norm is not None else x
