"""Linear algebra beyond matmul: einsum and the contractions built on it."""

from __future__ import annotations

__all__: list[str] = []

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()
