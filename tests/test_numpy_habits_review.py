"""NumPy habits meeting tensors that require grad: NumPy's own conversion (np.asarray, a list
of tensors, a preallocated array filled with them, ``out=`` arrays) warns that it drops the
gradient, as PyTorch refuses it; functions the library lacks name its way to write them;
NumPy arguments it lacks are named; a tensor prints as NumPy would up to 1,000 elements."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 3))
DROPS = "drops its gradient"


def _w() -> am.Tensor:
    return am.Tensor(RNG.normal(size=(3, 4)), requires_grad=True)


@pytest.mark.parametrize("habit", [
    lambda w: np.asarray(w),
    lambda w: np.sum([np.sum(w ** 2), np.sum(w)]),  # a list of tensors: NumPy converts each
    lambda w: np.add(w, 1.0, out=np.zeros(w.shape)),
])
def test_numpys_conversion_of_a_tensor_that_requires_grad_warns(habit: Any) -> None:
    """Each gave a plain array silently: a penalty or a hidden layer built so was a constant,
    and a weight reached only through it kept .grad None."""
    with pytest.warns(UserWarning, match=DROPS):
        habit(_w())


def test_a_preallocated_array_filled_with_a_recorded_tensor_warns() -> None:
    w = _w()
    h = np.empty((20, 4))
    with pytest.warns(UserWarning, match=DROPS):
        h[:, 0] = np.tanh(X @ w[:, 0])


def test_conversions_that_drop_nothing_stay_quiet() -> None:
    w = _w()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.asarray(w.detach())
        with am.no_grad():
            np.asarray(w)
    # the library's own reads are quiet: a tensor built from a leaf, accuracy on an output
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        am.Tensor(w.detach())
        am.accuracy(am.Tensor(np.eye(3)) * w[0, 0], np.arange(3))
        am.hessian(lambda x: (x ** 3).sum())(np.array([1.0, 2.0]))  # (VJP checks: g's array)


@pytest.mark.parametrize(("call", "hint"), [
    (lambda w: np.hstack([w, w]), r"autograd_mini\.concatenate\(xs, axis=1\)"),
    (lambda w: np.ravel(w), r"autograd_mini\.reshape\(x, -1\)"),
    (lambda w: np.ptp(w), r"write autograd_mini.max\(x\) - autograd_mini.min\(x\), which keeps"),
])
def test_a_numpy_function_the_library_lacks_names_its_equivalent(call: Any, hint: str) -> None:
    with pytest.raises(TypeError, match=hint):
        call(_w())


@pytest.mark.parametrize(("call", "name", "bad"), [
    (lambda w: np.sum(w, dtype=np.float64), "sum", "dtype"),
    (lambda w: np.mean(w, where=w.data > 0), "mean", "where"),
    (lambda w: np.sort(w, kind="stable"), "sort", "kind"),
    # positional, as NumPy's signature places them (they were read as keepdims, descending)
    (lambda w: np.sum(w, 0, np.float32), "sum", "dtype"),
    (lambda w: np.sort(w, -1, "stable"), "sort", "kind"),
    (lambda w: np.take(w, [0, 2], 1, None, "clip"), "take", "mode"),
])
def test_numpy_arguments_the_library_lacks_are_named(call: Any, name: str, bad: str) -> None:
    """They were a bare ``sum() got an unexpected keyword argument 'dtype'``."""
    with pytest.raises(TypeError, match=rf"np\.{name} on a Tensor runs autograd_mini\.{name}"
                                        rf"\(x, .*'{bad}'"):
        call(_w())


def test_a_tensor_prints_every_element_up_to_a_thousand_as_torch() -> None:
    """Over 20 elements the repr abbreviated: 30 fitted coefficients printed as [..., ...]."""
    assert "..." not in repr(am.Tensor(np.arange(30.0)))
    assert "..." in repr(am.Tensor(np.arange(1001.0)))


def test_float_of_a_tensor_that_requires_grad_warns_as_torch_and_item_does_not() -> None:
    """``h[i] = am.tanh(X[i] @ w)`` went through ``float()`` silently: w.grad stayed None."""
    w = am.Tensor(np.ones(3), requires_grad=True)
    h = np.zeros(3)
    with pytest.warns(UserWarning, match=r"float\(\) \(or arr\[i\] = t\).*t\.item\(\)"):
        h[0] = am.tanh(w[0])
    with pytest.warns(UserWarning, match="plain number and drops its gradient"):
        float((w * 2).sum())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (w * 2).sum().item() == 6.0
        assert float(w.detach()[0]) == 1.0


def test_the_warning_points_at_the_users_line_through_installed_packages() -> None:
    """Raised inside NumPy's Python code (np.vectorize), it named NumPy's file."""
    w = _w()
    with pytest.warns(UserWarning, match=DROPS) as caught:
        np.vectorize(lambda v: v)(w)
    assert {r.filename for r in caught} == {__file__}


def test_only_a_tensor_is_read_as_one() -> None:
    """An object that keeps some ``_data`` and gives its values through ``__array__`` was read
    by its ``_data``."""
    class Holder:
        _data = np.zeros(3)  # (not the values)

        def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
            return np.arange(3.0)

    np.testing.assert_array_equal(am.Tensor(Holder()).data, [0.0, 1.0, 2.0])
    assert am.sum(Holder()).item() == 3.0


def test_python_object_results_and_explicit_numpy_defaults() -> None:
    t = _w()
    with pytest.raises(TypeError, match="gives Python objects"):
        np.frompyfunc(lambda v: v * 2, 1, 1)(t)
    np.testing.assert_allclose(np.sum(t, axis=0, out=None, where=True).data, t.data.sum(0))
    assert np.reshape(t, (4, 3), order="C").shape == (4, 3)


def test_numpy_positional_arguments_mean_what_they_mean_in_numpy() -> None:
    """``np.std(t, 0, None, None, 1)`` (dtype, out, ddof) was refused, and ``np.argmax(t, 0,
    None)`` read out=None as keepdims; a parameter NumPy only names otherwise (``np.where``'s
    x and y) stays positional."""
    t = _w()
    a = t.data
    n: Any = np  # (NumPy's stubs know no Tensor results)
    np.testing.assert_allclose(n.std(t, 0, None, None, 1).data, np.std(a, 0, None, None, 1))
    assert n.var(t, 1, None, None, 1, True).shape == np.var(a, 1, None, None, 1, True).shape
    np.testing.assert_array_equal(n.argmax(t, 0, None).data, np.argmax(a, 0, None))
    assert n.max(t, 1, None, True).shape == (3, 1)
    np.testing.assert_allclose(n.sum(t, 0, None, None, True).data, np.sum(a, 0, keepdims=True))
    np.testing.assert_allclose(n.where(t > 0, t, 0.0).data, np.where(a > 0, a, 0.0))
    np.testing.assert_allclose(n.clip(t, -0.5, 0.5).data, np.clip(a, -0.5, 0.5))


def test_int_and_logging_helpers_stay_quiet_and_ufunc_defaults_are_taken() -> None:
    """``int(t)`` warned, though PyTorch's does not; ``History.record(name, loss)`` warned for
    a ``float()`` the user never wrote; ``np.exp(t, where=True)`` was refused."""
    t = am.Tensor(np.array([1.5, 2.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert int(am.round(t)[0]) == 2
        hist = am.training.History()
        hist.record("loss", (t * 2).sum())
        assert hist.metrics["loss"] == [7.0]
        e: Any = np.exp(t, where=True)
        a: Any = np.add(t, 1, dtype=None, casting="same_kind")
        assert isinstance(e, am.Tensor) and isinstance(a, am.Tensor)
        np.testing.assert_allclose(e.data, np.exp(t.data))
        np.testing.assert_allclose(a.data, t.data + 1)
    with pytest.raises(TypeError, match=r"np\.exp on a Tensor takes no \['dtype'\]"):
        np.exp(t, dtype=np.float32)
