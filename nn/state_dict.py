"""Loading a state dict into a module: check every entry first, then copy, all or nothing.

A module may fill in an entry of its own that a state dict lacks (PyTorch's
``_load_from_state_dict`` does that for formats older than the module's) by defining
``_missing_state(name, version) -> value or None``: ``name`` is the entry's local name and
``version`` the one PyTorch records for that module in the state dict's ``_metadata`` (None
without any, as in a plain dict). The value is then checked and loaded as if it had been
given, and the key is not reported missing; None leaves it missing.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from autograd_mini import Tensor
from autograd_mini.tensor import read_only, writeable

from .module import IncompatibleKeys, Module, StateDictError
from .parameter import Parameter

__all__ = ["follow", "load_state_dict"]


def load_state_dict(module: Module, state_dict: Mapping[str, Any], strict: bool,
                    targets: dict[str, np.ndarray]) -> IncompatibleKeys:
    """``Module.load_state_dict``: ``targets`` maps each ``state_dict`` key of ``module`` to
    the live array it fills (a parameter's or a buffer's)."""
    bad: list[str] = []
    metadata = getattr(state_dict, "_metadata", None)  # (a torch state dict's versions)
    aliases = _aliases(module, [k for k in state_dict if k not in targets], targets)
    if aliases:  # PyTorch lists a tied parameter under every name: one value, or refused
        state_dict = dict(state_dict)
        for alias, key in aliases.items():
            value = state_dict.pop(alias)
            if key not in state_dict:
                state_dict[key] = value
            elif not np.array_equal(np.asarray(_raw(value)), np.asarray(_raw(state_dict[key])),
                                    equal_nan=True):  # (NaN in both: the same values)
                bad.append(f"{alias!r}: tied to {key!r} here, but the values differ")
    filled = _fill_missing(module, metadata, [k for k in targets if k not in state_dict])
    if filled:
        state_dict = {**state_dict, **filled}
    missing = [k for k in targets if k not in state_dict]
    unexpected = [str(k) for k in state_dict if k not in targets]
    ready: list[tuple[Any, np.ndarray]] = []  # (array to fill, or (module, name) to set)
    for key, dest in targets.items():
        if key not in state_dict:
            continue
        value = state_dict[key]
        try:
            arr = np.asarray(_raw(value))
        except (ValueError, TypeError) as exc:
            bad.append(f"{key!r}: not an array ({exc})")
            continue
        kind = np.asarray(dest).dtype
        if arr.dtype.kind not in "biuf":
            bad.append(f"{key!r}: dtype {arr.dtype} is not numeric")
        elif arr.shape != np.shape(dest):
            bad.append(f"{key!r}: expected shape {np.shape(dest)}, got {arr.shape}")
        elif isinstance(dest, np.ndarray) and not writeable(dest) and read_only(dest) == "saved":
            bad.append(f"{key!r}: read-only while a live graph depends on it (run backward "
                       "or drop its outputs first)")
        elif (cast := _cast(arr, kind)) is None:
            bad.append(f"{key!r}: values do not fit its dtype {kind}")
        elif isinstance(dest, np.ndarray) and writeable(dest):
            ready.append((dest, cast))
        else:  # not an array, or an op's result kept read-only for good: set anew
            path, _, name = key.rpartition(".")
            owner = module.get_submodule(path)
            held = getattr(owner, name)
            ready.append(((held, "data") if isinstance(held, Parameter) else (owner, name), cast))
    if bad or (strict and (missing or unexpected)):
        parts = []
        if strict and missing:
            parts.append(f"missing keys {missing}")
        if strict and unexpected:
            parts.append(f"unexpected keys {unexpected}")
        if bad:
            parts.append("mis-shaped or invalid entries [" + "; ".join(bad) + "]")
        raise StateDictError(
            f"load_state_dict into {type(module).__name__}: " + ", ".join(parts)
            + " (nothing was changed)"
        )
    for dest, arr in ready:
        if isinstance(dest, np.ndarray):
            dest[...] = arr
        else:
            setattr(dest[0], dest[1], arr)
    return IncompatibleKeys(missing, unexpected)


def _fill_missing(root: Module, metadata: Any, keys: list[str]) -> dict[str, Any]:
    """The values the owners of the missing ``keys`` give for them (see the module
    docstring; ``metadata``: the state dict's ``_metadata``, if any), by key."""
    out = {}
    for key in keys:
        path, _, name = key.rpartition(".")
        owner = root.get_submodule(path)
        fill = getattr(owner, "_missing_state", None)
        if fill is None:
            continue
        local = metadata.get(path) if isinstance(metadata, Mapping) else None
        version = local.get("version") if isinstance(local, Mapping) else None
        value = fill(name, version if isinstance(version, int) else None)
        if value is not None:
            out[key] = value
    return out


def _raw(value: Any) -> Any:
    """A state entry's values: a Tensor's array; a torch tensor detached (PyTorch's
    ``dict(model.named_parameters())`` holds ones that require grad, which NumPy cannot read)."""
    if isinstance(value, Tensor):
        return value.data
    if type(value).__module__.startswith("torch") and callable(getattr(value, "detach", None)):
        value = value.detach().cpu()
        return value.float() if str(value.dtype) == "torch.bfloat16" else value  # (NumPy has
    return value  # no bfloat16; the safetensors reader widens it to float32 the same way)



def _cast(arr: np.ndarray, dtype: np.dtype) -> np.ndarray | None:
    """``arr`` in ``dtype`` (a new array), or None where a value does not fit: a finite value
    that overflows a float dtype, or one an integer or bool dtype does not hold exactly."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = np.array(arr, dtype=dtype)
        if dtype.kind == "f":
            fits = arr.dtype.kind != "f" or np.array_equal(np.isfinite(out), np.isfinite(arr))
        else:
            fits = bool(np.all(out.astype(arr.dtype) == arr)) and not (
                arr.dtype.kind == "f" and not np.all(np.isfinite(arr)))
    return out if fits else None


def _aliases(root: Module, keys: list[Any], targets: Mapping[str, np.ndarray]
             ) -> dict[str, str]:
    """Those of ``keys`` that are further names of a tied parameter or of a buffer of a shared
    module (PyTorch's ``state_dict`` lists every name) -> the name ``state_dict`` keeps. Each
    key is followed from ``root`` along its dotted path, so the cost is the keys' lengths."""
    if not keys:
        return {}
    kept = {id(arr): key for key, arr in targets.items()}  # (an array's id: its kept name)
    out = {}
    for key in keys:
        if isinstance(key, str) and key:
            arr = follow(root, key)
            if arr is not None and id(arr) in kept and kept[id(arr)] != key:
                out[key] = kept[id(arr)]
    return out


def follow(root: Module, key: str) -> np.ndarray | None:
    """The array of the parameter or buffer named ``key`` (a dotted path) below ``root``."""
    try:
        return root.get_parameter(key).data
    except AttributeError:
        pass
    try:
        return _raw(root.get_buffer(key))
    except AttributeError:
        return None
