"""torch.utils.data's names in autograd_mini.data: Dataset, IterableDataset, ConcatDataset,
StackDataset, ChainDataset, the samplers, default_collate/default_convert and DataLoader's
sampler, batch_sampler, batch_size=None and IterableDataset modes, side by side with torch
where the result is deterministic, and by their distributions where it is random."""

from __future__ import annotations

import collections
import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import autograd_mini as am
from autograd_mini import Tensor
from autograd_mini.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)

RNG = np.random.default_rng

#: χ² quantiles at 1 − 1e-6 by degrees of freedom (a correct sampler with a fixed seed passes
#: with room to spare; a wrong distribution over these sample sizes lands far above)
CHI2_LIMIT = {3: 30.66, 4: 33.38, 11: 48.87, 23: 70.55}


def _chi2(counts: np.ndarray, probs: np.ndarray) -> float:
    expected = counts.sum() * probs
    return float(np.sum((counts - expected) ** 2 / expected))


def _same(ours: Any, theirs: Any) -> None:
    """The same nested structure (our tuples for torch's lists or tuples), values and dtypes;
    a torch tensor must be our Tensor, anything else equal."""
    torch = pytest.importorskip("torch")
    pairs = [(ours, theirs)]
    while pairs:
        x, t = pairs.pop()
        if isinstance(t, torch.Tensor):
            assert isinstance(x, Tensor), (x, t)
            assert x.dtype == t.numpy().dtype and x.shape == tuple(t.shape)
            np.testing.assert_array_equal(x.data, t.numpy())
        elif isinstance(t, dict):
            assert isinstance(x, dict) and x.keys() == t.keys()
            pairs.extend((x[k], t[k]) for k in t)
        elif isinstance(t, (list, tuple)):
            assert isinstance(x, (list, tuple)) and len(x) == len(t), (x, t)
            pairs.extend(zip(x, t))
        elif isinstance(t, np.ndarray):
            np.testing.assert_array_equal(x, t)
            assert np.asarray(x).dtype == t.dtype
        else:
            assert x == t and type(x) is type(t), (x, t)


