"""A graph as drawings and traces see it: every vertex with its value, inputs first.

A node keeps only what its VJP needs, so the value of an intermediate the user no longer
holds may be gone. ``graph_view`` gives it back: it takes saved values where the graph still
has them and recomputes the others by running each op's forward on its inputs' values, from
the leaves up — exactly the values the forward pass computed, as long as the leaves were not
changed in place after a ``backward()`` released them. Whether they were is checked: every
value the graph still holds (the output, what live nodes saved) is recomputed too, and a
difference (``GraphView.changed``) means a leaf changed since the forward pass (an optimiser
step); the view then shows the values at the current leaves throughout, never a mixture.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import Node
from .grad_mode import STATE, VJP_SCOPE
from .opcheck import check_result
from .tensor import Tensor, wrap

__all__ = [
    "VJP_SCOPE", "GraphValue", "GraphView", "Vertex", "collapse", "graph_view", "per_call",
    "topological_order", "tracing", "vertex_key", "vjp_positions",
]


Vertex = Node | Tensor  # a graph vertex: a node, or a leaf tensor


def topological_order(root: Tensor | Node, only_grad: bool = False) -> list[Vertex]:
    """The vertices of ``root``'s graph in topological (forward) order, inputs first.

    A vertex is a Node (a recorded op) or a leaf Tensor; the last one is ``root``'s node (or
    ``root`` itself when it is a leaf). Iterative depth-first search, parents in argument
    order, so the order is deterministic. With ``only_grad``, leaves without grad are left out.
    """
    start: Vertex = (root._node or root) if isinstance(root, Tensor) else root
    order: list[Vertex] = []
    seen = {id(start)}
    stack: list[tuple[Vertex, int]] = [(start, 0)]
    while stack:
        v, i = stack[-1]
        parents = v.parents if isinstance(v, Node) else ()
        if i < len(parents):
            stack[-1] = (v, i + 1)
            p = parents[i]
            if id(p) not in seen and (p.requires_grad or not only_grad):
                seen.add(id(p))
                stack.append((p, 0))
        else:
            stack.pop()
            order.append(v)
    return order


class GraphValue(Tensor):
    """The value of one node, as a Tensor whose ``grad_fn`` is that node (not recorded), with
    the residuals its VJP reads (``saved``)."""

    __slots__ = ("saved",)

    saved: Any


def vertex_key(t: Tensor | Node) -> int:
    """Identity of a graph vertex: its node for op outputs, the tensor itself for leaves."""
    if isinstance(t, Node):
        return id(t)
    return id(t._node) if t._node is not None else id(t)


@dataclass
class GraphView:
    """``order``: vertices in topological order (leaf Tensors and GraphValues, the root last);
    ``inputs[i]``: positions of vertex i's inputs, in argument order; ``pos``: vertex_key ->
    position; ``freed``: some node's saved values were released by ``backward()``;
    ``changed``: positions whose value, recomputed from the leaves, differs from the one the
    graph holds (non-empty when a leaf changed in place since the forward pass)."""

    order: list[Tensor]
    inputs: list[tuple[int, ...]]
    pos: dict[int, int]
    freed: bool
    changed: tuple[int, ...] = ()

    @property
    def stale(self) -> bool:
        """True when a leaf changed since the forward pass that built this graph."""
        return bool(self.changed)

    def vjp(self, i: int, g: Any, needs: tuple[bool, ...]) -> Any:
        """The VJP of vertex ``i``'s op for adjoint ``g``, on the forward values of the view."""
        t = self.order[i]
        node = t._node
        assert isinstance(t, GraphValue) and node is not None
        before, TRACING.active = tracing(), True
        try:
            grads = node.op.vjp(g, t.saved, needs, **node.attrs)
        finally:
            TRACING.active = before
        check_result(node.op, grads, len(node))  # (as backward() would refuse it)
        return grads


TRACING = threading.local()  # .active while a tracing tool runs a VJP (see ``tracing``)


def tracing() -> bool:
    """Whether the VJP now running is called by a tool that traces the backward pass
    (``explain_backward``, drawings) rather than by ``backward``: a VJP with side effects
    (a module's backward hooks) leaves them out."""
    return getattr(TRACING, "active", False)


