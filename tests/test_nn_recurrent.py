"""RNN, LSTM, GRU and their cells: PyTorch 2.13 agreement (outputs, final states and every
gradient, with identical weights, float64), gradchecks, names, initialisation, dtypes, long
sequences, dropout, errors, and a small learning task."""

from __future__ import annotations

import itertools
import math
import zlib
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini import Tensor, gradcheck
from nn import functional as F

RTOL, GRAD_RTOL = 1e-10, 1e-8
ATOL = 1e-13  # values that cancel to ~0 have no relative precision

LAYERS = {"RNN_TANH": (nn.RNN, "RNN", {"nonlinearity": "tanh"}),
          "RNN_RELU": (nn.RNN, "RNN", {"nonlinearity": "relu"}),
          "LSTM": (nn.LSTM, "LSTM", {}),
          "GRU": (nn.GRU, "GRU", {})}
CELLS = {"RNN_TANH": (nn.RNNCell, "RNNCell", {"nonlinearity": "tanh"}),
         "RNN_RELU": (nn.RNNCell, "RNNCell", {"nonlinearity": "relu"}),
         "LSTM": (nn.LSTMCell, "LSTMCell", {}),
         "GRU": (nn.GRUCell, "GRUCell", {})}


def _grad(t: Tensor) -> np.ndarray:
    g = t.grad
    assert g is not None
    return np.asarray(g.data if isinstance(g, Tensor) else g)


def _seed(*case: Any) -> int:
    return zlib.crc32(repr(case).encode())


def _torch_copy(torch: Any, ours: nn.Module, name: str, *args: Any, **kwargs: Any) -> Any:
    """The PyTorch module ``name``(*args, **kwargs) in float64 with our parameters (by name)."""
    ref = getattr(torch.nn, name)(*args, dtype=torch.float64, **kwargs)
    ref.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ref


def _close(ours: Tensor | np.ndarray, theirs: Any, rtol: float) -> None:
    a = ours.data if isinstance(ours, Tensor) else ours
    np.testing.assert_allclose(a, theirs.detach().numpy(), rtol=rtol, atol=ATOL)


# ---------------------------------------------------------------------------- PyTorch agreement
LAYER_CASES = [
    (mode, layers, bidir, batch_first, batched, with_h0)
    for mode, layers, bidir, batch_first, batched, with_h0 in itertools.product(
        LAYERS, (1, 2), (False, True), (False, True), (True, False), (False, True))
    if batched or not batch_first  # batch_first does not apply to unbatched inputs
] + [("LSTM", 2, True, True, False, True), ("GRU", 1, False, True, False, False)]


@pytest.mark.parametrize(("mode", "layers", "bidir", "batch_first", "batched", "with_h0"),
                         LAYER_CASES)
def test_layer_matches_torch(mode: str, layers: int, bidir: bool, batch_first: bool,
                             batched: bool, with_h0: bool) -> None:
    torch = pytest.importorskip("torch")
    cls, name, extra = LAYERS[mode]
    rng = np.random.default_rng(_seed(mode, layers, bidir, batch_first, batched, with_h0))
    L, B, I, H = 5, 3, 4, 6
    kw: dict[str, Any] = dict(num_layers=layers, bidirectional=bidir, batch_first=batch_first,
                              **extra)
    ours = cls(I, H, rng=rng, **kw)
    ref = _torch_copy(torch, ours, name, I, H, **kw)
    shape = ((B, L, I) if batch_first else (L, B, I)) if batched else (L, I)
    k = layers * (2 if bidir else 1)
    s_shape = (k, B, H) if batched else (k, H)
    x = rng.standard_normal(shape)
    states = [rng.standard_normal(s_shape) for _ in range(2 if mode == "LSTM" else 1)]
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    sa = [Tensor(s, requires_grad=True) for s in states]
    st = [torch.tensor(s, requires_grad=True) for s in states]
    if mode == "LSTM":
        out, (h, c) = ours(xa, (sa[0], sa[1]) if with_h0 else None)
        t_out, (t_h, t_c) = ref(xt, (st[0], st[1]) if with_h0 else None)
        finals, t_finals = [h, c], [t_h, t_c]
    else:
        out, h = ours(xa, sa[0] if with_h0 else None)
        t_out, t_h = ref(xt, st[0] if with_h0 else None)
        finals, t_finals = [h], [t_h]
    assert out.shape == tuple(t_out.shape)
    _close(out, t_out, RTOL)
    for f, tf in zip(finals, t_finals):
        assert f.shape == tuple(tf.shape) == s_shape
        _close(f, tf, RTOL)
    # backward a random weighted sum of the output and the final states
    ws = [rng.standard_normal(t.shape) for t in (out, *finals)]
    loss = sum(((t * w).sum() for t, w in zip((out, *finals), ws)), Tensor(0.0))
    t_loss = sum((t * torch.tensor(w)).sum() for t, w in zip((t_out, *t_finals), ws))
    loss.backward()
    t_loss.backward()
    theirs = dict(ref.named_parameters())
    for pname, p in ours.named_parameters():
        _close(_grad(p), theirs[pname].grad, GRAD_RTOL)
    _close(_grad(xa), xt.grad, GRAD_RTOL)
    if with_h0:
        for s, t in zip(sa, st):
            _close(_grad(s), t.grad, GRAD_RTOL)


