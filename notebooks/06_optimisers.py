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
# # Optimisers: from batch gradient descent to Adam
#
# This notebook compares the update rules of `optim` on problems small enough to see
# everything:
#
# 1. **batch, stochastic and mini-batch gradient descent** on the same logistic regression;
# 2. the update equations — **momentum** in the notes' form (eq. 2.7) and in the
#    moving-average form of the slides, **RMSProp** (eq. 2.8) and **Adam** — checked against
#    direct NumPy implementations;
# 3. a race in an **ill-conditioned valley**, with trajectories;
# 4. the **stability limit** $\eta < 2/\lambda_1$ of gradient descent;
# 5. **learning-rate decay**: linear, power-law and exponential schedules.

# %%
# ruff: noqa: E402
import warnings

warnings.simplefilter("error")  # a NumPy or matplotlib warning fails the notebook...
warnings.filterwarnings("ignore", module="ipykernel")  # ...the kernel's own notices do not

import matplotlib.pyplot as plt
import numpy as np

import autograd_mini as am
import optim
from autograd_mini import data
from optim.lr_scheduler import ExponentialLR, LinearLR, PowerLR

# %% [markdown]
# ## 1. Batch, stochastic and mini-batch gradient descent
#
# The problem: logistic regression on two Gaussian classes of 100 points each, with labels
# $y_n = \pm 1$ and the mean loss
# $\mathcal{L}(w, b) = -\frac{1}{N}\sum_n \log\sigma\bigl(y_n (w\cdot x_n + b)\bigr)$.
#
# * **Batch** gradient descent computes the exact gradient over all $N = 200$ points, then
#   takes one step: one update per pass over the data (an *epoch*).
# * **Stochastic** gradient descent estimates the gradient from a single random example:
#   $N$ cheap, noisy updates per epoch. The estimate is unbiased — its average over the
#   random choice is the full gradient.
# * **Mini-batch** SGD averages over $|B|$ random examples (here 20): less noise per update,
#   $N/|B|$ updates per epoch.
#
# All three use $\eta = 0.1$ and start from $w = 0, b = 0$; we record the full-data loss
# after every update, minus its minimum $\mathcal{L}^*$ (found with Newton's method, see
# notebook 7).

# %%
X, y = data.two_gaussians(100, rng=np.random.default_rng(0), shuffle=False)
Xt, yt = am.Tensor(X), am.Tensor(y)


def logistic_loss(w, b, xb, yb):
    return -am.log_sigmoid(yb * (xb @ w + b)).mean()


def theta_loss(theta):
    return logistic_loss(theta[:2], theta[2], Xt, yt)


theta_star = np.zeros(3)
for _ in range(12):
    g = am.grad(theta_loss)(theta_star).numpy()
    theta_star = theta_star - np.linalg.solve(am.hessian(theta_loss)(theta_star).numpy(), g)
loss_star = theta_loss(am.Tensor(theta_star)).item()
assert np.linalg.norm(am.grad(theta_loss)(theta_star).numpy()) < 1e-12
print(f"minimum: w = {theta_star[:2].round(4)}, b = {theta_star[2]:.4f}, L* = {loss_star:.6f}")


def full_loss(w, b):
    """The full-data loss in plain NumPy (a record of progress, not part of training)."""
    return float(np.logaddexp(0.0, -y * (X @ w.data + b.data)).mean())


assert np.isclose(full_loss(am.Tensor(theta_star[:2]), am.Tensor(theta_star[2])), loss_star)


def train(batch_size, epochs, lr, schedule=None, seed=1):
    """SGD on the logistic loss; the full-data excess loss after every update."""
    w = am.Tensor(np.zeros(2), requires_grad=True)
    b = am.Tensor(0.0, requires_grad=True)
    opt = optim.SGD([w, b], lr=lr)
    sched = schedule(opt) if schedule is not None else None
    loader = data.DataLoader(X, y, batch_size=batch_size, shuffle=True,
                             rng=np.random.default_rng(seed))
    excess = [full_loss(w, b) - loss_star]
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            logistic_loss(w, b, xb, yb).backward()
            opt.step()
            if sched is not None:
                sched.step()
            excess.append(full_loss(w, b) - loss_star)
    return np.array(excess)


