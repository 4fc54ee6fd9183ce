"""PyTorch's habits: in-place updates of parameters, NumPy's in-place operators with a Tensor
operand, ufuncs on Tensors, and PyTorch spellings refused with ours."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor


def _quadratic_step(p: Tensor, lr: float) -> float:
    loss = ((p - 3.0) * (p - 3.0)).sum()
    loss.backward()
    with am.no_grad():
        p -= lr * p.grad  # type: ignore[operator]
    p.grad = None
    return float(loss.item())


def test_minus_equals_under_no_grad_trains_and_keeps_the_leaf() -> None:
    p = Tensor([0.0, 1.0], requires_grad=True)
    first = [_quadratic_step(p, 0.1) for _ in range(50)]
    assert p.is_leaf and p.requires_grad and p.grad is None
    np.testing.assert_allclose(p.data, 3.0, atol=1e-4)
    assert first[-1] < 1e-7 < first[0]


def test_in_place_update_writes_the_same_array() -> None:
    p = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    arr = p.data
    with am.no_grad():
        p += 1.0
        p *= Tensor(np.full(3, 2.0))  # a float64 operand: float32 kept (NumPy's same_kind rule)
        p /= 4
        p **= 2
    assert p.data is arr and p.dtype == np.float32
    np.testing.assert_array_equal(p.data, np.ones(3))


def test_leaf_that_requires_grad_refuses_in_place_update_while_recording() -> None:
    p = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"-=.*leaf.*no_grad"):
        p -= 1.0
    np.testing.assert_array_equal(p.data, [1.0, 2.0])


def test_in_place_update_of_a_recorded_value_is_recorded() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    before = h
    h += x  # recorded: h = x² + x
    h *= 3.0
    assert h is before and h.grad_fn is not None
    h.sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * (2 * x.data + 1))  # type: ignore[union-attr]


def test_constant_accumulator_becomes_recorded_when_a_tensor_requires_grad() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    acc = am.zeros(2)
    for _ in range(3):
        acc += x * 2.0
    acc.sum().backward()
    np.testing.assert_allclose(x.grad.data, [6.0, 6.0])  # type: ignore[union-attr]


def test_recorded_update_of_a_view_of_another_tensor_is_refused_not_silently_lost() -> None:
    """PyTorch's ``v = h[:2]; v += 10`` changes h too. A recorded update makes a new array,
    which h would never see: refused, where anything else holds the viewed array."""
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 2
    for view in (h[:2], h.reshape(3, 1), h[None].T):
        with pytest.raises(RuntimeError, match=r"\+=: the tensor is a view .* of another "
                                               r"tensor's array"):
            view += 10.0
        np.testing.assert_array_equal(h.data, [2.0, 4.0, 6.0])
    c = am.zeros(3)  # a constant base, a tensor that requires grad as the operand
    vc = c[:2]
    with pytest.raises(RuntimeError, match="a view"):
        vc += w[:2]
    with pytest.raises(RuntimeError, match="a view"):
        vc -= w[:2]
    # a view of an array nothing else holds (an op's own temporary, a dropped value) updates
    alone = (w * 2)[:2]
    alone += 10.0
    m = am.Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True).max(axis=1)
    m += 1.0
    (alone.sum() + m.sum()).backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 2.0, 0.0])  # type: ignore[union-attr]
    h2 = Tensor([1.0, 2.0, 3.0])  # not recorded: written through, as NumPy and PyTorch do
    v2 = h2[:2]
    v2 += 10.0
    np.testing.assert_array_equal(h2.data, [11.0, 12.0, 3.0])


def test_in_place_update_of_a_saved_array_is_refused_not_silently_wrong() -> None:
    p = Tensor([1.0, 2.0], requires_grad=True)
    loss = (p * p).sum()
    with am.no_grad(), pytest.raises(RuntimeError, match=r"\+=.*read-only.*live graph"):
        p += 1.0
    loss.backward()  # the graph is freed: the array is writeable again
    np.testing.assert_array_equal(p.grad.data, [2.0, 4.0])  # type: ignore[union-attr]
    with am.no_grad():
        p += 1.0
    np.testing.assert_array_equal(p.data, [2.0, 3.0])


def test_in_place_update_refuses_unsafe_casts_and_shapes_clearly() -> None:
    i = Tensor(np.arange(3))
    with pytest.raises(TypeError, match=r"\+=.*int64.*float64"):
        i += 0.5
    x = Tensor(np.zeros(3))
    with pytest.raises(ValueError, match=r"\*=.*shape \(3,\).*shape \(2,\)"):
        x *= np.ones(2)


def test_numpy_in_place_operator_accepts_a_tensor_operand() -> None:
    p = Tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    assert p.grad is not None
    p.data -= 0.5 * p.grad  # micrograd's update line
    np.testing.assert_array_equal(p.data, [0.0, 0.0])
    arr = np.ones(2)
    arr += Tensor([1.0, 2.0])
    np.testing.assert_array_equal(arr, [2.0, 3.0])


def test_array_operand_on_the_left_gives_a_recorded_tensor() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    for y in (np.ones(2) + x, np.ones(2) - x, np.float64(2.0) * x, np.ones(2) / x,
              np.ones(2) ** x, np.exp(x), np.maximum(x, 1.5), np.ones((3, 2)) @ x):
        assert isinstance(y, Tensor) and y.grad_fn is not None
    y = np.exp(x) * np.negative(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, -np.exp(x.data) * (1 + x.data))  # type: ignore[union-attr]


def test_ufunc_comparisons_give_bool_tensors_and_others_refuse_clearly() -> None:
    x = Tensor([1.0, 2.0])
    c = np.ones(2) < x
    assert isinstance(c, Tensor) and c.dtype == np.bool_ and not c.requires_grad
    np.testing.assert_array_equal(c.data, [False, True])
    with pytest.raises(TypeError, match=r"np\.add\.reduce on a Tensor"):
        np.add.reduce(x)


@pytest.mark.parametrize(("spelling", "ours"), [
    ("view", "reshape"), ("unsqueeze", "expand_dims"), ("permute", "transpose"),
    ("zero_", "zero_grad"), ("dim", "ndim"), ("numel", "size"), ("clamp", "clip"),
    ("clamp_min", r"clip\(a_min"), ("clamp_max", r"clip\(a_max"), ("expand", "broadcast_to"),
    ("masked_fill", "where"), ("clone", r"x \* 1"),
    ("float", r"astype\(np.float32"), ("double", r"astype\(np.float64"),
    ("long", r"astype\(np.int64"), ("half", "float16"), ("cuda", "CPU"),
    ("copy_", r"data\[\.\.\.\] = other"), ("fill_", "constant_"),
    ("median", r"autograd_mini.median\(x, axis\)"), ("quantile", r"autograd_mini.quantile"),
    ("logit", "autograd_mini.logit"), ("inverse", r"autograd_mini.linalg.inv\(x\)"),
    ("svd", "returns Vh"),
    ("normal_", r"nn.init.normal_"), ("uniform_", r"nn.init.uniform_"), ("add_", r"x \+= other"),
    ("sub_", "x -= other"), ("mul_", r"x \*= other"), ("div_", "x /= other"),
    ("register_hook", "retain_grad"), ("t", r"\.T"), ("gather", "take_along_axis"),
    ("index_select", r"take\(indices, axis\)"), ("chunk", "array_split"),
    ("masked_select", r"x\[mask\]"), ("relu_", r"x = x.relu\(\)"), ("clamp_", r"clip\("),
    ("sigmoid_", r"x.sigmoid\(\)"), ("new_zeros", r"zeros\(shape, dtype=x.dtype"),
    ("nelement", r"\.size"), ("int", r"astype\(np.int32"), ("bool", r"astype\(bool\)")])
def test_pytorch_method_spellings_name_ours(spelling: str, ours: str) -> None:
    with pytest.raises(AttributeError, match=rf"'{spelling}' \(a PyTorch name\).*{ours}"):
        getattr(Tensor([1.0]), spelling)


def test_device_moves_are_the_tensor_itself_and_a_dtype_names_astype() -> None:
    # the line of every PyTorch loop, xb.to(device), as for modules; no NumPy name to prefer
    x = Tensor([1.0], requires_grad=True)
    for moved in (x.to("cpu"), x.to("cpu:0"), x.to(device="cpu"), x.cpu(),
                  x.to("cpu", non_blocking=True)):
        assert moved is x
    with pytest.raises(TypeError, match=r"to\(<class 'numpy.float32'>\).*\.astype\(dtype\)"):
        x.to(np.float32)
    with pytest.raises(TypeError, match=r"to\('float64'\): not a device.*\.astype"):
        x.to("float64")
    with pytest.raises(TypeError, match=r"to\('CPU'\): not a device \('cpu' is the one"):
        x.to("CPU")
    with pytest.raises(RuntimeError, match=r"to\('cuda'\): everything runs on the CPU"):
        x.to("cuda")
    with pytest.raises(TypeError, match="unexpected keyword 'dtype'"):
        x.to(dtype=np.float32)


def test_a_torch_device_is_taken_too() -> None:
    torch = pytest.importorskip("torch")
    x = Tensor([1.0])
    assert x.to(torch.device("cpu")) is x
    with pytest.raises(RuntimeError, match="everything runs on the CPU"):
        x.to(torch.device("cuda"))
    import nn
    m = nn.Linear(2, 2)
    assert m.to(torch.device("cpu")) is m
    with pytest.raises(RuntimeError, match="everything runs on the CPU"):
        m.to(torch.device("cuda"))
    for device in ("xpu", torch.device("xpu")):
        with pytest.raises(RuntimeError, match="everything runs on the CPU"):
            m.to(device)
        with pytest.raises(RuntimeError, match="everything runs on the CPU"):
            x.to(device)
    with pytest.raises(TypeError, match=r"to\('CPU'\): neither a device \('cpu' is the one"):
        m.to("CPU")


def test_unknown_attribute_is_a_plain_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"no attribute 'nonsense'$"):
        Tensor([1.0]).nonsense  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(Tensor([1.0]), "nonsense")


@pytest.mark.parametrize(("spelling", "ours"), [
    ("cat", "concatenate"), ("unsqueeze", "expand_dims"), ("permute", "transpose"),
    ("clamp", "clip"), ("concat", "concatenate"), ("gather", "take_along_axis"),
    ("chunk", "array_split"), ("index_select", "take"), ("inverse", "autograd_mini.linalg.inv"),
    ("det", "autograd_mini.linalg.det"), ("svd", r"autograd_mini.linalg.svd \(which returns Vh"),
    ("pinverse", "autograd_mini.linalg.pinv")])
def test_pytorch_module_spellings_name_ours(spelling: str, ours: str) -> None:
    with pytest.raises(AttributeError, match=rf"'{spelling}' \(a PyTorch name\).*{ours}"):
        getattr(am, spelling)


def test_pytorch_keywords_name_numpys() -> None:
    x: Any = Tensor(np.ones((2, 3)))
    lib: Any = am
    for call in (lambda: x.sum(dim=1), lambda: lib.sum(x, dim=1), lambda: x.mean(keepdim=True),
                 lambda: lib.max(x, dim=0, keepdim=True), lambda: x.softmax(dim=0),
                 lambda: lib.std(x, dim=0), lambda: x.logsumexp(dim=1)):
        with pytest.raises(TypeError, match=r"NumPy's keywords: (dim= is axis|keepdim= is keepd)"):
            call()
    assert x.sum(axis=1).shape == (2,)


def test_pytorch_module_moves_convert_dtypes_and_stay_on_the_cpu() -> None:
    """m.float(), m.double(), m.to(np.float32) convert parameters, their grads and floating
    buffers in place (layouts kept); m.cpu() and m.to("cpu") are the module itself; cuda
    names what to do."""
    import nn

    m = nn.Sequential(nn.Linear(3, 4, rng=np.random.default_rng(0)), nn.BatchNorm1d(4))
    m[0].weight.grad = Tensor(np.ones((4, 3)))
    assert m.float() is m and m.cpu() is m and m.to("cpu") is m
    assert all(p.dtype == np.float32 for p in m.parameters())
    assert m[0].weight.grad.dtype == np.float32 and m[0].weight.data.flags.f_contiguous
    assert m[1].running_mean.dtype == np.float32 and m[1].num_batches_tracked.dtype == np.int64
    assert m(Tensor(np.ones((5, 3), np.float32))).dtype == np.float32
    assert m.to(dtype="float64") is m and m[0].bias.dtype == np.float64
    assert m.double() is m and m[0].weight.dtype == np.float64
    with pytest.raises(AttributeError, match=r"'cuda' \(a PyTorch name\): use .*CPU"):
        m.cuda()
    with pytest.raises(RuntimeError, match="runs on the CPU"):
        m.to("cuda:0")
    with pytest.raises(TypeError, match="must stay floating"):
        m.to(np.int32)

    class Own(nn.Module):  # a module's own attribute of such a name still wins
        def __init__(self) -> None:
            super().__init__()
            self.to, self.half = "kept", nn.Linear(2, 2)  # type: ignore[method-assign,assignment]

    own = Own()
    assert own.to == "kept" and [n for n, _ in own.named_parameters()] == ["half.weight",
                                                                          "half.bias"]


def test_pytorch_names_of_packages_name_ours() -> None:
    import nn
    import optim

    with pytest.raises(AttributeError, match=r"'RMSprop' \(a PyTorch name\): use optim.RMSProp"):
        optim.RMSprop  # noqa: B018
    assert nn.utils.clip_grad_norm_ is optim.clip_grad_norm_  # (nn.utils is PyTorch's place)
    with pytest.raises(AttributeError, match=r"'weight_norm' \(a PyTorch name\): not provided"):
        nn.utils.weight_norm  # noqa: B018
    with pytest.raises(AttributeError, match=r"no attribute 'nonsense'$"):
        optim.nonsense  # noqa: B018


def test_module_constructors_name_numpys_keywords() -> None:
    import nn

    lib: Any = nn
    for make, message in ((lambda: lib.Softmax(dim=1), r"Softmax\(\) .* dim= is axis="),
                          (lambda: lib.LogSoftmax(dim=1), r"LogSoftmax\(\) .* dim= is axis="),
                          (lambda: lib.Softmin(dim=1), r"Softmin\(\) .* dim= is axis="),
                          (lambda: lib.CosineSimilarity(dim=1), r"dim= is axis="),
                          (lambda: lib.Flatten(start_dim=1), r"start_dim= is start_axis="),
                          (lambda: lib.Unflatten(dim=1, sizes=(2, 2)), r"dim= is axis=")):
        with pytest.raises(TypeError, match=message):
            make()
    assert nn.Softmax(axis=1).axis == 1 and nn.Flatten(1).start_axis == 1


def test_no_grad_and_enable_grad_decorate_bare_as_in_pytorch() -> None:
    x = Tensor(1.0, requires_grad=True)

    @am.no_grad
    def quiet(t: Tensor) -> Tensor:
        return t * 2

    @am.enable_grad
    def loud(t: Tensor) -> Tensor:
        return t * 2

    assert quiet.__name__ == "quiet" and not quiet(x).requires_grad
    with am.no_grad():
        assert loud(x).requires_grad
    assert (x * 2).requires_grad  # the modes came back
    with pytest.raises(TypeError, match="set_grad_enabled: mode must be True or False"):
        am.set_grad_enabled(print)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- NumPy's functions
def test_numpy_functions_of_tensors_call_the_library_and_are_recorded() -> None:
    rng = np.random.default_rng(0)
    a = Tensor(rng.standard_normal(3), requires_grad=True)
    w = Tensor(rng.standard_normal(3), requires_grad=True)
    out: Any = (np.dot(a, w) + np.sum(np.concatenate([a, w]) ** 2) + np.linalg.norm(w)
                + np.mean(np.stack([a, w]), axis=0).sum())
    assert isinstance(out, Tensor)
    out.backward()
    av, wv = a.data, w.data
    np.testing.assert_allclose(a.grad.data, wv + 2 * av + 0.5)  # type: ignore[union-attr]
    np.testing.assert_allclose(w.grad.data,  # type: ignore[union-attr]
                               av + 2 * wv + wv / np.linalg.norm(wv) + 0.5)


def test_numpy_functions_the_library_lacks_refuse_to_drop_a_gradient() -> None:
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"np.average on a Tensor that requires grad would "
                                        r"silently drop its gradient"):
        np.average(x)
    with pytest.raises(TypeError, match=r"np.cov"):
        np.cov(x)
    with am.no_grad():
        assert np.average(x) == 7 / 3
    assert np.average(Tensor([1.0, 3.0])) == 2.0  # nothing requires grad: plain NumPy
    assert np.average(x.data) == 7 / 3
    # results without a gradient to lose pass through: bools, integers, shapes
    assert np.allclose(x, [1.0, 2.0, 4.0]) and np.shape(x) == (3,) and np.ndim(x) == 1
    assert np.count_nonzero(x) == 3 and np.array_equal(x, x.data)
    into = np.zeros(3)
    with pytest.warns(UserWarning, match="drops its gradient"):  # as into[:] = x warns
        np.copyto(into, x)  # writing into an array is done, as asked
    np.testing.assert_array_equal(into, x.data)


def test_size_is_numpys_int_and_pytorchs_call() -> None:
    x = Tensor(np.ones((2, 3)))
    assert x.size == 6 and isinstance(x.size, int) and x.size + 1 == 7
    assert x.size() == (2, 3) and x.size(0) == 2 and x.size(-1) == 3
    with pytest.raises(IndexError, match=r"size\(2\): dimension out of range for 2 axes"):
        x.size(2)
    import copy
    import pickle
    assert pickle.loads(pickle.dumps(x.size)) == 6 and copy.deepcopy(x.size) == 6


def test_format_a_one_element_tensor_as_its_number() -> None:
    assert f"{Tensor(0.123456):.3f}" == "0.123" and f"{Tensor([[2.5]]):.1%}" == "250.0%"
    assert f"{Tensor([1.0, 2.0])}" == str(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"shape \(2,\) has no number to format"):
        f"{Tensor([1.0, 2.0]):.2f}"


def test_two_axis_transpose_in_pytorchs_sense_is_refused_not_silently_kept() -> None:
    """NumPy reads x.transpose(0, 1) of a 2-d tensor as no change: PyTorch's swap of two axes
    is swapaxes, which the error names (a 4-d transpose(1, 2) names it too)."""
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"transpose\(0, 1\).*no change.*swapaxes\(0, 1\) or \.T"):
        x.transpose(0, 1)
    with pytest.raises(ValueError, match=r"swapaxes\(1, 2\)"):
        Tensor(np.ones((2, 3, 4, 5))).transpose(1, 2)
    assert x.transpose(1, 0).shape == (3, 2) and x.transpose((0, 1)).shape == (2, 3)
    assert Tensor(np.ones((2, 3, 4))).transpose(2, 0, 1).shape == (4, 2, 3)


def test_item_assignment_as_in_pytorch_under_no_grad() -> None:
    p = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"under `with autograd_mini\.no_grad"):
        p[0] = 5.0
    with am.no_grad():
        p[0] = 5.0
        p[Tensor(np.array([1, 2]))] = Tensor([7.0, 8.0])
    assert p.data.tolist() == [5.0, 7.0, 8.0] and p.requires_grad
    y = p * p
    with pytest.raises(RuntimeError, match=r"not recorded.*where"):
        y[0] = 1.0
    with pytest.raises(RuntimeError, match="read-only: a live graph saved it"), am.no_grad():
        p[1] = 0.0  # y's graph saved p (for p * p's gradient)
    assert p.data.tolist() == [5.0, 7.0, 8.0]


def test_pytorch_keywords_and_arguments_of_std_and_flatten_name_ours() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError, match=r"unbiased= is ddof= \(unbiased=True is ddof=1\)"):
        x.std(unbiased=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="correction= is ddof="):
        am.var(x, correction=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"flatten\(1\).*reshape\(x.shape\[0\], -1\)"):
        x.flatten(1)



def test_review_regressions_of_the_pytorch_spellings() -> None:
    """Dropout(p, rng) positionally still works (inplace= is keyword-only); f"{t}" without a
    spec is str(t) for any shape; opt.state[p] also supports del, pop and setdefault; a user
    optimiser subclass keeping more state loads its own checkpoints."""
    import nn
    import optim

    assert nn.Dropout(0.5, np.random.default_rng(0)).rng is not None
    t = Tensor([[0.123456]])
    assert f"{t}" == str(t) and f"{t:.2f}" == "0.12"
    p = Tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = Tensor(np.ones(2))
    opt.step()
    assert opt.state.pop(p)["step"] == 1 and p not in opt.state
    opt.state.setdefault(p, {})["step"] = 3
    assert opt.state[p]["step"] == 3
    del opt.state[p]
    assert opt.state.get(p) is None

    class Lookahead(optim.SGD):
        def _update(self, param: Any, grad: Any, state: dict[str, Any], group: Any) -> None:
            super()._update(param, grad, state, group)
            state["slow"] = state.get("slow", param.copy()) * 0.5 + param * 0.5

    look = Lookahead([p], lr=0.1, momentum=0.9)
    look.step()
    look.load_state_dict(look.state_dict())
    assert "slow" in look.state[p]


def test_more_pytorch_spellings_a_newcomer_reached_for() -> None:
    x: Any = Tensor(np.arange(6.0).reshape(2, 3))
    lib: Any = am
    for package in ("nn", "optim"):  # torch.nn, torch.optim
        with pytest.raises(AttributeError, match=rf"'{package}': {package} is a package of its "
                                                 rf"own, beside autograd_mini: import {package}"):
            getattr(am, package)
    with pytest.raises(TypeError, match=r"transpose\(x, axes\): NumPy's transpose takes the "
                                        r"permutation.*use swapaxes\(x, 0, 1\)"):
        lib.transpose(x, 0, 1)
    with pytest.raises(TypeError, match=r"as one tuple, transpose\(x, \(2, 0, 1\)\)$"):
        lib.transpose(Tensor(np.ones((2, 3, 4))), 2, 0, 1)  # a permutation: no swapaxes hint
    np.testing.assert_array_equal(x.flip(0).data, x.data[::-1])  # a method, as in PyTorch
    with pytest.raises(TypeError, match=r"flip\(\) takes NumPy's keywords: dims= is axis="):
        x.flip(dims=(0,))
    for call, op in ((lambda: lib.relu(x, inplace=True), "relu"),
                     (lambda: lib.sigmoid(x, foo=1), "sigmoid")):
        with pytest.raises(TypeError, match=rf"^{op}: got an unexpected keyword argument"):
            call()  # the op's name, not its private forward's


def test_assigning_data_keeps_an_array_and_never_a_silently_wrong_gradient() -> None:
    """micrograd's and PyTorch's ``p.data = p.data - lr * p.grad`` (p.grad is a Tensor here):
    .data stays an ndarray; a graph built before keeps the values it used."""
    import nn

    lin = nn.Linear(2, 1, rng=np.random.default_rng(0))
    X = Tensor(np.ones((4, 2)))
    lin(X).sum().backward()
    for p in lin.parameters():
        before = p.data.copy()
        p.data = p.data - 0.1 * p.grad  # type: ignore[operator]
        assert type(p.data) is np.ndarray
        np.testing.assert_allclose(p.data, before - 0.1 * p.grad.data)  # type: ignore[union-attr]
    assert lin(X).shape == (4, 1)
    w = Tensor([1.0, 1.0], requires_grad=True)
    v = Tensor([0.8, 0.8], requires_grad=True)
    loss = (w * v).sum()  # saved w's array [1, 1]
    w.data = w.data + 5.0  # rebinding: the graph keeps the array it saved
    with pytest.raises(ValueError, match="read-only"):
        v.data += 1  # the same array the graph saved: still refused
    loss.backward()
    np.testing.assert_array_equal(v.grad.data, [1.0, 1.0])  # type: ignore[union-attr]
    with pytest.raises(TypeError, match=r"Tensor\.data: a tensor that requires grad holds "
                                        r"floating values, got dtype int64"):
        w.data = np.array([3, 4])
    c = Tensor([1.0, 2.0])
    c.data = 0.5
    assert type(c.data) is np.ndarray and c.data.shape == ()
    with pytest.raises(TypeError, match=r"Tensor\.data: unsupported dtype <U4"):
        c.data = "text"


def test_numpy_functions_the_library_lacks_never_drop_a_gradient_silently() -> None:
    """Ufuncs whose first signature is boolean (fmax, fmin, vecdot) and linalg functions that
    return named tuples (eig; slogdet and eigh before am.linalg had them) went through
    unchecked: the result had no graph."""
    A = Tensor(np.array([[2.0, 0.5], [0.5, 1.0]]), requires_grad=True)
    w = Tensor([0.5, -1.0], requires_grad=True)
    x = np.array([2.0, 3.0])
    calls = [("np.fmax", lambda: np.fmax(w * x, 0)), ("np.fmin", lambda: np.fmin(w, 0)),
             ("np.vecdot", lambda: np.vecdot(w, x)), ("np.cbrt", lambda: np.cbrt(w)),
             ("np.linalg.eig", lambda: np.linalg.eig(A)),
             ("np.linalg.tensorinv", lambda: np.linalg.tensorinv(A, ind=1)),
             ("np.linalg.eigvals", lambda: np.linalg.eigvals(A))]
    for label, call in calls:
        with pytest.raises(TypeError, match=rf"^{re.escape(label)} on a Tensor that requires "
                                            r"grad would silently drop its gradient"):
            call()
    with am.no_grad():  # where no gradient is wanted, they run on the data
        np.testing.assert_array_equal(np.fmax(w, 0).data, [0.5, 0.0])
        assert np.linalg.eig(A)[0].prod() == pytest.approx(1.75)
    np.testing.assert_array_equal(np.cbrt(Tensor([8.0])).data, [2.0])  # a constant: fine
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # quietly, as the library's own ops
        assert np.isnan(np.fmod(Tensor([1.0]), 0.0).data).all()
        with pytest.raises(TypeError, match=r"np\.logaddexp2 on a Tensor that requires grad"):
            np.logaddexp2(Tensor([np.nan], requires_grad=True), 1.0)
    frac, whole = np.modf(Tensor([1.5]))  # several outputs: Tensors, as one output is
    assert isinstance(frac, Tensor) and isinstance(whole, Tensor) and whole.item() == 1.0
    np.testing.assert_array_equal(np.isnan(w).data, [False, False])  # bool results, as before


def test_pickle_keeps_a_tensors_values_and_deepcopy_refuses_a_non_leaf() -> None:
    """As torch: a pickled non-leaf comes back as a leaf with its values (before, pickling
    depended on which ops made it: sin's forward is a local function); deepcopy of a non-leaf
    refuses (before, a RecursionError on a 1,000-op chain, and a copy detached from x)."""
    import copy
    import pickle

    import nn

    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    h = am.sin(x) * 3.0 + 1.0
    for _ in range(1000):
        h = h * 1.0001
    back = pickle.loads(pickle.dumps(h))
    assert back.is_leaf and back.requires_grad and back.grad is None
    np.testing.assert_array_equal(back.data, h.data)
    with pytest.raises(RuntimeError, match=r"deepcopy: only leaf tensors .* made by 'mul'"):
        copy.deepcopy(h)
    x.grad = Tensor([5.0, 6.0])
    c = copy.deepcopy(x)
    assert c.requires_grad and c.name == "x" and c.data is not x.data
    np.testing.assert_array_equal(c.grad.data, [5.0, 6.0])  # type: ignore[union-attr]
    lin = nn.Linear(2, 2)
    (lin(x[None]) ** 2).sum().backward(create_graph=True)  # .grad holds a graph
    for twin in (pickle.loads(pickle.dumps(lin)), copy.deepcopy(lin)):
        assert type(twin.weight) is nn.Parameter and twin.weight.grad is not None
        np.testing.assert_array_equal(twin.weight.grad.data, lin.weight.grad.data)  # type: ignore[union-attr]
        assert twin.weight.grad.is_leaf
    shared = Tensor([1.0, 2.0])
    pair = copy.deepcopy([shared, shared.detach()])  # one array in the original: one in the copy
    assert pair[0].data is pair[1].data


def test_names_a_port_reached_for() -> None:
    """From a review porting PyTorch programs: F.logsigmoid (torch.nn.functional's name),
    am.randn_like for the reparameterisation trick, and a hint for inference_mode."""
    import nn

    x = Tensor([-1000.0, 0.0, 1000.0])
    np.testing.assert_array_equal(nn.functional.logsigmoid(x).data,
                                  nn.functional.log_sigmoid(x).data)
    mu = Tensor(np.zeros((2, 3), dtype=np.float32), requires_grad=True)
    z = mu + am.randn_like(mu)
    assert z.shape == (2, 3) and z.dtype == np.float32
    with pytest.raises(AttributeError, match=r"'inference_mode' \(a PyTorch name\): use "
                                             r"autograd_mini\.no_grad"):
        am.inference_mode  # noqa: B018


def test_backward_takes_pytorchs_gradient_keyword() -> None:
    v = np.array([1.0, -2.0, 0.5])
    grads = []
    for how in ("gradient", "grad", "positional"):
        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        if how == "gradient":
            y.backward(gradient=v)
        elif how == "grad":
            y.backward(grad=v)
        else:
            y.backward(v)
        assert x.grad is not None
        grads.append(x.grad.data)
    for g in grads:
        np.testing.assert_array_equal(g, 2 * np.array([1.0, 2.0, 3.0]) * v)
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="pass the upstream gradient once"):
        (x * 2).backward(gradient=np.ones(1), grad=np.ones(1))


def test_torch_load_habits_name_nn_load(tmp_path: Any) -> None:
    import nn
    m = nn.Linear(2, 2)
    path = str(tmp_path / "best.safetensors")
    with pytest.raises(TypeError, match=r"load: expected an nn.Module as the first argument, "
                                        r"load\(model, path\)"):
        nn.load(path)  # type: ignore[arg-type]  # torch.load(path)'s habit
    with pytest.raises(TypeError, match=r"got str \(to load a file: nn.load\(model, path\)\)"):
        m.load_state_dict(path)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"save: give the file too: nn.save\(model, path\)"):
        nn.save(m)
