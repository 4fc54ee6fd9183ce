"""The primitives: importing this package registers every one in ``engine.REGISTRY``."""

from . import elementwise, fused, reduce, shape

__all__ = ["elementwise", "fused", "reduce", "shape"]
