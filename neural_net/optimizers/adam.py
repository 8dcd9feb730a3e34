r"""Adam and AdamW (one constructor; AdamW decouples the weight decay).

Example:
    >>> from neural_net.optimizers.adam import AdamW
    >>> AdamW().weight_decay
    0.01
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from neural_net.schedules import Schedule

from .base import Optimizer


class Adam(Optimizer):
    r"""Adam with coupled L2 weight decay and optional AMSGrad (torch.optim.Adam).

    At step :math:`t` (per key), with :math:`g = G + λW`:

    .. math::
        m_t = m_{t-1} + (1 - β_1)(g - m_{t-1}), \qquad
        v_t = β_2 v_{t-1} + (1 - β_2)\, g^2 \\
        \hat v_t = \max(\hat v_{t-1}, v_t)\ \text{(AMSGrad, else } \hat v_t = v_t) \\
        W \leftarrow W - \frac{η}{1 - β_1^t} \cdot
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - β_2^t} + ε}

    Args:
        lr: :math:`η > 0` (or a Schedule); ``learning_rate`` is a synonym.
        betas: :math:`(β_1, β_2)`, each in [0, 1).
        eps: :math:`ε > 0`, added to the bias-corrected root (torch's placement).
        weight_decay: :math:`λ ≥ 0`, added to the gradient (default ``default_weight_decay``, 0).
        amsgrad: keep the running maximum of :math:`v`.
        schedule: a Schedule for the numeric ``lr``.

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import Adam
        >>> W = numpy.zeros(2)
        >>> Adam(lr=0.01).apply(0, W, numpy.array([3.0, -0.5]))
        >>> W
        array([-0.01,  0.01])
    """

    name = "adam"
    default_lr = 0.001
    #: ``weight_decay`` when not given (AdamW changes only this and ``_decoupled``).
    default_weight_decay = 0.0
    _decoupled = False

    def __init__(
        self,
        lr: float | Schedule = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float | None = None,
        amsgrad: bool = False,
        *,
        schedule: Schedule | None = None,
        learning_rate: float | Schedule | None = None,
    ) -> None:
        if weight_decay is None:
            weight_decay = self.default_weight_decay
        super().__init__(lr, weight_decay, schedule=schedule, learning_rate=learning_rate)
        cls = type(self).__name__
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise TypeError(f"{cls}: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            self._check(betas[0], "betas[0]", 0.0, 1.0, hi_open=True),
            self._check(betas[1], "betas[1]", 0.0, 1.0, hi_open=True),
        )
        self.eps = self._check(eps, "eps", 0.0, math.inf, lo_open=True)
        if not isinstance(amsgrad, (bool, np.bool_)):
            raise TypeError(f"{cls}: amsgrad must be a bool, got {amsgrad!r} ({type(amsgrad).__name__})")
        self.amsgrad = bool(amsgrad)
        self._state_arrays = ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    def apply(self, key: Any, W: np.ndarray, G: np.ndarray) -> None:
        st = self._get_state(key, W, G)
        st["step"] += 1
        t = st["step"]
        lr, wd = self.lr, self.weight_decay
        b1, b2 = self.betas
        s, m, v = st["_scratch"], st["m"], st["v"]
        if self._decoupled:
            if wd != 0:
                W *= 1.0 - lr * wd
        else:
            self._add_l2(W, G, s)
        # m ← lerp(m, g, 1 − β1) = m + (1 − β1)(g − m), as torch computes it
        np.subtract(G, m, out=s)
        s *= 1.0 - b1
        m += s
        # v ← β2 v + (1 − β2) g²
        v *= b2
        np.multiply(G, 1.0 - b2, out=s)
        s *= G
        v += s
        step_size = lr / (1.0 - b1**t)
        bc2_sqrt = (1.0 - b2**t) ** 0.5
        if self.amsgrad:
            vmax = st["v_max"]
            np.maximum(vmax, v, out=vmax)
            v = vmax
        denom = G  # G is no longer needed: reuse it for the denominator
        np.sqrt(v, out=denom)
        denom /= bc2_sqrt
        denom += self.eps
        np.multiply(m, step_size, out=s)
        s /= denom
        np.subtract(W, s, out=W)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(betas=list(self.betas), eps=self.eps, amsgrad=self.amsgrad)
        return cfg


class AdamW(Adam):
    r"""Adam with decoupled weight decay (torch.optim.AdamW).

    As :class:`Adam` (the same constructor; only the default ``weight_decay`` = 0.01 and the
    decoupled step differ) with :math:`g = G` (no L2 term), the weights first shrunk:

    .. math::
        W \leftarrow W (1 - ηλ), \qquad
        W \leftarrow W - \frac{η}{1 - β_1^t} \cdot
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - β_2^t} + ε}

    Its arguments are those of :class:`Adam`; ``weight_decay`` :math:`λ ≥ 0` defaults to 0.01.

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import AdamW
        >>> W = numpy.ones(2)
        >>> AdamW(lr=0.1, weight_decay=0.5).apply(0, W, numpy.array([1.0, -1.0]))
        >>> W
        array([0.85, 1.05])
    """

    name = "adamw"
    default_lr = 0.001
    default_weight_decay = 0.01
    _decoupled = True
