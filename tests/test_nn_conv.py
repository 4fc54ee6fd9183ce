"""Conv1d/Conv2d and the pooling layers against PyTorch (float64, identical weights),
gradcheck and gradgradcheck, dtypes, initialisation and errors."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor
from nn.conv import Conv1d, Conv2d, conv1d, conv2d
from nn.pooling import AvgPool2d, MaxPool2d, avg_pool2d, max_pool2d
from nn.pooling_adaptive import AdaptiveAvgPool2d, adaptive_avg_pool2d

torch = pytest.importorskip("torch")
RNG = np.random.default_rng
TOL = 1e-10
# PyTorch's own note on asymmetric "same" padding, not ours
pytestmark = [pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning"),
              pytest.mark.usefixtures("one_torch_thread")]  # (tiny convolutions)


def _close(a: Any, b: Any) -> None:
    a = a.data if isinstance(a, Tensor) else a
    np.testing.assert_allclose(a, b.detach().numpy(), rtol=0, atol=TOL)


def _check_conv(layer: Any, ref: Any, x: np.ndarray, rng: np.random.Generator) -> None:
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(layer.weight.data))
        if layer.bias is not None:
            ref.bias.copy_(torch.tensor(layer.bias.data))
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = layer(xa), ref(xt)
    _close(y, yt)
    g = rng.normal(size=yt.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    _close(xa.grad, xt.grad)
    _close(layer.weight.grad, ref.weight.grad)
    if layer.bias is not None:
        _close(layer.bias.grad, ref.bias.grad)


CONV2D_GRID = list(itertools.product(
    [1, 2, (2, 3), 3], [1, 2], [0, 1, "same", "valid", (1, 0)], [1, (2, 1)], [1, 2, 4],
    [True, False]))


@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_torch_on_a_grid(bias: bool) -> None:
    rng = RNG(0)
    for k, s, p, d, groups, _ in [c for c in CONV2D_GRID if c[-1] == bias]:
        if p == "same" and s != 1:
            continue
        layer = Conv2d(4, 8, k, stride=s, padding=p, dilation=d, groups=groups, bias=bias,
                       rng=rng)
        ref = torch.nn.Conv2d(4, 8, k, stride=s, padding=p, dilation=d, groups=groups,
                              bias=bias, dtype=torch.float64)
        assert [(n, v.shape) for n, v in layer.named_parameters()] == \
            [(n, tuple(v.shape)) for n, v in ref.named_parameters()]
        _check_conv(layer, ref, rng.normal(size=(2, 4, 7, 6)), rng)


def test_conv1d_matches_torch_on_a_grid() -> None:
    rng = RNG(1)
    for k, s, p, d, groups, bias in itertools.product(
            [1, 2, 3], [1, 2], [0, 2, "same", "valid", (1,)], [1, 2], [1, 2, 4], [True, False]):
        if p == "same" and s != 1:
            continue
        layer = Conv1d(4, 4, k, stride=s, padding=p, dilation=d, groups=groups, bias=bias,
                       rng=rng)
        ref = torch.nn.Conv1d(4, 4, k, stride=s, padding=p, dilation=d, groups=groups,
                              bias=bias, dtype=torch.float64)
        _check_conv(layer, ref, rng.normal(size=(3, 4, 9)), rng)


def test_unbatched_input_and_functional_forms() -> None:
    rng = RNG(2)
    x, w, b = rng.normal(size=(3, 6, 5)), rng.normal(size=(4, 3, 2, 2)), rng.normal(size=4)
    ref = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), 1, 1)
    _close(conv2d(x, Tensor(w), b, padding=1), ref)
    x1, w1 = rng.normal(size=(3, 8)), rng.normal(size=(2, 3, 3))
    _close(conv1d(x1, w1, stride=2), torch.nn.functional.conv1d(
        torch.tensor(x1), torch.tensor(w1), stride=2))


def test_second_order_matches_torch() -> None:
    rng = RNG(3)
    x, w = rng.normal(size=(2, 4, 6, 5)), rng.normal(size=(6, 2, 3, 2))
    v = rng.normal(size=x.shape)
    xa, wa = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    (gx,) = torch.autograd.grad(
        (torch.nn.functional.conv2d(xt, wt, None, 2, 1, (1, 2), 2) ** 2).sum(), [xt],
        create_graph=True)
    (gx * torch.tensor(v)).sum().backward()
    (conv2d(xa, wa, None, 2, 1, (1, 2), 2) ** 2).sum().backward(create_graph=True)
    gxa = xa.grad
    assert gxa is not None
    xa.grad = wa.grad = None
    (gxa * v).sum().backward()
    _close(xa.grad, xt.grad)
    _close(wa.grad, wt.grad)


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1),
       st.integers(1, 2), st.sampled_from([1, 2]), st.integers(0, 2**31))
def test_conv2d_gradcheck_and_gradgradcheck(kh: int, kw: int, s: int, p: int, d: int,
                                            groups: int, seed: int) -> None:
    rng = RNG(seed)
    x = rng.normal(size=(2, 2, 5, 5))
    w, b = rng.normal(size=(2, 2 // groups, kh, kw)), rng.normal(size=2)

    def f(x: Any, w: Any, b: Any) -> Tensor:
        return conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=groups)

    assert am.gradcheck(f, [x, w, b])
    assert am.gradgradcheck(lambda x, w, b: (f(x, w, b) ** 2).sum(), [x, w, b])


def test_conv1d_gradcheck_and_gradgradcheck() -> None:
    rng = RNG(4)
    x, w = rng.normal(size=(2, 2, 7)), rng.normal(size=(4, 1, 3))

    for kw in ({"stride": 2, "padding": 1}, {"padding": "same", "dilation": 2}):
        def f(x: Any, w: Any, kw: Any = kw) -> Tensor:
            return conv1d(x, w, groups=2, **kw)

        assert am.gradcheck(f, [x, w])
        assert am.gradgradcheck(lambda x, w, f=f: (f(x, w) ** 3).sum(), [x, w])


def test_init_is_pytorch_default_seeded_and_float32_kept() -> None:
    layer = Conv2d(4, 6, (3, 2), groups=2, rng=RNG(5))
    bound = 1 / np.sqrt(2 * 3 * 2)  # fan_in = in/groups · KH · KW
    ref = RNG(5)
    np.testing.assert_array_equal(layer.weight.data, ref.uniform(-bound, bound, (6, 2, 3, 2)))
    np.testing.assert_array_equal(layer.bias.data, ref.uniform(-bound, bound, 6))  # type: ignore[union-attr]
    tl = torch.nn.Conv2d(4, 6, (3, 2), groups=2)
    assert float(tl.weight.detach().abs().max()) <= bound
    assert float(tl.bias.detach().abs().max()) <= bound
    am.manual_seed(9)
    a = Conv1d(3, 2, 2).weight.data
    am.manual_seed(9)
    np.testing.assert_array_equal(Conv1d(3, 2, 2).weight.data, a)
    c32 = Conv2d(2, 3, 3, padding=1, dtype=np.float32, rng=RNG(0))
    x = Tensor(RNG(1).normal(size=(2, 2, 5, 5)).astype(np.float32), requires_grad=True)
    y = max_pool2d(c32(x), 2)
    y = avg_pool2d(y, 2, 1) + adaptive_avg_pool2d(y, 1)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float32
    assert c32.weight.grad is not None and c32.weight.grad.dtype == np.float32


def test_reprs() -> None:
    assert repr(Conv2d(1, 8, 3, padding=1, rng=RNG(0))).startswith(
        "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))")
    assert Conv1d(4, 2, 3, padding="same", dilation=2, groups=2, bias=False,
                  rng=RNG(0)).extra_repr() == ("4, 2, kernel_size=(3,), stride=(1,), "
                                               "padding='same', dilation=(2,), groups=2, "
                                               "bias=False")
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(MaxPool2d(2, dilation=2, ceil_mode=True)) == (
        "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(2, 2), "
        "ceil_mode=True)")
    assert repr(AvgPool2d(3, 1, count_include_pad=False, divisor_override=4)) == (
        "AvgPool2d(kernel_size=(3, 3), stride=(1, 1), padding=(0, 0), count_include_pad=False, "
        "divisor_override=4)")
    assert repr(AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=(1, 1))"


@pytest.mark.parametrize(("call", "match"), [
    (lambda: Conv2d(3, 4, 3, rng=RNG(0))(np.ones((1, 2, 5, 5))), "has 2 channels"),
    (lambda: Conv2d(3, 4, 3, rng=RNG(0))(np.ones((1, 3, 2, 5))), "bigger than the padded"),
    (lambda: conv1d(np.ones((1, 2, 3)), np.ones((1, 2, 3)), dilation=2), "bigger than"),
    (lambda: Conv2d(3, 4, 3, groups=2), "groups=2 must divide"),
    (lambda: conv2d(np.ones((1, 4, 5, 5)), np.ones((3, 2, 1, 1)), groups=2), "does not divide"),
    (lambda: Conv2d(3, 4, 3, stride=2, padding="same"), "padding='same'"),
    (lambda: conv1d(np.ones((1, 1, 5)), np.ones((1, 1, 3)), stride=2, padding="same"),
     "padding='same'"),
    (lambda: Conv2d(3, 4, 3, padding="full"), "padding must be"),
    (lambda: Conv2d(3, 4, (3, 3, 3)), "kernel_size"),
    (lambda: conv2d(np.ones((5, 5)), np.ones((1, 1, 3, 3))), "input must be 4-d"),
    (lambda: conv2d(np.ones((2, 5, 5)), np.ones((1, 1, 3, 3))), r"shape \(2, 5, 5\) has 2"),
    (lambda: conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 0, 3))), "empty kernel"),
    (lambda: conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), np.ones(2)), "bias of shape"),
    # PyTorch refuses zero output channels too ("expected weight to be at least 1")
    (lambda: conv2d(np.ones((2, 3, 5, 5)), np.ones((0, 3, 3, 3))),
     r"conv2d: weight of shape \(0, 3, 3, 3\) has no output channels"),
    (lambda: conv1d(np.ones((2, 3, 5)), np.ones((0, 3, 3))), "conv1d: .* no output channels"),
    (lambda: MaxPool2d(2, padding=2), "at most half"),
    (lambda: max_pool2d(np.ones((1, 1, 2, 2)), 3), "bigger than the padded"),
    (lambda: avg_pool2d(np.ones((2, 2)), 2), "input must be"),
    (lambda: AdaptiveAvgPool2d(0), "output_size"),
])
def test_clear_errors(call: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def _fits(k: Any, p: Any) -> bool:
    """PyTorch's rule: padding at most half the kernel size."""
    ks = k if isinstance(k, tuple) else (k, k)
    ps = p if isinstance(p, tuple) else (p, p)
    return all(2 * pp <= kk for pp, kk in zip(ps, ks, strict=True))


