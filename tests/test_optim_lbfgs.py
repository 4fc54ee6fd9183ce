"""optim.LBFGS against torch.optim.LBFGS: the parameter trajectory step by step (fixed step and
strong Wolfe line search, closure calls included), the line search's trials against torch's and
the strong Wolfe conditions (state dicts, checkpoints, errors, refusals, non-finite losses and
float32: test_optim_lbfgs_state.py)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import optim
from autograd_mini import Tensor
from optim.line_search import Point, cubic_minimiser, strong_wolfe

Loss = Callable[[list[Any]], Any]



# ----------------------------------------------------------------------------- problems
def _quadratic(rng: np.random.Generator, n: int = 5) -> tuple[Loss, list[np.ndarray]]:
    """½ xᵀAx − bᵀx with A symmetric positive definite (condition number ~30)."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = q @ np.diag(np.linspace(1.0, 30.0, n)) @ q.T
    b = rng.standard_normal(n)

    def f(ps: list[Any]) -> Any:
        x = ps[0]
        lib_a, lib_b = (am.Tensor(a), am.Tensor(b)) if isinstance(x, Tensor) else (
            _torch().tensor(a), _torch().tensor(b))
        return 0.5 * (x * (lib_a @ x)).sum() - (lib_b * x).sum()

    return f, [rng.standard_normal(n)]


def _rosenbrock(ps: list[Any]) -> Any:
    """Σᵢ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²; minimum 0 at x = 1."""
    x = ps[0]
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def _logistic(rng: np.random.Generator) -> tuple[Loss, list[np.ndarray]]:
    """Mean log(1 + exp(−y (X w + b))) + 0.01‖w‖², weights (3, 2) and bias (2,) as two
    parameters (the flat vector crosses parameters)."""
    x = rng.standard_normal((20, 3))
    y = np.sign(rng.standard_normal((20, 2)))

    def f(ps: list[Any]) -> Any:
        w, b = ps
        if isinstance(w, Tensor):
            z = -am.Tensor(y) * (am.Tensor(x) @ w + b)
            return am.logaddexp(am.zeros_like(z), z).mean() + 0.01 * (w * w).sum()
        t = _torch()
        z = -t.tensor(y) * (t.tensor(x) @ w + b)
        return t.logaddexp(t.zeros_like(z), z).mean() + 0.01 * (w * w).sum()

    return f, [rng.standard_normal((3, 2)), rng.standard_normal(2)]


def _torch() -> Any:
    import torch

    return torch


def _pair(torch: Any, f: Loss, x0: list[np.ndarray], **kw: Any
          ) -> tuple[list[Tensor], optim.LBFGS, Callable[[], Any], list[Any], Any,
                     Callable[[], Any]]:
    """Our parameters, optimiser and closure, and torch's, from the same start."""
    ps = [Tensor(x.copy(), requires_grad=True) for x in x0]
    tps = [torch.tensor(x.copy(), requires_grad=True) for x in x0]
    opt, topt = optim.LBFGS(ps, **kw), torch.optim.LBFGS(tps, **kw)

    def closure() -> Any:
        opt.zero_grad()
        loss = f(ps)
        loss.backward()
        return loss

    def tclosure() -> Any:
        topt.zero_grad()
        loss = f(tps)
        loss.backward()
        return loss

    return ps, opt, closure, tps, topt, tclosure


def _close(ps: list[Tensor], tps: list[Any], tol: float = 1e-10) -> None:
    for p, tp in zip(ps, tps, strict=True):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=tol, atol=tol)


def _problem(name: str) -> tuple[Loss, list[np.ndarray]]:
    rng = np.random.default_rng(3)
    if name == "quadratic":
        return _quadratic(rng)
    if name == "rosenbrock":
        return _rosenbrock, [np.array([-1.2, 1.0, 0.5, -0.4])]
    return _logistic(rng)


