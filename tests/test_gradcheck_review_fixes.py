"""Gradient checking and property testing: the fourth review's findings.

Central differences per output element (no false alarm beside a large output), Python floats
drawn by ``gradient_property`` are constants, 0-d float32 draws, Hypothesis' deadline, user ops
the report cannot sample, a misspelt domain, ``indices`` of zero-size shapes and
``noncontiguous`` Tensors.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.catalog import DOMAINS, user_specs
from autograd_mini.engine import Primitive
from autograd_mini.opcheck import DOMAIN_NAMES, check_domain
from autograd_mini.opsamples import SamplingError, set_sampler
from autograd_mini.report import format_report, gradcheck_report
from autograd_mini.testing import (
    arrays,
    gradient_property,
    indices,
    noncontiguous,
    op_inputs,
    shapes,
    tensors,
)

QUICK = settings(phases=[Phase.generate], database=None, max_examples=20)


def _square(name: str, factor: Any) -> Primitive:
    """x ↦ x² whose VJP multiplies by ``factor(x)`` (2 is right)."""
    return Primitive(name, lambda x: (x * x, x), lambda g, x, needs: (g * factor(x) * x,))


# ------------------------------------------------ 1: differences per output element first
def test_numerical_grad_is_not_swamped_by_a_large_output_element() -> None:
    x = np.array([20.0, 0.5])
    for method, tol in (("central", 1e-8), ("forward", 1e-5)):
        (g,) = am.numerical_grad(am.exp, [x], method=method)
        assert abs(g[1] - np.exp(0.5)) < tol * np.exp(0.5), (method, g)
        assert abs(g[0] - np.exp(20.0)) < 1e-4 * np.exp(20.0)
    u = np.array([0.5, -2.0])
    (g,) = am.numerical_grad(am.exp, [x], grad_output=u)
    assert np.allclose(g, u * np.exp(x), rtol=1e-8)


def test_gradcheck_and_gradgradcheck_pass_correct_ops_beside_a_large_output() -> None:
    cases: list[tuple[Callable[..., Tensor], np.ndarray]] = [
        (am.exp, np.array([20.0, 0.5])), (lambda t: t * t, np.array([3000.0, 1e-3]))]
    for f, x in cases:
        for seed in range(20):
            for check in (am.gradcheck, am.gradgradcheck):
                assert check(f, [x], rng=np.random.default_rng(seed)), (check, x, seed)


def test_a_slightly_wrong_vjp_beside_a_large_output_is_still_caught() -> None:
    off = _square("square_off_on_small", lambda x: np.where(np.abs(x) < 1, 2.01, 2.0))
    x = np.array([3000.0, 0.5])
    with pytest.raises(am.GradcheckError, match=r"input 0 .* at element \(1,\)"):
        am.gradcheck(off, [x])


# ------------------------------------------------ 2: Python floats are constants, as documented
def _mul_f(a: Any, b: Any) -> tuple[Any, Any]:
    """a b"""
    return a * b, (a, b)


def _mul_vjp_wrong_for_b(g: Any, s: Any, needs: Any) -> tuple[Any, Any]:
    a, b = s
    return (g * b if needs[0] else None, 5 * g * a if needs[1] else None)


_BADMUL = Primitive("badmul", _mul_f, _mul_vjp_wrong_for_b)


def test_gradient_property_says_python_floats_are_constants_and_a_scalar_array_is_checked(
        ) -> None:
    doc = " ".join((gradient_property.__doc__ or "").split())
    assert "Python floats (``st.floats``: a hyper-parameter" in doc
    assert "arrays(())" in doc
    assert "floating arrays, Python floats" not in doc

    def f(x: Tensor, k: Any) -> Tensor:
        return _BADMUL(x, k).sum()

    QUICK(gradient_property(f, arrays((3,)), st.floats(0.5, 2.0)))()  # k: a constant
    with pytest.raises(am.GradcheckError, match="input 1"):
        QUICK(gradient_property(f, arrays((3,)), arrays((), domain="positive")))()


# ------------------------------------------------ 3: 0-d draws, float32 and float64
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_property_on_0d_draws(dtype: Any) -> None:
    QUICK(gradient_property(lambda x: am.tanh(x), arrays((), dtype=dtype)))()
    QUICK(gradient_property(lambda x: am.tanh(x) * 2.0, tensors((), dtype=dtype)))()


def test_a_vjp_wrong_only_in_float32_is_caught_on_0d_draws() -> None:
    wrong = _square("square_wrong_in_float32_0d", lambda x: 2.5 if x.dtype == np.float32 else 2.0)
    with pytest.raises(am.GradcheckError, match=r"argument 0 as drawn \(float32, contiguous\)"):
        QUICK(gradient_property(wrong, arrays((), dtype=np.float32)))()


# ------------------------------------------------ 4: Hypothesis' deadline
_DEADLINE_SCRIPT = textwrap.dedent("""
    import sys, time
    from hypothesis import Phase, settings
    from hypothesis.errors import DeadlineExceeded, FlakyFailure
    import autograd_mini as am
    from autograd_mini.testing import arrays, gradient_property

    def slow(x):                     # 2D + 1 evaluations of 50 ms: well over 200 ms an example
        time.sleep(0.05)
        return am.tanh(x).sum()

    quick = dict(max_examples=2, database=None, phases=[Phase.generate])
    settings.register_profile("few", **quick)  # the deadline: Hypothesis' own
    settings.register_profile("strict", deadline=100, **quick)
    settings.load_profile(sys.argv[1])
    try:
        gradient_property(slow, arrays((2,)))()
    except (DeadlineExceeded, FlakyFailure) as exc:
        print("deadline", type(exc).__name__)
    else:
        print("passed")
