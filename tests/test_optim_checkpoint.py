"""optim.save/optim.load: exact resume of model + optimiser, file layout, refused files."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

import nn
import optim
from autograd_mini import Tensor
from nn.checkpoint import CheckpointError
from optim.checkpoint import load, save

RNG = np.random.default_rng

CONFIGS = [
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (optim.RMSProp, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (optim.RMSProp, {"lr": 0.01}),
    (optim.Adam, {"lr": 0.01}),
    (optim.Adam, {"lr": 0.01, "amsgrad": True, "weight_decay": 1e-3}),
    (optim.AdamW, {"lr": 0.01}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    (optim.NAdam, {"lr": 0.01, "weight_decay": 1e-3, "decoupled_weight_decay": True}),
    (optim.RAdam, {"lr": 0.01, "weight_decay": 1e-3}),
    (optim.Adamax, {"lr": 0.01}),
    (optim.Adadelta, {"lr": 1.0, "rho": 0.95}),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(CONFIGS)]


def model(seed: int, dtype: Any = np.float64) -> nn.MLP:
    return nn.MLP([3, 6, 2], activation="tanh", rng=RNG(seed), dtype=dtype)


def make_opt(cls: Any, kw: dict[str, Any], m: nn.Module) -> optim.Optimizer:
    """Two groups (the first layer, the rest at half the learning rate)."""
    params = list(m.parameters())
    return cls([{"params": params[:2]}, {"params": params[2:], "lr": kw["lr"] / 2}], **kw)


def train(m: nn.Module, opt: optim.Optimizer, steps: int, start: int) -> None:
    dt = next(iter(m.parameters())).dtype
    for k in range(start, start + steps):
        x = Tensor(RNG(k).normal(size=(5, 3)).astype(dt))
        y = Tensor(RNG(k + 100).normal(size=(5, 2)).astype(dt))
        opt.zero_grad()
        d = m(x) - y
        (d * d).mean().backward()
        opt.step()


def states_equal(a: optim.Optimizer, b: optim.Optimizer) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    if sa["param_groups"] != sb["param_groups"] or set(sa["state"]) != set(sb["state"]):
        return False
    for i, entries in sa["state"].items():
        other = sb["state"][i]
        if set(entries) != set(other):
            return False
        for k, v in entries.items():
            w = other[k]
            if isinstance(v, np.ndarray):
                if not (isinstance(w, np.ndarray) and v.dtype == w.dtype
                        and np.array_equal(v, w)):
                    return False
            elif type(v) is not type(w) or v != w:
                return False
    return True


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("cls", "kw"), CONFIGS, ids=IDS)
def test_resuming_from_files_equals_training_straight_through(
        cls: Any, kw: dict[str, Any], dtype: Any, tmp_path: Path) -> None:
    n, extra = 4, 3
    straight = model(0, dtype)
    opt_straight = make_opt(cls, kw, straight)
    train(straight, opt_straight, n + extra, 0)

    first = model(0, dtype)
    opt_first = make_opt(cls, kw, first)
    train(first, opt_first, n, 0)
    nn.save(first, tmp_path / "model.safetensors")
    save(opt_first, tmp_path / "opt.safetensors")

    resumed = model(1, dtype)  # other weights and hyper-parameters: the files restore them
    opt_resumed = make_opt(cls, {**kw, "lr": kw["lr"] * 3}, resumed)
    nn.load(resumed, tmp_path / "model.safetensors")
    load(opt_resumed, tmp_path / "opt.safetensors")
    assert states_equal(opt_first, opt_resumed)
    train(resumed, opt_resumed, extra, n)
    for (key, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert a.dtype == b.dtype == dtype and np.array_equal(a, b), key
    assert states_equal(opt_straight, opt_resumed)


def test_file_layout_tensors_and_json_metadata(tmp_path: Path) -> None:
    m = model(0, np.float32)
    opt = make_opt(optim.Adam, {"lr": 0.01, "amsgrad": True}, m)
    train(m, opt, 2, 0)
    path = tmp_path / "opt.safetensors"
    save(opt, path)
    with safe_open(str(path), framework="numpy") as fh:
        keys = set(fh.keys())
        meta = fh.metadata()
        assert fh.get_tensor("state.2.exp_avg").dtype == np.float32
    names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    assert keys == {f"state.{i}.{k}" for i in range(4) for k in names}
    assert meta["format"] == "autograd_mini.optim" and meta["optimizer"] == "Adam"
    groups = json.loads(meta["param_groups"])
    assert [g["params"] for g in groups] == [[0, 1], [2, 3]]
    assert groups[1]["lr"] == 0.005 and groups[0]["betas"] == [0.9, 0.999]
    assert json.loads(meta["state"]) == {str(i): {"step": 2} for i in range(4)}


def test_a_fresh_optimiser_round_trips(tmp_path: Path) -> None:
    opt = make_opt(optim.SGD, {"lr": 0.1, "momentum": 0.9}, model(0))
    save(opt, tmp_path / "o.safetensors")
    other = make_opt(optim.SGD, {"lr": 0.3, "momentum": 0.5}, model(1))
    load(other, tmp_path / "o.safetensors")
    assert states_equal(opt, other)


def test_a_failed_save_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    m = model(0)
    opt = make_opt(optim.Adam, {"lr": 0.01}, m)
    path = tmp_path / "opt.safetensors"
    save(opt, path)
    old = path.read_bytes()
    train(m, opt, 2, 0)

    def crash(fd: int) -> None:
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        save(opt, path)
    monkeypatch.undo()
    assert path.read_bytes() == old and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_bad_arguments_raise_type_and_value_errors(tmp_path: Path) -> None:
    opt = make_opt(optim.SGD, {"lr": 0.1}, model(0))
    with pytest.raises(TypeError, match=r"optim\.save: expected an optim\.Optimizer"):
        save(model(0), tmp_path / "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path must be"):
        load(opt, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="invalid path"):
        save(opt, "")
    opt.param_groups[0]["note"] = object()
    with pytest.raises(TypeError, match="cannot be stored as JSON"):
        save(opt, tmp_path / "x")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError):
        load(opt, tmp_path / "absent")


# ----------------------------------------------------------------------------- refused files
@pytest.fixture()
def trained_opt(tmp_path: Path) -> tuple[optim.Optimizer, bytes]:
    m = model(0)
    opt = make_opt(optim.Adam, {"lr": 0.01, "amsgrad": True}, m)
    train(m, opt, 2, 0)
    save(opt, tmp_path / "good.safetensors")
    return opt, (tmp_path / "good.safetensors").read_bytes()


def refused(opt: optim.Optimizer, path: Path, match: str = "") -> None:
    before = opt.state_dict()
    groups = opt.param_groups
    with pytest.raises(CheckpointError) as info:
        load(opt, path)
    assert str(path) in str(info.value)
    assert match in str(info.value), str(info.value)
    after = opt.state_dict()
    assert opt.param_groups is groups and after["param_groups"] == before["param_groups"]
    assert set(after["state"]) == set(before["state"]) and all(
        np.array_equal(after["state"][i]["exp_avg"], before["state"][i]["exp_avg"])
        for i in before["state"])


def test_damaged_and_foreign_files_are_refused(trained_opt: tuple[optim.Optimizer, bytes],
                                              tmp_path: Path) -> None:
    _, raw = trained_opt
    m = model(3)
    target = make_opt(optim.Adam, {"lr": 0.02, "amsgrad": True}, m)
    train(m, target, 1, 7)
    n = int.from_bytes(raw[:8], "little")
    nn.save(m, tmp_path / "model.safetensors")
    nn.save(m, tmp_path / "model.npz")
    cases = {
        "empty": (b"", "empty"),
        "short": (raw[:6], "not an optimizer checkpoint"),
        "cut header": (raw[:8 + n // 3], "truncated header"),
        "cut data": (raw[:-3], "truncated data"),
        "json garbage": (raw[:9] + b"\x00" * (n - 1) + raw[8 + n:], "not valid JSON"),
        "flipped data": (raw[:-1] + bytes([raw[-1] ^ 1]), "CRC-32"),
        "random": (RNG(1).integers(0, 256, 300, dtype=np.uint8).tobytes(), ""),
        "pickle": (pickle.dumps(target.state_dict()), "not an optimizer checkpoint"),
        "model": ((tmp_path / "model.safetensors").read_bytes(), "not an optimizer checkpoint"),
        "npz": ((tmp_path / "model.npz").read_bytes(), "not an optimizer checkpoint"),
    }
    for name, (data, match) in cases.items():
        path = tmp_path / f"{name}.safetensors"
        path.write_bytes(data)
        refused(target, path, match)


def test_mismatched_optimisers_are_refused(trained_opt: tuple[optim.Optimizer, bytes],
                                           tmp_path: Path) -> None:
    _, raw = trained_opt
    path = tmp_path / "good.safetensors"
    path.write_bytes(raw)
    m = model(3)
    sgd = make_opt(optim.SGD, {"lr": 0.1}, m)
    with pytest.raises(CheckpointError, match="saved from 'Adam', cannot load it into SGD"):
        load(sgd, path)
    one_group = optim.Adam(model(3).parameters(), lr=0.1, amsgrad=True)
    before = one_group.state_dict()
    with pytest.raises(CheckpointError, match="parameter groups"):
        load(one_group, path)
    assert one_group.state_dict() == before
    wider = nn.MLP([3, 7, 2], activation="tanh", rng=RNG(0))
    other_shapes = make_opt(optim.Adam, {"lr": 0.01, "amsgrad": True}, wider)
    train(wider, other_shapes, 1, 0)
    refused(other_shapes, path, "has shape (6, 3), but the parameter has shape (7, 3)")


def test_hand_made_files_with_bad_metadata_are_refused(
        trained_opt: tuple[optim.Optimizer, bytes], tmp_path: Path) -> None:
    opt, _ = trained_opt
    sd = opt.state_dict()
    tensors = {f"state.{i}.{k}": v for i, e in sd["state"].items()
               for k, v in e.items() if isinstance(v, np.ndarray)}
    groups = json.dumps([{k: list(v) if isinstance(v, tuple) else v for k, v in g.items()}
                         for g in sd["param_groups"]])
    meta = {"format": "autograd_mini.optim", "version": "1", "optimizer": "Adam",
            "param_groups": groups, "state": json.dumps({str(i): {"step": 2} for i in range(4)})}
    variants = {
        "ok": (tensors, meta, None),
        "bad json": (tensors, {**meta, "param_groups": "[{"}, "not valid JSON"),
        "deep json": (tensors, {**meta, "param_groups": "[" * 100_000 + "]" * 100_000},
                      "nests too deeply"),
        "bad version": (tensors, {**meta, "version": "9"}, "unsupported version"),
        "bad key": ({**tensors, "momentum": tensors["state.0.exp_avg"]}, meta,
                    "named state.<parameter index>.<name>"),
        "bad index": ({**tensors, "state.9.exp_avg": tensors["state.0.exp_avg"]}, meta,
                      "parameter index 9"),
        "bad lr": (tensors, {**meta, "param_groups": groups.replace("0.01", "-1.0")}, "lr"),
        "bad state": (tensors, {**meta, "state": "[1]"}, "metadata 'state'"),
    }
    for name, (arrays, metadata, match) in variants.items():
        path = tmp_path / f"{name}.safetensors"
        save_file(arrays, str(path), metadata=metadata)
        m = model(5)
        fresh = make_opt(optim.Adam, {"lr": 0.3, "amsgrad": True}, m)
        train(m, fresh, 1, 0)
        if match is None:  # a file without CRCs, as other writers make, loads
            load(fresh, path)
            assert states_equal(fresh, opt)
        else:
            refused(fresh, path, match)


def test_every_flipped_byte_is_refused_or_harmless(tmp_path: Path) -> None:
    lin = nn.Linear(2, 1, rng=RNG(0))
    opt = optim.Adam(lin.parameters(), lr=0.01)
    (lin(Tensor(np.ones((3, 2)))) ** 2).sum().backward()
    opt.step()
    good = tmp_path / "good.safetensors"
    save(opt, good)
    raw = good.read_bytes()
    path = tmp_path / "flip.safetensors"
    for i in range(len(raw)):
        damaged = bytearray(raw)
        damaged[i] ^= 0x41
        path.write_bytes(bytes(damaged))
        fresh = optim.Adam(nn.Linear(2, 1, rng=RNG(1)).parameters(), lr=0.5)
        try:
            load(fresh, path)
        except CheckpointError as exc:
            assert str(path) in str(exc) and fresh.state == {}
        else:
            assert states_equal(fresh, opt), i
