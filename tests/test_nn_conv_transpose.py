"""ConvTranspose1d/ConvTranspose2d and their functional forms against PyTorch (float64,
identical weights): values and gradients over a grid of options, output_size, unbatched
input, float32, errors, initialisation, state_dict, gradcheck/gradgradcheck and the adjoint
identity with conv2d."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini import Tensor
from nn.conv import conv1d, conv2d
from nn.conv_transpose import (
    ConvTranspose1d,
    ConvTranspose2d,
    conv_transpose1d,
    conv_transpose2d,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional
RNG = np.random.default_rng
TOL = 1e-10
pytestmark = pytest.mark.usefixtures("one_torch_thread")  # (tiny convolutions)


def _close(a: Any, b: Any, atol: float = TOL) -> None:
    a = a.data if isinstance(a, Tensor) else a
    np.testing.assert_allclose(a, b.detach().numpy(), rtol=0, atol=atol)


def _against_torch(ours: Any, theirs: Any, x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                   rng: np.random.Generator) -> None:
    """ours(x, w, b) and theirs (same call on torch tensors): values and all three gradients
    for a random upstream gradient."""
    xa, wa = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ba = None if b is None else Tensor(b, requires_grad=True)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    y, yt = ours(xa, wa, ba), theirs(xt, wt, bt)
    assert y.shape == tuple(yt.shape)
    _close(y, yt)
    g = rng.normal(size=y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    _close(xa.grad, xt.grad)
    _close(wa.grad, wt.grad)
    if ba is not None and bt is not None:
        _close(ba.grad, bt.grad)


def _one_case(nd: int, x: np.ndarray, k: Any, s: Any, p: Any, op: Any, d: Any, groups: int,
              bias: bool, cout: int, rng: np.random.Generator) -> bool:
    """Compare one setting; where PyTorch refuses it, ours must refuse it too. True if run."""
    ks = k if isinstance(k, tuple) else (k,) * nd
    w = rng.normal(size=(x.shape[-nd - 1], cout // groups, *ks))
    b = rng.normal(size=cout) if bias else None
    ours, theirs = (conv_transpose2d, F.conv_transpose2d) if nd == 2 else \
        (conv_transpose1d, F.conv_transpose1d)
    try:
        theirs(torch.tensor(x), torch.tensor(w), None, s, p, op, groups, d)
    except RuntimeError:
        with pytest.raises(ValueError, match=r"output_padding must be smaller|too small"):
            ours(x, w, b, s, p, op, groups, d)
        return False
    _against_torch(lambda xa, wa, ba: ours(xa, wa, ba, s, p, op, groups, d),
                   lambda xt, wt, bt: theirs(xt, wt, bt, s, p, op, groups, d), x, w, b, rng)
    return True


@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose2d_matches_torch_on_a_grid(bias: bool) -> None:
    rng = RNG(0 + bias)
    ran = 0
    for k, s, p, op, d, groups in itertools.product(
            [1, 2, (2, 3), 3], [1, 2, (3, 1)], [0, 1, (2, 0)], [0, 1, (2, 0)], [1, 2, (1, 3)],
            [1, 2]):
        ran += _one_case(2, rng.normal(size=(2, 4, 4, 3)), k, s, p, op, d, groups, bias, 6, rng)
    assert ran > 300  # most settings are valid (and the refused ones were checked to fail)


def test_conv_transpose1d_matches_torch_on_a_grid() -> None:
    rng = RNG(2)
    ran = 0
    for k, s, p, op, d, groups, bias in itertools.product(
            [1, 2, 3], [1, 2, 3], [0, 1, 3], [0, 1, 2], [1, 2, 3], [1, 2, 4], [True, False]):
        ran += _one_case(1, rng.normal(size=(3, 4, 5)), k, s, p, op, d, groups, bias, 4, rng)
    assert ran > 600


def test_output_padding_past_the_stride_with_a_large_dilation() -> None:
    """output_padding ≥ stride (allowed when < dilation) beyond the padding: rows no tap
    reaches, zeros as PyTorch gives (the route through a zero pad), also in second order."""
    rng = RNG(3)
    for p, op in ((0, 1), (0, 2), (1, 2), (0, (2, 0))):
        x = rng.normal(size=(2, 2, 3, 4))
        assert _one_case(2, x, (2, 3), 1, p, op, 3, 1, True, 2, rng)
    w = rng.normal(size=(2, 3, 2))
    y = conv_transpose1d(rng.normal(size=(2, 5)), w, stride=1, output_padding=2, dilation=3)
    assert y.shape == (3, 10) and np.all(y.data[:, -2:] == 0)  # last tap: 4 + 3·1 = 7
    x = rng.normal(size=(1, 2, 3, 2))
    w2 = rng.normal(size=(2, 1, 2, 2))

    def f(x: Any, w: Any) -> Tensor:
        return conv_transpose2d(x, w, stride=(1, 2), output_padding=(2, 1), dilation=3)

    assert am.gradcheck(f, [x, w2])
    assert am.gradgradcheck(lambda x, w: (f(x, w) ** 2).sum(), [x, w2])


def test_unbatched_input_layers_and_functional() -> None:
    rng = RNG(4)
    x, w, b = rng.normal(size=(4, 3, 5)), rng.normal(size=(4, 3, 2, 3)), rng.normal(size=6)
    _against_torch(lambda xa, wa, ba: conv_transpose2d(xa, wa, ba, 2, 1, 1, 2),
                   lambda xt, wt, bt: F.conv_transpose2d(xt, wt, bt, 2, 1, 1, 2), x, w, b, rng)
    x1, w1 = rng.normal(size=(2, 7)), rng.normal(size=(2, 3, 3))
    _against_torch(lambda xa, wa, ba: conv_transpose1d(xa, wa, ba, stride=2, dilation=2),
                   lambda xt, wt, bt: F.conv_transpose1d(xt, wt, bt, stride=2, dilation=2),
                   x1, w1, None, rng)
    layer = ConvTranspose1d(2, 3, 3, stride=2, rng=rng)
    ref = torch.nn.ConvTranspose1d(2, 3, 3, stride=2, dtype=torch.float64)
    ref.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    _close(layer(x1, output_size=[16]), ref(torch.tensor(x1), output_size=[16]))
    assert nn.functional.conv_transpose2d is conv_transpose2d
    assert nn.functional.conv_transpose1d is conv_transpose1d
    assert nn.ConvTranspose2d is ConvTranspose2d and nn.ConvTranspose1d is ConvTranspose1d


LAYER_OPTIONS: list[dict[str, Any]] = [
    {},
    {"stride": 2, "padding": 1, "output_padding": 1},
    {"stride": (2, 3), "padding": (1, 0), "dilation": (2, 1), "groups": 2, "bias": False},
    {"stride": 3, "output_padding": (2, 1), "groups": 4},
]


@pytest.mark.parametrize("options", LAYER_OPTIONS)
def test_layer_matches_torch_with_its_state_dict(options: dict[str, Any]) -> None:
    rng = RNG(5)
    layer = ConvTranspose2d(4, 8, (3, 2), rng=rng, **options)
    ref = torch.nn.ConvTranspose2d(4, 8, (3, 2), dtype=torch.float64, **options)
    assert list(layer.state_dict()) == list(ref.state_dict())
    assert [(n, v.shape) for n, v in layer.named_parameters()] == \
        [(n, tuple(v.shape)) for n, v in ref.named_parameters()]
    ref.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    assert layer.extra_repr() == ref.extra_repr()
    x = rng.normal(size=(2, 4, 5, 4))
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


def test_output_size_picks_the_output_padding_as_torch() -> None:
    rng = RNG(6)
    layer = ConvTranspose2d(3, 2, 3, stride=(3, 2), padding=1, dilation=(1, 2), rng=rng)
    ref = torch.nn.ConvTranspose2d(3, 2, 3, stride=(3, 2), padding=1, dilation=(1, 2),
                                   dtype=torch.float64)
    ref.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    x = rng.normal(size=(2, 3, 4, 5))
    sizes = []
    for h, w in itertools.product([10, 11, 12], [11, 12]):  # (4−1)·3 − 2 + 2 + 1 = 10, ...
        for size in ((h, w), [2, 2, h, w], torch.Size([h, w])):
            xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            y, yt = layer(xa, output_size=size), ref(xt, output_size=size)
            assert y.shape == (2, 2, h, w)
            _close(y, yt)
            g = rng.normal(size=y.shape)
            y.backward(g)
            yt.backward(torch.tensor(g))
            _close(xa.grad, xt.grad)
        sizes.append(y.shape[2:])
    assert len(set(sizes)) == 6
    one = ConvTranspose1d(2, 2, 2, stride=4, output_padding=3, rng=rng)  # ignored when sized
    assert one(rng.normal(size=(1, 2, 3)), output_size=(10,)).shape == (1, 2, 10)
    assert one(rng.normal(size=(2, 3)), output_size=(2, 11)).shape == (2, 11)
    assert one(rng.normal(size=(2, 3))).shape == (2, 13)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested an output size of "
                                         r"\(13, 12\), but valid sizes range from \(10, 11\) "
                                         r"to \(12, 12\) \(for an input of spatial size "
                                         r"\(4, 5\)\)"):
        layer(x, output_size=(13, 12))
    with pytest.raises(ValueError, match=r"valid sizes range from \(10, 11\)"):
        layer(x, output_size=(10, 10))
    with pytest.raises(ValueError, match=r"output_size must be 2 or 4 ints for an input of "
                                         r"shape \(2, 3, 4, 5\), got \(2, 10, 11\)"):
        layer(x, output_size=(2, 10, 11))
    with pytest.raises(ValueError, match="output_size must be 2 or 3 ints"):
        layer(x[0], output_size=(10.0, 11.0))
    with pytest.raises(ValueError, match="output_size must be 1 or 3 ints"):
        one(rng.normal(size=(1, 2, 3)), output_size=8)


def test_adjoint_of_conv2d_and_conv1d() -> None:
    """⟨conv2d(a, w), b⟩ = ⟨a, conv_transpose2d(b, w)⟩ for the same weight and settings,
    output_padding giving a's size back (the rows a strided conv2d skips)."""
    rng = RNG(7)
    grid: list[tuple[Any, ...]] = list(itertools.product(
        [(3, 2), 1], [1, 2, (3, 2)], [0, (1, 2)], [1, (2, 1)], [1, 3], [(7, 8), (9, 6)]))
    for k, s, p, d, groups, size in grid:
        a = rng.normal(size=(2, 6, *size))
        w = rng.normal(size=(9, 6 // groups, *(k if isinstance(k, tuple) else (k, k))))
        y = conv2d(a, w, None, s, p, d, groups)
        b = rng.normal(size=y.shape)
        back = conv_transpose2d(b, w, None, s, p, 0, groups, d)
        op = tuple(n - m for n, m in zip(size, back.shape[2:], strict=True))
        back = conv_transpose2d(b, w, None, s, p, op, groups, d)
        assert back.shape == a.shape
        np.testing.assert_allclose(np.sum(y.data * b), np.sum(a * back.data), rtol=1e-12)
    a1, w1 = rng.normal(size=(3, 2, 11)), rng.normal(size=(4, 2, 3))
    y1 = conv1d(a1, w1, stride=3, padding=1, dilation=2)
    b1 = rng.normal(size=y1.shape)
    back1 = conv_transpose1d(b1, w1, stride=3, padding=1, output_padding=2, dilation=2)
    np.testing.assert_allclose(np.sum(y1.data * b1), np.sum(a1 * back1.data), rtol=1e-12)


@pytest.mark.parametrize("options", [
    {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
    {"stride": (1, 2), "dilation": (2, 1), "padding": (1, 0), "output_padding": (1, 0)},
])
def test_gradcheck_and_gradgradcheck(options: dict[str, Any]) -> None:
    rng = RNG(8)
    x, b = rng.normal(size=(2, 2, 3, 3)), rng.normal(size=2)
    w = rng.normal(size=(2, 2 // options.get("groups", 1), 2, 3))

    def f(x: Any, w: Any, b: Any) -> Tensor:
        return conv_transpose2d(x, w, b, **options)

    assert am.gradcheck(f, [x, w, b])
    assert am.gradgradcheck(lambda x, w, b: (f(x, w, b) ** 2).sum(), [x, w, b])
    x1, w1 = rng.normal(size=(2, 4)), rng.normal(size=(2, 2, 3))
    assert am.gradcheck(lambda x, w: conv_transpose1d(x, w, stride=2, output_padding=1),
                        [x1, w1])


def test_second_order_matches_torch() -> None:
    rng = RNG(9)
    x, w = rng.normal(size=(2, 4, 3, 4)), rng.normal(size=(4, 3, 3, 2))
    v = rng.normal(size=x.shape)
    xa, wa = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    options = (None, 2, 1, 1, 2, (1, 2))  # bias, stride, padding, output_padding, groups, dil
    (gx,) = torch.autograd.grad((F.conv_transpose2d(xt, wt, *options) ** 3).sum(), [xt],
                                create_graph=True)
    (gx * torch.tensor(v)).sum().backward()
    (conv_transpose2d(xa, wa, *options) ** 3).sum().backward(create_graph=True)
    gxa = xa.grad
    assert gxa is not None
    xa.grad = wa.grad = None
    (gxa * v).sum().backward()
    _close(xa.grad, xt.grad, 1e-9)
    _close(wa.grad, wt.grad, 1e-9)


def test_init_is_pytorchs_default_seeded_and_float32_kept() -> None:
    layer = ConvTranspose2d(64, 8, 3, groups=2, rng=RNG(10))
    bound = 1 / np.sqrt(4 * 3 * 3)  # PyTorch's fan_in: weight.shape[1] · KH · KW = out/groups·9
    ref = RNG(10)
    np.testing.assert_array_equal(layer.weight.data, ref.uniform(-bound, bound, (64, 4, 3, 3)))
    np.testing.assert_array_equal(layer.bias.data, ref.uniform(-bound, bound, 8))  # type: ignore[union-attr]
    torch.manual_seed(0)
    tl = torch.nn.ConvTranspose2d(64, 8, 3, groups=2)
    theirs = tl.weight.detach().abs()
    # 2304 draws of U(−bound, bound): the largest is within 0.5 % of the bound (in/groups would
    # give a bound √8 times smaller), the mean |w| about bound/2
    assert 0.995 * bound < float(theirs.max()) <= bound
    assert abs(float(theirs.mean()) - bound / 2) < 0.03 * bound
    assert float(tl.bias.detach().abs().max()) <= bound
    am.manual_seed(9)
    a = ConvTranspose1d(3, 2, 2).weight.data
    am.manual_seed(9)
    np.testing.assert_array_equal(ConvTranspose1d(3, 2, 2).weight.data, a)
    c32 = ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2,
                          dtype=np.float32, rng=RNG(0))
    x = Tensor(RNG(1).normal(size=(2, 2, 4, 4)).astype(np.float32), requires_grad=True)
    y = c32(x)
    assert y.dtype == np.float32 and y.shape == (2, 4, 8, 8)
    (y * y).sum().backward()
    for t in (x, c32.weight, c32.bias):
        assert t is not None and t.grad is not None and t.grad.dtype == np.float32
    y1 = conv_transpose1d(np.ones((1, 2, 3), np.float32), np.ones((2, 1, 2), np.float32))
    assert y1.dtype == np.float32
    yi = conv_transpose1d(np.ones((1, 2, 3), np.int64), np.ones((2, 1, 2), np.int64))
    assert yi.dtype == np.float64 and yi.data.max() == 4.0


def test_empty_batch_and_large_values() -> None:
    layer = ConvTranspose2d(3, 4, 3, stride=2, output_padding=1, rng=RNG(11))
    x = Tensor(np.zeros((0, 3, 4, 5)), requires_grad=True)
    y = layer(x)
    assert y.shape == tuple(torch.nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1)(
        torch.zeros(0, 3, 4, 5)).shape)
    y.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    np.testing.assert_array_equal(layer.weight.grad.data, 0.0)  # type: ignore[union-attr]
    big = conv_transpose2d(np.full((1, 1, 2, 2), 1000.0), np.full((1, 1, 2, 2), 1000.0))
    np.testing.assert_array_equal(big.data[0, 0], [[1e6, 2e6, 1e6], [2e6, 4e6, 2e6],
                                                   [1e6, 2e6, 1e6]])


@pytest.mark.parametrize(("call", "match"), [
    (lambda: ConvTranspose2d(3, 4, 3, groups=2), "groups=2 must divide in_channels=3"),
    (lambda: ConvTranspose2d(4, 3, 3, groups=2), "and out_channels=3"),
    (lambda: ConvTranspose2d(3, 4, 3, rng=RNG(0))(np.ones((1, 2, 5, 5))),
     r"ConvTranspose2d: input of shape \(1, 2, 5, 5\) has 2 channels, the weight of shape "
     r"\(3, 4, 3, 3\) expects 3"),
    (lambda: conv_transpose2d(np.ones((1, 3, 5, 5)), np.ones((3, 2, 1, 1)), groups=2),
     "conv_transpose2d: groups=2 does not divide the 3 input channels"),
    (lambda: ConvTranspose2d(2, 2, 3, stride=2, output_padding=2),
     r"ConvTranspose2d: output_padding must be smaller than either stride or dilation, got "
     r"output_padding=\(2, 2\), stride=\(2, 2\), dilation=\(1, 1\)"),
    (lambda: conv_transpose1d(np.ones((1, 1, 5)), np.ones((1, 1, 3)), output_padding=1),
     "conv_transpose1d: output_padding must be smaller"),
    (lambda: conv_transpose2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=(2, 1),
                              output_padding=(1, 1)), "output_padding must be smaller"),
    (lambda: ConvTranspose2d(2, 2, 3, padding_mode="reflect"),
     "ConvTranspose2d: only padding_mode='zeros' is supported"),
    (lambda: ConvTranspose1d(2, 2, 3, padding_mode="circular"), "ConvTranspose1d: only"),
    (lambda: ConvTranspose2d(2, 2, 3, padding="same"), "padding must be an int >= 0"),
    (lambda: ConvTranspose2d(2, 2, (3, 3, 3)), "kernel_size"),
    (lambda: ConvTranspose2d(0, 2, 3), "in_channels must be a positive int"),
    (lambda: conv_transpose2d(np.ones((5, 5)), np.ones((1, 1, 3, 3))), "input must be 4-d"),
    (lambda: conv_transpose1d(np.ones((1, 5)), np.ones((1, 1, 3, 3))), "weight must be 3-d"),
    (lambda: conv_transpose2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 0, 3))), "empty kernel"),
    (lambda: conv_transpose2d(np.ones((1, 1, 5, 5)), np.ones((1, 0, 3, 3))),
     r"weight of shape \(1, 0, 3, 3\) has no output channels"),
    (lambda: conv_transpose2d(np.ones((1, 1, 5, 5)), np.ones((1, 2, 3, 3)), np.ones(3)),
     r"bias of shape \(3,\) does not fit 2 output channels"),
    (lambda: conv_transpose2d(np.ones((1, 1, 1, 5)), np.ones((1, 1, 1, 3)), padding=1),
     r"conv_transpose2d: the input of shape \(1, 1, 1, 5\) gives an output of size "
     r"\(-1, 5\) .*too small"),
])
def test_clear_errors(call: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_reprs_match_torch() -> None:
    for nd, options in ((2, {"stride": 2, "padding": 1, "output_padding": 1}),
                        (2, {"dilation": (2, 1), "groups": 2, "bias": False}),
                        (1, {"stride": 3, "output_padding": 2}), (1, {})):
        ours = (ConvTranspose2d if nd == 2 else ConvTranspose1d)(4, 6, 3, rng=RNG(0),
                                                                 **options)
        theirs = (torch.nn.ConvTranspose2d if nd == 2 else torch.nn.ConvTranspose1d)(
            4, 6, 3, **options)
        assert ours.extra_repr() == theirs.extra_repr()
        assert repr(ours).startswith(repr(theirs))  # ours adds a comment: the parameters
