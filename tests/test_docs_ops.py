"""docs/ops.md is the reference generated from the registry and the catalog, and it is current."""

from __future__ import annotations

from pathlib import Path

from autograd_mini import functional as F
from autograd_mini.catalog.reference import main, not_differentiable, reference_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "ops.md"


def test_ops_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/ops.md is stale: run python -m autograd_mini.catalog.reference --write docs/ops.md")


def test_reference_lists_every_public_function_once() -> None:
    text = reference_markdown()
    for name in F.__all__:
        assert text.count(f"| `{name}(") == 1, name


def test_reference_says_which_functions_have_no_gradient() -> None:
    rows = {line.split("`")[1].split("(")[0]: line for line in reference_markdown().splitlines()
            if line.startswith("| `")}
    for name in not_differentiable():
        assert "| none |" in rows[name]
    assert "linalg.matrix_rank" in not_differentiable()
    assert "| yes |" in rows["exp"] and "| piecewise |" in rows["relu"]


def test_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "ops.md"
    assert main(["--write", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == reference_markdown()
