"""Model checkpoints as safetensors: format choice, atomic writes, refused files, PyTorch."""

from __future__ import annotations

import json
import os
import pickle
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.numpy import load_file, save_file

import nn
from autograd_mini import Tensor

RNG = np.random.default_rng


def small(seed: int = 0, dtype: Any = np.float64) -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, 4, rng=RNG(seed), dtype=dtype),
                         nn.BatchNorm1d(4, dtype=dtype))


def trained(seed: int = 0, dtype: Any = np.float64) -> nn.Sequential:
    """A model whose parameters and running statistics all differ from a fresh one."""
    m = small(seed, dtype)
    x = RNG(seed + 10).normal(size=(6, 3)).astype(dtype)
    for k in range(3):
        m(Tensor(x * (k + 1)))
    for p in m.parameters():
        p.data[...] += RNG(seed + 20).normal(size=p.shape)
    return m


def snapshot(m: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in m.state_dict().items()}


def same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return list(a) == list(b) and all(
        a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) for k in a)


# ----------------------------------------------------------------------------- format
@pytest.mark.parametrize("suffix", [".safetensors", ".ckpt", "", ".npz", ".NPZ"])
def test_suffix_picks_the_format_and_both_round_trip(suffix: str, tmp_path: Path) -> None:
    a, b = trained(0), small(1)
    path = tmp_path / f"model{suffix}"
    nn.save(a, path)
    raw = path.read_bytes()
    if suffix.lower() == ".npz":
        assert zipfile.is_zipfile(path)
    else:  # safetensors: little-endian header length, then a JSON object
        n = int.from_bytes(raw[:8], "little")
        assert isinstance(json.loads(raw[8:8 + n]), dict)
    assert nn.load(b, path) == nn.IncompatibleKeys([], [])
    assert same(a.state_dict(), b.state_dict())
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_file_holds_pytorch_names_dtypes_and_row_major_arrays(tmp_path: Path) -> None:
    m = trained(0, np.float32)
    assert m[0].weight.data.flags.f_contiguous and not m[0].weight.data.flags.c_contiguous
    path = tmp_path / "m.safetensors"
    m.save(path)
    arrays = load_file(str(path))
    assert set(arrays) == {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                           "1.running_var", "1.num_batches_tracked"}
    for key, arr in m.state_dict().items():
        assert arrays[key].dtype == arr.dtype and np.array_equal(arrays[key], arr), key
    count = arrays["1.num_batches_tracked"]
    assert count.dtype == np.int64 and count.shape == () and int(count) == 3
    fresh = small(5, np.float64)  # loading casts to the model's dtype
    fresh.load(path)
    assert fresh[0].weight.dtype == np.float64
    np.testing.assert_array_equal(fresh[0].weight.data, m[0].weight.data.astype(np.float64))


def test_old_npz_checkpoints_still_load_whatever_their_name(tmp_path: Path) -> None:
    a = trained(2)
    path = tmp_path / "old.npz"
    nn.save(a, path)
    for name in ("old.npz", "renamed.safetensors"):  # the content decides, not the suffix
        os.replace(path, tmp_path / name)
        path = tmp_path / name
        b = small(3)
        nn.load(b, path)
        assert same(a.state_dict(), b.state_dict())


