"""Step through backprop: one drawing of the DAG per adjoint contribution (``backprop_steps``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .explain import BAR, BackwardTrace, trace_backward
from .tensor import Tensor
from .viz import _HOT, _WARM, Rows, _color, _View
from .viz_labels import Names, esc, format_array

if TYPE_CHECKING:
    import graphviz

__all__ = ["backprop_steps"]


def backprop_steps(
    root: Tensor,
    *,
    by: str = "edge",
    grad: Any = None,
    names: Names = None,
    textbook: bool = False,
    show_values: bool = True,
    rankdir: str = "LR",
    precision: int = 4,
    max_nodes: int | None = 1000,
    show_constants: bool = True,
) -> Iterator[graphviz.Digraph]:
    """Frames of the backward pass: one drawing per contribution sent along an edge.

    Frame 0 shows the seed; each following frame highlights the edge that just passed
    ``v̄child · ∂child/∂parent`` (or, with ``by="node"``, all edges of one node), with adjoints
    still unknown shown as ``?`` and partial sums marked. The last frame equals
    ``draw_graph(root, ...)`` with the same options. With all edges drawn there are
    ``number of gradient-carrying edges + 2`` frames (``by="edge"``). Needs a live graph.
    """
    if not isinstance(by, str) or by not in ("edge", "node"):
        raise ValueError(f"backprop_steps: by must be 'edge' or 'node', got {by!r}")
    view = _View(root, names, textbook, show_values, rankdir, precision, max_nodes, show_constants)
    trace = trace_backward(root, grad, view.graph)
    return _frames(view, trace, by)


def _adj(view: _View, i: int) -> str:
    """The adjoint's name in a caption: v̄3 in textbook mode, else grad(name)."""
    return f"v{BAR}{view.vnum[i]}" if view.textbook else f"grad({view.short(i)})"


def _frames(view: _View, trace: BackwardTrace, by: str) -> Iterator[graphviz.Digraph]:
    last = len(view.order) - 1
    expected = [len(r) for r in trace.received]
    got = [0] * len(view.order)
    partial: list[np.ndarray | None] = [None] * len(view.order)
    partial[last] = trace.adjoints[last]
    visible = {id(c) for s in trace.steps for c in s.sent
               if c.parent in view.shown and c.child in view.shown}
    total = len(visible) if by == "edge" else sum(
        1 for s in trace.steps if any(c.parent in view.shown for c in s.sent)
        and s.node in view.shown)

    def rows(fresh: set[int]) -> dict[int, Rows]:
        out: dict[int, Rows] = {}
        for i in view.shown:
            if i not in view.vnum:
                continue
            name = view.adjoint_name(i)
            p = partial[i]
            if p is None:
                out[i] = [(_color(name, "#9ca3af"), _color("?", "#9ca3af"))]
            elif i != last and got[i] < expected[i]:
                color = _HOT if i in fresh else _WARM
                out[i] = view.value_rows(f"{name} (partial)", p, color)
            else:
                out[i] = view.value_rows(name, p, _HOT if i in fresh else None)
        return out

    seed = " ".join(format_array(trace.adjoints[last], view.precision))
    yield view.render(rows(set()), caption=f"step 0 of {total}: seed {_adj(view, last)} = {seed}")
    n = 0
    for step in trace.steps:
        hot: dict[tuple[int, int, int], str] = {}
        fresh: set[int] = set()
        for c in step.sent:
            prev = partial[c.parent]
            partial[c.parent] = c.value if prev is None else prev + c.value
            got[c.parent] += 1
            if id(c) not in visible:
                continue
            lines = format_array(c.value, view.precision)
            hot[(c.parent, c.child, c.arg)] = "<" + "<BR/>".join(esc(s) for s in lines) + ">"
            fresh.add(c.parent)
            if by == "edge":
                n += 1
                child, parent = view.short(c.child), view.short(c.parent)
                caption = (f"step {n} of {total}: {_adj(view, c.parent)} += "
                           f"{_adj(view, c.child)} · ∂{child}/∂{parent} = {' '.join(lines)}")
                yield view.render(rows(fresh), hot, caption)
                hot, fresh = {}, set()
        if by == "node" and hot:
            n += 1
            caption = f"step {n} of {total}: {view.short(step.node)} sends its adjoint back"
            yield view.render(rows(fresh), hot, caption)
    yield view.render(view.adjoint_rows(trace))
