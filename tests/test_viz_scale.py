"""Readable at scale: draw_graph's size-chosen defaults, module labels, inputs named from the
module call, the regulariser drawn as one node, and the 2-16-16-1 MLP + SVM loss + L2 term
drawn with defaults within 1,600 px at 96 dpi with no label under 7 pt."""

from __future__ import annotations

import re
import shutil
import struct
from typing import Any

import numpy as np
import pytest
from test_viz_depth import modules

import autograd_mini as am
import nn
from autograd_mini.viz import AUTO_NODES, PENALTY, draw_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's 'dot' is not installed")


def svm_mlp(seed: int = 0, alpha: float = 1e-4) -> tuple[nn.MLP, am.Tensor]:
    """The 2-16-16-1 MLP with an SVM (hinge) loss plus an L2 term over the parameters."""
    rng = np.random.default_rng(seed)
    model = nn.MLP([2, 16, 16, 1], activation="relu", rng=rng)
    x = am.Tensor(rng.normal(size=(8, 2)))
    y = am.Tensor(np.where(rng.normal(size=(8, 1)) > 0, 1.0, -1.0), name="y")
    data_loss = am.mean(am.relu(1 - y * model(x)))
    reg = alpha * sum((am.sum(p * p) for p in model.parameters()), am.Tensor(0.0))
    return model, data_loss + reg


def regulariser(source: str) -> dict[str, str]:
    found = [m for m in modules(source).values() if m["module"] == PENALTY]
    assert len(found) == 1
    return found[0]


def op_count(source: str) -> int:
    return len(re.findall(r"^\s*op\d+ \[", source, re.M))


def test_small_graphs_are_drawn_as_before() -> None:
    x = am.Tensor(1.5, requires_grad=True, name="x")
    y = am.Tensor(-0.5, requires_grad=True, name="y")
    v3 = x * y
    f = v3 - am.log(1 + am.exp(v3))
    for textbook in (False, True):
        auto = draw_graph(f, textbook=textbook).source
        assert auto == draw_graph(f, textbook=textbook, depth=None, rankdir="LR").source
        assert "rankdir=LR" in auto and "g0" not in auto


def test_large_graphs_start_collapsed_top_to_bottom() -> None:
    model, loss = svm_mlp()
    loss.backward()
    full = draw_graph(loss, depth=None, rankdir="LR").source
    assert op_count(full) > AUTO_NODES // 2  # big enough for the auto defaults to act
    auto = draw_graph(loss).source
    assert auto == draw_graph(loss, depth=1, rankdir="TB").source
    assert "rankdir=TB" in auto and op_count(auto) < op_count(full) // 3
    mods = modules(auto)
    assert [mods[f"layers.{k}"]["module"] for k in range(5)] == [
        "Linear(2→16)", "ReLU", "Linear(16→16)", "ReLU", "Linear(16→1)"]
    assert [mods[f"layers.{k}"]["out"] for k in range(5)] == [
        "(8, 16)", "(8, 16)", "(8, 16)", "(8, 16)", "(8, 1)"]
    for k in (0, 2, 4):
        layer = model.layers[k]
        norm = np.sqrt(sum(np.sum(p.grad.data ** 2) for p in layer.parameters()
                           if p.grad is not None))
        assert float(mods[f"layers.{k}"]["‖adjoint‖"]) == pytest.approx(norm, rel=1e-3)
    assert "‖adjoint‖" not in mods["layers.1"]
    # depth=None still draws every op; an explicit rankdir wins over the automatic one
    assert op_count(draw_graph(loss, depth=None).source) == op_count(full)
    assert "rankdir=LR" in draw_graph(loss, rankdir="LR").source


def test_regulariser_is_one_node_with_value_and_adjoint() -> None:
    model, loss = svm_mlp(alpha=0.01)
    src = draw_graph(loss, names=model.named_parameters()).source
    reg = regulariser(src)
    expected = 0.01 * sum(float(np.sum(p.data ** 2)) for p in model.parameters())
    assert float(reg["value"]) == pytest.approx(expected, rel=1e-3)
    assert float(reg["adjoint"]) == 1.0 and reg["out"] == "()"
    assert "layers.0.weight" not in src  # the parameters stay inside their modules
    assert "regulariser" not in draw_graph(loss, depth=None).source


