# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1 · Activation functions and weight initialization
#
# This first tutorial of **`neural_net`** (a neural-network library written with numpy
# only) looks at the two ingredients that every layer of a network needs:
#
# 1. an **activation function** $f$, applied to the linear combination
#    $z = x^\top w + b$ computed by a neuron, and its derivative $f'$, which
#    backpropagation needs;
# 2. an **initialization** of the weights $w$ and bias $b$.
#
# Every activation of `neural_net.activation` offers the same three methods:
#
# | method | returns |
# |---|---|
# | `compute(z)` | $a = f(z)$, also kept in the attribute `preds` |
# | `pr()` | $f'(z)$, computed **from the output** `preds` (no need to keep $z$) |
# | `grad(Δ)` | the backward step $\Delta \odot f'(z)$ (a Jacobian–vector product for Softmax) |

# %%
import numpy
import matplotlib.pyplot as plt
from tutorial_plots import finish_axes   # limits, legend, grid and title of each plot

numpy.random.seed(0)  # every random draw of this notebook is reproducible

# %% [markdown]
# ## Activation functions
#
# We evaluate every function on a grid of 1001 points of $[-6, 6]$.

# %%
z = numpy.linspace(-6, 6, 1000 + 1)

# %% [markdown]
# ### Sigmoid and Tanh
#
# #### Function values
#
# The logistic **sigmoid** squashes $\mathbb R$ into $(0, 1)$ — it can be read as a
# probability — and the **hyperbolic tangent** is a rescaled sigmoid with values in
# $(-1, 1)$, centred on 0:
#
# $$
# \sigma(z) = \frac{1}{1 + e^{-z}} \in (0, 1),
# \qquad
# \tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}} = 2\sigma(2z) - 1 \in (-1, 1).
# $$

# %%
from neural_net.activation import σ, Tanh

# %%
sigmoid = σ()
tanh    = Tanh()

# %%
sigmoid.compute(z)

# %%
tanh.compute(z)

# %% [markdown]
# `compute` keeps its result in `preds`:

# %%
sigmoid.preds

# %%
tanh.preds

# %% [markdown]
# > **Note.** The rendered version of the original tutorial printed values close to
# > $\pm 2$ (`-1.99997542 … 1.99997542`) for `tanh.compute(z)`. That was a bug of the
# > code of the time: $\tanh$ never leaves $(-1, 1)$. The library now returns
# > $\tanh(\pm 6) = \pm 0.99998771$. Let us check the bounds and the identity
# > $\tanh(z) = 2\sigma(2z) - 1$:

# %%
assert numpy.all(numpy.abs(tanh.preds) < 1)
numpy.testing.assert_allclose(tanh.preds, numpy.tanh(z))
numpy.testing.assert_allclose(tanh.preds, 2 * σ().compute(2 * z) - 1, atol=1e-12)
float(tanh.preds.min()), float(tanh.preds.max())

# %%
fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

ax1.plot(z, sigmoid.preds, label=r'$\sigma=\frac{1}{1+e^{-z}}$')
ax2.plot(z, tanh.preds, label=r'$\tanh(z)=2\sigma(2z) - 1$')

ax1.hlines(y=0.5, xmin=-5, xmax=5, color='green', label=r'$y=\frac{1}{2}$', linestyle='--')
ax1.vlines(x=0, ymin=-1.5, ymax=1.5, color='brown', linestyle='--')
ax2.hlines(y=0, xmin=-5, xmax=5, color='red', label=r'$y=0$', linestyle='--')
ax2.hlines(y=[-1, 1], xmin=-5, xmax=5, color='grey', label=r'$y=\pm 1$', linestyle=':')

finish_axes((ax1, ax2), ('Sigmoid', 'Hyperbolic Tangent Function'), ylim=(-1.5, 1.5))

