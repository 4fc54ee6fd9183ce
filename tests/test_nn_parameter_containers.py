"""nn.ParameterList and nn.ParameterDict: the same sequence of operations on ours and on
PyTorch's gives the same keys in the same order (parameters, state dict, nested in a
ModuleList); wrapping of Tensors and arrays; the list and dict APIs; state dicts loaded both
ways; dtype conversion, deepcopy and pickle; gradients reaching the entries; errors."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nn
import optim
from autograd_mini import Tensor

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _build(lib: Any, t: Callable[[np.ndarray], Any]) -> Any:
    """One structure built with ``lib`` (nn or torch.nn), arrays made tensors by ``t``."""
    m = lib.Module()
    m.lin = lib.Linear(2, 3)
    m.plist = lib.ParameterList([t(np.ones(3)), t(np.zeros((2, 2)))])
    m.plist.append(t(np.ones(1)))
    m.plist.extend([t(np.full(2, 4.0))])
    m.plist += [t(np.full(5, 5.0))]
    m.plist[0] = t(np.full(3, 2.0))  # keeps its name "0" and its place
    m.pdict = lib.ParameterDict({"zeta": t(np.ones(2)), "alpha": t(np.zeros(4))})  # sorted
    m.pdict["mid"] = t(np.ones(5))
    m.pdict.update([("beta", t(np.ones(1))), ("aa", t(np.ones(6)))])  # pairs: in order
    del m.pdict["alpha"]
    m.pdict.update(OrderedDict([("z2", t(np.ones(2))), ("a2", t(np.ones(3)))]))  # in order
    m.pdict.update({"y3": t(np.ones(1)), "b3": t(np.ones(2))})  # a plain dict: sorted
    m.pdict["zeta"] = t(np.full(2, 3.0))  # replaced in place
    m.pdict.setdefault("new", t(np.ones(7)))
    m.pdict.setdefault("mid", t(np.zeros(9)))  # present: unchanged
    m.blocks = lib.ModuleList([lib.ParameterList([t(np.ones(2))]),
                               lib.ParameterDict({"w": t(np.ones(3))})])
    return m


def _torch(a: np.ndarray) -> Any:
    return torch.tensor(a)


@pytest.fixture
def pair() -> tuple[Any, Any]:
    return _build(nn, Tensor), _build(torch.nn, _torch).double()


def test_keys_and_order_match_torch(pair: tuple[Any, Any]) -> None:
    ours, theirs = pair
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert "plist.0" in ours.state_dict() and "pdict.zeta" in ours.state_dict()
    assert "blocks.0.0" in ours.state_dict() and "blocks.1.w" in ours.state_dict()
    assert list(ours.pdict.keys()) == list(theirs.pdict.keys())
    assert list(ours.pdict) == list(theirs.pdict)
    assert list(reversed(ours.pdict)) == list(reversed(theirs.pdict))
    assert len(ours.plist) == len(theirs.plist) == 5 and len(ours.pdict) == len(theirs.pdict)
    for (name, a), (_, b) in zip(ours.named_parameters(), theirs.named_parameters()):
        if not name.startswith("lin"):
            np.testing.assert_array_equal(a.data, b.detach().numpy(), err_msg=name)
    assert sum(p.size for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())


def test_state_dicts_load_both_ways(pair: tuple[Any, Any]) -> None:
    ours, theirs = pair
    rng = np.random.default_rng(0)
    for p in theirs.parameters():
        p.data = torch.tensor(rng.standard_normal(tuple(p.shape)))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for (name, a), (_, b) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_array_equal(a.data, b.detach().numpy(), err_msg=name)
    fresh = _build(nn, Tensor)
    fresh.load_state_dict(ours.state_dict())
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v, ours.state_dict()[k], err_msg=k)
    again = _build(torch.nn, _torch).double()
    again.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    for k, v in again.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), ours.state_dict()[k], err_msg=k)


def test_none_and_other_objects_are_kept_but_not_parameters() -> None:
    ours = nn.Module()
    ours.plist = nn.ParameterList([Tensor(np.ones(2)), None, 3])
    ours.pdict = nn.ParameterDict([("a", None), ("b", np.ones(1)), ("c", "text")])
    theirs = torch.nn.Module()
    theirs.plist = torch.nn.ParameterList([torch.ones(2), None, 3])
    theirs.pdict = torch.nn.ParameterDict([("a", None), ("b", torch.ones(1)), ("c", "text")])
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["plist.0", "pdict.b"]
    assert ours.plist[1] is None and ours.plist[2] == 3 and ours.pdict["c"] == "text"
    assert ours.pdict["a"] is None and len(ours.pdict) == 3
    ours.pdict["a"] = np.zeros(3)  # a parameter now, registered after "b" (as PyTorch's)
    theirs.pdict["a"] = torch.zeros(3)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours.pdict.keys()) == list(theirs.pdict.keys()) == ["a", "b", "c"]
    assert "1: NoneType, 2: int" in repr(ours.plist)


def test_tensors_and_arrays_become_parameters() -> None:
    p = nn.Parameter(np.ones(2))
    src = Tensor(np.arange(3.0))
    arr = np.arange(4.0, dtype=np.float32)
    plist = nn.ParameterList([p, src, arr])
    assert plist[0] is p  # a Parameter is kept (tied)
    for entry, data in ((plist[1], src.data), (plist[2], arr)):
        assert type(entry) is nn.Parameter and entry.requires_grad
        np.testing.assert_array_equal(entry.data, data)
    assert plist[2].dtype == np.float32
    w = Tensor(np.ones(2), requires_grad=True) * 3.0  # an op's result: a new leaf
    pdict = nn.ParameterDict({"w": w})
    assert type(pdict["w"]) is nn.Parameter and pdict["w"].is_leaf
    with pytest.raises(TypeError, match=r"ParameterList\.append: a Parameter holds floating "
                                        r"values.*int64"):
        plist.append(np.arange(3))
    with pytest.raises(TypeError, match="ParameterDict: a Parameter holds floating values"):
        pdict["i"] = Tensor(np.array([True]))
    assert len(plist) == 3 and "i" not in pdict  # nothing changed


def test_list_api() -> None:
    a, b, c = (nn.Parameter(np.full(2, v)) for v in (1.0, 2.0, 3.0))
    plist = nn.ParameterList()
    assert len(plist) == 0 and list(plist) == []
    assert plist.append(a) is plist and plist.extend([b, c]) is plist
    assert list(plist) == [a, b, c] and plist[-1] is c and plist[1] is b
    sub = plist[1:]
    assert type(sub) is nn.ParameterList and list(sub) == [b, c]
    assert [n for n, _ in sub.named_parameters()] == ["0", "1"]  # renumbered, as PyTorch's
    assert list(plist[::-1]) == [c, b, a] and len(plist[5:]) == 0
    plist[-1] = np.zeros(2)
    assert type(plist[2]) is nn.Parameter and plist[2] is not c
    plist[0] = None
    assert plist[0] is None and [n for n, _ in plist.named_parameters()] == ["1", "2"]
    with pytest.raises(IndexError, match=r"ParameterList index 3 is out of range \(3 entries\)"):
        plist[3]
    with pytest.raises(IndexError, match="index -4 is out of range"):
        plist[-4] = a
    with pytest.raises(TypeError, match="ParameterList indices must be ints or slices, got str"):
        plist["0"]  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="cannot assign 'float' as parameter '1'"):
        plist[1] = 1.5  # over a Parameter: as PyTorch's, a Parameter or None only
    with pytest.raises(TypeError, match=r"ParameterList\.extend: expected an iterable of "
                                        "parameters, got Tensor"):
        plist.extend(Tensor(np.ones(3)))  # (iterable: its rows, which are not parameters)
    with pytest.raises(TypeError, match="got ndarray"):
        plist += np.ones(3)
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        plist(1)
    with pytest.raises(TypeError):
        torch.nn.ParameterList([torch.nn.Parameter(torch.ones(1))])[0] = 1.5  # (PyTorch too)


def test_dict_api() -> None:
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.zeros(3))
    pdict = nn.ParameterDict(OrderedDict([("x", a), ("y", b)]))
    assert pdict.keys() == ["x", "y"] and pdict.values() == [a, b]
    assert pdict.items() == [("x", a), ("y", b)]
    assert "x" in pdict and "z" not in pdict and 1 not in pdict and pdict["y"] is b
    assert pdict.get("z") is None and pdict.get("x") is a and pdict.get("z", 5) == 5
    pdict["z"] = np.ones(4)
    assert pdict.pop("x") is a and pdict.keys() == ["y", "z"] and "x" not in pdict.state_dict()
    del pdict["y"]
    assert pdict.keys() == ["z"]
    pdict.update(OrderedDict([("p", a), ("q", b)]))
    key, value = pdict.popitem()
    assert (key, value) == ("q", b) and pdict.keys() == ["z", "p"]
    dup = pdict.copy()
    assert type(dup) is nn.ParameterDict and dup.keys() == ["z", "p"] and dup["p"] is a
    merged = dup | nn.ParameterDict(OrderedDict([("k", b), ("z", a)]))
    assert merged.keys() == ["z", "p", "k"] and merged["z"] is a and dup["z"] is not a
    dup |= {"m": b}
    assert dup.keys() == ["z", "p", "m"]
    made = pdict.fromkeys(["u", "v"], np.ones(1))
    assert made.keys() == ["u", "v"] and made["u"] is not made["v"]  # each key its own
    assert len(list(made.parameters())) == 2
    pdict.clear()
    assert len(pdict) == 0 and pdict.state_dict() == {}
    with pytest.raises(KeyError, match=r"ParameterDict has no key 'nope' \(keys: \[\]\)"):
        pdict["nope"]
    with pytest.raises(KeyError, match="ParameterDict has no key 'nope'"):
        del pdict["nope"]
    with pytest.raises(KeyError, match=r"ParameterDict\.popitem: the dict is empty"):
        pdict.popitem()
    with pytest.raises(nn.MemberNameError, match="ParameterDict: parameter name can't contain"):
        pdict["a.b"] = a
    with pytest.raises(nn.MemberNameError, match="ParameterDict: attribute 'keys' already"):
        pdict["keys"] = a
    with pytest.raises(nn.MemberNameError, match="attribute 'training' already exists"):
        pdict["training"] = a
    with pytest.raises(TypeError, match="ParameterDict: parameter name must be a str, got int"):
        pdict[1] = a  # type: ignore[index]
    with pytest.raises(TypeError, match=r"ParameterDict.update: element #1 must be a \(key, "
                                        "value\\) pair"):
        pdict.update([("ok", a), ("bad",)])
    with pytest.raises(TypeError, match=r"ParameterDict\.update: keys must be strs, got 3"):
        pdict.update({3: a})
    with pytest.raises(TypeError, match=r"expected a mapping or an iterable of .* got int"):
        pdict.update(5)
    assert len(pdict) == 0  # the refused updates changed nothing
    with pytest.raises(KeyError):
        torch.nn.ParameterDict()["keys"] = torch.nn.Parameter(torch.ones(1))  # (PyTorch too)
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        pdict()


def test_to_deepcopy_and_pickle(pair: tuple[Any, Any]) -> None:
    ours, _ = pair
    tied = ours.plist[1]
    ours.pdict["tied"] = tied
    n = len(list(ours.parameters()))
    for clone in (copy.deepcopy(ours), pickle.loads(pickle.dumps(ours))):
        assert list(clone.state_dict()) == list(ours.state_dict())
        assert clone.pdict["tied"] is clone.plist[1] and clone.plist[1] is not tied
        assert len(list(clone.parameters())) == n
        assert type(clone.plist) is nn.ParameterList and clone.pdict.keys() == ours.pdict.keys()
        clone.pdict["extra"] = np.ones(1)
        clone.plist.append(np.ones(1))
        assert "extra" not in ours.pdict and len(ours.plist) == 5
    ours.to(np.float32)
    assert all(p.dtype == np.float32 for p in ours.parameters())
    assert ours.plist[0].dtype == np.float32 and ours.pdict["zeta"].dtype == np.float32
    assert ours.blocks[1]["w"].dtype == np.float32


def test_gradients_reach_entries_and_optimisers_update_them() -> None:
    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scales = nn.ParameterList([np.full(3, 2.0), np.full(3, 3.0)])
            self.shift = nn.ParameterDict({"b": np.zeros(3)})

        def forward(self, x: Any) -> Tensor:
            for s in self.scales:
                x = x * s
            return x + self.shift["b"]

    m = Model()
    x = np.arange(3.0)
    y = m(x)
    np.testing.assert_array_equal(y.data, 6.0 * x)
    y.sum().backward()
    np.testing.assert_array_equal(m.scales[0].grad.data, 3.0 * x)
    np.testing.assert_array_equal(m.shift["b"].grad.data, np.ones(3))
    opt = optim.SGD(m.parameters(), lr=0.5)
    opt.step()
    np.testing.assert_array_equal(m.shift["b"].data, -0.5 * np.ones(3))
    assert [n for n, _ in m.named_parameters()] == ["scales.0", "scales.1", "shift.b"]
    m.eval()
    assert not m.scales.training and not m.shift.training


def test_repr_shows_the_parameters() -> None:
    m = nn.Module()
    m.plist = nn.ParameterList([np.ones((2, 3)), np.ones(4, np.float32)])
    text = repr(m)
    assert "(plist): ParameterList()  # 0 (2, 3), 1 (4,) float32: 10 parameters" in text


def test_or_with_a_dict_or_pairs_as_torch() -> None:
    a, b = nn.Parameter(np.ones(1)), nn.Parameter(np.ones(2))
    pdict = nn.ParameterDict({"a": a})
    tdict = torch.nn.ParameterDict({"a": torch.ones(1)})
    merged = pdict | {"c": np.ones(3), "b": b}  # (a plain dict: added in sorted key order)
    assert type(merged) is nn.ParameterDict and merged["b"] is b and merged["a"] is a
    assert merged.keys() == list((tdict | {"c": torch.ones(3), "b": torch.ones(2)}).keys())
    assert merged.keys() == ["a", "b", "c"] and pdict.keys() == ["a"]
    assert (pdict | [("z", b), ("y", a)]).keys() == ["a", "z", "y"]
    left = {"b": b} | pdict  # a dict, as PyTorch's: the dict's entries, then pdict's
    assert type(left) is dict and list(left) == ["b", "a"] and left["a"] is a
    tleft = {"b": torch.ones(2)} | tdict
    assert type(tleft) is dict and list(tleft) == list(left)
    assert type(OrderedDict(b=b) | pdict) is OrderedDict
    with pytest.raises(TypeError, match="unsupported operand"):
        pdict | 3
    with pytest.raises(TypeError, match="unsupported operand"):
        3 | pdict


def test_slice_assignment_is_refused_clearly() -> None:
    plist = nn.ParameterList([np.ones(1), np.ones(1)])
    with pytest.raises(TypeError):
        torch.nn.ParameterList([torch.ones(1), torch.ones(1)])[0:2] = [torch.ones(1)] * 2
    with pytest.raises(TypeError, match=r"ParameterList does not support slice assignment.*"
                                        r"plist\[i\] = value"):
        plist[0:2] = [np.ones(1), np.ones(1)]  # type: ignore[index]
    with pytest.raises(TypeError, match="ParameterList indices must be ints, got str"):
        plist["0"] = np.ones(1)  # type: ignore[index]
    assert len(plist) == 2 and [n for n, _ in plist.named_parameters()] == ["0", "1"]


def test_lists_tuples_and_dicts_in_entries_register_nothing() -> None:
    """As PyTorch keeps such an entry as a plain attribute, the parameters inside it are not
    the container's (nor in the owner's state dict); the entry is given back as it was."""
    p = nn.Parameter(np.ones(1))
    inner = [p]
    plist = nn.ParameterList([inner, (p,), {"k": p}, np.ones(2)])
    tp = torch.nn.Parameter(torch.ones(1))
    tlist = torch.nn.ParameterList([[tp], (tp,), {"k": tp}, torch.ones(2)])
    assert [n for n, _ in plist.named_parameters()] == [n for n, _ in tlist.named_parameters()]
    assert [n for n, _ in plist.named_parameters()] == ["3"]
    assert plist[0] is inner and list(plist)[1] == (p,) and plist[2]["k"] is p
    pdict = nn.ParameterDict([("a", [p]), ("b", np.ones(1))])
    tdict = torch.nn.ParameterDict([("a", [tp]), ("b", torch.ones(1))])
    assert list(pdict.state_dict()) == list(tdict.state_dict()) == ["b"]
    assert pdict["a"] == [p] and pdict.values()[0] == [p] and pdict.items()[0] == ("a", [p])
    owner = nn.Module()
    owner.pdict, owner.plist = pdict, plist
    assert list(owner.state_dict()) == ["pdict.b", "plist.3"]
    assert "0: list, 1: tuple, 2: dict" in repr(plist) and "a: list" in repr(pdict)
    again = pickle.loads(pickle.dumps(owner))
    assert again.plist[0][0] is again.plist[2]["k"] and list(again.state_dict()) == [
        "pdict.b", "plist.3"]
    assert copy.deepcopy(plist)[0][0] is not p
    with pytest.raises(TypeError, match="cannot assign 'list' as parameter '3'"):
        plist[3] = [p]  # over a Parameter: refused, as PyTorch's
    with pytest.raises(TypeError, match="cannot assign 'list' as parameter '3'"):
        tlist[3] = [tp]
    plist[0] = np.zeros(2)  # the list slot becomes a parameter, registered last (as torch)
    tlist[0] = torch.zeros(2)
    assert [n for n, _ in plist.named_parameters()] == [n for n, _ in tlist.named_parameters()]


def test_list_entries_pickle_with_every_protocol() -> None:
    import pickle
    plist = nn.ParameterList([np.ones(2), [1, 2]])
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(plist, protocol))
        assert again[1] == [1, 2] and len(list(again.parameters())) == 1
