"""The op API's promises, checked where an op could break them (a user's op, most likely): a
forward returns (value, residuals) and leaves its inputs alone; a VJP returns one gradient per
input and leaves its upstream gradient alone. ``apply`` asks on an op's first call, the reverse
sweep on its first backward; each error names the op and says what to write instead. Also the
names an op's ``domain`` option may use (``DOMAIN_NAMES``, ``check_domain``), importable without
the test strategies; and the error for a forward that fails (``forward_error``)."""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from .checks import add_note, own_array, user_site

__all__ = ["DOMAIN_NAMES", "check_domain", "check_forward", "check_result", "check_vjp",
           "forward_error"]

#: The input domains the test strategies and the per-op report can sample, for ``Primitive``'s
#: ``domain`` option (``autograd_mini.catalog.DOMAINS`` gives each one's sampling interval).
DOMAIN_NAMES: tuple[str, ...] = ("real", "positive", "nonzero", "above_minus_one", "unit_open",
                                 "inside_half_pi", "off_half_grid", "half_steps")

Primitive = Any  # engine.Primitive (engine imports this module)


def check_domain(name: str, domain: Any) -> None:
    """Refuse an op's ``domain`` option unless it is a non-empty tuple of names in
    ``DOMAIN_NAMES`` (a misspelt name would otherwise surface only when the op is sampled)."""
    if isinstance(domain, str) or not isinstance(domain, (tuple, list)) or not all(
            isinstance(d, str) for d in domain):
        raise TypeError(f"primitive {name!r}: domain must be a tuple of domain names such as "
                        f"('real',) or ('positive', 'real'), got {domain!r:.60}")
    valid = ", ".join(DOMAIN_NAMES)
    if not domain:
        raise ValueError(f"primitive {name!r}: domain is empty; give one name per input (the "
                         f"last covers further inputs), from: {valid}")
    for d in domain:
        if d not in DOMAIN_NAMES:
            close = difflib.get_close_matches(d, DOMAIN_NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"primitive {name!r}: unknown domain {d!r}{hint}; valid names: "
                             f"{valid}")


def check_forward(op: Primitive, res: Any, arrays: list[np.ndarray], before: list[np.ndarray]
                  ) -> None:
    """Refuse a forward that is not a pair (value, residuals) (a 2-element array would unpack
    silently), whose value is not real numbers (complex, strings, objects), whose residuals are
    a list or hold an input or the value in a nested container (only a tuple's own items
    reach a recorded VJP as Tensors), whose value is one of its input arrays itself (one array
    for two tensors: a later op saving the value would lock the input for good), or that wrote
    into its inputs (the caller's tensors: they are put back first from the copies ``before``
    of ``arrays``)."""
    for i, (a, b) in enumerate(zip(arrays, before, strict=True)):
        if not np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
            if a.flags.writeable:
                a[...] = b
            raise TypeError(f"{op.name}: forward wrote into its input {i} (shape {a.shape}); "
                            "compute into new arrays instead (the input is put back)")
    if type(res) is not tuple or len(res) != 2:
        raise TypeError(f"{op.name}: forward must return a pair (value, residuals), got "
                        f"{type(res).__name__}")
    dtype = np.asarray(own_array(res[0])).dtype
    if dtype.kind not in "fiub":
        raise TypeError(f"{op.name}: forward returned a value of dtype {dtype}; tensors hold "
                        "real numbers (for a complex intermediate, return its .real or its "
                        "parts)")
    if type(res[1]) is list:
        raise TypeError(f"{op.name}: forward returned its residuals as a list; return a tuple "
                        "(a recorded VJP gets a tuple's arrays as Tensors)")
    for i, a in enumerate(arrays):
        if res[0] is a:  # (one array for two tensors: a later op would lock it as the value's)
            raise TypeError(f"{op.name}: forward returned its input {i} itself as its value; "
                            "return a view (x[...]) or a copy (x.copy()) instead")
    if _nested(res[1], [*arrays, res[0]]):
        raise TypeError(f"{op.name}: forward returned an input or its value inside a nested "
                        "residual; a recorded VJP (create_graph=True) gets only the items of "
                        "the residual tuple itself as Tensors: return them flat, (x, meta) and "
                        "not ((x,), meta)")
    if op.cross and (type(res[1]) is not tuple or len(res[1]) < 2):
        raise TypeError(f"{op.name}: an op defined with cross=True must return residuals "
                        "(a, b, ...): a tuple whose first two items are its first two inputs, "
                        f"got {type(res[1]).__name__}")
    op.forward_checked = True