# %% [markdown]
# #### Derivatives
#
# Both derivatives are expressed with the function's own output, which is why `pr()`
# only needs `preds`:
#
# $$
# \sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr) \le \tfrac14,
# \qquad
# \tanh'(z) = 1 - \tanh^2(z) \le 1 .
# $$
#
# Both vanish when $|z|$ grows: the functions **saturate**, and a saturated neuron lets
# almost no gradient through (the *vanishing gradient* problem).

# %%
sigmoidpr = sigmoid.pr()

# %%
tanhpr = tanh.pr()

# %% [markdown]
# A finite-difference check of the derivatives (`numpy.gradient` uses central
# differences on the grid):

# %%
numpy.testing.assert_allclose(sigmoidpr, numpy.gradient(sigmoid.preds, z), atol=1e-4)
numpy.testing.assert_allclose(tanhpr, numpy.gradient(tanh.preds, z), atol=1e-3)
float(sigmoidpr.max()), float(tanhpr.max())

# %%
fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

ax1.plot(z, sigmoidpr, label=r'$\sigma(1-\sigma)$')
ax2.plot(z, tanhpr, label=r'$1 - \tanh^2$')

ax1.hlines(y=0.25, xmin=-5, xmax=5, color='green', label=r'$y=\frac{1}{4}$', linestyle='--')
ax1.vlines(x=0, ymin=-0.5, ymax=1.5, color='brown', linestyle='--')
ax2.hlines(y=0, xmin=-5, xmax=5, color='red', linestyle='--')

finish_axes((ax1, ax2), ('Sigmoid Derivative', 'Hyperbolic Tangent Function Derivative'), ylim=(-0.5, 1.5))

# %% [markdown]
# ### Rectified Linear Unit (ReLU)
#
# #### Function values
#
# $$
# \mathrm{ReLU}(z) = \max(z, 0) = \begin{cases}
#     z & \text{if } z \geq 0 \\
#     0 & \text{if } z < 0
# \end{cases}
# $$
#
# ReLU does not saturate for $z > 0$ and is very cheap to compute.

# %%
from neural_net.activation import ReLU

# %%
relu = ReLU()

# %%
relupred = relu.compute(z)
relupred

# %%
fig, ax1 = plt.subplots(nrows=1, ncols=1, figsize=(7.5, 6))

ax1.plot(z, relupred, label=r'ReLU')
ax1.vlines(x=0, ymin=-5, ymax=5, color='brown', linestyle='--')

finish_axes([ax1], ['Rectified Linear Unit'], ylim=(-5, 5))

# %% [markdown]
# #### Derivative
#
# ReLU is not differentiable at $0$; like most libraries, `neural_net` uses the
# subgradient $0$ there (the derivative is computed from the output: 1 where the output
# is positive):
#
# $$
# \mathrm{ReLU}'(z) = \begin{cases}
#     1 & \text{if } z > 0 \\
#     0 & \text{if } z \le 0
# \end{cases}
# $$
#
# A neuron whose input stays negative gets no gradient at all: it is a *dead* ReLU.

# %%
relupr = relu.pr()
relupr

# %%
fig, ax1 = plt.subplots(nrows=1, ncols=1, figsize=(7.5, 6))

ax1.plot(z, relupr, label=r"ReLU'")
ax1.vlines(x=0, ymin=-5, ymax=5, color='brown', linestyle='--')

finish_axes([ax1], ['Rectified Linear Unit Derivative'], ylim=(-0.5, 1.5))

# %% [markdown]
# ### Non saturating activations
#
# #### Function values
#
# Both functions keep a small, non-zero response for negative inputs, so that no
# neuron dies.
#
# - Leaky Rectified Linear Unit (Leaky ReLU), $\alpha \ge 0$ (default $0.01$)
#
# $$
# \mathrm{LeakyReLU}_\alpha(z) = \begin{cases}
#     z & \text{if } z \geq 0 \\
#     \alpha z & \text{if } z < 0
# \end{cases}
# $$
#
# - Exponential Linear Unit (ELU), $\alpha > 0$ (default $1$): smooth, and its mean
#   output is closer to 0
#
# $$
# \mathrm{ELU}_\alpha(z) = \begin{cases}
#     z & \text{if } z \geq 0 \\
#     \alpha (e^{z} - 1) & \text{if } z < 0
# \end{cases}
# $$

