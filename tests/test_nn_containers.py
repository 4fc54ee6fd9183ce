"""Sequential, ModuleList, ModuleDict, Flatten and Unflatten: PyTorch's parameter names and
behaviour, state dict round trips, list/mapping APIs, reprs, shapes, gradients and errors."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
from autograd_mini import Tensor, gradcheck, gradgradcheck
from nn.activation import Identity, ReLU
from nn.containers import ModuleDict, ModuleList
from nn.dropout import Dropout
from nn.flatten import Flatten, Unflatten
from nn.layers import Linear, Sequential
from nn.module import Module


def _lin(i: int, o: int, seed: int = 0) -> Linear:
    return Linear(i, o, rng=np.random.default_rng(seed))


class Net(Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = ModuleList([_lin(2, 3), ReLU(), _lin(3, 1, 1)])
        self.heads = ModuleDict({"b": _lin(1, 2, 2), "a": Dropout(0.5)})

    def forward(self, x: Any) -> Tensor:
        for mod in self.blocks:
            x = mod(x)
        return self.heads["b"](x)


def test_names_match_torch() -> None:
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    class TNet(tnn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.blocks = tnn.ModuleList([tnn.Linear(2, 3), tnn.ReLU(), tnn.Linear(3, 1)])
            self.heads = tnn.ModuleDict({"b": tnn.Linear(1, 2), "a": tnn.Dropout(0.5)})

    net, ref = Net(), TNet()
    assert list(net.state_dict()) == list(ref.state_dict())
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert [n for n, _ in net.named_modules()] == [n for n, _ in ref.named_modules()]
    assert list(ModuleList([_lin(1, 1)]).state_dict()) == ["0.weight", "0.bias"]


def test_state_dict_round_trip_train_eval_and_forward() -> None:
    net, other = Net(), Net()
    for p in other.parameters():
        p.data[...] = 0.5
    other.load_state_dict(net.state_dict())
    for (k, a), (_, b) in zip(net.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=k)
    net.eval()
    assert all(not m.training for m in net.modules())
    assert not net.heads["a"].training and not net.blocks[0].training
    net.train()
    assert net.heads["a"].training
    x = np.ones((4, 2))
    out = net(x)
    out.sum().backward()
    assert out.shape == (4, 2) and net.blocks[0].weight.grad is not None
    assert net.num_parameters() == 9 + 4 + 4


def test_module_list_api() -> None:
    a, b, c, d = _lin(1, 1), ReLU(), Identity(), _lin(1, 2)
    ml = ModuleList([a, b])
    ml.append(c)
    assert len(ml) == 3 and list(ml) == [a, b, c] and ml[-1] is c
    sub = ml[1:]
    assert isinstance(sub, ModuleList) and list(sub) == [b, c]
    ml.insert(0, d)
    assert list(ml) == [d, a, b, c]
    assert list(ml.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    del ml[0]
    assert list(ml) == [a, b, c] and list(ml.state_dict()) == ["0.weight", "0.bias"]
    ml[1] = d
    assert list(ml) == [a, d, c]
    assert list(ml.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    ml.extend([b])
    ml += [Identity()]
    assert len(ml) == 5
    del ml[::2]
    assert list(ml) == [d, b]
    ml.insert(-1, c)
    ml.insert(100, a)
    assert list(ml) == [d, c, b, a]
    assert len(ModuleList()) == 0
    assert repr(ModuleList([_lin(2, 3)])).splitlines() == [
        "ModuleList(",
        "  (0): Linear(in_features=2, out_features=3, bias=True)"
        "  # weight (3, 2), bias (3,): 9 parameters",
        ")  # 9 parameters",
    ]


def test_module_list_called_inside_parent_gets_path_name() -> None:
    net = Net()
    assert net.blocks._child_name(net.blocks[2]) == "2"
    net.blocks.insert(0, Identity())
    assert net.blocks._child_name(net.blocks[3]) == "3"


def test_module_dict_api() -> None:
    a, b, c = _lin(1, 1), ReLU(), _lin(2, 1)
    md = ModuleDict([("z", a), ("y", b)])
    md["x"] = c
    assert md.keys() == ["z", "y", "x"] and md.values() == [a, b, c]
    assert md.items() == [("z", a), ("y", b), ("x", c)] and list(md) == ["z", "y", "x"]
    assert "y" in md and "w" not in md and len(md) == 3 and md["x"] is c
    assert list(md.state_dict()) == ["z.weight", "z.bias", "x.weight", "x.bias"]
    assert md.pop("z") is a
    del md["y"]
    assert md.keys() == ["x"]
    md.update({"z": a})
    assert md.keys() == ["x", "z"]
    md["x"] = b  # replacing keeps the position, as in a dict
    assert md.keys() == ["x", "z"] and md["x"] is b
    md.clear()
    assert len(md) == 0 and md.state_dict() == {}
    assert repr(ModuleDict({"act": ReLU()})).splitlines() == [
        "ModuleDict(", "  (act): ReLU()", ")  # 0 parameters"]


def test_container_errors() -> None:
    ml = ModuleList([ReLU()])
    with pytest.raises(IndexError, match=r"ModuleList index 1 out of range \(1 modules\)"):
        ml[1]
    with pytest.raises(TypeError, match="ModuleList index must be an int"):
        ml["0"]  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"ModuleList\.append: expected a Module, got int"):
        ml.append(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"ModuleList\.extend"):
        ModuleList(ReLU())
    md = ModuleDict()
    for bad in ("keys", "training", "a.b", ""):
        with pytest.raises(KeyError):
            md[bad] = ReLU()
    with pytest.raises(TypeError, match="ModuleDict: module name must be a str, got int"):
        md[1] = ReLU()  # type: ignore[index]
    with pytest.raises(KeyError, match="ModuleDict has no key 'q'"):
        md["q"]
    with pytest.raises(TypeError, match="ModuleDict: expected a Module"):
        md["q"] = 3  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"ModuleDict\.update"):
        md.update(3)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError):
        ml(np.ones(2))


# ---------------------------------------------------------------------------- Flatten/Unflatten
@pytest.mark.parametrize("start,end,shape,expected", [
    (1, -1, (2, 3, 4, 5), (2, 60)),
    (0, -1, (2, 3, 4), (24,)),
    (1, 2, (2, 3, 4, 5), (2, 12, 5)),
    (-2, -1, (2, 3, 4), (2, 12)),
    (2, 2, (2, 3, 4), (2, 3, 4)),
    (0, 0, (), (1,)),
])
def test_flatten_shapes_match_torch(start: int, end: int, shape: tuple[int, ...],
                                    expected: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(float(np.prod(shape))).reshape(shape)
    out = Flatten(start, end)(x)
    ref = torch.nn.Flatten(start, end)(torch.tensor(x))
    assert out.shape == expected == tuple(ref.shape)
    np.testing.assert_array_equal(out.data, ref.numpy())


@pytest.mark.parametrize("axis,sizes,shape,expected", [
    (1, (3, 4), (2, 12, 5), (2, 3, 4, 5)),
    (-1, (2, -1), (3, 8), (3, 2, 4)),
    (0, (1, 2, 1), (2,), (1, 2, 1)),
])
def test_unflatten_shapes_match_torch(axis: int, sizes: tuple[int, ...], shape: tuple[int, ...],
                                      expected: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(float(np.prod(shape))).reshape(shape)
    out = Unflatten(axis, sizes)(x)
    ref = torch.nn.Unflatten(axis, sizes)(torch.tensor(x))
    assert out.shape == expected == tuple(ref.shape)
    np.testing.assert_array_equal(out.data, ref.numpy())


@given(st.lists(st.integers(1, 3), min_size=2, max_size=4), st.data())
def test_flatten_unflatten_gradients(shape: list[int], data: st.DataObject) -> None:
    n = len(shape)
    lo = data.draw(st.integers(0, n - 1))
    hi = data.draw(st.integers(lo, n - 1))
    x = np.random.default_rng(0).standard_normal(shape)
    flat = Flatten(lo, hi)
    unflat = Unflatten(lo, tuple(shape[lo:hi + 1]))
    assert unflat(flat(x)).shape == tuple(shape)
    assert gradcheck(lambda t: flat(t) ** 2, [x])
    assert gradgradcheck(lambda t: unflat(flat(t)) ** 3, [x])


def test_flatten_float32_repr_and_errors() -> None:
    x = am.Tensor(np.ones((2, 3, 4), dtype=np.float32), requires_grad=True)
    y = Unflatten(1, (12,))(Flatten()(x))
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float32
    assert repr(Flatten()) == "Flatten(start_axis=1, end_axis=-1)"
    assert repr(Unflatten(1, (2, 3))) == "Unflatten(axis=1, sizes=(2, 3))"
    with pytest.raises(ValueError, match=r"Flatten\(start_axis=3, end_axis=-1\).*\(2, 3\)"):
        Flatten(3)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="start_axis comes after end_axis"):
        Flatten(2, 1)(np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="Flatten: axis must be an int"):
        Flatten(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="multiply to 6, not the axis' size 5"):
        Unflatten(1, (2, 3))(np.ones((2, 5)))
    with pytest.raises(ValueError, match="cannot split an axis of size 5"):
        Unflatten(1, (2, -1))(np.ones((2, 5)))
    with pytest.raises(ValueError, match="at most one entry of sizes may be -1"):
        Unflatten(1, (-1, -1))
    with pytest.raises(TypeError, match="Unflatten: sizes must be a non-empty tuple"):
        Unflatten(1, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Unflatten\(axis=2\): axis out of range"):
        Unflatten(2, (1,))(np.ones((2, 2)))


SLICES = [slice(2, None), slice(None, 2), slice(1, 2), slice(None, None, -1), slice(-2, None),
          slice(None, None, 2), slice(-1, None, -2), slice(5, None), slice(None)]


def _seqs() -> tuple[Sequential, Sequential]:
    named = Sequential(OrderedDict([("enc", _lin(2, 3)), ("act", ReLU()), ("dec", _lin(3, 1, 1))]))
    return named, Sequential(_lin(2, 3), ReLU(), _lin(3, 1, 1))


@pytest.mark.parametrize("index", SLICES)
def test_sequential_slice_keeps_names(index: slice) -> None:
    """A slice is a Sequential of the same modules under their own names (PyTorch's
    ``Sequential(OrderedDict(items[idx]))``), so its state dict has PyTorch's keys."""
    named, positional = _seqs()
    expect = {"enc": ["enc.weight", "enc.bias"], "act": [], "dec": ["dec.weight", "dec.bias"]}
    names = ["enc", "act", "dec"][index]
    sub = named[index]
    assert isinstance(sub, Sequential)
    assert list(sub.state_dict()) == [k for n in names for k in expect[n]]
    assert [n for n, _ in sub.named_children()] == names
    assert list(sub) == list(named)[index] and len(sub) == len(names)  # the same objects
    numbered = [str(i) for i in range(3)][index]
    assert [n for n, _ in positional[index].named_children()] == numbered
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    tnamed = tnn.Sequential(OrderedDict([("enc", tnn.Linear(2, 3)), ("act", tnn.ReLU()),
                                         ("dec", tnn.Linear(3, 1))]))
    tpos = tnn.Sequential(tnn.Linear(2, 3), tnn.ReLU(), tnn.Linear(3, 1))
    assert list(sub.state_dict()) == list(tnamed[index].state_dict())
    assert list(positional[index].state_dict()) == list(tpos[index].state_dict())


