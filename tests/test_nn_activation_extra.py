"""nn's shrink, threshold and gated activations (Softshrink, Hardshrink, Tanhshrink, Threshold,
PReLU, GLU, LogSigmoid, Softmax2d) against PyTorch 2.13: values and gradients in float64 over
shapes and options (ties at the kinks included), ±1000 inputs, float32 kept, first and second
order gradient checks, error messages, reprs and PReLU's state dict."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nn
from autograd_mini import Tensor
from autograd_mini.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
F = nn.functional

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # (tiny tensors)

SHAPES = [(), (7,), (3, 4), (2, 3, 4, 5)]


def _data(shape: tuple[int, ...], seed: int, specials: tuple[float, ...] = ()) -> np.ndarray:
    """Normal values ×2 with ``specials`` (kinks: ±λ, the threshold, 0) written over the first
    entries, so ties are compared too."""
    x = np.random.default_rng(seed).standard_normal(shape) * 2.0
    flat = x.reshape(-1)
    k = min(len(specials), flat.size)
    flat[:k] = specials[:k]
    return x


def _check(ours: Callable[..., Tensor], theirs: Callable[..., Any], *arrays: np.ndarray,
           tol: float = 1e-12) -> None:
    """Ours and PyTorch's on the same float64 arrays (each requiring grad): values, dtype and,
    for a random upstream gradient, the gradient of every input."""
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours(*xs), theirs(*ts)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(9).standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    for i, (x, t) in enumerate(zip(xs, ts)):
        assert x.grad is not None and t.grad is not None
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=f"gradient of input {i}")


# ----------------------------------------------------------------------------- shrinks
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("lambd", [0.5, 0.0, 1.3])
def test_softshrink_and_hardshrink_match_torch(shape: tuple[int, ...], lambd: float) -> None:
    x = _data(shape, 1, (lambd, -lambd, 0.0, 2 * lambd))
    _check(lambda t: F.softshrink(t, lambd), lambda t: TF.softshrink(t, lambd), x)
    _check(lambda t: F.hardshrink(t, lambd), lambda t: TF.hardshrink(t, lambd), x)
    _check(nn.Softshrink(lambd), torch.nn.Softshrink(lambd), x)
    _check(nn.Hardshrink(lambd), torch.nn.Hardshrink(lambd), x)


def test_default_lambd_and_exact_values() -> None:
    x = np.array([-2.0, -0.5, -0.25, 0.0, 0.5, 0.75])
    np.testing.assert_array_equal(nn.Softshrink()(x).data, [-1.5, 0.0, 0.0, 0.0, 0.0, 0.25])
    np.testing.assert_array_equal(nn.Hardshrink()(x).data, [-2.0, 0.0, 0.0, 0.0, 0.0, 0.75])
    np.testing.assert_array_equal(nn.Threshold(0.5, -9.0)(x).data, [-9.0] * 5 + [0.75])


@pytest.mark.parametrize("shape", SHAPES)
def test_tanhshrink_and_logsigmoid_match_torch(shape: tuple[int, ...]) -> None:
    x = _data(shape, 2, (0.0, 30.0, -30.0))
    _check(F.tanhshrink, TF.tanhshrink, x)
    _check(nn.Tanhshrink(), torch.nn.Tanhshrink(), x)
    _check(nn.LogSigmoid(), torch.nn.LogSigmoid(), x)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("th", "value"), [(0.1, 20.0), (-0.5, -2.0), (0.0, 0.0)])
def test_threshold_matches_torch(shape: tuple[int, ...], th: float, value: float) -> None:
    x = _data(shape, 3, (th, 0.0, -th))
    _check(lambda t: F.threshold(t, th, value), lambda t: TF.threshold(t, th, value), x)
    _check(nn.Threshold(th, value), torch.nn.Threshold(th, value), x)
    _check(nn.Threshold(th, value, inplace=True), lambda t: TF.threshold(t, th, value), x)


def test_what_pytorch_allows_beyond_the_usual_range() -> None:
    """Hardshrink takes a negative λ (zeroing nothing) and Threshold infinite bounds, as
    PyTorch's; PReLU refuses several slopes for a 1-d input where PyTorch does."""
    x = _data((6,), 12, (0.0, 0.3, -0.3))
    _check(lambda t: F.hardshrink(t, -0.3), lambda t: TF.hardshrink(t, -0.3), x)
    _check(nn.Hardshrink(-1.0), torch.nn.Hardshrink(-1.0), x)
    inf = float("inf")
    for th, value in ((inf, 2.0), (-inf, 2.0), (0.0, -inf), (0.5, inf)):
        with np.errstate(invalid="ignore"):
            _check(nn.Threshold(th, value), torch.nn.Threshold(th, value), x)
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers"):
        TF.prelu(torch.ones(6), torch.ones(6))


