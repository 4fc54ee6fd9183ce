"""nn.functional's attention, layer_norm, dropout and cosine_similarity against PyTorch 2.13
on identical float64 inputs (values and gradients to 1e-10) over drawn shapes and arguments,
with gradchecks, float32, extreme inputs and the error messages; ``compare`` and the drawing
helpers serve test_nn_functional_losses.py too."""

from __future__ import annotations

import inspect
import pickle
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import Tensor
from autograd_mini.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
F = nn.functional
TOL = 1e-10
REDUCTIONS = ("mean", "sum", "none")
RNG = np.random.default_rng


def compare(ours: Callable[..., Tensor], theirs: Callable[..., Any], args: Sequence[Any],
            wrt: Sequence[int] = (0,), seed: int = 0) -> Tensor:
    """Run ``ours`` on Tensors and ``theirs`` on torch tensors of the same float64 ``args``
    (arrays; ``wrt`` ones require grad), and compare the values and the gradients of
    ⟨u, out⟩ for a random u."""
    mine = [Tensor(a, requires_grad=i in wrt) if i in wrt else a for i, a in enumerate(args)]
    ref = [torch.tensor(a, requires_grad=i in wrt) if isinstance(a, np.ndarray) else a
           for i, a in enumerate(args)]
    out = ours(*mine)
    with warnings.catch_warnings():  # kl_div's "mean" warns in PyTorch
        warnings.simplefilter("ignore")
        expected = theirs(*ref)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=TOL, atol=TOL)
    if wrt:
        u = RNG(seed).normal(size=out.shape)
        (out * u).sum().backward()
        (expected * torch.tensor(u)).sum().backward()
        for i in wrt:
            got, want = mine[i].grad, ref[i].grad
            np.testing.assert_allclose(0.0 if got is None else got.data,
                                       0.0 if want is None else want.numpy(),
                                       rtol=TOL, atol=TOL, err_msg=f"gradient of input {i}")
    return out