# %%
from neural_net.activation import ELU, LeakyReLU

# %%
elu = ELU(α=1)
leakyrelu = LeakyReLU(α=.1)

# %%
elupred, leakyrelupred = elu.compute(z), leakyrelu.compute(z)

# %%
fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

ax1.plot(z, elupred, label=r'$\alpha=1$')
ax2.plot(z, leakyrelupred, label=r'$\alpha=0.1$')

ax1.hlines(y=0, xmin=-5, xmax=5, color='green', linestyle='--')
ax1.vlines(x=0, ymin=-5, ymax=5, color='brown', linestyle='--')
ax2.hlines(y=0, xmin=-5, xmax=5, color='red', linestyle='--')

finish_axes((ax1, ax2), ('Exponential Linear Unit', 'Leaky Rectified Linear Unit'), ylim=(-5, 5))

# %% [markdown]
# #### Derivatives
#
# - ELU: for $z < 0$, $\frac{d}{dz}\,\alpha(e^z - 1) = \alpha e^z = \mathrm{ELU}(z) + \alpha$,
#   again a function of the output:
#
# $$
# \mathrm{ELU}_\alpha'(z) = \begin{cases}
#     1 & \text{if } z > 0 \\
#     \mathrm{ELU}_\alpha(z) + \alpha & \text{if } z \le 0
# \end{cases}
# $$
#
# - Leaky ReLU (at the kink $z = 0$ the library uses $\alpha$):
#
# $$
# \mathrm{LeakyReLU}_\alpha'(z) = \begin{cases}
#     1 & \text{if } z > 0 \\
#     \alpha & \text{if } z \le 0
# \end{cases}
# $$

# %%
elupr, leakypr = elu.pr(), leakyrelu.pr()

# %%
numpy.testing.assert_allclose(elupr[z < 0], numpy.exp(z[z < 0]))   # α e^z with α = 1
numpy.testing.assert_allclose(leakypr[z < 0], 0.1)

# %%
fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

ax1.plot(z, elupr, label=r'$\alpha=1$')
ax2.plot(z, leakypr, label=r'$\alpha=0.1$')

ax1.hlines(y=0, xmin=-5, xmax=5, color='green', linestyle='--')
ax1.vlines(x=0, ymin=-5, ymax=5, color='brown', linestyle='--')
ax2.hlines(y=0, xmin=-5, xmax=5, color='red', linestyle='--')

finish_axes((ax1, ax2), ('Exponential Linear Unit Derivative', 'Leaky Rectified Linear Unit Derivative'), ylim=(-0.5, 1.5))

# %% [markdown]
# ### The backward step `grad`
#
# During backpropagation an activation layer receives $\Delta = \partial J/\partial a$
# (the gradient of the cost with respect to its output) and returns
# $\partial J/\partial z = \Delta \odot f'(z)$. For element-wise functions `grad(Δ)` is
# just `Δ * pr()`:

# %%
Δ = numpy.random.normal(size=z.shape)
numpy.testing.assert_allclose(leakyrelu.grad(Δ), Δ * leakypr)
numpy.testing.assert_allclose(sigmoid.grad(Δ), Δ * sigmoidpr)

# %% [markdown]
# ### All common activation functions and their derivatives

# %%
fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

ax1.plot(z, elu.preds, label=r'$ELU(\alpha=1)$')
ax1.plot(z, leakyrelu.preds, label=r'$Leaky\ ReLU(\alpha=0.1)$')
ax1.plot(z, relu.preds, label=r'ReLU')
ax1.plot(z, sigmoid.preds, label=r'$\sigma=\frac{1}{1+e^{-z}}$')
ax1.plot(z, tanh.preds, label=r'$\tanh=2\sigma(2z) - 1$')

