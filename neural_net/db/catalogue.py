"""The catalogue: one row per run across every database of a run directory (or a server).

:func:`catalogue` is what :func:`neural_net.db.list_runs` and ``neural-net runs`` return. A
directory of SQLite files is read quickly: each file is opened with the standard
:mod:`sqlite3` module (``PRAGMA query_only``, or ``mode=ro`` for files not in WAL mode), its
schema revision checked and its tables read (never a view stored in the file), in a pool of
threads — with :func:`runs`, its parameters and metrics through the same connection; no
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
import re
import sqlite3
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import quote

import pandas as pd

from .engine import SQLITE_MAGIC, display_url, open_database, sources, sqlite_file
from .errors import StoredModelError, StoreError, StorePathError
from .migrate import head_revision
from .process import effective_status
from .schema import Base, utcnow

#: Columns of :func:`catalogue` (and :func:`neural_net.db.list_runs`), in order.
RUN_COLUMNS = ["run_id", "name", "status", "epochs", "final_loss", "best_loss", "started_at", "db_path",
               "best_epoch", "final_val_loss", "best_val_loss", "best_val_epoch", "created_at", "finished_at",
               "updated_at", "pid", "hostname", "stored_status", "parent_id", "parent_epoch"]
#: Seconds the catalogue waits for a file another process holds locked before skipping it.
LOCK_TIMEOUT = 2.0
#: Threads reading files in parallel (SQLite releases the GIL while it reads).
WORKERS = 8

def _loss(split: str, what: str) -> str:
    base = (f"FROM Cost AS c WHERE c.Architecture_id = a.Architecture_id AND c.split = '{split}' "
            "AND c.epoch IS NOT NULL")
    if what == "final":
        return f"(SELECT c.value {base} ORDER BY c.epoch DESC LIMIT 1)"
    if what == "best":
        return f"(SELECT min(c.value) {base})"
    return f"(SELECT c.epoch {base} AND c.value IS NOT NULL ORDER BY c.value ASC, c.epoch ASC LIMIT 1)"


#: One row per run, read from the tables (never from a view: a file made elsewhere may define its
#: ``run_summary`` as anything, a recursive query that never ends included).
RUN_SQL = f"""
SELECT a.Architecture_id AS run_id, COALESCE(a.run_name, a.name) AS name, a.status AS stored_status,
       a.epochs AS epochs, {_loss('train', 'final')} AS final_loss, {_loss('train', 'best')} AS best_loss,
       {_loss('train', 'epoch')} AS best_epoch, {_loss('val', 'final')} AS final_val_loss,
       {_loss('val', 'best')} AS best_val_loss, {_loss('val', 'epoch')} AS best_val_epoch,
       a.created_at AS created_at, a.started_at AS started_at, a.finished_at AS finished_at,
       a.updated_at AS updated_at, a.pid AS pid, a.hostname AS hostname, a.process_token AS process_token,
       a.parent_id AS parent_id, a.parent_epoch AS parent_epoch
