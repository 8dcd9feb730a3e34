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

Inside the store's :meth:`~neural_net.db.store.Store.deferred` block (an
:class:`~neural_net.ensemble.Ensemble` opens one per epoch) these writes wait for the block's
end and go, with those of every other run on the same database, into one transaction.

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
from functools import partial
from operator import is_
from typing import Any, Sequence

from ..callbacks.base import Callback, auto_mode
from . import process, rows
from .schema import utcnow
from .writer import IfNull, settle, warn_failure, write_epochs


class _PolicySetting:
    """A checkpoint setting of a :class:`Recorder` (``every``, ``best_monitor``): setting it
    bumps :attr:`Recorder.policies`."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.attr = "_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return self if obj is None else getattr(obj, self.attr)

    def __set__(self, obj: Any, value: Any) -> None:
        Recorder.policies += 1
        setattr(obj, self.attr, value)


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

    def __init__(self, store: Any) -> None:  # a Store: its model, run_id, params, writer, snapshot_rows
        self.store = store
        self.every = None
        self.best_monitor = None
        self.best_mode = "min"
        self.best: float | None = None
        self._last_snapshot_epoch: int | None = None  # of the last snapshot committed
        self._queued_snapshot_epoch: int | None = None  # of the last snapshot written or held
        self._recorded_epoch = 0
        self._column_key: tuple[int, str, int] | None = None  # rows.column_key, kept for a fit
        self._plan: _EpochPlan | None = None  # of the recorders on_epoch_end_many was last given with it first

    #: Bumped each time a recorder's ``every`` or ``best_monitor`` is set: the epoch plans of
    #: many recorders (:class:`_EpochPlan`) keep which of theirs have a checkpoint policy while
    #: it is unchanged.
    policies = 0

    every = _PolicySetting("Snapshot every ``every`` epochs (None: only the final snapshot).")
    best_monitor = _PolicySetting("The log name whose improvement triggers a ``'best'`` snapshot, or None.")

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
        writer = store.writer
        hyper = rows.hyperparams(model, logs or {}, store.params)
        hyper_json = rows.jsonable(hyper, "the hyper-parameters")
        config_json = rows.jsonable(model.get_config(), "the model configuration")
        pid, host, token = process.identity()
        now = utcnow()
        add_cost = model.cost is not None and not writer.cost_written
        # training casts the weights to the data's dtype (float32 stays float32): an untrained
        # model's initial snapshot is stored again in that dtype, the one it starts from
        initial, recast = getattr(store, "initial_snapshot", None), None
        if initial is not None and int(model.epoch) == 0 and \
                [s.func.W.dtype.name for s in model.steps if hasattr(s.func, "W")] != initial[1]:
            recast = store.snapshot_rows("initial", now)
        self._last_snapshot_epoch = self._queued_snapshot_epoch = None
        self._recorded_epoch = int(model.epoch)
        self._column_key = None
        self._plan = None
        writer.write(costs=[rows.cost_definition(model, store.run_id, now)] if add_cost else [],
                     snapshots=[recast] if recast is not None else [],
                     replace_snapshot=initial[0] if recast is not None else None,
                     update_run=dict(status="running", hyperparams=hyper_json, config=config_json, updated_at=now,
                                     started_at=IfNull(now), finished_at=None,
                                     error=None, pid=pid, hostname=host, process_token=token),
                     params=rows.param_rows(store.run_id, hyper), on_commit=lambda: self._began(add_cost))

    def _began(self, add_cost: bool) -> None:
        """on_train_begin's rows are committed."""
        self.store.initial_snapshot = None
        if add_cost:
            self.store.writer.cost_written = True

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
        costs, metrics = rows.epoch_rows(self.model, store.run_id, int(epoch), logs, now)
        tag = self._due(int(epoch), logs)
        snapshot = store.snapshot_rows(tag, now) if tag is not None else None
        if snapshot is not None:
            self._queued_snapshot_epoch = int(epoch)
        store.writer.write(costs=costs, metrics=metrics, snapshots=[snapshot] if snapshot is not None else [],
                           update_run=dict(updated_at=now, epochs=int(epoch)),
                           on_commit=lambda: self._recorded(int(epoch), snapshot is not None))

    @staticmethod
    def on_epoch_end_many(recorders: Sequence["Recorder"], epoch: int, logs: Sequence[dict]) -> None:
        """``recorders[i].on_epoch_end(epoch, logs[i])`` for every ``i``, the rows of all built
        at once (one timestamp, their ids drawn in one block): an
        :class:`~neural_net.ensemble.Ensemble` calls it for its members' recorders, inside its
        deferred block (one transaction for all). The epoch of the recorders whose writes a
        deferred block holds goes to their database as columns, one
        :func:`~neural_net.db.writer.write_epochs` per database and set of log keys
        (:func:`~neural_net.db.rows.epoch_columns`), their snapshots as each one's own write.

        Example:
            >>> from neural_net.db.recorder import Recorder
            >>> Recorder.on_epoch_end_many([], 1, [])
        """
        now, epoch = utcnow(), int(epoch)
        heartbeat = dict(updated_at=now, epochs=epoch)  # the same for every run (never mutated)
        plan = _EpochPlan.of(recorders)
        held: list[tuple[Any, list[int], tuple, Any]] = []  # the engines whose writes a deferred block holds
        alone: list[int] = []
        for engine, positions, recs, columns in plan.engines:
            if recs[0].store.writer.held:  # a deferred block is open on the engine
                held.append((engine, positions, recs, columns))
            else:
                alone += positions
        alone.sort()
        snapshotted: set[int] = set()
        own: dict[int, tuple] = {}  # the snapshots of the recorders written alone, by position
        lone = set(alone)
        for i in plan.policed:
            rec, lg = recorders[i], logs[i]
            tag = rec._due(epoch, lg)
            if tag is None:
                continue
            snapshot = rec.store.snapshot_rows(tag, now)
            rec._queued_snapshot_epoch = epoch
            snapshotted.add(id(rec))
            if i in lone:
                own[i] = snapshot
            else:
                rec.store.writer.write(snapshots=(snapshot,))
        for engine, positions, recs, columns in held:
            blocks = rows.epoch_columns(columns, epoch, logs if len(positions) == len(logs) else
                                        [logs[i] for i in positions], now)
            for n, (_, block) in enumerate(blocks):  # the last block of an engine tells its recorders
                write_epochs(engine, block, heartbeat, partial(Recorder._all_recorded, recs, snapshotted, epoch)
                             if n == len(blocks) - 1 else None)
        if alone:
            built = rows.epoch_rows_many([(recorders[i].model, recorders[i].store.run_id) for i in alone], epoch,
                                         [logs[i] for i in alone], now)
            for i, (costs, metrics) in zip(alone, built):
                rec = recorders[i]
                snapshot = own.get(i)
                rec.store.writer.write(costs=costs, metrics=metrics,
                                       snapshots=(snapshot,) if snapshot is not None else (),
                                       update_run=heartbeat, on_commit=partial(rec._recorded, epoch, snapshot is not None))

    def _key(self) -> tuple[int, str, int]:
        """:func:`~neural_net.db.rows.column_key` of the run, kept until the next fit."""
        self._column_key = rows.column_key(self.model, self.store.run_id)
        return self._column_key

    @staticmethod
    def _all_recorded(recorders: Sequence["Recorder"], snapshotted: set[int], epoch: int) -> None:
        """:meth:`_recorded` of each of ``recorders`` (with a snapshot for those whose ``id``
        is in ``snapshotted``)."""
        if not snapshotted:
            for rec in recorders:
                rec._recorded_epoch = epoch
            return
        for rec in recorders:
            rec._recorded(epoch, id(rec) in snapshotted)

    def _recorded(self, epoch: int, snapshot: bool) -> None:
        """Epoch ``epoch``'s rows (with a snapshot, if ``snapshot``) are committed."""
        self._recorded_epoch = epoch
        if snapshot:
            self._last_snapshot_epoch = epoch

    def _has_snapshot_of(self, epoch: int) -> bool:
        """Whether the weights of ``epoch`` are in a snapshot that is committed or that goes in
        the same transaction as the next write (a :func:`~neural_net.db.writer.deferred_writes`
        block is open: the snapshot held by it is written with the final status or not at all;
        an ensemble's member that stops in a checkpoint epoch gets no second, 'final' copy,
        as it would not alone)."""
        if self._last_snapshot_epoch == epoch:
            return True
        return self.store.writer.held and self._queued_snapshot_epoch == epoch

    def _unrecorded_rows(self, now: Any) -> tuple[list[dict], list[dict], int | None]:
        """Rows of completed epochs the recorder did not see (a callback before it failed)."""
        return rows.history_rows(self.model, self.store.run_id, self.model.history, now, after=self._recorded_epoch,
                                 drop_nan=True)

    def on_train_end(self, logs: dict | None = None) -> None:
        """Final snapshot (unless the last epoch was just saved) and status ``finished``."""
        store, model = self.store, self.model
        settle(store.engine)  # the epochs handed to a background committer are committed (or dropped)
        now = utcnow()
        snapshots = []
        if not self._has_snapshot_of(int(model.epoch)):
            snapshots.append(store.snapshot_rows("final", now))
        epoch = int(model.epoch)
        store.writer.write(snapshots=snapshots, update_run=dict(status="finished", finished_at=now, updated_at=now,
                                                                epochs=epoch),
                           on_commit=lambda: setattr(self, "_last_snapshot_epoch", epoch))

    def on_train_failed(self, error: BaseException) -> None:
        """Status ``interrupted``/``diverged``/``failed`` with the traceback (and, unless failed,
        a final snapshot of the weights the model holds); never raises over ``error``."""
        store = self.store
        status = getattr(error, "run_status", None) or (
            "interrupted" if isinstance(error, (KeyboardInterrupt, SystemExit)) else "failed")
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))[-20000:]
        now = utcnow()
        try:
            settle(store.engine)  # what a background committer holds is committed (or dropped) first
            store.writer.rollback()
            costs, metrics, last = self._unrecorded_rows(now)
            snapshot = None  # diverged: the last finite weights; interrupted: the weights reached
            if status != "failed" and not self._has_snapshot_of(int(self.model.epoch)):
                snapshot = store.snapshot_rows("final", now)
            values = dict(status=status, error=text, finished_at=now, updated_at=now)
            if last is not None:
                values["epochs"] = last
            store.writer.write(costs=costs, metrics=metrics, snapshots=[snapshot] if snapshot is not None else [],
                               update_run=values,
                               on_commit=None if last is None else lambda: setattr(self, "_recorded_epoch", last))
        except Exception as e:  # never hide the training error behind a database one
            warn_failure(f"record the {status} status of run {store.run_id}", e)


