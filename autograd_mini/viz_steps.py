"""Step through backprop: one drawing of the DAG per adjoint contribution (``backprop_steps``),
and those frames as an animation (``save_frames``: one self-contained HTML page or a GIF;
``frames_widget``: a step-through viewer in Jupyter)."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .explain import BAR, BackwardTrace, stale_note, trace_backward
from .tensor import Tensor
from .viz_labels import Names, esc, format_array
from .viz_view import FREED_NOTE, HOT, WARM, Rows, View, font_color

if TYPE_CHECKING:
    import graphviz

__all__ = ["FramesView", "backprop_steps", "frames_widget", "save_frames"]


def backprop_steps(
    root: Tensor,
    *,
    by: str = "edge",
    grad: Any = None,
    names: Names = None,
    textbook: bool = False,
    show_values: bool = True,
    rankdir: str = "LR",
    precision: int = 4,
    max_nodes: int | None = 1000,
    show_constants: bool = True,
    forward: Tensor | None = None,
    max_frames: int | None = 500,
) -> Iterator[graphviz.Digraph]:
    """Frames of the backward pass: one drawing per contribution sent along an edge.

    Frame 0 shows the seed; each following frame highlights the edge that just passed
    ``v̄child · ∂child/∂parent`` (or, with ``by="node"``, all edges of one node), with adjoints
    still unknown shown as ``?`` and partial sums marked. The last frame equals
    ``draw_graph(root, ...)`` with the same options. With all edges drawn there are
    ``number of gradient-carrying edges + 2`` frames (``by="edge"``). After a plain
    ``backward()`` the frames are the same (recomputed from the leaves); if a leaf changed
    since the forward pass there is one frame, whose caption says so. More than
    ``max_frames`` frames (each a drawing of the whole graph) is refused before any is
    drawn; pass ``max_frames=None`` to allow any number.
    """
    where = "backprop_steps"
    if not isinstance(root, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(root).__name__}")
    if not isinstance(by, str) or by not in ("edge", "node"):
        raise ValueError(f"{where}: by must be 'edge' or 'node', got {by!r}")
    if max_frames is not None and (type(max_frames) is not int or max_frames < 1):
        raise ValueError(f"{where}: max_frames must be a positive int or None, got "
                         f"{max_frames!r:.60}")
    view = View(root, names, textbook, show_values, rankdir, precision, max_nodes, show_constants,
                 forward)
    if root.requires_grad and view.graph.stale:
        return iter([view.render({}, caption=stale_note(view.graph))])
    trace = trace_backward(root, grad, view.graph)
    count = _count_steps(view, trace, by) + 2
    if max_frames is not None and count > max_frames:
        raise ValueError(f"{where}: the backward pass of this graph takes {count} frames "
                         f"(one per {by} carrying a gradient), more than max_frames="
                         f"{max_frames}, each a drawing of the whole graph: draw a smaller "
                         "graph, pass by='node', or max_frames=None")
    return _frames(view, trace, by)


def _count_steps(view: View, trace: BackwardTrace, by: str) -> int:
    """The frames ``_frames`` draws between the seed and the last: one per edge drawn that
    carries a gradient (``by="edge"``), or per node that sends one along a drawn edge."""
    if by == "edge":
        return len({id(c) for s in trace.steps for c in s.sent
                    if c.parent in view.shown and c.child in view.shown})
    return sum(1 for s in trace.steps if any(c.parent in view.shown for c in s.sent)
               and s.node in view.shown)


def _adj(view: View, i: int) -> str:
    """The adjoint's name in a caption: v̄3 in textbook mode, else ∂f/∂name (f the output)."""
    if view.textbook:
        return f"v{BAR}{view.vnum[i]}"
    return f"∂{view.short(len(view.order) - 1)}/∂{view.short(i)}"


