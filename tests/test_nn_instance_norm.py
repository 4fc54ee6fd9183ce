"""instance_norm and InstanceNorm1d/2d/3d against PyTorch's: values and gradients (input,
weight, bias), batched and unbatched, running statistics over several training steps then eval,
state_dict keys, float32 kept, gradient checks of first and second order, and the errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_mini as am
import nn
import nn.functional as F

RNG = np.random.default_rng


@pytest.mark.parametrize("shape", [(2, 3, 5), (4, 2, 3, 4), (2, 2, 2, 3, 2), (1, 1, 2)])
@pytest.mark.parametrize("affine", [True, False])
def test_functional_matches_torch(shape: tuple[int, ...], affine: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(len(shape))
    c = shape[1]
    x = rng.standard_normal(shape) * 3 + 1
    w, b = rng.standard_normal(c), rng.standard_normal(c)
    mine = [am.Tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    args = (mine[1], mine[2]) if affine else (None, None)
    targs = (theirs[1], theirs[2]) if affine else (None, None)
    y = F.instance_norm(mine[0], weight=args[0], bias=args[1], eps=1e-3)
    ty = torch.nn.functional.instance_norm(theirs[0], weight=targs[0], bias=targs[1], eps=1e-3)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-12)
    for a, t in list(zip(mine, theirs))[:3 if affine else 1]:
        assert a.grad is not None
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), atol=1e-11)


def test_functional_running_stats_and_eval() -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(1)
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    for step in range(4):
        x = rng.standard_normal((2 + step, 3, 4, 5)) * (step + 1)
        y = F.instance_norm(x, rm, rv, momentum=0.3)
        ty = torch.nn.functional.instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
        np.testing.assert_allclose(y.data, ty.numpy(), atol=1e-12)
        np.testing.assert_allclose(rm, trm.numpy(), atol=1e-13)
        np.testing.assert_allclose(rv, trv.numpy(), atol=1e-13)
    x = rng.standard_normal((2, 3, 4, 5))
    y = F.instance_norm(am.Tensor(x), am.Tensor(rm), am.Tensor(rv), use_input_stats=False)
    ty = torch.nn.functional.instance_norm(torch.tensor(x), trm, trv, use_input_stats=False)
    np.testing.assert_allclose(y.data, ty.numpy(), atol=1e-12)


@pytest.mark.parametrize("cls", ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"])
@pytest.mark.parametrize("affine,track", [(False, False), (True, False), (False, True),
                                          (True, True)])
def test_layers_train_then_eval(cls: str, affine: bool, track: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = RNG(2)
    spatial = {"InstanceNorm1d": (6,), "InstanceNorm2d": (3, 4), "InstanceNorm3d": (2, 3, 2)}[cls]
    ours = getattr(nn, cls)(3, momentum=0.2, affine=affine, track_running_stats=track)
    theirs = getattr(torch.nn, cls)(3, momentum=0.2, affine=affine, track_running_stats=track,
                                    dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.extra_repr() == theirs.extra_repr()
    if affine:  # non-trivial parameters, the same on both sides
        with torch.no_grad():
            for p in theirs.parameters():
                p.copy_(torch.tensor(rng.standard_normal(3)))
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for step in range(5):
        train = step < 3
        ours.train(train)
        theirs.train(train)
        lead = (2,) if step != 1 else ()  # an unbatched input too
        x = rng.standard_normal((*lead, 3, *spatial)) * (step + 1) + step
        mine, t = am.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = ours(mine), theirs(t)
        g = rng.standard_normal(y.shape)
        y.backward(g)
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-11)
        assert mine.grad is not None
        np.testing.assert_allclose(mine.grad.data, t.grad.numpy(), atol=1e-11)
        for (k, v), (tk, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
            assert k == tk
            np.testing.assert_allclose(np.asarray(v), tv.detach().numpy(), atol=1e-13,
                                       err_msg=k)
        for p, tp in zip(ours.parameters(), theirs.parameters()):
            assert p.grad is not None
            np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), atol=1e-11)
            p.grad = None
            tp.grad = None


def test_momentum_none_and_bias_false() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.InstanceNorm1d(2, momentum=None, track_running_stats=True)
    theirs = torch.nn.InstanceNorm1d(2, momentum=None, track_running_stats=True,
                                     dtype=torch.float64)
    x = RNG(3).standard_normal((3, 2, 5)) + 4
    ours(x)
    theirs(torch.tensor(x))
    assert ours.running_mean is not None
    np.testing.assert_array_equal(ours.running_mean, theirs.running_mean.numpy())
    np.testing.assert_array_equal(ours.running_mean, np.zeros(2))
    nb = nn.InstanceNorm2d(4, affine=True, bias=False)
    tnb = torch.nn.InstanceNorm2d(4, affine=True, bias=False, dtype=torch.float64)
    assert list(nb.state_dict()) == ["weight"] == list(tnb.state_dict())
    assert nb.extra_repr() == tnb.extra_repr()
    x2 = RNG(4).standard_normal((2, 4, 3, 3))
    np.testing.assert_allclose(nb(x2).data, tnb(torch.tensor(x2)).detach().numpy(), atol=1e-12)


def test_float32_kept_and_large_values() -> None:
    torch = pytest.importorskip("torch")
    m = nn.InstanceNorm2d(2, affine=True, track_running_stats=True, dtype=np.float32)
    x = am.Tensor(RNG(4).uniform(-1000, 1000, (2, 2, 3, 3)).astype(np.float32),
                  requires_grad=True)
    y = m(x)
    y.backward(np.ones(y.shape, np.float32))
    assert y.dtype == np.float32 and x.grad is not None and x.grad.dtype == np.float32
    assert m.running_mean is not None and m.running_mean.dtype == np.float32
    ref = torch.nn.functional.instance_norm(torch.tensor(x.data))
    np.testing.assert_allclose(y.data, ref.numpy(), atol=1e-5)
    m.eval()
    assert m(x).dtype == np.float32


def test_gradcheck_first_and_second_order() -> None:
    rng = RNG(5)
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal(3), rng.standard_normal(3)

    def f(z: am.Tensor, wt: am.Tensor, bt: am.Tensor) -> am.Tensor:
        return F.instance_norm(z, weight=wt, bias=bt)

    assert am.gradcheck(f, [x, w, b])
    assert am.gradgradcheck(f, [x, w, b])
    x2 = rng.standard_normal((1, 2, 2, 3))
    assert am.gradgradcheck(lambda z: nn.InstanceNorm2d(2)(z), [x2])


def test_errors_and_warning() -> None:
    with pytest.raises(ValueError, match=r"InstanceNorm1d\(3\): expected input \(N, 3, L\) or "
                                         r"\(3, L\), got shape \(2, 3, 4, 5\)"):
        nn.InstanceNorm1d(3)(np.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"InstanceNorm2d\(3\): input of shape \(2, 4, 5, 5\) "
                                         "has 4 channels at axis 1, expected 3"):
        nn.InstanceNorm2d(3, affine=True)(np.ones((2, 4, 5, 5)))
    with pytest.raises(ValueError, match="has 2 channels at axis 0, expected 3"):
        nn.InstanceNorm1d(3, track_running_stats=True)(np.ones((2, 5)))
    with pytest.warns(UserWarning, match="has 4 channels at axis 1, not num_features"):
        y = nn.InstanceNorm1d(3)(RNG(6).standard_normal((2, 4, 5)))
    assert y.shape == (2, 4, 5)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm2d(2)(np.ones((3, 2, 1, 1)))
    with pytest.raises(ValueError, match="use_input_stats=False needs running_mean"):
        F.instance_norm(np.ones((1, 2, 3)), use_input_stats=False)
    with pytest.raises(ValueError, match="give both running_mean and running_var"):
        F.instance_norm(np.ones((1, 2, 3)), running_mean=np.zeros(2))
    with pytest.raises(ValueError, match=r"running_var must be a floating array .* shape "
                                         r"\(2,\).*got a float64 array of shape \(3,\)"):
        F.instance_norm(np.ones((1, 2, 3)), np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match=r"running_mean must be a floating array .*got an? "
                                         r"int64 array of shape \(2,\)"):
        F.instance_norm(np.ones((1, 2, 3)), np.zeros(2, dtype=np.int64), np.ones(2))
    with pytest.raises(ValueError, match=r"running_var must be .*got list"):
        F.instance_norm(np.ones((1, 2, 3)), np.zeros(2), [1.0, 1.0])
    with pytest.raises(ValueError, match=r"weight must have shape \(2,\)"):
        F.instance_norm(np.ones((1, 2, 3)), weight=np.ones(3))
    with pytest.raises(ValueError, match="at least 3 axes"):
        F.instance_norm(np.ones((2, 3)))
    with pytest.raises(TypeError, match="input must be floating point"):
        F.instance_norm(np.ones((1, 2, 3), np.int64))
    with pytest.raises(ValueError, match="InstanceNorm1d: num_features must be a positive"):
        nn.InstanceNorm1d(0)
    with pytest.raises(ValueError, match="InstanceNorm2d: momentum must be a finite number"):
        nn.InstanceNorm2d(2, momentum=1.5)
    with warnings.catch_warnings():  # an empty batch: empty output, buffers unchanged
        warnings.simplefilter("error")
        m = nn.InstanceNorm1d(2, track_running_stats=True)
        assert m(np.ones((0, 2, 3))).shape == (0, 2, 3)
        assert m.running_var is not None
        np.testing.assert_array_equal(m.running_var, np.ones(2))
