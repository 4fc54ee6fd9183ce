"""Module hooks as PyTorch's: forward hooks with ``prepend``, ``with_kwargs`` and
``always_call``, and full backward hooks and pre-hooks (grad_input and grad_output read and
replaced), each checked against torch where it is installed."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from autograd_mini import Tensor

RNG = np.random.default_rng(0)


class Scaled(nn.Module):
    """forward(a, b, scale=1.0) = (a·b·scale, a + b): two tensor inputs, two outputs."""

    def forward(self, a: Tensor, b: Tensor, scale: float = 1.0) -> tuple[Tensor, Tensor]:
        return a * b * scale, a + b


class Cube(nn.Module):
    """forward(t) = t³"""

    def forward(self, t: Tensor) -> Tensor:
        return t * t * t


def torch_scaled() -> Any:
    torch: Any = pytest.importorskip("torch")

    class TScaled(torch.nn.Module):
        def forward(self, a: Any, b: Any, scale: float = 1.0) -> Any:
            return a * b * scale, a + b

    return TScaled()


def arrays(*shape: int) -> np.ndarray:
    return RNG.normal(size=shape)


def _order(mod: Any, make: Any) -> list[str]:
    """The calls of five hooks of ``mod`` (pre-hooks and hooks, one prepended of each kind,
    one pre-hook doubling the keyword ``scale``), checking the result."""
    log: list[str] = []

    def double_scale(m: Any, args: Any, kwargs: Any) -> Any:
        log.append(f"kw{kwargs}")
        return args, {"scale": kwargs["scale"] * 2}

    mod.register_forward_pre_hook(lambda m, a: log.append("pre1"))
    mod.register_forward_pre_hook(lambda m, a: log.append("pre0"), prepend=True)
    mod.register_forward_pre_hook(double_scale, with_kwargs=True)
    mod.register_forward_hook(lambda m, a, out: log.append("post1"))
    mod.register_forward_hook(lambda m, a, kw, out: log.append(f"post0{kw}"), prepend=True,
                              with_kwargs=True)
    out = mod(make(np.ones(2)), make(np.full(2, 3.0)), scale=0.5)
    np.testing.assert_allclose(_array(out[0]), [3.0, 3.0])
    return log


def _array(t: Any) -> Any:
    """A Tensor's or a torch tensor's values (None stays None)."""
    return None if t is None else np.asarray(t.detach() if hasattr(t, "detach") else t.data)


def test_forward_hooks_run_in_order_with_prepend_and_kwargs_as_torch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _order(Scaled(), Tensor), _order(torch_scaled(), torch.tensor)
    assert ours == theirs == ["pre0", "pre1", "kw{'scale': 0.5}", "post0{'scale': 1.0}",
                              "post1"]


def test_a_pre_hook_with_kwargs_returning_another_thing_is_refused() -> None:
    mod = Scaled()
    mod.register_forward_pre_hook(lambda m, a, kw: [a, kw], with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"Scaled: a forward pre-hook with with_kwargs=True "
                                           r"must return None or a tuple \(new_args"):
        mod(Tensor([1.0, 2.0]), Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="prepend must be a bool"):
        mod.register_forward_hook(lambda m, a, o: None, prepend=1)  # type: ignore[arg-type]


def _always(mod: Any, make: Any) -> list[Any]:
    """What three forward hooks of ``mod`` saw of a call whose forward raised."""
    seen: list[Any] = []

    def broken(m: Any, a: Any, out: Any) -> None:
        raise ValueError("hook failed too")

    mod.register_forward_hook(lambda m, a, out: seen.append("plain"))
    mod.register_forward_hook(lambda m, a, out: seen.append(("always", out)), always_call=True)
    mod.register_forward_hook(broken, always_call=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(Exception):  # noqa: B017  (each framework's own shape error)
            mod(make(np.ones(2)), make(np.ones(3)))
    assert any("hook failed too" in str(w.message) for w in caught)
    return seen


def test_always_call_hooks_run_when_forward_raises_as_torch() -> None:
    torch = pytest.importorskip("torch")
    assert _always(Scaled(), Tensor) == _always(torch_scaled(), torch.tensor) == [
        ("always", None)]


def _run(mod: Any, make: Any, grad: bool = True) -> tuple[Any, Any]:
    """A backward pass through ``mod`` (a Scaled) called on two inputs; the inputs."""
    a = make(np.array([1.0, 2.0]), requires_grad=grad)
    b = make(np.array([3.0, -1.0]), requires_grad=True)
    p, s = mod(a, b, 2.0)
    ((p * p).sum() + (s * 3.0).sum()).backward()
    return a, b


def _seen(mod: Any, make: Any) -> tuple[list[Any], Any, Any]:
    """What a backward pre-hook and a backward hook of ``mod`` saw, and the inputs' grads."""
    seen: list[Any] = []
    mod.register_full_backward_pre_hook(lambda m, go: seen.append(("pre", go)))
    mod.register_full_backward_hook(lambda m, gi, go: seen.append(("hook", gi, go)))
    a, b = _run(mod, make)
    return ([(kind, [[_array(t) for t in group] for group in rest]) for kind, *rest in seen],
            _array(a.grad), _array(b.grad))


