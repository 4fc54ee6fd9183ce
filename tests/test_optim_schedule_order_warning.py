"""A schedule stepped before its optimiser warns as PyTorch 2.13's does: at the schedule's first
``step()`` (counted from its construction, or from the state it was restored to) while the
optimiser has not stepped since its first ``LRScheduler`` was built. Each case runs on both
libraries and compares which calls warned; the deliberate differences are checked apart."""

from __future__ import annotations

import copy
import inspect
import pickle
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor
from optim import lr_scheduler as S
from optim.schedule_base import EARLY_STEP

torch = pytest.importorskip("torch")

TORCH_MESSAGE = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"


class Lib:
    """One library's optimiser and schedules, and which of a run of calls warned."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.L: Any = S if name == "ours" else torch.optim.lr_scheduler

    def sgd(self, lr: float = 1.0, momentum: float = 0.0, groups: int = 1) -> Any:
        """SGD over ``groups`` groups of one parameter each, every one with a gradient."""
        if self.name == "ours":
            ps = [Tensor(np.zeros(1), requires_grad=True) for _ in range(groups)]
            for p in ps:
                p.grad = Tensor(np.ones(1))
            return optim.SGD([{"params": [p]} for p in ps], lr=lr, momentum=momentum)
        tps = [torch.zeros(1, requires_grad=True) for _ in range(groups)]
        for p in tps:
            p.grad = torch.ones(1)
        return torch.optim.SGD([{"params": [p]} for p in tps], lr=lr, momentum=momentum)

    def warned(self, *calls: Callable[[], Any]) -> list[int]:
        """The index of the call each order warning came from (twice if it warned twice)."""
        start = EARLY_STEP if self.name == "ours" else TORCH_MESSAGE
        out: list[int] = []
        for i, call in enumerate(calls):
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                call()
            out += [i for w in seen if str(w.message).startswith(start)]
        return out


LIBS = [Lib("ours"), Lib("torch")]


def wrong_order(lib: Lib) -> list[int]:
    o = lib.sgd()
    s = lib.L.StepLR(o, 1, 0.5)
    return lib.warned(s.step, o.step, s.step, o.step, s.step)  # only the first step warns


def wrong_order_before_any_optimizer_step(lib: Lib) -> list[int]:
    o = lib.sgd()
    s = lib.L.StepLR(o, 1, 0.5)
    return lib.warned(s.step, s.step, s.step, o.step, s.step)  # no second warning


def right_order(lib: Lib) -> list[int]:
    o = lib.sgd()
    s = lib.L.ExponentialLR(o, 0.9)
    return lib.warned(o.step, s.step, o.step, s.step)


def optimizer_stepped_before_the_first_schedule(lib: Lib) -> list[int]:
    o = lib.sgd()
    o.step()  # (unscheduled: the schedule built next starts at its first value, never used)
    s = lib.L.StepLR(o, 1, 0.5)
    return lib.warned(s.step)


def a_schedule_built_after_another_and_an_optimizer_step(lib: Lib) -> list[int]:
    o = lib.sgd()
    lib.L.StepLR(o, 1, 0.5)
    o.step()
    s = lib.L.ExponentialLR(o, 0.9)
    return lib.warned(s.step)


def a_second_schedule_built_after_the_first_steps(lib: Lib) -> list[int]:
    o = lib.sgd()
    a = lib.L.StepLR(o, 1, 0.5)
    b: list[Any] = []
    return lib.warned(a.step, o.step, a.step,
                      lambda: b.append(lib.L.ExponentialLR(o, 0.9)), lambda: b[0].step())


def two_schedules_both_first(lib: Lib) -> list[int]:
    o = lib.sgd()
    a, b = lib.L.LinearLR(o, 0.5, 1.0, 4), lib.L.ExponentialLR(o, 0.9)
    return lib.warned(a.step, b.step, o.step, a.step, b.step)  # each schedule's first warns


def resumed_with_last_epoch(lib: Lib) -> list[int]:
    o = lib.sgd()
    o.param_groups[0]["initial_lr"] = 1.0
    s = lib.L.StepLR(o, 2, 0.5, last_epoch=3)
    return lib.warned(s.step, s.step)


def restored_after_steps(lib: Lib) -> list[int]:
    o = lib.sgd()
    s = lib.L.StepLR(o, 2, 0.5)
    for _ in range(3):
        o.step()
        s.step()
    o2 = lib.sgd()
    s2 = lib.L.StepLR(o2, 2, 0.5)
    return lib.warned(lambda: s2.load_state_dict(copy.deepcopy(s.state_dict())), s2.step)


def restored_before_any_step(lib: Lib) -> list[int]:
    o = lib.sgd()
    s = lib.L.StepLR(o, 2, 0.5)
    o.step()  # (the saved schedule's optimiser stepped; the new one has not)
    o2 = lib.sgd()
    s2 = lib.L.StepLR(o2, 2, 0.5)
    return lib.warned(lambda: s2.load_state_dict(copy.deepcopy(s.state_dict())), s2.step)


def a_stepped_schedule_restores_a_fresh_state(lib: Lib) -> list[int]:
    o = lib.sgd()
    s = lib.L.StepLR(o, 2, 0.5)
    fresh = copy.deepcopy(s.state_dict())
    o2 = lib.sgd()
    s2 = lib.L.StepLR(o2, 2, 0.5)
    return lib.warned(s2.step, s2.step, lambda: s2.load_state_dict(copy.deepcopy(fresh)),
                      s2.step)


def optimizer_loaded_from_a_stepped_one(lib: Lib) -> list[int]:
    o = lib.sgd()
    lib.L.StepLR(o, 1, 0.5)
    o.step()
    o2 = lib.sgd()
    o2.load_state_dict(o.state_dict())  # a load is not a step
    s2 = lib.L.StepLR(o2, 1, 0.5)
    return lib.warned(s2.step)


def plateau_never_warns(lib: Lib) -> list[int]:
    o = lib.sgd()
    p = lib.L.ReduceLROnPlateau(o, patience=0)
    return lib.warned(lambda: p.step(1.0), lambda: p.step(2.0))


def plateau_is_not_a_first_schedule(lib: Lib) -> list[int]:
    o = lib.sgd()
    lib.L.ReduceLROnPlateau(o)
    o.step()  # before any LRScheduler: not noted
    s = lib.L.StepLR(o, 1, 0.5)
    return lib.warned(s.step)


def chained_before_the_optimizer(lib: Lib) -> list[int]:
    o = lib.sgd()
    c = lib.L.ChainedScheduler([lib.L.ConstantLR(o, 0.5, 2), lib.L.ExponentialLR(o, 0.9)])
    return lib.warned(c.step, c.step, o.step, c.step)  # once for each of its schedules


def chained_right_order(lib: Lib) -> list[int]:
    o = lib.sgd()
    c = lib.L.ChainedScheduler([lib.L.ConstantLR(o, 0.5, 2), lib.L.ExponentialLR(o, 0.9)])
    return lib.warned(o.step, c.step, o.step, c.step)


def sequential_wrong_order(lib: Lib) -> list[int]:
    o = lib.sgd()
    q = lib.L.SequentialLR(o, [lib.L.LinearLR(o, 0.5, 1.0, 2), lib.L.ExponentialLR(o, 0.9)],
                           [3])
    return lib.warned(*[f for _ in range(5) for f in (q.step, o.step)])


def sequential_right_order(lib: Lib) -> list[int]:
    o = lib.sgd()
    q = lib.L.SequentialLR(o, [lib.L.LinearLR(o, 0.5, 1.0, 2), lib.L.ExponentialLR(o, 0.9)],
                           [3])
    return lib.warned(*[f for _ in range(5) for f in (o.step, q.step)])


def an_optimizer_step_without_gradients_counts(lib: Lib) -> list[int]:
    o = lib.sgd()
    s = lib.L.StepLR(o, 1, 0.5)
    o.zero_grad()
    return lib.warned(o.step, s.step)


def an_optimizer_step_with_a_closure_counts(lib: Lib) -> list[int]:
    o = lib.sgd()
    s = lib.L.StepLR(o, 1, 0.5)
    return lib.warned(lambda: o.step(lambda: 1.0), s.step)


def an_optimizer_step_that_raises_counts(lib: Lib) -> list[int]:
    o = lib.sgd()
    s = lib.L.StepLR(o, 1, 0.5)

    def failing() -> None:
        raise KeyError("closure")

    def attempt() -> None:
        with pytest.raises(KeyError):
            o.step(failing)

    return lib.warned(attempt, s.step)


def an_optimizer_subclass_with_its_own_step(lib: Lib) -> list[int]:
    base = optim.SGD if lib.name == "ours" else torch.optim.SGD

    class Custom(base):  # type: ignore[valid-type, misc]
        def step(self, closure: Any = None) -> None:  # (does not call super().step())
            return None

    o = Custom(lib.sgd().param_groups, lr=1.0)
    s = lib.L.StepLR(o, 1, 0.5)
    return lib.warned(o.step, s.step)


def a_schedule_subclass_with_its_own_step(lib: Lib) -> list[int]:
    class Own(lib.L.StepLR):  # type: ignore[name-defined]
        def step(self) -> None:  # (does not call super().step(): the base check never runs)
            self.last_epoch += 1

    o = lib.sgd()
    s = Own(o, 1, 0.5)
    return lib.warned(s.step, o.step, s.step)


CASES: list[tuple[Callable[[Lib], list[int]], list[int]]] = [
    (wrong_order, [0]),
    (wrong_order_before_any_optimizer_step, [0]),
    (right_order, []),
    (optimizer_stepped_before_the_first_schedule, [0]),
    (a_schedule_built_after_another_and_an_optimizer_step, []),
    (a_second_schedule_built_after_the_first_steps, [0]),
    (two_schedules_both_first, [0, 1]),
    (resumed_with_last_epoch, [0]),
    (restored_after_steps, []),
    (restored_before_any_step, [1]),
    (a_stepped_schedule_restores_a_fresh_state, [0, 3]),
    (optimizer_loaded_from_a_stepped_one, [0]),
    (plateau_never_warns, []),
    (plateau_is_not_a_first_schedule, [0]),
    (chained_before_the_optimizer, [0, 0]),
    (chained_right_order, []),
    (sequential_wrong_order, [0]),
    (sequential_right_order, []),
    (an_optimizer_step_without_gradients_counts, []),
    (an_optimizer_step_with_a_closure_counts, []),
    (an_optimizer_step_that_raises_counts, []),
    (an_optimizer_subclass_with_its_own_step, []),
    (a_schedule_subclass_with_its_own_step, []),
]


@pytest.mark.parametrize(("case", "expected"), CASES, ids=[c.__name__ for c, _ in CASES])
@pytest.mark.parametrize("lib", LIBS, ids=[lib.name for lib in LIBS])
def test_the_calls_that_warn_are_pytorchs(lib: Lib, case: Callable[[Lib], list[int]],
                                          expected: list[int]) -> None:
    assert case(lib) == expected


#: each kind of schedule (PyTorch has no PowerLR, and its CosineAnnealingWarmRestarts never
#: warns: both are checked apart)
KINDS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("StepLR", lambda L, o: L.StepLR(o, 2)),
    ("MultiStepLR", lambda L, o: L.MultiStepLR(o, [1, 3])),
    ("ConstantLR", lambda L, o: L.ConstantLR(o)),
    ("LinearLR", lambda L, o: L.LinearLR(o)),
    ("ExponentialLR", lambda L, o: L.ExponentialLR(o, 0.9)),
    ("PolynomialLR", lambda L, o: L.PolynomialLR(o)),
    ("CosineAnnealingLR", lambda L, o: L.CosineAnnealingLR(o, 10)),
    ("LambdaLR", lambda L, o: L.LambdaLR(o, lambda t: 0.9**t)),
    ("MultiplicativeLR", lambda L, o: L.MultiplicativeLR(o, lambda t: 0.9)),
    ("OneCycleLR", lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=10)),
    ("CyclicLR", lambda L, o: L.CyclicLR(o, 0.1, 1.0)),
]


@pytest.mark.parametrize(("name", "make"), KINDS, ids=[k[0] for k in KINDS])
def test_every_kind_of_schedule_warns_at_its_first_step_only(name: str, make: Any) -> None:
    for lib in LIBS:
        o = lib.sgd(momentum=0.9)
        s = make(lib.L, o)
        assert lib.warned(s.step, s.step, o.step, s.step) == [0], (lib.name, name)
        o = lib.sgd(momentum=0.9)
        s = make(lib.L, o)
        assert lib.warned(o.step, s.step, o.step, s.step) == [], (lib.name, name)
    o = LIBS[0].sgd()
    s = S.PowerLR(o)
    assert LIBS[0].warned(s.step, o.step, s.step) == [0]


def test_the_message_says_what_was_skipped_and_what_to_do() -> None:
    groups: list[dict[str, Any]] = [
        {"params": [Tensor(np.ones(1), requires_grad=True)]},
        {"params": [Tensor(np.ones(1), requires_grad=True)], "lr": 0.25}]
    opt = optim.SGD(groups, lr=1.0)
    sched = S.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=10)
    frame = inspect.currentframe()
    assert frame is not None
    with pytest.warns(UserWarning) as seen:
        line = frame.f_lineno + 1
        sched.step()  # the warning points here, at the caller
    (w,) = seen
    assert str(w.message) == (
        f"{EARLY_STEP}: this is the first OneCycleLR.step(), but SGD.step() has not run since "
        "the optimizer was first scheduled, so the learning rate the schedule started with "
        "(lr=0.04, 0.02) was never used: the schedule's first value is skipped. In each "
        "iteration call optimizer.step() first, then scheduler.step().")
    assert (w.filename, w.lineno) == (__file__, line)
    assert EARLY_STEP == "learning-rate schedule stepped before its optimizer"


def test_the_warning_as_an_error_leaves_the_schedule_unstepped() -> None:
    """Under warnings-as-errors the step that warns is refused; the next one (the order
    being the user's to fix, or the warning ignored) is the first step again."""
    o = LIBS[0].sgd()
    s = S.StepLR(o, 1, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match=re.escape(EARLY_STEP)):
            s.step()
    assert s.last_epoch == 0 and o.param_groups[0]["lr"] == 1.0
    assert LIBS[0].warned(s.step, s.step) == [0]
    assert s.last_epoch == 2 and o.param_groups[0]["lr"] == 0.25


def test_a_step_that_raises_is_not_counted() -> None:
    """A refused step changes nothing, its count neither: the first successful step warns."""
    o = LIBS[0].sgd()
    s = S.OneCycleLR(o, max_lr=1.0, total_steps=1)
    o.param_groups[0]["lr"] = 0.5  # (a step changes nothing here but the count)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert s._step_count == 1
        s.step()  # the one step it has
        assert s._step_count == 2
        with pytest.raises(ValueError, match="tried to step 2 times"):
            s.step()
        assert s._step_count == 2
    o2 = LIBS[0].sgd()
    s2 = S.StepLR(o2, 1, 0.5)
    o2.add_param_group({"params": [Tensor(np.ones(1), requires_grad=True)]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="parameter groups"):
            s2.step()
    assert s2._step_count == 1


def test_a_subclass_step_calling_super_counts_once() -> None:
    class Halving(S.StepLR):
        def step(self) -> None:
            """StepLR's step, then halve."""
            super().step()
            for g in self.optimizer.param_groups:
                g["lr"] /= 2

    o = LIBS[0].sgd()
    s = Halving(o, 10)
    assert LIBS[0].warned(s.step, o.step, s.step) == [0]
    assert s._step_count == 3 and s.last_epoch == 2
    assert Halving.step.__doc__ == "StepLR's step, then halve."
    assert "closure" in inspect.signature(optim.SGD.step).parameters
    assert S.StepLR.step.__name__ == "step" and "after ``optimizer.step()``" in str(
        S.StepLR.step.__doc__)


# ----------------------------------------------------------------------------- differences
def test_a_copied_or_pickled_optimizer_remembers_it_stepped() -> None:
    """A copy keeps what the original did (its optimizer stepped before the schedule): no
    warning. PyTorch's copies lose both its record and its wrapper of ``step``: a copied pair
    warns that ``optimizer.step()`` was overridden, and the first step of a schedule built on
    a copied optimizer warns of the order."""
    o = LIBS[0].sgd()
    s = S.StepLR(o, 1, 0.5)
    o.step()
    o2, s2 = copy.deepcopy((o, s))
    o3, s3 = pickle.loads(pickle.dumps((o, s)))
    o4 = copy.deepcopy(o)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.step()
        s3.step()
        S.ExponentialLR(o4, 0.9).step()
    assert o2._stepped_while_scheduled and o3._stepped_while_scheduled
    theirs = LIBS[1]
    to = theirs.sgd()
    ts = theirs.L.StepLR(to, 1, 0.5)
    to.step()
    _, ts2 = copy.deepcopy((to, ts))
    with pytest.warns(UserWarning, match="overridden after learning rate scheduler init"):
        ts2.step()
    to4 = copy.deepcopy(to)
    assert theirs.warned(lambda: theirs.L.ExponentialLR(to4, 0.9).step()) == [0]


def test_cosine_warm_restarts_warns_where_pytorchs_does_not() -> None:
    """PyTorch's CosineAnnealingWarmRestarts has a step of its own that never checks the
    order; its first value is skipped all the same, and ours warns as the others do."""
    got = []
    for lib in LIBS:
        o = lib.sgd()
        s = lib.L.CosineAnnealingWarmRestarts(o, 3)
        got.append(lib.warned(s.step, o.step, s.step))
    assert got == [[0], []]


def test_sequential_lr_warns_at_its_own_first_step() -> None:
    """Ours warns at the SequentialLR's first step; PyTorch's warns through its sub-schedules'
    steps: not at a first milestone of 1 (the first sub-schedule never steps), and again
    after a milestone if the optimiser has still never stepped."""
    want = {"ours": ([0], [0], [0]), "torch": ([0, 2], [1], [])}
    for lib in LIBS:
        got = []
        for milestone, stepping in ((2, False), (1, False), (1, True)):
            o = lib.sgd()
            q = lib.L.SequentialLR(o, [lib.L.ConstantLR(o, 0.5, 2), lib.L.ExponentialLR(o, 0.9)],
                                   [milestone])
            calls = [f for _ in range(4) for f in ((q.step, o.step) if stepping else (q.step,))]
            got.append([i // (2 if stepping else 1) for i in lib.warned(*calls)])
        assert tuple(got) == want[lib.name], lib.name


# ----------------------------------------------------------------------------- checkpoints
def test_state_dicts_keep_their_keys_and_a_load_infers_the_count() -> None:
    opt = LIBS[0].sgd(groups=2)
    sched = S.ExponentialLR(opt, 0.5)
    assert set(sched.state_dict()) == {"gamma", "base_lrs", "last_epoch", "_last_lr"}
    assert set(opt.state_dict()) == {"state", "param_groups"}
    assert set(opt.state_dict()["param_groups"][0]) == {
        "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "initial_lr",
        "params"}
    for _ in range(3):
        opt.step()
        sched.step()
    assert sched._step_count == 4
    other = S.ExponentialLR(LIBS[0].sgd(groups=2), 0.5)
    other.load_state_dict(sched.state_dict())
    assert other._step_count == 4  # as if built with last_epoch=-1 and stepped 3 times
    again = copy.deepcopy(other)
    assert again._step_count == 4 and again.state_dict() == other.state_dict()
    refused = S.ExponentialLR(LIBS[0].sgd(groups=2), 0.5)
    with pytest.raises(ValueError, match="missing keys"):
        refused.load_state_dict({"last_epoch": 3})
    assert refused._step_count == 1  # a refused load changes nothing
