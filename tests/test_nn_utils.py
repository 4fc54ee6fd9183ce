"""nn.utils against torch.nn.utils 2.13: clipping and total norms, parameters as a vector and
back, padding and unpadding sequences, and the names that are not provided."""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz_api import JUNK, check_call

import autograd_mini as am
import nn
import optim
from autograd_mini import Tensor
from nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)
from nn.utils.rnn import pad_sequence, unpad_sequence

torch = pytest.importorskip("torch")
TU = torch.nn.utils
RNG = np.random.default_rng
NORMS = [1.0, 2.0, 3.0, 0.5, math.inf]


def pair(arrays: list[np.ndarray]) -> tuple[list[Tensor], list[Any]]:
    """The same arrays as leaves of both libraries."""
    return ([Tensor(a.copy(), requires_grad=True) for a in arrays],
            [torch.tensor(a.copy(), requires_grad=True) for a in arrays])


def with_grads(grads: list[np.ndarray]) -> tuple[list[Tensor], list[Any]]:
    """Parameters of both libraries whose ``.grad`` holds ``grads``."""
    ours, theirs = pair([np.zeros_like(g) for g in grads])
    for p, t, g in zip(ours, theirs, grads, strict=True):
        p.grad, t.grad = Tensor(g.copy()), torch.tensor(g.copy())
    return ours, theirs


def junk(value: Any) -> Any:
    """``value``, typed Any: an argument of the wrong type, on purpose."""
    return value


def grad_arrays(params: list[Tensor]) -> list[np.ndarray]:
    out = []
    for p in params:
        assert p.grad is not None
        out.append(p.grad.data)
    return out


SHAPES = [(2, 3), (), (4,), (1, 2, 2)]


# ----------------------------------------------------------------------------- clipping
def test_one_function_two_addresses() -> None:
    import optim.clip

    assert nn.utils.clip_grad_norm_ is optim.clip_grad_norm_
    assert nn.utils.clip_grad_value_ is optim.clip_grad_value_
    assert optim.clip.clip_grads_with_norm_ is clip_grads_with_norm_
    assert optim.clip.get_total_norm is get_total_norm and optim.clip.CLIP_EPS == 1e-6
    assert "utils" in nn.__all__ and nn.utils.rnn.pad_sequence is pad_sequence


@pytest.mark.parametrize("norm_type", NORMS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_get_total_norm_matches_torch(norm_type: float, dtype: Any) -> None:
    rng = RNG(NORMS.index(norm_type))
    arrays = [(rng.standard_normal(s) * 3).astype(dtype) for s in SHAPES] + [np.zeros(0, dtype)]
    ours, theirs = pair(arrays)
    got = get_total_norm(ours, norm_type, foreach=True)
    # (torch refuses an empty tensor for p = inf; here it adds nothing, as for other p)
    want = TU.get_total_norm(theirs[:-1] if norm_type == math.inf else theirs, norm_type)
    assert isinstance(got, Tensor) and got.shape == () and got.dtype == dtype
    assert not got.requires_grad and not want.requires_grad
    np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-12 if dtype == np.float64
                               else 1e-6)
    assert all(p.grad is None for p in ours)  # the values' norm, not their gradients'


