"""Error messages for the known traps, detect_anomaly's creation sites, and reproductions of
problems in code outside this suite's reach (strict xfail: they pass once fixed)."""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini import Tensor
from autograd_mini.engine import Primitive, apply


def leaf(*shape: int) -> Tensor:
    return Tensor(np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape), requires_grad=True)


def _line_of(marker: str) -> int:
    """The line number in this file of the line ending with ``# <marker>``."""
    lines = inspect.getsource(inspect.getmodule(_line_of)).splitlines()  # type: ignore[arg-type]
    return next(i + 1 for i, text in enumerate(lines) if text.rstrip().endswith(f"# {marker}"))


# ----------------------------------------------------------------------------- the traps
def test_second_backward_through_a_shared_freed_subgraph_names_that_op() -> None:
    x = leaf(3)
    h = am.exp(x)
    a, b = h.sum(), (h * 2.0).sum()
    a.backward()  # frees exp's saved output; b's own nodes are still alive
    with pytest.raises(RuntimeError, match=r"through 'exp'.*retain_graph=True"):
        b.backward()


def test_a_wrong_vjp_shape_is_caught_centrally_and_names_the_op() -> None:
    def fwd(a: Any) -> tuple[Any, None]:
        return a * 2.0, None

    def vjp(g: Any, saved: Any, needs: Any) -> tuple[Any, ...]:
        return (np.ones(7),)  # wrong on purpose: neither the shape nor broadcastable to it

    broken = Primitive("broken_double", fwd, vjp)  # not registered: a private op
    x = leaf(2, 3)
    y = apply(broken, x)
    with pytest.raises(RuntimeError, match=r"'broken_double'.*\(7,\).*\(2, 3\)"):
        y.sum().backward()
    assert x.grad is None  # an error part-way changes no gradient


def test_broadcast_mismatch_in_a_layer_names_the_layer_and_shapes() -> None:
    with pytest.raises(ValueError, match=r"Linear\(3, 2\).*\(4, 5\)"):
        nn.Linear(3, 2, rng=np.random.default_rng(0))(Tensor(np.ones((4, 5))))


def test_creation_site_is_recorded_only_under_detect_anomaly() -> None:
    x = leaf(2)
    fast = am.exp(x)
    assert fast.grad_fn is not None and fast.grad_fn.where is None  # no stack walk by default
    with am.detect_anomaly():
        slow = am.exp(x)  # creation-site
    where = slow.grad_fn.where if slow.grad_fn is not None else None
    assert where is not None and where.startswith(__file__)
    assert f":{_line_of('creation-site')} in " in where and "am.exp(x)" in where


def test_anomaly_error_names_op_and_creation_line() -> None:
    x = Tensor([1.0, 0.0], requires_grad=True)
    logs = am.log(x)  # -inf is allowed outside detect_anomaly
    with am.detect_anomaly(), pytest.raises(am.AnomalyError) as info:
        logs * 0.0  # nan-site
    msg = str(info.value)
    assert "'mul'" in msg and f"{__file__}:{_line_of('nan-site')}" in msg


def test_non_scalar_backward_names_the_op() -> None:
    with pytest.raises(RuntimeError, match=r"scalar.*'mul'|'mul'.*scalar"):
        (leaf(3) * 2.0).backward()


def test_wrong_seed_shape_names_the_op() -> None:
    with pytest.raises(RuntimeError, match=r"'exp'"):
        am.exp(leaf(3)).backward(np.ones(2))


def test_second_backward_under_anomaly_names_the_creation_site() -> None:
    x = leaf(2)
    with am.detect_anomaly():
        y = am.exp(x).sum()  # freed-site
        y.backward()
        with pytest.raises(RuntimeError, match=rf":{_line_of('freed-site')}\b"):
            y.backward()


def test_anomaly_site_of_a_layer_op_is_the_users_line() -> None:
    model = nn.Linear(2, 1, rng=np.random.default_rng(0))
    with am.detect_anomaly():
        y = model(Tensor([[1.0, 2.0]]))  # layer-site
    assert y.grad_fn is not None and f":{_line_of('layer-site')} " in str(y.grad_fn.where)


