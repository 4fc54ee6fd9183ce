"""Turn measurements into the Markdown results (targets, ratios, absolute figures) and a plot."""

from __future__ import annotations

import statistics
import textwrap
from pathlib import Path
from typing import Any

from .harness import median_ci, median_ci_level
from .pooling import process_ratios, ratios, split

STANDARD = {"numpy": "vs NumPy", "torch": "vs PyTorch", "autograd": "vs HIPS autograd",
            "mygrad": "vs MyGrad"}


def _stats(xs: list[float]) -> tuple[float, float, float]:
    return statistics.median(xs), min(xs), max(xs)


def judged(m: dict[str, Any], other: str) -> list[float]:
    """The ratios a verdict on ``m`` against ``other`` is judged by: the paired per-repetition
    ratios of one process, or each process's median ratio when ``m`` pools several."""
    return process_ratios(m, other) if len(split(m)) > 1 else ratios(m, other)


def _num(x: float) -> str:
    if x == float("inf"):
        return "inf"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:.2f}"


def fmt_ratio(rs: list[float]) -> str:
    """``0.85× (0.81–0.90)``: median and min–max of the paired ratios."""
    med, lo, hi = _stats(rs)
    return f"{_num(med)}×" if len(rs) == 1 else f"{_num(med)}× ({_num(lo)}–{_num(hi)})"


def fmt_value(m: dict[str, Any], name: str) -> str:
    """``12.3 µs/op (12.0–12.9)``: median and min–max of one framework's samples."""
    med, lo, hi = _stats([x * m["scale"] for x in m["samples"][name]])
    spread = "" if len(m["samples"][name]) == 1 else f" ({_num(lo)}–{_num(hi)})"
    return f"{_num(med)} {m['unit']}{spread}"


def _verdict(m: dict[str, Any], other: str) -> str:
    target = m["targets"].get(other)
    if target is None:
        return ""
    med = statistics.median(judged(m, other))
    return f" {'✅' if med <= target else '❌'} ≤{target:g}"


def _others(m: dict[str, Any]) -> list[str]:
    return [k for k in m["samples"] if k != m["subject"]]


def verdict(rs: list[float], target: float) -> str:
    """``yes`` or ``**no**`` (median ≤ target?), with ``(not settled)`` when the confidence
    interval of the median (``median_ci``) contains the target: more repetitions, or more
    processes, could turn the verdict."""
    lo, hi = median_ci(rs)
    met = "yes" if statistics.median(rs) <= target else "**no**"
    return f"{met} (not settled)" if lo <= target < hi else met


def targets_table(results: list[dict[str, Any]]) -> list[str]:
    """One row per (case, threads, baseline) that has a target. A case pooled from several
    processes is judged on its per-process median ratios (``judged``), and its interval is
    over processes, at the coverage shown."""
    lines = ["| workload | case | threads | ratio (median, min–max) | CI of the median | "
             "repetitions | target | met |", "|---|---|---|---|---|---|---|---|"]
    for m in results:
        for other, target in m["targets"].items():
            if other not in m["samples"]:
                continue
            rs = judged(m, other)
            lo, hi = median_ci(rs)
            n_proc = len(split(m))
            reps = len(ratios(m, other))
            level = f"{median_ci_level(len(rs)):.0%}".replace("%", " %")
            if n_proc > 1:
                reps_cell = f"{reps} in {n_proc} processes"
                ci_cell = f"{_num(lo)}–{_num(hi)} ({level}, over processes)"
            else:
                reps_cell = str(reps)
                ci_cell = f"{_num(lo)}–{_num(hi)} ({level})"
            lines.append(f"| {m['workload']} | {m['case']} | {m['threads']} | "
                         f"{fmt_ratio(rs)} | {ci_cell} | {reps_cell} | "
                         f"≤ {target:.3g}× {other} | {verdict(rs, target)} |")
    return lines


