"""The 3-d layers against PyTorch's: Conv3d / conv3d, MaxPool3d / max_pool3d, AvgPool3d /
avg_pool3d and BatchNorm3d. Values and gradients (a random upstream gradient) in float64
over shapes, strides, paddings, dilations, groups and padding modes, batched, unbatched and
empty; gradcheck and gradgradcheck; float32 kept; state dicts, reprs and errors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini import Tensor
from nn import functional as F

RNG = np.random.default_rng


def _torch() -> Any:
    return pytest.importorskip("torch")


def _close(ours: Any, theirs: Any, tol: float = 1e-10) -> None:
    assert ours is not None and theirs is not None
    a = ours.data if isinstance(ours, Tensor) else np.asarray(ours)
    b = theirs.detach().numpy()
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _run_both(ours: Any, theirs: Any, x: np.ndarray, rng: np.random.Generator,
              params: tuple[Any, Any] | None = None) -> None:
    """y = f(x) on both sides, backward of the same random ȳ; outputs, x̄ and the
    parameters' gradients compared."""
    torch = _torch()
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xa), theirs(xt)
    if isinstance(y, tuple):  # (values, indices)
        np.testing.assert_array_equal(y[1].data, yt[1].numpy())
        y, yt = y[0], yt[0]
    _close(y, yt)
    g = rng.standard_normal(yt.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    _close(xa.grad, xt.grad)
    if params is not None:
        for mine, ref in zip(params[0].parameters(), params[1].parameters(), strict=True):
            _close(mine.grad, ref.grad)


def _pair_conv(rng: np.random.Generator, *args: Any, **kw: Any) -> tuple[Any, Any]:
    """nn.Conv3d and torch.nn.Conv3d with the same weights (ours loaded into theirs)."""
    torch = _torch()
    make: Any = nn.Conv3d
    ours = make(*args, rng=rng, **kw)
    theirs = torch.nn.Conv3d(*args, dtype=torch.float64, **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in
                            ours.state_dict().items()})
    return ours, theirs


CONV_CASES = [
    # (in, out, kernel, options, input shape)
    (2, 3, 3, {}, (2, 2, 5, 6, 7)),
    (4, 6, (2, 3, 1), {"stride": 2, "padding": 1}, (2, 4, 6, 5, 4)),
    (4, 6, (3, 2, 2), {"stride": (1, 2, 3), "padding": (2, 0, 1), "dilation": (2, 1, 2),
                       "groups": 2}, (1, 4, 7, 6, 8)),
    (3, 3, 3, {"groups": 3, "padding": "same", "dilation": (1, 2, 1), "bias": False},
     (2, 3, 4, 6, 5)),
    (2, 4, (1, 3, 3), {"padding": "valid", "stride": (2, 1, 1)}, (3, 2, 5, 5, 5)),
    (2, 2, 2, {"padding": 1}, (2, 4, 3, 5)),  # unbatched (C, D, H, W)
    (2, 3, 3, {"padding": (1, 2, 1), "padding_mode": "reflect"}, (2, 2, 4, 5, 6)),
    (2, 3, (2, 3, 3), {"padding": 1, "padding_mode": "replicate", "stride": 2},
     (1, 2, 5, 4, 6)),
    (4, 2, 3, {"padding": (2, 1, 1), "padding_mode": "circular", "groups": 2},
     (2, 4, 3, 4, 5)),
    (2, 2, 3, {"padding": "same", "padding_mode": "reflect"}, (2, 4, 5, 3)),  # unbatched
]


@pytest.mark.parametrize(("cin", "cout", "k", "kw", "shape"), CONV_CASES)
def test_conv3d_layer_matches_torch(cin: int, cout: int, k: Any, kw: dict[str, Any],
                                    shape: tuple[int, ...]) -> None:
    rng = RNG(len(shape) + cin + cout)
    ours, theirs = _pair_conv(rng, cin, cout, k, **kw)
    _run_both(ours, theirs, rng.standard_normal(shape), rng, (ours, theirs))


