"""The reverse sweep: ``backward`` from an output to the leaves (or to chosen inputs), one pass
over the nodes in reverse creation order, and how adjoints become ``.grad``."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from .engine import _RETAINING, AnomalyError, Node, Primitive, retained_tensor, sum_to
from .grad_mode import STATE
from .locks import unlock
from .tensor import Tensor, wrap

__all__ = ["backward"]


def _fit(g: Any, shape: tuple[int, ...], op: Primitive) -> Any:
    """Undo broadcasting of an input gradient and check its shape (the one central place)."""
    g = sum_to(g, shape)
    if g.shape != shape:
        raise RuntimeError(
            f"backward of {op.name!r}: gradient has shape {g.shape} but the input has "
            f"shape {shape}"
        )
    return g


def _made_by(t: Tensor) -> str:
    node = t._node
    if node is None:
        return "no op: a leaf"
    where = f", created at {node.where}" if node.where else ""
    return f"{node.op.name!r}{where}"


def _seed(root: Tensor, grad: Any, create_graph: bool) -> Any:
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; this tensor (made by "
                f"{_made_by(root)}) has shape {root.shape}: pass backward(grad) with that shape"
            )
        g: Any = np.empty(root.shape, dtype=root.data.dtype)
        g.fill(1)  # np.ones, without its Python wrapper
        return Tensor(g) if create_graph else g
    if isinstance(grad, Tensor):
        g = grad if create_graph else grad.data
    else:
        g = np.asarray(grad, dtype=root.data.dtype)
        if create_graph:
            g = Tensor(g)
    if g.shape != root.shape:
        raise RuntimeError(
            f"backward: grad has shape {tuple(g.shape)} but the output (made by "
            f"{_made_by(root)}) has shape {root.shape}"
        )
    return g


def _freed_error(node: Node) -> RuntimeError:
    where = f", created at {node.where}" if node.where else ""
    return RuntimeError(
        f"Trying to backward through the graph a second time (through {node.op.name!r}{where});"
        " its saved values were freed after the first backward. Pass retain_graph=True to the "
        "first backward if you need to call it twice."
    )


def _recorded_args(node: Node) -> tuple[Any, Any]:
    """``ins`` and ``out`` of ``node`` as Tensors connected to the graph (``create_graph``)."""
    ins: Any = node.ins
    if ins is not None:
        ins = tuple([
            p if not p._is_node else (None if d is None else wrap(d, p))  # type: ignore[arg-type]
            for p, d in zip(node.parents, ins, strict=True)
        ])
    out = node.out
    return ins, (None if out is None else wrap(out, node))


@overload
def backward(root: Tensor, grad: Any = ..., retain_graph: bool | None = ...,
             create_graph: bool = ..., inputs: None = ...) -> None: ...
@overload
def backward(root: Tensor, grad: Any, retain_graph: bool | None, create_graph: bool,
             inputs: Sequence[Tensor]) -> list[Any]: ...
@overload
def backward(root: Tensor, grad: Any = ..., retain_graph: bool | None = ...,
             create_graph: bool = ..., *, inputs: Sequence[Tensor]) -> list[Any]: ...
def backward(
    root: Tensor,
    grad: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
) -> list[Any] | None:
    """Reverse-mode sweep from ``root``: v̄_i = Σ_{j ∈ ch(i)} v̄_j ∂v_j/∂v_i.

    Without ``inputs``, adjoints are accumulated into ``.grad`` of leaves (and of tensors that
    called ``retain_grad``). With ``inputs`` the adjoints of those tensors are returned instead
    and no ``.grad`` is touched.

    Order: every node gets a sequence number when it is created, and a node is always created
    after its inputs, so taking pending nodes highest number first (a heap) visits each one
    after all of its consumers — a reverse topological order found in one pass, without
    recursion and without counting dependencies first. When only one node is pending it is
    taken directly with its adjoint, so chains touch neither the heap nor a dict. ``.grad`` is
    written only at the end, so an error part-way changes no gradient.
    """
    if not root._rg:
        raise RuntimeError(
            "backward: the tensor does not require grad and has no graph "
            "(did you forget requires_grad=True, or build it under no_grad?)"
        )
    if retain_graph is None:
        retain_graph = create_graph
    g0 = _seed(root, grad, create_graph)
    want = None if inputs is None else {id(t._node or t): i for i, t in enumerate(inputs)}
    leaf_grads: dict[int, Any] = {}  # id(leaf tensor) -> adjoint
    leaves: list[Tensor] = []  # leaves reached, in order
    found: list[tuple[Node, Any]] = []  # (node, adjoint) of retained or wanted non-leaves
    pending: dict[int, Any] = {}  # id(node) -> adjoint so far, for nodes on the heap
    heap: list[tuple[int, Node]] = []
    nxt = root._node  # the next node, when it is the only pending one (a chain)
    nxt_g = g0
    if nxt is None:
        leaf_grads[id(root)] = g0
        leaves.append(root)
    look = want is not None or _RETAINING[0]
    anomaly = STATE.s.anomaly
    push, pop = heapq.heappush, heapq.heappop
    with np.errstate(all="ignore"):
        prev_mode = STATE.s.grad_enabled
        STATE.s.grad_enabled = create_graph
        try:
            while True:
                if nxt is not None:
                    node, g, nxt = nxt, nxt_g, None
                elif heap:
                    node = pop(heap)[1]
                    g = pending.pop(id(node))
                else:
                    break
                if node.seq < 0:
                    raise _freed_error(node)
                if look and (
                    (want is not None and id(node) in want) or retained_tensor(node) is not None
                ):
                    found.append((node, g))
                # Nodes and leaf Tensors, read from the node's fields (``Node.parents``, inline)
                parents: Any = node.pn
                if parents is None:
                    p = node.p1
                    if p is None:
                        parents = (node.p0,)
                        needs: tuple[bool, ...] = _NEED1
                    else:
                        parents = (node.p0, p)
                        needs = (parents[0]._rg, p._rg)
                elif len(parents) == 3:  # linear with a bias
                    needs = (parents[0]._rg, parents[1]._rg, parents[2]._rg)
                else:
                    needs = tuple([p._rg for p in parents])
                op = node.op
                attrs = node.attrs
                if create_graph:
                    ins, out = _recorded_args(node)
                    in_grads = op.vjp(g, ins, out, node.extra, needs, **attrs)
                elif attrs:
                    in_grads = op.vjp(g, node.ins, node.out, node.extra, needs, **attrs)
                elif op.passes_first and not needs[1]:  # x ± constant: ā = ḡ, no call
                    in_grads = (g,)
                else:
                    in_grads = op.vjp(g, node.ins, node.out, node.extra, needs)
                i = 0
                for pg in in_grads:
                    p = parents[i]
                    i += 1
                    if pg is None:
                        continue
                    if p._is_node:
                        if pg.shape != p.shape:
                            pg = _fit(pg, p.shape, op)
                        if anomaly:
                            _check_grad(pg, p.shape, node)
                        if nxt is None:
                            if not heap:  # nothing else is pending: p is next, no heap
                                nxt, nxt_g = p, pg
                                continue
                        elif p is nxt:
                            nxt_g = nxt_g + pg
                            continue
                        k = id(p)
                        prev = pending.get(k) if pending else None
                        if prev is not None:
                            pending[k] = prev + pg
                        else:
                            if nxt is not None:
                                pending[id(nxt)] = nxt_g
                                push(heap, (-nxt.seq, nxt))
                                nxt = None
                            pending[k] = pg
                            push(heap, (-p.seq, p))
                    elif p._rg:
                        shape = p.data.shape
                        if pg.shape != shape:
                            pg = _fit(pg, shape, op)
                        if anomaly:
                            _check_grad(pg, shape, node)
                        k = id(p)
                        prev = leaf_grads.get(k)
                        if prev is None:
                            leaf_grads[k] = pg
                            leaves.append(p)
                        else:
                            leaf_grads[k] = prev + pg
                if not retain_graph:
                    node.ins = node.out = node.extra = None
                    node.seq = -1
                    if type(node) is not Node and node.held is not None:  # a LockingNode
                        unlock(node.held)
                        node.held = None  # type: ignore[misc]  # only a LockingNode holds
        finally:
            STATE.s.grad_enabled = prev_mode
    if want is not None:
        assert inputs is not None
        results: list[Any] = [None] * len(inputs)
        for t in leaves:
            if id(t) in want:
                results[want[id(t)]] = leaf_grads[id(t)]
        for node, g in found:
            if id(node) in want:
                results[want[id(node)]] = g
        # a tensor listed twice in inputs gets its adjoint in every slot
        for j, t in enumerate(inputs):
            if results[j] is None:
                results[j] = results[want[id(t._node or t)]]
        return results
    handed: set[int] = set()
    user_seed = id(g0) if grad is not None else -1
    for t in leaves:
        _accumulate(t, leaf_grads[id(t)], handed, user_seed)
    for node, g in found:
        kept = retained_tensor(node)
        if kept is not None:
            _accumulate(kept, g, handed, user_seed)
    return None


_NEED1 = (True,)


def _check_grad(pg: Any, shape: tuple[int, ...], node: Node) -> None:
    arr = pg.data if isinstance(pg, Tensor) else pg
    if not np.all(np.isfinite(arr)):
        raise AnomalyError(
            f"detect_anomaly: backward of {node.op.name!r} produced a non-finite gradient "
            f"for an input of shape {shape}; the op was created at {node.where}"
        )


def _accumulate(t: Tensor, g: Any, handed: set[int], user_seed: int) -> None:
    """Add ``g`` into ``t.grad``, copying when the array may be shared with another gradient."""
    if isinstance(g, Tensor):
        if g.data.dtype != t.data.dtype:
            from . import functional as F

            g = F.astype(g, t.data.dtype)
        t._grad = g if t._grad is None else t._grad + g
        return
    if g.dtype != t.data.dtype:
        g = g.astype(t.data.dtype)
    elif id(g) in handed or id(g) == user_seed or g.base is not None or not g.flags.writeable:
        g = g.copy()
    handed.add(id(g))
    if t._grad is None:
        t._grad = wrap(g)
    else:
        t._grad = wrap(t._grad.data + g) if not t._grad._rg else t._grad + g


import autograd_mini.tensor as _tensor_mod  # noqa: E402

_tensor_mod._backward = backward  # Tensor.backward calls it
