r"""Cost functions: binary cross-entropy, cross-entropy and mean squared error.

A cost mirrors the ``Cost`` table. ``compute(y, p)`` returns the mean cost and remembers
``y`` and ``p``; ``pr()`` returns the derivative :math:`\partial J/\partial p` *including the
averaging factor*, so that the chain rule through the network gives the gradient of the
mean cost directly (the seed's ``1/n · Xᵀ(p − y)``).

=====================  ==========================================  ===========================
cost                   :math:`J(y, p)`                              :math:`\partial J/\partial p`
=====================  ==========================================  ===========================
BinaryCrossEntropy     :math:`-\frac1N\sum y\log p+(1-y)\log(1-p)`   :math:`\frac{p-y}{N\,p(1-p)}`
CrossEntropy           :math:`-\frac1n\sum_{i,j} y_{ij}\log p_{ij}`  :math:`-\frac{y}{n\,p}`
MSE                    :math:`\frac1N\sum (y-p)^2`                   :math:`\frac{2(p-y)}{N}`
=====================  ==========================================  ===========================

(:math:`n` rows, :math:`N` elements.) Matched with their natural output activation the
product simplifies — the *fused* output gradient used by the training loop:
σ + BinaryCrossEntropy gives :math:`(p-y)/N` and Softmax + CrossEntropy :math:`(p-y)/n`.

Example:
    >>> import numpy
    >>> from neural_net.cost import BinaryCrossEntropy
    >>> bce = BinaryCrossEntropy()
    >>> round(bce.compute(numpy.array([[1], [0]]), numpy.array([[0.5], [0.5]])), 6)
    0.693147
    >>> bce.pr()
    array([[-1.],
           [ 1.]])
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .activation import Softmax, σ
from .neurons import Neurons
from .mirror import Define


_EPS: dict[Any, float] = {}


def _eps(dtype: np.dtype) -> float:
    """Clipping margin: 1e-15, or the dtype's machine epsilon when larger (float32)."""
    e = _EPS.get(dtype)
    if e is None:
        e = _EPS[dtype] = max(1e-15, float(np.finfo(dtype).eps)) if np.dtype(dtype).kind == "f" else 1e-15
    return e


