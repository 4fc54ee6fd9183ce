"""Function transforms: grad, value_and_grad, jacobian, hessian and Hessian-vector products.

They compose (``grad(grad(f))``, ``jacobian(grad(f))``) and work inside ordinary autograd, as
``torch.func``'s do: when the function's value depends on a tensor that requires grad other
than the arguments differentiated (an argument an outer transform differentiates, or a tensor
the function reaches through a closure, such as a model's weights), the derivative is recorded
(``create_graph``), so it can be differentiated in turn. Each differentiated argument is a
variable of its own: ``grad(f, 0)(x, 2 * x)`` is the partial derivative ∂f/∂a at (x, 2x).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import functional as F
from .backward import backward
from .checks import as_array, flag
from .grad_mode import enable_grad, is_grad_enabled
from .tensor import Tensor

__all__ = ["grad", "hessian", "hvp", "jacobian", "value_and_grad"]

ArgNums = int | Sequence[int]


def _is_int(k: Any) -> bool:
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def _check_argnums(argnums: Any, name: str) -> None:
    """Refuse argnums that are not an int or a non-empty tuple/list of ints (at wrap time)."""
    if _is_int(argnums):
        return
    if not isinstance(argnums, (tuple, list)) or not all(_is_int(k) for k in argnums):
        raise TypeError(f"{name}: argnums must be an int or a tuple of ints, got {argnums!r:.60}")
    if not argnums:
        raise ValueError(f"{name}: argnums is empty")


def _check_fn(f: Any, name: str) -> None:
    if isinstance(f, Tensor):  # torch.autograd.grad(loss, [w]) spelled with am.grad
        raise TypeError(f"{name}: f must be a function (autograd_mini.{name}(f)(x) gives "
                        f"∂f/∂x), got a Tensor; for PyTorch's torch.autograd.grad(loss, [w]), "
                        "call loss.backward(inputs=[w]) and read w.grad (with "
                        "create_graph=True to differentiate it again)")
    if not callable(f):
        raise TypeError(f"{name}: f must be callable, got {type(f).__name__}")


def _argnums(argnums: ArgNums, n: int, name: str) -> tuple[int, ...]:
    items: Sequence[Any] = (argnums,) if _is_int(argnums) else argnums  # type: ignore[assignment]
    nums = tuple(int(k) for k in items)
    for k in nums:
        if not -n <= k < n:
            raise ValueError(f"{name}: argnums {argnums!r} out of range for {n} arguments")
    if len({k % n for k in nums}) != len(nums):
        raise ValueError(f"{name}: argnums {argnums!r} names an argument twice")
    return tuple(k % n for k in nums)


def _is_tree(x: Any) -> bool:
    """Whether ``x`` is a container of variables, as torch.func's parameters: a dict, or a
    tuple or list holding an array, a Tensor or such a container (a list of numbers, or of
    lists of numbers, is one array, as NumPy reads it)."""
    return isinstance(x, dict) or (isinstance(x, (tuple, list)) and any(
        isinstance(e, (Tensor, np.ndarray)) or _is_tree(e) for e in x))


def _variables(x: Any, name: str, where: str = "") -> tuple[Any, list[Tensor]]:
    """``x`` with each array in it made a variable (``_diff_leaf``), and those variables in
    order; a container (``_is_tree``) keeps its form, so ``f`` gets what it was given. In a
    container (at ``where``, e.g. ``['w']``) only arrays, Tensors, floats and lists of numbers
    are variables: anything else (an int count, None, a string) is refused, as torch.func's."""
    if not _is_tree(x):
        if where and not isinstance(x, (Tensor, np.ndarray, float, np.floating, list, tuple)):
            raise TypeError(f"{name}: the argument's entry {where} is a {type(x).__name__}; "
                            "every entry of a tuple, list or dict differentiated is an array "
                            "or a Tensor: pass other values as arguments of their own")
        leaf = _diff_leaf(x, name)
        return leaf, [leaf]
    found: list[Tensor] = []
    keys = list(x) if isinstance(x, dict) else range(len(x))
    made = []
    for k in keys:
        v, vs = _variables(x[k], name, f"{where}[{k!r}]")
        made.append(v)
        found += vs
    return _rebuilt(x, made), found


