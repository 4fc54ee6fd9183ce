"""Embedding and MultiheadAttention: PyTorch 2.13 agreement (outputs and every gradient, with
identical weights, float64), gradchecks, initialisation, dtypes and errors."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor, gradcheck, gradgradcheck
from nn.embedding import Embedding
from nn.multihead import MultiheadAttention

TOL = 1e-10


def _grad(t: Tensor) -> np.ndarray:
    g = t.grad
    assert g is not None
    return np.asarray(g.data if isinstance(g, Tensor) else g)


# ---------------------------------------------------------------------------- Embedding
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("idx_shape", [(7,), (3, 4), (2, 3, 5)])
def test_embedding_matches_torch(padding_idx: int | None, idx_shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    emb = Embedding(6, 4, padding_idx=padding_idx, rng=rng)
    ref = torch.nn.Embedding(6, 4, padding_idx=padding_idx, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(emb.weight.data))
    idx = rng.integers(0, 6, idx_shape)
    idx.flat[:3] = [2, 5, 2]  # repeated indices and the padding rows (2 and 5) appear
    g = rng.standard_normal((*idx_shape, 4))
    out = emb(idx)
    (out * g).sum().backward()
    t_out = ref(torch.tensor(idx))
    (t_out * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(_grad(emb.weight), ref.weight.grad.numpy(), rtol=0, atol=TOL)
    if padding_idx is not None:
        assert np.all(_grad(emb.weight)[padding_idx % 6] == 0.0)


def test_embedding_init_padding_and_stored_row() -> None:
    emb = Embedding(1000, 8, padding_idx=-2, rng=np.random.default_rng(1))
    assert emb.padding_idx == 998
    w = emb.weight.data
    assert np.all(w[998] == 0)
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1.0) < 0.02  # N(0, 1)
    emb.weight.data[998] = 3.0  # a changed padding row is returned as stored, gradient 0
    out = emb(np.array([998, 1]))
    np.testing.assert_array_equal(out.data[0], np.full(8, 3.0))
    out.sum().backward()
    assert np.all(_grad(emb.weight)[998] == 0) and np.all(_grad(emb.weight)[1] == 1)
    assert repr(emb) == "Embedding(1000, 8, padding_idx=998)  # weight (1000, 8): 8,000 parameters"


def test_embedding_gradcheck_and_dtype() -> None:
    # no padding_idx: its row's gradient is zero by design, not the true derivative
    emb = Embedding(5, 3, rng=np.random.default_rng(2))
    idx = np.array([[0, 1, 1], [4, 0, 2]])
    w0 = emb.weight.data.copy()
    del emb.weight  # (as in PyTorch: a parameter's name takes a Parameter until deleted)

    def f(w: Tensor) -> Tensor:
        emb.weight = w  # type: ignore[assignment]  # the checked input stands in for W
        return emb(idx)

    assert gradcheck(f, [w0])
    e32 = Embedding(5, 3, rng=np.random.default_rng(0), dtype=np.float32)
    out = e32(am.Tensor(np.array([1, 2], dtype=np.int32)))
    assert e32.weight.dtype == np.float32 and out.dtype == np.float32
    out.sum().backward()
    assert _grad(e32.weight).dtype == np.float32
    p32 = Embedding(5, 3, padding_idx=0, rng=np.random.default_rng(0), dtype=np.float32)
    assert p32(np.array([0, 1])).dtype == np.float32


@given(st.lists(st.integers(0, 4), min_size=1, max_size=6))
def test_embedding_gradient_counts_rows(indices: list[int]) -> None:
    emb = Embedding(5, 2, rng=np.random.default_rng(0))
    emb(np.array(indices)).sum().backward()
    counts = np.bincount(indices, minlength=5).astype(float)
    np.testing.assert_array_equal(_grad(emb.weight), np.repeat(counts[:, None], 2, axis=1))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, math.inf, 0.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_embedding_max_norm_rescales_the_rows_it_looks_up_in_place(norm_type: float,
                                                                    dtype: Any) -> None:
    rng = np.random.default_rng(1)
    table = (rng.standard_normal((8, 3)) * 2).astype(dtype)
    original = table.copy()
    idx = np.array([[0, 2, 2], [5, 0, 7]])
    emb = Embedding.from_pretrained(table, freeze=False, max_norm=1.5, norm_type=norm_type)
    out = emb(idx)
    norms = np.linalg.norm(table, ord=norm_type, axis=1)
    expect = table.copy()
    for r in np.unique(idx):  # only rows looked up, only those above max_norm
        if norms[r] > 1.5:
            expect[r] *= 1.5 / (norms[r] + 1e-7)
    np.testing.assert_allclose(emb.weight.data, expect, rtol=1e-6)
    np.testing.assert_allclose(out.data, expect[idx], rtol=1e-6)
    assert out.dtype == dtype and emb.weight.data.dtype == dtype
    out.sum().backward()  # the gradient is the lookup's (the rescaling is not recorded)
    counts = np.bincount(idx.ravel(), minlength=8).astype(dtype)
    np.testing.assert_array_equal(_grad(emb.weight), np.repeat(counts[:, None], 3, axis=1))
    np.testing.assert_array_equal(table, original)  # the caller's table is copied, not written


def test_embedding_max_norm_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    table = rng.standard_normal((10, 4)) * 2
    idx, g = rng.integers(0, 10, size=(5, 3)), rng.standard_normal((5, 3, 4))
    emb = Embedding.from_pretrained(table, freeze=False, max_norm=1.0, norm_type=3.0)
    ref = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=False, max_norm=1.0,
                                             norm_type=3.0)
    emb(idx).backward(g)
    ref(torch.tensor(idx)).backward(torch.tensor(g))
    np.testing.assert_allclose(emb.weight.data, ref.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(_grad(emb.weight), ref.weight.grad.numpy(), rtol=1e-12)


def test_embedding_max_norm_inf_changes_nothing_and_norm_type_0_counts_non_zeros() -> None:
    """Both were refused; PyTorch takes them (max_norm=inf: no row exceeds it)."""
    table = np.array([[3.0, 4.0], [0.0, 0.5]])
    emb = Embedding.from_pretrained(table, max_norm=math.inf)
    np.testing.assert_array_equal(emb(np.array([0, 1])).data, table)
    assert repr(emb).startswith("Embedding(2, 2, max_norm=inf)")
    emb = Embedding.from_pretrained(table, max_norm=1.0, norm_type=0.0)
    emb(np.array([0, 1]))  # row 0 has 2 non-zeros, row 1 one
    np.testing.assert_allclose(emb.weight.data, [[1.5, 2.0], [0.0, 0.5]], rtol=1e-6)


def test_embedding_max_norm_refuses_a_weight_a_live_graph_saved() -> None:
    emb = Embedding(4, 2, rng=np.random.default_rng(0), max_norm=0.1)
    tied = (am.Tensor(np.ones((1, 2))) @ emb.weight.T).sum()  # the matmul saved the weight
    before = emb.weight.data.copy()
    with pytest.raises(RuntimeError, match=r"Embedding\(max_norm=0.1\).*read-only.*backward"):
        emb(np.array([1]))
    np.testing.assert_array_equal(emb.weight.data, before)
    tied.backward()
    emb(np.array([1]))
    assert np.linalg.norm(emb.weight.data[1]) <= 0.1


def test_embedding_from_pretrained_is_frozen_by_default_and_keeps_the_table() -> None:
    table = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    emb = Embedding.from_pretrained(am.Tensor(table), padding_idx=0)
    assert not emb.weight.requires_grad and emb.weight.data.dtype == np.float32
    np.testing.assert_array_equal(emb(np.array([0, 2])).data, table[[0, 2]])  # row 0 as given
    assert repr(emb).startswith("Embedding(3, 2, padding_idx=0)")
    with pytest.raises(ValueError, match=r"from_pretrained: embeddings must be a 2-d float"):
        Embedding.from_pretrained(np.arange(3.0))
    with pytest.raises(TypeError, match=r"from_pretrained: freeze must be a bool"):
        Embedding.from_pretrained(table, freeze=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Embedding: max_norm must be a finite number > 0"):
        Embedding(3, 2, max_norm=0.0)


def test_embedding_errors() -> None:
    emb = Embedding(4, 2, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"Embedding: indices must be an integer array.*float"):
        emb(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"Embedding: index 4 is out of range \[0, 4\).*=4"):
        emb(np.array([1, 4]))
    with pytest.raises(ValueError, match=r"index -1 is out of range"):
        emb(np.array([-1]))
    with pytest.raises(ValueError, match="padding_idx 4 is out of range"):
        Embedding(4, 2, padding_idx=4)
    with pytest.raises(ValueError, match="num_embeddings"):
        Embedding(0, 2)
    with pytest.raises(TypeError, match="Embedding: dtype"):
        Embedding(3, 2, dtype=np.int64)


# ---------------------------------------------------------------------------- MultiheadAttention
def _pair(e: int, h: int, bias: bool, batch_first: bool) -> tuple[MultiheadAttention, Any]:
    torch = pytest.importorskip("torch")
    mha = MultiheadAttention(e, h, bias=bias, batch_first=batch_first,
                             rng=np.random.default_rng(e + h))
    ref = torch.nn.MultiheadAttention(e, h, bias=bias, batch_first=batch_first,
                                      dtype=torch.float64)
    # different values from the initialisation (biases are zero there)
    state = {k: np.random.default_rng(7).standard_normal(v.shape) * 0.5
             for k, v in mha.state_dict().items()}
    assert list(state) == list(ref.state_dict())
    mha.load_state_dict(state)
    ref.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    return mha, ref


CASES = [  # heads, bias, batch_first, self_attn, key_padding, attn_mask, need_w, average, batched
    *[(h, b, bf, sa, None, None, True, True, True)
      for h, b, bf, sa in itertools.product([1, 2, 4], *[[True, False]] * 3)],
    (2, True, True, False, "bool", None, True, True, True),
    (2, True, False, False, "float", None, True, False, True),
    (2, True, True, True, None, "bool2", True, True, True),
    (4, True, True, False, None, "float2", True, False, True),
    (2, False, True, False, None, "bool3", True, True, True),
    (2, True, False, False, None, "float3", True, True, True),
    (2, True, True, False, "bool", "bool2", True, False, True),
    (2, True, True, False, "float", "float3", True, True, True),
    (2, True, True, False, "bool", "bool2", False, True, True),
    (4, True, False, True, None, "float2", False, True, True),
    (1, True, True, False, None, None, False, True, True),
    (2, True, True, False, None, None, True, True, False),
    (2, True, True, True, "bool", "bool3", True, False, False),
    (2, False, True, False, "float", "float2", False, True, False),
    (2, True, False, False, None, "float2", True, True, False),
]


def _masks(rng: np.random.Generator, kind: str | None, shape: tuple[int, ...]) -> Any:
    if kind is None:
        return None
    if kind.startswith("float"):
        return rng.standard_normal(shape)
    m = rng.random(shape) < 0.4
    m[..., 0] = False  # every query keeps a key: PyTorch gives NaN for fully masked rows
    return m


def _same_grads(mha: Any, ref: Any, ours: list[Tensor], theirs: list[Any]) -> None:
    """Every parameter's and input's gradient equals PyTorch's (parameters by name)."""
    t_params = dict(ref.named_parameters())
    for name, p in mha.named_parameters():
        np.testing.assert_allclose(_grad(p), t_params[name].grad.numpy(), rtol=0, atol=TOL,
                                   err_msg=name)
    for x, tx in zip(ours, theirs):
        np.testing.assert_allclose(_grad(x), tx.grad.numpy(), rtol=0, atol=TOL)


