"""A training loop: epochs over batches, loss, optimiser, optional scheduler and validation."""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .checks import as_array
from .grad_mode import no_grad
from .tensor import Tensor

__all__ = ["History", "accuracy", "evaluate", "fit"]

Batch = tuple[Any, ...]  # (input, target); a DataLoader without targets gives (input,)
Metric = Callable[[Tensor, Any], Any]  # one number: a float, or a one-element Tensor or array


class _Optimizer(Protocol):
    def zero_grad(self) -> None: ...
    def step(self) -> Any: ...


@dataclass
class History:
    """What ``fit`` measured: per-epoch training loss, per-step losses and metric curves
    (``metrics["accuracy"]`` on the training batches, ``metrics["val_accuracy"]`` on ``val``)."""

    loss: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    interrupted: bool = False

    def record(self, name: str, value: Any) -> None:
        """Append a value (a number, or a one-element Tensor or array) to ``metrics[name]``."""
        self.metrics.setdefault(name, []).append(_number(value, "History.record", name))

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        """The last epoch's figures, not every step's loss (``step_loss`` holds them)."""
        last = {k: round(v[-1], 6) for k, v in self.metrics.items() if v}
        loss = f", loss={self.loss[-1]:.6g}" if self.loss else ""
        return (f"History(epochs={self.epochs}{loss}, last={last}, "
                f"steps={len(self.step_loss)}{', interrupted' if self.interrupted else ''})")


def accuracy(output: Tensor, target: Any, threshold: float = 0.0) -> float:
    """Share of correct predictions: the argmax over classes; for one column, positive where
    output ≥ ``threshold`` (0 for logits and scores; pass 0.5 for probabilities).

    Targets may be class indices (shaped (N,), (N, 1) or (1, N)), one-hot rows shaped like the
    output, ±1 labels or 0/1 labels.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) \
            or not math.isfinite(threshold):
        raise TypeError(f"accuracy: threshold must be a finite number, got {threshold!r:.60}")
    try:
        out = as_array(output, copy=False, where="accuracy").astype(float)
        y = as_array(target, copy=False, where="accuracy").astype(float)
    except (ValueError, TypeError):
        raise TypeError("accuracy: output and target must be real numeric arrays of matching "
                        "length") from None
    if out.size == 0 or y.size == 0:
        raise ValueError("accuracy: no predictions (empty output or target)")
    n = out.shape[0] if out.ndim == 2 and out.shape[1] > 1 else out.size
    if len(y.reshape(-1)) != n and not (y.ndim == 2 and y.shape == out.shape):
        raise ValueError(f"accuracy: output of shape {out.shape} and target of shape {y.shape} "
                         "do not match")
    if out.ndim == 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        y = y.argmax(axis=1) if y.shape == out.shape else y  # one-hot rows, else indices
        return float(np.mean(pred == y.reshape(pred.shape)))
    out = out.reshape(-1)
    y = y.reshape(-1)
    if np.any(y < 0):  # ±1 labels
        return float(np.mean(np.where(out >= threshold, 1, -1) == y))
    return float(np.mean((out >= threshold).astype(y.dtype) == y))


def _check_callables(model: Any, loss_fn: Any, where: str) -> None:
    """``model`` and ``loss_fn`` are functions or instances, not classes (``nn.MSELoss``
    without its ``()``)."""
    for label, fn in (("model", model), ("loss_fn", loss_fn)):
        if isinstance(fn, type):
            raise TypeError(f"{where}: {label} is the class {fn.__name__}, not an instance of "
                            f"it: pass {fn.__name__}()")
        if not callable(fn):
            raise TypeError(f"{where}: {label} must be callable, got {type(fn).__name__}")


def evaluate(model: Callable[[Tensor], Tensor], batches: Iterable[Batch],
             loss_fn: Callable[[Tensor, Any], Tensor],
             metrics: Mapping[str, Metric] | None = None) -> dict[str, float]:
    """Mean loss and metrics over ``batches`` (weighted by batch size), without recording and,
    for a model with ``train``/``eval`` (an ``nn.Module``), in eval mode (dropout off, batch
    norm on its running statistics); the model's mode is given back afterwards."""
    _check_callables(model, loss_fn, "evaluate")
    metrics = _checked_metrics(metrics, "evaluate")
    totals: dict[str, float] = {}
    count = 0
    was_training = getattr(model, "training", None)
    switch = callable(getattr(model, "train", None)) and isinstance(was_training, bool)
    modes: list[tuple[Any, bool]] = []  # every module's own mode (a frozen layer stays frozen)
    if switch:
        walk = getattr(model, "modules", None)
        modes = ([(m, m.training) for m in walk()] if callable(walk)
                 else [(model, bool(was_training))])
        model.train(False)  # type: ignore[attr-defined]
    try:
        with no_grad():
            for step, batch in enumerate(batches):
                x, y = _pair(batch, "evaluate", "batches", step)
                out = model(x)
                n = len(x)
                value = _loss_value(loss_fn(out, y), "evaluate", recorded=False)
                totals["loss"] = totals.get("loss", 0.0) + value * n
                for name, fn in metrics.items():
                    totals[name] = totals.get(name, 0.0) + _number(fn(out, y), "evaluate",
                                                                   name) * n
                count += n
    finally:
        if switch:
            model.train(was_training)  # type: ignore[attr-defined]
            for m, mode in modes:
                m.training = mode
    if count == 0:
        raise ValueError("evaluate: no batches to evaluate")
    return {k: v / count for k, v in totals.items()}


