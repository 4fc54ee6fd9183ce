"""The reverse sweep: adjoints from an output back to the leaves, v̄ᵢ = Σⱼ v̄ⱼ ∂vⱼ/∂vᵢ, and how
they become ``.grad``."""

from __future__ import annotations

import heapq
import threading
from collections.abc import Sequence
from typing import Any, overload

import numpy as np

from .checks import as_array, own_array
from .grad_mode import STATE, VJP_SCOPE, AnomalyError
from .opcheck import check_vjp
from .tensor import Tensor, unlock, wrap

Node = Any  # engine.Node (not imported: engine imports this module's caller, Tensor)

__all__ = ["backward", "backward_into", "sum_to"]

_GRAD_LOCK = threading.RLock()  # held while adjoints are added into .grad


@overload
def backward(root: Tensor, grad: Any = ..., retain_graph: bool | None = ...,
             create_graph: bool = ..., inputs: None = ...) -> None: ...
@overload
def backward(root: Tensor, grad: Any, retain_graph: bool | None, create_graph: bool,
             inputs: Sequence[Tensor]) -> list[Any]: ...
@overload
def backward(root: Tensor, grad: Any = ..., retain_graph: bool | None = ...,
             create_graph: bool = ..., *, inputs: Sequence[Tensor]) -> list[Any]: ...
def backward(root: Tensor, grad: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Sequence[Tensor] | None = None
             ) -> list[Any] | None:
    """Propagate adjoints from ``root`` (seeded with ``grad``, default 1) to the leaves and add
    them into ``.grad`` at the end (so an error part-way changes none), or with ``inputs``
    return those tensors' adjoints instead. ``retain_graph`` (default: ``create_graph``) keeps
    the saved values for another pass; ``create_graph`` records the pass itself."""
    for label, flag in (("retain_graph", retain_graph), ("create_graph", create_graph)):
        if flag is not None and not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"backward: {label} must be a bool, got {flag!r:.60}")
    if not root._rg:
        raise RuntimeError("backward: the tensor does not require grad and has no graph "
                           "(did you forget requires_grad=True, or build it under no_grad?)")
    g0 = _seed(root, grad, create_graph)
    want = {} if inputs is None else {id(t._node or t): i for i, t in enumerate(inputs)}
    oldest = 0 if inputs is None else _oldest(inputs)
    keep = create_graph if retain_graph is None else retain_graph
    found: list[tuple[Node, Any]] = []
    leaves = {id(root): [root, g0]}
    if root._node is not None:
        s = STATE.s
        prev, s.grad_enabled = (s.grad_enabled, s.scope), create_graph  # record VJPs if asked,
        if create_graph:  # in a scope of their own (drawings tell them from the forward's)
            s.scope = (*s.scope, VJP_SCOPE)
        try:
            with np.errstate(all="ignore"):
                leaves, found = sweep(root._node, g0, keep, create_graph, want, oldest)
        finally:
            s.grad_enabled, s.scope = prev
    if inputs is not None:
        got = {id(v[0]): v[1] for v in leaves.values()} | {id(n): g for n, g in found}
        return [_handed_out(got.get(id(t._node or t))) for t in inputs]
    handed: set[int] = {id(g0)}  # arrays already stored somewhere: copy before keeping
    with _GRAD_LOCK:  # threads adding into one .grad at once would lose a sum
        for t, g in leaves.values():
            _accumulate(t, g, handed)
        for node, g in found:
            kept = node.retained() if node.retained is not None else None
            if kept is not None:
                _accumulate(kept, g, handed)
    return None


def backward_into(root: Tensor, grad: Any, retain_graph: bool | None, create_graph: bool,
                  inputs: Any) -> None:
    """``root.backward(inputs=...)``, as PyTorch's: accumulate the adjoints of ``inputs`` (a
    Tensor or a sequence of them, leaves or not) into their ``.grad``, and no other's but
    those kept by ``retain_grad()``; one the pass does not reach keeps its ``.grad``."""
    ts = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not ts:
        raise ValueError("backward: inputs is empty (give the tensors whose .grad to fill)")
    for i, t in enumerate(ts):
        if not isinstance(t, Tensor) or not t._rg:
            what = "does not require grad" if isinstance(t, Tensor) else "is not a Tensor"
            raise RuntimeError(f"backward: inputs[{i}] {what}, so it can get no .grad")
    ts = list({id(t): t for t in [*ts, *_retained(root)]}.values())  # (each once)
    grads = backward(root, grad, retain_graph, create_graph, inputs=ts)
    handed = {id(grad), id(own_array(grad))}  # (the caller's arrays: copied if kept)
    with _GRAD_LOCK:
        for t, g in zip(ts, grads):
            if g is not None:
                _accumulate(t, g, handed)


