"""Engine semantics: accumulation, freeing, retain/create graph, grad mode, anomaly, DESIGN §4."""

from __future__ import annotations

import functools
import gc
import re
import sys
import threading
import warnings
import weakref
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor


def leaf(*shape: int, seed: int = 0, dtype: type = np.float64) -> Tensor:
    data: np.ndarray = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return Tensor(data, requires_grad=True)


# ------------------------------------------------------------------ reuse and accumulation
def test_reuse_add_chain() -> None:
    a = leaf(3)
    b = a + a
    c = b + b
    c.sum().backward()
    assert a.grad is not None
    np.testing.assert_array_equal(a.grad.data, np.full(3, 4.0))


def test_square_by_product() -> None:
    x = leaf(4)
    (x * x).sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


def test_gradients_accumulate_across_calls_and_zero_grad() -> None:
    x = leaf(2)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, np.full(2, 6.0))
    x.zero_grad()
    assert x.grad is None


def test_leaf_grads_are_not_aliased() -> None:
    a, b = leaf(3, seed=1), leaf(3, seed=2)
    (a + b).sum().backward()
    assert a.grad is not None and b.grad is not None
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.data *= 10  # the user may scale one gradient in place …
    np.testing.assert_array_equal(b.grad.data, np.ones(3))  # … without touching the other


def test_user_seed_is_not_aliased() -> None:
    x = leaf(3)
    seed = np.ones(3)
    (x + 0).backward(seed)
    assert x.grad is not None and not np.shares_memory(x.grad.data, seed)


def test_deep_chain_100k() -> None:
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 0.99999 + 0.00001
    y.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.item(), 0.99999**100_000, rtol=1e-9)


def test_deep_chain_topological_order_iterative() -> None:
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = am.tanh(y)
    order = am.graphview.topological_order(y)
    assert len(order) == 100_001 and order[0] is x and order[-1] is y.grad_fn


# ------------------------------------------------------------------ DESIGN §4 rows
def test_backward_non_scalar_needs_grad() -> None:
    x = leaf(3)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_backward_wrong_grad_shape_names_both() -> None:
    x = leaf(3)
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        (x * 2).backward(np.ones(2))


def test_second_backward_says_retain_graph() -> None:
    x = leaf(2)
    y = (am.exp(x) * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_a_new_graph_over_two_freed_nodes_says_retain_graph() -> None:
    # an LSTM loop without h.detach(): the next chunk's graph reaches two freed nodes, which
    # wait for their turn together (they used to be compared as lists of tensors)
    w = leaf(2)
    h = am.tanh(w)
    c = h * 2
    (h + c).sum().backward()
    with pytest.raises(RuntimeError, match=r"through 'tanh'.*retain_graph=True"):
        (h + c).sum().backward()
    assert w.grad is not None
    np.testing.assert_allclose(w.grad.data, 3 * (1 - np.tanh(w.data) ** 2))  # the first only


def test_an_lstm_chunk_without_detach_says_retain_graph() -> None:
    import nn
    lstm = nn.LSTM(3, 4, rng=np.random.default_rng(0))
    x = am.Tensor(np.random.default_rng(1).standard_normal((1, 2, 3)))
    out, state = lstm(x)
    out.sum().backward()
    out, state = lstm(x, state)  # (state not detached)
    with pytest.raises(RuntimeError, match=r"a second time.*retain_graph=True"):
        out.sum().backward()


def test_retain_graph_allows_second_backward_and_accumulates() -> None:
    x = leaf(2)
    y = (am.exp(x) * x).sum()
    y.backward(retain_graph=True)
    assert x.grad is not None
    first = x.grad.data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * first)


def test_grad_is_tensor_and_array_convertible() -> None:
    x = leaf(3)
    x.sum().backward()
    assert isinstance(x.grad, Tensor)
    np.testing.assert_array_equal(np.asarray(x.grad), np.ones(3))


