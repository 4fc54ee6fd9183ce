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
# # Newton's method, and gradients by finite differences
#
# Two ways of getting more, or less, out of derivatives:
#
# 1. **Newton's method** (eq. 2.3) uses the Hessian as well as the gradient. On the
#    logistic-regression loss it converges in a handful of steps where gradient descent needs
#    dozens to hundreds, and it does not care how the parameters are scaled.
# 2. **Finite differences** approximate the gradient from function values only. We measure
#    their accuracy as the step $\varepsilon$ varies (forward differences are $O(\varepsilon)$,
#    central ones $O(\varepsilon^2)$, until rounding errors take over) and their cost as the
#    number of parameters grows: one or two evaluations of the function *per parameter*,
#    against one evaluation plus one backward pass for reverse-mode autodiff.

# %%
# ruff: noqa: E402
import itertools
import warnings

warnings.simplefilter("error")  # a NumPy or matplotlib warning fails the notebook...
warnings.filterwarnings("ignore", module="ipykernel")  # ...the kernel's own notices do not

import time

import matplotlib.pyplot as plt
import numpy as np

import autograd_mini as am
from autograd_mini import data

# %% [markdown]
# ## 1. Newton's method
#
# Around the current point $\theta^*$ the loss is approximately its second-order Taylor
# expansion
# $\mathcal{L}(\theta^*) + \nabla\mathcal{L}(\theta^*)^\top(\theta - \theta^*)
#  + \tfrac12(\theta - \theta^*)^\top H (\theta - \theta^*)$.
# Setting the gradient of this model to zero gives Newton's update (eq. 2.3)
#
# $$\theta^{**} = \theta^* - H^{-1}\nabla\mathcal{L}(\theta^*).$$
#
# Gradient descent uses the same model with $H$ replaced by $I/\eta$: one number for every
# direction. Newton's method uses the true curvature of each direction, so it is not slowed
# down by an ill-conditioned Hessian — and near the minimum the number of correct digits
# doubles at each step (quadratic convergence).
#
# The problem: the logistic regression of the notes,
# $\mathcal{L}(w, b) = -\sum_n \log\sigma\bigl(y_n(w\cdot x_n + b)\bigr)$ on two Gaussian
# classes of 100 points, with $\theta = (w_1, w_2, b)$. Its Hessian has the closed form
# $H = \sum_n \sigma(m_n)\,\sigma(-m_n)\,\tilde x_n \tilde x_n^\top$ with
# $\tilde x_n = (x_n, 1)$ and $m_n = y_n\,\theta\cdot\tilde x_n$; we check the library's
# `hessian` (a Jacobian of the gradient, built by differentiating the backward pass) against
# it, and `hvp` (a Hessian-vector product that never forms $H$) against $Hv$.

# %%
X, y = data.two_gaussians(100, rng=np.random.default_rng(0), shuffle=False)


def make_problem(scale):
    """The loss with the second feature multiplied by `scale` (1: the plain problem)."""
    Xa = np.hstack([X * [1.0, scale], np.ones((len(X), 1))])
    Xt, yt = am.Tensor(Xa), am.Tensor(y)

    def loss(theta):
        return -am.log_sigmoid(yt * (Xt @ theta)).sum()

    return Xa, loss


Xa, loss = make_problem(1.0)
grad = am.grad(loss)
hess = am.hessian(loss)

rng = np.random.default_rng(1)
for theta in [np.zeros(3), rng.normal(size=3), rng.normal(size=3)]:
    m = y * (Xa @ theta)
    s = 1 / (1 + np.exp(-m))
    H_closed = (Xa * (s * (1 - s))[:, None]).T @ Xa
    assert np.allclose(hess(theta).numpy(), H_closed, rtol=1e-12, atol=1e-10)
    v = rng.normal(size=3)
    assert np.allclose(am.hvp(loss, theta, v).numpy(), H_closed @ v, rtol=1e-12, atol=1e-10)
print("library Hessian and Hessian-vector products match the closed form")


def newton(loss, tol=1e-8, max_steps=50):
    grad, hess = am.grad(loss), am.hessian(loss)
    theta, norms = np.zeros(3), []
    for _ in range(max_steps):
        g = grad(theta).numpy()
        norms.append(np.linalg.norm(g))
        if norms[-1] < tol:
            break
        theta = theta - np.linalg.solve(hess(theta).numpy(), g)
    return theta, np.array(norms)


