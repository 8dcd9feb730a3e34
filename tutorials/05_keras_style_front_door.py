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
# # 5 · The Keras-style front door
#
# The first four tutorials built networks as the seed tutorial does:
# `Fullyconnected` and `Activation` steps, a cost class, and `train(X, y, epochs=, α=)`.
# `neural_net` also has a second front door, shaped like Keras:
#
# | step | call |
# |---|---|
# | stack layers | `Sequential([Dense(...), Dropout(...), Dense(...)], seed=0)` |
# | inspect | `model.summary()` |
# | choose optimizer, loss, metrics | `model.compile(optimizer=..., loss=..., metrics=['accuracy'])` |
# | train, with validation and callbacks | `history = model.fit(X, y, epochs=, batch_size=, validation_split=, callbacks=[...])` |
# | measure | `model.evaluate(X, y)`, `model.predict(X)` |
#
# Both doors lead to **the same training loop**: at the end of this notebook we check
# that they give bit-identical weights.
#
# On the 8×8 hand-written digits of scikit-learn we train a small network with early
# stopping, compare five optimizers (SGD, SGD with Nesterov momentum, Adam, AdamW,
# RMSprop) on one plot, write down the update rule of each, and try learning-rate
# schedules.

# %%
import numpy
import pandas as pd
import matplotlib.pyplot as plt
from tutorial_plots import show_digits   # a row of 8×8 digit images with their titles
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from neural_net.architecture import Sequential
from neural_net.layers import Dense, Dropout
from neural_net.optimizers import SGD, Adam, AdamW, RMSprop
from neural_net.schedules import CosineAnnealing, LinearDecay, ReduceLROnPlateau
from neural_net.callbacks import EarlyStopping
from neural_net.metrics import accuracy, classification_report, ConfusionMatrix
from neural_net.pipeline import onehot, scaler
from neural_net.plotting import plot_history, plot_decision_boundary, compare_histories
from neural_net.utils import make_circle_data

# %% [markdown]
# ## The data
#
# 1797 grey-level images of $8 \times 8$ pixels with values $0, \dots, 16$. Each image
# becomes a row of 64 inputs divided by 16, so that $x \in [0, 1]^{64}$; each label
# $c \in \{0, \dots, 9\}$ becomes a one-hot row $y \in \{0, 1\}^{10}$ with
# $y_j = [c = j]$.
#
# As in scikit-learn's digits example, the first half of the images is the training set
# and the second half the test set (`shuffle=False`: the split does not depend on a
# random draw). The test set is used only to report results at the end, never to choose
# anything.

# %%
digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(
    digits.data / 16, onehot(digits.target), test_size=0.5, shuffle=False)
X_train.shape, y_train.shape, X_test.shape, y_test.shape

# %%
show_digits(X_train[:8], [f"label {target.argmax()}" for target in y_train[:8]], figsize=(12, 2))

# %% [markdown]
# ## Building the model: `Sequential`, `Dense`, `Dropout`
#
# `Dense(units, activation=..., input_dim=...)` is a fully connected layer followed by its
# activation; `Sequential` expands it into the two steps of the seed's API
# (`Fullyconnected` then `Activation`). Only the first layer needs `input_dim`; the
# others take their input width from the layer before. Our network is
#
# $$
# h = \mathrm{ReLU}\bigl([x\ 1]\,W^{(1)}\bigr) \in \mathbb R^{64},
# \qquad
# \tilde h = h \odot \frac{m}{1 - r},
# \qquad
# p = \mathrm{softmax}\bigl([\tilde h\ 1]\,W^{(2)}\bigr) \in (0, 1)^{10},
# $$
#
# with $W^{(1)}$ of shape $65 \times 64$ and $W^{(2)}$ of shape $65 \times 10$ (the bias
# is the last row), and $\mathrm{softmax}(z)_j = e^{z_j} / \sum_i e^{z_i}$.
#
# * **Initialization.** `Dense` draws its weights He-uniform before a ReLU,
#   $W_{ij} \sim \mathcal U[-r, r]$ with $r = \sqrt 2 \sqrt{6 / (n_{in} + n_{out})}$,
#   Glorot-uniform otherwise ($r = \sqrt{6 / (n_{in} + n_{out})}$), and sets the bias row
#   to 0.
# * **Dropout** (inverted dropout) with rate $r = 0.2$: while training, each hidden
#   value is kept with probability $1 - r$ ($m_j \sim \mathrm{Bernoulli}(1 - r)$) and the
#   kept values are divided by $1 - r$, so that $\mathbb E[\tilde h] = h$; in `predict`
#   and `evaluate` the layer is the identity. Hiding a random fifth of the hidden units
#   at every step keeps them from relying on each other, a regularization.
# * **`seed=0`.** A random generator built from the seed re-draws every weight matrix
#   and then drives the shuffling of the training rows and the dropout masks: the same
#   seed gives the same numbers, run after run.
#
# `summary()` prints each step with its output shape and its number of parameters:
# $65 \times 64 = 4160$ and $65 \times 10 = 650$.