def test_get_total_norm_edge_cases_match_torch() -> None:
    single = np.array([3.0, -4.0])
    assert get_total_norm(Tensor(single)).item() == TU.get_total_norm(torch.tensor(single)) == 5
    empty = get_total_norm([])
    assert empty.item() == 0.0 and empty.dtype == np.float64  # (torch: its default dtype)
    mixed = get_total_norm([Tensor(np.array([3.0], np.float32)), Tensor([4.0])])
    assert mixed.dtype == np.float64 and mixed.item() == 5.0
    assert TU.get_total_norm([torch.tensor([3.0]), torch.tensor([4.0], dtype=torch.float64)]
                             ).dtype == torch.float64
    for values, norm_type in (([np.nan, 1.0], 2.0), ([np.nan, np.inf], math.inf)):
        assert math.isnan(get_total_norm([Tensor(values)], norm_type).item())
        assert math.isnan(TU.get_total_norm([torch.tensor(values)], norm_type).item())
    assert get_total_norm([Tensor([np.inf, 1.0])]).item() == math.inf
    with pytest.raises(RuntimeError, match=r"get_total_norm: the total norm of order 2.0 of "
                                           r"the tensors is inf"):
        get_total_norm([Tensor([np.inf])], error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        TU.get_total_norm([torch.tensor([np.inf])], error_if_nonfinite=True)
    # float32 entries of 1e30: torch squares them to inf, the scaled float64 sum does not
    big = np.array([3e30, 4e30], np.float32)
    assert TU.get_total_norm([torch.tensor(big)]).item() == math.inf
    got = get_total_norm([Tensor(big)])
    assert got.dtype == np.float32 and got.item() == pytest.approx(5e30, rel=1e-6)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: get_total_norm([Tensor([1.0])], 0), ValueError,
     r"get_total_norm: norm_type must be > 0 or inf, got 0.0"),
    (lambda: get_total_norm([Tensor([1.0])], -math.inf), ValueError, "norm_type must be > 0"),
    (lambda: get_total_norm([Tensor([1, 2])]), TypeError,
     r"get_total_norm: tensors must hold floating values, tensor 0 has dtype int64"),
    (lambda: get_total_norm([junk(None)]), TypeError, r"get_total_norm: tensors must hold Tensors"),
    (lambda: get_total_norm(junk(3.0)), TypeError, r"tensors must be a Tensor or an iterable"),
    (lambda: get_total_norm([Tensor([1.0])], error_if_nonfinite=junk(1)), TypeError,
     r"error_if_nonfinite must be a bool"),
    (lambda: get_total_norm([Tensor([1.0])], foreach=junk("yes")), TypeError,
     r"get_total_norm: foreach must be None or a bool"),
    (lambda: clip_grads_with_norm_([Tensor([1.0])], -1.0, 1.0), ValueError,
     r"clip_grads_with_norm_: max_norm must be >= 0, got -1.0"),
    (lambda: clip_grads_with_norm_([Tensor([1.0])], 1.0, Tensor(-2.0)), ValueError,
     r"clip_grads_with_norm_: total_norm must be >= 0 \(a norm\), got -2.0"),
    (lambda: clip_grads_with_norm_([Tensor([1.0])], 1.0, Tensor([1.0, 2.0])), TypeError,
     r"total_norm must be a 0-d Tensor or a number, got a Tensor of shape \(2,\)"),
    (lambda: clip_grads_with_norm_([Tensor([1.0])], 1.0, junk("5")), TypeError,
     r"clip_grads_with_norm_: total_norm must be a real number"),
    (lambda: clip_grad_norm_([Tensor([1.0])], -1.0), ValueError,
     r"clip_grad_norm_: max_norm must be >= 0"),
    (lambda: clip_grad_norm_([Tensor([1.0])], 1.0, 0), ValueError,
     r"clip_grad_norm_: norm_type must be > 0 or inf, got 0.0"),
    (lambda: clip_grad_value_([Tensor([1.0])], math.nan), ValueError,
     r"clip_grad_value_: clip_value must be >= 0, got nan"),
    (lambda: get_total_norm([Tensor([1.0])], junk("2")), TypeError,
     r"get_total_norm: norm_type must be a real number or the string 'inf', got '2'"),
    (lambda: clip_grad_norm_([Tensor([1.0])], 1.0, junk("-inf")), TypeError,
     r"clip_grad_norm_: norm_type must be a real number or the string 'inf', got '-inf'"),
    (lambda: clip_grad_norm_([Tensor([1.0])], 1.0, junk("max")), TypeError,
     r"clip_grad_norm_: norm_type must be a real number or the string 'inf', got 'max'"),
])
def test_clipping_errors_name_the_function(call: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_norm_type_inf_as_a_string_matches_torch() -> None:
    """PyTorch documents norm_type='inf' (a str) for the largest |entry|."""
    grads = [np.array([3.0, -4.0]), np.array([[0.5], [-2.5]])]
    ours, theirs = with_grads(grads)
    got = clip_grad_norm_(ours, 1.0, norm_type="inf")
    want = TU.clip_grad_norm_(theirs, 1.0, norm_type="inf")
    assert got == want.item() == 4.0
    for p, t in zip(ours, theirs, strict=True):
        assert p.grad is not None and t.grad is not None
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-15)
    tensors = [Tensor(g) for g in grads]
    for spelling in ("inf", "Inf", "infinity"):
        assert get_total_norm(tensors, spelling).item() == 4.0
    assert TU.get_total_norm([torch.tensor(g) for g in grads], "inf").item() == 4.0


