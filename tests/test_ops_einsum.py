"""einsum and its relatives: every subscript pattern against PyTorch (values, first and second
order gradients), central differences, implicit mode, NumPy's dtypes and errors."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini import functional as F
from autograd_mini.backward import backward
from autograd_mini.catalog.linalg import einsum_reference
from autograd_mini.gradcheck import gradcheck, gradgradcheck
from autograd_mini.ops import einsum as einsum_module

PATTERNS: list[tuple[str, tuple[tuple[int, ...], ...]]] = [
    ("ij,jk->ik", ((2, 3), (3, 4))),                       # matmul
    ("...ij,...jk->...ik", ((2, 1, 2, 3), (4, 3, 2))),     # batched, batch axes broadcast
    ("bij,bjk->bik", ((3, 2, 4), (3, 4, 2))),              # batched, named
    ("i,j->ij", ((3,), (4,))),                             # outer
    ("ii->", ((3, 3),)),                                   # trace
    ("ii", ((3, 3),)),                                     # trace, implicit
    ("ii->i", ((3, 3),)),                                  # diagonal
    ("ijk->kij", ((2, 3, 4),)),                            # transpose
    ("ijk->j", ((2, 3, 4),)),                              # sum over some axes
    ("ij->", ((2, 3),)),                                   # sum of all
    ("i,ij,j->", ((3,), (3, 4), (4,))),                    # bilinear form
    ("ij,jk", ((2, 3), (3, 4))),                           # implicit output
    ("ba,ac", ((2, 3), (3, 4))),                           # implicit: alphabetical, "bc"
    ("iij->j", ((3, 3, 2),)),                              # repeated index, summed
    ("iij->ij", ((3, 3, 2),)),                             # repeated index, kept
    ("iji->ji", ((3, 2, 3),)),                             # non-adjacent repeat
    ("ii,i->i", ((3, 3), (3,))),                           # repeated meets another operand
    ("...i,...i->...", ((2, 1, 3), (4, 3))),               # ellipsis broadcasting, size 1
    ("i...j->j...i", ((2, 3, 1, 4),)),                     # ellipsis in the middle
    ("...ii->...i", ((2, 3, 3),)),                         # batched diagonal
    ("ij,jk,kl,lm->im", ((2, 3), (3, 2), (2, 4), (4, 2))),  # a chain of four
    ("ij,jk->ik", ((2, 1), (3, 4))),                       # a named index broadcasting
    (",i->i", ((), (3,))),                                 # a 0-d operand
    ("ij,ij->ij", ((2, 3), (2, 3))),                       # elementwise
    ("i j , j k -> i k", ((2, 3), (3, 2))),                # spaces
    ("Ba,aA", ((2, 3), (3, 4))),                           # uppercase first, as in NumPy
    ("abc,cd,de->ae", ((2, 2, 3), (3, 2), (2, 2))),        # b only in one operand: summed
    ("i,i->", ((0,), (0,))),                               # empty
]
IDS = [p[0] for p in PATTERNS]


def _arrays(shapes: tuple[tuple[int, ...], ...], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, s) for s in shapes]


def _first_and_second(subscripts: str, arrays: list[np.ndarray], u: np.ndarray,
                      w: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray], list[Any]]:
    """The value, ∂⟨u, out⟩/∂x_k, and ∂⟨Σ_k w_k · grad_k⟩/∂x_j (second order)."""
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    out = F.einsum(subscripts, *ts)
    grads = backward(F.sum(out * u), create_graph=True, inputs=ts)
    s = sum((F.sum(g * wk) for g, wk in zip(grads, w)), F.sum(out * 0.0))
    second = backward(s, inputs=ts)
    return out.data, [g.data for g in grads], second


@pytest.mark.parametrize(("subscripts", "shapes"), PATTERNS, ids=IDS)
def test_values_and_gradients_match_torch(subscripts: str, shapes: Any) -> None:
    torch = pytest.importorskip("torch")
    arrays = _arrays(shapes)
    ref = np.einsum(subscripts, *arrays)
    rng = np.random.default_rng(1)
    u = rng.standard_normal(np.shape(ref))
    w = [rng.standard_normal(a.shape) for a in arrays]
    value, grads, second = _first_and_second(subscripts, arrays, u, w)

    tts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tout = torch.einsum(subscripts, *tts)
    tgrads = torch.autograd.grad((tout * torch.tensor(u)).sum(), tts, create_graph=True)
    ts_ = sum((g * torch.tensor(wk)).sum() for g, wk in zip(tgrads, w))
    tsecond = torch.autograd.grad(ts_, tts, allow_unused=True) if ts_.requires_grad else \
        [None] * len(tts)

    assert value.shape == tuple(tout.shape) == np.shape(ref)
    np.testing.assert_allclose(value, tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    if " " not in subscripts and subscripts == subscripts.lower():  # the loop reads these
        np.testing.assert_allclose(value, einsum_reference(*arrays, subscripts=subscripts),
                                   rtol=1e-12, atol=1e-12)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg.detach().numpy(), rtol=1e-12, atol=1e-12)
    for g2, tg2, a in zip(second, tsecond, arrays):
        want = np.zeros(a.shape) if tg2 is None else tg2.numpy()
        got = np.zeros(a.shape) if g2 is None else g2
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("subscripts", "shapes"), PATTERNS, ids=IDS)
def test_gradcheck_first_and_second_order(subscripts: str, shapes: Any) -> None:
    arrays = _arrays(shapes, seed=2)
    f = functools.partial(F.einsum, subscripts)
    gradcheck(f, arrays, rng=np.random.default_rng(3))
    gradgradcheck(f, arrays, rng=np.random.default_rng(4))


@pytest.mark.parametrize(("subscripts", "shapes"), PATTERNS, ids=IDS)
def test_contraction_path_gives_the_same_results(subscripts: str, shapes: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = _arrays(shapes, seed=5)
    rng = np.random.default_rng(6)
    u = rng.standard_normal(np.shape(np.einsum(subscripts, *arrays)))
    w = [rng.standard_normal(a.shape) for a in arrays]
    plain = _first_and_second(subscripts, arrays, u, w)
    monkeypatch.setattr(einsum_module, "OPTIMIZE_ABOVE", -1)  # every product takes the path
    einsum_module._optimize.cache_clear()
    try:
        path = _first_and_second(subscripts, arrays, u, w)
    finally:
        einsum_module._optimize.cache_clear()
    np.testing.assert_allclose(path[0], plain[0], rtol=1e-12, atol=1e-12)
    for a, b in zip(path[1] + list(path[2]), plain[1] + list(plain[2])):
        if a is not None or b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_large_products_take_the_path_and_stay_exact() -> None:
    a, b, c = _arrays(((40, 50), (50, 30), (30, 20)), seed=7)
    calls: list[bool] = []
    real = np.einsum

    def spy(*args: Any, optimize: Any = False) -> Any:
        calls.append(bool(optimize))
        return real(*args, optimize=optimize)

    ts = [Tensor(x, requires_grad=True) for x in (a, b, c)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(einsum_module.np, "einsum", spy)
        out = F.einsum("ij,jk,kl->il", *ts)
        F.sum(out).backward()
    assert calls[0] is True  # the forward took the path (40·50·30·20 points)
    np.testing.assert_allclose(out.data, a @ b @ c, rtol=1e-12)
    ones = np.ones((40, 20))
    np.testing.assert_allclose(ts[0].grad.data, ones @ (b @ c).T, rtol=1e-12)  # type: ignore[union-attr]
    np.testing.assert_allclose(ts[2].grad.data, (a @ b).T @ ones, rtol=1e-12)  # type: ignore[union-attr]
    small = F.einsum("i,ij,j->", *(Tensor(x) for x in _arrays(((2,), (2, 3), (3,)))))
    assert small.shape == ()


# --------------------------------------------------------------------------- random subscripts
@st.composite
def _expressions(draw: st.DrawFn) -> tuple[str, list[np.ndarray]]:
    letters = "abcd"
    size = {c: draw(st.integers(1, 3)) for c in letters}
    terms = [draw(st.text(letters, max_size=3)) for _ in range(draw(st.integers(1, 3)))]
    used = sorted(set("".join(terms)))
    order = draw(st.permutations(used))
    out = "".join(order[:draw(st.integers(0, len(order)))])
    explicit = draw(st.booleans())
    subscripts = ",".join(terms) + ("->" + out if explicit else "")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return subscripts, [rng.uniform(-2, 2, tuple(size[c] for c in t)) for t in terms]


@settings(max_examples=40, deadline=None)
@given(_expressions())
def test_random_subscripts_against_the_loop_reference(expr: tuple[str, list[np.ndarray]]) -> None:
    subscripts, arrays = expr
    out = F.einsum(subscripts, *arrays)
    np.testing.assert_allclose(out.data, einsum_reference(*arrays, subscripts=subscripts),
                               rtol=1e-12, atol=1e-12)
    f = functools.partial(F.einsum, subscripts)
    gradcheck(f, arrays, rng=np.random.default_rng(0), fast=True)
    gradgradcheck(f, arrays, rng=np.random.default_rng(1))


# --------------------------------------------------------------------------- implicit mode, dtypes
def test_implicit_mode_follows_numpy() -> None:
    x, y = _arrays(((2, 3), (3, 4)))
    np.testing.assert_array_equal(F.einsum("ij,jk", x, y).data, F.einsum("ij,jk->ik", x, y).data)
    assert F.einsum("ba,ac", x, y).shape == (2, 4)  # output "bc"
    np.testing.assert_array_equal(F.einsum("ji", x).data, x.T)  # output "ij": sorted, not as met
    assert F.einsum("Ba,aA", x, y).shape == np.einsum("Ba,aA", x, y).shape == (4, 2)
    assert F.einsum("...ij", np.ones((5, 2, 3))).shape == (5, 2, 3)
    assert F.einsum("i,i", x[0], x[0]).shape == ()


def test_dtypes_follow_numpy() -> None:
    x32 = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    out = F.einsum("ij,j->i", x32, np.ones(3, np.float32))
    assert out.dtype == np.float32
    out.backward(np.ones(2, np.float32))
    assert x32.grad is not None and x32.grad.dtype == np.float32
    assert F.einsum(",ij->ij", 2.0, x32).dtype == np.float32  # a number takes the dtype
    ints = np.arange(6, dtype=np.int32).reshape(2, 3)
    got = F.einsum("ij,kj->ik", ints, ints)
    assert got.dtype == np.int32 and not got.requires_grad
    np.testing.assert_array_equal(got.data, np.einsum("ij,kj->ik", ints, ints))
    assert F.trace(np.eye(3, dtype=np.int32)).dtype == np.trace(np.eye(3, dtype=np.int32)).dtype
    assert F.trace(np.eye(3, dtype=bool)).item() == 3
    assert F.diag(np.arange(3)).dtype == np.diag(np.arange(3)).dtype
    assert F.tril(np.ones((2, 2), np.int8)).dtype == np.int8


def test_extreme_values_are_exact_and_quiet() -> None:
    x = Tensor(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), requires_grad=True)
    out = F.einsum("ij,jk->ik", x, x)
    np.testing.assert_array_equal(out.data, [[2e6, -2e6], [-2e6, 2e6]])
    F.sum(out).backward()
    assert x.grad is not None and np.all(np.isfinite(x.grad.data))


def test_zero_size_contraction() -> None:
    a, b = Tensor(np.zeros((2, 0)), requires_grad=True), Tensor(np.zeros((0, 3)),
                                                                 requires_grad=True)
    out = F.einsum("ij,jk->ik", a, b)
    np.testing.assert_array_equal(out.data, np.zeros((2, 3)))
    F.sum(out).backward()
    assert a.grad is not None and a.grad.shape == (2, 0)


# --------------------------------------------------------------------------- the relatives
def _check_against_torch(fn: Any, torch_fn: Any, arrays: list[np.ndarray], ref: Any) -> None:
    """Values against NumPy's ``ref``, gradients against PyTorch, and central differences."""
    torch = pytest.importorskip("torch")
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    np.testing.assert_allclose(out.data, ref(*arrays), rtol=1e-12, atol=1e-12)
    u = np.random.default_rng(8).standard_normal(out.shape)
    out.backward(u)
    tts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tout = torch_fn(*tts)
    assert tuple(tout.shape) == out.shape
    for t, tg in zip(ts, torch.autograd.grad((tout * torch.tensor(u)).sum(), tts)):
        np.testing.assert_allclose(t.grad.data, tg.numpy(), rtol=1e-12, atol=1e-12)  # type: ignore[union-attr]
    gradcheck(fn, arrays, rng=np.random.default_rng(9))
    gradgradcheck(fn, arrays, rng=np.random.default_rng(10))


