"""Differences, products and distances beyond the registry's property tests: NumPy's values
and options, values and gradients against PyTorch, ``np.<name>(t)`` dispatch, float32, the
gradient at special points, and errors."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.gradcheck import gradcheck, gradgradcheck


def _grads(fn: Any, *xs: Any, upstream: Any = None, dtype: Any = np.float64
           ) -> tuple[np.ndarray, list[np.ndarray]]:
    ts = [Tensor(np.asarray(x, dtype=dtype), requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward(np.ones(out.shape, dtype) if upstream is None else upstream)
    return out.data, [t.grad.data for t in ts]  # type: ignore[union-attr]


def _torch_grads(torch: Any, fn: Any, *xs: Any, upstream: Any) -> tuple[np.ndarray, list[Any]]:
    ts = [torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward(torch.tensor(upstream))
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


# --------------------------------------------------------------------------- NumPy's values
@pytest.mark.parametrize(("shape", "n", "axis", "prepend", "append"), [
    ((5,), 1, -1, None, None), ((4, 5), 2, 0, None, None), ((3, 4), 1, 1, 0.5, None),
    ((3, 4), 3, -1, None, np.ones((3, 2))), ((2, 3, 4), 1, 1, np.zeros((2, 1, 4)), 2.0),
    ((3,), 0, 0, None, None), ((3,), 5, 0, None, None)], ids=str)
def test_diff_matches_numpy(shape: Any, n: int, axis: int, prepend: Any, append: Any) -> None:
    x = np.random.default_rng(0).standard_normal(shape)
    ends = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    ref = np.diff(x, n=n, axis=axis, **ends)
    got = am.diff(Tensor(x), n, axis, prepend, append)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got.data, ref, rtol=1e-15, atol=1e-15)
    np.testing.assert_array_equal(am.diff(Tensor(np.array([True, False, False]))).data,
                                  np.diff([True, False, False]))
    assert am.diff(Tensor(np.array([1, 4, 9]))).data.tolist() == [3, 5]


@pytest.mark.parametrize(("sa", "sb", "axis"), [((3,), (3,), -1), ((4, 3), (3,), -1),
                                                ((2, 1, 3), (4, 3), -1), ((3, 5), (3, 1), 0),
                                                ((2, 3, 4), (1, 3, 4), 1)], ids=str)
def test_cross_matches_numpy(sa: Any, sb: Any, axis: int) -> None:
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    got = am.cross(Tensor(a), Tensor(b), axis=axis)
    ref = np.cross(a, b, axis=axis)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got.data, ref, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize(("sa", "sb"), [((2,), (3,)), ((2, 3), (3, 2)), ((2,), (2, 3)),
                                        ((), (3,)), ((2, 1, 2), (3, 2))], ids=str)
def test_kron_matches_numpy(sa: Any, sb: Any) -> None:
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    ref = np.kron(a, b)
    got = am.kron(Tensor(a), Tensor(b))
    assert got.shape == ref.shape
    np.testing.assert_array_equal(got.data, ref)


def test_nan_to_num_matches_numpy_and_passes_the_gradient_where_finite() -> None:
    x = np.array([1.0, np.nan, np.inf, -np.inf, -2.0])
    kws: list[dict[str, Any]] = [{}, {"nan": 3.0}, {"posinf": 9.0, "neginf": -9.0}]
    for kw in kws:
        value, (g,) = _grads(lambda t, kw=kw: am.nan_to_num(t, **kw), x)
        np.testing.assert_array_equal(value, np.nan_to_num(x, **kw))
        np.testing.assert_array_equal(g, [1, 0, 0, 0, 1])
    f32 = am.nan_to_num(Tensor(x.astype(np.float32)))
    assert f32.dtype == np.float32 and f32.data[2] == np.finfo(np.float32).max
    assert am.nan_to_num(Tensor(np.array([1, 2]))).data.tolist() == [1, 2]


# --------------------------------------------------------------------------- against PyTorch
CASES: list[tuple[str, Any, Any, list[tuple[int, ...]]]] = [
    ("diff", lambda x: am.diff(x, 2, 0), lambda x: x.diff(n=2, dim=0), [(5, 3)]),
    ("diff_ends", lambda x, p: am.diff(x, 1, -1, p, None),
     lambda x, p: x.diff(dim=-1, prepend=p), [(3, 4), (3, 2)]),
    ("cross", lambda a, b: am.cross(a, b, axis=1), None, [(2, 3, 4), (1, 3, 4)]),
    ("kron", am.kron, None, [(2, 3), (4, 2)]),
    ("lerp", am.lerp, None, [(3, 4), (4,), (3, 1)]),
    ("lerp_number", lambda s, e: am.lerp(s, e, 0.7), lambda s, e: s.lerp(e, 0.7),
     [(3, 4), (3, 4)]),
    ("nan_to_num", lambda x: am.nan_to_num(x, nan=0.5, posinf=2.0),
     lambda x: x.nan_to_num(nan=0.5, posinf=2.0), [(8,)]),
]


@pytest.mark.parametrize(("name", "ours", "theirs", "shapes"), CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_pytorch(name: str, ours: Any, theirs: Any,
                                            shapes: list[tuple[int, ...]]) -> None:
    torch = pytest.importorskip("torch")
    if theirs is None:
        theirs = {"cross": lambda a, b: torch.linalg.cross(a, b, dim=1), "kron": torch.kron,
                  "lerp": torch.lerp}[name]
    rng = np.random.default_rng(len(name))
    xs = [rng.standard_normal(s) for s in shapes]
    if name == "nan_to_num":
        xs[0][[1, 4, 6]] = [np.nan, np.inf, -np.inf]
    out_shape = ours(*[Tensor(x) for x in xs]).shape
    u = rng.standard_normal(out_shape)
    value, grads = _grads(ours, *xs, upstream=u)
    ref, ref_grads = _torch_grads(torch, theirs, *xs, upstream=u)
    np.testing.assert_allclose(value, ref, rtol=1e-14, atol=1e-14)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, 0.0, np.inf])
@pytest.mark.parametrize(("s1", "s2"), [((4, 3), (5, 3)), ((2, 1, 3, 2), (4, 5, 2)),
                                        ((1, 2), (3, 2))], ids=str)
def test_cdist_matches_pytorch(p: float, s1: Any, s2: Any) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x1, x2 = rng.standard_normal(s1), rng.standard_normal(s2)
    out = am.cdist(Tensor(x1), Tensor(x2), p)
    u = rng.standard_normal(out.shape)
    value, grads = _grads(lambda a, b: am.cdist(a, b, p=p), x1, x2, upstream=u)
    ref, ref_grads = _torch_grads(torch, lambda a, b: torch.cdist(
        a, b, p=p, compute_mode="donot_use_mm_for_euclid_dist"), x1, x2, upstream=u)
    np.testing.assert_allclose(value, ref, rtol=1e-13, atol=1e-14)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-13)


def test_cdist_gradient_is_zero_at_zero_distance_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x1 = np.array([[0.0, 1.0], [2.0, 2.0]])
    x2 = np.array([[0.0, 1.0], [1.0, 1.0]])
    for p in (2.0, 1.0, 3.0):
        value, grads = _grads(lambda a, b, p=p: am.cdist(a, b, p), x1, x2)
        ref, ref_grads = _torch_grads(torch, lambda a, b, p=p: torch.cdist(a, b, p), x1, x2,
                                      upstream=np.ones((2, 2)))
        assert value[0, 0] == 0
        np.testing.assert_allclose(value, ref, rtol=1e-14)
        for g, r in zip(grads, ref_grads):
            np.testing.assert_allclose(g, r, rtol=1e-14, atol=1e-15)


MODES = ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
         "donot_use_mm_for_euclid_dist"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("s1", "s2"), [((30, 3), (4, 3)), ((4, 3), (5, 3)),
                                        ((2, 1, 27, 3), (3, 5, 3)), ((3, 2), (26, 2))], ids=str)
def test_cdist_compute_modes_match_pytorch(mode: str, s1: Any, s2: Any) -> None:
    """p = 2 through the matrix product where torch.cdist takes it (P or R > 25, or always),
    with values and gradients as PyTorch's in each mode; and the form taken is the matrix
    product's (no (…, P, R, M) difference tensor)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(s1) + s2[-2])
    x1, x2 = rng.standard_normal(s1), rng.standard_normal(s2)
    out = am.cdist(Tensor(x1), Tensor(x2), compute_mode=mode)
    u = rng.standard_normal(out.shape)
    value, grads = _grads(lambda a, b: am.cdist(a, b, compute_mode=mode), x1, x2, upstream=u)
    ref, ref_grads = _torch_grads(torch, lambda a, b: torch.cdist(a, b, compute_mode=mode),
                                  x1, x2, upstream=u)
    np.testing.assert_allclose(value, ref, rtol=1e-12, atol=1e-13)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-11, atol=1e-12)
    mm = mode == MODES[1] or (mode == MODES[0] and max(s1[-2], s2[-2]) > 25)
    x = Tensor(x1, requires_grad=True)
    assert repr(am.cdist(x, x2, compute_mode=mode).grad_fn).startswith(
        "<Node cdist_euclid" if mm else "<Node cdist ")


