"""The Recorder: the callback through which a training run reaches its database.

The training loop of :class:`~neural_net.architecture.Sequential` calls it like any user
callback (it never runs inside the batch loop):

==================  ===========================================================================
hook                one committed transaction writing
==================  ===========================================================================
on_train_begin      status ``'running'``, hyper-parameters JSON (optimizer name and config,
                    batch size, epochs requested, samples, seed, metric names), pid/host
on_epoch_end        the epoch's cost rows (``'train'`` loss, ``'val'`` loss), metric rows
                    (accuracy, lr, ... per split), the heartbeat (``updated_at``) and epoch
                    count; a snapshot when a checkpoint is due (every ``k`` epochs / best)
on_train_end        a final snapshot (tag ``'final'``) and status ``'finished'``
on_train_failed     status ``'interrupted'`` (KeyboardInterrupt, SystemExit, SIGTERM),
                    ``'diverged'`` (a non-finite loss) or ``'failed'`` with the error text;
                    a final snapshot first, except for ``'failed'``
==================  ===========================================================================

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db import list_runs
    >>> net = Sequential([Dense(1, activation='sigmoid', input_dim=2)], 'bce', store="sqlite://")
    >>> net.compile('adam', metrics=['accuracy'])  # doctest: +ELLIPSIS
    Sequential
    >>> X = numpy.array([[0., 1.], [1., 0.]]); y = numpy.array([[1], [0]])
    >>> _ = net.fit(X, y, epochs=3, verbose=0)
    >>> runs = list_runs("sqlite://")
    >>> runs.loc[runs.run_id == net['id'], ["status", "epochs"]].values.tolist()
    [['finished', 3]]
"""
from __future__ import annotations

import math
import traceback
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert

from ..callbacks.base import Callback, auto_mode
from . import process
from .schema import Architecture, Cost, Snapshot, WeightMatrix, utcnow

if TYPE_CHECKING:  # pragma: no cover
    from .store import Store


