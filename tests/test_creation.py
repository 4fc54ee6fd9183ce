"""Creation functions against NumPy (values, dtype, shape), their requires_grad and argument
rules, random tensors, and reproducible seeding with ``manual_seed`` everywhere a draw happens."""

from __future__ import annotations

import copy
import math
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from autograd_mini import Tensor
from autograd_mini import random as am_random
from autograd_mini.data import DataLoader

RNG = np.random.default_rng
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _restore_default_generator() -> Iterator[None]:
    """Seeding here must not leak into other test files' draws."""
    saved = am_random._DEFAULT[0]
    yield
    am_random._DEFAULT[0] = saved


def same(t: Any, expected: np.ndarray) -> None:
    """``t`` is a Tensor holding exactly ``expected``: values, dtype and shape."""
    assert isinstance(t, Tensor)
    assert t.dtype == expected.dtype and t.shape == expected.shape
    np.testing.assert_array_equal(t.data, expected)


# ----------------------------------------------------------------------------- against NumPy
INTS = np.arange(6).reshape(2, 3)
F32 = Tensor(np.ones((3, 1), np.float32))
CASES: list[tuple[str, Callable[[], Tensor], Callable[[], np.ndarray]]] = [
    ("zeros args", lambda: am.zeros(2, 3), lambda: np.zeros((2, 3))),
    ("zeros tuple f32", lambda: am.zeros((2, 3), dtype=np.float32),
     lambda: np.zeros((2, 3), np.float32)),
    ("zeros 0-d", lambda: am.zeros(()), lambda: np.zeros(())),
    ("ones list", lambda: am.ones([4]), lambda: np.ones([4])),
    ("ones int32", lambda: am.ones(2, dtype=np.int32), lambda: np.ones(2, np.int32)),
    ("ones empty axis", lambda: am.ones(0, 3), lambda: np.ones((0, 3))),
    ("full int", lambda: am.full((2, 3), 3), lambda: np.full((2, 3), 3)),
    ("full float", lambda: am.full((2,), 3.0), lambda: np.full((2,), 3.0)),
    ("full bool", lambda: am.full(3, True), lambda: np.full(3, True)),
    ("full f32 scalar", lambda: am.full((2,), np.float32(1.5)),
     lambda: np.full((2,), np.float32(1.5))),
    ("full broadcast", lambda: am.full((2, 2), [1, 2]), lambda: np.full((2, 2), [1, 2])),
    ("full inf", lambda: am.full(2, -math.inf), lambda: np.full(2, -np.inf)),
    ("full dtype", lambda: am.full(2, 7, dtype=np.float32), lambda: np.full(2, 7, np.float32)),
    ("full tensor fill", lambda: am.full((2, 3), Tensor([1.0, 2.0, 3.0])),
     lambda: np.full((2, 3), [1.0, 2.0, 3.0])),
    ("zeros_like int", lambda: am.zeros_like(INTS), lambda: np.zeros_like(INTS)),
    ("ones_like f32", lambda: am.ones_like(F32), lambda: np.ones((3, 1), np.float32)),
    ("ones_like dtype", lambda: am.ones_like(INTS, dtype=np.float64),
     lambda: np.ones_like(INTS, dtype=np.float64)),
    ("full_like casts", lambda: am.full_like(INTS, 2.5), lambda: np.full_like(INTS, 2.5)),
    ("full_like f32", lambda: am.full_like(F32, 0.1), lambda: np.full((3, 1), 0.1, np.float32)),
    ("eye", lambda: am.eye(3), lambda: np.eye(3)),
    ("eye rect k", lambda: am.eye(3, 4, k=-1), lambda: np.eye(3, 4, k=-1)),
    ("eye int", lambda: am.eye(2, dtype=np.int64), lambda: np.eye(2, dtype=np.int64)),
    ("eye empty", lambda: am.eye(0), lambda: np.eye(0)),
    ("arange n", lambda: am.arange(5), lambda: np.arange(5)),
    ("arange step", lambda: am.arange(2, 10, 3), lambda: np.arange(2, 10, 3)),
    ("arange float", lambda: am.arange(0.0, 1, 0.1), lambda: np.arange(0.0, 1, 0.1)),
    ("arange down", lambda: am.arange(5, 0, -1), lambda: np.arange(5, 0, -1)),
    ("arange empty", lambda: am.arange(3, 1), lambda: np.arange(3, 1)),
    ("arange half", lambda: am.arange(3.5), lambda: np.arange(3.5)),
    ("arange f32", lambda: am.arange(1, 2, 0.25, dtype=np.float32),
     lambda: np.arange(1, 2, 0.25, dtype=np.float32)),
    ("linspace", lambda: am.linspace(0, 1), lambda: np.linspace(0, 1)),
    ("linspace open", lambda: am.linspace(-2, 3, 7, endpoint=False),
     lambda: np.linspace(-2, 3, 7, endpoint=False)),
    ("linspace int", lambda: am.linspace(0, 10, 5, dtype=np.int64),
     lambda: np.linspace(0, 10, 5, dtype=np.int64)),
    ("linspace arrays", lambda: am.linspace([0, 1], [2, 3], 4),
     lambda: np.linspace([0, 1], [2, 3], 4)),
    ("linspace f32", lambda: am.linspace(np.float32(0), 1, 3),
     lambda: np.linspace(np.float32(0), 1, 3)),
    ("linspace one", lambda: am.linspace(2, 5, 1), lambda: np.linspace(2, 5, 1)),
]


