"""draw_graph(..., depth=k): module scopes deeper than k collapsed into one node each, with
the module's name, op count, output shape and its parameters' gradient norm."""

from __future__ import annotations

import html
import re
import shutil
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini.viz import draw_graph


class Block(nn.Module):
    def __init__(self, n: int, seed: int) -> None:
        super().__init__()
        self.fc = nn.Linear(n, n, rng=np.random.default_rng(seed))
        self.act = nn.Tanh()

    def forward(self, x: Any) -> Any:
        return self.act(self.fc(x))


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(2, 4, rng=np.random.default_rng(0))
        self.blocks = [Block(4, 1), Block(4, 2)]

    def forward(self, x: Any) -> Any:
        x = self.inp(x)
        for b in self.blocks:
            x = b(x)
        return x


def modules(source: str) -> dict[str, dict[str, str]]:
    """Collapsed module nodes: scope name -> {"module": ..., "out": ..., "‖adjoint‖": ...}."""
    out = {}
    for label in re.findall(r"^\s*g\d+ \[label=(<<TABLE.*?</TABLE>>)", source, re.M):
        rows = [[html.unescape(re.sub(r"<[^>]*>", "", c)).strip()
                 for c in re.findall(r"<TD[^>]*>(.*?)</TD>", row)]
                for row in re.findall(r"<TR>(.*?)</TR>", label)]
        title, scope = rows[0][0], rows[0][1] if len(rows[0]) > 1 else rows[0][0]
        info = {"module": title}
        info.update((r[0], r[1]) for r in rows[1:] if len(r) == 2)
        out[scope] = info
    return out


def grad_norm(m: nn.Module) -> float:
    grads = [p.grad.data for p in m.parameters() if p.grad is not None]
    assert len(grads) == len(list(m.parameters()))
    return float(np.sqrt(sum(np.sum(g**2) for g in grads)))


def build() -> tuple[Net, am.Tensor]:
    net = Net()
    x = am.Tensor(np.linspace(-1, 1, 6).reshape(3, 2), name="input")
    return net, am.sum(net(x) ** 2)


def test_depth_one_collapses_each_module_the_model_calls() -> None:
    net, loss = build()
    loss.backward()
    src = draw_graph(loss, depth=1, names=net.named_parameters(), precision=10).source
    mods = modules(src)
    assert sorted(mods) == ["blocks.0", "blocks.1", "inp"]
    assert mods["inp"]["module"] == "Linear(2→4)" and mods["blocks.0"]["module"] == "Block"
    assert all(m["out"] == "(3, 4)" for m in mods.values())
    for name, module in (("inp", net.inp), ("blocks.0", net.blocks[0]),
                         ("blocks.1", net.blocks[1])):
        assert float(mods[name]["‖adjoint‖"]) == pytest.approx(grad_norm(module), rel=1e-9)
    assert "<B>input</B>" in src  # the batch flowing in stays visible
    assert "inp.weight" not in src and ">linear<" not in src


def test_depth_two_and_zero() -> None:
    net, loss = build()
    loss.backward()
    two = modules(draw_graph(loss, depth=2).source)
    assert sorted(two) == ["blocks.0.act", "blocks.0.fc", "blocks.1.act", "blocks.1.fc"]
    assert two["blocks.1.fc"]["module"] == "Linear(4→4)" and two["blocks.0.act"]["module"] == "Tanh"
    assert all(m["out"] == "(3, 4)" for m in two.values())
    assert "‖adjoint‖" in two["blocks.1.fc"] and "‖adjoint‖" not in two["blocks.1.act"]
    assert float(two["blocks.1.fc"]["‖adjoint‖"]) == pytest.approx(
        grad_norm(net.blocks[1].fc), rel=1e-3)
    zero = modules(draw_graph(loss, depth=0).source)
    assert list(zero) == ["Net"] and zero["Net"]["module"] == "Net"
    assert float(zero["Net"]["‖adjoint‖"]) == pytest.approx(grad_norm(net), rel=1e-3)
    assert modules(draw_graph(loss, depth=None).source) == {}
    assert modules(draw_graph(loss, depth=9).source) == {}  # deeper than any module


