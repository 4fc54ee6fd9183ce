"""ConvTranspose3d / conv_transpose3d, AdaptiveAvgPool3d / AdaptiveMaxPool3d and their functional
forms, and interpolate / Upsample on 5-d input, against PyTorch 2.13 (float64, identical
weights): values and gradients for a random upstream gradient over a grid of options,
batched, unbatched and empty inputs, output_size, float32 kept, state_dict keys and loading
torch's, reprs, gradcheck / gradgradcheck, the adjoint identity with conv3d and the errors."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini import Tensor
from nn.conv3d import conv3d
from nn.conv_transpose3d import ConvTranspose3d, conv_transpose3d
from nn.pooling_adaptive3d import (
    AdaptiveAvgPool3d,
    AdaptiveMaxPool3d,
    adaptive_avg_pool3d,
    adaptive_max_pool3d,
)
from nn.upsample import Upsample, interpolate

torch = pytest.importorskip("torch")
F = torch.nn.functional
RNG = np.random.default_rng
TOL = 1e-10
pytestmark = pytest.mark.usefixtures("one_torch_thread")  # (tiny volumes)


def _close(a: Any, b: Any, atol: float = TOL) -> None:
    a = a.data if isinstance(a, Tensor) else a
    np.testing.assert_allclose(a, b.detach().numpy(), rtol=0, atol=atol)


def _grad(t: Tensor) -> np.ndarray:
    assert t.grad is not None
    return np.asarray(t.grad.data)


def _ct_against_torch(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, args: tuple[Any, ...],
                      rng: np.random.Generator) -> None:
    """conv_transpose3d(x, w, b, *args) and torch's: values, x̄, w̄ and b̄."""
    xa, wa = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ba = None if b is None else Tensor(b, requires_grad=True)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    y, yt = conv_transpose3d(xa, wa, ba, *args), F.conv_transpose3d(xt, wt, bt, *args)
    assert y.shape == tuple(yt.shape), args
    _close(y, yt)
    g = rng.normal(size=y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    _close(xa.grad, xt.grad)
    _close(wa.grad, wt.grad)
    if ba is not None and bt is not None:
        _close(ba.grad, bt.grad)


# ----------------------------------------------------------------- conv_transpose3d


@pytest.mark.parametrize("groups", [1, 2])
def test_conv_transpose3d_matches_torch_on_a_grid(groups: int) -> None:
    rng = RNG(groups)
    ran = refused = 0
    for k, s, p, op, d in itertools.product(
            [(1, 1, 1), (2, 3, 1), (3, 2, 2)], [1, 2, (3, 1, 2)], [0, 1, (2, 0, 1)], [0, 1],
            [1, (2, 1, 2)]):
        x = rng.normal(size=(2, 4, 3, 4, 3))
        w = rng.normal(size=(4, 6 // groups, *k))
        b = rng.normal(size=6) if ran % 2 else None
        args: tuple[Any, ...] = (s, p, op, groups, d)
        try:
            F.conv_transpose3d(torch.tensor(x), torch.tensor(w), None, *args)
        except RuntimeError:  # where torch refuses, ours does too
            with pytest.raises(ValueError, match=r"conv_transpose3d: (output_padding must be "
                                                 r"smaller|the input .* too small)"):
                conv_transpose3d(x, w, b, *args)
            refused += 1
            continue
        _ct_against_torch(x, w, b, args, rng)
        ran += 1
    assert ran > 60 and refused > 5


def test_conv_transpose3d_unbatched_empty_and_unreached_depths() -> None:
    rng = RNG(1)
    w, b = rng.normal(size=(3, 2, 2, 3, 2)), rng.normal(size=2)
    _ct_against_torch(rng.normal(size=(3, 4, 2, 3)), w, b, (2, 1, 1, 1, 1), rng)  # unbatched
    _ct_against_torch(rng.normal(size=(0, 3, 4, 2, 3)), w, b, (2, 1, 0, 1, 1), rng)  # N = 0
    # stride 3, padding 1, kernel depth 1: the input depths land on −1 and 2, outside the two
    # output depths: y is the bias alone, x̄ and w̄ are 0, as torch's
    w1 = rng.normal(size=(3, 2, 1, 2, 2))
    _ct_against_torch(rng.normal(size=(2, 3, 2, 3, 3)), w1, b, ((3, 1, 1), (1, 0, 0), 0, 1, 1),
                      rng)
    y = conv_transpose3d(Tensor(rng.normal(size=(2, 3, 2, 3, 3))), w1, None, (3, 1, 1),
                         (1, 0, 0))
    assert y.shape == (2, 2, 2, 4, 4) and not y.data.any()


def test_conv_transpose3d_is_the_adjoint_of_conv3d() -> None:
    rng = RNG(2)
    cases: list[tuple[Any, ...]] = [(1, 0, 1, 1), (2, 1, 1, 2),
                                    ((2, 1, 3), (1, 0, 2), (1, 2, 1), 1)]
    for s, p, d, g in cases:
        w = rng.normal(size=(4, 6 // g, 3, 2, 3))
        a = rng.normal(size=(2, 6, 7, 6, 9))
        ya = conv3d(a, w, None, s, p, d, g)
        x = rng.normal(size=ya.shape)
        # conv3d's input size is the transposed output's with output_padding 0 or the rest
        size = a.shape[2:]
        xt = conv_transpose3d(x, w, None, s, p, 0, g, d)
        op = tuple(n - m for n, m in zip(size, xt.shape[2:], strict=True))
        back = conv_transpose3d(x, w, None, s, p, op, g, d) if any(op) else xt
        assert back.shape == a.shape
        np.testing.assert_allclose(np.vdot(ya.data, x), np.vdot(a, back.data), rtol=1e-12)


def test_conv_transpose3d_gradcheck_and_gradgradcheck() -> None:
    rng = RNG(3)
    x, w, b = rng.normal(size=(1, 2, 2, 3, 2)), rng.normal(size=(2, 2, 2, 2, 2)), \
        rng.normal(size=4)

    def f(x: Any, w: Any, b: Any) -> Tensor:
        return conv_transpose3d(x, w, b, (2, 1, 2), (1, 0, 1), (1, 0, 1), 2, (1, 2, 1))

    assert am.gradcheck(f, [x, w, b])
    assert am.gradgradcheck(f, [x, w, b])


def test_conv_transpose3d_float32_stays_float32() -> None:
    rng = RNG(4)
    x = Tensor(rng.normal(size=(2, 2, 3, 3, 3)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.normal(size=(2, 3, 2, 2, 2)).astype(np.float32), requires_grad=True)
    y = conv_transpose3d(x, w, np.ones(3, np.float32), 2, 1, 1)
    y.backward(rng.normal(size=y.shape).astype(np.float32))
    assert y.dtype == _grad(x).dtype == _grad(w).dtype == np.float32
    ref = F.conv_transpose3d(torch.tensor(x.data), torch.tensor(w.data), torch.ones(3), 2, 1, 1)
    _close(y, ref, atol=1e-5)
    big = conv_transpose3d(np.full((1, 1, 2, 2, 2), 1000.0, np.float32),
                           np.full((1, 1, 2, 2, 2), -1000.0, np.float32))
    assert big.dtype == np.float32 and np.isfinite(big.data).all()


LAYER_OPTIONS: list[dict[str, Any]] = [
    {},
    {"stride": 2, "padding": 1, "output_padding": 1},
    {"stride": (2, 1, 3), "padding": (1, 0, 1), "dilation": (2, 1, 1), "groups": 2,
     "bias": False},
    {"stride": 3, "output_padding": (2, 0, 1), "groups": 4},
]


@pytest.mark.parametrize("options", LAYER_OPTIONS)
def test_conv_transpose3d_layer_matches_torch_with_its_state_dict(options: dict[str, Any]
                                                                  ) -> None:
    rng = RNG(5)
    layer = ConvTranspose3d(4, 8, (2, 3, 2), rng=rng, **options)
    ref = torch.nn.ConvTranspose3d(4, 8, (2, 3, 2), dtype=torch.float64, **options)
    assert list(layer.state_dict()) == list(ref.state_dict())
    assert [(n, v.shape) for n, v in layer.named_parameters()] == \
        [(n, tuple(v.shape)) for n, v in ref.named_parameters()]
    assert layer.extra_repr() == ref.extra_repr()
    assert repr(layer).startswith(repr(ref))  # (ours adds a comment: the parameters)
    # torch's weights loaded into ours, then values and every gradient
    layer.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
    x = rng.normal(size=(2, 4, 3, 4, 3))
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = layer(xa), ref(xt)
    _close(y, yt)
    g = rng.normal(size=y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    _close(xa.grad, xt.grad)
    for (name, mine), theirs in zip(layer.named_parameters(), ref.parameters(), strict=True):
        assert mine.grad is not None, name
        _close(mine.grad, theirs.grad)


def test_conv_transpose3d_initialisation_is_torchs_distribution() -> None:
    layer = ConvTranspose3d(4, 8, (2, 3, 4), groups=2, rng=RNG(6))
    bound = 1 / np.sqrt(4 * 2 * 3 * 4)  # fan_in = out/groups · KD·KH·KW, as torch's
    assert layer.bias is not None
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.8 * bound
    assert layer.weight.shape == (4, 4, 2, 3, 4) and layer.weight.dtype == np.float64
    assert ConvTranspose3d(2, 2, 1, dtype=np.float32).weight.dtype == np.float32
    assert nn.ConvTranspose3d is ConvTranspose3d
    assert nn.functional.conv_transpose3d is conv_transpose3d


def test_conv_transpose3d_output_size_picks_the_output_padding_as_torch() -> None:
    rng = RNG(7)
    layer = ConvTranspose3d(3, 2, 3, stride=(2, 3, 2), padding=1, dilation=(1, 1, 2), rng=rng)
    ref = torch.nn.ConvTranspose3d(3, 2, 3, stride=(2, 3, 2), padding=1, dilation=(1, 1, 2),
                                   dtype=torch.float64)
    ref.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    x = rng.normal(size=(2, 3, 3, 2, 3))
    for size in [(5, 4, 7), (6, 6, 8), [2, 2, 6, 5, 7], torch.Size([5, 6, 8])]:
        xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = layer(xa, output_size=size), ref(xt, output_size=size)
        _close(y, yt)
        g = rng.normal(size=y.shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        _close(xa.grad, xt.grad)
    with pytest.raises(ValueError, match=r"ConvTranspose3d: requested an output size of "
                                         r"\(7, 4, 7\), but valid sizes range from \(5, 4, 7\) "
                                         r"to \(6, 6, 8\)"):
        layer(x, output_size=(7, 4, 7))
    with pytest.raises(ValueError, match=r"ConvTranspose3d: output_size must be 3 or 5 ints"):
        layer(x, output_size=(5, 4))


def test_conv_transpose3d_errors_name_the_function_and_the_fault() -> None:
    x, w = np.zeros((1, 4, 2, 2, 2)), np.zeros((4, 3, 2, 2, 2))
    with pytest.raises(ValueError, match=r"conv_transpose3d: input must be 5-d .* got shape "
                                         r"\(4, 2, 2\)"):
        conv_transpose3d(np.zeros((4, 2, 2)), w)
    with pytest.raises(ValueError, match=r"conv_transpose3d: weight must be 5-d"):
        conv_transpose3d(x, np.zeros((4, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"conv_transpose3d: input of shape \(1, 5, 2, 2, 2\) "
                                         r"has 5 channels, the weight of shape "
                                         r"\(4, 3, 2, 2, 2\) expects 4"):
        conv_transpose3d(np.zeros((1, 5, 2, 2, 2)), w)
    with pytest.raises(ValueError, match=r"conv_transpose3d: groups=3 does not divide the 4"):
        conv_transpose3d(x, w, groups=3)
    with pytest.raises(ValueError, match=r"conv_transpose3d: output_padding must be smaller "
                                         r"than either stride or dilation"):
        conv_transpose3d(x, w, stride=(2, 1, 1), output_padding=(0, 1, 0))
    with pytest.raises(ValueError, match=r"conv_transpose3d: bias of shape \(2,\) does not "
                                         r"fit 3 output channels"):
        conv_transpose3d(x, w, np.zeros(2))
    with pytest.raises(ValueError, match=r"conv_transpose3d: stride must be an int >= 1 or a "
                                         r"tuple of 3"):
        conv_transpose3d(x, w, stride=(1, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"conv_transpose3d: the input of shape .* too small"):
        conv_transpose3d(x, w, padding=2)
    with pytest.raises(ValueError, match=r"ConvTranspose3d: only padding_mode='zeros'"):
        ConvTranspose3d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"ConvTranspose3d: groups=2 must divide "
                                         r"in_channels=3"):
        ConvTranspose3d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"ConvTranspose3d: kernel_size must be"):
        ConvTranspose3d(3, 4, (3, 3))
    with pytest.raises(ValueError, match=r"ConvTranspose3d: input of shape \(1, 2, 2, 2, 2\) "
                                         r"has 2 channels"):
        ConvTranspose3d(3, 4, 1)(np.zeros((1, 2, 2, 2, 2)))


# ----------------------------------------------------------------- adaptive 3-d pooling


SHAPES: list[Any] = [(2, 3, 4, 5, 6), (3, 7, 1, 5), (1, 2, 5, 3, 8)]
OUT_SIZES: list[Any] = [1, 2, (3, None, 4), (None, 2, None), (5, 7, 3), [8, 1, 9]]


@pytest.mark.parametrize("kind", ["avg", "max"])
def test_adaptive_pool3d_matches_torch(kind: str) -> None:
    rng = RNG(8)
    for shape, out in itertools.product(SHAPES, OUT_SIZES):
        x = rng.normal(size=shape)
        xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        if kind == "max":
            y, index = adaptive_max_pool3d(xa, out, return_indices=True)
            yt, it = F.adaptive_max_pool3d(xt, out, return_indices=True)
            assert index.dtype == np.int64
            np.testing.assert_array_equal(index.data, it.numpy())
        else:
            y, yt = adaptive_avg_pool3d(xa, out), F.adaptive_avg_pool3d(xt, out)
        assert y.shape == tuple(yt.shape), (shape, out)
        _close(y, yt, 1e-12)
        g = rng.normal(size=y.shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        _close(xa.grad, xt.grad, 1e-12)


def test_adaptive_pool3d_large_windows_routes_match_torch() -> None:
    """A volume of ≥ 2¹⁸ elements with few, uneven windows (the means by slices) and an
    uneven many-window axis (the gather of windows' cells)."""
    rng = RNG(9)
    x = rng.normal(size=(1, 2, 13, 100, 101))
    for out in [(3, 7, 5), (13, 30, 1)]:
        xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = adaptive_avg_pool3d(xa, out), F.adaptive_avg_pool3d(xt, out)
        _close(y, yt, 1e-12)
        g = rng.normal(size=y.shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        _close(xa.grad, xt.grad, 1e-12)


def test_adaptive_max_pool3d_ties_and_nan_as_torch() -> None:
    rng = RNG(10)
    x = rng.integers(0, 3, size=(2, 2, 5, 4, 6)).astype(np.float64)  # most windows tie
    x[0, 1, 2, 1, 3] = np.nan
    x[1, 0, 0, 0, 0] = np.nan
    x[1, 0, 1, 1, 1] = np.nan
    outs: list[Any] = [(2, 3, 4), (3, 2, 5), 1]
    for out in outs:
        xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (y, index), (yt, it) = adaptive_max_pool3d(xa, out, True), F.adaptive_max_pool3d(
            xt, out, True)
        np.testing.assert_array_equal(index.data, it.numpy())
        np.testing.assert_array_equal(y.data, yt.detach().numpy())  # (NaN where torch's is)
        g = rng.normal(size=y.shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        _close(xa.grad, xt.grad, 0)


def test_adaptive_pool3d_empty_batch_float32_and_layers() -> None:
    for fn, tfn in [(adaptive_avg_pool3d, F.adaptive_avg_pool3d),
                    (adaptive_max_pool3d, F.adaptive_max_pool3d)]:
        assert fn(np.zeros((0, 3, 4, 5, 6)), (2, None, 3)).shape == \
            tuple(tfn(torch.zeros(0, 3, 4, 5, 6), (2, None, 3)).shape)
        x = Tensor(RNG(11).normal(size=(2, 3, 4, 5)).astype(np.float32) * 1000,
                   requires_grad=True)
        y = fn(x, (3, 2, 4))
        y.sum().backward()
        assert y.dtype == _grad(x).dtype == np.float32
        _close(y, tfn(torch.tensor(x.data), (3, 2, 4)), 1e-3)
    _, index = adaptive_max_pool3d(np.zeros((0, 2, 3, 3, 3)), 2, True)
    assert index.shape == (0, 2, 2, 2, 2) and index.dtype == np.int64
    for ours, theirs in [(AdaptiveAvgPool3d(2), torch.nn.AdaptiveAvgPool3d(2)),
                         (AdaptiveAvgPool3d((2, None, 3)),
                          torch.nn.AdaptiveAvgPool3d((2, None, 3))),
                         (AdaptiveMaxPool3d([1, 2, 3], return_indices=True),
                          torch.nn.AdaptiveMaxPool3d([1, 2, 3], return_indices=True))]:
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == []
        v = RNG(12).normal(size=(2, 3, 4, 5, 6))
        mine, ref = ours(v), theirs(torch.tensor(v))
        if isinstance(mine, tuple):
            np.testing.assert_array_equal(mine[1].data, ref[1].numpy())
            _close(mine[0], ref[0], 1e-12)
        else:
            _close(mine, ref, 1e-12)
    assert nn.AdaptiveAvgPool3d is AdaptiveAvgPool3d and nn.AdaptiveMaxPool3d is AdaptiveMaxPool3d
    assert nn.functional.adaptive_avg_pool3d is adaptive_avg_pool3d
    assert nn.functional.adaptive_max_pool3d is adaptive_max_pool3d


def test_adaptive_pool3d_gradcheck_and_gradgradcheck() -> None:
    x = RNG(13).normal(size=(1, 2, 3, 4, 5))
    for f in (lambda t: adaptive_avg_pool3d(t, (2, 3, 2)),
              lambda t: adaptive_max_pool3d(t, (2, 3, 2))):
        assert am.gradcheck(f, [x])
        assert am.gradgradcheck(f, [x])


def test_adaptive_pool3d_errors() -> None:
    x = np.zeros((1, 2, 3, 4, 5))
    for fn in ("adaptive_avg_pool3d", "adaptive_max_pool3d"):
        f = getattr(nn.functional, fn)
        with pytest.raises(ValueError, match=fn + r": output_size must be an int >= 1 or a "
                                                  r"triple .* got \(2, 2\)"):
            f(x, (2, 2))
        with pytest.raises(ValueError, match=fn + r": output_size .* got 0"):
            f(x, 0)
        with pytest.raises(ValueError, match=fn + r": input must be 5-d \(N, C, D, H, W\) or "
                                                  r"4-d \(C, D, H, W\), got shape \(2, 3, 4\)"):
            f(np.zeros((2, 3, 4)), 2)
        with pytest.raises(ValueError, match=fn + r": input of shape \(1, 2, 0, 4, 5\) is "
                                                  r"empty"):
            f(np.zeros((1, 2, 0, 4, 5)), 2)
    with pytest.raises(TypeError, match=r"adaptive_max_pool3d: return_indices must be a bool"):
        adaptive_max_pool3d(x, 2, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"AdaptiveAvgPool3d: output_size must be"):
        AdaptiveAvgPool3d((1, 2, 3, 4))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"AdaptiveMaxPool3d: return_indices must be a bool"):
        AdaptiveMaxPool3d(2, "yes")  # type: ignore[arg-type]


# ----------------------------------------------------------------- interpolate on 5-d


def _torch_nearest_adjoint(x: np.ndarray, kwargs: dict[str, Any], g: np.ndarray) -> np.ndarray:
    """The adjoint of torch's nearest forward applied to g: torch's forward on the flat
    positions of x says where each output came from; g is added there. (PyTorch's own
    nearest backward in 5-d picks indices by other rules for some non-integer factors.)"""
    ramp = torch.arange(x.size, dtype=torch.float64).reshape(x.shape)
    src = F.interpolate(ramp, **kwargs).numpy().astype(np.int64).ravel()
    return np.bincount(src, weights=g.ravel(), minlength=x.size).reshape(x.shape)


INTERP_CASES: list[dict[str, Any]] = [
    {"size": (2, 7, 5)}, {"size": 4}, {"scale_factor": 2.0}, {"scale_factor": (2.0, 0.5, 1.5)},
    {"scale_factor": 1.7, "recompute_scale_factor": True}, {"scale_factor": (1.6, 2.3, 1.3)},
    {"scale_factor": 4 / 3, "recompute_scale_factor": False},
]


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "trilinear"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interpolate_5d_matches_torch(mode: str, dtype: type) -> None:
    rng = RNG(14)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    for shape, kwargs in itertools.product([(1, 2, 3, 4, 5), (2, 1, 1, 3, 2), (1, 1, 5, 2, 7)],
                                           INTERP_CASES):
        for align in ([None] if mode != "trilinear" else [None, False, True]):
            kw = {**kwargs, "mode": mode, "align_corners": align}
            x = rng.normal(size=shape).astype(dtype)
            xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            y, yt = interpolate(xa, **kw), F.interpolate(xt, **kw)
            assert y.shape == tuple(yt.shape) and y.dtype == dtype, kw
            _close(y, yt, 0 if mode != "trilinear" else tol)
            g = rng.normal(size=y.shape).astype(dtype)
            y.backward(g)
            assert _grad(xa).dtype == dtype
            if mode == "trilinear":
                yt.backward(torch.tensor(g))
                _close(xa.grad, xt.grad, 10 * tol)
            else:
                np.testing.assert_allclose(_grad(xa), _torch_nearest_adjoint(x, kw, g),
                                           rtol=0, atol=10 * tol)


def test_interpolate_5d_area_upsample_and_checks() -> None:
    rng = RNG(15)
    x = rng.normal(size=(2, 3, 5, 7, 4))
    areas: list[dict[str, Any]] = [{"size": (3, 2, 6)}, {"scale_factor": 0.5},
                                   {"scale_factor": (1.5, 0.4, 2.0)}]
    for kw in areas:
        xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = interpolate(xa, mode="area", **kw), F.interpolate(xt, mode="area", **kw)
        _close(y, yt, 1e-12)
        g = rng.normal(size=y.shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        _close(xa.grad, xt.grad, 1e-12)
    layers: list[dict[str, Any]] = [
        {"scale_factor": 2, "mode": "trilinear", "align_corners": True},
        {"size": (3, 4, 5), "mode": "nearest-exact"}]
    for kw in layers:
        ours, theirs = Upsample(**kw), torch.nn.Upsample(**kw)
        assert repr(ours) == repr(theirs) and list(ours.state_dict()) == []
        _close(ours(x), theirs(torch.tensor(x)), 1e-12)
    # second order through the trilinear weights
    small = rng.normal(size=(1, 1, 2, 3, 2))
    assert am.gradcheck(lambda t: interpolate(t, size=(3, 2, 4), mode="trilinear"), [small])
    assert am.gradgradcheck(lambda t: interpolate(t, size=(3, 2, 4), mode="trilinear"),
                            [small])
    # the modes' ranks, as torch refuses them
    with pytest.raises(ValueError, match=r"interpolate: mode 'trilinear' needs a 5-d "
                                         r"\(N, C, D, H, W\) input, got shape \(1, 2, 3, 4\)"):
        interpolate(np.zeros((1, 2, 3, 4)), scale_factor=2, mode="trilinear")
    with pytest.raises(ValueError, match=r"interpolate: mode 'bilinear' needs a 4-d "
                                         r"\(N, C, H, W\) input, got shape \(1, 2, 3, 4, 5\)"):
        interpolate(np.zeros((1, 2, 3, 4, 5)), scale_factor=2, mode="bilinear")
    for mode, shape in [("trilinear", (1, 2, 3, 4)), ("bilinear", (1, 2, 3, 4, 5))]:
        with pytest.raises((ValueError, NotImplementedError, RuntimeError)):
            F.interpolate(torch.zeros(shape), scale_factor=2, mode=mode)
    with pytest.raises(ValueError, match=r"interpolate: scale_factor \(2, 2\) must have one "
                                         r"entry per spatial axis \(3\)"):
        interpolate(x, scale_factor=(2, 2))
    with pytest.raises(ValueError, match=r"interpolate: recompute_scale_factor is meaningless"):
        interpolate(x, size=3, recompute_scale_factor=True)
