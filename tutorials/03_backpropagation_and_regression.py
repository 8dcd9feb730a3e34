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
# # 3 · Backpropagation, logistic and softmax regression
#
# Training a network means following $-\nabla J$, the gradient of the cost with respect
# to every weight. **Backpropagation** computes it with the chain rule, from the output
# back to the input. We do it step by step with `neural_net`, then check — with
# `numpy.testing` assertions — that it gives exactly the analytic gradients of the two
# linear classifiers, logistic and softmax regression, and that `train(...)` is plain
# gradient descent.

# %%
from neural_net.architecture import Sequential
from neural_net.layers import Fullyconnected, Activation
from neural_net.init_funcs import zeros, XavierHe
from neural_net.activation import σ, Softmax, Tanh
from neural_net.cost import BinaryCrossEntropy, CrossEntropy
from neural_net.utils import make_circle_data, IrisDatasetDownloader
from neural_net.metrics import accuracy
from neural_net.pipeline import onehot
import numpy
import matplotlib.pyplot as plt

numpy.random.seed(0)

# %% [markdown]
# ## Backpropagation
#
# Write the network as alternating linear steps and activations,
# $z^{(l)} = [a^{(l-1)}\ \mathbf 1]\,W^{(l)}$ and $a^{(l)} = f_l(z^{(l)})$, with
# $a^{(0)} = X$ and output $p = a^{(L)}$. Start from the derivative of the cost with
# respect to the output,
#
# $$
# \Delta_0 = \frac{\partial J}{\partial p} \qquad (\texttt{cost.pr()}),
# $$
#
# and walk back through the steps:
#
# * through an **activation** (`Activation.func.grad`):
#   $\dfrac{\partial J}{\partial z^{(l)}} = \dfrac{\partial J}{\partial a^{(l)}} \odot f_l'(z^{(l)})$;
# * through a **linear step** (`Σ.grad`), with $\Delta = \partial J / \partial z^{(l)}$:
#
# $$
# \frac{\partial J}{\partial W^{(l)}} = [a^{(l-1)}\ \mathbf 1]^\top \Delta ,
# \qquad
# \frac{\partial J}{\partial a^{(l-1)}} = \Delta\, \bigl(W^{(l)}_{1:n_{in}}\bigr)^\top .
# $$
#
# `Σ.grad(Δ)` returns $\partial J/\partial a^{(l-1)}$ (computed with the weights before
# the update) **and updates its weights**, $W \leftarrow W - \partial J/\partial W$.
# There is no learning rate in this formula: it is folded into $\Delta_0$ (pass
# $\alpha\,\Delta_0$ for a step of size $\alpha$).

# %%
network = Sequential(
        [
        Fullyconnected(2, 10, zeros),
        Activation(σ),
        Fullyconnected(10, 1, zeros),
        Activation(σ)
        ]
    , BinaryCrossEntropy)

# %%
network['steps']

# %%
n, k = 1000, 2
X = numpy.random.uniform(-100, 100, size=(n, k))
y = (X.sum(axis=1) < numpy.random.uniform(30, 90, (len(X),))).reshape(-1, 1) + 0
plt.scatter(x=X[:, 0], y=X[:, 1], c=y.ravel());

# %%
network.predict(X)
network.out.shape

# %%
network['cost']

# %% [markdown]
# Every prediction is $\frac12$ (zero weights), so the cost is $\log 2$:

# %%
network['cost'].compute(y, network.out)

# %%
Δ0 = network['cost'].pr()
Δ0.shape

# %% [markdown]
# ### Output layer
#
# For σ followed by the binary cross-entropy the product simplifies:
#
# $$
# \frac{\partial J}{\partial z} = \frac{1}{N}\,\frac{p - y}{p(1-p)} \cdot p(1-p) = \frac{p - y}{N}.
# $$

# %%
network['steps'][-1]

# %%
Δ1 = network['steps'][-1].func.grad(Δ0)
Δ1.shape

# %%
numpy.testing.assert_allclose(Δ1, (network.out - y) / len(y))