""")


def test_gradient_property_turns_hypothesis_default_deadline_off_but_keeps_a_chosen_one(
        ) -> None:
    def run(profile: str) -> str:
        done = subprocess.run([sys.executable, "-W", "error", "-c", _DEADLINE_SCRIPT, profile],
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    assert run("few") == "passed"
    assert run("strict").startswith("deadline")


# ------------------------------------------------ 5, 6: user ops in the report and op_inputs
def _dot_f(a: Any, b: Any) -> tuple[Any, Any]:
    """a · b"""
    return np.dot(a, b), (a, b)


def _dot_vjp(g: Any, s: Any, needs: Any) -> tuple[Any, Any]:
    return (g * s[1] if needs[0] else None, g * s[0] if needs[1] else None)


def _dot_vjp_wrong(g: Any, s: Any, needs: Any) -> tuple[Any, Any]:
    return (g * s[1] if needs[0] else None, 2 * g * s[0] if needs[1] else None)


def _scale_f(x: Any, *, k: float) -> tuple[Any, Any]:
    """k x"""
    return k * x, None


def _scale_vjp(g: Any, s: Any, needs: Any, *, k: float) -> tuple[Any]:
    return (g * k,)


def _sin_f(x: Any) -> tuple[Any, Any]:
    """sin x"""
    return np.sin(x), x


def _sin_vjp(g: Any, x: Any, needs: Any) -> tuple[Any]:
    return (g * am.cos(x) if isinstance(x, Tensor) else g * np.cos(x),)


def _dot_inputs(ch: Any, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    n = ch.integer(1, 4)
    return [ch.uniform((n,)).astype(dtype), ch.uniform((n,)).astype(dtype)], {}


def _scale_inputs(ch: Any, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    return [ch.uniform((ch.integer(0, 3),)).astype(dtype)], {"k": 0.5 * ch.integer(1, 4)}


@pytest.fixture
def user_ops() -> Iterator[dict[str, Primitive]]:
    """Ops of a user's, registered for one test only."""
    made = {"u_dot": am.primitive("u_dot", _dot_f, _dot_vjp),
            "u_scale": am.primitive("u_scale", _scale_f, _scale_vjp)}
    try:
        yield made
    finally:
        for name in made:
            set_sampler(name, None)
            am.REGISTRY.pop(name, None)


