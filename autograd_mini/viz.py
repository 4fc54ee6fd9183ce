"""Draw the computational DAG with every value and adjoint (``draw_graph``), and animate the
backward pass (``save_frames``, ``frames_widget``, from viz_steps.py); the drawing machinery is
in viz_view.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .checks import flag as check_flag
from .explain import stale_note, trace_backward
from .tensor import Tensor
from .viz_labels import Names
from .viz_steps import frames_widget, save_frames
from .viz_view import AUTO_NODES, FREED_NOTE, PENALTY, Rows, View

if TYPE_CHECKING:
    import graphviz

__all__ = ["AUTO_NODES", "PENALTY", "draw_graph", "frames_widget", "save_frames"]


def draw_graph(
    root: Tensor,
    *,
    names: Names = None,
    textbook: bool = False,
    show_values: bool = True,
    show_grads: bool = True,
    adjoints: bool = True,
    grad: Any = None,
    rankdir: str = "auto",
    precision: int = 4,
    max_nodes: int | None = 1000,
    show_constants: bool = True,
    forward: Tensor | None = None,
    depth: int | str | None = "auto",
) -> graphviz.Digraph:
    """Draw the graph that produced ``root`` as a ``graphviz.Digraph`` (not rendered).

    Variables show their name, shape, dtype and value; leaves (blue), parameters (amber, double
    border: the tensors named in ``names``), constants (grey, dashed), intermediates (white) and
    the output (green) look different. Op nodes show the primitive's registry name; inputs of
    non-commutative ops are numbered in argument order. ``names`` is a mapping name -> Tensor or
    (name, Tensor) pairs such as ``module.named_parameters()``. Name scopes become nested
    clusters. With ``textbook`` the variables are numbered v1..vN in topological order and
    adjoints are written v̄i, as in the lecture notes.

    Gradients (``show_grads``): with ``adjoints`` (the default) the adjoint of *every* variable
    is computed by a reverse sweep that leaves ``.grad`` alone and keeps the graph (for a
    non-scalar output it needs the seed ``grad``). After a plain ``backward()`` the numbers are
    the same: the structure survives it, and values and adjoints are recomputed from the
    leaves (the caption says so). If a leaf changed since the forward pass (an optimiser step)
    the caption says that instead, values are shown at the current leaves and no gradients.
    ``adjoints=False`` shows the ``.grad`` stored on leaves. At most ``max_nodes`` tensors (those
    nearest the output) are drawn; ``max_nodes=None`` draws all. The walk is iterative and the
    DOT text is deterministic: nodes are named by topological position.

    Higher order: after ``y.backward(create_graph=True)`` the backward pass is itself a graph,
    and ``draw_graph(x.grad)`` draws it, with the adjoints of *that* graph: the adjoint shown
    on ``x`` is then a second derivative. Nodes made by the recorded backward pass (the VJPs)
    are violet hexagons labelled "vjp": those made inside ``name_scope(VJP_SCOPE)``, or, with
    ``forward=y``, every node not in ``y``'s graph.

    ``depth=k`` collapses module scopes deeper than ``k`` into one node each (depth counted as
    torchview does: the model is depth 0, so with ``depth=1`` each module the model calls,
    ``layers.0``, ``layers.1``, …, is one node), labelled with the module (``Linear(16→16)``,
    ``ReLU``), its scope name, its output shape and the norm ‖adjoint‖ = √(Σ ‖p̄‖²) of its
    parameters' adjoints (``nn.Parameter`` leaves, or those named in ``names``, that it holds
    or its ops read), from the drawing's own sweep as on the variables ("adjoint" rows); with
    ``adjoints=False``, stored ``.grad`` is shown instead ("grad", ‖grad‖ = √(Σ ‖p.grad‖²)).
    Ops outside the modules that read only parameters and numbers (a regulariser such as
    λ·Σ‖p‖²) then become one "regulariser" node with its value and adjoint. ``depth=None``
    draws every op. Unnamed tensors passed into a module call are named from the call
    (``input``, or the argument's name).

    ``depth="auto"`` and ``rankdir="auto"`` (the defaults) depend on size: a drawing of more
    than ``AUTO_NODES`` (40) nodes, tensors and ops, is collapsed at ``depth=1`` and laid out
    top to bottom (``TB``); a smaller one draws every op, left to right (``LR``).
    """
    check_flag(show_grads, "draw_graph", "show_grads")
    check_flag(adjoints, "draw_graph", "adjoints")
    view = View(root, names, textbook, show_values, rankdir, precision, max_nodes, show_constants,
                 forward, depth)
    rows: dict[int, Rows] = {}
    note: str | None = None
    if show_grads and adjoints:
        if not root.requires_grad:
            note = "The output does not require grad, so there are no adjoints."
        elif view.graph.stale:
            note = stale_note(view.graph)
        elif root.data.size != 1 and grad is None:
            note = (f"The output has shape {root.shape}: pass grad= (the seed) to draw_graph "
                    "to compute the adjoints; only stored .grad is shown.")
        else:
            rows = view.adjoint_rows(trace_backward(root, grad, view.graph))
            note = FREED_NOTE if view.graph.freed else None
    elif view.graph.stale:
        note = stale_note(view.graph)
    if show_grads and not rows and not view.graph.stale:
        for i in view.shown:
            g = view.order[i]._grad
            if g is not None:
                label = view.adjoint_name(i) if view.textbook and i in view.vnum else "grad"
                rows[i] = view.value_rows(label, g.data)
    return view.render(rows, caption=note)