POOL_GRID: list[tuple[Any, Any, Any]] = [
    (k, s, p) for k, s, p in itertools.product([1, 2, 3, (2, 3)], [None, 1, 2], [0, 1, (1, 0)])
    if _fits(k, p)]


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pools_match_torch_including_ties(kind: str) -> None:
    rng = RNG(6)
    ours, theirs = {"max": (MaxPool2d, torch.nn.MaxPool2d),
                    "avg": (AvgPool2d, torch.nn.AvgPool2d)}[kind]
    for k, s, p in POOL_GRID:
        for x in (rng.normal(size=(2, 3, 7, 6)), rng.integers(0, 3, (2, 3, 7, 6)) * 1.0):
            xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            y, yt = ours(k, s, p)(xa), theirs(k, s, p)(xt)
            _close(y, yt)
            g = rng.normal(size=yt.shape)
            y.backward(g)
            yt.backward(torch.tensor(g))
            _close(xa.grad, xt.grad)


def test_max_pool_never_picks_padding_when_a_window_holds_only_minus_infinity() -> None:
    x = np.array([[[[-np.inf, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]]])
    xa = Tensor(x, requires_grad=True)
    y = MaxPool2d(2, 2, 1)(xa)  # the top-left window holds padding and x[0, 0] = −∞
    np.testing.assert_array_equal(y.data.ravel(), [-np.inf, 2.0, 6.0, 8.0])
    y.backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    np.testing.assert_array_equal(xa.grad.data[0, 0],  # type: ignore[union-attr]
                                  [[10, 0, 20], [0, 0, 0], [30, 0, 40]])
    rng = RNG(8)  # overlapping windows too (they once crashed), against PyTorch
    for k, s, p in POOL_GRID:
        x = rng.normal(size=(2, 2, 5, 6))
        x[rng.random(x.shape) < 0.5] = -np.inf
        xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = MaxPool2d(k, s, p)(xa), torch.nn.MaxPool2d(k, s, p)(xt)
        np.testing.assert_array_equal(y.data, yt.detach().numpy())
        g = rng.normal(size=yt.shape)
        y.backward(g)
        yt.backward(torch.tensor(g))
        _close(xa.grad, xt.grad)


POOL_OPTIONS: list[tuple[Any, Any, Any, Any, bool]] = [
    (k, s, p, d, ceil) for k, s, p, d, ceil in itertools.product(
        [2, 3, (2, 3)], [None, 2, 3], [0, 1, (1, 0)], [1, 2, (1, 3)], [False, True])
    if _fits(k, p)]


def test_max_pool_dilation_and_ceil_mode_match_torch() -> None:
    """Values exactly and gradients, with −∞ cells, on shapes that leave a partial window
    (ceil_mode adds it) and with dilated windows reaching past the input."""
    rng = RNG(10)
    for k, s, p, d, ceil in POOL_OPTIONS:
        for shape in ((2, 2, 7, 6), (1, 1, 4, 9)):
            x = rng.normal(size=shape)
            x[rng.random(shape) < 0.3] = -np.inf
            xt = torch.tensor(x, requires_grad=True)
            try:
                yt = torch.nn.MaxPool2d(k, s, p, d, ceil_mode=ceil)(xt)
            except RuntimeError:  # the window does not fit: ours refuses too
                with pytest.raises(ValueError, match="bigger than the padded input"):
                    MaxPool2d(k, s, p, d, ceil_mode=ceil)(x)
                continue
            xa = Tensor(x, requires_grad=True)
            y = MaxPool2d(k, s, p, d, ceil_mode=ceil)(xa)
            np.testing.assert_array_equal(y.data, yt.detach().numpy())
            g = rng.normal(size=yt.shape)
            y.backward(g)
            yt.backward(torch.tensor(g))
            _close(xa.grad, xt.grad)


def test_avg_pool_options_match_torch() -> None:
    """ceil_mode (partial windows count only what lies inside input and padding),
    count_include_pad=False and divisor_override, as PyTorch computes each window's divisor."""
    rng = RNG(11)
    for k, s, p, _, ceil in POOL_OPTIONS[::3]:
        for include, override in ((True, None), (False, None), (True, 5), (False, 3)):
            x = rng.normal(size=(2, 2, 7, 6))
            xt = torch.tensor(x, requires_grad=True)
            yt = torch.nn.AvgPool2d(k, s, p, ceil, include, override)(xt)
            xa = Tensor(x, requires_grad=True)
            y = AvgPool2d(k, s, p, ceil, include, override)(xa)
            _close(y, yt)
            g = rng.normal(size=yt.shape)
            y.backward(g)
            yt.backward(torch.tensor(g))
            _close(xa.grad, xt.grad)
    x32 = rng.normal(size=(1, 1, 5, 5)).astype(np.float32)
    assert avg_pool2d(x32, 2, ceil_mode=True, count_include_pad=False).dtype == np.float32
    assert max_pool2d(x32, 2, dilation=2, ceil_mode=True).dtype == np.float32


def test_a_dilated_window_of_padding_alone_is_minus_infinity() -> None:
    """A window whose dilated cells all fall in the padding (rows −1 and 2 of 2, or −1 and 1
    of 1) holds no real cell: −∞ and no gradient, as PyTorch gives for the first case (it took
    x[1, 1], outside the window; PyTorch's own kernel reads out of bounds in the second)."""
    for shape, k, p, d in (((1, 1, 2, 2), 2, 1, 3), ((1, 2, 1, 5), (2, 1), (1, 0), (2, 1))):
        xa = Tensor(RNG(13).normal(size=shape), requires_grad=True)
        y = max_pool2d(xa, k, 1, p, d)
        assert np.all(y.data == -np.inf)
        y.backward(RNG(14).normal(size=y.shape))
        np.testing.assert_array_equal(xa.grad.data, 0.0)  # type: ignore[union-attr]
    mixed = max_pool2d(np.arange(6.0).reshape(1, 1, 2, 3), 2, 1, 1, (3, 1))  # empty rows only
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    want = torch.nn.functional.max_pool2d(torch.tensor(x), 2, 1, 1, (3, 1)).numpy()
    np.testing.assert_array_equal(mixed.data, want)
    with pytest.raises(ValueError, match="divisor_override must be an int >= 1, got \\(3, 5\\)"):
        avg_pool2d(np.ones((1, 1, 2, 2)), 2, divisor_override=(3, 5))  # type: ignore[arg-type]


@pytest.mark.parametrize("options", [dict(dilation=2), dict(ceil_mode=True, stride=2),
                                     dict(dilation=(1, 2), ceil_mode=True, padding=1)])
def test_pool_options_gradcheck(options: dict[str, Any]) -> None:
    x = [RNG(12).normal(size=(1, 2, 5, 6))]
    assert am.gradcheck(lambda t: max_pool2d(t, 2, **options), x)
    assert am.gradgradcheck(lambda t: (max_pool2d(t, 2, **options) ** 2).sum(), x)
    if "dilation" not in options:
        avg = dict(options, count_include_pad=False)
        assert am.gradcheck(lambda t: avg_pool2d(t, 2, **avg), x)
        assert am.gradgradcheck(lambda t: (avg_pool2d(t, 2, **avg) ** 2).sum(), x)


@pytest.mark.parametrize("size", [1, (1, 1), 2, (3, 2), (5, None), (7, 6), (4, 5)])
def test_adaptive_avg_pool_matches_torch(size: Any) -> None:
    x = RNG(7).normal(size=(2, 3, 7, 6))
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = AdaptiveAvgPool2d(size)(xa), torch.nn.AdaptiveAvgPool2d(size)(xt)
    _close(y, yt)
    g = RNG(8).normal(size=yt.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    _close(xa.grad, xt.grad)
    _close(adaptive_avg_pool2d(x[0], size), torch.nn.functional.adaptive_avg_pool2d(
        torch.tensor(x[0]), size))


@settings(max_examples=6, deadline=None)
@given(st.sampled_from(POOL_GRID), st.integers(0, 2**31))
def test_pools_gradcheck_and_gradgradcheck(ksp: Any, seed: int) -> None:
    k, s, p = ksp
    x = [RNG(seed).normal(size=(1, 2, 5, 4))]
    for f in (lambda t: max_pool2d(t, k, s, p), lambda t: avg_pool2d(t, k, s, p),
              lambda t: adaptive_avg_pool2d(t, (2, 3))):
        assert am.gradcheck(f, x)
        assert am.gradgradcheck(lambda t, f=f: (f(t) ** 2).sum(), x)


def test_unbatched_pools() -> None:
    x = RNG(9).normal(size=(3, 6, 5))
    _close(max_pool2d(x, 2, 1, 1), torch.nn.functional.max_pool2d(torch.tensor(x), 2, 1, 1))
    _close(avg_pool2d(x, 3, 2, 1), torch.nn.functional.avg_pool2d(torch.tensor(x), 3, 2, 1))


def test_cnn_benchmark_nets_agree_after_a_step() -> None:
    """The benchmark's three digits CNNs (ours, hand im2col NumPy, PyTorch) take the same
    first Adam step; step_fns raises otherwise."""
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    added = root not in sys.path
    if added:
        sys.path.insert(0, root)
    try:
        from benchmarks.workloads import cnn
        fns = cnn.step_fns(8, np.float64, real=False)
    finally:
        if added:
            sys.path.remove(root)
    assert set(fns) == {"autograd_mini", "numpy", "torch"}
    losses = [fns[k]() for k in ("autograd_mini", "numpy", "torch")]
    assert max(losses) - min(losses) < 1e-6 * abs(losses[1])


# An empty batch (N = 0): PyTorch's output shapes; every gradient is an empty sum, so zeros of
# its input's shape and dtype (float32 kept).
EMPTY_BATCH: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
    ("Conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3}, (0, 3, 8, 8)),
    ("Conv2d", {"in_channels": 4, "out_channels": 6, "kernel_size": (3, 2), "stride": 2,
                "padding": 1, "dilation": (1, 2), "groups": 2}, (0, 4, 8, 7)),
    ("Conv2d", {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "padding": "same",
                "bias": False}, (0, 2, 5, 5)),
    ("Conv1d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3}, (0, 3, 8)),
    ("Conv1d", {"in_channels": 2, "out_channels": 4, "kernel_size": 3, "stride": 2,
                "padding": "valid", "groups": 2}, (0, 2, 9)),
    ("MaxPool2d", {"kernel_size": 2}, (0, 3, 8, 8)),
    ("MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2,
                   "ceil_mode": True}, (0, 3, 7, 7)),
    ("MaxPool2d", {"kernel_size": 3, "stride": 1}, (0, 2, 5, 5)),  # overlapping windows
    ("AvgPool2d", {"kernel_size": 2}, (0, 3, 8, 8)),
    ("AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                   "count_include_pad": False}, (0, 3, 7, 7)),
    ("AvgPool2d", {"kernel_size": 2, "divisor_override": 3}, (0, 3, 6, 6)),
    ("AdaptiveAvgPool2d", {"output_size": 2}, (0, 3, 8, 8)),
]
LAYERS = {"Conv1d": Conv1d, "Conv2d": Conv2d, "MaxPool2d": MaxPool2d, "AvgPool2d": AvgPool2d,
          "AdaptiveAvgPool2d": AdaptiveAvgPool2d}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs", "shape"), EMPTY_BATCH)
def test_empty_batch_matches_torch(name: str, kwargs: dict[str, Any], shape: tuple[int, ...],
                                   dtype: Any) -> None:
    conv = name.startswith("Conv")
    layer = LAYERS[name](**kwargs, **({"dtype": dtype} if conv else {}))
    tdtype = getattr(torch, np.dtype(dtype).name)
    ref = getattr(torch.nn, name)(**kwargs).to(tdtype)
    x = Tensor(np.zeros(shape, dtype), requires_grad=True)
    xt = torch.zeros(shape, dtype=tdtype, requires_grad=True)
    y, yt = layer(x), ref(xt)
    assert y.shape == tuple(yt.shape) and y.shape[0] == 0
    assert y.dtype == dtype
    y.sum().backward()
    yt.sum().backward()
    assert x.grad is not None and x.grad.shape == shape and x.grad.dtype == dtype
    for p, pt in zip(layer.parameters(), ref.parameters(), strict=True):
        assert p.grad is not None, name
        assert p.grad.shape == p.shape == tuple(pt.shape) and p.grad.dtype == dtype
        np.testing.assert_array_equal(p.grad.data, np.zeros(p.shape, dtype))
        np.testing.assert_array_equal(p.grad.data, pt.grad.numpy())


def test_empty_batch_functional_forms_and_second_order() -> None:
    """The functional forms with N = 0; create_graph goes through the transposed-convolution
    and weight-gradient ops (and max pooling's scatter), which must handle N = 0 as well."""
    f = torch.nn.functional
    rng = RNG(11)
    x2, w2, b = np.zeros((0, 2, 6, 5)), rng.normal(size=(4, 1, 3, 2)), rng.normal(size=4)
    x1, w1 = np.zeros((0, 2, 7)), rng.normal(size=(3, 2, 3))
    assert conv2d(x2, w2, b, 2, 1, 1, 2).shape == tuple(f.conv2d(
        torch.tensor(x2), torch.tensor(w2), torch.tensor(b), 2, 1, 1, 2).shape) == (0, 4, 3, 3)
    assert conv1d(x1, w1, padding="same").shape == tuple(f.conv1d(
        torch.tensor(x1), torch.tensor(w1), padding="same").shape) == (0, 3, 7)
    assert max_pool2d(x2, 2).shape == tuple(f.max_pool2d(torch.tensor(x2), 2).shape)
    assert avg_pool2d(x2, 3, 1, 1).shape == tuple(f.avg_pool2d(torch.tensor(x2), 3, 1, 1).shape)
    assert adaptive_avg_pool2d(x2, (1, 3)).shape == (0, 2, 1, 3)

    x = Tensor(x2, requires_grad=True)
    w = Tensor(w2, requires_grad=True)
    y = max_pool2d(conv2d(x, w, None, 1, 1, 1, 2), 2, 1)
    (y ** 2).sum().backward(create_graph=True)
    gx, gw = x.grad, w.grad
    assert gx is not None and gw is not None
    assert gx.shape == x2.shape and gw.shape == w2.shape
    np.testing.assert_array_equal(gw.data, np.zeros_like(w2))
    x.grad = w.grad = None
    (gx.sum() + (gw ** 2).sum()).backward()
    assert w.grad is not None and w.grad.shape == w2.shape
    np.testing.assert_array_equal(w.grad.data, np.zeros_like(w2))


def test_zero_channels() -> None:
    """Zero input channels: the sum over channels is empty, so y = b, of shape (N, O, OH, OW)
    (PyTorch returns (N, 0, OH, OW) there, dropping the output channels: not followed).
    Pooling zero channels gives an empty output (PyTorch refuses; only N = 0 is its case)."""
    b = np.arange(4.0)
    y = conv2d(np.zeros((2, 0, 5, 5)), np.zeros((4, 0, 3, 3)), b)
    np.testing.assert_array_equal(y.data, np.broadcast_to(b.reshape(4, 1, 1), (2, 4, 3, 3)))
    assert max_pool2d(np.zeros((2, 0, 4, 4)), 2).shape == (2, 0, 2, 2)
    assert avg_pool2d(np.zeros((0, 4, 4)), 2).shape == (0, 2, 2)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64, np.bool_])
def test_integer_and_bool_inputs_compute_in_float64_as_pooling(dtype: Any) -> None:
    """Integer and bool data are constants and a convolution of them computes in float64,
    as pooling does: no silent wrap-around (an int8 sum 100+100+100 was 44)."""
    x = np.full((1, 1, 3), 100).astype(dtype)
    w = np.ones((1, 1, 3), dtype)
    y = conv1d(x, w)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.data, [[[3.0 * x.flat[0]]]])
    x2 = RNG(12).integers(0, 100, size=(2, 3, 5, 4)).astype(dtype)
    w2 = RNG(13).integers(-3, 4, size=(4, 3, 2, 2)).astype(dtype)
    b = np.arange(4).astype(dtype)
    y2 = conv2d(x2, w2, b, padding=1)
    ref = torch.nn.functional.conv2d(torch.tensor(x2.astype(np.float64)),
                                     torch.tensor(w2.astype(np.float64)),
                                     torch.tensor(b.astype(np.float64)), padding=1)
    assert y2.dtype == np.float64
    _close(y2, ref)
    for pooled in (max_pool2d(x2, 2), avg_pool2d(x2, 2), y2):  # the same rule as pooling
        assert pooled.dtype == np.float64
    w32 = Tensor(w2.astype(np.float32))  # uint8 images and a float32 layer stay float32
    assert conv2d(x2.astype(np.uint8) if dtype != np.bool_ else x2, w32).dtype == np.float32
    w_grad = Tensor(w2.astype(np.float64), requires_grad=True)  # integer x, float weight
    conv2d(x2, w_grad).sum().backward()
    assert w_grad.grad is not None and w_grad.grad.dtype == np.float64
    _close(w_grad.grad, torch.nn.grad.conv2d_weight(
        torch.tensor(x2.astype(np.float64)), w2.shape, torch.ones(2, 4, 4, 3,
                                                                 dtype=torch.float64)))
