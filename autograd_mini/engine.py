"""Recording: the op API (``Primitive``, ``primitive``), the registry, graph nodes, and ``apply``,
the one function that runs an op and records it.

An op is a pair of functions on arrays, as in JAX's ``custom_vjp``:

    forward(*arrays, **attrs) -> (out, residuals)
    vjp(g, residuals, needs, **attrs) -> one gradient (or None) per input

``residuals`` is whatever the VJP needs (None, an array, or a tuple); ``needs[i]`` says whether
input ``i`` wants a gradient. The VJP runs on ndarrays, or on Tensors when the backward pass is
itself recorded (``create_graph=True``): then a residual that *is* an input array or the output
array arrives as that Tensor, connected to the graph, and any other residual as a constant.
"""

from __future__ import annotations

import inspect
import itertools
import types
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .checks import user_site
from .constants import argument
from .grad_mode import STATE, AnomalyError
from .opcheck import check_domain, check_forward, forward_error
from .tensor import FUNCTIONS, LOCKS, Tensor, lock, lockable, unlock, wrap

__all__ = ["REGISTRY", "Node", "Primitive", "apply", "primitive", "registered"]

NO_ATTRS: dict[str, Any] = {}


def apply(op: Primitive, *args: Any, **attrs: Any) -> Tensor:
    """Record ``op`` on ``args`` (``op(*args)`` calls this): run ``op.forward`` on their arrays
    (quietly: IEEE results); make a node if an input requires grad, in grad mode, for floats."""
    s = STATE.s
    arrays, needs, parents = [], [], []  # (one plain loop: cheaper than comprehensions here)
    copies = None
    for a in args:
        if (type(a) is not Tensor and not isinstance(a, Tensor)) or (
                op.floating and not a._rg and a._data.dtype.kind != "f"):
            a = argument(a, args, op.floating, op.name)  # a number or an array: a constant
        arrays.append(a._data)
        needs.append(a._rg)
        parents.append(a._node or a)  # the node that made it, or the leaf itself
        if len(arrays) > 1 and arrays[-1] is arrays[-2]:  # (x beside x.detach(): see apart)
            arrays[-1], copies = apart(arrays, parents, copies)
    before = None if op.forward_checked else [a.copy() for a in arrays]  # (first call only)
    try:
        try:
            res = (s.quiet.run(op.forward, *arrays, **attributes(op, attrs)) if attrs else
                   s.quiet.run(op.forward, *arrays))
        except RuntimeError as exc:  # an op inside another op's forward: quiet already
            if repr(s.quiet) not in str(exc):
                raise
            res = op.forward(*arrays, **attrs)
    except Exception as exc:  # e.g. shapes that do not broadcast: say which op
        raise forward_error(op, exc, arrays) from exc.__cause__
    if before is not None:  # the op's first result: does it keep the op API's promise?
        check_forward(op, res, arrays, before)
    out, saved = res
    if type(out) is not np.ndarray:
        out, saved = _zero_d(op, out, saved)
    if s.anomaly and out.dtype.kind == "f" and not np.all(np.isfinite(out)):
        raise AnomalyError(f"detect_anomaly: forward of {op.name!r} produced a non-finite value "
                           f"(input shapes {[a.shape for a in arrays]}) at {user_site()}")
    if True not in needs or not s.grad_enabled or out.dtype.kind != "f":
        return wrap(out)
    if op.cross:
        saved = (saved[0] if needs[1] else None, saved[1] if needs[0] else None, *saved[2:])
    attrs = owned(attrs) if attrs else NO_ATTRS  # (the caller's arrays: see owned)
    leaves = None if saved is None and out.base is None else protect(parents, arrays, out, saved)
    plain = leaves is None and copies is None and not s.anomaly
    node = Node(parents) if plain else LockingNode(parents)
    node.op, node.needs, node.saved, node.attrs = op, tuple(needs), saved, attrs
    node.out_id, node.shape, node.seq, node.scope = id(out), out.shape, next(_SEQ), s.scope
    node.name = node.retained = None
    if type(node) is LockingNode:  # (the locks last, straight into the node that gives them
        node.copies, node.where = copies, user_site() if s.anomaly else None  # back: a Ctrl+C
        node.held = lock(leaves) if leaves else None  # in between cannot leave one taken)
    return wrap(out, node)


def owned(attrs: dict[str, Any]) -> dict[str, Any]:
    """The node's own ``attrs``: an array among them (a mask, a condition, class targets), also
    inside a tuple (an index), is copied, so that the caller changing theirs before backward
    cannot change the gradient (the VJP sees what the forward saw)."""
    for k, v in attrs.items():
        if type(v) is np.ndarray or (type(v) is tuple and np.ndarray in map(type, v)):
            attrs[k] = tuple(map(_own, v)) if type(v) is tuple else _own(v)
    return attrs


