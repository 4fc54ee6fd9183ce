"""All parameters as one flat vector and back, as ``torch.nn.utils``: ``parameters_to_vector``
(a recorded concatenation: gradients flow to the parameters) and ``vector_to_parameters``."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from autograd_mini import Tensor, concatenate

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _parameters(parameters: Tensor | Iterable[Tensor], where: str) -> list[Tensor]:
    """``parameters`` as a list of Tensors (a single Tensor is a list of one)."""
    if not isinstance(parameters, Tensor) and (
            isinstance(parameters, (str, bytes)) or not hasattr(parameters, "__iter__")):
        raise TypeError(f"{where}: parameters must be a Tensor or an iterable of Tensors, got "
                        f"{type(parameters).__name__}")
    out = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(out):
        if not isinstance(p, Tensor):
            raise TypeError(f"{where}: parameters must hold Tensors, item {i} is a "
                            f"{type(p).__name__}")
    return out


def parameters_to_vector(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """vec = [p₁.reshape(−1), …, p_k.reshape(−1)] concatenated in the order given (as
    ``model.parameters()`` lists them), a recorded op: ∂vec/∂p_i is the identity on p_i's
    slice, so ``vec`` can enter a loss (e.g. a penalty on all weights). Mixed dtypes promote
    as NumPy's; an empty list is a ValueError, as PyTorch's ``torch.cat`` refuses it.
    """
    where = "parameters_to_vector"
    params = _parameters(parameters, where)
    if not params:
        raise ValueError(f"{where}: got no parameters to concatenate")
    return concatenate([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Tensor | Iterable[Tensor]) -> None:
    """p_i ← vec[o_i : o_i + p_i.size].reshape(p_i.shape), o_i = Σ_{j<i} p_j.size: gives each
    parameter the values of its slice of ``vec`` (the inverse of ``parameters_to_vector``).

    ``vec`` must be a 1-d Tensor of exactly Σ p_i.size entries; anything else is refused
    before any parameter changes. Each parameter's ``.data`` is rebound to a fresh copy of
    its slice in the parameter's own dtype: a live graph keeps the arrays it saved (its
    gradients stay those of the old values), and the parameters do not share memory with
    ``vec`` afterwards (PyTorch's become views of ``vec`` and take its dtype). Not recorded:
    ``.grad`` and graphs are left as they are.
    """
    where = "vector_to_parameters"
    if not isinstance(vec, Tensor):
        raise TypeError(f"{where}: vec must be a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"{where}: vec must be 1-d, got shape {vec.shape}")
    params = _parameters(parameters, where)
    need = sum(p.size for p in params)
    if vec.shape[0] != need:
        shapes = ", ".join(str(p.shape) for p in params)
        raise ValueError(f"{where}: vec has {vec.shape[0]} entries but the parameters hold "
                         f"{need} (shapes {shapes})")
    values = vec.data
    fresh: list[np.ndarray] = []
    start = 0
    with np.errstate(all="ignore"):  # (a float64 value beyond float32 casts to inf, as torch)
        for p in params:
            piece = values[start:start + p.size].reshape(p.shape)
            fresh.append(piece.astype(p.dtype, copy=True))
            start += p.size
    for p, arr in zip(params, fresh, strict=True):
        p.data = arr