def test_sequential_slice_works_as_a_sequential() -> None:
    named, positional = _seqs()
    enc, act, dec = named
    assert named[0] is enc and named[-1] is dec and named[np.int64(1)] is act
    x = np.random.default_rng(3).normal(size=(4, 2))
    np.testing.assert_array_equal(named[1:](enc(x)).data, named(x).data)
    np.testing.assert_array_equal(named[:2](x).data, act(enc(x)).data)
    assert named[5:](x) is x and len(named[5:]) == 0  # an empty Sequential is the identity
    assert named[1:][1:][0] is dec and list(named[1:][-1:].state_dict()) == [
        "dec.weight", "dec.bias"]
    sub = positional[:2]
    sub.append(Identity())  # the next position, "2", is free
    assert [n for n, _ in sub.named_children()] == ["0", "1", "2"]
    # a slice from the middle holds "1" and "2": appending under "2" would replace a layer
    # (PyTorch does, silently); ours refuses and names the clash
    tail = positional[1:]
    with pytest.raises(ValueError, match=r"Sequential\.append: .* '2' .* taken by Linear"):
        tail.append(Identity())
    assert len(tail) == 2 and tail[-1] is positional[2]
    # the slice shares the parameters: training the slice trains the original
    tail(np.ones((1, 3))).sum().backward()
    assert positional[2].weight.grad is not None
    # and loads a PyTorch slice's state dict
    torch = pytest.importorskip("torch")
    ref = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    sd = {k: v.detach().numpy() for k, v in ref[1:].state_dict().items()}
    positional[1:].load_state_dict(sd)
    np.testing.assert_array_equal(positional[2].weight.data, ref[2].weight.detach().numpy())


