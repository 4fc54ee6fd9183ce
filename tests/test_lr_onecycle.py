"""OneCycleLR against PyTorch's, its argument checks, checkpoints and a short training run."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor
from optim import lr_scheduler as S

T = 100
MAX_LRS = [0.1, 0.02]  # two groups, one max_lr each
MIN_LRS = [m / 25 / 1e4 for m in MAX_LRS]


def params() -> list[Tensor]:
    return [Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)]


def groups(ps: list[Any]) -> list[dict[str, Any]]:
    return [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.5}]


#: (ours, PyTorch's, the group key cycled): each built on two parameter groups
OPTIMIZERS: dict[str, tuple[Callable[[list[Any]], Any], Callable[[list[Any]], Any], str]] = {
    "sgd": (lambda ps: optim.SGD(groups(ps), lr=0.1, momentum=0.9),
            lambda ps: _torch().optim.SGD(groups(ps), lr=0.1, momentum=0.9), "momentum"),
    "nesterov": (lambda ps: optim.SGD(groups(ps), lr=0.1, momentum=0.9, nesterov=True),
                 lambda ps: _torch().optim.SGD(groups(ps), lr=0.1, momentum=0.9, nesterov=True),
                 "momentum"),
    "rmsprop": (lambda ps: optim.RMSProp(groups(ps), lr=0.1, momentum=0.5),
                lambda ps: _torch().optim.RMSprop(groups(ps), lr=0.1, momentum=0.5), "momentum"),
    "adam": (lambda ps: optim.Adam(groups(ps), lr=0.1),
             lambda ps: _torch().optim.Adam(groups(ps), lr=0.1), "betas"),
    "adamw": (lambda ps: optim.AdamW(groups(ps), lr=0.1),
              lambda ps: _torch().optim.AdamW(groups(ps), lr=0.1), "betas"),
}


def _torch() -> Any:
    return pytest.importorskip("torch")


def _torch_params() -> list[Any]:
    torch = pytest.importorskip("torch")
    return [torch.nn.Parameter(torch.ones(2, dtype=torch.float64)),
            torch.nn.Parameter(torch.ones(3, dtype=torch.float64))]


def momentum_of(group: dict[str, Any], key: str) -> float:
    return float(group["betas"][0]) if key == "betas" else float(group[key])


def trajectory(opt: Any, sched: Any, key: str, steps: int) -> list[list[float]]:
    """[lr, momentum] of every group in force at t = 0, 1, ..., steps (stepped after each)."""
    seen = [[x for g in opt.param_groups for x in (g["lr"], momentum_of(g, key))]]
    for _ in range(steps):
        opt.step()
        sched.step()
        seen.append([x for g in opt.param_groups for x in (g["lr"], momentum_of(g, key))])
    return seen


# ----------------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
def test_matches_pytorch_at_every_step(name: str, anneal: str, three_phase: bool) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs, key = OPTIMIZERS[name]
    kw: dict[str, Any] = dict(max_lr=MAX_LRS, total_steps=T, anneal_strategy=anneal,
                              three_phase=three_phase, max_momentum=[0.95, 0.9],
                              base_momentum=[0.85, 0.8])
    opt, topt = ours(params()), theirs(_torch_params())
    sched = S.OneCycleLR(opt, **kw)
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, **kw)
    got, want = trajectory(opt, sched, key, T), trajectory(topt, tsched, key, T)
    for t in range(T):  # every step that trains
        assert got[t] == pytest.approx(want[t], rel=1e-12, abs=0.0), f"t={t}"
    for g, tg in zip(opt.param_groups, topt.param_groups, strict=True):
        for k in ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"):
            assert g[k] == tg[k], k
    # after the T-th step() ours holds the last values, where PyTorch extrapolates
    assert got[T] == got[T - 1]
    assert [g["lr"] for g in opt.param_groups] == pytest.approx(MIN_LRS, rel=1e-9)
    assert got[T] != want[T]


def test_epochs_and_steps_per_epoch_match_pytorch_and_total_steps() -> None:
    torch = pytest.importorskip("torch")
    kw: dict[str, Any] = dict(max_lr=0.3, epochs=4, steps_per_epoch=25, pct_start=0.25)
    opt = optim.SGD(params(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(_torch_params(), lr=0.1, momentum=0.9)
    got = trajectory(opt, S.OneCycleLR(opt, **kw), "momentum", T)
    want = trajectory(topt, torch.optim.lr_scheduler.OneCycleLR(topt, **kw), "momentum", T)
    for t in range(T):
        assert got[t] == pytest.approx(want[t], rel=1e-12, abs=0.0), f"t={t}"
    opt2 = optim.SGD(params(), lr=0.1, momentum=0.9)
    sched2 = S.OneCycleLR(opt2, max_lr=0.3, total_steps=T, pct_start=0.25)
    assert trajectory(opt2, sched2, "momentum", T) == got
    assert S.OneCycleLR(optim.SGD(params(), 0.1), 0.3, total_steps=7, epochs=4,
                        steps_per_epoch=25).total_steps == 7  # total_steps first, as PyTorch


def test_cycle_momentum_false_leaves_momentum_alone_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    opt = optim.SGD(params(), lr=0.1, momentum=0.5)
    topt = torch.optim.SGD(_torch_params(), lr=0.1, momentum=0.5)
    got = trajectory(opt, S.OneCycleLR(opt, 0.2, total_steps=30, cycle_momentum=False),
                     "momentum", 29)
    want = trajectory(topt, torch.optim.lr_scheduler.OneCycleLR(
        topt, 0.2, total_steps=30, cycle_momentum=False), "momentum", 29)
    for row, trow in zip(got, want, strict=True):
        assert row == pytest.approx(trow, rel=1e-12, abs=0.0)
    assert {row[1] for row in got} == {0.5}
    assert "max_momentum" not in opt.param_groups[0]


# ----------------------------------------------------------------------------- the formula
def test_phases_follow_the_docstring_formula() -> None:
    opt = optim.SGD(params(), lr=1.0, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=2.0, total_steps=11, pct_start=0.5,
                         anneal_strategy="linear", div_factor=4.0, final_div_factor=5.0)
    lrs = [row[0] for row in trajectory(opt, sched, "momentum", 10)]
    # t₁ = 4.5: up from η₀ = 0.5 to 2 over t/4.5, then down to 0.1 over (t − 4.5)/5.5
    want = [0.5 + 1.5 * t / 4.5 if t <= 4.5 else 2.0 - 1.9 * (t - 4.5) / 5.5 for t in range(11)]
    np.testing.assert_allclose(lrs, want, rtol=1e-14)
    assert lrs[-1] == pytest.approx(0.1, rel=1e-14)


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_a_one_step_warm_up_starts_at_the_initial_lr() -> None:
    """pct_start * total_steps = 1: PyTorch divides by zero; here t = 0 gives η₀."""
    opt = optim.SGD(params(), lr=1.0, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.1)
    assert sched.get_last_lr() == pytest.approx([0.04], rel=1e-14)
    assert opt.param_groups[0]["momentum"] == 0.95
    sched.step()  # then the second phase from max_lr at t₁ = 0: A(1, 4e-6, 1/9)
    cos = 4e-6 + (1.0 - 4e-6) / 2 * (math.cos(math.pi / 9) + 1)
    assert sched.get_last_lr()[0] == pytest.approx(cos, rel=1e-14)


def test_values_written_always_pass_the_optimizers_checks() -> None:
    """An optimizer checkpoint taken after the last step loads back (PyTorch's linear schedule
    ends at a negative lr, which SGD's constructor refuses)."""
    opt = optim.SGD(params(), lr=0.1, momentum=0.9, nesterov=True)
    sched = S.OneCycleLR(opt, 0.1, total_steps=20, anneal_strategy="linear", max_momentum=0.99)
    for _ in range(20):
        opt.step()
        sched.step()
        opt.load_state_dict(opt.state_dict())  # re-checks every group
        assert all(g["lr"] > 0 and 0 < g["momentum"] < 1 for g in opt.param_groups)


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_chains_with_a_manual_change_like_the_other_schedules() -> None:
    alone = optim.SGD(params(), lr=0.1)
    ref = [row[0] for row in trajectory(alone, S.OneCycleLR(alone, 0.1, total_steps=30,
                                                            cycle_momentum=False), "lr", 30)]
    opt = optim.SGD(params(), lr=0.1)
    sched = S.OneCycleLR(opt, 0.1, total_steps=30, cycle_momentum=False)
    for t in range(1, 31):
        if t == 10:
            for g in opt.param_groups:
                g["lr"] /= 2  # e.g. a ReduceLROnPlateau: kept by the later steps
        sched.step()
        want = ref[t] / 2 if t >= 10 else ref[t]
        assert opt.param_groups[0]["lr"] == pytest.approx(want, rel=1e-12)


# ----------------------------------------------------------------------------- errors
@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_stepping_past_total_steps_raises_and_changes_nothing() -> None:
    opt = optim.SGD(params(), lr=0.1, momentum=0.9)
    sched = S.OneCycleLR(opt, 0.1, total_steps=5)
    for _ in range(5):
        sched.step()
    before = (sched.state_dict(), opt.state_dict()["param_groups"])
    for _ in range(2):
        with pytest.raises(ValueError, match=r"tried to step 6 times.*total steps is 5"):
            sched.step()
    assert (sched.state_dict(), opt.state_dict()["param_groups"]) == before


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"pct_start": -0.1}, ValueError, r"pct_start"),
        ({"pct_start": 1.0}, ValueError, r"pct_start"),
        ({"pct_start": math.nan}, ValueError, "pct_start"),
        ({"pct_start": "0.3"}, TypeError, "pct_start"),
        ({"anneal_strategy": "cosine"}, ValueError, "anneal_strategy"),
        ({"total_steps": 0}, ValueError, "total_steps"),
        ({"total_steps": 2.5}, TypeError, "total_steps"),
        ({"total_steps": None}, ValueError, "total_steps, or both epochs and steps_per_epoch"),
        ({"total_steps": None, "epochs": 3}, ValueError, "both epochs and steps_per_epoch"),
        ({"total_steps": None, "epochs": 0, "steps_per_epoch": 5}, ValueError, "epochs"),
        ({"total_steps": None, "epochs": 2, "steps_per_epoch": -1}, ValueError,
         "steps_per_epoch"),
        ({"total_steps": 3, "three_phase": True}, ValueError, "three_phase.*total_steps=3"),
        ({"pct_start": 0.6, "three_phase": True}, ValueError, "three_phase.*pct_start=0.6"),
        ({"three_phase": 1}, TypeError, "three_phase"),
        ({"cycle_momentum": "yes"}, TypeError, "cycle_momentum"),
        ({"max_lr": [0.1]}, ValueError, "max_lr has 1 entries for 2 parameter groups"),
        ({"max_lr": [0.1, -0.1]}, ValueError, r"max_lr\[1\]"),
        ({"max_lr": math.inf}, ValueError, "max_lr"),
        ({"div_factor": 0.0}, ValueError, "div_factor"),
        ({"final_div_factor": -1.0}, ValueError, "final_div_factor"),
        ({"max_momentum": 1.0}, ValueError, "max_momentum"),
        ({"base_momentum": [0.8]}, ValueError, "base_momentum has 1 entries"),
        ({"last_epoch": -2}, ValueError, "last_epoch"),
        ({"last_epoch": 100}, ValueError, "last_epoch"),
    ],
)
def test_bad_arguments(kw: dict[str, Any], error: type[Exception], match: str) -> None:
    opt = optim.SGD(groups(params()), lr=0.1, momentum=0.9)
    before = copy.deepcopy([{k: v for k, v in g.items() if k != "params"}
                            for g in opt.param_groups])
    with pytest.raises(error, match=match):
        S.OneCycleLR(opt, **{"max_lr": 0.1, "total_steps": T, **kw})
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == before