@pytest.mark.parametrize("p", [1.0, 3.0, np.inf, 0.5, 0.0, 2.0])
def test_cdist_by_blocks_matches_pytorch(p: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """With p ≠ 2 (or p = 2 without the matrix product) cdist works through blocks of x2's
    rows; with blocks of a few rows (and batch axes that broadcast) the values, gradients and
    second order are those of one block, and torch's."""
    import autograd_mini.ops.products as products
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(int(p * 10) if np.isfinite(p) else 99)
    x1, x2 = rng.standard_normal((2, 1, 5, 3)), rng.standard_normal((3, 7, 3))
    u = rng.standard_normal((2, 3, 5, 7))
    whole = _grads(lambda a, b: am.cdist(a, b, p, "donot_use_mm_for_euclid_dist"), x1, x2,
                   upstream=u)
    monkeypatch.setattr(products, "CHUNK", 2 * (2 * 3 * 5) * 3)  # two of x2's rows a block
    assert len(products._blocks(x1, x2)) == 4
    value, grads = _grads(lambda a, b: am.cdist(a, b, p, "donot_use_mm_for_euclid_dist"), x1,
                          x2, upstream=u)
    np.testing.assert_array_equal(value, whole[0])
    for g, w in zip(grads, whole[1]):
        np.testing.assert_allclose(g, w, rtol=1e-14, atol=1e-15)
    ref, ref_grads = _torch_grads(torch, lambda a, b: torch.cdist(
        a, b, p, compute_mode="donot_use_mm_for_euclid_dist"), x1, x2, upstream=u)
    np.testing.assert_allclose(value, ref, rtol=1e-12, atol=1e-13)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-11, atol=1e-12)
    if p not in (0.0, np.inf):  # (steps: no second derivative to compare)
        assert am.gradgradcheck(lambda a, b: am.cdist(a, b, p), [x1[0, 0, :2], x2[:, :3]])


