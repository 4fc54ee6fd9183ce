"""The default random generator: ``manual_seed(n)`` makes every draw that is given no ``rng=``
(random tensors, ``nn.init``, layer construction, dropout, DataLoader shuffling) repeatable.

Everything that is given no ``rng=`` looks the default generator up when it draws, never when it
is constructed or imported: as with ``torch.manual_seed``, seeding after building a model, a
Dropout or a DataLoader still fixes the numbers they draw next.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import numpy as np

__all__ = ["check_rng", "default_generator", "get_rng_state", "manual_seed", "set_rng_state"]

_LOCK = threading.Lock()
_DEFAULT = [np.random.default_rng()]  # a list so manual_seed can replace it


def manual_seed(seed: int) -> np.random.Generator:
    """G ← ``np.random.default_rng(seed)``: seed the default generator and return it. An
    explicit ``rng=`` argument always wins over it and leaves it untouched."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be a non-negative int, got {seed!r:.60}")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed}")
    with _LOCK:
        _DEFAULT[0] = np.random.default_rng(int(seed))
        return _DEFAULT[0]


def default_generator() -> np.random.Generator:
    """G: the generator used when no ``rng=`` is given (unseeded until ``manual_seed``); a new
    object after each ``manual_seed``, so look it up when drawing rather than keeping it."""
    return _DEFAULT[0]


def get_rng_state() -> dict[str, Any]:
    """The default generator's state, a plain dict (JSON-serialisable: its bit generator's
    ``state``), as ``torch.get_rng_state``: save it in a checkpoint, and ``set_rng_state``
    makes the draws that follow (shuffling, dropout, …) those of an uninterrupted run."""
    return copy.deepcopy(dict(_DEFAULT[0].bit_generator.state))


def set_rng_state(state: dict[str, Any]) -> None:
    """Make the default generator continue from ``state`` (from ``get_rng_state``); a state
    that is not one is refused and the generator is left as it was."""
    if not isinstance(state, dict) or not isinstance(state.get("bit_generator"), str):
        raise TypeError(f"set_rng_state: state must be the dict get_rng_state returns, got "
                        f"{state!r:.80}")
    kind = getattr(np.random, state["bit_generator"], None)
    if not isinstance(kind, type) or not issubclass(kind, np.random.BitGenerator):
        raise ValueError(f"set_rng_state: unknown bit generator {state['bit_generator']!r:.60}")
    bits = kind()
    try:
        bits.state = copy.deepcopy(state)
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"set_rng_state: not a valid {state['bit_generator']} state "
                         f"({exc})") from None
    with _LOCK:
        _DEFAULT[0] = np.random.Generator(bits)


def check_rng(rng: np.random.Generator | None, where: str) -> np.random.Generator:
    """``rng``, or the current default generator when None; anything else is a TypeError."""
    if rng is None:
        return _DEFAULT[0]
    if not isinstance(rng, np.random.Generator):
        flag = (" (a PyTorch flag given by position, as Dropout(0.5, True)? rng is in its "
                "place here: give the flag by keyword, inplace=True)") if isinstance(
                    rng, (bool, np.bool_)) else ""
        raise TypeError(
            f"{where}: rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}{flag}"
        )
    return rng