epochs = 20
runs = {"batch (|B| = 200)": 200, "mini-batch (|B| = 20)": 20, "stochastic (|B| = 1)": 1}
curves = {name: train(bs, epochs, 0.1) for name, bs in runs.items()}
batch, mini, sgd = curves.values()
assert len(batch) == epochs + 1 and len(mini) == 10 * epochs + 1 and len(sgd) == 200 * epochs + 1


def per_epoch(curve):
    updates = (len(curve) - 1) // epochs
    return curve[::updates]


for name, c in curves.items():
    e = per_epoch(c)
    print(f"{name:22s} excess loss after 1, 5, 20 epochs: "
          + ", ".join(f"{e[k]:.4f}" for k in (1, 5, 20)))
# per epoch (the same number of example gradients), more updates win
assert per_epoch(sgd)[-1] < per_epoch(mini)[-1] < per_epoch(batch)[-1]
assert per_epoch(batch)[-1] > 10 * per_epoch(mini)[-1]
# the exact gradient makes the loss fall at every update; single examples do not
assert np.all(np.diff(batch) < 0)
assert np.sum(np.diff(sgd) > 0) > 0.25 * (len(sgd) - 1)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
for name, c in curves.items():
    updates = (len(c) - 1) // epochs
    ax1.semilogy(np.arange(len(c)) / updates, c, lw=0.8, label=name)
    ax2.semilogy(np.arange(len(c)), c, lw=0.8, label=name)
ax1.set_xlabel("epochs (passes over the 200 examples)")
ax1.set_ylabel(r"$\mathcal{L}(w, b) - \mathcal{L}^*$")
ax1.set_title(r"Same work ($\eta = 0.1$): stochastic updates get further")
ax1.legend(fontsize=8)
ax2.set_xscale("log")
ax2.set_xlabel("number of updates")
ax2.set_ylabel(r"$\mathcal{L}(w, b) - \mathcal{L}^*$")
ax2.set_title("Per update: exact steps fall steadily, single-example steps jitter")
ax2.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## 2. The update rules, checked against the equations
#
# Let $g_t = \nabla\mathcal{L}(\theta_t)$.
#
# **Momentum, eq. 2.7.** $\Delta\theta_t = -\eta\, g_t + \mu\,\Delta\theta_{t-1}$,
# $\theta_{t+1} = \theta_t + \Delta\theta_t$: each step keeps a fraction $\mu$ of the
# previous one. This is `optim.SGD(lr=η, momentum=μ)`.
#
# **Momentum as a moving average (slides).** $v_t = \beta v_{t-1} + (1 - \beta) g_t$,
# $w_{t+1} = w_t - v_t$: the step is an exponentially weighted average of past gradients.
# In `optim.SGD` the gradient enters the buffer with weight $1 - \text{dampening}$, so this
# form is `optim.SGD(lr=1, momentum=β, dampening=β)`. Substituting $v = -\Delta\theta$ shows
# it *is* eq. 2.7 with $\eta = 1 - \beta$ and $\mu = \beta$, so
# `optim.SGD(lr=1 − β, momentum=β)` follows it too. (PyTorch's SGD starts its buffer at the
# first gradient rather than at 0, which only matters with a dampening: there the second
# spelling, without dampening, is the one that follows the equation.)
#
# **RMSProp, eq. 2.8.** $v_t = \beta v_{t-1} + (1 - \beta)\, g_t \odot g_t$,
# $\theta_{t+1} = \theta_t - \eta\, g_t / \sqrt{v_t + \delta}$ (element-wise; $\delta$ sits
# inside the square root, as in the notes): each coordinate's step is divided by a running
# root-mean-square of its own gradients.
#
# **Adam** adds a moving-average momentum $m_t$ to RMSProp, and divides both running
# averages by $1 - \beta^t$ to undo their start at zero:
# $\theta_{t+1} = \theta_t - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)$.
#
# Each cell below runs the library optimiser and a direct NumPy transcription of the
# equation on the same quadratic, from the same start, and compares every iterate.

