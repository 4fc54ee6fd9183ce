"""Argument checks shared by the public functions: axes, flags, numbers, integer tuples and
shapes, each refused with an error that names the function; where an error or warning points in
the user's code; and the hint for a missing optional package."""

from __future__ import annotations

import functools
import math
import operator
import os
import site
import sys
import sysconfig
import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

__all__ = ["Axis", "add_note", "as_array", "axes", "broadcasts", "count", "flag", "install_hint",
           "integers", "is_int", "numpy_names", "one_axis", "own_memory", "real_number",
           "restorable", "user_site", "user_stacklevel"]

Axis = None | int | Sequence[int]
ArrayLike = Any


_Fn = TypeVar("_Fn", bound=Callable[..., Any])
_TORCH_KEYWORDS = {"dim": "axis=", "dims": "axis=", "keepdim": "keepdims=",
                   "start_dim": "start_axis=", "end_dim": "end_axis=",
                   "unbiased": "ddof= (unbiased=True is ddof=1)", "correction": "ddof="}


def numpy_names(fn: _Fn) -> _Fn:
    """``fn`` (a function, or a class's ``__init__``), refusing PyTorch's keywords (``dim=``,
    ``dims=``, ``keepdim=``, ``start_dim=``, ``end_dim=``, ``unbiased=``, ``correction=``) with
    NumPy's names for them."""
    label = fn.__qualname__.removesuffix(".__init__") if fn.__name__ == "__init__" else fn.__name__

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs and not _TORCH_KEYWORDS.keys().isdisjoint(kwargs):
            names = ", ".join(f"{k}= is {v}" for k, v in _TORCH_KEYWORDS.items() if k in kwargs)
            raise TypeError(f"{label}() takes NumPy's keywords: {names}")
        return fn(*args, **kwargs)
    return call  # type: ignore[return-value]


def is_int(n: Any) -> bool:
    """True for Python and NumPy integers (not bools), and for what NumPy takes as one through
    ``__index__``: a one-element integer tensor or 0-d array (``am.zeros(n)``, as ``range(n)``)."""
    if isinstance(n, (int, np.integer)):
        return not isinstance(n, (bool, np.bool_))
    if not hasattr(type(n), "__index__") or getattr(n, "dtype", None) is None:
        return False
    try:
        operator.index(n)
    except TypeError:
        return False
    return bool(n.dtype.kind in "iu")


def axes(axis: Axis, ndim: int, name: str) -> tuple[int, ...] | None:
    """``axis`` (None, an int, a negative int or a tuple) as sorted non-negative ints."""
    if axis is None:
        return None
    items = (axis,) if is_int(axis) else axis
    if not isinstance(items, (tuple, list)) or not all(is_int(a) for a in items):
        raise TypeError(f"{name}: axis must be None, an int or a tuple of ints, got {axis!r}")
    out = []
    for a in items:
        if not -ndim <= a < max(ndim, 0) and not (ndim == 0 and a in (0, -1)):
            raise ValueError(f"{name}: axis {a} is out of range for a tensor with {ndim} dims")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis!r}")
    return tuple(sorted(out)) if ndim else None


def one_axis(axis: int, ndim: int, name: str) -> int:
    """A single axis as a non-negative int (0 for a 0-d tensor)."""
    if not is_int(axis):
        raise TypeError(f"{name}: axis must be one int, got {axis!r}")
    ax = axes(axis, max(ndim, 1), name)
    return 0 if ax is None else ax[0]


def flag(value: Any, name: str, label: str) -> bool:
    """A bool argument (Python's or NumPy's)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: {label} must be True or False, got {value!r}")
    return bool(value)


def real_number(value: Any, name: str, label: str) -> None:
    """Refuse anything but a real number (not a bool)."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        raise TypeError(f"{name}: {label} must be a real number, got {value!r}")


