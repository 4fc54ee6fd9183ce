"""Copying an optimiser (copy.deepcopy, pickle), alone or with its model, keeps its state on the
copied parameters, as PyTorch's does: the copy continues exactly as the original."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor

CONFIGS = [
    (optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    (optim.RMSProp, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (optim.Adam, {"lr": 0.01, "amsgrad": True}),
    (optim.AdamW, {"lr": 0.01}),
    (optim.Adagrad, {"lr": 0.1}),
    (optim.NAdam, {"lr": 0.01}),
    (optim.RAdam, {"lr": 0.01}),
    (optim.Adamax, {"lr": 0.01}),
    (optim.Adadelta, {"lr": 1.0}),
]


def _steps(opt: Any, params: list[Tensor], grads: list[list[np.ndarray]]) -> list[np.ndarray]:
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = g
        opt.step()
    return [p.data.copy() for p in params]


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
@pytest.mark.parametrize(("cls", "kw"), CONFIGS, ids=[c.__name__ for c, _ in CONFIGS])
def test_a_copy_continues_as_the_original(cls: Any, kw: dict[str, Any], how: str) -> None:
    rng = np.random.default_rng(0)
    params = [Tensor(rng.standard_normal(s), requires_grad=True) for s in ((3,), (2, 2))]
    opt = cls(params, **kw)
    grads = [[rng.standard_normal(p.shape) for p in params] for _ in range(12)]
    _steps(opt, params, grads[:6])
    dup = copy.deepcopy if how == "deepcopy" else (lambda o: pickle.loads(pickle.dumps(o)))
    opt2, params2 = dup((opt, params))
    assert opt2.state_dict()["state"].keys() == opt.state_dict()["state"].keys() != set()
    assert all(p in opt2.state and p not in opt.state for p in params2)
    want = _steps(opt, params, grads[6:])
    got = _steps(opt2, params2, grads[6:])
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_an_optimiser_copied_alone_keeps_its_state() -> None:
    p = Tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = np.ones(3)
    opt.step()
    alone = copy.deepcopy(opt)
    (q,) = alone.param_groups[0]["params"]
    assert q is not p and alone.state[q]["step"] == 1
    np.testing.assert_array_equal(alone.state[q]["exp_avg"], opt.state[p]["exp_avg"])
    assert alone.state[q]["exp_avg"] is not opt.state[p]["exp_avg"]


def test_state_the_user_keyed_by_ids_is_copied_too() -> None:
    p = Tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    for _ in range(3):
        p.grad = np.ones(3)
        opt.step()
    opt.state = {k: dict(v) for k, v in opt.state.items()}  # type: ignore[assignment]
    for dup in (copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))):
        twin = dup(opt)
        (q,) = twin.param_groups[0]["params"]
        assert q in twin.state and twin.state[q]["step"] == 3