def test_module_list_slice_renumbers_as_torch() -> None:
    """Unlike Sequential, PyTorch's ModuleList slice is a ModuleList numbered from 0."""
    ml = ModuleList([_lin(1, 1), ReLU(), _lin(1, 2)])
    assert list(ml[1:].state_dict()) == ["1.weight", "1.bias"]
    torch = pytest.importorskip("torch")
    tml = torch.nn.ModuleList([torch.nn.Linear(1, 1), torch.nn.ReLU(), torch.nn.Linear(1, 2)])
    assert list(ml[1:].state_dict()) == list(tml[1:].state_dict())
    assert list(ml[::-1].state_dict()) == list(tml[::-1].state_dict())


# ---------------------------------------------------------------------------- list API
def _ops(seq: Any, make: Any) -> list[list[str]]:
    """The same edits on a Sequential (ours or PyTorch's); the state-dict keys after each."""
    keys = [list(seq.state_dict())]
    seq.insert(1, make(1, 1))
    keys.append(list(seq.state_dict()))
    seq.insert(-4, make(1, 2))  # -len: the front
    keys.append(list(seq.state_dict()))
    assert seq.extend(type(seq)(make(2, 2))) is seq  # another Sequential: an iterable
    keys.append(list(seq.state_dict()))
    popped = seq.pop(0)
    assert popped.weight.shape == (2, 1)
    keys.append(list(seq.state_dict()))
    seq[1] = make(3, 3)  # keeps its name
    del seq[::2]
    keys.append(list(seq.state_dict()))
    assert len(seq.pop(slice(0, 1))) == 1
    keys.append(list(seq.state_dict()))
    return keys


