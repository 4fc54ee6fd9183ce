"""The recording fast path for elementwise primitives that name a NumPy ufunc (``a + b``, ``x * 2``,
``tanh(x)``): the same output tensor and graph node as ``engine.apply``, in fewer steps.

``apply`` serves every primitive, so it asks on each call what kind of op it runs (how many
inputs, attributes, views, casts, anomaly mode). A ufunc primitive without ``casts`` answers
most of that once: one or two inputs, no attributes, no ``extra``, and an output that is a new
array, never a view. ``apply_ufunc`` is ``apply`` for that case and nothing else — the
public functions call it directly — and it hands anything unusual (anomaly mode, a forward
that raises) back to ``apply``, so errors, messages and anomaly checks have a single home.
tests/test_fastpath.py checks that both paths build the same node, save and lock the same
arrays and give the same gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import _NO_ATTRS, LockingNode, Node, Primitive, _new, _next_seq, apply
from .grad_mode import STATE
from .locks import FROZEN, LOCKS, lock_leaves
from .tensor import Tensor

__all__ = ["apply_ufunc"]


def apply_ufunc(op: Primitive, a0: Tensor, a1: Tensor | None = None) -> Tensor:
    """``apply(op, (a0,))`` or ``apply(op, (a0, a1))`` for a primitive with a ``ufunc`` and no
    ``casts``: out = op.ufunc(a0[, a1]) in the thread's quiet NumPy context.

    A node is recorded when an input requires grad, saving (and protecting) what
    ``save_inputs``/``cross``/``save_out`` say, exactly as ``apply`` does.
    """
    s = STATE.s
    if s.anomaly:
        return apply(op, (a0,) if a1 is None else (a0, a1))
    out: Any
    d0: Any
    d1: Any = None
    try:
        if a1 is None:
            out = s.quiet.run(op.ufunc, a0.data)
        else:
            out = s.quiet.run(op.ufunc, a0.data, a1.data)
    except (ValueError, TypeError, RuntimeError):  # apply names the op (or nests the context)
        return apply(op, (a0,) if a1 is None else (a0, a1))
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t.data = out
    t._grad = None
    if not ((a0._rg or (a1 is not None and a1._rg)) and s.grad_enabled):
        t._rg = False
        t._node = None
        return t
    t._rg = True
    leaf = False
    if op.save_inputs:
        if a1 is None:
            d0 = a0.data
            ins: Any = (d0,)
        else:
            if op.cross:  # a·b: each input is kept only for the other's gradient
                d0 = a0.data if a1._rg else None
                d1 = a1.data if a0._rg else None
            else:
                d0, d1 = a0.data, a1.data
            ins = (d0, d1)
        # engine._protect, unrolled: op outputs read-only for good, leaves locked while saved
        if d0 is not None:
            if a0._node is not None:
                d0.setflags(False)
            elif id(d0) not in FROZEN and (d0.flags.writeable or id(d0) in LOCKS):
                leaf = True
        if d1 is not None:
            if a1._node is not None:  # type: ignore[union-attr]  # d1 is set only with a1
                d1.setflags(False)
            elif id(d1) not in FROZEN and (d1.flags.writeable or id(d1) in LOCKS):
                leaf = True
    else:
        ins = None
    held = lock_leaves((a0,) if a1 is None else (a0, a1), ins) if leaf else None
    if held is None:
        node = t._node = Node()
    else:
        node = t._node = LockingNode()
        node.held = held
        node.where = None
    node.op = op
    node.p0 = a0._node or a0
    node.p1 = None if a1 is None else a1._node or a1
    node.pn = None
    node.ins = ins
    if op.save_out:
        out.setflags(False)
        node.out = out
    else:
        node.out = None
    node.extra = None
    node.attrs = _NO_ATTRS
    node.seq = _next_seq()
    node.scope = s.scope
    node.shape = out.shape
    return t