def test_cycle_momentum_needs_momentum_or_betas() -> None:
    with pytest.raises(ValueError, match=r"neither 'momentum' nor 'betas'.*cycle_momentum=False"):
        S.OneCycleLR(optim.Adagrad(params()), 0.1, total_steps=10)
    sched = S.OneCycleLR(optim.Adagrad(params()), 0.1, total_steps=10, cycle_momentum=False)
    assert sched.get_last_lr() == pytest.approx([0.004], rel=1e-14)


def test_momentum_ends_pass_the_optimizers_own_check() -> None:
    nesterov = optim.SGD(params(), lr=0.1, momentum=0.9, nesterov=True)
    with pytest.raises(ValueError, match=r"base_momentum: 0.0 .*nesterov"):
        S.OneCycleLR(nesterov, 0.1, total_steps=10, base_momentum=0.0)


def test_resuming_with_last_epoch_needs_a_scheduled_optimizer() -> None:
    with pytest.raises(ValueError, match=r"no.*max_lr.*last_epoch=4"):
        S.OneCycleLR(optim.SGD(params(), lr=0.1, momentum=0.9), 0.1, total_steps=10,
                     last_epoch=4)


# ----------------------------------------------------------------------------- checkpoints
def make_pair() -> tuple[optim.Optimizer, S.OneCycleLR, list[Tensor]]:
    ps = params()
    opt = optim.SGD(groups(ps), lr=0.1, momentum=0.9)
    sched = S.OneCycleLR(opt, MAX_LRS, total_steps=T, three_phase=True,
                         anneal_strategy="linear")
    return opt, sched, ps


