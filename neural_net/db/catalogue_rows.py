"""The catalogue without pandas: the databases of a source read (:func:`read_sources`: a run
directory's SQLite files through the fast path of :mod:`neural_net.db.catalogue_files` in a pool
of threads, optionally through the cache of :mod:`neural_net.db.catalogue_cache`; servers and the
files the fast path declines through :func:`~neural_net.db.opening.open_database`), and
:func:`catalogue_records`: one dict per run, oldest first — what ``neural-net runs`` prints,
without importing numpy, pandas or SQLAlchemy for a run directory. :func:`neural_net.db.catalogue.catalogue`
is the same rows as a DataFrame.

Example:
    >>> import numpy, tempfile, os
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db.catalogue_rows import catalogue_records
    >>> d = tempfile.mkdtemp()
    >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store=os.path.join(d, "a.db"), name="alpha")
    >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=2, verbose=0)
    >>> [(r["name"], r["status"], r["epochs"]) for r in catalogue_records(d)]
    [('alpha', 'finished', 2)]
"""
from __future__ import annotations

import sqlite3
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from datetime import datetime
from typing import Any, Callable, ContextManager, Sequence

from .catalogue_cache import DirectoryCache, is_run_directory
from .catalogue_files import FileLocked, fast_read, file_of, is_open_error
from .catalogue_sql import RUN_KEYS, RUN_SQL, check_run_row, collect_extras
from .clock import utcnow
from .errors import StoredModelError, StoreError, StorePathError
from .migrate import head_revision
from .opening import open_database
from .process import effective_status
from .run_match import name_matcher, status_list
from .urls import display_url, sources

#: Columns of :func:`catalogue` (and :func:`neural_net.db.list_runs`), in order.
RUN_COLUMNS = ["run_id", "name", "status", "epochs", "final_loss", "best_loss", "started_at", "db_path",
               "best_epoch", "final_val_loss", "best_val_loss", "best_val_epoch", "created_at", "finished_at",
               "updated_at", "pid", "hostname", "stored_status", "parent_id", "parent_epoch"]
#: Seconds the catalogue waits for a file another process holds locked before skipping it.
LOCK_TIMEOUT = 2.0
#: Threads reading files in parallel (SQLite releases the GIL while it reads).
WORKERS = 8

OnSkip = Callable[[str, str], None]
#: ``f(url)``: a context manager entered around each read of the database ``url`` through
#: SQLAlchemy (servers, and files the fast path declined); the dashboard's read-only engines.
EngineContext = Callable[[str], ContextManager[Any]]


def warn_skip(path: str, reason: str) -> None:
    """The default ``on_skip``: a :class:`RuntimeWarning` naming the file and the reason.

    Example:
        >>> import warnings
        >>> from neural_net.db.catalogue_rows import warn_skip
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always"); warn_skip("/runs/x.db", "it is locked")
        >>> str(w[0].message)
        'neural_net.db: skipping /runs/x.db: it is locked'
    """
    warnings.warn(f"neural_net.db: skipping {path}: {reason}", RuntimeWarning, stacklevel=4)




def _read(url: str, single: bool, on_skip: OnSkip, limit: int | None = None) -> list[tuple]:
    """The run_summary rows through :func:`open_database` and SQLAlchemy (servers, and the
    files the fast path declined); with ``limit``, only the first ``limit`` in the catalogue's
    order (``ORDER BY`` creation time and id, ``LIMIT``). A database that cannot be opened
    raises when ``single``; otherwise it, like one whose query fails, is reported and skipped."""
    try:
        engine = open_database(url, create=False)
    except Exception as e:  # a file refused by the checks (sqlite3) imports no SQLAlchemy
        if single or not is_open_error(e):
            raise
        on_skip(display_url(url), str(e))
        return []
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as c:
            sql = RUN_SQL if limit is None else (f"{RUN_SQL} ORDER BY a.created_at IS NULL, a.created_at, "
                                                 f"a.Architecture_id LIMIT {int(limit)}")
            return [check_run_row(r) for r in c.execute(text(sql)).fetchall()]
    except (SQLAlchemyError, StoredModelError) as e:
        if single and isinstance(e, StoredModelError):
            raise
        on_skip(display_url(url), str(e))
        return []


