"""Measurements of one case from several worker processes (``run --processes K``), pooled.

One process's repetitions agree more with each other than with another process's: what a
process draws once (where its arrays land in memory, how its BLAS threads are placed, what
the machine does meanwhile) moves all of its figures together. So a pooled measurement keeps
every repetition, and also how many each process gave, and the verdict on a target takes the
process as its unit: the median of the per-process median ratios, with an order-statistic
interval over the processes.
"""

from __future__ import annotations

import statistics
from typing import Any

from .harness import paired_ratios

__all__ = ["pool", "process_ratios", "ratios", "split"]


def pool(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge the measurements of the same (workload, case, threads) from different processes,
    in the order given: samples are concatenated per framework and ``counts[name]`` lists how
    many each process gave. A case measured once is returned as it is (no ``counts``)."""
    merged: dict[tuple[str, str, int], dict[str, Any]] = {}
    for m in results:
        key = (m["workload"], m["case"], m["threads"])
        prev = merged.get(key)
        if prev is None:
            merged[key] = {**m, "samples": {k: list(v) for k, v in m["samples"].items()},
                           "counts": {k: [len(v)] for k, v in m["samples"].items()}}
            continue
        if set(prev["samples"]) != set(m["samples"]):
            raise ValueError(
                f"pool: {m['workload']}, {m['case']} ({m['threads']} thread(s)) was measured "
                f"for {sorted(prev['samples'])} in one process and {sorted(m['samples'])} in "
                "another")
        for name, xs in m["samples"].items():
            prev["samples"][name] += xs
            prev["counts"][name].append(len(xs))
        if m["note"] and m["note"] not in prev["note"].split("; "):
            prev["note"] = f"{prev['note']}; {m['note']}" if prev["note"] else m["note"]
    out = list(merged.values())
    for m in out:
        if len(next(iter(m["counts"].values()))) == 1:
            del m["counts"]
    return out


def split(m: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-process measurements a pooled one was made from (``[m]`` if it was not pooled)."""
    counts = m.get("counts")
    if not counts:
        return [m]
    parts: list[dict[str, Any]] = []
    starts = dict.fromkeys(counts, 0)
    for p in range(len(next(iter(counts.values())))):
        samples = {}
        for name, ns in counts.items():
            samples[name] = m["samples"][name][starts[name]:starts[name] + ns[p]]
            starts[name] += ns[p]
        parts.append({**{k: v for k, v in m.items() if k != "counts"}, "samples": samples})
    return parts


def ratios(m: dict[str, Any], other: str) -> list[float]:
    """Paired per-repetition ratios subject ÷ other, process by process (where a process has
    one side unpaired, e.g. a single sample, it contributes the ratio of its medians)."""
    out: list[float] = []
    for part in split(m):
        samples = part["samples"]
        if len(samples[part["subject"]]) != len(samples[other]):  # not paired
            samples = {k: [statistics.median(samples[k])] for k in (part["subject"], other)}
        out += paired_ratios(samples, other, part["subject"])
    return out


def process_ratios(m: dict[str, Any], other: str) -> list[float]:
    """The median ratio subject ÷ other of each process (one value if ``m`` was not pooled)."""
    return [statistics.median(ratios(part, other)) for part in split(m)]
