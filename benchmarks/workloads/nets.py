"""Fully connected nets written three ways: autograd_mini, NumPy by hand, and PyTorch.

Every version starts from the same weights (in ``(fan_in, fan_out)`` layout) and runs the same
training step: forward, mean loss (softmax cross-entropy or binary cross-entropy on logits),
backward, and a plain SGD update ``θ ← θ − lr·∇θ``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd_mini as am

from ..harness import check_all, check_close

Weights = list[tuple[np.ndarray, np.ndarray]]


def init_weights(sizes: list[int], dtype: Any, rng: np.random.Generator) -> Weights:
    """He-initialised weights and small random biases."""
    out = []
    for n_in, n_out in itertools.pairwise(sizes):
        w = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        b = rng.standard_normal(n_out) * 0.01
        out.append((w.astype(dtype), b.astype(dtype)))
    return out


# ----------------------------------------------------------------------------- NumPy by hand
class NumpyNet:
    """The MLP with forward, loss gradient and backward written out as matrix formulas."""

    def __init__(self, weights: Weights, act: str, loss: str, lr: float) -> None:
        self.params = [(w.copy(), b.copy()) for w, b in weights]
        self.act, self.loss, self.lr = act, loss, lr

    def grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
        """Loss and gradients [dW1, db1, dW2, db2, ...] for inputs ``x`` and targets ``y``."""
        acts = [x]
        a = x
        for w, b in self.params[:-1]:
            z = a @ w + b
            a = np.maximum(z, 0) if self.act == "relu" else np.tanh(z)
            acts.append(a)
        w, b = self.params[-1]
        z = a @ w + b
        n = x.shape[0]
        if self.loss == "ce":
            zs = z - z.max(axis=1, keepdims=True)
            ez = np.exp(zs)
            s = ez.sum(axis=1, keepdims=True)
            rows = np.arange(n)
            loss = float(np.mean(np.log(s[:, 0]) - zs[rows, y]))
            dz = ez / s
            dz[rows, y] -= 1
            dz /= n
        else:
            loss = float(np.mean(np.logaddexp(0, z) - y * z))
            dz = (1 / (1 + np.exp(-z)) - y) / n
        grads: list[np.ndarray] = []
        for i in range(len(self.params) - 1, -1, -1):
            a = acts[i]
            grads += [np.asarray(dz.sum(axis=0)), a.T @ dz]
            if i:
                da = dz @ self.params[i][0].T
                dz = da * (a > 0) if self.act == "relu" else da * (1 - a * a)
        grads.reverse()
        return loss, grads

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One training step; returns the loss before the update."""
        loss, grads = self.grads(x, y)
        for (w, b), gw, gb in zip(self.params, grads[::2], grads[1::2], strict=True):
            w -= self.lr * gw
            b -= self.lr * gb
        return loss

    def flat(self) -> list[np.ndarray]:
        """Parameters as [W1, b1, W2, b2, ...]."""
        return [p for wb in self.params for p in wb]


# ----------------------------------------------------------------------------- autograd_mini
def _nn_linear(n_in: int, n_out: int, w: np.ndarray, b: np.ndarray) -> tuple[Any, list[Any], bool]:
    """An ``nn.Linear`` holding copies of ``w, b``: (layer, [weight, bias], weight transposed).

    ``nn.Linear`` keeps its weight as PyTorch does, shaped (out, in): the flag says so.
    """
    import nn

    layer = nn.Linear(n_in, n_out, dtype=w.dtype)
    wt, bt = layer.weight, layer.bias
    if bt is None or wt.shape != (n_out, n_in):
        raise AssertionError(f"nn.Linear({n_in}, {n_out}): unexpected parameters")
    wt.data[...] = w.T  # copied into the layer's own arrays, as load_state_dict does
    bt.data[...] = b
    return layer, [wt, bt], True


def _nn_loss(loss: str) -> Any:
    try:
        from nn import functional
    except ImportError:
        return None
    name = "cross_entropy" if loss == "ce" else "binary_cross_entropy_with_logits"
    return getattr(functional, name, None)