@pytest.mark.parametrize("case", CASES)
def test_multihead_attention_matches_torch(case: tuple[Any, ...]) -> None:
    torch = pytest.importorskip("torch")
    h, bias, bf, self_attn, kpm_kind, am_kind, need_w, average, batched = case
    e, b, n_q, n_k = 8, 3, 4, 4 if self_attn else 5
    mha, ref = _pair(e, h, bias, bf)
    rng = np.random.default_rng(11)
    lead_q = ((b, n_q) if bf else (n_q, b)) if batched else (n_q,)
    lead_k = ((b, n_k) if bf else (n_k, b)) if batched else (n_k,)
    xs = [rng.standard_normal((*lead_q, e))]
    if not self_attn:
        xs += [rng.standard_normal((*lead_k, e)), rng.standard_normal((*lead_k, e))]
    kpm = _masks(rng, kpm_kind, (b, n_k) if batched else (n_k,))
    if kpm is not None and kpm.dtype == bool:
        kpm[..., 0] = False
    bb = b if batched else 1
    am_shape = (n_q, n_k) if am_kind is None or am_kind.endswith("2") else (bb * h, n_q, n_k)
    mask = _masks(rng, am_kind, am_shape)

    ours = [am.Tensor(x, requires_grad=True) for x in xs]
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    q, k, v = (ours * 3)[:3] if self_attn else ours
    tq, tk, tv = (theirs * 3)[:3] if self_attn else theirs
    out, w = mha(q, k, v, key_padding_mask=kpm, need_weights=need_w, attn_mask=mask,
                 average_attn_weights=average)
    t_out, t_w = ref(tq, tk, tv, key_padding_mask=None if kpm is None else torch.tensor(kpm),
                     need_weights=need_w, attn_mask=None if mask is None else torch.tensor(mask),
                     average_attn_weights=average)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=0, atol=TOL)
    g = rng.standard_normal(out.shape)
    loss, t_loss = (out * g).sum(), (t_out * torch.tensor(g)).sum()
    if need_w:
        assert w is not None and w.shape == tuple(t_w.shape)
        np.testing.assert_allclose(w.data, t_w.detach().numpy(), rtol=0, atol=TOL)
        gw = rng.standard_normal(w.shape)
        loss, t_loss = loss + (w * gw).sum(), t_loss + (t_w * torch.tensor(gw)).sum()
    else:
        assert w is None and t_w is None
    loss.backward()
    t_loss.backward()
    _same_grads(mha, ref, ours, theirs)


