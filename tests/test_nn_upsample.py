"""interpolate, Upsample*, pixel_shuffle / pixel_unshuffle against PyTorch's: values and
gradients for every mode over many sizes and scale factors (down, up, non-integer), float32
kept, first and second order gradient checks, layers and their reprs, and the errors."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as F

RNG = np.random.default_rng

LENGTHS = (1, 2, 3, 5, 7, 10, 13)
OUTS = (1, 2, 3, 4, 6, 9, 14, 20, 26)
FACTORS = (0.3, 0.5, 0.7, 1.0, 1.0001, 1.3, 1.5, 2.0, 2.05, 2.5, 3.0, 1 / 3, 0.999)


def _torch_indices(shape: tuple[int, ...], kwargs: dict[str, Any]) -> list[np.ndarray]:
    """The source index PyTorch's nearest forward picks along each spatial axis (read off
    interpolating index ramps)."""
    torch = pytest.importorskip("torch")
    out = []
    for k, n in enumerate(shape[2:]):
        ramp = np.arange(n, dtype=np.float64).reshape([n if j == k else 1
                                                       for j in range(len(shape) - 2)])
        picked = torch.nn.functional.interpolate(
            torch.tensor(np.broadcast_to(ramp, shape[2:]).copy())[None, None], **kwargs)
        at = (0, 0, *(slice(None) if j == k else 0 for j in range(len(shape) - 2)))
        out.append(picked.numpy()[at].astype(int))
    return out


def _compare(x: np.ndarray, kwargs: dict[str, Any], exact: bool, seed: int = 0,
             atol: float = 1e-12) -> None:
    """interpolate(x, **kwargs) and its input gradient equal torch's.

    For the nearest modes the reference gradient is the adjoint of PyTorch's forward (a gather
    at the indices it picks, differentiated by torch): PyTorch's own nearest backward picks
    its indices by other rules (same-size and doubling short-cuts, float32 positions), so for
    some sizes and factors it is not the gradient of its forward."""
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.interpolate(t, **kwargs)
    if kwargs.get("mode", "nearest").startswith("nearest"):
        ix = np.ix_(*_torch_indices(x.shape, kwargs))
        at = (slice(None), slice(None), *(torch.tensor(i) for i in ix))
        gathered = t[at]
        np.testing.assert_array_equal(gathered.detach().numpy(), ty.detach().numpy())
        ty = gathered
    mine = am.Tensor(x, requires_grad=True)
    y = F.interpolate(mine, **kwargs)
    assert y.shape == tuple(ty.shape), kwargs
    assert y.dtype == x.dtype
    g = RNG(seed).standard_normal(y.shape).astype(x.dtype)
    y.backward(g)
    ty.backward(torch.tensor(g))
    assert mine.grad is not None and mine.grad.dtype == x.dtype
    if exact:
        np.testing.assert_array_equal(y.data, ty.detach().numpy(), err_msg=str(kwargs))
    else:
        np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=atol, err_msg=str(kwargs))
    np.testing.assert_allclose(mine.grad.data, t.grad.numpy(), atol=atol, err_msg=str(kwargs))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_1d_sizes_and_factors(mode: str) -> None:
    for n in LENGTHS:
        x = RNG(n).standard_normal((2, 3, n))
        for out in OUTS:
            _compare(x, {"size": out, "mode": mode}, exact=True)
        for f in FACTORS:
            if int(n * f) >= 1:
                _compare(x, {"scale_factor": f, "mode": mode}, exact=True)
                _compare(x, {"scale_factor": f, "mode": mode, "recompute_scale_factor": True},
                         exact=True)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_indices_many_factors(mode: str) -> None:
    """The picked indices equal PyTorch's where float rounding decides them: factors such as
    0.1·k and k/7, whose (i + ½)/f is an integer in exact arithmetic, and random ones."""
    torch = pytest.importorskip("torch")
    factors = [0.1 * k for k in range(1, 50)] + [k / 7 for k in range(1, 30)] + list(
        RNG(0).uniform(0.05, 5.0, 40))
    for n in range(1, 31):
        ramp = torch.arange(n, dtype=torch.float64).reshape(1, 1, n)
        for f in factors:
            if int(n * f) >= 1:
                ref = torch.nn.functional.interpolate(ramp, scale_factor=f, mode=mode)
                np.testing.assert_array_equal(
                    F.interpolate(ramp.numpy(), scale_factor=f, mode=mode).data, ref.numpy(),
                    err_msg=f"n={n}, scale_factor={f}")
        for out in range(1, 41):
            ref = torch.nn.functional.interpolate(ramp, size=out, mode=mode)
            np.testing.assert_array_equal(F.interpolate(ramp.numpy(), size=out, mode=mode).data,
                                          ref.numpy(), err_msg=f"n={n}, size={out}")


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_2d_and_3d(mode: str) -> None:
    for (h, w), (oh, ow) in itertools.product([(3, 5), (4, 4), (7, 2)], [(6, 10), (2, 3),
                                                                          (5, 5)]):
        x = RNG(h * w).standard_normal((2, 2, h, w))
        _compare(x, {"size": (oh, ow), "mode": mode}, exact=True)
        _compare(x, {"size": oh, "mode": mode}, exact=True)
    x = RNG(1).standard_normal((1, 2, 5, 6))
    for f in [(2.0, 3.0), (0.5, 1.5), (1.7, 0.6), 2.5, 1 / 3]:
        _compare(x, {"scale_factor": f, "mode": mode}, exact=True)
    x5 = RNG(2).standard_normal((1, 2, 3, 4, 5))
    _compare(x5, {"scale_factor": (2.0, 0.5, 1.5), "mode": mode}, exact=True)
    _compare(x5, {"size": (2, 7, 5), "mode": mode}, exact=True)


SWEEP_FACTORS = (1.1, 2.07, 1 / 3, 0.999, 1.0001, 1.05, 1.3, 2.0, 2.2, 2.3, 1.5, 0.7,
                 *RNG(3).uniform(0.3, 4.0, 6))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_4d_index_sweep(mode: str) -> None:
    """4-d picks PyTorch's indices: its 2-d kernel uses float32 positions for every dtype and,
    in 'nearest', copies a kept axis and halves a doubled one, while H_out + W_out ≤ 128; past
    that it follows the 3-d/5-d rules (float64 arithmetic for float64 inputs)."""
    torch = pytest.importorskip("torch")
    for n in range(1, 25):
        ramp = (np.arange(n)[:, None] * 100 + np.arange(3)).astype(np.float64)[None, None]
        calls: list[dict[str, Any]] = [{"size": (out, 3)} for out in range(1, 61)]
        calls += [{"size": (3 * n + 7, 150)}, {"scale_factor": (1.0001, 50.0)}]
        for f in SWEEP_FACTORS:
            if int(n * f) >= 1:
                calls += [{"scale_factor": (f, 1.0)}, {"scale_factor": (f, f)},
                          {"scale_factor": (f, 1.0), "recompute_scale_factor": True}]
        for kw in calls:
            for dtype in (np.float64, np.float32):
                x = ramp.astype(dtype)
                ref = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, **kw)
                np.testing.assert_array_equal(F.interpolate(x, mode=mode, **kw).data,
                                              ref.numpy(), err_msg=f"n={n}, {kw}, {dtype}")


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_float32_positions_3d_5d(mode: str) -> None:
    """Float32 inputs get float32 positions in 3-d and 5-d too, as PyTorch's kernels."""
    torch = pytest.importorskip("torch")
    for n in range(1, 40):
        for f in SWEEP_FACTORS:
            if int(n * f) >= 1:
                for shape, sf in (((1, 1, n), f), ((1, 1, 1, 1, n), (1.0, 1.0, f))):
                    x = np.arange(n, dtype=np.float32).reshape(shape)
                    kw: dict[str, Any] = {"scale_factor": sf, "mode": mode}
                    ref = torch.nn.functional.interpolate(torch.tensor(x), **kw).numpy()
                    np.testing.assert_array_equal(F.interpolate(x, **kw).data, ref,
                                                  err_msg=f"n={n}, f={f}")


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_4d_gradient_is_torch_backward(mode: str) -> None:
    """In 4-d at these sizes PyTorch's own nearest backward is the adjoint of its forward, so
    values and gradients are compared with torch's directly."""
    torch = pytest.importorskip("torch")
    cases: list[tuple[tuple[int, int], dict[str, Any]]] = [
        ((4, 5), {"scale_factor": 1.1}), ((2, 2), {"scale_factor": 2.07}),
        ((14, 3), {"size": (46, 3)}), ((2, 3), {"size": (41, 5)}),
        ((6, 7), {"scale_factor": (1 / 3 * 2, 2.3)}), ((9, 8), {"scale_factor": 0.999}),
        ((16, 5), {"scale_factor": (2.3, 1.0001)}), ((5, 6), {"scale_factor": 1.3,
                                                               "recompute_scale_factor": True})]
    for k, ((h, w), kw) in enumerate(cases):
        x = RNG(k).standard_normal((2, 3, h, w))
        t = torch.tensor(x, requires_grad=True)
        ty = torch.nn.functional.interpolate(t, mode=mode, **kw)
        mine = am.Tensor(x, requires_grad=True)
        y = F.interpolate(mine, mode=mode, **kw)
        np.testing.assert_array_equal(y.data, ty.detach().numpy(), err_msg=str(kw))
        g = RNG(k + 50).standard_normal(y.shape)
        y.backward(g)
        ty.backward(torch.tensor(g))
        assert mine.grad is not None
        np.testing.assert_allclose(mine.grad.data, t.grad.numpy(), atol=1e-12, err_msg=str(kw))


