"""nn.Bilinear against PyTorch's: values and gradients, batched, unbatched and with two
leading axes; float32 kept; shapes checked."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_mini as am
import nn


@pytest.mark.parametrize("lead", [(4,), (), (2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_matches_torch(lead: tuple[int, ...], bias: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    ours = nn.Bilinear(3, 5, 2, bias=bias, rng=rng)
    theirs = torch.nn.Bilinear(3, 5, 2, bias=bias, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in
                            ours.state_dict().items()})
    a, b = rng.standard_normal((*lead, 3)), rng.standard_normal((*lead, 5))
    xa, xb = am.Tensor(a, requires_grad=True), am.Tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y, ty = ours(xa, xb), theirs(ta, tb)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-12)
    for mine, ref in ((xa, ta), (xb, tb), *zip(ours.parameters(), theirs.parameters())):
        assert mine.grad is not None
        np.testing.assert_allclose(mine.grad.data, ref.grad.numpy(), atol=1e-12)


def test_float32_and_shapes() -> None:
    m = nn.Bilinear(2, 3, 4, rng=np.random.default_rng(1), dtype=np.float32)
    y = m(np.ones((5, 2), np.float32), np.ones((5, 3), np.float32))
    assert y.shape == (5, 4) and y.dtype == np.float32
    with pytest.raises(ValueError, match=r"bilinear: inputs of shapes \(5, 2\) and \(4, 3\) "
                                         "must have the same leading axes"):
        m(np.ones((5, 2)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="Bilinear: in1_features"):
        nn.Bilinear(0, 3, 4)
