"""nn.functional.unfold / fold and nn.Unfold / nn.Fold against PyTorch's: values and gradients
(batched, unbatched, drawn sizes, kernels, dilations, paddings and strides), second order,
the adjoint and overlap-count identities, float32 kept, reprs and the errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_api import JUNK, check_call

import autograd_mini as am
import nn
from nn import functional as F

Cfg = tuple[Any, Any, Any, Any]  # kernel_size, dilation, padding, stride

CASES: list[tuple[tuple[int, ...], Cfg]] = [
    ((2, 3, 7, 6), (3, 1, 1, 1)),
    ((2, 3, 7, 6), ((2, 3), (2, 1), (1, 2), (2, 3))),
    ((1, 2, 5, 5), (1, 1, 0, 1)),
    ((2, 1, 9, 8), (4, 2, 3, 2)),
    ((3, 6, 5), ((3, 2), 1, (0, 1), (1, 2))),  # unbatched
    ((2, 2, 4, 4), (4, 1, 0, 4)),  # one block
    ((0, 2, 4, 5), (2, 1, 1, 1)),  # empty batch
    ((1, 2, 3, 3), (2, 3, 2, 1)),  # dilation wider than the image, padding makes room
]


def _torch_pair(cfg: Cfg) -> dict[str, Any]:
    k, d, p, s = cfg
    return {"kernel_size": k, "dilation": d, "padding": p, "stride": s}


def _check_unfold(shape: tuple[int, ...], cfg: Cfg, rng: np.random.Generator) -> None:
    torch = pytest.importorskip("torch")
    x = rng.standard_normal(shape)
    xt = am.Tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    y, ty = F.unfold(xt, *cfg), torch.nn.functional.unfold(tx, **_torch_pair(cfg))
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    np.testing.assert_array_equal(y.data, ty.detach().numpy())  # a copy: exact
    g = rng.standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    assert xt.grad is not None
    np.testing.assert_allclose(xt.grad.data, tx.grad.numpy(), rtol=0, atol=1e-12)


def _check_fold(size: tuple[int, int], cols_shape: tuple[int, ...], cfg: Cfg,
                rng: np.random.Generator) -> None:
    torch = pytest.importorskip("torch")
    c = rng.standard_normal(cols_shape)
    ct = am.Tensor(c, requires_grad=True)
    tc = torch.tensor(c, requires_grad=True)
    y = F.fold(ct, size, *cfg)
    ty = torch.nn.functional.fold(tc, size, **_torch_pair(cfg))
    assert y.shape == tuple(ty.shape) and y.dtype == np.float64
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=0, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    assert ct.grad is not None
    np.testing.assert_array_equal(ct.grad.data, tc.grad.numpy())  # unfold of ḡ: exact


@pytest.mark.parametrize(("shape", "cfg"), CASES)
def test_unfold_and_fold_match_torch(shape: tuple[int, ...], cfg: Cfg) -> None:
    rng = np.random.default_rng(len(shape) + sum(shape))
    _check_unfold(shape, cfg, rng)
    cols = F.unfold(np.zeros(shape), *cfg).shape  # the shape fold takes back to `shape`
    _check_fold((shape[-2], shape[-1]), cols, cfg, rng)


@st.composite
def _configs(draw: st.DrawFn) -> tuple[tuple[int, ...], Cfg]:
    """An input shape (batched or not) and a configuration with at least one block."""
    def pair(lo: int, hi: int) -> Any:
        a = draw(st.integers(lo, hi))
        return a if draw(st.booleans()) else (a, draw(st.integers(lo, hi)))

    k, d, p, s = pair(1, 3), pair(1, 3), pair(0, 2), pair(1, 3)
    kk, dd, pp = (np.broadcast_to(v, 2) for v in (k, d, p))
    # the smallest size with a block, plus a few
    hw = tuple(max(1, int(dd[i] * (kk[i] - 1) + 1 - 2 * pp[i])) + draw(st.integers(0, 4))
               for i in range(2))
    lead = draw(st.sampled_from([(), (1,), (2,)]))
    return (*lead, draw(st.integers(1, 3)), *hw), (k, d, p, s)


@given(case=_configs(), seed=st.integers(0, 2**16))
def test_drawn_configurations_match_torch(case: tuple[tuple[int, ...], Cfg], seed: int) -> None:
    shape, cfg = case
    rng = np.random.default_rng(seed)
    _check_unfold(shape, cfg, rng)
    cols = F.unfold(np.zeros(shape), *cfg).shape
    _check_fold((shape[-2], shape[-1]), cols, cfg, rng)


@pytest.mark.parametrize(("shape", "cfg"), CASES[:5])
def test_adjoint_and_overlap_count(shape: tuple[int, ...], cfg: Cfg) -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    u = F.unfold(x, *cfg)
    y = rng.standard_normal(u.shape)
    size = (shape[-2], shape[-1])
    # ⟨unfold(x), y⟩ = ⟨x, fold(y)⟩
    np.testing.assert_allclose(np.sum(u.data * y), np.sum(x * F.fold(y, size, *cfg).data),
                               rtol=1e-12)
    # fold(unfold(x)) = x · (how many blocks cover each cell)
    count = F.fold(F.unfold(np.ones(shape), *cfg), size, *cfg).data
    assert count.max() > 0
    np.testing.assert_allclose(F.fold(u, size, *cfg).data, x * count, rtol=1e-13, atol=0)


def test_non_overlapping_blocks_fold_back_exactly() -> None:
    x = np.random.default_rng(4).standard_normal((2, 3, 6, 8))
    np.testing.assert_array_equal(F.fold(F.unfold(x, (2, 4), stride=(2, 4)), (6, 8), (2, 4),
                                         stride=(2, 4)).data, x)
    # 3×3 kernel, padding 1, stride 1 on 4×4: corners are read by 4 blocks, edges 6, inside 9
    count = F.fold(F.unfold(np.ones((1, 4, 4)), 3, padding=1), 4, 3, padding=1).data[0]
    np.testing.assert_array_equal(count, [[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]])


def test_rows_and_blocks_in_torch_order() -> None:
    x = np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4)
    y = F.unfold(x, (2, 3)).data  # rows (c, i, j); blocks (0, 0), (0, 1), (1, 0), (1, 1)
    assert y.shape == (12, 4)
    np.testing.assert_array_equal(y[:, 0], [0, 1, 2, 4, 5, 6, 12, 13, 14, 16, 17, 18])
    for block, offset in enumerate([0, 1, 4, 5]):
        np.testing.assert_array_equal(y[:, block], y[:, 0] + offset)


def test_gradcheck_and_second_order() -> None:
    rng = np.random.default_rng(5)
    x = am.Tensor(rng.standard_normal((2, 2, 5, 4)), requires_grad=True)
    c = am.Tensor(rng.standard_normal((2, 8, 12)), requires_grad=True)
    cfg = ((2, 2), (1, 2), 1, (2, 1))  # L: 3 × 4 blocks of a 5×4 output

    def unf(t: am.Tensor) -> am.Tensor:
        return F.unfold(t, *cfg)

    def fol(t: am.Tensor) -> am.Tensor:
        return F.fold(t, (5, 4), *cfg)

    def composite(t: am.Tensor) -> am.Tensor:  # not linear: second order is not zero
        u = F.unfold(t, *cfg)
        return F.fold(u * u.tanh(), (5, 4), *cfg)

    for f, inp in ((unf, x), (fol, c), (composite, x)):
        assert am.gradcheck(f, [inp])
        assert am.gradgradcheck(f, [inp])


def test_second_order_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x, v = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((2, 3, 5, 5))
    cfg = (3, 1, 1, 2)

    def loss(lib: Any, fold_: Any, unfold_: Any, t: Any) -> Any:
        u = unfold_(t, *cfg)
        return (fold_(u * u * u, (5, 5), *cfg) * lib.sin(t)).sum()

    xt = am.Tensor(x, requires_grad=True)
    loss(am, F.fold, F.unfold, xt).backward(create_graph=True)
    g, xt.grad = xt.grad, None
    assert g is not None
    (g * am.Tensor(v)).sum().backward()  # the Hessian times v
    tf = torch.nn.functional
    tx = torch.tensor(x, requires_grad=True)
    (tg,) = torch.autograd.grad(loss(torch, tf.fold, tf.unfold, tx), [tx], create_graph=True)
    (tg * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert xt.grad is not None
    np.testing.assert_allclose(xt.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_kept_and_large_values() -> None:
    x = am.Tensor(np.full((2, 3, 4, 4), 1000.0, np.float32), requires_grad=True)
    y = F.unfold(x, 2, padding=1)
    assert y.dtype == np.float32
    z = F.fold(y * -1.0, (4, 4), 2, padding=1)
    assert z.dtype == np.float32 and np.all(z.data == -4000.0)
    z.backward(np.ones(z.shape, np.float32))
    assert x.grad is not None and x.grad.dtype == np.float32
    assert np.all(x.grad.data == -4.0)


def test_outputs_are_new_writeable_arrays() -> None:
    x = am.Tensor(np.ones((2, 3, 4, 4)), requires_grad=True)
    for y in (F.unfold(x, 1), F.unfold(x, 2, stride=2), F.unfold(x, 3, padding=1),
              F.fold(F.unfold(x, 1), 4, 1), F.fold(F.unfold(x, 3, padding=1), 4, 3, padding=1)):
        # (arrays of their own: a view's base would stay locked read-only while recorded)
        assert y.data.flags.writeable and y.data.base is None
        assert not np.shares_memory(y.data, x.data)


def test_integer_input_is_float64() -> None:
    y = F.unfold(np.arange(16).reshape(1, 1, 4, 4), 2)
    assert y.dtype == np.float64 and y.shape == (1, 4, 9)
    assert F.fold(np.ones((4, 9), np.int32), 4, 2).dtype == np.float64


def test_modules_match_torch_reprs_and_state() -> None:
    torch = pytest.importorskip("torch")
    pairs = [
        (nn.Unfold(3, padding=1), torch.nn.Unfold(3, padding=1)),
        (nn.Unfold((2, 3), dilation=(1, 2), stride=2), torch.nn.Unfold((2, 3), dilation=(1, 2),
                                                                       stride=2)),
        (nn.Fold((4, 5), (2, 2), stride=(1, 2)), torch.nn.Fold((4, 5), (2, 2), stride=(1, 2))),
        (nn.Fold(4, 2), torch.nn.Fold(4, 2)),
        # lists shown as lists, as given (torch keeps the argument)
        (nn.Unfold([2, 3], padding=[1, 1]), torch.nn.Unfold([2, 3], padding=[1, 1])),
        (nn.Fold([4, 5], (2, 2), dilation=[1, 1], stride=[1, 2]),
         torch.nn.Fold([4, 5], (2, 2), dilation=[1, 1], stride=[1, 2])),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        assert ours.state_dict() == {} and list(theirs.state_dict()) == []
    x = np.random.default_rng(7).standard_normal((2, 3, 4, 5))
    unf, fol = nn.Unfold((2, 2), stride=(1, 2)), nn.Fold((4, 5), (2, 2), stride=(1, 2))
    cols = unf(x)
    np.testing.assert_array_equal(cols.data, F.unfold(x, (2, 2), stride=(1, 2)).data)
    ref = torch.nn.Fold((4, 5), (2, 2), stride=(1, 2))(torch.tensor(cols.data))
    np.testing.assert_allclose(fol(cols).data, ref.numpy(), rtol=0, atol=1e-12)
    given = [2, 2]
    listed = nn.Unfold(given)
    given[0] = 5  # (a copy is kept: changing the list later changes nothing)
    assert listed.kernel_size == [2, 2]
    np.testing.assert_array_equal(listed(x).data, F.unfold(x, 2).data)


@pytest.mark.parametrize(("call", "err", "match"), [
    (lambda: F.unfold(np.ones((2, 3, 5, 6)), 0), ValueError,
     r"unfold: kernel_size must be an int >= 1 or a tuple of 2 such ints, got 0"),
    (lambda: F.unfold(np.ones((2, 3, 5, 6)), 3, padding=-1), ValueError,
     r"unfold: padding must be an int >= 0"),
    (lambda: F.unfold(np.ones((2, 3, 5, 6)), 3, dilation=(1, 0)), ValueError,
     r"unfold: dilation must be an int >= 1 .* got \(1, 0\)"),
    (lambda: F.unfold(np.ones((2, 3, 5, 6)), 3, stride=-2), ValueError, r"unfold: stride"),
    (lambda: F.unfold(np.ones((2, 3, 5, 6)), (2, 3, 4)),  # type: ignore[arg-type]
     ValueError,
     r"unfold: kernel_size must be .* a tuple of 2"),
    (lambda: F.unfold(np.ones((2, 3, 5, 6)), 7), ValueError,
     r"unfold: kernel_size=\(7, 7\), dilation=\(1, 1\), padding=\(0, 0\), stride=\(1, 1\) do "
     r"not fit the input of spatial size \(5, 6\): the sliding blocks would number \(-1, 0\)"),
    (lambda: F.unfold(np.ones((3, 4)), 2), ValueError,
     r"unfold: input must be 4-d \(N, C, H, W\) .* got shape \(3, 4\)"),
    (lambda: F.unfold(np.ones((2, 0, 4, 4)), 2), ValueError,
     r"unfold: .* no other axis empty, got shape \(2, 0, 4, 4\)"),
    (lambda: F.unfold(np.array(["a"]), 2), TypeError, r"unfold: unsupported dtype"),
    (lambda: F.fold(np.ones((2, 10, 4)), (4, 4), 2), ValueError,
     r"fold: the input's C·kh·kw axis \(10, input shape \(2, 10, 4\)\) must be divisible by "
     r"the product of kernel_size \(2, 2\), 4"),
    (lambda: F.fold(np.ones((2, 12, 5)), (4, 4), 2), ValueError,
     r"fold: output_size=\(4, 4\), kernel_size=\(2, 2\), .* give 3 × 3 sliding blocks, but the "
     r"input of shape \(2, 12, 5\) has L = 5"),
    (lambda: F.fold(np.ones((4, 1)), 1, 2), ValueError, r"fold: .*\(no block fits the output\)"),
    (lambda: F.fold(np.ones((2, 3, 4, 5)), 3, 2), ValueError,
     r"fold: input must be 3-d \(N, C·kh·kw, L\) .* got shape \(2, 3, 4, 5\)"),
    (lambda: F.fold(np.ones((2, 4, 0)), 1, 2), ValueError, r"fold: input must be"),
    (lambda: F.fold(np.ones((4, 9)), 0, 2), ValueError, r"fold: output_size must be an int"),
    (lambda: F.fold(np.ones((4, 9)), 4, 2, stride=1.5),  # type: ignore[arg-type]
     ValueError, r"fold: stride"),
    (lambda: nn.Unfold(3, padding=-1), ValueError, r"Unfold: padding must be an int >= 0"),
    (lambda: nn.Unfold(True), ValueError, r"Unfold: kernel_size"),
    (lambda: nn.Fold((4,), 2),  # type: ignore[arg-type]
     ValueError, r"Fold: output_size must be .* a tuple of 2"),
    (lambda: nn.Fold(4, 2, dilation=0), ValueError, r"Fold: dilation"),
    (lambda: nn.Fold(4, 2)(np.ones((2, 4, 8))), ValueError,
     r"fold: output_size=\(4, 4\), .* give 3 × 3"),
])
def test_errors(call: Any, err: type[Exception], match: str) -> None:
    with pytest.raises(err, match=match):
        call()


@given(data=st.data())
def test_layers_refuse_junk(data: st.DataObject) -> None:
    junk = data.draw(JUNK, label="junk")
    check_call(nn.Unfold(2), (junk,), {}, ("Unfold", "unfold"))
    check_call(nn.Fold(3, 2), (junk,), {}, ("Fold", "fold"))
    check_call(nn.Unfold, (2,), {data.draw(st.sampled_from(["dilation", "padding", "stride"])):
                                 junk}, ("Unfold",))
    check_call(nn.Fold, (junk, 2), {}, ("Fold",))
