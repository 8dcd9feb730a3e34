#!/usr/bin/env python
r"""Generate the tutorial notebooks of ``neural_net`` (committed without outputs).

The notebooks follow the chapters of the original rendered tutorial ("seed"), use the
library's API as the seed does, and put the maths (LaTeX in markdown cells) next to the code:

* ``01_activations_and_initialization.ipynb``
* ``02_layers_architecture_and_costs.ipynb``
* ``03_backpropagation_and_regression.ipynb``
* ``04_neural_networks.ipynb``

and a fifth notebook, beyond the seed's chapters, on the Keras-style API (``Dense``,
``compile``, ``fit`` with callbacks, optimizers and learning-rate schedules compared):

* ``05_keras_style_front_door.ipynb``

Usage::

    python tutorials/make_notebooks.py            # (re)write the notebooks next to this file
    python tutorials/make_notebooks.py --out DIR  # write them elsewhere
    python tutorials/make_notebooks.py --check    # exit 1 if a committed notebook is stale

Edit the cells here, never the ``.ipynb`` files by hand. Cell ids are deterministic, so
regenerating an unchanged notebook gives a byte-identical file. None of the notebooks
touches a database (storage has its own tutorial).
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import textwrap

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = pathlib.Path(__file__).resolve().parent

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str) -> tuple[str, str]:
    return ("markdown", _clean(text))


def code(text: str) -> tuple[str, str]:
    return ("code", _clean(text))


# ============================================================================ notebook 01
def nb01() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 1 · Activation functions and weight initialization

        This first tutorial of **`neural_net`** (a neural-network library written with numpy
        only) looks at the two ingredients that every layer of a network needs:

        1. an **activation function** $f$, applied to the linear combination
           $z = x^\top w + b$ computed by a neuron, and its derivative $f'$, which
           backpropagation needs;
        2. an **initialization** of the weights $w$ and bias $b$.

        Every activation of `neural_net.activation` offers the same three methods:

        | method | returns |
        |---|---|
        | `compute(z)` | $a = f(z)$, also kept in the attribute `preds` |
        | `pr()` | $f'(z)$, computed **from the output** `preds` (no need to keep $z$) |
        | `grad(Δ)` | the backward step $\Delta \odot f'(z)$ (a Jacobian–vector product for Softmax) |
        """),
        code(r"""
        import numpy
        import matplotlib.pyplot as plt

        numpy.random.seed(0)  # every random draw of this notebook is reproducible
        """),
        md(r"""
        ## Activation functions

        We evaluate every function on a grid of 1001 points of $[-6, 6]$.
        """),
        code(r"""
        z = numpy.linspace(-6, 6, 1000 + 1)
        """),
        md(r"""
        ### Sigmoid and Tanh

        #### Function values

        The logistic **sigmoid** squashes $\mathbb R$ into $(0, 1)$ — it can be read as a
        probability — and the **hyperbolic tangent** is a rescaled sigmoid with values in
        $(-1, 1)$, centred on 0:

        $$
        \sigma(z) = \frac{1}{1 + e^{-z}} \in (0, 1),
        \qquad
        \tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}} = 2\sigma(2z) - 1 \in (-1, 1).
        $$
        """),
        code(r"""
        from neural_net.activation import σ, Tanh
        """),
        code(r"""
        sigmoid = σ()
        tanh    = Tanh()
        """),
        code(r"""
        sigmoid.compute(z)
        """),
        code(r"""
        tanh.compute(z)
        """),
        md(r"""
        `compute` keeps its result in `preds`:
        """),
        code(r"""
        sigmoid.preds
        """),
        code(r"""
        tanh.preds
        """),
        md(r"""
        > **Note.** The rendered version of the original tutorial printed values close to
        > $\pm 2$ (`-1.99997542 … 1.99997542`) for `tanh.compute(z)`. That was a bug of the
        > code of the time: $\tanh$ never leaves $(-1, 1)$. The library now returns
        > $\tanh(\pm 6) = \pm 0.99998771$. Let us check the bounds and the identity
        > $\tanh(z) = 2\sigma(2z) - 1$:
        """),
        code(r"""
        assert numpy.all(numpy.abs(tanh.preds) < 1)
        numpy.testing.assert_allclose(tanh.preds, numpy.tanh(z))
        numpy.testing.assert_allclose(tanh.preds, 2 * σ().compute(2 * z) - 1, atol=1e-12)
        float(tanh.preds.min()), float(tanh.preds.max())
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

        ax1.plot(z, sigmoid.preds, label=r'$\sigma=\frac{1}{1+e^{-z}}$')
        ax2.plot(z, tanh.preds, label=r'$\tanh(z)=2\sigma(2z) - 1$')

        ax1.hlines(y=0.5, xmin=-5, xmax=5, color='green', label=r'$y=\frac{1}{2}$', linestyle='--')
        ax1.vlines(x=0, ymin=-1.5, ymax=1.5, color='brown', linestyle='--')
        ax2.hlines(y=0, xmin=-5, xmax=5, color='red', label=r'$y=0$', linestyle='--')
        ax2.hlines(y=[-1, 1], xmin=-5, xmax=5, color='grey', label=r'$y=\pm 1$', linestyle=':')

        for ax in (ax1, ax2):
            ax.set_ylim(-1.5, 1.5)
            ax.set_xlim(-5, 5)
            ax.legend()
            ax.grid()

        ax1.set_title('Sigmoid')
        ax2.set_title('Hyperbolic Tangent Function');
        """),
        md(r"""
        #### Derivatives

        Both derivatives are expressed with the function's own output, which is why `pr()`
        only needs `preds`:

        $$
        \sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr) \le \tfrac14,
        \qquad
        \tanh'(z) = 1 - \tanh^2(z) \le 1 .
        $$

        Both vanish when $|z|$ grows: the functions **saturate**, and a saturated neuron lets
        almost no gradient through (the *vanishing gradient* problem).
        """),
        code(r"""
        sigmoidpr = sigmoid.pr()
        """),
        code(r"""
        tanhpr = tanh.pr()
        """),
        md(r"""
        A finite-difference check of the derivatives (`numpy.gradient` uses central
        differences on the grid):
        """),
        code(r"""
        numpy.testing.assert_allclose(sigmoidpr, numpy.gradient(sigmoid.preds, z), atol=1e-4)
        numpy.testing.assert_allclose(tanhpr, numpy.gradient(tanh.preds, z), atol=1e-3)
        float(sigmoidpr.max()), float(tanhpr.max())
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

        ax1.plot(z, sigmoidpr, label=r'$\sigma(1-\sigma)$')
        ax2.plot(z, tanhpr, label=r'$1 - \tanh^2$')

        ax1.hlines(y=0.25, xmin=-5, xmax=5, color='green', label=r'$y=\frac{1}{4}$', linestyle='--')
        ax1.vlines(x=0, ymin=-0.5, ymax=1.5, color='brown', linestyle='--')
        ax2.hlines(y=0, xmin=-5, xmax=5, color='red', linestyle='--')

        for ax in (ax1, ax2):
            ax.set_ylim(-0.5, 1.5)
            ax.set_xlim(-5, 5)
            ax.legend()
            ax.grid()

        ax1.set_title('Sigmoid Derivative')
        ax2.set_title('Hyperbolic Tangent Function Derivative');
        """),
        md(r"""
        ### Rectified Linear Unit (ReLU)

        #### Function values

        $$
        \mathrm{ReLU}(z) = \max(z, 0) = \begin{cases}
            z & \text{if } z \geq 0 \\
            0 & \text{if } z < 0
        \end{cases}
        $$

        ReLU does not saturate for $z > 0$ and is very cheap to compute.
        """),
        code(r"""
        from neural_net.activation import ReLU
        """),
        code(r"""
        relu = ReLU()
        """),
        code(r"""
        relupred = relu.compute(z)
        relupred
        """),
        code(r"""
        fig, ax1 = plt.subplots(nrows=1, ncols=1, figsize=(7.5, 6))

        ax1.plot(z, relupred, label=r'ReLU')
        ax1.vlines(x=0, ymin=-5, ymax=5, color='brown', linestyle='--')

        ax1.set_ylim(-5, 5)
        ax1.set_xlim(-5, 5)
        ax1.legend()
        ax1.set_title('Rectified Linear Unit')
        ax1.grid()
        """),
        md(r"""
        #### Derivative

        ReLU is not differentiable at $0$; like most libraries, `neural_net` uses the
        subgradient $0$ there (the derivative is computed from the output: 1 where the output
        is positive):

        $$
        \mathrm{ReLU}'(z) = \begin{cases}
            1 & \text{if } z > 0 \\
            0 & \text{if } z \le 0
        \end{cases}
        $$

        A neuron whose input stays negative gets no gradient at all: it is a *dead* ReLU.
        """),
        code(r"""
        relupr = relu.pr()
        relupr
        """),
        code(r"""
        fig, ax1 = plt.subplots(nrows=1, ncols=1, figsize=(7.5, 6))

        ax1.plot(z, relupr, label=r"ReLU'")
        ax1.vlines(x=0, ymin=-5, ymax=5, color='brown', linestyle='--')

        ax1.set_ylim(-0.5, 1.5)
        ax1.set_xlim(-5, 5)
        ax1.legend()
        ax1.set_title('Rectified Linear Unit Derivative')
        ax1.grid()
        """),
        md(r"""
        ### Non saturating activations

        #### Function values

        Both functions keep a small, non-zero response for negative inputs, so that no
        neuron dies.

        - Leaky Rectified Linear Unit (Leaky ReLU), $\alpha \ge 0$ (default $0.01$)

        $$
        \mathrm{LeakyReLU}_\alpha(z) = \begin{cases}
            z & \text{if } z \geq 0 \\
            \alpha z & \text{if } z < 0
        \end{cases}
        $$

        - Exponential Linear Unit (ELU), $\alpha > 0$ (default $1$): smooth, and its mean
          output is closer to 0

        $$
        \mathrm{ELU}_\alpha(z) = \begin{cases}
            z & \text{if } z \geq 0 \\
            \alpha (e^{z} - 1) & \text{if } z < 0
        \end{cases}
        $$
        """),
        code(r"""
        from neural_net.activation import ELU, LeakyReLU
        """),
        code(r"""
        elu = ELU(α=1)
        leakyrelu = LeakyReLU(α=.1)
        """),
        code(r"""
        elupred, leakyrelupred = elu.compute(z), leakyrelu.compute(z)
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

        ax1.plot(z, elupred, label=r'$\alpha=1$')
        ax2.plot(z, leakyrelupred, label=r'$\alpha=0.1$')

        ax1.hlines(y=0, xmin=-5, xmax=5, color='green', linestyle='--')
        ax1.vlines(x=0, ymin=-5, ymax=5, color='brown', linestyle='--')
        ax2.hlines(y=0, xmin=-5, xmax=5, color='red', linestyle='--')

        for ax in (ax1, ax2):
            ax.set_ylim(-5, 5)
            ax.set_xlim(-5, 5)
            ax.legend()
            ax.grid()

        ax1.set_title('Exponential Linear Unit')
        ax2.set_title('Leaky Rectified Linear Unit');
        """),
        md(r"""
        #### Derivatives

        - ELU: for $z < 0$, $\frac{d}{dz}\,\alpha(e^z - 1) = \alpha e^z = \mathrm{ELU}(z) + \alpha$,
          again a function of the output:

        $$
        \mathrm{ELU}_\alpha'(z) = \begin{cases}
            1 & \text{if } z > 0 \\
            \mathrm{ELU}_\alpha(z) + \alpha & \text{if } z \le 0
        \end{cases}
        $$

        - Leaky ReLU (at the kink $z = 0$ the library uses $\alpha$):

        $$
        \mathrm{LeakyReLU}_\alpha'(z) = \begin{cases}
            1 & \text{if } z > 0 \\
            \alpha & \text{if } z \le 0
        \end{cases}
        $$
        """),
        code(r"""
        elupr, leakypr = elu.pr(), leakyrelu.pr()
        """),
        code(r"""
        numpy.testing.assert_allclose(elupr[z < 0], numpy.exp(z[z < 0]))   # α e^z with α = 1
        numpy.testing.assert_allclose(leakypr[z < 0], 0.1)
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

        ax1.plot(z, elupr, label=r'$\alpha=1$')
        ax2.plot(z, leakypr, label=r'$\alpha=0.1$')

        ax1.hlines(y=0, xmin=-5, xmax=5, color='green', linestyle='--')
        ax1.vlines(x=0, ymin=-5, ymax=5, color='brown', linestyle='--')
        ax2.hlines(y=0, xmin=-5, xmax=5, color='red', linestyle='--')

        for ax in (ax1, ax2):
            ax.set_ylim(-0.5, 1.5)
            ax.set_xlim(-5, 5)
            ax.legend()
            ax.grid()

        ax1.set_title('Exponential Linear Unit Derivative')
        ax2.set_title('Leaky Rectified Linear Unit Derivative');
        """),
        md(r"""
        ### The backward step `grad`

        During backpropagation an activation layer receives $\Delta = \partial J/\partial a$
        (the gradient of the cost with respect to its output) and returns
        $\partial J/\partial z = \Delta \odot f'(z)$. For element-wise functions `grad(Δ)` is
        just `Δ * pr()`:
        """),
        code(r"""
        Δ = numpy.random.normal(size=z.shape)
        numpy.testing.assert_allclose(leakyrelu.grad(Δ), Δ * leakypr)
        numpy.testing.assert_allclose(sigmoid.grad(Δ), Δ * sigmoidpr)
        """),
        md(r"""
        ### All common activation functions and their derivatives
        """),
        code(r"""
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

        ax1.set_ylim(-2, 5)
        ax2.set_ylim(-0.5, 1.5)
        for ax in (ax1, ax2):
            ax.set_xlim(-5, 5)
            ax.legend()
            ax.grid()

        ax1.set_title('Common activation functions')
        ax2.set_title('Derivatives');
        """),
        md(r"""
        ### Softmax

        Softmax turns a row of $K$ scores (*logits*) $z = (z_1, \dots, z_K)$ into a
        probability distribution over $K$ classes; it is the output activation of multi-class
        classifiers:

        $$
        \operatorname{softmax}(z)_j = s_j = \frac{e^{z_j}}{\sum_{i=1}^{K} e^{z_i}},
        \qquad s_j > 0,\quad \sum_j s_j = 1 .
        $$

        Unlike the functions above it works on **rows**, not on single numbers. Two
        properties:

        * it is invariant to adding a constant to every logit,
          $\operatorname{softmax}(z + c) = \operatorname{softmax}(z)$; the library subtracts
          the row maximum before exponentiating, so large logits do not overflow;
        * with two classes and logits $(z, 0)$ it is the sigmoid:
          $s_1 = \frac{e^z}{e^z + 1} = \sigma(z)$.
        """),
        code(r"""
        from neural_net.activation import Softmax
        """),
        code(r"""
        softmax = Softmax()
        Z = numpy.c_[z, numpy.zeros_like(z)]   # one row (z, 0) per grid point
        softmax.compute(Z)
        """),
        code(r"""
        softmax.preds.shape, float(softmax.preds.sum(axis=1).min()), float(softmax.preds.sum(axis=1).max())
        """),
        code(r"""
        numpy.testing.assert_allclose(softmax.preds[:, 0], sigmoid.preds)   # softmax(z, 0)_1 = σ(z)
        """),
        code(r"""
        big = numpy.array([[1000., 0., -1000.]])
        Softmax().compute(big), Softmax().compute(big - 1000)   # no overflow, shift invariant
        """),
        md(r"""
        #### Derivative: a Jacobian

        Each output depends on every input of its row:

        $$
        \frac{\partial s_j}{\partial z_i} = s_j\,(\delta_{ij} - s_i),
        $$

        so `pr()` returns one $K \times K$ Jacobian per row, shape $(n, K, K)$. Its diagonal
        $s_j(1 - s_j)$ is the sigmoid derivative we met above. `grad(Δ)` never builds these
        matrices: it returns the Jacobian–vector product directly,
        $\bigl(J\Delta\bigr)_j = s_j\,\bigl(\Delta_j - \sum_i \Delta_i s_i\bigr)$.
        """),
        code(r"""
        softmaxpr = softmax.pr()
        softmaxpr.shape
        """),
        code(r"""
        softmaxpr[500]   # the Jacobian at z = 0: s = (1/2, 1/2)
        """),
        code(r"""
        numpy.testing.assert_allclose(softmaxpr[:, 0, 0], sigmoidpr)
        Δ = numpy.random.normal(size=Z.shape)
        numpy.testing.assert_allclose(softmax.grad(Δ), numpy.einsum('nij,nj->ni', softmaxpr, Δ))
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(nrows=1, ncols=2, figsize=(15, 6))

        ax1.plot(z, softmax.preds[:, 0], label=r'$s_1 = \sigma(z)$')
        ax1.plot(z, softmax.preds[:, 1], label=r'$s_2 = 1 - \sigma(z)$')
        ax2.plot(z, softmaxpr[:, 0, 0], label=r'$\partial s_1/\partial z_1 = s_1(1-s_1)$')
        ax2.plot(z, softmaxpr[:, 0, 1], label=r'$\partial s_1/\partial z_2 = -s_1 s_2$')

        for ax in (ax1, ax2):
            ax.set_xlim(-5, 5)
            ax.legend()
            ax.grid()

        ax1.set_title('Softmax of the logits (z, 0)')
        ax2.set_title('Softmax Jacobian entries');
        """),
        md(r"""
        ## Initialization

        A fully connected layer with $n_{in}$ inputs and $n_{out}$ outputs holds a matrix
        $W$ of shape $(n_{in} + 1, n_{out})$: the weights, and the bias as **last row**
        (`biais=False` leaves the bias row out). An initializer is a function
        `init(n_in, n_out, biais=True)` returning that matrix.
        """),
        code(r"""
        from neural_net.init_funcs import XavierHe, zeros
        """),
        md(r"""
        ### Weights + Bias
        """),
        code(r"""
        n_cols = 2
        """),
        md(r"""
        #### Zeros

        Zeros are fine for linear models (logistic or softmax regression: the cost is
        convex). In a network with hidden layers they are a trap: all the neurons of a layer
        compute the same thing and receive the same gradient, so they stay identical
        forever (we will see this *symmetry* in tutorial 3).
        """),
        code(r"""
        W = zeros(n_cols, 1)
        W
        """),
        code(r"""
        W = zeros(n_cols, 1, biais=False)
        W
        """),
        md(r"""
        ### Xavier and He

        Glorot & Bengio (2010) and He et al. (2015) argue that, for the signal to flow well
        forward and the gradients backward, the variance of the outputs of each layer should
        equal the variance of its inputs. This leads to random weights with a scale set by
        the *fan-in* and *fan-out* of the layer. With

        $$
        \sigma = \sqrt{\frac{2}{n_{in} + n_{out}}},
        \qquad
        m = \sqrt{\frac{6}{n_{in} + n_{out}}},
        $$

        `XavierHe(distribution, activation)` draws (the table of the original tutorial):

        | activation | `"Normal"`: $\mathcal N(0, \text{std}^2)$ | `"Uniform"`: $\mathcal U[-r, r]$ |
        |---|---|---|
        | `"Sigmoid"` | $\text{std} = \sigma$ | $r = m$ |
        | `"Tanh"` | $\text{std} = 4\sigma$ | $r = 4m$ |
        | `"ReLU"` | $\text{std} = \sqrt2\,\sigma$ | $r = \sqrt2\,m$ |

        A uniform law on $[-r, r]$ has standard deviation $r/\sqrt3$, and $m/\sqrt3 = \sigma$:
        for a given activation both flavours have the same variance. The bias row is drawn
        like the weights.

        > **Note.** The table is the one of the original tutorial, which the library
        > implements. The Theano deep-learning tutorials of Glorot and Bengio's lab put the
        > factor 4 on the **sigmoid** instead ($\sigma'(0) = \frac14$ while
        > $\tanh'(0) = 1$) and use $r = m$ for tanh; with the table above,
        > `XavierHe(..., "Tanh")` draws weights four times larger than that Glorot value.
        """),
        code(r"""
        initializer = XavierHe("Normal", "Sigmoid").init_func
        """),
        code(r"""
        initializer(n_cols, 1)
        """),
        code(r"""
        initializer(n_cols, 1, biais=False)
        """),
        md(r"""
        #### Normal distribution

        With many weights we can check the empirical distribution. For one output neuron and
        $n_{in} = 1000$ inputs, $\sigma = \sqrt{2/1001} \approx 0.0447$.
        """),
        code(r"""
        n_cols = 1000
        """),
        code(r"""
        xe_norm_sigmoid = XavierHe("Normal", "Sigmoid").init_func(n_cols, 1, biais=False)
        xe_norm_tanh = XavierHe("Normal", "Tanh").init_func(n_cols, 1, biais=False)
        xe_norm_relu = XavierHe("Normal", "ReLU").init_func(n_cols, 1, biais=False)
        """),
        code(r"""
        xe_norm_sigmoid.shape
        """),
        code(r"""
        std, m = float(xe_norm_sigmoid.std()), float(xe_norm_sigmoid.mean())
        std, m
        """),
        code(r"""
        theoretical = float(numpy.sqrt(2 / (n_cols + 1)))
        theoretical, abs(std - theoretical) / theoretical   # relative error
        """),
        md(r"""
        The 68–95–99.7 rule of the normal law: the share of weights within one, two and
        three standard deviations of the mean.
        """),
        code(r"""
        int(((xe_norm_sigmoid >= m - std) & (xe_norm_sigmoid <= m + std)).sum())
        """),
        code(r"""
        [float(((xe_norm_sigmoid >= m - k * std) & (xe_norm_sigmoid <= m + k * std)).sum() / n_cols)
         for k in (1, 2, 3)]
        """),
        md(r"""
        The Tanh and ReLU versions are scaled by $4$ and $\sqrt 2$:
        """),
        code(r"""
        float(xe_norm_tanh.std()), float(xe_norm_relu.std())
        """),
        code(r"""
        float(xe_norm_tanh.std() / xe_norm_sigmoid.std()), float(xe_norm_relu.std() / xe_norm_sigmoid.std())
        """),
        code(r"""
        plt.figure(figsize=(10, 6))

        plt.title('Xavier/He for normal distribution by activation type')
        plt.hist(xe_norm_tanh, label=r'Tanh $std=4\sigma$', bins=30, alpha=.4)
        plt.hist(xe_norm_relu, label=r'ReLU $std=\sqrt{2}\sigma$', bins=30, alpha=.5)
        plt.hist(xe_norm_sigmoid, label=r'Sigmoid $std=\sigma=\sqrt{\frac{2}{n_{in}+n_{out}}}$', bins=30, alpha=.6)

        plt.legend(loc='upper left');
        """),
        md(r"""
        #### Uniform distribution
        """),
        code(r"""
        xe_uni_sigmoid = XavierHe("Uniform", "Sigmoid").init_func(n_cols, 1, biais=False)
        xe_uni_tanh = XavierHe("Uniform", "Tanh").init_func(n_cols, 1, biais=False)
        xe_uni_relu = XavierHe("Uniform", "ReLU").init_func(n_cols, 1, biais=False)
        """),
        md(r"""
        Every draw lies in $[-m, m]$ with $m = \sqrt{6/1001} \approx 0.0774$:
        """),
        code(r"""
        float(xe_uni_sigmoid.min())
        """),
        code(r"""
        float(xe_uni_sigmoid.max())
        """),
        code(r"""
        r = float(numpy.sqrt(6 / (n_cols + 1)))
        assert -r <= xe_uni_sigmoid.min() and xe_uni_sigmoid.max() <= r
        r, float(xe_uni_sigmoid.std()), r / 3 ** .5   # std of U[-r, r] is r/√3 = σ
        """),
        code(r"""
        plt.figure(figsize=(10, 6))

        plt.title('Xavier/He for uniform distribution by activation type')
        plt.hist(xe_uni_tanh, label=r'Tanh $r=4m$', bins=25, alpha=.4)
        plt.hist(xe_uni_relu, label=r'ReLU $r=\sqrt{2}m$', bins=25, alpha=.5)
        plt.hist(xe_uni_sigmoid, label=r'Sigmoid $r=m=\sqrt{\frac{6}{n_{in}+n_{out}}}$', bins=25, alpha=.6)

        plt.legend(loc='upper left');
        """),
        md(r"""
        ### Reproducibility

        The initializers draw from numpy's global random state, so `numpy.random.seed`
        makes them reproducible (they also accept a `rng=numpy.random.default_rng(...)`
        argument):
        """),
        code(r"""
        numpy.random.seed(42)
        a = XavierHe("Uniform", "ReLU").init_func(3, 2)
        numpy.random.seed(42)
        b = XavierHe("Uniform", "ReLU").init_func(3, 2)
        numpy.testing.assert_array_equal(a, b)
        a
        """),
        md(r"""
        **Next:** tutorial 2 assembles layers into a network and introduces the cost
        functions.
        """),
    ]