def _nested(saved: Any, arrays: list[Any]) -> bool:
    """Whether one of ``arrays`` (ndarrays) is inside a tuple, list or dict within the
    residuals (below the residual tuple's own items), where a recorded VJP would get it as a
    constant. Each container is looked into once (one may hold itself)."""
    todo = list(saved) if type(saved) is tuple else [saved]
    todo = [r for r in todo if isinstance(r, (tuple, list, dict))]
    seen: set[int] = set()
    while todo:
        r = todo.pop()
        if id(r) in seen:
            continue
        seen.add(id(r))
        for item in r.values() if isinstance(r, dict) else r:
            if type(item) is np.ndarray and any(item is a for a in arrays):
                return True
            if isinstance(item, (tuple, list, dict)):
                todo.append(item)
    return False


def check_vjp(op: Primitive, grads: Any, n: int, g: Any, before: np.ndarray | None) -> None:
    """Refuse a VJP that wrote into its upstream gradient ``g`` (an array or a Tensor, shared
    with other inputs' shares and the caller's seed; it is put back from the copy ``before``),
    or whose result is not one gradient for each of the ``n`` inputs (``check_result``). Asked
    on an op's first backward (``before``: a copy of ``g``) and whenever a later one's count is
    wrong (``before`` None)."""
    arr = np.asarray(own_array(g))  # (a Tensor's own array, not a copy)
    if before is not None and not np.array_equal(arr, before, equal_nan=True):
        arr[...] = before
        raise TypeError(f"backward of {op.name!r}: the VJP wrote into its upstream gradient g; "
                        "compute a new array (g * 3, not g *= 3)")
    check_result(op, grads, n)
    op.vjp_checked = op.vjp_checked or before is not None


def check_result(op: Primitive, grads: Any, n: int) -> None:
    """Refuse a VJP result that is not a tuple with a gradient (an array, a Tensor or None) for
    each of the ``n`` inputs."""
    if type(grads) not in (tuple, list) or len(grads) != n:
        length = f" of length {len(grads)}" if type(grads) in (tuple, list) else ""
        raise TypeError(f"backward of {op.name!r}: the VJP must return a tuple with one "
                        f"gradient (or None) per input ({n}), got {type(grads).__name__}{length}")
    for i, g in enumerate(grads):
        if g is not None and not hasattr(g, "shape"):  # (NumPy scalars have one)
            raise TypeError(f"backward of {op.name!r}: the VJP's gradient {i} must be an array, "
                            f"a Tensor or None, got {type(g).__name__}")


def forward_error(op: Primitive, exc: Exception, arrays: list[np.ndarray]) -> Exception:
    """The error to raise for ``exc`` from ``op``'s forward: NumPy's ValueError or TypeError
    as a plain one naming the op and the input shapes (and, for a user's op, the line in its
    forward), any other error as it is, with a note naming the op."""
    if not isinstance(exc, (ValueError, TypeError)):
        add_note(exc, f"(in the forward of op {op.name!r})")
        return exc
    if str(exc).startswith(f"{op.name}: "):  # names the op already (apply's own checks)
        return exc
    shapes = " and ".join(str(a.shape) for a in arrays)
    kind = TypeError if isinstance(exc, TypeError) else ValueError  # not NumPy's subclasses
    text, private = str(exc), f"{getattr(op.forward, '__name__', '')}() "
    if text.startswith(private):  # "_relu() got an unexpected keyword …": the op's name says it
        text = text[len(private):]
    err = kind(f"{op.name}: {text} (input shapes {shapes})")
    if site := user_site(exc):
        add_note(err, f"raised in the forward at {site}")
    err.__suppress_context__ = True  # (NumPy's traceback adds nothing to the message)
    return err
