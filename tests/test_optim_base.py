"""Optimizer base behaviour: groups, lazy state, skipping, dtype, in-place updates, validation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import optim
from autograd_mini import Tensor, is_grad_enabled

ALL = [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (optim.RMSProp, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (optim.Adam, {"lr": 0.01, "amsgrad": True}),
    (optim.AdamW, {"lr": 0.01}),
    (optim.Adagrad, {"lr": 0.1}),
    (optim.NAdam, {"lr": 0.01, "decoupled_weight_decay": True}),
    (optim.RAdam, {"lr": 0.01}),
    (optim.Adamax, {"lr": 0.01}),
    (optim.Adadelta, {"lr": 1.0}),
    (optim.ASGD, {"lr": 0.01}),
]
IDS = [cls.__name__ for cls, _ in ALL]


def param(values: Any, dtype: Any = np.float64) -> Tensor:
    return Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def backward_square(*params: Tensor) -> None:
    """Give every parameter the gradient of Σ θ², i.e. 2θ."""
    total = None
    for p in params:
        term = (p * p).sum()
        total = term if total is None else total + term
    assert total is not None
    total.backward()


# ----------------------------------------------------------------------------- construction
def test_tensor_list_becomes_one_group_with_defaults() -> None:
    a, b = param([1.0]), param([2.0])
    opt = optim.SGD([a, b], lr=0.5, momentum=0.25)
    assert len(opt.param_groups) == 1
    group = opt.param_groups[0]
    assert group["params"][0] is a and group["params"][1] is b
    assert group["lr"] == 0.5 and group["momentum"] == 0.25 and group["nesterov"] is False


def test_groups_take_their_own_hyperparameters_and_the_rest_from_defaults() -> None:
    a, b = param([1.0]), param([1.0])
    groups: list[dict[str, Any]] = [{"params": [a]}, {"params": b, "lr": 0.25}]
    opt = optim.SGD(groups, lr=0.5)
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.25]
    backward_square(a, b)
    opt.step()
    np.testing.assert_array_equal(a.data, [1.0 - 0.5 * 2.0])
    np.testing.assert_array_equal(b.data, [1.0 - 0.25 * 2.0])


def test_add_param_group() -> None:
    a, b = param([1.0]), param([3.0])
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "betas": (0.5, 0.6)})
    assert opt.param_groups[1]["betas"] == (0.5, 0.6)
    assert opt.param_groups[1]["lr"] == 0.1
    backward_square(a, b)
    opt.step()
    # Adam's first step moves every coordinate by lr (times the sign of the gradient)
    np.testing.assert_allclose(a.data, [0.9], rtol=1e-7)
    np.testing.assert_allclose(b.data, [2.9], rtol=1e-7)


@pytest.mark.parametrize(
    "groups",
    [
        lambda a, b: [a, b, a],
        lambda a, b: [{"params": [a]}, {"params": [b, a]}],
        lambda a, b: [{"params": [a, a]}],
    ],
)
def test_duplicate_parameters_are_refused(groups: Any) -> None:
    a, b = param([1.0]), param([2.0])
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD(groups(a, b), lr=0.1)


def test_add_param_group_refuses_a_parameter_already_held() -> None:
    a, b = param([1.0]), param([2.0])
    opt = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one"):
        opt.add_param_group({"params": [b, a]})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ([], ValueError, "empty"),
        (Tensor([1.0], requires_grad=True), TypeError, "single Tensor"),
        ({Tensor([1.0])}, TypeError, "set"),
        ([np.ones(2)], TypeError, "Tensors"),
        ([Tensor(np.arange(3))], TypeError, "floating"),
        ([{"lr": 0.1}], ValueError, "'params'"),
    ],
)
def test_bad_params(params: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        optim.SGD(params, lr=0.1)


def test_non_leaf_refused() -> None:
    a = param([1.0, 2.0])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([a * 2.0], lr=0.1)


# ----------------------------------------------------------------------------- stepping
@pytest.mark.parametrize(("cls", "kw"), ALL, ids=IDS)
def test_state_is_created_lazily_and_none_grads_are_skipped(cls: Any, kw: dict[str, Any]) -> None:
    a, b = param([1.0, -2.0]), param([3.0])
    opt = cls([a, b], **kw)
    assert opt.state == {}
    before = b.data.copy()
    backward_square(a)
    assert b.grad is None
    opt.step()
    assert id(a) in opt.state and opt.state[id(a)]
    assert id(b) not in opt.state
    np.testing.assert_array_equal(b.data, before)
    assert not np.array_equal(a.data, [1.0, -2.0])


@pytest.mark.parametrize(("cls", "kw"), ALL, ids=IDS)
def test_a_new_parameter_never_inherits_the_state_of_a_dropped_one(cls: Any,
                                                                    kw: dict[str, Any]) -> None:
    """State is kept by id; its entry keeps the parameter alive (as PyTorch's state keys
    do), so a freed parameter's id, and state, cannot pass to a new tensor."""
    w = param([1.0, 2.0, 3.0])
    opt = cls([w], **kw)
    for _ in range(3):
        w.grad = Tensor(np.ones(3))
        opt.step()
    opt.param_groups[0]["params"] = []
    del w
    fresh = cls([param([0.0])], **kw)  # the same first step, from no state
    for _ in range(20):  # (ids of freed objects are reused at once in CPython)
        v = param([0.0, 0.0])
        opt.param_groups[0]["params"] = [v]
        v.grad = Tensor(-np.ones(2))
        opt.step()
        ref = fresh.param_groups[0]["params"][0]
        ref.data[...] = 0.0
        fresh.state.clear()
        ref.grad = Tensor(-np.ones(1))
        fresh.step()
        np.testing.assert_allclose(v.data, np.repeat(ref.data, 2))


