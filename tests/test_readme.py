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


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_block_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = BLOCKS[index]
    scope: dict[str, object] = {"am": am, "np": np}
    if "am.grad(f" in code:  # the transforms block names a function f and a point x, v
        scope["f"] = lambda x: (x**3).sum() + am.tanh(x).sum()
        scope["x"] = np.array([0.5, -1.0])
        scope["v"] = np.array([1.0, 2.0])
    exec(compile(code, f"README block {index}", "exec"), scope)


def test_readme_ten_line_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    block = next(b for b in BLOCKS if "v3 = x * y" in b)
    exec(compile(block, "ten lines", "exec"), {})
    printed = capsys.readouterr().out.split()
    for line in block.splitlines():
        m = re.search(r"print\(.*\)\s+#.*?(-?\d+\.\d{6,})", line)
        if m:
            assert m.group(1) in printed
