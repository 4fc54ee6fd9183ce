"""The activations against PyTorch (values, gradients and second derivatives in float64 on a grid
with ±1000, softplus's thresholds and the kinks' neighbourhoods), their limits at ±1000 in float32
and float64, their argument errors, and the nn modules (reprs, agreement with the functions)."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pytest

import nn
from autograd_mini import Tensor
from autograd_mini import functional as F
from autograd_mini.backward import backward
from autograd_mini.gradcheck import gradcheck, gradgradcheck

KINKS = [-6.0, -3.0, -1.0, 0.0, 1.0, 3.0, 6.0]
THRESHOLDS = [20.0, -20.0, 10.0, 40.0]  # where βx = threshold for the softplus cases below
EXACT = np.array(KINKS + THRESHOLDS)
GRID = np.unique(np.concatenate([
    np.linspace(-12.0, 12.0, 241),
    [-1000.0, 1000.0, -50.0, 50.0, -1e-300, 1e-300],
    [t + d for t in THRESHOLDS for d in (-1e-3, -1e-9, 0.0, 1e-9, 1e-3)],
    [k + d for k in KINKS for d in (-0.05, -1e-6, -1e-12, 0.0, 1e-12, 1e-6, 0.05)],
]))

#: (function name, keyword arguments): each is called the same way here and in PyTorch
CASES: list[tuple[str, dict[str, Any]]] = [
    ("silu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("mish", {}),
    ("softsign", {}), ("elu", {}), ("elu", {"alpha": 2.0}), ("elu", {"alpha": -0.5}),
    ("celu", {}), ("celu", {"alpha": 0.5}), ("celu", {"alpha": -2.0}), ("selu", {}),
    ("relu6", {}), ("hardtanh", {}), ("hardtanh", {"min_val": -2.0, "max_val": 0.5}),
    ("hardsigmoid", {}), ("hardswish", {}), ("softplus", {}), ("softplus", {"beta": 2.0}),
    ("softplus", {"beta": 0.5, "threshold": 5.0}), ("softplus", {"beta": -1.0}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in kw.items()) for name, kw in CASES]


def _ours(name: str, kw: dict[str, Any], x: np.ndarray, w: np.ndarray, v: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, w-weighted gradient and the v-weighted gradient of that gradient."""
    t = Tensor(x, requires_grad=True)
    y = getattr(F, name)(t, **kw)
    (g,) = backward(F.sum(F.mul(y, w)), create_graph=True, inputs=[t])
    gg = backward(F.sum(F.mul(g, v)), inputs=[t])[0] if g.requires_grad else np.zeros_like(x)
    return y.data, g.data, np.asarray(getattr(gg, "data", gg))