ax2.plot(z, elupr, label=r'$ELU(\alpha=1)$')
ax2.plot(z, leakypr, label=r'$Leaky\ ReLU(\alpha=0.1)$')
ax2.plot(z, relupr, label=r'ReLU')
ax2.plot(z, sigmoidpr, label=r"$\sigma'=\sigma(1-\sigma)$")
ax2.plot(z, tanhpr, label=r"$\tanh'=1 - \tanh^2$")

ax1.hlines(y=0, xmin=-5, xmax=5, color='green', linestyle='--')
ax1.vlines(x=0, ymin=-5, ymax=5, color='brown', linestyle='--')
ax2.hlines(y=0, xmin=-5, xmax=5, color='red', linestyle='--')

finish_axes((ax1, ax2), ('Common activation functions', 'Derivatives'), ylim=[(-2, 5), (-0.5, 1.5)])

# %% [markdown]
# ### Softmax
#
# Softmax turns a row of $K$ scores (*logits*) $z = (z_1, \dots, z_K)$ into a
# probability distribution over $K$ classes; it is the output activation of multi-class
# classifiers:
#
# $$
# \operatorname{softmax}(z)_j = s_j = \frac{e^{z_j}}{\sum_{i=1}^{K} e^{z_i}},
# \qquad s_j > 0,\quad \sum_j s_j = 1 .
# $$
#
# Unlike the functions above it works on **rows**, not on single numbers. Two
# properties:
#
# * it is invariant to adding a constant to every logit,
#   $\operatorname{softmax}(z + c) = \operatorname{softmax}(z)$; the library subtracts
#   the row maximum before exponentiating, so large logits do not overflow;
# * with two classes and logits $(z, 0)$ it is the sigmoid:
#   $s_1 = \frac{e^z}{e^z + 1} = \sigma(z)$.

# %%
from neural_net.activation import Softmax

# %%
softmax = Softmax()
Z = numpy.c_[z, numpy.zeros_like(z)]   # one row (z, 0) per grid point
softmax.compute(Z)

# %%
softmax.preds.shape, float(softmax.preds.sum(axis=1).min()), float(softmax.preds.sum(axis=1).max())

# %%
numpy.testing.assert_allclose(softmax.preds[:, 0], sigmoid.preds)   # softmax(z, 0)_1 = σ(z)

# %%
big = numpy.array([[1000., 0., -1000.]])
Softmax().compute(big), Softmax().compute(big - 1000)   # no overflow, shift invariant

# %% [markdown]
# #### Derivative: a Jacobian
#
# Each output depends on every input of its row:
#
# $$
# \frac{\partial s_j}{\partial z_i} = s_j\,(\delta_{ij} - s_i),
# $$
#
# so `pr()` returns one $K \times K$ Jacobian per row, shape $(n, K, K)$. Its diagonal
# $s_j(1 - s_j)$ is the sigmoid derivative we met above. `grad(Δ)` never builds these
# matrices: it returns the Jacobian–vector product directly,
# $\bigl(J\Delta\bigr)_j = s_j\,\bigl(\Delta_j - \sum_i \Delta_i s_i\bigr)$.

# %%
softmaxpr = softmax.pr()
softmaxpr.shape

# %%
softmaxpr[500]   # the Jacobian at z = 0: s = (1/2, 1/2)

# %%
numpy.testing.assert_allclose(softmaxpr[:, 0, 0], sigmoidpr)
Δ = numpy.random.normal(size=Z.shape)
numpy.testing.assert_allclose(softmax.grad(Δ), numpy.einsum('nij,nj->ni', softmaxpr, Δ))

# %%
fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

