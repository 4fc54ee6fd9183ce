"""Module against torch.nn.Module: train() overrides, assignment checks, registration order,
apply order, pickling, the member scan's cost, and the registration and lookup API.

Each test states the expected values, then (where PyTorch is installed) checks them against
the same model built with torch.nn.
"""

from __future__ import annotations

import copy
import pickle
import sys
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import nn
from autograd_mini import Tensor
from nn.members import MemberNameError

RNG = np.random.default_rng


def _lin(seed: int = 0) -> nn.Linear:
    return nn.Linear(2, 2, rng=RNG(seed))


# ----------------------------------------------------------------------------- 1: train()
class FrozenNorm(nn.Module):
    """The usual way to freeze BatchNorm: train() calls super().train, then bn.eval()."""

    def __init__(self) -> None:
        super().__init__()
        self.lin, self.bn = _lin(), nn.BatchNorm1d(2)
        self.modes: list[bool] = []

    def train(self, mode: bool = True) -> FrozenNorm:
        self.modes.append(mode)
        super().train(mode)
        self.bn.eval()
        return self


def _torch_frozen() -> Any:
    torch = pytest.importorskip("torch")

    class TFrozen(torch.nn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.lin, self.bn = torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2)

        def train(self, mode: bool = True) -> Any:
            super().train(mode)
            self.bn.eval()
            return self

    return torch.nn.Sequential(torch.nn.Sequential(TFrozen(), torch.nn.ReLU()), torch.nn.ReLU())


def test_train_hands_a_module_that_overrides_train_its_subtree() -> None:
    block = FrozenNorm()
    net = nn.Sequential(nn.Sequential(block, nn.ReLU()), nn.ReLU())
    net.train()
    flags = [(name, m.training) for name, m in net.named_modules()]
    assert flags == [("", True), ("0", True), ("0.0", True), ("0.0.lin", True),
                     ("0.0.bn", False), ("0.1", True), ("1", True)]
    net.eval()  # through train(False): the override is called with False
    assert block.modes == [True, False] and not any(m.training for m in net.modules())
    net.train()
    assert not block.bn.training and block.lin.training
    ref = _torch_frozen().train()
    assert [(n, m.training) for n, m in ref.named_modules()] == flags


def test_train_override_at_the_bottom_of_a_deep_tree() -> None:
    depth = 10_000
    block = FrozenNorm()
    mod: nn.Module = block
    for _ in range(depth):
        wrap = nn.Module()
        wrap.m = mod
        mod = wrap
    limit = sys.getrecursionlimit()
    assert limit < depth
    mod.eval()
    mod.train()
    assert block.modes == [False, True] and not block.bn.training and block.lin.training
    assert sum(m.training for m in mod.modules()) == depth + 2  # all but the BatchNorm


