r"""Learning-rate schedules: pure functions of the epoch and the base rate.

A :class:`Schedule` maps an epoch (counting from 1) and a base learning rate :math:`η_0` to
the learning rate of that epoch. Give one to an optimizer (``SGD(lr=0.1,
schedule=LinearDecay(10))`` or ``SGD(lr=LinearDecay(10))``, which uses the optimizer's
default base rate); the optimizer's ``begin_epoch(epoch)`` then sets

.. math:: η_{\text{epoch}} = \text{schedule}(\text{epoch}, η_0) \cdot s

where :math:`s` is the optimizer's ``lr_scale`` (1 unless :class:`ReduceLROnPlateau` lowered it).

Schedules (``t = epoch - 1``):

==========================  =====================================================================
``LinearDecay(E, f)``       :math:`η_0 f + (η_0 - η_0 f)\,(E - \min(t, E))/E`  (f = 0: the seed's
                            ``lr*(epochs-iteration)/epochs``)
``ExponentialDecay(γ)``     :math:`η_0 γ^{t}`
``StepDecay(k, γ)``         :math:`η_0 γ^{\lfloor t/k \rfloor}`
``CosineAnnealing(T, m)``   :math:`m + (η_0 - m)\,(1 + \cos(π t / T))/2` (torch's CosineAnnealingLR
                            closed form)
==========================  =====================================================================

The callbacks that change the rate during training, ``ReduceLROnPlateau`` and
``LearningRateScheduler``, live in :mod:`neural_net.callbacks.lr` (this module imports nothing
of the callbacks; the old names ``neural_net.schedules.ReduceLROnPlateau`` and
``...LearningRateScheduler`` still resolve, see :func:`__getattr__`).

Example:
    >>> from neural_net.schedules import StepDecay
    >>> [StepDecay(2, gamma=0.5)(epoch, 0.1) for epoch in (1, 2, 3, 4, 5)]
    [0.1, 0.1, 0.05, 0.05, 0.025]
"""
from __future__ import annotations

import math
from typing import Any

from neural_net.checks import in_range, integer, lr_value

__all__ = [
    "Schedule",
    "LinearDecay",
    "ExponentialDecay",
    "StepDecay",
    "CosineAnnealing",
    "get",
    "serialize",
    "deserialize",
]


# --------------------------------------------------------------------------------------------
# schedules
# --------------------------------------------------------------------------------------------
class Schedule:
    r"""Base class of learning-rate schedules: ``schedule(epoch, base_lr) -> lr``.

    Subclasses implement :meth:`lr_at` (``t = epoch - 1``, counting from 0) and
    :meth:`get_config`; :meth:`__call__` validates the arguments. A schedule keeps no state, so
    the same one can drive any number of optimizers, and ``from_config(get_config())``
    rebuilds it exactly.

    .. math:: η_{\text{epoch}} = f(\text{epoch} - 1,\ η_0)

    Example:
        >>> from neural_net.schedules import Schedule
        >>> class Halve(Schedule):
        ...     def lr_at(self, t, base_lr):
        ...         return base_lr / 2 ** t
        >>> Halve()(3, 1.0)
        0.25
    """

    def __call__(self, epoch: int, base_lr: float) -> float:
        epoch = integer(epoch, "epoch", 1)
        base_lr = lr_value(base_lr, "base_lr", allow_zero=True)
        return float(self.lr_at(epoch - 1, base_lr))

    def lr_at(self, t: int, base_lr: float) -> float:
        """The learning rate after ``t`` completed epochs (``t = epoch - 1``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement lr_at(t, base_lr)")

    def get_config(self) -> dict:
        """JSON-able constructor arguments: ``type(s).from_config(s.get_config())`` rebuilds ``s``."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Schedule":
        """Rebuild a schedule from :meth:`get_config` (on the base class: from :func:`serialize`).

        Example:
            >>> from neural_net.schedules import LinearDecay, Schedule, serialize
            >>> LinearDecay.from_config({'epochs': 4, 'end_factor': 0.0})
            LinearDecay(epochs=4, end_factor=0.0)
            >>> Schedule.from_config(serialize(LinearDecay(4)))
            LinearDecay(epochs=4, end_factor=0.0)
        """
        if cls is Schedule:
            return deserialize(config)
        if not isinstance(config, dict):
            raise TypeError(f"config must be a dict, got {type(config).__name__}")
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()  # type: ignore[union-attr]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.get_config().items()))))


