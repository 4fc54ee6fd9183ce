"""ReduceLROnPlateau: cut the learning rate when a metric stops improving (a schedule driven by
the metric, not by a closed form in the step)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from autograd_mini import Tensor

from .hyper import check_fraction, check_nonnegative
from .optimizer import Optimizer
from .schedule_base import Check, Schedule, at_least, check_optimizer, one_of, restore

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(Schedule):
    """Multiply every group's lr by ``factor`` once the metric stops improving.

    ``step(metric)``: a metric better than the best so far (mode "min": below best·(1 − θ)
    for threshold_mode "rel", below best − θ for "abs"; mirrored for "max") resets the count
    of bad steps; after more than ``patience`` bad steps each lr becomes
    max(lr · factor, min_lr) (a change smaller than ``eps`` is skipped) and the count waits
    ``cooldown`` steps before counting again. NaN is never an improvement.
    """

    checks: ClassVar[dict[str, Check]] = Schedule.checks | {
        "mode": one_of("min", "max"), "threshold_mode": one_of("rel", "abs"),
        "factor": check_fraction, "patience": at_least(0), "threshold": check_nonnegative,
        "cooldown": at_least(0), "eps": check_nonnegative, "min_lrs": check_nonnegative}

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
        self.optimizer = check_optimizer(optimizer, "ReduceLROnPlateau")
        self.mode = self._arg("mode", mode)
        self.threshold_mode = self._arg("threshold_mode", threshold_mode)
        self.factor = self._arg("factor", factor)
        self.patience = self._arg("patience", patience)
        self.threshold = self._arg("threshold", threshold)
        self.cooldown = self._arg("cooldown", cooldown)
        self.eps = self._arg("eps", eps)
        n = len(optimizer.param_groups)
        mins = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * n
        if len(mins) != n:
            raise ValueError(f"min_lr has {len(mins)} entries for {n} parameter groups")
        self.min_lrs = [self._arg("min_lrs", m, "min_lr") for m in mins]
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
        restore(self, state_dict, ("min_lrs", "_last_lr"))
        self._restore_lrs(mine)
