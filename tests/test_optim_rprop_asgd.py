"""Rprop and ASGD: step by step against torch.optim, state, checkpoints and argument checks."""

from __future__ import annotations

import copy
import inspect
import io
from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor

STEPS = 20
SHAPES = [(3, 4), (4,), (), (2,)]  # the last never gets a gradient

CASES: list[tuple[str, dict[str, Any]]] = [
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5)}),
    ("Rprop", {"lr": 0.02, "step_sizes": (1e-3, 0.03), "maximize": True}),
    ("Rprop", {"lr": 0.2, "etas": (0.7, 1.1), "step_sizes": (0.0, 0.25)}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 5, "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.02, "t0": 0, "maximize": True}),
    ("ASGD", {"lr": 0.03, "lambd": 1e-3, "alpha": 1.0, "t0": 8.5, "weight_decay": 0.05}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]
#: the second group's own hyper-parameters
GROUP1: dict[str, dict[str, Any]] = {
    "Rprop": {"lr": 0.005, "etas": (0.4, 1.3), "step_sizes": (1e-4, 1.0)},
    "ASGD": {"lr": 0.005, "t0": 3, "lambd": 0.002, "alpha": 0.6},
}



def make_params(dtype: Any = np.float64) -> list[Tensor]:
    rng = np.random.default_rng(3)
    return [Tensor(rng.normal(size=s).astype(dtype), requires_grad=True) for s in SHAPES]


def groups(name: str, params: list[Any]) -> list[dict[str, Any]]:
    return [{"params": params[:2]}, {"params": params[2:], **GROUP1[name]}]


def backward(params: list[Tensor], k: int) -> None:
    """The gradient of a small regression loss on minibatch k (the 4th parameter unused)."""
    w, b, s = params[:3]
    dt = w.dtype
    x = Tensor(np.random.default_rng(100 + k).normal(size=(5, 3)).astype(dt))
    y = Tensor(np.random.default_rng(200 + k).normal(size=(5, 4)).astype(dt))
    d = (x @ w + b).tanh() * s - y
    ((d * d).sum() + 0.1 * (w * w * w).sum()).backward()


def train(opt: optim.Optimizer, params: list[Tensor], start: int, steps: int) -> None:
    for k in range(start, start + steps):
        opt.zero_grad()
        backward(params, k)
        opt.step()


def compare_with_torch(torch: Any, name: str, kw: dict[str, Any], dtype: Any, rtol: float,
                       atol: float) -> tuple[optim.Optimizer, Any]:
    """Step ours and torch's from the same start with the same gradients, comparing at every
    step; halfway both groups' lr changes (Rprop ignores it, ASGD's next eta follows it)."""
    params = make_params(dtype)
    tparams = [torch.tensor(p.data.copy(), requires_grad=True) for p in params]
    opt = getattr(optim, name)(groups(name, params), **kw)
    topt = getattr(torch.optim, name)(groups(name, tparams), **kw)
    for k in range(STEPS):
        if k == STEPS // 2:
            for g, tg in zip(opt.param_groups, topt.param_groups, strict=True):
                g["lr"] = tg["lr"] = 0.7 * tg["lr"]
        opt.zero_grad()
        backward(params, k)
        for p, tp in zip(params[:3], tparams, strict=False):
            assert p.grad is not None
            tp.grad = torch.tensor(p.grad.data.copy())
        opt.step()
        topt.step()
        for i, (p, tp) in enumerate(zip(params, tparams, strict=True)):
            assert p.data.dtype == dtype and p.shape == SHAPES[i]
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"step {k + 1}, parameter {i}")
    return opt, topt


# ----------------------------------------------------------------------------- against torch
@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
def test_twenty_steps_match_torch_in_float64(torch: Any, name: str, kw: dict[str, Any]) -> None:
    opt, topt = compare_with_torch(torch, name, kw, np.float64, 1e-12, 1e-12)
    ours, theirs = opt.state_dict(), topt.state_dict()
    assert sorted(ours["state"]) == sorted(theirs["state"]) == [0, 1, 2]
    for i, entries in ours["state"].items():
        assert list(entries) == list(theirs["state"][i])  # PyTorch's names, in its order
        for key, value in entries.items():
            expected = theirs["state"][i][key].numpy()
            if key == "step":
                assert type(value) is int and value == STEPS == expected
            else:
                assert isinstance(value, float if key in ("eta", "mu") else np.ndarray), key
                np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12, err_msg=key)
    for g, tg in zip(ours["param_groups"], theirs["param_groups"], strict=True):
        assert g == {k: tg[k] for k in g}  # (ours are a subset of torch's, with its values)


