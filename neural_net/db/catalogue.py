"""The catalogue: one row per run across every database of a run directory (or a server).

:func:`catalogue` is what :func:`neural_net.db.list_runs` returns: the rows of
:mod:`neural_net.db.catalogue_rows` (which ``neural-net runs`` prints as they are, without
pandas) as a DataFrame. A directory of SQLite files is read quickly: each file with the standard
:mod:`sqlite3` module on a connection that cannot write (a settled file through ``immutable=1``,
checked unchanged afterwards; others ``mode=ro`` or ``PRAGMA query_only``: see
:mod:`neural_net.db.sqlite_readonly`), its schema revision checked and its tables read (never a
view stored in the file), in a pool of threads — with :func:`runs`, its parameters, tags, layer
widths and metrics through the same connection; no SQLAlchemy engine is made per file (see
``benchmarks/bench_catalogue.py`` and ``benchmarks/README.md`` for timings). A file the fast path
cannot read as a current neural_net database goes through the full check of
:func:`neural_net.db.engine.open_database`, so a foreign, corrupt, outdated or newer file is
reported with the same message as everywhere else. A file that stays locked by another process
for ``lock_timeout`` seconds is reported as locked.

A server (a PostgreSQL URL) is read through SQLAlchemy.

With several databases, a file that cannot be read is *skipped* and reported through
``on_skip(path, reason)`` (by default a :class:`RuntimeWarning`
``"neural_net.db: skipping PATH: REASON"``); with a single database the error is raised.

Example:
    >>> import numpy, tempfile, os
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db.catalogue import catalogue
    >>> d = tempfile.mkdtemp()
    >>> for name in ("alpha", "beta"):
    ...     net = Sequential([Dense(1, input_dim=2)], 'mse', store=os.path.join(d, name + ".db"), name=name)
    ...     _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=2, verbose=0)
    >>> open(os.path.join(d, "notes.db"), "w").write("not a database")
    14
    >>> skipped = []
    >>> runs = catalogue(d, on_skip=lambda path, reason: skipped.append(os.path.basename(path)))
    >>> runs[["name", "status", "epochs"]].values.tolist(), skipped
    ([['alpha', 'finished', 2], ['beta', 'finished', 2]], ['notes.db'])
    >>> catalogue(d, name="al*", on_skip=lambda p, r: None).name.tolist()
    ['alpha']
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .catalogue_rows import (LOCK_TIMEOUT, RUN_COLUMNS, WORKERS, EngineContext, OnSkip, read_sources, run_records,
                             warn_skip)
from .catalogue_sql import RUN_SQL, RunExtras, collect_extras
from .errors import StoreError
from .opening import open_database
from .run_filters import filter_runs, matches, parse_where, sort_runs
from .run_match import STATUSES
from .urls import display_url, sources


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The catalogue frame of :func:`~neural_net.db.catalogue_rows.run_records`, built column by
    column (ids never through float64)."""
    data: dict[str, Any] = {k: [r[k] for r in records] for k in RUN_COLUMNS}
    for k in ("parent_id", "parent_epoch"):  # 63-bit ids with gaps: never through float64
        data[k] = pd.array(data[k], dtype="Int64")
    return pd.DataFrame(data, columns=RUN_COLUMNS)


def catalogue(source: Any, *, stale_after: float | None = None, status: str | Sequence[str] | None = None,
              name: str | None = None, on_skip: OnSkip | None = None, lock_timeout: float | None = None,
              workers: int | None = None, fast: bool = True, cache: bool = False) -> pd.DataFrame:
    """One row per run across every database of ``source`` (a URL, a ``.db`` file or a run
    directory), oldest first, with the columns of :func:`neural_net.db.list_runs`.

    Args:
        stale_after: seconds of silent heartbeat after which a ``'running'`` run of another
            host counts as ``'interrupted'``.
        status: keep runs with this status (or any of several: a list or ``'a,b'``).
        name: keep runs whose name matches (substring, or glob such as ``'mnist-*'``).
        on_skip: ``f(path, reason)`` called for each database skipped (directories only);
            default: a :class:`RuntimeWarning`.
        lock_timeout: seconds to wait for a file locked by another process (default
            :data:`LOCK_TIMEOUT`).
        workers: threads reading files (default :data:`WORKERS`).
        fast: read SQLite files with raw sqlite3 connections that cannot write (``False``:
            through SQLAlchemy engines, as before; the same result, slower).
        cache: with a run directory, keep what was read from each file in the user's cache
            directory and read next time only the files that changed
            (:mod:`neural_net.db.catalogue_cache`; ``neural-net runs`` does).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.catalogue import catalogue
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://", name="cat")
        >>> catalogue("sqlite://", name="cat")[["name", "status"]].values.tolist()
        [['cat', 'created']]
    """
    return _read_catalogue(source, stale_after=stale_after, status=status, name=name, on_skip=on_skip,
                           lock_timeout=lock_timeout, workers=workers, fast=fast, cache=cache)[0]


