"""Checkpoints: a module's state dict saved to and loaded from ``.safetensors`` or ``.npz`` files.

``nn.save`` writes safetensors (pickle-free, loadable by PyTorch with
``safetensors.torch.load_file``) unless the path ends in ``.npz``; ``nn.load`` recognises the
format from the file's content. Writes to a path are atomic: temporary file, fsync, rename. A
binary file object (``io.BytesIO``, an open file) also works, as with ``torch.save``.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, Union

import numpy as np

from . import safetensors_io as st
from .module import StateDictError
from .state_dict import follow

if TYPE_CHECKING:
    from .module import IncompatibleKeys, Module

__all__ = ["CheckpointError", "atomic_write", "is_file", "is_safetensors", "load", "path_name",
           "read_safetensors", "reading", "save", "size_of", "writing"]

Path = Union[str, "os.PathLike[str]", IO[bytes]]

#: an entry every ``.npz`` checkpoint carries, so foreign ``.npz`` files are recognised
FORMAT_KEY = "__autograd_mini_nn_format__"
FORMAT_VERSION = 1
#: the safetensors metadata ``nn.save`` writes (informative: files from elsewhere load too)
METADATA = {"format": "np", "producer": "autograd_mini.nn"}


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


class _Required:
    """``save``'s and ``load``'s path when none is given (see ``_check``)."""

    def __repr__(self) -> str:
        return "<required>"


_NO_PATH: Any = _Required()


def _check(module: Module, path: Path, where: str) -> str:
    """``path`` as a string, after checking that ``module`` is a Module and ``path`` a path
    (``path`` is optional in the signatures only so that ``nn.load("best.safetensors")``, the
    ``torch.load(path)`` habit, gets this message rather than Python's missing argument)."""
    from .module import Module

    if not isinstance(module, Module):
        hint = (" (it saves model.state_dict() itself)" if where == "save" else
                " (it loads into a model you have built)")
        raise TypeError(f"{where}: expected an nn.Module as the first argument, {where}(model, "
                        f"path){hint}; got {type(module).__name__}")
    if path is _NO_PATH:
        raise TypeError(f"{where}: give the file too: nn.{where}(model, path)")
    return path_name(path, where)


def is_file(obj: Any) -> bool:
    """Whether ``obj`` is a file object (``io.BytesIO``, an open file) rather than a path."""
    return not isinstance(obj, (str, bytes, os.PathLike)) and (
        callable(getattr(obj, "write", None)) or callable(getattr(obj, "read", None)))


def writing(path: Any, name: str, write: Callable[[IO[bytes]], object]) -> None:
    """``write`` into the file object ``path`` where it stands, or atomically to the file at
    ``name`` (see ``atomic_write``)."""
    if is_file(path):
        write(path)
    else:
        atomic_write(name, write)


@contextlib.contextmanager
def reading(path: Any, name: str) -> Iterator[IO[bytes]]:
    """The checkpoint's bytes: a file object's, from where it stands (as ``torch.load`` reads
    them), or the file at ``name`` (a missing one raises FileNotFoundError as usual)."""
    if is_file(path):
        data = path.read()
        if not isinstance(data, bytes):
            raise TypeError(f"cannot read a checkpoint from {name}: it gives "
                            f"{type(data).__name__}, not bytes (open the file in 'rb' mode)")
        yield io.BytesIO(data)
    else:
        with open(name, "rb") as fh:
            yield fh


def size_of(fh: IO[bytes]) -> int:
    """The number of bytes ``fh`` holds (its position goes back to the start)."""
    size = fh.seek(0, io.SEEK_END)
    fh.seek(0)
    return size


def path_name(path: Path, where: str) -> str:
    """``path`` (a str or os.PathLike) as a str, or a file object's name for messages; anything
    else, or an invalid path, refused."""
    if is_file(path):
        name = getattr(path, "name", None)
        return name if isinstance(name, str) else f"<{type(path).__name__}>"
    try:
        name = os.fspath(path)  # type: ignore[arg-type]  # (anything else is refused here)
    except TypeError:
        raise TypeError(f"{where}: path must be a str, an os.PathLike or a binary file object, "
                        f"got {type(path).__name__}") from None
    if not isinstance(name, str):
        name = os.fsdecode(name)
    if not name or "\0" in name:
        raise ValueError(f"{where}: invalid path {name!r}")
    return name


def atomic_write(path: str, write: Callable[[IO[bytes]], object]) -> None:
    """Run ``write`` on a temporary file next to ``path``, fsync it, then rename it over ``path``.

    A crash or exception mid-write leaves any old file at ``path`` intact and no temporary file
    behind; an existing file's permissions are kept, and a new file gets those the umask
    gives (0o644 under the usual 0o022). As ``open(path, "wb")`` would, a symbolic link is
    written through (its target is replaced, the link kept) and a file this process may not
    write (a checkpoint made read-only to protect it) is refused.
    """
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    if os.path.isdir(target):  # (errors name the user's path, never the temporary file)
        raise IsADirectoryError(errno.EISDIR, "is a folder; give a file name", os.fspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "its folder does not exist", os.fspath(path))
    if os.path.exists(target) and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "the file is write-protected (make it writable, "
                              "or save under another name)", os.fspath(path))
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()  # a new file: what open() would give it
    try:
        fd, tmp = tempfile.mkstemp(  # (a name's start: a long name plus these would not fit)
            prefix="." + os.path.basename(target)[:60] + ".", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise type(exc)(exc.errno, f"cannot create a file beside it ({exc.strerror})",
                        os.fspath(path)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


def _umask() -> int:
    """The process's umask, read without changing it (Linux reports it in /proc; elsewhere
    the common 0o022 is assumed, as setting and restoring it would race with other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def save(module: Module, path: Path = _NO_PATH) -> None:
    """Write ``module.state_dict()`` to ``path``, atomically.

    The format follows the suffix: ``.npz`` (any case) writes an uncompressed NumPy archive
    (the older format); anything else, ``.safetensors`` above all, writes safetensors (the
    default; pickle-free, with CRC-32s in its metadata), which PyTorch reads
    with ``model.load_state_dict(safetensors.torch.load_file(path))``: the keys are the
    ``state_dict`` names (PyTorch's), arrays are row-major with their dtypes kept. The file is
    written to a temporary file in the same folder, fsynced, then renamed over ``path``: a crash
    or error mid-write leaves any old file intact. ``path`` may also be a binary file object
    (``io.BytesIO()``, as ``torch.save`` takes one): safetensors is written into it where it
    stands.
    """
    name = _check(module, path, "save")
    state = module.state_dict()
    if is_file(path) or not name.lower().endswith(".npz"):
        if "__metadata__" in state:
            raise CheckpointError(f"cannot save {name!r}: key '__metadata__' is reserved")
        data = st.serialize(state, METADATA)
        writing(path, name, lambda fh: fh.write(data))
        return
    arrays = {FORMAT_KEY: np.array(FORMAT_VERSION, dtype=np.int64)}
    for key, arr in state.items():
        if key == FORMAT_KEY:
            raise CheckpointError(f"cannot save {name!r}: key {key!r} is reserved")
        arrays[key] = arr
    atomic_write(name, lambda fh: _write_npz(fh, arrays))


def _header(zf: zipfile.ZipFile, key: str) -> tuple[tuple[int, ...], np.dtype] | None:
    """(shape, dtype) from the ``.npy`` header of member ``key`` without reading its data (every
    header version NumPy writes: 1.0, 2.0 and 3.0, whose header is 2.0's in UTF-8)."""
    member = key + ".npy" if key + ".npy" in zf.namelist() else key
    with zf.open(member) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version in ((2, 0), (3, 0)):  # (3.0's UTF-8 differs only in non-ASCII names)
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise CheckpointError(f"entry {key!r} has an .npy header of unknown version "
                                  f"{version[0]}.{version[1]}")
    return shape, dtype


def _read_npz(name: str, fh: IO[bytes], wanted: Callable[[str, tuple[int, ...]], bool]
              ) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` checkpoint ``fh`` (named ``name``); CheckpointError if bad.

    An entry whose header shows a key or shape the module does not have (``wanted(key,
    shape)`` false) is never read: a memory-free stand-in of that shape takes its place, so a
    foreign or hostile file cannot make ``load`` allocate or decompress huge arrays.
    """
    start = fh.tell()
    magic = fh.read(6)
    fh.seek(start)
    if magic == b"\x93NUMPY":
        raise CheckpointError(f"checkpoint {name!r} is a single .npy array, not an .npz archive")
    if magic[:4] != b"PK\x03\x04":
        raise CheckpointError(f"{name!r} is not a checkpoint: neither safetensors nor an .npz "
                              f"archive (it starts with {fh.read(16)!r})")
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
                head = None if zf is None else _header(zf, key)
                if head is not None and not head[1].hasobject and not wanted(key, head[0]):
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


def read_safetensors(name: str, fh: IO[bytes],
                     wanted: Callable[[str, tuple[int, ...]], bool]
                     ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(arrays, metadata) of the safetensors file ``fh``; CheckpointError naming ``name``.

    The header is checked completely first; an entry for which ``wanted(key, shape)`` is false
    is not read (a memory-free stand-in takes its place, to be refused by the caller), so a
    foreign file cannot make the loader allocate more than it needs. Stored CRC-32s are checked.
    """
    try:
        entries, metadata, start = st.read_header(fh)
        table = st.crcs(metadata)
        if table and set(table) - {"__metadata__"} != set(entries):
            raise st.FormatError("corrupted header: its tensor names differ from the names "
                                 "the CRC-32 table was written for")
    except st.FormatError as exc:
        raise CheckpointError(f"cannot read checkpoint {name!r}: {exc}") from None
    arrays: dict[str, np.ndarray] = {}
    for key, info in entries.items():
        if not wanted(key, info.shape):
            arrays[key] = st.stand_in(info)
            continue
        try:
            arrays[key] = st.read_tensor(fh, info, start, table.get(key))
        except st.FormatError as exc:
            raise CheckpointError(f"cannot read checkpoint {name!r}: entry {key!r}: {exc}"
                                  ) from None
    return arrays, metadata


def is_safetensors(fh: IO[bytes]) -> bool:
    """Whether the open file starts like a safetensors file (then rewound)."""
    head = fh.read(9)
    fh.seek(0)
    return st.looks_like(head)


def _is_torch_pickle(fh: IO[bytes]) -> bool:
    """Whether the open file is what ``torch.save`` writes: a pickle, or a zip archive holding
    one (``…/data.pkl``); the file is rewound."""
    head = fh.read(4)
    fh.seek(0)
    if head[:1] == b"\x80":  # pickle protocol 2 and later
        return True
    if head != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(fh) as zf:
            return any(n.endswith("data.pkl") for n in zf.namelist())
    except Exception:  # (a corrupted archive: NotImplementedError too) _read_npz says so
        return False
    finally:
        fh.seek(0)


def load(module: Module, path: Path = _NO_PATH, strict: bool = True) -> IncompatibleKeys:
    """Load a checkpoint into ``module`` (arrays cast to its dtypes); the format is detected
    from the content: safetensors (from ``save`` or from PyTorch's
    ``safetensors.torch.save_file(model.state_dict(), path)``) or ``.npz`` from ``save``.

    Every key, shape and dtype is checked before anything changes. Raises ``CheckpointError``
    naming the file if it is empty, truncated, corrupted, foreign, holds pickled objects (never
    unpickled) or does not fit the module (then the message lists every missing, unexpected and
    mis-shaped entry); ``module`` is then unchanged. ``strict=False`` returns the missing and
    unexpected keys instead of failing on them. ``path`` may also be a binary file object
    (``io.BytesIO``, an open file), read from where it stands.
    """
    name = _check(module, path, "load")
    expected = {key: np.shape(arr) for key, arr in module._entries()}

    def wanted(key: str, shape: tuple[int, ...]) -> bool:
        """An entry of the module: by its kept name, or by another name of a tied parameter or
        a shared module's buffer (PyTorch's files may keep either), resolved by its path."""
        if key in expected:
            return expected[key] == shape
        arr = follow(module, key) if key != FORMAT_KEY else np.zeros(())
        return arr is not None and np.shape(arr) == shape

    with reading(path, name) as fh:
        if size_of(fh) == 0:
            raise CheckpointError(f"checkpoint {name!r} is empty")
        if is_safetensors(fh):
            arrays, _ = read_safetensors(name, fh, wanted)
        elif _is_torch_pickle(fh):
            raise CheckpointError(
                f"checkpoint {name!r} is a pickle (as torch.save writes), which is never unpickled "
                "here: from PyTorch, write it with safetensors.torch.save_file(model.state_dict(), "
                "'model.safetensors') and load that file")
        else:
            arrays = _read_npz(name, fh, wanted)
    try:
        return module.load_state_dict(arrays, strict=strict)
    except StateDictError as exc:
        raise CheckpointError(f"checkpoint {name!r} does not fit: {exc}") from exc
