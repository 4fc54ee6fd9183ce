"""MultiheadAttention: PyTorch's nn.MultiheadAttention (packed in-projection, same parameter
names, initialisation, masks and outputs), built on scaled_dot_product_attention."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_mini import Tensor, astype, matmul, reshape, transpose, where

from ._util import (
    as_tensor,
    check_flag,
    check_real,
    check_rng,
    check_size,
    float_dtype,
    positive_int,
)
from .attention import scaled_dot_product_attention, softmax_rows
from .dropout import dropout
from .layers import Linear, linear
from .members import empty_parameters
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention"]

W = "MultiheadAttention"


def _operand(x: Any, name: str) -> Tensor:
    t = as_tensor(x, f"{W}: {name}")
    if t.dtype.kind != "f":
        raise TypeError(f"{W}: {name} must be floating point, got dtype {t.dtype}")
    if t.ndim not in (2, 3):
        raise ValueError(f"{W}: {name} must be 3-d (batched) or 2-d (unbatched), got shape "
                         f"{t.shape}")
    return t


def _mask(mask: Tensor, name: str, expect: tuple[tuple[int, ...], ...],
          shape: tuple[int, ...], dtype: np.dtype) -> tuple[np.ndarray | None, Tensor | None]:
    """(allowed, added) for a bool mask (True = may NOT attend) or a float mask (added) of one
    of the ``expect`` shapes, reshaped to ``shape`` (which broadcasts to (B, H, L, S))."""
    if mask.dtype.kind not in "bf":
        raise TypeError(f"{W}: {name} must be bool (True = not allowed) or floating (added to "
                        f"the scores), got dtype {mask.dtype}")
    if mask.shape not in expect:
        raise ValueError(f"{W}: {name} of shape {mask.shape} does not fit; expected "
                         + " or ".join(str(s) for s in expect))
    if mask.dtype.kind == "b":
        return ~mask.data.reshape(shape), None
    return None, reshape(astype(mask, dtype) if mask.dtype != dtype else mask, shape)


def _swapaxes(x: Tensor, a: int, b: int) -> Tensor:
    axes = list(range(x.ndim))
    axes[a], axes[b] = b, a
    return transpose(x, tuple(axes))


class MultiheadAttention(Module):
    """y = concat_h(softmax(Q_h K_hᵀ / √d + M) V_h) W_oᵀ + b_o with Q = q W_qᵀ + b_q,
    K = k W_kᵀ + b_k, V = v W_vᵀ + b_v, d = embed_dim / num_heads (PyTorch's layer).

    Parameters (PyTorch's names, shapes and initialisation): ``in_proj_weight`` (3E, E) =
    [W_q; W_k; W_v], Xavier-uniform; ``in_proj_bias`` (3E,) zeros; ``out_proj`` a Linear(E, E)
    (weight U(−1/√E, 1/√E), bias zeros). ``bias=False`` drops both biases. Keys and values of
    other widths (``kdim``, ``vdim``, as PyTorch's: cross-attention to another model's
    features) get separate ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim) and
    ``v_proj_weight`` (E, vdim), each Xavier-uniform, and no ``in_proj_weight``. Inputs are
    (B, L, E) with ``batch_first`` (else (L, B, E)) or unbatched (L, E). **Unlike PyTorch,
    ``batch_first`` defaults to True**: a script ported from PyTorch that feeds (L, B, E) must
    pass ``batch_first=False``. Not supported: ``add_bias_kv``, ``add_zero_attn``.
    """

    def __init__(self, embed_dim: int, num_heads: int, bias: bool = True,
                 batch_first: bool = True, dropout: float = 0.0,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64, *,
                 kdim: int | None = None, vdim: int | None = None) -> None:
        super().__init__()
        self.embed_dim = positive_int(embed_dim, "embed_dim", W)
        self.num_heads = positive_int(num_heads, "num_heads", W)
        if self.embed_dim % self.num_heads:
            raise ValueError(f"{W}: embed_dim {embed_dim} is not divisible by num_heads "
                             f"{num_heads}")
        self.head_dim = self.embed_dim // self.num_heads
        bias = check_flag(bias, "bias", W)
        self.batch_first = check_flag(batch_first, "batch_first", W)
        self.dropout = check_real(dropout, "dropout", W, 0.0, 1.0)
        dt = float_dtype(dtype, W)
        gen = check_rng(rng, W)
        e = self.embed_dim
        self.kdim = e if kdim is None else positive_int(kdim, "kdim", W)
        self.vdim = e if vdim is None else positive_int(vdim, "vdim", W)
        check_size((3 * e, max(e, self.kdim, self.vdim)), dt, W)
        # assignment order gives PyTorch's state_dict order
        self.in_proj_weight: Parameter | None = None
        self.q_proj_weight: Parameter | None = None
        self.k_proj_weight: Parameter | None = None
        self.v_proj_weight: Parameter | None = None
        if self.kdim == self.vdim == e:
            bound = math.sqrt(6.0 / (4 * e))  # Xavier: fan_in E, fan_out 3E
            self.in_proj_weight = Parameter(gen.uniform(-bound, bound, (3 * e, e)).astype(dt))
        else:
            for name, d in (("q", e), ("k", self.kdim), ("v", self.vdim)):
                bound = math.sqrt(6.0 / (e + d))  # Xavier: fan_in d, fan_out E
                setattr(self, f"{name}_proj_weight",
                        Parameter(gen.uniform(-bound, bound, (e, d)).astype(dt)))
        self.in_proj_bias: Parameter | None = (
            Parameter(np.zeros(3 * e, dtype=dt)) if bias else None)
        empty_parameters(self, "in_proj_weight", "q_proj_weight", "k_proj_weight",
                         "v_proj_weight", "in_proj_bias")  # (slots, as PyTorch's)
        self.out_proj = Linear(e, e, bias=bias, rng=gen, dtype=dt)
        if self.out_proj.bias is not None:
            self.out_proj.bias.data[...] = 0.0
        # dropout masks: the caller's rng, or the default generator current at each forward
        self.rng: np.random.Generator | None = None if rng is None else gen

    def _project(self, x: Tensor, part: int) -> Tensor:
        """x W_partᵀ + b_part split into heads: (B, n, E) → (B, H, n, d)."""
        e = self.embed_dim
        w: Any = (self.in_proj_weight[part * e:(part + 1) * e] if self.in_proj_weight is not None
                  else (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)[part])
        b = None if self.in_proj_bias is None else self.in_proj_bias[part * e:(part + 1) * e]
        y = linear(x, w, b)
        bsz, n = x.shape[0], x.shape[1]
        return _swapaxes(reshape(y, (bsz, n, self.num_heads, self.head_dim)), 1, 2)

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True, is_causal: bool = False
                ) -> tuple[Tensor, Tensor | None]:
        """(output, attention weights or None).

        ``key_padding_mask`` (B, S) and ``attn_mask`` ((L, S) or (B·num_heads, L, S)) are bool
        — True means NOT allowed to attend (PyTorch's MultiheadAttention convention, the
        opposite of scaled_dot_product_attention's) — or float, added to the scores. Unlike
        PyTorch, where ``is_causal`` is only a hint that needs ``attn_mask``, ``is_causal=True``
        here builds the causal mask (query i sees keys j ≤ i) itself and combines it with any
        masks given. Weights are (B, L, S) averaged over heads (``average_attn_weights``) or
        (B, num_heads, L, S); a query that may attend to nothing gets zero weights and output
        before ``out_proj`` (PyTorch gives NaN there when it returns weights).
        """
        q_in, k_in, v_in = (_operand(query, "query"), _operand(key, "key"),
                            _operand(value, "value"))
        need_weights = check_flag(need_weights, "need_weights", W)
        average = check_flag(average_attn_weights, "average_attn_weights", W)
        is_causal = check_flag(is_causal, "is_causal", W)
        batched = q_in.ndim == 3
        e = self.embed_dim
        if k_in.ndim != q_in.ndim or v_in.ndim != q_in.ndim or \
                k_in.shape[:-1] != v_in.shape[:-1] or q_in.shape[-1] != e or \
                k_in.shape[-1] != self.kdim or v_in.shape[-1] != self.vdim:
            packed = self.in_proj_weight is not None
            dims = "" if packed else f", kdim={self.kdim}, vdim={self.vdim}"
            ends = f"{e}" if packed else f"{e}, {self.kdim} and {self.vdim}"
            raise ValueError(f"{W}(embed_dim={e}{dims}): query {q_in.shape}, key {k_in.shape} "
                             f"and value {v_in.shape} must all be 3-d or all 2-d, end in "
                             f"{ends}, and key and value must have the same batch and length")
        if not batched:
            q_in, k_in, v_in = (reshape(t, (1, *t.shape)) for t in (q_in, k_in, v_in))
        elif not self.batch_first:
            q_in, k_in, v_in = (_swapaxes(t, 0, 1) for t in (q_in, k_in, v_in))
        if q_in.shape[0] != k_in.shape[0]:
            raise ValueError(f"{W}: query and key have different batch sizes "
                             f"({q_in.shape[0]} and {k_in.shape[0]})")
        bsz, n_q, n_k, h = q_in.shape[0], q_in.shape[1], k_in.shape[1], self.num_heads
        q, k, v = self._project(q_in, 0), self._project(k_in, 1), self._project(v_in, 2)

        allowed: np.ndarray | None = None
        added: Tensor | None = None
        dt = q.dtype
        if key_padding_mask is not None:
            m = as_tensor(key_padding_mask, f"{W}: key_padding_mask")
            allowed, added = _mask(m, "key_padding_mask", ((bsz, n_k) if batched else (n_k,),),
                                   (bsz, 1, 1, n_k), dt)
        if attn_mask is not None:
            m = as_tensor(attn_mask, f"{W}: attn_mask")
            shape = (n_q, n_k) if m.ndim == 2 else (bsz, h, n_q, n_k)
            a, f = _mask(m, "attn_mask", ((n_q, n_k), (bsz * h, n_q, n_k)), shape, dt)
            if a is not None:
                allowed = a if allowed is None else allowed & a
            if f is not None:
                added = f if added is None else added + f
        if is_causal:
            tri = np.tri(n_q, n_k, dtype=bool)
            allowed = tri if allowed is None else allowed & tri

        p = self.dropout if self.training else 0.0
        weights: Tensor | None = None
        if need_weights:
            scores = matmul(q, _swapaxes(k, 2, 3)) * (1.0 / math.sqrt(self.head_dim))
            if allowed is not None:
                scores = where(allowed, scores, -np.inf)
            if added is not None:
                scores = scores + added
            weights = softmax_rows(scores)
            if p > 0.0:
                weights = dropout(weights, p, True, self.rng)
            out = matmul(weights, v)
        else:
            mask: Any = allowed if added is None else (
                added if allowed is None else where(allowed, added, -np.inf))
            out = scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p,
                                               rng=self.rng)
        out = self.out_proj(reshape(_swapaxes(out, 1, 2), (bsz, n_q, e)))
        if not batched:
            out = reshape(out, (n_q, e))
        elif not self.batch_first:
            out = _swapaxes(out, 0, 1)
        if weights is not None:
            if average:
                weights = weights.mean(axis=1)
            if not batched:
                weights = reshape(weights, weights.shape[1:])
        return out, weights

    def extra_repr(self) -> str:
        dims = ("" if self.in_proj_weight is not None
                else f", kdim={self.kdim}, vdim={self.vdim}")
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}{dims}, "
                f"bias={self.in_proj_bias is not None}, batch_first={self.batch_first}, "
                f"dropout={self.dropout}")
