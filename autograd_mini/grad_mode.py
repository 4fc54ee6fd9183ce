"""Thread-local engine state: grad mode, name scopes and anomaly detection switches."""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "current_scope",
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "name_scope",
    "no_grad",
    "set_grad_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])


class Switches:
    """One thread's switches: grad mode, name scope, anomaly mode and the quiet NumPy context.

    A plain object reached through one thread-local lookup (``STATE.s``): the hot path reads
    several switches per op, and slot reads are cheaper than thread-local attribute lookups.
    """

    __slots__ = ("anomaly", "grad_enabled", "quiet", "scope")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.scope: tuple[str, ...] = ()
        self.anomaly = False
        self.quiet = _quiet_context()


class _State(threading.local):
    """Per-thread state; each new thread starts with grad on, no scope, no anomaly mode."""

    def __init__(self) -> None:
        self.s = Switches()


def _quiet_context() -> contextvars.Context:
    """A private context in which NumPy ignores floating-point errors (IEEE results, no warnings).

    Ops run their forward inside it with ``Context.run`` — far cheaper per op than entering
    ``np.errstate`` — and the caller's own NumPy error settings are left untouched.
    """
    import numpy as np

    ctx = contextvars.copy_context()
    ctx.run(np.seterr, all="ignore")
    return ctx


STATE = _State()


def is_grad_enabled() -> bool:
    """True when ops record the graph in this thread."""
    return STATE.s.grad_enabled


class set_grad_enabled:
    """Context manager and decorator that sets grad mode to ``mode`` in this thread.

    The previous mode is restored on exit, also when an exception leaves the block.
    """

    def __init__(self, mode: bool = True) -> None:
        if type(mode).__name__ not in ("bool", "bool_"):
            raise TypeError(f"set_grad_enabled: mode must be True or False, got {mode!r}")
        self.mode = bool(mode)
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(STATE.s.grad_enabled)
        STATE.s.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        STATE.s.grad_enabled = self._prev.pop()

    def __call__(self, fn: F) -> F:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(set_grad_enabled):
    """Record nothing inside: results do not require grad. Usable as ``with`` or ``@no_grad()``."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Turn recording back on inside a ``no_grad`` block (context manager or decorator)."""

    def __init__(self) -> None:
        super().__init__(True)


class name_scope:
    """Tag every node created inside with the scope path ``outer/…/name`` (used by draw_graph).

    Scopes nest and are per thread; ``with name_scope(n) as path`` gives the full scope path as
    a tuple. A plain class rather than a generator: every module call enters one.
    """

    __slots__ = ("_name", "_prev", "_switches")

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope: name must be a non-empty string, got {name!r}")
        self._name = name
        self._prev: list[tuple[str, ...]] = []

    def __enter__(self) -> tuple[str, ...]:
        s = self._switches = STATE.s
        self._prev.append(s.scope)
        s.scope = (*s.scope, self._name)
        return s.scope

    def __exit__(self, *exc: object) -> None:
        self._switches.scope = self._prev.pop()


def current_scope() -> tuple[str, ...]:
    """The name-scope path active in this thread (empty tuple when none)."""
    return STATE.s.scope


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` in this thread."""
    return STATE.s.anomaly


class detect_anomaly:
    """Inside this block (per thread) every op checks its forward value and its gradients.

    The first op that produces NaN or ±inf raises ``AnomalyError`` naming the op and the line of
    user code that created it. Slower: it records a stack summary per op.
    """

    def __init__(self) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(STATE.s.anomaly)
        STATE.s.anomaly = True

    def __exit__(self, *exc: object) -> None:
        STATE.s.anomaly = self._prev.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
