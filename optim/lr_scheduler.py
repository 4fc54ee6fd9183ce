"""Learning-rate schedules: step, multi-step, constant, exponential, linear, polynomial,
power-law, cosine (with warm restarts), a function of the step (lambda), sequences and chains of
schedules, one cycle, cyclic, plateau."""

from __future__ import annotations

import bisect
import copy
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from autograd_mini import Tensor

from .optimizer import Optimizer, check_flag, check_fraction, check_nonnegative, to_python

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "PolynomialLR",
    "PowerLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]


def _count(name: str, value: Any, minimum: int) -> int:
    """Validate an integer ``>= minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"invalid {name}: {value!r} (must be >= {minimum})")
    return int(value)


def _positive(name: str, value: Any) -> float:
    out = check_nonnegative(name, value)
    if out == 0.0:
        raise ValueError(f"invalid {name}: {value!r} (must be > 0)")
    return out


def _check_optimizer(optimizer: Any) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"expected an optim.Optimizer, got {type(optimizer).__name__}")
    return optimizer


def _restore(obj: Any, state_dict: Mapping[str, Any], per_group: Sequence[str]) -> None:
    """Replace ``obj``'s attributes by ``state_dict`` after checking keys and list lengths.

    Values are converted back to Python numbers and lists (as after an ``np.savez`` round
    trip); the entries named in ``per_group`` must have one value per parameter group.
    """
    current = obj.state_dict()
    given = set(state_dict)
    problems = []
    if given - set(current):
        problems.append(f"unexpected keys {sorted(given - set(current))}")
    if set(current) - given:
        problems.append(f"missing keys {sorted(set(current) - given)}")
    values = {k: to_python(v) for k, v in state_dict.items()}
    for k, v in values.items():
        if isinstance(current.get(k), list):
            values[k] = list(v) if isinstance(v, (tuple, list)) else [v]
    n_groups = len(obj.optimizer.param_groups)
    for key in per_group:
        if key in values and len(values[key]) != n_groups:
            problems.append(
                f"{key!r} has {len(values[key])} entries for {n_groups} parameter groups"
            )
    if problems:
        name = type(obj).__name__
        raise ValueError(f"cannot load {name} state dict: " + "; ".join(problems))
    for k, v in values.items():
        setattr(obj, k, v)


class _Schedule:
    """What every schedule shares: the last learning rates and a plain-data snapshot."""

    optimizer: Optimizer
    _last_lr: list[float]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()`` (one per group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer, as Python numbers and lists."""
        return {
            k: list(v) if isinstance(v, list) else v
            for k, v in vars(self).items()
            if k != "optimizer"
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


class LRScheduler(_Schedule):
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
    """

    floor = 0.0  # the value the schedule's factors scale about (CosineAnnealingLR: eta_min)

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = _check_optimizer(optimizer)
        self.last_epoch = _count("last_epoch", last_epoch, -1)
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise ValueError(
                    f"param_groups[{i}] has no 'initial_lr': resuming with last_epoch="
                    f"{last_epoch} needs an optimizer that was scheduled before"
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

    #: whether construction scales the lr in force (another schedule's, a manual change) by
    #: η₀ / η_initial; schedules that take the optimiser over (OneCycleLR, SequentialLR) set it
    chains_at_start = True

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

    def step(self) -> None:
        """Advance one step: each group's lr times η_t / η_{t−1}, about the floor (η_t itself
        while nothing else changed the lr; plus η_t − η_{t−1} where η_{t−1} is the floor)."""
        self.last_epoch += 1
        t = self.last_epoch
        lrs = self.values(t)
        if t > 0:
            lrs = [self._chained(lr, group["lr"], before) for lr, group, before
                   in zip(lrs, self.optimizer.param_groups, self.values(t - 1))]
        self._apply(lrs)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` and set the groups' lrs to its last lrs where nothing
        else set them since this schedule did (see ``_restore_lrs``): the optimizer's and the
        schedules' checkpoints load in any order."""
        mine = list(self._last_lr)
        _restore(self, state_dict, ("base_lrs", "_last_lr"))
        self._restore_lrs(mine)


