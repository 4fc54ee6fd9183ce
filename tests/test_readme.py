"""The README's and the docs' code blocks run as written, each on its own in a fresh
interpreter, and the README's commands are the ones the scripts and CI run.

A ``python`` block runs in a new ``python`` process in an empty folder, so a block that
forgets an import or uses a name defined elsewhere fails here. A ``bash`` block in ``docs/``
holds ``autograd-mini`` commands, run through this interpreter; the README's two ``bash``
blocks are the set-up commands, which CI runs itself (``.ci/run``).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", flags=re.S | re.M)


def _blocks(page: Path, lang: str) -> list[str]:
    return [code for kind, code in FENCE.findall(page.read_text(encoding="utf-8"))
            if kind == lang]


PYTHON = [(page, i, code) for page in PAGES for i, code in enumerate(_blocks(page, "python"))]
SHELL = [(page, i, code) for page in PAGES[1:] for i, code in enumerate(_blocks(page, "bash"))]


def _id(page: Path, index: int) -> str:
    return f"{page.relative_to(ROOT)}:{index}"


def _env() -> dict[str, str]:
    """This environment, with this checkout first on the path and no display for plots."""
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _run(cmd: list[str], tmp_path: Path, what: str) -> str:
    done = subprocess.run(cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode != 0:
        pytest.fail(f"{what} failed (status {done.returncode}):\n{done.stderr[-4000:]}",
                    pytrace=False)
    return done.stdout


def test_every_page_with_code_is_covered() -> None:
    # a front page: ten lines, continuing in PyTorch, and your own op
    assert len(_blocks(README, "python")) == 3
    pages = {page for page, _, _ in PYTHON + SHELL}
    assert {ROOT / "docs" / n for n in ("tensor.md", "transforms.md", "drawing.md", "nn.md",
                                        "optim.md", "safety.md", "linalg.md")} <= pages


@pytest.mark.parametrize(("page", "index", "code"), PYTHON,
                         ids=[_id(p, i) for p, i, _ in PYTHON])
def test_python_block_runs_alone(page: Path, index: int, code: str, tmp_path: Path) -> None:
    _run([sys.executable, "-W", "error", "-c", code], tmp_path, f"{_id(page, index)}\n{code}")


@pytest.mark.parametrize(("page", "index", "code"), SHELL,
                         ids=[_id(p, i) for p, i, _ in SHELL])
def test_shell_block_runs(page: Path, index: int, code: str, tmp_path: Path) -> None:
    for line in code.strip().splitlines():
        words = shlex.split(line)
        assert words[0] in ("autograd-mini", ".venv/bin/autograd-mini"), \
            f"{_id(page, index)}: not a command to test: {line}"
        _run([sys.executable, "-m", "autograd_mini", *words[1:]], tmp_path, line)


def test_ten_lines_print_the_numbers_they_show(tmp_path: Path) -> None:
    block = next(b for b in _blocks(README, "python") if "v3 = x * y" in b)
    printed = _run([sys.executable, "-c", block], tmp_path, "ten lines").split()
    shown = [m.group(1) for line in block.splitlines()
             if (m := re.search(r"print\(.*\)\s+#.*?(-?\d+\.\d{6,})", line))]
    assert len(shown) == 3 and shown == printed


def test_the_readme_commands_are_what_the_scripts_and_ci_run() -> None:
    demo, tests = (code.strip() for code in _blocks(README, "bash"))
    assert demo == "bash scripts/setup.sh demo && .venv/bin/python -m autograd_mini demo"
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))]
    assert ci == ["bash scripts/setup.sh compare", tests] and tests == "bash scripts/test.sh"
    assert (ROOT / "scripts" / "test.sh").exists() and (ROOT / "scripts" / "setup.sh").exists()


def test_relative_links_lead_somewhere() -> None:
    for page in [*PAGES, ROOT / "notebooks" / "README.md"]:
        for target in re.findall(r"\]\(([^)#\s]+)\)", page.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


def test_own_op_block_runs_without_hypothesis_up_to_its_property_test(tmp_path: Path) -> None:
    # the README says only the property test needs Hypothesis, which the demo's set-up lacks
    block = next(code for code in _blocks(README, "python") if "am.primitive(" in code)
    head, marker, _ = block.partition("from autograd_mini.testing import")
    assert marker, "the block's property test no longer imports autograd_mini.testing"
    script = tmp_path / "own_op.py"
    script.write_text("import sys\nsys.modules['hypothesis'] = None  # as if not installed\n"
                      + head, encoding="utf-8")
    out = _run([sys.executable, str(script)], tmp_path, "the block without Hypothesis")
    assert out.splitlines()[-1] == "True"
