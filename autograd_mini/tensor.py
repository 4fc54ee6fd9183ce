"""Tensor: an ndarray with an optional gradient and the graph node that produced it, and the
read-only protection of the arrays a live graph has saved."""

from __future__ import annotations

import collections
import copy
import itertools
import operator
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .checks import as_array, numpy_names, own_memory, user_stacklevel, warn_dropped
from .grad_mode import STATE, no_grad
from .spellings import Size, TorchSpellings

__all__ = ["FUNCTIONS", "LOCKS", "Tensor", "holds_graph", "in_place_error", "is_locked", "lock",
           "read_only", "tensor", "unlock", "wrap", "writeable"]

ArrayLike = Any
Axis = Any  # None, an int or a tuple of ints, as in NumPy
Node = Any  # engine.Node (engine imports this module)

#: The library's differentiable functions by name. Tensor's operators and methods call them from
#: here: the op families define them and import Tensor, so Tensor cannot import them.
FUNCTIONS: dict[str, Callable[..., Any]] = {}
F = FUNCTIONS


class Tensor(TorchSpellings):
    """An n-dimensional array that can record the operations applied to it.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)`` copies ``data`` into an ndarray
    (Python floats give float64; float32 input stays float32). Only floating tensors may require
    a gradient. After ``y.backward()``, every leaf ``x`` with ``requires_grad`` holds
    ``x.grad = ∂y/∂x`` as a Tensor.
    """

    __slots__ = ("__weakref__", "_data", "_grad", "_name", "_node", "_rg")
    tensor_class = True  # (how checks.own_array, below this module, knows a Tensor)

    _data: np.ndarray  # (the engine reads it directly: .data is a checked property)
    _rg: bool  # requires grad
    _grad: Tensor | None
    _node: Node | None  # the node that made it; None for a leaf
    _name: str | None

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None) -> None:
        where = type(self).__name__
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{where}: name must be a string or None, got {type(name).__name__}")
        warned = STATE.s.grad_enabled and holds_graph(data, type(self) is not Tensor)
        if warned:
            warnings.warn(f"{where}(...) copies the values of tensors that require grad and "
                          "drops their gradients, as torch.tensor (which warns too): to keep "
                          "them in the graph use autograd_mini.stack([...]); pass t.detach() "
                          "where a constant copy is meant", UserWarning,
                          stacklevel=user_stacklevel())
        self._data = (_copied if warned else as_array)(data, dtype=dtype, where=where)
        self._rg = False
        self._grad = None
        self._node = None
        self._name = name
        if requires_grad is not False:
            self.requires_grad = requires_grad

    # ----------------------------------------------------------------- attributes
    def _set_data(self, value: ArrayLike) -> None:
        """``t.data = value`` rebinds the values, as PyTorch's: a Tensor gives its array,
        anything else becomes an ndarray; a tensor that requires grad keeps floating values. A
        live graph keeps the array it saved, so its gradients stay those of the values it used.
        An array over memory NumPy could not make writeable again is copied (``own_memory``)."""
        arr = value._data if isinstance(value, Tensor) else own_memory(as_array(
            value, copy=False, where="Tensor.data"))
        if self._rg and arr.dtype.kind != "f":
            raise TypeError(f"Tensor.data: a tensor that requires grad holds floating values, "
                            f"got dtype {arr.dtype}")
        self._data = arr

    if TYPE_CHECKING:
        @property
        def data(self) -> np.ndarray: ...
        @data.setter
        def data(self, value: ArrayLike) -> None: ...
    else:  # (a C getter, so reading ``t.data`` stays as cheap as an attribute)
        data = property(operator.attrgetter("_data"), _set_data, doc="The values, an ndarray "
                        "(shared, not copied: writing into it changes the tensor).")

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for differentiation."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"requires_grad must be a bool, got {value!r:.60}")
        if value and self._data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self._data.dtype}"
            )
        if not value and self._node is not None:
            raise RuntimeError(
                "requires_grad can only be turned off on a leaf tensor; use .detach() instead"
            )
        if value and not self._rg and not writeable(self._data) and read_only(
                self._data) != "saved":
            # an op's result that a graph saved is read-only for good: a new leaf that will
            # learn (y.detach().requires_grad_()) gets a copy it can update
            self._data = self._data.copy()
        self._rg = bool(value)

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (a Tensor) or None. Reading it on a non-leaf that does not
        retain its gradient warns, as PyTorch: backward() fills leaves' ``.grad`` only."""
        if self._grad is None and self._node is not None and self._node.retained is None:
            warnings.warn(
                f".grad of a non-leaf tensor (made by {self._node.op.name!r}) is None: backward()"
                " stores gradients in leaves only; call .retain_grad() on it before backward() "
                "to keep its gradient too", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | ArrayLike | None) -> None:
        """Set or clear the gradient: a Tensor, an array of the tensor's shape (converted to
        its dtype), or None."""
        if value is not None:
            if not isinstance(value, Tensor):
                value = Tensor(value, dtype=self._data.dtype)
            if value.shape != self.shape:
                raise ValueError(
                    f"assigned grad has shape {value.shape}, but the tensor has shape {self.shape}"
                )
        self._grad = value

    @property
    def name(self) -> str | None:
        """A label for drawings and error messages (kept by the graph node of a non-leaf)."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        if value is not None and not isinstance(value, str):
            raise TypeError(f"name must be a string or None, got {type(value).__name__}")
        self._name = value
        if self._node is not None:
            self._node.name = value

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self._node is None

    @property
    def grad_fn(self) -> Node | None:
        """The graph node that produced this tensor (None for leaves)."""
        return self._node

    shape = property(lambda self: self._data.shape, doc="The array's shape.")
    ndim = property(lambda self: self._data.ndim, doc="The number of axes.")

    @property
    def size(self) -> Size:
        """The number of elements (an int); called, PyTorch's ``size()`` and ``size(dim)``."""
        return Size(self._data.size, self._data.shape)

    dtype = property(lambda self: self._data.dtype, doc="The array's dtype.")
    T = property(lambda self: F["transpose"](self), doc="Axes reversed, as ``ndarray.T``.")

    @property
    def mT(self) -> Tensor:
        """The matrices of a stack transposed (the last two axes swapped), as ``ndarray.mT``."""
        if self._data.ndim < 2:
            raise ValueError(f"mT: needs a matrix or a stack of them, got shape {self.shape}")
        return self.swapaxes(-1, -2)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        """The rows, ``t[0], t[1], ...`` (recorded, as any indexing)."""
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._data)))

    def __contains__(self, value: Any) -> bool:
        """``v in t``: whether an element equals ``v`` (NumPy's rule, as PyTorch's)."""
        v = value._data if isinstance(value, Tensor) else value
        try:
            return bool((self._data == v).any())
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"`in`: cannot compare a tensor of shape {self.shape} with "
                            f"{v!r:.60}: {exc}") from None

    def __hash__(self) -> int:
        return id(self)

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied: writing to it changes the tensor)."""
        return self._data

    def item(self) -> Any:
        """The single element as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item(): tensor has {self._data.size} elements, expected exactly 1")
        return self._data.item()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """NumPy's view of the tensor: its data; a copy when ``dtype`` differs or ``copy``.
        Of a tensor that requires grad, while recording, it warns: the gradient is dropped."""
        if self._rg and STATE.s.grad_enabled:
            warn_dropped("NumPy's conversion (np.asarray, np.array, arr[...] = t, ...)")
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            if copy is False:
                raise ValueError(f"cannot convert a {self._data.dtype} tensor to {dtype} "
                                 "without a copy")
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __float__(self) -> float:
        if self._data.size != 1:
            raise TypeError(f"float(): only a one-element tensor is a number; this one has "
                            f"shape {self.shape}")
        if self._rg and STATE.s.grad_enabled:  # (arr[i] = t, np.float64(t) too; as PyTorch)
            warn_dropped("float() (or arr[i] = t)", number=True)
        return float(self._data.item())

    def __int__(self) -> int:
        if self._data.size != 1:
            raise TypeError(f"int(): only a one-element tensor is a number; this one has "
                            f"shape {self.shape}")
        return int(self._data.item())

    def __index__(self) -> int:
        """An integer (or bool) tensor of one element as an index: ``seq[t]``, ``range(t)``."""
        if self._data.size != 1 or self._data.dtype.kind not in "iub":
            raise TypeError(f"only an integer tensor of one element is an index; this one is "
                            f"{self._data.dtype} of shape {self.shape}")
        return int(self._data.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous: "
                "use .any() or .all()")
        return bool(self._data)

    def tolist(self) -> Any:
        return self._data.tolist()

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph."""
        return wrap(self._data, name=self._name)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as its values (data, requires_grad, grad, name), as ``torch.save`` keeps
        them: the graph is not, so a non-leaf comes back as a leaf."""
        return rebuild, (type(self), self._data, self._rg, self._grad, self._name)

    def __copy__(self) -> Tensor:
        """A leaf sharing this tensor's data, with no gradient yet (as PyTorch's)."""
        return rebuild(type(self), self._data, self._rg, None, self._name)

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """A leaf's copy, with its own data and gradient (arrays shared within the copied
        object stay shared); a non-leaf refuses, as in PyTorch (``detach()`` it first)."""
        if self._node is not None:
            raise RuntimeError(f"deepcopy: only leaf tensors can be deep-copied, as in PyTorch; "
                               f"this one was made by {self._node.op.name!r}: copy "
                               "x.detach() (its values), or the leaves it was made from")
        grad = None if self._grad is None else wrap(copy.deepcopy(self._grad._data, memo))
        return rebuild(type(self), copy.deepcopy(self._data, memo), self._rg, grad, self._name)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"``: with a format spec, a one-element tensor formats as its number;
        without one, any tensor as ``str``."""
        if not isinstance(spec, str):
            raise TypeError(f"format: the spec must be a str, got {type(spec).__name__}")
        if not spec:
            return str(self)
        if self._data.size == 1:
            return format(self._data.item(), spec)
        raise TypeError(f"format {spec!r}: a tensor of shape {self.shape} has no number to "
                        "format; format its elements (.tolist()) or use str()")

    def __repr__(self) -> str:
        extra = [] if self._data.dtype == np.float64 else [f"dtype={self._data.dtype}"]
        if self._node is not None:
            extra.append(f"grad_fn={self._node.op.name}")
        elif self._rg:
            extra.append("requires_grad=True")
        if self._name:
            extra.append(f"name={self._name!r}")
        body = np.array2string(self._data, separator=", ", precision=4, threshold=1000,
                               prefix="Tensor(")
        return "Tensor(" + ", ".join([body, *extra]) + ")"

    # ----------------------------------------------------------------- gradients
    def backward(self, gradient: ArrayLike | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None, *,
                 grad: ArrayLike | None = None) -> None:
        """Accumulate ∂self/∂leaf (times ``gradient``, PyTorch's name, or ``grad=``; 1 for one
        element) into each leaf's ``.grad`` (with ``inputs``, into theirs only). ``retain_graph``
        (default ``create_graph``) keeps the graph; ``create_graph`` records the pass."""
        if grad is not None and gradient is not None:
            raise TypeError("backward: pass the upstream gradient once, as gradient= or grad=")
        if inputs is not None:
            return backward_into(self, gradient if grad is None else grad, retain_graph,
                                 create_graph, inputs)
        backward(self, gradient if grad is None else grad, retain_graph, create_graph)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (its node remembers it weakly)."""
        if not self._rg:
            raise RuntimeError("retain_grad(): the tensor does not require grad")
        if self._node is not None:
            self._node.retain(self)

    def requires_grad_(self, value: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = value
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set ``.grad`` to None, or with ``set_to_none=False`` fill it with zeros (in place
        where it can be; a recorded gradient, from ``create_graph=True``, is replaced by a
        zero leaf, as PyTorch detaches it)."""
        if not isinstance(set_to_none, (bool, np.bool_)):
            raise TypeError(f"zero_grad: set_to_none must be a bool, got {set_to_none!r:.60}")
        g = self._grad
        if set_to_none or g is None:
            self._grad = None
        elif g._node is None and g._data.flags.writeable:
            g._data[...] = 0
        else:
            self._grad = wrap(np.zeros_like(g._data))

    # ----------------------------------------------------------------- operators
    def __add__(self, other: ArrayLike) -> Tensor: return F["add"](self, other)
    def __radd__(self, other: ArrayLike) -> Tensor: return F["add"](other, self)
    def __sub__(self, other: ArrayLike) -> Tensor: return F["sub"](self, other)
    def __rsub__(self, other: ArrayLike) -> Tensor: return F["sub"](other, self)
    def __mul__(self, other: ArrayLike) -> Tensor: return F["mul"](self, other)
    def __rmul__(self, other: ArrayLike) -> Tensor: return F["mul"](other, self)
    def __truediv__(self, other: ArrayLike) -> Tensor: return F["div"](self, other)
    def __rtruediv__(self, other: ArrayLike) -> Tensor: return F["div"](other, self)
    def __pow__(self, other: ArrayLike) -> Tensor: return F["pow"](self, other)
    def __rpow__(self, other: ArrayLike) -> Tensor: return F["pow"](other, self)
    def __matmul__(self, other: ArrayLike) -> Tensor: return F["matmul"](self, other)
    def __rmatmul__(self, other: ArrayLike) -> Tensor: return F["matmul"](other, self)
    def __neg__(self) -> Tensor: return F["neg"](self)
    def __pos__(self) -> Tensor: return self
    def __abs__(self) -> Tensor: return F["abs"](self)
    def __mod__(self, other: ArrayLike) -> Tensor: return F["remainder"](self, other)
    def __rmod__(self, other: ArrayLike) -> Tensor: return F["remainder"](other, self)
    def __floordiv__(self, other: ArrayLike) -> Tensor: return F["floor_divide"](self, other)
    def __rfloordiv__(self, other: ArrayLike) -> Tensor: return F["floor_divide"](other, self)
    def __getitem__(self, index: Any) -> Tensor: return F["getitem"](self, index)
    def __setitem__(self, index: Any, value: Any) -> None: set_item(self, index, value)

    # In place, as in PyTorch: see ``update``.
    def __iadd__(self, other: ArrayLike) -> Tensor: return update(self, "+=", other)
    def __isub__(self, other: ArrayLike) -> Tensor: return update(self, "-=", other)
    def __imul__(self, other: ArrayLike) -> Tensor: return update(self, "*=", other)
    def __itruediv__(self, other: ArrayLike) -> Tensor: return update(self, "/=", other)
    def __ipow__(self, other: ArrayLike) -> Tensor: return update(self, "**=", other)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy ufuncs on Tensors: ``arr + t`` and ``np.exp(t)`` call the library's functions;
        writing into an array (``p.data -= lr * p.grad``) uses the Tensors' data."""
        return F["__array_ufunc__"](ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: tuple[Any, ...],
                           kwargs: dict[str, Any]) -> Any:
        """NumPy's functions on Tensors: ``np.sum(t)`` and ``np.concatenate([a, b])`` call the
        library's function of that name; any other runs on the data, and refuses where that
        would silently drop a gradient."""
        return F["__array_function__"](func, args, kwargs)

    # Comparisons give constant bool tensors (no gradient), as in PyTorch.
    def __eq__(self, other: object) -> Tensor: return _compare(np.equal, "==", self, other)  # type: ignore[override]
    def __ne__(self, other: object) -> Tensor: return _compare(np.not_equal, "!=", self, other)  # type: ignore[override]
    def __lt__(self, other: ArrayLike) -> Tensor: return _compare(np.less, "<", self, other)
    def __le__(self, other: ArrayLike) -> Tensor: return _compare(np.less_equal, "<=", self, other)
    def __gt__(self, other: ArrayLike) -> Tensor: return _compare(np.greater, ">", self, other)
    def __ge__(self, other: ArrayLike) -> Tensor: return _compare(np.greater_equal, ">=", self, other)  # noqa: E501

    # ----------------------------------------------------------------- methods (see the functions)
    def exp(self) -> Tensor: return F["exp"](self)
    def log(self) -> Tensor: return F["log"](self)
    def log1p(self) -> Tensor: return F["log1p"](self)
    def sqrt(self) -> Tensor: return F["sqrt"](self)
    def square(self) -> Tensor: return F["square"](self)
    def abs(self) -> Tensor: return F["abs"](self)
    def neg(self) -> Tensor: return F["neg"](self)
    def pow(self, exponent: ArrayLike) -> Tensor: return F["pow"](self, exponent)
    def matmul(self, other: ArrayLike) -> Tensor: return F["matmul"](self, other)
    def maximum(self, other: ArrayLike) -> Tensor: return F["maximum"](self, other)
    def minimum(self, other: ArrayLike) -> Tensor: return F["minimum"](self, other)
    def tanh(self) -> Tensor: return F["tanh"](self)
    def sigmoid(self) -> Tensor: return F["sigmoid"](self)
    def relu(self) -> Tensor: return F["relu"](self)
    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return F["leaky_relu"](self, negative_slope)
    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
        return F["softplus"](self, beta, threshold)
    def log_sigmoid(self) -> Tensor: return F["log_sigmoid"](self)
    @numpy_names
    def softmax(self, axis: int = -1) -> Tensor: return F["softmax"](self, axis=axis)
    @numpy_names
    def log_softmax(self, axis: int = -1) -> Tensor: return F["log_softmax"](self, axis=axis)
    @numpy_names
    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F["logsumexp"](self, axis=axis, keepdims=keepdims)
    @numpy_names
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F["sum"](self, axis=axis, keepdims=keepdims)
    @numpy_names
    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F["mean"](self, axis=axis, keepdims=keepdims)
    @numpy_names
    def var(self, axis: Axis = None, keepdims: bool = False, ddof: float = 0) -> Tensor:
        return F["var"](self, axis=axis, keepdims=keepdims, ddof=ddof)
    @numpy_names
    def std(self, axis: Axis = None, keepdims: bool = False, ddof: float = 0) -> Tensor:
        return F["std"](self, axis=axis, keepdims=keepdims, ddof=ddof)
    @numpy_names
    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F["max"](self, axis=axis, keepdims=keepdims)
    @numpy_names
    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F["min"](self, axis=axis, keepdims=keepdims)
    def clip(self, a_min: ArrayLike = None, a_max: ArrayLike = None, *,
             min: ArrayLike = None, max: ArrayLike = None) -> Tensor:
        return F["clip"](self, a_min, a_max, min=min, max=max)
    def astype(self, dtype: Any) -> Tensor: return F["astype"](self, dtype)
    def flatten(self, *torch_dims: Any) -> Tensor: return F["flatten"](self, *torch_dims)
    @numpy_names
    def squeeze(self, axis: Axis = None) -> Tensor: return F["squeeze"](self, axis=axis)
    @numpy_names
    def expand_dims(self, axis: int | Sequence[int]) -> Tensor:
        return F["expand_dims"](self, axis)
    def broadcast_to(self, shape: Sequence[int]) -> Tensor: return F["broadcast_to"](self, shape)
    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return F["swapaxes"](self, axis1, axis2)

    # elementwise mathematics and activations
    def sin(self) -> Tensor: return F["sin"](self)
    def cos(self) -> Tensor: return F["cos"](self)
    def tan(self) -> Tensor: return F["tan"](self)
    def arcsin(self) -> Tensor: return F["arcsin"](self)
    def arccos(self) -> Tensor: return F["arccos"](self)
    def arctan(self) -> Tensor: return F["arctan"](self)
    def sinh(self) -> Tensor: return F["sinh"](self)
    def cosh(self) -> Tensor: return F["cosh"](self)
    def exp2(self) -> Tensor: return F["exp2"](self)
    def expm1(self) -> Tensor: return F["expm1"](self)
    def log2(self) -> Tensor: return F["log2"](self)
    def log10(self) -> Tensor: return F["log10"](self)
    def reciprocal(self) -> Tensor: return F["reciprocal"](self)
    def erf(self) -> Tensor: return F["erf"](self)
    def sign(self) -> Tensor: return F["sign"](self)
    def floor(self) -> Tensor: return F["floor"](self)
    def ceil(self) -> Tensor: return F["ceil"](self)
    def trunc(self) -> Tensor: return F["trunc"](self)
    def round(self, decimals: int = 0) -> Tensor: return F["round"](self, decimals)
    def isnan(self) -> Tensor: return F["isnan"](self)
    def isinf(self) -> Tensor: return F["isinf"](self)
    def isfinite(self) -> Tensor: return F["isfinite"](self)
    def silu(self) -> Tensor: return F["silu"](self)
    def gelu(self, approximate: str = "none") -> Tensor: return F["gelu"](self, approximate)
    def elu(self, alpha: float = 1.0) -> Tensor: return F["elu"](self, alpha)
    def selu(self) -> Tensor: return F["selu"](self)
    def mish(self) -> Tensor: return F["mish"](self)
    @numpy_names
    def softmin(self, axis: int = -1) -> Tensor: return F["softmin"](self, axis)
    # reductions, scans and orderings
    @numpy_names
    def prod(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F["prod"](self, axis=axis, keepdims=keepdims)
    @numpy_names
    def cumsum(self, axis: int | None = None) -> Tensor: return F["cumsum"](self, axis=axis)
    @numpy_names
    def cumprod(self, axis: int | None = None) -> Tensor: return F["cumprod"](self, axis=axis)
    @numpy_names
    def logcumsumexp(self, axis: int | None = None) -> Tensor:
        return F["logcumsumexp"](self, axis=axis)
    @numpy_names
    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return F["argmax"](self, axis=axis, keepdims=keepdims)
    @numpy_names
    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return F["argmin"](self, axis=axis, keepdims=keepdims)
    @numpy_names
    def any(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F["any"](self, axis=axis, keepdims=keepdims)
    @numpy_names
    def all(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F["all"](self, axis=axis, keepdims=keepdims)
    @numpy_names
    def sort(self, axis: int | None = -1, descending: bool = False) -> Tensor:
        return F["sort"](self, axis=axis, descending=descending)
    @numpy_names
    def argsort(self, axis: int | None = -1, descending: bool = False) -> Tensor:
        return F["argsort"](self, axis=axis, descending=descending)
    @numpy_names
    def topk(self, k: int, axis: int | None = -1, largest: bool = True) -> tuple[Tensor, Tensor]:
        return F["topk"](self, k, axis=axis, largest=largest)
    @numpy_names
    def norm(self, ord: Any = None, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F["norm"](self, ord=ord, axis=axis, keepdims=keepdims)
    # movement
    @numpy_names
    def flip(self, axis: Axis = None) -> Tensor: return F["flip"](self, axis)
    @numpy_names
    def take(self, indices: Any, axis: int | None = None) -> Tensor:
        return F["take"](self, indices, axis)
    @numpy_names
    def repeat(self, repeats: Any, axis: int | None = None) -> Tensor:
        """NumPy's repeat: each element ``repeats`` times along ``axis`` (of the flattened
        tensor when None). PyTorch's ``x.repeat(3, 1)`` tiles: here ``am.tile(x, (3, 1))``."""
        return F["repeat"](self, repeats, axis)
    # linear algebra
    def dot(self, other: ArrayLike) -> Tensor: return F["dot"](self, other)
    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        return F["trace"](self, offset, axis1, axis2)
    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        return F["diagonal"](self, offset, axis1, axis2)

    def reshape(self, *shape: Any) -> Tensor:
        """``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
        return F["reshape"](self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Tensor:
        """``x.transpose()``, ``x.transpose(1, 0, 2)`` or ``x.transpose((1, 0, 2))``: NumPy's
        permutation of all axes. Two axes that are not one (PyTorch's swap, ``transpose(1, 2)``
        of a 4-d tensor, or ``transpose(0, 1)`` of a 2-d one, which NumPy reads as no change)
        raise, naming ``swapaxes``."""
        if len(axes) == 2 and all(type(a) is int for a in axes) and (
                self.ndim > 2 or (self.ndim == 2 and (axes[0] % 2, axes[1] % 2) == (0, 1))):
            raise ValueError(
                f"transpose{axes}: NumPy's transpose takes a permutation of all {self.ndim} axes"
                f"{' (here: no change)' if self.ndim == 2 else ''}; PyTorch's transpose(a, b) "
                f"swaps two axes: here .swapaxes{axes}" + (" or .T" if self.ndim == 2 else ""))
        return F["transpose"](self, None if not axes else axes[0] if len(axes) == 1 else axes)


# ----------------------------------------------------------------------------- PyTorch's habits
_UPDATES = {"+=": ("add", np.add), "-=": ("sub", np.subtract), "*=": ("mul", np.multiply),
            "/=": ("div", np.true_divide), "**=": ("pow", np.power)}


def update(t: Tensor, symbol: str, other: ArrayLike) -> Tensor:
    """``t += other`` and friends, as in PyTorch. While gradients are recorded and the update
    involves a tensor that requires grad, the op is recorded and ``t`` becomes its result (a
    leaf that requires grad refuses: its update belongs under ``no_grad()``). Otherwise ``t``'s
    array is written in place, which fails while a live graph has saved it."""
    name, ufunc = _UPDATES[symbol]
    if STATE.s.grad_enabled and (t._rg or (isinstance(other, Tensor) and other._rg)):
        if t._rg and t._node is None:
            raise in_place_error(symbol, "leaf")
        if t._node is not None and not t._node.op.in_place:
            raise RuntimeError(f"{symbol}: the tensor is {t._node.op.name}'s result, which "
                               "stands for a tensor its caller holds (a module's input or "
                               "output passed through its backward hooks), so an update in "
                               "place would not reach that one; write x = x + … instead")
        if t._data.base is not None and sys.getrefcount(t._data.base) > 2 + _lock_refs(
                t._data.base):  # (held by more than this view, the call and the locks)
            raise in_place_error(symbol, "view")
        old, r = t._node, F[name](t, other)
        if r._data.shape != t._data.shape:  # in place keeps the tensor's shape, as PyTorch's
            raise ValueError(f"{symbol}: the result has shape {r._data.shape}, but an in-place "
                             f"update keeps the tensor's shape {t._data.shape}")
        if r._data.dtype != t._data.dtype:  # ... and its dtype
            if t._data.dtype.kind != "f":
                raise TypeError(f"{symbol}: cannot update a {t._data.dtype} tensor in place "
                                f"with a result of dtype {r._data.dtype}")
            r = F["astype"](r, t._data.dtype)
        t._data, t._node, t._rg = r._data, r._node, r._rg
        if old is not None and old.retained is not None and old.retained() is t:
            old.retained = None  # retain_grad follows the tensor to its new value, as in PyTorch
            t.retain_grad()
        return t
    b = other._data if isinstance(other, Tensor) else as_array(other, copy=False, where=symbol)
    if not writeable(t._data):
        raise in_place_error(symbol, read_only(t._data), t._data.shape)
    try:
        with np.errstate(all="ignore"):  # IEEE results, quietly, as every op's
            ufunc(t._data, b, out=t._data)
    except (TypeError, ValueError) as exc:  # NumPy's casting errors are TypeError subclasses
        kind = TypeError if isinstance(exc, TypeError) else ValueError
        raise kind(f"{symbol}: cannot update a {t._data.dtype} tensor of shape {t._data.shape} "
                   f"with a {b.dtype} operand of shape {b.shape} ({exc})") from None
    return t


def set_item(t: Tensor, index: Any, value: ArrayLike) -> None:
    """``t[index] = value``, as in PyTorch under ``no_grad()`` (initialising, masking a
    parameter): written in place where nothing is recorded. Where it would have to be recorded
    it is refused (a leaf that requires grad: do it under ``no_grad()``; a value in a graph:
    build the result with ``where`` or ``put_along_axis``), and so is an array a live graph
    saved."""
    if STATE.s.grad_enabled and (t._rg or (isinstance(value, Tensor) and value._rg) or (
            not isinstance(value, Tensor) and holds_graph(value, False))):
        if t._rg and t._node is None:
            raise in_place_error("x[...] = value", "leaf")
        raise RuntimeError("x[...] = value is not recorded: build the new tensor with "
                           "autograd_mini.where(mask, value, x) or put_along_axis instead")
    if not writeable(t._data):
        raise in_place_error("x[...] = value", read_only(t._data), t._data.shape)
    index = index._data if isinstance(index, Tensor) else index
    if isinstance(index, tuple):
        index = tuple(i._data if isinstance(i, Tensor) else i for i in index)
    t._data[index] = value._data if isinstance(value, Tensor) else value


def writeable(arr: np.ndarray) -> bool:
    """Whether ``arr`` and every array it is a view of are writeable (a view taken before a
    graph locked its base, ``row = w[0:2]`` under ``no_grad``, stays writeable itself). Asked
    before the library writes, it first makes writeable again a view a graph left read-only
    (tied ``W`` and ``W.T``: ``W.T`` made or unlocked while another graph locked ``W``), once
    nothing under it is locked: a live graph that saved or made any view keeps the arrays
    under it locked (``engine.protect``). NumPy's own read-only views stay read-only."""
    chain = list(_bases(arr))
    if not all(a.flags.writeable for a in chain):
        with _MUTEX:
            if _thawable(chain):
                for a in reversed(chain[:-1]):  # (bases first: NumPy asks the base)
                    a.setflags(True)
    return all(a.flags.writeable for a in chain)


def _thawable(chain: list[np.ndarray]) -> bool:
    """Whether the read-only views in ``chain`` (an array, then the arrays under it) may be
    made writeable: nothing in it is locked, its last array is writeable, and it is not one
    of NumPy's own read-only views."""
    return (chain[-1].flags.writeable and not _numpy_view(chain)
            and not any(id(a) in LOCKS for a in chain))


def _numpy_view(chain: list[np.ndarray]) -> bool:
    """Whether ``chain`` holds a view NumPy makes read-only itself, as elements share memory:
    a broadcast (a zero stride), or a stride trick's window (its ``.base`` is not the array)."""
    return any(s == 0 and n > 1 for a in chain for s, n in zip(a.strides, a.shape)) or any(
        a.base is not b for a, b in itertools.pairwise(chain))


def read_only(arr: np.ndarray) -> str:
    """Why ``arr`` (or an array it is a view of) is read-only, for ``in_place_error``:
    ``"saved"`` while a live graph's lock holds it, ``"shared"`` for NumPy's own read-only
    views (a broadcast, a window), ``"kept"`` for good (an op's result)."""
    chain = list(_bases(arr))
    if any(is_locked(a) for a in chain):
        return "saved"
    return "shared" if _numpy_view(chain) else "kept"


def _bases(arr: np.ndarray) -> Iterator[np.ndarray]:
    """``arr`` and the arrays it is a view of, in turn (see ``under``)."""
    while isinstance(arr, np.ndarray):
        yield arr
        arr = under(arr.base)


def in_place_error(what: str, why: str, shape: tuple[int, ...] = ()) -> RuntimeError:
    """Why an in-place change (``what``: ``-=``, an item assignment) is refused: a ``leaf``
    that requires grad while gradients are recorded, a ``view`` of an array something else
    holds (the recorded update makes a new array, which the holder would never see), an
    array a live graph ``saved``, NumPy's own read-only view whose elements share memory
    (``shared``), or one ``kept`` read-only for good (an op's result)."""
    if why == "leaf":
        return RuntimeError(f"{what}: a leaf tensor that requires grad cannot be changed in "
                            "place while gradients are recorded; update parameters under "
                            "`with autograd_mini.no_grad():`, and for a new value in a "
                            "computation (a transform's argument) write x = x * 2")
    if why == "view":
        return RuntimeError(f"{what}: the tensor is a view (a slice, reshape or transpose) of "
                            "another tensor's array, which a recorded update would not change; "
                            "make a new tensor (v = v + other), or build the whole result with "
                            "autograd_mini.where or concatenate")
    return RuntimeError(f"{what}: the tensor's array (shape {shape}) is {READ_ONLY[why]}")


#: why an array is read-only (``read_only``), as the end of a sentence "... is ..."
READ_ONLY = {
    "saved": "read-only: a live graph saved it for backward, and changing it would make that "
             "gradient wrong (run backward first, or drop the outputs that hold that graph)",
    "shared": "a read-only view in which elements share memory (a broadcast or a sliding "
              "window), so writing one would change others; make a copy to update in place "
              "(t = autograd_mini.Tensor(t.data))",
    "kept": "read-only for good: it is an op's result that a graph saved for backward, so it "
            "stays as that graph used it (or memory NumPy keeps read-only); make a new tensor "
            "(h = h + x), or a copy to update in place (h = autograd_mini.Tensor(h.data))",
}


def holds_graph(data: Any, subclass: bool) -> bool:
    """Whether ``data`` is an op's result that requires grad (not for a subclass: a new leaf
    of it, ``nn.Parameter(w * 2)``, is what it is for; a leaf is copied on purpose), or a
    sequence (list, tuple, their subclasses, deque, an object array) holding, at any depth, a
    tensor that requires grad. Depth by depth, each level's element types are gathered in C;
    past NumPy's 64 dimensions (a list holding itself) the conversion refuses anyway."""
    if isinstance(data, Tensor):
        return data._rg and data._node is not None and not subclass
    level = [data] if _descends(data) else []
    for _ in range(65):  # depth by depth
        if not level:
            return False
        items = list(itertools.chain.from_iterable(
            e.flat if type(e) is np.ndarray else e for e in level))
        kinds = set(map(type, items))
        if any(issubclass(k, Tensor) for k in kinds) and any(
                isinstance(e, Tensor) and e._rg for e in items):
            return True
        inner = {k for k in kinds if issubclass(k, _SEQUENCES) or k is np.ndarray}
        level = items if inner == kinds and np.ndarray not in inner else [
            e for e in items if type(e) in inner and _descends(e)] if inner else []
    return False


def _copied(data: Any, dtype: Any, where: str) -> np.ndarray:
    """``as_array`` of ``data`` holding tensors that require grad, already warned about: each
    one's conversion (``__array__``) does not warn again."""
    with no_grad():
        return as_array(data, dtype=dtype, where=where)


def _descends(e: Any) -> bool:
    """Whether ``holds_graph`` looks inside ``e``: a sequence, or an array of objects."""
    return isinstance(e, _SEQUENCES) or (type(e) is np.ndarray and e.dtype == object)


_SEQUENCES = (list, tuple, collections.deque)


def wrap(data: np.ndarray, node: Node | None = None, name: str | None = None,
         cls: type[Tensor] = Tensor) -> Tensor:
    """A ``cls`` around the library's own ``data`` (unchecked): a leaf, or ``node``'s value."""
    t = object.__new__(cls)
    t._data = data if type(data) is np.ndarray else np.asarray(data)
    t._grad, t._name = None, name
    t._rg = node is not None
    t._node = node
    return t


def rebuild(cls: type[Tensor], data: np.ndarray, requires_grad: bool, grad: Tensor | None,
            name: str | None) -> Tensor:
    """A ``cls`` leaf from pickled or copied values (see ``Tensor.__reduce__``)."""
    t = wrap(data, name=name, cls=cls)
    t._rg, t._grad = requires_grad, grad
    return t


def tensor(data: ArrayLike, requires_grad: bool = False, dtype: Any = None,
           name: str | None = None) -> Tensor:
    """Make a Tensor (copies ``data``); same as ``Tensor(...)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def _compare(fn: Any, symbol: str, a: Tensor, other: Any) -> Tensor:
    """``a <symbol> other`` elementwise as a constant bool Tensor; ``other`` must be numeric."""
    b = other._data if isinstance(other, Tensor) else as_array(other, copy=False,
                                                             where=f"comparison {symbol}")
    try:
        np.broadcast_shapes(a._data.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"comparison {symbol}: shapes {a._data.shape} and {b.shape} do not broadcast"
        ) from None
    return wrap(fn(a._data, b))


# ----------------------------------------------------------------------------- read-only locks
# A leaf's array (a parameter, an input batch) is read-only while some live node has saved it,
# so ``w.data += 1`` between forward and backward raises NumPy's "assignment destination is
# read-only" instead of making a gradient silently wrong. Locks are counted per array (two graphs
# may share a parameter) and given back when the node is freed by backward or collected.
# Arrays made by ops are simply made read-only for good when saved (see engine.protect).
# Whether an array is lockable is asked without the mutex, as "in LOCKS, or else writeable",
# and an unlock makes an array writeable before it leaves LOCKS: so another thread's unlock can
# never make a locked array look read-only for good, and be left unlocked by a new graph.
LOCKS: dict[int, list[Any]] = {}  # id(array) -> [array, count]; the array keeps its id valid
_MUTEX = threading.RLock()
_BUSY = [False]  # the thread holding _MUTEX is counting (no other thread can see it True)
_DEFERRED: list[tuple[list[np.ndarray], int]] = []  # counts still to apply


def lock(arrays: Sequence[np.ndarray]) -> list[np.ndarray] | None:
    """Make ``arrays`` and the arrays they are views of read-only until ``unlock``; returns
    what was locked (an array read-only already, and not by a lock, is left alone)."""
    held = []
    for arr in arrays:
        while isinstance(arr, np.ndarray):
            if id(arr) in LOCKS or arr.flags.writeable:  # (this order: see below)
                held.append(arr)
            arr = b if isinstance(b := arr.base, np.ndarray) or b is None else under(b)  # type: ignore[assignment]
    _count(held, 1)
    return held or None


def lockable(base: Any) -> bool:
    """Whether a view's ``base`` (or an array under it) can be locked: writeable, or locked
    already; a view over arrays all read-only for good can be kept read-only for good."""
    if isinstance(base, np.ndarray) and base.base is None:  # (the usual case, and quicker)
        return id(base) in LOCKS or base.flags.writeable
    return any(id(a) in LOCKS or a.flags.writeable for a in _bases(under(base)))


def under(base: Any) -> Any:
    """The array under ``base`` (an array's ``.base``): NumPy's stride tricks
    (``as_strided``, ``sliding_window_view``) put their own object between, with ``.base``,
    and an array made on a ``memoryview`` has that, with ``.obj``."""
    if base is None or isinstance(base, np.ndarray):
        return base
    return getattr(base, "base", None) if not isinstance(base, memoryview) else base.obj


def unlock(held: list[np.ndarray]) -> None:
    """Give back locks taken by ``lock``; an array becomes writeable at its last unlock."""
    _count(held, -1)


def _count(arrays: list[np.ndarray], step: int) -> None:
    """Add ``step`` to each array's lock count. (The cyclic collector may free a locking node,
    so call unlock, while this thread counts: that call only queues what the outer one does.)"""
    with _MUTEX:
        _DEFERRED.append((arrays, step))
        if _BUSY[0]:
            return
        _BUSY[0] = True
        try:
            while _DEFERRED:
                todo, by = _DEFERRED.pop()
                for arr in todo if by > 0 else reversed(todo):  # (unlocked: bases before views)
                    entry = LOCKS.setdefault(id(arr), [arr, 0])
                    entry[1] += by
                    if entry[1] == by > 0:
                        arr.setflags(False)  # type: ignore[call-arg]  # write=False, positional: faster
                    elif entry[1] <= 0:
                        try:  # noqa: SIM105  (writeable first, then out of LOCKS: see lock)
                            arr.setflags(True)  # type: ignore[call-arg]
                        except ValueError:  # a base is still locked: see writeable (or for good)
                            pass
                        del LOCKS[id(arr)]
        finally:
            _BUSY[0] = False


def _lock_refs(arr: Any) -> int:
    """How many references to ``arr`` the locks hold: LOCKS's, and one per lock taken."""
    entry = LOCKS.get(id(arr))
    return 1 + entry[1] if entry is not None and entry[0] is arr else 0


def is_locked(arr: np.ndarray) -> bool:
    """True while some live graph holds ``arr`` read-only."""
    entry = LOCKS.get(id(arr))
    return entry is not None and entry[0] is arr


from .backward import backward, backward_into  # noqa: E402  (backward.py imports Tensor)
