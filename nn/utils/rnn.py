"""Batches of sequences of different lengths, as ``torch.nn.utils.rnn``: ``pad_sequence`` and
``unpad_sequence``, both recorded (gradients reach each sequence).

There is no packing (``PackedSequence``, ``pack_padded_sequence``, ``pack_sequence``,
``pad_packed_sequence``, ``unpack_sequence``): the recurrent layers take padded batches, so
pad the sequences, read each one's output at its own last step and mask the padded steps
in the loss (docs/nn.md, "Sequences of different lengths").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_mini import Tensor, pad, stack

from .._util import as_tensor, check_flag

__all__ = ["pad_sequence", "unpad_sequence"]

#: PyTorch's packing names, which are not provided here
_PACKING = ("PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
            "pad_packed_sequence", "unpack_sequence")


def _sequences(sequences: Any, where: str) -> list[Tensor]:
    """``sequences`` as a list of Tensors with at least one axis (a Tensor: its rows)."""
    if isinstance(sequences, Tensor):
        items: list[Any] = [] if sequences.ndim == 0 else [sequences[i] for i in
                                                           range(sequences.shape[0])]
    elif isinstance(sequences, (str, bytes)) or not isinstance(sequences, Iterable):
        raise TypeError(f"{where}: sequences must be a list of Tensors, got "
                        f"{type(sequences).__name__}")
    else:
        items = list(sequences)
    if not items:
        raise ValueError(f"{where}: got no sequences")
    out = [as_tensor(s, f"{where}: sequence {i}") for i, s in enumerate(items)]
    for i, s in enumerate(out):
        if s.ndim == 0:
            raise ValueError(f"{where}: sequence {i} is 0-d; each must be shaped (length, *)")
    if any(s.shape[1:] != out[0].shape[1:] for s in out):
        raise ValueError(f"{where}: the sequences' shapes {[s.shape for s in out]} must agree "
                         "after their first (time) axis")
    return out


def _fill(value: float, dtype: np.dtype, where: str) -> float | int | bool:
    """``value`` as an entry of ``dtype``: a float, or for integer data its integer part
    (as PyTorch casts it), refused when it does not fit (a finite value beyond the floating
    dtype's largest, as PyTorch's; ±inf pads with ±inf)."""
    if dtype.kind == "f":
        try:
            out = float(value)
        except OverflowError:
            raise ValueError(f"{where}: padding_value {value} does not fit {dtype}") from None
        if math.isfinite(out) and abs(out) > float(np.finfo(dtype).max):
            raise ValueError(f"{where}: padding_value {value} does not fit sequences of "
                             f"dtype {dtype} (largest finite {np.finfo(dtype).max})")
        return out
    if dtype.kind == "b":
        return bool(value)
    info = np.iinfo(dtype)
    if not math.isfinite(value) or not info.min <= int(value) <= info.max:
        raise ValueError(f"{where}: padding_value {value} does not fit sequences of dtype "
                         f"{dtype}")
    return int(value)


def pad_sequence(
    sequences: Tensor | Iterable[Any],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences s_b of shapes (L_b, *) into one (T, B, *) Tensor (``batch_first``:
    (B, T, *)), T = max_b L_b: out[t, b] = s_b[t] for t < L_b and ``padding_value`` after it
    (``padding_side="left"``: the padding comes first and s_b ends at T). Recorded: each
    s_b gets the gradient of its own entries. A Tensor is taken as the list of its rows.
    Dtypes promote as NumPy's (PyTorch casts to the first sequence's dtype). A
    ``padding_value`` that does not fit a sequence's dtype (1e40 for float32, NaN for
    integers) is refused, padding or not, as PyTorch refuses it.
    """
    where = "pad_sequence"
    seqs = _sequences(sequences, where)
    first = check_flag(batch_first, "batch_first", where)
    if isinstance(padding_value, (bool, np.bool_)) or not isinstance(
            padding_value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: padding_value must be a real number, got "
                        f"{padding_value!r:.60}")
    if not isinstance(padding_side, str) or padding_side not in ("left", "right"):
        raise ValueError(f"{where}: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r:.60}")
    total = max(s.shape[0] for s in seqs)
    # (checked for every dtype, padding or not: PyTorch refuses a value that does not fit)
    fills = {s.dtype: _fill(padding_value, s.dtype, where) for s in seqs}
    padded = []
    for s in seqs:
        gap = total - s.shape[0]
        if gap:
            before, after = (gap, 0) if padding_side == "left" else (0, gap)
            s = pad(s, [(before, after)] + [(0, 0)] * (s.ndim - 1),
                    constant_values=fills[s.dtype])
        padded.append(s)
    return stack(padded, axis=0 if first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Any,
                   batch_first: bool = False) -> list[Tensor]:
    """The inverse of ``pad_sequence`` (right padding): s_b = padded[:L_b, b] (``batch_first``:
    padded[b, :L_b]) for each length L_b of ``lengths`` (a Tensor, array or list of ints),
    recorded slices. Lengths beyond the padded length or of the wrong count are refused
    (PyTorch's silently take what is there or stop early).
    """
    where = "unpad_sequence"
    x = as_tensor(padded_sequences, f"{where}: padded_sequences")
    first = check_flag(batch_first, "batch_first", where)
    if x.ndim < 2:
        raise ValueError(f"{where}: padded_sequences must have time and batch axes, got "
                         f"shape {x.shape}")
    try:
        lens = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    except (TypeError, ValueError, OverflowError):  # (ragged or odd objects)
        lens = np.empty(0, dtype=object)
    if lens.ndim == 1 and lens.size == 0 and lens.dtype != object:  # ([] is float64)
        lens = lens.astype(np.int64)
    if lens.ndim != 1 or lens.dtype.kind not in "iu":
        raise TypeError(f"{where}: lengths must be a 1-d sequence of ints, got "
                        f"{lengths!r:.80}")
    batch, steps = (x.shape[0], x.shape[1]) if first else (x.shape[1], x.shape[0])
    if lens.shape[0] != batch or (lens.size and (lens.min() < 0 or lens.max() > steps)):
        raise ValueError(f"{where}: lengths {lens.tolist()} must be {batch} lengths in "
                         f"[0, {steps}] for padded_sequences of shape {x.shape} "
                         f"(batch_first={first})")
    if first:
        return [x[b, :int(n)] for b, n in enumerate(lens)]
    return [x[:int(n), b] for b, n in enumerate(lens)]


def __getattr__(name: str) -> object:
    """Only reached for a missing name: PyTorch's packing functions are not provided."""
    hint = (" (a PyTorch name): not provided, there is no packing of sequences: the recurrent "
            "layers take padded batches; pad them with pad_sequence, read each sequence's "
            "output at its own last step and mask the padded steps in the loss (docs/nn.md, "
            "'Sequences of different lengths')" if name in _PACKING else "")
    raise AttributeError(f"module 'nn.utils.rnn' has no attribute {name!r}{hint}")
