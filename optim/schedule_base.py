"""The learning-rate scheduler framework: argument checks, the checkpoint restore, ``Schedule``
(what every schedule shares) and ``LRScheduler`` (a closed form η_t that chains with others,
and warns when stepped before its optimiser).
The schedules themselves are in ``optim.lr_scheduler`` (and ``optim.cyclic``).

Each schedule class lists in ``checks`` the check of each of its hyper-parameters (and state
entries); its constructor and ``load_state_dict`` both call these, so a checkpoint holding a
value the constructor refuses is refused too."""

from __future__ import annotations

import collections
import functools
import math
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar, cast

import numpy as np

from autograd_mini.checks import user_stacklevel

from .hyper import check_fraction, check_nonnegative
from .optimizer import Optimizer, to_python

__all__ = ["EARLY_STEP", "Check", "LRScheduler", "Schedule", "at_least", "check_count",
           "check_optimizer", "check_positive", "closed_fraction", "counting_steps", "one_of",
           "restore"]

#: a check of one value: ``check(name, value)`` returns it converted, or raises naming ``name``
Check = Callable[[str, Any], Any]
_Step = TypeVar("_Step", bound=Callable[..., Any])

#: the start of the warning of a schedule stepped before its optimiser (a filter can match it)
EARLY_STEP = "learning-rate schedule stepped before its optimizer"


def check_count(name: str, value: Any, minimum: int) -> int:
    """Validate an integer ``>= minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"invalid {name}: {value!r} (must be >= {minimum})")
    return int(value)


def check_positive(name: str, value: Any) -> float:
    """Validate ``0 < value < inf`` and return it as a float."""
    out = check_nonnegative(name, value)
    if out == 0.0:
        raise ValueError(f"invalid {name}: {value!r} (must be > 0)")
    return out


def at_least(minimum: int) -> Check:
    """The check of an int ``>= minimum`` (``check_count``), as an entry of ``checks``."""
    return functools.partial(check_count, minimum=minimum)


#: the check of a number in [0, 1]
closed_fraction: Check = functools.partial(check_fraction, closed=True)


def one_of(*choices: str) -> Check:
    """The check of a string among ``choices``."""
    allowed = (f"{choices[0]!r} or {choices[1]!r}" if len(choices) == 2
               else f"one of {', '.join(choices)}")

    def check(name: str, value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise ValueError(f"invalid {name}: {value!r} (must be {allowed})")
        return value

    return check


def check_optimizer(optimizer: Any, where: str) -> Optimizer:
    """Validate that ``optimizer`` is an ``optim.Optimizer`` (``where``: the schedule)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{where}: optimizer must be an optim.Optimizer, got "
                        f"{type(optimizer).__name__}")
    return optimizer


#: What PyTorch's schedules add to their state dicts for their own bookkeeping (its early-step
#: warning, ReduceLROnPlateau's derived values): ignored, so a torch schedule's state loads.
TORCH_ONLY = frozenset({"_get_lr_called_within_step", "_is_initial", "_step_count",
                        "default_min_lr", "mode_worse"})


