r"""RMSprop, optionally centered and with momentum (torch.optim.RMSprop).

Example:
    >>> from neural_net.optimizers.rmsprop import RMSprop
    >>> RMSprop(centered=True).centered
    True
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from neural_net.schedules import Schedule

from .base import Optimizer, nonzero


class RMSprop(Optimizer):
    r"""RMSprop, optionally centered and with momentum (torch.optim.RMSprop).

    With :math:`g = G + λW`:

    .. math::
        v_t = α v_{t-1} + (1 - α) g^2 \\
        \bar g_t = \bar g_{t-1} + (1 - α)(g - \bar g_{t-1}), \quad
        a = \sqrt{v_t - \bar g_t^2} + ε \ \text{(centered)}, \ \text{else } a = \sqrt{v_t} + ε \\
        b_t = μ b_{t-1} + g / a, \ W \leftarrow W - η b_t \ (μ > 0), \ \text{else }
        W \leftarrow W - η g / a

    Args:
        lr: :math:`η > 0` (or a Schedule); ``learning_rate`` is a synonym.
        alpha: :math:`α \in [0, 1)`, the smoothing constant.
        eps: :math:`ε > 0`.
        momentum: :math:`μ \in [0, 1)`.
        centered: normalise by the estimated variance instead of the second moment.
        weight_decay: :math:`λ ≥ 0`.
        schedule: a Schedule for the numeric ``lr``.

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import RMSprop
        >>> W = numpy.zeros(1)
        >>> RMSprop(lr=0.01, alpha=0.75).apply(0, W, numpy.array([2.0]))
        >>> W.round(8)
        array([-0.02])
    """

    name = "rmsprop"
    default_lr = 0.01

    def __init__(
        self,
        lr: float | Schedule = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        centered: bool = False,
        weight_decay: float = 0.0,
        *,
        schedule: Schedule | None = None,
        learning_rate: float | Schedule | None = None,
    ) -> None:
        super().__init__(lr, weight_decay, schedule=schedule, learning_rate=learning_rate)
        self.alpha = self._check(alpha, "alpha", 0.0, 1.0, hi_open=True)
        self.eps = self._check(eps, "eps", 0.0, math.inf, lo_open=True)
        self.momentum = self._check(momentum, "momentum", 0.0, 1.0, hi_open=True)
        if not isinstance(centered, (bool, np.bool_)):
            raise TypeError(f"RMSprop: centered must be a bool, got {centered!r} ({type(centered).__name__})")
        self.centered = bool(centered)
        arrays = ["square_avg"]
        if self.centered:
            arrays.append("grad_avg")
        if self.momentum > 0:
            arrays.append("momentum_buffer")
        self._state_arrays = tuple(arrays)

    def apply(self, key: Any, W: np.ndarray, G: np.ndarray) -> None:
        st = self._get_state(key, W, G)
        st["step"] += 1
        lr, alpha = self.lr, self.alpha
        s, sq = st["_scratch"], st["square_avg"]
        self._add_l2(W, G, s)
        sq *= alpha
        np.multiply(G, 1.0 - alpha, out=s)
        s *= G
        sq += s
        avg = s
        if self.centered:
            ga = st["grad_avg"]
            np.subtract(G, ga, out=s)
            s *= 1.0 - alpha
            ga += s
            np.multiply(ga, ga, out=s)
            np.subtract(sq, s, out=s)
            np.sqrt(s, out=s)
        else:
            np.sqrt(sq, out=s)
        avg += self.eps
        if nonzero(self.momentum):
            buf = st["momentum_buffer"]
            buf *= self.momentum
            G /= avg
            buf += G
            np.multiply(buf, lr, out=s)
            np.subtract(W, s, out=W)
        else:
            G *= lr
            G /= avg
            np.subtract(W, G, out=W)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(alpha=self.alpha, eps=self.eps, momentum=self.momentum, centered=self.centered)
        return cfg