# ----------------------------------------------------------------------------- fixed step
@pytest.mark.parametrize(("name", "kw"), [
    ("quadratic", {}),
    ("quadratic", {"lr": 0.1, "max_iter": 4, "history_size": 2}),
    ("rosenbrock", {"lr": 0.05, "max_iter": 7, "history_size": 3}),
    ("rosenbrock", {"lr": 0.02, "max_iter": 5, "max_eval": 3}),
    ("logistic", {"lr": 0.5, "max_iter": 6, "history_size": 4}),
    ("logistic", {"max_iter": 3, "history_size": 1, "tolerance_change": 0.0}),
])
def test_fixed_step_trajectory_matches_torch(torch: Any, name: str, kw: dict[str, Any]) -> None:
    f, x0 = _problem(name)
    ps, opt, closure, tps, topt, tclosure = _pair(torch, f, x0, **kw)
    moved = False
    for _ in range(6):
        before = [p.data.copy() for p in ps]
        loss, tloss = opt.step(closure), topt.step(tclosure)
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-10, abs=1e-12)
        _close(ps, tps)
        moved |= any(not np.array_equal(b, p.data) for b, p in zip(before, ps, strict=True))
        st, tst = opt.state[ps[0]], topt.state[tps[0]]
        assert (st["n_iter"], st["func_evals"]) == (tst["n_iter"], tst["func_evals"])
        assert len(st.get("old_dirs", [])) == len(tst.get("old_dirs", []))
        assert len(st.get("old_dirs", [])) <= opt.param_groups[0]["history_size"]
    assert moved
    assert opt.param_groups[0]["max_eval"] == topt.param_groups[0]["max_eval"]


def test_history_is_capped_and_pairs_with_tiny_curvature_skipped(torch: Any) -> None:
    f, x0 = _problem("quadratic")
    ps, opt, closure, _, _, _ = _pair(torch, f, x0, max_iter=9, history_size=2)
    opt.step(closure)
    st = opt.state[ps[0]]
    assert len(st["old_dirs"]) == len(st["old_stps"]) == len(st["ro"]) == 2
    for y, s, ro in zip(st["old_dirs"], st["old_stps"], st["ro"], strict=True):
        assert np.dot(y, s) > 1e-10 and ro == pytest.approx(1.0 / np.dot(y, s))
    # a linear loss has y = 0: every pair is skipped and H stays the identity
    p = Tensor(np.ones(3), requires_grad=True)
    lin = optim.LBFGS([p], lr=0.1, max_iter=5)

    def linear() -> Tensor:
        lin.zero_grad()
        loss = (p * np.array([1.0, -2.0, 3.0])).sum()
        loss.backward()
        return loss

    lin.step(linear)
    assert lin.state[p]["old_dirs"] == [] and lin.state[p]["H_diag"] == 1.0


def test_max_eval_and_tolerance_grad_stop(torch: Any) -> None:
    f, x0 = _problem("rosenbrock")
    calls: list[int] = []
    ps, opt, closure, *_ = _pair(torch, f, x0, lr=0.01, max_iter=50, max_eval=7)

    def counted() -> Any:
        calls.append(1)
        return closure()

    opt.step(counted)
    assert len(calls) == 7 == opt.state[ps[0]]["func_evals"]
    p = Tensor(np.zeros(2), requires_grad=True)  # at the minimum: one evaluation, no move
    at_min = optim.LBFGS([p])

    def bowl() -> Tensor:
        at_min.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    at_min.step(bowl)
    assert at_min.state[p] == {"func_evals": 1, "n_iter": 0} and not p.data.any()


def test_parameter_without_gradient_counts_as_zero(torch: Any) -> None:
    f, x0 = _problem("quadratic")
    ps, opt, closure, tps, topt, tclosure = _pair(torch, f, [*x0, np.ones((2, 2))], max_iter=5)
    opt.step(closure)
    topt.step(tclosure)
    _close(ps, tps)
    assert ps[1].grad is None and np.array_equal(ps[1].data, np.ones((2, 2)))
    assert opt.state[ps[0]]["d"].shape == (9,)


# ----------------------------------------------------------------------------- line search
_STARTS = [[-1.2, 1.0], [0.5, 1.5, 0.2, -0.3, 1.2, 0.8], [2.0] * 5,
           *(np.random.default_rng(k).uniform(-2.0, 2.0, (2, 5, 10)[k % 3]) for k in range(6))]


