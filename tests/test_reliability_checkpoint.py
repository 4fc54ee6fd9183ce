"""Checkpoints under faults: a process killed while saving, corrupted and hostile files.

tests/test_nn_state.py covers the fixed cases (truncations at chosen points, a flipped CRC,
text, .npy, plain .npz, pickles, a future format, another model's file, a crash raised
inside ``save``). Here: real SIGKILLs of a saving process, random damage anywhere in the file,
and files that are foreign in other ways (wrong dtypes, shapes, huge or bogus headers).
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn

ROOT = Path(__file__).resolve().parents[1]
FORMAT_KEY = "__autograd_mini_nn_format__"

#: a child that saves a ~6 MB model again and again, every array filled with the step number
SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    import nn
    path, base = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(0)
    model = nn.Sequential(*[nn.Linear(512, 512, rng=rng) for _ in range(3)])
    for step in range(base, base + 10_000):
        for p in model.parameters():
            p.data[...] = step
        nn.save(model, path)
        print(step, flush=True)
""")


def big_model() -> nn.Sequential:
    return nn.Sequential(*[nn.Linear(512, 512, rng=np.random.default_rng(1)) for _ in range(3)])


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_a_process_killed_while_saving_leaves_a_loadable_file(tmp_path: Path) -> None:
    """Kill the saver at random moments (some before its first save ends): the file at the
    path always loads and holds one complete state, never older than the last one confirmed."""
    path = tmp_path / "ckpt.npz"
    rnd = random.Random(1234)
    confirmed = -1
    model = big_model()
    for round_ in range(6):
        base = 1000 * (round_ + 1)
        child = subprocess.Popen([sys.executable, "-c", SAVER, str(path), str(base)],
                                 stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert child.stdout is not None
        try:
            if round_ == 0 or round_ % 2:  # let at least one save finish, then a random moment
                confirmed = int(child.stdout.readline())
                time.sleep(rnd.uniform(0.0, 0.4))
            else:  # possibly before the first save completes
                time.sleep(rnd.uniform(0.0, 0.8))
        finally:
            child.send_signal(signal.SIGKILL)
            out, _ = child.communicate(timeout=60)
        assert child.returncode == -signal.SIGKILL
        printed = [int(v) for v in out.split()]
        if printed:
            confirmed = max(confirmed, printed[-1])
        nn.load(model, path)  # must not raise
        values = {float(v) for arr in model.state_dict().values() for v in np.unique(arr)}
        assert len(values) == 1, f"a mix of states: {sorted(values)[:5]}"
        (value,) = values
        assert value == int(value) and value >= confirmed, (value, confirmed)
        assert value <= base + 10_000
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "ckpt.npz"]
    assert all(n.startswith(".ckpt.npz.") and n.endswith(".tmp") for n in leftovers)


# ----------------------------------------------------------------------------- damaged files
def small() -> nn.Sequential:
    return nn.Sequential(nn.Linear(3, 4, rng=np.random.default_rng(0)), nn.BatchNorm1d(4))


def snapshot(m: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in m.state_dict().items()}


def same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[str, np.ndarray]]:
    source = small()
    for i, p in enumerate(source.parameters()):
        p.data[...] = np.arange(p.size).reshape(p.shape) * (i + 1) + 0.25
    path = tmp_path_factory.mktemp("good") / "good.npz"
    nn.save(source, path)
    return path.read_bytes(), snapshot(source)


def refused_or_intact(path: Path, original: dict[str, np.ndarray]) -> None:
    """Loading ``path`` either gives exactly ``original`` or a CheckpointError naming the
    file with the model unchanged; never other values, never another exception."""
    m = small()
    before = snapshot(m)
    try:
        nn.load(m, path)
    except nn.CheckpointError as exc:
        assert str(path) in str(exc)
        assert same(before, snapshot(m))
    else:
        assert same(original, snapshot(m))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_damage_anywhere_is_refused_or_harmless(
        data: st.DataObject, saved: tuple[bytes, dict[str, np.ndarray]], tmp_path: Path) -> None:
    raw, original = saved
    damaged = bytearray(raw)
    kind = data.draw(st.sampled_from(["flip", "truncate", "zero run", "insert"]))
    at = data.draw(st.integers(0, len(raw) - 1))
    if kind == "flip":
        damaged[at] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        del damaged[at:]
    elif kind == "zero run":
        damaged[at:at + data.draw(st.integers(1, 64))] = b"\0" * 64
    else:
        damaged[at:at] = data.draw(st.binary(min_size=1, max_size=16))
    path = tmp_path / f"{kind}-{at}.npz"
    path.write_bytes(bytes(damaged))
    refused_or_intact(path, original)