def test_nan_propagates_as_in_torch() -> None:
    x = np.array([np.nan, 1.0, -1.0, 0.2])
    for ours, theirs in ((F.softshrink, TF.softshrink), (F.hardshrink, TF.hardshrink),
                         (lambda t: F.threshold(t, 0.0, 5.0), lambda t: TF.threshold(t, 0.0, 5.0)),
                         (F.tanhshrink, TF.tanhshrink)):
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(ours(x).data, theirs(torch.tensor(x)).numpy())


# ----------------------------------------------------------------------------- PReLU
@pytest.mark.parametrize("shape", [(), (5,), (4, 3), (2, 3, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("per_channel", [False, True])
def test_prelu_matches_torch(shape: tuple[int, ...], per_channel: bool) -> None:
    if per_channel and not shape:
        return  # (a 0-d input takes one slope: see the error test)
    channels = shape[1] if len(shape) >= 2 else shape[0] if shape else 1
    n = channels if per_channel else 1
    x = _data(shape, 4, (0.0, -1.0, 1.0))
    w = np.random.default_rng(5).uniform(-0.5, 1.5, n)
    # PyTorch gives a 1-d input one slope only; ours runs several along its axis 0, as
    # PyTorch's do along the channels of a (1, C) input
    lift = len(shape) == 1 and per_channel
    _check(F.prelu, (lambda t, a: TF.prelu(t[None], a)[0]) if lift else TF.prelu, x, w)
    ours, theirs = nn.PReLU(n, init=0.1), torch.nn.PReLU(n, init=0.1, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    theirs.load_state_dict({"weight": torch.tensor(w)})
    ours.load_state_dict({"weight": w})
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xa), theirs(xt[None])[0] if lift else theirs(xt)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(6).standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    assert ours.weight.grad is not None and xa.grad is not None and xt.grad is not None
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_prelu_module_defaults_and_dtype() -> None:
    m = nn.PReLU()
    assert m.weight.shape == (1,) and m.weight.data[0] == 0.25 and m.weight.requires_grad
    assert torch.nn.PReLU().weight.shape == (1,)
    # PyTorch's attribute num_parameters is Module's method here (the same count)
    assert nn.PReLU(4).num_parameters() == torch.nn.PReLU(4).num_parameters == 4
    m32 = nn.PReLU(3, init=0.5, dtype=np.float32)
    assert m32.weight.dtype == np.float32
    assert [n for n, _ in m32.named_parameters()] == ["weight"]
    m64 = copy.deepcopy(m32).to(np.float64)
    assert m64.weight.dtype == np.float64 and m32.weight.dtype == np.float32


# ----------------------------------------------------------------------------- GLU, Softmax2d
@pytest.mark.parametrize(("shape", "axis"), [((6,), -1), ((4, 6), -1), ((4, 6), 0),
                                             ((2, 4, 3), 1), ((2, 3, 2, 4), -2)])
def test_glu_matches_torch(shape: tuple[int, ...], axis: int) -> None:
    x = _data(shape, 7, (0.0, 40.0, -40.0))
    _check(lambda t: F.glu(t, axis=axis), lambda t: TF.glu(t, dim=axis), x)
    _check(nn.GLU(axis=axis), torch.nn.GLU(dim=axis), x)
    _check(nn.GLU(axis), torch.nn.GLU(axis), x)
    if axis == -1:
        _check(nn.GLU(), torch.nn.GLU(), x)
        _check(F.glu, TF.glu, x)


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5), (2, 1, 3, 3)])
def test_softmax2d_matches_torch(shape: tuple[int, ...]) -> None:
    x = _data(shape, 8, (0.0, 50.0, -50.0))
    _check(nn.Softmax2d(), torch.nn.Softmax2d(), x)