class AmNet:
    """The MLP on autograd_mini tensors: ``nn``/``optim`` when ``use_nn``, else raw tensors."""

    def __init__(self, weights: Weights, act: str, loss: str, lr: float, use_nn: bool) -> None:
        self.weights, self.act, self.loss, self.lr = weights, act, loss, lr
        self.layers: list[Any] = []
        self.params: list[Any] = []
        self.opt: Any = None
        self.loss_fn: Any = None
        self.flipped: list[bool] = []
        sizes = [weights[0][0].shape[0]] + [w.shape[1] for w, _ in weights]
        if use_nn:
            import optim

            for (w, b), (n_in, n_out) in zip(weights, itertools.pairwise(sizes), strict=True):
                layer, ps, flip = _nn_linear(n_in, n_out, w, b)
                self.layers.append(layer)
                self.params += ps
                self.flipped += [flip, False]
            self.opt = optim.SGD(self.params, lr=lr)
            self.loss_fn = _nn_loss(loss)
            self.impl = "nn.Linear + optim.SGD" + (" + nn.functional loss" if self.loss_fn else "")
        else:
            for w, b in weights:
                wt = am.Tensor(w, requires_grad=True)
                bt = am.Tensor(b, requires_grad=True)
                self.layers.append((wt, bt))
                self.params += [wt, bt]
                self.flipped += [False, False]
            self.impl = "raw tensors, SGD on .data"

    def _linear(self, i: int, h: Any) -> Any:
        layer = self.layers[i]
        if isinstance(layer, tuple):
            return h @ layer[0] + layer[1]
        return layer(h)

    def loss_of(self, x: Any, y: np.ndarray, target: Any) -> Any:
        """The mean loss on a batch; ``target`` is the constant from ``targets_for``."""
        h = x
        act = am.relu if self.act == "relu" else am.tanh
        for i in range(len(self.layers) - 1):
            h = act(self._linear(i, h))
        z = self._linear(len(self.layers) - 1, h)
        if self.loss_fn is not None:
            return self.loss_fn(z, y if self.loss == "ce" else target)
        if self.loss == "ce":
            return am.sum(am.log_softmax(z, axis=-1) * target) * (-1.0 / z.shape[0])
        return am.mean(am.softplus(z) - target * z)

    def step(self, x: Any, y: np.ndarray, target: Any) -> None:
        """One training step: forward, loss, backward, SGD update."""
        self.loss_of(x, y, target).backward()
        self.update()

    def update(self) -> None:
        """SGD step on ``.data`` and clear the gradients."""
        if self.opt is not None:
            self.opt.step()
            self.opt.zero_grad()
            return
        lr = self.lr
        for p in self.params:
            p.data -= lr * p.grad.data
            p.grad = None

    def flat_data(self) -> list[np.ndarray]:
        """Parameters as [W1, b1, ...] in (fan_in, fan_out) layout."""
        return [self._orient(i, p.data) for i, p in enumerate(self.params)]

    def flat_grads(self) -> list[np.ndarray]:
        """Gradients as [dW1, db1, ...] in (fan_in, fan_out) layout."""
        return [self._orient(i, p.grad.data) for i, p in enumerate(self.params)]

    def _orient(self, i: int, a: np.ndarray) -> np.ndarray:
        return a.T if self.flipped[i] else a


def verify_am(net: AmNet, x: Any, y: np.ndarray, target: Any, ref: Reference, rtol: float) -> None:
    """One step of ``net`` must give the reference loss, gradients and updated parameters."""
    loss = net.loss_of(x, y, target)
    loss.backward()
    check_close(f"loss [{net.impl}]", loss.data, ref.loss, rtol)
    check_all("gradients", {net.impl: net.flat_grads()}, ref.grads, rtol)
    net.update()
    check_all("parameters after SGD", {net.impl: net.flat_data()}, ref.after, rtol)


