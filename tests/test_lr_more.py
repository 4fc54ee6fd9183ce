"""ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR and ChainedScheduler: against
PyTorch's at every step (two parameter groups), chained, inside SequentialLR, checkpoints and
argument checks."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optim
from autograd_mini import Tensor
from optim import lr_scheduler as S

STEPS = 40
LRS = (0.5, 0.125)  # two groups, each with its own lr

Make = Callable[[Any, Any], Any]  # (the lr_scheduler module, an optimizer) -> a scheduler


def _groups(ps: list[Any]) -> list[dict[str, Any]]:
    return [{"params": [ps[0]]}, {"params": [ps[1]], "lr": LRS[1]}]


def ours(kind: str = "sgd") -> optim.Optimizer:
    ps = [Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)]
    if kind == "adam":
        return optim.Adam(_groups(ps), lr=LRS[0])
    return optim.SGD(_groups(ps), lr=LRS[0], momentum=0.9)


def theirs(kind: str = "sgd") -> Any:
    torch = pytest.importorskip("torch")
    ps = [torch.zeros(2, dtype=torch.float64, requires_grad=True),
          torch.zeros(3, dtype=torch.float64, requires_grad=True)]
    if kind == "adam":
        return torch.optim.Adam(_groups(ps), lr=LRS[0])
    return torch.optim.SGD(_groups(ps), lr=LRS[0], momentum=0.9)


def momentum_of(group: dict[str, Any]) -> float:
    return float(group["betas"][0]) if "betas" in group else float(group["momentum"])


def state(opt: Any) -> list[float]:
    """Every group's lr and momentum (or β₁)."""
    return [x for g in opt.param_groups for x in (float(g["lr"]), momentum_of(g))]


def trajectory(opt: Any, scheds: Any, steps: int = STEPS) -> list[list[float]]:
    """The lrs and momenta in force at t = 0, ..., steps − 1, each scheduler stepped (in the
    order given) after the optimizer's step; every get_last_lr() is the groups' lrs."""
    scheds = scheds if isinstance(scheds, list) else [scheds]
    seen = []
    for _ in range(steps):
        seen.append(state(opt))
        opt.step()
        for s in scheds:
            s.step()
        lrs = [float(g["lr"]) for g in opt.param_groups]
        assert [float(x) for x in scheds[-1].get_last_lr()] == lrs
    return seen


def same(got: list[list[float]], want: list[list[float]], label: str = "") -> None:
    assert len(got) == len(want)
    for t, (row, trow) in enumerate(zip(got, want, strict=True)):
        assert row == pytest.approx(trow, rel=1e-12, abs=1e-300), f"{label} t={t}"


def compare(make: Make, kind: str = "sgd", steps: int = STEPS) -> list[list[float]]:
    """Build ``make`` on ours and PyTorch's optimizer, step both, compare at every step."""
    torch = pytest.importorskip("torch")
    opt, topt = ours(kind), theirs(kind)
    got = trajectory(opt, make(S, opt), steps)
    want = trajectory(topt, make(torch.optim.lr_scheduler, topt), steps)
    same(got, want)
    return got


# ----------------------------------------------------------------------------- against PyTorch
ALONE: dict[str, Make] = {
    "constant default": lambda L, o: L.ConstantLR(o),
    "constant 0.25 for 7": lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=7),
    "constant 1.0": lambda L, o: L.ConstantLR(o, factor=1.0, total_iters=3),
    "constant past the end": lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=60),
    "polynomial default": lambda L, o: L.PolynomialLR(o),
    "polynomial 13, power 1.7": lambda L, o: L.PolynomialLR(o, total_iters=13, power=1.7),
    "polynomial 30, power 0.5": lambda L, o: L.PolynomialLR(o, total_iters=30, power=0.5),
    "polynomial power 0": lambda L, o: L.PolynomialLR(o, total_iters=10, power=0.0),
    "polynomial 1 step": lambda L, o: L.PolynomialLR(o, total_iters=1, power=2.0),
    "restarts T_0=10": lambda L, o: L.CosineAnnealingWarmRestarts(o, 10),
    "restarts T_0=3, T_mult=2, eta_min": lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.01),
    "restarts T_0=1, T_mult=3": lambda L, o: L.CosineAnnealingWarmRestarts(o, 1, T_mult=3),
    "restarts T_0=1": lambda L, o: L.CosineAnnealingWarmRestarts(o, 1, eta_min=0.05),
    "restarts T_0=7, eta_min": lambda L, o: L.CosineAnnealingWarmRestarts(o, 7, eta_min=0.1),
    "cyclic triangular": lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=4),
    "cyclic per group, up 5 down 3": lambda L, o: L.CyclicLR(
        o, [0.01, 0.002], [0.1, 0.3], step_size_up=5, step_size_down=3,
        base_momentum=[0.8, 0.7], max_momentum=[0.9, 0.95]),
    "cyclic triangular2": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 3, mode="triangular2"),
    "cyclic exp_range": lambda L, o: L.CyclicLR(o, [0.02, 0.01], 0.2, 4, 6, mode="exp_range",
                                                gamma=0.97),
    "cyclic saw-tooth": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 5, step_size_down=0),
    "cyclic up 1": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 1),
    "cyclic base above max": lambda L, o: L.CyclicLR(o, 0.3, 0.1, 4),
    "cyclic scale_fn per cycle": lambda L, o: L.CyclicLR(
        o, 0.01, 0.1, 3, 2, scale_fn=lambda c: 1.0 / c),
    "cyclic scale_fn per iteration": lambda L, o: L.CyclicLR(
        o, 0.01, 0.1, 3, scale_fn=lambda t: 0.5 * (1 + math.cos(t / 7)), scale_mode="iterations"),
    "cyclic no momentum": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 4, cycle_momentum=False),
}