def test_linear_float16_long_axis() -> None:
    """Float16 positions are computed in float32 (as PyTorch): past 2048 outputs float16 can
    no longer hold i or (i + ½)·s."""
    torch = pytest.importorskip("torch")
    x = RNG(0).standard_normal((1, 1, 3000)).astype(np.float16)
    for kw in ({"size": 6000}, {"scale_factor": 1.7}, {"size": 5000, "align_corners": True}):
        y = F.interpolate(x, mode="linear", **kw)
        ref = torch.nn.functional.interpolate(torch.tensor(x), mode="linear", **kw).numpy()
        assert y.dtype == np.float16
        np.testing.assert_allclose(y.data.astype(np.float64), ref.astype(np.float64),
                                   atol=2e-3, err_msg=str(kw))


@pytest.mark.parametrize("align_corners", [False, True, None])
def test_linear_1d(align_corners: bool | None) -> None:
    for n in LENGTHS:
        x = RNG(n).standard_normal((2, 3, n))
        for out in OUTS:
            _compare(x, {"size": out, "mode": "linear", "align_corners": align_corners},
                     exact=False)
        for f in FACTORS:
            if int(n * f) >= 1:
                _compare(x, {"scale_factor": f, "mode": "linear",
                             "align_corners": align_corners}, exact=False)


