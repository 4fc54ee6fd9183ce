"""The set-up scripts and the notebooks' Jupyter kernel.

The scripts themselves run in CI (``.ci/run`` is the README's test command); here: the
promises a reader cannot see from a green run.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import autograd_mini

ROOT = Path(__file__).resolve().parents[1]
SETUP = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")


def _commands(script: str) -> list[str]:
    """The script's command lines, without comments and blank lines."""
    lines = (line.split("#", 1)[0].strip() for line in script.splitlines())
    return [line for line in lines if line]


def test_pip_only_ever_installs_into_the_project_environment() -> None:
    pips = [line for line in _commands(SETUP) if re.search(r"\bpip\b.*\binstall\b", line)]
    assert pips, "setup.sh installs the package with pip"
    assert all(line.startswith('"$venv/bin/python" -m pip') for line in pips), pips
    assert 'venv=".venv"' in SETUP


def test_the_jupyter_kernel_is_project_named_inside_the_environment() -> None:
    installs = [line for line in _commands(SETUP) if "ipykernel install" in line]
    assert installs and all("--sys-prefix" in line and "--user" not in line for line in installs)
    assert all('--name "$kernel"' in line for line in installs)
    assert 'kernel="autograd-mini"' in SETUP
    assert "ipykernel install" not in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_notebook_kernel_runs_the_code_under_test(
    notebook_kernel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a kernel that imports another copy of the library (a user's ``python3`` kernel)."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # silences a jupyter_core notice
    code = "import sys, autograd_mini\nprint(sys.executable)\nprint(autograd_mini.__file__)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(nb, timeout=120, kernel_name=notebook_kernel).execute()
    printed = "".join(out.get("text", "") for out in nb.cells[0].outputs).split()
    assert printed == [sys.executable, autograd_mini.__file__]
