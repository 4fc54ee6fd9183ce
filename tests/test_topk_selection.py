"""topk's selection (``_first``: a partition, then a sort of the k kept) against the full stable
sort it replaces (``_order``): the same indices for every input, ties, NaN, ±inf and ±0 included."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import autograd_mini as am
from autograd_mini.ops import scan
from autograd_mini.ops.scan import _first, _order

NAN = float("nan")
#: Few values each, so that ties (and NaN, ±inf, ±0) are frequent; -NAN has its sign bit set.
VALUES: dict[Any, list[Any]] = {
    np.float16: [NAN, -NAN, -np.inf, np.inf, -0.0, 0.0, -1.0, 1.0, 0.5],
    np.float32: [NAN, -NAN, -np.inf, np.inf, -0.0, 0.0, -1.0, 1.0, 0.5],
    np.float64: [NAN, -NAN, -np.inf, np.inf, -0.0, 0.0, -1.0, 1e-300, 1.0],
    np.int8: [-128, -1, 0, 1, 127],
    np.int64: [np.iinfo(np.int64).min, -1, 0, 1, np.iinfo(np.int64).max],
    np.uint8: [0, 1, 2, 255],
    np.uint64: [0, 1, np.iinfo(np.uint64).max],
    np.bool_: [False, True],
}


#: The size from which topk selects; the tests below select at any size.
SELECTION_MIN_SIZE = scan._SELECTION_MIN_SIZE


@pytest.fixture(autouse=True, scope="module")
def _select_at_any_size() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scan, "_SELECTION_MIN_SIZE", 0)
        yield


def _oracle(a: np.ndarray, axis: int, k: int, largest: bool) -> np.ndarray:
    return np.take(_order(a, axis, largest), np.arange(k), axis=axis)


@st.composite
def _arrays(draw: st.DrawFn) -> np.ndarray:
    """A few values (so ties are frequent), one of them maybe rare; one axis long enough for
    the selection (k ≤ n/4) to be used."""
    dtype = draw(st.sampled_from(list(VALUES)))
    values = np.array(VALUES[dtype], dtype=dtype)
    pool = draw(st.lists(st.integers(0, len(values) - 1), min_size=1, max_size=4))
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    shape[draw(st.integers(0, len(shape) - 1))] = draw(st.integers(4, 40) | st.integers(0, 3))
    idx = draw(arrays(np.intp, tuple(shape), elements=st.sampled_from(pool)))
    spots = draw(st.lists(st.integers(0, max(idx.size - 1, 0)), max_size=min(idx.size, 3)))
    idx.flat[spots] = draw(st.sampled_from(range(len(values))))
    a = values[idx]
    return a.T if draw(st.booleans()) else a  # not C-contiguous


@given(_arrays())
def test_selection_matches_the_full_sort(a: np.ndarray) -> None:
    """Every axis, both orders, every k from 0 to n: the small k take the selection, the others
    the full sort."""
    for axis, largest in itertools.product([None, *range(-a.ndim, a.ndim)], [True, False]):
        flat, ax = (a.reshape(-1), 0) if axis is None else (a, axis % a.ndim)
        order = _order(flat, ax, largest)
        for k in range(flat.shape[ax] + 1):
            want = np.take(order, np.arange(k), axis=ax)
            got = _first(flat, ax, k, largest)
            assert got.shape == want.shape
            np.testing.assert_array_equal(got, want)
            assert got.flags.c_contiguous  # as the slice of the full order was
            values, idx = am.topk(a, k, axis=axis, largest=largest)
            assert idx.data.dtype == np.int64
            np.testing.assert_array_equal(idx.data, want)
            # bitwise: -0.0 and 0.0 compare equal, but each must come from its own place
            expected = np.ascontiguousarray(np.take_along_axis(flat, want, ax))
            np.testing.assert_array_equal(values.data.view(np.uint8), expected.view(np.uint8))


@pytest.mark.parametrize(("shape", "axis", "k"), [
    ((0, 12), 1, 2), ((0, 12), 1, 0), ((12, 0), 0, 3), ((0,), 0, 0), ((4, 0), 1, 0),
    ((3, 8), None, 6), ((40, 3), 0, 5)])
@pytest.mark.parametrize("largest", [True, False])
def test_shapes(shape: tuple[int, ...], axis: int | None, k: int, largest: bool) -> None:
    """Empty, flattened, along a leading axis: indices in the layout the full sort gave."""
    a = np.arange(math.prod(shape), dtype=np.float32).reshape(shape) % 7
    values, idx = am.topk(a, k, axis=axis, largest=largest)
    flat, ax = (a.reshape(-1), 0) if axis is None else (a, axis)
    want = _oracle(flat, ax, k, largest)
    assert idx.shape == want.shape and values.shape == want.shape
    np.testing.assert_array_equal(idx.data, want)
    assert idx.data.flags.c_contiguous and values.data.flags.c_contiguous


FEW_NAN = [2.0, NAN, 0.0, -0.0, 0.5, 0.0, -np.inf, -0.0, 5.0, np.inf, 0.0, 1.0] * 3
MOSTLY_NAN = [NAN, -NAN, 0.0, NAN, NAN, NAN, -0.0, NAN, NAN, NAN, NAN, NAN] * 3


@pytest.mark.parametrize("row", [FEW_NAN, MOSTLY_NAN])
@pytest.mark.parametrize("largest", [True, False])
def test_ties_and_nan_at_the_cut(row: list[float], largest: bool) -> None:
    """The k-th value tied many times (0.0 and -0.0 are equal), or NaN: the largest value."""
    a = np.array([row, row[::-1]])
    for k in range(1, a.shape[1] // 4 + 1):
        np.testing.assert_array_equal(_first(a, 1, k, largest), _oracle(a, 1, k, largest))


def test_ties_keep_the_earlier_index() -> None:
    a = np.array(FEW_NAN)
    np.testing.assert_array_equal(_first(a, 0, 8, False), [6, 18, 30, 2, 3, 5, 7, 10])
    np.testing.assert_array_equal(_first(a, 0, 6, True), [1, 13, 25, 9, 21, 33])
    np.testing.assert_array_equal(_first(np.array(MOSTLY_NAN), 0, 9, False),
                                  [2, 6, 14, 18, 26, 30, 0, 1, 3])


def test_only_the_k_kept_are_sorted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Selection is the path taken for a small k of a large input: the sort sees k columns, not
    the axis; a small input is sorted whole."""
    seen: list[tuple[int, ...]] = []

    def spy(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
        seen.append(a.shape)
        return _order(a, axis, descending)

    monkeypatch.setattr(scan, "_order", spy)
    monkeypatch.setattr(scan, "_SELECTION_MIN_SIZE", SELECTION_MIN_SIZE)
    n = SELECTION_MIN_SIZE // 3 + 1
    x = am.Tensor(np.arange(3.0 * n).reshape(3, n), requires_grad=True)
    values, idx = am.topk(x, 3, axis=1)
    assert seen == [(3, 3)]
    np.testing.assert_array_equal(idx.data, np.tile([n - 1, n - 2, n - 3], (3, 1)))
    values.sum().backward()
    assert x.grad is not None
    assert x.grad.data.sum() == 9 and x.grad.data[:, -3:].all()
    am.topk(x[:, :n - 1], 3, axis=1)
    assert seen == [(3, 3), (3, n - 1)]
