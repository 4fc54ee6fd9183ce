"""Normalisation layers and layer re-initialisation against PyTorch 2.13: BatchNorm with only
one of its weight and bias, ``track_running_stats`` switched off after construction, state
dicts without ``num_batches_tracked``, ``reset_parameters()`` on every layer PyTorch has it
on, and ``interpolate``'s ``antialias`` keyword."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini import Tensor

X4 = np.random.default_rng(0).standard_normal((4, 3, 2, 2))


def _torch_state(module: Any) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


def _assert_state_equal(ours: nn.Module, ref: Any) -> None:
    theirs = _torch_state(ref)
    mine = ours.state_dict()
    assert list(mine) == list(theirs)
    for key, value in theirs.items():
        np.testing.assert_allclose(mine[key], value, rtol=1e-12, atol=1e-12, err_msg=key)


# ----------------------------------------------------------------- weight or bias removed
@pytest.mark.parametrize("name,shape,removed", [
    *((name, shape, removed) for removed in ("weight", "bias")
      for name, shape in (("BatchNorm2d", (4, 3, 2, 2)), ("BatchNorm1d", (5, 3)),
                          ("BatchNorm1d", (4, 3, 2)))),
    ("LayerNorm", (4, 3), "weight"),  # (their β without γ was dropped as well)
    ("GroupNorm", (4, 3, 2), "weight"),
])
@pytest.mark.parametrize("training", [True, False])
def test_norm_applies_the_parameter_it_keeps_as_torch(name: str, shape: tuple[int, ...],
                                                      removed: str, training: bool) -> None:
    torch = pytest.importorskip("torch")
    args = (1, 3) if name == "GroupNorm" else (3,)
    ours = getattr(nn, name)(*args)
    ref = getattr(torch.nn, name)(*args).double()
    rng = np.random.default_rng(1)
    for pname in ("weight", "bias"):
        values = rng.uniform(1.0, 3.0, 3)
        getattr(ours, pname).data[...] = values
        with torch.no_grad():
            getattr(ref, pname).copy_(torch.tensor(values))
    if hasattr(ref, "running_mean"):
        stats = rng.uniform(0.5, 1.5, (2, 3))
        ours.running_mean[...], ours.running_var[...] = stats
        ref.running_mean.copy_(torch.tensor(stats[0]))
        ref.running_var.copy_(torch.tensor(stats[1]))
    setattr(ours, removed, None)
    setattr(ref, removed, None)
    ours.train(training)
    ref.train(training)
    x = rng.standard_normal(shape)
    up = rng.standard_normal(shape)
    y = ours(Tensor(x))
    (y * Tensor(up)).sum().backward()
    yt = ref(torch.tensor(x))
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    kept = "bias" if removed == "weight" else "weight"
    grad = getattr(ours, kept).grad
    assert grad is not None
    if name == "GroupNorm" and kept == "bias":  # (torch 2.13's backward fails there: β̄ = Σ ȳ)
        np.testing.assert_allclose(grad.data, up.sum(axis=(0, 2)), rtol=1e-12)
    else:
        (yt * torch.tensor(up)).sum().backward()
        np.testing.assert_allclose(grad.data, getattr(ref, kept).grad.numpy(), rtol=1e-10,
                                   atol=1e-12)
    _assert_state_equal(ours, ref)


# ----------------------------------------------------------------- track_running_stats off
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("name,shape", [("BatchNorm2d", (4, 3, 2, 2)), ("BatchNorm1d", (6, 3))])
def test_batchnorm_with_tracking_switched_off_later_matches_torch(
        momentum: float | None, name: str, shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(3, momentum=momentum)
    ref = getattr(torch.nn, name)(3, momentum=momentum).double()
    rng = np.random.default_rng(2)
    batches = [rng.standard_normal(shape) * 2.0 + 1.0 for _ in range(5)]
    for modules_on, x in zip([True, True, False, False, True], batches):
        # two tracked steps, two with tracking off (frozen), one tracked again
        ours.track_running_stats = ref.track_running_stats = modules_on
        ours.train()
        ref.train()
        y = ours(Tensor(x))
        yt = ref(torch.tensor(x))
        np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        _assert_state_equal(ours, ref)
        ours.eval()
        ref.eval()
        for track in (False, True):  # eval uses the buffers either way, as PyTorch
            ours.track_running_stats = ref.track_running_stats = track
            np.testing.assert_allclose(ours(Tensor(x)).data, ref(torch.tensor(x)).detach().numpy(),
                                       rtol=1e-10, atol=1e-12)
    assert int(ours.num_batches_tracked) == 3


# ----------------------------------------------------------------- num_batches_tracked missing
def _without_count(sd: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}


@pytest.mark.parametrize("build", [lambda: nn.BatchNorm2d(3), lambda: nn.BatchNorm1d(3),
                                   lambda: nn.InstanceNorm2d(3, track_running_stats=True),
                                   lambda: nn.InstanceNorm1d(3, affine=True,
                                                             track_running_stats=True)])
def test_a_state_dict_without_num_batches_tracked_loads_strictly(
        build: Callable[[], nn.Module]) -> None:
    source = build()
    source.running_mean[...] = [1.0, 2.0, 3.0]
    target = build()
    assert target.load_state_dict(_without_count(source.state_dict())) == ([], [])
    np.testing.assert_array_equal(target.running_mean, [1.0, 2.0, 3.0])
    assert int(target.num_batches_tracked) == 0


def test_a_model_from_a_torch_state_dict_without_counts_loads() -> None:
    torch = pytest.importorskip("torch")
    ref = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1), torch.nn.BatchNorm2d(3),
                              torch.nn.InstanceNorm2d(3, track_running_stats=True)).double()
    ref.train()
    ref(torch.tensor(X4))
    sd = _without_count(ref.state_dict())  # a plain dict: no _metadata, as when keys are renamed
    ours = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3),
                         nn.InstanceNorm2d(3, track_running_stats=True))
    assert ours.load_state_dict(sd, strict=True) == ([], [])
    fresh = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1), torch.nn.BatchNorm2d(3),
                                torch.nn.InstanceNorm2d(3, track_running_stats=True)).double()
    assert tuple(fresh.load_state_dict(sd, strict=True)) == ([], [])
    _assert_state_equal(ours, fresh)


def test_a_missing_count_follows_torch_rules_for_versions_and_tracking() -> None:
    torch = pytest.importorskip("torch")
    for version in (None, 1, 2):
        for track in (True, False):
            ref = torch.nn.BatchNorm2d(3).double()
            ours = nn.BatchNorm2d(3)
            for m in (ours, ref):  # three counted batches before the load
                for _ in range(3):
                    m(torch.tensor(X4) if m is ref else Tensor(X4))
                m.track_running_stats = track
            sd = ref.state_dict()
            del sd["num_batches_tracked"]
            if version is None:
                del sd._metadata
            else:
                sd._metadata[""]["version"] = version
            theirs = ref.load_state_dict(sd, strict=False)
            mine = ours.load_state_dict(sd, strict=False)
            assert mine.missing_keys == theirs.missing_keys, (version, track)
            assert int(ours.num_batches_tracked) == int(ref.num_batches_tracked) == 3  # type: ignore[arg-type]
            if theirs.missing_keys:
                with pytest.raises(nn.StateDictError, match="missing keys"):
                    ours.load_state_dict(sd, strict=True)
            else:
                ours.load_state_dict(sd, strict=True)


# ----------------------------------------------------------------- reset_parameters
Factory = Callable[[Any, Any], nn.Module]

RANDOM_LAYERS: list[Factory] = [
    lambda dt, rng: nn.Linear(3, 4, rng=rng, dtype=dt),
    lambda dt, rng: nn.Linear(3, 4, bias=False, rng=rng, dtype=dt),
    lambda dt, rng: nn.Bilinear(2, 3, 4, rng=rng, dtype=dt),
    lambda dt, rng: nn.Conv1d(2, 4, 3, rng=rng, dtype=dt),
    lambda dt, rng: nn.Conv2d(2, 4, (2, 3), groups=2, rng=rng, dtype=dt),
    lambda dt, rng: nn.ConvTranspose1d(2, 4, 3, rng=rng, dtype=dt),
    lambda dt, rng: nn.ConvTranspose2d(4, 2, (2, 3), groups=2, bias=False, rng=rng, dtype=dt),
    lambda dt, rng: nn.Embedding(5, 3, padding_idx=1, rng=rng, dtype=dt),
    lambda dt, rng: nn.RNNCell(3, 4, rng=rng, dtype=dt),
    lambda dt, rng: nn.LSTMCell(3, 4, rng=rng, dtype=dt),
    lambda dt, rng: nn.GRUCell(3, 4, bias=False, rng=rng, dtype=dt),
    lambda dt, rng: nn.RNN(3, 4, num_layers=2, bidirectional=True, rng=rng, dtype=dt),
    lambda dt, rng: nn.LSTM(3, 4, rng=rng, dtype=dt),
    lambda dt, rng: nn.GRU(3, 4, bias=False, rng=rng, dtype=dt),
]


def _scramble_with_an_optimiser(layer: nn.Module) -> optim.SGD:
    """Built before the reset, and its parameters moved away from their start."""
    opt = optim.SGD(list(layer.parameters()), lr=0.5)
    for p in layer.parameters():
        p.data[...] = 7.0
    return opt


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("build", RANDOM_LAYERS)
def test_reset_parameters_redraws_as_construction_in_place(build: Factory,
                                                           dtype: Any) -> None:
    am.manual_seed(11)
    fresh = build(dtype, None)
    layer = build(dtype, np.random.default_rng(5))
    before = dict(layer.named_parameters())
    opt = _scramble_with_an_optimiser(layer)
    am.manual_seed(11)
    layer.reset_parameters()  # the default generator, as construction without rng
    for (name, p), (_, q) in zip(layer.named_parameters(), fresh.named_parameters(),
                                 strict=True):
        assert p is before[name]
        assert p.dtype == q.dtype == np.dtype(dtype)
        assert p.data.flags.f_contiguous == q.data.flags.f_contiguous
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    layer.reset_parameters(np.random.default_rng(3))  # or a given generator
    seeded = build(dtype, np.random.default_rng(3))
    for (name, p), (_, q) in zip(layer.named_parameters(), seeded.named_parameters(),
                                 strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    start = {name: p.data.copy() for name, p in layer.named_parameters()}
    am.stack([p.sum() for p in layer.parameters()]).sum().backward()
    opt.step()  # the optimiser built before the reset still moves the layer's parameters
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.data, start[name] - 0.5, rtol=1e-6, atol=1e-6,
                                   err_msg=name)


def test_reset_parameters_draws_from_the_ranges_of_torch() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    am.manual_seed(0)
    pairs = [(nn.Linear(7, 300), torch.nn.Linear(7, 300)),
             (nn.Bilinear(5, 3, 200), torch.nn.Bilinear(5, 3, 200)),
             (nn.Conv2d(4, 200, 3, groups=2), torch.nn.Conv2d(4, 200, 3, groups=2)),
             (nn.ConvTranspose2d(4, 200, 3, groups=2),
              torch.nn.ConvTranspose2d(4, 200, 3, groups=2)),
             (nn.GRU(3, 100), torch.nn.GRU(3, 100))]
    for ours, ref in pairs:
        ours.reset_parameters()
        ref.reset_parameters()
        for (name, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters(),
                                     strict=True):
            bound = float(q.detach().abs().max())  # many draws: close to the bound
            assert p.shape == tuple(q.shape)
            assert 0.9 * bound < float(np.abs(p.data).max()) <= bound * 1.1, name


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("BatchNorm2d", (3,), {}, (4, 3, 2, 2)),
    ("BatchNorm1d", (3,), {"momentum": None}, (5, 3)),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, (4, 3, 2, 2)),
    ("InstanceNorm1d", (3,), {"affine": True, "bias": False}, (4, 3, 5)),
    ("LayerNorm", ((3, 2),), {}, (4, 3, 2)),
    ("GroupNorm", (1, 3), {}, (4, 3, 2)),
    ("PReLU", (3,), {"init": 0.1}, (4, 3, 2)),
])
def test_reset_parameters_of_norms_and_prelu_matches_torch(name: str, args: tuple[Any, ...],
                                                           kwargs: dict[str, Any],
                                                           shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(*args, **kwargs, dtype=np.float32)
    ref = getattr(torch.nn, name)(*args, **kwargs)
    before = dict(ours.named_parameters())
    buffers = [id(b) for b in ours.buffers()]
    opt = _scramble_with_an_optimiser(ours)
    with torch.no_grad():
        for p in ref.parameters():
            p.fill_(7.0)
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    ours(Tensor(x))  # moves the running statistics, if any
    ref(torch.tensor(x))
    ours.reset_parameters()
    ref.reset_parameters()
    _assert_state_equal(ours, ref)
    assert [(n, id(p)) for n, p in ours.named_parameters()] == [
        (n, id(p)) for n, p in before.items()]
    assert [id(b) for b in ours.buffers()] == buffers
    assert all(p.dtype == np.float32 for p in ours.parameters())
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in before.values()]


def test_the_reinitialisation_idiom_resets_a_whole_model() -> None:
    am.manual_seed(0)
    fresh = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(16, 2))
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(16, 2))
    _scramble_with_an_optimiser(model)
    model(Tensor(np.random.default_rng(1).standard_normal((2, 3, 4, 4))))
    am.manual_seed(0)
    for m in model.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    for (key, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items(),
                                strict=True):
        np.testing.assert_array_equal(a, b, err_msg=key)


def test_reset_parameters_exists_where_torch_has_it() -> None:
    torch = pytest.importorskip("torch")
    names = [n for n in dir(nn) if isinstance(getattr(nn, n), type)
             and issubclass(getattr(nn, n), nn.Module) and hasattr(torch.nn, n)]
    differ = [n for n in names if hasattr(getattr(nn, n), "reset_parameters")
              != hasattr(getattr(torch.nn, n), "reset_parameters")]
    assert "Conv2d" in names and differ == []


def test_reset_parameters_names_the_layer_for_a_bad_rng() -> None:
    with pytest.raises(TypeError, match=r"Conv1d\.reset_parameters: rng"):
        nn.Conv1d(1, 1, 1).reset_parameters(5)  # type: ignore[arg-type]


# ----------------------------------------------------------------- interpolate's antialias
def test_interpolate_takes_antialias_false_and_refuses_true() -> None:
    x = Tensor(X4)
    plain = nn.functional.interpolate(x, scale_factor=0.5, mode="bilinear")
    same = nn.functional.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=False)
    np.testing.assert_array_equal(plain.data, same.data)
    with pytest.raises(ValueError, match="antialias=True is not supported"):
        nn.functional.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True)
    with pytest.raises(TypeError, match="antialias must be a bool"):
        nn.functional.interpolate(x, scale_factor=0.5, antialias="no")  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", ["BatchNorm1d", "BatchNorm2d"])
def test_batchnorm_takes_torchs_bias_keyword(cls: str) -> None:
    """PyTorch 2.13's ``BatchNorm*(…, bias=False)`` was a TypeError here, so its state dict
    (no ``bias``) could not load."""
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, cls)(3, bias=False).double()
    ours = getattr(nn, cls)(3, bias=False)
    assert ours.bias is None and repr(ours).startswith(repr(theirs))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_a_refused_reset_of_a_batchnorm_changes_nothing() -> None:
    """The running statistics were reset before γ, which a live graph refused: half reset."""
    bn = nn.BatchNorm1d(3)
    assert bn.running_mean is not None
    bn.running_mean[...] = 5.0
    x = am.Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    held = (bn.weight * x).sum()  # (a live graph that saved γ)
    with pytest.raises(ValueError, match="read-only: a live graph saved it"):
        bn.reset_parameters()
    np.testing.assert_array_equal(bn.running_mean, np.full(3, 5.0))
    held.backward()
    bn.reset_parameters()
    np.testing.assert_array_equal(bn.running_mean, np.zeros(3))
