"""Many rows in one statement, handed to the database driver without SQLAlchemy's work per row.

``conn.execute(statement, rows)`` with a list of dicts is an ``executemany``, but SQLAlchemy
builds and processes the parameters of every row in Python; for the few hundred rows an
ensemble's epoch writes (an epoch row per member and curve, a summary row per member and
curve) that work costs more than SQLite's. :func:`execute_many` compiles the statement once,
applies each column's bind processor column by column (a timestamp shared by the rows is
converted once) and gives the tuples to the driver's ``executemany``: the same values are
stored. It does so on drivers of positional parameters (SQLite's) for :data:`BULK_ROWS` rows or
more of the same keys, and leaves everything else to SQLAlchemy.

Example:
    >>> import os, tempfile
    >>> from sqlalchemy import insert, select, func
    >>> from neural_net.db.bulk import execute_many
    >>> from neural_net.db.engine import open_database
    >>> from neural_net.db.schema import Architecture
    >>> engine = open_database("sqlite:///" + os.path.join(tempfile.mkdtemp(), "bulk.db"))
    >>> rows = [dict(id=i, Architecture_id=i, config="{}") for i in range(1, 101)]
    >>> with engine.begin() as c:
    ...     execute_many(c, insert(Architecture.__table__), rows, Architecture.__table__.c)
    ...     c.scalar(select(func.count()).select_from(Architecture))
    100
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Connection

#: Rows from which :func:`execute_many` hands them to the driver itself.
BULK_ROWS = 64
Row = dict[str, Any]


def _is_time(kind: Any) -> bool:
    """Whether a column of type ``kind`` holds timestamps (a ``DateTime`` or a type decorating one)."""
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


def execute_many(conn: Connection, statement: Any, rows: list[Row], columns: Any) -> None:
    """Execute ``statement`` (an INSERT or UPDATE whose parameters are named by ``rows``' keys)
    once per row of ``rows``, as ``conn.execute(statement, rows)`` does (see the module doc).
    ``columns`` maps parameter names to the columns whose type processes them (a table's ``c``,
    or a dict); a parameter it does not name (a key of an UPDATE's WHERE, say) is passed as it
    is, so it must be a plain number or text."""
    if not rows:
        return
    keys = list(rows[0])
    dialect = conn.dialect
    if len(rows) < BULK_ROWS or not dialect.positional or not all(map(rows[0].keys().__eq__, map(dict.keys, rows))):
        conn.execute(statement, rows)
        return
    text, order = _compiled(statement, dialect, tuple(keys))
    if sorted(order) != sorted(keys):  # not one plain parameter per key: let SQLAlchemy do it
        conn.execute(statement, rows)
        return
    data = []
    for key in order:
        values = list(map(itemgetter(key), rows))
        column = columns.get(key)
        process = None if column is None else column.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None and _is_time(column.type):  # few distinct: once each
            done = {v: process(v) for v in set(values)}
            values = list(map(done.__getitem__, values))
        elif process is not None:
            values = list(map(process, values))
        data.append(values)
    conn.exec_driver_sql(text, list(zip(*data)))


#: Compiled statements by (statement, dialect, keys): a statement object kept by its caller
#: (:func:`neural_net.db.summary.upsert_statement`'s, the writer's inserts) is compiled once.
_COMPILED: dict[tuple[int, str, tuple[str, ...]], tuple[Any, str, list[str]]] = {}


def _compiled(statement: Any, dialect: Any, keys: tuple[str, ...]) -> tuple[str, list[str]]:
    """The SQL text of ``statement`` for ``dialect`` and the order of its parameters."""
    key = (id(statement), dialect.name, keys)
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is statement:
        return hit[1], hit[2]
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    order = list(compiled.positiontup or ())
    if len(_COMPILED) > 256:
        _COMPILED.clear()
    _COMPILED[key] = (statement, compiled.string, order)
    return compiled.string, order


__all__ = ["BULK_ROWS", "execute_many"]
