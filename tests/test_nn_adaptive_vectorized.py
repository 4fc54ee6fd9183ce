"""Adaptive pooling (1-d and 2-d, average and max) computed from NumPy index arrays: values,
returned indices and gradients against PyTorch over windows narrower, equal to and wider than
one cell per output, tiling the axis or not, batched and unbatched, with ties, NaN and inf;
float32 kept; second order; empty batches; and absurd output sizes failing at once, named
(run in a child process under a 4 GiB address-space limit, so that a regression cannot take
the machine down)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from itertools import product
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_mini as am
import nn
from nn.pooling_adaptive import adaptive_windows

F = nn.functional


def _close(ours: Any, theirs: Any) -> None:
    """Equal to 1e-12 (relative and absolute), NaN where PyTorch has NaN."""
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, equal_nan=True)


def _data(shape: tuple[int, ...], mode: str, seed: int) -> np.ndarray:
    """Random data: ``normal`` at scale 1000, ``ties`` (small integers, many equal), ``nan``
    (a fifth of the cells NaN, some ties), ``inf`` (±inf in a few cells)."""
    rng = np.random.default_rng(seed)
    if mode == "normal":
        return rng.standard_normal(shape) * 1000
    x = rng.integers(-2, 3, shape).astype(np.float64)
    if mode == "nan":
        x[rng.random(shape) < 0.2] = np.nan
    elif mode == "inf":
        x = rng.standard_normal(shape)
        x[rng.random(shape) < 0.1] = np.inf
        x[rng.random(shape) < 0.05] = -np.inf
    return x


def _compare(kind: str, x: np.ndarray, out: Any, dims: int, seed: int = 0) -> None:
    """Ours and PyTorch's on x: values, indices (max) and the gradient of a random ȳ."""
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    name = f"adaptive_{kind}_pool{dims}d"
    ours, theirs = getattr(F, name), getattr(tf, name)
    xa, xt = am.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    if kind == "max":
        (y, idx), (yt, it) = ours(xa, out, True), theirs(xt, out, True)
        assert idx.dtype == np.int64
        np.testing.assert_array_equal(idx.data, it.numpy())
    else:
        y, yt = ours(xa, out), theirs(xt, out)
    assert y.shape == tuple(yt.shape) and y.dtype == np.float64
    _close(y.data, yt.detach().numpy())
    g = np.random.default_rng(seed + 1).standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    assert xa.grad is not None and xt.grad is not None
    _close(xa.grad.data, xt.grad.numpy())


# lengths in against lengths out: narrower (one cell feeds several windows), equal, wider,
# dividing the input or not
#: (n_in, n_out): small inputs are pooled by one gather (large ones with up to 16 windows by
#: slices: see test_large_inputs_pooled_by_slices_match_torch)
LENGTHS = [(1, 1), (1, 3), (3, 7), (5, 5), (8, 4), (12, 3), (7, 3), (10, 4), (13, 5), (9, 6),
           (20, 17), (9, 23), (40, 18), (34, 17)]


@pytest.mark.parametrize("kind", ["avg", "max"])
@pytest.mark.parametrize(("n_in", "n_out"), LENGTHS)
@pytest.mark.parametrize("lead", [(2, 3), (3,)])
def test_1d_matches_torch(kind: str, n_in: int, n_out: int, lead: tuple[int, ...]) -> None:
    for seed, mode in enumerate(["normal", "ties", "nan"]):
        _compare(kind, _data((*lead, n_in), mode, seed), n_out, 1, seed)


@pytest.mark.parametrize("kind", ["avg", "max"])
@pytest.mark.parametrize(("rows", "cols"), list(product(LENGTHS[1::2], LENGTHS[::3])))
def test_2d_matches_torch(kind: str, rows: tuple[int, int], cols: tuple[int, int]) -> None:
    (h, oh), (w, ow) = rows, cols
    for seed, mode in enumerate(["normal", "ties", "nan"]):
        lead = (2, 3) if seed != 1 else (3,)
        _compare(kind, _data((*lead, h, w), mode, seed), (oh, ow), 2, seed)


