"""Gradient-check report over every catalog op: worst errors and second-order status per op."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .backward import backward
from .catalog import SPECS, OpSpec, user_primitives
from .engine import Primitive
from .grad_mode import enable_grad, no_grad
from .gradcheck import gradgradcheck, numerical_grad
from .opsamples import op_spec, user_op
from .tensor import Tensor

__all__ = ["ReportRow", "format_report", "gradcheck_report"]

Shape = tuple[int, ...]


@dataclass(frozen=True)
class ReportRow:
    """One op's result: worst first-order errors over its samples and the second-order status.

    ``abs_err`` is max |a − n| over every checked element (analytic a, central difference n);
    ``rel_err`` is the normwise max |a − n| / max |n| of the same sample kind. ``first_order``
    is "ok" when every element satisfies |a − n| ≤ atol + rtol·|n|, "FAIL", or "skipped" when
    inputs for the op cannot be drawn (a user's op that is not elementwise or needs keyword
    attributes, and has no sampler: see ``opsamples``); ``second_order`` is "ok", "FAIL"
    (gradgradcheck disagreed or raised) or "n/a". ``shapes`` are the input shapes of the
    sample with the largest absolute error; ``detail`` holds the first failure message, or why
    the op was skipped.
    """

    op: str
    abs_err: float
    rel_err: float
    shapes: tuple[Shape, ...]
    first_order: str
    second_order: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        """True unless a check failed: the first-order check passed or was skipped, and the
        second-order one did not fail."""
        return self.first_order in ("ok", SKIPPED) and self.second_order != "FAIL"


SKIPPED = "skipped"  # (ReportRow.first_order of an op whose inputs cannot be drawn)


def _value(f: Callable[..., Tensor], xs: Sequence[np.ndarray]) -> np.ndarray:
    with no_grad():
        out = f(*[Tensor(x) for x in xs])
    return np.asarray(out.data, dtype=np.float64)


def _analytic(f: Callable[..., Tensor], xs: Sequence[np.ndarray], rng: np.random.Generator,
              ) -> tuple[np.ndarray, list[np.ndarray]]:
    """A random upstream gradient u and the reverse-mode gradients of ⟨u, f(x)⟩."""
    ts = [Tensor(x, requires_grad=True) for x in xs]
    with enable_grad():
        out = f(*ts)
    u = np.asarray(rng.standard_normal(out.shape))
    grads: list[Any] = [None] * len(ts)
    if out.requires_grad:
        grads = backward(out, u, inputs=ts)
    ana = [np.zeros_like(x) if g is None else np.asarray(g.data if isinstance(g, Tensor) else g,
                                                         dtype=np.float64)
           for g, x in zip(grads, xs, strict=True)]
    for i, (a, x) in enumerate(zip(ana, xs, strict=True)):
        if a.shape != x.shape:
            raise ValueError(f"gradient for input {i} has shape {a.shape}, input {x.shape}")
    return u, ana


def _first_order(f: Callable[..., Tensor], xs: list[np.ndarray], rng: np.random.Generator,
                 fast: bool, eps: float, atol: float, rtol: float) -> tuple[float, float, bool]:
    """(max |a − n|, normwise relative error, passed) for one sample."""
    u, ana = _analytic(f, xs, rng)
    if fast:  # one random direction v: uᵀJv against a central difference of ⟨u, f⟩
        vs = [rng.standard_normal(x.shape) for x in xs]
        plus = _value(f, [x + eps * v for x, v in zip(xs, vs, strict=True)])
        minus = _value(f, [x - eps * v for x, v in zip(xs, vs, strict=True)])
        a_all = np.array([sum(float(np.sum(a * v)) for a, v in zip(ana, vs, strict=True))])
        n_all = np.array([float(np.sum(u * (plus - minus))) / (2 * eps)])
    else:
        nums = numerical_grad(f, xs, eps=eps, method="central", grad_output=u)
        a_all = np.concatenate([a.ravel() for a in ana] + [np.zeros(0)])
        n_all = np.concatenate([n.ravel() for n in nums] + [np.zeros(0)])
    diff = np.abs(a_all - n_all)
    ok = bool(np.all(diff <= atol + rtol * np.abs(n_all)))
    ok = ok and bool(np.array_equal(np.isnan(a_all), np.isnan(n_all)))
    if not a_all.size:
        return 0.0, 0.0, ok
    abs_err = float(np.max(diff))
    scale = float(np.max(np.abs(n_all)))
    rel_err = abs_err / scale if scale > 0 else (0.0 if abs_err == 0 else float("inf"))
    return abs_err, rel_err, ok


def _check_spec(spec: OpSpec, rng: np.random.Generator, samples: int, fast: bool, eps: float,
                atol: float, rtol: float) -> ReportRow:
    worst: tuple[float, float, tuple[Shape, ...]] = (-1.0, 0.0, ())
    first_ok, second_ok, detail = True, spec.second_order, ""
    for _ in range(samples):
        try:
            arrays, attrs = spec.sample(rng)
        except Exception as exc:  # not the op's gradient failing: nothing could be checked
            if not first_ok or (spec.second_order and not second_ok):
                break  # (an earlier sample failed: that stands)
            return ReportRow(spec.name, float("nan"), float("nan"), (), SKIPPED, "n/a",
                             f"cannot sample inputs for this op ({exc})")
        xs = [np.array(a, dtype=np.float64) for a in arrays]
        f = functools.partial(spec.fn, **attrs)
        shapes = tuple(x.shape for x in xs)
        try:
            abs_err, rel_err, ok = _first_order(f, xs, rng, fast, eps, atol, rtol)
        except Exception as exc:  # a crash is a failure of the op, reported, not raised
            abs_err, rel_err, ok = float("nan"), float("nan"), False
            detail = detail or f"first order raised {type(exc).__name__}: {exc}"
        if not ok:
            first_ok = False
            detail = detail or f"first-order mismatch at input shapes {shapes}"
        if not abs_err <= worst[0]:
            worst = (abs_err, rel_err, shapes)
        if spec.second_order and second_ok:
            try:
                gradgradcheck(f, xs, eps=eps, atol=atol, rtol=rtol, fast=fast, rng=rng)
            except Exception as exc:
                second_ok = False
                detail = detail or f"second order: {type(exc).__name__}: {exc}"
    second = "n/a" if not spec.second_order else "ok" if second_ok else "FAIL"
    return ReportRow(spec.name, worst[0], worst[1], worst[2], "ok" if first_ok else "FAIL",
                     second, detail)


def gradcheck_report(seed: int = 0, fast: bool = False,
                     specs: Sequence[OpSpec | Primitive] | None = None,
                     samples: int = 4, eps: float = 1e-6, atol: float = 1e-5,
                     rtol: float = 1e-4) -> list[ReportRow]:
    """Check every spec's gradients on ``samples`` random inputs (float64) and summarise.

    First order: reverse mode against central differences for a random upstream gradient u,
    over every input element (``fast``: along one random direction per sample instead).
    Second order: ``gradgradcheck`` on each sample while it passes. Deterministic in ``seed``.
    ``specs`` (default: the catalog's and every user's op) may hold ops of your own, drawn as
    ``opsamples`` says; one that cannot be drawn is skipped, saying why, and one with an
    unknown domain name fails, saying which: the others are checked all the same.
    """
    if samples < 1:
        raise ValueError(f"gradcheck_report: samples must be ≥ 1, got {samples}")
    rng = np.random.default_rng(seed)
    chosen: list[OpSpec | Primitive] = ([*SPECS, *user_primitives()] if specs is None else
                                        [_users(s) for s in specs])
    rows = []
    for item in chosen:
        try:  # a user's op: is it well defined?
            spec = op_spec(item) if isinstance(item, Primitive) else item
        except ValueError as exc:  # (an unknown domain name): this op fails, the others go on
            rows.append(ReportRow(item.name, float("nan"), float("nan"), (), "FAIL", "n/a",
                                  str(exc)))
            continue
        rows.append(_check_spec(spec, rng, samples, fast, eps, atol, rtol))
    return rows


def _users(spec: OpSpec | Primitive) -> OpSpec | Primitive:
    """A spec that ``catalog.primitive_spec`` made for a user's op (elementwise, no
    attributes, unchecked) as that op, to be drawn as ``opsamples`` says; others as they are."""
    if isinstance(spec, Primitive):
        return spec
    op = user_op(spec.name) if spec.kind == "elementwise" else None
    return op if op is not None and spec.fn is op else spec


def _shapes_text(shapes: tuple[Shape, ...]) -> str:
    return " ".join(str(s).replace(" ", "") for s in shapes) or "-"


def format_report(rows: Sequence[ReportRow]) -> str:
    """The rows as an aligned text table with a one-line summary."""
    head = ("op", "1st order", "max abs err", "max rel err", "worst input shapes", "2nd order")
    body = [(r.op, r.first_order, f"{r.abs_err:.2e}", f"{r.rel_err:.2e}",
             _shapes_text(r.shapes), r.second_order) for r in rows]
    widths = [max(len(c) for c in col) for col in zip(head, *body, strict=True)]
    right = {2, 3}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out = [line(head), line(["-" * w for w in widths])] + [line(b) for b in body]
    # Why an op failed or was skipped, one line each (the first of a long message).
    out += [f"{r.op}: {'skipped' if r.first_order == SKIPPED else 'FAIL'}: "
            f"{r.detail.splitlines()[0] if r.detail else '(no message)'}"
            for r in rows if r.first_order != "ok" or not r.passed]
    failed = [r.op for r in rows if not r.passed]
    skipped = [r.op for r in rows if r.first_order == SKIPPED]
    verdict = (f"{len(failed)} FAILED: {', '.join(failed)}" if failed else
               "none failed" if skipped else "all passed")
    out.append(f"{len(rows)} ops checked, {verdict}"
               + (f"; {len(skipped)} skipped: {', '.join(skipped)}" if skipped else ""))
    return "\n".join(out)
