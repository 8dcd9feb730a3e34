r"""Optimizers: in-place parameter updates with PyTorch's exact conventions.

The training loop calls, for every parameter :math:`W` (a weight matrix with its bias row)
and its batch-mean gradient :math:`G`::

    optimizer.begin_epoch(epoch)          # epoch from 1; a Schedule sets optimizer.lr here
    optimizer.apply(key, W, G)            # W updated in place; G may be overwritten

``key`` (an int or a str) names the parameter; the optimizer keeps per-key state (step count,
momentum buffers, moments) with the parameter's shape and dtype (float32 stays float32), and
one scratch buffer per (shape, dtype), allocated at the first ``apply``; later calls allocate
no arrays.

Plain SGD (``momentum == 0``) has :attr:`Optimizer.folds_lr` true: the loop has already
multiplied :math:`G` by :math:`η` (it folds the rate into the output delta), so
``apply`` does :math:`W \leftarrow W - G` (and the weight decay :math:`W \leftarrow W(1 - ηλ)`).
Every other optimizer gets the raw gradient.

=============  ===========================================================================
``'sgd'``      :class:`SGD` (torch.optim.SGD: momentum, dampening, Nesterov, L2 decay)
``'adam'``     :class:`Adam` (torch.optim.Adam: coupled L2 decay, AMSGrad)
``'adamw'``    :class:`AdamW` (torch.optim.AdamW: decoupled weight decay)
``'rmsprop'``  :class:`RMSprop` (torch.optim.RMSprop: centered, momentum)
=============  ===========================================================================

Example:
    >>> import numpy
    >>> from neural_net import optimizers
    >>> opt = optimizers.get('adam', lr=0.1)
    >>> W = numpy.array([[1.0, -1.0]])
    >>> opt.apply(0, W, numpy.array([[0.5, -2.0]]))
    >>> W
    array([[ 0.9, -0.9]])
"""
from __future__ import annotations

from typing import Any

from neural_net.schedules import Schedule

from .adam import Adam, AdamW
from .base import OPTIMIZERS, Optimizer, from_config
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "sgd",
    "adam",
    "adamw",
    "rmsprop",
    "get",
    "from_config",
]

OPTIMIZERS.update(sgd=SGD, adam=Adam, adamw=AdamW, rmsprop=RMSprop)


def sgd(lr: float | Schedule = 0.01, momentum: float = 0.0, nesterov: bool = False,
        dampening: float = 0.0, weight_decay: float = 0.0, **kwargs: Any) -> SGD:
    """Factory for :class:`SGD` (the seed's ``nn.optimizers.sgd(lr=.1)``): :math:`W ← W - ηu`.

    Example:
        >>> from neural_net.optimizers import sgd
        >>> sgd(lr=.1).lr, sgd(learning_rate=.2).lr
        (0.1, 0.2)
    """
    return SGD(lr, momentum, nesterov, dampening, weight_decay, **kwargs)


def adam(lr: float | Schedule = 0.001, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
         weight_decay: float = 0.0, amsgrad: bool = False, **kwargs: Any) -> Adam:
    r"""Factory for :class:`Adam`: :math:`W ← W - \frac{η}{1-β_1^t}\, m_t / (\sqrt{v_t/(1-β_2^t)} + ε)`.

    Example:
        >>> from neural_net.optimizers import adam
        >>> adam(learning_rate=0.01).lr
        0.01
    """
    return Adam(lr, betas, eps, weight_decay, amsgrad, **kwargs)


def adamw(lr: float | Schedule = 0.001, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 0.01, amsgrad: bool = False, **kwargs: Any) -> AdamW:
    r"""Factory for :class:`AdamW`: :math:`W ← W(1 - ηλ)`, then the Adam step.

    Example:
        >>> from neural_net.optimizers import adamw
        >>> adamw(lr=0.01).weight_decay
        0.01
    """
    return AdamW(lr, betas, eps, weight_decay, amsgrad, **kwargs)


def rmsprop(lr: float | Schedule = 0.01, alpha: float = 0.99, eps: float = 1e-8, momentum: float = 0.0,
            centered: bool = False, weight_decay: float = 0.0, **kwargs: Any) -> RMSprop:
    r"""Factory for :class:`RMSprop`: :math:`W ← W - η g / (\sqrt{v_t} + ε)`.

    Example:
        >>> from neural_net.optimizers import rmsprop
        >>> rmsprop(lr=0.001, centered=True).centered
        True
    """
    return RMSprop(lr, alpha, eps, momentum, centered, weight_decay, **kwargs)


def get(optimizer: str | Optimizer | type | dict, **kwargs: Any) -> Optimizer:
    """An optimizer from a name, an instance, a class, or a ``{'name', 'config'}`` dict.

    Names (case-insensitive): ``'sgd'``, ``'adam'``, ``'adamw'``, ``'rmsprop'``; ``kwargs`` go to
    the constructor. An instance passes through unchanged (then no ``kwargs`` are allowed).
    The update rule is the chosen optimizer's, e.g. :math:`W ← W - ηG` for ``'sgd'``.

    Example:
        >>> from neural_net import optimizers
        >>> optimizers.get('Adam', lr=0.01)
        Adam(lr=0.01, weight_decay=0.0, betas=[0.9, 0.999], eps=1e-08, amsgrad=False)
        >>> opt = optimizers.sgd(lr=0.1); optimizers.get(opt) is opt
        True
    """
    if isinstance(optimizer, Optimizer):
        if kwargs:
            raise ValueError(
                f"optimizer: got an instance {optimizer!r} and arguments {kwargs}; "
                "pass either a name with arguments or a ready optimizer"
            )
        return optimizer
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer(**kwargs)
    if isinstance(optimizer, dict) and "name" in optimizer:
        if kwargs:
            raise ValueError(f"optimizer: got a config dict and arguments {kwargs}; pass one")
        return from_config(optimizer["name"], optimizer.get("config") or {})
    if not isinstance(optimizer, str):
        raise TypeError(
            f"optimizer must be one of {sorted(OPTIMIZERS)} (a str), an Optimizer or an Optimizer "
            f"class, got {optimizer!r} ({type(optimizer).__name__})"
        )
    cls = OPTIMIZERS.get(optimizer.strip().lower())
    if cls is None:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)} (case-insensitive), got {optimizer!r}")
    return cls(**kwargs)
