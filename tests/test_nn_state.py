"""state_dict / load_state_dict and .npz checkpoints: round trips and every failure mode."""

from __future__ import annotations

import os
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nn
from autograd_mini import Tensor

RNG = np.random.default_rng


def make(seed: int = 0) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(3, 4, rng=RNG(seed)),
        nn.BatchNorm1d(4),
        nn.Tanh(),
        nn.Linear(4, 2, rng=RNG(seed + 1)),
    )


def snapshot(m: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in m.state_dict().items()}


def same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return list(a) == list(b) and all(
        a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) for k in a
    )


X = np.linspace(-1, 1, 15).reshape(5, 3)


def test_state_dict_keys_order_and_copies() -> None:
    m = make()
    m(Tensor(X))  # updates the BatchNorm running statistics
    sd = m.state_dict()
    assert list(sd) == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked", "3.weight", "3.bias",
    ]
    assert int(sd["1.num_batches_tracked"]) == 1 and not np.all(sd["1.running_mean"] == 0)
    sd["0.weight"][...] = 0.0
    assert not np.all(m[0].weight.data == 0)


def test_round_trip_restores_outputs_and_buffers() -> None:
    a, b = make(0), make(10)
    a(Tensor(X))
    a.eval()
    b.eval()
    assert not np.allclose(a(Tensor(X)).data, b(Tensor(X)).data)
    result = b.load_state_dict(a.state_dict())
    assert result == nn.IncompatibleKeys([], [])
    assert same(a.state_dict(), b.state_dict())
    np.testing.assert_array_equal(a(Tensor(X)).data, b(Tensor(X)).data)


def test_strict_errors_list_every_problem_and_change_nothing() -> None:
    m = make()
    before = snapshot(m)
    sd = make(5).state_dict()
    del sd["0.bias"], sd["1.running_var"]
    sd["extra"] = np.zeros(1)
    sd["3.weight"] = np.zeros((4, 2))
    sd["0.weight"] = np.zeros((4, 3)) + 7.0  # valid: must not be applied either
    with pytest.raises(nn.StateDictError) as info:
        m.load_state_dict(sd)
    msg = str(info.value)
    for piece in ("'0.bias'", "'1.running_var'", "'extra'", "'3.weight'", "(2, 4)", "(4, 2)",
                  "nothing was changed"):
        assert piece in msg
    assert same(before, m.state_dict())


def test_non_strict_returns_missing_and_unexpected_but_refuses_bad_shapes() -> None:
    m = make()
    src = make(3).state_dict()
    partial = {"0.weight": src["0.weight"], "bogus": np.ones(2)}
    result = m.load_state_dict(partial, strict=False)
    assert result.unexpected_keys == ["bogus"]
    assert "0.weight" not in result.missing_keys and "3.bias" in result.missing_keys
    np.testing.assert_array_equal(m.state_dict()["0.weight"], src["0.weight"])
    before = snapshot(m)
    with pytest.raises(nn.StateDictError, match="expected shape"):
        m.load_state_dict({"0.bias": np.zeros(4), "3.bias": np.zeros(5)}, strict=False)
    assert same(before, m.state_dict())
    with pytest.raises(nn.StateDictError, match="not numeric"):
        m.load_state_dict({"0.bias": np.array(["a"] * 4)}, strict=False)
    with pytest.raises(TypeError, match="mapping"):
        m.load_state_dict([("0.bias", np.zeros(4))])  # type: ignore[arg-type]


def test_arrays_are_cast_to_the_parameter_dtype() -> None:
    m = nn.Linear(2, 2, dtype=np.float32, rng=RNG(0))
    w_id = id(m.weight.data)
    m.load_state_dict({"weight": np.full((2, 2), 0.1), "bias": Tensor([1, 2])})
    assert m.weight.dtype == np.float32 and m.bias is not None and m.bias.dtype == np.float32
    assert id(m.weight.data) == w_id  # copied in place
    np.testing.assert_array_equal(m.weight.data, np.float32(0.1))
    assert m.bias.data.tolist() == [1.0, 2.0]


def test_values_that_do_not_fit_the_dtype_are_refused_before_anything_changes() -> None:
    """The casts are made while checking: a float64 1e300 for a float32 weight (inf) or 1.5
    for an integer buffer fails the whole load, with every entry still as it was."""
    m = nn.Sequential(nn.Linear(2, 2, dtype=np.float32, rng=RNG(0)), nn.BatchNorm1d(2))
    before = m.state_dict()
    state = {k: np.array(v, dtype=np.float64) for k, v in before.items()}
    state["0.weight"] = state["0.weight"] + 1.0
    for key, value in (("0.bias", np.full(2, 1e300)), ("1.num_batches_tracked", np.array(1.5))):
        with pytest.raises(nn.StateDictError, match=rf"'{key}': values do not fit its dtype"):
            m.load_state_dict({**state, key: value})
        assert all(np.array_equal(v, m.state_dict()[k]) for k, v in before.items())
    m.load_state_dict({**state, "0.bias": np.array([np.inf, -1.0])})  # inf stays inf
    assert m.state_dict()["0.bias"].tolist() == [np.inf, -1.0]