def test_cdist_never_holds_all_differences() -> None:
    """(4, 256, 32) × (4, 512, 32) with p = 1: the (…, P, R, M) differences would take 134 MB;
    forward and backward stay well below that."""
    import tracemalloc
    rng = np.random.default_rng(5)
    x1 = Tensor(rng.standard_normal((4, 256, 32)), requires_grad=True)
    x2 = Tensor(rng.standard_normal((4, 512, 32)), requires_grad=True)
    tracemalloc.start()
    try:
        am.cdist(x1, x2, p=1).sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40e6, f"peak {peak / 1e6:.0f} MB"
    # many points against themselves: the backward adds x1's share block by block (keeping
    # one share per block of x2's rows took 576 MB here)
    x = Tensor(rng.standard_normal((1500, 64)), requires_grad=True)
    tracemalloc.start()
    try:
        am.cdist(x, x, p=1).sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 120e6, f"peak {peak / 1e6:.0f} MB"


def test_cdist_matrix_product_form_second_order_and_dtypes() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x1, x2 = rng.standard_normal((2, 1, 4, 3)), rng.standard_normal((3, 5, 3))
    x2[0, 0] = x1[0, 0, 0]
    u = rng.standard_normal((2, 3, 4, 5))
    a, b = (Tensor(x, requires_grad=True) for x in (x1, x2))
    am.cdist(a, b, compute_mode=MODES[1]).backward(u, create_graph=True)
    ga, gb = a.grad, b.grad
    assert ga is not None and gb is not None
    a.grad = b.grad = None
    (ga.square().sum() + (gb * gb.detach()).sum()).backward()
    ta, tb = (torch.tensor(x, requires_grad=True) for x in (x1, x2))
    tga, tgb = torch.autograd.grad(torch.cdist(ta, tb, compute_mode=MODES[1]), [ta, tb],
                                   torch.tensor(u), create_graph=True)
    (tga.square().sum() + (tgb * tgb.detach()).sum()).backward()
    for ours, theirs in ((a, ta), (b, tb)):
        assert ours.grad is not None
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-11, atol=1e-12)
    f = functools.partial(am.cdist, compute_mode=MODES[1])
    x1, x2 = rng.standard_normal((3, 2)), rng.standard_normal((1, 4, 2))
    gradcheck(f, [x1, x2], rng=rng)
    gradgradcheck(f, [x1, x2], rng=rng)
    for dtype in (np.float32, np.float16):  # float16 through float32: finite, kept
        big = np.array([[1000.0, -1000.0, 3.0], [-1000.0, 2.0, 1000.0]])
        value, grads = _grads(f, big, big[::-1] / 2, dtype=dtype)
        assert value.dtype == dtype and all(g.dtype == dtype for g in grads)
        assert np.all(np.isfinite(value)) and all(np.all(np.isfinite(g)) for g in grads)


