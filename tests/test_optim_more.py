"""NAdam, RAdam, Adamax and Adadelta: step by step against torch.optim, state, checkpoints."""

from __future__ import annotations

import copy
import inspect
import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor

NAN = math.nan
STEPS = 20
SHAPES = [(3, 4), (4,), (), (2,)]  # the last never gets a gradient

#: per class: (settings of the whole optimiser, the second group's own hyper-parameters)
CASES: list[tuple[str, dict[str, Any]]] = [
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.02, "momentum_decay": 0.0, "maximize": True}),
    ("NAdam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "momentum_decay": 0.05}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.02, "betas": (0.5, 0.9), "maximize": True}),
    ("RAdam", {"lr": 0.02, "betas": (0.9, 0.5)}),  # ρ∞ = 3: never rectified
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 0.0, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1}),
    ("Adadelta", {"lr": 0.05, "rho": 1.0, "eps": 1e-3}),  # v = u = 0: Δ = g
    ("Adadelta", {"rho": 0.0, "maximize": True}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]
GROUP1: dict[str, dict[str, Any]] = {
    "NAdam": {"lr": 0.005, "betas": (0.7, 0.9), "momentum_decay": 0.01},
    "RAdam": {"lr": 0.005, "betas": (0.6, 0.95)},
    "Adamax": {"lr": 0.005, "betas": (0.8, 0.99), "weight_decay": 0.05},
    "Adadelta": {"lr": 0.3, "rho": 0.7},
}
NAMES = sorted(GROUP1)



def make_params(dtype: Any = np.float64) -> list[Tensor]:
    rng = np.random.default_rng(3)
    return [Tensor(rng.normal(size=s).astype(dtype), requires_grad=True) for s in SHAPES]


def groups(name: str, params: list[Any]) -> list[dict[str, Any]]:
    return [{"params": params[:2]}, {"params": params[2:], **GROUP1[name]}]


def build(name: str, kw: dict[str, Any], params: list[Tensor]) -> optim.Optimizer:
    opt: optim.Optimizer = getattr(optim, name)(groups(name, params), **kw)
    return opt


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


# ----------------------------------------------------------------------------- against torch
def compare_with_torch(torch: Any, name: str, kw: dict[str, Any], dtype: Any,
                       rtol: float, atol: float) -> tuple[optim.Optimizer, Any]:
    """Step ours and torch's with the same start and the same gradient, comparing each step."""
    params = make_params(dtype)
    tparams = [torch.tensor(p.data.copy(), requires_grad=True) for p in params]
    opt = build(name, kw, params)
    topt = getattr(torch.optim, name)(groups(name, tparams), **kw)
    for k in range(STEPS):
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
                np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12, err_msg=key)
    for g, tg in zip(ours["param_groups"], theirs["param_groups"], strict=True):
        assert g == {k: tg[k] for k in g}  # (ours are a subset of torch's, with its values)


@pytest.mark.parametrize(("name", "kw"), [CASES[1], CASES[6], CASES[11], CASES[14]],
                         ids=["NAdam", "RAdam", "Adamax", "Adadelta"])
