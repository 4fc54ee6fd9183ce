"""optim.swa_utils against torch.optim.swa_utils: AveragedModel (SWA, EMA, with and without
buffers), the averaging functions, SWALR's learning rates and update_bn's statistics."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import nn
import optim
from autograd_mini import Tensor
from optim import swa_utils as swa
from optim.lr_scheduler import CosineAnnealingLR
from optim.schedule_base import EARLY_STEP

RNG = np.random.default_rng



def model(dtype: Any = np.float64) -> Any:
    """A small network with a batch norm (Any: indexed as a Sequential)."""
    return nn.Sequential(nn.Linear(3, 4, dtype=dtype, rng=RNG(0)),
                         nn.BatchNorm1d(4, dtype=dtype), nn.Tanh(),
                         nn.Linear(4, 2, dtype=dtype, rng=RNG(1)))


def twin(torch: Any, ours: Any) -> Any:
    """torch's model with our model's parameters and buffers."""
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                 torch.nn.Tanh(), torch.nn.Linear(4, 2))
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return theirs


def avg_module(avg: swa.AveragedModel) -> Any:
    """The averaged copy (Any: indexed as the Sequential it is)."""
    return avg.module


def assert_states_equal(ours: nn.Module, theirs: Any, rtol: float = 1e-13) -> None:
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    for key, value in sd.items():
        expected = tsd[key].numpy()
        assert value.dtype == expected.dtype and value.shape == expected.shape, key
        np.testing.assert_allclose(value, expected, rtol=rtol, atol=1e-15, err_msg=key)


def move(torch: Any, ours: nn.Module, theirs: Any, k: int) -> None:
    """A training step taken the same in both: a forward pass in training mode (the batch
    norm's statistics move) and the same change of every parameter."""
    x = RNG(50 + k).normal(size=(6, 3))
    ours(x)
    theirs(torch.tensor(x))
    with torch.no_grad():
        for i, (p, tp) in enumerate(zip(ours.parameters(), theirs.parameters(), strict=True)):
            step = RNG(100 * k + i).normal(size=p.shape) * 0.3
            p.data[...] += step
            tp += torch.tensor(step)


FNS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "swa": lambda m: {},
    "swa_fn": lambda m: {"avg_fn": m.get_swa_avg_fn()},
    "swa_multi": lambda m: {"multi_avg_fn": m.get_swa_multi_avg_fn()},
    "ema_fn": lambda m: {"avg_fn": m.get_ema_avg_fn(0.7)},
    "ema_multi": lambda m: {"multi_avg_fn": m.get_ema_multi_avg_fn(0.7)},
    "ema_multi_high": lambda m: {"multi_avg_fn": m.get_ema_multi_avg_fn(0.2)},  # lerp w ≥ ½
}


# (torch's SWA multi_avg_fn cannot average an integer buffer: see the next test)
@pytest.mark.parametrize(("fn", "use_buffers"), [
    (fn, use) for fn in sorted(FNS) for use in (False, True) if (fn, use) != ("swa_multi", True)])