@pytest.mark.parametrize("make", list(ALONE.values()), ids=list(ALONE))
def test_matches_pytorch_at_every_step(make: Make) -> None:
    compare(make)


def test_cyclic_cycles_adams_beta1_as_pytorch() -> None:
    got = compare(lambda L, o: L.CyclicLR(o, [0.001, 0.002], [0.01, 0.03], 6, 4,
                                          mode="triangular2", base_momentum=0.85,
                                          max_momentum=[0.95, 0.9]), kind="adam")
    assert {row[1] for row in got} > {0.95}  # β₁ did move


def test_cyclic_sets_the_groups_as_pytorch() -> None:
    """Built: lr = base_lr, initial_lr = base_lr, momentum = max_momentum, and the groups hold
    max_momentum and base_momentum."""
    torch = pytest.importorskip("torch")
    kw: dict[str, Any] = dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3,
                              base_momentum=[0.8, 0.75], max_momentum=0.9)
    opt, topt = ours(), theirs()
    S.CyclicLR(opt, **kw)
    torch.optim.lr_scheduler.CyclicLR(topt, **kw)
    for g, tg in zip(opt.param_groups, topt.param_groups, strict=True):
        for key in ("lr", "initial_lr", "momentum", "max_momentum", "base_momentum"):
            assert g[key] == tg[key], key
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.02]


@settings(deadline=None, max_examples=40)
@given(t_0=st.integers(1, 6), t_mult=st.integers(1, 3), eta_min=st.sampled_from([0.0, 0.01]))
def test_warm_restarts_closed_form_is_pytorchs_step_by_step(t_0: int, t_mult: int,
                                                            eta_min: float) -> None:
    """The closed form (T_cur, T_i) of t is PyTorch's incremental count, at every step."""
    torch = pytest.importorskip("torch")
    opt, topt = ours(), theirs()
    sched = S.CosineAnnealingWarmRestarts(opt, t_0, t_mult, eta_min)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, t_0, t_mult, eta_min)
    for t in range(STEPS):
        assert (sched.T_cur, sched.T_i) == (tsched.T_cur, tsched.T_i), t
        assert state(opt) == pytest.approx(state(topt), rel=1e-12)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()


@settings(deadline=None, max_examples=40)
@given(up=st.integers(1, 7), down=st.integers(0, 7),
       mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
       gamma=st.floats(0.5, 1.0))
def test_cyclic_any_sizes_match_pytorch(up: int, down: int, mode: str, gamma: float) -> None:
    compare(lambda L, o: L.CyclicLR(o, [0.01, 0.003], [0.2, 0.05], up, down, mode=mode,
                                    gamma=gamma))


