"""The Hypothesis strategies in autograd_mini.testing produce what they promise."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

import autograd_mini
from autograd_mini import Tensor, engine
from autograd_mini import functional as F
from autograd_mini.catalog import DOMAINS, SPECS, OpSpec, in_domain
from autograd_mini.gradcheck import GradcheckError
from autograd_mini.testing import (
    arrays,
    broadcastable_shapes,
    gradient_property,
    indices,
    matmul_shapes,
    noncontiguous,
    op_inputs,
    shapes,
    tensors,
    valid_axes,
)


def test_only_the_testing_module_imports_hypothesis() -> None:
    code = ("import sys, autograd_mini, autograd_mini.catalog, autograd_mini.report; "
            "print('hypothesis' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    package = Path(autograd_mini.__file__).parent
    importers = {p.name for p in package.rglob("*.py")
                 if re.search(r"^\s*(import|from) hypothesis", p.read_text(), re.MULTILINE)}
    assert importers == {"testing.py"}


@given(shapes(1, 3, 2, 4))
def test_shapes_respect_bounds(shape: tuple[int, ...]) -> None:
    assert 1 <= len(shape) <= 3
    assert all(2 <= s <= 4 for s in shape)


@given(broadcastable_shapes(3, min_side=0))
def test_broadcastable_shapes_broadcast(shps: tuple[tuple[int, ...], ...]) -> None:
    assert len(shps) == 3
    out = np.broadcast_shapes(*shps)
    assert len(out) == max(len(s) for s in shps)
    assert np.broadcast(*[np.empty(s) for s in shps]).shape == out


# ``find`` raises NoSuchExample when no generated value satisfies the condition
QUICK = settings(phases=[Phase.generate], database=None, max_examples=2000)


def test_broadcastable_shapes_cover_the_interesting_cases() -> None:
    strat = broadcastable_shapes(2)
    find(strat, lambda s: len(s[0]) != len(s[1]), settings=QUICK)  # different ranks
    find(strat, lambda s: () in s, settings=QUICK)  # a scalar operand
    find(strat, lambda s: any(a == 1 < b for a, b in zip(s[0][::-1], s[1][::-1])),
         settings=QUICK)  # a stretched axis
    find(broadcastable_shapes(2, min_side=0), lambda s: 0 in s[0] + s[1], settings=QUICK)


@pytest.mark.parametrize("domain", sorted(DOMAINS))
@given(data=st.data())
def test_arrays_lie_in_their_domain(domain: str, data: st.DataObject) -> None:
    shape = data.draw(shapes(0, 3, 0, 3))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    a = data.draw(arrays(shape, dtype, domain=domain, bound=3.0))
    assert a.shape == shape and a.dtype == dtype
    assert in_domain(a, domain, bound=3.0)


def test_in_domain_rejects_values_outside() -> None:
    assert not in_domain(np.array([0.05]), "positive")
    assert not in_domain(np.array([-0.05, 1.0]), "nonzero")
    assert not in_domain(np.array([-0.9]), "above_minus_one")
    assert not in_domain(np.array([2.5]), "real")
    assert not in_domain(np.array([np.nan]), "real")


@given(tensors(shapes(), requires_grad=True), tensors((2,), domain="positive"))
def test_tensors_wrap_arrays(t: Tensor, c: Tensor) -> None:
    assert t.requires_grad and not c.requires_grad
    assert np.all(c.data >= 0.2)


@given(data=st.data())
def test_valid_axes_are_valid(data: st.DataObject) -> None:
    shape = data.draw(shapes(0, 4))
    axis = data.draw(valid_axes(len(shape)))
    x = np.ones(shape)
    expected = np.sum(x, axis=axis)  # NumPy accepts it
    assert F.sum(Tensor(x), axis=axis).shape == expected.shape
    if isinstance(axis, tuple):
        assert len({a % len(shape) for a in axis}) == len(axis)


def test_valid_axes_cover_every_form() -> None:
    strat = valid_axes(3)
    for cond in (lambda a: a is None, lambda a: isinstance(a, int) and a >= 0,
                 lambda a: isinstance(a, int) and a < 0,
                 lambda a: isinstance(a, tuple) and len(a) > 1 and min(a) < 0):
        find(strat, cond, settings=QUICK)


@given(matmul_shapes())
def test_matmul_shapes_multiply(pair: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    sa, sb = pair
    assert np.matmul(np.ones(sa), np.ones(sb)).ndim >= 0


def test_matmul_shapes_cover_vectors_and_broadcast_batches() -> None:
    strat = matmul_shapes()
    for cond in (lambda p: len(p[0]) == len(p[1]) == 1,
                 lambda p: len(p[0]) == 1 and len(p[1]) > 2,
                 lambda p: len(p[1]) == 1 and len(p[0]) == 2,
                 lambda p: len(p[0]) > 2 and len(p[1]) > 2 and p[0][:-2] != p[1][:-2]):
        find(strat, cond, settings=QUICK)


@given(data=st.data())
def test_indices_are_valid(data: st.DataObject) -> None:
    shape = data.draw(shapes(1, 3))
    index = data.draw(indices(shape))
    x = np.arange(float(np.prod(shape))).reshape(shape)
    assert np.array_equal(F.getitem(Tensor(x), index).data, x[index])


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@given(data=st.data())
def test_op_inputs_respect_domain_and_kinks(spec: OpSpec, data: st.DataObject) -> None:
    arrays_, attrs = data.draw(op_inputs(spec))
    assert spec.nin == -1 or len(arrays_) == spec.nin
    for i, a in enumerate(arrays_):
        assert in_domain(a, spec.domain[min(i, len(spec.domain) - 1)])
    spec.ref(*arrays_, **attrs)  # the reference accepts the arguments
    if spec.kink == "ties" and arrays_[0].size > 1:
        v = np.sort(arrays_[0].ravel())
        assert np.min(np.diff(v)) > 1e-3
    if spec.kink == "pairs":
        a, b = np.broadcast_arrays(*arrays_)
        assert np.all(np.abs(a - b) > 0.1)
    if spec.kind == "clip":
        for bound in (attrs["a_min"], attrs["a_max"]):
            if bound is not None:
                assert np.all(np.abs(arrays_[0] - bound) > 0.1)
    if spec.min_count > 1:
        axis = attrs["axis"]
        axes = range(arrays_[0].ndim) if axis is None else np.atleast_1d(axis)
        assert np.prod([arrays_[0].shape[a] for a in axes]) >= spec.min_count


@given(noncontiguous(arrays(shapes(0, 3, 0, 4))))
def test_noncontiguous_views(view: np.ndarray) -> None:
    assert not np.isnan(view).any()  # the padding never shows
    if view.size >= 2:
        assert not view.flags.c_contiguous
        assert view.base is not None


def test_noncontiguous_keeps_values_and_maps_lists() -> None:
    a = np.arange(6.0).reshape(2, 3)
    views = find(noncontiguous(st.just([a, a[0]])), lambda v: True, settings=QUICK)
    assert isinstance(views, list) and len(views) == 2
    assert np.array_equal(views[0], a) and np.array_equal(views[1], a[0])
    assert not views[0].flags.c_contiguous and not views[1].flags.c_contiguous


def _logistic_loss(w: Tensor, x: Tensor) -> Tensor:
    return F.sum(F.log_sigmoid(F.matmul(x, w)))


test_gradient_property_on_a_correct_function = gradient_property(
    _logistic_loss, arrays((3,)), arrays((2, 3)), second_order=True)


def _bad_vjp(g, x, needs):
    return (g * x,)  # d(x²)/dx is 2x: this is half of it


_BAD_SQUARE = engine.Primitive("bad_square", lambda x: (x * x, x), _bad_vjp)


def test_gradient_property_catches_a_wrong_gradient() -> None:
    prop = gradient_property(lambda x: engine.apply(_BAD_SQUARE, x), arrays(shapes(1, 2)))
    assert prop.__name__.startswith("gradient_property")
    with pytest.raises(GradcheckError):  # no shrinking: the failure itself is the point
        settings(phases=[Phase.generate], database=None)(prop)()
    assert "bad_square" not in engine.REGISTRY


def test_gradient_property_failure_names_the_function_and_its_arguments() -> None:
    def my_square(x: Tensor) -> Tensor:
        return engine.apply(_BAD_SQUARE, x)

    prop = gradient_property(my_square, arrays(shapes(1, 2)))
    with pytest.raises(GradcheckError) as info:
        settings(phases=[Phase.generate], database=None)(prop)()
    notes = "\n".join(getattr(info.value, "__notes__", []))
    # Hypothesis says "Falsifying example: ..." or, from 6.16x, "Failing test case: ..."
    assert re.search(r"(Falsifying example|Failing test case): my_square\(\s*x=array\(", notes)
    assert "check(" not in notes


def test_testing_without_hypothesis_says_what_to_install(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "autograd_mini.testing")
    with pytest.raises(ImportError) as info:
        importlib.import_module("autograd_mini.testing")
    message = str(info.value)
    assert "\n" not in message and "hypothesis" in message
    assert message.endswith(": pip install hypothesis (or, in the repository, bash "
                            "scripts/setup.sh test)")  # what works where the package is not on PyPI


def test_strategy_arguments_are_validated() -> None:
    with pytest.raises(ValueError):
        shapes(3, 1)
    with pytest.raises(ValueError):
        broadcastable_shapes(0)
    with pytest.raises(ValueError):
        arrays((2,), domain="imaginary")
    with pytest.raises(ValueError):
        arrays((2,), dtype=np.int64)
    with pytest.raises(ValueError):
        valid_axes(-1)


def test_a_users_registered_op_gets_strategies_and_a_report_row() -> None:
    from autograd_mini.report import gradcheck_report

    op = autograd_mini.primitive("user_log_for_strategies", lambda x: (np.log(x), x),
                                 lambda g, x, needs: (g / x,), domain=("positive",))
    try:
        for source in ("user_log_for_strategies", op):
            drawn = find(op_inputs(source), lambda d: d[0][0].size > 2)[0]
            assert len(drawn) == 1 and (drawn[0] > 0).all()
        rows = [r for r in gradcheck_report(fast=True) if r.op == "user_log_for_strategies"]
        assert len(rows) == 1 and rows[0].passed
    finally:
        del autograd_mini.REGISTRY["user_log_for_strategies"]


def test_gradient_property_catches_a_vjp_wrong_only_for_float32_or_strided_inputs() -> None:
    def wrong_for(bad: Any) -> Any:
        return engine.Primitive("square", lambda x: (x * x, x),
                                lambda g, x, needs: (g * (3.0 if bad(x) else 2.0) * x,))

    f32 = wrong_for(lambda x: x.dtype == np.float32)
    strided = wrong_for(lambda x: isinstance(x, np.ndarray) and not x.flags.c_contiguous)
    good = wrong_for(lambda x: False)
    with pytest.raises(GradcheckError, match=r"argument 0 as drawn \(float32, contiguous\)"):
        gradient_property(f32, arrays((3,), dtype=np.float32))()
    with pytest.raises(GradcheckError, match=r"argument 0 as drawn \(float64, strided\)"):
        gradient_property(strided, noncontiguous(arrays((2, 3))))()
    gradient_property(good, arrays((3,), dtype=np.float32))()
    gradient_property(good, noncontiguous(arrays((2, 3))))()
    gradient_property(f32, arrays((3,)))()  # (float64, contiguous: the bug is out of reach)
