"""Cyclic learning-rate schedules that also cycle the momentum (SGD's, RMSProp's, or Adam's β₁):
OneCycleLR and CyclicLR, with PyTorch's formulas. Imported from ``optim.lr_scheduler``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from .hyper import check_flag, check_fraction, check_nonnegative
from .optimizer import Optimizer, to_python
from .schedule_base import (
    Check,
    LRScheduler,
    at_least,
    check_count,
    check_optimizer,
    check_positive,
    closed_fraction,
    one_of,
    restore,
)

__all__ = ["CycledMomentum", "CyclicLR", "OneCycleLR", "per_group"]


def per_group(name: str, value: Any, n: int, check: Callable[[str, Any], float]) -> list[float]:
    """A number or a list of ``n`` numbers (one per parameter group), each validated."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} has {len(value)} entries for {n} parameter groups")
        return [check(f"{name}[{i}]", v) for i, v in enumerate(value)]
    return [check(name, value)] * n


class CycledMomentum(LRScheduler):
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
    #: made to step after every batch: ``am.fit`` does so
    interval = "batch"
    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {
        "max_lrs": check_nonnegative, "cycle_momentum": check_flag, "use_beta1": check_flag,
        "max_momentums": check_fraction, "base_momentums": check_fraction}

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
        restore(self, state_dict, self._per_group_state)
        self._apply(self._restore_lrs(mine))

    def _check_state(self) -> None:
        """The step is one the schedule can take (t ≤ T, scale_fn in [0, 1]) and the momentum
        ends pass the optimizer's check (``_check_momentum``)."""
        self.values(self.last_epoch)
        if self.cycle_momentum:
            self.momenta(self.last_epoch)
            self._check_momentum(self.optimizer)


class OneCycleLR(CycledMomentum):
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
    checks: ClassVar[dict[str, Check]] = CycledMomentum.checks | {
        "total_steps": at_least(1), "pct_start": check_fraction,  # (0: no warm-up, as PyTorch)
        "anneal_strategy": one_of("cos", "linear"), "three_phase": check_flag,
        "min_lrs": check_nonnegative}
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
        groups = check_optimizer(optimizer, type(self).__name__).param_groups
        n = len(groups)
        if total_steps is not None:
            self.total_steps = self._arg("total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (check_count("epochs", epochs, 1)  # (not kept: no state)
                                * check_count("steps_per_epoch", steps_per_epoch, 1))
        else:
            raise ValueError("OneCycleLR needs total_steps, or both epochs and steps_per_epoch")
        self.pct_start = self._arg("pct_start", pct_start)
        self.anneal_strategy = self._arg("anneal_strategy", anneal_strategy)
        self.three_phase = self._arg("three_phase", three_phase)
        self.cycle_momentum = self._arg("cycle_momentum", cycle_momentum)
        self._check_phases()
        last = self._arg("last_epoch", last_epoch)
        if last + 1 > self.total_steps:
            raise ValueError(f"invalid last_epoch: {last_epoch!r} (a OneCycleLR of "
                             f"{self.total_steps} total steps can step at most that many times)")
        max_lrs = per_group("max_lr", max_lr, n, self.checks["max_lrs"])
        div = check_positive("div_factor", div_factor)
        final_div = check_positive("final_div_factor", final_div_factor)
        max_ms = per_group("max_momentum", max_momentum, n, self.checks["max_momentums"])
        base_ms = per_group("base_momentum", base_momentum, n, self.checks["base_momentums"])
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

    def _check_phases(self) -> None:
        """With ``three_phase``, each of the three phases is longer than zero steps."""
        if self.three_phase:
            t1, t2 = self._ends()[:2]
            if t1 <= 0.0 or t2 >= self.total_steps - 1:
                raise ValueError(
                    "three_phase=True needs 1 < pct_start * total_steps < (total_steps + 1) / 2 "
                    f"(each phase longer than zero), got pct_start={self.pct_start!r}, "
                    f"total_steps={self.total_steps}"
                )

    def _check_state(self) -> None:
        """The phases (``_check_phases``), then as ``CycledMomentum``."""
        self._check_phases()
        super()._check_state()

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


class CyclicLR(CycledMomentum):
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
    checks: ClassVar[dict[str, Check]] = CycledMomentum.checks | {
        "step_size_up": at_least(1), "step_size_down": at_least(0),
        "mode": one_of("triangular", "triangular2", "exp_range"), "gamma": closed_fraction,
        "scale_mode": one_of("cycle", "iterations")}

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
        groups = check_optimizer(optimizer, type(self).__name__).param_groups
        n = len(groups)
        base_lrs = per_group("base_lr", base_lr, n, self.checks["base_lrs"])
        self.max_lrs = per_group("max_lr", max_lr, n, self.checks["max_lrs"])
        self.step_size_up = self._arg("step_size_up", step_size_up)
        self.step_size_down = (self.step_size_up if step_size_down is None
                               else self._arg("step_size_down", step_size_down))
        self.mode = self._arg("mode", mode)
        self._arg("scale_mode", scale_mode)
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"scale_fn must be a function or None, got {scale_fn!r:.60}")
        self.gamma = self._arg("gamma", gamma)
        self._scale_fn = scale_fn
        # PyTorch's built-in modes fix the scale mode; a scale_fn uses the one given
        self.scale_mode = (scale_mode if scale_fn is not None
                           else "iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = self._arg("cycle_momentum", cycle_momentum)
        self.base_momentums = per_group("base_momentum", base_momentum, n,
                                        self.checks["base_momentums"])
        self.max_momentums = per_group("max_momentum", max_momentum, n,
                                       self.checks["max_momentums"])
        last = self._arg("last_epoch", last_epoch)
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