def test_create_graph_grad_is_differentiable() -> None:
    x = Tensor(0.7, requires_grad=True)
    y = x**3
    y.backward(create_graph=True)
    g = x.grad
    assert g is not None and g.requires_grad
    np.testing.assert_allclose(g.item(), 3 * 0.7**2)
    x.grad = None
    g.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.item(), 6 * 0.7)


def test_broadcast_mismatch_names_op_and_shapes() -> None:
    with pytest.raises(ValueError, match=r"mul.*\(2, 3\).*\(4,\)"):
        leaf(2, 3) * leaf(4)


def test_matmul_mismatch_names_op_and_shapes() -> None:
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(2, 3\)"):
        leaf(2, 3) @ leaf(2, 3)


def test_nonfinite_forward_gives_ieee_without_warnings() -> None:
    x = Tensor([0.0, -1.0, 1000.0, 1e308], requires_grad=True)
    with np.errstate(all="raise"):  # our ops must not consult the caller's settings
        out = am.log(x[:2])
        big = am.exp(x[2:3]) + x[3:] * 10
        nan = big - big
    assert np.isneginf(out.data[0]) and np.isnan(out.data[1])
    assert np.isinf(big.data).all() and np.isnan(nan.data).all()


def test_detect_anomaly_forward_names_op_and_line() -> None:
    x = Tensor([-1.0, 2.0], requires_grad=True)
    with am.detect_anomaly(), pytest.raises(am.AnomalyError, match=r"'log'.*test_engine\.py"):
        am.log(x)


def test_detect_anomaly_backward_names_op_and_creation_site() -> None:
    x = Tensor([0.0, 1.0], requires_grad=True)
    with am.detect_anomaly():
        y = am.sqrt(x).sum()  # finite forward, infinite derivative at 0
        with pytest.raises(am.AnomalyError, match=r"backward of 'sqrt'.*test_engine\.py"):
            y.backward()
    assert not am.is_anomaly_enabled()


def test_integer_tensor_cannot_require_grad() -> None:
    with pytest.raises(TypeError, match="floating"):
        Tensor([1, 2, 3], requires_grad=True)
    t = Tensor([1, 2])
    assert t.dtype.kind == "i" and not (t * 2).requires_grad


def test_zero_size_tensors() -> None:
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    y = (am.exp(x) * 2).sum()
    y.backward()
    assert x.grad is not None
    assert y.item() == 0.0 and x.grad.shape == (0, 3)
    with pytest.raises(ValueError, match="empty"):
        am.max(x)


# ------------------------------------------------------------------ recording and memory
def test_nothing_recorded_without_grad() -> None:
    a = Tensor(np.ones(3))
    assert (a * 2).grad_fn is None and not (a * 2).requires_grad
    x = leaf(3)
    with am.no_grad():
        y = x * 2
    assert y.grad_fn is None and not y.requires_grad


def test_graph_freed_by_refcount_without_gc() -> None:
    gc.collect()
    gc.disable()
    try:
        x = leaf(5)
        h = am.tanh(x)
        mid = am.exp(h)
        assert mid.grad_fn is not None
        refs: list[weakref.ref[object]] = [
            weakref.ref(h),
            weakref.ref(mid),
            weakref.ref(mid.grad_fn),
        ]
        loss = (mid * h).sum()
        loss.backward()
        del h, mid, loss
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_backward_frees_saved_arrays() -> None:
    x = leaf(4)
    y = am.exp(x)
    z = y.sum()
    z.backward()
    assert y.grad_fn is not None and y.grad_fn.freed and y.grad_fn.saved is None


def test_float32_kept_end_to_end() -> None:
    x = leaf(3, 4, dtype=np.float32)
    w = leaf(4, 2, seed=3, dtype=np.float32)
    out = am.log_softmax(am.tanh(x @ w) * 2.0 + 1, axis=1).mean()
    assert out.dtype == np.float32
    out.backward()
    assert x.grad is not None and w.grad is not None
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_retain_grad_on_intermediate() -> None:
    x = leaf(3)
    h = x * 2
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad is not None
    np.testing.assert_allclose(h.grad.data, 2 * h.data)


