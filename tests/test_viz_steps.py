"""backprop_steps and explain_backward: frames of the reverse sweep and its plain-text trace."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini.backward import backward
from autograd_mini.explain import explain_backward, trace_backward
from autograd_mini.graphview import graph_view
from autograd_mini.viz import draw_graph
from autograd_mini.viz_steps import backprop_steps

BAR = "\u0304"
NUM = r"-?(?:\d+\.?\d*(?:e[+-]?\d+)?|inf|nan)"


def notes_example(x: float = 1.5, y: float = -0.5) -> tuple[am.Tensor, am.Tensor, am.Tensor]:
    xt = am.Tensor(x, requires_grad=True, name="x")
    yt = am.Tensor(y, requires_grad=True, name="y")
    v3 = xt * yt
    return xt, yt, v3 - am.log(1 + am.exp(v3))


def engine_adjoints(f: am.Tensor) -> list[float]:
    order = [t for t in graph_view(f).order if t.requires_grad]
    out = backward(f, inputs=order, retain_graph=True)
    return [float(a) for a in out]


# ----------------------------------------------------------------------------- backprop_steps
def test_frame_count_and_final_frame() -> None:
    *_, f = notes_example()
    frames = [g.source for g in backprop_steps(f, textbook=True)]
    # seed + one frame per gradient-carrying edge (7: the constant 1 gets none) + final
    assert len(frames) == 9
    assert frames[-1] == draw_graph(f, textbook=True).source
    assert len(set(frames)) == 9
    by_node = list(backprop_steps(f, by="node"))
    assert len(by_node) == 2 + 5  # seed, one per op node, final
    assert by_node[-1].source == draw_graph(f).source


def test_frames_show_what_is_known() -> None:
    *_, f = notes_example()
    frames = [g.source for g in backprop_steps(f, textbook=True)]
    unknown = [src.count(">?<") for src in frames]
    assert unknown[0] == 6  # only the seed v̄7 is known
    assert unknown == sorted(unknown, reverse=True) and unknown[-1] == 0
    assert "step 0 of 7: seed v̄7 = 1" in frames[0]
    assert "step 1 of 7: v̄3 += v̄7 · ∂v7/∂v3 = 1" in frames[1]
    assert "(partial)" in frames[1] and "(partial)" not in frames[-1]
    # each middle frame highlights exactly one edge, labelled with the contribution
    for src in frames[1:-1]:
        assert src.count("penwidth=\"2.2\"") == 1
    assert "penwidth=\"2.2\"" not in frames[0] + frames[-1]
    assert re.search(r"t5 -> op6 \[color=\"#dc2626\".*label=<-0.6792>", frames[3])


def test_steps_leave_grad_and_graph_alone() -> None:
    x, y, f = notes_example()
    assert len(list(backprop_steps(f))) == 9
    assert x.grad is None and y.grad is None
    f.backward()  # the graph was not freed by the frames
    assert x.grad is not None
    grads = (x.grad.item(), y.grad.item())
    assert len(list(backprop_steps(f))) == 9  # after backward: recomputed from the leaves
    assert "(seed)" in explain_backward(f)
    assert (x.grad.item(), y.grad.item()) == grads


def test_steps_argument_checks() -> None:
    *_, f = notes_example()
    with pytest.raises(ValueError, match="by"):
        backprop_steps(f, by="op")
    with pytest.raises(RuntimeError, match="does not require grad"):
        backprop_steps(am.Tensor(1.0))
    w = am.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="grad="):
        backprop_steps(w * 2.0)
    assert len(list(backprop_steps(w * 2.0, grad=np.ones(2)))) == 3


def test_steps_with_scopes_and_shared_inputs() -> None:
    x = am.Tensor(np.array([1.0, -2.0]), requires_grad=True, name="x")
    with am.name_scope("block"):
        h = am.tanh(x) * x
    f = am.sum(h * h)
    frames = list(backprop_steps(f, precision=6))
    # edges carrying gradient: x->tanh, tanh->mul, x->mul, h->mul (twice), mul->sum
    assert len(frames) == 2 + 6
    assert frames[-1].source == draw_graph(f, precision=6).source


def test_trace_matches_the_engine() -> None:
    *_, f = notes_example(0.7, 2.0)
    trace = trace_backward(f)
    got = [float(a) for a in trace.adjoints if a is not None]
    np.testing.assert_allclose(got, engine_adjoints(f), rtol=1e-13)
    x = trace.order[0]
    assert trace.adjoint(x) == pytest.approx(got[0])
    assert trace.adjoint(am.Tensor(1.0)) is None
    assert [len(s.sent) for s in trace.steps] == [2, 1, 1, 1, 2]


# ----------------------------------------------------------------------------- explain_backward
def adjoint_lines(text: str) -> dict[int, float]:
    return {int(m.group(1)): float(m.group(2))
            for m in re.finditer(rf"^  v{BAR}(\d+) = (?:.* = )?({NUM})   \(", text, re.M)}


def test_explain_numbers_equal_the_gradients() -> None:
    x, y, f = notes_example()
    text = explain_backward(f, precision=17)
    adj = adjoint_lines(text)
    want = engine_adjoints(f)
    assert sorted(adj) == list(range(1, 8))
    for i in range(1, 8):
        assert adj[i] == pytest.approx(want[i - 1], rel=1e-15)
    f.backward()
    assert adj[1] == pytest.approx(x.grad.item(), rel=1e-15)  # type: ignore[union-attr]
    assert adj[2] == pytest.approx(y.grad.item(), rel=1e-15)  # type: ignore[union-attr]


def test_explain_is_in_reverse_topological_order_with_local_derivatives() -> None:
    *_, f = notes_example()
    text = explain_backward(f)
    heads = re.findall(r"^(v\d+)", text, re.M)
    assert heads == ["v7", "v6", "v5", "v4", "v3", "v2", "v1"]
    assert "v5 = add(1, v4) = 1.47237   [intermediate]" in text
    assert "v̄3 = 1 − 0.320821 = 0.679179   (from v7, v4)" in text
    assert "→ v1: ∂v3/∂v1 = -0.5;  v̄3 · ∂v3/∂v1 = 0.679179 · (-0.5) = -0.339589" in text
    assert "→ v6: ∂v7/∂v6 = -1;" in text
    assert "v1 (x) = 1.5   [leaf]" in text
    assert "rule: log x" in text


def test_explain_repeated_argument_and_arrays() -> None:
    x = am.Tensor(3.0, requires_grad=True)
    text = explain_backward(x * x, precision=6)
    assert "→ v1 (argument 1): ∂v2/∂v1 = 3" in text
    assert "→ v1 (argument 2): ∂v2/∂v1 = 3" in text
    assert adjoint_lines(text)[1] == 6.0
    w = am.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = am.Tensor(0.5, requires_grad=True, name="b <1>")
    loss = am.sum(w * b)
    text = explain_backward(loss, names={"w": w})
    assert "VJP of v̄3 = [0.5, 0.5, 0.5]" in text
    assert "v1 (w) = [1, 2, 3]   [parameter]" in text
    assert "v2 (b <1>) = 0.5   [leaf]" in text
    assert adjoint_lines(text)[2] == 6.0


def test_frames_are_bounded_and_errors_name_the_function_called() -> None:
    """A 1,000-op chain is 1,001 frames, each a drawing of the whole graph (an hour, gigabytes):
    refused up front. Errors named draw_graph (or save_frames) whichever was called."""
    x = am.Tensor(0.5, requires_grad=True, name="x")
    h = x
    for _ in range(1000):
        h = h * 1.0001
    with pytest.raises(ValueError, match=r"backprop_steps: the backward pass of this graph takes "
                                         r"1001 frames .* more than max_frames=500"):
        backprop_steps(h)
    with pytest.raises(ValueError, match=r"save_frames: .* takes 1001 frames"):
        am.viz.save_frames(h, "never-written.html")
    assert len(list(backprop_steps(h * 1.0, max_frames=None, max_nodes=8))) > 2
    for call, name in ((lambda: backprop_steps(np.ones(2)), "backprop_steps"),  # type: ignore[arg-type]
                       (lambda: am.viz.save_frames(np.ones(2), "x.html"),  # type: ignore[arg-type]
                        "save_frames"),
                       (lambda: am.viz.frames_widget(np.ones(2)),  # type: ignore[arg-type]
                        "frames_widget")):
        with pytest.raises(TypeError, match=rf"^{name}: expected a Tensor, got ndarray"):
            call()
    with pytest.raises(ValueError, match="max_frames must be a positive int"):
        backprop_steps(x * 2.0, max_frames=0)


def test_captions_name_the_adjoints_as_derivatives_of_the_output() -> None:
    x = am.Tensor(1.5, requires_grad=True, name="x")
    f = x * x
    f.name = "f"
    captions = [g.source.split("label=<<FONT POINT-SIZE=\"10\">")[-1] for g in backprop_steps(f)]
    assert "seed ∂f/∂f = 1" in captions[0]
    assert "∂f/∂x += ∂f/∂f · ∂f/∂x" in captions[1]


def test_a_large_graph_bounds_dots_layout() -> None:
    from autograd_mini.viz_view import SIMPLEX_NODES

    w = am.Tensor(0.5, requires_grad=True, name="w")
    loss: Any = 0.0
    for i in range(SIMPLEX_NODES // 4):  # a loss summed in a Python loop: 8 nodes a term
        loss = loss + (w * float(i) - 1.0) ** 2
    assert "nslimit" in am.draw_graph(loss).source
    assert "nslimit" not in am.draw_graph((w * 2.0) ** 2).source


def test_explain_backward_shows_an_ops_attributes() -> None:
    """where's condition is an attribute: the text read where(v1, 0), as if it had none."""
    x = am.Tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    f = am.sum(am.where(np.array([True, False, True]), x, 0.0)) + x[1:].sum()
    lines = explain_backward(f).splitlines()
    want = "v2 = where(v1, 0, cond=bool array (3)) = [1, 0, 3]"
    assert any(line.startswith(want) for line in lines)
    assert any("getitem(v1, basic=True, index=[1:])" in line for line in lines)
