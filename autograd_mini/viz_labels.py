"""Text helpers for graph drawings: number formatting, HTML escaping and node styles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from .checks import flag as check_flag
from .graphview import vertex_key

if TYPE_CHECKING:
    from .tensor import Tensor

#: Names for tensors: a mapping name -> Tensor or an iterable of (name, Tensor) pairs, as
#: ``module.named_parameters()`` gives.
Names: TypeAlias = "Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None"

__all__ = [
    "STYLES",
    "attr_text",
    "check_options",
    "dot_attrs",
    "esc",
    "format_array",
    "format_constant",
    "format_number",
    "format_shape",
    "html_table",
    "module_label",
    "name_map",
    "op_caption",
    "visible",
]

#: Arrays with at most this many elements are shown in full; larger ones as min / mean / max.
PREVIEW_SIZE = 6
_MAX_NAME = 48

#: Node attributes per kind of node (colours chosen to stay readable in print).
STYLES: dict[str, dict[str, str]] = {
    "leaf": {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbeafe",
             "color": "#1d4ed8"},
    "parameter": {"shape": "box", "style": "rounded,filled", "fillcolor": "#fef3c7",
                  "color": "#b45309", "peripheries": "2"},
    "constant": {"shape": "box", "style": "rounded,filled,dashed", "fillcolor": "#f3f4f6",
                 "color": "#9ca3af", "fontsize": "9"},
    "intermediate": {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff",
                     "color": "#374151"},
    "output": {"shape": "box", "style": "rounded,filled", "fillcolor": "#dcfce7",
               "color": "#15803d", "penwidth": "2.5"},
    "op": {"shape": "ellipse", "style": "filled", "fillcolor": "#e5e7eb", "color": "#6b7280",
           "fontsize": "10"},
    "elided": {"shape": "note", "style": "filled", "fillcolor": "#f9fafb", "color": "#9ca3af"},
    # a module scope collapsed into one node (draw_graph(..., depth=k))
    "module": {"shape": "box3d", "style": "filled", "fillcolor": "#eef2ff", "color": "#4338ca"},
    # ops that read only parameters (a regulariser), collapsed with them into one node
    "regulariser": {"shape": "box3d", "style": "filled", "fillcolor": "#ffedd5",
                    "color": "#c2410c"},
    # made by a recorded backward pass (create_graph=True): the VJPs, in violet
    "vjp": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f5f3ff",
            "color": "#6d28d9"},
    "vjp_op": {"shape": "hexagon", "style": "filled", "fillcolor": "#ede9fe",
               "color": "#6d28d9", "fontsize": "10"},
}


_PLAIN = re.compile(r"[\w .,:;+*/=()\[{}|#%!?~^$@-]*", re.ASCII)


def visible(text: str, limit: int = _MAX_NAME) -> str:
    """``text`` with control characters and lone surrogates as backslash escapes, shortened."""
    text = str(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    out = []
    for ch in text:
        o = ord(ch)
        if o < 32 or 127 <= o < 160:
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch, f"\\x{o:02x}"))
        elif 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)


# (and "]": Graphviz 2.43's label lexer rejects some labels with a bare one, e.g. "]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "]": "&#93;"}


def esc(text: str, limit: int = _MAX_NAME) -> str:
    """Make any string safe inside a Graphviz HTML-like label.

    ``& < > " '`` become entities, control characters and lone surrogates become visible
    backslash escapes, and very long names are shortened with an ellipsis.
    """
    text = str(text)
    if len(text) <= limit and _PLAIN.fullmatch(text):
        return text
    return "".join(_ENTITIES.get(ch, ch) for ch in visible(text, limit))


def format_number(v: Any, precision: int = 4) -> str:
    """One number with ``precision`` significant digits (ints and bools exactly)."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if f == 0.0:
        return "0"  # also for −0.0, which only confuses a reader
    return f"{f:.{precision}g}"