def test_float32_stays_float32_and_follows_torch(name: str, kw: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    opt, _ = compare_with_torch(torch, name, kw, np.float32, 1e-4, 1e-5)
    for entries in opt.state_dict()["state"].values():
        for key, value in entries.items():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32, key
            else:
                assert type(value) is (int if key == "step" else float), key


@pytest.mark.parametrize("name", NAMES)
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


def test_radam_takes_momentum_steps_while_rho_is_at_most_5() -> None:
    """With β₂ = 0.999, ρ₅ ≤ 5 < ρ₆: five bias-corrected momentum steps, then rectified."""
    beta1, beta2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    rho_inf = 2 / (1 - beta2) - 1
    p = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = optim.RAdam([p], lr=lr)
    theta, m, v = p.data.copy(), np.zeros(2), np.zeros(2)
    for t, g in enumerate(np.random.default_rng(0).normal(size=(7, 2)), start=1):
        p.grad = Tensor(g)
        opt.step()
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        rho = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        assert (rho > 5) == (t > 5)
        step = lr * m / (1 - beta1**t)
        if t > 5:
            r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            step = step * r * math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)
        theta = theta - step
        np.testing.assert_allclose(p.data, theta, rtol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_maximize_is_minimising_the_negated_gradient(name: str) -> None:
    grads = np.random.default_rng(1).normal(size=(STEPS, 5))

    def run(sign: float, **kw: Any) -> np.ndarray:
        p = Tensor(np.linspace(-1.0, 1.0, 5), requires_grad=True)
        opt = getattr(optim, name)([p], weight_decay=0.1, **kw)
        for g in grads:
            p.grad = Tensor(sign * g)
            opt.step()
        return p.data

    up = run(1.0, maximize=True)
    np.testing.assert_array_equal(up, run(-1.0))
    assert not np.allclose(up, run(1.0))


# ----------------------------------------------------------------------------- state, checkpoints
def flatten(sd: dict[str, Any]) -> dict[str, np.ndarray]:
    """A state dict as the flat arrays ``np.savez`` takes (numbers become 0-d arrays)."""
    flat = {f"state/{i}/{k}": np.asarray(v) for i, e in sd["state"].items() for k, v in e.items()}
    for gi, group in enumerate(sd["param_groups"]):
        flat.update({f"param_groups/{gi}/{k}": np.asarray(v) for k, v in group.items()})
    return flat


def unflatten(flat: Any) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    grps: dict[int, dict[str, Any]] = {}
    for key in flat:
        kind, index, name = key.split("/")
        (state if kind == "state" else grps).setdefault(int(index), {})[name] = flat[key]
    return {"state": state, "param_groups": [grps[i] for i in sorted(grps)]}


@pytest.mark.parametrize(("name", "kw"), [CASES[2], CASES[7], CASES[12], CASES[14]],
                         ids=["NAdam", "RAdam", "Adamax", "Adadelta"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("trip", ["direct", "deepcopy", "savez", "file", "bytes"])
def test_resume_gives_the_same_trajectory(name: str, kw: dict[str, Any], dtype: Any, trip: str,
                                          tmp_path: Path) -> None:
    straight = make_params(dtype)
    train(build(name, kw, straight), straight, 0, 12)

    params = make_params(dtype)
    first = build(name, kw, params)
    train(first, params, 0, 7)
    saved = first.state_dict()
    target: Any = tmp_path / "o.safetensors" if trip == "file" else io.BytesIO()
    if trip == "deepcopy":
        saved = copy.deepcopy(saved)
    elif trip == "savez":
        flat: dict[str, Any] = flatten(saved)
        np.savez(tmp_path / "o.npz", **flat)
        with np.load(tmp_path / "o.npz", allow_pickle=False) as data:
            saved = unflatten({k: data[k] for k in data.files})
    elif trip in ("file", "bytes"):
        optim.save(first, target)
    train(first, params, 7, 2)  # later steps must not leak into what was saved

    resumed = make_params(dtype)
    train(build(name, kw, resumed), resumed, 0, 7)  # the weights as at the snapshot
    fresh = build(name, {**kw, "lr": 7.0}, resumed)  # the snapshot restores the lr
    if trip in ("file", "bytes"):
        if isinstance(target, io.BytesIO):
            target.seek(0)
        optim.load(fresh, target)
    else:
        fresh.load_state_dict(saved)
    assert fresh.state_dict()["param_groups"] == first.state_dict()["param_groups"]
    if name == "NAdam":
        entry = fresh.state_dict()["state"][0]
        assert type(entry["mu_product"]) is float and 0 < entry["mu_product"] < 1
    train(fresh, resumed, 7, 5)
    for a, b in zip(resumed, straight, strict=True):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a.data, b.data)


def test_resume_detects_a_lost_mu_product() -> None:
    """The resume test can fail: NAdam restarted with P = 1 goes elsewhere."""
    straight = make_params()
    train(build("NAdam", {}, straight), straight, 0, 12)
    params = make_params()
    opt = build("NAdam", {}, params)
    train(opt, params, 0, 7)
    for st in opt.state.values():
        st["mu_product"] = 1.0
    train(opt, params, 7, 5)
    assert not np.allclose(params[0].data, straight[0].data, rtol=1e-6)


def stepped(name: str) -> tuple[optim.Optimizer, list[Tensor]]:
    params = make_params()
    opt = build(name, {}, params)
    train(opt, params, 0, 2)
    return opt, params


def assert_refused(opt: optim.Optimizer, sd: Any, match: str) -> None:
    before, grps, state = opt.state_dict(), opt.param_groups, opt.state
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    after = opt.state_dict()
    assert opt.param_groups is grps and opt.state is state
    assert after["param_groups"] == before["param_groups"] and after["state"].keys() == \
        before["state"].keys()
    for i, entries in before["state"].items():
        assert after["state"][i].keys() == entries.keys()
        for k, v in entries.items():
            np.testing.assert_array_equal(after["state"][i][k], v)


@pytest.mark.parametrize(("value", "match"), [
    (1.5, r"'mu_product' of parameter 1 must be a number in \[0, 1\], got 1.5"),
    (-0.1, r"must be a number in \[0, 1\]"),
    (NAN, r"must be a number in \[0, 1\], got nan"),
    ("0.5", r"'mu_product' of parameter 1 must be a number"),
    (True, r"'mu_product' of parameter 1 must be a number"),
    (None, r"state of parameter 1 lacks \['mu_product'\]"),
])
def test_nadam_checks_mu_product_before_anything_changes(value: Any, match: str) -> None:
    opt, _ = stepped("NAdam")
    sd = copy.deepcopy(opt.state_dict())
    if value is None:
        del sd["state"][1]["mu_product"]
    else:
        sd["state"][1]["mu_product"] = value
    assert_refused(opt, sd, match)
    sd["param_groups"][0]["betas"] = (0.9, 1.5)  # one ValueError lists every problem
    assert_refused(opt, sd, r"(?s)betas\[1\].*parameter 1")


@pytest.mark.parametrize(("name", "edit", "match"), [
    ("NAdam", lambda s: {**s, "exp_inf": s["exp_avg"]}, "unknown state 'exp_inf'"),
    ("NAdam", lambda s: {**s, "step": 1.5}, r"'step' .* must be a count"),
    ("NAdam", lambda s: {"step": 2, "mu_product": 0.5}, r"lacks \['exp_avg', 'exp_avg_sq'\]"),
    ("NAdam", lambda s: {**s, "exp_avg": np.zeros(3)}, r"shape \(3,\), but the parameter"),
    ("RAdam", lambda s: {**s, "mu_product": 0.5}, "unknown state 'mu_product'"),
    ("RAdam", lambda s: {"step": 2}, r"lacks \['exp_avg', 'exp_avg_sq'\]"),
    ("Adamax", lambda s: {**s, "exp_avg_sq": s["exp_inf"]}, "unknown state 'exp_avg_sq'"),
    ("Adamax", lambda s: {**s, "step": -1}, r"'step' .* must be a count"),
    ("Adadelta", lambda s: {"step": 2, "square_avg": s["square_avg"]}, r"lacks \['acc_delta'\]"),
])
def test_state_is_checked_before_anything_changes(name: str, edit: Any, match: str) -> None:
    opt, _ = stepped(name)
    sd = copy.deepcopy(opt.state_dict())
    sd["state"][0] = edit(sd["state"][0])
    assert_refused(opt, sd, match)


@pytest.mark.parametrize("bad", [{}, {"state": [1], "param_groups": []}, 3,
                                 {"state": {0: 1}, "param_groups": []}])
def test_nadam_refuses_what_is_not_a_state_dict(bad: Any) -> None:
    opt, _ = stepped("NAdam")
    assert_refused(opt, bad, "state")


def test_nadam_loads_its_state_under_other_indices() -> None:
    """Saved indices are matched to the parameters by position, mu_product included."""
    opt, params = stepped("NAdam")
    sd = opt.state_dict()
    shift = {i: i + 10 for i in range(4)}
    moved = {"state": {str(shift[i]): e for i, e in sd["state"].items()},
             "param_groups": [{**g, "params": [shift[i] for i in g["params"]]}
                              for g in sd["param_groups"]]}
    fresh = build("NAdam", {}, params)
    fresh.load_state_dict(moved)
    assert fresh.state_dict()["state"][2]["mu_product"] == sd["state"][2]["mu_product"]
    assert list(fresh.state_dict()["state"][2]) == ["step", "mu_product", "exp_avg", "exp_avg_sq"]


# ----------------------------------------------------------------------------- hyper-parameters
BAD: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    *[(n, {"lr": -1e-3}, ValueError, r"invalid lr: -0.001 \(must be >= 0\)") for n in NAMES],
    *[(n, {"eps": -1e-8}, ValueError, "invalid eps") for n in NAMES],
    *[(n, {"weight_decay": -0.1}, ValueError, "invalid weight_decay") for n in NAMES],
    *[(n, {"lr": NAN}, ValueError, "invalid lr: nan \\(must be finite\\)") for n in NAMES],
    *[(n, {"lr": "0.1"}, TypeError, "lr must be a real number") for n in NAMES],
    *[(n, {"maximize": 1}, TypeError, "maximize must be a bool") for n in NAMES],
    *[(n, {"betas": (1.0, 0.999)}, ValueError, r"invalid betas\[0\]: 1.0 \(must be in \[0, 1\)\)")
      for n in ("NAdam", "RAdam", "Adamax")],
    *[(n, {"betas": (0.9, -0.5)}, ValueError, r"invalid betas\[1\]")
      for n in ("NAdam", "RAdam", "Adamax")],
    *[(n, {"betas": 0.9}, ValueError, r"must be a pair \(beta1, beta2\)")
      for n in ("NAdam", "RAdam", "Adamax")],
    *[(n, {"decoupled_weight_decay": 1}, TypeError, "decoupled_weight_decay must be a bool")
      for n in ("NAdam", "RAdam")],
    ("NAdam", {"momentum_decay": -4e-3}, ValueError, "invalid momentum_decay"),
    ("NAdam", {"momentum_decay": math.inf}, ValueError, "momentum_decay.*finite"),
    ("Adadelta", {"rho": 1.5}, ValueError, r"invalid rho: 1.5 \(must be in \[0, 1\]\)"),
    ("Adadelta", {"rho": -0.1}, ValueError, "invalid rho"),
]


@pytest.mark.parametrize(("name", "kw", "exc", "match"), BAD,
                         ids=[f"{n}-{next(iter(kw))}-{i}" for i, (n, kw, _, _) in enumerate(BAD)])
def test_bad_hyperparameters_are_refused(name: str, kw: dict[str, Any], exc: type[Exception],
                                         match: str) -> None:
    cls = getattr(optim, name)
    with pytest.raises(exc, match=match):
        cls(make_params()[:1], **kw)
    opt = cls(make_params()[:1])
    with pytest.raises(exc, match=match):  # a group's own values are checked too
        opt.add_param_group({"params": make_params()[1:2], **kw})
    assert len(opt.param_groups) == 1
    if exc is ValueError and kw not in ({"betas": 0.9}, {"momentum_decay": math.inf}):
        torch = pytest.importorskip("torch")  # PyTorch refuses the same values
        with pytest.raises((ValueError, TypeError)):
            getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kw)


