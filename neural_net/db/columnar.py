"""The epoch of many runs written column-wise: a few statements per epoch, whatever the runs.

An :class:`~neural_net.ensemble.Ensemble`'s members end each epoch together; their recorders
hand the epoch to the writer as :class:`~neural_net.db.rows.EpochColumns` (one per set of log
keys). On SQLite, :func:`write_epoch` writes a block as

* one multi-row ``INSERT`` per curve (``loss``, ``val_loss``, each metric) into ``cost`` or
  ``metric``, the values shared by the curve's rows (epoch, split, name, timestamp) bound once;
* one ``INSERT INTO run_metric ... SELECT ... ON CONFLICT DO UPDATE`` per table, merging the rows
  just inserted (found by their consecutive ids) into the runs' summary rows inside SQLite
  (:func:`neural_net.db.summary.upsert_from_rows`);

so the Python work of an epoch does not grow with its rows (the driver binds the values).
Elsewhere the block's rows are built as dicts and written as any other write's.
The runs' heartbeat is :func:`heartbeat`: one ``UPDATE ... WHERE Architecture_id IN (...)``
for the runs that share its values.

Example:
    >>> import os, tempfile
    >>> from sqlalchemy import func, insert, select
    >>> from neural_net.db import columnar, engine as eng, rows
    >>> from neural_net.db.schema import Architecture, Cost, RunMetric, utcnow
    >>> write_epoch, EpochColumns = columnar.write_epoch, rows.EpochColumns
    >>> engine = eng.open_database("sqlite:///" + os.path.join(tempfile.mkdtemp(), "col.db"))
    >>> with engine.begin() as c:
    ...     _ = c.execute(insert(Architecture), [dict(id=i, Architecture_id=i, config="{}") for i in (7, 8)])
    ...     write_epoch(c, EpochColumns((7, 8), 1, utcnow(), (("train", "loss", 0),), ((0.5, 0.4),), 100,
    ...                                 ("MSE", "MSE"), (1, 2)))
    ...     c.scalar(select(func.count()).select_from(Cost)), c.scalar(select(func.sum(RunMetric.last_value)))
    (2, 0.9)
"""
from __future__ import annotations

import functools
import sqlite3
from itertools import chain
from typing import Any, Callable, Sequence

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from .bulk import execute_many
from .rows import EpochColumns
from .schema import Architecture, Cost, Metric
from .summary import record_epochs, upsert_from_rows

#: Bound values per statement when the driver cannot tell its limit (SQLite's old default).
DEFAULT_VARIABLES = 999


def _limit(conn: Connection) -> int:
    """The most parameters one statement of ``conn``'s SQLite may bind."""
    driver = getattr(conn.connection, "driver_connection", None)
    getlimit = getattr(driver, "getlimit", None)
    if getlimit is None:
        return DEFAULT_VARIABLES
    return int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


@functools.lru_cache(maxsize=64)
def _insert_sql(table: str, shared: tuple[str, ...], per_row: tuple[str, ...], extra: tuple[tuple[str, int], ...],
                n: int) -> str:
    """``INSERT INTO table (...) VALUES (...), ...`` for ``n`` rows: parameters ``?1..?k`` are
    the ``shared`` columns' values, then ``len(per_row)`` parameters per row; ``extra`` names
    more columns that repeat one of the shared parameters (its number)."""
    k, w = len(shared), len(per_row)
    columns = ", ".join(shared + per_row + tuple(c for c, _ in extra))
    tail = "".join(f", ?{i}" for _, i in extra)
    rows = ", ".join("(" + ", ".join(f"?{i}" for i in range(1, k + 1)) + ", "
                     + ", ".join(f"?{k + 1 + r * w + c}" for c in range(w)) + tail + ")" for r in range(n))
    return f"INSERT INTO {table} ({columns}) VALUES {rows}"