def test_the_report_skips_ops_it_cannot_sample_saying_why(user_ops: dict[str, Primitive]
                                                           ) -> None:
    for specs in ([*user_ops.values()], user_specs()):  # (user_specs: elementwise, unchecked)
        rows = {r.op: r for r in gradcheck_report(specs=specs)}
        assert set(rows) == {"u_dot", "u_scale"}
        for r in rows.values():
            assert r.first_order == "skipped" and r.second_order == "n/a" and r.passed
            assert r.detail.startswith("cannot sample inputs for this op (")
        assert "not elementwise" in rows["u_dot"].detail
        assert "keyword attribute(s) k" in rows["u_scale"].detail
        text = format_report(list(rows.values()))
        assert "u_dot: skipped: cannot sample inputs for this op (" in text
        assert text.splitlines()[-1] == "2 ops checked, none failed; 2 skipped: u_dot, u_scale"


def test_ops_given_a_sampler_are_checked_and_a_wrong_gradient_still_fails(
        user_ops: dict[str, Primitive]) -> None:
    set_sampler(user_ops["u_dot"], _dot_inputs)
    set_sampler("u_scale", _scale_inputs)
    rows = gradcheck_report(specs=list(user_ops.values()))
    assert [(r.op, r.first_order, r.second_order) for r in rows] == [
        ("u_dot", "ok", "ok"), ("u_scale", "ok", "ok")]
    assert format_report(rows).splitlines()[-1] == "2 ops checked, all passed"
    wrong = Primitive("u_dot_wrong", _dot_f, _dot_vjp_wrong)
    set_sampler(wrong, _dot_inputs)
    try:
        (row,) = gradcheck_report(specs=[wrong])
    finally:
        set_sampler(wrong, None)
    assert row.first_order == "FAIL" and not row.passed


def test_a_wrong_gradient_of_an_elementwise_user_op_fails() -> None:
    bad = _square("u_square_wrong", lambda x: 3.0)
    (row,) = gradcheck_report(specs=[bad], samples=2)
    assert row.first_order == "FAIL" and not row.passed
    assert "u_square_wrong: FAIL: first-order mismatch" in format_report([row])


def test_op_inputs_uses_the_sampler_and_says_what_cannot_be_sampled(
        user_ops: dict[str, Primitive]) -> None:
    with pytest.raises(SamplingError, match=r"keyword attribute\(s\) k.*set_sampler"):
        op_inputs("u_scale")
    with pytest.raises(SamplingError, match="not elementwise"):  # (a dot of (3,) and (3,)
        # is a number: drawn shapes such as (2, 1) and (1, 1) would look elementwise to it)
        find(op_inputs(user_ops["u_dot"], shapes=((3,), (3,))), lambda d: True,
             settings=QUICK)
    set_sampler("u_scale", _scale_inputs)
    set_sampler("u_dot", _dot_inputs)
    arrays_, attrs = find(op_inputs("u_scale"), lambda d: d[1]["k"] > 1, settings=QUICK)
    assert attrs["k"] in (1.5, 2.0) and arrays_[0].ndim == 1
    (a, b), attrs = find(op_inputs("u_dot", np.float32), lambda d: d[0][0].size > 2,
                         settings=QUICK)
    assert a.shape == b.shape and a.dtype == np.float32 and attrs == {}


def test_an_unknown_domain_is_refused_at_definition_naming_the_valid_names() -> None:
    with pytest.raises(ValueError, match=r"primitive 'typo_dom': unknown domain 'postive' \(did "
                                         r"you mean 'positive'\?\); valid names: real, "):
        am.primitive("typo_dom", _sin_f, _sin_vjp, domain=("postive",))
    assert "typo_dom" not in am.REGISTRY


def test_an_unknown_domain_fails_that_op_alone_in_the_report() -> None:
    """An op whose domain was changed after it was defined: the report carries on."""
    typo = am.primitive("typo_dom", _sin_f, _sin_vjp)
    typo.domain = ("postive",)
    try:
        rows = gradcheck_report(samples=1, fast=True)  # every op: the report carries on
        (row,) = [r for r in rows if r.op == "typo_dom"]
        assert row.first_order == "FAIL" and not row.passed
        assert "unknown domain 'postive' (did you mean 'positive'?)" in row.detail
        assert "valid names: " + ", ".join(DOMAIN_NAMES) in row.detail
        assert all(r.passed for r in rows if r.op != "typo_dom")
        assert "typo_dom: FAIL: primitive 'typo_dom': unknown domain" in format_report(rows)
        with pytest.raises(ValueError, match="unknown domain 'postive'"):
            op_inputs(typo)
    finally:
        del am.REGISTRY["typo_dom"]