ax1.plot(z, softmax.preds[:, 0], label=r'$s_1 = \sigma(z)$')
ax1.plot(z, softmax.preds[:, 1], label=r'$s_2 = 1 - \sigma(z)$')
ax2.plot(z, softmaxpr[:, 0, 0], label=r'$\partial s_1/\partial z_1 = s_1(1-s_1)$')
ax2.plot(z, softmaxpr[:, 0, 1], label=r'$\partial s_1/\partial z_2 = -s_1 s_2$')

finish_axes((ax1, ax2), ('Softmax of the logits (z, 0)', 'Softmax Jacobian entries'))

# %% [markdown]
# ## Initialization
#
# A fully connected layer with $n_{in}$ inputs and $n_{out}$ outputs holds a matrix
# $W$ of shape $(n_{in} + 1, n_{out})$: the weights, and the bias as **last row**
# (`biais=False` leaves the bias row out). An initializer is a function
# `init(n_in, n_out, biais=True)` returning that matrix.

# %%
from neural_net.init_funcs import XavierHe, zeros

# %% [markdown]
# ### Weights + Bias

# %%
n_cols = 2

# %% [markdown]
# #### Zeros
#
# Zeros are fine for linear models (logistic or softmax regression: the cost is
# convex). In a network with hidden layers they are a trap: all the neurons of a layer
# compute the same thing and receive the same gradient, so they stay identical
# forever (we will see this *symmetry* in tutorial 3).

# %%
W = zeros(n_cols, 1)
W

# %%
W = zeros(n_cols, 1, biais=False)
W

# %% [markdown]
# ### Xavier and He
#
# Glorot & Bengio (2010) and He et al. (2015) argue that, for the signal to flow well
# forward and the gradients backward, the variance of the outputs of each layer should
# equal the variance of its inputs. This leads to random weights with a scale set by
# the *fan-in* and *fan-out* of the layer. With
#
# $$
# \sigma = \sqrt{\frac{2}{n_{in} + n_{out}}},
# \qquad
# m = \sqrt{\frac{6}{n_{in} + n_{out}}},
# $$
#
# `XavierHe(distribution, activation)` draws (the table of the original tutorial):
#
# | activation | `"Normal"`: $\mathcal N(0, \text{std}^2)$ | `"Uniform"`: $\mathcal U[-r, r]$ |
# |---|---|---|
# | `"Sigmoid"` | $\text{std} = \sigma$ | $r = m$ |
# | `"Tanh"` | $\text{std} = 4\sigma$ | $r = 4m$ |
# | `"ReLU"` | $\text{std} = \sqrt2\,\sigma$ | $r = \sqrt2\,m$ |
#
# A uniform law on $[-r, r]$ has standard deviation $r/\sqrt3$, and $m/\sqrt3 = \sigma$:
# for a given activation both flavours have the same variance. The bias row is drawn
# like the weights.
#
# > **Note.** The table is the one of the original tutorial, which the library
# > implements. The Theano deep-learning tutorials of Glorot and Bengio's lab put the
# > factor 4 on the **sigmoid** instead ($\sigma'(0) = \frac14$ while
# > $\tanh'(0) = 1$) and use $r = m$ for tanh; with the table above,
# > `XavierHe(..., "Tanh")` draws weights four times larger than that Glorot value.

# %%
initializer = XavierHe("Normal", "Sigmoid").init_func

# %%
initializer(n_cols, 1)

# %%
initializer(n_cols, 1, biais=False)

# %% [markdown]
# #### Normal distribution
#
# With many weights we can check the empirical distribution. For one output neuron and
# $n_{in} = 1000$ inputs, $\sigma = \sqrt{2/1001} \approx 0.0447$.

# %%
n_cols = 1000

# %%
xe_norm_sigmoid = XavierHe("Normal", "Sigmoid").init_func(n_cols, 1, biais=False)
xe_norm_tanh = XavierHe("Normal", "Tanh").init_func(n_cols, 1, biais=False)
xe_norm_relu = XavierHe("Normal", "ReLU").init_func(n_cols, 1, biais=False)

