"""Linear algebra beyond matmul: einsum (one primitive, NumPy's subscripts) and the contractions
and diagonals built on it: tensordot, dot, outer, trace, diagonal, diag, tril, triu.

The public ``einsum`` turns NumPy's subscripts into an explicit form the primitive runs: each
ellipsis axis gets a letter of its own, and an axis of length 1 that broadcasts is reshaped
away, so that every index has one size in all operands (the VJP then never broadcasts).
"""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..checks import integers, is_int, one_axis
from ..constants import as_tensor
from ..engine import primitive
from ..tensor import FUNCTIONS, Tensor
from .elementwise import where
from .reduce import broadcast_to
from .shape import getitem, reshape

__all__ = ["diag", "diagonal", "dot", "einsum", "outer", "tensordot", "trace", "tril", "triu"]

#: Public functions with integer or bool results: no gradient, so no catalog spec.
NOT_DIFFERENTIABLE: tuple[str, ...] = ()

Grads = tuple[Any, ...]
LETTERS = string.ascii_uppercase + string.ascii_lowercase  # NumPy's 52 indices, in its order
#: Index-space size (the product of all index lengths) from which NumPy's contraction path, with
#: BLAS for the pairwise products, beats its plain loop (measured: finding the path costs
#: 20–200 µs; the loop about 10 ns per point, and 10–30× more than BLAS on large products).
OPTIMIZE_ABOVE = 2**15


# --------------------------------------------------------------------------- the primitives
@functools.lru_cache(maxsize=1024)
def _optimize(subscripts: str, shapes: tuple[tuple[int, ...], ...]) -> bool:
    """Whether to take NumPy's contraction path: for two or more operands on a large index
    space (below it, finding the path costs more than the plain loop)."""
    sizes = {c: n for t, shp in zip(subscripts.split("->")[0].split(","), shapes)
             for c, n in zip(t, shp)}
    return len(shapes) > 1 and math.prod(sizes.values()) > OPTIMIZE_ABOVE


def _np_einsum(subscripts: str, xs: Sequence[Any]) -> Any:
    return np.einsum(subscripts, *xs,
                     optimize=len(xs) > 1 and _optimize(subscripts, tuple(x.shape for x in xs)))


def _contract(subscripts: str, *xs: Any) -> Any:
    """An einsum in explicit form: recorded when a Tensor takes part, else NumPy's (an array)."""
    if any(isinstance(x, Tensor) for x in xs):
        return _EINSUM(*xs, subscripts=subscripts)
    return np.asarray(_np_einsum(subscripts, xs))


def _einsum(*xs: Any, subscripts: str = "") -> tuple[Any, Any]:
    """einsum: Σ over the indices not in the output of Π_k x_k;  x̄_k = ḡ contracted with the
    other operands onto x_k's indices, broadcast over indices only x_k has, placed on the
    diagonal where x_k repeats an index"""
    shapes = tuple(x.shape for x in xs)
    return _np_einsum(subscripts, xs), ((shapes, *xs) if len(xs) > 1 else (shapes,))


@functools.lru_cache(maxsize=1024)
def _plan(subscripts: str, k: int) -> tuple[str, str, str, str]:
    """Operand k's gradient contraction, onto the indices it shares (returned next), then its
    distinct indices and its own."""
    left, out = subscripts.split("->")
    terms = left.split(",")
    own, others = terms[k], terms[:k] + terms[k + 1:]
    distinct = "".join(dict.fromkeys(own))
    seen = set(out).union(*others)
    kept = "".join(c for c in distinct if c in seen)
    return ",".join((out, *others)) + "->" + kept, kept, distinct, own