class _EpochPlan:
    """What :meth:`Recorder.on_epoch_end_many` derives from its recorders alone, built once a
    fit: kept by the first recorder and used again while it is given the same recorders (an
    ensemble's members, every epoch; checked one by one, by identity)."""

    __slots__ = ("recorders", "engines", "policed", "policies")

    def __init__(self, recorders: Sequence[Recorder]) -> None:
        self.recorders = tuple(recorders)
        self.policies = Recorder.policies
        #: the positions of the recorders with a checkpoint policy (snapshots every k epochs, or the best)
        self.policed = [i for i, rec in enumerate(self.recorders) if rec.every is not None or rec.best_monitor is not None]
        by_engine: dict[Any, list[int]] = {}
        for i, rec in enumerate(self.recorders):
            by_engine.setdefault(rec.store.engine, []).append(i)
        #: each engine, its recorders' positions, those recorders and their rows.run_columns
        self.engines: list[tuple[Any, list[int], tuple[Recorder, ...], tuple]] = []
        for engine, positions in by_engine.items():
            recs = tuple(self.recorders[i] for i in positions)
            self.engines.append((engine, positions, recs, rows.run_columns([r._column_key or r._key() for r in recs])))

    @classmethod
    def of(cls, recorders: Sequence[Recorder]) -> "_EpochPlan":
        """The plan of ``recorders``: the one their first keeps if it is theirs, else a new one."""
        if not recorders:
            return cls(recorders)
        plan = recorders[0]._plan
        if plan is None or plan.policies != Recorder.policies or len(plan.recorders) != len(recorders) \
                or not all(map(is_, plan.recorders, recorders)):
            plan = recorders[0]._plan = cls(recorders)
        return plan
