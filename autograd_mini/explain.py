"""Trace the reverse sweep edge by edge and explain it as text, for students and for drawings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .backward import sum_to
from .checks import as_array, is_int
from .grad_mode import no_grad
from .graphview import GraphView, graph_view, vertex_key
from .tensor import Tensor
from .viz_labels import Names, attr_text, format_array, format_number, name_map, visible

__all__ = [
    "BackwardTrace", "Contribution", "Step", "explain_backward", "stale_note", "trace_backward",
]

BAR = "\u0304"  # combining macron: "v" + BAR renders as v̄


@dataclass(frozen=True)
class Contribution:
    """What one edge sends backwards: ``value = v̄_child · ∂child/∂parent`` (un-broadcast)."""

    child: int
    parent: int
    arg: int
    value: np.ndarray


@dataclass(frozen=True)
class Step:
    """Processing of one node: its finished adjoint and what it sends to each input."""

    node: int
    adjoint: np.ndarray
    sent: tuple[Contribution, ...]


@dataclass
class BackwardTrace:
    """A reverse sweep recorded edge by edge; positions index ``order`` (topological order).

    ``adjoints[i]`` is ∂root/∂order[i] (times the seed) for tensors that require grad and
    None for constants; ``steps`` lists the processed nodes from the output back to the inputs.
    """

    order: list[Tensor]
    adjoints: list[np.ndarray | None]
    steps: list[Step]
    received: list[list[Contribution]] = field(default_factory=list)
    view: GraphView | None = None

    def adjoint(self, t: Tensor) -> np.ndarray | None:
        """The adjoint of tensor ``t`` (None if it is not in the graph or is a constant)."""
        key = vertex_key(t)
        for i, s in enumerate(self.order):
            if vertex_key(s) == key:
                return self.adjoints[i]
        return None


def stale_note(view: GraphView) -> str:
    """What to say when a leaf changed in place since the forward pass (``view.stale``)."""
    first = view.order[view.changed[0]]
    op = first._node.op.name if first._node is not None else "?"
    return (
        "The leaves changed since the forward pass (an optimiser step, or an in-place update "
        f"under no_grad): recomputed from the current leaves, {op!r} no longer gives the value "
        f"the forward pass stored ({len(view.changed)} of the held values differ), so the "
        "adjoints would mix old and new numbers. Values are shown at the current leaves, "
        "adjoints not: run the forward pass again to see them. (If no leaf changed, the "
        f"forward of {op!r} is not deterministic: an op of your own must give the same value "
        "for the same inputs; pass random noise in as an input.)"
    )


def _seed(root: Tensor, grad: Any) -> np.ndarray:
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"the output has shape {root.shape}, not one element: pass grad= (the seed "
                "adjoint, same shape as the output) to trace its backward pass"
            )
        return np.ones(root.shape, dtype=root.data.dtype)
    g = as_array(grad, copy=False, where="grad (the seed adjoint)").astype(root.data.dtype)
    if g.shape != root.shape:
        raise RuntimeError(f"grad has shape {g.shape} but the output has shape {root.shape}")
    return g


def trace_backward(
    root: Tensor, grad: Any = None, view: GraphView | None = None
) -> BackwardTrace:
    """Run the reverse sweep of ``root`` without touching ``.grad`` or freeing the graph.

    Vertices (``graphview.graph_view``) are processed in reverse topological order, each
    after all its consumers, by calling every primitive's VJP on the forward values, exactly
    as ``backward`` does. After a ``backward()`` that freed the graph the same numbers come
    out: the structure survives it and ``graph_view`` recomputes the values and residuals
    from the leaves. Raises RuntimeError if a leaf changed since the forward pass.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"expected a Tensor, got {type(root).__name__}")
    if not root.requires_grad:
        raise RuntimeError("the output does not require grad, so it has no backward pass")
    view = view if view is not None else graph_view(root)
    order = view.order
    if not order or vertex_key(order[-1]) != vertex_key(root):
        raise ValueError("view must be the graph view of root (root last)")
    if view.stale:
        raise RuntimeError(stale_note(view))
    adj: list[np.ndarray | None] = [None] * len(order)
    received: list[list[Contribution]] = [[] for _ in order]
    adj[-1] = _seed(root, grad)
    steps: list[Step] = []
    with no_grad(), np.errstate(all="ignore"):
        for i in range(len(order) - 1, -1, -1):
            t, g = order[i], adj[i]
            node = t._node
            if node is None or g is None:
                continue
            needs = tuple(order[j]._rg for j in view.inputs[i])
            grads = view.vjp(i, g, needs)
            sent = []
            for k, (j, pg, need) in enumerate(zip(view.inputs[i], grads, needs, strict=False)):
                if pg is None or not need:
                    continue
                p = order[j]
                pg = np.asarray(sum_to(np.asarray(pg), p.shape))
                if pg.shape != p.shape:
                    raise RuntimeError(
                        f"backward of {node.op.name!r}: gradient of shape {pg.shape} for an "
                        f"input of shape {p.shape}"
                    )
                c = Contribution(i, j, k, pg)
                sent.append(c)
                received[j].append(c)
                prev = adj[j]
                adj[j] = pg if prev is None else prev + pg
            steps.append(Step(i, g, tuple(sent)))
    return BackwardTrace(order, adj, steps, received, view)


