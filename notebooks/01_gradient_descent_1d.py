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
# # Gradient descent in one dimension
#
# This notebook follows gradient descent on losses of a single parameter $w$, where every
# step can be drawn. It shows
#
# 1. a run with step size $\eta = 0.125$ that reaches the global minimum, with the quadratic
#    model that each step minimises drawn at every iterate;
# 2. the same $\eta$ started elsewhere, ending in the other, worse, local minimum;
# 3. $\eta = 0.5$, which never settles: it bounces from one side of the minimum to the other;
# 4. the classic toy losses $y = x^2$ (started at $x = 10$) and $y = x^4 - 5x^2 - 3x$ under
#    several learning rates.
#
# Every derivative is computed by `autograd_mini.grad` and checked against the derivative
# worked out by hand. The cells assert the numbers that the figures show.

# %%
# ruff: noqa: E402
import warnings

warnings.simplefilter("error")  # a NumPy or matplotlib warning fails the notebook...
warnings.filterwarnings("ignore", module="ipykernel")  # ...the kernel's own notices do not

import matplotlib.pyplot as plt
import numpy as np

import autograd_mini as am

# %% [markdown]
# ## The loss
#
# The notes draw a smooth curve with two valleys but do not give its formula, so we build one
# with the same features: a gentle bowl $0.05\,w^2$ with two Gaussian dips carved into it,
#
# $$\mathcal{L}(w) = 0.05\,w^2 - e^{-3(w-1)^2} - 0.7\,e^{-3(w+1.2)^2}.$$
#
# The deeper dip (near $w = 1$) holds the global minimum; the shallower one (near
# $w = -1.2$) holds a local minimum. Its derivative, by the chain rule, is
#
# $$\mathcal{L}'(w) = 0.1\,w + 6(w-1)\,e^{-3(w-1)^2} + 4.2\,(w+1.2)\,e^{-3(w+1.2)^2}.$$
#
# The loss is written with library operations, so `am.grad` differentiates it. Because the
# loss acts on each entry of $w$ separately, the gradient of $\sum_i \mathcal{L}(w_i)$ with
# respect to the vector $w$ is the vector of the $\mathcal{L}'(w_i)$: one reverse sweep gives
# the derivative at every point of a grid. Differentiating that once more gives
# $\mathcal{L}''$.


# %%
def loss(w):
    return 0.05 * w**2 - am.exp(-3.0 * (w - 1.0) ** 2) - 0.7 * am.exp(-3.0 * (w + 1.2) ** 2)


def loss_np(w):
    return 0.05 * w**2 - np.exp(-3.0 * (w - 1.0) ** 2) - 0.7 * np.exp(-3.0 * (w + 1.2) ** 2)


def dloss_by_hand(w):
    return (0.1 * w + 6.0 * (w - 1.0) * np.exp(-3.0 * (w - 1.0) ** 2)
            + 4.2 * (w + 1.2) * np.exp(-3.0 * (w + 1.2) ** 2))


dloss_t = am.grad(lambda w: loss(w).sum())        # L' (works on a scalar or a whole grid)
d2loss_t = am.grad(lambda w: dloss_t(w).sum())    # L'' = derivative of the derivative


def dloss(w):
    return dloss_t(w).numpy()


def d2loss(w):
    return d2loss_t(w).numpy()


grid = np.linspace(-3.0, 3.0, 1201)
assert np.allclose(loss(am.Tensor(grid)).numpy(), loss_np(grid), rtol=0, atol=1e-14)
assert np.allclose(dloss(grid), dloss_by_hand(grid), rtol=1e-12, atol=1e-13)
print("largest |library L' - hand L'| on the grid:",
      np.abs(dloss(grid) - dloss_by_hand(grid)).max())

# the two minima: where L' changes sign from - to +, refined with Newton steps on L'
brackets = np.where((dloss(grid[:-1]) < 0) & (dloss(grid[1:]) > 0))[0]
minima = []
for i in brackets:
    w = grid[i]
    for _ in range(20):
        w = w - dloss(w) / d2loss(w)
    minima.append(float(w))
assert len(minima) == 2, minima
w_local, w_global = sorted(minima, key=lambda m: -loss_np(m))
print(f"global minimum w* = {w_global:.6f}, L = {loss_np(w_global):.6f}, "
      f"L'' = {d2loss(w_global):.4f}")
print(f"local  minimum w  = {w_local:.6f}, L = {loss_np(w_local):.6f}, "
      f"L'' = {d2loss(w_local):.4f}")
