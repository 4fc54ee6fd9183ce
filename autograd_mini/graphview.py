"""A graph as drawings and traces see it: every vertex with its value, inputs first.

A node keeps only what its VJP needs, so the value of an intermediate the user no longer
holds may be gone. ``graph_view`` gives it back: it takes saved values where the graph still
has them and recomputes the others by running each op's forward on its inputs' values, from
the leaves up — exactly the values the forward pass computed, as long as the leaves were not
changed in place after a ``backward()`` released them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import Node
from .grad_mode import STATE
from .tensor import Tensor, wrap

__all__ = ["GraphValue", "GraphView", "Vertex", "graph_view", "topological_order", "vertex_key"]


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
    position; ``freed``: some node's saved values were released by ``backward()``."""

    order: list[Tensor]
    inputs: list[tuple[int, ...]]
    pos: dict[int, int]
    freed: bool

    def vjp(self, i: int, g: Any, needs: tuple[bool, ...]) -> Any:
        """The VJP of vertex ``i``'s op for adjoint ``g``, on the forward values of the view."""
        t = self.order[i]
        node = t._node
        assert isinstance(t, GraphValue) and node is not None
        return node.op.vjp(g, t.saved, needs, **node.attrs)


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
    for v in verts:
        if not isinstance(v, Node):
            order.append(v)
            inputs.append(())
            continue
        ins = tuple(pos[id(p)] for p in v.parents)
        data, saved = known.get(id(v)), v.saved
        if data is None or v.freed:
            out, saved = STATE.s.quiet.run(v.op.forward, *[order[j].data for j in ins],
                                           **v.attrs)
            data = np.asarray(out) if data is None else data
        freed = freed or v.freed
        value = wrap(data, v, v.name, GraphValue)
        assert isinstance(value, GraphValue)
        value.saved = saved
        kept_t = v.retained() if v.retained is not None else None
        if kept_t is not None:
            value._grad = kept_t._grad
        order.append(value)
        inputs.append(ins)
    return GraphView(order, inputs, pos, freed)