def test_formulas_in_the_docstrings() -> None:
    opt = ours()
    seen = trajectory(opt, S.ConstantLR(opt, factor=0.5, total_iters=3), 5)
    assert [row[0] for row in seen] == [0.25, 0.25, 0.25, 0.5, 0.5]
    opt = ours()
    seen = trajectory(opt, S.PolynomialLR(opt, total_iters=4, power=2.0), 6)
    assert [row[0] for row in seen] == [0.5, 0.5 * 0.75**2, 0.5 * 0.25, 0.5 * 0.0625, 0.0, 0.0]
    opt = ours()
    cos = S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    seen = trajectory(opt, cos, 7)  # cycles start at 0, 2, 6
    assert [row[0] for row in seen] == pytest.approx(
        [0.5, 0.25, 0.5, 0.5 * (1 + math.cos(math.pi / 4)) / 2, 0.25,
         0.5 * (1 + math.cos(3 * math.pi / 4)) / 2, 0.5], rel=1e-15)
    opt = ours()
    cyc = S.CyclicLR(opt, 0.1, 0.5, step_size_up=2, step_size_down=2, mode="triangular2")
    seen = trajectory(opt, cyc, 9)
    assert [row[0] for row in seen] == pytest.approx(
        [0.1, 0.3, 0.5, 0.3, 0.1, 0.2, 0.3, 0.2, 0.1], rel=1e-14)
    assert [row[1] for row in seen] == pytest.approx(
        [0.9, 0.85, 0.8, 0.85, 0.9, 0.875, 0.85, 0.875, 0.9], rel=1e-14)


def test_constant_factor_zero_gives_the_lr_back() -> None:
    """PyTorch divides by zero at total_iters; here the lr comes back to η₀."""
    opt = ours()
    seen = trajectory(opt, S.ConstantLR(opt, factor=0.0, total_iters=2), 4)
    assert [row[0] for row in seen] == [0.0, 0.0, 0.5, 0.5]


# ----------------------------------------------------------------------------- chained
CHAINABLE: dict[str, Make] = {  # chained as PyTorch's own (both chainable there)
    "constant, then exponential": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.1, total_iters=20), L.ExponentialLR(o, gamma=0.9)],
        optimizer=o),
    "exponential, then constant": lambda L, o: L.ChainedScheduler(
        [L.ExponentialLR(o, 0.95), L.ConstantLR(o, factor=0.5, total_iters=6)]),
    "polynomial, then exponential": lambda L, o: L.ChainedScheduler(
        [L.PolynomialLR(o, total_iters=25, power=1.5), L.ExponentialLR(o, 0.97)]),
    "exponential, then polynomial": lambda L, o: L.ChainedScheduler(
        [L.ExponentialLR(o, 0.97), L.PolynomialLR(o, total_iters=25, power=0.8)]),
    "constant, polynomial, step": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, 0.5, 4), L.PolynomialLR(o, 30, 2.0), L.StepLR(o, 5, 0.5)]),
    "a chain in a chain": lambda L, o: L.ChainedScheduler(
        [L.ChainedScheduler([L.ConstantLR(o, 0.25, 3), L.LinearLR(o, 0.5, 1.0, 6)]),
         L.ExponentialLR(o, 0.9)]),
    "cosine with a floor and a constant": lambda L, o: L.ChainedScheduler(
        [L.CosineAnnealingLR(o, 12, eta_min=0.01), L.ConstantLR(o, 0.5, 5)]),
}


@pytest.mark.parametrize("make", list(CHAINABLE.values()), ids=list(CHAINABLE))
def test_chained_scheduler_matches_pytorch(make: Make) -> None:
    compare(make)


def test_two_schedules_stepped_by_hand_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    def build(L: Any, o: Any) -> list[Any]:
        return [L.PolynomialLR(o, total_iters=20, power=2.0), L.ConstantLR(o, 0.2, 8),
                L.ExponentialLR(o, 0.95)]
    opt, topt = ours(), theirs()
    same(trajectory(opt, build(S, opt)), trajectory(topt, build(torch.optim.lr_scheduler, topt)))


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_a_manual_change_survives_as_in_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for make in (lambda L, o: L.ConstantLR(o, 0.3, 6), lambda L, o: L.PolynomialLR(o, 9, 1.3)):
        opt, topt = ours(), theirs()
        sched, tsched = make(S, opt), make(torch.optim.lr_scheduler, topt)
        for t in range(15):
            if t == 3:
                for o in (opt, topt):
                    o.param_groups[1]["lr"] *= 0.5
            topt.step()
            sched.step()
            tsched.step()
            assert state(opt) == pytest.approx(state(topt), rel=1e-12), t