@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.sampled_from([1, 2, 3]),
       st.integers(1, 2), st.booleans())
def test_multihead_attention_shapes_match_torch(b: int, n_q: int, n_k: int, h: int, d: int,
                                                need_w: bool) -> None:
    torch = pytest.importorskip("torch")
    mha, ref = _pair(h * d, h, True, True)
    rng = np.random.default_rng(n_q * 7 + n_k)
    xs = [rng.standard_normal((b, n, h * d)) for n in (n_q, n_k, n_k)]
    ours = [am.Tensor(x, requires_grad=True) for x in xs]
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    out, _ = mha(*ours, need_weights=need_w)
    t_out, _ = ref(*theirs, need_weights=need_w)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=0, atol=TOL)
    g = rng.standard_normal(out.shape)
    (out * g).sum().backward()
    (t_out * torch.tensor(g)).sum().backward()
    for x, tx in zip(ours, theirs):
        np.testing.assert_allclose(_grad(x), tx.grad.numpy(), rtol=0, atol=TOL)


def test_multihead_attention_init_like_torch() -> None:
    e = 64
    mha = MultiheadAttention(e, 4, rng=np.random.default_rng(0))
    bound = math.sqrt(6.0 / (4 * e))
    assert mha.in_proj_weight is not None
    w = mha.in_proj_weight.data
    assert w.shape == (3 * e, e) and np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert mha.in_proj_bias is not None and np.all(mha.in_proj_bias.data == 0)
    assert mha.out_proj.bias is not None and np.all(mha.out_proj.bias.data == 0)
    wo = mha.out_proj.weight.data
    assert wo.shape == (e, e) and 0.95 / 8 < np.abs(wo).max() <= 1 / 8
    no_bias = MultiheadAttention(e, 4, bias=False, rng=np.random.default_rng(0))
    assert list(no_bias.state_dict()) == ["in_proj_weight", "out_proj.weight"]
    assert repr(no_bias).startswith("MultiheadAttention(")
    assert "embed_dim=64, num_heads=4, bias=False" in repr(no_bias)


