"""ChainedScheduler: several schedules of one optimiser stepped together, their factors
combined."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from .optimizer import Optimizer
from .plateau import ReduceLROnPlateau
from .schedule_base import LRScheduler, Schedule, check_optimizer

__all__ = ["ChainedScheduler"]


class ChainedScheduler(Schedule):
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
        opt = scheds[0].optimizer if optimizer is None else check_optimizer(
            optimizer, "ChainedScheduler")
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