@given(kind=st.sampled_from(["avg", "max"]), dims=st.sampled_from([1, 2]),
       lead=st.sampled_from([(2, 3), (1, 1), (3,), (1,)]), h=st.integers(1, 11),
       w=st.integers(1, 11), oh=st.none() | st.integers(1, 13),
       ow=st.none() | st.integers(1, 13), mode=st.sampled_from(["normal", "ties", "nan"]),
       seed=st.integers(0, 2**16))
def test_random_shapes_match_torch(kind: str, dims: int, lead: tuple[int, ...], h: int, w: int,
                                   oh: int | None, ow: int | None, mode: str,
                                   seed: int) -> None:
    if dims == 1:
        _compare(kind, _data((*lead, w), mode, seed), ow or w, 1, seed)
    else:
        _compare(kind, _data((*lead, h, w), mode, seed), (oh, ow), 2, seed)


@pytest.mark.parametrize(("shape", "out"), [((2, 3, 7, 9), (3, 4)), ((2, 4, 6), (9, 13)),
                                            ((1, 2, 11), 4), ((3, 5), 8), ((2, 3, 30, 9), (17, 4)),
                                            ((1, 2, 25), 19)])
def test_average_keeps_inf_and_nan_in_their_windows(shape: tuple[int, ...], out: Any) -> None:
    """(The repeated cells that pad short windows are masked out by ``where``, not by a
    product: 0 · inf would spread NaN.)"""
    _compare("avg", _data(shape, "inf", 5), out, len(shape) - 1 if isinstance(out, int)
             else 2)


def test_ties_go_to_the_first_maximum_and_nan_to_the_last() -> None:
    torch = pytest.importorskip("torch")
    x = np.zeros((1, 1, 5, 7))
    _compare("max", x, (3, 4), 2)  # every window a tie: its first cell
    x[0, 0, 1, [1, 4]] = np.nan
    x[0, 0, 3, 2] = np.nan
    _, idx = F.adaptive_max_pool2d(x, (3, 4), True)
    _, tidx = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), (3, 4), True)
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    assert idx.data[0, 0, 1, 1] == 3 * 7 + 2  # rows 1..3, cols 1..3: the last NaN, (3, 2)
    _compare("max", x, (3, 4), 2)


@pytest.mark.parametrize("mode", ["normal", "inf"])
@pytest.mark.parametrize(("shape", "out"), [((2, 8, 130, 131), (7, 9)), ((3, 91, 1000), 13)])
def test_large_inputs_pooled_by_slices_match_torch(mode: str, shape: tuple[int, ...],
                                                   out: Any) -> None:
    # at least 2**18 elements and up to 16 windows an axis: one slice's mean per window
    _compare("avg", _data(shape, mode, 7), out, 2 if isinstance(out, tuple) else 1)


@pytest.mark.parametrize("kind", ["avg", "max"])
@pytest.mark.parametrize(("shape", "out"), [((2, 3, 7, 5), (3, 9)), ((2, 6), 4),
                                            ((1, 2, 8, 8), 4)])
def test_float32_stays_float32(kind: str, shape: tuple[int, ...], out: Any) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    name = f"adaptive_{kind}_pool{1 if isinstance(out, int) and len(shape) == 2 else 2}d"
    xa, xt = am.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = getattr(F, name)(xa, out), getattr(torch.nn.functional, name)(xt, out)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-6, atol=1e-6)
    g = np.ones(y.shape, np.float32)
    y.backward(g)
    yt.backward(torch.tensor(g))
    assert xa.grad is not None and xa.grad.dtype == np.float32
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_integer_input_is_pooled_in_float64() -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(2 * 5 * 7).reshape(2, 5, 7) % 6
    for name, out in [("adaptive_avg_pool2d", (3, 4)), ("adaptive_max_pool2d", (4, 3)),
                      ("adaptive_avg_pool1d", 4), ("adaptive_max_pool1d", 9)]:
        y = getattr(F, name)(x, out)
        assert y.dtype == np.float64
        ref = getattr(torch.nn.functional, name)(torch.tensor(x, dtype=torch.float64), out)
        _close(y.data, ref.numpy())


