"""Learning-rate schedules against their formulas, with parameter groups and checkpoints."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optim
from autograd_mini import Tensor
from optim import lr_scheduler as S

BASES = (0.5, 0.125)  # two groups, each with its own initial lr
STEPS = 40


def two_groups(momentum: float = 0.0) -> optim.Optimizer:
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    groups: list[dict[str, Any]] = [{"params": [a]}, {"params": [b], "lr": BASES[1]}]
    return optim.SGD(groups, lr=BASES[0], momentum=momentum)


def lrs_over_steps(opt: optim.Optimizer, sched: Any, steps: int = STEPS) -> list[list[float]]:
    """The lrs in force at t = 0, 1, ..., steps − 1 (scheduler stepped after each step)."""
    seen = []
    for _ in range(steps):
        current = [g["lr"] for g in opt.param_groups]
        assert sched.get_last_lr() == current
        seen.append(current)
        opt.step()
        sched.step()
    return seen


def check(make: Callable[[optim.Optimizer], Any], formula: Callable[[float, int], float]) -> None:
    opt = two_groups()
    seen = lrs_over_steps(opt, make(opt))
    for t, lrs in enumerate(seen):
        for base, lr in zip(BASES, lrs, strict=True):
            assert lr == pytest.approx(formula(base, t), rel=1e-12, abs=1e-15), f"t={t}"


FRACTIONS = st.floats(0.0, 1.0)
EXAMPLES = settings(deadline=None)


@EXAMPLES
@given(step_size=st.integers(1, 10), gamma=FRACTIONS)
def test_step_lr(step_size: int, gamma: float) -> None:
    check(lambda o: S.StepLR(o, step_size, gamma), lambda b, t: b * gamma ** (t // step_size))


@EXAMPLES
@given(milestones=st.lists(st.integers(0, 45), max_size=5), gamma=FRACTIONS)
def test_multistep_lr(milestones: list[int], gamma: float) -> None:
    ms = sorted(milestones)
    check(
        lambda o: S.MultiStepLR(o, milestones, gamma),
        lambda b, t: b * gamma ** sum(1 for m in ms if m <= t),
    )


def test_multistep_lr_known_values() -> None:
    opt = two_groups()
    seen = lrs_over_steps(opt, S.MultiStepLR(opt, [3, 1], gamma=0.5), 5)
    assert [lrs[0] for lrs in seen] == [0.5, 0.25, 0.25, 0.125, 0.125]


@EXAMPLES
@given(gamma=st.floats(0.5, 1.0))
def test_exponential_lr(gamma: float) -> None:
    check(lambda o: S.ExponentialLR(o, gamma), lambda b, t: b * gamma**t)


@EXAMPLES
@given(start=FRACTIONS, end=FRACTIONS, total=st.integers(1, 50))
def test_linear_lr(start: float, end: float, total: int) -> None:
    check(
        lambda o: S.LinearLR(o, start, end, total),
        lambda b, t: b * (start + (end - start) * min(t, total) / total),
    )


def test_linear_warm_up_from_zero() -> None:
    opt = two_groups()
    seen = lrs_over_steps(opt, S.LinearLR(opt, start_factor=0.0, end_factor=1.0, total_iters=4), 7)
    assert [lrs[0] for lrs in seen] == [0.0, 0.125, 0.25, 0.375, 0.5, 0.5, 0.5]


@EXAMPLES
@given(power=st.floats(0.0, 3.0), scale=st.floats(0.1, 100.0))
def test_power_lr(power: float, scale: float) -> None:
    check(lambda o: S.PowerLR(o, power, scale), lambda b, t: b * (1 + t / scale) ** -power)


def test_power_lr_is_a_power_law() -> None:
    """log η_t is linear in log(1 + t/s) with slope −p."""
    opt = two_groups()
    seen = lrs_over_steps(opt, S.PowerLR(opt, power=0.75, scale=2.0), 30)
    x = np.log1p(np.arange(30) / 2.0)
    slope = np.polyfit(x, np.log([lrs[0] for lrs in seen]), 1)[0]
    assert slope == pytest.approx(-0.75, rel=1e-10)


@EXAMPLES
@given(t_max=st.integers(1, 30), eta_min=st.floats(0.0, 0.1))
def test_cosine_annealing_lr(t_max: int, eta_min: float) -> None:
    check(
        lambda o: S.CosineAnnealingLR(o, t_max, eta_min),
        lambda b, t: eta_min + (b - eta_min) * (1 + math.cos(math.pi * t / t_max)) / 2,
    )


def test_cosine_reaches_eta_min_at_t_max() -> None:
    opt = two_groups()
    seen = lrs_over_steps(opt, S.CosineAnnealingLR(opt, T_max=10, eta_min=0.01), 11)
    assert seen[0] == list(BASES)
    assert seen[5][0] == pytest.approx((0.5 + 0.01) / 2)
    assert seen[10] == pytest.approx([0.01, 0.01])


def test_sequential_warm_up_then_cosine() -> None:
    opt = two_groups()
    warm = S.LinearLR(opt, start_factor=0.0, end_factor=1.0, total_iters=5)
    cos = S.CosineAnnealingLR(opt, T_max=20)
    seen = lrs_over_steps(opt, S.SequentialLR(opt, [warm, cos], milestones=[5]), 30)
    for t, lrs in enumerate(seen):
        for base, lr in zip(BASES, lrs, strict=True):
            want = base * t / 5 if t < 5 else base * (1 + math.cos(math.pi * (t - 5) / 20)) / 2
            assert lr == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_sequential_validation() -> None:
    opt = two_groups()
    other = two_groups()
    a, b = S.StepLR(opt, 2), S.StepLR(other, 2)
    with pytest.raises(ValueError, match="same optimizer"):
        S.SequentialLR(opt, [a, b], [3])
    with pytest.raises(ValueError, match="milestones"):
        S.SequentialLR(opt, [a, S.StepLR(opt, 3)], [])
    with pytest.raises(ValueError, match="increase"):
        S.SequentialLR(opt, [a, S.StepLR(opt, 3), S.StepLR(opt, 4)], [4, 2])


def test_schedule_drives_the_update() -> None:
    """The step actually uses the scheduled lr: θ moves by lr_t · g on a linear loss."""
    p = Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = S.ExponentialLR(opt, gamma=0.5)
    for t in range(5):
        before = p.data.copy()
        opt.zero_grad()
        (p * 2.0).sum().backward()
        opt.step()
        sched.step()
        np.testing.assert_allclose(before - p.data, [2.0 * 0.5**t])


def test_initial_lr_is_recorded_and_kept() -> None:
    opt = two_groups()
    S.ExponentialLR(opt, 0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == list(BASES)
    sched = S.StepLR(opt, 1, 0.1)  # a second scheduler starts from the same initial lrs
    assert sched.base_lrs == list(BASES)


def test_last_epoch_resume_needs_initial_lr() -> None:
    with pytest.raises(ValueError, match="initial_lr"):
        S.StepLR(two_groups(), 3, last_epoch=5)
    opt = two_groups()
    S.StepLR(opt, 3)
    sched = S.StepLR(opt, 3, gamma=0.5, last_epoch=5)
    assert sched.last_epoch == 6
    assert sched.get_last_lr() == [b * 0.25 for b in BASES]


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_scheduler_needs_the_groups_it_was_built_for() -> None:
    opt = two_groups()
    sched = S.ExponentialLR(opt, 0.9)
    opt.add_param_group({"params": [Tensor(np.ones(1), requires_grad=True)]})
    with pytest.raises(ValueError, match="parameter groups"):
        sched.step()


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda o: S.StepLR(o, 0), ValueError, "step_size"),
        (lambda o: S.StepLR(o, 2.5), TypeError, "step_size"),  # type: ignore[arg-type]
        (lambda o: S.StepLR(o, 2, gamma=-0.1), ValueError, "gamma"),
        (lambda o: S.StepLR(o, 2, gamma=math.nan), ValueError, "gamma"),
        (lambda o: S.MultiStepLR(o, [2, -1]), ValueError, "milestones"),
        (lambda o: S.ExponentialLR(o, -1.0), ValueError, "gamma"),
        (lambda o: S.LinearLR(o, start_factor=-0.5), ValueError, "start_factor"),
        (lambda o: S.LinearLR(o, end_factor=math.nan), ValueError, "end_factor"),
        (lambda o: S.LinearLR(o, total_iters=0), ValueError, "total_iters"),
        (lambda o: S.PowerLR(o, power=-1.0), ValueError, "power"),
        (lambda o: S.PowerLR(o, scale=0.0), ValueError, "scale"),
        (lambda o: S.CosineAnnealingLR(o, 0), ValueError, "T_max"),
        (lambda o: S.CosineAnnealingLR(o, 10, eta_min=-1.0), ValueError, "eta_min"),
        (lambda o: S.StepLR(o, 2, last_epoch=-2), ValueError, "last_epoch"),
        (lambda o: S.ReduceLROnPlateau(o, mode="up"), ValueError, "mode"),
        (lambda o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor"),
        (lambda o: S.ReduceLROnPlateau(o, patience=-1), ValueError, "patience"),
        (lambda o: S.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold_mode"),
        (lambda o: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "min_lr"),
        (lambda o: S.ReduceLROnPlateau(o, cooldown=-1), ValueError, "cooldown"),
        (lambda o: S.StepLR(object(), 2), TypeError, "Optimizer"),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments(make: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make(two_groups())


# ----------------------------------------------------------------------------- plateau
def reference_plateau(
    metrics: list[float],
    lr: float,
    factor: float,
    patience: int,
    threshold: float,
    cooldown: int,
    min_lr: float,
    mode: str,
) -> list[float]:
    """The plateau rule written out directly (rel threshold)."""
    best = math.inf if mode == "min" else -math.inf
    bad = cool = 0
    out = []
    for m in metrics:
        better = m < best * (1 - threshold) if mode == "min" else m > best * (1 + threshold)
        if better:
            best, bad = m, 0
        else:
            bad += 1
        if cool > 0:
            cool, bad = cool - 1, 0
        if bad > patience:
            new = max(lr * factor, min_lr)
            if lr - new > 1e-8:
                lr = new
            cool, bad = cooldown, 0
        out.append(lr)
    return out


@EXAMPLES
@given(
    metrics=st.lists(st.sampled_from([1.0, 0.9, 0.5, 0.4999, 2.0, 0.1]), max_size=40),
    factor=st.sampled_from([0.1, 0.5]),
    patience=st.integers(0, 4),
    cooldown=st.integers(0, 3),
    min_lr=st.sampled_from([0.0, 0.01]),
    mode=st.sampled_from(["min", "max"]),
)
def test_reduce_on_plateau(
    metrics: list[float], factor: float, patience: int, cooldown: int, min_lr: float, mode: str
) -> None:
    opt = two_groups()
    sched = S.ReduceLROnPlateau(
        opt, mode=mode, factor=factor, patience=patience, cooldown=cooldown, min_lr=min_lr
    )
    want = reference_plateau(metrics, BASES[0], factor, patience, 1e-4, cooldown, min_lr, mode)
    for m, lr in zip(metrics, want, strict=True):
        sched.step(Tensor(m))
        assert opt.param_groups[0]["lr"] == pytest.approx(lr, rel=1e-12)
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]


def test_reduce_on_plateau_known_sequence() -> None:
    opt = two_groups()
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, min_lr=[0.1, 0.1])
    for m in [3.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.5, 1.5, 1.5]:
        sched.step(m)
    assert sched.get_last_lr() == [0.125, 0.1]  # halved twice, second group floored
    sched.step(math.nan)  # NaN is never an improvement, and raises nothing
    assert sched.num_bad_epochs == 1


def test_reduce_on_plateau_abs_threshold() -> None:
    opt = two_groups()
    sched = S.ReduceLROnPlateau(opt, patience=0, threshold=0.5, threshold_mode="abs")
    sched.step(10.0)
    sched.step(9.6)  # not better by 0.5: reduce
    assert sched.get_last_lr() == pytest.approx([0.05, 0.0125])


# ----------------------------------------------------------------------------- checkpoints
SCHEDULES: list[Callable[[optim.Optimizer], Any]] = [
    lambda o: S.StepLR(o, 3, 0.5),
    lambda o: S.MultiStepLR(o, [2, 5, 5, 9], 0.5),
    lambda o: S.ExponentialLR(o, 0.9),
    lambda o: S.LinearLR(o, 0.1, 1.0, 6),
    lambda o: S.PowerLR(o, 0.5, 3.0),
    lambda o: S.CosineAnnealingLR(o, 8, 0.01),
    lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.0, 1.0, 3), S.ExponentialLR(o, 0.8)], [3]),
]


@pytest.mark.parametrize("make", SCHEDULES)
@pytest.mark.parametrize("trip", ["direct", "numpy"])
def test_scheduler_state_dict_resume(make: Callable[[optim.Optimizer], Any], trip: str) -> None:
    opt = two_groups()
    sched = make(opt)
    full = lrs_over_steps(opt, sched, 15)

    opt = two_groups()
    sched = make(opt)
    lrs_over_steps(opt, sched, 6)
    saved = copy.deepcopy(sched.state_dict())
    if trip == "numpy":  # as after np.savez / np.load
        saved = {k: np.asarray(v) for k, v in saved.items()}
    opt2 = two_groups()
    sched2 = make(opt2)
    sched2.load_state_dict(saved)
    assert sched2.last_epoch == 6
    assert isinstance(sched2.base_lrs, list)
    assert lrs_over_steps(opt2, sched2, 9) == full[6:]


def test_plateau_state_dict_resume() -> None:
    metrics = [1.0, 0.9, 0.9, 0.9, 0.95, 0.5, 0.6, 0.6, 0.6, 0.6]
    opt = two_groups()
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1)
    for m in metrics[:4]:
        sched.step(m)
    saved = sched.state_dict()
    opt2 = two_groups()
    sched2 = S.ReduceLROnPlateau(opt2, factor=0.5, patience=1, cooldown=1)
    sched2.load_state_dict(saved)
    for m in metrics[4:]:
        sched.step(m)
        sched2.step(m)
        assert sched2.get_last_lr() == sched.get_last_lr()
    assert sched.get_last_lr() != [0.5, 0.125]  # the sequence did reduce


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda sd: sd.pop("last_epoch"), "missing keys.*last_epoch"),
        (lambda sd: sd.update(surprise=1), "unexpected keys.*surprise"),
        (lambda sd: sd.update(base_lrs=[0.1]), "base_lrs.*1 entries for 2"),
    ],
)
@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_scheduler_load_refuses_mismatch_and_changes_nothing(edit: Any, match: str) -> None:
    opt = two_groups()
    sched = S.StepLR(opt, 2)
    other = S.StepLR(two_groups(), 2)
    other.step()
    sd = other.state_dict()
    edit(sd)
    before = sched.state_dict()
    with pytest.raises(ValueError, match=match):
        sched.load_state_dict(sd)
    assert sched.state_dict() == before


def _lrs(opt: Any, scheds: list[Any], n: int) -> list[float]:
    out = [opt.param_groups[0]["lr"]]
    for _ in range(n):
        for s in scheds:
            s.step(1.0) if isinstance(s, S.ReduceLROnPlateau) else s.step()
        out.append(opt.param_groups[0]["lr"])
    return out


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_schedulers_chain_as_in_pytorch() -> None:
    opt = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=1.0)
    got = _lrs(opt, [S.ExponentialLR(opt, 0.9), S.StepLR(opt, 3, 0.5)], 6)
    want = [0.9**t * 0.5 ** (t // 3) for t in range(7)]  # the two factors multiply
    np.testing.assert_allclose(got, want, rtol=1e-14)
    opt = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=1.0)
    got = _lrs(opt, [S.LinearLR(opt, 0.1, 1.0, 3), S.ReduceLROnPlateau(opt, patience=0)], 5)
    # the warm-up's factors (×4, ×1.75, then ×1) and the plateau's ×0.1 from step 2 on
    np.testing.assert_allclose(got, [0.1, 0.4, 0.07, 0.01, 1e-3, 1e-4], rtol=1e-12)


CHAINS: list[tuple[str, Callable[[Any, Any], list[Any]], dict[int, float]]] = [
    ("sequential: a lambda warm-up, then cosine", lambda L, o: [L.SequentialLR(
        o, [L.LambdaLR(o, lambda t: (t + 1) / 3), L.CosineAnnealingLR(o, 5)], [3])], {}),
    ("sequential with a floor, a manual halving", lambda L, o: [L.SequentialLR(
        o, [L.LinearLR(o, 1.0, 1.0, 1), L.CosineAnnealingLR(o, 4, eta_min=0.05)], [1])],
     {3: 0.5}),
    ("sequential, then an exponential on top", lambda L, o: [L.SequentialLR(
        o, [L.LinearLR(o, 0.5, 1.0, 2), L.ExponentialLR(o, 0.8)], [3]), L.ExponentialLR(o, 0.9)],
     {}),
    ("warm-up, then a decay built after it", lambda L, o: [
        L.LinearLR(o, 0.1, 1.0, 5), L.MultiStepLR(o, [3, 7], 0.5)], {}),
    ("warm-up, then exponential", lambda L, o: [
        L.LinearLR(o, 0.25, 1.0, 4), L.ExponentialLR(o, 0.9)], {}),
    ("decay built first, then a warm-up", lambda L, o: [
        L.StepLR(o, 3, 0.5), L.LinearLR(o, 0.2, 1.0, 4)], {}),
    ("exponential, then cosine with a floor", lambda L, o: [
        L.ExponentialLR(o, 0.95), L.CosineAnnealingLR(o, 10, eta_min=0.01)], {}),
    ("cosine with a floor and manual halvings", lambda L, o: [
        L.CosineAnnealingLR(o, 10, eta_min=0.05)], {2: 0.5, 6: 0.5}),
    ("a lambda warm-up sets its lr over a manual halving", lambda L, o: [
        L.LambdaLR(o, lambda t: min(1.0, (t + 1) / 4))], {5: 0.5}),
    ("a lambda warm-up, then exponential", lambda L, o: [
        L.LambdaLR(o, lambda t: min(1.0, (t + 1) / 4)), L.ExponentialLR(o, 0.5)], {}),
    ("exponential, then a lambda", lambda L, o: [
        L.ExponentialLR(o, 0.5), L.LambdaLR(o, lambda t: 0.9**t)], {3: 0.5}),
    ("multiplicative over a manual halving", lambda L, o: [
        L.MultiplicativeLR(o, lambda t: 0.9 if t % 2 else 1.1)], {4: 0.5}),
    ("multiplicative, then exponential", lambda L, o: [
        L.MultiplicativeLR(o, lambda t: 0.95), L.ExponentialLR(o, 0.9)], {2: 2.0}),
    ("a warm-up, then multiplicative", lambda L, o: [
        L.LinearLR(o, 0.25, 1.0, 4), L.MultiplicativeLR(o, lambda t: 0.97)], {}),
]


@pytest.mark.parametrize(("label", "make", "manual"), CHAINS, ids=[c[0] for c in CHAINS])
@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_chained_schedules_match_pytorch(label: str, make: Any, manual: dict[int, float]) -> None:
    """Two schedules on one optimiser (built in either order) and manual changes give
    PyTorch's lrs at every step: construction keeps what a schedule built before did, and a
    schedule with a floor (cosine's eta_min) scales about it."""
    torch = pytest.importorskip("torch")
    opt = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=0.1)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    ours, theirs = make(S, opt), make(torch.optim.lr_scheduler, topt)
    assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
    for t in range(12):
        if t in manual:
            opt.param_groups[0]["lr"] *= manual[t]
            topt.param_groups[0]["lr"] *= manual[t]
        topt.step()
        for a, b in zip(ours, theirs, strict=True):
            a.step()
            b.step()
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"],
                                                          rel=1e-12), (label, t)


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_a_manual_lr_change_survives_the_next_step_and_alone_a_schedule_is_exact() -> None:
    opt = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=1.0)
    sched = S.ExponentialLR(opt, 0.5)
    sched.step()
    opt.param_groups[0]["lr"] = 0.1
    sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05, rel=1e-15)
    opt = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=0.3)
    cosine = S.CosineAnnealingLR(opt, 7, eta_min=0.01)
    for t in range(1, 20):
        cosine.step()
        assert opt.param_groups[0]["lr"] == cosine.lr_at(0.3, t)  # bit for bit


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_lambda_lr_scales_each_groups_initial_lr_and_checkpoints_without_its_functions() -> None:
    opt = two_groups()
    sched = S.LambdaLR(opt, [lambda t: 1.0 / (t + 1), lambda t: 0.5**t])
    lrs = _lrs(opt, [sched], 3)
    np.testing.assert_allclose(lrs, [BASES[0] / (t + 1) for t in range(4)], rtol=1e-15)
    assert opt.param_groups[1]["lr"] == BASES[1] * 0.125
    state = sched.state_dict()
    assert sorted(state) == ["_last_lr", "base_lrs", "last_epoch"]  # plain data only
    again = S.LambdaLR(two_groups(), lambda t: 1.0)
    again.load_state_dict(copy.deepcopy(state))
    assert again.last_epoch == 3 and again.get_last_lr() == sched.get_last_lr()
    with pytest.raises(TypeError, match="one per parameter group"):
        S.LambdaLR(two_groups(), [lambda t: 1.0])
    with pytest.raises(TypeError, match="lr_lambda must be a function"):
        S.LambdaLR(two_groups(), 0.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("order", ["optimizer first", "schedules first", "optimizer between"])
@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_chained_checkpoints_load_in_any_order_and_resume_by_last_epoch(order: str) -> None:
    """Two schedules and their optimizer restored in any order give the live lr (a schedule
    wrote its own last lr over the optimizer's, 10× off); rebuilding both with last_epoch
    keeps the loaded lr (the last one built wrote its own closed form)."""
    def build(opt: optim.Optimizer) -> list[Any]:
        return [S.ExponentialLR(opt, 0.5), S.StepLR(opt, 1, 0.1)]

    opt = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=0.1)
    scheds = build(opt)
    for _ in range(3):
        for sc in scheds:
            sc.step()
    live = opt.param_groups[0]["lr"]
    saved = [opt.state_dict(), *(sc.state_dict() for sc in scheds)]
    opt2 = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=0.1)
    scheds2 = build(opt2)
    loads = [lambda: opt2.load_state_dict(saved[0]), lambda: scheds2[0].load_state_dict(saved[1]),
             lambda: scheds2[1].load_state_dict(saved[2])]
    steps = {"optimizer first": [0, 2, 1], "schedules first": [2, 1, 0],
             "optimizer between": [2, 0, 1]}[order]
    for i in steps:
        loads[i]()
    assert opt2.param_groups[0]["lr"] == pytest.approx(live, rel=1e-12)
    opt3 = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=0.1)
    opt3.load_state_dict(saved[0])
    S.ExponentialLR(opt3, 0.5, last_epoch=2), S.StepLR(opt3, 1, 0.1, last_epoch=2)
    assert opt3.param_groups[0]["lr"] == pytest.approx(live, rel=1e-12)


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_one_cycle_state_of_another_optimizer_kind_is_refused_unchanged() -> None:
    adam = optim.Adam([Tensor(np.ones(1), requires_grad=True)], lr=0.1)
    saved = S.OneCycleLR(adam, max_lr=0.1, total_steps=10).state_dict()
    sgd = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=0.1, momentum=0.9)
    cycle = S.OneCycleLR(sgd, max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="cycles betas"):
        cycle.load_state_dict(saved)
    cycle.step()  # (it raised KeyError 'betas' here, half loaded)
    assert not cycle.use_beta1


def test_lambda_lr_sets_eta0_lambda_t_even_for_a_lambda_with_state_of_its_own() -> None:
    """As PyTorch's LambdaLR: the lr is η₀ λ(t) at each step. Before, it moved by λ(t)/λ(t−1)
    asked again, which for a λ reading outside state (halved each step) stayed at 1."""
    torch = pytest.importorskip("torch")
    lrs = []
    for lib, opt in ((S, optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=0.1)),
                     (torch.optim.lr_scheduler,
                      torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))):
        factor = [1.0]
        sched = lib.LambdaLR(opt, lambda t, f=factor: f[0])
        got = []
        for _ in range(4):
            factor[0] /= 2
            opt.step()
            sched.step()
            got.append(opt.param_groups[0]["lr"])
        lrs.append(got)
    np.testing.assert_allclose(lrs[0], [0.05, 0.025, 0.0125, 0.00625], rtol=1e-12)
    np.testing.assert_allclose(lrs[0], lrs[1], rtol=1e-12)