def test_detach_cuts_graph() -> None:
    x = leaf(3)
    y = (x.detach() * x).sum()
    y.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, x.data)


# f(x) with one operand a constant copy of x (x.detach() or x.data) and its exact second
# derivative at x = c, where the constant is c: an op whose residuals are not in input order
# (div saves (b, out), einsum its operands after their shapes) must still tell the two apart.
SHARED_ARRAY_CASES: list[tuple[str, Any, Any]] = [
    ("x / x.data", lambda x: x / x.data, lambda c: 0 * c),
    ("x.detach() / x", lambda x: x.detach() / x, lambda c: 2 / c**2),  # c/x -> 2c/x³
    ("(x x) / (x x).detach()", lambda x: (x * x) / (x * x).detach(), lambda c: 2 / c**2),
    ("dot(x, x.detach())", lambda x: am.dot(x, x.detach()), lambda c: 0 * c),
    ("einsum(i,i->, x, x.data)", lambda x: am.einsum("i,i->", x, x.data), lambda c: 0 * c),
    ("outer(x, x.detach())", lambda x: am.outer(x, x.detach()), lambda c: 0 * c),
    ("tensordot(x.data, x)", lambda x: am.tensordot(x.data, x, 1), lambda c: 0 * c),
    ("x ** x.detach()", lambda x: x ** x.detach(), lambda c: c * (c - 1) * c ** (c - 2)),
    ("x.detach() * x", lambda x: x.detach() * x, lambda c: 0 * c),
]


@pytest.mark.parametrize(("label", "f", "second"), SHARED_ARRAY_CASES,
                         ids=[c[0] for c in SHARED_ARRAY_CASES])
def test_second_derivative_with_a_detached_copy_of_an_operand(label: str, f: Any,
                                                              second: Any) -> None:
    c = np.array([2.0, 3.0])
    x = Tensor(c, requires_grad=True)
    f(x).sum().backward(create_graph=True)
    g = x.grad
    assert g is not None
    x.grad = None
    if g.requires_grad:
        g.sum().backward()
        got = x.grad.data if x.grad is not None else np.zeros(2)
    else:
        got = np.zeros(2)  # the first derivative does not depend on x at all
    np.testing.assert_allclose(got, second(c), rtol=1e-12, err_msg=label)


def test_a_residual_that_is_two_values_array_is_refused_when_recorded() -> None:
    """A forward returning its input array itself is refused on the op's first call (see
    test_op_api_mistakes.py); one that does so only on a later call gets no guessed residual."""
    calls: list[int] = []

    def forward(x: np.ndarray) -> Any:
        calls.append(1)
        return (x.copy() if len(calls) == 1 else x), x

    same = am.Primitive("passes_x_through", forward, lambda g, x, needs: (g * x,))
    same(Tensor([1.0, 2.0], requires_grad=True))  # the checked first call returns a copy
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = same(x)  # its value is x's own array: the residual is the output and the input
    y.sum().backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0])  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match=r"backward of 'passes_x_through' with "
                                           r"create_graph=True: a residual.*x\.copy\(\)"):
        y.sum().backward(create_graph=True)


