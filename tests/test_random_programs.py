"""Random expression DAGs (shared intermediates, broadcasting, reductions) pass gradient checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from autograd_mini import Tensor
from autograd_mini import functional as F
from autograd_mini.gradcheck import gradcheck, gradgradcheck
from autograd_mini.testing import arrays, broadcastable_shapes, valid_axes

UNARY = ("tanh", "sigmoid", "exp_tanh", "softplus")
BINARY = ("add", "sub", "mul", "matmul")
SHAPING = ("sum", "reshape", "transpose")
LIMIT = 30.0  # an op whose result would exceed this in magnitude is replaced by tanh


@dataclass(frozen=True)
class Step:
    """``nodes.append(op(nodes[a], nodes[b], **attrs))`` (``b`` unused by unary ops)."""

    op: str
    a: int
    b: int = -1
    attrs: tuple[tuple[str, Any], ...] = ()


def _run_step(step: Step, nodes: list[Any], lib: Any) -> Any:
    """Apply ``step`` with ``lib`` = F (on Tensors) or the NumPy reference namespace below."""
    x, kw = nodes[step.a], dict(step.attrs)
    if step.op in BINARY:
        return getattr(lib, step.op)(x, nodes[step.b])
    return getattr(lib, step.op)(x, **kw)


class _NumPy:
    """NumPy versions of the program ops, to check the forward values."""

    tanh = staticmethod(np.tanh)
    add, sub, mul, matmul = (staticmethod(f) for f in (np.add, np.subtract, np.multiply,
                                                       np.matmul))
    reshape, transpose = staticmethod(np.reshape), staticmethod(np.transpose)

    @staticmethod
    def sigmoid(x: np.ndarray) -> np.ndarray:
        return np.exp(-np.logaddexp(0.0, -x))

    @staticmethod
    def exp_tanh(x: np.ndarray) -> np.ndarray:
        return np.exp(np.tanh(x))

    @staticmethod
    def softplus(x: np.ndarray) -> np.ndarray:
        return np.logaddexp(0.0, x)

    @staticmethod
    def sum(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        return np.asarray(np.sum(x, axis=axis, keepdims=keepdims))


class _Lib:
    """The library's functions under the program's op names."""

    def __getattr__(self, name: str) -> Any:
        if name == "exp_tanh":
            return lambda x: F.exp(F.tanh(x))
        return getattr(F, name)


def _fits(op: str, sa: tuple[int, ...], sb: tuple[int, ...]) -> bool:
    # Zeros, not np.empty: multiplying leftover memory can overflow, and the RuntimeWarning
    # (an error under pytest) came and went with the memory's contents, which Hypothesis
    # reported as "Inconsistent data generation".
    try:
        if op == "matmul":
            np.matmul(np.zeros(sa), np.zeros(sb))
        else:
            np.broadcast_shapes(sa, sb)
    except ValueError:
        return False
    return True


@st.composite
def programs(draw: Any, max_inputs: int = 3, max_steps: int = 6
             ) -> tuple[list[np.ndarray], list[Step]]:
    """Input arrays and a list of steps whose operands are any earlier node (inputs included)."""
    shapes = draw(broadcastable_shapes(draw(st.integers(1, max_inputs)), max_dims=3, max_side=3))
    inputs = [draw(arrays(s, bound=1.5)) for s in shapes]
    values: list[np.ndarray] = list(inputs)
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        a = draw(st.integers(0, len(values) - 1))
        x = values[a]
        op = draw(st.sampled_from(UNARY + BINARY + SHAPING))
        step = Step("tanh", a)
        if op in UNARY:
            step = Step(op, a)
        elif op in BINARY:
            fits = [b for b, v in enumerate(values) if _fits(op, x.shape, v.shape)]
            if fits:
                step = Step(op, a, draw(st.sampled_from(fits)))
        elif op == "sum":
            step = Step(op, a, attrs=(("axis", draw(valid_axes(x.ndim))),
                                      ("keepdims", draw(st.booleans()))))
        elif op == "reshape":
            options = [(x.size,), x.shape[::-1], (1, *x.shape), (*x.shape, 1)]
            step = Step(op, a, attrs=(("shape", draw(st.sampled_from(options))),))
        elif op == "transpose" and x.ndim:
            step = Step(op, a, attrs=(("axes", tuple(draw(st.permutations(range(x.ndim))))),))
        value = _run_step(step, values, _NumPy)
        if not np.all(np.abs(value) <= LIMIT):
            step = Step("tanh", a)
            value = np.tanh(x)
        steps.append(step)
        values.append(np.asarray(value))
    return inputs, steps


def run_program(steps: list[Step], *inputs: Tensor) -> Tensor:
    """The program's last node, computed with the library."""
    nodes: list[Any] = list(inputs)
    lib = _Lib()
    for step in steps:
        nodes.append(_run_step(step, nodes, lib))
    return nodes[-1]


def _numpy_program(steps: list[Step], inputs: list[np.ndarray]) -> np.ndarray:
    nodes: list[Any] = list(inputs)
    for step in steps:
        nodes.append(_run_step(step, nodes, _NumPy))
    return np.asarray(nodes[-1])


@given(programs(), st.integers(0, 2**32 - 1))
def test_random_programs_forward_and_gradients(prog: tuple[list[np.ndarray], list[Step]],
                                               seed: int) -> None:
    inputs, steps = prog
    out = run_program(steps, *[Tensor(x) for x in inputs])
    np.testing.assert_allclose(out.data, _numpy_program(steps, inputs), rtol=1e-12, atol=1e-12)
    gradcheck(lambda *ts: run_program(steps, *ts), inputs, rng=np.random.default_rng(seed))


@given(programs(max_inputs=2, max_steps=4), st.integers(0, 2**32 - 1))
def test_random_programs_second_order(prog: tuple[list[np.ndarray], list[Step]],
                                      seed: int) -> None:
    inputs, steps = prog
    gradgradcheck(lambda *ts: run_program(steps, *ts), inputs, rng=np.random.default_rng(seed))


@pytest.mark.parametrize(("sa", "sb"), [((3, 3), (3, 3)), ((3,), (3,)), ((2, 1, 3), (3, 2))])
def test_fits_does_not_depend_on_leftover_memory(sa: tuple[int, ...], sb: tuple[int, ...]
                                                 ) -> None:
    """The strategy's checks are deterministic: freed buffers full of huge numbers (which
    NumPy's small-allocation cache hands out again) change nothing."""
    for _ in range(20):
        junk = [np.full(sa, 1e300), np.full(sb, 1e300)]
        del junk
        assert _fits("matmul", sa, sb)


def test_programs_reuse_intermediates_and_use_every_op() -> None:
    """The generator really builds DAGs (a node read twice) and reaches every op."""

    def reused(p: tuple[list[np.ndarray], list[Step]]) -> bool:
        n_in, reads = len(p[0]), [s.a for s in p[1]] + [s.b for s in p[1] if s.b >= 0]
        return any(r >= n_in and reads.count(r) > 1 for r in reads)

    quick = settings(phases=[Phase.generate], database=None, max_examples=2000)
    find(programs(), reused, settings=quick)  # raises NoSuchExample if it never happens
    for op in UNARY + BINARY + SHAPING:

        def uses_op(p: tuple[list[np.ndarray], list[Step]], op: str = op) -> bool:
            return any(s.op == op for s in p[1])

        find(programs(), uses_op, settings=quick)
