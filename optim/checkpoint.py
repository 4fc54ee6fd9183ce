"""Optimiser checkpoints: ``optim.save``/``optim.load`` of ``state_dict()`` as safetensors files.

The file holds every per-parameter state array as a tensor named ``state.<index>.<name>``
(parameters numbered in group order, as in ``state_dict``); the rest goes into the file's
string-to-string metadata as JSON: ``param_groups`` (hyper-parameters and the parameter
indices of each group), ``state`` (per-parameter numbers such as Adam's ``step``), plus
``format``, ``version`` and ``optimizer`` (the class name). Writes are atomic and nothing is
pickled, so resuming training from a model and an optimiser checkpoint is exact.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any, Union

import numpy as np

from nn.checkpoint import (
    CheckpointError,
    is_safetensors,
    path_name,
    read_safetensors,
    reading,
    size_of,
    writing,
)
from nn.safetensors_io import serialize

from .optimizer import Optimizer, to_python

__all__ = ["load", "save"]

Path = Union[str, "os.PathLike[str]", IO[bytes]]

FORMAT = "autograd_mini.optim"
VERSION = "1"


def _check(optimizer: Optimizer, path: Path, where: str) -> str:
    """``path`` as a string, after checking ``optimizer`` is an Optimizer and ``path`` a path."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optim.{where}: expected an optim.Optimizer, got "
                        f"{type(optimizer).__name__}")
    return path_name(path, f"optim.{where}")


def _json(value: Any, what: str, name: str) -> str:
    try:  # floats are written with repr, so they read back bit for bit
        return json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"optim.save {name!r}: {what} cannot be stored as JSON ({exc})") from None


def save(optimizer: Optimizer, path: Path) -> None:
    """Write ``optimizer.state_dict()`` to the safetensors file ``path`` atomically.

    State arrays become tensors ``state.<param index>.<name>`` in their own dtype;
    hyper-parameters, the group layout and scalar state (step counts) go into the metadata as
    JSON. The file is written to a temporary file in the same folder, fsynced and renamed over
    ``path``, so a failed save leaves an existing file untouched. ``path`` may also be a binary
    file object (``io.BytesIO()``), written where it stands.
    """
    name = _check(optimizer, path, "save")
    sd = optimizer.state_dict()
    tensors: dict[str, np.ndarray] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, entries in sd["state"].items():
        for key, value in entries.items():
            if isinstance(value, np.ndarray):
                tensors[f"state.{index}.{key}"] = value
            else:
                scalars.setdefault(str(index), {})[key] = to_python(value)
    groups = [{k: to_python(v) for k, v in g.items()} for g in sd["param_groups"]]
    metadata = {"format": FORMAT, "version": VERSION, "optimizer": type(optimizer).__name__,
                "param_groups": _json(groups, "a hyper-parameter", name),
                "state": _json(scalars, "a state value", name)}
    data = serialize(tensors, metadata)
    writing(path, name, lambda fh: fh.write(data))


def _parse_key(key: str) -> tuple[int, str] | None:
    """(parameter index, state name) of a tensor key ``state.<index>.<name>``, or None."""
    parts = key.split(".", 2)
    if len(parts) != 3 or parts[0] != "state" or not parts[1].isdigit() or not parts[2]:
        return None
    return int(parts[1]), parts[2]


def load(optimizer: Optimizer, path: Path) -> None:
    """Restore a checkpoint written by :func:`save` into ``optimizer`` (same class and layout).

    Everything is checked before anything changes: the file (empty, truncated, corrupted,
    foreign or pickled files raise ``nn.CheckpointError`` naming it), the optimiser class, the
    number of groups and of parameters in each, the state arrays' shapes and the
    hyper-parameters. State arrays are cast to their parameter's dtype. ``path`` may also be a
    binary file object, read from where it stands.
    """
    name = _check(optimizer, path, "load")
    shapes = [p.shape for g in optimizer.param_groups for p in g["params"]]

    def wanted(key: str, shape: tuple[int, ...]) -> bool:
        parsed = _parse_key(key)
        return parsed is not None and parsed[0] < len(shapes) and shapes[parsed[0]] == shape

    with reading(path, name) as fh:
        if size_of(fh) == 0:
            raise CheckpointError(f"optimizer checkpoint {name!r} is empty")
        if not is_safetensors(fh):
            raise CheckpointError(f"{name!r} is not an optimizer checkpoint (optim.save writes "
                                  "safetensors files; this one does not start like one)")
        arrays, metadata = read_safetensors(name, fh, wanted)
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"{name!r} is a safetensors file but not an optimizer checkpoint "
                              f"written by optim.save (metadata format "
                              f"{metadata.get('format')!r:.40}, expected {FORMAT!r})")
    if metadata.get("version") != VERSION:
        raise CheckpointError(f"optimizer checkpoint {name!r} has unsupported version "
                              f"{metadata.get('version')!r:.20}")
    kind = type(optimizer).__name__
    if metadata.get("optimizer") != kind:
        raise CheckpointError(f"optimizer checkpoint {name!r} was saved from "
                              f"{metadata.get('optimizer')!r:.40}, cannot load it into {kind}")
    try:
        groups = json.loads(metadata.get("param_groups", ""))
        scalars = json.loads(metadata.get("state", ""))
    except (json.JSONDecodeError, RecursionError) as exc:  # (nesting too deep to parse)
        what = ("nests too deeply" if isinstance(exc, RecursionError)
                else f"is not valid JSON ({exc})")
        raise CheckpointError(f"optimizer checkpoint {name!r}: metadata {what}") from None
    if not isinstance(scalars, dict) or not all(
            isinstance(v, dict) and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                        for x in v.values()) for v in scalars.values()):
        raise CheckpointError(f"optimizer checkpoint {name!r}: metadata 'state' must map "
                              "parameter indices to {name: number}")
    state: dict[Any, dict[str, Any]] = {k: dict(v) for k, v in scalars.items()}
    for key, arr in arrays.items():
        parsed = _parse_key(key)
        if parsed is None:
            raise CheckpointError(f"optimizer checkpoint {name!r}: tensor {key!r:.60} is not "
                                  "named state.<parameter index>.<name>")
        state.setdefault(str(parsed[0]), {})[parsed[1]] = arr
    try:
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"optimizer checkpoint {name!r} does not fit this {kind}: "
                              f"{exc}") from exc
