"""BatchNorm1d against values computed once with PyTorch 2 (as literals), and BatchNorm2d."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd_mini import Tensor, no_grad

X1 = (np.arange(18.0).reshape(6, 3) ** 1.5 - 4.0) / 3.0
X2 = np.cos(np.arange(15.0)).reshape(5, 3) * 2.0
G1 = np.sin(np.arange(18.0)).reshape(6, 3)

# torch.nn.BatchNorm1d(3, dtype=float64) with weight [1.5, -0.5, 2], bias [0.1, 0.2, -0.3]
TORCH_Y1 = [
    [-1.6966858435347123, 0.8234772142809873, -2.8556554858244727],
    [-1.3144789350530144, 0.6638210200807786, -2.1386895879212666],
    [-0.6156414563196932, 0.4238746568990893, -1.1560208086833565],
    [0.28931950994767425, 0.125032075985554, 0.033394061428799166],
    [1.360969424318871, -0.2227764337255191, 1.3983502356751756],
    [2.5765173006408753, -0.6134285335208907, 2.918621585325121],
]
TORCH_GX1 = [
    [0.015474160946544972, -0.041925542601678835, 0.14904153691552696],
    [0.04029093988933424, 0.06439034719580312, -0.3078310414408118],
    [-0.06407006191615765, -0.036922448501604435, 0.22716379037734014],
    [0.07355585850849197, 0.03955672914085716, -0.24491857719187932],
    [-0.153520209689532, -0.03304937337887303, 0.3139077640373508],
    [0.08826931226131844, 0.00795028814549602, -0.13736347269752672],
]
TORCH_GW = [0.6748127653532721, -0.8360718281677205, -1.576482701911576]
TORCH_GB = [0.3875379172593799, 0.3298976974909632, -0.03104894394946489]
TORCH_RM = [0.6489013617467595, 0.758433459469702, 0.8525024080244314]
TORCH_RV = [6.228464053158275, 6.848396431598119, 7.352503251393594]
TORCH_EVAL = [
    [0.912058815920708, 0.13844520468799323, -1.542680350871648],
    [-1.4800551345006694, 0.5946815661159464, -0.5103430481429481],
    [0.8641806389387804, 0.056823364777480775, -1.1434302961515763],
    [-1.3852570625746363, 0.6655381704697129, -0.9222643484363414],
    [0.7243600561227843, -0.0018498086016373555, -0.7270823579109311],
]
# (N, C, L) input, momentum=None (cumulative average)
X3 = np.tan(np.arange(12.0) * 0.3).reshape(2, 2, 3)
TORCH_Y3 = [
    [[0.5884601944551163, 0.7729942552992352, 0.9965809484099082],
     [-0.32373164082555234, -0.0667650283970747, 2.1913538119360845]],
    [[-1.9685025723005074, -0.4315461138279685, 0.042013287964216356],
     [-0.6631341135717367, -0.5984649507018309, -0.5392580784398892]],
]
TORCH_RM3 = [-0.9796623623136673, 4.869550340582773]
TORCH_RV3 = [8.430013363271925, 78.20436485770783]
TORCH_EVAL3 = [
    [[0.33741317309914104, 0.44395408918462853, 0.573042079767886],
     [-0.40814881679529674, -0.25978905496619736, 1.043936632069799]],
    [[-1.1388517197910055, -0.2514884421384639, 0.02192153029179817],
     [-0.6041029508555977, -0.5667661874901357, -0.5325830794808318]],
]


def test_batchnorm_train_eval_matches_pytorch() -> None:
    bn = nn.BatchNorm1d(3)
    bn.weight.data[...] = [1.5, -0.5, 2.0]  # type: ignore[union-attr]
    bn.bias.data[...] = [0.1, 0.2, -0.3]  # type: ignore[union-attr]
    x1 = Tensor(X1, requires_grad=True)
    y1 = bn(x1)
    np.testing.assert_allclose(y1.data, TORCH_Y1, rtol=1e-12)
    (y1 * G1).sum().backward()
    np.testing.assert_allclose(x1.grad.data, TORCH_GX1, rtol=1e-9, atol=1e-15)  # type: ignore[union-attr]
    np.testing.assert_allclose(bn.weight.grad.data, TORCH_GW, rtol=1e-12)  # type: ignore[union-attr]
    np.testing.assert_allclose(bn.bias.grad.data, TORCH_GB, rtol=1e-12)  # type: ignore[union-attr]
    bn(X2)
    np.testing.assert_allclose(bn.running_mean, TORCH_RM, rtol=1e-12)  # type: ignore[arg-type]
    np.testing.assert_allclose(bn.running_var, TORCH_RV, rtol=1e-12)  # type: ignore[arg-type]
    assert int(bn.num_batches_tracked) == 2  # type: ignore[arg-type]
    bn.eval()
    np.testing.assert_allclose(bn(X2).data, TORCH_EVAL, rtol=1e-12)
    before = bn.running_mean.copy()  # type: ignore[union-attr]
    bn(X1)
    np.testing.assert_array_equal(bn.running_mean, before)
    assert bn(X2[:1]).shape == (1, 3)  # one sample is fine in eval


def test_batchnorm_3d_input_with_cumulative_momentum() -> None:
    bn = nn.BatchNorm1d(2, momentum=None)
    np.testing.assert_allclose(bn(X3).data, TORCH_Y3, rtol=1e-12)
    bn(X3 * 2 + 1)
    np.testing.assert_allclose(bn.running_mean, TORCH_RM3, rtol=1e-12)  # type: ignore[arg-type]
    np.testing.assert_allclose(bn.running_var, TORCH_RV3, rtol=1e-12)  # type: ignore[arg-type]
    bn.eval()
    np.testing.assert_allclose(bn(X3).data, TORCH_EVAL3, rtol=1e-12)


def test_batchnorm_updates_stats_under_no_grad_and_resets() -> None:
    bn = nn.BatchNorm1d(3)
    with no_grad():
        bn(X1)
    assert int(bn.num_batches_tracked) == 1  # type: ignore[arg-type]
    np.testing.assert_allclose(bn.running_mean, 0.1 * X1.mean(0))  # type: ignore[arg-type]
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * X1.var(0, ddof=1))  # type: ignore[arg-type]
    bn.reset_running_stats()
    assert np.all(bn.running_mean == 0) and np.all(bn.running_var == 1)


def test_batchnorm_without_running_stats_and_errors() -> None:
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert list(bn.parameters()) == [] and bn.state_dict() == {}
    bn.eval()
    out = bn(X1).data
    np.testing.assert_allclose(out, (X1 - X1.mean(0)) / np.sqrt(X1.var(0) + 1e-5), rtol=1e-12)
    train = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value"):
        train(X1[:1])
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        train(np.ones((4, 2)))
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm1d(3, momentum=2.0)


def test_batchnorm2d_is_batchnorm1d_over_the_flattened_image() -> None:
    rng = np.random.default_rng(5)
    x, g = rng.normal(size=(4, 3, 5, 2)), rng.normal(size=(4, 3, 5, 2))
    two, one = nn.BatchNorm2d(3, momentum=0.3), nn.BatchNorm1d(3, momentum=0.3)
    for bn in (two, one):
        bn.weight.data[...] = [1.5, -0.5, 2.0]  # type: ignore[union-attr]
        bn.bias.data[...] = [0.1, 0.2, -0.3]  # type: ignore[union-attr]
    for train in (True, False, True):
        two.train(train)
        one.train(train)
        xa, xb = Tensor(x, requires_grad=True), Tensor(x.reshape(4, 3, 10), requires_grad=True)
        ya, yb = two(xa), one(xb)
        np.testing.assert_allclose(ya.data, yb.data.reshape(x.shape), rtol=1e-13, atol=1e-15)
        ya.backward(g)
        yb.backward(g.reshape(4, 3, 10))
        np.testing.assert_allclose(xa.grad.data, xb.grad.data.reshape(x.shape),  # type: ignore[union-attr]
                                   rtol=1e-12, atol=1e-15)
        for key, value in two.state_dict().items():
            np.testing.assert_allclose(value, one.state_dict()[key], rtol=1e-14)
        x = x * 1.5 + 0.5
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\): expected input \(N, 3, H, W\)"):
        two(np.ones((4, 3, 5)))


def test_batchnorm2d_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    ours, theirs = nn.BatchNorm2d(2), torch.nn.BatchNorm2d(2, dtype=torch.float64)
    for step in range(3):
        x, g = rng.normal(size=(3, 2, 4, 4)) * (step + 1), rng.normal(size=(3, 2, 4, 4))
        xa, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yt = ours(xa), theirs(xt)
        ya.backward(g)
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(ya.data, yt.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-14)  # type: ignore[union-attr]
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-13)
    ours.eval()
    theirs.eval()
    x = rng.normal(size=(2, 2, 3, 3))
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)