# %%
model = Sequential(
    [
        Dense(64, activation='relu', input_dim=64),
        Dropout(0.2),
        Dense(10, activation='softmax'),
    ],
    seed=0,
)
_ = model.summary()

# %% [markdown]
# ## `compile`: optimizer, loss and metrics
#
# The loss `'categorical_crossentropy'` is the library's `CrossEntropy`, the mean over
# the $n$ rows of a batch of
#
# $$
# J = -\frac1n \sum_{i=1}^{n} \sum_{j=1}^{10} y_{ij} \log p_{ij}.
# $$
#
# Softmax followed by cross-entropy has the simple gradient
# $\partial J / \partial Z = (P - Y)/n$ with respect to the last layer's linear output
# $Z$, which the loop uses directly (the "fused" gradient) instead of multiplying the
# softmax Jacobian by $\partial J / \partial P$.
#
# The optimizer may be a name (`'sgd'`, `'adam'`, `'adamw'`, `'rmsprop'`, with default
# hyper-parameters) or an object such as `Adam(lr=0.005)`. The metric `'accuracy'` is
# the share of rows whose most probable class is the true one,
# $\frac1n \sum_i [\operatorname{argmax}_j p_{ij} = \operatorname{argmax}_j y_{ij}]$.

# %%
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
model.optimizer

# %% [markdown]
# ## `fit` with a validation split and early stopping
#
# `fit(X, y, epochs, batch_size, validation_split, callbacks)`:
#
# * `validation_split=0.2` sets aside the **last** 20 % of the training rows
#   ($898 \to 718 + 180$), before any shuffling, as a validation set;
# * every epoch, the 718 remaining rows are shuffled (by the model's seeded generator)
#   and cut into mini-batches of `batch_size=32`: 23 updates per epoch, each with the
#   gradient of the mean loss over one batch;
# * at the end of every epoch the loop records in the history the training `loss` and
#   `accuracy` (means over the epoch's batches, computed with dropout on, before each
#   update), the `val_loss` and `val_accuracy` (on the validation rows, dropout off) and
#   the learning rate `lr`, then calls the callbacks.
#
# `EarlyStopping(monitor='val_loss', patience=10, restore_best_weights=True)` watches
# the validation loss $x$: an epoch *improves* when $x < x^*$, the best value so far.
# After `patience` epochs in a row without improvement it stops training, and it then
# puts back the weights of the best epoch. The validation loss chooses *when* to stop
# (a hyper-parameter), which is why it must not be measured on the test set.
#
# With `verbose=1` (the default) `fit` shows a progress bar; `verbose=0` keeps this
# notebook quiet. `epochs=200` is only an upper bound.

# %%
early = EarlyStopping(monitor='val_loss', patience=10, restore_best_weights=True)
history = model.fit(X_train, y_train, epochs=200, batch_size=32, validation_split=0.2,
                    callbacks=[early], verbose=0)
history

# %%
{'epochs run': len(history), 'stopped at epoch': early.stopped_epoch,
 'best epoch': early.best_epoch, 'best val_loss': early.best}

# %% [markdown]
# `fit` returns the `History` of its epochs; `to_frame()` turns it into a DataFrame
# indexed by epoch:

