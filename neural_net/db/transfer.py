"""Moving runs between databases: a run's rows copied, identities and all, from one store to another.

:func:`export_run` copies one run — its ``Architecture`` row (metadata, configuration,
hyper-parameters, status, parent link), its layers, neurons, cost and metric rows, and every
weight snapshot with its matrices — from a source (a URL, a ``.db`` file or a run directory)
to a target database (a URL or a ``.db`` path, created at the head schema revision if new; a
directory gets a file ``run-<RUN_ID>.db``). Every row keeps its primary key and every
``*_id`` its value, so the copy *is* the run: ``load_model`` on it resumes bit for bit, the
``Weight``, ``history`` and ``run_summary`` views give the same rows, and SQLite ↔
PostgreSQL round trips are lossless.

Copying is idempotent and incremental: rows are matched by primary key, only missing ones
are inserted, and the run's row is updated when the source's is newer (a run that trained
on after an earlier export). Copying a run a second time inserts nothing and reports it as
already present. Everything is written in one transaction (retried while SQLite answers
"database is locked"); the source is read in one read transaction, so a run that is still
training is copied as it was at one moment.

The ``neural-net export RUN --to TARGET [--from SOURCE]`` command calls :func:`copy_run`.

Example:
    >>> import numpy, tempfile, os
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db import export_run, history
    >>> d = tempfile.mkdtemp()
    >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store=os.path.join(d, "all.db"), seed=0)
    >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=3, verbose=0)
    >>> url = export_run(os.path.join(d, "all.db"), net['id'], os.path.join(d, "own.db"))
    >>> url.endswith("/own.db"), history(url, net['id'])['loss'].tolist() == net.history.history['loss']
    (True, True)
    >>> from neural_net.db.transfer import copy_run
    >>> copy_run(os.path.join(d, "all.db"), net['id'], url).already_present
    True
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from .engine import DB_SUFFIXES, absolute_url, display_url, open_database, resolve_url, sqlite_url
from .errors import RunNotFound, StoreError
from .run import RUN_TABLES, StoredRun, open_run
from .schema import Architecture, Param, Tag
from .summary import rebuild
from .values import checked_row, raw_columns
from .writer import retry_on_lock

#: Tables whose rows of a run are replaced as a whole (not only added to) when a run is copied again.
REPLACED = (Param, Tag)
#: Rows read and inserted at a time (weight matrices are large).
CHUNK = 200


@dataclass
class TransferReport:
    """What :func:`copy_run` did.

    Attributes:
        run_id: the run (``Architecture_id``), the same in both databases.
        source: URL of the database the run was read from.
        target: URL of the database it was written to.
        copied: rows inserted per table (``{'Architecture': 1, 'Layer': 4, ...}``).
        updated: whether the target's run row was brought up to date (status, epochs, ...).
        parents: reports of parent runs copied along (``with_parents``).

    Example:
        >>> from neural_net.db.transfer import TransferReport
        >>> r = TransferReport(7, "sqlite:////a.db", "sqlite:////b.db", {"Cost": 0}, False)
        >>> r.already_present, str(r)
        (True, 'run 7 is already in /b.db: nothing to copy')
    """

    run_id: int
    source: str
    target: str
    copied: dict[str, int] = field(default_factory=dict)
    updated: bool = False
    parents: list["TransferReport"] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows inserted in all tables."""
        return sum(self.copied.values())

    @property
    def already_present(self) -> bool:
        """True when nothing had to be written (the target already held the whole run)."""
        return self.rows == 0 and not self.updated

    def __str__(self) -> str:
        where = display_url(self.target)
        if self.already_present:
            text = f"run {self.run_id} is already in {where}: nothing to copy"
        else:
            parts = ", ".join(f"{n} {t}" for t, n in self.copied.items() if n)
            what = f"{self.rows} rows ({parts})" if self.rows else "no new rows"
            text = (f"run {self.run_id}: copied {what} from {display_url(self.source)} to {where}"
                    + ("; updated its status" if self.updated else ""))
        return "\n".join([text] + [str(p) for p in self.parents])


