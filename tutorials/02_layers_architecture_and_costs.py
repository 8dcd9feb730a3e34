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
# # 2 · Layers, architecture and cost functions
#
# A network of `neural_net` is a `Sequential` list of **layers** (tutorial 1 showed the
# activation functions they hold), trained on a **cost function**. This tutorial shows
# how these objects look from the outside, feeds data forward through a network, and
# studies the three cost functions of the library on three data sets.
#
# > Storing networks in a database (`store=True`, `updateW`, `commit`, SQL queries on
# > the stored weights) has its own tutorial: nothing here touches a database.

# %%
import numpy
import matplotlib.pyplot as plt
from tutorial_plots import plot_y1_y0   # a function of p for the targets y = 1 and y = 0

numpy.random.seed(0)

# %% [markdown]
# ## Layers
#
# * `Fullyconnected(n_in, n_out, init_method)` — the affine map
#   $Z = X W_{1:n_{in}} + W_{n_{in}+1}$: with the bias as last row of $W$,
#   this is $Z = [X\ \ \mathbf 1]\,W$;
# * `Activation(func)` — applies an activation function element-wise (row-wise for
#   Softmax).

# %%
from neural_net.layers import Fullyconnected, Activation
from neural_net.init_funcs import zeros, XavierHe
from neural_net.activation import σ, LeakyReLU

# %% [markdown]
# ### Linear Layer

# %%
fc = Fullyconnected(n_in=2, n_out=1, init_method=zeros)

# %% [markdown]
# Every object of the library mirrors a table of the (optional) database: `str` gives
# the table, `repr` the class.

# %%
repr(fc)

# %%
str(fc)

# %% [markdown]
# `.id` is a dict with the object's identity (a random 63-bit integer, unique across
# processes and database files) and its constructor's arguments; `fc[key]` reads it.

# %%
fc.id

# %%
fc['id']

# %%
fc.id['id']

# %%
fc.func

# %% [markdown]
# ### Linear activation
#
# The neurons of a fully connected layer are the linear function `Σ`, which holds the
# weights.

# %%
linear_activation = fc.func
linear_activation

# %%
str(linear_activation)

# %%
repr(linear_activation)

# %% [markdown]
# Its `id` also records its parent layer (keys prefixed with `Layer_`):

# %%
linear_activation.id

# %%
linear_activation.W

# %%
linear_activation.W.shape

# %% [markdown]
# `fc.W` is a shortcut to the same array. With random weights we can check the formula
# $Z = [X\ \ \mathbf 1]\,W$:

# %%
assert fc.W is fc.func.W

layer = Fullyconnected(2, 3, XavierHe("Normal", "ReLU").init_func)
x = numpy.random.normal(size=(5, 2))
numpy.testing.assert_allclose(layer.func.compute(x), numpy.c_[x, numpy.ones(5)] @ layer.W)
layer.W.shape, layer.func.compute(x).shape

# %% [markdown]
# ### Activation layer

# %%
sigmoid_activation = Activation(func=σ)

# %%
sigmoid_activation

# %%
str(sigmoid_activation)

# %%
sigmoid_activation.id

# %% [markdown]
# Extra arguments are passed to the activation function (they appear as `kargs`):

# %%
leaky = Activation(LeakyReLU, 0.1)
leaky.id['kargs'], leaky.func.α

# %% [markdown]
# ## Architecture
#
# `Sequential(steps, cost)` chains the layers: with $a^{(0)} = X$,
#
# $$
# a^{(l)} = \text{step}_l\bigl(a^{(l-1)}\bigr), \qquad \hat y = a^{(L)},
# $$
#
# and training minimises the cost $J(y, \hat y)$.

# %%
from neural_net.architecture import Sequential
from neural_net.layers import Fullyconnected, Activation
from neural_net.init_funcs import zeros
from neural_net.activation import σ
from neural_net.cost import BinaryCrossEntropy

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
repr(network)

# %%
str(network)

# %%
network['steps']

# %%
network.id.keys()