def test_warm_restarts_and_cyclic_chained_with_exponential_multiply() -> None:
    """PyTorch's CosineAnnealingWarmRestarts and CyclicLR overwrite the lr (not chainable
    there); here they chain like the others: about a floor of 0 the factors multiply."""
    torch = pytest.importorskip("torch")
    TL = torch.optim.lr_scheduler
    for make in (lambda L, o: L.CosineAnnealingWarmRestarts(o, 4, 2),
                 lambda L, o: L.CyclicLR(o, [0.01, 0.02], 0.3, 3, 5)):
        opt, topt = ours(), theirs()
        got = trajectory(opt, S.ChainedScheduler([make(S, opt), S.ExponentialLR(opt, 0.9)]))
        alone = trajectory(topt, make(TL, topt))
        for t, (row, trow) in enumerate(zip(got, alone, strict=True)):
            assert row[0::2] == pytest.approx([lr * 0.9**t for lr in trow[0::2]], rel=1e-12)
            assert row[1::2] == pytest.approx(trow[1::2], rel=1e-12)  # momenta as alone


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_warm_restarts_chain_about_eta_min_as_pytorchs_cosine() -> None:
    """Over its first cycle, CosineAnnealingWarmRestarts chained with ExponentialLR is PyTorch's
    chainable CosineAnnealingLR (T_max = T_0, the same eta_min) chained with it."""
    torch = pytest.importorskip("torch")
    TL = torch.optim.lr_scheduler
    opt, topt = ours(), theirs()
    got = trajectory(opt, [S.CosineAnnealingWarmRestarts(opt, 12, eta_min=0.05),
                           S.ExponentialLR(opt, 0.9)], 12)
    want = trajectory(topt, [TL.CosineAnnealingLR(topt, 12, eta_min=0.05),
                             TL.ExponentialLR(topt, 0.9)], 12)
    same(got, want)
    opt = ours()  # a manual halving mid-cycle: the distance to eta_min keeps being scaled
    cos = S.CosineAnnealingWarmRestarts(opt, 10, eta_min=0.05)
    for t in range(1, 10):
        if t == 4:
            opt.param_groups[0]["lr"] = 0.05 + (opt.param_groups[0]["lr"] - 0.05) / 2
        cos.step()
        want_lr = cos.lr_at(LRS[0], t)
        want_lr = 0.05 + (want_lr - 0.05) / 2 if t >= 4 else want_lr
        assert opt.param_groups[0]["lr"] == pytest.approx(want_lr, rel=1e-12)


# ----------------------------------------------------------------------------- SequentialLR
SEQUENCES: dict[str, Make] = {
    "warm-up, then constant": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, 1.0, 5), L.ConstantLR(o, 0.5, 10)], milestones=[5]),
    "constant, then exponential": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, 0.1, 20), L.ExponentialLR(o, 0.9)], milestones=[20]),
    "warm-up, then polynomial": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.05, 1.0, 4), L.PolynomialLR(o, 30, 2.0)], milestones=[4]),
    "polynomial, then exponential": lambda L, o: L.SequentialLR(
        o, [L.PolynomialLR(o, 20, 0.5), L.ExponentialLR(o, 0.8)], milestones=[12]),
    "warm-up, then warm restarts": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.2, 1.0, 5), L.CosineAnnealingWarmRestarts(o, 4, 2, 0.01)],
        milestones=[5]),
    "warm restarts, then constant": lambda L, o: L.SequentialLR(
        o, [L.CosineAnnealingWarmRestarts(o, 3, eta_min=0.02), L.ConstantLR(o, 0.5, 4)],
        milestones=[17]),
    "exponential, then cyclic": lambda L, o: L.SequentialLR(
        o, [L.ExponentialLR(o, 0.9), L.CyclicLR(o, [0.01, 0.02], 0.2, 4, 2)], milestones=[7]),
    "cyclic, then exponential": lambda L, o: L.SequentialLR(
        o, [L.CyclicLR(o, 0.01, 0.1, 3, mode="triangular2", base_momentum=0.7),
            L.ExponentialLR(o, 0.9)], milestones=[15]),
    "three: warm-up, restarts, cyclic": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.5, 1.0, 3), L.CosineAnnealingWarmRestarts(o, 5),
            L.CyclicLR(o, 0.01, 0.1, 2, mode="exp_range", gamma=0.9)], milestones=[3, 20]),
    # a MultiplicativeLR goes on from the lr in force at its milestone (times λ(0))
    "exponential, then multiplicative": lambda L, o: L.SequentialLR(
        o, [L.ExponentialLR(o, 0.5), L.MultiplicativeLR(o, lambda t: 0.9 - 0.01 * t)],
        milestones=[3]),
    "multiplicative, then exponential": lambda L, o: L.SequentialLR(
        o, [L.MultiplicativeLR(o, lambda t: 0.8), L.ExponentialLR(o, 0.5)], milestones=[4]),
    # a LambdaLR sets η₀ λ(t) between milestones, with a λ that counts its own calls
    "warm-up, lambda, multiplicative": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, 1.0, 3), L.LambdaLR(o, _counting(lambda t: 1 / (t + 1))),
            L.MultiplicativeLR(o, lambda t: 0.5)], milestones=[3, 6]),
    # a OneCycleLR built after the warm-up sets the initial lrs the warm-up starts from
    "warm-up, then one cycle": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, 1.0, 5), L.OneCycleLR(o, 1.0, total_steps=40)], milestones=[5]),
}