def test_state_of_a_parameter_not_yet_stepped_starts_empty_as_pytorch() -> None:
    p = param([1.0])
    opt = optim.Adam([p], lr=0.1)
    assert opt.state[p] == {} and p in opt.state  # PyTorch's defaultdict(dict)
    p.grad = Tensor([1.0])
    opt.step()
    assert opt.state[p]["step"] == 1
    with pytest.raises(KeyError):
        opt.state[12345]  # an id that is no parameter's: a plain KeyError


@pytest.mark.parametrize(("cls", "kw"), ALL, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_updates_in_place_and_keep_dtype(cls: Any, kw: dict[str, Any], dtype: Any) -> None:
    p = param(np.linspace(-1.0, 1.0, 6).reshape(2, 3), dtype)
    array = p.data
    opt = cls([p], weight_decay=0.1, **kw)
    for _ in range(3):
        opt.zero_grad()
        backward_square(p)
        opt.step()
    assert p.data is array
    assert p.data.dtype == dtype
    for value in opt.state[id(p)].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == dtype


@pytest.mark.parametrize(("cls", "kw"), ALL, ids=IDS)
def test_numpy_scalar_hyperparameters_compute_in_float32(cls: Any, kw: dict[str, Any]) -> None:
    """NumPy 2 promotes float32 · np.float64 to float64; the update must not."""

    def run(numpy_scalars: bool) -> np.ndarray:
        p = param(np.linspace(-1.3, 1.7, 7), np.float32)
        opt = cls([p], **kw)
        if numpy_scalars:
            group = opt.param_groups[0]
            for key, value in group.items():
                if isinstance(value, float):
                    group[key] = np.float64(value)
        for _ in range(4):
            opt.zero_grad()
            (p * p * p).sum().backward()
            opt.step()
        return p.data.copy()

    np.testing.assert_array_equal(run(True), run(False))


def test_zero_grad_sets_none_or_zeros() -> None:
    a, b = param([1.0]), param([2.0])
    opt = optim.SGD([a, b], lr=0.1)
    backward_square(a, b)
    opt.zero_grad(set_to_none=False)
    assert a.grad is not None and b.grad is not None
    np.testing.assert_array_equal(a.grad.data, [0.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None


class _Spy(optim.Optimizer):
    """Records the grad mode seen inside an update."""

    def __init__(self, params: Any) -> None:
        self.modes: list[bool] = []
        super().__init__(params, {"lr": 1.0})

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: Any
    ) -> None:
        self.modes.append(is_grad_enabled())


def test_step_runs_under_no_grad_and_returns_the_closure_loss() -> None:
    p = param([1.0])
    opt = _Spy([p])
    seen: list[bool] = []

    def closure() -> float:
        seen.append(is_grad_enabled())
        opt.zero_grad()
        backward_square(p)
        return 42.0

    assert opt.step(closure) == 42.0
    assert seen == [True] and opt.modes == [False]
    assert is_grad_enabled()


def test_nonfinite_values_propagate_without_warnings() -> None:
    p = param([1.0, 0.0])
    opt = optim.RMSProp([p], lr=0.1, eps=0.0)
    p.grad = Tensor([np.inf, 0.0])
    opt.step()  # inf/inf and 0/0 under warnings-as-errors
    assert np.isnan(p.data).all()


def test_repr_lists_groups() -> None:
    text = repr(optim.SGD([param([1.0])], lr=0.1))
    assert text.startswith("SGD (") and "lr=0.1" in text


# ----------------------------------------------------------------------------- validation
NAN = math.nan
BAD = [
    (optim.SGD, {"lr": -0.1}, "lr"),
    (optim.SGD, {"lr": NAN}, "lr"),
    (optim.SGD, {"lr": math.inf}, "lr"),
    (optim.SGD, {"lr": 0.1, "momentum": -0.5}, "momentum"),
    (optim.SGD, {"lr": 0.1, "momentum": 1.0}, "momentum"),
    (optim.SGD, {"lr": 0.1, "momentum": NAN}, "momentum"),
    (optim.SGD, {"lr": 0.1, "momentum": 0.5, "dampening": 1.5}, "dampening"),
    (optim.SGD, {"lr": 0.1, "weight_decay": -1e-4}, "weight_decay"),
    (optim.SGD, {"lr": 0.1, "weight_decay": NAN}, "weight_decay"),
    (optim.SGD, {"lr": 0.1, "nesterov": True}, "nesterov"),
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}, "nesterov"),
    (optim.RMSProp, {"lr": -1.0}, "lr"),
    (optim.RMSProp, {"lr": 0.1, "beta": 1.0}, "beta"),
    (optim.RMSProp, {"lr": 0.1, "beta": -0.1}, "beta"),
    (optim.RMSProp, {"lr": 0.1, "beta": NAN}, "beta"),
    (optim.RMSProp, {"lr": 0.1, "eps": -1e-8}, "eps"),
    (optim.RMSProp, {"lr": 0.1, "momentum": 1.5}, "momentum"),
    (optim.RMSProp, {"lr": 0.1, "weight_decay": -1.0}, "weight_decay"),
    (optim.Adam, {"lr": -1e-3}, "lr"),
    (optim.Adam, {"betas": (1.0, 0.999)}, r"betas\[0\]"),
    (optim.Adam, {"betas": (0.9, 1.0)}, r"betas\[1\]"),
    (optim.Adam, {"betas": (-0.1, 0.999)}, r"betas\[0\]"),
    (optim.Adam, {"betas": (0.9, NAN)}, r"betas\[1\]"),
    (optim.Adam, {"betas": (0.9,)}, "betas"),
    (optim.Adam, {"eps": -1e-8}, "eps"),
    (optim.Adam, {"eps": NAN}, "eps"),
    (optim.Adam, {"weight_decay": -0.1}, "weight_decay"),
    (optim.AdamW, {"weight_decay": -0.1}, "weight_decay"),
    (optim.AdamW, {"betas": (0.9, 1.5)}, r"betas\[1\]"),
    (optim.Adagrad, {"lr": -0.1}, "lr"),
    (optim.Adagrad, {"lr_decay": -0.1}, "lr_decay"),
    (optim.Adagrad, {"weight_decay": -0.1}, "weight_decay"),
    (optim.Adagrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    (optim.Adagrad, {"eps": -1e-10}, "eps"),
    (optim.Adagrad, {"eps": NAN}, "eps"),
]


@pytest.mark.parametrize(("cls", "kw", "name"), BAD, ids=[f"{c.__name__}-{n}" for c, _, n in BAD])
def test_bad_hyperparameters_raise_naming_the_parameter(
    cls: Any, kw: dict[str, Any], name: str
) -> None:
    with pytest.raises(ValueError, match=name):
        cls([param([1.0])], **kw)


def test_bad_hyperparameters_in_a_group_are_refused() -> None:
    a, b = param([1.0]), param([1.0])
    with pytest.raises(ValueError, match="lr"):
        groups: list[dict[str, Any]] = [{"params": [a]}, {"params": [b], "lr": -1.0}]
        optim.SGD(groups, lr=0.1)
    opt = optim.Adam([a])
    with pytest.raises(ValueError, match="betas"):
        opt.add_param_group({"params": [b], "betas": (0.9, 2.0)})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize("value", ["0.1", None, True, [0.1]])
def test_non_numeric_hyperparameters_raise_type_error(value: Any) -> None:
    with pytest.raises(TypeError, match="lr"):
        optim.SGD([param([1.0])], lr=value)


def test_boundary_values_are_accepted() -> None:
    p = param([1.0])
    optim.SGD([p], lr=0.0, momentum=0.0, dampening=1.0)
    optim.RMSProp([p], lr=0.0, beta=0.0, eps=0.0)
    optim.Adam([p], lr=0.0, betas=(0.0, 0.0), eps=0.0, weight_decay=0.0)
    optim.Adagrad([p], lr=0.0, eps=0.0)


def test_a_subclass_update_may_use_library_ops() -> None:
    # a custom optimiser computing its step with tensors (recorded nothing: no_grad is on)
    class Doubled(optim.SGD):
        def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                    group: dict[str, Any]) -> None:
            step = Tensor(grad) * 2.0
            assert step.grad_fn is None
            param -= group["lr"] * step.data

    p = param([1.0, -2.0])
    opt = Doubled([p], lr=0.1)
    backward_square(p)
    opt.step()
    np.testing.assert_allclose(p.data, [1.0 - 0.1 * 2 * 2.0, -2.0 + 0.1 * 2 * 4.0])


