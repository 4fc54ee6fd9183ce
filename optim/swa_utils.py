"""Weight averaging, as PyTorch's ``torch.optim.swa_utils``: ``AveragedModel`` (a copy of a
model holding the running average of its weights: SWA or EMA), the averaging functions, the
``SWALR`` schedule (anneal to a constant SWA learning rate) and ``update_bn`` (recompute the
batch norms' running statistics of the averaged weights)."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

import nn
from autograd_mini import no_grad
from autograd_mini.tensor import READ_ONLY, read_only, writeable
from nn import Module

from .hyper import check_flag, check_nonnegative
from .optimizer import Optimizer
from .schedule_base import Check, LRScheduler, at_least, check_optimizer, counting_steps, one_of

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn", "get_swa_avg_fn",
           "get_swa_multi_avg_fn", "update_bn"]

#: ``avg_fn(averaged, current, n_averaged)``: the new average of one array
AvgFn = Callable[[np.ndarray, np.ndarray, int], np.ndarray]
#: ``multi_avg_fn(averaged, current, n_averaged)``: update the averaged arrays in place
MultiAvgFn = Callable[[list[np.ndarray], list[np.ndarray], int], None]


def _check_decay(decay: Any, where: str) -> float:
    if isinstance(decay, (bool, np.bool_)) or not isinstance(decay, (int, float, np.number)):
        raise TypeError(f"{where}: decay must be a real number, got {decay!r:.60}")
    if not 0.0 <= float(decay) <= 1.0:  # (NaN fails too)
        raise ValueError(f"{where}: invalid decay {decay!r} (must be in [0, 1])")
    return float(decay)


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start ← start + w (end − start) in place, as PyTorch's lerp: from the nearer end (for
    w ≥ ½ as end − (1 − w)(end − start)), so w = 1 gives ``end`` exactly. An integer
    ``start`` (a count) gets the value truncated toward 0."""
    if start.dtype.kind != "f":
        start[...] = start + (end - start) * weight
    elif weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1.0 - weight)


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """The exponential moving average of one array: ``avg_fn(a, θ, n)`` = d a + (1 − d) θ
    with d = ``decay`` in [0, 1] (a₀ = θ₀: the first update copies)."""
    d = _check_decay(decay, "get_ema_avg_fn")

    def ema_update(averaged: np.ndarray, current: np.ndarray, n_averaged: int) -> np.ndarray:
        return d * averaged + (1.0 - d) * current

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """The equal-weight (SWA) average of one array: ``avg_fn(a, θ, n)`` = a + (θ − a) / (n + 1),
    the mean of the n + 1 models seen once θ is added."""

    def swa_update(averaged: np.ndarray, current: np.ndarray, n_averaged: int) -> np.ndarray:
        return averaged + (current - averaged) / (n_averaged + 1)

    return swa_update


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """The exponential moving average in place over lists of arrays: a ← a + (1 − d)(θ − a),
    i.e. d a + (1 − d) θ (PyTorch's lerp), d = ``decay`` in [0, 1]."""
    d = _check_decay(decay, "get_ema_multi_avg_fn")

    def ema_update(averaged: list[np.ndarray], current: list[np.ndarray], n_averaged: int
                   ) -> None:
        for a, c in zip(averaged, current, strict=True):
            if a.dtype.kind == "f":
                _lerp_(a, c, 1.0 - d)
            else:
                a[...] = a * d + c * (1.0 - d)

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """The equal-weight (SWA) average in place over lists of arrays: a ← a + (θ − a) / (n + 1)
    (PyTorch's lerp with weight 1 / (n + 1))."""

    def swa_update(averaged: list[np.ndarray], current: list[np.ndarray], n_averaged: int
                   ) -> None:
        for a, c in zip(averaged, current, strict=True):
            _lerp_(a, c, 1.0 / (n_averaged + 1))

    return swa_update


def _check_device(device: Any, where: str) -> None:
    """PyTorch's ``device`` argument: None or the CPU (everything runs there)."""
    if device is None or str(device).split(":")[0] == "cpu":
        return
    if callable(device):
        raise TypeError(f"{where}: device must be None or 'cpu', got a function: pass avg_fn= "
                        "or multi_avg_fn= by keyword (the second argument is PyTorch's device)")
    raise RuntimeError(f"{where}: device {device!r:.40} is not available: everything runs on "
                       "the CPU here (NumPy arrays)")


