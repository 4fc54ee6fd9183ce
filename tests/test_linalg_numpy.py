"""``np.linalg.<name>(t)`` on a Tensor: recorded through ``autograd_mini.linalg``, with NumPy's
readings where NumPy and torch differ (qr mode='r', solve's 2-d b, svd compute_uv=False)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am


def _leaf(a: np.ndarray) -> am.Tensor:
    return am.Tensor(a, requires_grad=True)


A = np.random.default_rng(0).standard_normal((3, 3, 3)) + 3 * np.eye(3)


def test_solve_reads_a_2d_b_as_a_matrix_as_numpy() -> None:
    b = np.random.default_rng(1).standard_normal((3, 3))  # a's batch shape: torch's vectors
    x = _leaf(A)
    out: Any = np.linalg.solve(x, b)  # (NumPy's stubs type it an ndarray)
    np.testing.assert_allclose(out.data, np.linalg.solve(A, b), rtol=1e-12)
    assert out.shape == (3, 3, 3) and am.linalg.solve(x, b).shape == (3, 3)  # torch's rule
    out.sum().backward()
    ref = _leaf(A)
    am.linalg.solve(ref, np.broadcast_to(b, (3, 3, 3))).sum().backward()
    assert x.grad is not None and ref.grad is not None
    np.testing.assert_allclose(x.grad.data, ref.grad.data, rtol=1e-12)
    vec: Any = np.linalg.solve(x, b[0])  # a 1-d b is a vector in both
    np.testing.assert_allclose(vec.data, np.linalg.solve(A, b[0]), rtol=1e-12)


def test_qr_mode_r_gives_r_alone_and_svd_compute_uv_false_gives_s() -> None:
    x = _leaf(A)
    r = np.linalg.qr(x, mode="r")
    assert isinstance(r, am.Tensor)
    np.testing.assert_allclose(r.data, np.linalg.qr(A, mode="r"), atol=1e-12)
    r.sum().backward()
    assert x.grad is not None and np.all(np.isfinite(x.grad.data))
    s = np.linalg.svd(x, compute_uv=False)
    np.testing.assert_allclose(s.data, np.linalg.svd(A, compute_uv=False), rtol=1e-12)
    u, s2, vh = np.linalg.svd(x)
    np.testing.assert_allclose((u * s2[..., None, :] @ vh).data, A, atol=1e-12)
    w, v = np.linalg.eigh(x)
    np.testing.assert_allclose((v * w[..., None, :] @ v.mT).data, np.tril(A) + np.tril(A, -1).mT,
                               atol=1e-12)


def test_numpy_arguments_the_library_lacks_are_named() -> None:
    with pytest.raises(TypeError, match=r"np.linalg.pinv on a Tensor runs "
                                        r"autograd_mini.linalg.pinv\(.*rcond"):
        np.linalg.pinv(_leaf(A), rcond=1e-3)
    with pytest.raises(TypeError, match=r"np.linalg.svd on a Tensor .*hermitian"):
        np.linalg.svd(_leaf(A), hermitian=True)


def test_a_numpy_linalg_function_the_library_lacks_is_refused_for_a_grad_tensor() -> None:
    with pytest.raises(TypeError, match=r"np.linalg.eigvals on a Tensor that requires grad"):
        np.linalg.eigvals(_leaf(A))
    assert np.linalg.eigvals(am.Tensor(A)).shape == (3, 3)  # a constant: NumPy's


def test_numpy_2_array_api_names_in_np_linalg_record() -> None:
    """np.linalg.cross, outer, tensordot, vecdot, trace, diagonal and matrix_transpose said
    "the library has no 'cross'"; trace and diagonal are of the last two axes there."""
    a = np.arange(18.0).reshape(2, 3, 3) / 10
    x = _leaf(a)
    calls: list[tuple[Any, Any]] = [
        (lambda t: np.linalg.trace(t, offset=1), lambda v: np.linalg.trace(v, offset=1)),
        (lambda t: np.linalg.diagonal(t), np.linalg.diagonal),
        (lambda t: np.linalg.vecdot(t, t), lambda v: np.linalg.vecdot(v, v)),
        (lambda t: np.linalg.cross(t, t[::-1]), lambda v: np.linalg.cross(v, v[::-1])),
        (lambda t: np.linalg.matrix_transpose(t), np.linalg.matrix_transpose),
        (lambda t: np.linalg.tensordot(t[0], t[1]), lambda v: np.linalg.tensordot(v[0], v[1])),
        (lambda t: np.linalg.outer(t[0, 0], t[1, 1]), lambda v: np.linalg.outer(v[0, 0], v[1, 1])),
        (lambda t: np.linalg.vector_norm(t, ord=3, axis=(0, 2)),
         lambda v: np.linalg.vector_norm(v, ord=3, axis=(0, 2))),
    ]
    for ours, numpy in calls:
        out = ours(x)
        assert isinstance(out, am.Tensor) and out.requires_grad
        np.testing.assert_allclose(out.data, numpy(a), rtol=1e-13)
    with pytest.raises(TypeError, match=r"np.linalg.tensorsolve on a Tensor that requires grad"):
        np.linalg.tensorsolve(x[0] + np.eye(3), x[0, 0])  # (a function NumPy has, ours lacks)