@pytest.mark.parametrize(("mode", "batched", "with_h", "bias"),
                         list(itertools.product(CELLS, (True, False), (False, True), (True,)))
                         + [(m, True, True, False) for m in CELLS])
def test_cell_matches_torch(mode: str, batched: bool, with_h: bool, bias: bool) -> None:
    torch = pytest.importorskip("torch")
    cls, name, extra = CELLS[mode]
    rng = np.random.default_rng(_seed(mode, batched, with_h, bias))
    B, I, H = 3, 4, 5
    ours = cls(I, H, bias=bias, rng=rng, **extra)
    ref = _torch_copy(torch, ours, name, I, H, bias=bias, **extra)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
    x = rng.standard_normal((B, I) if batched else (I,))
    states = [rng.standard_normal((B, H) if batched else (H,))
              for _ in range(2 if mode == "LSTM" else 1)]
    xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    sa = [Tensor(s, requires_grad=True) for s in states]
    st = [torch.tensor(s, requires_grad=True) for s in states]
    if mode == "LSTM":
        outs = list(ours(xa, (sa[0], sa[1]) if with_h else None))
        t_outs = list(ref(xt, (st[0], st[1]) if with_h else None))
    else:
        outs = [ours(xa, sa[0] if with_h else None)]
        t_outs = [ref(xt, st[0] if with_h else None)]
    ws = [rng.standard_normal(o.shape) for o in outs]
    for o, t in zip(outs, t_outs):
        assert o.shape == tuple(t.shape)
        _close(o, t, RTOL)
    sum(((o * w).sum() for o, w in zip(outs, ws)), Tensor(0.0)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(t_outs, ws)).backward()
    theirs = dict(ref.named_parameters())
    for pname, p in ours.named_parameters():
        _close(_grad(p), theirs[pname].grad, GRAD_RTOL)
    _close(_grad(xa), xt.grad, GRAD_RTOL)
    if with_h:
        for s, t in zip(sa, st):
            _close(_grad(s), t.grad, GRAD_RTOL)


