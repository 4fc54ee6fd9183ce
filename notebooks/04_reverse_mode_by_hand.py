# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Reverse-mode differentiation by hand
#
# The worked example of the notes, $f(x, y) = xy - \log(1 + e^{xy})$ (eq. 2.9), is broken
# into seven instrumental variables $v_1, \dots, v_7$ (eq. 2.10). This notebook
#
# * builds that graph with the library at $(x, y) = (1.5, -0.5)$ and draws it with every
#   value and every adjoint $\bar v_i = \partial f / \partial v_i$;
# * replays the reverse sweep one edge at a time, as a sequence of drawings;
# * prints the library's line-by-line account of the chain rule;
# * checks every adjoint against the closed forms of eq. 2.11.

# %%
# ruff: noqa: E402
import warnings

warnings.simplefilter("error")  # a NumPy or graphviz warning fails the notebook...
warnings.filterwarnings("ignore", module="ipykernel")  # ...the kernel's own notices do not

import re

import numpy as np
from IPython.display import display

import autograd_mini as am

# %% [markdown]
# ## The forward pass: seven variables
#
# $$v_1 = x,\quad v_2 = y,\quad v_3 = v_1 v_2,\quad v_4 = e^{v_3},\quad v_5 = 1 + v_4,\quad
#   v_6 = \log v_5,\quad v_7 = v_3 - v_6 = f(x, y).$$
#
# Each line is one library operation, so the recorded graph has exactly these seven
# variables (the constant 1 is not a variable: nothing is differentiated with respect to it).
# `retain_grad` asks the library to keep the adjoint of the intermediate variables too, not
# only of the inputs.


# %%
def build(x0, y0):
    v1 = am.Tensor(x0, requires_grad=True, name="x")
    v2 = am.Tensor(y0, requires_grad=True, name="y")
    v3 = v1 * v2
    v4 = am.exp(v3)
    v5 = 1 + v4
    v6 = am.log(v5)
    v7 = v3 - v6
    return [v1, v2, v3, v4, v5, v6, v7]


x0, y0 = 1.5, -0.5
v = build(x0, y0)
values = np.array([t.item() for t in v])
expected_values = [x0, y0, x0 * y0, np.exp(x0 * y0), 1 + np.exp(x0 * y0),
                   np.log1p(np.exp(x0 * y0)), x0 * y0 - np.log1p(np.exp(x0 * y0))]
assert np.allclose(values, expected_values, rtol=1e-15, atol=0)
for i, val in enumerate(values, start=1):
    print(f"v{i} = {val: .6f}")

# %% [markdown]
# ## The reverse pass: adjoints
#
# The adjoint of a variable collects what each of its children sends back,
# $\bar v_i = \sum_{j \in \mathrm{ch}(i)} \bar v_j\, \partial v_j / \partial v_i$, starting
# from $\bar v_7 = 1$. Working it out once by hand (eq. 2.11):
#
# $$\bar v_7 = 1,\quad \bar v_6 = -1,\quad \bar v_5 = \bar v_4 = -\frac{1}{v_5},\quad
#   \bar v_3 = 1 - \frac{e^{v_3}}{v_5},\quad
#   \bar v_2 = \Bigl(1 - \frac{e^{v_3}}{v_5}\Bigr) v_1,\quad
#   \bar v_1 = \Bigl(1 - \frac{e^{v_3}}{v_5}\Bigr) v_2 .$$
#
# $v_3$ is the one variable with two children ($v_4$ and $v_7$), so its adjoint is a sum of
# two contributions: $1$ straight from $v_7$, and $-e^{v_3}/v_5$ through $v_4$. Since
# $e^{v_3}/v_5 = \sigma(xy)$, the gradient is
# $\nabla f = \bigl((1 - \sigma(xy))\,y,\; (1 - \sigma(xy))\,x\bigr)$.


# %%
def closed_form_adjoints(x0, y0):
    """Eq. 2.11, from the values of the instrumental variables only."""
    v1, v2 = x0, y0
    v3 = v1 * v2
    v5 = 1 + np.exp(v3)
    r = 1 - np.exp(v3) / v5
    return np.array([r * v2, r * v1, r, -1 / v5, -1 / v5, -1.0, 1.0])


