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
        history = self.history
        for k, v in logs.items():
            values = history.get(k)
            if values is None:
                values = history[k] = [float("nan")] * n
            values.append(float(v))
        if len(history) > len(logs):  # keys missing from these logs get NaN
            for vals in history.values():
                if len(vals) == n:
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


# ============================================================================================
# Training-control callbacks: EarlyStopping, ModelCheckpoint, TerminateOnNaN, LambdaCallback.
# ReduceLROnPlateau and LearningRateScheduler live in :mod:`neural_net.schedules` (which imports
# this module) and are re-exported lazily by the module ``__getattr__`` at the end of this file.
# ============================================================================================
import json as _json
import math as _math
import os as _os
import tempfile as _tempfile
import warnings as _warnings
from typing import Callable as _Callable

import numpy as _np

__all__ = [
    "Callback",
    "History",
    "EarlyStopping",
    "ModelCheckpoint",
    "TerminateOnNaN",
    "LambdaCallback",
    "load_checkpoint",
    "LearningRateScheduler",
    "ReduceLROnPlateau",
]


class _Monitor:
    """A watched key of the epoch logs, its direction and the best value seen (shared logic of
    :class:`EarlyStopping` and :class:`ModelCheckpoint`).

    ``mode='auto'`` means 'max' when the key contains ``acc`` and 'min' otherwise. When the key
    is absent from the logs the monitor falls back to ``'loss'`` with a single warning.
    """

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        if not isinstance(monitor, str) or not monitor:
            raise TypeError(f"{owner}: monitor must be a key of the epoch logs (a str), got {monitor!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be one of 'auto', 'min', 'max', got {mode!r}")
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) or not _math.isfinite(min_delta) \
                or min_delta < 0:
            raise ValueError(f"{owner}: min_delta must be a finite number ≥ 0, got {min_delta!r}")
        self.owner, self.monitor, self.mode, self.min_delta = owner, monitor, mode, float(min_delta)
        self.key = monitor
        self._warned = False

    def direction(self, key: str | None = None) -> str:
        key = self.key if key is None else key
        if self.mode != "auto":
            return self.mode
        return "max" if "acc" in key else "min"

    def worst(self) -> float:
        return -_math.inf if self.direction() == "max" else _math.inf

    def reset(self) -> None:
        self.key = self.monitor

    def read(self, logs: dict | None) -> float | None:
        """The monitored value in ``logs`` (or ``logs['loss']`` with a warning), else None."""
        logs = logs or {}
        if self.key not in logs:
            if "loss" in logs and self.key != "loss":
                if not self._warned:
                    _warnings.warn(f"{self.owner}: monitor {self.monitor!r} is not in the epoch logs "
                                   f"(keys {sorted(logs)}); watching 'loss' instead", RuntimeWarning, stacklevel=3)
                    self._warned = True
                self.key = "loss"
            else:
                if not self._warned:
                    _warnings.warn(f"{self.owner}: neither monitor {self.monitor!r} nor 'loss' is in the epoch "
                                   f"logs (keys {sorted(logs)}); nothing is monitored", RuntimeWarning, stacklevel=3)
                    self._warned = True
                return None
        return float(logs[self.key])

    def improves(self, current: float, reference: float) -> bool:
        """True when ``current`` beats ``reference`` by more than ``min_delta`` (NaN never does)."""
        if _math.isnan(current):
            return False
        if self.direction() == "max":
            return current - self.min_delta > reference
        return current + self.min_delta < reference