TENSORDOT = [((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4,), 0),
             ((2, 3, 4), (4, 2, 3), ([0, -1], (1, 0))), ((3,), (3,), ([0], [0])),
             ((2, 3), (3, 2), (1, 0)), ((), (2,), 0)]


@pytest.mark.parametrize(("sa", "sb", "axes"), TENSORDOT, ids=str)
def test_tensordot(sa: Any, sb: Any, axes: Any) -> None:
    torch = pytest.importorskip("torch")
    dims = axes if isinstance(axes, int) else [list(np.atleast_1d(ax)) for ax in axes]
    _check_against_torch(lambda a, b: F.tensordot(a, b, axes),
                         lambda a, b: torch.tensordot(a, b, dims),
                         _arrays((sa, sb)), lambda a, b: np.tensordot(a, b, axes))


DOT = [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 2, 3), (4, 3, 5)),
       ((2, 3), (4, 3, 2)), ((), (2, 3)), ((2,), ()), ((), ())]


@pytest.mark.parametrize(("sa", "sb"), DOT, ids=str)
def test_dot_follows_numpy(sa: Any, sb: Any) -> None:
    arrays = _arrays((sa, sb))
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    out = F.dot(*ts)
    np.testing.assert_allclose(out.data, np.dot(*arrays), rtol=1e-12, atol=1e-12)
    assert out.shape == np.shape(np.dot(*arrays))
    gradcheck(F.dot, arrays, rng=np.random.default_rng(11))
    gradgradcheck(F.dot, arrays, rng=np.random.default_rng(12))


