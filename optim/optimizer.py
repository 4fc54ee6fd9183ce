"""Optimizer: the base class holding parameter groups, lazy per-parameter state and checkpoints."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar, cast

import numpy as np

from autograd_mini import Tensor, no_grad
from autograd_mini.tensor import READ_ONLY, read_only, writeable

from .hyper import ParamGroup, check_flag

__all__ = ["Optimizer", "ParamGroup", "Params"]

Params = Iterable[Tensor] | Iterable[Mapping[str, Any]] | Iterable[tuple[str, Tensor]]
_Step = TypeVar("_Step", bound=Callable[..., Any])


def to_python(value: Any) -> Any:
    """NumPy scalars and 0-d arrays to Python numbers, 1-d arrays and lists to tuples; other
    array-likes with a shape (PyTorch's tensors, in its optimisers' state dicts) alike."""
    if not isinstance(value, (np.ndarray, np.generic, list, tuple, str)) and \
            hasattr(value, "__array__") and hasattr(value, "shape"):
        value = np.asarray(value)
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        return arr.item() if arr.ndim == 0 else tuple(x.item() for x in arr.ravel())
    if isinstance(value, list):
        return tuple(to_python(v) for v in value)
    return value


def saved_index(value: Any) -> int | None:
    """A saved parameter index (an int, a 0-d integer array or a string of digits), or None."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def saved_indices(value: Any) -> list[int] | None:
    """A group's saved parameter indices (a list, tuple or integer array), or None."""
    if isinstance(value, np.ndarray):
        items: list[Any] = [value.item()] if value.ndim == 0 else list(value.ravel())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return None
    out = [saved_index(v) for v in items]
    return None if any(i is None for i in out) else out  # type: ignore[return-value]


def _declares_state(cls: type) -> bool:
    """Whether ``cls`` names the state it keeps: the library's optimisers, and a subclass
    that sets ``array_state`` itself (one that keeps more without saying so loads any name)."""
    return cls.__module__.split(".")[0] == "optim" or "array_state" in vars(cls)


