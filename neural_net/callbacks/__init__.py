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

from .base import Callback, History
from .checkpoint import ModelCheckpoint, load_checkpoint, save_checkpoint
from .lr import LearningRateScheduler, ReduceLROnPlateau
from .training import EarlyStopping, LambdaCallback, TerminateOnNaN

__all__ = [
    "Callback",
    "History",
    "EarlyStopping",
    "ModelCheckpoint",
    "TerminateOnNaN",
    "LambdaCallback",
    "load_checkpoint",
    "save_checkpoint",
    "LearningRateScheduler",
    "ReduceLROnPlateau",
]