assert abs(w_global - 0.9836) < 1e-3 and abs(w_local + 1.1720) < 1e-3
assert loss_np(w_global) < loss_np(w_local)
assert abs(dloss(w_global)) < 1e-12 and abs(dloss(w_local)) < 1e-12

# %% [markdown]
# ## One step = minimise a quadratic model
#
# At the current point $w_t$, replace the loss by its tangent line plus a bowl whose width is
# set by the step size:
#
# $$\tilde{\mathcal{L}}_{w_t}(w) = \mathcal{L}(w_t) + \mathcal{L}'(w_t)(w - w_t)
#   + \frac{1}{2\eta}(w - w_t)^2 .$$
#
# Setting its derivative $\mathcal{L}'(w_t) + (w - w_t)/\eta$ to zero puts its vertex at
# $w_t - \eta\,\mathcal{L}'(w_t)$, which is exactly the gradient-descent update. The model
# does not look at the loss's curvature at all: $\eta$ alone decides how far the linear
# approximation is trusted.
#
# If $1/\eta$ is at least the largest curvature $\mathcal{L}''$ of the loss, the model lies
# above the loss everywhere (it touches it at $w_t$), so moving to the model's minimum can
# only lower the loss. Here $\max \mathcal{L}'' \approx 6.1$ and $1/0.125 = 8$.


# %%
def gradient_descent(w0, eta, steps):
    ws = [float(w0)]
    for _ in range(steps):
        ws.append(ws[-1] - eta * dloss(ws[-1]))
    return np.array(ws)


def model(w, w_t, eta):
    """The quadratic model built at w_t."""
    return loss_np(w_t) + dloss(w_t) * (w - w_t) + (w - w_t) ** 2 / (2 * eta)


# The notes' two step sizes and the starts; the frames below are pinned to these values, so
# a different eta or w0 fails here rather than leaving titles that no longer match.
ETA_SMALL, ETA_LARGE = 0.125, 0.5
W0_GLOBAL, W0_LOCAL = 2.0, -2.0
FRAMES_SMALL = [2.0, 1.9377, 1.8631, 1.7706, 1.6511, 1.4936,    # w_0 .. w_11, eta = 0.125
                1.2967, 1.1096, 1.0164, 0.9914, 0.9855, 0.9840]
FRAMES_LARGE = [2.0, 1.7506, 1.2477, 0.5671, 1.2786, 0.5525,    # w_0 .. w_11, eta = 0.5
                1.2607, 0.5598, 1.2699, 0.5556, 1.2647, 0.5579]

max_curvature = d2loss(grid).max()
print(f"max L'' on [-3, 3] = {max_curvature:.4f}")
assert max_curvature < 1 / ETA_SMALL

eta = ETA_SMALL
run_a = gradient_descent(W0_GLOBAL, eta, 40)
assert np.allclose(run_a[:12], FRAMES_SMALL, rtol=0, atol=5e-5), run_a[:12]
fine = np.linspace(-3.0, 3.0, 60001)  # spacing 1e-4, to locate each model's minimum
for t in range(12):
    m = model(fine, run_a[t], eta)
    vertex = fine[np.argmin(m)]
    assert abs(vertex - run_a[t + 1]) < 2e-4, (t, vertex, run_a[t + 1])
    assert np.all(m >= loss_np(fine) - 1e-12), f"the model at w_{t} dips below the loss"
assert np.all(np.diff(loss_np(run_a)) <= 1e-15), "the loss must go down at every step"
assert abs(run_a[-1] - w_global) < 1e-8
print("w_0 .. w_11:", np.round(run_a[:12], 4))
print(f"after 40 steps: w = {run_a[-1]:.8f} (global minimum {w_global:.8f})")