@pytest.mark.parametrize("align_corners", [False, True])
def test_bilinear_and_trilinear(align_corners: bool) -> None:
    for (h, w), (oh, ow) in itertools.product([(1, 4), (3, 5), (4, 4), (8, 3)],
                                              [(1, 1), (2, 3), (6, 10), (5, 5), (16, 7)]):
        x = RNG(h * w).standard_normal((2, 3, h, w))
        _compare(x, {"size": (oh, ow), "mode": "bilinear", "align_corners": align_corners},
                 exact=False)
    x = RNG(1).standard_normal((1, 2, 5, 6))
    for f in [(2.0, 3.0), (0.5, 1.5), (1.7, 0.6), 2.5, 1 / 3, 1.0001]:
        _compare(x, {"scale_factor": f, "mode": "bilinear", "align_corners": align_corners},
                 exact=False)
    x5 = RNG(2).standard_normal((1, 2, 3, 4, 5))
    _compare(x5, {"scale_factor": (2.0, 0.5, 1.5), "mode": "trilinear",
                  "align_corners": align_corners}, exact=False)
    _compare(x5, {"size": (2, 7, 5), "mode": "trilinear", "align_corners": align_corners},
             exact=False)


def test_area() -> None:
    _compare(RNG(0).standard_normal((2, 3, 10)), {"size": 4, "mode": "area"}, exact=False)
    _compare(RNG(1).standard_normal((2, 3, 7, 9)), {"scale_factor": (0.5, 0.4), "mode": "area"},
             exact=False)
    _compare(RNG(2).standard_normal((1, 2, 3, 4)), {"size": (6, 5), "mode": "area"},
             exact=False)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear"])
def test_float32_kept(mode: str) -> None:
    x = RNG(3).standard_normal((2, 3, 5, 7)).astype(np.float32)
    for kw in ({"size": (9, 4)}, {"scale_factor": 1.7}, {"scale_factor": 0.45}):
        extra = {"align_corners": False} if mode == "bilinear" else {}
        _compare(x, {"mode": mode, **kw, **extra}, exact=mode != "bilinear", atol=1e-5)


def test_stable_at_large_values() -> None:
    x = RNG(4).uniform(-1000, 1000, (1, 2, 4, 5))
    _compare(x, {"scale_factor": 2.5, "mode": "bilinear"}, exact=False, atol=1e-9)