@pytest.mark.parametrize(("make", "ref"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_creation_matches_numpy(make: Callable[[], Tensor], ref: Callable[[], np.ndarray]) -> None:
    t = make()
    same(t, ref())
    assert not t.requires_grad and t.is_leaf


def test_documented_dtypes() -> None:
    assert am.arange(5).dtype == np.int64 and am.arange(0.0, 1, 0.1).dtype == np.float64
    assert am.full((2,), 3).dtype == np.int64 and am.full((2,), 3.0).dtype == np.float64
    assert am.zeros(2).dtype == am.ones(2).dtype == am.empty(2).dtype == np.float64
    assert am.eye(2).dtype == am.linspace(0, 1, 3).dtype == np.float64


def test_empty_has_shape_and_dtype() -> None:
    t = am.empty((2, 3), dtype=np.float32)
    assert isinstance(t, Tensor) and t.shape == (2, 3) and t.dtype == np.float32
    assert am.empty(4).dtype == np.float64 and am.empty(0).shape == (0,)


def test_like_functions_copy_shape_not_data_or_grad() -> None:
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    for t in (am.zeros_like(x), am.ones_like(x), am.full_like(x, 4.0)):
        assert t.shape == (3, 2) and not t.requires_grad and t.data is not x.data
    assert np.all(am.full_like(x, 4.0).data == 4.0)
    np.testing.assert_array_equal(x.data, np.arange(6.0).reshape(3, 2))


@given(start=st.integers(-20, 20), stop=st.integers(-20, 20), step=st.integers(-5, 5),
       scale=st.sampled_from([1, 0.5, 0.1, 0.3]))
def test_arange_matches_numpy(start: int, stop: int, step: int, scale: float) -> None:
    step = step or 1
    same(am.arange(start, stop, step), np.arange(start, stop, step))
    same(am.arange(start * scale, stop * scale, step * scale),
         np.arange(start * scale, stop * scale, step * scale))
    same(am.arange(abs(stop)), np.arange(abs(stop)))


@given(start=st.floats(-1e6, 1e6), stop=st.floats(-1e6, 1e6), num=st.integers(0, 30),
       endpoint=st.booleans())
def test_linspace_matches_numpy(start: float, stop: float, num: int, endpoint: bool) -> None:
    same(am.linspace(start, stop, num, endpoint), np.linspace(start, stop, num, endpoint))
    same(am.linspace(start, stop, num, endpoint, dtype=np.float32),
         np.linspace(start, stop, num, endpoint, dtype=np.float32))


@given(shape=st.lists(st.integers(0, 4), max_size=4).map(tuple), n=st.integers(0, 5),
       m=st.integers(0, 5), k=st.integers(-6, 6), fill=st.floats(-1e300, 1e300))
def test_shapes_and_eye_match_numpy(shape: tuple[int, ...], n: int, m: int, k: int,
                                    fill: float) -> None:
    same(am.zeros(*shape), np.zeros(shape))
    same(am.ones(shape), np.ones(shape))
    same(am.full(shape, fill), np.full(shape, fill))
    same(am.eye(n, m, k), np.eye(n, m, k))


def test_numpy_rules_where_torch_differs() -> None:
    torch = pytest.importorskip("torch")
    # torch makes float32 from Python floats; the NumPy rule (float64) wins here
    assert torch.arange(0.0, 1, 0.1).dtype == torch.float32
    assert am.arange(0.0, 1, 0.1).dtype == np.float64
    for ours, theirs in [
        (am.arange(0.0, 1, 0.1), torch.arange(0.0, 1, 0.1, dtype=torch.float64)),
        (am.linspace(-3, 7, 11), torch.linspace(-3, 7, 11, dtype=torch.float64)),
        (am.eye(3, 4), torch.eye(3, 4, dtype=torch.float64)),
        (am.full((2,), 3), torch.full((2,), 3)),
    ]:
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-15, atol=1e-15)


# ----------------------------------------------------------------------------- requires_grad
FLOAT_MAKERS: list[Callable[..., Tensor]] = [
    lambda **kw: am.zeros(2, 3, **kw), lambda **kw: am.ones(3, **kw),
    lambda **kw: am.empty(2, **kw), lambda **kw: am.full((2,), 1.5, **kw),
    lambda **kw: am.zeros_like(np.ones(2), **kw), lambda **kw: am.ones_like(F32, **kw),
    lambda **kw: am.full_like(F32, 2.0, **kw), lambda **kw: am.eye(3, **kw),
    lambda **kw: am.arange(0.0, 2, 0.5, **kw), lambda **kw: am.linspace(0, 1, 4, **kw),
    lambda **kw: am.rand(2, **kw), lambda **kw: am.randn(2, **kw),
    lambda **kw: am.normal(0, 1, 3, **kw), lambda **kw: am.uniform(0, 1, 3, **kw),
]


@pytest.mark.parametrize("make", FLOAT_MAKERS)
def test_floating_creations_can_require_grad(make: Callable[..., Tensor]) -> None:
    x = make(requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.dtype.kind == "f"
    (x * x).sum().backward()
    assert x.grad is not None and x.grad.dtype == x.dtype
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


@pytest.mark.parametrize(("name", "make"), [
    ("zeros", lambda: am.zeros(2, dtype=np.int64, requires_grad=True)),
    ("ones", lambda: am.ones(2, dtype=bool, requires_grad=True)),
    ("full", lambda: am.full((2,), 3, requires_grad=True)),
    ("full_like", lambda: am.full_like(INTS, 1.5, requires_grad=True)),
    ("zeros_like", lambda: am.zeros_like(INTS, requires_grad=True)),
    ("eye", lambda: am.eye(2, dtype=np.int32, requires_grad=True)),
    ("arange", lambda: am.arange(5, requires_grad=True)),
    ("linspace", lambda: am.linspace(0, 4, 5, dtype=np.int64, requires_grad=True)),
    ("randint", lambda: am.randint(5, size=2, requires_grad=True)),
])
def test_integer_creations_refuse_requires_grad(name: str, make: Callable[[], Tensor]) -> None:
    with pytest.raises(TypeError, match=rf"^{name}: requires_grad=True needs a floating"):
        make()


def test_requires_grad_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="zeros: requires_grad must be True or False"):
        am.zeros(2, requires_grad="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="randn: requires_grad"):
        am.randn(2, requires_grad=1)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- bad arguments
BAD: list[tuple[Callable[[], Any], type[Exception], str]] = [
    (lambda: am.zeros(-1), ValueError, r"zeros: shape entries must be non-negative"),
    (lambda: am.ones((2, -3)), ValueError, r"ones: shape .*non-negative, got \(2, -3\)"),
    (lambda: am.zeros(2.5), TypeError, r"zeros: shape"),
    (lambda: am.zeros(2, 2.0), TypeError, r"zeros: shape entries must be ints"),
    (lambda: am.empty("ab"), TypeError, r"empty: shape"),
    (lambda: am.ones((2,), True), TypeError, r"ones: shape"),
    (lambda: am.zeros(2, dtype="nonsense"), TypeError, r"zeros: dtype 'nonsense' is not"),
    (lambda: am.ones(2, dtype=complex), TypeError, r"ones: dtype must be .*complex128"),
    (lambda: am.empty(2, dtype=object), TypeError, r"empty: dtype must be"),
    (lambda: am.zeros(2**40, 2**40), ValueError, r"zeros: "),
    (lambda: am.full((2,), "a"), TypeError, r"full: fill_value"),
    (lambda: am.full((2,), 1 + 2j), TypeError, r"full: fill_value"),
    (lambda: am.full(2.5, 1), TypeError, r"full: shape"),
    (lambda: am.full((2, 3), [1, 2]), ValueError, r"full: .*broadcast"),
    (lambda: am.full(3, 1e308, dtype=np.float32), ValueError, r"full: values out of range"),
    (lambda: am.full(3, 300, dtype=np.int8), ValueError, r"full: .*int8"),
    (lambda: am.full_like(INTS, math.nan), ValueError, r"full_like: values out of range"),
    (lambda: am.zeros_like("abc"), TypeError, r"zeros_like: t"),
    (lambda: am.ones_like(INTS, dtype="x"), TypeError, r"ones_like: dtype"),
    (lambda: am.eye(-1), ValueError, r"eye: N must be non-negative"),
    (lambda: am.eye(2.0), TypeError, r"eye: N must be an int"),  # type: ignore[arg-type]
    (lambda: am.eye(2, 2.5), TypeError, r"eye: M must be an int"),  # type: ignore[arg-type]
    (lambda: am.eye(2, k=0.5), TypeError, r"eye: k must be an int"),  # type: ignore[arg-type]
    (lambda: am.arange(0, 5, 0), ValueError, r"arange: step must not be zero"),
    (lambda: am.arange(0, math.inf), ValueError, r"arange: stop must be finite"),
    (lambda: am.arange(math.nan), ValueError, r"arange: start must be finite"),
    (lambda: am.arange(True), TypeError, r"arange: start must be a real number"),
    (lambda: am.arange("3"), TypeError, r"arange: start"),  # type: ignore[arg-type]
    (lambda: am.arange(-1e308, 1e308), ValueError, r"arange: .*size"),
    (lambda: am.arange(5, dtype="junk"), TypeError, r"arange: dtype"),
    (lambda: am.linspace(0, 1, -1), ValueError, r"linspace: num must be non-negative"),
    (lambda: am.linspace(0, 1, 2.5), TypeError,  # type: ignore[arg-type]
     r"linspace: num must be an int"),
    (lambda: am.linspace(0, math.nan), ValueError, r"linspace: stop must be finite"),
    (lambda: am.linspace(-1e308, 1e308, 3), ValueError, r"linspace: values out of range"),
    (lambda: am.linspace(0, 1, endpoint=1), TypeError,  # type: ignore[arg-type]
     r"linspace: endpoint"),
    (lambda: am.linspace(0, 1e300, 3, dtype=np.float32), ValueError, r"linspace: values out"),
    (lambda: am.rand(2, dtype=np.int64), TypeError, r"rand: dtype must be a floating"),
    (lambda: am.randn(-2), ValueError, r"randn: shape entries must be non-negative"),
    (lambda: am.randn(2, rng=42), TypeError,  # type: ignore[arg-type]
     r"randn: rng must be a numpy.random.Generator"),
    (lambda: am.randint(1.5), TypeError, r"randint: low must hold integers"),
    (lambda: am.randint(0, 2.0), TypeError, r"randint: high must hold integers"),
    (lambda: am.randint(3, 1), ValueError, r"randint: .*low >= high"),
    (lambda: am.randint(0), ValueError, r"randint: high <= 0"),
    (lambda: am.randint(2**70), TypeError, r"randint: low"),
    (lambda: am.randint(3, dtype=np.float64), TypeError, r"randint: dtype must be a bool or"),
    (lambda: am.randint(300, dtype=np.int8), ValueError, r"randint: .*bounds"),
    (lambda: am.randint(3, size=(2, -1)), ValueError, r"randint: size entries"),
    (lambda: am.randint(3, endpoint="no"), TypeError,  # type: ignore[arg-type]
     r"randint: endpoint"),
    (lambda: am.normal(scale=-1.0), ValueError, r"normal: scale must be >= 0"),
    (lambda: am.normal(loc=math.inf), ValueError, r"normal: loc must be finite"),
    (lambda: am.normal(size=-1), ValueError, r"normal: size entries must be non-negative"),
    (lambda: am.normal(size=2.5), TypeError, r"normal: size"),
    (lambda: am.normal(0, [1, 2], size=3), ValueError, r"normal: .*shape"),
    (lambda: am.normal(1e300, 1, 2, dtype=np.float32), ValueError, r"normal: values out of range"),
    (lambda: am.uniform(2, 1), ValueError, r"uniform: need low <= high"),
    (lambda: am.uniform(-1e308, 1e308), ValueError, r"uniform: .*high - low"),
    (lambda: am.uniform(0, 1, dtype=bool), TypeError, r"uniform: dtype must be a floating"),
    (lambda: am.uniform(high="x"), TypeError, r"uniform: high"),
    (lambda: am.uniform(np.zeros(2), np.ones(3)), ValueError, r"uniform: .*broadcast"),
]


@pytest.mark.parametrize(("call", "exc", "match"), BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_arguments_are_named(call: Callable[[], Any], exc: type[Exception],
                                 match: str) -> None:
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------------------- random tensors
def test_random_tensors_are_numpy_generator_draws() -> None:
    same(am.randn(2, 3, rng=RNG(5)), RNG(5).standard_normal((2, 3)))
    same(am.rand((4,), rng=RNG(5)), RNG(5).random(4))
    same(am.randint(-3, 9, size=(5, 2), rng=RNG(5)), RNG(5).integers(-3, 9, (5, 2)))
    same(am.randint(4, size=6, dtype=np.uint8, rng=RNG(5)),
         RNG(5).integers(4, size=6, dtype=np.uint8))
    same(am.randint(1, 3, 8, endpoint=True, rng=RNG(5)), RNG(5).integers(1, 3, 8, endpoint=True))
    same(am.normal(2.0, 3.0, (3, 2), rng=RNG(5)), RNG(5).normal(2.0, 3.0, (3, 2)))
    same(am.normal([0.0, 10.0], 1.0, rng=RNG(5)), RNG(5).normal([0.0, 10.0], 1.0))
    same(am.uniform(-1, 4, 7, rng=RNG(5)), RNG(5).uniform(-1, 4, 7))
    same(am.uniform(rng=RNG(5)), np.asarray(RNG(5).uniform()))
    same(am.randint(np.array([2, 5]), rng=RNG(5)), RNG(5).integers(np.array([2, 5])))
    assert am.randn(rng=RNG(0)).shape == () and am.randint(3, rng=RNG(0)).shape == ()


def test_float32_samples_are_the_float64_samples_rounded() -> None:
    for f in (am.randn, am.rand):
        a, b = f(50, rng=RNG(1), dtype=np.float32), f(50, rng=RNG(1))
        same(a, b.data.astype(np.float32))
    a = am.normal(1, 2, 50, rng=RNG(1), dtype=np.float32)
    same(a, RNG(1).normal(1, 2, 50).astype(np.float32))


def test_random_values_lie_in_their_ranges() -> None:
    r = am.randint(-2, 3, 2000, rng=RNG(2)).data
    assert set(r.tolist()) == {-2, -1, 0, 1, 2}
    u = am.uniform(5, 6, 2000, rng=RNG(2)).data
    assert u.min() >= 5 and u.max() < 6
    z = am.normal(3.0, 0.5, 20000, rng=RNG(2)).data
    assert abs(z.mean() - 3.0) < 0.02 and abs(z.std() - 0.5) < 0.02


# ----------------------------------------------------------------------------- seeding
DRAWS: dict[str, Callable[..., Tensor]] = {
    "randn": lambda **kw: am.randn(2, 3, **kw),
    "rand": lambda **kw: am.rand(4, **kw),
    "randint": lambda **kw: am.randint(0, 100, 5, **kw),
    "normal": lambda **kw: am.normal(1.0, 2.0, 3, **kw),
    "uniform": lambda **kw: am.uniform(-1.0, 1.0, 3, **kw),
    "randn_like": lambda **kw: am.randn_like(np.zeros((2, 3)), **kw),
    "rand_like": lambda **kw: am.rand_like(am.zeros(4), **kw),
}
REFS: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "randn": lambda g: g.standard_normal((2, 3)), "rand": lambda g: g.random(4),
    "randint": lambda g: g.integers(0, 100, 5), "normal": lambda g: g.normal(1.0, 2.0, 3),
    "uniform": lambda g: g.uniform(-1.0, 1.0, 3),
    "randn_like": lambda g: g.standard_normal((2, 3)), "rand_like": lambda g: g.random(4),
}


def test_random_like_takes_the_shape_and_floating_dtype() -> None:
    x = am.zeros((2, 3), dtype=np.float32)
    e = am.randn_like(x, rng=RNG(1), requires_grad=True)
    assert e.shape == (2, 3) and e.dtype == np.float32 and e.requires_grad
    np.testing.assert_array_equal(e.data, RNG(1).standard_normal((2, 3)).astype(np.float32))
    assert am.rand_like(np.arange(3)).dtype == np.float64  # an integer t: float64
    assert am.rand_like(x, dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError, match="rand_like"):
        am.rand_like(x, dtype=np.int64)


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_manual_seed_fixes_the_default_stream(name: str) -> None:
    draw = DRAWS[name]
    am.manual_seed(0)
    first = [draw().data for _ in range(2)]
    am.manual_seed(0)
    again = [draw().data for _ in range(2)]
    ref = RNG(0)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, REFS[name](ref))
    assert not np.array_equal(first[0], first[1])  # the stream moves on
    am.manual_seed(1)
    assert not np.array_equal(draw().data, first[0])


def _with_rng(draw: Callable[..., Tensor]) -> Callable[[np.random.Generator], Tensor]:
    return lambda g: draw(rng=g)


#: draws made with an explicit rng=, which must leave the default stream alone
EXPLICIT: dict[str, Callable[[np.random.Generator], Any]] = {
    **{name: _with_rng(draw) for name, draw in DRAWS.items()},
    "multinomial": lambda g: am.multinomial([0.2, 0.8], 4, True, rng=g),
    "init.normal_": lambda g: nn.init.normal_(np.zeros(5), rng=g),
    "init.kaiming_uniform_": lambda g: nn.init.kaiming_uniform_(np.zeros((3, 4)), rng=g),
    "Linear": lambda g: nn.Linear(3, 4, rng=g),
    "MLP": lambda g: nn.MLP([3, 4, 2], dropout=0.5, rng=g)(np.ones((2, 3))),
    "Dropout": lambda g: nn.Dropout(0.5, rng=g)(np.ones(10)),
    "dropout": lambda g: nn.functional.dropout(np.ones(10), 0.5, rng=g),
    "DataLoader": lambda g: list(DataLoader(np.arange(10), np.arange(10), 3, True, rng=g)),
}


@pytest.mark.parametrize("name", sorted(EXPLICIT))
def test_explicit_rng_leaves_the_default_stream_untouched(name: str) -> None:
    am.manual_seed(7)
    expected = [am.randn(4).data for _ in range(2)]
    am.manual_seed(7)
    before = am.default_generator()
    got = [am.randn(4).data]
    EXPLICIT[name](RNG(99))
    got.append(am.randn(4).data)
    assert am.default_generator() is before
    np.testing.assert_array_equal(np.stack(got), np.stack(expected))


def test_explicit_rng_wins_over_the_seed() -> None:
    am.manual_seed(3)
    same(am.rand(3, rng=RNG(11)), RNG(11).random(3))
    w = nn.Linear(2, 3, rng=RNG(11)).weight.data
    np.testing.assert_array_equal(w, nn.Linear(2, 3, rng=RNG(11)).weight.data)


def _state(model: nn.Module) -> list[np.ndarray]:
    return list(model.state_dict().values())


def test_layer_construction_and_init_follow_the_seed() -> None:
    runs = []
    for seed in (0, 0, 1):
        am.manual_seed(seed)
        mlp = nn.MLP([3, 5, 2])
        lin = nn.Linear(2, 2, bias=True)
        w = nn.init.xavier_normal_(np.zeros((4, 3)))
        u = nn.init.uniform_(Tensor(np.zeros(3)), -2.0, 2.0)
        runs.append([*_state(mlp), *_state(lin), w, u.data])
    for a, b in zip(runs[0], runs[1]):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0], runs[2]))
    # the first draw of a seeded run is the first Linear's weight, U(−1/√3, 1/√3), as documented
    bound = 1 / math.sqrt(3)
    np.testing.assert_array_equal(runs[0][0], RNG(0).uniform(-bound, bound, (5, 3)))


