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
# # Logistic regression by gradient descent
#
# Logistic regression has no closed-form minimiser, so it is trained by gradient descent.
# This notebook
#
# * derives the gradient of the loss by hand and checks that the library computes the same;
# * checks the same gradient in the 0/1-label form of the "Optimization and gradient descent"
#   slides;
# * runs gradient descent as the notes do — summed loss, $w$ drawn from $\mathcal{N}(0, 1)$,
#   $b = 0$, $\eta = 0.1$ — on two Gaussian classes of 100 points each and plots the loss
#   against the iterations;
# * draws the decision boundary after $0, 10, 10^2, 10^3$ and $10^4$ iterations, the notes'
#   stages, next to the boundary of linear discriminant analysis (LDA), computed in closed
#   form, and asserts the accuracy at each stage;
# * checks that the trained classifier is as accurate as LDA, within one percentage point.

# %%
# ruff: noqa: E402
import itertools
import warnings

warnings.simplefilter("error")  # a NumPy or matplotlib warning fails the notebook...
warnings.filterwarnings("ignore", module="ipykernel")  # ...the kernel's own notices do not

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

import autograd_mini as am
import nn.functional as F
from autograd_mini import data

# %% [markdown]
# ## Model, loss and data
#
# The model gives the probability of the positive class as
# $P(Y = 1 \mid X = x) = \sigma(w\cdot x + b)$ with $\sigma(z) = 1/(1 + e^{-z})$. With labels
# $y_n \in \{-1, +1\}$ the probability of the observed label is $\sigma(y_n(w\cdot x_n + b))$
# for either class (because $1 - \sigma(z) = \sigma(-z)$), and the negative log-likelihood
# of the training set is
#
# $$\mathcal{L}(w, b) = -\sum_{n} \log\sigma\bigl(y_n(w\cdot x_n + b)\bigr).$$
#
# In the library this is `nn.functional.soft_margin_loss(scores, labels, reduction="sum")`.
# The data: 100 points from each of two Gaussians with different means and the same
# covariance, the setting in which LDA is the optimal linear rule. The notes give neither the
# means nor the covariance; we choose long thin clouds (standard deviations 1 and 0.1) away
# from the origin, the same as the demo's. They make the loss a narrow curved valley, so that
# $\eta = 0.1$ improves the boundary gradually over the notes' stages, as in their figure;
# round clouds around the origin converge within a hundred iterations.

# %%
N_PER_CLASS = 100
MEANS = ((0.25, -0.65), (1.75, -0.35))
COV = ((1.0, 0.0), (0.0, 0.01))
X, y = data.two_gaussians(N_PER_CLASS, rng=np.random.default_rng(0), mean0=MEANS[0],
                          mean1=MEANS[1], cov=COV, shuffle=False)  # class 0 first, as the notes
assert X.shape == (200, 2) and set(np.unique(y)) == {-1.0, 1.0}
assert np.sum(y == 1) == np.sum(y == -1) == 100
Xt, yt = am.Tensor(X), am.Tensor(y)


def loss(w, b):
    return F.soft_margin_loss(Xt @ w + b, yt, reduction="sum")


def loss_np(w, b):
    return np.sum(np.logaddexp(0.0, -y * (X @ w + b)))   # -log sigma(z) = log(1 + e^-z)


rng = np.random.default_rng(1)
for _ in range(3):
    w_, b_ = rng.normal(size=2), rng.normal()
    assert np.isclose(loss(am.Tensor(w_), am.Tensor(b_)).item(), loss_np(w_, b_), rtol=1e-13)

# %% [markdown]
# ## The gradient, by hand
#
# Differentiating $\log\sigma$ gives
# $(\log\sigma)'(z) = \sigma'(z)/\sigma(z) = 1 - \sigma(z) = \sigma(-z)$. By the chain rule,
# with $z_n = y_n(w\cdot x_n + b)$,
#
# $$\frac{\partial\mathcal{L}}{\partial b} = -\sum_n \underbrace{y_n\,\sigma(-z_n)}_{u_n},
#   \qquad
#   \frac{\partial\mathcal{L}}{\partial w_d} = -\sum_n \underbrace{x_{n,d}\, u_n}_{v_{n,d}}.$$
#
# Each point pulls on the parameters with a weight $\sigma(-z_n)$: close to 1 for a point on
# the wrong side of the boundary, close to 0 for a point confidently on the right side.
# Below, the hand-derived formula (NumPy) against the library's reverse-mode gradient at a
# few random parameter values.


# %%
def gradient_by_hand(w, b):
    u = y / (1 + np.exp(y * (X @ w + b)))      # y_n sigma(-z_n)
    v = X * u[:, None]
    return -v.sum(axis=0), -u.sum()