@pytest.mark.parametrize(("k", "x0"), list(enumerate(_STARTS)))
def test_strong_wolfe_follows_torch(torch: Any, k: int, x0: list[float]) -> None:
    # Rosenbrock in 2, 5, 10-D, lr 1, 0.3, 3: torch's trials, step for step, to the end
    kw = {"line_search_fn": "strong_wolfe", "max_iter": 500, "max_eval": 1000,
          "tolerance_grad": 1e-10, "tolerance_change": 1e-14, "lr": (1.0, 0.3, 3.0)[k // 2 % 3]}
    ps, opt, closure, tps, topt, tclosure = _pair(torch, _rosenbrock, [np.array(x0)], **kw)
    opt.step(closure)
    topt.step(tclosure)
    if k < 3:
        np.testing.assert_allclose(ps[0].data, np.ones(len(x0)), atol=1e-7)  # (the minimum)
    _close(ps, tps, 1e-8)
    assert opt.state[ps[0]]["func_evals"] == topt.state[tps[0]]["func_evals"]


@pytest.mark.parametrize("kw", [
    {"max_iter": 1}, {"max_iter": 2, "max_eval": 2}, {"max_iter": 4},
    {"max_iter": 20, "max_eval": 3}, {"lr": 1.0, "max_iter": 5},
    {"lr": 1.0, "max_iter": 10, "max_eval": 6}, {"lr": 1.0, "max_iter": 8, "history_size": 3},
    {"lr": 0.1, "max_iter": 6, "tolerance_change": 1e-6}])
def test_short_steps_and_max_eval_follow_torch(torch: Any, kw: dict[str, Any]) -> None:
    # a search makes at most max_eval − (evaluations so far) + 1 evaluations, as torch's
    rosen = "lr" in kw
    x0 = [np.array([-1.2, 1.0])] if rosen else [np.array([2.0])]
    f: Loss = _rosenbrock if rosen else lambda ps: (ps[0].exp() - ps[0]).sum()
    kw = {"lr": 1e4, "line_search_fn": "strong_wolfe", **kw}
    ps, opt, closure, tps, topt, tclosure = _pair(torch, f, x0, **kw)
    calls = []

    def counted() -> Any:
        calls.append(1)
        return closure()

    for _ in range(4):
        loss = opt.step(counted)
        assert loss.item() == pytest.approx(topt.step(tclosure).item(), rel=1e-8)
        _close(ps, tps, 1e-8)
        assert len(calls) == opt.state[ps[0]]["func_evals"] == topt.state[tps[0]]["func_evals"]
    assert len(calls) <= 4 * (opt.param_groups[0]["max_eval"] + 1)


@pytest.mark.parametrize("lr", [1.0, 100.0, 1000.0])
def test_zoom_evaluates_a_cubic_minimiser_next_to_an_end_once(torch: Any, lr: float) -> None:
    # the first trial overshoots by ~lr: the cubic (exact on a quadratic) is tried at once
    def f(ps: list[Any]) -> Any:  # ½ xᵀ diag(1, 10, 100) x
        a = [1.0, 10.0, 100.0]
        return 0.5 * ((am.Tensor(a) if isinstance(ps[0], Tensor) else torch.tensor(a))
                      * ps[0] * ps[0]).sum()

    kw = {"lr": lr, "line_search_fn": "strong_wolfe", "max_iter": 100}
    ps, opt, closure, tps, topt, tclosure = _pair(torch, f, [np.ones(3)], **kw)
    opt.step(closure)
    topt.step(tclosure)
    _close(ps, tps)
    assert opt.state[ps[0]]["func_evals"] == topt.state[tps[0]]["func_evals"] <= 15
    for m in (0.03, 0.003, 0.0003):  # φ(t) = (t − m)² from t = 1: tries t = 1, then t = m
        tried: list[float] = []
        phi, dphi = (lambda t, m=m: (t - m) ** 2), (lambda t, m=m: 2 * (t - m))
        point, evals = strong_wolfe(_on(phi, dphi, tried), _on(phi, dphi)(0.0), 1.0)
        assert evals == 2 and tried == [1.0, pytest.approx(m, rel=1e-12)] and point.t == tried[1]


def test_accepted_steps_satisfy_the_strong_wolfe_conditions() -> None:
    p = Tensor(np.array([-1.2, 1.0, 0.3]), requires_grad=True)
    # (one iteration a step, max_eval = 26: the search has 26 evaluations, as by default)
    opt = optim.LBFGS([p], line_search_fn="strong_wolfe", max_iter=1, max_eval=26,
                      tolerance_grad=1e-10, tolerance_change=1e-14)

    def closure() -> Tensor:
        opt.zero_grad()
        loss = _rosenbrock([p])
        loss.backward()
        return loss

    def f_and_g(x: np.ndarray) -> tuple[float, np.ndarray]:
        v = Tensor(x, requires_grad=True)
        loss = _rosenbrock([v])
        loss.backward()
        assert v.grad is not None
        return loss.item(), v.grad.data

    checked = 0
    for _ in range(80):
        x = p.data.copy()
        opt.step(closure)
        step = p.data - x
        if not step.any():
            break
        (f0, g0), (f1, g1) = f_and_g(x), f_and_g(p.data.copy())
        slope0 = float(g0 @ step)
        assert slope0 < 0
        assert f1 <= f0 + 1e-4 * slope0 + 1e-12  # sufficient decrease
        assert abs(float(g1 @ step)) <= 0.9 * abs(slope0) + 1e-12  # curvature
        checked += 1
    assert checked >= 15
    np.testing.assert_allclose(p.data, np.ones(3), atol=1e-6)


_LINES = [(lambda t: (t - 3.0) ** 2, lambda t: 2.0 * (t - 3.0)),
          (lambda t: -t * np.exp(-t), lambda t: (t - 1.0) * np.exp(-t)),
          (lambda t: t ** 4 - 2 * t, lambda t: 4 * t ** 3 - 2),
          (lambda t: (t - 0.3) ** 2 + 0.02 * np.sin(25 * t),
           lambda t: 2 * (t - 0.3) + 0.5 * np.cos(25 * t))]


def _on(phi: Any, dphi: Any, tried: list[float] | None = None) -> Any:
    def evaluate(t: float) -> Point:
        if tried is not None:
            tried.append(t)
        return Point(t, float(phi(t)), np.array([dphi(t)]), float(dphi(t)))

    return evaluate


def test_line_search_on_one_dimensional_functions() -> None:
    # (t − 3)², −t e^{−t} (minimiser 1), t⁴ − 2t, a wavy quadratic, first trials 1e-3 … 50
    for phi, dphi in _LINES:
        start = _on(phi, dphi)(0.0)
        for t0 in (1e-3, 1.0, 50.0):
            point, evals = strong_wolfe(_on(phi, dphi), start, t0)
            assert point.f < start.f and 1 <= evals <= 26
            if phi is _LINES[1][0] and t0 == 50.0:
                # as torch's: the zoom keeps the lower end, here t = 50 (φ ≈ −1e-20, failing
                # sufficient decrease) then t = 16.7, and closes in from there, never reaching
                # the minimiser at 1 in 26 evaluations: the best end is returned
                assert evals == 26 and point.t == pytest.approx(50.0 / 3.0)
                continue
            assert point.f <= start.f + 1e-4 * point.t * start.slope
            assert abs(point.slope) <= 0.9 * abs(start.slope)


def test_line_search_trials_equal_torch(torch: Any) -> None:
    # the same trial steps and result as torch's search, also with its budget max_ls cut short
    search = getattr(importlib.import_module("torch.optim.lbfgs"), "_strong_wolfe", None)
    if search is None:
        pytest.skip("torch.optim.lbfgs._strong_wolfe (private) is not there")
    rng = np.random.default_rng(0)
    for (phi, dphi), t0, max_ls in zip(_LINES * 40, 10 ** rng.uniform(-3, 3, 160),
                                       rng.choice([0, 1, 2, 3, 25], 160), strict=True):
        ours: list[float] = []
        point, evals = strong_wolfe(_on(phi, dphi, ours), _on(phi, dphi)(0.0), t0,
                                    max_evals=max_ls + 1)
        theirs: list[float] = []

        def obj(x: Any, t: Any, d: Any, phi: Any = phi, dphi: Any = dphi,
                theirs: list[float] = theirs) -> Any:
            theirs.append(float(t))
            return phi(float(t)), torch.tensor([dphi(float(t))])

        f, _, t, n = search(obj, None, t0, torch.tensor([1.0]), phi(0.0),
                            torch.tensor([dphi(0.0)]), torch.tensor(dphi(0.0)), max_ls=int(max_ls))
        assert ours == pytest.approx(theirs, rel=1e-12) and evals == n
        assert point.t == pytest.approx(float(t), rel=1e-12) and point.f == pytest.approx(f)


def test_cubic_minimiser() -> None:
    # the cubic c(t) = t³ − 3t has its local minimiser at t = 1: exact from two points
    def pt(t: float) -> Point:
        return Point(t, t ** 3 - 3 * t, np.zeros(1), 3 * t * t - 3)

    assert cubic_minimiser(pt(0.0), pt(2.0), 0.0, 2.0) == pytest.approx(1.0, abs=1e-14)
    assert cubic_minimiser(pt(2.0), pt(0.5), 0.5, 2.0) == pytest.approx(1.0, abs=1e-14)
    assert cubic_minimiser(pt(0.0), pt(2.0), 1.5, 2.0) == 1.5  # clamped
    flat = Point(1.0, 0.0, np.zeros(1), 0.0)
    assert cubic_minimiser(flat, flat, 0.0, 4.0) == 2.0  # no cubic: the midpoint
