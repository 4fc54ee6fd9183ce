"""DataLoader over a list (or tuple) of samples, side by side with torch.utils.data.DataLoader,
and PyTorch's loading keywords (num_workers, pin_memory, collate_fn, ...)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_mini import Tensor
from autograd_mini.data import DataLoader, TensorDataset

RNG = np.random.default_rng


def _data(n: int = 10, dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    rng = RNG(0)
    return rng.standard_normal((n, 3)).astype(dtype), rng.integers(0, 3, n)


def _same_batches(ours: DataLoader, theirs: Any) -> None:
    """Every batch equal to torch's: the same structure (a tuple where torch gives a list at the
    top, a list for a nested field), the same values and the same dtypes."""
    mine, ref = list(ours), list(theirs)
    assert len(ours) == len(theirs) == len(mine) == len(ref)
    for a, b in zip(mine, ref):
        pairs = [(a, b, True)]
        while pairs:
            x, t, top = pairs.pop()
            if isinstance(t, (list, tuple)):
                assert type(x) is (tuple if top else list) and len(x) == len(t), (x, t)
                pairs.extend((xi, ti, False) for xi, ti in zip(x, t))
            else:
                assert isinstance(x, Tensor) and not x.requires_grad
                expected = t.numpy()
                assert x.dtype == expected.dtype and x.shape == expected.shape
                np.testing.assert_array_equal(x.data, expected)


@pytest.mark.parametrize("batch_size,drop_last", [(4, False), (4, True), (5, False), (1, True),
                                                  (10, False), (11, True)])
def test_list_of_array_int_pairs_as_pytorch(batch_size: int, drop_last: bool) -> None:
    torch = pytest.importorskip("torch")
    X, y = _data()
    pairs = [(x, int(t)) for x, t in zip(X, y)]
    ours = DataLoader(pairs, batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(pairs, batch_size=batch_size, shuffle=False,
                                         drop_last=drop_last)
    _same_batches(ours, theirs)
    assert len(ours) == (10 // batch_size if drop_last else -(-10 // batch_size))
    assert ours.dataset is pairs  # the list itself, as torch's loader.dataset


@pytest.mark.parametrize("kind", ["zip", "floats", "triples", "tuple", "lists", "float32",
                                  "tensors", "nested", "numbers"])
def test_sample_lists_as_pytorch(kind: str) -> None:
    torch = pytest.importorskip("torch")
    X, y = _data(7)
    samples: Any = {
        "zip": list(zip(X, y)),  # NumPy rows and np.int64 labels
        "floats": list(zip(X[:, 0], y)),  # scalar features: were read as one (n, 2) array
        "triples": [(x, int(t), 0.5 * t) for x, t in zip(X, y)],
        "tuple": tuple((x, int(t)) for x, t in zip(X, y)),
        "lists": [[x, int(t)] for x, t in zip(X, y)],
        "float32": [(x.astype(np.float32), int(t)) for x, t in zip(X, y)],
        "tensors": [(Tensor(x), int(t)) for x, t in zip(X, y)],
        "nested": [(x, (int(t), float(t) / 2)) for x, t in zip(X, y)],  # two targets
        "numbers": [(1.5 * i, i, True) for i in range(7)],
    }[kind]
    ref = [(torch.tensor(s[0].data), *s[1:]) for s in samples] if kind == "tensors" else samples
    _same_batches(DataLoader(samples, batch_size=3),
                  torch.utils.data.DataLoader(ref, batch_size=3, shuffle=False))
    xb, yb = next(iter(DataLoader(samples, batch_size=3)))[:2]  # (x, y) unpacking works
    assert len(xb) == 3 and len(yb) == (2 if kind == "nested" else 3)  # 2: a list of targets


def test_dtypes_kept() -> None:
    X, y = _data(6, np.float32)
    (xb, yb), = list(DataLoader([(x, int(t)) for x, t in zip(X, y)], batch_size=6))
    assert xb.dtype == np.float32 and yb.dtype == np.int64 and xb.shape == (6, 3)
    np.testing.assert_array_equal(xb.data, X)
    np.testing.assert_array_equal(yb.data, y)
    xb.data[...] = 0  # batches are copies
    assert X.any()


def test_shuffled_sample_list_follows_rng() -> None:
    X, y = _data(9)
    loader = DataLoader(list(zip(X, y)), batch_size=4, shuffle=True, rng=RNG(3))
    order = RNG(3).permutation(9)
    got = np.concatenate([yb.data for _, yb in loader])
    np.testing.assert_array_equal(got, y[order])
    again = DataLoader(list(zip(X, y)), batch_size=4, shuffle=True, generator=RNG(3))
    np.testing.assert_array_equal(np.concatenate([xb.data for xb, _ in again]), X[order])


def test_arrays_and_nested_lists_with_y_unchanged() -> None:
    (xb, yb), = list(DataLoader([[1.0, 2.0], [3.0, 4.0]], [0, 1], batch_size=2))
    np.testing.assert_array_equal(xb.data, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(yb.data, [0, 1])
    (xb, yb), = list(DataLoader([(1.0, 2.0), (3.0, 4.0)], [0, 1], batch_size=2))  # y given
    assert xb.shape == (2, 2)
    batches = list(DataLoader([1.0, 2.0, 3.0], batch_size=2))  # the array X, as DataLoader(X)
    assert [type(b) for b in batches] == [tuple, tuple] and batches[0][0].shape == (2,)
    assert list(DataLoader([], batch_size=2)) == []


def test_ambiguous_and_bad_sample_lists() -> None:
    for nested in ([[1.0, 2.0], [3.0, 4.0]], [[[1.0], [2.0]], [[3.0], [4.0]]]):
        with pytest.raises(TypeError, match=r"DataLoader: a list of lists of numbers \(or "
                                            r"arrays\) without y is ambiguous: .* "
                                            r"DataLoader\(np\.asarray\(X\), batch_size=\.\.\.\)"
                                            r" .* DataLoader\(X, y, batch_size=\.\.\.\)"):
            DataLoader(nested, batch_size=2)
    pairs = [(np.zeros(2), 0)] * 3
    with pytest.raises(TypeError, match=r"y must be None when the first argument is a dataset "
                                        r"\(list\), .* DataLoader\(dataset, batch_size=4\)"):
        DataLoader(pairs, 4)
    with pytest.raises(ValueError, match=r"DataLoader: dataset\[1\] is a tuple of 1 fields, but "
                                         r"dataset\[0\] is a tuple of 2 fields"):
        list(DataLoader([(1.0, 0), (2.0,)], batch_size=2))
    with pytest.raises(ValueError, match=r"field 0 of the samples must have one shape to be "
                                         r"stacked, but dataset\[0\] gives \(2,\) and "
                                         r"dataset\[1\] gives \(3,\)"):
        list(DataLoader([(np.zeros(2), 0), (np.zeros(3), 1)], batch_size=2))
    with pytest.raises(ValueError, match=r"field 1 of the samples of dataset\[1\] is 5, but of "
                                         r"dataset\[0\] a tuple of 2 values"):
        list(DataLoader([(1.0, (0, 1)), (2.0, 5)], batch_size=2))
    with pytest.raises(TypeError, match=r"field 0 of the samples of dataset\[0\] holds a list at "
                                        r"position 0; sequences nested two deep"):
        list(DataLoader([([[1.0]], 0), ([[2.0]], 1)], batch_size=2))
    with pytest.raises(TypeError, match=r"field 1 of the samples of dataset\[0\] is a dict"):
        list(DataLoader([(1.0, {"a": 1})], batch_size=1))


def test_collate_fn_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    X, y = _data(5)
    pairs = [(x, int(t)) for x, t in zip(X, y)]

    def labels(batch: list[Any]) -> list[int]:
        return [t for _, t in batch]

    ours = list(DataLoader(pairs, batch_size=2, collate_fn=labels))
    assert ours == list(torch.utils.data.DataLoader(pairs, batch_size=2, collate_fn=labels))
    assert ours == [[int(y[0]), int(y[1])], [int(y[2]), int(y[3])], [int(y[4])]]
    seen: list[Any] = []  # for arrays, the samples are tuples of NumPy rows, as dataset[i]
    for loader in (DataLoader(X, y, batch_size=3, collate_fn=seen.append),
                   DataLoader(TensorDataset(X, y), batch_size=3, collate_fn=seen.append)):
        assert list(loader) == [None, None]
    assert len(seen) == 4 and [len(b) for b in seen] == [3, 2, 3, 2]
    np.testing.assert_array_equal(seen[1][1][0], X[4])
    assert seen[1][1][1] == y[4]


def test_pytorch_keywords_accepted() -> None:
    torch = pytest.importorskip("torch")
    X, y = _data(8)
    pairs = list(zip(X, y))
    calls: list[int] = []
    for kw in ({"num_workers": 0, "pin_memory": True},
               {"num_workers": 1, "persistent_workers": True, "prefetch_factor": 4,
                "timeout": 5.0, "worker_init_fn": calls.append},
               {"num_workers": 1}):  # (torch warns when workers outnumber the cores)
        ours = DataLoader(pairs, batch_size=3, **kw)
        theirs = torch.utils.data.DataLoader(pairs, batch_size=3, **kw)  # not iterated
        for name in ("num_workers", "pin_memory", "prefetch_factor", "persistent_workers",
                     "timeout", "worker_init_fn"):
            assert getattr(ours, name) == getattr(theirs, name), name
        # every batch loads in this process, the same as without the keywords
        _same_batches(ours, torch.utils.data.DataLoader(pairs, batch_size=3))
        got = list(DataLoader(X, y, batch_size=3, **kw))
        np.testing.assert_array_equal(got[2][1].data, y[6:])
    assert calls == []  # no worker processes, so no worker_init_fn calls
    many = DataLoader(pairs, batch_size=3, num_workers=64, prefetch_factor=None)
    assert (many.num_workers, many.prefetch_factor, len(list(many))) == (64, 2, 3)
    assert DataLoader(pairs, batch_size=2, generator=RNG(0)).rng is not None


@pytest.mark.parametrize("kw,error,message", [
    ({"num_workers": -1}, ValueError, r"num_workers must be >= 0, got -1"),
    ({"num_workers": 1.5}, TypeError, r"num_workers must be an int >= 0, got 1\.5"),
    ({"num_workers": True}, TypeError, r"num_workers must be an int >= 0, got True"),
    ({"pin_memory": "yes"}, TypeError, r"pin_memory must be a bool, got 'yes'"),
    ({"persistent_workers": True}, ValueError, r"persistent_workers=True needs num_workers > 0"),
    ({"persistent_workers": 1, "num_workers": 1}, TypeError,
     r"persistent_workers must be a bool, got 1"),
    ({"prefetch_factor": 2}, ValueError, r"prefetch_factor=2 needs num_workers > 0"),
    ({"prefetch_factor": 0, "num_workers": 2}, ValueError, r"prefetch_factor must be >= 1"),
    ({"prefetch_factor": 2.0, "num_workers": 2}, TypeError,
     r"prefetch_factor must be None or an int >= 1, got 2\.0"),
    ({"timeout": -1}, ValueError, r"timeout must be finite and >= 0"),
    ({"timeout": 1}, ValueError, r"timeout=1 needs num_workers > 0"),
    ({"timeout": "1"}, TypeError, r"timeout must be a real number"),
    ({"collate_fn": 3}, TypeError, r"collate_fn must be None or a callable, got 3"),
    ({"worker_init_fn": "f"}, TypeError, r"worker_init_fn must be None or a callable"),
    ({"generator": 0}, TypeError, r"generator must be a numpy\.random\.Generator "
                                  r"\(np\.random\.default_rng\(seed\)\), got int"),
    ({"generator": RNG(0), "rng": RNG(0)}, TypeError,
     r"give the shuffling generator as rng or as generator, not both"),
])
def test_bad_keyword_values(kw: dict[str, Any], error: type[Exception], message: str) -> None:
    X, y = _data(4)
    with pytest.raises(error, match="DataLoader: " + message):
        DataLoader(list(zip(X, y)), batch_size=2, **kw)
    with pytest.raises(error, match="DataLoader: " + message):
        DataLoader(X, y, batch_size=2, **kw)


def test_torch_generator_and_unknown_keywords_refused() -> None:
    torch = pytest.importorskip("torch")
    X, y = _data(4)
    with pytest.raises(TypeError, match=r"DataLoader: generator must be a numpy\.random\."
                                        r"Generator .*, got Generator"):
        DataLoader(X, y, batch_size=2, generator=torch.Generator())
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'samplr'"):
        DataLoader(X, y, batch_size=2, samplr=[0, 1, 2, 3])  # type: ignore[call-arg]


def test_string_fields_kept_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    samples = [(np.full(2, float(i)), name) for i, name in enumerate(["cat", "dog", "emu"])]
    ours = list(DataLoader(samples, batch_size=2))
    theirs = list(torch.utils.data.DataLoader(samples, batch_size=2))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a[0].data, b[0].numpy())
        assert a[1] == tuple(b[1])  # torch gives the strings as a list, ours as a tuple


def test_nested_strings_bytes_and_bare_strings_kept_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    pairs = [(np.zeros(2), ("a", "b")), (np.ones(2), ("c", "d"))]
    (x, names), (xt, names_t) = next(iter(DataLoader(pairs, batch_size=2))), next(
        iter(torch.utils.data.DataLoader(pairs, batch_size=2)))
    np.testing.assert_array_equal(x.data, xt.numpy())
    assert names == [tuple(n) for n in names_t] == [("a", "c"), ("b", "d")]
    raw = [(np.zeros(2), b"q"), (np.ones(2), b"r")]
    assert next(iter(DataLoader(raw, batch_size=2)))[1] == (b"q", b"r")

    class Words:
        def __len__(self) -> int:
            return 3

        def __getitem__(self, i: int) -> str:
            return "xyz"[i]

    assert list(DataLoader(Words(), batch_size=2)) == [("x", "y"), ("z",)]
    assert [list(b) for b in torch.utils.data.DataLoader(Words(), batch_size=2)] == [
        ["x", "y"], ["z"]]
