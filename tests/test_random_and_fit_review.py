"""Random draws, data batches and the training loop as a PyTorch user relies on them: float32
and float16 uniform draws stay below their high, sampling without replacement never draws a
category of weight 0, a softmax that requires grad can be sampled, dict samples are batched by
key, ``fit`` keeps frozen sub-modules frozen, and ``evaluate`` returns numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini.data import DataLoader


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_rand_and_uniform_never_reach_their_high_after_rounding(dtype: type) -> None:
    """Drawn in float64 and rounded, a draw within half an ulp of 1 became 1.0 (1 in 3e7 for
    float32: seed 0's 14,817,373rd draw; 1 in 3,000 for float16), so log(1 − u) was −inf."""
    n = 14_817_373 if dtype is np.float32 else 100_000
    u = am.rand(n, dtype=dtype, rng=np.random.default_rng(0)).data
    assert u.dtype == dtype and u.max() < 1.0 and u.min() >= 0.0
    ref: np.ndarray = np.random.default_rng(0).random(n).astype(dtype)
    assert (ref >= 1.0).any()  # (the draws that used to escape)
    np.testing.assert_array_equal(u[ref < 1.0], ref[ref < 1.0])  # the others unchanged
    v = am.uniform(2.0, 3.0, n, dtype=dtype, rng=np.random.default_rng(0)).data
    assert v.max() < 3.0 and v.min() >= 2.0
    like = am.rand_like(am.zeros(n, dtype=dtype), rng=np.random.default_rng(0)).data
    assert like.dtype == dtype and like.max() < 1.0


def test_sampling_without_replacement_never_draws_a_zero_weight() -> None:
    """Eᵢ / wᵢ overflowed to inf for a tiny positive wᵢ, tying with the zero weights' inf: the
    first in the row won (8,351 rows of 10,000 drew category 1 of weight 0)."""
    got = am.multinomial([1.0, 0.0, 1e-310], 2, rng=np.random.default_rng(0)).data
    assert sorted(got.tolist()) == [0, 2]
    rows = np.tile([1e300, 0.0, 1e-9], (10_000, 1))
    drawn = am.multinomial(rows, 2, rng=np.random.default_rng(0)).data
    assert not (drawn == 1).any()
    common = am.multinomial(np.tile([0.1, 0.2, 0.3, 0.4], (2000, 1)), 1,
                            rng=np.random.default_rng(1)).data
    np.testing.assert_allclose(np.bincount(common.ravel(), minlength=4) / 2000,
                               [0.1, 0.2, 0.3, 0.4], atol=0.04)


def test_a_softmax_that_requires_grad_can_be_sampled_as_in_torch() -> None:
    am.manual_seed(0)
    probs = am.softmax(nn.Linear(4, 5)(am.randn(2, 4)), axis=-1)
    assert probs.requires_grad
    idx = am.multinomial(probs, 1)
    assert idx.shape == (2, 1) and idx.dtype == np.int64 and not idx.requires_grad
    with pytest.raises(TypeError, match="normal: loc is a tensor that requires grad"):
        am.normal(probs)  # (a constant here: its gradient would be lost)


def test_dict_samples_are_batched_key_by_key_as_pytorchs_default_collate() -> None:
    samples = [{"x": np.array([1, 2], np.float32), "y": 0, "id": "a"},
               {"x": np.array([3, 4], np.float32), "y": 1, "id": "b"}]

    class Records:
        def __len__(self) -> int:
            return len(samples)

        def __getitem__(self, i: int) -> dict[str, object]:
            return samples[i]

    for data in (samples, Records()):
        batch = next(iter(DataLoader(data, batch_size=2)))
        assert isinstance(batch, dict) and list(batch) == ["x", "y", "id"]
        assert batch["x"].dtype == np.float32 and batch["y"].dtype == np.int64
        np.testing.assert_array_equal(batch["x"].data, [[1, 2], [3, 4]])
        assert batch["id"] == ("a", "b")
    with pytest.raises(ValueError, match=r"dataset\[1\] is \{'z': 2\}.*same keys"):
        next(iter(DataLoader([{"x": 1}, {"z": 2}], batch_size=2)))


def _problem() -> tuple[np.ndarray, np.ndarray]:
    return np.random.default_rng(0).normal(3.0, 2.0, size=(64, 4)), np.arange(64) % 2


def test_fit_keeps_a_frozen_batchnorm_frozen() -> None:
    """``fit`` called ``model.train()`` every epoch: a BatchNorm the user froze for
    fine-tuning came back in training mode, its running statistics updated."""
    am.manual_seed(0)
    X, y = _problem()
    model = nn.Sequential(nn.BatchNorm1d(4), nn.Linear(4, 2))
    model[0].eval()
    am.fit(model, DataLoader(X, y, batch_size=16), nn.CrossEntropyLoss(),
           optim.SGD(model.parameters(), lr=0.1), epochs=2, progress=False,
           val=DataLoader(X, y, batch_size=16))
    assert model.training and not model[0].training
    np.testing.assert_array_equal(np.asarray(model[0].running_mean), np.zeros(4))
    whole = nn.Sequential(nn.BatchNorm1d(4), nn.Linear(4, 2))
    whole.eval()  # (all of it: fit trains it all, as model.train() would)
    am.fit(whole, DataLoader(X, y, batch_size=16), nn.CrossEntropyLoss(),
           optim.SGD(whole.parameters(), lr=0.1), progress=False)
    assert whole.training and whole[0].training
    assert np.abs(np.asarray(whole[0].running_mean)).max() > 0.5


def test_evaluate_gives_numbers_for_metrics_written_with_tensor_ops() -> None:
    am.manual_seed(0)
    X, y = _problem()

    def mae(out: am.Tensor, t: am.Tensor) -> am.Tensor:
        return (out - am.Tensor(np.eye(2)[t.data])).abs().mean()

    res = am.evaluate(nn.Linear(4, 2), DataLoader(X, y, batch_size=4), nn.CrossEntropyLoss(),
                      {"mae": mae})
    assert all(type(v) is float for v in res.values())
    json.dumps(res)


def test_uniform_with_low_equal_to_high_gives_low_in_every_dtype() -> None:
    for dtype in (np.float64, np.float32, np.float16):
        np.testing.assert_array_equal(am.uniform(1.0, 1.0, 5, dtype=dtype).data, np.ones(5))
    mixed = am.uniform(np.array([0.0, 1.0]), np.array([1.0, 1.0]), (50, 2), dtype=np.float16)
    assert (mixed.data[:, 1] == 1.0).all() and (mixed.data[:, 0] < 1.0).all()


def test_weights_further_apart_than_the_float_range_never_draw_a_zero() -> None:
    """Scaled by the row's largest weight, 1e-30 / 1e300 underflowed to 0 and tied with the
    zero weight ([0, 1e300, 1e-30] drew [1, 0])."""
    for seed in range(20):
        got = am.multinomial([0.0, 1e300, 1e-30], 2, rng=np.random.default_rng(seed)).data
        assert got.tolist() == [1, 2]


def test_fit_follows_the_modes_the_user_sets_as_training_goes() -> None:
    """``fit`` restored, each epoch, the modes of its start: a BatchNorm unfrozen in
    ``on_epoch_end`` was frozen again, and a child kept training under a frozen parent was
    frozen with it."""
    am.manual_seed(0)
    X, y = _problem()
    bn = nn.BatchNorm1d(4)
    block = nn.Sequential(bn, nn.Linear(4, 4))
    model = nn.Sequential(block, nn.Linear(4, 2))
    block.eval()
    bn.train()  # (a child kept training under a frozen parent)
    seen = []

    def unfreeze(epoch: int, hist: am.training.History) -> None:
        seen.append((block.training, bn.training))
        block.train()

    am.fit(model, DataLoader(X, y, batch_size=16), nn.CrossEntropyLoss(),
           optim.SGD(model.parameters(), lr=0.1), epochs=2, progress=False,
           on_epoch_end=unfreeze)
    assert seen == [(False, True), (True, True)]


def test_a_metric_giving_a_one_element_array_is_a_number_and_junk_is_named() -> None:
    X, y = _problem()
    loader = DataLoader(X, y, batch_size=16)
    res = am.evaluate(nn.Linear(4, 2), loader, nn.CrossEntropyLoss(),
                      {"m": lambda o, t: np.array([0.5])})
    assert res["m"] == 0.5
    with pytest.raises(TypeError, match="evaluate: metric 'm' must give one number"):
        am.evaluate(nn.Linear(4, 2), loader, nn.CrossEntropyLoss(),
                    {"m": lambda o, t: np.ones(3)})
