r"""Σ: the linear map of a fully connected layer, which holds its weights.

Σ is the linear neurons of a fully connected layer: it holds ``W`` of shape
``(n_in + 1, n_out)`` whose last row is the bias, computes :math:`XW_{:-1} + W_{-1}` and, in
``grad``, the gradient :math:`\partial J/\partial W = [X^\top Δ;\ 1^\top Δ]`, applies it
(``W -= ∂J/∂W`` unless an optimizer is attached) and returns :math:`Δ W_{:-1}^\top`.

Example:
    >>> import numpy
    >>> from neural_net.linear import Σ
    >>> Σ(numpy.array([[1.0], [0.0]])).compute(numpy.array([[3.0]]))
    array([[3.]])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .neurons import Neurons


class Σ(Neurons):
    r"""Linear neurons of a fully connected layer: :math:`Z = XW_{:-1} + W_{-1}`.

    ``W`` has shape ``(n_in + 1, n_out)``; its last row is the bias. ``grad(Δ)`` computes
    :math:`G = [X^\top Δ;\ \mathbf 1^\top Δ]` into ``self.dW``, returns :math:`Δ W_{:-1}^\top`
    (with the weights *before* the update) and then updates ``W``: ``W -= G`` by default (the
    learning rate folded into Δ, as the seed does), or through ``self.optimizer`` when one is
    attached.

    Example:
        >>> import numpy
        >>> from neural_net.activation import Σ
        >>> lin = Σ(numpy.array([[1.0], [2.0], [0.5]]))
        >>> lin.compute(numpy.array([[1.0, 1.0]]))
        array([[3.5]])
    """

    def __init__(self, W: np.ndarray, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        W = np.asarray(W)
        if W.ndim != 2 or W.shape[0] < 2:
            raise ValueError(f"Σ: W must have shape (n_in + 1, n_out), got {W.shape}")
        self.W = W
        self.dW = np.zeros_like(W)
        self.X: np.ndarray | None = None
        self.optimizer: Any = None
        self.key: Any = None

    def compute(self, X: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.shape[1] != self.W.shape[0] - 1:
            raise ValueError(
                f"X must have {self.W.shape[0] - 1} columns (n_in of this layer), got shape {X.shape}"
            )
        self.X = X
        W = self.W
        if X.shape[1] == 1:  # an inner dimension of 1: a broadcast product beats BLAS here
            Z = np.multiply(X, W[0], out=out)
        else:
            Z = np.matmul(X, W[:-1], out=out)
        Z += W[-1]
        self.preds = Z
        return Z

    def pr(self) -> np.ndarray:
        """∂Z/∂X: the weight matrix without its bias row."""
        return self.W[:-1]

    def gradients(self, Δ: np.ndarray, ones: np.ndarray | None = None) -> np.ndarray:
        """Write :math:`G = [X^\\top Δ;\\ 1^\\top Δ]` into ``self.dW`` and return it."""
        if self.X is None:
            raise RuntimeError("Σ: call compute(X) before grad(Δ)")
        X, dW = self.X, self.dW
        if dW.dtype != np.result_type(X, Δ, self.W) or dW.shape != self.W.shape:
            dW = self.dW = np.zeros(self.W.shape, dtype=np.result_type(X, Δ, self.W))
        np.matmul(X.T, Δ, out=dW[:-1])
        if ones is not None:
            np.matmul(ones, Δ, out=dW[-1])
        else:
            np.sum(Δ, axis=0, out=dW[-1])
        return dW

    def input_grad(self, Δ: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """:math:`Δ W_{:-1}^\\top`, the gradient with respect to the layer's input."""
        W = self.W[:-1]
        if W.shape[1] == 1:
            return np.multiply(Δ, W.T, out=out)
        return np.matmul(Δ, W.T, out=out)

    def apply(self) -> None:
        """Update ``W`` from ``self.dW``: through the optimizer, or ``W -= dW``."""
        if self.optimizer is None:
            np.subtract(self.W, self.dW, out=self.W, casting="unsafe")
        else:
            self.optimizer.apply(self.key, self.W, self.dW)

    def grad(
        self,
        Δ: np.ndarray,
        out: np.ndarray | None = None,
        *,
        need_input_grad: bool = True,
        ones: np.ndarray | None = None,
    ) -> np.ndarray | None:
        self.gradients(Δ, ones)
        din = self.input_grad(Δ, out) if need_input_grad else None
        self.apply()
        return din
