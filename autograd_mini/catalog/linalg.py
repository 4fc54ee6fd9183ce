"""Specs of linear algebra: einsum and its relatives (tensordot, dot, outer, trace, diagonal,
diag, tril, triu), with input builders and references independent of einsum."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .draw import Chooser, draw_broadcastable, draw_shape
from .spec import OpSpec, spec

__all__ = ["EINSUM_PATTERNS", "SPECS", "einsum_reference"]

#: Subscripts the einsum spec draws from; its reference reads them on its own.
EINSUM_PATTERNS = (
    "ij,jk->ik",            # matmul
    "...ij,...jk->...ik",   # batched matmul, batch axes broadcasting
    "i,j->ij",              # outer product
    "ii->",                 # trace
    "ii->i",                # diagonal
    "ijk->kij",             # transpose
    "ijk->j",               # sums
    "i,ij,j->",             # bilinear form
    "ij,jk",                # implicit output
    "ba,ac",                # implicit output in alphabetical order: "bc"
    "iij->j",               # repeated index, then summed
    "iji->ij",              # a diagonal across non-adjacent axes
    "...i,...i->...",       # broadcasting ellipsis, length-1 dims
    "i...j->j...i",         # ellipsis in the middle
    "ij,jk,kl,lm->im",      # a chain of four
    "ii,i->i",              # repeated index meeting another operand
    ",i->i",                # a 0-d operand
    "ij->",                 # full sum
)


def einsum_reference(*arrays: np.ndarray, subscripts: str = "") -> np.ndarray:
    """Σ over every assignment of values to the indices of the product of the entries they
    pick, a length-1 axis read at 0 (broadcasting); for lowercase-only subscripts."""
    left, arrow, right = subscripts.partition("->")
    terms = left.split(",")
    spans = [a.ndim - len(t) + 3 for t, a in zip(terms, arrays) if "..." in t]
    ell = "ABCDEFGH"[:max(spans, default=0)]
    full = [t.replace("...", ell[len(ell) - (a.ndim - len(t) + 3):]) for t, a in
            zip(terms, arrays)]
    if arrow:
        out = right.replace("...", ell)
    else:
        letters = left.replace(",", "").replace(".", "")
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    size: dict[str, int] = {}
    for t, a in zip(full, arrays):
        for c, n in zip(t, a.shape):
            size[c] = n if size.get(c, 1) == 1 else size[c]
    labels = sorted(size)
    result = np.zeros(tuple(size[c] for c in out))
    for values in itertools.product(*(range(size[c]) for c in labels)):
        at = dict(zip(labels, values))
        term = 1.0
        for t, a in zip(full, arrays):
            term *= a[tuple(at[c] if n > 1 else 0 for c, n in zip(t, a.shape))]
        result[tuple(at[c] for c in out)] += term
    return result


def _einsum(*ts: Tensor, subscripts: str = "") -> Tensor:
    return F.einsum(subscripts, *ts)


def _einsum_build(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    subscripts = EINSUM_PATTERNS[ch.integer(0, len(EINSUM_PATTERNS) - 1)]
    terms = subscripts.split("->")[0].split(",")
    size = {c: ch.integer(1, 3) for c in sorted(set("".join(terms)) - {"."})}
    batch = iter(draw_broadcastable(ch, sum("..." in t for t in terms), 0, 2, 1, 3))
    arrays = []
    for t in terms:
        # now and then an index has length 1 in one operand: it broadcasts, as in NumPy
        own = {c: 1 if ch.integer(0, 7) == 0 else size[c] for c in t if c != "."}
        head, _, tail = t.partition("...")
        shape = (*(own[c] for c in head), *(next(batch) if "..." in t else ()),
                 *(own[c] for c in tail))
        arrays.append(np.asarray(2 * ch.uniform(shape), dtype=dtype))
    return arrays, {"subscripts": subscripts}


def _tensordot_build(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    a = draw_shape(ch, 0, 3, 1, 3)
    axes: Any
    if ch.integer(0, 1):
        n = ch.integer(0, min(len(a), 2))
        b = (*a[len(a) - n:], *draw_shape(ch, 0, 2, 1, 3))
        axes = n
    else:
        k = ch.integer(0, min(len(a), 2))
        b_rest = draw_shape(ch, 0, 1, 1, 3)
        axa = ch.permutation(len(a))[:k]
        axb = ch.permutation(len(b_rest) + k)[:k]
        b_list = list(b_rest)
        for j, i in sorted(zip(axb, axa)):
            b_list.insert(j, a[i])
        b = tuple(b_list)
        axes = ([i - len(a) * ch.integer(0, 1) for i in axa], tuple(axb))
    return [np.asarray(2 * ch.uniform(s), dtype=dtype) for s in (a, b)], {"axes": axes}


def _dot_build(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    a, b = draw_shape(ch, 0, 3, 1, 3), list(draw_shape(ch, 0, 3, 1, 3))
    if a and b:
        b[max(len(b) - 2, 0)] = a[-1]
    return [np.asarray(2 * ch.uniform(tuple(s)), dtype=dtype) for s in (a, b)], {}


def _pair_build(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    return [np.asarray(2 * ch.uniform(draw_shape(ch, 0, 2, 1, 3)), dtype=dtype)
            for _ in range(2)], {}


def _diagonal_build(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    shape = draw_shape(ch, 2, 3, 1, 3)
    nd = len(shape)
    a1, a2 = ch.permutation(nd)[:2]
    return [np.asarray(2 * ch.uniform(shape), dtype=dtype)], {
        "offset": ch.integer(-2, 2), "axis1": a1 - nd * ch.integer(0, 1), "axis2": a2}


def _diag_build(ch: Chooser, dtype: Any) -> tuple[list[np.ndarray], dict[str, Any]]:
    return [np.asarray(2 * ch.uniform((ch.integer(0, 3),)), dtype=dtype)], {
        "k": ch.integer(-2, 2)}


_K = (("k", (-2, -1, 0, 1, 2)),)
SPECS: list[OpSpec] = [
    spec("einsum", _einsum, einsum_reference, kind="custom", build=_einsum_build, nin=-1),
    spec("tensordot", F.tensordot, np.tensordot, kind="custom", build=_tensordot_build,
         prims=("einsum",), nin=2),
    spec("dot", F.dot, np.dot, kind="custom", build=_dot_build, prims=("einsum",), nin=2),
    spec("outer", F.outer, np.outer, kind="custom", build=_pair_build, prims=("einsum",),
         nin=2),
    spec("trace", F.trace, np.trace, kind="custom", build=_diagonal_build, prims=("einsum",)),
    spec("diagonal", F.diagonal, lambda x, **kw: np.diagonal(x, **kw).copy(), kind="custom",
         build=_diagonal_build, prims=("einsum",)),
    spec("diag", F.diag, np.diag, kind="custom", build=_diag_build),  # 1-d: 2-d is diagonal's
    spec("tril", F.tril, np.tril, kind="custom", build=lambda ch, dtype: (
        [np.asarray(2 * ch.uniform(draw_shape(ch, 1, 3, 1, 3)), dtype=dtype)], {}),
         prims=("where",), choices=_K),
    spec("triu", F.triu, np.triu, kind="custom", build=lambda ch, dtype: (
        [np.asarray(2 * ch.uniform(draw_shape(ch, 1, 3, 1, 3)), dtype=dtype)], {}),
         prims=("where",), choices=_K),
]
