"""NumPy's protocols for Tensors: ``np.exp(t)``, ``arr + t`` and ``np.sum(t)`` call the library's
function of that name (``Tensor.__array_ufunc__`` and ``__array_function__`` reach them through
``FUNCTIONS``); a NumPy function the library lacks runs on the data, and is refused where that
would silently drop a gradient."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

from .checks import warn_dropped
from .grad_mode import STATE, VJP_SCOPE
from .tensor import FUNCTIONS, Tensor, in_place_error, read_only, wrap, writeable

__all__ = ["array_function", "array_ufunc"]

F = FUNCTIONS

#: NumPy ufuncs that are a library function of another name.
_UFUNC_NAMES = {"subtract": "sub", "multiply": "mul", "true_divide": "div", "divide": "div",
                "power": "pow", "negative": "neg", "absolute": "abs"}


#: a ufunc call's keywords at their defaults: written out, they ask for nothing
_UFUNC_DEFAULTS: dict[str, Any] = {"where": True, "casting": "same_kind", "order": "K",
                                   "dtype": None, "subok": True, "signature": None}


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
        if STATE.s.grad_enabled and any(isinstance(a, Tensor) and a._rg for a in inputs):
            warn_dropped(f"np.{ufunc.__name__}(..., out=an array)")
        arrays = [a._data if isinstance(a, Tensor) else a for a in inputs]
        return getattr(ufunc, method)(*arrays, **kwargs)  # into arrays: no graph to record
    fn = F.get(_UFUNC_NAMES.get(ufunc.__name__, ufunc.__name__))
    kwargs = _without_defaults(kwargs, _UFUNC_DEFAULTS)
    if method == "__call__" and not kwargs and fn is not None:
        return fn(*inputs)
    if method == "__call__" and not kwargs:  # one the library lacks: on the data (==, isnan, …)
        flags: list[bool] = []
        with np.errstate(all="ignore"):  # IEEE results, quietly, as the library's own ops
            out = ufunc(*_arrays(inputs, flags))
        _refuse_dropped_gradient(f"np.{ufunc.__name__}", flags, out)
        outs = [np.asarray(o) for o in (out if type(out) is tuple else (out,))]
        if any(o.dtype == object for o in outs):  # (np.frompyfunc's: Python objects)
            raise TypeError(f"np.{ufunc.__name__} on a Tensor gives Python objects, which a "
                            "tensor cannot hold: call it on the tensor's .data (or .tolist())")
        return tuple(map(wrap, outs)) if type(out) is tuple else wrap(outs[0])  # (np.modf: 2)
    if method == "__call__":
        raise TypeError(f"np.{ufunc.__name__} on a Tensor takes no {sorted(kwargs)} here (cast "
                        "with .astype(dtype) for dtype=, use autograd_mini.where for where=), "
                        "or call it on the tensor's .data where no gradient is wanted")
    raise TypeError(f"np.{ufunc.__name__}.{method} on a Tensor is not supported: use the "
                    "library's functions (autograd_mini.sum, cumsum, …), or the tensor's .data")


def array_function(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A NumPy function called with Tensor arguments (see ``Tensor.__array_function__``)."""
    name = func.__name__
    if name in _WRITERS and isinstance(_target(func, args, kwargs), Tensor):
        if name == "put_along_axis":  # NumPy's writes in place and returns None; ours returns
            raise TypeError(  # a new tensor: called in NumPy's way it would silently do nothing
                "np.put_along_axis writes in place: use t = autograd_mini.put_along_axis(t, "
                "indices, values, axis) (a new, differentiable tensor), or "
                "np.put_along_axis(t.data, ...) to write into the array")
        raise TypeError(  # it would change the tensor behind the engine's in-place checks
            f"np.{name} writes in place into a Tensor: write into its array, np.{name}(t.data, "
            "...), where no gradient is wanted (for a parameter, under no_grad(), as an "
            "optimiser step does)")
    if name not in _WRITERS:  # (a writer into an array runs as NumPy's, below)
        qualified = name if func.__module__ == "numpy" else f"{func.__module__[6:]}.{name}"
        fn = F.get(qualified)
        if fn is not None:  # np.exp is F["exp"], np.linalg.inv F["linalg.inv"]
            args, kwargs = _by_numpy_names(func, fn, args, kwargs)
            kwargs = _given(func, kwargs)
            try:
                return fn(*args, **kwargs)
            except TypeError:
                _check_arguments(fn, qualified, args, kwargs)  # NumPy's that it lacks: say so
                raise
    flags: list[bool] = []
    arrays, named = _arrays(args, flags), {k: _arrays(v, flags) for k, v in kwargs.items()}
    if name in _WRITERS and True in flags and STATE.s.grad_enabled:  # as arr[i] = t
        warn_dropped(f"np.{name}(an array, a tensor)")
    out = func(*arrays, **named)
    if "out" not in kwargs:
        _refuse_dropped_gradient(f"{func.__module__.replace('numpy', 'np', 1)}.{name}", flags,
                                 out)
    return out


