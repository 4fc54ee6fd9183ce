"""Learning-rate schedules: step, multi-step, exponential, linear, power-law, cosine, a function
of the step (lambda), sequences of schedules, one cycle, plateau."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from autograd_mini import Tensor

from .optimizer import Optimizer, check_flag, check_fraction, check_nonnegative, to_python

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
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
        self.base_lrs: list[float] = [float(g["initial_lr"]) for g in optimizer.param_groups]
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
    milestone and starts from the groups' initial lrs.
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

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        del out["_schedulers"]
        return out


def _per_group(name: str, value: Any, n: int, check: Callable[[str, Any], float]) -> list[float]:
    """A number or a list of ``n`` numbers (one per parameter group), each validated."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} has {len(value)} entries for {n} parameter groups")
        return [check(f"{name}[{i}]", v) for i, v in enumerate(value)]
    return [check(name, value)] * n


class OneCycleLR(LRScheduler):
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
        self.use_beta1 = "betas" in optimizer.defaults
        if self.cycle_momentum and not self.use_beta1 and "momentum" not in optimizer.defaults:
            raise ValueError(
                f"OneCycleLR: {type(optimizer).__name__} has neither 'momentum' nor 'betas' to "
                "cycle; pass cycle_momentum=False"
            )
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
        """The cycled momentum (or β₁) at step ``t``, one per group."""
        phase, x = self._phase(t)
        i, j = ((0, 1), (1, 0), (0, 0))[phase]  # from/to: 0 = max_momentum, 1 = base_momentum
        return [self._anneal(ends[i], ends[j], x)
                for ends in zip(self.max_momentums, self.base_momentums, strict=True)]

    def _apply(self, lrs: list[float]) -> None:
        super()._apply(lrs)
        if self.cycle_momentum:
            for group, m in zip(self.optimizer.param_groups, self.momenta(self.last_epoch),
                                strict=True):
                self._with_momentum(group, m)

    def step(self) -> None:
        """Advance one step (see :meth:`LRScheduler.step`) and set the cycled momentum; the
        (T + 1)-th call raises ValueError and changes nothing."""
        self._phase(self.last_epoch + 1)  # raises past total_steps, before anything changes
        super().step()

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` of a OneCycleLR on the same kind of optimizer; set the
        groups' lrs as ``LRScheduler.load_state_dict`` does, and the momentum to its value at
        the restored step."""
        for key in ("use_beta1", "cycle_momentum"):
            if key in state_dict and bool(to_python(state_dict[key])) != getattr(self, key):
                raise ValueError(f"cannot load OneCycleLR state dict: it cycles "
                                 f"{'betas' if to_python(state_dict['use_beta1']) else 'momentum'}"
                                 f" (cycle_momentum={to_python(state_dict.get('cycle_momentum'))})"
                                 f", this one {'betas' if self.use_beta1 else 'momentum'} "
                                 f"(cycle_momentum={self.cycle_momentum})")
        mine = list(self._last_lr)
        _restore(self, state_dict, ("base_lrs", "_last_lr", "max_lrs", "min_lrs",
                                    "max_momentums", "base_momentums"))
        self._apply(self._restore_lrs(mine))


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