def _torch(torch: Any, name: str, kw: dict[str, Any], x: np.ndarray, w: np.ndarray,
           v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    t = torch.tensor(x, requires_grad=True)
    y = getattr(torch.nn.functional, name)(t, **kw)
    (g,) = torch.autograd.grad((y * torch.tensor(w)).sum(), t, create_graph=True)
    gg = None
    if g.requires_grad:
        try:
            (gg,) = torch.autograd.grad((g * torch.tensor(v)).sum(), t, allow_unused=True)
        except RuntimeError:  # hardsigmoid has no double backward in PyTorch
            return y.detach().numpy(), g.detach().numpy(), None
    gg = np.zeros_like(x) if gg is None else gg.numpy()
    return y.detach().numpy(), g.detach().numpy(), gg


@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_values_and_derivatives_match_pytorch(name: str, kw: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w, v = rng.standard_normal(GRID.shape), rng.standard_normal(GRID.shape)
    y, g, gg = _ours(name, kw, GRID, w, v)
    ty, tg, tgg = _torch(torch, name, kw, GRID, w, v)
    # PyTorch's gelu is x (1 + erf) / 2 or x (1 + tanh) / 2: for x < −3 the sum cancels, which
    # leaves an error of about |x| ulp(1) (the exact form here shares it; the tanh form, x σ(z)
    # here, does not)
    atol = 1e-14 if name == "gelu" else 1e-300
    np.testing.assert_allclose(y, ty, rtol=1e-13, atol=atol)
    # PyTorch's hardsigmoid gradient multiplies by 1/6 rounded to float32
    np.testing.assert_allclose(g, tg, rtol=1e-7 if name == "hardsigmoid" else 1e-12, atol=atol)
    # second derivatives: off the kinks and thresholds (there PyTorch's second derivative takes
    # the other side's), and with the cancellation mish' has in both libraries for x > 5
    # (PyTorch's mish'' is NaN at 1000)
    off = np.min(np.abs(GRID[:, None] - EXACT[None, :]), axis=1) > 0
    if tgg is not None:
        off &= np.isfinite(tgg)
        np.testing.assert_allclose(gg[off], tgg[off], rtol=1e-9, atol=1e-12)
    assert np.all(np.isfinite(gg))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmin_matches_pytorch(axis: int) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).uniform(-5, 5, (4, 6))
    x[0, :2] = [-1000.0, 1000.0]
    w = np.random.default_rng(2).standard_normal(x.shape)
    t = Tensor(x, requires_grad=True)
    F.sum(F.mul(F.softmin(t, axis=axis), w)).backward()
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.softmin(tx, dim=axis)
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(F.softmin(x, axis=axis).data, ty.detach().numpy(), rtol=1e-13,
                               atol=1e-300)
    np.testing.assert_allclose(t.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-300)  # type: ignore[union-attr]


WIDE = [("relu6", {}, [-1.0, 0.5, 5.5, 6.5, 9.0]),
        ("hardsigmoid", {}, [-4.0, -2.9, 0.3, 2.9, 4.0]),
        ("hardswish", {}, [-4.0, -2.9, 0.3, 2.9, 4.0]),
        ("hardtanh", {"min_val": -3.0, "max_val": 4.0}, [-3.5, -2.5, 3.5, 4.5]),
        ("softplus", {}, [-25.0, -19.0, 19.5, 20.5, 30.0]),
        ("softplus", {"beta": 0.25, "threshold": 2.0}, [-12.0, 7.5, 8.5]),
        ("elu", {"alpha": 3.0}, [-30.0, -4.0, 4.0]), ("celu", {"alpha": 0.25}, [-3.0, -0.2]),
        ("gelu", {}, [-6.0, -4.0, 4.0]), ("gelu", {"approximate": "tanh"}, [-6.0, -4.0, 4.0]),
        ("mish", {}, [-9.0, 6.0]), ("silu", {}, [-9.0, 9.0]), ("softsign", {}, [-40.0, 7.0])]


@pytest.mark.parametrize(("name", "kw", "x"), WIDE, ids=[f"{n}{kw or ''}" for n, kw, _ in WIDE])
def test_central_differences_beyond_the_sampled_range(name: str, kw: dict[str, Any],
                                                       x: list[float]) -> None:
    """The registry samples [−2, 2]; here the flat parts, far kinks and tails, off the kinks."""
    f = functools.partial(getattr(F, name), **kw)
    rng = np.random.default_rng(4)
    assert gradcheck(f, [np.array(x)], rng=rng)
    assert gradgradcheck(f, [np.array(x)], rng=rng)


# --------------------------------------------------------------------------- extremes and dtype
LAM, ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
#: (function, value at −1000 and 1000, derivative at −1000 and 1000)
LIMITS: list[tuple[str, dict[str, Any], list[float], list[float]]] = [
    ("silu", {}, [0.0, 1000.0], [0.0, 1.0]),
    ("gelu", {}, [0.0, 1000.0], [0.0, 1.0]),
    ("gelu", {"approximate": "tanh"}, [0.0, 1000.0], [0.0, 1.0]),
    ("mish", {}, [0.0, 1000.0], [0.0, 1.0]),
    ("softsign", {}, [-1000 / 1001, 1000 / 1001], [1 / 1001**2, 1 / 1001**2]),
    ("elu", {"alpha": 0.5}, [-0.5, 1000.0], [0.0, 1.0]),
    ("celu", {"alpha": 2.0}, [-2.0, 1000.0], [0.0, 1.0]),
    ("selu", {}, [-LAM * ALPHA, LAM * 1000], [0.0, LAM]),
    ("relu6", {}, [0.0, 6.0], [0.0, 0.0]),
    ("hardtanh", {}, [-1.0, 1.0], [0.0, 0.0]),
    ("hardsigmoid", {}, [0.0, 1.0], [0.0, 0.0]),
    ("hardswish", {}, [0.0, 1000.0], [0.0, 1.0]),
    ("softplus", {}, [0.0, 1000.0], [0.0, 1.0]),
    ("softplus", {"beta": 3.0, "threshold": math.inf}, [0.0, 1000.0], [0.0, 1.0]),
    ("softplus", {"beta": -2.0}, [-1000.0, 0.0], [1.0, 0.0]),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "kw", "value", "slope"), LIMITS,
                         ids=[f"{n}{kw or ''}" for n, kw, _, _ in LIMITS])
def test_limits_at_plus_minus_1000(name: str, kw: dict[str, Any], value: list[float],
                                   slope: list[float], dtype: Any) -> None:
    t = Tensor(np.array([-1000.0, 1000.0], dtype=dtype), requires_grad=True)
    y = getattr(F, name)(t, **kw)  # an overflow warning would fail the test (warnings are errors)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, value, rtol=1e-6 if dtype == np.float32 else 1e-15)
    (g,) = backward(F.sum(y), create_graph=True, inputs=[t])
    assert g.dtype == dtype
    np.testing.assert_allclose(g.data, slope, rtol=1e-6, atol=1e-12)
    if g.requires_grad:
        (gg,) = backward(F.sum(F.mul(g, g)), inputs=[t])
        assert gg.dtype == dtype and np.all(np.isfinite(gg.data))