# %%
history.to_frame().tail()

# %% [markdown]
# The weights the model holds now are those of the best epoch, not of the last one: on
# the validation rows (the last 20 % of the training set) the model finds the best
# validation loss again.

# %%
cut = int(round(len(X_train) * (1 - 0.2)))
X_val, y_val = X_train[cut:], y_train[cut:]
val_loss, val_accuracy = model.evaluate(X_val, y_val)
assert numpy.isclose(val_loss, early.best)
val_loss, val_accuracy

# %% [markdown]
# ## `evaluate` and `predict`
#
# `evaluate` returns `[loss, accuracy]` (dropout off); `predict` returns the softmax
# probabilities, one row per image, each row summing to 1. The predicted class is the
# column of the largest probability. Below, the first test images with their predicted
# and true classes (errors in red).

# %%
test_loss, test_accuracy = model.evaluate(X_test, y_test)
assert test_accuracy > 0.9
test_loss, test_accuracy

# %%
proba = model.predict(X_test)
predicted = proba.argmax(axis=1)
numpy.testing.assert_allclose(proba.sum(axis=1), 1)
proba[:3].round(3)

# %%
_, axes = plt.subplots(nrows=1, ncols=8, figsize=(12, 2))
for ax, image, prediction, target in zip(axes, X_test, predicted, y_test):
    ax.set_axis_off()
    ax.imshow(image.reshape(8, 8), cmap=plt.cm.gray_r, interpolation="nearest")
    ax.set_title(f"{prediction} (true {target.argmax()})",
                 color='black' if prediction == target.argmax() else 'red')

# %% [markdown]
# `classification_report(y_true, y_pred)` gives, for every class $c$, the precision
# $TP_c / (\text{rows predicted } c)$, the recall $TP_c / (\text{rows of class } c)$, their
# harmonic mean F1 and the support (rows of class $c$). One-hot targets and probability
# rows are both accepted (their argmax is taken). Note the order of the arguments:
# `(y_true, y_pred)` as in scikit-learn, whereas `ConfusionMatrix().fit` takes
# `(y_pred, y_true)`.

# %%
print(classification_report(y_test, proba))

# %%
cm = ConfusionMatrix().fit(proba, y_test)
assert numpy.isclose(cm.accuracy, test_accuracy)

fig, ax = plt.subplots(figsize=(6, 6))
ax.imshow(cm.matrix, cmap=plt.cm.Blues)
for (i, j), count in numpy.ndenumerate(cm.matrix):
    ax.text(j, i, count, ha='center', va='center',
            color='white' if count > cm.matrix.max() / 2 else 'black')
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel('predicted class')
ax.set_ylabel('true class')
ax.set_title(f'Confusion matrix (test accuracy {cm.accuracy:.3f})');


