"""A Ctrl+C (KeyboardInterrupt) landing anywhere in the recording of an op leaves no array
locked: the locks are taken last, straight into the node that gives them back, so a later
optimiser step can still write the parameters."""

from __future__ import annotations

import dis
import gc
import sys
from types import FrameType
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import engine
from autograd_mini.tensor import LOCKS


def _lines_of_apply() -> list[int]:
    return sorted({ln for _, ln in dis.findlinestarts(engine.apply.__code__) if ln is not None})


@pytest.mark.parametrize("line", _lines_of_apply())
def test_an_interrupt_at_any_line_of_apply_leaves_no_lock(line: int) -> None:
    w = am.Tensor(np.ones(3), requires_grad=True)
    x = am.Tensor(np.arange(3.0), requires_grad=True)
    armed = [True]

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code is not engine.apply.__code__:
            return None

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "line" and frame.f_lineno == line and armed[0]:
                armed[0] = False
                raise KeyboardInterrupt
            return local
        return local

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        y = w * x
    except KeyboardInterrupt:
        y = None
    finally:
        sys.settrace(before)
    del y
    gc.collect()
    assert id(w.data) not in LOCKS and id(x.data) not in LOCKS
    assert w.data.flags.writeable and x.data.flags.writeable
    w.data -= 0.5  # an optimiser step's write
    np.testing.assert_array_equal(w.data, np.full(3, 0.5))
