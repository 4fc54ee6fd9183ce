"""RMSNorm, LocalResponseNorm, ChannelShuffle, the channel and alpha dropouts, gumbel_softmax
and pdist against PyTorch 2.13: values and gradients (float64, tight), float32 kept, second
order where smooth, error messages, state_dict keys and reprs; the random ones by their
statistics and by the agreement of each output with its gradient."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from nn import functional as F

RNG = np.random.default_rng


def _torch() -> Any:
    return pytest.importorskip("torch")


def _compare(ours: Any, theirs: Any, inputs: list[np.ndarray], atol: float = 1e-12) -> None:
    """ours(*Tensors) and theirs(*torch tensors): equal values and gradients of a random
    upstream gradient."""
    torch = _torch()
    xs = [am.Tensor(a, requires_grad=True) for a in inputs]
    ts = [torch.tensor(a, requires_grad=True) for a in inputs]
    y, ty = ours(*xs), theirs(*ts)
    assert y.shape == tuple(ty.shape) and y.dtype == np.dtype(str(ty.dtype).split(".")[1])
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=atol, atol=atol)
    g = RNG(99).standard_normal(y.shape).astype(y.dtype)
    y.backward(g)
    ty.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        assert x.grad is not None and x.grad.dtype == x.dtype
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=atol, atol=atol)


# ---------------------------------------------------------------------------------- RMSNorm
@pytest.mark.parametrize("shape, normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4)),
                                               ((3, 4), 4), ((6,), (6,))])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_torch(shape: tuple[int, ...], normalized: Any, eps: Any) -> None:
    torch = _torch()
    rng = RNG(0)
    x = rng.standard_normal(shape) * 3
    ns = (normalized,) if isinstance(normalized, int) else normalized
    w = rng.standard_normal(ns)
    _compare(lambda a, b: F.rms_norm(a, normalized, b, eps),
             lambda a, b: torch.nn.functional.rms_norm(a, list(ns), b, eps), [x, w])
    _compare(lambda a: F.rms_norm(a, normalized, eps=eps),
             lambda a: torch.nn.functional.rms_norm(a, list(ns), eps=eps), [x])


@pytest.mark.parametrize("affine", [True, False])
def test_rms_norm_layer_state_dict_and_repr(affine: bool) -> None:
    torch = _torch()
    ours = nn.RMSNorm((3, 4), elementwise_affine=affine)
    theirs = torch.nn.RMSNorm((3, 4), elementwise_affine=affine, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.extra_repr() == theirs.extra_repr()
    if ours.weight is not None:
        assert np.array_equal(ours.weight.data, np.ones((3, 4)))
        ours.weight.data[...] = RNG(1).standard_normal((3, 4))
        theirs.load_state_dict({k: torch.tensor(np.asarray(v))
                                for k, v in ours.state_dict().items()})
    x = RNG(2).standard_normal((5, 3, 4))
    _compare(ours, theirs, [x])
    if ours.weight is not None:  # its gradient, of the same upstream gradient as in _compare
        assert ours.weight.grad is not None
        np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(),
                                   atol=1e-12)


def test_rms_norm_float32_eps_and_huge_values() -> None:
    torch = _torch()
    x = RNG(3).standard_normal((4, 6)).astype(np.float32) * 1e-3  # ε matters at this scale
    m = nn.RMSNorm(6, dtype=np.float32)
    t = torch.nn.RMSNorm(6, dtype=torch.float32)
    xt = am.Tensor(x, requires_grad=True)
    y = m(xt)
    y.sum().backward()
    assert y.dtype == np.float32 and xt.grad is not None and xt.grad.dtype == np.float32
    assert m.weight is not None and m.weight.grad is not None
    assert m.weight.grad.dtype == np.float32
    np.testing.assert_allclose(y.data, t(torch.tensor(x)).detach().numpy(), rtol=1e-5)
    # ε = None is the input dtype's machine epsilon, as PyTorch's (float32's here)
    ref = x / np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True)
                      + np.finfo(np.float32).eps)
    np.testing.assert_allclose(y.data, ref, rtol=1e-5)
    # huge values: PyTorch's squares overflow (NaN); these stay exact, without warnings
    for big in (1e200, 1e3, -1e300):
        v = am.Tensor(np.array([[big, -big, 0.5 * big]]), requires_grad=True)
        out = F.rms_norm(v, 3)
        out.backward(np.array([[1.0, 2.0, 3.0]]))
        np.testing.assert_allclose(out.data, np.sign(big) * np.array([[1, -1, 0.5]]) / 0.75 ** 0.5,
                                   rtol=1e-14)
        assert v.grad is not None and np.all(np.isfinite(v.grad.data))
    assert np.array_equal(F.rms_norm(np.zeros((2, 3)), 3).data, np.zeros((2, 3)))
    h = F.rms_norm(np.array([[6e4, -6e4]], np.float16), 2)  # (squared in float32)
    assert h.dtype == np.float16 and np.allclose(h.data, [[1, -1]], atol=1e-3)


def test_rms_norm_second_order_and_errors() -> None:
    x = RNG(4).standard_normal((3, 4))
    w = RNG(5).standard_normal(4)
    assert am.gradcheck(lambda a, b: F.rms_norm(a, 4, b, 1e-3), [x, w])
    assert am.gradgradcheck(lambda a, b: F.rms_norm(a, 4, b, 1e-3), [x, w])
    with pytest.raises(ValueError, match=r"rms_norm: input of shape \(3, 4\) does not end in "
                                         r"normalized_shape \(3,\)"):
        F.rms_norm(x, 3)
    with pytest.raises(ValueError, match=r"rms_norm: weight must have shape normalized_shape "
                                         r"\(4,\), got \(3,\)"):
        F.rms_norm(x, 4, np.ones(3))
    with pytest.raises(TypeError, match="rms_norm: input must be floating point, got dtype "
                                        "int64"):
        F.rms_norm(np.ones((2, 3), np.int64), 3)
    with pytest.raises(ValueError, match="RMSNorm: normalized_shape must not be empty"):
        nn.RMSNorm(())
    with pytest.raises(ValueError, match="RMSNorm: eps must be a finite number >= 0"):
        nn.RMSNorm(3, eps=-1.0)
    with pytest.raises(ValueError, match="RMSNorm: normalized_shape must be a positive int"):
        nn.RMSNorm((3, 0))


# ------------------------------------------------------------------------ LocalResponseNorm
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8])
@pytest.mark.parametrize("shape", [(2, 5, 3), (2, 6, 3, 2), (1, 4, 2, 2, 3), (1, 3, 2, 1, 2, 2)])
def test_local_response_norm_matches_torch(size: int, shape: tuple[int, ...]) -> None:
    torch = _torch()
    x = RNG(size).standard_normal(shape) * 3
    _compare(lambda a: F.local_response_norm(a, size, 0.3, 0.7, 2.0),
             lambda a: torch.nn.functional.local_response_norm(a, size, 0.3, 0.7, 2.0), [x])
    ours, theirs = nn.LocalResponseNorm(size), torch.nn.LocalResponseNorm(size)
    assert repr(ours) == repr(theirs)
    _compare(ours, theirs, [x * 100])


def test_local_response_norm_float32_second_order_and_errors() -> None:
    x = RNG(6).standard_normal((2, 5, 3))
    assert am.gradcheck(lambda a: F.local_response_norm(a, 3, 0.5, 0.6, 1.5), [x])
    assert am.gradgradcheck(lambda a: F.local_response_norm(a, 2, 0.5, 0.6, 1.5), [x])
    y = nn.LocalResponseNorm(3)(x.astype(np.float32) * 1000)  # ±1000: finite
    assert y.dtype == np.float32 and np.all(np.isfinite(y.data))
    with pytest.raises(ValueError, match=r"local_response_norm: expected input \(N, C, \*\) "
                                         r"with at least 3 axes, got shape \(2, 5\)"):
        F.local_response_norm(np.ones((2, 5)), 2)
    with pytest.raises(ValueError, match="LocalResponseNorm: size must be a positive int"):
        nn.LocalResponseNorm(0)
    with pytest.raises(TypeError, match="local_response_norm: beta must be a real number"):
        F.local_response_norm(x, 2, beta="a")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- ChannelShuffle
@pytest.mark.parametrize("shape, groups", [((2, 6, 3), 3), ((2, 6, 3, 2), 2),
                                           ((1, 8, 2, 2, 2), 4), ((2, 4, 3), 1)])
def test_channel_shuffle_matches_torch(shape: tuple[int, ...], groups: int) -> None:
    torch = _torch()
    x = RNG(7).standard_normal(shape)
    _compare(lambda a: F.channel_shuffle(a, groups),
             lambda a: torch.nn.functional.channel_shuffle(a, groups), [x])
    assert repr(nn.ChannelShuffle(groups)) == repr(torch.nn.ChannelShuffle(groups))
    y = nn.ChannelShuffle(groups)(x.astype(np.float32))
    assert y.dtype == np.float32


def test_channel_shuffle_errors() -> None:
    with pytest.raises(ValueError, match=r"channel_shuffle: the 4 channels \(axis 1\) of input "
                                         r"shape \(2, 4, 3\) must be divisible by groups 3"):
        F.channel_shuffle(np.ones((2, 4, 3)), 3)
    with pytest.raises(ValueError, match=r"channel_shuffle: input must have at least 3 axes"):
        F.channel_shuffle(np.ones((2, 4)), 2)
    with pytest.raises(ValueError, match="ChannelShuffle: groups must be a positive int"):
        nn.ChannelShuffle(0)


# ----------------------------------------------------------------------- channel dropouts
@pytest.mark.parametrize("fn, layer, shapes, bad", [
    (F.dropout1d, nn.Dropout1d, [(6, 40, 3), (40, 3)], (2, 3, 4, 5)),
    (F.dropout2d, nn.Dropout2d, [(6, 40, 3, 2)], (2, 3)),
    (F.dropout3d, nn.Dropout3d, [(6, 40, 3, 2, 2), (40, 2, 3, 2)], (2, 3, 4)),
])
def test_channel_dropout_masks_values_and_gradients(fn: Any, layer: Any,
                                                    shapes: list[tuple[int, ...]],
                                                    bad: tuple[int, ...]) -> None:
    for shape in shapes:
        x = am.Tensor(RNG(8).standard_normal(shape) + 5.0, requires_grad=True)
        y = fn(x, 0.25, rng=RNG(9))
        spatial = len(shape) - (2 if len(shape) == len(shapes[0]) else 1)
        kept = y.data != 0
        lead = (slice(None),) * (x.ndim - spatial) + (slice(0, 1),) * spatial
        assert np.array_equal(kept, np.broadcast_to(kept[lead], shape))  # whole channels
        assert 0.6 < kept.mean() < 0.9  # about 1 − p kept
        np.testing.assert_allclose(y.data, np.where(kept, x.data / 0.75, 0.0), rtol=1e-15)
        g = RNG(10).standard_normal(shape)
        y.backward(g)
        assert x.grad is not None
        np.testing.assert_allclose(x.grad.data, np.where(kept, g / 0.75, 0.0), rtol=1e-15)
        assert np.array_equal(fn(x, 0.25, rng=RNG(9)).data, y.data)  # rng: reproducible
        assert fn(x, 0.25, training=False) is x and fn(x, 0.0) is x
        assert np.array_equal(fn(x, 1.0, rng=RNG(0)).data, np.zeros(shape))
        m = layer(0.25, rng=RNG(9))
        assert np.array_equal(m(x).data, y.data)
        m.eval()
        assert np.array_equal(m(x).data, x.data)
        assert fn(x.data.astype(np.float32), 0.5, rng=RNG(0)).dtype == np.float32
    with pytest.raises(ValueError, match=rf"{fn.__name__}: input must be \(N, C, \.\.\.\) or "
                                         rf"\(C, \.\.\.\) .* got shape {re_shape(bad)}"):
        fn(np.ones(bad), 0.5)
    with pytest.raises(ValueError, match=rf"{layer.__name__}: input must be"):
        layer()(np.ones(bad))
    with pytest.raises(TypeError, match=rf"{fn.__name__}: rng must be a numpy.random.Generator"
                                        r".*inplace="):
        fn(np.ones(shapes[0]), 0.5, True, True)
    with pytest.raises(ValueError, match=rf"{fn.__name__}: p must be a finite number in"):
        fn(np.ones(shapes[0]), 1.5)


def re_shape(shape: tuple[int, ...]) -> str:
    return "\\" + str(shape)[:-1] + "\\)"


def test_dropout2d_reads_3d_as_one_image_and_warns() -> None:
    with pytest.warns(UserWarning, match=r"dropout2d: the 3-d input of shape \(8, 4, 5\) is "
                                         r"read as one unbatched image.*use dropout1d"):
        y = F.dropout2d(np.ones((8, 4, 5)), 0.5, rng=RNG(0))
    assert np.all(y.data == y.data[:, :1, :1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.dropout2d(np.ones((8, 4, 5)), 0.5, training=False)
        F.dropout2d(np.ones((8, 4, 5, 2)), 0.5, rng=RNG(0))


# --------------------------------------------------------------------------- alpha dropout
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_alpha_dropout_keeps_mean_and_variance(p: float) -> None:
    x = RNG(11).standard_normal(1_000_000)
    y = F.alpha_dropout(x, p, True, RNG(12)).data
    # standard errors ≈ 0.001 (mean) and 0.0015 (variance); a wrong a or b is off by > 0.05
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1.0) < 0.015
    z = F.feature_alpha_dropout(x.reshape(1000, 1000, 1), p, True, RNG(13)).data
    assert abs(z.mean()) < 0.01 and abs(z.var() - 1.0) < 0.015


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_values_match_torch(p: float) -> None:
    torch = _torch()
    torch.manual_seed(0)
    theirs = torch.nn.functional.alpha_dropout(torch.ones(20000, dtype=torch.float64), p, True)
    ours = F.alpha_dropout(np.ones(20000), p, True, RNG(0)).data
    np.testing.assert_allclose(np.unique(ours), np.unique(theirs.numpy()), rtol=1e-15)
    theirs = torch.nn.functional.feature_alpha_dropout(
        torch.zeros((500, 40, 3), dtype=torch.float64), p, True)
    ours = F.feature_alpha_dropout(np.zeros((500, 40, 3)), p, True, RNG(0)).data
    np.testing.assert_allclose(np.unique(ours), np.unique(theirs.numpy()), rtol=1e-15)
    assert np.all(ours == ours[:, :, :1])  # whole channels


def test_alpha_dropout_gradient_training_flag_and_errors() -> None:
    p = 0.3
    a = ((1 - p) * (1 + p * nn.dropout.SELU_NEGATIVE_LIMIT ** 2)) ** -0.5
    x = am.Tensor(RNG(14).standard_normal((50, 8, 2)), requires_grad=True)
    for fn, layer in ((F.alpha_dropout, nn.AlphaDropout), (F.feature_alpha_dropout,
                                                            nn.FeatureAlphaDropout)):
        x.grad = None
        y = fn(x, p, True, RNG(15))
        kept = ~np.isclose(y.data, a * nn.dropout.SELU_NEGATIVE_LIMIT * (1 - p), rtol=0,
                           atol=1e-14)
        np.testing.assert_allclose(y.data[kept], a * x.data[kept] - a *
                                   nn.dropout.SELU_NEGATIVE_LIMIT * p, rtol=1e-13)
        g = RNG(16).standard_normal(x.shape)
        y.backward(g)
        assert x.grad is not None
        np.testing.assert_allclose(x.grad.data, np.where(kept, a * g, 0.0), rtol=1e-15)
        assert fn(x, p) is x  # PyTorch's default: training=False
        assert np.array_equal(fn(x, 1.0, True).data, np.zeros(x.shape))
        m = layer(p, rng=RNG(15))
        assert np.array_equal(m(x).data, y.data)
        m.eval()
        assert m(x) is x
        assert fn(x.data.astype(np.float32), p, True).dtype == np.float32
    with pytest.raises(ValueError, match=r"feature_alpha_dropout: input must have at least 2 "
                                         r"axes \(N, C, \*\), got shape \(5,\)"):
        F.feature_alpha_dropout(np.ones(5), 0.5, True)
    with pytest.raises(ValueError, match="AlphaDropout: p must be a finite number in"):
        nn.AlphaDropout(1.5)
    with pytest.raises(TypeError, match="alpha_dropout: training must be a bool"):
        F.alpha_dropout(x, 0.5, 1)  # type: ignore[arg-type]


# -------------------------------------------------------------------------- gumbel_softmax
@pytest.mark.parametrize("axis, tau", [(-1, 1.0), (0, 0.5), (1, 2.0)])
@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_matches_torch_for_the_same_noise(axis: int, tau: float,
                                                         hard: bool) -> None:
    torch = _torch()
    logits = RNG(17).standard_normal((3, 4, 5))
    g = -np.log(RNG(18).standard_exponential(logits.shape))  # the noise rng=RNG(18) draws

    def theirs(t: Any) -> Any:
        soft = torch.softmax((t + torch.tensor(g)) / tau, dim=axis)
        if not hard:
            return soft
        index = soft.argmax(dim=axis, keepdim=True)
        one = torch.zeros_like(soft).scatter_(axis, index, 1.0)
        return one - soft.detach() + soft

    _compare(lambda t: F.gumbel_softmax(t, tau, hard, axis=axis, rng=RNG(18)), theirs,
             [logits])
    y = F.gumbel_softmax(logits, tau, hard, axis=axis, rng=RNG(18)).data
    if hard:
        assert set(np.unique(y)) <= {0.0, 1.0} and np.all(y.sum(axis) == 1)


def test_gumbel_softmax_samples_the_categorical_distribution() -> None:
    logits = np.array([1.0, 0.0, -1.0, 2.0])
    y = F.gumbel_softmax(np.broadcast_to(logits, (40000, 4)), hard=True, rng=RNG(19)).data
    p = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(y.mean(0), p, atol=0.01)  # the Gumbel-max trick
    big = F.gumbel_softmax(np.array([[1000.0, -1000.0]], np.float32), rng=RNG(0))
    assert big.dtype == np.float32 and np.array_equal(big.data, [[1.0, 0.0]])
    assert am.gradcheck(lambda t: F.gumbel_softmax(t, 0.7, rng=RNG(3)), [logits[None]])
    assert am.gradgradcheck(lambda t: F.gumbel_softmax(t, 0.7, rng=RNG(3)), [logits[None]])


def test_gumbel_softmax_errors() -> None:
    with pytest.raises(TypeError, match=r"^gumbel_softmax\(\) takes NumPy's keywords: dim= is "
                                        "axis="):
        F.gumbel_softmax(np.ones((2, 3)), dim=0)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="gumbel_softmax: tau must be a finite number > 0"):
        F.gumbel_softmax(np.ones((2, 3)), 0.0)
    with pytest.raises(TypeError, match="gumbel_softmax: logits must be floating point"):
        F.gumbel_softmax(np.ones((2, 3), np.int64))
    with pytest.raises(ValueError, match=r"gumbel_softmax: hard=True needs a non-empty axis 1 "
                                         r"for its argmax, got logits of shape \(2, 0\)"):
        F.gumbel_softmax(np.ones((2, 0)), hard=True)
    with pytest.raises(IndexError, match="non-zero size"):  # (torch refuses it too)
        _torch().nn.functional.gumbel_softmax(_torch().ones(2, 0), hard=True)
    assert F.gumbel_softmax(np.ones((2, 0)), axis=1).shape == (2, 0)  # (soft: empty, fine)
    assert F.gumbel_softmax(np.ones((0, 3)), hard=True).shape == (0, 3)
    x = am.Tensor(np.array(0.5), requires_grad=True)  # (0-d: one category, as torch's)
    y = F.gumbel_softmax(x, hard=True)
    y.backward()
    assert y.item() == 1.0 and x.grad is not None and x.grad.item() == 0.0


# ----------------------------------------------------------------------------------- pdist
@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, 0.0, math.inf])
@pytest.mark.parametrize("shape", [(5, 3), (1, 3), (4, 0), (2, 1)])
def test_pdist_matches_torch(p: float, shape: tuple[int, ...]) -> None:
    torch = _torch()
    x = RNG(20).standard_normal(shape)
    if shape[0] > 2 and shape[1] > 0:
        x[2] = x[0]  # a zero distance: gradient 0 there, as PyTorch's
        x[3, 0] = x[1, 0]  # a zero coordinate of a difference
    _compare(lambda t: F.pdist(t, p), lambda t: torch.nn.functional.pdist(t, p), [x])


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, math.inf])
def test_pdist_in_several_blocks_matches_torch(p: float, monkeypatch: Any) -> None:
    """Blocks of 2 rows (the last one shorter), with zero distances across blocks: the same
    values and gradients, and second order."""
    monkeypatch.setattr(nn.loss_distance, "PDIST_BLOCK", 6)
    torch = _torch()
    x = RNG(22).standard_normal((7, 3))
    x[5] = x[0]
    x[6, 1] = x[2, 1]
    _compare(lambda t: F.pdist(t, p), lambda t: torch.nn.functional.pdist(t, p), [x])
    if p == 2.0:
        assert am.gradgradcheck(lambda t: F.pdist(t, p), [x[:5]])


def test_pdist_never_holds_the_pairs_differences() -> None:
    """(800, 64): the N(N − 1)/2 × M differences take 164 MB; forward and backward stay far
    below (they are taken by blocks of rows, never all at once)."""
    import tracemalloc
    n, m = 800, 64
    x = am.Tensor(RNG(23).standard_normal((n, m)), requires_grad=True)
    tracemalloc.start()
    try:
        F.pdist(x, 1.0).sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < n * (n - 1) // 2 * m * 8 / 4, f"peak {peak / 1e6:.0f} MB"
    assert x.grad is not None and np.all(np.isfinite(x.grad.data))


def test_pdist_inf_ties_share_the_gradient() -> None:
    """p = ∞ with tied largest |differences|: ours gives each of the k tied coordinates
    sign · ḡ/k (a subgradient, the library's norm rule), torch each the full sign."""
    torch = _torch()
    x = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5], [2.0, 2.0, 2.0]])
    xa = am.Tensor(x, requires_grad=True)
    F.pdist(xa, math.inf).sum().backward()
    assert xa.grad is not None
    # pair (0, 1): d = (−1, 1, −0.5), two ties; pair (0, 2): d = (−2, −2, −2), three
    np.testing.assert_allclose(xa.grad.data[0], [-0.5 - 1 / 3, 0.5 - 1 / 3, -1 / 3],
                               rtol=1e-14)
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.pdist(xt, math.inf).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy()[0], [-2.0, 0.0, -1.0])


def test_pdist_order_float32_second_order_and_errors() -> None:
    x = RNG(21).standard_normal((6, 3))
    i, j = np.triu_indices(6, 1)
    np.testing.assert_allclose(F.pdist(x).data, np.linalg.norm(x[i] - x[j], axis=1),
                               rtol=1e-14)
    y = F.pdist(x.astype(np.float32) * 1000)
    assert y.dtype == np.float32 and np.all(np.isfinite(y.data))
    assert am.gradcheck(lambda t: F.pdist(t, 2.0), [x])
    assert am.gradgradcheck(lambda t: F.pdist(t, 3.0), [x])
    with pytest.raises(ValueError, match=r"pdist: input must be 2-d \(N, M\), got shape "
                                         r"\(2, 3, 4\)"):
        F.pdist(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="pdist: p must be a finite number >= 0, got -1"):
        F.pdist(x, -1)
    with pytest.raises(TypeError, match="pdist: input must be floating point"):
        F.pdist(np.ones((3, 2), np.int64))