class AveragedModel(Module):
    r"""A deep copy of ``model`` (as ``self.module``) whose weights are a running average of the
    model's, for stochastic weight averaging (SWA) or an exponential moving average (EMA), as
    PyTorch's.

    ``update_parameters(model)`` averages the model's current parameters into the copy's (and
    its buffers too with ``use_buffers=True``; otherwise the buffers are copied): the first
    call copies, a ← θ; each later one, with n = ``n_averaged`` the updates so far,

        a ← a + (θ − a) / (n + 1)                  (default: the mean of all models seen)
        a ← avg_fn(a, θ, n)                        (per array, e.g. ``get_ema_avg_fn(d)``)
        multi_avg_fn([a…], [θ…], n)                (in place, per dtype, e.g.
                                                    ``get_ema_multi_avg_fn(d)``)

    The functions receive NumPy arrays (the parameters' ``.data``, the buffers) and ``n`` as
    an int. An integer buffer (``num_batches_tracked``) gets the average truncated toward 0,
    as PyTorch's does. Calling it runs the copy (``self.module(*args)``). ``state_dict`` keys
    are PyTorch's: ``n_averaged`` (an int64 buffer) and ``module.<name>``; the functions are
    not saved. After SWA of a model with batch norms, recompute their statistics with
    :func:`update_bn` (or average the buffers with ``use_buffers=True``).

    ``device`` (PyTorch's second argument) may be None or ``"cpu"``. Differences from
    PyTorch: ``update_parameters`` refuses a model whose parameters (and buffers) differ in
    number or shape from the copy's (PyTorch's silently stops at the shorter list), and
    ``get_swa_multi_avg_fn`` averages integer buffers as the default does (PyTorch's raises).
    """

    n_averaged: np.ndarray

    def __init__(self, model: Module, device: Any = None, avg_fn: AvgFn | None = None,
                 multi_avg_fn: MultiAvgFn | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel: model must be an nn.Module, got "
                            f"{type(model).__name__}")
        _check_device(device, "AveragedModel")
        for name, fn in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"AveragedModel: {name} must be a function or None, got "
                                f"{type(fn).__name__}")
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: give avg_fn or multi_avg_fn, not both")
        self.use_buffers = check_flag("AveragedModel: use_buffers", use_buffers)
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", np.array(0, dtype=np.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The averaged copy's output: ``self.module(*args, **kwargs)``."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s parameters (and buffers with ``use_buffers``) into the copy's, as
        the class describes; then n_averaged ← n_averaged + 1."""
        where = "AveragedModel.update_parameters"
        if not isinstance(model, Module):
            raise TypeError(f"{where}: model must be an nn.Module, got {type(model).__name__}")
        mine = _arrays(self.module, self.use_buffers, where, "the averaged copy")
        theirs = _arrays(model, self.use_buffers, where, "model")
        _check_match(mine, theirs, where,
                     "parameters and buffers" if self.use_buffers else "parameters")
        own: list[tuple[str, np.ndarray]] = []
        other: list[tuple[str, np.ndarray]] = []
        if not self.use_buffers:  # (copied: checked before anything changes)
            own = _arrays(self.module, True, where, "the averaged copy")[len(mine):]
            other = _arrays(model, True, where, "model")[len(theirs):]
            _check_match(own, other, where, "buffers")
        n = int(self.n_averaged)
        averaged = [a for _, a in mine]
        current = [np.asarray(c, dtype=a.dtype) for a, (_, c) in zip(averaged, theirs,
                                                                     strict=True)]
        with np.errstate(all="ignore"):
            if n == 0:
                for a, c in zip(averaged, current, strict=True):
                    a[...] = c
            elif self.avg_fn is not None:
                for a, c in zip(averaged, current, strict=True):
                    a[...] = self.avg_fn(a, c, n)
            elif self.multi_avg_fn is not None:
                for kind in dict.fromkeys(a.dtype for a in averaged):  # (PyTorch: per dtype)
                    pairs = [(a, c) for a, c in zip(averaged, current, strict=True)
                             if a.dtype == kind]
                    self.multi_avg_fn([a for a, _ in pairs], [c for _, c in pairs], n)
            else:
                for a, c in zip(averaged, current, strict=True):
                    a[...] = a + (c - a) / (n + 1)
            for (_, a), (_, c) in zip(own, other, strict=True):
                a[...] = c
        self.n_averaged += 1


def _arrays(module: Module, with_buffers: bool, where: str, whose: str
            ) -> list[tuple[str, np.ndarray]]:
    """(name, array) of ``module``'s parameters, then its buffers if ``with_buffers``; refuses
    one that cannot be written in place (a live graph holds it, a buffer that is no array)."""
    out = [(name, p.data) for name, p in module.named_parameters()]
    if with_buffers:
        out += list(module.named_buffers())
    for name, arr in out:
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"{where}: buffer {name!r} of {whose} is a "
                            f"{type(arr).__name__}, not an array")
        if not writeable(arr) and whose != "model":
            raise RuntimeError(f"{where}: {name!r} of {whose} is "
                               f"{READ_ONLY[read_only(arr)]}")
    return out


def _check_match(mine: list[tuple[str, np.ndarray]], theirs: list[tuple[str, np.ndarray]],
                 where: str, what: str) -> None:
    """The model fits the copy: as many arrays (``what``), of the same shapes, in order."""
    if len(mine) != len(theirs):
        raise ValueError(f"{where}: model has {len(theirs)} {what}, the averaged copy has "
                         f"{len(mine)}: pass a model of the same structure")
    for (name, a), (other, c) in zip(mine, theirs, strict=True):
        if a.shape != np.shape(c):
            raise ValueError(f"{where}: model's {other!r} has shape {np.shape(c)}, the "
                             f"averaged copy's {name!r} has shape {a.shape}")


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of ``model``'s batch norms from one pass over
    ``loader``, as PyTorch's: each BatchNorm's statistics are reset and its momentum set to
    None (a cumulative average: the running mean is the mean of the batch means, the running
    variance of the unbiased batch variances), the model runs in training mode under
    ``no_grad`` on each batch (a list or tuple: its first element), then the momenta and the
    training mode are restored. A model without batch norms is left alone."""
    if not isinstance(model, Module):
        raise TypeError(f"update_bn: model must be an nn.Module, got {type(model).__name__}")
    if isinstance(loader, (str, bytes)) or not hasattr(loader, "__iter__"):
        raise TypeError(f"update_bn: loader must be an iterable of batches, got "
                        f"{type(loader).__name__}")
    _check_device(device, "update_bn")
    norms = tuple(getattr(nn, name) for name in ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
                  if hasattr(nn, name))
    momenta = {}
    for m in model.modules():
        if isinstance(m, norms):
            m.reset_running_stats()
            momenta[m] = m.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    try:
        for m in momenta:
            m.momentum = None
        with no_grad():
            for batch in loader:
                model(batch[0] if isinstance(batch, (list, tuple)) else batch)
    finally:
        for m, momentum in momenta.items():
            m.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    r"""Anneal each group's lr to its ``swa_lr`` over ``anneal_epochs`` steps, then hold it, as
    PyTorch's SWALR. With s = ``swa_lr``, A = ``anneal_epochs`` and the schedule's step t::

        x_t = clip(t / max(1, A), 0, 1)            (t at least 1 when A = 0: s at once)
        α_t = (1 − cos(π x_t)) / 2   ("cos")   or   x_t   ("linear")
        η_t = s α_t + η (1 − α_t),   η = s if α_{t−1} = 1 else (η_lr − α_{t−1} s) / (1 − α_{t−1})

    where η_lr is the lr in force: η is the start it implies, so alone the schedule gives
    η₀ (1 − α_t) + s α_t from the lr η₀ it was built on, and it anneals from whatever another
    schedule or a manual change left (PyTorch's rule). ``swa_lr`` is one number or one per
    group; each group keeps it as ``group["swa_lr"]`` (as PyTorch's; a change there moves the
    target). Step it once per epoch after the optimiser. The ``state_dict`` of PyTorch's loads.
    Difference from PyTorch: resuming with ``last_epoch`` ≠ −1 anneals from that step (PyTorch's
    counts its own steps from 0 again).
    """

    checks: ClassVar[dict[str, Check]] = LRScheduler.checks | {
        "anneal_epochs": at_least(0), "_anneal_strategy": one_of("cos", "linear")}
    chains_at_start = False  # (get_lr reads the lr in force itself)

    def __init__(self, optimizer: Optimizer, swa_lr: float | Sequence[float],
                 anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        groups = check_optimizer(optimizer, "SWALR").param_groups
        try:
            lrs = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * len(groups)
            if len(lrs) != len(groups):
                raise ValueError(f"swa_lr has {len(lrs)} values for {len(groups)} parameter "
                                 "groups (give one number, or one per group)")
            lrs = [check_nonnegative(f"swa_lr[{i}]" if isinstance(swa_lr, (list, tuple))
                                     else "swa_lr", v) for i, v in enumerate(lrs)]
            self._anneal_strategy = self._arg("_anneal_strategy", anneal_strategy,
                                              "anneal_strategy")
            self.anneal_epochs = self._arg("anneal_epochs", anneal_epochs)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"SWALR: {exc}") from None
        for group, lr in zip(groups, lrs, strict=True):
            group["swa_lr"] = lr
        super().__init__(optimizer, last_epoch)

    def alpha(self, t: int) -> float:
        """α_t, the fraction of the way to ``swa_lr`` at step ``t``."""
        if self.anneal_epochs == 0:
            t = max(1, t)
        x = max(0.0, min(1.0, t / max(1, self.anneal_epochs)))
        return x if self._anneal_strategy == "linear" else (1.0 - math.cos(math.pi * x)) / 2.0

    def values(self, t: int) -> list[float]:
        """The closed form η₀ (1 − α_t) + s α_t from each group's initial lr."""
        a = self.alpha(t)
        return [float(g["swa_lr"]) * a + base * (1.0 - a)
                for g, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True)]

    def get_lr(self) -> list[float]:
        """The lrs of the current step from the lrs in force (see the class)."""
        return self.moved(self.last_epoch)

    def moved(self, t: int) -> list[float]:
        """The lrs of step ``t`` from the lrs in force (what a ``SequentialLR`` running it
        applies: at its milestone, t = 0, it holds them, as PyTorch's)."""
        before, a = self.alpha(t - 1), self.alpha(t)
        out = []
        for g in self.optimizer.param_groups:
            s = float(g["swa_lr"])
            start = s if before == 1.0 else (float(g["lr"]) - before * s) / (1.0 - before)
            out.append(s * a + start * (1.0 - a))
        return out

    @counting_steps  # (its own step: counted and checked as the base step)
    def step(self) -> None:
        """Advance one step (an epoch): each group's lr moves toward its ``swa_lr``."""
        self.last_epoch += 1
        self._apply(self.get_lr())