def gradient_descent(loss, eta, tol=1e-8, max_steps=3000):
    grad = am.grad(loss)
    theta, norms = np.zeros(3), []
    for _ in range(max_steps):
        g = grad(theta).numpy()
        norms.append(np.linalg.norm(g))
        if norms[-1] < tol or not np.isfinite(norms[-1]):
            break
        theta = theta - eta * g
    return theta, np.array(norms)


theta_newton, newton_norms = newton(loss)
newton_steps = len(newton_norms) - 1
print(f"Newton: |grad| < 1e-8 after {newton_steps} steps; theta = {theta_newton.round(5)}")
print("  |grad| along the way:", " ".join(f"{g:.1e}" for g in newton_norms))
assert newton_steps <= 10
# quadratic convergence: once close, |g_{k+1}| <= C |g_k|^2 (digits double)
close = [(a, b) for a, b in itertools.pairwise(newton_norms) if a < 0.1 and b > 1e-13]
assert len(close) >= 2 and all(b <= 1.0 * a**2 for a, b in close), close

# %% [markdown]
# Gradient descent on the same loss, from the same start, to the same tolerance. To be fair
# to it, we give it the best of several step sizes, expressed as fractions of the stability
# limit $2/\lambda_1$ computed from the Hessian at the solution (something gradient descent
# would not know in practice).
#
# Then we multiply the second feature by 5. That is only a change of units — the
# classifier is the same, with $w_2$ divided by 5 — but it makes the Hessian much more
# ill-conditioned. Gradient descent has to shrink its step for the now-steep direction and
# slows down a lot; Newton's method, which is invariant to such linear changes of
# variables, takes exactly the same number of steps.

# %%
results = {}
for scale in (1.0, 5.0):
    Xa_s, loss_s = make_problem(scale)
    theta_n, norms_n = newton(loss_s)
    lambdas = np.linalg.eigvalsh(am.hessian(loss_s)(theta_n).numpy())
    limit = 2 / lambdas[-1]
    sweep = {f: gradient_descent(loss_s, f * limit) for f in (0.5, 0.8, 0.9)}
    best = min(sweep, key=lambda f: len(sweep[f][1]) if sweep[f][1][-1] < 1e-8 else np.inf)
    theta_gd, norms_gd = sweep[best]
    assert norms_gd[-1] < 1e-8
    assert np.allclose(theta_gd, theta_n, atol=1e-7)
    results[scale] = dict(newton=norms_n, gd=norms_gd, best=best, cond=lambdas[-1] / lambdas[0])
    print(f"second feature x{scale:g}: Hessian condition number {lambdas[-1] / lambdas[0]:6.1f};"
          f" Newton {len(norms_n) - 1} steps, gradient descent {len(norms_gd) - 1} steps "
          f"(best eta = {best} x 2/lambda_1)")

plain, scaled = results[1.0], results[5.0]
assert len(plain["gd"]) - 1 >= 5 * (len(plain["newton"]) - 1)
assert len(scaled["gd"]) - 1 >= 50 * (len(scaled["newton"]) - 1)
assert len(scaled["newton"]) == len(plain["newton"])           # Newton does not notice
assert scaled["cond"] > 10 * plain["cond"]

fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for ax, (scale, r) in zip(axes, results.items()):
    ax.semilogy(r["newton"], "o-", color="tab:red", ms=4, label="Newton (eq. 2.3)")
    ax.semilogy(r["gd"], color="tab:blue",
                label=rf"gradient descent, $\eta = {r['best']} \times 2/\lambda_1$")
    ax.axhline(1e-8, color="gray", ls=":", lw=1, label="tolerance")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(0, 1.2 * len(r["gd"]))
    ax.set_xlabel("iteration")
    ax.set_title(f"second feature $\\times {scale:g}$ (condition number {r['cond']:.0f})")
    ax.legend(fontsize=8)
axes[0].set_ylabel(r"$\|\nabla\mathcal{L}(\theta_k)\|$")
fig.suptitle("Logistic regression: Newton's method against gradient descent")
fig.tight_layout()

