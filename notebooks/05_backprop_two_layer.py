# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Backpropagation for a two-layer softmax network
#
# Backpropagation is reverse-mode differentiation specialised to layered networks. This
# notebook
#
# 1. writes the backward pass of a two-layer classifier by hand in NumPy, following the
#    notes' eqs. 2.12–2.18, and checks it against the library for one observation, for a
#    batch, and against the `nn` layers;
# 2. writes Algorithm 2 for any depth and checks it on a three-layer network;
# 3. trains a small multi-layer perceptron with the library on the two-moons data set and
#    checks the accuracy it reaches.

# %%
# ruff: noqa: E402
import itertools
import warnings

warnings.simplefilter("error")  # a NumPy or matplotlib warning fails the notebook...
warnings.filterwarnings("ignore", module="ipykernel")  # ...the kernel's own notices do not

import matplotlib.pyplot as plt
import numpy as np

import autograd_mini as am
import nn
import nn.functional as F
import optim
from autograd_mini import data

# %% [markdown]
# ## The network and its forward pass
#
# For an input $x \in \mathbb{R}^D$, $M$ hidden units and $K$ classes (eqs. 2.12–2.13):
#
# $$a^{(1)} = W^{(1)}\tilde x,\quad z = \sigma_1(a^{(1)}),\quad
#   a^{(2)} = W^{(2)}\tilde z,\quad f_\theta(x) = \mathrm{softmax}(a^{(2)}),$$
#
# where the intercepts are folded into the matrices by appending a constant 1:
# $\tilde x = (x, 1)$, $\tilde z = (z, 1)$, so $W^{(1)} \in \mathbb{R}^{M\times(D+1)}$ and
# $W^{(2)} \in \mathbb{R}^{K\times(M+1)}$. The hidden activation is the sigmoid,
# $\sigma_1'(a) = \sigma_1(a)(1 - \sigma_1(a))$. For one observation with true class $y$ the
# loss is the cross-entropy $\mathcal{L} = -\log f_\theta(x)_y$.
#
# ## The backward pass, by hand
#
# * **Output layer.** With $p = \mathrm{softmax}(a^{(2)})$,
#   $\mathcal{L} = -a^{(2)}_y + \log\sum_k e^{a^{(2)}_k}$, so
#   $\delta^{(2)} = \nabla_{a^{(2)}}\mathcal{L} = p - e_y$ (predicted probabilities minus the
#   one-hot target).
# * **Weights of layer 2** (eqs. 2.14–2.15): $a^{(2)}_j$ depends on $W^{(2)}_{ji}$ through
#   $\tilde z_i$, so $\partial\mathcal{L}/\partial W^{(2)} = \delta^{(2)}\tilde z^\top$.
# * **Back through the hidden layer** (eqs. 2.16, 2.18):
#   $\delta^{(1)} = A^{(1)}\,(W^{(2)})^\top\delta^{(2)}$ with
#   $A^{(1)} = \mathrm{diag}(\sigma_1'(a^{(1)}))$. Only the first $M$ columns of $W^{(2)}$ take
#   part: the appended 1 does not depend on $a^{(1)}$.
# * **Weights of layer 1** (eq. 2.17): $\partial\mathcal{L}/\partial W^{(1)} =
#   \delta^{(1)}\tilde x^\top$.
#
# The whole backward pass is two matrix-vector products and two outer products: the same
# order of work as the forward pass.


# %%
def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def append_one(v):
    return np.concatenate([v, np.ones((*v.shape[:-1], 1))], axis=-1)


def forward_by_hand(W1, W2, x, y):
    a1 = W1 @ append_one(x)
    z = sigmoid(a1)
    a2 = W2 @ append_one(z)
    p = np.exp(a2 - a2.max())
    p /= p.sum()
    return -np.log(p[y]), (a1, z, a2, p)


def backward_by_hand(W1, W2, x, y):
    loss, (_, z, _, p) = forward_by_hand(W1, W2, x, y)
    delta2 = p - np.eye(len(p))[y]                        # nabla_{a2} L
    dW2 = np.outer(delta2, append_one(z))                 # eq. 2.15
    A1 = np.diag(z * (1 - z))                             # sigma_1'(a1) on the diagonal
    delta1 = A1 @ W2[:, :-1].T @ delta2                   # eq. 2.18
    dW1 = np.outer(delta1, append_one(x))                 # eq. 2.17
    return loss, dW1, dW2


