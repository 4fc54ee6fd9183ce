"""Checkpoints: a module's state dict saved to and loaded from ``.npz`` files, atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import zipfile
from typing import IO, TYPE_CHECKING, Union

import numpy as np

from .module import StateDictError

if TYPE_CHECKING:
    from .module import IncompatibleKeys, Module

__all__ = ["CheckpointError", "load", "save"]

Path = Union[str, "os.PathLike[str]"]

#: an entry every checkpoint carries, so foreign ``.npz`` files are recognised
FORMAT_KEY = "__autograd_mini_nn_format__"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file cannot be used: empty, truncated, corrupted, foreign or pickled data,
    or arrays that do not fit the module. The message names the file."""


def _write_npz(fh: IO[bytes], arrays: dict[str, np.ndarray]) -> None:
    """An uncompressed ``.npz`` (what ``np.savez`` writes), without pickling anything."""
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


def _fsync_dir(folder: str) -> None:
    """Make the rename itself durable where the OS allows it (POSIX); ignored elsewhere."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _check(module: Module, path: Path, where: str) -> str:
    """``path`` as a string, after checking that ``module`` is a Module and ``path`` a path."""
    from .module import Module

    if not isinstance(module, Module):
        raise TypeError(f"{where}: expected an nn.Module, got {type(module).__name__}")
    try:
        name = os.fspath(path)
    except TypeError:
        raise TypeError(f"{where}: path must be a str or os.PathLike, got "
                        f"{type(path).__name__}") from None
    if not isinstance(name, str):
        name = os.fsdecode(name)
    if not name or "\0" in name:
        raise ValueError(f"{where}: invalid path {name!r}")
    return name


def save(module: Module, path: Path) -> None:
    """Write ``module.state_dict()`` to ``path`` (used as given; ``.npz`` is the usual suffix).

    The file is written to a temporary file in the same folder, flushed and fsynced, then
    renamed over ``path`` with ``os.replace``: a crash mid-write leaves any old file intact.
    """
    path = _check(module, path, "save")
    arrays = {FORMAT_KEY: np.array(FORMAT_VERSION, dtype=np.int64)}
    for key, arr in module.state_dict().items():
        if key == FORMAT_KEY:
            raise CheckpointError(f"cannot save {os.fspath(path)!r}: key {key!r} is reserved")
        arrays[key] = arr
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_npz(fh, arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


def _header(zf: zipfile.ZipFile, key: str) -> tuple[tuple[int, ...], np.dtype] | None:
    """(shape, dtype) from the ``.npy`` header of member ``key`` without reading its data;
    None for a header version this does not parse (then the member is read as usual)."""
    member = key + ".npy" if key + ".npy" in zf.namelist() else key
    with zf.open(member) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            return None
    return shape, dtype


def _read(path: Path, expected: dict[str, tuple[int, ...]] | None = None
          ) -> dict[str, np.ndarray]:
    """The arrays of the checkpoint ``path``; CheckpointError on any problem.

    With ``expected`` ({key: shape}), an entry whose header shows a key or shape the module
    does not have is never read: a memory-free stand-in of that shape takes its place, so a
    foreign or hostile file cannot make ``load`` allocate or decompress huge arrays.
    """
    name = os.fspath(path)
    with open(name, "rb") as fh:  # a missing file raises FileNotFoundError as usual
        try:
            loaded = np.load(fh, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise CheckpointError(
                    f"checkpoint {name!r} is a single .npy array, not an .npz archive"
                )
            with loaded:
                arrays = {}
                zf = loaded.zip
                for key in loaded.files:
                    head = None if expected is None or zf is None else _header(zf, key)
                    if head is not None and not head[1].hasobject \
                            and expected is not None and expected.get(key) != head[0]:
                        arrays[key] = np.broadcast_to(np.zeros((), dtype=head[1]), head[0])
                    else:
                        arrays[key] = loaded[key]
        except CheckpointError:
            raise
        except Exception as exc:  # zip, zlib, format and pickle errors all mean a bad file
            raise CheckpointError(
                f"cannot read checkpoint {name!r}: {type(exc).__name__}: {exc}"
            ) from exc
    marker = arrays.pop(FORMAT_KEY, None)
    if marker is None:
        raise CheckpointError(
            f"{name!r} is an .npz archive but not an autograd_mini nn checkpoint "
            f"(no {FORMAT_KEY!r} entry; it was not written by nn.save)"
        )
    if marker.shape != () or marker.dtype.kind not in "iu" or int(marker) != FORMAT_VERSION:
        raise CheckpointError(f"checkpoint {name!r} has an unsupported format marker {marker!r}")
    return arrays


def load(module: Module, path: Path, strict: bool = True) -> IncompatibleKeys:
    """Load a checkpoint written by ``save`` into ``module`` (arrays cast to its dtypes).

    Raises ``CheckpointError`` naming the file if it is empty, truncated, corrupted, not an
    ``.npz``, holds pickled objects (never unpickled) or does not fit the module (then the
    message lists every missing, unexpected and mis-shaped entry); ``module`` is then unchanged.
    ``strict=False`` returns the missing and unexpected keys instead of failing on them.
    """
    path = _check(module, path, "load")
    expected = {key: arr.shape for key, arr in module._entries()}
    expected[FORMAT_KEY] = ()
    arrays = _read(path, expected)
    try:
        return module.load_state_dict(arrays, strict=strict)
    except StateDictError as exc:
        raise CheckpointError(f"checkpoint {os.fspath(path)!r} does not fit: {exc}") from exc
