"""Ops pickle and copy as themselves: a registered op by its name (so a model holding
``am.relu``, or a Transformer layer with its default activation, pickles), any other op by
value."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np

import autograd_mini as am
import nn


def test_every_registered_op_pickles_and_copies_as_itself() -> None:
    for name, op in am.REGISTRY.items():
        assert pickle.loads(pickle.dumps(op)) is op, name
        assert copy.deepcopy(op) is op, name


class Holder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(3, 2, rng=np.random.default_rng(0))
        self.act = am.relu

    def forward(self, x: Any) -> am.Tensor:
        return self.act(self.lin(x))


def test_modules_holding_ops_pickle() -> None:
    x = np.random.default_rng(1).standard_normal((4, 3))
    m = Holder()
    m2 = pickle.loads(pickle.dumps(m))
    assert m2.act is am.relu
    np.testing.assert_array_equal(m2(x).data, m(x).data)
    rng = np.random.default_rng(2)
    for layer in (nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, rng=rng),
                  nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, rng=rng)):
        seq = rng.standard_normal((2, 3, 8))
        args = (seq,) if isinstance(layer, nn.TransformerEncoderLayer) else (seq, seq)
        again = pickle.loads(pickle.dumps(layer))
        np.testing.assert_array_equal(again(*args).data, layer(*args).data)


def _twice(x: np.ndarray) -> tuple[np.ndarray, None]:
    return 2 * x, None


def _twice_vjp(g: Any, saved: Any, needs: Any) -> tuple[Any]:
    return (2 * g,)


def test_an_unregistered_op_pickles_by_value() -> None:
    op = am.Primitive("twice_unregistered", _twice, _twice_vjp)
    again = pickle.loads(pickle.dumps(op))
    assert again is not op and again.name == op.name
    x = am.Tensor([1.0, 2.0], requires_grad=True)
    again(x).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_a_users_registered_op_loads_in_a_fresh_process(tmp_path: Any) -> None:
    import subprocess
    import sys
    (tmp_path / "userops.py").write_text(
        "import autograd_mini as am\n"
        "def _fwd(x):\n    return x * 2, None\n"
        "def _vjp(g, saved, needs):\n    return (g * 2,)\n"
        "double = am.primitive('userops.double', _fwd, _vjp)\n")
    save = ("import pickle, sys, nn, userops\n"
            "m = nn.Linear(2, 2)\nm.act = userops.double\n"
            "pickle.dump(m, open(sys.argv[1], 'wb'))\n")
    load = ("import pickle, sys\nm = pickle.load(open(sys.argv[1], 'rb'))\n"
            "print(m.act.name, m.act([1.0]).data.tolist())\n")
    path = str(tmp_path / "m.pkl")
    env = {"PYTHONPATH": str(tmp_path), "PATH": ""}
    for code in (save, load):
        out = subprocess.run([sys.executable, "-c", code, path], env=env, capture_output=True,
                             text=True, check=True)
    assert out.stdout.split() == ["userops.double", "[2.0]"]
