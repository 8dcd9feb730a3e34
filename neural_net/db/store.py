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

Every write transaction is retried when SQLite answers "database is locked" (several
processes may share one file: ids are random 63-bit integers, so rows never clobber).

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

import math
import platform
import re
import time
import traceback
import warnings
from typing import Any, Callable, TypeVar

import numpy as np
import sqlalchemy
from sqlalchemy import insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..checks import check_name
from ..model import new_id
from . import process
from .codec import dumps, dumps_state, encode_matrix
from .engine import ENGINES, open_database, resolve_url
from .errors import StoreError
from .recorder import Recorder
from .schema import Architecture, Cost, Layer, Metric, Neurons, Snapshot, WeightMatrix, utcnow

#: Attempts of a write transaction that SQLite refuses with "database is locked".
RETRIES = 8
_MAX_INT64 = 2**63 - 1
_T = TypeVar("_T")


def _library_version() -> str:
    from ..version import __version__

    return __version__


def _provenance() -> dict[str, Any]:
    """The ``Architecture`` columns naming the writing process and the library versions."""
    pid, host, token = process.identity()
    return dict(pid=pid, hostname=host, process_token=token, library_version=_library_version(),
                numpy_version=np.__version__, python_version=platform.python_version(),
                sqlalchemy_version=sqlalchemy.__version__)


def _is_lock_error(e: OperationalError) -> bool:
    msg = str(getattr(e, "orig", e)).lower()
    return "locked" in msg or "busy" in msg


def retry_on_lock(fn: Callable[[], _T]) -> _T:
    """Return ``fn()``, calling it again (up to :data:`RETRIES` more times, after a growing
    pause) while it fails with SQLite's "database is locked"; other errors are raised at once."""
    delay = 0.05
    for attempt in range(RETRIES + 1):
        try:
            return fn()
        except OperationalError as e:
            if attempt == RETRIES or not _is_lock_error(e):
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")  # pragma: no cover


def _jsonable(obj: Any, what: str) -> str:
    try:
        return dumps(obj)
    except (TypeError, ValueError) as e:
        raise StoreError(f"cannot store {what}: it is not JSON-serializable ({e})") from None


def split_logs(logs: dict[str, Any]) -> list[tuple[str, str, float, int]]:
    """``(split, name, value, position)`` for each entry of an epoch's logs: ``val_x`` →
    (``'val'``, ``x``), anything else → (``'train'``, name).

    Example:
        >>> from neural_net.db.store import split_logs
        >>> split_logs({'loss': 0.5, 'accuracy': 0.9, 'val_loss': 0.6, 'lr': 0.1})
        [('train', 'loss', 0.5, 0), ('train', 'accuracy', 0.9, 1), ('val', 'loss', 0.6, 2), ('train', 'lr', 0.1, 3)]
    """
    out = []
    for pos, (key, value) in enumerate(logs.items()):
        split, name = ("val", key[4:]) if key.startswith("val_") else ("train", key)
        out.append((split, name, float(value), pos))
    return out


