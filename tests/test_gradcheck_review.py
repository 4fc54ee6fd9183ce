"""gradcheck, gradgradcheck and gradient_property: the review's findings 4, 5, 6, 11, 12.

NaN in fast mode, the recorded (create_graph) first derivative, constant inputs (indices,
ints, Tensors without requires_grad: partial ``needs``), float32 Tensor draws checked as
drawn, and second-order failure messages.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.engine import Primitive
from autograd_mini.testing import arrays, gradient_property, tensors

X = np.array([0.3, -0.7, 1.2])
QUICK = settings(phases=[Phase.generate], database=None, max_examples=20)


def _square(name: str, factor: Any) -> Primitive:
    """x ↦ x² whose VJP multiplies by ``factor(x)`` (2 is right)."""
    return Primitive(name, lambda x: (x * x, x), lambda g, x, needs: (g * factor(x) * x,))


# ----------------------------------------------------------------- f06: NaN in fast mode
NAN_VJP = Primitive("nan_vjp", lambda x: (x * x, x), lambda g, x, needs: (g * x * np.nan,))


def test_fast_gradcheck_fails_on_a_nan_gradient() -> None:
    with pytest.raises(am.GradcheckError, match=r"directional.*analytic nan, numeric"):
        am.gradcheck(NAN_VJP, [X], fast=True)
    assert not am.gradcheck(NAN_VJP, [X], fast=True, raise_exception=False)
    with pytest.raises(am.GradcheckError, match="analytic nan"):
        am.gradcheck(NAN_VJP, [X])  # full mode did already


@pytest.mark.parametrize("fast", [True, False])
def test_gradgradcheck_fails_on_a_nan_first_derivative(fast: bool) -> None:
    # Both sides of the second-order comparison are NaN here; the NaN first derivative,
    # against finite central differences of ⟨u, f⟩, is what is wrong.
    with pytest.raises(am.GradcheckError, match=r"first derivative .* for input 0 \(shape "
                                                r"\(3,\)\) is nan at element \(0,\), but "
                                                r"central differences"):
        am.gradgradcheck(lambda t: NAN_VJP(t).sum(), [X], fast=fast)


# 2x, whose own VJP returns NaN: a VJP that uses it on Tensors has the right first derivative
# but a NaN second derivative.
_DOUBLE_NAN = Primitive("double_nan_vjp", lambda x: (2 * x, None), lambda g, s, n: (g * np.nan,))
NAN_SECOND = Primitive(
    "square_nan_second", lambda x: (x * x, x),
    lambda g, x, needs: (g * _DOUBLE_NAN(x) if isinstance(x, Tensor) else g * 2 * x,))


def test_fast_gradgradcheck_fails_on_a_nan_second_derivative() -> None:
    assert am.gradcheck(NAN_SECOND, [X], fast=True)
    with pytest.raises(am.GradcheckError, match=r"second-order directional.*analytic nan"):
        am.gradgradcheck(NAN_SECOND, [X], fast=True)
    with pytest.raises(am.GradcheckError, match=r"second-order mismatch.*analytic nan"):
        am.gradgradcheck(NAN_SECOND, [X])


def test_fast_gradient_property_fails_on_a_nan_gradient() -> None:
    prop = gradient_property(lambda x: NAN_VJP(x).sum(), arrays((3,)), fast=True)
    with pytest.raises(am.GradcheckError, match="analytic nan"):
        QUICK(prop)()


# ----------------------------------------------------- f05: the recorded first derivative
def _branching_sin_vjp(g: Any, x: Any, needs: Any) -> tuple[Any]:
    if isinstance(x, Tensor):
        return (g * am.cos(x) * 2,)  # the slip: only on the recorded (create_graph) path
    return (g * np.cos(x),)


BRANCHING_SIN = Primitive("sin_wrong_on_tensors", lambda x: (np.sin(x), x), _branching_sin_vjp)


def test_gradgradcheck_compares_the_recorded_first_derivative_with_a_plain_backward() -> None:
    f = lambda t: BRANCHING_SIN(t).sum()  # noqa: E731
    assert am.gradcheck(f, [X])  # the array path is right
    for fast in (False, True):
        with pytest.raises(am.GradcheckError) as info:
            am.gradgradcheck(f, [X], fast=fast)
        msg = str(info.value)
        assert msg.startswith("gradgradcheck: the recorded first derivative for input 0 (shape "
                              "(3,))")
        assert "create_graph=True" in msg and "plain first-order gradient" in msg
        found = re.search(r"recorded (\S+), plain (\S+);", msg)
        assert found and float(found[1]) == pytest.approx(2 * float(found[2]))  # the slip
    assert not am.gradgradcheck(f, [X], raise_exception=False)
    # the input is named by its position among f's arguments, constants included
    with pytest.raises(am.GradcheckError, match="recorded first derivative for input 1 "):
        am.gradgradcheck(lambda i, t: BRANCHING_SIN(t[i]).sum(), [np.array([2, 0]), X])


def test_gradgradcheck_still_passes_correct_ops_on_both_paths() -> None:
    x = np.array([[0.2, -0.5], [1.1, 0.4]])
    assert am.gradgradcheck(lambda t: am.tanh(t @ t).sum(), [x])
    assert am.gradgradcheck(lambda a, b: am.sigmoid(a) * am.exp(b), [x, x.T.copy()], fast=True)


# ------------------------------------- f04/f11: constant inputs and partial needs
def test_index_arrays_and_masks_are_passed_through_as_constants() -> None:
    idx, mask = np.array([0, 2]), np.array([True, False, True])
    seen: list[Any] = []

    def gather_cube(t: Tensor, i: Any) -> Tensor:
        seen.append(i)
        return t[i] ** 3

    assert am.gradcheck(gather_cube, [X, idx])
    assert am.gradgradcheck(gather_cube, [X, idx])
    assert seen and all(i is idx for i in seen)
    assert am.gradcheck(lambda t, m: t[m], [X, mask], fast=True)
    bad = _square("square_bad_for_index", lambda x: 3.0)
    with pytest.raises(am.GradcheckError, match=r"^gradient mismatch for input 1 \(shape"):
        am.gradcheck(lambda i, t: bad(t[i]), [idx, X])


def test_python_ints_none_strings_tuples_and_floats_beside_an_array_are_constants() -> None:
    x = np.arange(6.0).reshape(2, 3) / 7
    seen: list[tuple[Any, ...]] = []

    def f(t: Tensor, axis: Any, keep: Any, label: Any, scale: Any) -> Tensor:
        seen.append((axis, keep, label, isinstance(scale, Tensor) and scale.requires_grad))
        return am.sum(t * scale, axis=axis, keepdims=keep)

    for axis in (1, (0, 1), None):
        seen.clear()
        assert am.gradcheck(f, [x, axis, True, "label", 0.5])
        assert all(s[:3] == (axis, True, "label") for s in seen)
        assert not any(s[3] for s in seen)  # the Python float is a hyper-parameter here
    seen.clear()  # with nothing else marked, a float is checked
    assert am.gradcheck(lambda scale: f(am.Tensor(x), None, False, "", scale), [0.5])
    assert any(s[3] for s in seen)
    bad = _square("square_bad_for_axis", lambda x: 3.0)
    with pytest.raises(am.GradcheckError, match="input 0"):
        am.gradcheck(lambda t, axis: am.sum(bad(t), axis=axis), [x, 0])


def _mul_wrong_when_partial(g: Any, s: Any, needs: Any) -> tuple[Any, Any]:
    a, b = s
    if needs[0] and needs[1]:
        return g * b, g * a
    return (g * b * 2 if needs[0] else None), (g * a * 2 if needs[1] else None)


MUL_PARTIAL = Primitive("mul_wrong_when_partial", lambda a, b: (a * b, (a, b)),
                        _mul_wrong_when_partial, nin=2)


def test_a_tensor_without_requires_grad_is_a_constant_so_partial_needs_is_checked() -> None:
    a, b = np.array([1.0, 2.0]), np.array([3.0, -4.0])
    assert am.gradcheck(MUL_PARTIAL, [a, b])  # both needed: the VJP is right
    with pytest.raises(am.GradcheckError, match=r"gradient mismatch for input 0 "):
        am.gradcheck(MUL_PARTIAL, [a, Tensor(b)])
    with pytest.raises(am.GradcheckError, match=r"gradient mismatch for input 1 "):
        am.gradcheck(MUL_PARTIAL, [Tensor(a), Tensor(b, requires_grad=True)])
    assert am.gradgradcheck(lambda x, y: (x * x * y).sum(), [a, Tensor(b)])

    flags: list[tuple[bool, bool]] = []

    def record(x: Tensor, y: Tensor) -> Tensor:
        flags.append((x.requires_grad, y.requires_grad))
        return x * y

    assert am.gradcheck(record, [Tensor(a, requires_grad=True), Tensor(b)])
    assert (True, False) in flags and (True, True) not in flags
    flags.clear()  # no input marked: every floating Tensor is checked (as before)
    assert am.gradcheck(record, [Tensor(a), Tensor(b)])
    assert (True, True) in flags


def test_no_input_to_differentiate_is_a_value_error() -> None:
    for check in (am.gradcheck, am.gradgradcheck):
        with pytest.raises(ValueError, match="no input to differentiate"):
            check(lambda i: Tensor(i * 1.0), [np.array([0, 1])])
        with pytest.raises(ValueError, match="no input to differentiate"):
            check(lambda: Tensor(1.0), [])
        with pytest.raises(ValueError, match="no input to differentiate"):
            check(lambda n, axis: Tensor(float(n)), [3, (0,)])


def test_gradient_property_passes_non_array_draws_as_constants() -> None:
    def total(x: Tensor, axis: int) -> Tensor:
        return am.sum(x, axis=axis)

    gradient_property(total, arrays((2, 3)), st.integers(0, 1), second_order=True)()
    bad = _square("square_bad_in_property", lambda x: 3.0)
    prop = gradient_property(lambda x, axis: am.sum(bad(x), axis=axis), arrays((2, 3)),
                             st.integers(0, 1))
    with pytest.raises(am.GradcheckError, match="gradient mismatch for input 0"):
        QUICK(prop)()


# --------------------------------------------- f11: Tensor draws checked as drawn, float32
_F32_WRONG = _square("square_wrong_in_float32",
                     lambda x: 2.5 if x.dtype == np.float32 else 2.0)
_STRIDED_WRONG = _square(
    "square_wrong_when_strided",
    lambda x: 3.0 if isinstance(x, np.ndarray) and not x.flags.c_contiguous else 2.0)


def test_gradient_property_checks_float32_and_strided_tensor_draws_as_drawn() -> None:
    f = lambda x: _F32_WRONG(x).sum()  # noqa: E731
    for rg in (False, True):
        with pytest.raises(am.GradcheckError,
                           match=r"argument 0 as drawn \(Tensor, float32, contiguous\)"):
            QUICK(gradient_property(f, tensors((3,), dtype=np.float32, requires_grad=rg)))()
    fortran = arrays((2, 3)).map(lambda a: Tensor(np.asfortranarray(a)))
    with pytest.raises(am.GradcheckError, match=r"argument 0 as drawn \(Tensor, float64, "
                                                r"strided\)"):
        QUICK(gradient_property(lambda x: _STRIDED_WRONG(x).sum(), fortran))()
    good = _square("square_right", lambda x: 2.0)
    gradient_property(lambda x: good(x).sum(), tensors((3,), dtype=np.float32))()
    gradient_property(lambda x: good(x).sum(), fortran)()


def test_as_drawn_names_the_argument_by_its_position() -> None:
    prop = gradient_property(lambda axis, x: am.sum(_F32_WRONG(x), axis=axis), st.just(0),
                             arrays((3,), dtype=np.float32))
    with pytest.raises(am.GradcheckError, match=r"argument 1 as drawn \(float32, contiguous\)"):
        QUICK(prop)()


def test_gradcheck_upcasts_float32_to_float64_silently_and_says_so() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert am.gradcheck(lambda t: _F32_WRONG(t).sum(), [X.astype(np.float32)])
    doc = " ".join((am.gradcheck.__doc__ or "").split())
    assert "float32 inputs (and floating constants) are silently upcast to float64" in doc
    assert "requires_grad=False" in doc and "torch.autograd.gradcheck" in doc


# ------------------------------------------------------ f12: second-order failure messages
_SIN_DETACHED = Primitive(
    "sin_detached", lambda x: (np.sin(x), x),
    lambda g, x, needs: (g * np.cos(x.data if isinstance(x, Tensor) else x),))
_CUBE_CUTTING_G = Primitive("cube_cutting_g", lambda x: (x ** 3, x),
                            lambda g, x, needs: (np.asarray(g) * 3 * x * x,))


def test_gradgradcheck_messages_say_they_are_second_order() -> None:
    with pytest.raises(am.GradcheckError) as info:
        am.gradgradcheck(lambda t: _SIN_DETACHED(t).sum(), [np.array([0.3, 0.5])])
    msg = str(info.value)
    assert msg.startswith("second-order mismatch for input 0 (shape (2,)) at element (0,): ")
    assert "the derivative of the VJP's result" in msg and "with respect to input 0" in msg
    assert "create_graph=True" in msg and "analytic 0.0" in msg
    with pytest.raises(am.GradcheckError) as info, \
            pytest.warns(UserWarning, match="drops its gradient"):  # (np.asarray(g))
        am.gradgradcheck(_CUBE_CUTTING_G, [X])
    msg = str(info.value)
    assert msg.startswith("second-order mismatch for input 1 (the upstream gradient u, drawn "
                          "here) (shape (3,))")
    assert "with respect to the upstream gradient u" in msg
    with pytest.raises(am.GradcheckError, match=r"^second-order directional derivative "
                                                r"mismatch: .* and the upstream gradient u"), \
            pytest.warns(UserWarning, match="drops its gradient"):
        am.gradgradcheck(_CUBE_CUTTING_G, [X], fast=True)
    # with a constant in front, inputs keep their positions and u comes after all of them
    with pytest.raises(am.GradcheckError, match=r"^second-order mismatch for input 2 \(the "
                                                r"upstream gradient u"), \
            pytest.warns(UserWarning, match="drops its gradient"):
        am.gradgradcheck(lambda i, t: _CUBE_CUTTING_G(t[i]), [np.array([1, 0]), X])


def test_first_order_messages_do_not_say_second_order() -> None:
    wrong = _square("square_times_three", lambda x: 3.0)
    for fast in (False, True):
        with pytest.raises(am.GradcheckError) as info:
            am.gradcheck(wrong, [X], fast=fast)
        assert "second-order" not in str(info.value)


def test_a_python_float_beside_an_unmarked_tensor_does_not_switch_its_check_off() -> None:
    """gradcheck(f, [Tensor(x), 0.1]): the float is a hyper-parameter; the Tensor is still
    checked (a wrong VJP for x passed when the float alone was differentiated)."""
    def leaky_fwd(x: Any, a: Any) -> Any:
        return np.where(x > 0, x, a * x), (x, a)

    def leaky_vjp(g: Any, s: Any, needs: Any) -> Any:
        x, a = s
        return g * 7.0, (g * np.where(x > 0, 0.0, x)).sum() * np.ones_like(a)

    op = am.primitive("leaky_planted", leaky_fwd, leaky_vjp, nin=2)
    try:
        x = np.array([0.5, -1.0, 2.0])
        for inputs in ([am.Tensor(x)], [am.Tensor(x), 0.1], [x, 0.1]):
            assert not am.gradcheck(lambda t, a=0.1: am.sum(op(t, a)), inputs,
                                    raise_exception=False)
    finally:
        del am.REGISTRY["leaky_planted"]
