"""The README's Python examples run, and its printed numbers are the library's."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import autograd_mini as am

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 3


def test_readme_blocks_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every block runs, in order, in one namespace, as a reader working down the page would."""
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {"am": am, "np": np}
    for index, code in enumerate(BLOCKS):
        if "am.grad(f" in code:  # the transforms block names a function f and a point x, v
            scope["f"] = lambda x: (x**3).sum() + am.tanh(x).sum()
            scope["x"] = np.array([0.5, -1.0])
            scope["v"] = np.array([1.0, 2.0])
        try:
            exec(compile(code, f"README block {index}", "exec"), scope)
        except Exception as exc:  # name the block that failed
            raise AssertionError(f"README block {index} failed: {exc!r}\n{code}") from exc


def test_readme_ten_line_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    block = next(b for b in BLOCKS if "v3 = x * y" in b)
    exec(compile(block, "ten lines", "exec"), {})
    printed = capsys.readouterr().out.split()
    for line in block.splitlines():
        m = re.search(r"print\(.*\)\s+#.*?(-?\d+\.\d{6,})", line)
        if m:
            assert m.group(1) in printed