def test_an_array_shared_by_two_values_keeps_its_protection_and_its_second_derivative() -> None:
    """Separating x from x.detach() for a recorded VJP must not cost the read-only protection
    of a user's array, nor leave detached tensors read-only, nor break tensors sharing data."""
    data = np.ones((4, 3))
    X = data[:2]  # a batch slice, used as a constant
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (w * X).sum()
    with pytest.raises(ValueError, match="read-only"):
        X[...] = 100.0
    y.backward()
    np.testing.assert_array_equal(w.grad.data, [2.0, 2.0, 2.0])  # type: ignore[union-attr]
    x = Tensor([1.0, 2.0], requires_grad=True)
    adv = x.detach()  # an input-optimisation step: a detached copy that learns
    assert adv.data is x.data  # shares the array, as PyTorch's detach
    adv.requires_grad = True
    (adv * adv).sum().backward()
    with am.no_grad():
        adv += 0.1 * adv.grad  # type: ignore[operator]  # writable again once backward is done
    np.testing.assert_allclose(x.data, [1.2, 2.4])
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([0.0, 0.0], requires_grad=True)
    b.data = a.data  # two values, one array
    (a * b).sum().backward(create_graph=True)
    assert a.grad is not None
    a.grad.sum().backward()  # ∂/∂b of Σ ∂(a·b)/∂a = Σ b: 1 each
    np.testing.assert_array_equal(b.grad.data, [2.0, 3.0])  # type: ignore[union-attr]


# ------------------------------------------------------------------ grad mode
def test_no_grad_and_enable_grad_nest_and_decorate() -> None:
    x = leaf(2)
    with am.no_grad():
        assert not am.is_grad_enabled()
        with am.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert am.is_grad_enabled()

    @am.no_grad()
    def f(t: Tensor) -> Tensor:
        return t * 2

    assert not f(x).requires_grad and am.is_grad_enabled()


def test_grad_mode_is_thread_local() -> None:
    seen: list[bool] = []
    with am.no_grad():
        th = threading.Thread(target=lambda: seen.append(am.is_grad_enabled()))
        th.start()
        th.join()
        assert not am.is_grad_enabled()
    assert seen == [True]


def test_no_grad_restored_after_exception() -> None:
    with pytest.raises(KeyError), am.no_grad():
        raise KeyError
    assert am.is_grad_enabled()


def test_name_scope_tags_nodes() -> None:
    x = leaf(2)
    with am.name_scope("layer"), am.name_scope("inner"):
        y = x * 2
    assert y.grad_fn is not None
    assert y.grad_fn.scope == ("layer", "inner") and am.current_scope() == ()


def _twice_exp_primitive() -> am.Primitive:
    """A user's primitive whose forward is built from library ops: 2 e^x, x̄ += ḡ · out."""

    def forward(x: np.ndarray) -> tuple[np.ndarray, None]:
        inner = am.exp(Tensor(x)) * 2.0  # library ops inside another op's forward
        with pytest.raises(ValueError, match="add"):  # nested errors still name their op
            am.add(Tensor(np.ones(2)), Tensor(np.ones(3)))
        return inner.data, None

    def vjp(g: np.ndarray, out: np.ndarray, needs: object) -> tuple[np.ndarray]:
        return (g * out,)

    return am.Primitive("twice_exp", lambda x: (lambda out: (out, out))(forward(x)[0]), vjp)


def test_a_primitive_may_use_library_ops_in_its_forward() -> None:
    from autograd_mini.engine import apply

    prim = _twice_exp_primitive()
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the nested forward is as quiet as any: e^1000 = inf
        assert apply(prim, Tensor(np.array(1000.0))).data == np.inf
        y = apply(prim, x)
        assert not y.data.flags.writeable
        y.sum().backward()
    np.testing.assert_allclose(y.data, 2 * np.exp([0.0, 1.0]))
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [2.0, 2 * np.e])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the thread's quiet context is back for ordinary ops
        assert am.exp(Tensor(np.array(1000.0))).data == np.inf


# ------------------------------------------------------------------ constants
@pytest.mark.parametrize("fn", [am.add, am.sub], ids=["add", "sub"])
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((1, 3), (2, 1)),
                                    ((3,), ())])