def test_outer_flattens_like_numpy() -> None:
    torch = pytest.importorskip("torch")
    _check_against_torch(F.outer, lambda a, b: torch.outer(a.flatten(), b.flatten()),
                         _arrays(((2, 2), (3,))), np.outer)
    assert F.outer(2.0, np.ones(3)).shape == (1, 3)


DIAGONALS = [((3, 3), 0, 0, 1), ((3, 4), 1, 0, 1), ((4, 3), -2, 0, 1), ((2, 3, 4), 1, 2, 0),
             ((2, 3, 3), 0, -1, -2), ((2, 3), 5, 0, 1), ((3, 2), -5, 1, 0)]


@pytest.mark.parametrize(("shape", "offset", "a1", "a2"), DIAGONALS, ids=str)
def test_diagonal_and_trace(shape: Any, offset: int, a1: int, a2: int) -> None:
    torch = pytest.importorskip("torch")
    arrays = _arrays((shape,))
    _check_against_torch(lambda x: F.diagonal(x, offset, a1, a2),
                         lambda x: torch.diagonal(x, offset, a1, a2), arrays,
                         lambda x: np.diagonal(x, offset, a1, a2))
    _check_against_torch(lambda x: F.trace(x, offset, a1, a2),
                         lambda x: torch.diagonal(x, offset, a1, a2).sum(-1), arrays,
                         lambda x: np.trace(x, offset, a1, a2))