def test_conv3d_functional_matches_torch_with_an_odd_same_padding() -> None:
    """padding="same" with an even kernel puts the extra one after, as PyTorch splits it."""
    torch = _torch()
    rng = RNG(1)
    w, b = rng.standard_normal((4, 1, 2, 4, 3)), rng.standard_normal(4)
    for opts in ({"padding": "same", "groups": 2}, {"stride": 2, "padding": (0, 2, 1),
                                                     "dilation": 2, "groups": 2}):
        def ours(x: Any, opts: dict[str, Any] = opts) -> Tensor:
            return F.conv3d(x, w, b, **opts)

        def theirs(x: Any, opts: dict[str, Any] = opts) -> Any:
            with warnings.catch_warnings():  # (PyTorch's note that it pads a copy)
                warnings.simplefilter("ignore", UserWarning)
                return torch.nn.functional.conv3d(x, torch.tensor(w), torch.tensor(b), **opts)

        _run_both(ours, theirs, rng.standard_normal((2, 2, 6, 7, 5)), rng)


def test_empty_batches_give_empty_outputs_and_zero_gradients() -> None:
    torch = _torch()
    rng = RNG(2)
    ours, theirs = _pair_conv(rng, 2, 3, 2, padding=1)
    x = np.zeros((0, 2, 3, 4, 5))
    _run_both(ours, theirs, x, rng, (ours, theirs))
    for name, opts in (("max_pool3d", {"kernel_size": 2}),
                       ("avg_pool3d", {"kernel_size": 2, "padding": 1})):
        _run_both(lambda t, n=name, o=opts: getattr(F, n)(t, **o),
                  lambda t, n=name, o=opts: getattr(torch.nn.functional, n)(t, **o), x, rng)
    bn = nn.BatchNorm3d(2)
    y = bn(Tensor(x, requires_grad=True))
    assert y.shape == x.shape and int(np.asarray(bn.num_batches_tracked)) == 1
    y.sum().backward()
    assert bn.weight is not None and bn.weight.grad is not None
    np.testing.assert_array_equal(bn.weight.grad.data, np.zeros(2))


def test_conv3d_gradcheck_and_gradgradcheck() -> None:
    rng = RNG(3)
    x = rng.normal(size=(2, 2, 4, 3, 4))
    w, b = rng.normal(size=(4, 1, 2, 2, 2)), rng.normal(size=4)
    for opts in ({"stride": (2, 1, 2), "padding": 1, "groups": 2},
                 {"padding": "same", "dilation": (2, 1, 1), "groups": 2}):
        def f(x: Any, w: Any, b: Any, opts: dict[str, Any] = opts) -> Tensor:
            return F.conv3d(x, w, b, **opts)

        assert am.gradcheck(f, [x, w, b])
        assert am.gradgradcheck(lambda x, w, b, f=f: (f(x, w, b) ** 2).sum(), [x, w, b])


def test_conv3d_padding_modes_gradcheck() -> None:
    rng = RNG(4)
    m = nn.Conv3d(1, 2, 2, padding=1, padding_mode="circular", rng=rng)
    x = rng.normal(size=(1, 3, 2, 3))
    assert am.gradcheck(lambda t: m(t), [x])
    assert am.gradgradcheck(lambda t: (m(t) ** 2).sum(), [x])


def test_float32_stays_float32_and_large_values_are_stable() -> None:
    rng = RNG(5)
    x32 = (rng.standard_normal((2, 2, 4, 4, 4)) * 1000).astype(np.float32)
    conv = nn.Conv3d(2, 3, 3, padding=1, padding_mode="reflect", rng=rng, dtype=np.float32)
    layers = [conv, nn.MaxPool3d(2, return_indices=False), nn.AvgPool3d(3, 2, 1),
              nn.BatchNorm3d(2, dtype=np.float32)]
    for layer in layers:
        x = Tensor(x32, requires_grad=True)
        y = layer(x)
        assert y.dtype == np.float32, layer
        assert np.all(np.isfinite(y.data))
        y.backward(np.ones(y.shape, np.float32))
        assert x.grad is not None and x.grad.dtype == np.float32, layer
        assert all(p.grad is not None and p.grad.dtype == np.float32
                   for p in layer.parameters())
    assert conv.weight.dtype == np.float32 and conv.weight.grad is not None


