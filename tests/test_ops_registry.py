"""Registry-driven property tests: every public differentiable function, forward and gradients."""

from __future__ import annotations

import contextlib
import copy
import functools
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import Tensor, engine
from autograd_mini import functional as F
from autograd_mini.backward import backward
from autograd_mini.catalog import (
    SPECS,
    OpSpec,
    RngChooser,
    build_inputs,
    check_catalog_covers_registry,
)
from autograd_mini.gradcheck import gradcheck, gradgradcheck
from autograd_mini.testing import noncontiguous, op_inputs

EVERY_SPEC = pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
SEEDS = st.integers(0, 2**32 - 1)


def _same(a: Any, b: Any) -> bool:
    """Deep equality for attribute values (arrays, tuples, slices, None, numbers)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _leaf_view(arr: np.ndarray) -> Tensor:
    """A leaf whose data is ``arr`` itself (``Tensor(arr)`` would make a contiguous copy)."""
    t = Tensor(np.zeros((), dtype=arr.dtype), requires_grad=True)
    t.data = arr
    return t


# --------------------------------------------------------------------------- the catalog itself
def test_catalog_covers_registry() -> None:
    check_catalog_covers_registry()


def test_catalog_check_reports_an_unexercised_primitive() -> None:
    with pytest.raises(AssertionError, match="no OpSpec exercises"):
        check_catalog_covers_registry([s for s in SPECS if "matmul" not in s.primitives])


def test_the_public_list_is_literal_and_lists_every_family_exactly() -> None:
    """``functional.__all__`` is spelled out (type checkers type ``am.sin`` from it): it must
    hold each op family's public names and the composites, each once, all defined."""
    import autograd_mini as am
    from autograd_mini.ops import (
        activation,
        einsum,
        mathfuncs,
        movement,
        norm,
        products,
        scan,
        special,
        statistics,
    )

    families = [activation, einsum, mathfuncs, movement, norm, products, scan, special,
                statistics]
    assert len(F.__all__) == len(set(F.__all__))
    for family in families:
        assert set(family.__all__) <= set(F.__all__), family.__name__
    assert all(callable(getattr(F, name)) for name in F.__all__)
    assert set(F.__all__) <= set(am.__all__)


def test_one_spec_per_public_function() -> None:
    """functional's functions, and linalg's as ``linalg.<name>`` (docs/ops.md lists both)."""
    from autograd_mini import linalg
    from autograd_mini.catalog.reference import not_differentiable, public_names

    names = [s.name for s in SPECS]
    assert len(names) == len(set(names))
    assert set(names) == set(public_names()) - not_differentiable()
    assert set(F.NOT_DIFFERENTIABLE) <= set(F.__all__)
    assert set(linalg.NOT_DIFFERENTIABLE) <= set(linalg.__all__)
    assert {"linalg.norm", "linalg.matmul"}.isdisjoint(names)  # functional's, under one name
    assert {n for n in public_names() if n.startswith("linalg.")} == {
        f"linalg.{n}" for n in linalg.__all__ if n not in ("matmul", "norm")}


@EVERY_SPEC
def test_spec_agrees_with_its_primitive(spec: OpSpec) -> None:
    assert spec.second_order, "the engine records every VJP, so grad-of-grad is always checked"
    if spec.primitives == (spec.name,):
        prim = engine.REGISTRY[spec.name]
        assert spec.domain == prim.domain and spec.smooth == prim.smooth
        # a variadic primitive may be tested at one arity
        assert spec.nin == prim.nin or prim.nin == -1


# --------------------------------------------------------------------------- float64 properties
@EVERY_SPEC
@given(data=st.data())
def test_forward_matches_numpy_and_vjp_matches_central_differences(
    spec: OpSpec, data: st.DataObject
) -> None:
    arrays, attrs = data.draw(op_inputs(spec))
    _, out = spec.call(arrays, attrs)
    ref = np.asarray(spec.ref(*arrays, **attrs))
    assert out.dtype == np.float64 and out.shape == ref.shape
    np.testing.assert_allclose(out.data, ref, rtol=1e-12, atol=1e-12)
    f = functools.partial(spec.fn, **attrs)
    gradcheck(f, arrays, rng=np.random.default_rng(data.draw(SEEDS)))