def _torch_float64() -> Any:
    torch = pytest.importorskip("torch")
    return lambda v, **k: torch.tensor(v, dtype=torch.float64, **k)


def test_full_backward_hooks_see_grad_input_and_grad_output_as_torch() -> None:
    ours, theirs = _seen(Scaled(), Tensor), _seen(torch_scaled(), _torch_float64())
    assert [k for k, _ in ours[0]] == [k for k, _ in theirs[0]] == ["pre", "hook"]
    for (_, mine), (_, torch_groups) in zip(ours[0], theirs[0]):
        for g1, g2 in zip(mine, torch_groups):
            for x1, x2 in zip(g1, g2):
                assert (x1 is None) == (x2 is None)
                if x1 is not None:
                    np.testing.assert_allclose(x1, x2)
    np.testing.assert_allclose(ours[1], theirs[1])
    np.testing.assert_allclose(ours[2], theirs[2])


def _replaced(mod: Any, make: Any) -> list[Any]:
    """The inputs' grads when hooks scale grad_output[0] by 10 and negate grad_input[1]."""
    mod.register_full_backward_pre_hook(lambda m, go: (go[0] * 10.0, go[1]))
    mod.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[1] * -1.0, None))
    return [_array(t.grad) for t in _run(mod, make)]


def test_hooks_replace_grad_output_and_grad_input_as_torch() -> None:
    ours, theirs = _replaced(Scaled(), Tensor), _replaced(torch_scaled(), _torch_float64())
    np.testing.assert_allclose(ours[0], theirs[0])
    np.testing.assert_allclose(ours[1], theirs[1])


def test_with_no_input_requiring_grad_the_hook_runs_with_none_as_torch() -> None:
    torch = pytest.importorskip("torch")
    lin = nn.Linear(3, 2, rng=np.random.default_rng(1))
    tlin = torch.nn.Linear(3, 2).double()
    tlin.load_state_dict({k: torch.tensor(v) for k, v in lin.state_dict().items()})
    x = arrays(4, 3)
    seen: list[Any] = []
    for mod, make in ((lin, Tensor), (tlin, torch.tensor)):
        mod.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
        with warnings.catch_warnings():  # torch warns that the hook fires on the outputs
            warnings.simplefilter("ignore", UserWarning)
            mod(make(x)).sum().backward()
    assert seen[0][0] == seen[1][0] == (None,)
    assert tuple(seen[0][1]) == tuple(seen[1][1]) == (4, 2)
    lin.register_full_backward_hook(lambda m, gi, go: (Tensor(np.ones((4, 3))),))
    with pytest.raises(RuntimeError, match="no input of this call requires grad"):
        lin(Tensor(x)).sum().backward()


def test_a_hook_returning_the_wrong_count_or_shape_is_refused() -> None:
    mod = Scaled()
    handle = mod.register_full_backward_hook(lambda m, gi, go: (gi[0],))
    with pytest.raises(RuntimeError, match=r"Scaled: a backward hook returned 1 values for "
                                           r"grad_input, expected None or a tuple of 3"):
        _run(mod, Tensor)
    handle.remove()
    mod.register_full_backward_pre_hook(lambda m, go: (go[0][:1], go[1]))
    with pytest.raises(ValueError, match=r"backward pre-hook returned grad_output\[0\] of "
                                         r"shape \(1,\), expected \(2,\)"):
        _run(mod, Tensor)


def test_hooks_fire_per_call_per_backward_and_stop_when_removed() -> None:
    lin = nn.Linear(2, 2, rng=np.random.default_rng(2))
    count = [0]
    handle = lin.register_full_backward_hook(lambda m, gi, go: count.__setitem__(0, count[0] + 1))
    x = Tensor(arrays(3, 2), requires_grad=True)
    loss = (lin(lin(x)) ** 2).sum()  # two calls
    loss.backward(retain_graph=True)
    assert count[0] == 2
    loss.backward()
    assert count[0] == 4
    handle.remove()
    (lin(x) ** 2).sum().backward()
    assert count[0] == 4 and not vars(lin).get("_forward_hooks")


