"""Every scheduler's ``load_state_dict`` refuses the values its constructor refuses (the same
checks: the class's ``checks`` table and ``_check_state``), naming the scheduler, the key and the
value, and changes nothing when it refuses; valid state dicts (numpy round trips, PyTorch's
values under the same keys) still load."""

from __future__ import annotations

import copy
import inspect
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor
from optim import lr_scheduler as S

# the schedules here step without their optimizers (only their state matters)
pytestmark = pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")

Kwargs = Callable[[optim.Optimizer], dict[str, Any]]

#: name -> (class, its constructor's keyword arguments for an optimizer)
MAKERS: dict[str, tuple[type, Kwargs]] = {
    "StepLR": (S.StepLR, lambda o: dict(step_size=2, gamma=0.5)),
    "MultiStepLR": (S.MultiStepLR, lambda o: dict(milestones=[2, 4], gamma=0.5)),
    "ExponentialLR": (S.ExponentialLR, lambda o: dict(gamma=0.9)),
    "ConstantLR": (S.ConstantLR, lambda o: dict(factor=0.5, total_iters=3)),
    "LinearLR": (S.LinearLR, lambda o: dict(start_factor=0.2, end_factor=1.0, total_iters=4)),
    "PowerLR": (S.PowerLR, lambda o: dict(power=0.5, scale=2.0)),
    "PolynomialLR": (S.PolynomialLR, lambda o: dict(total_iters=6, power=2.0)),
    "CosineAnnealingLR": (S.CosineAnnealingLR, lambda o: dict(T_max=5, eta_min=0.01)),
    "CosineAnnealingWarmRestarts": (S.CosineAnnealingWarmRestarts,
                                    lambda o: dict(T_0=3, T_mult=2, eta_min=0.01)),
    "LambdaLR": (S.LambdaLR, lambda o: dict(lr_lambda=lambda t: 0.9**t)),
    "MultiplicativeLR": (S.MultiplicativeLR, lambda o: dict(lr_lambda=lambda t: 0.9)),
    "SequentialLR": (S.SequentialLR, lambda o: dict(
        schedulers=[S.LinearLR(o, 0.1, 1.0, 2), S.ExponentialLR(o, 0.9), S.StepLR(o, 2)],
        milestones=[2, 5])),
    "ReduceLROnPlateau": (S.ReduceLROnPlateau, lambda o: dict(factor=0.5, patience=1)),
    "OneCycleLR": (S.OneCycleLR, lambda o: dict(max_lr=[1.0, 0.5], total_steps=12)),
    "CyclicLR": (S.CyclicLR, lambda o: dict(base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=3)),
}

NAN, INF = float("nan"), float("inf")


def sgd(nesterov: bool = False) -> optim.SGD:
    ps = [Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)]
    groups: list[dict[str, Any]] = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}]
    return optim.SGD(groups, lr=0.1, momentum=0.9, nesterov=nesterov)


def step(sched: Any, i: int) -> None:
    """One step (a plateau's, ours or PyTorch's, with a metric that stalls)."""
    if type(sched).__name__ == "ReduceLROnPlateau":
        sched.step(1.0 / (1 + i % 2))
    else:
        sched.step()


def made(name: str, steps: int = 3, nesterov: bool = False) -> Any:
    cls, kwargs = MAKERS[name]
    opt = sgd(nesterov)
    sched = cls(opt, **kwargs(opt))
    for i in range(steps):
        step(sched, i)
    return sched


