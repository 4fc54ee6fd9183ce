"""Review fixes in nn: loss weights as buffers, BatchNorm on empty batches, the softmax
modules' default axis, ``linear`` with a 1-d weight and ``dropout``'s ``inplace``."""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nn
from autograd_mini import Tensor
from nn import functional as F

RNG = np.random.default_rng
DOCS = Path(__file__).resolve().parents[1] / "docs" / "nn.md"


# ----------------------------------------------------------------------------- loss weights
class _Model(nn.Module):
    """A model holding weighted criteria, as PyTorch code often does."""

    def __init__(self, w: Any, pw: Any) -> None:
        super().__init__()
        self.lin = nn.Linear(3, 3, rng=RNG(0))
        self.ce = nn.CrossEntropyLoss(weight=w)
        self.nll = nn.NLLLoss()  # no weight: no entry
        self.bce = nn.BCELoss(weight=w)
        self.logits = nn.BCEWithLogitsLoss(weight=w, pos_weight=pw)


def _torch_model(torch: Any) -> Any:
    tn = torch.nn
    model = tn.Module()
    model.lin = tn.Linear(3, 3, dtype=torch.float64)
    w = torch.ones(3, dtype=torch.float64)
    model.ce = tn.CrossEntropyLoss(weight=w.clone())
    model.nll = tn.NLLLoss()
    model.bce = tn.BCELoss(weight=w.clone())
    model.logits = tn.BCEWithLogitsLoss(weight=w.clone(), pos_weight=w.clone())
    return model


def test_weighted_losses_keep_their_weights_as_buffers() -> None:
    w, pw = np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 1.0])
    model = _Model(w, pw)
    sd = model.state_dict()
    assert list(sd) == ["lin.weight", "lin.bias", "ce.weight", "bce.weight", "logits.weight",
                        "logits.pos_weight"]  # PyTorch's names and order; None is no entry
    for key in ("ce.weight", "bce.weight", "logits.weight"):
        np.testing.assert_array_equal(sd[key], w)
    np.testing.assert_array_equal(sd["logits.pos_weight"], pw)
    assert [n for n, _ in model.named_buffers()] == list(sd)[2:]
    assert model.nll.weight is None and "weight" in model.nll._buffer_names
    w[0] = 100.0  # the loss holds a copy, as register_buffer's
    assert model.ce.weight[0] == 1.0
    # and the forward passes use the buffers
    x, t = RNG(1).normal(size=(4, 3)), np.array([0, 2, 1, 1])
    np.testing.assert_allclose(model.ce(x, t).item(), F.cross_entropy(
        x, t, weight=np.array([1.0, 2.0, 0.5])).item(), rtol=1e-15)
    model.ce.weight[...] = 1.0
    np.testing.assert_allclose(model.ce(x, t).item(), F.cross_entropy(x, t).item(), rtol=1e-15)


def test_weighted_loss_state_dict_loads_into_torch_and_back() -> None:
    torch = pytest.importorskip("torch")
    ours = _Model(np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 1.0]))
    ref = _torch_model(torch)
    assert list(ref.state_dict()) == list(ours.state_dict())
    ref.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()}, strict=True)
    np.testing.assert_array_equal(ref.logits.pos_weight.numpy(), [3.0, 1.0, 1.0])
    np.testing.assert_array_equal(ref.ce.weight.numpy(), [1.0, 2.0, 0.5])
    with torch.no_grad():
        ref.ce.weight.copy_(torch.tensor([0.25, 4.0, 1.0]))
    back = _Model(np.ones(3), np.ones(3))
    back.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()}, strict=True)
    np.testing.assert_array_equal(back.ce.weight, [0.25, 4.0, 1.0])
    x, t = RNG(2).normal(size=(5, 3)), np.array([0, 1, 2, 2, 1])
    np.testing.assert_allclose(back.ce(x, t).item(),
                               ref.ce(torch.tensor(x), torch.tensor(t)).item(), rtol=1e-12)


