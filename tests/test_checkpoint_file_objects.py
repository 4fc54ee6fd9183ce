"""nn.save/nn.load and optim.save/optim.load with binary file objects (io.BytesIO, an open
file), as torch.save and torch.load take them: the same bytes as a file, read from where the
stream stands, and the same refusals."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import nn
import optim
from nn import safetensors_io as st


def _trained() -> tuple[nn.Module, optim.Optimizer]:
    model = nn.MLP([3, 4, 2], rng=np.random.default_rng(0))
    opt = optim.Adam(model.parameters(), 0.1)
    model(np.ones((5, 3))).sum().backward()
    opt.step()
    return model, opt


def _contents(data: bytes) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Tensors and metadata of safetensors bytes (whose metadata order the writer varies)."""
    fh = io.BytesIO(data)
    entries, metadata, start = st.read_header(fh)
    return {k: st.read_tensor(fh, info, start) for k, info in entries.items()}, metadata


def test_round_trip_through_buffers_is_the_files_content(tmp_path: Path) -> None:
    model, opt = _trained()
    buf, obuf = io.BytesIO(), io.BytesIO()
    nn.save(model, buf)
    optim.save(opt, obuf)
    nn.save(model, tmp_path / "m.safetensors")
    optim.save(opt, tmp_path / "o.safetensors")
    for mem, name in ((buf, "m.safetensors"), (obuf, "o.safetensors")):
        (got, meta), (want, file_meta) = (_contents(mem.getvalue()),
                                          _contents((tmp_path / name).read_bytes()))
        assert meta == file_meta and got.keys() == want.keys()
        for key in got:
            np.testing.assert_array_equal(got[key], want[key])
    again = nn.MLP([3, 4, 2], rng=np.random.default_rng(1))
    again_opt = optim.Adam(again.parameters(), 0.1)
    buf.seek(0)
    obuf.seek(0)
    nn.load(again, buf)
    optim.load(again_opt, obuf)
    for a, b in zip(model.parameters(), again.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert again_opt.state_dict()["state"][0]["step"] == 1


def test_open_files_and_a_stream_read_from_where_it_stands(tmp_path: Path) -> None:
    model, _ = _trained()
    with open(tmp_path / "m.safetensors", "wb") as fh:
        nn.save(model, fh)
    other = nn.MLP([3, 4, 2], rng=np.random.default_rng(2))
    with open(tmp_path / "m.safetensors", "rb") as fh:
        nn.load(other, fh)
    np.testing.assert_array_equal(other.layers[0].weight.data, model.layers[0].weight.data)
    stream = io.BytesIO()
    stream.write(b"a header of the caller's own")
    start = stream.tell()
    nn.save(model, stream)
    stream.seek(start)
    third = nn.MLP([3, 4, 2], rng=np.random.default_rng(3))
    nn.load(third, stream)
    np.testing.assert_array_equal(third.layers[2].bias.data, model.layers[2].bias.data)


def test_bad_streams_are_refused_and_change_nothing() -> None:
    model, opt = _trained()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    with pytest.raises(nn.CheckpointError, match=r"checkpoint '<BytesIO>' is empty"):
        nn.load(model, io.BytesIO())
    with pytest.raises(nn.CheckpointError, match="'<BytesIO>' is not a checkpoint"):
        nn.load(model, io.BytesIO(b"junk" * 8))
    with pytest.raises(TypeError, match=r"gives str, not bytes \(open the file in 'rb' mode\)"):
        nn.load(model, io.StringIO("text"))  # type: ignore[arg-type]
    with pytest.raises(nn.CheckpointError, match="optimizer checkpoint '<BytesIO>' is empty"):
        optim.load(opt, io.BytesIO())
    with pytest.raises(TypeError, match=r"save: path must be a str, an os\.PathLike or a "
                                        r"binary file object, got int"):
        nn.save(model, 3)  # type: ignore[arg-type]
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_a_buffer_loads_into_pytorch() -> None:
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    model, _ = _trained()
    buf = io.BytesIO()
    nn.save(model, buf)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    net.double().load_state_dict({k.removeprefix("layers."): v
                                  for k, v in st.load(buf.getvalue()).items()})
    np.testing.assert_allclose(net(torch.ones(5, 3, dtype=torch.float64)).detach().numpy(),
                               model(np.ones((5, 3))).data, rtol=1e-12)