@pytest.mark.parametrize("norm_type", NORMS)
@pytest.mark.parametrize("max_norm", [0.0, 0.5, 1e9])
def test_clipping_matches_torch(norm_type: float, max_norm: float) -> None:
    rng = RNG(3)
    grads = [rng.standard_normal(s) for s in SHAPES]
    for how in ("clip_grad_norm_", "two steps", "two steps with a float"):
        ours, theirs = with_grads(grads)
        ours.append(Tensor(np.ones(2), requires_grad=True))  # no grad: skipped by both
        theirs.append(torch.ones(2, requires_grad=True))
        want = TU.clip_grad_norm_(theirs, max_norm, norm_type)
        if how == "clip_grad_norm_":
            got: Any = clip_grad_norm_(ours, max_norm, norm_type)
            assert type(got) is np.float64
        else:
            got = get_total_norm([p.grad for p in ours if p.grad is not None], norm_type)
            assert clip_grads_with_norm_(ours, max_norm, got if how == "two steps" else  # type: ignore[func-returns-value]
                                         float(got), foreach=False) is None
        assert float(got) == pytest.approx(want.item(), rel=1e-12)
        for g, t in zip(grad_arrays(ours[:-1]), theirs, strict=False):
            np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12, atol=1e-15)
        assert ours[-1].grad is None


def test_clip_grads_with_norm_keeps_float32_and_the_arrays() -> None:
    rng = RNG(4)
    grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    ours, theirs = with_grads(grads)
    before = grad_arrays(ours)
    total = get_total_norm([p.grad for p in ours if p.grad is not None])
    assert total.dtype == np.float32
    clip_grads_with_norm_(ours, 1.0, total)
    TU.clip_grads_with_norm_(theirs, 1.0, TU.get_total_norm([t.grad for t in theirs]))
    after = grad_arrays(ours)
    assert all(a is b and a.dtype == np.float32 for a, b in zip(after, before, strict=True))
    for g, t in zip(after, theirs, strict=True):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-6)
    clip_grads_with_norm_(ours, 10.0, Tensor(1.0))  # c ≥ 1: nothing changes
    assert all(np.array_equal(a, g) for a, g in zip(grad_arrays(ours), after, strict=True))


def test_clip_grad_value_matches_torch() -> None:
    grads = [RNG(5).standard_normal(s) * 2 for s in SHAPES]
    ours, theirs = with_grads(grads)
    clip_grad_value_(ours, 0.7)
    TU.clip_grad_value_(theirs, 0.7)
    for g, t in zip(grad_arrays(ours), theirs, strict=True):
        np.testing.assert_array_equal(g, t.grad.numpy())


# ----------------------------------------------------------------------------- vectors
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_parameters_to_vector_values_and_gradients(dtype: Any) -> None:
    rng = RNG(6)
    arrays = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    ours, theirs = pair(arrays)
    vec, want = parameters_to_vector(ours), TU.parameters_to_vector(theirs)
    assert vec.dtype == dtype and vec.shape == (sum(a.size for a in arrays),)
    np.testing.assert_array_equal(vec.data, want.detach().numpy())
    g = rng.standard_normal(vec.shape).astype(dtype)
    vec.backward(Tensor(g))
    want.backward(torch.tensor(g))
    for p, t in zip(ours, theirs, strict=True):
        assert p.grad is not None and p.grad.dtype == dtype
        np.testing.assert_array_equal(p.grad.data, t.grad.numpy())
    assert parameters_to_vector(Tensor(np.ones((2, 2)))).shape == (4,)  # one Tensor: flattened
    mixed = [Tensor(np.array([1], np.float32)), Tensor([2.0])]
    assert parameters_to_vector(mixed).dtype == np.float64


