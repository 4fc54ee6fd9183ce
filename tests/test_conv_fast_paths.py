"""The convolution routes taken with one channel per group or one output channel per group
(depthwise convs, a one-channel signal, grouped and transposed convs), checked against a
float64 NumPy reference (``np.einsum`` over a sliding-window view): values and both
gradients, for a random upstream gradient and for the zero-stride broadcast that ``.sum()``
hands down, in float32 and float64.

- ``_windows`` lays its columns out tap-major when each group has one input channel;
- ``_corr_dx`` adds ȳ times each tap's weight, without a matmul, when each group has one
  output channel (an outer product that np.matmul would run outside BLAS);
- ``_dw_from_cols`` makes a zero-stride ȳ contiguous before its matmul.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import autograd_mini as am
from autograd_mini import Tensor
from nn.conv import conv1d, conv2d
from nn.conv_transpose import conv_transpose1d, conv_transpose2d

RNG = np.random.default_rng
Pair = tuple[int, int]
#: relative to the reference's largest magnitude
TOL = {np.float32: 2e-5, np.float64: 1e-12}


# --- the reference: conv2d and its two gradients in float64, straight from the sums --------

def _windows(xp: np.ndarray, k: Pair, s: Pair, d: Pair) -> np.ndarray:
    """(N, C, OH, OW, KH, KW): xp[n, c, s·h + d·i, s·w + d·j]"""
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    v = sliding_window_view(xp, span, axis=(2, 3))
    return v[:, :, ::s[0], ::s[1], ::d[0], ::d[1]]


def _grouped(a: np.ndarray, groups: int) -> np.ndarray:
    """Axis 1 split into (groups, size / groups)."""
    return a.reshape(a.shape[0], groups, a.shape[1] // groups, *a.shape[2:])


def _grouped_w(w: np.ndarray, groups: int) -> np.ndarray:
    """w (O, C/G, KH, KW) as (G, O/G, C/G, KH, KW) in float64."""
    return w.astype(np.float64).reshape(groups, w.shape[0] // groups, *w.shape[1:])


def ref_conv(x: np.ndarray, w: np.ndarray, s: Pair, p: Pair, d: Pair, groups: int) -> np.ndarray:
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    v = _grouped(_windows(xp, w.shape[2:], s, d), groups)
    y = np.einsum("ngchwij,gocij->ngohw", v, _grouped_w(w, groups))
    return y.reshape(y.shape[0], -1, *y.shape[3:])


def ref_conv_dw(x: np.ndarray, g: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair,
                groups: int) -> np.ndarray:
    """w̄ of ⟨g, conv(x, w)⟩"""
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    v = _grouped(_windows(xp, k, s, d), groups)
    gw = np.einsum("ngchwij,ngohw->gocij", v, _grouped(g.astype(np.float64), groups))
    return gw.reshape(-1, *gw.shape[2:])


def ref_conv_dx(g: np.ndarray, w: np.ndarray, hw: Pair, s: Pair, p: Pair, d: Pair,
                groups: int) -> np.ndarray:
    """x̄ (N, C, H, W) of ⟨g, conv(x, w)⟩: each tap's ȳ·w scattered back, the padding cropped."""
    n, _, oh, ow = g.shape
    wg = _grouped_w(w, groups)
    gg = _grouped(g.astype(np.float64), groups)
    out = np.zeros((n, groups, w.shape[1], hw[0] + 2 * p[0], hw[1] + 2 * p[1]))
    for i in range(w.shape[2]):
        for j in range(w.shape[3]):
            rows = slice(d[0] * i, d[0] * i + s[0] * (oh - 1) + 1, s[0])
            cols = slice(d[1] * j, d[1] * j + s[1] * (ow - 1) + 1, s[1])
            out[:, :, :, rows, cols] += np.einsum("ngohw,goc->ngchw", gg, wg[..., i, j])
    out = out[:, :, :, p[0]:p[0] + hw[0], p[1]:p[1] + hw[1]]
    return out.reshape(n, -1, *hw)


def _check(got: Any, ref: np.ndarray, dtype: Any) -> None:
    got = got.data if isinstance(got, Tensor) else got
    assert got.dtype == dtype
    assert got.shape == ref.shape
    scale = max(float(np.abs(ref).max()), 1.0)
    np.testing.assert_allclose(got, ref, rtol=0, atol=TOL[dtype] * scale)


def _upstream(kind: str, y: Tensor, rng: np.random.Generator) -> tuple[Tensor, np.ndarray]:
    """The loss to call backward on and its gradient in y: ``y.sum()`` (whose VJP hands a
    zero-stride broadcast down) or ⟨r, y⟩ for a random r."""
    if kind == "sum":
        return y.sum(), np.ones(y.shape)
    r = rng.normal(size=y.shape).astype(y.dtype)
    return (y * r).sum(), r