def _rebuilt(x: Any, items: list[Any]) -> Any:
    """A container of ``x``'s form (dict, list, tuple, named tuple) holding ``items``."""
    if isinstance(x, dict):
        return dict(zip(x, items))
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*items)
    return type(x)(items) if isinstance(x, list) else tuple(items)


def _like(x: Any, values: Any) -> Any:
    """``values`` (an iterator) placed as the variables of ``_variables(x)`` were."""
    if not _is_tree(x):
        return next(values)
    items = x.values() if isinstance(x, dict) else x
    return _rebuilt(x, [_like(e, values) for e in items])


def _one_array(x: Any, name: str) -> None:
    """Refuse a container where a transform differentiates one array (jacobian, hessian,
    hvp)."""
    if _is_tree(x):
        how = "concatenate them" if name == "hvp" else (
            "pass each as an argument of its own (argnums=k for each), or concatenate them")
        raise TypeError(f"{name}: differentiates one array, got a {type(x).__name__} of them: "
                        f"{how}")


def _diff_leaf(x: Any, name: str = "grad") -> Tensor:
    """A tensor to differentiate with respect to: a fresh leaf, or for a Tensor that requires
    grad a recorded copy x·1 (a variable of its own, still connected to x for an outer pass)."""
    if isinstance(x, Tensor):
        if x.requires_grad and is_grad_enabled():
            return F.mul(x, 1.0)
        data = x.data
    else:
        data = as_array(x, copy=False, where=name)
    if data.dtype.kind != "f":
        data = data.astype(np.float64)
    t = Tensor(data, requires_grad=True)
    return t


#: the fresh leaves of transforms that have returned: what depends on them concerned only their
#: own transform, so they never make an outer one record (while it runs, an inner one must)
_FINISHED: weakref.WeakValueDictionary[int, Tensor] = weakref.WeakValueDictionary()


def _finish(wrt: list[Tensor]) -> None:
    for w in wrt:
        if w._node is None:
            _FINISHED[id(w)] = w


def _prepare(args: tuple[Any, ...], nums: tuple[int, ...], name: str
             ) -> tuple[list[Any], list[Tensor]]:
    """The arguments with those in ``nums`` made variables to differentiate (each array in a
    container, see ``_variables``), and all those variables in order."""
    args_l = list(args)
    wrt: list[Tensor] = []
    for k in nums:
        args_l[k], vs = _variables(args_l[k], name)
        wrt += vs
    return args_l, wrt


def _call(f: Callable[..., Any], args: list[Any], kwargs: dict[str, Any], wrt: list[Tensor],
          name: str) -> Any:
    """``f(*args, **kwargs)``, refusing an ``f`` that updated a variable of ``wrt`` in place
    (``x *= 2`` makes ``x`` a new value: its derivative would be taken with respect to that,
    not to the argument passed in), as torch.func does."""
    before = [w._node for w in wrt]
    out = f(*args, **kwargs)
    if any(w._node is not node for w, node in zip(wrt, before)):
        raise RuntimeError(f"{name}: the function updated its argument in place (x *= 2, "
                           "x += ...), so the derivative would not be the argument's: write "
                           "x = x * 2 (a new tensor) instead")
    return out


def _nested(out: Tensor, wrt: list[Tensor], grad_mode: bool) -> bool:
    """Whether to record the derivative of ``out``: grad mode was on at the call and ``out``
    depends on a tensor requiring grad that is not among ``wrt`` (an outer transform's
    variable, or a closure's weights). One iterative walk of ``out``'s graph."""
    if not grad_mode or out._node is None:
        return False
    if any(w._node is not None for w in wrt):
        return True  # a copy x·1 of an argument that requires grad (see _diff_leaf)
    own = {id(w) for w in wrt}
    seen: set[int] = set()
    stack = [out._node]
    while stack:
        node = stack.pop()
        for p, need in zip(node, node.needs):
            if not need or id(p) in seen or id(p) in own:
                continue
            if isinstance(p, Tensor):
                if _FINISHED.get(id(p)) is not p:
                    return True  # a leaf requiring grad that is not differentiated here
                continue
            seen.add(id(p))
            stack.append(p)
    return False


def _scalar_out(out: Any, name: str) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}: the function must return a Tensor, got {type(out).__name__}")
    if out.data.size != 1:
        raise ValueError(f"{name}: the function must return a scalar, got shape {out.shape}")
    return out