def test_parameters_to_vector_gradcheck() -> None:
    rng = RNG(7)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal(4)

    def f(x: Tensor, y: Tensor) -> Tensor:
        v = parameters_to_vector([x, y])
        return (v * v * v).sum() + v  # twice differentiable, non-linear in the slices

    assert am.gradcheck(f, [a, b]) and am.gradgradcheck(f, [a, b])


def test_vector_to_parameters_round_trip_matches_torch() -> None:
    model = nn.MLP([3, 4, 2], rng=RNG(8))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tmodel.double()
    vec = np.arange(26.0) / 7.0
    ours = Tensor(vec.copy())
    vector_to_parameters(ours, model.parameters())
    TU.vector_to_parameters(torch.tensor(vec), tmodel.parameters())
    assert [v.shape for v in model.state_dict().values()] == [
        tuple(v.shape) for v in tmodel.state_dict().values()]
    for (name, p), t in zip(model.named_parameters(), tmodel.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, t.detach().numpy(), err_msg=name)
        assert p.data.flags.writeable and not np.shares_memory(p.data, ours.data)
    np.testing.assert_array_equal(parameters_to_vector(model.parameters()).data, vec)
    ours.data[:] = -1.0  # the parameters got copies: writing into vec changes none of them
    np.testing.assert_array_equal(parameters_to_vector(model.parameters()).data, vec)


def test_vector_to_parameters_keeps_dtypes_and_live_graphs() -> None:
    w = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    b = Tensor([3.0], requires_grad=True)
    loss = (w * w).sum() + (b * b * b).sum()  # saves w and b (the library locks them)
    vector_to_parameters(Tensor([10.0, 20.0, 30.0]), [w, b])
    assert w.dtype == np.float32 and w.data.tolist() == [10.0, 20.0] and b.data.tolist() == [30.0]
    loss.backward()  # the gradient of the values the graph used
    assert w.grad is not None and w.grad.data.tolist() == [2.0, 4.0]
    assert b.grad is not None and b.grad.data.tolist() == [27.0]


@pytest.mark.parametrize(("vec", "error", "match"), [
    (Tensor(np.arange(6.0)), ValueError,
     r"vector_to_parameters: vec has 6 entries but the parameters hold 7 \(shapes \(2, 2\), "
     r"\(3,\)\)"),
    (Tensor(np.arange(8.0)), ValueError, r"vec has 8 entries but the parameters hold 7"),
    (Tensor(np.arange(7.0).reshape(7, 1)), ValueError,
     r"vector_to_parameters: vec must be 1-d, got shape \(7, 1\)"),
    (np.arange(7.0), TypeError, r"vector_to_parameters: vec must be a Tensor, got ndarray"),
    ([0.0] * 7, TypeError, r"vec must be a Tensor, got list"),
])
def test_vector_to_parameters_refuses_and_changes_nothing(vec: Any, error: type,
                                                          match: str) -> None:
    w, c = Tensor(np.ones((2, 2)), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    arrays = (w.data, c.data)
    with pytest.raises(error, match=match):
        vector_to_parameters(vec, [w, c])
    assert w.data is arrays[0] and c.data is arrays[1]
    assert (w.data == 1).all() and (c.data == 1).all()


def test_parameter_lists_are_checked() -> None:
    with pytest.raises(ValueError, match=r"parameters_to_vector: got no parameters"):
        parameters_to_vector([])
    with pytest.raises(TypeError, match=r"parameters_to_vector: parameters must hold Tensors, "
                                        r"item 1 is a ndarray"):
        parameters_to_vector([Tensor([1.0]), np.ones(2)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"vector_to_parameters: parameters must be a Tensor "
                                        r"or an iterable"):
        vector_to_parameters(Tensor([1.0]), 5)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- sequences
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2, 3)])
def test_pad_and_unpad_match_torch(batch_first: bool, padding_side: str,
                                   trailing: tuple[int, ...]) -> None:
    rng = RNG(9)
    lengths = [3, 1, 0, 4]
    ours, theirs = pair([rng.standard_normal((n, *trailing)) for n in lengths])
    y = pad_sequence(ours, batch_first, -1.5, padding_side)
    z = TU.rnn.pad_sequence(theirs, batch_first, -1.5, padding_side)
    np.testing.assert_array_equal(y.data, z.detach().numpy())
    g = rng.standard_normal(y.shape)
    y.backward(Tensor(g))
    z.backward(torch.tensor(g))
    for p, t in zip(ours, theirs, strict=True):
        assert p.grad is not None
        np.testing.assert_array_equal(p.grad.data, t.grad.numpy())
    if padding_side == "left":
        return
    padded = Tensor(y.data.copy(), requires_grad=True)
    parts = unpad_sequence(padded, Tensor(np.array(lengths)), batch_first)
    tpadded = z.detach().requires_grad_(True)  # (torch transposes its input in place)
    tparts = TU.rnn.unpad_sequence(tpadded.clone(), torch.tensor(lengths), batch_first)
    for part, tpart, p in zip(parts, tparts, ours, strict=True):
        np.testing.assert_array_equal(part.data, tpart.detach().numpy())
        np.testing.assert_array_equal(part.data, p.data)  # unpad ∘ pad = identity
    gs = [rng.standard_normal(p.shape) for p in parts]
    sum(((p * Tensor(gi)).sum() for p, gi in zip(parts, gs, strict=True)), Tensor(0.0)
        ).backward()
    sum((t * torch.tensor(gi)).sum() for t, gi in zip(tparts, gs, strict=True)).backward()
    assert padded.grad is not None
    np.testing.assert_array_equal(padded.grad.data, tpadded.grad.numpy())


