"""float16 through the variance and GELU's tanh form: computed in float32 inside, as PyTorch
does, since (x − μ)² and x² overflow float16 from 256. They gave all-zero normalised outputs
and gradients, an infinite std, and NaN gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as NF

V = np.array([[300.0, -300.0, 10.0, 0.0], [1.0, 2.0, 3.0, 4.0]])
G = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.0, 2.0]])


def _both(f: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """f's value and the gradient of Σ G·f at V, in float16 and in float64."""
    out = []
    for dtype in (np.float16, np.float64):
        x = am.Tensor(V.astype(dtype), requires_grad=True)
        y = f(x)
        (y * am.Tensor(G.astype(dtype)[:, :y.shape[-1]])).sum().backward()
        assert y.dtype == dtype and x.grad is not None and x.grad.dtype == dtype
        out += [y.data.astype(np.float64), x.grad.data.astype(np.float64)]
    return out[0], out[1], out[2], out[3]


@pytest.mark.parametrize("f", [
    lambda x: am.std(x, axis=1, keepdims=True),
    lambda x: am.var(x, axis=1, keepdims=True, ddof=1) * 1e-3,
    lambda x: NF.layer_norm(x, 4),
], ids=["std", "var", "layer_norm"])
def test_moments_of_a_wide_spread_in_float16(f: Any) -> None:
    y16, g16, y64, g64 = _both(f)
    assert np.isfinite(y16).all() and np.isfinite(g16).all()
    np.testing.assert_allclose(y16, y64, rtol=2e-3, atol=1e-3)
    np.testing.assert_allclose(g16, g64, rtol=2e-2, atol=2e-3)


@pytest.mark.parametrize("make", [lambda: nn.LayerNorm(4), lambda: nn.BatchNorm1d(4),
                                  lambda: nn.GroupNorm(2, 4), lambda: nn.InstanceNorm1d(2)])
def test_norm_layers_in_float16_match_float64(make: Any) -> None:
    ref, half = make(), make().to(np.float16)
    x = V if not isinstance(ref, nn.InstanceNorm1d) else V.reshape(1, 2, 4)
    want = ref(am.Tensor(x)).data
    got = half(am.Tensor(x.astype(np.float16)))
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.data, want, rtol=2e-3, atol=2e-3)
    for name in ("running_mean", "running_var"):
        if getattr(half, name, None) is not None:
            assert np.isfinite(getattr(half, name).data).all()


def test_gelu_tanh_gradient_in_float16_at_large_inputs() -> None:
    v = np.array([-300.0, -20.0, -1.0, 0.0, 1.0, 20.0, 300.0])
    grads = []
    for dtype in (np.float16, np.float64):
        x = am.Tensor(v.astype(dtype), requires_grad=True)
        am.gelu(x, approximate="tanh").sum().backward()
        assert x.grad is not None and x.grad.dtype == dtype
        grads.append(x.grad.data.astype(np.float64))
    np.testing.assert_allclose(grads[0], grads[1], rtol=2e-3, atol=1e-3)


@pytest.mark.parametrize("make", [lambda: nn.BatchNorm1d(4), lambda: nn.InstanceNorm1d(
    4, track_running_stats=True)], ids=["batch", "instance"])
def test_running_statistics_of_a_variance_past_float16_as_float64(make: Any) -> None:
    """The batch variance (about 9e4 here) was cast to float16 before the running update:
    running_var became inf, and eval mode gave zeros. PyTorch updates it in float32."""
    x = (np.random.default_rng(0).standard_normal((8, 4, 3)) * 300)
    ref, half = make(), make().to(np.float16)
    for m, v in ((ref, x), (half, x.astype(np.float16))):
        m(am.Tensor(v if isinstance(m, nn.InstanceNorm1d) else v[:, :, 0]))
    np.testing.assert_allclose(half.running_var.data, ref.running_var.data, rtol=2e-3)
    ref.eval()
    half.eval()
    v = x if isinstance(ref, nn.InstanceNorm1d) else x[:, :, 0]
    np.testing.assert_allclose(half(am.Tensor(v.astype(np.float16))).data,
                               ref(am.Tensor(v)).data, rtol=1e-2, atol=1e-2)


def test_gelu_tanh_second_order_in_float16_at_large_inputs() -> None:
    """The recorded VJP (create_graph=True) squared float16 x too: NaN from |x| = 256."""
    v = np.array([-300.0, -1.0, 1.0, 300.0])
    grads = []
    for dtype in (np.float16, np.float64):
        x = am.Tensor(v.astype(dtype), requires_grad=True)
        am.gelu(x, approximate="tanh").sum().backward(create_graph=True)
        assert x.grad is not None and x.grad.dtype == dtype
        grads.append(x.grad.data.astype(np.float64))
    np.testing.assert_allclose(grads[0], grads[1], rtol=2e-3, atol=1e-3)


def test_exact_gelu_in_float16_keeps_the_negative_tails_digits() -> None:
    """Φ was computed in float16: 5–100 % relative error for x in about (−4.5, −3)."""
    v = np.array([-4.5, -4.0, -3.5, -3.0, -1.0, 2.0])
    got = am.gelu(am.Tensor(v.astype(np.float16))).data
    want = am.gelu(am.Tensor(v.astype(np.float16).astype(np.float64))).data
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=2e-3, atol=1e-7)  # (subnormals)