@pytest.mark.parametrize(("shape", "k"), [((3,), 0), ((3,), 2), ((2,), -1), ((0,), 1),
                                          ((3, 3), 0), ((3, 4), 1), ((4, 3), -2)], ids=str)
def test_diag_builds_or_reads_a_diagonal(shape: Any, k: int) -> None:
    torch = pytest.importorskip("torch")
    _check_against_torch(lambda v: F.diag(v, k), lambda v: torch.diag(v, k), _arrays((shape,)),
                         lambda v: np.diag(v, k))


@pytest.mark.parametrize(("shape", "k"), [((3, 3), 0), ((3, 4), 1), ((4, 3), -1),
                                          ((2, 3, 3), 0), ((2, 3, 4), -2), ((3, 3), 5)], ids=str)
@pytest.mark.parametrize("name", ["tril", "triu"])
def test_tril_triu(name: str, shape: Any, k: int) -> None:
    torch = pytest.importorskip("torch")
    _check_against_torch(lambda x: getattr(F, name)(x, k), lambda x: getattr(torch, name)(x, k),
                         _arrays((shape,)), lambda x: getattr(np, name)(x, k))


def test_tril_triu_of_a_vector_give_a_matrix_like_numpy() -> None:
    v = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    np.testing.assert_array_equal(F.tril(v).data, np.tril(v.data))
    np.testing.assert_array_equal(F.triu(v, 1).data, np.triu(v.data, 1))
    F.sum(F.tril(v)).backward()
    np.testing.assert_array_equal(v.grad.data, [3.0, 2.0, 1.0])  # type: ignore[union-attr]


