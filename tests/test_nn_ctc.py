"""nn.functional.ctc_loss and nn.CTCLoss against PyTorch's: values and gradients over random
lengths, both target layouts, blanks 0 and C − 1, repeated labels, empty targets, the three
reductions, zero_infinity and impossible alignments, unbatched input; gradcheck and
gradgradcheck; float32 kept; messages for bad input.

PyTorch's backward returns the gradient with respect to the logits under a log_softmax, not
with respect to ``log_probs`` (pytorch/pytorch#52241): its ``log_probs.grad`` is ours plus
e^x · ḡ_n at every frame t < T_n of a possible sample. Both are checked: gradients through a
log_softmax are compared directly, gradients with respect to ``log_probs`` through that
identity (ours is the derivative of the loss, as gradcheck confirms)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn

F = nn.functional


def _case(rng: np.random.Generator, t: int = 12, n: int = 6, c: int = 6, s: int = 4,
          blank: int = 0) -> dict[str, Any]:
    """Random lengths (one empty target, one impossible alignment, repeated labels), padded
    targets (N, S) with junk past each length, and their concatenated form."""
    labels = np.array([k for k in range(c) if k != blank])
    tl = rng.integers(1, s + 1, n)
    tl[1] = 0  # an empty target
    il = rng.integers(2 * s + 1, t + 1, n)
    il[0] = t
    pad = rng.choice(labels, (n, s))
    pad[2, :2] = pad[2, 0]  # a repeat: needs a blank between the two
    tl[2] = s
    pad[3] = labels[0]  # all the same label: S_n + S_n − 1 frames at least
    tl[3], il[3] = s, 2 * s - 2  # too few frames: impossible
    junk = np.arange(s)[None, :] >= tl[:, None]
    pad[junk] = blank  # padding may hold anything, even the blank
    concat = np.concatenate([pad[k, :tl[k]] for k in range(n)])
    z = rng.standard_normal((t, n, c)) * 2.0
    return {"z": z, "pad": pad, "concat": concat, "il": il, "tl": tl, "possible": il >= 2 * s - 1}


def _torch_loss(torch: Any, x: Any, targets: Any, il: Any, tl: Any, **kw: Any) -> Any:
    return torch.nn.functional.ctc_loss(x, torch.tensor(targets), torch.tensor(il),
                                        torch.tensor(tl), **kw)


@pytest.mark.parametrize("layout", ["pad", "concat"])
@pytest.mark.parametrize("blank_last", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_matches_torch(layout: str, blank_last: bool, reduction: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(hash((layout, blank_last, reduction)) % 2**32)
    c = 6
    blank = c - 1 if blank_last else 0
    d = _case(rng, c=c, blank=blank)
    targets, il, tl = d[layout], d["il"], d["tl"]
    kw: dict[str, Any] = {"blank": blank, "reduction": reduction, "zero_infinity": True}
    # through log_softmax: PyTorch's gradient is right there
    z = am.Tensor(d["z"], requires_grad=True)
    zt = torch.tensor(d["z"], requires_grad=True)
    ours = F.ctc_loss(am.log_softmax(z, axis=2), targets, il, tl, **kw)
    theirs = _torch_loss(torch, zt.log_softmax(2), targets, il, tl, **kw)
    g = rng.standard_normal(ours.shape)
    ours.backward(g)
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert z.grad is not None
    np.testing.assert_allclose(z.grad.data, zt.grad.numpy(), atol=1e-12)
    # with respect to log_probs: PyTorch's is ours + e^x ḡ_n (t < T_n, possible samples)
    lp = d["z"] - np.log(np.exp(d["z"]).sum(axis=2, keepdims=True))
    x = am.Tensor(lp, requires_grad=True)
    xt = torch.tensor(lp, requires_grad=True)
    F.ctc_loss(x, targets, il, tl, **kw).backward(g)
    _torch_loss(torch, xt, targets, il, tl, **kw).backward(torch.tensor(g))
    n = lp.shape[1]
    gn = {"none": g, "sum": np.full(n, g), "mean": g / np.maximum(tl, 1) / n}[reduction]
    live = np.arange(lp.shape[0])[:, None] < il[None, :]
    shift = np.exp(lp) * (gn * d["possible"] * live)[:, :, None]
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data + shift, xt.grad.numpy(), atol=1e-12)
    assert not np.allclose(shift, 0.0)


@pytest.mark.parametrize("zero_infinity", [False, True])
def test_impossible_alignments(zero_infinity: bool) -> None:
    """A target its frames cannot hold (S_n plus its repeats > T_n) gives inf, or 0 with
    zero_infinity; its gradient is 0 either way (PyTorch: NaN without zero_infinity)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = np.log(rng.dirichlet(np.ones(4), (5, 3)))
    targets = np.array([[1, 1, 2], [1, 2, 3], [3, 3, 3]])
    il, tl = np.array([5, 2, 4]), np.array([3, 3, 3])  # sample 0 fits; 1 and 2 do not
    xa = am.Tensor(x, requires_grad=True)
    loss = F.ctc_loss(xa, targets, il, tl, reduction="none", zero_infinity=zero_infinity)
    ref = _torch_loss(torch, torch.tensor(x), targets, il, tl, reduction="none",
                      zero_infinity=zero_infinity).numpy()
    np.testing.assert_allclose(loss.data, ref, rtol=1e-12)
    assert np.isfinite(loss.data[0]) and loss.data[0] > 0
    assert (loss.data[1:] == (0.0 if zero_infinity else np.inf)).all()
    loss.backward(np.ones(3))
    assert xa.grad is not None
    assert (xa.grad.data[:, 1:] == 0).all() and (xa.grad.data[:, 0] != 0).any()
    total = F.ctc_loss(x, targets, il, tl, reduction="sum", zero_infinity=zero_infinity)
    assert total.data == (loss.data[0] if zero_infinity else np.inf)


