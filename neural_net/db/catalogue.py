"""The catalogue: one row per run across every database of a run directory (or a server).

:func:`catalogue` is what :func:`neural_net.db.list_runs` and ``neural-net runs`` return. A
directory of SQLite files is read quickly: each file is opened with the standard
:mod:`sqlite3` module (``PRAGMA query_only``, or ``mode=ro`` for files not in WAL mode), its
schema revision checked and its ``run_summary`` view read, in a pool of threads; no
SQLAlchemy engine is made per file (1,000 run files list in about a second, against four to
six through an engine per file; see ``benchmarks/bench_catalogue.py``). A file the fast path cannot read as a current neural_net database goes
through the full check of :func:`neural_net.db.engine.open_database`, so a foreign, corrupt,
outdated or newer file is reported with the same message as everywhere else. A file that
stays locked by another process for ``lock_timeout`` seconds is reported as locked.

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

import fnmatch
import sqlite3
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import quote

import pandas as pd

from .engine import _SQLITE_MAGIC, open_database, sqlite_file
from .errors import StoreError, StorePathError
from .migrate import head_revision
from .process import effective_status
from .readers import RUN_COLUMNS, _RUN_SQL, _show, sources
from .schema import utcnow

#: Seconds the catalogue waits for a file another process holds locked before skipping it.
LOCK_TIMEOUT = 2.0
#: Threads reading files in parallel (SQLite releases the GIL while it reads).
WORKERS = 8

#: Statuses a run can have in the catalogue (``status`` column).
STATUSES = ("created", "running", "finished", "failed", "interrupted", "diverged")

OnSkip = Callable[[str, str], None]


def warn_skip(path: str, reason: str) -> None:
    """The default ``on_skip``: a :class:`RuntimeWarning` naming the file and the reason.

    Example:
        >>> import warnings
        >>> from neural_net.db.catalogue import warn_skip
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always"); warn_skip("/runs/x.db", "it is locked")
        >>> str(w[0].message)
        'neural_net.db: skipping /runs/x.db: it is locked'
    """
    warnings.warn(f"neural_net.db: skipping {path}: {reason}", RuntimeWarning, stacklevel=4)


class _Locked(Exception):
    pass


def _is_locked(e: BaseException) -> bool:
    msg = str(e).lower()
    return "locked" in msg or "busy" in msg


# ----- reading one database ------------------------------------------------------------------
def _file_of(url: str) -> str | None:
    """The path of a ``sqlite:////abs/path`` URL without parsing it (None for others)."""
    if url.startswith("sqlite:////") and "?" not in url:
        return url[len("sqlite:///"):]
    path = sqlite_file(url) if url.startswith("sqlite") else None
    return None if path is None else str(path)


