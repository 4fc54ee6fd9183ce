"""Containers and reshaping layers: ModuleList, ModuleDict, Flatten and Unflatten.

The containers keep their modules as attributes named by index ("0", "1", ...) or by key, so
``Module``'s member search finds them and parameter names are PyTorch's (``0.weight``,
``layers.block.bias``). ``Identity`` lives in ``nn.activation``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np

from autograd_mini import Tensor, reshape
from autograd_mini.checks import numpy_names

from ._util import as_tensor, check_axis
from .module import _INTERNAL, Module

__all__ = ["Flatten", "ModuleDict", "ModuleList", "Unflatten"]


def _check_module(mod: Any, where: str) -> Module:
    if not isinstance(mod, Module):
        raise TypeError(f"{where}: expected a Module, got {type(mod).__name__}")
    return mod


class ModuleList(Module):
    """A list of modules, registered so that ``parameters()``, ``state_dict()`` and
    ``train()/eval()`` see them; parameter names are ``0.weight``, ``1.bias``, ... (PyTorch's).

    It has no ``forward``: iterate over it in the owner's ``forward``.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _items(self) -> list[Module]:
        return [v for v in vars(self).values() if isinstance(v, Module)]

    def _reset(self, mods: Sequence[Module]) -> None:
        """Store ``mods`` as attributes "0" .. "n-1" in order (indices shift on insert/delete)."""
        for key in [k for k, v in vars(self).items() if isinstance(v, Module)]:
            delattr(self, key)
        for i, mod in enumerate(mods):
            setattr(self, str(i), mod)
        vars(self).pop("_child_names", None)  # the name cache would be stale

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        setattr(self, str(len(self)), _check_module(module, "ModuleList.append"))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of ``modules``; returns self."""
        if isinstance(modules, Module) or not isinstance(modules, Iterable):
            raise TypeError(f"ModuleList.extend: expected an iterable of Modules, got "
                            f"{type(modules).__name__}")
        for mod in list(modules):
            self.append(mod)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (list semantics)."""
        mods = self._items()
        mods.insert(self._index(index, len(mods) + 1, clip=True),
                    _check_module(module, "ModuleList.insert"))
        self._reset(mods)

    def _index(self, index: Any, n: int, clip: bool = False) -> int:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"ModuleList index must be an int or a slice, got {index!r:.60}")
        i = int(index)
        if clip:  # list.insert semantics: out-of-range positions go to either end
            return min(max(i + n - 1 if i < 0 else i, 0), n - 1)
        if not -n <= i < n:
            raise IndexError(f"ModuleList index {i} out of range ({n} modules)")
        return i + n if i < 0 else i

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        mods = self._items()
        if isinstance(index, slice):
            return ModuleList(mods[index])
        return mods[self._index(index, len(mods))]

    def __setitem__(self, index: int, module: Module) -> None:
        mods = self._items()
        setattr(self, str(self._index(index, len(mods))),
                _check_module(module, "ModuleList.__setitem__"))

    def __delitem__(self, index: int | slice) -> None:
        mods = self._items()
        if isinstance(index, slice):
            del mods[index]
        else:
            del mods[self._index(index, len(mods))]
        self._reset(mods)

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[Module]:
        return iter(self._items())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)