# %%
H_aligned = np.diag([10.0, 0.25])      # an ill-conditioned valley, used again in section 3
theta_min = np.array([1.0, 1.0])
theta_0 = np.array([-2.0, 2.5])


def make_quadratic(H):
    Ht = am.Tensor(H)

    def loss(theta):
        d = theta - theta_min
        return 0.5 * (d @ (Ht @ d))

    return loss


valley = make_quadratic(H_aligned)


def run_optimiser(make, loss, steps, start=theta_0, schedule=None):
    theta = am.Tensor(start.copy(), requires_grad=True)
    opt = make([theta])
    sched = schedule(opt) if schedule is not None else None
    path = [theta.data.copy()]
    for _ in range(steps):
        opt.zero_grad()
        loss(theta).backward()
        opt.step()
        if sched is not None:
            sched.step()
        path.append(theta.data.copy())
    return np.array(path)


def grad_np(theta, H=H_aligned):
    return H @ (theta - theta_min)


def numpy_path(update, steps=60):
    theta, state, path = theta_0.copy(), {}, [theta_0.copy()]
    for t in range(1, steps + 1):
        theta = update(theta, grad_np(theta), state, t)
        path.append(theta.copy())
    return np.array(path)


def eq_2_7(eta, mu):
    def update(theta, g, s, t):
        s["delta"] = -eta * g + mu * s.get("delta", 0.0)
        return theta + s["delta"]
    return update


def moving_average(beta):
    def update(theta, g, s, t):
        s["v"] = beta * s.get("v", 0.0) + (1 - beta) * g
        return theta - s["v"]
    return update


def eq_2_8(eta, beta, delta):
    def update(theta, g, s, t):
        s["v"] = beta * s.get("v", 0.0) + (1 - beta) * g * g
        return theta - eta / np.sqrt(s["v"] + delta) * g
    return update


def adam(eta, b1, b2, eps):
    def update(theta, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat, v_hat = s["m"] / (1 - b1**t), s["v"] / (1 - b2**t)
        return theta - eta * m_hat / (np.sqrt(v_hat) + eps)
    return update


checks = {
    "momentum, eq. 2.7 (eta=0.1, mu=0.8)": (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.8), eq_2_7(0.1, 0.8)),
    "moving-average momentum (beta=0.8)": (
        lambda p: optim.SGD(p, lr=1.0, momentum=0.8, dampening=0.8), moving_average(0.8)),
    "RMSProp, eq. 2.8 (eta=0.2, beta=0.9)": (
        lambda p: optim.RMSProp(p, lr=0.2, beta=0.9, eps=1e-8), eq_2_8(0.2, 0.9, 1e-8)),
    "Adam (eta=0.3)": (
        lambda p: optim.Adam(p, lr=0.3, betas=(0.9, 0.999), eps=1e-8),
        adam(0.3, 0.9, 0.999, 1e-8)),
}
for name, (make, update) in checks.items():
    lib = run_optimiser(make, valley, 60)
    ref = numpy_path(update)
    assert np.allclose(lib, ref, rtol=1e-12, atol=1e-12), name
    print(f"{name:40s} library = equation at all 60 steps "
          f"(max difference {np.abs(lib - ref).max():.1e})")

# the moving-average form is eq. 2.7 with eta = 1 - beta and mu = beta
assert np.allclose(numpy_path(moving_average(0.8)), numpy_path(eq_2_7(0.2, 0.8)), atol=1e-12)
# and RMSProp really divides by sqrt(v + delta), delta inside the root: with delta = 1 the
# library follows that form, and not g / (sqrt(v) + delta)
def eq_2_8_outside(eta, beta, delta):
    def update(theta, g, s, t):
        s["v"] = beta * s.get("v", 0.0) + (1 - beta) * g * g
        return theta - eta / (np.sqrt(s["v"]) + delta) * g
    return update


