"""The op review's fixes, against NumPy (values, shapes, dtypes, errors) and, for gradients,
central differences (gradcheck, gradgradcheck) or PyTorch: norm of empty slices and matrices,
concatenate(axis=None), and clip with array or Tensor bounds."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _numpy(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, Exception | None]:
    """NumPy's result (its warnings silenced) or the error it raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return np.asarray(fn(*args, **kwargs)), None
        except (ValueError, TypeError) as exc:
            return None, exc


def _same(got: Tensor, want: np.ndarray) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype, want)
    np.testing.assert_array_equal(got.data, want)


# --------------------------------------------------------------------------- norm, empty
EMPTY_NORMS = [
    (shape, ord, axis)
    for shape in [(0,), (0, 3), (3, 0), (0, 0), (2, 0, 3)]
    for ord in [None, 1, -1, 2, np.inf, -np.inf, 0, 0.5, 3, -3, "fro"]
    for axis in [None, *range(-len(shape), len(shape)),
                 *([(0, 1), (1, 0), (-1, 0)] if len(shape) > 1 else [])]
    if not (ord in (2, -2) and ((axis is None and len(shape) == 2) or isinstance(axis, tuple)))
]


@pytest.mark.parametrize(("shape", "ord", "axis"), EMPTY_NORMS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_norm_of_empty_slices_and_matrices_is_numpys(shape: tuple[int, ...], ord: Any,
                                                      axis: Any, dtype: Any) -> None:
    """0 where NumPy's max (initial 0) gives 0, ValueError naming norm where its min raises."""
    x = np.zeros(shape, dtype)
    for keepdims in (False, True):
        want, err = _numpy(np.linalg.norm, x, ord, axis, keepdims)
        t = Tensor(x, requires_grad=True)
        if err is not None:
            with pytest.raises(ValueError, match="norm"):
                am.norm(t, ord, axis, keepdims)
            continue
        got = am.norm(t, ord, axis, keepdims)
        _same(got, want)
        got.sum().backward()
        assert t.grad is not None and t.grad.shape == shape and t.grad.dtype == dtype


def test_norm_raises_only_where_numpy_does_for_the_reported_cases() -> None:
    assert am.norm(am.zeros(0), np.inf).item() == 0.0
    assert am.norm(am.zeros((0, 3)), 1).item() == 0.0
    _same(am.norm(am.zeros((0, 3)), np.inf, axis=0), np.zeros(3))
    _same(am.norm(am.zeros((3, 0)), np.inf, axis=1), np.zeros(3))
    for call in (lambda: am.norm(am.zeros(0), -np.inf),
                 lambda: am.norm(am.zeros((3, 0)), -1),
                 lambda: am.norm(am.zeros((0, 3)), -np.inf)):
        with pytest.raises(ValueError, match=r"norm: .*no minimum"):
            call()


def test_norm_inf_gradients_unchanged_on_full_slices() -> None:
    x = np.array([[3.0, -1.0, 2.0], [0.5, -4.0, 1.0]])
    for ord, axis in ((np.inf, 1), (np.inf, None), (1, None), (-np.inf, 0)):
        xs = [x if axis is not None or ord != np.inf else x[0]]
        assert gradcheck(lambda t, o=ord, a=axis: am.norm(t, o, a), xs)
        want = torch.linalg.norm(torch.tensor(xs[0], requires_grad=True), ord, axis)
        _same(am.norm(Tensor(xs[0]), ord, axis), want.detach().numpy())


# --------------------------------------------------------------------------- concatenate
def test_concatenate_axis_none_flattens_as_numpy() -> None:
    rng = np.random.default_rng(0)
    parts = [rng.normal(size=(2, 3)), np.array(7.0), rng.normal(size=(0, 2)),
             rng.normal(size=(4,))]
    _same(am.concatenate([Tensor(p) for p in parts], axis=None),
          np.concatenate(parts, axis=None))
    f32 = [p.astype(np.float32) for p in parts]
    _same(am.concatenate(f32, axis=None), np.concatenate(f32, axis=None))
    mixed: list[np.ndarray] = [np.ones(2, np.float32),
                               np.arange(3, dtype=np.int16).reshape(3, 1)]
    _same(am.concatenate(mixed, axis=None), np.concatenate(mixed, axis=None))
    full = [p for p in parts if p.size]
    assert gradcheck(lambda *ts: am.concatenate(list(ts), axis=None), full)
    assert gradgradcheck(lambda *ts: am.concatenate(list(ts), axis=None) ** 3, full)


def test_concatenate_axis_none_still_checks_axis_type() -> None:
    with pytest.raises(TypeError, match="concatenate: axis must be an int or None"):
        am.concatenate([am.ones(2)], axis=1.0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- clip
def test_clip_takes_array_bounds_as_numpy() -> None:
    x = np.array([[-2.0, 0.5, 1.0], [3.0, 4.0, -1.0]])
    cases: list[tuple[Any, Any]] = [
        (np.array([0.0, 2.0, 1.0]), None), (None, np.array([[1.0], [2.0]])),
        (np.array([0.0, 1.0, 2.0]), 2.5), (-1.0, np.array(3.0)), ([0, 1, 2], [1, 1, 3]),
        (np.zeros((4, 1, 3)), 1.0),  # the bounds broadcast x to a larger shape
        (np.float32(0.5), np.array([1.0, 0.0, 2.0], np.float32)),
    ]
    for lo, hi in cases:
        for data in (x, x.astype(np.float32), np.array([[1, 5, 2], [0, -3, 9]], np.int16)):
            want = np.clip(data, lo, hi)
            _same(am.clip(Tensor(data), lo, hi), want)
            _same(am.clip(Tensor(data), min=lo, max=hi), want)
            tl = None if lo is None or np.ndim(lo) == 0 else Tensor(np.asarray(lo))
            th = None if hi is None or np.ndim(hi) == 0 else Tensor(np.asarray(hi))
            _same(am.clip(Tensor(data), lo if tl is None else tl, hi if th is None else th),
                  want)


def test_clip_with_a_min_above_a_max_gives_a_max_as_numpy() -> None:
    x = np.array([1.0, 5.0, 2.5])
    _same(am.clip(Tensor(x), 3, 2), np.clip(x, 3, 2))
    lo, hi = np.array([3.0, 0.0, 4.0]), np.array([2.0, 1.0, 3.0])
    _same(am.clip(Tensor(x), lo, hi), np.clip(x, lo, hi))
    t = Tensor(x, requires_grad=True)
    am.clip(t, 3, 2).sum().backward()
    _same(t.grad, np.zeros(3))  # type: ignore[arg-type]


def test_clip_gradients_are_torch_clamps_at_every_tie() -> None:
    """Every ordering of x, a_min and a_max on {0, 1, 2}, ties and a_min > a_max included;
    both bounds, and each alone."""
    grid = np.array(list(itertools.product([0.0, 1.0, 2.0], repeat=3))).T
    g = np.random.default_rng(1).normal(size=grid.shape[1])
    for use_lo, use_hi in ((True, True), (True, False), (False, True)):
        ours = [Tensor(v, requires_grad=True) for v in grid]
        theirs = [torch.tensor(v, requires_grad=True) for v in grid]
        lo, hi = (ours[1] if use_lo else None), (ours[2] if use_hi else None)
        out = am.clip(ours[0], lo, hi)
        ref = torch.clamp(theirs[0], theirs[1] if use_lo else None,
                          theirs[2] if use_hi else None)
        _same(out, ref.detach().numpy())
        out.backward(g)
        ref.backward(torch.tensor(g))
        for mine, other, used in zip(ours, theirs, (True, use_lo, use_hi)):
            if used:
                np.testing.assert_array_equal(mine.grad.data, other.grad.numpy())  # type: ignore[union-attr]


def test_clip_gradients_against_central_differences_with_broadcasting() -> None:
    rng = np.random.default_rng(2)  # x off every bound; a_min > a_max in places, no ties
    x = rng.choice([-1.8, -1.25, -0.6, -0.25, 0.25, 0.75, 1.25, 1.8], size=(3, 4))
    lo = np.array([-1.0, 0.0, 1.0, -0.5])
    hi = np.array([[0.5], [1.5], [-0.75]])
    assert gradcheck(lambda a, b, c: am.clip(a, b, c), [x, lo, hi])
    assert gradgradcheck(lambda a, b, c: am.clip(a, b, c) ** 3, [x, lo, hi])
    assert gradcheck(lambda a, b: am.clip(a, b, 0.9), [x, lo])
    assert gradcheck(lambda a, c: am.clip(a, None, c), [x[:1], hi])


def test_clip_keeps_float32_and_its_gradient_dtype() -> None:
    x = Tensor(np.array([-1.0, 0.5, 3.0], np.float32), requires_grad=True)
    lo = Tensor(np.array([0.0, 0.0, 0.0], np.float32), requires_grad=True)
    out = am.clip(x, lo, 2.0)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float32
    assert lo.grad is not None and lo.grad.dtype == np.float32
    _same(lo.grad, np.array([1.0, 0.0, 0.0], np.float32))


def test_clip_errors_name_clip() -> None:
    with pytest.raises(ValueError, match=r"clip: the bounds do not broadcast .*a_min \(2,\)"):
        am.clip(am.ones(3), np.zeros(2), None)
    with pytest.raises(TypeError, match="clip"):
        am.clip(am.ones(3), "abc")
    with pytest.raises(TypeError, match="clip"):
        am.clip(am.ones(3), True)
    with pytest.raises(ValueError, match="clip: give at least one"):
        am.clip(am.ones(3))