def test_a_learned_scale_of_the_output_is_not_a_regulariser() -> None:
    """exp(−s) multiplying the model's output reads parameters only and is one number, but it
    is not added into the loss: drawn op by op, not as a regulariser node."""
    model, _ = svm_mlp(alpha=0.0)
    log_scale = nn.Parameter(np.array(0.3))
    x = am.Tensor(np.random.default_rng(0).normal(size=(8, 2)))
    loss = am.mean((model(x) * am.exp(-log_scale)) ** 2)
    src = draw_graph(loss, depth=1).source
    assert not [m for m in modules(src).values() if m["module"] == PENALTY]
    assert ">exp<" in src


def test_a_function_of_parameters_alone_is_drawn_op_by_op_not_as_a_regulariser() -> None:
    w = nn.Parameter(np.linspace(-1.0, 1.0, 10))
    rosenbrock = w[0] * 0.0
    for i in range(9):
        rosenbrock = rosenbrock + (1 - w[i]) ** 2 + 100 * (w[i + 1] - w[i] ** 2) ** 2
    src = draw_graph(rosenbrock).source  # more than AUTO_NODES nodes, no module to collapse
    assert PENALTY not in src and src.count("->") > AUTO_NODES


def test_parameters_read_only_by_the_regulariser_join_it() -> None:
    model = nn.Linear(2, 1, rng=np.random.default_rng(0))
    extra = nn.Parameter(np.ones(3))
    x = am.Tensor(np.ones((4, 2)))
    loss = am.sum(model(x)) + am.sum(extra * extra) + am.sum(model.weight * model.weight)
    loss.backward()
    src = draw_graph(loss, depth=0).source
    reg = regulariser(src)
    assert "‖adjoint‖" in reg  # extra's gradient: 2·extra
    assert float(reg["‖adjoint‖"]) == pytest.approx(np.sqrt(12.0), rel=1e-3)
    assert "(3) float64" not in src  # extra is not drawn on its own


class Pair(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2, rng=np.random.default_rng(1))

    def forward(self, left: Any, right: Any) -> Any:
        return self.fc(left) * right


def var_names(source: str) -> list[str]:
    return re.findall(r"^\s*t\d+ \[label=<<TABLE[^>]*><TR><TD[^>]*><B>([^<]*)</B>", source, re.M)


def test_tensors_passed_into_a_module_are_named_from_the_call() -> None:
    model = nn.MLP([2, 3, 1], rng=np.random.default_rng(0))
    out = am.sum(model(am.Tensor(np.ones((4, 2)))))
    assert "input" in var_names(draw_graph(out, depth=None).source)
    assert "input" in var_names(draw_graph(out, depth=1).source)
    named = am.Tensor(np.ones((4, 2)), name="batch")
    assert "batch" in var_names(draw_graph(am.sum(model(named)), depth=1).source)
    pair = Pair()
    out = am.sum(pair(am.Tensor(np.ones((4, 2))), right=am.Tensor(np.full((4, 2), 2.0))))
    names = var_names(draw_graph(out, depth=None).source)
    assert "left" in names and "right" in names


def png_width(png: bytes) -> int:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return int(struct.unpack(">I", png[16:20])[0])


@needs_dot
@pytest.mark.parametrize("seed", [0, 1])
def test_the_mlp_with_svm_loss_renders_within_the_width(seed: int) -> None:
    model, loss = svm_mlp(seed)
    loss.backward()
    dot = draw_graph(loss, names=model.named_parameters())
    src = dot.source
    # no scaling: no size= / ratio / dpi in the DOT, and every font at least 7 pt
    assert not re.search(r"\b(size|ratio|dpi)\s*=", src)
    sizes = [float(v) for v in re.findall(r'fontsize="?([\d.]+)', src)]
    sizes += [float(v) for v in re.findall(r'POINT-SIZE="([\d.]+)"', src)]
    assert sizes and min(sizes) >= 7
    png = dot.pipe(format="png")  # Graphviz's png is 96 dpi by default
    assert png_width(png) <= 1600
    dot.graph_attr["dpi"] = "96"
    assert png_width(dot.pipe(format="png")) <= 1600


def test_weights_computed_from_parameters_are_not_a_regulariser() -> None:
    model = nn.Linear(2, 2, rng=np.random.default_rng(0))
    scale = nn.Parameter(np.full(2, 0.5))
    x = am.Tensor(np.ones((4, 2)))
    w = (scale * scale) * 2.0  # parameter-only ops whose (non-scalar) result the model reads
    loss = am.sum(model(x) * w)
    assert PENALTY not in draw_graph(loss, depth=0).source