def test_hooks_keep_float32_and_second_order_gradients() -> None:
    lin = nn.Linear(2, 1, rng=np.random.default_rng(3)).to(np.float32)
    dtypes: list[Any] = []
    lin.register_full_backward_hook(lambda m, gi, go: dtypes.append((gi[0].dtype, go[0].dtype)))
    x = Tensor(arrays(5, 2).astype(np.float32), requires_grad=True)
    (lin(x) ** 2).sum().backward()
    assert dtypes == [(np.float32, np.float32)] and x.grad is not None
    assert x.grad.dtype == np.float32
    cube = Cube()
    scale = cube.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2.0,))
    y = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    cube(y).sum().backward(create_graph=True)
    g = y.grad
    assert g is not None
    np.testing.assert_allclose(g.data, 2.0 * 3.0 * y.data ** 2)
    y.grad = None
    g.sum().backward()
    np.testing.assert_allclose(_array(y.grad), 2.0 * 6.0 * y.data)
    scale.remove()


def test_hooks_do_not_gate_under_no_grad() -> None:
    """Under no_grad, forward gets the caller's tensor itself and returns its own output."""
    seen: list[Any] = []
    lin = nn.Linear(2, 2, rng=np.random.default_rng(4))
    lin.register_forward_pre_hook(lambda m, a: seen.append(a[0]))
    lin.register_forward_hook(lambda m, a, out: seen.append(out))
    lin.register_full_backward_hook(lambda m, gi, go: None)
    x = Tensor(arrays(1, 2), requires_grad=True)
    with am.no_grad():
        out = lin(x)
    assert seen[0] is x and out is seen[1] and not out.requires_grad
    y = lin(x)  # recording: the caller gets the output through the gate, a new tensor
    assert y is not seen[3] and y.requires_grad