def test_tensor_and_constant_keep_the_gradient(
    fn: Any, shapes: tuple[tuple[int, ...], tuple[int, ...]]
) -> None:
    """x ± constant, broadcasting included: central differences agree, and with two inputs that
    want a gradient both get theirs."""
    rng = np.random.default_rng(0)
    c = Tensor(rng.standard_normal(shapes[1]))
    assert am.gradcheck(lambda x: fn(x, c) * fn(x, c), [rng.standard_normal(shapes[0])])
    assert am.gradcheck(lambda x, w: fn(x, w) * fn(x, w),
                        [rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])])


def test_python_numbers_become_cached_read_only_constants_that_are_never_locked() -> None:
    from autograd_mini.tensor import is_locked

    x = leaf(3)
    y = x * 2.5
    c = y.grad_fn.parents[1]  # type: ignore[union-attr]
    assert isinstance(c, Tensor) and not c.data.flags.writeable and not is_locked(c.data)
    assert (x * 2.5).grad_fn.parents[1] is c  # type: ignore[union-attr]
    x32 = Tensor(np.ones(2, np.float32), requires_grad=True)
    c32 = (x32 * 2.5).grad_fn.parents[1]  # type: ignore[union-attr]
    assert isinstance(c32, Tensor) and c32.dtype == np.float32 and c32 is not c
    assert (x * -0.0).grad_fn.parents[1].data.item() == 0.0  # type: ignore[union-attr]
    assert np.signbit((x * -0.0).grad_fn.parents[1].data)  # type: ignore[union-attr]
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.5] * 3)  # type: ignore[union-attr]


def test_nodes_are_distinct_hashable_and_list_their_parents_in_order() -> None:
    # Two nodes made alike (same op, same inputs) are still two nodes: equality and hashing
    # are by identity, so nodes work as dict keys and set members; parents keep input order.
    x = Tensor(np.arange(3.0), requires_grad=True)
    w = Tensor(np.ones(3), requires_grad=True)
    a, b = (x * w).grad_fn, (x * w).grad_fn
    assert a is not None and b is not None
    assert (a == b) is False and (a != b) is True and len({a, b}) == 2 and {a: 1}[a] == 1
    assert a.parents == (x, w) and [p is q for p, q in zip(a, (x, w), strict=True)] == [True] * 2
    y = (w * x).grad_fn
    assert y is not None and y.parents == (w, x)


# ----------------------------------------------------------------------------- a user op's shape
def test_a_forward_that_does_not_return_a_pair_is_refused_whatever_its_length() -> None:
    bare = am.primitive("bare_sin_forward", lambda x: np.sin(x), lambda g, s, needs: (g,))
    try:
        for n in (1, 2, 3):  # a 2-element array would unpack into (value, residuals) silently
            with pytest.raises(TypeError, match=r"bare_sin_forward: forward must return a pair "
                                                r"\(value, residuals\), got ndarray"):
                bare(Tensor(np.ones(n), requires_grad=True))
    finally:
        del am.REGISTRY["bare_sin_forward"]


def test_a_vjp_that_does_not_return_one_gradient_per_input_is_refused() -> None:
    bare = am.primitive("bare_vjp", lambda x: (np.sin(x), x), lambda g, x, needs: g * np.cos(x))
    short = am.primitive("short_vjp", lambda a, b: (a * b, (a, b)),
                         lambda g, s, needs: (g * s[1],), nin=2)
    try:
        for shape, kind in (((), "float64"), ((3,), "ndarray")):
            x = Tensor(np.ones(shape), requires_grad=True)
            with pytest.raises(TypeError, match=rf"backward of 'bare_vjp': the VJP must return a "
                                                rf"tuple .* per input \(1\), got {kind}"):
                bare(x).sum().backward()
            assert x.grad is None
        a, b = Tensor(1.0, requires_grad=True), Tensor(2.0, requires_grad=True)
        with pytest.raises(TypeError, match=r"'short_vjp'.*\(2\), got tuple of length 1"):
            short(a, b).backward()  # (zip would have left b without a gradient, silently)
        assert a.grad is None and b.grad is None
    finally:
        del am.REGISTRY["bare_vjp"], am.REGISTRY["short_vjp"]