def test_domain_names_match_the_catalog_and_import_without_hypothesis() -> None:
    assert tuple(DOMAINS) == DOMAIN_NAMES
    code = "import sys, autograd_mini.opcheck; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
    check_domain("ok", ("positive", "real"))
    with pytest.raises(ValueError, match="domain is empty"):
        check_domain("empty", ())
    with pytest.raises(TypeError, match="tuple of domain names"):
        check_domain("bare", "real")


# ------------------------------------------------ 7: indices of zero-size shapes
@given(shapes(0, 3, 0, 3).flatmap(lambda s: st.tuples(st.just(s), indices(s))))
def test_indices_are_valid_for_shapes_with_zero_size_axes(drawn: Any) -> None:
    shape, idx = drawn
    np.empty(shape)[idx]  # raises IndexError if invalid


def test_indices_of_a_zero_size_shape_reach_every_kind() -> None:
    for want in (slice, np.ndarray, int, type(None)):
        def has(idx: Any, want: type = want) -> bool:
            parts = idx if isinstance(idx, tuple) else (idx,)
            return any(isinstance(p, want) for p in parts)

        idx = find(indices((2, 0)), has, settings=settings(database=None))
        np.empty((2, 0))[idx]


# ------------------------------------------------ 8: noncontiguous Tensors
@given(noncontiguous(tensors((2, 3), requires_grad=True)))
def test_noncontiguous_tensors_are_strided_views(t: Tensor) -> None:
    assert isinstance(t, Tensor) and t.requires_grad
    assert not t.data.flags.c_contiguous and not np.isnan(t.data).any()


def test_noncontiguous_maps_tuples_of_tensors_and_refuses_other_draws() -> None:
    a = np.arange(6.0).reshape(2, 3)
    views = find(noncontiguous(st.just((Tensor(a), a))), lambda v: True, settings=QUICK)
    assert isinstance(views, tuple) and isinstance(views[0], Tensor)
    assert np.array_equal(views[0].data, a) and not views[0].data.flags.c_contiguous
    with pytest.raises(TypeError, match="noncontiguous: the strategy must draw"):
        find(noncontiguous(st.just(3.0)), lambda v: True, settings=QUICK)


def test_gradient_property_checks_noncontiguous_tensor_draws_as_drawn() -> None:
    strided_wrong = _square(
        "square_wrong_when_strided_t",
        lambda x: 3.0 if isinstance(x, np.ndarray) and not x.flags.c_contiguous else 2.0)
    with pytest.raises(am.GradcheckError, match=r"as drawn \(Tensor, float64, strided\)"):
        QUICK(gradient_property(lambda x: strided_wrong(x).sum(),
                                noncontiguous(tensors((2, 3)))))()


def test_a_matrix_product_is_never_taken_for_elementwise(user_ops: dict[str, Primitive]) -> None:
    """np.dot of (2, 2) and (2, 2) has their broadcast shape: the shape check alone let some
    seeds check it as elementwise (and fail it); laid out in one row its value changes."""
    def mat_f(a: Any, b: Any) -> tuple[Any, Any]:
        """a b (a matrix product when both are matrices)"""
        return np.dot(a, b), (a, b)

    op = am.primitive("u_matdot", mat_f, _dot_vjp)
    try:
        rows = [gradcheck_report(specs=[op], seed=s, samples=2)[0] for s in range(12)]
        assert {r.first_order for r in rows} == {"skipped"}
        with pytest.raises(SamplingError, match=r"not elementwise.*laid out in one row"):
            find(op_inputs(op, shapes=((2, 2), (2, 2))), lambda d: True, settings=QUICK)
    finally:
        del am.REGISTRY["u_matdot"]