def test_edge_lengths_match_torch() -> None:
    """Empty targets, no frames (T_n = 0), full length T, a log-probability of −∞."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = np.log(rng.dirichlet(np.ones(5), (6, 5)))
    x[:, 4, 2] = -np.inf  # the class is never emitted: still possible without it
    targets = np.array([[1, 2], [3, 3], [1, 1], [4, 4], [1, 3]])
    il, tl = np.array([0, 0, 6, 3, 6]), np.array([0, 1, 0, 2, 2])
    for reduction in ("none", "sum", "mean"):
        xa = am.Tensor(x, requires_grad=True)
        ours = F.ctc_loss(xa, targets, il, tl, reduction=reduction)
        theirs = _torch_loss(torch, torch.tensor(x), targets, il, tl, reduction=reduction)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)
        ours.backward(np.ones(ours.shape))
        assert xa.grad is not None and np.isfinite(xa.grad.data).all()
    none = F.ctc_loss(x, targets, il, tl, reduction="none").data
    assert none[0] == 0.0 and none[1] == np.inf and none[2] > 0  # T_n = 0: only S_n = 0 fits


def test_unbatched_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    lp = np.log(rng.dirichlet(np.ones(4), 7))
    target = np.array([2, 2, 3])
    for il, tl in ((7, 3), (np.array(6), am.Tensor(np.array(3))), ([5], (3,))):
        for reduction in ("none", "mean"):
            xa = am.Tensor(lp, requires_grad=True)
            ours = F.ctc_loss(xa, target, il, tl, reduction=reduction)
            assert ours.shape == ()
            ref = torch.nn.functional.ctc_loss(
                torch.tensor(lp).log_softmax(1), torch.tensor(target),
                torch.tensor(np.asarray(il)).reshape(()),
                torch.tensor(np.asarray(tl.data if isinstance(tl, am.Tensor) else tl)
                             ).reshape(()), reduction=reduction)
            np.testing.assert_allclose(ours.data, ref.item(), rtol=1e-12)
    batched = F.ctc_loss(lp[:, None], target[None], [7], [3], reduction="none")
    np.testing.assert_allclose(F.ctc_loss(lp, target, 7, 3, reduction="none").data,
                               batched.data[0])


def test_module_matches_functional() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    d = _case(rng, blank=5)
    crit = nn.CTCLoss(blank=5, zero_infinity=True)
    assert repr(crit) == "CTCLoss(blank=5, reduction='mean', zero_infinity=True)"
    assert list(crit.state_dict()) == list(torch.nn.CTCLoss().state_dict()) == []
    lp = am.log_softmax(am.Tensor(d["z"]), axis=2)
    np.testing.assert_array_equal(
        crit(lp, d["pad"], d["il"], d["tl"]).data,
        F.ctc_loss(lp, d["concat"], d["il"], d["tl"], blank=5, zero_infinity=True).data)
    assert nn.CTCLoss(5, "none")(lp, d["pad"], d["il"], d["tl"]).shape == (6,)


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_gradcheck_and_gradgradcheck(reduction: str) -> None:
    rng = np.random.default_rng(7)
    z = rng.standard_normal((5, 3, 4))
    il, tl = [5, 4, 3], [2, 2, 0]

    def from_logits(v: am.Tensor) -> am.Tensor:  # blank 0; a repeat and an empty target
        return F.ctc_loss(am.log_softmax(v, axis=2), np.array([[1, 1], [2, 3], [3, 1]]), il,
                          tl, reduction=reduction)

    def from_log_probs(v: am.Tensor) -> am.Tensor:  # blank C − 1, concatenated targets
        return F.ctc_loss(v, np.array([1, 1, 2, 0]), il, tl, blank=3, reduction=reduction)

    for f in (from_logits, from_log_probs):
        assert am.gradcheck(f, [am.Tensor(z, requires_grad=True)])
        assert am.gradgradcheck(f, [am.Tensor(z, requires_grad=True)])


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_low_precision_kept(dtype: Any) -> None:
    rng = np.random.default_rng(8)
    d = _case(rng)
    lp = d["z"] - np.log(np.exp(d["z"]).sum(axis=2, keepdims=True))
    x = am.Tensor(lp.astype(dtype), requires_grad=True)
    loss = F.ctc_loss(x, d["pad"], d["il"], d["tl"], reduction="sum", zero_infinity=True)
    loss.backward()
    assert loss.dtype == dtype and x.grad is not None and x.grad.dtype == dtype
    ref = F.ctc_loss(lp, d["pad"], d["il"], d["tl"], reduction="sum", zero_infinity=True)
    np.testing.assert_allclose(loss.data, ref.data, rtol=1e-5 if dtype == np.float32 else 3e-3)


@pytest.mark.parametrize("v", [1000.0, -1000.0])
def test_stable_at_large_inputs(v: float) -> None:
    rng = np.random.default_rng(9)
    d = _case(rng)
    for dtype in (np.float32, np.float64):
        x = am.Tensor((d["z"] + v).astype(dtype), requires_grad=True)
        loss = F.ctc_loss(x, d["pad"], d["il"], d["tl"], reduction="none")
        loss.backward(np.ones(loss.shape, dtype))
        assert x.grad is not None and np.isfinite(x.grad.data).all()
        fits = d["possible"]
        assert np.isfinite(loss.data[fits]).all() and (loss.data[~fits] == np.inf).all()
        shifted = F.ctc_loss(d["z"], d["pad"], d["il"], d["tl"], reduction="none").data
        # every alignment of sample n has T_n frames: the shift adds −v T_n to its loss
        np.testing.assert_allclose(loss.data[fits], (shifted - v * d["il"])[fits],
                                   rtol=1e-6 if dtype == np.float32 else 1e-12)


def test_empty_batch() -> None:
    x = am.Tensor(np.zeros((4, 0, 3)), requires_grad=True)
    total = F.ctc_loss(x, np.zeros((0, 2), np.int64), [], [], reduction="sum")
    total.backward()
    assert total.data == 0.0 and x.grad is not None and x.grad.shape == (4, 0, 3)
    assert F.ctc_loss(x, [], [], [], reduction="none").shape == (0,)
    with pytest.raises(ValueError, match=r"ctc_loss: empty batch \(log_probs shape"):
        F.ctc_loss(x, [], [], [])


def test_bad_input_is_refused() -> None:
    x = np.log(np.full((5, 2, 4), 0.25))
    t, il, tl = np.array([[1, 2], [3, 1]]), np.array([5, 4]), np.array([2, 1])
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"input_lengths": [6, 4]}, ValueError, r"input_lengths must be at most 5 \(the "),
        ({"input_lengths": [-1, 4]}, ValueError, "input_lengths must be >= 0, got -1"),
        ({"target_lengths": [2, -1]}, ValueError, "target_lengths must be >= 0, got -1"),
        ({"target_lengths": [3, 1]}, ValueError,
         r"padded targets must have shape \(N, S\) with N = 2 and S >= the largest target "
         r"length 3, got \(2, 2\)"),
        ({"input_lengths": [5.0, 4.0]}, TypeError, "input_lengths must hold integers, got dtype"),
        ({"target_lengths": am.Tensor(np.array([2.0, 1.0]))}, TypeError,
         "target_lengths must hold integers"),
        ({"input_lengths": [5, 4, 3]}, ValueError,
         r"input_lengths must be of shape \(2,\), one per sample, got shape \(3,\)"),
        ({"targets": np.array([[1, 0], [3, 1]])}, ValueError,
         r"targets must be classes in \[0, 4\) other than blank \(0\), got 0"),
        ({"targets": np.array([[1, 4], [3, 1]])}, ValueError,
         r"targets must be classes in \[0, 4\).*got 4"),
        ({"targets": np.array([1, 2, 3, 1])}, ValueError,
         r"1-d targets are concatenated: they need sum\(target_lengths\) = 3 entries, got "
         r"shape \(4,\)"),
        ({"targets": np.ones((2, 2, 1), np.int64)}, ValueError,
         r"targets must be \(N, S\) padded or 1-d concatenated, got shape \(2, 2, 1\)"),
        ({"targets": np.array([[1.0, 2.0], [3.0, 1.0]])}, TypeError,
         "targets must hold integers"),
        ({"log_probs": x[0, 0]}, ValueError,
         r"log_probs must be \(T, N, C\) or unbatched \(T, C\), got shape \(4,\)"),
        ({"log_probs": x[None]}, ValueError, r"got shape \(1, 5, 2, 4\)"),
        ({"log_probs": np.zeros((5, 2, 4), np.int64)}, TypeError,
         "log_probs must be floating point"),
        ({"blank": 4}, ValueError, r"blank must be a class index in \[0, 4\), got 4"),
        ({"blank": 1.0}, ValueError, "blank must be a class index"),
        ({"reduction": "batchmean"}, ValueError, "ctc_loss: reduction must be one of"),
        ({"zero_infinity": 1}, TypeError, "ctc_loss: zero_infinity must be a bool"),
    ]
    for change, err, msg in cases:
        args = {"log_probs": x, "targets": t, "input_lengths": il, "target_lengths": tl,
                **change}
        with pytest.raises(err, match=msg) as info:
            F.ctc_loss(**args)
        assert str(info.value).startswith("ctc_loss: ")
    with pytest.raises(ValueError, match=r"ctc_loss: input_lengths must be an int \(or of "
                       r"shape \(\) or \(1,\)\) for unbatched input, got shape \(2,\)"):
        F.ctc_loss(x[:, 0], [1, 2], [5, 5], 2)
    with pytest.raises(ValueError, match=r"targets must be 1-d \(S,\) for unbatched input"):
        F.ctc_loss(x[:, 0], [[1, 2]], 5, 2)
    with pytest.raises(ValueError, match="CTCLoss: blank must be a class index >= 0, got -1"):
        nn.CTCLoss(blank=-1)
    with pytest.raises(TypeError, match="CTCLoss: zero_infinity must be a bool"):
        nn.CTCLoss(zero_infinity="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("fill", [-100, 5, 99])
def test_padded_targets_ignore_any_padding_value(fill: int) -> None:
    """Entries past a sample's target length are never read as classes: −100 (the usual
    ignore index), C or more pad as PyTorch lets them (they crashed indexing)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((12, 3, 5))
    targets = np.full((3, 4), fill)
    lengths = np.array([4, 2, 0])
    targets[0, :4], targets[1, :2] = [1, 2, 2, 3], [4, 1]
    il = np.array([12, 9, 5])
    v = am.Tensor(x, requires_grad=True)
    loss = F.ctc_loss(am.log_softmax(v, axis=-1), targets, il, lengths, reduction="sum")
    loss.backward()
    tv = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.ctc_loss(torch.log_softmax(tv, -1), torch.tensor(targets),
                                       torch.tensor(il), torch.tensor(lengths), reduction="sum")
    ref.backward()
    np.testing.assert_allclose(loss.data, ref.detach().numpy(), rtol=1e-12)
    assert v.grad is not None and tv.grad is not None
    np.testing.assert_allclose(v.grad.data, tv.grad.numpy(), rtol=1e-10, atol=1e-12)