def _frames(view: View, trace: BackwardTrace, by: str) -> Iterator[graphviz.Digraph]:
    last = len(view.order) - 1
    expected = [len(r) for r in trace.received]
    got = [0] * len(view.order)
    partial: list[np.ndarray | None] = [None] * len(view.order)
    partial[last] = trace.adjoints[last]
    visible = {id(c) for s in trace.steps for c in s.sent
               if c.parent in view.shown and c.child in view.shown}
    total = _count_steps(view, trace, by)

    def rows(fresh: set[int]) -> dict[int, Rows]:
        out: dict[int, Rows] = {}
        for i in view.shown:
            if i not in view.vnum:
                continue
            name = view.adjoint_name(i)
            p = partial[i]
            if p is None:
                out[i] = [(font_color(name, "#9ca3af"), font_color("?", "#9ca3af"))]
            elif i != last and got[i] < expected[i]:
                color = HOT if i in fresh else WARM
                out[i] = view.value_rows(f"{name} (partial)", p, color)
            else:
                out[i] = view.value_rows(name, p, HOT if i in fresh else None)
        return out

    seed = " ".join(format_array(trace.adjoints[last], view.precision))
    yield view.render(rows(set()), caption=f"step 0 of {total}: seed {_adj(view, last)} = {seed}")
    n = 0
    for step in trace.steps:
        hot: dict[tuple[int, int, int], str] = {}
        fresh: set[int] = set()
        for c in step.sent:
            prev = partial[c.parent]
            partial[c.parent] = c.value if prev is None else prev + c.value
            got[c.parent] += 1
            if id(c) not in visible:
                continue
            lines = format_array(c.value, view.precision)
            hot[(c.parent, c.child, c.arg)] = "<" + "<BR/>".join(esc(s) for s in lines) + ">"
            fresh.add(c.parent)
            if by == "edge":
                n += 1
                child, parent = view.short(c.child), view.short(c.parent)
                caption = (f"step {n} of {total}: {_adj(view, c.parent)} += "
                           f"{_adj(view, c.child)} · ∂{child}/∂{parent} = {' '.join(lines)}")
                yield view.render(rows(fresh), hot, caption)
                hot, fresh = {}, set()
        if by == "node" and hot:
            n += 1
            caption = f"step {n} of {total}: {view.short(step.node)} sends its adjoint back"
            yield view.render(rows(fresh), hot, caption)
    yield view.render(view.adjoint_rows(trace), caption=FREED_NOTE if view.graph.freed else None)


# ----------------------------------------------------------------------------- animation
_JS = """(function(){var r=document.getElementById("%s"),f=r.querySelectorAll(".amf-frame"),
s=r.querySelector(".amf-slider"),b=r.querySelector(".amf-play"),c=r.querySelector(".amf-count"),
t=null;function show(i){for(var k=0;k<f.length;k++)f[k].style.display=k==i?"":"none";
s.value=i;c.textContent=(i+1)+" / "+f.length;}
function stop(){clearInterval(t);t=null;b.textContent="\\u25B6 play";}
function step(d){stop();show(Math.min(f.length-1,Math.max(0,+s.value+d)));}
s.oninput=function(){stop();show(+s.value);};
r.querySelector(".amf-prev").onclick=function(){step(-1);};
r.querySelector(".amf-next").onclick=function(){step(1);};
b.onclick=function(){if(t){stop();return;}if(+s.value==f.length-1)show(0);
b.textContent="\\u275A\\u275A pause";t=setInterval(function(){show(+s.value+1);
if(+s.value==f.length-1)stop();},%d);};show(0);})();"""


_VIEWERS = itertools.count()


def _svg(graph: graphviz.Digraph, where: str = "save_frames") -> str:
    """One frame as inline SVG: ``dot -Tsvg`` without the XML prolog, DOCTYPE, comments and
    namespace URLs (inline SVG in HTML needs none), so the page refers to nothing outside."""
    import graphviz

    try:
        svg = graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise RuntimeError(f"{where}: rendering the frames needs Graphviz's 'dot' program "
                           "on PATH (install Graphviz)") from None
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(?::\w+)?="[^"]*"', "", svg)
    # a label may contain a URL-like name: an entity keeps it from looking like a reference
    svg = re.sub(r"(?i)\bsrc=", "src&#61;", svg)
    return re.sub(r"(?i)http", "h&#116;tp", svg)