def _einsum_vjp(g: Any, saved: Any, needs: Any, subscripts: str = "") -> Grads:
    shapes, *xs = saved
    grads: list[Any] = []
    for k, need in enumerate(needs):
        if not need:
            grads.append(None)
            continue
        contraction, kept, distinct, own = _plan(subscripts, k)
        r = _contract(contraction, g, *xs[:k], *xs[k + 1:])
        size = dict(zip(own, shapes[k]))
        if len(kept) < len(distinct):  # indices only x_k has: summed, so constant along them
            r = r.reshape(tuple(size[c] if c in kept else 1 for c in distinct))
            full = tuple(size[c] for c in distinct)
            r = broadcast_to(r, full) if isinstance(r, Tensor) else np.broadcast_to(r, full)
        if len(distinct) < len(own):  # a repeated index: r goes on that diagonal
            r = _EMBED(r, diagonal=f"{own}->{distinct}", shape=shapes[k]) if isinstance(
                r, Tensor) else _embed(r, f"{own}->{distinct}", shapes[k])[0]
        grads.append(r)
    return tuple(grads)


def _embed(x: Any, diagonal: str = "", shape: tuple[int, ...] = (),
           window: tuple[slice, ...] | None = None) -> tuple[Any, None]:
    """zeros(shape) with x on the diagonal that the einsum ``diagonal`` reads ("ii->i": np.diag,
    "iij->ij", …; within ``window``);  x̄ = that diagonal of ḡ"""
    z = np.zeros(shape, dtype=x.dtype)
    np.einsum(diagonal, z if window is None else z[window])[...] = x  # a writable view of z
    return z, None


def _embed_vjp(g: Any, saved: Any, needs: Any, diagonal: str = "",
               shape: tuple[int, ...] = (), window: tuple[slice, ...] | None = None) -> Grads:
    return (_contract(diagonal, g if window is None else g[window]),)


_EINSUM = primitive("einsum", _einsum, _einsum_vjp, nin=-1)
_EMBED = primitive("diag", _embed, _embed_vjp)  # np.diag of a vector, and its generalisation


# --------------------------------------------------------------------------- subscripts
def _term(text: str, where: str) -> str:
    """One term with its ellipsis as '.', checked: letters and at most one '...'."""
    for c in text.replace(".", ""):
        if c not in LETTERS:
            raise ValueError(f"invalid subscript {c!r} in {where}: subscripts must be letters")
    t = text.replace("...", ".")
    if t.count(".") > 1 or (t.count(".") == 1 and text.count(".") != 3):
        raise ValueError(f"{where} has a '.' that is not part of one ellipsis '...'")
    return t


@functools.lru_cache(maxsize=256)
def _parse(subscripts: str) -> tuple[tuple[str, ...], str | None]:
    """The terms of the operands and of the output (None: implicit), ellipses as '.'."""
    s = subscripts.replace(" ", "")
    left, arrow, right = s.partition("->")
    if "-" in left + right or ">" in left + right:
        raise ValueError("'->' must appear at most once, before the output's subscripts")
    terms = tuple(_term(t, f"operand {i}") for i, t in enumerate(left.split(",")))
    if not arrow:
        return terms, None
    out = _term(right, "the output")
    for c in out.replace(".", ""):
        if out.count(c) > 1:
            raise ValueError(f"output index {c!r} appears more than once")
        if c not in left:
            raise ValueError(f"output index {c!r} appears in no operand")
    return terms, out


