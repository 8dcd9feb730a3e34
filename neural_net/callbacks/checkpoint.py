"""Checkpoints: ModelCheckpoint (into the run's database and/or ``.npz`` files) and the
``.npz`` + JSON format (:func:`save_checkpoint`, :func:`load_checkpoint`, no pickle).

Example:
    >>> from neural_net.callbacks.checkpoint import ModelCheckpoint
    >>> ModelCheckpoint('best.npz').every
    1
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import architecture, optimizers
from ..metrics import METRICS
from ..serialization import read_checkpoint, write_checkpoint
from .base import Callback, Monitor


def _weights_and_config(model: Any) -> tuple[list[np.ndarray], dict]:
    config = {"model": model.get_config(), "epoch": int(getattr(model, "epoch", 0))}
    opt = getattr(model, "optimizer", None)
    if opt is not None and hasattr(opt, "get_config"):
        config["optimizer"] = {"name": opt.name, "config": opt.get_config()}
    config["metrics"] = [m.name for m in getattr(model, "metrics", [])]
    return model.get_weights(), config


def save_checkpoint(model: Any, path: str, **extra: Any) -> str:
    """Write ``model``'s weight matrices and JSON configuration to the ``.npz`` file ``path``.

    The file holds only plain arrays: ``W0, W1, ...`` (one per ``Fullyconnected``, bias row
    last) and ``config``, a unicode array holding the JSON of ``model.get_config()``, the epoch,
    the optimizer's name and hyper-parameters and the metric names (``extra`` is added to
    it). It is written to a temporary file first and then renamed, so a crash never leaves a
    half-written checkpoint. Returns the path written (``.npz`` appended when missing).

    Example:
        >>> import os, tempfile
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.callbacks import save_checkpoint, load_checkpoint
        >>> model = Sequential([Dense(2, 'relu', input_dim=3), Dense(1, 'sigmoid')], 'bce', seed=0)
        >>> path = save_checkpoint(model, os.path.join(tempfile.mkdtemp(), 'net'))
        >>> os.path.basename(path), load_checkpoint(path).get_weights()[0].shape
        ('net.npz', (4, 2))
    """
    weights, config = _weights_and_config(model)
    config.update(extra)
    return write_checkpoint(path, weights, config)


def load_checkpoint(path: str, compile: bool = True) -> Any:
    """Rebuild a :class:`~neural_net.architecture.Sequential` from a ``.npz`` checkpoint.

    Reads the file with ``allow_pickle=False`` (a checkpoint is numbers and names only), builds
    the model with ``Sequential.from_config`` and the stored weight matrices, and, when
    ``compile`` is true and the file names one, compiles it with an optimizer of the same
    name and hyper-parameters and the stored metrics (the optimizer's moments are not
    stored: they start afresh). ``model.epoch`` is set to the stored epoch so that a new
    ``fit`` continues the count.

    Example:
        >>> import os, tempfile, numpy
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.callbacks import ModelCheckpoint, load_checkpoint
        >>> X = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); y = numpy.array([[0], [1], [1], [1]])
        >>> model = Sequential([Dense(1, 'sigmoid', input_dim=2)], seed=0).compile('sgd', 'bce', ['accuracy'])
        >>> path = os.path.join(tempfile.mkdtemp(), 'best.npz')
        >>> _ = model.fit(X, y, epochs=3, callbacks=[ModelCheckpoint(path, monitor='loss')], verbose=0)
        >>> copy = load_checkpoint(path)
        >>> bool(numpy.array_equal(copy.predict(X), model.predict(X))), copy.epoch, repr(copy.optimizer)[:3]
        (True, 3, 'SGD')
    """
    config, weights = read_checkpoint(path)
    model = architecture.Sequential.from_config(config["model"], weights)
    model.epoch = int(config.get("epoch", 0))
    if compile and config.get("optimizer") and model.cost is not None:
        opt = optimizers.from_config(config["optimizer"]["name"], config["optimizer"]["config"])
        metrics = [m for m in config.get("metrics", []) if m.lower() in METRICS]
        model.compile(opt, metrics=metrics)
    return model


class ModelCheckpoint(Callback):
    r"""Save the model's weights during training: into the run's database when the model has
    a store, and/or to a ``.npz`` file.

    It acts at the end of every ``every``-th epoch. Without ``save_best_only`` it saves a
    snapshot each time; with it, only when ``logs[monitor]`` improved on the best value seen at
    the previous saves (``mode``: 'min', 'max' or 'auto' = :func:`~neural_net.callbacks.base.auto_mode`), so what is saved last is the best model so far. A missing ``monitor`` key falls
    back to ``'loss'`` with a warning.

    Destinations:

    * ``model.store`` (a model built with ``store=...``): ``store.update_weights(tag=...)``
      stages a snapshot of every weight matrix, tagged ``'best'`` (``save_best_only``) or
      ``'checkpoint'``, then ``store.commit()`` writes it.
    * ``filepath``: the weight matrices and a JSON configuration, see :func:`save_checkpoint`;
      read back with :func:`load_checkpoint` (no pickle). The path may use ``str.format``
      fields filled from the epoch and the logs, e.g. ``'ckpt-{epoch:03d}-{val_loss:.3f}.npz'``.

    When the model has a store *and* a ``filepath`` is given, both are written; with neither,
    ``on_train_begin`` raises ValueError.

    Args:
        filepath: where to write the ``.npz`` (``.npz`` appended when missing), or None.
        monitor: key of the epoch logs that ``save_best_only`` watches.
        save_best_only: save only improvements of ``monitor``.
        every: act every ``every`` epochs (int ≥ 1).
        mode: ``'auto'``, ``'min'`` or ``'max'``.

    Attributes:
        best: best monitored value at a save.
        saved: list of ``(epoch, destination)``, the destination being the file path or
            ``'store'``.

    Example:
        >>> import os, tempfile, numpy
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.callbacks import ModelCheckpoint
        >>> X = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); y = numpy.array([[0], [1], [1], [1]])
        >>> model = Sequential([Dense(1, 'sigmoid', input_dim=2)], 'bce', seed=0)
        >>> folder = tempfile.mkdtemp()
        >>> ckpt = ModelCheckpoint(os.path.join(folder, 'w-{epoch}.npz'), every=2)
        >>> _ = model.fit(X, y, epochs=5, callbacks=[ckpt], verbose=0)
        >>> sorted(os.listdir(folder))
        ['w-2.npz', 'w-4.npz']
    """

    def __init__(self, filepath: str | None = None, monitor: str = "val_loss", save_best_only: bool = False,
                 every: int = 1, mode: str = "auto") -> None:
        if filepath is not None and not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(f"ModelCheckpoint: filepath must be a path (str) or None, got {filepath!r}")
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"ModelCheckpoint: every must be an integer ≥ 1, got {every!r}")
        self._monitor = Monitor("ModelCheckpoint", monitor, mode)
        self.filepath = None if filepath is None else os.fspath(filepath)
        self.monitor, self.mode = monitor, mode
        self.save_best_only = bool(save_best_only)
        self.every = int(every)
        self.best = self._monitor.worst()
        self.saved: list[tuple[int, str]] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.filepath is None and getattr(self.model, "store", None) is None:
            raise ValueError("ModelCheckpoint: filepath is required when the model has no database store "
                             "(build it with store=True or give ModelCheckpoint(filepath=...))")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch % self.every:
            return
        logs = logs or {}
        if self.save_best_only:
            current, self.best = self._monitor.follow(logs, self.best, untouched=not self.saved)
            if current is None:
                return
            if not self._monitor.improves(current, self.best):
                return
            self.best = current
        self._save(epoch, logs)

    def _save(self, epoch: int, logs: dict) -> None:
        store = getattr(self.model, "store", None)
        if store is not None:
            store.update_weights(tag="best" if self.save_best_only else "checkpoint")
            store.commit()
            self.saved.append((epoch, "store"))
        if self.filepath is not None:
            try:
                path = self.filepath.format(**{**logs, "epoch": epoch})
            except (KeyError, IndexError, ValueError) as e:
                raise ValueError(f"ModelCheckpoint: cannot fill filepath {self.filepath!r} from the epoch and "
                                 f"logs (keys {sorted(logs)}): {e}") from None
            written = save_checkpoint(self.model, path, logs={k: float(v) for k, v in logs.items()})
            self.saved.append((epoch, written))

    def get_config(self) -> dict:
        """JSON-able constructor arguments.

        Example:
            >>> from neural_net.callbacks import ModelCheckpoint
            >>> ModelCheckpoint('best.npz', save_best_only=True).get_config()['save_best_only']
            True
        """
        return {"filepath": self.filepath, "monitor": self.monitor, "save_best_only": self.save_best_only,
                "every": self.every, "mode": self.mode}