def snapshot(sched: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The scheduler's state and its optimizer's groups (but their parameters)."""
    return (copy.deepcopy(sched.state_dict()),
            [{k: v for k, v in g.items() if k != "params"} for g in sched.optimizer.param_groups])


def run(sched: Any, steps: int = 4) -> list[list[float]]:
    """The groups' lrs and momenta after each of ``steps`` more steps."""
    out = []
    for i in range(steps):
        step(sched, i)
        out.append([float(g[k]) for g in sched.optimizer.param_groups for k in ("lr", "momentum")])
    return out


def _base_cases(name: str) -> list[tuple[str, dict[str, Any], str]]:
    """What every LRScheduler (and the plateau, its last_epoch and _last_lr) refuses."""
    out: list[tuple[str, dict[str, Any], str]] = [
        (name, {"last_epoch": "3"}, "'last_epoch' must be an int >= -1, got '3'"),
        (name, {"_last_lr": [NAN, 0.1]}, "'_last_lr' must be a finite number >= 0, got nan")]
    if name != "ReduceLROnPlateau":
        out += [(name, {"last_epoch": -2}, "'last_epoch' must be an int >= -1, got -2"),
                (name, {"base_lrs": [0.1, -1.0]},
                 "'base_lrs' must be a finite number >= 0, got -1.0")]
    return out


#: (scheduler, the entries changed, the message) for values its constructor refuses
BAD: list[tuple[str, dict[str, Any], str]] = [
    case for name in MAKERS for case in _base_cases(name)] + [
    ("StepLR", {"step_size": 0}, "invalid step_size: 0 (must be >= 1)"),
    ("StepLR", {"step_size": "2"}, "'step_size' must be an int >= 0, got '2'"),
    ("StepLR", {"gamma": -0.5}, "'gamma' must be a finite number >= 0, got -0.5"),
    ("MultiStepLR", {"milestones": [2, -1]}, "'milestones' must be an int >= 0, got -1"),
    ("MultiStepLR", {"gamma": NAN}, "'gamma' must be a finite number >= 0, got nan"),
    ("ExponentialLR", {"gamma": INF}, "'gamma' must be a finite number >= 0, got inf"),
    ("ConstantLR", {"factor": 1.5}, "invalid factor: 1.5 (must be in [0, 1])"),
    ("ConstantLR", {"total_iters": 0}, "invalid total_iters: 0 (must be >= 1)"),
    ("LinearLR", {"start_factor": -1.0}, "'start_factor' must be a finite number >= 0, got -1"),
    ("LinearLR", {"end_factor": INF}, "'end_factor' must be a finite number >= 0, got inf"),
    ("LinearLR", {"total_iters": 0}, "invalid total_iters: 0 (must be >= 1)"),
    ("PowerLR", {"power": -1.0}, "'power' must be a finite number >= 0, got -1.0"),
    ("PowerLR", {"scale": 0.0}, "invalid scale: 0.0 (must be > 0)"),
    ("PolynomialLR", {"total_iters": 0}, "invalid total_iters: 0 (must be >= 1)"),
    ("PolynomialLR", {"power": -2.0}, "'power' must be a finite number >= 0, got -2.0"),
    ("CosineAnnealingLR", {"T_max": 0}, "invalid T_max: 0 (must be >= 1)"),
    ("CosineAnnealingLR", {"eta_min": -0.1}, "'eta_min' must be a finite number >= 0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}, "invalid T_0: 0 (must be >= 1)"),
    ("CosineAnnealingWarmRestarts", {"T_mult": 0}, "invalid T_mult: 0 (must be >= 1)"),
    ("CosineAnnealingWarmRestarts", {"eta_min": NAN}, "'eta_min' must be a finite number >= 0"),
    ("SequentialLR", {"milestones": [0, 5]}, "invalid milestones[0]: 0 (must be >= 1)"),
    ("SequentialLR", {"milestones": [5, 2]}, "milestones must increase strictly, got [5, 2]"),
    ("SequentialLR", {"milestones": [2, 5, 7]},
     "SequentialLR needs 2 milestones for 3 schedulers, got 3"),
    ("ReduceLROnPlateau", {"mode": "foo"}, "invalid mode: 'foo' (must be 'min' or 'max')"),
    ("ReduceLROnPlateau", {"threshold_mode": "ABS"},
     "invalid threshold_mode: 'ABS' (must be 'rel' or 'abs')"),
    ("ReduceLROnPlateau", {"factor": 1.0}, "invalid factor: 1.0 (must be in [0, 1))"),
    ("ReduceLROnPlateau", {"patience": -1}, "'patience' must be an int >= 0, got -1"),
    ("ReduceLROnPlateau", {"threshold": -1e-4}, "'threshold' must be a finite number >= 0"),
    ("ReduceLROnPlateau", {"cooldown": 1.5}, "'cooldown' must be an int >= 0, got 1.5"),
    ("ReduceLROnPlateau", {"eps": INF}, "'eps' must be a finite number >= 0, got inf"),
    ("ReduceLROnPlateau", {"min_lrs": [0.0, -1e-3]},
     "'min_lrs' must be a finite number >= 0, got -0.001"),
    ("ReduceLROnPlateau", {"best": NAN}, "'best' must be a number (not NaN), got nan"),
    ("OneCycleLR", {"total_steps": 0}, "invalid total_steps: 0 (must be >= 1)"),
    ("OneCycleLR", {"pct_start": 1.0}, "invalid pct_start: 1.0 (must be in [0, 1))"),
    ("OneCycleLR", {"anneal_strategy": "sin"},
     "invalid anneal_strategy: 'sin' (must be 'cos' or 'linear')"),
    ("OneCycleLR", {"three_phase": True, "pct_start": 0.05},
     "three_phase=True needs 1 < pct_start * total_steps < (total_steps + 1) / 2"),
    ("OneCycleLR", {"three_phase": 1}, "'three_phase' must be a bool, got 1"),
    ("OneCycleLR", {"cycle_momentum": 1}, "'cycle_momentum' must be a bool, got 1"),
    ("OneCycleLR", {"use_beta1": 0}, "'use_beta1' must be a bool, got 0"),
    ("OneCycleLR", {"max_lrs": [1.0, -0.5]}, "'max_lrs' must be a finite number >= 0"),
    ("OneCycleLR", {"min_lrs": [INF, 0.0]}, "'min_lrs' must be a finite number >= 0, got inf"),
    ("OneCycleLR", {"max_momentums": [0.95, 1.5]},
     "invalid max_momentums[1]: 1.5 (must be in [0, 1))"),
    ("OneCycleLR", {"base_momentums": [1.0, 0.85]},
     "invalid base_momentums[0]: 1.0 (must be in [0, 1))"),
    ("OneCycleLR", {"last_epoch": 13}, "tried to step 13 times"),
    ("CyclicLR", {"step_size_up": 0}, "invalid step_size_up: 0 (must be >= 1)"),
    ("CyclicLR", {"step_size_down": -1}, "'step_size_down' must be an int >= 0, got -1"),
    ("CyclicLR", {"mode": "triangle"},
     "invalid mode: 'triangle' (must be one of triangular, triangular2, exp_range)"),
    ("CyclicLR", {"gamma": 1.5}, "invalid gamma: 1.5 (must be in [0, 1])"),
    ("CyclicLR", {"scale_mode": "steps"},
     "invalid scale_mode: 'steps' (must be 'cycle' or 'iterations')"),
    ("CyclicLR", {"cycle_momentum": "yes"}, "'cycle_momentum' must be a bool, got 'yes'"),
    ("CyclicLR", {"use_beta1": None}, "'use_beta1' must be a bool, got None"),
    ("CyclicLR", {"max_lrs": [NAN, 0.2]}, "'max_lrs' must be a finite number >= 0, got nan"),
    ("CyclicLR", {"max_momentums": [0.9, 1.0]},
     "invalid max_momentums[1]: 1.0 (must be in [0, 1))"),
    ("CyclicLR", {"base_momentums": [-0.1, 0.8]},
     "'base_momentums' must be a finite number >= 0, got -0.1"),
]


def _id(case: tuple[str, dict[str, Any], str]) -> str:
    return f"{case[0]}-{'-'.join(f'{k}={v!r}' for k, v in case[1].items())}"


@pytest.mark.parametrize(("name", "edits", "message"), BAD, ids=[_id(c) for c in BAD])
def test_a_value_the_constructor_refuses_is_refused_and_changes_nothing(
        name: str, edits: dict[str, Any], message: str) -> None:
    sched, twin = made(name), made(name)
    before = snapshot(sched)
    with pytest.raises(ValueError, match=rf"^cannot load {name} state dict: .*"
                                         + re.escape(message)):
        sched.load_state_dict({**sched.state_dict(), **edits})
    assert snapshot(sched) == before
    assert run(sched) == run(twin)  # and it goes on as one that never saw the bad state


def _constructor_form(case: tuple[str, dict[str, Any], str]) -> bool:
    """Whether the entries changed are constructor arguments as they stand (not per-group
    lists, whose arguments take another name)."""
    params = inspect.signature(MAKERS[case[0]][0]).parameters
    return all(k in params and (k == "milestones" or not isinstance(v, list))
               for k, v in case[1].items())


CONSTRUCTOR_CASES = [c for c in BAD if _constructor_form(c)]


@pytest.mark.parametrize(("name", "edits", "message"), CONSTRUCTOR_CASES,
                         ids=[_id(c) for c in CONSTRUCTOR_CASES])
def test_the_constructor_refuses_the_same_values(name: str, edits: dict[str, Any],
                                                 message: str) -> None:
    """Where the entries are constructor arguments, the constructor refuses them too."""
    cls, kwargs = MAKERS[name]
    opt = sgd()
    with pytest.raises((TypeError, ValueError)):
        cls(opt, **{**kwargs(opt), **edits})


def test_every_checked_entry_is_refused_above() -> None:
    """Every entry a class's ``checks`` lists is one of its state's keys and has a case in
    ``BAD`` (so a check added later comes with a test)."""
    covered = {(name, key) for name, edits, _ in BAD for key in edits}
    for name in MAKERS:
        sched = made(name, steps=0)
        checked = set(type(sched).checks)
        assert checked <= set(sched.state_dict()), name
        assert {k for k in checked if (name, k) not in covered} == set(), name


def test_the_constructors_momentum_check_of_the_optimizer_is_made_on_load() -> None:
    """SGD with Nesterov needs momentum > 0: a CyclicLR state cycling down to 0 is refused."""
    sched, twin = made("CyclicLR", nesterov=True), made("CyclicLR", nesterov=True)
    before = snapshot(sched)
    with pytest.raises(ValueError, match=r"^cannot load CyclicLR state dict: invalid "
                                         r"base_momentum: 0\.0 for param_groups\[0\] of SGD"):
        sched.load_state_dict({**sched.state_dict(), "base_momentums": [0.0, 0.8]})
    assert snapshot(sched) == before
    assert run(sched) == run(twin)
    with pytest.raises(ValueError, match=r"invalid base_momentum: 0\.0"):
        S.CyclicLR(sgd(nesterov=True), 0.01, 0.1, 3, base_momentum=0.0)


def test_several_bad_values_are_all_named() -> None:
    sched = made("StepLR")
    with pytest.raises(ValueError, match=r"invalid step_size: 0 .*; 'gamma' must be a finite "
                                         r"number >= 0, got -1"):
        sched.load_state_dict({**sched.state_dict(), "step_size": 0, "gamma": -1})


@pytest.mark.parametrize("name", list(MAKERS))
@pytest.mark.parametrize("trip", ["direct", "numpy"])
def test_valid_state_dicts_still_load(name: str, trip: str) -> None:
    """A state saved after some steps (as is, or through NumPy as by np.savez) loads into a
    fresh scheduler, which then goes on exactly as the one saved."""
    sched = made(name, steps=5)
    saved = copy.deepcopy(sched.state_dict())
    if trip == "numpy":
        saved = {k: np.asarray(v) for k, v in saved.items()}
    fresh = made(name, steps=0)
    fresh.load_state_dict(saved)
    assert fresh.state_dict() == sched.state_dict()
    assert run(fresh) == run(sched)


def test_a_value_is_stored_as_the_constructor_stores_it() -> None:
    """An int for a float is stored as a float, and milestones out of order are sorted, as
    the constructor converts and sorts them."""
    sched = made("StepLR")
    sched.load_state_dict({**sched.state_dict(), "gamma": 1})
    assert type(sched.gamma) is float and sched.gamma == 1.0
    multi, twin = made("MultiStepLR"), made("MultiStepLR")
    multi.load_state_dict({**multi.state_dict(), "milestones": [4, 2]})
    assert multi.milestones == [2, 4]
    assert run(multi) == run(twin)


def test_chained_scheduler_refuses_a_bad_value_of_one_schedule_and_changes_nothing() -> None:
    opt = sgd()
    chain = S.ChainedScheduler([S.ConstantLR(opt, 0.5, 4), S.StepLR(opt, 2)])
    chain.step()
    saved = copy.deepcopy(chain.state_dict())
    chain.step()
    saved["_schedulers"][0]["total_iters"] = 0  # refused after the StepLR state loaded
    before = (copy.deepcopy(chain.state_dict()), snapshot(chain._schedulers[1]))
    with pytest.raises(ValueError, match=r"cannot load ConstantLR state dict: invalid "
                                         r"total_iters: 0 \(must be >= 1\)"):
        chain.load_state_dict(saved)
    assert (chain.state_dict(), snapshot(chain._schedulers[1])) == before


# PyTorch 2.13's state dicts hold keys of their own, but where a key is shared its value, saved
# mid-run, must pass the checks here and give the same run
TORCH_SHARED = [
    ("StepLR", dict(step_size=2, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("ConstantLR", dict(factor=0.5, total_iters=3)),
    ("LinearLR", dict(start_factor=0.2, end_factor=1.0, total_iters=4)),
    ("PolynomialLR", dict(total_iters=6, power=2.0)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
    ("ReduceLROnPlateau", dict(factor=0.5, patience=1)),
]


@pytest.mark.parametrize(("name", "kwargs"), TORCH_SHARED, ids=[n for n, _ in TORCH_SHARED])
def test_pytorchs_values_under_the_shared_keys_load(name: str, kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    topt = torch.optim.SGD([torch.zeros(2, dtype=torch.float64, requires_grad=True)], lr=0.1,
                           momentum=0.9)
    theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    for i in range(5):
        topt.step()
        step(theirs, i)
    opt = optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1, momentum=0.9)
    ours = getattr(S, name)(opt, **kwargs)
    mine = ours.state_dict()
    shared = {k: v for k, v in theirs.state_dict().items() if k in mine}
    assert {"last_epoch", "_last_lr"} <= set(shared)
    ours.load_state_dict({**mine, **shared})
    got: list[list[float]] = []
    want: list[list[float]] = []
    for i in range(6):
        for o, s, out in ((opt, ours, got), (topt, theirs, want)):
            o.step()
            step(s, 5 + i)
            out.append([float(g["lr"]) for g in o.param_groups])
    assert all(math.isclose(a, b, rel_tol=1e-12) for r, q in zip(got, want, strict=True)
               for a, b in zip(r, q, strict=True)), (got, want)