@functools.lru_cache(maxsize=1024)
def _canonical(terms: tuple[str, ...], out: str | None, shapes: tuple[tuple[int, ...], ...]
               ) -> tuple[str, tuple[tuple[int, ...] | None, ...]]:
    """Explicit subscripts (ellipsis axes named, broadcast length-1 axes dropped) and each
    operand's shape with those axes dropped (None: unchanged)."""
    if len(terms) != len(shapes):
        raise ValueError(f"the subscripts name {len(terms)} operand(s), {len(shapes)} were given")
    spans = []
    for i, (t, shp) in enumerate(zip(terms, shapes)):
        named = len(t.replace(".", ""))
        if len(shp) < named or (len(shp) != named and "." not in t):
            raise ValueError(f"operand {i} has {len(shp)} dims but its subscripts {t!r} name "
                             f"{named}" + ("" if "." in t else " (and have no '...')"))
        spans.append(len(shp) - named)
    ne = max(spans, default=0)
    free = [c for c in LETTERS if c not in "".join(terms)]
    if ne > len(free):
        raise ValueError(f"too many indices: '...' covers {ne} dims, only {len(free)} "
                         "letters are unused (NumPy has 52)")
    ell = "".join(free[:ne])
    full = [t.replace(".", ell[ne - e:]) for t, e in zip(terms, spans)]
    size: dict[str, tuple[int, int]] = {}  # index -> (length, operand that set it)
    for i, (t, shp) in enumerate(zip(full, shapes)):
        mine: dict[str, int] = {}
        for c, n in zip(t, shp):
            what = "a '...' dim" if c in ell else f"index {c!r}"
            if mine.setdefault(c, n) != n:
                raise ValueError(f"{what} of operand {i} has lengths {mine[c]} and {n}")
            prev, j = size.get(c, (1, i))
            if n != 1 and prev not in (1, n):
                raise ValueError(f"{what} has length {prev} in operand {j} but {n} in operand {i}")
            size[c] = (n, i) if n != 1 else (prev, j)
    if out is None:
        counts = "".join(terms)
        out = ell + "".join(sorted(c for c in set(counts) if c in LETTERS and counts.count(c) == 1))
    elif "." in out:
        out = out.replace(".", ell)
    elif ne:
        raise ValueError("the operands have '...' dims, so the output's subscripts need a '...'")
    new_terms, squeezed = [], []
    for t, shp in zip(full, shapes):
        drop = [n == 1 and size[c][0] != 1 for c, n in zip(t, shp)]
        new_terms.append("".join(c for c, d in zip(t, drop) if not d))
        squeezed.append(tuple(n for n, d in zip(shp, drop) if not d) if any(drop) else None)
    return ",".join(new_terms) + "->" + out, tuple(squeezed)


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Σ over the indices not in the output of the product of the operands, by NumPy's
    subscripts: explicit ("ij,jk->ik") or implicit ("ij,jk": the indices met once, in
    alphabetical order, uppercase first), '...' for broadcast axes, a repeated index for a
    diagonal or a trace. Length-1 axes broadcast as in NumPy. x̄_k: see the primitive.
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string, got {type(subscripts).__name__}"
                        " (the interleaved operand/sublist form is not supported)")
    first = next((o for o in operands if isinstance(o, Tensor) and o.dtype.kind == "f"), None)
    ts = [as_tensor(o, first, "einsum") for o in operands]
    try:
        if not ts:
            raise ValueError("need at least one operand")
        subs, squeezed = _canonical(*_parse(subscripts), tuple(t.shape for t in ts))
    except ValueError as exc:
        raise ValueError(f"einsum: {exc} (subscripts {subscripts!r}, operand shapes "
                         f"{', '.join(str(t.shape) for t in ts)})") from None
    return _EINSUM(*(t if s is None else reshape(t, s) for t, s in zip(ts, squeezed)),
                   subscripts=subs)


# --------------------------------------------------------------------------- products
def _pair(a: Any, b: Any, name: str) -> tuple[Tensor, Tensor]:
    a = as_tensor(a, b if isinstance(b, Tensor) else None, name)
    return a, as_tensor(b, a, name)


def _letters(n: int, name: str) -> str:
    if n > len(LETTERS):
        raise ValueError(f"{name}: {n} axes take more than the {len(LETTERS)} einsum indices")
    return LETTERS[:n]


def _axis_list(value: Any, x: Tensor, which: str) -> list[int]:
    got = integers(value, "each entry of axes", "tensordot")
    out = [a % x.ndim for a in got if -x.ndim <= a < x.ndim]
    if len(set(out)) != len(got):
        raise ValueError(f"tensordot: axes {got} of {which} (shape {x.shape}) are out of range "
                         "or repeated")
    return out