def test_integer_input_nearest() -> None:
    torch = pytest.importorskip("torch")  # (PyTorch's nearest takes floating inputs only)
    x = np.arange(12, dtype=np.int64).reshape(1, 1, 3, 4)
    y = F.interpolate(x, scale_factor=1.5)
    assert y.dtype == np.int64
    ref = torch.nn.functional.interpolate(torch.tensor(x, dtype=torch.float64),
                                          scale_factor=1.5).numpy()
    np.testing.assert_array_equal(y.data, ref)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(7, 3), (2, 5)])
def test_bilinear_gradcheck_first_and_second_order(align_corners: bool,
                                                   size: tuple[int, int]) -> None:
    x = RNG(5).standard_normal((1, 2, 4, 4))

    def f(z: am.Tensor) -> am.Tensor:
        return F.interpolate(z, size=size, mode="bilinear", align_corners=align_corners)

    assert am.gradcheck(f, [x])
    assert am.gradgradcheck(f, [x])
    assert am.gradcheck(lambda z: F.interpolate(z, scale_factor=1.6, mode="linear"),
                       [x[:, :, 0]])
    # second order through a non-linear use of the output
    assert am.gradgradcheck(lambda z: (f(z) ** 2).sum(), [x])


def test_nearest_gradcheck() -> None:
    x = RNG(6).standard_normal((1, 2, 3, 5))
    assert am.gradcheck(lambda z: F.interpolate(z, scale_factor=(0.7, 2.3)), [x])
    assert am.gradgradcheck(lambda z: F.interpolate(z, size=(5, 2), mode="nearest-exact"), [x])


def test_identity_size_gives_new_tensor() -> None:
    x = am.Tensor(RNG(7).standard_normal((1, 1, 3)), requires_grad=True)
    y = F.interpolate(x, size=3, mode="linear")
    assert y is not x
    np.testing.assert_array_equal(y.data, x.data)
    assert F.interpolate(np.ones((0, 2, 3)), scale_factor=2, mode="linear").shape == (0, 2, 6)
    # the gradient is the adjoint of the forward: both outputs read x[0] here (PyTorch's
    # forward agrees; its backward, short-cutting equal sizes, would send ḡ₁ to x[1])
    z = am.Tensor(np.array([[[1.0, 2.0]]]), requires_grad=True)
    out = F.interpolate(z, scale_factor=1.0001)
    np.testing.assert_array_equal(out.data, [[[1.0, 1.0]]])
    out.backward(np.array([[[3.0, 5.0]]]))
    assert z.grad is not None
    np.testing.assert_array_equal(z.grad.data, [[[8.0, 0.0]]])