class Squares(Dataset[tuple[np.ndarray, int]]):
    """A map-style Dataset of one's own: sample i is (float32 [i, i²], i % 3)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        i = range(self.n)[i]  # (negative from the end; IndexError past it)
        return np.array([i, i * i], dtype=np.float32), i % 3


def _stream_class(base: type) -> type:
    """An IterableDataset class (deriving from ``base``) of (float64 [k, −k], k) for k < n."""

    class Stream(base):
        def __init__(self, n: int) -> None:
            self.n = n

        def __iter__(self) -> Iterator[Any]:
            return ((np.array([k, -k], dtype=np.float64), k) for k in range(self.n))

    return Stream


Stream = _stream_class(IterableDataset)


class SizedStream(Stream):  # type: ignore[misc, valid-type]
    def __len__(self) -> int:
        return self.n


# ----------------------------------------------------------------------------- datasets
def test_dataset_base_classes_and_isinstance() -> None:
    ds = TensorDataset(np.zeros((3, 2)))
    assert isinstance(ds, Dataset) and isinstance(Subset(ds, [0]), Dataset)
    assert all(isinstance(s, Dataset) for s in random_split(ds, [2, 1]))
    assert isinstance(Stream(2), Dataset) and not isinstance(ds, IterableDataset)
    assert Dataset[int] is not None  # (generic, as PyTorch's, for annotations)
    with pytest.raises(NotImplementedError, match=r"Dataset: subclasses of Dataset should "
                                                  r"implement __getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match=r"subclasses of IterableDataset should "
                                                  r"implement __iter__"):
        iter(IterableDataset())
    assert type(ds + Squares(2)) is ConcatDataset and len(ds + Squares(2)) == 5
    assert type(Stream(2) + Stream(3)) is ChainDataset and len(list(Stream(2) + Stream(3))) == 5
    assert get_worker_info() is None


@pytest.mark.parametrize("sizes", [(3,), (2, 5), (4, 1, 3)])
def test_concat_dataset_as_torch(sizes: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    rng = RNG(sum(sizes))
    arrays = [rng.standard_normal((n, 2)) for n in sizes]
    ours: ConcatDataset[Any] = ConcatDataset([TensorDataset(a, np.arange(len(a)))
                                              for a in arrays])
    theirs = tdata.ConcatDataset([tdata.TensorDataset(torch.from_numpy(a),
                                                      torch.arange(len(a))) for a in arrays])
    assert ours.cumulative_sizes == theirs.cumulative_sizes and len(ours) == len(theirs)
    for i in range(-len(ours), len(ours)):
        x, k = ours[i]
        tx, tk = theirs[i]
        np.testing.assert_array_equal(x, tx.numpy())
        assert k == tk.item()
    with pytest.raises(IndexError):
        ours[len(ours)]
    with pytest.raises(IndexError):
        theirs[len(theirs)]
    with pytest.raises(IndexError, match=r"ConcatDataset: index -\d+ is out of range"):
        ours[-len(ours) - 1]  # (PyTorch raises ValueError for this one)


def test_concat_dataset_mixes_dataset_kinds_and_loads_as_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = Squares(4) + Subset(Squares(6), [5, 0])
    theirs = torch.utils.data.ConcatDataset([Squares(4), torch.utils.data.Subset(
        Squares(6), [5, 0])])
    assert [ours[i][1] for i in range(6)] == [theirs[i][1] for i in range(6)]
    for a, b in zip(DataLoader(ours, batch_size=4), torch.utils.data.DataLoader(
            theirs, batch_size=4)):
        _same(a, b)


def test_concat_and_chain_errors() -> None:
    with pytest.raises(ValueError, match=r"ConcatDataset: datasets should not be an empty "
                                         r"iterable"):
        ConcatDataset([])
    with pytest.raises(TypeError, match=r"ConcatDataset: ConcatDataset does not support "
                                        r"IterableDataset \(datasets\[1\] is a Stream"):
        ConcatDataset([Squares(2), Stream(2)])
    with pytest.raises(TypeError, match=r"ConcatDataset: datasets\[0\]: dataset must have "
                                        r"__len__ and __getitem__"):
        ConcatDataset([3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"ConcatDataset: datasets must be an iterable of "
                                        r"datasets \(a list\), got Squares"):
        ConcatDataset(Squares(2))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"ChainDataset: ChainDataset only supports "
                                        r"IterableDataset, but datasets\[1\] is a Squares"):
        ChainDataset([Stream(2), Squares(2)])
    with pytest.raises(TypeError, match=r"ChainDataset: len\(\) needs every dataset's "
                                        r"__len__, but datasets\[0\] \(Stream\) has none"):
        len(ChainDataset([Stream(2), SizedStream(2)]))


def test_stack_dataset_as_torch() -> None:
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    X, y = RNG(1).standard_normal((5, 3)), np.arange(5)
    a, b = TensorDataset(X), Squares(5)
    ta = tdata.TensorDataset(torch.from_numpy(X))
    for ours, theirs in [(StackDataset(a, b), tdata.StackDataset(ta, Squares(5))),
                         (StackDataset(x=a, s=b), tdata.StackDataset(x=ta, s=Squares(5)))]:
        assert len(ours) == len(theirs) == 5
        assert type(ours.datasets) is type(theirs.datasets)
        _same(list(DataLoader(ours, batch_size=2)), list(tdata.DataLoader(theirs,
                                                                           batch_size=2)))
        _same(list(DataLoader(ours, batch_size=None)), list(tdata.DataLoader(
            theirs, batch_size=None)))
    assert StackDataset(a, TensorDataset(y))[-1][1][0] == 4
    with pytest.raises(ValueError, match=r"StackDataset: supported either tuple- \(via args\) "
                                         r"or dict- \(via kwargs\) .* both types are given"):
        StackDataset(a, s=b)
    with pytest.raises(ValueError, match=r"StackDataset: at least one dataset should be "
                                         r"passed"):
        StackDataset()
    with pytest.raises(ValueError, match=r"StackDataset: size mismatch between datasets: "
                                         r"lengths \{'x': 5, 'z': 4\}"):
        StackDataset(x=a, z=Squares(4))
    with pytest.raises(TypeError, match=r"StackDataset: datasets\[1\]: dataset must have "
                                        r"__len__"):
        StackDataset(a, 5)
    with pytest.raises(IndexError, match=r"StackDataset: index 5 is out of range for 5"):
        StackDataset(a, b)[5]


def test_chain_dataset_as_torch() -> None:
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    TStream = _stream_class(tdata.IterableDataset)
    ours: ChainDataset[Any] = ChainDataset([SizedStream(3), SizedStream(2)])
    theirs = tdata.ChainDataset([TStream(3), TStream(2)])
    assert len(ours) == 5
    got, ref = list(ours), list(theirs)
    assert [k for _, k in got] == [k for _, k in ref] == [0, 1, 2, 0, 1]
    _same(list(DataLoader(ours, batch_size=2)), list(tdata.DataLoader(theirs, batch_size=2)))


# ----------------------------------------------------------------------------- samplers
@pytest.mark.parametrize("n, batch_size, drop_last",
                         [(7, 3, False), (7, 3, True), (6, 3, True), (2, 5, False),
                          (2, 5, True), (0, 2, False), (5, 1, False)])
def test_sequential_and_batch_samplers_as_torch(n: int, batch_size: int,
                                                drop_last: bool) -> None:
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    data = list(range(n))
    assert list(SequentialSampler(data)) == list(tdata.SequentialSampler(data))
    assert len(SequentialSampler(data)) == n
    ours = BatchSampler(SequentialSampler(data), batch_size, drop_last)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(data), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(BatchSampler([4, 2, 9], 2, drop_last)) == list(tdata.BatchSampler(
        [4, 2, 9], 2, drop_last))


def test_sampler_argument_errors() -> None:
    ds = list(range(4))
    with pytest.raises(ValueError, match=r"BatchSampler: batch_size must be an int >= 1, got 0"):
        BatchSampler(SequentialSampler(ds), 0, False)
    with pytest.raises(ValueError, match=r"BatchSampler: batch_size must be an int >= 1, got "
                                         r"True"):
        BatchSampler(SequentialSampler(ds), True, False)
    with pytest.raises(TypeError, match=r"BatchSampler: drop_last must be a bool, got 1"):
        BatchSampler(SequentialSampler(ds), 2, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"BatchSampler: sampler must be an iterable of indices "
                                        r"\(a Sampler or a list\), got int"):
        BatchSampler(3, 2, False)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"BatchSampler: len\(\) needs the sampler's __len__, "
                                        r"but generator has none"):
        len(BatchSampler((i for i in ds), 2, False))
    with pytest.raises(TypeError, match=r"SequentialSampler: data_source must have __len__ "
                                        r"\(a dataset\), got int"):
        SequentialSampler(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"RandomSampler: replacement must be a bool, got 1"):
        RandomSampler(ds, replacement=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"RandomSampler: num_samples must be an int >= 1, "
                                         r"got 0"):
        RandomSampler(ds, num_samples=0)
    with pytest.raises(ValueError, match=r"RandomSampler: num_samples should be a positive "
                                         r"integer value, but got num_samples=0 \(the data "
                                         r"source is empty\)"):
        RandomSampler([])
    with pytest.raises(TypeError, match=r"RandomSampler: generator must be None or a numpy\."
                                        r"random\.Generator .*, got int"):
        RandomSampler(ds, generator=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"SubsetRandomSampler: indices must be a sequence of "
                                        r"indices \(a list, range or array\), got int"):
        SubsetRandomSampler(3)
    with pytest.raises(ValueError, match=r"WeightedRandomSampler: weights should be a 1d "
                                         r"sequence but given weights have shape \(1, 2\)"):
        WeightedRandomSampler([[1.0, 2.0]], 2)
    with pytest.raises(ValueError, match=r"WeightedRandomSampler: weights must be >= 0, got -2 "
                                         r"at index 1"):
        WeightedRandomSampler([1.0, -2.0], 2)
    with pytest.raises(ValueError, match=r"WeightedRandomSampler: weights must have a positive "
                                         r"sum"):
        WeightedRandomSampler([0.0, 0.0], 2)
    with pytest.raises(ValueError, match=r"WeightedRandomSampler: weights must hold finite "
                                         r"numbers"):
        WeightedRandomSampler([1.0, math.inf], 2)
    with pytest.raises(ValueError, match=r"WeightedRandomSampler: num_samples must be an int "
                                         r">= 1, got 0"):
        WeightedRandomSampler([1.0, 2.0], 0)
    with pytest.raises(ValueError, match=r"WeightedRandomSampler: cannot draw num_samples=2 "
                                         r"indices without replacement from 1 positive weights"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)
    with pytest.raises(NotImplementedError, match=r"subclasses of Sampler should implement "
                                                  r"__iter__"):
        iter(Sampler())


def test_random_sampler_without_replacement_gives_uniform_permutations() -> None:
    n, passes = 4, 4000
    sampler = RandomSampler(range(n), generator=RNG(0))
    draws = np.array([list(sampler) for _ in range(passes)])
    assert len(sampler) == n
    assert all(sorted(d) == list(range(n)) for d in draws)  # each pass a permutation
    perms = collections.Counter(map(tuple, draws.tolist()))  # all 24 orders, evenly
    assert len(perms) == 24
    counts = np.array([perms[p] for p in itertools.permutations(range(n))], dtype=float)
    assert _chi2(counts, np.full(24, 1 / 24)) < CHI2_LIMIT[23]
    first = np.bincount(draws[:, 0], minlength=n).astype(float)
    assert _chi2(first, np.full(n, 1 / n)) < CHI2_LIMIT[3]


def test_random_sampler_num_samples_past_n_repeats_whole_permutations() -> None:
    sampler = RandomSampler(range(3), num_samples=8, generator=RNG(1))
    for _ in range(20):
        d = list(sampler)
        assert len(d) == len(sampler) == 8
        assert sorted(d[:3]) == sorted(d[3:6]) == [0, 1, 2] and len(set(d[6:])) == 2


def test_random_sampler_with_replacement_draws_independently() -> None:
    n, passes = 5, 3000
    sampler = RandomSampler(range(n), replacement=True, generator=RNG(2))
    draws = np.array([list(sampler) for _ in range(passes)])
    # independent uniform draws: a pass is a permutation with probability 5!/5⁵ ≈ 0.038
    permutations = sum(len(set(d)) == n for d in draws.tolist())
    assert 0.02 * passes < permutations < 0.06 * passes
    counts = np.bincount(draws.ravel(), minlength=n).astype(float)
    assert _chi2(counts, np.full(n, 1 / n)) < CHI2_LIMIT[4]
    many = RandomSampler(range(2), replacement=True, num_samples=50, generator=RNG(3))
    assert len(list(many)) == len(many) == 50


def test_samplers_draw_anew_each_pass_and_follow_generators() -> None:
    sampler = RandomSampler(range(10), generator=RNG(4))
    assert list(sampler) != list(sampler)  # (a repeat has probability 1/10!)
    assert list(RandomSampler(range(10), generator=RNG(5))) == list(
        RandomSampler(range(10), generator=RNG(5)))
    # None: the default generator current when iteration starts, as DataLoader's shuffle
    default = WeightedRandomSampler([1.0, 2.0, 3.0], 6)
    am.manual_seed(7)
    first = list(default)
    am.manual_seed(7)
    assert list(default) == first
    am.manual_seed(7)
    sub = SubsetRandomSampler([10, 20, 30])
    order = list(sub)
    am.manual_seed(7)
    assert list(sub) == order and sorted(order) == [10, 20, 30]


def test_subset_random_sampler_permutes_its_indices_uniformly() -> None:
    indices = [7, 3, 11, 5]
    sampler = SubsetRandomSampler(indices, generator=RNG(8))
    draws = np.array([list(sampler) for _ in range(4000)])
    assert len(sampler) == 4 and all(sorted(d) == sorted(indices) for d in draws.tolist())
    first = np.array([np.sum(draws[:, 0] == i) for i in indices], dtype=float)
    assert _chi2(first, np.full(4, 0.25)) < CHI2_LIMIT[3]
    assert [type(i) for i in SubsetRandomSampler(range(3))] == [int] * 3


def test_weighted_sampler_with_replacement_follows_the_weights() -> None:
    w = np.array([1.0, 2.0, 0.0, 3.0, 4.0])
    sampler = WeightedRandomSampler(w, 20000, generator=RNG(9))
    draws = np.array(list(sampler))
    assert len(sampler) == 20000 and draws.dtype.kind == "i"
    counts = np.bincount(draws, minlength=5).astype(float)
    assert counts[2] == 0  # a zero weight is never drawn
    keep = w > 0
    assert _chi2(counts[keep], w[keep] / w.sum()) < CHI2_LIMIT[3]
    huge = WeightedRandomSampler([1e308, 1e308], 10, generator=RNG(0))  # (no overflow)
    assert set(huge) <= {0, 1}


def test_weighted_sampler_without_replacement_draws_one_after_another() -> None:
    w = np.array([1.0, 2.0, 3.0, 4.0])
    W = w.sum()
    sampler = WeightedRandomSampler(w, 2, replacement=False, generator=RNG(10))
    pairs = collections.Counter(tuple(list(sampler)) for _ in range(20000))
    assert all(i != j for i, j in pairs)  # never twice in one pass
    ordered = list(itertools.permutations(range(4), 2))
    # P(i then j) = wᵢ/W · wⱼ/(W − wᵢ): the second from the weights of those left
    probs = np.array([w[i] / W * w[j] / (W - w[i]) for i, j in ordered])
    counts = np.array([pairs[p] for p in ordered], dtype=float)
    assert _chi2(counts, probs) < CHI2_LIMIT[11]
    every = WeightedRandomSampler([5.0, 0.0, 1.0], 2, replacement=False, generator=RNG(1))
    assert all(sorted(every) == [0, 2] for _ in range(20))


# ----------------------------------------------------------------------------- DataLoader
def _pair_collate(samples: list[Any]) -> Any:
    """A collate_fn of one's own: the features summed, the labels as a list."""
    return float(sum(float(np.sum(np.asarray(x))) for x, _ in samples)), [int(k) for _, k in
                                                                          samples]


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True),
                                                   (8, False)])