def loss_library(W1, W2, x, y):
    """The same network written with library operations."""
    ones = am.Tensor(np.ones(1))
    a1 = W1 @ am.concatenate([x, ones])
    z = am.sigmoid(a1)
    a2 = W2 @ am.concatenate([z, ones])
    return -am.log_softmax(a2)[y]


D, M, K = 4, 6, 3
rng = np.random.default_rng(0)
grads_library = am.value_and_grad(loss_library, argnums=(0, 1))
for trial in range(5):
    W1 = rng.normal(size=(M, D + 1))
    W2 = rng.normal(size=(K, M + 1))
    x = rng.normal(size=D)
    y = int(rng.integers(K))
    loss_h, dW1_h, dW2_h = backward_by_hand(W1, W2, x, y)
    loss_l, (dW1_l, dW2_l) = grads_library(W1, W2, am.Tensor(x), y)
    assert np.isclose(loss_h, loss_l.item(), rtol=1e-13)
    assert np.allclose(dW1_h, dW1_l.numpy(), rtol=1e-10, atol=1e-13), trial
    assert np.allclose(dW2_h, dW2_l.numpy(), rtol=1e-10, atol=1e-13), trial
print(f"one observation: hand-written eqs. 2.15-2.18 = library, for {trial + 1} random draws")
with np.printoptions(precision=4, suppress=True):
    print("dL/dW2 of the last draw (rows: classes, last column: intercept):")
    print(dW2_h)

# %% [markdown]
# ## A batch, in matrix form
#
# For a batch of $N$ observations the loss is the sum of the per-observation losses, and
# so are the gradients. Stacking the rows, with $\tilde X \in \mathbb{R}^{N\times(D+1)}$,
# $\Delta^{(2)} = P - Y_{\text{one-hot}}$ and
# $\Delta^{(1)} = \bigl(\Delta^{(2)} W^{(2)}_{:, :M}\bigr) \odot \sigma_1'(A^{(1)})$,
# the sums of outer products become two matrix products:
# $\partial\mathcal{L}/\partial W^{(2)} = \Delta^{(2)\top}\tilde Z$ and
# $\partial\mathcal{L}/\partial W^{(1)} = \Delta^{(1)\top}\tilde X$.
#
# We check this against the library twice: with the network written with raw operations,
# and with `nn` layers (`nn.Linear` stores the intercept as a separate `bias`, so
# $W^{(1)} = [\text{weight} \mid \text{bias}]$) and `nn.functional.cross_entropy`.


