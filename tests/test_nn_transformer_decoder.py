"""TransformerDecoderLayer, TransformerDecoder and Transformer against PyTorch's: outputs, input
and parameter gradients, state_dict keys and loading both ways, masks, both norm placements,
both layouts; the causal mask, float32, dropout generators and argument errors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn

DT = np.float64


def _to_torch(module: nn.Module, twin: Any) -> None:
    torch = pytest.importorskip("torch")
    twin.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in
                          module.state_dict().items()}, strict=True)


def _randomise(module: nn.Module, rng: np.random.Generator) -> None:
    """Weights unlike the initial ones (layer norms are 1 and 0 there, biases 0), so that a
    swapped norm or bias shows."""
    for p in module.parameters():
        p.data[...] = rng.uniform(0.5, 1.5, p.shape) if p.ndim == 1 else \
            0.3 * rng.standard_normal(p.shape)


def _torch_mask(mask: np.ndarray) -> Any:
    """A bool mask (True = may not attend) as PyTorch's float one: PyTorch warns when a bool key
    padding mask meets a float attention mask, so its side gets float masks throughout."""
    torch = pytest.importorskip("torch")
    return torch.tensor(np.where(mask, -np.inf, 0.0))


def _compare_grads(ours: nn.Module, theirs: Any, leaves: list[tuple[am.Tensor, Any]]) -> None:
    for k, (a, t) in enumerate(leaves):
        assert a.grad is not None and t.grad is not None, k
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), atol=1e-11, err_msg=str(k))
    names = [n for n, _ in ours.named_parameters()]
    assert names == [n for n, _ in theirs.named_parameters()]
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.grad is not None and tp.grad is not None, name
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), atol=1e-11, err_msg=name)


def _masks(t: int, s: int, b: int) -> dict[str, np.ndarray]:
    """Bool masks (True = may not attend) that leave every query some key."""
    tgt_pad = np.zeros((b, t), dtype=bool)
    tgt_pad[1, t - 2:] = True  # the second target is two tokens shorter
    mem_pad = np.zeros((b, s), dtype=bool)
    mem_pad[0, s - 1] = True
    mem_mask = (np.add.outer(np.arange(t), np.arange(s)) % 3 == 1)
    assert not (mem_mask[None] | mem_pad[:, None]).all(axis=-1).any()
    return {"tgt_key_padding_mask": tgt_pad, "memory_key_padding_mask": mem_pad,
            "memory_mask": mem_mask}


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [True, False])
def test_decoder_layer_matches_torch(norm_first: bool, activation: str,
                                     batch_first: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    kw: dict[str, Any] = dict(dropout=0.0, activation=activation, batch_first=batch_first,
                              norm_first=norm_first)
    ours = nn.TransformerDecoderLayer(8, 2, 16, rng=rng, **kw)
    theirs = torch.nn.TransformerDecoderLayer(8, 2, 16, dtype=torch.float64, **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _randomise(ours, rng)
    _to_torch(ours, theirs)
    b, t, s = 3, 5, 4
    tshape, mshape = ((b, t, 8), (b, s, 8)) if batch_first else ((t, b, 8), (s, b, 8))
    x, m, g = (rng.standard_normal(shape) for shape in (tshape, mshape, tshape))
    masks = _masks(t, s, b)
    causal = nn.Transformer.generate_square_subsequent_mask(t)
    xs, ms = am.Tensor(x, requires_grad=True), am.Tensor(m, requires_grad=True)
    tx, tm = torch.tensor(x, requires_grad=True), torch.tensor(m, requires_grad=True)
    y = ours(xs, ms, tgt_mask=causal, **masks)
    ty = theirs(tx, tm, tgt_mask=torch.tensor(causal.data),
                **{k: _torch_mask(v) for k, v in masks.items()})
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-12)
    y.backward(g)
    ty.backward(torch.tensor(g))
    _compare_grads(ours, theirs, [(xs, tx), (ms, tm)])


def test_decoder_layer_per_head_masks_causal_flag_and_unbatched() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    ours = nn.TransformerDecoderLayer(8, 2, 12, dropout=0.0, rng=rng)
    theirs = torch.nn.TransformerDecoderLayer(8, 2, 12, dropout=0.0, batch_first=True,
                                              dtype=torch.float64)
    _randomise(ours, rng)
    _to_torch(ours, theirs)
    x, m = rng.standard_normal((2, 4, 8)), rng.standard_normal((2, 3, 8))
    per_head = rng.standard_normal((2 * 2, 4, 3))  # float memory mask, one per (batch, head)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    y = ours(x, m, memory_mask=per_head, tgt_is_causal=True)  # builds the causal mask
    ty = theirs(torch.tensor(x), torch.tensor(m), tgt_mask=causal,
                memory_mask=torch.tensor(per_head), tgt_is_causal=True)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-12)
    y1 = ours(x[0], m[0], tgt_mask=np.triu(np.ones((4, 4), dtype=bool), 1),
              memory_key_padding_mask=np.array([False, True, False]))
    ty1 = theirs(torch.tensor(x[0]), torch.tensor(m[0]), tgt_mask=causal,
                 memory_key_padding_mask=torch.tensor([0.0, -np.inf, 0.0], dtype=torch.float64))
    assert y1.shape == (4, 8)
    np.testing.assert_allclose(y1.data, ty1.detach().numpy(), atol=1e-12)


def test_decoder_matches_torch_and_copies_the_layer() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=False, rng=rng)
    ours = nn.TransformerDecoder(layer, 3, norm=nn.LayerNorm(8))
    theirs = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, dtype=torch.float64), 3,
        norm=torch.nn.LayerNorm(8, dtype=torch.float64))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    a, b = (ours.layers[i].multihead_attn.in_proj_weight for i in (0, 2))
    assert a is not b and np.array_equal(a.data, b.data)  # deep copies, as PyTorch's
    _randomise(ours, rng)  # the layers differ from here on
    _to_torch(ours, theirs)
    x, m, g = (rng.standard_normal(s) for s in ((5, 2, 8), (6, 2, 8), (5, 2, 8)))
    pad = np.zeros((2, 6), dtype=bool)
    pad[1, 4:] = True
    xs, ms = am.Tensor(x, requires_grad=True), am.Tensor(m, requires_grad=True)
    tx, tm = torch.tensor(x, requires_grad=True), torch.tensor(m, requires_grad=True)
    y = ours(xs, ms, tgt_mask=nn.Transformer.generate_square_subsequent_mask(5),
             memory_key_padding_mask=pad)
    ty = theirs(tx, tm, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(
        5, dtype=torch.float64), memory_key_padding_mask=_torch_mask(pad))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-12)
    y.backward(g)
    ty.backward(torch.tensor(g))
    _compare_grads(ours, theirs, [(xs, tx), (ms, tm)])


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_torch_and_loads_its_state_dict(batch_first: bool,
                                                            norm_first: bool) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    rng = np.random.default_rng(3)
    kw: dict[str, Any] = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                              dim_feedforward=16, dropout=0.0, activation="gelu",
                              batch_first=batch_first, norm_first=norm_first)
    ours = nn.Transformer(rng=rng, **kw)
    with warnings.catch_warnings():  # PyTorch's note that its nested-tensor fast path is off
        warnings.simplefilter("ignore", UserWarning)
        theirs = torch.nn.Transformer(dtype=torch.float64, **kw)
    mine, torchs = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(torchs)
    assert all(mine[k].shape == tuple(v.shape) for k, v in torchs.items())
    assert "decoder.layers.1.norm3.weight" in mine and "encoder.norm.bias" in mine
    with torch.no_grad():  # norms and biases unlike their initial 1 and 0
        for p in theirs.parameters():
            if p.ndim == 1:
                p.uniform_(0.5, 1.5)
    # PyTorch's weights into ours (the other direction is tested above)
    ours.load_state_dict({k: v.detach().numpy() for k, v in torchs.items()})
    b, s, t = 2, 5, 4
    sshape, tshape = ((b, s, 8), (b, t, 8)) if batch_first else ((s, b, 8), (t, b, 8))
    src, tgt, g = (rng.standard_normal(shape) for shape in (sshape, tshape, tshape))
    src_pad = np.zeros((b, s), dtype=bool)
    src_pad[0, 3:] = True
    tgt_pad = np.zeros((b, t), dtype=bool)
    tgt_pad[1, 3:] = True
    ss, ts = am.Tensor(src, requires_grad=True), am.Tensor(tgt, requires_grad=True)
    tss, tts = torch.tensor(src, requires_grad=True), torch.tensor(tgt, requires_grad=True)
    y = ours(ss, ts, tgt_mask=nn.Transformer.generate_square_subsequent_mask(t),
             src_key_padding_mask=src_pad, tgt_key_padding_mask=tgt_pad,
             memory_key_padding_mask=src_pad)
    ty = theirs(tss, tts, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(
        t, dtype=torch.float64), src_key_padding_mask=_torch_mask(src_pad),
        tgt_key_padding_mask=_torch_mask(tgt_pad), memory_key_padding_mask=_torch_mask(src_pad))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-11)
    y.backward(g)
    ty.backward(torch.tensor(g))
    _compare_grads(ours, theirs, [(ss, tss), (ts, tts)])


def test_transformer_initialisation_custom_parts_and_mask() -> None:
    torch = pytest.importorskip("torch")
    model = nn.Transformer(8, 2, 2, 1, 16, rng=np.random.default_rng(4))
    twin = nn.Transformer(8, 2, 2, 1, 16, rng=np.random.default_rng(4))
    for (name, p), (_, q) in zip(model.named_parameters(), twin.named_parameters()):
        assert np.array_equal(p.data, q.data), name  # one seed, one model
    # every matrix redrawn Xavier-uniform, as PyTorch's: the layers no longer start equal
    a, b = model.encoder.layers[0].linear1.weight, model.encoder.layers[1].linear1.weight
    assert not np.array_equal(a.data, b.data)
    assert np.abs(a.data).max() <= np.sqrt(6 / (8 + 16))
    w = model.decoder.layers[0].self_attn.in_proj_weight.data
    assert np.abs(w).max() <= np.sqrt(6 / (8 + 24)) and np.abs(w).max() > 0.8 * np.sqrt(6 / 32)
    assert np.array_equal(model.decoder.norm.weight.data, np.ones(8))
    for n in (1, 4):
        np.testing.assert_array_equal(
            nn.Transformer.generate_square_subsequent_mask(n).data,
            torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=torch.float64).numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3, np.float32).dtype == np.float32
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 1)
    custom = nn.Transformer(8, 2, custom_encoder=enc, num_decoder_layers=1, dim_feedforward=16,
                            dropout=0.0, rng=np.random.default_rng(5))
    assert custom.encoder is enc and "encoder.norm.weight" not in custom.state_dict()
    x = np.random.default_rng(6).standard_normal((2, 3, 8))
    np.testing.assert_allclose(custom(x, x[:, :2]).data,
                               custom.decoder(x[:, :2], enc(x)).data, atol=1e-14)


def test_float32_is_kept_and_gradients_check() -> None:
    rng = np.random.default_rng(7)
    model = nn.Transformer(4, 2, 1, 1, 6, dropout=0.0, rng=rng, dtype=np.float32)
    src = am.Tensor(rng.standard_normal((2, 3, 4)).astype(np.float32), requires_grad=True)
    tgt = am.Tensor(rng.standard_normal((2, 2, 4)).astype(np.float32), requires_grad=True)
    y = model(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(2, np.float32))
    assert y.dtype == np.float32
    y.sum().backward()
    assert src.grad is not None and tgt.grad is not None
    assert src.grad.dtype == tgt.grad.dtype == np.float32
    assert all(p.grad is not None and p.grad.dtype == np.float32 for p in model.parameters())
    big = model(src.data * 1000, tgt.data * 1000)  # layer norm keeps ±1000 finite
    assert np.isfinite(big.data).all()

    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, activation="gelu",
                                       norm_first=True, rng=rng)
    pad = np.array([[False, False], [False, True]])

    def f(x: am.Tensor, m: am.Tensor) -> am.Tensor:
        return layer(x, m, tgt_is_causal=True, memory_key_padding_mask=pad)

    x, m = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 2, 4))
    assert am.gradcheck(f, [x, m])
    assert am.gradgradcheck(f, [x, m], fast=True)


def test_dropout_draws_per_layer_and_only_in_training() -> None:
    layer = nn.TransformerDecoderLayer(4, 2, 8, dropout=0.5, rng=np.random.default_rng(8))
    dec = nn.TransformerDecoder(layer, 2)
    a, b = dec.layers[0], dec.layers[1]
    assert a.dropout3.rng is b.dropout3.rng is layer.dropout.rng
    assert a.multihead_attn.rng is b.self_attn.rng is layer.dropout.rng
    ones = am.Tensor(np.ones((1, 3, 4)))
    assert not np.array_equal(a.dropout3(ones).data, b.dropout3(ones).data)
    x, m = np.ones((2, 3, 4)), np.linspace(-1, 1, 16).reshape(2, 2, 4)
    train = dec(x, m)
    dec.eval()
    np.testing.assert_array_equal(dec(x, m).data, dec(x, m).data)
    assert not np.array_equal(train.data, dec(x, m).data)


def test_bad_arguments_are_named() -> None:
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, rng=np.random.default_rng(9))
    x, m = np.zeros((2, 5, 8)), np.zeros((2, 4, 8))
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer: d_model 8 is not divisible "
                                         r"by nhead 3"):
        nn.TransformerDecoderLayer(8, 3)
    with pytest.raises(ValueError, match=r"Transformer: d_model 6 is not divisible by nhead 4"):
        nn.Transformer(6, 4)
    with pytest.raises(ValueError, match="TransformerDecoderLayer: activation must be 'relu', "
                                         "'gelu' or a function, got 'tanh'"):
        nn.TransformerDecoderLayer(8, 2, activation="tanh")
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer\(d_model=8, batch_first=True"
                                         r"\): tgt \(2, 5, 8\), memory \(2, 4, 6\) must all"):
        layer(x, np.zeros((2, 4, 6)))
    with pytest.raises(ValueError, match=r"tgt \(2, 5, 8\), memory \(3, 4, 8\) .* the same batch"):
        layer(x, np.zeros((3, 4, 8)))
    with pytest.raises(ValueError, match=r"tgt \(5, 8\), memory \(2, 4, 8\) must all be"):
        layer(x[0], m)
    with pytest.raises(TypeError, match="TransformerDecoderLayer: tgt must be floating point"):
        layer(np.zeros((2, 5, 8), dtype=int), m)
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer: tgt_mask of shape \(4, 4\) "
                                         r"does not fit .* expected \(5, 5\) or \(4, 5, 5\)"):
        layer(x, m, tgt_mask=np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"memory_mask of shape \(5, 5\) does not fit .* "
                                         r"expected \(5, 4\) or \(4, 5, 4\)"):
        layer(x, m, memory_mask=np.zeros((5, 5)))
    with pytest.raises(ValueError, match=r"memory_key_padding_mask of shape \(2, 5\) does not "
                                         r"fit .* expected \(2, 4\)$"):
        layer(x, m, memory_key_padding_mask=np.zeros((2, 5), dtype=bool))
    with pytest.raises(ValueError, match=r"tgt_key_padding_mask of shape \(2, 5\) does not fit "
                                         r".* expected \(5,\)$"):
        layer(x[0], m[0], tgt_key_padding_mask=np.zeros((2, 5), dtype=bool))
    with pytest.raises(TypeError, match="TransformerDecoderLayer: tgt_is_causal must be a bool"):
        layer(x, m, tgt_is_causal=1)
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: src_mask of shape \(4, 4\)"):
        nn.TransformerEncoderLayer(8, 2, 16)(x, src_mask=np.zeros((4, 4)))
    with pytest.raises(TypeError, match="TransformerDecoder: decoder_layer must be a Module"):
        nn.TransformerDecoder("layer", 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="TransformerDecoder: num_layers must be a positive"):
        nn.TransformerDecoder(layer, 0)
    model = nn.Transformer(8, 2, 1, 1, 16, rng=np.random.default_rng(10))
    with pytest.raises(ValueError, match=r"Transformer\(d_model=8, batch_first=True\): src "
                                         r"\(2, 5, 8\), tgt \(3, 4, 8\) .* the same batch size"):
        model(x, np.zeros((3, 4, 8)))
    with pytest.raises(ValueError, match=r"Transformer\(d_model=8, batch_first=True\): src "
                                         r"\(2, 5, 4\), tgt \(2, 4, 8\) .* E = 8"):
        model(np.zeros((2, 5, 4)), m)
    with pytest.raises(ValueError, match="Transformer: num_decoder_layers must be a positive"):
        nn.Transformer(8, 2, num_decoder_layers=0)
    with pytest.raises(TypeError, match="Transformer: custom_encoder must be a Module or None"):
        nn.Transformer(8, 2, custom_encoder=len)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="generate_square_subsequent_mask: sz must be a "
                                         "positive int"):
        nn.Transformer.generate_square_subsequent_mask(0)


def test_mask_takes_pytorchs_device_keyword() -> None:
    m = nn.Transformer.generate_square_subsequent_mask(3, device="cpu")
    assert m.shape == (3, 3) and m.data[0, 1] == -np.inf and m.data[1, 0] == 0
    with pytest.raises(RuntimeError, match="everything runs on the CPU"):
        nn.Transformer.generate_square_subsequent_mask(3, device="cuda")