def test_loader_with_a_sequential_sampler_and_a_collate_fn_as_torch(batch_size: int,
                                                                    drop_last: bool) -> None:
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    ds = Squares(7)
    ours = DataLoader(ds, batch_size=batch_size, drop_last=drop_last,
                      sampler=SequentialSampler(ds))
    theirs = tdata.DataLoader(ds, batch_size=batch_size, drop_last=drop_last,
                              sampler=tdata.SequentialSampler(ds))
    assert len(ours) == len(theirs)
    _same(list(ours), list(theirs))
    ours = DataLoader(ds, batch_size=batch_size, drop_last=drop_last,
                      sampler=SequentialSampler(ds), collate_fn=_pair_collate)
    theirs = tdata.DataLoader(ds, batch_size=batch_size, drop_last=drop_last,
                              sampler=tdata.SequentialSampler(ds), collate_fn=_pair_collate)
    assert list(ours) == list(theirs)


@pytest.mark.parametrize("order", [[3, 1, 4, 1, 5], [6, 0], [-1, 2]])
def test_loader_with_a_list_sampler_and_a_batch_sampler_as_torch(order: list[int]) -> None:
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    X = RNG(3).standard_normal((7, 2)).astype(np.float32)
    y = np.arange(7)
    theirs_ds = tdata.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    for ds in (TensorDataset(X, y), Squares(7)):  # (a TensorDataset indexes its arrays)
        ref = theirs_ds if isinstance(ds, TensorDataset) else ds
        _same(list(DataLoader(ds, batch_size=2, sampler=order)),
              list(tdata.DataLoader(ref, batch_size=2, sampler=order)))
        batches = [order[:1], order[1:]] if len(order) > 1 else [order]
        ours = DataLoader(ds, batch_sampler=batches)
        theirs = tdata.DataLoader(ref, batch_sampler=batches)
        assert len(ours) == len(theirs) and ours.batch_size is None and not ours.drop_last
        _same(list(ours), list(theirs))
        bs = BatchSampler(SequentialSampler(ds), 3, True)
        _same(list(DataLoader(ds, batch_sampler=bs)), list(tdata.DataLoader(
            ref, batch_sampler=tdata.BatchSampler(tdata.SequentialSampler(ref), 3, True))))
        assert len(DataLoader(ds, batch_sampler=bs)) == 2