value_and_grad = am.value_and_grad(loss, argnums=(0, 1))
for _ in range(5):
    w_, b_ = 2 * rng.normal(size=2), rng.normal()
    _, (gw, gb) = value_and_grad(w_, b_)
    hw, hb = gradient_by_hand(w_, b_)
    assert np.allclose(gw.numpy(), hw, rtol=1e-12, atol=1e-12)
    assert np.isclose(gb.item(), hb, rtol=1e-12, atol=1e-12)
print("hand-derived gradient at the last point:", hw.round(6), round(hb, 6))
print("library gradient at the last point:     ", gw.numpy().round(6), round(gb.item(), 6))

# %% [markdown]
# ## The same gradient with 0/1 labels
#
# The "Optimization and gradient descent" slides write the same model with labels
# $y_n \in \{0, 1\}$ and the intercept folded into $\theta$ (so $\theta^\top\tilde x_n =
# w\cdot x_n + b$ with $\tilde x_n = (x_n, 1)$): the negative log-likelihood
# $-\sum_n \bigl[y_n\log\sigma(\theta^\top\tilde x_n) + (1 - y_n)\log(1 - \sigma(\theta^\top
# \tilde x_n))\bigr]$, whose gradient is
#
# $$\nabla_\theta\,\mathrm{NLL}(\theta) = -\sum_n \bigl(y_n - \sigma(w\cdot x_n + b)\bigr)\,
#   \tilde x_n .$$
#
# With $y_n^{01} = (y_n + 1)/2$ it is the same function as $\mathcal{L}(w, b)$ above, so its
# gradient must be too. Below, this formula against the library's gradient of the 0/1 loss
# (`binary_cross_entropy_with_logits`, summed), against the library's gradient of the
# $\pm 1$ loss, and against $u_n$, $v_{n,d}$ of the previous cell.


# %%
y01 = (y + 1) / 2
assert set(np.unique(y01)) == {0.0, 1.0}


def gradient_01_by_hand(w, b):
    """-sum_n (y_n - sigma(w . x_n + b)) (x_n, 1), labels 0/1."""
    r = y01 - 1 / (1 + np.exp(-(X @ w + b)))
    return -(X * r[:, None]).sum(axis=0), -r.sum()


def loss_01(w, b):
    return F.binary_cross_entropy_with_logits(Xt @ w + b, y01, reduction="sum")


grad_01 = am.grad(loss_01, argnums=(0, 1))
for _ in range(5):
    w_, b_ = 2 * rng.normal(size=2), rng.normal()
    hw01, hb01 = gradient_01_by_hand(w_, b_)
    lw01, lb01 = grad_01(w_, b_)
    _, (gw, gb) = value_and_grad(w_, b_)
    hw, hb = gradient_by_hand(w_, b_)
    assert np.isclose(loss_01(w_, b_).item(), loss(w_, b_).item(), rtol=1e-12)
    for hand, library in [(hw01, lw01), (hb01, lb01), (hw01, gw), (hb01, gb), (hw01, hw),
                          (hb01, hb)]:
        assert np.allclose(hand, np.asarray(library), rtol=1e-12, atol=1e-12)
print("0/1-label gradient by hand:", hw01.round(6), round(hb01, 6))
print("library, 0/1 loss:         ", lw01.numpy().round(6), round(lb01.item(), 6))

# %% [markdown]
# ## Gradient descent with $\eta = 0.1$
#
# As in the notes, $w$ starts from a standard normal draw and $b$ from 0, and each iteration
# takes the step $(w, b) \leftarrow (w, b) - \eta\,\nabla\mathcal{L}(w, b)$ with the
# library's gradient of the summed loss and $\eta = 0.1$. We keep the parameters after
# $n = 0, 10, 10^2, 10^3$ and $10^4$ iterations, the stages of the notes' figure.
#
# The loss is a *sum* over 200 points, so its gradient is large and $\eta = 0.1$ is a bold
# step: for the first few hundred iterations the iterate overshoots across the valley and the
# loss goes up at some steps, while it crawls along the valley towards the minimum. It has
# arrived by $10^3$ iterations, at a point where $\eta = 0.1$ is inside the stability limit
# $2/\lambda_1$ (notebook 6), and the loss falls at every step from then on.

# %%
ETA = 0.1
STAGES = (0, 10, 100, 1_000, 10_000)
eta, n_iter = ETA, max(STAGES)
w = np.random.default_rng(10).normal(size=2)      # w ~ N(0, 1)
b = 0.0
history, snapshots = [], {}
for n in range(n_iter + 1):
    value, (gw, gb) = value_and_grad(w, b)
    history.append(value.item())
    if n in STAGES:
        snapshots[n] = (w.copy(), b)
    if n < n_iter:
        w = w - eta * gw.numpy()
        b = b - eta * gb.item()