big_delta = run_optimiser(lambda p: optim.RMSProp(p, lr=0.2, eps=1.0), valley, 20)
assert np.allclose(big_delta, numpy_path(eq_2_8(0.2, 0.9, 1.0), steps=20), rtol=1e-12)
assert not np.allclose(big_delta, numpy_path(eq_2_8_outside(0.2, 0.9, 1.0), steps=20))

# %% [markdown]
# ## 3. A race in an ill-conditioned valley
#
# $\mathcal{L}(\theta) = \tfrac12 (\theta - \theta^*)^\top H (\theta - \theta^*)$ with
# $H = \mathrm{diag}(10, 0.25)$: the valley is 40 times more curved across ($\theta_1$) than
# along ($\theta_2$). Plain gradient descent must keep $\eta$ below $2/10$ for the steep
# direction, and then crawls along the flat one, where each step shrinks the distance only by
# the factor $1 - 0.25\,\eta$.
#
# * **Momentum** accumulates the small but consistent gradient along the valley, while the
#   alternating components across it cancel out.
# * **RMSProp** rescales each coordinate by its own gradient size, so both coordinates move
#   at a similar pace — which helps only because the valley is aligned with the axes. The
#   right panel turns the same valley by 30°: momentum does not notice (it treats all
#   directions alike), RMSProp loses its advantage, and with a constant $\eta$ it ends up
#   circling at a distance of the order of $\eta$ from the minimum — a decaying learning
#   rate (section 5) fixes that.
# * **Adam** combines the two: a moving-average momentum, divided per coordinate by a running
#   root-mean-square as in RMSProp. Combining them does not make it the fastest here: with
#   $\eta = 0.3$ and the default $\beta$s it needs about as many steps as plain gradient
#   descent in the aligned valley, and more in the turned one (the counts below).
#
# We count the steps each method needs to get, and stay, within $10^{-2}$ of $\theta^*$.

# %%
angle = np.deg2rad(30.0)
rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
H_rotated = rotation @ H_aligned @ rotation.T
valleys = {"aligned with the axes": make_quadratic(H_aligned),
           "turned by 30°": make_quadratic(H_rotated)}

methods = {
    "GD, eta = 0.18": lambda p: optim.SGD(p, lr=0.18),
    "momentum eq. 2.7, eta = 0.1, mu = 0.8": lambda p: optim.SGD(p, lr=0.1, momentum=0.8),
    "moving average, beta = 0.8": lambda p: optim.SGD(p, lr=1.0, momentum=0.8, dampening=0.8),
    "RMSProp, eta = 0.2": lambda p: optim.RMSProp(p, lr=0.2),
    "Adam, eta = 0.3": lambda p: optim.Adam(p, lr=0.3),
}
labels = dict(zip(methods, [r"GD, $\eta = 0.18$", r"momentum eq. 2.7, $\eta = 0.1$, $\mu = 0.8$",
                            r"moving average, $\beta = 0.8$", r"RMSProp, $\eta = 0.2$",
                            r"Adam, $\eta = 0.3$"]))
steps, tol = 200, 1e-2


def steps_to_reach(path, tol):
    """First step after which the iterate stays within tol of the minimum (None: never)."""
    dist = np.linalg.norm(path - theta_min, axis=1)
    outside = np.nonzero(dist >= tol)[0]
    if len(outside) == 0:
        return 0
    return None if outside[-1] == len(dist) - 1 else int(outside[-1] + 1)


race = {v: {m: run_optimiser(make, loss, steps) for m, make in methods.items()}
        for v, loss in valleys.items()}
reached = {v: {m: steps_to_reach(p, tol) for m, p in paths.items()} for v, paths in race.items()}
for v in race:
    print(f"valley {v}:")
    for m, k in reached[v].items():
        final = np.linalg.norm(race[v][m][-1] - theta_min)
        when = f"after {k} steps" if k is not None else f"not within {steps} steps"
        print(f"   {m:38s} within 1e-2 {when}; distance after {steps}: {final:.1e}")

