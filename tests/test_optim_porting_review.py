"""PyTorch habits the optimisers and schedules meet when code moves across: Adam and AdamW as
one class with a ``decoupled_weight_decay`` key, Adam's float32 moments under a huge gradient,
a warm restart after a cut of the lr, torch's MultiStepLR state, and PyTorch's defaults and
``foreach`` keyword."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor
from optim.lr_scheduler import CosineAnnealingWarmRestarts, MultiStepLR

A, G = np.array([1.0, -2.0, 3.0]), np.array([0.1, 0.2, -0.3])


def _step_both(torch: Any, q: Any, t: Any, p: Tensor, o: optim.Optimizer) -> None:
    """Five steps of torch's optimiser ``t`` on ``q`` and of ours ``o`` on ``p``, with the
    same gradient G; then the parameters must agree."""
    for _ in range(5):
        q.grad = torch.tensor(G)
        t.step()
        p.grad = G.copy()
        o.step()
    np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(("torch_name", "ours"), [("AdamW", optim.Adam), ("Adam", optim.AdamW),
                                                   ("AdamW", optim.AdamW)])
def test_adam_and_adamw_state_dicts_continue_with_the_decay_they_were_saved_with(
        torch: Any, torch_name: str, ours: type[optim.Adam]) -> None:
    """Our Adam loaded torch AdamW's state, showed ``decoupled_weight_decay=True`` and then
    decayed as L2 (and AdamW the other way round)."""
    q = torch.tensor(A.copy(), requires_grad=True)
    t = getattr(torch.optim, torch_name)([q], lr=0.1, weight_decay=0.5)
    for _ in range(3):
        q.grad = torch.tensor(G)
        t.step()
    p = Tensor(q.detach().numpy().copy(), requires_grad=True)
    o = ours([p])
    o.load_state_dict(t.state_dict())
    _step_both(torch, q, t, p, o)


def test_a_groups_decoupled_weight_decay_is_honoured_as_torchs(torch: Any) -> None:
    p, q = Tensor(A.copy(), requires_grad=True), torch.tensor(A.copy(), requires_grad=True)
    o = optim.Adam([{"params": [p], "decoupled_weight_decay": True}], lr=0.1, weight_decay=0.5)
    t = torch.optim.Adam([{"params": [q], "decoupled_weight_decay": True}], lr=0.1,
                           weight_decay=0.5)
    _step_both(torch, q, t, p, o)
    assert o.state_dict()["param_groups"][0]["decoupled_weight_decay"] is True
    with pytest.raises(TypeError, match="decoupled_weight_decay must be a bool"):
        optim.Adam([p], decoupled_weight_decay=1)  # type: ignore[arg-type]


def test_an_older_state_dict_without_the_key_keeps_its_class_decay() -> None:
    for cls, decoupled in ((optim.Adam, False), (optim.AdamW, True)):
        state = cls([Tensor(A.copy(), requires_grad=True)], lr=0.1).state_dict()
        del state["param_groups"][0]["decoupled_weight_decay"]  # (as saved before the key)
        fresh = cls([Tensor(A.copy(), requires_grad=True)])
        fresh.param_groups[0]["decoupled_weight_decay"] = not decoupled
        fresh.load_state_dict(state)
        assert fresh.param_groups[0]["decoupled_weight_decay"] is decoupled


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_float32_moments_survive_a_huge_gradient_as_torchs(amsgrad: bool) -> None:
    """(1 − β₂) g² overflowed float32 for |g| > 1.8e19, and so did ŵ = v / (1 − β₂ᵗ): the
    entry then never moved again, where torch's step stays about lr."""
    torch = pytest.importorskip("torch")
    for ours, theirs in ((optim.Adam, torch.optim.Adam), (optim.AdamW, torch.optim.AdamW)):
        p = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
        q = torch.tensor([1.0, 2.0], requires_grad=True)
        o, t = ours([p], lr=0.1, amsgrad=amsgrad), theirs([q], lr=0.1, amsgrad=amsgrad)
        for g in (1e20, 1.0, 1.0, 1.0, 1.0):
            p.grad = np.array([g, 1.0], np.float32)
            q.grad = torch.tensor([g, 1.0])
            o.step()
            t.step()
        assert np.isfinite(o.state[p]["exp_avg_sq"]).all()
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-6)
        assert p.data.dtype == np.float32