def format_constant(v: Any, precision: int = 4) -> str:
    """A one-number constant (a literal in the user's code) with ``precision`` significant
    digits where that is its value, else in full (``1.0001``, not ``1``: a multiply by it
    would look like an identity)."""
    x = np.asarray(v).reshape(())[()]
    text = format_number(x, precision)
    if isinstance(x, np.floating) and np.isfinite(x) and float(text) != float(x):
        return str(x)
    return text


def format_array(a: Any, precision: int = 4, preview: int = PREVIEW_SIZE) -> list[str]:
    """Lines describing an array: the number for one element, the elements for tiny arrays,
    else ``min / mean / max`` (with a count of NaNs when there are any)."""
    arr = np.asarray(a)
    if arr.size == 1:
        return [format_number(arr.reshape(()).item(), precision)]
    if arr.size == 0:
        return ["(empty)"]
    if arr.size <= preview:
        text = np.array2string(
            arr, precision=precision, separator=", ", max_line_width=60,
            formatter={"float_kind": lambda v: format_number(v, precision)},
        )
        return text.split("\n")
    if arr.dtype.kind == "b":
        return [f"{int(arr.sum())} of {arr.size} true"]
    with np.errstate(all="ignore"):
        data = arr.astype(np.float64)
        nan = np.isnan(data)
        lines = []
        if nan.all():
            return [f"all {arr.size} NaN"]
        if nan.any():
            data = data[~nan]
            lines.append(f"{int(nan.sum())} NaN")
        lo, mean, hi = data.min(), data.mean(), data.max()
    p = precision
    lines.insert(0, f"min {format_number(lo, p)}  mean {format_number(mean, p)}  "
                    f"max {format_number(hi, p)}")
    return lines


def format_shape(shape: tuple[int, ...]) -> str:
    """``()`` for scalars, ``(2, 3)`` otherwise (no trailing comma for 1-d)."""
    return "(" + ", ".join(str(n) for n in shape) + ")"


def op_caption(name: str, attrs: Mapping[str, Any]) -> list[str]:
    """The op's registry name and its non-array attributes, escaped, one per line."""
    lines = [f"<B>{esc(name)}</B>"]
    for k in sorted(attrs):
        v = attrs[k]
        if v is None or v is False:
            continue
        lines.append(esc(f"{k}={attr_text(v)}", limit=40))
    return lines


def attr_text(v: Any) -> str:
    """An op attribute as drawn: an array as its dtype and shape (``bool array (3)``; a 0-d
    one as its value), an index with slices in Python's syntax (``[:, 4:8]``, not
    ``(slice(None, None, None), slice(4, 8, None))``, which the label's length would cut before
    the part that tells one gate's slice from another)."""
    if isinstance(v, np.ndarray):
        return repr(v.item()) if v.ndim == 0 else f"{v.dtype} array {format_shape(v.shape)}"
    if isinstance(v, slice) or (isinstance(v, tuple) and any(
            isinstance(i, slice) or i is Ellipsis for i in v)):
        return "[" + ", ".join(_index_item(i) for i in (v if isinstance(v, tuple) else (v,))) + "]"
    return repr(v)


def _index_item(i: Any) -> str:
    """One item of an index as written between brackets: ``4:8``, ``::2``, ``...``, ``0``."""
    if isinstance(i, slice):
        text = ":".join("" if p is None else str(p) for p in (i.start, i.stop))
        return text if i.step is None else f"{text}:{i.step}"
    return "..." if i is Ellipsis else "None" if i is None else attr_text(i)