# %% [markdown]
# ## Five optimizers on one plot
#
# Every optimizer receives, for each weight matrix $W$ (bias row included), the gradient
# $G = \partial J / \partial W$ of the mean loss of the current mini-batch, and updates
# $W$ in place. The rules below are those of `neural_net.optimizers` (which follow
# PyTorch's conventions, checked against PyTorch's numbers); $\eta$ is the learning
# rate, $t$ counts the updates of $W$, $\lambda$ is the weight decay (0 unless given),
# and squares, roots and divisions act element by element.
#
# ### SGD
#
# Plain gradient descent on the L2-penalized gradient $g_t = G_t + \lambda W_{t-1}$:
#
# $$
# W_t = W_{t-1} - \eta\, g_t .
# $$
#
# For plain SGD the loop folds $\eta$ into the output gradient, so that the update is a
# single subtraction. The step is proportional to the gradient: too small where the
# loss is flat, oscillating across a narrow valley where it is steep.
#
# ### SGD with momentum, and Nesterov
#
# A velocity $b$ accumulates past gradients (momentum $\mu$, dampening $d$):
#
# $$
# b_1 = g_1, \qquad b_t = \mu\, b_{t-1} + (1 - d)\, g_t,
# \qquad
# u_t = \begin{cases} g_t + \mu\, b_t & \text{(Nesterov)} \\ b_t & \text{(classical momentum)} \end{cases},
# \qquad
# W_t = W_{t-1} - \eta\, u_t .
# $$
#
# Components of the gradient that change sign from step to step cancel in $b$, while a
# steady direction builds up: for a constant gradient $g$, $b_t \to g / (1 - \mu)$, an
# effective rate of $\eta / (1 - \mu) = 10\eta$ for $\mu = 0.9$. Nesterov's variant
# (needs $d = 0$) adds the gradient once more to the velocity it is about to follow, a
# cheap version of "look ahead, then correct", which damps the overshoot.
#
# ### Adam
#
# Adam keeps, per weight, exponential moving averages of the gradient and of its
# square, corrects their bias towards the zero they start from, and divides one by the
# root of the other:
#
# $$
# m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t,
# \qquad
# v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2,
# \qquad
# \hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t},
# $$
#
# $$
# W_t = W_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
# \qquad (\beta_1 = 0.9,\ \beta_2 = 0.999,\ \epsilon = 10^{-8}).
# $$
#
# The library computes the same step in PyTorch's form,
# $\frac{\eta}{1 - \beta_1^t} \cdot m_t \big/ \bigl(\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon\bigr)$.
# Each weight gets its own step size, of order $\eta$ whatever the scale of its
# gradient. A weight decay in Adam is coupled: $g_t = G_t + \lambda W_{t-1}$ enters the
# moments, so the decay is divided by $\sqrt{\hat v_t}$ like the rest of the gradient.
#
# ### AdamW
#
# AdamW decouples the weight decay from the gradient (Loshchilov and Hutter): the
# weights are first shrunk, then the Adam step is taken on the raw gradient
# $g_t = G_t$:
#
# $$
# W \leftarrow W\,(1 - \eta\lambda),
# \qquad
# W_t = W - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}.
# $$
#
# Every weight is now shrunk by the same factor, whatever the size of its gradients
# (in Adam, weights with large gradients were barely decayed). We use $\lambda = 0.05$.
#
# ### RMSprop
#
# RMSprop divides the gradient by a moving root mean square of the recent gradients
# (smoothing constant $\alpha = 0.99$), without first moment and without bias
# correction:
#
# $$
# v_t = \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2,
# \qquad
# W_t = W_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon}.
# $$
#
# (With `momentum=μ`, $b_t = \mu b_{t-1} + g_t / (\sqrt{v_t} + \epsilon)$ and
# $W_t = W_{t-1} - \eta\, b_t$; with `centered=True`, $v_t$ is replaced by the variance
# estimate $v_t - \bar g_t^2$, $\bar g_t$ a moving average of $g_t$.)
#
# ### The comparison
#
# Each optimizer trains **the same architecture with the same seed**: the same initial
# weights, the same order of the mini-batches and the same dropout masks, so that the
# only difference is the update rule. The learning rates are usual values for each
# method (the adaptive methods want smaller ones), not tuned. Every run has the same
# budget, 30 epochs, without early stopping, so that the curves have the same length.

# %%
def steps():
    return [
        Dense(64, activation='relu', input_dim=64),
        Dropout(0.2),
        Dense(10, activation='softmax'),
    ]


def build():
    return Sequential(steps(), seed=0)


# the same seed gives the same initial weights
assert all(numpy.array_equal(a, b) for a, b in zip(build().get_weights(), build().get_weights()))

# %%
EPOCHS = 30
optimizers = {
    'SGD': SGD(lr=0.1),
    'SGD + Nesterov': SGD(lr=0.05, momentum=0.9, nesterov=True),
    'Adam': Adam(lr=0.005),
    'AdamW': AdamW(lr=0.005, weight_decay=0.05),
    'RMSprop': RMSprop(lr=0.002),
}
runs, histories = {}, {}
for name, optimizer in optimizers.items():
    net = build()
    net.compile(optimizer=optimizer, loss='categorical_crossentropy', metrics=['accuracy'])
    histories[name] = net.fit(X_train, y_train, epochs=EPOCHS, batch_size=32,
                              validation_split=0.2, verbose=0)
    runs[name] = net