def _user_op(name: str, forward: Any, vjp: Any, **options: Any) -> Any:
    """A primitive registered for one test (removed again by the caller's finally)."""
    return am.primitive(name, forward, vjp, **options)


def test_a_vjp_short_on_a_later_call_is_refused_too() -> None:
    """The first backward had every input needing a gradient; a later one with partial needs
    returned one gradient for two inputs, which a plain zip paired with the wrong input."""
    def vjp(g: Any, s: Any, needs: Any) -> Any:
        return tuple(g * s[1 - i] for i in range(2) if needs[i])

    op = _user_op("needed_only", lambda a, b: (a * b, (a, b)), vjp, nin=2)
    try:
        a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
        op(a, b).sum().backward()
        b2 = Tensor([3.0, 4.0], requires_grad=True)
        short = r"'needed_only'.*per input \(2\), got tuple of length 1"
        with pytest.raises(TypeError, match=short):
            op(Tensor([1.0, 2.0]), b2).sum().backward()
        assert b2.grad is None
        for show in (am.explain_backward, am.draw_graph):  # (they drew a wrong 0 for b2)
            with pytest.raises(TypeError, match=short):
                show(am.sum(op(Tensor([1.0, 2.0]), b2)))
    finally:
        del am.REGISTRY["needed_only"]


def test_a_wrong_gradient_shape_is_never_reshaped_into_place() -> None:
    """Only broadcast axes are summed: a transposed gradient with a leading axis of 1, or a
    column for a vector, is refused naming the op (they were reshaped, scrambled, in)."""
    ops = [_user_op("lead_t", lambda x: (x * 2, None), lambda g, s, n: (2 * g.T[None],)),
           _user_op("column", lambda x: (x * 2, None), lambda g, s, n: (2 * g[:, None],))]
    try:
        for op, x0, given in ((ops[0], np.ones((3, 2)), (1, 2, 3)), (ops[1], np.ones(3), (3, 1))):
            x = Tensor(x0, requires_grad=True)
            with pytest.raises(RuntimeError, match=rf"backward of '{op.name}': gradient has shape "
                                                   rf"{re.escape(str(given))} but the input"):
                op(x).sum().backward()
            assert x.grad is None
    finally:
        del am.REGISTRY["lead_t"], am.REGISTRY["column"]


def test_first_call_checks_of_a_users_op() -> None:
    """On an op's first call: a forward writing into its input (put back), a complex or string
    value, residuals in a list, cross=True without (a, b) residuals, a VJP writing into g (put
    back: it is shared with other shares and the caller's seed) or returning a float."""
    def inplace_fwd(x: np.ndarray) -> Any:
        x -= x.max()
        return np.exp(x), None

    def inplace_vjp(g: np.ndarray, s: Any, n: Any) -> Any:
        g *= 3.0
        return (g,)

    ops = {
        "writes_input": (inplace_fwd, lambda g, s, n: (g,), {}, "wrote into its input 0"),
        "complex_out": (lambda x: (np.fft.fft(x), None), lambda g, s, n: (g,), {},
                        "dtype complex128"),
        "list_saved": (lambda x: (np.tanh(x), [x]), lambda g, s, n: (g,), {},
                       "residuals as a list"),
        "cross_none": (lambda a, b: (a * b, None), lambda g, s, n: (g, g), {"nin": 2,
                                                                            "cross": True},
                       "cross=True must return residuals"),
    }
    try:
        for name, (fwd, vjp, opts, match) in ops.items():
            op = _user_op(name, fwd, vjp, **opts)
            x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
            with pytest.raises(TypeError, match=match):
                op(*([x] * (opts.get("nin", 1))))
            np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0])
        op = _user_op("writes_g", lambda x: (3.0 * x, None), inplace_vjp)
        seed = np.ones(2)
        x = Tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(TypeError, match="wrote into its upstream gradient g"):
            op(x).backward(seed)
        np.testing.assert_array_equal(seed, [1.0, 1.0])
        assert x.grad is None
        op = _user_op("float_grad", lambda x: (x * 2, None), lambda g, s, n: (2.0,))
        with pytest.raises(TypeError, match="'float_grad': the VJP's gradient 0 must be an array"):
            op(Tensor(1.0, requires_grad=True)).backward()
        # The same result on a later backward, after the first one was checked, names the op too.
        answers = iter([lambda g: g * 2, lambda g: 2.0])
        op = _user_op("later_float", lambda x: (x * 2, None), lambda g, s, n: (next(answers)(g),))
        x = Tensor([1.0, 2.0], requires_grad=True)
        op(x).sum().backward()
        with pytest.raises(TypeError, match="'later_float': the VJP returned a gradient of type "
                           "float"):
            op(x).sum().backward()
        assert x.grad is not None  # from the first pass; the failed one added nothing
        np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    finally:
        for name in (*ops, "writes_g", "float_grad", "later_float"):
            am.REGISTRY.pop(name, None)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes need Python 3.11")
