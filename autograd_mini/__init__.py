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

from . import data
from .autodiff import grad, hessian, hvp, jacobian, value_and_grad
from .engine import REGISTRY, Node, Primitive, primitive  # first: it defines Tensor's world
from .explain import explain_backward
from .factories import ones, ones_like, rand, randn, zeros, zeros_like
from .functional import (
    abs,
    add,
    astype,
    broadcast_to,
    clip,
    concatenate,
    div,
    exp,
    expand_dims,
    flatten,
    getitem,
    leaky_relu,
    linear,
    log,
    log1p,
    log_sigmoid,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pow,
    relu,
    reshape,
    scatter_add,
    sigmoid,
    softmax,
    softmax_cross_entropy,
    softplus,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    sum,
    tanh,
    transpose,
    var,
    where,
)
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
    "abs",
    "accuracy",
    "add",
    "astype",
    "backprop_steps",
    "broadcast_to",
    "clip",
    "concatenate",
    "current_scope",
    "data",
    "detect_anomaly",
    "div",
    "draw_graph",
    "enable_grad",
    "evaluate",
    "exp",
    "expand_dims",
    "explain_backward",
    "fit",
    "flatten",
    "getitem",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacobian",
    "leaky_relu",
    "linear",
    "log",
    "log1p",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "name_scope",
    "neg",
    "no_grad",
    "numerical_grad",
    "ones",
    "ones_like",
    "pow",
    "primitive",
    "rand",
    "randn",
    "relu",
    "reshape",
    "scatter_add",
    "set_grad_enabled",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "softplus",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "tanh",
    "tensor",
    "transpose",
    "value_and_grad",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