def test_layers_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x = RNG(8).standard_normal((2, 3, 4, 5))
    pairs = [
        (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
        (nn.Upsample(size=(3, 7), mode="bilinear"),
         torch.nn.Upsample(size=(3, 7), mode="bilinear")),
        (nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
         torch.nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True)),
        (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
        (nn.UpsamplingNearest2d(size=(5, 2)), torch.nn.UpsamplingNearest2d(size=(5, 2))),
        (nn.UpsamplingBilinear2d(scale_factor=2.5),
         torch.nn.UpsamplingBilinear2d(scale_factor=2.5)),
        (nn.UpsamplingBilinear2d(size=(6, 9)), torch.nn.UpsamplingBilinear2d(size=(6, 9))),
    ]
    for mine, theirs in pairs:
        assert repr(mine) == repr(theirs)
        assert mine.state_dict() == {} and not list(mine.parameters())
        np.testing.assert_allclose(mine(x).data, theirs(torch.tensor(x)).numpy(), atol=1e-12)
    assert repr(nn.Upsample(scale_factor=(2, 3))) == repr(torch.nn.Upsample(scale_factor=(2, 3)))


def test_errors() -> None:
    x3, x4 = np.ones((1, 2, 4)), np.ones((1, 2, 4, 4))
    with pytest.raises(ValueError, match=r"interpolate: mode 'bilinear' needs a 4-d "
                                         r"\(N, C, H, W\) input, got shape \(1, 2, 4\)"):
        F.interpolate(x3, scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="interpolate: mode 'linear' needs a 3-d"):
        F.interpolate(x4, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match=r"interpolate: mode 'nearest' needs a 3-d .* or 5-d"):
        F.interpolate(np.ones((2, 4)), scale_factor=2)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor, got both"):
        F.interpolate(x4, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor, got neither"):
        F.interpolate(x4)
    with pytest.raises(ValueError, match=r"align_corners can only be set with .* not 'nearest'"):
        F.interpolate(x4, scale_factor=2, align_corners=False)
    with pytest.raises(ValueError, match="mode 'bicubic' is not supported"):
        F.interpolate(x4, scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match=r"size \(2, 3, 4\) must have one entry per spatial "
                                         r"axis \(2\)"):
        F.interpolate(x4, size=(2, 3, 4))
    with pytest.raises(ValueError, match=r"output sizes .*must all be at least 1"):
        F.interpolate(x4, scale_factor=0.2)
    with pytest.raises(ValueError, match="scale_factor must be a finite number > 0"):
        F.interpolate(x4, scale_factor=-1.0)
    with pytest.raises(ValueError, match="size must be a positive int"):
        F.interpolate(x4, size=0)
    with pytest.raises(ValueError, match="recompute_scale_factor is meaningless"):
        F.interpolate(x4, size=3, recompute_scale_factor=True)
    with pytest.raises(TypeError, match="mode 'bilinear' needs a floating input"):
        F.interpolate(np.ones((1, 1, 2, 2), np.int64), scale_factor=2, mode="bilinear")
    with pytest.raises(TypeError, match="align_corners must be a bool"):
        F.interpolate(x3, scale_factor=2, mode="linear", align_corners=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Upsample: give exactly one of size"):
        nn.Upsample()
    with pytest.raises(ValueError, match="UpsamplingNearest2d: give exactly one"):
        nn.UpsamplingNearest2d(size=3, scale_factor=2)
    with pytest.raises(ValueError, match="Upsample: align_corners can only be set"):
        nn.Upsample(scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="Upsample: mode 'cubic' is not supported"):
        nn.Upsample(scale_factor=2, mode="cubic")


@pytest.mark.parametrize("lead", [(), (2,), (2, 3)])
@pytest.mark.parametrize("r", [1, 2, 3])
def test_pixel_shuffle_matches_torch(lead: tuple[int, ...], r: int) -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(r)
    x = rng.standard_normal((*lead, 2 * r * r, 3, 4))
    for fn, tfn, arg in ((F.pixel_shuffle, torch.nn.functional.pixel_shuffle, x),
                         (F.pixel_unshuffle, torch.nn.functional.pixel_unshuffle,
                          rng.standard_normal((*lead, 2, 2 * r, 3 * r)))):
        mine, t = am.Tensor(arg, requires_grad=True), torch.tensor(arg, requires_grad=True)
        y, ty = fn(mine, r), tfn(t, r)
        np.testing.assert_array_equal(y.data, ty.detach().numpy())
        g = rng.standard_normal(y.shape)
        y.backward(g)
        ty.backward(torch.tensor(g))
        assert mine.grad is not None
        np.testing.assert_array_equal(mine.grad.data, t.grad.numpy())
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, r), r).data, x)
    layer, tlayer = nn.PixelShuffle(r), torch.nn.PixelShuffle(r)
    assert repr(layer) == repr(tlayer)
    assert repr(nn.PixelUnshuffle(r)) == repr(torch.nn.PixelUnshuffle(r))
    np.testing.assert_array_equal(layer(x).data, tlayer(torch.tensor(x)).numpy())


def test_pixel_shuffle_float32_and_errors() -> None:
    x = np.ones((1, 8, 2, 2), np.float32)
    assert nn.PixelShuffle(2)(x).dtype == np.float32
    assert nn.PixelUnshuffle(2)(x).shape == (1, 32, 1, 1)
    with pytest.raises(ValueError, match=r"pixel_shuffle: the channel axis \(-3\) of input "
                                         r"shape \(1, 8, 2, 2\) must be divisible by "
                                         "upscale_factor² = 9"):
        F.pixel_shuffle(x, 3)
    with pytest.raises(ValueError, match=r"pixel_unshuffle: the height and width of input "
                                         r"shape \(1, 8, 2, 2\) must be divisible by "
                                         "downscale_factor 3"):
        F.pixel_unshuffle(x, 3)
    with pytest.raises(ValueError, match="pixel_shuffle: input must have at least 3 axes"):
        F.pixel_shuffle(np.ones((4, 2)), 2)
    with pytest.raises(ValueError, match="PixelShuffle: upscale_factor must be a positive int"):
        nn.PixelShuffle(0)
    with pytest.raises(ValueError, match="PixelUnshuffle: downscale_factor must be a positive"):
        nn.PixelUnshuffle(1.5)  # type: ignore[arg-type]