def test_averaged_model_follows_torch(torch: Any, fn: str, use_buffers: bool) -> None:
    ours = model()
    theirs = twin(torch, ours)
    avg = swa.AveragedModel(ours, use_buffers=use_buffers, **FNS[fn](swa))
    tavg = torch.optim.swa_utils.AveragedModel(theirs, use_buffers=use_buffers,
                                               **FNS[fn](torch.optim.swa_utils))
    assert_states_equal(avg, tavg)
    for k in range(6):
        move(torch, ours, theirs, k)
        avg.update_parameters(ours)
        tavg.update_parameters(theirs)
        assert int(avg.n_averaged) == k + 1
        assert_states_equal(avg, tavg)
    assert not np.allclose(avg_module(avg)[0].weight.data, ours[0].weight.data)  # (it averaged)
    x = RNG(7).normal(size=(5, 3))
    avg.eval()
    tavg.eval()
    out = avg(x)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, tavg(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_swa_multi_avg_fn_averages_integer_buffers_as_the_default_does() -> None:
    """(PyTorch's raises on num_batches_tracked, an int64 buffer, here: a deliberate fix.)"""
    ours = model()
    a = swa.AveragedModel(ours, use_buffers=True, multi_avg_fn=swa.get_swa_multi_avg_fn())
    b = swa.AveragedModel(ours, use_buffers=True)
    for k in range(4):
        ours(RNG(k).normal(size=(6, 3)))
        a.update_parameters(ours)
        b.update_parameters(ours)
    for (key, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert x.dtype == y.dtype, key
        np.testing.assert_allclose(x, y, rtol=1e-15, err_msg=key)
    assert int(avg_module(a)[1].num_batches_tracked) == 1  # 1 + (2−1)/2, then +(3−1)/3, +(4−1)/4: 1


def test_the_averages_are_the_formulas() -> None:
    """SWA: the plain mean of the models seen; EMA: d a + (1 − d) θ with a₀ = θ₀."""
    p = nn.Linear(2, 1, rng=RNG(0))
    seen = []
    a = swa.AveragedModel(p)
    e = swa.AveragedModel(p, multi_avg_fn=swa.get_ema_multi_avg_fn(0.9))
    ema = None
    for k in range(5):
        p.weight.data[...] = RNG(k).normal(size=(1, 2)) * 1000.0  # (large: no overflow)
        seen.append(p.weight.data.copy())
        a.update_parameters(p)
        e.update_parameters(p)
        ema = seen[-1] if ema is None else 0.9 * ema + 0.1 * seen[-1]
        np.testing.assert_allclose(a.module.weight.data, np.mean(seen, axis=0), rtol=1e-14)
        np.testing.assert_allclose(e.module.weight.data, ema, rtol=1e-14)


@pytest.mark.parametrize("fn", sorted(FNS))
def test_float32_stays_float32(fn: str) -> None:
    ours = model(np.float32)
    avg = swa.AveragedModel(ours, use_buffers=True, **FNS[fn](swa))
    for k in range(3):
        ours(RNG(k).normal(size=(6, 3)).astype(np.float32))
        for p in ours.parameters():
            p.data[...] += np.float32(0.1)
        avg.update_parameters(ours)
    for key, value in avg.state_dict().items():
        assert value.dtype == ours.state_dict().get(key[len("module."):], value).dtype, key
    assert avg_module(avg)[0].weight.dtype == np.float32
    assert avg.n_averaged.dtype == np.int64


def test_state_dict_keys_and_loading_torchs(torch: Any) -> None:
    ours = model()
    tavg = torch.optim.swa_utils.AveragedModel(twin(torch, ours))
    avg = swa.AveragedModel(ours)
    assert list(avg.state_dict()) == list(tavg.state_dict())
    tavg.update_parameters(twin(torch, ours))
    tavg.n_averaged += 4
    with torch.no_grad():
        tavg.module[0].weight.mul_(3.0)
    avg.load_state_dict({k: v.numpy() for k, v in tavg.state_dict().items()})
    assert int(avg.n_averaged) == 5
    assert_states_equal(avg, tavg)
    buf = io.BytesIO()
    nn.save(avg, buf)
    buf.seek(0)
    again = swa.AveragedModel(model())
    nn.load(again, buf)
    assert_states_equal(again, tavg)


def test_averaged_model_is_a_copy_and_trains_no_gradient() -> None:
    ours = model()
    avg = swa.AveragedModel(ours)
    assert avg.module is not ours and avg_module(avg)[0].weight is not ours[0].weight
    ours[0].weight.data[...] = 0.0
    assert not np.all(avg_module(avg)[0].weight.data == 0.0)
    assert len(list(avg.parameters())) == len(list(ours.parameters()))


# ----------------------------------------------------------------------------- update_bn
def test_update_bn_recomputes_the_statistics_as_torch(torch: Any) -> None:
    ours = model()
    theirs = twin(torch, ours)
    for k in range(3):  # running statistics far from the data's
        ours(RNG(k).normal(size=(6, 3)) * 5.0)
        theirs(torch.tensor(RNG(k).normal(size=(6, 3)) * 5.0))
    ours.eval()
    theirs.eval()
    data = [RNG(10 + k).normal(size=(4 + k, 3)) + k for k in range(5)]
    loader = [(x, np.zeros(len(x))) if k % 2 else x for k, x in enumerate(data)]
    swa.update_bn(loader, ours)
    torch.optim.swa_utils.update_bn([(torch.tensor(x[0]), 0) if isinstance(x, tuple)
                                     else torch.tensor(x) for x in loader], theirs)
    assert_states_equal(ours, theirs, rtol=1e-12)
    assert int(ours[1].num_batches_tracked) == 5
    assert ours[1].momentum == 0.1 and not ours.training and not ours[1].training


def test_update_bn_of_an_averaged_model_equals_torchs(torch: Any) -> None:
    """PyTorch's recipe: average the weights, then recompute the batch norm's statistics."""
    ours = model()
    theirs = twin(torch, ours)
    avg = swa.AveragedModel(ours)
    tavg = torch.optim.swa_utils.AveragedModel(theirs)
    for k in range(4):
        move(torch, ours, theirs, k)
        avg.update_parameters(ours)
        tavg.update_parameters(theirs)
    data = [RNG(20 + k).normal(size=(5, 3)) for k in range(3)]
    swa.update_bn(data, avg)
    torch.optim.swa_utils.update_bn([torch.tensor(x) for x in data], tavg)
    assert_states_equal(avg, tavg, rtol=1e-12)
    assert not np.allclose(avg_module(avg)[1].running_mean, ours[1].running_mean)


def test_update_bn_is_the_mean_of_the_batch_statistics_in_2d() -> None:
    net = nn.Sequential(nn.BatchNorm2d(2, momentum=0.3), nn.ReLU())
    batches = [RNG(k).normal(size=(3, 2, 4, 5)) * (k + 1) for k in range(4)]
    swa.update_bn(batches, net)
    means = [b.mean(axis=(0, 2, 3)) for b in batches]
    variances = [b.var(axis=(0, 2, 3), ddof=1) for b in batches]
    np.testing.assert_allclose(net[0].running_mean, np.mean(means, axis=0), rtol=1e-13)
    np.testing.assert_allclose(net[0].running_var, np.mean(variances, axis=0), rtol=1e-13)
    assert net[0].momentum == 0.3 and net.training


def test_update_bn_leaves_a_model_without_batch_norm_alone() -> None:
    net = nn.Linear(3, 2, rng=RNG(0)).eval()
    before = net.state_dict()
    read = []

    def loader() -> Iterator[np.ndarray]:
        read.append(1)
        yield np.ones((2, 3))

    swa.update_bn(loader(), net)
    assert read == [] and not net.training  # (the data was not even read)
    assert all((v == net.state_dict()[k]).all() for k, v in before.items())


def test_update_bn_restores_momenta_even_when_the_model_fails() -> None:
    net = model()
    with pytest.raises(ValueError, match="Linear"):
        swa.update_bn([np.ones((2, 5))], net)
    assert net[1].momentum == 0.1


# ----------------------------------------------------------------------------- SWALR
def lrs_of(opt: Any, sched: Any, epochs: int, before: Any = None, switch: int = 0) -> list[Any]:
    """The lrs per epoch; ``before`` steps for the first ``switch`` epochs."""
    out = [[g["lr"] for g in opt.param_groups]]
    for epoch in range(epochs):
        opt.step()
        (before if epoch < switch else sched).step()
        out.append([g["lr"] for g in opt.param_groups])
    return out


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 3, 5])
def test_swalr_learning_rates_equal_torchs(torch: Any, strategy: str,
                                           anneal_epochs: int) -> None:
    def groups(lib: Any, p: Any) -> Any:
        return lib.SGD([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.3}], lr=0.1)

    opt = groups(optim, [Tensor(np.ones(2), requires_grad=True) for _ in range(2)])
    topt = groups(torch.optim, [torch.ones(2, requires_grad=True) for _ in range(2)])
    kw: dict[str, Any] = {"anneal_epochs": anneal_epochs, "anneal_strategy": strategy}
    sched = swa.SWALR(opt, swa_lr=[0.05, 0.01], **kw)
    tsched = torch.optim.swa_utils.SWALR(topt, swa_lr=[0.05, 0.01], **kw)
    ours, theirs = lrs_of(opt, sched, 8), lrs_of(topt, tsched, 8)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15)
    assert ours[-1] == [0.05, 0.01] and sched.get_last_lr() == ours[-1]
    assert [g["swa_lr"] for g in opt.param_groups] == [0.05, 0.01]
    if anneal_epochs > 1:
        assert 0.05 < ours[1][0] < 0.1  # (between: annealing)


