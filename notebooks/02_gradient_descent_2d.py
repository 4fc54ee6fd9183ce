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
# # Gradient descent in two dimensions
#
# A loss of two parameters $w = (w_1, w_2)$ with two local minima, seen four ways: as a
# surface, as level lines, as the field of its gradient vectors (computed by the library at
# every point of a grid), and through 50-step gradient-descent trajectories started from a
# grid of 49 points. Every trajectory ends at one of the two minima; which one depends only
# on the side of the ridge between them where it started.

# %%
# ruff: noqa: E402
import warnings

warnings.simplefilter("error")  # a NumPy or matplotlib warning fails the notebook...
warnings.filterwarnings("ignore", module="ipykernel")  # ...the kernel's own notices do not

import matplotlib.pyplot as plt
import numpy as np

import autograd_mini as am

# %% [markdown]
# ## The loss: a smooth minimum of two paraboloids
#
# Take two bowls, $q_1(w) = 6\,\lVert w - a\rVert^2$ and
# $q_2(w) = 14\,\lVert w - b\rVert^2 - \log 0.8$, centred at $a = (0.3, 0.35)$ and
# $b = (0.75, 0.7)$, and blend them with a *soft* minimum:
#
# $$\mathcal{L}(w) = -\log\left(e^{-q_1(w)} + e^{-q_2(w)}\right).$$
#
# Far from both centres $\mathcal{L}$ follows whichever bowl is lower; between them a ridge
# separates two valleys. Writing $p_i = e^{-q_i} / (e^{-q_1} + e^{-q_2})$ for the share of
# each bowl, the gradient is the blend of the two bowls' gradients,
#
# $$\nabla\mathcal{L}(w) = p_1\,12\,(w - a) + p_2\,28\,(w - b).$$
#
# The loss below takes a batch of points, an array of shape $(N, 2)$, and returns one loss
# per point. The points do not interact, so the gradient of the *sum* of the losses with
# respect to the batch holds, row by row, the gradient at each point: one reverse sweep gives
# the whole vector field.

# %%
A = np.array([0.3, 0.35])
B = np.array([0.75, 0.7])


def loss(w):
    """w: Tensor of shape (N, 2) -> losses of shape (N,)."""
    q1 = 6.0 * ((w - A) ** 2).sum(axis=1)
    q2 = 14.0 * ((w - B) ** 2).sum(axis=1) - np.log(0.8)
    return -am.logsumexp(am.stack([-q1, -q2], axis=1), axis=1)


def loss_np(w):
    q1 = 6.0 * ((w - A) ** 2).sum(axis=-1)
    q2 = 14.0 * ((w - B) ** 2).sum(axis=-1) - np.log(0.8)
    return -np.logaddexp(-q1, -q2)


def grad_by_hand(w):
    q1 = 6.0 * ((w - A) ** 2).sum(axis=-1)
    q2 = 14.0 * ((w - B) ** 2).sum(axis=-1) - np.log(0.8)
    p1 = 1.0 / (1.0 + np.exp(q1 - q2))
    return p1[..., None] * 12.0 * (w - A) + (1.0 - p1)[..., None] * 28.0 * (w - B)


batch_grad = am.grad(lambda w: loss(w).sum())   # (N, 2) points -> (N, 2) gradients


def grad(w):
    return batch_grad(np.atleast_2d(w)).numpy().reshape(np.shape(w))


# the vector field on a 21 x 21 grid, in one call
ticks = np.linspace(0.0, 1.0, 21)
G1, G2 = np.meshgrid(ticks, ticks)
points = np.stack([G1.ravel(), G2.ravel()], axis=1)
field = grad(points)
assert field.shape == (441, 2)
assert np.allclose(field, grad_by_hand(points), rtol=1e-10, atol=1e-12)
# and the batch trick agrees with differentiating one point at a time
one_at_a_time = am.grad(lambda w: loss(w.reshape(1, 2)).sum())
for k in [0, 100, 220, 440]:
    assert np.allclose(one_at_a_time(points[k]).numpy(), field[k], rtol=1e-12, atol=1e-14)
