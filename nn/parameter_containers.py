"""ParameterList and ParameterDict: parameters held in a list or a dict, registered so that the
owner's ``parameters()``, ``named_parameters()``, ``state_dict()``, ``to()`` and ``train()``
see them, under PyTorch's keys (``plist.0``, ``pdict.key``).

As ``ModuleList`` and ``ModuleDict``, each keeps its entries as attributes named by position
("0", "1", ...) or by key, so ``Module``'s member scan finds them with no registry of its own:
state dicts load, copies and pickles work, and ``to(np.float32)`` converts them, as for any
parameter. A Tensor or an array given as an entry becomes a ``Parameter`` (a copy of its
values, requiring grad), as PyTorch wraps tensors; a Parameter is kept as it is (tied where it
is held twice), and other objects (None, numbers) are kept as given, as PyTorch's containers
keep them, without being parameters. A list, tuple or dict entry is kept inside a small holder
attribute, so that the member scan (which searches such containers in attributes) does not
register the parameters or modules in it: PyTorch keeps one as a plain attribute too.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar, overload

import numpy as np

from autograd_mini import Tensor

from .members import check_name
from .module import Module
from .parameter import Parameter

__all__ = ["ParameterDict", "ParameterList"]

_List = TypeVar("_List", bound="ParameterList")
_CONTAINERS = (list, tuple, dict)  # (those Module's member scan searches for members)


def _wrap(value: Any, where: str) -> Any:
    """``value`` as an entry: a Tensor (not a Parameter) or an ndarray becomes a Parameter."""
    if isinstance(value, Parameter) or not isinstance(value, (Tensor, np.ndarray)):
        return value
    if np.asarray(value.data if isinstance(value, Tensor) else value).dtype.kind != "f":
        raise TypeError(f"{where}: a Parameter holds floating values (it requires grad), got "
                        f"dtype {value.dtype}")
    return Parameter(value)


class _Plain:
    """A list, tuple or dict entry, out of reach of Module's member scan."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"_Plain({self.value!r:.60})"

    def __reduce__(self) -> tuple[Any, ...]:
        return _Plain, (self.value,)  # (slots: every pickle protocol)


def _store(owner: Module, name: str, value: Any) -> None:
    """Set entry ``name`` of ``owner`` to ``value`` (already wrapped by ``_wrap``)."""
    if isinstance(value, _CONTAINERS):
        if isinstance(vars(owner).get(name), (Parameter, Module)):
            setattr(owner, name, value)  # (Module's refusal, naming the list and the slot)
        value = _Plain(value)
    setattr(owner, name, value)


def _entry(owner: Module, name: str) -> Any:
    """Entry ``name`` of ``owner`` as it was given (a held list unwrapped)."""
    value = getattr(owner, name)
    return value.value if type(value) is _Plain else value