def library_adjoints(x0, y0):
    v = build(x0, y0)
    for t in v[2:6]:
        t.retain_grad()
    v[6].backward()
    return np.array([1.0 if t is v[6] else t.grad.item() for t in v]), v


for point in [(1.5, -0.5), (0.3, 2.0), (-2.0, -1.25), (3.0, 4.0)]:
    lib, _ = library_adjoints(*point)
    ref = closed_form_adjoints(*point)
    assert np.allclose(lib, ref, rtol=1e-12, atol=1e-15), (point, lib, ref)

adjoints, _ = library_adjoints(x0, y0)
sigma = 1 / (1 + np.exp(-x0 * y0))
assert np.isclose(adjoints[0], (1 - sigma) * y0, rtol=1e-12)
assert np.isclose(adjoints[1], (1 - sigma) * x0, rtol=1e-12)
for i, a in enumerate(adjoints, start=1):
    print(f"adjoint of v{i} = {a: .6f}")
print(f"grad f(1.5, -0.5) = ({adjoints[0]:.6f}, {adjoints[1]:.6f})")
assert am.gradcheck(lambda x, y: x * y - am.log(1 + am.exp(x * y)), [x0, y0])

# %% [markdown]
# ## The graph with values and adjoints
#
# `draw_graph(..., textbook=True)` numbers the variables $v_1, \dots, v_7$ in topological
# order (the order of eq. 2.10) and writes each adjoint as $\bar v_i$. Blue boxes are the
# inputs, the green box is the output, grey ellipses are the operations; the numbers on the
# arrows into `sub` say which argument is which ($v_3 - v_6$, not $v_6 - v_3$). The drawing
# computes the adjoints with its own reverse sweep, without touching `.grad` and without
# freeing the graph.

# %%
v = build(x0, y0)
graph = am.draw_graph(v[6], textbook=True)
src = graph.source
for i in range(1, 8):
    assert f"<B>v{i}</B>" in src, f"v{i} is not drawn"
# each adjoint appears in the drawing with 4 significant digits
ref = closed_form_adjoints(x0, y0)
for i, a in enumerate(ref, start=1):
    shown = re.search(rf"v\u0304{i}</TD><TD ALIGN=\"RIGHT\">([^<]+)<", src)
    assert shown is not None, f"no adjoint drawn for v{i}"
    assert abs(float(shown.group(1)) - a) <= 5e-4 * max(1.0, abs(a)), (i, shown.group(1), a)
display(graph)

# %% [markdown]
# ## The sweep, one edge at a time
#
# `backprop_steps` yields a drawing for every contribution
# $\bar v_j\,\partial v_j/\partial v_i$ sent along an edge: first the seed $\bar v_7 = 1$,
# then one frame per edge that carries a gradient, and finally the finished graph. Adjoints
# not known yet show as `?`; an adjoint still waiting for some of its children is marked
# *partial* (that happens to $\bar v_3$, which hears from $v_7$ first and from $v_4$ later).
#
# The graph has seven gradient-carrying edges — $v_7 \to v_3$, $v_7 \to v_6$,
# $v_6 \to v_5$, $v_5 \to v_4$, $v_4 \to v_3$, $v_3 \to v_1$, $v_3 \to v_2$ — so there are
# $7 + 2 = 9$ frames.

# %%
frames = list(am.backprop_steps(v[6], textbook=True))


def count_gradient_edges(root):
    """Edges child <- parent where the parent needs a gradient, found by walking the nodes.

    A node's parents are the nodes that made its inputs, or the input tensors themselves for
    leaves (x, y and constants)."""
    seen, stack, edges = set(), [root.grad_fn], 0
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for p in node.parents:
            if p.requires_grad:
                edges += 1
                if isinstance(p, am.Node):
                    stack.append(p)
    return edges


n_edges = count_gradient_edges(v[6])
assert n_edges == 7
assert len(frames) == n_edges + 2 == 9


def caption(frame):
    found = re.search(r"label=<<FONT POINT-SIZE=\"10\">(.*?)</FONT>>", frame.source)
    return found.group(1) if found else None