class LinearDecay(Schedule):
    r"""Linear decay from :math:`η_0` to :math:`f η_0` over ``epochs`` epochs, then constant.

    .. math::
        η = f η_0 + (η_0 - f η_0)\,\frac{E - \min(t, E)}{E}, \qquad t = \text{epoch} - 1

    With ``end_factor`` :math:`f = 0` this is the seed's ``lr*(epochs - iteration)/epochs``
    (bit for bit): epoch 1 uses the full rate and epoch ``E + 1`` onwards uses 0.

    Args:
        epochs: :math:`E ≥ 1`, the number of epochs the decay lasts.
        end_factor: :math:`f ≥ 0`, the final rate as a fraction of the base rate.

    Example:
        >>> from neural_net.schedules import LinearDecay
        >>> [LinearDecay(4)(epoch, 1.0) for epoch in range(1, 7)]
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    def __init__(self, epochs: int, end_factor: float = 0.0) -> None:
        self.epochs = integer(epochs, "epochs", 1)
        self.end_factor = in_range(end_factor, "end_factor", 0.0, math.inf)

    def lr_at(self, t: int, base_lr: float) -> float:
        end_lr = base_lr * self.end_factor
        return end_lr + (base_lr - end_lr) * (self.epochs - min(t, self.epochs)) / self.epochs

    def get_config(self) -> dict:
        return {"epochs": self.epochs, "end_factor": self.end_factor}


class ExponentialDecay(Schedule):
    r"""Multiply the rate by :math:`γ` every epoch (torch's ExponentialLR).

    .. math:: η = η_0\, γ^{t}, \qquad t = \text{epoch} - 1

    Args:
        gamma: :math:`γ > 0`, the factor per epoch.

    Example:
        >>> from neural_net.schedules import ExponentialDecay
        >>> [ExponentialDecay(0.5)(epoch, 1.0) for epoch in (1, 2, 3)]
        [1.0, 0.5, 0.25]
    """

    def __init__(self, gamma: float) -> None:
        self.gamma = in_range(gamma, "gamma", 0.0, math.inf, lo_open=True)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma**t

    def get_config(self) -> dict:
        return {"gamma": self.gamma}


class StepDecay(Schedule):
    r"""Multiply the rate by :math:`γ` every ``step_size`` epochs (torch's StepLR).

    .. math:: η = η_0\, γ^{\lfloor t / k \rfloor}, \qquad t = \text{epoch} - 1

    Args:
        step_size: :math:`k ≥ 1`, epochs between two decays.
        gamma: :math:`γ > 0`, the factor of each decay.

    Example:
        >>> from neural_net.schedules import StepDecay
        >>> [StepDecay(2)(epoch, 1.0) for epoch in (1, 2, 3)]
        [1.0, 1.0, 0.1]
    """

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = integer(step_size, "step_size", 1)
        self.gamma = in_range(gamma, "gamma", 0.0, math.inf, lo_open=True)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (t // self.step_size)

    def get_config(self) -> dict:
        return {"step_size": self.step_size, "gamma": self.gamma}


class CosineAnnealing(Schedule):
    r"""Cosine annealing from :math:`η_0` down to ``eta_min`` over ``T_max`` epochs.

    The closed form of torch's ``CosineAnnealingLR`` (no restarts; past ``T_max`` the cosine
    goes on, rising again, exactly as torch's closed form does):

    .. math::
        η = η_{\min} + (η_0 - η_{\min})\,\frac{1 + \cos(π t / T_{\max})}{2},
        \qquad t = \text{epoch} - 1

    Args:
        T_max: :math:`T_{\max} ≥ 1`, epochs of a half cosine period.
        eta_min: :math:`η_{\min} ≥ 0`, the lowest rate.

    Example:
        >>> from neural_net.schedules import CosineAnnealing
        >>> [round(CosineAnnealing(2)(epoch, 1.0), 12) for epoch in (1, 2, 3)]
        [1.0, 0.5, 0.0]
    """

    def __init__(self, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = integer(T_max, "T_max", 1)
        self.eta_min = in_range(eta_min, "eta_min", 0.0, math.inf)

    def lr_at(self, t: int, base_lr: float) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2

    def get_config(self) -> dict:
        return {"T_max": self.T_max, "eta_min": self.eta_min}


_SCHEDULES: dict[str, type[Schedule]] = {
    "lineardecay": LinearDecay,
    "linear_decay": LinearDecay,
    "exponentialdecay": ExponentialDecay,
    "exponential_decay": ExponentialDecay,
    "stepdecay": StepDecay,
    "step_decay": StepDecay,
    "cosineannealing": CosineAnnealing,
    "cosine_annealing": CosineAnnealing,
}


def serialize(schedule: Schedule) -> dict:
    """``{'name': class name, 'config': get_config()}``, JSON-able; :func:`deserialize` inverts it.

    Example:
        >>> from neural_net.schedules import StepDecay, serialize
        >>> serialize(StepDecay(3))
        {'name': 'StepDecay', 'config': {'step_size': 3, 'gamma': 0.1}}
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule, got {schedule!r} ({type(schedule).__name__})")
    return {"name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(d: dict) -> Schedule:
    """Rebuild a schedule from :func:`serialize`'s ``{'name': ..., 'config': ...}``.

    Example:
        >>> from neural_net.schedules import deserialize
        >>> deserialize({'name': 'ExponentialDecay', 'config': {'gamma': 0.9}})
        ExponentialDecay(gamma=0.9)
    """
    if not isinstance(d, dict) or "name" not in d:
        raise TypeError(f"schedule config must be a dict with 'name' and 'config', got {d!r}")
    return get(d["name"], **dict(d.get("config") or {}))


def get(schedule: str | Schedule, **kwargs: Any) -> Schedule:
    """A schedule from its name (case-insensitive, e.g. ``'cosine_annealing'``) and arguments.

    A :class:`Schedule` instance passes through unchanged.

    Example:
        >>> from neural_net.schedules import get
        >>> get('StepDecay', step_size=5)
        StepDecay(step_size=5, gamma=0.1)
    """
    if isinstance(schedule, Schedule):
        if kwargs:
            raise ValueError(f"schedule: got an instance {schedule!r} and arguments {kwargs}; pass one")
        return schedule
    if isinstance(schedule, type) and issubclass(schedule, Schedule):
        return schedule(**kwargs)
    if not isinstance(schedule, str):
        raise TypeError(
            f"schedule must be a name or a Schedule, got {schedule!r} ({type(schedule).__name__})"
        )
    cls = _SCHEDULES.get(schedule.lower())
    if cls is None:
        names = sorted({c.__name__ for c in _SCHEDULES.values()})
        raise ValueError(f"schedule must be one of {names} (case-insensitive), got {schedule!r}")
    return cls(**kwargs)


_MOVED = {"ReduceLROnPlateau": "neural_net.callbacks.lr", "LearningRateScheduler": "neural_net.callbacks.lr"}


def __getattr__(name: str) -> Any:
    """The learning-rate callbacks under their old address (they live in :mod:`neural_net.callbacks.lr`,
    which imports this module; nothing here imports the callbacks).

    Example:
        >>> from neural_net import schedules
        >>> from neural_net.callbacks import ReduceLROnPlateau
        >>> schedules.ReduceLROnPlateau is ReduceLROnPlateau
        True
    """
    if name in _MOVED:
        from importlib import import_module

        return getattr(import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
