"""Movement ops beyond the registry's property tests: values against NumPy over grids of
arguments, repeated indices in gathers and scatters, pad against PyTorch, the errors, and the
fast scatter behind every gather's gradient (``scatter_rows``) against ``np.add.at``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini import functional as F
from autograd_mini.backward import backward
from autograd_mini.gradcheck import gradcheck, gradgradcheck
from autograd_mini.ops import movement as M
from autograd_mini.ops.gather import scatter_rows


def _x(shape: tuple[int, ...], seed: int = 0, dtype: Any = np.float64) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _grads(fn: Callable[..., Tensor], *arrays: np.ndarray, seed: int = 1
           ) -> tuple[np.ndarray, list[np.ndarray]]:
    """The output of ``fn`` and each input's gradient for a random upstream gradient (1 for a
    scalar output)."""
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    out.backward(np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
                 if out.ndim else None)
    return out.data, [t.grad.data for t in ts]  # type: ignore[union-attr]


X = _x((2, 3, 4))
NP: Any = np  # NumPy's stubs take mode and indexing only as literals, add.at no index tuples


def test_every_movement_function_is_public() -> None:
    for name in M.__all__:
        assert getattr(am, name) is getattr(F, name)


# --------------------------------------------------------------------------- values vs NumPy
@pytest.mark.parametrize(("src", "dst"), [(0, 2), (-1, 0), ([0, 1], [2, 0]), ((2, 0), (-1, 1)),
                                          ([], []), (1, -2)])
def test_moveaxis_and_swapaxes_match_numpy(src: Any, dst: Any) -> None:
    np.testing.assert_array_equal(F.moveaxis(X, src, dst).data, np.moveaxis(X, src, dst))
    np.testing.assert_array_equal(F.swapaxes(X, -1, 0).data, np.swapaxes(X, -1, 0))
    assert gradcheck(lambda t: F.moveaxis(t, src, dst), [X])


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (), (-3, 1)])
def test_flip_matches_numpy(axis: Any) -> None:
    np.testing.assert_array_equal(F.flip(X, axis).data, np.flip(X, axis))
    _, (g,) = _grads(lambda t: F.flip(t, axis), X)
    u = np.random.default_rng(1).standard_normal(X.shape)
    np.testing.assert_array_equal(g, np.flip(u, axis))


@pytest.mark.parametrize(("shift", "axis"), [(1, None), (-7, None), ((1, 2), (0, 1)),
                                             ((2, -1), (1, 1)), (5, -1), (1, (0, 2)),
                                             ((1, 1), None), (0, 0)])
def test_roll_matches_numpy_and_rolls_the_gradient_back(shift: Any, axis: Any) -> None:
    np.testing.assert_array_equal(F.roll(X, shift, axis).data, np.roll(X, shift, axis))
    assert gradcheck(lambda t: F.roll(t, shift, axis), [X])
    assert gradgradcheck(lambda t: F.roll(t, shift, axis) ** 2, [X])


WIDTHS = [0, 2, (1, 3), [[1], [0], [2]], ((0, 1), (2, 0), (3, 1)), np.array([[2, 1]] * 3)]


@pytest.mark.parametrize("width", WIDTHS, ids=str)
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect"])
def test_pad_matches_numpy(width: Any, mode: str) -> None:
    kw = {"constant_values": -1.5} if mode == "constant" else {}
    np.testing.assert_array_equal(F.pad(X, width, mode, **kw).data, NP.pad(X, width, mode, **kw))
    assert gradcheck(lambda t: F.pad(t, width, mode), [X])


def test_pad_reflects_repeatedly_beyond_the_length_and_takes_per_axis_constants() -> None:
    x = _x((2, 3))
    np.testing.assert_array_equal(F.pad(x, ((5, 7), (4, 0)), "reflect").data,
                                  np.pad(x, ((5, 7), (4, 0)), "reflect"))
    cv = ((1.0, 2.0), (3.0, 4.0))
    np.testing.assert_array_equal(F.pad(x, 1, constant_values=cv).data,
                                  np.pad(x, 1, constant_values=cv))
    assert gradgradcheck(lambda t: F.pad(t, ((5, 7), (4, 0)), "reflect") ** 2, [x])


def test_pad_gradient_sums_every_copy_into_its_source() -> None:
    x = np.array([1.0, 2.0, 3.0])
    _, (g,) = _grads(lambda t: F.sum(F.pad(t, (2, 1), "edge")), x)
    np.testing.assert_array_equal(g, [3.0, 1.0, 2.0])  # a a [a b c] c
    _, (g,) = _grads(lambda t: F.sum(F.pad(t, (2, 1), "reflect")), x)
    np.testing.assert_array_equal(g, [1.0, 3.0, 2.0])  # c b [a b c] b
    _, (g,) = _grads(lambda t: F.sum(F.pad(t, (2, 1), constant_values=7.0)), x)
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0])


@pytest.mark.parametrize(("mode", "torch_mode"), [("constant", "constant"),
                                                  ("reflect", "reflect"), ("edge", "replicate")])
def test_pad_agrees_with_torch(mode: str, torch_mode: str) -> None:
    torch = pytest.importorskip("torch")
    x = _x((2, 3, 5, 6))
    # torch lists (before, after) pairs from the last axis backwards; NumPy from the first
    width = ((0, 0), (0, 0), (2, 1), (3, 4))
    flat = (3, 4, 2, 1)
    out, (g,) = _grads(lambda t: F.pad(t, width, mode), x)
    xt = torch.tensor(x, requires_grad=True)
    ot = torch.nn.functional.pad(xt, flat, mode=torch_mode)
    ot.backward(torch.tensor(np.random.default_rng(1).standard_normal(out.shape)))
    np.testing.assert_allclose(out, ot.detach().numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(g, xt.grad.numpy(), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize(("reps", "axis"), [(2, None), ([1, 0, 3], 1), (3, -1), (0, 0),
                                            (np.array([2, 0]), 0), (1, 2)])
def test_repeat_matches_numpy(reps: Any, axis: Any) -> None:
    np.testing.assert_array_equal(F.repeat(X, reps, axis).data, np.repeat(X, reps, axis))
    assert gradcheck(lambda t: F.repeat(t, reps, axis), [X])


def test_repeat_gradient_sums_the_copies() -> None:
    _, (g,) = _grads(lambda t: F.sum(F.repeat(t, [2, 3, 0])), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [2.0, 3.0, 0.0])
    np.testing.assert_array_equal(F.repeat(np.array(4.0), 3).data, [4.0, 4.0, 4.0])


@pytest.mark.parametrize("reps", [2, (2, 1), (1, 2, 1, 3), (), (0, 2), [3, 1, 1]])
def test_tile_matches_numpy(reps: Any) -> None:
    np.testing.assert_array_equal(F.tile(X, reps).data, np.tile(X, reps))
    _, (g,) = _grads(lambda t: F.sum(F.tile(t, reps)), X)
    copies = np.prod(reps) if np.ndim(reps) else reps
    np.testing.assert_array_equal(g, np.full(X.shape, float(copies)))


@pytest.mark.parametrize("how", [1, 2, 4, [1, 3], [3, 1, 10, -1], [], np.array([2])], ids=str)
@pytest.mark.parametrize("axis", [-1, 1])
def test_array_split_and_split_match_numpy_and_each_piece_is_differentiable(
        how: Any, axis: int) -> None:
    x = _x((2, 4, 4))
    pieces = F.array_split(x, how, axis)
    want = np.array_split(x, how, axis)
    assert len(pieces) == len(want)
    for p, w in zip(pieces, want):
        np.testing.assert_array_equal(p.data, w)
    if not isinstance(how, int) or 4 % how == 0:
        assert [p.shape for p in F.split(x, how, axis)] == [w.shape for w in want]
    t = Tensor(x, requires_grad=True)
    parts = F.array_split(t, how, axis)
    F.sum(F.concatenate([p * (i + 1.0) for i, p in enumerate(parts)], axis)).backward()
    marks = np.concatenate([np.full(w.shape, i + 1.0) for i, w in enumerate(want)], axis)
    if marks.shape == x.shape:  # the pieces tile x (no overlap from odd indices)
        np.testing.assert_array_equal(t.grad.data, marks)  # type: ignore[union-attr]


@pytest.mark.parametrize(("idx", "axis"), [([0, 0, 1, -1], 0), ([0, 0, 2, -1], 1),
                                           ([[1, -2], [3, 3]], 2), ([5, -24, 5], None),
                                           (np.int64(1), -1), ([], 1)])
def test_take_matches_numpy(idx: Any, axis: Any) -> None:
    np.testing.assert_array_equal(F.take(X, idx, axis).data, np.take(X, idx, axis))
    assert gradcheck(lambda t: F.take(t, idx, axis), [X])


def test_repeated_indices_accumulate_in_take_and_scatter_add() -> None:
    x = np.array([1.0, 2.0, 3.0])
    _, (g,) = _grads(lambda t: F.sum(F.take(t, [0, 0, 2, 0, -3])), x)
    np.testing.assert_array_equal(g, [4.0, 0.0, 1.0])
    s = F.scatter_add(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 2, 0, 0]), (3,))
    np.testing.assert_array_equal(s.data, [8.0, 0.0, 2.0])
    g2 = _x((3, 4))
    idx = np.array([1, 1, 0])
    want = np.zeros((3, 2))
    NP.add.at(want, (slice(None), idx), g2[:, :3])
    np.testing.assert_array_equal(F.scatter_add(g2[:, :3], (slice(None), idx), (3, 2)).data, want)
    assert gradgradcheck(lambda t: F.scatter_add(t * t, (slice(None), idx), (3, 2)), [g2[:, :3]])


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_take_along_axis_matches_numpy_and_torch_gather(axis: Any) -> None:
    x = _x((3, 4))
    shape = {0: (5, 4), 1: (3, 5), -1: (3, 1), None: (7,)}[axis]
    idx = np.random.default_rng(2).integers(-3, 3, shape)
    want = np.take_along_axis(x, idx, axis)
    np.testing.assert_array_equal(F.take_along_axis(x, idx, axis).data, want)
    assert gradcheck(lambda t: F.take_along_axis(t, idx, axis), [x])
    assert gradgradcheck(lambda t: F.take_along_axis(t, idx, axis) ** 3, [x])
    if axis == 1:
        torch = pytest.importorskip("torch")
        got = torch.gather(torch.tensor(x), 1, torch.tensor(idx % 4)).numpy()
        np.testing.assert_array_equal(got, want)


def test_take_along_axis_broadcasts_the_other_axes() -> None:
    x, idx = _x((1, 5)), np.array([[0, 4], [4, 4], [1, 0]])
    np.testing.assert_array_equal(F.take_along_axis(x, idx, 1).data,
                                  np.take_along_axis(x, idx, 1))
    _, (g,) = _grads(lambda t: F.sum(F.take_along_axis(t, idx, 1)), x)
    np.testing.assert_array_equal(g, [[2.0, 1.0, 0.0, 0.0, 3.0]])


def test_put_along_axis_last_write_wins_and_gradients_follow_it() -> None:
    x = np.array([10.0, 20.0, 30.0, 40.0])
    v = np.array([1.0, 2.0, 3.0])
    out, (gx, gv) = _grads(lambda a, b: F.put_along_axis(a, [1, 1, 3], b, 0), x, v)
    np.testing.assert_array_equal(out, [10.0, 2.0, 30.0, 3.0])
    u = np.random.default_rng(1).standard_normal(4)
    np.testing.assert_array_equal(gx, [u[0], 0.0, u[2], 0.0])
    np.testing.assert_array_equal(gv, [0.0, u[1], u[3]])
    assert x[1] == 20.0  # a new tensor; x itself is untouched


@pytest.mark.parametrize(("ishape", "vshape", "axis"), [((3, 6), (3, 6), 1), ((1, 4), (4,), 1),
                                                        ((2, 5), (1, 1), 0), ((9,), (), None)])
def test_put_along_axis_matches_numpy(ishape: tuple[int, ...], vshape: tuple[int, ...],
                                      axis: Any) -> None:
    x, v = _x((3, 5)), _x(vshape, 3)
    n = 15 if axis is None else x.shape[axis]
    idx = np.random.default_rng(4).integers(-n, n, ishape)
    want = x.copy()
    np.put_along_axis(want, idx, v, axis)
    np.testing.assert_array_equal(F.put_along_axis(x, idx, v, axis).data, want)
    assert gradcheck(lambda a, b: F.put_along_axis(a, idx, b, axis), [x, v])
    assert gradgradcheck(lambda a, b: F.put_along_axis(a * a, idx, b * b, axis), [x, v])


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid_matches_numpy_and_sums_the_copies(indexing: str) -> None:
    a, b, c = _x((2,)), _x((3, 1), 1), _x((4,), 2)
    for xs in [(a,), (a, b), (a, b, c), ()]:
        got = F.meshgrid(*xs, indexing=indexing)
        want = NP.meshgrid(*xs, indexing=indexing)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.data, w)
    ts = [Tensor(v, requires_grad=True) for v in (a, b, c)]
    F.sum(F.stack(F.meshgrid(*ts, indexing=indexing))).backward()
    for t, copies in zip(ts, (12, 8, 6)):
        np.testing.assert_array_equal(t.grad.data, np.full(t.shape, copies))  # type: ignore


def test_meshgrid_refuses_pytorchs_list_form_which_numpy_reads_as_one_array() -> None:
    a, b = Tensor(np.arange(3.0)), Tensor(np.arange(2.0), requires_grad=True)
    with pytest.raises(TypeError, match=r"meshgrid: give the tensors as separate arguments"):
        F.meshgrid([a, b])
    with pytest.raises(TypeError, match=r"meshgrid: give the tensors as separate arguments"):
        F.meshgrid((a, a))
    assert [g.shape for g in F.meshgrid([1.0, 2.0, 3.0])] == [(3,)]  # NumPy's: one array


def test_one_hot_is_a_float64_constant_like_torchs() -> None:
    idx = np.array([[0, 3], [1, 1]])
    got = F.one_hot(idx)
    assert got.dtype == np.float64 and got.shape == (2, 2, 4) and not got.requires_grad
    np.testing.assert_array_equal(got.data, np.eye(4)[idx])
    np.testing.assert_array_equal(F.one_hot(Tensor(np.array([2])), 5).data, [[0, 0, 1, 0, 0]])
    assert F.one_hot(np.zeros((0,), np.int64), 3).shape == (0, 3)
    assert "one_hot" in F.NOT_DIFFERENTIABLE
    torch = pytest.importorskip("torch")
    want = torch.nn.functional.one_hot(torch.tensor(idx)).numpy()
    np.testing.assert_array_equal(got.data, want)
    for dtype in (np.float32, np.int64, bool, "float16"):  # beside float32 logits: no promotion
        typed = F.one_hot(idx, 4, dtype=dtype)
        assert typed.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(typed.data, want)
    logits = Tensor(np.zeros((2, 2, 4), np.float32), requires_grad=True)
    (logits * F.one_hot(idx, 4, dtype=np.float32)).sum().backward()
    assert logits.grad is not None and logits.grad.dtype == np.float32


# --------------------------------------------------------------------------- errors
ERRORS: list[tuple[Callable[[], Any], type[Exception], str]] = [
    (lambda: F.take(X, [5], axis=1), IndexError,
     r"take: index 5 is out of bounds for axis 1 with size 3 \(tensor shape \(2, 3, 4\)\)"),
    (lambda: F.take(X, [1.0]), TypeError, "take: indices must be integers"),
    (lambda: F.take_along_axis(X, np.zeros((2, 3), int), 1), ValueError,
     r"take_along_axis: indices of shape \(2, 3\) need as many dims"),
    (lambda: F.take_along_axis(X, np.zeros((3, 1, 1), int), 1), ValueError,
     "take_along_axis: indices of shape .* do not broadcast"),
    (lambda: F.take_along_axis(X, np.zeros((1, 1, 1)), 1), IndexError,
     "take_along_axis: indices must be integers"),
    (lambda: F.put_along_axis(X, np.zeros((2, 1, 4), int), np.ones(3), 1), ValueError,
     r"put_along_axis: values of shape \(3,\) do not broadcast to the indices' shape"),
    (lambda: F.put_along_axis(X, np.array([[[-4]]]), 1.0, 1), IndexError,
     "put_along_axis: index -4 is out of bounds for axis 1 with size 3"),
    (lambda: F.moveaxis(X, [0, 0], [1, 2]), ValueError, "moveaxis: repeated axis in source"),
    (lambda: F.moveaxis(X, [0, 1], [1]), ValueError, "moveaxis: source .* same number"),
    (lambda: F.moveaxis(X, 3, 0), ValueError, "moveaxis: source axis 3 is out of range"),
    (lambda: F.flip(X, 3), ValueError, "flip: axis 3 is out of range"),
    (lambda: F.roll(X, 1.5), TypeError, "roll: shift must be"),  # type: ignore[arg-type]
    (lambda: F.roll(X, (1, 2, 3), (0, 1)), ValueError, "roll: 3 shifts do not pair up with 2"),
    (lambda: F.pad(X, 1.5), TypeError, "pad: pad_width must be integers"),
    (lambda: F.pad(X, -1), ValueError, "pad: pad_width -1 has a negative entry"),
    (lambda: F.pad(X, [[1, 2, 3]]), ValueError, r"pad: pad_width .* shape \(2, 3, 4\)"),
    (lambda: F.pad(X, 1, "mean"), ValueError, "pad: mode 'mean' is not supported"),
    (lambda: F.pad(np.zeros((0, 2)), 1, "edge"), ValueError, "pad: cannot pad the empty axis 0"),
    (lambda: F.repeat(X, -1), ValueError, "repeat: "),
    (lambda: F.repeat(X, [1, 2], axis=1), ValueError, r"repeat: .*repeats of shape \(2,\)"),
    (lambda: F.repeat(X, 1.5), TypeError, "repeat: repeats must be integers"),
    (lambda: F.tile(X, (2, -1)), ValueError, r"tile: reps \(2, -1\) has a negative entry"),
    (lambda: F.split(X, 2, axis=1), ValueError,
     r"split: axis 1 of length 3 \(shape \(2, 3, 4\)\) does not split into 2 equal"),
    (lambda: F.array_split(X, 0), ValueError, "array_split: the number of sections"),
    (lambda: F.split(np.array(1.0), 1), ValueError, "split: cannot split a 0-d tensor"),
    (lambda: F.meshgrid(X, indexing="ji"), ValueError, "meshgrid: indexing must be"),
    (lambda: F.one_hot([0, -1]), ValueError, r"one_hot: indices from -1 to 0 are outside"),
    (lambda: F.one_hot([3], 3), ValueError, r"one_hot: .* outside \[0, 3\)"),
    (lambda: F.one_hot(np.zeros(0, int)), ValueError, "one_hot: cannot infer num_classes"),
    (lambda: F.one_hot([0.0]), TypeError, "one_hot: indices must be integers"),
    (lambda: F.one_hot([0], 2, dtype=np.complex64), TypeError,
     "one_hot: dtype must be a bool, integer or floating type, got complex64"),
    (lambda: F.one_hot([0], 2, dtype="nope"), TypeError, "one_hot: dtype 'nope' is not a NumPy"),
    (lambda: Tensor(X)[:, np.array([0, 9])], IndexError,
     r"getitem: index 9 is out of bounds for axis 1 with size 3 \(tensor shape \(2, 3, 4\)\)"),
    (lambda: F.scatter_add(np.ones(2), np.array([0, -4]), (3,)), IndexError,
     "scatter_add: index -4 is out of bounds for axis 0 with size 3"),
]


@pytest.mark.parametrize(("call", "exc", "match"), ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_bad_arguments_raise_naming_the_function(call: Callable[[], Any], exc: type[Exception],
                                                 match: str) -> None:
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------- the fast scatter
def _add_at(g: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
    z = np.zeros((n, *g.shape[1:]), g.dtype)
    np.add.at(z, idx, g)
    return z


SCATTERS = [  # (rows n, row shape, indices m, how the indices are drawn): every route
    (27, (10,), 12288, "uniform"),  # narrow rows, long runs: sorted, np.add.reduceat
    (1000, (10,), 12288, "uniform"),  # narrow rows, many indices: bincount per column
    (27, (3,), 12288, "zipf"),  # very narrow rows: bincount per column
    (1000, (4,), 300, "uniform"),  # narrow, few indices: bincount over flat positions
    (50, (3, 5), 400, "uniform"),  # 15 values per row: flat positions
    (5000, (64,), 6000, "uniform"),  # wide rows, few repeats: rank by rank
    (10, (40,), 3000, "uniform"),  # wide rows, many repeats: run by run
    (3000, (33,), 8000, "zipf"),  # wide rows, both: a few long runs and many short ones
    (7, (50,), 500, "one"),  # every index the same row
    (600, (32,), 500, "distinct"),  # no repeats at all
    (70000, (2,), 100, "uniform"),  # more than 2¹⁶ rows: no 16-bit sort keys
    (70000, (40,), 3000, "zipf"),
    (5, (), 100, "uniform"),  # scalar rows
]


def _indices(n: int, m: int, how: str, rng: np.random.Generator) -> np.ndarray:
    if how == "zipf":
        return np.minimum(rng.zipf(1.5, m) - 1, n - 1)
    if how == "one":
        return np.full(m, n // 2)
    if how == "distinct":
        return rng.permutation(n)[:m]
    return rng.integers(0, n, m)


@pytest.mark.parametrize(("n", "row", "m", "how"), SCATTERS, ids=[str(s) for s in SCATTERS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_scatter_rows_equals_np_add_at(n: int, row: tuple[int, ...], m: int, how: str,
                                       dtype: Any) -> None:
    rng = np.random.default_rng(n + m)
    idx = _indices(n, m, how, rng)
    g = rng.standard_normal((m, *row)).astype(dtype)
    want = _add_at(g.astype(np.float64), idx, n)
    got = scatter_rows(g, idx, n)
    assert got.dtype == dtype and got.shape == want.shape
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())
    strided = np.asfortranarray(g)  # a non-contiguous g takes another way through the sort
    np.testing.assert_allclose(scatter_rows(strided, idx, n), got, rtol=tol, atol=tol)
    row_seen = np.zeros(n, bool)
    row_seen[idx] = True
    assert not np.any(got[~row_seen])  # rows no index hits stay exactly 0


@pytest.mark.parametrize("dtype", [np.float16, np.longdouble, np.int64])
def test_scatter_rows_keeps_other_dtypes_exactly_in_add_ats_order(dtype: Any) -> None:
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 9, 200)
    g = (rng.standard_normal((200, 3)) * 8).astype(dtype)
    got = scatter_rows(g, idx, 9)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, _add_at(g, idx, 9))


def test_scatter_rows_of_a_repeated_row_counts_and_keeps_unhit_rows_zero() -> None:
    idx = np.array([0, 0, 2, 0])
    row = np.array([1.5, np.inf, -2.0])
    got = scatter_rows(np.broadcast_to(row, (4, 3)), idx, 4)
    np.testing.assert_array_equal(got, [[4.5, np.inf, -6.0], [0, 0, 0],
                                        [1.5, np.inf, -2.0], [0, 0, 0]])
    assert scatter_rows(np.zeros((0, 3)), np.zeros(0, np.intp), 2).shape == (2, 3)
    assert scatter_rows(np.zeros((0, 3)), np.zeros(0, np.intp), 0).shape == (0, 3)
    assert scatter_rows(np.zeros((4, 0)), idx, 3).shape == (3, 0)


def test_scatter_overflow_gives_inf_silently() -> None:
    x = Tensor(np.array([1e308]), requires_grad=True)
    F.take(x, [0, 0, 0]).backward(np.full(3, 1e308))
    assert x.grad is not None and x.grad.data[0] == np.inf


INDEXES: list[Any] = [  # integer-array indexes that gather, and others that NumPy handles
    np.array([[1, -1], [0, 0]]), (slice(None), np.array([2, 2, 0])),
    (Ellipsis, np.array([3, -4, 3])), (np.array([0, 1, 1]), np.array([2, 2, 0])),
    (1, np.array([0, 0]), slice(None)), (slice(None), np.array([1, 1]), np.array([[0], [3]])),
    (np.array([1, 0]), slice(None), np.array([3, 3])),  # not adjacent: NumPy's general route
    (np.array([1, 1]), slice(1, None)), (np.array([True, False]), 0), (None, np.array([0, 0])),
    ([1, 1, 0], Ellipsis, [0, 0, 1]), (np.uint8(1), np.array([0, 2, 2], np.uint16)),
]


@pytest.mark.parametrize("index", INDEXES, ids=[str(i) for i in INDEXES])
def test_integer_array_indexing_matches_numpy_values_and_add_at(index: Any) -> None:
    out, (g,) = _grads(lambda t: t[index], X)
    clean = tuple(np.asarray(i) if isinstance(i, list) else i
                  for i in (index if isinstance(index, tuple) else (index,)))
    np.testing.assert_array_equal(out, X[clean])
    want = np.zeros(X.shape)
    np.add.at(want, clean, np.random.default_rng(1).standard_normal(out.shape))
    np.testing.assert_allclose(g, want, rtol=1e-15, atol=1e-15)
    assert gradgradcheck(lambda t: t[index] ** 2, [X])


@pytest.mark.parametrize("two", [False, True])
def test_changing_the_index_array_after_forward_changes_no_gradient(two: bool) -> None:
    idx = np.array([0, 0, 1])
    shape = np.diag if two else np.asarray
    x = Tensor(shape(np.array([1.0, 2.0, 3.0])), requires_grad=True)
    y = F.sum(x[(idx, idx) if two else idx] ** 2)  # 2 x₀² + x₁²
    idx[:] = 2
    (g,) = backward(y, create_graph=True, inputs=[x])
    np.testing.assert_array_equal(g.data, shape(np.array([4.0, 4.0, 0.0])))
    (gg,) = backward(F.sum(g), inputs=[x])
    np.testing.assert_array_equal(gg, shape(np.array([4.0, 2.0, 0.0])))


FLOAT32: list[Callable[[Tensor], Tensor]] = [
    lambda t: F.moveaxis(t, 0, -1), lambda t: F.flip(t, 1), lambda t: F.roll(t, 2, 0),
    lambda t: F.pad(t, 1, "reflect"), lambda t: F.pad(t, 2, constant_values=0.1),
    lambda t: F.repeat(t, 2, 1), lambda t: F.tile(t, (2, 1)), lambda t: F.split(t, 2)[1],
    lambda t: F.take(t, [[0, 0], [3, 1]], 1),
    lambda t: F.take_along_axis(t, np.ones((2, 4), int), 0),
    lambda t: F.put_along_axis(t, np.array([[1, 1]]), 2.5, 1),
    lambda t: F.meshgrid(t[0], t[1])[1], lambda t: t[np.array([1, 1, 0])],
]


@pytest.mark.parametrize("fn", FLOAT32)
def test_float32_is_kept(fn: Callable[[Tensor], Tensor]) -> None:
    t = Tensor(_x((4, 4), dtype=np.float32), requires_grad=True)
    y = fn(t)
    assert y.dtype == np.float32
    y.backward(np.ones(y.shape, np.float32))
    assert t.grad is not None and t.grad.dtype == np.float32


def test_extreme_values_pass_through_untouched() -> None:
    x = np.array([-1000.0, 1000.0, 3.0])
    np.testing.assert_array_equal(F.pad(x, 1, "reflect").data, np.pad(x, 1, "reflect"))
    np.testing.assert_array_equal(F.roll(x, 1).data, [3.0, -1000.0, 1000.0])
    np.testing.assert_array_equal(F.take(x, [1, 1]).data, [1000.0, 1000.0])