def _local_derivatives(view: GraphView, i: int) -> list[float | None]:
    """∂t/∂input for each input when t and that input are single numbers (else None)."""
    t = view.order[i]
    parents = [view.order[j] for j in view.inputs[i]]
    if t.data.size != 1:
        return [None] * len(parents)
    needs = tuple(p._rg for p in parents)
    one = np.ones(t.shape, dtype=t.data.dtype)
    with no_grad(), np.errstate(all="ignore"):
        grads = view.vjp(i, one, needs)
    out: list[float | None] = []
    for p, pg, need in zip(parents, grads, needs, strict=False):
        if pg is None or not need or p.data.size != 1:
            out.append(None)
        else:
            out.append(float(np.asarray(pg).sum()))
    return out


def _fmt(a: Any, precision: int) -> str:
    return " ".join(format_array(a, precision))


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _signed_sum(terms: list[np.ndarray], precision: int) -> str:
    text = _fmt(terms[0], precision)
    for v in terms[1:]:
        if v.size == 1 and float(v.reshape(())) < 0:
            text += " − " + format_number(-float(v.reshape(())), precision)
        else:
            text += " + " + _fmt(v, precision)
    return text


def explain_backward(
    root: Tensor, grad: Any = None, *, names: Names = None, precision: int = 6,
    max_variables: int | None = 500
) -> str:
    """A plain-text trace of the chain rule, one block per variable in reverse topological order.

    Variables are numbered v1..vN in topological order (constants are shown by value). Each
    block gives the variable's op and value, its adjoint v̄ as the sum of what its consumers
    sent, and for each input the local derivative and the contribution v̄ · ∂/∂input, so a
    hand derivation can be checked line by line. Works before and after ``backward()`` (the
    values and adjoints are recomputed from the leaves); if a leaf changed since the forward
    pass, the text says so instead. At most ``max_variables`` blocks (those nearest the output)
    are written, then a line says how many were left out; ``None`` writes them all.
    """
    if max_variables is not None and (not is_int(max_variables) or max_variables < 1):
        raise ValueError(f"explain_backward: max_variables must be a positive int or None, got "
                         f"{max_variables!r:.40}")
    if type(precision) is not int or not 1 <= precision <= 17:
        raise ValueError(f"explain_backward: precision must be an int from 1 to 17, got "
                         f"{precision!r:.40}")
    if not isinstance(root, Tensor):
        raise TypeError(f"explain_backward: expected a Tensor, got {type(root).__name__}")
    if grad is not None and not isinstance(grad, Tensor):
        grad = as_array(grad, where="explain_backward: grad")
    if not root.requires_grad:
        raise RuntimeError("the output does not require grad, so it has no backward pass")
    whole = graph_view(root)
    if whole.stale:
        return stale_note(whole) + "\n"
    trace = trace_backward(root, grad, whole)
    order = trace.order
    view = trace.view
    assert view is not None
    given = name_map(names)
    vnum: dict[int, int] = {}
    for i, t in enumerate(order):
        if t._rg:
            vnum[i] = len(vnum) + 1

    def ref(i: int) -> str:
        if i in vnum:
            return f"v{vnum[i]}"
        t = order[i]
        label = given.get(vertex_key(t)) or t.name
        return visible(label) if label else _fmt(t.data, precision)

    p = precision
    lines = [
        f"Reverse sweep from v{vnum[len(order) - 1]} in reverse topological order; "
        f"v{BAR}i = Σ_j v{BAR}j · ∂vj/∂vi over the consumers j of vi.",
        "",
    ]
    step_of = {s.node: s for s in trace.steps}
    written = 0
    for i in range(len(order) - 1, -1, -1):
        if i not in vnum:
            continue
        if written == max_variables:
            lines.append(f"… {vnum[i]} more variables, v1 to v{vnum[i]} (nearest the leaves): "
                         "pass max_variables=None to explain them all. Their leaves' adjoints:")
            for j in range(i + 1):
                if j in vnum and order[j]._node is None:
                    label = given.get(vertex_key(order[j])) or order[j].name
                    adj = trace.adjoints[j]  # (None: no consumer sent it a gradient)
                    lines.append(f"  v{BAR}{vnum[j]} = {0 if adj is None else _fmt(adj, p)}" +
                                 (f"   ({visible(label)})" if label else ""))
            break
        written += 1
        t, v = order[i], ref(i)
        label = given.get(vertex_key(t)) or t.name
        head = f"{v} ({visible(label)})" if label else v
        node = t._node
        if node is not None:
            args = [ref(j) for j in view.inputs[i]] + [  # (its arrays by dtype and shape)
                f"{k}={attr_text(a)}" for k, a in sorted(node.attrs.items())
                if a is not None and a is not False]
            head += f" = {node.op.name}({', '.join(args)})"
        kind = "output" if i == len(order) - 1 else (
            "intermediate" if node is not None else "parameter" if vertex_key(t) in given
            else "leaf"
        )
        lines.append(f"{head} = {_fmt(t.data, p)}   [{kind}]")
        adj = trace.adjoints[i]
        got = trace.received[i]
        if i == len(order) - 1:
            lines.append(f"  {v[0]}{BAR}{v[1:]} = {_fmt(adj, p)}   (seed)")
        elif adj is None:
            lines.append(f"  {v[0]}{BAR}{v[1:]} = 0   (no consumer sends a gradient)")
        else:
            srcs = ", ".join(ref(c.child) for c in got)
            total = _fmt(adj, p)
            terms = [c.value for c in got]
            if len(terms) == 1:
                text = total
            elif all(c.size == 1 for c in terms):
                text = f"{_signed_sum(terms, p)} = {total}"
            else:
                text = f"the sum of {len(terms)} contributions = {total}"
            lines.append(f"  {v[0]}{BAR}{v[1:]} = {text}   (from {srcs})")
        step = step_of.get(i)
        if node is not None and step is not None:
            if node.op.doc:  # (its first paragraph, which may wrap: the formula and the VJP)
                rule = node.op.doc.split("\n\n")[0].splitlines()
                lines.append("  rule: " + " ".join(line.strip() for line in rule))
            local = _local_derivatives(view, i)
            twice = len(set(view.inputs[i])) < len(view.inputs[i])
            for c in step.sent:
                q = ref(c.parent)
                d = local[c.arg]
                up = f"{v[0]}{BAR}{v[1:]}"
                if twice:
                    q += f" (argument {c.arg + 1})"
                if d is not None:
                    lines.append(
                        f"  → {q}: ∂{v}/∂{q.split()[0]} = {format_number(d, p)};  "
                        f"{up} · ∂{v}/∂{q.split()[0]} = {_paren(_fmt(step.adjoint, p))} · "
                        f"{_paren(format_number(d, p))} = {_fmt(c.value, p)}"
                    )
                else:
                    lines.append(f"  → {q}: VJP of {up} = {_fmt(c.value, p)}")
    return "\n".join(lines) + "\n"