def test_weighted_loss_buffers_follow_dtype_casts() -> None:
    model = _Model([1, 2, 3], 2.0)  # an integer weight becomes floating, so casts reach it
    assert model.ce.weight.dtype == np.float64 and model.logits.pos_weight.shape == ()
    model.to(np.float32)
    for _, buf in model.named_buffers():
        assert buf.dtype == np.float32
    x = Tensor(RNG(3).normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    loss = model.ce(model.lin(x), np.array([0, 1, 2, 0])) + model.logits(x, np.ones((4, 3)))
    assert loss.dtype == np.float32
    model.double()
    assert all(buf.dtype == np.float64 for _, buf in model.named_buffers())
    w32 = np.array([1.0, 2.0, 3.0], np.float32)  # a float32 weight stays float32
    assert nn.NLLLoss(weight=w32).weight.dtype == np.float32
    assert nn.BCELoss(weight=w32).weight.dtype == np.float32


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_weighted_loss_buffers_are_saved_and_loaded(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"model{suffix}"
    nn.save(_Model(np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 1.0])), path)
    other = _Model(np.ones(3), np.ones(3))
    nn.load(other, path)
    np.testing.assert_array_equal(other.bce.weight, [1.0, 2.0, 0.5])
    np.testing.assert_array_equal(other.logits.pos_weight, [3.0, 1.0, 1.0])
    with pytest.raises(nn.CheckpointError, match="unexpected keys"):  # a model without them
        nn.load(_Model(None, None), path)


def test_a_learnable_binary_loss_weight_still_gets_its_gradient() -> None:
    w = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    loss = nn.BCEWithLogitsLoss(weight=w)
    assert loss.weight is w and "weight" in loss.state_dict()
    loss(np.zeros((2, 3)), np.ones((2, 3))).backward()
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, np.full(3, np.log(2.0) / 3))
    with pytest.raises(TypeError, match="BCELoss: weight: unsupported dtype"):
        nn.BCELoss(weight=np.array(["a"]))


# ----------------------------------------------------------------------------- BatchNorm
EMPTY = [(0, 3), (0, 3, 4), (2, 3, 0), (0, 3, 2, 2), (1, 3, 0, 0), (2, 3, 0, 5)]


@pytest.mark.parametrize("shape", EMPTY)
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_on_an_empty_batch_matches_torch(shape: tuple[int, ...],
                                                   momentum: float | None) -> None:
    torch = pytest.importorskip("torch")
    ours = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(3, momentum=momentum)
    ref = getattr(torch.nn, type(ours).__name__)(3, momentum=momentum, dtype=torch.float64)
    assert ours.running_mean is not None and ours.num_batches_tracked is not None
    ours.running_mean[...] = ref.running_mean.numpy()[...] = [0.5, -1.0, 2.0]
    x = Tensor(np.zeros(shape), requires_grad=True)
    xt = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mean of empty slice"
        y = ours(x)
        y.sum().backward()
    yt = ref(xt)
    yt.sum().backward()
    assert y.shape == tuple(yt.shape) == shape and x.grad is not None
    assert x.grad.shape == shape
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(ref, name).numpy())
    assert int(ours.num_batches_tracked) == 1
    for p, pt in ((ours.weight, ref.weight), (ours.bias, ref.bias)):
        assert p is not None and p.grad is not None  # zeros (sums over no values), as PyTorch
        np.testing.assert_array_equal(p.grad.data, pt.grad.numpy())
    ours.eval()  # and eval mode, with or without running statistics
    assert ours(np.zeros(shape)).shape == shape
    free = nn.BatchNorm1d(3, track_running_stats=False).eval()
    assert free(np.zeros((0, 3))).shape == (0, 3)


def test_batchnorm_still_refuses_exactly_one_value_per_channel() -> None:
    bn = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"BatchNorm2d: need more than 1 value per channel in "
                                         r"training, got input shape \(1, 3, 1, 1\)"):
        bn(np.zeros((1, 3, 1, 1)))
    with pytest.raises(ValueError, match="need more than 1 value"):
        nn.BatchNorm1d(3)(np.zeros((1, 3)))
    assert nn.BatchNorm1d(3)(np.zeros((0, 3))).shape == (0, 3)  # 0 values: no message
    assert nn.BatchNorm1d(3).eval()(np.zeros((1, 3))).shape == (1, 3)
    with pytest.raises(TypeError, match=r"^BatchNorm1d\.__init__\(\) got an unexpected"):
        nn.BatchNorm1d(3, foo=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"^BatchNorm2d\.__init__\(\) got an unexpected"):
        nn.BatchNorm2d(3, device="cpu")  # type: ignore[call-arg]


