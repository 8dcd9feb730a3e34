"""The base of every function a layer holds (mirrors the ``Neurons`` table): :class:`Neurons`.

An activation ``f`` offers ``compute(z)`` (:math:`a = f(z)`, kept in ``preds``), ``pr()`` (the
derivative computed from the output) and ``grad(Δ)`` (the backward step); see
:mod:`neural_net.activation` for the activations and :mod:`neural_net.linear` for Σ.

Example:
    >>> from neural_net.neurons import Neurons
    >>> from neural_net.activation import ReLU
    >>> issubclass(ReLU, Neurons), str(ReLU())
    (True, 'Neurons')
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .mirror import Define


class Neurons(Define):
    """Base of every neurons function (mirrors the ``Neurons`` table).

    Example:
        >>> from neural_net.activation import ReLU
        >>> str(ReLU()), repr(ReLU())
        ('Neurons', 'ReLU')
    """

    table = "Neurons"
    #: Keyword arguments that describe the function (stored as JSON, used to rebuild it).
    params: tuple[str, ...] = ()

    def __init__(self, *, layer: Define | None = None, uid: int | None = None, **unknown: Any) -> None:
        if unknown:  # never drop an argument: Dense(3, activation="relu", alpha=0.3) must not pass silently
            takes = ", ".join(self.params) or "no parameters"
            raise TypeError(f"{type(self).__name__}: unknown keyword arguments {sorted(unknown)} "
                            f"(it takes {takes})")
        parent: dict[str, Any] = {}
        if layer is not None:
            parent = {f"{layer.table}_id": layer["id"]}
            parent.update({f"{layer.table}_{k}": v for k, v in layer.id.items() if k != "steps"})
        super().__init__(uid=uid, **parent)
        self.preds: np.ndarray | None = None

    def config(self) -> dict[str, Any]:
        """The JSON-able description of this function: its name and parameters.

        Example:
            >>> from neural_net.activation import LeakyReLU
            >>> LeakyReLU(α=0.1).config()
            {'name': 'LeakyReLU', 'α': 0.1}
        """
        return {"name": type(self).__name__, **{p: getattr(self, p) for p in self.params}}

    def _require_preds(self) -> np.ndarray:
        if self.preds is None:
            raise RuntimeError(f"{type(self).__name__}: call compute(z) before pr() or grad(Δ)")
        return self.preds

    def grad(self, Δ: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Backward step: ``Δ * pr()`` (into ``out`` when given)."""
        return np.multiply(Δ, self.pr(), out=out)

    def _scratch(self, like: np.ndarray) -> np.ndarray:
        """A buffer shaped like ``like``, kept between calls (no allocation per batch)."""
        buf = getattr(self, "_buf", None)
        if buf is None or buf.shape != like.shape or buf.dtype != like.dtype:
            buf = self._buf = np.empty_like(like)
        return buf

    def _positive(self, a: np.ndarray) -> np.ndarray:
        """The mask ``a > 0`` in a boolean buffer kept between calls. (Masked assignment and
        ``where=`` are an order of magnitude slower than a multiply by this mask.)"""
        m = getattr(self, "_mask", None)
        if m is None or m.shape != a.shape:
            m = self._mask = np.empty(a.shape, dtype=bool)
        return np.greater(a, 0, out=m)