def test_swalr_after_a_cosine_schedule_equals_torchs(torch: Any) -> None:
    """The usage of PyTorch's docs: a decay, then SWALR from the lr it left."""
    p, tp = Tensor(np.ones(2), requires_grad=True), torch.ones(2, requires_grad=True)
    opt, topt = optim.SGD([p], lr=0.1), torch.optim.SGD([tp], lr=0.1)
    cos, tcos = CosineAnnealingLR(opt, T_max=10), torch.optim.lr_scheduler.CosineAnnealingLR(
        topt, T_max=10)
    sched = swa.SWALR(opt, swa_lr=0.02, anneal_epochs=4, anneal_strategy="linear")
    tsched = torch.optim.swa_utils.SWALR(topt, swa_lr=0.02, anneal_epochs=4,
                                         anneal_strategy="linear")
    ours, theirs = lrs_of(opt, sched, 12, cos, 5), lrs_of(topt, tsched, 12, tcos, 5)
    np.testing.assert_allclose(ours, theirs, rtol=1e-14)
    assert ours[5] != ours[0] and ours[-1] == [0.02]


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 3])
@pytest.mark.parametrize("first", ["cosine", "warm-up"])
def test_swalr_in_a_sequential_lr_anneals_from_the_lr_in_force_as_torchs(
        torch: Any, strategy: str, anneal_epochs: int, first: str) -> None:
    """PyTorch's "decay, then SWA" recipe written with SequentialLR: at the milestone SWALR
    holds the lr the first schedule left (not the optimiser's initial one), then anneals."""
    lrs = []
    for lib in (optim, torch.optim):
        params = ([Tensor(np.zeros(2), requires_grad=True)] if lib is optim else
                  [torch.zeros(2, requires_grad=True)])
        opt = lib.SGD(params, lr=0.1)
        opt.add_param_group({"params": [Tensor(np.zeros(1), requires_grad=True)] if lib is optim
                             else [torch.zeros(1, requires_grad=True)], "lr": 0.3})
        make = swa.SWALR if lib is optim else torch.optim.swa_utils.SWALR
        last = make(opt, swa_lr=0.01, anneal_epochs=anneal_epochs, anneal_strategy=strategy)
        decay = (lib.lr_scheduler.CosineAnnealingLR(opt, T_max=10) if first == "cosine" else
                 lib.lr_scheduler.LinearLR(opt, start_factor=0.2, total_iters=4))
        sched = lib.lr_scheduler.SequentialLR(opt, [decay, last], milestones=[5])
        out = []
        for _ in range(10):
            opt.step()
            sched.step()
            out.append([g["lr"] for g in opt.param_groups])
        lrs.append(out)
    np.testing.assert_allclose(lrs[0], lrs[1], rtol=1e-13)