def test_cells_unrolled_equal_the_layer() -> None:
    """A cell stepped by hand over a sequence gives the one-layer module's outputs."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 2, 3))
    for layer_cls, cell_cls in ((nn.RNN, nn.RNNCell), (nn.GRU, nn.GRUCell),
                                (nn.LSTM, nn.LSTMCell)):
        layer = layer_cls(3, 4, rng=np.random.default_rng(0))
        cell = cell_cls(3, 4, rng=np.random.default_rng(0))
        assert [p.data.tolist() for p in layer.parameters()] == \
            [p.data.tolist() for p in cell.parameters()]
        out, _ = layer(x)
        s: Any = None
        for t in range(6):
            s = cell(x[t], hx=s)  # (PyTorch's keyword)
            h = s[0] if isinstance(s, tuple) else s
            np.testing.assert_allclose(h.data, out.data[t], rtol=1e-14, atol=1e-15)
        state = layer(x[:3])[1]  # the rest of the sequence from the state after 3 steps
        np.testing.assert_allclose(layer(x[3:], hx=state)[0].data, out.data[3:], rtol=1e-13)


# ---------------------------------------------------------------------------- gradchecks
@pytest.mark.parametrize("bidir", [False, True])
def test_gradcheck_lstm_of_input_and_state(bidir: bool) -> None:
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=bidir, rng=np.random.default_rng(4))
    rng = np.random.default_rng(5)
    k = 4 if bidir else 2
    x, h0, c0 = (rng.standard_normal(s) for s in ((4, 2, 2), (k, 2, 3), (k, 2, 3)))

    def f(x: Tensor, h0: Tensor, c0: Tensor) -> Tensor:
        out, (h, c) = lstm(x, (h0, c0))
        return am.concatenate([out.reshape(-1), h.reshape(-1), c.reshape(-1)])

    assert gradcheck(f, [x, h0, c0])


@pytest.mark.parametrize("batch_first", [False, True])
def test_gradcheck_gru_of_input_and_state(batch_first: bool) -> None:
    gru = nn.GRU(2, 3, num_layers=2, bidirectional=True, batch_first=batch_first,
                 rng=np.random.default_rng(6))
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 4, 2) if batch_first else (4, 2, 2))  # L = 4, B = 2
    h0 = rng.standard_normal((4, 2, 3))

    def f(x: Tensor, h0: Tensor) -> Tensor:
        out, h = gru(x, h0)
        return am.concatenate([out.reshape(-1), h.reshape(-1)])

    assert gradcheck(f, [x, h0])


def test_gradcheck_cells() -> None:
    rng = np.random.default_rng(8)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    lstm = nn.LSTMCell(3, 4, rng=rng)
    gru = nn.GRUCell(3, 4, rng=rng)
    rnn = nn.RNNCell(3, 4, rng=rng)
    assert gradcheck(lambda x, h, c: am.concatenate(list(lstm(x, (h, c))), axis=1), [x, h, c])
    assert gradcheck(lambda x, h: gru(x, h), [x, h])
    assert gradcheck(lambda x, h: rnn(x, h), [x, h])


# ---------------------------------------------------------------------------- names and init
NAME_CASES = [("RNN", dict(num_layers=3)), ("LSTM", dict(num_layers=2, bidirectional=True)),
              ("GRU", dict(bias=False, bidirectional=True)),
              ("RNN", dict(nonlinearity="relu", num_layers=2, bidirectional=True, bias=False)),
              ("LSTM", dict(batch_first=True, dropout=0.25, num_layers=2))]


@pytest.mark.parametrize(("name", "kw"), NAME_CASES)
def test_parameter_names_shapes_and_repr_match_torch(name: str, kw: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(5, 7, rng=np.random.default_rng(0), **kw)
    ref = getattr(torch.nn, name)(5, 7, **kw)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert ours.extra_repr() == ref.extra_repr()
    assert [[tuple(p.shape) for p in ps] for ps in ours.all_weights] == \
        [[tuple(p.shape) for p in ps] for ps in ref.all_weights]


def test_cell_repr_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for name, kw in (("RNNCell", dict(nonlinearity="relu", bias=False)), ("LSTMCell", {}),
                     ("GRUCell", dict(bias=False))):
        assert getattr(nn, name)(3, 4, **kw).extra_repr() == \
            getattr(torch.nn, name)(3, 4, **kw).extra_repr()


def test_initialisation_draws_in_torch_order() -> None:
    """Every weight and bias U(−1/√H, 1/√H), drawn from rng in PyTorch's parameter order."""
    for cls, gates in ((nn.RNN, 1), (nn.GRU, 3), (nn.LSTM, 4)):
        m = cls(3, 5, num_layers=2, bidirectional=True, rng=np.random.default_rng(11))
        gen, b = np.random.default_rng(11), 1 / math.sqrt(5)
        for name, p in m.named_parameters():
            assert p.shape[0] == gates * 5, name
            np.testing.assert_array_equal(p.data, gen.uniform(-b, b, p.shape))
    cell = nn.LSTMCell(3, 100, rng=np.random.default_rng(12))
    w = cell.weight_hh.data
    assert np.abs(w).max() <= 0.1 and np.abs(w).max() > 0.099 and abs(w.mean()) < 0.002
    # rng=None: the default generator that manual_seed sets, as Linear
    am.manual_seed(5)
    a = nn.GRU(3, 4)
    am.manual_seed(5)
    b2 = nn.GRU(3, 4)
    assert all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b2.parameters()))


def test_state_dict_round_trip_with_torch(tmp_path: Any) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    rng = np.random.default_rng(13)
    ours = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True, rng=rng)
    x = rng.standard_normal((2, 5, 3))
    # ours → torch through a checkpoint file, the same outputs
    path = tmp_path / "lstm.safetensors"
    nn.save(ours, path)
    ref = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True,
                        dtype=torch.float64)
    ref.load_state_dict(safetensors_torch.load_file(str(path)))
    out, (h, c) = ours(x)
    t_out, (t_h, t_c) = ref(torch.tensor(x))
    for a, t in ((out, t_out), (h, t_h), (c, t_c)):
        _close(a, t, RTOL)
    # torch → ours, the same outputs
    fresh = torch.nn.GRU(3, 4, num_layers=2, dtype=torch.float64)
    gru = nn.GRU(3, 4, num_layers=2, rng=rng)
    gru.load_state_dict({k: v.numpy() for k, v in fresh.state_dict().items()})
    g_out, g_h = gru(x)
    t_out2, t_h2 = fresh(torch.tensor(x))
    _close(g_out, t_out2, RTOL)
    _close(g_h, t_h2, RTOL)


