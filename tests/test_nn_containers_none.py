"""None entries in ModuleList, Sequential and ModuleDict, side by side with PyTorch 2.13.

An entry set to None (``c[0] = None``, ``setattr(c, "0", None)``, ``add_module("k", None)``)
stays an entry as in PyTorch's ``_modules``: ``len`` counts it, iteration and indexing give
None, ``append`` numbers after it, ``del`` renumbers around it, while ``children()``,
``parameters()`` and the state dict skip it. Each scenario runs on our containers and on
torch's, and the two are compared through the public API only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from nn.activation import ReLU
from nn.containers import ModuleDict, ModuleList
from nn.layers import Linear, Sequential

torch = pytest.importorskip("torch")
tnn = torch.nn


class Lib:
    """What a scenario needs from a library: a Linear, a ReLU and the three containers."""

    def __init__(self, ours: bool) -> None:
        self.ours = ours
        self.ModuleList: Any = ModuleList if ours else tnn.ModuleList
        self.Sequential: Any = Sequential if ours else tnn.Sequential
        self.ModuleDict: Any = ModuleDict if ours else tnn.ModuleDict

    def lin(self, i: int, o: int) -> Any:
        """A Linear(i, o): told apart from the others by its weight's shape (o, i)."""
        return Linear(i, o, rng=np.random.default_rng(0)) if self.ours else tnn.Linear(i, o)

    def make(self, kind: str, n: int = 3) -> Any:
        """A ModuleList or Sequential of Linear(1, 2), Linear(2, 3), ..."""
        mods = [self.lin(k + 1, k + 2) for k in range(n)]
        return self.ModuleList(mods) if kind == "ModuleList" else self.Sequential(*mods)


OURS, THEIRS = Lib(True), Lib(False)
KINDS = ["ModuleList", "Sequential"]


def _entry(m: Any) -> Any:
    return None if m is None else tuple(m.weight.shape) if hasattr(m, "weight") else \
        type(m).__name__


def describe(c: Any, indexed: bool = True) -> dict[str, Any]:
    """Everything public about a list-like container: its entries in order (None, or a
    Linear's weight shape), their count, ``c[i]`` for every i (unless not ``indexed``), and
    the names children() and the state dict use."""
    return {
        "entries": [_entry(m) for m in c],
        "len": len(c),
        "indexed": [_entry(c[i]) for i in range(-len(c), len(c))] if indexed else None,
        "children": [n for n, _ in c.named_children()],
        "modules": [n for n, _ in c.named_modules()],
        "state_dict": list(c.state_dict()),
        "parameters": [tuple(p.shape) for p in c.parameters()],
    }


def describe_dict(d: Any) -> dict[str, Any]:
    """The same for a ModuleDict, with its keys, values and membership."""
    return {
        "keys": list(d.keys()), "iter": list(d), "len": len(d),
        "values": [_entry(m) for m in d.values()],
        "items": [(k, _entry(m)) for k, m in d.items()],
        "getitem": [_entry(d[k]) for k in list(d)],
        "contains": [k in d for k in ("a", "b", "c", "z", "nope")],
        "children": [n for n, _ in d.named_children()],
        "state_dict": list(d.state_dict()),
        "parameters": [tuple(p.shape) for p in d.parameters()],
    }


def both(kind: str, edit: Callable[[Any, Lib], Any], indexed: bool = True
         ) -> tuple[dict[str, Any], dict[str, Any]]:
    """``edit`` applied to a fresh container of ``kind`` of each library; their descriptions
    (and what ``edit`` returned, described)."""
    out = []
    for lib in (OURS, THEIRS):
        c = lib.make(kind)
        ret = edit(c, lib)
        d = describe(c, indexed)
        listlike = (ModuleList, Sequential, tnn.ModuleList, tnn.Sequential)
        d["returned"] = describe(ret, indexed) if isinstance(ret, listlike) else _entry(ret)
        out.append(d)
    return out[0], out[1]


def _set(name: str) -> Callable[[Any, Lib], None]:
    return lambda c, lib: setattr(c, name, None)


