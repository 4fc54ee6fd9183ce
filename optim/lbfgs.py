"""LBFGS: limited-memory BFGS with a fixed step or a strong Wolfe line search, as torch.optim's."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from autograd_mini import Tensor
from autograd_mini.tensor import READ_ONLY, read_only, writeable

from .hyper import ParamGroup, check_nonnegative
from .lbfgs_state import pack, unpack
from .line_search import Point, strong_wolfe
from .optimizer import Optimizer, Params, ParamState, saved_indices

__all__ = ["LBFGS"]

LINE_SEARCHES = (None, "strong_wolfe")


def _count(name: str, value: Any, least: int) -> int:
    """``value`` as an int ≥ ``least``, refusing booleans, floats and other types."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"LBFGS: {name} must be an int, got {value!r:.40}")
    if value < least:
        raise ValueError(f"LBFGS: invalid {name}: {value!r} (must be >= {least})")
    return int(value)


def _nonnegative(name: str, value: Any) -> float:
    """``check_nonnegative`` with its message naming LBFGS."""
    try:
        return check_nonnegative(name, value)
    except (TypeError, ValueError) as e:
        raise type(e)(f"LBFGS: {e}") from None


def _loss(out: Any) -> float:
    """The closure's loss as a float: a Tensor or ndarray of one element or a real number (what
    torch's ``float(closure())`` takes)."""
    if isinstance(out, (Tensor, np.ndarray)):
        arr = out.data if isinstance(out, Tensor) else out
        if arr.size != 1 or arr.dtype.kind not in "iuf":
            raise ValueError("LBFGS.step: the closure must return the loss as a scalar, got a "
                             f"{type(out).__name__} of shape {arr.shape} and dtype {arr.dtype}")
        return float(arr.reshape(()))
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, float, np.integer,
                                                                  np.floating)):
        raise TypeError("LBFGS.step: the closure must return the loss (a scalar Tensor or "
                        f"ndarray, or a number), got {type(out).__name__}" +
                        (": does it end with `return loss`?" if out is None else ""))
    return float(out)


def two_loop(g: np.ndarray, dirs: list[np.ndarray], stps: list[np.ndarray], ro: list[float],
             h_diag: float) -> np.ndarray:
    """The L-BFGS direction d = −H g by the two-loop recursion over the pairs (sᵢ, yᵢ) (oldest
    first; ρᵢ = 1 / yᵢᵀsᵢ) with H₀ = h_diag · I::

        q ← −g;  for i newest→oldest: αᵢ = ρᵢ sᵢᵀq,  q ← q − αᵢ yᵢ
        r ← H₀ q;  for i oldest→newest: βᵢ = ρᵢ yᵢᵀr,  r ← r + (αᵢ − βᵢ) sᵢ;  d = r
    """
    q = -g
    alpha = [0.0] * len(dirs)
    for i in range(len(dirs) - 1, -1, -1):
        alpha[i] = np.dot(stps[i], q) * ro[i]
        q -= alpha[i] * dirs[i]
    r = q * h_diag
    for i in range(len(dirs)):
        r += (alpha[i] - np.dot(dirs[i], r) * ro[i]) * stps[i]
    return r