# %% [markdown]
# ### Last linear layer

# %%
network['steps'][-2]

# %%
W_before = network['steps'][-2].func.W.copy()
Δ2 = network['steps'][-2].func.grad(Δ1)
Δ2.shape

# %% [markdown]
# $\Delta_2 = \Delta_1 W_{1:10}^\top$ used the weights before the update (zeros, so
# $\Delta_2 = 0$), and the weights moved by $-[a^{(2)}\ \mathbf 1]^\top \Delta_1$:

# %%
a2 = network['steps'][1].func.preds            # output of the hidden activation
grad_W = numpy.c_[a2, numpy.ones(len(a2))].T @ Δ1
numpy.testing.assert_allclose(network['steps'][-2].func.W, W_before - grad_W)
numpy.testing.assert_array_equal(Δ2, Δ1 @ W_before[:-1].T)
network['steps'][-2].func.W.ravel()

# %% [markdown]
# ### Update method
#
# `update(Δ0)` runs the whole backward pass (every step, last to first) and returns
# $\partial J/\partial X$. On a fresh copy of the network, the last linear layer ends up
# where our manual step put it:

# %%
network2 = Sequential(
        [
        Fullyconnected(2, 10, zeros),
        Activation(σ),
        Fullyconnected(10, 1, zeros),
        Activation(σ)
        ]
    , BinaryCrossEntropy)
network2.predict(X)
network2['cost'].compute(y, network2.out)
network2.update(network2['cost'].pr()).shape

# %%
numpy.testing.assert_allclose(network2['steps'][-2].func.W, network['steps'][-2].func.W)

# %% [markdown]
# #### The symmetry problem of zero initialization
#
# All ten hidden neurons started equal, received the same gradient, and are still
# equal: the columns of the first weight matrix are identical, and they will stay so
# for ever. Ten neurons are worth one. This is why hidden layers need random
# initialization (`XavierHe`, tutorial 1).

# %%
W1 = network2['steps'][0].func.W
W1[:, :3], numpy.ptp(W1, axis=1)

# %% [markdown]
# ### Checking backpropagation with finite differences
#
# A gradient computed by backpropagation can be checked against the central difference
# $\dfrac{J(w + h) - J(w - h)}{2h}$ for every single weight $w$. We take a small
# network with random weights (and a Tanh hidden layer) on 20 points; the gradient of
# backpropagation is read from one update, $\nabla J = W_{\text{before}} - W_{\text{after}}$.

# %%
Xs = numpy.random.normal(size=(20, 2))
ys = (Xs[:, 0] * Xs[:, 1] > 0).reshape(-1, 1) + 0

small = Sequential(
        [
        Fullyconnected(2, 3, XavierHe("Normal", "Tanh").init_func),
        Activation(Tanh),
        Fullyconnected(3, 1, XavierHe("Normal", "Sigmoid").init_func),
        Activation(σ)
        ]
    , BinaryCrossEntropy)
linear_steps = [step for step in small if repr(step) == 'Fullyconnected']

def cost_of(net):
    return net['cost'].compute(ys, net.predict(Xs))

h = 1e-6
numerical = []
for step in linear_steps:
    W = step.func.W
    g = numpy.zeros_like(W)
    for idx in numpy.ndindex(W.shape):
        w = W[idx]
        W[idx] = w + h; plus = cost_of(small)
        W[idx] = w - h; minus = cost_of(small)
        W[idx] = w
        g[idx] = (plus - minus) / (2 * h)
    numerical.append(g)

before = [step.func.W.copy() for step in linear_steps]
cost_of(small)
small.update(small['cost'].pr())
backprop = [b - step.func.W for b, step in zip(before, linear_steps)]

for g_num, g_bp in zip(numerical, backprop):
    numpy.testing.assert_allclose(g_bp, g_num, rtol=1e-5, atol=1e-8)
max(float(numpy.abs(g_num - g_bp).max()) for g_num, g_bp in zip(numerical, backprop))