def _seq(*steps: Callable[[Any, Lib], Any]) -> Callable[[Any, Lib], Any]:
    def run(c: Any, lib: Lib) -> Any:
        ret = None
        for step in steps:
            ret = step(c, lib)
        return ret
    return run


def _setitem(i: int, new: Any = None) -> Callable[[Any, Lib], None]:
    return lambda c, lib: c.__setitem__(i, new if new is None else lib.lin(*new))


# Each edit empties an entry somehow, then uses the container: every one of them fails on a
# container that forgets None entries (len, iteration, indexing, numbering all shift).
EDITS: dict[str, Callable[[Any, Lib], Any]] = {
    "setattr_first": _set("0"),
    "setattr_middle": _set("1"),
    "setattr_two": _seq(_set("0"), _set("2")),
    "add_module_next_number": lambda c, lib: c.add_module("3", None),
    "add_module_name": lambda c, lib: c.add_module("k", None),
    "setitem": _setitem(0),
    "setitem_negative": _setitem(-1),
    "setitem_twice": _seq(_setitem(1), _setitem(1)),
    "refill_keeps_place": _seq(_setitem(1), _setitem(1, (5, 6))),
    "append_after_none": _seq(_set("0"), lambda c, lib: c.append(lib.lin(4, 5))),
    "append_after_add_module": _seq(lambda c, lib: c.add_module("k", None),
                                    lambda c, lib: c.append(lib.lin(4, 5))),
    "extend_after_none": _seq(_set("1"), lambda c, lib: c.extend([lib.lin(4, 5),
                                                                  lib.lin(5, 6)])),
    "append_none": lambda c, lib: c.append(None),
    "extend_with_none": lambda c, lib: c.extend([None, lib.lin(4, 5), None]),
    "insert_after_none": _seq(_set("0"), lambda c, lib: c.insert(1, lib.lin(4, 5))),
    "insert_before_none": _seq(_set("0"), lambda c, lib: c.insert(0, lib.lin(4, 5))),
    "insert_at_end": _seq(_set("0"), lambda c, lib: c.insert(3, lib.lin(4, 5))),
    "del_none": _seq(_set("1"), lambda c, lib: c.__delitem__(1)),
    "del_before_none": _seq(_set("1"), lambda c, lib: c.__delitem__(0)),
    "del_after_none": _seq(_set("1"), lambda c, lib: c.__delitem__(-1)),
    "del_slice_with_none": _seq(_set("1"), lambda c, lib: c.__delitem__(slice(0, 2))),
    "del_step_slice": _seq(_set("1"), lambda c, lib: c.__delitem__(slice(None, None, 2))),
    "pop_none": _seq(_set("1"), lambda c, lib: c.pop(1)),
    "pop_before_none": _seq(_set("1"), lambda c, lib: c.pop(0)),
    "slice_with_none": _seq(_set("0"), lambda c, lib: c[0:2]),
    "slice_reversed": _seq(_set("0"), lambda c, lib: c[::-1]),
    "slice_after_none": _seq(_set("0"), lambda c, lib: c[1:]),
    "fresh_name_is_an_attribute": _set("7"),  # not an entry in either library
    "eval_with_none": _seq(_set("1"), lambda c, lib: c.eval()),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_none_entries_match_torch(kind: str, edit: str) -> None:
    # (PyTorch's ModuleList cannot index past an entry named "k": see the next test)
    indexed = not (kind == "ModuleList" and edit in ("add_module_name",
                                                     "append_after_add_module"))
    ours, theirs = both(kind, EDITS[edit], indexed)
    assert ours == theirs


def test_module_list_indexes_by_position() -> None:
    """PyTorch's ModuleList looks ``c[i]`` up under the name ``str(i)``, so after
    ``add_module("k", None)`` its last position raises KeyError; ours (and both libraries'
    Sequential) index by position: the None entry is ``c[3]``."""
    tml = THEIRS.make("ModuleList")
    tml.add_module("k", None)
    with pytest.raises(KeyError):
        tml[3]
    ml = OURS.make("ModuleList")
    ml.add_module("k", None)
    assert len(ml) == 4 and ml[3] is None and ml[-1] is None
    first, _, third, _ = ml
    assert ml[2] is third and ml[-4] is first


def test_append_after_none_keeps_every_layer() -> None:
    """The silent loss: with the None entry uncounted, append took the name "2" and replaced
    the third layer."""
    for kind in KINDS:
        c = OURS.make(kind)
        layers = list(c)
        c[0] = None
        new = OURS.lin(4, 5)
        c.append(new)
        assert list(c) == [None, layers[1], layers[2], new] and c[3] is new
        assert list(c.state_dict()) == ["1.weight", "1.bias", "2.weight", "2.bias",
                                        "3.weight", "3.bias"]
        c.add_module("4", None)
        c.append(ReLU())
        assert len(c) == 6 and c[4] is None and isinstance(c[5], ReLU)


def test_constructors_take_none_as_torch() -> None:
    got: list[dict[str, Any]] = []
    want: list[dict[str, Any]] = []
    for lib, out in ((OURS, got), (THEIRS, want)):
        out.append(describe(lib.ModuleList([None, lib.lin(1, 2)])))
        out.append(describe(lib.Sequential(None, lib.lin(1, 2))))
        out.append(describe(lib.Sequential(OrderedDict([("a", None), ("b", lib.lin(1, 2))]))))
        mods = lib.ModuleList([lib.lin(1, 2), None])
        out.append(describe(lib.ModuleList(mods)))  # a ModuleList of a ModuleList
        mods.insert(0, None)  # ModuleList.insert takes None
        out.append(describe(mods))
    assert got == want


def test_sequential_insert_refuses_none_as_torch() -> None:
    with pytest.raises(AssertionError):
        tnn.Sequential(tnn.ReLU()).insert(0, None)
    with pytest.raises(TypeError, match=r"Sequential\.insert: expected a Module, got NoneType"):
        Sequential(ReLU()).insert(0, None)  # type: ignore[arg-type]


def test_sequential_forward_with_none_entry() -> None:
    """PyTorch raises the bare "'NoneType' object is not callable"; ours names the entry."""
    s, ts = OURS.make("Sequential"), THEIRS.make("Sequential")
    s[1], ts[1] = None, None
    with pytest.raises(TypeError, match="NoneType"):
        ts(torch.ones(1, 1))
    with pytest.raises(TypeError, match=r"Sequential: entry '1' is None and cannot be called"):
        s(np.ones((1, 1)))
    named = Sequential(OrderedDict([("enc", OURS.lin(1, 2)), ("act", None)]))
    with pytest.raises(TypeError, match=r"Sequential: entry 'act' is None"):
        named(np.ones((1, 1)))
    s[1] = OURS.lin(2, 3)  # filled again, it is callable
    assert s(np.ones((1, 1))).shape == (1, 4)
    del s[1]
    s.insert(1, OURS.lin(2, 3))
    assert s(np.ones((1, 1))).shape == (1, 4)


def test_module_list_forward_still_missing() -> None:
    ml = ModuleList([None])
    with pytest.raises(NotImplementedError):
        ml(np.ones(1))
    with pytest.raises(NotImplementedError):
        tnn.ModuleList([None])(torch.ones(1))


def test_none_entry_refilled_and_retyped() -> None:
    """A None entry takes a Module back (in place), as PyTorch's, and refuses a non-Module."""
    for lib in (OURS, THEIRS):
        c = lib.make("Sequential")
        c[1] = None
        with pytest.raises(TypeError, match="child module '1'"):
            setattr(c, "1", np.ones(1) if lib.ours else torch.ones(1))
    ml = ModuleList([ReLU()])
    with pytest.raises(TypeError, match=r"ModuleList\.__setitem__: expected a Module, got int"):
        ml[0] = 3  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"ModuleList\.append: expected a Module, got str "
                                        r"\(or None: an empty entry\)"):
        ml.append("relu")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- ModuleDict