class LBFGS(Optimizer):
    r"""L-BFGS (Liu & Nocedal): quasi-Newton steps from the last ``history_size`` changes.

    ``step(closure)`` runs up to ``max_iter`` iterations (about ``max_eval`` evaluations of
    ``closure``, which zeroes the gradients, computes the loss, calls ``backward`` and
    returns the loss). The parameters are one flat vector x with gradient g; iteration k::

        y = g − g_prev,  s = t_prev d_prev;  if yᵀs > 1e-10: keep (s, y), ρ = 1/yᵀs,
                                                             H₀ = yᵀs / yᵀy   (H₀ = 1 at first)
        d = −H g       (two-loop recursion over the last history_size pairs; d = −g at first)
        t = min(1, 1/‖g‖₁) · lr  on the very first iteration, else  t = lr
        x ← x + t d    (or t from the strong Wolfe search, c₁ = 1e-4, c₂ = 0.9)

    It stops when ‖g‖∞ ≤ tolerance_grad, gᵀd > −tolerance_change, ‖t d‖∞ ≤ tolerance_change,
    |Δloss| < tolerance_change, or after max_iter iterations or max_eval evaluations
    (default max_iter · 5 // 4); a search may make max_eval − (evaluations so far) + 1 of
    them, so a step ends with at most max_eval + 1, as torch's. Without a line search the last
    iteration's move is not re-evaluated. Parameters the direction never moves (no gradient)
    are never written. The state (d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad,
    prev_loss, n_iter, func_evals) sits on the first parameter, as PyTorch's, so each
    ``step`` continues where the previous one stopped, step for step as torch.optim.LBFGS.
    Returns the closure's first loss. A single parameter group only; no ``maximize``.
    """

    def __init__(self, params: Params, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)

    def _check(self, group: ParamGroup) -> ParamGroup:
        lr = group["lr"]
        if isinstance(lr, (int, float, np.number)) and not isinstance(lr, bool) and lr <= 0:
            raise ValueError(f"LBFGS: invalid lr: {lr!r} (must be > 0)")
        group["lr"] = _nonnegative("lr", lr)
        group["max_iter"] = _count("max_iter", group["max_iter"], 1)
        if group["max_eval"] is None:
            group["max_eval"] = group["max_iter"] * 5 // 4
        group["max_eval"] = _count("max_eval", group["max_eval"], 1)
        group["history_size"] = _count("history_size", group["history_size"], 1)
        for name in ("tolerance_grad", "tolerance_change"):
            group[name] = _nonnegative(name, group[name])
        ls = group["line_search_fn"]
        if ls is not None and not (isinstance(ls, str) and ls in LINE_SEARCHES):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{group['line_search_fn']!r:.40}")
        return group

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """The one parameter group (L-BFGS treats all parameters as one vector)."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups): "
                             "it takes one group of parameters")
        super().add_param_group(param_group)

    # ------------------------------------------------------------------ the flat vector
    def _flat_grad(self) -> np.ndarray:
        """All gradients as one vector (zeros for a parameter without one)."""
        params = self.param_groups[0]["params"]
        grads = {id(p): g for p, g, _ in self._stepping()}
        dtype = np.result_type(*(p.data.dtype for p in params))
        return np.concatenate([grads[id(p)].ravel().astype(dtype, copy=False) if id(p) in grads
                               else np.zeros(p.data.size, dtype) for p in params])

    def _pieces(self, d: np.ndarray) -> list[tuple[Tensor, np.ndarray]]:
        """(parameter, its slice of d shaped like it) for each parameter d moves: not those
        whose slice is 0 (no gradient, ever), which are never written, as the other optimisers
        skip grad-less parameters. Refuses a read-only one (a live graph holds it) before
        anything changes."""
        out, start = [], 0
        for i, p in enumerate(self.param_groups[0]["params"]):
            piece = d[start:start + p.data.size].reshape(p.shape)
            start += p.data.size
            if not piece.any():
                continue
            if not writeable(p.data):
                raise RuntimeError(f"LBFGS.step: parameter {i} of group 0 (shape {p.shape}), "
                                   f"which the direction moves, is {READ_ONLY[read_only(p.data)]}")
            out.append((p, piece))
        return out

    @staticmethod
    def _move(t: float, pieces: list[tuple[Tensor, np.ndarray]]) -> None:
        """x ← x + t d, in place, each parameter in its own dtype."""
        with np.errstate(all="ignore"):
            for p, piece in pieces:
                p.data += (t * piece).astype(p.data.dtype, copy=False)

    # ------------------------------------------------------------------ stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; return the closure's first loss."""
        if closure is None or not callable(closure):
            raise TypeError("LBFGS.step needs a closure (a function that zeroes the gradients, "
                            "computes the loss, calls backward() and returns the loss: L-BFGS "
                            f"evaluates it several times per step), got {closure!r:.40}")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        if type(self.state) is not ParamState:  # (reset as in PyTorch: defaultdict(dict))
            self.state = ParamState.of(self.state, self._params())
        st = self.state[group["params"][0]]
        orig = closure()
        loss, g, evals = _loss(orig), self._flat_grad(), 1
        # (the counters are stored with the rest at the end: a refused step leaves the state)
        n_iter, func_evals = st.get("n_iter", 0), st.get("func_evals", 0) + 1
        with np.errstate(all="ignore"):
            if np.abs(g).max(initial=0.0) <= tol_grad:
                st.update(n_iter=n_iter, func_evals=func_evals)
                return orig
        d, t, h_diag = st.get("d"), st.get("t", lr), st.get("H_diag", 1.0)
        dirs, stps, ro = (list(st.get(k, [])) for k in ("old_dirs", "old_stps", "ro"))
        prev_g, prev_loss = st.get("prev_flat_grad"), st.get("prev_loss", loss)
        n = 0
        while n < max_iter:
            n += 1
            n_iter += 1
            with np.errstate(all="ignore"):
                if n_iter == 1 or d is None or prev_g is None:
                    d, dirs, stps, ro, h_diag = -g, [], [], [], 1.0
                else:
                    y, s = g - prev_g, d * t
                    ys = float(np.dot(y, s))
                    if ys > 1e-10:
                        if len(dirs) >= group["history_size"]:
                            del dirs[0], stps[0], ro[0]
                        dirs.append(y)
                        stps.append(s)
                        ro.append(1.0 / ys)
                        h_diag = ys / float(np.dot(y, y))
                    d = two_loop(g, dirs, stps, ro, h_diag)
                prev_g, prev_loss = g, loss
                t = min(1.0, 1.0 / float(np.abs(g).sum())) * lr if n_iter == 1 else lr
                slope = float(np.dot(g, d))
            if slope > -tol_change:
                break
            pieces = self._pieces(d)
            if group["line_search_fn"] == "strong_wolfe":
                # (torch's budget: max_eval − evals trials after the first)
                point, used = self._line_search(closure, Point(0.0, loss, g, slope), t, d,
                                                pieces, max_eval - evals + 1)
                loss, g, t = point.f, point.grad, point.t
                if t != 0.0:  # (t = 0: no finite point lower than x; 0 · d may be NaN)
                    self._move(t, pieces)
            else:
                self._move(t, pieces)
                used = int(n != max_iter)  # (the last move is left for the next step to evaluate)
                if used:
                    loss, g = _loss(closure()), self._flat_grad()
            evals += used
            func_evals += used
            with np.errstate(all="ignore"):
                if (n == max_iter or evals >= max_eval or np.abs(g).max() <= tol_grad
                        or np.abs(d * t).max() <= tol_change
                        or abs(loss - prev_loss) < tol_change):
                    break
        st.update(d=d, t=t, old_dirs=dirs, old_stps=stps, ro=ro, H_diag=h_diag,
                  prev_flat_grad=prev_g, prev_loss=prev_loss, n_iter=n_iter,
                  func_evals=func_evals)
        return orig

    def _line_search(self, closure: Callable[[], Any], start: Point, t: float, d: np.ndarray,
                     pieces: list[tuple[Tensor, np.ndarray]], max_evals: int
                     ) -> tuple[Point, int]:
        """:func:`optim.line_search.strong_wolfe` along d (moving the parameters in
        ``pieces``); the parameters are left at x."""
        x = [p.data.copy() for p, _ in pieces]

        def evaluate(step: float) -> Point:
            self._move(step, pieces)
            try:
                loss, g = _loss(closure()), self._flat_grad()
            finally:
                for (p, _), xi in zip(pieces, x, strict=True):
                    p.data[...] = xi
            with np.errstate(all="ignore"):
                return Point(step, loss, g, float(np.dot(g, d)))

        with np.errstate(all="ignore"):
            d_max = float(np.abs(d).max(initial=0.0))
        return strong_wolfe(evaluate, start, t, tolerance_change=1e-9, d_max=d_max,
                            max_evals=max_evals)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """As the base class's, with the state split so that ``optim.save`` can store it:
        the numbers (and ``ro.<k>``) on parameter 0; ``d``, ``prev_flat_grad`` and the
        history ``old_dirs.<k>``, ``old_stps.<k>`` (k = 0 the oldest) cut into one array shaped
        like each parameter (``lbfgs_state.pack``). ``load_state_dict`` takes this and
        PyTorch's layout."""
        out = super().state_dict()
        params = self.param_groups[0]["params"]
        st = ParamState.of(self.state).get(id(params[0])) or {}
        if st:
            out["state"] = pack(st, [p.shape for p in params])
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`'s snapshot, or a ``torch.optim.LBFGS`` one (flat vectors
        and lists on parameter 0; its scratch ``al`` is ignored). Checked before anything
        changes; one ValueError lists every problem."""
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError("state_dict must be a mapping with keys 'state' and 'param_groups'")
        saved = state_dict["state"]
        if not isinstance(saved, Mapping) or not all(isinstance(e, Mapping)
                                                     for e in saved.values()):
            raise ValueError("cannot load optimizer state dict: 'state' must map parameter "
                             f"indices to dicts, got {saved!r:.80}")
        before = self.param_groups, self.state
        super().load_state_dict({"state": {}, "param_groups": state_dict["param_groups"]})
        try:
            group = self.param_groups[0]
            st = unpack(saved, saved_indices(state_dict["param_groups"][0]["params"]),
                        [p.data for p in group["params"]], group["history_size"])
        except ValueError:
            self.param_groups, self.state = before
            raise
        if st:
            self.state[self.param_groups[0]["params"][0]] = st