# ----- the catalogue ---------------------------------------------------------------------------
def _heartbeat(value: Any) -> datetime | None:
    if isinstance(value, str):  # SQLite returns the stored text
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


def _order(record: dict[str, Any]) -> tuple:
    """The catalogue's order: creation time (missing last), then run id."""
    created = record["created_at"]
    return created is None, "" if created is None else str(created), record["run_id"]


def run_records(per_url: list[tuple[str, list[tuple]]], stale_after: float | None) -> list[dict[str, Any]]:
    """One dict per checked row of each database (:data:`RUN_COLUMNS`, ``db_path`` its URL),
    oldest first; the effective status worked out only for rows stored as ``'running'``
    (:func:`~neural_net.db.process.effective_status`), the others keep theirs.

    Example:
        >>> from neural_net.db.catalogue_rows import run_records
        >>> from neural_net.db.catalogue_sql import RUN_KEYS
        >>> row = dict.fromkeys(RUN_KEYS); row.update(run_id=7, name="a", stored_status="finished", epochs=2)
        >>> [(r["run_id"], r["status"], r["db_path"]) for r in run_records([("sqlite://", [tuple(row.values())])], None)]
        [(7, 'finished', 'sqlite://')]
    """
    now = utcnow()
    out = []
    for url, rows in per_url:
        for row in rows:
            r = dict(zip(RUN_KEYS, row))
            stored = r["stored_status"]
            status = stored
            if stored == "running":
                heartbeat = _heartbeat(r["updated_at"]) if stale_after is not None else r["updated_at"]
                status = effective_status(stored, r["pid"], r["hostname"], r["process_token"], heartbeat, now,
                                          stale_after)
            r["status"], r["db_path"] = status, url
            out.append({k: r[k] for k in RUN_COLUMNS})
    out.sort(key=_order)
    return out


def keep_records(records: list[dict[str, Any]], status: str | Sequence[str] | None = None,
                 name: str | None = None) -> list[dict[str, Any]]:
    """The records whose ``status`` is one of ``status`` (a name, ``'a,b'`` or a list) and whose
    ``name`` matches ``name`` (:func:`~neural_net.db.run_match.name_matcher`).

    Example:
        >>> from neural_net.db.catalogue_rows import keep_records
        >>> runs = [{"name": "mnist-a", "status": "finished"}, {"name": "iris", "status": "failed"}]
        >>> [r["name"] for r in keep_records(runs, status="finished,failed", name="mn")]
        ['mnist-a']
    """
    statuses = status_list(status)
    if statuses:
        records = [r for r in records if r["status"] in statuses]
    if name:
        match = name_matcher(name)
        records = [r for r in records if match(r["name"] or "")]
    return records


