"""A user's op that breaks the op API's promises in ways that used to go silently wrong: a
forward returning its input array itself, an input nested inside the residuals, a tensor that
requires grad given as a keyword attribute, and a NumPy function the library lacks inside a VJP
recorded for ``create_graph=True``. Each is refused naming the op and saying what to write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import optim
from autograd_mini import Tensor


@pytest.fixture
def ops() -> Iterator[list[str]]:
    """Names of the ops a test registers, removed from the registry afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        am.REGISTRY.pop(name, None)


def _op(ops: list[str], name: str, forward: Any, vjp: Any) -> Any:
    ops.append(name)
    return am.primitive(name, forward, vjp)


def test_a_forward_returning_its_input_itself_is_refused(ops: list[str]) -> None:
    """Before, the value shared the leaf's array: a later op saving it made the parameter
    read-only for good, and every optimizer step failed."""
    def ident(x: np.ndarray) -> Any:
        return x, None

    op = _op(ops, "t_ident", ident, lambda g, s, n: (g,))
    w = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"t_ident: forward returned its input 0 itself as its "
                       r"value; return a view \(x\[\.\.\.\]\) or a copy"):
        op(w)
    assert w.data.flags.writeable

    def view(x: np.ndarray) -> Any:  # what the message says to write: it trains
        return x[...], None

    op = _op(ops, "t_view", view, lambda g, s, n: (g,))
    opt = optim.SGD([w], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        (op(w) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(w.data, [0.32, -0.64, 1.28])


@pytest.mark.parametrize("nest", [lambda x: ((x,), "meta"), lambda x: ({"x": x},),
                                  lambda x: (1.0, [[x]])])
def test_an_input_nested_in_the_residuals_is_refused(ops: list[str], nest: Any) -> None:
    """A recorded VJP gets only the residual tuple's own items as Tensors: a nested input came
    as a constant, and second derivatives were silently zero."""
    def cube(x: np.ndarray) -> Any:
        return x ** 3, nest(x)

    op = _op(ops, "t_cube_nested", cube, lambda g, s, n: (3 * g,))
    with pytest.raises(TypeError, match="t_cube_nested: forward returned an input or its value "
                       r"inside a nested residual.*\(x, meta\) and not \(\(x,\), meta\)"):
        op(Tensor([0.5, -1.0, 2.0], requires_grad=True))


def test_flat_residuals_give_second_derivatives(ops: list[str]) -> None:
    def cube(x: np.ndarray) -> Any:
        return x ** 3, (x, "meta")

    op = _op(ops, "t_cube_flat", cube, lambda g, s, n: (3 * g * s[0] * s[0],))
    x0 = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(am.hessian(lambda t: op(t).sum())(x0), np.diag(6 * x0))


def test_a_keyword_tensor_that_requires_grad_is_refused(ops: list[str]) -> None:
    """Keyword arguments are constants: a tensor that requires grad there lost its gradient."""
    def power(x: np.ndarray, *, p: Any = 2.0) -> Any:
        return x ** float(p), x

    def power_vjp(g: Any, x: Any, needs: Any, *, p: Any = 2.0) -> Any:
        return (g * float(p) * x ** (float(p) - 1),)

    op = _op(ops, "t_power", power, power_vjp)
    x = Tensor([1.5, 2.0], requires_grad=True)
    p = Tensor(3.0, requires_grad=True)
    with pytest.raises(TypeError, match=r"t_power: the keyword argument p= is a tensor that "
                       r"requires grad.*positional inputs.*p=t\.detach\(\)"):
        op(x, p=p)
    assert x.data.flags.writeable  # the refused call locked nothing
    op(x, p=p.detach()).sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * x.data ** 2)  # type: ignore[union-attr]

    def uses_it(x: np.ndarray, *, p: Any = 2.0) -> Any:  # the tensor reaches the value
        return x ** p, x

    op = _op(ops, "t_power_tensor", uses_it, power_vjp)
    with pytest.raises(TypeError, match="t_power_tensor: the keyword argument p= is a tensor"):
        op(np.array([1.5, 2.0]), p=p)


def test_a_forward_reaching_a_global_tensor_is_refused(ops: list[str]) -> None:
    w = Tensor(2.0, requires_grad=True)

    def scaled(x: np.ndarray) -> Any:
        return x * w, None

    op = _op(ops, "t_global", scaled, lambda g, s, n: (2 * g,))
    with pytest.raises(TypeError, match="t_global: the forward computed a Tensor that requires "
                       "grad, from a tensor it did not get as an input"):
        op(np.ones(2))


def test_a_numpy_function_the_library_lacks_in_a_recorded_vjp_says_so(ops: list[str]) -> None:
    def sin(x: np.ndarray) -> Any:
        return np.sin(x), x

    def vjp(g: Any, x: Any, needs: Any) -> Any:
        return (g * np.cos(x) * np.sinc(0 * x),)

    op = _op(ops, "t_sin_sinc", sin, vjp)
    t = Tensor([0.3, 1.0], requires_grad=True)
    op(t).sum().backward()  # first order: the VJP runs on arrays
    np.testing.assert_allclose(t.grad.data, np.cos(t.data))  # type: ignore[union-attr]
    with pytest.raises(TypeError, match=r"np\.sinc in a VJP recorded for create_graph=True: the "
                       r"library has no 'sinc'.*write the VJP with operators"):
        op(t).sum().backward(create_graph=True)


@pytest.mark.parametrize("name", ["mean", "var", "std", "softmin", "meshgrid"])
def test_the_name_of_a_library_function_is_refused(name: str) -> None:
    """A user's op named as one of the library's composites made the per-op report list two
    rows of that name, and the test strategies drew the library's inputs for it."""
    def forward(x: np.ndarray) -> Any:
        return x * 2.0, None

    with pytest.raises(ValueError, match=f"primitive '{name}': the library has a function of "
                       f"that name \\(autograd_mini.{name}\\).*choose another name"):
        am.primitive(name, forward, lambda g, s, n: (2.0 * g,))
    assert name not in am.REGISTRY


def test_a_keyword_tensor_is_refused_when_no_input_requires_grad(ops: list[str]) -> None:
    """Refused only where a node was made: with constant inputs the output did not require
    grad and the keyword tensor's gradient was lost without a word."""
    def scaled(x: np.ndarray, scale: Any = 1.0) -> Any:
        return x * np.asarray(scale), None

    op = _op(ops, "t_scaled", scaled, lambda g, s, n, scale=1.0: (g * scale,))
    s = Tensor(2.5, requires_grad=True)
    with pytest.raises(TypeError, match=r"^t_scaled: the keyword argument scale= is a tensor"):
        op(Tensor(np.ones(3)), scale=s)
    with am.no_grad():  # nothing is recorded: a constant, as asked
        np.testing.assert_array_equal(op(Tensor(np.ones(3)), scale=s).data, [2.5, 2.5, 2.5])


def test_the_nested_residual_check_looks_at_arrays_once(ops: list[str]) -> None:
    """A Python int value equal to an int in the residuals (small ints are one object) was
    refused; a residual holding itself made the check loop for ever."""
    def length(x: np.ndarray) -> Any:
        return len(x), (x.shape,)

    op = _op(ops, "t_length", length, lambda g, s, n: (np.zeros(s[0]),))
    assert op(Tensor(np.arange(4.0))).item() == 4
    meta: dict[str, Any] = {"name": "m"}
    meta["parent"] = meta

    def sin(x: np.ndarray) -> Any:
        return np.sin(x), (x, meta)

    op = _op(ops, "t_self_ref", sin, lambda g, s, n: (g * np.cos(s[0]),))
    op(Tensor([1.0], requires_grad=True)).sum().backward()


def test_library_functions_making_constants_refuse_a_tensor_that_requires_grad() -> None:
    """pad's constant_values and full's fill_value read a tensor's values: its gradient was
    lost (PyTorch refuses a tensor there)."""
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    c = Tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match="pad: constant_values is a tensor that requires grad"):
        am.pad(x, 1, constant_values=c)
    for call, name in ((lambda: am.full((2, 2), c), "full: fill_value"),
                       (lambda: am.full_like(x, c), "full_like: fill_value"),
                       (lambda: am.linspace(c, 3.0, 4), "linspace: start")):
        with pytest.raises(TypeError, match=f"{name} is a tensor that requires grad"):
            call()
    np.testing.assert_array_equal(am.pad(x, 1, constant_values=c.detach()).data[0], [2, 2, 2, 2])
    with am.no_grad():
        assert am.full((2,), c).data.tolist() == [2.0, 2.0]
