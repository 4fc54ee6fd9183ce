"""nn.GradientMonitor: gradient norms, update ratios, dead ReLUs, the first NaN/inf, table, plot."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini import Tensor

RNG = np.random.default_rng
ROOT = Path(__file__).resolve().parents[1]


def batch(seed: int = 0, n: int = 32) -> tuple[Tensor, Tensor]:
    rng = RNG(seed)
    return Tensor(rng.standard_normal((n, 2))), Tensor(rng.standard_normal((n, 1)))


def one_step(model: nn.Module, opt: Any, monitor: nn.GradientMonitor,
             seed: int = 0) -> nn.GradientReport:
    x, y = batch(seed)
    opt.zero_grad()
    with monitor.watch():
        loss = nn.MSELoss()(model(x), y)
    loss.backward()
    monitor.step(opt)
    return monitor.report()


def test_gradient_norms_and_update_ratios_match_a_direct_computation() -> None:
    model = nn.MLP([2, 8, 8, 1], rng=RNG(0))
    opt = optim.SGD(model.parameters(), lr=0.05)
    monitor = nn.GradientMonitor(model)
    before = {n: p.data.copy() for n, p in model.named_parameters()}
    report = one_step(model, opt, monitor)
    assert [r.name for r in report.params] == [n for n, _ in model.named_parameters()]
    for name, p in model.named_parameters():
        row = report.param(name)
        grad = p.grad.data  # type: ignore[union-attr]
        assert row.shape == p.shape and row.finite
        assert row.grad_norm == pytest.approx(np.linalg.norm(grad), rel=1e-12)
        moved = np.linalg.norm(p.data - before[name]) / np.linalg.norm(before[name])
        assert row.update_ratio == pytest.approx(moved, rel=1e-9)
        assert row.update_ratio == pytest.approx(  # plain SGD: lr·‖g‖ / ‖θ‖
            0.05 * np.linalg.norm(grad) / np.linalg.norm(before[name]), rel=1e-9)
    assert report.first_nonfinite is None
    opt.zero_grad()  # the norms seen at the step stay in the report
    assert monitor.report().param("layers.0.weight").grad_norm == report.param(
        "layers.0.weight").grad_norm


def test_a_deliberately_dead_layer_is_reported() -> None:
    model = nn.MLP([2, 8, 8, 1], rng=RNG(1))
    model.layers[0].bias.data[...] = -100.0  # every pre-activation of the first ReLU < 0
    report = one_step(model, optim.SGD(model.parameters(), lr=0.1), nn.GradientMonitor(model))
    dead = report.dead_fractions
    assert list(dead) == ["layers.1", "layers.3"]
    assert dead["layers.1"] == 1.0
    assert dead["layers.3"] < 1.0  # the bias of layer 2 still reaches its ReLU
    for name in ("layers.0.weight", "layers.0.bias", "layers.2.weight"):
        assert report.param(name).grad_norm == 0.0 and report.param(name).update_ratio == 0.0
    grad_norm = report.param("layers.4.weight").grad_norm
    assert grad_norm is not None
    assert grad_norm > 0
    table = report.format_table()
    assert "layers.1    8/8 (100.0%)" in table and "first non-finite: none" in table


def test_dead_units_need_zero_output_for_every_example() -> None:
    relu = nn.ReLU()
    monitor = nn.GradientMonitor(relu)
    with monitor.watch():
        relu(Tensor([[1.0, -1.0, 0.0, -2.0], [-1.0, -1.0, 0.0, 3.0]]))
    assert monitor.report().relus == [nn.diagnostics.ReluStats("ReLU", 4, 2)]
    with monitor.watch():  # micro-batches inside one watch count as one batch
        relu(Tensor([[-1.0, -1.0, 0.0, 0.0]]))
        relu(Tensor([[-1.0, 2.0, 0.0, 0.0]]))
        relu(Tensor([-1.0, 1.0, 1.0]))  # another width: its own entry
    relus = monitor.report().relus
    assert [(r.name, r.units, r.dead) for r in relus] == [("ReLU", 4, 3), ("ReLU#2", 3, 1)]


class Log(nn.Module):
    def forward(self, x: Any) -> Tensor:
        return am.log(x)


class Root(nn.Module):
    def forward(self, x: Any) -> Tensor:
        return am.sqrt(x * x)  # finite, but its derivative at 0 is 0 · inf = NaN


def test_a_nan_produced_by_a_layer_is_traced_to_that_layer() -> None:
    model = nn.Sequential(nn.Linear(2, 4, rng=RNG(2)), Log(), nn.Linear(4, 1, rng=RNG(3)))
    monitor = nn.GradientMonitor(model)
    x, y = batch(2)
    with monitor.watch():
        loss = nn.MSELoss()(model(x), y)
    loss.backward()
    report = monitor.report()
    assert report.first_nonfinite == "output of 1 (Log)"
    assert "first non-finite: output of 1 (Log)" in str(report)


def test_a_nan_injected_into_a_weight_is_named_before_anything_else() -> None:
    model = nn.MLP([2, 8, 1], rng=RNG(4))
    model.layers[2].weight.data[0, 3] = np.nan
    opt = optim.SGD(model.parameters(), lr=0.1)
    report = one_step(model, opt, nn.GradientMonitor(model))
    assert report.first_nonfinite == "value of layers.2.weight"
    assert not report.param("layers.2.weight").finite
    assert "layers.2.weight (non-finite!)" in report.format_table()
    assert math.isnan(report.param("layers.0.weight").grad_norm or 0.0)


def test_a_non_finite_gradient_from_finite_outputs_names_the_parameter() -> None:
    model = nn.Sequential(nn.Linear(2, 3, rng=RNG(5)), Root(), nn.Linear(3, 1, rng=RNG(6)))
    model[0].weight.data[...] = 0.0
    model[0].bias.data[...] = 0.0  # the Root layer sees exact zeros
    monitor = nn.GradientMonitor(model)
    x, y = batch(5)
    with monitor.watch():
        loss = nn.MSELoss()(model(x), y)
    loss.backward()
    assert np.isfinite(loss.item())
    assert monitor.report().first_nonfinite == "gradient of 0.bias"


def test_watch_restores_every_forward_even_after_an_error() -> None:
    model = nn.MLP([2, 4, 1], rng=RNG(7))
    own = model.layers[1]

    def relu_forward(x: Tensor) -> Tensor:
        return am.relu(x)

    own.forward = relu_forward  # type: ignore[method-assign]  # forward as an instance attribute
    monitor = nn.GradientMonitor(model)
    with pytest.raises(ValueError, match="Linear"), monitor.watch():
        assert "forward" in vars(model.layers[0])
        model(Tensor(np.ones((3, 5))))
    assert all("forward" not in vars(m) for m in model.modules() if m is not own)
    assert vars(own)["forward"] is not None and own(Tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]


def test_watch_on_a_deep_tree_is_iterative() -> None:
    class Wrap(nn.Module):
        def __init__(self, inner: nn.Module) -> None:
            super().__init__()
            self.m = inner

    deep: nn.Module = nn.ReLU()
    for _ in range(10_000):
        deep = Wrap(deep)
    monitor = nn.GradientMonitor(deep)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200 + len(__import__("inspect").stack()))
    try:
        with monitor.watch():
            inner = deep
            while isinstance(inner, Wrap):
                inner = inner.m
            inner(Tensor([[1.0, -1.0]]))
    finally:
        sys.setrecursionlimit(limit)
    assert [(r.name, r.dead) for r in monitor.report().relus] == [("m." * 9_999 + "m", 1)]
    assert all("forward" not in vars(m) for m in deep.modules())


def test_update_ratio_helpers_and_argument_checks() -> None:
    assert nn.update_ratio(np.array([3.0, 4.0]), np.array([3.0, 4.5])) == pytest.approx(0.1)
    assert nn.update_ratio(np.zeros(2), np.zeros(2)) == 0.0
    assert nn.update_ratio(np.zeros(2), np.ones(2)) == math.inf
    a, b = nn.Linear(2, 2, rng=RNG(0)).state_dict(), nn.Linear(2, 2, rng=RNG(1)).state_dict()
    assert set(nn.update_ratios(a, b)) == {"weight", "bias"}
    with pytest.raises(ValueError, match="update_ratio"):
        nn.update_ratio(np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match="GradientMonitor"):
        nn.GradientMonitor(object())  # type: ignore[arg-type]
    monitor = nn.GradientMonitor(nn.Linear(2, 1))
    with pytest.raises(RuntimeError, match="before_step"):
        monitor.after_step()
    with pytest.raises(TypeError, match="optimizer"):
        monitor.step(None)
    report = monitor.report()
    assert all(r.grad_norm is None and r.update_ratio is None for r in report.params)
    assert "—" in report.format_table()


def test_plot_returns_a_figure_and_matplotlib_is_imported_lazily() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    model = nn.MLP([2, 8, 8, 1], rng=RNG(8))
    report = one_step(model, optim.Adam(model.parameters()), nn.GradientMonitor(model))
    fig = report.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["gradient norm", "update / weight", "dead ReLU units"]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [r.name for r in report.params]
    code = "import sys, nn; nn.GradientMonitor; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_a_step_that_overflows_the_weights_is_named_last() -> None:
    model = nn.Linear(2, 1, rng=RNG(9))
    opt = optim.SGD(model.parameters(), lr=1e308)
    x, y = batch(9)
    monitor = nn.GradientMonitor(model)
    with monitor.watch():
        loss = nn.MSELoss()(model(x), y * 1e3)
    loss.backward()
    monitor.step(opt)
    report = monitor.report()
    assert report.first_nonfinite == "value of weight (after the last step)"
    assert all(math.isfinite(r.grad_norm or 0.0) for r in report.params)
