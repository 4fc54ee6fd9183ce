"""Fuzz nn layers, losses, initialisers, checkpoints, optimisers, schedules and data loading."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_api import JUNK, check_call

import nn
import optim
from autograd_mini import Tensor
from autograd_mini.data import DataLoader, moons, spirals, two_gaussians
from nn import functional as NF
from nn import init as NI
from optim import lr_scheduler as LR

RNG = np.random.default_rng

#: what the functional form of each loss module calls itself in messages
_LOSS_NAMES = {
    "MSELoss": "mse_loss", "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
    "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll_loss",
    "SoftMarginLoss": "soft_margin_loss",
}


def _params(fn: Callable[..., Any]) -> list[str]:
    return [p for p in inspect.signature(fn).parameters
            if p not in ("self", "args", "kwargs", "modules")]


def _fuzz_call(fn: Callable[..., Any], data: st.DataObject, valid: tuple[Any, ...] = (),
               extra: tuple[str, ...] = ()) -> Any:
    """Call ``fn`` with the ``valid`` leading arguments and junk for one or two others."""
    names = _params(fn)[len(valid):]
    args = list(valid)
    n_pos = data.draw(st.integers(0, min(2, len(names))), label="positional junk")
    args += [data.draw(JUNK, label=f"arg {names[i]}") for i in range(n_pos)]
    kwargs = {}
    rest = names[n_pos:]
    if len(rest) > 0 and data.draw(st.booleans(), label="keyword junk"):
        key = data.draw(st.sampled_from(rest), label="keyword")
        kwargs[key] = data.draw(JUNK, label=f"kw {key}")
    return check_call(fn, tuple(args), kwargs, extra)


# ----------------------------------------------------------------------------- nn
CONSTRUCTORS: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
    "Linear": (nn.Linear, ()), "Linear(3, 2)": (nn.Linear, (3, 2)),
    "MLP": (nn.MLP, ()), "MLP([2, 3])": (nn.MLP, ([2, 3],)), "Sequential": (nn.Sequential, ()),
    "Dropout": (nn.Dropout, ()), "LayerNorm": (nn.LayerNorm, ()),
    "LayerNorm(3)": (nn.LayerNorm, (3,)), "BatchNorm1d": (nn.BatchNorm1d, ()),
    "BatchNorm1d(3)": (nn.BatchNorm1d, (3,)), "LeakyReLU": (nn.LeakyReLU, ()),
    "Softmax": (nn.Softmax, ()), "LogSoftmax": (nn.LogSoftmax, ()),
    "Parameter": (nn.Parameter, ()), "MSELoss": (nn.MSELoss, ()),
    "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss, ()), "CrossEntropyLoss": (nn.CrossEntropyLoss, ()),
    "NLLLoss": (nn.NLLLoss, ()), "SoftMarginLoss": (nn.SoftMarginLoss, ()),
    "ConvTranspose2d": (nn.ConvTranspose2d, ()),
    "ConvTranspose2d(2, 3, 2)": (nn.ConvTranspose2d, (2, 3, 2)),
    "ConvTranspose1d(2, 3, 2)": (nn.ConvTranspose1d, (2, 3, 2)),
    "Upsample": (nn.Upsample, ()), "PixelShuffle": (nn.PixelShuffle, ()),
    "InstanceNorm2d": (nn.InstanceNorm2d, ()), "InstanceNorm1d(3)": (nn.InstanceNorm1d, (3,)),
    "PReLU": (nn.PReLU, ()), "GLU": (nn.GLU, ()), "Softshrink": (nn.Softshrink, ()),
    "Hardshrink": (nn.Hardshrink, ()), "Threshold": (nn.Threshold, ()),
    "ParameterList": (nn.ParameterList, ()), "ParameterDict": (nn.ParameterDict, ()),
    "TransformerDecoderLayer": (nn.TransformerDecoderLayer, ()),
    "TransformerDecoderLayer(4, 2)": (nn.TransformerDecoderLayer, (4, 2)),
    "Transformer(4, 2)": (nn.Transformer, (4, 2)),
    "MarginRankingLoss": (nn.MarginRankingLoss, ()),
    "TripletMarginLoss": (nn.TripletMarginLoss, ()),
    "MultiMarginLoss": (nn.MultiMarginLoss, ()), "PoissonNLLLoss": (nn.PoissonNLLLoss, ()),
    "GaussianNLLLoss": (nn.GaussianNLLLoss, ()),
    "MultiLabelMarginLoss": (nn.MultiLabelMarginLoss, ()),
    "TripletMarginWithDistanceLoss": (nn.TripletMarginWithDistanceLoss, ()),
    "PairwiseDistance": (nn.PairwiseDistance, ()),
}


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
@given(data=st.data())
def test_nn_constructors_refuse_junk(name: str, data: st.DataObject) -> None:
    cls, valid = CONSTRUCTORS[name]
    _fuzz_call(cls, data, valid, (cls.__name__,))


def _modules() -> dict[str, nn.Module]:
    return {
        "Linear": nn.Linear(3, 2, rng=RNG(0)), "MLP": nn.MLP([3, 4, 2], rng=RNG(0)),
        "LayerNorm": nn.LayerNorm(3), "BatchNorm1d": nn.BatchNorm1d(3),
        "Dropout": nn.Dropout(0.5, rng=RNG(0)), "ReLU": nn.ReLU(), "Tanh": nn.Tanh(),
        "Sigmoid": nn.Sigmoid(), "Softplus": nn.Softplus(), "Softmax": nn.Softmax(),
        "LogSoftmax": nn.LogSoftmax(), "Identity": nn.Identity(), "LeakyReLU": nn.LeakyReLU(),
        "Sequential": nn.Sequential(nn.Linear(3, 2, rng=RNG(1)), nn.ReLU()),
        "ConvTranspose2d": nn.ConvTranspose2d(2, 3, 2, rng=RNG(0)),
        "ConvTranspose1d": nn.ConvTranspose1d(2, 3, 2, rng=RNG(0)),
        "Upsample": nn.Upsample(scale_factor=2), "PixelShuffle": nn.PixelShuffle(2),
        "InstanceNorm1d": nn.InstanceNorm1d(3, affine=True), "PReLU": nn.PReLU(3),
        "GLU": nn.GLU(), "Softshrink": nn.Softshrink(), "Threshold": nn.Threshold(0.1, 0.0),
    }


_ACTIVATION_OPS = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "Softplus": "softplus",
                   "Softmax": "softmax", "LogSoftmax": "log_softmax",
                   "LeakyReLU": "leaky_relu", "MLP": "Linear", "Sequential": "Linear",
                   "Upsample": "interpolate", "PixelShuffle": "pixel_shuffle",
                   "InstanceNorm1d": "instance_norm", "PReLU": "prelu", "GLU": "glu",
                   "Softshrink": "softshrink", "Threshold": "threshold"}


@pytest.mark.parametrize("name", sorted(_modules()))
@given(x=JUNK)
def test_module_forward_refuses_junk(name: str, x: Any) -> None:
    module = _modules()[name]
    check_call(module, (x,), {}, (name, _ACTIVATION_OPS.get(name, name)))


@pytest.mark.parametrize("name", sorted(_LOSS_NAMES))
@given(data=st.data())
def test_loss_forward_refuses_junk(name: str, data: st.DataObject) -> None:
    loss = getattr(nn, name)()
    x = data.draw(st.one_of(JUNK, st.just(Tensor(np.zeros((2, 3)), requires_grad=True))))
    y = data.draw(st.one_of(JUNK, st.just(np.array([0, 2])), st.just(np.ones((2, 3)))))
    check_call(loss, (x, y), {}, (name, _LOSS_NAMES[name]))


FUNCTIONAL = sorted(n for n in NF.__all__ if callable(getattr(NF, n)))


@pytest.mark.parametrize("name", FUNCTIONAL)
@given(data=st.data())
def test_nn_functional_refuses_junk(name: str, data: st.DataObject) -> None:
    fn = getattr(NF, name)
    lead = data.draw(st.sampled_from([(), (Tensor(np.ones((2, 3)), requires_grad=True),)]))
    _fuzz_call(fn, data, lead, (name,))


INITS = sorted(n for n in NI.__all__ if callable(getattr(NI, n)))


@pytest.mark.parametrize("name", INITS)
@given(data=st.data())
def test_init_refuses_junk(name: str, data: st.DataObject) -> None:
    fn = getattr(NI, name)
    lead = data.draw(st.sampled_from([(), (np.ones((3, 2)),)])) if name != "calculate_gain" \
        else data.draw(st.sampled_from([(), ("leaky_relu",)]))
    _fuzz_call(fn, data, lead, (name,))


@given(sd=JUNK, key_value=JUNK, strict=JUNK)
def test_load_state_dict_refuses_junk_and_changes_nothing(sd: Any, key_value: Any,
                                                          strict: Any) -> None:
    m = nn.Linear(2, 2, rng=RNG(0))
    before = {k: v.copy() for k, v in m.state_dict().items()}
    check_call(m.load_state_dict, (sd,), {})
    check_call(m.load_state_dict, ({"weight": key_value, "bias": np.zeros(2)},), {})
    check_call(m.load_state_dict, (before,), {"strict": strict})
    after = m.state_dict()
    if not (isinstance(key_value, (np.ndarray, Tensor)) and np.shape(key_value) == (2, 2)):
        assert all(np.array_equal(before[k], after[k]) for k in before)


@given(name=JUNK, value=JUNK)
def test_register_buffer_refuses_junk(name: Any, value: Any) -> None:
    check_call(nn.Module().register_buffer, (name, value), {})


def _inside(folder: Path, path: Any) -> Any:
    """A junk path confined to ``folder``: strings and bytes become a file name in it."""
    if isinstance(path, bytes):
        path = path.decode("utf-8", "replace")
    if isinstance(path, str):
        name = "".join(c if c.isalnum() else "_" for c in path)[:50]
        return str(folder / ("f" + name))
    return path  # not a path at all: the call must refuse it before touching the disk


@given(module=JUNK, path=JUNK)
def test_save_and_load_refuse_junk(module: Any, path: Any, tmp_path_factory: Any) -> None:
    folder: Path = tmp_path_factory.mktemp("junk")
    good = nn.Linear(2, 1, rng=RNG(0))
    target = _inside(folder, path)
    for fn in (nn.save, nn.load):
        try:
            check_call(fn, (module, folder / "m.npz"), {})
            check_call(fn, (good, target), {})
        except FileNotFoundError:  # load of a name that was never saved
            pass
    assert all(p.parent == folder for p in folder.iterdir())


def test_save_refuses_a_path_that_is_not_a_path(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for bad in (None, 3, 2.5, ["m.npz"], object()):
        with pytest.raises(TypeError, match=r"save: path must be a str, an os\.PathLike or a "
                                            r"binary file object"):
            nn.save(nn.Linear(2, 1), bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="invalid path"):
        nn.save(nn.Linear(2, 1), "")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- optim
OPTIMIZERS = {"SGD": optim.SGD, "Adam": optim.Adam, "AdamW": optim.AdamW,
              "RMSProp": optim.RMSProp, "Adagrad": optim.Adagrad, "NAdam": optim.NAdam,
              "RAdam": optim.RAdam, "Adamax": optim.Adamax, "Adadelta": optim.Adadelta,
              "Rprop": optim.Rprop, "ASGD": optim.ASGD, "LBFGS": optim.LBFGS}


def _leaf() -> Tensor:
    p = Tensor(np.ones(3), requires_grad=True)
    p.grad = Tensor(np.full(3, 0.5))
    return p


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@given(data=st.data())
def test_optimizer_constructors_refuse_junk(name: str, data: st.DataObject) -> None:
    cls = OPTIMIZERS[name]
    params = data.draw(st.one_of(st.just([_leaf()]), JUNK, st.lists(JUNK, max_size=2)))
    hyper = {"lr": 0.1} if name in ("SGD", "RMSProp") else {}
    key = data.draw(st.sampled_from(_params(cls)[1:]))
    hyper[key] = data.draw(JUNK)
    opt = check_call(cls, (params,), hyper, (name, "optimizer", "param_groups"))
    if opt is not None:
        p_before = [p.data.copy() for g in opt.param_groups for p in g["params"]]
        check_call(opt.step, (data.draw(JUNK),), {}, ("closure",))
        check_call(opt.zero_grad, (data.draw(JUNK),), {})
        sd = data.draw(st.one_of(JUNK, st.fixed_dictionaries({"state": JUNK,
                                                              "param_groups": JUNK})))
        check_call(opt.load_state_dict, (sd,), {}, ("state_dict", "state", "param_groups"))
        assert len(p_before) == len(opt._indexed_params())


@pytest.mark.parametrize("fn", [optim.clip_grad_norm_, optim.clip_grad_value_])
@given(data=st.data())
def test_clipping_refuses_junk(fn: Callable[..., Any], data: st.DataObject) -> None:
    lead = data.draw(st.sampled_from([(), ([_leaf()],)]))
    _fuzz_call(fn, data, lead, (fn.__name__,))


SCHEDULERS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "StepLR": (LR.StepLR, {"step_size": 2}), "MultiStepLR": (LR.MultiStepLR, {"milestones": [2]}),
    "ExponentialLR": (LR.ExponentialLR, {"gamma": 0.5}), "LinearLR": (LR.LinearLR, {}),
    "PowerLR": (LR.PowerLR, {}), "CosineAnnealingLR": (LR.CosineAnnealingLR, {"T_max": 3}),
    "ReduceLROnPlateau": (LR.ReduceLROnPlateau, {}),
}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
@given(data=st.data())
def test_schedulers_refuse_junk(name: str, data: st.DataObject) -> None:
    cls, required = SCHEDULERS[name]
    opt: Any = optim.SGD([_leaf()], lr=0.1)
    if data.draw(st.booleans(), label="junk optimizer"):
        opt = data.draw(JUNK)
    kwargs = dict(required)
    key = data.draw(st.sampled_from(_params(cls)[1:]))
    kwargs[key] = data.draw(JUNK, label=key)
    sched = check_call(cls, (opt,), kwargs, (name, "optimizer"))
    if isinstance(sched, LR.ReduceLROnPlateau):
        check_call(sched.step, (data.draw(JUNK),), {}, ("ReduceLROnPlateau.step",))
    for group in getattr(opt, "param_groups", []):
        assert isinstance(group["lr"], float)


# ----------------------------------------------------------------------------- data
@pytest.mark.parametrize("fn", [DataLoader, two_gaussians, moons, spirals])
@given(data=st.data())
def test_data_functions_refuse_junk(fn: Callable[..., Any], data: st.DataObject) -> None:
    lead: tuple[Any, ...] = ()
    if fn is DataLoader and data.draw(st.booleans()):
        lead = (np.ones((4, 2)), np.arange(4))
    out = _fuzz_call(fn, data, lead, (fn.__name__,))
    if isinstance(out, DataLoader) and out.collate_fn is None and lead:  # (a drawn collate_fn
        for xb, yb in out:  # is junk; without y, batches are one-element tuples (x,))
            assert len(xb) == len(yb)


MODULE_METHODS = ["train", "requires_grad_", "apply", "named_parameters", "named_modules",
                  "named_buffers", "__getitem__", "append", "__call__"]


@pytest.mark.parametrize("name", MODULE_METHODS)
@given(arg=JUNK)
def test_module_methods_refuse_junk(name: str, arg: Any) -> None:
    model = nn.Sequential(nn.Linear(2, 2, rng=RNG(0)), nn.ReLU())
    method = getattr(model, name)
    out = check_call(method, (arg,), {}, ("Sequential", name.strip("_"), "Linear", "mode"))
    if name in ("named_parameters", "named_modules", "named_buffers") and out is not None:
        check_call(list, (out,), {}, (name, "prefix"))
    assert all(p.data.shape == (2, 2) or p.data.shape == (2,) for p in model.parameters())