class Store:
    """A run stored in a database (see the module doc).

    Attributes:
        session: the SQLAlchemy :class:`~sqlalchemy.orm.Session` (``expire_on_commit=False``).
        engines: ``{url: Engine}`` of every database this process opened (``engines[db_path]``
            is this store's engine).
        db_path: the SQLAlchemy URL (``sqlite:////abs/run/model1709575905.db``).
        run_id: the run's id, ``model['id']`` (``Architecture.Architecture_id``).
        recorder: the callback that writes the training as it happens.

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
        config = _jsonable(model.get_config(), "the model configuration")
        self.model = model
        self.run_id = int(model["id"])
        self.db_path = url
        self.recorder = Recorder(self)
        self.recorder.set_model(model)
        self.checkpoint_every(checkpoint_every, best_monitor, best_mode)
        self.engine = open_database(url, create=True)
        self.engines = ENGINES
        self.session = Session(self.engine, expire_on_commit=False)
        self._seq = 0
        self._pending: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        self._cost_written = False
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

    # ----- transactions ----------------------------------------------------------------
    def _transaction(self, work: Callable[[Session], None]) -> None:
        """Run ``work(session)`` and commit, retrying on "database is locked"."""
        def attempt() -> None:
            try:
                work(self.session)
                self.session.commit()
            except BaseException:
                self.session.rollback()
                raise

        retry_on_lock(attempt)

    def _update_run(self, session: Session, **values: Any) -> None:
        session.execute(update(Architecture).where(Architecture.Architecture_id == self.run_id).values(**values))

    # ----- rows --------------------------------------------------------------------------
    def _write_initial(self, config: str) -> None:
        model, now = self.model, utcnow()
        seed = getattr(model, "seed", None)
        run = dict(id=new_id(), created_at=now, updated_at=now, name=repr(model), Architecture_id=self.run_id,
                   run_name=getattr(model, "run_name", None), status="created", epochs=int(model.epoch),
                   config=config, **_provenance(),
                   seed=int(seed) if isinstance(seed, (int, np.integer)) and abs(int(seed)) <= _MAX_INT64 else None)
        layers, neurons = [], []
        for pos, layer in enumerate(model.steps):
            layers.append(dict(Architecture_id=self.run_id, n_in=getattr(layer, "n_in", None),
                               n_out=getattr(layer, "n_out", None), id=new_id(), created_at=now, updated_at=now,
                               name=repr(layer), Layer_id=int(layer["id"]), position=pos,
                               config=_jsonable(layer.config(), f"the configuration of layer {pos}")))
            func = layer.func
            neurons.append(dict(Layer_id=int(layer["id"]), id=new_id(), created_at=now, updated_at=now,
                                name=repr(func), Neurons_id=int(func["id"]), Architecture_id=self.run_id,
                                config=_jsonable(func.config(), f"the neurons of layer {pos}")))
        costs = [self._cost_definition(now)] if model.cost is not None else []
        history_costs, history_metrics, _ = self._history_rows(model.history, now)
        snapshot = self._snapshot_rows("initial", now)
        self.initial_snapshot = (snapshot[0]["id"], [m["dtype"] for m in snapshot[1]])  # the recorder recasts it

        def work(s: Session) -> None:
            s.execute(insert(Architecture), [run])
            s.execute(insert(Layer), layers)
            s.execute(insert(Neurons), neurons)
            self._insert_epoch_rows(s, costs + history_costs, history_metrics)
            self._insert_snapshots(s, [snapshot])

        self._transaction(work)
        self._cost_written = bool(costs)

    def _cost_definition(self, now: Any) -> dict[str, Any]:
        cost = self.model.cost
        return dict(Architecture_id=self.run_id, value=None, id=new_id(), created_at=now, updated_at=now,
                    name=repr(cost), Cost_id=int(cost["id"]), epoch=None, split=None)

    def _epoch_rows(self, epoch: int, logs: dict[str, Any], now: Any) -> tuple[list[dict], list[dict]]:
        cost = self.model.cost
        cost_name = repr(cost) if cost is not None else "loss"
        cost_id = int(cost["id"]) if cost is not None else 0
        costs, metrics = [], []
        for split, name, value, pos in split_logs(logs):
            if name == "loss":
                costs.append(dict(Architecture_id=self.run_id, value=value, id=new_id(), created_at=now,
                                  updated_at=now, name=cost_name, Cost_id=cost_id, epoch=epoch, split=split))
            else:
                metrics.append(dict(id=new_id(), Architecture_id=self.run_id, epoch=epoch, split=split,
                                    name=name, value=value, position=pos, created_at=now))
        return costs, metrics

    def _history_rows(self, h: Any, now: Any, after: int | None = None,
                      drop_nan: bool = False) -> tuple[list[dict], list[dict], int | None]:
        """Cost and metric rows of the epochs of history ``h`` (only those after ``after`` when
        given; with ``drop_nan``, NaN values other than the loss left out), and the last epoch."""
        costs, metrics, last = [], [], None
        keys = list(h.history)
        for i, epoch in enumerate(h.epoch):
            if after is None or epoch > after:
                logs = {k: h.history[k][i] for k in keys
                        if not drop_nan or k == "loss" or not math.isnan(h.history[k][i])}
                c, m = self._epoch_rows(int(epoch), logs, now)
                costs += c
                metrics += m
                last = int(epoch)
        return costs, metrics, last

    @staticmethod
    def _insert_epoch_rows(s: Session, costs: list[dict[str, Any]], metrics: list[dict[str, Any]]) -> None:
        if costs:
            s.execute(insert(Cost), costs)
        if metrics:
            s.execute(insert(Metric), metrics)

    def _snapshot_rows(self, tag: str | None, now: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        model = self.model
        epoch = int(model.epoch)
        snap_id, seq = new_id(), self._seq
        self._seq += 1
        matrices, n_params = [], 0
        for pos, layer in enumerate(model.steps):
            W = getattr(layer.func, "W", None)
            if W is None:
                continue
            W = np.asarray(W)
            if W.ndim != 2:
                raise StoreError(f"cannot store the weights of layer {pos}: expected a matrix, got shape {W.shape}")
            values, nonfinite = encode_matrix(W)
            n_params += W.size
            matrices.append(dict(id=new_id(), snapshot_id=snap_id, Architecture_id=self.run_id,
                                 Layer_id=int(layer["id"]), Neurons_id=int(layer.func["id"]), position=pos,
                                 seq=seq, epoch=epoch, n_rows=W.shape[0], n_cols=W.shape[1], dtype=W.dtype.name,
                                 matrix=values, nonfinite=nonfinite, created_at=now))
        opt = getattr(model, "optimizer", None)
        optimizer = dumps_state(opt.state_dict()) if opt is not None else None
        rng = getattr(model, "rng", None)
        rng_state = _jsonable(rng.bit_generator.state, "the generator state") if rng is not None else None
        snapshot = dict(id=snap_id, Architecture_id=self.run_id, seq=seq, epoch=epoch, tag=tag, created_at=now,
                        n_params=n_params, optimizer=optimizer, rng=rng_state)
        return snapshot, matrices

    @staticmethod
    def _insert_snapshots(s: Session, snapshots: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
        if not snapshots:
            return
        s.execute(insert(Snapshot), [snap for snap, _ in snapshots])
        matrices = [m for _, ms in snapshots for m in ms]
        if matrices:
            s.execute(insert(WeightMatrix), matrices)

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
        self._pending.append(self._snapshot_rows(tag, utcnow()))

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

        def work(s: Session) -> None:
            self._insert_snapshots(s, pending)
            if pending:
                self._update_run(s, updated_at=utcnow())

        self._transaction(work)
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
        _jsonable(params, "the parameters")
        self.params = {**(self.params or {}), **params}
        hyper = dict(self._stored_hyperparams() or {})
        hyper["params"] = self.params
        text = _jsonable(hyper, "the hyper-parameters")
        self._transaction(lambda s: self._update_run(s, hyperparams=text, updated_at=utcnow()))

    def _stored_hyperparams(self) -> dict[str, Any] | None:
        from .codec import loads

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
        from sqlalchemy import func

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
        self._transaction(lambda s: self._update_run(s, parent_id=int(run_id), parent_epoch=int(epoch)))

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
        self.session.close()

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
    return Store(model, resolve_url(target), **options)


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
    now, rid = utcnow(), new_id()
    row = dict(id=new_id(), created_at=now, updated_at=now, name="Sequential", Architecture_id=rid,
               run_name=None if name is None else str(name), status="failed", epochs=0, started_at=now,
               finished_at=now, error=str(error), **_provenance(),
               config=_jsonable({"steps": [], "cost": None, "name": name}, "the configuration"),
               hyperparams=_jsonable({"params": params} if params is not None else {}, "the parameters"))

    def write() -> None:
        with engine.begin() as c:
            c.execute(insert(Architecture.__table__), [row])

    retry_on_lock(write)
    return rid


def warn_failure(what: str, error: BaseException) -> None:
    """Warn (not raise) about a store write that failed while handling another error.

    Example:
        >>> import warnings
        >>> from neural_net.db.store import warn_failure
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always"); warn_failure("save", OSError("disk full"))
        >>> str(w[0].message)
        'neural_net.db: could not save: OSError: disk full'
    """
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    warnings.warn(f"neural_net.db: could not {what}: {detail}", RuntimeWarning, stacklevel=3)