# %% [markdown]
# Each Newton step is more expensive — here the Hessian costs three extra backward passes
# (one per parameter) and a $3\times 3$ solve; with $D$ parameters it costs $D$ backward
# passes, $D^2$ memory and an $O(D^3)$ solve. That is why deep learning, with millions of
# parameters, stays with first-order methods.
#
# ## 2. Finite differences: accuracy
#
# From values alone, the $i$-th partial derivative can be approximated by
#
# $$\text{forward: } \frac{f(\theta + \varepsilon e_i) - f(\theta)}{\varepsilon},
#   \qquad
#   \text{central: } \frac{f(\theta + \varepsilon e_i) - f(\theta - \varepsilon e_i)}
#                         {2\varepsilon}.$$
#
# Taylor's formula gives their truncation errors: $\tfrac{\varepsilon}{2} f''$ for the
# forward difference, $\tfrac{\varepsilon^2}{6} f'''$ for the central one (the
# $\varepsilon^2$ terms cancel). But both subtract two nearly equal numbers: each value
# carries a rounding error of about $u\,|f|$ ($u \approx 1.1\times 10^{-16}$ in double
# precision), which the division by $\varepsilon$ blows up to $u|f|/\varepsilon$. The total
# error is smallest when the two balance: near $\varepsilon \approx \sqrt{u} \approx 10^{-8}$
# (forward, error $\approx 10^{-8}$) and $\varepsilon \approx u^{1/3} \approx 10^{-5}$
# (central, error $\approx 10^{-11}$).
#
# `am.numerical_grad(f, inputs, eps, method)` computes both; the reference is the gradient
# from reverse-mode autodiff, exact up to rounding. We use the mean logistic loss at a
# point away from the minimum.

# %%
Xt_mean, yt_mean = am.Tensor(Xa), am.Tensor(y)


def mean_loss(theta):
    return -am.log_sigmoid(yt_mean * (Xt_mean @ theta)).mean()


theta_point = np.array([0.5, -0.3, 0.2])
exact = am.grad(mean_loss)(theta_point).numpy()
eps_values = np.logspace(-14, -1, 53)
errors = {}
for method in ("forward", "central"):
    errors[method] = np.array([
        np.abs(am.numerical_grad(mean_loss, [theta_point], eps=e, method=method)[0]
               - exact).max()
        for e in eps_values
    ])


def slope(method, lo, hi):
    keep = (eps_values >= lo) & (eps_values <= hi)
    return np.polyfit(np.log10(eps_values[keep]), np.log10(errors[method][keep]), 1)[0]


summary = {}
for method in ("forward", "central"):
    k = int(np.argmin(errors[method]))
    summary[method] = (eps_values[k], errors[method][k])
    print(f"{method:8s}: smallest error {errors[method][k]:.1e} at eps = {eps_values[k]:.1e}")
s_fwd, s_cen = slope("forward", 1e-5, 1e-1), slope("central", 1e-3, 1e-1)
s_round = slope("forward", 1e-14, 1e-11)
print(f"slopes of log(error) against log(eps): forward {s_fwd:.2f} (truncation), "
      f"central {s_cen:.2f} (truncation), forward {s_round:.2f} (rounding)")
assert 0.9 < s_fwd < 1.1 and 1.9 < s_cen < 2.1 and -1.5 < s_round < -0.5
(eps_f, err_f), (eps_c, err_c) = summary["forward"], summary["central"]
assert 1e-10 <= eps_f <= 1e-6 and 1e-10 < err_f < 1e-7
assert 1e-7 <= eps_c <= 1e-3 and err_c < 1e-9
assert err_c < err_f / 100
assert errors["forward"][0] > 1e4 * err_f  # at eps = 1e-14 rounding dominates

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.loglog(eps_values, errors["forward"], "o-", ms=3, label="forward difference")
ax.loglog(eps_values, errors["central"], "s-", ms=3, label="central difference")
ax.loglog(eps_values, 0.3 * eps_values, "k:", lw=1, label=r"$\propto\varepsilon$")
ax.loglog(eps_values, 0.1 * eps_values**2, "k--", lw=1, label=r"$\propto\varepsilon^2$")
ax.loglog(eps_values, 2e-17 / eps_values, "k-.", lw=1, label=r"$\propto u/\varepsilon$")
ax.set_ylim(1e-13, 1)
ax.set_xlabel(r"step $\varepsilon$")
ax.set_ylabel("max |finite difference - autodiff|")
ax.set_title("Accuracy of finite-difference gradients")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## 3. Finite differences: cost
#
# A finite-difference gradient needs the function at a shifted point for every parameter:
# $D + 1$ evaluations (forward) or $2D + 1$ here (central; the library also evaluates
# $f(\theta)$ once). Reverse mode needs **one** evaluation, which records the graph, and
# **one** backward pass through that same graph, whatever $D$ is.
#
# We count the calls to the loss — a logistic regression with $D$ features on 200 random
# examples — and the number of operations in its graph (the work of the backward pass),
# for $D$ from 2 to 512. Wall-clock times are shown too, but they depend on the machine, so
# only the counts are checked.


