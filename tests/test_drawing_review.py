"""Drawings and explanations at a learner's sizes: a weight reused by every step of a loop, a
backprop frame of a loop, ``explain_backward`` of a long graph, and the errors a learner meets
first (PyTorch's ``grad`` keywords, a missing folder, array attributes)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini.viz_view import LABELLED_SIMPLEX_NODES, REFERENCE_USES

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz's dot")


def _rnn(steps: int) -> am.Tensor:
    """A hand-written RNN: W and U are read at every step."""
    rng = np.random.default_rng(0)
    W = am.Tensor(rng.normal(size=(4, 4)) * 0.3, requires_grad=True, name="W")
    U = am.Tensor(rng.normal(size=(4, 2)) * 0.3, requires_grad=True, name="U")
    h = am.zeros(4)
    for _ in range(steps):
        h = am.tanh(W @ h + U @ am.Tensor(rng.normal(size=2)))
    return (h * h).sum()


def test_a_leaf_reused_by_every_step_is_drawn_once_and_referenced() -> None:
    loss = _rnn(100)
    src = am.draw_graph(loss).source
    full = [line for line in src.splitlines() if re.match(r"\s*t\d+ \[label=<.*<B>W</B>", line)]
    refs = re.findall(r"\s(r\d+_\d+_\d+) \[label=<W ↗>", src)
    assert len(full) == 1 and len(refs) == 99  # the first step's edge, then a reference each
    for r in refs:
        assert len(re.findall(rf"\b{r} -> op\d+", src)) == 1
    small = _rnn(1)  # the notes' sizes: every use is an edge from the one box
    assert "↗" not in am.draw_graph(small).source
    x = am.Tensor(0.5, requires_grad=True, name="x")
    f = am.sin(am.exp(x) * x) * x  # x used three times (REFERENCE_USES): drawn as before
    assert REFERENCE_USES == 3 and "↗" not in am.draw_graph(f, depth=None).source


@needs_dot
def test_the_frames_of_a_loop_bound_dots_layout() -> None:
    """dot took about a minute for each frame of a 40-step loop (161 nodes: below the bound of
    unlabelled drawings, but a labelled edge doubles dot's ranks); the time is measured, not
    asserted: the frame is drawn with the bound, and renders."""
    loss = _rnn(100)
    am.draw_graph(loss).pipe(format="svg")
    x = am.Tensor(0.5, requires_grad=True, name="x")
    h = x
    for _ in range(40):
        h = am.sin(h) * x
    frames = am.backprop_steps(h)
    frame = next(f for k, f in enumerate(frames) if k == 1)
    assert "nslimit" in frame.source and LABELLED_SIMPLEX_NODES == 60
    frame.pipe(format="svg")
    assert "nslimit" not in next(iter(am.backprop_steps(am.sin(x) * x))).source  # small: exact


def test_explain_backward_stops_after_max_variables_and_gives_the_leaves() -> None:
    x = am.Tensor(0.5, requires_grad=True, name="x")
    h = x
    for _ in range(300):
        h = am.sin(h) * x
    text = am.explain_backward(h, max_variables=3)
    assert text.count("   [intermediate]") == 2 and "[output]" in text
    assert "… 598 more variables, v1 to v598 (nearest the leaves): pass max_variables=None" in text
    h.backward()
    assert x.grad is not None
    assert re.search(r"v̄1 = (\S+)   \(x\)", text).group(1) == f"{x.grad.item():.6g}"  # type: ignore[union-attr]
    assert len(am.explain_backward(h).splitlines()) < len(
        am.explain_backward(h, max_variables=None).splitlines())
    with pytest.raises(ValueError, match="explain_backward: max_variables must be a positive int"):
        am.explain_backward(h, max_variables=0)


def test_an_array_attribute_reads_as_an_array() -> None:
    x = am.Tensor([-1.0, 0.5, 2.0], requires_grad=True, name="x")
    f = am.where(x > 0, x, am.Tensor(0.0)).sum()
    assert "cond=bool array (3)" in am.explain_backward(f)
    assert "cond=bool array (3)" in am.draw_graph(f).source


def test_pytorchs_grad_keywords_are_named() -> None:
    x = am.Tensor(0.8, requires_grad=True)
    y = am.tanh(x) ** 3
    with pytest.raises(TypeError, match=r"for PyTorch's torch.autograd.grad\(loss, \[w\]\), call "
                       r"loss.backward\(inputs=\[w\]\) and read w.grad \(with create_graph=True"):
        am.grad(y, [x], create_graph=True)  # type: ignore[arg-type, list-item]
    with pytest.raises(TypeError, match=r"grad: unexpected keyword arguments \['create_graph'\]"):
        am.grad(am.tanh, create_graph=True)


def test_save_frames_refuses_a_missing_folder_before_rendering(tmp_path: Path) -> None:
    x = am.Tensor(0.5, requires_grad=True, name="x")
    f = am.sin(am.exp(x) * x) * x
    for name in ("backprop.html", "backprop.gif"):
        with pytest.raises(FileNotFoundError,
                           match=r"save_frames: the folder of .* does not exist"):
            am.viz.save_frames(f, tmp_path / "missing" / name)


def test_the_cut_explanation_lists_a_leaf_without_a_gradient_as_zero() -> None:
    def first_only(x: np.ndarray, y: np.ndarray) -> Any:
        return x + 0 * y, None

    op = am.Primitive("t_first_only", first_only, lambda g, s, n: (g, None), nin=2)
    a = am.Tensor(2.0, requires_grad=True)
    d = am.Tensor(5.0, requires_grad=True, name="d")
    w = am.exp(op(a, d)) * 2.0 * 3.0
    assert "v̄2 = 0   (no consumer sends a gradient)" in am.explain_backward(w)
    assert "  v̄2 = 0   (d)" in am.explain_backward(w, max_variables=1)
    am.explain_backward(w, max_variables=np.int64(1))  # a NumPy int, as other counts


def test_a_scalar_attribute_shows_its_value_and_a_reference_its_kind() -> None:
    x = am.Tensor(np.ones((2, 2)), requires_grad=True)
    assert "value=2.5" in am.explain_backward(am.pad(x, 1, constant_values=2.5).sum())
    W = nn.Parameter(np.eye(4) * 0.3)
    h = am.zeros(4)
    for _ in range(10):
        h = am.tanh(W @ h + 0.5)
    src = am.draw_graph((h * h).sum(), names={"W": W}).source
    refs = [line for line in src.splitlines() if "W ↗" in line]
    assert refs and all('fillcolor="#fef3c7"' in line for line in refs)  # a parameter's colour