def read_sources(source: Any, *, on_skip: OnSkip | None = None, lock_timeout: float | None = None,
                 workers: int | None = None, fast: bool = True, extras: bool = False, cache: bool = False,
                 limit: int | None = None, engine_context: EngineContext | None = None
                 ) -> tuple[list[tuple[str, list[tuple]]], dict[str, Any]]:
    """The checked catalogue rows (:data:`~neural_net.db.catalogue_sql.RUN_KEYS`) of each database
    of ``source`` that could be read, ``[(url, rows), ...]`` in the source's order, and
    ``{url: RunExtras}`` of :func:`~neural_net.db.catalogue_sql.collect_extras` for every SQLite
    file read by the fast path when ``extras`` (through the same connection, which is most of
    the cost of a small file; the other databases are absent from it). ``limit``: only the
    first runs of the catalogue's order, in SQL, for a single database server (pass it only
    when nothing filters the rows afterwards). Options as for :func:`catalogue_records`.

    Example:
        >>> import os, tempfile
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.catalogue_rows import read_sources
        >>> path = os.path.join(tempfile.mkdtemp(), "a.db")
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store=path, name="tiny")
        >>> per_url, found = read_sources(path, extras=True)
        >>> [(url.endswith("a.db"), [row[1] for row in rows]) for url, rows in per_url]
        [(True, ['tiny'])]
        >>> [list(extras.layers.values()) for extras in found.values()]
        [['2-1']]
    """
    lock_timeout = LOCK_TIMEOUT if lock_timeout is None else float(lock_timeout)
    urls = sources(source)
    single = len(urls) == 1
    on_skip = on_skip or warn_skip
    head = head_revision()
    # the fast path in threads; what it declines is then read in this thread, in order
    paths = [file_of(u) if fast else None for u in urls]
    results: list[tuple[list[tuple], Any] | None] = [None] * len(urls)
    found: dict[str, Any] = {}
    skipped: list[StoreError | None] = [None] * len(urls)
    kept = DirectoryCache(source, head) if cache and fast and is_run_directory(source) else None

    def read_rows(con: sqlite3.Connection) -> Any:
        con.execute("BEGIN")  # one read transaction: the runs and their extras at one commit
        rows = [check_run_row(r) for r in con.execute(RUN_SQL)]
        found = collect_extras(lambda kind, sql: con.execute(sql), [r[0] for r in rows]) if extras else None
        con.execute("COMMIT")
        return rows, found

    def read_one(i: int) -> None:
        try:
            if kept is not None:  # read, then kept
                results[i] = kept.read(paths[i], stamps[i], lock_timeout, extras)  # type: ignore[arg-type]
            else:
                results[i] = fast_read(paths[i], lock_timeout, head, read_rows)  # type: ignore[arg-type]
        except FileLocked as e:
            skipped[i] = StorePathError(f"{display_url(urls[i])}: it is locked by another process ({e}; waited "
                                        f"{lock_timeout:g} s); try again when that process is done")
        except StoredModelError as e:
            skipped[i] = StoredModelError(f"{display_url(urls[i])}: {e}")

    todo = [i for i, p in enumerate(paths) if p is not None]
    stamps: dict[int, Any] = {}
    if kept is not None:  # the files unchanged since the cache was written: none opened
        for i in todo:
            stamps[i], results[i] = kept.lookup(paths[i], extras)  # type: ignore[arg-type]
        todo = [i for i in todo if results[i] is None]
    n = min(workers or WORKERS, len(todo))
    if n > 1:
        with ThreadPoolExecutor(n) as pool:
            list(pool.map(read_one, todo))
    else:
        for i in todo:
            read_one(i)
    if kept is not None:
        kept.keep_only([p for p in paths if p is not None])
        kept.save()
    per_url: list[tuple[str, list[tuple]]] = []
    for i, url in enumerate(urls):
        if skipped[i] is not None:
            if single:
                raise skipped[i]  # type: ignore[misc]
            path = display_url(url)
            on_skip(path, str(skipped[i])[len(path) + 2:])
            continue
        result = results[i]
        if result is None:
            with (engine_context or nullcontext)(url):
                rows = _read(url, single, on_skip, limit if single else None)
        else:
            rows, found[url] = result
        per_url.append((url, rows))
    return per_url, found


def catalogue_records(source: Any, *, stale_after: float | None = None, status: str | Sequence[str] | None = None,
                      name: str | None = None, on_skip: OnSkip | None = None, lock_timeout: float | None = None,
                      workers: int | None = None, fast: bool = True, cache: bool = False) -> list[dict[str, Any]]:
    """One dict per run across every database of ``source`` (a URL, a ``.db`` file, a run
    directory or a list of those), oldest first, keyed by :data:`RUN_COLUMNS`: the rows of
    :func:`neural_net.db.catalogue.catalogue` (same arguments), as plain Python values.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.catalogue_rows import catalogue_records
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://", name="rows")
        >>> [(r["name"], r["status"]) for r in catalogue_records("sqlite://", name="rows")]
        [('rows', 'created')]
    """
    per_url, _ = read_sources(source, on_skip=on_skip, lock_timeout=lock_timeout, workers=workers, fast=fast,
                              cache=cache)
    return keep_records(run_records(per_url, stale_after), status=status, name=name)


__all__ = ["RUN_COLUMNS", "LOCK_TIMEOUT", "WORKERS", "OnSkip", "EngineContext", "warn_skip", "read_sources",
           "run_records", "keep_records", "catalogue_records"]