def _stepped(cls: Any, **kw: Any) -> tuple[optim.Optimizer, Tensor]:
    p = Tensor(np.ones(3), requires_grad=True)
    opt = cls([p], lr=0.1, **kw)
    p.grad = np.full(3, 0.5)
    opt.step()
    return opt, p


@pytest.mark.parametrize(("cls", "kw", "edit", "match"), [
    (optim.Adam, {}, lambda s: {"step": 3}, r"lacks \['exp_avg', 'exp_avg_sq'\]"),
    (optim.Adam, {}, lambda s: {**s, "step": -5}, r"'step' .* must be a count"),
    (optim.Adagrad, {}, lambda s: {**s, "step": 1.5}, r"'step' .* must be a count"),
    (optim.SGD, {"momentum": 0.9}, lambda s: {"momentum_bufer": s["momentum_buffer"]},
     r"unknown state 'momentum_bufer' of parameter 0 for SGD \(known: momentum_buffer\)"),
    (optim.RMSProp, {}, lambda s: {**s, "exp_avg": s["square_avg"]}, "unknown state 'exp_avg'"),
])
def test_per_parameter_state_is_checked_before_anything_changes(
        cls: Any, kw: dict[str, Any], edit: Any, match: str) -> None:
    """A state that cannot work (an Adam step without its averages: KeyError at the next
    step; a negative step count: NaN parameters; a misspelt name: kept silently) is refused."""
    opt, _ = _stepped(cls, **kw)
    sd = opt.state_dict()
    before = opt.state_dict()
    sd["state"] = {0: edit(dict(sd["state"][0]))}
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    after = opt.state_dict()
    assert after["state"].keys() == before["state"].keys()
    for k, v in before["state"][0].items():
        np.testing.assert_array_equal(after["state"][0][k], v)