# ============================================================================ notebook 02
def nb02() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 2 · Layers, architecture and cost functions

        A network of `neural_net` is a `Sequential` list of **layers** (tutorial 1 showed the
        activation functions they hold), trained on a **cost function**. This tutorial shows
        how these objects look from the outside, feeds data forward through a network, and
        studies the three cost functions of the library on three data sets.

        > Storing networks in a database (`store=True`, `updateW`, `commit`, SQL queries on
        > the stored weights) has its own tutorial: nothing here touches a database.
        """),
        code(r"""
        import numpy
        import matplotlib.pyplot as plt

        numpy.random.seed(0)
        """),
        md(r"""
        ## Layers

        * `Fullyconnected(n_in, n_out, init_method)` — the affine map
          $Z = X W_{1:n_{in}} + W_{n_{in}+1}$: with the bias as last row of $W$,
          this is $Z = [X\ \ \mathbf 1]\,W$;
        * `Activation(func)` — applies an activation function element-wise (row-wise for
          Softmax).
        """),
        code(r"""
        from neural_net.layers import Fullyconnected, Activation
        from neural_net.init_funcs import zeros, XavierHe
        from neural_net.activation import σ, LeakyReLU
        """),
        md(r"""
        ### Linear Layer
        """),
        code(r"""
        fc = Fullyconnected(n_in=2, n_out=1, init_method=zeros)
        """),
        md(r"""
        Every object of the library mirrors a table of the (optional) database: `str` gives
        the table, `repr` the class.
        """),
        code(r"""
        repr(fc)
        """),
        code(r"""
        str(fc)
        """),
        md(r"""
        `.id` is a dict with the object's identity (a random 63-bit integer, unique across
        processes and database files) and its constructor's arguments; `fc[key]` reads it.
        """),
        code(r"""
        fc.id
        """),
        code(r"""
        fc['id']
        """),
        code(r"""
        fc.id['id']
        """),
        code(r"""
        fc.func
        """),
        md(r"""
        ### Linear activation

        The neurons of a fully connected layer are the linear function `Σ`, which holds the
        weights.
        """),
        code(r"""
        linear_activation = fc.func
        linear_activation
        """),
        code(r"""
        str(linear_activation)
        """),
        code(r"""
        repr(linear_activation)
        """),
        md(r"""
        Its `id` also records its parent layer (keys prefixed with `Layer_`):
        """),
        code(r"""
        linear_activation.id
        """),
        code(r"""
        linear_activation.W
        """),
        code(r"""
        linear_activation.W.shape
        """),
        md(r"""
        `fc.W` is a shortcut to the same array. With random weights we can check the formula
        $Z = [X\ \ \mathbf 1]\,W$:
        """),
        code(r"""
        assert fc.W is fc.func.W

        layer = Fullyconnected(2, 3, XavierHe("Normal", "ReLU").init_func)
        x = numpy.random.normal(size=(5, 2))
        numpy.testing.assert_allclose(layer.func.compute(x), numpy.c_[x, numpy.ones(5)] @ layer.W)
        layer.W.shape, layer.func.compute(x).shape
        """),
        md(r"""
        ### Activation layer
        """),
        code(r"""
        sigmoid_activation = Activation(func=σ)
        """),
        code(r"""
        sigmoid_activation
        """),
        code(r"""
        str(sigmoid_activation)
        """),
        code(r"""
        sigmoid_activation.id
        """),
        md(r"""
        Extra arguments are passed to the activation function (they appear as `kargs`):
        """),
        code(r"""
        leaky = Activation(LeakyReLU, 0.1)
        leaky.id['kargs'], leaky.func.α
        """),
        md(r"""
        ## Architecture

        `Sequential(steps, cost)` chains the layers: with $a^{(0)} = X$,

        $$
        a^{(l)} = \text{step}_l\bigl(a^{(l-1)}\bigr), \qquad \hat y = a^{(L)},
        $$

        and training minimises the cost $J(y, \hat y)$.
        """),
        code(r"""
        from neural_net.architecture import Sequential
        from neural_net.layers import Fullyconnected, Activation
        from neural_net.init_funcs import zeros
        from neural_net.activation import σ
        from neural_net.cost import BinaryCrossEntropy
        """),
        code(r"""
        network = Sequential(
                [
                Fullyconnected(2, 10, zeros),
                Activation(σ),
                Fullyconnected(10, 1, zeros),
                Activation(σ)
                ]
            , BinaryCrossEntropy)
        """),
        code(r"""
        repr(network)
        """),
        code(r"""
        str(network)
        """),
        code(r"""
        network['steps']
        """),
        code(r"""
        network.id.keys()
        """),
        code(r"""
        network['id']
        """),
        code(r"""
        network.id['id']
        """),
        code(r"""
        network['cost']
        """),
        md(r"""
        ## Forward feeding data to the network

        ### Generating linearly separable data

        300 points of $[-100, 100]^2$, labelled 1 below the line $x_1 + x_2 = c$ with a
        threshold $c$ jittered in $[0.3, 0.37]$.
        """),
        code(r"""
        n, k = 300, 2
        X = numpy.random.uniform(-100, 100, size=(n, k))
        y = (X.sum(axis=1) < numpy.random.uniform(.3, .37, (len(X),))).reshape(-1, 1) + 0
        plt.scatter(x=X[:, 0], y=X[:, 1], c=y.ravel());
        """),
        md(r"""
        ### Looping over layers

        A `Sequential` iterates over its steps:
        """),
        code(r"""
        for layer in network:
            print(repr(layer))
        """),
        code(r"""
        layer.func
        """),
        md(r"""
        Feeding the data by hand: each step's function computes its output from the previous
        one.
        """),
        code(r"""
        out = X
        for layer in network:
            out = layer.func.compute(out)
        """),
        code(r"""
        out[:5]
        """),
        code(r"""
        out.shape
        """),
        md(r"""
        With zero weights every linear output is $0$ and every prediction is
        $\sigma(0) = \frac12$.

        ### Using the predict method

        `predict` does the same loop and keeps the result in `network.out`:
        """),
        code(r"""
        network.predict(X)
        network.out.shape
        """),
        code(r"""
        numpy.testing.assert_array_equal(network.out, out)
        numpy.unique(network.out)
        """),
        md(r"""
        ## Cost functions

        A cost object offers `compute(y, p)`, the **mean** cost of the predictions `p` for
        the targets `y`, and `pr()`, the derivative $\partial J / \partial p$ at the last
        `compute` — *including the $1/n$ averaging factor*, so that backpropagating it gives
        the gradient of the mean cost directly (tutorial 3).
        """),
        code(r"""
        from neural_net.cost import BinaryCrossEntropy, CrossEntropy, MSE
        from neural_net.utils import make_circle_data, IrisDatasetDownloader, HouseDatasetDownloader, Pearson, Boostrap
        import numpy
        import matplotlib.pyplot as plt
        """),
        md(r"""
        ### Binary Cross Entropy

        For a label $y \in \{0, 1\}$ and an estimated probability $p = P(y = 1)$:

        $$
        \mathrm{BCE}(p, y) = \begin{cases}
            -\log(p) & \text{if } y = 1, \\
            -\log(1-p) & \text{otherwise,}
        \end{cases}
        \qquad
        J = -\frac1N \sum_{i=1}^{N} \Bigl[y_i \log p_i + (1 - y_i)\log(1 - p_i)\Bigr],
        $$

        the negative log-likelihood of Bernoulli labels. Its derivative is

        $$
        \frac{\partial J}{\partial p_i} = \frac{1}{N}\,\frac{p_i - y_i}{p_i\,(1 - p_i)} .
        $$
        """),
        code(r"""
        bcost = BinaryCrossEntropy()
        """),
        md(r"""
        #### Circles dataset

        `make_circle_data(centers, radii)` draws points uniformly inside each circle (164
        per circle by default, `seed=0` by default); the points of circle $i$ get label $i$.
        """),
        code(r"""
        centers = [(-50, 0), (20, 30)]
        radii = [30, 35]
        X, y = make_circle_data(centers, radii)
        print(X.shape, y.shape)
        ax = plt.subplot()
        ax.scatter(X[:, 0], X[:, 1], c=y.ravel())
        ax.set_xlim(-100, 100)
        ax.set_ylim(-100, 100);
        """),
        md(r"""
        A "dummy classifier" answering random probabilities, and a perfect one:
        """),
        code(r"""
        dum_classifier = numpy.random.random(len(y))
        dum_classifier.shape
        """),
        code(r"""
        bcost.compute(y, dum_classifier)
        """),
        md(r"""
        (For $p \sim \mathcal U(0, 1)$ the expected cost is $-\int_0^1 \log p\,dp = 1$.)
        """),
        code(r"""
        round(bcost.compute(y, y))
        """),
        md(r"""
        #### Properties

        ##### With clipped values (default `clip=True`)

        $\log 0 = -\infty$: by default `compute` clips $p$ to $[\varepsilon, 1 - \varepsilon]$
        with $\varepsilon = 10^{-15}$, so the cost stays finite (at most
        $-\log 10^{-15} \approx 34.5$) and so does its derivative (at most $1/\varepsilon$).
        """),
        code(r"""
        ps = numpy.linspace(0, 1, 1000).reshape(-1, 1)
        y1 = numpy.array([[[bcost.compute(numpy.array([1]), p)], bcost.pr()] for p in ps])
        y0 = numpy.array([[[bcost.compute(numpy.array([0]), p)], bcost.pr()] for p in ps])
        """),
        code(r"""
        y1.shape, y1[0].ravel(), y0[-1].ravel()   # (cost, derivative) at p = 0 for y = 1, at p = 1 for y = 0
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
        ax1.set_title('y=1')
        ax1.plot(ps, y1[:, 0], label=r'$-\log(p)$')
        ax2.set_title('y=0')
        ax2.plot(ps, y0[:, 0], label=r'$-\log(1-p)$')
        for ax in (ax1, ax2):
            ax.set_xlabel('estimated probability p')
            ax.legend()
        """),
        md(r"""
        ###### Derivatives

        $\partial\,\mathrm{BCE}/\partial p = -1/p$ for $y = 1$ and $1/(1-p)$ for $y = 0$
        (here $N = 1$). The clipped ends reach $\mp 10^{15}$, which crushes the plot; the
        second figure leaves out the first and last ten points.
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
        ax1.set_title('y=1')
        ax1.plot(ps, y1[:, 1], label=r"$BCE'_{p}$")
        ax2.set_title('y=0')
        ax2.plot(ps, y0[:, 1], label=r"$BCE'_{p}$")
        ax1.legend()
        ax2.legend();
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
        ax1.set_title('y=1')
        ax1.plot(ps[10:-10, :], y1[10:-10, 1], label=r"$BCE'_{p} = -\frac{1}{p}$")
        ax2.set_title('y=0')
        ax2.plot(ps[10:-10, :], y0[10:-10, 1], label=r"$BCE'_{p} = \frac{1}{1-p}$")
        ax1.legend()
        ax2.legend();
        """),
        md(r"""
        ##### Without clipping

        `clip=False` computes the exact formula: at $p = 0$ (with $y = 1$) the cost is
        infinite (numpy warns about $\log 0$, silenced here), so we stay inside
        $[10^{-9}, 1 - 10^{-9}]$.
        """),
        code(r"""
        with numpy.errstate(divide='ignore'):
            print(bcost.compute(numpy.array([1]), numpy.array([0.]), clip=False))
        """),
        code(r"""
        ps = numpy.linspace(1e-9, 1 - 1e-9, 1000).reshape(-1, 1)
        y1 = numpy.array([[[bcost.compute(numpy.array([1]), p, clip=False)], bcost.pr()] for p in ps])
        y0 = numpy.array([[[bcost.compute(numpy.array([0]), p, clip=False)], bcost.pr()] for p in ps])
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
        ax1.set_title('y=1')
        ax1.plot(ps, y1[:, 0], label=r'$-\log(p)$')
        ax2.set_title('y=0')
        ax2.plot(ps, y0[:, 0], label=r'$-\log(1-p)$')
        for ax in (ax1, ax2):
            ax.set_xlabel('estimated probability p')
            ax.legend()
        """),
        md(r"""
        ###### Derivatives
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
        ax1.set_title('y=1')
        ax1.plot(ps, y1[:, 1], label=r"$BCE'_{p}$")
        ax2.set_title('y=0')
        ax2.plot(ps, y0[:, 1], label=r"$BCE'_{p}$")
        ax1.legend()
        ax2.legend();
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
        ax1.set_title('y=1')
        ax1.plot(ps[10:-10, :], y1[10:-10, 1], label=r"$BCE'_{p}$")
        ax2.set_title('y=0')
        ax2.plot(ps[10:-10, :], y0[10:-10, 1], label=r"$BCE'_{p}$")
        ax1.legend()
        ax2.legend();
        """),
        md(r"""
        ### Cross Entropy

        For $K$ classes, one-hot targets $y_{i\cdot}$ (a single $1$ at the true class) and
        predicted distributions $p_{i\cdot}$:

        $$
        J = -\frac1n \sum_{i=1}^{n}\sum_{j=1}^{K} y_{ij}\,\log p_{ij},
        \qquad
        \frac{\partial J}{\partial p_{ij}} = -\frac{1}{n}\,\frac{y_{ij}}{p_{ij}} .
        $$

        Only the probability given to the true class counts. With $K = 2$ it is the binary
        cross-entropy.
        """),
        code(r"""
        ce = CrossEntropy()
        """),
        md(r"""
        #### Iris dataset

        The data set ships with the library (nothing is downloaded despite the class name).
        """),
        code(r"""
        iris = IrisDatasetDownloader()
        iris.load_dataset()
        """),
        code(r"""
        print('\n'.join(iris.description.splitlines()[:40]))
        """),
        code(r"""
        print(iris.data.shape, iris.target.shape)
        """),
        code(r"""
        print(iris.target_names)
        """),
        code(r"""
        print(iris.feature_names)
        """),
        code(r"""
        print(iris.data[:5, :])
        """),
        code(r"""
        print(iris.target[:5, :])
        """),
        code(r"""
        _, ax = plt.subplots()
        scatter = ax.scatter(iris.data[:, 0], iris.data[:, 1], c=iris.target.ravel())
        ax.set(xlabel=iris.feature_names[0], ylabel=iris.feature_names[1])
        _ = ax.legend(
            scatter.legend_elements()[0], iris.target_names, loc="lower right", title="Classes"
        )
        """),
        md(r"""
        A dummy classifier: random rows normalised to sum to 1.
        """),
        code(r"""
        dum_classifier = numpy.random.random((len(iris.target), 3))
        dum_classifier /= dum_classifier.sum(axis=1, keepdims=True)
        print(dum_classifier.shape)
        dum_classifier[:5, :]
        """),
        md(r"""
        `onehot` turns the label column into the one-hot matrix
        $Y_{ij} = \mathbb 1[y_i = c_j]$ ($c_1 < \dots < c_K$ the sorted labels):
        """),
        code(r"""
        from neural_net.pipeline import onehot
        """),
        code(r"""
        y = onehot(iris.target)
        print(y.shape)
        y[:5, :]
        """),
        code(r"""
        ce.compute(y, dum_classifier)
        """),
        code(r"""
        round(ce.compute(y, y))
        """),
        md(r"""
        #### Properties

        ##### Binary case: 2 labels

        With $y = (1, 0)$ and $p = (p_0, 1 - p_0)$ the cost is $-\log p_0$; the derivative
        is $(-1/p_0,\ 0)$: only the true class's probability receives a gradient.
        """),
        code(r"""
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
        """),
        code(r"""
        pr = numpy.array(pr)
        pr.shape
        """),
        code(r"""
        fig, ax1 = plt.subplots()
        ax1.set_title('derivatives at y=[1,0]')
        ax1.plot(ps[10:-10, :], pr[10:-10, 0], label=r"$CE'_{p0}$")
        ax1.plot(ps[10:-10, :], pr[10:-10, 1], label=r"$CE'_{p1}$")
        plt.legend();
        """),
        md(r"""
        ##### Multimodal case: 3+ labels

        $y = (0, 1, 0)$ and $p = \bigl(\tfrac23(1 - p_1),\ p_1,\ \tfrac13(1 - p_1)\bigr)$.
        """),
        code(r"""
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
        """),
        code(r"""
        pr = numpy.array(pr)
        pr.shape
        """),
        code(r"""
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
        """),
        md(r"""
        ### Mean Squared Error

        For regression:

        $$
        J = \mathrm{MSE}(y, p) = \frac1N \sum_{i=1}^{N} (y_i - p_i)^2,
        \qquad
        \frac{\partial J}{\partial p_i} = -\frac{2}{N}\,(y_i - p_i).
        $$
        """),
        code(r"""
        mse = MSE()
        """),
        md(r"""
        #### Boston Housing

        Bundled with the library (the copy scikit-learn shipped up to version 1.1). Mind the
        ethical problem of the feature `B` described below: the data set is used here to
        teach regression only.
        """),
        code(r"""
        housing = HouseDatasetDownloader()
        housing.load_dataset()
        """),
        code(r"""
        print(housing.description)
        """),
        code(r"""
        print(housing.columns)
        """),
        code(r"""
        print(housing.data)
        """),
        code(r"""
        print(housing.data.shape)
        """),
        md(r"""
        ##### Correlations

        The Pearson correlation between columns $i$ and $j$:

        $$
        r_{ij} = \frac{\sum_t (x_{ti} - \bar x_i)(x_{tj} - \bar x_j)}
                      {\sqrt{\sum_t (x_{ti} - \bar x_i)^2}\,\sqrt{\sum_t (x_{tj} - \bar x_j)^2}}
                 \in [-1, 1].
        $$

        The median value `MEDV` is most correlated with `LSTAT` (the share of lower-status
        population, $r \approx -0.74$) and `RM` (rooms per dwelling, $r \approx 0.70$).
        """),
        code(r"""
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
        """),
        code(r"""
        corr.corr()['MEDV'].round(2)
        """),
        md(r"""
        ##### Ordinary Least Squares

        The linear model $y = X\beta + \varepsilon$ with one feature (`LSTAT`) and an
        intercept, $X = [\,\mathrm{LSTAT}\ \ \mathbf 1\,]$. Minimising the squared error
        $\lVert y - X\beta \rVert^2$ gives the normal equations $X^\top X \hat\beta = X^\top y$:

        $$
        \hat\beta = (X^\top X)^{-1} X^\top y,
        \qquad
        \widehat{\operatorname{Var}}(\hat\beta) = s^2\,(X^\top X)^{-1},
        \qquad
        s^2 = \frac{1}{n - p}\sum_i \hat\varepsilon_i^2 ,
        $$

        with $p = 2$ coefficients. (The original tutorial used the biased
        $\hat\sigma^2 = \frac1n \sum_i \hat\varepsilon_i^2$, `ε.std()**2`; with $n = 506$ the
        difference is $0.4\,\%$.)
        """),
        code(r"""
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
        """),
        md(r"""
        The residuals have mean $0$ (up to rounding): with an intercept, the normal equations
        force $\mathbf 1^\top \hat\varepsilon = 0$. The fit checks against numpy's own
        least-squares solver:
        """),
        code(r"""
        numpy.testing.assert_allclose(βhat, numpy.linalg.lstsq(X, y, rcond=None)[0])
        """),
        md(r"""
        ##### t-test

        To test $H_0: \beta_j = 0$ we use the statistic

        $$
        t_j = \frac{\hat\beta_j}{\widehat{\operatorname{se}}(\hat\beta_j)},
        \qquad \widehat{\operatorname{se}}(\hat\beta_j) = \sqrt{\widehat{\operatorname{Var}}(\hat\beta)_{jj}} ,
        $$

        which follows a Student law with $n - p = 504$ degrees of freedom under $H_0$ —
        indistinguishable from the standard normal $\mathcal N(0, 1)$ at this size. The
        two-sided p-value with the normal approximation only needs the complementary error
        function of the standard library ($\Phi$ is the normal CDF):

        $$
        p_j = P(|T| \ge |t_j|) = 2\bigl(1 - \Phi(|t_j|)\bigr) = \operatorname{erfc}\!\Bigl(\frac{|t_j|}{\sqrt 2}\Bigr).
        $$

        (The original tutorial called `scipy.stats.norm.sf(abs(t))`, the *one-sided* tail,
        half of this value; `neural_net` does not depend on scipy.)
        """),
        code(r"""
        student = βhat / Varβ.diagonal().reshape(-1, 1) ** .5
        student
        """),
        code(r"""
        import math

        p_value = numpy.array([[math.erfc(abs(t) / math.sqrt(2))] for t in student.ravel()])
        p_value
        """),
        md(r"""
        Both coefficients are overwhelmingly significant: the second p-value is below the
        smallest positive double ($\approx 5 \cdot 10^{-324}$) and underflows to $0$. A
        sanity check of the formula on a familiar value, $P(|Z| \ge 1.96) \approx 0.05$:
        """),
        code(r"""
        math.erfc(1.959964 / math.sqrt(2))
        """),
        md(r"""
        ##### $R^2$ score

        The share of the variance of $y$ explained by the model:

        $$
        R^2 = 1 - \frac{SSE}{SS_{tot}} = 1 - \frac{\sum_i \hat\varepsilon_i^2}{\sum_i (y_i - \bar y)^2}
        $$

        (with one feature, $R^2 = r^2_{\mathrm{LSTAT},\mathrm{MEDV}}$).
        """),
        code(r"""
        SSE = (ε ** 2).sum()
        SStot = ((y - y.mean()) ** 2).sum()
        R2 = float(1 - SSE / SStot)
        R2
        """),
        code(r"""
        numpy.testing.assert_allclose(R2, corr.corr().loc['LSTAT', 'MEDV'] ** 2)
        """),
        code(r"""
        b1, b0 = βhat.ravel()
        order = numpy.argsort(housing.data[:, -2])
        plt.scatter(x=housing.data[:, -2], y=housing.data[:, -1], label='MEDV by % lower status of the population')
        plt.plot(housing.data[order, -2], pred[order], color='red',
                 label=rf"$y = {b0:.2f} {b1:+.2f}\,LSTAT$;  $R^2 = {R2:.2f}$")
        plt.xlabel("LSTAT")
        plt.ylabel("MEDV")
        plt.legend();
        """),
        md(r"""
        ##### Computing mse

        The MSE of the OLS fit is $SSE/n$:
        """),
        code(r"""
        mse = MSE()
        """),
        code(r"""
        mse.compute(y, pred)
        """),
        code(r"""
        numpy.testing.assert_allclose(mse.compute(y, pred), SSE / len(y))
        """),
        code(r"""
        mse.compute(y, y)
        """),
        md(r"""
        ##### Residual analysis

        The t-test assumes normal, homoscedastic residuals. Two classic plots:

        * a **normal Q-Q plot**: the sorted residuals $\hat\varepsilon_{(i)}$ against the
          quantiles $\hat\mu + \hat\sigma\,\Phi^{-1}\bigl(\frac{i - 1/2}{n}\bigr)$ of a normal law
          (computed with `statistics.NormalDist` of the standard library); normal residuals
          lie on the diagonal;
        * **residuals vs fitted values**: they should look like a structureless band.

        Here the curvature of both plots shows that the relation between `LSTAT` and `MEDV`
        is not linear (a log or quadratic term would help) and that the residuals are skewed.
        """),
        code(r"""
        from statistics import NormalDist

        n_res = len(ε)
        probs = (numpy.arange(1, n_res + 1) - 0.5) / n_res
        εquantiles = numpy.sort(ε.ravel())
        normal = NormalDist(mu=meanε, sigma=sigmaε)
        normal_quantiles = numpy.array([normal.inv_cdf(q) for q in probs])
        """),
        code(r"""
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
        """),
        md(r"""
        ##### Bias analysis: bootstrap

        The bootstrap estimates the sampling distribution of $\hat\beta$ without any
        normality assumption: draw $n$ rows **with replacement**, refit, repeat $B = 1000$
        times. `Boostrap((X, y), n_sample=B, seed=...)` yields the resampled pairs, rows kept
        aligned. The mean of the bootstrap coefficients estimates $E(\hat\beta)$ (their
        difference with $\hat\beta$ estimates the bias), their standard deviation the
        standard error.
        """),
        code(r"""
        coeffs = []
        for (x_new, y_new) in Boostrap((X, y), n_sample=1000, seed=0):
            β_new = numpy.linalg.inv(x_new.T.dot(x_new)).dot(x_new.T.dot(y_new))
            coeffs.append(β_new)
        """),
        code(r"""
        coeffs = numpy.concatenate(coeffs, axis=1).T
        coeffs.shape
        """),
        code(r"""
        coeffs.mean(axis=0)
        """),
        code(r"""
        coeffs.mean(axis=0) - βhat.ravel()   # estimated bias
        """),
        md(r"""
        Bootstrap standard errors next to the OLS formula: the bootstrap one of the slope is
        larger, another sign that the residuals are not homoscedastic.
        """),
        code(r"""
        coeffs.std(axis=0), Varβ.diagonal() ** .5
        """),
        code(r"""
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(22, 7))

        m_lstat, m_inter = coeffs.mean(axis=0)
        ax1.hist(coeffs[:, 0], label=r"$\beta_{LSTAT}$", bins=15)
        ax1.set_title(rf"$E(\beta_{{LSTAT}}) \approx$ {m_lstat * 1000:,.0f} \$ per point of LSTAT")
        ax1.legend()
        ax2.hist(coeffs[:, 1], label=r"$\beta_{Intercept}$", bins=15)
        ax2.set_title(rf"$E(\beta_{{Intercept}}) \approx$ {m_inter * 1000:,.0f} \$")
        ax2.legend();
        """),
        md(r"""
        #### Properties

        MSE is a parabola in $p$ and its derivative is linear: $-2(y - p)$ for one value.
        """),
        code(r"""
        ps = numpy.linspace(0, 200, 1000).reshape(-1, 1)

        mses = numpy.array([[mse.compute(numpy.array([100]), p), mse.pr()[0]] for p in ps])

        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 7))
        ax1.plot(ps, mses[:, 0], label='mse')
        ax1.set_title('mse for true=100')
        ax1.legend()

        ax2.plot(ps, mses[:, 1], label=r'$-2(y_{n,1}-p_{n,1})$')
        ax2.set_title('mse derivative at true=100')
        ax2.legend();
        """),
        md(r"""
        **Next:** tutorial 3 backpropagates these derivatives through a network, and checks
        that the chain rule reproduces the analytic gradients of logistic and softmax
        regression.
        """),
    ]


# ============================================================================ notebook 03
def nb03() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 3 · Backpropagation, logistic and softmax regression

        Training a network means following $-\nabla J$, the gradient of the cost with respect
        to every weight. **Backpropagation** computes it with the chain rule, from the output
        back to the input. We do it step by step with `neural_net`, then check — with
        `numpy.testing` assertions — that it gives exactly the analytic gradients of the two
        linear classifiers, logistic and softmax regression, and that `train(...)` is plain
        gradient descent.
        """),
        code(r"""
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
        """),
        md(r"""
        ## Backpropagation

        Write the network as alternating linear steps and activations,
        $z^{(l)} = [a^{(l-1)}\ \mathbf 1]\,W^{(l)}$ and $a^{(l)} = f_l(z^{(l)})$, with
        $a^{(0)} = X$ and output $p = a^{(L)}$. Start from the derivative of the cost with
        respect to the output,

        $$
        \Delta_0 = \frac{\partial J}{\partial p} \qquad (\texttt{cost.pr()}),
        $$

        and walk back through the steps:

        * through an **activation** (`Activation.func.grad`):
          $\dfrac{\partial J}{\partial z^{(l)}} = \dfrac{\partial J}{\partial a^{(l)}} \odot f_l'(z^{(l)})$;
        * through a **linear step** (`Σ.grad`), with $\Delta = \partial J / \partial z^{(l)}$:

        $$
        \frac{\partial J}{\partial W^{(l)}} = [a^{(l-1)}\ \mathbf 1]^\top \Delta ,
        \qquad
        \frac{\partial J}{\partial a^{(l-1)}} = \Delta\, \bigl(W^{(l)}_{1:n_{in}}\bigr)^\top .
        $$

        `Σ.grad(Δ)` returns $\partial J/\partial a^{(l-1)}$ (computed with the weights before
        the update) **and updates its weights**, $W \leftarrow W - \partial J/\partial W$.
        There is no learning rate in this formula: it is folded into $\Delta_0$ (pass
        $\alpha\,\Delta_0$ for a step of size $\alpha$).
        """),
        code(r"""
        network = Sequential(
                [
                Fullyconnected(2, 10, zeros),
                Activation(σ),
                Fullyconnected(10, 1, zeros),
                Activation(σ)
                ]
            , BinaryCrossEntropy)
        """),
        code(r"""
        network['steps']
        """),
        code(r"""
        n, k = 1000, 2
        X = numpy.random.uniform(-100, 100, size=(n, k))
        y = (X.sum(axis=1) < numpy.random.uniform(30, 90, (len(X),))).reshape(-1, 1) + 0
        plt.scatter(x=X[:, 0], y=X[:, 1], c=y.ravel());
        """),
        code(r"""
        network.predict(X)
        network.out.shape
        """),
        code(r"""
        network['cost']
        """),
        md(r"""
        Every prediction is $\frac12$ (zero weights), so the cost is $\log 2$:
        """),
        code(r"""
        network['cost'].compute(y, network.out)
        """),
        code(r"""
        Δ0 = network['cost'].pr()
        Δ0.shape
        """),
        md(r"""
        ### Output layer

        For σ followed by the binary cross-entropy the product simplifies:

        $$
        \frac{\partial J}{\partial z} = \frac{1}{N}\,\frac{p - y}{p(1-p)} \cdot p(1-p) = \frac{p - y}{N}.
        $$
        """),
        code(r"""
        network['steps'][-1]
        """),
        code(r"""
        Δ1 = network['steps'][-1].func.grad(Δ0)
        Δ1.shape
        """),
        code(r"""
        numpy.testing.assert_allclose(Δ1, (network.out - y) / len(y))
        """),
        md(r"""
        ### Last linear layer
        """),
        code(r"""
        network['steps'][-2]
        """),
        code(r"""
        W_before = network['steps'][-2].func.W.copy()
        Δ2 = network['steps'][-2].func.grad(Δ1)
        Δ2.shape
        """),
        md(r"""
        $\Delta_2 = \Delta_1 W_{1:10}^\top$ used the weights before the update (zeros, so
        $\Delta_2 = 0$), and the weights moved by $-[a^{(2)}\ \mathbf 1]^\top \Delta_1$:
        """),
        code(r"""
        a2 = network['steps'][1].func.preds            # output of the hidden activation
        grad_W = numpy.c_[a2, numpy.ones(len(a2))].T @ Δ1
        numpy.testing.assert_allclose(network['steps'][-2].func.W, W_before - grad_W)
        numpy.testing.assert_array_equal(Δ2, Δ1 @ W_before[:-1].T)
        network['steps'][-2].func.W.ravel()
        """),
        md(r"""
        ### Update method

        `update(Δ0)` runs the whole backward pass (every step, last to first) and returns
        $\partial J/\partial X$. On a fresh copy of the network, the last linear layer ends up
        where our manual step put it:
        """),
        code(r"""
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
        """),
        code(r"""
        numpy.testing.assert_allclose(network2['steps'][-2].func.W, network['steps'][-2].func.W)
        """),
        md(r"""
        #### The symmetry problem of zero initialization

        All ten hidden neurons started equal, received the same gradient, and are still
        equal: the columns of the first weight matrix are identical, and they will stay so
        for ever. Ten neurons are worth one. This is why hidden layers need random
        initialization (`XavierHe`, tutorial 1).
        """),
        code(r"""
        W1 = network2['steps'][0].func.W
        W1[:, :3], numpy.ptp(W1, axis=1)
        """),
        md(r"""
        ### Checking backpropagation with finite differences

        A gradient computed by backpropagation can be checked against the central difference
        $\dfrac{J(w + h) - J(w - h)}{2h}$ for every single weight $w$. We take a small
        network with random weights (and a Tanh hidden layer) on 20 points; the gradient of
        backpropagation is read from one update, $\nabla J = W_{\text{before}} - W_{\text{after}}$.
        """),
        code(r"""
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
        """),
        md(r"""
        ## Logistic Regression

        Logistic regression is the smallest network: one linear step and a sigmoid,

        $$
        h_\theta(x) = \sigma(x^\top\theta),
        \qquad
        J(\theta) = -\frac1n\sum_{i=1}^{n} \Bigl[y_i\log h_\theta(x_i) + (1-y_i)\log\bigl(1-h_\theta(x_i)\bigr)\Bigr],
        $$

        where $x$ carries a constant $1$ for the intercept. Its gradient has a closed form:

        $$
        \nabla_\theta J = \frac1n\,X^\top\bigl(h_\theta(X) - y\bigr).
        $$
        """),
        code(r"""
        centers = [(-50, 0), (20, 30)]
        radii = [30, 35]
        X, y = make_circle_data(centers, radii)
        print(X.shape, y.shape)
        ax = plt.subplot()
        ax.scatter(X[:, 0], X[:, 1], c=y.ravel())
        ax.set_xlim(-100, 100)
        ax.set_ylim(-100, 100);
        """),
        md(r"""
        ### Pure numpy definition
        """),
        code(r"""
        H_θ = lambda X, θ: 1 / (1 + numpy.exp(-X.dot(θ)))
        θ = numpy.zeros((3, 1))
        X_const = numpy.c_[X, numpy.ones((len(X), 1))]
        H_θ(X_const, θ).shape
        """),
        md(r"""
        ### Using layers
        """),
        code(r"""
        LogReg = Sequential(
                [
                Fullyconnected(2, 1, zeros),
                Activation(σ)
                ],
            BinaryCrossEntropy
            )
        LogReg.predict(X).shape
        """),
        code(r"""
        LogReg['steps'][-2].func.W
        """),
        md(r"""
        ### Computing gradients

        #### Analytic gradient
        """),
        code(r"""
        J = lambda θ, X: 1 / len(X) * X.T.dot(H_θ(X, θ) - y)
        J(θ, X_const)
        """),
        md(r"""
        #### Chain rule

        One backward pass from $W = 0$ leaves $W = 0 - \nabla J$, so $-W$ must be the
        analytic gradient (the bias is the last row of $W$, as the constant is the last
        column of `X_const`):
        """),
        code(r"""
        LogReg["cost"].compute(y, LogReg.out)
        p0 = LogReg["cost"].pr()
        p1 = LogReg["steps"][-1].func.grad(p0)
        p2 = LogReg["steps"][-2].func.grad(p1)
        """),
        code(r"""
        -LogReg["steps"][-2].func.W
        """),
        code(r"""
        numpy.testing.assert_allclose(-LogReg["steps"][-2].func.W, J(θ, X_const), atol=1e-12)
        """),
        md(r"""
        ## Softmax Regression

        With $K$ classes ($j = 1, \dots, K$) and $n$ instances ($m = 1, \dots, n$), a weight
        column $W_{\cdot j}$ per class and one-hot targets $Y$:

        $$
        \hat p_{mj} = \sigma(\mathbf z_m)_j = \frac{e^{z_{mj}}}{\sum_{i=1}^{K} e^{z_{mi}}},
        \quad \mathbf z_m = x_m^\top W,
        \qquad
        J(W) = -\frac1n \sum_{m=1}^{n}\sum_{j=1}^{K} y_{mj}\log \hat p_{mj},
        $$

        and again a closed-form gradient (the softmax Jacobian and the $-y/p$ of the
        cross-entropy simplify to $\hat p - y$):

        $$
        \nabla_W J = \frac1n\,X^\top\bigl(\hat P - Y\bigr).
        $$

        ### Analytical gradient
        """),
        code(r"""
        y_one_hot = onehot(y)
        y_one_hot[:5, :]
        """),
        code(r"""
        W = numpy.zeros((X.shape[1] + 1, 2))
        Sm = lambda W, X: numpy.exp(X.dot(W)) / numpy.exp(X.dot(W)).sum(axis=1).reshape(-1, 1)
        Sm(W, X_const)[:5, :]
        """),
        code(r"""
        J_W = 1 / len(X) * X_const.T.dot(Sm(W, X_const) - y_one_hot)
        J_W
        """),
        md(r"""
        With two classes, the column of class 1 is the logistic-regression gradient and the
        column of class 0 its opposite.

        #### Chain rule
        """),
        code(r"""
        softmax = Sequential(
                [
                Fullyconnected(2, 2, zeros),
                Activation(Softmax)
                ],
            CrossEntropy
            )
        softmax.predict(X)[:5, :]
        """),
        code(r"""
        softmax["cost"].compute(y_one_hot, softmax.out)
        """),
        code(r"""
        softmax["cost"].compute(y_one_hot, softmax.out)
        _ = softmax.update(softmax["cost"].pr())
        -softmax["steps"][-2].func.W
        """),
        code(r"""
        numpy.testing.assert_allclose(-softmax["steps"][-2].func.W, J_W, atol=1e-12)
        numpy.testing.assert_allclose(J_W[:, [1]], J(θ, X_const))
        """),
        md(r"""
        > **Note.** In the rendered original tutorial this chain-rule output had the opposite
        > sign of the analytic gradient printed just above it. The library now agrees with
        > the analytic gradient, as the assertion shows.

        ## Training

        Gradient descent repeats $\theta \leftarrow \theta - \alpha\,\nabla J(\theta)$. We run
        it three ways — analytic gradient, the chain rule by hand, and the `train` method —
        and check that all three give the same weights.
        """),
        md(r"""
        ### Logistic Regression
        """),
        code(r"""
        n_epoch = 1000
        α = 0.1
        """),
        md(r"""
        #### Using the analytical gradient
        """),
        code(r"""
        H_θ = lambda X, θ: 1 / (1 + numpy.exp(-X.dot(θ)))
        θ = numpy.zeros((3, 1))
        X_const = numpy.c_[X, numpy.ones((len(X), 1))]
        J = lambda θ, X: 1 / len(X) * X.T.dot(H_θ(X, θ) - y)
        """),
        code(r"""
        for _ in range(n_epoch):
            θ -= α * J(θ, X_const)
        """),
        code(r"""
        θ
        """),
        code(r"""
        pred = (H_θ(X_const, θ) > .5) + 0
        float((pred == y).mean())
        """),
        md(r"""
        The decision boundary is the line $\theta_1 x_1 + \theta_2 x_2 + \theta_3 = 0$, where
        $h_\theta = \frac12$:
        """),
        code(r"""
        xs = numpy.linspace(-100, 100, 2)
        plt.scatter(x=X[:, 0], y=X[:, 1], c=pred.ravel())
        plt.plot(xs, -(θ[0] * xs + θ[2]) / θ[1], color='red', label='decision boundary')
        plt.ylim(-50, 80)
        plt.legend();
        """),
        md(r"""
        #### Using the chain rule

        The learning rate is folded into the output gradient: `update(α * cost.pr())`.
        """),
        code(r"""
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
        """),
        code(r"""
        LogReg['steps'][-2].func.W
        """),
        code(r"""
        numpy.testing.assert_allclose(LogReg['steps'][-2].func.W, θ, rtol=1e-10)
        """),
        code(r"""
        p = (LogReg.out > .5) + 0
        plt.scatter(x=X[:, 0], y=X[:, 1], c=p.ravel());
        """),
        md(r"""
        #### Using the train method

        `train(X, y, epochs=, α=, metrics=)` runs the same full-batch gradient descent (it
        shows the cost and the metrics in a progress bar, and keeps them per epoch in
        `history`):
        """),
        code(r"""
        LogReg = Sequential(
                [
                Fullyconnected(2, 1, zeros),
                Activation(σ)
                ],
            BinaryCrossEntropy
            )
        LogReg.train(X, y, epochs=n_epoch, α=α, metrics=accuracy)
        """),
        code(r"""
        LogReg['steps'][-2].func.W
        """),
        code(r"""
        numpy.testing.assert_allclose(LogReg['steps'][-2].func.W, θ, rtol=1e-10)
        """),
        code(r"""
        history = LogReg.history.history
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
        ax1.plot(history['loss'])
        ax1.set_yscale('log')
        ax1.set_title('BinaryCrossEntropy')
        ax2.plot(history['accuracy'])
        ax2.set_title('accuracy')
        for ax in (ax1, ax2):
            ax.set_xlabel('epoch')
        """),
        md(r"""
        ### Softmax

        #### 2 labels
        """),
        code(r"""
        centers = [(-50, 0), (20, 30)]
        radii = [30, 35]
        X, y = make_circle_data(centers, radii)
        y = onehot(y)
        print(X.shape, y.shape)
        ax = plt.subplot()
        ax.scatter(X[:, 0], X[:, 1], c=y.argmax(axis=1))
        ax.set_xlim(-100, 100)
        ax.set_ylim(-100, 100);
        """),
        code(r"""
        n_epoch = 1000
        α = 0.1
        """),
        md(r"""
        ##### Analytically
        """),
        code(r"""
        n, k = X.shape
        j = y.shape[1]
        """),
        code(r"""
        W = numpy.zeros((k + 1, j))
        Sm = lambda W, X: numpy.exp(X.dot(W)) / numpy.exp(X.dot(W)).sum(axis=1).reshape(-1, 1)
        J_W = lambda W, X: 1 / n * X.T.dot(Sm(W, X) - y)

        for _ in range(n_epoch):
            W -= α * J_W(W, numpy.c_[X, numpy.ones((n, 1))])
        """),
        code(r"""
        W
        """),
        code(r"""
        p = Sm(W, numpy.c_[X, numpy.ones((n, 1))]).argmax(axis=1)
        plt.scatter(x=X[:, 0], y=X[:, 1], c=p);
        """),
        md(r"""
        ##### Using the chain rule
        """),
        code(r"""
        softmax = Sequential(
                [
                Fullyconnected(k, j, zeros),
                Activation(Softmax)
                ],
            CrossEntropy
            )
        softmax.train(X, y, epochs=n_epoch, α=α, metrics=accuracy)
        """),
        code(r"""
        softmax['steps'][-2].func.W
        """),
        code(r"""
        numpy.testing.assert_allclose(softmax['steps'][-2].func.W, W, rtol=1e-10, atol=1e-12)
        """),
        code(r"""
        p = softmax.predict(X).argmax(axis=1)
        plt.scatter(x=X[:, 0], y=X[:, 1], c=p);
        """),
        md(r"""
        #### 3 labels
        """),
        code(r"""
        iris = IrisDatasetDownloader()
        iris.load_dataset()

        _, ax = plt.subplots()
        scatter = ax.scatter(iris.data[:, 0], iris.data[:, 1], c=iris.target.ravel())
        ax.set(xlabel=iris.feature_names[0], ylabel=iris.feature_names[1])
        _ = ax.legend(
            scatter.legend_elements()[0], iris.target_names, loc="lower right", title="Classes"
        )
        """),
        code(r"""
        X, y = iris.data, onehot(iris.target)
        n, k = X.shape
        j = y.shape[1]
        X.shape, y.shape
        """),
        md(r"""
        ##### Using the softmax analytical gradient
        """),
        code(r"""
        n_epoch = 1000
        """),
        code(r"""
        W = numpy.zeros((k + 1, j))
        Sm = lambda W, X: numpy.exp(X.dot(W)) / numpy.exp(X.dot(W)).sum(axis=1).reshape(-1, 1)
        J_W = lambda W, X: 1 / n * X.T.dot(Sm(W, X) - y)

        for _ in range(n_epoch):
            W -= α * J_W(W, numpy.c_[X, numpy.ones((n, 1))])
        """),
        code(r"""
        W
        """),
        code(r"""
        p = Sm(W, numpy.c_[X, numpy.ones((n, 1))]).argmax(axis=1)
        plt.scatter(x=X[:, 0], y=X[:, 1], c=p);
        """),
        code(r"""
        accuracy().compute(y, Sm(W, numpy.c_[X, numpy.ones((n, 1))]))
        """),
        md(r"""
        ##### Chain rule
        """),
        code(r"""
        softmax = Sequential(
                [
                Fullyconnected(k, j, zeros),
                Activation(Softmax)
                ],
            CrossEntropy
            )
        softmax.train(X, y, epochs=n_epoch, α=α, metrics=accuracy)
        """),
        code(r"""
        numpy.testing.assert_allclose(softmax['steps'][-2].func.W, W, rtol=1e-10, atol=1e-12)
        accuracy().compute(y, softmax.predict(X))
        """),
        code(r"""
        p = softmax.predict(X).argmax(axis=1)
        plt.scatter(x=X[:, 0], y=X[:, 1], c=p);
        """),
        md(r"""
        **Next:** tutorial 4 meets problems that no linear classifier can solve, and trains
        real neural networks.
        """),
    ]


