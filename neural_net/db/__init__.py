"""neural_net.db — the database store: runs, weights and training histories in SQL.

Importing ``neural_net`` imports this package, which registers :func:`store_factory` as
``neural_net.stored.STORE_FACTORY`` (the engine never imports the database layer). SQLAlchemy,
Alembic and pandas are imported only when a store or a reader is first used.

Storing a run
-------------
``Sequential(steps, cost, store=TARGET)`` (or ``Define._Define__store = True``) opens a
:class:`~neural_net.db.store.Store` in ``model.store``. ``TARGET`` is

* ``True`` → ``$NEURAL_NET_DATABASE_URL`` if set, else a new file ``model<unix-seconds>.db``
  in ``$NEURAL_NET_RUN_DIR`` (default ``./run``, created);
* a SQLAlchemy URL (``'sqlite:////abs/x.db'``, ``'postgresql+psycopg://user@host/db'``);
* a ``.db`` path (that file) or another path (a directory for the timestamped file);
* a dict of options: ``{'url' | 'dir' | 'path': ..., 'checkpoint_every': k,
  'best_monitor': 'val_loss', 'best_mode': 'min'}``.

The store object: ``.session`` (SQLAlchemy Session), ``.engines`` (``{url: Engine}``),
``.db_path`` (the URL), ``.run_id`` (= ``model['id']``), ``.recorder`` (the callback that
writes each epoch), ``.update_weights(tag=None)`` (stage a snapshot, the seed's
``updateW()``), ``.commit()``, ``.checkpoint_every(k, best_monitor=None)``,
``.record_params(dict)`` (user parameters kept in the hyper-parameters), ``.close()``.
For sweeps: ``sweep_target(target, name)`` (one URL shared by all trials) and
``record_failed_run(target, name, params, error) -> run_id``.

Reading (pandas DataFrames; ``source`` = a URL, a ``.db`` path or a run directory)
-------------------------------------------------------------------------------
``open_run(source, run_id) -> StoredRun`` is the one entry to a stored run: ``.info``,
``.params`` (flattened: ``optimizer.lr``, ``units``, ...), ``.history()``, ``.layers()``,
``.snapshots()``, ``.weights(epoch)``, ``.weight_matrices(epoch)``, ``.load_model(epoch)``,
``.delete()``, ``.tags``, ``.note``, ``.set_tag(key, value)``, ``.set_note(text)``,
``.rename(name)`` (:mod:`neural_net.db.run`); ``set_tag(source, run_id, key, value)`` and
``set_note(source, run_id, text)`` are shortcuts. ``runs(source, where=..., order_by=...)`` is the
catalogue with each run's layer widths (``layers``), parameters, tags (``tag.<key>``) and final/best metrics as columns
(``runs(d, where="optimizer=adam", order_by="-val_accuracy")`` — the best run of a sweep).
The functions below are shortcuts (``history(source, run_id)`` is
``open_run(source, run_id).history()``):
``list_runs(source, stale_after=None)``, ``history(source, run_id)``,
``layers(source, run_id)``, ``snapshots(source, run_id)``,
``weights(source, run_id, epoch=None)`` (long format), ``weight_matrices(...)`` (numpy),
``run_info(source, run_id)`` (dict), ``load_model(source, run_id, epoch=None, store=False)``
(a Sequential that resumes bit for bit), ``delete_run(source, run_id)``.
``list_runs`` also filters (``status=``, ``name=`` substring or glob) and reads a directory of
a thousand run files in about a second, each through one read-only sqlite3 connection
(:mod:`neural_net.db.catalogue`, :mod:`neural_net.db.catalogue_rows`); ``neural-net runs``,
``history``, ``show`` print the same from the shell (:mod:`neural_net.cli`).

Moving runs (``neural-net export RUN --to TARGET``)
---------------------------------------------------
``export_run(source, run_id, target) -> str`` (the target URL) copies a run with all its rows
and identities to another database (SQLite ↔ PostgreSQL, or a file of its own); again, it
copies only what is new. ``copy_run(...)`` does the same and returns a report
(:mod:`neural_net.db.transfer`).

Other tools (``neural-net export RUN... --to mlflow:URI|tensorboard:DIR``, ``neural-net import``)
----------------------------------------------------------------------------------------------
``to_mlflow(source, run_ids, tracking_uri, experiment=None, snapshots='final') -> [mlflow run id]``
(:mod:`neural_net.db.mlflow_export`, extra ``mlflow``), ``to_tensorboard(source, run_ids, logdir)
-> [directory]`` (:mod:`neural_net.db.tensorboard_export`, extra ``tensorboard``),
``import_history(history_or_csv, store=True, name=None, params=None) -> run_id`` (a Keras
``History``, its dict, a ``CSVLogger`` file or a DataFrame; :mod:`neural_net.db.history_import`),
``iter_history(source, run_id, chunk_rows=10000)`` (the history in chunks, with wall times;
:mod:`neural_net.db.history_stream`).

Schema management (for the CLI: ``neural-net db upgrade PATH``)
---------------------------------------------------------------
``upgrade(url_or_path, revision='head') -> str``, ``database_state(url)`` (``.kind`` in
``missing, empty, current, outdated, newer, foreign``; ``.revision``), ``head_revision()``,
``open_database(url, create=True) -> Engine``, ``resolve_url(target)``, ``dispose(url=None)``.
Alembic can also be run by hand: ``alembic -c neural_net/alembic.ini -x url=URL upgrade head``.

Errors (all subclasses of :class:`StoreError`, with messages naming the path or run)
------------------------------------------------------------------------------------
``StorePathError`` (OSError: unwritable directory, read-only or missing file),
``NotANeuralNetDatabase`` (ValueError: not SQLite / another application's tables — left
untouched), ``SchemaOutdated`` (run ``neural-net db upgrade PATH``), ``SchemaTooNew``,
``RunNotFound`` (KeyError), ``SnapshotNotFound`` (ValueError), ``StoredModelError``
(ValueError: stored data names unregistered code or is malformed — the message names the run,
the table and the column; nothing is executed), ``UnknownRevision`` (ValueError: ``upgrade``
to a revision this version does not ship).

Concurrency: SQLite files are in WAL mode with a 30 s busy timeout and every write
transaction is retried on "database is locked"; ids are random 63-bit integers, so several
processes can share one file. A run killed with SIGKILL stays ``'running'`` in the database;
readers report it ``'interrupted'`` once its pid is gone on this host (see
:mod:`neural_net.db.process`); ``effective_status(status, pid, hostname, process_token,
updated_at, now, stale_after=None)`` is that rule, for a reader of the run rows (the dashboard):

    >>> from datetime import datetime
    >>> import neural_net.db as db
    >>> db.effective_status('running', 2**22 + 12345, None, None, None, datetime(2024, 3, 4))
    'running'
    >>> db.effective_status('finished', None, None, None, None, datetime(2024, 3, 4))
    'finished'

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> import neural_net.db as db
    >>> net = Sequential([Dense(4, activation='relu', input_dim=2), Dense(1, activation='sigmoid')],
    ...                  'bce', store="sqlite://", seed=0, name="xor")
    >>> _ = net.compile('adam', metrics=['accuracy'])
    >>> X = numpy.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); y = numpy.array([[0], [1], [1], [0]])
    >>> _ = net.fit(X, y, epochs=5, batch_size=2, verbose=0)
    >>> runs = db.list_runs("sqlite://")
    >>> runs.loc[runs.run_id == net['id'], ["name", "status", "epochs"]].values.tolist()
    [['xor', 'finished', 5]]
    >>> db.history("sqlite://", net['id']).columns.tolist()
    ['loss', 'accuracy', 'lr']
"""
from __future__ import annotations