def test_diagonal_is_a_new_tensor() -> None:
    x = np.arange(9.0).reshape(3, 3)
    d = F.diagonal(Tensor(x))
    np.testing.assert_array_equal(d.data, [0.0, 4.0, 8.0])
    np.testing.assert_array_equal(x, np.arange(9.0).reshape(3, 3))


# --------------------------------------------------------------------------- errors
EINSUM_ERRORS = [
    ("i#", [(3,)], r"invalid subscript '#'"),
    ("i.j", [(3,)], r"'\.' that is not part of one ellipsis"),
    ("...i...", [(3,)], r"'\.' that is not part of one ellipsis"),
    ("i->i->i", [(3,)], r"'->' must appear at most once"),
    ("i-j", [(3,)], r"'->' must appear at most once"),
    ("ij,jk", [(2, 3)], r"name 2 operand\(s\), 1 were given"),
    ("ij", [(2, 3), (3,)], r"name 1 operand\(s\), 2 were given"),
    ("ijk", [(2, 3)], r"operand 0 has 2 dims but its subscripts 'ijk' name 3"),
    ("i", [(2, 3)], r"operand 0 has 2 dims .* no '\.\.\.'"),
    ("ii", [(2, 3)], r"index 'i' of operand 0 has lengths 2 and 3"),
    ("ij,jk->ik", [(2, 3), (4, 5)], r"index 'j' has length 3 in operand 0 but 4 in operand 1"),
    ("...i,...i", [(2, 3), (4, 3)], r"a '\.\.\.' dim has length 2 in operand 0 but 4"),
    ("ij->ii", [(2, 3)], r"output index 'i' appears more than once"),
    ("ij->k", [(2, 3)], r"output index 'k' appears in no operand"),
    ("...i->i", [(2, 3)], r"output's subscripts need a '\.\.\.'"),
]


@pytest.mark.parametrize(("subscripts", "shapes", "match"), EINSUM_ERRORS,
                         ids=[e[0] for e in EINSUM_ERRORS])
def test_einsum_errors_name_the_function_and_shapes(subscripts: str, shapes: Any,
                                                    match: str) -> None:
    with pytest.raises(ValueError, match=r"^einsum: .*" + match) as info:
        F.einsum(subscripts, *(np.ones(s) for s in shapes))
    assert str(tuple(shapes[0])) in str(info.value) and repr(subscripts) in str(info.value)
    with pytest.raises(ValueError):  # NumPy refuses the same
        np.einsum(subscripts, *(np.ones(s) for s in shapes))