def test_normalization_layers_do_not_draw() -> None:
    am.manual_seed(4)
    nn.LayerNorm(3)
    nn.BatchNorm1d(3)
    same(am.randn(3), RNG(4).standard_normal(3))


def test_dropout_draws_from_the_generator_current_at_each_call() -> None:
    x = Tensor(np.ones((4, 6)))
    drop = nn.Dropout(0.5)  # built before seeding: no generator is captured
    mlp = nn.MLP([6, 8, 8], dropout=0.5)
    clone = copy.deepcopy(drop)
    outs = []
    for _ in range(2):
        am.manual_seed(0)
        outs.append([drop(x).data, clone(x).data, nn.functional.dropout(x, 0.5).data,
                     mlp(x).data])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
    g = RNG(0)  # the documented mask: keep where U[0, 1) >= p, scaled by 1 / (1 − p)
    np.testing.assert_array_equal(outs[0][0], (g.random((4, 6)) >= 0.5) * 2.0)
    np.testing.assert_array_equal(outs[0][1], (g.random((4, 6)) >= 0.5) * 2.0)
    assert drop.rng is None


def test_dataloader_shuffles_with_the_generator_current_at_each_epoch() -> None:
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    loader = DataLoader(X, y, 4, shuffle=True)  # built before seeding

    def epoch() -> np.ndarray:
        return np.concatenate([yb.data for _, yb in loader])

    am.manual_seed(0)
    first, second = epoch(), epoch()
    am.manual_seed(0)
    np.testing.assert_array_equal(epoch(), first)
    np.testing.assert_array_equal(epoch(), second)
    g = RNG(0)
    np.testing.assert_array_equal(first, g.permutation(10))
    np.testing.assert_array_equal(second, g.permutation(10))
    assert loader.rng is None