def _grads_of(out: Tensor, wrt: list[Tensor], create_graph: bool) -> list[Tensor]:
    if not out.requires_grad:
        return [F.mul(w, 0.0) if create_graph else Tensor(np.zeros_like(w.data))
                for w in wrt]
    gs = backward(out, None, retain_graph=True, create_graph=create_graph, inputs=wrt)
    assert gs is not None
    res = []
    for w, g in zip(wrt, gs):
        if g is None:
            res.append(Tensor(np.zeros_like(w.data)))
        elif isinstance(g, Tensor):  # (a recorded pass: in the argument's dtype too)
            res.append(g if g.dtype == w.dtype else g.astype(w.dtype))
        else:
            res.append(Tensor(np.array(g, dtype=w.dtype)))
    return res


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False
                   ) -> Callable[..., Any]:
    """``x ↦ (f(x), ∇f(x))`` for scalar ``f``; a tuple of gradients when ``argnums`` is a tuple.
    An argument that is a tuple, list or dict of arrays gets a gradient of the same form (as
    torch.func's). With ``has_aux``, ``f`` returns ``(scalar, aux)`` and the result is
    ``((f(x), aux), ∇f(x))``, as torch.func's."""
    return _value_and_grad(f, argnums, "value_and_grad", has_aux)


def _value_and_grad(f: Callable[..., Any], argnums: ArgNums, name: str, has_aux: bool = False
                    ) -> Callable[..., Any]:
    """``value_and_grad``, its errors naming the transform the user called (``name``)."""
    _check_fn(f, name)
    _check_argnums(argnums, name)
    flag(has_aux, name, "has_aux")

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums = _argnums(argnums, len(args), name)
        mode = is_grad_enabled()
        args_l, wrt = _prepare(args, nums, name)
        try:
            with enable_grad():
                out, aux = _split_aux(_call(f, args_l, kwargs, wrt, name), has_aux, name)
                out = _scalar_out(out, name)
                nested = _nested(out, wrt, mode)
                gs = iter(_grads_of(out, wrt, nested))
        finally:
            _finish(wrt)
        value = out if nested else out.detach()
        grads = [_like(args_l[k], gs) for k in nums]
        result = grads[0] if _is_int(argnums) else tuple(grads)
        return ((value, _detached(aux, nested)) if has_aux else value), result

    return wrapped


def _split_aux(out: Any, has_aux: bool, name: str) -> tuple[Any, Any]:
    """``f``'s result as (output, aux): with ``has_aux`` the pair ``f`` returned."""
    if not has_aux:
        return out, None
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"{name}: with has_aux=True the function must return a pair (output, "
                        f"aux), got {type(out).__name__}")
    return out


def _detached(aux: Any, nested: bool) -> Any:
    """``aux`` as handed back: its Tensors detached from the transform's own variables unless
    the derivative is recorded for an outer one (``nested``), in containers too."""
    if isinstance(aux, Tensor):
        return aux if nested else aux.detach()
    if isinstance(aux, (tuple, list, dict)):
        items = aux.values() if isinstance(aux, dict) else aux
        return _rebuilt(aux, [_detached(e, nested) for e in items])
    return aux


def grad(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False,
         **torch_keywords: Any) -> Callable[..., Any]:
    """``x ↦ ∇f(x)`` for scalar ``f`` (a Tensor shaped like the argument; for a tuple, list or
    dict of arrays, one of the same form, as torch.func's). It composes (``grad(grad(f))``):
    no ``create_graph`` is needed. With ``has_aux``, ``f`` returns ``(scalar, aux)`` and the
    result is ``(∇f(x), aux)``. The keywords of ``torch.autograd.grad(loss, [w],
    create_graph=True)`` are refused, naming ours."""
    if torch_keywords:
        _check_fn(f, "grad")  # a Tensor first: PyTorch's whole spelling, named there
        raise TypeError(f"grad: unexpected keyword arguments {sorted(torch_keywords)}: "
                        "autograd_mini.grad(f, argnums, has_aux) takes a function (its "
                        "gradients can be differentiated again, as with create_graph=True)")
    return _grad(f, argnums, "grad", has_aux)


