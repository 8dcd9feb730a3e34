r"""SGD with momentum, dampening and Nesterov (torch.optim.SGD).

Example:
    >>> from neural_net.optimizers.sgd import SGD
    >>> SGD(lr=0.1).folds_lr
    True
"""
from __future__ import annotations

from typing import Any

import numpy as np

from neural_net.schedules import Schedule

from .base import Optimizer, nonzero


class SGD(Optimizer):
    r"""Stochastic gradient descent with momentum, dampening and Nesterov (torch.optim.SGD).

    With :math:`g = G + λW` (L2 weight decay), momentum :math:`μ`, dampening :math:`d`:

    .. math::
        b_1 = g, \qquad b_t = μ\, b_{t-1} + (1 - d)\, g \\
        u = g + μ b_t \ \text{(Nesterov)} \quad\text{or}\quad u = b_t \\
        W \leftarrow W - η\, u

    Plain SGD (:math:`μ = 0`) folds the rate: the loop passes :math:`ηG` and
    :math:`W \leftarrow W(1 - ηλ) - ηG` (``fold_lr=False`` turns this off: then ``apply``
    takes the raw :math:`G`).

    Args:
        lr: :math:`η > 0` (or a Schedule); ``learning_rate`` is a synonym.
        momentum: :math:`μ \in [0, 1)`.
        nesterov: Nesterov momentum (needs :math:`μ > 0` and :math:`d = 0`).
        dampening: :math:`d \in [0, 1]`.
        weight_decay: :math:`λ ≥ 0`.
        schedule: a Schedule for the numeric ``lr``.
        fold_lr: let the loop fold :math:`η` into the gradient when :math:`μ = 0`.

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import SGD
        >>> opt = SGD(lr=0.1, momentum=0.9)
        >>> W = numpy.zeros(2)
        >>> for _ in range(2):
        ...     opt.apply('w', W, numpy.array([1.0, -1.0]))
        >>> W.round(6)
        array([-0.29,  0.29])
    """

    name = "sgd"
    default_lr = 0.01

    def __init__(
        self,
        lr: float | Schedule = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        *,
        schedule: Schedule | None = None,
        fold_lr: bool = True,
        learning_rate: float | Schedule | None = None,
    ) -> None:
        super().__init__(lr, weight_decay, schedule=schedule, learning_rate=learning_rate)
        self.momentum = self._check(momentum, "momentum", 0.0, 1.0, hi_open=True)
        self.dampening = self._check(dampening, "dampening", 0.0, 1.0)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"SGD: nesterov must be a bool, got {nesterov!r} ({type(nesterov).__name__})")
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening == 0, "
                f"got momentum={self.momentum!r}, dampening={self.dampening!r}"
            )
        self.nesterov = bool(nesterov)
        if not isinstance(fold_lr, (bool, np.bool_)):
            raise TypeError(f"SGD: fold_lr must be a bool, got {fold_lr!r} ({type(fold_lr).__name__})")
        self.fold_lr = bool(fold_lr)
        self._state_arrays = ("momentum_buffer",) if self.momentum != 0 else ()

    @property
    def folds_lr(self) -> bool:
        return not nonzero(self.momentum) and self.fold_lr

    def apply(self, key: Any, W: np.ndarray, G: np.ndarray) -> None:
        st = self._get_state(key, W, G)
        st["step"] += 1
        lr, wd, mu = self.lr, self.weight_decay, self.momentum
        if self.folds_lr:  # G is already η·∂J/∂W
            if nonzero(wd):
                W *= 1.0 - lr * wd
            np.subtract(W, G, out=W)
            return
        s = st["_scratch"]
        self._add_l2(W, G, s)
        u = G
        if nonzero(mu):
            buf = st["momentum_buffer"]
            if st["step"] == 1:
                np.copyto(buf, G, casting="same_kind")
            else:
                buf *= mu
                if nonzero(self.dampening):
                    np.multiply(G, 1.0 - self.dampening, out=s)
                    buf += s
                else:
                    buf += G
            if self.nesterov:
                np.multiply(buf, mu, out=s)
                G += s
            else:
                u = buf
        np.multiply(u, lr, out=s)
        np.subtract(W, s, out=W)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(momentum=self.momentum, nesterov=self.nesterov, dampening=self.dampening,
                   fold_lr=self.fold_lr)
        return cfg