def train_steps(opt: optim.Optimizer, sched: S.OneCycleLR, ps: list[Tensor],
                steps: int) -> list[list[float]]:
    seen = []
    for _ in range(steps):
        opt.zero_grad()
        sum((p * p).sum() for p in ps).backward()  # type: ignore[union-attr]
        opt.step()
        sched.step()
        seen.append([x for g in opt.param_groups for x in (g["lr"], g["momentum"])])
    return seen


def plain(value: Any) -> bool:
    if isinstance(value, list):
        return all(plain(v) for v in value)
    return isinstance(value, (int, float, str, bool))


@pytest.mark.parametrize("order", ["scheduler first", "optimizer first", "numpy round trip",
                                   "last_epoch"])
def test_state_dict_round_trip_continues_identically(order: str) -> None:
    opt, sched, ps = make_pair()
    full = train_steps(opt, sched, ps, T)
    final = [p.data.copy() for p in ps]

    opt, sched, ps = make_pair()
    train_steps(opt, sched, ps, 37)
    saved_sched = copy.deepcopy(sched.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())
    saved_params = [p.data.copy() for p in ps]
    assert all(plain(v) for v in saved_sched.values())

    opt2, sched2, ps2 = make_pair()
    for p, data in zip(ps2, saved_params, strict=True):
        p.data[...] = data
    if order == "scheduler first":
        sched2.load_state_dict(saved_sched)
        opt2.load_state_dict(saved_opt)
    elif order == "optimizer first":
        opt2.load_state_dict(saved_opt)
        sched2.load_state_dict(saved_sched)
    elif order == "numpy round trip":  # as after np.savez / np.load
        opt2.load_state_dict(saved_opt)
        sched2.load_state_dict({k: np.asarray(v) for k, v in saved_sched.items()})
    else:  # PyTorch's way: a new scheduler told how many steps were taken
        ps2 = params()
        for p, data in zip(ps2, saved_params, strict=True):
            p.data[...] = data
        opt2 = optim.SGD(groups(ps2), lr=0.1, momentum=0.9)
        opt2.load_state_dict(saved_opt)
        # max_lr is read back from the groups (the optimizer's checkpoint), as in PyTorch
        sched2 = S.OneCycleLR(opt2, 1.0, total_steps=T, three_phase=True,
                              anneal_strategy="linear", last_epoch=36)
    assert sched2.last_epoch == 37
    assert train_steps(opt2, sched2, ps2, T - 37) == full[37:]
    for p, want in zip(ps2, final, strict=True):
        np.testing.assert_array_equal(p.data, want)