def _number(value: Any, where: str, name: str) -> float:
    """A metric's value as a float: a number, or a Tensor or array of one element."""
    try:
        arr = np.asarray(value.data if isinstance(value, Tensor) else value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.empty(0)
    if arr.size != 1:
        raise TypeError(f"{where}: metric {name!r} must give one number, got {value!r:.60}")
    return float(arr.reshape(()))


def _frozen(model: Any) -> list[Any]:
    """The sub-modules of ``model`` in eval mode while ``model`` is in training mode: frozen
    by the user (``fit`` keeps them so); none when ``model`` is not an ``nn.Module``."""
    walk = getattr(model, "modules", None)
    if getattr(model, "training", None) is not True or not callable(walk):
        return []
    return [m for m in walk() if getattr(m, "training", None) is False]


def _checked_metrics(metrics: Any, where: str) -> dict[str, Metric]:
    """``metrics`` as a dict of name → function(output, target); "loss" is taken (and, for
    ``fit``, names starting "val_", the validation's)."""
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping):
        raise TypeError(f"{where}: metrics must be a dict of name -> function(output, target), "
                        f"e.g. {{'accuracy': autograd_mini.accuracy}}, got "
                        f"{type(metrics).__name__}")
    for name, fn in metrics.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"{where}: metric names must be non-empty strings, got {name!r:.60}")
        if name == "loss" or (where == "fit" and name.startswith("val_")):
            raise ValueError(f"{where}: a metric may not be named {name!r}: the "
                             f"{'validation ' if name != 'loss' else ''}loss and metrics are "
                             "recorded under such names; choose another")
        if not callable(fn):
            raise TypeError(f"{where}: metric {name!r} must be a function(output, target), got "
                            f"{type(fn).__name__}")
    return dict(metrics)


def _pair(batch: Any, where: str, label: str, step: int) -> tuple[Any, Any]:
    """A batch as (input, target) (a pair, or an array stacking the two), or an error saying
    what a batch is."""
    stacked = getattr(batch, "shape", (0,))[:1] == (2,)
    if not stacked and (type(batch) not in (tuple, list) or len(batch) != 2):
        what = f"of shape {batch.shape}" if hasattr(batch, "shape") else (
            f"of length {len(batch)}" if type(batch) in (tuple, list) else "")
        raise TypeError(f"{where}: batch {step} of {label} is a {type(batch).__name__} {what}, "
                        "not an (input, target) pair: pass DataLoader(X, y, batch_size=32), or "
                        "a list of (x, y) batches")
    return batch[0], batch[1]


def _loss_value(loss: Any, where: str, recorded: bool) -> float:
    """The loss as a Python float; it must be a one-element Tensor (or, not ``recorded``, a
    number)."""
    if isinstance(loss, Tensor):
        if loss.size != 1:
            raise ValueError(f"{where}: loss_fn returned a tensor of shape {loss.shape}; reduce "
                             "it to one number (a mean or a sum over the batch)")
        return float(loss.item())
    if recorded or isinstance(loss, bool) or not isinstance(loss, (int, float, np.number)):
        raise TypeError(f"{where}: loss_fn must return a one-element Tensor (the graph to "
                        f"backpropagate), got {type(loss).__name__}")
    return float(loss)