# %% [markdown]
# `compare_histories({name: history, ...}, key=...)` draws one curve per run. On the
# left the training loss, on the right the validation loss:

# %%
fig, (ax_train, ax_val) = plt.subplots(nrows=1, ncols=2, figsize=(14, 4.5))
compare_histories(histories, key='loss', ax=ax_train)
compare_histories(histories, key='val_loss', ax=ax_val)
ax_train.set_title('training loss (dropout on)')
ax_val.set_title('validation loss')
for ax in (ax_train, ax_val):
    ax.set_ylim(0, 1)

# %% [markdown]
# Momentum and the adaptive methods reach a low loss within five epochs, where plain
# SGD needs about twenty. The training loss keeps falling all along, whereas the
# validation loss stops improving after about ten epochs and then stays level around
# 0.25, going up and down from one epoch to the next: from there on the networks mostly
# fit the 718 training images better, they **overfit**, which is what early stopping
# guards against.
#
# The table below gathers, for each run, the best and the last validation loss, the
# Frobenius norm $\lVert W \rVert$ of the weights (bias rows excluded) and, computed once
# at the end, the loss and accuracy on the test set.

# %%
rows = {}
for name, net in runs.items():
    h = histories[name].history
    loss, acc = net.evaluate(X_test, y_test)
    rows[name] = {
        'best val_loss': min(h['val_loss']),
        'epoch of best': histories[name].epoch[int(numpy.argmin(h['val_loss']))],
        'last val_loss': h['val_loss'][-1],
        '‖W‖': numpy.sqrt(sum(float((W[:-1] ** 2).sum()) for W in net.get_weights())),
        'test loss': loss,
        'test accuracy': acc,
    }
table = pd.DataFrame(rows).T
table['epoch of best'] = table['epoch of best'].astype(int)
assert (table['test accuracy'] > 0.85).all()
table.sort_values('test accuracy', ascending=False).round(4)

# %% [markdown]
# The decoupled weight decay of AdamW shows in the norm of its weights, smaller than
# Adam's for the same learning rate. All five runs classify more than nine test images
# in ten; with so small a data set, differences of one point of accuracy (nine images)
# are within the noise of the choice of seed.
#
# ## Learning-rate schedules
#
# A `Schedule` gives the learning rate of each epoch from the base rate $\eta_0$
# (with $t = \text{epoch} - 1$); the optimizer applies it at the start of each epoch:
#
# * `CosineAnnealing(T_max, eta_min)`:
#   $\eta = \eta_{\min} + (\eta_0 - \eta_{\min})\,\frac{1 + \cos(\pi t / T_{\max})}{2}$,
#   large steps first, then smaller and smaller steps to settle in a minimum;
# * `LinearDecay(E, f)`:
#   $\eta = f\eta_0 + (\eta_0 - f\eta_0)\,\frac{E - \min(t, E)}{E}$, a straight line
#   from $\eta_0$ down to $f\eta_0$ over $E$ epochs.
#
# The callback `ReduceLROnPlateau(monitor, factor, patience)` reacts to training
# instead: after `patience` epochs in a row without improvement of the monitored value
# (by more than `min_delta`, $10^{-4}$ by default), it sets
# $\eta \leftarrow \max(\eta \cdot \text{factor},\ \eta_{\min})$. On an optimizer with a
# schedule it multiplies the optimizer's `lr_scale` $s$ by the same factor, and the rate
# becomes $\eta = \text{schedule}(\text{epoch}, \eta_0) \cdot s$.
#
# Three runs, with the same architecture and seed:
#
# 1. SGD with Nesterov momentum and a cosine schedule over the 30 epochs;
# 2. Adam with a larger rate, $\eta_0 = 0.01$, halved by `ReduceLROnPlateau` when the
#    validation loss has not improved for 3 epochs;
# 3. plain SGD with `LinearDecay` down to $0.1\,\eta_0$ *and* `ReduceLROnPlateau`.

