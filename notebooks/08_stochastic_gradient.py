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
# # Stochastic gradient descent, as the notes define it
#
# Notebook 6 races batch, stochastic and mini-batch gradient descent in the form the slides
# use: shuffle the data, cut it into mini-batches, one pass is an epoch. The lecture notes
# (section 2.2, eq. 2.5 and Algorithm 1) define SGD more precisely, as gradient descent on a
# random *estimator* of the loss. This notebook
#
# 1. builds the single-example estimator $l_I$ of eq. 2.5 and the mini-batch estimator
#    $l_B$ from the library's per-example gradients;
# 2. checks Exercise 2.3 numerically — $\nabla l_I$ (and $\nabla l_B$) are unbiased: the
#    mean of many estimates equals the full gradient within a few standard errors — and that
#    a larger batch lowers the variance as sampling theory predicts;
# 3. runs Algorithm 1 (sampling with replacement) next to the shuffled-epoch form and
#    compares what an "epoch" means in each.

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

# %% [markdown]
# ## The loss as a sum, and its estimators
#
# The notes write the training loss as a *sum* over the $N$ observations,
# $\mathcal{L}_N(\theta) = \sum_{i=1}^N L(y_i, f_\theta(x_i))$. Here $L$ is the logistic
# loss of notebook 3, $L(y, f_\theta(x)) = -\log\sigma\bigl(y(w\cdot x + b)\bigr)$ with
# $\theta = (w, b)$, on two Gaussian classes of 100 points each ($N = 200$).
#
# Draw an index $I$ uniformly, $\pi\{I = i\} = 1/N$, and scale its term by $N$ (eq. 2.5):
#
# $$l_I(\theta) = N\,L(y_I, f_\theta(x_I)), \qquad
#   \mathbb{E}_\pi[\nabla l_I(\theta)] = \sum_{i=1}^N \frac1N\, N\,\nabla L_i(\theta)
#   = \nabla\mathcal{L}_N(\theta)$$
#
# — the factor $N$ is what makes the estimator unbiased (Exercise 2.3). For a set $B$ of
# $|B|$ distinct indices drawn uniformly, each index lands in $B$ with probability
# $|B|/N$, so the unbiased mini-batch estimator is
# $l_B(\theta) = \frac{N}{|B|}\sum_{i\in B} L(y_i, f_\theta(x_i))$. (The notes print the
# factor in front of the sum as a binomial coefficient $\binom{N}{|B|}$; with that factor
# the mean would be $\binom{N}{|B|}\frac{|B|}{N}$ times the gradient, so we use $N/|B|$,
# which reduces to eq. 2.5 when $|B| = 1$, and check it below.)
#
# The library gives every per-example gradient at once: the Jacobian of the vector of the
# $N$ losses $L_i(\theta)$ with respect to $\theta$ is the $N \times 3$ matrix whose row $i$ is
# $\nabla L_i(\theta)$.

# %%
N_PER_CLASS = 100
X, y = data.two_gaussians(N_PER_CLASS, rng=np.random.default_rng(0), shuffle=False)
N = len(X)
assert N == 200
Xt, yt = am.Tensor(X), am.Tensor(y)


def per_example_losses(theta):
    """L_i(theta) = -log sigma(y_i (w . x_i + b)) for every i; theta = (w1, w2, b)."""
    return -am.log_sigmoid(yt * (Xt @ theta[:2] + theta[2]))


def full_loss(theta):
    """L_N(theta): the sum over the N observations."""
    return per_example_losses(theta).sum()


per_example_grads = am.jacobian(per_example_losses)
full_grad = am.grad(full_loss)

theta = np.array([0.3, -0.8, 0.5])              # any point will do; not the optimum
G = per_example_grads(theta).numpy()             # row i: grad L_i(theta)
g_full = full_grad(theta).numpy()
assert G.shape == (N, 3)
assert np.allclose(G.sum(axis=0), g_full, rtol=1e-12, atol=1e-12)
# the per-example rows are the hand formula -y_i sigma(-z_i) (x_i, 1) of notebook 3
u = y / (1 + np.exp(y * (X @ theta[:2] + theta[2])))
assert np.allclose(G, -u[:, None] * np.column_stack([X, np.ones(N)]), rtol=1e-12,
                   atol=1e-14)
# exactly: the pi-weighted average of the N possible values of grad l_I is the full gradient
assert np.allclose(np.mean(N * G, axis=0), g_full, rtol=1e-12, atol=1e-12)
print("full gradient grad L_N(theta):", g_full.round(4))

