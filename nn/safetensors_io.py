"""The safetensors file format: written through the ``safetensors`` package, read and checked here.

A file is an 8-byte little-endian header length ``N``, ``N`` bytes of UTF-8 JSON
``{name: {"dtype": "F64", "shape": [...], "data_offsets": [begin, end]}, "__metadata__":
{str: str}}`` and the data buffer those offsets index (row-major, little-endian, no pickle).
The header is parsed and checked here before any data is read, so a loader can refuse keys
and shapes first, and no header field can make it allocate more than the file holds.
Files written by ``nn.save``/``optim.save`` also carry in the metadata (key ``CRC_KEY``) a
CRC-32 of every tensor's dtype, shape and bytes and one of the other metadata, so flipped bits
are caught; files from elsewhere have none and load unchecked.
"""

from __future__ import annotations

import io
import json
import math
import zlib
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

__all__ = ["CRC_KEY", "FormatError", "TensorInfo", "crcs", "looks_like", "read_header",
           "read_tensor", "serialize", "stand_in"]

#: metadata entry holding ``{name: CRC-32, "__metadata__": CRC-32 of the rest}`` as JSON
CRC_KEY = "autograd_mini.crc32"
#: the safetensors package refuses larger headers too
MAX_HEADER = 100 * 2**20

#: safetensors dtype -> NumPy dtype of the stored bytes (BF16 is widened to float32 on reading)
DTYPES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "U16": "<u2", "I16": "<i2", "F16": "<f2",
          "BF16": "<u2", "U32": "<u4", "I32": "<i4", "F32": "<f4", "U64": "<u8", "I64": "<i8",
          "F64": "<f8"}
_NAMES = {np.dtype(code): name for name, code in DTYPES.items() if name != "BF16"}


class FormatError(ValueError):
    """The bytes are not a well-formed safetensors file (the message says what is wrong)."""


