"""Learning-rate schedules: step, multi-step, constant, exponential, linear, polynomial,
power-law, cosine (with warm restarts), a function of the step (lambda), sequences of schedules;
and, from their own modules, chains of schedules (``optim.chained``), plateau
(``optim.plateau``), one cycle and cyclic (``optim.cyclic``). The framework they share
(``LRScheduler``: closed forms that chain) is ``optim.schedule_base``."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from .chained import ChainedScheduler
from .cyclic import CyclicLR, OneCycleLR
from .hyper import check_nonnegative
from .optimizer import Optimizer
from .plateau import ReduceLROnPlateau
from .schedule_base import (
    Check,
    LRScheduler,
    at_least,
    check_optimizer,
    check_positive,
    closed_fraction,
    counting_steps,
)

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
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "PowerLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]


class StepLR(LRScheduler):
    """η_t = η₀ γ^⌊t / step_size⌋: multiply by γ every ``step_size`` steps."""

    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {
        "step_size": at_least(1), "gamma": check_nonnegative}

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = self._arg("step_size", step_size)
        self.gamma = self._arg("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """η_t = η₀ γ^k with k the number of milestones ≤ t (a repeated milestone counts twice)."""

    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {
        "milestones": at_least(0), "gamma": check_nonnegative}

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"milestones must be an iterable of ints, got {milestones!r:.60}")
        self.milestones = sorted(self._arg("milestones", m, "milestones[i]") for m in milestones)
        self.gamma = self._arg("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _check_state(self) -> None:
        """The milestones sorted, as the constructor sorts them (``lr_at`` bisects)."""
        self.milestones = sorted(self.milestones)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)


class ExponentialLR(LRScheduler):
    """Exponential decay η_t = η₀ γᵗ."""

    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {"gamma": check_nonnegative}

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = self._arg("gamma", gamma)
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

    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {
        "factor": closed_fraction, "total_iters": at_least(1)}

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.factor = self._arg("factor", factor)
        self.total_iters = self._arg("total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * self.factor if t < self.total_iters else base_lr


class LinearLR(LRScheduler):
    """Linear ramp η_t = η₀ (s + (e − s) min(t, T) / T) from factor s to factor e over T steps.

    With ``start_factor < end_factor = 1`` it is a linear warm-up (s = 0 starts from zero);
    with ``start_factor = 1 > end_factor`` it is the notes' linear decay, after which the rate
    stays at η₀ e.
    """

    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {
        "start_factor": check_nonnegative, "end_factor": check_nonnegative,
        "total_iters": at_least(1)}

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3.0,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.start_factor = self._arg("start_factor", start_factor)
        self.end_factor = self._arg("end_factor", end_factor)
        self.total_iters = self._arg("total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        frac = min(t, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * frac)


class PowerLR(LRScheduler):
    """Power-law decay η_t = η₀ (1 + t / s)^(−p), with s = ``scale`` and p = ``power``."""

    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {
        "power": check_nonnegative, "scale": check_positive}

    def __init__(
        self, optimizer: Optimizer, power: float = 1.0, scale: float = 1.0, last_epoch: int = -1
    ) -> None:
        self.power = self._arg("power", power)
        self.scale = self._arg("scale", scale)
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

    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {
        "total_iters": at_least(1), "power": check_nonnegative}

    def __init__(
        self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        self.total_iters = self._arg("total_iters", total_iters)
        self.power = self._arg("power", power)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, t: int) -> float:
        return base_lr * (1.0 - min(self.total_iters, t) / self.total_iters) ** self.power


class CosineAnnealingLR(LRScheduler):
    """η_t = η_min + (η₀ − η_min)(1 + cos(π t / T_max)) / 2 (rising again after T_max)."""

    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {
        "T_max": at_least(1), "eta_min": check_nonnegative}

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = self._arg("T_max", T_max)
        self.eta_min = self._arg("eta_min", eta_min)
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
    floor) by (η_t − η_min) / (η_{t−1} − η_min), as :class:`CosineAnnealingLR` does, and at a
    restart the lr in force by η₀ / η_{t−1} (about η_min that factor reaches 40–400 at a
    cycle's end, and would turn a cut made then, by hand, ``ReduceLROnPlateau`` or another
    schedule, into a negative lr); PyTorch's sets η_t whatever else changed the lr.

    **Differences from PyTorch.** ``step()`` advances by one whole step: PyTorch's fractional
    ``step(epoch)`` (e.g. ``epoch + i / iters`` within an epoch) is not provided; call
    ``step()`` after every batch with ``T_0`` counted in batches instead. Resuming with
    ``last_epoch`` uses the closed form above for any ``T_mult`` (PyTorch's then counts the
    cycle lengths from T_0 again, which is off once a cycle has grown). ``eta_min`` must be
    ≥ 0.
    """

    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {
        "T_0": at_least(1), "T_mult": at_least(1), "eta_min": check_nonnegative}

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        self.T_0 = self._arg("T_0", T_0)
        self.T_mult = self._arg("T_mult", T_mult)
        self.eta_min = self._arg("eta_min", eta_min)
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

    def _chained(self, target: float, now: float, before: float) -> float:
        """As every schedule's, but at a restart (a step away from η_min) by the ratio
        ``target / before``: about η_min that factor reaches 40–400 at the cycle's end, and
        would blow up, or turn negative, any difference of the lr in force from the
        schedule's own value (also where η₀ < η_min, and the restart falls)."""
        if abs(target - self.floor) > abs(before - self.floor) and before > 0 and now != before:
            return now * (target / before)
        return super()._chained(target, now, before)