@EVERY_SPEC
@given(data=st.data())
def test_grad_of_grad_matches_central_differences(spec: OpSpec, data: st.DataObject) -> None:
    arrays, attrs = data.draw(op_inputs(spec))
    f = functools.partial(spec.fn, **attrs)
    gradgradcheck(f, arrays, rng=np.random.default_rng(data.draw(SEEDS)))


# --------------------------------------------------------------------------- dtype, aliasing, views
@EVERY_SPEC
@given(data=st.data())
def test_float32_kept_and_inputs_untouched(spec: OpSpec, data: st.DataObject) -> None:
    arrays, attrs = data.draw(op_inputs(spec, dtype=np.float32))
    attrs_before = copy.deepcopy(attrs)
    ts, out = spec.call(arrays, attrs, requires_grad=True)
    before = [t.data.copy() for t in ts]
    assert out.dtype == np.float32
    ref = spec.ref(*[a.astype(np.float64) for a in arrays], **attrs)
    np.testing.assert_allclose(out.data, ref, rtol=1e-5, atol=1e-5)
    u = np.random.default_rng(data.draw(SEEDS)).standard_normal(out.shape).astype(np.float32)
    u_before = u.copy()
    out.backward(u)
    for t, b in zip(ts, before):
        assert t.grad is not None and t.grad.dtype == np.float32 and t.grad.shape == t.shape
        np.testing.assert_array_equal(t.data, b)
    np.testing.assert_array_equal(u, u_before)
    assert _same(attrs, attrs_before)
    owned = [u] + [t.data for t in ts]
    for t in ts:  # each gradient owns its memory: writing to it cannot corrupt anything else
        g = t.grad.data  # type: ignore[union-attr]
        assert not any(np.shares_memory(g, o) for o in owned)
        owned.append(g)


@EVERY_SPEC
@given(data=st.data())
def test_noncontiguous_inputs_give_the_same_results(spec: OpSpec, data: st.DataObject) -> None:
    arrays, attrs = data.draw(op_inputs(spec))
    views = data.draw(noncontiguous(st.just(arrays)))
    u_seed = data.draw(SEEDS)
    results = []
    for leaves in ([Tensor(a, requires_grad=True) for a in arrays], [_leaf_view(v) for v in views]):
        out = spec.fn(*leaves, **attrs)
        out.backward(np.random.default_rng(u_seed).standard_normal(out.shape))
        assert all(t.grad.dtype == np.float64 for t in leaves)  # type: ignore[union-attr]
        results.append((out.data.copy(), [t.grad.data for t in leaves]))  # type: ignore[union-attr]
    (out_c, grads_c), (out_v, grads_v) = results
    np.testing.assert_allclose(out_v, out_c, rtol=1e-13, atol=1e-13)
    for gv, gc in zip(grads_v, grads_c):
        np.testing.assert_allclose(gv, gc, rtol=1e-13, atol=1e-13)
    for a, v in zip(arrays, views):
        np.testing.assert_array_equal(a, v)


@EVERY_SPEC
def test_changing_an_input_after_forward_never_gives_a_silently_wrong_gradient(
    spec: OpSpec,
) -> None:
    arrays, attrs = spec.sample(np.random.default_rng(0))
    ts, out = spec.call(arrays, attrs, requires_grad=True)
    u = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(u)
    expected = [t.grad.data for t in ts]  # type: ignore[union-attr]
    ts, out = spec.call(arrays, attrs, requires_grad=True)
    for t in ts:
        with contextlib.suppress(ValueError):  # read-only saved data: the change is impossible
            t.data[...] = t.data + 1.0
    try:
        out.backward(u)
    except RuntimeError:
        return  # the change was detected
    for t, e in zip(ts, expected):
        np.testing.assert_array_equal(t.grad.data, e)  # type: ignore[union-attr]


# --------------------------------------------------------------------------- broadcasting, empty
BINARY = [s for s in SPECS if s.kind == "elementwise" and s.nin == 2]
ELEMENTWISE = [s for s in SPECS if s.kind in ("elementwise", "astype")]
PAIRS = [((), (3,)), ((3,), ()), ((2, 1), (1, 3)), ((1, 3), (2, 1)), ((4,), (2, 4)),
         ((2, 1, 3), (3,)), ((1,), (1, 1, 1)), ((), ())]