def test_float32_kept_with_numpy_float64_arguments() -> None:
    x = Tensor(np.array([-0.5, 0.5], dtype=np.float32), requires_grad=True)
    for y in (F.elu(x, np.float64(0.5)), F.celu(x, np.float64(2.0)),
              F.hardtanh(x, np.float64(-0.25), np.float64(0.25)),
              F.softplus(x, np.float64(2.0), np.float64(0.5)), F.gelu(x, "tanh")):
        assert y.dtype == np.float32
        y.backward(np.ones(2, np.float32))
        assert x.grad is not None and x.grad.dtype == np.float32
        x.grad = None


def test_integer_and_bool_inputs_compute_in_float64() -> None:
    assert F.relu6(np.array([-1, 3, 9])).data.tolist() == [0.0, 3.0, 6.0]
    assert F.hardswish([-4, 0, 4]).data.tolist() == [0.0, 0.0, 4.0]
    np.testing.assert_allclose(F.softmin(np.array([True, False])).data,
                               F.softmax(np.array([-1.0, 0.0])).data, rtol=1e-15)
    np.testing.assert_allclose(F.softmin(np.array([0, 200], np.uint8)).data, [1.0, 0.0],
                               atol=1e-86)


def test_softplus_keeps_its_old_call_and_its_threshold() -> None:
    x = np.array([-30.0, -1.0, 0.0, 2.0, 19.5, 20.5])
    np.testing.assert_allclose(F.softplus(x).data[:5], np.logaddexp(0, x[:5]), rtol=1e-15)
    assert F.softplus(x).data[5] == 20.5  # the identity above the threshold, as PyTorch
    np.testing.assert_allclose(Tensor(x).softplus().data, F.softplus(x).data, rtol=0)
    # β = −1: (1/β) log(1 + e^(βx)) = log σ(x), and x itself where −x > 20
    np.testing.assert_allclose(F.softplus(x[1:4], beta=-1.0).data, F.log_sigmoid(x[1:4]).data,
                               rtol=1e-15)
    assert F.softplus(x, beta=-1.0).data[0] == -30.0


# --------------------------------------------------------------------------- argument errors
X = Tensor(np.array([-1.0, 2.0]))
AnyF: Any = F  # untyped, to pass arguments of wrong types
AnyNN: Any = nn
BAD: list[tuple[Any, type[Exception], str]] = [
    (lambda: F.celu(X, 0.0), ValueError, "celu: alpha cannot be 0"),
    (lambda: AnyF.celu(X, alpha="1"), TypeError, "celu: alpha must be a real number"),
    (lambda: F.elu(X, math.nan), ValueError, "elu: alpha must be finite"),
    (lambda: F.elu(X, True), TypeError, "elu: alpha"),
    (lambda: F.hardtanh(X, 1.0, -1.0), ValueError, "hardtanh: min_val=1.0 is greater"),
    (lambda: AnyF.hardtanh(X, max_val=None), TypeError, "hardtanh: max_val"),
    (lambda: F.gelu(X, "erf"), ValueError, "gelu: approximate must be 'none' or 'tanh'"),
    (lambda: AnyF.gelu(X, approximate=True), ValueError, "gelu: approximate"),
    (lambda: F.softplus(X, 0.0), ValueError, "softplus: beta must be finite and nonzero"),
    (lambda: F.softplus(X, beta=math.inf), ValueError, "softplus: beta"),
    (lambda: F.softplus(X, threshold=math.nan), ValueError, "softplus: .* threshold not NaN"),
    (lambda: AnyF.softplus(X, beta="2"), TypeError, "softplus: beta must be a real number"),
    (lambda: F.softmin(X, axis=1), ValueError, "softmin: axis 1 is out of range"),
    (lambda: AnyF.softmin(X, axis=0.0), TypeError, "softmin: axis must be"),
    (lambda: AnyF.softmin(X, dim=0), TypeError, "softmin.*axis="),
    (lambda: F.silu(np.array(["a"])), TypeError, "silu"),
    (lambda: nn.CELU(0), ValueError, "CELU: alpha cannot be 0"),
    (lambda: AnyNN.ELU("1"), TypeError, "ELU: alpha"),
    (lambda: nn.Hardtanh(2.0, 1.0), ValueError, "Hardtanh: min_val=2.0 is greater"),
    (lambda: nn.GELU("exact"), ValueError, "GELU: approximate"),
    (lambda: nn.Softplus(beta=0), ValueError, "Softplus: beta must be nonzero"),
    (lambda: nn.Softplus(threshold=math.nan), ValueError, "Softplus: threshold"),
    (lambda: AnyNN.Softmin(axis=None), TypeError, "Softmin: axis must be an int"),
]


