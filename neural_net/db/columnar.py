"""The epoch of many runs written column-wise: a few statements per epoch, whatever the runs.

An :class:`~neural_net.ensemble.Ensemble`'s members end each epoch together; their recorders
hand the epoch to the writer as :class:`~neural_net.db.rows.EpochColumns` (one per set of log
keys). On SQLite, :func:`write_epoch` writes a block as

* one multi-row ``INSERT`` per curve (``loss``, ``val_loss``, each metric) into ``cost`` or
  ``metric``, the values shared by the curve's rows (epoch, split, name, timestamp) bound once;
* one ``INSERT INTO run_metric ... SELECT ... ON CONFLICT DO UPDATE`` per table, merging the rows
  just inserted (found by their consecutive ids) into the runs' summary rows inside SQLite
  (:func:`neural_net.db.summary.upsert_from_rows`);

so the Python work of an epoch does not grow with its rows (the driver binds the values). The
statements are built from a plan of the block's shape (:mod:`neural_net.db.epoch_sql`,
:class:`EpochWriter`), which the committer process builds them from too. Elsewhere the
block's rows are built as dicts and written as any other write's.
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

import sqlite3
from typing import Any, Callable, Sequence

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from . import epoch_sql
from .bulk import execute_many
from .rows import EpochColumns
from .schema import Architecture, Cost, Metric, UTCDateTime
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


def _processor(conn: Connection, column: Any) -> Any:
    """The bind processor of ``column`` on ``conn``'s dialect (None: values go as they are)."""
    key = (id(column), id(conn.dialect))
    hit = _PROCESSORS.get(key)
    if hit is None or hit[0] is not column or hit[1] is not conn.dialect:
        hit = _PROCESSORS[key] = (column, conn.dialect,
                                  column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
    return hit[2]


#: No time bound yet (:meth:`EpochWriter._time`).
_NOTHING = object()

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


class Plan:
    """A plan of :mod:`neural_net.db.epoch_sql` (:attr:`steps`, its tuples) kept by an
    :class:`EpochWriter`, told apart by identity: a committer process is sent it once, then
    only each epoch's numbers.

    Example:
        >>> from neural_net.db.columnar import Plan
        >>> from neural_net.db.epoch_sql import beat_plan
        >>> steps = beat_plan("architecture", ("epochs",), (7,), 999)
        >>> a, b = Plan(steps), Plan(steps)
        >>> a.steps == b.steps, a == b
        (True, False)
    """

    __slots__ = ("steps",)

    def __init__(self, steps: tuple) -> None:
        self.steps = steps


class Statements(list):
    """An :data:`Execute` that runs nothing: it keeps each statement as ``(sql, parameters,
    None)``, and an epoch or a heartbeat of an :class:`EpochWriter` as ``(plan, numbers,
    values)`` (:class:`Plan`; :func:`neural_net.db.epoch_sql.statements` gives its statements):
    the statements of a block for another process to run.

    Example:
        >>> from neural_net.db.columnar import Statements
        >>> out = Statements(); out("SELECT ?1", (1,)); out
        [('SELECT ?1', (1,), None)]
    """

    def __call__(self, sql: str, parameters: tuple) -> None:
        self.append((sql, parameters, None))

    def plan(self, plan: Plan, numbers: tuple, values: Any = None) -> None:
        """Keep an epoch (``numbers`` ``(stamp, epoch, first_id)``, a tuple of ``values`` per
        curve) or a heartbeat (``numbers`` its values) of ``plan``."""
        self.append((plan, numbers, values))


class EpochWriter:
    """What writing an ensemble's epoch blocks on one SQLite connection needs that does not
    change from one epoch to the next, kept: the connection's limit of bound values, the bind
    processor of the times, the ``run_metric`` merges' text, and the plan of each shape of
    block (its runs and curves) and heartbeat (:mod:`neural_net.db.epoch_sql`). A committer
    keeps one for its connection, so that an epoch costs little more than its values (floats,
    as :func:`~neural_net.db.rows.epoch_columns` makes them, which the driver binds as they
    are); :func:`write_epoch` and :func:`heartbeat` use a new one each call.

    Example:
        >>> from neural_net.db.columnar import EpochWriter, Statements
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.rows import EpochColumns
        >>> with open_database("sqlite://").connect() as c:
        ...     w, out = EpochWriter(c), Statements()
        ...     w.write(EpochColumns((7, 8), 1, None, (("train", "loss", 0),), ((0.5, 0.4),), 100,
        ...                          ("MSE", "MSE"), (1, 2)), out)
        ...     w.heartbeat((7, 8), {"epochs": 1}, out)
        >>> [(plan.steps[0], numbers, values) for plan, numbers, values in out]
        [('epoch', (None, 1, 100), ((0.5, 0.4),)), ('beat', (1,), None)]
    """

    def __init__(self, conn: Connection) -> None:
        if conn.dialect.name != "sqlite":
            raise ValueError(f"EpochWriter: expected a SQLite connection, got {conn.dialect.name!r}")
        self.conn, self.limit = conn, _limit(conn)
        self.time = _processor(conn, Cost.__table__.c.created_at)  # (the same for every UTCDateTime column)
        self._stamped: tuple[Any, Any] = (_NOTHING, None)  # the last time bound, and its bound value
        self.upserts = {source: upsert_from_rows(conn.dialect, source) for source in ("Cost", "metric")}
        self._plans: dict[tuple, Plan] = {}  # (layout, run ids, cost names, cost ids) -> the plan of its epochs
        self._beats: dict[tuple, tuple] = {}  # (keys, run ids) -> the keys' bind processors, the heartbeat's plan
        self._last: tuple | None = None  # the last block's layout and run columns, and their plan
        self._last_beat: tuple | None = None  # the last heartbeat's keys and runs, and its plan

    def _epoch_plan(self, block: EpochColumns) -> Plan:
        """The plan of ``block``'s shape (the last block's, when its columns are the same objects)."""
        last = self._last
        if last is not None and last[0] is block.layout and last[1] is block.run_ids \
                and last[2] is block.cost_names and last[3] is block.cost_ids:
            return last[4]
        key = (block.layout, block.run_ids, block.cost_names, block.cost_ids)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = Plan(epoch_sql.epoch_plan(
                Cost.__table__.name, Metric.__table__.name, block.layout, key[1:], self.limit, self.upserts))
        self._last = key + (plan,)
        return plan

    def write(self, block: EpochColumns, execute: Execute) -> None:
        """Insert ``block``'s ``Cost`` and ``metric`` rows and merge them into ``run_metric``
        (see the module doc), each statement run by ``execute`` (a :class:`Statements` keeps
        the epoch as its plan and numbers); the heartbeat is not touched."""
        self._run(execute, self._epoch_plan(block), (self._time(block.now), block.epoch, block.first_id),
                  block.values)

    def _time(self, value: Any) -> Any:
        """The bound value of the time ``value`` (the last one's again when it is the same
        object: an epoch's rows and its heartbeat share one)."""
        last, bound = self._stamped
        if value is not last:
            bound = value if self.time is None else self.time(value)
            self._stamped = (value, bound)
        return bound

    def heartbeat(self, run_ids: Sequence[int], values: dict[str, Any], execute: Execute) -> None:
        """``UPDATE Architecture SET <values> WHERE Architecture_id IN (run_ids)`` (values of
        plain columns; in statements of at most the connection's limit of parameters), each
        statement run by ``execute``."""
        keys = tuple(values)
        last = self._last_beat
        if last is not None and last[1] is run_ids and last[0] == keys:
            beat = last[2]
        else:
            beat = self._beat(keys, run_ids)
        processors, plan = beat
        self._run(execute, plan, tuple(values[k] if p is None else p(values[k]) for k, p in zip(keys, processors)))

    def _beat(self, keys: tuple[str, ...], run_ids: Sequence[int]) -> tuple:
        """The bind processors of ``keys`` and the plan of a heartbeat of the runs ``run_ids``."""
        key = (keys, run_ids if type(run_ids) is tuple else tuple(map(int, run_ids)))
        beat = self._beats.get(key)
        if beat is None:
            runs = Architecture.__table__
            beat = self._beats[key] = (
                tuple(self._time if isinstance(runs.c[k].type, UTCDateTime) else _processor(self.conn, runs.c[k])
                      for k in keys),
                Plan(epoch_sql.beat_plan(runs.name, keys, key[1], self.limit)))
        self._last_beat = (keys, run_ids, beat)
        return beat

    @staticmethod
    def _run(execute: Execute, plan: Plan, numbers: tuple, values: Any = None) -> None:
        """Run the statements of ``plan`` for ``numbers`` and ``values`` by ``execute``, or keep
        them so in a :class:`Statements`."""
        keep = getattr(execute, "plan", None)
        if keep is not None:
            keep(plan, numbers, values)
            return
        for sql, parameters in epoch_sql.statements(plan.steps, numbers, values):
            execute(sql, parameters)


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


#: An INSERT statement per table of the fallback (one object each: compiled once).
_INSERTS = {t.name: t.insert() for t in (Cost.__table__, Metric.__table__)}

__all__ = ["DEFAULT_VARIABLES", "EpochWriter", "Execute", "Plan", "Statements", "driver_executor", "heartbeat",
           "write_epoch"]
