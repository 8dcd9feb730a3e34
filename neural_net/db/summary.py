"""The ``run_metric`` table: per run and curve (the loss or a metric, per split) its number of
epochs, last value and lowest and highest value, kept up to date as epochs are written, so that
the catalogue (:func:`neural_net.db.runs`) reads a few rows per run instead of every epoch.

* :func:`record_epochs` merges a transaction's ``Cost`` and ``metric`` epoch rows into it: the
  :class:`~neural_net.db.writer.RunWriter` calls it in the transaction of the epoch rows, and
  :func:`neural_net.db.import_history` in its own;
* :func:`rebuild` recomputes it from the epoch rows (the migration that creates the table, a
  copied run).

A deleted run's rows go with it (foreign key ``ON DELETE CASCADE``). The lowest and highest
values leave NULL and NaN out; ties keep the first epoch. The loss is the curve of source
``'Cost'`` named ``'loss'``.

Example:
    >>> import os, tempfile
    >>> from sqlalchemy import insert, select
    >>> from neural_net.db.engine import open_database
    >>> from neural_net.db.schema import Architecture, RunMetric
    >>> from neural_net.db.summary import record_epochs
    >>> engine = open_database("sqlite:///" + os.path.join(tempfile.mkdtemp(), "summary.db"))
    >>> with engine.begin() as c:
    ...     _ = c.execute(insert(Architecture), [dict(id=5, Architecture_id=5, config="{}")])
    >>> rows = [dict(Architecture_id=5, epoch=e, split="train", name="accuracy", value=v)
    ...         for e, v in ((1, 0.5), (2, 0.9), (3, 0.7))]
    >>> with engine.begin() as c:
    ...     record_epochs(c, [], rows[:2]); record_epochs(c, [], rows[2:])
    >>> T = RunMetric.__table__
    >>> with engine.connect() as c:
    ...     c.execute(select(T.c.epochs, T.c.last_value, T.c.low, T.c.high, T.c.high_epoch)).one()
    (3, 0.7, 0.5, 0.9, 2)
"""
from __future__ import annotations

import functools
import math
import operator
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import and_, bindparam, case, delete, insert, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Dialect

from .bulk import execute_many
from .schema import Architecture, Cost, Metric, RunMetric

Key = tuple[int, str, str, str]
#: The state of one curve: the columns of ``run_metric`` after its key.
FIELDS = ("epochs", "last_epoch", "last_value", "low", "low_epoch", "high", "high_epoch")
#: Runs per ``IN (...)`` list.
CHUNK = 500


def _empty() -> dict[str, Any]:
    return dict(epochs=0, last_epoch=None, last_value=None, low=None, low_epoch=None, high=None, high_epoch=None)


def _add(state: dict[str, Any], epoch: int, value: Any) -> None:
    """Fold one epoch's value into ``state``."""
    epoch = int(epoch)
    value = None if value is None else float(value)
    state["epochs"] += 1
    if state["last_epoch"] is None or epoch >= state["last_epoch"]:
        state["last_epoch"], state["last_value"] = epoch, value
    if value is None or math.isnan(value):
        return
    low, high = state["low"], state["high"]
    if low is None or value < low or (value == low and epoch < state["low_epoch"]):
        state["low"], state["low_epoch"] = value, epoch
    if high is None or value > high or (value == high and epoch < state["high_epoch"]):
        state["high"], state["high_epoch"] = value, epoch


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    """Fold the state ``other`` (later epochs, usually) into ``into``."""
    into["epochs"] += other["epochs"]
    if other["last_epoch"] is not None and (into["last_epoch"] is None or other["last_epoch"] >= into["last_epoch"]):
        into["last_epoch"], into["last_value"] = other["last_epoch"], other["last_value"]
    for v, e, better in (("low", "low_epoch", lambda a, b: a < b), ("high", "high_epoch", lambda a, b: a > b)):
        if other[v] is None:
            continue
        if into[v] is None or better(other[v], into[v]) or (other[v] == into[v] and other[e] < into[e]):
            into[v], into[e] = other[v], other[e]


