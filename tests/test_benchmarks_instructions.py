"""The instruction counter of benchmarks/instructions.py: its child chains, its parsing of
callgrind's summary, and (where valgrind is installed) a deterministic count."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import instructions as ins  # noqa: E402

HAVE_VALGRIND = shutil.which("valgrind") is not None and shutil.which("setarch") is not None


@pytest.mark.parametrize("framework", ins.FRAMEWORKS)
@pytest.mark.parametrize("mode", ["fb", "fwd"])
def test_each_child_chain_runs(framework: str, mode: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.instructions", "--child", framework, "--shape", "4",
         "--mode", mode, "--reps", "1"],
        cwd=str(ROOT), capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_the_summary_line_is_read_and_its_absence_reported() -> None:
    text = "==1== Events    : Ir\n==1== Collected : 123456789\n==1==\n==1== I refs: 123,456,789\n"
    assert ins.collected(text) == 123456789
    with pytest.raises(RuntimeError, match="no 'Collected :' line"):
        ins.collected("==1== something else\n")


def test_long_must_exceed_short() -> None:
    with pytest.raises(SystemExit):
        ins.main(["--short", "5", "--long", "5"])


@pytest.mark.skipif(not HAVE_VALGRIND, reason="valgrind and setarch are not installed")
def test_counts_repeat_exactly_and_the_library_costs_more_than_hand_numpy() -> None:
    first = ins.count("autograd_mini", "1", "fwd", 1)
    again = ins.count("autograd_mini", "1", "fwd", 1)
    hand = ins.count("numpy", "1", "fwd", 1)
    assert abs(first - again) <= 0.001 * first  # the same count, run after run
    assert hand < first  # the same chain, plus the library's import and recording


def test_the_cache_summary_is_read_and_its_absence_reported() -> None:
    text = (
        "==7== I   refs:      1,638,232,081\n"
        "==7== I1  misses:       13,504,917\n"
        "==7== LLi misses:           28,460\n"
        "==7== D   refs:        866,343,370  (668,961,735 rd   + 197,381,635 wr)\n"
        "==7== D1  misses:       35,764,467  ( 24,722,202 rd   +  11,042,265 wr)\n"
    )
    assert ins.cache_summary(text) == {
        "instructions": 1_638_232_081, "I1 misses": 13_504_917, "D1 misses": 35_764_467,
    }
    with pytest.raises(RuntimeError, match="no cache summary"):
        ins.cache_summary("==7== I   refs:      12\n")


@pytest.mark.skipif(not HAVE_VALGRIND, reason="valgrind and setarch are not installed")
def test_cache_counts_come_from_the_cache_model() -> None:
    got = ins.cache_counts("numpy", "1", "fwd", 1)
    assert set(got) == set(ins.CACHE_EVENTS)
    assert 0 < got["I1 misses"] < got["instructions"] and got["D1 misses"] > 0