# %% [markdown]
# ## Exercise 2.3, numerically
#
# Draw many independent estimates and compare their mean with $\nabla\mathcal{L}_N$. The
# mean of $R$ draws has standard error $s/\sqrt{R}$ (with $s$ the sample standard deviation
# of the draws), so for an unbiased estimator the difference, divided by the standard error,
# behaves like a standard normal number: within $\pm 4$ with overwhelming probability. A
# biased estimator — $l_I$ without its factor $N$, for one — misses by thousands of standard
# errors.
#
# For mini-batches, $l_B$ is $N$ times the mean of $|B|$ values drawn without replacement from
# the $N$ rows, so its variance per coordinate is
# $N^2\,\frac{s_N^2}{|B|}\,\frac{N - |B|}{N - 1}$, with $s_N^2$ the variance of the $N$ rows:
# a batch of 20 is about 22 times less volatile than a single example.

# %%
DRAWS = 40_000
BATCH_SIZES = (1, 5, 20, 100)
rng = np.random.default_rng(1)


def draw_estimates(batch_size, draws):
    """`draws` independent values of grad l_B, |B| = batch_size (grad l_I when it is 1)."""
    if batch_size == 1:
        index = rng.integers(N, size=(draws, 1))                     # I ~ pi
    else:                                                            # distinct indices
        index = np.argsort(rng.random((draws, N)), axis=1)[:, :batch_size]
    return N / batch_size * G[index].sum(axis=1)


def z_scores(estimates):
    se = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    return (estimates.mean(axis=0) - g_full) / se


population_var = G.var(axis=0)                   # s_N^2 per coordinate
variances = {}
for size in BATCH_SIZES:
    est = draw_estimates(size, DRAWS)
    z = z_scores(est)
    predicted = N**2 * population_var / size * (N - size) / (N - 1)
    variances[size] = (est.var(axis=0, ddof=1), predicted)
    print(f"|B| = {size:3d}: mean of {DRAWS} estimates {est.mean(axis=0).round(3)}, "
          f"(mean - full) / s.e. = {z.round(2)}")
    assert np.all(np.abs(z) < 4), (size, z)
    assert np.allclose(variances[size][0], predicted, rtol=0.05), size

# without its factor N, the single-example gradient estimates grad L_N / N: badly biased
z_unscaled = z_scores(draw_estimates(1, DRAWS) / N)
print("grad L_I without the factor N: (mean - full) / s.e. =", z_unscaled.round(0))
assert np.all(np.abs(z_unscaled) > 1000)
ratio = variances[1][0] / variances[20][0]
print(f"variance of grad l_I / variance of grad l_B with |B| = 20: {ratio.round(1)}")
assert np.all((ratio > 18) & (ratio < 27))

fig, ax = plt.subplots(figsize=(6.5, 3.8))
sizes = np.array(BATCH_SIZES)
for k, name in enumerate(["$w_1$", "$w_2$", "$b$"]):
    measured = [variances[s][0][k] for s in BATCH_SIZES]
    ax.loglog(sizes, measured, "o", label=f"measured, {name}")
    ax.loglog(sizes, [variances[s][1][k] for s in BATCH_SIZES], "k-", lw=0.6)
ax.set_xlabel("batch size $|B|$")
ax.set_ylabel(r"variance of $\partial l_B / \partial\theta_k$")
ax.set_title(r"Unbiased at every $|B|$; variance $N^2 s_N^2 (N - |B|) / (|B|(N - 1))$ (lines)")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Algorithm 1 next to the shuffled epoch
#
# Algorithm 1 repeats: draw $I \sim \pi$ — uniformly, *with replacement* (re-injection) —
# and step $\theta \leftarrow \theta - \eta\,\nabla l_I(\theta)$. The slides' form instead
# shuffles the data and visits every example exactly once per epoch. Both run here from
# $\theta = 0$ for 20 epochs of $N$ updates with `optim.SGD` and the library's gradient of
# $l_I$, and the mini-batch version of Algorithm 1 ($|B| = 20$ distinct indices per step,
# $\theta \leftarrow \theta - \eta\,\nabla l_B(\theta)$) takes as many updates, each
# averaging 20 examples.
#
# Because $l_I$ is $N$ times one example's loss, a step of $\eta\,\nabla l_I$ with
# $\eta = 5\cdot 10^{-4}$ equals a step of $0.1$ on the *mean* loss's single-example gradient
# — the setting of notebook 6.
#
# With replacement, an example is missed by all $N$ draws of an epoch with probability
# $(1 - 1/N)^N \approx e^{-1} \approx 36.8\%$; and if an epoch is counted, as the notes
# suggest, as the draws needed until every example has been sampled at least once, it lasts
# $N(1 + \frac12 + \dots + \frac1N) \approx 1176$ draws on average (the coupon collector).

# %%
ETA, EPOCHS, MINI_BATCH = 5e-4, 20, 20
theta_star = np.zeros(3)
for _ in range(15):                                # Newton's method for the optimum
    theta_star -= np.linalg.solve(am.hessian(full_loss)(theta_star).numpy(),
                                  full_grad(theta_star).numpy())