# %%
xe_norm_sigmoid.shape

# %%
std, m = float(xe_norm_sigmoid.std()), float(xe_norm_sigmoid.mean())
std, m

# %%
theoretical = float(numpy.sqrt(2 / (n_cols + 1)))
theoretical, abs(std - theoretical) / theoretical   # relative error

# %% [markdown]
# The 68–95–99.7 rule of the normal law: the share of weights within one, two and
# three standard deviations of the mean.

# %%
int(((xe_norm_sigmoid >= m - std) & (xe_norm_sigmoid <= m + std)).sum())

# %%
[float(((xe_norm_sigmoid >= m - k * std) & (xe_norm_sigmoid <= m + k * std)).sum() / n_cols)
 for k in (1, 2, 3)]

# %% [markdown]
# The Tanh and ReLU versions are scaled by $4$ and $\sqrt 2$:

# %%
float(xe_norm_tanh.std()), float(xe_norm_relu.std())

# %%
float(xe_norm_tanh.std() / xe_norm_sigmoid.std()), float(xe_norm_relu.std() / xe_norm_sigmoid.std())

# %%
plt.figure(figsize=(10, 6))

plt.title('Xavier/He for normal distribution by activation type')
plt.hist(xe_norm_tanh, label=r'Tanh $std=4\sigma$', bins=30, alpha=.4)
plt.hist(xe_norm_relu, label=r'ReLU $std=\sqrt{2}\sigma$', bins=30, alpha=.5)
plt.hist(xe_norm_sigmoid, label=r'Sigmoid $std=\sigma=\sqrt{\frac{2}{n_{in}+n_{out}}}$', bins=30, alpha=.6)

plt.legend(loc='upper left');

# %% [markdown]
# #### Uniform distribution

# %%
xe_uni_sigmoid = XavierHe("Uniform", "Sigmoid").init_func(n_cols, 1, biais=False)
xe_uni_tanh = XavierHe("Uniform", "Tanh").init_func(n_cols, 1, biais=False)
xe_uni_relu = XavierHe("Uniform", "ReLU").init_func(n_cols, 1, biais=False)

# %% [markdown]
# Every draw lies in $[-m, m]$ with $m = \sqrt{6/1001} \approx 0.0774$:

# %%
float(xe_uni_sigmoid.min())

# %%
float(xe_uni_sigmoid.max())

# %%
r = float(numpy.sqrt(6 / (n_cols + 1)))
assert -r <= xe_uni_sigmoid.min() and xe_uni_sigmoid.max() <= r
r, float(xe_uni_sigmoid.std()), r / 3 ** .5   # std of U[-r, r] is r/√3 = σ

# %%
plt.figure(figsize=(10, 6))

plt.title('Xavier/He for uniform distribution by activation type')
plt.hist(xe_uni_tanh, label=r'Tanh $r=4m$', bins=25, alpha=.4)
plt.hist(xe_uni_relu, label=r'ReLU $r=\sqrt{2}m$', bins=25, alpha=.5)
plt.hist(xe_uni_sigmoid, label=r'Sigmoid $r=m=\sqrt{\frac{6}{n_{in}+n_{out}}}$', bins=25, alpha=.6)

plt.legend(loc='upper left');

# %% [markdown]
# ### Reproducibility
#
# The initializers draw from numpy's global random state, so `numpy.random.seed`
# makes them reproducible (they also accept a `rng=numpy.random.default_rng(...)`
# argument):

# %%
numpy.random.seed(42)
a = XavierHe("Uniform", "ReLU").init_func(3, 2)
numpy.random.seed(42)
b = XavierHe("Uniform", "ReLU").init_func(3, 2)
numpy.testing.assert_array_equal(a, b)
a

# %% [markdown]
# **Next:** tutorial 2 assembles layers into a network and introduces the cost
# functions.