print("largest |library - hand-derived| gradient entry:",
      np.abs(field - grad_by_hand(points)).max())

# %% [markdown]
# ## The two minima and the saddle between them
#
# Newton's method on $\nabla\mathcal{L} = 0$ (with the library's Hessian) finds the stationary
# points: started inside each valley it lands on its minimum, started between them on the
# saddle point of the ridge. The Hessian's eigenvalues tell them apart: both positive at a
# minimum, one negative at a saddle.

# %%
hess = am.hessian(lambda w: loss(w.reshape(1, 2)).sum())


def newton(w, steps=30):
    w = np.array(w, dtype=float)
    for _ in range(steps):
        w = w - np.linalg.solve(hess(w).numpy(), grad(w))
    return w


w_low = newton(A)
w_high = newton(B)
w_saddle = newton((A + B) / 2)
for name, w in [("minimum near a", w_low), ("minimum near b", w_high), ("saddle", w_saddle)]:
    eig = np.linalg.eigvalsh(hess(w).numpy())
    print(f"{name:15s} w = ({w[0]:.4f}, {w[1]:.4f})  L = {loss_np(w):+.5f}  "
          f"Hessian eigenvalues {np.round(eig, 3)}")
    assert np.linalg.norm(grad(w)) < 1e-12
assert np.all(np.linalg.eigvalsh(hess(w_low).numpy()) > 0)
assert np.all(np.linalg.eigvalsh(hess(w_high).numpy()) > 0)
eig_saddle = np.linalg.eigvalsh(hess(w_saddle).numpy())
assert eig_saddle[0] < 0 < eig_saddle[1]
assert np.linalg.norm(w_low - w_high) > 0.4
w_global, w_local = (w_low, w_high) if loss_np(w_low) < loss_np(w_high) else (w_high, w_low)
assert np.allclose(w_global, [0.3108, 0.3584], atol=1e-3)
assert np.allclose(w_local, [0.7022, 0.6629], atol=1e-3)

# %% [markdown]
# ## Fifty steps from 49 starting points
#
# All 49 runs of $w_{t+1} = w_t - \eta\nabla\mathcal{L}(w_t)$, with $\eta = 0.02$, advance
# together: the batch of current points goes through the loss, and one backward pass returns
# all 49 gradients.
#
# The Hessian of a soft minimum is $p_1 \nabla^2 q_1 + p_2 \nabla^2 q_2$ minus a positive
# semi-definite term, so the curvature of $\mathcal{L}$ never exceeds that of the steeper
# bowl, 28. With $\eta = 0.02 < 1/28$ the quadratic model of each step lies above the loss
# (notebook 1), so every run's loss goes down at every step.

# %%
coarse = points[::4]
top_curvature = max(np.linalg.eigvalsh(hess(w).numpy())[-1] for w in coarse)
print(f"largest Hessian eigenvalue over {len(coarse)} grid points: {top_curvature:.3f}")
assert 20.0 < top_curvature <= 28.0 + 1e-9

eta, steps = 0.02, 50
assert eta < 1 / top_curvature
starts_1d = np.linspace(0.05, 0.95, 7)
S1, S2 = np.meshgrid(starts_1d, starts_1d)
starts = np.stack([S1.ravel(), S2.ravel()], axis=1)
paths = [starts]
for _ in range(steps):
    paths.append(paths[-1] - eta * grad(paths[-1]))
paths = np.stack(paths)                      # (51 iterates, 49 runs, 2)
ends = paths[-1]

# a single run, stepped on its own, follows the same path as in the batch
single = starts[10].copy()
for _ in range(steps):
    single = single - eta * one_at_a_time(single).numpy()
assert np.allclose(single, ends[10], rtol=0, atol=1e-12)