def graph_view(root: Tensor) -> GraphView:
    """Every vertex of ``root``'s graph with its value, without recursion: saved values where
    the graph still holds them, the others recomputed by each op's forward from the leaves."""
    verts = topological_order(root)
    pos = {id(v): i for i, v in enumerate(verts)}  # id of a vertex is its vertex_key
    known: dict[int, np.ndarray] = {id(root._node): root.data} if root._node is not None else {}
    for v in verts:  # outputs a live node saved: its own, or its parents'
        if isinstance(v, Node) and not v.freed:
            kept = v.saved if type(v.saved) is tuple else (v.saved,)
            for r in kept:
                for u in (v, *v.parents):
                    if isinstance(u, Node) and id(r) == u.out_id:
                        known.setdefault(id(u), r)
    order: list[Tensor] = []
    inputs: list[tuple[int, ...]] = []
    freed = False
    changed: list[int] = []
    for v in verts:
        if not isinstance(v, Node):
            order.append(v)
            inputs.append(())
            continue
        ins = tuple(pos[id(p)] for p in v.parents)
        data, saved = known.get(id(v)), v.saved
        # recomputed even when the value is known: a difference reveals a changed leaf
        out, fresh = _recompute(v, [order[j].data for j in ins])
        if out is None:
            raise RuntimeError(
                f"the forward of {v.op.name!r} no longer runs on the current leaf values (a "
                "leaf was replaced by one of another shape since the forward pass): build the "
                "graph again to draw or trace it")
        if data is None or v.freed:
            saved = fresh
        if data is not None and not _same(out, data):
            changed.append(len(order))
            data, saved = None, fresh  # the current leaves' values throughout, never a mix
        if data is None:
            data = out
        freed = freed or v.freed
        value = wrap(data, v, v.name, GraphValue)
        assert isinstance(value, GraphValue)
        value.saved = saved
        kept_t = v.retained() if v.retained is not None else None
        if kept_t is not None:
            value._grad = kept_t._grad
        order.append(value)
        inputs.append(ins)
    return GraphView(order, inputs, pos, freed, tuple(changed))


def _recompute(v: Node, arrays: list[np.ndarray]) -> tuple[np.ndarray | None, Any]:
    """``v``'s op run again on ``arrays``: (output, residuals), or (None, None) when it no
    longer runs (a leaf replaced by one of another shape)."""
    try:
        out, saved = STATE.s.quiet.run(v.op.forward, *arrays, **v.attrs)
    except (ValueError, TypeError, IndexError):  # (an index past a shrunk leaf)
        return None, None
    return np.asarray(out), saved


def _same(a: np.ndarray | None, b: np.ndarray) -> bool:
    """Whether a recomputed value equals the held one, up to rounding (a BLAS call may round
    differently from one call to the next)."""
    if a is None or a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind not in "fc":
        return bool(np.array_equal(a, b))
    eps = float(np.finfo(a.dtype).eps)
    with np.errstate(all="ignore"):
        scale = float(np.max(np.abs(b), initial=0.0, where=np.isfinite(b)))
        return bool(np.allclose(a, b, rtol=64 * eps, atol=64 * eps * scale, equal_nan=True))


def vjp_positions(order: list[Tensor], forward: Tensor | None) -> set[int]:
    """Positions in ``order`` made by a recorded backward pass (the VJPs): made inside the
    ``VJP_SCOPE``, or, given the forward pass's output ``forward``, not in its graph."""
    fwd = {id(v) for v in topological_order(forward)} if forward is not None else None
    out = set()
    for i, t in enumerate(order):
        node = t._node
        if node is not None and (VJP_SCOPE in node.scope or
                                 (fwd is not None and id(node) not in fwd)):
            out.add(i)
    return out


def per_call(path: tuple[str, ...], calls: dict[tuple[str, ...], Any]) -> tuple[str, ...]:
    """``path`` with module calls told apart (``nn``'s ``ScopeName`` carries the call's serial
    ``call`` and its module's ``owner``), counted per parent in ``calls`` (shared over one
    drawing, filled in the order paths are given): the k-th call of a module is renamed
    ``name (call k)``, and the k-th module of one name under one parent (two free-standing
    ``Linear`` layers) ``name #k``, so no two boxes merge into one that feeds itself."""
    out: list[str] = []
    for s in path:
        serial, owner = getattr(s, "call", None), getattr(s, "owner", None)
        if serial is not None:
            owners: dict[Any, list[int]] = calls.setdefault((*out, str(s)), {})
            serials = owners.setdefault(owner, [])
            if serial not in serials:
                serials.append(serial)
            k, j = list(owners).index(owner) + 1, serials.index(serial) + 1
            if k > 1 or j > 1:
                renamed = type(s)(str(s) + (f" #{k}" if k > 1 else "")
                                  + (f" (call {j})" if j > 1 else ""))
                vars(renamed).update(vars(s))
                s = renamed
        out.append(s)
    return tuple(out)


def collapse(order: list[Tensor], shown: set[int], scope: dict[int, tuple[str, ...]],
             depth: int | None) -> tuple[list[tuple[str, ...]], dict[int, int]]:
    """Module scopes deeper than ``depth`` as groups (the model is depth 0): the scope paths
    cut to ``depth + 1`` names, and position -> group. Data flowing into a module (a leaf
    array that needs no grad and is not one number) stays outside: its scope becomes the
    module's parent's."""
    if depth is None:
        return [], {}
    keys = sorted({scope[i][: depth + 1] for i in shown if len(scope[i]) > depth})
    index = {k: n for n, k in enumerate(keys)}
    group: dict[int, int] = {}
    for i in shown:
        if len(scope[i]) <= depth:
            continue
        t, key = order[i], scope[i][: depth + 1]
        if t._node is None and not t._rg and t.data.size > 1:
            scope[i] = key[:-1]
        else:
            group[i] = index[key]
    return keys, group