def _npz(path: Path, arrays: dict[str, np.ndarray], marker: object = 1) -> Path:
    full = {FORMAT_KEY: np.asarray(marker), **arrays}
    np.savez(path, **full)  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize("case", ["strings", "complex", "transposed", "scalar marker float",
                                  "marker array", "empty archive", "not npy members",
                                  "directory inside"])
def test_foreign_content_is_refused_and_changes_nothing(
        case: str, saved: tuple[bytes, dict[str, np.ndarray]], tmp_path: Path) -> None:
    _, original = saved
    good = dict(original)
    path = tmp_path / "foreign.npz"
    if case == "strings":
        _npz(path, {**good, "0.bias": np.array(["a", "b", "c", "d"])})
    elif case == "complex":
        _npz(path, {**good, "0.weight": good["0.weight"] + 1j})
    elif case == "transposed":
        _npz(path, {**good, "0.weight": good["0.weight"].T})
    elif case == "scalar marker float":
        _npz(path, good, marker=1.0)
    elif case == "marker array":
        _npz(path, good, marker=[1, 1])
    elif case == "empty archive":
        with zipfile.ZipFile(path, "w"):
            pass
    elif case == "not npy members":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(FORMAT_KEY + ".npy", b"not an array")
            zf.writestr("0.weight", b"\x93NUMPY")
    else:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("folder/", b"")
    m = small()
    before = snapshot(m)
    with pytest.raises(nn.CheckpointError) as info:
        nn.load(m, path)
    assert str(path) in str(info.value)
    assert same(before, snapshot(m))


def test_a_directory_is_not_a_checkpoint(tmp_path: Path) -> None:
    folder = tmp_path / "model.npz"
    folder.mkdir()
    m = small()
    before = snapshot(m)
    with pytest.raises(OSError) as info:
        nn.load(m, folder)
    assert str(folder) in str(info.value) and same(before, snapshot(m))


def _header(shape: tuple[int, ...]) -> bytes:
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "<f8", "fortran_order": False,
                                                "shape": shape})
    return head.getvalue()


@pytest.mark.parametrize("key", ["0.weight", "unexpected"])
def test_huge_arrays_in_a_file_are_never_allocated(key: str, tmp_path: Path) -> None:
    """A member whose header claims 2 GiB (and whose deflated zeros really hold 256 MiB) is
    refused from its header: load allocates almost nothing."""
    path = tmp_path / "bomb.npz"
    m = small()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for k, arr in m.state_dict().items():
            if k == key:
                continue
            with zf.open(k + ".npy", "w") as fh:
                np.lib.format.write_array(fh, arr)
        with zf.open(FORMAT_KEY + ".npy", "w") as fh:
            np.lib.format.write_array(fh, np.array(1))
        with zf.open(key + ".npy", "w", force_zip64=True) as fh:
            fh.write(_header((2**28,)))
            chunk = bytes(16 * 2**20)
            for _ in range(16):
                fh.write(chunk)
    assert path.stat().st_size < 2**20
    before = snapshot(m)
    tracemalloc.start()
    try:
        with pytest.raises(nn.CheckpointError, match=r"does not fit") as info:
            nn.load(m, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(path) in str(info.value) and key in str(info.value)
    assert peak < 16 * 2**20, peak
    assert same(before, snapshot(m))
    if key == "unexpected":
        assert nn.load(m, path, strict=False).unexpected_keys == ["unexpected"]


def test_save_to_a_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        nn.save(small(), tmp_path / "no" / "such" / "m.npz")
    assert os.listdir(tmp_path) == []