def test_integer_data_asked_for_gradients_is_a_type_error_everywhere() -> None:
    ints = np.arange(3)
    makers: list[Callable[[], Any]] = [
        lambda: Tensor(ints, requires_grad=True), lambda: am.tensor([1, 2], requires_grad=True),
        lambda: am.zeros(2, dtype=np.int64, requires_grad=True),
        lambda: am.ones_like(ints, requires_grad=True), lambda: nn.Parameter(ints),
        lambda: Tensor([True, False]).requires_grad_(),
        lambda: nn.Linear(2, 2, dtype=np.int32),
    ]
    for make in makers:
        with pytest.raises(TypeError, match=r"floating|dtype"):
            make()
    with pytest.raises(TypeError, match="floating"):
        optim.SGD([Tensor(ints)], lr=0.1)
    g = am.grad(lambda t: (t * t).sum())(ints)  # function transforms differentiate in float64
    assert g.dtype == np.float64 and g.data.tolist() == [0.0, 2.0, 4.0]


# ----------------------------------------------------------------------------- reproductions
def clear_refusal(fn: Callable[..., Any], *args: Any, name: str, **kwargs: Any) -> None:
    """``fn`` must refuse with TypeError/ValueError/IndexError naming ``name``, warning-free."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises((TypeError, ValueError, IndexError)) as info:
            fn(*args, **kwargs)
    assert re.search(rf"\b{re.escape(name)}\b", str(info.value)), str(info.value)


def test_softmax_refuses_axis_none_and_empty() -> None:
    clear_refusal(am.softmax, leaf(2, 3), axis=None, name="softmax")
    clear_refusal(am.log_softmax, leaf(2, 3), axis=(), name="log_softmax")


def test_reductions_refuse_float_axis() -> None:
    clear_refusal(am.sum, leaf(2, 3), axis=1.5, name="sum")


def test_reductions_validate_keepdims_and_ddof() -> None:
    clear_refusal(am.sum, leaf(2, 3), keepdims=None, name="sum")
    clear_refusal(am.var, leaf(2, 3), ddof="a", name="var")
    clear_refusal(am.var, leaf(2, 3), ddof=True, name="var")


def test_float_functions_of_bool_tensors() -> None:
    for fn in (am.sigmoid, am.softplus, am.log_sigmoid, am.softmax, am.logsumexp):
        try:
            out = fn(Tensor([True, False]))
        except TypeError as exc:
            assert fn.__name__ in str(exc)
        else:
            assert out.dtype.kind == "f"


def test_unary_composites_name_themselves() -> None:
    clear_refusal(am.neg, None, name="neg")
    clear_refusal(am.square, "abc", name="square")


def test_softmax_cross_entropy_names_itself_for_a_ragged_target() -> None:
    clear_refusal(am.softmax_cross_entropy, leaf(2, 3), [1, [2, 3]],
                  name="softmax_cross_entropy")


def test_clip_validates_its_bounds() -> None:
    clear_refusal(am.clip, leaf(3), "abc", name="clip")
    clear_refusal(am.clip, leaf(3), 1 + 2j, name="clip")
    clear_refusal(am.clip, leaf(3), np.zeros(2), np.ones(2), name="clip")


def test_leaky_relu_validates_its_slope() -> None:
    clear_refusal(am.leaky_relu, leaf(3), [1, [2, 3]], name="leaky_relu")


def test_accuracy_validates_its_arguments() -> None:
    clear_refusal(am.accuracy, [1, [2, 3]], [1, 0], name="accuracy")
    clear_refusal(am.accuracy, Tensor(np.zeros(0)), [], name="accuracy")


def test_fit_and_evaluate_validate_their_arguments() -> None:
    x = leaf(2)
    batches = [(x, x)]

    def loss(a: Tensor, b: Tensor) -> Tensor:
        return ((a - b) ** 2).sum()

    clear_refusal(am.fit, lambda t: t, batches, loss, None, name="fit")
    clear_refusal(am.evaluate, None, None, None, name="evaluate")


def test_explain_backward_names_itself() -> None:
    clear_refusal(am.explain_backward, None, name="explain_backward")
    clear_refusal(am.explain_backward, leaf(2) * 2, grad="abc", name="explain_backward")


def test_draw_graph_validates_its_options() -> None:
    y = (leaf(2) * 2).sum()
    clear_refusal(am.draw_graph, y, names=True, name="names")
    clear_refusal(am.backprop_steps, y, by=np.array([1, 2]), name="by")


def test_set_grad_enabled_wants_a_bool() -> None:
    clear_refusal(am.set_grad_enabled, "no", name="set_grad_enabled")
    clear_refusal(am.set_grad_enabled, np.array([1, 2]), name="set_grad_enabled")
