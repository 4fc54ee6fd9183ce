"""Run every teaching notebook (notebooks/*.py, jupytext percent format) through a real kernel.

Each notebook asserts the numbers it shows, so a wrong figure or a broken library call fails
here. The notebook runs with the notebooks directory as its working directory, and its figures
are really rendered (matplotlib's inline backend), so a broken label or legend fails too.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbclient
import pytest
from nbclient.exceptions import CellExecutionError

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.py"))


def test_all_ten_notebooks_are_present() -> None:
    prefixes = {p.name[:3] for p in NOTEBOOKS}
    missing = {f"{i:02d}_" for i in range(1, 11)} - prefixes
    assert not missing, f"notebooks missing: {sorted(missing)} in {NOTEBOOK_DIR}"


def _error_outputs(nb: object) -> list[str]:
    """Tracebacks left in any cell's outputs (e.g. by a post-execute hook such as figure
    rendering, which does not always make the cell itself fail)."""
    found = []
    for cell in nb.cells:  # type: ignore[attr-defined]
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"{out.get('ename')}: {out.get('evalue')}\n" + cell.source)
            elif out.get("output_type") == "stream" and out.get("name") == "stderr" \
                    and "Traceback" in out.get("text", ""):
                found.append(out["text"])
    return found


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch, notebook_kernel: str) -> None:
    # The kernel is a child process and inherits this environment. Keep matplotlib's inline
    # backend (figures are rendered at the end of each cell) and use Jupyter's platformdirs
    # paths, which silences a deprecation notice from jupyter_core.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    nb = jupytext.read(path)
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name=notebook_kernel,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name}: a cell failed\n{exc}", pytrace=False)
    problems = _error_outputs(nb)
    assert not problems, f"{path.name}: error output in a cell:\n{problems[0]}"