def test_multihead_attention_is_causal_builds_mask() -> None:
    torch = pytest.importorskip("torch")
    mha, ref = _pair(4, 2, True, True)
    x = np.random.default_rng(3).standard_normal((2, 5, 4))
    causal = np.triu(np.ones((5, 5), dtype=bool), 1)  # True = not allowed
    for need_w in (True, False):
        out, _ = mha(x, x, x, is_causal=True, need_weights=need_w)
        t_out, _ = ref(*[torch.tensor(x)] * 3, attn_mask=torch.tensor(causal), is_causal=True,
                       need_weights=need_w)
        np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=0, atol=TOL)
    _, w = mha(x, x, x, is_causal=True)
    assert w is not None and np.all(w.data[:, np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]]
                                    == 0)


def test_multihead_attention_fully_masked_row_gives_zero_weights() -> None:
    mha = MultiheadAttention(4, 2, bias=False, rng=np.random.default_rng(0))
    x = am.Tensor(np.random.default_rng(1).standard_normal((1, 3, 4)), requires_grad=True)
    mask = np.zeros((3, 3), dtype=bool)
    mask[1] = True
    for need_w in (True, False):
        out, _ = mha(x, x, x, attn_mask=mask, need_weights=need_w)
        assert np.all(out.data[0, 1] == 0) and np.isfinite(out.data).all()
        out.sum().backward()
        assert np.isfinite(_grad(x)).all()
        x.grad = None