gd, mom, ma, rms, adm = methods
aligned, rotated = valleys
# every method reaches the minimum of the aligned valley
assert all(k is not None for k in reached[aligned].values())
# where it is robust: momentum (both forms) beats plain GD, in both valleys
for v in valleys:
    assert reached[v][mom] < 0.6 * reached[v][gd] and reached[v][ma] < 0.6 * reached[v][gd]
# RMSProp is fastest in the aligned valley ...
assert reached[aligned][rms] < 0.5 * min(reached[aligned][m] for m in (gd, mom, ma, adm))
# ... but turned by 30° it never settles with a constant learning rate
assert reached[rotated][rms] is None
rms_gap = np.linalg.norm(race[rotated][rms][-1] - theta_min)
assert 0.1 * 0.2 < rms_gap < 2 * 0.2, rms_gap   # of the order of its eta = 0.2
for m in (gd, mom, ma, adm):
    assert reached[rotated][m] is not None, m
# Adam: about plain GD's count in the aligned valley, more in the turned one (as the text says)
assert abs(reached[aligned][adm] - reached[aligned][gd]) <= 10
assert reached[rotated][adm] > reached[rotated][gd]
# GD and momentum do not care about the rotation: the same number of steps, within a few
rot_invariant = [abs(reached[aligned][m] - reached[rotated][m]) for m in (gd, mom, ma)]
assert max(rot_invariant) <= 15, rot_invariant
# a decaying learning rate lets RMSProp settle in the turned valley too
rms_decay = run_optimiser(lambda p: optim.RMSProp(p, lr=0.3), valleys[rotated], steps,
                          schedule=lambda o: ExponentialLR(o, gamma=0.97))
assert steps_to_reach(rms_decay, tol) is not None
print("RMSProp with eta_t = 0.3 * 0.97^t in the turned valley: within 1e-2 after",
      steps_to_reach(rms_decay, tol), "steps")

# %%
shown = np.concatenate([p[:80] for paths in race.values() for p in paths.values()])
low, high = shown.min(axis=0) - 0.3, shown.max(axis=0) + 0.3
grid1 = np.linspace(low[0], high[0], 200)
grid2 = np.linspace(low[1], high[1], 200)
T1, T2 = np.meshgrid(grid1, grid2)
fig, axes = plt.subplots(1, 2, figsize=(13, 7.5))
colors = ["black", "tab:blue", "tab:cyan", "tab:red", "tab:green"]
for ax, (v, H) in zip(axes, [(aligned, H_aligned), (rotated, H_rotated)]):
    D = np.stack([T1 - theta_min[0], T2 - theta_min[1]], axis=-1)
    Z = 0.5 * np.einsum("...i,ij,...j->...", D, H, D)
    ax.contour(T1, T2, Z, levels=np.geomspace(0.01, 100, 16), colors="lightgray",
               linewidths=0.7)
    for (m, path), c in zip(race[v].items(), colors):
        k = reached[v][m]
        ax.plot(path[:80, 0], path[:80, 1], "o-", ms=2, lw=0.8, color=c,
                label=f"{labels[m]}: {k if k is not None else 'never'}")
    ax.plot(*theta_0, "s", color="black", ms=6)
    ax.plot(*theta_min, "*", color="gold", ms=14, mec="black")
    ax.set_xlim(grid1[0], grid1[-1])
    ax.set_ylim(grid2[0], grid2[-1])
    ax.set_aspect("equal")
    ax.set_xlabel(r"$\theta_1$")
    ax.set_ylabel(r"$\theta_2$")
    ax.set_title(f"Valley {v}: first 80 steps")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2,
              title="steps to stay within $10^{-2}$ of the minimum", title_fontsize=8)
fig.tight_layout()

fig, ax = plt.subplots(figsize=(7, 4))
for (m, path), c in zip(race[aligned].items(), colors):
    dist = np.linalg.norm(path - theta_min, axis=1)
    ax.semilogy(np.where(dist > 0, dist, np.nan), color=c, lw=1, label=labels[m])
ax.axhline(tol, color="gray", ls=":", lw=1, label="tolerance $10^{-2}$")
ax.set_ylim(1e-12, 10)
ax.set_xlabel("step")
ax.set_ylabel(r"$\|\theta_t - \theta^*\|$")
ax.set_title("Distance to the minimum, valley aligned with the axes")
ax.legend(fontsize=7)
fig.tight_layout()