# ----------------------------------------------------------------------------- softmax axis
@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
def test_softmax_modules_default_to_the_last_axis(ndim: int) -> None:
    torch = pytest.importorskip("torch")
    x = RNG(ndim).normal(size=(2, 3, 4, 5)[:ndim])
    xt = torch.tensor(x)
    for ours, ref in ((nn.Softmax(), torch.nn.Softmax(dim=-1)),
                      (nn.LogSoftmax(), torch.nn.LogSoftmax(dim=-1)),
                      (nn.Softmin(), torch.nn.Softmin(dim=-1))):
        np.testing.assert_allclose(ours(x).data, ref(xt).numpy(), rtol=1e-12, atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's "implicit dimension choice" warning
        implicit = torch.nn.Softmax()(xt).numpy()
    # PyTorch's implicit dim: 0 for 0-, 1- and 3-d inputs, 1 otherwise
    differs = not np.allclose(implicit, nn.Softmax()(x).data)
    assert differs == (ndim in (3, 4))
    np.testing.assert_allclose(nn.Softmax(axis=0 if ndim in (0, 1, 3) else 1)(x).data,
                               implicit, rtol=1e-12)


def test_softmax_default_axis_is_documented() -> None:
    for cls in (nn.Softmax, nn.LogSoftmax, nn.Softmin):
        doc = " ".join((cls.__doc__ or "").split())
        assert "default ``axis=-1`` is the last axis" in doc, cls.__name__
        assert "PyTorch's implicit dim" in doc, cls.__name__
        full = "0 for 0-, 1- and 3-d inputs, 1 otherwise" in doc
        assert full if cls is nn.Softmax else "see ``Softmax``" in doc, cls.__name__
        assert inspect.signature(cls).parameters["axis"].default == -1
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    assert "default to `axis=-1`" in text and "0 for 0-, 1- and 3-d inputs, 1 otherwise" in text


# ----------------------------------------------------------------------------- functional
@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 5, 3)])
def test_linear_takes_a_1d_weight_as_torch(shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(4)
    x, w = rng.normal(size=shape), rng.normal(size=3)
    xa, wa = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    y, yt = F.linear(xa, wa), torch.nn.functional.linear(xt, wt)
    assert y.shape == tuple(yt.shape) == shape[:-1]
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12)
    g = rng.normal(size=shape[:-1])
    y.backward(g)
    yt.backward(torch.tensor(g))
    assert xa.grad is not None and wa.grad is not None
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(wa.grad.data, wt.grad.numpy(), rtol=1e-12)
    w32 = Tensor(w.astype(np.float32))
    assert F.linear(x.astype(np.float32), w32).dtype == np.float32


def test_linear_with_a_1d_weight_takes_a_0d_bias_and_refuses_others() -> None:
    """PyTorch takes a 0-d bias beside a 1-d weight for 1-d and 3-d inputs (its 2-d path
    refuses one: "mat2 must be a matrix"); here for any input."""
    w = Tensor(np.array([1.0, 2.0, 3.0]))
    b = Tensor(np.array(0.5), requires_grad=True)
    for shape in ((3,), (2, 3), (4, 2, 3)):
        y = F.linear(np.ones(shape), w, b)
        np.testing.assert_allclose(y.data, np.full(shape[:-1], 6.5))
    y.sum().backward()
    assert b.grad is not None and b.grad.item() == 8.0
    with pytest.raises(ValueError, match=r"linear: with a 1-d weight \(shape \(3,\)\) the bias "
                                         r"is one number \(shape \(\)\), as in PyTorch; got "
                                         r"shape \(1,\)"):
        F.linear(np.ones((2, 3)), w, Tensor(np.zeros(1)))
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 4\) does not end in the "
                                         r"1-d weight's 3"):
        F.linear(np.ones((2, 4)), w)
    with pytest.raises(ValueError, match=r"linear: weight must be 2-d \(out, in\) or 1-d"):
        F.linear(np.ones((2, 3)), Tensor(np.ones((1, 2, 3))))


def test_functional_dropout_takes_inplace_as_the_module_does() -> None:
    x = Tensor(np.ones((4, 5)), requires_grad=True)
    plain = F.dropout(x, 0.5, rng=RNG(5))
    inplace = F.dropout(x, 0.5, rng=RNG(5), inplace=True)
    module = nn.Dropout(0.5, rng=RNG(5), inplace=True)(x)
    np.testing.assert_array_equal(inplace.data, plain.data)
    np.testing.assert_array_equal(module.data, plain.data)
    assert inplace is not x and np.all(x.data == 1.0)  # a new tensor either way
    assert "inplace" in inspect.signature(F.dropout).parameters
    with pytest.raises(TypeError, match="dropout: inplace must be a bool"):
        F.dropout(x, 0.5, inplace=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"dropout: rng must be .*inplace="):
        F.dropout(x, 0.5, True, True)  # type: ignore[arg-type]  # PyTorch's positional order
    assert F.dropout(x, 0.5, training=False, inplace=True) is x  # as without inplace


def test_new_names_are_exported_and_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in ("GroupNorm", "ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d",
                 "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d",
                 "CircularPad1d", "CircularPad2d"):
        assert name in nn.__all__ and isinstance(getattr(nn, name), type), name
        assert f"`{name}" in text, name
    assert "padding_mode" in text