def test_loader_without_batching_as_torch() -> None:
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    X = RNG(4).standard_normal((4, 3)).astype(np.float32)
    y = np.arange(4)
    ours = DataLoader(TensorDataset(X, y), batch_size=None)
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)),
                              batch_size=None)
    assert len(ours) == len(theirs) == 4 and ours.batch_sampler is None
    got = list(ours)
    _same(got, list(theirs))
    assert got[0][0].dtype == np.float32  # float32 stays float32
    for ds in (Squares(5), StackDataset(a=Squares(5), b=Squares(5))):
        _same(list(DataLoader(ds, batch_size=None)), list(tdata.DataLoader(ds,
                                                                           batch_size=None)))
    # collate_fn gets each sample itself, as torch's; a sampler sets the order
    ours_c = DataLoader(Squares(5), batch_size=None, sampler=[4, 0], collate_fn=repr)
    theirs_c = tdata.DataLoader(Squares(5), batch_size=None, sampler=[4, 0], collate_fn=repr)
    assert list(ours_c) == list(theirs_c) and len(ours_c) == 2


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (2, False), (2, True),
                                                   (5, True), (7, False), (None, False)])
def test_loader_over_an_iterable_dataset_as_torch(batch_size: int | None,
                                                  drop_last: bool) -> None:
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    TSized = type("TSized", (_stream_class(tdata.IterableDataset),),
                  {"__len__": lambda self: self.n})
    ours = DataLoader(SizedStream(5), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(TSized(5), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs) and ours.sampler is None
    got = list(ours)
    _same(got, list(theirs))
    if batch_size is not None:  # in the stream's order
        assert np.concatenate([b[1].data for b in got]).tolist() == list(range(len(got) *
                                                                               batch_size))[:5]
    _same(list(DataLoader(Stream(5), batch_size=batch_size, drop_last=drop_last,
                          shuffle=False)), list(theirs))
    with pytest.raises(TypeError, match=r"DataLoader: len\(\) needs the dataset's __len__, "
                                        r"but Stream has none"):
        len(DataLoader(Stream(5), batch_size=batch_size))
    assert "DataLoader(Stream, batch_size=" in repr(DataLoader(Stream(5), batch_size=batch_size))


def test_loader_samplers_and_shuffle_attributes() -> None:
    ds = TensorDataset(np.arange(10.0))
    plain = DataLoader(ds, batch_size=4, shuffle=None)  # (None: PyTorch's default, unshuffled)
    assert plain.shuffle is False
    assert type(plain.sampler) is SequentialSampler and type(plain.batch_sampler) is BatchSampler
    assert list(plain.batch_sampler) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    shuffled = DataLoader(ds, batch_size=4, shuffle=True, rng=RNG(0))
    assert type(shuffled.sampler) is RandomSampler and shuffled.sampler.generator is not None
    # the same order as before samplers: one permutation of the shuffling generator per epoch
    expected = RNG(0).permutation(10)
    got = np.concatenate([b[0].data for b in DataLoader(ds, batch_size=4, shuffle=True,
                                                        rng=RNG(0))])
    np.testing.assert_array_equal(got, expected.astype(float))
    weighted = DataLoader(ds, batch_size=1000, sampler=WeightedRandomSampler(
        [0.0] * 9 + [1.0], 1000, generator=RNG(0)))
    assert len(weighted) == 1 and set(next(iter(weighted))[0].data.tolist()) == {9.0}
    assert "sampler=WeightedRandomSampler" in repr(weighted)


def test_loader_with_a_sampler_records_gradients_to_a_learned_input() -> None:
    X = Tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    loader = DataLoader(TensorDataset(X), batch_size=3, sampler=[2, 0, 2, 3])
    total = sum(((b[0] * b[0]).sum() for b in loader), Tensor(0.0))
    total.backward()
    # each row's gradient 2x, once per time the sampler picks it
    np.testing.assert_array_equal(X.grad, 2 * X.data * np.array([[1], [0], [2], [1]]))


def test_loader_sampling_errors() -> None:
    ds = TensorDataset(np.zeros((4, 2)))
    exclusive = (r"DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                 r"shuffle, sampler, and drop_last")
    kws: list[dict[str, Any]] = [{"batch_size": 2}, {"batch_size": None}, {"shuffle": True},
                                 {"sampler": [0]}, {"drop_last": True}]
    for kw in kws:
        with pytest.raises(ValueError, match=exclusive):
            DataLoader(ds, batch_sampler=[[0, 1]], **kw)
    assert len(DataLoader(ds, batch_sampler=[[0, 1]], batch_size=1)) == 1  # (torch's default)
    with pytest.raises(ValueError, match=r"DataLoader: sampler option is mutually exclusive "
                                         r"with shuffle"):
        DataLoader(ds, batch_size=2, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match=r"DataLoader: batch_size=None option disables "
                                         r"auto-batching and is mutually exclusive with "
                                         r"drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match=r"DataLoader: batch_size=None .* is for a dataset.* "
                                         r"DataLoader\(TensorDataset\(X, y\), batch_size=None\)"):
        DataLoader(np.zeros((4, 2)), np.zeros(4), batch_size=None)
    with pytest.raises(TypeError, match=r"DataLoader: batch_size is required$"):
        DataLoader(ds, sampler=[0])
    for name in ("sampler", "batch_sampler"):
        with pytest.raises(ValueError, match=rf"DataLoader with IterableDataset: expected "
                                             rf"unspecified {name} option, but got "
                                             rf"{name}=\[\[0\]\]"):
            DataLoader(Stream(3), batch_size=2, **{name: [[0]]})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"DataLoader with IterableDataset: expected "
                                         r"unspecified shuffle option, but got shuffle=True"):
        DataLoader(Stream(3), batch_size=2, shuffle=True)
    with pytest.raises(TypeError, match=r"DataLoader: sampler must be None or an iterable of "
                                        r"indices \(a Sampler\), got int"):
        DataLoader(ds, batch_size=2, sampler=3)
    with pytest.raises(TypeError, match=r"DataLoader: sampler must be None .* got str"):
        DataLoader(ds, batch_size=2, sampler="abc")
    # a container of indices is checked whole when given; a sampler's batches as they come
    with pytest.raises(TypeError, match=r"DataLoader: batch_sampler gave 1, not a list of "
                                        r"indices"):
        DataLoader(ds, batch_sampler=[1, 2])
    with pytest.raises(IndexError, match=r"DataLoader: sampler gave index 4, out of range for "
                                         r"a dataset of 4 samples"):
        DataLoader(ds, batch_size=2, sampler=[0, 4])
    with pytest.raises(TypeError, match=r"DataLoader: batch_sampler gave \[0\.5\], not a batch "
                                        r"of int indices"):
        DataLoader(ds, batch_sampler=[[0.5]])
    with pytest.raises(ValueError, match=r"DataLoader: batch_sampler gave an empty batch"):
        DataLoader(ds, batch_sampler=[[0], []])

    class Far(Sampler[int]):
        def __iter__(self) -> Iterator[int]:
            return iter([0, 9])

    with pytest.raises(IndexError, match=r"DataLoader: sampler gave index 9, out of range"):
        list(DataLoader(ds, batch_size=2, sampler=Far()))
    with pytest.raises(TypeError, match=r"DataLoader: len\(\) needs the sampler's __len__, "
                                        r"but Far has none"):
        len(DataLoader(ds, batch_size=2, sampler=Far()))
    with pytest.raises(IndexError, match=r"DataLoader: sampler: index 9 is out of range for 4 "
                                         r"samples"):
        list(DataLoader(ds, batch_size=None, sampler=Far()))


def test_loader_with_a_sampler_needs_no_dataset_length() -> None:
    """As PyTorch's: a map-style Dataset without __len__ loads by a sampler of one's own."""

    class Keys(Dataset[np.ndarray]):
        def __getitem__(self, key: str) -> np.ndarray:
            return np.full(2, float(len(key)))

    loader = DataLoader(Keys(), batch_size=2, sampler=["a", "bbb", "cc"])
    assert [b.data.tolist() for b in loader] == [[[1.0, 1.0], [3.0, 3.0]], [[2.0, 2.0]]]
    assert len(loader) == 2
    with pytest.raises(TypeError, match=r"DataLoader: dataset must have __len__ and "
                                        r"__getitem__"):
        DataLoader(Keys(), batch_size=2)


# ----------------------------------------------------------------------------- collate
def test_default_collate_and_convert_as_torch() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as t_collate
    from torch.utils.data import default_convert as t_convert

    f32 = np.arange(3, dtype=np.float32)
    batches: list[list[Any]] = [
        [(1, 2.0), (3, 4.0)],
        [{"x": f32, "k": 1}, {"x": 2 * f32, "k": 5}],
        [f32, f32 + 1], [np.int64(3), np.int64(4)], [True, False], [("a", 1.5), ("b", 2.5)],
    ]
    for batch in batches:
        _same(default_collate(batch), t_collate(batch))
    Point = collections.namedtuple("Point", "x y")
    samples = [(f32, 3, np.float64(2.0)), [f32, "s"], {"a": np.ones(2), "b": [np.int32(1)]},
               Point(f32, 2.5), 7, "text", np.array(["a", "b"])]
    for sample in samples:
        got, ref = default_convert(sample), t_convert(sample)
        _same(got, ref)
    assert type(default_convert(Point(f32, 1))) is Point
    assert type(default_convert((f32,))) is tuple  # (torch's gives a list)
    t = Tensor(np.ones(2))
    assert default_convert(t) is t
    with pytest.raises(ValueError, match=r"default_collate: batch is empty"):
        default_collate([])
    with pytest.raises(TypeError, match=r"default_collate: batch must be a list of samples, "
                                        r"got ndarray"):
        default_collate(np.zeros(3))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"default_collate: dataset\[1\] is a tuple of 1 "
                                         r"fields, but dataset\[0\] is a tuple of 2 fields"):
        default_collate([(1, 2), (3,)])
    assert DataLoader(Squares(4), batch_size=2, collate_fn=default_collate).collate_fn is (
        default_collate)
    _same(list(DataLoader(Squares(4), batch_size=2, collate_fn=default_collate)),
          list(torch.utils.data.DataLoader(Squares(4), batch_size=2)))