class ModuleDict(Module):
    """An ordered mapping of str keys to modules (insertion order), registered so that
    parameter names are ``key.weight`` as in PyTorch. Keys must not contain "." nor be
    empty, and may not shadow the container's own attributes (``keys``, ``training``, ...)."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None
                 = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _dict(self) -> dict[str, Module]:
        return {k: v for k, v in vars(self).items() if isinstance(v, Module)}

    def _check_key(self, key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict: keys must be str, got {type(key).__name__} {key!r:.60}")
        if not key or "." in key:
            raise KeyError(f"ModuleDict: key {key!r} must be non-empty and contain no '.'")
        if key in _INTERNAL or (hasattr(type(self), key)) or (
                key in vars(self) and not isinstance(vars(self)[key], Module)):
            raise KeyError(f"ModuleDict: key {key!r} would shadow an attribute of ModuleDict")
        return key

    def __getitem__(self, key: str) -> Module:
        mods = self._dict()
        if key not in mods:
            raise KeyError(f"ModuleDict has no key {key!r} (keys: {list(mods)})")
        return mods[key]

    def __setitem__(self, key: str, module: Module) -> None:
        setattr(self, self._check_key(key), _check_module(module, "ModuleDict"))

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
        """Remove ``key`` and return its module."""
        mod = self[key]
        delattr(self, key)
        vars(self).pop("_child_names", None)
        return mod

    def clear(self) -> None:
        """Remove every module."""
        for key in self.keys():
            self.pop(key)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
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


class Flatten(Module):
    """Merge axes ``start_axis`` .. ``end_axis`` (inclusive, negatives from the end) into one:
    (2, 3, 4, 5) with the defaults (1, -1) gives (2, 60). PyTorch's Flatten."""

    @numpy_names
    def __init__(self, start_axis: int = 1, end_axis: int = -1) -> None:
        super().__init__()
        self.start_axis = check_axis(start_axis, "Flatten")
        self.end_axis = check_axis(end_axis, "Flatten")

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x, "Flatten")
        n = max(x.ndim, 1)  # a 0-d input flattens to shape (1,), as in PyTorch
        lo, hi = self.start_axis, self.end_axis
        if not (-n <= lo < n and -n <= hi < n):
            raise ValueError(f"Flatten(start_axis={lo}, end_axis={hi}): axes out of range for "
                             f"an input of shape {x.shape}")
        lo, hi = lo % n, hi % n
        if lo > hi:
            raise ValueError(f"Flatten(start_axis={self.start_axis}, end_axis={self.end_axis}): "
                             f"start_axis comes after end_axis for an input of shape {x.shape}")
        if x.ndim == 0:
            return reshape(x, (1,))
        s = x.shape
        return reshape(x, (*s[:lo], math.prod(s[lo:hi + 1]), *s[hi + 1:]))

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"


class Unflatten(Module):
    """Split axis ``axis`` into ``sizes`` (one entry may be -1, inferred): with axis=1 and
    sizes=(3, 4), (2, 12, 5) gives (2, 3, 4, 5). PyTorch's Unflatten."""

    @numpy_names
    def __init__(self, axis: int, sizes: Sequence[int]) -> None:
        super().__init__()
        self.axis = check_axis(axis, "Unflatten")
        if not isinstance(sizes, (tuple, list)) or not sizes:
            raise TypeError(f"Unflatten: sizes must be a non-empty tuple of ints, got "
                            f"{sizes!r:.60}")
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < -1:
                raise ValueError(f"Unflatten: sizes entries must be ints >= 0 or -1, got {sizes}")
        if sum(1 for s in sizes if s == -1) > 1:
            raise ValueError(f"Unflatten: at most one entry of sizes may be -1, got {sizes}")
        self.sizes = tuple(int(s) for s in sizes)

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x, "Unflatten")
        n = x.ndim
        if not -n <= self.axis < n:
            raise ValueError(f"Unflatten(axis={self.axis}): axis out of range for an input of "
                             f"shape {x.shape}")
        ax = self.axis % n
        size, sizes = x.shape[ax], list(self.sizes)
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes:
            if known == 0 or size % known:
                raise ValueError(f"Unflatten(axis={self.axis}, sizes={self.sizes}): cannot "
                                 f"split an axis of size {size} (input shape {x.shape})")
            sizes[sizes.index(-1)] = size // known
        elif known != size:
            raise ValueError(f"Unflatten(axis={self.axis}, sizes={self.sizes}): the sizes "
                             f"multiply to {known}, not the axis' size {size} "
                             f"(input shape {x.shape})")
        return reshape(x, (*x.shape[:ax], *sizes, *x.shape[ax + 1:]))

    def extra_repr(self) -> str:
        return f"axis={self.axis}, sizes={self.sizes}"
