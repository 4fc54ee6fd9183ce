"""nn.functional speaks PyTorch where a ported script would otherwise go silently wrong:
``pad`` is PyTorch's F.pad (pairs from the last axis; autograd_mini.pad stays NumPy's), checked
against PyTorch 2.13 value for value and gradient for gradient over a grid of pads in every
mode, and every nn.functional function with an ``axis`` refuses ``dim=``/``keepdim=`` naming
NumPy's keywords."""

from __future__ import annotations

import inspect
import itertools
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini import Tensor
from autograd_mini.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
F = nn.functional
MODES = ("constant", "reflect", "replicate", "circular")


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # (tiny pads)


def _both(x: np.ndarray, pad: tuple[int, ...], mode: str, **kw: Any
          ) -> tuple[Tensor | Exception, Any]:
    """Ours and PyTorch's pad of ``x`` (each input requiring grad), or the error each raised."""
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    try:
        ours: Tensor | Exception = F.pad(xa, pad, mode, **kw)
    except (ValueError, TypeError) as exc:
        ours = exc
    try:
        theirs = TF.pad(xt, pad, mode=mode, **kw)
    except (RuntimeError, NotImplementedError) as exc:
        theirs = exc
    if isinstance(ours, Tensor) and not isinstance(theirs, Exception):
        u = np.random.default_rng(1).standard_normal(ours.shape).astype(x.dtype)
        (ours * u).sum().backward()
        (theirs * torch.tensor(u)).sum().backward()
        assert xa.grad is not None and xt.grad is not None
        np.testing.assert_array_equal(ours.data, theirs.detach().numpy(), err_msg=f"{pad} {mode}")
        tol = 1e-12 if x.dtype == np.float64 else 1e-6  # float32 sums copies in another order
        np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=f"gradient, {pad} {mode}")
        assert xa.grad.dtype == x.dtype
    return ours, theirs


def test_pad_pairs_run_from_the_last_axis_as_in_pytorch() -> None:
    x = am.arange(24.0).reshape(2, 3, 4)
    assert F.pad(x, (1, 1)).shape == (2, 3, 6)  # PyTorch's: the last axis only
    assert am.pad(x, (1, 1)).shape == (4, 5, 6)  # NumPy's: every axis, still
    assert F.pad(x, (1, 1, 2, 2)).shape == (2, 7, 6)
    assert F.pad(x, [0, 0, 0, 0, 1, 0], value=-1.0).shape == (3, 3, 4)
    np.testing.assert_array_equal(F.pad(x, (1, 2), value=9.0).data[0, 0],
                                  [9, 0, 1, 2, 3, 9, 9])
    np.testing.assert_array_equal(F.pad(x, (2, 1), "circular").data[0, 0], [2, 3, 0, 1, 2, 3, 0])
    np.testing.assert_array_equal(F.pad(x, (-1, -2)).data[0, 0], [1])  # crops
    assert F.pad(x, ()).shape == x.shape and F.pad(Tensor(3.0), ()).item() == 3.0