class ParamState(dict[Any, dict[str, Any]]):
    """The optimiser's per-parameter state: keyed by ``id(param)``, and reachable by the
    parameter itself with PyTorch's spellings (``opt.state[p]``, which starts an empty entry
    as PyTorch's defaultdict does, ``p in``, ``get``, ``pop``, ``del``, ``setdefault``; a
    Tensor's ``==`` is elementwise, so a plain dict lookup by the Tensor would compare it with
    the keys). Iterating gives the ids. An entry made through the parameter keeps it alive, as
    PyTorch's state does, so a new tensor can never inherit a freed one's id and state."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners: dict[int, Tensor] = {}  # id -> the parameter whose state it is

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, Tensor):
            return super().__getitem__(key)
        st = super().get(id(key))
        return self.setdefault(key, {}) if st is None else st

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, Tensor):
            self.owners[id(key)] = key
            key = id(key)
        super().__setitem__(key, value)

    def __contains__(self, key: Any) -> bool:
        return super().__contains__(id(key) if isinstance(key, Tensor) else key)

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(id(key) if isinstance(key, Tensor) else key, default)

    def __delitem__(self, key: Any) -> None:
        key = id(key) if isinstance(key, Tensor) else key
        super().__delitem__(key)
        self.owners.pop(key, None)

    def pop(self, key: Any, *default: Any) -> Any:
        key = id(key) if isinstance(key, Tensor) else key
        self.owners.pop(key, None)
        return super().pop(key, *default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if isinstance(key, Tensor):
            self.owners[id(key)] = key
            key = id(key)
        return super().setdefault(key, default)

    def clear(self) -> None:
        super().clear()
        self.owners.clear()

    def __reduce__(self) -> tuple[Any, ...]:
        """Copied and pickled keyed by the parameters themselves: a copy's parameters have new
        ids, and their state follows them (as in PyTorch)."""
        return ParamState.of, ([(self.owners.get(k, k), v) for k, v in dict.items(self)],)

    @classmethod
    def of(cls, state: Any, params: Iterable[Tensor] = ()) -> ParamState:
        """A ParamState of a mapping keyed by parameters or by their ids (a user's own
        ``defaultdict(dict)``, as PyTorch code resets ``opt.state``); an id of one of
        ``params`` is keyed by that parameter (so copies re-key it)."""
        by_id = {id(p): p for p in params}
        if isinstance(state, list):  # (key, value) pairs, as ``__reduce__`` gives them
            pairs = state
        elif isinstance(state, Mapping):
            pairs = list(state.items())
        else:
            raise TypeError(f"optimizer state must be a mapping, got {type(state).__name__}")
        out = cls()
        for key, value in pairs:
            out[by_id.get(key, key) if type(key) is int else key] = value
        return out


def _noting_step(step: _Step) -> _Step:
    """``step`` that first records that the optimiser stepped, for the learning-rate schedules'
    order check (see ``Optimizer._stepped_while_scheduled``); as PyTorch's, a step counts
    even if it then raises."""

    @functools.wraps(step)
    def noted(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        if self._stepped_while_scheduled is False:
            self._stepped_while_scheduled = True
        return step(self, *args, **kwargs)

    return cast(_Step, noted)


class Optimizer:
    """Base class: parameter groups with their own hyper-parameters and lazy per-parameter state.

    ``params`` is an iterable of Tensors or of dicts ``{"params": [...], "lr": ...}``; keys a
    group leaves out take the optimiser's defaults. A group with ``maximize=True`` (every
    library optimiser takes it, as PyTorch's) ascends: its gradient is negated, g ← −g, before
    anything else in the step. A subclass implements ``_check`` (validate a
    group's hyper-parameters) and ``_update`` (one in-place step of one parameter), and names
    the state it keeps (``scalar_state``, ``array_state``, ``required_state``; a subclass of a
    library optimiser that keeps more extends them). ``step()``
    runs under ``no_grad``, skips parameters whose ``.grad`` is None and updates ``p.data`` in
    place, computing in the parameter's own dtype.
    """

    #: state entries that are Python numbers (counts ≥ 0) rather than arrays shaped like the
    #: parameter; the arrays a subclass keeps (None: any name); those a parameter's state must
    #: hold once stepped. ``load_state_dict`` refuses what does not fit them.
    scalar_state: ClassVar[tuple[str, ...]] = ()
    array_state: ClassVar[tuple[str, ...] | None] = None
    required_state: ClassVar[tuple[str, ...]] = ()
    #: hyper-parameters state dicts saved before they existed lack, with the value they had
    #: then; ``load_state_dict`` fills them in where the optimiser takes them
    added_later: ClassVar[dict[str, Any]] = {"maximize": False}
    #: whether ``step()`` ran since the first ``LRScheduler`` was built on this optimiser
    #: (None before one is): a schedule's first ``step()`` warns while it is False, as
    #: PyTorch's does (its optimisers too note only the steps taken once scheduled). Not
    #: part of ``state_dict``; a copy or pickle keeps it.
    _stepped_while_scheduled: bool | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass's own ``step`` records its steps too, with or without ``super().step()``
        (PyTorch's schedules wrap whatever ``step`` the optimiser has)."""
        super().__init_subclass__(**kwargs)
        step = vars(cls).get("step")
        if inspect.isfunction(step):
            cls.step = _noting_step(step)  # type: ignore[method-assign]

    def _params(self) -> list[Tensor]:
        """Every parameter of every group."""
        return [p for g in self.param_groups for p in g["params"]]

    def __getstate__(self) -> dict[str, Any]:
        """Copied and pickled with its state keyed by the parameters (``ParamState``), also
        when the user set ``opt.state`` to a dict keyed by ids."""
        d = dict(self.__dict__)
        d["state"] = ParamState.of(self.state, self._params())
        return d

    def __init__(self, params: Params, defaults: Mapping[str, Any]) -> None:
        self.defaults: dict[str, Any] = self._checked(dict(defaults))
        self.param_groups: list[ParamGroup] = []
        #: per-parameter state, keyed by ``id(param)`` (Tensor equality is elementwise);
        #: ``state[p]`` with the parameter itself works too, as in PyTorch
        self.state: ParamState = ParamState()
        if isinstance(params, Tensor):
            raise TypeError(
                "params must be an iterable of Tensors or of dicts, got a single Tensor; "
                "wrap it in a list"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError("params must be an ordered iterable (a list), not a set")
        if isinstance(params, (str, bytes, Mapping)) or not hasattr(params, "__iter__"):
            raise TypeError(
                "params must be an iterable of Tensors or of dicts, got "
                f"{type(params).__name__}"
            )
        items: list[Any] = list(params)
        if not items:
            raise ValueError("optimizer got an empty parameter list")
        if all(isinstance(i, tuple) and len(i) == 2 and isinstance(i[0], str) for i in items):
            items = [p for _, p in items]  # model.named_parameters(), as PyTorch accepts
        groups: list[Any] = items if isinstance(items[0], Mapping) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ hooks
    def _check(self, group: ParamGroup) -> ParamGroup:
        """Validate and normalise the hyper-parameters of ``group`` (raise ValueError)."""
        return group

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup
    ) -> None:
        """Update ``param`` in place from ``grad``; ``state`` starts empty on the first step."""
        raise NotImplementedError

    def _checked(self, group: ParamGroup) -> ParamGroup:
        """``_check``, and the ``maximize`` flag every optimiser shares."""
        group = self._check(group)
        if "maximize" in group:
            group["maximize"] = check_flag("maximize", group["maximize"])
        return group

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Append a group; hyper-parameters it omits come from the defaults.

        Raises ValueError if a parameter already belongs to this optimiser (or repeats within
        the group), TypeError if an entry is not a floating-point leaf Tensor.
        """
        if not isinstance(param_group, Mapping):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a parameter group needs a 'params' entry")
        raw = param_group["params"]
        if isinstance(raw, Tensor):
            params = [raw]
        elif isinstance(raw, (set, frozenset)):
            raise TypeError("a group's params must be an ordered iterable (a list), not a set")
        elif isinstance(raw, (str, bytes, Mapping)) or not hasattr(raw, "__iter__"):
            raise TypeError(
                f"a group's params must be a list of Tensors, got {type(raw).__name__}"
            )
        else:
            params = list(raw)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
            if p.data.dtype.kind != "f":
                raise TypeError(f"optimizer can only optimize floating tensors, got {p.dtype}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one produced by an op)")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if id(p) in seen:
                raise ValueError(
                    "some parameters appear in more than one parameter group "
                    "(or twice in one group); each parameter may be given once"
                )
            seen.add(id(p))
        group: ParamGroup = {**self.defaults, **param_group, "params": params}
        self.param_groups.append(self._checked(group))

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's ``.grad`` to None (or fill it with zeros in place)."""
        set_to_none = check_flag("set_to_none", set_to_none)
        for group in self.param_groups:
            for p in group["params"]:
                p.zero_grad(set_to_none)

    # ------------------------------------------------------------------ stepping
    @_noting_step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if given.

        The closure (which re-evaluates the loss and calls ``backward``) runs in the caller's
        grad mode; the updates run under ``no_grad`` with NumPy's floating-point warnings off,
        so a non-finite value propagates as IEEE arithmetic says.
        """
        if closure is not None and not callable(closure):
            raise TypeError(f"step: closure must be callable or None, got {type(closure).__name__}")
        loss = closure() if closure is not None else None
        todo = self._stepping()
        state = self.state
        if type(state) is not ParamState:  # reset as in PyTorch: opt.state = defaultdict(dict)
            state = self.state = ParamState.of(state, self._params())
        with no_grad(), np.errstate(all="ignore"):
            for p, grad, group in todo:
                param = p.data
                if grad.dtype != param.dtype:
                    grad = grad.astype(param.dtype)
                if group.get("maximize"):
                    grad = -grad
                st = state.get(p)
                if st is None:
                    st = state[p] = {}  # (through p: the entry keeps p alive)
                self._update(param, grad, st, group)
        return loss

    def _stepping(self) -> list[tuple[Tensor, np.ndarray, ParamGroup]]:
        """(parameter, gradient array, group) for every parameter with a gradient.

        Refuses (changing nothing) while a live graph still depends on one of them: the engine
        makes the arrays a graph saved read-only until ``backward`` frees it, so an update can
        never make a pending gradient silently wrong.
        """
        todo = []
        for gi, group in enumerate(self.param_groups):
            for pi, p in enumerate(group["params"]):
                g = p.grad
                if g is None:
                    continue
                if not writeable(p.data):
                    if (why := read_only(p.data)) != "saved":
                        raise RuntimeError(f"{type(self).__name__}.step: parameter {pi} of "
                                           f"group {gi} (shape {p.shape}) is {READ_ONLY[why]}")
                    raise RuntimeError(
                        f"{type(self).__name__}.step: parameter {pi} of group {gi} (shape "
                        f"{p.shape}) is read-only: a live graph still depends on it (one not "
                        "yet backpropagated, or kept by backward(retain_graph=True) or "
                        "create_graph=True, as for a gradient penalty). Run backward() on it "
                        "without them, drop the outputs that hold it (del out), "
                        "or compute them under no_grad(). Most often it is a loss or metric of "
                        "a validation or logging pass made outside no_grad() and still held by "
                        "a variable (keep its .item() instead)." + _holders_hint(g))
                todo.append((p, g.data, group))
        return todo

    # ------------------------------------------------------------------ checkpoints
    def _indexed_params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def state_dict(self) -> dict[str, Any]:
        """A snapshot ``{"state": {index: {...}}, "param_groups": [{..., "params": [index]}]}``.

        Parameters are numbered in group order. Arrays are copied and every other value is a
        Python number, bool or tuple, so the snapshot stays valid while training goes on.
        """
        index = {id(p): i for i, p in enumerate(self._indexed_params())}
        groups = []
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in g["params"]]
            groups.append(packed)
        state = {}
        for key, st in ParamState.of(self.state).items():
            if key in index and st:
                state[index[key]] = {
                    k: v.copy() if isinstance(v, np.ndarray) else v for k, v in st.items()
                }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a snapshot taken by :meth:`state_dict` on an optimiser of the same layout.

        Everything is checked before anything changes: the number of groups, the number of
        parameters in each group, the state arrays' shapes and the hyper-parameters. One
        ValueError lists every problem. Arrays are copied and cast to the parameter's dtype;
        NumPy scalars and arrays standing for numbers or tuples (as after a round trip through
        ``np.savez``) become Python values again.
        """
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError("state_dict must be a mapping with keys 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        saved_state = state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or not all(
                isinstance(g, Mapping) for g in saved_groups):
            raise ValueError("cannot load optimizer state dict: 'param_groups' must be a list of "
                             f"dicts, got {saved_groups!r:.80}")
        if not isinstance(saved_state, Mapping) or not all(
                isinstance(e, Mapping) for e in saved_state.values()):
            raise ValueError("cannot load optimizer state dict: 'state' must map parameter "
                             f"indices to dicts, got {saved_state!r:.80}")
        problems: list[str] = []
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, "
                f"but the optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, Tensor] = {}
        new_groups: list[ParamGroup] = []
        layout_ok = True
        for gi, (saved, current) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            indices = saved_indices(saved.get("params", ()))
            if indices is None:
                problems.append(f"group {gi}: 'params' must list parameter indices, got "
                                f"{saved.get('params')!r:.60}")
                layout_ok = False
                continue
            if len(indices) != len(current["params"]):
                problems.append(
                    f"group {gi}: saved with {len(indices)} parameters, "
                    f"the optimizer's group has {len(current['params'])}"
                )
                layout_ok = False
                continue
            for i, p in zip(indices, current["params"], strict=True):
                if i in by_index:
                    problems.append(f"group {gi}: parameter index {i} appears twice")
                by_index[i] = p
            group = {k: to_python(v) for k, v in saved.items() if k != "params"}
            group["params"] = current["params"]
            for hyper, then in self.added_later.items():  # (saved before it existed)
                if hyper in self.defaults:
                    group.setdefault(hyper, then)
            missing = sorted(set(self.defaults) - set(group))
            if missing:
                problems.append(f"group {gi}: missing hyper-parameters {missing}")
                continue
            try:
                new_groups.append(self._checked(group))
            except (TypeError, ValueError) as exc:
                problems.append(f"group {gi}: {exc}")
        new_state: list[tuple[Tensor, dict[str, Any]]] = []
        for raw_key, entries in saved_state.items():
            index = saved_index(raw_key)
            if index is None:
                problems.append(f"state key {raw_key!r:.40} is not a parameter index")
                continue
            key = index
            if key not in by_index:
                if layout_ok:
                    problems.append(f"state for parameter index {key}, which no group holds")
                continue
            p = by_index[key]
            st: dict[str, Any] = {}
            for name, value in dict(entries).items():
                arrays = self.array_state if _declares_state(type(self)) else None
                if arrays is not None and name not in (*self.scalar_state, *arrays):
                    known = ", ".join((*self.scalar_state, *arrays)) or "none"
                    problems.append(f"unknown state {name!r:.40} of parameter {key} for "
                                    f"{type(self).__name__} (known: {known})")
                    continue
                if name in self.scalar_state:
                    number = to_python(value)
                    if isinstance(number, float) and number.is_integer():
                        number = int(number)  # (PyTorch keeps step counts as float tensors)
                    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                        problems.append(f"state {name!r} of parameter {key} must be a count "
                                        f"(an int >= 0), got {number!r:.40}")
                    st[name] = number
                    continue
                try:
                    arr = np.asarray(value)
                except (ValueError, TypeError) as exc:
                    problems.append(f"state {name!r} of parameter {key} is not an array: {exc}")
                    continue
                if arr.dtype.kind not in "biuf":
                    problems.append(f"state {name!r} of parameter {key} is not numeric "
                                    f"(dtype {arr.dtype})")
                    continue
                if arr.shape != p.shape:
                    problems.append(
                        f"state {name!r} of parameter {key} has shape {arr.shape}, "
                        f"but the parameter has shape {p.shape}"
                    )
                    continue
                buf = st[name] = np.empty_like(p.data)  # the parameter's dtype and memory layout
                buf[...] = arr
            lacking = [n for n in self.required_state if n not in entries]
            if lacking:
                problems.append(f"state of parameter {key} lacks {lacking} (a stepped "
                                f"{type(self).__name__} keeps {list(self.required_state)})")
            new_state.append((p, st))
        if problems:
            raise ValueError("cannot load optimizer state dict:\n  " + "\n  ".join(problems))
        self.param_groups = new_groups
        self.state = ParamState()
        for p, st in new_state:
            self.state[p] = st

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            hyper = ", ".join(f"{k}={v}" for k, v in g.items() if k != "params")
            lines.append(f"  group {i}: {len(g['params'])} params, {hyper}")
        return "\n".join([*lines, ")"])


def _holders_hint(grad: Tensor) -> str:
    """The less obvious holders of a graph, for the read-only step's message: a gradient
    recorded by ``backward(create_graph=True)``, or an error's traceback kept by the shell."""
    if grad.grad_fn is not None:
        return (" Here the gradient itself was recorded (backward(create_graph=True)) and its "
                "graph holds the parameter: set p.grad = p.grad.detach() for every parameter "
                "(or zero_grad()) before the step.")
    if getattr(sys, "last_traceback", None) is not None:
        return (" An earlier error's traceback, kept by the interactive shell (Jupyter, "
                "IPython, the REPL), may hold a partial graph: run `import sys; "
                "sys.last_traceback = sys.last_value = None` (in IPython also %xdel of the "
                "outputs, or %reset).")
    return ""