class EarlyStopping(Callback):
    r"""Stop training when the monitored quantity has stopped improving.

    At the end of every epoch the value :math:`x` of ``logs[monitor]`` is compared with the
    best value so far, :math:`x^*`. The epoch *improves* when

    .. math:: x < x^* - δ \ (\text{mode 'min'}) \qquad x > x^* + δ \ (\text{mode 'max'})

    with :math:`δ` = ``min_delta`` (``mode='auto'``: 'max' when the key contains ``acc``,
    otherwise 'min'). After ``patience`` epochs in a row without improvement (``patience=0``:
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
        self._monitor = _Monitor("EarlyStopping", monitor, mode, min_delta)
        if isinstance(patience, bool) or not isinstance(patience, (int, _np.integer)) or patience < 0:
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
        self.best_weights: list[_np.ndarray] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        before = self._monitor.key
        current = self._monitor.read(logs)
        if current is None:
            return
        if self._monitor.key != before and self.best_epoch == 0:  # fell back before any epoch counted
            self.best = self._monitor.worst()
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


def _weights_and_config(model: Any) -> tuple[list[_np.ndarray], dict]:
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
    path = _os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    weights, config = _weights_and_config(model)
    config.update(extra)
    arrays = {f"W{i}": _np.ascontiguousarray(W) for i, W in enumerate(weights)}
    arrays["config"] = _np.array(_json.dumps(config, allow_nan=True))
    folder = _os.path.dirname(_os.path.abspath(path))
    _os.makedirs(folder, exist_ok=True)
    fd, tmp = _tempfile.mkstemp(suffix=".npz.tmp", dir=folder)
    try:
        with _os.fdopen(fd, "wb") as f:
            _np.savez(f, **arrays)
        _os.replace(tmp, path)
    except BaseException:
        if _os.path.exists(tmp):
            _os.remove(tmp)
        raise
    return path


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
    from .architecture import Sequential

    with _np.load(_os.fspath(path), allow_pickle=False) as data:
        if "config" not in data.files:
            raise ValueError(f"load_checkpoint: {path!r} is not a neural_net checkpoint (no 'config' entry)")
        config = _json.loads(str(data["config"][()]))
        n = sum(1 for k in data.files if k.startswith("W") and k[1:].isdigit())
        weights = [data[f"W{i}"] for i in range(n)]
    model = Sequential.from_config(config["model"], weights)
    model.epoch = int(config.get("epoch", 0))
    if compile and config.get("optimizer") and model.cost is not None:
        from . import optimizers
        from .metrics import METRICS

        opt = optimizers.from_config(config["optimizer"]["name"], config["optimizer"]["config"])
        metrics = [m for m in config.get("metrics", []) if m.lower() in METRICS]
        model.compile(opt, metrics=metrics)
    return model


class ModelCheckpoint(Callback):
    r"""Save the model's weights during training: into the run's database when the model has
    a store, and/or to a ``.npz`` file.

    It acts at the end of every ``every``-th epoch. Without ``save_best_only`` it saves a
    snapshot each time; with it, only when ``logs[monitor]`` improved on the best value seen at
    the previous saves (``mode``: 'min', 'max' or 'auto' = 'max' when the key contains
    ``acc``), so what is saved last is the best model so far. A missing ``monitor`` key falls
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
        if filepath is not None and not isinstance(filepath, (str, _os.PathLike)):
            raise TypeError(f"ModelCheckpoint: filepath must be a path (str) or None, got {filepath!r}")
        if isinstance(every, bool) or not isinstance(every, (int, _np.integer)) or every < 1:
            raise ValueError(f"ModelCheckpoint: every must be an integer ≥ 1, got {every!r}")
        self._monitor = _Monitor("ModelCheckpoint", monitor, mode)
        self.filepath = None if filepath is None else _os.fspath(filepath)
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
            before = self._monitor.key
            current = self._monitor.read(logs)
            if current is None:
                return
            if self._monitor.key != before and not self.saved:
                self.best = self._monitor.worst()
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


class TerminateOnNaN(Callback):
    """Stop training when the loss becomes NaN or infinite.

    It checks the loss of every mini-batch (``on_batch_end``) and of every epoch
    (``on_epoch_end``); on a non-finite value it sets ``model.stop_training = True``, so the
    loop ends after the current epoch (the loop checks the flag between epochs), and records
    the epoch in ``terminated_epoch``.

    Example:
        >>> from types import SimpleNamespace
        >>> from neural_net.callbacks import TerminateOnNaN
        >>> cb = TerminateOnNaN(); cb.set_model(SimpleNamespace(stop_training=False, epoch=0))
        >>> cb.on_epoch_end(1, {'loss': 0.3}); cb.model.stop_training
        False
        >>> cb.on_epoch_end(2, {'loss': float('nan')}); cb.model.stop_training, cb.terminated_epoch
        (True, 2)
    """

    def __init__(self, verbose: int = 0) -> None:
        self.verbose = verbose
        self.terminated_epoch = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.terminated_epoch = 0

    def _check(self, loss: Any, epoch: int, where: str) -> None:
        if loss is not None and not _math.isfinite(float(loss)) and not self.terminated_epoch:
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

    def __init__(self, on_epoch_end: _Callable | None = None, on_epoch_begin: _Callable | None = None,
                 on_batch_begin: _Callable | None = None, on_batch_end: _Callable | None = None,
                 on_train_begin: _Callable | None = None, on_train_end: _Callable | None = None,
                 on_train_failed: _Callable | None = None) -> None:
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


_FROM_SCHEDULES = ("LearningRateScheduler", "ReduceLROnPlateau")


def __getattr__(name: str) -> Any:
    """Lazy re-export of the learning-rate callbacks of :mod:`neural_net.schedules`
    (``schedules`` imports this module, so importing it here eagerly would be circular).

    Example:
        >>> from neural_net.callbacks import ReduceLROnPlateau
        >>> from neural_net import schedules
        >>> ReduceLROnPlateau is schedules.ReduceLROnPlateau
        True
    """
    if name in _FROM_SCHEDULES:
        from . import schedules

        value = getattr(schedules, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_FROM_SCHEDULES))
