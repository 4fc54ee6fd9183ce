"""Defects a newcomer met in the first hour: 0-d data and gradients are ndarrays, softmax of a
0-d tensor, dtypes through a narrow intermediate cast, the repr of a matrix."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.backward import backward
from autograd_mini.catalog import SPECS


def test_zero_d_data_and_gradients_are_ndarrays() -> None:
    x = am.Tensor(1.5, requires_grad=True)
    (x * 2).backward()
    assert x.grad is not None and type(x.grad.data) is np.ndarray
    np.testing.assert_array_equal(np.asarray(x.grad), 2.0)
    s = am.Tensor([1.0, 2.0]).sum()
    assert type(s.data) is np.ndarray and np.asarray(s) == 3.0


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_op_gives_ndarrays_for_values_and_gradients(spec: object) -> None:
    rng = np.random.default_rng(0)
    arrays, attrs = spec.sample(rng)  # type: ignore[attr-defined]
    ts, out = spec.call(arrays, attrs, requires_grad=True)  # type: ignore[attr-defined]
    assert type(out.data) is np.ndarray
    if out.requires_grad:
        out.backward(np.ones(out.shape))
        for t in ts:
            assert t.grad is None or type(t.grad.data) is np.ndarray


def test_array_protocol_honours_dtype_and_copy() -> None:
    t = am.Tensor([1.0, 2.0])
    assert np.asarray(t) is t.data
    assert np.array(t, copy=True) is not t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="copy"):
        t.__array__(np.float32, copy=False)


@pytest.mark.parametrize("fn", [am.softmax, am.log_softmax])
def test_softmax_of_a_zero_d_tensor(fn: object) -> None:
    x = am.Tensor(0.5, requires_grad=True)
    y = fn(x, axis=0)  # type: ignore[operator]
    y.backward()
    assert y.shape == () and y.item() == (1.0 if fn is am.softmax else 0.0)
    assert x.grad is not None and x.grad.item() == 0.0


@pytest.mark.parametrize("narrow", [np.float32, np.float16])
def test_dtype_kept_through_a_narrow_intermediate_cast(narrow: type) -> None:
    x = am.Tensor(np.linspace(-1, 1, 5).astype(narrow), requires_grad=True)
    y = am.tanh(x.astype(np.float64)) * 2.0
    (g,) = backward(y.sum(), None, None, False, inputs=[x])
    assert g.dtype == narrow
    w = am.Tensor(np.linspace(-1, 1, 5), requires_grad=True)
    z = (am.exp(w.astype(narrow)) * 3.0).astype(np.float64).sum()
    (gw,) = backward(z, None, True, False, inputs=[w])
    assert gw.dtype == np.float64
    z.backward()
    assert w.grad is not None and w.grad.dtype == np.float64


def test_repr_aligns_the_rows_of_a_matrix() -> None:
    text = repr(am.Tensor(np.eye(3)))
    lines = text.splitlines()
    assert lines[0].startswith("Tensor([[")
    assert all(line.startswith(" " * len("Tensor([")) and line[len("Tensor(["):][0] == "["
               for line in lines[1:])