def test_einsum_argument_errors() -> None:
    with pytest.raises(TypeError, match="einsum: subscripts must be a string"):
        F.einsum(np.ones(2), [0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="einsum: need at least one operand"):
        F.einsum("i")
    with pytest.raises(TypeError, match="einsum"):
        F.einsum("i", ["a", "b"])


RELATIVE_ERRORS: list[tuple[Any, tuple[Any, ...], type[Exception], str]] = [
    (F.tensordot, (np.ones((2, 3)), np.ones((4, 2)), 1), ValueError, "tensordot: shape mismatch"),
    (F.tensordot, (np.ones((2, 3)), np.ones((3, 2)), 3), ValueError, r"tensordot: axes=3"),
    (F.tensordot, (np.ones((2, 3)), np.ones((3, 2)), -1), ValueError, r"tensordot: axes=-1"),
    (F.tensordot, (np.ones((2, 3)), np.ones((3, 2)), ([1], [0, 1])), ValueError,
     "tensordot: shape mismatch"),
    (F.tensordot, (np.ones((2, 3)), np.ones((3, 2)), ([2], [0])), ValueError, "out of range"),
    (F.tensordot, (np.ones((2, 2)), np.ones((2, 2)), ([0, 0], [0, 1])), ValueError, "repeated"),
    (F.tensordot, (np.ones(2), np.ones(2), "x"), TypeError, "tensordot: axes must be"),
    (F.dot, (np.ones((2, 3)), np.ones((4, 5))), ValueError,
     r"dot: shapes \(2, 3\) and \(4, 5\) not aligned: 3 \(dim 1\) != 4 \(dim 0\)"),
    (F.dot, (np.ones((2, 1)), np.ones((3, 5))), ValueError, "not aligned"),  # no broadcasting
    (F.matmul, (np.ones((5, 2, 3)), np.ones((4, 3, 2))), ValueError,
     r"matmul: the batch axes \(5,\) and \(4,\) of shapes \(5, 2, 3\) and \(4, 3, 2\) do not "
     "broadcast"),
    (F.diagonal, (np.ones(3),), ValueError, r"diagonal: needs at least 2 dims, got shape \(3,\)"),
    (F.diagonal, (np.ones((3, 3)), 0, 1, -1), ValueError, "axis1 and axis2 cannot be the same"),
    (F.diagonal, (np.ones((3, 3)), 0, 0, 2), ValueError, "diagonal: axis 2 is out of range"),
    (F.diagonal, (np.ones((3, 3)), 0.5), TypeError, "diagonal: offset must be an int"),
    (F.trace, (np.ones(3),), ValueError, "trace: needs at least 2 dims"),
    (F.diag, (np.ones((2, 2, 2)),), ValueError, r"diag: input must be 1- or 2-d"),
    (F.diag, (np.ones(2), 1.0), TypeError, "diag: k must be an int"),
    (F.tril, (np.float64(1.0),), ValueError, "tril: needs at least 1 dim"),
    (F.triu, (np.ones((2, 2)), None), TypeError, "triu: k must be an int"),
]


@pytest.mark.parametrize(("fn", "args", "exc", "match"), RELATIVE_ERRORS,
                         ids=[f"{e[0].__name__}-{i}" for i, e in enumerate(RELATIVE_ERRORS)])
def test_relatives_refuse_bad_arguments(fn: Any, args: Any, exc: Any, match: str) -> None:
    with pytest.raises(exc, match=match):
        fn(*args)


def test_functions_are_exported() -> None:
    for name in einsum_module.__all__:
        assert getattr(am, name) is getattr(F, name)


def test_the_same_tensor_twice_and_constant_operands() -> None:
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    F.einsum("i,i->", x, x).backward()
    np.testing.assert_array_equal(x.grad.data, 2 * x.data)  # type: ignore[union-attr]
    y = Tensor(np.ones((2, 3)), requires_grad=True)
    F.einsum("ij,j->", y, np.arange(3)).backward()  # an integer constant: no gradient of its own
    np.testing.assert_array_equal(y.grad.data, [[0.0, 1.0, 2.0]] * 2)  # type: ignore[union-attr]


def test_more_indices_than_letters_are_refused() -> None:
    named = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY"  # 51 of the 52
    with pytest.raises(ValueError, match=r"einsum: too many indices: '\.\.\.' covers 2 dims"):
        F.einsum(named + "...", np.ones((1,) * 53))