# %%
def batch_backward_by_hand(W1, W2, X, Y):
    Xt_ = append_one(X)
    Z = sigmoid(Xt_ @ W1.T)
    Zt = append_one(Z)
    A2 = Zt @ W2.T
    P = np.exp(A2 - A2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.log(P[np.arange(len(Y)), Y]).sum()
    Delta2 = P - np.eye(W2.shape[0])[Y]
    Delta1 = (Delta2 @ W2[:, :-1]) * Z * (1 - Z)
    return loss, Delta1.T @ Xt_, Delta2.T @ Zt


N = 32
X = rng.normal(size=(N, D))
Y = rng.integers(K, size=N)
W1 = rng.normal(size=(M, D + 1))
W2 = rng.normal(size=(K, M + 1))
loss_b, dW1_b, dW2_b = batch_backward_by_hand(W1, W2, X, Y)

# the sum over observations of the one-observation formulas
dW1_sum = sum(backward_by_hand(W1, W2, X[n], Y[n])[1] for n in range(N))
dW2_sum = sum(backward_by_hand(W1, W2, X[n], Y[n])[2] for n in range(N))
assert np.allclose(dW1_b, dW1_sum, rtol=1e-10, atol=1e-12)
assert np.allclose(dW2_b, dW2_sum, rtol=1e-10, atol=1e-12)

# the library, with nn layers
net = nn.Sequential(nn.Linear(D, M), nn.Sigmoid(), nn.Linear(M, K))
first, second = net[0], net[2]
first.weight.data[...] = W1[:, :-1]
first.bias.data[...] = W1[:, -1]
second.weight.data[...] = W2[:, :-1]
second.bias.data[...] = W2[:, -1]
loss_nn = F.cross_entropy(net(am.Tensor(X)), Y, reduction="sum")
loss_nn.backward()
assert np.isclose(loss_nn.item(), loss_b, rtol=1e-13)
dW1_nn = np.column_stack([first.weight.grad.numpy(), first.bias.grad.numpy()])
dW2_nn = np.column_stack([second.weight.grad.numpy(), second.bias.grad.numpy()])
assert np.allclose(dW1_b, dW1_nn, rtol=1e-10, atol=1e-12)
assert np.allclose(dW2_b, dW2_nn, rtol=1e-10, atol=1e-12)
print(f"batch of {N}: matrix-form backprop = sum of per-observation gradients = nn layers")
print(f"  loss {loss_b:.6f}; largest |hand - nn| gradient entry "
      f"{max(np.abs(dW1_b - dW1_nn).max(), np.abs(dW2_b - dW2_nn).max()):.1e}")

# %% [markdown]
# ## Algorithm 2: any depth
#
# Nothing above is specific to two layers. With $z_1 = x$ and, for $l = 1, \dots, L$,
# $a^{(l)} = W^{(l)}\tilde z_l$ and $z_{l+1} = \sigma(a^{(l)})$ (softmax at the top), the
# backward pass is
#
# 1. $\nabla_{a^{(L)}}\mathcal{L} = p - e_y$, and $\partial\mathcal{L}/\partial W^{(L)} =
#    (\nabla_{a^{(L)}}\mathcal{L})\,\tilde z_L^\top$;
# 2. for $l = L-1, \dots, 1$: $\nabla_{a^{(l)}}\mathcal{L} = A^{(l)}\,
#    (W^{(l+1)}_{:, :-1})^\top\nabla_{a^{(l+1)}}\mathcal{L}$ (eq. 2.18) and
#    $\partial\mathcal{L}/\partial W^{(l)} = (\nabla_{a^{(l)}}\mathcal{L})\,\tilde z_l^\top$.
#
# The forward pass must keep every $z_l$ for the backward pass — the memory cost of
# backpropagation.


# %%
def backprop(Ws, x, y):
    """Algorithm 2 for a sigmoid network with a softmax output; returns the loss and the
    list of dL/dW^(l)."""
    zs = [x]                                   # z_1 = x, then the hidden activations
    for W in Ws[:-1]:
        zs.append(sigmoid(W @ append_one(zs[-1])))
    aL = Ws[-1] @ append_one(zs[-1])
    p = np.exp(aL - aL.max())
    p /= p.sum()
    grads = [None] * len(Ws)
    delta = p - np.eye(len(p))[y]              # line 1
    grads[-1] = np.outer(delta, append_one(zs[-1]))     # line 2
    for l in range(len(Ws) - 2, -1, -1):       # lines 3-6
        z = zs[l + 1]
        delta = (z * (1 - z)) * (Ws[l + 1][:, :-1].T @ delta)
        grads[l] = np.outer(delta, append_one(zs[l]))
    return -np.log(p[y]), grads


# two layers: Algorithm 2 is the hand-written backward pass above
loss_2, grads_2 = backprop([W1, W2], X[0], Y[0])
_, dW1_0, dW2_0 = backward_by_hand(W1, W2, X[0], Y[0])
assert np.allclose(grads_2[0], dW1_0, rtol=1e-12) and np.allclose(grads_2[1], dW2_0, rtol=1e-12)

# three layers, against the library
sizes = [D, 8, 5, K]
Ws = [rng.normal(size=(m, n + 1)) for n, m in itertools.pairwise(sizes)]


def deep_loss(x, y, *Ws):
    ones = am.Tensor(np.ones(1))
    z = x
    for W in Ws[:-1]:
        z = am.sigmoid(W @ am.concatenate([z, ones]))
    return -am.log_softmax(Ws[-1] @ am.concatenate([z, ones]))[y]


deep_grads = am.grad(deep_loss, argnums=(2, 3, 4))
for n in range(5):
    loss_3, grads_3 = backprop(Ws, X[n], Y[n])
    lib = deep_grads(am.Tensor(X[n]), Y[n], *Ws)
    for l, (g_hand, g_lib) in enumerate(zip(grads_3, lib), start=1):
        assert np.allclose(g_hand, g_lib.numpy(), rtol=1e-10, atol=1e-13), (n, l)
print("three layers: Algorithm 2 = library for 5 observations; gradient shapes",
      [g.shape for g in grads_3])

# %% [markdown]
# ## Training a multi-layer perceptron on two moons
#
# Two interleaving half circles with noise (standard deviation 0.2): no straight line
# separates them. An `nn.MLP` with layers of sizes 2 → 16 → 16 → 2 and tanh activations is
# trained with the library's `fit` loop: mini-batches of 32 from a shuffling `DataLoader`,
# the softmax cross-entropy loss, and the Adam optimiser ($\eta = 0.01$) for 40 epochs.
# The accuracy is measured on 2000 fresh points; a linear classifier trained the same way
# serves as a baseline. In the plots the shading is the predicted probability of class 1
# (red near 0, blue near 1) and the black line is where it equals 1/2.

# %%
X_train, y_train = data.moons(400, noise=0.2, rng=np.random.default_rng(0))
X_test, y_test = data.moons(2000, noise=0.2, rng=np.random.default_rng(1))
test_batches = [(am.Tensor(X_test), am.Tensor(y_test))]


def train(model, lr, epochs):
    loader = data.DataLoader(X_train, y_train, batch_size=32, shuffle=True,
                             rng=np.random.default_rng(2))
    return am.fit(model, loader, F.cross_entropy, optim.Adam(model.parameters(), lr=lr),
                  epochs=epochs, val=test_batches, metrics={"accuracy": am.accuracy},
                  progress=False)


mlp = nn.MLP([2, 16, 16, 2], activation="tanh", rng=np.random.default_rng(0))
linear = nn.Linear(2, 2, rng=np.random.default_rng(0))
hist_mlp = train(mlp, 0.01, 40)
hist_lin = train(linear, 0.01, 40)

acc_mlp = hist_mlp.metrics["val_accuracy"][-1]
acc_lin = hist_lin.metrics["val_accuracy"][-1]
with am.no_grad():
    recomputed = am.accuracy(mlp(am.Tensor(X_test)), y_test)
print(f"MLP    : training loss {hist_mlp.loss[-1]:.4f}, test accuracy {100 * acc_mlp:.2f}%")
print(f"linear : training loss {hist_lin.loss[-1]:.4f}, test accuracy {100 * acc_lin:.2f}%")
assert hist_mlp.epochs == 40 and len(hist_mlp.metrics["val_accuracy"]) == 40
assert np.isclose(recomputed, acc_mlp)
assert acc_mlp >= 0.95, acc_mlp
assert acc_lin < 0.9 and acc_mlp > acc_lin + 0.05
assert hist_mlp.loss[-1] < 0.5 * hist_lin.loss[-1]

# %%
g1, g2 = np.meshgrid(np.linspace(-1.6, 2.6, 250), np.linspace(-1.3, 1.8, 200))
plane = am.Tensor(np.stack([g1.ravel(), g2.ravel()], axis=1))
fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
for ax, model, name, acc in [(axes[0], linear, "linear classifier", acc_lin),
                             (axes[1], mlp, "MLP 2-16-16-2 (tanh)", acc_mlp)]:
    with am.no_grad():
        prob = am.softmax(model(plane), axis=1).numpy()[:, 1].reshape(g1.shape)
    ax.contourf(g1, g2, prob, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.6)
    ax.contour(g1, g2, prob, levels=[0.5], colors="black", linewidths=1.5)
    ax.scatter(*X_train[y_train == 0].T, s=8, color="tab:red", label="class 0")
    ax.scatter(*X_train[y_train == 1].T, s=8, color="tab:blue", label="class 1")
    ax.set_title(f"{name}: test accuracy {100 * acc:.1f}%")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(fontsize=8, loc="lower left")
epochs_axis = np.arange(1, 41)
axes[2].plot(epochs_axis, hist_mlp.loss, color="tab:green", label="MLP, training loss")
axes[2].plot(epochs_axis, hist_lin.loss, color="tab:gray", label="linear, training loss")
axes[2].set_xlabel("epoch")
axes[2].set_ylabel("mean cross-entropy")
axes[2].set_title("Training loss and test accuracy")
twin = axes[2].twinx()
twin.plot(epochs_axis, hist_mlp.metrics["val_accuracy"], color="tab:green", ls="--",
          label="MLP, test accuracy")
twin.plot(epochs_axis, hist_lin.metrics["val_accuracy"], color="tab:gray", ls="--",
          label="linear, test accuracy")
twin.set_ylabel("test accuracy")
lines = axes[2].get_lines() + twin.get_lines()
axes[2].legend(lines, [line.get_label() for line in lines], fontsize=8, loc="center right")
fig.tight_layout()