def _retained(root: Tensor) -> list[Tensor]:
    """The tensors behind ``root`` kept by ``retain_grad()`` (one walk of the graph)."""
    found: list[Tensor] = []
    seen: set[int] = set()
    stack = [root._node] if root._node is not None else []
    while stack:
        node = stack.pop()
        kept = node.retained() if node.retained is not None else None
        if kept is not None:
            found.append(kept)
        for p in node:
            if not isinstance(p, Tensor) and id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return found


def sweep(start: Node, g0: Any, retain_graph: bool, create_graph: bool, want: dict[int, int],
          oldest: int = 0) -> tuple[dict[int, list[Any]], list[tuple[Node, Any]]]:
    """One pass over the nodes, each after all its consumers (nodes are numbered as made, so
    the pending one with the highest number is next: a heap, skipped in a chain). Each VJP
    turns a node's adjoint into its inputs' shares, summed per input (skipping what lies
    behind ``oldest``). Returns the leaves' adjoints (id → [leaf, adjoint]) and (node, adjoint)
    for nodes wanted or retaining."""
    leaves: dict[int, list[Any]] = {}
    found: list[tuple[Node, Any]] = []
    pending: dict[int, Any] = {}  # id(node) -> its adjoint so far, for nodes on the heap
    heap: list[tuple[int, Node]] = []
    node: Node | None = start
    g = g0
    anomaly = STATE.s.anomaly
    while node is not None:
        if node.seq < 0:
            raise _freed_error(node)
        if node.retained is not None or (want and id(node) in want):
            found.append((node, g))
        saved = node.recorded_saved() if create_graph else node.saved
        g_copy = None if node.op.vjp_checked else _copy(g)
        grads = (node.op.vjp(g, saved, node.needs, **node.attrs) if node.attrs else
                 node.op.vjp(g, saved, node.needs))
        if g_copy is not None or len(grads) != len(node):  # (its first backward, or a miscount)
            check_vjp(node.op, grads, len(node), g, g_copy)
        nxt, nxt_g = None, None
        for p, pg, need in zip(node, grads, node.needs):  # each input's origin
            leaf = isinstance(p, Tensor)  # (skipped: no gradient, or behind `oldest`)
            if pg is None or not need or (oldest and (leaf or 0 <= p.seq < oldest)):
                continue
            shape = p._data.shape if leaf else p.shape
            if type(pg) is not np.ndarray or pg.shape != shape or anomaly:
                pg = _fit(pg, shape, node)
            if leaf:
                acc = leaves.get(id(p))
                leaves[id(p)] = [p, pg] if acc is None else [p, acc[1] + pg]
            elif p is nxt:
                nxt_g = nxt_g + pg
            elif nxt is None and not heap:
                nxt, nxt_g = p, pg
            else:
                if nxt is not None:
                    _push(heap, pending, nxt, nxt_g)
                    nxt = None
                _push(heap, pending, p, pg)
        if not retain_graph:  # free what the node saved, and give back its locks
            node.saved, node.seq = None, -1
            if node.held is not None:
                unlock(node.held)
                node.held = None
        if nxt is not None:
            node, g = nxt, nxt_g
        elif heap:
            node = heapq.heappop(heap)[1]
            g = pending.pop(id(node))
        else:
            node = None
    return leaves, found


def _copy(g: Any) -> np.ndarray:
    """A copy of an adjoint's values (for an op's first-backward check)."""
    return np.array(g._data if isinstance(g, Tensor) else g)


def _oldest(inputs: Sequence[Tensor]) -> int:
    """Asked only for non-leaf inputs: the oldest one's number (nodes made before it cannot
    lead to any of them, nor can leaves), else 0 (nothing skipped)."""
    if not inputs or any(t._node is None or t._node.seq < 0 for t in inputs):
        return 0  # (a freed node, numbered −1, is reached and refused as usual)
    return min(t._node.seq for t in inputs if t._node is not None)


def _push(heap: list[tuple[int, Node]], pending: dict[int, Any], node: Node, g: Any) -> None:
    """Add ``g`` to the adjoint of ``node``, which waits on the heap for its turn (a freed one
    is refused now: freed nodes share one number, which the heap cannot order)."""
    if node.seq < 0:
        raise _freed_error(node)
    prev = pending.get(id(node))
    if prev is None:
        pending[id(node)] = g
        heapq.heappush(heap, (-node.seq, node))
    else:
        pending[id(node)] = prev + g


def sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes broadcasting added or stretched, so that it has ``shape``
    (ndarrays and Tensors alike: the sum is recorded on a Tensor)."""
    lead = g.ndim - len(shape)
    if lead < 0:
        return g
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and g.shape[i + lead] != 1)
    if not axes:
        return g
    g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if g.shape[lead:] == shape else g  # (else wrong: _fit says so)


def _fit(g: Any, shape: tuple[int, ...], node: Node) -> Any:
    """Undo broadcasting of an input's gradient and check its shape (the one central place);
    under ``detect_anomaly``, also check that it is finite. (A gradient that is not an array or
    a Tensor, a VJP's Python float, is refused naming the op.)"""
    if not hasattr(g, "shape"):
        raise TypeError(f"backward of {node.op.name!r}: the VJP returned a gradient of type "
                        f"{type(g).__name__}; return an array, a Tensor or None per input")
    if g.shape != shape:
        given, g = g.shape, sum_to(g, shape)
        if g.shape != shape:
            raise RuntimeError(f"backward of {node.op.name!r}: gradient has shape {given} but "
                               f"the input has shape {shape}")
    if STATE.s.anomaly and not np.all(np.isfinite(g._data if isinstance(g, Tensor) else g)):
        raise AnomalyError(f"detect_anomaly: backward of {node.op.name!r} produced a non-finite "
                           f"gradient for an input of shape {shape}; the op was created at "
                           f"{node.where}")
    return g


def _seed(root: Tensor, grad: Any, create_graph: bool) -> Any:
    """The output's adjoint: ``grad`` (of the output's shape and dtype), or 1 for one element."""
    if grad is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs; this tensor (made by "
                f"{_made_by(root)}) has shape {root.shape}: pass backward(grad) with that shape")
        g: Any = np.empty(root.shape, dtype=root._data.dtype)
        g.fill(1)
    elif isinstance(grad, Tensor):
        g = grad if create_graph else grad._data
    else:
        g = as_array(grad, dtype=root._data.dtype, copy=False, where="backward(grad)")
    if g.shape != root.shape:
        raise RuntimeError(f"backward: grad has shape {tuple(g.shape)} but the output (made by "
                           f"{_made_by(root)}) has shape {root.shape}")
    return wrap(g) if create_graph and not isinstance(g, Tensor) else g


def _made_by(root: Tensor) -> str:
    """What made ``root``, for error messages."""
    made_by = "no op: a leaf" if root._node is None else repr(root._node.op.name)
    if root._node is not None and root._node.where:
        made_by += f", created at {root._node.where}"
    return made_by


def _freed_error(node: Node) -> RuntimeError:
    where = f", created at {node.where}" if node.where else ""
    return RuntimeError(
        f"Trying to backward through the graph a second time (through {node.op.name!r}{where});"
        " its saved values were freed after the first backward. Pass retain_graph=True to the "
        "first backward if you need to call it twice.")


def _handed_out(g: Any) -> Any:
    """An adjoint as handed out: a Tensor on a recorded pass, else an ndarray (or None)."""
    return g if g is None or isinstance(g, Tensor) else np.asarray(g)


def _accumulate(t: Tensor, g: Any, handed: set[int]) -> None:
    """Add ``g`` into ``t.grad`` in ``t``'s dtype, copying an array that may be shared."""
    if isinstance(g, Tensor):
        return _accumulate_recorded(t, g, handed)
    if g.dtype != t._data.dtype:
        g = g.astype(t._data.dtype)
    elif type(g) is not np.ndarray or id(g) in handed or g.base is not None or \
            not g.flags.writeable:
        g = np.array(g)
    handed.add(id(g))
    if t._grad is None:
        t._grad = wrap(g)
    else:
        t._grad = t._grad + g if t._grad._rg else wrap(t._grad._data + g)


def _accumulate_recorded(t: Tensor, g: Tensor, handed: set[int]) -> None:
    """``_accumulate`` of a recorded adjoint (``create_graph=True``): a Tensor, copied by a
    recorded op where its array may be someone else's (one adjoint for both leaves of x + y,
    a view of it, the caller's seed) or is read-only, as the arrays of a plain pass are, so
    each ``.grad`` holds a writeable array of its own."""
    g = g if g._data.dtype == t._data.dtype else g.astype(t._data.dtype)
    arr = g._data
    if {id(g), id(arr)} & handed or arr.base is not None or not arr.flags.writeable:
        g = g * 1.0
    handed.add(id(g._data))
    t._grad = g if t._grad is None else t._grad + g
