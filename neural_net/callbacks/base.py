"""The base of every callback (:class:`Callback`), the per-epoch :class:`History`, and the
monitor of a log key shared by the callbacks that watch one.

Example:
    >>> from neural_net.callbacks.base import Callback, History
    >>> issubclass(History, Callback)
    True
"""
from __future__ import annotations

import math
import warnings
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
        from ..plotting import plot_history

        return plot_history(self, ax=ax, keys=keys)

    def __len__(self) -> int:
        return len(self.epoch)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


#: Parts of a log name that mean "higher is better" for ``mode='auto'``.
HIGHER_IS_BETTER = ("acc", "auc", "f1", "precision", "recall")


def auto_mode(key: str) -> str:
    """The one ``mode='auto'`` rule of the library: ``'max'`` when the log name contains one of
    :data:`HIGHER_IS_BETTER` (``accuracy``, ``val_acc``, ``auc``, ``f1``...), else ``'min'``.
    Callbacks, the store's best snapshot and sweeps all use it.

    Example:
        >>> from neural_net.callbacks.base import auto_mode
        >>> auto_mode('val_accuracy'), auto_mode('val_loss'), auto_mode('f1')
        ('max', 'min', 'max')
    """
    return "max" if any(part in key for part in HIGHER_IS_BETTER) else "min"


def check_mode(mode: Any, owner: str = "") -> str:
    """``mode`` if it is ``'auto'``, ``'min'`` or ``'max'``, else a ValueError naming it.

    Example:
        >>> from neural_net.callbacks.base import check_mode
        >>> check_mode('max')
        'max'
    """
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner + ': ' if owner else ''}mode must be one of 'auto', 'min', 'max', got {mode!r}")
    return mode


class Monitor:
    """A watched key of the epoch logs, its direction and the comparison with the best value,
    shared by :class:`~neural_net.callbacks.EarlyStopping`,
    :class:`~neural_net.callbacks.ModelCheckpoint` and
    :class:`~neural_net.callbacks.ReduceLROnPlateau`.

    ``mode='auto'`` follows :func:`auto_mode`. When the key is absent from the logs the monitor
    falls back to ``'loss'`` with a single warning (``missing`` ends the warning given when
    neither is there).

    Example:
        >>> from neural_net.callbacks.base import Monitor
        >>> m = Monitor("Demo", "val_accuracy", "auto", min_delta=0.01)
        >>> m.direction(), m.improves(0.9, 0.85), m.improves(0.855, 0.85)
        ('max', True, False)
    """

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0, *,
                 missing: str = "nothing is monitored") -> None:
        if not isinstance(monitor, str) or not monitor:
            raise TypeError(f"{owner}: monitor must be a key of the epoch logs (a str), got {monitor!r}")
        check_mode(mode, owner)
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) or not math.isfinite(min_delta) \
                or min_delta < 0:
            raise ValueError(f"{owner}: min_delta must be a finite number ≥ 0, got {min_delta!r}")
        self.owner, self.monitor, self.mode, self.min_delta = owner, monitor, mode, float(min_delta)
        self.key = monitor
        self.missing = missing
        self._warned = False

    def direction(self, key: str | None = None) -> str:
        """``'min'`` or ``'max'`` for ``key`` (the watched key by default)."""
        key = self.key if key is None else key
        return self.mode if self.mode != "auto" else auto_mode(key)

    def worst(self) -> float:
        """The starting best value: +inf when lower is better, -inf otherwise."""
        return -math.inf if self.direction() == "max" else math.inf

    def reset(self) -> None:
        """Watch ``monitor`` again (after a fallback to ``'loss'``)."""
        self.key = self.monitor

    def read(self, logs: dict | None, stacklevel: int = 3) -> float | None:
        """The monitored value in ``logs`` (or ``logs['loss']`` with a warning), else None."""
        logs = logs or {}
        if self.key not in logs:
            if "loss" in logs and self.key != "loss":
                if not self._warned:
                    warnings.warn(f"{self.owner}: monitor {self.monitor!r} is not in the epoch logs "
                                   f"(keys {sorted(logs)}); watching 'loss' instead", RuntimeWarning, stacklevel=stacklevel)
                    self._warned = True
                self.key = "loss"
            else:
                if not self._warned:
                    warnings.warn(f"{self.owner}: neither monitor {self.monitor!r} nor 'loss' is in the epoch "
                                   f"logs (keys {sorted(logs)}); {self.missing}", RuntimeWarning, stacklevel=stacklevel)
                    self._warned = True
                return None
        return float(logs[self.key])

    def follow(self, logs: dict | None, best: float, untouched: bool) -> tuple[float | None, float]:
        """``(current, best)``: the monitored value in ``logs`` (None when absent) and ``best``,
        reset to :meth:`worst` when the monitor has just fallen back to ``'loss'`` while
        ``untouched`` (nothing counted yet).

        Example:
            >>> import warnings
            >>> from neural_net.callbacks.base import Monitor
            >>> m = Monitor("Demo", "val_accuracy", "auto")
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")
            ...     m.follow({'loss': 0.5}, float('-inf'), untouched=True)
            (0.5, inf)
        """
        before = self.key
        current = self.read(logs, stacklevel=4)
        if current is not None and self.key != before and untouched:
            best = self.worst()
        return current, best

    def improves(self, current: float, reference: float) -> bool:
        """True when ``current`` beats ``reference`` by more than ``min_delta`` (NaN never does)."""
        if math.isnan(current):
            return False
        if self.direction() == "max":
            return current - self.min_delta > reference
        return current + self.min_delta < reference
