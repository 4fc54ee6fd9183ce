"""Containers: Sequential, ModuleList and ModuleDict.

The containers keep their modules as attributes named by position ("0", "1", ...) or by key,
so ``Module``'s member search finds them and parameter names are PyTorch's (``0.weight``,
``layers.block.bias``). Sequential and ModuleList share their list API (``_Ordered``), with
PyTorch's numbering: after a deletion or an insertion the modules are "0" .. "n-1" again.
An entry may be None, as in PyTorch (``c[0] = None``, ``add_module("k", None)``): an empty
child-module slot (nn/members.py) that keeps its name and place, counts in ``len``, is
yielded by iteration and indexing, and is skipped by ``children()``, ``parameters()`` and
the state dict. ``Identity`` lives in ``nn.activation``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

import numpy as np

from .members import check_name, empty_slot
from .module import Module

__all__ = ["ModuleDict", "ModuleList", "Sequential"]

_Self = TypeVar("_Self", bound="_Ordered")


def _check_module(mod: Any, where: str, none_ok: bool = False) -> Any:
    if not (isinstance(mod, Module) or (none_ok and mod is None)):
        also = " (or None: an empty entry)" if none_ok else ""
        raise TypeError(f"{where}: expected a Module, got {type(mod).__name__}{also}")
    return mod


def _entries(container: Module) -> list[tuple[str, Any]]:
    """(name, module or None) of every entry in order: an attribute holding a Module, or
    holding None as an emptied child-module slot (PyTorch's None entries in ``_modules``)."""
    d = vars(container)
    slots = d.get("_slots") or {}
    return [(k, v) for k, v in d.items() if isinstance(v, Module)
            or (v is None and slots.get(k) == "child module")]


def _put(container: Module, name: str, mod: Module | None) -> None:
    """Set entry ``name`` to ``mod``; None makes (or keeps) an empty child-module slot."""
    setattr(container, name, mod)
    if mod is None:
        empty_slot(container, name, "child module")


class _Ordered(Module):
    """Modules in order, kept as attributes (every Module attribute is one of them, and every
    None child-module slot); the list API that ModuleList and Sequential share, with
    PyTorch's semantics."""

    def _named(self) -> list[tuple[str, Any]]:
        return _entries(self)

    def _items(self) -> list[Any]:
        return [v for _, v in _entries(self)]

    def _renumber(self, mods: Sequence[Module | None]) -> None:
        """Keep ``mods`` as attributes "0" .. "n-1" in order, as PyTorch renumbers after a
        deletion or an insertion (a name from a dict goes too; a None entry stays one)."""
        for key, _ in self._named():
            delattr(self, key)
        for i, mod in enumerate(mods):
            _put(self, str(i), mod)

    def _index(self, index: Any, n: int) -> int:
        """``index`` (an int, negatives from the end) as a position in ``range(n)``."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"{type(self).__name__} index must be an int or a slice, got "
                            f"{index!r:.60}")
        i = int(index)
        if not -n <= i < n:
            raise IndexError(f"{type(self).__name__} index {i} out of range ({n} modules)")
        return i + n if i < 0 else i

    def _insert(self, index: Any, module: Module | None, clip: bool) -> None:
        """Insert before ``index``: out-of-range positions go to either end with ``clip``
        (``list.insert``; None may be inserted, as PyTorch's ``ModuleList.insert``), else
        raise (PyTorch's ``Sequential.insert``, which refuses None)."""
        where = f"{type(self).__name__}.insert"
        mods = self._items()
        n = len(mods)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"{where}: index must be an int, got {index!r:.60}")
        i = int(index)
        if not clip and not -n <= i <= n:
            raise IndexError(f"{where}: index {i} out of range for {n} modules")
        mods.insert(i, _check_module(module, where, none_ok=clip))
        self._renumber(mods)

    def __len__(self) -> int:
        return len(self._items())

    # (typed as PyTorch's: a None entry, which only an explicit None assignment makes,
    # is yielded as None)
    def __iter__(self) -> Iterator[Module]:
        return iter(self._items())

    def __setitem__(self, index: int, module: Module | None) -> None:
        """Replace the module at ``index`` (None: an empty entry); it keeps the name
        (PyTorch's)."""
        named = self._named()
        name = named[self._index(index, len(named))][0]
        _put(self, name, _check_module(module, f"{type(self).__name__}.__setitem__", True))

    def __delitem__(self, index: int | slice) -> None:
        mods = self._items()
        if isinstance(index, slice):
            del mods[index]
        else:
            del mods[self._index(index, len(mods))]
        self._renumber(mods)

    def pop(self, index: int | slice = -1) -> Any:
        """Remove the module at ``index`` (a slice: those modules, as ``self[index]`` gives
        them) and return it; the rest are renumbered, as PyTorch's."""
        out = self[index]  # type: ignore[index]
        del self[index]
        return out

    def append(self: _Self, module: Module | None) -> _Self:
        """Add ``module`` (or None, as PyTorch allows) at the end, named by its position
        ``str(len(self))``, None entries counted; returns self."""
        where = f"{type(self).__name__}.append"
        name = str(len(self))
        _check_module(module, where, none_ok=True)
        if name in vars(self):
            # e.g. [1:] of a Sequential of three holds "1" and "2", or add_module("3", m)
            # came before position 3 was reached: PyTorch silently replaces that entry;
            # losing a layer is worse than an error
            taken = vars(self)[name]
            raise ValueError(f"{where}: the new module's name {name!r} (its position) is "
                             f"already taken by {type(taken).__name__} (a Sequential slice "
                             "keeps its names, add_module takes any); give the modules their "
                             "names explicitly instead (a dict, or add_module)")
        _put(self, name, module)
        return self

    def extend(self: _Self, modules: Iterable[Module | None]) -> _Self:
        """Append every module of ``modules`` (a list, a ModuleList, a Sequential, ...; None
        entries too); returns self."""
        if not isinstance(modules, Iterable):
            raise TypeError(f"{type(self).__name__}.extend: expected an iterable of Modules, "
                            f"got {type(modules).__name__}")
        for mod in list(modules):
            self.append(mod)
        return self

    def __iadd__(self: _Self, modules: Iterable[Module | None]) -> _Self:
        return self.extend(modules)


class Sequential(_Ordered):
    """Modules applied in order: ``Sequential(a, b, c)(x) = c(b(a(x)))``.

    The modules are named "0", "1", ... (parameters ``0.weight``, as in PyTorch), or by the
    keys of a single dict argument (which may not name another attribute: ``forward``,
    ``training``, ...; ``MemberNameError``, a KeyError, as PyTorch). ``s[i]`` is a module; a
    slice ``s[1:]`` is a Sequential of the same modules under their names (``1.weight``), as
    PyTorch's. ``append``, ``extend``, ``insert``, ``pop``, ``s[i] = m`` and ``del s[i]`` work
    as PyTorch's (after ``insert``, ``pop`` or ``del`` the modules are "0" .. "n-1"), and so
    do ``a + b`` (a new Sequential of both) and ``a * 3``, ``3 * a``, ``a *= 3`` (the same
    modules repeated: their parameters are shared, so the ``repr`` shows each module once and
    the state dict keeps its parameters under their first names). An entry
    may be None (``s[1] = None``; not through ``insert``, as PyTorch's); calling the
    Sequential then raises a TypeError naming it.
    """

    def __init__(self, *modules: Module | Mapping[str, Module | None] | None) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, mod in modules[0].items():
                check_name(self, name, "module", "Sequential")
                self._add(name, mod)
        else:
            for item in modules:
                self._add(str(len(self)), item)

    def _add(self, name: str, mod: Any) -> None:
        if not (mod is None or isinstance(mod, Module)):
            raise TypeError(f"Sequential: expected Modules, got {type(mod).__name__}")
        _put(self, name, mod)

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` (``-len`` .. ``len``, else IndexError,
        as PyTorch's); the modules are then "0" .. "n"; returns self."""
        self._insert(index, module, clip=False)
        return self

    def forward(self, x: Any) -> Any:
        for name, mod in self._named():
            if mod is None:
                raise TypeError(f"Sequential: entry {name!r} is None and cannot be called; "
                                f"put a module there, or delete the entry (del seq[i])")
            x = mod(x)
        return x

    def __add__(self, other: Sequential) -> Sequential:
        """A new Sequential of this one's modules, then ``other``'s (the same objects),
        named "0" .. "n-1", as PyTorch's (which takes only a Sequential)."""
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential + {type(other).__name__}: add takes only a "
                             "Sequential (extend or += take any iterable of modules)")
        return Sequential(*self._items(), *other._items())

    def __mul__(self, times: int) -> Sequential:
        """A new Sequential of this one's modules ``times`` times over (the same objects,
        so their parameters are shared), as PyTorch's."""
        return Sequential(*(self._items() * _times(times, "*")))

    __rmul__ = __mul__

    def __imul__(self, times: int) -> Sequential:
        """Repeat the modules ``times`` times over, in place; returns self."""
        return self.extend(self._items() * (_times(times, "*=") - 1))

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> Sequential: ...

    def __getitem__(self, index: int | slice) -> Module | Sequential:
        if isinstance(index, slice):
            # the modules keep their names, so s[2:].state_dict() has PyTorch's keys
            # ("2.weight", or "dec.weight" for a named one), not "0.weight"
            return Sequential(dict(self._named()[index]))
        layers = self._items()
        return layers[self._index(index, len(layers))]


def _times(times: Any, op: str) -> int:
    """``times`` for ``Sequential * times``: an int ≥ 1 (TypeError, ValueError, as PyTorch)."""
    if isinstance(times, bool) or not isinstance(times, (int, np.integer)):
        raise TypeError(f"Sequential {op} {type(times).__name__}: the count must be an int")
    if times <= 0:
        raise ValueError(f"Sequential {op} {times}: the count must be a positive int")
    return int(times)


class ModuleList(_Ordered):
    """A list of modules, registered so that ``parameters()``, ``state_dict()`` and
    ``train()/eval()`` see them; parameter names are ``0.weight``, ``1.bias``, ... (PyTorch's).

    It has no ``forward``: iterate over it in the owner's ``forward``. ``insert`` follows
    ``list.insert`` (PyTorch's breaks on a negative or too large index). Entries may be None
    (``ml.append(None)``, ``ml[0] = None``), as in PyTorch.
    """

    def __init__(self, modules: Iterable[Module | None] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def insert(self, index: int, module: Module | None) -> None:
        """Insert ``module`` (or None) before position ``index`` (list semantics)."""
        self._insert(index, module, clip=True)

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        mods = self._items()
        if isinstance(index, slice):
            return ModuleList(mods[index])
        return mods[self._index(index, len(mods))]

    def __add__(self, other: Iterable[Module | None]) -> ModuleList:
        """A new ModuleList of this one's modules, then ``other``'s (a ModuleList or any
        iterable of modules; the same objects), as PyTorch's."""
        if isinstance(other, (str, bytes)) or not hasattr(other, "__iter__"):
            return NotImplemented
        return ModuleList([*self._items(), *(other._items() if isinstance(other, ModuleList)
                                             else other)])


class ModuleDict(Module):
    """An ordered mapping of str keys to modules (insertion order), registered so that
    parameter names are ``key.weight`` as in PyTorch. Keys must not contain "." nor be
    empty, and may not name another attribute of the container (``keys``, ``training``,
    ...): ``MemberNameError``, a KeyError, as PyTorch's. A value may be None (``md[k] =
    None``), as in PyTorch: the key stays (``len``, ``keys``, ``md[k]`` is None) but holds no
    parameters."""

    def __init__(self, modules: Mapping[str, Module | None] | Iterable[tuple[str, Module | None]]
                 | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _dict(self) -> dict[str, Any]:
        return dict(_entries(self))

    def __getitem__(self, key: str) -> Module:
        mods = self._dict()
        if key not in mods:
            raise KeyError(f"ModuleDict has no key {key!r} (keys: {list(mods)})")
        return mods[key]

    def __setitem__(self, key: str, module: Module | None) -> None:
        module = _check_module(module, "ModuleDict", none_ok=True)
        _put(self, check_name(self, key, "module", "ModuleDict"), module)

    def __delitem__(self, key: str) -> None:
        self.pop(key)

    def __len__(self) -> int:
        return len(self._dict())

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __contains__(self, key: object) -> bool:
        return key in self._dict()

    def keys(self) -> list[str]:
        """The keys in insertion order."""
        return list(self._dict())

    def values(self) -> list[Module]:
        """The modules in insertion order."""
        return list(self._dict().values())

    def items(self) -> list[tuple[str, Module]]:
        """(key, module) pairs in insertion order."""
        return list(self._dict().items())

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module (None for a None entry)."""
        mod = self[key]
        delattr(self, key)
        return mod

    def clear(self) -> None:
        """Remove every module."""
        for key in self.keys():
            self.pop(key)

    def update(self, modules: Mapping[str, Module | None] | Iterable[tuple[str, Module | None]]
               ) -> None:
        """Set each (key, module) of a mapping or of an iterable of pairs."""
        if isinstance(modules, (Mapping, ModuleDict)):
            pairs = list(modules.items())
        elif isinstance(modules, Iterable) and not isinstance(modules, (str, Module)):
            pairs = []
            for item in modules:
                if not isinstance(item, (tuple, list)) or len(item) != 2:
                    raise TypeError(f"ModuleDict.update: expected (key, module) pairs, got "
                                    f"{item!r:.60}")
                pairs.append((item[0], item[1]))
        else:
            raise TypeError(f"ModuleDict.update: expected a mapping or (key, module) pairs, "
                            f"got {type(modules).__name__}")
        for key, mod in pairs:
            self[key] = mod