class FramesView:
    """The frames of ``backprop_steps`` as inline SVG with a slider and play/pause: shows
    itself in Jupyter (``_repr_html_``), ``html()`` gives a self-contained page."""

    def __init__(self, frames: list[str], interval: int = 900) -> None:
        self.frames = frames
        self.interval = interval
        # unique per viewer: a notebook may show the same frames twice, each with its own slider
        digest = hashlib.sha1("".join(frames).encode("utf-8")).hexdigest()[:10]
        self.id = f"amf-{digest}-{next(_VIEWERS)}"

    def __len__(self) -> int:
        return len(self.frames)

    def _repr_html_(self) -> str:
        n = len(self.frames)
        parts = [
            f'<div class="amf" id="{self.id}" style="font-family:Helvetica,sans-serif">',
            '<div style="margin:4px 0"><button class="amf-prev">&#9664;</button> '
            '<button class="amf-play">&#9654; play</button> '
            '<button class="amf-next">&#9654;&#9654;</button> '
            f'<input class="amf-slider" type="range" min="0" max="{n - 1}" value="0" '
            f'style="width:50%;vertical-align:middle"> <span class="amf-count">1 / {n}</span>'
            "</div>",
        ]
        for k, svg in enumerate(self.frames):
            hide = ' style="display:none"' if k else ""
            parts.append(f'<div class="amf-frame"{hide}>{svg}</div>')
        parts.append(f"</div><script>{_JS % (self.id, self.interval)}</script>")
        return "\n".join(parts)

    def html(self, title: str = "backprop, step by step") -> str:
        """A self-contained HTML page: the frames inline, no reference to any other file."""
        return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{esc(title)}'
                f"</title></head><body>\n{self._repr_html_()}\n</body></html>\n")


def frames_widget(root: Tensor, *, interval: int = 900, **options: Any) -> FramesView:
    """A step-through viewer of ``backprop_steps(root, **options)`` for Jupyter: one SVG frame
    per step (rendered by Graphviz's dot), a slider, previous/next and play/pause
    (``interval`` milliseconds a frame)."""
    return _widget(root, interval, "frames_widget", options)


def _widget(root: Tensor, interval: int, where: str, options: dict[str, Any]) -> FramesView:
    """``frames_widget``, its errors naming ``where`` (``save_frames`` uses it too)."""
    if type(interval) is not int or interval < 1:
        raise ValueError(f"{where}: interval must be a positive int (ms), got {interval!r}")
    return FramesView([_svg(g, where) for g in _steps(root, where, options)], interval)


def _steps(root: Tensor, where: str, options: dict[str, Any]) -> Iterator[graphviz.Digraph]:
    """``backprop_steps(root, **options)``, a refusal of its arguments naming ``where``."""
    try:
        return backprop_steps(root, **options)
    except (TypeError, ValueError) as exc:
        text = str(exc)
        if not text.startswith("backprop_steps: "):
            raise
        raise type(exc)(where + text[len("backprop_steps"):]) from None


def save_frames(root: Tensor, path: str | os.PathLike[str], *, interval: int = 900,
                **options: Any) -> Path:
    """Write the frames of ``backprop_steps(root, **options)`` to ``path``: a ``.html`` page
    (one self-contained file: SVG frames inline, slider and play/pause, no network access) or
    a ``.gif`` animation (needs Pillow; ``interval`` ms a frame). Returns the path."""
    out = Path(path)
    kind = out.suffix.lower()
    if kind not in (".html", ".htm", ".gif"):
        raise ValueError(f"save_frames: cannot tell the format of {str(out)!r}: use a file "
                         "name ending in .html or .gif")
    if not out.parent.is_dir():  # before rendering every frame
        raise FileNotFoundError(f"save_frames: the folder of {str(out)!r} does not exist")
    if kind == ".gif":
        try:
            from PIL import Image
        except ImportError:
            raise ImportError("save_frames: writing a .gif needs Pillow (pip install pillow); "
                              "write a .html file instead") from None
        if type(interval) is not int or interval < 1:
            raise ValueError(f"save_frames: interval must be a positive int (ms), got "
                             f"{interval!r}")
        images = [Image.open(io.BytesIO(_png(g))).convert("RGB")
                  for g in _steps(root, "save_frames", options)]
        w, h = max(i.width for i in images), max(i.height for i in images)
        frames = []
        for im in images:  # frames differ in size: pad each onto a white canvas
            canvas = Image.new("RGB", (w, h), "white")
            canvas.paste(im, (0, 0))
            frames.append(canvas)
        frames[0].save(out, save_all=True, append_images=frames[1:], duration=interval,
                       loop=0)
        return out
    page = _widget(root, interval, "save_frames", options).html()
    out.write_text(page, encoding="utf-8")
    return out


def _png(graph: graphviz.Digraph, where: str = "save_frames") -> bytes:
    import graphviz

    try:
        data: bytes = graph.pipe(format="png")
    except graphviz.ExecutableNotFound:
        raise RuntimeError(f"{where}: rendering the frames needs Graphviz's 'dot' program "
                           "on PATH (install Graphviz)") from None
    return data