def test_multihead_attention_gradcheck_first_and_second_order() -> None:
    rng = np.random.default_rng(5)
    mha = MultiheadAttention(4, 2, rng=rng)
    mask = rng.standard_normal((3, 3))
    c = rng.standard_normal((2, 2, 3, 3))  # weighs the per-head weights (their rows sum to 1)

    def f(q: Tensor, kv: Tensor, w: Tensor, b: Tensor, wo: Tensor) -> Tensor:
        mha.in_proj_weight, mha.in_proj_bias = w, b  # type: ignore[assignment]
        mha.out_proj.weight = wo  # type: ignore[assignment]
        out, wts = mha(q, kv, kv, attn_mask=mask, average_attn_weights=False)
        return out + (wts * c).sum(axis=(1, 3))[..., None]

    assert mha.in_proj_weight is not None
    args = [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)),
            mha.in_proj_weight.data.copy(), rng.standard_normal(12) * 0.1,
            mha.out_proj.weight.data.copy()]
    del mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight  # (then Tensors may stand in)
    assert gradcheck(f, args)
    small = [rng.standard_normal((1, 2, 4)), rng.standard_normal((1, 3, 4))]
    mask = rng.standard_normal((2, 3))

    def g(q: Tensor, kv: Tensor) -> Tensor:
        return mha(q, kv, kv, attn_mask=mask, need_weights=False)[0]

    assert gradcheck(g, small)
    assert gradgradcheck(g, small)


