"""Module: the base class of layers and models: calls, walks, modes, state and dtypes.

Members are not kept in registries as in PyTorch: every one is an attribute, found by
scanning the attributes; that scan, the tree walks and registration (PyTorch's checks on
assignment, ``register_*``, ``get_*``) live in ``members`` (``ModuleBase``). Loading a state
dict lives in ``state_dict``, hooks in ``hooks``, call name scopes in ``scopes``.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Union

import numpy as np

from autograd_mini import Tensor, name_scope
from autograd_mini.spellings import DEVICES, torch_name

from .hooks import HOOKS_ATTR, HookHandle, add_hook, run_hooked
from .members import MemberNameError, ModuleBase
from .members import descendant as _descendant
from .members import members_of as _members
from .members import resolve_levels as _resolve_levels
from .members import walk as _walk
from .members import walk_paths as _walk_paths
from .parameter import Parameter
from .scopes import CALLS, ScopeName, arg_names, scope_name

__all__ = ["HookHandle", "IncompatibleKeys", "MemberNameError", "Module", "ScopeName",
           "StateDictError"]

Path = Union[str, "os.PathLike[str]"]


class StateDictError(ValueError):
    """A state dict does not fit the module (missing, unexpected or mis-shaped entries)."""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` skipped: keys the module expected but did not get, and extras."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module(ModuleBase):
    """Base class of layers and models: subclass it, set layers in ``__init__``, write ``forward``.

    Parameters and modules assigned to attributes (directly or inside lists, tuples and dicts,
    to any depth: see ``members.members_of``) are found
    automatically; ``named_parameters`` gives dotted names such as ``layers.0.weight``
    and lists a shared (tied) parameter once. Assignments are checked as in PyTorch: a name
    holding a parameter takes a Parameter or None, one holding a module a Module or None.
    Calling a module runs ``forward`` inside the engine's ``name_scope`` named by the
    module's path in its caller (``layers.0``; a module called on its own uses its class
    name), so graph drawings show one cluster per layer. Every walk is iterative: trees of
    any depth work.
    """

    training: bool = True

    def __init__(self) -> None:
        self.training = True

    if TYPE_CHECKING:  # sub-modules and parameters are set dynamically, as in PyTorch

        def __getattr__(self, name: str) -> Any: ...

    def __getstate__(self) -> dict[str, Any]:
        """What pickle and deepcopy keep: everything but the call-name cache (ids and weak
        references: meaningless in a copy, and a weak reference does not pickle)."""
        state = dict(self.__dict__)
        state.pop("_child_names", None)
        return state

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        stack = CALLS.stack
        path = ""
        if stack:
            parent, parent_path = stack[-1]
            local = parent._child_name(self)
            if local is not None:
                path = f"{parent_path}.{local}" if parent_path else local
        # what a drawing calls the unnamed leaf tensors passed in (a data batch: "input")
        tag = scope_name(self, path or type(self).__name__, arg_names(self, args, kwargs))
        hooks = vars(self).get(HOOKS_ATTR)
        stack.append((self, path))
        try:
            with name_scope(tag):
                if not hooks:
                    return self.forward(*args, **kwargs)
                return run_hooked(self, hooks, args, kwargs)
        finally:
            stack.pop()

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> HookHandle:
        """Call ``hook(module, args)`` before each ``forward``; a result other than None
        replaces the positional arguments (a tuple, or one value). With ``with_kwargs``,
        ``hook(module, args, kwargs)`` returns None or ``(args, kwargs)``; ``prepend`` runs it
        before the hooks registered already. As PyTorch's; returns a handle whose
        ``remove()`` (or the end of a ``with`` block) takes the hook away."""
        return add_hook(self, "pre", hook, "register_forward_pre_hook", prepend=prepend,
                        with_kwargs=with_kwargs)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> HookHandle:
        """Call ``hook(module, args, output)`` after each ``forward`` (to read activations);
        a result other than None replaces the output. With ``with_kwargs``, ``hook(module,
        args, kwargs, output)``; ``prepend`` runs it first; ``always_call`` also calls it
        when ``forward`` (or an earlier hook) raised, with the output so far (None). As
        PyTorch's; returns a handle whose ``remove()`` takes the hook away."""
        return add_hook(self, "post", hook, "register_forward_hook", prepend=prepend,
                        with_kwargs=with_kwargs, always_call=always_call)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any],
                                        prepend: bool = False) -> HookHandle:
        """Call ``hook(module, grad_output)`` when the backward pass has the gradients with
        respect to a call's outputs (a tuple, None for an output no gradient reached); a
        result other than None (a tuple as long) replaces them. As PyTorch's."""
        return add_hook(self, "backward_pre", hook, "register_full_backward_pre_hook",
                        prepend=prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any],
                                    prepend: bool = False) -> HookHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the backward pass has the
        gradients with respect to a call's positional arguments (``grad_input``: None for one
        that is not a tensor, zeros for one that does not require grad) and outputs; a result
        other than None (a
        tuple as long as ``grad_input``) replaces ``grad_input``, which then flows on. When no
        argument requires grad (a first layer's data), it is called with ``grad_input`` all
        None once ``grad_output`` is known. As PyTorch's (``nn/backward_hooks.py``)."""
        return add_hook(self, "backward", hook, "register_full_backward_hook",
                        prepend=prepend)

    def _child_name(self, child: Module) -> str | None:
        """``child``'s name relative to this module (cached, checked on every hit): a member's
        local name, or the dotted path through modules that are not called themselves
        (``layers.0`` of an ``nn.ModuleList``)."""
        cache: dict[int, Any] | None = vars(self).get("_child_names")
        if cache is None:
            cache = vars(self)["_child_names"] = {}
        hit = cache.get(id(child))
        if hit is not None:
            if hit[0] is None and hit[1]() is child:  # not below this module (called, not held)
                return None
            if hit[0] is not None and _resolve_levels(self, hit[1]) is child:
                return str(hit[0])
            cache.clear()  # the tree changed: look again
        if not cache:
            for name, keys, obj in _members(self):
                if isinstance(obj, Module):
                    cache.setdefault(id(obj), (name, (keys,)))
        if id(child) not in cache:
            cache[id(child)] = _descendant(self, child) or (None, weakref.ref(child))
        hit = cache[id(child)]
        return None if hit[0] is None else str(hit[0])

    # ------------------------------------------------------------------ walks
    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, np.ndarray]]:
        """(dotted name, array) for every buffer that is not None (persistent or not); an
        array held twice is listed once unless ``remove_duplicate=False`` (PyTorch's)."""
        seen: set[int] = set()
        for path, mod, _ in _walk(self, True, prefix) if remove_duplicate else _walk_paths(
                self, prefix):
            for name in mod._buffer_names:
                value = getattr(mod, name, None)
                if value is not None and id(value) not in seen:
                    if remove_duplicate:
                        seen.add(id(value))
                    yield (f"{path}.{name}" if path else name), _raw(value)
            if not recurse:
                return

    def buffers(self, recurse: bool = True) -> Iterator[np.ndarray]:
        """Every buffer array that is not None, each once."""
        for _, value in self.named_buffers(recurse=recurse):
            yield value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, each parameter once (a tied one under its first
        name); with ``recurse=False`` this module's own only; with ``remove_duplicate=False``
        under every name, a shared module's at each of its paths (PyTorch's)."""
        seen: set[int] = set()
        for path, _, members in _walk(self, True, prefix) if remove_duplicate else _walk_paths(
                self, prefix):
            for name, _, obj in members:
                if isinstance(obj, Parameter) and id(obj) not in seen:
                    if remove_duplicate:
                        seen.add(id(obj))
                    yield (f"{path}.{name}" if path else name), obj
            if not recurse:
                return

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter once, in ``named_parameters`` order (this module's own only with
        ``recurse=False``)."""
        seen: set[int] = set()
        for _, _, members in _walk(self, False):
            for _, _, obj in members:
                if isinstance(obj, Parameter) and id(obj) not in seen:
                    seen.add(id(obj))
                    yield obj
            if not recurse:
                return

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(local name, module) for the direct sub-modules, each once."""
        seen: set[int] = set()
        for name, _, obj in _members(self):
            if isinstance(obj, Module) and id(obj) not in seen:
                seen.add(id(obj))
                yield name, obj

    def children(self) -> Iterator[Module]:
        """The direct sub-modules, each once."""
        for _, mod in self.named_children():
            yield mod

    def named_modules(self, prefix: str = "", remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, Module]]:
        """(dotted path, module) for this module (path ``prefix``) and every descendant once;
        with ``remove_duplicate=False`` a shared module at each of its paths (PyTorch's)."""
        for path, mod, _ in _walk(self, True, prefix) if remove_duplicate else _walk_paths(
                self, prefix):
            yield path, mod

    def modules(self) -> Iterator[Module]:
        """This module and every descendant once, depth first."""
        for _, mod, _ in _walk(self, False):
            yield mod

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every module once, each after all its sub-modules (PyTorch's order,
        so what ``fn`` does to a model runs last and wins over what it does to its layers;
        PyTorch calls it again on a module met again, this walk does not); returns self."""
        if not callable(fn):
            raise TypeError(f"apply: fn must be callable, got {type(fn).__name__}")
        order: list[Module] = []
        seen: set[int] = set()
        stack: list[tuple[Module, bool]] = [(self, False)]
        while stack:
            mod, children_done = stack.pop()
            if children_done:
                order.append(mod)
                continue
            if id(mod) in seen:  # (met again, or an ancestor it holds: a cycle)
                continue
            seen.add(id(mod))  # when entered, not when first listed: see the next loop
            stack.append((mod, True))
            kids = [obj for _, _, obj in _members(mod) if isinstance(obj, Module)]
            # a kid already listed under a module entered later is listed again here, so it
            # is entered below this module and done before it
            stack.extend((kid, False) for kid in reversed(kids) if id(kid) not in seen)
        for mod in order:
            fn(mod)
        return self

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Set ``training`` on this module and every descendant; returns self. A descendant
        whose class overrides ``train`` is handed its subtree: its ``train(mode)`` is called
        (as PyTorch calls every child's), so its own rule holds (a block keeping its
        BatchNorm in eval mode)."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode): mode must be a bool, got {type(mode).__name__}")
        self.training = mode
        seen = {id(self)}
        stack = [_members(self)]  # depth first in attribute order, PyTorch's call order
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                continue
            obj = nxt[2]
            if not isinstance(obj, Module) or id(obj) in seen:
                continue
            seen.add(id(obj))
            if type(obj).train is not Module.train:
                obj.train(mode)  # (its super().train walks its subtree the same way)
            else:
                obj.training = mode
                stack.append(_members(obj))
        return self

    def eval(self) -> Module:
        """Evaluation mode (``train(False)``): Dropout is off, BatchNorm uses running stats."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's ``.grad`` to None (or, with ``set_to_none=False``, fill it
        with zeros in place), as ``Optimizer.zero_grad`` (see ``Tensor.zero_grad``)."""
        for p in self.parameters():
            p.zero_grad(set_to_none)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turn gradient recording of every parameter on or off (freezing); returns self."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    # ------------------------------------------------------------------ state
    def _entries(self, held: bool = False) -> Iterator[tuple[str, Any]]:
        """(key, array of a parameter or buffer) in ``state_dict`` order; with ``held``, the
        Parameter itself and the buffer as held (a Tensor, or an array)."""
        seen: set[int] = set()
        for path, mod, members in _walk(self, True):
            for name, _, obj in members:
                if isinstance(obj, Parameter) and id(obj) not in seen:
                    seen.add(id(obj))
                    yield (f"{path}.{name}" if path else name), obj if held else obj.data
            transient = vars(mod).get("_transient", ())
            for name in mod._buffer_names:
                value = getattr(mod, name, None)
                if value is not None and name not in transient:
                    yield (f"{path}.{name}" if path else name), value if held else _raw(value)

    def state_dict(self, *, prefix: str = "", keep_vars: bool = False) -> dict[str, Any]:
        """Ordered {dotted name: array copy} of every parameter (once) and buffer, as PyTorch's:
        ``prefix`` goes before every name; ``keep_vars=True`` gives the Parameters themselves
        and the buffers as held (a Tensor, or its array), not copies."""
        if not isinstance(prefix, str):
            raise TypeError(f"state_dict: prefix must be a str, got {prefix!r:.60}")
        if not isinstance(keep_vars, (bool, np.bool_)):
            raise TypeError(f"state_dict: keep_vars must be a bool, got {keep_vars!r:.60}")
        if keep_vars:
            return {prefix + key: value for key, value in self._entries(held=True)}
        return {prefix + key: np.array(arr, copy=True) for key, arr in self._entries()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True
                        ) -> IncompatibleKeys:
        """Copy arrays from ``state_dict`` into the parameters and buffers, cast to their dtype.

        Everything is checked first and nothing changes if a check fails; the one
        ``StateDictError`` lists every problem. ``strict=False`` allows missing and unexpected
        keys (returned) but still refuses mis-shaped or non-numeric entries.
        """
        from .state_dict import load_state_dict

        if not isinstance(state_dict, Mapping):
            hint = (" (to load a file: nn.load(model, path))" if isinstance(
                state_dict, (str, bytes, os.PathLike)) else "")
            raise TypeError("load_state_dict: expected a mapping of name -> array, got "
                            f"{type(state_dict).__name__}{hint}")
        if not isinstance(strict, (bool, np.bool_)):
            raise TypeError(f"load_state_dict: strict must be a bool, got {strict!r:.60}")
        return load_state_dict(self, state_dict, bool(strict), dict(self._entries()))

    def save(self, path: Path) -> None:
        """Write ``state_dict()`` to ``path`` atomically: safetensors with PyTorch's key names,
        or the older ``.npz`` format when ``path`` ends in ``.npz`` (see ``nn.save``)."""
        from .checkpoint import save

        save(self, path)

    def load(self, path: Path, strict: bool = True) -> IncompatibleKeys:
        """Load a safetensors (ours or PyTorch's) or ``.npz`` checkpoint (see ``nn.load``); the
        module is unchanged on error."""
        from .checkpoint import load

        return load(self, path, strict=strict)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr``; subclasses override it."""
        return ""

    def num_parameters(self) -> int:
        """Number of scalar parameters (each shared parameter counted once)."""
        return sum(p.size for p in self.parameters())

    def __repr__(self) -> str:
        from ._repr import module_tree

        return module_tree(self)

    # ------------------------------------------------------------------ dtypes and devices
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """PyTorch's ``to``: a dtype (``np.float32``, ``"float64"``) converts every floating
        parameter (and its ``.grad``) and floating buffer, in place; a device is the CPU
        (``"cpu"`` changes nothing; others raise). Returns self. Build the optimiser after."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keywords {sorted(kwargs)}")
        for a in args:
            text = str(a) if type(a).__name__ == "device" else a  # (a torch.device too)
            if isinstance(text, str) and text.split(":")[0] in DEVICES:
                device = text
            else:
                dtype = a
        if device is not None and str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"to({device!r}): everything runs on the CPU here (NumPy arrays)")
        if dtype is None:
            return self
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"to({dtype!r:.60}): neither a device ('cpu' is the one device "
                            "here) nor a NumPy floating dtype") from None
        if dt.kind != "f":
            raise TypeError(f"to(): parameters must stay floating, got dtype {dt}")
        for p in self.parameters():
            if p.data.dtype != dt:
                p.data = p.data.astype(dt)  # (order "K": a column-major weight stays so)
                if p.grad is not None:
                    p.grad = p.grad.data.astype(dt)
        for _, mod, _ in _walk(self, False):
            for name in mod._buffer_names:
                value = getattr(mod, name, None)
                if isinstance(value, Tensor) and value.dtype.kind == "f":
                    value.data = value.data.astype(dt)  # (a state kept as a Tensor)
                elif isinstance(value, np.ndarray) and value.dtype.kind == "f":
                    setattr(mod, name, value.astype(dt))
        return self

    def cpu(self) -> Module:
        """The module as it is (everything runs on the CPU)."""
        return self

    cuda = torch_name("cuda", "the module as it is: everything runs on the CPU")
    register_backward_hook = torch_name(  # (deprecated in PyTorch: wrong for most modules)
        "register_backward_hook", "register_full_backward_hook(hook), which PyTorch also "
        "advises: hook(module, grad_input, grad_output) with the gradients of the call's "
        "inputs and outputs")

    def double(self) -> Module:
        """``to(np.float64)``."""
        return self.to(np.float64)

    def half(self) -> Module:
        """``to(np.float16)``."""
        return self.to(np.float16)

    # (last in the class body: from here on, `float` in it would name the method)
    def float(self) -> Module:
        """``to(np.float32)``."""
        return self.to(np.float32)


def _raw(value: Any) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else value