def test_conv3d_state_dict_repr_and_init_match_torch() -> None:
    torch = _torch()
    for args, kw in (((4, 6, (1, 2, 3)), {"stride": 2, "padding": (1, 0, 1),
                                          "dilation": (1, 2, 1), "groups": 2, "bias": False,
                                          "padding_mode": "reflect"}),
                     ((4, 6, 3), {"padding": "same"}), ((2, 3, 2), {})):
        ours, theirs = nn.Conv3d(*args, **kw), torch.nn.Conv3d(*args, **kw)
        assert ours.extra_repr() == theirs.extra_repr()
        assert list(ours.state_dict()) == list(theirs.state_dict())
        ours.load_state_dict({k: v.double().numpy() for k, v in theirs.state_dict().items()})
        np.testing.assert_array_equal(ours.weight.data, theirs.weight.double().detach().numpy())
    # PyTorch's init: U(−1/√fan_in, 1/√fan_in), fan_in = in/groups · KD·KH·KW
    m = nn.Conv3d(8, 16, 3, groups=2, rng=RNG(6))
    bound = 1 / np.sqrt(4 * 27)
    assert m.weight.shape == (16, 4, 3, 3, 3) and m.bias is not None
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.weight.data).max() > 0.9 * bound
    assert np.abs(m.bias.data).max() <= bound


# ----------------------------------------------------------------------------- pooling
MAX_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 1, "padding": 1},
    {"kernel_size": (2, 3, 2), "stride": (1, 2, 3), "padding": (1, 1, 0),
     "dilation": (2, 1, 2), "ceil_mode": True, "return_indices": True},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True, "return_indices": True},
    {"kernel_size": (1, 2, 3), "stride": (2, 1, 2), "padding": (0, 1, 1), "dilation": 2},
]


@pytest.mark.parametrize("opts", MAX_CASES)
@pytest.mark.parametrize("data", ["normal", "ties"])
@pytest.mark.parametrize("shape", [(2, 3, 5, 6, 7), (2, 6, 5, 4)])
def test_max_pool3d_matches_torch(opts: dict[str, Any], data: str,
                                  shape: tuple[int, ...]) -> None:
    """Values, indices and gradients; with few distinct values (ties in most windows) the
    gradient goes to the first maximum in (depth, row, column) order, as PyTorch's."""
    torch = _torch()
    rng = RNG(7)
    x = (rng.standard_normal(shape) if data == "normal" else
         rng.integers(0, 3, shape).astype(np.float64))
    theirs = torch.nn.MaxPool3d(**opts)
    _run_both(nn.MaxPool3d(**opts), theirs, x, rng)
    _run_both(lambda t: F.max_pool3d(t, **opts), theirs, x, rng)


def test_max_pool3d_nan_and_infinite_windows_as_torch() -> None:
    """A window holding NaN gives NaN and the last NaN's index; a window of −∞ only (with
    padding) the first real cell's."""
    torch = _torch()
    rng = RNG(8)
    x = rng.standard_normal((1, 2, 4, 4, 4))
    x[0, 0, 0, 0, 1] = x[0, 0, 1, 1, 0] = x[0, 1, 2, 3, 3] = np.nan
    x[0, 1, :2, :2, :2] = -np.inf
    cases: list[dict[str, Any]] = [
        {"kernel_size": 2, "return_indices": True},
        {"kernel_size": 3, "stride": 2, "padding": 1, "return_indices": True}]
    for opts in cases:
        ours = F.max_pool3d(Tensor(x), **opts)
        ref = torch.nn.functional.max_pool3d(torch.tensor(x), **opts)
        np.testing.assert_array_equal(ours[0].data, ref[0].numpy())
        np.testing.assert_array_equal(ours[1].data, ref[1].numpy())


def test_max_pool3d_indices_are_flat_volume_positions() -> None:
    x = np.arange(2 * 4 * 4 * 4.0).reshape(2, 4, 4, 4)  # unbatched (C, D, H, W)
    y, idx = nn.MaxPool3d(2, return_indices=True)(x)
    assert y.shape == idx.shape == (2, 2, 2, 2) and idx.dtype == np.int64
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(2, -1), idx.data.reshape(2, -1),
                                                     axis=1), y.data.reshape(2, -1))
    assert idx.data[0, 1, 1, 1] == 63  # the volume's last cell, 3·16 + 3·4 + 3


def test_max_pool3d_window_without_input_cells() -> None:
    """A dilated window over padding only (PyTorch reads outside the input there): −∞ and no
    gradient here."""
    x = Tensor(np.arange(12.0).reshape(1, 1, 1, 6, 2), requires_grad=True)
    y = F.max_pool3d(x, (1, 1, 2), stride=(1, 1, 3), padding=(0, 0, 1), dilation=(1, 1, 3))
    assert y.shape == (1, 1, 1, 6, 1) and np.all(y.data == -np.inf)
    y.backward(np.ones(y.shape))
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, np.zeros(x.shape))


