"""The 1-d pooling functions' and layers' errors state 1-d sizes (a kernel size, an input
length, the (N, C, L) shape given), not the pairs of the 2-d pooling they run on; inputs
PyTorch refuses are refused; the 2-d forms still state pairs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
from nn import functional as F

X = np.ones((1, 1, 3))
EMPTY = np.ones((1, 1, 0))

#: (label, the call, our message (exact, after "where: "), PyTorch's call refusing the same)
CASES: list[tuple[str, Callable[[], Any], str, Callable[[Any], Any] | None]] = [
    ("max_pool1d kernel", lambda: F.max_pool1d(X, 5),
     "max_pool1d: kernel size 5 (dilation 1) is bigger than the padded input length 3 "
     "(padding 0)", lambda t: t.nn.functional.max_pool1d(t.ones(1, 1, 3), 5)),
    ("MaxPool1d kernel", lambda: nn.MaxPool1d(5)(am.Tensor(X)),
     "max_pool1d: kernel size 5 (dilation 1) is bigger than the padded input length 3 "
     "(padding 0)", lambda t: t.nn.MaxPool1d(5)(t.ones(1, 1, 3))),
    ("max_pool1d unbatched", lambda: F.max_pool1d(np.ones((2, 4)), 3, padding=1, dilation=3),
     "max_pool1d: kernel size 3 (dilation 3) is bigger than the padded input length 4 "
     "(padding 1)",
     lambda t: t.nn.functional.max_pool1d(t.ones(2, 4), 3, padding=1, dilation=3)),
    ("MaxPool1d dilation", lambda: nn.MaxPool1d(2, dilation=3)(X),
     "max_pool1d: kernel size 2 (dilation 3) is bigger than the padded input length 3 "
     "(padding 0)", lambda t: t.nn.MaxPool1d(2, dilation=3)(t.ones(1, 1, 3))),
    ("max_pool1d empty", lambda: F.max_pool1d(EMPTY, 1),
     "max_pool1d: kernel size 1 (dilation 1) is bigger than the padded input length 0 "
     "(padding 0)", lambda t: t.nn.functional.max_pool1d(t.ones(1, 1, 0), 1)),
    ("max_pool1d padding", lambda: F.max_pool1d(X, 2, padding=2),
     "max_pool1d: padding 2 must be at most half the kernel size 2",
     lambda t: t.nn.functional.max_pool1d(t.ones(1, 1, 3), 2, padding=2)),
    ("MaxPool1d padding", lambda: nn.MaxPool1d(2, padding=2),
     "MaxPool1d: padding 2 must be at most half the kernel size 2",
     lambda t: t.nn.MaxPool1d(2, padding=2)(t.ones(1, 1, 3))),
    ("avg_pool1d kernel", lambda: F.avg_pool1d(X, 5),
     "avg_pool1d: kernel size 5 is bigger than the padded input length 3 (padding 0)",
     lambda t: t.nn.functional.avg_pool1d(t.ones(1, 1, 3), 5)),
    ("AvgPool1d kernel padded", lambda: nn.AvgPool1d(6, 1, 2)(np.ones((2, 1))),
     "avg_pool1d: kernel size 6 is bigger than the padded input length 1 (padding 2)",
     lambda t: t.nn.AvgPool1d(6, 1, 2)(t.ones(2, 1))),
    ("AvgPool1d empty", lambda: nn.AvgPool1d(1)(EMPTY),
     "avg_pool1d: kernel size 1 is bigger than the padded input length 0 (padding 0)",
     lambda t: t.nn.AvgPool1d(1)(t.ones(1, 1, 0))),
    ("avg_pool1d padding", lambda: F.avg_pool1d(X, 3, padding=2),
     "avg_pool1d: padding 2 must be at most half the kernel size 3",
     lambda t: t.nn.functional.avg_pool1d(t.ones(1, 1, 3), 3, padding=2)),
    ("AvgPool1d padding", lambda: nn.AvgPool1d(3, padding=2),
     "AvgPool1d: padding 2 must be at most half the kernel size 3",
     lambda t: t.nn.AvgPool1d(3, padding=2)(t.ones(1, 1, 3))),
    ("adaptive_avg_pool1d empty", lambda: F.adaptive_avg_pool1d(EMPTY, 2),
     "adaptive_avg_pool1d: input of shape (1, 1, 0) is empty",
     lambda t: t.nn.functional.adaptive_avg_pool1d(t.ones(1, 1, 0), 2)),
    ("AdaptiveAvgPool1d empty unbatched", lambda: nn.AdaptiveAvgPool1d(2)(np.ones((3, 0))),
     "adaptive_avg_pool1d: input of shape (3, 0) is empty",
     lambda t: t.nn.AdaptiveAvgPool1d(2)(t.ones(3, 0))),
    ("adaptive_max_pool1d empty", lambda: F.adaptive_max_pool1d(EMPTY, 2),
     "adaptive_max_pool1d: input of shape (1, 1, 0) is empty",
     lambda t: t.nn.functional.adaptive_max_pool1d(t.ones(1, 1, 0), 2)),
    ("AdaptiveMaxPool1d empty", lambda: nn.AdaptiveMaxPool1d(2, True)(EMPTY),
     "adaptive_max_pool1d: input of shape (1, 1, 0) is empty",
     lambda t: t.nn.AdaptiveMaxPool1d(2, True)(t.ones(1, 1, 0))),
    ("adaptive_avg_pool1d too large", lambda: F.adaptive_avg_pool1d(X, 2**61),
     "adaptive_avg_pool1d: a float64 array of shape (1, 1, 2305843009213693952) would need "
     "1.84e+19 bytes, more than any array can hold", None),
    ("adaptive_max_pool1d too large, int8", lambda: F.adaptive_max_pool1d(
        np.ones((2, 3), dtype=np.int8), 2**61),  # (computed in float64)
     "adaptive_max_pool1d: a float64 array of shape (2, 2305843009213693952) would need "
     "3.69e+19 bytes, more than any array can hold", None),
    ("AdaptiveMaxPool1d too large, float32",
     lambda: nn.AdaptiveMaxPool1d(2**62)(np.ones((1, 3), dtype=np.float32)),
     "adaptive_max_pool1d: a float32 array of shape (1, 4611686018427387904) would need "
     "1.84e+19 bytes, more than any array can hold", None),
]


@pytest.mark.parametrize(("label", "call", "message", "torch_call"), CASES,
                         ids=[c[0] for c in CASES])
def test_errors_state_1d_sizes(label: str, call: Callable[[], Any], message: str,
                               torch_call: Callable[[Any], Any] | None) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call()


@pytest.mark.parametrize(("label", "call", "message", "torch_call"),
                         [c for c in CASES if c[3] is not None],
                         ids=[c[0] for c in CASES if c[3] is not None])
def test_pytorch_refuses_the_same_inputs(label: str, call: Callable[[], Any], message: str,
                                         torch_call: Callable[[Any], Any]) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch_call(torch)


@pytest.mark.parametrize("call", [
    lambda: F.max_pool1d(X, 5), lambda: F.avg_pool1d(X, 2, padding=2),
    lambda: F.adaptive_avg_pool1d(EMPTY, 1), lambda: nn.MaxPool1d(4)(np.ones((2, 3)))])
def test_no_pair_in_a_1d_message(call: Callable[[], Any]) -> None:
    with pytest.raises(ValueError) as info:
        call()
    assert not re.search(r"\(\d+, \d+\)", str(info.value)), str(info.value)
    assert "1, 1, 1" not in str(info.value)  # (the input's shape as the 2-d form saw it)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: F.max_pool2d(np.ones((1, 1, 3, 3)), 5),
     "max_pool2d: kernel size (5, 5) (dilation (1, 1)) is bigger than the padded input (3, 3) "
     "(padding (0, 0))"),
    (lambda: F.max_pool2d(np.ones((1, 1, 3, 3)), 2, padding=(0, 2)),
     "max_pool2d: padding (0, 2) must be at most half the kernel size (2, 2)"),
    (lambda: F.avg_pool2d(np.ones((1, 3, 3)), (1, 4)),
     "avg_pool2d: kernel size (1, 4) is bigger than the padded input (3, 3) (padding (0, 0))"),
    (lambda: F.adaptive_max_pool2d(np.ones((1, 1, 0, 3)), 2),
     "adaptive_max_pool2d: input of shape (1, 1, 0, 3) is empty"),
])
def test_2d_messages_still_state_pairs(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call()


def test_valid_inputs_still_pool() -> None:
    """The checks moved into the 1-d forms refuse nothing valid: an empty batch, a window
    equal to the padded input, an output as long as the input."""
    assert F.adaptive_max_pool1d(np.ones((0, 2, 3)), 2).shape == (0, 2, 2)
    assert F.adaptive_avg_pool1d(np.arange(3.0).reshape(1, 3), 3).shape == (1, 3)
    y = F.max_pool1d(np.arange(4.0).reshape(1, 1, 4), 3, padding=1, dilation=2)
    np.testing.assert_array_equal(y.data, [[[3.0]]])
    np.testing.assert_array_equal(F.avg_pool1d(np.ones((1, 2), dtype=np.float32), 2).data,
                                  np.ones((1, 1), dtype=np.float32))