dist_global = np.linalg.norm(ends - w_global, axis=1)
dist_local = np.linalg.norm(ends - w_local, axis=1)
assert np.all(np.minimum(dist_global, dist_local) < 1e-3), "every run ends at a minimum"
n_global = int(np.sum(dist_global < 1e-3))
n_local = int(np.sum(dist_local < 1e-3))
print(f"{n_global} runs end at the global minimum, {n_local} at the local one; largest "
      f"distance to the nearer minimum: {np.minimum(dist_global, dist_local).max():.2e}")
assert n_global + n_local == 49 and n_global >= 10 and n_local >= 10
losses = loss_np(paths)                      # (51, 49)
assert np.all(np.diff(losses, axis=0) <= 1e-12), "each run's loss goes down at every step"

# %%
fine = np.linspace(0.0, 1.0, 101)
F1, F2 = np.meshgrid(fine, fine)
surface = loss_np(np.stack([F1, F2], axis=-1))
levels = np.linspace(surface.min(), 1.5, 16)

fig = plt.figure(figsize=(12, 11))
ax = fig.add_subplot(2, 2, 1, projection="3d")
ax.plot_surface(F1, F2, np.minimum(surface, 2.0), cmap="viridis", linewidth=0,
                antialiased=True, alpha=0.9)
ax.set_xlabel("$w_1$")
ax.set_ylabel("$w_2$")
ax.set_zlabel(r"$\mathcal{L}(w)$")
ax.set_title(r"Surface of $\mathcal{L}$ (clipped at 2)")
ax.view_init(elev=35, azim=-120)

ax = fig.add_subplot(2, 2, 2)
cs = ax.contour(F1, F2, surface, levels=levels, cmap="viridis")
ax.clabel(cs, fmt="%.2f", fontsize=7)
ax.plot(*w_global, "*", color="tab:green", ms=12, label="global minimum")
ax.plot(*w_local, "*", color="tab:orange", ms=12, label="local minimum")
ax.plot(*w_saddle, "x", color="black", ms=8, label="saddle point")
ax.set_title("Level lines")
ax.legend(fontsize=8, loc="lower right")

ax = fig.add_subplot(2, 2, 3)
ax.contour(F1, F2, surface, levels=levels, colors="lightgray", linewidths=0.6)
longest = np.linalg.norm(field, axis=1).max()
ax.quiver(points[:, 0], points[:, 1], field[:, 0], field[:, 1], angles="xy",
          scale_units="xy", scale=longest / 0.09, width=0.004, color="tab:blue")
ax.set_title(r"Gradient field $\nabla\mathcal{L}$ (arrow length $\propto \|\nabla\mathcal{L}\|$)")

ax = fig.add_subplot(2, 2, 4)
ax.contour(F1, F2, surface, levels=levels, colors="lightgray", linewidths=0.6)
for k in range(len(starts)):
    ax.plot(paths[:, k, 0], paths[:, k, 1], "-", color="tab:red", lw=0.4, alpha=0.5)
    ax.plot(paths[1:, k, 0], paths[1:, k, 1], "o", color="tab:red", ms=2.0, mfc="none",
            mew=0.6, label="$w_1, \\dots, w_{50}$" if k == 0 else None)
ax.plot(starts[:, 0], starts[:, 1], "o", color="black", ms=5, mfc="none", mew=1.2,
        label="starting points $w_0$")
ax.set_title(rf"50 steps of gradient descent, $\eta = {eta}$")
ax.legend(fontsize=8, loc="lower right", framealpha=0.9)

for k in (2, 3, 4):
    a = fig.axes[k - 1]
    a.set_xlim(0, 1)
    a.set_ylim(0, 1)
    a.set_aspect("equal")
    a.set_xlabel("$w_1$")
    a.set_ylabel("$w_2$")
fig.tight_layout()

# %% [markdown]
# ## Reading the pictures
#
# * The arrows point uphill and are long on the steep walls, short near the minima and along
#   the ridge; gradient descent walks against them, taking small steps where they are short.
# * Each run ends at the minimum of the valley it started in, whether or not that is the
#   deepest one: the starts in the top right all finish at the local minimum.
# * Runs started near the ridge first crawl along it towards the saddle point, where the
#   gradient is small, before turning down into one of the valleys.