# %%
def counted(f):
    def wrapper(*args):
        wrapper.calls += 1
        return f(*args)
    wrapper.calls = 0
    return wrapper


def graph_size(root):
    """Number of operations recorded in the graph of `root` (walking its nodes)."""
    seen, stack = set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(p for p in node.parents if isinstance(p, am.Node))
    return len(seen)


def best_time(func, *args, repeats=3, **kwargs):
    """The fastest of a few calls func(*args, **kwargs), in seconds (for display only)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times)


dims = [2, 8, 32, 128, 512]
cost = {k: [] for k in ("forward", "central", "autodiff", "nodes",
                        "t_forward", "t_central", "t_autodiff")}
data_rng = np.random.default_rng(2)
for D in dims:
    A = am.Tensor(data_rng.normal(size=(200, D)))
    labels = am.Tensor(np.sign(data_rng.normal(size=200)))

    def f(theta, A=A, labels=labels):
        return -am.log_sigmoid(labels * (A @ theta)).mean()

    theta = 0.1 * data_rng.normal(size=D)
    for method in ("forward", "central"):
        fc = counted(f)
        num = am.numerical_grad(fc, [theta], eps=1e-6, method=method)[0]
        cost[method].append(fc.calls)
        cost[f"t_{method}"].append(
            best_time(am.numerical_grad, f, [theta], eps=1e-6, method=method))
    fc = counted(f)
    value, g = am.value_and_grad(fc)(theta)
    cost["autodiff"].append(fc.calls)
    cost["t_autodiff"].append(best_time(am.value_and_grad(f), theta))
    assert np.allclose(num, g.numpy(), rtol=1e-6, atol=1e-9)
    cost["nodes"].append(graph_size(f(am.Tensor(theta, requires_grad=True))))

print(" D | f calls: forward  central  autodiff | graph ops | time (ms): fwd  central  autodiff")
for i, D in enumerate(dims):
    print(f"{D:4d} | {cost['forward'][i]:15d} {cost['central'][i]:8d} {cost['autodiff'][i]:9d} |"
          f" {cost['nodes'][i]:9d} | {1e3 * cost['t_forward'][i]:14.1f} "
          f"{1e3 * cost['t_central'][i]:8.1f} {1e3 * cost['t_autodiff'][i]:9.2f}")
assert cost["forward"] == [D + 1 for D in dims]
assert cost["central"] == [2 * D + 1 for D in dims]
assert cost["autodiff"] == [1] * len(dims)
assert len(set(cost["nodes"])) == 1            # the backward pass has the same graph for all D

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
ax1.loglog(dims, cost["forward"], "o-", label="forward differences: $D + 1$")
ax1.loglog(dims, cost["central"], "s-", label="central differences: $2D + 1$")
ax1.loglog(dims, cost["autodiff"], "^-", label="reverse mode: 1 (+ one backward pass)")
ax1.set_xlabel("number of parameters $D$")
ax1.set_ylabel("evaluations of the loss")
ax1.set_title("Cost of one gradient, counted")
ax1.legend(fontsize=8)
ax2.loglog(dims, cost["t_forward"], "o-", label="forward differences")
ax2.loglog(dims, cost["t_central"], "s-", label="central differences")
ax2.loglog(dims, cost["t_autodiff"], "^-", label="reverse mode")
ax2.set_xlabel("number of parameters $D$")
ax2.set_ylabel("seconds (this machine)")
ax2.set_title("Cost of one gradient, timed")
ax2.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Summary
#
# * Newton's method converges in a few steps, independently of how the parameters are
#   scaled, but each step needs the Hessian: affordable for 3 parameters, not for millions.
# * Finite differences are easy to write and useful to *check* a gradient (that is what
#   `am.gradcheck` does, with central differences), but they are inaccurate — here the
#   smallest absolute error is about $10^{-8}$ (forward) or $10^{-11}$ (central) — and cost
#   a number of evaluations proportional to the number of parameters.
# * Reverse-mode autodiff gives the exact gradient for the price of one evaluation and one
#   backward pass through the same graph.