# %%
network['id']

# %%
network.id['id']

# %%
network['cost']

# %% [markdown]
# ## Forward feeding data to the network
#
# ### Generating linearly separable data
#
# 300 points of $[-100, 100]^2$, labelled 1 below the line $x_1 + x_2 = c$ with a
# threshold $c$ jittered in $[0.3, 0.37]$.

# %%
n, k = 300, 2
X = numpy.random.uniform(-100, 100, size=(n, k))
y = (X.sum(axis=1) < numpy.random.uniform(.3, .37, (len(X),))).reshape(-1, 1) + 0
plt.scatter(x=X[:, 0], y=X[:, 1], c=y.ravel());

# %% [markdown]
# ### Looping over layers
#
# A `Sequential` iterates over its steps:

# %%
for layer in network:
    print(repr(layer))

# %%
layer.func

# %% [markdown]
# Feeding the data by hand: each step's function computes its output from the previous
# one.

# %%
out = X
for layer in network:
    out = layer.func.compute(out)

# %%
out[:5]

# %%
out.shape

# %% [markdown]
# With zero weights every linear output is $0$ and every prediction is
# $\sigma(0) = \frac12$.
#
# ### Using the predict method
#
# `predict` does the same loop and keeps the result in `network.out`:

# %%
network.predict(X)
network.out.shape

# %%
numpy.testing.assert_array_equal(network.out, out)
numpy.unique(network.out)

# %% [markdown]
# ## Cost functions
#
# A cost object offers `compute(y, p)`, the **mean** cost of the predictions `p` for
# the targets `y`, and `pr()`, the derivative $\partial J / \partial p$ at the last
# `compute` — *including the $1/n$ averaging factor*, so that backpropagating it gives
# the gradient of the mean cost directly (tutorial 3).

# %%
from neural_net.cost import BinaryCrossEntropy, CrossEntropy, MSE
from neural_net.utils import make_circle_data, IrisDatasetDownloader, HouseDatasetDownloader, Pearson, Boostrap
import numpy
import matplotlib.pyplot as plt

# %% [markdown]
# ### Binary Cross Entropy
#
# For a label $y \in \{0, 1\}$ and an estimated probability $p = P(y = 1)$:
#
# $$
# \mathrm{BCE}(p, y) = \begin{cases}
#     -\log(p) & \text{if } y = 1, \\
#     -\log(1-p) & \text{otherwise,}
# \end{cases}
# \qquad
# J = -\frac1N \sum_{i=1}^{N} \Bigl[y_i \log p_i + (1 - y_i)\log(1 - p_i)\Bigr],
# $$
#
# the negative log-likelihood of Bernoulli labels. Its derivative is
#
# $$
# \frac{\partial J}{\partial p_i} = \frac{1}{N}\,\frac{p_i - y_i}{p_i\,(1 - p_i)} .
# $$

# %%
bcost = BinaryCrossEntropy()

# %% [markdown]
# #### Circles dataset
#
# `make_circle_data(centers, radii)` draws points uniformly inside each circle (164
# per circle by default, `seed=0` by default); the points of circle $i$ get label $i$.

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
# A "dummy classifier" answering random probabilities, and a perfect one:

# %%
dum_classifier = numpy.random.random(len(y))
dum_classifier.shape

# %%
bcost.compute(y, dum_classifier)

# %% [markdown]
# (For $p \sim \mathcal U(0, 1)$ the expected cost is $-\int_0^1 \log p\,dp = 1$.)

# %%
round(bcost.compute(y, y))

# %% [markdown]
# #### Properties
#
# ##### With clipped values (default `clip=True`)
#
# $\log 0 = -\infty$: by default `compute` clips $p$ to $[\varepsilon, 1 - \varepsilon]$
# with $\varepsilon = 10^{-15}$, so the cost stays finite (at most
# $-\log 10^{-15} \approx 34.5$) and so does its derivative (at most $1/\varepsilon$).