def test_multihead_attention_float32_and_dropout() -> None:
    mha = MultiheadAttention(4, 2, dropout=0.5, rng=np.random.default_rng(0), dtype=np.float32)
    x = am.Tensor(np.ones((2, 3, 4), dtype=np.float32))
    for need_w in (True, False):
        out, _ = mha(x, x, x, need_weights=need_w)
        assert out.dtype == np.float32
    out.sum().backward()
    assert all(_grad(p).dtype == np.float32 for p in mha.parameters())
    mha.eval()
    a, _ = mha(x, x, x)
    b, _ = mha(x, x, x)
    np.testing.assert_array_equal(a.data, b.data)


def test_multihead_attention_errors() -> None:
    with pytest.raises(ValueError, match="embed_dim 6 is not divisible by num_heads 4"):
        MultiheadAttention(6, 4)
    mha = MultiheadAttention(4, 2, rng=np.random.default_rng(0))
    x = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"MultiheadAttention\(embed_dim=4\).*\(2, 3, 5\)"):
        mha(x, np.zeros((2, 3, 5)), np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match=r"3-d .* or 2-d"):
        mha(np.zeros(4), np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="different batch sizes"):
        mha(x, np.zeros((1, 3, 4)), np.zeros((1, 3, 4)))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(3, 2\) does not fit"):
        mha(x, x, x, key_padding_mask=np.zeros((3, 2), dtype=bool))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 4\).*\(3, 3\) or \(4, 3, 3\)"):
        mha(x, x, x, attn_mask=np.zeros((3, 4), dtype=bool))
    with pytest.raises(TypeError, match=r"attn_mask must be bool .* or floating"):
        mha(x, x, x, attn_mask=np.zeros((3, 3), dtype=int))
    with pytest.raises(TypeError, match="query must be floating point"):
        mha(np.zeros((2, 3, 4), dtype=int), x, x)


@pytest.mark.parametrize(("kdim", "vdim", "bias", "need_w"), [
    (5, 3, True, True), (8, 3, False, False), (5, 8, True, False)])
def test_multihead_attention_with_kdim_and_vdim_matches_torch(kdim: int, vdim: int, bias: bool,
                                                              need_w: bool) -> None:
    """Cross-attention to features of other widths: PyTorch's separate q/k/v projections, with
    its parameter names (state_dict loads both ways), outputs and every gradient."""
    torch = pytest.importorskip("torch")
    e, h = 8, 2
    mha = MultiheadAttention(e, h, bias=bias, rng=np.random.default_rng(0), kdim=kdim,
                             vdim=vdim)
    ref = torch.nn.MultiheadAttention(e, h, bias=bias, batch_first=True, kdim=kdim, vdim=vdim,
                                      dtype=torch.float64)
    assert list(mha.state_dict()) == list(ref.state_dict())
    ref.load_state_dict({k: torch.tensor(v) for k, v in mha.state_dict().items()})
    assert mha.in_proj_weight is None and f"kdim={kdim}, vdim={vdim}" in repr(mha)
    bound = math.sqrt(6.0 / (e + kdim))  # Xavier, each projection on its own
    assert mha.k_proj_weight is not None and np.abs(mha.k_proj_weight.data).max() <= bound
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal((2, 4, e)), rng.standard_normal((2, 5, kdim)),
          rng.standard_normal((2, 5, vdim))]
    ours = [am.Tensor(x, requires_grad=True) for x in xs]
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    mask = np.tri(4, 5, dtype=bool) == 0  # True: not allowed
    out, _ = mha(*ours, attn_mask=mask, need_weights=need_w)
    t_out, _ = ref(*theirs, attn_mask=torch.tensor(mask), need_weights=need_w)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=0, atol=TOL)
    g = rng.standard_normal(out.shape)
    (out * g).sum().backward()
    (t_out * torch.tensor(g)).sum().backward()
    _same_grads(mha, ref, ours, theirs)
    with pytest.raises(ValueError, match=rf"kdim={kdim}, vdim={vdim}\): .* end in {e}, {kdim} "
                                         rf"and {vdim}"):
        mha(ours[0], ours[0], ours[0])