def _counting(f: Callable[[int], float]) -> Callable[[int], float]:
    """``f``, but a call that asks a step it was asked before (λ(t − 1) again) is off by 2×:
    a schedule must not ask a λ twice, as PyTorch's never does."""
    asked: set[int] = set()

    def g(t: int) -> float:
        again = t in asked
        asked.add(t)
        return f(t) * (2.0 if again else 1.0)
    return g


@pytest.mark.parametrize("make", list(SEQUENCES.values()), ids=list(SEQUENCES))
def test_inside_sequential_lr_matches_pytorch(make: Make) -> None:
    """Each sub-schedule runs from its own t = 0 at its milestone; CyclicLR's momentum cycles
    while it runs (PyTorch's sets it in get_lr) and stays where it was afterwards."""
    compare(make)


def test_cyclic_in_sequential_lr_cycles_adams_beta1() -> None:
    compare(lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, 0.5, 3), L.CyclicLR(o, 0.001, 0.01, 3, base_momentum=0.8,
                                                 max_momentum=0.95)], milestones=[6]),
            kind="adam")


# ----------------------------------------------------------------------------- checkpoints
RESUMABLE: dict[str, Callable[[optim.Optimizer], Any]] = {
    "constant": lambda o: S.ConstantLR(o, 0.25, 9),
    "polynomial": lambda o: S.PolynomialLR(o, 12, 1.5),
    "restarts": lambda o: S.CosineAnnealingWarmRestarts(o, 3, 2, 0.01),
    "cyclic": lambda o: S.CyclicLR(o, [0.01, 0.02], [0.1, 0.2], 3, 2, mode="triangular2",
                                   base_momentum=[0.8, 0.7]),
    "cyclic exp_range": lambda o: S.CyclicLR(o, 0.01, 0.1, 4, mode="exp_range", gamma=0.9),
    "cyclic scale_fn": lambda o: S.CyclicLR(o, 0.01, 0.1, 4, scale_fn=lambda c: 0.8**c),
    "sequential": lambda o: S.SequentialLR(
        o, [S.CyclicLR(o, 0.01, 0.1, 2), S.CosineAnnealingWarmRestarts(o, 4)], [5]),
}


@pytest.mark.parametrize("make", list(RESUMABLE.values()), ids=list(RESUMABLE))
@pytest.mark.parametrize("trip", ["direct", "numpy"])
def test_state_dict_round_trip_mid_run_continues_identically(
        make: Callable[[optim.Optimizer], Any], trip: str) -> None:
    opt = ours()
    full = trajectory(opt, make(opt), 30)
    opt = ours()
    sched = make(opt)
    trajectory(opt, sched, 13)
    saved = copy.deepcopy(sched.state_dict())
    assert all(isinstance(v, (int, float, str, bool, list)) for v in saved.values())
    if trip == "numpy":  # as after np.savez / np.load
        saved = {k: np.asarray(v) for k, v in saved.items()}
    saved_opt = copy.deepcopy(opt.state_dict())
    opt2 = ours()
    sched2 = make(opt2)
    sched2.load_state_dict(saved)
    opt2.load_state_dict(saved_opt)
    assert sched2.last_epoch == 13
    assert state(opt2) == full[13]
    assert trajectory(opt2, sched2, 17) == full[13:]