# ============================================================================ notebook 04
def nb04() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 4 · Neural networks

        Logistic and softmax regression draw straight decision boundaries. This tutorial
        starts with a problem where that fails, solves it with a network with one hidden
        layer, then trains deeper networks on the Iris flowers and on images of hand-written
        digits (optical character recognition).
        """),
        code(r"""
        from neural_net.architecture import Sequential
        from neural_net.layers import Fullyconnected, Activation
        from neural_net.init_funcs import zeros, XavierHe
        from neural_net.activation import σ, Softmax, LeakyReLU, Tanh, ELU, ReLU
        from neural_net.cost import BinaryCrossEntropy, CrossEntropy
        from neural_net.metrics import accuracy, classification_report, ConfusionMatrix
        from neural_net.pipeline import onehot, scaler, shuffle, Batch
        from neural_net.utils import IrisDatasetDownloader
        import numpy
        import matplotlib.pyplot as plt

        numpy.random.seed(0)  # data and XavierHe draws below are reproducible
        """),
        md(r"""
        ## Non Linear Problems

        1500 points of $[-100, 100]^2$; the label is 1 inside the disc
        $x_1^2 + x_2^2 < 3000$ (radius $\approx 55$).
        """),
        code(r"""
        n, k = 1500, 2
        X = numpy.random.uniform(-100, 100, size=(n, k))
        y = ((X[:, 0] ** 2 + X[:, 1] ** 2) < 3000).reshape(-1, 1) + 0
        y_one_hot = onehot(y)
        plt.scatter(x=X[:, 0], y=X[:, 1], c=y.ravel());
        """),
        code(r"""
        float(y.mean())   # share of points inside the disc
        """),
        md(r"""
        ## Beyond linear architecture
        """),
        code(r"""
        n_epoch = 1000
        α = 0.2
        """),
        md(r"""
        ### Logistic regression

        The boundary $h_\theta(x) = \frac12$ is the line $x^\top\theta = 0$: a disc cannot be
        separated from its outside by a line.
        """),
        code(r"""
        H_θ = lambda X, θ: 1 / (1 + numpy.exp(-X.dot(θ)))
        θ = numpy.zeros((3, 1))
        X_const = numpy.c_[X, numpy.ones((len(X), 1))]
        J = lambda θ, X: 1 / len(X) * X.T.dot(H_θ(X, θ) - y)
        for _ in range(n_epoch):
            θ -= α * J(θ, X_const)
        """),
        code(r"""
        pred = (H_θ(X_const, θ) > .5) + 0
        """),
        code(r"""
        float((pred == y).sum() / len(y))
        """),
        md(r"""
        About one point in two: worse than the trivial rule "always outside" (which scores
        $1 - 0.23 = 0.77$). Gradient descent on the raw, unscaled coordinates oscillates, and
        no line can do much better anyway.
        """),
        code(r"""
        plt.scatter(x=X[:, 0], y=X[:, 1], c=pred.ravel());
        """),
        md(r"""
        ### Softmax

        Softmax regression is linear too (the boundary between two classes $i$, $j$ is
        $x^\top(W_{\cdot i} - W_{\cdot j}) = 0$):
        """),
        code(r"""
        y_one_hot = onehot(y)
        n, j = y_one_hot.shape
        (n, j)
        """),
        code(r"""
        W = numpy.zeros((k + 1, j))
        Sm = lambda W, X: numpy.exp(X.dot(W)) / numpy.exp(X.dot(W)).sum(axis=1).reshape(-1, 1)
        J_W = lambda W, X: 1 / n * X.T.dot(Sm(W, X) - y_one_hot)

        for _ in range(n_epoch):
            W -= α * J_W(W, X_const)
        """),
        code(r"""
        p = Sm(W, X_const).argmax(axis=1)
        print((p == y.ravel()).mean())
        plt.scatter(x=X[:, 0], y=X[:, 1], c=p);
        """),
        md(r"""
        ## Neural network

        A hidden layer of 50 Leaky ReLU neurons between the input and the sigmoid output:

        $$
        a = \mathrm{LeakyReLU}\bigl([x\ 1]\,W^{(1)}\bigr) \in \mathbb R^{50},
        \qquad
        p = \sigma\bigl([a\ 1]\,W^{(2)}\bigr).
        $$

        Each hidden neuron draws a line; the output combines these half-planes into a curved
        boundary. By the universal approximation theorem, one hidden layer with enough
        neurons can approximate any continuous decision function.

        ### Xavier and He initialization methods

        We don't want the signal to die out, nor do we want it to explode and saturate. For
        the signal to flow properly, Glorot and Bengio argue that the variance of the
        outputs of each layer should equal the variance of its inputs (tutorial 1) — and the
        weights must be random, or the hidden neurons stay identical (tutorial 3). We use He
        initialization before the Leaky ReLU and Xavier before the sigmoid.

        The inputs are standardised first with `scaler`,
        $x_{ij} \leftarrow (x_{ij} - \mu_j)/\sigma_j$, so that they live on the scale the
        initialization assumes.
        """),
        code(r"""
        NN = Sequential(
                [
                Fullyconnected(2, 50, XavierHe("Uniform", "ReLU").init_func),
                Activation(LeakyReLU),
                Fullyconnected(50, 1, XavierHe("Uniform", "Sigmoid").init_func),
                Activation(σ)
                ],
            BinaryCrossEntropy
            )
        """),
        code(r"""
        NN.train(scaler(X), y, α=α, epochs=n_epoch, metrics=accuracy)
        """),
        code(r"""
        pred = (NN.predict(scaler(X)) > .5) + 0
        pred[:5]
        """),
        code(r"""
        nn_accuracy = accuracy().compute(y, NN.predict(scaler(X)))
        assert nn_accuracy > 0.95
        nn_accuracy
        """),
        code(r"""
        plt.scatter(x=X[:, 0], y=X[:, 1], c=pred.ravel());
        """),
        md(r"""
        The decision boundary, drawn from the predictions on a grid (standardised with the
        training mean and standard deviation), next to the true circle:
        """),
        code(r"""
        g1, g2 = numpy.meshgrid(numpy.linspace(-100, 100, 201), numpy.linspace(-100, 100, 201))
        grid = numpy.c_[g1.ravel(), g2.ravel()]
        proba = NN.predict((grid - X.mean(axis=0)) / X.std(axis=0)).reshape(g1.shape)

        fig, ax = plt.subplots(figsize=(7, 7))
        ax.contourf(g1, g2, proba, levels=20, cmap='RdBu_r', alpha=.6)
        ax.contour(g1, g2, proba, levels=[.5], colors='black')
        t = numpy.linspace(0, 2 * numpy.pi, 200)
        ax.plot(numpy.sqrt(3000) * numpy.cos(t), numpy.sqrt(3000) * numpy.sin(t), 'g--', label='true boundary')
        ax.set_aspect('equal')
        ax.set_title('P(inside) predicted by the network; black: p = 1/2')
        ax.legend();
        """),
        md(r"""
        Calling `train` again continues from the current weights (the epoch count goes on):
        """),
        code(r"""
        NN.train(scaler(X), y, α=α, epochs=500, metrics=accuracy)
        """),
        code(r"""
        history = NN.history.history
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
        ax1.plot(NN.history.epoch, history['loss'])
        ax1.set_yscale('log')
        ax1.set_title('BinaryCrossEntropy')
        ax2.plot(NN.history.epoch, history['accuracy'])
        ax2.set_title('accuracy')
        for ax in (ax1, ax2):
            ax.set_xlabel('epoch')
        """),
        md(r"""
        ### Iris problem

        Two hidden layers (Leaky ReLU then ELU) and a softmax output, trained with
        **mini-batches**: `Batch(size, n, X_fn, y_fn)` cuts the $n$ rows into batches of
        `size` rows, and every batch makes one gradient step

        $$
        W \leftarrow W - \alpha\,\nabla J_{\text{batch}}(W),
        $$

        so an epoch over 150 flowers in batches of 60 makes 3 steps. Because the batches are
        consecutive rows and the data set is sorted by species, we first `shuffle` the rows
        (features and labels with the same permutation; `seed=` makes it reproducible).
        """),
        code(r"""
        iris = IrisDatasetDownloader()
        iris.load_dataset()
        y = onehot(iris.target)
        X = iris.data

        X, y = shuffle(X, y, seed=0)
        n, k = X.shape
        j = y.shape[1]
        """),
        code(r"""
        y[:10].argmax(axis=1)   # the species are now mixed
        """),
        code(r"""
        NN = Sequential(
                [
                Fullyconnected(k, 100, XavierHe("Uniform", "ReLU").init_func),
                Activation(LeakyReLU),
                Fullyconnected(100, 50, XavierHe("Normal", "ReLU").init_func),
                Activation(ELU),
                Fullyconnected(50, j, zeros),
                Activation(Softmax)
                ],
            CrossEntropy
            )
        """),
        code(r"""
        batch = Batch(60, len(X), lambda: scaler(X), lambda: y)
        batch
        """),
        code(r"""
        NN.train(batch=batch, α=0.2, epochs=1000, metrics=accuracy)
        """),
        code(r"""
        pred = NN.predict(scaler(X)).argmax(axis=1, keepdims=True)
        """),
        code(r"""
        true_y = y.argmax(axis=1, keepdims=True)
        """),
        code(r"""
        iris_accuracy = float((pred == true_y).sum() / len(pred))
        assert iris_accuracy >= 0.97
        iris_accuracy
        """),
        md(r"""
        This is the accuracy on the training flowers: with 150 examples and thousands of
        weights, a network can learn them by heart. To estimate how it does on *new*
        flowers, keep a test set apart, as in the next section.

        > Storing the trained weights in a database (`updateW`, `commit`) is shown in the
        > database tutorial; this notebook stores nothing.

        ## Optical character recognition (OCR)

        ### Hand-written digits dataset

        scikit-learn's `load_digits`: 1797 images of $8 \times 8$ pixels with grey levels
        $0 \dots 16$, shipped with scikit-learn (nothing is downloaded). Each image becomes a
        row of 64 features.
        """),
        code(r"""
        from sklearn import datasets
        from sklearn.model_selection import train_test_split
        """),
        code(r"""
        digits = datasets.load_digits()

        _, axes = plt.subplots(nrows=1, ncols=10, figsize=(13, 3))
        for ax, image, label in zip(axes, digits.images, digits.target):
            ax.set_axis_off()
            ax.imshow(image, cmap=plt.cm.gray_r, interpolation="nearest")
            ax.set_title("Training: %i" % label)
        """),
        code(r"""
        n_samples = len(digits.images)
        data = digits.images.reshape((n_samples, -1))

        # Split data into 50% train and 50% test subsets
        X_train, X_test, y_train, y_test = train_test_split(
            data, onehot(digits.target.reshape(-1, 1)), test_size=0.5, shuffle=False
        )
        """),
        code(r"""
        X_train.shape, y_train.shape
        """),
        md(r"""
        #### Softmax

        A linear classifier first: softmax regression on the raw pixels (hence the small
        learning rate).
        """),
        code(r"""
        softmax = Sequential(
                [
                Fullyconnected(64, 10, zeros),
                Activation(Softmax)
                ],
            CrossEntropy
            )
        softmax.train(X_train, y_train, epochs=1000, α=0.001, metrics=accuracy)
        """),
        code(r"""
        predicted = softmax.predict(X_test).argmax(axis=1)
        """),
        code(r"""
        _, axes = plt.subplots(nrows=1, ncols=4, figsize=(10, 3))
        for ax, image, prediction in zip(axes, X_test, predicted):
            ax.set_axis_off()
            image = image.reshape(8, 8)
            ax.imshow(image, cmap=plt.cm.gray_r, interpolation="nearest")
            ax.set_title(f"Prediction: {prediction}")
        """),
        md(r"""
        #### Classification report

        For each class $c$, with the confusion matrix $M$ ($M_{ij}$ counts the images of
        digit $i$ predicted as $j$):

        $$
        \text{precision}_c = \frac{M_{cc}}{\sum_i M_{ic}},
        \qquad
        \text{recall}_c = \frac{M_{cc}}{\sum_j M_{cj}},
        \qquad
        F_1 = \frac{2\,\text{precision}\cdot\text{recall}}{\text{precision} + \text{recall}} ;
        $$

        the support is the number of true images of the class. `neural_net.metrics` computes
        the report with the layout of scikit-learn's (arguments `y_true, y_pred`, in that
        order).
        """),
        code(r"""
        print(
            f"Classification report for classifier :\n"
            f"{classification_report(y_test.argmax(axis=1), predicted)}\n"
        )
        """),
        md(r"""
        The same numbers as scikit-learn's implementation:
        """),
        code(r"""
        from sklearn.metrics import precision_recall_fscore_support

        cm = ConfusionMatrix().fit(predicted, y_test.argmax(axis=1))   # note: (y_pred, y_true)
        for ours, theirs in zip((cm.precision, cm.recall, cm.f1, cm.support),
                                precision_recall_fscore_support(y_test.argmax(axis=1), predicted)):
            numpy.testing.assert_allclose(ours, theirs)
        softmax_accuracy = cm.accuracy
        softmax_accuracy
        """),
        md(r"""
        #### Confusion matrix
        """),
        code(r"""
        def plot_confusion(cm, title):
            fig, ax = plt.subplots(figsize=(7, 6))
            image = ax.imshow(cm.matrix, cmap='Blues')
            for i in range(cm.matrix.shape[0]):
                for j in range(cm.matrix.shape[1]):
                    v = cm.matrix[i, j]
                    ax.text(j, i, v, ha='center', va='center',
                            color='white' if v > cm.matrix.max() / 2 else 'black')
            ax.set_xticks(range(len(cm.labels)))
            ax.set_yticks(range(len(cm.labels)))
            ax.set_xlabel('Predicted label')
            ax.set_ylabel('True label')
            ax.set_title(title)
            fig.colorbar(image, ax=ax)


        print(f"Confusion matrix:\n{cm.matrix}")
        plot_confusion(cm, 'Confusion Matrix — softmax regression')
        """),
        md(r"""
        ### Deep learning

        Two hidden layers of 128 and 64 ELU neurons with He initialization, a softmax output
        with Xavier initialization, pixels rescaled to $[0, 1]$ (divided by 16), mini-batches
        of 10 images, 30 epochs. (The original tutorial used 1000 and 100 hidden neurons and
        100 epochs; this smaller network reaches a similar accuracy in a few seconds.)
        """),
        code(r"""
        NN = Sequential(
                [
                Fullyconnected(64, 128, XavierHe("Normal", "ReLU").init_func),
                Activation(ELU),
                Fullyconnected(128, 64, XavierHe("Normal", "ReLU").init_func),
                Activation(ELU),
                Fullyconnected(64, 10, XavierHe("Normal", "Sigmoid").init_func),
                Activation(Softmax)
                ],
            CrossEntropy
            )
        """),
        code(r"""
        X_train, y_train = shuffle(X_train, y_train, seed=0)
        batch = Batch(10, len(X_train), lambda: X_train / 16, lambda: y_train)
        NN.train(batch=batch, α=0.014, epochs=30, metrics=accuracy)
        """),
        code(r"""
        predicted = NN.predict(X_test / 16).argmax(axis=1)
        """),
        code(r"""
        _, axes = plt.subplots(nrows=1, ncols=4, figsize=(10, 3))
        for ax, image, prediction in zip(axes, X_test, predicted):
            ax.set_axis_off()
            image = image.reshape(8, 8)
            ax.imshow(image, cmap=plt.cm.gray_r, interpolation="nearest")
            ax.set_title(f"Prediction: {prediction}")
        """),
        code(r"""
        print(
            f"Classification report for classifier :\n"
            f"{classification_report(y_test.argmax(axis=1), predicted)}\n"
        )
        """),
        code(r"""
        cm_deep = ConfusionMatrix().fit(predicted, y_test.argmax(axis=1))
        print(f"Confusion matrix:\n{cm_deep.matrix}")
        plot_confusion(cm_deep, 'Confusion Matrix — deep network')
        """),
        code(r"""
        assert cm_deep.accuracy > 0.9
        {'softmax regression': softmax_accuracy, 'deep network': cm_deep.accuracy}
        """),
        md(r"""
        ### MNIST (not run here)

        The original tutorial ends with MNIST: 70 000 images of $28 \times 28$ pixels, a
        784-300-100-10 network with Leaky ReLU, and 100 epochs in batches of 500 (about ten
        minutes; 97 % test accuracy). That part is **not executed** in this notebook because

        * the data must be **downloaded** (about 11 MB; the original used `keras.datasets`,
          i.e. TensorFlow), while these tutorials run offline and are executed by the test
          suite;
        * its training takes minutes, where every notebook here runs in under a minute.

        The code is the same as for the small digits. With a copy of MNIST in `X_train`
        ($60000 \times 784$, scaled to $[0, 1]$), `Y_train` (one-hot), `X_test` and `Y_test`
        (labels), for instance from `sklearn.datasets.fetch_openml("mnist_784")`:

        ```python
        NN = Sequential(
                [
                Fullyconnected(784, 300, XavierHe("Normal", "ReLU").init_func),
                Activation(LeakyReLU),
                Fullyconnected(300, 100, XavierHe("Normal", "ReLU").init_func),
                Activation(LeakyReLU),
                Fullyconnected(100, 10, XavierHe("Normal", "Sigmoid").init_func),
                Activation(Softmax)
                ],
            CrossEntropy
            )
        batch = Batch(500, len(X_train), lambda: X_train, lambda: Y_train)
        NN.train(batch=batch, α=0.014, epochs=100, metrics=accuracy)
        print(classification_report(Y_test, NN.predict(X_test).argmax(axis=1)))
        ```
        """),
    ]


# ============================================================================ notebook 05
def nb05() -> list[tuple[str, str]]:
    return [
        md(r"""
        # 5 · The Keras-style front door

        The first four tutorials built networks as the seed tutorial does:
        `Fullyconnected` and `Activation` steps, a cost class, and `train(X, y, epochs=, α=)`.
        `neural_net` also has a second front door, shaped like Keras:

        | step | call |
        |---|---|
        | stack layers | `Sequential([Dense(...), Dropout(...), Dense(...)], seed=0)` |
        | inspect | `model.summary()` |
        | choose optimizer, loss, metrics | `model.compile(optimizer=..., loss=..., metrics=['accuracy'])` |
        | train, with validation and callbacks | `history = model.fit(X, y, epochs=, batch_size=, validation_split=, callbacks=[...])` |
        | measure | `model.evaluate(X, y)`, `model.predict(X)` |

        Both doors lead to **the same training loop**: at the end of this notebook we check
        that they give bit-identical weights.

        On the 8×8 hand-written digits of scikit-learn we train a small network with early
        stopping, compare five optimizers (SGD, SGD with Nesterov momentum, Adam, AdamW,
        RMSprop) on one plot, write down the update rule of each, and try learning-rate
        schedules.
        """),
        code(r"""
        import numpy
        import pandas as pd
        import matplotlib.pyplot as plt
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
        """),
        md(r"""
        ## The data

        1797 grey-level images of $8 \times 8$ pixels with values $0, \dots, 16$. Each image
        becomes a row of 64 inputs divided by 16, so that $x \in [0, 1]^{64}$; each label
        $c \in \{0, \dots, 9\}$ becomes a one-hot row $y \in \{0, 1\}^{10}$ with
        $y_j = [c = j]$.

        As in scikit-learn's digits example, the first half of the images is the training set
        and the second half the test set (`shuffle=False`: the split does not depend on a
        random draw). The test set is used only to report results at the end, never to choose
        anything.
        """),
        code(r"""
        digits = load_digits()
        X_train, X_test, y_train, y_test = train_test_split(
            digits.data / 16, onehot(digits.target), test_size=0.5, shuffle=False)
        X_train.shape, y_train.shape, X_test.shape, y_test.shape
        """),
        code(r"""
        _, axes = plt.subplots(nrows=1, ncols=8, figsize=(12, 2))
        for ax, image, target in zip(axes, X_train, y_train):
            ax.set_axis_off()
            ax.imshow(image.reshape(8, 8), cmap=plt.cm.gray_r, interpolation="nearest")
            ax.set_title(f"label {target.argmax()}")
        """),
        md(r"""
        ## Building the model: `Sequential`, `Dense`, `Dropout`

        `Dense(units, activation=..., input_dim=...)` is a fully connected layer followed by its
        activation; `Sequential` expands it into the two steps of the seed's API
        (`Fullyconnected` then `Activation`). Only the first layer needs `input_dim`; the
        others take their input width from the layer before. Our network is

        $$
        h = \mathrm{ReLU}\bigl([x\ 1]\,W^{(1)}\bigr) \in \mathbb R^{64},
        \qquad
        \tilde h = h \odot \frac{m}{1 - r},
        \qquad
        p = \mathrm{softmax}\bigl([\tilde h\ 1]\,W^{(2)}\bigr) \in (0, 1)^{10},
        $$

        with $W^{(1)}$ of shape $65 \times 64$ and $W^{(2)}$ of shape $65 \times 10$ (the bias
        is the last row), and $\mathrm{softmax}(z)_j = e^{z_j} / \sum_i e^{z_i}$.

        * **Initialization.** `Dense` draws its weights He-uniform before a ReLU,
          $W_{ij} \sim \mathcal U[-r, r]$ with $r = \sqrt 2 \sqrt{6 / (n_{in} + n_{out})}$,
          Glorot-uniform otherwise ($r = \sqrt{6 / (n_{in} + n_{out})}$), and sets the bias row
          to 0.
        * **Dropout** (inverted dropout) with rate $r = 0.2$: while training, each hidden
          value is kept with probability $1 - r$ ($m_j \sim \mathrm{Bernoulli}(1 - r)$) and the
          kept values are divided by $1 - r$, so that $\mathbb E[\tilde h] = h$; in `predict`
          and `evaluate` the layer is the identity. Hiding a random fifth of the hidden units
          at every step keeps them from relying on each other, a regularization.
        * **`seed=0`.** A random generator built from the seed re-draws every weight matrix
          and then drives the shuffling of the training rows and the dropout masks: the same
          seed gives the same numbers, run after run.

        `summary()` prints each step with its output shape and its number of parameters:
        $65 \times 64 = 4160$ and $65 \times 10 = 650$.
        """),
        code(r"""
        model = Sequential(
            [
                Dense(64, activation='relu', input_dim=64),
                Dropout(0.2),
                Dense(10, activation='softmax'),
            ],
            seed=0,
        )
        _ = model.summary()
        """),
        md(r"""
        ## `compile`: optimizer, loss and metrics

        The loss `'categorical_crossentropy'` is the library's `CrossEntropy`, the mean over
        the $n$ rows of a batch of

        $$
        J = -\frac1n \sum_{i=1}^{n} \sum_{j=1}^{10} y_{ij} \log p_{ij}.
        $$

        Softmax followed by cross-entropy has the simple gradient
        $\partial J / \partial Z = (P - Y)/n$ with respect to the last layer's linear output
        $Z$, which the loop uses directly (the "fused" gradient) instead of multiplying the
        softmax Jacobian by $\partial J / \partial P$.

        The optimizer may be a name (`'sgd'`, `'adam'`, `'adamw'`, `'rmsprop'`, with default
        hyper-parameters) or an object such as `Adam(lr=0.005)`. The metric `'accuracy'` is
        the share of rows whose most probable class is the true one,
        $\frac1n \sum_i [\operatorname{argmax}_j p_{ij} = \operatorname{argmax}_j y_{ij}]$.
        """),
        code(r"""
        model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
        model.optimizer
        """),
        md(r"""
        ## `fit` with a validation split and early stopping

        `fit(X, y, epochs, batch_size, validation_split, callbacks)`:

        * `validation_split=0.2` sets aside the **last** 20 % of the training rows
          ($898 \to 718 + 180$), before any shuffling, as a validation set;
        * every epoch, the 718 remaining rows are shuffled (by the model's seeded generator)
          and cut into mini-batches of `batch_size=32`: 23 updates per epoch, each with the
          gradient of the mean loss over one batch;
        * at the end of every epoch the loop records in the history the training `loss` and
          `accuracy` (means over the epoch's batches, computed with dropout on, before each
          update), the `val_loss` and `val_accuracy` (on the validation rows, dropout off) and
          the learning rate `lr`, then calls the callbacks.

        `EarlyStopping(monitor='val_loss', patience=10, restore_best_weights=True)` watches
        the validation loss $x$: an epoch *improves* when $x < x^*$, the best value so far.
        After `patience` epochs in a row without improvement it stops training, and it then
        puts back the weights of the best epoch. The validation loss chooses *when* to stop
        (a hyper-parameter), which is why it must not be measured on the test set.

        With `verbose=1` (the default) `fit` shows a progress bar; `verbose=0` keeps this
        notebook quiet. `epochs=200` is only an upper bound.
        """),
        code(r"""
        early = EarlyStopping(monitor='val_loss', patience=10, restore_best_weights=True)
        history = model.fit(X_train, y_train, epochs=200, batch_size=32, validation_split=0.2,
                            callbacks=[early], verbose=0)
        history
        """),
        code(r"""
        {'epochs run': len(history), 'stopped at epoch': early.stopped_epoch,
         'best epoch': early.best_epoch, 'best val_loss': early.best}
        """),
        md(r"""
        `fit` returns the `History` of its epochs; `to_frame()` turns it into a DataFrame
        indexed by epoch:
        """),
        code(r"""
        history.to_frame().tail()
        """),
        md(r"""
        The weights the model holds now are those of the best epoch, not of the last one: on
        the validation rows (the last 20 % of the training set) the model finds the best
        validation loss again.
        """),
        code(r"""
        cut = int(round(len(X_train) * (1 - 0.2)))
        X_val, y_val = X_train[cut:], y_train[cut:]
        val_loss, val_accuracy = model.evaluate(X_val, y_val)
        assert numpy.isclose(val_loss, early.best)
        val_loss, val_accuracy
        """),
        md(r"""
        ## `evaluate` and `predict`

        `evaluate` returns `[loss, accuracy]` (dropout off); `predict` returns the softmax
        probabilities, one row per image, each row summing to 1. The predicted class is the
        column of the largest probability. Below, the first test images with their predicted
        and true classes (errors in red).
        """),
        code(r"""
        test_loss, test_accuracy = model.evaluate(X_test, y_test)
        assert test_accuracy > 0.9
        test_loss, test_accuracy
        """),
        code(r"""
        proba = model.predict(X_test)
        predicted = proba.argmax(axis=1)
        numpy.testing.assert_allclose(proba.sum(axis=1), 1)
        proba[:3].round(3)
        """),
        code(r"""
        _, axes = plt.subplots(nrows=1, ncols=8, figsize=(12, 2))
        for ax, image, prediction, target in zip(axes, X_test, predicted, y_test):
            ax.set_axis_off()
            ax.imshow(image.reshape(8, 8), cmap=plt.cm.gray_r, interpolation="nearest")
            ax.set_title(f"{prediction} (true {target.argmax()})",
                         color='black' if prediction == target.argmax() else 'red')
        """),
        md(r"""
        `classification_report(y_true, y_pred)` gives, for every class $c$, the precision
        $TP_c / (\text{rows predicted } c)$, the recall $TP_c / (\text{rows of class } c)$, their
        harmonic mean F1 and the support (rows of class $c$). One-hot targets and probability
        rows are both accepted (their argmax is taken). Note the order of the arguments:
        `(y_true, y_pred)` as in scikit-learn, whereas `ConfusionMatrix().fit` takes
        `(y_pred, y_true)`.
        """),
        code(r"""
        print(classification_report(y_test, proba))
        """),
        code(r"""
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
        """),
        md(r"""
        ## Five optimizers on one plot

        Every optimizer receives, for each weight matrix $W$ (bias row included), the gradient
        $G = \partial J / \partial W$ of the mean loss of the current mini-batch, and updates
        $W$ in place. The rules below are those of `neural_net.optimizers` (which follow
        PyTorch's conventions, checked against PyTorch's numbers); $\eta$ is the learning
        rate, $t$ counts the updates of $W$, $\lambda$ is the weight decay (0 unless given),
        and squares, roots and divisions act element by element.

        ### SGD

        Plain gradient descent on the L2-penalized gradient $g_t = G_t + \lambda W_{t-1}$:

        $$
        W_t = W_{t-1} - \eta\, g_t .
        $$

        For plain SGD the loop folds $\eta$ into the output gradient, so that the update is a
        single subtraction. The step is proportional to the gradient: too small where the
        loss is flat, oscillating across a narrow valley where it is steep.

        ### SGD with momentum, and Nesterov

        A velocity $b$ accumulates past gradients (momentum $\mu$, dampening $d$):

        $$
        b_1 = g_1, \qquad b_t = \mu\, b_{t-1} + (1 - d)\, g_t,
        \qquad
        u_t = \begin{cases} g_t + \mu\, b_t & \text{(Nesterov)} \\ b_t & \text{(classical momentum)} \end{cases},
        \qquad
        W_t = W_{t-1} - \eta\, u_t .
        $$

        Components of the gradient that change sign from step to step cancel in $b$, while a
        steady direction builds up: for a constant gradient $g$, $b_t \to g / (1 - \mu)$, an
        effective rate of $\eta / (1 - \mu) = 10\eta$ for $\mu = 0.9$. Nesterov's variant
        (needs $d = 0$) adds the gradient once more to the velocity it is about to follow, a
        cheap version of "look ahead, then correct", which damps the overshoot.

        ### Adam

        Adam keeps, per weight, exponential moving averages of the gradient and of its
        square, corrects their bias towards the zero they start from, and divides one by the
        root of the other:

        $$
        m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t,
        \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2,
        \qquad
        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t},
        $$

        $$
        W_t = W_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
        \qquad (\beta_1 = 0.9,\ \beta_2 = 0.999,\ \epsilon = 10^{-8}).
        $$

        The library computes the same step in PyTorch's form,
        $\frac{\eta}{1 - \beta_1^t} \cdot m_t \big/ \bigl(\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon\bigr)$.
        Each weight gets its own step size, of order $\eta$ whatever the scale of its
        gradient. A weight decay in Adam is coupled: $g_t = G_t + \lambda W_{t-1}$ enters the
        moments, so the decay is divided by $\sqrt{\hat v_t}$ like the rest of the gradient.

        ### AdamW

        AdamW decouples the weight decay from the gradient (Loshchilov and Hutter): the
        weights are first shrunk, then the Adam step is taken on the raw gradient
        $g_t = G_t$:

        $$
        W \leftarrow W\,(1 - \eta\lambda),
        \qquad
        W_t = W - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}.
        $$

        Every weight is now shrunk by the same factor, whatever the size of its gradients
        (in Adam, weights with large gradients were barely decayed). We use $\lambda = 0.05$.

        ### RMSprop

        RMSprop divides the gradient by a moving root mean square of the recent gradients
        (smoothing constant $\alpha = 0.99$), without first moment and without bias
        correction:

        $$
        v_t = \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2,
        \qquad
        W_t = W_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon}.
        $$

        (With `momentum=μ`, $b_t = \mu b_{t-1} + g_t / (\sqrt{v_t} + \epsilon)$ and
        $W_t = W_{t-1} - \eta\, b_t$; with `centered=True`, $v_t$ is replaced by the variance
        estimate $v_t - \bar g_t^2$, $\bar g_t$ a moving average of $g_t$.)

        ### The comparison

        Each optimizer trains **the same architecture with the same seed**: the same initial
        weights, the same order of the mini-batches and the same dropout masks, so that the
        only difference is the update rule. The learning rates are usual values for each
        method (the adaptive methods want smaller ones), not tuned. Every run has the same
        budget, 30 epochs, without early stopping, so that the curves have the same length.
        """),
        code(r"""
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
        """),
        code(r"""
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
        """),
        md(r"""
        `compare_histories({name: history, ...}, key=...)` draws one curve per run. On the
        left the training loss, on the right the validation loss:
        """),
        code(r"""
        fig, (ax_train, ax_val) = plt.subplots(nrows=1, ncols=2, figsize=(14, 4.5))
        compare_histories(histories, key='loss', ax=ax_train)
        compare_histories(histories, key='val_loss', ax=ax_val)
        ax_train.set_title('training loss (dropout on)')
        ax_val.set_title('validation loss')
        for ax in (ax_train, ax_val):
            ax.set_ylim(0, 1)
        """),
        md(r"""
        Momentum and the adaptive methods reach a low loss within five epochs, where plain
        SGD needs about twenty. The training loss keeps falling all along, whereas the
        validation loss stops improving after about ten epochs and then stays level around
        0.25, going up and down from one epoch to the next: from there on the networks mostly
        fit the 718 training images better, they **overfit**, which is what early stopping
        guards against.

        The table below gathers, for each run, the best and the last validation loss, the
        Frobenius norm $\lVert W \rVert$ of the weights (bias rows excluded) and, computed once
        at the end, the loss and accuracy on the test set.
        """),
        code(r"""
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
        """),
        md(r"""
        The decoupled weight decay of AdamW shows in the norm of its weights, smaller than
        Adam's for the same learning rate. All five runs classify more than nine test images
        in ten; with so small a data set, differences of one point of accuracy (nine images)
        are within the noise of the choice of seed.

        ## Learning-rate schedules

        A `Schedule` gives the learning rate of each epoch from the base rate $\eta_0$
        (with $t = \text{epoch} - 1$); the optimizer applies it at the start of each epoch:

        * `CosineAnnealing(T_max, eta_min)`:
          $\eta = \eta_{\min} + (\eta_0 - \eta_{\min})\,\frac{1 + \cos(\pi t / T_{\max})}{2}$,
          large steps first, then smaller and smaller steps to settle in a minimum;
        * `LinearDecay(E, f)`:
          $\eta = f\eta_0 + (\eta_0 - f\eta_0)\,\frac{E - \min(t, E)}{E}$, a straight line
          from $\eta_0$ down to $f\eta_0$ over $E$ epochs.

        The callback `ReduceLROnPlateau(monitor, factor, patience)` reacts to training
        instead: after `patience` epochs in a row without improvement of the monitored value
        (by more than `min_delta`, $10^{-4}$ by default), it sets
        $\eta \leftarrow \max(\eta \cdot \text{factor},\ \eta_{\min})$. On an optimizer with a
        schedule it multiplies the optimizer's `lr_scale` $s$ by the same factor, and the rate
        becomes $\eta = \text{schedule}(\text{epoch}, \eta_0) \cdot s$.

        Three runs, with the same architecture and seed:

        1. SGD with Nesterov momentum and a cosine schedule over the 30 epochs;
        2. Adam with a larger rate, $\eta_0 = 0.01$, halved by `ReduceLROnPlateau` when the
           validation loss has not improved for 3 epochs;
        3. plain SGD with `LinearDecay` down to $0.1\,\eta_0$ *and* `ReduceLROnPlateau`.
        """),
        code(r"""
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
        """),
        md(r"""
        The history has a column `lr`: the rate used during each epoch. A reduction decided
        by `ReduceLROnPlateau` at the end of an epoch shows from the next epoch on.
        """),
        code(r"""
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
        """),
        md(r"""
        The cosine column follows the formula exactly; under `ReduceLROnPlateau` every change
        of rate is a halving, and with `LinearDecay` the rate is the scheduled one times the
        optimizer's `lr_scale` $s = 0.5^k$ after $k$ reductions:
        """),
        code(r"""
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
        """),
        md(r"""
        On this small problem the schedules do not buy accuracy: the test accuracies below
        are within about one point of those of the constant-rate runs in the table above.
        What they give is a quiet end of training: as the steps shrink, the validation curves
        flatten, so the result depends less on the exact epoch at which training stops.
        """),
        code(r"""
        pd.DataFrame({name: dict(zip(['test loss', 'test accuracy'], net.evaluate(X_test, y_test)))
                      for name, net in {'SGD + Nesterov, cosine': cosine, 'Adam + plateau': plateau,
                                        'linear + plateau': linear}.items()}).T.round(4)
        """),
        md(r"""
        ## Learning curves of the best model

        Among the five optimizer runs we pick the model with the lowest **validation** loss
        at its last epoch (its current weights); the test set plays no part in the choice.
        `plot_history` draws the losses on one axes and the metrics on another, validation
        curves dashed in the colour of their training curve (`lr` is left out by default).
        A model can be given directly: its `history` is used.
        """),
        code(r"""
        best = min(histories, key=lambda name: histories[name].history['val_loss'][-1])
        loss_ax, metric_ax = plot_history(runs[best])
        loss_ax.set_title(f'{best}: loss')
        metric_ax.set_title(f'{best}: accuracy')
        best
        """),
        md(r"""
        ## Decision boundaries on a 2-D toy problem

        `plot_decision_boundary(model, X, y)` colours the plane by the class the model
        predicts (one sigmoid output is thresholded at $\frac12$) and scatters the points on
        top. Four discs drawn by `make_circle_data` make an XOR: the discs at the bottom-left
        and top-right are class 0, the two others class 1. No straight line separates them,
        so logistic regression (a single `Dense(1, activation='sigmoid')`) fails, while one
        hidden layer of 16 ReLU units succeeds. The loss is the binary cross-entropy
        $J = -\frac1n \sum_i \bigl(y_i \log p_i + (1 - y_i) \log(1 - p_i)\bigr)$.
        """),
        code(r"""
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
        """),
        md(r"""
        ## One loop behind both front doors

        The seed's `train(X, y, epochs=, α=)` is full-batch gradient descent, in the order of
        the rows, with plain SGD of rate $\alpha$. In Keras terms that is
        `compile(optimizer=SGD(lr=α))` then `fit(X, y, batch_size=None, shuffle=False)`
        (`batch_size=None`: one batch of all the rows). Both calls run the same loop
        (`neural_net.loop.run_training`), so two models built with the same seed end with **identical**
        weights, bit for bit, and identical histories (dropout included: both draw their
        masks from the same seeded generator, in the same order).
        """),
        code(r"""
        seed_style = Sequential(steps(), 'categorical_crossentropy', seed=0)
        seed_style.train(X_train, y_train, epochs=5, α=0.1, metrics=accuracy, verbose=False)

        keras_style = Sequential(steps(), seed=0)
        keras_style.compile(optimizer=SGD(lr=0.1), loss='categorical_crossentropy', metrics=['accuracy'])
        keras_style.fit(X_train, y_train, epochs=5, batch_size=None, shuffle=False, verbose=0)

        for W_train, W_fit in zip(seed_style.get_weights(), keras_style.get_weights()):
            assert numpy.array_equal(W_train, W_fit)
        assert seed_style.history.to_frame().equals(keras_style.history.to_frame())
        seed_style.history.to_frame()
        """),
        md(r"""
        Five full-batch steps of plain SGD barely move the network (compare with the
        mini-batch runs above, which make 23 updates per epoch): the Keras-style defaults,
        mini-batches, shuffling and an adaptive optimizer, are what make the front door fast.
        """),
    ]


NOTEBOOKS = {
    "01_activations_and_initialization.ipynb": nb01,
    "02_layers_architecture_and_costs.ipynb": nb02,
    "03_backpropagation_and_regression.ipynb": nb03,
    "04_neural_networks.ipynb": nb04,
    "05_keras_style_front_door.ipynb": nb05,
}


def build(name: str, notebooks: dict | None = None) -> nbformat.NotebookNode:
    """The notebook ``name`` of ``notebooks`` (default: this file's), no outputs, fixed cell ids."""
    notebooks = NOTEBOOKS if notebooks is None else notebooks
    stem = name.split("_", 1)[0]
    nb = new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    for i, (kind, source) in enumerate(notebooks[name]()):
        cell = new_markdown_cell(source) if kind == "markdown" else new_code_cell(source)
        cell.id = f"nb{stem}-{i:03d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(name: str, notebooks: dict | None = None) -> str:
    return nbformat.writes(build(name, notebooks)) + "\n"


def main(argv: list[str] | None = None, notebooks: dict | None = None, script: str = "make_notebooks.py",
         description: str = __doc__.split("\n")[0]) -> int:
    """Write (or, with ``--check``, compare) every notebook of ``notebooks``."""
    notebooks = NOTEBOOKS if notebooks is None else notebooks
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=pathlib.Path, default=HERE, help="output directory (default: tutorials/)")
    parser.add_argument("--check", action="store_true", help="only check that the notebooks are up to date")
    args = parser.parse_args(argv)
    stale = []
    for name in notebooks:
        path = args.out / name
        text = render(name, notebooks)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    if stale:
        print(f"stale notebooks (run python tutorials/{script}): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