FROM Architecture AS a"""
_KEYS = ["run_id", "name", "stored_status", "epochs", "final_loss", "best_loss", "best_epoch", "final_val_loss",
         "best_val_loss", "best_val_epoch", "created_at", "started_at", "finished_at", "updated_at", "pid",
         "hostname", "process_token", "parent_id", "parent_epoch"]
#: The type each column of :data:`RUN_SQL` must have (checked per row: a file is input).
_KINDS = dict(run_id="int", name="str", stored_status="str", epochs="int", final_loss="float", best_loss="float",
              best_epoch="int", final_val_loss="float", best_val_loss="float", best_val_epoch="int",
              created_at="datetime", started_at="datetime", finished_at="datetime", updated_at="datetime",
              pid="int", hostname="str", process_token="str", parent_id="int", parent_epoch="int")
#: Column of the table each catalogue value comes from (named in errors).
_SOURCE = dict(run_id=("Architecture", "Architecture_id"), name=("Architecture", "run_name"),
               stored_status=("Architecture", "status"),
               **{k: ("Cost", "value") for k in ("final_loss", "best_loss", "final_val_loss", "best_val_loss")},
               **{k: ("Cost", "epoch") for k in ("best_epoch", "best_val_epoch")})
#: Tables the catalogue reads; in a file each must be a table (not a view) for the fast path.
_TABLES = frozenset(t.lower() for t in Base.metadata.tables) | {"alembic_version"}


def _checked(row: tuple) -> tuple:
    """A catalogue row with each value of the type its column has, or :class:`StoredModelError`
    naming the run, the table and the column (times stay as the database returned them)."""
    from .values import check_value

    out = list(row)
    rid = row[0] if isinstance(row[0], int) else repr(row[0])
    for i, (key, value) in enumerate(zip(_KEYS, row)):
        if value is None:
            continue
        table, column = _SOURCE.get(key, ("Architecture", key))
        checked = check_value(value, _KINDS[key], f"run {rid}: table {table}, column {column}")
        if _KINDS[key] != "datetime":
            out[i] = checked
    return tuple(out)


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
    if url.startswith("sqlite:////") and "?" not in url and "%" not in url:
        return url[len("sqlite:///"):]
    path = sqlite_file(url) if url.startswith("sqlite") else None
    return None if path is None else str(path)


def _open_checked(path: str, lock_timeout: float, head: str) -> sqlite3.Connection | None:
    """A sqlite3 connection to ``path`` that cannot write, or None when the file is not a
    neural_net database at schema revision ``head`` whose tables are all tables (a view in a
    table's place: the full check of :func:`open_database` then says why). Raises
    :class:`_Locked` when the file stays locked by another process.

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
    if len(header) < 20 or header[:16] != SQLITE_MAGIC:
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
        kinds = {name.lower(): kind for name, kind in con.execute("SELECT name, type FROM sqlite_master")}
        revs = None
        if all(kinds.get(t) == "table" for t in _TABLES):
            revs = con.execute("SELECT version_num FROM alembic_version").fetchall()
        if revs is not None and len(revs) == 1 and revs[0][0] == head:
            return con
    except sqlite3.OperationalError as e:
        con.close()
        if _is_locked(e):
            raise _Locked(str(e)) from None
        return None
    except sqlite3.Error:
        pass
    con.close()
    return None


def _fast_read(path: str, lock_timeout: float, head: str, read: Callable[[sqlite3.Connection], Any]) -> Any:
    """``read(con)`` on a connection of :func:`_open_checked` to the SQLite file ``path``, or
    None when that declines the file or a query fails (the caller then takes the full path of
    :func:`open_database`, which says why). Raises :class:`_Locked` when the file stays locked
    by another process."""
    con = _open_checked(path, lock_timeout, head)
    if con is None:
        return None
    try:
        return read(con)
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
        on_skip(display_url(url), str(e))
        return []
    try:
        with engine.connect() as c:
            return [_checked(tuple(r)) for r in c.execute(text(RUN_SQL))]
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


def _frame(per_url: Iterable[tuple[str, list[tuple]]], stale_after: float | None) -> pd.DataFrame:
    keys = _KEYS
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
    for k in ("parent_id", "parent_epoch"):  # 63-bit ids with gaps: never through float64
        df[k] = pd.array([r[k] for r in records], dtype="Int64")
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
    return _read_catalogue(source, stale_after=stale_after, status=status, name=name, on_skip=on_skip,
                           lock_timeout=lock_timeout, workers=workers, fast=fast)[0]


def _read_catalogue(source: Any, *, stale_after: float | None = None, status: str | Sequence[str] | None = None,
                    name: str | None = None, on_skip: OnSkip | None = None, lock_timeout: float | None = None,
                    workers: int | None = None, fast: bool = True,
                    extras: bool = False) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`catalogue`, and ``{url: (params, metrics)}`` of :func:`_collect` for every SQLite
    file read by the fast path when ``extras`` (through the same connection, which is most of
    the cost of a small file; the other databases are absent from it)."""
    lock_timeout = LOCK_TIMEOUT if lock_timeout is None else float(lock_timeout)
    urls = sources(source)
    single = len(urls) == 1
    on_skip = on_skip or warn_skip
    head = head_revision()
    # the fast path in threads; what it declines is then read in this thread, in order
    paths = [_file_of(u) if fast else None for u in urls]
    results: list[tuple[list[tuple], Any] | None] = [None] * len(urls)
    found: dict[str, Any] = {}
    skipped: list[StoreError | None] = [None] * len(urls)

    def read_rows(con: sqlite3.Connection) -> Any:
        rows = [_checked(r) for r in con.execute(RUN_SQL)]
        return (rows, _collect(con.execute, [r[0] for r in rows])) if extras else (rows, None)

    def fast_read(i: int) -> None:
        try:
            results[i] = _fast_read(paths[i], lock_timeout, head, read_rows)  # type: ignore[arg-type]
        except _Locked as e:
            skipped[i] = StorePathError(f"{display_url(urls[i])}: it is locked by another process ({e}; waited "
                                        f"{lock_timeout:g} s); try again when that process is done")
        except StoredModelError as e:
            skipped[i] = StoredModelError(f"{display_url(urls[i])}: {e}")

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
            if single:
                raise skipped[i]  # type: ignore[misc]
            path = display_url(url)
            on_skip(path, str(skipped[i])[len(path) + 2:])
            continue
        result = results[i]
        if result is None:
            rows = _read(url, single, on_skip)
        else:
            rows, found[url] = result
        per_url.append((url, rows))
    df = _frame(per_url, stale_after)
    if status is not None or name:
        df = filter_runs(df, status=status, name=name)
    return df, found


# ----- runs with their parameters and metrics ----------------------------------------------------
_CHUNK = 500
_CONDITION = re.compile(r"^\s*([^=<>!\s]+)\s*(!=|>=|<=|=|>|<)\s*(.*?)\s*$")
#: Catalogue columns holding counts or epochs (integers, missing ones as <NA>, never 50.0).
INTEGER_COLUMNS = ("run_id", "epochs", "best_epoch", "best_val_epoch", "pid", "parent_id", "parent_epoch")


def _extra_sql(ids: list[int]) -> tuple[str, str]:
    """The two queries of :func:`_collect` for the runs ``ids`` (integers, written into the SQL
    as literals so that one text serves sqlite3 and SQLAlchemy): hyper-parameters, and per run,
    split and metric its last value, lowest and highest value. Both read tables only; the
    metric index ``(run, split, name, epoch, value)`` covers the second, whose join is
    filtered by run on both sides (otherwise PostgreSQL hashes the whole table per chunk)."""
    inside = ",".join(str(int(i)) for i in ids)
    hyper = f"SELECT Architecture_id, hyperparams FROM Architecture WHERE Architecture_id IN ({inside})"
    values = ("SELECT l.a, l.s, l.n, m.value, l.lo, l.hi FROM (SELECT Architecture_id AS a, split AS s, name AS n, "
              "max(epoch) AS e, min(value) AS lo, max(value) AS hi FROM metric "
              f"WHERE Architecture_id IN ({inside}) GROUP BY Architecture_id, split, name) AS l JOIN metric AS m "
              "ON m.Architecture_id = l.a AND m.split = l.s AND m.name = l.n AND m.epoch = l.e "
              f"WHERE m.Architecture_id IN ({inside})")
    return hyper, values


def _collect(execute: Callable[[str], Iterable[Any]],
             ids: list[int]) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, float]]]:
    """Parameters and final/best metric values of the runs ``ids``, read with ``execute(sql)``
    (rows of a sqlite3 or SQLAlchemy connection); every value checked, a file being input."""
    from .codec import loads
    from .columns import flatten_params, higher_is_better
    from .values import check_document, check_value

    params: dict[int, dict[str, Any]] = {}
    metrics: dict[int, dict[str, float]] = {i: {} for i in ids}
    for start in range(0, len(ids), _CHUNK):
        hyper, values = _extra_sql(ids[start:start + _CHUNK])
        for rid, doc in execute(hyper):
            where = f"the hyper-parameters of run {rid} (table Architecture, column hyperparams)"
            params[rid] = flatten_params(loads(check_document(doc, where), where))
        for rid, split, name, value, low, high in execute(values):
            where = f"run {rid}: table metric, column"
            key = f"{check_value(name, 'str', where + ' name')}"
            key = key if check_value(split, "str", where + " split") == "train" else f"{split}_{key}"
            got = metrics.setdefault(rid, {})
            got[key] = check_value(value, "float", where + " value")
            if name != "lr":
                pick = high if higher_is_better(key) else low
                got[f"best_{key}"] = check_value(pick, "float", where + " value")
    return params, metrics


def _extras(url: str, ids: list[int]) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, float]]]:
    """Parameters and final/best metric values of the runs ``ids`` of the database ``url``,
    through :func:`open_database` and SQLAlchemy (servers, and files the fast path declined)."""
    from sqlalchemy import text

    engine = open_database(url, create=False)
    with engine.connect() as c:
        return _collect(lambda sql: c.execute(text(sql)), ids)


def _match(column: pd.Series, op: str, wanted: Any) -> pd.Series:
    if op in (">", "<", ">=", "<="):
        values = pd.to_numeric(column, errors="coerce")
        target = float(wanted)
        return {">": values > target, "<": values < target, ">=": values >= target, "<=": values <= target}[op]
    if isinstance(wanted, str):
        same = column.map(lambda v: v is not None and not (isinstance(v, float) and v != v) and str(v) == wanted)
    else:
        same = column == wanted
    return ~same if op == "!=" else same


def _conditions(where: Any) -> list[tuple[str, str, Any]]:
    if where is None:
        return []
    if isinstance(where, dict):
        return [(str(k), "=", v) for k, v in where.items()]
    items = [where] if isinstance(where, str) else list(where)
    out = []
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            m = _CONDITION.match(part)
            if m is None:
                raise ValueError(f"where: expected conditions such as 'optimizer=adam' or 'val_accuracy>0.9', "
                                 f"got {part!r}")
            out.append(m.groups())
    return out


def sort_runs(frame: pd.DataFrame, order_by: str | Sequence[str] | None) -> pd.DataFrame:
    """``frame`` sorted by the columns ``order_by`` (a name, ``'-name'`` for descending, or a
    list of them); missing values last.

    Example:
        >>> import pandas as pd
        >>> from neural_net.db.catalogue import sort_runs
        >>> frame = pd.DataFrame({"run": [1, 2, 3], "acc": [0.5, None, 0.9]})
        >>> sort_runs(frame, "-acc").run.tolist()
        [3, 1, 2]
    """
    keys = [order_by] if isinstance(order_by, str) else list(order_by or [])
    if not keys:
        return frame
    names = [k[1:] if k.startswith(("-", "+")) else k for k in keys]
    unknown = [n for n in names if n not in frame.columns]
    if unknown:
        raise ValueError(f"order_by: no column {unknown[0]!r}; columns are {', '.join(frame.columns)}")
    return frame.sort_values(names, ascending=[not k.startswith("-") for k in keys], na_position="last",
                             kind="stable").reset_index(drop=True)


def runs(source: Any, *, where: Any = None, order_by: str | Sequence[str] | None = None,
         status: str | Sequence[str] | None = None, name: str | None = None, stale_after: float | None = None,
         on_skip: OnSkip | None = None) -> pd.DataFrame:
    """One row per run of ``source`` with the catalogue's columns (:func:`catalogue`), then its
    parameters (``optimizer``, ``optimizer.lr``, ``batch_size``, a sweep's grid values, ...; a
    parameter whose key is a catalogue column is ``params.<key>``), then its final metric values
    (``loss``, ``val_loss``, ``accuracy``, ``val_accuracy``, ``lr``, ...) and their best values
    (``best_<metric>``: the largest accuracy or AUC, the smallest of the others).

    Args:
        where: keep rows matching every condition: a dict ``{column: value}`` or text such as
            ``"optimizer=adam,units=32"`` (also ``!=``, ``>``, ``<``, ``>=``, ``<=``), or a list.
        order_by: a column, ``'-column'`` for descending, or a list (missing values last).

    ``status``, ``name``, ``stale_after`` and ``on_skip`` filter and report as for :func:`catalogue`.

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
    """
    skip = on_skip or warn_skip
    base, found = _read_catalogue(source, stale_after=stale_after, status=status, name=name, on_skip=skip,
                                  extras=True)
    single = len(set(base.db_path)) <= 1 and len(sources(source)) == 1
    params: dict[tuple[str, int], dict[str, Any]] = {}
    metrics: dict[tuple[str, int], dict[str, float]] = {}
    bad: set[str] = set()
    by_url: dict[str, list[int]] = {}
    for url, rid in zip(base.db_path, base.run_id):
        by_url.setdefault(url, []).append(int(rid))
    for url, ids in by_url.items():
        try:
            p, m = found[url] if url in found else _extras(url, ids)
        except (StoreError, OSError) as e:
            if single:
                raise
            skip(display_url(url), str(e))
            bad.add(url)
            continue
        params.update({(url, k): v for k, v in p.items()})
        metrics.update({(url, k): v for k, v in m.items()})
    frame = base[~base.db_path.isin(bad)].reset_index(drop=True)
    keys = list(zip(frame.db_path, frame.run_id))
    p_names = list(dict.fromkeys(k for key in keys for k in params.get(key, {})))
    m_names = list(dict.fromkeys(k for key in keys for k in metrics.get(key, {})))
    columns: dict[str, Any] = {}
    for k in p_names:
        columns[f"params.{k}" if k in frame.columns else k] = [params.get(key, {}).get(k) for key in keys]
    columns["loss"], columns["val_loss"] = frame["final_loss"], frame["final_val_loss"]
    for k in sorted(m_names, key=lambda k: (k.startswith("best_"), m_names.index(k))):
        if k not in columns and k not in frame.columns:
            columns[k] = [metrics.get(key, {}).get(k, float("nan")) for key in keys]
    frame = pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)
    for k in INTEGER_COLUMNS:
        frame[k] = pd.array([None if pd.isna(v) else int(v) for v in frame[k]], dtype="Int64")
    for column, op, wanted in _conditions(where):
        if column not in frame.columns:
            raise ValueError(f"where: no column {column!r}; columns are {', '.join(frame.columns)}")
        frame = frame[_match(frame[column], op, wanted)]
    return sort_runs(frame.reset_index(drop=True), order_by)