def attributes(op: Primitive, attrs: dict[str, Any]) -> dict[str, Any]:
    """``attrs`` for the forward, refusing, while gradients are recorded, a tensor that
    requires grad among them: an attribute is a constant, so its gradient would be lost."""
    if STATE.s.grad_enabled:
        for k, v in attrs.items():
            if isinstance(v, Tensor) and v._rg:
                raise _attribute_error(op, k)
    return attrs


def _attribute_error(op: Primitive, key: str) -> TypeError:
    """The error for a tensor that requires grad given to ``op`` as the keyword ``key``."""
    return TypeError(f"{op.name}: the keyword argument {key}= is a tensor that requires grad, "
                     "but keyword arguments are constants (its gradient would be lost): pass it "
                     f"among the op's positional inputs to differentiate it, or {key}=t.detach()")


def _own(v: Any) -> Any:
    """A copy of an ndarray that could still change (writeable, or a view); anything else."""
    if type(v) is np.ndarray and (v.flags.writeable or v.base is not None):
        return v.copy()
    return v


def apart(arrays: list[np.ndarray], parents: list[Node | Tensor],
          copies: dict[int, int] | None) -> tuple[np.ndarray, dict[int, int] | None]:
    """The last input holds the array object of the one before: the same tensor twice
    (``x * x``) shares it, but another origin (``w * w.detach()``, ``x / x.data``) gets a
    copy, so that a recorded VJP, which knows its residuals by identity, can tell them apart.
    Returns the last input's array for the forward and ``copies``, {id(copy): input index}."""
    if parents[-1] is parents[-2]:
        return arrays[-1], copies
    arr = arrays[-1].copy()
    return arr, {**(copies or {}), id(arr): len(arrays) - 1}


class Primitive:
    """A differentiable op: ``forward(*arrays, **attrs) -> (out, residuals)`` and
    ``vjp(g, residuals, needs, **attrs) -> gradients`` (see the module docstring).

    Calling it records it: ``op(x, y, **attrs)``; inputs may be Tensors, arrays or numbers
    (numbers take a floating Tensor input's dtype, so float32 stays float32). Options:
    ``floating`` casts integer and bool inputs to float64 first (exp, log, …); ``cross`` says
    ``residuals[0]`` and ``residuals[1]`` are the first two inputs, each needed only for the
    other's gradient (a·b, x Wᵀ), so each is kept only when the other input wants a gradient.
    ``domain`` names each input's domain for the test strategies ("real", "positive",
    "nonzero", …; the last entry covers further inputs); ``smooth`` is False where the
    derivative jumps (relu, abs, max); ``nin`` is the input count the test strategies draw
    (−1: any; by default the forward's positional parameters without a default, −1 with
    ``*arrays``).
    """

    def __init__(self, name: str, forward: Callable[..., tuple[Any, Any]],
                 vjp: Callable[..., Sequence[Any]], *, nin: int | None = None,
                 floating: bool = False,
                 cross: bool = False, domain: tuple[str, ...] = ("real",), smooth: bool = True,
                 doc: str | None = None) -> None:
        check_domain(name, domain)  # (a misspelt name would surface only when sampled)
        self.name = self.__name__ = name
        self.forward, self.vjp = forward, vjp
        self.nin = _arity(forward) if nin is None else nin
        self.floating, self.cross, self.smooth = floating, cross, smooth
        self.domain = tuple(domain)
        self.doc = (forward.__doc__ or "").strip() if doc is None else doc
        self.__doc__ = self.doc
        self.forward_checked = self.vjp_checked = False  # (see check_forward, check_vjp)

    __call__ = apply  # op(x, y, **attrs) records the op (see ``apply``)

    #: False where a recorded in-place update of the op's result would be lost on the caller
    #: (a module hook's gate hands ``forward`` new tensors for the caller's): it is refused
    in_place = True

    def __repr__(self) -> str:
        return f"<Primitive {self.name}>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        """The library's registered ops are pickled and copied as their names (a module
        holding ``am.relu`` pickles, and a copy is the op itself: some have lambdas for
        VJPs); any other op by value, so loading it imports the module defining it."""
        if REGISTRY.get(self.name) is self and _origin(self.forward)[0].startswith(
                "autograd_mini."):
            return registered, (self.name,)
        return super().__reduce_ex__(protocol)


REGISTRY: dict[str, Primitive] = {}  # every op the library (or a user) defined by name


def registered(name: str) -> Primitive:
    """The op registered as ``name`` (how a pickled op comes back)."""
    return REGISTRY[name]


def primitive(name: str, forward: Callable[..., tuple[Any, Any]],
              vjp: Callable[..., Sequence[Any]], **options: Any) -> Primitive:
    """Define an op and register it, so that it is tested, drawn, explained and listed in the
    per-op report like the library's own; call the result to record it. See ``Primitive``.
    Defining it again from the same named function (a notebook cell run twice, with a fixed
    VJP) replaces it; another op of the same name, or one whose forward is a lambda or not a
    plain function, is refused, and so is the name of one of the library's functions."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"primitive: name must be a non-empty string, got {name!r:.60}")
    if not callable(forward) or not callable(vjp):
        raise TypeError(f"primitive {name!r}: forward and vjp must be functions, got "
                        f"{type(forward).__name__} and {type(vjp).__name__}")
    old = REGISTRY.get(name)
    if old is None and name in FUNCTIONS:  # a composite (mean, var): the report lists by name
        raise ValueError(f"primitive {name!r}: the library has a function of that name "
                         f"(autograd_mini.{name}), which the per-op report and the test "
                         "strategies would confuse with your op: choose another name")
    if old is not None and (_origin(old.forward) != _origin(forward) or
                            _origin(forward)[1].endswith(("<lambda>", "?"))):
        raise ValueError(f"primitive {name!r} is already registered, by a forward defined in "
                         f"{_origin(old.forward)[0]}: choose another name (or, to replace it, "
                         f"del autograd_mini.REGISTRY[{name!r}] first; am.Primitive makes an "
                         "op that is not registered)")
    op = REGISTRY[name] = Primitive(name, forward, vjp, **options)
    return op