# ----------------------------------------------------------------------------- numerics
CASES: list[tuple[str, Callable[[Any], Tensor], Callable[[Any], Any]]] = [
    ("softshrink", F.softshrink, TF.softshrink),
    ("hardshrink", F.hardshrink, TF.hardshrink),
    ("tanhshrink", F.tanhshrink, TF.tanhshrink),
    ("threshold", lambda t: F.threshold(t, 0.5, -3.0), lambda t: TF.threshold(t, 0.5, -3.0)),
    ("logsigmoid", nn.LogSigmoid(), TF.logsigmoid),
    ("glu", F.glu, TF.glu),
    ("prelu", lambda t: F.prelu(t, np.array([0.25], t.dtype)),
     lambda t: TF.prelu(t, torch.tensor([0.25], dtype=t.dtype))),
    ("softmax2d", lambda t: nn.Softmax2d()(t.reshape(2, 5, 1)),  # pairs (−1000, 88.5), ...
     lambda t: torch.nn.Softmax2d()(t.reshape(2, 5, 1))),
]


@pytest.mark.parametrize(("name", "ours", "theirs"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extremes_are_finite_and_dtype_is_kept(name: str, ours: Callable[[Any], Tensor],
                                               theirs: Callable[[Any], Any], dtype: Any) -> None:
    """±1000 and ±88 (beyond e^x in float32) without warnings (they are errors here); float32
    in gives float32 values and gradients, equal to PyTorch's float32 ones to rounding."""
    x = np.array([-1000.0, -88.5, -1.0, 0.0, 1.0, 88.5, 1000.0, 3.0, -3.0, 0.25], dtype=dtype)
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xa), theirs(xt)
    assert y.dtype == dtype and np.all(np.isfinite(y.data))
    tol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=tol, atol=tol)
    g = np.linspace(-1.0, 1.0, y.size).reshape(y.shape).astype(dtype)
    y.backward(g)
    ty.backward(torch.tensor(g))
    assert xa.grad is not None and xa.grad.dtype == dtype
    assert np.all(np.isfinite(xa.grad.data))
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=tol, atol=tol)


def test_float32_module_weights_keep_float32() -> None:
    m = nn.PReLU(3, dtype=np.float32)
    x = Tensor(np.full((2, 3, 4), -1.0, np.float32), requires_grad=True)
    y = m(x)
    y.backward(np.ones(y.shape, np.float32))
    assert y.dtype == np.float32 and m.weight.grad is not None
    assert m.weight.grad.dtype == np.float32 and x.grad is not None and x.grad.dtype == np.float32
    np.testing.assert_array_equal(m.weight.grad.data, [-8.0, -8.0, -8.0])


def test_integer_input_becomes_float64() -> None:
    assert F.softshrink(np.array([1, -2, 0])).dtype == np.float64
    assert F.threshold(np.array([1, 2]), 1.5, 0.0).data.tolist() == [0.0, 2.0]


# ----------------------------------------------------------------------------- gradient checks
def _away(shape: tuple[int, ...], seed: int, kinks: tuple[float, ...]) -> np.ndarray:
    """Values at least 0.05 from every kink, so central differences see one smooth piece."""
    x = np.random.default_rng(seed).uniform(-2.0, 2.0, shape)
    for k in kinks:
        near = np.abs(x - k) < 0.05
        x[near] = k + 0.1
    return x


