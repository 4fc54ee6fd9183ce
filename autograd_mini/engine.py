"""The engine: primitives registry, graph nodes, recording (``apply``) and iterative backward."""

from __future__ import annotations

import heapq
import itertools
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .grad_mode import STATE
from .locks import LOCKS, lock_leaves, unlock
from .tensor import Tensor

__all__ = [
    "REGISTRY",
    "AnomalyError",
    "Node",
    "Primitive",
    "apply",
    "backward",
    "register",
    "sum_to",
    "topological_order",
]


class AnomalyError(FloatingPointError):
    """A non-finite value appeared inside ``detect_anomaly()``."""


@dataclass(frozen=True)
class Primitive:
    """An op the engine knows: ``forward(*arrays, **attrs) -> (out, extra)`` and its VJP.

    ``vjp(g, ins, out, extra, needs, **attrs)`` returns one gradient (or None) per input.
    ``ins`` and ``out`` are ndarrays on the fast first-order path and Tensors when the backward
    pass is itself recorded (``create_graph=True``); ``extra`` holds constant arrays the forward
    chose to keep (masks, indices). ``needs[i]`` says whether input ``i`` wants a gradient.
    ``domain`` names the input domain per argument for the test strategies ("real", "positive",
    "nonzero", ...; the last entry covers any further arguments); ``smooth`` is False for ops
    whose derivative jumps (relu, abs, max, ...).
    """

    name: str
    forward: Callable[..., tuple[Any, Any]]
    vjp: Callable[..., Sequence[Any]]
    nin: int = 1
    save_inputs: bool = True
    save_out: bool = False
    domain: tuple[str, ...] = ("real",)
    smooth: bool = True
    doc: str = field(default="", compare=False)


REGISTRY: dict[str, Primitive] = {}


def register(prim: Primitive) -> Primitive:
    """Add ``prim`` to the registry (names are unique)."""
    if prim.name in REGISTRY:
        raise ValueError(f"primitive {prim.name!r} is already registered")
    REGISTRY[prim.name] = prim
    return prim


class Node:
    """How a tensor was made: the primitive, its input tensors and what the VJP needs.

    A node never refers to the tensor it produced, so graphs are freed by reference counting.
    """

    __slots__ = (
        "__weakref__", "attrs", "extra", "freed", "held", "ins", "op", "out", "parents", "scope",
        "seq", "where",
    )

    # Built field by field in ``apply`` (the hot path); these are the fields it sets.
    op: Primitive
    parents: tuple[Tensor, ...]
    ins: tuple[np.ndarray, ...] | None
    out: np.ndarray | None
    extra: Any
    attrs: dict[str, Any]
    freed: bool
    held: list[np.ndarray] | None
    seq: int
    scope: tuple[str, ...]
    where: str | None

    def __repr__(self) -> str:
        return f"<Node {self.op.name}>"


def _user_site() -> str:
    """The innermost stack frame outside this library, as 'file:line in func'."""
    import os

    pkg = os.path.dirname(__file__)
    root = os.path.dirname(pkg)
    library = (pkg, os.path.join(root, "nn") + os.sep, os.path.join(root, "optim") + os.sep)
    for fr in reversed(traceback.extract_stack()):
        if not fr.filename.startswith(library):
            return f"{fr.filename}:{fr.lineno} in {fr.name}: {(fr.line or '').strip()}"
    return "<unknown>"


class LockingNode(Node):
    """A node that made some leaf arrays read-only; it gives them back when it is freed."""

    __slots__ = ()

    def __del__(self) -> None:
        if self.held is not None:
            unlock(self.held)
            self.held = None


_new = object.__new__
_next_seq = itertools.count().__next__


