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
    (lambda w: np.diff(w), r"write x\[1:\] - x\[:-1\], which keeps it"),
])
def test_a_numpy_function_the_library_lacks_names_its_equivalent(call: Any, hint: str) -> None:
    with pytest.raises(TypeError, match=hint):
        call(_w())


@pytest.mark.parametrize(("call", "name", "bad"), [
    (lambda w: np.sum(w, dtype=np.float64), "sum", "dtype"),
    (lambda w: np.mean(w, where=w.data > 0), "mean", "where"),
    (lambda w: np.sort(w, kind="stable"), "sort", "kind"),
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