def _contract_axes(a: Tensor, b: Tensor, axa: list[int], axb: list[int], name: str) -> Tensor:
    """Σ over axes axa of a paired with axes axb (ascending) of b; a's other axes, then b's."""
    la = _letters(a.ndim + b.ndim - len(axb), name)
    lb = list(la[a.ndim:])
    for i, j in zip(axa, axb):
        lb.insert(j, la[i])  # axb ascending: each lands in its place
    free_a = "".join(c for i, c in enumerate(la[:a.ndim]) if i not in axa)
    return _EINSUM(a, b, subscripts=f"{la[:a.ndim]},{''.join(lb)}->{free_a}{la[a.ndim:]}")


def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """Σ_k a[..., k] b[k, ...] over paired axes: ``axes=n`` pairs a's last n axes with b's
    first n; ``axes=(axes_a, axes_b)`` names them (NumPy's rules; sizes must be equal)."""
    a, b = _pair(a, b, "tensordot")
    if is_int(axes):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={axes} must lie in [0, {min(a.ndim, b.ndim)}] "
                             f"for shapes {a.shape} and {b.shape}")
        axa, axb = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        if not isinstance(axes, (tuple, list)) or len(axes) != 2:
            raise TypeError(f"tensordot: axes must be an int or a pair of axis sequences, got "
                            f"{axes!r:.80}")
        axa, axb = _axis_list(axes[0], a, "a"), _axis_list(axes[1], b, "b")
    sa, sb = [a.shape[i] for i in axa], [b.shape[j] for j in axb]
    if sa != sb:
        raise ValueError(f"tensordot: shape mismatch for sum: axes {axa} of a (shape {a.shape}) "
                         f"have lengths {sa}, axes {axb} of b (shape {b.shape}) have {sb}")
    pairs = sorted(zip(axb, axa))
    return _contract_axes(a, b, [i for _, i in pairs], [j for j, _ in pairs], "tensordot")


def dot(a: Any, b: Any) -> Tensor:
    """Σ_k a[..., k] b[..., k, :] over the last axis of a and the second-to-last of b (or its
    only one); a 0-d operand multiplies. NumPy's dot: unlike matmul, leading axes do not
    broadcast (the result has a's other axes, then b's), and unlike torch.dot, any ndim."""
    a, b = _pair(a, b, "dot")
    if a.ndim == 0 or b.ndim == 0:
        la, lb = _letters(a.ndim, "dot"), _letters(b.ndim, "dot")
        return _EINSUM(a, b, subscripts=f"{la},{lb}->{la or lb}")
    jb = max(b.ndim - 2, 0)
    if a.shape[-1] != b.shape[jb]:
        raise ValueError(f"dot: shapes {a.shape} and {b.shape} not aligned: {a.shape[-1]} "
                         f"(dim {a.ndim - 1}) != {b.shape[jb]} (dim {jb})")
    return _contract_axes(a, b, [a.ndim - 1], [jb], "dot")


def outer(a: Any, b: Any) -> Tensor:
    """a_i b_j of the flattened operands (NumPy's outer; torch.outer takes only vectors)."""
    a, b = _pair(a, b, "outer")
    a, b = (x if x.ndim == 1 else reshape(x, (-1,)) for x in (a, b))
    return _EINSUM(a, b, subscripts="i,j->ij")