def test_chained_scheduler_state_dict_round_trip() -> None:
    def build(o: optim.Optimizer) -> S.ChainedScheduler:
        return S.ChainedScheduler([S.ConstantLR(o, 0.5, 8), S.ExponentialLR(o, 0.9),
                                   S.PolynomialLR(o, 25, 1.2)])
    opt = ours()
    full = trajectory(opt, build(opt), 25)
    for optimizer_first in (True, False):
        opt = ours()
        sched = build(opt)
        trajectory(opt, sched, 10)
        saved, saved_opt = copy.deepcopy(sched.state_dict()), copy.deepcopy(opt.state_dict())
        assert sorted(saved) == ["_last_lr", "_schedulers"] and len(saved["_schedulers"]) == 3
        opt2 = ours()
        sched2 = build(opt2)
        if optimizer_first:
            opt2.load_state_dict(saved_opt)
        sched2.load_state_dict(saved)
        if not optimizer_first:
            opt2.load_state_dict(saved_opt)
        assert sched2.get_last_lr() == sched.get_last_lr()
        assert trajectory(opt2, sched2, 15) == full[10:]


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_chained_scheduler_load_refuses_and_changes_nothing() -> None:
    opt = ours()
    sched = S.ChainedScheduler([S.ConstantLR(opt, 0.5, 8), S.StepLR(opt, 2)])
    sched.step()
    other = S.ChainedScheduler([S.ConstantLR(ours(), 0.5, 8)])
    bad = copy.deepcopy(sched.state_dict())
    for _ in range(3):
        sched.step()
    bad["_schedulers"][0].pop("factor")  # the first refuses after the second loaded
    before = (copy.deepcopy(sched.state_dict()), state(opt),
              [g["initial_lr"] for g in opt.param_groups])
    with pytest.raises(ValueError, match=r"missing keys.*factor"):
        sched.load_state_dict(bad)
    assert (sched.state_dict(), state(opt),
            [g["initial_lr"] for g in opt.param_groups]) == before
    with pytest.raises(ValueError, match="1 schedule states for 2 schedulers"):
        sched.load_state_dict(other.state_dict())
    with pytest.raises(ValueError, match="expected the keys"):
        sched.load_state_dict({"_schedulers": []})


def test_resume_with_last_epoch() -> None:
    """A new scheduler told how many steps were taken continues the run (the optimizer's
    checkpoint holds initial_lr)."""
    for make in (lambda o, e: S.ConstantLR(o, 0.5, 6, last_epoch=e),
                 lambda o, e: S.PolynomialLR(o, 9, 2.0, last_epoch=e),
                 lambda o, e: S.CosineAnnealingWarmRestarts(o, 2, 3, last_epoch=e),
                 lambda o, e: S.CyclicLR(o, 0.01, 0.1, 3, 4, last_epoch=e)):
        opt = ours()
        full = trajectory(opt, make(opt, -1), 20)
        opt = ours()
        trajectory(opt, make(opt, -1), 11)
        opt2 = ours()
        opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
        sched2 = make(opt2, 10)
        assert sched2.last_epoch == 11
        assert trajectory(opt2, sched2, 9) == full[11:]


def test_cyclic_resume_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    opt, topt = ours(), theirs()
    for o in (opt, topt):
        for g in o.param_groups:
            g["initial_lr"] = 0.01
    kw: dict[str, Any] = dict(base_lr=0.01, max_lr=0.1, step_size_up=3, last_epoch=7)
    got = trajectory(opt, S.CyclicLR(opt, **kw), 10)
    same(got, trajectory(topt, torch.optim.lr_scheduler.CyclicLR(topt, **kw), 10))


def test_cyclic_state_of_another_optimizer_kind_is_refused() -> None:
    saved = S.CyclicLR(ours("adam"), 0.01, 0.1, 3).state_dict()
    cyc = S.CyclicLR(ours(), 0.01, 0.1, 3)
    with pytest.raises(ValueError, match="cannot load CyclicLR state dict: it cycles betas"):
        cyc.load_state_dict(saved)


def test_cyclic_state_dict_leaves_out_scale_fn() -> None:
    sd = S.CyclicLR(ours(), 0.01, 0.1, 3, scale_fn=lambda c: 1.0).state_dict()
    assert "_scale_fn" not in sd and not any(callable(v) for v in sd.values())


# ----------------------------------------------------------------------------- arguments
def bad(value: Any) -> Any:
    """A value of the wrong type, passed on as Any (for mypy)."""
    return value