# %% [markdown]
# ## 4. The stability limit $\eta < 2/\lambda_1$
#
# Near a minimum $\theta^*$ the loss is close to its quadratic model, with Hessian
# $H = Q\Lambda Q^\top$. Writing $\alpha_t = Q^\top(\theta_t - \theta^*)$ for the
# coordinates along the eigenvectors, one gradient step multiplies them by
# $I - \eta\Lambda$, so after $t$ steps $\alpha_t = (I - \eta\Lambda)^t \alpha_0$. Every
# factor $|1 - \eta\lambda_j|$ must be below 1, and the binding one is the largest
# eigenvalue: gradient descent converges if and only if $\eta < 2/\lambda_1$.
#
# We take $\lambda_1$ from the library's Hessian of the valley and run gradient descent just
# below and just above the limit.

# %%
H_lib = am.hessian(valley)(theta_0).numpy()
assert np.allclose(H_lib, H_aligned, rtol=0, atol=1e-12)
lambdas, Q = np.linalg.eigh(H_lib)
lambda_1 = lambdas[-1]
limit = 2 / lambda_1
print(f"lambda_1 = {lambda_1:g}, so gradient descent needs eta < {limit:g}")
assert np.isclose(limit, 0.2)

stab_steps = 150
below = run_optimiser(lambda p: optim.SGD(p, lr=0.97 * limit), valley, stab_steps)
above = run_optimiser(lambda p: optim.SGD(p, lr=1.03 * limit), valley, stab_steps)
dist_below = np.linalg.norm(below - theta_min, axis=1)
dist_above = np.linalg.norm(above - theta_min, axis=1)
assert dist_below[-1] < 1e-2 and dist_above[-1] > 1e2
# the eigen-coordinates follow (1 - eta * lambda_j)^t exactly
for path, eta_ in [(below, 0.97 * limit), (above, 1.03 * limit)]:
    alpha = (path - theta_min) @ Q
    predicted = (Q.T @ (theta_0 - theta_min)) * (1 - eta_ * lambdas) ** np.arange(
        stab_steps + 1)[:, None]
    assert np.allclose(alpha, predicted, rtol=1e-9, atol=1e-12)
