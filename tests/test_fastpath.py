"""The recording fast path for ufunc primitives builds what ``engine.apply`` builds."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import functional as F
from autograd_mini.engine import REGISTRY, LockingNode, Primitive, apply
from autograd_mini.fastpath import apply_ufunc
from autograd_mini.functional_args import _CONSTS, _CONSTS64, _const
from autograd_mini.locks import FROZEN, LOCKS, is_locked
from autograd_mini.sweep import backward
from autograd_mini.tensor import Tensor

UFUNC_OPS = sorted(n for n, p in REGISTRY.items() if p.ufunc is not None and not p.casts)
UNARY = [n for n in UFUNC_OPS if REGISTRY[n].nin == 1]
BINARY = [n for n in UFUNC_OPS if REGISTRY[n].nin == 2]


def _fast(op: Primitive, args: tuple[Tensor, ...]) -> Tensor:
    return apply_ufunc(op, *args)


def _inputs(kind: str, shape: tuple[int, ...], dtype: type, seed: int) -> Tensor:
    """A positive input (every op's domain) as a trainable leaf, a constant or an op output."""
    data: np.ndarray = np.random.default_rng(seed).uniform(0.5, 2.0, shape).astype(dtype)
    if kind == "leaf":
        return Tensor(data, requires_grad=True)
    if kind == "const":
        return Tensor(data)
    return Tensor(data, requires_grad=True) * 1.0  # an op output


def _same_node(fast: Tensor, slow: Tensor) -> None:
    assert (fast._node is None) == (slow._node is None)
    assert fast._rg == slow._rg
    assert fast.data.dtype == slow.data.dtype
    np.testing.assert_array_equal(fast.data, slow.data)
    assert fast.data.flags.writeable == slow.data.flags.writeable
    a, b = fast._node, slow._node
    if a is None or b is None:
        return
    assert type(a) is type(b)
    assert a.op is b.op and a.parents == b.parents and a.shape == b.shape
    assert a.scope == b.scope and a.attrs == b.attrs and a.extra is None and b.extra is None
    assert (a.ins is None) == (b.ins is None)
    if a.ins is not None and b.ins is not None:
        assert [x is y for x, y in zip(a.ins, b.ins, strict=True)] == [True] * len(a.ins)
    assert (a.out is None) == (b.out is None)
    assert a.held == b.held
    assert a.seq > b.seq


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("kind", ["leaf", "const", "output"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_input_ops_record_what_apply_records(name: str, kind: str, dtype: type) -> None:
    op = REGISTRY[name]
    x = _inputs(kind, (3, 4), dtype, 0)
    slow = apply(op, (x,))
    fast = _fast(op, (x,))
    _same_node(fast, slow)
    if fast._rg:
        seed = np.ones(fast.shape, fast.dtype)
        got = [backward(t, seed, retain_graph=True, inputs=[x]) for t in (fast, slow)]
        np.testing.assert_array_equal(got[0][0], got[1][0])


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("kinds", [("leaf", "leaf"), ("leaf", "const"), ("const", "leaf"),
                                   ("output", "const"), ("output", "output"),
                                   ("const", "const")])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((1, 4), (3, 1))])
def test_two_input_ops_record_what_apply_records(
    name: str, kinds: tuple[str, str], shapes: tuple[tuple[int, ...], ...]
) -> None:
    op = REGISTRY[name]
    a = _inputs(kinds[0], shapes[0], np.float64, 1)
    b = _inputs(kinds[1], shapes[1], np.float64, 2)
    slow = apply(op, (a, b))
    fast = _fast(op, (a, b))
    _same_node(fast, slow)
    want = [t for t in (a, b) if t._rg]
    if fast._rg:
        seed = np.ones(fast.shape, fast.dtype)
        got_fast = backward(fast, seed, retain_graph=True, inputs=want)
        got_slow = backward(slow, seed, retain_graph=True, inputs=want)
        for gf, gs in zip(got_fast, got_slow, strict=True):
            np.testing.assert_array_equal(gf, gs)
    assert am.gradcheck(lambda *t: _fast(op, t), [a.data.astype(np.float64),
                                                  b.data.astype(np.float64)])


def test_leaves_saved_by_the_fast_path_are_locked_and_given_back() -> None:
    w = Tensor(np.full((2, 2), 2.0), requires_grad=True)
    x = Tensor(np.ones((2, 2)))
    y = w * x  # mul keeps x for w's gradient: x's array is locked while the graph lives
    assert type(y._node) is LockingNode and is_locked(x.data) and not is_locked(w.data)
    with pytest.raises(ValueError, match="read-only"):
        x.data[0, 0] = 5.0
    y.sum().backward()
    assert not is_locked(x.data) and x.data.flags.writeable
    np.testing.assert_array_equal(w.grad.data, x.data)  # type: ignore[union-attr]


def test_cached_constants_are_frozen_and_never_locked() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    before = dict(LOCKS)
    y = x * 2.5
    c = y._node.p1  # type: ignore[union-attr]
    assert isinstance(c, Tensor) and c is _CONSTS64[2.5] and (2.5, x.data.dtype) not in _CONSTS
    assert id(c.data) in FROZEN and not c.data.flags.writeable
    assert type(y._node) is not LockingNode and before == LOCKS
    f32 = Tensor(np.ones(3, np.float32), requires_grad=True) * 2.5
    assert f32.dtype == np.float32  # float32 constants are cached apart, by dtype
    assert f32._node.p1.data.dtype == np.float32  # type: ignore[union-attr]
    assert f32._node.p1 is _CONSTS[(2.5, np.dtype(np.float32))]  # type: ignore[union-attr]


def test_clearing_the_constant_cache_forgets_the_frozen_ids() -> None:
    saved = dict(_CONSTS), dict(_CONSTS64), set(FROZEN)

    def cached() -> list[Tensor]:
        return [*_CONSTS.values(), *_CONSTS64.values()]

    try:
        for i in range(4100):  # past the cache's bound: it starts again
            _const(1.0 + i / 8192, np.dtype(np.float32 if i % 2 else np.float64))
        assert len(FROZEN) == len(cached()) < 4100
        assert {id(t.data) for t in cached()} == FROZEN
        assert all(t.dtype == np.float64 for t in _CONSTS64.values())
        assert all(t.dtype == np.float32 for t in _CONSTS.values())
        # a second constant for a cached number (two threads missing at once) is not kept:
        # the cache's own is returned, and only arrays the cache holds are marked frozen
        for dtype in (np.float64, np.float32):
            first = _const(3.25, np.dtype(dtype))
            assert _const(3.25, np.dtype(dtype)) is first
        assert {id(t.data) for t in cached()} == FROZEN
    finally:
        _CONSTS.clear()
        _CONSTS.update(saved[0])
        _CONSTS64.clear()
        _CONSTS64.update(saved[1])
        FROZEN.clear()
        FROZEN.update(saved[2])


def test_errors_anomaly_mode_and_nesting_take_the_general_path() -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((4,)))
    with pytest.raises(ValueError, match=r"add: .*\(input shapes \(2, 3\) and \(4,\)\)"):
        a + b
    with am.detect_anomaly():
        with pytest.raises(am.AnomalyError, match="'log'"):
            am.log(a * 0.0 - 1.0)
        assert F.tanh(a)._node.where is not None  # type: ignore[union-attr]

    def fwd(x: np.ndarray) -> tuple[np.ndarray, None]:
        return (am.tanh(Tensor(x)) + 1.0).data, None  # library ops inside a primitive

    inner = Primitive("fastpath_nested", fwd, lambda g, ins, out, extra, needs: (g,),
                      save_inputs=False)
    out = apply(inner, (a,))
    np.testing.assert_allclose(out.data, np.tanh(1.0) + 1.0)


def test_no_grad_records_nothing() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with am.no_grad():
        y = am.exp(x) + x * 2.0
    assert y._node is None and not y.requires_grad
    assert y.data.flags.writeable