def test_cdist_float16_gradient_with_p_below_1_is_finite() -> None:
    """|d_k / ‖d‖|^(p − 1) overflowed float16 for a small coordinate difference (−inf); the
    distance is computed in float32, so the gradient is float32's, rounded."""
    x1, x2 = [[1.0, 3000.0]], [[1.0625, 0.0]]
    _, (g16, _) = _grads(lambda a, b: am.cdist(a, b, p=0.5), x1, x2, dtype=np.float16)
    _, (g32, _) = _grads(lambda a, b: am.cdist(a, b, p=0.5), x1, x2, dtype=np.float32)
    assert g16.dtype == np.float16
    np.testing.assert_array_equal(g16, g32.astype(np.float16))  # [[−220.1, 1.005]]


def test_cdist_matrix_product_form_at_a_zero_distance() -> None:
    """Equal points: the matrix product form gives 0 or a rounding residue about √ε |x| (as
    PyTorch's, whose residue may differ), and its gradient 0 where the distance is 0."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    x1, x2 = rng.standard_normal((30, 4)), rng.standard_normal((5, 4))
    x2[0], x2[1] = x1[3], x1[7]
    value, grads = _grads(am.cdist, x1, x2)
    ref, ref_grads = _torch_grads(torch, torch.cdist, x1, x2, upstream=np.ones((30, 5)))
    assert value[3, 0] < 1e-7 and value[7, 1] < 1e-7
    np.testing.assert_allclose(value, ref, rtol=1e-12, atol=1e-7)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-6)
    d = am.cdist(Tensor(x1[:1]), Tensor(np.zeros((26, 4))) + x1[:1])
    _, (g, _) = _grads(am.cdist, [[3.0, 4.0]], np.tile([3.0, 4.0], (26, 1)))
    assert d.shape == (1, 26) and np.all(d.data < 1e-7)
    np.testing.assert_array_equal(g, [[0.0, 0.0]])  # (3, 4): the form is exact, d = 0


def test_gradcheck_and_second_order() -> None:
    rng = np.random.default_rng(6)
    for fn, shapes in ((lambda x: am.diff(x, 2, 0, 0.5), [(4, 3)]),
                       (lambda a, b: am.cross(a, b), [(2, 3), (3,)]),
                       (am.kron, [(2, 2), (3,)]),
                       (lambda a, b: am.cdist(a, b), [(3, 2), (4, 2)]),
                       (lambda a, b: am.cdist(a, b, 1.5), [(2, 3), (2, 3)]),
                       (am.lerp, [(3,), (3,), (1,)])):
        xs = [rng.standard_normal(s) for s in shapes]
        gradcheck(fn, xs, rng=rng)
        gradgradcheck(fn, xs, rng=rng)


# --------------------------------------------------------------------------- the rest
def test_numpy_spelling_records_the_graph() -> None:
    a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = Tensor([1.0, -1.0, 2.0], requires_grad=True)
    for y in (np.diff(a), np.diff(a, axis=0), np.diff(a, prepend=0.0), np.cross(a, b),
              np.kron(a, b), np.nan_to_num(a, nan=1.0)):
        assert isinstance(y, Tensor) and y.requires_grad
    np.testing.assert_array_equal(np.cross(a, b).data, np.cross(a.data, b.data))
    np.testing.assert_array_equal(np.diff(a, 2).data, np.diff(a.data, 2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept_and_quiet_at_1000(dtype: Any) -> None:
    big = np.array([[1000.0, -1000.0, 3.0], [-1000.0, 2.0, 1000.0]])
    for fn, xs in ((am.diff, [big]), (am.cross, [big, big[::-1]]), (am.kron, [big, big]),
                   (am.cdist, [big, big]), (lambda s, e: am.lerp(s, e, 0.25), [big, -big]),
                   (am.nan_to_num, [big])):
        value, grads = _grads(fn, *xs, dtype=dtype)
        assert value.dtype == dtype and all(g.dtype == dtype for g in grads)
        assert np.all(np.isfinite(value)) and all(np.all(np.isfinite(g)) for g in grads)


def test_errors_name_the_function_and_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"cross: vectors must have 3 components along axis "
                       r"-1, got shapes \(2,\) and \(2,\).*2-vector"):
        am.cross(Tensor([1.0, 2.0]), Tensor([3.0, 4.0]))
    with pytest.raises(ValueError, match=r"cross: shapes \(2, 3\) and \(4, 3\) do not broadcast"):
        am.cross(Tensor(np.ones((2, 3))), Tensor(np.ones((4, 3))))
    with pytest.raises(ValueError, match=r"cdist: x1 and x2 must be .*\(3, 2\) and \(3, 4\)"):
        am.cdist(Tensor(np.ones((3, 2))), Tensor(np.ones((3, 4))))
    with pytest.raises(ValueError, match=r"cdist: the batch axes of shapes \(2, 3, 2\) and "
                       r"\(4, 3, 2\)"):
        am.cdist(Tensor(np.ones((2, 3, 2))), Tensor(np.ones((4, 3, 2))))
    with pytest.raises(ValueError, match="cdist: p must be a non-negative number"):
        am.cdist(Tensor(np.ones((3, 2))), Tensor(np.ones((3, 2))), -1.0)
    with pytest.raises(ValueError, match="diff: order n must be non-negative, got -1"):
        am.diff(Tensor([1.0, 2.0]), -1)
    with pytest.raises(ValueError, match="diff: needs a tensor of at least one dimension"):
        am.diff(Tensor(1.0))
    with pytest.raises(ValueError, match=r"diff: prepend of shape \(2, 2\) must match x's shape "
                       r"\(3, 4\) except along axis 1"):
        am.diff(Tensor(np.ones((3, 4))), prepend=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"diff: axis 2 is out of range.*\(shape \(3,\)\)"):
        am.diff(Tensor([1.0, 2.0, 3.0]), axis=2)
    with pytest.raises(ValueError, match=r"lerp: shapes \(2,\), \(3,\) and \(\) .*do not "
                       r"broadcast"):
        am.lerp(Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0]), 0.5)
    with pytest.raises(TypeError, match=r"cross\(\) takes NumPy's keywords: dim= is axis="):
        am.cross(Tensor([1.0, 0, 0]), Tensor([0, 1.0, 0]), dim=0)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="nan_to_num: posinf must be a real number"):
        am.nan_to_num(Tensor([1.0]), posinf="big")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="nan_to_num: nan must be a real number, got None"):
        am.nan_to_num(Tensor([np.nan]), nan=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"cross: bool vectors are not supported \(got dtypes "
                       r"bool and float64\)"):
        am.cross(Tensor([True, False, True]), Tensor([0.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match="cdist: compute_mode must be one of use_mm_for_euclid_"
                       "dist_if_necessary, use_mm_for_euclid_dist, donot_use_mm_for_euclid_dist; "
                       "got 'mm'"):
        am.cdist(Tensor(np.ones((3, 2))), Tensor(np.ones((3, 2))), compute_mode="mm")


def test_lerp_at_weight_one_is_end_exactly_and_integers_are_computed_in_float64() -> None:
    """start + w (end − start) lost end at w = 1 (1e16 → 0): torch's two-sided formula."""
    assert am.lerp(1e16, 1.0, 1.0).item() == 1.0
    assert am.lerp(np.float32(1e8), np.float32(3.0), np.float32(1.0)).item() == 3.0
    out = am.lerp(True, True, True)
    assert out.dtype == np.float64 and out.item() == 1.0
    s, e = am.Tensor([0.0, 10.0], requires_grad=True), am.Tensor([4.0, 2.0], requires_grad=True)
    w = am.Tensor([0.25, 0.75], requires_grad=True)
    am.lerp(s, e, w).sum().backward()
    assert s.grad is not None and e.grad is not None and w.grad is not None
    np.testing.assert_allclose(s.grad.data, [0.75, 0.25])
    np.testing.assert_allclose(e.grad.data, [0.25, 0.75])
    np.testing.assert_allclose(w.grad.data, [4.0, -8.0])