BAD: list[tuple[Callable[[optim.Optimizer], Any], type[Exception], str]] = [
    (lambda o: S.ConstantLR(o, factor=1.5), ValueError, "factor"),
    (lambda o: S.ConstantLR(o, factor=-0.1), ValueError, "factor"),
    (lambda o: S.ConstantLR(o, factor=math.nan), ValueError, "factor"),
    (lambda o: S.ConstantLR(o, total_iters=0), ValueError, "total_iters"),
    (lambda o: S.ConstantLR(o, total_iters=bad(2.0)), TypeError, "total_iters"),
    (lambda o: S.ConstantLR(o, last_epoch=-2), ValueError, "last_epoch"),
    (lambda o: S.ConstantLR(bad(object())), TypeError, "Optimizer"),
    (lambda o: S.PolynomialLR(o, total_iters=0), ValueError, "total_iters"),
    (lambda o: S.PolynomialLR(o, total_iters=bad(True)), TypeError, "total_iters"),
    (lambda o: S.PolynomialLR(o, power=-1.0), ValueError, "power"),
    (lambda o: S.PolynomialLR(o, power=math.inf), ValueError, "power"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, 0), ValueError, "T_0"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, bad(2.5)), TypeError, "T_0"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, 5, T_mult=0), ValueError, "T_mult"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, 5, T_mult=bad(1.5)), TypeError, "T_mult"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, 5, eta_min=-0.1), ValueError, "eta_min"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, 5, eta_min=bad("0")), TypeError, "eta_min"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, 5, last_epoch=3), ValueError, "initial_lr"),
    (lambda o: S.CyclicLR(o, -0.01, 0.1), ValueError, "base_lr"),
    (lambda o: S.CyclicLR(o, [0.01], 0.1), ValueError, "base_lr has 1 entries for 2"),
    (lambda o: S.CyclicLR(o, 0.01, [0.1, math.inf]), ValueError, r"max_lr\[1\]"),
    (lambda o: S.CyclicLR(o, 0.01, bad(None)), TypeError, "max_lr"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=0), ValueError, "step_size_up"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=bad(2.0)), TypeError, "step_size_up"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_down=-1), ValueError, "step_size_down"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, mode="triangle"), ValueError, "mode"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, gamma=1.5), ValueError, "gamma"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, gamma=-0.5), ValueError, "gamma"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, scale_fn=bad(0.5)), TypeError, "scale_fn"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, scale_mode="epoch"), ValueError, "scale_mode"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, cycle_momentum=bad(1)), TypeError, "cycle_momentum"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, base_momentum=1.0), ValueError, "base_momentum"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, max_momentum=[0.9]), ValueError,
     "max_momentum has 1 entries"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, last_epoch=-3), ValueError, "last_epoch"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, last_epoch=4), ValueError, "initial_lr"),
    (lambda o: S.CyclicLR(optim.Adagrad(o.param_groups[0]["params"]), 0.01, 0.1), ValueError,
     "neither 'momentum' nor 'betas'.*cycle_momentum=False"),
    (lambda o: S.CyclicLR(optim.SGD(o.param_groups[0]["params"], lr=0.1, momentum=0.9,
                                    nesterov=True), 0.01, 0.1, base_momentum=0.0),
     ValueError, "base_momentum: 0.0 .*nesterov"),
]


@pytest.mark.parametrize(("make", "error", "match"), BAD,
                         ids=[f"{i}-{m}" for i, (_, _, m) in enumerate(BAD)])
def test_bad_arguments_raise_naming_them_and_change_nothing(
        make: Callable[[optim.Optimizer], Any], error: type[Exception], match: str) -> None:
    opt = ours()
    before = copy.deepcopy([{k: v for k, v in g.items() if k != "params"}
                            for g in opt.param_groups])
    with pytest.raises(error, match=match):
        make(opt)
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == before


CHAIN_BAD: list[tuple[Callable[[optim.Optimizer, Any], Any], type[Exception], str]] = [
    (lambda o, step: S.ChainedScheduler([]), ValueError, "schedulers"),
    (lambda o, step: S.ChainedScheduler(bad(step)), TypeError, "schedulers"),
    (lambda o, step: S.ChainedScheduler([step, bad(o)]), TypeError, r"schedulers\[1\]"),
    (lambda o, step: S.ChainedScheduler([step, bad(S.ReduceLROnPlateau(o))]), ValueError,
     r"schedulers\[1\].*ReduceLROnPlateau"),
    (lambda o, step: S.ChainedScheduler([step, S.StepLR(ours(), 2)]), ValueError,
     r"schedulers\[1\] drives another optimizer"),
    (lambda o, step: S.ChainedScheduler([step], optimizer=ours()), ValueError,
     r"schedulers\[0\] drives another optimizer.*\(optimizer\)"),
    (lambda o, step: S.ChainedScheduler([step], optimizer=bad("sgd")), TypeError, "Optimizer"),
]


@pytest.mark.parametrize(("make", "error", "match"), CHAIN_BAD,
                         ids=[f"{i}-{m}" for i, (_, _, m) in enumerate(CHAIN_BAD)])
def test_chained_scheduler_bad_arguments(make: Callable[[optim.Optimizer, Any], Any],
                                         error: type[Exception], match: str) -> None:
    opt = ours()
    step = S.StepLR(opt, 2)
    with pytest.raises(error, match=match):
        make(opt, step)


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_a_scale_fn_out_of_range_is_named() -> None:
    sched = S.CyclicLR(ours(), 0.01, 0.1, 2, scale_fn=lambda c: float(c))
    sched.step()
    with pytest.raises(ValueError, match=r"scale_fn\(2\)"):
        for _ in range(5):
            sched.step()


