"""The primitives, by family; importing this package defines and registers every one."""

from . import elementwise, linalg, reduce, shape

__all__ = ["elementwise", "linalg", "reduce", "shape"]