def test_schedules_name_themselves_and_the_optimizer_argument() -> None:
    with pytest.raises(TypeError, match=r"^SWALR: optimizer must be an optim\.Optimizer, got "
                                        "Linear"):
        swa.SWALR(nn.Linear(2, 2), swa_lr=0.01)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^CosineAnnealingLR: optimizer must be"):
        CosineAnnealingLR(nn.Linear(2, 2), T_max=3)  # type: ignore[arg-type]
    opt = optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match=r"^SWALR: param_groups\[0\] has no 'initial_lr'"):
        swa.SWALR(opt, 0.1, last_epoch=3)


def test_swalr_state_dict_round_trip_and_torchs(torch: Any) -> None:
    opt = optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1)
    sched = swa.SWALR(opt, swa_lr=0.05, anneal_epochs=6)
    lrs_of(opt, sched, 3)
    sd = sched.state_dict()
    assert sd == {"_anneal_strategy": "cos", "anneal_epochs": 6, "last_epoch": 3,
                  "base_lrs": [0.1], "_last_lr": sd["_last_lr"]}
    opt2 = optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1)
    sched2 = swa.SWALR(opt2, swa_lr=0.5, anneal_epochs=2, anneal_strategy="linear")
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sd)
    assert opt2.param_groups[0]["swa_lr"] == 0.05  # (from the optimizer's state)
    assert lrs_of(opt2, sched2, 4) == lrs_of(opt, sched, 4)
    tp = torch.ones(2, requires_grad=True)
    topt = torch.optim.SGD([tp], lr=0.1)
    tsched = torch.optim.swa_utils.SWALR(topt, swa_lr=0.05, anneal_epochs=6)
    lrs_of(topt, tsched, 3)
    opt3 = optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1)
    opt3.load_state_dict(topt.state_dict())
    sched3 = swa.SWALR(opt3, swa_lr=0.05, anneal_epochs=6)
    sched3.load_state_dict(tsched.state_dict())
    np.testing.assert_allclose(lrs_of(opt3, sched3, 5), lrs_of(topt, tsched, 5), rtol=1e-15)
    bad = dict(sd, _anneal_strategy="exp")
    with pytest.raises(ValueError, match=r"cannot load SWALR state dict: invalid "
                                         r"_anneal_strategy: 'exp'"):
        sched3.load_state_dict(bad)