@pytest.mark.parametrize("spec", BINARY, ids=[s.name for s in BINARY])
@pytest.mark.parametrize("shapes", PAIRS, ids=str)
def test_binary_ops_broadcast(spec: OpSpec, shapes: tuple[tuple[int, ...], ...]) -> None:
    rng = np.random.default_rng(0)
    arrays, attrs = build_inputs(spec, RngChooser(rng), shapes=shapes)
    ts, out = spec.call(arrays, attrs, requires_grad=True)
    assert out.shape == np.broadcast_shapes(*shapes)
    out.backward(np.ones(out.shape))
    assert [t.grad.shape for t in ts] == list(shapes)  # type: ignore[union-attr]
    gradcheck(functools.partial(spec.fn, **attrs), arrays, rng=rng)


ZERO_SIZE = [((0,),), ((2, 0, 3),), ((0, 3), (1, 3)), ((0,), ()), ((2, 0), (0,))]


@pytest.mark.parametrize("spec", ELEMENTWISE, ids=[s.name for s in ELEMENTWISE])
def test_elementwise_ops_accept_zero_size(spec: OpSpec) -> None:
    for shapes in (s for s in ZERO_SIZE if len(s) == spec.nin):
        arrays, attrs = build_inputs(spec, RngChooser(np.random.default_rng(0)), shapes=shapes)
        ts, out = spec.call(arrays, attrs, requires_grad=True)
        assert out.shape == np.broadcast_shapes(*shapes) and out.dtype == np.float64
        out.backward(np.zeros(out.shape))
        for t, s in zip(ts, shapes):
            assert t.grad is not None and t.grad.shape == s


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_sum_of_zero_size(axis: Any) -> None:
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    y = F.sum(x, axis=axis)
    assert y.shape == np.sum(np.zeros((0, 3)), axis=axis).shape
    assert np.all(y.data == 0)
    F.sum(y).backward()
    assert x.grad is not None and x.grad.shape == (0, 3)


@pytest.mark.parametrize("fn", [F.max, F.min])
def test_max_of_empty_raises(fn: Any) -> None:
    with pytest.raises(ValueError, match="empty"):
        fn(Tensor(np.zeros((0,))))
    with pytest.raises(ValueError, match="empty"):
        fn(Tensor(np.zeros((2, 0))), axis=1)
    assert fn(Tensor(np.zeros((0, 3))), axis=1).shape == (0,)


# --------------------------------------------------------------------------- extreme inputs
LOG2 = float(np.log(2.0))
EXTREMES: list[tuple[Any, ...]] = [  # (function, input, forward limit, gradient of the sum)
    (F.sigmoid, [-1000.0, 1000.0], [0.0, 1.0], [0.0, 0.0]),
    (F.softplus, [-1000.0, 1000.0], [0.0, 1000.0], [0.0, 1.0]),
    (F.log_sigmoid, [-1000.0, 1000.0], [-1000.0, 0.0], [1.0, 0.0]),
    (F.tanh, [-1000.0, 1000.0], [-1.0, 1.0], [0.0, 0.0]),
    (F.softmax, [1000.0, 0.0], [1.0, 0.0], [0.0, 0.0]),
    (F.softmax, [-1000.0, 1000.0], [0.0, 1.0], [0.0, 0.0]),
    (F.log_softmax, [1000.0, 0.0], [0.0, -1000.0], [-1.0, 1.0]),
    (F.log_softmax, [-1000.0, -1000.0], [-LOG2, -LOG2], [0.0, 0.0]),
    (F.logsumexp, [1000.0, 1000.0], 1000.0 + LOG2, [0.5, 0.5]),
    (F.logsumexp, [-1000.0, -1000.0], -1000.0 + LOG2, [0.5, 0.5]),
    (F.logsumexp, [1000.0, -1000.0], 1000.0, [1.0, 0.0]),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("fn", "x", "value", "grad"), EXTREMES,
                         ids=[f"{e[0].__name__}{e[1]}" for e in EXTREMES])