def restore(obj: Any, state_dict: Mapping[str, Any], per_group: Sequence[str]) -> None:
    """Replace ``obj``'s attributes by ``state_dict`` after checking keys, list lengths and values:
    a refused state dict changes nothing.

    Each value must keep its kind (``_unfit``) and pass the check the constructor makes
    (``obj.checks``, item by item for a list); then, in place, the checks across entries
    (``obj._check_state()``), undone if they fail. Values are converted back to Python numbers
    and lists (as after an ``np.savez`` round trip); the entries named in ``per_group`` must
    have one value per parameter group. PyTorch's own bookkeeping keys (``TORCH_ONLY``) are
    ignored, so a torch schedule's ``state_dict()`` loads.
    """
    current = obj.state_dict()
    state_dict = {k: v for k, v in state_dict.items() if k in current or k not in TORCH_ONLY}
    given = set(state_dict)
    problems = []
    if given - set(current):
        problems.append(f"unexpected keys {sorted(given - set(current))}")
    if set(current) - given:
        problems.append(f"missing keys {sorted(set(current) - given)}")
    values = {k: to_python(v) for k, v in state_dict.items()}
    for k, v in values.items():
        if isinstance(current.get(k), list):
            if isinstance(v, collections.Counter):  # (PyTorch's MultiStepLR milestones)
                v = sorted(v.elements())
            values[k] = list(v) if isinstance(v, (tuple, list)) else [v]
    n_groups = len(obj.optimizer.param_groups)
    for key in per_group:
        if key in values and len(values[key]) != n_groups:
            problems.append(
                f"{key!r} has {len(values[key])} entries for {n_groups} parameter groups"
            )
    for k, v in values.items():
        if k not in current:
            continue
        if why := _unfit(k, current[k], v):
            problems.append(f"{k!r} {why}")
        elif k in obj.checks:
            try:
                values[k] = _checked(obj.checks[k], k, v)
            except (TypeError, ValueError) as exc:
                problems.append(str(exc))
    name = type(obj).__name__
    if problems:
        raise ValueError(f"cannot load {name} state dict: " + "; ".join(problems))
    before = dict(vars(obj))
    for k, v in values.items():
        setattr(obj, k, v)
    try:
        obj._check_state()
    except (TypeError, ValueError) as exc:
        vars(obj).clear()
        vars(obj).update(before)  # refused: nothing changes
        raise ValueError(f"cannot load {name} state dict: {exc}") from None
    if isinstance(obj, LRScheduler):  # its steps as if built with last_epoch=-1: a restored
        obj._step_count = obj.last_epoch + 1  # schedule that has stepped does not warn again


def _checked(check: Check, key: str, value: Any) -> Any:
    """``check`` applied to ``value``, or to each item of a list (named ``key[i]``)."""
    if isinstance(value, list):
        return [check(f"{key}[{i}]", x) for i, x in enumerate(value)]
    return check(key, value)


def _unfit(key: str, current: Any, value: Any) -> str | None:
    """Why ``value`` cannot replace a schedule's ``current`` value (None if it can): a bool, an
    int, a real number or a string stays one, and a number is finite and ≥ 0 (``last_epoch``
    ≥ −1; ``best``, the plateau's best metric, anything but NaN); lists item by item. (The
    constructors' finer checks, such as step_size ≥ 1, follow from the schedule's ``checks``.)"""
    if isinstance(current, list):
        if not isinstance(value, list):
            return f"must be a list, got {type(value).__name__}"
        ref = current[0] if current else None
        return next((w for x in value if ref is not None and (w := _unfit(key, ref, x))), None)
    if isinstance(current, (bool, str)):
        ok = type(value) is type(current)
    elif isinstance(current, int):
        ok = type(value) is int and value >= (-1 if key == "last_epoch" else 0)
    elif isinstance(current, float):
        ok = type(value) in (int, float) and value == value and (
            key == "best" or 0 <= value < math.inf)
    else:
        return None
    return None if ok else f"must be {_KINDS.get(key, _kind(current))}, got {value!r:.60}"


def _kind(current: Any) -> str:
    if isinstance(current, (bool, str)):
        return f"a {type(current).__name__}"
    return "an int >= 0" if isinstance(current, int) else "a finite number >= 0"


_KINDS = {"last_epoch": "an int >= -1", "best": "a number (not NaN)"}


def counting_steps(step: _Step) -> _Step:
    """An ``LRScheduler``'s ``step`` that counts the schedule's steps in ``_step_count`` (1 after
    construction, as PyTorch's) and first warns if the schedule starts while the optimiser has
    not stepped (``_warn_if_early``). The base ``step`` is one; a subclass whose own ``step``
    does not call ``super().step()`` is one where it says so (PyTorch's check lives in the base
    step only). A ``super().step()`` inside a counted step counts once; a step that raises
    counts not at all."""

    @functools.wraps(step)
    def counted(self: LRScheduler, *args: Any, **kwargs: Any) -> Any:
        stepping = _STEPPING.ids
        if id(self) in stepping:  # the super().step() of a counted step
            return step(self, *args, **kwargs)
        if self._step_count == 1:  # its first step since built (or restored): PyTorch's check
            self._warn_if_early()
        stepping.add(id(self))
        try:
            out = step(self, *args, **kwargs)
        finally:
            stepping.discard(id(self))
        self._step_count += 1
        return out

    return cast(_Step, counted)


class _Stepping(threading.local):
    """Per thread, the ids of the schedules inside a counted ``step()``."""

    def __init__(self) -> None:
        self.ids: set[int] = set()