def test_avg_pool3d_refuses_an_input_smaller_than_the_kernel_as_torch() -> None:
    """PyTorch's avg_pool3d checks the unpadded size (its avg_pool2d and max_pool3d do not)."""
    torch = _torch()
    x = np.ones((1, 2, 2, 1, 6))
    with pytest.raises(RuntimeError, match="smaller than kernel size"):
        torch.nn.functional.avg_pool3d(torch.tensor(x), (1, 3, 3), padding=(0, 1, 0))
    with pytest.raises(ValueError, match="avg_pool3d: input of spatial size"):
        F.avg_pool3d(x, (1, 3, 3), padding=(0, 1, 0))
    assert F.max_pool3d(x, (1, 3, 3), padding=(0, 1, 0)).shape == \
        tuple(torch.nn.functional.max_pool3d(torch.tensor(x), (1, 3, 3), padding=(0, 1, 0)).shape)


AVG_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 1, "padding": 1},
    {"kernel_size": (2, 3, 2), "stride": (1, 2, 3), "padding": (1, 1, 0), "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
     "count_include_pad": False},
    {"kernel_size": (3, 2, 3), "stride": 2, "padding": (1, 0, 1), "divisor_override": 5},
    {"kernel_size": (1, 3, 2), "stride": (2, 2, 1), "padding": (0, 1, 1), "ceil_mode": True,
     "count_include_pad": False, "divisor_override": 2},
]


@pytest.mark.parametrize("opts", AVG_CASES)
@pytest.mark.parametrize("shape", [(2, 3, 5, 6, 7), (2, 6, 5, 4)])
def test_avg_pool3d_matches_torch(opts: dict[str, Any], shape: tuple[int, ...]) -> None:
    torch = _torch()
    rng = RNG(9)
    x = rng.standard_normal(shape)
    theirs = torch.nn.AvgPool3d(**opts)
    _run_both(nn.AvgPool3d(**opts), theirs, x, rng)
    _run_both(lambda t: F.avg_pool3d(t, **opts), theirs, x, rng)


def test_pool3d_gradcheck_and_gradgradcheck() -> None:
    rng = RNG(10)
    x = rng.normal(size=(1, 2, 4, 5, 3))

    def mp(t: Any) -> Tensor:
        return F.max_pool3d(t, (2, 3, 2), stride=(1, 2, 1), padding=1, ceil_mode=True)

    def ap(t: Any) -> Tensor:
        return F.avg_pool3d(t, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)

    for f in (mp, ap):
        assert am.gradcheck(f, [x])
        assert am.gradgradcheck(lambda t, f=f: (f(t) ** 2).sum(), [x])


def test_pooling_reprs_match_torch() -> None:
    torch = _torch()
    args: Any
    kw: Any
    for args, kw in (((2,), {}), (((2, 3, 1),), {"stride": 1, "padding": (1, 1, 0),
                                                 "dilation": 2, "ceil_mode": True,
                                                 "return_indices": True})):
        assert nn.MaxPool3d(*args, **kw).extra_repr() == \
            torch.nn.MaxPool3d(*args, **kw).extra_repr()
    for args, kw in (((2,), {}), ((3,), {"stride": 2, "padding": 1, "ceil_mode": True,
                                         "count_include_pad": False,
                                         "divisor_override": 3})):
        assert nn.AvgPool3d(*args, **kw).extra_repr() == \
            torch.nn.AvgPool3d(*args, **kw).extra_repr()


def test_pooling_modules_keep_a_list_as_torch() -> None:
    """A list argument stays a list (attributes and repr), a tuple a tuple, an int an int."""
    torch = _torch()
    for cls, kw in ((nn.MaxPool3d, {"padding": [1, 0, 0], "dilation": [1, 2, 1]}),
                    (nn.AvgPool3d, {"stride": [1, 2, 1], "padding": (1, 0, 1)})):
        ours, theirs = cls([2, 3, 2], **kw), getattr(torch.nn, cls.__name__)([2, 3, 2], **kw)
        for name in ("kernel_size", "stride", "padding", *kw):
            assert getattr(ours, name) == getattr(theirs, name), name
            assert type(getattr(ours, name)) is type(getattr(theirs, name)), name
        assert ours.extra_repr() == theirs.extra_repr()
    x = RNG(12).standard_normal((1, 2, 4, 5, 6))
    y = nn.MaxPool3d([2, 2, 2], stride=[1, 2, 1], padding=[1, 1, 0])(x)
    np.testing.assert_array_equal(y.data, F.max_pool3d(x, 2, (1, 2, 1), (1, 1, 0)).data)


