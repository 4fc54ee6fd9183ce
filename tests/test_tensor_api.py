"""The Tensor surface: construction, attributes, conversion, operators on both sides, indexing."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor


def test_construction_and_dtypes() -> None:
    assert Tensor(1.5).dtype == np.float64
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert Tensor([1, 2]).dtype.kind == "i"
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    src = np.ones(3)
    t = Tensor(src)
    src[0] = 5
    assert t.data[0] == 1  # copied, as torch.tensor does


@pytest.mark.parametrize("bad", [[[1, 2], [3]], np.array(["a"]), np.array([1 + 2j]), {"a": 1}])
def test_bad_data_is_a_clear_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="Tensor"):
        Tensor(bad)


def test_attributes() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="x")
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.is_leaf and x.name == "x"
    assert x.T.shape == (3, 2) and not x.T.is_leaf
    assert len(x) == 2
    assert Tensor(3.0).item() == 3.0 and float(Tensor([2.0])) == 2.0
    with pytest.warns(UserWarning, match="drops its gradient"):  # (as PyTorch refuses)
        np.testing.assert_array_equal(np.asarray(x), x.data)
    np.testing.assert_array_equal(np.asarray(x.detach()), x.data)
    assert x.numpy() is x.data
    assert "requires_grad=True" in repr(x) and "grad_fn=mul" in repr(x * 2)
    with pytest.raises(ValueError, match="exactly 1"):
        x.item()


@pytest.mark.parametrize(
    "expr, ref",
    [
        (lambda t: t + 2, lambda a: a + 2),
        (lambda t: 2 + t, lambda a: 2 + a),
        (lambda t: t - 2, lambda a: a - 2),
        (lambda t: 2 - t, lambda a: 2 - a),
        (lambda t: t * 3, lambda a: a * 3),
        (lambda t: 3 * t, lambda a: 3 * a),
        (lambda t: t / 4, lambda a: a / 4),
        (lambda t: 4 / t, lambda a: 4 / a),
        (lambda t: t**2, lambda a: a**2),
        (lambda t: 2**t, lambda a: 2**a),
        (lambda t: -t, lambda a: -a),
        (lambda t: np.ones((2, 3)) + t, lambda a: 1 + a),
        (lambda t: t * np.arange(3.0), lambda a: a * np.arange(3.0)),
        (lambda t: np.arange(3.0) - t, lambda a: np.arange(3.0) - a),
        (lambda t: t @ np.ones((3, 2)), lambda a: a @ np.ones((3, 2))),
        (lambda t: np.ones((4, 2)) @ t, lambda a: np.ones((4, 2)) @ a),
        (lambda t: abs(t), np.abs),
    ],
)
def test_operators_both_sides(expr: object, ref: object) -> None:
    a = np.array([[1.0, -2.0, 3.0], [0.5, 1.5, -0.25]])
    out = expr(Tensor(a, requires_grad=True))  # type: ignore[operator]
    assert isinstance(out, Tensor) and out.requires_grad
    np.testing.assert_allclose(out.data, ref(a))  # type: ignore[operator]


def test_scalar_operand_keeps_float32() -> None:
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    for y in (x * 2.5, 2.5 - x, x / 3, x**2, 1 + x):
        assert y.dtype == np.float32


def test_indexing_forward_and_gradient() -> None:
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    y = x[1:, ::2].sum() + x[[0, 0, 2], [1, 1, 3]].sum()
    y = y + x[x.data > 9].sum() + x[..., None][0].sum()
    y.backward()
    expected = np.zeros((3, 4))
    expected[1:, ::2] += 1
    expected[0, 1] += 2  # repeated index accumulates
    expected[2, 3] += 1
    expected[x.data > 9] += 1
    expected[0] += 1
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, expected)


def test_index_errors_are_clear() -> None:
    x = Tensor(np.ones((2, 2)))
    with pytest.raises(IndexError, match="getitem"):
        x[5]
    with pytest.raises(IndexError, match="float"):
        x[np.array([0.5])]


def test_comparisons_are_constant_masks() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = x > 1.5
    assert m.dtype == bool and not m.requires_grad
    np.testing.assert_array_equal((x == 2.0).data, [False, True, False])


def test_requires_grad_off_on_non_leaf_refused() -> None:
    y = Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad = False


def test_grad_setter_checks_shape() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match="shape"):
        x.grad = Tensor(np.ones(2))
    x.grad = np.ones(3)
    assert isinstance(x.grad, Tensor)


def test_factories() -> None:
    rng = np.random.default_rng(0)
    assert am.zeros(2, 3).shape == (2, 3) and am.ones((2,)).data.sum() == 2
    a = am.randn(3, rng=np.random.default_rng(1))
    b = am.randn(3, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a.data, b.data)
    assert am.rand(2, 2, rng=rng, dtype=np.float32).dtype == np.float32
    assert am.zeros_like(a).shape == (3,) and am.ones_like(a).data.sum() == 3
    with pytest.raises(ValueError, match="non-negative"):
        am.zeros(-1)
    with pytest.raises(TypeError, match="Generator"):
        am.randn(2, rng=42)  # type: ignore[arg-type]
