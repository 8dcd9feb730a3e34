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


def _insert_curve(execute: Execute, limit: int, table: str, shared: tuple[str, ...], shared_values: tuple,
                  per_row: tuple[str, ...], columns: Sequence[Sequence[Any]],
                  extra: tuple[tuple[str, int], ...] = ()) -> None:
    """Insert one row per item of the ``columns`` (one sequence per ``per_row`` column), the
    ``shared`` columns' values bound once, in statements of at most ``limit`` values."""
    n, w = len(columns[0]), len(per_row)
    step = max(1, (limit - len(shared)) // w)
    for a in range(0, n, step):
        b = min(a + step, n)
        part = columns if a == 0 and b == n else [c[a:b] for c in columns]
        _execute_rows(execute, _insert_sql(table, shared, per_row, extra, b - a), shared_values, part)


def write_epoch(conn: Connection, block: EpochColumns, execute: Execute | None = None) -> None:
    """Insert ``block``'s ``Cost`` and ``metric`` rows and merge them into ``run_metric``
    (in ``conn``'s transaction; see the module doc), each statement run by ``execute``
    (default: ``conn.exec_driver_sql``; :func:`driver_executor` on SQLite). The runs' heartbeat
    is not touched. On a database other than SQLite the rows are built as dicts and inserted
    as the writer's other rows are."""
    if conn.dialect.name != "sqlite":
        costs, metrics = block.rows()
        for table, rows in ((Cost.__table__, costs), (Metric.__table__, metrics)):
            if rows:
                execute_many(conn, _INSERTS[table.name], rows, table.c)
        record_epochs(conn, costs, metrics)
        return
    execute = conn.exec_driver_sql if execute is None else execute
    limit = _limit(conn)
    C, M = Cost.__table__, Metric.__table__
    now = _processor(conn, C.c.created_at)
    stamp = now(block.now) if now is not None else block.now
    value = _processor(conn, C.c.value)
    spans: dict[str, list[tuple[int, int]]] = {"Cost": [], "metric": []}
    for j, (split, name, pos) in enumerate(block.layout):
        ids = block.ids(j)
        values = block.values[j] if value is None else list(map(value, block.values[j]))
        if name == "loss":
            _insert_curve(execute, limit, C.name, ("created_at", "epoch", "split"), (stamp, block.epoch, split),
                          ("Architecture_id", "value", "id", "Cost_id", "name"),
                          (block.run_ids, values, ids, block.cost_ids, block.cost_names), (("updated_at", 1),))
            spans["Cost"].append((ids.start, ids.stop - 1))
        else:
            _insert_curve(execute, limit, M.name, ("created_at", "epoch", "split", "name", "position"),
                          (stamp, block.epoch, split, name, pos), ("id", "Architecture_id", "value"),
                          (ids, block.run_ids, values))
            spans["metric"].append((ids.start, ids.stop - 1))
    for source, ranges in spans.items():
        if ranges:
            text, order = upsert_from_rows(conn.dialect, source)
            lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)  # a block's ids: one range
            execute(text, tuple(dict(lo=lo, hi=hi, epoch=block.epoch)[k] for k in order))


def heartbeat(conn: Connection, run_ids: Sequence[int], values: dict[str, Any], execute: Execute | None = None) -> None:
    """``UPDATE Architecture SET <values> WHERE Architecture_id IN (run_ids)`` (values of
    plain columns; in statements of at most :func:`_limit` parameters), run by ``execute``
    (default: ``conn.exec_driver_sql``)."""
    execute = conn.exec_driver_sql if execute is None else execute
    runs = Architecture.__table__
    keys = tuple(values)
    bound = []
    for k in keys:
        process = _processor(conn, runs.c[k])
        bound.append(process(values[k]) if process is not None else values[k])
    step = max(1, _limit(conn) - len(keys))
    ids = tuple(map(int, run_ids))
    for a in range(0, len(ids), step):
        part = ids[a:a + step]  # the ids: a column of one value per row
        _execute_rows(execute, _update_sql(keys, len(part)), tuple(bound), (part,))


@functools.lru_cache(maxsize=64)
def _update_sql(keys: tuple[str, ...], n: int) -> str:
    """``UPDATE architecture SET <keys> = ? WHERE Architecture_id IN (?, ... n)``."""
    sets = ", ".join(f'"{k}" = ?' for k in keys)
    return f'UPDATE "{Architecture.__table__.name}" SET {sets} WHERE "Architecture_id" IN ({", ".join("?" * n)})'


#: An INSERT statement per table of the fallback (one object each: compiled once).
_INSERTS = {t.name: t.insert() for t in (Cost.__table__, Metric.__table__)}

__all__ = ["DEFAULT_VARIABLES", "Execute", "Statements", "driver_executor", "heartbeat", "row_parameters",
           "write_epoch"]