# ---------------------------------------------------------------------------- dtypes, length
@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_float32_stays_float32(cls: Any) -> None:
    m = cls(3, 4, num_layers=2, bidirectional=True, rng=np.random.default_rng(0),
            dtype=np.float32)
    x = Tensor(np.random.default_rng(1).standard_normal((5, 2, 3)).astype(np.float32),
               requires_grad=True)
    out, state = m(x)
    finals = list(state) if isinstance(state, tuple) else [state]
    assert all(t.dtype == np.float32 for t in (out, *finals))
    (out.sum() + sum((f.sum() for f in finals), Tensor(np.float32(0.0)))).backward()
    assert _grad(x).dtype == np.float32
    assert all(_grad(p).dtype == np.float32 for p in m.parameters())
    for cell in (nn.RNNCell, nn.GRUCell, nn.LSTMCell):
        c = cell(3, 4, rng=np.random.default_rng(0), dtype=np.float32)
        r = c(x.data[0])
        assert all(t.dtype == np.float32 for t in (r if isinstance(r, tuple) else (r,)))


def test_two_thousand_steps_forward_and_backward() -> None:
    rng = np.random.default_rng(14)
    for cls in (nn.LSTM, nn.GRU):
        m = cls(2, 4, rng=rng)
        x = Tensor(rng.standard_normal((2000, 1, 2)), requires_grad=True)
        out, state = m(x)
        h = state[0] if isinstance(state, tuple) else state
        assert out.shape == (2000, 1, 4)
        np.testing.assert_array_equal(out.data[-1], h.data[0])
        (out.sum() + h.sum()).backward()
        gx = _grad(x)
        assert gx.shape == x.shape and np.all(np.isfinite(gx))
        assert np.abs(gx[0]).max() > 0  # the first step is reached
        assert all(np.all(np.isfinite(_grad(p))) for p in m.parameters())