# %%
ps = numpy.linspace(0, 1, 1000).reshape(-1, 1)
y1 = numpy.array([[[bcost.compute(numpy.array([1]), p)], bcost.pr()] for p in ps])
y0 = numpy.array([[[bcost.compute(numpy.array([0]), p)], bcost.pr()] for p in ps])

# %%
y1.shape, y1[0].ravel(), y0[-1].ravel()   # (cost, derivative) at p = 0 for y = 1, at p = 1 for y = 0

# %%
plot_y1_y0(ps, y1[:, 0], y0[:, 0], [r'$-\log(p)$', r'$-\log(1-p)$'], xlabel='estimated probability p')

# %% [markdown]
# ###### Derivatives
#
# $\partial\,\mathrm{BCE}/\partial p = -1/p$ for $y = 1$ and $1/(1-p)$ for $y = 0$
# (here $N = 1$). The clipped ends reach $\mp 10^{15}$, which crushes the plot; the
# second figure leaves out the first and last ten points.

# %%
plot_y1_y0(ps, y1[:, 1], y0[:, 1], [r"$BCE'_{p}$", r"$BCE'_{p}$"])

# %%
plot_y1_y0(ps[10:-10, :], y1[10:-10, 1], y0[10:-10, 1], [r"$BCE'_{p} = -\frac{1}{p}$", r"$BCE'_{p} = \frac{1}{1-p}$"])

# %% [markdown]
# ##### Without clipping
#
# `clip=False` computes the exact formula: at $p = 0$ (with $y = 1$) the cost is
# infinite (numpy warns about $\log 0$, silenced here), so we stay inside
# $[10^{-9}, 1 - 10^{-9}]$.

# %%
with numpy.errstate(divide='ignore'):
    print(bcost.compute(numpy.array([1]), numpy.array([0.]), clip=False))

# %%
ps = numpy.linspace(1e-9, 1 - 1e-9, 1000).reshape(-1, 1)
y1 = numpy.array([[[bcost.compute(numpy.array([1]), p, clip=False)], bcost.pr()] for p in ps])
y0 = numpy.array([[[bcost.compute(numpy.array([0]), p, clip=False)], bcost.pr()] for p in ps])

# %%
plot_y1_y0(ps, y1[:, 0], y0[:, 0], [r'$-\log(p)$', r'$-\log(1-p)$'], xlabel='estimated probability p')

# %% [markdown]
# ###### Derivatives

# %%
plot_y1_y0(ps, y1[:, 1], y0[:, 1], [r"$BCE'_{p}$", r"$BCE'_{p}$"])

# %%
plot_y1_y0(ps[10:-10, :], y1[10:-10, 1], y0[10:-10, 1], [r"$BCE'_{p}$", r"$BCE'_{p}$"])

# %% [markdown]
# ### Cross Entropy
#
# For $K$ classes, one-hot targets $y_{i\cdot}$ (a single $1$ at the true class) and
# predicted distributions $p_{i\cdot}$:
#
# $$
# J = -\frac1n \sum_{i=1}^{n}\sum_{j=1}^{K} y_{ij}\,\log p_{ij},
# \qquad
# \frac{\partial J}{\partial p_{ij}} = -\frac{1}{n}\,\frac{y_{ij}}{p_{ij}} .
# $$
#
# Only the probability given to the true class counts. With $K = 2$ it is the binary
# cross-entropy.

# %%
ce = CrossEntropy()

# %% [markdown]
# #### Iris dataset
#
# The data set ships with the library (nothing is downloaded despite the class name).

# %%
iris = IrisDatasetDownloader()
iris.load_dataset()

# %%
print('\n'.join(iris.description.splitlines()[:40]))

# %%
print(iris.data.shape, iris.target.shape)

# %%
print(iris.target_names)

# %%
print(iris.feature_names)

# %%
print(iris.data[:5, :])

# %%
print(iris.target[:5, :])

