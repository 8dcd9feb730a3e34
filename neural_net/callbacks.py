"""Callbacks: objects that the training loop calls at fixed points of training.

The loop of :class:`neural_net.architecture.Sequential` (shared by ``train`` and ``fit``)
calls, in order::

    on_train_begin(logs)
      on_epoch_begin(epoch, logs)
        on_batch_begin(batch, logs) / on_batch_end(batch, logs)   # per mini-batch
      on_epoch_end(epoch, logs)        # logs: {'loss': ..., 'accuracy': ..., 'val_loss': ...}
    on_train_end(logs)

``epoch`` counts from 1 over the model's whole life (a second ``train`` call continues the
count). A callback may set ``self.model.stop_training = True`` to end training after the
current epoch. The database recorder is itself a callback.

Example:
    >>> from neural_net.callbacks import Callback
    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, round(logs["loss"], 3))
"""
from __future__ import annotations

from typing import Any


class Callback:
    """Base class of every callback; each hook does nothing unless overridden.

    Attributes:
        model: the :class:`~neural_net.architecture.Sequential` being trained, set by
            :meth:`set_model` before ``on_train_begin``.

    Example:
        >>> from neural_net.callbacks import Callback
        >>> class CountEpochs(Callback):
        ...     n = 0
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         self.n += 1
    """

    model: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: dict | None = None) -> None: ...

    def on_train_end(self, logs: dict | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    def on_train_failed(self, error: BaseException) -> None:
        """Called instead of ``on_train_end`` when training stops on an exception
        (``KeyboardInterrupt`` included); the exception is re-raised afterwards."""


class History(Callback):
    """Per-epoch record of the loss and metrics: ``history['loss'][i]`` is the value of epoch
    ``epoch[i]``. ``Sequential.history`` spans the model's whole life; ``fit`` returns one
    for its own epochs.

    Example:
        >>> from neural_net.callbacks import History
        >>> h = History(); h.append(1, {'loss': 0.5}); h.append(2, {'loss': 0.25})
        >>> h.history
        {'loss': [0.5, 0.25]}
    """

    def __init__(self) -> None:
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        n = len(self.epoch)
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, [float("nan")] * n).append(float(v))
        for k, vals in self.history.items():
            if len(vals) < n + 1:
                vals.append(float("nan"))

    def to_frame(self) -> Any:
        """The history as a pandas DataFrame indexed by epoch."""
        import pandas as pd

        return pd.DataFrame(self.history, index=pd.Index(self.epoch, name="epoch"))

    def plot(self, ax: Any = None, keys: list[str] | None = None) -> Any:
        """Plot the loss and metric curves (needs matplotlib: ``pip install neural-net-numpy[plot]``)."""
        from .plotting import plot_history

        return plot_history(self, ax=ax, keys=keys)

    def __len__(self) -> int:
        return len(self.epoch)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"