def _dict(lib: Lib) -> Any:
    return lib.ModuleDict({"a": lib.lin(1, 2), "b": lib.lin(2, 3), "c": lib.lin(3, 4)})


DICT_EDITS: dict[str, Callable[[Any, Lib], Any]] = {
    "setattr": lambda d, lib: setattr(d, "a", None),
    "setitem": lambda d, lib: d.__setitem__("b", None),
    "setitem_new_key": lambda d, lib: d.__setitem__("z", None),
    "add_module": lambda d, lib: d.add_module("z", None),
    "refill": _seq(lambda d, lib: d.__setitem__("a", None),
                   lambda d, lib: d.__setitem__("a", lib.lin(5, 6))),
    "update": lambda d, lib: d.update({"a": None, "z": None}),
    "update_pairs": lambda d, lib: d.update([("z", None), ("b", None)]),
    "pop_none": _seq(lambda d, lib: d.__setitem__("b", None), lambda d, lib: d.pop("b")),
    "del_none": _seq(lambda d, lib: d.__setitem__("b", None),
                     lambda d, lib: d.__delitem__("b")),
    "clear": _seq(lambda d, lib: d.__setitem__("b", None), lambda d, lib: d.clear()),
    "copy": _seq(lambda d, lib: d.__setitem__("b", None),
                 lambda d, lib: describe_dict(lib.ModuleDict(d))),
    "constructor": lambda d, lib: describe_dict(lib.ModuleDict({"z": None, "a": lib.lin(1, 1)})),
}