def test_pad_sequence_dtypes_and_forms() -> None:
    f32 = [Tensor(np.ones((2, 3), np.float32), requires_grad=True),
           Tensor(np.ones((1, 3), np.float32), requires_grad=True)]
    y = pad_sequence(f32, batch_first=True)
    assert y.dtype == np.float32 and y.shape == (2, 2, 3)
    y.backward(Tensor(np.ones(y.shape, np.float32)))
    assert all(p.grad is not None and p.grad.dtype == np.float32 for p in f32)
    ids = pad_sequence([Tensor([1, 2]), Tensor([3])], padding_value=1.7)
    want = TU.rnn.pad_sequence([torch.tensor([1, 2]), torch.tensor([3])], padding_value=1.7)
    assert ids.dtype == np.int64 and ids.data.tolist() == want.tolist() == [[1, 3], [2, 1]]
    rows = np.arange(6.0).reshape(2, 3)  # a Tensor is the list of its rows, as torch's
    np.testing.assert_array_equal(pad_sequence(Tensor(rows)).data,
                                  TU.rnn.pad_sequence(torch.tensor(rows)).numpy())
    masked = pad_sequence([np.zeros(2), np.zeros(1)], True, padding_value=-math.inf)
    assert masked.data.tolist() == [[0.0, 0.0], [0.0, -math.inf]]
    top = float(np.finfo(np.float32).max)  # (the largest float32 fits, ±inf too, as torch's)
    for value in (top, -top, math.inf):
        f32 = [Tensor(np.ones(2, np.float32)), Tensor(np.ones(1, np.float32))]
        got = pad_sequence(f32, padding_value=value)
        want = TU.rnn.pad_sequence([torch.ones(2), torch.ones(1)], padding_value=value)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got.data, want.numpy())
    with pytest.raises(RuntimeError, match="without overflow"):
        TU.rnn.pad_sequence([torch.ones(2), torch.ones(1)], padding_value=1e40)


