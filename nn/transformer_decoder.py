"""TransformerDecoderLayer, TransformerDecoder and the whole encoder–decoder Transformer:
PyTorch's modules, with its parameter names (so ``state_dict`` keys move either way)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import Tensor

from ._util import check_flag, check_rng, float_dtype, positive_int
from .containers import ModuleList
from .dropout import Dropout
from .init import xavier_uniform_
from .layers import Linear
from .module import Module
from .multihead import MultiheadAttention
from .normalization import LayerNorm
from .transformer import (
    TransformerEncoder,
    TransformerEncoderLayer,
    check_copies,
    check_heads,
    check_layer_args,
    check_masks,
    check_sequences,
    check_stack,
    clones,
)

__all__ = ["Transformer", "TransformerDecoder", "TransformerDecoderLayer"]

W = "TransformerDecoderLayer"


class TransformerDecoderLayer(Module):
    """PyTorch's decoder layer. With s(x) the self-attention ``self_attn(x, x, x)``, c(x) the
    attention to the encoder's output ``multihead_attn(x, memory, memory)`` and
    f(x) = linear2(dropout(act(linear1(x)))) the feed-forward network::

        post-norm (default):  x ← norm1(x + dropout1(s(x)));  x ← norm2(x + dropout2(c(x)));
                              x ← norm3(x + dropout3(f(x)))
        norm_first=True:      x ← x + dropout1(s(norm1(x)));  x ← x + dropout2(c(norm2(x)));
                              x ← x + dropout3(f(norm3(x)))

    ``activation`` is "relu", "gelu" or a function of a Tensor. ``tgt`` is (B, T, E) with
    ``batch_first``, (T, B, E) without, or unbatched (T, E); ``memory`` likewise with its own
    length S. ``tgt_mask`` ((T, T) or (B·nhead, T, T)) and ``tgt_key_padding_mask`` ((B, T))
    mask the self-attention, ``memory_mask`` ((T, S) or (B·nhead, T, S)) and
    ``memory_key_padding_mask`` ((B, S)) the attention to ``memory``: bool (True = may NOT
    attend) or float (added to the scores), as ``MultiheadAttention``'s. ``tgt_is_causal=True``
    builds the causal mask itself (in PyTorch it is only a hint that needs ``tgt_mask``).
    Parameters and ``state_dict`` keys are PyTorch's (``self_attn.in_proj_weight``,
    ``multihead_attn.out_proj.weight``, ``linear1.weight``, ``norm3.bias``, …).
    **Unlike PyTorch, ``batch_first`` defaults to True**, as the encoder layer's and
    ``MultiheadAttention``'s here.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = True, norm_first: bool = False, bias: bool = True,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__()
        a = check_layer_args(W, d_model, nhead, dim_feedforward, dropout, activation,
                             layer_norm_eps, batch_first, norm_first, bias, rng, dtype)
        d, ff, dt = a.d_model, a.dim_feedforward, a.dtype
        # assignment order gives PyTorch's state_dict order
        self.self_attn = MultiheadAttention(d, a.nhead, bias=a.bias, batch_first=a.batch_first,
                                            dropout=a.dropout, rng=rng, dtype=dt)
        self.multihead_attn = MultiheadAttention(d, a.nhead, bias=a.bias,
                                                 batch_first=a.batch_first, dropout=a.dropout,
                                                 rng=rng, dtype=dt)
        self.linear1 = Linear(d, ff, bias=a.bias, rng=rng, dtype=dt)
        self.dropout = Dropout(a.dropout, rng)
        self.linear2 = Linear(ff, d, bias=a.bias, rng=rng, dtype=dt)
        self.norm_first = a.norm_first
        self.norm1 = LayerNorm(d, a.layer_norm_eps, bias=a.bias, dtype=dt)
        self.norm2 = LayerNorm(d, a.layer_norm_eps, bias=a.bias, dtype=dt)
        self.norm3 = LayerNorm(d, a.layer_norm_eps, bias=a.bias, dtype=dt)
        self.dropout1 = Dropout(a.dropout, rng)
        self.dropout2 = Dropout(a.dropout, rng)
        self.dropout3 = Dropout(a.dropout, rng)
        self.activation = a.activation

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        """The layer's output, shaped as ``tgt``."""
        attn = self.self_attn
        (x, mem), b = check_sequences(W, attn.embed_dim, attn.batch_first, tgt=tgt,
                                      memory=memory)
        axis = 1 if attn.batch_first and b is not None else 0
        n_t, n_s = x.shape[axis], mem.shape[axis]
        check_masks(W, attn.num_heads, b, n_t, n_t, ("tgt_mask", tgt_mask),
                    ("tgt_key_padding_mask", tgt_key_padding_mask))
        check_masks(W, attn.num_heads, b, n_t, n_s, ("memory_mask", memory_mask),
                    ("memory_key_padding_mask", memory_key_padding_mask))
        own = (tgt_mask, tgt_key_padding_mask, check_flag(tgt_is_causal, "tgt_is_causal", W))
        cross = (memory_mask, memory_key_padding_mask,
                 check_flag(memory_is_causal, "memory_is_causal", W))
        if self.norm_first:
            x = x + self.dropout1(self._attend(self.self_attn, self.norm1(x), None, *own))
            x = x + self.dropout2(self._attend(self.multihead_attn, self.norm2(x), mem, *cross))
            return x + self._feed_forward(self.norm3(x))
        x = self.norm1(x + self.dropout1(self._attend(self.self_attn, x, None, *own)))
        x = self.norm2(x + self.dropout2(self._attend(self.multihead_attn, x, mem, *cross)))
        return self.norm3(x + self._feed_forward(x))

    @staticmethod
    def _attend(attn: MultiheadAttention, x: Tensor, mem: Tensor | None, mask: Any,
                padding: Any, is_causal: bool) -> Tensor:
        kv = x if mem is None else mem
        out, _ = attn(x, kv, kv, key_padding_mask=padding, need_weights=False, attn_mask=mask,
                      is_causal=is_causal)
        return out

    def _feed_forward(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn, each attending to the same
    ``memory`` (``layers``, a ModuleList: as in PyTorch, deep copies, so they start with the
    same weights; they share the layer's random generator), then ``norm`` if given:
    x ← layerᵢ(x, memory), y = norm(x)."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        where = "TransformerDecoder"
        n = check_stack(where, "decoder_layer", decoder_layer, num_layers, norm)
        self.layers = ModuleList(clones(decoder_layer, n, where))
        self.num_layers = n
        self.norm = norm

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        """Each layer's output feeds the next. ``tgt_is_causal=None`` (PyTorch's default, which
        there means "look at ``tgt_mask``") applies ``tgt_mask`` as given."""
        causal = False if tgt_is_causal is None else tgt_is_causal
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=causal, memory_is_causal=memory_is_causal)
        return self.norm(x) if self.norm is not None else x


class Transformer(Module):
    """PyTorch's encoder–decoder model: y = decoder(tgt, encoder(src)), the ``encoder`` a
    ``TransformerEncoder`` of ``num_encoder_layers`` layers and a final LayerNorm
    (``encoder.norm``), the ``decoder`` a ``TransformerDecoder`` of ``num_decoder_layers``
    layers and ``decoder.norm`` (or ``custom_encoder`` / ``custom_decoder``, called with the
    same arguments). Every parameter with more than one axis (in a custom encoder or decoder
    too) is then redrawn Xavier-uniform from ``rng``, as PyTorch does, so unlike inside a
    bare TransformerEncoder the layers start different. ``state_dict`` keys are PyTorch's
    (``encoder.layers.0.self_attn.in_proj_weight``, …, ``decoder.norm.bias``).
    **Unlike PyTorch, ``batch_first`` defaults to True**, as the layers' here.
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", custom_encoder: Module | None = None,
                 custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = True, norm_first: bool = False, bias: bool = True,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__()
        where = "Transformer"
        d_model, nhead = check_heads(d_model, nhead, where)
        batch_first = check_flag(batch_first, "batch_first", where)
        gen = check_rng(rng, where)
        for name, custom, n in (("encoder", custom_encoder, num_encoder_layers),
                                ("decoder", custom_decoder, num_decoder_layers)):
            if custom is None:
                positive_int(n, f"num_{name}_layers", where)
            elif not isinstance(custom, Module):
                raise TypeError(f"{where}: custom_{name} must be a Module or None, got "
                                f"{type(custom).__name__}")
        layer: dict[str, Any] = dict(
            dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
            layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first,
            bias=bias, rng=rng, dtype=dtype)
        if custom_encoder is None:
            enc = _layer(TransformerEncoderLayer, d_model, nhead, layer, where)
            n = check_copies(enc, num_encoder_layers, "num_encoder_layers", where)
            custom_encoder = TransformerEncoder(enc, n, LayerNorm(d_model, layer_norm_eps,
                                                                 bias=bias, dtype=dtype))
        self.encoder: Module = custom_encoder
        if custom_decoder is None:
            dec = _layer(TransformerDecoderLayer, d_model, nhead, layer, where)
            n = check_copies(dec, num_decoder_layers, "num_decoder_layers", where)
            custom_decoder = TransformerDecoder(dec, n, LayerNorm(d_model, layer_norm_eps,
                                                                 bias=bias, dtype=dtype))
        self.decoder: Module = custom_decoder
        # PyTorch redraws every matrix, so the copied layers start different
        for p in self.parameters():
            if p.ndim > 1:
                xavier_uniform_(p, rng=gen)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src: Any, tgt: Any, src_mask: Any = None, tgt_mask: Any = None,
                memory_mask: Any = None, src_key_padding_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """decoder(tgt, memory) with memory = encoder(src): shaped as ``tgt``. ``src`` (B, S, E)
        and ``tgt`` (B, T, E) with ``batch_first`` ((S, B, E), (T, B, E) without, or both
        unbatched), E = d_model; the masks are the layers' (``src_mask`` (S, S),
        ``memory_mask`` (T, S), ``*_key_padding_mask`` (B, length)). ``*_is_causal=None``
        applies the masks as given."""
        (s, t), _ = check_sequences("Transformer", self.d_model, self.batch_first, src=src,
                                    tgt=tgt)
        memory = self.encoder(s, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=False if src_is_causal is None else src_is_causal)
        return self.decoder(t, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, dtype: Any = np.float64, *,
                                        device: Any = None) -> Tensor:
        """The (sz, sz) causal mask to add to attention scores: M[i, j] = −∞ for j > i, else 0
        (query i sees keys j ≤ i), as PyTorch's. ``device`` may be None or "cpu" (PyTorch's
        keyword: everything is on the CPU here)."""
        where = "Transformer.generate_square_subsequent_mask"
        if device is not None and str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"{where}: device={device!r:.40}: everything runs on the CPU "
                               "here (NumPy arrays)")
        n = positive_int(sz, "sz", where)
        return Tensor(np.triu(np.full((n, n), -np.inf, dtype=float_dtype(dtype, where)), 1))

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, nhead={self.nhead}, batch_first={self.batch_first}"


def _layer(cls: type[Module], d_model: int, nhead: int, options: dict[str, Any],
           where: str) -> Any:
    """``cls(d_model, nhead, **options)``; its refusal of an option says it came through
    ``where`` (a Transformer's dim_feedforward too large for memory names the Transformer)."""
    try:
        return cls(d_model, nhead, **options)  # type: ignore[call-arg]
    except (TypeError, ValueError, MemoryError) as exc:
        raise type(exc)(f"{where}: {exc}") from None

