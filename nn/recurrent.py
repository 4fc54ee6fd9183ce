"""Recurrent layers with PyTorch's semantics, parameter names, shapes and initialisation: the
cells ``RNNCell``, ``LSTMCell``, ``GRUCell`` (one time step) and the sequence layers ``RNN``,
``LSTM``, ``GRU`` (stacked, optionally bidirectional).

Each step is the cell's formula written with ``linear``, ``sigmoid``, ``tanh``/``relu``, slicing
and products, but for the elementwise part of an LSTM or GRU step (its gates, cell and
output), which is one primitive, ``lstm_cell`` or ``gru_cell``, with a VJP of its own (an op
defined as users define theirs). The sequence layers run a plain Python loop over time (no
recursion: the engine's backward walk is iterative, so thousands of steps work). The
input-to-hidden products of a whole layer are computed for every time step at once (one fused
``linear``), and the per-step slices of it are cut by halving, so that their gradients cost
O(L log L) rather than the O(L²) of L full-size scatters.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from autograd_mini import Primitive, Tensor, concatenate, reshape, sigmoid, stack, tanh
from autograd_mini import linear as fused_linear
from autograd_mini import relu as relu_op

from ._util import (
    as_tensor,
    check_flag,
    check_real,
    check_rng,
    check_size,
    float_dtype,
    positive_int,
)
from .dropout import dropout as dropout_fn
from .init import uniform_parameters_
from .members import empty_parameters
from .module import Module
from .parameter import Parameter

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNCell"]

#: gates per mode: rows of weight_ih / weight_hh are (gates · hidden_size)
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# --------------------------------------------------------------------------- one time step
def _affine(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """x Wᵀ (+ b): one fused ``linear`` node."""
    return fused_linear(x, w) if b is None else fused_linear(x, w, b)


def _sigmoid(a: Any) -> Any:
    """σ(a), recorded on a Tensor, on an array its values (the library's stable sigmoid)."""
    s = sigmoid(a)
    return s if isinstance(a, Tensor) else s.data


def _lstm_gates(gates: Any, c: Any) -> tuple[Any, Any, Any, Any, Any, Any]:
    """(i, f, g, o, c', tanh c') of an LSTM step from its gate pre-activations (…, 4H) in
    PyTorch's order i, f, g, o and the cell c (…, H), on arrays or (recorded) on Tensors."""
    H = c.shape[-1]  # (np.tanh of a Tensor is the recorded tanh)
    s, g = _sigmoid(gates), np.tanh(gates[..., 2 * H:3 * H])
    i, f, o = s[..., :H], s[..., H:2 * H], s[..., 3 * H:]
    c1 = f * c + i * g
    return i, f, g, o, c1, np.tanh(c1)


def _lstm_cell(gates: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, Any]:
    """[h' | c'] side by side (…, 2H), with c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g) and
    h' = σ(o) ⊙ tanh(c');  with c̃ = c̄' + h̄' ⊙ σ(o) ⊙ (1 − tanh² c'):
    c̄ = c̃ ⊙ σ(f), and the gates' ā = c̃ ⊙ tanh g ⊙ σ'(i), c̃ ⊙ c ⊙ σ'(f),
    c̃ ⊙ σ(i) ⊙ (1 − tanh² g), h̄' ⊙ tanh c' ⊙ σ'(o), where σ' = σ (1 − σ)."""
    i, f, g, o, c1, t = _lstm_gates(gates, c)
    return np.concatenate([o * t, c1], axis=-1), (gates, c, (i, f, g, o, t))


def _lstm_cell_vjp(grad: Any, saved: Any, needs: tuple[bool, ...]) -> tuple[Any, Any]:
    gates, c, acts = saved
    if isinstance(gates, Tensor):  # recorded (second order): the activations from the inputs
        i, f, g, o, _, t = _lstm_gates(gates, c)
    else:
        i, f, g, o, t = acts
    H = c.shape[-1]
    h_bar, c_bar = grad[..., :H], grad[..., H:]
    c_tot = c_bar + h_bar * o * (1 - t * t)
    parts = [c_tot * g * i * (1 - i), c_tot * c * f * (1 - f), c_tot * i * (1 - g * g),
             h_bar * t * o * (1 - o)]
    return ((_joined(parts, gates) if needs[0] else None),
            (_like(c_tot * f, c) if needs[1] else None))


def _joined(parts: list[Any], like: Any) -> Any:
    """Gate gradients side by side along the last axis, in ``like``'s dtype (on Tensors, the
    recorded concatenation)."""
    if isinstance(parts[0], Tensor):
        return concatenate(parts, axis=-1)
    return np.concatenate(parts, axis=-1).astype(like.dtype, copy=False)


def _like(a: Any, like: Any) -> Any:
    """``a`` in ``like``'s dtype (a Tensor as it is: recorded)."""
    return a if isinstance(a, Tensor) else a.astype(like.dtype, copy=False)


#: an LSTM step's elementwise part as one node (as eleven, each step recorded the gate slices,
#: activations and products one by one, and the backward scattered each slice's gradient)
_LSTM_CELL = Primitive("lstm_cell", _lstm_cell, _lstm_cell_vjp, nin=2)


def _gru_cell(gi: np.ndarray, gh: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, Any]:
    """h' = n + z ⊙ (h − n), with r, z = σ(gi_r + gh_r), σ(gi_z + gh_z) and
    n = tanh(gi_n + r ⊙ gh_n) (gi, gh (…, 3H) in PyTorch's order r, z, n);  with
    ā_n = h̄' ⊙ (1 − z) ⊙ (1 − n²): gī = [ā_r, ā_z, ā_n], gh̄ = [ā_r, ā_z, ā_n ⊙ r],
    h̄ = h̄' ⊙ z, where ā_r = ā_n ⊙ gh_n ⊙ σ'(r), ā_z = h̄' ⊙ (h − n) ⊙ σ'(z), σ' = σ (1 − σ)."""
    r, z, n = _gru_gates(gi, gh)
    return n + z * (h - n), (gi, gh, h, (r, z, n))


def _gru_gates(gi: Any, gh: Any) -> tuple[Any, Any, Any]:
    """(r, z, n) of a GRU step, on arrays or (recorded) on Tensors."""
    H = gi.shape[-1] // 3
    rz = _sigmoid(gi[..., :2 * H] + gh[..., :2 * H])
    r, z = rz[..., :H], rz[..., H:]
    return r, z, np.tanh(gi[..., 2 * H:] + r * gh[..., 2 * H:])


def _gru_cell_vjp(grad: Any, saved: Any, needs: tuple[bool, ...]) -> tuple[Any, Any, Any]:
    gi, gh, h, gates = saved
    r, z, n = _gru_gates(gi, gh) if isinstance(gi, Tensor) else gates
    H = h.shape[-1]
    a_n = grad * (1 - z) * (1 - n * n)
    a_r = a_n * gh[..., 2 * H:] * r * (1 - r)
    a_z = grad * (h - n) * z * (1 - z)
    return ((_joined([a_r, a_z, a_n], gi) if needs[0] else None),
            (_joined([a_r, a_z, a_n * r], gh) if needs[1] else None),
            (_like(grad * z, h) if needs[2] else None))


#: a GRU step past its two products as one node (as twelve, each step recorded the gate
#: slices, activations and products one by one, and the backward scattered the slices)
_GRU_CELL = Primitive("gru_cell", _gru_cell, _gru_cell_vjp, nin=3)


def _step(mode: str, gi: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor,
          b_hh: Tensor | None, hidden: int) -> tuple[Tensor, Tensor | None]:
    """One step of a cell from gi = W_ih x + b_ih (batch, gates·H) and the state (h, c):
    PyTorch's formulas and gate order. Returns (h', c') (c' None but for the LSTM)."""
    gh = _affine(h, w_hh, b_hh)
    H = hidden
    if mode == "LSTM":
        assert c is not None
        hc = _LSTM_CELL(gi + gh, c)  # gates i, f, g, o → [h' | c']
        return hc[:, :H], hc[:, H:]
    if mode == "GRU":
        return _GRU_CELL(gi, gh, h), None
    pre = gi + gh
    return (tanh(pre) if mode == "RNN_TANH" else relu_op(pre)), None


def _unstack(x: Tensor) -> list[Tensor]:
    """[x[0], …, x[L−1]] along axis 0, cut by halving: each slice's gradient is scattered into
    its parent slice only, O(L log L) in all (L slices of x each would scatter a full-size
    array: O(L²) for long sequences)."""
    n = x.shape[0]
    out: list[Tensor | None] = [None] * n
    work: list[tuple[Tensor, int]] = [(x, 0)]
    while work:
        t, start = work.pop()
        m = t.shape[0]
        if m <= 8:
            for j in range(m):
                out[start + j] = t[j]
        else:
            half = m // 2
            work.append((t[half:], start + half))
            work.append((t[:half], start))
    return [t for t in out if t is not None]


def _empty(shape: tuple[int, ...], dt: np.dtype, where: str) -> Parameter:
    """A parameter for ``reset_parameters`` to fill; matrices stored column-major as
    ``Linear``'s weight (the layout ``linear`` multiplies fastest; shape, values and indexing
    are PyTorch's)."""
    check_size(shape, dt, where)
    return Parameter(np.empty(shape, dtype=dt, order="F" if len(shape) == 2 else "C"))


def _reset_uniform(module: Any, rng: np.random.Generator | None = None) -> None:
    """``reset_parameters`` of the cells and sequence layers: every parameter drawn anew from
    U(−1/√H, 1/√H) in ``parameters()`` order (PyTorch's order and rule), as at construction,
    from ``rng`` (default: the ``manual_seed`` generator), in place: the same Parameters (an
    optimiser holding them goes on), dtypes and layout."""
    uniform_parameters_(module.parameters(), 1.0 / math.sqrt(module.hidden_size), rng,
                        f"{type(module).__name__}.reset_parameters")


def _floating(x: Any, what: str, where: str) -> Tensor:
    t = as_tensor(x, f"{where}: {what}")
    if t.dtype.kind != "f":
        raise TypeError(f"{where}: {what} must be floating point, got dtype {t.dtype}")
    return t


# --------------------------------------------------------------------------- cells
class _CellBase(Module):
    """Parameters and checks shared by the cells."""

    _mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool,
                 rng: np.random.Generator | None, dtype: Any) -> None:
        super().__init__()
        where = type(self).__name__
        self.input_size = positive_int(input_size, "input_size", where)
        self.hidden_size = positive_int(hidden_size, "hidden_size", where)
        self.bias = check_flag(bias, "bias", where)
        dt = float_dtype(dtype, where)
        gen = check_rng(rng, where)
        gh = _GATES[self._mode] * self.hidden_size
        # PyTorch's order (the order of assignment is the state_dict order and the draws')
        self.weight_ih = _empty((gh, self.input_size), dt, where)
        self.weight_hh = _empty((gh, self.hidden_size), dt, where)
        self.bias_ih: Parameter | None = _empty((gh,), dt, where) if bias else None
        self.bias_hh: Parameter | None = _empty((gh,), dt, where) if bias else None
        empty_parameters(self, "bias_ih", "bias_hh")  # (slots, as PyTorch registers them)
        self.reset_parameters(gen)

    reset_parameters = _reset_uniform

    def _label(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _input(self, x: Any) -> tuple[Tensor, bool]:
        """x as (B, I) and whether it was batched."""
        t = _floating(x, "input", self._label())
        if t.ndim not in (1, 2) or t.shape[-1] != self.input_size:
            raise ValueError(
                f"{self._label()}: input of shape {t.shape} must be (batch, input_size) = "
                f"(B, {self.input_size}) or unbatched ({self.input_size},)")
        return (t, True) if t.ndim == 2 else (reshape(t, (1, self.input_size)), False)

    def _state(self, s: Any, what: str, x: Tensor, batched: bool) -> Tensor:
        """The state ``s`` (``what``: h or c) as (B, H), zeros when None."""
        H, B = self.hidden_size, x.shape[0]
        if s is None:
            return Tensor(np.zeros((B, H), dtype=np.result_type(x.dtype, self.weight_ih.dtype)))
        t = _floating(s, what, self._label())
        want = (B, H) if batched else (H,)
        if t.shape != want:
            kind = "batched" if batched else "unbatched"
            raise ValueError(f"{self._label()}: {what} of shape {t.shape} does not fit the "
                             f"{kind} input of shape {x.shape if batched else x.shape[1:]}; "
                             f"expected {want}")
        return t if batched else reshape(t, (1, H))

    def _cell(self, x: Tensor, h: Tensor, c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        gi = _affine(x, self.weight_ih, self.bias_ih)
        return _step(self._mode, gi, h, c, self.weight_hh, self.bias_hh, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if self._mode == "RNN_RELU":
            s += ", nonlinearity=relu"
        return s


class RNNCell(_CellBase):
    """One Elman RNN step h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (``nonlinearity="relu"``:
    relu), PyTorch's ``nn.RNNCell``.

    Parameters ``weight_ih`` (H, I), ``weight_hh`` (H, H), ``bias_ih`` and ``bias_hh`` (H,) (none
    with ``bias=False``), all U(−1/√H, 1/√H) drawn from ``rng`` in that order (default: the
    generator ``autograd_mini.manual_seed`` sets), again by ``reset_parameters(rng=None)``
    (every cell and sequence layer). ``forward(x, hx=None)`` takes x (B, I) or
    unbatched (I,) and h (B, H) or (H,) (zeros when None) and returns h'.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", rng: np.random.Generator | None = None,
                 dtype: Any = np.float64) -> None:
        self._mode = _nonlinearity(nonlinearity, "RNNCell")
        super().__init__(input_size, hidden_size, bias, rng, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, x: Any, hx: Any = None) -> Tensor:
        xt, batched = self._input(x)
        out, _ = self._cell(xt, self._state(hx, "h", xt, batched), None)
        return out if batched else reshape(out, (self.hidden_size,)) * 1  # (see LSTMCell)


class GRUCell(_CellBase):
    """One GRU step, PyTorch's ``nn.GRUCell`` (gate order r, z, n)::

        r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      h' = (1 − z) ⊙ n + z ⊙ h

    Parameters ``weight_ih`` (3H, I), ``weight_hh`` (3H, H), ``bias_ih``, ``bias_hh`` (3H,), all
    U(−1/√H, 1/√H) from ``rng`` in that order. ``forward(x, hx=None)`` as ``RNNCell``'s.
    """

    _mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__(input_size, hidden_size, bias, rng, dtype)

    def forward(self, x: Any, hx: Any = None) -> Tensor:
        xt, batched = self._input(x)
        out, _ = self._cell(xt, self._state(hx, "h", xt, batched), None)
        return out if batched else reshape(out, (self.hidden_size,)) * 1  # (see LSTMCell)


class LSTMCell(_CellBase):
    """One LSTM step, PyTorch's ``nn.LSTMCell`` (gate order i, f, g, o)::

        i, f, o = σ(W_i· x + b_i· + W_h· h + b_h·)      g = tanh(W_ig x + b_ig + W_hg h + b_hg)
        c' = f ⊙ c + i ⊙ g      h' = o ⊙ tanh(c')

    Parameters ``weight_ih`` (4H, I), ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H,), all
    U(−1/√H, 1/√H) from ``rng`` in that order. ``forward(x, hx=None)`` takes x (B, I) or (I,)
    and the pair ``hx = (h, c)``, each (B, H) or (H,) (zeros when None), and returns (h', c').
    """

    _mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        super().__init__(input_size, hidden_size, bias, rng, dtype)

    def forward(self, x: Any, hx: tuple[Any, Any] | None = None) -> tuple[Tensor, Tensor]:
        xt, batched = self._input(x)
        if hx is None:
            h0, c0 = None, None
        elif isinstance(hx, (tuple, list)) and len(hx) == 2:
            h0, c0 = hx
            if (h0 is None) != (c0 is None):
                raise ValueError(f"{self._label()}: give both h and c, or neither")
        else:
            raise TypeError(f"{self._label()}: the state must be a pair (h, c) or None, got "
                            f"{type(hx).__name__}")
        h1, c1 = self._cell(xt, self._state(h0, "h", xt, batched),
                            self._state(c0, "c", xt, batched))
        assert c1 is not None
        if not batched:
            h1, c1 = reshape(h1, (self.hidden_size,)), reshape(c1, (self.hidden_size,))
        # arrays of their own (recorded copies): h' and c' are slices of one array (or views
        # reshaped), and a view refuses in-place updates (c *= mask), where PyTorch's does not
        return h1 * 1, c1 * 1


def _nonlinearity(value: Any, where: str) -> str:
    if value == "tanh" and isinstance(value, str):
        return "RNN_TANH"
    if value == "relu" and isinstance(value, str):
        return "RNN_RELU"
    raise ValueError(f"{where}: unknown nonlinearity {value!r:.60}; choose 'tanh' or 'relu'")


# --------------------------------------------------------------------------- sequence layers
class _RNNBase(Module):
    """Parameters, checks and the time loop shared by ``RNN``, ``LSTM`` and ``GRU``."""

    _mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, bias: bool,
                 batch_first: bool, dropout: float, bidirectional: bool,
                 rng: np.random.Generator | None, dtype: Any) -> None:
        super().__init__()
        where = type(self).__name__
        self.input_size = positive_int(input_size, "input_size", where)
        self.hidden_size = positive_int(hidden_size, "hidden_size", where)
        self.num_layers = positive_int(num_layers, "num_layers", where)
        self.bias = check_flag(bias, "bias", where)
        self.batch_first = check_flag(batch_first, "batch_first", where)
        self.dropout = check_real(dropout, "dropout", where, 0.0, 1.0)
        self.bidirectional = check_flag(bidirectional, "bidirectional", where)
        dt = float_dtype(dtype, where)
        gen = check_rng(rng, where)
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn(
                f"{where}: dropout acts between recurrent layers only, so dropout="
                f"{self.dropout:g} with num_layers=1 does nothing", UserWarning, stacklevel=3)
        # dropout masks: the caller's rng, or the default generator current at each forward
        self.rng: np.random.Generator | None = None if rng is None else gen
        gh = _GATES[self._mode] * self.hidden_size
        dirs = 2 if self.bidirectional else 1
        # names (and draws) in PyTorch's order: per layer, per direction, w_ih, w_hh, b_ih, b_hh
        self._all_weights: list[list[str]] = []
        for layer in range(self.num_layers):
            n_in = self.input_size if layer == 0 else self.hidden_size * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                names = [f"weight_ih{sfx}", f"weight_hh{sfx}"]
                shapes: list[tuple[int, ...]] = [(gh, n_in), (gh, self.hidden_size)]
                if self.bias:
                    names += [f"bias_ih{sfx}", f"bias_hh{sfx}"]
                    shapes += [(gh,), (gh,)]
                for name, shape in zip(names, shapes):
                    setattr(self, name, _empty(shape, dt, where))
                self._all_weights.append(names)
        self.reset_parameters(gen)

    reset_parameters = _reset_uniform

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters per layer and direction, as PyTorch's ``all_weights``."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Does nothing. PyTorch's method packs the weights into one cuDNN buffer on the GPU.
        Here the weights are NumPy arrays, so there is nothing to pack. It exists so that
        PyTorch code calling it (often at the top of ``forward``) runs unchanged."""
        return None

    def _label(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _sequence(self, x: Any) -> tuple[Tensor, bool]:
        """The input as (L, B, I) and whether it was batched."""
        t = _floating(x, "input", self._label())
        order = "(B, L, input_size)" if self.batch_first else "(L, B, input_size)"
        if t.ndim not in (2, 3):
            raise ValueError(f"{self._label()}: input must be 3-d {order} or 2-d unbatched "
                             f"(L, input_size), got shape {t.shape}")
        if t.shape[-1] != self.input_size:
            raise ValueError(f"{self._label()}: input of shape {t.shape} does not end in "
                             f"input_size={self.input_size} features")
        if t.shape[1 if t.ndim == 3 and self.batch_first else 0] == 0:
            raise ValueError(f"{self._label()}: the sequence of input shape {t.shape} is "
                             "empty; need at least one time step")
        if t.ndim == 2:
            return reshape(t, (t.shape[0], 1, t.shape[1])), False
        return (t.swapaxes(0, 1) if self.batch_first else t), True

    def _initial(self, s: Any, what: str, x: Tensor, batched: bool) -> list[Tensor]:
        """The initial state ``s`` (``what``: h0 or c0) as one (B, H) tensor per layer and
        direction, zeros when None."""
        dirs = 2 if self.bidirectional else 1
        k, B, H = self.num_layers * dirs, x.shape[1], self.hidden_size
        if s is None:
            dt = np.result_type(x.dtype, self.weight_ih_l0.dtype)
            zero = Tensor(np.zeros((B, H), dtype=dt))
            return [zero] * k
        t = _floating(s, what, self._label())
        want = (k, B, H) if batched else (k, H)
        if t.shape != want:
            kind = "batched" if batched else "unbatched"
            raise ValueError(
                f"{self._label()}: {what} of shape {t.shape} does not fit the {kind} input; "
                f"expected {want} = (num_layers * num_directions, "
                f"{'batch, ' if batched else ''}hidden_size)")
        if not batched:
            t = reshape(t, (k, 1, H))
        return [t[j] for j in range(k)]

    def _run(self, x: Tensor, h0: list[Tensor], c0: list[Tensor] | None
             ) -> tuple[Tensor, Tensor, Tensor | None]:
        """output (L, B, D·H), h_n and c_n (num_layers·D, B, H) for x (L, B, I)."""
        mode, H = self._mode, self.hidden_size
        dirs = 2 if self.bidirectional else 1
        h_n: list[Tensor] = []
        c_n: list[Tensor] = []
        layer_in = x
        for layer in range(self.num_layers):
            if layer and self.dropout > 0 and self.training:
                layer_in = dropout_fn(layer_in, self.dropout, True, self.rng)
            outs: list[Tensor] = []
            for d in range(dirs):
                k = layer * dirs + d
                w_ih, w_hh, *b = self.all_weights[k]
                b_ih, b_hh = (b[0], b[1]) if b else (None, None)
                # the input projections of every time step in one op, cut into steps
                steps = _unstack(_affine(layer_in, w_ih, b_ih))
                h, c = h0[k], (None if c0 is None else c0[k])
                ys: list[Tensor | None] = [None] * len(steps)
                for t in (range(len(steps) - 1, -1, -1) if d else range(len(steps))):
                    h, c = _step(mode, steps[t], h, c, w_hh, b_hh, H)
                    ys[t] = h
                outs.append(stack([y for y in ys if y is not None], axis=0))
                h_n.append(h)
                if c is not None:
                    c_n.append(c)
            layer_in = outs[0] if dirs == 1 else concatenate(outs, axis=-1)
        return layer_in, stack(h_n, axis=0), (stack(c_n, axis=0) if c_n else None)

    def _output(self, out: Tensor, batched: bool) -> Tensor:
        if not batched:
            return reshape(out, (out.shape[0], out.shape[2]))
        return out.swapaxes(0, 1) if self.batch_first else out

    def _final(self, s: Tensor, batched: bool) -> Tensor:
        return s if batched else reshape(s, (s.shape[0], s.shape[2]))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


_LAYER_DOC = """

    Arguments as PyTorch's: ``num_layers`` stacked layers (layer k > 0 reads layer k − 1's
    output), ``bias``, ``batch_first`` (**False by default, as in PyTorch**: inputs are
    (L, B, input_size), or (B, L, input_size) with ``batch_first=True``; unbatched inputs are
    (L, input_size) either way), ``dropout`` (applied to each layer's output but the last's, in
    training mode only; masks from ``rng`` when given, else from the default generator current
    at each forward), ``bidirectional`` (a second pass from the last step to the first per
    layer; outputs concatenate [forward, reverse] features). ``proj_size`` is not supported.

    Parameters per layer k and direction (suffix ``_reverse`` for the backward one), PyTorch's
    names and shapes: ``weight_ih_l{k}`` (G·H, input_size for k = 0, else D·H), ``weight_hh_l{k}``
    (G·H, H), ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G·H,) (none with ``bias=False``), where G
    is the number of gates and D = 2 if bidirectional else 1; all U(−1/√H, 1/√H), drawn from
    ``rng`` in that order (default: the generator ``autograd_mini.manual_seed`` sets), in
    ``dtype`` (float32 parameters with float32 inputs stay float32); ``reset_parameters(rng=None)``
    draws them again in place.

    The initial state (D·num_layers, B, H) ((D·num_layers, H) unbatched) is zeros when not
    given; it is never batch-first. The time loop is a Python loop, so long sequences work
    (2,000 steps and more) at a cost linear in their length.
"""


class RNN(_RNNBase):
    """Elman RNN, PyTorch's ``nn.RNN``: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
    (``nonlinearity="relu"``: relu), G = 1 gate. ``forward(x, hx=None)`` returns
    ``(output, h_n)``: output (L, B, D·H) (batch-first or unbatched as the input) holds the last
    layer's h_t for every t, h_n (D·num_layers, B, H) the final state of every layer and
    direction."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        self._mode = _nonlinearity(nonlinearity, "RNN")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, rng, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        xs, batched = self._sequence(x)
        out, h_n, _ = self._run(xs, self._initial(hx, "h0", xs, batched), None)
        return self._output(out, batched), self._final(h_n, batched)


class GRU(_RNNBase):
    """Gated recurrent unit, PyTorch's ``nn.GRU`` (G = 3 gates r, z, n, as ``GRUCell``).
    ``forward(x, hx=None)`` returns ``(output, h_n)`` as ``RNN``'s."""

    _mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, rng: np.random.Generator | None = None,
                 dtype: Any = np.float64) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, rng, dtype)

    def forward(self, x: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        xs, batched = self._sequence(x)
        out, h_n, _ = self._run(xs, self._initial(hx, "h0", xs, batched), None)
        return self._output(out, batched), self._final(h_n, batched)


class LSTM(_RNNBase):
    """Long short-term memory, PyTorch's ``nn.LSTM`` (G = 4 gates i, f, g, o, as ``LSTMCell``).
    ``forward(x, hx=None)`` with ``hx = (h_0, c_0)`` (both, or None for zeros) returns
    ``(output, (h_n, c_n))``."""

    _mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0,
                 rng: np.random.Generator | None = None, dtype: Any = np.float64) -> None:
        if isinstance(proj_size, bool) or not isinstance(proj_size, (int, np.integer)) \
                or proj_size != 0:
            raise ValueError(f"LSTM: proj_size={proj_size!r:.60} is not supported (only 0, no "
                             "projection)")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, rng, dtype)
        self.proj_size = 0

    def forward(self, x: Any, hx: tuple[Any, Any] | None = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        xs, batched = self._sequence(x)
        if hx is None:
            h, c = None, None
        elif isinstance(hx, (tuple, list)) and len(hx) == 2:
            h, c = hx
            if (h is None) != (c is None):
                raise ValueError(f"{self._label()}: give both h_0 and c_0, or neither")
        else:
            raise TypeError(f"{self._label()}: the initial state must be a pair (h_0, c_0) or "
                            f"None, got {type(hx).__name__}")
        out, h_n, c_n = self._run(xs, self._initial(h, "h_0", xs, batched),
                                  self._initial(c, "c_0", xs, batched))
        assert c_n is not None
        return self._output(out, batched), (self._final(h_n, batched), self._final(c_n, batched))


for _cls in (RNN, GRU, LSTM):
    _cls.__doc__ = (_cls.__doc__ or "") + _LAYER_DOC

