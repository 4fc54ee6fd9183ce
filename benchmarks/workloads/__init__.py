"""The workloads, by name: each module has ``NAME`` and ``run(settings) -> list[Measurement]``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

#: name -> (module, whether the figures depend on the thread count)
WORKLOADS: dict[str, tuple[str, bool]] = {
    "per_op": ("per_op", True),
    "deep_chain": ("deep_chain", True),
    "mlp": ("mlp", True),
    "mlp_memory": ("memory", False),
    "moons": ("moons", True),
    "hvp": ("hvp", True),
    "import": ("imports", False),
    "cnn": ("cnn", True),
    "embedding": ("embedding", True),
    "char_mlp": ("char_mlp", True),
}


def runner(name: str) -> Callable[..., Any]:
    """The ``run`` function of workload ``name``."""
    module = importlib.import_module(f"{__name__}.{WORKLOADS[name][0]}")
    run: Callable[..., Any] = module.run
    return run