POOL_NAN_CASES = [
    ({"kernel_size": 3, "stride": 1, "padding": 1}, (2, 3, 7, 9, 24)),
    ({"kernel_size": (2, 3, 3), "stride": (1, 2, 3), "padding": (1, 1, 1),
      "dilation": (2, 1, 2), "ceil_mode": True}, (2, 3, 7, 9, 24)),
    ({"kernel_size": (6, 5, 5), "stride": 2, "padding": 2}, (1, 2, 9, 8, 7)),  # 150 taps
    ({"kernel_size": 3, "stride": (1, 1, 3), "padding": 1}, (2, 3, 7, 9, 4)),  # 1-cell slices
]


@pytest.mark.parametrize(("opts", "shape"), POOL_NAN_CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_pool3d_with_nan_and_infinities_matches_torch(opts: dict[str, Any],
                                                          shape: tuple[int, ...],
                                                          dtype: Any) -> None:
    """NaN, ±∞ and ties, in long strided slices and in slices of one column (NumPy 2.4's
    isnan into such a bool view is wrong): values, indices and gradients equal PyTorch's
    exactly, in float64 and float32."""
    torch = _torch()
    rng = RNG(13)
    x = rng.integers(0, 3, shape).astype(dtype)
    x[rng.random(shape) < 0.05] = np.nan
    x[rng.random(shape) < 0.3] = -np.inf
    x[rng.random(shape) < 0.02] = np.inf
    x[0, 0] = -np.inf  # whole windows of −∞ (with padding: the first real cell's index)
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, idx = F.max_pool3d(xa, return_indices=True, **opts)
    yt, it = torch.nn.functional.max_pool3d(xt, return_indices=True, **opts)
    assert y.dtype == dtype and idx.dtype == np.int64
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    np.testing.assert_array_equal(idx.data, it.numpy())
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(g)
    yt.backward(torch.tensor(g))
    assert xa.grad is not None and xa.grad.dtype == dtype
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_pools_never_hold_all_windows() -> None:
    """3×3×3 pools on (2, 8, 16, 32, 32) (2 MB) at stride 1 and 2, padding 1: a window array
    would take 27 times the output; forward (recorded) and the mean's backward (x̄ included)
    stay below 4 inputs."""
    import tracemalloc
    x = Tensor(RNG(14).standard_normal((2, 8, 16, 32, 32)), requires_grad=True)
    for f in (F.max_pool3d, F.avg_pool3d):
        for stride in (1, 2):
            small = Tensor(x.data[:1, :1, :4, :4, :4], requires_grad=True)
            f(small, 3, stride, 1).sum().backward()  # (an op's first call checks a copy)
            g = np.ones(f(x.detach(), 3, stride, 1).shape)
            tracemalloc.start()
            try:
                y = f(x, 3, stride, 1)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.reset_peak()
                if f is F.avg_pool3d:
                    y.backward(g)
                back = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert peak < 4 * x.data.nbytes, f"{f.__name__}: peak {peak / 1e6:.0f} MB"
            assert back < 4 * x.data.nbytes, f"{f.__name__}: backward {back / 1e6:.0f} MB"
            x.grad = None


def test_avg_pool3d_second_order_with_the_uniform_divisor() -> None:
    """The box sum scaled by 1/(KD·KH·KW) (every divisor the kernel's), its adjoint, and
    second order through both; gradcheck in float64."""
    rng = RNG(15)
    x = rng.normal(size=(2, 2, 4, 3, 5))

    def ap(t: Any) -> Tensor:
        return F.avg_pool3d(t, (2, 3, 2), stride=(1, 2, 1), padding=1)

    def mp(t: Any) -> Tensor:
        return F.max_pool3d(t, 3, stride=1, padding=1)

    for f in (ap, mp):
        assert am.gradcheck(f, [x])
        assert am.gradgradcheck(lambda t, f=f: (f(t) ** 3).sum(), [x])


# ----------------------------------------------------------------------------- batch norm
@pytest.mark.parametrize("opts", [{}, {"momentum": None}, {"affine": False},
                                  {"track_running_stats": False}, {"bias": False}])
def test_batchnorm3d_matches_torch(opts: dict[str, Any]) -> None:
    """Training steps (outputs, gradients, running statistics, the count), then eval."""
    torch = _torch()
    rng = RNG(11)
    ours = nn.BatchNorm3d(3, **opts)
    theirs = torch.nn.BatchNorm3d(3, dtype=torch.float64, **opts)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).startswith(repr(theirs))
    if ours.weight is not None:  # γ, β away from 1, 0 on both sides
        theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in
                                {**ours.state_dict(),
                                 "weight": rng.uniform(0.5, 2, 3)}.items()})
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for _ in range(2):
        ours.zero_grad()
        theirs.zero_grad()
        _run_both(ours, theirs, rng.standard_normal((2, 3, 3, 4, 2)) * 3 + 1, rng,
                  (ours, theirs))
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(np.asarray(ours.state_dict()[key]), value.numpy(),
                                   rtol=1e-12)
    ours.eval()
    theirs.eval()
    ours.zero_grad()
    theirs.zero_grad()
    _run_both(ours, theirs, rng.standard_normal((2, 3, 2, 2, 3)), rng, (ours, theirs))


