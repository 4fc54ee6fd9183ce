"""Module: the base class that finds parameters, sub-modules and buffers, walking iteratively."""

from __future__ import annotations

import inspect
import itertools
import os
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Union

import numpy as np

from autograd_mini import Tensor, name_scope
from autograd_mini.tensor import torch_name

from .parameter import Parameter

__all__ = ["HookHandle", "IncompatibleKeys", "Module", "StateDictError"]

Path = Union[str, "os.PathLike[str]"]
Member = Union[Parameter, "Module"]
#: instance attributes the library keeps on every module; never searched for members
_INTERNAL = frozenset({"training", "_buffer_names", "_child_names", "_description",
                       "_transient", "_forward_hooks"})
_CONTAINERS = (list, tuple, dict)


class StateDictError(ValueError):
    """A state dict does not fit the module (missing, unexpected or mis-shaped entries)."""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` skipped: keys the module expected but did not get, and extras."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class _Calls(threading.local):
    """Per-thread stack of (module, dotted path) for the modules whose forward is running."""

    def __init__(self) -> None:
        self.stack: list[tuple[Module, str]] = []


_CALLS = _Calls()


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


def _scope_name(module: Module, name: str, inputs: dict[int, str] | None) -> ScopeName:
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


def _arg_names(module: Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[int, str]:
    """id -> argument name for the unnamed leaf tensors among a call's arguments."""
    found: list[tuple[int | str, Tensor]] = [
        (k, a) for k, a in enumerate(args)
        if isinstance(a, Tensor) and a._node is None and not a.name]
    found += [(key, a) for key, a in kwargs.items()
              if isinstance(a, Tensor) and a._node is None and not a.name]
    if not found:
        return {}
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


def _cast(arr: np.ndarray, dtype: np.dtype) -> np.ndarray | None:
    """``arr`` in ``dtype`` (a new array), or None where a value does not fit: a finite value
    that overflows a float dtype, or one an integer or bool dtype does not hold exactly."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = np.array(arr, dtype=dtype)
        if dtype.kind == "f":
            fits = arr.dtype.kind != "f" or np.array_equal(np.isfinite(out), np.isfinite(arr))
        else:
            fits = bool(np.all(out.astype(arr.dtype) == arr)) and not (
                arr.dtype.kind == "f" and not np.all(np.isfinite(arr)))
    return out if fits else None


def _items(container: Any) -> Iterator[tuple[Any, Any]]:
    return iter(container.items()) if isinstance(container, dict) else enumerate(container)


def _unwind(chain: Any) -> tuple[Any, ...]:
    """The keys of a linked chain ``(... (None, k0), k1) ...)`` in order."""
    keys = []
    while chain is not None:
        chain, key = chain
        keys.append(key)
    return tuple(reversed(keys))


def _members(module: Module) -> Iterator[tuple[str, tuple[Any, ...], Member]]:
    """Parameters and modules held directly by ``module`` as (local name, key path, object).

    Attributes are searched in assignment order and lists, tuples and dicts inside them (to any
    depth, without recursion); an element's name is its index or ``str(key)``: ``layers.0``.
    Key paths are kept as linked chains and spelled out only for members found, so deep
    nesting costs linear time.
    """
    for attr, value in list(vars(module).items()):
        if attr in _INTERNAL:
            continue
        if isinstance(value, (Parameter, Module)):
            yield attr, (attr,), value
        elif isinstance(value, _CONTAINERS) and value:
            seen = {id(value)}
            stack: list[tuple[Any, Iterator[tuple[Any, Any]]]] = [((None, attr), _items(value))]
            while stack:
                chain, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    stack.pop()
                    continue
                key, item = nxt
                if isinstance(item, (Parameter, Module)):
                    keys = (*_unwind(chain), key)
                    yield ".".join(str(k) for k in keys), keys, item
                elif isinstance(item, _CONTAINERS) and item and id(item) not in seen:
                    seen.add(id(item))
                    stack.append(((chain, key), _items(item)))


def _walk(root: Module, named: bool = True, prefix: str = "") -> Iterator[
    tuple[str, Module, list[tuple[str, tuple[Any, ...], Member]]]
]:
    """Every module under ``root`` once, depth first in attribute order (as PyTorch lists them).

    Yields (dotted path, module, its direct members). With ``named=False`` paths are not built
    (they are "" ), which keeps very deep trees linear in time.
    """
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
    seen: set[int] = set()
    stack: list[tuple[str, Module]] = [(prefix, root)]
    while stack:
        path, mod = stack.pop()
        if id(mod) in seen:
            continue
        seen.add(id(mod))
        members = list(_members(mod))
        yield path, mod, members
        for name, _, obj in reversed(members):
            if isinstance(obj, Module) and id(obj) not in seen:
                stack.append(((f"{path}.{name}" if path else name) if named else "", obj))


def _resolve(module: Module, keys: tuple[Any, ...]) -> Any:
    obj: Any = vars(module).get(keys[0])
    for key in keys[1:]:
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            return None
    return obj


class HookHandle:
    """What ``register_forward_hook`` returns: ``remove()`` takes the hook away."""

    _keys = itertools.count()

    def __init__(self, hooks: dict[str, dict[int, Any]], kind: str) -> None:
        self.hooks, self.kind, self.key = hooks, kind, next(HookHandle._keys)

    def remove(self) -> None:
        self.hooks.get(self.kind, {}).pop(self.key, None)
        if not any(self.hooks.values()):
            self.hooks.clear()


def _hooked(module: Module, hooks: dict[str, dict[int, Any]], args: tuple[Any, ...],
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


def _aliases(root: Module, keys: list[Any], targets: Mapping[str, np.ndarray]
             ) -> dict[str, str]:
    """Those of ``keys`` that are further names of a tied parameter or of a buffer of a shared
    module (PyTorch's ``state_dict`` lists every name) -> the name ``state_dict`` keeps. Each
    key is followed from ``root`` along its dotted path, so the cost is the keys' lengths."""
    if not keys:
        return {}
    kept = {id(arr): key for key, arr in targets.items()}  # (an array's id: its kept name)
    out = {}
    for key in keys:
        if isinstance(key, str) and key:
            arr = _follow(root, key.split("."))
            if arr is not None and id(arr) in kept and kept[id(arr)] != key:
                out[key] = kept[id(arr)]
    return out


def _follow(mod: Module, parts: list[str]) -> np.ndarray | None:
    """The array of the parameter or buffer named by ``parts`` (a dotted path) below ``mod``:
    a member's name may hold dots itself (``layers.0`` of a list), so the longest match wins."""
    i = 0
    while i < len(parts):
        members = {name: obj for name, _, obj in _members(mod)}
        width = max((name.count(".") + 1 for name in (*members, *mod._buffer_names)),
                    default=1)  # (the most parts one member name holds: tried longest first)
        for j in range(min(len(parts), i + width), i, -1):
            name = ".".join(parts[i:j])
            obj = members.get(name)
            if j == len(parts) and obj is None and name in mod._buffer_names:
                value = getattr(mod, name, None)
                return None if value is None else _raw(value)
            if isinstance(obj, Parameter) and j == len(parts):
                return obj.data
            if isinstance(obj, Module):
                mod, i = obj, j
                break
        else:
            return None
    return None


def _descendant(root: Module, child: Module) -> tuple[str, tuple[Any, ...]] | None:
    """(dotted path, key paths level by level) of ``child`` among ``root``'s descendants."""
    seen = {id(root)}
    stack: list[tuple[Module, str, tuple[Any, ...]]] = [(root, "", ())]
    while stack:
        mod, path, levels = stack.pop()
        for name, keys, obj in _members(mod):
            if isinstance(obj, Module) and id(obj) not in seen:
                seen.add(id(obj))
                at = (f"{path}.{name}" if path else name, (*levels, keys))
                if obj is child:
                    return at
                stack.append((obj, *at))
    return None


def _resolve_levels(module: Module, levels: tuple[Any, ...]) -> Any:
    """What the key paths ``levels`` lead to from ``module``, one module level at a time."""
    obj: Any = module
    for keys in levels:
        if not isinstance(obj, Module):
            return None
        obj = _resolve(obj, keys)
    return obj


class Module:
    """Base class of layers and models: subclass it, set layers in ``__init__``, write ``forward``.

    Parameters and modules assigned to attributes (directly or inside lists, tuples and dicts)
    are found automatically; ``named_parameters`` gives dotted names such as ``layers.0.weight``
    and lists a shared (tied) parameter once. Calling a module runs ``forward`` inside the
    engine's ``name_scope`` named by the module's path in its caller (``layers.0``; a module
    called on its own uses its class name), so graph drawings show one cluster per layer.
    Every walk is iterative: trees of any depth work.
    """

    training: bool = True
    _buffer_names: Sequence[str] = ()

    def __init__(self) -> None:
        self.training = True

    if TYPE_CHECKING:  # sub-modules and parameters are set dynamically, as in PyTorch

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        stack = _CALLS.stack
        path = ""
        if stack:
            parent, parent_path = stack[-1]
            local = parent._child_name(self)
            if local is not None:
                path = f"{parent_path}.{local}" if parent_path else local
        # what a drawing calls the unnamed leaf tensors passed in (a data batch: "input")
        if len(args) == 1 and not kwargs:
            a = args[0]
            named = ({id(a): "input"} if isinstance(a, Tensor) and a._node is None
                     and not a.name else None)
        else:
            named = _arg_names(self, args, kwargs) or None
        tag = _scope_name(self, path or type(self).__name__, named)
        hooks = vars(self).get("_forward_hooks")
        stack.append((self, path))
        try:
            with name_scope(tag):
                if not hooks:
                    return self.forward(*args, **kwargs)
                return _hooked(self, hooks, args, kwargs)
        finally:
            stack.pop()

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> HookHandle:
        """Call ``hook(module, args)`` before each ``forward``; a result other than None
        replaces the positional arguments (a tuple, or one value). As PyTorch's; returns a
        handle whose ``remove()`` takes the hook away."""
        return self._add_hook("pre", hook)

    def register_forward_hook(self, hook: Callable[..., Any]) -> HookHandle:
        """Call ``hook(module, args, output)`` after each ``forward`` (to read activations);
        a result other than None replaces the output. As PyTorch's; returns a handle whose
        ``remove()`` takes the hook away."""
        return self._add_hook("post", hook)

    def _add_hook(self, kind: str, hook: Callable[..., Any]) -> HookHandle:
        if not callable(hook):
            raise TypeError(f"register_forward_hook: hook must be callable, got "
                            f"{type(hook).__name__}")
        hooks = vars(self).setdefault("_forward_hooks", {})
        handle = HookHandle(hooks, kind)
        hooks.setdefault(kind, {})[handle.key] = hook
        return handle

    def _child_name(self, child: Module) -> str | None:
        """``child``'s name relative to this module (cached, checked on every hit): a member's
        local name, or the dotted path through modules that are not called themselves
        (``layers.0`` of an ``nn.ModuleList``)."""
        cache: dict[int, Any] | None = vars(self).get("_child_names")
        if cache is None:
            cache = {}
            self._child_names = cache
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

    # ------------------------------------------------------------------ buffers
    def register_buffer(self, name: str, value: Any | None, persistent: bool = True) -> None:
        """Keep ``value`` (an array copy, or None) as attribute ``name`` and in ``state_dict``
        (not with ``persistent=False``, as PyTorch: a derived or scratch array, a mask).

        Buffers are state that is not learned, such as BatchNorm's running statistics.
        """
        if not isinstance(persistent, (bool, np.bool_)):
            raise TypeError(f"register_buffer: persistent must be a bool, got {persistent!r:.40}")
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"register_buffer: name must be an identifier, got {name!r}")
        if name in _INTERNAL or isinstance(vars(self).get(name), (Parameter, Module)):
            raise ValueError(f"register_buffer: {name!r} is already used by the module")
        try:
            arr = None if value is None else np.array(_raw(value))
        except (ValueError, TypeError) as exc:
            raise TypeError(f"register_buffer: {name!r} is not an array: {exc}") from None
        if arr is not None and arr.dtype.kind not in "biuf":
            raise TypeError(f"register_buffer: {name!r} must be numeric, got dtype {arr.dtype}")
        names: list[str] | None = vars(self).get("_buffer_names")
        if names is None:
            names = []
            self._buffer_names = names
        if name not in names:
            names.append(name)
        transient: set[str] = vars(self).setdefault("_transient", set())
        if persistent:
            transient.discard(name)
        else:
            transient.add(name)
        setattr(self, name, arr)

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """(dotted name, array) for every buffer that is not None (persistent or not)."""
        for path, mod, _ in _walk(self, True, prefix):
            for name in mod._buffer_names:
                value = getattr(mod, name, None)
                if value is not None:
                    yield (f"{path}.{name}" if path else name), _raw(value)

    def buffers(self) -> Iterator[np.ndarray]:
        """Every buffer array that is not None."""
        for _, value in self.named_buffers():
            yield value

    # ------------------------------------------------------------------ walks
    def named_parameters(self, prefix: str = "", recurse: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, each parameter once (a tied one under its first
        name); with ``recurse=False`` this module's own only, as PyTorch's."""
        seen: set[int] = set()
        for path, _, members in _walk(self, True, prefix):
            for name, _, obj in members:
                if isinstance(obj, Parameter) and id(obj) not in seen:
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

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted path, module) for this module (path ``prefix``) and every descendant once."""
        for path, mod, _ in _walk(self, True, prefix):
            yield path, mod

    def modules(self) -> Iterator[Module]:
        """This module and every descendant once, depth first."""
        for _, mod, _ in _walk(self, False):
            yield mod

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every module, each after its sub-modules (PyTorch's order: so what
        ``fn`` does to a model runs last and wins over what it does to its layers); returns
        self. Iterative; a shared module is visited once."""
        if not callable(fn):
            raise TypeError(f"apply: fn must be callable, got {type(fn).__name__}")
        order: list[Module] = []
        seen = {id(self)}
        stack: list[tuple[Module, bool]] = [(self, False)]
        while stack:
            mod, children_done = stack.pop()
            if children_done:
                order.append(mod)
                continue
            stack.append((mod, True))
            kids = [obj for _, _, obj in _members(mod) if isinstance(obj, Module)]
            for kid in reversed(kids):
                if id(kid) not in seen:
                    seen.add(id(kid))
                    stack.append((kid, False))
        for mod in order:
            fn(mod)
        return self

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Set ``training`` on this module and every descendant; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode): mode must be a bool, got {type(mode).__name__}")
        for mod in self.modules():
            mod.training = mode
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
    def _entries(self) -> Iterator[tuple[str, np.ndarray]]:
        """(key, array of a parameter or buffer) in ``state_dict`` order."""
        seen: set[int] = set()
        for path, mod, members in _walk(self, True):
            for name, _, obj in members:
                if isinstance(obj, Parameter) and id(obj) not in seen:
                    seen.add(id(obj))
                    yield (f"{path}.{name}" if path else name), obj.data
            transient = vars(mod).get("_transient", ())
            for name in mod._buffer_names:
                value = getattr(mod, name, None)
                if value is not None and name not in transient:
                    yield (f"{path}.{name}" if path else name), _raw(value)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Ordered {dotted name: array copy} of every parameter (once) and buffer."""
        return {key: np.array(arr, copy=True) for key, arr in self._entries()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy arrays from ``state_dict`` into the parameters and buffers, cast to their dtype.

        Everything is checked first and nothing changes if a check fails; the one
        ``StateDictError`` lists every problem. ``strict=False`` allows missing and unexpected
        keys (returned) but still refuses mis-shaped or non-numeric entries.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                "load_state_dict: expected a mapping of name -> array, got "
                f"{type(state_dict).__name__}"
            )
        if not isinstance(strict, (bool, np.bool_)):
            raise TypeError(f"load_state_dict: strict must be a bool, got {strict!r:.60}")
        targets = dict(self._entries())
        owners = {f"{path}.{name}" if path else name: (mod, name)  # buffers: where they live
                  for path, mod, _ in _walk(self, True) for name in mod._buffer_names}
        bad: list[str] = []
        aliases = _aliases(self, [k for k in state_dict if k not in targets], targets)
        if aliases:  # PyTorch lists a tied parameter under every name: one value, or refused
            state_dict = dict(state_dict)
            for alias, key in aliases.items():
                value = state_dict.pop(alias)
                if key not in state_dict:
                    state_dict[key] = value
                elif not np.array_equal(np.asarray(_raw(value)),
                                        np.asarray(_raw(state_dict[key]))):
                    bad.append(f"{alias!r}: tied to {key!r} here, but the values differ")
        missing = [k for k in targets if k not in state_dict]
        unexpected = [str(k) for k in state_dict if k not in targets]
        ready: list[tuple[Any, np.ndarray]] = []  # (array to fill, or (module, name) to set)
        for key, dest in targets.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            try:
                arr = np.asarray(value.data if isinstance(value, Tensor) else value)
            except (ValueError, TypeError) as exc:
                bad.append(f"{key!r}: not an array ({exc})")
                continue
            kind = np.asarray(dest).dtype
            if arr.dtype.kind not in "biuf":
                bad.append(f"{key!r}: dtype {arr.dtype} is not numeric")
            elif arr.shape != np.shape(dest):
                bad.append(f"{key!r}: expected shape {np.shape(dest)}, got {arr.shape}")
            elif isinstance(dest, np.ndarray) and not dest.flags.writeable:
                bad.append(f"{key!r}: read-only while a live graph depends on it (run backward "
                           "or drop its outputs first)")
            elif (cast := _cast(arr, kind)) is None:
                bad.append(f"{key!r}: values do not fit its dtype {kind}")
            else:  # a buffer set to a number (not an array) is set anew
                ready.append((dest if isinstance(dest, np.ndarray) else owners[key], cast))
        if bad or (strict and (missing or unexpected)):
            parts = []
            if strict and missing:
                parts.append(f"missing keys {missing}")
            if strict and unexpected:
                parts.append(f"unexpected keys {unexpected}")
            if bad:
                parts.append("mis-shaped or invalid entries [" + "; ".join(bad) + "]")
            raise StateDictError(
                f"load_state_dict into {type(self).__name__}: " + ", ".join(parts)
                + " (nothing was changed)"
            )
        for dest, arr in ready:
            if isinstance(dest, np.ndarray):
                dest[...] = arr
            else:
                setattr(dest[0], dest[1], arr)
        return IncompatibleKeys(missing, unexpected)

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
            if isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "mps", "meta"):
                device = a
            else:
                dtype = a
        if device is not None and str(device).split(":")[0] != "cpu":
            raise RuntimeError(f"to({device!r}): everything runs on the CPU here (NumPy arrays)")
        if dtype is None:
            return self
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"to(): expected a NumPy floating dtype or 'cpu', got "
                            f"{dtype!r:.60}") from None
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
                if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                    setattr(mod, name, value.astype(dt))
        return self

    def cpu(self) -> Module:
        """The module as it is (everything runs on the CPU)."""
        return self

    cuda = torch_name("cuda", "the module as it is: everything runs on the CPU")

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
