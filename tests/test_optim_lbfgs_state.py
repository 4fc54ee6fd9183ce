"""optim.LBFGS's state: state dicts (ours and torch.optim.LBFGS's) and optim.save/optim.load
checkpoints continue exactly, bad state dicts change nothing, float32 stays float32."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_optim_lbfgs import Loss, _close, _pair, _problem

import optim
from autograd_mini import Tensor


@pytest.fixture
def torch() -> Iterator[Any]:
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


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