history = np.array(history)
for n in STAGES:
    print(f"n = {n:6d}: loss {history[n]:9.4f}, w = {snapshots[n][0].round(3)}, "
          f"b = {snapshots[n][1]:.3f}")

w_final, b_final = snapshots[n_iter]
grad_norm = np.linalg.norm(np.append(*gradient_by_hand(w_final, b_final)))
print(f"|gradient| after {n_iter} iterations: {grad_norm:.1e}")
assert grad_norm < 1e-8, grad_norm                # converged to a stationary point
assert all(history[m] > history[n] for m, n in itertools.pairwise(STAGES))
rises = np.diff(history) > 1e-10
print(f"the loss went up at {rises.sum()} of {n_iter} steps, the last time at step "
      f"{np.nonzero(rises)[0].max() + 1}")
assert rises.sum() > 0 and not rises[STAGES[3]:].any()   # overshoots before 10^3 only
# eta = 0.1 is just inside the stability limit 2 / lambda_1 at the minimum (notebook 6)
lambda_1 = np.linalg.eigvalsh(am.hessian(lambda t: loss(t[:2], t[2]))(
    np.append(w_final, b_final)).numpy())[-1]
print(f"lambda_1 at the minimum = {lambda_1:.3f}: 2 / lambda_1 = {2 / lambda_1:.4f} > eta")
assert eta < 2 / lambda_1 < 2 * eta

fig, ax = plt.subplots(figsize=(7, 4))
ax.loglog(np.arange(1, n_iter + 2), history, color="tab:blue")
ax.set_xlabel("iteration $n$ + 1")
ax.set_ylabel(r"$\mathcal{L}(w, b)$")
ax.set_title(rf"Training loss, {len(X)} points, $\eta = {eta}$ (dotted: the stages drawn "
             "below)")
for n in STAGES[1:]:
    ax.axvline(n + 1, color="gray", lw=0.6, ls=":")
fig.tight_layout()

# %% [markdown]
# ## Linear discriminant analysis, in closed form
#
# LDA models each class as a Gaussian with its own mean $\mu_\pm$ and a covariance $\Sigma$
# shared by both. Comparing the two class log-densities, the quadratic terms cancel and the
# rule is linear: predict $+1$ when $w\cdot x + b > 0$ with
#
# $$w = \Sigma^{-1}(\mu_+ - \mu_-), \qquad
#   b = -\tfrac12(\mu_+ + \mu_-)\cdot w + \log\frac{\pi_+}{\pi_-},$$
#
# where the means and the pooled covariance are estimated from the training data and the
# priors $\pi_\pm$ are the class proportions (equal here, so the log term is 0).
# scikit-learn's LDA serves as an independent check.

# %%
mu_pos, mu_neg = X[y > 0].mean(axis=0), X[y < 0].mean(axis=0)
centred = np.concatenate([X[y > 0] - mu_pos, X[y < 0] - mu_neg])
sigma = centred.T @ centred / (len(X) - 2)
w_lda = np.linalg.solve(sigma, mu_pos - mu_neg)
b_lda = -0.5 * (mu_pos + mu_neg) @ w_lda + np.log(np.mean(y > 0) / np.mean(y < 0))
print(f"LDA: w = {w_lda.round(4)}, b = {b_lda:.4f}")

reference = LinearDiscriminantAnalysis().fit(X, y)
coef = reference.coef_.ravel()
cosine = coef @ w_lda / np.linalg.norm(coef) / np.linalg.norm(w_lda)
assert cosine > 1 - 1e-12
X_test, y_test = data.two_gaussians(5000, rng=np.random.default_rng(123), mean0=MEANS[0],
                                    mean1=MEANS[1], cov=COV, shuffle=False)
assert np.array_equal(reference.predict(X_test), np.where(X_test @ w_lda + b_lda > 0, 1, -1))

# %% [markdown]
# ## Accuracy
#
# The training accuracy, and the accuracy on 10,000 fresh points from the same two
# Gaussians. `am.accuracy` thresholds the scores at 0 for $\pm 1$ labels.

# %%


def accuracy(w, b, X, y):
    return am.accuracy(am.Tensor(X @ w + b), y)


