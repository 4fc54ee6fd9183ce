"""Connectionist temporal classification: ``ctc_loss`` and the module ``CTCLoss``, with PyTorch's
signature, target layouts (padded (N, S) or concatenated), reductions and ``zero_infinity``
(``nn.functional`` re-exports the function).

The loss is a composite of library ops: the forward (α) recursion over the extended label
sequence, one small block of ops per time step, so its gradient (and second order) is the
library's autodiff of that recursion, which equals the classical α–β gradient. "log 0" is the
finite sentinel ``NEG`` rather than −∞: logsumexp's gradient e^(x − out) would be
e^(−∞ + ∞) = NaN at unreachable states, while e^(NEG − out) is exactly 0 beside any reachable
one."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_mini import Tensor, astype, concatenate, logsumexp, where
from autograd_mini.checks import is_int

from ._loss_args import check_reduction, raw_target
from ._util import as_tensor, check_flag
from .loss import _Loss

__all__ = ["CTCLoss", "ctc_loss"]

#: log 0: far below any log-likelihood, yet x − NEG stays finite in float32
NEG = -1e30
_WHERE = "ctc_loss"


def _int_array(value: Any, name: str) -> np.ndarray:
    """``value`` (a Tensor, array, list, tuple or int) as an int64 array; floats are refused."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{_WHERE}: {name} must hold integers, got {value!r}")
    raw = raw_target(value, f"{_WHERE}: {name}")
    if raw.dtype.kind not in "iu" and (raw.size or isinstance(value, Tensor)):
        raise TypeError(f"{_WHERE}: {name} must hold integers, got dtype {raw.dtype}")
    return raw.astype(np.int64)


def _lengths(value: Any, name: str, n: int, batched: bool, low: int = 0,
             high: int | None = None) -> np.ndarray:
    """One length per sample, shape (N,) (unbatched: an int, 0-d or (1,)), in [low, high]."""
    arr = _int_array(value, name)
    ok = arr.shape == (n,) if batched else arr.shape in ((), (1,))
    if not ok:
        want = (f"of shape ({n},), one per sample" if batched else
                "an int (or of shape () or (1,)) for unbatched input")
        raise ValueError(f"{_WHERE}: {name} must be {want}, got shape {arr.shape}")
    arr = arr.reshape(n)
    if arr.size and arr.min() < low:
        raise ValueError(f"{_WHERE}: {name} must be >= {low}, got {arr.min()}")
    if high is not None and arr.size and arr.max() > high:
        raise ValueError(f"{_WHERE}: {name} must be at most {high} (the input's length T), "
                         f"got {arr.max()}")
    return arr


def _padded_targets(targets: Any, tl: np.ndarray, batched: bool, c: int, blank: int
                    ) -> np.ndarray:
    """The targets as a padded (N, S) array, S = max target length (checked: their layout,
    and classes in [0, C) other than ``blank``, within each sample's length)."""
    t = _int_array(targets, "targets")
    n, s = len(tl), int(tl.max()) if len(tl) else 0
    total = int(tl.sum())
    if batched and t.ndim == 2:
        if t.shape[0] != n or t.shape[1] < s:
            raise ValueError(f"{_WHERE}: padded targets must have shape (N, S) with N = {n} "
                             f"and S >= the largest target length {s}, got {t.shape}")
        pad = t[:, :s].astype(np.int64)  # (a copy: entries past each length become blank,
        pad[np.arange(s)[None, :] >= tl[:, None]] = blank  # so padding such as −100 is inert)
    elif t.ndim == 1:
        if t.shape[0] != total:
            raise ValueError(f"{_WHERE}: 1-d targets are concatenated: they need "
                             f"sum(target_lengths) = {total} entries, got shape {t.shape}")
        pad = np.full((n, s), blank, dtype=np.int64)
        pos = np.arange(s)[None, :] < tl[:, None]
        pad[pos] = t[:total]
    else:
        lay = "(N, S) padded or 1-d concatenated" if batched else "1-d (S,) for unbatched input"
        raise ValueError(f"{_WHERE}: targets must be {lay}, got shape {t.shape}")
    used = pad[np.arange(s)[None, :] < tl[:, None]]
    bad = (used < 0) | (used >= c) | (used == blank)
    if bad.any():
        raise ValueError(f"{_WHERE}: targets must be classes in [0, {c}) other than blank "
                         f"({blank}), got {used[bad][0]}")
    return pad


