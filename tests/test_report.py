"""The gradient-check report covers the registry, passes, and flags a broken primitive."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_mini import Tensor, engine
from autograd_mini import functional as F
from autograd_mini.catalog import OpSpec, get_spec
from autograd_mini.report import ReportRow, format_report, gradcheck_report


@pytest.fixture(scope="module")
def rows() -> list[ReportRow]:
    return gradcheck_report(seed=0)


def test_every_registered_primitive_has_a_row(rows: list[ReportRow]) -> None:
    ops = [r.op for r in rows]
    assert len(ops) == len(set(ops))
    assert set(engine.REGISTRY) <= set(ops)


def test_every_row_passes(rows: list[ReportRow]) -> None:
    failed = [(r.op, r.detail) for r in rows if not r.passed]
    assert not failed
    for r in rows:
        assert r.first_order == "ok" and r.second_order == "ok"
        assert 0 <= r.abs_err < 1e-5 and 0 <= r.rel_err < 1e-4
        assert r.shapes and all(isinstance(s, tuple) for s in r.shapes)


def test_report_is_deterministic_in_the_seed() -> None:
    specs = [get_spec("matmul"), get_spec("logsumexp")]
    a, b = gradcheck_report(seed=3, specs=specs), gradcheck_report(seed=3, specs=specs)
    assert a == b
    assert gradcheck_report(seed=4, specs=specs) != a


def test_format_report_is_an_aligned_table(rows: list[ReportRow]) -> None:
    text = format_report(rows)
    lines = text.splitlines()
    assert len(lines) == len(rows) + 3
    head, rule, body, summary = lines[0], lines[1], lines[2:-1], lines[-1]
    assert set(rule) <= {"-", " "}
    col = head.index("1st order")
    err_end = head.index("max abs err") + len("max abs err")
    for r, line in zip(rows, body):
        assert line.startswith(r.op + " ")
        assert line[col:].startswith("ok")
        assert line[err_end - 8:err_end] == f"{r.abs_err:.2e}"[-8:]
    assert summary == f"{len(rows)} ops checked, all passed"


# --------------------------------------------------------------------------- broken primitives
def _square(x: Any) -> tuple[Any, Any]:
    return x * x, x


def _half_vjp(g: Any, x: Any, needs: Any) -> tuple[Any]:
    return (g * x,)  # wrong: d(x²)/dx = 2x


def _detached_vjp(g: Any, x: Any, needs: Any) -> tuple[Any]:
    x = x.data if isinstance(x, Tensor) else x
    return (g * (2 * x),)  # right values, but x is a constant when the VJP is recorded


def _local_spec(name: str, vjp: Any) -> OpSpec:
    prim = engine.Primitive(name, _square, vjp)  # not registered: REGISTRY stays untouched
    base = get_spec("tanh")
    return OpSpec(name, lambda x: engine.apply(prim, x), np.square, base.kind, (name,))


@pytest.mark.parametrize("fast", [False, True])
def test_a_wrong_vjp_is_flagged(fast: bool) -> None:
    (row,) = gradcheck_report(specs=[_local_spec("half_square", _half_vjp)], fast=fast)
    assert row.first_order == "FAIL" and not row.passed
    assert row.abs_err > 1e-3 and "mismatch" in row.detail
    assert "half_square" not in engine.REGISTRY
    assert "1 FAILED: half_square" in format_report([row])


def test_a_vjp_that_breaks_the_second_derivative_is_flagged() -> None:
    (row,) = gradcheck_report(specs=[_local_spec("detached_square", _detached_vjp)])
    assert row.first_order == "ok"
    assert row.second_order == "FAIL" and not row.passed
    assert "second order" in row.detail


def test_a_crashing_op_is_reported_not_raised() -> None:
    def boom(x: Tensor) -> Tensor:
        raise RuntimeError("boom")

    base = get_spec("tanh")
    (row,) = gradcheck_report(specs=[OpSpec("boom", boom, np.tanh, base.kind, ("tanh",))])
    assert row.first_order == "FAIL" and "boom" in row.detail


def test_second_order_can_be_not_applicable() -> None:
    base = get_spec("neg")
    spec = OpSpec("neg1", F.neg, np.negative, base.kind, ("neg",), second_order=False)
    (row,) = gradcheck_report(specs=[spec], samples=1)
    assert row.second_order == "n/a" and row.passed


def test_samples_must_be_positive() -> None:
    with pytest.raises(ValueError):
        gradcheck_report(samples=0)

