"""nn.init: in-place, seeded initialisers with PyTorch's fans and gains."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import nn
from autograd_mini import Tensor
from nn import init

RNG = np.random.default_rng


def _t(*shape: int, dtype: Any = np.float64) -> Tensor:
    return Tensor(np.zeros(shape, dtype=dtype))


def test_fills_in_place_and_is_seeded() -> None:
    t = _t(300, 200)
    arr = t.data
    assert init.xavier_uniform_(t, rng=RNG(0)) is t
    assert t.data is arr and np.any(arr != 0)
    again = init.xavier_uniform_(_t(300, 200), rng=RNG(0))
    np.testing.assert_array_equal(again.data, arr)
    other = init.xavier_uniform_(_t(300, 200), rng=RNG(1))
    assert not np.array_equal(other.data, arr)
    p = nn.Parameter(np.zeros((3, 2), dtype=np.float32))
    init.normal_(p, rng=RNG(0))
    assert p.dtype == np.float32 and p.requires_grad


@pytest.mark.parametrize(
    ("fn", "kwargs", "std"),
    [
        (init.xavier_uniform_, {}, math.sqrt(2 / 500)),
        (init.xavier_normal_, {"gain": 2.0}, 2 * math.sqrt(2 / 500)),
        (init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(2 / 200)),
        (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / 300)),
        (init.kaiming_normal_, {"a": 0.5}, math.sqrt(2 / 1.25 / 200)),
        (init.normal_, {"mean": 0.0, "std": 0.3}, 0.3),
        (init.uniform_, {"a": -1.0, "b": 1.0}, math.sqrt(1 / 3)),
    ],
)
def test_distribution_scale(fn: Any, kwargs: dict[str, Any], std: float) -> None:
    t = fn(_t(300, 200), rng=RNG(0), **kwargs)
    assert abs(t.data.std() / std - 1) < 0.02
    assert abs(t.data.mean()) < 0.02 * std * 10


def test_uniform_bounds_and_constants() -> None:
    t = init.xavier_uniform_(_t(30, 20), rng=RNG(0))
    assert np.abs(t.data).max() <= math.sqrt(6 / 50)
    k = init.he_uniform_(_t(30, 20), nonlinearity="relu", rng=RNG(0))
    assert np.abs(k.data).max() <= math.sqrt(6 / 20)
    assert np.all(init.ones_(_t(2, 2)).data == 1)
    assert np.all(init.zeros_(init.ones_(_t(2, 2))).data == 0)
    assert np.all(init.constant_(_t(3), 0.25).data == 0.25)
    conv = init.xavier_normal_(_t(8, 4, 3, 3), rng=RNG(0))  # fans include the receptive field
    assert abs(conv.data.std() / math.sqrt(2 / (36 + 72)) - 1) < 0.1
    assert init.glorot_uniform_ is init.xavier_uniform_ and init.he_normal_ is init.kaiming_normal_
    raw = np.zeros((4, 4))
    assert init.normal_(raw, rng=RNG(0)) is raw and np.any(raw != 0)


def test_gains() -> None:
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))
    with pytest.raises(ValueError, match=r"unsupported.*known: conv1d"):
        init.calculate_gain("swish")


def test_gains_of_pytorchs_layer_names_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for name in ("linear", "sigmoid", "tanh", "relu", "selu", "leaky_relu",
                 "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d"):
        assert init.calculate_gain(name) == pytest.approx(
            torch.nn.init.calculate_gain(name), rel=1e-15), name
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2), rel=1e-15)


def test_errors() -> None:
    with pytest.raises(ValueError, match="at least 2 dims"):
        init.xavier_uniform_(_t(5))
    with pytest.raises(TypeError, match="floating"):
        init.normal_(Tensor(np.zeros(3, dtype=np.int64)))
    with pytest.raises(TypeError, match="Generator"):
        init.normal_(_t(3), rng=np.random.RandomState(0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(_t(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="a <= b"):
        init.uniform_(_t(3), 1.0, 0.0)
    with pytest.raises(TypeError, match="Tensor or an ndarray"):
        init.zeros_([1.0, 2.0])  # type: ignore[type-var]