def test_swalr_warns_when_stepped_before_its_optimizer() -> None:
    opt = optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1)
    sched = swa.SWALR(opt, swa_lr=0.05)
    with pytest.warns(UserWarning, match=EARLY_STEP):
        sched.step()
    opt.step()
    sched.step()  # (no second warning: warnings are errors here)
    assert sched.last_epoch == 2


# ----------------------------------------------------------------------------- bad arguments
def test_averaged_model_refuses_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"AveragedModel: model must be an nn\.Module, got "
                                        r"ndarray"):
        swa.AveragedModel(np.ones(3))  # type: ignore[arg-type]
    m = nn.Linear(2, 2, rng=RNG(0))
    with pytest.raises(ValueError, match="AveragedModel: give avg_fn or multi_avg_fn, not both"):
        swa.AveragedModel(m, avg_fn=swa.get_swa_avg_fn(),
                          multi_avg_fn=swa.get_swa_multi_avg_fn())
    with pytest.raises(TypeError, match=r"AveragedModel: avg_fn must be a function or None, "
                                        r"got float"):
        swa.AveragedModel(m, avg_fn=0.9)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"AveragedModel: device must be None or 'cpu', got a "
                                        r"function: pass avg_fn= or multi_avg_fn= by keyword"):
        swa.AveragedModel(m, swa.get_ema_avg_fn())
    with pytest.raises(RuntimeError, match=r"AveragedModel: device 'cuda' is not available"):
        swa.AveragedModel(m, device="cuda")
    with pytest.raises(TypeError, match=r"AveragedModel: use_buffers must be a bool"):
        swa.AveragedModel(m, use_buffers="yes")  # type: ignore[arg-type]
    assert swa.AveragedModel(m, device="cpu").n_averaged == 0


