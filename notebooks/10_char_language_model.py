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
# # A character-level language model
#
# A language model over characters gives the probability of the next character given the
# ones before it; multiplying these conditionals scores a whole word, and drawing from them
# one character at a time generates new words. This notebook trains two such models on a
# list of made-up names and compares them with count-based baselines:
#
# 1. a neural probabilistic language model in the style of Bengio et al. (2003): the last
#    three characters are looked up in a learned embedding table, the three vectors are
#    concatenated and passed through a tanh hidden layer to the logits of the next character;
# 2. a one-block causal self-attention model: token and position embeddings, one
#    multi-head attention layer in which position $t$ may only look at positions $\le t$, a
#    residual connection with layer normalisation, and a linear read-out at every position.
#
# Both are trained with the softmax cross-entropy and Adam on mini-batches. The notebook
# shows the training curves, compares held-out losses with the unigram and bigram count
# models, samples new names from both, and draws the attention pattern of one name.

# %%
# ruff: noqa: E402
import re
import time
import warnings

warnings.simplefilter("error")  # a NumPy or matplotlib warning fails the notebook...
warnings.filterwarnings("ignore", module="ipykernel")  # ...the kernel's own notices do not

import matplotlib.pyplot as plt
import numpy as np

import autograd_mini as am
import nn
import optim

F = nn.functional
T_START = time.perf_counter()

# %% [markdown]
# ## The data: names from a syllable grammar
#
# Nothing is downloaded: the names come from a small grammar, drawn with a seeded generator.
# A name is
#
# $$\text{name} = \text{syllable}^{k}\ \text{coda}^{?}, \qquad
#   \text{syllable} = \text{onset}\ \text{vowel}, \qquad k \in \{2, 3, 4\}$$
#
# with $k = 2, 3, 4$ drawn with probabilities 0.45, 0.4, 0.15, and
#
# * onset: one of `b d f g k l m n p r s t v z` or the clusters `br dr kr st th sh`
#   (the clusters together a fifth of the time);
# * vowel: with *vowel harmony* — each name is either "front" (vowels `e i`, diphthong `ei`)
#   or "back" (vowels `a o u`, diphthongs `ou ai`), with probability ½ each, and all its
#   vowels come from its class (a diphthong a tenth of the time);
# * coda (word-final only, with probability 0.4): one of `n r s l`.
#
# Onsets, vowels and codas are not uniform: each list has Zipf-like weights $\propto 1/r$ for
# the $r$-th entry, so some letters are much more common than others, as in real names. The
# same grammar written as a regular expression decides below whether a generated name is
# *plausible* — whether the grammar could have produced it. Vowel harmony is a long-range
# rule on purpose: the vowel of the previous syllable sits two or three characters back,
# out of sight of a bigram model, so a model with more context has something to learn.

# %%
ONSETS_1 = list("bdfgklmnprstvz")
CLUSTERS = ["br", "dr", "kr", "st", "th", "sh"]
HARMONY = {"front": (list("ei"), ["ei"]),           # (single vowels, diphthongs)
           "back": (list("aou"), ["ou", "ai"])}
CODAS = list("nrsl")
N_NAMES = 3000


def zipf(n):
    w = 1.0 / np.arange(1, n + 1)
    return w / w.sum()


def choose(rng, items):
    return items[rng.choice(len(items), p=zipf(len(items)))]


def make_name(rng):
    k = rng.choice([2, 3, 4], p=[0.45, 0.4, 0.15])
    singles, diphthongs = HARMONY["front" if rng.random() < 0.5 else "back"]
    parts = []
    for _ in range(k):
        parts.append(choose(rng, CLUSTERS if rng.random() < 0.2 else ONSETS_1))
        parts.append(choose(rng, diphthongs if rng.random() < 0.1 else singles))
    if rng.random() < 0.4:
        parts.append(choose(rng, CODAS))
    return "".join(parts)