print(f"eta = 0.97 * 2/lambda_1: distance after {stab_steps} steps {dist_below[-1]:.2e}")
print(f"eta = 1.03 * 2/lambda_1: distance after {stab_steps} steps {dist_above[-1]:.2e}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.semilogy(dist_below, color="tab:blue", label=r"$\eta = 0.97 \times 2/\lambda_1$")
ax1.semilogy(dist_above, color="tab:red", label=r"$\eta = 1.03 \times 2/\lambda_1$")
ax1.set_xlabel("step")
ax1.set_ylabel(r"$\|\theta_t - \theta^*\|$")
ax1.set_title(r"Just below the limit it converges, just above it diverges")
ax1.legend(fontsize=8)
ax2.plot(below[:12, 0], below[:12, 1], "o-", ms=3, color="tab:blue",
         label=r"$\eta = 0.97 \times 2/\lambda_1$")
ax2.plot(above[:12, 0], above[:12, 1], "s--", ms=3, color="tab:red",
         label=r"$\eta = 1.03 \times 2/\lambda_1$")
ax2.plot(*theta_min, "*", color="gold", ms=14, mec="black")
ax2.set_xlabel(r"$\theta_1$ (steep direction, $\lambda_1 = 10$)")
ax2.set_ylabel(r"$\theta_2$ (flat direction, $\lambda_2 = 0.25$)")
ax2.set_title(r"First 12 iterates: $\theta_1 - \theta_1^*$ flips sign at each step")
ax2.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## 5. Learning-rate decay
#
# A constant $\eta$ is a compromise: large for fast progress, small to settle. Schedules
# start large and shrink with the step count $t$ (called after every `optimizer.step()`):
#
# * linear: $\eta_t = \eta_0\bigl(1 - (1 - e)\min(t, T)/T\bigr)$, down to $e\,\eta_0$ at
#   step $T$ (`LinearLR(start_factor=1, end_factor=e, total_iters=T)`);
# * power law: $\eta_t = \eta_0 (1 + t/s)^{-p}$ (`PowerLR(power=p, scale=s)`);
# * exponential: $\eta_t = \eta_0\gamma^t$ (`ExponentialLR(gamma=γ)`).
#
# The first cell reads the rates the schedulers set and compares them with the formulas.

# %%
eta0, T_total = 0.3, 2000
schedules = {
    "linear (e = 0.02, T = 2000)":
        (lambda o: LinearLR(o, start_factor=1.0, end_factor=0.02, total_iters=T_total),
         lambda t: eta0 * (1 - 0.98 * np.minimum(t, T_total) / T_total)),
    "power law (p = 1, s = 100)":
        (lambda o: PowerLR(o, power=1.0, scale=100.0),
         lambda t: eta0 * (1 + t / 100.0) ** -1.0),
    "exponential (γ = 0.998)":
        (lambda o: ExponentialLR(o, gamma=0.998),
         lambda t: eta0 * 0.998**t),
}
t_axis = np.arange(T_total + 1)
rates = {}
for name, (make, formula) in schedules.items():
    opt = optim.SGD([am.Tensor(np.zeros(1), requires_grad=True)], lr=eta0)
    sched = make(opt)
    seen = [opt.param_groups[0]["lr"]]
    for _ in range(T_total):
        opt.step()  # (no gradient: nothing moves; a schedule steps after its optimiser)
        sched.step()
        seen.append(opt.param_groups[0]["lr"])
    rates[name] = np.array(seen)
    assert np.allclose(rates[name], formula(t_axis), rtol=1e-12, atol=0), name
    assert sched.get_last_lr()[0] == seen[-1]
    print(f"{name:28s} eta_0 = {seen[0]:.3f}, eta_500 = {seen[500]:.4f}, "
          f"eta_2000 = {seen[-1]:.5f}")

# %% [markdown]
# Stochastic gradient descent with a constant step never settles: each single-example
# gradient kicks the parameters by about $\eta$ times its own noise, so the loss hovers above
# the minimum at a level that grows with $\eta$. Shrinking $\eta$ shrinks the kicks. With
# $\eta_0 = 0.3$, 10 epochs of single-example SGD (2000 updates) on the logistic regression
# of section 1:

# %%
sgd_runs = {"constant": train(1, 10, eta0)}
for name, (make, _) in schedules.items():
    sgd_runs[name] = train(1, 10, eta0, schedule=make)
last_epoch = {name: c[-200:].mean() for name, c in sgd_runs.items()}
for name, value in last_epoch.items():
    print(f"{name:28s} mean excess loss over the last epoch: {value:.2e}")
for name in schedules:
    assert last_epoch[name] < last_epoch["constant"] / 5, name

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.plot(t_axis, np.full_like(t_axis, eta0, dtype=float), color="black", lw=1,
         label="constant")
for (name, r), c in zip(rates.items(), ["tab:blue", "tab:orange", "tab:green"]):
    ax1.plot(t_axis, r, color=c, label=name)
ax1.set_xlabel("step $t$")
ax1.set_ylabel(r"$\eta_t$")
ax1.set_title(r"Learning-rate schedules from $\eta_0 = 0.3$")
ax1.legend(fontsize=8)
for (name, c_), c in zip(sgd_runs.items(), ["black", "tab:blue", "tab:orange", "tab:green"]):
    smooth = np.convolve(c_, np.ones(50) / 50, mode="valid")
    ax2.semilogy(np.arange(len(smooth)) + 50, smooth, color=c, lw=1, label=name)
ax2.set_xlabel("update")
ax2.set_ylabel(r"$\mathcal{L} - \mathcal{L}^*$ (mean of 50 updates)")
ax2.set_title("Single-example SGD: decay lets the loss settle")
ax2.legend(fontsize=8)
fig.tight_layout()