# ---------------------------------------------------------------------------- dropout
def test_dropout_only_between_layers_and_only_in_training() -> None:
    rng = np.random.default_rng(15)
    x = rng.standard_normal((6, 2, 3))
    m = nn.GRU(3, 4, num_layers=2, dropout=0.5, rng=np.random.default_rng(0))
    plain = nn.GRU(3, 4, num_layers=2, rng=np.random.default_rng(0))
    a, b = m(x)[0].data, m(x)[0].data
    assert not np.allclose(a, b)  # masks differ between training runs
    assert not np.allclose(a, plain(x)[0].data)
    m.eval()
    e1, e2 = m(x), m(x)
    np.testing.assert_array_equal(e1[0].data, e2[0].data)
    np.testing.assert_array_equal(e1[0].data, plain(x)[0].data)
    np.testing.assert_array_equal(e1[1].data, plain(x)[1].data)
    # p = 1: layer 1 sees zeros, and layer 0's final state is untouched by dropout
    m1 = nn.LSTM(3, 4, num_layers=2, dropout=1.0, rng=np.random.default_rng(1))
    top = nn.LSTM(4, 4, rng=np.random.default_rng(2))
    top.load_state_dict({k.replace("l1", "l0"): v for k, v in m1.state_dict().items()
                         if "l1" in k})
    out, (h, _) = m1(x)
    np.testing.assert_allclose(out.data, top(np.zeros((6, 2, 4)))[0].data, rtol=1e-14)
    m1.eval()
    np.testing.assert_array_equal(m1(x)[1][0].data[0], h.data[0])
    # a seeded rng makes the masks reproducible
    r1 = nn.LSTM(3, 4, num_layers=2, dropout=0.3, rng=np.random.default_rng(3))
    r2 = nn.LSTM(3, 4, num_layers=2, dropout=0.3, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(r1(x)[0].data, r2(x)[0].data)


def test_dropout_with_one_layer_warns_as_torch() -> None:
    with pytest.warns(UserWarning, match="num_layers=1"):
        nn.LSTM(3, 4, dropout=0.5)


# ---------------------------------------------------------------------------- errors
def test_errors_name_the_layer_and_the_shapes() -> None:
    lstm = nn.LSTM(4, 5, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM\(4, 5, num_layers=2\).*\(6, 3, 7\).*input_size=4"):
        lstm(np.zeros((6, 3, 7)))
    with pytest.raises(ValueError, match=r"LSTM\(4, 5, num_layers=2\).*3-d.*\(6,\)"):
        lstm(np.zeros(6))
    with pytest.raises(ValueError, match=r"LSTM.*h_0 of shape \(1, 3, 5\).*expected \(2, 3, 5\)"):
        lstm(np.zeros((6, 3, 4)), (np.zeros((1, 3, 5)), np.zeros((2, 3, 5))))
    with pytest.raises(ValueError, match=r"c_0 of shape \(2, 5\).*batched.*expected \(2, 3, 5\)"):
        lstm(np.zeros((6, 3, 4)), (np.zeros((2, 3, 5)), np.zeros((2, 5))))
    with pytest.raises(ValueError, match=r"h_0 of shape \(2, 3, 5\).*unbatched.*expected \(2, 5\)"):
        lstm(np.zeros((6, 4)), (np.zeros((2, 3, 5)), np.zeros((2, 3, 5))))
    with pytest.raises(TypeError, match=r"LSTM.*pair \(h_0, c_0\)"):
        lstm(np.zeros((6, 3, 4)), np.zeros((2, 3, 5)))
    gru = nn.GRU(4, 5, bidirectional=True, batch_first=True)
    with pytest.raises(ValueError, match=r"GRU\(4, 5, batch_first=True, bidirectional=True\): "
                                         r"h0 of shape \(1, 2, 5\).*expected \(2, 2, 5\)"):
        gru(np.zeros((2, 6, 4)), np.zeros((1, 2, 5)))
    with pytest.raises(ValueError, match=r"GRU.*empty"):
        gru(np.zeros((2, 0, 4)))
    with pytest.raises(TypeError, match=r"GRU.*floating"):
        gru(np.zeros((2, 6, 4), dtype=np.int64))
    cell = nn.GRUCell(4, 5)
    with pytest.raises(ValueError, match=r"GRUCell\(4, 5\): input of shape \(2, 3\)"):
        cell(np.zeros((2, 3)))
    with pytest.raises(ValueError,
                       match=r"GRUCell\(4, 5\): h of shape \(3, 5\).*expected \(2, 5\)"):
        cell(np.zeros((2, 4)), np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"LSTMCell\(4, 5\): c of shape \(4,\).*expected \(5,\)"):
        nn.LSTMCell(4, 5)(np.zeros(4), (np.zeros(5), np.zeros(4)))
    with pytest.raises(ValueError, match=r"RNN: unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"RNNCell: unknown nonlinearity 'gelu'"):
        nn.RNNCell(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"GRU: dropout must be .* in \[0, 1\]"):
        nn.GRU(3, 4, num_layers=2, dropout=1.5)
    with pytest.raises(TypeError, match=r"LSTM: dropout must be a real number"):
        nn.LSTM(3, 4, num_layers=2, dropout="0.1")  # type: ignore[arg-type]
    for what, args in (("input_size", (0, 4, 1)), ("hidden_size", (3, -1, 1)),
                       ("num_layers", (3, 4, 0))):
        with pytest.raises(ValueError, match=rf"RNN: {what} must be a positive int"):
            nn.RNN(*args)
    with pytest.raises(ValueError, match=r"LSTMCell: hidden_size must be a positive int"):
        nn.LSTMCell(3, 0)
    with pytest.raises(ValueError, match=r"LSTM: proj_size=2 is not supported"):
        nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(TypeError, match=r"GRU: batch_first must be a bool"):
        nn.GRU(3, 4, batch_first=1)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- learning
def test_lstm_learns_to_remember_the_first_input() -> None:
    """The sign of the first of 10 inputs (the rest noise), predicted at every step."""
    rng = np.random.default_rng(0)
    lstm = nn.LSTM(1, 8, batch_first=True, rng=rng)
    head = nn.Linear(8, 1, rng=rng)
    opt = optim.Adam([*lstm.parameters(), *head.parameters()], lr=0.02)
    data = np.random.default_rng(100)

    def batch(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = 0.5 * data.standard_normal((n, 10, 1))
        first = np.sign(data.standard_normal(n))
        x[:, 0, 0] = first
        return x, np.broadcast_to((first > 0).astype(float)[:, None, None], (n, 10, 1))

    def last_step_loss() -> float:
        x, y = batch(256)
        with am.no_grad():
            out, _ = lstm(x)
            return F.binary_cross_entropy_with_logits(head(out[:, -1]), y[:, -1]).item()

    before = last_step_loss()
    for _ in range(100):
        x, y = batch(32)
        out, _ = lstm(x)
        loss = F.binary_cross_entropy_with_logits(head(out), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = last_step_loss()
    # measured: ≈ 0.69 before (chance), ≤ 0.0016 after over seeds 0–7
    assert before > 0.5
    assert after < 0.05
