"""The primitives: importing this package registers every one in ``engine.REGISTRY``."""

from . import elementwise, reduce, shape

__all__ = ["elementwise", "reduce", "shape"]
