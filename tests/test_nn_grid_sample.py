"""F.affine_grid and F.grid_sample against PyTorch's: values and gradients (input, grid, theta)
over modes, padding modes, align_corners, 2-d and 3-d, grids far outside [−1, 1], exact
integer pixel positions (the one-sided bilinear gradient), identity maps, empty batches,
non-finite grids; gradcheck and gradgradcheck; float32 kept; error messages."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import autograd_mini as am
import nn.functional as F
from nn.grid_sample import MODES, PADDING_MODES


def _close(actual: np.ndarray, desired: np.ndarray) -> None:
    """Equal to rounding (float64)."""
    np.testing.assert_allclose(actual, desired, atol=1e-12, rtol=1e-12)


def _pair(a: np.ndarray, grid: np.ndarray) -> tuple[am.Tensor, am.Tensor]:
    return am.Tensor(a, requires_grad=True), am.Tensor(grid, requires_grad=True)


def _against_torch(a: np.ndarray, grid: np.ndarray, mode: str, padding: str, align: bool,
                   rng: np.random.Generator) -> None:
    """Values and both gradients (random upstream gradient) equal PyTorch's."""
    torch = pytest.importorskip("torch")
    x, g = _pair(a, grid)
    y = F.grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=align)
    tx = torch.tensor(a, requires_grad=True)
    tg = torch.tensor(grid, requires_grad=True)
    ty = torch.nn.functional.grid_sample(tx, tg, mode=mode, padding_mode=padding,
                                         align_corners=align)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    up = rng.standard_normal(y.shape)
    y.backward(up)
    ty.backward(torch.tensor(up))
    _close(y.data, ty.detach().numpy())
    assert x.grad is not None and g.grad is not None
    _close(x.grad.data, tx.grad.numpy())
    _close(g.grad.data, tg.grad.numpy())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding", PADDING_MODES)
@pytest.mark.parametrize("align", [False, True])
def test_2d_matches_torch(mode: str, padding: str, align: bool) -> None:
    rng = np.random.default_rng(0)
    for shape, out, spread in (((2, 3, 5, 6), (4, 7), 1.2), ((1, 2, 4, 3), (5, 2), 4.0),
                               ((2, 1, 1, 4), (3, 3), 2.0), ((1, 2, 3, 3), (2, 2), 1000.0)):
        grid = rng.uniform(-spread, spread, (shape[0], *out, 2))
        _against_torch(rng.standard_normal(shape), grid, mode, padding, align, rng)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding", PADDING_MODES)
@pytest.mark.parametrize("align", [False, True])
def test_3d_matches_torch(mode: str, padding: str, align: bool) -> None:
    rng = np.random.default_rng(1)
    for shape, out, spread in (((2, 2, 3, 4, 5), (2, 3, 4), 1.3),
                               ((1, 1, 2, 1, 3), (3, 1, 2), 5.0)):
        grid = rng.uniform(-spread, spread, (shape[0], *out, 3))
        _against_torch(rng.standard_normal(shape), grid, mode, padding, align, rng)


def _normalised(p: np.ndarray, n: int, align: bool) -> np.ndarray:
    """Grid values whose pixel position is exactly p (p dyadic, n a power of two)."""
    return p * 2 / (n - 1) - 1 if align else (2 * p + 1) / n - 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding", PADDING_MODES)
@pytest.mark.parametrize("align", [False, True])
def test_exact_pixel_positions(mode: str, padding: str, align: bool) -> None:
    """Positions on whole pixels (where the bilinear gradient w.r.t. the grid jumps: both
    sides use the cell to the right, as PyTorch), on the edges (the padding's gradient is 0
    there), beyond them, and half-way (nearest's ties go to the even pixel)."""
    rng = np.random.default_rng(2)
    h, w = (5, 4) if align else (4, 4)  # n − 1 (align) or n a power of two: exact grids
    px = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 3.5, 4.0])
    py = np.array([0.0, 1.0, 2.5, 4.0 if align else 3.0, -2.0])
    gx = _normalised(px, w, align)
    gy = _normalised(py, h, align)
    grid = np.stack(np.broadcast_arrays(gx[None, :], gy[:, None]), axis=-1)[None]
    _against_torch(rng.standard_normal((1, 2, h, w)), grid, mode, padding, align, rng)