@dataclass(frozen=True)
class TensorInfo:
    """One header entry: dtype name, shape and byte range inside the data buffer."""

    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of a file are a safetensors header: a length, then ``{``."""
    return len(head) >= 9 and head[8:9] == b"{"


def serialize(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """The safetensors bytes of ``arrays`` (made C-contiguous) and ``metadata`` plus CRCs."""
    # the package writes an array's memory as it lies, so a column-major one would come out
    # transposed: every array is made row-major first
    flat = {key: np.asarray(arr).astype(np.asarray(arr).dtype.newbyteorder("<"), order="C",
                                         copy=False) for key, arr in arrays.items()}
    table = {}
    for key, arr in flat.items():
        name = _NAMES.get(arr.dtype)
        if name is None:
            raise TypeError(f"safetensors cannot store {key!r} of dtype {arr.dtype}")
        table[key] = _crc(name, arr.shape, arr.reshape(-1).view(np.uint8).data)
    table["__metadata__"] = _meta_crc(metadata)
    # imported here: ``import nn`` and .npz checkpoints keep working without the package
    from safetensors.numpy import save

    return save(flat, metadata={**metadata, CRC_KEY: json.dumps(table)})


def _crc(dtype: str, shape: tuple[int, ...], data: memoryview) -> int:
    return zlib.crc32(data, zlib.crc32(f"{dtype}{list(shape)}".encode()))


def _meta_crc(metadata: dict[str, str]) -> int:
    rest = {k: v for k, v in metadata.items() if k != CRC_KEY}
    return zlib.crc32(json.dumps(rest, sort_keys=True).encode())


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        names = [k for k, _ in pairs]
        raise FormatError(f"header lists {sorted({k for k in names if names.count(k) > 1})} twice")
    return out


def _ints(value: Any, what: str, length: int | None = None) -> tuple[int, ...]:
    if not isinstance(value, list) or (length is not None and len(value) != length) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
        raise FormatError(f"{what} must be a list of non-negative integers, got {value!r:.60}")
    return tuple(value)


def read_header(fh: IO[bytes]) -> tuple[dict[str, TensorInfo], dict[str, str], int]:
    """(entries in file order, metadata, offset of the data buffer) of the file ``fh``.

    Raises FormatError for a short or over-long header, invalid JSON, unknown dtypes, sizes
    that do not match ``prod(shape) * itemsize``, and offsets that overlap, leave holes or run
    past the end of the file (a truncated file).
    """
    size = fh.seek(0, io.SEEK_END)  # (a file or an io.BytesIO alike)
    fh.seek(0)
    raw = fh.read(8)
    if len(raw) < 8:
        raise FormatError(f"file of {size} bytes is too short for a safetensors header")
    n = int.from_bytes(raw, "little")
    if n > MAX_HEADER or 8 + n > size:
        raise FormatError(f"truncated header: it claims {n} bytes, the file has {size - 8} more")
    try:
        header = json.loads(fh.read(n).decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise FormatError(f"header is not valid JSON ({exc})") from None
    if not isinstance(header, dict):
        raise FormatError(f"header is a JSON {type(header).__name__}, not an object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise FormatError("header '__metadata__' must map strings to strings")
    entries: dict[str, TensorInfo] = {}
    for key, spec in header.items():
        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data_offsets"}:
            raise FormatError(f"entry {key!r} must hold exactly dtype, shape and data_offsets")
        dtype = spec["dtype"]
        if not isinstance(dtype, str) or dtype not in DTYPES:
            raise FormatError(f"entry {key!r} has unsupported dtype {dtype!r:.20}")
        shape = _ints(spec["shape"], f"shape of {key!r}")
        begin, end = _ints(spec["data_offsets"], f"data_offsets of {key!r}", 2)
        if math.prod(max(d, 1) for d in shape) >= 2**62:  # NumPy could not even describe it
            raise FormatError(f"entry {key!r} has an impossible shape {shape}")
        nbytes = math.prod(shape) * np.dtype(DTYPES[dtype]).itemsize  # Python ints: no overflow
        if end < begin or end - begin != nbytes:
            raise FormatError(f"entry {key!r}: offsets [{begin}, {end}] do not hold "
                              f"{dtype} of shape {shape} ({nbytes} bytes)")
        entries[key] = TensorInfo(dtype, shape, begin, end)
    data = size - 8 - n
    position = 0
    for info in sorted(entries.values(), key=lambda i: (i.begin, i.end)):
        if info.begin != position:
            raise FormatError("data offsets overlap or leave a hole (corrupted header)")
        position = info.end
    if position > data:
        raise FormatError(f"truncated data: the header indexes {position} bytes, "
                          f"the file holds {data}")
    if position < data:
        raise FormatError(f"{data - position} bytes after the last tensor (corrupted file)")
    return entries, metadata, 8 + n


def _numpy_dtype(info: TensorInfo) -> np.dtype:
    return np.dtype(np.float32) if info.dtype == "BF16" else np.dtype(DTYPES[info.dtype])


def stand_in(info: TensorInfo) -> np.ndarray:
    """A memory-free array of the entry's dtype and shape, for entries that will be refused."""
    return np.broadcast_to(np.zeros((), dtype=_numpy_dtype(info)), info.shape)


def read_tensor(fh: IO[bytes], info: TensorInfo, start: int, crc: int | None = None
                ) -> np.ndarray:
    """The entry's array (BF16 widened to float32); FormatError if short or ``crc`` differs."""
    buf = np.empty(info.shape, dtype=DTYPES[info.dtype])
    fh.seek(start + info.begin)
    view = buf.reshape(-1).view(np.uint8)
    if fh.readinto(view.data) != view.size:  # type: ignore[attr-defined]
        raise FormatError("truncated data (the file changed while it was read)")
    if crc is not None and _crc(info.dtype, info.shape, view.data) != crc:
        raise FormatError("corrupted data: its CRC-32 does not match")
    if info.dtype == "BF16":  # bfloat16 is the top half of a float32
        return (buf.astype(np.uint32) << np.uint32(16)).view(np.float32)
    return buf


def crcs(metadata: dict[str, str]) -> dict[str, int]:
    """The per-tensor CRC-32 table stored in ``metadata`` ({} if none), after checking the
    metadata's own CRC; FormatError if either is broken."""
    if CRC_KEY not in metadata:
        return {}
    try:
        table = json.loads(metadata[CRC_KEY])
    except json.JSONDecodeError:
        table = None
    if not isinstance(table, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in table.values()):
        raise FormatError(f"metadata {CRC_KEY!r} is corrupted")
    if "__metadata__" in table and table["__metadata__"] != _meta_crc(metadata):
        raise FormatError("corrupted metadata: its CRC-32 does not match")
    return table
