"""Thread-local engine state: grad mode, name scopes, anomaly detection, and the quiet NumPy
context that every op's forward runs in."""

from __future__ import annotations

import contextvars
import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar, overload

import numpy as np

__all__ = ["STATE", "VJP_SCOPE", "AnomalyError", "current_scope", "detect_anomaly", "enable_grad",
           "is_anomaly_enabled", "is_grad_enabled", "name_scope", "no_grad", "set_grad_enabled"]

F = TypeVar("F", bound=Callable[..., Any])

#: The name scope a recorded backward pass (``create_graph=True``) runs in, so drawings can tell
#: its VJP nodes from the forward pass's.
VJP_SCOPE = "backward()"


class Switches:
    """One thread's switches, reached through a single thread-local lookup (``STATE.s``).

    ``quiet`` is a private context in which NumPy ignores floating-point errors: ops run their
    forward with ``quiet.run`` (IEEE results, no warnings) and the caller's own NumPy error
    settings are left untouched.
    """

    __slots__ = ("anomaly", "grad_enabled", "quiet", "scope")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.scope: tuple[str, ...] = ()
        self.quiet = contextvars.copy_context()
        self.quiet.run(np.seterr, all="ignore")


class _State(threading.local):
    def __init__(self) -> None:
        self.s = Switches()  # each new thread starts with grad on, no scope, no anomaly mode


STATE = _State()


class _Switch:
    """Context manager and decorator that sets one switch of this thread for a block; the
    previous value comes back on exit, also when an exception leaves the block."""

    field = ""

    def __init__(self, value: bool) -> None:
        self.value = value
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        s = STATE.s
        self._prev.append(getattr(s, self.field))
        setattr(s, self.field, self.value)

    def __exit__(self, *exc: object) -> None:
        setattr(STATE.s, self.field, self._prev.pop())

    def __call__(self, fn: F) -> F:
        """``fn`` run with the switch set; a generator function with it set each time it runs
        (between two ``yield``s, as PyTorch's decorators), not only when it is created."""
        if inspect.isgeneratorfunction(fn):
            return self._generator(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)(self.value):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _generator(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            gen = fn(*args, **kwargs)
            sent: Any = None
            thrown: BaseException | None = None
            while True:
                with type(self)(self.value):
                    try:
                        item = gen.send(sent) if thrown is None else gen.throw(thrown)
                    except StopIteration as stop:
                        return stop.value
                sent, thrown = None, None
                try:
                    sent = yield item
                except GeneratorExit:
                    with type(self)(self.value):
                        gen.close()
                    raise
                except BaseException as exc:  # thrown in by the caller: into fn, switched
                    thrown = exc

        return wrapper  # type: ignore[return-value]


class _GradMode(_Switch):
    """Grad mode set for a block or a decorated function (``no_grad``, ``enable_grad``)."""

    field = "grad_enabled"


class set_grad_enabled(_GradMode):
    """Record ops (``mode=True``) or not, in this thread. As PyTorch's, it takes effect when
    called, so ``set_grad_enabled(False)`` alone turns recording off; as a context manager the
    mode before the call comes back on exit; as a decorator it applies to each call."""

    def __init__(self, mode: bool = True) -> None:
        if type(mode).__name__ not in ("bool", "bool_"):
            raise TypeError(f"set_grad_enabled: mode must be True or False, got {mode!r}")
        super().__init__(bool(mode))
        s = STATE.s
        self._before, s.grad_enabled = s.grad_enabled, self.value

    def __enter__(self) -> None:
        STATE.s.grad_enabled = self.value

    def __exit__(self, *exc: object) -> None:
        STATE.s.grad_enabled = self._before

    def __call__(self, fn: F) -> F:
        STATE.s.grad_enabled = self._before  # (decorating sets no mode: each call does)
        return _GradMode(self.value)(fn)


@overload
def no_grad() -> _GradMode: ...
@overload
def no_grad(fn: F) -> F: ...
def no_grad(fn: Any = None) -> Any:
    """Record nothing inside: results do not require grad. Usable as ``with no_grad():``,
    ``@no_grad()`` or ``@no_grad`` (as in PyTorch)."""
    return _GradMode(False) if fn is None else _GradMode(False)(fn)


@overload
def enable_grad() -> _GradMode: ...
@overload
def enable_grad(fn: F) -> F: ...
def enable_grad(fn: Any = None) -> Any:
    """Turn recording back on inside a ``no_grad`` block: ``with enable_grad():``,
    ``@enable_grad()`` or ``@enable_grad``."""
    return _GradMode(True) if fn is None else _GradMode(True)(fn)


class detect_anomaly(_Switch):
    """Inside this block (per thread) every op checks its forward value and its gradients.

    The first op that produces NaN or ±inf raises ``AnomalyError`` naming the op and the line of
    user code that created it. Slower: it records a stack summary per op.
    """

    field = "anomaly"

    def __init__(self, mode: bool = True) -> None:
        super().__init__(mode)


def is_grad_enabled() -> bool:
    """True when ops record the graph in this thread."""
    return STATE.s.grad_enabled


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` in this thread."""
    return STATE.s.anomaly


class name_scope:
    """Tag every node created inside with the scope path ``outer/…/name`` (used by draw_graph).

    Scopes nest and are per thread; ``with name_scope(n) as path`` gives the full scope path as
    a tuple.
    """

    __slots__ = ("_name", "_prev")

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope: name must be a non-empty string, got {name!r}")
        self._name = name
        self._prev: list[tuple[str, ...]] = []

    def __enter__(self) -> tuple[str, ...]:
        s = STATE.s
        self._prev.append(s.scope)
        s.scope = (*s.scope, self._name)
        return s.scope

    def __exit__(self, *exc: object) -> None:
        STATE.s.scope = self._prev.pop()


def current_scope() -> tuple[str, ...]:
    """The name-scope path active in this thread (empty tuple when none)."""
    return STATE.s.scope


class AnomalyError(FloatingPointError):
    """A non-finite value appeared inside ``detect_anomaly()``."""
