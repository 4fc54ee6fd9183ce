"""Gradient clipping by total norm and by value."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optim
from autograd_mini import Tensor


def with_grads(*grads: Any, dtype: Any = np.float64) -> list[Tensor]:
    params = []
    for g in grads:
        p = Tensor(np.zeros(np.shape(g), dtype=dtype), requires_grad=True)
        p.grad = Tensor(np.array(g, dtype=dtype))
        params.append(p)
    return params


def grad_of(p: Tensor) -> Tensor:
    """``p.grad``, checked to be set (the tests below only use it where it must be)."""
    assert p.grad is not None
    return p.grad


def all_grads(params: list[Tensor]) -> np.ndarray:
    return np.concatenate([p.grad.data.ravel() for p in params if p.grad is not None])


@settings(deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([1e-3, 1.0, 1e3]),
    max_norm=st.just(0.0) | st.floats(1e-2, 10.0),
    norm_type=st.sampled_from([1.0, 2.0, 3.0, 0.5, math.inf]),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_clip_grad_norm(
    seed: int, scale: float, max_norm: float, norm_type: float, dtype: Any
) -> None:
    rng = np.random.default_rng(seed)
    params = with_grads(
        rng.normal(size=(2, 3)) * scale,
        rng.normal(size=()) * scale,
        rng.normal(size=4) * scale,
        dtype=dtype,
    )
    params.append(Tensor(np.ones(2), requires_grad=True))  # no grad: skipped
    before = all_grads(params).astype(np.float64)
    arrays = [p.grad.data for p in params if p.grad is not None]
    total = optim.clip_grad_norm_(params, max_norm, norm_type)
    assert isinstance(total, float) and type(total) in (float, np.float64)  # (.item() too)
    expected = (
        np.linalg.norm(before, ord=norm_type)
        if norm_type >= 1
        else (np.sum(np.abs(before) ** norm_type) ** (1 / norm_type))
    )
    assert total == pytest.approx(expected, rel=1e-10)
    after = all_grads(params)
    assert after.dtype == dtype
    assert all(p.grad is None or p.grad.data is a for p, a in zip(params, arrays, strict=False))
    tol = 1e-6 if dtype == np.float32 else 1e-12
    if total > max_norm:
        coef = max_norm / (total + 1e-6)
        np.testing.assert_allclose(after, before * coef, rtol=tol, atol=tol * max_norm)
        new_norm = (
            np.sum(np.abs(after.astype(np.float64)) ** norm_type) ** (1 / norm_type)
            if norm_type != math.inf
            else np.abs(after).max()
        )
        assert new_norm <= max_norm * (1 + 10 * tol)
    else:
        np.testing.assert_array_equal(after, before.astype(dtype))


def test_clip_grad_norm_on_a_known_example() -> None:
    params = with_grads([3.0, 0.0], [[4.0]])
    total = optim.clip_grad_norm_(params, 1.0)
    assert total == 5.0
    np.testing.assert_allclose(all_grads(params), [0.6, 0.0, 0.8], rtol=1e-6)
    assert optim.clip_grad_norm_(params, 1.0) == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_accepts_a_single_tensor_and_no_grads() -> None:
    (p,) = with_grads([30.0, 40.0])
    assert optim.clip_grad_norm_(p, 5.0, norm_type=2) == 50.0
    assert p.grad is not None
    np.testing.assert_allclose(p.grad.data, [3.0, 4.0], rtol=1e-6)
    assert optim.clip_grad_norm_([Tensor([1.0], requires_grad=True)], 1.0) == 0.0


def test_clip_grad_norm_does_not_overflow_in_float32() -> None:
    params = with_grads([3e30, 4e30], dtype=np.float32)
    assert optim.clip_grad_norm_(params, 1.0) == pytest.approx(5e30, rel=1e-6)
    np.testing.assert_allclose(all_grads(params), [0.6, 0.8], rtol=1e-5)


def test_clip_grad_norm_nonfinite() -> None:
    params = with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="is inf"):
        optim.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isnan(optim.clip_grad_norm_(with_grads([np.nan, 1.0]), 1.0))
    assert optim.clip_grad_norm_(params, 1.0) == math.inf  # no warning escapes


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_norm": -1.0}, "max_norm"),
        ({"max_norm": math.nan}, "max_norm"),
        ({"max_norm": 1.0, "norm_type": 0.0}, "norm_type"),
        ({"max_norm": 1.0, "norm_type": -2.0}, "norm_type"),
    ],
)
def test_clip_grad_norm_validation(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        optim.clip_grad_norm_(with_grads([1.0]), **kwargs)


def test_clip_grad_norm_refuses_non_tensors() -> None:
    with pytest.raises(TypeError, match="Tensors"):
        optim.clip_grad_norm_([np.ones(2)], 1.0)  # type: ignore[list-item]


@settings(deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    clip=st.floats(0.0, 3.0),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_clip_grad_value(seed: int, clip: float, dtype: Any) -> None:
    rng = np.random.default_rng(seed)
    params = with_grads(rng.normal(size=(3, 2)) * 2, rng.normal(size=5) * 2, dtype=dtype)
    before = all_grads(params)
    arrays = [grad_of(p).data for p in params]
    assert optim.clip_grad_value_(params, clip) is None  # type: ignore[func-returns-value]
    np.testing.assert_array_equal(all_grads(params), np.clip(before, -clip, clip).astype(dtype))
    assert all(grad_of(p).data is a for p, a in zip(params, arrays, strict=True))


def test_clip_grad_value_validation() -> None:
    with pytest.raises(ValueError, match="clip_value"):
        optim.clip_grad_value_(with_grads([1.0]), -0.5)


def test_clipping_gradients_from_backward_before_a_step() -> None:
    p = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    q = Tensor(np.array([3.0]), requires_grad=True)
    ((p * p).sum() * 10.0 + (q * q).sum()).backward()  # grads 20p and 2q
    total = optim.clip_grad_norm_([p, q], 1.0)
    assert total == pytest.approx(math.sqrt(20**2 + 40**2 + 6**2))
    opt = optim.SGD([p, q], lr=1.0)
    opt.step()
    moved = np.r_[np.array([1.0, 2.0]) - p.data, np.array([3.0]) - q.data]
    assert np.linalg.norm(moved) == pytest.approx(1.0, rel=1e-5)
