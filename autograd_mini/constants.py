"""Numbers and arrays as constant Tensors: how an op's argument that is not a Tensor enters the
graph (a Python number takes the dtype of the op's floating Tensor input, so float32 stays
float32)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .checks import as_array, own_memory
from .grad_mode import STATE
from .tensor import Tensor, holds_graph, wrap

__all__ = ["argument", "as_tensor", "check_no_graph", "constant"]


def argument(a: Any, args: tuple[Any, ...], floating: bool, where: str) -> Tensor:
    """The argument ``a`` of an op's ``args`` as a Tensor: a number or an array becomes a
    constant (a number takes the dtype of the first floating Tensor among ``args``, so float32
    stays float32, and an int that of an integer one, so int32 stays int32, as NumPy's rules for
    Python numbers say); with ``floating`` (the op's option), integer and bool inputs become
    floating: NumPy's promotion with a floating argument's dtype (float32 with int16 stays
    float32), else float64."""
    if not isinstance(a, Tensor):
        dtype = None
        for b in args:
            if isinstance(b, Tensor):
                kind = b._data.dtype.kind
                if kind == "f":
                    dtype = b._data.dtype
                    break
                if dtype is None and kind in "iu" and type(a) is int:
                    dtype = b._data.dtype
        a = constant(a, dtype, where)
    if floating and a._data.dtype.kind != "f":
        kinds = (b._data.dtype if isinstance(b, Tensor) else getattr(b, "dtype", None)
                 for b in args)
        like = next((d for d in kinds if isinstance(d, np.dtype) and d.kind == "f"), None)
        a = wrap(a._data.astype(np.float64 if like is None else
                                np.result_type(a._data.dtype, like)))
    return a


_CONSTANTS: dict[str, dict[float, Tensor]] = {}  # dtype letter -> number -> constant


def as_tensor(x: Any, like: Tensor | None = None, where: str = "op") -> Tensor:
    """``x`` itself if it is a Tensor, else a constant; a Python number takes ``like``'s
    floating dtype (so float32 stays float32)."""
    if isinstance(x, Tensor):
        return x
    return constant(x, like._data.dtype if like is not None else None, where)


def constant(x: Any, dtype: np.dtype | None = None, where: str = "op") -> Tensor:
    """``x`` (a number or an array) as a constant Tensor; a Python number takes ``dtype`` when
    it is floating (then it is cached, read-only), and an int an integer ``dtype`` too."""
    tx = type(x)
    if (tx is float or tx is int) and dtype is not None and dtype.kind == "f":
        cache = _CONSTANTS.get(dtype.char)  # by the dtype's letter: hashing a dtype costs more
        if cache is None:
            cache = _CONSTANTS[dtype.char] = {}
        t = cache.get(x)
        if t is None:
            with np.errstate(over="ignore"):  # 1e40 as float32 is inf, quietly (as op results)
                arr = np.asarray(x, dtype=dtype)
            arr.setflags(write=False)
            t = wrap(arr)
            if len(cache) < 4096 and x != 0 and x == x:  # ±0 compare equal; NaN never
                cache[x] = t
        return t
    if tx is int and dtype is not None and dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not info.min <= x <= info.max:  # NumPy 2 refuses too (with an OverflowError)
            raise ValueError(f"{where}: Python integer {x} out of bounds for {dtype}")
        return wrap(np.asarray(x, dtype=dtype))
    check_no_graph(x, where)
    return wrap(own_memory(as_array(x, copy=False, where=where)))


def check_no_graph(x: Any, where: str) -> None:
    """Refuse, while gradients are recorded, a sequence (a list, a tuple, an object array, …)
    holding a tensor that requires grad: made into a constant array it would silently lose that
    tensor's gradient (PyTorch refuses a list there too)."""
    if (not isinstance(x, (Tensor, np.ndarray)) or x.dtype == object) and \
            STATE.s.grad_enabled and holds_graph(x, False):
        raise TypeError(f"{where}: got a {type(x).__name__} holding tensors that require grad; "
                        "as a constant array it would silently drop their gradients: stack "
                        "them into one tensor first (autograd_mini.stack([...]), or "
                        "concatenate), or pass .detach()ed tensors where constants are meant")