# --------------------------------------------------------------------------- diagonals
def _diagonal(x: Tensor, offset: Any, axis1: Any, axis2: Any, name: str, keep: bool) -> Tensor:
    """x[..., i, ..., i + offset, ...] over i, as the last axis (``keep``) or summed."""
    if not is_int(offset):
        raise TypeError(f"{name}: offset must be an int, got {offset!r:.60}")
    if x.ndim < 2:
        raise ValueError(f"{name}: needs at least 2 dims, got shape {x.shape}")
    a1, a2 = one_axis(axis1, x.ndim, name), one_axis(axis2, x.ndim, name)
    if a1 == a2:
        raise ValueError(f"{name}: axis1 and axis2 cannot be the same axis ({axis1} and "
                         f"{axis2} of shape {x.shape})")
    n = max(0, min(x.shape[a1] + min(offset, 0), x.shape[a2] - max(offset, 0)))
    if (n, n) != (x.shape[a1], x.shape[a2]):
        index = [slice(None)] * x.ndim
        index[a1] = slice(max(-offset, 0), max(-offset, 0) + n)
        index[a2] = slice(max(offset, 0), max(offset, 0) + n)
        x = getitem(x, tuple(index))
    letters = _letters(x.ndim - 1, name)
    rest = iter(letters[:-1])
    labels = "".join(letters[-1] if d in (a1, a2) else next(rest) for d in range(x.ndim))
    return _EINSUM(x, subscripts=f"{labels}->{letters[:-1]}{letters[-1] if keep else ''}")


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """d_i = x[i, i + offset] over axes axis1, axis2, as the last axis (NumPy's diagonal);
    x̄ = ḡ placed back on that diagonal."""
    return _diagonal(as_tensor(x, where="diagonal"), offset, axis1, axis2, "diagonal", True)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Σ_i x[i, i + offset] over axes axis1, axis2, for each index of the other axes (NumPy's
    trace, unlike torch.trace: any ndim, offsets; integers and bools sum as in np.sum)."""
    x = as_tensor(x, where="trace")
    if x.dtype.kind != "f":  # no gradient; np.sum's dtype, as np.trace has
        return Tensor(np.sum(_diagonal(x, offset, axis1, axis2, "trace", True).data, axis=-1))
    return _diagonal(x, offset, axis1, axis2, "trace", False)


def diag(v: Any, k: int = 0) -> Tensor:
    """D[i, i + k] = v_i: a 1-d v gives the square matrix with v on its k-th diagonal
    (v̄ = that diagonal of ḡ); a 2-d v gives its k-th diagonal, ``diagonal(v, k)`` (NumPy's)."""
    v = as_tensor(v, where="diag")
    if not is_int(k):
        raise TypeError(f"diag: k must be an int, got {k!r:.60}")
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(f"diag: input must be 1- or 2-d, got shape {v.shape}")
    n, size = v.shape[0], v.shape[0] + abs(k)
    r, c = max(-k, 0), max(k, 0)
    window = None if k == 0 else (slice(r, r + n), slice(c, c + n))
    return _EMBED(v, diagonal="ii->i", shape=(size, size), window=window)


def _triangle(x: Any, k: Any, name: str, lower: bool) -> Tensor:
    x = as_tensor(x, where=name)
    if not is_int(k):
        raise TypeError(f"{name}: k must be an int, got {k!r:.60}")
    if x.ndim == 0:
        raise ValueError(f"{name}: needs at least 1 dim, got a 0-d tensor")
    rows, cols = x.shape[-2:] if x.ndim > 1 else (x.shape[0], x.shape[0])
    mask = np.tri(rows, cols, int(k) if lower else int(k) - 1, dtype=bool)
    return where(mask if lower else ~mask, x, np.zeros((), x.dtype))


def tril(x: Any, k: int = 0) -> Tensor:
    """x_ij where j − i ≤ k, else 0, over the last two axes (NumPy's rules: a 1-d x is taken
    as a row repeated, giving an n × n result, where PyTorch refuses it)."""
    return _triangle(x, k, "tril", lower=True)


def triu(x: Any, k: int = 0) -> Tensor:
    """x_ij where j − i ≥ k, else 0, over the last two axes (NumPy's rules: a 1-d x is taken
    as a row repeated, giving an n × n result, where PyTorch refuses it)."""
    return _triangle(x, k, "triu", lower=False)


FUNCTIONS.update({f.__name__: f for f in (
    einsum, tensordot, dot, outer, trace, diagonal, diag, tril, triu)})