acc = {
    "logistic regression": (accuracy(w_final, b_final, X, y),
                            accuracy(w_final, b_final, X_test, y_test)),
    "LDA": (accuracy(w_lda, b_lda, X, y), accuracy(w_lda, b_lda, X_test, y_test)),
}
for name, (train_acc, test_acc) in acc.items():
    print(f"{name:20s} training accuracy {100 * train_acc:5.1f}%, test accuracy "
          f"{100 * test_acc:6.2f}%")
(lr_train, lr_test), (lda_train, lda_test) = acc.values()
assert np.isclose(lr_test, np.mean(np.sign(X_test @ w_final + b_final) == y_test))
assert abs(lr_train - lda_train) <= 0.01 and abs(lr_test - lda_test) <= 0.01
assert lr_test > 0.9
# the untrained start is far worse
assert accuracy(*snapshots[0], X_test, y_test) < lr_test - 0.1
# the two boundaries point in nearly the same direction
cos_lr_lda = w_final @ w_lda / np.linalg.norm(w_final) / np.linalg.norm(w_lda)
print(f"cosine between the logistic-regression and LDA weight vectors: {cos_lr_lda:.4f}")
assert cos_lr_lda > 0.99

# %% [markdown]
# ## The decision boundary during training
#
# As in the notes' figure, each panel colours the plane by the predicted class (red: class 0,
# i.e. $y = -1$; green: class 1) over the two populations (black), after $n = 0, 10, 10^2,
# 10^3$ and $10^4$ iterations, with LDA's boundary last (and dashed in every panel). The
# random start points the wrong way; the boundary first turns across the clouds, then slowly
# tilts until, from $10^3$ iterations on, it nearly coincides with LDA's. The test accuracy
# rises at every stage; the values are pinned below, so a change
# of the step size, the stages, the initialisation, the loss or the data shows up here.

# %%
STAGE_TEST_ACCURACY = {0: 0.2494, 10: 0.7553, 100: 0.9076, 1_000: 0.9516, 10_000: 0.9521}
stage_accuracy = {n: accuracy(*snapshots[n], X_test, y_test) for n in STAGES}
for n in STAGES:
    print(f"n = {n:6d}: test accuracy {100 * stage_accuracy[n]:.2f}%")
assert list(stage_accuracy) == list(STAGE_TEST_ACCURACY), list(stage_accuracy)
assert np.allclose(list(stage_accuracy.values()), list(STAGE_TEST_ACCURACY.values()),
                   rtol=0, atol=1e-9), stage_accuracy
acc_by_stage = list(stage_accuracy.values())
assert all(a < b for a, b in itertools.pairwise(acc_by_stage))       # gradual improvement
assert abs(acc_by_stage[-1] - lda_test) <= 0.01                       # 10^4: LDA's accuracy

lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
plane = np.stack([g1.ravel(), g2.ravel()], axis=1)
cmap = ListedColormap(["#f4b6b0", "#b9e3b0"])


def line_points(w, b):
    """Two points of the line w . x + b = 0 inside the frame."""
    if abs(w[1]) > abs(w[0]):
        xs = np.array([lo[0], hi[0]])
        return xs, -(b + w[0] * xs) / w[1]
    ys = np.array([lo[1], hi[1]])
    return -(b + w[1] * ys) / w[0], ys


def stage_title(n):
    return f"n = {n}" if n < 100 else f"n = $10^{{{round(np.log10(n))}}}$"


panels = [(stage_title(n), *snapshots[n]) for n in STAGES] + [("LDA", w_lda, b_lda)]
fig, axes = plt.subplots(2, 3, figsize=(13, 8.5), sharex=True, sharey=True)
for ax, (title, w_, b_) in zip(axes.flat, panels):
    pred = np.where(plane @ w_ + b_ > 0, 1, 0).reshape(g1.shape)
    ax.pcolormesh(g1, g2, pred, cmap=cmap, vmin=0, vmax=1, shading="auto")
    ax.scatter(*X[y < 0].T, s=10, marker="o", facecolors="none", edgecolors="black",
               linewidths=0.6, label="class 0 ($y = -1$)")
    ax.scatter(*X[y > 0].T, s=10, marker="x", color="black", linewidths=0.6,
               label="class 1 ($y = +1$)")
    if title != "LDA":
        ax.plot(*line_points(w_lda, b_lda), color="black", lw=1, ls="--",
                label="LDA boundary")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_title(f"{title}: test accuracy {100 * accuracy(w_, b_, X_test, y_test):.1f}%")
for ax in axes[-1]:
    ax.set_xlabel("$x_1$")
for ax in axes[:, 0]:
    ax.set_ylabel("$x_2$")
axes[0, 0].legend(fontsize=8, loc="lower right")
fig.suptitle(rf"Logistic regression trained by gradient descent ($\eta = {eta}$) against LDA")
fig.tight_layout()