def test_manual_seed_arguments() -> None:
    g = am.manual_seed(np.int64(3))
    assert isinstance(g, np.random.Generator) and am.default_generator() is g
    am.manual_seed(2**70)  # any non-negative int, as np.random.default_rng takes
    with pytest.raises(ValueError, match=r"manual_seed: seed must be a non-negative int, got -1"):
        am.manual_seed(-1)
    for bad in (1.5, "0", True, None, [1], np.float64(2.0)):
        with pytest.raises(TypeError, match="manual_seed: seed must be a non-negative int"):
            am.manual_seed(bad)  # type: ignore[arg-type]


SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import autograd_mini as am
    import nn
    import optim

    am.manual_seed(int(sys.argv[1]))
    X = am.randn(48, 3).data
    y = am.randint(0, 2, 48).data
    loader = am.data.DataLoader(X, y, 16, shuffle=True)
    model = nn.MLP([3, 8, 2], dropout=0.2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(3):
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            print(repr(loss.item()))
    print(*(p.data.tobytes().hex() for p in model.parameters()))
""")


def test_seeded_training_script_is_reproducible(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(SCRIPT)

    def run(seed: int) -> str:
        done = subprocess.run([sys.executable, str(path), str(seed)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = run(0)
    assert len(first.splitlines()) == 3 * 3 + 1
    assert run(0) == first
    assert run(1) != first


def test_rng_state_saves_and_restores_the_default_stream() -> None:
    """As torch.get_rng_state/set_rng_state: a checkpoint can hold where the default stream
    was (JSON-safe), so a resumed run shuffles and drops out as an uninterrupted one."""
    import json

    am.manual_seed(3)
    am.randn(5)
    state = json.loads(json.dumps(am.get_rng_state()))
    expected = [am.randn(4).data, am.rand(2).data]
    am.manual_seed(99)
    am.set_rng_state(state)
    np.testing.assert_array_equal(am.randn(4).data, expected[0])
    np.testing.assert_array_equal(am.rand(2).data, expected[1])
    before = am.get_rng_state()
    with pytest.raises(TypeError, match="set_rng_state: state must be the dict"):
        am.set_rng_state([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="set_rng_state: unknown bit generator 'Nope'"):
        am.set_rng_state({"bit_generator": "Nope"})
    with pytest.raises(ValueError, match="set_rng_state: not a valid PCG64 state"):
        am.set_rng_state({"bit_generator": "PCG64", "state": {}})
    assert am.get_rng_state() == before  # refused: nothing changed
