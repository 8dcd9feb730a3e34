"""Readers: runs, histories, layers and weights as pandas DataFrames, and models rebuilt from
any stored snapshot.

Every reader takes a ``source``: a SQLAlchemy URL, the path of a ``.db`` file, or a run
directory (every ``*.db`` file in it; files that cannot be read are skipped with a warning).
Readers never create or modify a database (:func:`delete_run` excepted).

=====================================  ======================================================
``list_runs(source)``                  one row per run (status, epochs, final/best loss, ...)
``history(source, run_id)``            epoch × [loss, accuracy, val_loss, ..., lr]
``layers(source, run_id)``             one row per layer (name, n_in, n_out, neurons, ...)
``snapshots(source, run_id)``          one row per stored snapshot (epoch, tag, ...)
``weights(source, run_id, epoch)``     long format: one row per weight of a snapshot
``weight_matrices(...)``               the snapshot's matrices as numpy arrays
``load_model(source, run_id, epoch)``  a Sequential that resumes training bit for bit
``run_info(source, run_id)``           the run's metadata (config, hyper-parameters, ...)
``delete_run(source, run_id)``         remove a run and everything it owns
=====================================  ======================================================

Each is a shortcut for :func:`neural_net.db.open_run` (``history(source, run_id)`` is
``open_run(source, run_id).history()``); :func:`list_runs` is the catalogue
(:mod:`neural_net.db.catalogue`). Rebuilding runs no code from the database
(:mod:`neural_net.db.rebuild`): anything malformed or unregistered raises
:class:`~neural_net.db.errors.StoredModelError`.

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db import history, load_model
    >>> net = Sequential([Dense(1, activation='sigmoid', input_dim=2)], 'bce', store="sqlite://", seed=0)
    >>> X = numpy.array([[0., 1.], [1., 0.]]); y = numpy.array([[1], [0]])
    >>> _ = net.fit(X, y, epochs=2, verbose=0)
    >>> history("sqlite://", net['id']).columns.tolist()
    ['loss', 'lr']
    >>> twin = load_model("sqlite://", net['id'])
    >>> twin.epoch, all(numpy.array_equal(a, b) for a, b in zip(twin.get_weights(), net.get_weights()))
    (2, True)
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .catalogue import catalogue
from .run import open_run


def list_runs(source: Any, *, stale_after: float | None = None, status: Any = None, name: str | None = None,
              on_skip: Any = None) -> pd.DataFrame:
    """One row per run across every database of ``source``, oldest first.

    Columns: ``run_id, name, status, epochs, final_loss, best_loss, started_at, db_path``, then
    ``best_epoch, final_val_loss, best_val_loss, best_val_epoch, created_at, finished_at,
    updated_at, pid, hostname, stored_status``. ``status`` is ``'interrupted'`` for a run stored
    as ``'running'`` whose process is gone (see :mod:`neural_net.db.process`; ``stale_after``
    seconds of silent heartbeat also count for runs of other hosts); ``stored_status`` is the
    value in the database.

    ``status`` keeps the runs of that status (or any of several: a list or ``'a,b'``), ``name``
    the runs whose name matches (a substring, or a glob such as ``'mnist-*'``; both
    case-insensitive). Files of a directory that cannot be read are skipped and reported
    through ``on_skip(path, reason)`` (default: a ``RuntimeWarning``). SQLite files are read
    with raw sqlite3 connections in a thread pool (see :mod:`neural_net.db.catalogue`).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import list_runs
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://", name="tiny")
        >>> runs = list_runs("sqlite://")
        >>> runs.loc[runs.run_id == net['id'], ["name", "status", "epochs"]].values.tolist()
        [['tiny', 'created', 0]]
    """
    return catalogue(source, stale_after=stale_after, status=status, name=name, on_skip=on_skip)


def run_info(source: Any, run_id: Any, *, stale_after: float | None = None) -> dict[str, Any]:
    """The run's row of ``Architecture`` as a dict, with ``config`` and ``hyperparams`` parsed,
    ``status`` as :func:`list_runs` reports it and ``db_path``.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import run_info
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> info = run_info("sqlite://", net['id']); info['status'], info['config']['cost']
        ('created', 'MSE')
    """
    return open_run(source, run_id).info_at(stale_after)


def history(source: Any, run_id: Any) -> pd.DataFrame:
    """The run's per-epoch values: index ``epoch``, columns ``loss``, metrics, ``val_loss``,
    ``val_<metric>``, ``lr`` (in the order training logged them).

    Example:
        >>> import numpy
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import history
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=3, verbose=0)
        >>> history("sqlite://", net['id']).index.tolist()
        [1, 2, 3]
    """
    return open_run(source, run_id).history()


def layers(source: Any, run_id: Any) -> pd.DataFrame:
    """One row per layer of the run, in order: ``position, Layer_id, name, n_in, n_out, neurons,
    Neurons_id, config`` (config as JSON text).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import layers
        >>> net = Sequential([Dense(3, activation='relu', input_dim=2)], 'mse', store="sqlite://")
        >>> layers("sqlite://", net['id'])[["name", "n_in", "n_out", "neurons"]].values.tolist()
        [['Fullyconnected', 2, 3, 'Σ'], ['Activation', None, None, 'ReLU']]
    """
    return open_run(source, run_id).layers()


def snapshots(source: Any, run_id: Any) -> pd.DataFrame:
    """One row per stored snapshot of the run: ``seq, epoch, tag, created_at, n_params,
    snapshot_id`` (oldest first).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import snapshots
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> snapshots("sqlite://", net['id'])[["seq", "epoch", "tag"]].values.tolist()
        [[0, 0, 'initial']]
    """
    return open_run(source, run_id).snapshots()


def weight_matrices(source: Any, run_id: Any, epoch: int | None = None) -> list[np.ndarray]:
    """The weight matrices (bias row last) of the run's snapshot at ``epoch`` (latest if None),
    in layer order, with their stored dtype.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import weight_matrices
        >>> net = Sequential([Dense(3, input_dim=2)], 'mse', store="sqlite://")
        >>> [W.shape for W in weight_matrices("sqlite://", net['id'], epoch=0)]
        [(3, 3)]
    """
    return open_run(source, run_id).weight_matrices(epoch)


def weights(source: Any, run_id: Any, epoch: int | None = None) -> pd.DataFrame:
    """The weights of the run's snapshot at ``epoch`` (latest if None) in long format: one
    row per value with ``epoch, layer`` (position), ``Layer_id, Neurons_id, row, col, value``
    (``row == n_in`` is the bias).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Fullyconnected
        >>> from neural_net.init_funcs import zeros
        >>> from neural_net.db import weights
        >>> net = Sequential([Fullyconnected(2, 50, zeros)], 'mse', store="sqlite://")
        >>> w = weights("sqlite://", net['id']); len(w), float(w["value"].mean())
        (150, 0.0)
    """
    return open_run(source, run_id).weights(epoch)


def load_model(source: Any, run_id: Any, epoch: int | None = None, *, store: Any = False) -> Any:
    """Rebuild the run's model from its snapshot at ``epoch`` (the latest if None): weights,
    optimizer (and its state), metrics, generator state, epoch counter and history, so that
    training on continues exactly as the original would have.

    With ``store`` (as ``Sequential(store=...)``), the rebuilt model is stored as a new run
    whose ``parent_id``/``parent_epoch`` name this one.

    Raises:
        RunNotFound: no such run (the message lists the runs there).
        SnapshotNotFound: no snapshot at that epoch (the message lists the stored epochs).
        StoredModelError: the stored data names unregistered things or is malformed.

    Example:
        >>> import numpy
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import load_model
        >>> net = Sequential([Dense(2, activation='relu', input_dim=2), Dense(1)], 'mse', store="sqlite://", seed=1)
        >>> net.compile('adam')  # doctest: +ELLIPSIS
        Sequential
        >>> X, y = numpy.ones((8, 2)), numpy.zeros((8, 1))
        >>> _ = net.fit(X, y, epochs=2, batch_size=4, verbose=0)
        >>> twin = load_model("sqlite://", net['id'])
        >>> _ = net.fit(X, y, epochs=3, batch_size=4, verbose=0); _ = twin.fit(X, y, epochs=3, batch_size=4, verbose=0)
        >>> all(numpy.array_equal(a, b) for a, b in zip(net.get_weights(), twin.get_weights()))
        True
    """
    return open_run(source, run_id).load_model(epoch, store=store)


def delete_run(source: Any, run_id: Any) -> None:
    """Delete the run and every row it owns (layers, neurons, costs, metrics, snapshots).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import delete_run, list_runs
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> before = len(list_runs("sqlite://")); delete_run("sqlite://", net['id'])
        >>> len(list_runs("sqlite://")) == before - 1
        True
    """
    open_run(source, run_id).delete()


def count_rows(source: Any, run_id: Any) -> dict[str, int]:
    """Rows the run owns in each table (for checks and the CLI).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.readers import count_rows
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> count_rows("sqlite://", net['id'])['snapshot']
        1
    """
    return open_run(source, run_id).count_rows()
