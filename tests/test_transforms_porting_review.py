"""torch.func habits the transforms meet: parameters passed as a tuple, list or dict (and a
nested transform reaching through one), ``has_aux``, ``Tensor.backward(inputs=...)`` for
``torch.autograd.grad(loss, [w])``, and the hints for torch.func's other names."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor

A, B = np.array([1.0, 2.0]), np.array([3.0, 4.0])


def _f(p: Any) -> Tensor:
    return (p[0] * p[0] * p[1]).sum()  # Σ a² b


def test_a_tuple_of_parameters_gets_a_tuple_of_gradients_and_keeps_the_graph() -> None:
    """A tuple was stacked into one array through ``__array__``: its Tensors lost their graph,
    so a nested derivative came out 0 ([0, 0] for torch's [6, 8])."""
    nested = am.grad(lambda s: am.grad(_f)((s, Tensor(B)))[0].sum())(A)
    np.testing.assert_allclose(nested.data, 2 * B)  # d/ds Σ 2 s b
    w1, w2 = Tensor(A, requires_grad=True), Tensor(B, requires_grad=True)
    g = am.grad(_f)((w1, w2))
    assert isinstance(g, tuple) and len(g) == 2
    np.testing.assert_allclose(g[0].data, 2 * A * B)
    np.testing.assert_allclose(g[1].data, A * A)
    (g[0] ** 2).sum().backward()  # recorded: a closure's weights reach the outer pass
    np.testing.assert_allclose(w1.grad.data, 8 * A * B * B)  # type: ignore[union-attr]
    np.testing.assert_allclose(w2.grad.data, 8 * A * A * B)  # type: ignore[union-attr]
    uneven = am.grad(_f)([A, np.array([3.0])])
    assert isinstance(uneven, list)
    np.testing.assert_allclose(uneven[1].data, [5.0])


def test_dicts_and_named_tuples_keep_their_form_and_numbers_stay_one_array() -> None:
    d = am.grad(lambda p: (p["w"] * p["b"]).sum())({"w": A, "b": B})
    assert list(d) == ["w", "b"]
    np.testing.assert_allclose(d["w"].data, B)
    P = namedtuple("P", "w b")
    n = am.grad(lambda p: (p.w * p.b).sum())(P(A, B))
    assert isinstance(n, P)
    np.testing.assert_allclose(n.b.data, A)
    flat = am.grad(lambda x: (x ** 2).sum())([1.0, 2.0])  # a list of numbers: one array
    assert isinstance(flat, Tensor)
    np.testing.assert_allclose(flat.data, [2.0, 4.0])
    value, grads = am.value_and_grad(_f, argnums=(0,))((A, B))
    assert value.item() == pytest.approx(19.0) and isinstance(grads[0], tuple)


@pytest.mark.parametrize("call", [lambda: am.jacobian(lambda p: p[0] * p[1])((A, B)),
                                  lambda: am.hvp(_f, (A, B), (A, B))])
def test_jacobian_and_hvp_refuse_a_container_clearly(call: Any) -> None:
    with pytest.raises(TypeError, match="differentiates one array, got a tuple"):
        call()


def test_has_aux_as_torch_func() -> None:
    torch = pytest.importorskip("torch")
    from torch import func

    def f(x: Any) -> tuple[Any, Any]:
        return (x ** 3).sum(), x.mean()

    g, aux = am.grad(f, has_aux=True)(A)
    tg, taux = func.grad(f, has_aux=True)(torch.tensor(A))
    np.testing.assert_allclose(g.data, tg.numpy())
    assert aux.item() == pytest.approx(taux.item()) and not aux.requires_grad
    (value, aux2), g2 = am.value_and_grad(f, has_aux=True)(A)
    assert value.item() == pytest.approx(9.0) and aux2.item() == pytest.approx(1.5)
    np.testing.assert_allclose(g2.data, g.data)
    jac, aux3 = am.jacobian(lambda x: (x ** 2, {"s": x.sum()}), has_aux=True)(A)
    np.testing.assert_allclose(jac.data, np.diag(2 * A))
    assert aux3["s"].item() == pytest.approx(3.0)
    with pytest.raises(TypeError, match="grad: with has_aux=True the function must return a "
                                        "pair"):
        am.grad(lambda x: (x ** 2).sum(), has_aux=True)(A)
    with pytest.raises(TypeError, match="has_aux must be True or False"):
        am.value_and_grad(f, has_aux=1)  # type: ignore[arg-type]


def test_backward_with_inputs_fills_only_those_grads_as_torch() -> None:
    """``backward(inputs=...)`` was a bare TypeError, though ``am.grad(loss, [w])``'s error
    sends PyTorch users to ``loss.backward()``: without it every weight's .grad was filled."""
    torch = pytest.importorskip("torch")
    x, w = Tensor(np.array([0.5, -1.0]), requires_grad=True), Tensor(B, requires_grad=True)
    tx = torch.tensor([0.5, -1.0], requires_grad=True)
    tw = torch.tensor(B, requires_grad=True)
    (x * w).sum().backward(inputs=[x])
    (tx * tw).sum().backward(inputs=[tx])
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())  # type: ignore[union-attr]
    assert w.grad is None and tw.grad is None
    (x * w).sum().backward(inputs=[x, x])  # named twice: its share once, as torch
    np.testing.assert_allclose(x.grad.data, 2 * B)  # type: ignore[union-attr]
    h = x * w
    (h * 2).sum().backward(inputs=h)  # a non-leaf, given alone
    np.testing.assert_allclose(h.grad.data, [2.0, 2.0])  # type: ignore[union-attr]
    z = Tensor(np.ones(1), requires_grad=True)
    (x * w).sum().backward(inputs=[z])  # not reached: left as it was
    assert z.grad is None
    x.grad = None
    (x * x).sum().backward(create_graph=True, inputs=[x])  # a gradient penalty's first pass
    gx = x.grad
    assert gx is not None and gx.requires_grad and w.grad is None
    with pytest.raises(ValueError, match="backward: inputs is empty"):
        (x * w).sum().backward(inputs=[])
    with pytest.raises(RuntimeError, match=r"inputs\[0\] does not require grad"):
        (x * w).sum().backward(inputs=[Tensor(np.ones(2))])
    with pytest.raises(TypeError, match=r"loss.backward\(inputs=\[w\]\)"):
        am.grad((x * w).sum(), [w])