# %% [markdown]
# ## Logistic Regression
#
# Logistic regression is the smallest network: one linear step and a sigmoid,
#
# $$
# h_\theta(x) = \sigma(x^\top\theta),
# \qquad
# J(\theta) = -\frac1n\sum_{i=1}^{n} \Bigl[y_i\log h_\theta(x_i) + (1-y_i)\log\bigl(1-h_\theta(x_i)\bigr)\Bigr],
# $$
#
# where $x$ carries a constant $1$ for the intercept. Its gradient has a closed form:
#
# $$
# \nabla_\theta J = \frac1n\,X^\top\bigl(h_\theta(X) - y\bigr).
# $$

# %%
centers = [(-50, 0), (20, 30)]
radii = [30, 35]
X, y = make_circle_data(centers, radii)
print(X.shape, y.shape)
ax = plt.subplot()
ax.scatter(X[:, 0], X[:, 1], c=y.ravel())
ax.set_xlim(-100, 100)
ax.set_ylim(-100, 100);

# %% [markdown]
# ### Pure numpy definition

# %%
H_θ = lambda X, θ: 1 / (1 + numpy.exp(-X.dot(θ)))
θ = numpy.zeros((3, 1))
X_const = numpy.c_[X, numpy.ones((len(X), 1))]
H_θ(X_const, θ).shape

# %% [markdown]
# ### Using layers

# %%
LogReg = Sequential(
        [
        Fullyconnected(2, 1, zeros),
        Activation(σ)
        ],
    BinaryCrossEntropy
    )
LogReg.predict(X).shape

# %%
LogReg['steps'][-2].func.W

# %% [markdown]
# ### Computing gradients
#
# #### Analytic gradient

# %%
J = lambda θ, X: 1 / len(X) * X.T.dot(H_θ(X, θ) - y)
J(θ, X_const)

# %% [markdown]
# #### Chain rule
#
# One backward pass from $W = 0$ leaves $W = 0 - \nabla J$, so $-W$ must be the
# analytic gradient (the bias is the last row of $W$, as the constant is the last
# column of `X_const`):

# %%
LogReg["cost"].compute(y, LogReg.out)
p0 = LogReg["cost"].pr()
p1 = LogReg["steps"][-1].func.grad(p0)
p2 = LogReg["steps"][-2].func.grad(p1)

# %%
-LogReg["steps"][-2].func.W

# %%
numpy.testing.assert_allclose(-LogReg["steps"][-2].func.W, J(θ, X_const), atol=1e-12)

# %% [markdown]
# ## Softmax Regression
#
# With $K$ classes ($j = 1, \dots, K$) and $n$ instances ($m = 1, \dots, n$), a weight
# column $W_{\cdot j}$ per class and one-hot targets $Y$:
#
# $$
# \hat p_{mj} = \sigma(\mathbf z_m)_j = \frac{e^{z_{mj}}}{\sum_{i=1}^{K} e^{z_{mi}}},
# \quad \mathbf z_m = x_m^\top W,
# \qquad
# J(W) = -\frac1n \sum_{m=1}^{n}\sum_{j=1}^{K} y_{mj}\log \hat p_{mj},
# $$
#
# and again a closed-form gradient (the softmax Jacobian and the $-y/p$ of the
# cross-entropy simplify to $\hat p - y$):
#
# $$
# \nabla_W J = \frac1n\,X^\top\bigl(\hat P - Y\bigr).
# $$
#
# ### Analytical gradient

# %%
y_one_hot = onehot(y)
y_one_hot[:5, :]

# %%
W = numpy.zeros((X.shape[1] + 1, 2))
Sm = lambda W, X: numpy.exp(X.dot(W)) / numpy.exp(X.dot(W)).sum(axis=1).reshape(-1, 1)
Sm(W, X_const)[:5, :]

# %%
J_W = 1 / len(X) * X_const.T.dot(Sm(W, X_const) - y_one_hot)
J_W

# %% [markdown]
# With two classes, the column of class 1 is the logistic-regression gradient and the
# column of class 0 its opposite.
#
# #### Chain rule