ONSET_RE = "(?:" + "|".join(CLUSTERS + ONSETS_1) + ")"
GRAMMAR = [re.compile(f"(?:{ONSET_RE}(?:{'|'.join(d + s)})){{2,4}}[{''.join(CODAS)}]?")
           for s, d in HARMONY.values()]


def plausible(name):
    """Could the grammar have produced `name`? (Either harmony class.)"""
    return any(g.fullmatch(name) for g in GRAMMAR)


gen = np.random.default_rng(0)
names = [make_name(gen) for _ in range(N_NAMES)]
assert all(plausible(n) for n in names)
unique = sorted(set(names))
order = np.random.default_rng(1).permutation(len(unique))
n_train = int(0.9 * len(unique))
train_names = [unique[i] for i in order[:n_train]]
val_names = [unique[i] for i in order[n_train:]]
train_set = set(train_names)
assert not train_set & set(val_names)
print(f"{N_NAMES} names drawn, {len(unique)} distinct: {len(train_names)} for training, "
      f"{len(val_names)} held out")
print("first ten:", names[:10])
lengths = np.array([len(n) for n in unique])
print(f"lengths {lengths.min()}..{lengths.max()}, mean {lengths.mean():.1f}")
assert len(unique) > 2000 and len(train_names) + len(val_names) == len(unique)
assert lengths.min() >= 4 and lengths.max() <= 17 and 5 < lengths.mean() < 9

# %% [markdown]
# ## Vocabulary and the count baselines
#
# The vocabulary is the letters that occur plus one special token `.`, which marks both the
# start and the end of a name: the models read `.` before the first letter and must predict
# `.` after the last one, which is how they learn when to stop. The uniform model gives every
# token probability $1/V$, a loss of $\log V$ nats per character; the unigram model uses the
# training frequencies of the characters; the bigram model counts how often each character
# follows each other one (with add-one smoothing, so no held-out pair has probability 0).
# Every loss below is the mean negative log-likelihood, in nats, of the same targets: each
# letter of a name and its final `.`.

# %%
chars = sorted(set("".join(unique)))
itos = [".", *chars]
stoi = {c: i for i, c in enumerate(itos)}
V = len(itos)
END = 0
print(f"vocabulary ({V} tokens):", "".join(itos))
assert len(chars) + 1 == V and stoi["."] == END


def encode(name):
    return [stoi[c] for c in name] + [END]


def pairs(name_list):
    """(previous token, next token) for every target of every name; the first
    'previous token' is the start token."""
    prev, nxt = [], []
    for name in name_list:
        ids = encode(name)
        prev += [END, *ids[:-1]]
        nxt += ids
    return np.array(prev), np.array(nxt)


prev_tr, next_tr = pairs(train_names)
prev_va, next_va = pairs(val_names)
uniform_loss = np.log(V)
unigram = np.bincount(next_tr, minlength=V) + 1.0
unigram /= unigram.sum()
bigram = np.ones((V, V))
np.add.at(bigram, (prev_tr, next_tr), 1.0)
bigram /= bigram.sum(axis=1, keepdims=True)
baseline = {
    "uniform": uniform_loss,
    "unigram": -np.log(unigram[next_va]).mean(),
    "bigram": -np.log(bigram[prev_va, next_va]).mean(),
}
for k, v in baseline.items():
    print(f"held-out loss, {k:8s} model: {v:.3f} nats/char")
assert baseline["bigram"] < baseline["unigram"] < baseline["uniform"]

# %% [markdown]
# ## Model 1: embedding + MLP on a context of three characters
#
# Each target is predicted from the three tokens before it (padded on the left with `.`, so
# the first letter of a name is predicted from `...`). With an embedding table
# $C \in \mathbb{R}^{V \times d}$,
#
# $$x = [C_{c_1}; C_{c_2}; C_{c_3}] \in \mathbb{R}^{3d}, \qquad
#   h = \tanh(W_1 x + b_1), \qquad \text{logits} = W_2 h + b_2 .$$
#
# The table is learned with the rest: characters that behave alike (the vowels, say) end up
# with nearby vectors, which is what lets the model generalise to contexts it never saw.

