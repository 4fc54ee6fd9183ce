"""The benchmark statistics: the median's confidence interval, adaptive repetitions, verdicts,
and the targets every goal of the suite is judged by."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from benchmarks import harness, report
from benchmarks.harness import SUBJECT, Settings, ci_width, median_ci, paired_ratios, time_paired
from benchmarks.workloads import imports, per_op


def _coverage(n: int, k: int) -> float:
    """P(x₍ₖ₎ ≤ median ≤ x₍ₙ₊₁₋ₖ₎) for n samples: 1 − 2·P(B ≤ k − 1), B ~ Bin(n, ½)."""
    return 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2**n


@pytest.mark.parametrize("n", [1, 2, 5, 7, 8, 9, 15, 21, 40, 101])
def test_median_ci_is_the_tightest_order_statistic_pair_with_95_percent(n: int) -> None:
    lo, hi = median_ci([float(i) for i in range(n, 0, -1)])  # unsorted on purpose
    k = int(lo)  # samples are 1..n, so the bound is its own rank
    assert hi == n + 1 - k
    if k > 1:
        assert _coverage(n, k) >= 0.95
    if 2 * (k + 1) <= n + 1:
        assert _coverage(n, k + 1) < 0.95  # one step tighter would fall short


def test_median_ci_known_values() -> None:
    assert median_ci(range(1, 8)) == (1, 7)  # seven repetitions: min to max
    assert median_ci(range(1, 16)) == (4, 12)
    assert median_ci(range(1, 22)) == (6, 16)
    with pytest.raises(ValueError, match="median_ci"):
        median_ci([])


def test_ci_width_is_relative_half_width() -> None:
    assert ci_width([1.0, 1.0, 1.0]) == 0.0
    assert ci_width([0.9, 1.0, 1.1]) == pytest.approx(0.1)


def _fns(*names: str) -> dict[str, Callable[[], object]]:
    return {name: (lambda: None) for name in names}


#: Calibration times one call (number 1); with these settings every timed block runs 10.
FULL = Settings(quick=False, repeat=7, rep_seconds=10.0, max_number=10, threads=1,
                max_repeat=21, precision=0.02)


def _timed(monkeypatch: pytest.MonkeyPatch, subject: Iterator[float],
           pins: list[str]) -> dict[str, list[float]]:
    fns = _fns(SUBJECT, "numpy", "torch")
    names = {fn: name for name, fn in fns.items()}
    times = {SUBJECT: subject, "numpy": itertools.repeat(1.0), "torch": itertools.repeat(2.0)}

    def run_block(fn: Callable[[], object], number: int) -> float:
        return 1.0 if number == 1 else next(times[names[fn]])

    monkeypatch.setattr(harness, "_run_block", run_block)
    return time_paired(fns, FULL, pins=pins)


def test_steady_ratios_stop_at_the_base_repetitions(monkeypatch: pytest.MonkeyPatch) -> None:
    got = _timed(monkeypatch, itertools.repeat(1.1), ["numpy"])
    assert {k: len(v) for k, v in got.items()} == {SUBJECT: 7, "numpy": 7, "torch": 7}


def test_noisy_ratios_repeat_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    # the subject's blocks alternate ±20 %: the interval never gets narrower than ±2 %
    got = _timed(monkeypatch, itertools.cycle([0.8, 1.2]), ["numpy"])
    assert len(got[SUBJECT]) == len(got["numpy"]) == len(got["torch"]) == 21


def test_repetitions_stop_once_the_interval_is_narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    # one wild first repetition, then steady ones: (min, max) is wide until k ≥ 2 (n ≥ 9)
    got = _timed(monkeypatch, itertools.chain([3.0], itertools.repeat(1.1)), ["numpy"])
    assert len(got[SUBJECT]) == 9
    assert ci_width(paired_ratios(got, "numpy")) <= 0.02


def test_without_pins_or_baseline_nothing_is_added(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(_timed(monkeypatch, itertools.cycle([0.8, 1.2]), [])[SUBJECT]) == 7
    assert len(_timed(monkeypatch, itertools.cycle([0.8, 1.2]), ["mygrad"])[SUBJECT]) == 7
    quick = Settings.make(quick=True, threads=1)
    assert quick.max_repeat <= quick.repeat  # the CI smoke run never adds repetitions


def test_verdicts() -> None:
    assert report.verdict([1.0, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06], 1.15) == "yes"
    assert report.verdict([1.2, 1.21, 1.22, 1.23, 1.24, 1.25, 1.26], 1.15) == "**no**"
    assert report.verdict([1.0, 1.1, 1.12, 1.14, 1.16, 1.18, 1.3], 1.15) == "yes (not settled)"
    assert report.verdict([1.0, 1.1, 1.12, 1.16, 1.17, 1.18, 1.3], 1.15) == "**no** (not settled)"


def test_targets_table_shows_interval_and_repetitions() -> None:
    m = {"workload": "w", "case": "c", "threads": 1, "subject": SUBJECT,
         "samples": {SUBJECT: [1.0, 1.1, 1.2], "numpy": [1.0, 1.0, 1.0], "absent": [1.0] * 3},
         "targets": {"numpy": 1.15, "torch": 1.0}}
    rows = report.targets_table([m])[2:]
    assert rows == ["| w | c | 1 | 1.10× (1.00–1.20) | 1.00–1.20 (75 %) | 3 | ≤ 1.15× numpy | "
                    "yes (not settled) |"]  # no row for a baseline that did not run


def test_every_goal_of_the_suite_has_a_target() -> None:
    assert per_op.TARGETS[("fb", True)] == pytest.approx(
        {"torch": 0.6, "autograd": 1 / 3, "mygrad": 0.25})
    assert per_op.TARGETS[("fb", False)] == {"numpy": 1.10}  # the core redesign's budget
    assert imports.FAR_BELOW == {"torch": 0.25}


@pytest.mark.parametrize("n", range(1, 8))
def test_balanced_orders_put_every_framework_after_every_other_equally_often(n: int) -> None:
    rows = harness.balanced_orders(n)
    assert all(sorted(row) == list(range(n)) for row in rows)
    assert len(rows) == (2 * n if n % 2 else n)
    follows = Counter((row[j], row[j + 1]) for row in rows for j in range(n - 1))
    assert len(follows) == n * (n - 1) and len(set(follows.values())) <= 1
    assert len(set(Counter(row[0] for row in rows).values())) == 1  # each first equally often


class _FakeClock:
    """A perf_counter that advances ``tick`` seconds per reading; sleeping is an error."""

    def __init__(self, tick: float) -> None:
        self.now, self.tick, self.readings = 100.0, tick, 0

    def perf_counter(self) -> float:
        self.readings += 1
        self.now += self.tick
        return self.now

    def sleep(self, seconds: float) -> None:
        raise AssertionError(f"_settle slept for {seconds} s instead of waiting busily")


@pytest.mark.parametrize("seconds", [0.0, 0.05, 0.5])
def test_settle_waits_busily(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """It polls the clock without sleeping until the time is up, and then stops."""
    clock = _FakeClock(tick=0.001)
    monkeypatch.setattr(harness, "time", clock)
    harness._settle(seconds)
    assert clock.now >= 100.0 + seconds  # it did not return early
    # one reading for the deadline, one per poll: about seconds / tick polls, no more
    assert clock.readings <= round(seconds / clock.tick) + 3
    if seconds:
        assert clock.readings >= round(seconds / clock.tick)