def html_table(rows: list[tuple[str, str]], font_size: int | None = None) -> str:
    """An HTML-like label: rows of (left, right) cells whose text is already escaped.

    A row with an empty right cell spans both columns.
    """
    parts = ['<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">']
    for left, right in rows:
        if right:
            parts.append(f'<TR><TD ALIGN="LEFT">{left}</TD><TD ALIGN="RIGHT">{right}</TD></TR>')
        else:
            parts.append(f'<TR><TD ALIGN="LEFT" COLSPAN="2">{left}</TD></TR>')
    parts.append("</TABLE>>")
    body = "".join(parts)
    if font_size is not None:
        body = f'<<FONT POINT-SIZE="{font_size}">' + body[1:-1] + "</FONT>>"
    return body


def _quote(value: str) -> str:
    """A DOT attribute value: HTML labels (``<...>``) as they are, other strings quoted."""
    if value.startswith("<") and value.endswith(">"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_attrs(attrs: Mapping[str, str]) -> str:
    """``[k=v k2=v2]`` in insertion order (empty string for no attributes)."""
    if not attrs:
        return ""
    return " [" + " ".join(f"{k}={_quote(v)}" for k, v in attrs.items()) + "]"


def name_map(names: Names) -> dict[int, str]:
    """Vertex key (``graphview.vertex_key``) -> name from a mapping or (name, tensor) pairs;
    the first name wins."""
    if names is None:
        return {}
    pairs = names.items() if isinstance(names, Mapping) else names
    if isinstance(pairs, (str, bytes)) or not hasattr(pairs, "__iter__"):
        raise TypeError(
            f"names: expected a mapping name -> Tensor or (name, Tensor) pairs, got {names!r}"
        )
    out: dict[int, str] = {}
    for item in pairs:
        try:
            name, t = item
        except (TypeError, ValueError):
            raise TypeError(
                f"names: expected (name, Tensor) pairs or a mapping name -> Tensor, got {item!r}"
            ) from None
        if not hasattr(t, "_node") or not hasattr(t, "data"):
            raise TypeError(f"names: {name!r} maps to {type(t).__name__}, not a Tensor")
        out.setdefault(vertex_key(t), str(name))
    return out


def module_label(title: str, scope: str | None, shapes: list[tuple[int, ...]],
                 grad_norm: float | None, precision: int,
                 rows: list[tuple[str, str]] | None = None, norm_label: str = "‖grad‖") -> str:
    """The label of a collapsed module: what it is (``Linear(16→16)``) with its scope name in
    grey, its output shape(s), any further (escaped) ``rows`` and, when known, the norm
    √(Σ ‖g‖²) of its parameters' adjoints (``norm_label`` "‖adjoint‖") or stored gradients
    ("‖grad‖")."""
    meta = f'<FONT COLOR="#6b7280" POINT-SIZE="9">{esc(scope)}</FONT>' if scope else ""
    table = [(f"<B>{esc(title)}</B>", meta),
             ("out", " ".join(format_shape(s) for s in shapes)), *(rows or [])]
    if grad_norm is not None:
        table.append((norm_label, format_number(grad_norm, precision)))
    return html_table(table)


def check_options(*, textbook: bool, show_values: bool, show_constants: bool, rankdir: str,
                  precision: int, max_nodes: int | None, depth: int | str | None) -> None:
    """Raise TypeError / ValueError naming a drawing option with a bad value."""
    for label, flag in (("textbook", textbook), ("show_values", show_values),
                        ("show_constants", show_constants)):
        check_flag(flag, "draw_graph", label)
    if not isinstance(rankdir, str) or rankdir not in ("LR", "TB", "RL", "BT", "auto"):
        raise ValueError(f"rankdir must be one of LR, TB, RL, BT or 'auto', got {rankdir!r}")
    if type(precision) is not int or not 1 <= precision <= 17:
        raise ValueError(f"precision must be an int from 1 to 17, got {precision!r}")
    if max_nodes is not None and (type(max_nodes) is not int or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    if depth is not None and not (isinstance(depth, str) and depth == "auto") and (
            type(depth) is not int or depth < 0):
        raise ValueError(f"draw_graph: depth must be an int >= 0, None or 'auto', got {depth!r}")