# %%
softmax = Sequential(
        [
        Fullyconnected(2, 2, zeros),
        Activation(Softmax)
        ],
    CrossEntropy
    )
softmax.predict(X)[:5, :]

# %%
softmax["cost"].compute(y_one_hot, softmax.out)

# %%
softmax["cost"].compute(y_one_hot, softmax.out)
_ = softmax.update(softmax["cost"].pr())
-softmax["steps"][-2].func.W

# %%
numpy.testing.assert_allclose(-softmax["steps"][-2].func.W, J_W, atol=1e-12)
numpy.testing.assert_allclose(J_W[:, [1]], J(θ, X_const))

# %% [markdown]
# > **Note.** In the rendered original tutorial this chain-rule output had the opposite
# > sign of the analytic gradient printed just above it. The library now agrees with
# > the analytic gradient, as the assertion shows.
#
# ## Training
#
# Gradient descent repeats $\theta \leftarrow \theta - \alpha\,\nabla J(\theta)$. We run
# it three ways — analytic gradient, the chain rule by hand, and the `train` method —
# and check that all three give the same weights.

# %% [markdown]
# ### Logistic Regression

# %%
n_epoch = 1000
α = 0.1

# %% [markdown]
# #### Using the analytical gradient

# %%
H_θ = lambda X, θ: 1 / (1 + numpy.exp(-X.dot(θ)))
θ = numpy.zeros((3, 1))
X_const = numpy.c_[X, numpy.ones((len(X), 1))]
J = lambda θ, X: 1 / len(X) * X.T.dot(H_θ(X, θ) - y)

# %%
for _ in range(n_epoch):
    θ -= α * J(θ, X_const)

# %%
θ

# %%
pred = (H_θ(X_const, θ) > .5) + 0
float((pred == y).mean())

# %% [markdown]
# The decision boundary is the line $\theta_1 x_1 + \theta_2 x_2 + \theta_3 = 0$, where
# $h_\theta = \frac12$:

# %%
xs = numpy.linspace(-100, 100, 2)
plt.scatter(x=X[:, 0], y=X[:, 1], c=pred.ravel())
plt.plot(xs, -(θ[0] * xs + θ[2]) / θ[1], color='red', label='decision boundary')
plt.ylim(-50, 80)
plt.legend();

# %% [markdown]
# #### Using the chain rule
#
# The learning rate is folded into the output gradient: `update(α * cost.pr())`.

# %%
LogReg = Sequential(
        [
        Fullyconnected(2, 1, zeros),
        Activation(σ)
        ],
    BinaryCrossEntropy
    )
for _ in range(n_epoch):
    LogReg.predict(X)
    LogReg["cost"].compute(y, LogReg.out)
    _ = LogReg.update(α * LogReg["cost"].pr())

# %%
LogReg['steps'][-2].func.W

# %%
numpy.testing.assert_allclose(LogReg['steps'][-2].func.W, θ, rtol=1e-10)

# %%
p = (LogReg.out > .5) + 0
plt.scatter(x=X[:, 0], y=X[:, 1], c=p.ravel());

# %% [markdown]
# #### Using the train method
#
# `train(X, y, epochs=, α=, metrics=)` runs the same full-batch gradient descent (it
# shows the cost and the metrics in a progress bar, and keeps them per epoch in
# `history`):

# %%
LogReg = Sequential(
        [
        Fullyconnected(2, 1, zeros),
        Activation(σ)
        ],
    BinaryCrossEntropy
    )
LogReg.train(X, y, epochs=n_epoch, α=α, metrics=accuracy)

# %%
LogReg['steps'][-2].func.W

# %%
numpy.testing.assert_allclose(LogReg['steps'][-2].func.W, θ, rtol=1e-10)

# %%
history = LogReg.history.history
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
ax1.plot(history['loss'])
ax1.set_yscale('log')
ax1.set_title('BinaryCrossEntropy')
ax2.plot(history['accuracy'])
ax2.set_title('accuracy')
for ax in (ax1, ax2):
    ax.set_xlabel('epoch')

