"""The name scope a module call opens: which module made a node, for graph drawings."""

from __future__ import annotations

import inspect
import itertools
import threading
from typing import TYPE_CHECKING, Any

from autograd_mini import Tensor

if TYPE_CHECKING:
    from .module import Module

__all__ = ["CALLS", "ScopeName", "arg_names", "scope_name"]


class _Calls(threading.local):
    """Per-thread stack of (module, dotted path) for the modules whose forward is running."""

    def __init__(self) -> None:
        self.stack: list[tuple[Module, str]] = []


#: the running module calls of this thread, innermost last
CALLS = _Calls()


class ScopeName(str):
    """A module call's name scope: the scope name (a ``str``, as ``name_scope`` records it on
    every node) that also tells a drawing which module made it: ``module`` is a short
    description (``Linear(16→16)``, ``ReLU``), ``inputs`` maps ``id`` of each unnamed leaf
    tensor the call received to its argument's name (``input`` when it is the only one),
    ``call`` numbers the calls, so a module called twice in one graph is drawn twice, and
    ``owner`` tells modules apart that share a name (two free-standing ``Linear`` layers)."""

    module: str
    inputs: dict[int, str]
    call: int
    owner: int  # id of the module called


_CALL_SERIAL = itertools.count(1)
_NO_NAMES: dict[int, str] = {}


def scope_name(module: Module, name: str, inputs: dict[int, str] | None) -> ScopeName:
    """The scope name of one call of ``module`` (its description is kept between calls)."""
    what = vars(module).get("_description")
    if what is None:
        cls = type(module).__name__
        n_in, n_out = vars(module).get("in_features"), vars(module).get("out_features")
        ok = type(n_in) is int and type(n_out) is int
        what = vars(module)["_description"] = f"{cls}({n_in}→{n_out})" if ok else cls
    tag = ScopeName(name)
    tag.module, tag.inputs, tag.call = what, inputs or _NO_NAMES, next(_CALL_SERIAL)
    tag.owner = id(module)
    return tag


def arg_names(module: Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[int, str]:
    """id -> argument name for the unnamed leaf tensors among a call's arguments."""
    if len(args) == 1 and not kwargs:  # the common call: one batch
        a = args[0]
        alone = isinstance(a, Tensor) and a.grad_fn is None and not a.name
        return {id(a): "input"} if alone else _NO_NAMES
    found: list[tuple[int | str, Tensor]] = [
        (k, a) for k, a in enumerate(args)
        if isinstance(a, Tensor) and a.grad_fn is None and not a.name]
    found += [(key, a) for key, a in kwargs.items()
              if isinstance(a, Tensor) and a.grad_fn is None and not a.name]
    if not found:
        return _NO_NAMES
    tensors = sum(1 for a in (*args, *kwargs.values()) if isinstance(a, Tensor))
    if tensors == 1:
        return {id(found[0][1]): "input"}
    try:
        params = [p for p in inspect.signature(module.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return {id(a): key if isinstance(key, str) else
            (params[key].name if key < len(params) else f"input{key}") for key, a in found}