def test_a_warm_restart_after_a_cut_keeps_it_and_never_turns_the_lr_negative() -> None:
    """About η_min the restart's factor is 40–400: halving the lr at the cycle's last step
    gave −0.149 after the restart, and SGD then climbed the loss."""
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    sched = CosineAnnealingWarmRestarts(opt, T_0=10, eta_min=0.01)
    for _ in range(9):
        opt.step()
        sched.step()
    opt.param_groups[0]["lr"] /= 2
    lrs = []
    for _ in range(25):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs[0] == pytest.approx(0.05)  # the restart right after the cut keeps it
    assert 0.05 < lrs[10] < 0.1 and min(lrs) > 0  # (within a cycle it fades towards η_min)
    alone = optim.SGD([Tensor(np.array([1.0]), requires_grad=True)], lr=0.1)
    plain = CosineAnnealingWarmRestarts(alone, T_0=10, eta_min=0.01)
    for _ in range(10):
        alone.step()
        plain.step()
    assert alone.param_groups[0]["lr"] == 0.1  # (alone: exactly η₀ at the restart)


def test_torchs_multistep_state_with_its_milestone_counter_loads() -> None:
    torch = pytest.importorskip("torch")
    q = torch.ones(1, requires_grad=True)
    t = torch.optim.SGD([q], lr=0.1)
    ts = torch.optim.lr_scheduler.MultiStepLR(t, [10, 20, 20])
    o = optim.SGD([Tensor(np.ones(1), requires_grad=True)], lr=0.1)
    s = MultiStepLR(o, [3])
    for _ in range(12):
        t.step()
        ts.step()
    o.load_state_dict(t.state_dict())
    s.load_state_dict(ts.state_dict())
    assert s.milestones == [10, 20, 20]
    for _ in range(15):
        t.step()
        ts.step()
        o.step()
        s.step()
        assert s.get_last_lr()[0] == pytest.approx(ts.get_last_lr()[0], rel=1e-12)


def test_pytorchs_default_learning_rates_and_foreach_keyword() -> None:
    p = Tensor(np.ones(2), requires_grad=True)
    assert optim.SGD([p]).param_groups[0]["lr"] == 1e-3
    assert optim.RMSProp([p]).param_groups[0]["lr"] == 1e-2
    assert optim.SGD([{"params": [p], "lr": 0.1}]).param_groups[0]["lr"] == 0.1
    p.grad = np.full(2, 3.0)
    assert optim.clip_grad_norm_([p], 1.0, foreach=False) == pytest.approx(np.sqrt(18.0))
    optim.clip_grad_value_([p], 0.1, foreach=True)
    np.testing.assert_allclose(p.grad.data, [0.1, 0.1])  # type: ignore[union-attr]
    with pytest.raises(TypeError, match="clip_grad_value_: foreach must be None or a bool"):
        optim.clip_grad_value_([p], 0.1, foreach="yes")  # type: ignore[arg-type]


def test_a_warm_restart_never_turns_a_group_below_eta_min_negative() -> None:
    """A group whose lr is below η_min falls at a restart: scaled about η_min, a cut made
    before it became −8.5e-4 (and −0.34 later)."""
    p, q = Tensor(np.ones(1), requires_grad=True), Tensor(np.ones(1), requires_grad=True)
    opt = optim.SGD([{"params": [p], "lr": 1e-5}, {"params": [q], "lr": 1e-3}], lr=0.1)
    sched = CosineAnnealingWarmRestarts(opt, T_0=10, eta_min=1e-4)
    lrs = []
    for i in range(40):
        if i == 8:
            for g in opt.param_groups:
                g["lr"] /= 2
        opt.step()
        sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    assert np.min(lrs) > 0