def test_entries_that_do_not_fit_are_never_read(tmp_path: Path) -> None:
    sd = trained(0).state_dict()
    path = tmp_path / "big.safetensors"
    big = np.zeros((2**21,))  # 16 MiB, under a key and with a shape the model lacks
    save_file({**{k: np.asarray(v, order="C") for k, v in sd.items()}, "extra": big,
               "0.weight": np.zeros((2**21, 1))}, str(path))
    del big
    m = small(0)
    tracemalloc.start()
    try:
        with pytest.raises(nn.CheckpointError, match="expected shape"):
            nn.load(m, path, strict=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20, peak


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npz_entries_that_do_not_fit_are_never_read_whatever_their_header(
        version: tuple[int, int], tmp_path: Path) -> None:
    """An .npz member with a shape the model lacks is never decompressed, for every .npy
    header version NumPy writes (3.0 was read whole: 0.7 MB of file, 800 MB of memory)."""
    path = tmp_path / "bomb.npz"
    n = 2**22  # 32 MiB of float64 zeros, deflated to about 32 KiB

    def npy_header(shape: tuple[int, ...], descr: str, v: tuple[int, int]) -> bytes:
        text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
        text += b" " * (63 - (len(text) + 10) % 64) + b"\n"  # (aligned to 64 bytes)
        size = len(text).to_bytes(2 if v == (1, 0) else 4, "little")
        return b"\x93NUMPY" + bytes(v) + size + text

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("__autograd_mini_nn_format__.npy",
                   npy_header((), "<i8", (1, 0)) + np.int64(1).tobytes())
        z.writestr("weight.npy", npy_header((n,), "<f8", version) + bytes(8 * n))
    assert np.load(path)["weight"].shape == (n,)  # a well-formed archive NumPy reads
    tracemalloc.start()
    try:
        with pytest.raises(nn.CheckpointError, match="does not fit"):
            nn.load(nn.Linear(3, 4), path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20, peak


def test_files_that_are_no_checkpoint_say_so(tmp_path: Path) -> None:
    """Neither safetensors nor a zip archive: said so, with the first bytes (NumPy's own
    message suggested unpickling the file)."""
    path = tmp_path / "x.ckpt"
    for data in (b'{"weight": [[1, 2]]}', b"\x01\x02\x03garbage bytes", b"GIF89a" + bytes(40)):
        path.write_bytes(data)
        with pytest.raises(nn.CheckpointError, match="not a checkpoint") as err:
            nn.load(nn.Linear(2, 1), path)
        assert "pickle" not in str(err.value)


def test_save_errors_name_the_path_given(tmp_path: Path) -> None:
    m = nn.Linear(2, 1)
    with pytest.raises(FileNotFoundError, match="folder does not exist") as err:
        nn.save(m, tmp_path / "missing" / "m.safetensors")
    assert "m.safetensors" in str(err.value) and ".tmp" not in str(err.value)
    with pytest.raises(IsADirectoryError, match="is a folder") as err2:
        nn.save(m, tmp_path)
    assert ".tmp" not in str(err2.value) and list(tmp_path.parent.glob(".*.tmp")) == []


def test_a_module_without_state_round_trips(tmp_path: Path) -> None:
    nn.save(nn.ReLU(), tmp_path / "empty.safetensors")
    assert nn.load(nn.ReLU(), tmp_path / "empty.safetensors") == nn.IncompatibleKeys([], [])


def test_strict_false_returns_missing_and_unexpected(tmp_path: Path) -> None:
    path = tmp_path / "other.safetensors"
    nn.save(nn.MLP([3, 5, 2], rng=RNG(0)), path)
    lin = nn.Linear(3, 4, rng=RNG(0))
    before = snapshot(lin)
    res = nn.load(lin, path, strict=False)
    assert res.missing_keys == ["weight", "bias"] and len(res.unexpected_keys) == 4
    assert same(before, lin.state_dict())


# ----------------------------------------------------------------------------- atomic writes
@pytest.mark.parametrize("where", ["fsync", "serialize"])
def test_a_failed_save_leaves_the_old_file(where: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ckpt.safetensors"
    old = trained(0)
    nn.save(old, path)
    old_bytes = path.read_bytes()

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("power cut")

    if where == "fsync":
        monkeypatch.setattr(os, "fsync", crash)
    else:
        monkeypatch.setattr("nn.checkpoint.st.serialize", crash)
    with pytest.raises(KeyboardInterrupt):
        nn.save(trained(1), path)
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]
    fresh = small(9)
    nn.load(fresh, path)
    assert same(fresh.state_dict(), old.state_dict())


def test_a_save_writes_through_a_symlink(tmp_path: Path) -> None:
    """As open(path, "wb") and torch.save: the link stays a link, its target gets the weights."""
    run = tmp_path / "run7.safetensors"
    nn.save(trained(0), run)
    latest = tmp_path / "latest.safetensors"
    latest.symlink_to(run.name)
    new = trained(1)
    nn.save(new, latest)
    assert latest.is_symlink() and os.readlink(latest) == run.name
    fresh = small(9)
    nn.load(fresh, run)
    assert same(fresh.state_dict(), new.state_dict())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.safetensors", "run7.safetensors"]


def test_a_write_protected_checkpoint_is_refused_and_kept(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "best.safetensors"
    nn.save(trained(0), path)
    old_bytes = path.read_bytes()
    path.chmod(0o444)
    # (root may write any file: ask as a user would be answered)
    monkeypatch.setattr(os, "access", lambda p, mode: os.fspath(p) != os.fspath(path))
    with pytest.raises(PermissionError, match="write-protected") as info:
        nn.save(trained(1), path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == old_bytes
    assert [p.name for p in tmp_path.iterdir()] == ["best.safetensors"]


def test_a_file_name_of_the_longest_length_saves(tmp_path: Path) -> None:
    path = tmp_path / ("m" * 238 + ".safetensors")  # 250 bytes: the temporary file's must fit too
    nn.save(trained(0), path)
    fresh = small(9)
    nn.load(fresh, path)
    assert same(fresh.state_dict(), trained(0).state_dict())
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


# ----------------------------------------------------------------------------- refused files
def refused(path: Path, match: str = "") -> None:
    m = small(7)
    before = snapshot(m)
    with pytest.raises(nn.CheckpointError) as info:
        nn.load(m, path)
    assert str(path) in str(info.value)
    assert match in str(info.value), str(info.value)
    assert same(before, m.state_dict())


def header_and_data(raw: bytes) -> tuple[dict[str, Any], bytes]:
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def assemble(header: dict[str, Any], data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data


@pytest.fixture()
def good(tmp_path: Path) -> bytes:
    nn.save(trained(0), tmp_path / "good.safetensors")
    return (tmp_path / "good.safetensors").read_bytes()


def test_empty_truncated_and_garbage_files_are_refused(good: bytes, tmp_path: Path) -> None:
    n = int.from_bytes(good[:8], "little")
    cases = {
        "empty": (b"", "empty"),
        "short": (good[:5], ""),
        "cut header": (good[:8 + n // 2], "truncated header"),
        "cut data": (good[:-1], "truncated data"),
        "cut more data": (good[:-20], "truncated data"),
        "json garbage": (good[:8] + b"{" + b"\xff\x00garbage" * (n // 9) + good[9 + 9 * (n // 9):],
                         "not valid JSON"),
        "trailing bytes": (good + b"\0" * 8, "after the last tensor"),
        "huge header length": ((2**62).to_bytes(8, "little") + good[8:], "truncated header"),
        "random binary": (RNG(0).integers(0, 256, 500, dtype=np.uint8).tobytes(), ""),
        "pickle": (pickle.dumps(trained(0).state_dict()), "pickled"),
        "text": (b"not a checkpoint at all\n", ""),
    }
    for name, (raw, match) in cases.items():
        path = tmp_path / f"{name}.safetensors"
        path.write_bytes(raw)
        refused(path, match)


def test_malformed_headers_are_refused(good: bytes, tmp_path: Path) -> None:
    header, data = header_and_data(good)
    key = "0.weight"
    variants: dict[str, tuple[Any, str]] = {
        "not an object": ([1, 2], "not an object"),
        "bad dtype": ({**header, key: {**header[key], "dtype": "F8_E4M3"}}, "unsupported dtype"),
        "bad shape": ({**header, key: {**header[key], "shape": [4, -3]}}, "non-negative"),
        "size mismatch": ({**header, key: {**header[key], "shape": [4, 4]}}, "do not hold"),
        "impossible shape": ({**header, "e": {"dtype": "F64", "shape": [0, 2**40, 2**40],
                                              "data_offsets": [0, 0]}}, "impossible shape"),
        "extra field": ({**header, key: {**header[key], "x": 1}}, "exactly dtype"),
        "overlap": ({**header, key: {**header[key], "data_offsets": [0, 96]}}, "overlap"),
        "metadata not strings": ({**header, "__metadata__": {"a": 1}}, "strings to strings"),
    }
    for name, (head, match) in variants.items():
        path = tmp_path / f"{name}.safetensors"
        path.write_bytes(assemble(head, data))
        refused(path, match)
    dup = json.dumps(header).encode()
    dup = dup[:-1] + b', "0.bias": ' + json.dumps(header["0.bias"]).encode() + b"}"
    path = tmp_path / "duplicate.safetensors"
    path.write_bytes(len(dup).to_bytes(8, "little") + dup + data)
    refused(path, "twice")


JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 2**64) | st.text(max_size=4),
                    lambda kids: st.lists(kids, max_size=3)
                    | st.dictionaries(st.text(max_size=3), kids, max_size=3), max_leaves=8)
ENTRY = st.fixed_dictionaries({
    "dtype": st.sampled_from(["F64", "F32", "BF16", "I64", "BOOL", "F8_E5M2", "X"]) | JSON,
    "shape": st.lists(st.integers(-1, 5), max_size=3) | JSON,
    "data_offsets": st.lists(st.integers(-1, 300), min_size=2, max_size=2) | JSON})


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.dictionaries(st.sampled_from(["0.weight", "0.bias", "1.weight", "x",
                                               "__metadata__"]), ENTRY | JSON, max_size=4),
       data=st.binary(max_size=300))
def test_arbitrary_headers_load_or_are_refused(header: dict[str, Any], data: bytes,
                                              tmp_path: Path) -> None:
    path = tmp_path / "fuzz.safetensors"
    path.write_bytes(assemble(header, data))
    m = small(7)
    before = snapshot(m)
    try:
        nn.load(m, path, strict=False)
    except nn.CheckpointError as exc:
        assert str(path) in str(exc) and same(before, m.state_dict())


def test_wrong_keys_shapes_and_dtypes_are_refused(tmp_path: Path) -> None:
    sd = trained(0).state_dict()
    variants = {
        "wrong keys": ({**{k: v for k, v in sd.items() if k != "0.bias"}, "extra": sd["0.bias"]},
                       "missing keys ['0.bias']"),
        "wrong shape": ({**sd, "0.weight": np.ascontiguousarray(sd["0.weight"].T)},
                        "expected shape (4, 3), got (3, 4)"),
        "other model": (nn.MLP([3, 5, 2], rng=RNG(0)).state_dict(), "does not fit"),
    }
    for name, (arrays, match) in variants.items():
        path = tmp_path / f"{name}.safetensors"
        save_file({k: np.asarray(v, order="C") for k, v in arrays.items()}, str(path))
        refused(path, match)


def test_every_flipped_byte_is_refused_or_harmless(good: bytes, tmp_path: Path) -> None:
    """The stored CRC-32s cover tensor bytes, dtypes, shapes and metadata."""
    original = trained(0).state_dict()
    path = tmp_path / "flip.safetensors"
    for i in range(len(good)):
        damaged = bytearray(good)
        damaged[i] ^= 0x41
        path.write_bytes(bytes(damaged))
        m = small(7)
        before = snapshot(m)
        try:
            nn.load(m, path)
        except nn.CheckpointError as exc:
            assert str(path) in str(exc) and same(before, m.state_dict())
        else:
            assert same(original, m.state_dict()), i


def test_files_from_elsewhere_load_without_checksums(tmp_path: Path) -> None:
    sd = trained(4).state_dict()
    path = tmp_path / "plain.safetensors"
    save_file({k: np.asarray(v, order="C") for k, v in sd.items()}, str(path))
    m = small(0)
    nn.load(m, path)
    assert same(sd, m.state_dict())


# ----------------------------------------------------------------------------- PyTorch
torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")


class TorchMLP(torch.nn.Module):  # type: ignore[name-defined]
    """nn.MLP([3, 5, 4, 2], activation="tanh") in PyTorch: the same ``layers.<i>`` names."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4), torch.nn.Tanh(),
            torch.nn.Linear(4, 2))

    def forward(self, x: Any) -> Any:
        return self.layers(x)


def pairs() -> dict[str, tuple[Any, Any, tuple[int, ...]]]:
    """name -> (make ours, make PyTorch's, input shape)."""
    return {
        "Linear": (lambda: nn.Linear(3, 4, rng=RNG(0)), lambda: torch.nn.Linear(3, 4), (5, 3)),
        "MLP": (lambda: nn.MLP([3, 5, 4, 2], activation="tanh", rng=RNG(0)), TorchMLP, (5, 3)),
        "LayerNorm": (lambda: nn.LayerNorm((2, 3)), lambda: torch.nn.LayerNorm((2, 3)),
                      (4, 2, 3)),
        "BatchNorm1d": (lambda: nn.BatchNorm1d(3), lambda: torch.nn.BatchNorm1d(3), (6, 3)),
    }


def run_ours(m: nn.Module, x: np.ndarray) -> np.ndarray:
    return np.asarray(m(Tensor(x)).data)


def run_torch(m: Any, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return m(torch.from_numpy(x)).numpy()


def train_ours(m: nn.Module, shape: tuple[int, ...]) -> None:
    """Parameters moved off their initial values; running statistics after three batches."""
    for p in m.parameters():
        p.data[...] += RNG(3).normal(size=p.shape)
    for k in range(3):
        run_ours(m, RNG(k).normal(size=shape) * (k + 1) + k)


def train_torch(m: Any, shape: tuple[int, ...]) -> None:
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.from_numpy(RNG(4).normal(size=tuple(p.shape))))
        for k in range(3):
            m(torch.from_numpy(RNG(k).normal(size=shape) * (k + 1) + k))


@pytest.mark.parametrize("name", list(pairs()))
def test_ours_loads_into_pytorch_strictly(name: str, tmp_path: Path) -> None:
    make_ours, make_torch, shape = pairs()[name]
    ours, theirs = make_ours(), make_torch().double()
    assert list(ours.state_dict()) == list(theirs.state_dict())  # the same names, same order
    train_ours(ours, shape)
    path = tmp_path / "ours.safetensors"
    nn.save(ours, path)
    theirs.load_state_dict(st_torch.load_file(str(path)))  # strict
    for key, arr in ours.state_dict().items():
        t = theirs.state_dict()[key]
        assert t.shape == arr.shape and str(t.dtype) == f"torch.{arr.dtype}", key
        np.testing.assert_array_equal(t.numpy(), arr)
    ours.eval()
    theirs.eval()
    x = RNG(9).normal(size=shape)
    np.testing.assert_allclose(run_ours(ours, x), run_torch(theirs, x), rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", list(pairs()))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pytorch_state_dict_loads_here(name: str, dtype: Any, tmp_path: Path) -> None:
    make_ours, make_torch, shape = pairs()[name]
    theirs = make_torch().double()
    train_torch(theirs, shape)
    theirs.eval()
    path = tmp_path / "theirs.safetensors"
    saved = theirs.float() if dtype == np.float32 else theirs
    st_torch.save_file(saved.state_dict(), str(path))
    ours = make_ours()
    nn.load(ours, path)  # strict; cast to the model's float64
    for key, arr in ours.state_dict().items():
        np.testing.assert_array_equal(arr, saved.state_dict()[key].numpy().astype(arr.dtype))
    ours.eval()
    x = RNG(9).normal(size=shape).astype(dtype)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(run_ours(ours, x.astype(np.float64)),
                               run_torch(saved, x), rtol=0, atol=tol)


def test_bfloat16_and_float16_files_from_pytorch_load(tmp_path: Path) -> None:
    theirs = torch.nn.Linear(3, 4)
    for dt in (torch.bfloat16, torch.float16):
        path = tmp_path / f"{dt}.safetensors"
        st_torch.save_file({k: v.to(dt) for k, v in theirs.state_dict().items()}, str(path))
        ours = nn.Linear(3, 4, rng=RNG(0), dtype=np.float32)
        nn.load(ours, path)
        assert ours.weight.dtype == np.float32
        np.testing.assert_array_equal(ours.weight.data,
                                      theirs.weight.detach().to(dt).float().numpy())


# ------------------------------------------------- layers written alongside (skipped if absent)
def _layer(module: str, name: str) -> Any:
    cls = getattr(pytest.importorskip(module), name, None)
    if cls is None:
        pytest.skip(f"{module}.{name} does not exist")
    return cls


def more_pairs() -> dict[str, Any]:
    """name -> (make ours, make PyTorch's, make an input, run ours, run PyTorch's)."""
    def floats(*shape: int) -> Any:
        return lambda: RNG(9).normal(size=shape)

    def mha_ours(m: Any, x: np.ndarray) -> np.ndarray:
        return np.asarray(m(Tensor(x), Tensor(x), Tensor(x))[0].data)

    def mha_torch(m: Any, x: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(x)
        with torch.no_grad():
            return m(t, t, t)[0].numpy()

    return {
        "Embedding": (lambda: _layer("nn.embedding", "Embedding")(10, 4, rng=RNG(0)),
                      lambda: torch.nn.Embedding(10, 4),
                      lambda: RNG(9).integers(0, 10, size=(2, 5)), run_ours, run_torch),
        "Conv2d": (lambda: _layer("nn.conv", "Conv2d")(2, 3, 3, padding=1, rng=RNG(0)),
                   lambda: torch.nn.Conv2d(2, 3, 3, padding=1), floats(2, 2, 5, 5),
                   run_ours, run_torch),
        "MultiheadAttention": (
            lambda: _layer("nn.multihead", "MultiheadAttention")(4, 2, rng=RNG(0)),
            lambda: torch.nn.MultiheadAttention(4, 2, batch_first=True), floats(2, 3, 4),
            mha_ours, mha_torch),
    }


@pytest.mark.parametrize("name", list(more_pairs()))
def test_more_layers_round_trip_with_pytorch(name: str, tmp_path: Path) -> None:
    make_ours, make_torch, make_x, ours_fn, torch_fn = more_pairs()[name]
    ours, theirs = make_ours(), make_torch().double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for p in ours.parameters():
        p.data[...] += RNG(3).normal(size=p.shape)
    path = tmp_path / "ours.safetensors"
    nn.save(ours, path)
    theirs.load_state_dict(st_torch.load_file(str(path)))  # strict
    theirs.eval()
    x = make_x()
    np.testing.assert_allclose(ours_fn(ours, x), torch_fn(theirs, x), rtol=0, atol=1e-10)
    back = make_torch().double()  # and PyTorch's own weights load here
    st_torch.save_file(back.state_dict(), str(path))
    fresh = make_ours()
    nn.load(fresh, path)
    for key, arr in fresh.state_dict().items():
        np.testing.assert_array_equal(arr, back.state_dict()[key].numpy())