captions = [caption(f) for f in frames]
for c in captions:
    print(c)
assert captions[0] == "step 0 of 7: seed v\u03047 = 1"
assert captions[5].startswith("step 5 of 7: v\u03043 += v\u03044")  # the second half of v̄3
assert float(captions[5].rsplit("=", 1)[1]) == round(-np.exp(-0.75) / (1 + np.exp(-0.75)), 4)
assert captions[-1] is None                       # the last frame is the finished graph
assert frames[-1].source == src                   # ... identical to draw_graph's drawing
assert "(partial)" in frames[1].source and "(partial)" not in frames[5].source
# grouped by node instead of by edge: seed, one frame for each of the 5 operations, final
assert len(list(am.backprop_steps(v[6], textbook=True, by="node"))) == 5 + 2

# %% [markdown]
# The seed, the first contribution to $\bar v_3$ (still partial), the second one that
# completes it, and the last edge:

# %%
for k in (0, 1, 5, 7):
    print(captions[k])
    display(frames[k])

# %% [markdown]
# ## The chain rule, written out
#
# `explain_backward` prints the same sweep as text: for every variable, in reverse
# topological order, its value, its adjoint as the sum of what its children sent, and for
# each input the local derivative and the product that is sent back. It is a line-by-line
# check of a derivation done on paper.

# %%
trace = am.explain_backward(v[6])
print(trace)

# the v3 block must show the two contributions 1 and -e^{v3}/v5 and their sum
v3_val, v5_val = values[2], values[4]
through_v4 = -np.exp(v3_val) / v5_val
expected_line = f"v\u03043 = 1 \u2212 {-through_v4:.6g} = {1 + through_v4:.6g}   (from v7, v4)"
assert expected_line in trace, expected_line
# the local derivative of v6 = log v5 is 1 / v5
assert f"\u2202v6/\u2202v5 = {1 / v5_val:.6g}" in trace
assert f"v\u03041 = {ref[0]:.6g}" in trace and f"v\u03042 = {ref[1]:.6g}" in trace

# %% [markdown]
# ## After `backward()`, and as an animation
#
# The usual order works as well: call `backward()` first and draw afterwards. `backward()`
# frees the values the graph saved, but its structure stays; the drawing recomputes the
# values and the adjoints from the leaves, so they are the same numbers as before (and
# `.grad` is not touched). `save_frames` writes the frames of the sweep as one
# self-contained HTML page (the drawings inline, a slider and play/pause; it opens offline)
# or, for a file name ending in `.gif`, an animated GIF; `frames_widget` shows the same
# step-through viewer right here.

# %%
import tempfile
from pathlib import Path

f = v[6]
f.backward()
after = am.draw_graph(f, textbook=True).source
for i, a in enumerate(ref, start=1):
    shown = re.search(rf"v\u0304{i}</TD><TD ALIGN=\"RIGHT\">([^<]+)<", after)
    assert shown is not None, f"no adjoint drawn for v{i} after backward()"
    assert abs(float(shown.group(1)) - a) <= 5e-4 * max(1.0, abs(a)), (i, shown.group(1), a)
assert am.explain_backward(f) == trace  # the same account of the chain rule

with tempfile.TemporaryDirectory() as tmp:
    page = am.viz.save_frames(f, Path(tmp) / "backprop.html", textbook=True)
    html = page.read_text(encoding="utf-8")
n_frames = html.count('class="amf-frame"')
print(f"{page.name}: {len(html):,} characters, {n_frames} frames")
assert n_frames == len(frames) == 9
assert "http" not in html and "src=" not in html  # nothing outside the file is referenced
viewer = am.viz.frames_widget(f, textbook=True)
assert len(viewer) == 9
display(viewer)

# %% [markdown]
# ## Why reverse mode
#
# One forward pass stored the seven values; one backward pass produced the adjoint of every
# variable, hence the whole gradient $(\bar v_1, \bar v_2)$, using only the derivatives of
# the elementary operations (product, exponential, sum, logarithm, difference). The cost of
# the backward pass is a small multiple of the forward pass whatever the number of inputs —
# notebook 7 measures that against finite differences.