def test_the_cases_exercise_flips_clipping_and_averaging() -> None:
    """The trajectories compared with torch reach every branch: Rprop's sign flips (a zeroed
    gradient) and both clips; ASGD's averaging (μ < 1) once t > t₀."""
    params = make_params()
    opt: optim.Optimizer = optim.Rprop(groups("Rprop", params), **CASES[3][1])
    flipped, sizes = False, []
    for k in range(STEPS):
        train(opt, params, k, 1)
        st = opt.state[params[0]]
        flipped |= bool((st["prev"] == 0).any())
        sizes.append(st["step_size"].copy())
    assert flipped
    assert (np.array(sizes) == 0.25).any() and (np.array(sizes) < 0.1).any()
    params = make_params()
    opt = optim.ASGD(groups("ASGD", params), **CASES[5][1])
    train(opt, params, 0, STEPS)
    st = opt.state[params[0]]
    assert st["mu"] == 1 / (STEPS - 5) and not np.allclose(st["ax"], params[0].data)


@pytest.mark.parametrize(("name", "kw"), [CASES[1], CASES[5]], ids=["Rprop", "ASGD"])
def test_float32_stays_float32_and_follows_torch(name: str, kw: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    opt, _ = compare_with_torch(torch, name, kw, np.float32, 1e-4, 1e-5)
    for entries in opt.state_dict()["state"].values():
        for key, value in entries.items():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32, key
            else:
                assert type(value) is (int if key == "step" else float), key


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_defaults_and_argument_names_are_torchs(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    for arg, spec in ours.items():
        assert arg in theirs, arg
        if spec.default is not inspect.Parameter.empty:
            assert spec.default == theirs[arg].default, arg
    assert list(ours) == [a for a in theirs if a in ours]  # (the same order)
    opt = getattr(optim, name)(make_params()[:1])
    topt = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)])
    assert opt.defaults == {k: v for k, v in topt.defaults.items() if k in opt.defaults}


@pytest.mark.parametrize("name", ["Rprop", "ASGD"])
def test_maximize_is_minimising_the_negated_gradient(name: str) -> None:
    grads = np.random.default_rng(1).normal(size=(STEPS, 5))

    def run(sign: float, **kw: Any) -> np.ndarray:
        p = Tensor(np.linspace(-1.0, 1.0, 5), requires_grad=True)
        opt = getattr(optim, name)([p], **kw)
        for g in grads:
            p.grad = Tensor(sign * g)
            opt.step()
        return p.data

    up = run(1.0, maximize=True)
    np.testing.assert_array_equal(up, run(-1.0))
    assert not np.allclose(up, run(1.0))


def test_rprop_follows_its_equations_at_large_gradients() -> None:
    """Only the sign counts: gradients of ±1000 (and an exact 0) step by the step sizes, with
    no warning (the tests run with warnings as errors)."""
    p = Tensor(np.zeros(3), requires_grad=True)
    opt = optim.Rprop([p], lr=0.1, etas=(0.5, 2.0), step_sizes=(0.01, 0.3))
    expected, size = np.zeros(3), np.full(3, 0.1)
    prev = np.zeros(3)
    for g in ([1000.0, -1000.0, 0.0], [1e300, 1000.0, 5.0], [-1000.0, 7.0, 5.0],
              [-3.0, 7.0, -1e-300]):
        grad = np.array(g)
        p.grad = Tensor(grad)
        opt.step()
        agree = grad * prev
        size = np.clip(size * np.where(agree > 0, 2.0, np.where(agree < 0, 0.5, 1.0)), 0.01, 0.3)
        grad = np.where(agree < 0, 0.0, grad)
        expected = expected - np.sign(grad) * size
        prev = grad
        np.testing.assert_array_equal(p.data, expected)
    np.testing.assert_array_equal(opt.state[p]["step_size"], size)


