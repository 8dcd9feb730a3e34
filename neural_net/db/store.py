"""The Store: one training run of one ``Sequential``, written to a database as it happens.

A network built with ``store=...`` (or after ``Define._Define__store = True``) calls
:func:`store_factory` (registered as ``neural_net.stored.STORE_FACTORY``) and keeps the
returned :class:`Store` in ``model.store``. On creation the store validates the target, makes
the database at the head schema revision if it is new, and commits in one transaction the
run (``Architecture``), its layers, their neurons, the cost definition (``value`` NULL), the
history the model already has, and a first weight snapshot (tag ``'initial'``).

Then ``store.recorder`` — a :class:`~neural_net.callbacks.Callback` the training loop calls —
writes each epoch in one short transaction (see :mod:`neural_net.db.recorder`), and the
seed's ``updateW()`` / ``commit()`` stage and commit snapshots by hand.

Rows are built by :mod:`neural_net.db.rows` and written by the store's
:class:`~neural_net.db.writer.RunWriter` (``store.writer``), which the recorder shares; every
write transaction is retried when SQLite answers "database is locked".

Example:
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Fullyconnected, Activation
    >>> from neural_net.init_funcs import zeros
    >>> from neural_net.activation import σ
    >>> from neural_net.cost import BinaryCrossEntropy
    >>> import neural_net.db
    >>> net = Sequential([Fullyconnected(2, 50, zeros), Activation(σ)], BinaryCrossEntropy, store="sqlite://")
    >>> net.store.run_id == net['id'], net.db_path
    (True, 'sqlite://')
    >>> from sqlalchemy import text
    >>> with net.engines[net.db_path].connect() as c:
    ...     c.execute(text(f"SELECT count(*), AVG(value) FROM weight WHERE neurons_id = {net['steps'][0].func['id']}")).one()
    (150, 0.0)
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select

from ..checks import check_name
from ..model import new_id
from . import rows
from .codec import loads
from .engine import ENGINES, discard_reserved, open_database, resolve_url
from .recorder import Recorder
from .schema import Architecture, Param, Snapshot, utcnow
from .commit_thread import background_commits
from .writer import RunWriter, commit_soon, deferred_writes, retry_on_lock, settle

class Store:
    """A run stored in a database (see the module doc).

    Attributes:
        session: the SQLAlchemy :class:`~sqlalchemy.orm.Session` (``expire_on_commit=False``).
        engines: ``{url: Engine}`` of every database this process opened (``engines[db_path]``
            is this store's engine).
        db_path: the SQLAlchemy URL (``sqlite:////abs/run/model1709575905.db``).
        run_id: the run's id, ``model['id']`` (``Architecture.Architecture_id``).
        recorder: the callback that writes the training as it happens.
        writer: the :class:`~neural_net.db.writer.RunWriter` through which the store and the
            recorder write every row.

    Args:
        model: the ``Sequential`` to store.
        url: a SQLAlchemy URL (see :func:`neural_net.db.engine.resolve_url`).
        checkpoint_every: snapshot the weights every ``k`` epochs while training.
        best_monitor: snapshot (tag ``'best'``) whenever this log value improves, e.g. ``'val_loss'``.
        best_mode: ``'min'``, ``'max'`` or ``'auto'`` (:func:`~neural_net.callbacks.base.auto_mode`).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.store import Store
        >>> net = Sequential([Dense(1, activation='sigmoid', input_dim=2)], 'bce')
        >>> store = Store(net, "sqlite://")
        >>> store.update_weights(tag="manual"); store.commit()
        >>> store.snapshot_count()
        2
    """

    def __init__(self, model: Any, url: str, *, checkpoint_every: int | None = None,
                 best_monitor: str | None = None, best_mode: str = "auto") -> None:
        for attr in ("steps", "get_config", "id", "epoch", "history", "rng"):
            if not hasattr(model, attr):
                raise TypeError(f"Store: model must be a neural_net Sequential, got {type(model).__name__} "
                                f"(no {attr!r})")
        config = rows.jsonable(model.get_config(), "the model configuration")
        self.model = model
        self.run_id = int(model["id"])
        self.db_path = url
        self.recorder = Recorder(self)
        self.recorder.set_model(model)
        self.checkpoint_every(checkpoint_every, best_monitor, best_mode)
        self.engine = open_database(url, create=True)
        self.engines = ENGINES
        self.writer = RunWriter(self.engine, self.run_id)
        self.session = self.writer.session
        self._pending: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        self.params: dict[str, Any] | None = None
        self._write_initial(config)

    # ----- configuration ---------------------------------------------------------------
    def checkpoint_every(self, k: int | None, best_monitor: str | None = None, mode: str = "auto") -> "Store":
        """While training, snapshot the weights every ``k`` epochs (``None``: only at the
        end) and, with ``best_monitor`` (e.g. ``'val_loss'``), each time it improves
        (tag ``'best'``). Returns the store.

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> net.store.checkpoint_every(5, best_monitor="loss") is net.store
            True
        """
        if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
            raise ValueError(f"checkpoint_every: k must be a positive int or None, got {k!r}")
        if best_monitor is not None and not isinstance(best_monitor, str):
            raise TypeError(f"checkpoint_every: best_monitor must be a log name such as 'val_loss', got {best_monitor!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"checkpoint_every: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.recorder.configure(None if k is None else int(k), best_monitor, mode)
        return self

    # ----- rows --------------------------------------------------------------------------
    def _write_initial(self, config: str) -> None:
        model, now, rid = self.model, utcnow(), self.run_id
        layers, neurons = rows.layer_rows(model, rid, now)
        costs = [rows.cost_definition(model, rid, now)] if model.cost is not None else []
        history_costs, history_metrics, _ = rows.history_rows(model, rid, model.history, now)
        snapshot = self.snapshot_rows("initial", now)
        self.initial_snapshot = (snapshot[0]["id"], [m["dtype"] for m in snapshot[1]])  # the recorder recasts it
        self.writer.write(run=rows.run_row(model, rid, config, now), layers=layers, neurons=neurons,
                          costs=costs + history_costs, metrics=history_metrics, snapshots=[snapshot],
                          tags=rows.tag_rows(model, rid))
        self.writer.cost_written = bool(costs)

    def snapshot_rows(self, tag: str | None, now: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The rows of a snapshot of the model as it is now (the run's next ``seq``).

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> net.store.snapshot_rows("manual", None)[0]["seq"]
            1
        """
        return rows.snapshot_rows(self.model, self.run_id, self.writer.next_seq(), tag, now)

    # ----- the seed's API ------------------------------------------------------------------
    def update_weights(self, tag: str | None = None) -> None:
        """Stage a snapshot of every weight matrix (tagged with ``model.epoch`` and ``tag``),
        with the optimizer state and the generator state, so that a model rebuilt from it
        resumes bit for bit. :meth:`commit` writes it (the seed's ``updateW()``).

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> net.updateW(); net.commit(); net.store.snapshot_count()
            2
        """
        self._pending.append(self.snapshot_rows(tag, utcnow()))

    def commit(self) -> None:
        """Write the staged snapshots and commit the session (retrying while the database is
        locked). Also refreshes the run's heartbeat.

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> net.commit()
        """
        pending = list(self._pending)
        self.writer.insert_snapshots(pending, **({"updated_at": utcnow()} if pending else {}))
        self._pending.clear()

    def record_params(self, params: dict[str, Any]) -> None:
        """Save user parameters (JSON-able, e.g. a sweep's grid point) with the run's
        hyper-parameters, under ``'params'``; they are kept by later trainings.

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> from neural_net.db import run_info
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> net.store.record_params({'units': 1, 'lr': 0.1})
            >>> run_info("sqlite://", net['id'])['hyperparams']
            {'params': {'units': 1, 'lr': 0.1}}
        """
        if not isinstance(params, dict):
            raise TypeError(f"record_params: params must be a dict, got {type(params).__name__}")
        for key in params:
            check_name(key, "record_params: parameter name")
        rows.jsonable(params, "the parameters")
        self.params = {**(self.params or {}), **params}
        hyper = dict(self._stored_hyperparams() or {})
        hyper["params"] = self.params
        self.writer.write(update_run=dict(hyperparams=rows.jsonable(hyper, "the hyper-parameters"), updated_at=utcnow()),
                          params=rows.param_rows(self.run_id, hyper))

    def _stored_hyperparams(self) -> dict[str, Any] | None:
        with self.engine.connect() as c:
            text = c.scalar(select(Architecture.hyperparams).where(Architecture.Architecture_id == self.run_id))
        return loads(text, "the stored hyper-parameters")

    # ----- helpers for the recorder and the readers ------------------------------------------
    def snapshot_count(self) -> int:
        """Number of committed snapshots of this run.

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://").store.snapshot_count()
            1
        """
        with self.engine.connect() as c:  # not the session: leave no transaction open
            return int(c.scalar(select(func.count()).select_from(Snapshot)
                                .where(Snapshot.Architecture_id == self.run_id)) or 0)

    def set_parent(self, run_id: int, epoch: int) -> None:
        """Record that this run continues run ``run_id`` from its snapshot at ``epoch``
        (:func:`neural_net.db.load_model` with ``store=`` does it).

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> from neural_net.db import run_info
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> net.store.set_parent(42, 3); run_info("sqlite://", net['id'])['parent_epoch']
            3
        """
        self.writer.update_run(parent_id=int(run_id), parent_epoch=int(epoch))

    def deferred(self) -> Any:
        """A context manager: what every run on this store's database writes in this thread
        within the block (its recorder's epochs, snapshots, status) is written in ONE
        transaction when the block ends, or — if the block raises or the commit fails — not at
        all (see :func:`neural_net.db.writer.deferred_writes`). An
        :class:`~neural_net.ensemble.Ensemble` opens one per epoch for its members.

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> nets = [Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://") for _ in range(2)]
            >>> with nets[0].store.deferred():
            ...     for net in nets:
            ...         net.updateW(); net.commit()
            ...     nets[0].store.snapshot_count()  # not yet written
            1
            >>> [net.store.snapshot_count() for net in nets]
            [2, 2]
        """
        return deferred_writes(self.engine)

    def background(self) -> Any:
        """A context manager: within it, the :meth:`deferred` blocks of every run on this
        store's database are committed in the background (a process of their own for a SQLite
        file, else a thread), in order, while this thread
        goes on (see :func:`neural_net.db.commit_thread.background_commits`). An
        :class:`~neural_net.ensemble.Ensemble` opens one around its ``fit``.

        Example:
            >>> import os, tempfile
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> url = os.path.join(tempfile.mkdtemp(), "bg.db")
            >>> nets = [Sequential([Dense(1, input_dim=2)], 'mse', store=url) for _ in range(2)]
            >>> with nets[0].store.background(), nets[0].store.deferred():
            ...     for net in nets:
            ...         net.updateW(); net.commit()
            >>> [net.store.snapshot_count() for net in nets]
            [2, 2]
        """
        return background_commits(self.engine)

    def settle(self) -> None:
        """Wait until the blocks this thread handed to the database's background committer
        (:meth:`background`) are committed, and raise the failure of one of them not yet
        raised: an :class:`~neural_net.ensemble.Ensemble` calls it after its last epoch, so
        that a failed commit fails the fit before its members are marked finished.

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://").store.settle()
        """
        settle(self.engine, report=True)

    def commit_soon(self) -> None:
        """Ask the database's background committer (:meth:`background`) to commit what this
        thread handed to it without waiting for more blocks to group with it; this does not
        wait. An :class:`~neural_net.ensemble.Ensemble` calls it in the last moments of its
        ``fit``, so that little is left to wait for when it ends.

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://").store.commit_soon()
        """
        commit_soon(self.engine)

    def close(self) -> None:
        """Close the session (staged, uncommitted snapshots are dropped). The engine stays in
        :attr:`engines` for other users in the process.

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> net.updateW(); net.store.close(); net.store.snapshot_count()
            1
        """
        self._pending.clear()
        self.writer.close()  # checkpoints: a copy of the file alone then has every committed row

    def __repr__(self) -> str:
        return f"Store({self.db_path!r}, run_id={self.run_id})"


_OPTION_KEYS = ("url", "dir", "path", "checkpoint_every", "best_monitor", "best_mode")


def store_factory(model: Any, target: Any = True) -> Store:
    """Open a :class:`Store` for ``model`` from a ``store=`` target: ``True``, a URL, a directory,
    a ``.db`` path, or a dict of options ``{'url' | 'dir' | 'path': ..., 'checkpoint_every': k,
    'best_monitor': 'val_loss', 'best_mode': 'min'}``.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store={'url': 'sqlite://', 'checkpoint_every': 2})
        >>> net.store.recorder.every
        2
    """
    options: dict[str, Any] = {}
    if isinstance(target, dict):
        unknown = sorted(set(target) - set(_OPTION_KEYS))
        if unknown:
            raise ValueError(f"store options: unknown keys {unknown}; known: {list(_OPTION_KEYS)}")
        places = [k for k in ("url", "dir", "path") if target.get(k) is not None]
        if len(places) > 1:
            raise ValueError(f"store options: give one of 'url', 'dir' or 'path', got {places}")
        options = {k: target[k] for k in ("checkpoint_every", "best_monitor", "best_mode") if k in target}
        target = target[places[0]] if places else True
    url = resolve_url(target)
    try:
        return Store(model, url, **options)
    except BaseException:
        discard_reserved(url)  # leave no empty file behind
        raise


def sweep_target(target: Any, name: str = "sweep") -> str:
    """One URL for all the runs of a sweep: ``True`` → a new file ``<name><unix-seconds>.db``
    in ``$NEURAL_NET_RUN_DIR`` (default ``./run``); a directory → that file in it; a ``.db``
    path or a URL → itself. A string, so it can be sent to worker processes.

    Example:
        >>> import tempfile
        >>> from neural_net.db import sweep_target
        >>> sweep_target(tempfile.mkdtemp(), "grid").split("/")[-1][:4]
        'grid'
        >>> sweep_target("sqlite://")
        'sqlite://'
    """
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", str(name)).strip("_") or "sweep"
    return resolve_url(target, stem)


def record_failed_run(target: Any, name: str, params: dict[str, Any] | None, error: str) -> int:
    """Record a run that failed before it had a model (e.g. a sweep's ``build_fn`` raised):
    an ``Architecture`` row with status ``'failed'``, the error text and ``params``; returns its
    run id. Its configuration has no steps, so it cannot be loaded as a model.

    Example:
        >>> from neural_net.db import record_failed_run, run_info
        >>> rid = record_failed_run("sqlite://", "sweep[3]", {"units": 0}, "ValueError: units must be > 0")
        >>> info = run_info("sqlite://", rid); info['status'], info['run_name'], info['hyperparams']
        ('failed', 'sweep[3]', {'params': {'units': 0}})
    """
    url = resolve_url(target)
    engine = open_database(url, create=True)
    rid = new_id()
    row = rows.failed_run_row(rid, name, params, error, utcnow())
    param_rows = rows.param_rows(rid, {"params": params} if params is not None else None)

    def write() -> None:
        with engine.begin() as c:
            c.execute(insert(Architecture.__table__), [row])
            if param_rows:
                c.execute(insert(Param.__table__), param_rows)

    retry_on_lock(write)
    return rid
