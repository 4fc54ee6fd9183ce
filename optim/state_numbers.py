"""Loading the state of an optimiser that keeps numbers besides its arrays (NAdam's
``mu_product``, ASGD's ``eta`` and ``mu``): the numbers are checked with everything else, and
every problem is reported in one ValueError before anything changes."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from .optimizer import Optimizer, saved_index, saved_indices, to_python

__all__ = ["NumberChecks", "load_with_numbers"]

#: each number's name: (whether a float value fits, what it must be, for the message)
NumberChecks = dict[str, tuple[Callable[[float], bool], str]]


def load_with_numbers(opt: Optimizer, state_dict: Mapping[str, Any], checks: NumberChecks,
                      keeps: str) -> None:
    """``Optimizer.load_state_dict`` of ``opt``, with each stepped parameter's numbers named in
    ``checks`` taken out of its state, checked (finite, and as ``checks`` says; PyTorch's 0-d
    tensors become floats) and put back after ``step`` as Python floats. ``keeps`` ends the
    message for a missing one ("NAdam keeps it with step, ...")."""
    saved = state_dict.get("state") if isinstance(state_dict, Mapping) else None
    if not isinstance(saved, Mapping) or not all(isinstance(e, Mapping) for e in saved.values()):
        Optimizer.load_state_dict(opt, state_dict)  # (the base explains what is malformed)
        return
    problems: list[str] = []
    numbers: dict[int, dict[str, float]] = {}
    stripped: dict[Any, dict[str, Any]] = {}
    for key, entries in saved.items():
        rest = stripped[key] = dict(entries)
        index = saved_index(key)
        if index is None:
            continue  # (the base reports the key)
        found = numbers[index] = {}
        for name, (fits, wanted) in checks.items():
            if name not in rest:
                problems.append(f"state of parameter {index} lacks [{name!r}] (a stepped "
                                f"{keeps})")
                continue
            value = to_python(rest.pop(name))
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or not math.isfinite(value) or not fits(float(value))):
                problems.append(f"state {name!r} of parameter {index} must be {wanted}, "
                                f"got {value!r:.40}")
                continue
            found[name] = float(value)
    old_groups, old_state = opt.param_groups, opt.state
    try:
        Optimizer.load_state_dict(opt, {**state_dict, "state": stripped})
    except ValueError as exc:
        if not problems:
            raise
        raise ValueError("\n  ".join([str(exc), *problems])) from None
    if problems:  # the base accepted the rest: undo it
        opt.param_groups, opt.state = old_groups, old_state
        raise ValueError("cannot load optimizer state dict:\n  " + "\n  ".join(problems))
    by_index: dict[int, Any] = {}
    for group, current in zip(state_dict["param_groups"], opt.param_groups, strict=True):
        by_index.update(zip(saved_indices(group["params"]) or [], current["params"],
                            strict=True))
    for index, found in numbers.items():
        st = opt.state[by_index[index]]
        opt.state[by_index[index]] = {"step": st.pop("step"), **found, **st}