def test_gradcheck_first_and_second_order() -> None:
    x = Tensor(_away((4, 4), 10, (-0.5, 0.5, 0.2, 0.0)), requires_grad=True)
    for f in (lambda t: F.softshrink(t, 0.5), lambda t: F.hardshrink(t, 0.5),
              lambda t: F.threshold(t, 0.2, -1.0), F.tanhshrink, lambda t: F.glu(t, axis=1),
              lambda t: F.glu(t, axis=0), nn.LogSigmoid(),
              lambda t: nn.Softmax2d()(t.reshape(1, 4, 2, 2))):
        assert gradcheck(f, [x])
        assert gradgradcheck(f, [x])
    w = Tensor(np.array([0.3, -0.2, 1.1]), requires_grad=True)
    x3 = Tensor(_away((2, 3, 2), 11, (0.0,)), requires_grad=True)
    assert gradcheck(F.prelu, [x3, w])
    assert gradgradcheck(F.prelu, [x3, w])


def test_gradcheck_can_fail_on_a_kink() -> None:
    """The checks above can fail: a central difference across softshrink's kink disagrees."""
    x = Tensor(np.array([0.5 + 1e-7]), requires_grad=True)
    assert not gradcheck(lambda t: F.softshrink(t, 0.5), [x], eps=1e-3, raise_exception=False)