def _fast_rows(path: str, lock_timeout: float, head: str) -> list[tuple] | None:
    """The run_summary rows of the SQLite file ``path``, read with one sqlite3 connection, or
    None when it is not a neural_net database at schema revision ``head`` (the caller then
    takes the full path of :func:`open_database`, which says why). Raises :class:`_Locked`
    when the file stays locked by another process.

    A file in rollback-journal mode is opened read-only (``mode=ro``). A file in WAL mode
    (every file the store makes) is opened as every neural_net reader opens it, with
    ``PRAGMA query_only``: a read-only connection would have to create its ``-wal`` and
    ``-shm`` files and could not remove them, leaving two stray files per run file.
    """
    try:
        with open(path, "rb") as f:
            header = f.read(20)
    except OSError:
        return None
    if len(header) < 20 or header[:16] != _SQLITE_MAGIC:
        return None
    wal = header[18] == 2
    uri = f"file:{quote(path)}" + ("" if wal else "?mode=ro")
    try:
        con = sqlite3.connect(uri, uri=True, timeout=lock_timeout, check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        if wal:
            con.execute("PRAGMA query_only = ON")
        revs = con.execute("SELECT version_num FROM alembic_version").fetchall()
        if len(revs) != 1 or revs[0][0] != head:
            return None
        return con.execute(_RUN_SQL).fetchall()
    except sqlite3.OperationalError as e:
        if _is_locked(e):
            raise _Locked(str(e)) from None
        return None
    except sqlite3.Error:
        return None
    finally:
        con.close()


def _read(url: str, single: bool, on_skip: OnSkip) -> list[tuple]:
    """The run_summary rows through :func:`open_database` and SQLAlchemy (servers, and the
    files the fast path declined). A database that cannot be opened raises when ``single``;
    otherwise it, like one whose query fails, is reported and skipped."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = open_database(url, create=False)
    except (StoreError, SQLAlchemyError, OSError) as e:
        if single:
            raise
        on_skip(_show(url), str(e))
        return []
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.execute(text(_RUN_SQL))]
    except SQLAlchemyError as e:
        on_skip(_show(url), str(e))
        return []


# ----- the catalogue ---------------------------------------------------------------------------
def _heartbeat(value: Any) -> datetime | None:
    if isinstance(value, str):  # SQLite returns the stored text
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


def _frame(per_url: Iterable[tuple[str, list[tuple]]], stale_after: float | None) -> pd.DataFrame:
    keys = ["run_id", "name", "stored_status", "epochs", "final_loss", "best_loss", "best_epoch", "final_val_loss",
            "best_val_loss", "best_val_epoch", "created_at", "started_at", "finished_at", "updated_at", "pid",
            "hostname", "process_token"]
    now = utcnow()
    records: list[dict[str, Any]] = []
    for url, rows in per_url:
        for row in rows:
            r = dict(zip(keys, row))
            r["db_path"] = url
            heartbeat = _heartbeat(r["updated_at"]) if stale_after is not None else r["updated_at"]
            r["status"] = effective_status(r["stored_status"], r["pid"], r["hostname"], r.pop("process_token"),
                                           heartbeat, now, stale_after)
            records.append(r)
    df = pd.DataFrame(records, columns=RUN_COLUMNS)
    if len(df):
        df = df.sort_values(["created_at", "run_id"], kind="stable").reset_index(drop=True)
    return df


def _as_list(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def filter_runs(runs: pd.DataFrame, *, status: str | Sequence[str] | None = None,
                name: str | None = None) -> pd.DataFrame:
    """The rows of a catalogue whose ``status`` is one of ``status`` (a name, a comma-separated
    list or a list) and whose ``name`` matches ``name``: a glob (``*``, ``?``, ``[...]``) matched
    against the whole name, otherwise a substring; both case-insensitive.

    Example:
        >>> import pandas as pd
        >>> from neural_net.db.catalogue import filter_runs
        >>> runs = pd.DataFrame({"name": ["mnist-a", "iris", "mnist-b"], "status": ["finished", "failed", "running"]})
        >>> filter_runs(runs, name="mnist").name.tolist(), filter_runs(runs, name="*-b").name.tolist()
        (['mnist-a', 'mnist-b'], ['mnist-b'])
        >>> filter_runs(runs, status="finished,running").name.tolist()
        ['mnist-a', 'mnist-b']
    """
    keep = pd.Series(True, index=runs.index)
    statuses = _as_list(status)
    if statuses:
        unknown = sorted(set(statuses) - set(STATUSES))
        if unknown:
            raise ValueError(f"unknown status {unknown[0]!r}; statuses are {', '.join(STATUSES)}")
        keep &= runs["status"].isin(statuses)
    if name:
        pattern = str(name).lower()
        names = runs["name"].fillna("").astype(str).str.lower()
        if any(ch in pattern for ch in "*?["):
            keep &= names.map(lambda n: fnmatch.fnmatchcase(n, pattern))
        else:
            keep &= names.str.contains(pattern, regex=False)
    return runs[keep].reset_index(drop=True)


def catalogue(source: Any, *, stale_after: float | None = None, status: str | Sequence[str] | None = None,
              name: str | None = None, on_skip: OnSkip | None = None, lock_timeout: float | None = None,
              workers: int | None = None, fast: bool = True) -> pd.DataFrame:
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

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.catalogue import catalogue
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://", name="cat")
        >>> catalogue("sqlite://", name="cat")[["name", "status"]].values.tolist()
        [['cat', 'created']]
    """
    lock_timeout = LOCK_TIMEOUT if lock_timeout is None else float(lock_timeout)
    urls = sources(source)
    single = len(urls) == 1
    on_skip = on_skip or warn_skip
    head = head_revision()
    # the fast path in threads; what it declines is then read in this thread, in order
    paths = [_file_of(u) if fast else None for u in urls]
    results: list[list[tuple] | None] = [None] * len(urls)
    skipped: list[tuple[str, str] | None] = [None] * len(urls)

    def fast_read(i: int) -> None:
        try:
            results[i] = _fast_rows(paths[i], lock_timeout, head)  # type: ignore[arg-type]
        except _Locked as e:
            skipped[i] = (_show(urls[i]), f"it is locked by another process ({e}; waited {lock_timeout:g} s); "
                                          "try again when that process is done")

    todo = [i for i, p in enumerate(paths) if p is not None]
    n = min(workers or WORKERS, len(todo))
    if n > 1:
        with ThreadPoolExecutor(n) as pool:
            list(pool.map(fast_read, todo))
    else:
        for i in todo:
            fast_read(i)
    per_url: list[tuple[str, list[tuple]]] = []
    for i, url in enumerate(urls):
        if skipped[i] is not None:
            path, reason = skipped[i]  # type: ignore[misc]
            if single:
                raise StorePathError(f"{path}: {reason}")
            on_skip(path, reason)
            continue
        rows = results[i]
        if rows is None:
            rows = _read(url, single, on_skip)
        per_url.append((url, rows))
    df = _frame(per_url, stale_after)
    if status is not None or name:
        df = filter_runs(df, status=status, name=name)
    return df