class Recorder(Callback):
    """Writes a run's training to its :class:`~neural_net.db.store.Store` (see the module doc).

    Attributes:
        every: snapshot every ``every`` epochs (None: only the final snapshot).
        best_monitor: log name whose improvement triggers a ``'best'`` snapshot, or None.
        best_mode: ``'min'`` or ``'max'`` (``'auto'`` resolved from the name).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> rec = net.store.recorder; rec.configure(10, 'val_loss', 'auto'); rec.best_mode
        'min'
    """

    def __init__(self, store: "Store") -> None:
        self.store = store
        self.every: int | None = None
        self.best_monitor: str | None = None
        self.best_mode = "min"
        self.best: float | None = None
        self._last_snapshot_epoch: int | None = None
        self._recorded_epoch = 0

    def configure(self, every: int | None, best_monitor: str | None, mode: str = "auto") -> None:
        """Set the checkpoint policy (see :meth:`Store.checkpoint_every`)."""
        self.every = every
        self.best_monitor = best_monitor
        if mode == "auto":
            mode = auto_mode(best_monitor) if best_monitor else "min"
        self.best_mode = mode
        self.best = None

    # ----- hooks -----------------------------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        """Status ``running``, hyper-parameters, pid/host, cost row if new; one commit."""
        store, model = self.store, self.model
        logs = logs or {}
        opt = model.optimizer
        seed = getattr(model, "seed", None)
        hyper = {
            "optimizer": None if opt is None else {"name": opt.name, "config": opt.get_config()},
            "batch_size": logs.get("batch_size"),
            "epochs": logs.get("epochs"),
            "samples": logs.get("samples"),
            "start_epoch": int(model.epoch),
            "seed": None if seed is None else int(seed),
            "cost": None if model.cost is None else model.cost.name,
            "metrics": [m.name for m in getattr(model, "metrics", [])],
        }
        if store.params is not None:
            hyper["params"] = store.params
        from .store import _jsonable  # (not at the top: store imports this module)

        hyper_json = _jsonable(hyper, "the hyper-parameters")
        config_json = _jsonable(model.get_config(), "the model configuration")
        pid, host, token = process.identity()
        now = utcnow()
        add_cost = model.cost is not None and not store._cost_written
        cost_row = store._cost_definition(now) if add_cost else None
        # training casts the weights to the data's dtype (float32 stays float32): an untrained
        # model's initial snapshot is stored again in that dtype, the one it starts from
        initial, recast = getattr(store, "initial_snapshot", None), None
        if initial is not None and int(model.epoch) == 0 and \
                [s.func.W.dtype.name for s in model.steps if hasattr(s.func, "W")] != initial[1]:
            recast = store._snapshot_rows("initial", now)
        self._last_snapshot_epoch = None
        self._recorded_epoch = int(model.epoch)

        def work(s: Any) -> None:
            store._update_run(s, status="running", hyperparams=hyper_json, config=config_json, updated_at=now,
                              started_at=func.coalesce(Architecture.started_at, now), finished_at=None,
                              error=None, pid=pid, hostname=host, process_token=token)
            if cost_row is not None:
                s.execute(insert(Cost), [cost_row])
            if recast is not None:
                s.execute(delete(WeightMatrix).where(WeightMatrix.snapshot_id == initial[0]))
                s.execute(delete(Snapshot).where(Snapshot.id == initial[0]))
                store._insert_snapshots(s, [recast])

        store._transaction(work)
        store.initial_snapshot = None
        if add_cost:
            store._cost_written = True

    def _due(self, epoch: int, logs: dict) -> str | None:
        tag = None
        if self.every is not None and epoch % self.every == 0:
            tag = "checkpoint"
        if self.best_monitor is not None and self.best_monitor in logs:
            value = float(logs[self.best_monitor])
            if not math.isnan(value) and (self.best is None or (value < self.best if self.best_mode == "min"
                                                                 else value > self.best)):
                self.best = value
                tag = "best"
        return tag

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """The epoch's cost and metric rows, heartbeat, due checkpoint; one commit."""
        store = self.store
        logs = logs or {}
        now = utcnow()
        costs, metrics = store._epoch_rows(int(epoch), logs, now)
        tag = self._due(int(epoch), logs)
        snapshot = store._snapshot_rows(tag, now) if tag is not None else None

        def work(s: Any) -> None:
            store._insert_epoch_rows(s, costs, metrics)
            if snapshot is not None:
                store._insert_snapshots(s, [snapshot])
            store._update_run(s, updated_at=now, epochs=int(epoch))

        store._transaction(work)
        self._recorded_epoch = int(epoch)
        if snapshot is not None:
            self._last_snapshot_epoch = int(epoch)

    def _unrecorded_rows(self, now: Any) -> tuple[list[dict], list[dict], int | None]:
        """Rows of completed epochs the recorder did not see (a callback before it failed)."""
        return self.store._history_rows(self.model.history, now, after=self._recorded_epoch, drop_nan=True)

    def on_train_end(self, logs: dict | None = None) -> None:
        """Final snapshot (unless the last epoch was just saved) and status ``finished``."""
        store, model = self.store, self.model
        now = utcnow()
        snapshot = None
        if self._last_snapshot_epoch != int(model.epoch):
            snapshot = store._snapshot_rows("final", now)

        def work(s: Any) -> None:
            if snapshot is not None:
                store._insert_snapshots(s, [snapshot])
            store._update_run(s, status="finished", finished_at=now, updated_at=now, epochs=int(model.epoch))

        store._transaction(work)
        self._last_snapshot_epoch = int(model.epoch)

    def on_train_failed(self, error: BaseException) -> None:
        """Status ``interrupted``/``diverged``/``failed`` with the traceback (and, unless failed,
        a final snapshot of the weights the model holds); never raises over ``error``."""
        store = self.store
        status = getattr(error, "run_status", None) or (
            "interrupted" if isinstance(error, (KeyboardInterrupt, SystemExit)) else "failed")
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))[-20000:]
        now = utcnow()
        try:
            store.session.rollback()
            costs, metrics, last = self._unrecorded_rows(now)
            snapshot = None  # diverged: the last finite weights; interrupted: the weights reached
            if status != "failed" and self._last_snapshot_epoch != int(self.model.epoch):
                snapshot = store._snapshot_rows("final", now)

            def work(s: Any) -> None:
                store._insert_epoch_rows(s, costs, metrics)
                if snapshot is not None:
                    store._insert_snapshots(s, [snapshot])
                values = dict(status=status, error=text, finished_at=now, updated_at=now)
                if last is not None:
                    values["epochs"] = last
                store._update_run(s, **values)

            store._transaction(work)
            if last is not None:
                self._recorded_epoch = last
        except Exception as e:  # never hide the training error behind a database one
            from .store import warn_failure

            warn_failure(f"record the {status} status of run {store.run_id}", e)