@pytest.mark.parametrize(("name", "ours"), [("jacrev", "jacobian"), ("jacfwd", "jacobian"),
                                            ("vjp", "backward"), ("func", "grad"),
                                            ("vmap", "broadcast")])
def test_torch_func_names_point_to_ours(name: str, ours: str) -> None:
    with pytest.raises(AttributeError, match=f"{name}.*a PyTorch name.*{ours}"):
        getattr(am, name)


def test_backward_with_inputs_copies_the_callers_gradient_and_fills_retained_tensors() -> None:
    """The caller's seed became ``.grad`` itself (``x + 0``): a later change of it, or
    clipping the gradient, wrote through; a ``retain_grad()`` tensor on the way got None where
    torch fills it."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    seed = np.ones(2)
    (x + 0.0).backward(seed, inputs=[x])
    seed[0] = 99.0
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])  # type: ignore[union-attr]
    x.grad = None
    recorded = Tensor(np.ones(2))
    (x + 0.0).backward(recorded, inputs=[x], create_graph=True)
    assert x.grad is not recorded
    w = Tensor(B, requires_grad=True)
    h = x * w
    h.retain_grad()
    am.sum(h * h).backward(inputs=[w])
    np.testing.assert_allclose(h.grad.data, 2 * A * B)  # type: ignore[union-attr]
    np.testing.assert_allclose(w.grad.data, 2 * A * A * B)  # type: ignore[union-attr]


@pytest.mark.parametrize(("value", "where", "kind"), [({"w": A, "n": 3}, r"\['n'\]", "int"),
                                                       ((A, None), r"\[1\]", "NoneType"),
                                                       ([(A, "s")], r"\[0\]\[1\]", "str")])
def test_a_container_entry_that_is_not_an_array_is_named(value: Any, where: str,
                                                         kind: str) -> None:
    """An int in a dict of parameters became a float variable with a gradient of its own."""
    with pytest.raises(TypeError, match=f"grad: the argument's entry {where} is a {kind}"):
        am.grad(lambda p: am.sum(A))(value)
    got = am.grad(lambda p: (p["w"] * p["lr"]).sum())({"w": A, "lr": 0.5})  # a float is one
    np.testing.assert_allclose(got["lr"].data, A.sum())


def test_hessian_and_hvp_name_themselves_for_a_container() -> None:
    with pytest.raises(TypeError, match=r"^hessian: differentiates one array.*argnums"):
        am.hessian(lambda p: (p[0] * p[1]).sum())((A, B))
    with pytest.raises(TypeError, match=r"^hvp: differentiates one array, got a tuple of them: "
                                        "concatenate them$"):
        am.hvp(lambda x: x.sum(), (A, B), (A, B))
