"""Function transforms: grad, value_and_grad, jacobian, hessian and Hessian-vector products.

They compose (``grad(grad(f))``, ``jacobian(grad(f))``): when an argument already requires
grad, the inner derivative is recorded (``create_graph``) so the outer one can differentiate it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import functional as F
from .backward import backward
from .checks import as_array
from .grad_mode import enable_grad
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


def _diff_leaf(x: Any, name: str = "grad") -> Tensor:
    """A tensor to differentiate with respect to; Tensors already in a graph are kept."""
    if isinstance(x, Tensor):
        if x.requires_grad:
            return x
        data = x.data
    else:
        data = as_array(x, copy=False, where=name)
    if data.dtype.kind != "f":
        data = data.astype(np.float64)
    t = Tensor(data, requires_grad=True)
    return t


def _prepare(args: tuple[Any, ...], kwargs: dict[str, Any], nums: tuple[int, ...],
             name: str) -> tuple[list[Any], bool]:
    """The arguments with those in ``nums`` made leaves to differentiate, and whether an outer
    transform is differentiating this one: any argument, not only those in ``nums``, that
    requires grad (in ``grad(grad(f, 1), 0)`` the inner grad sees x requiring grad)."""
    nested = any(isinstance(a, Tensor) and a.requires_grad for a in (*args, *kwargs.values()))
    args_l = list(args)
    for k in nums:
        args_l[k] = _diff_leaf(args_l[k], name)
    return args_l, nested


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
        elif isinstance(g, Tensor):
            res.append(g)
        else:
            res.append(Tensor(np.array(g, dtype=w.dtype)))
    return res


def value_and_grad(f: Callable[..., Tensor], argnums: ArgNums = 0) -> Callable[..., Any]:
    """``x ↦ (f(x), ∇f(x))`` for scalar ``f``; a tuple of gradients when ``argnums`` is a tuple."""
    _check_fn(f, "value_and_grad")
    _check_argnums(argnums, "value_and_grad")

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> tuple[Tensor, Any]:
        nums = _argnums(argnums, len(args), "value_and_grad")
        args_l, nested = _prepare(args, kwargs, nums, "value_and_grad")
        with enable_grad():
            out = _scalar_out(f(*args_l, **kwargs), "value_and_grad")
            gs = _grads_of(out, [args_l[k] for k in nums], nested)
        value = out if nested else out.detach()
        return value, (gs[0] if _is_int(argnums) else tuple(gs))

    return wrapped


def grad(f: Callable[..., Tensor], argnums: ArgNums = 0) -> Callable[..., Any]:
    """``x ↦ ∇f(x)`` for scalar ``f`` (a Tensor shaped like the argument)."""
    _check_fn(f, "grad")
    _check_argnums(argnums, "grad")
    vg = value_and_grad(f, argnums)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    return wrapped


def jacobian(f: Callable[..., Tensor], argnums: int = 0) -> Callable[..., Tensor]:
    """``x ↦ J`` with ``J[i..., j...] = ∂f(x)[i...] / ∂x[j...]`` (shape out.shape + x.shape).

    One reverse sweep per output element, seeded with a one-hot adjoint.
    """
    _check_fn(f, "jacobian")
    if not _is_int(argnums):
        raise TypeError(f"jacobian: argnums must be an int, got {argnums!r:.60}")

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Tensor:
        nums = _argnums(argnums, len(args), "jacobian")
        args_l, nested = _prepare(args, kwargs, nums, "jacobian")
        x = args_l[nums[0]]
        with enable_grad():
            out = f(*args_l, **kwargs)
            if not isinstance(out, Tensor):
                raise TypeError(
                    f"jacobian: the function must return a Tensor, got {type(out).__name__}"
                )
            rows = []
            for i in range(out.data.size):
                if not out.requires_grad:
                    rows.append(Tensor(np.zeros(x.shape, dtype=x.dtype)))
                    continue
                seed = np.zeros(out.data.size, dtype=out.dtype)
                seed[i] = 1
                seed_t = seed.reshape(out.shape)
                gs = backward(out, seed_t, retain_graph=True, create_graph=nested, inputs=[x])
                assert gs is not None
                g = gs[0]
                if g is None:
                    g = np.zeros(x.shape, dtype=x.dtype)
                rows.append(g if isinstance(g, Tensor) else Tensor(np.array(g)))
            if not rows:
                return Tensor(np.zeros(out.shape + x.shape, dtype=x.dtype))
            return F.reshape(F.stack(rows), out.shape + x.shape)

    return wrapped


def hessian(f: Callable[..., Tensor], argnums: int = 0) -> Callable[..., Tensor]:
    """``x ↦ H``, ``H[i, j] = ∂²f / ∂x_i ∂x_j`` (shape x.shape + x.shape): jacobian(grad(f))."""
    _check_fn(f, "hessian")
    if not _is_int(argnums):
        raise TypeError(f"hessian: argnums must be an int, got {argnums!r:.60}")
    return jacobian(grad(f, argnums), argnums)


def hvp(f: Callable[..., Tensor], x: Any, v: Any) -> Tensor:
    """Hessian-vector product H(x) v = ∇_x ⟨∇f(x), v⟩ without forming H (two reverse sweeps)."""
    _check_fn(f, "hvp")
    xt = _diff_leaf(x, "hvp")
    vt = v if isinstance(v, Tensor) else Tensor(as_array(v, copy=False, where="hvp"),
                                                dtype=xt.dtype)
    if vt.shape != xt.shape:
        raise ValueError(f"hvp: v has shape {vt.shape} but x has shape {xt.shape}")
    nested = isinstance(x, Tensor) and x.requires_grad
    with enable_grad():
        out = _scalar_out(f(xt), "hvp")
        (g,) = _grads_of(out, [xt], True)
        inner = F.sum(F.mul(g, vt))
        (h,) = _grads_of(inner, [xt], nested)
    return h