def fold(costs: Iterable[dict[str, Any]], metrics: Iterable[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    """The state of each curve of the epoch rows ``costs`` and ``metrics`` (rows as the store
    writes them; a cost definition row, whose epoch is NULL, is left out).

    Example:
        >>> from neural_net.db.summary import fold
        >>> costs = [dict(Architecture_id=1, epoch=e, split="val", value=v) for e, v in ((1, 0.3), (2, 0.2))]
        >>> state = fold(costs, [])[(1, "Cost", "val", "loss")]
        >>> state["last_value"], state["low"], state["low_epoch"], state["epochs"]
        (0.2, 0.2, 2, 2)
    """
    out: dict[Key, dict[str, Any]] = {}
    for source, rows in (("Cost", costs), ("metric", metrics)):
        for r in rows:
            if r.get("epoch") is None:
                continue
            key = (int(r["Architecture_id"]), source, str(r["split"]), "loss" if source == "Cost" else str(r["name"]))
            state = out.get(key)
            if state is None:
                state = out[key] = _empty()
            _add(state, r["epoch"], r.get("value"))
    return out


def _existing(conn: Connection, runs: Sequence[int]) -> dict[Key, dict[str, Any]]:
    T = RunMetric.__table__
    found: dict[Key, dict[str, Any]] = {}
    for start in range(0, len(runs), CHUNK):
        part = list(runs[start:start + CHUNK])
        for r in conn.execute(select(T).where(T.c.Architecture_id.in_(part))).mappings():
            found[(r["Architecture_id"], r["source"], r["split"], r["name"])] = {f: r[f] for f in FIELDS}
    return found


def _write(conn: Connection, states: dict[Key, dict[str, Any]], existing: dict[Key, dict[str, Any]]) -> None:
    T = RunMetric.__table__
    inserts, updates = [], []
    for key, state in states.items():
        rid, source, split, name = key
        if key in existing:
            updates.append(dict(k_run=rid, k_source=source, k_split=split, k_name=name, **state))
        else:
            inserts.append(dict(Architecture_id=rid, source=source, split=split, name=name, **state))
    if inserts:
        conn.execute(insert(T), inserts)
    if updates:
        where = and_(T.c.Architecture_id == bindparam("k_run"), T.c.source == bindparam("k_source"),
                     T.c.split == bindparam("k_split"), T.c.name == bindparam("k_name"))
        conn.execute(update(T).where(where).values({f: bindparam(f) for f in FIELDS}), updates)


def record_epochs(conn: Connection, costs: Iterable[dict[str, Any]], metrics: Iterable[dict[str, Any]]) -> None:
    """Merge the epoch rows ``costs`` and ``metrics`` (just inserted, in ``conn``'s transaction)
    into ``run_metric``. On SQLite and PostgreSQL that is one ``INSERT ... ON CONFLICT DO
    UPDATE`` of the rows' folded states, the database merging each into the row it has
    (:func:`upsert_statement`); elsewhere one read of the runs' summary rows, one insert and one
    update.

    Example:
        >>> from neural_net.db.summary import record_epochs
        >>> record_epochs(None, [], [])  # nothing to do: not even a query
    """
    states = fold(costs, metrics)
    if not states:
        return
    statement = upsert_statement(conn.dialect)
    if statement is not None:
        rows = [dict(Architecture_id=rid, source=source, split=split, name=name, **state)
                for (rid, source, split, name), state in states.items()]
        execute_many(conn, statement, rows, RunMetric.__table__.c)
        return
    existing = _existing(conn, sorted({k[0] for k in states}))
    for key, state in states.items():
        if key in existing:
            old = dict(existing[key])
            _merge(old, state)
            states[key] = old
    _write(conn, states, existing)


@functools.lru_cache(maxsize=None)
def _upsert(name: str) -> Any:
    """The statement of :func:`upsert_statement` for dialect ``name`` (built once)."""
    return _on_conflict_merge(_UPSERTS[name](RunMetric.__table__))


def _on_conflict_merge(stmt: Any) -> Any:
    """``stmt`` (an INSERT into ``run_metric`` of SQLite's or PostgreSQL's dialect) with the
    ``ON CONFLICT (key) DO UPDATE`` of :func:`upsert_statement`."""
    T = RunMetric.__table__
    new = stmt.excluded

    def better(v: str, e: str, wins: Callable[[Any, Any], Any]) -> Any:
        return and_(new[v].is_not(None), or_(T.c[v].is_(None), wins(new[v], T.c[v]),
                                             and_(new[v] == T.c[v], new[e] < T.c[e])))

    later = or_(T.c.last_epoch.is_(None), new.last_epoch >= T.c.last_epoch)
    low, high = better("low", "low_epoch", operator.lt), better("high", "high_epoch", operator.gt)
    values = dict(epochs=T.c.epochs + new.epochs,
                  last_epoch=case((later, new.last_epoch), else_=T.c.last_epoch),
                  last_value=case((later, new.last_value), else_=T.c.last_value),
                  low=case((low, new.low), else_=T.c.low), low_epoch=case((low, new.low_epoch), else_=T.c.low_epoch),
                  high=case((high, new.high), else_=T.c.high),
                  high_epoch=case((high, new.high_epoch), else_=T.c.high_epoch))
    return stmt.on_conflict_do_update(index_elements=[T.c.Architecture_id, T.c.source, T.c.split, T.c.name],
                                      set_=values)


@functools.lru_cache(maxsize=None)
def _upsert_from_rows(name: str, source: str) -> tuple[str, tuple[str, ...]]:
    T = RunMetric.__table__
    E = Cost.__table__ if source == "Cost" else Metric.__table__
    value, epoch = E.c.value, E.c.epoch
    marked = case((value.is_(None), None), else_=epoch)  # no low/high of a NULL (NaN) value
    rows = select(E.c.Architecture_id, literal_column(f"'{source}'"), E.c.split,
                  literal_column("'loss'") if source == "Cost" else E.c.name, literal_column("1"), epoch, value,
                  value, marked, value, marked).where(E.c.id.between(bindparam("lo"), bindparam("hi")),
                                                       epoch == bindparam("epoch"))
    stmt = _on_conflict_merge(_UPSERTS[name](T).from_select(
        ["Architecture_id", "source", "split", "name", "epochs", "last_epoch", "last_value", "low", "low_epoch",
         "high", "high_epoch"], rows))
    compiled = stmt.compile(dialect=_DIALECTS[name]())
    return compiled.string, tuple(compiled.positiontup or ())


def upsert_from_rows(dialect: Dialect, source: str) -> tuple[str, tuple[str, ...]]:
    """The SQL text (for SQLite) of the merge of :func:`upsert_statement` fed by the epoch
    rows of table ``source`` (``'Cost'`` or ``'metric'``) of epoch ``epoch`` whose ids are
    between the parameters ``lo`` and ``hi`` (each curve once in the range: the rows of one
    epoch), and the order of those parameters. A NULL value (SQLite stores a
    NaN so) is left out of the low and high, as :func:`fold` leaves NaN out.

    Example:
        >>> from sqlalchemy.dialects import sqlite
        >>> from neural_net.db.summary import upsert_from_rows
        >>> text, order = upsert_from_rows(sqlite.dialect(), "metric"); order
        ('lo', 'hi', 'epoch')
    """
    if dialect.name != "sqlite" or source not in ("Cost", "metric"):
        raise ValueError(f"upsert_from_rows: expected SQLite and source 'Cost' or 'metric', got "
                         f"{dialect.name!r} and {source!r}")
    return _upsert_from_rows(dialect.name, source)


def upsert_statement(dialect: Dialect) -> Any:
    """The ``INSERT INTO run_metric ... ON CONFLICT (key) DO UPDATE`` that merges a curve's
    state (its epochs since the row was written) into the row the database holds, as
    :func:`fold` would fold the epochs one by one: epochs added, the later last epoch kept, the
    lower low and the higher high kept (on a tie the earlier epoch). None for a database
    without it (SQLite before 3.24, other than SQLite and PostgreSQL).

    In the ``SET`` clause every column is the row's value before the update, ``excluded`` the
    row offered — on both databases.

    Example:
        >>> from sqlalchemy.dialects import sqlite
        >>> from neural_net.db.summary import upsert_statement
        >>> "ON CONFLICT" in str(upsert_statement(sqlite.dialect()).compile(dialect=sqlite.dialect()))
        True
    """
    if dialect.name == "sqlite" and getattr(dialect, "dbapi", None) is not None and \
            dialect.dbapi.sqlite_version_info < (3, 24):
        return None
    return _upsert(dialect.name) if dialect.name in _UPSERTS else None


#: The dialects whose ``insert`` has ``on_conflict_do_update``.
_UPSERTS: dict[str, Callable[[Any], Any]] = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}
_DIALECTS: dict[str, Callable[[], Dialect]] = {"sqlite": sqlite_dialect}


def rebuild(conn: Connection, run_ids: Sequence[int] | None = None) -> int:
    """Recompute ``run_metric`` for the runs ``run_ids`` (all runs when None) from their
    ``Cost`` and ``metric`` epoch rows, in ``conn``'s transaction; returns the rows written.

    Example:
        >>> import os, tempfile
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.summary import rebuild
        >>> with open_database("sqlite:///" + os.path.join(tempfile.mkdtemp(), "empty.db")).begin() as c:
        ...     rebuild(c)
        0
    """
    T, C, M = RunMetric.__table__, Cost.__table__, Metric.__table__
    if run_ids is None:
        run_ids = list(conn.execute(select(Architecture.__table__.c.Architecture_id)).scalars())
        conn.execute(delete(T))
    ids = sorted({int(r) for r in run_ids})
    written = 0
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        conn.execute(delete(T).where(T.c.Architecture_id.in_(part)))
        costs = conn.execute(select(C.c.Architecture_id, C.c.epoch, C.c.split, C.c.value)
                             .where(C.c.Architecture_id.in_(part), C.c.epoch.is_not(None))).fetchall()
        metrics = conn.execute(select(M.c.Architecture_id, M.c.epoch, M.c.split, M.c.name, M.c.value)
                               .where(M.c.Architecture_id.in_(part))).fetchall()
        states: dict[Key, dict[str, Any]] = {}
        for rows, source in ((costs, "Cost"), (metrics, "metric")):
            for r in rows:
                key = (r[0], source, r[2], "loss" if source == "Cost" else r[3])
                state = states.get(key)
                if state is None:
                    state = states[key] = _empty()
                _add(state, r[1], r[-1])
        _write(conn, states, {})
        written += len(states)
    return written


__all__ = ["FIELDS", "fold", "record_epochs", "rebuild", "upsert_from_rows", "upsert_statement"]