def _grad(f: Callable[..., Any], argnums: ArgNums, name: str, has_aux: bool = False
          ) -> Callable[..., Any]:
    """``grad``, its errors naming ``name``."""
    vg = _value_and_grad(f, argnums, name, has_aux)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def jacobian(f: Callable[..., Any], argnums: int = 0, has_aux: bool = False
             ) -> Callable[..., Any]:
    """``x ↦ J`` with ``J[i..., j...] = ∂f(x)[i...] / ∂x[j...]`` (shape out.shape + x.shape);
    with ``has_aux``, ``f`` returns ``(output, aux)`` and the result is ``(J, aux)``.

    One reverse sweep per output element, seeded with a one-hot adjoint.
    """
    _check_fn(f, "jacobian")
    if not _is_int(argnums):
        raise TypeError(f"jacobian: argnums must be an int, got {argnums!r:.60}")
    flag(has_aux, "jacobian", "has_aux")
    return _jacobian(f, argnums, has_aux, "jacobian")


def _jacobian(f: Callable[..., Any], argnums: int, has_aux: bool, name: str
              ) -> Callable[..., Any]:
    """``jacobian``, its errors naming the transform the user called (``name``)."""

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), name)
        _one_array(args[nums[0]], name)
        mode = is_grad_enabled()
        args_l, (x,) = _prepare(args, nums, name)
        try:
            with enable_grad():
                out, aux = _split_aux(_call(f, args_l, kwargs, [x], name), has_aux, name)
                if not isinstance(out, Tensor):
                    raise TypeError(
                        f"{name}: the function must return a Tensor, got {type(out).__name__}"
                    )
                nested = _nested(out, [x], mode)
                jac = _jacobian_of(out, x, nested)
        finally:
            _finish([x])
        return (jac, _detached(aux, nested)) if has_aux else jac

    return wrapped


def _jacobian_of(out: Tensor, x: Tensor, nested: bool) -> Tensor:
    """The rows ∂out[i]/∂x, one reverse sweep each, stacked to out.shape + x.shape."""
    rows = []
    for i in range(out.data.size):
        if not out.requires_grad:
            rows.append(Tensor(np.zeros(x.shape, dtype=x.dtype)))
            continue
        seed = np.zeros(out.data.size, dtype=out.dtype)
        seed[i] = 1
        gs = backward(out, seed.reshape(out.shape), retain_graph=True, create_graph=nested,
                      inputs=[x])
        assert gs is not None
        g = gs[0]
        if g is None:
            g = np.zeros(x.shape, dtype=x.dtype)
        g = g if isinstance(g, Tensor) else Tensor(np.array(g))
        rows.append(g if g.dtype == x.dtype else g.astype(x.dtype))  # (the argument's dtype)
    if not rows:
        return Tensor(np.zeros(out.shape + x.shape, dtype=x.dtype))
    return F.reshape(F.stack(rows), out.shape + x.shape)


def hessian(f: Callable[..., Tensor], argnums: int = 0) -> Callable[..., Tensor]:
    """``x ↦ H``, ``H[i, j] = ∂²f / ∂x_i ∂x_j`` (shape x.shape + x.shape): jacobian(grad(f))."""
    _check_fn(f, "hessian")
    if not _is_int(argnums):
        raise TypeError(f"hessian: argnums must be an int, got {argnums!r:.60}")
    return _jacobian(_grad(f, argnums, "hessian"), argnums, False, "hessian")


def hvp(f: Callable[..., Tensor], x: Any, v: Any) -> Tensor:
    """Hessian-vector product H(x) v = ∇_x ⟨∇f(x), v⟩ without forming H (two reverse sweeps)."""
    _check_fn(f, "hvp")
    _one_array(x, "hvp")
    xt = _diff_leaf(x, "hvp")
    vt = v if isinstance(v, Tensor) else Tensor(as_array(v, copy=False, where="hvp"),
                                                dtype=xt.dtype)
    if vt.shape != xt.shape:
        raise ValueError(f"hvp: v has shape {vt.shape} but x has shape {xt.shape}")
    mode = is_grad_enabled()
    try:
        with enable_grad():
            out = _scalar_out(_call(f, [xt], {}, [xt], "hvp"), "hvp")
            (g,) = _grads_of(out, [xt], True)
            inner = F.sum(F.mul(g, vt))
            (h,) = _grads_of(inner, [xt], _nested(inner, [xt], mode))
    finally:
        _finish([xt])
    return h
