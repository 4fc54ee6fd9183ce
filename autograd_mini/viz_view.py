"""The drawing machinery shared by ``draw_graph`` (viz.py) and the backprop frames
(viz_steps.py): ``View`` lays a graph's vertices out as Graphviz nodes with values, adjoints,
collapsed modules and captions."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

from .explain import BAR, BackwardTrace
from .graphview import VJP_SCOPE, collapse, graph_view, per_call, vertex_key, vjp_positions
from .tensor import Tensor
from .viz_labels import (
    STYLES,
    Names,
    check_options,
    dot_attrs,
    esc,
    format_array,
    format_constant,
    format_shape,
    html_table,
    module_label,
    name_map,
    op_caption,
)

if TYPE_CHECKING:
    import graphviz

__all__ = ["AUTO_NODES", "FREED_NOTE", "HOT", "PENALTY", "WARM", "Rows", "View", "font_color"]

#: draw_graph's "auto" defaults collapse module scopes (depth=1) and lay the graph out top to
#: bottom when it would draw more than this many nodes (tensors and ops)
AUTO_NODES = 40
#: nodes (tensors and ops) beyond which dot's network simplex is bounded (nslimit): a loss summed
#: over 100 terms in a Python loop, about 1,300 nodes, took dot 7 minutes, 3 seconds bounded.
SIMPLEX_NODES = 300
#: in a drawing of more than AUTO_NODES nodes, a leaf used by more than this many ops (a weight
#: reused at every step of a loop) is drawn in full at its first use and as a small reference
#: at the others: edges from it to every step crossed the whole picture, and dot's placement
#: of those long edges took minutes on its own (a 100-step loop: 57 s, 0.3 s with references)
REFERENCE_USES = 3
#: with a labelled edge (a backprop frame's highlighted contribution) dot doubles its ranks, so
#: frames are bounded from this many nodes on (a 160-node frame took a minute, 1 s bounded)
LABELLED_SIMPLEX_NODES = 60
#: the title of the node a parameters-only term (a regulariser) collapses into
PENALTY = "regulariser"
_COMMUTATIVE = frozenset({"add", "mul", "maximum", "minimum"})
_GREY, HOT, WARM, _VIOLET = "#6b7280", "#dc2626", "#c2410c", "#6d28d9"
FREED_NOTE = (
    "backward() has freed this graph's saved values: the values and adjoints shown are "
    "recomputed from the leaves (the same numbers as before backward)."
)

Rows = list[tuple[str, str]]
_STYLE_TEXT = {k: dot_attrs(v)[2:-1] for k, v in {
    **STYLES,
    "op": {**STYLES["op"], "ordering": "in"},
    "hot_op": {**STYLES["op"], "ordering": "in", "color": HOT},
    "vjp_op": {**STYLES["vjp_op"], "ordering": "in"},
    "hot_vjp_op": {**STYLES["vjp_op"], "ordering": "in", "color": HOT},
    "inline": {**STYLES["constant"], "width": "0.3", "height": "0.25", "margin": "0.04"},
    # a further use of a leaf drawn in full elsewhere (see REFERENCE_USES), in its kind's colours
    **{f"reference_{kind}": {"shape": "box", "style": "rounded,filled,dashed", "fontsize": "9",
                             "margin": "0.04", "height": "0.25",
                             "fillcolor": STYLES[kind]["fillcolor"], "color": STYLES[kind]["color"]}
       for kind in ("leaf", "parameter", "constant")},
}.items()}
#: ops through which a regulariser's number reaches the loss (added, not multiplied in)
_ADDITIVE = frozenset({"add", "sub", "sum", "mean", "neg"})
_UNORDERED = {k: v.replace(' ordering="in"', "") for k, v in _STYLE_TEXT.items()}


def font_color(text: str, color: str | None) -> str:
    return f'<FONT COLOR="{color}">{text}</FONT>' if color else text


class View:
    """What is drawn: tensors by topological position, their kinds, names, scopes and edges."""

    def __init__(
        self, root: Tensor, names: Names, textbook: bool, show_values: bool, rankdir: str,
        precision: int, max_nodes: int | None, show_constants: bool,
        forward: Tensor | None = None, depth: int | str | None = None,
    ) -> None:
        if not isinstance(root, Tensor):
            raise TypeError(f"draw_graph: expected a Tensor, got {type(root).__name__}")
        if forward is not None and not isinstance(forward, Tensor):
            raise TypeError(f"draw_graph: forward must be a Tensor (the output of the forward "
                            f"pass) or None, got {type(forward).__name__}")
        check_options(textbook=textbook, show_values=show_values, show_constants=show_constants,
                      rankdir=rankdir, precision=precision, max_nodes=max_nodes, depth=depth)
        self.textbook, self.show_values = textbook, show_values
        self.precision = precision
        self.given = name_map(names)
        self.graph = graph_view(root)
        self.adjoints: list[np.ndarray | None] | None = None  # (set by adjoint_rows)
        self.order = order = self.graph.order
        self.inputs = self.graph.inputs
        self.call_names = self._call_names()
        self.vnum: dict[int, int] = {}
        cnum: dict[int, int] = {}
        for i, t in enumerate(order):
            if t._rg:
                self.vnum[i] = len(self.vnum) + 1
            else:
                cnum[i] = len(cnum) + 1
        self.cnum = cnum
        last = len(order) - 1
        # unnamed one-number constants (the 1 in 1 + e^x) are drawn once per use, inline
        self.inline = {i for i in cnum if i != last and order[i].data.size == 1
                       and order[i]._node is None and self.user_name(i) is None}
        self.show_constants = show_constants
        self.shown = self._select(max_nodes, show_constants)
        self.hidden = sum(1 for i, t in enumerate(order) if i not in self.shown
                          and i not in self.inline and (show_constants or t._rg))
        self.vjp = vjp_positions(order, forward)
        self.nodes = len(self.shown) + sum(1 for i in self.shown if order[i]._node)  # and ops
        large = self.nodes > AUTO_NODES
        # inputs kept in argument order (ordering="in") on small graphs only: on large ones with
        # a wide fan-out it makes dot's layout take minutes (the inputs are numbered anyway)
        self.ordered = not large
        self.depth: int | None = (1 if large else None) if isinstance(depth, str) else depth
        self.rankdir = ("TB" if large else "LR") if rankdir == "auto" else rankdir
        self.penalty = self._penalty()
        self.scope = self._scopes()
        if isinstance(depth, str) and large and any(self.scope.values()) and all(
                len(path) <= 1 for path in self.scope.values()):
            # modules called side by side, no model around them (an LSTM, then a Linear head):
            # depth 1 would collapse nothing, so each is one box
            self.depth = 0
            self.penalty = self._penalty()
            self.scope = self._scopes()
        self.groups, self.group = collapse(order, self.shown, self.scope, self.depth)
        self.penalty_group: int | None = None
        if self.penalty:
            self.penalty_group = len(self.groups)
            self.groups.append((PENALTY,))
            for i in self.penalty:
                self.group[i] = self.penalty_group

    def _src(self, j: int) -> str:
        """The DOT node an edge from tensor ``j`` starts at: its module's node when collapsed."""
        g = self.group.get(j)
        return f"t{j}" if g is None else f"g{g}"

    def _module_label(self, g: int, grad_rows: dict[int, Rows]) -> str:
        """A collapsed module: what it is (``Linear(16→16)``), its scope name, output shape and
        parameters' gradient norm; the regulariser node also shows its value and adjoint."""
        members = sorted(i for i, n in self.group.items() if n == g)
        last = len(self.order) - 1
        used = {j for i in self.shown if self.group.get(i) != g for j in self.inputs[i]}
        ops = [i for i in members if self.order[i]._node is not None] or members
        outs = [i for i in ops if i in used or i == last] or ops[-1:]
        # a module's parameters: those it holds and those its ops read (a weight tied to
        # another module's is drawn once, but is this module's too); the regulariser's: its own
        reads = g != self.penalty_group
        params = sorted({j for i in members for j in (i, *(self.inputs[i] if reads else ()))
                         if self._is_param(j)})
        # a parameter max_nodes left out would be missing from the norm: then none is shown
        cut = any(j not in self.shown for j in params)
        if self.adjoints is not None:  # the drawn output's adjoints, as on the variables
            norm_label, known = "‖adjoint‖", True  # (None: no path to the output, 0)
            arrays = [self.adjoints[j] for j in params]
        else:  # stored .grad (no adjoints computed): all of them, or no norm
            stored = [self.order[j]._grad for j in params]
            arrays = [None if t is None else t.data for t in stored]
            norm_label, known = "‖grad‖", all(a is not None for a in arrays)
        norm = None
        if params and known and not cut and not self.graph.stale:
            norm = float(np.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64)))
                                     for a in arrays if a is not None)))
        shapes = [self.order[i].shape for i in outs[-2:]]
        if g == self.penalty_group:
            rows: Rows = []
            if self.show_values and len(outs) == 1:
                rows = self.value_rows("value", self.order[outs[0]].data)
                rows += grad_rows.get(outs[0], [])
            return module_label(PENALTY, f"{len(ops)} ops on parameters", shapes, norm,
                                self.precision, rows, norm_label)
        name = self.groups[g][-1]
        what = getattr(name, "module", None) or name
        return module_label(what, name if name != what else None, shapes, norm,
                            self.precision, norm_label=norm_label)

    def _call_names(self) -> dict[int, str]:
        """Leaf position -> the argument name a module call received it under (``input``):
        recorded by ``nn.Module`` on its name scope (``ScopeName.inputs``); outermost call wins."""
        names: dict[int, str] = {}
        for i, t in enumerate(self.order):
            node = t._node
            if node is None:
                continue
            for s in node.scope:
                called: dict[int, str] | None = getattr(s, "inputs", None)
                if not called:
                    continue
                for j in self.inputs[i]:
                    p = self.order[j]
                    if j not in names and p._node is None and id(p) in called:
                        names[j] = called[id(p)]
        return names

    def _op_name(self, i: int) -> str | None:
        node = self.order[i]._node
        return None if node is None else node.op.name

    def _is_param(self, j: int) -> bool:
        t = self.order[j]
        return t._node is None and t._rg and (type(t) is not Tensor or self.kind(j) == "parameter")

    def _penalty(self) -> set[int]:
        """When collapsing: the ops outside every collapsed module that read only parameters
        and single numbers and hand only single numbers on (a regulariser such as λ·Σ‖p‖²),
        with the leaves only they read, drawn as one node. Empty when fewer than two ops, and
        when no module is collapsed: without a model beside it, such a term is the whole
        computation (a function of the parameters alone), drawn op by op."""
        depth, order, last = self.depth, self.order, len(self.order) - 1
        nodes = [order[i]._node for i in self.shown]
        if depth is None or not any(
                n is not None and len([s for s in n.scope if s != VJP_SCOPE]) > depth
                for n in nodes):
            return set()
        ops: set[int] = set()
        for i in sorted(self.shown):
            node = order[i]._node
            if node is None or i == last or i in self.vjp:
                continue
            if len([s for s in node.scope if s != VJP_SCOPE]) > depth:
                continue
            ins = self.inputs[i]
            if all(j in ops or self._is_param(j) or ((
                    j in self.shown or j in self.inline) and order[j]._node is None
                    and not order[j]._rg and order[j].data.size == 1) for j in ins) \
                    and any(j in ops or self._is_param(j) for j in ins):
                ops.add(i)
        readers: dict[int, set[int]] = {}
        for i in self.shown:
            for j in self.inputs[i]:
                readers.setdefault(j, set()).add(i)
        # a term of the loss, not a computed weight the model reads: what leaves it is one
        # number, added into the loss (a learned scale multiplying the model's output is not)
        changed = True
        while changed:
            out = {i for i in ops if not readers[i] <= ops and (
                order[i].data.size != 1 or any(
                    self._op_name(r) not in _ADDITIVE for r in readers[i] - ops))}
            ops -= out
            changed = bool(out)
        if len(ops) < 2:
            return set()
        leaves = {j for i in ops for j in self.inputs[i]
                  if j in self.shown and order[j]._node is None and readers[j] <= ops}
        return ops | leaves

    def _select(self, max_nodes: int | None, show_constants: bool) -> set[int]:
        """Breadth-first from the output: the ``max_nodes`` tensors nearest to it."""
        order, last = self.order, len(self.order) - 1
        keep = {last}
        queue = deque([last])
        while queue and (max_nodes is None or len(keep) < max_nodes):
            for j in self.inputs[queue.popleft()]:
                p = order[j]
                if j in keep or j in self.inline or (not show_constants and not p._rg):
                    continue
                keep.add(j)
                queue.append(j)
                if max_nodes is not None and len(keep) >= max_nodes:
                    break
        return keep

    def _scopes(self) -> dict[int, tuple[str, ...]]:
        """Each drawn tensor's name-scope path; parameters and constants join their consumers'."""
        scope: dict[int, tuple[str, ...]] = {}
        shared: dict[int, tuple[str, ...]] = {}
        calls: dict[tuple[str, ...], Any] = {}
        for i in sorted(self.shown):
            node = self.order[i]._node
            if node is None:
                continue
            scope[i] = per_call(tuple(s for s in node.scope if s != VJP_SCOPE), calls)
            if i in self.penalty:  # a regulariser's reading of parameters leaves them in place
                continue
            for j in self.inputs[i]:
                if j not in shared:
                    shared[j] = scope[i]
                else:
                    a, n = shared[j], 0
                    while n < min(len(a), len(scope[i])) and a[n] == scope[i][n]:
                        n += 1
                    shared[j] = a[:n]
        for i in self.shown:
            if i not in scope:
                k = self.kind(i)
                # collapsing: a module's parameters (nn.Parameter, a Tensor subclass) join it
                own = k == "leaf" and self.depth is not None and type(self.order[i]) is not Tensor
                scope[i] = shared.get(i, ()) if k in ("parameter", "constant") or own else ()
        return scope

    # ------------------------------------------------------------------ naming
    def kind(self, i: int) -> str:
        t = self.order[i]
        if i == len(self.order) - 1:
            return "output"
        if t._node is not None:
            return "intermediate"
        if not t._rg:
            return "constant"
        return "parameter" if vertex_key(t) in self.given else "leaf"

    def user_name(self, i: int) -> str | None:
        t = self.order[i]
        return self.given.get(vertex_key(t)) or t.name or self.call_names.get(i)

    def short(self, i: int) -> str:
        """Plain-text name used in captions: v-number in textbook mode, else the name."""
        if self.textbook and i in self.vnum:
            return f"v{self.vnum[i]}"
        name = self.user_name(i)
        if name:
            return name
        return f"v{self.vnum[i]}" if i in self.vnum else f"c{self.cnum[i]}"

    def adjoint_name(self, i: int) -> str:
        return f"v{BAR}{self.vnum[i]}" if self.textbook else "adjoint"

    def value_rows(self, left: str, value: Any, color: str | None = None) -> Rows:
        lines = [esc(s, limit=200) for s in format_array(value, self.precision)]
        rows = [(font_color(left, color), font_color(lines[0], color))]
        rows.extend(("", font_color(s, color)) for s in lines[1:])
        return rows

    # ------------------------------------------------------------------ output
    def _var_label(self, i: int, grad_rows: Rows) -> str:
        t = self.order[i]
        name = self.user_name(i)
        if self.textbook and i in self.vnum:
            head = f"<B>v{self.vnum[i]}</B>" + (f" <I>{esc(name)}</I>" if name else "")
        else:
            head = f"<B>{esc(self.short(i))}</B>"
        meta = f'<FONT COLOR="{_GREY}" POINT-SIZE="9">{format_shape(t.shape)} {t.dtype.name}</FONT>'
        rows: Rows = [(head, meta)]
        if self.show_values:
            rows += self.value_rows("value", t.data)
        return html_table(rows + grad_rows)

    def render(
        self,
        grad_rows: dict[int, Rows],
        hot: dict[tuple[int, int, int], str] | None = None,
        caption: str | None = None,
    ) -> graphviz.Digraph:
        """The DOT graph; ``hot`` maps (parent, child, arg) edges to highlighted edge labels."""
        import graphviz

        hot = hot or {}
        uses: dict[int, int] = {}  # a leaf's uses drawn so far (see REFERENCE_USES)
        if self.nodes > AUTO_NODES:
            for i in self.shown:
                for j in self.inputs[i] if i not in self.group else ():
                    if self.order[j]._node is None and j in self.shown and j not in self.group:
                        uses[j] = uses.get(j, 0) + 1
            uses = {j: 0 for j, n in uses.items() if n > REFERENCE_USES}
        by_scope: dict[tuple[str, ...], list[str]] = {}
        children: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        cluster: dict[tuple[str, ...], int] = {}
        edges: list[str] = []
        seen: set[str] = set()
        for i in sorted(self.shown):
            t, path = self.order[i], self.scope[i]
            g = self.group.get(i)
            if g is not None:
                path = self.groups[g][:-1]
            for n in range(1, len(path) + 1):
                if path[:n] not in cluster:
                    cluster[path[:n]] = len(cluster)
                    children.setdefault(path[: n - 1], []).append(path[:n])
            lines = by_scope.setdefault(path, [])
            if g is not None:  # inside a collapsed module: only edges into it are drawn
                if f"g{g}" not in seen:
                    seen.add(f"g{g}")
                    style = "regulariser" if g == self.penalty_group else "module"
                    lines.append(f"\tg{g} [label={self._module_label(g, grad_rows)} "
                                 f"{_STYLE_TEXT[style]}]\n")
                for j in self.inputs[i]:
                    edge = f"\t{self._src(j)} -> g{g}\n"
                    if j in self.shown and self.group.get(j) != g and edge not in seen:
                        seen.add(edge)
                        edges.append(edge)
                continue
            label = self._var_label(i, grad_rows.get(i, []))
            kind = self.kind(i)
            kind = "vjp" if kind == "intermediate" and i in self.vjp else kind
            lines.append(f"\tt{i} [label={label} {_STYLE_TEXT[kind]}]\n")
            node = t._node
            if node is None:
                continue
            op_lines = op_caption(node.op.name, node.attrs)
            if i in self.vjp:
                op_lines.append(f'<FONT POINT-SIZE="8" COLOR="{_VIOLET}">vjp</FONT>')
            label = "<" + "<BR/>".join(op_lines) + ">"
            style = ("hot_" if any(k[1] == i for k in hot) else "") + (
                "vjp_op" if i in self.vjp else "op")
            style = _STYLE_TEXT[style] if self.ordered else _UNORDERED[style]
            lines.append(f"\top{i} [label={label} {style}]\n")
            ordered = len(self.inputs[i]) > 1 and node.op.name not in _COMMUTATIVE
            elided = False
            for k, j in enumerate(self.inputs[i]):
                p = self.order[j]
                if j in self.inline:
                    if self.show_constants:
                        label = f"<{esc(format_constant(p.data, self.precision))}>"
                        lines.append(f"\tk{i}_{k} [label={label} {_STYLE_TEXT['inline']}]\n")
                        ke = {"headlabel": str(k + 1)} if ordered else {}
                        edges.append(f"\tk{i}_{k} -> op{i}{dot_attrs(ke)}\n")
                    continue
                if j not in self.shown:
                    elided = elided or p._rg
                    continue
                e: dict[str, str] = {"headlabel": str(k + 1)} if ordered else {}
                if (j, i, k) in hot:
                    e.update(color=HOT, fontcolor=HOT, penwidth="2.2", label=hot[(j, i, k)])
                src = self._src(j)
                if j in uses:
                    uses[j] += 1
                    if uses[j] > 1:  # drawn in full at its first use: a reference here
                        src = f"r{j}_{i}_{k}"
                        lines.append(f"\t{src} [label=<{esc(self.short(j))} ↗> "
                                     f"{_STYLE_TEXT['reference_' + self.kind(j)]}]\n")
                edges.append(f"\t{src} -> op{i}{dot_attrs(e)}\n")
            if elided:
                edges.append(f'\tmore -> op{i} [style="dashed"]\n')
            edges.append(f"\top{i} -> t{i}\n")
        body = list(by_scope.get((), []))
        if self.hidden:
            label = f"<⋯ {self.hidden} more tensors<BR/>(raise max_nodes to draw them)>"
            body.append(f"\tmore{dot_attrs({'label': label, **STYLES['elided']})}\n")
        stack = [(c, False) for c in reversed(children.get((), []))]
        while stack:
            path, closing = stack.pop()
            if closing:
                body.append("\t}\n")
                continue
            body.append(f"\tsubgraph cluster_{cluster[path]} {{\n")
            body.append(f'\t\tlabel=<<B>{esc(path[-1])}</B>> labelloc="t" style="rounded,dashed" '
                        f'color="#9ca3af" fontcolor="#4b5563"\n')
            body.extend("\t" + line for line in by_scope.get(path, []))
            stack.append((path, True))
            stack.extend((c, False) for c in reversed(children.get(path, [])))
        body.extend(edges)
        if caption:
            body.append(f'\tlabel=<<FONT POINT-SIZE="10">{esc(caption, limit=400)}</FONT>>\n')
        layout = {"rankdir": self.rankdir, "labelloc": "b", "fontname": "Helvetica",
                  "nodesep": "0.25", "ranksep": "0.35"}
        if self.nodes > (LABELLED_SIMPLEX_NODES if hot else SIMPLEX_NODES):  # dot's ranking and
            layout |= {"nslimit": "2", "nslimit1": "2"}  # placement grow too fast: bounded
        return graphviz.Digraph(
            name="autograd_mini",
            graph_attr=layout,
            node_attr={"fontname": "Helvetica", "fontsize": "11"},
            edge_attr={"color": _GREY, "arrowsize": "0.7", "fontname": "Helvetica",
                       "fontsize": "9", "fontcolor": _GREY},
            body=body,
        )

    def adjoint_rows(self, trace: BackwardTrace) -> dict[int, Rows]:
        """The drawn output's adjoint of every variable shown (the module boxes' norms are
        taken from the same sweep: see ``_module_label``)."""
        self.adjoints = trace.adjoints
        rows: dict[int, Rows] = {}
        for i in self.shown:
            a = trace.adjoints[i]
            if i in self.vnum:
                rows[i] = self.value_rows(self.adjoint_name(i), a if a is not None else 0.0)
        return rows