# %%
cosine = build().compile(
    optimizer=SGD(lr=0.05, momentum=0.9, nesterov=True, schedule=CosineAnnealing(T_max=EPOCHS)),
    loss='categorical_crossentropy', metrics=['accuracy'])
h_cosine = cosine.fit(X_train, y_train, epochs=EPOCHS, batch_size=32,
                      validation_split=0.2, verbose=0)

plateau = build().compile(optimizer=Adam(lr=0.01), loss='categorical_crossentropy',
                          metrics=['accuracy'])
h_plateau = plateau.fit(X_train, y_train, epochs=EPOCHS, batch_size=32, validation_split=0.2,
                        callbacks=[ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=3)],
                        verbose=0)

linear = build().compile(optimizer=SGD(lr=0.2, schedule=LinearDecay(EPOCHS, end_factor=0.1)),
                         loss='categorical_crossentropy', metrics=['accuracy'])
h_linear = linear.fit(X_train, y_train, epochs=EPOCHS, batch_size=32, validation_split=0.2,
                      callbacks=[ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=3)],
                      verbose=0)

# %% [markdown]
# The history has a column `lr`: the rate used during each epoch. A reduction decided
# by `ReduceLROnPlateau` at the end of an epoch shows from the next epoch on.

# %%
lr = pd.DataFrame({'cosine': h_cosine.history['lr'],
                   'Adam + plateau': h_plateau.history['lr'],
                   'linear + plateau': h_linear.history['lr']},
                  index=pd.Index(h_cosine.epoch, name='epoch'))

fig, (ax_lr, ax_val) = plt.subplots(nrows=1, ncols=2, figsize=(14, 4.5))
lr.plot(ax=ax_lr, logy=True, marker='.')
ax_lr.set_ylabel('learning rate (log scale)')
ax_lr.set_title("the 'lr' column of the history")
compare_histories({'SGD + Nesterov, constant rate': histories['SGD + Nesterov'],
                   'SGD + Nesterov, cosine': h_cosine,
                   'Adam + plateau': h_plateau,
                   'linear + plateau': h_linear}, key='val_loss', ax=ax_val)
ax_val.set_ylim(0, 1)
ax_val.set_title('validation loss');

# %% [markdown]
# The cosine column follows the formula exactly; under `ReduceLROnPlateau` every change
# of rate is a halving, and with `LinearDecay` the rate is the scheduled one times the
# optimizer's `lr_scale` $s = 0.5^k$ after $k$ reductions:

# %%
epochs = numpy.array(h_cosine.epoch)
numpy.testing.assert_allclose(lr['cosine'], 0.05 * (1 + numpy.cos(numpy.pi * (epochs - 1) / EPOCHS)) / 2)

drops = lr['Adam + plateau'].to_numpy()
ratios = drops[1:] / drops[:-1]
assert numpy.all(numpy.isclose(ratios, 1) | numpy.isclose(ratios, 0.5))

scheduled = numpy.array([LinearDecay(EPOCHS, end_factor=0.1)(int(e), 0.2) for e in epochs])
scale = lr['linear + plateau'].to_numpy() / scheduled
k = numpy.log2(1 / scale)
numpy.testing.assert_allclose(k, numpy.round(k), atol=1e-9)
pd.DataFrame({'lr': lr['linear + plateau'], 'schedule(epoch, η0)': scheduled,
              'lr_scale': scale}, index=lr.index).iloc[::3]

# %% [markdown]
# On this small problem the schedules do not buy accuracy: the test accuracies below
# are within about one point of those of the constant-rate runs in the table above.
# What they give is a quiet end of training: as the steps shrink, the validation curves
# flatten, so the result depends less on the exact epoch at which training stops.

# %%
pd.DataFrame({name: dict(zip(['test loss', 'test accuracy'], net.evaluate(X_test, y_test)))
              for name, net in {'SGD + Nesterov, cosine': cosine, 'Adam + plateau': plateau,
                                'linear + plateau': linear}.items()}).T.round(4)

# %% [markdown]
# ## Learning curves of the best model
#
# Among the five optimizer runs we pick the model with the lowest **validation** loss
# at its last epoch (its current weights); the test set plays no part in the choice.
# `plot_history` draws the losses on one axes and the metrics on another, validation
# curves dashed in the colour of their training curve (`lr` is left out by default).
# A model can be given directly: its `history` is used.