def test_errors_inside_a_users_op_name_it_and_where() -> None:
    def forward(x: np.ndarray) -> Any:
        return x + "oops", None

    def boom(x: np.ndarray) -> Any:
        raise KeyError("boom")

    def bad_vjp(g: np.ndarray, s: Any, n: Any) -> Any:
        return (g @ np.ones((4, 4)),)

    ops = [_user_op("adds_text", forward, lambda g, s, n: (g,)),
           _user_op("raises_key", boom, lambda g, s, n: (g,)),
           _user_op("bad_vjp_matmul", lambda x: (x * 1, None), bad_vjp)]
    try:
        with pytest.raises(TypeError, match="adds_text") as err:
            ops[0](np.ones(2))
        assert any("raised in the forward at" in n and "in forward" in n
                   for n in getattr(err.value, "__notes__", []))
        with pytest.raises(KeyError) as err2:
            ops[1](np.ones(2))
        assert "(in the forward of op 'raises_key')" in getattr(err2.value, "__notes__", [])
        x = Tensor(np.ones(3), requires_grad=True)
        with pytest.raises(ValueError) as err3:
            ops[2](x).sum().backward()
        assert any(f.name == "bad_vjp" for f in err3.traceback)  # (the user's VJP, in the trace)
        assert x.grad is None
        with pytest.raises(TypeError, match="domain must be a tuple"):
            am.primitive("domain_str", forward, lambda g, s, n: (g,), domain="positive")
    finally:
        for name in ("adds_text", "raises_key", "bad_vjp_matmul", "domain_str"):
            am.REGISTRY.pop(name, None)


# ----------------------------------------------------------------------------- create_graph
def _second(f: Any, x0: np.ndarray) -> np.ndarray:
    """d/dx Σ ∂Σf/∂x, by a recorded backward pass and a second one (0 where g has no graph)."""
    w = Tensor(x0, requires_grad=True)
    f(w).sum().backward(create_graph=True)
    g, w.grad = w.grad, None
    assert g is not None
    if not g.requires_grad:
        return np.zeros_like(x0)
    g.sum().backward()
    return w.grad.data  # type: ignore[attr-defined]  # (set by backward)


def test_create_graph_tells_an_input_from_a_constant_that_shares_its_array() -> None:
    x0 = np.array([0.5, -1.0, 2.0])
    # w · c with c = w's array as a constant: ∂/∂w = c, whose own derivative is 0
    for f in (lambda w: w * w.detach(), lambda w: w.detach() * w, lambda w: w * w.data):
        np.testing.assert_array_equal(_second(f, x0), [0.0, 0.0, 0.0])
    # h · c with h = eˣ and c = h as a constant: ∂/∂x = c eˣ, and its derivative c eˣ = e²ˣ
    np.testing.assert_allclose(_second(lambda w: (lambda h: h * h.detach())(am.exp(w)), x0),
                               np.exp(2 * x0), rtol=1e-15)
    np.testing.assert_array_equal(_second(lambda w: w * w, x0), [2.0, 2.0, 2.0])