# %%
CONTEXT = 3


def windows(name_list):
    xs, ys = [], []
    for name in name_list:
        ctx = [END] * CONTEXT
        for t in encode(name):
            xs.append(ctx)
            ys.append(t)
            ctx = [*ctx[1:], t]
    return np.array(xs), np.array(ys)


X_tr, Y_tr = windows(train_names)
X_va, Y_va = windows(val_names)
assert np.array_equal(Y_va, next_va)            # the same targets as the baselines


class MLPLanguageModel(nn.Module):
    def __init__(self, vocab, dim, hidden, rng):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, rng=rng)
        self.hidden = nn.Linear(CONTEXT * dim, hidden, rng=rng)
        self.out = nn.Linear(hidden, vocab, rng=rng)

    def forward(self, idx):
        e = self.emb(idx)                              # (B, 3, d)
        x = e.reshape(e.shape[0], -1)                  # concatenate: (B, 3d)
        return self.out(self.hidden(x).tanh())         # (B, V)


am.manual_seed(0)
rng = np.random.default_rng(0)
mlp = MLPLanguageModel(V, dim=10, hidden=64, rng=rng)
opt = optim.Adam(mlp.parameters(), lr=1e-2)
MLP_STEPS, MLP_BATCH = 1500, 128
mlp_curve, mlp_val_curve = [], []
for step in range(MLP_STEPS):
    ix = rng.integers(len(X_tr), size=MLP_BATCH)
    loss = F.cross_entropy(mlp(X_tr[ix]), Y_tr[ix])
    opt.zero_grad()
    loss.backward()
    opt.step()
    mlp_curve.append(loss.item())
    if step % 100 == 99:
        with am.no_grad():
            mlp_val_curve.append((step + 1, F.cross_entropy(mlp(X_va), Y_va).item()))
with am.no_grad():
    mlp_train_loss = F.cross_entropy(mlp(X_tr), Y_tr).item()
    mlp_val_loss = F.cross_entropy(mlp(X_va), Y_va).item()
print(f"MLP loss: training {mlp_train_loss:.3f}, held out {mlp_val_loss:.3f} nats/char")

# %% [markdown]
# ## Model 2: one block of causal self-attention
#
# The attention model reads a whole name at once. Every name becomes `.` followed by its
# letters (the input) and its letters followed by `.` (the targets), padded to a fixed length
# $L$; padded target positions carry the index $-1$, which the cross-entropy ignores, and
# padded inputs are `.`. Because attention is causal — position $t$ attends only to positions
# $s \le t$ — the padding after a name never influences the predictions inside it, and one
# forward pass gives the prediction at every position:
#
# $$z_t = E_{x_t} + P_t, \qquad a = \mathrm{MHA}(z, z, z;\ \text{causal}), \qquad
#   y_t = \mathrm{LayerNorm}(z_t + a_t), \qquad \text{logits}_t = W y_t + b .$$

# %%
L = int(lengths.max()) + 1          # the padded training length
MAX_LEN = 20                        # the longest sequence the model is ever given (sampling)
PAD = -1


def padded(name_list):
    xs = np.full((len(name_list), L), END)
    ys = np.full((len(name_list), L), PAD)
    for i, name in enumerate(name_list):
        ids = encode(name)
        xs[i, 1:len(ids)] = ids[:-1]
        ys[i, :len(ids)] = ids
    return xs, ys


S_tr, T_tr = padded(train_names)
S_va, T_va = padded(val_names)
assert np.array_equal(np.sort(T_va[T_va != PAD]), np.sort(Y_va))   # the same targets again


