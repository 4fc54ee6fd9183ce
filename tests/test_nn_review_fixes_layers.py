"""Review fixes in nn, layers: Conv1d/Conv2d ``padding_mode``, the padding layers and
GroupNorm, against PyTorch (float64, identical weights: values and every gradient)."""

from __future__ import annotations

import inspect
import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_api import JUNK, check_call

import nn
from autograd_mini import Tensor

torch = pytest.importorskip("torch")
RNG = np.random.default_rng
TOL = 1e-10
pytestmark = [pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning"),
              pytest.mark.usefixtures("one_torch_thread")]


def _close(a: Any, b: Any) -> None:
    a = a.data if isinstance(a, Tensor) else a
    np.testing.assert_allclose(a, b.detach().numpy(), rtol=0, atol=TOL)


def _run_both(ours: nn.Module, ref: Any, x: np.ndarray, rng: np.random.Generator
              ) -> tuple[Tensor, Any]:
    """Forward and backward with the same input and output gradient; (our x, torch's x)."""
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xa), ref(xt)
    assert y.shape == tuple(yt.shape)
    _close(y, yt)
    g = rng.normal(size=yt.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    assert xa.grad is not None
    _close(xa.grad, xt.grad)
    return xa, xt


# ----------------------------------------------------------------------------- padding_mode
CONV_CASES: list[tuple[Any, Any, Any, Any, int]] = [  # kernel, stride, padding, dilation, groups
    (3, 1, 1, 1, 1), (3, 2, 2, 1, 2), (2, 1, "same", 2, 4), (3, 1, "valid", 1, 1),
    (3, 2, (1, 2), (2, 1), 2), (2, 3, (2, 0), 1, 4),
]


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("nd", [1, 2])
def test_conv_padding_modes_match_torch(mode: str, nd: int) -> None:
    rng = RNG(0)
    for k, s, p, d, groups in CONV_CASES:
        if nd == 1:  # the first of each pair
            s, p, d = (v[0] if isinstance(v, tuple) else v for v in (s, p, d))
        ours = (nn.Conv2d if nd == 2 else nn.Conv1d)(
            4, 8, k, stride=s, padding=p, dilation=d, groups=groups, padding_mode=mode, rng=rng)
        ref = getattr(torch.nn, f"Conv{nd}d")(4, 8, k, stride=s, padding=p, dilation=d,
                                                groups=groups, padding_mode=mode,
                                                dtype=torch.float64)
        ref.load_state_dict({n: torch.tensor(v) for n, v in ours.state_dict().items()})
        for shape in ((2, 4, 7, 6)[:nd + 2], (4, 7, 6)[:nd + 1]):  # batched and unbatched
            ours.zero_grad()
            ref.zero_grad()
            _run_both(ours, ref, rng.normal(size=shape), rng)
            _close(ours.weight.grad, ref.weight.grad)
            assert ours.bias is not None
            _close(ours.bias.grad, ref.bias.grad)


def test_conv_padding_mode_keeps_float32_and_shows_in_repr() -> None:
    conv = nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular", dtype=np.float32)
    x = Tensor(RNG(1).normal(size=(1, 2, 4, 4)).astype(np.float32), requires_grad=True)
    y = conv(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad is not None and x.grad.dtype == np.float32
    assert repr(conv).split("  #")[0] == (  # (ours adds the parameter count after "  #")
        "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), "
        "padding_mode='circular')")
    assert "padding_mode" not in repr(nn.Conv1d(2, 3, 3))


def test_conv_padding_mode_errors_name_the_public_class() -> None:
    cases: list[tuple[type[Exception], str, Any]] = [
        (ValueError, r"^Conv2d: padding_mode must be one of \('zeros', 'reflect', 'replicate', "
         r"'circular'\), got 'mirror'", lambda: nn.Conv2d(1, 1, 3, padding_mode="mirror")),
        (ValueError, r"^Conv1d: padding_mode .*got 'edge' \(PyTorch's name for 'edge' is "
         r"'replicate'\)", lambda: nn.Conv1d(1, 1, 3, padding_mode="edge")),
        (ValueError, r"^Conv1d: padding_mode .*got None",
         lambda: nn.Conv1d(1, 1, 3, padding_mode=None)),  # type: ignore[arg-type]
        (TypeError, r"^Conv2d\.__init__\(\) got an unexpected keyword argument 'padding_mod'",
         lambda: nn.Conv2d(1, 1, 3, padding_mod="zeros")),  # type: ignore[call-arg]
        (TypeError, r"^Conv1d\.__init__\(\) got an unexpected keyword argument 'device'",
         lambda: nn.Conv1d(1, 1, 3, device="cpu")),  # type: ignore[call-arg]
        (TypeError, r"^Conv2d\.__init__\(\) takes from 4 to 12 positional arguments",
         lambda: nn.Conv2d(  # type: ignore[call-arg]
             1, 1, 3, 1, 0, 1, 1, True, "zeros", None, np.float64, 0)),
        (ValueError, r"^Conv1d: padding=\(3,\) in padding_mode='reflect' does not fit the "
         r"input of shape \(1, 1, 3\)",
         lambda: nn.Conv1d(1, 1, 3, padding=3, padding_mode="reflect")(np.zeros((1, 1, 3)))),
        (ValueError, r"^Conv2d: input must be 4-d",
         lambda: nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect")(np.zeros((3, 3)))),
    ]
    for exc, pattern, call in cases:
        with pytest.raises(exc, match=pattern) as info:
            call()
        assert "ConvNd" not in str(info.value)


# ----------------------------------------------------------------------------- padding layers
PADS = [  # (class name, padding, extra arguments)
    ("ZeroPad1d", 2, ()), ("ZeroPad1d", (1, -1), ()), ("ZeroPad2d", (1, 2, 0, 3), ()),
    ("ZeroPad2d", 1, ()), ("ConstantPad1d", (2, 0), (3.5,)), ("ConstantPad2d", 1, (-1.0,)),
    ("ConstantPad2d", (0, 1, 2, -1), (2.0,)), ("ReflectionPad1d", 2, ()),
    ("ReflectionPad1d", (0, 3), ()), ("ReflectionPad2d", (1, 2, 3, 0), ()),
    ("ReflectionPad2d", 2, ()), ("ReplicationPad1d", (3, 1), ()), ("ReplicationPad2d", 2, ()),
    ("ReplicationPad2d", (0, 4, 1, 2), ()), ("CircularPad1d", 2, ()),
    ("CircularPad1d", (1, 4), ()), ("CircularPad2d", (1, 2, 3, 0), ()), ("CircularPad2d", 1, ()),
]


@pytest.mark.parametrize(("name", "padding", "extra"), PADS,
                         ids=[f"{n}-{p}" for n, p, _ in PADS])
def test_padding_layers_match_torch(name: str, padding: Any, extra: tuple[Any, ...]) -> None:
    rng = RNG(2)
    ours, ref = getattr(nn, name)(padding, *extra), getattr(torch.nn, name)(padding, *extra)
    assert repr(ours) == repr(ref)
    assert ours.padding == ref.padding
    nd = 2 if name.endswith("2d") else 1
    for shape in ((2, 3, 4, 5)[:nd + 2], (3, 4, 5)[:nd + 1]):  # batched and unbatched
        _run_both(ours, ref, rng.normal(size=shape), rng)
    x32 = np.ones((1, 2, 4, 5)[:nd + 2], np.float32)
    assert ours(x32).dtype == np.float32
    assert ours.state_dict() == {} and list(ours.parameters()) == []


def test_padding_layers_class_tree_and_reprs_follow_torch() -> None:
    assert isinstance(nn.ZeroPad1d(1), nn.ConstantPad1d)
    assert isinstance(nn.ZeroPad2d(1), nn.ConstantPad2d)
    assert nn.ZeroPad2d(1).value == 0.0
    assert repr(nn.ConstantPad1d(1, float("-inf"))) == "ConstantPad1d(padding=(1, 1), value=-inf)"
    # the constant layers take any input with enough axes, as PyTorch's
    assert nn.ConstantPad1d(1, 0.0)(np.ones(4)).shape == (6,)
    assert nn.ZeroPad2d(1)(np.ones((2, 1, 2, 3, 4))).shape == (2, 1, 2, 5, 6)


def test_padding_layers_refuse_bad_arguments_naming_the_layer() -> None:
    cases: list[tuple[type[Exception], str, Any]] = [
        (TypeError, r"^ZeroPad2d: padding must be an int or a tuple of 4 ints \(left, right, "
         r"top, bottom\), got \(1, 2\)", lambda: nn.ZeroPad2d((1, 2))),  # type: ignore[arg-type]
        (TypeError, r"^ReflectionPad1d: padding must be an int or a tuple of 2 ints \(left, "
         r"right\), got 1.5", lambda: nn.ReflectionPad1d(1.5)),  # type: ignore[arg-type]
        (TypeError, r"^ConstantPad1d: value must be a real number, got 'a'",
         lambda: nn.ConstantPad1d(1, "a")),  # type: ignore[arg-type]
        (TypeError, r"^CircularPad2d\.__init__\(\) takes 2 positional arguments",
         lambda: nn.CircularPad2d(1, 0.0)),  # type: ignore[call-arg]
        (ValueError, r"^ReflectionPad1d: expected input \(N, C, W\) or unbatched \(C, W\), got "
         r"shape \(4,\)", lambda: nn.ReflectionPad1d(1)(np.ones(4))),
        (ValueError, r"^CircularPad2d: expected input \(N, C, H, W\) or unbatched \(C, H, W\), "
         r"got shape \(1, 1, 1, 3, 3\)", lambda: nn.CircularPad2d(1)(np.ones((1, 1, 1, 3, 3)))),
        (ValueError, r"^ReflectionPad1d: padding=\(3, 3\) does not fit the input of shape "
         r"\(1, 2, 3\): .*reflect padding must be less than the length",
         lambda: nn.ReflectionPad1d(3)(np.ones((1, 2, 3)))),
        (ValueError, r"^ZeroPad2d: input of shape \(3,\) has fewer than the 2 axes",
         lambda: nn.ZeroPad2d(1)(np.ones(3))),
    ]
    for exc, pattern, call in cases:
        with pytest.raises(exc, match=pattern):
            call()


# ----------------------------------------------------------------------------- GroupNorm
@pytest.mark.parametrize(("groups", "channels", "shape"), [
    (1, 4, (3, 4)), (2, 4, (3, 4, 5)), (4, 4, (2, 4, 3, 3)), (3, 6, (2, 6, 2, 3, 2)),
    (2, 6, (1, 6, 7)),
])
def test_groupnorm_matches_torch(groups: int, channels: int, shape: tuple[int, ...]) -> None:
    rng = RNG(3)
    for affine, bias in itertools.product([True, False], [True, False]):
        ours = nn.GroupNorm(groups, channels, eps=1e-3, affine=affine, bias=bias)
        ref = torch.nn.GroupNorm(groups, channels, eps=1e-3, affine=affine, bias=bias,
                                 dtype=torch.float64)
        assert repr(ours).split("  #")[0] == repr(ref)  # (ours adds the parameter count)
        assert list(ours.state_dict()) == list(ref.state_dict())
        for p in (ours.weight, ours.bias):  # values other than 1 and 0, loaded by name
            if p is not None:
                p.data[...] = rng.normal(size=channels)
        ref.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()},
                            strict=True)
        _run_both(ours, ref, rng.normal(size=shape) * 3 + 1, rng)
        for p, pt in ((ours.weight, ref.weight), (ours.bias, ref.bias)):
            assert (p is None) == (pt is None)
            if p is not None:
                assert p.grad is not None
                _close(p.grad, pt.grad)
        ours.eval()  # no running statistics: the same in eval mode
        _close(ours(np.ones(shape)), ref.eval()(torch.ones(shape, dtype=torch.float64)))


def test_groupnorm_keeps_float32_and_handles_empty_batches() -> None:
    gn = nn.GroupNorm(2, 4, dtype=np.float32)
    assert gn.weight is not None
    x = Tensor(RNG(4).normal(size=(3, 4, 5)).astype(np.float32), requires_grad=True)
    y = gn(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad is not None and x.grad.dtype == np.float32
    assert gn.weight.grad is not None and gn.weight.grad.dtype == np.float32
    ref = torch.nn.GroupNorm(2, 4)
    np.testing.assert_allclose(y.data, ref(torch.tensor(x.data)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    gn.zero_grad()
    empty = Tensor(np.zeros((0, 4, 5), np.float32), requires_grad=True)
    out = gn(empty)
    out.sum().backward()
    assert out.shape == (0, 4, 5) and empty.grad is not None and empty.grad.shape == (0, 4, 5)
    assert gn.weight.grad is not None
    np.testing.assert_array_equal(gn.weight.grad.data, np.zeros(4, np.float32))


def test_groupnorm_refuses_bad_arguments() -> None:
    cases: list[tuple[type[Exception], str, Any]] = [
        (ValueError, r"^GroupNorm: num_channels \(4\) must be divisible by num_groups \(3\)",
         lambda: nn.GroupNorm(3, 4)),
        (ValueError, r"^GroupNorm: num_groups must be a positive int, got 0",
         lambda: nn.GroupNorm(0, 4)),
        (ValueError, r"^GroupNorm: num_groups must be a positive int, got 2.0",
         lambda: nn.GroupNorm(2.0, 4)),  # type: ignore[arg-type]
        (ValueError, r"^GroupNorm: eps must be", lambda: nn.GroupNorm(2, 4, eps=0.0)),
        (TypeError, r"^GroupNorm: affine must be a bool", lambda: nn.GroupNorm(
            2, 4, affine=1)),  # type: ignore[arg-type]
        (ValueError, r"^GroupNorm\(2, 4\): expected input \(N, 4, \*\) with at least 2 axes, got "
         r"shape \(2, 3, 5\)", lambda: nn.GroupNorm(2, 4)(np.ones((2, 3, 5)))),
        (ValueError, r"^GroupNorm\(2, 4\): expected input .*got shape \(4,\)",
         lambda: nn.GroupNorm(2, 4)(np.ones(4))),
    ]
    for exc, pattern, call in cases:
        with pytest.raises(exc, match=pattern):
            call()


# ----------------------------------------------------------------------------- fuzz
NEW_LAYERS: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "GroupNorm": (nn.GroupNorm, (2, 4)), "ZeroPad2d": (nn.ZeroPad2d, ()),
    "ConstantPad1d": (nn.ConstantPad1d, ()), "ReflectionPad2d": (nn.ReflectionPad2d, ()),
    "CircularPad1d": (nn.CircularPad1d, ()), "ReplicationPad1d": (nn.ReplicationPad1d, ()),
    "Conv1d": (nn.Conv1d, (2, 2, 3)),
}


@pytest.mark.parametrize("name", sorted(NEW_LAYERS))
@given(data=st.data())
def test_new_layers_refuse_junk_naming_themselves(name: str, data: st.DataObject) -> None:
    cls, valid = NEW_LAYERS[name]
    names = [p for p in inspect.signature(cls).parameters][len(valid):]
    args = [*valid, *(data.draw(JUNK, label=n) for n in names[:data.draw(st.integers(0, 2))])]
    key = data.draw(st.sampled_from(names), label="keyword")
    kwargs = {} if key in names[:len(args) - len(valid)] else {key: data.draw(JUNK, label=key)}
    check_call(cls, tuple(args), kwargs, (cls.__name__,))
    layer = cls(*valid) if valid else cls(1, 0.0) if name == "ConstantPad1d" else cls(1)
    check_call(layer, (data.draw(JUNK, label="input"),), {}, (name, "pad", "conv1d"))
