"""Stumbling blocks a newcomer and an op reviewer met: dtypes of floating ops with integer
operands, silently dropped gradients, and errors that say what to do."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini.data import DataLoader

FLOATS = [np.float16, np.float32, np.float64]
OTHERS = [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64]


@pytest.mark.parametrize("name", ["arctan2", "hypot", "logaddexp"])
@pytest.mark.parametrize("f", FLOATS)
@pytest.mark.parametrize("i", OTHERS)
def test_floating_ops_promote_integer_operands_as_numpy(name: str, f: Any, i: Any) -> None:
    """float32 with int16 stays float32 (NumPy's promotion), with int32 becomes float64."""
    a, b = np.array([1.5, -2.0], f), np.array([3, 1], i)
    want = getattr(np, name)(a, b)
    for x, y in ((am.tensor(a), b), (b, am.tensor(a)), (a, am.tensor(b))):
        got = getattr(am, name)(x, y)
        assert got.dtype == want.dtype, (x, y)
    np.testing.assert_allclose(getattr(am, name)(am.tensor(a), b).data, want, rtol=1e-3)


def test_tensor_of_tensors_that_require_grad_warns() -> None:
    w = am.Tensor(2.0, requires_grad=True)
    with pytest.warns(UserWarning, match=r"drops their gradients.*autograd_mini\.stack"):
        am.Tensor([w * 2, w * 3])
    with pytest.warns(UserWarning, match="drops their gradients"):
        am.tensor((w, 1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        am.Tensor([w.detach() * 2, 1.0])  # constants: meant
        with am.no_grad():
            am.Tensor([w * 2])  # nothing recorded anyway
    with pytest.warns(UserWarning, match="drops their gradients") as seen:
        am.Tensor([[w * 2], [w]])  # nested: its first row is looked at
    assert seen[0].filename == __file__  # (the warning points at the caller's line)
    with pytest.warns(UserWarning, match="drops their gradients"):
        am.Tensor(w * 2)  # an op's result
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        am.Tensor(w)  # a leaf: a copy on purpose
        nn.Parameter(w * 2)  # a new leaf: what a Parameter is for
    loss = am.stack([w * 2, w * 3]).sum()  # what the warning says to write
    loss.backward()
    assert w.grad is not None and w.grad.item() == 5.0


def test_writing_into_a_parameter_a_live_graph_holds_says_so() -> None:
    p = am.Tensor(np.ones(3), requires_grad=True)
    y = (p * p).sum()
    y.backward(retain_graph=True)
    g = p.grad
    assert g is not None
    with pytest.raises(RuntimeError, match=r"p\.data -=.*a live graph saved it for backward"):
        p.data -= 0.1 * g
    np.testing.assert_array_equal(p.data, np.ones(3))
    del y
    p.data -= 0.1 * g
    np.testing.assert_allclose(p.data, np.full(3, 0.8))


@pytest.mark.parametrize("call", ["fit", "evaluate"])
def test_a_loss_class_without_its_parentheses_is_named(call: str) -> None:
    model = nn.Linear(2, 3)
    batches = DataLoader(np.zeros((4, 2)), np.zeros(4, dtype=np.int64), 2)
    args: tuple[Any, ...] = (model, batches, nn.CrossEntropyLoss)
    if call == "fit":
        args = (*args, optim.SGD(model.parameters(), 0.1))
    with pytest.raises(TypeError, match=rf"{call}: loss_fn is the class CrossEntropyLoss, not "
                                        r"an instance of it: pass CrossEntropyLoss\(\)"):
        getattr(am, call)(*args)
    with pytest.raises(TypeError, match=rf"{call}: model is the class Linear"):
        getattr(am, call)(nn.Linear, *args[1:])


@pytest.mark.parametrize(("name", "ours"), [
    ("save", "nn.save(model, path)"), ("load", "nn.load(model, path)"),
    ("float32", "np.float32"), ("autograd", "autograd_mini.grad(f)(x)"),
    ("cat", "autograd_mini.concatenate"), ("narrow", "autograd_mini.take or x[...]")])
def test_module_level_pytorch_names_say_ours(name: str, ours: str) -> None:
    with pytest.raises(AttributeError, match=re.escape(f"(a PyTorch name): use {ours}")):
        getattr(am, name)


@pytest.mark.parametrize(("name", "ours"), [
    ("mm", ".matmul"), ("bmm", ".matmul"), ("type", ".astype"), ("contiguous", "as it is"),
    ("device", "CPU"), ("detach_", ".detach()"), ("split", "autograd_mini.split")])
def test_tensor_pytorch_names_say_ours(name: str, ours: str) -> None:
    x = am.Tensor([1.0, 2.0])
    with pytest.raises(AttributeError, match=re.escape(f"has no attribute {name!r} (a PyTorch "
                                                       "name): use ") + ".*" + re.escape(ours)):
        getattr(x, name)
    assert not hasattr(x, name)


def test_numbers_and_truth_of_tensors_say_what_to_do() -> None:
    v = am.Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"ambiguous: use \.any\(\) or \.all\(\)"):
        bool(v)
    with pytest.raises(TypeError, match=r"float\(\): only a one-element tensor .* shape \(2,\)"):
        float(v)
    with pytest.raises(TypeError, match=r"int\(\): only a one-element tensor"):
        int(v)
    assert float(am.Tensor([[2.5]])) == 2.5 and int(am.Tensor(3.9)) == 3


def test_grad_of_a_tensor_names_pytorchs_autograd_grad() -> None:
    w = am.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError,
                       match=r"grad: f must be a function .*loss\.backward\(inputs=\[w\]\)"):
        am.grad((w * w).sum(), [w])  # type: ignore[arg-type, list-item]


def test_history_prints_the_last_epoch_not_every_step() -> None:
    model = nn.Linear(2, 2)
    rng = np.random.default_rng(0)
    data = DataLoader(rng.standard_normal((64, 2)), rng.integers(0, 2, 64), 2)
    hist = am.fit(model, data, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), 0.1),
                  epochs=3, metrics={"accuracy": am.accuracy}, progress=False)
    text = repr(hist)
    assert text.startswith("History(epochs=3, loss=") and "steps=96" in text
    assert "'accuracy'" in text and len(text) < 120