# ----------------------------------------------------------------------------- errors and API
def test_errors_name_the_function_and_values() -> None:
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="softshrink: lambd must be a finite number >= 0, got -1"):
        F.softshrink(x, -1)
    with pytest.raises(ValueError, match="hardshrink: lambd must be a finite number, got inf"):
        F.hardshrink(x, float("inf"))
    with pytest.raises(ValueError, match="Softshrink: lambd must be"):
        nn.Softshrink(-0.1)
    with pytest.raises(ValueError, match="Hardshrink: lambd must be"):
        nn.Hardshrink(float("nan"))
    with pytest.raises(TypeError, match="Threshold: threshold must be a real number"):
        nn.Threshold("0.1", 2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Threshold: inplace must be a bool"):
        nn.Threshold(0.1, 2.0, inplace=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="threshold: value must be a real number"):
        F.threshold(x, 0.0, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"glu: axis -1 of the input of shape \(2, 3\) has odd "
                                         "length 3"):
        F.glu(x)
    with pytest.raises(ValueError, match=r"glu: axis 0 .*shape \(3, 2\) has odd length 3"):
        nn.GLU(axis=0)(np.ones((3, 2)))
    with pytest.raises(ValueError, match="glu: a 0-d input has no axis to halve"):
        F.glu(np.float64(1.0))
    with pytest.raises(ValueError, match="glu: axis 2 is out of range"):
        F.glu(x, axis=2)
    with pytest.raises(TypeError, match=r"^GLU\(\) takes NumPy's keywords: dim= is axis="):
        nn.GLU(dim=0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"^glu\(\) takes NumPy's keywords: dim= is axis="):
        F.glu(x, dim=0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="GLU: axis must be an int"):
        nn.GLU(axis=1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"prelu: weight has 3 slopes but the input of shape "
                                         r"\(2, 4\) has 4 channels \(axis 1\)"):
        F.prelu(np.ones((2, 4)), np.ones(3))
    with pytest.raises(ValueError, match=r"prelu: weight must be a scalar or 1-d.*\(1, 3\)"):
        F.prelu(np.ones((2, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match="prelu: a 0-d input takes a single slope"):
        F.prelu(np.float64(1.0), np.ones(2))
    with pytest.raises(ValueError, match="PReLU: num_parameters must be a positive int"):
        nn.PReLU(0)
    with pytest.raises(TypeError, match="PReLU: init must be a real number"):
        nn.PReLU(init="0.25")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="PReLU: dtype must be a floating type"):
        nn.PReLU(dtype=np.int64)
    with pytest.raises(ValueError, match="prelu: weight has 3 slopes"):
        nn.PReLU(3)(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"Softmax2d: expected a 3-d \(C, H, W\) or 4-d "
                                         r"\(N, C, H, W\) input, got shape \(2, 3\)"):
        nn.Softmax2d()(x)
    with pytest.raises(TypeError, match="tanhshrink: unsupported dtype"):
        F.tanhshrink(np.array(["a"]))


def test_pytorch_refuses_what_we_refuse() -> None:
    """The refusals above that PyTorch shares: a negative λ, an odd halved axis, a bad rank."""
    t = torch.ones(2, 3)
    for call in (lambda: TF.softshrink(t, -1.0), lambda: TF.glu(t),
                 lambda: torch.nn.Softmax2d()(t), lambda: TF.prelu(torch.ones(2, 4),
                                                                   torch.ones(3))):
        with pytest.raises((RuntimeError, ValueError)):
            call()


def test_reprs_match_torch() -> None:
    pairs = [(nn.Softshrink(), torch.nn.Softshrink()), (nn.Hardshrink(0.3),
                                                        torch.nn.Hardshrink(0.3)),
             (nn.Tanhshrink(), torch.nn.Tanhshrink()), (nn.LogSigmoid(), torch.nn.LogSigmoid()),
             (nn.Softmax2d(), torch.nn.Softmax2d()),
             (nn.Threshold(0.1, 20.0), torch.nn.Threshold(0.1, 20.0)),
             (nn.Threshold(0.1, 20.0, True), torch.nn.Threshold(0.1, 20.0, True))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
    assert repr(nn.PReLU(3)).startswith(repr(torch.nn.PReLU(3)))  # (ours adds the shapes)
    assert repr(nn.GLU(axis=1)) == "GLU(axis=1)" and repr(torch.nn.GLU(dim=1)) == "GLU(dim=1)"


def test_names_are_exported() -> None:
    for name in ("PReLU", "LogSigmoid", "GLU", "Tanhshrink", "Softshrink", "Hardshrink",
                 "Threshold", "Softmax2d"):
        assert name in nn.__all__ and isinstance(getattr(nn, name)(
            *((0.1, 1.0) if name == "Threshold" else ())), nn.Module)
    for name in ("prelu", "glu", "tanhshrink", "softshrink", "hardshrink", "threshold",
                 "logsigmoid"):
        assert name in F.__all__ and callable(getattr(F, name))
        assert hasattr(TF, name)


def test_threshold_beyond_the_dtype_range_raises_as_torch() -> None:
    """A finite threshold or value the input's dtype cannot hold is refused (it gave inf),
    as PyTorch refuses it; the largest float32 and ±inf are taken."""
    x32 = np.array([0.1, 0.5], np.float32)
    for th, value, name in ((0.2, 1e300, "value 1e\\+300"), (1e300, 0.5, "threshold 1e\\+300"),
                            (0.2, -3.4028235e38, "value -3.4028235e\\+38")):
        with pytest.raises(RuntimeError, match="without overflow"):
            TF.threshold(torch.tensor(x32), th, value)
        with pytest.raises(OverflowError, match=f"threshold: {name} cannot be converted to "
                                                "the input's dtype float32 without overflow"):
            F.threshold(Tensor(x32), th, value)
        with pytest.raises(OverflowError, match="dtype float32"):
            nn.Threshold(th, value)(x32)
    with pytest.raises(OverflowError, match="dtype float16"):
        F.threshold(np.ones(2, np.float16), 0.2, 1e5)
    top = float(np.finfo(np.float32).max)
    for value in (top, float("inf")):
        got = F.threshold(Tensor(x32), 0.2, value)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got.data, TF.threshold(torch.tensor(x32), 0.2,
                                                             value).numpy())
    np.testing.assert_array_equal(F.threshold(np.array([0.1, 0.5]), 0.2, 1e300).data,
                                  [1e300, 0.5])  # (float64 holds it)