def test_a_subclass_declares_the_state_it_keeps() -> None:
    class Counting(optim.SGD):
        array_state = ("momentum_buffer", "seen")  # (None would allow any name)

        def _update(self, param: Any, grad: Any, state: dict[str, Any], group: Any) -> None:
            state["seen"] = state.get("seen", np.zeros_like(param)) + 1
            super()._update(param, grad, state, group)

    opt, _ = _stepped(Counting)
    opt.load_state_dict(opt.state_dict())
    assert opt.state_dict()["state"][0]["seen"].tolist() == [1.0, 1.0, 1.0]


def test_pytorch_spellings_of_state_named_parameters_and_the_clipped_norm() -> None:
    """opt.state[p] reaches a parameter's state (it compared the Tensor with every key:
    "truth value ... ambiguous"), optimisers take model.named_parameters() as PyTorch 2.6+
    does, and clip_grad_norm_'s norm has PyTorch's .item()."""
    import nn

    model = nn.Linear(3, 2, rng=np.random.default_rng(0))
    opt = optim.Adam(model.named_parameters(), lr=0.1)
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in model.parameters()]
    model.weight.grad = np.ones((2, 3))
    opt.step()
    assert model.weight in opt.state and model.bias not in opt.state
    assert opt.state[model.weight]["step"] == 1 and opt.state.get(model.bias) is None
    assert opt.state[id(model.weight)] is opt.state[model.weight]
    opt.load_state_dict(opt.state_dict())
    assert opt.state[model.weight]["step"] == 1
    total = optim.clip_grad_norm_(model.parameters(), 1.0)
    assert total.item() == pytest.approx(np.sqrt(6.0)) and isinstance(total, float)
    with pytest.raises(AttributeError, match="beta is PyTorch's alpha"):
        optim.RMSprop  # noqa: B018


def test_state_reset_the_pytorch_way_keeps_working() -> None:
    import collections

    p = param([1.0, 2.0])
    opt = optim.Adam([p], lr=0.1)
    p.grad = Tensor([1.0, 1.0])
    opt.step()
    opt.state = collections.defaultdict(dict)  # type: ignore[assignment]  # PyTorch's reset
    assert opt.state_dict()["state"] == {}
    opt.step()
    assert opt.state[p]["step"] == 1 and opt.state_dict()["state"][0]["step"] == 1
    opt.state = {p: {}}  # type: ignore[assignment]  # keyed by the parameter itself
    opt.step()
    assert opt.state_dict()["state"][0]["step"] == 1