@pytest.mark.parametrize("edit", list(DICT_EDITS), ids=list(DICT_EDITS))
def test_module_dict_none_entries_match_torch(edit: str) -> None:
    got = []
    for lib in (OURS, THEIRS):
        d = _dict(lib)
        ret = DICT_EDITS[edit](d, lib)
        got.append((describe_dict(d), ret if isinstance(ret, dict) else _entry(ret)))
    assert got[0] == got[1]


def test_module_dict_none_value_errors() -> None:
    md = ModuleDict({"a": None})
    with pytest.raises(TypeError, match="ModuleDict: expected a Module, got int"):
        md["a"] = 3  # type: ignore[assignment]
    with pytest.raises(KeyError, match="ModuleDict has no key 'q'"):
        md["q"]
    md.pop("a")
    assert len(md) == 0 and "a" not in md and md.keys() == []
    md["a"] = ReLU()  # the emptied key is free for a module again
    assert md.keys() == ["a"]


# ---------------------------------------------------------------------------- deviations
def test_append_onto_a_taken_name_raises() -> None:
    """PyTorch's append names the module ``str(len(self))`` and silently replaces a module
    already under that name (one added out of order); ours refuses rather than lose it."""
    tml = tnn.ModuleList([tnn.ReLU(), tnn.Tanh()])
    tml.add_module("3", tnn.Sigmoid())
    tml.append(tnn.GELU())
    assert [type(m).__name__ for m in tml] == ["ReLU", "Tanh", "GELU"]  # Sigmoid is gone
    ml = ModuleList([ReLU(), ReLU()])
    ml.add_module("3", Linear(1, 1))
    with pytest.raises(ValueError, match=r"ModuleList\.append: the new module's name '3' \(its "
                                         r"position\) is already taken by Linear"):
        ml.append(ReLU())
    assert len(ml) == 3 and isinstance(ml[2], Linear)
    s = Sequential(ReLU(), None, ReLU())[1:]  # a slice keeps the names "1" and "2"
    with pytest.raises(ValueError, match=r"Sequential\.append: the new module's name '2'"):
        s.append(ReLU())


def test_load_state_dict_reports_keys_of_a_none_entry() -> None:
    """PyTorch's load_state_dict ignores keys under a None entry without a word; ours lists
    them as unexpected (and loads nothing), so a checkpoint's weights are never dropped
    silently."""
    ts = THEIRS.make("Sequential")
    full = ts.state_dict()
    ts[0] = None
    assert ts.load_state_dict(full).unexpected_keys == []
    s = OURS.make("Sequential")
    full = s.state_dict()
    s[0] = None
    assert s.load_state_dict(full, strict=False).unexpected_keys == ["0.weight", "0.bias"]


def test_repr_shows_none_entries_as_torch() -> None:
    s, ts = Sequential(None, ReLU()), tnn.Sequential(None, tnn.ReLU())
    assert repr(s).splitlines()[:3] == repr(ts).splitlines()[:3]
