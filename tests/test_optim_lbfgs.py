"""optim.LBFGS against torch.optim.LBFGS: the parameter trajectory step by step (fixed step),
convergence and the strong Wolfe conditions (line search), and the error messages (state
dicts, checkpoints and float32: test_optim_lbfgs_state.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_api import JUNK, check_call

import autograd_mini as am
import optim
from autograd_mini import Tensor
from optim.line_search import Point, cubic_minimiser, strong_wolfe

Loss = Callable[[list[Any]], Any]


@pytest.fixture
def torch() -> Iterator[Any]:
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


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
@pytest.mark.parametrize("x0", [[-1.2, 1.0], [0.5, 1.5, 0.2, -0.3, 1.2, 0.8], [2.0] * 5])
def test_strong_wolfe_converges_like_torch(torch: Any, x0: list[float]) -> None:
    kw = {"line_search_fn": "strong_wolfe", "max_iter": 500, "max_eval": 1000,
          "tolerance_grad": 1e-10, "tolerance_change": 1e-14}
    ps, opt, closure, tps, topt, tclosure = _pair(torch, _rosenbrock, [np.array(x0)], **kw)
    opt.step(closure)
    topt.step(tclosure)
    np.testing.assert_allclose(ps[0].data, np.ones(len(x0)), atol=1e-7)  # (the minimum)
    _close(ps, tps, 1e-6)
    ours, theirs = opt.state[ps[0]]["func_evals"], topt.state[tps[0]]["func_evals"]
    assert ours <= theirs * 1.1 + 3, (ours, theirs)


def test_accepted_steps_satisfy_the_strong_wolfe_conditions() -> None:
    p = Tensor(np.array([-1.2, 1.0, 0.3]), requires_grad=True)
    opt = optim.LBFGS([p], line_search_fn="strong_wolfe", max_iter=1, tolerance_grad=1e-10,
                      tolerance_change=1e-14)

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


def test_line_search_on_one_dimensional_functions() -> None:
    # φ(t) = (t − 3)² from t = 0 along d = 1: a first trial t = 1 is extrapolated, t = 10 then
    # brackets; φ(t) = −t e^{−t} with the minimiser at t = 1
    for phi, dphi in [(lambda t: (t - 3.0) ** 2, lambda t: 2.0 * (t - 3.0)),
                      (lambda t: -t * np.exp(-t), lambda t: (t - 1.0) * np.exp(-t)),
                      (lambda t: t ** 4 - 2 * t, lambda t: 4 * t ** 3 - 2)]:
        def evaluate(t: float, phi: Any = phi, dphi: Any = dphi) -> Point:
            return Point(t, float(phi(t)), np.array([dphi(t)]), float(dphi(t)))

        start = evaluate(0.0)
        for t0 in (1e-3, 1.0, 50.0):
            point, evals = strong_wolfe(evaluate, start, t0)
            assert 1 <= evals <= 25
            assert point.f <= start.f + 1e-4 * point.t * start.slope
            assert abs(point.slope) <= 0.9 * abs(start.slope)


def test_cubic_minimiser() -> None:
    # the cubic c(t) = t³ − 3t has its local minimiser at t = 1: exact from two points
    def pt(t: float) -> Point:
        return Point(t, t ** 3 - 3 * t, np.zeros(1), 3 * t * t - 3)

    assert cubic_minimiser(pt(0.0), pt(2.0), 0.0, 2.0) == pytest.approx(1.0, abs=1e-14)
    assert cubic_minimiser(pt(2.0), pt(0.5), 0.5, 2.0) == pytest.approx(1.0, abs=1e-14)
    assert cubic_minimiser(pt(0.0), pt(2.0), 1.5, 2.0) == 1.5  # clamped
    flat = Point(1.0, 0.0, np.zeros(1), 0.0)
    assert cubic_minimiser(flat, flat, 0.0, 4.0) == 2.0  # no cubic: the midpoint


# ----------------------------------------------------------------------------- errors
def _leaf() -> Tensor:
    p = Tensor(np.ones(3), requires_grad=True)
    p.grad = Tensor(np.full(3, 0.5))
    return p


@pytest.mark.parametrize(("kw", "exc", "match"), [
    ({"lr": 0.0}, ValueError, r"invalid lr: 0\.0 \(must be > 0\)"),
    ({"lr": -1}, ValueError, r"LBFGS: invalid lr: -1 \(must be > 0\)"),
    ({"lr": float("nan")}, ValueError, r"invalid lr: nan \(must be finite\)"),
    ({"max_iter": 0}, ValueError, r"invalid max_iter: 0 \(must be >= 1\)"),
    ({"max_iter": 2.5}, TypeError, r"LBFGS: max_iter must be an int, got 2\.5"),
    ({"max_iter": True}, TypeError, r"max_iter must be an int"),
    ({"max_eval": 0}, ValueError, r"invalid max_eval: 0"),
    ({"history_size": 0}, ValueError, r"invalid history_size: 0 \(must be >= 1\)"),
    ({"tolerance_grad": -1e-7}, ValueError, r"invalid tolerance_grad"),
    ({"tolerance_change": "0"}, TypeError, r"tolerance_change must be a real number"),
    ({"line_search_fn": "backtracking"}, ValueError,
     r"line_search_fn must be None or 'strong_wolfe', got 'backtracking'"),
    ({"line_search_fn": 1}, ValueError, r"line_search_fn must be None or 'strong_wolfe'"),
])
def test_constructor_errors(kw: dict[str, Any], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        optim.LBFGS([_leaf()], **kw)


def test_defaults_and_refused_parameters() -> None:
    opt = optim.LBFGS([_leaf()], max_iter=8)
    assert opt.param_groups[0]["max_eval"] == 10
    with pytest.raises(ValueError, match=r"LBFGS doesn't support per-parameter options"):
        groups: list[dict[str, Any]] = [{"params": [_leaf()]}, {"params": [_leaf()], "lr": 0.1}]
        optim.LBFGS(groups)
    with pytest.raises(ValueError, match=r"LBFGS doesn't support per-parameter options"):
        opt.add_param_group({"params": [_leaf()]})
    with pytest.raises(TypeError, match="can only optimize floating tensors"):
        optim.LBFGS([Tensor(np.arange(3))])
    with pytest.raises(ValueError, match="can't optimize a non-leaf"):
        optim.LBFGS([_leaf() * 2.0])
    with pytest.raises(TypeError, match="unexpected keyword argument 'maximize'"):
        optim.LBFGS([_leaf()], maximize=True)  # type: ignore[call-arg]


def test_step_errors() -> None:
    p = _leaf()
    opt = optim.LBFGS([p])
    with pytest.raises(TypeError, match=r"LBFGS\.step needs a closure"):
        opt.step()
    with pytest.raises(TypeError, match=r"LBFGS\.step needs a closure .*got 3"):
        opt.step(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"closure must return the loss .*got NoneType: does "
                                        r"it end with `return loss`\?"):
        opt.step(lambda: None)
    with pytest.raises(TypeError, match=r"closure must return the loss .*got str"):
        opt.step(lambda: "1.0")
    with pytest.raises(ValueError, match=r"closure must return the loss as a scalar, got a "
                                         r"Tensor of shape \(3,\)"):
        opt.step(lambda: p * 1.0)
    np.testing.assert_array_equal(p.data, np.ones(3))
    assert opt.step(lambda: 2.0) == 2.0  # a number will do (grad 0.5 > tolerance: it moves)
    assert not np.array_equal(p.data, np.ones(3))


@given(data=st.data())
def test_refuses_junk(data: st.DataObject) -> None:
    names = ["lr", "max_iter", "max_eval", "tolerance_grad", "tolerance_change",
             "history_size", "line_search_fn"]
    params = data.draw(st.one_of(st.just([_leaf()]), JUNK, st.lists(JUNK, max_size=2)))
    key = data.draw(st.sampled_from(names))
    opt = check_call(optim.LBFGS, (params,), {key: data.draw(JUNK)},
                     ("LBFGS", "optimizer", "param_groups"))
    if opt is not None:
        check_call(opt.step, (data.draw(JUNK),), {}, ("closure", "LBFGS"))
        sd = data.draw(st.one_of(JUNK, st.fixed_dictionaries({"state": JUNK,
                                                              "param_groups": JUNK})))
        check_call(opt.load_state_dict, (sd,), {}, ("state_dict", "state", "param_groups"))
