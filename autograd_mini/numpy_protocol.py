"""NumPy's protocols for Tensors: ``np.exp(t)``, ``arr + t`` and ``np.sum(t)`` call the library's
function of that name (``Tensor.__array_ufunc__`` and ``__array_function__`` reach them through
``FUNCTIONS``); a NumPy function the library lacks runs on the data, and is refused where that
would silently drop a gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from .grad_mode import STATE, VJP_SCOPE
from .tensor import FUNCTIONS, Tensor, in_place_error, read_only, wrap, writeable

__all__ = ["array_function", "array_ufunc"]

F = FUNCTIONS

#: NumPy ufuncs that are a library function of another name.
_UFUNC_NAMES = {"subtract": "sub", "multiply": "mul", "true_divide": "div", "divide": "div",
                "power": "pow", "negative": "neg", "absolute": "abs"}


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
    """A NumPy ufunc call with Tensor operands (see ``Tensor.__array_ufunc__``)."""
    if not isinstance(ufunc, np.ufunc) or not isinstance(method, str):
        raise TypeError(f"__array_ufunc__: expected a numpy.ufunc and a method name, got "
                        f"{type(ufunc).__name__} and {type(method).__name__}")
    out = kwargs.get("out")
    if out is not None and not any(isinstance(o, Tensor) for o in out):
        for o in out:  # ``p.data -= lr * p.grad`` while a live graph holds p: say so, as step()
            if isinstance(o, np.ndarray) and not writeable(o):  # (writeable: see there)
                raise in_place_error(f"np.{ufunc.__name__} into a parameter's array (p.data "
                                      "-= …)", read_only(o), o.shape)
        arrays = [a._data if isinstance(a, Tensor) else a for a in inputs]
        return getattr(ufunc, method)(*arrays, **kwargs)  # into arrays: no graph to record
    fn = F.get(_UFUNC_NAMES.get(ufunc.__name__, ufunc.__name__))
    if method == "__call__" and not kwargs and fn is not None:
        return fn(*inputs)
    if method == "__call__" and not kwargs:  # one the library lacks: on the data (==, isnan, …)
        flags: list[bool] = []
        with np.errstate(all="ignore"):  # IEEE results, quietly, as the library's own ops
            out = ufunc(*_arrays(inputs, flags))
        _refuse_dropped_gradient(f"np.{ufunc.__name__}", flags, out)
        return tuple(wrap(np.asarray(o)) for o in out) if type(out) is tuple else wrap(
            np.asarray(out))  # (constants: np.modf gives two)
    raise TypeError(f"np.{ufunc.__name__}.{method} on a Tensor is not supported: use the "
                    "library's functions (autograd_mini.sum, cumsum, …), or the tensor's .data")


def array_function(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A NumPy function called with Tensor arguments (see ``Tensor.__array_function__``)."""
    name = func.__name__
    if name == "put_along_axis":  # NumPy's writes in place and returns None; ours returns
        raise TypeError(  # a new tensor: calling it in NumPy's way would silently do nothing
            "np.put_along_axis writes in place: use t = autograd_mini.put_along_axis(t, "
            "indices, values, axis) (a new, differentiable tensor), or np.put_along_axis(t.data"
            ", ...) to write into the array")
    if func.__module__ == "numpy" or (func.__module__, name) == ("numpy.linalg", "norm"):
        fn = F.get(name)
        if fn is not None:
            return fn(*args, **kwargs)
    flags: list[bool] = []
    out = func(*_arrays(args, flags), **{k: _arrays(v, flags) for k, v in kwargs.items()})
    if "out" not in kwargs:
        _refuse_dropped_gradient(f"{func.__module__.replace('numpy', 'np', 1)}.{name}", flags,
                                 out)
    return out


def _refuse_dropped_gradient(label: str, flags: list[bool], out: Any) -> None:
    """Refuse a floating result a NumPy function computed from the data of a tensor that
    requires grad (``flags``), while gradients are recorded: its gradient would be lost."""
    if True in flags and STATE.s.grad_enabled and _floating(out):
        if VJP_SCOPE in STATE.s.scope:  # a user op's VJP, recorded for create_graph=True
            raise TypeError(f"{label} in a VJP recorded for create_graph=True: the library has "
                            f"no {label.rsplit('.', 1)[1]!r}, so that step of the VJP cannot be "
                            "recorded (its .data would make second derivatives wrong): write "
                            "the VJP with operators and the library's functions, which run on "
                            "arrays and Tensors alike (docs/engine.md, 'The op API')")
        raise TypeError(f"{label} on a Tensor that requires grad would silently drop its "
                        f"gradient (the library has no {label.rsplit('.', 1)[1]!r}): pass the "
                        "tensor's .data, or call it under no_grad(), where no gradient is wanted")


def _arrays(obj: Any, flags: list[bool]) -> Any:
    """``obj`` with each Tensor (also in lists and tuples) replaced by its array; appends to
    ``flags`` whether each one requires grad."""
    if isinstance(obj, Tensor):
        flags.append(obj._rg)
        return obj._data
    if type(obj) is list or type(obj) is tuple:
        return type(obj)(_arrays(o, flags) for o in obj)
    return obj


def _floating(obj: Any) -> bool:
    """Whether a NumPy result holds floating-point values (a gradient could flow into them)."""
    if isinstance(obj, (list, tuple)):  # (NumPy 2's linalg results are named tuples)
        return any(_floating(o) for o in obj)
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.dtype.kind in "fc"
    return isinstance(obj, (float, complex))


FUNCTIONS.update({"__array_ufunc__": array_ufunc, "__array_function__": array_function})