@pytest.mark.parametrize("mode", MODES)
def test_pad_matches_pytorch_on_a_grid_of_pads(mode: str) -> None:
    """Every 2-entry pad from −5 to 5 and 4-entry one of −3, −2, −1, 0, 1, 3 on a (2, 3, 4)
    input, and in constant mode every 6-entry one of −1, 0, 2: where PyTorch gives a result,
    ours has the same values, shape and gradient. Where only one side refuses, it is one of
    the documented differences, checked here so that no other kind can creep in."""
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    pads = [*itertools.product(range(-5, 6), repeat=2),
            *itertools.product((-3, -2, -1, 0, 1, 3), repeat=4)]
    if mode == "constant":
        pads += itertools.product((-1, 0, 2), repeat=6)
    agreed = 0
    for p in pads:
        ours, theirs = _both(x, p, mode)
        width = dict(zip(range(2, 2 - len(p) // 2, -1), zip(p[::2], p[1::2])))
        out = {d: x.shape[d] + b + a for d, (b, a) in width.items()}
        kept = {d: x.shape[d] + min(b, 0) + min(a, 0) for d, (b, a) in width.items()}
        if isinstance(ours, Tensor) and isinstance(theirs, Exception):
            # PyTorch refuses reflect and replicate results that are empty along every padded
            # axis (a result of zero elements); ours returns it
            assert mode in ("reflect", "replicate") and min(out.values()) == 0, (p, theirs)
            assert ours.size == 0
        elif isinstance(theirs, torch.Tensor) and isinstance(ours, Exception):
            # circular padding that a crop leaves too few elements to wrap: PyTorch reads
            # memory it has not written (or raises), ours refuses
            assert mode == "circular", (p, ours)
            assert any(max(b, a) > kept[d] for d, (b, a) in width.items()), (p, ours)
        agreed += isinstance(ours, Tensor) and isinstance(theirs, torch.Tensor)
    assert agreed > len(pads) // 3  # values and gradients compared on a good share of it


def test_pad_second_order_matches_pytorch() -> None:
    """Grad-of-grad through every mode (create_graph) against PyTorch, and gradgradcheck."""
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    w = np.random.default_rng(3).standard_normal((2, 3, 4))
    for mode, p in (("constant", (2, -1, -1, 1)), ("reflect", (3, -1, 2, 0)),
                    ("replicate", (-2, 3, 1, 1)), ("circular", (-1, 2, 3, 0))):
        def ours(t: Tensor, p: tuple[int, ...] = p, mode: str = mode) -> Tensor:
            y = F.pad(t, p, mode, value=0.5 if mode == "constant" else None)
            return (y ** 3 * F.pad(Tensor(w), p, mode)).sum()

        xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (g,) = _grad(ours, xa)
        yt = TF.pad(xt, p, mode=mode, value=0.5 if mode == "constant" else None)
        gt, = torch.autograd.grad((yt ** 3 * TF.pad(torch.tensor(w), p, mode=mode)).sum(), xt,
                                  create_graph=True)
        np.testing.assert_allclose(g.data, gt.detach().numpy(), rtol=1e-12, atol=1e-12)
        (g * g).sum().backward()
        (gt * gt).sum().backward()
        assert xa.grad is not None
        np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-12,
                                   err_msg=mode)
        assert gradgradcheck(lambda t, p=p, mode=mode: F.pad(t, p, mode) ** 2, [x])
    assert gradcheck(lambda t: F.pad(t, (1, 2, 0, -2), value=3.0), [x])


def _grad(fn: Any, x: Tensor) -> tuple[Tensor]:
    """d fn / d x, itself recorded (create_graph=True)."""
    fn(x).backward(create_graph=True)
    g = x.grad
    assert g is not None
    x.grad = None
    return (g,)


def test_pad_keeps_float32_and_pytorchs_value_rules() -> None:
    x32 = np.random.default_rng(4).standard_normal((2, 3, 4)).astype(np.float32)
    for mode in MODES:
        for p in ((1, 2), (2, -1, 1, 1), (-1, 3, 0, 2)):
            y, _ = _both(x32, p, mode)  # the same values, and gradients to float32's precision
            assert isinstance(y, Tensor) and y.dtype == np.float32, (p, mode)
    ints = np.arange(4).reshape(1, 4)
    for value in (1.5, -1.7, None, True):
        ours, theirs = _value_pad(ints, value)
        np.testing.assert_array_equal(ours, theirs)
    assert F.pad(np.array([[True]]), (1, 1), value=2).dtype == np.bool_
    # a reflect/replicate/circular pad takes no value, but 0 (or None) is accepted, as PyTorch
    assert F.pad(x32, (1, 1), "reflect", value=0).shape == (2, 3, 6)
    with pytest.raises(ValueError, match=r"^nn\.functional\.pad: mode 'reflect' takes no value"):
        F.pad(x32, (1, 1), "reflect", value=2.0)
    with pytest.raises(ValueError, match=r"value 1e\+300 cannot be converted .* float32"):
        F.pad(x32, (1, 1), value=1e300)
    with pytest.raises(ValueError, match=r"value nan cannot be converted to .* dtype int64"):
        F.pad(ints, (1, 1), value=float("nan"))
    assert np.isinf(F.pad(x32, (1, 1), value=float("inf")).data[0, 0, 0])


def _value_pad(x: np.ndarray, value: Any) -> tuple[np.ndarray, np.ndarray]:
    return (F.pad(x, (1, 1), value=value).data,
            TF.pad(torch.tensor(x), (1, 1), value=value).numpy())


def test_pad_result_is_a_new_tensor() -> None:
    """As PyTorch's, even when nothing is padded: writing into it leaves the input alone."""
    x = Tensor(np.zeros((2, 3)))
    for p in ((), (0, 0), (-1, 0), (0, 0, -1, 0)):
        y = F.pad(x, p)
        y[...] = 1.0
        assert not x.data.any(), p


def test_pad_errors_name_the_function_and_pytorchs_convention() -> None:
    x = np.zeros((2, 3, 4))
    cases: list[tuple[Any, str, type[Exception], str]] = [
        ((1,), "constant", ValueError, r"pad \(1,\) has odd length 1; .* \(before, after\) pairs"),
        ((1, 2, 3), "reflect", ValueError, "odd length 3"),
        ((1,) * 8, "constant", ValueError,
         r"length 8 is longer than two times the 3 dims of the input of shape \(2, 3, 4\)"),
        ((4, 0), "reflect", ValueError,
         r"axis 2 of length 4 .*padded by \(4, 0\): reflect padding must be less than"),
        ((0, 0, 0, 3), "reflect", ValueError, "axis 1 of length 3"),
        ((5, 0), "circular", ValueError, "circular padding wraps around more than once"),
        ((-2, 3), "circular", ValueError, "at most the 2 elements left after cropping"),
        ((-5, 0), "constant", ValueError, r"padded by \(-5, 0\), would have length -1"),
        ((-5, 1), "constant", ValueError, "negative entries crop more than 4 elements"),
        ((1, 1), "edge", ValueError, "NumPy's 'edge' is PyTorch's 'replicate'"),
        ((1, 1), "wrap", ValueError, "NumPy's 'wrap' is PyTorch's 'circular'"),
        ((1, 1), "symmetric", ValueError, r"not one of \('constant', 'reflect', 'replicate'"),
        (1, "constant", TypeError, "pad must be a tuple or list of ints, PyTorch's"),
        (((1, 1), (2, 2)), "constant", TypeError, "NumPy's pad_width is autograd_mini.pad's"),
        ((1.0, 1), "constant", TypeError, "tuple or list of ints"),
        ((True, 1), "constant", TypeError, "tuple or list of ints"),
    ]
    for p, mode, error, message in cases:
        with pytest.raises(error, match=f"^nn.functional.pad: .*{message}"):
            F.pad(x, p, mode)
        if (p, mode) != ((-2, 3), "circular"):  # PyTorch refuses the others too; this one it
            with pytest.raises((RuntimeError, NotImplementedError, TypeError)):  # fills
                TF.pad(torch.tensor(x), p, mode=mode if mode in MODES else "bogus")  # wrongly
    with pytest.raises(ValueError, match="replicate padding needs a non-empty axis"):
        F.pad(np.zeros((2, 0)), (1, 1), "replicate")
    with pytest.raises(TypeError, match="value must be a number or None"):
        F.pad(x, (1, 1), value="1")  # type: ignore[arg-type]


def test_functions_with_an_axis_refuse_pytorchs_keywords() -> None:
    """Every nn.functional function taking ``axis`` (its own, cosine_similarity among them,
    and those re-exported from autograd_mini) names NumPy's keyword for dim=/keepdim=."""
    a = Tensor(np.ones((2, 3)))
    with_axis = [name for name in F.__all__
                 if "axis" in inspect.signature(getattr(F, name)).parameters]
    assert {"cosine_similarity", "normalize", "softmax", "log_softmax", "softmin"} <= set(
        with_axis)
    for name in with_axis:
        fn = getattr(F, name)
        args = (a, a) if name == "cosine_similarity" else (a,)
        for keyword, ours in (("dim", "axis="), ("keepdim", "keepdims=")):
            with pytest.raises(TypeError, match=f"^{name}\\(\\) takes NumPy's keywords: "
                                                f"{keyword}= is {ours}"):
                fn(*args, **{keyword: 1})
    np.testing.assert_allclose(F.cosine_similarity(a, a, axis=1).data, [1.0, 1.0])
