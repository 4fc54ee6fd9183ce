"""``autograd-mini gradcheck`` prints the per-op report and exits 0 when every op passes."""

from __future__ import annotations

import pytest

from autograd_mini import REGISTRY
from autograd_mini.cli import main


def test_gradcheck_command_prints_every_primitive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradcheck", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["op", "1st", "order"]
    ops_listed = {line.split()[0] for line in lines[2:] if line and not line[0].isdigit()}
    assert set(REGISTRY) <= ops_listed  # every primitive has a row of its own
    assert "all passed" in lines[-1]
