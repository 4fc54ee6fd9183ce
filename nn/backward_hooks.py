"""Full backward hooks of a ``Module``, as PyTorch's ``register_full_backward_hook`` and
``register_full_backward_pre_hook``: read or replace the gradients with respect to a call's
outputs (``grad_output``) and its inputs (``grad_input``).

A hooked call passes its tensor inputs that require grad, and then its outputs that do, through
a gate: an op whose forward joins the tensors into one flat array, each then continuing as its
own piece of it (another small op), so that the gate's VJP receives the gradients of all of
them together. The reverse sweep reaches the outputs' gate only after every use of the
outputs, and the inputs' gate only after every op of the call: there the pre-hooks see
``grad_output``, and the hooks see ``grad_input`` and ``grad_output``. A gradient that is an
array in the sweep reaches a hook as a Tensor. As in PyTorch, an output no gradient reached
has None in ``grad_output`` (a pre-hook may give one, which then flows back), a tensor
argument that does not require grad has zeros in ``grad_input``, and the hooks run only in a
pass through both gates: a second-order pass, which reaches the inputs' gate through the first
pass's recorded gradients, passes it unchanged. Tools that trace the backward pass without
running it (``explain_backward``, drawings) do not run the hooks.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

import autograd_mini as am
from autograd_mini import Primitive, Tensor
from autograd_mini.graphview import tracing

if TYPE_CHECKING:
    from .hooks import Hook
    from .module import Module

__all__ = ["HookedCall"]


def _join(*arrays: np.ndarray, call: HookedCall, side: str) -> tuple[np.ndarray, None]:
    """out = the arrays, flattened and joined (the gate of a hooked call's ``side``)"""
    return np.concatenate([a.ravel() for a in arrays]), None


def _join_vjp(g: Any, saved: None, needs: tuple[bool, ...], call: HookedCall,
              side: str) -> tuple[Any, ...]:
    """x̄ᵢ = ḡ's piece for xᵢ, shaped as xᵢ, after the hooks (which may replace it)"""
    return call.reached(side, call.split(g, side), needs)


def _piece(flat: np.ndarray, start: int, shape: tuple[int, ...], call: HookedCall,
           side: str, k: int) -> tuple[np.ndarray, None]:
    """out = flat[start : start + size], shaped ``shape`` (the k-th tensor through a gate)"""
    return flat[start:start + int(np.prod(shape))].reshape(shape).copy(), None


def _piece_vjp(g: Any, saved: None, needs: tuple[bool, ...], start: int,
               shape: tuple[int, ...], call: HookedCall, side: str, k: int) -> tuple[Any]:
    """flat̄ = ḡ flattened, with zeros before and after its place"""
    if not tracing():
        call.arrived[side].add(k)
    size = int(np.prod(shape))
    total = sum(int(np.prod(s)) for s in call.shapes[side])
    return (np.pad(g.reshape(-1), (start, total - start - size)),)


GATE = Primitive("module_hooks", _join, _join_vjp, nin=-1)
PIECE = Primitive("module_hooks_piece", _piece, _piece_vjp)
PIECE.in_place = False  # (``x += …`` inside forward would not reach the caller's x)


class HookedCall:
    """One call of ``module`` with full backward hooks: which of its arguments and outputs
    pass through the gates, and what the backward pass has brought so far."""

    def __init__(self, module: Module, hooks: dict[str, dict[int, Hook]]) -> None:
        self.module = module
        self.hooks = {kind: list(hooks.get(kind, {}).values())  # (those of the call's time)
                      for kind in ("backward_pre", "backward")}
        self.n = {"inputs": 0, "outputs": 0}  # how many arguments / outputs the call has
        self.gated: dict[str, list[int]] = {"inputs": [], "outputs": []}  # their positions
        self.shapes: dict[str, list[tuple[int, ...]]] = {"inputs": [], "outputs": []}
        self.dtypes: dict[str, list[np.dtype[Any]]] = {"inputs": [], "outputs": []}
        self.constant: dict[int, Tensor] = {}  # tensor arguments that do not require grad
        self.arrived: dict[str, set[int]] = {"inputs": set(), "outputs": set()}
        self.grad_output: tuple[Any, ...] | None = None  # (the pass through the outputs')

    def __repr__(self) -> str:
        return f"<backward hooks of a {type(self.module).__name__} call>"

    def gate_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """``args`` with their tensors that require grad passed through the inputs' gate."""
        self.n["inputs"] = len(args)
        items = self._gate(list(args), "inputs")
        if self.gated["inputs"]:
            self.constant = {i: a for i, a in enumerate(args) if isinstance(a, Tensor)
                             and not a.requires_grad}
        return tuple(items)

    def gate_outputs(self, out: Any) -> Any:
        """``out`` (a Tensor, or a tuple or list of them) through the outputs' gate."""
        if isinstance(out, Tensor):
            self.n["outputs"] = 1
            return self._gate([out], "outputs")[0]
        if not isinstance(out, (tuple, list)):
            warnings.warn(f"{type(self.module).__name__}: its backward hooks run only when "
                          "it returns a Tensor, or a tuple or list of them; this call returned "
                          f"a {type(out).__name__}", stacklevel=4)
            return out
        self.n["outputs"] = len(out)
        items = self._gate(list(out), "outputs")
        return type(out)._make(items) if hasattr(out, "_make") else type(out)(items)

    def _gate(self, items: list[Any], side: str) -> list[Any]:
        at = [i for i, t in enumerate(items) if isinstance(t, Tensor) and t.requires_grad]
        if not am.is_grad_enabled() or not at:
            return items
        tensors = [items[i] for i in at]
        self.gated[side] = at
        self.shapes[side] = [t.shape for t in tensors]
        self.dtypes[side] = [t.dtype for t in tensors]
        flat, start = GATE(*tensors, call=self, side=side), 0
        for k, (i, t) in enumerate(zip(at, tensors)):
            piece = PIECE(flat, start=start, shape=t.shape, call=self, side=side, k=k)
            items[i] = piece if piece.dtype == t.dtype else piece.astype(t.dtype)
            start += t.size
        return items

    def split(self, flat: Any, side: str) -> list[Any]:
        """``flat`` cut into pieces shaped and typed as the tensors gated on ``side``."""
        pieces, start = [], 0
        for shape, dtype in zip(self.shapes[side], self.dtypes[side]):
            size = int(np.prod(shape))
            piece = flat[start:start + size].reshape(shape)
            pieces.append(piece if piece.dtype == dtype else piece.astype(dtype))
            start += size
        return pieces

    def reached(self, side: str, grads: list[Any], needs: tuple[bool, ...]) -> tuple[Any, ...]:
        """The gradients the gate on ``side`` passes on, after the hooks."""
        if tracing():  # (a tool tracing the backward pass: no hooks run)
            return tuple(grads)
        recorded = any(isinstance(g, Tensor) for g in grads)
        full: list[Any] = [None] * self.n[side]
        arrived, self.arrived[side] = self.arrived[side], set()
        for k, (i, g) in enumerate(zip(self.gated[side], grads)):
            if side == "inputs" or k in arrived:
                full[i] = g if recorded else Tensor(g)
        if side == "outputs":
            grad = tuple(full)
            shapes = dict(zip(self.gated[side], self.shapes[side]))  # (None there may be given)
            for hook in self.hooks["backward_pre"]:
                grad = self._replaced(hook.fn(self.module, grad), grad, "backward pre-hook",
                                      "grad_output", shapes)
            self.grad_output = grad
            if not self.gated["inputs"]:  # no input requires grad: the hooks run now
                self._run_hooks((None,) * self.n["inputs"], grad)
        elif self.grad_output is not None:
            for i, a in self.constant.items():  # (zeros, as PyTorch gives them)
                full[i] = Tensor(np.zeros(a.shape, dtype=a.dtype))
            grad, self.grad_output = self._run_hooks(tuple(full), self.grad_output), None
        else:  # this pass did not come through the outputs (a second-order pass): no hooks
            return tuple(grads)
        return tuple(grads[k] if grad[i] is None and side == "outputs" and k not in arrived
                     else None if grad[i] is None or not need
                     else grad[i] if recorded else np.asarray(grad[i].data, dtype=dtype)
                     for k, (i, need, dtype) in enumerate(zip(self.gated[side], needs,
                                                              self.dtypes[side])))

    def _run_hooks(self, grad_input: tuple[Any, ...],
                   grad_output: tuple[Any, ...]) -> tuple[Any, ...]:
        none_in = all(g is None for g in grad_input)
        for hook in self.hooks["backward"]:
            new = hook.fn(self.module, grad_input, grad_output)
            if none_in and new is not None and not (
                    isinstance(new, (tuple, list)) and all(g is None for g in new)):
                raise RuntimeError(f"{type(self.module).__name__}: no input of this call "
                                   "requires grad, so its backward hook must return None (or "
                                   "None for every gradient)")
            grad_input = self._replaced(new, grad_input, "backward hook", "grad_input")
        return grad_input

    def _replaced(self, new: Any, old: tuple[Any, ...], what: str, name: str,
                  shapes: dict[int, tuple[int, ...]] | None = None) -> tuple[Any, ...]:
        """``old`` with a hook's result ``new`` (None: unchanged) checked and taken in; where
        ``old`` holds None, a value is taken only at a position ``shapes`` gives (a gated
        output no gradient reached, which PyTorch then sends back through the call)."""
        if new is None:
            return old
        where = f"{type(self.module).__name__}: a {what}"
        if not isinstance(new, (tuple, list)) or len(new) != len(old):
            got = f"{len(new)} values" if isinstance(new, (tuple, list)) else type(new).__name__
            raise RuntimeError(f"{where} returned {got} for {name}, expected None or a tuple "
                               f"of {len(old)}")
        out: list[Any] = []
        for i, (g, o) in enumerate(zip(new, old)):
            shape = o.shape if o is not None else (shapes or {}).get(i)
            if g is None or shape is None:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                try:
                    g = Tensor(np.asarray(g, dtype=None if o is None else o.dtype))
                except (TypeError, ValueError) as exc:
                    raise TypeError(f"{where} returned {name}[{i}] = {g!r:.40}, not numbers "
                                    f"({exc})") from None
            if g.shape != shape:
                raise ValueError(f"{where} returned {name}[{i}] of shape {g.shape}, expected "
                                 f"{shape}")
            out.append(g)
        return tuple(out)