def test_module_norms_are_the_drawn_outputs_adjoints_not_stored_grads() -> None:
    """The box's norm comes from the drawing's own sweep, as the variables' adjoints do: the
    same before backward and after, and not .grad accumulated over two batches (stored .grad is
    shown, as ‖grad‖, only with adjoints=False)."""
    _, loss = build()
    before = modules(draw_graph(loss, depth=1).source)
    assert before and all("‖grad‖" not in m for m in before.values())
    assert all("‖adjoint‖" not in m for m in modules(
        draw_graph(loss, depth=1, adjoints=False).source).values())  # nothing stored yet
    loss.backward(retain_graph=True)
    loss.backward()  # .grad is now twice the adjoint
    after = modules(draw_graph(loss, depth=1).source)
    for name, box in before.items():
        assert box.get("‖adjoint‖") == after[name].get("‖adjoint‖"), name
    stored = modules(draw_graph(loss, depth=1, adjoints=False).source)
    assert float(stored["blocks.1"]["‖grad‖"]) == pytest.approx(
        2 * float(after["blocks.1"]["‖adjoint‖"]), rel=2e-3)


@pytest.mark.parametrize("depth", [-1, 1.5, True, "1"])
def test_bad_depth(depth: object) -> None:
    _, loss = build()
    with pytest.raises(ValueError, match="depth"):
        draw_graph(loss, depth=depth)  # type: ignore[arg-type]


def test_collapsed_drawing_renders() -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's 'dot' is not installed")
    _, loss = build()
    loss.backward()
    svg = draw_graph(loss, depth=1).pipe(format="svg").decode("utf-8")
    assert svg.count("blocks.") == 2


class Twice(nn.Module):
    """One layer applied twice (weight sharing), then a head."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Linear(4, 4, rng=np.random.default_rng(3))
        self.out = nn.Linear(4, 1, rng=np.random.default_rng(4))

    def forward(self, x: Any) -> Any:
        return self.out(am.tanh(self.enc(am.tanh(self.enc(x)))))


def edges(source: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for a, b in re.findall(r"^\s*(\w+) -> (\w+)", source, re.M):
        out.setdefault(a, set()).add(b)
    return out


def acyclic(graph: dict[str, set[str]]) -> bool:
    indegree: dict[str, int] = {}
    for a, bs in graph.items():
        indegree.setdefault(a, 0)
        for b in bs:
            indegree[b] = indegree.get(b, 0) + 1
    ready = [n for n, d in indegree.items() if d == 0]
    seen = 0
    while ready:
        n = ready.pop()
        seen += 1
        for b in graph.get(n, ()):
            indegree[b] -= 1
            if indegree[b] == 0:
                ready.append(b)
    return seen == len(indegree)


def test_a_module_called_twice_is_drawn_once_per_call() -> None:
    net = Twice()
    loss = am.sum(net(am.Tensor(np.ones((2, 4)))))
    loss.backward()
    src = draw_graph(loss, depth=1).source
    mods = modules(src)
    assert sorted(mods) == ["enc", "enc (call 2)", "out"]
    assert mods["enc"]["module"] == mods["enc (call 2)"]["module"] == "Linear(4→4)"
    assert mods["enc"]["out"] == mods["enc (call 2)"]["out"] == "(2, 4)"
    assert acyclic(edges(src))  # before: one box feeding itself through the tanh
    # the shared weight and bias are drawn once, outside both calls, feeding each
    g = {name: f"g{n}" for n, name in enumerate(sorted(mods))}
    feeding = [a for a, bs in edges(src).items() if g["enc"] in bs and g["enc (call 2)"] in bs]
    assert len(feeding) == 2
    # not collapsed: one cluster per call
    flat = draw_graph(loss, depth=None).source
    assert "<B>enc</B>" in flat and "<B>enc (call 2)</B>" in flat and acyclic(edges(flat))


def test_a_model_called_twice_and_a_loop_over_one_block() -> None:
    block = Block(4, 5)
    x = am.Tensor(np.ones((1, 4)))
    h = x
    for _ in range(3):
        h = block(h)
    mods = modules(draw_graph(am.sum(h), depth=0).source)
    assert sorted(mods) == ["Block", "Block (call 2)", "Block (call 3)"]
    net = Twice()
    a, b = net(x), net(am.Tensor(np.zeros((1, 4))))
    src = draw_graph(am.sum((a - b) ** 2), depth=0).source
    assert sorted(modules(src)) == ["Twice", "Twice (call 2)"] and acyclic(edges(src))


def test_layers_in_a_module_list_and_free_standing_layers_keep_their_names() -> None:
    """A ModuleList is not called itself: its layers are named by their path (layers.0, as
    named_parameters says), not drawn as repeated calls of one 'Linear'; two free-standing
    layers of one class are 'Linear' and 'Linear #2', and only a module called again gets
    '(call k)'."""
    class Stack(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 8, rng=np.random.default_rng(i))
                                         for i in range(3)])

        def forward(self, x: Any) -> Any:
            for layer in self.layers:
                x = am.tanh(layer(x))
            return x

    x = am.Tensor(np.ones((4, 2)))
    net = Stack()
    net.layers[1] = nn.Linear(8, 8, rng=np.random.default_rng(5))
    net.layers[2] = nn.Linear(8, 8, rng=np.random.default_rng(6))
    src = draw_graph(am.sum(net(x)), depth=1).source
    assert sorted(modules(src)) == ["layers.0", "layers.1", "layers.2"] and acyclic(edges(src))
    l1, l2 = nn.Linear(2, 3), nn.Linear(3, 1)
    assert sorted(modules(draw_graph(am.sum(l2(am.tanh(l1(x)))), depth=0).source)) == [
        "Linear", "Linear #2"]
    assert sorted(modules(draw_graph(am.sum(l1(x) + l1(2 * x)), depth=0).source)) == [
        "Linear", "Linear (call 2)"]


def test_argument_order_is_kept_on_small_drawings_only() -> None:
    """ordering="in" keeps an op's inputs in argument order, but with a wide fan-out (x in 60
    powers) it made dot run for minutes; large drawings leave it to the numbered inputs."""
    x = am.Tensor(0.5, requires_grad=True)
    small = draw_graph(x**x).source
    assert 'ordering="in"' in small and 'headlabel="1"' in small
    tower = x
    for _ in range(60):
        tower = tower**x
    large = draw_graph(tower).source
    assert 'ordering="in"' not in large and 'headlabel="2"' in large


def test_no_gradient_norm_for_a_module_whose_parameters_are_partly_cut() -> None:
    """max_nodes may leave a module's bias out of the drawing: its box then shows no norm
    rather than the weight's alone."""
    net, loss = build()
    loss.backward()
    full = modules(draw_graph(loss, depth=1).source)
    assert float(full["blocks.1"]["‖adjoint‖"]) == pytest.approx(grad_norm(net.blocks[1]), rel=1e-3)
    for n in range(2, 12):
        for name, box in modules(draw_graph(loss, depth=1, max_nodes=n).source).items():
            if "‖adjoint‖" in box:
                assert box["‖adjoint‖"] == full[name]["‖adjoint‖"], (n, name)


