"""Optimizer checkpoints: bit-for-bit resume, an np.savez round trip and refused mismatches."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor
from optim.lr_scheduler import CosineAnnealingLR

CONFIGS = [
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (optim.RMSProp, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (optim.Adam, {"lr": 0.01, "amsgrad": True, "weight_decay": 1e-3}),
    (optim.AdamW, {"lr": 0.01}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    (optim.NAdam, {"lr": 0.01, "weight_decay": 1e-3, "decoupled_weight_decay": True}),
    (optim.RAdam, {"lr": 0.01, "weight_decay": 1e-3}),
    (optim.Adamax, {"lr": 0.01}),
    (optim.Adadelta, {"lr": 1.0, "rho": 0.95}),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(CONFIGS)]


def make_params(dtype: Any) -> list[Tensor]:
    rng = np.random.default_rng(5)
    return [
        Tensor(rng.normal(size=(3, 2)).astype(dtype), requires_grad=True),
        Tensor(rng.normal(size=(2,)).astype(dtype), requires_grad=True),
        Tensor(rng.normal(size=()).astype(dtype), requires_grad=True),
        Tensor(rng.normal(size=(4,)).astype(dtype), requires_grad=True),  # never gets a grad
    ]


def build(cls: Any, kw: dict[str, Any], params: list[Tensor]) -> optim.Optimizer:
    """Two groups, the second with its own lr."""
    return cls([{"params": params[:2]}, {"params": params[2:], "lr": kw["lr"] / 2}], **kw)


def train(opt: optim.Optimizer, params: list[Tensor], steps: int, sched: Any = None) -> None:
    x = Tensor(np.linspace(-1.0, 1.0, 3).astype(params[0].dtype))
    for _ in range(steps):
        opt.zero_grad()
        h = (x @ params[0]) * params[1] + params[2]
        ((h * h).sum() + (h * h * h).sum() * 0.1).backward()
        opt.step()
        if sched is not None:
            sched.step()


def flatten(sd: dict[str, Any]) -> dict[str, np.ndarray]:
    """A state dict as a flat mapping of arrays, as ``np.savez`` wants."""
    flat: dict[str, np.ndarray] = {}
    for index, entries in sd["state"].items():
        for key, value in entries.items():
            flat[f"state/{index}/{key}"] = np.asarray(value)
    for gi, group in enumerate(sd["param_groups"]):
        for key, value in group.items():
            flat[f"param_groups/{gi}/{key}"] = np.asarray(value)
    return flat


def unflatten(flat: Any) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    groups: dict[int, dict[str, Any]] = {}
    for name in flat:
        kind, index, key = name.split("/")
        target = state if kind == "state" else groups
        target.setdefault(int(index), {})[key] = flat[name]
    return {"state": state, "param_groups": [groups[i] for i in sorted(groups)]}


@pytest.mark.parametrize(("cls", "kw"), CONFIGS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trip", ["direct", "deepcopy", "savez"])
def test_resume_is_bit_for_bit(
    cls: Any, kw: dict[str, Any], dtype: Any, trip: str, tmp_path: Path
) -> None:
    ref_params = make_params(dtype)
    ref = build(cls, kw, ref_params)
    train(ref, ref_params, 12)

    params = make_params(dtype)
    first = build(cls, kw, params)
    train(first, params, 7)
    saved = first.state_dict()
    train(first, params, 2)  # later steps must not leak into the snapshot
    if trip == "deepcopy":
        saved = copy.deepcopy(saved)
    elif trip == "savez":
        flat: dict[str, Any] = flatten(saved)  # Any: mypy checks ** keys against allow_pickle
        np.savez(tmp_path / "opt.npz", **flat)
        with np.load(tmp_path / "opt.npz", allow_pickle=False) as data:
            saved = unflatten({k: data[k] for k in data.files})

    resumed_params = make_params(dtype)
    train(build(cls, kw, resumed_params), resumed_params, 7)  # same weights as at the snapshot
    fresh = build(cls, {**kw, "lr": 123.0}, resumed_params)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["lr"] == kw["lr"] / 2
    train(fresh, resumed_params, 5)
    for a, b in zip(resumed_params, ref_params, strict=True):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a.data, b.data)


def test_resume_detects_a_lost_state() -> None:
    """The resume test can fail: restarting without the state changes the trajectory."""
    ref_params = make_params(np.float64)
    ref = build(optim.Adam, {"lr": 0.01}, ref_params)
    train(ref, ref_params, 12)
    params = make_params(np.float64)
    train(build(optim.Adam, {"lr": 0.01}, params), params, 7)
    train(build(optim.Adam, {"lr": 0.01}, params), params, 5)
    assert not np.array_equal(params[0].data, ref_params[0].data)


def test_state_dict_holds_arrays_and_python_numbers() -> None:
    params = make_params(np.float32)
    opt = build(optim.Adam, {"lr": 0.01}, params)
    train(opt, params, 3)
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1, 2]  # the fourth parameter never had a gradient
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3]]
    assert type(sd["state"][0]["step"]) is int and sd["state"][0]["step"] == 3
    assert sd["state"][0]["exp_avg"].dtype == np.float32
    assert sd["state"][0]["exp_avg"] is not opt.state[id(params[0])]["exp_avg"]
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert type(sd["param_groups"][1]["lr"]) is float


@pytest.mark.parametrize("order", ["optimizer-first", "scheduler-first"])
def test_resume_with_a_scheduler(order: str) -> None:
    def run(split: bool) -> np.ndarray:
        params = make_params(np.float64)
        opt = build(optim.SGD, {"lr": 0.1, "momentum": 0.9}, params)
        sched = CosineAnnealingLR(opt, T_max=10)
        train(opt, params, 4, sched)
        if split:
            saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
            opt = build(optim.SGD, {"lr": 0.1, "momentum": 0.9}, params)
            sched = CosineAnnealingLR(opt, T_max=10)
            if order == "optimizer-first":
                opt.load_state_dict(saved_opt)
                sched.load_state_dict(saved_sched)
            else:
                sched.load_state_dict(saved_sched)
                opt.load_state_dict(saved_opt)
            assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        train(opt, params, 6, sched)
        return np.concatenate([p.data.ravel() for p in params])

    np.testing.assert_array_equal(run(True), run(False))


# ----------------------------------------------------------------------------- refused loads
def snapshot_of(opt: optim.Optimizer) -> tuple[Any, ...]:
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    state = {k: {n: np.copy(v) for n, v in s.items()} for k, s in opt.state.items()}
    return groups, state


def assert_unchanged(opt: optim.Optimizer, before: tuple[Any, ...]) -> None:
    groups, state = snapshot_of(opt)
    assert groups == before[0]
    assert state.keys() == before[1].keys()
    for k in state:
        for name in state[k]:
            np.testing.assert_array_equal(state[k][name], before[1][k][name])


def trained_adam() -> tuple[optim.Optimizer, list[Tensor]]:
    params = make_params(np.float64)
    opt = build(optim.Adam, {"lr": 0.01}, params)
    train(opt, params, 2)
    return opt, params


def _drop_group(sd: dict[str, Any]) -> None:
    sd["param_groups"].pop()


def _drop_param(sd: dict[str, Any]) -> None:
    sd["param_groups"][1]["params"].pop()


def _bad_shape(sd: dict[str, Any]) -> None:
    sd["state"][0]["exp_avg"] = np.zeros((2, 3))


def _bad_hyper(sd: dict[str, Any]) -> None:
    sd["param_groups"][0]["betas"] = (0.9, 1.5)


def _missing_hyper(sd: dict[str, Any]) -> None:
    del sd["param_groups"][1]["eps"]


def _unknown_index(sd: dict[str, Any]) -> None:
    sd["state"][17] = sd["state"][0]


@pytest.mark.parametrize(
    ("corrupt", "match"),
    [
        (_drop_group, "has 1 parameter groups, but the optimizer has 2"),
        (_drop_param, "group 1: saved with 1 parameters"),
        (_bad_shape, r"shape \(2, 3\).*shape \(3, 2\)"),
        (_bad_hyper, r"betas\[1\]"),
        (_missing_hyper, "missing hyper-parameters.*eps"),
        (_unknown_index, "index 17"),
    ],
)
def test_mismatched_state_dict_raises_and_changes_nothing(corrupt: Any, match: str) -> None:
    opt, params = trained_adam()
    other, _ = trained_adam()
    sd = copy.deepcopy(other.state_dict())
    corrupt(sd)
    before = snapshot_of(opt)
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    assert_unchanged(opt, before)
    assert opt.param_groups[0]["params"][0] is params[0]


def test_every_problem_is_listed_at_once() -> None:
    opt, _ = trained_adam()
    sd = copy.deepcopy(opt.state_dict())
    _bad_shape(sd)
    _bad_hyper(sd)
    with pytest.raises(ValueError, match=r"(?s)betas\[1\].*shape \(2, 3\)"):
        opt.load_state_dict(sd)


@pytest.mark.parametrize("bad", [{}, {"state": {}}, [1, 2]])
def test_not_a_state_dict(bad: Any) -> None:
    opt, _ = trained_adam()
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict(bad)


def test_loading_an_sgd_state_into_adam_is_refused() -> None:
    params = make_params(np.float64)
    sgd = build(optim.SGD, {"lr": 0.1, "momentum": 0.9}, params)
    adam = build(optim.Adam, {"lr": 0.1}, params)
    with pytest.raises(ValueError, match="missing hyper-parameters"):
        adam.load_state_dict(sgd.state_dict())


def test_loaded_state_is_cast_to_the_parameter_dtype_and_copied() -> None:
    params = make_params(np.float32)
    opt = build(optim.SGD, {"lr": 0.1, "momentum": 0.9}, params)
    train(opt, params, 2)
    sd = opt.state_dict()
    sd["state"][0]["momentum_buffer"] = sd["state"][0]["momentum_buffer"].astype(np.float64)
    opt.load_state_dict(sd)
    buf = opt.state[id(params[0])]["momentum_buffer"]
    assert buf.dtype == np.float32
    assert not np.shares_memory(buf, sd["state"][0]["momentum_buffer"])