def _read_catalogue(source: Any, *, stale_after: float | None = None, status: str | Sequence[str] | None = None,
                    name: str | None = None, on_skip: OnSkip | None = None, lock_timeout: float | None = None,
                    workers: int | None = None, fast: bool = True, extras: bool = False,
                    cache: bool = False, limit: int | None = None,
                    engine_context: EngineContext | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`catalogue`, and ``{url: RunExtras}`` of :func:`read_sources` when ``extras``.
    ``limit``: only the first runs of the catalogue's order (in SQL for a single database
    server read unfiltered)."""
    pushed = limit if status is None and not name else None
    per_url, found = read_sources(source, on_skip=on_skip, lock_timeout=lock_timeout, workers=workers, fast=fast,
                                  extras=extras, cache=cache, limit=pushed, engine_context=engine_context)
    df = _frame(run_records(per_url, stale_after))
    if status is not None or name:
        df = filter_runs(df, status=status, name=name)
    return (df if limit is None else df.head(limit)), found


# ----- runs with their parameters and metrics ----------------------------------------------------
#: Catalogue columns holding counts or epochs (integers, missing ones as <NA>, never 50.0).
INTEGER_COLUMNS = ("run_id", "epochs", "best_epoch", "best_val_epoch", "pid", "parent_id", "parent_epoch")

def _extras(url: str, ids: list[int]) -> RunExtras:
    """Parameters, final/best metric values, tags and layers of the runs ``ids`` of the database
    ``url``, through :func:`open_database` and SQLAlchemy (servers, and files the fast path
    declined), in one transaction."""
    from sqlalchemy import text

    engine = open_database(url, create=False)
    with engine.connect() as c, c.begin():
        return collect_extras(lambda kind, sql: c.execute(text(sql)).fetchall(), ids)



def _integers(column: pd.Series) -> Any:
    """``column`` (counts, epochs, ids) as a nullable ``Int64`` array: integer and float columns
    at once (a float column holds epochs or counts, exact below 2**53), others value by value."""
    if pd.api.types.is_integer_dtype(column.dtype):
        return pd.array(column, dtype="Int64")
    if pd.api.types.is_float_dtype(column.dtype):
        values = column.to_numpy(dtype=float)
        missing = np.isnan(values)
        if np.isfinite(values[~missing]).all():
            return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)
    return pd.array([None if pd.isna(v) else int(v) for v in column], dtype="Int64")


def runs(source: Any, *, where: Any = None, order_by: str | Sequence[str] | None = None,
         status: str | Sequence[str] | None = None, name: str | None = None, stale_after: float | None = None,
         on_skip: OnSkip | None = None, cache: bool = False, limit: int | None = None,
         engine_context: EngineContext | None = None) -> pd.DataFrame:
    """One row per run of ``source`` with the catalogue's columns (:func:`catalogue`), then
    ``layers`` (the widths of its ``Fullyconnected`` layers, ``'4-16-3'``), its parameters
    (``optimizer``, ``optimizer.lr``, ``batch_size``, a sweep's grid values, ...; a parameter whose
    key is a column named here is ``params.<key>``), its tags (``tag.<key>``), then its final metric values
    (``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``, ``lr``, ...) and their best values
    (``best_<metric>``: the largest accuracy or AUC, the smallest of the others). The frame's
    ``attrs`` name which columns are ``'parameters'``, ``'tags'`` and ``'metrics'``.

    Args:
        where: keep rows matching every condition: a dict ``{column: value}`` or text such as
            ``"optimizer=adam,units=32"`` (also ``!=``, ``>``, ``<``, ``>=``, ``<=``), or a list.
        order_by: a column, ``'-column'`` for descending, or a list (missing values last).
        limit: at most this many runs, the first of the catalogue's order (oldest first), read
            before ``where`` and ``order_by`` apply, so only with neither of them; on a
            database server (one SQL database) only those runs are read (``ORDER BY ...
            LIMIT``): the first page of a large catalogue without reading all of it.
        engine_context: ``f(url)`` giving a context manager entered around each read of a
            database through SQLAlchemy (:data:`EngineContext`).

    ``source`` may also be a list of sources (their runs together). ``status``, ``name``,
    ``stale_after``, ``on_skip`` and ``cache`` filter, report and cache as for :func:`catalogue`.

    Example:
        >>> import numpy, os, tempfile
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import runs
        >>> path = os.path.join(tempfile.mkdtemp(), "sweep.db")
        >>> X, y = numpy.array([[0., 1.], [1., 0.]] * 4), numpy.array([[1.], [0.]] * 4)
        >>> for opt in ("sgd", "adam"):
        ...     net = Sequential([Dense(1, activation='sigmoid', input_dim=2)], 'bce', store=path, name=opt, seed=0)
        ...     _ = net.compile(opt, metrics=['accuracy']).fit(X, y, epochs=3, verbose=0)
        >>> best = runs(path, where="optimizer=adam", order_by="-accuracy")
        >>> best[["name", "optimizer", "epochs"]].values.tolist(), "best_accuracy" in best
        ([['adam', 'adam', 3]], True)
        >>> runs(path, limit=1).name.tolist()
        ['sgd']
        >>> from neural_net.db import set_tag
        >>> set_tag(path, best.run_id[0], "kept", "yes")
        >>> runs(path)[["name", "layers", "tag.kept"]].fillna("-").values.tolist()
        [['sgd', '2-1', '-'], ['adam', '2-1', 'yes']]
    """
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0:
            raise ValueError(f"limit must be a non-negative integer, got {limit!r}")
        if where is not None or order_by is not None:
            raise ValueError(f"limit applies to the catalogue's order before filtering: give it without where and "
                             f"order_by, got where={where!r}, order_by={order_by!r}")
    skip = on_skip or warn_skip
    base, found = _read_catalogue(source, stale_after=stale_after, status=status, name=name, on_skip=skip,
                                  extras=True, cache=cache, limit=limit, engine_context=engine_context)
    single = len(set(base.db_path)) <= 1 and len(sources(source)) == 1
    params: dict[tuple[str, int], dict[str, Any]] = {}
    metrics: dict[tuple[str, int], dict[str, float]] = {}
    tags: dict[tuple[str, int], dict[str, str]] = {}
    layers: dict[tuple[str, int], str] = {}
    bad: set[str] = set()
    by_url: dict[str, list[int]] = {}
    for url, rid in zip(base.db_path, base.run_id):
        by_url.setdefault(url, []).append(int(rid))
    for url, ids in by_url.items():
        try:
            if url in found:
                got = found[url]
            else:
                with (engine_context or nullcontext)(url):
                    got = _extras(url, ids)
        except (StoreError, OSError) as e:
            if single:
                raise
            skip(display_url(url), str(e))
            bad.add(url)
            continue
        params.update({(url, k): v for k, v in got.params.items()})
        metrics.update({(url, k): v for k, v in got.metrics.items()})
        tags.update({(url, k): v for k, v in got.tags.items()})
        layers.update({(url, k): v for k, v in got.layers.items()})
    frame = base[~base.db_path.isin(bad)].reset_index(drop=True)
    keys = list(zip(frame.db_path, frame.run_id))
    empty: dict[str, Any] = {}
    run_params = [params.get(key, empty) for key in keys]
    run_metrics = [metrics.get(key, empty) for key in keys]
    run_tags = [tags.get(key, empty) for key in keys]
    p_names = list(dict.fromkeys(k for d in run_params for k in d))
    m_names = list(dict.fromkeys(k for d in run_metrics for k in d))
    t_names = sorted({k for d in run_tags for k in d})
    columns: dict[str, Any] = {"layers": [layers.get(key) for key in keys]}
    kinds: dict[str, list[str]] = {"parameters": ["layers"], "tags": [], "metrics": ["loss", "val_loss"]}
    for k in p_names:
        name = f"params.{k}" if k in frame.columns or k == "layers" else k
        columns[name] = [d.get(k) for d in run_params]
        kinds["parameters"].append(name)
    for k in t_names:
        columns[f"tag.{k}"] = [d.get(k) for d in run_tags]
        kinds["tags"].append(f"tag.{k}")
    columns["loss"], columns["val_loss"] = frame["final_loss"], frame["final_val_loss"]
    nan = float("nan")
    for k in sorted(m_names, key=lambda k: (k.startswith("best_"), m_names.index(k))):
        if k not in columns and k not in frame.columns:
            columns[k] = [d.get(k, nan) for d in run_metrics]
            kinds["metrics"].append(k)
    frame = pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)
    for k in INTEGER_COLUMNS:
        frame[k] = _integers(frame[k])
    for column, op, wanted in parse_where(where):
        if column not in frame.columns:
            raise ValueError(f"where: no column {column!r}; columns are {', '.join(frame.columns)}")
        frame = frame[matches(frame[column], op, wanted)]
    frame = sort_runs(frame.reset_index(drop=True), order_by)
    frame.attrs.update(kinds)  # which columns are parameters, tags, metrics (a parameter may be named 'lr')
    return frame


__all__ = ["RUN_COLUMNS", "RUN_SQL", "LOCK_TIMEOUT", "WORKERS", "STATUSES", "INTEGER_COLUMNS", "OnSkip", "EngineContext",
           "warn_skip",
           "catalogue", "filter_runs", "sort_runs", "runs"]
