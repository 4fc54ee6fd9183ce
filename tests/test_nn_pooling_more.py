"""1-d pooling, adaptive max pooling, MaxPool2d's indices and MaxUnpool2d against PyTorch:
values, indices and gradients (with random upstream gradients; ties go to the first maximum)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn

CASES: list[tuple[str, Callable[[], Any], Callable[[Any], Any], tuple[int, ...]]] = [
    ("max1d", lambda: nn.MaxPool1d(3, 2, 1), lambda T: T.MaxPool1d(3, 2, 1), (2, 3, 9)),
    ("max1d dilated ceil", lambda: nn.MaxPool1d(3, 2, 1, dilation=2, ceil_mode=True),
     lambda T: T.MaxPool1d(3, 2, 1, dilation=2, ceil_mode=True), (2, 3, 10)),
    ("max1d indices unbatched", lambda: nn.MaxPool1d(2, return_indices=True),
     lambda T: T.MaxPool1d(2, return_indices=True), (3, 8)),
    ("avg1d", lambda: nn.AvgPool1d(3, 2, 1), lambda T: T.AvgPool1d(3, 2, 1), (2, 3, 9)),
    ("avg1d ceil no pad count",
     lambda: nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False),
     lambda T: T.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 10)),
    ("adaptive avg1d", lambda: nn.AdaptiveAvgPool1d(4), lambda T: T.AdaptiveAvgPool1d(4),
     (2, 3, 10)),
    ("max2d indices", lambda: nn.MaxPool2d(2, 2, return_indices=True),
     lambda T: T.MaxPool2d(2, 2, return_indices=True), (2, 3, 6, 7)),
    ("max2d indices padded unbatched", lambda: nn.MaxPool2d(3, 2, 1, return_indices=True),
     lambda T: T.MaxPool2d(3, 2, 1, return_indices=True), (3, 7, 7)),
    ("adaptive max2d", lambda: nn.AdaptiveMaxPool2d((3, 4)),
     lambda T: T.AdaptiveMaxPool2d((3, 4)), (2, 3, 7, 9)),
    ("adaptive max2d indices unbatched", lambda: nn.AdaptiveMaxPool2d(5, return_indices=True),
     lambda T: T.AdaptiveMaxPool2d(5, return_indices=True), (3, 7, 6)),
    ("adaptive max2d keeps an axis", lambda: nn.AdaptiveMaxPool2d((None, 2)),
     lambda T: T.AdaptiveMaxPool2d((None, 2)), (2, 3, 5, 5)),
    ("adaptive max1d indices", lambda: nn.AdaptiveMaxPool1d(4, True),
     lambda T: T.AdaptiveMaxPool1d(4, True), (2, 3, 10)),
]


@pytest.mark.parametrize(("ours", "theirs", "shape"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_matches_torch(ours: Callable[[], Any], theirs: Callable[[Any], Any],
                       shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = np.round(rng.standard_normal(shape))  # (many ties)
    xs, tx = am.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours()(xs), theirs(torch.nn)(tx)
    if isinstance(ty, tuple):
        y, idx = y
        ty, tidx = ty
        assert idx.dtype == np.int64
        np.testing.assert_array_equal(idx.data, tidx.numpy())
    g = rng.standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-12)
    assert xs.grad is not None and tx.grad is not None
    np.testing.assert_allclose(xs.grad.data, tx.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("output_size", [None, (7, 7)])
def test_max_unpool_puts_values_back_as_torch(output_size: Any) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 6))
    y, idx = nn.MaxPool2d(2, 2, return_indices=True)(x)
    _, tidx = torch.nn.MaxPool2d(2, 2, return_indices=True)(torch.tensor(x))
    ys, tys = am.Tensor(y.data, requires_grad=True), torch.tensor(y.data, requires_grad=True)
    u = nn.MaxUnpool2d(2, 2)(ys, idx, output_size)
    tu = torch.nn.MaxUnpool2d(2, 2)(tys, tidx, output_size)
    g = rng.standard_normal(u.shape)
    u.backward(g)
    tu.backward(torch.tensor(g))
    np.testing.assert_array_equal(u.data, tu.detach().numpy())
    assert ys.grad is not None and tys.grad is not None
    np.testing.assert_array_equal(ys.grad.data, tys.grad.numpy())


def test_unpool_and_1d_arguments_are_checked() -> None:
    x = np.ones((1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"max_unpool2d: indices must lie in \[0, 16\)"):
        nn.MaxUnpool2d(2)(x, np.full((1, 1, 2, 2), 16))
    with pytest.raises(ValueError, match=r"max_unpool2d: input .* and integer indices of "
                                         r"its shape"):
        nn.MaxUnpool2d(2)(x, np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match=r"max_pool1d: input must be 3-d \(N, C, L\) or 2-d"):
        nn.MaxPool1d(2)(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="AvgPool1d: padding 2 must be at most half"):
        nn.AvgPool1d(3, padding=2)
    y = nn.MaxPool1d(2)(np.ones((2, 3, 6), dtype=np.float32))
    assert y.dtype == np.float32 and y.shape == (2, 3, 3)


def test_adaptive_max_pool_of_an_empty_batch_and_float32() -> None:
    y, idx = nn.AdaptiveMaxPool2d(2, return_indices=True)(np.zeros((0, 3, 4, 4)))
    assert y.shape == idx.shape == (0, 3, 2, 2)
    y = nn.functional.adaptive_max_pool2d(np.ones((1, 2, 5, 5), np.float32), 3)
    assert y.dtype == np.float32 and y.shape == (1, 2, 3, 3)
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: input of shape .* is empty"):
        nn.functional.adaptive_max_pool2d(np.ones((1, 2, 0, 5)), 3)


def test_max_unpool_of_overlapping_windows_writes_once_as_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.array([[[[1.0, 2, 3], [4, 9, 5], [6, 7, 8]]]])  # 9 wins all four windows
    y, idx = nn.MaxPool2d(2, 1, return_indices=True)(x)
    ty, tidx = torch.nn.MaxPool2d(2, 1, return_indices=True)(torch.tensor(x))
    ys, tys = am.Tensor(y.data, requires_grad=True), ty.detach().requires_grad_(True)
    u, tu = nn.MaxUnpool2d(2, 1)(ys, idx), torch.nn.MaxUnpool2d(2, 1)(tys, tidx)
    np.testing.assert_array_equal(u.data, tu.detach().numpy())  # 9 there, not 36
    g = np.arange(9.0).reshape(1, 1, 3, 3)
    u.backward(g)
    tu.backward(torch.tensor(g))
    assert ys.grad is not None and tys.grad is not None
    np.testing.assert_array_equal(ys.grad.data, tys.grad.numpy())
    with pytest.raises(ValueError, match=r"max_unpool2d: output_size \(40, 40\) must lie within "
                                         r"the stride \(2, 2\) of the default \(4, 4\)"):
        nn.MaxUnpool2d(2)(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2, 2), dtype=np.int64),
                          output_size=(40, 40))


@pytest.mark.parametrize("pool", ["max2d", "max2d overlapping", "adaptive max2d", "max1d"])
def test_max_pooling_picks_the_last_nan_as_torch(pool: str) -> None:
    torch = pytest.importorskip("torch")
    x = np.array([[[[np.nan, 1, np.nan, 0], [2, np.nan, 3, 4], [0, 0, 0, 0],
                    [1, np.nan, 1, np.nan]]]])
    ours, theirs = {
        "max2d": (nn.MaxPool2d(2, return_indices=True),
                  torch.nn.MaxPool2d(2, return_indices=True)),
        "max2d overlapping": (nn.MaxPool2d(3, 1, 1, return_indices=True),
                              torch.nn.MaxPool2d(3, 1, 1, return_indices=True)),
        "adaptive max2d": (nn.AdaptiveMaxPool2d(3, True), torch.nn.AdaptiveMaxPool2d(3, True)),
        "max1d": (nn.MaxPool1d(3, 1, return_indices=True),
                  torch.nn.MaxPool1d(3, 1, return_indices=True)),
    }[pool]
    if pool == "max1d":
        x = x.reshape(1, 4, 4)
    (y, idx), (ty, tidx) = ours(x), theirs(torch.tensor(x))
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    np.testing.assert_array_equal(y.data, ty.numpy())


@pytest.mark.parametrize(("shape", "out"), [((1, 1, 4), 2), ((1, 1, 5), 3), ((2, 6, 6), (4, 3)),
                                            ((2, 1, 7, 9), (3, 4)), ((1, 2, 5, 5), 1)])
def test_adaptive_average_keeps_an_inf_in_its_own_window(shape: tuple[int, ...],
                                                         out: Any) -> None:
    """(Averaging matrices gave NaN beside an inf: 0 · inf.)"""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal(shape)
    x.flat[2] = np.inf
    x.flat[-1] = np.nan
    ours = nn.AdaptiveAvgPool1d(out) if len(shape) == 3 and isinstance(out, int) and \
        shape[0] == 1 else nn.AdaptiveAvgPool2d(out)
    theirs = (torch.nn.AdaptiveAvgPool1d(out) if isinstance(ours, nn.AdaptiveAvgPool1d)
              else torch.nn.AdaptiveAvgPool2d(out))
    xs, tx = am.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xs), theirs(tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, equal_nan=True)
    g = np.ones(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    assert xs.grad is not None and tx.grad is not None
    np.testing.assert_allclose(xs.grad.data, tx.grad.numpy(), rtol=1e-12)