def test_a_tied_weight_counts_in_the_norm_of_every_module_that_uses_it() -> None:
    """dec.weight = enc.weight: each box's norm is over all its parameters (before, the tied
    weight was drawn in one box and left out of both norms: the biases' alone were shown)."""
    rng = np.random.default_rng(0)

    class AutoEncoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc, self.dec = nn.Linear(3, 3, rng=rng), nn.Linear(3, 3, rng=rng)
            self.dec.weight = self.enc.weight

        def forward(self, x: Any) -> am.Tensor:
            return self.dec(am.tanh(self.enc(x)))

    model = AutoEncoder()
    loss = am.sum(model(am.Tensor(rng.normal(size=(4, 3)))) ** 2)
    boxes = modules(draw_graph(loss, depth=1).source)
    loss.backward()
    shared = float(np.sum(model.enc.weight.grad.data ** 2))  # type: ignore[union-attr]
    for name in ("enc", "dec"):
        bias = float(np.sum(getattr(model, name).bias.grad.data ** 2))
        assert float(boxes[name]["‖adjoint‖"]) == pytest.approx(np.sqrt(shared + bias),
                                                                 rel=1e-3), name


def test_auto_depth_collapses_modules_called_side_by_side() -> None:
    """An LSTM and a Linear head called directly, no model around them: depth 1 collapsed
    nothing (193 nodes drawn); "auto" now makes each module one box."""
    lstm, head = nn.LSTM(3, 4), nn.Linear(4, 1)
    y, _ = lstm(am.Tensor(np.random.default_rng(0).normal(size=(5, 2, 3))))
    loss = am.mean(head(y) ** 2)
    boxes = modules(draw_graph(loss).source)
    assert sorted(b["module"] for b in boxes.values()) == ["LSTM", "Linear(4→1)"]
    assert modules(draw_graph(loss, depth=1).source) == {}  # an explicit depth is kept
