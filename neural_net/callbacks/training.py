"""Callbacks that control training: EarlyStopping, TerminateOnNaN, LambdaCallback.

Example:
    >>> from neural_net.callbacks.training import EarlyStopping
    >>> EarlyStopping(patience=2).patience
    2
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .base import Callback, Monitor


class EarlyStopping(Callback):
    r"""Stop training when the monitored quantity has stopped improving.

    At the end of every epoch the value :math:`x` of ``logs[monitor]`` is compared with the
    best value so far, :math:`x^*`. The epoch *improves* when

    .. math:: x < x^* - δ \ (\text{mode 'min'}) \qquad x > x^* + δ \ (\text{mode 'max'})

    with :math:`δ` = ``min_delta`` (``mode='auto'``: :func:`~neural_net.callbacks.base.auto_mode`). After ``patience`` epochs in a row without improvement (``patience=0``:
    at the first one) the callback sets ``model.stop_training = True`` and the loop ends after
    that epoch (Keras' rules). With a ``baseline``, the wait counter is only reset by epochs
    that also beat the baseline, so training stops after ``patience`` epochs if the baseline
    is never reached (even while the quantity keeps improving; Keras checks patience only on
    epochs that do not improve).

    When ``monitor`` is not in the logs (e.g. ``'val_loss'`` without validation data) the
    callback warns once and watches ``'loss'`` instead.

    With ``restore_best_weights=True`` it keeps a copy of the weights
    (``model.get_weights()``) of the best epoch and puts them back
    (``model.set_weights``) when training ends, whether it stopped early or ran all its epochs.
    The optimizer's state (moments, step counts) is not rewound.

    Args:
        monitor: key of the epoch logs (``'val_loss'``, ``'loss'``, ``'val_accuracy'``...).
        patience: epochs without improvement before stopping (int ≥ 0).
        min_delta: the least change that counts as an improvement (≥ 0).
        mode: ``'auto'``, ``'min'`` or ``'max'``.
        restore_best_weights: put back the best epoch's weights at the end of training.
        baseline: a value the monitored quantity must beat, or None.
        verbose: print a line when training is stopped (and weights restored) when > 0.

    Attributes:
        best: best monitored value; best_epoch: its epoch (0 before any);
        stopped_epoch: the epoch at which training was stopped (0 if it was not);
        best_weights: the weights of ``best_epoch`` (with ``restore_best_weights``).

    Example:
        >>> from types import SimpleNamespace
        >>> from neural_net.callbacks import EarlyStopping
        >>> model = SimpleNamespace(stop_training=False, get_weights=lambda: [], set_weights=print)
        >>> es = EarlyStopping(monitor='loss', patience=2); es.set_model(model)
        >>> es.on_train_begin()
        >>> for epoch, loss in enumerate([0.9, 0.5, 0.6, 0.7, 0.4], start=1):
        ...     es.on_epoch_end(epoch, {'loss': loss})
        ...     if model.stop_training:
        ...         break
        >>> es.stopped_epoch, es.best_epoch, es.best
        (4, 2, 0.5)
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0, mode: str = "auto",
                 restore_best_weights: bool = False, baseline: float | None = None, verbose: int = 0) -> None:
        self._monitor = Monitor("EarlyStopping", monitor, mode, min_delta)
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an integer ≥ 0, got {patience!r}")
        if baseline is not None and (isinstance(baseline, bool) or not isinstance(baseline, (int, float))):
            raise TypeError(f"EarlyStopping: baseline must be a number or None, got {baseline!r}")
        self.monitor, self.mode, self.min_delta = monitor, mode, float(min_delta)
        self.patience = int(patience)
        self.restore_best_weights = bool(restore_best_weights)
        self.baseline = None if baseline is None else float(baseline)
        self.verbose = verbose
        self._reset()

    def _reset(self) -> None:
        self._monitor.reset()
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best = self._monitor.worst()
        self.best_weights: list[np.ndarray] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current, self.best = self._monitor.follow(logs, self.best, untouched=self.best_epoch == 0)
        if current is None:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # weights of the first epoch, if nothing improves
            self.best_epoch = epoch
        self.wait += 1
        if self._monitor.improves(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._monitor.improves(current, self.baseline):
                self.wait = 0
                return
            # an improvement that does not reach the baseline still counts towards patience
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.verbose:
                print(f"Epoch {epoch}: early stopping ({self._monitor.key} has not improved on "
                      f"{self.best:.6g} of epoch {self.best_epoch} for {self.wait} epochs)")

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
            if self.verbose:
                print(f"EarlyStopping: restored the weights of epoch {self.best_epoch}")

    def get_config(self) -> dict:
        """JSON-able constructor arguments.

        Example:
            >>> from neural_net.callbacks import EarlyStopping
            >>> EarlyStopping(patience=3).get_config()['patience']
            3
        """
        return {"monitor": self.monitor, "patience": self.patience, "min_delta": self.min_delta, "mode": self.mode,
                "restore_best_weights": self.restore_best_weights, "baseline": self.baseline,
                "verbose": self.verbose}


class TerminateOnNaN(Callback):
    """Stop training when the loss becomes NaN or infinite.

    It checks the loss of every mini-batch (``on_batch_end``) and of every epoch
    (``on_epoch_end``); on a non-finite value it sets ``model.stop_training = True``, so the
    loop ends after the current epoch (the loop checks the flag between epochs), and records
    the epoch in ``terminated_epoch``. The loop then puts back the weights of the last epoch
    whose loss was finite (without this callback it raises ``TrainingDiverged`` instead).

    Example:
        >>> from types import SimpleNamespace
        >>> from neural_net.callbacks import TerminateOnNaN
        >>> cb = TerminateOnNaN(); cb.set_model(SimpleNamespace(stop_training=False, epoch=0))
        >>> cb.on_epoch_end(1, {'loss': 0.3}); cb.model.stop_training
        False
        >>> cb.on_epoch_end(2, {'loss': float('nan')}); cb.model.stop_training, cb.terminated_epoch
        (True, 2)
    """

    #: The loop lets this callback stop a diverging run (no TrainingDiverged is raised); the
    #: weights of the last finite epoch are put back when training ends.
    handles_nonfinite = True

    def __init__(self, verbose: int = 0) -> None:
        self.verbose = verbose
        self.terminated_epoch = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.terminated_epoch = 0

    def _check(self, loss: Any, epoch: int, where: str) -> None:
        if loss is not None and not math.isfinite(float(loss)) and not self.terminated_epoch:
            self.model.stop_training = True
            self.terminated_epoch = epoch
            if self.verbose:
                print(f"{where}: invalid loss {loss}, terminating training")

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._check((logs or {}).get("loss"), int(getattr(self.model, "epoch", 0)) + 1, f"Batch {batch}")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._check((logs or {}).get("loss"), epoch, f"Epoch {epoch}")


class LambdaCallback(Callback):
    """A callback built from plain functions, for quick one-off hooks.

    Each argument is None or a function with the hook's arguments: ``on_epoch_begin(epoch,
    logs)``, ``on_epoch_end(epoch, logs)``, ``on_batch_begin(batch, logs)``,
    ``on_batch_end(batch, logs)``, ``on_train_begin(logs)``, ``on_train_end(logs)``,
    ``on_train_failed(error)``. The function sees the model as ``callback.model`` (keep a
    reference to the callback, or close over the model).

    Example:
        >>> import numpy
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.callbacks import LambdaCallback
        >>> X = numpy.array([[0., 0.], [1., 1.]]); y = numpy.array([[0], [1]])
        >>> model = Sequential([Dense(1, 'sigmoid', input_dim=2)], 'bce', seed=0)
        >>> seen = []
        >>> log = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
        >>> _ = model.fit(X, y, epochs=3, callbacks=[log], verbose=0); seen
        [1, 2, 3]
    """

    def __init__(self, on_epoch_end: Callable | None = None, on_epoch_begin: Callable | None = None,
                 on_batch_begin: Callable | None = None, on_batch_end: Callable | None = None,
                 on_train_begin: Callable | None = None, on_train_end: Callable | None = None,
                 on_train_failed: Callable | None = None) -> None:
        given = dict(on_epoch_end=on_epoch_end, on_epoch_begin=on_epoch_begin, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_failed=on_train_failed)
        for name, fn in given.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be a function or None, got {fn!r}")
        self._fns = given

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self._fns["on_epoch_begin"] is not None:
            self._fns["on_epoch_begin"](epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self._fns["on_epoch_end"] is not None:
            self._fns["on_epoch_end"](epoch, logs)

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self._fns["on_train_begin"] is not None:
            self._fns["on_train_begin"](logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._fns["on_train_end"] is not None:
            self._fns["on_train_end"](logs)

    def on_train_failed(self, error: BaseException) -> None:
        if self._fns["on_train_failed"] is not None:
            self._fns["on_train_failed"](error)

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self._fns["on_batch_begin"] is not None:
            self._fns["on_batch_begin"](batch, logs)

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._fns["on_batch_end"] is not None:
            self._fns["on_batch_end"](batch, logs)
