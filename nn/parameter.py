"""Parameter: a Tensor that a Module registers as learnable."""

from __future__ import annotations

from typing import Any

from autograd_mini import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor that requires grad by default and that a ``Module`` finds in its attributes.

    ``Parameter(data, requires_grad=True, dtype=None, name=None)`` copies ``data`` (Python
    floats give float64, float32 stays float32). Operations on it give plain Tensors.
    """

    __slots__ = ()

    def __init__(
        self,
        data: Any,
        requires_grad: bool = True,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, name=name)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor"):]