def ratio_table(results: list[dict[str, Any]]) -> list[str]:
    """Wide table: the subject's figure, then subject ÷ each baseline."""
    head = ["workload", "case", "threads", "autograd_mini", *STANDARD.values(), "other"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in results:
        cells = [m["workload"], m["case"], str(m["threads"]), fmt_value(m, m["subject"])]
        if m["subject"] != "autograd_mini":
            cells[3] = f"{fmt_value(m, m['subject'])} ({m['subject']})"
        for key in STANDARD:
            cells.append(fmt_ratio(ratios(m, key)) + _verdict(m, key)
                         if key in m["samples"] else "–")
        extra = [o for o in _others(m) if o not in STANDARD]
        cells.append("; ".join(f"{fmt_ratio(ratios(m, o))} vs {o}{_verdict(m, o)}"
                               for o in extra) or "–")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def absolute_table(results: list[dict[str, Any]]) -> list[str]:
    """Long table: every framework's median and min–max."""
    lines = ["| workload | case | threads | framework | median (min–max) |",
             "|---|---|---|---|---|"]
    for m in results:
        for name in m["samples"]:
            lines.append(f"| {m['workload']} | {m['case']} | {m['threads']} | {name} | "
                         f"{fmt_value(m, name)} |")
    return lines


def markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The whole results page."""
    out = [f"# Benchmark results ({meta['mode']} run, {meta['date']})", "",
           f"Command: `{meta['command']}`", "",
           "Every ratio is autograd_mini's figure ÷ the other framework's, measured in the same "
           "run on the same machine (below 1: autograd_mini is faster or smaller). Ratios are "
           "paired per repetition (frameworks interleaved); shown as median (min–max). The targets "
           "table adds the distribution-free confidence interval of each median ratio (order "
           "statistics, 95 % or more where the samples allow, the coverage in brackets) and the "
           "number of repetitions; a verdict is *not settled* when that interval contains the "
           "target.", ""]
    if meta.get("processes", 1) > 1:
        out += [f"Each thread count ran in {meta['processes']} worker processes, one after "
                "another. The ratio and absolute tables pool their repetitions; the targets "
                "table judges each case by its per-process median ratios: the median of those, "
                "their min–max, and the interval over processes.", ""]
    if meta.get("warning"):
        out += [f"**Warning: {meta['warning']}.**", ""]
    if meta["mode"] == "quick":
        out += ["**Quick run: tiny sizes and 2 repetitions; the figures only show that the "
                "suite works.**", ""]
    out += ["## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in meta["machine"].items()]
    out += ["", "## Threads per configuration", ""]
    for threads, info in meta["threads"].items():
        out.append(f"- **{threads} thread(s)**: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    out += ["", "## Targets", "", *targets_table(results), "",
            "## Ratios", "", *ratio_table(results), "",
            "## Absolute figures", "", *absolute_table(results), ""]
    notes = sorted({f"{m['workload']}, {m['case']}: {m['note']}" for m in results if m["note"]})
    if notes:
        out += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    if meta["errors"]:
        out += ["## Errors", ""]
        for e in meta["errors"]:
            out += [f"- **{e['workload']}** ({e['threads']} thread(s)):", "", "```",
                    e["error"].rstrip(), "```", ""]
    return "\n".join(out)


def plot(results: list[dict[str, Any]], path: Path, title: str) -> str:
    """Horizontal bars of every ratio (log scale) with min–max whiskers and targets."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot written"
    rows = [m for m in results if _others(m)]
    if not rows:
        return "nothing to plot"
    keys = [*STANDARD, "other"]
    palette = ["#4c72b0", "#dd8452", "#55a868", "#8172b3", "#937860"]
    colors = dict(zip(keys, palette, strict=True))
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(rows) + 1.5))
    seen: set[str] = set()
    for i, m in enumerate(rows):
        bars = []
        for key in keys:
            if key == "other":
                bars += [(key, o) for o in _others(m) if o not in STANDARD][:1]
            elif key in m["samples"]:
                bars.append((key, key))
        height = 0.8 / len(bars)
        for j, (key, name) in enumerate(bars):
            med, lo, hi = _stats(ratios(m, name))
            y = i + (j - len(bars) / 2 + 0.5) * height
            ax.barh(y, med, height, color=colors[key], label=None if key in seen else key,
                    xerr=[[med - lo], [hi - med]], error_kw={"elinewidth": 0.8})
            seen.add(key)
            if name in m["targets"]:
                ax.plot(m["targets"][name], y, marker="|", color="red", markersize=9)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)))
    labels = [f"{m['workload']}: {m['case']} [{m['threads']}t]" for m in rows]
    ax.set_yticklabels([textwrap.fill(s, 48) for s in labels], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("autograd_mini ÷ other (log scale; < 1 is better; red | = target)")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return f"plot written to {path}"
