"""DataLoader mini-batches and small datasets made without downloads: ``loader`` (DataLoader),
``datasets`` (TensorDataset, Subset, random_split), ``generators`` (two_gaussians, moons,
spirals, digits)."""

from __future__ import annotations

from ..random import check_rng
from .datasets import Subset, TensorDataset, random_split
from .generators import digits, moons, spirals, two_gaussians
from .loader import DataLoader

__all__ = ["DataLoader", "Subset", "TensorDataset", "check_rng", "digits", "moons",
           "random_split", "spirals", "two_gaussians"]