# %%
_, ax = plt.subplots()
scatter = ax.scatter(iris.data[:, 0], iris.data[:, 1], c=iris.target.ravel())
ax.set(xlabel=iris.feature_names[0], ylabel=iris.feature_names[1])
_ = ax.legend(
    scatter.legend_elements()[0], iris.target_names, loc="lower right", title="Classes"
)

# %% [markdown]
# A dummy classifier: random rows normalised to sum to 1.

# %%
dum_classifier = numpy.random.random((len(iris.target), 3))
dum_classifier /= dum_classifier.sum(axis=1, keepdims=True)
print(dum_classifier.shape)
dum_classifier[:5, :]

# %% [markdown]
# `onehot` turns the label column into the one-hot matrix
# $Y_{ij} = \mathbb 1[y_i = c_j]$ ($c_1 < \dots < c_K$ the sorted labels):

# %%
from neural_net.pipeline import onehot

# %%
y = onehot(iris.target)
print(y.shape)
y[:5, :]

# %%
ce.compute(y, dum_classifier)

# %%
round(ce.compute(y, y))

# %% [markdown]
# #### Properties
#
# ##### Binary case: 2 labels
#
# With $y = (1, 0)$ and $p = (p_0, 1 - p_0)$ the cost is $-\log p_0$; the derivative
# is $(-1/p_0,\ 0)$: only the true class's probability receives a gradient.

# %%
ps = numpy.linspace(1e-9, 1 - 1e-9, 1000).reshape(-1, 1)

y1, pr = [], []

for p in ps:
    y1.append(ce.compute(numpy.array([[1, 0]]), numpy.c_[p, 1 - p]))
    pr.append(ce.pr()[0])

fig, ax1 = plt.subplots()
plt.title('y=[1,0]')
ax1.plot(ps, y1, label='[p0,p1=1-p0]')
ax1.set_xlabel('p0')
ax1.legend();

# %%
pr = numpy.array(pr)
pr.shape

# %%
fig, ax1 = plt.subplots()
ax1.set_title('derivatives at y=[1,0]')
ax1.plot(ps[10:-10, :], pr[10:-10, 0], label=r"$CE'_{p0}$")
ax1.plot(ps[10:-10, :], pr[10:-10, 1], label=r"$CE'_{p1}$")
plt.legend();

# %% [markdown]
# ##### Multimodal case: 3+ labels
#
# $y = (0, 1, 0)$ and $p = \bigl(\tfrac23(1 - p_1),\ p_1,\ \tfrac13(1 - p_1)\bigr)$.

# %%
ps = numpy.linspace(1e-9, 1 - 1e-9, 1000).reshape(-1, 1)

y1, pr = [], []

for p in ps:
    y1.append(ce.compute(numpy.array([[0, 1, 0]]), numpy.c_[(1 - p) * 2 / 3, p, (1 - p) / 3]))
    pr.append(ce.pr()[0])

fig, ax1 = plt.subplots()
plt.title('y=[0,1,0]')
ax1.plot(ps, y1, label='[p0,p1,p2]')
ax1.set_xlabel('p1')
ax1.legend();

# %%
pr = numpy.array(pr)
pr.shape

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 7))
ax1.set_title('derivatives at y=[0,1,0]')
ax1.plot(ps[10:-10, :], pr[10:-10, 0], label=r"$CE'_{p0}$")
ax1.plot(ps[10:-10, :], pr[10:-10, 1], label=r"$CE'_{p1}$")
ax1.plot(ps[10:-10, :], pr[10:-10, 2], label=r"$CE'_{p2}$")
ax1.legend()

ax2.set_title('derivatives at y=[0,1,0] (false classes)')
ax2.plot(ps[10:-10, :], pr[10:-10, 0], label=r"$CE'_{p0}$")
ax2.plot(ps[10:-10, :], pr[10:-10, 2], label=r"$CE'_{p2}$")
ax2.legend();

# %% [markdown]
# ### Mean Squared Error
#
# For regression:
#
# $$
# J = \mathrm{MSE}(y, p) = \frac1N \sum_{i=1}^{N} (y_i - p_i)^2,
# \qquad
# \frac{\partial J}{\partial p_i} = -\frac{2}{N}\,(y_i - p_i).
# $$