class AttentionLanguageModel(nn.Module):
    def __init__(self, vocab, length, dim, heads, rng):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim, rng=rng)
        self.pos = nn.Embedding(length, dim, rng=rng)
        self.attn = nn.MultiheadAttention(dim, heads, rng=rng)
        self.norm = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, vocab, rng=rng)

    def forward(self, idx, need_weights=False):
        n = idx.shape[1]
        z = self.tok(idx) + self.pos(np.arange(n))            # (B, n, d)
        a, w = self.attn(z, z, z, is_causal=True, need_weights=need_weights)
        logits = self.out(self.norm(z + a))                   # (B, n, V)
        return (logits, w) if need_weights else logits


def seq_loss(model, xs, ys):
    logits = model(xs)
    return F.cross_entropy(logits.reshape(-1, V), ys.reshape(-1), ignore_index=PAD)


rng = np.random.default_rng(0)
att = AttentionLanguageModel(V, MAX_LEN, dim=32, heads=4, rng=rng)
opt = optim.Adam(att.parameters(), lr=1e-2)
ATT_STEPS, ATT_BATCH = 400, 64
att_curve, att_val_curve = [], []
for step in range(ATT_STEPS):
    ix = rng.integers(len(S_tr), size=ATT_BATCH)
    loss = seq_loss(att, S_tr[ix], T_tr[ix])
    opt.zero_grad()
    loss.backward()
    opt.step()
    att_curve.append(loss.item())
    if step % 50 == 49:
        with am.no_grad():
            att_val_curve.append((step + 1, seq_loss(att, S_va, T_va).item()))
with am.no_grad():
    att_train_loss = seq_loss(att, S_tr, T_tr).item()
    att_val_loss = seq_loss(att, S_va, T_va).item()
print(f"attention loss: training {att_train_loss:.3f}, held out {att_val_loss:.3f} nats/char")

# %% [markdown]
# ## Training curves and held-out losses
#
# Both models start near the uniform loss $\log V$ and fall well below it. On held-out
# names both beat the unigram model by a wide margin and the bigram count model as well: the
# bigram model sees one character of context and so cannot tell a name's second syllable
# from its fourth, nor whether a cluster has just been written.

# %%
def smooth(x, k=25):
    return np.convolve(x, np.ones(k) / k, mode="valid")


fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, curve, val, title in [(axes[0], mlp_curve, mlp_val_curve, "embedding + MLP"),
                              (axes[1], att_curve, att_val_curve, "causal self-attention")]:
    ax.plot(curve, lw=0.5, alpha=0.4, color="C0", label="mini-batch loss")
    ax.plot(np.arange(len(smooth(curve))) + 12, smooth(curve), color="C0",
            label="mini-batch loss (moving average)")
    ax.plot(*zip(*val), "o-", color="C3", ms=3, label="held-out loss")
    for (name, v), c in zip(baseline.items(), ["k", "C2", "C1"]):
        ax.axhline(v, ls="--", lw=1, color=c, label=f"{name} (held out)")
    ax.set_xlabel("Adam step")
    ax.set_title(title)
axes[0].set_ylabel("cross-entropy (nats / character)")
axes[1].legend(fontsize=8)
fig.tight_layout()

for name, curve, train_loss, val_loss in [
        ("MLP", mlp_curve, mlp_train_loss, mlp_val_loss),
        ("attention", att_curve, att_train_loss, att_val_loss)]:
    print(f"{name:9s}: first mini-batch {curve[0]:.3f}, training {train_loss:.3f}, held out "
          f"{val_loss:.3f}  (uniform {uniform_loss:.3f}, unigram {baseline['unigram']:.3f}, "
          f"bigram {baseline['bigram']:.3f})")
    assert abs(curve[0] - uniform_loss) < 0.5                  # starts near log V
    assert train_loss < 0.7 * uniform_loss                     # well below log V
    assert val_loss < baseline["unigram"] - 0.4                # far better than unigram
    assert val_loss < baseline["bigram"] - 0.08                # better than bigram counts
    assert val_loss < train_loss + 0.1                         # no gross overfitting