def _plan(pad: np.ndarray, blank: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and predecessor columns of the extended sequences l' (blanks interleaved).

    Column j = k + 1 holds state k of l' (length L = 2S + 1); column 0 is a constant NEG
    (an unreachable state). ``lab`` (N, L + 1) is the class emitted at each column (blank
    at column 0 and past each sample's end: those never reach a final state). ``prev``
    (N, 3, L + 1) gives the columns feeding column j: j itself, j − 1, and j − 2 where the
    skip is allowed (a label differing from the one two states back), else column 0.
    """
    n, s = pad.shape
    cols = 2 * s + 2
    lab = np.full((n, cols), blank, dtype=np.int64)
    lab[:, 2::2] = pad
    j = np.arange(cols)
    prev = np.zeros((n, 3, cols), dtype=np.int64)
    prev[:, 0, :] = j
    prev[:, 1, 1:] = j[1:] - 1
    skip = np.zeros((n, cols), dtype=bool)
    skip[:, 4::2] = pad[:, 1:] != pad[:, :-1]  # column 2s + 2 is label s, for s >= 1
    prev[:, 2, :] = np.where(skip, j - 2, 0)
    return lab, prev


def ctc_loss(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """ℓ_n = −log Σ_{π ∈ B⁻¹(y_n)} Π_t p_t(π_t): the connectionist temporal classification loss.

    ``log_probs`` x (T, N, C) (unbatched: (T, C)) are log-probabilities (e.g. log_softmax over
    C); the sum runs over the alignments π of length T_n (``input_lengths``) that collapse to
    the target y_n (repeats merged, then blanks dropped). Over the extended sequence
    l' = (b, y₁, b, y₂, …, b) of length 2S_n + 1:
    α_0(k) = x_0[l'_k] for k ≤ 1; α_t(k) = x_t[l'_k] + log(e^α_{t−1}(k) + e^α_{t−1}(k−1)
    + e^α_{t−1}(k−2)), the last term only where l'_k ≠ b and l'_k ≠ l'_{k−2}; then
    ℓ_n = −log(e^α(2S_n) + e^α(2S_n − 1)) at t = T_n − 1.

    ``targets`` are padded (N, S) or concatenated 1-d (sum(target_lengths)) classes ≠
    ``blank``; lengths are Tensors, arrays, lists or tuples of ints (an int for unbatched
    input), 0 ≤ T_n ≤ T. "mean" divides each ℓ_n by max(S_n, 1), then averages over the
    batch; "sum"; "none". An impossible alignment (T_n too short for the target and its
    repeats) gives inf, or 0 with ``zero_infinity``; either way its gradient is 0 (PyTorch
    gives NaN without ``zero_infinity``). float16 is computed in float32 and cast back.
    """
    check_reduction(reduction, _WHERE)
    zero_infinity = check_flag(zero_infinity, "zero_infinity", _WHERE)
    x = as_tensor(log_probs, f"{_WHERE}: log_probs")
    if x.dtype.kind != "f":
        raise TypeError(f"{_WHERE}: log_probs must be floating point, got dtype {x.dtype}")
    if x.ndim not in (2, 3):
        raise ValueError(f"{_WHERE}: log_probs must be (T, N, C) or unbatched (T, C), got "
                         f"shape {x.shape}")
    batched = x.ndim == 3
    big_t, c = x.shape[0], x.shape[-1]
    n = x.shape[1] if batched else 1
    if not is_int(blank) or not 0 <= blank < c:
        raise ValueError(f"{_WHERE}: blank must be a class index in [0, {c}), got {blank!r:.60}")
    if n == 0 and reduction == "mean":
        raise ValueError(f"{_WHERE}: empty batch (log_probs shape {x.shape}); a mean loss "
                         "needs samples")
    il = _lengths(input_lengths, "input_lengths", n, batched, high=big_t)
    tl = _lengths(target_lengths, "target_lengths", n, batched)
    pad = _padded_targets(targets, tl, batched, c, int(blank))
    half = x.dtype == np.float16  # (NEG is beyond float16; PyTorch's CPU refuses it)
    xs = astype(x, np.float32) if half else x
    xs = xs if batched else xs.reshape(big_t, 1, c)
    nll = _negative_log_likelihood(xs, pad, il, tl, int(blank))
    impossible = nll.data > -NEG / 2
    if impossible.any():  # (a constant branch: no gradient reaches those samples)
        nll = where(impossible, np.asarray(0.0 if zero_infinity else np.inf, nll.dtype), nll)
    if reduction == "mean":
        nll = (nll / np.maximum(tl, 1).astype(nll.dtype)).mean()
    elif reduction == "sum":
        nll = nll.sum()
    elif not batched:
        nll = nll.reshape(())
    return astype(nll, np.float16) if half else nll


#: time steps sliced from the emissions at once (then one step at a time from that block)
FRAMES = 32


def _negative_log_likelihood(x: Tensor, pad: np.ndarray, il: np.ndarray, tl: np.ndarray,
                             blank: int) -> Tensor:
    """−log Σ_π Π_t p_t(π_t) per sample (N,), NEG-scaled (≈ −NEG) where no alignment exists,
    by the α recursion over x (T, N, C): four recorded ops per time step."""
    n, dt = x.shape[1], x.dtype
    steps = int(il.max()) if n else 0
    if not steps:  # no frames at all: likelihood 1 for empty targets, else 0
        const = np.where(tl == 0, 0.0, -NEG).astype(dt)
        return x[:0].sum(axis=(0, 2)) + const  # (still connected to the graph: zero gradient)
    lab, prev = _plan(pad, blank)
    rows = np.arange(n)
    e = x[:steps, rows[:, None], lab]  # (T', N, L + 1): the emissions of each column
    if np.isneginf(e.data).any():  # log 0 as NEG: no −∞ − −∞ below
        e = where(np.isneginf(e.data), np.asarray(NEG, dt), e)
    start = np.full(lab.shape, NEG, dtype=dt)
    start[:, 1:3] = 0.0  # α_0 lives on the first blank and the first label only
    last = np.stack([2 * tl + 1, 2 * tl], axis=1)  # columns of l'_{2S} and l'_{2S−1}
    pieces: list[Any] = []
    order: list[np.ndarray] = []
    idle = np.flatnonzero(il == 0)
    if len(idle):
        pieces.append(np.where(tl[idle, None] == 0, [[0.0, NEG]], NEG).astype(dt))
        order.append(idle)
    # (frames in blocks: a frame's slice has a VJP as large as what it is sliced from, so
    # slicing e itself at every step made the backward O(T²))
    block = e[:FRAMES]
    alpha = block[0] + start
    for t in range(steps):
        if t:
            if t % FRAMES == 0:
                block = e[t:t + FRAMES]
            alpha = logsumexp(alpha[rows[:, None, None], prev], axis=1) + block[t % FRAMES]
        done = np.flatnonzero(il == t + 1)
        if len(done):
            pieces.append(alpha[done[:, None], last[done]])
            order.append(done)
    ends = concatenate(pieces, axis=0) if len(pieces) > 1 else pieces[0]
    inverse = np.empty(n, dtype=np.int64)
    inverse[np.concatenate(order)] = rows
    if not (inverse == rows).all():
        ends = ends[inverse]
    return -logsumexp(ends, axis=1)


class CTCLoss(_Loss):
    """ℓ_n = −log Σ_{alignments π of y_n} Π_t p_t(π_t), called as
    ``loss(log_probs, targets, input_lengths, target_lengths)``
    (see ``nn.functional.ctc_loss``)."""

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction)
        name = type(self).__name__
        if not is_int(blank) or blank < 0:
            raise ValueError(f"{name}: blank must be a class index >= 0, got {blank!r:.60}")
        self.blank = int(blank)
        self.zero_infinity = check_flag(zero_infinity, "zero_infinity", name)

    def forward(self, log_probs: Any, targets: Any, input_lengths: Any,
                target_lengths: Any) -> Tensor:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)

    def extra_repr(self) -> str:
        return (f"blank={self.blank}, reduction={self.reduction!r}, "
                f"zero_infinity={self.zero_infinity}")