# ----------------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize(("name", "kw"), [CASES[1], CASES[5]], ids=["Rprop", "ASGD"])
def test_state_dict_and_save_load_resume_exactly(name: str, kw: dict[str, Any]) -> None:
    params = make_params()
    opt = getattr(optim, name)(groups(name, params), **kw)
    train(opt, params, 0, 8)
    sd = opt.state_dict()
    buf = io.BytesIO()
    optim.save(opt, buf)
    twins = []
    for how in ("state_dict", "file"):
        q = [Tensor(p.data.copy(), requires_grad=True) for p in params]
        other = getattr(optim, name)(groups(name, q))  # (its hyper-parameters come from the load)
        if how == "state_dict":
            other.load_state_dict(copy.deepcopy(sd))
        else:
            buf.seek(0)
            optim.load(other, buf)
        assert other.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
        twins.append((other, q))
    train(opt, params, 8, 8)
    for other, q in twins:
        train(other, q, 8, 8)
        for p, p2 in zip(params, q, strict=True):
            np.testing.assert_array_equal(p.data, p2.data)
        for i, entries in opt.state_dict()["state"].items():
            theirs = other.state_dict()["state"][i]
            assert list(entries) == list(theirs)
            for key, value in entries.items():
                np.testing.assert_array_equal(value, theirs[key], err_msg=key)


@pytest.mark.parametrize(("name", "kw"), [CASES[2], CASES[7]], ids=["Rprop", "ASGD"])
def test_a_torch_state_dict_loads_and_continues_as_torch(torch: Any, name: str,
                                                         kw: dict[str, Any]) -> None:
    params = make_params()
    tparams = [torch.tensor(p.data.copy(), requires_grad=True) for p in params]
    topt = getattr(torch.optim, name)(groups(name, tparams), **kw)
    for k in range(6):
        topt.zero_grad()
        for p, tp in zip(params, tparams, strict=True):
            p.data[...] = tp.detach().numpy()
        opt_probe = [Tensor(p.data.copy(), requires_grad=True) for p in params]
        backward(opt_probe, k)
        for p, tp in zip(opt_probe[:3], tparams, strict=False):
            tp.grad = torch.tensor(p.grad.data.copy())  # type: ignore[union-attr]
        topt.step()
    ours = [Tensor(tp.detach().numpy().copy(), requires_grad=True) for tp in tparams]
    opt = getattr(optim, name)(groups(name, ours))
    opt.load_state_dict(topt.state_dict())
    assert opt.param_groups[0]["maximize"] == kw.get("maximize", False)
    for k in range(6, 12):
        opt.zero_grad()
        backward(ours, k)
        for p, tp in zip(ours[:3], tparams, strict=False):
            tp.grad = torch.tensor(p.grad.data.copy())  # type: ignore[union-attr]
        opt.step()
        topt.step()
        for p, tp in zip(ours, tparams, strict=True):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_asgd_load_state_dict_checks_eta_and_mu_and_changes_nothing() -> None:
    params = make_params()
    opt = optim.ASGD(groups("ASGD", params), t0=2)
    train(opt, params, 0, 4)
    before = opt.state_dict()
    bad = copy.deepcopy(before)
    bad["state"][0]["mu"] = 1.5
    bad["state"][1]["eta"] = float("nan")
    del bad["state"][2]["mu"]
    with pytest.raises(ValueError, match=r"(?s)'mu' of parameter 0 must be a number in "
                                         r"\(0, 1\], got 1\.5.*'eta' of parameter 1 must be "
                                         r"a finite number >= 0, got nan.*parameter 2 lacks "
                                         r"\['mu'\]"):
        opt.load_state_dict(bad)
    bad = copy.deepcopy(before)
    bad["state"][0]["eta"] = -1.0
    bad["state"][1]["ax"] = np.zeros(7)
    with pytest.raises(ValueError, match=r"(?s)'ax' of parameter 1 has shape \(7,\).*'eta' of "
                                         r"parameter 0 must be a finite number >= 0"):
        opt.load_state_dict(bad)
    after = opt.state_dict()
    for i, entries in before["state"].items():
        for key, value in entries.items():
            np.testing.assert_array_equal(after["state"][i][key], value)


# ----------------------------------------------------------------------------- bad arguments
def _leaf() -> Tensor:
    return Tensor(np.ones(3), requires_grad=True)