class StepLR(LRScheduler):
    """η_t = η₀ γ^⌊t / step_size⌋: multiply by γ every ``step_size`` steps."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = _count("step_size", step_size, 1)
        self.gamma = check_nonnegative("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """η_t = η₀ γ^k with k the number of milestones ≤ t (a repeated milestone counts twice)."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"milestones must be an iterable of ints, got {milestones!r:.60}")
        self.milestones = sorted(_count("milestones[i]", m, 0) for m in milestones)
        self.gamma = check_nonnegative("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)


class ExponentialLR(LRScheduler):
    """Exponential decay η_t = η₀ γᵗ."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = check_nonnegative("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma**t


class ConstantLR(LRScheduler):
    """η_t = η₀ · factor for t < T = ``total_iters``, then η₀ (PyTorch's ConstantLR).

    Chained with other schedules (see :class:`LRScheduler`) it multiplies the lr in force by
    ``factor`` when built and by 1 / factor at step T, as PyTorch's does.

    **Differences from PyTorch.** ``total_iters`` must be at least 1 (PyTorch accepts 0, then
    keeps η₀ · factor for ever while its closed form gives η₀); with ``factor=0`` step T gives
    η₀ back (adding η₀ to the lr in force where another schedule changed it) where PyTorch
    divides by zero.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.factor = check_fraction("factor", factor, closed=True)
        self.total_iters = _count("total_iters", total_iters, 1)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.factor if t < self.total_iters else base_lr


class LinearLR(LRScheduler):
    """Linear ramp η_t = η₀ (s + (e − s) min(t, T) / T) from factor s to factor e over T steps.

    With ``start_factor < end_factor = 1`` it is a linear warm-up (s = 0 starts from zero);
    with ``start_factor = 1 > end_factor`` it is the notes' linear decay, after which the rate
    stays at η₀ e.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3.0,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.start_factor = check_nonnegative("start_factor", start_factor)
        self.end_factor = check_nonnegative("end_factor", end_factor)
        self.total_iters = _count("total_iters", total_iters, 1)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        frac = min(t, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * frac)


class PowerLR(LRScheduler):
    """Power-law decay η_t = η₀ (1 + t / s)^(−p), with s = ``scale`` and p = ``power``."""

    def __init__(
        self, optimizer: Optimizer, power: float = 1.0, scale: float = 1.0, last_epoch: int = -1
    ) -> None:
        self.power = check_nonnegative("power", power)
        self.scale = _positive("scale", scale)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * (1.0 + t / self.scale) ** (-self.power)


class PolynomialLR(LRScheduler):
    """η_t = η₀ (1 − min(t, T) / T)^p with T = ``total_iters`` and p = ``power`` (PyTorch's
    closed form): from η₀ down to 0 at step T (p > 0), then 0.

    Chained, each step up to T multiplies the lr in force by ((1 − t/T) / (1 − (t−1)/T))^p, as
    PyTorch's PolynomialLR; after T it leaves the lr alone. ``total_iters`` must be at least 1
    and ``power`` at least 0 (PyTorch divides by zero otherwise).
    """

    def __init__(
        self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        self.total_iters = _count("total_iters", total_iters, 1)
        self.power = check_nonnegative("power", power)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * (1.0 - min(self.total_iters, t) / self.total_iters) ** self.power


class CosineAnnealingLR(LRScheduler):
    """η_t = η_min + (η₀ − η_min)(1 + cos(π t / T_max)) / 2 (rising again after T_max)."""

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = _count("T_max", T_max, 1)
        self.eta_min = check_nonnegative("eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    @property
    def floor(self) -> float:  # type: ignore[override]
        """Chained changes scale about η_min, as PyTorch's chainable form does."""
        return self.eta_min

    def lr_at(self, base_lr: float, t: int) -> float:
        cos = math.cos(math.pi * t / self.T_max)
        return self.eta_min + (base_lr - self.eta_min) * (1.0 + cos) / 2.0


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR's cosine with warm restarts, as PyTorch's CosineAnnealingWarmRestarts::

        η_t = η_min + (η₀ − η_min)(1 + cos(π T_cur / T_i)) / 2

    where the i-th cycle lasts T_i = T_0 · T_multⁱ steps and T_cur is the step count since the
    cycle began (the cycles start at t = 0, T_0, T_0 + T_0 T_mult, ...): the lr falls from η₀
    towards η_min over each cycle and jumps back to η₀ at the next. ``T_cur`` and ``T_i`` are
    read-only properties of the current step.

    Chained with other schedules it scales the distance of the lr in force to η_min (its
    floor) by (η_t − η_min) / (η_{t−1} − η_min), as :class:`CosineAnnealingLR` does; PyTorch's
    sets η_t whatever else changed the lr.

    **Differences from PyTorch.** ``step()`` advances by one whole step: PyTorch's fractional
    ``step(epoch)`` (e.g. ``epoch + i / iters`` within an epoch) is not provided; call
    ``step()`` after every batch with ``T_0`` counted in batches instead. Resuming with
    ``last_epoch`` uses the closed form above for any ``T_mult`` (PyTorch's then counts the
    cycle lengths from T_0 again, which is off once a cycle has grown). ``eta_min`` must be
    ≥ 0.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        self.T_0 = _count("T_0", T_0, 1)
        self.T_mult = _count("T_mult", T_mult, 1)
        self.eta_min = check_nonnegative("eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    @property
    def floor(self) -> float:  # type: ignore[override]
        """Chained changes scale about η_min."""
        return self.eta_min

    def position(self, t: int) -> tuple[int, int]:
        """(T_cur, T_i) at step ``t``: the steps since the current cycle began, its length."""
        if self.T_mult == 1:
            return t % self.T_0, self.T_0
        start, length = 0, self.T_0
        while t >= start + length:
            start, length = start + length, length * self.T_mult
        return t - start, length

    @property
    def T_cur(self) -> int:
        """Steps since the last restart (at the current step)."""
        return self.position(self.last_epoch)[0]

    @property
    def T_i(self) -> int:
        """The length of the current cycle."""
        return self.position(self.last_epoch)[1]

    def lr_at(self, base_lr: float, t: int) -> float:
        t_cur, t_i = self.position(t)
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2


class LambdaLR(LRScheduler):
    """η_t = η₀ λ(t) for a function λ of the step count (one per group when a list), as
    PyTorch's. The functions are not part of ``state_dict``: a restored scheduler keeps the
    ones it was built with."""

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        n = len(_check_optimizer(optimizer).param_groups)
        fns: list[Any] = (list(lr_lambda) if isinstance(lr_lambda, (list, tuple))
                          else [lr_lambda] * n)
        if len(fns) != n or not all(callable(f) for f in fns):
            raise TypeError(f"LambdaLR: lr_lambda must be a function or a list of {n} "
                            f"functions (one per parameter group), got {lr_lambda!r:.80}")
        self._lambdas = fns
        super().__init__(optimizer, last_epoch)

    def values(self, t: int) -> list[float]:
        return [base * float(f(t)) for base, f in zip(self.base_lrs, self._lambdas, strict=True)]

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        del out["_lambdas"]
        return out


class SequentialLR(LRScheduler):
    """Run ``schedulers[i]`` between ``milestones[i-1]`` and ``milestones[i]``, each from t = 0.

    E.g. ``SequentialLR(opt, [LinearLR(opt, 0.0, 1.0, 5), CosineAnnealingLR(opt, 95)], [5])``
    warms up over 5 steps then anneals. Every sub-schedule restarts its own clock at its
    milestone and starts from the groups' initial lrs. The running sub-schedule also sets what
    it sets besides the lr (the momentum cycled by ``OneCycleLR`` or ``CyclicLR``), as in
    PyTorch.
    """

    chains_at_start = False  # it takes the optimiser over from its sub-schedules

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        if isinstance(schedulers, (str, bytes)) or not hasattr(schedulers, "__iter__"):
            raise TypeError(f"schedulers must be a list of LRSchedulers, got {schedulers!r:.60}")
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"milestones must be a list of ints, got {milestones!r:.60}")
        self._schedulers = list(schedulers)
        if not self._schedulers:
            raise ValueError("SequentialLR needs at least one scheduler")
        for s in self._schedulers:
            if not isinstance(s, LRScheduler) or s.optimizer is not optimizer:
                raise ValueError("every scheduler of SequentialLR must drive the same optimizer")
        self.milestones = [_count("milestones[i]", m, 1) for m in milestones]
        if len(self.milestones) != len(self._schedulers) - 1:
            raise ValueError(
                f"SequentialLR needs {len(self._schedulers) - 1} milestones for "
                f"{len(self._schedulers)} schedulers, got {len(self.milestones)}"
            )
        if self.milestones != sorted(set(self.milestones)):
            raise ValueError(f"milestones must increase strictly, got {self.milestones}")
        super().__init__(optimizer, last_epoch)

    def _active(self, t: int) -> tuple[LRScheduler, int]:
        """The sub-schedule running at step ``t`` and its own step count."""
        i = bisect.bisect_right(self.milestones, t)
        return self._schedulers[i], t - (self.milestones[i - 1] if i else 0)

    def values(self, t: int) -> list[float]:
        sched, local = self._active(t)
        return sched.values(local)

    @property
    def floor(self) -> float:  # type: ignore[override]
        """The running sub-schedule's (chained changes scale about its eta_min)."""
        return self._active(self.last_epoch)[0].floor

    def step(self) -> None:
        """Advance one step; at a milestone the next schedule starts from its own η₀ (as
        PyTorch's), in between changes chain as in ``LRScheduler.step``."""
        if self.last_epoch + 1 in self.milestones:
            self.last_epoch += 1
            self._apply(self.values(self.last_epoch))
        else:
            super().step()

    def _apply(self, lrs: list[float]) -> None:
        super()._apply(lrs)
        sched, local = self._active(self.last_epoch)
        sched._set_momentum(local)

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        del out["_schedulers"]
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As ``LRScheduler.load_state_dict``; the running sub-schedule's momentum (if it
        cycles one) is set to its value at the restored step."""
        super().load_state_dict(state_dict)
        sched, local = self._active(self.last_epoch)
        sched._set_momentum(local)


def _per_group(name: str, value: Any, n: int, check: Callable[[str, Any], float]) -> list[float]:
    """A number or a list of ``n`` numbers (one per parameter group), each validated."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} has {len(value)} entries for {n} parameter groups")
        return [check(f"{name}[{i}]", v) for i, v in enumerate(value)]
    return [check(name, value)] * n