def integers(value: Any, what: str, name: str) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple of Python ints."""
    if is_int(value):
        return (int(value),)
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
        return tuple(int(n) for n in value)
    if isinstance(value, (tuple, list)) and all(is_int(n) for n in value):
        return tuple(int(n) for n in value)
    raise TypeError(f"{name}: {what} must be an int or a sequence of ints, got {value!r:.80}")


def broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Whether shapes ``a`` and ``b`` broadcast together (NumPy's rules)."""
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def count(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> int:
    """How many elements a reduction over ``axis`` combines."""
    return math.prod(shape) if axis is None else math.prod(shape[a] for a in axis)


def own_array(x: Any) -> Any:
    """A Tensor's own array, read directly (NumPy's conversion warns for a tensor that
    requires grad: the library's callers decide for themselves); anything else as it is. A
    Tensor is known by its class's ``tensor_class`` flag (this module cannot import it)."""
    return x._data if getattr(type(x), "tensor_class", False) is True else x


def as_array(data: ArrayLike, dtype: Any = None, copy: bool = True,
             where: str = "Tensor") -> np.ndarray:
    """``data`` as an ndarray of a numeric dtype, refusing ragged, object and complex data.

    Python floats become float64; ints and bools keep their kind (they are constants); a
    Tensor gives its data (``own_array``); a PyTorch tensor its values, also one that requires
    grad (whose own conversion refuses), as loading a state dict takes them.
    """
    data = own_array(data)
    if type(data).__module__.partition(".")[0] == "torch" and hasattr(data, "detach"):
        data = data.detach().cpu().numpy()
    try:
        arr = np.array(data, copy=copy) if copy else np.asarray(data)
        if dtype is not None:
            if arr.dtype.kind == "c":  # a cast would silently drop the imaginary part
                raise TypeError(f"unsupported dtype {arr.dtype} (complex data)")
            with np.errstate(over="ignore", invalid="ignore"):  # overflow gives inf, quietly
                arr = arr.astype(dtype, copy=False)
    except (ValueError, TypeError, OverflowError, SyntaxError) as exc:
        raise TypeError(f"{where}: cannot make a numeric array from {type(data).__name__}: "
                        f"{exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: unsupported dtype {arr.dtype} (need bool, integer or floating data)"
        )
    return arr


def own_memory(arr: np.ndarray) -> np.ndarray:
    """``arr``, or a copy of it where it is a writeable view of memory NumPy cannot make
    writeable again once a graph has locked it read-only (a torch tensor's ``.numpy()``,
    ``np.from_dlpack``, ``as_strided``): the library's read-only locks must be undone. Memory
    that offers a writeable buffer (bytearray, mmap, ctypes, multiprocessing) is shared. A
    writeable broadcast (``np.broadcast_arrays``: NumPy warns when its flag is read or it is
    written, and will make it read-only) is copied too, so its flags are never touched."""
    if 0 in arr.strides and "WARN_ON_WRITE=True" in repr(arr.flags):  # (no other way to ask)
        return arr.copy()
    a = arr
    while isinstance(a.base, np.ndarray):
        a = a.base
    if a.base is None or restorable(a.base):
        return arr
    return arr.copy() if arr.flags.writeable else arr


def restorable(base: Any) -> bool:
    """Whether NumPy lets an array over ``base`` (an object other than an ndarray) be made
    writeable again: ``base`` offers a writeable, C-contiguous buffer, as NumPy asks."""
    try:
        with memoryview(base) as view:
            return not view.readonly and view.c_contiguous
    except (TypeError, ValueError):
        return False


def warn_dropped(what: str, number: bool = False) -> None:
    """Warn that ``what`` turned a tensor that requires grad into a plain array (or with
    ``number`` a Python number), dropping its gradient while gradients are recorded (PyTorch
    refuses ``.numpy()`` there, and warns for ``float()``)."""
    made = ("a plain number and drops its gradient (PyTorch warns too): to log a value use "
            "t.item(), which does not warn; to compute with it, keep it in the graph with the "
            "library's functions" if number else "a plain array and drops its gradient "
            "(PyTorch refuses this): keep it in the graph with the library's functions")
    warnings.warn(f"{what} of a tensor that requires grad gives {made} (autograd_mini.stack, "
                  "concatenate, where, a Python sum(...)), or pass t.detach(), or work under "
                  "autograd_mini.no_grad(), where a constant is meant", UserWarning,
                  stacklevel=user_stacklevel(installed=True))


def install_hint(extra: str, projects: Sequence[str]) -> str:
    """How to install missing optional ``projects`` into the running environment (pip, which
    works anywhere), or all of ``extra``'s packages from the repository with its script."""
    return (f"pip install {' '.join(projects)} (or, in the repository, bash scripts/setup.sh "
            f"{extra})")


_LIBRARY = tuple(os.path.join(os.path.dirname(os.path.dirname(__file__)), p) + os.sep
                 for p in ("autograd_mini", "nn", "optim"))


def user_site(exc: BaseException | None = None) -> str:
    """The innermost stack frame outside this library, as 'file:line in func: code' (of the
    traceback of ``exc`` when given: '' if it never left the library)."""
    frames = traceback.extract_tb(exc.__traceback__) if exc else traceback.extract_stack()
    for fr in reversed(frames):
        if not fr.filename.startswith(_LIBRARY):
            return f"{fr.filename}:{fr.lineno} in {fr.name}: {(fr.line or '').strip()}"
    return "" if exc else "<unknown>"


def user_stacklevel(installed: bool = False) -> int:
    """``warnings.warn``'s stacklevel for the innermost caller outside this library (from the
    function that calls this one); with ``installed``, outside installed packages and the
    standard library too (a conversion NumPy, SciPy or matplotlib made for the user)."""
    skip = _LIBRARY + (_INSTALLED if installed else ())
    level, frame = 2, sys._getframe(2)
    while frame.f_code.co_filename.startswith(skip) and frame.f_back is not None:
        level, frame = level + 1, frame.f_back
    return level


_INSTALLED = (*{os.path.join(p, "") for p in [
    *(sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")),
    *site.getsitepackages(), site.getusersitepackages()]}, "<frozen ")  # (runpy's frames too)


def add_note(exc: BaseException, text: str) -> None:
    """``exc.add_note(text)``: shown under the traceback (Python 3.11+; nothing on 3.10)."""
    note = getattr(exc, "add_note", None)
    if note is not None:
        note(text)
