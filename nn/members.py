"""What a module holds: the member scan, the iterative tree walks, and registration.

A module keeps no registries as PyTorch's does: every parameter and sub-module is an
attribute, found by scanning the attributes (``members_of``); buffers are attributes named in
``_buffer_names``. ``ModuleBase``, the base class of ``nn.Module``, holds what reads or
changes that bookkeeping: PyTorch's checks on assignment (``__setattr__``), ``register_*``,
``add_module`` and the ``get_*`` lookups. The walks tell a module by that class, so this file
does not import nn/module.py (which builds on it). Every walk is iterative: trees and nested
containers of any depth work.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Union, cast

import numpy as np

from autograd_mini import Tensor

from .hooks import HOOKS_ATTR
from .parameter import Parameter

if TYPE_CHECKING:
    from .module import Module

__all__ = ["MemberNameError", "ModuleBase", "check_name", "descendant", "members_of",
           "resolve_levels", "walk", "walk_paths"]

Member = Union[Parameter, "Module"]
#: instance attributes the library keeps on every module; never searched for members
_INTERNAL = frozenset({"training", "_buffer_names", "_child_names", "_description",
                       "_transient", HOOKS_ATTR})
_CONTAINERS = (list, tuple, dict)


class MemberNameError(KeyError, ValueError):
    """A member name that is malformed or already taken: the ``KeyError`` PyTorch raises
    (``attribute 'forward' already exists``), and a ``ValueError`` as this library's other
    refusals of a bad argument."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""  # (KeyError's own would quote it)


# ----------------------------------------------------------------------------- the member scan
def _items(container: Any) -> Iterator[tuple[Any, Any]]:
    return iter(container.items()) if isinstance(container, dict) else enumerate(container)


def _unwind(chain: Any) -> tuple[Any, ...]:
    """The keys of a linked chain ``(... (None, k0), k1) ...)`` in order."""
    keys = []
    while chain is not None:
        chain, key = chain
        keys.append(key)
    return tuple(reversed(keys))


def _holds_members(container: Any) -> bool:
    """Whether ``container`` may hold members: one of its elements (a dict's values) is a
    Parameter, a Module or a container. The elements' types are gathered in C (``map(type,
    …)``), so a vocabulary of 200,000 strings costs a fraction of a Python loop over it, and
    no member is ever missed, wherever it sits."""
    values = container.values() if isinstance(container, dict) else container
    return any(issubclass(t, _MEMBER_OR_CONTAINER) for t in set(map(type, values)))


def members_of(module: ModuleBase) -> Iterator[tuple[str, tuple[Any, ...], Member]]:
    """Parameters and modules held directly by ``module`` as (local name, key path, object).

    Attributes are searched in assignment order, and lists, tuples and dicts inside them (to
    any depth, without recursion) that hold a Parameter, a Module or a container: a list of
    strings or a dict of numbers is passed over by its elements' types, gathered in C. An
    element's name is its index
    or ``str(key)``: ``layers.0``. Key paths are kept as linked chains and spelled out only
    for members found, so deep nesting costs linear time.
    """
    for attr, value in list(vars(module).items()):
        if attr in _INTERNAL:
            continue
        if isinstance(value, _MEMBER):
            yield attr, (attr,), cast(Member, value)
        elif isinstance(value, _CONTAINERS) and value and _holds_members(value):
            seen = {id(value)}
            stack: list[tuple[Any, Iterator[tuple[Any, Any]]]] = [((None, attr), _items(value))]
            while stack:
                chain, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    stack.pop()
                    continue
                key, item = nxt
                if isinstance(item, _MEMBER):
                    keys = (*_unwind(chain), key)
                    yield ".".join(str(k) for k in keys), keys, cast(Member, item)
                elif (isinstance(item, _CONTAINERS) and item and id(item) not in seen
                      and _holds_members(item)):
                    seen.add(id(item))
                    stack.append(((chain, key), _items(item)))


