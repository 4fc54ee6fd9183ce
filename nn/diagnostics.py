"""Training diagnostics: gradient norms, update-to-weight ratios, dead ReLUs, first NaN/inf.

    >>> monitor = GradientMonitor(model)
    >>> with monitor.watch():              # records what every layer returns
    ...     loss = loss_fn(model(x), y)
    >>> loss.backward()
    >>> monitor.step(optimizer)            # snapshot, optimizer.step(), compare
    >>> print(monitor.report())            # a table; .plot() gives a matplotlib Figure
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_mini import Tensor

from .activation import ReLU
from .module import Module

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "GradientMonitor", "GradientReport", "ParamStats", "ReluStats", "update_ratio",
    "update_ratios",
]

_MISSING = object()


def _norm(arr: np.ndarray) -> float:
    """The 2-norm in float64 (inf on overflow, NaN if any entry is NaN), without warnings."""
    with np.errstate(all="ignore"):
        return float(np.sqrt(np.sum(np.square(arr, dtype=np.float64))))


def update_ratio(before: Any, after: Any) -> float:
    """‖after − before‖ / ‖before‖: how far one step moved a weight, relative to its size.

    Around 1e-3 is the usual healthy range; 0 when nothing moved, inf when a zero weight moved.
    """
    b = np.asarray(before.data if isinstance(before, Tensor) else before, dtype=np.float64)
    a = np.asarray(after.data if isinstance(after, Tensor) else after, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"update_ratio: shapes {b.shape} and {a.shape} differ")
    with np.errstate(all="ignore"):
        moved, size = _norm(a - b), _norm(b)
    if size > 0 or math.isnan(size):
        return moved / size
    return 0.0 if moved == 0 else math.inf


@dataclass(frozen=True)
class ParamStats:
    """One parameter: its gradient norm and how much the last optimiser step moved it."""

    name: str
    shape: tuple[int, ...]
    grad_norm: float | None  #: None when the parameter has no gradient
    update_ratio: float | None  #: None before the first ``step``
    finite: bool  #: the values (not the gradient) are all finite


@dataclass(frozen=True)
class ReluStats:
    """One ReLU module: how many of its units output 0 for every example seen."""

    name: str
    units: int
    dead: int

    @property
    def dead_fraction(self) -> float:
        return self.dead / self.units if self.units else 0.0


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "—"
    if x == 0:
        return "0"
    return f"{x:.{digits}e}" if math.isfinite(x) else str(x)


@dataclass
class GradientReport:
    """What a ``GradientMonitor`` saw: per parameter, per ReLU layer, and the first NaN/inf."""

    params: list[ParamStats] = field(default_factory=list)
    relus: list[ReluStats] = field(default_factory=list)
    #: where a non-finite value first appeared ("output of layers.2 (Linear)",
    #: "gradient of layers.0.weight", ...) or None when everything is finite
    first_nonfinite: str | None = None

    def param(self, name: str) -> ParamStats:
        """The row of parameter ``name``."""
        for row in self.params:
            if row.name == name:
                return row
        raise KeyError(f"no parameter {name!r} in the report")

    @property
    def dead_fractions(self) -> dict[str, float]:
        """{ReLU module path: share of dead units}."""
        return {r.name: r.dead_fraction for r in self.relus}

    def format_table(self) -> str:
        """The report as a plain-text table."""
        rows = [("parameter", "shape", "grad norm", "update/weight")]
        for p in self.params:
            name = p.name if p.finite else p.name + " (non-finite!)"
            rows.append((name, str(p.shape), _fmt(p.grad_norm), _fmt(p.update_ratio, 2)))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        if self.relus:
            width = max(len("ReLU layer"), *(len(r.name) for r in self.relus))
            lines += ["", f"{'ReLU layer'.ljust(width)}  dead units"]
            lines += [f"{r.name.ljust(width)}  {r.dead}/{r.units} ({100 * r.dead_fraction:.1f}%)"
                      for r in self.relus]
        lines += ["", "first non-finite: " + (self.first_nonfinite or "none")]
        if self.first_nonfinite:
            lines.append("(run the step under autograd_mini.detect_anomaly() to find the op "
                         "and the line that made it)")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.format_table()

    def plot(self) -> Figure:
        """A matplotlib Figure: gradient norms, update ratios (log scales) and dead ReLUs."""
        from matplotlib.figure import Figure  # lazily: matplotlib is optional

        fig = Figure(figsize=(10, 3.2), layout="constrained")
        ax_g, ax_u, ax_d = fig.subplots(1, 3)
        names = [p.name for p in self.params]
        for ax, values, title in (
            (ax_g, [p.grad_norm for p in self.params], "gradient norm"),
            (ax_u, [p.update_ratio for p in self.params], "update / weight"),
        ):
            shown = [v if v is not None and math.isfinite(v) and v > 0 else np.nan
                     for v in values]
            ax.barh(names, shown, color="#2563eb")
            ax.set_xscale("log")
            ax.set_title(title)
            ax.invert_yaxis()
        ax_u.axvline(1e-3, color="#6b7280", linestyle="--", linewidth=1)
        ax_d.barh([r.name for r in self.relus], [r.dead_fraction for r in self.relus],
                  color="#dc2626")
        ax_d.set_xlim(0, 1)
        ax_d.set_title("dead ReLU units")
        ax_d.invert_yaxis()
        if self.first_nonfinite:
            fig.suptitle(f"first non-finite: {self.first_nonfinite}", color="#dc2626")
        return fig


class GradientMonitor:
    """Diagnostics of a model's training, step by step.

    ``watch()`` wraps a forward pass: every sub-module's output is checked for NaN/inf (the
    first one in execution order is kept) and the outputs of ``nn.ReLU`` modules are recorded
    per unit (every position but the batch axis 0), so ``report()`` can tell which units
    stayed at 0 for every example of the batch (functional ``relu`` calls are not seen).
    ``step(optimizer)`` (or ``before_step()`` / ``after_step()`` around your own update)
    snapshots the parameters and measures ‖Δθ‖ / ‖θ‖. ``report()`` combines these with the
    current gradient norms. Walks are iterative, so deep trees work; while ``watch`` is active
    the watched modules' ``forward`` is wrapped (for every thread using them).
    """

    def __init__(self, model: Module) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"GradientMonitor: expected an nn.Module, got {type(model).__name__}")
        self.model = model
        self._before: dict[str, np.ndarray] | None = None
        self._grad_norms: dict[str, float] = {}
        self._ratios: dict[str, float] = {}
        self._alive: dict[str, np.ndarray] = {}
        self._first_output: str | None = None
        self._bad_before: list[str] = []
        self._stepped = False

    # ------------------------------------------------------------------ forward
    @contextmanager
    def watch(self) -> Iterator[GradientMonitor]:
        """Record the layers' outputs during the forward passes run inside the block."""
        self._alive = {}
        self._first_output = None
        patched: list[tuple[Module, Any]] = []
        try:
            for path, mod in self.model.named_modules():
                own = vars(mod).get("forward", _MISSING)
                vars(mod)["forward"] = self._wrap(path or type(mod).__name__, mod, mod.forward)
                patched.append((mod, own))
            yield self
        finally:
            for mod, own in reversed(patched):
                if own is _MISSING:
                    del vars(mod)["forward"]
                else:
                    vars(mod)["forward"] = own

    def _wrap(self, name: str, mod: Module, forward: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any, **kwargs: Any) -> Any:
            out = forward(*args, **kwargs)
            self._observe(name, mod, out)
            return out

        return watched

    def _observe(self, name: str, mod: Module, out: Any) -> None:
        data = out.data if isinstance(out, Tensor) else out
        if not isinstance(data, np.ndarray) or data.dtype.kind != "f":
            return
        if self._first_output is None and not np.all(np.isfinite(data)):
            self._first_output = f"output of {name} ({type(mod).__name__})"
        if isinstance(mod, ReLU):
            alive = np.any(data > 0, axis=0) if data.ndim > 1 else data > 0
            key, k = name, 1
            while key in self._alive and self._alive[key].shape != alive.shape:
                k += 1  # the same ReLU applied to inputs of another width: its own entry
                key = f"{name}#{k}"
            self._alive[key] = alive | self._alive[key] if key in self._alive else alive

    # ------------------------------------------------------------------ updates
    def before_step(self) -> None:
        """Snapshot the parameters and gradient norms (call just before ``optimizer.step()``)."""
        named = list(self.model.named_parameters())
        self._before = {n: p.data.copy() for n, p in named}
        self._grad_norms = {n: _norm(p.grad.data) for n, p in named if p.grad is not None}
        self._bad_before = [n for n, p in named if not np.all(np.isfinite(p.data))]

    def after_step(self) -> None:
        """Compare the parameters with the snapshot taken by ``before_step``."""
        if self._before is None:
            raise RuntimeError("GradientMonitor.after_step: call before_step() first")
        self._ratios = {n: update_ratio(self._before[n], p.data)
                        for n, p in self.model.named_parameters() if n in self._before}
        self._before = None
        self._stepped = True

    def step(self, optimizer: Any, closure: Callable[[], Any] | None = None) -> Any:
        """``optimizer.step(closure)`` between ``before_step`` and ``after_step``."""
        if not callable(getattr(optimizer, "step", None)):
            raise TypeError(f"GradientMonitor.step: expected an optimizer, got "
                            f"{type(optimizer).__name__}")
        self.before_step()
        result = optimizer.step() if closure is None else optimizer.step(closure)
        self.after_step()
        return result

    # ------------------------------------------------------------------ report
    def report(self) -> GradientReport:
        """The current gradients, the last step's update ratios and the last watched pass."""
        params: list[ParamStats] = []
        bad_now: list[str] = []
        bad_grads: list[str] = []
        for name, p in self.model.named_parameters():
            finite = bool(np.all(np.isfinite(p.data)))
            norm = _norm(p.grad.data) if p.grad is not None else self._grad_norms.get(name)
            if not finite:
                bad_now.append(name)
            if norm is not None and not math.isfinite(norm):
                bad_grads.append(name)
            params.append(ParamStats(name, tuple(p.shape), norm, self._ratios.get(name), finite))
        relus = [ReluStats(n, int(a.size), int(a.size - np.count_nonzero(a)))
                 for n, a in self._alive.items()]
        bad_before = self._bad_before if self._stepped else bad_now
        return GradientReport(params, relus, _first(bad_before, self._first_output, bad_grads,
                                                     bad_now))


def _first(bad_before: list[str], output: str | None, bad_grads: list[str],
           bad_now: list[str]) -> str | None:
    """Where trouble started, earliest cause first: a parameter that already held NaN/inf
    before the last step; the first layer output in execution order; the gradient nearest
    the loss (backward runs from the last parameter to the first, so the last one in forward
    order went bad first); a parameter the last step itself made non-finite."""
    if bad_before:
        return f"value of {bad_before[0]}"
    if output is not None:
        return output
    if bad_grads:
        return f"gradient of {bad_grads[-1]}"
    if bad_now:
        return f"value of {bad_now[0]} (after the last step)"
    return None


def update_ratios(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, float]:
    """``update_ratio`` for every key of ``before`` (e.g. two ``state_dict()`` snapshots)."""
    return {k: update_ratio(v, after[k]) for k, v in before.items()}