class Cost(Define):
    """Base of the cost functions (mirrors the ``Cost`` table).

    Example:
        >>> from neural_net.cost import MSE
        >>> str(MSE()), repr(MSE())
        ('Cost', 'MSE')
    """

    table = "Cost"
    #: The output activation whose derivative cancels with this cost's (see module doc).
    fused_activation: type[Neurons] | None = None

    def __init__(self, *, uid: int | None = None) -> None:
        super().__init__(uid=uid)
        self.y: np.ndarray | None = None
        self.p: np.ndarray | None = None
        self._bufs: dict[tuple, np.ndarray] = {}

    @property
    def name(self) -> str:
        return type(self).__name__

    # ----- public, seed-style API -------------------------------------------------------
    def compute(self, y: Any, p: Any, clip: bool = True) -> float:
        """Mean cost of predictions ``p`` for targets ``y`` (``p`` is reshaped to ``y``'s shape
        when both hold the same number of values)."""
        y, p = self._align(y, p)
        if clip:
            e = _eps(p.dtype)
            p = np.clip(p, e, 1 - e) if self.clips_to_unit else p
        self.y, self.p = y, p
        return float(self._value(y, p, False))

    def pr(self) -> np.ndarray:
        """∂J/∂p at the last ``compute`` (averaging factor included)."""
        if self.y is None or self.p is None:
            raise RuntimeError(f"{self.name}: call compute(y, p) before pr()")
        return self._derivative(self.y, self.p)

    # ----- training-loop API (no allocation per batch) ---------------------------------
    clips_to_unit = True

    def loss(self, y: np.ndarray, p: np.ndarray) -> float:
        """Mean cost, using buffers kept between calls; ``y``, ``p`` are left unchanged."""
        return float(self._value(y, self._clipped(p), True))

    def delta(self, y: np.ndarray, p: np.ndarray, out: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """Write ``scale · ∂J/∂p`` into ``out``."""
        np.copyto(out, self._derivative(y, self._clipped(p)))
        if scale != 1.0:
            out *= scale
        return out

    def fuses_with(self, func: Neurons) -> bool:
        """True when ``func`` is this cost's natural output activation."""
        return self.fused_activation is not None and type(func) is self.fused_activation

    def fused_delta(self, y: np.ndarray, p: np.ndarray, out: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """Write ``scale · ∂J/∂z`` for the fused activation: ``(p − y) · scale / denominator``."""
        np.subtract(p, y, out=out)
        out *= scale / self._denominator(y)
        return out

    #: What the targets must be, for the error message; None: any value will do.
    targets_in_unit_interval: str | None = None

    def check_targets(self, y: np.ndarray, name: str = "y") -> None:
        """Raise ValueError when ``y`` holds values this cost cannot take (outside [0, 1] for
        the cross-entropies)."""
        if self.targets_in_unit_interval is None or y.size == 0:
            return
        lo, hi = y.min(), y.max()
        if lo < 0 or hi > 1:
            raise ValueError(f"{name} must hold {self.targets_in_unit_interval} in [0, 1] for {self.name}, "
                             f"got values in [{lo}, {hi}]")

    # ----- helpers ---------------------------------------------------------------------
    def _buf(self, like: np.ndarray, slot: int = 0) -> np.ndarray:
        key = (like.shape, like.dtype.str, slot)
        b = self._bufs.get(key)
        if b is None:
            if len(self._bufs) > 16:
                self._bufs.clear()
            b = self._bufs[key] = np.empty(like.shape, like.dtype)
        return b

    def _clipped(self, p: np.ndarray) -> np.ndarray:
        if not self.clips_to_unit:
            return p
        e = _eps(p.dtype)
        out = np.maximum(p, e, out=self._buf(p))  # np.clip's Python wrapper costs more here
        return np.minimum(out, 1 - e, out=out)

    @staticmethod
    def _align(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
        y = np.asarray(y)
        p = np.asarray(p)
        if p.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
            raise TypeError(f"y and p must be numeric arrays, got dtypes {y.dtype} and {p.dtype}")
        if y.shape != p.shape:
            if y.size != p.size:
                raise ValueError(f"p must have the shape of y {y.shape}, got {p.shape}")
            p = p.reshape(y.shape)
        if p.dtype.kind != "f":
            p = p.astype(np.float64)
        return y, p

    def _denominator(self, y: np.ndarray) -> int:
        """The count a mean divides by: every value of one member's targets (stacked ``y`` of
        shape ``(K, n, k)`` counts one member's ``n·k``)."""
        return y[0].size if y.ndim == 3 else y.size

    def losses(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        r"""The mean cost of each member of stacked predictions ``p`` of shape ``(K, n, k)``,
        for targets ``y`` of shape ``(n, k)`` (shared) or ``(K, n, k)``: an array of ``K`` values,
        each what :meth:`loss` gives for that member alone.

        Example:
            >>> import numpy
            >>> from neural_net.cost import MSE
            >>> MSE().losses(numpy.zeros((2, 1)), numpy.array([[[1.0], [1.0]], [[2.0], [0.0]]]))
            array([1., 2.])
        """
        q = self._clipped(p)
        return np.array([float(self._value(y if y.ndim == 2 else y[k], q[k], False)) for k in range(len(q))])


class BinaryCrossEntropy(Cost):
    r"""Binary cross-entropy, mean over every element; ``clip=True`` keeps ``p`` in
    :math:`[ε, 1-ε]` so the cost stays finite.

    Example:
        >>> import numpy
        >>> from neural_net.cost import BinaryCrossEntropy
        >>> round(BinaryCrossEntropy().compute(numpy.array([1]), numpy.array([1.0])))
        0
    """

    fused_activation = σ
    targets_in_unit_interval = "labels"

    def _value(self, y: np.ndarray, p: np.ndarray, buffered: bool) -> float:
        if not buffered:
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))
        t = np.log(p, out=self._buf(p, 1))
        t *= y
        u = np.subtract(1, p, out=self._buf(p, 2))
        np.log(u, out=u)
        u *= np.subtract(1, y, out=self._buf(p, 3))
        return -(float(t.sum()) + float(u.sum())) / y.size

    def _derivative(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return (p - y) / (p * (1 - p)) / self._denominator(y)

    def losses(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        q = self._clipped(p)
        t = np.log(q) * y
        u = np.log(1 - q) * (1 - y)
        K = len(q)
        return -(t.reshape(K, -1).sum(axis=1) + u.reshape(K, -1).sum(axis=1)) / self._denominator(y)



class CrossEntropy(Cost):
    r"""Categorical cross-entropy for one-hot (or soft) targets, mean over rows.

    Example:
        >>> import numpy
        >>> from neural_net.cost import CrossEntropy
        >>> y = numpy.array([[1, 0], [0, 1]])
        >>> round(CrossEntropy().compute(y, numpy.full((2, 2), 0.5)), 6)
        0.693147
    """

    fused_activation = Softmax
    targets_in_unit_interval = "one-hot (or probability) rows"

    def check_targets(self, y: np.ndarray, name: str = "y") -> None:
        """Values in [0, 1] and rows that are distributions: each sums to 1 (within a tolerance
        of a thousand machine epsilons of ``y``'s dtype), as a one-hot or soft target does.

        Example:
            >>> import numpy
            >>> from neural_net.cost import CrossEntropy
            >>> CrossEntropy().check_targets(numpy.ones((2, 3)))
            Traceback (most recent call last):
            ...
            ValueError: y must hold rows that sum to 1 (one-hot or probability rows) for CrossEntropy, got row 0 summing to 3.0
        """
        super().check_targets(y, name)
        if y.size == 0:
            return
        sums = y.sum(axis=1)
        tol = 1e3 * float(np.finfo(y.dtype).eps) if y.dtype.kind == "f" else 0.0
        off = np.abs(sums - 1) > tol
        if off.any():
            row = int(np.argmax(off))
            raise ValueError(f"{name} must hold rows that sum to 1 (one-hot or probability rows) for {self.name}, "
                             f"got row {row} summing to {float(sums[row])!r}")

    def _value(self, y: np.ndarray, p: np.ndarray, buffered: bool) -> float:
        t = np.log(p, out=self._buf(p, 1)) if buffered else np.log(p)
        t *= y
        return -t.sum() / len(y)

    def _derivative(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return -y / p / self._denominator(y)

    def _denominator(self, y: np.ndarray) -> int:
        return y.shape[-2] if y.ndim == 3 else len(y)

    def losses(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        r"""Each member's :meth:`loss` (see :meth:`Cost.losses`), in buffers kept between calls.
        With more than 4 classes the logarithm is taken only where the target is not 0 (one
        entry a row for one-hot targets; float64 log costs about 20 ns a value on an AVX2 core):
        elsewhere the term is 0 alone too, and the sums add the same terms.

        Example:
            >>> import numpy
            >>> from neural_net.cost import CrossEntropy
            >>> y = numpy.array([[1.0, 0.0]]); p = numpy.array([[[0.5, 0.5]], [[0.25, 0.75]]])
            >>> CrossEntropy().losses(y, p).round(6)
            array([0.693147, 1.386294])
            >>> y6 = numpy.eye(6)[:1]; p6 = numpy.full((2, 1, 6), 1 / 6); p6[1, 0, 3] = numpy.nan
            >>> CrossEntropy().losses(y6, p6).round(6)   # a NaN where the target is 0: NaN, as alone
            array([1.791759,      nan])
        """
        q = self._clipped(p)
        t = self._buf(q, 1)
        if y.shape[-1] > 4:  # the masked loop costs more than it saves for a few classes
            t.fill(0.0)  # where y is 0 the term is 0, as 0 · log p alone (times y below)
            np.log(q, out=t, where=np.not_equal(y, 0, out=self._mask(y)))
            t *= y
            out = -t.reshape(len(t), -1).sum(axis=1) / self._denominator(y)
            # alone, a NaN probability where y is 0 still makes the loss NaN (0 · NaN): so here
            out[np.isnan(q, out=self._mask(q)).reshape(len(q), -1).any(axis=1)] = np.nan
            return out
        np.log(q, out=t)
        t *= y
        return -t.reshape(len(t), -1).sum(axis=1) / self._denominator(y)

    def _mask(self, like: np.ndarray) -> np.ndarray:
        """A boolean buffer of ``like``'s shape, kept between calls."""
        m = self._bufs.get(("mask", like.shape))
        if m is None:
            m = self._bufs[("mask", like.shape)] = np.empty(like.shape, dtype=bool)
        return m



class MSE(Cost):
    r"""Mean squared error over every element.

    Example:
        >>> import numpy
        >>> from neural_net.cost import MSE
        >>> m = MSE(); m.compute(numpy.array([100]), numpy.array([90.0])), m.pr()
        (100.0, array([-20.]))
    """

    clips_to_unit = False

    def _value(self, y: np.ndarray, p: np.ndarray, buffered: bool) -> float:
        d = np.subtract(y, p, out=self._buf(p, 1)) if buffered else y - p
        return float(np.vdot(d, d)) / y.size

    def _derivative(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return 2 * (p - y) / self._denominator(y)

    def losses(self, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        d = (y - p).reshape(len(p), -1)
        return np.einsum("ki,ki->k", d, d) / self._denominator(y if y.ndim == 3 else p[0])

    def delta(self, y: np.ndarray, p: np.ndarray, out: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """Write ``scale · 2(p − y)/N`` into ``out`` without temporaries."""
        np.subtract(p, y, out=out)
        out *= 2
        out /= self._denominator(y)
        if scale != 1.0:
            out *= scale
        return out


#: Names accepted by ``compile(loss=...)``.
COSTS: dict[str, type[Cost]] = {
    "BinaryCrossEntropy": BinaryCrossEntropy, "binary_crossentropy": BinaryCrossEntropy, "bce": BinaryCrossEntropy,
    "CrossEntropy": CrossEntropy, "categorical_crossentropy": CrossEntropy, "cross_entropy": CrossEntropy,
    "MSE": MSE, "mse": MSE, "mean_squared_error": MSE,
}


def get_cost(cost: Any) -> Cost:
    """Resolve a cost given as instance, class or name.

    Example:
        >>> from neural_net.cost import get_cost
        >>> get_cost('binary_crossentropy')
        BinaryCrossEntropy
    """
    if isinstance(cost, Cost):
        return cost
    if isinstance(cost, type) and issubclass(cost, Cost):
        return cost()
    if isinstance(cost, str) and cost in COSTS:
        return COSTS[cost]()
    raise ValueError(f"loss must be one of {sorted(COSTS)} or a Cost, got {cost!r}")