Walk = Iterator[tuple[str, "Module", list[tuple[str, tuple[Any, ...], Member]]]]


def walk(root: Module, named: bool = True, prefix: str = "") -> Walk:
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
        members = list(members_of(mod))
        yield path, mod, members
        for name, _, obj in reversed(members):
            if isinstance(obj, ModuleBase) and id(obj) not in seen:
                stack.append(((f"{path}.{name}" if path else name) if named else "",
                              cast("Module", obj)))


def walk_paths(root: Module, prefix: str = "") -> Walk:
    """Every module under ``root`` at every path that reaches it (PyTorch's
    ``remove_duplicate=False``: a shared module and its subtree at each of its names); a
    module that holds one of its ancestors is not entered again (PyTorch would recurse
    forever)."""
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
    on_path: set[int] = set()
    stack: list[tuple[str, Module, bool]] = [(prefix, root, True)]
    while stack:
        path, mod, entering = stack.pop()
        if not entering:
            on_path.discard(id(mod))
            continue
        if id(mod) in on_path:
            continue
        on_path.add(id(mod))
        members = list(members_of(mod))
        yield path, mod, members
        stack.append((path, mod, False))
        for name, _, obj in reversed(members):
            if isinstance(obj, ModuleBase):
                stack.append((f"{path}.{name}" if path else name, cast("Module", obj), True))


# ----------------------------------------------------------------------------- names
def check_name(module: ModuleBase, name: Any, kind: str, where: str) -> str:
    """``name`` if ``module`` may register a ``kind`` ("parameter", "buffer" or "module")
    under it, PyTorch's rules: a non-empty str without ".", not an attribute already unless
    it holds the same kind (re-registering) or, for a parameter or module, None (an empty
    slot: ``Linear(bias=False)`` keeps ``bias = None``). ``where`` starts every message."""
    if not isinstance(name, str):
        raise TypeError(f"{where}: {kind} name must be a str, got {type(name).__name__} "
                        f"{name!r:.40}")
    if "." in name:
        raise MemberNameError(f"{where}: {kind} name can't contain \".\", got {name!r}")
    if not name:
        raise MemberNameError(f'{where}: {kind} name can\'t be empty string ""')
    d = vars(module)
    buffer = name in d.get("_buffer_names", ())
    if name in _INTERNAL:
        free = False
    elif kind == "buffer":
        free = buffer or (name not in d and not hasattr(type(module), name))
    elif name in d:
        cur = d[name]
        free = not buffer and (cur is None or isinstance(
            cur, Parameter if kind == "parameter" else ModuleBase))
    else:
        free = not hasattr(type(module), name)
    if not free:
        raise MemberNameError(f"{where}: attribute {name!r} already exists")
    return name


def _assign(module: ModuleBase, name: str, value: Any, cur: Any) -> None:
    """``Module.__setattr__`` where a member is involved: PyTorch's checks."""
    d = vars(module)
    buffers: list[str] = d.get("_buffer_names") or []
    if isinstance(value, _MEMBER):
        if isinstance(value, ModuleBase) and isinstance(cur, Parameter):
            raise _cannot(module, name, value, "parameter")
        if name in buffers:  # a member takes the name over: no longer a buffer (PyTorch's)
            buffers.remove(name)
            d.get("_transient", set()).discard(name)
        # A member replacing one of its kind, or filling a slot emptied with None (PyTorch
        # keeps such a key in its registry), keeps its place; any other goes last, as
        # PyTorch registers it: the order of parameters() and of the state_dict.
        slots: dict[str, str] = d.get("_slots") or {}
        kind = slots.get(name) if cur is None else None
        if kind == "parameter" and not isinstance(value, Parameter):
            raise _cannot(module, name, value, kind)
        kept = kind is not None or (isinstance(cur, _MEMBER) and (
            isinstance(cur, Parameter) == isinstance(value, Parameter)))
        slots.pop(name, None)
        if name in d and not kept:
            del d[name]
        d.pop("_child_names", None)  # (a module called before it was held: a stale miss)
    elif value is not None and isinstance(cur, Parameter):
        raise _cannot(module, name, value, "parameter")
    elif value is not None and isinstance(cur, ModuleBase):
        raise _cannot(module, name, value, "child module")
    elif value is not None and cur is None and name in d.get("_slots", ()):
        raise _cannot(module, name, value, d["_slots"][name])
    if value is None and isinstance(cur, _MEMBER):  # a slot, as PyTorch's None entries
        empty_slot(module, name, "parameter" if isinstance(cur, Parameter) else "child module")
    elif name in buffers and value is not None and not isinstance(value, Tensor):
        value = _buffer_value(module, name, value, cur)
    # A buffer keeps what it is given: a recurrent state set to a Tensor in forward stays one.
    object.__setattr__(module, name, value)