# %%
mse = MSE()

# %% [markdown]
# #### Boston Housing
#
# Bundled with the library (the copy scikit-learn shipped up to version 1.1). Mind the
# ethical problem of the feature `B` described below: the data set is used here to
# teach regression only.

# %%
housing = HouseDatasetDownloader()
housing.load_dataset()

# %%
print(housing.description)

# %%
print(housing.columns)

# %%
print(housing.data)

# %%
print(housing.data.shape)

# %% [markdown]
# ##### Correlations
#
# The Pearson correlation between columns $i$ and $j$:
#
# $$
# r_{ij} = \frac{\sum_t (x_{ti} - \bar x_i)(x_{tj} - \bar x_j)}
#               {\sqrt{\sum_t (x_{ti} - \bar x_i)^2}\,\sqrt{\sum_t (x_{tj} - \bar x_j)^2}}
#          \in [-1, 1].
# $$
#
# The median value `MEDV` is most correlated with `LSTAT` (the share of lower-status
# population, $r \approx -0.74$) and `RM` (rooms per dwelling, $r \approx 0.70$).

# %%
fig = plt.figure(figsize=(22, 14))

gs  = fig.add_gridspec(2, 3)
ax1 = fig.add_subplot(gs[0, 0])
ax2 = fig.add_subplot(gs[0, 1])
ax3 = fig.add_subplot(gs[0, 2])
ax4 = fig.add_subplot(gs[1, :])

ax1.hist(housing.data[:, -1], label="Median value of owner-occupied homes in $1,000's", bins=10)
ax1.legend()
lp = numpy.log(housing.data[:, -1])
ax2.hist((lp - lp.mean()) / lp.std(), label='Normalized Log Median House Values', bins=15)
ax2.legend()
corr = Pearson(housing.data, cols=housing.columns)
ax4.scatter(x=housing.data[:, -2], y=housing.data[:, -1], label='MEDV by % lower status of the population')
ax4.set_xlabel("LSTAT")
ax4.set_ylabel("MEDV")
ax4.legend()

corr.heatmap(ax=ax3, digits=2);

# %%
corr.corr()['MEDV'].round(2)

# %% [markdown]
# ##### Ordinary Least Squares
#
# The linear model $y = X\beta + \varepsilon$ with one feature (`LSTAT`) and an
# intercept, $X = [\,\mathrm{LSTAT}\ \ \mathbf 1\,]$. Minimising the squared error
# $\lVert y - X\beta \rVert^2$ gives the normal equations $X^\top X \hat\beta = X^\top y$:
#
# $$
# \hat\beta = (X^\top X)^{-1} X^\top y,
# \qquad
# \widehat{\operatorname{Var}}(\hat\beta) = s^2\,(X^\top X)^{-1},
# \qquad
# s^2 = \frac{1}{n - p}\sum_i \hat\varepsilon_i^2 ,
# $$
#
# with $p = 2$ coefficients. (The original tutorial used the biased
# $\hat\sigma^2 = \frac1n \sum_i \hat\varepsilon_i^2$, `ε.std()**2`; with $n = 506$ the
# difference is $0.4\,\%$.)

# %%
X = numpy.c_[housing.data[:, [-2]], numpy.ones((len(housing.data), 1))]
y = housing.data[:, [-1]]
XtX = X.T.dot(X)
XTXinv = numpy.linalg.inv(XtX)
βhat = XTXinv.dot(X.T.dot(y))

pred = X.dot(βhat)
ε = y - pred

n_obs, n_coef = X.shape
s2 = (ε ** 2).sum() / (n_obs - n_coef)
sigmaε, meanε = ε.std(), ε.mean()
print(sigmaε, numpy.sqrt(s2), meanε)

Varβ = s2 * XTXinv

βhat