def test_chained_scheduler_builds_without_changing_anything() -> None:
    opt = ours()
    a, b = S.ConstantLR(opt, 0.5, 3), S.ExponentialLR(opt, 0.9)
    before = state(opt)
    chain = S.ChainedScheduler((a, b))
    assert state(opt) == before and chain.get_last_lr() == [0.25, 0.0625]
    assert chain.optimizer is opt


# ----------------------------------------------------------------------------- training
def test_warm_restarts_and_cyclic_train_least_squares() -> None:
    rng = np.random.default_rng(0)
    X = Tensor(rng.normal(size=(64, 5)))
    w_true = rng.normal(size=5)
    y = X @ Tensor(w_true)
    for build in (lambda o: S.CosineAnnealingWarmRestarts(o, 20, 2),
                  lambda o: S.CyclicLR(o, 0.01, 0.1, 10)):
        w = Tensor(np.zeros(5), requires_grad=True)
        opt = optim.SGD([w], lr=0.1, momentum=0.9)
        sched = build(opt)
        for _ in range(300):
            opt.zero_grad()
            ((X @ w - y) ** 2).mean().backward()
            opt.step()
            sched.step()
        assert np.abs(w.data - w_true).max() < 1e-6


def test_a_state_dict_with_values_the_constructor_refuses_is_refused_and_changes_nothing(
) -> None:
    """A hand-edited or corrupted checkpoint: NaN or negative factors, a fractional or
    negative count, a bool for a number. Before, NaN and negative learning rates followed."""
    def sgd() -> optim.SGD:
        return optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1)

    step = S.StepLR(sgd(), 2, 0.5)
    plateau = S.ReduceLROnPlateau(sgd())
    cases: list[tuple[Any, str, Any, str]] = [
        (step, "gamma", float("nan"), "'gamma' must be a finite number >= 0, got nan"),
        (step, "gamma", -1.0, "'gamma' must be a finite number >= 0"),
        (step, "step_size", 2.5, "'step_size' must be an int >= 0, got 2.5"),
        (step, "last_epoch", -5, "'last_epoch' must be an int >= -1"),
        (step, "base_lrs", [float("inf")], "'base_lrs' must be a finite number >= 0"),
        (plateau, "best", float("nan"), "'best' must be a number (not NaN)"),
        (plateau, "mode", 1, "'mode' must be a str"),
        (plateau, "patience", True, "'patience' must be an int >= 0, got True"),
    ]
    for sched, key, value, match in cases:
        before = sched.state_dict()
        lrs = [g["lr"] for g in sched.optimizer.param_groups]
        with pytest.raises(ValueError, match=re.escape(match)):
            sched.load_state_dict({**before, key: value})
        assert sched.state_dict() == before and lrs == [g["lr"] for g in
                                                        sched.optimizer.param_groups]
    plateau.load_state_dict({**plateau.state_dict(), "best": -3.5})  # a metric may be negative
    assert plateau.best == -3.5
    step.load_state_dict({**step.state_dict(), "last_epoch": -1, "gamma": 1})  # an int for 1.0
    assert step.last_epoch == -1


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_a_cycled_state_dict_at_a_step_it_cannot_take_is_refused_and_changes_nothing() -> None:
    """A OneCycleLR restored past its last step, a CyclicLR whose kept scale_fn leaves [0, 1]
    at the restored step: refused before anything is applied (before, the state was in place
    when the error came, and every later step raised)."""
    def sgd() -> optim.SGD:
        return optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1, momentum=0.9)

    one = S.OneCycleLR(sgd(), 1.0, total_steps=10)
    cyc = S.CyclicLR(sgd(), 0.01, 0.1, 2, scale_fn=lambda c: 1.0 if c < 3 else 2.0)
    for sched, key, value, match in [
            (one, "last_epoch", 11, "tried to step 11 times"),
            (cyc, "last_epoch", 9, "scale_fn")]:
        for _ in range(3):
            sched.step()
        before = sched.state_dict()
        group = dict(sched.optimizer.param_groups[0])
        with pytest.raises(ValueError, match=f"cannot load {type(sched).__name__} state dict: "
                                             f".*{match}"):
            sched.load_state_dict({**before, key: value})
        assert sched.state_dict() == before
        assert {k: v for k, v in sched.optimizer.param_groups[0].items() if k != "params"} == {
            k: v for k, v in group.items() if k != "params"}
        sched.step()  # and it goes on
        assert sched.last_epoch == 4
