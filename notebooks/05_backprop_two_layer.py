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
# 3. does the same in the slides' form — sigmoid units of steepness $\lambda$, the squared
#    error $E = \frac12\sum (y - o)^2$, forward and backward phases unit by unit — and
#    checks it against the library for several $\lambda$;
# 4. trains a small multi-layer perceptron with the library on the two-moons data set and
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
# ## The slides' version: sigmoid units of steepness $\lambda$ and a squared error
#
# The "Gradient descent" slides tell the same story with different conventions: every unit,
# hidden or output, computes $z = \sum_{i=0}^{m} w_i x_i$ (with $x_0 = 1$, so $w_0$ is the
# intercept) and outputs $y = 1/(1 + e^{-\lambda z})$, a sigmoid whose steepness is set by
# $\lambda$. The error over a data set is the squared error
# $E = \tfrac12\sum_i (y_i - o_i)^2$ between the targets $y_i$ and the network's outputs
# $o_i$ (the slides use $y$ both for a target and for a unit's output). The chain rule splits a
# weight's derivative in three:
#
# $$\frac{\partial E}{\partial w_i} = \frac{\partial E}{\partial y}\cdot
#   \frac{\partial y}{\partial z}\cdot\frac{\partial z}{\partial w_i},\qquad
#   \frac{\partial z}{\partial w_i} = x_i,\qquad
#   \frac{\partial y}{\partial z} = \lambda\, y\,(1 - y).$$
#
# * **Forward phase**: feed the input in and keep every unit's output, layer by layer.
# * **Backward phase**, output unit: $\partial E/\partial o_i = -(y_i - o_i)$ (the slides
#   write the error $y_i - o_i$; the derivative is its negative).
# * **Backward phase**, hidden unit: its output feeds every unit $j$ of the next layer, so
#   $\partial E/\partial y = \sum_j \frac{\partial E}{\partial z^{j}}\, w^{j}$ — the weighted
#   sum of the next layer's $\delta_j = \partial E/\partial z^{j}$, with $w^j$ the weight from
#   this unit to unit $j$. This is eq. 2.16 again, with $\sigma_1' = \lambda y(1 - y)$.
#
# Below, those three lines, written unit by unit with explicit loops, on a network
# 2 → 4 → 3 → 1 (two hidden layers, so a hidden unit's sum runs over several $\delta_j$) and
# a data set of four points, for several steepnesses — including $\lambda \ne 1$, where
# forgetting the factor $\lambda$ would show — against the library's reverse sweep through
# `am.sigmoid(λ z)`.

# %%
STEEPNESSES = (0.5, 1.0, 2.5)        # lambda; the slides leave it free, 1 is the usual sigmoid
SLIDES_LAYERS = (2, 4, 3, 1)         # inputs, two hidden layers, a single output unit


def unit_output(z, lam):
    return 1.0 / (1.0 + np.exp(-lam * z))


def with_x0(v):
    return np.concatenate([[1.0], v])           # x_0 = 1 multiplies the intercept w_0


def slides_forward(Ws, x, lam):
    """Forward phase: every layer's outputs, the input first."""
    outs = [x]
    for W in Ws:
        outs.append(unit_output(W @ with_x0(outs[-1]), lam))
    return outs


def slides_backward(Ws, X, targets, lam):
    """Backward phase, unit by unit, summed over the data set: E and dE/dW per layer."""
    E, grads = 0.0, [np.zeros_like(W) for W in Ws]
    for x, target in zip(X, targets):
        outs = slides_forward(Ws, x, lam)
        E += 0.5 * np.sum((target - outs[-1]) ** 2)
        dE_dy = -(target - outs[-1])                   # output unit: -(y_i - o_i)
        for l in range(len(Ws) - 1, -1, -1):
            y_l, x_l = outs[l + 1], with_x0(outs[l])
            delta = [dE_dy[j] * lam * y_l[j] * (1 - y_l[j]) for j in range(len(y_l))]
            for j in range(len(y_l)):                  # dE/dw_ji = delta_j x_i
                for i in range(len(x_l)):
                    grads[l][j, i] += delta[j] * x_l[i]
            # a unit of the layer below: the weighted sum of this layer's deltas
            # (column 0 holds the intercepts, which no unit below feeds)
            dE_dy = np.array([sum(delta[j] * Ws[l][j, 1 + h] for j in range(len(y_l)))
                              for h in range(len(outs[l]))])
    return E, grads