def _wants_metric(step: Callable[..., Any]) -> bool:
    """True for schedulers whose ``step`` takes the monitored value (reduce-on-plateau)."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = inspect.signature(step).parameters.values()
    return any(p.default is p.empty and p.kind in kinds for p in params)


def _progress(total: int | None, enabled: bool | None, desc: str) -> Any:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the bar is a nicety: without tqdm, train silently
        return None
    return tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True)


def fit(
    model: Callable[[Tensor], Tensor],
    train: Iterable[Batch],
    loss_fn: Callable[[Tensor, Any], Tensor],
    optimizer: _Optimizer,
    epochs: int = 1,
    scheduler: Any | None = None,
    val: Iterable[Batch] | None = None,
    metrics: Mapping[str, Metric] | None = None,
    progress: bool | None = None,
    on_epoch_end: Callable[[int, History], bool | None] | None = None,
    monitor: str | None = None,
    scheduler_interval: str | None = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train`` and return the History.

    Each step: ``optimizer.zero_grad()``; L = loss_fn(model(x), y) (a one-element Tensor);
    ``L.backward()``; ``optimizer.step()``. Each metric ``m(output, y)`` is averaged over the
    epoch's batches (weighted by batch size, each measured before its step) into
    ``metrics[name]``. After each epoch the validation set is evaluated (``val_loss`` and
    ``val_<metric>``), the scheduler steps, and ``on_epoch_end(epoch, history)`` is called:
    returning True stops training there (early stopping). ``train`` must be re-iterable (a
    DataLoader or a list of batches).

    The scheduler steps once per epoch, or after every batch with ``scheduler_interval="batch"``
    (the default for schedules made for it: OneCycleLR, CyclicLR). A ReduceLROnPlateau-style
    scheduler gets the value named by ``monitor``: by default ``"val_loss"`` with validation
    data, else ``"loss"``; any metric recorded, such as ``"val_accuracy"``, may be named (one
    in mode "max" needs one: it would get a loss).

    The model is put in training mode at each epoch (``model.train()``), except the
    sub-modules the user froze: those in eval mode while the model itself is in training
    mode when the epoch begins (a BatchNorm kept on its running statistics, frozen before
    ``fit`` or in ``on_epoch_end``) stay in eval mode, each module on its own.

    A progress bar (tqdm) shows when stderr is a terminal, or when ``progress=True``; pass
    ``progress=False`` to silence it. Ctrl-C stops training and returns the history so far
    with ``interrupted=True``. A non-finite loss raises ``FloatingPointError`` naming the epoch
    and step. Arguments are checked before the first step.
    """
    _check_callables(model, loss_fn, "fit")
    if not (callable(getattr(optimizer, "step", None))
            and callable(getattr(optimizer, "zero_grad", None))):
        raise TypeError(f"fit: optimizer needs step() and zero_grad(), got {optimizer!r}")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    metrics = _checked_metrics(metrics, "fit")
    if on_epoch_end is not None and not callable(on_epoch_end):
        raise TypeError(f"fit: on_epoch_end must be a function(epoch, history), got "
                        f"{type(on_epoch_end).__name__}")
    for label, data in (("train", train), ("val", val)):
        _check_batches(data, label, epochs)
    interval, watch = _scheduling(scheduler, scheduler_interval, monitor, val, metrics)
    sched: Any = scheduler
    hist = History()
    train_fn = getattr(model, "train", None)
    try:
        n_batches: int | None = len(train)  # type: ignore[arg-type]
    except TypeError:
        n_batches = None
    bar = _progress(None if n_batches is None else n_batches * epochs, progress, "training")
    try:
        for epoch in range(epochs):
            if callable(train_fn):
                frozen = _frozen(model)  # (as the user left them: on_epoch_end may change it)
                train_fn()
                for m in frozen:
                    m.training = False
            total, count = 0.0, 0
            sums = dict.fromkeys(metrics, 0.0)
            for step, batch in enumerate(train):
                x, y = _pair(batch, "fit", "train", step)
                optimizer.zero_grad()
                out = model(x)
                loss = loss_fn(out, y)
                value = _loss_value(loss, "fit", recorded=True)
                if not math.isfinite(value):
                    raise FloatingPointError(
                        f"fit: the loss became {value} at epoch {epoch}, step {step}"
                    )
                loss.backward()
                optimizer.step()
                if interval == "batch":
                    sched.step()
                n = len(x)
                total += value * n
                count += n
                if sums:  # on this step's output, as Keras does: no second pass over train
                    with no_grad():
                        for name, fn in metrics.items():
                            sums[name] += _number(fn(out, y), "fit", name) * n
                hist.step_loss.append(value)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(epoch=epoch + 1, loss=f"{value:.4f}")
            if count == 0:
                raise ValueError("fit: the training data yielded no batches")
            hist.loss.append(total / count)
            for name, metric_sum in sums.items():
                hist.record(name, metric_sum / count)
            if val is not None:  # (in eval mode: evaluate switches and gives back train mode)
                for name, value in evaluate(model, val, loss_fn, metrics).items():
                    hist.record(f"val_{name}", value)
            if interval == "epoch":
                if watch is None:
                    sched.step()
                else:
                    sched.step(hist.loss[-1] if watch == "loss" else hist.metrics[watch][-1])
            if on_epoch_end is not None and on_epoch_end(epoch, hist) is True:
                break
    except KeyboardInterrupt:
        hist.interrupted = True
    finally:
        if bar is not None:
            bar.close()
    return hist