# %%
best = min(histories, key=lambda name: histories[name].history['val_loss'][-1])
loss_ax, metric_ax = plot_history(runs[best])
loss_ax.set_title(f'{best}: loss')
metric_ax.set_title(f'{best}: accuracy')
best

# %% [markdown]
# ## Decision boundaries on a 2-D toy problem
#
# `plot_decision_boundary(model, X, y)` colours the plane by the class the model
# predicts (one sigmoid output is thresholded at $\frac12$) and scatters the points on
# top. Four discs drawn by `make_circle_data` make an XOR: the discs at the bottom-left
# and top-right are class 0, the two others class 1. No straight line separates them,
# so logistic regression (a single `Dense(1, activation='sigmoid')`) fails, while one
# hidden layer of 16 ReLU units succeeds. The loss is the binary cross-entropy
# $J = -\frac1n \sum_i \bigl(y_i \log p_i + (1 - y_i) \log(1 - p_i)\bigr)$.

# %%
X_xor, circle = make_circle_data([(-40, -40), (40, 40), (-40, 40), (40, -40)], [35] * 4, n=100, seed=0)
y_xor = (circle >= 2).astype(int)       # circles 0, 1 -> class 0; circles 2, 3 -> class 1
X_xor = scaler(X_xor)

toys = {
    'logistic regression': [Dense(1, activation='sigmoid', input_dim=2)],
    'one hidden layer of 16 ReLU': [Dense(16, activation='relu', input_dim=2),
                                    Dense(1, activation='sigmoid')],
}
fig, axes = plt.subplots(nrows=1, ncols=2, figsize=(13, 5))
toy_accuracy = {}
for ax, (name, layers) in zip(axes, toys.items()):
    toy = Sequential(layers, seed=0)
    toy.compile(optimizer=Adam(lr=0.02), loss='binary_crossentropy', metrics=['accuracy'])
    toy.fit(X_xor, y_xor, epochs=100, batch_size=32, verbose=0)
    toy_accuracy[name] = toy.evaluate(X_xor, y_xor)[1]
    plot_decision_boundary(toy, X_xor, y_xor, ax=ax)
    ax.set_title(f'{name}: accuracy {toy_accuracy[name]:.2f}')
assert toy_accuracy['one hidden layer of 16 ReLU'] > 0.98 > toy_accuracy['logistic regression']

# %% [markdown]
# ## One loop behind both front doors
#
# The seed's `train(X, y, epochs=, α=)` is full-batch gradient descent, in the order of
# the rows, with plain SGD of rate $\alpha$. In Keras terms that is
# `compile(optimizer=SGD(lr=α))` then `fit(X, y, batch_size=None, shuffle=False)`
# (`batch_size=None`: one batch of all the rows). Both calls run the same loop
# (`neural_net.loop.run_training`), so two models built with the same seed end with **identical**
# weights, bit for bit, and identical histories (dropout included: both draw their
# masks from the same seeded generator, in the same order).

# %%
seed_style = Sequential(steps(), 'categorical_crossentropy', seed=0)
seed_style.train(X_train, y_train, epochs=5, α=0.1, metrics=accuracy, verbose=False)

keras_style = Sequential(steps(), seed=0)
keras_style.compile(optimizer=SGD(lr=0.1), loss='categorical_crossentropy', metrics=['accuracy'])
keras_style.fit(X_train, y_train, epochs=5, batch_size=None, shuffle=False, verbose=0)

for W_train, W_fit in zip(seed_style.get_weights(), keras_style.get_weights()):
    assert numpy.array_equal(W_train, W_fit)
assert seed_style.history.to_frame().equals(keras_style.history.to_frame())
seed_style.history.to_frame()

# %% [markdown]
# Five full-batch steps of plain SGD barely move the network (compare with the
# mini-batch runs above, which make 23 updates per epoch): the Keras-style defaults,
# mini-batches, shuffling and an adaptive optimizer, are what make the front door fast.