class WithBuffer(nn.Module):
    """A Linear(2, 3) and a buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 3, rng=RNG(5))
        self.register_buffer("count", np.zeros(1))

    def forward(self, x: Any) -> Any:
        return self.lin(x)


def test_update_parameters_refuses_another_structure() -> None:
    avg = swa.AveragedModel(nn.Linear(2, 3, rng=RNG(0)))
    with pytest.raises(ValueError, match=r"update_parameters: model's 'weight' has shape "
                                         r"\(3, 4\), the averaged copy's 'weight' has shape "
                                         r"\(3, 2\)"):
        avg.update_parameters(nn.Linear(4, 3, rng=RNG(0)))
    with pytest.raises(ValueError, match=r"update_parameters: model has 1 parameters, the "
                                         r"averaged copy has 2: pass a model of the same"):
        avg.update_parameters(nn.Linear(2, 3, bias=False, rng=RNG(0)))
    with pytest.raises(ValueError, match=r"update_parameters: model has 1 buffers, the "
                                         r"averaged copy has 0"):
        avg.update_parameters(WithBuffer())  # (refused before any change)
    with pytest.raises(ValueError, match=r"model has 3 parameters and buffers, the averaged "
                                         r"copy has 2"):
        swa.AveragedModel(nn.Linear(2, 3), use_buffers=True).update_parameters(WithBuffer())
    with pytest.raises(TypeError, match=r"update_parameters: model must be an nn\.Module"):
        avg.update_parameters([1.0])  # type: ignore[arg-type]
    assert int(avg.n_averaged) == 0  # (nothing changed)
    assert (avg_module(avg).weight.data == nn.Linear(2, 3, rng=RNG(0)).weight.data).all()


@pytest.mark.parametrize("make", [swa.get_ema_avg_fn, swa.get_ema_multi_avg_fn])
def test_ema_functions_check_the_decay(make: Callable[..., Any]) -> None:
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ValueError, match=rf"{make.__name__}: invalid decay .* \(must be in "
                                             r"\[0, 1\]\)"):
            make(bad)
    with pytest.raises(TypeError, match=rf"{make.__name__}: decay must be a real number"):
        make("0.9")


def test_update_bn_refuses_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"update_bn: model must be an nn\.Module, got list"):
        swa.update_bn([np.ones((2, 3))], [])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"update_bn: loader must be an iterable of batches, "
                                        r"got int"):
        swa.update_bn(3, model())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match=r"update_bn: device 'mps' is not available"):
        swa.update_bn([], model(), device="mps")


@pytest.mark.parametrize(("kw", "error", "message"), [
    ({"swa_lr": -0.1}, ValueError, r"SWALR: invalid swa_lr: -0\.1 \(must be >= 0\)"),
    ({"swa_lr": [0.1, 0.2]}, ValueError, r"SWALR: swa_lr has 2 values for 1 parameter groups"),
    ({"swa_lr": [float("inf")]}, ValueError, r"SWALR: invalid swa_lr\[0\]: inf"),
    ({"swa_lr": 0.1, "anneal_epochs": -1}, ValueError, r"SWALR: invalid anneal_epochs: -1 "
                                                       r"\(must be >= 0\)"),
    ({"swa_lr": 0.1, "anneal_epochs": 2.5}, TypeError, r"SWALR: anneal_epochs must be an int"),
    ({"swa_lr": 0.1, "anneal_strategy": "exp"}, ValueError,
     r"SWALR: invalid anneal_strategy: 'exp' \(must be 'cos' or 'linear'\)"),
])
def test_swalr_refuses_bad_arguments(kw: dict[str, Any], error: type[Exception],
                                     message: str) -> None:
    opt = optim.SGD([Tensor(np.ones(2), requires_grad=True)], lr=0.1)
    with pytest.raises(error, match=message):
        swa.SWALR(opt, **kw)
    assert opt.param_groups[0] == {**opt.defaults, "params": opt.param_groups[0]["params"]}
    with pytest.raises(TypeError, match=r"SWALR: optimizer must be an optim\.Optimizer, got str"):
        swa.SWALR("sgd", swa_lr=0.1)  # type: ignore[arg-type]