def test_integer_inputs_and_non_tensor_arguments_get_none_as_torch() -> None:
    torch = pytest.importorskip("torch")
    emb = nn.Embedding(5, 3, rng=np.random.default_rng(5))
    temb = torch.nn.Embedding(5, 3).double()
    temb.load_state_dict({k: torch.tensor(v) for k, v in emb.state_dict().items()})
    seen: list[Any] = []
    for mod, make in ((emb, Tensor), (temb, torch.tensor)):
        mod.register_full_backward_hook(lambda m, gi, go: seen.append((gi, tuple(go[0].shape))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            mod(make(np.array([0, 3, 3]))).sum().backward()
    assert seen[0] == seen[1] == ((None,), (3, 3))
    assert _constant_and_unused(Scaled(), Tensor) == _constant_and_unused(
        torch_scaled(), _torch_float64())


def _constant_and_unused(mod: Any, make: Any) -> list[Any]:
    """What hooks see of a floating argument that does not require grad (zeros, as torch),
    a number argument (None), and an output the loss does not use (None)."""
    got: list[Any] = []
    mod.register_full_backward_pre_hook(lambda m, go: got.append(("pre", go[1])))
    mod.register_full_backward_hook(lambda m, gi, go: got.append(("hook", *gi, go[1])))
    a = make(np.ones(2), requires_grad=True)
    p, _ = mod(a, make(np.full(2, 2.0)), 3.0)
    p.sum().backward()
    return [tuple(None if v is None else v if isinstance(v, (str, float)) else
                  _array(v).tolist() for v in entry) for entry in got]


def test_review_cases_of_forward_and_backward_hooks() -> None:
    """A with_kwargs pre-hook returning a list of arguments (passed as one argument); a
    backward hook making a call's other floating arguments require grad (target checks were
    skipped); drawing a hooked model (which ran the hooks); an always_call hook when a
    pre-hook raises (not called); a hook returning strings (NumPy's bare error)."""
    lin = nn.Linear(2, 2, rng=np.random.default_rng(8))
    lin.register_forward_pre_hook(lambda m, a, kw: (list(a), kw), with_kwargs=True)
    assert lin(Tensor(np.ones((1, 2)))).shape == (1, 2)
    loss = nn.BCEWithLogitsLoss()
    loss.register_full_backward_hook(lambda m, gi, go: None)
    with pytest.raises(ValueError, match="every element of target must lie in"):
        loss(Tensor(np.zeros(2), requires_grad=True), Tensor(np.array([-1.0, 1.0])))
    calls = [0]
    lin.register_full_backward_hook(lambda m, gi, go: calls.__setitem__(0, calls[0] + 1))
    y = (lin(Tensor(np.ones((1, 2)), requires_grad=True)) ** 2).sum()
    am.draw_graph(y)
    am.explain_backward(y)
    assert calls[0] == 0
    y.backward()
    assert calls[0] == 1
    seen: list[Any] = []
    broken = nn.Linear(2, 2, rng=np.random.default_rng(9))
    broken.register_forward_pre_hook(lambda m, a: 1 / 0)
    broken.register_forward_hook(lambda m, a, out: seen.append(out), always_call=True)
    with pytest.raises(ZeroDivisionError):
        broken(Tensor(np.ones((1, 2))))
    assert seen == [None]
    lin.register_full_backward_hook(lambda m, gi, go: ("abc",))
    with pytest.raises(TypeError, match=r"Linear: a backward hook returned grad_input\[0\] = "
                                        "'abc', not numbers"):
        (lin(Tensor(np.ones((1, 2)), requires_grad=True)) ** 2).sum().backward()


class Mixed(nn.Module):
    """forward(x, idx, mask) = (x · 2, x · 3): a float input, an int and a bool tensor."""

    def forward(self, x: Tensor, idx: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        return x * 2.0, x * 3.0


def torch_mixed() -> Any:
    torch: Any = pytest.importorskip("torch")

    class TMixed(torch.nn.Module):
        def forward(self, x: Any, idx: Any, mask: Any) -> Any:
            return x * 2.0, x * 3.0

    return TMixed()


def _given(mod: Any, make: Any, index: Any, boolean: Any) -> tuple[Any, ...]:
    """A pre-hook gives the unused second output a gradient of 10: what the hook sees of
    grad_input (with an int and a bool argument) and grad_output, and x's gradient."""
    seen: list[Any] = []
    mod.register_full_backward_pre_hook(
        lambda m, go: (go[0], go[0] * 10.0) if go[1] is None else None)
    mod.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    x = make(np.ones(2), requires_grad=True)
    a, _ = mod(x, index(np.array([1, 2])), boolean(np.array([True, False])))
    a.sum().backward()
    gi, go = seen[0]
    return (tuple((str(g.dtype).replace("torch.", ""), _array(g).tolist()) for g in gi),
            [_array(g).tolist() for g in go], _array(x.grad).tolist())


def test_a_pre_hooks_gradient_for_an_unused_output_flows_and_int_args_get_zeros() -> None:
    """Given for an output no gradient reached, it was dropped (x.grad 2 for 32); an int or
    bool argument had None in grad_input where torch has zeros of its dtype."""
    torch = pytest.importorskip("torch")
    ours = _given(Mixed(), Tensor, Tensor, Tensor)
    theirs = _given(torch_mixed(), _torch_float64(), torch.tensor, torch.tensor)
    assert ours[1:] == theirs[1:] and ours[2] == [32.0, 32.0]
    assert [v for _, v in ours[0]] == [v for _, v in theirs[0]]
    assert [d for d, _ in ours[0]][1:] == [d for d, _ in theirs[0]][1:] == ["int64", "bool"]


def test_the_deprecated_register_backward_hook_names_the_full_one() -> None:
    with pytest.raises(AttributeError, match=r"'Linear' object has no attribute "
                                             r"'register_backward_hook' \(a PyTorch name\): use "
                                             r"register_full_backward_hook\(hook\)"):
        nn.Linear(2, 2).register_backward_hook(lambda m, gi, go: None)


class Residual(nn.Module):
    """forward(x) = x + lin(x), written in place."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2, rng=np.random.default_rng(11))

    def forward(self, x: Tensor) -> Tensor:
        x += self.lin(x)
        return x


class Named(nn.Module):
    """forward(x) = {"double": 2x}"""

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        return {"double": x * 2.0}


def test_hooks_refuse_in_place_updates_of_gated_inputs_and_warn_on_other_outputs() -> None:
    """``x += …`` inside forward updated the gate's piece, not the caller's tensor, so a hook
    that did nothing changed the result (PyTorch refuses it); a dict output was never hooked,
    silently (PyTorch warns)."""
    res = Residual()
    x = am.Tensor(np.ones((1, 2)), requires_grad=True) * 1.0
    expected = (x + res.lin(x)).data
    res(x)  # without hooks: the caller's x is updated in place, as PyTorch's
    np.testing.assert_allclose(x.data, expected)
    res.register_full_backward_hook(lambda m, gi, go: None)
    with pytest.raises(RuntimeError, match=r"\+=: the tensor is module_hooks_piece's result, "
                                           "which stands for a tensor its caller holds"):
        res(x)
    named = Named()
    named.register_full_backward_hook(lambda m, gi, go: None)
    with pytest.warns(UserWarning, match="Named: its backward hooks run only when it returns "
                                         "a Tensor, or a tuple or list of them; this call "
                                         "returned a dict"):
        named(am.Tensor(np.ones(2), requires_grad=True))