_STEPPING = _Stepping()


class Schedule:
    """What every schedule shares: the last learning rates, a plain-data snapshot and the
    checks of its values."""

    optimizer: Optimizer
    _last_lr: list[float]
    #: the check of each hyper-parameter (the constructor's) by its ``state_dict`` key; for a
    #: list entry, the check of each item
    checks: ClassVar[dict[str, Check]] = {"_last_lr": check_nonnegative}

    def _arg(self, key: str, value: Any, name: str | None = None) -> Any:
        """``value`` of the entry ``key`` (an item of it, for a list) checked by ``checks``;
        errors call it ``name`` (default ``key``)."""
        return self.checks[key](key if name is None else name, value)

    def _check_state(self) -> None:
        """Check what no single entry shows (e.g. a SequentialLR's milestones in order),
        raising ValueError, or settle it as the constructor does (a MultiStepLR sorts its
        milestones): on every load, after the entries' checks. Nothing here."""

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()`` (one per group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer (and an LRScheduler's step count, which a load
        infers), as Python numbers and lists."""
        return {
            k: list(v) if isinstance(v, list) else v
            for k, v in vars(self).items()
            if k not in ("optimizer", "_step_count")
        }

    def _restore_lrs(self, mine: list[float]) -> list[float]:
        """After a load: each group's lr becomes the restored last lr where it is still what
        this schedule set before (``mine``); where something else set it since (the
        optimizer's own checkpoint, another schedule) it stays, so checkpoints of an
        optimizer and its chained schedules load in any order."""
        lrs = []
        for group, before, restored in zip(self.optimizer.param_groups, mine, self._last_lr,
                                           strict=True):
            if group["lr"] == before:
                group["lr"] = restored
            lrs.append(float(group["lr"]))
        return lrs


class LRScheduler(Schedule):
    """Base class: a closed-form schedule η_t of the step count t, applied as PyTorch does.

    On construction every group gets ``initial_lr`` (its lr at that moment, unless already
    set) and the schedule's step 0 is applied at once; each ``step()`` advances t by one, so
    call it after ``optimizer.step()``. Each group follows the schedule from its own initial
    lr. Construction and every step move the lr by the schedule's factor from whatever it is
    now (η₀ / η_initial, then η_t / η_{t−1}; about ``floor``, the schedule's lowest value,
    for a schedule that has one: (lr − floor) scales), so schedules chain as in PyTorch: two
    schedulers on one optimiser multiply, a decay built after a warm-up keeps the warm-up's
    start, and a warm-up keeps the reductions of a ``ReduceLROnPlateau`` or a manual change.
    Alone, a schedule gives exactly η_t. Subclasses implement :meth:`lr_at`.

    As PyTorch's, a schedule's first ``step()`` warns (a UserWarning starting with
    ``EARLY_STEP``) while the optimiser has not stepped since its first LRScheduler was built:
    the lr the schedule started with was never used.
    """

    floor = 0.0  # the value the schedule's factors scale about (CosineAnnealingLR: eta_min)
    checks: ClassVar[dict[str, Check]] = Schedule.checks | {
        "last_epoch": at_least(-1), "base_lrs": check_nonnegative}
    #: calls of ``step()`` plus one (the construction's step 0), as PyTorch's ``_step_count``;
    #: not in ``state_dict``: a load sets it to ``last_epoch + 1`` (PyTorch's restores its
    #: own). The class's 2 stands for a schedule pickled before steps were counted.
    _step_count: int = 2

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer, type(self).__name__)
        self.last_epoch = self._arg("last_epoch", last_epoch)
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise ValueError(
                    f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr': resuming "
                    f"with last_epoch={last_epoch} needs an optimizer that was scheduled before"
                )
        self.base_lrs: list[float] = self._initial_lrs()
        self._last_lr: list[float] = [float(g["lr"]) for g in optimizer.param_groups]
        self.last_epoch += 1  # the schedule's own value at its start, or at the step resumed
        lrs = self.get_lr()
        if self.chains_at_start:
            groups = optimizer.param_groups
            if self.last_epoch == 0:
                lrs = [self._chained(lr, g["lr"], base) for lr, g, base
                       in zip(lrs, groups, self.base_lrs)]
            else:  # resuming: an lr moved from the initial one (a loaded optimizer) stays
                lrs = [lr if g["lr"] == base else float(g["lr"]) for lr, g, base
                       in zip(lrs, groups, self.base_lrs)]
        self._apply(lrs)
        self._step_count = 1
        if optimizer._stepped_while_scheduled is None:
            optimizer._stepped_while_scheduled = False  # its steps are noted from now on

    #: whether construction scales the lr in force (another schedule's, a manual change) by
    #: η₀ / η_initial; schedules that take the optimiser over (OneCycleLR, SequentialLR) set it
    chains_at_start = True
    #: whether each step scales the lr in force by η_t / η_{t−1}, or sets η_t itself (LambdaLR,
    #: as PyTorch's: its λ may read state of its own, so λ(t−1) cannot be asked again)
    chains = True

    def _chained(self, target: float, now: float, before: float) -> float:
        """The schedule moving from ``before`` to ``target`` while the lr is ``now``:
        ``target`` itself if nothing else changed it, else ``now`` moved by the same factor
        about the floor (by the same step, where ``before`` is the floor), as PyTorch's
        chainable forms."""
        if now == before:
            return target
        if before == self.floor:
            return now + (target - before)
        return self.floor + (now - self.floor) * ((target - self.floor) / (before - self.floor))

    def _initial_lrs(self) -> list[float]:
        """Each group's η₀, read on construction: its ``initial_lr`` (CyclicLR: its base_lr)."""
        return [float(g["initial_lr"]) for g in self.optimizer.param_groups]

    def _set_momentum(self, t: int) -> None:
        """Set what the schedule sets besides the lr at step ``t``: nothing here; OneCycleLR
        and CyclicLR cycle the momentum. ``SequentialLR`` calls it on its running schedule."""

    def lr_at(self, base_lr: float, t: int) -> float:
        """The learning rate at step ``t`` of a group whose initial lr is ``base_lr``."""
        raise NotImplementedError

    def values(self, t: int) -> list[float]:
        """The schedule's learning rates η_t at step ``t``, one per group."""
        return [self.lr_at(base, t) for base in self.base_lrs]

    def get_lr(self) -> list[float]:
        """The schedule's learning rates at the current step, one per group."""
        return self.values(self.last_epoch)

    def _apply(self, lrs: list[float]) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(lrs):
            raise ValueError(
                f"the optimizer has {len(groups)} parameter groups but the scheduler was "
                f"built for {len(lrs)}; create the scheduler after adding every group"
            )
        for group, lr in zip(groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def _warn_if_early(self) -> None:
        """A UserWarning if the optimiser has not stepped since it was first scheduled, as
        PyTorch's: the lr in force was then never used."""
        opt = self.optimizer
        if opt._stepped_while_scheduled is not False:
            return
        lrs = ", ".join(f"{lr:.6g}" for lr in self._last_lr)
        warnings.warn(
            f"{EARLY_STEP}: this is the first {type(self).__name__}.step(), but "
            f"{type(opt).__name__}.step() has not run since the optimizer was first scheduled, "
            f"so the learning rate the schedule started with (lr={lrs}) was never used: the "
            "schedule's first value is skipped. In each iteration call optimizer.step() first, "
            "then scheduler.step().",
            UserWarning,
            stacklevel=user_stacklevel(),
        )

    @counting_steps
    def step(self) -> None:
        """Advance one step: each group's lr times η_t / η_{t−1}, about the floor (η_t itself
        while nothing else changed the lr; plus η_t − η_{t−1} where η_{t−1} is the floor).
        Call it after ``optimizer.step()``: a first step before any warns (UserWarning)."""
        self.last_epoch += 1
        t = self.last_epoch
        lrs = self.values(t)
        if t > 0 and self.chains:
            lrs = [self._chained(lr, group["lr"], before) for lr, group, before
                   in zip(lrs, self.optimizer.param_groups, self.values(t - 1))]
        self._apply(lrs)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` and set the groups' lrs to its last lrs where nothing
        else set them since this schedule did (see ``_restore_lrs``): the optimizer's and the
        schedules' checkpoints load in any order."""
        mine = list(self._last_lr)
        restore(self, state_dict, ("base_lrs", "_last_lr"))
        self._restore_lrs(mine)