# %% [markdown]
# ### Softmax
#
# #### 2 labels

# %%
centers = [(-50, 0), (20, 30)]
radii = [30, 35]
X, y = make_circle_data(centers, radii)
y = onehot(y)
print(X.shape, y.shape)
ax = plt.subplot()
ax.scatter(X[:, 0], X[:, 1], c=y.argmax(axis=1))
ax.set_xlim(-100, 100)
ax.set_ylim(-100, 100);

# %%
n_epoch = 1000
α = 0.1

# %% [markdown]
# ##### Analytically

# %%
n, k = X.shape
j = y.shape[1]

# %%
W = numpy.zeros((k + 1, j))
Sm = lambda W, X: numpy.exp(X.dot(W)) / numpy.exp(X.dot(W)).sum(axis=1).reshape(-1, 1)
J_W = lambda W, X: 1 / n * X.T.dot(Sm(W, X) - y)

for _ in range(n_epoch):
    W -= α * J_W(W, numpy.c_[X, numpy.ones((n, 1))])

# %%
W

# %%
p = Sm(W, numpy.c_[X, numpy.ones((n, 1))]).argmax(axis=1)
plt.scatter(x=X[:, 0], y=X[:, 1], c=p);

# %% [markdown]
# ##### Using the chain rule

# %%
softmax = Sequential(
        [
        Fullyconnected(k, j, zeros),
        Activation(Softmax)
        ],
    CrossEntropy
    )
softmax.train(X, y, epochs=n_epoch, α=α, metrics=accuracy)

# %%
softmax['steps'][-2].func.W

# %%
numpy.testing.assert_allclose(softmax['steps'][-2].func.W, W, rtol=1e-10, atol=1e-12)

# %%
p = softmax.predict(X).argmax(axis=1)
plt.scatter(x=X[:, 0], y=X[:, 1], c=p);

# %% [markdown]
# #### 3 labels

# %%
iris = IrisDatasetDownloader()
iris.load_dataset()

_, ax = plt.subplots()
scatter = ax.scatter(iris.data[:, 0], iris.data[:, 1], c=iris.target.ravel())
ax.set(xlabel=iris.feature_names[0], ylabel=iris.feature_names[1])
_ = ax.legend(
    scatter.legend_elements()[0], iris.target_names, loc="lower right", title="Classes"
)

# %%
X, y = iris.data, onehot(iris.target)
n, k = X.shape
j = y.shape[1]
X.shape, y.shape

# %% [markdown]
# ##### Using the softmax analytical gradient

# %%
n_epoch = 1000

# %%
W = numpy.zeros((k + 1, j))
Sm = lambda W, X: numpy.exp(X.dot(W)) / numpy.exp(X.dot(W)).sum(axis=1).reshape(-1, 1)
J_W = lambda W, X: 1 / n * X.T.dot(Sm(W, X) - y)

for _ in range(n_epoch):
    W -= α * J_W(W, numpy.c_[X, numpy.ones((n, 1))])

# %%
W

# %%
p = Sm(W, numpy.c_[X, numpy.ones((n, 1))]).argmax(axis=1)
plt.scatter(x=X[:, 0], y=X[:, 1], c=p);

# %%
accuracy().compute(y, Sm(W, numpy.c_[X, numpy.ones((n, 1))]))

# %% [markdown]
# ##### Chain rule

# %%
softmax = Sequential(
        [
        Fullyconnected(k, j, zeros),
        Activation(Softmax)
        ],
    CrossEntropy
    )
softmax.train(X, y, epochs=n_epoch, α=α, metrics=accuracy)

# %%
numpy.testing.assert_allclose(softmax['steps'][-2].func.W, W, rtol=1e-10, atol=1e-12)
accuracy().compute(y, softmax.predict(X))

# %%
p = softmax.predict(X).argmax(axis=1)
plt.scatter(x=X[:, 0], y=X[:, 1], c=p);

# %% [markdown]
# **Next:** tutorial 4 meets problems that no linear classifier can solve, and trains
# real neural networks.