@pytest.mark.parametrize(("shape", "out"), [((1, 2, 5, 7), (3, 4)), ((2, 3, 2), (5, 4)),
                                            ((1, 2, 7), 3), ((2, 2), 5), ((1, 1, 19, 3), (17, 2))])
def test_average_second_order(shape: tuple[int, ...], out: Any) -> None:
    x = am.Tensor(np.random.default_rng(4).standard_normal(shape), requires_grad=True)
    f = ((lambda t: F.adaptive_avg_pool1d(t, out)) if isinstance(out, int)
         else (lambda t: F.adaptive_avg_pool2d(t, out)))
    assert am.gradcheck(f, [x])
    assert am.gradgradcheck(lambda t: (f(t) ** 2).sum(), [x])


@pytest.mark.parametrize(("shape", "out"), [((1, 2, 5, 7), (3, 4)), ((2, 3, 2), (5, 4)),
                                            ((1, 2, 7), 3)])
def test_max_first_and_second_order(shape: tuple[int, ...], out: Any) -> None:
    x = am.Tensor(np.random.default_rng(6).permutation(np.prod(shape)).reshape(shape) * 0.5,
                  requires_grad=True)  # (distinct values: the maximum is not at a kink)
    f = ((lambda t: F.adaptive_max_pool1d(t, out)) if isinstance(out, int)
         else (lambda t: F.adaptive_max_pool2d(t, out)))
    assert am.gradcheck(f, [x])
    assert am.gradgradcheck(lambda t: (f(t) ** 2).sum(), [x])


def test_empty_batches_as_torch() -> None:
    torch = pytest.importorskip("torch")
    for name, shape, out in [("adaptive_avg_pool2d", (0, 3, 4, 5), (7, 2)),
                             ("adaptive_max_pool2d", (0, 2, 4, 5), (None, 9)),
                             ("adaptive_avg_pool1d", (0, 3, 4), 6),
                             ("adaptive_max_pool1d", (0, 2, 4), 3)]:
        x = am.Tensor(np.zeros(shape), requires_grad=True)
        y = getattr(F, name)(x, out)
        ref = getattr(torch.nn.functional, name)(torch.zeros(shape), out)
        y = y[0] if isinstance(y, tuple) else y
        ref = ref[0] if isinstance(ref, tuple) else ref
        assert y.shape == tuple(ref.shape)
        y.sum().backward()
        assert x.grad is not None and x.grad.shape == shape
    # (no planes at all: PyTorch refuses C = 0; an empty result here, as for N = 0)
    y, idx = F.adaptive_max_pool2d(np.zeros((2, 0, 4, 5)), (3, None), True)
    assert y.shape == idx.shape == (2, 0, 3, 5) and idx.dtype == np.int64