def _no_call(self: Module, *args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(f"{type(self).__name__} should not be called: index it and use its "
                       "parameters in the owner's forward")


class ParameterList(Module):
    """A list of parameters: ``plist[i]``, ``plist[i] = value``, ``append``, ``extend``,
    ``+=``, ``len``, iteration and slices (a new ParameterList of the same parameters), as
    PyTorch's; the owner's state dict holds them as ``plist.0``, ``plist.1``, ...

    Tensors and arrays given become Parameters; ``plist[i] = value`` over a Parameter takes a
    Parameter, a Tensor, an array or None (PyTorch's rule for a parameter slot). As PyTorch's,
    there is no deletion, insertion or slice assignment, and the list cannot be called.
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    __call__ = _no_call

    def _index(self, index: Any, kinds: str = "ints or slices") -> int:
        """``index`` (an int, negatives from the end) as a position in ``range(len(self))``."""
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"ParameterList indices must be {kinds}, got "
                            f"{type(index).__name__} {index!r:.40}")
        n = self._size
        if not -n <= index < n:
            raise IndexError(f"ParameterList index {int(index)} is out of range ({n} entries)")
        return int(index) % n

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self: _List, index: slice) -> _List: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(self[i] for i in range(*index.indices(self._size)))
        return _entry(self, str(self._index(index)))

    def __setitem__(self, index: int, value: Any) -> None:
        """Replace entry ``index``; it keeps its name (``plist.0``). As PyTorch's, a slice
        is refused (the list has a fixed set of named slots)."""
        if isinstance(index, slice):
            raise TypeError("ParameterList does not support slice assignment (nor does "
                            "PyTorch's); assign the entries one by one: plist[i] = value")
        _store(self, str(self._index(index, "ints")), _wrap(value, "ParameterList"))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return iter([_entry(self, str(i)) for i in range(self._size)])

    def append(self: _List, value: Any) -> _List:
        """Add ``value`` at the end, named by its position; returns self."""
        _store(self, str(self._size), _wrap(value, "ParameterList.append"))
        self._size += 1  # (after the assignment: a refused value leaves the list as it was)
        return self

    def extend(self: _List, values: Iterable[Any]) -> _List:
        """Append every element of ``values`` (a list, a ParameterList, ...); returns self. A
        Tensor or an array is refused rather than split into rows, as PyTorch refuses one."""
        if not isinstance(values, Iterable) or isinstance(values, (Tensor, np.ndarray, str)):
            raise TypeError(f"ParameterList.extend: expected an iterable of parameters, got "
                            f"{type(values).__name__}")
        for value in list(values):
            self.append(value)
        return self

    def __iadd__(self: _List, values: Iterable[Any]) -> _List:
        return self.extend(values)

    def extra_repr(self) -> str:
        """The entries that are not Parameters (the tree line shows the parameters)."""
        return ", ".join(f"{i}: {type(v).__name__}" for i, v in enumerate(self)
                         if not isinstance(v, Parameter))


class ParameterDict(Module):
    """An ordered mapping of str keys to parameters, as PyTorch's: ``pdict[key]``, ``pdict[key]
    = value``, ``del``, ``in``, ``len``, iteration over the keys, ``keys``, ``values``,
    ``items``, ``update``, ``pop``, ``popitem``, ``get``, ``setdefault``, ``clear``, ``copy``,
    ``fromkeys``, ``|`` and ``|=`` (with a mapping or pairs; ``dict | pdict`` is a dict, as
    PyTorch's); the owner's state dict holds them as ``pdict.key``.

    Keys are strs without "." that do not name another attribute of the container (``keys``,
    ``training``, ...): ``MemberNameError``, a KeyError, as PyTorch's. A plain dict given to
    the constructor or ``update`` is added in sorted key order, as PyTorch does (so the order
    of ``parameters()`` and of the state dict matches torch's); an ``OrderedDict``, a
    ParameterDict or a sequence of (key, value) pairs keeps its order. A missing key is a
    KeyError (PyTorch raises AttributeError).
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}  # (the order of keys(); the values are unused)
        if parameters is not None:
            self.update(parameters)

    __call__ = _no_call

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str) or key not in self._keys:
            raise KeyError(f"ParameterDict has no key {key!r:.60} (keys: "
                           f"{list(self._keys)!r:.200})")
        return _entry(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self._keys:
            check_name(self, key, "parameter", "ParameterDict")
        _store(self, key, _wrap(value, "ParameterDict"))
        self._keys[key] = None

    def __delitem__(self, key: str) -> None:
        self[key]  # (the KeyError naming the keys)
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def __reversed__(self) -> Iterator[str]:
        return iter(list(reversed(self._keys)))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> list[str]:
        """The keys in insertion order."""
        return list(self._keys)

    def values(self) -> list[Any]:
        """The entries in insertion order."""
        return [_entry(self, k) for k in self._keys]

    def items(self) -> list[tuple[str, Any]]:
        """(key, entry) pairs in insertion order."""
        return [(k, _entry(self, k)) for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        """``self[key]`` if the key is present, else ``default``."""
        return self[key] if key in self._keys else default

    def setdefault(self, key: str, default: Any = None) -> Any:
        """``self[key]``, first set to ``default`` (wrapped as a Parameter) if it is missing."""
        if key not in self._keys:
            self[key] = default
        return self[key]

    def pop(self, key: str) -> Any:
        """Remove ``key`` and return its entry."""
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove the last inserted (key, entry) pair and return it."""
        if not self._keys:
            raise KeyError("ParameterDict.popitem: the dict is empty")
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def clear(self) -> None:
        """Remove every entry."""
        for key in list(self._keys):
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same entries (the same Parameters) in order."""
        return ParameterDict(OrderedDict(self.items()))

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        """A new ParameterDict with ``keys``, each set to ``default`` (as PyTorch's, a method of
        an instance; a Tensor default becomes a Parameter for each key)."""
        return ParameterDict([(k, default) for k in keys])

    def update(self, parameters: Any) -> None:
        """Set each (key, value) of a mapping or of an iterable of pairs (see the class doc
        for the order); every pair is checked for its form before any is set."""
        where = "ParameterDict.update"
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):
            bad = [k for k in parameters if not isinstance(k, str)]
            if bad:
                raise TypeError(f"{where}: keys must be strs, got {bad[0]!r:.60}")
            pairs = sorted(parameters.items(), key=lambda kv: kv[0])
        elif isinstance(parameters, Iterable) and not isinstance(
                parameters, (str, Tensor, np.ndarray)):
            pairs = []
            for j, item in enumerate(parameters):
                if not isinstance(item, (tuple, list)) or len(item) != 2:
                    raise TypeError(f"{where}: element #{j} must be a (key, value) pair, got "
                                    f"{item!r:.60}")
                pairs.append((item[0], item[1]))
        else:
            raise TypeError(f"{where}: expected a mapping or an iterable of (key, value) "
                            f"pairs, got {type(parameters).__name__}")
        for key, value in pairs:
            self[key] = value

    def __or__(self, other: Any) -> ParameterDict:
        """A new ParameterDict: this one's entries, then those of ``other`` (a mapping or an
        iterable of pairs, added as by ``update``; they win on a clash), as PyTorch's."""
        if not isinstance(other, (Mapping, Iterable)):
            return NotImplemented
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other: Any) -> Any:
        """``other | pdict`` for a dict ``other``: a copy of ``other`` (a dict, of its type)
        updated with this one's entries, as PyTorch's."""
        if not isinstance(other, dict):
            return NotImplemented
        out = other.copy()
        out.update(self.items())
        return out

    def __ior__(self, other: Any) -> ParameterDict:
        self.update(other)
        return self

    def extra_repr(self) -> str:
        """The entries that are not Parameters (the tree line shows the parameters)."""
        return ", ".join(f"{k}: {type(v).__name__}" for k, v in self.items()
                         if not isinstance(v, Parameter))
