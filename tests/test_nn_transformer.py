"""TransformerEncoderLayer and TransformerEncoder against PyTorch's: outputs, input and
parameter gradients, state_dict keys both ways, masks, both norm placements."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn


def _copy_to_torch(module: nn.Module, twin: Any) -> None:
    torch = pytest.importorskip("torch")
    twin.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in
                          module.state_dict().items()}, strict=True)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [True, False])
def test_layer_matches_torch(norm_first: bool, activation: str, batch_first: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    ours = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=activation,
                                      batch_first=batch_first, norm_first=norm_first, rng=rng)
    theirs = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=activation,
                                              batch_first=batch_first, norm_first=norm_first,
                                              dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy_to_torch(ours, theirs)
    shape = (3, 5, 8) if batch_first else (5, 3, 8)
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    padding = np.zeros((3, 5), dtype=bool)
    padding[1, 3:] = True  # the second sequence is two tokens shorter
    causal = np.triu(np.ones((5, 5), dtype=bool), 1)
    xs, tx = am.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = ours(xs, src_mask=causal, src_key_padding_mask=padding)
    ty = theirs(tx, src_mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(padding))
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-12)
    assert xs.grad is not None and tx.grad is not None
    np.testing.assert_allclose(xs.grad.data, tx.grad.numpy(), atol=1e-12)
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.grad is not None, name
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), atol=1e-12, err_msg=name)


def test_encoder_matches_torch_and_copies_the_layer() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, rng=rng)
    ours = nn.TransformerEncoder(layer, 3, norm=nn.LayerNorm(8))
    theirs = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                         dtype=torch.float64),
        3, norm=torch.nn.LayerNorm(8, dtype=torch.float64), enable_nested_tensor=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    a, b = ours.layers[0].linear1.weight, ours.layers[2].linear1.weight
    assert a is not b and np.array_equal(a.data, b.data)  # deep copies, as PyTorch's
    _copy_to_torch(ours, theirs)
    x = rng.standard_normal((2, 4, 8))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    np.testing.assert_allclose(ours(x, is_causal=True).data,
                               theirs(torch.tensor(x), mask=mask, is_causal=True)
                               .detach().numpy(), atol=1e-12)
    assert ours(x[0]).shape == (4, 8)  # unbatched


def test_dropout_trains_float32_stays_and_bad_arguments_are_named() -> None:
    rng = np.random.default_rng(2)
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.5, rng=rng, dtype=np.float32)
    x = np.ones((2, 3, 4), dtype=np.float32)
    train = layer(x)
    assert train.dtype == np.float32
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, layer(x).data)
    assert not np.array_equal(train.data, layer(x).data)  # dropout only in training
    with pytest.raises(ValueError, match="TransformerEncoderLayer: activation must be 'relu', "
                                         "'gelu' or a function, got 'tanh'"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(ValueError, match="TransformerEncoderLayer: d_model 4 is not divisible "
                                         "by nhead 3"):
        nn.TransformerEncoderLayer(4, 3)
    with pytest.raises(ValueError, match="TransformerEncoder: num_layers"):
        nn.TransformerEncoder(layer, 0)
    swish = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=am.silu, rng=rng)
    assert swish(x.astype(np.float64)).shape == (2, 3, 4)


def test_encoder_layers_share_the_random_generator() -> None:
    """Copies of one generator would drop the same units in every layer."""
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.5, rng=np.random.default_rng(4))
    enc = nn.TransformerEncoder(layer, 2)
    a, b = enc.layers[0], enc.layers[1]
    assert a.dropout.rng is b.dropout.rng is layer.dropout.rng
    assert a.linear1.weight is not b.linear1.weight
    x = am.Tensor(np.ones((1, 3, 4)))
    first, second = a.dropout(x), b.dropout(x)
    assert not np.array_equal(first.data, second.data)