def test_windows_refuse_bounds_beyond_int64() -> None:
    with pytest.raises(ValueError, match=r"^f: the windows from 8589934592 cells to "
                                         r"2147483648 overflow int64$"):
        adaptive_windows(2**33, 2**31, "f")
    index, length = adaptive_windows(3, 7, "f")  # (one cell feeds several windows)
    np.testing.assert_array_equal(index[:, 0], [0, 0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(length, [1, 1, 2, 1, 2, 1, 1])


# absurd sizes, in a child process limited to 4 GiB of address space: (call, expected
# exception, message pattern, or the result's shape)
ABSURD: list[tuple[str, str, Any]] = [
    ("F.adaptive_avg_pool1d(np.ones((1, 3, 4)), 10**12)", "MemoryError",
     r"^adaptive_avg_pool1d: not enough memory for an output of shape \(1, 3, 1000000000000\) "
     r"\(float64\): "),
    ("F.adaptive_max_pool1d(np.ones((1, 1, 3)), 10**18, True)", "ValueError",
     r"^adaptive_max_pool1d: an output of shape \(1, 1, 1000000000000000000\) needs a working "
     r"float64 array of 1\.6e\+19 bytes, more than any array can hold$"),
    ("F.adaptive_avg_pool1d(np.ones((1, 1, 3)), 10**17)", "MemoryError",
     r"^adaptive_avg_pool1d: not enough memory for an output of shape "
     r"\(1, 1, 100000000000000000\) \(float64\): "),
    ("F.adaptive_avg_pool1d(np.ones((1, 3, 4)), 10**18)", "ValueError",
     r"^adaptive_avg_pool1d: a float64 array of shape \(1, 3, 1000000000000000000\) would "
     r"need 2\.4e\+19 bytes"),
    ("nn.AdaptiveAvgPool2d(10**6)(np.ones((2, 1, 3, 3), np.float32))", "MemoryError",
     r"^adaptive_avg_pool2d: not enough memory for an output of shape "
     r"\(2, 1, 1000000, 1000000\) \(float32\): "),
    ("F.adaptive_max_pool2d(np.ones((3, 300, 300)), (10**4, 10**5))", "MemoryError",
     r"^adaptive_max_pool2d: not enough memory for an output of shape \(3, 10000, 100000\) "),
    ("F.adaptive_max_pool2d(np.ones((1, 1, 4, 4), np.float32), (2**29, 2**30))", "ValueError",
     r"^adaptive_max_pool2d: an output of shape \(1, 1, 536870912, 1073741824\) needs a "
     r"working float32 array of 9\.22e\+18 bytes, more than any array can hold$"),
    # more than the machine holds, though each working array alone fits: asked for up front
    ("F.adaptive_avg_pool2d(np.zeros((1, 3, 5, 5)), (3, 10**9))", "MemoryError",
     r"^adaptive_avg_pool2d: not enough memory for an output of shape \(1, 3, 3, 1000000000\) "
     r"\(float64\): its working arrays need "),
    ("F.adaptive_max_pool2d(np.zeros((1, 3, 5, 5)), (3, 10**9))", "MemoryError",
     r"^adaptive_max_pool2d: not enough memory for an output of shape \(1, 3, 3, 1000000000\) "
     r"\(float64\): its working arrays need "),
    ("F.adaptive_avg_pool1d(np.ones((0, 1, 4)), 10**18).shape", "ok",
     [0, 1, 10**18]),
    ("F.adaptive_max_pool1d(np.ones((0, 1, 4), np.float32), 10**17, True)[1].shape", "ok",
     [0, 1, 10**17]),
    ("F.adaptive_avg_pool2d(np.ones((2, 0, 4, 4)), (10**9, 10**8)).shape", "ok",
     [2, 0, 10**9, 10**8]),
    ("F.adaptive_avg_pool1d(np.ones((0, 3, 4)), 10**18)", "ValueError",
     r"^adaptive_avg_pool1d: an empty float64 output of shape \(0, 3, 1000000000000000000\) "
     r"cannot be made: its strides would span 2\.4e\+19 bytes, more than NumPy allows$"),
    ("F.adaptive_max_pool1d(np.ones((0, 1, 4), np.float32), 2**60, True)", "ValueError",
     r"^adaptive_max_pool1d: an empty int64 output of shape \(0, 1, 1152921504606846976\) "
     r"cannot be made"),
]

CHILD = textwrap.dedent("""
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))
    import numpy as np
    import nn
    F = nn.functional
    for call in json.loads(sys.argv[1]):
        try:
            out = ["ok", list(eval(call))]
        except Exception as exc:
            out = [type(exc).__name__, str(exc)]
        print(json.dumps(out), flush=True)
""")


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin",
                    reason="RLIMIT_AS: Linux")
def test_absurd_output_sizes_fail_at_once_named() -> None:
    calls = [call for call, _, _ in ABSURD]
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(calls)], capture_output=True,
                          text=True, timeout=120, check=False)
    lines = done.stdout.splitlines()
    assert len(lines) == len(ABSURD), done.stderr[-2000:]
    for line, (call, kind, expected) in zip(lines, ABSURD, strict=True):
        got, value = json.loads(line)
        assert got == kind, (call, got, value)
        if kind == "ok":
            assert value == expected, call
        else:
            assert re.search(expected, value), (call, value)
