"""Module: discovery of parameters and sub-modules, walks, modes, repr, name scopes, deep trees."""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini import Node, Tensor, current_scope

RNG = np.random.default_rng


class Holder(nn.Module):
    """Members in an attribute, a list, a tuple, a dict and a dict inside a list."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(np.ones(3))
        self.blocks = [nn.Linear(3, 4, rng=RNG(0)), nn.ReLU(), nn.Linear(4, 2, rng=RNG(1))]
        self.pair = (nn.Parameter(np.zeros(2)), nn.Linear(2, 2, rng=RNG(2)))
        self.heads = {"a": nn.Linear(2, 1, rng=RNG(3)), 7: nn.Parameter(np.ones(1))}
        self.deep = [{"x": [nn.Parameter(np.full(2, 5.0))]}]
        self.not_a_param = Tensor(np.ones(2), requires_grad=True)
        self.number = 3

    def forward(self, x: Any) -> Tensor:
        for mod in self.blocks:
            x = mod(x)
        return x


def test_named_parameters_finds_every_container_in_order() -> None:
    names = [n for n, _ in Holder().named_parameters()]
    assert names == [
        "scale", "pair.0", "heads.7", "deep.0.x.0",
        "blocks.0.weight", "blocks.0.bias", "blocks.2.weight", "blocks.2.bias",
        "pair.1.weight", "pair.1.bias", "heads.a.weight", "heads.a.bias",
    ]
    params = list(Holder().parameters())
    assert len(params) == 12
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in params)


def test_children_and_modules() -> None:
    h = Holder()
    kids = list(h.named_children())
    assert [n for n, _ in kids] == ["blocks.0", "blocks.1", "blocks.2", "pair.1", "heads.a"]
    assert list(h.children()) == [m for _, m in kids]
    mods = list(h.named_modules())
    assert mods[0] == ("", h)
    assert [n for n, _ in mods[1:]] == ["blocks.0", "blocks.1", "blocks.2", "pair.1", "heads.a"]
    assert list(h.modules()) == [m for _, m in mods]


class Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Linear(3, 3, rng=RNG(0))
        self.dec = nn.Linear(3, 3, rng=RNG(1))
        self.dec.weight = self.enc.weight
        self.again = self.enc  # the same module twice

    def forward(self, x: Any) -> Tensor:
        return self.dec(self.enc(x))


def test_tied_weights_and_shared_modules_are_listed_once() -> None:
    t = Tied()
    assert [n for n, _ in t.named_parameters()] == ["enc.weight", "enc.bias", "dec.bias"]
    assert len(list(t.modules())) == 3
    assert t.num_parameters() == 9 + 3 + 3
    assert list(t.state_dict()) == ["enc.weight", "enc.bias", "dec.bias"]
    out = t(Tensor(np.ones((2, 3))))
    out.sum().backward()
    assert t.enc.weight.grad is t.dec.weight.grad  # one parameter, gradients accumulated


def test_train_eval_propagate_and_zero_grad() -> None:
    m = nn.MLP([2, 3, 1], dropout=0.5, rng=RNG(0))
    assert m.training and all(mod.training for mod in m.modules())
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    with pytest.raises(TypeError, match="bool"):
        m.train("no")  # type: ignore[arg-type]
    m(Tensor(np.ones((4, 2)))).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m(Tensor(np.ones((4, 2)))).sum().backward()
    grads = [p.grad for p in m.parameters()]
    m.zero_grad(set_to_none=False)  # as PyTorch's: the same arrays, filled with zeros
    assert all(p.grad is g and g is not None and not g.data.any()
               for p, g in zip(m.parameters(), grads))
    with pytest.raises(TypeError, match="set_to_none must be a bool"):
        m.zero_grad(set_to_none="yes")  # type: ignore[arg-type]


def test_requires_grad_apply_and_forward_missing() -> None:
    m = nn.MLP([2, 3, 1], rng=RNG(0))
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    seen: list[str] = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "ReLU", "Linear", "MLP"]  # sub-modules first, as PyTorch
    with pytest.raises(NotImplementedError, match="Bare"):
        type("Bare", (nn.Module,), {})()(1.0)


def test_apply_visits_sub_modules_first_as_pytorch_so_a_model_level_rule_wins() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 2, rng=RNG(0)), nn.ReLU())
            self.head = nn.Linear(2, 1, rng=RNG(1))

    def init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.ones_(m.weight)
        if isinstance(m, Net):
            nn.init.zeros_(m.head.weight)  # the model's own rule for its head

    net = Net().apply(init)
    assert np.all(net.head.weight.data == 0) and np.all(net.body[0].weight.data == 1)
    torch = pytest.importorskip("torch")
    tnet = torch.nn.Module()
    tnet.body = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    tnet.head = torch.nn.Linear(2, 1)
    ours: list[str] = []
    theirs: list[str] = []
    net.apply(lambda m: ours.append(type(m).__name__))
    tnet.apply(lambda m: theirs.append(type(m).__name__))
    assert ours[:-1] == theirs[:-1] == ["Linear", "ReLU", "Sequential", "Linear"]


def test_module_without_super_init_still_works() -> None:
    class NoInit(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(np.ones(2))

        def forward(self, x: Any) -> Tensor:
            return x * self.w

    m = NoInit()
    assert m.training and [n for n, _ in m.named_parameters()] == ["w"]
    assert m(Tensor(np.ones(2))).shape == (2,)


def test_repr_tree_shows_shapes_and_counts() -> None:
    m = nn.MLP([2, 3, 1], rng=RNG(0))
    assert repr(m) == (
        "MLP(\n"
        "  sizes=[2, 3, 1]\n"
        "  (layers.0): Linear(in_features=2, out_features=3, bias=True)"
        "  # weight (3, 2), bias (3,): 9 parameters\n"
        "  (layers.1): ReLU()\n"
        "  (layers.2): Linear(in_features=3, out_features=1, bias=True)"
        "  # weight (1, 3), bias (1,): 4 parameters\n"
        ")  # 13 parameters"
    )
    h = repr(Holder())
    assert "scale (3,)" in h and "(heads.a): Linear" in h
    assert h.endswith(f"# {Holder().num_parameters()} parameters")
    assert repr(nn.Linear(2, 1, dtype=np.float32, rng=RNG(0))).endswith(
        "# weight (1, 2) float32, bias (1,) float32: 3 parameters"
    )


def test_register_buffer() -> None:
    class WithBuf(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("count", np.zeros(2))
            self.register_buffer("nothing", None)

    m = WithBuf()
    assert list(m.state_dict()) == ["count"]
    assert [n for n, _ in m.named_buffers()] == ["count"]
    with pytest.raises(KeyError, match=r"register_buffer: buffer name can't contain \"\.\""):
        m.register_buffer("a.b", np.zeros(1))
    with pytest.raises(TypeError, match="numeric"):
        m.register_buffer("s", np.array(["x"]))
    m.w = nn.Parameter(np.ones(1))
    with pytest.raises(KeyError, match="attribute 'w' already exists"):
        m.register_buffer("w", np.zeros(1))


# ----------------------------------------------------------------------------- name scopes
def _scopes(out: Tensor) -> set[tuple[str, ...]]:
    """The name-scope path of every node in the graph of ``out``."""
    found, stack, seen = set(), [out.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        found.add(tuple(node.scope))
        stack.extend(p for p in node.parents if isinstance(p, Node))
    return found


def test_each_layer_call_opens_its_name_scope() -> None:
    m = nn.MLP([2, 3, 1], activation="tanh", rng=RNG(0))
    out = m(Tensor(np.ones((4, 2))))
    assert _scopes(out) == {("MLP", "layers.0"), ("MLP", "layers.1"), ("MLP", "layers.2")}
    assert current_scope() == ()
    lone = nn.Linear(2, 2, rng=RNG(0))
    assert _scopes(lone(Tensor(np.ones(2)))) == {("Linear",)}


def test_nested_scopes_use_full_paths() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 2, rng=RNG(0)), nn.Sigmoid())
            self.loss = nn.MSELoss()
            self.outside = [nn.Tanh()]

        def forward(self, x: Any) -> Tensor:
            return self.loss(self.body(x), np.zeros((3, 2)))

    out = Net()(Tensor(np.ones((3, 2))))
    assert _scopes(out) == {("Net", "body", "body.0"), ("Net", "body", "body.1"), ("Net", "loss")}
    stranger = nn.Tanh()

    class Caller(nn.Module):
        def forward(self, x: Any) -> Tensor:
            return stranger(x)

    assert _scopes(Caller()(Tensor(np.ones(2), requires_grad=True))) == {("Caller", "Tanh")}


def test_scope_names_follow_changes_to_the_tree() -> None:
    m = nn.MLP([2, 2, 2, 2], activation="identity", rng=RNG(0))
    x = Tensor(np.ones((1, 2)))
    m(x)
    m.layers[0], m.layers[2] = m.layers[2], m.layers[0]  # reorder after names were cached
    m.layers[4] = nn.Linear(2, 2, rng=RNG(5))
    out = m(x)
    node = out.grad_fn
    assert node is not None and node.scope == ("MLP", "layers.4")
    first = m.layers[0](x)
    assert first.grad_fn is not None and first.grad_fn.scope == ("Linear",)


def test_scope_is_closed_when_forward_raises() -> None:
    m = nn.MLP([2, 2], rng=RNG(0))
    with pytest.raises(ValueError, match="Linear"):
        m(Tensor(np.ones((1, 3))))
    assert current_scope() == ()
    assert _scopes(m(Tensor(np.ones((1, 2))))) == {("MLP", "layers.0")}


# ----------------------------------------------------------------------------- deep trees
class Wrap(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.m = inner


DEPTH = 10_000


@pytest.fixture(scope="module")
def deep() -> nn.Module:
    mod: nn.Module = nn.Linear(2, 1, rng=RNG(0))
    for _ in range(DEPTH):
        mod = Wrap(mod)
    mod.s = nn.Parameter(np.ones(1))
    return mod


def test_deep_tree_walks_without_recursion(deep: nn.Module) -> None:
    limit = sys.getrecursionlimit()
    assert limit < DEPTH  # a recursive walk would fail
    leaf = "m." * DEPTH
    assert len(list(deep.parameters())) == 3
    assert [n for n, _ in deep.named_parameters()] == ["s", leaf + "weight", leaf + "bias"]
    assert len(list(deep.modules())) == DEPTH + 1
    assert sum(1 for _ in deep.named_modules()) == DEPTH + 1
    deep.eval()
    assert not any(m.training for m in deep.modules())
    deep.train()
    assert all(m.training for m in deep.modules())
    for p in deep.parameters():
        p.grad = Tensor(np.ones(p.shape))
    deep.zero_grad()
    assert all(p.grad is None for p in deep.parameters())
    sd = deep.state_dict()
    assert list(sd) == ["s", leaf + "weight", leaf + "bias"]
    sd[leaf + "bias"] = np.array([42.0])
    deep.load_state_dict(sd)
    assert list(deep.parameters())[-1].data.tolist() == [42.0]
    text = repr(deep)
    assert text.count("\n") == 2 * DEPTH  # a header and a footer per Wrap, one Linear line
    assert "(m): Linear(in_features=2, out_features=1, bias=True)" in text
    assert sys.getrecursionlimit() == limit


def test_deeply_nested_containers() -> None:
    m = nn.Module()
    box: list[Any] = []
    m.box = box
    for _ in range(DEPTH):
        inner: list[Any] = []
        box.append(inner)
        box = inner
    box.append(nn.Parameter(np.ones(1)))
    ((name, _),) = m.named_parameters()
    assert name == "box" + ".0" * (DEPTH + 1)
    cyclic: list[Any] = [nn.Parameter(np.ones(1))]
    cyclic.append(cyclic)
    m.cyc = cyclic
    assert len(list(m.parameters())) == 2


def test_pytorch_module_options_recurse_persistent_and_channel_dropout() -> None:
    net = nn.Sequential(nn.Linear(2, 2, rng=RNG(0)), nn.Linear(2, 1, rng=RNG(1)))
    assert list(net.parameters(recurse=False)) == []
    assert [n for n, _ in net[0].named_parameters(recurse=False)] == ["weight", "bias"]

    class Masked(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mask", np.tril(np.ones((3, 3))), persistent=False)
            self.register_buffer("count", np.array(0))

    m = Masked()
    assert list(m.state_dict()) == ["count"] and [n for n, _ in m.named_buffers()] == [
        "mask", "count"]
    m.load_state_dict({"count": np.array(4)})  # strict: the mask is not expected
    assert int(m.count) == 4 and m.mask.sum() == 6
    x = Tensor(np.ones((4, 6, 3, 3)))
    drop = nn.Dropout2d(0.5, rng=RNG(2))
    y = drop(x).data
    assert np.all(y == y[:, :, :1, :1]) and set(np.unique(y)) <= {0.0, 2.0}  # whole channels
    assert 0 < (y[:, :, 0, 0] == 0).sum() < 24
    drop.eval()
    assert drop(x) is x or np.array_equal(drop(x).data, x.data)
    y1 = nn.Dropout1d(0.5, rng=RNG(3))(Tensor(np.ones((2, 5, 7)))).data
    assert np.all(y1 == y1[:, :, :1])
    with pytest.raises(ValueError, match=r"Dropout2d: input must be \(N, C, \.\.\.\)"):
        nn.Dropout2d()(Tensor(np.ones(3)))
    # A 3-d input is one unbatched (C, H, W) image; PyTorch 2.13 reads (N, C, L): both warn.
    drop = nn.Dropout2d(0.5, rng=RNG(4))
    with pytest.warns(UserWarning, match=r"Dropout2d: the 3-d input of shape \(8, 4, 5\) is "
                      r"read as one unbatched image \(C, H, W\).*use nn.Dropout1d") as seen:
        y = drop(Tensor(np.ones((8, 4, 5)))).data
    assert seen[0].filename == __file__  # points at the call
    assert np.all(y == y[:, :1, :1])  # whole channels of the one image
    drop.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drop(Tensor(np.ones((8, 4, 5))))  # the identity in eval mode: nothing to warn about
        nn.Dropout1d(0.5)(Tensor(np.ones((8, 4, 5))))  # (N, C, L): Dropout1d's own reading


def test_forward_hooks_read_and_replace_as_in_pytorch() -> None:
    net = nn.Sequential(nn.Linear(2, 3, rng=RNG(0)), nn.ReLU(), nn.Linear(3, 1, rng=RNG(1)))
    x = Tensor(RNG(2).normal(size=(4, 2)))
    seen: dict[str, Any] = {}
    handle = net[1].register_forward_hook(lambda m, args, out: seen.update(relu=out))
    y = net(x)
    assert seen["relu"].shape == (4, 3) and np.all(seen["relu"].data >= 0)
    handle.remove()
    seen.clear()
    net(x)
    assert not seen and not vars(net[1]).get("_forward_hooks")
    # a pre-hook replaces the input, a hook the output; both recorded, in registration order
    net[0].register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    doubled = net[2].register_forward_hook(lambda m, args, out: out * 2)
    net[2].register_forward_hook(lambda m, args, out: out + 1)
    w = Tensor(x.data, requires_grad=True)
    out = net(w)
    h = am.relu(am.linear(2 * x.data, net[0].weight, net[0].bias))
    want = (am.linear(h, net[2].weight, net[2].bias) * 2 + 1).data
    np.testing.assert_allclose(out.data, want, rtol=1e-12)
    am.sum(out).backward()
    assert w.grad is not None and np.any(w.grad.data != 0)
    doubled.remove()
    np.testing.assert_allclose(net(x).data, (want - 1) / 2 + 1, rtol=1e-12)
    assert y.shape == (4, 1)
    with pytest.raises(TypeError, match="hook must be callable"):
        net.register_forward_hook("not a function")  # type: ignore[arg-type]


def test_a_module_called_but_not_held_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared activation that is no member of its callers: the miss is remembered (each call
    walked the caller's whole tree again: a forward quadratic in the model's size)."""
    import nn.module as module_mod

    act = nn.ReLU()

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 2, rng=RNG(0))

        def forward(self, x: Any) -> Any:
            return act(self.lin(x))

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = nn.ModuleList([Block() for _ in range(5)])

        def forward(self, x: Any) -> Any:
            for b in self.blocks:
                x = act(b(x))
            return x

    net, x = Net(), Tensor(np.ones((1, 2)))
    net(x)
    walks = {"n": 0}
    real = module_mod._descendant

    def counted(root: Any, child: Any) -> Any:
        walks["n"] += 1
        return real(root, child)

    monkeypatch.setattr(module_mod, "_descendant", counted)
    net(x)
    assert walks["n"] == 0