# %% [markdown]
# The residuals have mean $0$ (up to rounding): with an intercept, the normal equations
# force $\mathbf 1^\top \hat\varepsilon = 0$. The fit checks against numpy's own
# least-squares solver:

# %%
numpy.testing.assert_allclose(βhat, numpy.linalg.lstsq(X, y, rcond=None)[0])

# %% [markdown]
# ##### t-test
#
# To test $H_0: \beta_j = 0$ we use the statistic
#
# $$
# t_j = \frac{\hat\beta_j}{\widehat{\operatorname{se}}(\hat\beta_j)},
# \qquad \widehat{\operatorname{se}}(\hat\beta_j) = \sqrt{\widehat{\operatorname{Var}}(\hat\beta)_{jj}} ,
# $$
#
# which follows a Student law with $n - p = 504$ degrees of freedom under $H_0$ —
# indistinguishable from the standard normal $\mathcal N(0, 1)$ at this size. The
# two-sided p-value with the normal approximation only needs the complementary error
# function of the standard library ($\Phi$ is the normal CDF):
#
# $$
# p_j = P(|T| \ge |t_j|) = 2\bigl(1 - \Phi(|t_j|)\bigr) = \operatorname{erfc}\!\Bigl(\frac{|t_j|}{\sqrt 2}\Bigr).
# $$
#
# (The original tutorial called `scipy.stats.norm.sf(abs(t))`, the *one-sided* tail,
# half of this value; `neural_net` does not depend on scipy.)

# %%
student = βhat / Varβ.diagonal().reshape(-1, 1) ** .5
student

# %%
import math

p_value = numpy.array([[math.erfc(abs(t) / math.sqrt(2))] for t in student.ravel()])
p_value

# %% [markdown]
# Both coefficients are overwhelmingly significant: the second p-value is below the
# smallest positive double ($\approx 5 \cdot 10^{-324}$) and underflows to $0$. A
# sanity check of the formula on a familiar value, $P(|Z| \ge 1.96) \approx 0.05$:

# %%
math.erfc(1.959964 / math.sqrt(2))

# %% [markdown]
# ##### $R^2$ score
#
# The share of the variance of $y$ explained by the model:
#
# $$
# R^2 = 1 - \frac{SSE}{SS_{tot}} = 1 - \frac{\sum_i \hat\varepsilon_i^2}{\sum_i (y_i - \bar y)^2}
# $$
#
# (with one feature, $R^2 = r^2_{\mathrm{LSTAT},\mathrm{MEDV}}$).

# %%
SSE = (ε ** 2).sum()
SStot = ((y - y.mean()) ** 2).sum()
R2 = float(1 - SSE / SStot)
R2

# %%
numpy.testing.assert_allclose(R2, corr.corr().loc['LSTAT', 'MEDV'] ** 2)

# %%
b1, b0 = βhat.ravel()
order = numpy.argsort(housing.data[:, -2])
plt.scatter(x=housing.data[:, -2], y=housing.data[:, -1], label='MEDV by % lower status of the population')
plt.plot(housing.data[order, -2], pred[order], color='red',
         label=rf"$y = {b0:.2f} {b1:+.2f}\,LSTAT$;  $R^2 = {R2:.2f}$")
plt.xlabel("LSTAT")
plt.ylabel("MEDV")
plt.legend();

# %% [markdown]
# ##### Computing mse
#
# The MSE of the OLS fit is $SSE/n$:

# %%
mse = MSE()

# %%
mse.compute(y, pred)

# %%
numpy.testing.assert_allclose(mse.compute(y, pred), SSE / len(y))

# %%
mse.compute(y, y)

# %% [markdown]
# ##### Residual analysis
#
# The t-test assumes normal, homoscedastic residuals. Two classic plots:
#
# * a **normal Q-Q plot**: the sorted residuals $\hat\varepsilon_{(i)}$ against the
#   quantiles $\hat\mu + \hat\sigma\,\Phi^{-1}\bigl(\frac{i - 1/2}{n}\bigr)$ of a normal law
#   (computed with `statistics.NormalDist` of the standard library); normal residuals
#   lie on the diagonal;
# * **residuals vs fitted values**: they should look like a structureless band.
#
# Here the curvature of both plots shows that the relation between `LSTAT` and `MEDV`
# is not linear (a log or quadratic term would help) and that the residuals are skewed.

