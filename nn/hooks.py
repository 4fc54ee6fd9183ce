"""Hooks of a ``Module``: registering and removing them, and running a call with its forward
pre-hooks, forward hooks and (through ``backward_hooks``) full backward hooks, as PyTorch's."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .module import Module

__all__ = ["Hook", "HookHandle", "add_hook", "run_hooked"]

#: the attribute a module keeps its hooks in: {kind: {handle key: Hook}}, where kind is
#: "pre" and "post" (forward), "backward_pre" and "backward" (full backward hooks)
HOOKS_ATTR = "_forward_hooks"


class Hook(NamedTuple):
    """A registered hook and how it is called."""

    fn: Callable[..., Any]
    with_kwargs: bool = False  # forward hooks: also given the call's keyword arguments
    always_call: bool = False  # forward hooks: called even when forward raised


class HookHandle:
    """What ``register_*_hook`` returns: ``remove()`` takes the hook away, and so does
    leaving a ``with`` block (``with m.register_forward_hook(h): ...``), as PyTorch's."""

    _keys = itertools.count()

    def __init__(self, hooks: dict[str, dict[int, Hook]], kind: str) -> None:
        self.hooks, self.kind, self.key = hooks, kind, next(HookHandle._keys)

    def remove(self) -> None:
        """Take the hook away (again: nothing happens)."""
        self.hooks.get(self.kind, {}).pop(self.key, None)
        if not any(self.hooks.values()):
            self.hooks.clear()  # so a module without hooks takes the fast path again

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.remove()


def add_hook(module: Module, kind: str, hook: Callable[..., Any], where: str, *,
             prepend: bool = False, with_kwargs: bool = False,
             always_call: bool = False) -> HookHandle:
    """Register ``hook`` on ``module`` as a ``kind`` of hook (see ``HOOKS_ATTR``), last or,
    with ``prepend``, first; ``where`` names the method called in errors."""
    if not callable(hook):
        raise TypeError(f"{type(module).__name__}.{where}: hook must be callable, got "
                        f"{type(hook).__name__}")
    for name, flag in (("prepend", prepend), ("with_kwargs", with_kwargs),
                       ("always_call", always_call)):
        if not isinstance(flag, bool):
            raise TypeError(f"{type(module).__name__}.{where}: {name} must be a bool, got "
                            f"{type(flag).__name__}")
    hooks = vars(module).setdefault(HOOKS_ATTR, {})
    handle = HookHandle(hooks, kind)
    entry = Hook(hook, with_kwargs, always_call)
    registered = hooks.setdefault(kind, {})
    hooks[kind] = {handle.key: entry, **registered} if prepend else {**registered,
                                                                     handle.key: entry}
    return handle


def run_hooked(module: Module, hooks: dict[str, dict[int, Hook]], args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> Any:
    """``module.forward`` with its hooks, each kind in its order: forward pre-hooks (which
    may replace the arguments), the gate of the inputs for full backward hooks, forward,
    forward hooks (which may replace the output), then the gate of the outputs. Should any
    of them raise, the forward hooks registered with ``always_call`` not yet called are."""
    from .backward_hooks import HookedCall  # (it needs autograd_mini's ops: only when used)

    post = list(hooks.get("post", {}).values())
    done: set[int] = set()
    out = None
    try:
        args, kwargs = _pre_hooked(module, hooks, args, kwargs)
        call = None
        if hooks.get("backward") or hooks.get("backward_pre"):
            call = HookedCall(module, hooks)
            args = call.gate_inputs(args)
        out = module.forward(*args, **kwargs)
        for i, hook in enumerate(post):
            done.add(i)
            new = (hook.fn(module, args, kwargs, out) if hook.with_kwargs else
                   hook.fn(module, args, out))
            if new is not None:
                out = new
    except Exception:
        for i, hook in enumerate(post):  # told of the failure: the output so far, or None
            if hook.always_call and i not in done:
                try:
                    hook.fn(module, args, kwargs, out) if hook.with_kwargs else hook.fn(
                        module, args, out)
                except Exception as exc:  # the first error is the one raised
                    warnings.warn(f"{type(module).__name__}: a forward hook with "
                                  f"always_call=True raised {exc!r}, silenced as the call "
                                  "had raised already", stacklevel=3)
        raise
    return call.gate_outputs(out) if call is not None else out


def _pre_hooked(module: Module, hooks: dict[str, dict[int, Hook]], args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments after the forward pre-hooks."""
    for hook in list(hooks.get("pre", {}).values()):
        if hook.with_kwargs:
            new = hook.fn(module, args, kwargs)
            if new is not None:
                if not (isinstance(new, tuple) and len(new) == 2):
                    raise RuntimeError(f"{type(module).__name__}: a forward pre-hook with "
                                       "with_kwargs=True must return None or a tuple "
                                       f"(new_args, new_kwargs), got {new!r:.80}")
                args, kwargs = new
                args = tuple(args) if isinstance(args, (tuple, list)) else (args,)
        else:
            new = hook.fn(module, args)
            if new is not None:
                args = new if isinstance(new, tuple) else (new,)
    return args, kwargs