class _Temperature(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("temperature", np.array(1.0))

    def anneal(self) -> None:
        self.temperature: Any = self.temperature * 0.5  # a NumPy scalar now, not a 0-d array


def test_a_buffer_set_to_a_number_loads(tmp_path: Path) -> None:
    """A buffer updated out of place (a NumPy scalar) or set to a Python float saves, and a
    checkpoint loads into it (the error blamed a live graph, or an AttributeError)."""
    m = _Temperature()
    m.anneal()
    nn.save(m, tmp_path / "t.safetensors")
    scalar, number = _Temperature(), _Temperature()
    scalar.anneal()
    number.temperature = 0.25
    for other in (scalar, number):
        nn.load(other, tmp_path / "t.safetensors")
        assert isinstance(other.temperature, np.ndarray) and other.temperature == 0.5


# ----------------------------------------------------------------------------- files
def test_save_and_load_round_trip(tmp_path: Path) -> None:
    a, b = make(0), make(1)
    a(Tensor(X))
    path = tmp_path / "model.npz"
    nn.save(a, path)
    with np.load(path, allow_pickle=False) as npz:
        assert "0.weight" in npz.files
    assert nn.load(b, path) == nn.IncompatibleKeys([], [])
    assert same(a.state_dict(), b.state_dict())
    c = make(2)
    a.save(str(path))
    c.load(str(path))
    assert same(a.state_dict(), c.state_dict())
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary files left


def test_a_new_checkpoint_gets_the_permissions_the_umask_gives_new_files(tmp_path: Path) -> None:
    for umask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        old = os.umask(umask)
        try:
            path = tmp_path / f"model-{umask:o}.safetensors"
            nn.save(make(), path)
        finally:
            os.umask(old)
        assert path.stat().st_mode & 0o777 == mode
    os.chmod(path, 0o640)  # an existing file keeps its own
    nn.save(make(), path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_save_overwrites_atomically_and_a_crash_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ckpt.npz"
    old = make(0)
    nn.save(old, path)
    old_bytes = path.read_bytes()
    calls = []
    real = np.lib.format.write_array

    def crash(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt("power cut")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(np.lib.format, "write_array", crash)
    with pytest.raises(KeyboardInterrupt):
        nn.save(make(1), path)
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]
    fresh = make(9)
    nn.load(fresh, path)
    assert same(fresh.state_dict(), old.state_dict())
    nn.save(make(1), path)  # a normal overwrite replaces it
    assert path.read_bytes() != old_bytes


def _assert_refused(path: Path, match: str = "") -> None:
    m = make()
    before = snapshot(m)
    with pytest.raises(nn.CheckpointError) as info:
        nn.load(m, path)
    assert str(path) in str(info.value)
    assert match in str(info.value)
    assert same(before, m.state_dict())


def test_truncated_files_are_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.npz"
    nn.save(make(4), good)
    raw = good.read_bytes()
    for cut in (0, 1, 4, 30, 100, len(raw) // 3, len(raw) // 2, len(raw) - 22, len(raw) - 1):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(raw[:cut])
        _assert_refused(bad)


def test_corrupted_array_bytes_are_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.npz"
    nn.save(make(4), good)
    raw = good.read_bytes()
    with zipfile.ZipFile(good) as zf:
        infos = zf.infolist()
    for info in infos[1::3]:
        start = info.header_offset
        name_len, extra_len = struct.unpack("<HH", raw[start + 26:start + 30])
        last = start + 30 + name_len + extra_len + info.file_size - 1  # last byte of the array
        flipped = bytearray(raw)
        flipped[last] ^= 0xFF
        bad = tmp_path / f"flip{last}.npz"
        bad.write_bytes(bytes(flipped))
        _assert_refused(bad, "CRC")


def test_foreign_and_pickled_files_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint\n")
    _assert_refused(text)
    single = tmp_path / "one.npy"
    np.save(single, np.ones(3))
    _assert_refused(single, "single .npy")
    plain = tmp_path / "plain.npz"
    np.savez(plain, **make().state_dict())
    _assert_refused(plain, "not an autograd_mini nn checkpoint")
    pickled = tmp_path / "model.pkl"
    with open(pickled, "wb") as fh:
        pickle.dump(make().state_dict(), fh)
    _assert_refused(pickled, "pickled")
    objects = tmp_path / "objects.npz"
    sd: dict[str, object] = dict(make().state_dict())
    sd["__autograd_mini_nn_format__"] = np.array(1)
    sd["0.bias"] = np.array([{"evil": 1}, 2, 3, 4], dtype=object)
    np.savez(objects, **sd)  # type: ignore[arg-type]
    _assert_refused(objects, "pickled")
    version = tmp_path / "future.npz"
    sd2 = dict(make().state_dict())
    sd2["__autograd_mini_nn_format__"] = np.array(99)
    np.savez(version, **sd2)
    _assert_refused(version, "format marker")


def test_pytorch_pickles_are_refused_with_the_way_to_bring_them_over(tmp_path: Path) -> None:
    legacy = tmp_path / "net_legacy.pt"  # torch.save's older format: a bare pickle
    with open(legacy, "wb") as fh:
        pickle.dump({"0.weight": [[1.0]]}, fh, protocol=2)
    archive = tmp_path / "net.pt"  # its current format: a zip archive holding data.pkl
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("net/data.pkl", pickle.dumps({"0.weight": [[1.0]]}))
        zf.writestr("net/version", "3\n")
    for path in (legacy, archive):
        _assert_refused(path, "is a pickle (as torch.save writes), which is never unpickled")
        _assert_refused(path, "safetensors.torch.save_file(model.state_dict()")


def test_save_and_load_name_their_arguments_when_given_something_else(tmp_path: Path) -> None:
    model = make()
    with pytest.raises(TypeError, match=r"save: expected an nn.Module as the first argument, "
                                        r"save\(model, path\) \(it saves model.state_dict\(\) "
                                        r"itself\); got dict"):
        nn.save(model.state_dict(), tmp_path / "m.safetensors")  # type: ignore[arg-type]
    assert not (tmp_path / "m.safetensors").exists()
    with pytest.raises(TypeError, match=r"load: expected an nn.Module .* got str"):
        nn.load(str(tmp_path / "m.safetensors"), tmp_path / "m.safetensors")  # type: ignore[arg-type]


def test_checkpoint_of_another_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    nn.save(nn.MLP([3, 5, 2], rng=RNG(0)), path)
    _assert_refused(path, "does not fit")
    small = nn.Linear(3, 4, rng=RNG(0))
    res = nn.load(small, tmp_path / "other.npz", strict=False)
    assert res.missing_keys == ["weight", "bias"] and len(res.unexpected_keys) == 4


def test_missing_file_is_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        nn.load(make(), tmp_path / "absent.npz")
    assert not os.path.exists(tmp_path / "absent.npz")


def test_loading_into_parameters_a_live_graph_holds_changes_nothing(tmp_path: Path) -> None:
    donor, model = make(1), make(2)
    path = tmp_path / "donor.safetensors"
    nn.save(donor, path)
    pending = model(Tensor(X)).sum()  # saved the weights for its backward
    before = snapshot(model)
    with pytest.raises(nn.CheckpointError, match="read-only while a live graph depends on it"):
        nn.load(model, path)
    assert same(before, model.state_dict())
    pending.backward()
    nn.load(model, path)
    assert same(snapshot(donor), model.state_dict())


def test_a_pytorch_state_dict_of_a_tied_model_loads_strictly() -> None:
    """PyTorch lists a tied weight under every name (emb.weight and out.weight); here it is
    one parameter, so the second name is accepted when it holds the same values."""
    class Tied(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(5, 3, rng=RNG(0))
            self.out = nn.Linear(3, 5, bias=False, rng=RNG(1))
            self.out.weight = self.emb.weight

    m = Tied()
    assert list(m.state_dict()) == ["emb.weight"]
    w = RNG(2).normal(size=(5, 3))
    assert m.load_state_dict({"emb.weight": w, "out.weight": w.copy()}) == ([], [])
    np.testing.assert_array_equal(m.out.weight.data, w)
    m.load_state_dict({"out.weight": 2 * w})  # the other name alone fills it too
    np.testing.assert_array_equal(m.emb.weight.data, 2 * w)
    with pytest.raises(nn.StateDictError, match=r"'out\.weight': tied to 'emb\.weight' here, but"):
        m.load_state_dict({"emb.weight": w, "out.weight": w + 1})
    np.testing.assert_array_equal(m.emb.weight.data, 2 * w)


def test_a_shared_module_with_buffers_loads_a_pytorch_state_strictly() -> None:
    """PyTorch lists a shared module's parameters and buffers under each of its names."""
    class Shared(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bn = nn.BatchNorm1d(3)
            self.bn2 = self.bn

    m = Shared()
    own = m.state_dict()
    torch_style = {**own, **{k.replace("bn.", "bn2.", 1): v for k, v in own.items()}}
    torch_style["bn.running_mean"] = torch_style["bn2.running_mean"] = np.arange(3.0)
    assert m.load_state_dict(torch_style) == ([], [])
    assert np.asarray(m.bn.running_mean).tolist() == [0.0, 1.0, 2.0]


def test_state_dict_takes_pytorchs_prefix_and_keep_vars() -> None:
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    sd = m.state_dict(prefix="enc.")
    assert list(sd) == [f"enc.{k}" for k in m.state_dict()]
    kept = m.state_dict(keep_vars=True)
    assert kept["0.weight"] is m[0].weight  # the Parameter itself, not a copy
    assert kept["1.running_mean"] is m[1].running_mean  # the buffer's array as held
    assert m.state_dict()["0.weight"] is not m[0].weight.data  # by default: copies
    with pytest.raises(TypeError, match="state_dict: prefix must be a str"):
        m.state_dict(prefix=1)  # type: ignore[arg-type]
    a, b = nn.ModuleList([nn.Linear(1, 1)]), nn.ModuleList([nn.ReLU(), None])
    both = a + b
    assert len(both) == 3 and both[0] is a[0] and both[1] is b[0] and both[2] is None
