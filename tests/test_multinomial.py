"""am.multinomial: torch.multinomial's draws of category indices from rows of weights."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import autograd_mini as am

RNG = np.random.default_rng


def _frequencies(samples: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(samples.ravel(), minlength=k) / samples.size


def test_with_replacement_draws_each_category_by_its_weight() -> None:
    w = np.array([[0.5, 0.0, 3.0, 1.5], [0.0, 2.0, 2.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    s = am.multinomial(w, 60_000, replacement=True, rng=RNG(0))
    assert s.dtype == np.int64 and s.shape == (3, 60_000) and not s.requires_grad
    for row, got in zip(w, s.data):
        p = row / row.sum()  # weights need not sum to 1
        # binomial standard error at n = 60,000 is at most 0.002: 5 of them
        np.testing.assert_allclose(_frequencies(got, 4), p, atol=0.01)
        assert np.all(np.isin(got, np.flatnonzero(row)))  # never a zero weight


def test_without_replacement_follows_sequential_draws() -> None:
    """Pairs drawn without replacement: P(i, j) = wᵢ/Σw · wⱼ/(Σw − wᵢ)."""
    w = np.array([0.1, 0.0, 0.6, 0.3])
    rng = RNG(1)
    pairs = np.stack([am.multinomial(w, 2, rng=rng).data for _ in range(20_000)])
    assert np.all(pairs[:, 0] != pairs[:, 1])
    for i, j in itertools.permutations(range(4), 2):
        expected = w[i] / w.sum() * w[j] / (w.sum() - w[i])
        got = np.mean((pairs[:, 0] == i) & (pairs[:, 1] == j))
        assert abs(got - expected) < 0.015, (i, j, got, expected)


def test_without_replacement_takes_every_positive_category() -> None:
    w = am.tensor([[2.0, 0.0, 1.0, 5.0], [1.0, 1.0, 0.0, 1.0]], dtype=np.float32)
    s = am.multinomial(w, 3, rng=RNG(2))
    assert s.shape == (2, 3)
    assert sorted(s.data[0]) == [0, 2, 3] and sorted(s.data[1]) == [0, 1, 3]


def test_shapes_and_the_default_generator() -> None:
    assert am.multinomial([1.0, 2.0], 1).shape == (1,)
    am.manual_seed(5)
    a = am.multinomial(am.tensor([1.0, 2.0, 3.0]), 8, replacement=True)
    am.manual_seed(5)
    np.testing.assert_array_equal(a.data, am.multinomial([1, 2, 3], 8, True).data)
    one_hot = am.multinomial([[0.0, 0.0, 7.0]] * 2, 5, replacement=True)
    np.testing.assert_array_equal(one_hot.data, np.full((2, 5), 2))


@pytest.mark.parametrize(("args", "exc", "match"), [
    (([[[1.0]]], 1), ValueError, r"multinomial: probs must be 1-d or 2-d, got shape \(1, 1, 1\)"),
    (([1.0, -0.5], 1), ValueError, "multinomial: probs must be non-negative"),
    (([[1.0, 0.0], [0.0, 0.0]], 1), ValueError, "every row of probs needs a positive weight"),
    (([1.0, np.nan], 1), ValueError, "multinomial: probs must be finite"),
    (([1.0, 2.0, 0.0], 3), ValueError, "cannot draw 3 samples without replacement from a row "
                                       "with 2 categories"),
    (([1.0], 0), ValueError, "multinomial: num_samples must be positive"),
    (([1.0], 1.5), TypeError, "multinomial: num_samples must be an int"),
    ((["a"], 1), TypeError, "multinomial"),
])
def test_bad_arguments_are_named(args: tuple[Any, ...], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        am.multinomial(*args)


def test_matches_torch_semantics() -> None:
    torch = pytest.importorskip("torch")
    w = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 1.0]])
    ours = am.multinomial(w, 2)
    theirs = torch.multinomial(torch.tensor(w), 2)
    assert ours.shape == tuple(theirs.shape) and str(theirs.dtype) == "torch.int64"
    assert ours.dtype == np.int64
    for row, o, t in zip(w, ours.data, theirs.numpy()):
        assert len(set(o)) == len(set(t)) == 2 and set(o) <= set(np.flatnonzero(row))


def test_no_rows_and_huge_weights() -> None:
    for replacement in (False, True):
        assert am.multinomial(np.zeros((0, 3)), 2, replacement).shape == (0, 2)
    s = am.multinomial([1e308] * 3, 30_000, True, rng=RNG(5))  # (their sum overflows)
    np.testing.assert_allclose(_frequencies(s.data, 3), [1 / 3] * 3, atol=0.02)