def slides_error_library(X, targets, lam, *Ws):
    """The same network with library operations; the intercept column meets a column of 1s."""
    ones = am.Tensor(np.ones((len(X), 1)))
    out = am.Tensor(X)
    for W in Ws:
        out = am.sigmoid(lam * (am.concatenate([ones, out], axis=1) @ W.T))
    return 0.5 * ((am.Tensor(targets) - out) ** 2).sum()


rng_s = np.random.default_rng(5)
X_s = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
t_s = np.array([[0.1], [0.9], [0.9], [0.1]])    # targets inside (0, 1), the sigmoid's range
Ws_s = [rng_s.normal(size=(m, n + 1)) for n, m in itertools.pairwise(SLIDES_LAYERS)]
library_grads = am.value_and_grad(slides_error_library,
                                  argnums=tuple(range(3, 3 + len(Ws_s))))
assert any(lam != 1.0 for lam in STEEPNESSES) and 1.0 in STEEPNESSES
by_lambda = {}
for lam in STEEPNESSES:
    E_h, grads_h = slides_backward(Ws_s, X_s, t_s, lam)
    E_l, grads_l = library_grads(X_s, t_s, lam, *Ws_s)
    assert np.isclose(E_h, E_l.item(), rtol=1e-13), lam
    for l, (g_h, g_l) in enumerate(zip(grads_h, grads_l), start=1):
        assert np.allclose(g_h, g_l.numpy(), rtol=1e-10, atol=1e-14), (lam, l)
    by_lambda[lam] = grads_h
    print(f"lambda = {lam}: E = {E_h:.6f}; by hand = library for all "
          f"{sum(g.size for g in grads_h)} weights; dE/dW of the output unit "
          f"{grads_h[-1].ravel().round(5)}")
# lambda really enters: the gradients differ from lambda = 1, and a hand pass that
# forgot the factor lambda in dy/dz would be wrong wherever lambda != 1
assert not np.allclose(by_lambda[2.5][0], by_lambda[1.0][0])

# %% [markdown]
# The factor $\lambda y(1 - y)$ is the derivative of the steepened sigmoid: the library's
# derivative of `am.sigmoid(λ z)` on a grid, against the formula, and drawn.

# %%
z_grid = np.linspace(-6.0, 6.0, 241)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
for lam in STEEPNESSES:
    y_unit = unit_output(z_grid, lam)
    slope = am.grad(lambda z, lam=lam: am.sigmoid(lam * z).sum())(z_grid).numpy()
    assert np.allclose(slope, lam * y_unit * (1 - y_unit), rtol=1e-12, atol=1e-15)
    assert np.isclose(slope.max(), lam / 4)         # steepest at z = 0, where y = 1/2
    ax1.plot(z_grid, y_unit, label=rf"$\lambda = {lam}$")
    ax2.plot(z_grid, slope, label=rf"$\lambda = {lam}$ (library)")
    ax2.plot(z_grid[::20], (lam * y_unit * (1 - y_unit))[::20], "k.", ms=3)
ax1.set(xlabel="$z$", ylabel="$y$", title=r"$y = 1/(1 + e^{-\lambda z})$")
ax2.set(xlabel="$z$", ylabel=r"$\partial y/\partial z$",
        title=r"library derivative; dots: $\lambda\,y\,(1 - y)$")
ax1.legend(fontsize=8)
ax2.legend(fontsize=8)
fig.tight_layout()

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
X_train, y_train = data.moons(400, noise=0.2, rng=np.random.default_rng(0), shuffle=False)
X_test, y_test = data.moons(2000, noise=0.2, rng=np.random.default_rng(1), shuffle=False)
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