def test_batchnorm3d_loads_a_torch_state_dict_and_refuses_4d() -> None:
    torch = _torch()
    theirs = torch.nn.BatchNorm3d(4).double()
    theirs.train()
    theirs(torch.randn(2, 4, 2, 3, 3, dtype=torch.float64))
    ours = nn.BatchNorm3d(4)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert int(np.asarray(ours.num_batches_tracked)) == 1
    assert ours.running_mean is not None
    np.testing.assert_array_equal(ours.running_mean, theirs.running_mean.numpy())
    with pytest.raises(ValueError, match=r"BatchNorm3d\(4\): expected input \(N, 4, D, H, W\), "
                                         r"got shape \(4, 2, 3, 3\)"):
        ours(np.ones((4, 2, 3, 3)))  # PyTorch refuses unbatched input too
    with pytest.raises(ValueError, match=r"got shape \(2, 3, 2, 2, 2\)"):
        ours(np.ones((2, 3, 2, 2, 2)))


# ----------------------------------------------------------------------------- errors
def test_errors_name_the_layer_and_what_is_wrong() -> None:
    x = np.ones((1, 2, 3, 4, 5))
    w = np.ones((4, 2, 2, 2, 2))
    pair: Any = (1, 2)  # (wrong on purpose: a pair where a triple belongs)
    one: Any = 1  # (an int where a bool belongs)
    cases: list[tuple[Any, type[Exception], str]] = [
        (lambda: F.conv3d(np.ones((2, 3, 4)), w), ValueError,
         r"conv3d: input must be 5-d \(N, C, \*spatial\) or 4-d unbatched, got shape "
         r"\(2, 3, 4\)"),
        (lambda: F.conv3d(x, np.ones((4, 2, 2, 2))), ValueError,
         r"conv3d: weight must be 5-d \(out, in/groups, kD, kH, kW\), got shape"),
        (lambda: F.conv3d(np.ones((1, 3, 3, 4, 5)), w), ValueError,
         r"conv3d: input of shape \(1, 3, 3, 4, 5\) has 3 channels, the weight of shape "
         r"\(4, 2, 2, 2, 2\) with groups=1 expects 2"),
        (lambda: F.conv3d(x, np.ones((4, 2, 4, 2, 2))), ValueError,
         r"conv3d: kernel size \(4, 2, 2\) \(dilation \(1, 1, 1\)\) is bigger than the padded "
         r"input \(3, 4, 5\)"),
        (lambda: F.conv3d(x, w, stride=pair), ValueError,
         r"conv3d: stride must be an int >= 1 or a tuple of 3 such ints, got \(1, 2\)"),
        (lambda: F.conv3d(x, w, padding="same", stride=2), ValueError,
         r"conv3d: padding='same' is not supported for strided convolutions"),
        (lambda: F.conv3d(x, w, bias=np.ones(3)), ValueError,
         r"conv3d: bias of shape \(3,\) does not fit 4 output channels"),
        (lambda: F.conv3d(x, np.ones((3, 1, 2, 2, 2)), groups=2), ValueError,
         r"conv3d: groups=2 does not divide the 3 output channels"),
        (lambda: nn.Conv3d(3, 4, 2, groups=2), ValueError,
         r"Conv3d: groups=2 must divide in_channels=3 and out_channels=4"),
        (lambda: nn.Conv3d(2, 4, 2, padding_mode="edge"), ValueError,
         r"Conv3d: padding_mode must be one of .* \(PyTorch's name for 'edge' is 'replicate'\)"),
        (lambda: nn.Conv3d(2, 4, 3, padding=3, padding_mode="reflect", rng=RNG(0))(x),
         ValueError, r"Conv3d: padding=\(3, 3, 3\) in padding_mode='reflect' does not fit the "
                     r"input of shape \(1, 2, 3, 4, 5\)"),
        (lambda: nn.Conv3d(2, 4, 3, padding_mode="circular", rng=RNG(0))(np.ones((2, 3))),
         ValueError, r"Conv3d: input must be 5-d \(N, C, D, H, W\) or 4-d unbatched, got "
                     r"shape \(2, 3\)"),
        (lambda: F.max_pool3d(np.ones((2, 3, 4)), 2), ValueError,
         r"max_pool3d: input must be 5-d \(N, C, D, H, W\) or 4-d \(C, D, H, W\), got shape "
         r"\(2, 3, 4\)"),
        (lambda: F.max_pool3d(x, 2, padding=(0, 2, 0)), ValueError,
         r"max_pool3d: padding \(0, 2, 0\) must be at most half the kernel size \(2, 2, 2\)"),
        (lambda: F.max_pool3d(x, (4, 2, 2)), ValueError,
         r"max_pool3d: kernel size \(4, 2, 2\) \(dilation \(1, 1, 1\)\) is bigger than the "
         r"padded input \(3, 4, 5\) \(padding \(0, 0, 0\)\)"),
        (lambda: F.max_pool3d(x, 2, return_indices=one), TypeError,
         r"max_pool3d: return_indices must be a bool"),
        (lambda: F.avg_pool3d(x, (4, 2, 2)), ValueError,
         r"avg_pool3d: kernel size \(4, 2, 2\) is bigger than the padded input \(3, 4, 5\)"),
        (lambda: F.avg_pool3d(np.ones((1, 2, 2, 1, 6)), (1, 3, 3), padding=(0, 1, 0)),
         ValueError, r"avg_pool3d: input of spatial size \(2, 1, 6\) is smaller than the "
                     r"kernel size \(1, 3, 3\)"),
        (lambda: F.avg_pool3d(x, 2, divisor_override=0), ValueError,
         r"avg_pool3d: divisor_override must be an int >= 1, got 0"),
        (lambda: F.avg_pool3d(x, pair), ValueError,
         r"avg_pool3d: kernel_size must be an int >= 1 or a tuple of 3 such ints"),
        (lambda: nn.MaxPool3d(2, padding=2), ValueError,
         r"MaxPool3d: padding 2 must be at most half the kernel size 2"),
        (lambda: nn.AvgPool3d(2, stride=0), ValueError,
         r"AvgPool3d: stride must be an int >= 1 or a tuple of 3 such ints, got 0"),
        (lambda: nn.AvgPool3d(2, count_include_pad=one), TypeError,
         r"AvgPool3d: count_include_pad must be a bool"),
        (lambda: nn.BatchNorm3d(0), ValueError,
         r"BatchNorm3d: num_features must be a positive int, got 0"),
        (lambda: nn.BatchNorm3d(2)(np.ones((1, 2, 1, 1, 1))), ValueError,
         r"BatchNorm3d: need more than 1 value per channel in training, got input shape "
         r"\(1, 2, 1, 1, 1\)"),
    ]
    for call, exc, pattern in cases:
        with pytest.raises(exc, match=pattern):
            call()


def test_names_are_exported_as_in_torch() -> None:
    torch = _torch()
    for name in ("Conv3d", "MaxPool3d", "AvgPool3d", "BatchNorm3d"):
        assert name in nn.__all__ and issubclass(getattr(nn, name), nn.Module)
        assert hasattr(torch.nn, name)
    for name in ("conv3d", "max_pool3d", "avg_pool3d"):
        assert name in F.__all__ and hasattr(torch.nn.functional, name)