@pytest.mark.parametrize(("call", "exc", "match"), BAD, ids=[b[2] for b in BAD])
def test_bad_arguments_are_refused(call: Any, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        call()


def test_hardtanh_with_equal_bounds_is_a_constant() -> None:
    x = Tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
    y = F.hardtanh(x, 0.5, 0.5)
    y.backward(np.ones(3))
    assert y.data.tolist() == [0.5, 0.5, 0.5] and x.grad.data.tolist() == [0.0, 0.0, 0.0]  # type: ignore[union-attr]


# --------------------------------------------------------------------------- nn modules
MODULES: list[tuple[Any, str, dict[str, Any], str]] = [  # module, function, its kwargs, repr
    (nn.SiLU(), "silu", {}, "SiLU()"),
    (nn.GELU(), "gelu", {}, "GELU(approximate='none')"),
    (nn.GELU("tanh"), "gelu", {"approximate": "tanh"}, "GELU(approximate='tanh')"),
    (nn.ELU(), "elu", {}, "ELU(alpha=1.0)"),
    (nn.ELU(0.3), "elu", {"alpha": 0.3}, "ELU(alpha=0.3)"),
    (nn.CELU(2), "celu", {"alpha": 2.0}, "CELU(alpha=2.0)"),
    (nn.SELU(), "selu", {}, "SELU()"),
    (nn.ReLU6(), "relu6", {}, "ReLU6()"),
    (nn.Hardtanh(), "hardtanh", {}, "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (nn.Hardtanh(-2, 0.5), "hardtanh", {"min_val": -2.0, "max_val": 0.5},
     "Hardtanh(min_val=-2.0, max_val=0.5)"),
    (nn.Hardsigmoid(), "hardsigmoid", {}, "Hardsigmoid()"),
    (nn.Hardswish(), "hardswish", {}, "Hardswish()"),
    (nn.Mish(), "mish", {}, "Mish()"),
    (nn.Softsign(), "softsign", {}, "Softsign()"),
    (nn.Softplus(), "softplus", {}, "Softplus(beta=1.0, threshold=20.0)"),
    (nn.Softplus(2, 5), "softplus", {"beta": 2.0, "threshold": 5.0},
     "Softplus(beta=2.0, threshold=5.0)"),
    (nn.Softmin(), "softmin", {}, "Softmin(axis=-1)"),
    (nn.Softmin(axis=0), "softmin", {"axis": 0}, "Softmin(axis=0)"),
]


@pytest.mark.parametrize(("module", "name", "kw", "text"), MODULES, ids=[m[3] for m in MODULES])
def test_modules_match_their_functions(module: Any, name: str, kw: dict[str, Any], text: str
                                       ) -> None:
    assert repr(module) == text
    x = np.random.default_rng(3).uniform(-8, 8, (3, 4))
    a, b = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    ya, yb = module(a), getattr(F, name)(b, **kw)
    np.testing.assert_array_equal(ya.data, yb.data)
    ya.backward(np.ones(x.shape))
    yb.backward(np.ones(x.shape))
    np.testing.assert_array_equal(a.grad.data, b.grad.data)  # type: ignore[union-attr]
    assert type(nn.activation.make_activation(type(module))) is type(module)


def test_module_reprs_are_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    for module, _, _, text in MODULES:
        if not text.startswith("Softmin"):  # PyTorch's Softmin says dim=, this one axis=
            mirror = getattr(torch.nn, type(module).__name__)(**_constructor_args(module))
            assert repr(mirror) == text


def _constructor_args(module: Any) -> dict[str, Any]:
    """A module's constructor arguments (its public attributes other than ``training``)."""
    return {k: v for k, v in vars(module).items() if not k.startswith("_") and k != "training"}


@pytest.mark.parametrize("name", ["silu", "gelu", "elu", "celu", "selu", "relu6", "hardtanh",
                                  "hardsigmoid", "hardswish", "mish", "softsign", "softmin",
                                  "logsigmoid", "tanhshrink", "softshrink", "hardshrink"])
def test_activations_by_name(name: str) -> None:
    module = nn.activation.make_activation(name)
    x = np.linspace(-2, 2, 5)
    fn = getattr(F, name, None) or getattr(nn.functional, name)  # (nn's own activations)
    np.testing.assert_array_equal(module(x).data, fn(x).data)
    model = nn.MLP([2, 3, 1], activation=name, rng=np.random.default_rng(0))
    assert model(np.ones((4, 2))).shape == (4, 1)