@pytest.mark.parametrize(("name", "kw"), [
    ("NAdam", {"lr": 0.0, "eps": 0.0, "betas": (0.0, 0.0), "momentum_decay": 0.0}),
    ("RAdam", {"lr": 0.0, "eps": 0.0, "betas": (0.0, 0.0)}),
    ("Adamax", {"lr": 0.0, "eps": 0.0, "betas": [0.0, 0.0]}),
    ("Adadelta", {"lr": 0.0, "rho": 1.0}),
    ("Adadelta", {"eps": 0.0, "rho": 0.0}),
])
def test_boundary_values_are_accepted(name: str, kw: dict[str, Any]) -> None:
    p = make_params()[0]
    opt = getattr(optim, name)([p], **kw)
    if "betas" in kw:
        assert opt.param_groups[0]["betas"] == (0.0, 0.0)
    p.grad = Tensor(np.ones(p.shape))
    before = p.data.copy()
    opt.step()
    if kw.get("lr") == 0.0:
        np.testing.assert_array_equal(p.data, before)


@pytest.mark.parametrize("name", NAMES)
def test_large_gradients_stay_finite_in_float32(name: str) -> None:
    p = Tensor(np.full(4, 1e3, dtype=np.float32), requires_grad=True)
    opt = getattr(optim, name)([p], weight_decay=0.1)
    for sign in (1.0, -1.0, 1.0):
        p.grad = Tensor(np.array([1e3, -1e3, 1e-3, 0.0], dtype=np.float32) * sign)
        opt.step()
    assert p.data.dtype == np.float32 and np.isfinite(p.data).all()


@pytest.mark.parametrize(("name", "kw"), [CASES[2], CASES[7], CASES[11], CASES[14]],
                         ids=["NAdam", "RAdam", "Adamax", "Adadelta"])
def test_updates_in_place_and_numpy_scalars_keep_float32(name: str, kw: dict[str, Any]) -> None:
    """NumPy 2 promotes float32 · np.float64 to float64; the update must not."""

    def run(numpy_scalars: bool) -> np.ndarray:
        params = make_params(np.float32)
        arrays = [p.data for p in params]
        opt = build(name, kw, params)
        if numpy_scalars:
            for group in opt.param_groups:
                for key, value in group.items():
                    if isinstance(value, float):
                        group[key] = np.float64(value)
                    elif isinstance(value, tuple):
                        group[key] = tuple(np.float64(v) for v in value)
        train(opt, params, 0, 4)
        assert all(p.data is a for p, a in zip(params, arrays, strict=True))
        return np.concatenate([p.data.ravel() for p in params])

    out = run(True)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, run(False))
