"""Read-only locks on the leaf arrays a live graph depends on.

An op output that some node saves (a VJP reads it, or a view shares its memory) is made
read-only for good when it is saved. A leaf's array — a parameter, an input batch, a constant —
is locked while some live node has saved it (or holds a view of it), and unlocked when the last
such node is freed by ``backward`` or garbage-collected. So an in-place change that would make
a gradient silently wrong (``w.data += 1`` between forward and backward) raises NumPy's
"assignment destination is read-only" instead. Locks are counted per array, so two graphs
sharing a parameter keep it locked until both are gone.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

__all__ = ["FROZEN", "LOCKS", "is_locked", "lock_leaves", "unlock"]

# id(array) -> [array, count]; holding the array keeps its id valid while it is locked
LOCKS: dict[int, list[Any]] = {}
# ids of arrays that are read-only for good and kept alive by their owner (the cache of
# constants): saving one needs no lock, and checking this set is cheaper than their flags
FROZEN: set[int] = set()
# Re-entrant: the cyclic garbage collector may free a locking node (and so call ``unlock``) in
# the middle of ``lock_leaves`` or ``unlock`` in the same thread. Such nested calls are
# deferred and run by the outer call before it lets go, so LOCKS is changed by one at a time.
_MUTEX = threading.RLock()


class _Inside(threading.local):
    on = False  # this thread is inside lock_leaves or unlock


_INSIDE = _Inside()
_DEFERRED: list[list[np.ndarray]] = []


def _enter() -> None:
    """Take the mutex and mark this thread inside (``lock_leaves``; ``unlock`` checks first)."""
    _MUTEX.acquire()
    _INSIDE.on = True


def _leave() -> None:
    """Run the unlocks deferred meanwhile, then let go (the mutex is held, ``_INSIDE.on``)."""
    try:
        while _DEFERRED:
            _unlock(_DEFERRED.pop())
    finally:
        _INSIDE.on = False
        _MUTEX.release()


def lock_leaves(args: tuple[Any, ...], saved: tuple[Any, ...]) -> list[np.ndarray] | None:
    """Make the writeable arrays of leaf tensors in ``args`` read-only where ``saved`` holds
    them (None: not saved), and the arrays they are views of (a view is only safe if its
    bases are); returns what was locked."""
    held: list[np.ndarray] = []
    _enter()
    try:
        for i, kept in enumerate(saved):  # ``saved`` is as long as ``args``
            t = args[i]
            if kept is None or t._node is not None:
                continue
            arr = t.data
            while isinstance(arr, np.ndarray):
                entry = LOCKS.get(id(arr))
                if entry is not None:
                    entry[1] += 1
                    held.append(arr)
                elif arr.flags.writeable:
                    arr.setflags(False)  # type: ignore[call-arg]  # positional is fastest
                    LOCKS[id(arr)] = [arr, 1]
                    held.append(arr)
                # else: read-only already, and not by us: nothing to give back
                arr = arr.base
    finally:
        _leave()
    return held or None


def unlock(held: list[np.ndarray]) -> None:
    """Give back locks taken by ``lock_leaves``; an array becomes writeable at its last unlock."""
    _MUTEX.acquire()
    if _INSIDE.on:  # called by the collector inside one of ours: the outer call runs it
        _DEFERRED.append(held)
        _MUTEX.release()
        return
    _INSIDE.on = True
    try:
        _unlock(held)
    finally:
        _leave()


def _unlock(held: list[np.ndarray]) -> None:
    for arr in held:
        entry = LOCKS.get(id(arr))
        if entry is None:
            continue
        entry[1] -= 1
        if entry[1] == 0:
            del LOCKS[id(arr)]
            try:  # noqa: SIM105  (a try is cheaper than entering suppress() per unlock)
                arr.setflags(True)  # type: ignore[call-arg]
            except ValueError:  # its base became read-only meanwhile: leave it so
                pass


def is_locked(arr: np.ndarray) -> bool:
    """True while some live graph holds ``arr`` read-only."""
    return id(arr) in LOCKS and LOCKS[id(arr)][0] is arr
