"""The printed tree of a module: one line per module with parameter shapes and counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .members import members_of
from .parameter import Parameter

if TYPE_CHECKING:
    from .module import Module

__all__ = ["module_tree"]

#: indentation stops growing here so that very deep trees print in linear space
_MAX_INDENT = 32


def _count(n: int) -> str:
    return f"{n:,} parameter" + ("" if n == 1 else "s")


def _shapes(own: list[tuple[str, Parameter]]) -> str:
    parts = []
    for name, p in own:
        dtype = "" if p.dtype == "float64" else f" {p.dtype}"
        parts.append(f"{name} {tuple(p.shape)}{dtype}")
    return ", ".join(parts)


def module_tree(root: Module) -> str:
    """PyTorch-style tree; leaves show ``# weight (3, 2), bias (3,): 9 parameters`` and each
    container ends with its total. Shared modules and parameters are shown once (first place);
    an emptied sub-module slot (``seq[1] = None``) as ``(1): None``, as PyTorch's."""
    # pass 1: preorder entries (depth, local name, module or None, own parameters, parent index)
    entries: list[tuple[int, str, Module | None, list[tuple[str, Parameter]], int]] = []
    seen_mods: set[int] = set()
    seen_params: set[int] = set()
    stack: list[tuple[int, str, Module | None, int]] = [(0, "", root, -1)]
    while stack:
        depth, name, mod, parent = stack.pop()
        if mod is None:
            entries.append((depth, name, None, [], parent))
            continue
        if id(mod) in seen_mods:
            continue
        seen_mods.add(id(mod))
        own: list[tuple[str, Parameter]] = []
        kids: list[tuple[str, Module | None]] = []
        for local, _, obj in members_of(mod):
            if isinstance(obj, Parameter):
                if id(obj) not in seen_params:
                    seen_params.add(id(obj))
                    own.append((local, obj))
            else:
                kids.append((local, obj))
        slots = vars(mod).get("_slots") or {}
        empty = [k for k, v in vars(mod).items() if v is None and slots.get(k) == "child module"]
        if empty:  # in attribute order among the others
            kids += [(k, None) for k in empty]
            order = {k: i for i, k in enumerate(vars(mod))}
            kids.sort(key=lambda kid: order.get(kid[0].split(".")[0], -1))
        index = len(entries)
        entries.append((depth, name, mod, own, parent))
        for local, kid in reversed(kids):
            if kid is None or id(kid) not in seen_mods:
                stack.append((depth + 1, local, kid, index))

    # pass 2: subtree totals (children come after their parent in preorder)
    total: list[int] = [sum(int(p.size) for _, p in own) for _, _, _, own, _ in entries]
    has_kids = [False] * len(entries)
    for i in range(len(entries) - 1, 0, -1):
        parent = entries[i][4]
        total[parent] += total[i]
        has_kids[parent] = True

    # pass 3: lines, closing containers when the depth comes back up
    def indent(depth: int) -> str:
        return "  " * min(depth, _MAX_INDENT)

    lines: list[str] = []
    open_: list[tuple[int, int]] = []
    for i, (depth, name, mod, own, _) in enumerate(entries):
        while open_ and open_[-1][0] >= depth:
            d, j = open_.pop()
            lines.append(f"{indent(d)})  # {_count(total[j])}")
        label = f"({name}): " if name else ""
        if mod is None:
            lines.append(f"{indent(depth)}{label}None")
            continue
        extra = mod.extra_repr()
        head = f"{indent(depth)}{label}{type(mod).__name__}("
        if has_kids[i]:
            lines.append(head + (f"  # {_shapes(own)}" if own else ""))
            if extra:
                lines.append(f"{indent(depth + 1)}{extra}")
            open_.append((depth, i))
        else:
            tail = f"  # {_shapes(own)}: {_count(total[i])}" if own else ""
            lines.append(f"{head}{extra}){tail}")
    while open_:
        d, j = open_.pop()
        lines.append(f"{indent(d)})  # {_count(total[j])}")
    return "\n".join(lines)