# %% [markdown]
# ## Sampling new names
#
# To generate, start from `.` and repeatedly draw the next character from the model's
# softmax (`am.multinomial`, PyTorch's `torch.multinomial`, one draw per row), feeding
# each draw back in, until the model emits `.` or the maximum length is reached. A good
# model produces names that the grammar accepts — plausible — and, since the
# grammar allows far more names than the training list holds, mostly names it has never
# seen. The bigram count model, sampled the same way, is the baseline: it writes one
# plausible letter after another but forgets the vowel class and the syllable count, so few
# of its names pass the grammar. Ten names from each model are shown; the fractions are
# measured on 200 samples.

# %%
def sample_mlp(n, rng):
    ctx = np.full((n, CONTEXT), END)
    out = np.full((n, MAX_LEN), END)
    done = np.zeros(n, bool)
    with am.no_grad():
        for t in range(MAX_LEN):
            p = mlp(ctx).softmax(axis=-1)
            nxt = am.multinomial(p, 1, rng=rng).numpy()[:, 0]
            nxt[done] = END
            out[:, t] = nxt
            done |= nxt == END
            ctx = np.column_stack([ctx[:, 1:], nxt])
    return out


def sample_att(n, rng):
    seq = np.full((n, 1), END)
    out = np.full((n, MAX_LEN), END)
    done = np.zeros(n, bool)
    att.eval()
    with am.no_grad():
        for t in range(MAX_LEN):
            p = att(seq)[:, -1].softmax(axis=-1)
            nxt = am.multinomial(p, 1, rng=rng).numpy()[:, 0]
            nxt[done] = END
            out[:, t] = nxt
            done |= nxt == END
            seq = np.column_stack([seq, nxt])
    att.train()
    return out


def sample_bigram(n, rng):
    """The baseline: draw each character from the bigram counts of the previous one."""
    out = np.full((n, MAX_LEN), END)
    prev = np.full(n, END)
    done = np.zeros(n, bool)
    for t in range(MAX_LEN):
        nxt = am.multinomial(bigram[prev], 1, rng=rng).numpy()[:, 0]
        nxt[done] = END
        out[:, t] = nxt
        done |= nxt == END
        prev = nxt
    return out


def decode(rows):
    """Token rows to strings, each ending with '.' (its first end token), or cut at MAX_LEN
    without one if the model never stopped."""
    texts = []
    for row in rows:
        s = "".join(itos[i] for i in row)
        texts.append(s[:s.index(".") + 1] if "." in s else s)
    return texts


N_SAMPLES = 200
results = {}
for label, sampler in [("bigram", sample_bigram), ("MLP", sample_mlp),
                       ("attention", sample_att)]:
    texts = decode(sampler(N_SAMPLES, np.random.default_rng(2)))
    words = [t.removesuffix(".") for t in texts]
    ended = np.mean([t.endswith(".") and 2 <= len(t) <= MAX_LEN for t in texts])
    ok = np.mean([plausible(w) for w in words])
    novel = np.mean([w not in train_set for w in words])
    novel_ok = np.mean([plausible(w) and w not in train_set for w in words])
    results[label] = (ended, ok, novel, novel_ok)
    print(f"{label}: ten samples: {' '.join(texts[:10])}")
    print(f"    of {N_SAMPLES}: {100 * ended:.0f}% end with '.' within {MAX_LEN} tokens, "
          f"{100 * ok:.0f}% plausible, {100 * novel:.0f}% not in the training list, "
          f"{100 * novel_ok:.0f}% both")
    bad = [w for w in words if not plausible(w)]
    print("    not plausible, e.g.:", " ".join(bad[:8]))
    if label == "bigram":
        assert ok < 0.3                  # the grammar's long-range rules are out of its reach
        continue
    assert all(isinstance(t, str) for t in texts[:10])
    assert all((t.endswith(".") and len(t) <= MAX_LEN) or len(t) == MAX_LEN for t in texts)
    assert ended >= 0.95
    assert ok >= 0.5 and ok > results["bigram"][1] + 0.3      # far above the bigram's
    assert novel >= 0.5
    assert novel_ok >= 0.4