class LambdaLR(LRScheduler):
    """η_t = η₀ λ(t) for a function λ of the step count (one per group when a list), as
    PyTorch's: each step sets it (it does not chain with other schedules or manual changes,
    and λ may read state of its own). The functions are not part of ``state_dict``: a
    restored scheduler keeps the ones it was built with."""

    chains = chains_at_start = False

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        n = len(check_optimizer(optimizer, type(self).__name__).param_groups)
        fns: list[Any] = (list(lr_lambda) if isinstance(lr_lambda, (list, tuple))
                          else [lr_lambda] * n)
        if len(fns) != n or not all(callable(f) for f in fns):
            raise TypeError(f"{type(self).__name__}: lr_lambda must be a function or a list of {n} "
                            f"functions (one per parameter group), got {lr_lambda!r:.80}")
        self._lambdas = fns
        super().__init__(optimizer, last_epoch)

    def values(self, t: int) -> list[float]:
        return [base * float(f(t)) for base, f in zip(self.base_lrs, self._lambdas, strict=True)]

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        del out["_lambdas"]
        return out


class MultiplicativeLR(LambdaLR):
    """η_t = η_{t−1} λ(t): each step multiplies every group's lr in force by λ(t) (one
    function per group when a list), as PyTorch's. The functions are not part of
    ``state_dict``."""

    chains = chains_at_start = True

    def values(self, t: int) -> list[float]:
        """η₀ λ(1) ⋯ λ(t) (asking every λ(i) again: for a scheduler resumed at step t)."""
        out = []
        for base, f in zip(self.base_lrs, self._lambdas, strict=True):
            for i in range(1, t + 1):
                base *= float(f(i))
            out.append(base)
        return out

    @counting_steps  # (its own step: counted and checked as the base step)
    def step(self) -> None:
        """Advance one step: every group's lr times λ(t)."""
        self.last_epoch += 1
        self._apply(self.moved(self.last_epoch))

    def moved(self, t: int) -> list[float]:
        """The lrs in force times λ(t) (at a ``SequentialLR`` milestone t = 0, as PyTorch's)."""
        groups = self.optimizer.param_groups
        return [float(g["lr"]) * float(f(t)) for g, f in zip(groups, self._lambdas, strict=True)]


class SequentialLR(LRScheduler):
    """Run ``schedulers[i]`` between ``milestones[i-1]`` and ``milestones[i]``, each from t = 0.

    E.g. ``SequentialLR(opt, [LinearLR(opt, 0.0, 1.0, 5), CosineAnnealingLR(opt, 95)], [5])``
    warms up over 5 steps then anneals. Every sub-schedule restarts its own clock at its
    milestone, as in PyTorch: the first one runs from the groups' initial lrs when the
    SequentialLR is built (a ``OneCycleLR`` built after it has set them to its start), each
    later one from its own η₀, and a schedule that moves the lr in force (``MultiplicativeLR``,
    which has no closed form, and ``swa_utils.SWALR``) from the lr in force at its milestone
    (times λ(0); SWALR holds it there, then anneals from it). Between milestones the running
    one moves the lrs as it does alone. It also sets what it sets besides the lr (the momentum
    cycled by ``OneCycleLR`` or ``CyclicLR``).
    """

    chains_at_start = False  # it takes the optimiser over from its sub-schedules
    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {"milestones": at_least(1)}

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
        self.milestones = [self._arg("milestones", m, "milestones[i]") for m in milestones]
        self._check_state()
        first = self._schedulers[0]
        if first.chains and first.chains_at_start:  # PyTorch sets the lrs back to the initial
            # ones and runs a chaining schedule from them (LambdaLR, OneCycleLR and CyclicLR
            # set lrs of their own)
            first.base_lrs = [float(g["initial_lr"]) for g in optimizer.param_groups]
        super().__init__(optimizer, last_epoch)

    def _check_state(self) -> None:
        """One milestone between each two schedulers, in strictly increasing order."""
        if len(self.milestones) != len(self._schedulers) - 1:
            raise ValueError(
                f"SequentialLR needs {len(self._schedulers) - 1} milestones for "
                f"{len(self._schedulers)} schedulers, got {len(self.milestones)}"
            )
        if self.milestones != sorted(set(self.milestones)):
            raise ValueError(f"milestones must increase strictly, got {self.milestones}")

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

    @counting_steps  # (its own step: counted and checked as the base step)
    def step(self) -> None:
        """Advance one step; at a milestone the next schedule starts (see the class), in
        between changes made meanwhile chain as in ``LRScheduler.step`` (not under a
        ``LambdaLR``, which sets η₀ λ(t) as it does alone)."""
        t = self.last_epoch + 1
        sched, local = self._active(t)
        moved = getattr(sched, "moved", None)  # (MultiplicativeLR, swa_utils.SWALR)
        if moved is not None:
            self.last_epoch = t
            self._apply(moved(local))
        elif t in self.milestones or not sched.chains:
            self.last_epoch = t
            self._apply(self.values(t))
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