def target_url(target: Any, run_id: int) -> str:
    """The URL a run is exported to: a URL as it is, a ``.db``/``.sqlite`` path that file, any
    other path a directory (created) holding ``run-<RUN_ID>.db``.

    Example:
        >>> from neural_net.db.transfer import target_url
        >>> target_url("/tmp/exports/mnist.db", 42)
        'sqlite:////tmp/exports/mnist.db'
        >>> target_url("postgresql+psycopg://me@db.example/runs", 42)
        'postgresql+psycopg://me@db.example/runs'
    """
    if isinstance(target, str) and "://" in target:
        return absolute_url(target)
    if not isinstance(target, (str, os.PathLike)):
        raise TypeError(f"target must be a database URL, a .db path or a directory, got {target!r}")
    p = Path(target).expanduser()
    if p.suffix.lower() in DB_SUFFIXES and not p.is_dir():
        return resolve_url(p)  # its missing parents are created, as for store=
    if not p.exists():
        try:
            p.mkdir(parents=True)
        except OSError as e:
            raise StoreError(f"cannot create the directory {p.resolve()}: {e.strerror or e}") from None
    return sqlite_url(p / f"run-{int(run_id)}.db")


def _read_transaction(engine: Engine) -> Any:
    """A connection reading one consistent state of the database."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ")
    elif engine.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        if dbapi is not None and not dbapi.in_transaction:  # (in-memory: one connection shared)
            conn.exec_driver_sql("BEGIN")  # pysqlite would not begin a transaction for SELECTs
    return conn


def _missing_rows(source: Connection, target: Connection, table: Any, rid: int) -> Iterator[list[dict[str, Any]]]:
    """The run's rows of ``table`` in the source whose primary key the target lacks, in chunks
    (ids are compared first, so a run already copied costs no read of its weights)."""
    t = table.__table__
    have = set(target.execute(select(t.c.id).where(t.c.Architecture_id == rid)).scalars())
    ids = source.execute(select(t.c.id).where(t.c.Architecture_id == rid).order_by(t.c.id)).scalars().all()
    missing = [i for i in ids if i not in have]
    for start in range(0, len(missing), CHUNK):
        part = missing[start:start + CHUNK]
        rows = source.execute(select(*raw_columns(t)).where(t.c.id.in_(part)).order_by(t.c.id)).mappings()
        yield [checked_row(t, r, rid) for r in rows]


def _copy_into(target: Connection, source: Connection, rid: int, run_row: dict[str, Any],
               report: TransferReport) -> None:
    A = Architecture.__table__
    existing = target.execute(select(A).where(A.c.Architecture_id == rid)).mappings().first()
    copied = {t.__tablename__: 0 for t in RUN_TABLES}
    report.updated = False
    if existing is None:
        target.execute(insert(A), [run_row])
        copied["Architecture"] = 1
    elif existing["id"] != run_row["id"]:
        raise StoreError(f"run {rid} already exists in {display_url(report.target)} as another record (row id "
                         f"{existing['id']}, not {run_row['id']}): it was not copied")
    else:
        changed = {k: v for k, v in run_row.items() if existing[k] != v}
        if changed and (existing["updated_at"] is None or run_row["updated_at"] is None
                        or run_row["updated_at"] >= existing["updated_at"]):
            target.execute(update(A).where(A.c.Architecture_id == rid).values(**changed))
            report.updated = True
    for table in RUN_TABLES[1:]:
        t = table.__table__
        if table in REPLACED:  # the run's current parameters and tags: the source's set, as it is now
            src = set(source.execute(select(t.c.id).where(t.c.Architecture_id == rid)).scalars())
            dst = set(target.execute(select(t.c.id).where(t.c.Architecture_id == rid)).scalars())
            if src != dst:
                target.execute(delete(t).where(t.c.Architecture_id == rid))
                found = source.execute(select(*raw_columns(t)).where(t.c.Architecture_id == rid)).mappings()
                rows = [checked_row(t, r, rid) for r in found]
                if rows:
                    target.execute(insert(t), rows)
                copied[t.name] += len(src - dst)
            continue
        for rows in _missing_rows(source, target, table, rid):
            target.execute(insert(t), rows)
            copied[t.name] += len(rows)
    if copied["Cost"] or copied["metric"]:
        rebuild(target, [rid])  # the run's run_metric rows, from the epoch rows it now has
    report.copied = copied


def copy_run(source: Any, run_id: Any, target: Any, *, with_parents: bool = False) -> TransferReport:
    """Copy run ``run_id`` from ``source`` to ``target`` (see the module doc) and say what was
    written. With ``with_parents``, the runs it was resumed from (``parent_id``, then theirs, ...)
    are copied too, when the source has them: one after the other (a chain of any length), each
    in a transaction of its own, so a run is copied whole or not at all.

    Raises:
        RunNotFound: no such run in ``source``.
        NotANeuralNetDatabase, SchemaOutdated, SchemaTooNew, StorePathError: a database
            that cannot be used (nothing is written to it).
        StoredModelError: a row of the run holds a malformed value (nothing of that run is written).
        StoreError: the target holds a conflicting version of the run (nothing is written).

    Example:
        >>> import tempfile, os
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.transfer import copy_run
        >>> net = Sequential([Dense(2, input_dim=2)], 'mse', store="sqlite://")
        >>> report = copy_run("sqlite://", net['id'], os.path.join(tempfile.mkdtemp(), "copy.db"))
        >>> report.copied
        {'Architecture': 1, 'Layer': 1, 'Neurons': 1, 'Cost': 1, 'metric': 0, 'snapshot': 1, 'weight_matrix': 1, 'param': 0, 'tag': 0}
    """
    run = open_run(source, run_id)
    dst_url = target_url(target, run.run_id)
    report = _copy_located(run, dst_url)
    seen = {run.run_id}
    parent = run.row.get("parent_id")
    while with_parents and parent is not None and int(parent) not in seen:  # a loop, not recursion
        try:
            run = open_run(source, parent)
        except RunNotFound:
            break  # the parent lives elsewhere: the link is kept, the run is not there
        report.parents.append(_copy_located(run, dst_url))
        seen.add(run.run_id)
        parent = run.row.get("parent_id")
    return report


def _copy_located(run: StoredRun, dst_url: str) -> TransferReport:
    """Copy the located ``run`` to ``dst_url`` in one transaction."""
    rid, src_url, src_engine = run.run_id, run.db_path, run.engine
    report = TransferReport(rid, src_url, dst_url, {t.__tablename__: 0 for t in RUN_TABLES})
    if dst_url == src_url:
        return report
    dst_engine = open_database(dst_url, create=True)

    def copy() -> None:
        with _read_transaction(src_engine) as src, dst_engine.begin() as dst:
            A = Architecture.__table__
            raw = src.execute(select(*raw_columns(A)).where(A.c.Architecture_id == rid)).mappings().one()
            _copy_into(dst, src, rid, checked_row(A, raw, rid), report)

    try:
        retry_on_lock(copy)
    except IntegrityError as e:
        raise StoreError(f"run {rid} cannot be copied to {display_url(dst_url)}: the rows there conflict with "
                         f"the source's (has the run gone on differently in both?): "
                         f"{str(e.orig).splitlines()[0]}; nothing was written") from None
    return report


def export_run(source: Any, run_id: Any, target: Any) -> str:
    """Copy run ``run_id`` from ``source`` (a URL, a ``.db`` path or a run directory) to
    ``target`` (a URL, a ``.db`` path, or a directory for ``run-<RUN_ID>.db``) and return the
    target's URL. Exporting again copies only what is new (nothing, for a finished run).

    Example:
        >>> import tempfile, os
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import export_run, list_runs
        >>> net = Sequential([Dense(2, input_dim=2)], 'mse', store="sqlite://", name="moved")
        >>> url = export_run("sqlite://", net['id'], tempfile.mkdtemp())
        >>> url.endswith(f"run-{net['id']}.db"), list_runs(url).name.tolist()
        (True, ['moved'])
    """
    return copy_run(source, run_id, target).target


__all__ = ["export_run", "copy_run", "target_url", "TransferReport", "RUN_TABLES"]