def sub_shape(data: st.DataObject, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to ``shape``: leading axes dropped, some axes set to 1."""
    shape = shape[data.draw(st.integers(0, len(shape)), label="dropped axes"):]
    return tuple(1 if data.draw(st.booleans()) else n for n in shape)


def draw_case(data: st.DataObject) -> tuple[np.random.Generator, tuple[int, ...], str]:
    """A seeded generator, a small shape and a reduction."""
    rng = RNG(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3), label="shape"))
    return rng, shape, data.draw(st.sampled_from(REDUCTIONS), label="reduction")


# ----------------------------------------------------------------------------- attention
@given(data=st.data())
def test_attention_matches_pytorch(data: st.DataObject) -> None:
    rng = RNG(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    batch = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2), label="batch"))
    n_q, n_k, e, ev = (data.draw(st.integers(1, 4)) for _ in range(4))
    q = rng.normal(size=(*batch, n_q, e))
    k = rng.normal(size=(*sub_shape(data, batch), n_k, e))
    v = rng.normal(size=(*sub_shape(data, batch), n_k, ev))
    full = (*np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2]), n_q, n_k)
    kind = data.draw(st.sampled_from(["none", "causal", "bool", "float", "float-inf"]))
    # (not scale 0 with is_causal: PyTorch 2.13 gives NaN there, where the same causal mask
    # given as a bool attn_mask gives the softmax of equal scores, as this library does)
    scales = st.floats(-2.0, 2.0).filter(lambda s: s != 0.0 or kind != "causal")
    scale = data.draw(st.one_of(st.none(), scales), label="scale")
    mask_shape = sub_shape(data, full)
    mask: Any = None
    if kind == "bool":
        mask = np.asarray(rng.random(mask_shape) > 0.3)
        if mask.ndim >= 2 and data.draw(st.booleans(), label="a fully masked row"):
            mask[..., 0, :] = False
    elif kind.startswith("float"):
        mask = np.asarray(rng.normal(size=mask_shape))
        if kind == "float-inf":
            mask[rng.random(mask_shape) > 0.6] = -np.inf
    causal = kind == "causal"
    wrt = (0, 1, 2, 3) if kind.startswith("float") else (0, 1, 2)
    compare(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, m, is_causal=causal,
                                                              scale=scale),
            lambda a, b, c, m: TF.scaled_dot_product_attention(
                a, b, c, attn_mask=None if m is None else _torch_mask(m), is_causal=causal,
                scale=scale),
            [q, k, v, mask], wrt)


def _torch_mask(m: Any) -> Any:
    """A mask for PyTorch, which refuses a 0-d one and a 1-d bool one (IndexError): the same
    mask with leading axes of 1 up to two (it broadcasts alike)."""
    t = torch.as_tensor(m)
    return t.reshape((1,) * max(0, 2 - t.dim()) + tuple(t.shape))


def test_attention_gradcheck_first_and_second_order() -> None:
    rng = RNG(1)
    q, k, v = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 3))
    bias = rng.normal(size=(3, 4))
    for kw in ({"is_causal": True}, {"attn_mask": bias}, {"attn_mask": bias > 0, "scale": 0.3}):
        def f(a: Any, b: Any, c: Any, kw: dict[str, Any] = kw) -> Tensor:
            return F.scaled_dot_product_attention(a, b, c, **kw)
        assert gradcheck(f, [q, k, v])
        assert gradgradcheck(f, [q, k, v])
    assert gradcheck(lambda m: F.scaled_dot_product_attention(q, k, v, m), [bias])


def test_attention_fully_masked_rows_give_zeros_as_pytorch() -> None:
    rng = RNG(2)
    q = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    k, v = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    mask = np.ones((3, 4), dtype=bool)
    mask[1] = False
    out = F.scaled_dot_product_attention(q, k, v, mask)
    assert np.all(out.data[1] == 0.0) and np.all(np.isfinite(out.data))
    out.sum().backward()
    assert q.grad is not None and np.all(q.grad.data[1] == 0.0) and np.all(q.grad.data[0] != 0)
    for s in (0, 4):  # no keys at all (S = 0), and E = 0 (every score 0)
        args = [np.ones((3, 2)), np.ones((s, 2)), np.ones((s, 5))] if s == 0 else \
            [np.ones((3, 0)), np.ones((4, 0)), rng.normal(size=(4, 5))]
        compare(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, args, ())


def test_attention_at_extreme_scores_float32_and_dropout() -> None:
    rng = RNG(3)
    q, k, v = (np.where(rng.random((2, 3, 4)) > 0.5, 1000.0, -1000.0) for _ in range(3))
    out = compare(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True),
                  lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, is_causal=True),
                  [q, k, v], (0, 1, 2))
    assert np.all(np.isfinite(out.data))
    q32 = Tensor(q.astype(np.float32) / 1000, requires_grad=True)
    out32 = F.scaled_dot_product_attention(q32, k.astype(np.float32), v.astype(np.float32),
                                           rng.normal(size=(3, 3)).astype(np.float32))
    out32.sum().backward()
    assert out32.dtype == np.float32 and q32.grad is not None and q32.grad.dtype == np.float32
    plain = F.scaled_dot_product_attention(q, k, v).data
    one = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=RNG(7)).data
    np.testing.assert_array_equal(one, F.scaled_dot_product_attention(
        q, k, v, dropout_p=0.5, rng=RNG(7)).data)
    assert not np.allclose(one, plain)
    am.manual_seed(11)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.3).data
    am.manual_seed(11)
    np.testing.assert_array_equal(a, F.scaled_dot_product_attention(q, k, v, dropout_p=0.3).data)
    assert np.all(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).data == 0.0)
    gen = RNG(5)  # inverted scaling: the mean over many draws approaches the plain output
    mean = np.mean([F.scaled_dot_product_attention(q / 1000, k, v / 1000, dropout_p=0.5,
                                                   rng=gen).data for _ in range(400)], axis=0)
    np.testing.assert_allclose(mean, F.scaled_dot_product_attention(q / 1000, k, v / 1000).data,
                               atol=0.15)


def test_attention_refuses_bad_arguments() -> None:
    q, k, v = np.ones((2, 3)), np.ones((4, 3)), np.ones((4, 5))
    sdpa = F.scaled_dot_product_attention
    cases: list[tuple[type[Exception], str, Callable[[], Any]]] = [
        (ValueError, "attn_mask must be None when is_causal",
         lambda: sdpa(q, k, v, np.ones((2, 4), bool), is_causal=True)),
        (TypeError, "attn_mask must be bool", lambda: sdpa(q, k, v, np.ones((2, 4), int))),
        (ValueError, r"attn_mask of shape \(3, 4\) does not broadcast .* \(2, 4\)",
         lambda: sdpa(q, k, v, np.ones((3, 4), bool))),
        (ValueError, r"attn_mask of shape \(2, 2, 4\)", lambda: sdpa(q, k, v, np.ones((2, 2, 4)))),
        (ValueError, "query must have at least 2 dims", lambda: sdpa(np.ones(3), k, v)),
        (ValueError, r"query \(2, 3\), key \(4, 2\) and", lambda: sdpa(q, np.ones((4, 2)), v)),
        (ValueError, r"value \(3, 5\) do not fit", lambda: sdpa(q, k, np.ones((3, 5)))),
        (ValueError, "leading axes .* do not broadcast",
         lambda: sdpa(np.ones((2, 2, 3)), np.ones((3, 4, 3)), np.ones((3, 4, 5)))),
        (TypeError, "key must be floating", lambda: sdpa(q, np.ones((4, 3), int), v)),
        (ValueError, "scale must be a finite", lambda: sdpa(q, k, v, scale=np.inf)),
        (TypeError, "is_causal must be a bool", lambda: sdpa(q, k, v, is_causal=1)),  # type: ignore[arg-type]
        (ValueError, "dropout_p must be", lambda: sdpa(q, k, v, dropout_p=1.5)),
        (TypeError, "rng must be a numpy.random.Generator", lambda: sdpa(q, k, v, rng=3)),  # type: ignore[arg-type]
    ]
    for exc, pattern, call in cases:
        with pytest.raises(exc, match=f"scaled_dot_product_attention: (.* )?{pattern}"):
            call()


# ----------------------------------------------------------------------------- layer_norm, dropout
@given(data=st.data())
def test_layer_norm_matches_pytorch(data: st.DataObject) -> None:
    rng = RNG(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    lead = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2), label="lead"))
    norm = tuple(data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=2), label="norm"))
    affine = data.draw(st.sampled_from(["none", "weight", "bias", "both"]))
    eps = data.draw(st.sampled_from([1e-5, 1e-3, 0.5]))
    w = rng.normal(size=norm) if affine in ("weight", "both") else None
    b = rng.normal(size=norm) if affine in ("bias", "both") else None
    x = rng.normal(size=(*lead, *norm)) * 3 + 1
    wrt = (0, *(i for i, p in ((1, w), (2, b)) if p is not None))
    compare(lambda z, g, h: F.layer_norm(z, norm, g, h, eps),
            lambda z, g, h: TF.layer_norm(z, norm, g, h, eps), [x, w, b], wrt)


def test_layer_norm_gradcheck_float32_and_errors() -> None:
    rng = RNG(4)
    x, w, b = rng.normal(size=(3, 2, 4)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    assert gradcheck(lambda z, g, h: F.layer_norm(z, (2, 4), g, h), [x, w, b])
    assert gradgradcheck(lambda z, g: F.layer_norm(z, 4, g, None, 0.1), [x, w[0]])
    out = F.layer_norm(x.astype(np.float32) * 1000, 4)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, F.layer_norm(x * 1000, 4).data, atol=1e-5)
    with pytest.raises(ValueError, match=r"layer_norm: input of shape \(3, 2, 4\) does not end"):
        F.layer_norm(x, (3,))
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape .* \(4,\)"):
        F.layer_norm(x, 4, np.ones((1, 4)))
    with pytest.raises(TypeError, match="layer_norm: normalized_shape must be an int"):
        F.layer_norm(x, 4.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="layer_norm: input must be floating"):
        F.layer_norm(np.ones((2, 3), int), 3)
    with pytest.raises(ValueError, match="layer_norm: eps must be"):
        F.layer_norm(x, 4, eps=-1.0)


def test_dropout_uses_the_default_generator_without_rng() -> None:
    x = Tensor(RNG(5).normal(size=(50, 4)), requires_grad=True)
    am.manual_seed(3)
    a = F.dropout(x, 0.4)
    np.testing.assert_array_equal(a.data, F.dropout(x, 0.4, rng=RNG(3)).data)
    kept = a.data != 0
    assert 0.4 < kept.mean() < 0.8
    np.testing.assert_allclose(a.data[kept], x.data[kept] / 0.6, rtol=1e-15)
    assert F.dropout(x, 0.4, training=False) is x
    a.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, kept / 0.6)


# ----------------------------------------------------------------------------- cosine_similarity
@given(data=st.data())
def test_cosine_similarity_matches_pytorch(data: st.DataObject) -> None:
    rng, shape, _ = draw_case(data)
    a, b = rng.normal(size=shape), rng.normal(size=sub_shape(data, shape))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    eps = data.draw(st.sampled_from([1e-8, 1e-3, 0.5]), label="eps")
    tiny = data.draw(st.sampled_from([1.0, 1e-9, 0.0]), label="scale of some vectors")
    a[..., 0] *= tiny  # norms below eps (clamped) and zero vectors, where that axis is reduced
    compare(lambda x, y: F.cosine_similarity(x, y, axis, eps),
            lambda x, y: TF.cosine_similarity(x, y, axis, eps), [a, b], (0, 1))


def test_cosine_similarity_gradcheck_extremes_and_errors() -> None:
    rng = RNG(6)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    assert gradcheck(lambda x, y: F.cosine_similarity(x, y, axis=-1), [a, b])
    assert gradgradcheck(lambda x, y: F.cosine_similarity(x, y, axis=0), [a, a[::-1]])
    big = compare(lambda x, y: F.cosine_similarity(x, y), lambda x, y: TF.cosine_similarity(x, y),
                  [a * 1000, -a * 1000], (0, 1))
    np.testing.assert_allclose(big.data, -1.0, rtol=1e-15)
    huge = F.cosine_similarity(a * 1e200, a * 1e200)  # scaled before squaring: no overflow
    np.testing.assert_allclose(huge.data, 1.0, rtol=1e-15)
    assert F.cosine_similarity(a.astype(np.float32), b.astype(np.float32), 1).dtype == np.float32
    assert F.cosine_similarity(np.array([[1, 2]]), np.array([[2, 4]])).dtype == np.float64
    with pytest.raises(ValueError, match=r"cosine_similarity: x1 of shape \(3, 4\) and x2 .*"):
        F.cosine_similarity(a, np.ones(3))
    with pytest.raises(ValueError, match="cosine_similarity: axis 2 is out of range"):
        F.cosine_similarity(a, a, axis=2)
    with pytest.raises(ValueError, match="cosine_similarity: eps must be"):
        F.cosine_similarity(a, a, eps=-1.0)


def test_normalize_is_pytorchs_and_the_activations_are_here_too() -> None:
    """nn.functional.normalize is PyTorch's F.normalize (it was LayerNorm's private helper
    under that name); the activations and one_hot/pad a ported script calls as F.* exist."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=(3, 4))
    x[1] = 0.0  # a zero row: left at 0 (ε)
    for p, axis in ((2.0, 1), (1.0, 0), (3.0, -1), (np.inf, 1), (-np.inf, 0), (float("inf"), 0)):
        xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = nn.functional.normalize(xa, p=p, axis=axis), torch.nn.functional.normalize(
            xt, p=p, dim=axis)
        np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-15)
        g = np.random.default_rng(1).normal(size=x.shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        assert xa.grad is not None
        np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    with pytest.raises(TypeError, match="dim= is axis="):
        nn.functional.normalize(x, dim=1)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="normalize: p must be a finite number, got nan"):
        nn.functional.normalize(x, p=np.nan)  # (±∞ are the max- and min-norms, as PyTorch's)
    for name in ("gelu", "softmin", "softsign", "one_hot"):
        assert getattr(nn.functional, name) is getattr(am, name)
    z = am.Tensor([-2.0, -0.5, 0.5, 3.0], requires_grad=True)
    for name in ("silu", "elu", "selu", "celu", "hardtanh", "relu6", "hardsigmoid", "hardswish",
                 "mish", "relu", "leaky_relu"):  # PyTorch's functional forms take inplace=
        ours, plain = getattr(nn.functional, name), getattr(am, name)
        for inplace in (False, True):  # a new tensor either way, as the modules
            y = ours(z, inplace=inplace)
            np.testing.assert_array_equal(y.data, plain(z).data)
            assert y is not z and y.requires_grad
        np.testing.assert_array_equal(z.data, [-2.0, -0.5, 0.5, 3.0])
        with pytest.raises(TypeError, match=rf"nn.functional.{name}: inplace must be a bool"):
            ours(z, inplace="yes")
        assert pickle.loads(pickle.dumps(ours)) is ours  # a module-level function: picklable
        assert "inplace" in inspect.signature(ours).parameters  # PyTorch's signature
    assert nn.functional.pad is not am.pad  # PyTorch's pairs from the last axis; NumPy's there