loss_star = full_loss(am.Tensor(theta_star)).item()
assert np.linalg.norm(full_grad(theta_star).numpy()) < 1e-9


def record(theta_t):
    """The excess full-data loss, in NumPy (a record of progress, not part of training)."""
    w1, w2, b = theta_t.numpy()
    return float(np.logaddexp(0.0, -y * (X @ [w1, w2] + b)).sum()) - loss_star


def run(batches):
    """SGD steps theta <- theta - eta grad l_B, l_B = N/|B| sum_{i in B} L_i, one per batch."""
    theta_t = am.Tensor(np.zeros(3), requires_grad=True)
    opt = optim.SGD([theta_t], lr=ETA)
    excess = [record(theta_t)]
    for batch in batches:
        xb, yb = am.Tensor(X[batch]), am.Tensor(y[batch])
        l_B = -N / len(batch) * am.log_sigmoid(yb * (xb @ theta_t[:2] + theta_t[2])).sum()
        opt.zero_grad()
        l_B.backward()
        opt.step()
        excess.append(record(theta_t))
    return np.array(excess)


gen = np.random.default_rng(2)
batches = {  # index arrays, EPOCHS * N updates each
    "Algorithm 1, |B| = 1 (with replacement)":
        [gen.integers(N, size=1) for _ in range(EPOCHS * N)],
    "shuffled epochs, |B| = 1":
        np.concatenate([gen.permutation(N) for _ in range(EPOCHS)]).reshape(-1, 1),
    f"Algorithm 1, |B| = {MINI_BATCH}":
        [gen.choice(N, MINI_BATCH, replace=False) for _ in range(EPOCHS * N)],
}
runs = {name: run(b) for name, b in batches.items()}
ex_alg1, ex_shuf, ex_mini = runs.values()
idx_alg1, idx_shuf, _ = (np.concatenate(b) for b in batches.values())
missed = np.mean([N - len(np.unique(e)) for e in idx_alg1.reshape(EPOCHS, N)]) / N
print(f"Algorithm 1: examples missed per epoch {100 * missed:.1f}% "
      f"(expected {100 * (1 - 1 / N) ** N:.1f}%)")
assert abs(missed - (1 - 1 / N) ** N) < 0.03      # sampling with replacement
assert all(np.array_equal(np.sort(e), np.arange(N)) for e in idx_shuf.reshape(EPOCHS, N))

# the notes' epoch: draws until every example has been seen at least once
collector = []
for _ in range(300):
    gen, seen_once, draws = np.random.default_rng(len(collector) + 100), np.zeros(N, bool), 0
    while not seen_once.all():
        seen_once[gen.integers(N)] = True
        draws += 1
    collector.append(draws)
expected = N * np.sum(1 / np.arange(1, N + 1))
se = np.std(collector, ddof=1) / np.sqrt(len(collector))
print(f"draws until all {N} examples are seen: {np.mean(collector):.0f} ± {se:.0f} "
      f"(N H_N = {expected:.0f})")
assert abs(np.mean(collector) - expected) < 4 * se

last5 = {}
for name, ex in runs.items():
    last5[name] = ex[-5 * N:]                          # the last 5 epochs' updates
    print(f"{name:42s} excess loss: final {ex[-1]:.4f}, over the last 5 epochs mean "
          f"{last5[name].mean():.4f}, max {last5[name].max():.4f}")
# all three settle near the optimum; averaging 20 examples per step calms the jitter
for name, ex in runs.items():
    assert last5[name].mean() < 0.02 * ex[0], name
tail_alg1, tail_shuf, tail_mini = last5.values()
assert tail_mini.max() < 0.2 * min(tail_alg1.max(), tail_shuf.max())
assert tail_shuf.mean() < tail_alg1.mean()                  # as the takeaway below says

fig, ax = plt.subplots(figsize=(8, 4))
for name, ex in runs.items():
    ax.semilogy(np.linspace(0, EPOCHS, len(ex)), ex, lw=0.7, label=name)
ax.set_xlabel("updates / $N$")
ax.set_ylabel(r"$\mathcal{L}_N(\theta) - \mathcal{L}_N^*$")
ax.set_title(rf"SGD on $l_I$ and $l_B$, $\eta = {ETA:g}$")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## What to take away
#
# * Scaling one example's loss by $N$ (or a batch's by $N/|B|$) makes its gradient an
#   unbiased estimate of the full gradient; the notebook confirms it to within a few standard
#   errors (every |z| < 4), and shows the bias when the factor is forgotten.
# * The price of the cheap estimate is its variance, which falls like $1/|B|$ (a little
#   faster, because the batch is drawn without replacement).
# * Sampling with replacement (Algorithm 1) and shuffled epochs (the slides) both bring the
#   loss down to a noisy floor set by the step size (here the shuffled epochs end about half
#   as high); in an epoch of $N$ draws the first misses about 37% of the examples, the second
#   none.
