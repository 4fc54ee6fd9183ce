"""Forward hooks and pre-hooks of a ``Module``: registering, removing, and running them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .module import Module

__all__ = ["HookHandle", "add_hook", "run_hooked"]

#: the attribute a module keeps its hooks in: {"pre" | "post": {handle key: hook}}
HOOKS_ATTR = "_forward_hooks"


class HookHandle:
    """What ``register_forward_hook`` returns: ``remove()`` takes the hook away, and so does
    leaving a ``with`` block (``with m.register_forward_hook(h): ...``), as PyTorch's."""

    _keys = itertools.count()

    def __init__(self, hooks: dict[str, dict[int, Any]], kind: str) -> None:
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


def add_hook(module: Module, kind: str, hook: Callable[..., Any], where: str) -> HookHandle:
    """Register ``hook`` on ``module`` as a forward pre-hook (``kind="pre"``) or hook
    (``"post"``); ``where`` names the method called in errors."""
    if not callable(hook):
        raise TypeError(f"{type(module).__name__}.{where}: hook must be callable, got "
                        f"{type(hook).__name__}")
    hooks = vars(module).setdefault(HOOKS_ATTR, {})
    handle = HookHandle(hooks, kind)
    hooks.setdefault(kind, {})[handle.key] = hook
    return handle


def run_hooked(module: Module, hooks: dict[str, dict[int, Any]], args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> Any:
    """``module.forward`` with its forward pre-hooks and hooks, in the order registered."""
    for hook in list(hooks.get("pre", {}).values()):
        new = hook(module, args)
        if new is not None:
            args = new if isinstance(new, tuple) else (new,)
    out = module.forward(*args, **kwargs)
    for hook in list(hooks.get("post", {}).values()):
        new = hook(module, args, out)
        if new is not None:
            out = new
    return out
