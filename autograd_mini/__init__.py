"""autograd_mini: reverse-mode automatic differentiation on NumPy.

Build an expression from Tensors, call ``backward()``, read ``.grad``::

    >>> from autograd_mini import Tensor, log, exp
    >>> x = Tensor(1.5, requires_grad=True); y = Tensor(-0.5, requires_grad=True)
    >>> v3 = x * y
    >>> f = v3 - log(1 + exp(v3))
    >>> f.backward()
    >>> round(x.grad.item(), 6)   # (1 − σ(xy)) y
    -0.339589
"""

from __future__ import annotations

from . import (
    data,
    factories,
    functional,
    linalg,
    numpy_protocol,  # noqa: F401  (Tensor's NumPy protocols: np.exp(t), np.sum(t))
)
from .autodiff import grad, hessian, hvp, jacobian, value_and_grad
from .engine import REGISTRY, Node, Primitive, primitive  # first: it defines Tensor's world
from .explain import explain_backward
from .factories import *  # noqa: F403  (factories.__all__)
from .functional import *  # noqa: F403  (functional.__all__: every differentiable function)
from .grad_mode import (
    AnomalyError,
    current_scope,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    name_scope,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .random import default_generator, get_rng_state, manual_seed, set_rng_state
from .tensor import Tensor, tensor
from .training import History, accuracy, evaluate, fit
from .viz import draw_graph
from .viz_steps import backprop_steps

__version__ = "0.1.0"

__all__ = [
    "REGISTRY",
    "AnomalyError",
    "GradcheckError",
    "History",
    "Node",
    "Primitive",
    "Tensor",
    "accuracy",
    "backprop_steps",
    "current_scope",
    "data",
    "default_generator",
    "manual_seed",
    "detect_anomaly",
    "draw_graph",
    "enable_grad",
    "get_rng_state",
    "evaluate",
    "explain_backward",
    "fit",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacobian",
    "linalg",
    "name_scope",
    "no_grad",
    "numerical_grad",
    "primitive",
    "set_grad_enabled",
    "set_rng_state",
    "tensor",
    "value_and_grad",
    *factories.__all__,
    *functional.__all__,
]

_TORCH_NAMES = {"cat": "concatenate", "concat": "concatenate", "unsqueeze": "expand_dims",
                "permute": "transpose", "clamp": "clip", "from_numpy": "tensor",
                "bmm": "matmul", "mm": "matmul", "gather": "take_along_axis",
                "chunk": "array_split", "index_select": "take",
                "narrow": "autograd_mini.take or x[...]", "inference_mode": "no_grad",
                "save": "nn.save(model, path) (import nn)",
                "load": "nn.load(model, path) (import nn)",
                "autograd": "autograd_mini.grad(f)(x) (a function's gradient), or "
                            "loss.backward() then w.grad",
                "float32": "np.float32 (dtypes are NumPy's)",
                "float64": "np.float64 (dtypes are NumPy's)",
                "int64": "np.int64 (dtypes are NumPy's)", "long": "np.int64 (dtypes are NumPy's)",
                "device": "nothing (tensors live in NumPy arrays on the CPU)",
                "jacrev": "jacobian", "jacfwd": "jacobian",
                "vjp": "autograd_mini.grad, or y.backward(v, inputs=[x]) then x.grad",
                "func": "autograd_mini.grad, jacobian, hessian or hvp (torch.func's, at the "
                        "top level)",
                "vmap": "batched ops: every op broadcasts over leading axes (no vmap)",
                "inverse": "linalg.inv", "det": "linalg.det", "logdet": "linalg.logdet",
                "slogdet": "linalg.slogdet", "cholesky": "linalg.cholesky",
                "pinverse": "linalg.pinv", "qr": "linalg.qr", "matrix_power": "linalg.matrix_power",
                "svd": "autograd_mini.linalg.svd (which returns Vh; torch.svd returned V)",
                "nn": None, "optim": None}


def __getattr__(name: str) -> object:
    """Only reached for a missing name: say ours for a PyTorch spelling."""
    ours = _TORCH_NAMES.get(name)
    where = f"autograd_mini.{ours}" if ours and ours.replace(".", "_").isidentifier() else ours
    hint = f" (a PyTorch name): use {where}" if ours else ""
    if name in _TORCH_NAMES and ours is None:  # torch.nn, torch.optim
        hint = f": {name} is a package of its own, beside autograd_mini: import {name}"
    raise AttributeError(f"module 'autograd_mini' has no attribute {name!r}{hint}")
