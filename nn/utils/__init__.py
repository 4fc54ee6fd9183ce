"""Utilities named as ``torch.nn.utils``: gradient clipping (``clip_grad``), parameters as one
vector and back (``convert_parameters``) and padding of sequences (``rnn``).

    >>> import numpy as np, nn
    >>> model = nn.Linear(3, 2, rng=np.random.default_rng(0))
    >>> nn.utils.parameters_to_vector(model.parameters()).shape
    (8,)

``nn.utils.clip_grad_norm_`` is ``optim.clip_grad_norm_`` (one function, two addresses).
PyTorch's other utilities (weight_norm, spectral_norm, parametrize, fusion, pruning,
stateless, ...) are not provided: asking for one raises AttributeError saying so.
"""

from __future__ import annotations

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "rnn",
    "vector_to_parameters",
]

_REPARAMETRISE = ("not provided: compute the weight from a Parameter in forward (for weight "
                  "norm, w = g · v / ‖v‖ from Parameters g and v)")
_FUSION = ("not provided: fusing is a speed-up for inference; the unfused modules in eval() "
           "compute the same")
_MEMORY = "not provided: NumPy arrays have no memory formats; convolutions take NCHW"

#: PyTorch's torch.nn.utils names that are not provided, and what to do instead
_NOT_PROVIDED = {
    "weight_norm": _REPARAMETRISE, "remove_weight_norm": _REPARAMETRISE,
    "spectral_norm": _REPARAMETRISE, "remove_spectral_norm": _REPARAMETRISE,
    "parametrizations": _REPARAMETRISE, "parametrize": _REPARAMETRISE,
    "fusion": _FUSION, "fuse_conv_bn_eval": _FUSION, "fuse_conv_bn_weights": _FUSION,
    "fuse_linear_bn_eval": _FUSION, "fuse_linear_bn_weights": _FUSION,
    "memory_format": _MEMORY, "convert_conv2d_weight_memory_format": _MEMORY,
    "convert_conv3d_weight_memory_format": _MEMORY,
    "skip_init": "not provided: construct the module (pass rng= for reproducible draws) and "
                 "overwrite its parameters, e.g. with load_state_dict",
    "init": "not provided (its skip_init is not either); the initialisers are nn.init",
    "stateless": "not provided (nor functional_call): to run a module with other parameter "
                 "values, load them into it or into a copy.deepcopy of it (load_state_dict, "
                 "or nn.utils.vector_to_parameters)",
    "prune": "not provided: multiply the weight by a mask in forward, or zero its entries "
             "under autograd_mini.no_grad()",
    "clip_grad_norm": "not provided: use clip_grad_norm_ (this is PyTorch's deprecated "
                      "spelling of it)",
}


def __getattr__(name: str) -> object:
    """Only reached for a missing name: say so for PyTorch's utilities that are not here."""
    hint = f" (a PyTorch name): {_NOT_PROVIDED[name]}" if name in _NOT_PROVIDED else ""
    raise AttributeError(f"module 'nn.utils' has no attribute {name!r}{hint}")
