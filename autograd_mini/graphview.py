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

from .engine import Node, node_name, retained_tensor, topological_order
from .grad_mode import STATE
from .tensor import Tensor, wrap

__all__ = ["GraphValue", "GraphView", "graph_view", "vertex_key"]


class GraphValue(Tensor):
    """The value of one node, as a Tensor whose ``grad_fn`` is that node (not recorded)."""

    __slots__ = ("extra",)

    extra: Any


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
        ins = tuple(self.order[j].data for j in self.inputs[i])
        return node.op.vjp(g, ins, t.data, t.extra, needs, **node.attrs)


def _value(node: Node, data: np.ndarray, extra: Any) -> GraphValue:
    v = wrap(data, node, node_name(node), GraphValue)
    assert isinstance(v, GraphValue)
    v.extra = extra
    kept = retained_tensor(node)
    if kept is not None:
        v._grad = kept._grad
    return v


def graph_view(root: Tensor) -> GraphView:
    """Every vertex of ``root``'s graph with its value, without recursion."""
    verts = topological_order(root)
    pos = {id(v): i for i, v in enumerate(verts)}  # id of a vertex is its vertex_key
    known: dict[int, np.ndarray] = {id(root._node): root.data} if root._node is not None else {}
    for v in verts:  # values the graph still holds: saved outputs and saved inputs
        if isinstance(v, Node) and not v.freed:
            if v.out is not None:
                known.setdefault(id(v), v.out)
            for p, d in zip(v.parents, v.ins or (), strict=False):
                if d is not None and isinstance(p, Node):
                    known.setdefault(id(p), d)
    order: list[Tensor] = []
    inputs: list[tuple[int, ...]] = []
    freed = False
    for v in verts:
        if not isinstance(v, Node):
            order.append(v)
            inputs.append(())
            continue
        ins = tuple(pos[id(p)] for p in v.parents)
        data = known.get(id(v))
        extra = v.extra
        if data is None or v.freed:
            args = [order[j].data for j in ins]
            data2, extra = STATE.s.quiet.run(v.op.forward, *args, **v.attrs)
            data = np.asarray(data2) if data is None else data
        freed = freed or v.freed
        order.append(_value(v, data, extra))
        inputs.append(ins)
    return GraphView(order, inputs, pos, freed)