def test_extreme_inputs_give_the_limits(fn: Any, x: list[float], value: Any, grad: list[float],
                                        dtype: Any) -> None:
    t = Tensor(np.array(x, dtype=dtype), requires_grad=True)
    y = fn(t)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, value, rtol=1e-6 if dtype == np.float32 else 1e-15)
    (g,) = backward(F.sum(y), create_graph=True, inputs=[t])
    # float32 knows ±1000 only to ±6e-5 (one ulp), which bounds how exact a gradient can be
    np.testing.assert_allclose(g.data, grad, atol=1e-4 if dtype == np.float32 else 1e-12)
    (gg,) = backward(F.sum(F.mul(g, g)), inputs=[t])
    assert np.all(np.isfinite(gg))


def test_exp_overflows_to_inf_silently() -> None:
    x = Tensor(np.array([1000.0, -1000.0]), requires_grad=True)
    y = F.exp(x)
    assert y.data[0] == np.inf and y.data[1] == 0.0
    y.backward(np.array([1.0, 1.0]))
    assert x.grad is not None and x.grad.data[0] == np.inf and x.grad.data[1] == 0.0


def test_log_outside_its_domain_is_ieee_and_silent() -> None:
    y = F.log(Tensor(np.array([0.0, -1.0])))
    assert y.data[0] == -np.inf and np.isnan(y.data[1])


# --------------------------------------------------------------------------- kinks, as documented
def _grad(fn: Any, *xs: npt.ArrayLike) -> list[np.ndarray]:
    ts = [Tensor(np.array(x), requires_grad=True) for x in xs]
    F.sum(fn(*ts)).backward()
    return [t.grad.data for t in ts]  # type: ignore[union-attr]


def test_relu_abs_leaky_relu_at_zero() -> None:
    np.testing.assert_array_equal(_grad(F.relu, [0.0, -1.0, 2.0])[0], [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(_grad(F.abs, [0.0, -2.0, 3.0])[0], [0.0, -1.0, 1.0])
    np.testing.assert_array_equal(_grad(lambda x: F.leaky_relu(x, 0.1), [0.0, 1.0])[0], [0.1, 1])


def test_max_min_ties_split_evenly() -> None:
    np.testing.assert_array_equal(_grad(F.max, [1.0, 3.0, 3.0, 0.0])[0], [0, 0.5, 0.5, 0])
    np.testing.assert_array_equal(_grad(F.min, [2.0, 2.0, 2.0])[0], [1 / 3] * 3)
    got = _grad(lambda x: F.max(x, axis=1), [[1.0, 1.0], [2.0, 0.0]])[0]
    np.testing.assert_array_equal(got, [[0.5, 0.5], [1.0, 0.0]])


@pytest.mark.parametrize("fn", [F.maximum, F.minimum])
def test_maximum_minimum_ties_split_half_half(fn: Any) -> None:
    ga, gb = _grad(fn, [1.0, 2.0, 5.0], [1.0, 3.0, 4.0])
    big = fn is F.maximum
    np.testing.assert_array_equal(ga, [0.5, 0.0 if big else 1.0, 1.0 if big else 0.0])
    np.testing.assert_array_equal(gb, [0.5, 1.0 if big else 0.0, 0.0 if big else 1.0])


def test_pow_with_zero_exponent_has_zero_gradient_at_zero_base() -> None:
    ga, _ = _grad(F.pow, [0.0, 2.0], [0.0, 0.0])
    np.testing.assert_array_equal(ga, [0.0, 0.0])


def test_clip_passes_the_gradient_at_its_bounds() -> None:
    got = _grad(lambda x: F.clip(x, -1.0, 1.0), [-1.0, 1.0, 0.0, 2.0, -3.0])[0]
    np.testing.assert_array_equal(got, [1.0, 1.0, 1.0, 0.0, 0.0])


def test_astype_narrowing_keeps_the_input_dtype_for_the_gradient() -> None:
    x = Tensor(np.array([0.1, 2.5]), requires_grad=True)
    y = F.astype(x, np.float32)
    np.testing.assert_array_equal(y.data, np.array([0.1, 2.5], dtype=np.float32))
    F.sum(y).backward()
    assert x.grad is not None and x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])
