"""Moving state between PyTorch and here: a file naming a tied parameter or a shared module by
its other name, a corrupted ``.npz``, torch tensors that require grad, a list assigned to a
buffer, and a torch schedule's ``state_dict``."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")


class _LM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.wte = nn.Embedding(5, 3)
        self.lm_head = nn.Linear(3, 5, bias=False)
        self.lm_head.weight = self.wte.weight


class _TorchLM(torch.nn.Module):  # type: ignore[name-defined]
    def __init__(self) -> None:
        super().__init__()
        self.wte = torch.nn.Embedding(5, 3)
        self.lm_head = torch.nn.Linear(3, 5, bias=False)
        self.lm_head.weight = self.wte.weight


def test_a_tied_parameter_saved_under_its_other_name_loads(tmp_path: Path) -> None:
    """save_model keeps the sorted-first name (lm_head.weight); the file's entry was read as a
    zero stand-in and the embedding and head loaded as zeros, with nothing reported missing."""
    t = _TorchLM().double()
    path = tmp_path / "tied.safetensors"
    safetensors_torch.save_model(t, str(path))
    m = _LM()
    assert nn.load(m, path) == nn.IncompatibleKeys([], [])
    np.testing.assert_array_equal(m.wte.weight.data, t.wte.weight.detach().numpy())
    assert m.lm_head.weight is m.wte.weight


def test_a_shared_module_saved_under_its_other_name_loads(tmp_path: Path) -> None:
    class Shared(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm = nn.BatchNorm1d(3)
            self.b_norm = self.norm

    class TorchShared(torch.nn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.norm = torch.nn.BatchNorm1d(3)
            self.b_norm = self.norm

    ts = TorchShared().double()
    ts.norm(torch.randn(8, 3, dtype=torch.float64) + 3)
    path = tmp_path / "shared.safetensors"
    safetensors_torch.save_model(ts, str(path))
    s = Shared()
    nn.load(s, path)
    norm: Any = s.norm  # (its buffers, typed Optional)
    np.testing.assert_allclose(norm.running_var, ts.norm.running_var.numpy())
    np.testing.assert_allclose(norm.running_mean, ts.norm.running_mean.numpy())
    assert int(norm.num_batches_tracked) == 1


def test_a_file_listing_both_names_of_a_tied_parameter_loads(tmp_path: Path) -> None:
    """Equal values under both names were refused as differing (a stand-in against them)."""
    t = _TorchLM().double()
    sd = {k: v.detach().clone() for k, v in t.state_dict().items()}
    assert set(sd) == {"wte.weight", "lm_head.weight"}
    path = tmp_path / "both.safetensors"
    safetensors_torch.save_file(sd, str(path))
    m = _LM()
    nn.load(m, path)
    np.testing.assert_array_equal(m.wte.weight.data, sd["wte.weight"].numpy())
    sd["lm_head.weight"] = sd["lm_head.weight"] + 1.0  # differing values are still refused
    safetensors_torch.save_file(sd, str(path))
    with pytest.raises(nn.CheckpointError, match=r"'lm_head\.weight': tied to 'wte\.weight' "
                       r"here, but the values differ"):
        nn.load(_LM(), path)


def test_the_npz_form_reads_a_tied_alias_too(tmp_path: Path) -> None:
    m = _LM()
    path = tmp_path / "m.npz"
    m.save(path)
    other = _LM()
    nn.load(other, path)
    np.testing.assert_array_equal(other.wte.weight.data, m.wte.weight.data)


def test_a_corrupted_npz_is_a_checkpoint_error(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    nn.Linear(3, 2).save(path)
    data = bytearray(path.read_bytes())
    data[data.index(b"PK\x01\x02") + 6] = 0x77  # "version needed to extract"
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(bytes(data))
    m = nn.Linear(3, 2)
    before = m.weight.data.copy()
    with pytest.raises(nn.CheckpointError, match=r"corrupt\.npz"):
        nn.load(m, bad)
    np.testing.assert_array_equal(m.weight.data, before)


def test_torch_tensors_that_require_grad_load() -> None:
    t = torch.nn.Linear(3, 2).double()
    m = nn.Linear(3, 2)
    m.load_state_dict(dict(t.named_parameters()))
    np.testing.assert_array_equal(m.weight.data, t.weight.detach().numpy())


def test_a_buffer_refuses_a_list() -> None:
    bn = nn.BatchNorm1d(3)
    with pytest.raises(TypeError, match="BatchNorm1d: cannot assign a list to buffer "
                       "'running_var': a buffer holds numbers"):
        bn.running_var = [1.0, 1.0, 1.0]  # type: ignore[assignment]
    bn.running_var = np.ones(3)  # arrays, numbers and None still go in
    bn.num_batches_tracked = 2  # type: ignore[assignment]
    bn.running_mean = None


@pytest.mark.parametrize(("name", "args"), [("StepLR", (2, 0.5)), ("CosineAnnealingLR", (10,)),
                                            ("ExponentialLR", (0.9,)), ("ReduceLROnPlateau", ())])
def test_a_torch_schedules_state_dict_loads(name: str, args: tuple[Any, ...]) -> None:
    """PyTorch's bookkeeping keys (_step_count, mode_worse, …) were refused as unexpected."""
    to = torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], lr=0.1)
    ts = getattr(torch.optim.lr_scheduler, name)(to, *args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own deprecation notes
        for _ in range(3):
            to.step()
            ts.step(1.0) if name == "ReduceLROnPlateau" else ts.step()
    ours = getattr(optim.lr_scheduler, name)(optim.SGD([nn.Parameter(np.ones(2))], lr=0.1),
                                              *args)
    ours.load_state_dict(ts.state_dict())
    assert ours.state_dict()["last_epoch"] == ts.state_dict()["last_epoch"] == 3
    with pytest.raises(ValueError, match=r"unexpected keys \['mine'\]"):
        ours.load_state_dict({**ts.state_dict(), "mine": 1})


def test_tied_values_with_nan_and_bfloat16_torch_state_load() -> None:
    t = _TorchLM().double()
    with torch.no_grad():
        t.wte.weight[0, 0] = float("nan")
    m = _LM()
    m.load_state_dict(t.state_dict())  # both names, NaN in both: the same values
    assert np.isnan(m.wte.weight.data[0, 0])
    b = _TorchLM().to(torch.bfloat16)
    m.load_state_dict(b.state_dict())  # widened to float32 first, as the file reader does
    np.testing.assert_array_equal(m.wte.weight.data, b.wte.weight.detach().float().numpy())


def test_numbers_in_buffers_stay_numbers_and_strings_are_refused() -> None:
    """A number stays a number (``total = 0`` then ``total += 0.5`` works, as Python's); a
    list or strings are refused at assignment, as PyTorch refuses them."""
    m = nn.Module()
    m.register_buffer("total", np.array(0.0))
    m.total = 0
    m.total += 0.5
    assert m.total == 0.5 and "total" in m.state_dict()
    bn: Any = nn.BatchNorm1d(3)
    with pytest.raises(TypeError, match="cannot assign a <U1 array to buffer 'running_mean'"):
        bn.running_mean = np.array(["a"])
    with pytest.raises(TypeError, match="cannot assign a str_ to buffer 'running_mean'"):
        bn.running_mean = np.str_("a")


def test_a_recorded_grad_saved_by_a_later_op_can_be_clipped() -> None:
    x = am.Tensor(np.ones(3), requires_grad=True)
    (x * x).sum().backward(create_graph=True)
    g: Any = x.grad
    penalty = (g * g).sum()  # a gradient penalty: the op saves g's array
    assert optim.clip_grad_norm_([x], 0.1) == pytest.approx(np.sqrt(12.0))
    optim.clip_grad_value_([x], 0.01)
    np.testing.assert_allclose(x.grad.data, [0.01, 0.01, 0.01])  # type: ignore[union-attr]
    assert penalty.item() == 12.0  # the graph kept the values it used


def test_modulelist_adds_any_iterable_and_keep_vars_gives_tensor_buffers() -> None:
    a = nn.ModuleList([nn.Linear(1, 1)])
    both = a + [nn.ReLU()]  # noqa: RUF005  (ModuleList's own +, as PyTorch's)
    assert len(both) == 2 and both[0] is a[0]
    m = nn.Module()
    m.register_buffer("state", np.zeros(2))
    m.state = am.Tensor(np.ones(2))  # a recurrent state kept as a Tensor
    assert m.state_dict(keep_vars=True)["state"] is m.state


def test_a_number_in_a_counting_buffer_counts_and_one_over_a_vector_is_refused() -> None:
    """``bn.num_batches_tracked = 0`` kept a number, which BatchNorm's in-place count never
    changed (so momentum=None averaged wrongly); ``bn.running_mean = 0.0`` failed only at the
    next forward, with NumPy's broadcast error."""
    bn: Any = nn.BatchNorm1d(2, momentum=None)
    tb = torch.nn.BatchNorm1d(2, momentum=None).double()
    bn.num_batches_tracked = 0
    tb.num_batches_tracked = torch.tensor(0)
    x = np.random.default_rng(7).normal(size=(3, 4, 2))
    for batch in x:
        bn(am.Tensor(batch))
        tb(torch.tensor(batch))
    assert bn.num_batches_tracked == 3
    np.testing.assert_allclose(bn.running_mean, tb.running_mean.numpy())
    np.testing.assert_allclose(bn.running_var, tb.running_var.numpy())
    with pytest.raises(TypeError, match=r"BatchNorm1d: cannot assign a number \(0.0\) to "
                       r"buffer 'running_mean', which holds an array of shape \(2,\)"):
        bn.running_mean = 0.0


def test_batchnorm_buffers_set_by_hand_behave_as_torch() -> None:
    """``num_batches_tracked = None`` stopped the running statistics (PyTorch updates them);
    ``reset_running_stats`` after a number count failed; a Tensor-held ``running_mean`` took
    ``0.0``; a mis-shaped ``running_mean`` failed in eval with a bare reshape error."""
    x = np.random.default_rng(10).normal(size=(4, 3))
    bn: Any = nn.BatchNorm1d(3)
    tb = torch.nn.BatchNorm1d(3).double()
    bn.num_batches_tracked = None
    tb.num_batches_tracked = None
    bn(am.Tensor(x))
    tb(torch.tensor(x))
    np.testing.assert_allclose(bn.running_mean, tb.running_mean.numpy())
    bn.num_batches_tracked = 5
    bn.reset_running_stats()
    assert bn.num_batches_tracked == 0 and not bn.running_mean.any()
    bn.running_mean = am.Tensor(np.zeros(3))
    with pytest.raises(TypeError, match="cannot assign a number"):
        bn.running_mean = 0.0
    bn.running_mean = np.array(0.0)
    bn.eval()
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\): running_mean should hold 3 "
                                         r"values, it has shape \(\)"):
        bn(am.Tensor(x))


def test_an_integer_count_buffer_takes_only_ints() -> None:
    """A float count (5.7) went in, and the state dict then failed to load into a fresh copy;
    True counted as 1."""
    bn: Any = nn.BatchNorm1d(2)
    for bad in (5.7, True, np.float64(2.0)):
        with pytest.raises(TypeError, match=r"holds an integer .* assign an int"):
            bn.num_batches_tracked = bad
    bn.num_batches_tracked = np.int32(3)
    assert bn.num_batches_tracked == 3