def test_sequential_list_api_matches_torch() -> None:
    named = Sequential(OrderedDict([("enc", _lin(1, 1)), ("act", ReLU()), ("dec", _lin(1, 1))]))
    mods = list(named)
    del named[1]  # PyTorch renumbers every module after a deletion, named ones too
    assert list(named) == [mods[0], mods[2]] and next(iter(named.state_dict())) == "0.weight"
    seq = Sequential(_lin(1, 1), ReLU(), _lin(1, 1))
    got = _ops(seq, _lin)
    assert got[1] == ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]
    assert got[-1] == ["0.weight", "0.bias"]
    with pytest.raises(IndexError, match=r"Sequential\.insert: index 9 out of range for 1"):
        seq.insert(9, ReLU())
    with pytest.raises(TypeError, match=r"Sequential\.insert: expected a Module, got int"):
        seq.insert(0, 3)  # type: ignore[arg-type]
    with pytest.raises(IndexError, match="Sequential index 5 out of range"):
        seq[5] = ReLU()
    ml = ModuleList([ReLU(), Identity()])
    assert ml.pop() is not None and len(ml) == 1 and ml.extend(Sequential(ReLU())) is ml
    assert [n for n, _ in ml.named_children()] == ["0", "1"]
    torch = pytest.importorskip("torch")
    tseq = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.ReLU(), torch.nn.Linear(1, 1))
    assert got == _ops(tseq, torch.nn.Linear)
    tnamed = torch.nn.Sequential(OrderedDict([("enc", torch.nn.Linear(1, 1)),
                                              ("act", torch.nn.ReLU()),
                                              ("dec", torch.nn.Linear(1, 1))]))
    del tnamed[1]
    assert next(iter(tnamed.state_dict())) == "0.weight"
    with pytest.raises(IndexError):
        tseq.insert(9, torch.nn.ReLU())