def test_retain_grad_follows_a_tensor_through_a_recorded_in_place_update() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    h.retain_grad()
    h *= 3  # h is now 6w: its gradient in Σh² is 2h, as PyTorch keeps it
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad.data, [12.0, 24.0])  # type: ignore[union-attr]
    np.testing.assert_array_equal(w.grad.data, [72.0, 144.0])  # type: ignore[union-attr]


def _cube(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x**3, x


def test_defining_a_primitive_again_from_the_same_place_replaces_it() -> None:
    """A notebook cell run twice (its VJP fixed) redefines its op; another op of the same
    name is refused, with the ways out."""
    try:
        am.primitive("cube_for_redefinition", _cube, lambda g, x, needs: (g * 2 * x**2,))
        fixed = am.primitive("cube_for_redefinition", _cube,
                             lambda g, x, needs: (g * 3 * x**2,))
        assert am.REGISTRY["cube_for_redefinition"] is fixed
        assert am.gradcheck(fixed, [np.array([0.5, -2.0])])
        with pytest.raises(ValueError, match=r"primitive 'cube_for_redefinition' is already "
                                             r"registered, by a forward defined in .*test_engine"
                                             r".*del autograd_mini.REGISTRY\['cube_for_re"):
            am.primitive("cube_for_redefinition", lambda x: (x**3, x),
                         lambda g, x, needs: (g,))
        with pytest.raises(ValueError, match="'exp' is already registered"):
            am.primitive("exp", np.exp, lambda g, x, needs: (g,))
        am.primitive("twice_by_lambda", lambda x: (x * 2, None), lambda g, r, needs: (2 * g,))
        with pytest.raises(ValueError, match="'twice_by_lambda' is already registered"):
            am.primitive("twice_by_lambda", lambda x: (x**3, x),  # lambdas (and partials)
                         lambda g, x, needs: (g,))  # tell nothing of where they were made
        with pytest.raises(ValueError, match="'cube_for_redefinition' is already registered"):
            am.primitive("cube_for_redefinition", functools.partial(_cube),
                         lambda g, x, needs: (g,))
    finally:
        am.REGISTRY.pop("cube_for_redefinition", None)
        am.REGISTRY.pop("twice_by_lambda", None)


def test_an_ops_input_count_comes_from_its_forward_unless_given() -> None:
    def fwd2(a: np.ndarray, b: np.ndarray, scale: float = 1.0) -> tuple[np.ndarray, None]:
        return a * b * scale, None

    def fwd_any(*arrays: np.ndarray) -> tuple[np.ndarray, None]:
        return np.add.reduce(arrays), None

    assert am.Primitive("two", fwd2, lambda g, r, needs: (g, g)).nin == 2  # scale: an attribute
    assert am.Primitive("any", fwd_any, lambda g, r, needs: (g,)).nin == -1
    assert am.Primitive("given", fwd2, lambda g, r, needs: (g, g), nin=3).nin == 3
    assert am.REGISTRY["exp"].nin == 1 and am.REGISTRY["mul"].nin == 2


def test_reading_grad_of_a_non_leaf_warns_as_pytorch() -> None:
    """micrograd keeps every node's grad; here, as in PyTorch, backward() fills leaves only:
    reading an intermediate's .grad says so, and retain_grad() keeps it."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    kept = x * 2.0
    kept.retain_grad()
    (h * kept).sum().backward()
    with pytest.warns(UserWarning, match=r"\.grad of a non-leaf tensor \(made by 'mul'\) is "
                                         r"None.*retain_grad\(\)"):
        assert h.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kept.grad is not None and x.grad is not None  # retained, and a leaf: quiet
        assert Tensor([1.0]).grad is None  # a leaf without a gradient: quiet too