def apply(op: Primitive, args: tuple[Tensor, ...], attrs: dict[str, Any] | None = None) -> Tensor:
    """Run ``op`` forward on tensors ``args`` and record a node if any input requires grad.

    The forward runs in the thread's quiet NumPy context: non-finite results are IEEE values,
    never warnings. This is the hot path of the library; it is written for speed.
    """
    state = STATE
    n = len(args)
    if n == 2:
        datas: tuple[Any, ...] = (args[0].data, args[1].data)
    elif n == 1:
        datas = (args[0].data,)
    else:
        datas = tuple([a.data for a in args])
    try:
        if attrs:
            out, extra = state.quiet.run(op.forward, *datas, **attrs)
        else:
            attrs = _NO_ATTRS
            out, extra = state.quiet.run(op.forward, *datas)
    except ValueError as exc:
        shapes = " and ".join(str(d.shape) for d in datas)
        raise ValueError(f"{op.name}: {exc} (input shapes {shapes})") from None
    except TypeError as exc:  # e.g. NumPy refusing arithmetic on bools
        dtypes = " and ".join(str(d.dtype) for d in datas)
        raise TypeError(f"{op.name}: {exc} (input dtypes {dtypes})") from None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t.data = out
    t._grad = None
    t._retain = False
    t.name = None
    t._rg = False
    t._node = None
    if state.grad_enabled:
        for a in args:
            if a._rg:
                if out.dtype.kind == "f":
                    t._rg = True
                    # Arrays the graph depends on become read-only while it lives, so no
                    # in-place change can make a gradient silently wrong (see locks.py).
                    out.setflags(False)  # positional: 4x cheaper than .flags.writeable = …
                    held = None
                    if op.save_inputs or out.base is not None:
                        for p in args:
                            if p._node is None and (
                                id(p.data) in LOCKS or p.data.flags.writeable
                            ):
                                held = lock_leaves(args)
                                break
                    node = t._node = _new(Node if held is None else LockingNode)
                    node.held = held
                    node.op = op
                    node.parents = args
                    node.ins = datas if op.save_inputs else None
                    node.out = out if op.save_out else None
                    node.extra = extra
                    node.attrs = attrs
                    node.freed = False
                    node.seq = _next_seq()
                    node.scope = state.scope
                    node.where = _user_site() if state.anomaly else None
                break
    if state.anomaly and out.dtype.kind == "f" and not np.all(np.isfinite(out)):
        raise AnomalyError(
            f"detect_anomaly: forward of {op.name!r} produced a non-finite value "
            f"(input shapes {[d.shape for d in datas]}) at {_user_site()}"
        )
    return t


_NO_ATTRS: dict[str, Any] = {}