@pytest.mark.parametrize(("kw", "error", "message"), [
    ({"lr": -0.1}, ValueError, r"Rprop: invalid lr: -0\.1 \(must be >= 0\)"),
    ({"etas": (0.5, 0.9)}, ValueError, r"Rprop: invalid etas \(0\.5, 0\.9\) \(need 0 < "
                                       r"etas\[0\] < 1 < etas\[1\]"),
    ({"etas": (0.0, 1.2)}, ValueError, r"Rprop: invalid etas"),
    ({"etas": (1.0, 1.2)}, ValueError, r"Rprop: invalid etas"),
    ({"etas": (-0.5, 1.2)}, ValueError, r"Rprop: invalid etas\[0\]: -0\.5"),
    ({"etas": 0.5}, ValueError, r"Rprop: invalid etas: 0\.5 \(must be a pair\)"),
    ({"etas": ("a", 2)}, TypeError, r"Rprop: etas\[0\] must be a real number"),
    ({"step_sizes": (1.0, 0.1)}, ValueError, r"Rprop: invalid step_sizes \(1\.0, 0\.1\) \(need "
                                             r"step_sizes\[0\] <= step_sizes\[1\]"),
    ({"step_sizes": (1e-6, float("nan"))}, ValueError, r"Rprop: invalid step_sizes\[1\]: nan"),
    ({"maximize": 1}, TypeError, r"maximize must be a bool"),
])
def test_rprop_refuses_bad_hyper_parameters(kw: dict[str, Any], error: type[Exception],
                                            message: str) -> None:
    with pytest.raises(error, match=message):
        optim.Rprop([_leaf()], **kw)


@pytest.mark.parametrize(("kw", "error", "message"), [
    ({"lr": -1.0}, ValueError, r"ASGD: invalid lr: -1\.0 \(must be >= 0\)"),
    ({"lambd": -1e-4}, ValueError, r"ASGD: invalid lambd: -0\.0001"),
    ({"alpha": float("nan")}, ValueError, r"ASGD: invalid alpha: nan \(must be finite\)"),
    ({"t0": -5}, ValueError, r"ASGD: invalid t0: -5"),
    ({"weight_decay": -0.1}, ValueError, r"ASGD: invalid weight_decay: -0\.1"),
    ({"t0": "soon"}, TypeError, r"ASGD: t0 must be a real number, got 'soon'"),
])
def test_asgd_refuses_bad_hyper_parameters(kw: dict[str, Any], error: type[Exception],
                                           message: str) -> None:
    with pytest.raises(error, match=message):
        optim.ASGD([_leaf()], **kw)


def test_a_bad_group_in_a_state_dict_is_refused_by_name() -> None:
    opt = optim.Rprop([_leaf()])
    sd = opt.state_dict()
    sd["param_groups"][0]["etas"] = (2.0, 3.0)
    with pytest.raises(ValueError, match=r"group 0: Rprop: invalid etas \(2\.0, 3\.0\)"):
        opt.load_state_dict(sd)
    assert opt.param_groups[0]["etas"] == (0.5, 1.2)


@pytest.mark.parametrize("grads", [[1.0, np.inf, 0.0, 1.0, 1.0], [1.0, np.nan, 1.0, 1.0],
                                   [1.0, -np.inf, np.nan, -1.0, 2.0, 2.0]], ids=str)
def test_rprop_skips_a_nan_gradient_and_inf_then_zero_as_torch(torch: Any,
                                                               grads: list[float]) -> None:
    """Where g·g′ is NaN (a NaN gradient, or ∞ then 0) there is no sign to go by: the factor
    is 1 and a NaN gradient moves nothing, as PyTorch's sign(NaN) = 0; the parameter stays
    finite."""
    p = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    tp = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt, topt = optim.Rprop([p], lr=0.1), torch.optim.Rprop([tp], lr=0.1)
    for g in grads:
        p.grad = Tensor(np.array([g, 1.0]))
        tp.grad = torch.tensor([g, 1.0], dtype=torch.float64)
        opt.step()
        topt.step()
        np.testing.assert_array_equal(p.data, tp.detach().numpy())
        np.testing.assert_array_equal(opt.state[p]["step_size"],
                                      topt.state[tp]["step_size"].numpy())
    assert np.isfinite(p.data).all()


def test_rprop_takes_an_infinite_largest_step_as_torch() -> None:
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.Rprop([p], lr=0.1, step_sizes=(0, float("inf")), etas=(0.5, 10.0))
    for _ in range(4):
        p.grad = Tensor(np.array([1.0]))
        opt.step()
    assert opt.state[p]["step_size"][0] == pytest.approx(100.0)  # 0.1 · 10³, unbounded
    saved = io.BytesIO()
    optim.save(opt, saved)
    saved.seek(0)
    again = optim.Rprop([p], step_sizes=(0, float("inf")))
    optim.load(again, saved)
    assert again.param_groups[0]["step_sizes"] == (0.0, float("inf"))

