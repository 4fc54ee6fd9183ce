"""optim.LBFGS's state: state dicts (ours and torch.optim.LBFGS's) and optim.save/optim.load
checkpoints continue exactly, bad state dicts change nothing, float32 stays float32; argument
errors and refusals (changing nothing); losses that turn NaN or inf along the search."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_api import JUNK, check_call
from test_optim_lbfgs import Loss, _close, _on, _pair, _problem

import autograd_mini as am
import optim
from autograd_mini import Tensor
from optim.line_search import Point, strong_wolfe


def _continue(opt: optim.LBFGS, ps: list[Tensor], f: Loss, steps: int) -> list[np.ndarray]:
    def closure() -> Any:
        opt.zero_grad()
        loss = f(ps)
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    return [p.data.copy() for p in ps]


@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
def test_state_dict_and_checkpoints_continue_identically(torch: Any, tmp_path: Path,
                                                         ls: str | None) -> None:
    f, x0 = _problem("logistic")
    kw: dict[str, Any] = {"lr": 0.5 if ls is None else 1.0, "max_iter": 4, "history_size": 3,
                          "line_search_fn": ls}
    ps, opt, closure, tps, topt, tclosure = _pair(torch, f, x0, **kw)
    for _ in range(2):
        opt.step(closure)
        topt.step(tclosure)
    sd = opt.state_dict()
    assert set(sd["state"][0]) >= {"func_evals", "n_iter", "d", "t", "H_diag", "ro.0",
                                   "old_dirs.0", "old_stps.0", "prev_flat_grad", "prev_loss"}
    assert sd["state"][1]["d"].shape == ps[1].shape  # (one piece shaped like each parameter)
    copies = []
    for how in ("state_dict", "file", "bytes", "torch"):
        qs = [Tensor(p.data.copy(), requires_grad=True) for p in ps]
        other = optim.LBFGS(qs, **kw)
        if how == "state_dict":
            other.load_state_dict(sd)
        elif how == "torch":
            other.load_state_dict(topt.state_dict())
        else:
            target: Any = tmp_path / "lbfgs.safetensors" if how == "file" else io.BytesIO()
            optim.save(opt, target)
            if how == "bytes":
                target.seek(0)
            optim.load(other, target)
        copies.append((other, qs))
    expected = _continue(opt, ps, f, 3)
    for _ in range(3):
        topt.step(tclosure)
    _close(ps, tps)
    for other, qs in copies:
        for mine, ref in zip(_continue(other, qs, f, 3), expected, strict=True):
            np.testing.assert_allclose(mine, ref, rtol=1e-13, atol=1e-15)


def test_state_dict_is_a_snapshot_and_bad_ones_change_nothing() -> None:
    f, x0 = _problem("logistic")
    ps = [Tensor(x.copy(), requires_grad=True) for x in x0]
    opt = optim.LBFGS(ps, lr=0.5, max_iter=3)
    _continue(opt, ps, f, 2)
    sd = opt.state_dict()
    saved = sd["state"][0]["d"].copy()
    _continue(opt, ps, f, 1)
    np.testing.assert_array_equal(sd["state"][0]["d"], saved)
    before = opt.state_dict()
    bad = {"state": {0: {**sd["state"][0], "d": np.zeros(7), "n_iter": -1, "junk": 1},
                     1: sd["state"][1]}, "param_groups": sd["param_groups"]}
    with pytest.raises(ValueError, match=r"(?s)'n_iter' of parameter 0 must be a count.*"
                                         r"'d' must hold the 8 parameter values.*"
                                         r"unknown state \['junk'\]"):
        opt.load_state_dict(bad)
    short = {"state": sd["state"], "param_groups": [{**sd["param_groups"][0],
                                                     "history_size": 1}]}
    with pytest.raises(ValueError, match=r"more than history_size=1"):
        opt.load_state_dict(short)
    with pytest.raises(ValueError, match="group 0: LBFGS: invalid lr"):
        opt.load_state_dict({"state": {}, "param_groups": [{**sd["param_groups"][0],
                                                           "lr": -1.0}]})
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for k, v in before["state"][0].items():
        np.testing.assert_array_equal(after["state"][0][k], v)


def test_float32_stays_float32() -> None:
    for ls in (None, "strong_wolfe"):
        p = Tensor(np.array([1000.0, -1000.0, 3.0], np.float32), requires_grad=True)
        opt = optim.LBFGS([p], lr=0.5, line_search_fn=ls)

        def closure(opt: optim.LBFGS = opt, p: Tensor = p) -> Tensor:
            opt.zero_grad()
            loss = ((p - 2.0) ** 2 * np.array([1.0, 3.0, 10.0], np.float32)).sum()
            loss.backward()
            return loss

        for _ in range(4):
            loss = opt.step(closure)
        st = opt.state[p]
        assert p.grad is not None and p.grad.dtype == np.float32
        assert p.data.dtype == loss.dtype == np.float32
        assert st["d"].dtype == st["prev_flat_grad"].dtype == np.float32
        assert all(v.dtype == np.float32 for v in st["old_dirs"] + st["old_stps"])
        np.testing.assert_allclose(p.data, [2.0, 2.0, 2.0], atol=1e-3)


# ----------------------------------------------------------------------------- refusals, NaN
@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
def test_grad_less_parameters_are_not_written_and_refusals_change_nothing(
        torch: Any, ls: str | None) -> None:
    # w and v: v is used by the first step only, then an outside graph holds it (read-only)
    x0 = [np.array([1.0, 2.0]), np.array([0.5, -0.5]), np.array([4.0])]
    ps, opt, _, tps, topt, _ = _pair(torch, lambda q: q[0].sum(), x0, max_iter=3,
                                     line_search_fn=ls)

    def loss(q: list[Any], both: bool) -> Any:
        return ((q[0] - 3.0) ** 2).sum() + (((q[0] * q[1]) ** 2).sum() if both else 0.0)

    for both in (True, False):
        held = ps[2] * (1.0 if both else ps[1])  # (as an output kept for logging)
        closure = _closure(opt, ps, loss, both)
        if not both:  # d still moves v (its history): refused before anything changes
            before = (opt.state_dict(), [p.data.copy() for p in ps])
            with pytest.raises(RuntimeError, match=r"LBFGS\.step: parameter 1 of group 0 \(shape "
                               r"\(2,\)\), which the direction moves, is read-only: a live graph"):
                opt.step(closure)
            for mine, ref in zip([p.data for p in ps], before[1], strict=True):
                np.testing.assert_array_equal(mine, ref)
            after = opt.state_dict()
            assert after["state"].keys() == before[0]["state"].keys()
            for k, v in before[0]["state"][0].items():
                np.testing.assert_array_equal(after["state"][0][k], v)
            del held
            held = ps[2] * 1.0
        opt.step(closure)  # (p[2], never with a gradient, held read-only: skipped, as by SGD)
        topt.step(_closure(topt, tps, loss, both))
        _close(ps, tps, 1e-12)
        assert ps[2].data[0] == 4.0 and held is not None


def _closure(opt: Any, ps: list[Any], loss: Any, *args: Any) -> Any:
    def closure() -> Any:
        opt.zero_grad()
        out = loss(ps, *args)
        out.backward()
        return out

    return closure


def test_a_loss_outside_its_domain_never_becomes_the_parameters() -> None:
    # (x − 1)² − 1e-3 log(0.5 − x), NaN for x > 0.5: the first trial, x = 1, is NaN; the
    # search shrinks to the finite side, to the minimiser x* = (3 − √1.008) / 4
    x = Tensor(np.array([0.0]), requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe")
    barrier = _closure(opt, [x], lambda q: ((q[0] - 1.0) ** 2).sum()
                       - 1e-3 * am.log(0.5 - q[0]).sum())
    for _ in range(3):
        assert np.isfinite(opt.step(barrier).item())
        assert x.data[0] < 0.5 and np.isfinite(barrier().item())
    np.testing.assert_allclose(x.data, [(3.0 - np.sqrt(1.008)) / 4.0], atol=1e-5)
    # NaN wherever the step goes (x > 0): it ends where it was, within max_eval + 1 calls
    for ls, evals in [("strong_wolfe", 26), (None, 20)]:
        p = Tensor(np.array([0.0, 0.0]), requires_grad=True)
        edge = optim.LBFGS([p], line_search_fn=ls, max_eval=25)
        calls: list[int] = []

        def outside(q: list[Tensor], calls: list[int] = calls) -> Tensor:
            calls.append(1)
            return ((q[0] - 2.0) ** 2).sum() * (np.nan if (q[0].data > 0).any() else 1.0)

        nowhere = _closure(edge, [p], outside)
        assert edge.step(nowhere).item() == 8.0
        if ls:
            np.testing.assert_array_equal(p.data, [0.0, 0.0])
            assert edge.state[p]["t"] == 0.0
        else:  # (the fixed step takes the move, as torch's: NaN propagates)
            assert np.isnan(nowhere().item()) and calls.pop()
        assert len(calls) == edge.state[p]["func_evals"] == evals


@pytest.mark.parametrize("bad", ["nan", "inf", "nan slope"])
@pytest.mark.parametrize(("t0", "max_evals", "expected"), [
    (1.0, 26, 0.25), (3.0, 26, 0.375), (0.05, 26, 0.275), (1e6, 26, 0.5 ** 21 * 1e6),
    (1.0, 2, 0.0), (0.01, 2, 0.1)])
def test_line_search_never_returns_a_non_finite_point(bad: str, t0: float, max_evals: int,
                                                      expected: float) -> None:
    # φ(t) = (t − 1)² for t < 0.5, beyond a domain's edge NaN or inf (or φ' NaN): such a trial
    # fails sufficient decrease, the bracket shrinks to the finite side (bisection: the cubic
    # through a non-finite point is not defined), else the last finite point stays
    def evaluate(t: float) -> Point:
        if t < 0.5:
            return Point(t, (t - 1.0) ** 2, np.array([2 * (t - 1.0)]), 2 * (t - 1.0))
        v = float(bad.split()[0])
        return Point(t, 0.0 if "slope" in bad else v, np.array([v]), v)

    start = evaluate(0.0)
    point, evals = strong_wolfe(evaluate, start, t0, max_evals=max_evals)
    assert point.t == pytest.approx(expected, rel=1e-12) and evals <= max_evals
    assert np.isfinite(point.f) and np.isfinite(point.slope)
    if max_evals == 26:  # (time to find it: both strong Wolfe conditions hold)
        assert point.f <= start.f + 1e-4 * point.t * start.slope
        assert abs(point.slope) <= 0.9 * abs(start.slope)
    # extrapolating along a line (φ' = −1 throughout) into the NaN: the last finite trial
    linear = _on(lambda t: -t if t < 5 else np.nan, lambda t: -1.0 if t < 5 else np.nan)
    assert strong_wolfe(linear, linear(0.0), 1.0, max_evals=2)[0].t == 1.0  # (then t = 10)
    with pytest.raises(ValueError, match=r"strong_wolfe: max_evals must be >= 1, got 0"):
        strong_wolfe(linear, linear(0.0), 1.0, max_evals=0)


# ----------------------------------------------------------------------------- errors
def _leaf() -> Tensor:
    p = Tensor(np.ones(3), requires_grad=True)
    p.grad = Tensor(np.full(3, 0.5))
    return p


@pytest.mark.parametrize(("kw", "exc", "match"), [
    ({"lr": 0.0}, ValueError, r"invalid lr: 0\.0 \(must be > 0\)"),
    ({"lr": -1}, ValueError, r"LBFGS: invalid lr: -1 \(must be > 0\)"),
    ({"lr": float("nan")}, ValueError, r"^LBFGS: invalid lr: nan \(must be finite\)"),
    ({"lr": "0.1"}, TypeError, r"^LBFGS: lr must be a real number, got '0\.1'"),
    ({"max_iter": 0}, ValueError, r"invalid max_iter: 0 \(must be >= 1\)"),
    ({"max_iter": 2.5}, TypeError, r"LBFGS: max_iter must be an int, got 2\.5"),
    ({"max_iter": True}, TypeError, r"max_iter must be an int"),
    ({"max_eval": 0}, ValueError, r"invalid max_eval: 0"),
    ({"history_size": 0}, ValueError, r"invalid history_size: 0 \(must be >= 1\)"),
    ({"tolerance_grad": -1e-7}, ValueError, r"^LBFGS: invalid tolerance_grad: -1e-07 \(must "),
    ({"tolerance_change": "0"}, TypeError, r"^LBFGS: tolerance_change must be a real number"),
    ({"tolerance_change": float("inf")}, ValueError,
     r"^LBFGS: invalid tolerance_change: inf \(must be finite\)"),
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
    with pytest.raises(ValueError, match=r"closure must return the loss as a scalar, got a "
                                         r"ndarray of shape \(3,\) and dtype float64"):
        opt.step(lambda: np.ones(3))
    np.testing.assert_array_equal(p.data, np.ones(3))
    assert opt.step(lambda: 2.0) == 2.0  # a number will do (grad 0.5 > tolerance: it moves)
    assert not np.array_equal(p.data, np.ones(3))
    # what torch's float(closure()) takes: a 0-d ndarray (loss.data) or a NumPy scalar
    losses: list[Any] = [np.array(2.0), np.float32(2.0), np.array([2.0])]
    for loss in losses:
        x = p.data.copy()

        def give(out: Any = loss) -> Any:
            return out

        assert opt.step(give) is loss and not np.array_equal(p.data, x)


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