#: NumPy functions that write into their first argument and return None
_WRITERS = frozenset({"fill_diagonal", "copyto", "put", "place", "putmask", "put_along_axis"})


def _target(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """What a NumPy writer writes into: its first argument, given by position or by name."""
    if args:
        return args[0]
    names = _parameters(func)[0]
    return kwargs.get(names[0]) if names else None


#: NumPy's arguments that ask how, not what (the library's functions take none of them)
_NUMPY_OPTIONS = frozenset({"out", "dtype", "kind", "order", "subok", "initial", "where", "mode"})


@functools.cache
def _parameters(f: Any) -> tuple[tuple[str, ...], frozenset[str], dict[str, Any]]:
    """The names of ``f``'s positional parameters, of all its parameters, and their defaults
    (none if its signature cannot be read). (Cached: the dict is not to be changed.)"""
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return (), frozenset(), {}
    return (tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)),
            frozenset(p.name for p in params),
            {p.name: p.default for p in params if p.default is not inspect.Parameter.empty})


def _by_numpy_names(func: Any, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
                    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """NumPy's positional arguments from the first one that would land on another parameter
    of the library's ``fn`` (``np.sum(t, 0, np.float32)``: dtype, not keepdims; ``np.std(t, 0,
    None, None, 1)``: ddof) passed by NumPy's names instead; a parameter only renamed
    (``np.where``'s x, our a) stays positional."""
    theirs, their_names, _ = _parameters(func)
    ours = _parameters(fn)[0]
    for i in range(1, min(len(args), len(theirs))):
        if theirs[i] != (ours[i] if i < len(ours) else None) and (
                i >= len(ours) or ours[i] in their_names or theirs[i] in _NUMPY_OPTIONS):
            moved = dict(zip(theirs[i:], args[i:]))
            if moved.keys() & kwargs.keys() or len(args) > len(theirs):
                return args, kwargs  # NumPy itself refuses the call: leave it as written
            return args[:i], {**moved, **kwargs}
    return args, kwargs


def _given(func: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` without those equal to the NumPy function's own defaults (``out=None``,
    ``dtype=None``, ...; ``where=True`` too, which its signature marks "no value")."""
    if not kwargs:
        return kwargs
    return _without_defaults(kwargs, {**_parameters(func)[2], "where": True})


def _without_defaults(kwargs: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` without the keywords written at their ``defaults``: they ask for nothing."""
    return {k: v for k, v in kwargs.items() if not (
        k in defaults and type(v) is type(defaults[k]) and bool(v == defaults[k]))}


def _check_arguments(fn: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
                     ) -> None:
    """Refuse, naming them, NumPy's arguments that the library's ``fn`` (run for ``np.name``
    on a Tensor) does not take (``dtype=``, ``where=``, ``kind=``, …)."""
    sig = inspect.signature(fn)
    try:
        sig.bind(*args, **kwargs)
    except TypeError as exc:
        params = ", ".join(p.name for p in sig.parameters.values())
        raise TypeError(f"np.{name} on a Tensor runs autograd_mini.{name}({params}), which "
                        f"does not take these arguments ({exc}); drop them (cast with "
                        ".astype(dtype) first for dtype=), or call np." + name + " on the "
                        "tensor's .data where no gradient is wanted") from None


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
        name = label.rsplit(".", 1)[1]
        instead = _INSTEAD.get(name)
        hint = f"write {instead}, which keeps it; or " if instead else ""
        raise TypeError(f"{label} on a Tensor that requires grad would silently drop its "
                        f"gradient (the library has no {name!r}): {hint}pass the tensor's "
                        ".data, or call it under no_grad(), where no gradient is wanted")


#: NumPy functions the library lacks, and how to write each with its functions
_INSTEAD = {
    "hstack": "autograd_mini.concatenate(xs, axis=1) (axis=0 for 1-d)",
    "vstack": "autograd_mini.concatenate(xs, axis=0)",
    "row_stack": "autograd_mini.concatenate(xs, axis=0)",
    "column_stack": "autograd_mini.stack(xs, axis=1)", "dstack": "autograd_mini.stack(xs, axis=2)",
    "ravel": "autograd_mini.reshape(x, -1)", "around": "autograd_mini.round(x)",
    "amax": "autograd_mini.max(x, axis)", "amin": "autograd_mini.min(x, axis)",
    "ptp": "autograd_mini.max(x) - autograd_mini.min(x)",
    "average": "autograd_mini.sum(w * x) / autograd_mini.sum(w) (or mean(x))",
    "inner": "autograd_mini.tensordot(a, b, axes=(-1, -1))",
    "atleast_1d": "autograd_mini.reshape(x, -1)", "atleast_2d": "autograd_mini.expand_dims(x, 0)",
    "gradient": "(x[2:] - x[:-2]) / 2 (its interior; autograd_mini.diff(x) at the ends)",
    "fabs": "autograd_mini.abs(x)", "expit": "autograd_mini.sigmoid(x)",
    "log_expit": "autograd_mini.log_sigmoid(x)",
}


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