# %%
def draw_frames(run: np.ndarray, step: float, title: str, minimum: float | None = None) -> None:
    """Frames w_0 … w_11 of a run: the loss, the quadratic model at w_t (red) and its vertex."""
    fig, axes = plt.subplots(3, 4, figsize=(13, 8), sharex=True, sharey=True)
    for t, ax in enumerate(axes.flat):
        wt = run[t]
        ax.plot(grid, loss_np(grid), color="black", lw=1.5, label=r"$\mathcal{L}$")
        ax.plot(grid, model(grid, wt, step), color="tab:red", lw=1.2,
                label=r"$\tilde{\mathcal{L}}_{w_t}$")
        ax.plot([wt], [loss_np(wt)], "o", color="black", ms=5)
        ax.plot([run[t + 1]], [model(run[t + 1], wt, step)], "o", color="tab:red", ms=5)
        ax.axvline(run[t + 1], color="tab:red", lw=0.6, ls=":")
        if minimum is not None:
            ax.axvline(minimum, color="tab:green", lw=0.6, ls="--")
        ax.set_title(f"$w_{{{t}}} = {wt:.3f}$", fontsize=10)
        ax.set_ylim(-1.2, 1.0)
        ax.set_xlim(-3, 3)
    for ax in axes[-1]:
        ax.set_xlabel("$w$")
    for ax in axes[:, 0]:
        ax.set_ylabel("loss")
    axes[0, 0].legend(loc="upper left", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()


draw_frames(run_a, eta, rf"Gradient descent with $\eta = {eta}$ from $w_0 = {W0_GLOBAL:g}$: "
            "each step jumps to the minimum of the red quadratic model")

# %% [markdown]
# ## Same step size, another start: a local minimum
#
# Started at $w_0 = -2$, the same $\eta = 0.125$ slides into the shallower valley and stays
# there: at its bottom the gradient is zero, so nothing pushes the iterate out. Gradient
# descent only ever sees the slope where it stands.

# %%
run_b = gradient_descent(W0_LOCAL, eta, 40)
assert abs(run_b[-1] - w_local) < 1e-6
assert loss_np(run_b[-1]) - loss_np(w_global) > 0.3
assert np.all(np.diff(loss_np(run_b)) <= 1e-15)
print(f"from w0 = -2: w_40 = {run_b[-1]:.6f}, loss {loss_np(run_b[-1]):.4f} "
      f"(the global minimum has loss {loss_np(w_global):.4f})")

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(grid, loss_np(grid), color="black", lw=1.5, label=r"loss $\mathcal{L}$")
for t in range(6):
    ax.plot(grid, model(grid, run_b[t], eta), color="tab:red", lw=0.8, alpha=0.6,
            label="quadratic models, first 6 steps" if t == 0 else None)
ax.plot(run_b[:15], loss_np(run_b[:15]), "o-", color="tab:blue", ms=4,
        label="$w_0, \\dots, w_{14}$")
ax.axvline(w_global, color="tab:green", ls="--", lw=1, label="global minimum")
ax.set_ylim(-1.2, 1.0)
ax.set_xlabel("$w$")
ax.set_ylabel("loss")
ax.set_title(rf"$\eta = {eta}$ from $w_0 = {W0_LOCAL:g}$: stuck in the local minimum")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## A step that is too large: $\eta = 0.5$
#
# Now the model's bowl has curvature $1/\eta = 2$, much flatter than the valley around the
# global minimum ($\mathcal{L}''(w^*) \approx 6.1$). The model no longer sits above the loss,
# so its minimum can be a worse point, and each step overshoots to the other side of the
# valley. Near the minimum a step multiplies the distance to $w^*$ by
# $1 - \eta\,\mathcal{L}''(w^*) \approx -2.04$: the iterate is pushed away, until the flanks of
# the valley (where the slope stops growing) hold it in a cycle of period two.

# %%
eta_big = ETA_LARGE
run_c = gradient_descent(W0_GLOBAL, eta_big, 60)
assert np.allclose(run_c[:12], FRAMES_LARGE, rtol=0, atol=5e-5), run_c[:12]
factor = 1 - eta_big * d2loss(w_global)
print(f"1 - eta L''(w*) = {factor:.4f}")
assert factor < -1
tail = run_c[20:]
side = np.sign(tail - w_global)
assert np.all(side[1:] == -side[:-1]), "the iterates must alternate around w*"
assert np.all(np.abs(tail - w_global) > 0.2), "they must stay away from w*"
assert np.allclose(tail[2:], tail[:-2], atol=1e-3), "a cycle of period two"
low, high = sorted(tail[-2:])
print(f"the last iterates alternate between {low:.4f} and {high:.4f} (w* = {w_global:.4f})")
assert abs(low - 0.557) < 5e-3 and abs(high - 1.266) < 5e-3
# the model at an iterate of the cycle goes below the loss: the bound is lost
assert np.any(model(grid, run_c[30], eta_big) < loss_np(grid) - 1e-3)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.plot(grid, loss_np(grid), color="black", lw=1.5, label=r"loss $\mathcal{L}$")
for t in range(4):
    ax1.plot(grid, model(grid, run_c[t], eta_big), color="tab:red", lw=0.8, alpha=0.6,
             label="quadratic models, first 4 steps" if t == 0 else None)
ax1.plot(run_c[:12], loss_np(run_c[:12]), "o-", color="tab:blue", ms=4, lw=0.8,
         label="$w_0, \\dots, w_{11}$")
ax1.set_ylim(-1.2, 1.0)
ax1.set_xlabel("$w$")
ax1.set_ylabel("loss")
ax1.set_title(rf"$\eta = {eta_big}$ from $w_0 = {W0_GLOBAL:g}$")
ax1.legend(fontsize=8)
ax2.plot(run_c, "o-", ms=3, color="tab:blue", label=rf"$w_t$, $\eta = {eta_big}$")
ax2.plot(run_a[: len(run_c)], "s-", ms=3, color="tab:gray", label=rf"$w_t$, $\eta = {eta}$")
ax2.axhline(w_global, color="tab:green", ls="--", lw=1, label="global minimum $w^*$")
ax2.set_xlabel("step $t$")
ax2.set_ylabel("$w_t$")
ax2.set_title("The large step oscillates around $w^*$ for ever")
ax2.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# The notes show this run frame by frame too, $w_0$ to $w_{11}$: at each iterate the model
# (red) is now wider than the valley, and its vertex lands on the far side of $w^*$.

# %%
draw_frames(run_c, eta_big, rf"Gradient descent with $\eta = {eta_big}$ from "
            rf"$w_0 = {W0_GLOBAL:g}$: every vertex overshoots the minimum (green)", w_global)
# from w_3 on, the frames alternate sides of w*
assert np.all(np.sign(run_c[3:12] - w_global) == -np.sign(run_c[4:13] - w_global))

# %% [markdown]
# ## $y = x^2$ from $x = 10$
#
# For $y = x^2$ the derivative is $2x$ (at $x_0 = 10$ it is $+20$; the slides print $-20$, a
# slip: the step $-\eta \cdot 20$ moves left, towards the minimum), so the update is
# $x_{t+1} = x_t - 2\eta x_t = (1 - 2\eta)\,x_t$ and after $t$ steps $x_t = 10\,(1 - 2\eta)^t$:
#
# * $0 < \eta < 0.5$: steady approach from one side, slow when $\eta$ is small;
# * $\eta = 0.5$: the minimum in a single step (the model then equals the loss);
# * $0.5 < \eta < 1$: converges while jumping from side to side;
# * $\eta = 1$: bounces between $10$ and $-10$ for ever;
# * $\eta > 1$: diverges.

# %%
square_grad = am.grad(lambda x: (x**2).sum())
assert np.allclose(square_grad(np.array([10.0, -3.0, 0.5])).numpy(), [20.0, -6.0, 1.0])

etas = [0.02, 0.1, 0.5, 0.8, 1.0, 1.02]
steps = 30
paths = {}
for e in etas:
    xs = [10.0]
    for _ in range(steps):
        xs.append(xs[-1] - e * square_grad(xs[-1]).item())
    paths[e] = np.array(xs)
    closed_form = 10.0 * (1 - 2 * e) ** np.arange(steps + 1)
    assert np.allclose(paths[e], closed_form, rtol=1e-12, atol=1e-12), e
assert paths[0.5][1] == 0.0
assert abs(paths[0.1][-1]) < 0.02 and paths[0.02][-1] > 2.0
assert np.all(np.abs(paths[1.0]) == 10.0)
assert abs(paths[1.02][-1]) > 30.0
for e in etas:
    print(f"eta = {e:<5}: x_1 = {paths[e][1]:8.3f}, x_30 = {paths[e][-1]:.4g}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
for e in etas:
    ax1.plot(paths[e][:12], "o-", ms=3, label=rf"$\eta = {e}$")
    size = np.abs(paths[e])
    ax2.semilogy(np.where(size > 0, size, np.nan), "o-", ms=2,  # log scale: leave out 0
                 label=rf"$\eta = {e}$" + (" (0 after one step)" if e == 0.5 else ""))
ax1.set_xlabel("step $t$")
ax1.set_ylabel("$x_t$")
ax1.set_title("$y = x^2$ from $x_0 = 10$: first 12 iterates")
ax1.legend(fontsize=8)
ax2.set_ylim(1e-12, 1e3)
ax2.set_xlabel("step $t$")
ax2.set_ylabel("$|x_t|$ (log scale)")
ax2.set_title(r"$|x_t| = 10\,|1 - 2\eta|^t$")
ax2.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## $y = x^4 - 5x^2 - 3x$
#
# Its derivative $4x^3 - 10x - 3$ vanishes three times: a global minimum near $x = 1.71$, a
# local maximum near $x = -0.31$ and a local minimum near $x = -1.40$. Starting at $x_0 = 3$
# (slope $75$):
#
# * $\eta = 0.001$ creeps downhill and is still far from the minimum after 100 steps;
# * $\eta = 0.01$ reaches the global minimum;
# * $\eta = 0.05$ makes a first jump of $3.75$ that lands on the other side of the hump, and
#   the iterate ends in the *local* minimum;
# * $\eta = 0.1$ jumps ever further out and blows up. Even close to the global minimum it
#   could not converge: the curvature there is $y''(1.71) \approx 25.3$, and a step must
#   satisfy $\eta < 2 / y'' \approx 0.079$ (notebook 6 explains this bound).


# %%
def quartic(x):
    return x**4 - 5 * x**2 - 3 * x


quartic_grad = am.grad(lambda x: quartic(x).sum())
xs_check = np.linspace(-2.5, 2.5, 11)
assert np.allclose(quartic_grad(xs_check).numpy(), 4 * xs_check**3 - 10 * xs_check - 3,
                   rtol=1e-12, atol=1e-12)

roots = np.sort(np.roots([4.0, 0.0, -10.0, -3.0]).real)
x_lmin, x_max, x_gmin = roots
curv_gmin = 12 * x_gmin**2 - 10
print("stationary points:", np.round(roots, 4), "  y'' at the global minimum:",
      round(curv_gmin, 3))
assert quartic(x_gmin) < quartic(x_lmin) < quartic(x_max)


def run_quartic(eta, x0=3.0, steps=100, blow_up=1e3):
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - eta * quartic_grad(xs[-1]).item())
        if abs(xs[-1]) > blow_up:   # stop before the numbers overflow
            break
    return np.array(xs)


quartic_runs = {e: run_quartic(e) for e in [0.001, 0.01, 0.05, 0.1]}
slow, good, jumped, blown = (quartic_runs[e] for e in [0.001, 0.01, 0.05, 0.1])
assert 0.02 < slow[-1] - x_gmin < 0.2 and np.all(np.diff(slow) < 0)
assert abs(good[-1] - x_gmin) < 1e-8
assert jumped[1] < x_max and abs(jumped[-1] - x_lmin) < 1e-8
assert len(blown) < 10 and abs(blown[-1]) > 1e3
assert 0.05 < 2 / curv_gmin < 0.1
for e, xs in quartic_runs.items():
    print(f"eta = {e:<5}: {len(xs) - 1:3d} steps, last x = {xs[-1]:.6g}")

xx = np.linspace(-2.4, 3.1, 500)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.plot(xx, quartic(xx), color="black", lw=1.5, label="$y = x^4 - 5x^2 - 3x$")
colors = {0.001: "tab:gray", 0.01: "tab:green", 0.05: "tab:orange", 0.1: "tab:red"}
for e, xs in quartic_runs.items():
    shown = xs[np.abs(xs) < 3.1][:25]
    ax1.plot(shown, quartic(shown), "o-", ms=3, lw=0.7, color=colors[e],
             label=rf"$\eta = {e}$" + (" (leaves the plot)" if e == 0.1 else ""))
ax1.set_ylim(-15, 60)
ax1.set_xlabel("$x$")
ax1.set_ylabel("$y$")
ax1.set_title("Iterates from $x_0 = 3$ (first 25 inside the plot)")
ax1.legend(fontsize=8)
for e, xs in quartic_runs.items():
    ax2.plot(np.clip(xs, -4, 4), "o-", ms=2, lw=0.8, color=colors[e], label=rf"$\eta = {e}$")
ax2.axhline(x_gmin, color="black", ls="--", lw=0.8, label="global minimum")
ax2.axhline(x_lmin, color="black", ls=":", lw=0.8, label="local minimum")
ax2.set_ylim(-4.2, 4.2)
ax2.set_xlabel("step $t$")
ax2.set_ylabel("$x_t$ (clipped to $[-4, 4]$)")
ax2.set_title("Too small is slow, too large changes valley or diverges")
ax2.legend(fontsize=8, loc="center right")
fig.tight_layout()

# %% [markdown]
# ## What to take away
#
# * A gradient step is the exact minimiser of a quadratic model whose width is $\eta$.
# * With $1/\eta$ above the loss's curvature the loss decreases at every step, but where the
#   run ends depends on the start: gradient descent finds *a* minimum, not *the* minimum.
# * Once $\eta$ exceeds $2 / \mathcal{L}''$ at a minimum, that minimum repels the iterates:
#   they oscillate around it or diverge.
