"""The engine: primitives registry, graph nodes, recording (``apply``), traversal; ``backward``
(the reverse sweep) comes from sweep.py."""

from __future__ import annotations

import contextvars
import itertools
import traceback
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .grad_mode import STATE
from .locks import FROZEN, LOCKS, lock_leaves, unlock
from .tensor import Tensor

__all__ = [
    "REGISTRY",
    "AnomalyError",
    "Node",
    "Primitive",
    "Vertex",
    "apply",
    "backward",
    "node_name",
    "register",
    "retain",
    "retained_tensor",
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
    ``save_inputs``/``save_out`` say what the VJP reads; with ``cross`` the first two inputs are
    saved only for each other (``a·b``: ā needs b, b̄ needs a; x Wᵀ + b: x̄ needs W, W̄ needs x)
    and further inputs never; an input not saved is None in ``ins``.
    ``casts`` marks an op whose output may not be floating when an input is (``astype``).
    ``forward`` may itself call library ops on Tensors it makes from its arrays (they run in
    the same quiet NumPy context and record nothing unless an input wants a gradient).
    ``ufunc``, when given, is a NumPy ufunc equal to ``forward`` with no ``extra``: it is called
    directly, and the public functions record such an op by the short path of fastpath.py.
    ``passes_first``: the VJP hands input 0 the adjoint itself (ā = ḡ: ``a ± b``), so the sweep
    skips the call when input 1 wants no gradient.
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
    cross: bool = False
    casts: bool = False
    ufunc: Any = None
    passes_first: bool = False
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
    """How a value was made: the primitive, where its inputs came from and what the VJP needs.

    ``parents`` holds, per input, the *node* that made it, or the input Tensor itself when it is
    a leaf (a parameter, a constant, anything not produced by a recorded op). A node holds no
    intermediate Tensor and never its own output, so an intermediate value lives only as long
    as the user keeps its Tensor or a VJP saved it (``ins``/``out``) — the memory of a graph is
    what its backward pass needs, as in hand-written code. Graphs are freed by reference
    counting. ``name`` (set through ``Tensor.name``) and ``where`` (under ``detect_anomaly``)
    are optional.

    The parents of a one- or two-input op are kept in two fields (``p0``, ``p1``; ``p1`` is
    None for one input) and ``parents`` builds the tuple on demand: a tuple per node would be
    one more object for the cyclic garbage collector to track and scan, and on deep graphs its
    scans are a large part of the forward pass. Three or more parents are a tuple in ``pn``.
    """

    __slots__ = (
        "__weakref__", "attrs", "extra", "ins", "name", "op", "out", "p0", "p1", "pn",
        "retained", "scope", "seq", "shape",
    )
    _rg = True  # like Tensor._rg: the value a node makes always requires grad
    _is_node = True  # tells a node from a leaf Tensor among parents
    requires_grad = True
    held: list[np.ndarray] | None = None  # arrays locked by this node (LockingNode only)
    where: str | None = None  # the user's line that created it (LockingNode, anomaly mode)

    # Built field by field in ``apply`` (the hot path); these are the fields it sets.
    op: Primitive
    p0: Node | Tensor
    p1: Node | Tensor | None
    pn: tuple[Node | Tensor, ...] | None
    ins: tuple[np.ndarray | None, ...] | None
    out: np.ndarray | None
    extra: Any
    attrs: dict[str, Any]
    seq: int  # creation order; −1 once backward has freed the node
    scope: tuple[str, ...]
    shape: tuple[int, ...]
    name: str | None  # set only when the output tensor is named
    retained: weakref.ref[Tensor]  # set only by Tensor.retain_grad

    @property
    def parents(self) -> tuple[Node | Tensor, ...]:
        """Per input, the node that made it or (a leaf) the input Tensor itself."""
        if self.pn is not None:
            return self.pn
        return (self.p0,) if self.p1 is None else (self.p0, self.p1)

    @property
    def freed(self) -> bool:
        """True once a backward pass without ``retain_graph`` released the saved values."""
        return self.seq < 0

    def __repr__(self) -> str:
        return f"<Node {self.op.name} {self.shape}>"


def node_name(node: Node) -> str | None:
    """The name given to the node's output tensor, if any."""
    return getattr(node, "name", None)


def retained_tensor(node: Node) -> Tensor | None:
    """The live tensor made by ``node`` that called ``retain_grad()``, if any."""
    ref = getattr(node, "retained", None)
    return ref() if ref is not None else None


_RETAINING = [False]  # becomes True at the first retain_grad(): backward then looks for them


def retain(node: Node, t: Tensor) -> None:
    """Make backward store the adjoint of ``node`` in ``t.grad`` (``Tensor.retain_grad``)."""
    node.retained = weakref.ref(t)
    _RETAINING[0] = True


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
    """A node that locked leaf arrays (it gives them back when freed) or records ``where``."""

    __slots__ = ("held", "where")

    def __del__(self) -> None:
        if self.held is not None:
            unlock(self.held)
            self.held = None


_new = object.__new__  # a Tensor without its __init__; ``Node()`` (no __init__) is cheaper still
_next_seq = itertools.count().__next__


def apply(op: Primitive, args: tuple[Tensor, ...], attrs: dict[str, Any] | None = None) -> Tensor:
    """Run ``op`` forward on tensors ``args`` and record a node if any input requires grad.

    The forward runs in the thread's quiet NumPy context: non-finite results are IEEE values,
    never warnings. Arrays the graph saves become read-only while it lives (outputs and
    intermediates for good, leaves until the graph is freed: see locks.py), so no in-place
    change can make a gradient silently wrong. This is the hot path of the library; it is
    written for speed (no star-calls, one thread-local lookup, stores only of what is needed).
    """
    s = STATE.s
    n = len(args)
    try:
        if n == 2:
            a0, a1 = args
            if op.ufunc is not None:
                out = s.quiet.run(op.ufunc, a0.data, a1.data)
                extra = None
            elif attrs:
                out, extra = s.quiet.run(op.forward, a0.data, a1.data, **attrs)
            else:
                out, extra = s.quiet.run(op.forward, a0.data, a1.data)
            rg = a0._rg or a1._rg
        elif n == 1:
            a0 = args[0]
            if op.ufunc is not None:
                out = s.quiet.run(op.ufunc, a0.data)
                extra = None
            elif attrs:
                out, extra = s.quiet.run(op.forward, a0.data, **attrs)
            else:
                out, extra = s.quiet.run(op.forward, a0.data)
            rg = a0._rg
        elif n == 3 and not attrs:  # linear with a bias
            a0, a1, a2 = args
            out, extra = s.quiet.run(op.forward, a0.data, a1.data, a2.data)
            rg = a0._rg or a1._rg or a2._rg
        else:
            a0, a1 = args[0], args[1]
            out, extra = s.quiet.run(op.forward, *[a.data for a in args], **(attrs or _NO_ATTRS))
            rg = any([a._rg for a in args])
    except ValueError as exc:
        shapes = " and ".join(str(a.data.shape) for a in args)
        raise ValueError(f"{op.name}: {exc} (input shapes {shapes})") from None
    except TypeError as exc:  # e.g. NumPy refusing arithmetic on bools
        dtypes = " and ".join(str(a.data.dtype) for a in args)
        raise TypeError(f"{op.name}: {exc} (input dtypes {dtypes})") from None
    except RuntimeError as exc:
        if repr(s.quiet) not in str(exc):  # not "cannot enter context <quiet> …": the op's own
            raise
        return _apply_nested(op, args, attrs)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t.data = out
    t._grad = None
    if rg and s.grad_enabled and (not op.casts or out.dtype.kind == "f"):
        t._rg = True
        if op.save_inputs:
            if n == 2:
                if op.cross:  # a·b: each input is kept only for the other's gradient
                    ins: tuple[Any, ...] | None = (
                        a0.data if a1._rg else None, a1.data if a0._rg else None
                    )
                else:
                    ins = (a0.data, a1.data)
            elif n == 1:
                ins = (a0.data,)
            elif op.cross:  # x Wᵀ + b: x for W̄, W for x̄, never the bias
                ins = (a0.data if a1._rg else None, a1.data if a0._rg else None) + (None,) * (n - 2)
            else:
                ins = tuple([a.data for a in args])
            saved = ins
        else:
            ins = saved = None
        if out.base is not None:  # a view of an input: both must stay as they are
            saved = tuple([a.data for a in args])
            out.setflags(False)
        held = None if saved is None else _protect(args, saved)
        if op.save_out:
            out.setflags(False)  # positional: 4x cheaper than .flags.writeable = …
        if held is None and not s.anomaly:
            node = t._node = Node()
        else:
            node = t._node = LockingNode()
            node.held = held
            node.where = _user_site() if s.anomaly else None
        node.op = op
        node.p0 = a0._node or a0
        if n == 2:
            node.p1 = a1._node or a1
            node.pn = None
        elif n == 1:
            node.p1 = node.pn = None
        elif n == 3:  # linear with a bias
            node.p1 = a1._node or a1
            node.pn = (node.p0, node.p1, args[2]._node or args[2])
        else:
            node.p1 = a1._node or a1
            node.pn = tuple([a._node or a for a in args])
        node.ins = ins
        node.out = out if op.save_out else None
        node.extra = extra
        node.attrs = attrs or _NO_ATTRS
        node.seq = _next_seq()
        node.scope = s.scope
        node.shape = out.shape
    else:
        t._rg = False
        t._node = None
    if s.anomaly and out.dtype.kind == "f" and not np.all(np.isfinite(out)):
        raise AnomalyError(
            f"detect_anomaly: forward of {op.name!r} produced a non-finite value "
            f"(input shapes {[a.data.shape for a in args]}) at {_user_site()}"
        )
    return t


def _apply_nested(op: Primitive, args: tuple[Tensor, ...], attrs: dict[str, Any] | None
                  ) -> Tensor:
    """``apply`` for an op called inside another op's forward (a user's primitive built from
    library ops): the thread's quiet context is entered there already and cannot be entered
    twice, so this op runs in a copy of it (taken inside it, so just as quiet)."""
    s = STATE.s
    outer = s.quiet
    s.quiet = contextvars.copy_context()
    try:
        return apply(op, args, attrs)
    finally:
        s.quiet = outer


def _protect(args: tuple[Tensor, ...], saved: tuple[Any, ...]) -> list[np.ndarray] | None:
    """Make the saved arrays read-only: op outputs for good, leaves' arrays until the node is
    freed (counted locks, returned to be given back)."""
    leaf = False
    for i, d in enumerate(saved):  # not zip(strict=True): its keyword costs 0.2 µs per call
        if d is not None:
            a = args[i]
            if a._node is not None:
                d.setflags(False)
            elif not leaf and id(d) not in FROZEN and (d.flags.writeable or id(d) in LOCKS):
                leaf = True
    return lock_leaves(args, saved) if leaf else None


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


# ----------------------------------------------------------------------------- traversal
Vertex = Node | Tensor  # a graph vertex: a node, or a leaf tensor


def topological_order(root: Tensor | Node, only_grad: bool = False) -> list[Vertex]:
    """The vertices of ``root``'s graph in topological (forward) order, inputs first.

    A vertex is a Node (a recorded op) or a leaf Tensor; the last one is ``root``'s node (or
    ``root`` itself when it is a leaf). Iterative depth-first search; parents are visited in
    argument order, so the order is deterministic. With ``only_grad`` leaves that do not
    require grad are left out.
    """
    start: Vertex = root._node or root if isinstance(root, Tensor) else root
    order: list[Vertex] = []
    seen = {id(start)}
    stack: list[tuple[Vertex, int]] = [(start, 0)]
    while stack:
        v, i = stack[-1]
        parents = v.parents if v._is_node else ()  # type: ignore[union-attr]
        if i < len(parents):
            stack[-1] = (v, i + 1)
            p = parents[i]
            if id(p) not in seen and (p._rg or not only_grad):
                seen.add(id(p))
                stack.append((p, 0))
        else:
            stack.pop()
            order.append(v)
    return order


# The reverse sweep lives in sweep.py; it is part of the engine's interface.
from .sweep import backward  # noqa: E402