class _CycledMomentum(LRScheduler):
    """What OneCycleLR and CyclicLR share: with ``cycle_momentum`` every step also sets each
    group's ``momentum`` (SGD, RMSProp) or β₁ of ``betas`` (Adam, AdamW) to :meth:`momenta`,
    absolutely; their checkpoints hold which of the two they cycle."""

    cycle_momentum: bool
    use_beta1: bool
    max_momentums: list[float]
    base_momentums: list[float]
    #: the state entries with one value per parameter group
    _per_group_state: tuple[str, ...] = ("base_lrs", "_last_lr", "max_lrs", "max_momentums",
                                         "base_momentums")

    def _find_momentum(self, optimizer: Optimizer) -> None:
        """Set ``use_beta1``; with ``cycle_momentum`` the optimizer must have one to cycle."""
        self.use_beta1 = "betas" in optimizer.defaults
        if self.cycle_momentum and not self.use_beta1 and "momentum" not in optimizer.defaults:
            raise ValueError(
                f"{type(self).__name__}: {type(optimizer).__name__} has neither 'momentum' nor "
                "'betas' to cycle; pass cycle_momentum=False"
            )

    def _check_momentum(self, optimizer: Optimizer) -> None:
        """Both momentum ends must pass the optimizer's own check of a group (e.g. SGD's
        Nesterov needs momentum > 0), so no step writes a value its constructor refuses."""
        for i, group in enumerate(optimizer.param_groups):
            for name, m in (("max_momentum", self.max_momentums[i]),
                            ("base_momentum", self.base_momentums[i])):
                try:
                    optimizer._check(self._with_momentum(dict(group), m))
                except (TypeError, ValueError) as exc:
                    raise ValueError(
                        f"invalid {name}: {m!r} for param_groups[{i}] of "
                        f"{type(optimizer).__name__}: {exc}"
                    ) from exc

    def _with_momentum(self, group: dict[str, Any], momentum: float) -> dict[str, Any]:
        if self.use_beta1:
            group["betas"] = (momentum, *tuple(group["betas"])[1:])
        else:
            group["momentum"] = momentum
        return group

    def momenta(self, t: int) -> list[float]:
        """The cycled momentum (or β₁) at step ``t``, one per group."""
        raise NotImplementedError

    def _set_momentum(self, t: int) -> None:
        if self.cycle_momentum:
            for group, m in zip(self.optimizer.param_groups, self.momenta(t), strict=True):
                self._with_momentum(group, m)

    def _apply(self, lrs: list[float]) -> None:
        super()._apply(lrs)
        self._set_momentum(self.last_epoch)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` of the same kind of scheduler on the same kind of
        optimizer; set the groups' lrs as ``LRScheduler.load_state_dict`` does, and the
        momentum to its value at the restored step."""
        name = type(self).__name__
        for key in ("use_beta1", "cycle_momentum"):
            if key in state_dict and bool(to_python(state_dict[key])) != getattr(self, key):
                raise ValueError(f"cannot load {name} state dict: it cycles "
                                 f"{'betas' if to_python(state_dict['use_beta1']) else 'momentum'}"
                                 f" (cycle_momentum={to_python(state_dict.get('cycle_momentum'))})"
                                 f", this one {'betas' if self.use_beta1 else 'momentum'} "
                                 f"(cycle_momentum={self.cycle_momentum})")
        mine = list(self._last_lr)
        _restore(self, state_dict, self._per_group_state)
        self._apply(self._restore_lrs(mine))


class OneCycleLR(_CycledMomentum):
    r"""The 1cycle policy, as PyTorch's: from η₀ = max_lr / div_factor up to max_lr, then down
    to η_min = η₀ / final_div_factor, over T = ``total_steps`` (or epochs · steps_per_epoch).

    With p = ``pct_start``, t₁ = pT − 1, t₂ = 2pT − 2 and A(a, b, x) = b + (a − b)(1 + cos πx)/2
    (``"cos"``) or a + (b − a) x (``"linear"``)::

        two phases:   η_t = A(η₀, max_lr, t / t₁)                      for t ≤ t₁
                      η_t = A(max_lr, η_min, (t − t₁) / (T − 1 − t₁))  for t₁ < t ≤ T − 1
        three_phase:  η_t = A(η₀, max_lr, t / t₁)                      for t ≤ t₁
                      η_t = A(max_lr, η₀, (t − t₁) / (t₂ − t₁))        for t₁ < t ≤ t₂
                      η_t = A(η₀, η_min, (t − t₂) / (T − 1 − t₂))      for t₂ < t ≤ T − 1

    With ``cycle_momentum`` the groups' ``momentum`` (SGD, RMSProp) or β₁ of ``betas`` (Adam,
    AdamW) follows the same phases from max_momentum to base_momentum and back (the third phase
    holds max_momentum), set absolutely at every step. Each group stores ``initial_lr``,
    ``max_lr``, ``min_lr`` (and ``max_momentum``, ``base_momentum``); a scheduler built with
    ``last_epoch >= 0`` reads them back from the groups, as PyTorch's does. Call ``step()``
    after every batch: T calls are allowed, one more raises ValueError.

    **Differences from PyTorch.** At t = T (after the last training step) the values of
    t = T − 1 are held, where PyTorch extrapolates past the last phase (a negative lr with
    ``"linear"``); a warm-up of exactly one step (pT = 1) starts at η₀ where PyTorch divides by
    zero; ``three_phase`` needs 1 < pT < (T + 1) / 2 (every phase longer than zero); like the
    other schedules here it chains (PyTorch's overwrites other changes to the lr).
    """

    chains_at_start = False  # max_lr sets the lrs, whatever they were
    _per_group_state = ("base_lrs", "_last_lr", "max_lrs", "min_lrs", "max_momentums",
                        "base_momentums")

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        groups = _check_optimizer(optimizer).param_groups
        n = len(groups)
        if total_steps is not None:
            self.total_steps = _count("total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (_count("epochs", epochs, 1)
                                * _count("steps_per_epoch", steps_per_epoch, 1))
        else:
            raise ValueError("OneCycleLR needs total_steps, or both epochs and steps_per_epoch")
        self.pct_start = check_fraction("pct_start", pct_start)  # (0: no warm-up, as PyTorch)
        if not isinstance(anneal_strategy, str) or anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"invalid anneal_strategy: {anneal_strategy!r} (must be 'cos' or 'linear')"
            )
        self.anneal_strategy = anneal_strategy
        self.three_phase = check_flag("three_phase", three_phase)
        self.cycle_momentum = check_flag("cycle_momentum", cycle_momentum)
        if self.three_phase:
            t1, t2 = self._ends()[:2]
            if t1 <= 0.0 or t2 >= self.total_steps - 1:
                raise ValueError(
                    "three_phase=True needs 1 < pct_start * total_steps < (total_steps + 1) / 2 "
                    f"(each phase longer than zero), got pct_start={pct_start!r}, "
                    f"total_steps={self.total_steps}"
                )
        last = _count("last_epoch", last_epoch, -1)
        if last + 1 > self.total_steps:
            raise ValueError(f"invalid last_epoch: {last_epoch!r} (a OneCycleLR of "
                             f"{self.total_steps} total steps can step at most that many times)")
        max_lrs = _per_group("max_lr", max_lr, n, check_nonnegative)
        div = _positive("div_factor", div_factor)
        final_div = _positive("final_div_factor", final_div_factor)
        max_ms = _per_group("max_momentum", max_momentum, n, check_fraction)
        base_ms = _per_group("base_momentum", base_momentum, n, check_fraction)
        self._find_momentum(optimizer)
        if last == -1:
            self.max_lrs = max_lrs
            self.base_lrs = [m / div for m in max_lrs]
            self.min_lrs = [b / final_div for b in self.base_lrs]
            self.max_momentums, self.base_momentums = max_ms, base_ms
        else:  # resuming: the groups hold what the first scheduler stored, as in PyTorch
            keys = ["initial_lr", "max_lr", "min_lr"]
            keys += ["max_momentum", "base_momentum"] if self.cycle_momentum else []
            for i, group in enumerate(groups):
                missing = [k for k in keys if k not in group]
                if missing:
                    raise ValueError(
                        f"param_groups[{i}] has no {missing}: resuming with last_epoch="
                        f"{last_epoch} needs an optimizer that a OneCycleLR scheduled before"
                    )
            self.base_lrs = [float(g["initial_lr"]) for g in groups]
            self.max_lrs = [float(g["max_lr"]) for g in groups]
            self.min_lrs = [float(g["min_lr"]) for g in groups]
            if self.cycle_momentum:
                self.max_momentums = [float(g["max_momentum"]) for g in groups]
                self.base_momentums = [float(g["base_momentum"]) for g in groups]
            else:
                self.max_momentums, self.base_momentums = max_ms, base_ms
        if self.cycle_momentum:
            self._check_momentum(optimizer)
        if last == -1:
            for i, group in enumerate(groups):
                group["initial_lr"] = self.base_lrs[i]
                group["max_lr"] = self.max_lrs[i]
                group["min_lr"] = self.min_lrs[i]
                if self.cycle_momentum:
                    group["max_momentum"] = self.max_momentums[i]
                    group["base_momentum"] = self.base_momentums[i]
        super().__init__(optimizer, last_epoch)

    def _ends(self) -> list[float]:
        """The steps t₁ (, t₂) and T − 1 where the phases end, computed as PyTorch does."""
        T = self.total_steps
        if self.three_phase:
            return [float(self.pct_start * T) - 1, float(2 * self.pct_start * T) - 2, T - 1]
        return [float(self.pct_start * T) - 1, T - 1]

    def _phase(self, t: int) -> tuple[int, float]:
        """The phase of step ``t`` and the fraction x of it done (t = T holds t = T − 1)."""
        if t > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {t} times; the specified number of total steps "
                f"is {self.total_steps}"
            )
        t = min(t, self.total_steps - 1)
        ends = self._ends()
        phase = next(i for i, end in enumerate(ends) if t <= end)  # ends[-1] = T − 1
        start, end = (ends[phase - 1] if phase else 0.0), ends[phase]
        return phase, ((t - start) / (end - start) if end != start else 0.0)

    def _anneal(self, a: float, b: float, x: float) -> float:
        if self.anneal_strategy == "cos":
            return b + (a - b) / 2.0 * (math.cos(math.pi * x) + 1)
        return (b - a) * x + a

    def values(self, t: int) -> list[float]:
        phase, x = self._phase(t)  # each phase goes from ends[i] to ends[j]:
        i, j = (((0, 1), (1, 0), (0, 2)) if self.three_phase else ((0, 1), (1, 2)))[phase]
        return [self._anneal(ends[i], ends[j], x)
                for ends in zip(self.base_lrs, self.max_lrs, self.min_lrs, strict=True)]

    def momenta(self, t: int) -> list[float]:
        phase, x = self._phase(t)
        i, j = ((0, 1), (1, 0), (0, 0))[phase]  # from/to: 0 = max_momentum, 1 = base_momentum
        return [self._anneal(ends[i], ends[j], x)
                for ends in zip(self.max_momentums, self.base_momentums, strict=True)]

    def step(self) -> None:
        """Advance one step (see :meth:`LRScheduler.step`) and set the cycled momentum; the
        (T + 1)-th call raises ValueError and changes nothing."""
        self._phase(self.last_epoch + 1)  # raises past total_steps, before anything changes
        super().step()


class CyclicLR(_CycledMomentum):
    r"""Cyclical learning rates (Smith, 2017), as PyTorch's CyclicLR: the lr goes from
    ``base_lr`` up to ``max_lr`` over ``step_size_up`` steps and back over ``step_size_down``
    (default: as up), again and again, with an amplitude scaled by ``mode`` or ``scale_fn``.

    With S = up + down, r = up / S, c = ⌊1 + t / S⌋ (the cycle, from 1), x = 1 + t / S − c and
    s = x / r for x ≤ r else (x − 1) / (r − 1) (0 → 1 → 0 over each cycle)::

        η_t = base_lr + (max_lr − base_lr) · s · f
        m_t = max_momentum − (max_momentum − base_momentum) · s · f

    where f = 1 (``"triangular"``), 1 / 2^(c − 1) (``"triangular2"``: the amplitude halves every
    cycle) or γᵗ (``"exp_range"``); a ``scale_fn`` replaces them (then ``mode`` is ignored),
    called with c (``scale_mode="cycle"``) or t (``"iterations"``), and must return values in
    [0, 1]. Each of ``base_lr``, ``max_lr``, ``base_momentum``, ``max_momentum`` is a number or
    a list with one per group. Call ``step()`` after every batch.

    Building it sets every group's lr to base_lr (the groups' ``initial_lr`` is set, unless
    already there, to it), as PyTorch's does. With ``cycle_momentum`` the groups' ``momentum``
    (SGD, RMSProp) or β₁ of ``betas`` (Adam, AdamW) follows m_t, set absolutely at every step,
    and the groups store ``max_momentum`` and ``base_momentum``.

    **Differences from PyTorch.** Like the other schedules here it chains: each step scales the
    lr in force by η_t / η_{t−1} (about 0, so with an ``ExponentialLR`` the factors multiply;
    PyTorch's sets η_t whatever else changed the lr), so alone it gives η_t exactly. At t = 0
    it gives base_lr even on an optimizer that already had an ``initial_lr`` (PyTorch's first
    lr is then that initial_lr). Stricter checks: step sizes
    are ints (``step_size_down`` may be 0: a saw-tooth), ``gamma`` is in [0, 1], ``mode`` and
    ``scale_mode`` are checked even when a ``scale_fn`` is given, and a step where ``scale_fn``
    returns a value outside [0, 1] raises ValueError naming it. ``scale_fn`` is not part of
    ``state_dict`` (PyTorch saves a callable object's attributes): a restored scheduler keeps
    the one it was built with.
    """

    chains_at_start = False  # base_lr sets the lrs, whatever they were

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | Sequence[float],
        max_lr: float | Sequence[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[int], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.8,
        max_momentum: float | Sequence[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        groups = _check_optimizer(optimizer).param_groups
        n = len(groups)
        base_lrs = _per_group("base_lr", base_lr, n, check_nonnegative)
        self.max_lrs = _per_group("max_lr", max_lr, n, check_nonnegative)
        self.step_size_up = _count("step_size_up", step_size_up, 1)
        self.step_size_down = (self.step_size_up if step_size_down is None
                               else _count("step_size_down", step_size_down, 0))
        modes = ("triangular", "triangular2", "exp_range")
        if not isinstance(mode, str) or mode not in modes:
            raise ValueError(f"invalid mode: {mode!r} (must be one of {', '.join(modes)})")
        if not isinstance(scale_mode, str) or scale_mode not in ("cycle", "iterations"):
            raise ValueError(
                f"invalid scale_mode: {scale_mode!r} (must be 'cycle' or 'iterations')"
            )
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"scale_fn must be a function or None, got {scale_fn!r:.60}")
        self.mode = mode
        self.gamma = check_fraction("gamma", gamma, closed=True)
        self._scale_fn = scale_fn
        # PyTorch's built-in modes fix the scale mode; a scale_fn uses the one given
        self.scale_mode = (scale_mode if scale_fn is not None
                           else "iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = check_flag("cycle_momentum", cycle_momentum)
        self.base_momentums = _per_group("base_momentum", base_momentum, n, check_fraction)
        self.max_momentums = _per_group("max_momentum", max_momentum, n, check_fraction)
        last = _count("last_epoch", last_epoch, -1)
        self._find_momentum(optimizer)
        if self.cycle_momentum:
            self._check_momentum(optimizer)
        self.base_lrs = base_lrs
        if last == -1:  # as PyTorch: the lrs start at base_lr, the groups keep the momenta
            for i, group in enumerate(groups):
                group["lr"] = base_lrs[i]
                if self.cycle_momentum:
                    group["max_momentum"] = self.max_momentums[i]
                    group["base_momentum"] = self.base_momentums[i]
        super().__init__(optimizer, last_epoch)

    def _initial_lrs(self) -> list[float]:
        return list(self.base_lrs)  # the cycle's lower bounds, whatever the initial_lr

    def _scale(self, t: int) -> tuple[float, float]:
        """(s, f) at step ``t``: the amplitude (max − base) in force is (max − base) · s · f."""
        total = float(self.step_size_up) + float(self.step_size_down)
        ratio = self.step_size_up / total
        cycle = math.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        s = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        if self._scale_fn is not None:
            arg = cycle if self.scale_mode == "cycle" else t
            f = check_fraction(f"scale_fn({arg})", self._scale_fn(arg), closed=True)
        elif self.mode == "triangular":
            f = 1.0
        elif self.mode == "triangular2":  # of the cycle
            f = 1 / (2.0 ** (cycle - 1))
        else:  # "exp_range": of the step
            f = self.gamma**t
        return s, f

    def values(self, t: int) -> list[float]:
        s, f = self._scale(t)  # in PyTorch's order of operations
        return [base + (top - base) * s * f
                for base, top in zip(self.base_lrs, self.max_lrs, strict=True)]

    def momenta(self, t: int) -> list[float]:
        s, f = self._scale(t)
        return [top - (top - base) * s * f
                for base, top in zip(self.base_momentums, self.max_momentums, strict=True)]

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        del out["_scale_fn"]
        return out


class ReduceLROnPlateau(_Schedule):
    """Multiply every group's lr by ``factor`` once the metric stops improving.

    ``step(metric)``: a metric better than the best so far (mode "min": below best·(1 − θ)
    for threshold_mode "rel", below best − θ for "abs"; mirrored for "max") resets the count
    of bad steps; after more than ``patience`` bad steps each lr becomes
    max(lr · factor, min_lr) (a change smaller than ``eps`` is skipped) and the count waits
    ``cooldown`` steps before counting again. NaN is never an improvement.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        self.optimizer = _check_optimizer(optimizer)
        if not isinstance(mode, str) or mode not in ("min", "max"):
            raise ValueError(f"invalid mode: {mode!r} (must be 'min' or 'max')")
        if not isinstance(threshold_mode, str) or threshold_mode not in ("rel", "abs"):
            raise ValueError(f"invalid threshold_mode: {threshold_mode!r} (must be 'rel' or 'abs')")
        self.mode = mode
        self.threshold_mode = threshold_mode
        self.factor = check_fraction("factor", factor)
        self.patience = _count("patience", patience, 0)
        self.threshold = check_nonnegative("threshold", threshold)
        self.cooldown = _count("cooldown", cooldown, 0)
        self.eps = check_nonnegative("eps", eps)
        n = len(optimizer.param_groups)
        mins = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * n
        if len(mins) != n:
            raise ValueError(f"min_lr has {len(mins)} entries for {n} parameter groups")
        self.min_lrs = [check_nonnegative("min_lr", m) for m in mins]
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [float(g["lr"]) for g in optimizer.param_groups]

    def _is_better(self, value: float) -> bool:
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            bound = self.best * (1.0 - self.threshold) if rel else self.best - self.threshold
            return value < bound
        bound = self.best * (1.0 + self.threshold) if rel else self.best + self.threshold
        return value > bound

    def step(self, metric: Any) -> None:
        """Record one value of the monitored metric and reduce the lrs if it has plateaued."""
        if isinstance(metric, Tensor) and metric.size == 1:
            metric = metric.item()
        if isinstance(metric, np.ndarray) and metric.size == 1:
            metric = metric.item()
        if isinstance(metric, (bool, np.bool_)) or not isinstance(metric, (int, float, np.number)) \
                or isinstance(metric, (complex, np.complexfloating)):
            raise TypeError(
                f"ReduceLROnPlateau.step: metric must be a real number, got {metric!r:.60}"
            )
        value = float(metric)
        self.last_epoch += 1
        if self._is_better(value):
            self.best = value
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
                old = float(group["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` and set the groups' lrs to its last lrs where nothing
        else set them since this schedule did (as ``LRScheduler.load_state_dict``)."""
        mine = list(self._last_lr)
        _restore(self, state_dict, ("min_lrs", "_last_lr"))
        self._restore_lrs(mine)


class ChainedScheduler(_Schedule):
    """Step several schedules of one optimizer together, as PyTorch's ChainedScheduler:
    ``step()`` calls each one's ``step()`` in turn, so their factors combine as described in
    :class:`LRScheduler` (e.g. ``ChainedScheduler([ConstantLR(opt, 0.1, 20),
    ExponentialLR(opt, 0.9)])``). ``get_last_lr()`` gives the groups' lrs after the last step;
    ``state_dict()`` holds each schedule's state under ``"_schedulers"``, and
    ``load_state_dict`` restores them all or, when one refuses, none.

    ``schedulers`` are LRSchedulers or ChainedSchedulers of one optimizer (not
    ``ReduceLROnPlateau``, whose ``step`` needs a metric); ``optimizer``, if given, must be
    theirs. Building it changes nothing.
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler | ChainedScheduler],
        optimizer: Optimizer | None = None,
    ) -> None:
        if isinstance(schedulers, (str, bytes)) or not hasattr(schedulers, "__iter__"):
            raise TypeError(f"schedulers must be a list of LRSchedulers, got {schedulers!r:.60}")
        scheds = list(schedulers)
        if not scheds:
            raise ValueError("ChainedScheduler needs at least one scheduler in schedulers")
        for i, s in enumerate(scheds):
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"schedulers[{i}]: ChainedScheduler cannot step a "
                                 "ReduceLROnPlateau (its step needs a metric); step it apart")
            if not isinstance(s, (LRScheduler, ChainedScheduler)):
                raise TypeError(f"schedulers[{i}] must be an LRScheduler, got "
                                f"{type(s).__name__}")
        opt = scheds[0].optimizer if optimizer is None else _check_optimizer(optimizer)
        for i, s in enumerate(scheds):
            if s.optimizer is not opt:
                raise ValueError(f"schedulers[{i}] drives another optimizer: every scheduler of "
                                 "ChainedScheduler must drive the same optimizer (optimizer)")
        self._schedulers = scheds
        self.optimizer = opt
        self._last_lr = [float(g["lr"]) for g in opt.param_groups]

    def step(self) -> None:
        """Step every schedule, in the order given."""
        for s in self._schedulers:
            s.step()
        self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """``{"_last_lr": [...], "_schedulers": [each schedule's state_dict()]}``."""
        return {"_last_lr": list(self._last_lr),
                "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load each schedule's state (see their ``load_state_dict``), the last one first: it
        stepped last, so its last lrs are the ones in force, and the others then keep them.
        If one refuses, every schedule and the optimizer's groups are left as they were."""
        keys = {"_last_lr", "_schedulers"}
        if not isinstance(state_dict, Mapping) or set(state_dict) != keys:
            got = sorted(state_dict) if isinstance(state_dict, Mapping) else state_dict
            raise ValueError(f"cannot load ChainedScheduler state dict: expected the keys "
                             f"{sorted(keys)}, got {got!r:.80}")
        states = state_dict["_schedulers"]
        if not isinstance(states, (list, tuple)) or len(states) != len(self._schedulers):
            n = len(states) if isinstance(states, (list, tuple)) else states
            raise ValueError(f"cannot load ChainedScheduler state dict: {n!r:.40} schedule "
                             f"states for {len(self._schedulers)} schedulers")
        groups = self.optimizer.param_groups
        before_groups = [dict(g) for g in groups]
        before = [copy.deepcopy(s.state_dict()) for s in self._schedulers]
        try:
            for s, state in reversed(list(zip(self._schedulers, states, strict=True))):
                s.load_state_dict(state)
        except Exception:
            for s, state in zip(self._schedulers, before, strict=True):
                s.load_state_dict(state)
            for g, saved in zip(groups, before_groups, strict=True):
                g.clear()
                g.update(saved)
            raise
        self._last_lr = [float(g["lr"]) for g in groups]
