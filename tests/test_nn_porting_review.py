"""PyTorch code ported to the sequence layers: ``TransformerEncoder`` takes ``is_causal=None``
(PyTorch's default) as torch does, and names itself for a bad value; ``TransformerEncoder``
refuses a ``norm`` that is not a Module when built; ``TransformerEncoderLayer`` names itself
and PyTorch's argument names for bad arguments, as ``TransformerDecoderLayer`` does; and
``RNN``/``LSTM``/``GRU`` have PyTorch's ``flatten_parameters()``, a no-op here."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import nn

DT = np.float64


def _encoder(rng: np.random.Generator) -> nn.TransformerEncoder:
    layer = nn.TransformerEncoderLayer(8, 2, 16, 0.0, rng=rng)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8))
    for p in enc.parameters():  # weights unlike the initial ones, so every parameter matters
        p.data[...] = 0.3 * rng.standard_normal(p.shape)
    return enc


def test_encoder_is_causal_none_applies_the_mask_as_torch() -> None:
    """``is_causal=None`` is PyTorch's default: ``mask`` applied as given, as with False."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 8))
    mask = np.triu(np.ones((5, 5), bool), 1)
    enc = _encoder(rng)
    twin = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2,
        norm=torch.nn.LayerNorm(8), enable_nested_tensor=False).double()
    twin.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in
                          enc.state_dict().items()}, strict=True)
    twin.eval()
    with torch.no_grad():
        expected = twin(torch.tensor(x), mask=torch.tensor(mask), is_causal=None).numpy()
    out = enc(x, mask=mask, is_causal=None)
    assert out.dtype == DT
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(out.data, enc(x, mask=mask, is_causal=False).data)
    assert inspect.signature(nn.TransformerEncoder.forward).parameters["is_causal"].default \
        is None


@pytest.mark.parametrize("cls", [nn.TransformerEncoder, nn.TransformerEncoderLayer])
def test_encoder_bad_is_causal_names_the_module(cls: type[nn.Module]) -> None:
    """A non-bool ``is_causal`` is refused by the module the caller called, not by the
    ``MultiheadAttention`` inside it."""
    layer = nn.TransformerEncoderLayer(8, 2, 16, 0.0)
    module = layer if cls is nn.TransformerEncoderLayer else nn.TransformerEncoder(layer, 1)
    with pytest.raises(TypeError, match=rf"^{cls.__name__}: is_causal must be a bool, got 1$"):
        module(np.ones((2, 5, 8)), is_causal=1)


def test_encoder_refuses_a_norm_that_is_not_a_module() -> None:
    """Refused when built, naming the class and the argument (it failed at the first forward
    with a bare "'str' object is not callable")."""
    layer = nn.TransformerEncoderLayer(8, 2, 16, 0.0)
    with pytest.raises(TypeError, match=r"^TransformerEncoder: norm must be a Module or None, "
                                        r"got str$"):
        nn.TransformerEncoder(layer, 1, norm="layernorm")  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"nhead": 3}, ValueError, "d_model 8 is not divisible by nhead 3"),
    ({"nhead": 0}, ValueError, "nhead must be a positive int, got 0"),
    ({"bias": 0}, TypeError, "bias must be a bool, got 0"),
    ({"batch_first": None}, TypeError, "batch_first must be a bool, got None"),
    ({"rng": "seed"}, TypeError, "rng"),
])
def test_encoder_layer_argument_errors_name_the_layer(kwargs: dict[str, Any],
                                                      error: type[Exception],
                                                      message: str) -> None:
    """``TransformerEncoderLayer`` checks its arguments under its own name and PyTorch's
    argument names (``d_model``, ``nhead``), with the decoder layer's exact message."""
    args: dict[str, Any] = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0,
                            **kwargs}
    with pytest.raises(error, match=f"^TransformerEncoderLayer: .*{message}") as enc_err:
        nn.TransformerEncoderLayer(**args)
    with pytest.raises(error) as dec_err:
        nn.TransformerDecoderLayer(**args)
    assert str(enc_err.value).replace("Encoder", "Decoder") == str(dec_err.value)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_flatten_parameters_is_a_no_op(cls: type[nn.RNN | nn.LSTM | nn.GRU]) -> None:
    """PyTorch's ``flatten_parameters()`` packs cuDNN weights; here it returns None and changes
    neither the parameters nor the output, so a ported ``forward`` that calls it runs."""
    rnn = cls(3, 4, num_layers=2, bidirectional=True, rng=np.random.default_rng(1))
    x = np.random.default_rng(2).standard_normal((6, 2, 3))
    before = {k: np.array(v) for k, v in rnn.state_dict().items()}
    out_before = rnn(x)[0].data
    assert rnn.flatten_parameters() is None
    after = rnn.state_dict()
    assert list(after) == list(before)
    for k, v in before.items():
        np.testing.assert_array_equal(np.asarray(after[k]), v)
    np.testing.assert_array_equal(rnn(x)[0].data, out_before)
    assert (inspect.getdoc(cls.flatten_parameters) or "").startswith("Does nothing")
