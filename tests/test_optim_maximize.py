"""``maximize=True``: every optimiser ascends, g ← −g before anything else in its step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor

MAKERS: dict[str, Callable[..., optim.Optimizer]] = {
    "SGD": lambda ps, **kw: optim.SGD(ps, 0.1, momentum=0.9, nesterov=True, weight_decay=0.01,
                                      **kw),
    "Adam": lambda ps, **kw: optim.Adam(ps, 0.01, weight_decay=0.1, amsgrad=True, **kw),
    "AdamW": lambda ps, **kw: optim.AdamW(ps, 0.01, weight_decay=0.1, **kw),
    "Adagrad": lambda ps, **kw: optim.Adagrad(ps, 0.1, lr_decay=0.01, weight_decay=0.1, **kw),
    "RMSProp": lambda ps, **kw: optim.RMSProp(ps, 0.01, momentum=0.5, centered=True,
                                              weight_decay=0.1, **kw),
    "NAdam": lambda ps, **kw: optim.NAdam(ps, 0.01, weight_decay=0.1, momentum_decay=0.01,
                                          **kw),
    "RAdam": lambda ps, **kw: optim.RAdam(ps, 0.01, weight_decay=0.1,
                                          decoupled_weight_decay=True, **kw),
    "Adamax": lambda ps, **kw: optim.Adamax(ps, 0.01, weight_decay=0.1, **kw),
    "Adadelta": lambda ps, **kw: optim.Adadelta(ps, 0.5, rho=0.8, weight_decay=0.1, **kw),
}
#: the same optimisers in PyTorch (RMSProp's eps sits inside the root here: 0 in both)
TORCH: dict[str, tuple[str, dict[str, Any]]] = {
    "SGD": ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "Adam": ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    "AdamW": ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    "Adagrad": ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    "RMSProp": ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1,
                                alpha=0.9, eps=0.0)),
    "NAdam": ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    "RAdam": ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    "Adamax": ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    "Adadelta": ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
}


def _run(name: str, grads: list[np.ndarray], sign: float, **kw: Any) -> np.ndarray:
    p = Tensor(np.linspace(-1.0, 1.0, 5), requires_grad=True)
    extra = {"eps": 0.0} if name == "RMSProp" else {}
    opt = MAKERS[name]([p], **extra, **kw)
    for g in grads:
        p.grad = sign * g
        opt.step()
    return p.data


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_maximize_is_minimising_the_negated_gradient(name: str) -> None:
    grads = list(np.random.default_rng(0).standard_normal((20, 5)))
    up = _run(name, grads, 1.0, maximize=True)
    np.testing.assert_array_equal(up, _run(name, grads, -1.0))
    assert not np.allclose(up, _run(name, grads, 1.0))


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_maximize_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    grads = list(np.random.default_rng(1).standard_normal((20, 5)))
    cls, kw = TORCH[name]
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch keeps scalar state (NAdam's mu_product) in it
    try:
        tp = torch.tensor(np.linspace(-1.0, 1.0, 5), requires_grad=True)
        topt = getattr(torch.optim, cls)([tp], maximize=True, **kw)
        for g in grads:
            tp.grad = torch.tensor(g)
            topt.step()
    finally:
        torch.set_default_dtype(old)
    np.testing.assert_allclose(_run(name, grads, 1.0, maximize=True), tp.detach().numpy(),
                               rtol=1e-12, atol=1e-14)


def test_maximize_is_a_group_option_and_checked() -> None:
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    groups: list[dict[str, Any]] = [{"params": [a]}, {"params": [b], "maximize": True}]
    opt = optim.SGD(groups, lr=1.0)
    a.grad = b.grad = np.ones(2)
    opt.step()
    np.testing.assert_array_equal(a.data, [-1.0, -1.0])
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    with pytest.raises(TypeError, match="maximize must be a bool"):
        optim.Adam([a], maximize=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="maximize must be a bool"):
        opt.add_param_group({"params": [Tensor(np.zeros(1), requires_grad=True)],
                             "maximize": "yes"})


def test_checkpoints_without_maximize_still_load() -> None:
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.Adam([p], maximize=True)
    sd = opt.state_dict()
    for g in sd["param_groups"]:
        del g["maximize"]  # as saved before optimisers took maximize=
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["maximize"] is False
