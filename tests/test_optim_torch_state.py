"""A torch.optim optimiser's state_dict (step counts as float tensors, moments as tensors) loads
into ours, which then continues exactly as torch's does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor

CASES = [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"amsgrad": True}),
         ("AdamW", {}), ("Adagrad", {}), ("NAdam", {"weight_decay": 0.1}),
         ("RAdam", {"decoupled_weight_decay": True, "weight_decay": 0.1}), ("Adamax", {}),
         ("Adadelta", {})]


@pytest.fixture
def torch64() -> Iterator[Any]:
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # (torch keeps NAdam's mu_product in it)
    yield torch
    torch.set_default_dtype(old)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=[n for n, _ in CASES])
def test_torch_state_dict_loads_and_continues(torch64: Any, name: str, kw: dict[str, Any]
                                             ) -> None:
    torch, rng = torch64, np.random.default_rng(0)
    tp = torch.tensor(rng.standard_normal(4), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], **kw)
    for _ in range(7):
        tp.grad = torch.tensor(rng.standard_normal(4))
        topt.step()
    p = Tensor(tp.detach().numpy().copy(), requires_grad=True)
    opt = getattr(optim, name)([p], **kw)
    opt.load_state_dict(topt.state_dict())
    assert type(opt.state[p].get("step", 0)) is int  # (torch saves it as a float tensor)
    for _ in range(10):
        g = rng.standard_normal(4)
        tp.grad, p.grad = torch.tensor(g), g
        topt.step()
        opt.step()
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_a_fractional_step_is_still_refused() -> None:
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.Adam([p])
    sd = {"state": {0: {"step": 1.5, "exp_avg": np.zeros(2), "exp_avg_sq": np.zeros(2)}},
          "param_groups": opt.state_dict()["param_groups"]}
    with pytest.raises(ValueError, match="must be a count"):
        opt.load_state_dict(sd)
