"""``torch.utils.data``'s names, and small datasets made without downloads: ``base`` (Dataset,
IterableDataset, ConcatDataset, StackDataset, ChainDataset), ``datasets`` (TensorDataset,
Subset, random_split), ``samplers`` (Sampler, SequentialSampler, RandomSampler,
SubsetRandomSampler, WeightedRandomSampler, BatchSampler), ``collate`` (default_collate,
default_convert), ``loader`` (DataLoader), ``generators`` (two_gaussians, moons, spirals,
digits)."""

from __future__ import annotations

from ..random import check_rng
from .base import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    get_worker_info,
)
from .collate import default_collate, default_convert
from .datasets import Subset, TensorDataset, random_split
from .generators import digits, moons, spirals, two_gaussians
from .loader import DataLoader
from .samplers import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset",
           "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
           "check_rng", "default_collate", "default_convert", "digits", "get_worker_info",
           "moons", "random_split", "spirals", "two_gaussians"]
