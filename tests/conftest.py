"""Shared pytest set-up: Hypothesis profiles chosen by HYPOTHESIS_PROFILE (dev, ci, thorough),
and the Jupyter kernel the notebooks run in."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci",
    parent=settings.get_profile("ci"),
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

#: The project's kernel; scripts/setup.sh installs it inside .venv (never as ``python3``).
NOTEBOOK_KERNEL = "autograd-mini"


@pytest.fixture()
def torch() -> Iterator[Any]:
    """torch, computing in float64 (layers built in it, and the optimisers' scalar state,
    such as NAdam's mu_product or ASGD's eta and mu, kept in it: float32 unless set)."""
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


@pytest.fixture(scope="session")
def notebook_kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The name of the Jupyter kernel to run the notebooks in.

    ``$AUTOGRAD_MINI_KERNEL`` if set; otherwise ``autograd-mini``, made to run this very
    interpreter, so that the notebooks test the code under test and not whatever a kernel of
    that name (or the user's ``python3``) would import. Where the installed kernel is missing
    or runs another interpreter, a temporary one goes first on ``JUPYTER_PATH`` for the session.
    """
    chosen = os.environ.get("AUTOGRAD_MINI_KERNEL")
    if chosen:
        yield chosen
        return
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv = KernelSpecManager().get_kernel_spec(NOTEBOOK_KERNEL).argv
    except NoSuchKernel:
        argv = []
    if argv and os.path.abspath(argv[0]) == os.path.abspath(sys.executable):
        yield NOTEBOOK_KERNEL
        return
    folder = tmp_path_factory.mktemp("jupyter")
    spec_dir = folder / "kernels" / NOTEBOOK_KERNEL
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python (autograd-mini)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    path = [str(folder), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", os.pathsep.join(path))
        yield NOTEBOOK_KERNEL


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """PyTorch at one thread for a module of tiny comparisons: its thread pool on a busy
    machine costs 30× the work. (Request it with ``pytest.mark.usefixtures``.)"""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