def _check_batches(data: Any, label: str, epochs: int) -> None:
    """Refuse, before training, data that cannot be ``fit``'s batches: the pair (X, y)
    itself, a one-shot iterator for several epochs, or no batches at all."""
    if data is None:
        return
    # (X, y) given for batches; two arrays of 2 rows each may also be 2 stacked batches
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(
            hasattr(d, "shape") and getattr(d, "ndim", 0) > 0 for d in data) and not all(
            getattr(d, "shape", (0,))[0] == 2 for d in data):
        raise TypeError(  # each element would be taken for a batch, unpacked row by row
            f"fit: {label} is the pair (X, y) itself; pass batches of it: "
            f"DataLoader(X, y, batch_size=32), or [(X, y)] for one full batch")
    if epochs > 1 and isinstance(data, Iterator):  # (iter() would draw a shuffle)
        raise TypeError(f"fit: {label} is a one-shot iterator (a generator?), which would be "
                        "empty after the first epoch: pass a DataLoader or a list of batches")
    if not isinstance(data, Iterable):
        raise TypeError(f"fit: {label} must be an iterable of (x, y) batches (a DataLoader or "
                        f"a list), got {type(data).__name__}")
    try:
        empty = len(data) == 0  # type: ignore[arg-type]
    except TypeError:
        return
    if empty and epochs > 0:
        raise ValueError(f"fit: {label} has no batches")


def _scheduling(scheduler: Any, interval: str | None, monitor: str | None,
                val: Any, metrics: Mapping[str, Metric]) -> tuple[str | None, str | None]:
    """When the scheduler steps ("epoch", "batch", or None without one) and the name of the
    value it is given (None: it takes none), checked before training."""
    if scheduler is None:
        if interval is not None or monitor is not None:
            raise ValueError("fit: scheduler_interval and monitor need a scheduler")
        return None, None
    if not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"fit: scheduler needs a step() method, got {type(scheduler).__name__}")
    interval = getattr(scheduler, "interval", "epoch") if interval is None else interval
    if interval not in ("epoch", "batch"):
        raise ValueError(f"fit: scheduler_interval must be 'epoch' or 'batch', got "
                         f"{interval!r:.60}")
    if not _wants_metric(scheduler.step):
        if monitor is not None:
            raise ValueError(f"fit: monitor={monitor!r}, but {type(scheduler).__name__}.step() "
                             "takes no value")
        return interval, None
    if interval == "batch":
        raise ValueError(f"fit: {type(scheduler).__name__} steps on a monitored value, once per "
                         "epoch: scheduler_interval='batch' does not apply")
    names = ["loss", *metrics] + (["val_loss", *(f"val_{m}" for m in metrics)] if val is not
                                  None else [])
    if monitor is None:
        if getattr(scheduler, "mode", "min") == "max":
            raise ValueError(f"fit: {type(scheduler).__name__}(mode='max') waits for a value "
                             "to grow, and would be given the loss: pass monitor= a metric "
                             f"that grows, one of {names}")
        return interval, "val_loss" if val is not None else "loss"
    if monitor not in names:
        raise ValueError(f"fit: monitor={monitor!r} is not recorded; one of {names}")
    return interval, monitor
