"""Tensor: an ndarray with an optional gradient and the graph node that produced it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .engine import Node

__all__ = ["Tensor", "as_array", "tensor", "wrap"]

ArrayLike = Any


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)`` copies ``data`` into an ndarray
    (Python floats give float64; float32 input stays float32). Only floating tensors may require
    a gradient. After ``y.backward()``, every leaf ``x`` with ``requires_grad`` holds
    ``x.grad = ∂y/∂x`` as a Tensor.
    """

    __slots__ = ("__weakref__", "_grad", "_name", "_node", "_rg", "data")
    __array_ufunc__ = None  # make ndarray ⊕ Tensor defer to Tensor's reflected operators
    _is_node = False  # in a node's parents, a Tensor is a leaf (see engine.Node)

    data: np.ndarray
    _rg: bool
    _grad: Tensor | None
    _node: Node | None
    _name: str | None

    def __init__(
        self,
        data: ArrayLike,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        where = type(self).__name__
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{where}: name must be a string or None, got {type(name).__name__}")
        self.data = as_array(data, dtype=dtype, where=where)
        self._rg = False
        self._grad = None
        self._node = None
        self._name = name
        if requires_grad is not False:
            self.requires_grad = requires_grad

    # ----------------------------------------------------------------- attributes
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for differentiation."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"requires_grad must be a bool, got {value!r:.60}")
        value = bool(value)
        if value and not _is_float(self.data.dtype):
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        if not value and self._node is not None:
            raise RuntimeError(
                "requires_grad can only be turned off on a leaf tensor; use .detach() instead"
            )
        self._rg = value

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (a Tensor) or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | ArrayLike | None) -> None:
        """Set or clear the gradient: a Tensor, an array of the tensor's shape (converted to
        its dtype), or None."""
        if value is not None:
            if not isinstance(value, Tensor):
                value = Tensor(value, dtype=self.data.dtype)
            if value.shape != self.shape:
                raise ValueError(
                    f"assigned grad has shape {value.shape}, but the tensor has shape {self.shape}"
                )
        self._grad = value

    @property
    def name(self) -> str | None:
        """A label for drawings and error messages (kept by the graph node of a non-leaf)."""
        try:
            return self._name
        except AttributeError:  # op outputs leave it unset until named (hot path)
            return None

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

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> Tensor:
        """Transpose with reversed axes (as ``ndarray.T``)."""
        return F.transpose(self)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied: writing to it changes the tensor)."""
        return self.data

    def item(self) -> float:
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item(): tensor has {self.data.size} elements, expected exactly 1")
        return self.data.item()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous"
            )
        return bool(self.data)

    def tolist(self) -> Any:
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph."""
        return wrap(self.data, name=self.name)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (its node remembers it weakly)."""
        if not self._rg:
            raise RuntimeError("retain_grad(): the tensor does not require grad")
        if self._node is not None:
            from .engine import retain

            retain(self._node, self)

    def requires_grad_(self, value: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = value
        return self

    def zero_grad(self) -> None:
        """Set ``.grad`` to None."""
        self._grad = None

    def backward(
        self,
        grad: ArrayLike | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate ∂self/∂leaf (times ``grad``) into every leaf's ``.grad``.

        ``grad`` defaults to 1 for a one-element tensor. ``retain_graph`` (default:
        ``create_graph``) keeps the graph for another backward; ``create_graph`` records the
        backward pass so the gradients can be differentiated again.
        """
        if grad is not None and not isinstance(grad, Tensor):
            grad = as_array(grad, copy=False, where="backward(grad)")
        if retain_graph is not None and not isinstance(retain_graph, _BOOLS):
            raise TypeError(f"backward: retain_graph must be a bool, got {retain_graph!r:.60}")
        if not isinstance(create_graph, _BOOLS):
            raise TypeError(f"backward: create_graph must be a bool, got {create_graph!r:.60}")
        _backward(self, grad, retain_graph, create_graph)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20)
        extra = []
        if self.data.dtype != np.float64:
            extra.append(f"dtype={self.data.dtype}")
        if self._node is not None:
            extra.append(f"grad_fn={self._node.op.name}")
        elif self._rg:
            extra.append("requires_grad=True")
        if self.name:
            extra.append(f"name={self.name!r}")
        tail = (", " + ", ".join(extra)) if extra else ""
        return f"Tensor({body}{tail})"

    def __hash__(self) -> int:
        return id(self)

    # ----------------------------------------------------------------- operators
    def __add__(self, other: ArrayLike) -> Tensor:
        return F.add(self, other)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return F.add(other, self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return F.sub(self, other)

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return F.sub(other, self)

    def __mul__(self, other: ArrayLike) -> Tensor:
        return F.mul(self, other)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return F.mul(other, self)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return F.div(self, other)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return F.div(other, self)

    def __pow__(self, other: ArrayLike) -> Tensor:
        return F.pow(self, other)

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return F.pow(other, self)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return F.matmul(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return F.matmul(other, self)

    def __neg__(self) -> Tensor:
        return F.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return F.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return F.getitem(self, index)

    # Comparisons give constant bool tensors (no gradient), as in PyTorch.
    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, "==", self, other)

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, "!=", self, other)

    def __lt__(self, other: ArrayLike) -> Tensor:
        return _compare(np.less, "<", self, other)

    def __le__(self, other: ArrayLike) -> Tensor:
        return _compare(np.less_equal, "<=", self, other)

    def __gt__(self, other: ArrayLike) -> Tensor:
        return _compare(np.greater, ">", self, other)

    def __ge__(self, other: ArrayLike) -> Tensor:
        return _compare(np.greater_equal, ">=", self, other)

    # ----------------------------------------------------------------- methods
    def exp(self) -> Tensor:
        return F.exp(self)

    def log(self) -> Tensor:
        return F.log(self)

    def log1p(self) -> Tensor:
        return F.log1p(self)

    def sqrt(self) -> Tensor:
        return F.sqrt(self)

    def abs(self) -> Tensor:
        return F.abs(self)

    def tanh(self) -> Tensor:
        return F.tanh(self)

    def sigmoid(self) -> Tensor:
        return F.sigmoid(self)

    def relu(self) -> Tensor:
        return F.relu(self)

    def softplus(self) -> Tensor:
        return F.softplus(self)

    def log_sigmoid(self) -> Tensor:
        return F.log_sigmoid(self)

    def softmax(self, axis: int = -1) -> Tensor:
        return F.softmax(self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return F.log_softmax(self, axis=axis)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F.logsumexp(self, axis=axis, keepdims=keepdims)

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F.mean(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return F.var(self, axis=axis, keepdims=keepdims, ddof=ddof)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return F.min(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return F.reshape(self, shape)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return F.transpose(self, axes if axes else None)

    def squeeze(self, axis: Axis = None) -> Tensor:
        return F.squeeze(self, axis=axis)

    def expand_dims(self, axis: int | Sequence[int]) -> Tensor:
        return F.expand_dims(self, axis)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        return F.broadcast_to(self, shape)

    def clip(self, a_min: float | None = None, a_max: float | None = None) -> Tensor:
        return F.clip(self, a_min, a_max)

    def astype(self, dtype: Any) -> Tensor:
        return F.astype(self, dtype)

    def flatten(self) -> Tensor:
        return F.reshape(self, (-1,))


Axis = Any

# Set by ``functional`` when it is imported (it needs Tensor first, and Tensor's operators need it).
F: Any = None
# The reverse sweep, set by sweep.py when it is imported (it imports this module).
_backward: Any = None
_BOOLS = (bool, np.bool_)

# The free functions need Tensor defined first; Tensor calls them through these module globals.
from .tensor_helpers import _compare, _is_float, as_array, tensor, wrap  # noqa: E402
