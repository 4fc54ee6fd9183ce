"""A list or tuple holding tensors that require grad, given where an op takes an array, is
refused while gradients are recorded: made into a constant array it would silently drop those
tensors' gradients (PyTorch refuses a list there too)."""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn

Triple = collections.namedtuple("Triple", "a b c")


class Rows(list):
    """A list subclass."""


MESSAGE = "holding tensors that require grad.*silently drop their gradients.*stack"


def _losses() -> list[am.Tensor]:
    w = am.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    return [(w * k).sum() for k in (1.0, 2.0, 3.0)]


def _objects(*items: object) -> np.ndarray:
    """An object array holding ``items`` themselves (filled one by one: NumPy's conversion of
    a list would read each Tensor's values, which warns for one that requires grad)."""
    arr = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        arr[i] = item
    return arr


CALLS: dict[str, Callable[[list[am.Tensor]], Any]] = {
    "mean": lambda ls: am.mean(ls),
    "sum": lambda ls: am.sum(ls),
    "exp": lambda ls: am.exp(ls),
    "max": lambda ls: am.max(ls),
    "logsumexp": lambda ls: am.logsumexp(ls),
    "softmax": lambda ls: am.softmax(ls),
    "mul": lambda ls: am.Tensor(np.ones(3), requires_grad=True) * ls,
    "rmul": lambda ls: ls * am.Tensor(np.ones(3), requires_grad=True),
    "tuple": lambda ls: am.mean(tuple(ls)),
    "nested": lambda ls: am.sum([ls, ls]),
    "nested_later_row": lambda ls: am.add(am.Tensor(np.ones(3), requires_grad=True),
                                          [[1.0, 2.0, 3.0], ls]),
    "deep": lambda ls: am.sum([[[1.0, 2.0, 3.0]], [ls]]),
    "namedtuple": lambda ls: am.sum(Triple(*ls)),
    "list_subclass": lambda ls: am.sum(Rows(ls)),
    "deque": lambda ls: am.sum(collections.deque(ls)),
    "object_array": lambda ls: am.sum(_objects(*ls, 1.0)[:3]),
    "namedtuple_in_a_list": lambda ls: am.sum([Triple(*ls)]),
    "Linear": lambda ls: nn.Linear(3, 1)(ls),
    "mse_loss": lambda ls: nn.functional.mse_loss(ls, np.zeros(3)),
    "mse_loss_target": lambda ls: nn.functional.mse_loss(
        am.Tensor(np.ones(3), requires_grad=True), ls),
    "l1_loss_target": lambda ls: nn.functional.l1_loss(
        am.Tensor(np.ones(3), requires_grad=True), ls),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_list_of_graph_tensors_is_refused(name: str) -> None:
    losses = _losses()
    with pytest.raises(TypeError, match=MESSAGE):
        CALLS[name](losses)


def test_the_error_names_the_op() -> None:
    with pytest.raises(TypeError, match=r"^mean: got a list"):
        am.mean(_losses())


def test_leaves_that_require_grad_are_refused_too() -> None:
    a = am.Tensor(1.0, requires_grad=True)
    b = am.Tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match=MESSAGE):
        am.sum([a, b])


def test_stack_keeps_the_gradients_the_list_would_drop() -> None:
    w = am.Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    am.stack([(w * k).sum() for k in (1.0, 2.0, 3.0)]).mean().backward()
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, np.full(3, 2.0), rtol=0, atol=1e-15)


def test_lists_of_numbers_and_of_constant_tensors_still_work() -> None:
    assert am.mean([1.0, 2.0, 4.0]).item() == pytest.approx(7 / 3)
    assert am.sum([am.Tensor(1.0), am.Tensor(3.0)]).item() == 4.0
    w = am.Tensor(np.ones(2), requires_grad=True)
    (w * [2.0, 3.0]).sum().backward()
    assert w.grad is not None
    np.testing.assert_array_equal(w.grad.data, [2.0, 3.0])


def test_detached_tensors_in_a_list_are_constants() -> None:
    ls = [t.detach() for t in _losses()]
    assert am.mean(ls).item() == pytest.approx(np.mean([t.item() for t in ls]))


def test_under_no_grad_a_list_is_converted_as_before() -> None:
    ls = _losses()
    with am.no_grad():
        out = am.mean(ls)
    assert out.item() == pytest.approx(np.mean([t.item() for t in ls]))
    assert not out.requires_grad


def test_item_assignment_of_such_a_list_is_refused_as_of_such_a_tensor() -> None:
    x = am.zeros(3)
    with pytest.raises(RuntimeError, match=r"x\[\.\.\.\] = value is not recorded"):
        x[0:3] = _losses()
    np.testing.assert_array_equal(x.data, np.zeros(3))  # nothing written
    x[0:2] = [1.0, am.Tensor(2.0)]  # numbers and constants: written, as before
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 0.0])


def test_a_list_holding_itself_is_refused_by_the_conversion_not_scanned_forever() -> None:
    looped: list[Any] = [1.0]
    looped.append(looped)
    with pytest.raises(TypeError, match="cannot make a numeric array"):
        am.Tensor(looped)
    with pytest.raises(TypeError, match="cannot make a numeric array"):
        am.Tensor(np.ones(2), requires_grad=True) * looped


def test_an_object_array_assigned_into_a_tensor_is_refused() -> None:
    s = am.Tensor(2.0, requires_grad=True)
    y = am.zeros(2)
    with pytest.raises(RuntimeError, match="is not recorded"):
        y[:2] = _objects(s, s)