# %% [markdown]
# ## The attention pattern
#
# The layer's attention weights, averaged over its heads, for one held-out name: row $t$ is
# the distribution over positions $s$ that the prediction at position $t$ draws on. Each row
# sums to one, and everything above the diagonal is exactly zero — position $t$ cannot look
# ahead, which is what makes the model usable for generation.

# %%
example = max(val_names, key=len)
xs, _ = padded([example])
n = len(example) + 1
att.eval()
with am.no_grad():
    _, weights = att(xs[:, :n], need_weights=True)
att.train()
A = weights.numpy()[0]
assert A.shape == (n, n)
assert np.allclose(A.sum(axis=1), 1.0, atol=1e-12)          # each row a distribution
assert np.all(A[np.triu_indices(n, k=1)] == 0.0)           # causal: nothing above the diagonal
assert np.all(A >= 0)
print(f"'{example}': rows sum to 1 (max error {np.abs(A.sum(axis=1) - 1).max():.1e}), "
      f"upper triangle max {A[np.triu_indices(n, k=1)].max():.1f}")

labels = [".", *example]
fig, ax = plt.subplots(figsize=(5.5, 5))
im = ax.imshow(A, cmap="viridis", vmin=0, vmax=1)
ax.set_xticks(range(n), labels)
ax.set_yticks(range(n), labels)
ax.set_xlabel("attended position $s$ (input token)")
ax.set_ylabel("query position $t$ (input token)")
ax.set_title(f"attention weights, averaged over heads: '{example}'")
fig.colorbar(im, ax=ax, fraction=0.046)
fig.tight_layout()

# %% [markdown]
# Where does the model look? Vowel harmony says the next vowel must match the earlier ones,
# so the earlier vowels are worth attending to. Over all held-out names, the share of the
# attention weight that lands on vowel tokens is compared with the share of vowel tokens
# among the positions each query may see (what a uniform look-back would give).

# %%
IS_VOWEL = np.array([c in "aeiou" for c in itos])
xs, ys = padded(val_names)
att.eval()
with am.no_grad():
    _, W_all = att(xs, need_weights=True)
att.train()
W_all = W_all.numpy()                                        # (names, L, L)
vowel_key = IS_VOWEL[xs]                                     # is input position s a vowel?
on_vowels = (W_all * vowel_key[:, None, :]).sum(axis=-1)    # weight on vowels, per query
seen = np.cumsum(vowel_key, axis=1)
vowel_share = seen / np.arange(1, L + 1)                     # vowels among positions s <= t
rows = (ys != PAD) & (seen > 0) & (vowel_share < 1)          # real queries with a choice
print(f"attention on vowel tokens: {on_vowels[rows].mean():.2f} of the weight, against a "
      f"vowel share of {vowel_share[rows].mean():.2f} among the visible positions")
assert on_vowels[rows].mean() > vowel_share[rows].mean() + 0.05

elapsed = time.perf_counter() - T_START
print(f"whole notebook: {elapsed:.1f} s")
assert elapsed < 90                      # about 15 s on two cores

# %% [markdown]
# ## What to take away
#
# * A language model is a classifier over the next token, trained with the softmax
#   cross-entropy; its loss in nats per character compares directly with the uniform
#   ($\log V$), unigram and bigram baselines.
# * The embedding + MLP model sees a fixed window of three characters; the attention model
#   sees the whole prefix and learns from every position of a padded sequence in one pass,
#   with the causal mask keeping each prediction from looking ahead.
# * Both learn the grammar well enough that most sampled names are ones the grammar could
#   produce, and most are not in the training list. The three-character window shows in the
#   MLP's failures — names of one syllable, or of five and more, since it cannot count back
#   further than three characters — which the attention model, seeing the whole prefix, makes
#   less often.