# ----------------------------------------------------------------------------- broadcasting
def sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes broadcasting added or stretched so that it has ``shape``.

    Works on ndarrays and on Tensors (then the sum is recorded).
    """
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if lead < 0:
        return g
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1
    )
    if not axes:
        return g
    if isinstance(g, Tensor):
        from . import functional as F

        out = F.sum(g, axis=axes, keepdims=True)
        return F.reshape(out, shape) if lead else out
    out = g.sum(axis=axes, keepdims=True)
    return out.reshape(shape) if lead else out


def _fit(g: Any, parent: Tensor, op: Primitive) -> Any:
    """Undo broadcasting of an input gradient and check its shape (the one central place)."""
    shape = parent.data.shape
    if g.shape != shape:
        g = sum_to(g, shape)
        if g.shape != shape:
            raise RuntimeError(
                f"backward of {op.name!r}: gradient has shape {g.shape} but the input has "
                f"shape {shape}"
            )
    return g


# ----------------------------------------------------------------------------- traversal
def topological_order(root: Tensor, only_grad: bool = False) -> list[Tensor]:
    """All tensors reachable from ``root`` in topological (forward) order, inputs first.

    Iterative depth-first search; parents are visited in argument order, so the order is
    deterministic. With ``only_grad`` the walk stays on tensors that require grad.
    """
    order: list[Tensor] = []
    seen = {id(root)}
    stack: list[tuple[Tensor, int]] = [(root, 0)]
    while stack:
        t, i = stack[-1]
        node = t._node
        parents = node.parents if node is not None and node.parents is not None else ()
        if i < len(parents):
            stack[-1] = (t, i + 1)
            p = parents[i]
            if id(p) not in seen and (p._rg or not only_grad):
                seen.add(id(p))
                stack.append((p, 0))
        else:
            stack.pop()
            order.append(t)
    return order


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
        g: Any = np.ones(root.shape, dtype=root.data.dtype)
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
    recursion and without counting dependencies first. When only one tensor is pending it is
    taken directly, so chains never touch the heap. ``.grad`` is written only at the end, so
    an error part-way changes no gradient.
    """
    if not root._rg:
        raise RuntimeError(
            "backward: the tensor does not require grad and has no graph "
            "(did you forget requires_grad=True, or build it under no_grad?)"
        )
    if retain_graph is None:
        retain_graph = create_graph
    g0 = _seed(root, grad, create_graph)
    want = None if inputs is None else {id(t): i for i, t in enumerate(inputs)}
    results: list[Any] = [None] * (len(inputs) if inputs is not None else 0)
    grads: dict[int, Any] = {id(root): g0}
    done: list[Tensor] = []  # tensors whose adjoint is final and must be reported or stored
    heap: list[tuple[int, Tensor]] = []
    nxt: Tensor | None = None  # the next tensor, when it is the only pending one (a chain)
    if root._node is not None:
        nxt = root
    else:
        done.append(root)
    anomaly = STATE.anomaly
    push, pop = heapq.heappush, heapq.heappop
    with np.errstate(all="ignore"):
        prev_mode = STATE.grad_enabled
        STATE.grad_enabled = create_graph
        try:
            while nxt is not None or heap:
                if nxt is not None:
                    t, nxt = nxt, None
                else:
                    t = pop(heap)[1]
                node: Node = t._node  # type: ignore[assignment]  # only tensors with nodes are pending
                if node.freed:
                    raise _freed_error(node)
                k = id(t)
                g = grads.pop(k)
                if t._retain or (want is not None and k in want):
                    grads[k] = g
                    done.append(t)
                parents = node.parents
                op = node.op
                n = len(parents)
                if n == 1:
                    needs: tuple[bool, ...] = _NEED1
                elif n == 2:
                    needs = (parents[0]._rg, parents[1]._rg)
                else:
                    needs = tuple([p._rg for p in parents])
                attrs = node.attrs
                if create_graph:
                    in_grads = op.vjp(g, parents, t, node.extra, needs, **attrs)
                elif attrs:
                    in_grads = op.vjp(g, node.ins, node.out, node.extra, needs, **attrs)
                else:
                    in_grads = op.vjp(g, node.ins, node.out, node.extra, needs)
                i = 0
                for pg in in_grads:
                    p = parents[i]
                    i += 1
                    if pg is None or not p._rg:
                        continue
                    if pg.shape != p.data.shape:
                        pg = _fit(pg, p, op)
                    if anomaly:
                        _check_grad(pg, p, node)
                    k = id(p)
                    prev = grads.get(k)
                    if prev is None:
                        grads[k] = pg
                        pn = p._node
                        if pn is None:
                            done.append(p)
                        elif nxt is None and not heap:
                            nxt = p  # nothing else is pending, so p is next: no heap needed
                        else:
                            if nxt is not None:
                                push(heap, (-nxt._node.seq, nxt))  # type: ignore[union-attr]
                                nxt = None
                            push(heap, (-pn.seq, p))
                    else:
                        grads[k] = prev + pg
                if not retain_graph:
                    node.ins = node.out = node.extra = None
                    node.freed = True
                    if node.held is not None:
                        unlock(node.held)
                        node.held = None
        finally:
            STATE.grad_enabled = prev_mode
    if want is not None:
        for t in done:
            if id(t) in want:
                results[want[id(t)]] = grads[id(t)]
        return results
    handed: set[int] = set()
    user_seed = id(g0) if grad is not None else -1
    for t in done:
        _accumulate(t, grads[id(t)], handed, user_seed)
    return None


_NEED1 = (True,)


def _check_grad(pg: Any, p: Tensor, node: Node) -> None:
    arr = pg.data if isinstance(pg, Tensor) else pg
    if not np.all(np.isfinite(arr)):
        raise AnomalyError(
            f"detect_anomaly: backward of {node.op.name!r} produced a non-finite gradient "
            f"for an input of shape {p.shape}; the op was created at {node.where}"
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
        gt = Tensor.__new__(Tensor)
        gt.data = g
        gt._rg = False
        gt._grad = None
        gt._node = None
        gt._retain = False
        gt.name = None
        t._grad = gt
    else:
        t._grad = Tensor(t._grad.data + g) if not t._grad._rg else t._grad + g