def build_am(weights: Weights, act: str, loss: str, lr: float, x: Any, y: np.ndarray,
             ref: Reference, rtol: float) -> tuple[AmNet, str]:
    """The nn/optim version if it builds and passes ``verify_am``, else raw tensors (+ a note).

    A raw-tensor net that fails the check raises: a wrong computation is never timed.
    """
    target = targets_for(loss, y, weights[-1][0].shape[1], weights[0][0].dtype)
    try:
        net = AmNet(weights, act, loss, lr, use_nn=True)
        verify_am(net, x, y, target, ref, rtol)
        return net, ""
    except Exception as exc:  # the nn package may be missing or still changing
        note = f"nn/optim not used: {type(exc).__name__}: {str(exc)[:120]}"
    net = AmNet(weights, act, loss, lr, use_nn=False)
    verify_am(net, x, y, target, ref, rtol)
    return net, note


@dataclass
class Reference:
    """Hand-NumPy results of one step: loss, gradients, parameters after the SGD update."""

    loss: float
    grads: list[np.ndarray]
    after: list[np.ndarray]

    @classmethod
    def of(cls, weights: Weights, act: str, loss: str, lr: float, x: np.ndarray,
           y: np.ndarray) -> Reference:
        """Run one hand-NumPy step from ``weights``."""
        net = NumpyNet(weights, act, loss, lr)
        value, grads = net.grads(x, y)
        net.step(x, y)
        return cls(value, grads, net.flat())


def targets_for(loss: str, y: np.ndarray, n_out: int, dtype: Any) -> Any:
    """The constant the raw-tensor loss multiplies with: one-hot rows (ce) or the 0/1 labels."""
    if loss == "ce":
        return am.Tensor(np.eye(n_out, dtype=dtype)[y])
    return am.Tensor(y.astype(dtype))


# ----------------------------------------------------------------------------- PyTorch
class TorchNet:
    """The MLP in PyTorch: ``x @ W + b`` with the same layout, torch.optim.SGD."""

    def __init__(self, torch: Any, weights: Weights, act: str, loss: str, lr: float) -> None:
        self.torch = torch
        self.params = [torch.tensor(p, requires_grad=True) for wb in weights for p in wb]
        self.act, self.loss = act, loss
        self.opt = torch.optim.SGD(self.params, lr=lr)

    def loss_of(self, x: Any, y: Any) -> Any:
        """The mean loss on a batch."""
        f = self.torch.nn.functional
        act = self.torch.relu if self.act == "relu" else self.torch.tanh
        h = x
        ws = self.params
        for i in range(0, len(ws) - 2, 2):
            h = act(h @ ws[i] + ws[i + 1])
        z = h @ ws[-2] + ws[-1]
        if self.loss == "ce":
            return f.cross_entropy(z, y)
        return f.binary_cross_entropy_with_logits(z, y)

    def step(self, x: Any, y: Any) -> None:
        """One training step."""
        self.opt.zero_grad(set_to_none=True)
        self.loss_of(x, y).backward()
        self.opt.step()


def torch_inputs(torch: Any, x: np.ndarray, y: np.ndarray, loss: str) -> tuple[Any, Any]:
    """The batch as torch tensors: class indices for cross-entropy, 0/1 floats for BCE."""
    yt = torch.tensor(y, dtype=torch.long) if loss == "ce" else torch.tensor(y)
    return torch.tensor(x), yt


def verify_torch(net: TorchNet, x: Any, y: Any, ref: Reference, rtol: float) -> None:
    """One PyTorch step must give the reference loss, gradients and updated parameters."""
    net.opt.zero_grad(set_to_none=True)
    loss = net.loss_of(x, y)
    loss.backward()
    check_close("loss [torch]", loss.item(), ref.loss, rtol)
    check_all("gradients", {"torch": [p.grad.numpy() for p in net.params]}, ref.grads, rtol)
    net.opt.step()
    check_all("parameters after SGD", {"torch": [p.detach().numpy() for p in net.params]},
              ref.after, rtol)