def _buffer_value(module: ModuleBase, name: str, value: Any, cur: Any) -> Any:
    """What a buffer keeps of ``value``: an ndarray or a number as it is (``total = 0`` then
    ``total += 0.5`` in forward works as Python's); anything else, or an array that is not
    numbers, is refused (PyTorch takes only a tensor, at assignment). So is a number put in
    place of an array of one axis or more (``bn.running_mean = 0.0``), which layers read and
    update as that array; a 0-d one (a count, a total) takes a number, an int where it holds
    integers."""
    number = isinstance(value, (int, float)) or (
        isinstance(value, np.generic) and value.dtype.kind in "biuf")
    if number and isinstance(cur, (np.ndarray, Tensor)) and cur.ndim:
        raise TypeError(f"{type(module).__name__}: cannot assign a number ({value!r:.30}) to "
                        f"buffer {name!r}, which holds an array of shape {cur.shape}; write "
                        f"into it (m.{name}[...] = {value!r:.30}) or assign an array")
    if number and isinstance(cur, (np.ndarray, Tensor)) and cur.dtype.kind in "iu" and (
            isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer))):
        raise TypeError(f"{type(module).__name__}: buffer {name!r} holds an integer (dtype "
                        f"{cur.dtype}, a count): assign an int, got {value!r:.30}")
    if isinstance(value, (int, float)) or (
            isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biuf"):
        return value
    what = f"{value.dtype} array" if isinstance(value, np.ndarray) else type(value).__name__
    raise TypeError(f"{type(module).__name__}: cannot assign a {what} to buffer {name!r}: a "
                    "buffer holds numbers (an array, a Tensor, a number) or None")


def empty_slot(module: ModuleBase, name: str, kind: str) -> None:
    """Remember that member ``name`` (a "parameter" or "child module") holds None: as in
    PyTorch, only its kind (or None) may fill it, and it keeps its place."""
    module.__dict__.setdefault("_slots", {})[name] = kind


def empty_parameters(module: ModuleBase, *names: str) -> None:
    """Mark each of ``names`` that holds None as an empty parameter slot, as a layer built
    without it (``bias=False``) registers it in PyTorch: only a Parameter may fill it."""
    for name in names:
        if name in module.__dict__ and module.__dict__[name] is None:
            empty_slot(module, name, "parameter")


def _cannot(module: ModuleBase, name: str, value: Any, kind: str) -> TypeError:
    want = "Parameter" if kind == "parameter" else "Module"
    hint = (f"; write into {name}.data to change its values, or delete the parameter first"
            if kind == "parameter" and isinstance(value, Tensor) else "")
    return TypeError(f"{type(module).__name__}: cannot assign '{type(value).__name__}' as "
                     f"{kind} {name!r} ({want} or None expected{hint})")


def _lookup(root: ModuleBase, target: Any, where: str, want: str) -> Any:
    """The ``want`` ("Module", "Parameter" or "buffer") at dotted path ``target`` below
    ``root``. A member's name may hold dots itself (``layers.0`` of a list): the longest name
    that matches wins. Raises AttributeError naming the part at fault, as PyTorch's ``get_*``.
    """
    if not isinstance(target, str):
        raise TypeError(f"{type(root).__name__}.{where}: target must be a dotted str, got "
                        f"{type(target).__name__}")
    head = f"{type(root).__name__}.{where}({target!r:.80})"
    parts = target.split(".")
    mod, i = root, 0
    while True:
        found: dict[str, Any] = {}
        for name, _, obj in members_of(mod):
            found.setdefault(name, obj)
        for name in mod._buffer_names:
            found.setdefault(name, getattr(mod, name, None))
        width = max((name.count(".") + 1 for name in found), default=1)
        step: tuple[ModuleBase, int] | None = None
        for j in range(min(len(parts), i + width), i, -1):
            name = ".".join(parts[i:j])
            if name not in found:
                continue
            obj = found[name]
            if j == len(parts):
                if (isinstance(obj, ModuleBase) if want == "Module" else isinstance(
                        obj, Parameter) if want == "Parameter" else name in mod._buffer_names):
                    return obj
                raise AttributeError(f"{head}: {name!r} of {type(mod).__name__} is a "
                                     f"{type(obj).__name__}, not a {want}")
            if isinstance(obj, ModuleBase):
                step = obj, j
                break
        if step is None:
            name = parts[i]
            if name not in found and name not in vars(mod):
                raise AttributeError(f"{head}: {type(mod).__name__} has no attribute {name!r}")
            what = type(found[name] if name in found else vars(mod)[name]).__name__
            kind = want if i == len(parts) - 1 else "Module"
            raise AttributeError(f"{head}: {name!r} of {type(mod).__name__} is a {what}, not "
                                 f"a {kind}")
        mod, i = step


# ----------------------------------------------------------------------------- call names
def _resolve(module: ModuleBase, keys: tuple[Any, ...]) -> Any:
    obj: Any = vars(module).get(keys[0])
    for key in keys[1:]:
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            return None
    return obj


def descendant(root: Module, child: Module) -> tuple[str, tuple[Any, ...]] | None:
    """(dotted path, key paths level by level) of ``child`` among ``root``'s descendants."""
    seen = {id(root)}
    stack: list[tuple[Module, str, tuple[Any, ...]]] = [(root, "", ())]
    while stack:
        mod, path, levels = stack.pop()
        for name, keys, obj in members_of(mod):
            if isinstance(obj, ModuleBase) and id(obj) not in seen:
                seen.add(id(obj))
                at = (f"{path}.{name}" if path else name, (*levels, keys))
                if obj is child:
                    return at
                stack.append((obj, *at))
    return None


def resolve_levels(module: Module, levels: tuple[Any, ...]) -> Any:
    """What the key paths ``levels`` lead to from ``module``, one module level at a time."""
    obj: Any = module
    for keys in levels:
        if not isinstance(obj, ModuleBase):
            return None
        obj = _resolve(obj, keys)
    return obj


class ModuleBase:
    """The base class of ``nn.Module``: its members' registration. Assignments are checked
    as PyTorch's ``__setattr__`` checks them: a name holding a parameter takes a Parameter or
    None (``TypeError`` otherwise), one holding a sub-module a Module or None; a member
    assigned to a buffer's name takes the name over; anything else assigned to a buffer's
    name keeps being the buffer, as given (a state set to a Tensor stays one). A Parameter or
    Module assigned
    to a name that held something else goes after the members already there, as PyTorch
    registers it (``state_dict`` order); one replacing a member of its kind keeps its place.
    """

    _buffer_names: Sequence[str] = ()  # (an instance's own list once it registers a buffer)

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        cur = d.get(name)
        # the common assignment (a number, a cache in forward) costs these four tests only
        if (isinstance(value, _MEMBER) or isinstance(cur, _MEMBER)
                or name in d.get("_buffer_names", ()) or name in d.get("_slots", ())):
            _assign(self, name, value, cur)
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        self.__dict__.get("_slots", {}).pop(name, None)
        names = self.__dict__.get("_buffer_names")
        if names and name in names:  # as PyTorch's: the name is no buffer any more
            names.remove(name)
            self.__dict__.get("_transient", set()).discard(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Set parameter ``name`` to ``param``, or to None (an empty slot, kept as a plain
        None attribute), with PyTorch's checks: ``name`` is a str without "." that is not
        another attribute already (``MemberNameError``, a KeyError)."""
        where = f"{type(self).__name__}.register_parameter"
        check_name(self, name, "parameter", where)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"{where}: cannot assign '{type(param).__name__}' object to "
                            f"parameter {name!r} (Parameter or None required)")
        setattr(self, name, param)
        if param is None:
            empty_slot(self, name, "parameter")

    def add_module(self, name: str, module: Module | None) -> None:
        """Set sub-module ``name`` to ``module`` (or None), with PyTorch's checks: ``name``
        is a str without "." that is not another attribute or a method already
        (``MemberNameError``, a KeyError: ``attribute 'forward' already exists``)."""
        where = f"{type(self).__name__}.add_module"
        if module is not None and not isinstance(module, ModuleBase):
            raise TypeError(f"{where}: {type(module).__name__} is not a Module subclass")
        check_name(self, name, "module", where)
        setattr(self, name, module)
        if module is None:
            empty_slot(self, name, "child module")

    register_module = add_module

    def register_buffer(self, name: str, value: Any | None, persistent: bool = True) -> None:
        """Keep ``value`` (an array copy, or None) as attribute ``name`` and in ``state_dict``
        (not with ``persistent=False``, as PyTorch: a derived or scratch array, a mask).

        Buffers are state that is not learned, such as BatchNorm's running statistics; an
        assignment to the name later keeps it a buffer (a Tensor's array is kept). ``name``
        may not be another attribute already (``MemberNameError``, a KeyError, as PyTorch).
        """
        where = f"{type(self).__name__}.register_buffer"
        if not isinstance(persistent, (bool, np.bool_)):
            raise TypeError(f"{where}: persistent must be a bool, got {persistent!r:.40}")
        check_name(self, name, "buffer", where)
        try:
            arr = None if value is None else np.array(_raw(value))
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{where}: {name!r} is not an array: {exc}") from None
        if arr is not None and arr.dtype.kind not in "biuf":
            raise TypeError(f"{where}: {name!r} must be numeric, got dtype {arr.dtype}")
        names: list[str] | None = vars(self).get("_buffer_names")
        if names is None:
            names = vars(self)["_buffer_names"] = []
        if name not in names:
            names.append(name)
        transient: set[str] = vars(self).setdefault("_transient", set())
        if persistent:
            transient.discard(name)
        else:
            transient.add(name)
        setattr(self, name, arr)

    def get_submodule(self, target: str) -> Module:
        """The module at dotted path ``target`` (``"layers.0"``; ``""``: this module), as
        PyTorch's; AttributeError names the first part that does not lead to a module."""
        return cast("Module", self if target == "" else _lookup(
            self, target, "get_submodule", "Module"))

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target`` (``"layers.0.weight"``), as PyTorch's."""
        return cast(Parameter, _lookup(self, target, "get_parameter", "Parameter"))

    def get_buffer(self, target: str) -> Any:
        """The buffer at dotted path ``target`` (an ndarray, or None for a buffer set to
        None), as PyTorch's."""
        return _lookup(self, target, "get_buffer", "buffer")


_MEMBER = (Parameter, ModuleBase)
_MEMBER_OR_CONTAINER = (*_MEMBER, *_CONTAINERS)


def _raw(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value