from typing import Any

from .. import stored as _stored

__all__ = [
    "store_factory", "Store", "Recorder", "sweep_target", "record_failed_run",
    "open_run", "StoredRun", "set_tag", "set_note", "runs", "list_runs", "history", "layers", "snapshots", "weights", "weight_matrices", "run_info", "load_model",
    "delete_run", "export_run", "copy_run", "upgrade", "database_state", "head_revision", "open_database",
    "resolve_url", "dispose", "to_mlflow", "to_tensorboard", "import_history", "iter_history",
    "ENGINES", "StoreError", "StorePathError", "NotANeuralNetDatabase", "SchemaOutdated", "SchemaTooNew",
    "RunNotFound", "SnapshotNotFound", "StoredModelError", "UnknownRevision", "effective_status",
]

_LAZY = {
    "Store": "store", "store_factory": "store", "Recorder": "recorder", "sweep_target": "store",
    "record_failed_run": "store",
    "open_run": "run", "StoredRun": "run", "set_tag": "run", "set_note": "run", "runs": "catalogue", "list_runs": "readers", "history": "readers", "layers": "readers", "snapshots": "readers",
    "weights": "readers", "weight_matrices": "readers", "run_info": "readers", "load_model": "readers",
    "delete_run": "readers", "export_run": "transfer", "copy_run": "transfer",
    "upgrade": "engine", "database_state": "engine", "open_database": "engine", "resolve_url": "engine",
    "dispose": "engine", "ENGINES": "engine",
    "head_revision": "migrate",
    "to_mlflow": "mlflow_export", "to_tensorboard": "tensorboard_export", "import_history": "history_import",
    "iter_history": "history_stream", "effective_status": "process",
    "StoreError": "errors", "StorePathError": "errors", "NotANeuralNetDatabase": "errors",
    "SchemaOutdated": "errors", "SchemaTooNew": "errors", "RunNotFound": "errors",
    "SnapshotNotFound": "errors", "StoredModelError": "errors", "UnknownRevision": "errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'neural_net.db' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _factory(model: Any, target: Any) -> Any:
    """``STORE_FACTORY``: open a Store for ``model`` (imports SQLAlchemy on first use)."""
    from .store import store_factory

    return store_factory(model, target)


_stored.STORE_FACTORY = _factory