def _processor(conn: Connection, column: Any) -> Any:
    """The bind processor of ``column`` on ``conn``'s dialect (None: values go as they are)."""
    key = (id(column), id(conn.dialect))
    hit = _PROCESSORS.get(key)
    if hit is None or hit[0] is not column or hit[1] is not conn.dialect:
        hit = _PROCESSORS[key] = (column, conn.dialect,
                                  column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
    return hit[2]


#: Bind processors by (column, dialect) (each object kept with its entry: ids are not reused).
_PROCESSORS: dict[tuple[int, int], tuple[Any, Any, Any]] = {}


#: How a statement is run: ``execute(sql, parameters)`` (``Connection.exec_driver_sql``, or
#: :func:`driver_executor`'s function).
Execute = Callable[[str, tuple], Any]


def driver_executor(conn: Connection) -> Execute:
    """An ``execute(sql, parameters)`` that runs the statement on ``conn``'s SQLite driver
    connection itself, in ``conn``'s transaction (which the caller begins and ends on ``conn``),
    without SQLAlchemy's work per statement: the thread committing an ensemble's epochs in the
    background then holds the GIL for little more than the binding of the values. The driver's
    errors are raised as SQLAlchemy's (``OperationalError`` for "database is locked", ...), as
    ``exec_driver_sql`` raises them.

    Example:
        >>> from neural_net.db.columnar import driver_executor
        >>> from neural_net.db.engine import open_database
        >>> with open_database("sqlite://").connect() as c:
        ...     driver_executor(c)("SELECT ?1 + ?2", (1, 2))
    """
    driver = conn.connection.driver_connection

    def execute(sql: str, parameters: tuple) -> None:
        try:
            driver.execute(sql, parameters).close()
        except sqlite3.Error as e:
            raise DBAPIError.instance(sql, parameters, e, sqlite3.Error) from e

    return execute


class Statements(list):
    """An :data:`Execute` that runs nothing: it keeps each statement as ``(sql, parameters,
    None)``, and a multi-row ``INSERT`` (or a heartbeat's ``IN`` list) as ``(sql, shared,
    columns)``, its parameters being ``shared`` then the columns' values row by row
    (:func:`row_parameters`): the statements of an epoch for another process to run, its rows
    interleaved there.

    Example:
        >>> from neural_net.db.columnar import Statements, row_parameters
        >>> out = Statements(); out("SELECT ?1", (1,)); out.rows("INSERT ...", (0,), ((1, 2), (3, 4)))
        >>> out[0], row_parameters(*out[1][1:])
        (('SELECT ?1', (1,), None), (0, 1, 3, 2, 4))
    """

    def __call__(self, sql: str, parameters: tuple) -> None:
        self.append((sql, parameters, None))

    def rows(self, sql: str, shared: tuple, columns: Sequence[Sequence[Any]]) -> None:
        """Keep a statement whose parameters are :func:`row_parameters` (the columns as given:
        tuples, lists or ranges)."""
        self.append((sql, tuple(shared), tuple(columns)))


def row_parameters(shared: Sequence[Any], columns: Sequence[Sequence[Any]]) -> tuple:
    """``shared``'s values, then those of the ``columns`` row by row (the parameters of
    :func:`_insert_sql`'s statements).

    Example:
        >>> from neural_net.db.columnar import row_parameters
        >>> row_parameters(("a",), ((1, 2), (0.5, 0.25)))
        ('a', 1, 0.5, 2, 0.25)
    """
    return tuple(shared) + tuple(chain.from_iterable(zip(*columns)))


def _execute_rows(execute: Execute, sql: str, shared: tuple, columns: Sequence[Sequence[Any]]) -> None:
    """Run ``sql`` with :func:`row_parameters` ``(shared, columns)``, or keep it so for a
    :class:`Statements` (its rows are interleaved where they run)."""
    keep = getattr(execute, "rows", None)
    if keep is not None:
        keep(sql, shared, columns)
    else:
        execute(sql, row_parameters(shared, columns))


class EpochWriter:
    """What writing an epoch block on one SQLite connection needs that does not change from one
    epoch to the next, kept: the connection's limit of bound values, the bind processors of the
    timestamp and value columns, the ``run_metric`` merges' text, and each shape of block's
    statements (by its curves and number of runs). A committer keeps one for its connection,
    so that an epoch costs little more than its values (an ensemble's 128 members: 14 µs an
    epoch, against 25 µs with a new writer each time). :func:`write_epoch` and
    :func:`heartbeat` use a new one each call.

    Example:
        >>> from sqlalchemy import insert
        >>> from neural_net.db.columnar import EpochWriter, Statements
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.rows import EpochColumns
        >>> with open_database("sqlite://").connect() as c:
        ...     w, out = EpochWriter(c), Statements()
        ...     w.write(EpochColumns((7, 8), 1, None, (("train", "loss", 0),), ((0.5, 0.4),), 100,
        ...                          ("MSE", "MSE"), (1, 2)), out)
        ...     w.heartbeat((7, 8), {"epochs": 1}, out)
        >>> [sql.split(" (")[0] for sql, _, _ in out]
        ['INSERT INTO cost', 'INSERT INTO run_metric', 'UPDATE "architecture" SET "epochs" = ? WHERE "Architecture_id" IN']
    """

    def __init__(self, conn: Connection) -> None:
        if conn.dialect.name != "sqlite":
            raise ValueError(f"EpochWriter: expected a SQLite connection, got {conn.dialect.name!r}")
        C = Cost.__table__
        self.conn, self.limit = conn, _limit(conn)
        self.stamp, self.value = _processor(conn, C.c.created_at), _processor(conn, C.c.value)
        self.upserts = {source: upsert_from_rows(conn.dialect, source) for source in ("Cost", "metric")}
        self._shapes: dict[tuple, tuple] = {}  # (layout, runs) -> the curves' statements, the merges' curves
        self._beats: dict[tuple, tuple] = {}  # (keys, runs) -> the keys' bind processors, the statements

    def _shape(self, layout: tuple[tuple[str, str, int], ...], n: int) -> tuple:
        """The statements of a block of ``n`` runs and curves ``layout``: per curve, whether it
        is a loss, its shared values but the timestamp and epoch, and its statements
        ``(sql, first row, end row)``; per table, the first and last of its curves."""
        C, M = Cost.__table__.name, Metric.__table__.name
        curves, ends = [], {}
        for j, (split, name, pos) in enumerate(layout):
            loss = name == "loss"
            if loss:
                table, shared, per_row, extra = C, ("created_at", "epoch", "split"), \
                    ("Architecture_id", "value", "id", "Cost_id", "name"), (("updated_at", 1),)
            else:
                table, shared, per_row, extra = M, ("created_at", "epoch", "split", "name", "position"), \
                    ("id", "Architecture_id", "value"), ()
            step = max(1, (self.limit - len(shared)) // len(per_row))
            parts = tuple((_insert_sql(table, shared, per_row, extra, min(a + step, n) - a), a, min(a + step, n))
                          for a in range(0, n, step))
            curves.append((loss, (split,) if loss else (split, name, pos), parts))
            source = "Cost" if loss else "metric"
            ends[source] = (ends.get(source, (j, j))[0], j)
        shape = self._shapes[layout, n] = (tuple(curves), tuple(ends.items()))
        return shape

    def write(self, block: EpochColumns, execute: Execute) -> None:
        """Insert ``block``'s ``Cost`` and ``metric`` rows and merge them into ``run_metric``
        (see the module doc), each statement run by ``execute``; the heartbeat is not touched."""
        n = len(block.run_ids)
        shape = self._shapes.get((block.layout, n)) or self._shape(block.layout, n)
        curves, ends = shape
        stamp = self.stamp(block.now) if self.stamp is not None else block.now
        for j, (loss, shared, parts) in enumerate(curves):
            ids = block.ids(j)
            values = block.values[j] if self.value is None else list(map(self.value, block.values[j]))
            columns = (block.run_ids, values, ids, block.cost_ids, block.cost_names) if loss else \
                (ids, block.run_ids, values)
            for sql, a, b in parts:
                _execute_rows(execute, sql, (stamp, block.epoch) + shared,
                              columns if b - a == n else [c[a:b] for c in columns])
        for source, (first, last) in ends:
            text, order = self.upserts[source]
            lo, hi = block.first_id + first * n, block.first_id + (last + 1) * n - 1  # a block's ids: one range
            execute(text, tuple(dict(lo=lo, hi=hi, epoch=block.epoch)[k] for k in order))

    def heartbeat(self, run_ids: Sequence[int], values: dict[str, Any], execute: Execute) -> None:
        """``UPDATE Architecture SET <values> WHERE Architecture_id IN (run_ids)`` (values of
        plain columns; in statements of at most the connection's limit of parameters), each
        statement run by ``execute``."""
        keys, n = tuple(values), len(run_ids)
        beat = self._beats.get((keys, n))
        if beat is None:
            runs = Architecture.__table__
            step = max(1, self.limit - len(keys))
            beat = self._beats[keys, n] = (
                tuple(_processor(self.conn, runs.c[k]) for k in keys),
                tuple((_update_sql(keys, min(a + step, n) - a), a, min(a + step, n)) for a in range(0, n, step)))
        processors, parts = beat
        bound = tuple(values[k] if p is None else p(values[k]) for k, p in zip(keys, processors))
        ids = run_ids if type(run_ids) is tuple else tuple(map(int, run_ids))
        for sql, a, b in parts:
            _execute_rows(execute, sql, bound, (ids if b - a == n else ids[a:b],))  # the ids: a column of one value per row


def write_epoch(conn: Connection, block: EpochColumns, execute: Execute | None = None) -> None:
    """Insert ``block``'s ``Cost`` and ``metric`` rows and merge them into ``run_metric``
    (in ``conn``'s transaction; see the module doc), each statement run by ``execute``
    (default: ``conn.exec_driver_sql``; :func:`driver_executor` on SQLite; an
    :class:`EpochWriter` kept for the connection does the same for less). The runs'
    heartbeat is not touched. On a database other than SQLite the rows are built as dicts and
    inserted as the writer's other rows are."""
    if conn.dialect.name != "sqlite":
        costs, metrics = block.rows()
        for table, rows in ((Cost.__table__, costs), (Metric.__table__, metrics)):
            if rows:
                execute_many(conn, _INSERTS[table.name], rows, table.c)
        record_epochs(conn, costs, metrics)
        return
    EpochWriter(conn).write(block, conn.exec_driver_sql if execute is None else execute)


def heartbeat(conn: Connection, run_ids: Sequence[int], values: dict[str, Any], execute: Execute | None = None) -> None:
    """``UPDATE Architecture SET <values> WHERE Architecture_id IN (run_ids)`` on SQLite (values
    of plain columns; in statements of at most :func:`_limit` parameters), run by ``execute``
    (default: ``conn.exec_driver_sql``): :meth:`EpochWriter.heartbeat`."""
    EpochWriter(conn).heartbeat(run_ids, values, conn.exec_driver_sql if execute is None else execute)


@functools.lru_cache(maxsize=64)
def _update_sql(keys: tuple[str, ...], n: int) -> str:
    """``UPDATE architecture SET <keys> = ? WHERE Architecture_id IN (?, ... n)``."""
    sets = ", ".join(f'"{k}" = ?' for k in keys)
    return f'UPDATE "{Architecture.__table__.name}" SET {sets} WHERE "Architecture_id" IN ({", ".join("?" * n)})'


#: An INSERT statement per table of the fallback (one object each: compiled once).
_INSERTS = {t.name: t.insert() for t in (Cost.__table__, Metric.__table__)}

__all__ = ["DEFAULT_VARIABLES", "EpochWriter", "Execute", "Statements", "driver_executor", "heartbeat", "row_parameters",
           "write_epoch"]