def test_load_state_dict_checks_the_number_of_groups() -> None:
    _, sched, _ = make_pair()
    state = sched.state_dict()
    state["max_lrs"] = [0.1]
    with pytest.raises(ValueError, match=r"max_lrs.*1 entries for 2"):
        sched.load_state_dict(state)


# ----------------------------------------------------------------------------- training
def test_one_cycle_trains_least_squares() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5))
    w_true = rng.normal(size=5)
    y = Tensor(X @ w_true + 0.01 * rng.normal(size=64))
    Xt = Tensor(X)
    w = Tensor(np.zeros(5), requires_grad=True)
    opt = optim.SGD([w], lr=0.0, momentum=0.0)
    sched = S.OneCycleLR(opt, max_lr=0.1, total_steps=100)

    def loss() -> Tensor:
        return ((Xt @ w - y) ** 2).mean()

    first = loss().item()
    for _ in range(100):
        opt.zero_grad()
        loss().backward()
        opt.step()
        sched.step()
    # measured: 2.77 -> 1.24e-4 (the noise floor is ~1e-4), max |w - w_true| = 0.0044
    assert first > 2.0
    assert loss().item() < 5e-4
    assert np.abs(w.data - w_true).max() < 0.02


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_no_warm_up_anneals_from_the_start_as_pytorch() -> None:
    """pct_start=0 (PyTorch accepts it): the first phase is empty."""
    torch = pytest.importorskip("torch")
    for strategy in ("cos", "linear"):
        opt = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=0.1, momentum=0.9)
        sched = S.OneCycleLR(opt, 0.1, total_steps=10, pct_start=0.0, anneal_strategy=strategy)
        topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        tsched = torch.optim.lr_scheduler.OneCycleLR(topt, 0.1, total_steps=10, pct_start=0.0,
                                                     anneal_strategy=strategy)
        for step in range(10):
            for key in ("lr", "momentum"):
                assert opt.param_groups[0][key] == pytest.approx(topt.param_groups[0][key],
                                                                 rel=1e-12), (strategy, step)
            topt.step()
            if step < 9:
                sched.step()
                tsched.step()