# ----------------------------------------------------------------------------- 2: __setattr__
def test_assigning_a_non_parameter_or_non_module_to_a_member_name_raises() -> None:
    net = nn.Sequential(_lin(), nn.ReLU())
    lin = net[0]
    with pytest.raises(TypeError, match=r"Linear: cannot assign 'Tensor' as parameter 'weight' "
                                        r"\(Parameter or None expected"):
        lin.weight = Tensor(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"cannot assign 'ReLU' as parameter 'bias'"):
        lin.bias = nn.ReLU()
    with pytest.raises(TypeError, match=r"Sequential: cannot assign 'int' as child module '1' "
                                        r"\(Module or None expected\)"):
        setattr(net, "1", 3)
    assert isinstance(lin.weight, nn.Parameter) and isinstance(net[1], nn.ReLU)
    lin.bias = None  # None empties the slot, as PyTorch's
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    lin.bias = nn.Parameter(np.zeros(2))
    setattr(net, "1", nn.Parameter(np.ones(1)))  # a Parameter may replace a module
    del lin.weight  # a deleted parameter's name takes anything
    lin.weight = Tensor(np.ones((2, 2)))
    assert [n for n, _ in net.named_parameters()] == ["1", "0.bias"]
    torch = pytest.importorskip("torch")
    tnet = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    with pytest.raises(TypeError, match=r"cannot assign '\S*Tensor' as parameter 'weight' "
                                        r"\(\S*Parameter or None expected"):
        tnet[0].weight = torch.ones(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign '\S*ReLU' as parameter 'bias'"):
        tnet[0].bias = torch.nn.ReLU()
    with pytest.raises(TypeError, match=r"cannot assign 'int' as child module '1'"):
        setattr(tnet, "1", 3)
    tnet[0].bias = None
    tnet[0].bias = torch.nn.Parameter(torch.zeros(2))
    setattr(tnet, "1", torch.nn.Parameter(torch.ones(1)))
    del tnet[0].weight
    tnet[0].weight = torch.ones(2, 2)
    assert [n for n, _ in tnet.named_parameters()] == ["1", "0.bias"]


class Shortcut(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.shortcut: Any = None
        self.first, self.conv = _lin(0), _lin(1)
        self.shortcut = _lin(2)  # held None before: registered now, after conv
        self.first = _lin(3)  # replaces a member: keeps its place


def test_a_member_assigned_where_a_non_member_was_goes_last_as_pytorch() -> None:
    keys = ["first.weight", "first.bias", "conv.weight", "conv.bias", "shortcut.weight",
            "shortcut.bias"]
    assert list(Shortcut().state_dict()) == keys
    torch = pytest.importorskip("torch")

    class TShortcut(torch.nn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.shortcut = None
            self.first, self.conv = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
            self.shortcut = torch.nn.Linear(2, 2)
            self.first = torch.nn.Linear(2, 2)

    assert list(TShortcut().state_dict()) == keys


class Buffered(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("scale", np.ones(2))
        self.register_buffer("count", np.array(0))
        self.register_buffer("mask", np.ones(2), persistent=False)


def test_buffer_assignment_keeps_a_buffer_and_a_member_takes_the_name_over() -> None:
    m = Buffered()
    state = Tensor(np.full(2, 3.0), requires_grad=True)
    m.scale = state  # a recurrent state set in forward: kept as given, still a buffer
    assert m.scale is state and m.state_dict()["scale"].tolist() == [3.0, 3.0]
    m.count = m.count + 1
    assert m.state_dict()["count"] == 1
    m.float()
    assert m.scale.dtype == np.float32 and np.asarray(m.count).dtype == np.int64
    m.mask = _lin()  # a module takes a buffer's name over (and is no longer transient)
    assert [n for n, _ in m.named_buffers()] == ["scale", "count"]
    assert list(m.state_dict()) == ["scale", "count", "mask.weight", "mask.bias"]
    del m.count  # deleting a buffer drops it
    m.count = "plain"
    assert [n for n, _ in m.named_buffers()] == ["scale"]
    torch = pytest.importorskip("torch")
    t = torch.nn.Module()
    t.register_buffer("scale", torch.ones(2))
    t.register_buffer("count", torch.tensor(0))
    t.register_buffer("mask", torch.ones(2), persistent=False)
    t.scale = torch.full((2,), 3.0)
    t.mask = torch.nn.Linear(2, 2)
    assert list(t.state_dict()) == ["scale", "count", "mask.weight", "mask.bias"]
    del t.count
    t.count = "plain"
    assert [n for n, _ in t.named_buffers()] == ["scale"]


@pytest.mark.parametrize("name", ["plain", "forward", "training", "_child_names"])
def test_register_buffer_refuses_a_name_taken_by_another_attribute(name: str) -> None:
    m = nn.Module()
    m.plain = 3
    with pytest.raises(KeyError, match=f"attribute '{name}' already exists"):
        m.register_buffer(name, np.zeros(1))
    assert not list(m.named_buffers())
    m.register_buffer("free", np.zeros(1))
    m.register_buffer("free", np.ones(1))  # re-registering a buffer is fine
    assert [(n, b.tolist()) for n, b in m.named_buffers()] == [("free", [1.0])]
    if name.startswith("_"):
        return  # (our own bookkeeping; PyTorch has other private names)
    torch = pytest.importorskip("torch")
    t = torch.nn.Module()
    t.plain = 3
    with pytest.raises(KeyError, match=f"attribute '{name}' already exists"):
        t.register_buffer(name, torch.zeros(1))


# ----------------------------------------------------------------------------- 3: Sequential
@pytest.mark.parametrize("name", ["forward", "parameters", "training", "_buffer_names",
                                  "_forward_hooks"])
def test_sequential_and_module_dict_refuse_names_of_attributes(name: str) -> None:
    for build in (nn.Sequential, nn.ModuleDict):
        with pytest.raises(KeyError, match=f"attribute '{name}' already exists"):
            build(OrderedDict([("ok", nn.ReLU()), (name, nn.ReLU())]))
    with pytest.raises(ValueError, match="already exists"):  # a ValueError too
        nn.Sequential({name: nn.ReLU()})
    assert isinstance(MemberNameError("x"), KeyError) and str(MemberNameError("x")) == "x"
    if name.startswith("_"):
        return
    torch = pytest.importorskip("torch")
    with pytest.raises(KeyError, match=f"attribute '{name}' already exists"):
        torch.nn.Sequential(OrderedDict([("ok", torch.nn.ReLU()), (name, torch.nn.ReLU())]))


# ----------------------------------------------------------------------------- 4: apply()
def test_apply_runs_each_module_once_after_all_its_sub_modules() -> None:
    model = nn.Module()
    model.blocks = nn.Sequential(_lin(), nn.ReLU(), nn.Sequential(_lin(), nn.Tanh()))
    model.last = model.blocks[1]  # an alias met after its container
    model.inner = model.blocks[2][1]
    order: list[nn.Module] = []
    model.apply(order.append)
    assert len(order) == len({id(m) for m in order}) == len(list(model.modules())) == 7
    position = {id(m): i for i, m in enumerate(order)}
    for mod in order:
        assert all(position[id(sub)] < position[id(mod)] for sub in mod.modules() if sub
                   is not mod)
    names = [type(m).__name__ for m in order]
    assert names == ["Linear", "ReLU", "Linear", "Tanh", "Sequential", "Sequential", "Module"]
    torch = pytest.importorskip("torch")
    tmodel = torch.nn.Module()
    tmodel.blocks = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(),
                                        torch.nn.Sequential(torch.nn.Linear(2, 2),
                                                            torch.nn.Tanh()))
    tmodel.last, tmodel.inner = tmodel.blocks[1], tmodel.blocks[2][1]
    theirs: list[Any] = []
    tmodel.apply(theirs.append)  # PyTorch applies a shared module again: keep first meetings
    once = [m for i, m in enumerate(theirs) if all(m is not o for o in theirs[:i])]
    assert [type(m).__name__ for m in once] == names


# ----------------------------------------------------------------------------- 5: pickle
_ACT = nn.ReLU()


class Tied(nn.Module):
    """Tied weights, and a forward that calls a module it does not hold (``_ACT``)."""

    def __init__(self) -> None:
        super().__init__()
        self.enc, self.dec = _lin(0), _lin(1)
        self.dec.weight = self.enc.weight

    def forward(self, x: Any) -> Any:
        return self.dec(_ACT(self.enc(x)))


def test_a_module_pickles_after_calling_a_module_it_does_not_hold() -> None:
    net = Tied()
    x = Tensor(np.ones((1, 2)))
    y = net(x).data
    for copied in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        assert copied.enc.weight is copied.dec.weight and copied.enc.weight is not net.enc.weight
        assert list(copied.state_dict()) == list(net.state_dict())
        np.testing.assert_array_equal(copied(x).data, y)
    assert "_child_names" in vars(net) and "_child_names" not in net.__getstate__()


# ----------------------------------------------------------------------------- 6: scan cost
def test_a_member_is_found_wherever_it_sits_in_a_container() -> None:
    m = nn.Module()
    m.lin = _lin()
    m.vocab = [f"w{i}" for i in range(1_000)]  # containers without members: passed over
    m.index = {f"w{i}": i for i in range(1_000)}
    m.late = ["relu", nn.Linear(2, 1, rng=RNG(1))]  # wherever a member sits, it is found
    m.stages = [[], [nn.Parameter(np.ones(1))]]
    m.named = [("enc", nn.Parameter(np.ones(3)))]
    m.gaps = [None, nn.Parameter(np.ones(1))]
    m.deep = [{"x": [nn.Parameter(np.ones(2))]}]
    m.mixed = {"scale": 1.0, "proj": nn.Parameter(np.ones(4))}
    assert [n for n, _ in m.named_parameters()] == [  # own parameters, then sub-modules'
        "stages.1.0", "named.0.1", "gaps.1", "deep.0.x.0", "mixed.proj", "lin.weight",
        "lin.bias", "late.1.weight", "late.1.bias"]


# ----------------------------------------------------------------------------- 7: the API
def test_register_parameter_and_add_module_as_pytorch() -> None:
    m = nn.Module()
    m.register_parameter("w", nn.Parameter(np.ones(2)))
    m.register_parameter("b", None)
    m.add_module("body", _lin())
    m.register_module("head", None)
    m.register_module("head", _lin(1))
    assert [n for n, _ in m.named_parameters()] == ["w", "body.weight", "body.bias",
                                                    "head.weight", "head.bias"]
    assert [n for n, _ in m.named_children()] == ["body", "head"]
    m.register_parameter("b", nn.Parameter(np.zeros(1)))  # the empty slot takes one
    for bad, exc, pattern in [
        (lambda: m.register_parameter("a.b", None), KeyError, r"can't contain \"\.\""),
        (lambda: m.register_parameter("", None), KeyError, "can't be empty string"),
        (lambda: m.register_parameter("body", None), KeyError, "attribute 'body' already"),
        (lambda: m.register_parameter("x", Tensor(np.ones(1))),  # type: ignore[arg-type]
         TypeError,
         r"cannot assign 'Tensor' object to parameter 'x' \(Parameter or None required\)"),
        (lambda: m.register_parameter(1, None),  # type: ignore[arg-type]
         TypeError, "parameter name must be a str"),
        (lambda: m.add_module("w", _lin()), KeyError, "attribute 'w' already exists"),
        (lambda: m.add_module("forward", _lin()), KeyError, "attribute 'forward' already"),
        (lambda: m.add_module("x", 3),  # type: ignore[arg-type]
         TypeError, "int is not a Module subclass"),
    ]:
        with pytest.raises(exc, match=pattern):
            bad()
    torch = pytest.importorskip("torch")
    t = torch.nn.Module()
    t.register_parameter("w", torch.nn.Parameter(torch.ones(2)))
    t.register_parameter("b", None)
    t.add_module("body", torch.nn.Linear(2, 2))
    t.register_module("head", None)
    t.register_module("head", torch.nn.Linear(2, 2))
    t.register_parameter("b", torch.nn.Parameter(torch.zeros(1)))
    assert [n for n, _ in t.named_parameters()] == ["w", "b", "body.weight", "body.bias",
                                                    "head.weight", "head.bias"]
    for call, exc in [(lambda: t.register_parameter("a.b", None), KeyError),
                      (lambda: t.register_parameter("", None), KeyError),
                      (lambda: t.register_parameter("body", None), KeyError),
                      (lambda: t.add_module("w", torch.nn.ReLU()), KeyError),
                      (lambda: t.add_module("forward", torch.nn.ReLU()), KeyError),
                      (lambda: t.add_module("x", 3), TypeError)]:
        with pytest.raises(exc):
            call()


def _nested() -> nn.Module:
    m = nn.Module()
    m.layers = nn.ModuleList([nn.Sequential(_lin(), nn.BatchNorm1d(2)), nn.ReLU()])
    m.extra = [nn.Parameter(np.ones(1))]  # a member in a plain list: "extra.0"
    return m


def test_get_submodule_parameter_and_buffer() -> None:
    m = _nested()
    assert m.get_submodule("") is m and m.get_submodule("layers.0.1") is m.layers[0][1]
    assert m.get_parameter("layers.0.0.weight") is m.layers[0][0].weight
    assert m.get_parameter("extra.0") is m.extra[0]
    assert m.get_buffer("layers.0.1.running_var") is m.layers[0][1].running_var
    for call, pattern in [
        (lambda: m.get_submodule("layers.2"), r"ModuleList has no attribute '2'"),
        (lambda: m.get_submodule("layers.0.0.weight"), r"'weight' of Linear is a Parameter, "
                                                       "not a Module"),
        (lambda: m.get_parameter("layers.0.0.in_features"), r"'in_features' of Linear is a "
                                                            "int, not a Parameter"),
        (lambda: m.get_parameter("layers.0.0.weight.x"), r"'weight' of Linear is a "
                                                         "Parameter, not a Module"),
        (lambda: m.get_buffer("layers.0.1.weight"), r"'weight' of BatchNorm1d is a "
                                                    "Parameter, not a buffer"),
    ]:
        with pytest.raises(AttributeError, match=pattern):
            call()
    torch = pytest.importorskip("torch")
    t = torch.nn.Module()
    t.layers = torch.nn.ModuleList([torch.nn.Sequential(torch.nn.Linear(2, 2),
                                                        torch.nn.BatchNorm1d(2)),
                                    torch.nn.ReLU()])
    assert t.get_submodule("layers.0.1") is t.layers[0][1]
    assert t.get_buffer("layers.0.1.running_var") is t.layers[0][1].running_var
    for call in (lambda: t.get_submodule("layers.2"), lambda: t.get_submodule("layers.0.0.weight"),
                 lambda: t.get_parameter("layers.0.0.in_features"),
                 lambda: t.get_buffer("layers.0.1.weight")):
        with pytest.raises(AttributeError):
            call()


def _shared() -> nn.Module:
    m = nn.Module()
    m.a = nn.Sequential(_lin(), nn.BatchNorm1d(2))
    m.b = m.a  # a shared module
    m.c = _lin(1)
    m.c.weight = m.a[0].weight  # a tied parameter
    return m


def _walk_names(m: Any) -> dict[str, list[str]]:
    """What the named walks list, for a module of either library."""
    return {
        "params": [n for n, _ in m.named_parameters()],
        "all_params": [n for n, _ in m.named_parameters(remove_duplicate=False)],
        "modules": [n for n, _ in m.named_modules()],
        "all_modules": [n for n, _ in m.named_modules(remove_duplicate=False)],
        "buffers": [n for n, _ in m.named_buffers(prefix="m")],
        "all_buffers": [n for n, _ in m.named_buffers(remove_duplicate=False)],
        "own_buffers": [n for n, _ in m.a[1].named_buffers(recurse=False)],
    }


def test_remove_duplicate_and_buffers_recurse_as_pytorch() -> None:
    m = _shared()
    got = _walk_names(m)
    assert got["all_params"] == ["a.0.weight", "a.0.bias", "a.1.weight", "a.1.bias",
                                 "b.0.weight", "b.0.bias", "b.1.weight", "b.1.bias",
                                 "c.weight", "c.bias"]
    assert got["all_modules"] == ["", "a", "a.0", "a.1", "b", "b.0", "b.1", "c"]
    assert len(list(m.buffers())) == 3 and not list(m.buffers(recurse=False))
    cyclic = nn.Module()
    cyclic.me = [cyclic]  # a module holding itself: no endless walk
    assert [n for n, _ in cyclic.named_modules(remove_duplicate=False)] == [""]
    torch = pytest.importorskip("torch")
    t = torch.nn.Module()
    t.a = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    t.b, t.c = t.a, torch.nn.Linear(2, 2)
    t.c.weight = t.a[0].weight
    assert got == _walk_names(t)


def test_a_hook_handle_is_a_context_manager() -> None:
    lin, seen = _lin(), []
    x = Tensor(np.ones((1, 2)))
    with lin.register_forward_hook(lambda m, a, out: seen.append(out)) as handle:
        lin(x)
    lin(x)
    assert len(seen) == 1 and not vars(lin).get("_forward_hooks")
    handle.remove()  # again: nothing happens
    torch = pytest.importorskip("torch")
    tlin, tseen = torch.nn.Linear(2, 2), []
    with tlin.register_forward_hook(lambda m, a, out: tseen.append(out)):
        tlin(torch.ones(1, 2))
    tlin(torch.ones(1, 2))
    assert len(tseen) == 1


def test_a_member_emptied_with_none_and_filled_again_keeps_its_place_as_pytorch() -> None:
    m = nn.Linear(2, 3, rng=np.random.default_rng(0))
    m.weight = None  # type: ignore[assignment]
    m.weight = nn.Parameter(np.ones((3, 2)))
    assert list(m.state_dict()) == ["weight", "bias"]
    seq = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2))
    setattr(seq, "0", None)
    setattr(seq, "0", nn.Linear(2, 2))
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    torch = pytest.importorskip("torch")
    tm = torch.nn.Linear(2, 3)
    tm.weight = None
    tm.weight = torch.nn.Parameter(torch.ones(3, 2))
    assert list(tm.state_dict()) == ["weight", "bias"]


class SlotFirst(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_parameter("a", None)
        self.add_module("sub", None)
        self.b = nn.Parameter(np.zeros(1))


def test_slots_registered_as_none_keep_their_place_and_their_kind() -> None:
    m = SlotFirst()
    m.a = nn.Parameter(np.ones(1))
    m.sub = nn.Linear(1, 1)
    assert list(m.state_dict()) == ["a", "b", "sub.weight", "sub.bias"]  # (PyTorch's order)
    m.a = None
    with pytest.raises(TypeError, match=r"cannot assign 'Tensor' as parameter 'a'"):
        m.a = Tensor(np.ones(1), requires_grad=True)
    with pytest.raises(TypeError, match=r"cannot assign 'int' as parameter 'a'"):
        m.a = 3
    del m.a  # a deleted slot is forgotten: the name takes anything, and goes last
    m.a = 3
    del m.a
    m.a = nn.Parameter(np.ones(1))
    assert list(m.state_dict()) == ["b", "a", "sub.weight", "sub.bias"]
    torch = pytest.importorskip("torch")
    t = torch.nn.Module()
    t.register_parameter("a", None)
    t.b = torch.nn.Parameter(torch.zeros(1))
    t.a = torch.nn.Parameter(torch.ones(1))
    assert list(t.state_dict()) == ["a", "b"]


@pytest.mark.parametrize("make", [
    lambda: nn.Linear(3, 2, bias=False), lambda: nn.Conv2d(1, 1, 2, bias=False),
    lambda: nn.LayerNorm(3, elementwise_affine=False), lambda: nn.BatchNorm1d(3, affine=False),
    lambda: nn.GroupNorm(1, 3, affine=False), lambda: nn.InstanceNorm1d(3),
    lambda: nn.Bilinear(2, 2, 2, bias=False), lambda: nn.ConvTranspose1d(1, 1, 2, bias=False),
    lambda: nn.RNNCell(2, 2, bias=False)])
def test_a_layer_built_without_a_parameter_refuses_a_tensor_there_as_pytorch(make: Any) -> None:
    m = make()
    name = next(n for n in ("bias", "bias_ih") if n in vars(m) and getattr(m, n) is None)
    with pytest.raises(TypeError, match=f"cannot assign 'Tensor' as parameter '{name}'"):
        setattr(m, name, Tensor(np.ones(2), requires_grad=True))
    setattr(m, name, nn.Parameter(np.zeros(2)))  # a Parameter fills the slot
    assert any(p is getattr(m, name) for p in m.parameters())
