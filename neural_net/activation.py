r"""Activations: the element-wise (or row-wise) functions a layer applies.

Every class here mirrors the ``Neurons`` table. An activation ``f`` offers

* ``compute(z)`` — :math:`a = f(z)`, kept in ``preds``;
* ``pr()`` — the derivative :math:`f'(z)`, computed *from the output* ``preds`` (no need to
  keep ``z``), which lets the network apply activations in place;
* ``grad(Δ)`` — the backward step :math:`Δ \odot f'(z)` (for Softmax, the Jacobian-vector
  product :math:`s \odot (Δ - \langle Δ, s\rangle)`).

``compute``/``grad`` take ``out=`` so the training loop can reuse its buffers; called
without it they allocate and never modify their argument.

Σ, the linear map of a fully connected layer that holds the weights, lives in
:mod:`neural_net.linear` (re-exported here, the seed's import path); the base class of every
neurons function, :class:`Neurons`, in :mod:`neural_net.neurons`.

Example:
    >>> import numpy
    >>> from neural_net.activation import σ, Tanh
    >>> z = numpy.linspace(-6, 6, 1001)
    >>> float(σ().compute(z)[0]).__round__(8), float(Tanh().compute(z)[-1]).__round__(8)
    (0.00247262, 0.99998771)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .checks import positive_float
from .linear import Σ
from .neurons import Neurons

__all__ = ["Neurons", "σ", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softmax", "Linear", "Σ", "ACTIVATIONS",
           "get_activation"]


def _alias(owner: str, α: Any, default: float, alpha: Any) -> Any:
    """``alpha=`` (Keras' ASCII spelling) is a synonym of ``α``; refuse two different values."""
    if alpha is None:
        return α
    if α != default and α != alpha:
        raise ValueError(f"{owner}: give α once, as α or alpha, got α={α!r} and alpha={alpha!r}")
    return alpha


class σ(Neurons):
    r"""Logistic sigmoid :math:`σ(z) = 1/(1+e^{-z})`, :math:`σ' = σ(1-σ)`.

    Example:
        >>> import numpy
        >>> from neural_net.activation import σ
        >>> s = σ(); s.compute(numpy.array([0.0])), s.pr()
        (array([0.5]), array([0.25]))
    """

    def compute(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        z = np.asarray(z)
        if z.dtype == np.float32:  # ½(1 + tanh(z/2)): numpy's float32 tanh beats exp here
            a = np.multiply(z, 0.5, out=out)
            np.tanh(a, out=a)
            a *= 0.5
            a += 0.5
        else:
            with np.errstate(over="ignore"):
                a = np.negative(z, out=out)
                np.exp(a, out=a)
            a += 1
            np.reciprocal(a, out=a)
        self.preds = a
        return a

    def pr(self) -> np.ndarray:
        s = self._require_preds()
        return s * (1 - s)

    def grad(self, Δ: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        s = self._require_preds()
        if out is None:
            return Δ * (s * (1 - s))
        buf = self._scratch(s)
        np.subtract(1, s, out=buf)
        buf *= s
        return np.multiply(Δ, buf, out=out)


Sigmoid = σ


class Tanh(Neurons):
    r"""Hyperbolic tangent :math:`\tanh z = 2σ(2z) - 1` (values in (-1, 1)), :math:`\tanh' = 1-\tanh^2`.

    Example:
        >>> import numpy
        >>> from neural_net.activation import Tanh
        >>> t = Tanh(); t.compute(numpy.array([0.0])), t.pr()
        (array([0.]), array([1.]))
    """

    def compute(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        self.preds = np.tanh(z, out=out)
        return self.preds

    def pr(self) -> np.ndarray:
        t = self._require_preds()
        return 1 - t * t

    def grad(self, Δ: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            return Δ * self.pr()
        t = self._require_preds()
        buf = np.multiply(t, t, out=self._scratch(t))
        np.subtract(1, buf, out=buf)
        return np.multiply(Δ, buf, out=out)


class ReLU(Neurons):
    r"""Rectified linear unit :math:`\max(z, 0)`; derivative 1 where the output is > 0, else 0.

    Example:
        >>> import numpy
        >>> from neural_net.activation import ReLU
        >>> r = ReLU(); r.compute(numpy.array([-1.0, 2.0])), r.pr()
        (array([0., 2.]), array([0., 1.]))
    """

    def compute(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        self.preds = np.maximum(z, 0, out=out)
        return self.preds

    def pr(self) -> np.ndarray:
        a = self._require_preds()
        return (a > 0).astype(a.dtype)

    def grad(self, Δ: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        a = self._require_preds()
        if out is None:
            return Δ * (a > 0)
        return np.multiply(Δ, self._positive(a), out=out)


class LeakyReLU(Neurons):
    r"""Leaky ReLU: :math:`z` if :math:`z ≥ 0` else :math:`αz`; derivative 1 or α (α ≥ 0).

    Example:
        >>> import numpy
        >>> from neural_net.activation import LeakyReLU
        >>> l = LeakyReLU(α=0.1); l.compute(numpy.array([-1.0, 2.0])), l.pr()
        (array([-0.1,  2. ]), array([0.1, 1. ]))
    """

    params = ("α",)

    def __init__(self, α: float = 0.01, *, alpha: float | None = None, **kwargs: Any) -> None:
        α = _alias(type(self).__name__, α, 0.01, alpha)
        self.α = positive_float(α, "α", allow_zero=True)
        super().__init__(**kwargs)

    def compute(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        z = np.asarray(z)
        if out is None:
            self.preds = np.where(z >= 0, z, self.α * z)
            return self.preds
        scaled = np.multiply(z, self.α, out=self._scratch(z))  # f(z) = max(z, αz) for α ≤ 1
        self.preds = (np.maximum if self.α <= 1 else np.minimum)(z, scaled, out=out)
        return self.preds

    def pr(self) -> np.ndarray:
        a = self._require_preds()
        return np.where(a > 0, 1, self.α).astype(a.dtype)

    def grad(self, Δ: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        a = self._require_preds()
        if out is None:
            return Δ * self.pr()
        slope = np.multiply(self._positive(a), 1 - self.α, out=self._scratch(a))  # 1 where a > 0, else α
        slope += self.α
        return np.multiply(Δ, slope, out=out)


class ELU(Neurons):
    r"""Exponential linear unit: :math:`z` if :math:`z ≥ 0` else :math:`α(e^z - 1)`.

    Derivative from the output :math:`a`: 1 where :math:`a > 0`, else :math:`a + α`.

    Example:
        >>> import numpy
        >>> from neural_net.activation import ELU
        >>> e = ELU(α=1); e.compute(numpy.array([0.0, 2.0])), e.pr()
        (array([0., 2.]), array([1., 1.]))
    """

    params = ("α",)

    def __init__(self, α: float = 1.0, *, alpha: float | None = None, **kwargs: Any) -> None:
        α = _alias(type(self).__name__, α, 1.0, alpha)
        self.α = positive_float(α, "α")
        super().__init__(**kwargs)

    def compute(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        z = np.asarray(z)
        if z.dtype.kind != "f":
            z = z.astype(np.float64)
        neg = np.minimum(z, 0, out=None if out is None else self._scratch(z))
        np.expm1(neg, out=neg)
        neg *= self.α  # α(e^{min(z,0)} − 1): zero where z ≥ 0
        out = np.maximum(z, 0, out=out)
        out += neg
        self.preds = out
        return out

    def pr(self) -> np.ndarray:
        a = self._require_preds()
        return np.where(a > 0, 1, a + self.α).astype(a.dtype)

    def grad(self, Δ: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        a = self._require_preds()
        if out is None:
            return Δ * self.pr()
        slope = np.minimum(a, 0, out=self._scratch(a))
        slope += self.α - 1
        slope *= np.logical_not(self._positive(a), out=self._mask)
        slope += 1  # (a + α − 1)·[a ≤ 0] + 1: a + α where a ≤ 0, else 1
        return np.multiply(Δ, slope, out=out)


class Softmax(Neurons):
    r"""Softmax over each row: :math:`s_j = e^{z_j} / \sum_i e^{z_i}` (max-shifted for safety).

    ``pr()`` returns the Jacobian :math:`\partial s_j/\partial z_i = s_j(δ_{ij} - s_i)` of
    shape ``(n, k, k)``; ``grad(Δ)`` returns the product :math:`s \odot (Δ - (Δ \cdot s)\mathbf 1)`.

    Example:
        >>> import numpy
        >>> from neural_net.activation import Softmax
        >>> Softmax().compute(numpy.zeros((1, 2)))
        array([[0.5, 0.5]])
    """

    def compute(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        z = np.asarray(z)
        if z.ndim == 1:
            z = z.reshape(1, -1)
        m = z.max(axis=-1, keepdims=True)  # the last axis: stacked (K, n, k) inputs work too
        e = np.subtract(z, m, out=out)
        np.exp(e, out=e)
        e /= e.sum(axis=-1, keepdims=True)
        self.preds = e
        return e

    def pr(self) -> np.ndarray:
        s = self._require_preds()
        return s[:, :, None] * (np.eye(s.shape[1], dtype=s.dtype)[None] - s[:, None, :])

    def grad(self, Δ: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        s = self._require_preds()
        dot = np.einsum("...j,...j->...", Δ, s)[..., None]
        r = np.subtract(Δ, dot, out=out)
        r *= s
        return r


class Linear(Neurons):
    """Identity activation :math:`f(z) = z` (for regression outputs).

    Example:
        >>> import numpy
        >>> from neural_net.activation import Linear
        >>> Linear().compute(numpy.array([-1.0, 2.0]))
        array([-1.,  2.])
    """

    def compute(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        z = np.asarray(z)
        if out is not None and out is not z:
            np.copyto(out, z)
            z = out
        self.preds = z
        return z

    def pr(self) -> np.ndarray:
        return np.ones_like(self._require_preds())

    def grad(self, Δ: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            return np.array(Δ, copy=True)
        if out is not Δ:
            np.copyto(out, Δ)
        return out


#: Names accepted wherever an activation is given by name (Keras-style strings included).
ACTIVATIONS: dict[str, type[Neurons]] = {
    "σ": σ, "sigmoid": σ, "Sigmoid": σ,
    "Tanh": Tanh, "tanh": Tanh,
    "ReLU": ReLU, "relu": ReLU,
    "LeakyReLU": LeakyReLU, "leaky_relu": LeakyReLU,
    "ELU": ELU, "elu": ELU,
    "Softmax": Softmax, "softmax": Softmax,
    "Linear": Linear, "linear": Linear,
}


def get_activation(func: Any) -> type[Neurons]:
    """Resolve an activation given by class or by name (``'relu'``, ``'σ'``, ``'Softmax'``, ...).

    Example:
        >>> from neural_net.activation import get_activation
        >>> get_activation('relu').__name__
        'ReLU'
    """
    if isinstance(func, type) and issubclass(func, Neurons) and func is not Σ:
        return func
    if isinstance(func, str) and func in ACTIVATIONS:
        return ACTIVATIONS[func]
    known = sorted({k for k in ACTIVATIONS})
    raise ValueError(f"activation must be one of {known} or a Neurons subclass, got {func!r}")