# --- conv2d / conv1d ------------------------------------------------------------------------

CONV2D_CASES = [
    # (N, C, H, W), (O, C/G, KH, KW), groups, stride, padding, dilation
    pytest.param((3, 8, 9, 10), (8, 1, 3, 3), 8, (1, 1), (1, 1), (1, 1), id="depthwise"),
    pytest.param((2, 6, 11, 9), (6, 1, 3, 2), 6, (2, 1), (1, 0), (1, 2), id="depthwise-strided"),
    pytest.param((2, 4, 8, 8), (8, 1, 3, 3), 4, (1, 1), (1, 1), (1, 1), id="depth-multiplier-2"),
    pytest.param((2, 6, 8, 9), (3, 2, 3, 3), 3, (1, 1), (0, 1), (1, 1), id="one-out-per-group"),
    pytest.param((2, 8, 7, 9), (8, 2, 3, 3), 4, (1, 2), (1, 1), (2, 1), id="grouped"),
    pytest.param((4, 1, 12, 12), (5, 1, 3, 3), 1, (2, 2), (1, 1), (1, 1), id="one-input-channel"),
    pytest.param((3, 1, 10, 10), (1, 1, 4, 3), 1, (1, 1), (2, 1), (1, 1), id="one-to-one-channel"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("upstream", ["sum", "random"])
@pytest.mark.parametrize(("xs", "ws", "groups", "s", "p", "d"), CONV2D_CASES)
def test_conv2d_values_and_gradients(xs: Any, ws: Any, groups: int, s: Pair, p: Pair, d: Pair,
                                     upstream: str, dtype: Any) -> None:
    rng = RNG(sum(xs) + sum(ws) + groups)
    x, w = rng.normal(size=xs).astype(dtype), rng.normal(size=ws).astype(dtype)
    xa, wa = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = conv2d(xa, wa, stride=s, padding=p, dilation=d, groups=groups)
    _check(y, ref_conv(x, w, s, p, d, groups), dtype)
    loss, g = _upstream(upstream, y, rng)
    loss.backward()
    _check(xa.grad, ref_conv_dx(g, w, xs[2:], s, p, d, groups), dtype)
    _check(wa.grad, ref_conv_dw(x, g, ws[2:], s, p, d, groups), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("upstream", ["sum", "random"])
@pytest.mark.parametrize(("n", "c", "o", "groups"), [(1, 1, 1, 1), (2, 1, 1, 1), (2, 3, 3, 3)])
def test_conv1d_of_a_long_signal(n: int, c: int, o: int, groups: int, upstream: str,
                                 dtype: Any) -> None:
    rng = RNG(n + c)
    length, k = 6000, 31
    x = rng.normal(size=(n, c, length)).astype(dtype)
    w = rng.normal(size=(o, c // groups, k)).astype(dtype)
    xa, wa = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = conv1d(xa, wa, padding=15, groups=groups)
    x4, w4 = x[:, :, None], w[:, :, None]
    one, pad = (1, 1), (0, 15)
    _check(y, ref_conv(x4, w4, one, pad, one, groups)[:, :, 0], dtype)
    loss, g = _upstream(upstream, y, rng)
    loss.backward()
    g4 = g[:, :, None]
    _check(xa.grad, ref_conv_dx(g4, w4, (1, length), one, pad, one, groups)[:, :, 0], dtype)
    _check(wa.grad, ref_conv_dw(x4, g4, (1, k), one, pad, one, groups)[:, :, 0], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_broadcast_upstream_gives_the_gradients_of_the_same_values_held_contiguously(
        dtype: Any) -> None:
    """``.sum()``'s zero-stride ȳ is made contiguous, never summed another way: bit for bit
    the gradients of ⟨1, y⟩ with the ones in a real array."""
    rng = RNG(5)
    for call, xs, ws in [
            (lambda x, w: conv2d(x, w, padding=1, groups=8), (4, 8, 12, 12), (8, 1, 3, 3)),
            (lambda x, w: conv1d(x, w, padding=15), (1, 1, 5000), (1, 1, 31))]:
        x, w = rng.normal(size=xs).astype(dtype), rng.normal(size=ws).astype(dtype)
        grads = []
        for broadcast in (True, False):
            xa, wa = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
            y = call(xa, wa)
            (y.sum() if broadcast else (y * np.ones(y.shape, dtype)).sum()).backward()
            assert xa.grad is not None and wa.grad is not None
            grads.append((xa.grad.data, wa.grad.data))
        np.testing.assert_array_equal(grads[0][0], grads[1][0])
        np.testing.assert_array_equal(grads[0][1], grads[1][1])


# --- transposed convolutions ----------------------------------------------------------------

def ref_conv_transpose(x: np.ndarray, w: np.ndarray, s: Pair, p: Pair, op: Pair, d: Pair,
                       groups: int) -> np.ndarray:
    """The adjoint in the input of conv2d with the same weight: its x̄ with ȳ = x."""
    h, wd = ((x.shape[2 + a] - 1) * s[a] - 2 * p[a] + d[a] * (w.shape[2 + a] - 1) + op[a] + 1
             for a in range(2))
    return ref_conv_dx(x, w, (h, wd), s, p, d, groups)


CONV_T_CASES = [
    # (N, C_in, H, W), (C_in, C_out/G, KH, KW), groups, stride, padding, output_padding, dilation
    pytest.param((2, 8, 6, 7), (8, 1, 3, 3), 8, (1, 1), (1, 1), (0, 0), (1, 1), id="depthwise"),
    pytest.param((2, 4, 5, 6), (4, 1, 3, 3), 4, (2, 2), (1, 0), (1, 1), (1, 1),
                 id="depthwise-strided-output-padding"),
    pytest.param((2, 6, 5, 5), (6, 1, 3, 2), 3, (1, 2), (0, 1), (0, 0), (2, 1),
                 id="one-out-channel-per-group"),
    pytest.param((2, 3, 6, 5), (3, 2, 3, 3), 3, (2, 1), (1, 1), (1, 0), (1, 1),
                 id="one-in-channel-per-group"),
    pytest.param((3, 4, 6, 6), (4, 3, 2, 3), 2, (1, 1), (0, 1), (0, 0), (1, 2), id="grouped"),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("upstream", ["sum", "random"])
@pytest.mark.parametrize(("xs", "ws", "groups", "s", "p", "op", "d"), CONV_T_CASES)
def test_conv_transpose2d_values_and_gradients(xs: Any, ws: Any, groups: int, s: Pair, p: Pair,
                                               op: Pair, d: Pair, upstream: str,
                                               dtype: Any) -> None:
    rng = RNG(sum(xs) + sum(ws))
    x, w = rng.normal(size=xs).astype(dtype), rng.normal(size=ws).astype(dtype)
    xa, wa = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = conv_transpose2d(xa, wa, stride=s, padding=p, output_padding=op, groups=groups,
                         dilation=d)
    _check(y, ref_conv_transpose(x, w, s, p, op, d, groups), dtype)
    loss, g = _upstream(upstream, y, rng)
    loss.backward()
    # y = conv2d's x̄ of (ȳ = x, w): so x̄ here is conv2d(g, w), w̄ conv2d's w̄ of (g, x)
    _check(xa.grad, ref_conv(g, w, s, p, d, groups), dtype)
    _check(wa.grad, ref_conv_dw(g, x, ws[2:], s, p, d, groups), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("upstream", ["sum", "random"])
def test_conv_transpose1d_of_a_long_one_channel_signal(upstream: str, dtype: Any) -> None:
    rng = RNG(7)
    x, w = rng.normal(size=(2, 1, 3000)).astype(dtype), rng.normal(size=(1, 1, 17)).astype(dtype)
    xa, wa = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = conv_transpose1d(xa, wa, stride=2, padding=8, output_padding=1)
    x4, w4 = x[:, :, None], w[:, :, None]
    s, p, op, one = (1, 2), (0, 8), (0, 1), (1, 1)
    _check(y, ref_conv_transpose(x4, w4, s, p, op, one, 1)[:, :, 0], dtype)
    loss, g = _upstream(upstream, y, rng)
    loss.backward()
    g4 = g[:, :, None]
    _check(xa.grad, ref_conv(g4, w4, s, p, one, 1)[:, :, 0], dtype)
    _check(wa.grad, ref_conv_dw(g4, x4, (1, 17), s, p, one, 1)[:, :, 0], dtype)


# --- second order through the same routes ---------------------------------------------------

@pytest.mark.parametrize("call", [
    pytest.param(lambda x, w: conv2d(x, w, stride=(2, 1), padding=1, groups=4), id="depthwise"),
    pytest.param(lambda x, w: conv_transpose2d(x, w, stride=2, padding=1, groups=4),
                 id="transposed-depthwise"),
])
def test_depthwise_gradcheck_and_gradgradcheck(call: Any) -> None:
    rng = RNG(11)
    x, w = rng.normal(size=(2, 4, 5, 4)), rng.normal(size=(4, 1, 3, 2))
    assert am.gradcheck(call, [x, w])
    assert am.gradgradcheck(lambda x, w: (call(x, w) ** 2).sum(), [x, w])