def _arity(forward: Callable[..., Any]) -> int:
    """How many arrays ``forward`` takes: its positional parameters without a default (−1
    with ``*arrays``; 1 where Python cannot tell, as for some built-in functions)."""
    try:
        params = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        return 1
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return -1
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
               for p in params)


def _origin(fn: Callable[..., Any]) -> tuple[str, str]:
    """Where a function was defined: (module, qualified name); "?" for a callable that is not
    a plain function (a partial, an instance), which tells nothing of where it was made."""
    if not isinstance(fn, types.FunctionType):
        return getattr(fn, "__module__", None) or "?", "?"
    return fn.__module__ or "?", fn.__qualname__


class Node(list):
    """How a value was made: the list of its inputs' origins, with the op and what its VJP
    needs as attributes.

    Item ``i`` is the node that made input ``i``, or the input Tensor itself for a leaf
    (``parents`` gives them as a tuple). A node never refers to its output tensor, so an
    intermediate value lives only as long as the user holds it or a VJP saved it, and graphs
    are freed by reference counting. (A list rather than an object holding a tuple: Python's
    cyclic garbage collector scans every object of a live graph, and this is one per op.)
    ``apply`` makes nodes and fills in the fields below.
    """

    __slots__ = ("__weakref__", "attrs", "name", "needs", "op", "out_id", "retained", "saved",
                 "scope", "seq", "shape")
    op: Primitive
    needs: tuple[bool, ...]  # which inputs want a gradient
    saved: Any  # the forward's residuals for the VJP; None once freed
    attrs: dict[str, Any]  # the op's keyword attributes
    out_id: int  # id of the output array, to know it among the residuals
    shape: tuple[int, ...]  # the output's shape
    seq: int  # creation order (a node comes after its inputs); −1 once freed
    scope: tuple[str, ...]  # the name scope it was made in
    name: str | None  # the output tensor's name, for drawings
    retained: weakref.ref[Tensor] | None  # the tensor whose .grad to keep (retain_grad)
    held: list[np.ndarray] | None = None  # leaf arrays locked for it (LockingNode)
    copies: dict[int, int] | None = None  # inputs apply gave a copy (LockingNode; see apart)
    where: str | None = None  # the user's line that made it (LockingNode, anomaly mode)
    requires_grad = True
    __eq__ = object.__eq__  # a node is itself, not a list equal to others
    __ne__ = object.__ne__
    __hash__ = object.__hash__  # type: ignore[assignment]

    @property
    def parents(self) -> tuple[Node | Tensor, ...]:
        """The inputs' origins: the node that made each input, or the leaf Tensor itself."""
        return tuple(self)

    @property
    def freed(self) -> bool:
        """True once a backward pass without ``retain_graph`` released the saved values."""
        return self.seq < 0

    def retain(self, t: Tensor) -> None:
        """Make backward store this node's adjoint in ``t.grad`` (``Tensor.retain_grad``)."""
        self.retained = weakref.ref(t)

    def recorded_saved(self) -> Any:
        """The residuals for a recorded VJP: inputs and output as graph-connected Tensors.

        A residual is known by identity: ``apply`` gave inputs of different origins array
        objects of their own (``copies``), so ``w / w.detach()`` is told apart. A residual that
        is still two values' array (an op returning an input itself as its value) is refused,
        not guessed."""
        copies = self.copies or {}  # id(copy) -> the input apply copied it for

        def lift(r: Any) -> Any:
            if type(r) is not np.ndarray:
                return r
            found = [wrap(r, self)] if id(r) == self.out_id else []
            for i, p in enumerate(self):
                if i in copies.values():
                    hit = copies.get(id(r)) == i
                else:
                    hit = p._data is r if isinstance(p, Tensor) else id(r) == p.out_id
                if hit and not any(f is p or f._node is p for f in found):
                    found.append(p if isinstance(p, Tensor) else wrap(r, p))
            if not found and r.base is None and any(r is h for h in self.held or ()):
                raise RuntimeError(  # a leaf's saved array, but the leaf holds another now
                    f"backward of {self.op.name!r} with create_graph=True: an input's array was "
                    "replaced (t.data = ...) after the op saved it, so its second derivative "
                    "cannot be recorded: run the forward again after changing t.data")
            if len(found) > 1:
                raise RuntimeError(
                    f"backward of {self.op.name!r} with create_graph=True: a residual (shape "
                    f"{r.shape}) is the array of {len(found)} different values, so its VJP "
                    "cannot be recorded: where x and x.detach() are not next to each other "
                    "among an op's arguments, pass x.detach().copy(); an op of your own "
                    "returns a copy (x.copy()) as its value, not its input")
            return found[0] if found else r
        saved = self.saved
        return tuple(lift(r) for r in saved) if type(saved) is tuple else lift(saved)

    def __repr__(self) -> str:
        return f"<Node {self.op.name} {self.shape}>"