def test_pad_sequence_gradcheck() -> None:
    rng = RNG(10)
    a, b, c = (rng.standard_normal((n, 2)) for n in (3, 1, 2))

    def f(x: Tensor, y: Tensor, z: Tensor) -> Tensor:
        out = pad_sequence([x, y, z], batch_first=True, padding_value=0.5, padding_side="left")
        return out * out * out  # twice differentiable, so second order is checked too

    assert am.gradcheck(f, [a, b, c]) and am.gradgradcheck(f, [a, b, c])


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: pad_sequence([]), ValueError, r"pad_sequence: got no sequences"),
    (lambda: pad_sequence([Tensor(1.0)]), ValueError,
     r"pad_sequence: sequence 0 is 0-d; each must be shaped \(length, \*\)"),
    (lambda: pad_sequence([Tensor(np.ones((2, 3))), Tensor(np.ones((1, 4)))]), ValueError,
     r"pad_sequence: the sequences' shapes \[\(2, 3\), \(1, 4\)\] must agree after their "
     r"first"),
    (lambda: pad_sequence([Tensor([1.0])], padding_side="middle"), ValueError,
     r"pad_sequence: padding_side must be 'left' or 'right', got 'middle'"),
    (lambda: pad_sequence([Tensor([1.0])], padding_value=junk(None)), TypeError,
     r"pad_sequence: padding_value must be a real number"),
    (lambda: pad_sequence([Tensor([1.0])], batch_first=junk(1)), TypeError,
     r"pad_sequence: batch_first must be a bool"),
    (lambda: pad_sequence([Tensor([1]), Tensor([1, 2])], padding_value=math.nan), ValueError,
     r"pad_sequence: padding_value nan does not fit sequences of dtype int64"),
    (lambda: pad_sequence([Tensor([1]), Tensor([1, 2])], padding_value=2 ** 70), ValueError,
     r"pad_sequence: padding_value 1180591620717411303424 does not fit sequences of dtype "
     r"int64"),
    (lambda: pad_sequence([Tensor([1.0]), Tensor([])], padding_value=10 ** 400), ValueError,
     r"pad_sequence: padding_value 1\d+ does not fit float64"),
    (lambda: pad_sequence([Tensor(np.ones(2, np.float32)), Tensor(np.ones(1, np.float32))],
                          padding_value=1e40), ValueError,
     r"pad_sequence: padding_value 1e\+40 does not fit sequences of dtype float32 \(largest "
     r"finite 3.4028"),
    (lambda: pad_sequence([Tensor(np.ones(2, np.float16)), Tensor(np.ones(2, np.float16))],
                          padding_value=-7e4), ValueError,  # (refused with no padding too)
     r"pad_sequence: padding_value -70000.0 does not fit sequences of dtype float16"),
    (lambda: pad_sequence([Tensor([1]), Tensor([2])], padding_value=math.nan), ValueError,
     r"pad_sequence: padding_value nan does not fit sequences of dtype int64"),
    (lambda: pad_sequence("ab"), TypeError, r"pad_sequence: sequences must be a list"),
    (lambda: unpad_sequence(Tensor(np.ones((3, 2))), [3]), ValueError,
     r"unpad_sequence: lengths \[3\] must be 2 lengths in \[0, 3\] for padded_sequences of "
     r"shape \(3, 2\) \(batch_first=False\)"),
    (lambda: unpad_sequence(Tensor(np.ones((3, 2))), [4, 1]), ValueError,
     r"lengths \[4, 1\] must be 2 lengths in \[0, 3\]"),
    (lambda: unpad_sequence(Tensor(np.ones((2, 3))), [-1, 1], batch_first=True), ValueError,
     r"lengths \[-1, 1\] must be 2 lengths in \[0, 3\]"),
    (lambda: unpad_sequence(Tensor(np.ones((3, 2))), [2.0, 1.0]), TypeError,
     r"unpad_sequence: lengths must be a 1-d sequence of ints"),
    (lambda: unpad_sequence(Tensor(np.ones(3)), [1]), ValueError,
     r"unpad_sequence: padded_sequences must have time and batch axes, got shape \(3,\)"),
])
def test_sequence_errors_name_the_function(call: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_padded_batches_through_a_gru_give_each_sequences_last_output() -> None:
    """What the packing hint promises: pad, then read each output at its own last step."""
    gru = nn.GRU(3, 4, batch_first=True, rng=RNG(11))
    seqs = [RNG(12).standard_normal((n, 3)) for n in (4, 1, 3)]
    lengths = np.array([len(s) for s in seqs])
    out, _ = gru(pad_sequence([Tensor(s) for s in seqs], batch_first=True))
    last = out[np.arange(3), lengths - 1]
    for b, s in enumerate(seqs):
        alone = gru(Tensor(s[None]))[1]
        np.testing.assert_allclose(last.data[b], alone.data[0, 0], rtol=1e-12)
    unpadded = unpad_sequence(out, lengths, batch_first=True)
    assert [u.shape for u in unpadded] == [(4, 4), (1, 4), (3, 4)]


# ----------------------------------------------------------------------------- not provided
@pytest.mark.parametrize(("get", "match"), [
    (lambda: nn.utils.weight_norm, r"nn.utils' has no attribute 'weight_norm' \(a PyTorch "
                                   r"name\): not provided: compute the weight"),
    (lambda: nn.utils.spectral_norm, r"'spectral_norm' \(a PyTorch name\): not provided"),
    (lambda: nn.utils.parametrize, r"'parametrize' \(a PyTorch name\): not provided"),
    (lambda: nn.utils.stateless, r"not provided \(nor functional_call\): .*copy.deepcopy"),
    (lambda: nn.utils.fuse_conv_bn_eval, r"not provided: fusing is a speed-up"),
    (lambda: nn.utils.skip_init, r"not provided: construct the module"),
    (lambda: nn.utils.clip_grad_norm, r"use clip_grad_norm_"),
    (lambda: nn.utils.nonsense, r"module 'nn.utils' has no attribute 'nonsense'$"),
    (lambda: nn.utils.rnn.pack_padded_sequence,
     r"'pack_padded_sequence' \(a PyTorch name\): not provided, there is no packing of "
     r"sequences.*Sequences of different lengths"),
    (lambda: nn.utils.rnn.PackedSequence, r"no packing of sequences"),
    (lambda: nn.utils.rnn.pad_packed_sequence, r"no packing of sequences"),
    (lambda: nn.utils.rnn.nonsense, r"module 'nn.utils.rnn' has no attribute 'nonsense'$"),
    (lambda: junk(nn).nonsense, r"module 'nn' has no attribute 'nonsense'$"),
])
def test_names_not_provided_say_so(get: Any, match: str) -> None:
    with pytest.raises(AttributeError, match=match):
        get()
    assert hasattr(torch.nn.utils, "weight_norm") and hasattr(torch.nn.utils.rnn,
                                                              "PackedSequence")


def _leaf() -> Tensor:
    p = Tensor(np.ones(3), requires_grad=True)
    p.grad = Tensor(np.ones(3))
    return p


#: each function with the valid leading arguments the junk may follow
FUZZED: dict[str, tuple[Any, list[tuple[Any, ...]]]] = {
    "get_total_norm": (get_total_norm, [(), ([_leaf()],)]),
    "clip_grads_with_norm_": (clip_grads_with_norm_, [(), ([_leaf()],), ([_leaf()], 1.0)]),
    "parameters_to_vector": (parameters_to_vector, [()]),
    "vector_to_parameters": (vector_to_parameters, [(), (Tensor(np.ones(3)),)]),
    "pad_sequence": (pad_sequence, [(), ([Tensor(np.ones((2, 3))), Tensor(np.ones((1, 3)))],)]),
    "unpad_sequence": (unpad_sequence, [(), (Tensor(np.ones((3, 2))),)]),
}


@pytest.mark.parametrize("name", sorted(FUZZED))
@settings(deadline=None)
@given(data=st.data())
def test_junk_arguments_are_refused_by_name(name: str, data: st.DataObject) -> None:
    fn, leads = FUZZED[name]
    args = list(data.draw(st.sampled_from(leads), label="valid leading arguments"))
    names = list(inspect.signature(fn).parameters)[len(args):]
    key = data.draw(st.sampled_from(names), label="junk parameter")
    kwargs = {key: data.draw(JUNK, label=key)}
    check_call(fn, tuple(args), kwargs, (name,))


def test_a_training_step_written_as_in_pytorch() -> None:
    model = nn.Linear(3, 1, rng=RNG(13))
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss = (model(Tensor(RNG(14).standard_normal((8, 3)) * 100)) ** 2).mean()
    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    assert total > 1.0
    after = get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
    assert after.item() == pytest.approx(1.0, rel=1e-5)
    opt.step()
