"""Callbacks that change the learning rate during training: ReduceLROnPlateau and
LearningRateScheduler (with a :class:`~neural_net.schedules.Schedule` or any function).

Example:
    >>> from neural_net.callbacks.lr import ReduceLROnPlateau
    >>> ReduceLROnPlateau(patience=3).patience
    3
"""
from __future__ import annotations

import math
from typing import Callable

from ..checks import in_range, integer, lr_value
from ..schedules import Schedule
from .base import Callback, Monitor, check_mode


class ReduceLROnPlateau(Callback):
    r"""Lower the learning rate when ``monitor`` has not improved for ``patience`` epochs.

    At each ``on_epoch_end`` it reads ``logs[monitor]`` (falling back to ``logs['loss']`` with a
    warning when ``monitor`` is absent). An epoch improves when

    .. math::
        x < x_{\text{best}} - δ \ (\text{mode 'min'}) \qquad
        x > x_{\text{best}} + δ \ (\text{mode 'max'})

    (``mode='auto'``: :func:`~neural_net.callbacks.base.auto_mode`). After
    ``patience`` epochs in a row without improvement, the optimizer's rate becomes

    .. math:: η \leftarrow \max(η \cdot \text{factor},\ η_{\min})

    and the ``cooldown`` epochs that follow are not counted (an improvement during them still
    updates the best value). ``patience`` as in Keras (``patience=2``: the second epoch in a row
    without improvement lowers the rate), ``cooldown`` as in PyTorch (``cooldown=k`` ignores
    exactly ``k`` epochs).

    Interaction with a scheduled optimizer: a :class:`Schedule` would overwrite ``lr`` at the
    next ``begin_epoch``, so this callback also multiplies the optimizer's ``lr_scale`` by the
    same ratio; ``begin_epoch`` sets ``lr = schedule(epoch, base_lr) * lr_scale`` and the
    reduction persists under the schedule (``min_lr`` bounds only the rate at the moment of the
    reduction). An optimizer without a schedule keeps the lowered ``lr`` as it is.

    Args:
        monitor: key of the epoch logs to watch (``'val_loss'``, ``'loss'``, ``'accuracy'``...).
        factor: multiplier of the rate, in (0, 1).
        patience: epochs without improvement before a reduction (≥ 0).
        min_delta: the least change that counts as an improvement (≥ 0).
        mode: ``'auto'``, ``'min'`` or ``'max'``.
        min_lr: the rate never goes below this (≥ 0).
        cooldown: epochs after a reduction during which nothing is counted (≥ 0).
        verbose: print a line at each reduction when > 0.

    Example:
        >>> from types import SimpleNamespace
        >>> from neural_net.optimizers import SGD
        >>> from neural_net.callbacks import ReduceLROnPlateau
        >>> cb = ReduceLROnPlateau(monitor='loss', factor=0.5, patience=1)
        >>> cb.set_model(SimpleNamespace(optimizer=SGD(lr=0.1)))
        >>> for epoch, loss in enumerate([1.0, 1.0, 1.0], start=1):
        ...     cb.on_epoch_end(epoch, {'loss': loss})
        >>> cb.model.optimizer.lr
        0.025
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 1e-4,
        mode: str = "auto",
        min_lr: float = 0.0,
        cooldown: int = 0,
        verbose: int = 0,
    ) -> None:
        if not isinstance(monitor, str):
            raise TypeError(f"monitor must be a str (a key of the epoch logs), got {monitor!r}")
        self.monitor = monitor
        self.factor = in_range(factor, "factor", 0.0, 1.0, lo_open=True, hi_open=True)
        self.patience = integer(patience, "patience", 0)
        self.min_delta = in_range(min_delta, "min_delta", 0.0, math.inf)
        self.mode = check_mode(mode)
        self.min_lr = in_range(min_lr, "min_lr", 0.0, math.inf)
        self.cooldown = integer(cooldown, "cooldown", 0)
        self.verbose = verbose
        self._monitor = Monitor("ReduceLROnPlateau", monitor, mode, self.min_delta,
                                missing="the learning rate is left unchanged")
        self._reset()

    def _reset(self) -> None:
        self._monitor.reset()
        self.wait = 0
        self.cooldown_counter = 0
        self.best = self._monitor.worst()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current, self.best = self._monitor.follow(logs, self.best, untouched=self.best in (math.inf, -math.inf))
        if current is None:
            return
        in_cooldown = self.cooldown_counter > 0
        if in_cooldown:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._monitor.improves(current, self.best):
            self.best = current
            self.wait = 0
        elif not in_cooldown:
            self.wait += 1
            if self.wait >= self.patience:
                self._reduce(epoch)
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, epoch: int) -> None:
        opt = self.model.optimizer
        old_lr = float(opt.lr)
        if old_lr <= self.min_lr:
            return
        new_lr = max(old_lr * self.factor, self.min_lr)
        opt.lr = new_lr
        if hasattr(opt, "lr_scale") and old_lr > 0:
            opt.lr_scale = opt.lr_scale * (new_lr / old_lr)
        if self.verbose:
            print(f"Epoch {epoch}: ReduceLROnPlateau lowers the learning rate to {new_lr:.6g}")

    def get_config(self) -> dict:
        """JSON-able constructor arguments."""
        return {
            "monitor": self.monitor,
            "factor": self.factor,
            "patience": self.patience,
            "min_delta": self.min_delta,
            "mode": self.mode,
            "min_lr": self.min_lr,
            "cooldown": self.cooldown,
            "verbose": self.verbose,
        }


class LearningRateScheduler(Callback):
    r"""Set the optimizer's learning rate at the start of every epoch.

    ``schedule`` is either a :class:`Schedule`, called with the optimizer's *base* rate and
    multiplied by its ``lr_scale``,

    .. math:: η_{\text{epoch}} = \text{schedule}(\text{epoch},\ η_0) \cdot s,

    or any function ``(epoch, lr) -> new_lr`` (Keras' convention), called with the *current*
    rate: :math:`η_{\text{epoch}} = f(\text{epoch}, η_{\text{epoch}-1})`. Epochs count from 1.

    Use it with an optimizer that has no schedule of its own (otherwise the optimizer's
    ``begin_epoch`` and this callback both set the rate, and whichever runs last wins).

    Args:
        schedule: a :class:`Schedule` or a callable ``(epoch, lr) -> lr``.
        verbose: print the new rate every epoch when > 0.

    Example:
        >>> from types import SimpleNamespace
        >>> from neural_net.optimizers import SGD
        >>> from neural_net.callbacks import LearningRateScheduler
        >>> cb = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch > 1 else lr)
        >>> cb.set_model(SimpleNamespace(optimizer=SGD(lr=0.1)))
        >>> for epoch in (1, 2, 3):
        ...     cb.on_epoch_begin(epoch)
        >>> cb.model.optimizer.lr
        0.025
    """

    def __init__(self, schedule: Schedule | Callable[[int, float], float], verbose: int = 0) -> None:
        if not callable(schedule):
            raise TypeError(
                f"schedule must be a Schedule or a function (epoch, lr) -> lr, got {schedule!r}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        opt = self.model.optimizer
        if isinstance(self.schedule, Schedule):
            base = getattr(opt, "base_lr", None)
            base = opt.lr if base is None else base
            lr = self.schedule(epoch, base) * getattr(opt, "lr_scale", 1.0)
        else:
            lr = self.schedule(epoch, float(opt.lr))
        lr = lr_value(lr, f"the learning rate returned by the schedule at epoch {epoch}",
                             allow_zero=True)
        opt.lr = lr
        if self.verbose:
            print(f"Epoch {epoch}: LearningRateScheduler sets the learning rate to {lr:.6g}")