class LockingNode(Node):
    """A node that locked leaf arrays (given back when it is freed or collected), that records
    where it was made (anomaly mode), or whose inputs ``apply`` gave copies."""

    __slots__ = ("copies", "held", "where")

    def __del__(self) -> None:
        held = getattr(self, "held", None)  # (unset if interrupted before apply locked)
        if held is not None:
            unlock(held)


_SEQ = itertools.count()


def _zero_d(op: Primitive, out: Any, saved: Any) -> tuple[np.ndarray, Any]:
    """NumPy gives a scalar for a 0-d result: an array instead, also among the residuals. A
    value that is a Tensor which requires grad is refused: the forward reached a tensor other
    than through its inputs (a global; ``attributes`` refuses a keyword one), whose gradient
    would be lost."""
    if isinstance(out, Tensor) and out._rg:
        raise TypeError(f"{op.name}: the forward computed a Tensor that requires grad, from a "
                        "tensor it did not get as an input (whose gradient would be lost): an "
                        "op's forward runs on arrays; pass that tensor among the op's inputs")
    arr = np.asarray(out)
    if saved is out:
        return arr, arr
    return arr, tuple([arr if r is out else r for r in saved]) if type(saved) is tuple else saved


def protect(parents: list[Node | Tensor], arrays: list[np.ndarray], out: np.ndarray,
            saved: Any) -> list[np.ndarray] | None:
    """Make what a node saves read-only: ops' arrays for good; leaves' are returned, for the node
    to lock. So no in-place change makes a gradient silently wrong; a view output protects all
    inputs. A view of an array that can be locked, read-only or not, is locked with it."""
    keep = saved if type(saved) is tuple else (saved,)
    if out.base is not None:
        keep = (*keep, *arrays, out)  # (out last: over an op's array kept for good, so is out)
    leaves: list[np.ndarray] = []
    for r in keep:  # (the order of the test: see tensor.LOCKS)
        if type(r) is not np.ndarray or not (id(r) in LOCKS or r.flags.writeable or
                                              (r.base is not None and lockable(r.base))):
            continue  # not an array, or read-only for good (a constant, an op's result)
        for d, p in zip(arrays, parents):
            if r is d and isinstance(p, Tensor):
                leaves.append(r)  # a leaf's array: locked while the node lives
                break
        else:  # a view (kept for good only over arrays kept so), or an op's array that a
            if (r.base is not None and lockable(r.base)) or id(r) in LOCKS:  # leaf shares
                leaves.append(r)  # (h.detach()), whose last unlock would undo a mark for good
            else:
                r.setflags(False)  # type: ignore[call-arg]  # write=False (positional: faster)
    return leaves or None