def test_one_sided_gradient_at_a_whole_pixel() -> None:
    """At pixel position exactly 1 the grid gradient is the right-hand slope x[2] − x[1]
    (times dp/dg), not the left one."""
    x, g = _pair(np.array([[[[0.0, 1.0, 5.0]]]]), np.array([[[[0.0, -1.0]]]]))
    F.grid_sample(x, g, align_corners=True).sum().backward()
    assert g.grad is not None
    np.testing.assert_allclose(g.grad.data[0, 0, 0], [(5.0 - 1.0) * 1.0, 0.0])


def test_nearest_grid_gradient_is_zero_not_missing() -> None:
    x, g = _pair(np.ones((1, 1, 2, 2)), np.full((1, 1, 1, 2), 0.3))
    F.grid_sample(x, g, mode="nearest").sum().backward()
    assert g.grad is not None and np.array_equal(g.grad.data, np.zeros((1, 1, 1, 2)))


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 1, 6), (2, 2, 3, 4, 5), (1, 1, 7, 2, 1)])
@pytest.mark.parametrize("align", [False, True])
def test_affine_grid_matches_torch(size: tuple[int, ...], align: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    d = len(size) - 2
    theta = rng.standard_normal((size[0], d, d + 1))
    t = am.Tensor(theta, requires_grad=True)
    grid = F.affine_grid(t, size, align_corners=align)
    tt = torch.tensor(theta, requires_grad=True)
    with warnings.catch_warnings():  # (torch warns about unit sizes with align_corners)
        warnings.simplefilter("ignore", UserWarning)
        tgrid = torch.nn.functional.affine_grid(tt, list(size), align_corners=align)
    assert grid.shape == (size[0], *size[2:], d) == tuple(tgrid.shape)
    up = rng.standard_normal(grid.shape)
    grid.backward(up)
    tgrid.backward(torch.tensor(up))
    np.testing.assert_allclose(grid.data, tgrid.detach().numpy(), atol=1e-15)
    assert t.grad is not None
    np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("align", [False, True])
def test_affine_then_sample_matches_torch(align: bool) -> None:
    """The spatial transformer: gradients reach θ through both functions."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 3, 6, 5))
    theta = np.eye(2, 3) + 0.3 * rng.standard_normal((2, 2, 3))
    t, x = am.Tensor(theta, requires_grad=True), am.Tensor(a, requires_grad=True)
    y = F.grid_sample(x, F.affine_grid(t, (2, 3, 4, 7), align_corners=align),
                      align_corners=align, padding_mode="border")
    tt, tx = torch.tensor(theta, requires_grad=True), torch.tensor(a, requires_grad=True)
    tf = torch.nn.functional
    ty = tf.grid_sample(tx, tf.affine_grid(tt, [2, 3, 4, 7], align_corners=align),
                        align_corners=align, padding_mode="border")
    up = rng.standard_normal(y.shape)
    y.backward(up)
    ty.backward(torch.tensor(up))
    _close(y.data, ty.detach().numpy())
    assert t.grad is not None and x.grad is not None
    np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), atol=1e-11)
    _close(x.grad.data, tx.grad.numpy())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("align", [True, False])
def test_identity_theta_gives_back_the_input(mode: str, align: bool) -> None:
    """Identity θ: with align_corners=True the grid hits the pixels' centres exactly; with
    False too (its base positions are the pixel centres (2i + 1)/n − 1), so both give the
    input back (bicubic as well: its weights at t = 0 are 0, 1, 0, 0)."""
    rng = np.random.default_rng(5)
    for size in ((2, 3, 4, 8), (1, 2, 3, 5)):
        a = rng.standard_normal(size)
        grid = F.affine_grid(np.tile(np.eye(2, 3), (size[0], 1, 1)), size, align_corners=align)
        y = F.grid_sample(a, grid, mode=mode, align_corners=align)
        np.testing.assert_allclose(y.data, a, atol=1e-15)
    v = rng.standard_normal((1, 2, 3, 4, 5))
    grid = F.affine_grid(np.eye(3, 4)[None], v.shape, align_corners=align)
    if mode != "bicubic":
        np.testing.assert_allclose(F.grid_sample(v, grid, mode, align_corners=align).data, v,
                                   atol=1e-15)


def test_empty_batches_and_outputs() -> None:
    for xs, gs in (((0, 3, 4, 4), (0, 2, 2, 2)), ((1, 3, 4, 4), (1, 0, 2, 2)),
                   ((1, 0, 4, 4), (1, 3, 2, 2)), ((0, 2, 3, 3, 3), (0, 1, 2, 2, 3))):
        for mode in ("bilinear", "nearest", "bicubic")[: 3 if len(xs) == 4 else 2]:
            x, g = _pair(np.ones(xs), np.zeros(gs))
            y = F.grid_sample(x, g, mode=mode)
            assert y.shape == (xs[0], xs[1], *gs[1:-1])
            y.backward(np.ones(y.shape))
            assert x.grad is not None and g.grad is not None
            assert x.grad.shape == xs and g.grad.shape == gs
            assert not x.grad.data.any() and not g.grad.data.any()
    t = am.Tensor(np.zeros((0, 2, 3)), requires_grad=True)
    grid = F.affine_grid(t, (0, 3, 4, 5))
    assert grid.shape == (0, 4, 5, 2)
    grid.sum().backward()
    assert t.grad is not None and t.grad.shape == (0, 2, 3)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding", PADDING_MODES)
def test_gradcheck_and_gradgradcheck(mode: str, padding: str) -> None:
    """Away from whole pixels and the edges, where the functions are smooth."""
    rng = np.random.default_rng(6)
    a = rng.standard_normal((1, 2, 3, 4))
    # pixel positions 0.2 … 2.8 (x) and 0.3 … 1.7 (y): no whole pixel, no half (nearest)
    px, py = rng.uniform(0.15, 0.35, 3) + np.array([0.0, 1.0, 2.0]), np.array([0.3, 1.3])
    grid = np.stack(np.broadcast_arrays(_normalised(px, 4, True)[None, :],
                                        _normalised(py, 3, True)[:, None]), axis=-1)[None]
    x, g = _pair(a, grid)

    def f(x: am.Tensor, g: am.Tensor) -> am.Tensor:
        return F.grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=True)

    assert am.gradcheck(f, [x, g])
    if mode != "nearest":  # nearest is piecewise constant in the grid
        assert am.gradgradcheck(f, [x, g])


def test_gradcheck_3d_and_affine() -> None:
    rng = np.random.default_rng(7)
    a = rng.standard_normal((1, 2, 2, 3, 3))
    theta = np.eye(3, 4)[None] * 0.8 + 0.05 * rng.standard_normal((1, 3, 4))
    x, t = am.Tensor(a, requires_grad=True), am.Tensor(theta, requires_grad=True)

    def f(x: am.Tensor, t: am.Tensor) -> am.Tensor:
        grid = F.affine_grid(t, (1, 2, 2, 2, 3), align_corners=False)
        return F.grid_sample(x, grid, padding_mode="reflection", align_corners=False)

    assert am.gradcheck(f, [x, t])
    assert am.gradgradcheck(f, [x, t])


@pytest.mark.parametrize("mode", MODES)
def test_float32_kept(mode: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    a = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    theta = (np.eye(2, 3) + 0.2 * rng.standard_normal((2, 2, 3))).astype(np.float32)
    x, t = am.Tensor(a, requires_grad=True), am.Tensor(theta, requires_grad=True)
    for padding in PADDING_MODES:
        grid = F.affine_grid(t, (2, 3, 6, 3))
        y = F.grid_sample(x, grid, mode=mode, padding_mode=padding)
        assert grid.dtype == y.dtype == np.float32
        ref = torch.nn.functional.grid_sample(torch.tensor(a), torch.tensor(grid.data), mode,
                                              padding, align_corners=False)
        np.testing.assert_allclose(y.data, ref.numpy(), atol=2e-6)
        x.grad = t.grad = None
        y.backward(np.ones(y.shape, np.float32))
        assert x.grad is not None and t.grad is not None
        assert x.grad.dtype == t.grad.dtype == np.float32


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_grid(value: float) -> None:
    """PyTorch's results where it has one: 'zeros' gives NaN (bilinear, bicubic) or 0
    (nearest), 'border' reads the edge at ±∞, bicubic gives NaN. Its bilinear 'border' with
    NaN and 'reflection' with NaN or ±∞ crash, its nearest ones read some pixel; these give
    NaN (only torch's cases that do not crash are run)."""
    torch = pytest.importorskip("torch")
    a = np.arange(12.0).reshape(1, 1, 3, 4)
    grid = np.array([[[[value, 0.0], [0.0, value], [0.5, 0.5]]]])
    nan = bool(np.isnan(value))
    cases = [(m, "zeros") for m in MODES] + [("bicubic", "border"), ("bicubic", "reflection")]
    own = [("bilinear", "reflection"), ("nearest", "reflection")]
    (own if nan else cases).extend([("bilinear", "border"), ("nearest", "border")])
    for mode, padding in cases:
        y = F.grid_sample(a, grid, mode=mode, padding_mode=padding)
        ref = torch.nn.functional.grid_sample(torch.tensor(a), torch.tensor(grid), mode,
                                              padding, align_corners=False)
        np.testing.assert_array_equal(y.data, ref.numpy())
    for mode, padding in own:
        y = F.grid_sample(a, grid, mode=mode, padding_mode=padding)
        assert np.isnan(y.data[..., :2]).all() and np.isfinite(y.data[..., 2]).all()


def test_errors() -> None:
    x, g = np.zeros((1, 2, 3, 4)), np.zeros((1, 2, 2, 2))
    cases: list[tuple[type[Exception], str, dict[str, object]]] = [
        (ValueError, "grid_sample: mode 'linear' is not supported", {"mode": "linear"}),
        (ValueError, "grid_sample: padding_mode 'edge' is not supported",
         {"padding_mode": "edge"}),
        (TypeError, "grid_sample: align_corners must be a bool", {"align_corners": 1}),
    ]
    for exc, match, kwargs in cases:
        with pytest.raises(exc, match=match):
            F.grid_sample(x, g, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"grid_sample: grid of shape \(2, 2, 2, 2\) does not "
                                         r"fit input of shape \(1, 2, 3, 4\): need \(1, H_out"):
        F.grid_sample(x, np.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match=r"grid of shape \(1, 2, 2, 3\) does not fit"):
        F.grid_sample(x, np.zeros((1, 2, 2, 3)))
    with pytest.raises(ValueError, match=r"grid_sample: input must be 4-d .* got shape \(2, 3\)"):
        F.grid_sample(np.zeros((2, 3)), g)
    with pytest.raises(ValueError, match=r"mode 'bicubic' needs a 4-d input, got shape "
                                         r"\(1, 1, 2, 2, 2\)"):
        F.grid_sample(np.zeros((1, 1, 2, 2, 2)), np.zeros((1, 1, 1, 1, 3)), mode="bicubic")
    with pytest.raises(TypeError, match=r"input \(float32\) and grid \(float64\) must have "
                                        "the same dtype"):
        F.grid_sample(x.astype(np.float32), g)
    with pytest.raises(TypeError, match="grid_sample: grid must be floating point, got dtype "
                                        "int64"):
        F.grid_sample(x, g.astype(np.int64))
    with pytest.raises(ValueError, match=r"input of shape \(1, 2, 0, 4\) has an empty spatial"):
        F.grid_sample(np.zeros((1, 2, 0, 4)), g)
    with pytest.raises(ValueError, match=r"affine_grid: theta of shape \(2, 2, 3\) does not "
                                         r"fit size \(1, 3, 4, 4\): need \(1, 2, 3\)"):
        F.affine_grid(np.zeros((2, 2, 3)), (1, 3, 4, 4))
    with pytest.raises(ValueError, match=r"affine_grid: theta of shape \(1, 2, 3\) does not "
                                         r"fit size \(1, 3, 2, 4, 4\): need \(1, 3, 4\)"):
        F.affine_grid(np.zeros((1, 2, 3)), (1, 3, 2, 4, 4))
    with pytest.raises(ValueError, match="affine_grid: size must be a list or tuple of 4"):
        F.affine_grid(np.zeros((1, 2, 3)), (1, 4, 4))
    with pytest.raises(ValueError, match=r"affine_grid: size \(1, 3, 0, 4\) must have"):
        F.affine_grid(np.zeros((1, 2, 3)), (1, 3, 0, 4))
    with pytest.raises(TypeError, match="affine_grid: theta must be floating point"):
        F.affine_grid(np.zeros((1, 2, 3), np.int64), (1, 3, 4, 4))


def test_large_grid_values_stay_quiet() -> None:
    """Grid values ±1000 (and 1e30) in every mode: no overflow warnings (warnings are
    errors here), finite results."""
    a = np.random.default_rng(9).standard_normal((1, 1, 3, 3))
    for mode, padding in itertools.product(MODES, PADDING_MODES):
        for big in (1000.0, -1000.0, 1e30):
            x, g = _pair(a, np.array([[[[big, 0.1], [0.2, big]]]]))
            y = F.grid_sample(x, g, mode=mode, padding_mode=padding)
            y.sum().backward()
            assert g.grad is not None and x.grad is not None
            assert np.isfinite(y.data).all() and np.isfinite(g.grad.data).all()