# %%
from statistics import NormalDist

n_res = len(ε)
probs = (numpy.arange(1, n_res + 1) - 0.5) / n_res
εquantiles = numpy.sort(ε.ravel())
normal = NormalDist(mu=meanε, sigma=sigmaε)
normal_quantiles = numpy.array([normal.inv_cdf(q) for q in probs])

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(22, 7))

ax1.scatter(normal_quantiles, εquantiles, label='Residual quantiles')
ax1.plot(normal_quantiles, normal_quantiles, color='red', label='theoretical normal')
ax1.set_title("Normal Q-Q")
ax1.set_xlabel("normal quantiles")
ax1.set_ylabel("ε quantiles")
ax1.legend()

ax2.scatter(pred, ε, label=r"Residuals")
ax2.axhline(0, color='red', linestyle='--')
ax2.set_title(r"Residuals vs fitted")
ax2.set_xlabel("predictions")
ax2.set_ylabel("ε")
ax2.legend();

# %% [markdown]
# ##### Bias analysis: bootstrap
#
# The bootstrap estimates the sampling distribution of $\hat\beta$ without any
# normality assumption: draw $n$ rows **with replacement**, refit, repeat $B = 1000$
# times. `Boostrap((X, y), n_sample=B, seed=...)` yields the resampled pairs, rows kept
# aligned. The mean of the bootstrap coefficients estimates $E(\hat\beta)$ (their
# difference with $\hat\beta$ estimates the bias), their standard deviation the
# standard error.

# %%
coeffs = []
for (x_new, y_new) in Boostrap((X, y), n_sample=1000, seed=0):
    β_new = numpy.linalg.inv(x_new.T.dot(x_new)).dot(x_new.T.dot(y_new))
    coeffs.append(β_new)

# %%
coeffs = numpy.concatenate(coeffs, axis=1).T
coeffs.shape

# %%
coeffs.mean(axis=0)

# %%
coeffs.mean(axis=0) - βhat.ravel()   # estimated bias

# %% [markdown]
# Bootstrap standard errors next to the OLS formula: the bootstrap one of the slope is
# larger, another sign that the residuals are not homoscedastic.

# %%
coeffs.std(axis=0), Varβ.diagonal() ** .5

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(22, 7))

m_lstat, m_inter = coeffs.mean(axis=0)
ax1.hist(coeffs[:, 0], label=r"$\beta_{LSTAT}$", bins=15)
ax1.set_title(rf"$E(\beta_{{LSTAT}}) \approx$ {m_lstat * 1000:,.0f} \$ per point of LSTAT")
ax1.legend()
ax2.hist(coeffs[:, 1], label=r"$\beta_{Intercept}$", bins=15)
ax2.set_title(rf"$E(\beta_{{Intercept}}) \approx$ {m_inter * 1000:,.0f} \$")
ax2.legend();

# %% [markdown]
# #### Properties
#
# MSE is a parabola in $p$ and its derivative is linear: $-2(y - p)$ for one value.

# %%
ps = numpy.linspace(0, 200, 1000).reshape(-1, 1)

mses = numpy.array([[mse.compute(numpy.array([100]), p), mse.pr()[0]] for p in ps])

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 7))
ax1.plot(ps, mses[:, 0], label='mse')
ax1.set_title('mse for true=100')
ax1.legend()

ax2.plot(ps, mses[:, 1], label=r'$-2(y_{n,1}-p_{n,1})$')
ax2.set_title('mse derivative at true=100')
ax2.legend();

# %% [markdown]
# **Next:** tutorial 3 backpropagates these derivatives through a network, and checks
# that the chain rule reproduces the analytic gradients of logistic and softmax
# regression.
