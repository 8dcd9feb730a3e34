"""The writer of the write path: the one way a run's rows reach its database.

A :class:`RunWriter` holds the session of one run and writes rows built by
:mod:`neural_net.db.rows`, each call one transaction, retried while SQLite answers "database
is locked" (several processes may share one file: ids are random 63-bit integers, so rows
never clobber). The :class:`~neural_net.db.store.Store` and the
:class:`~neural_net.db.recorder.Recorder` callback both write through it.

Many runs' writes can share one transaction (:func:`deferred_writes`; an epoch of many runs
given as columns, :func:`write_epochs`), and those transactions can be committed by a thread of
their own while the caller goes on (:func:`background_commits`).

Example:
    >>> from neural_net.db.engine import open_database
    >>> from neural_net.db.writer import RunWriter
    >>> from neural_net.db.schema import utcnow
    >>> writer = RunWriter(open_database("sqlite://"), 42)
    >>> writer.write(run=dict(id=42, Architecture_id=42, name="Sequential", config="{}", created_at=utcnow(),
    ...                       updated_at=utcnow(), status="created", epochs=0))
    >>> writer.update_run(status="finished"); writer.close()
"""
from __future__ import annotations

import functools
import threading
import time
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, TypeVar

from sqlalchemy import bindparam, delete, func, insert, literal, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement

from . import columnar
from .bulk import execute_many
from .engine import checkpoint
from .rows import EpochColumns
from .schema import Architecture, Cost, Layer, Metric, Neurons, Param, Snapshot, Tag, WeightMatrix
from .summary import record_epochs

#: Attempts of a write transaction that SQLite refuses with "database is locked".
RETRIES = 8
_T = TypeVar("_T")
Row = dict[str, Any]
Snapshots = Iterable[tuple[Row, list[Row]]]


def is_lock_error(e: BaseException) -> bool:
    """Whether ``e`` is SQLite's "database is locked" / "busy" (worth trying again).

    Example:
        >>> from neural_net.db.writer import is_lock_error
        >>> is_lock_error(RuntimeError("database is locked")), is_lock_error(RuntimeError("no such table"))
        (True, False)
    """
    msg = str(getattr(e, "orig", e)).lower()
    return "locked" in msg or "busy" in msg


def retry_on_lock(fn: Callable[[], _T]) -> _T:
    """Return ``fn()``, calling it again (up to :data:`RETRIES` more times, after a growing
    pause) while it fails with SQLite's "database is locked"; other errors are raised at once.

    Example:
        >>> from neural_net.db.writer import retry_on_lock
        >>> retry_on_lock(lambda: 42)
        42
    """
    delay = 0.05
    for attempt in range(RETRIES + 1):
        try:
            return fn()
        except OperationalError as e:
            if attempt == RETRIES or not is_lock_error(e):
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class IfNull:
    """A value of a write's ``update_run``: the run's column keeps the value it has, or takes
    ``value`` if it is NULL (``started_at`` of a run trained again keeps its first start).
    Writes of many runs setting the same columns so are one ``executemany``.

    Example:
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.writer import IfNull, RunWriter
        >>> from neural_net.db import run_info
        >>> w = RunWriter(open_database("sqlite://"), 9)
        >>> w.write(run=dict(id=9, Architecture_id=9, config="{}", status="created", epochs=0, run_name="a"))
        >>> w.update_run(run_name=IfNull("b")); run_info("sqlite://", 9)["run_name"]
        'a'
    """

    value: Any


def _plain(values: Row) -> Row:
    """``values`` with each :class:`IfNull` as the SQL expression it stands for."""
    runs = Architecture.__table__
    return {k: func.coalesce(runs.c[k], literal(v.value, runs.c[k].type)) if isinstance(v, IfNull) else v
            for k, v in values.items()}


class RunWriter:
    """Writes the rows of run ``run_id`` to ``engine``'s database (see the module doc).

    Attributes:
        session: the SQLAlchemy :class:`~sqlalchemy.orm.Session` (``expire_on_commit=False``).
        cost_written: whether the run's cost definition row is in the database.

    Example:
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.writer import RunWriter
        >>> w = RunWriter(open_database("sqlite://"), 7); w.next_seq(), w.next_seq()
        (0, 1)
    """

    def __init__(self, engine: Engine, run_id: int) -> None:
        self.engine = engine
        self.run_id = int(run_id)
        self.session = Session(engine, expire_on_commit=False)
        self.cost_written = False
        self._seq = 0

    def next_seq(self) -> int:
        """The number of the run's next snapshot (0, 1, 2, ... in this process)."""
        seq, self._seq = self._seq, self._seq + 1
        return seq

    def write(self, *, run: Row | None = None, layers: list[Row] = (), neurons: list[Row] = (),  # type: ignore[assignment]
              costs: list[Row] = (), metrics: list[Row] = (), snapshots: Snapshots = (),  # type: ignore[assignment]
              update_run: Row | None = None, params: list[Row] | None = None,
              replace_snapshot: int | None = None, tags: list[Row] = (),  # type: ignore[assignment]
              on_commit: Callable[[], None] | None = None) -> None:
        """Insert the rows given (parents first), apply ``update_run`` to the run's row and, with
        ``params``, replace the run's ``param`` rows, in one committed transaction (retried while
        the database is locked). ``replace_snapshot``: the id of a snapshot of the run deleted
        (with its matrices) first, so that one of ``snapshots`` takes its place. ``tags``: the run's ``tag``
        rows. ``on_commit``: called once the rows are committed.

        Inside a :func:`deferred_writes` block on this writer's engine the rows are not written
        here but kept, and written with every other writer's in the block's one transaction
        when it ends (``on_commit`` then runs after that commit, or never if it is dropped)."""
        write = _Write(self, dict(run=run, layers=layers, neurons=neurons, costs=costs, metrics=metrics,
                                  snapshots=list(snapshots) if snapshots else (), update_run=update_run,
                                  params=params, replace_snapshot=replace_snapshot, tags=list(tags) if tags else ()),
                       on_commit)
        group = _open_groups().get(self.engine)
        if group is not None:
            group.writes.append(write)
            return
        settle(self.engine)  # after the blocks handed to a background committer (in order)
        commit_writes([write], self.session)

    def _execute(self, s: Session, *, run: Row | None, layers: list[Row], neurons: list[Row], costs: list[Row],
                 metrics: list[Row], snapshots: list[tuple[Row, list[Row]]], update_run: Row | None,
                 params: list[Row] | None, replace_snapshot: int | None, tags: list[Row]) -> None:
        """Execute (not commit) the statements of one :meth:`write` in session ``s``."""
        inserts = zip(_INSERT_ORDER, _insert_rows(run, layers, neurons, costs, metrics, snapshots, tags))
        if replace_snapshot is not None:
            s.execute(delete(WeightMatrix).where(WeightMatrix.snapshot_id == replace_snapshot,
                                                 WeightMatrix.Architecture_id == self.run_id))
            s.execute(delete(Snapshot).where(Snapshot.id == replace_snapshot,
                                             Snapshot.Architecture_id == self.run_id))
        for table, rows in inserts:
            if rows:
                s.execute(insert(table), list(rows))
        if update_run:
            s.execute(update(Architecture).where(Architecture.Architecture_id == self.run_id).values(**_plain(update_run)))
        if params is not None:
            s.execute(delete(Param).where(Param.Architecture_id == self.run_id))
            if params:
                s.execute(insert(Param), list(params))

    @property
    def held(self) -> bool:
        """Whether a :func:`deferred_writes` block is open on this writer's engine (in this
        thread): :meth:`write` keeps its rows for the block's one transaction."""
        return self.engine in _open_groups()

    def update_run(self, **values: Any) -> None:
        """Set columns of the run's ``Architecture`` row (one transaction)."""
        self.write(update_run=values)

    def insert_epoch(self, costs: list[Row], metrics: list[Row], **run_values: Any) -> None:
        """Insert an epoch's cost and metric rows and update the run's row (one transaction)."""
        self.write(costs=costs, metrics=metrics, update_run=run_values or None)

    def insert_snapshots(self, snapshots: Snapshots, **run_values: Any) -> None:
        """Insert snapshots with their matrices and update the run's row (one transaction)."""
        self.write(snapshots=snapshots, update_run=run_values or None)

    def rollback(self) -> None:
        """Drop whatever the session holds uncommitted."""
        self.session.rollback()

    def close(self) -> None:
        """Close the session and checkpoint the file's write-ahead log (see
        :func:`neural_net.db.engine.checkpoint`)."""
        self.session.close()
        checkpoint(self.engine)


#: The tables a write inserts into, parents first.
_INSERT_ORDER = (Architecture, Layer, Neurons, Cost, Metric, Snapshot, WeightMatrix, Tag)


def _insert_rows(run: Row | None, layers: list[Row], neurons: list[Row], costs: list[Row], metrics: list[Row],
                 snapshots: list[tuple[Row, list[Row]]], tags: list[Row] = (),  # type: ignore[assignment]
                 **_: Any) -> tuple[list[Row], ...]:
    """A write's rows for each table of :data:`_INSERT_ORDER`."""
    return ([run] if run is not None else [], list(layers), list(neurons), list(costs), list(metrics),
            [sn for sn, _ in snapshots], [m for _, ms in snapshots for m in ms], list(tags))


def _gather(writes: list[_Write]) -> tuple[list[Row], ...]:
    """The rows of ``writes`` for each table of :data:`_INSERT_ORDER` and then ``param``, in
    the writes' order (what :func:`_insert_rows` gives for each, concatenated)."""
    runs: list[Row] = []
    layers: list[Row] = []
    neurons: list[Row] = []
    costs: list[Row] = []
    metrics: list[Row] = []
    snapshots: list[Row] = []
    matrices: list[Row] = []
    tags: list[Row] = []
    params: list[Row] = []
    for w in writes:
        r = w.rows
        if r["run"] is not None:
            runs.append(r["run"])
        layers += r["layers"]
        neurons += r["neurons"]
        costs += r["costs"]
        metrics += r["metrics"]
        for snapshot, ms in r["snapshots"]:
            snapshots.append(snapshot)
            matrices += ms
        tags += r["tags"]
        if r["params"]:
            params += r["params"]
    return runs, layers, neurons, costs, metrics, snapshots, matrices, tags, params


def _execute_merged(s: Session, writes: list[_Write]) -> None:
    """Execute ``writes`` in session ``s`` as :meth:`RunWriter.write` would one after the
    other, but with one statement per table for each stretch of writes that only insert rows and
    update their run and replace its ``param`` rows at most once (a block's epochs, the
    members' starts): the replaced runs' params are deleted first, then the rows of all are
    inserted in one ``executemany`` per table, parents first, then the runs' updates (in order,
    so the last one of a run wins; consecutive ones setting the same columns to plain values are
    one ``executemany`` holding each run's last one of them, handed to the driver itself for many
    runs — a block of several epochs updates each run's heartbeat once)."""
    plain: list[_Write] = []
    replaced: set[int] = set()
    for w in writes + [None]:  # type: ignore[list-item]
        if w is not None and w.rows["replace_snapshot"] is None and (
                w.rows["params"] is None or w.writer.run_id not in replaced):
            plain.append(w)
            if w.rows["params"] is not None:
                replaced.add(w.writer.run_id)
            continue
        if plain:
            _insert_and_update(s, plain, replaced)
            plain, replaced = [], set()
        if w is not None:
            if w.rows["replace_snapshot"] is None:  # a run's second params: it starts the next stretch
                plain.append(w)
                replaced.add(w.writer.run_id)
            else:
                w.writer._execute(s, **w.rows)


def _insert_and_update(s: Session, writes: list[_Write], replaced: set[int]) -> None:
    conn = s.connection()
    if replaced:
        conn.execute(delete(Param.__table__).where(Param.__table__.c.Architecture_id.in_(sorted(replaced))))
    for table, merged in zip(_INSERT_ORDER + (Param,), _gather(writes)):
        if merged:
            execute_many(conn, _INSERTS[table], merged, table.__table__.c)
    runs = Architecture.__table__
    batch: dict[int, Row] = {}  # run id -> its last update of this stretch (same columns: the last wins)
    keys: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # the columns set by IfNull

    def flush() -> None:  # one executemany (the driver's own for many runs: bulk.execute_many)
        if batch:
            rows = [dict(run__id=rid, **{"v__" + k: v.value if isinstance(v, IfNull) else v for k, v in values.items()})
                    for rid, values in batch.items()]
            execute_many(conn, _heartbeat(keys, kept), rows, {"v__" + k: runs.c[k] for k in keys})
            batch.clear()

    for w in writes:
        values = w.rows["update_run"]
        if not values:
            continue
        if any(isinstance(v, ClauseElement) for v in values.values()):  # an expression: on its own
            flush()
            conn.execute(update(runs).where(runs.c.Architecture_id == w.writer.run_id).values(**_plain(values)))
            continue
        ifnull = tuple(k for k, v in values.items() if isinstance(v, IfNull))
        if tuple(values) != keys or ifnull != kept:
            flush()
            keys, kept = tuple(values), ifnull
        batch.pop(w.writer.run_id, None)  # keep the runs in the order of their last update
        batch[w.writer.run_id] = values
    flush()


#: An INSERT statement per table (one object each: :func:`~neural_net.db.bulk.execute_many`
#: compiles it once).
_INSERTS = {table: insert(table.__table__) for table in _INSERT_ORDER + (Param,)}

@functools.lru_cache(maxsize=64)
def _heartbeat(keys: tuple[str, ...], kept: tuple[str, ...] = ()) -> Any:
    """``UPDATE Architecture SET <keys> WHERE Architecture_id = :run__id`` (parameters ``v__<key>``;
    a column of ``kept`` set to ``coalesce(column, v__<key>)``), one object per set of columns
    (compiled once by :func:`~neural_net.db.bulk.execute_many`)."""
    runs = Architecture.__table__
    return update(runs).where(runs.c.Architecture_id == bindparam("run__id")).values(
        {k: func.coalesce(runs.c[k], bindparam("v__" + k)) if k in kept else bindparam("v__" + k) for k in keys})


@dataclass
class _Write:
    """One :meth:`RunWriter.write` call: its writer, its rows and what to call once committed."""

    writer: RunWriter
    rows: dict[str, Any]
    on_commit: Callable[[], None] | None = None


@dataclass
class _EpochWrite:
    """One :func:`write_epochs` call: the epoch's columns, the runs' heartbeat, what to call
    once committed."""

    block: EpochColumns
    update_run: Row | None = None
    on_commit: Callable[[], None] | None = None


@dataclass
class _Group:
    """The writes kept by an open :func:`deferred_writes` block on one engine."""

    writes: list[Any] = field(default_factory=list)
    depth: int = 1


_LOCAL = threading.local()


def _open_groups() -> dict[Engine, _Group]:
    """This thread's open :func:`deferred_writes` blocks, by engine."""
    groups = getattr(_LOCAL, "groups", None)
    if groups is None:
        groups = _LOCAL.groups = {}
    return groups


def commit_writes(writes: list[Any], session: Session, direct: Connection | None = None) -> None:
    """Execute ``writes`` (:class:`_Write` and :class:`_EpochWrite`) in ``session`` and commit
    them as one transaction (retried while the database is locked; rolled back on any error),
    then call their ``on_commit``. One write is executed as it is; several (a
    :func:`deferred_writes` block) by :func:`_execute_merged`, each stretch of epoch columns by
    :func:`_execute_epochs`, in the writes' order (the kept writes of a block, as
    :func:`~neural_net.db.commit_thread.background_commits` hands them over).

    ``direct``: a connection the caller keeps to a SQLite database, on which a block made of
    epoch columns only (an ensemble's epoch) is written instead, its statements run on the
    driver's connection (:func:`~neural_net.db.columnar.driver_executor`) in one transaction
    begun and committed on ``direct`` (its engine's ``commit`` events fire as for the session).

    Example:
        >>> from sqlalchemy.orm import Session
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.writer import commit_writes
        >>> with Session(open_database("sqlite://")) as session:
        ...     commit_writes([], session)  # nothing kept: an empty transaction
    """
    if direct is not None and direct.dialect.name == "sqlite" and epochs_only(writes):
        retry_on_lock(_direct_attempt(writes, direct))
    else:
        retry_on_lock(_session_attempt(writes, session))
    committed(writes)


def epochs_only(writes: list[Any]) -> bool:
    """Whether the block ``writes`` holds epoch columns only (:func:`write_epochs`; an
    ensemble's epoch), which :func:`epoch_statements` can write.

    Example:
        >>> from neural_net.db.writer import epochs_only
        >>> epochs_only([])
        False
    """
    return bool(writes) and all(isinstance(w, _EpochWrite) for w in writes)


def committed(writes: list[Any]) -> None:
    """Call the ``on_commit`` of each of ``writes``, in order: they are committed.

    Example:
        >>> from neural_net.db.writer import committed
        >>> committed([])
    """
    for w in writes:
        if w.on_commit is not None:
            w.on_commit()


def epoch_statements(conn: Connection, writes: list[Any],
                     kept: columnar.EpochWriter | None = None) -> columnar.Statements:
    """The SQLite statements that write the block ``writes`` of epoch columns
    (:func:`epochs_only`) on ``conn``'s database, in order, as :func:`commit_writes` runs them,
    without running any (:class:`~neural_net.db.columnar.Statements`: each epoch and
    heartbeat as its plan and numbers): for a process of its own to run in one transaction
    (:mod:`neural_net.db.commit_process`). ``kept``: an
    :class:`~neural_net.db.columnar.EpochWriter` of ``conn`` kept from block to block.

    Example:
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.writer import epoch_statements
        >>> with open_database("sqlite://").connect() as c:
        ...     epoch_statements(c, [])
        []
    """
    out = columnar.Statements()
    if writes:
        _execute_epochs(conn, writes, out, kept)
    return out


def execute_writes(writes: list[Any], session: Session) -> None:
    """Execute, not commit, the statements of ``writes`` (:class:`_Write` and
    :class:`_EpochWrite`, a :func:`deferred_writes` block) in ``session``'s transaction, as
    :func:`commit_writes` runs them.

    Example:
        >>> from sqlalchemy.orm import Session
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.writer import execute_writes
        >>> with Session(open_database("sqlite://")) as session:
        ...     execute_writes([], session)
    """
    plain: list[_Write] = []
    for a, b in _stretches(writes):
        if isinstance(writes[a], _EpochWrite):
            _execute_epochs(session.connection(), writes[a:b])
        elif b - a == 1:
            writes[a].writer._execute(session, **writes[a].rows)
        else:
            _execute_merged(session, writes[a:b])
        plain += [w for w in writes[a:b] if isinstance(w, _Write)]
    if plain:
        record_epochs(session.connection(), [r for w in plain for r in w.rows["costs"]],
                      [r for w in plain for r in w.rows["metrics"]])  # the runs' run_metric rows


def _session_attempt(writes: list[Any], session: Session) -> Callable[[], None]:
    """One try of :func:`commit_writes` in ``session``."""
    def attempt() -> None:
        try:
            execute_writes(writes, session)
            session.commit()
        except BaseException:
            session.rollback()
            raise

    return attempt


def _direct_attempt(writes: list[_EpochWrite], conn: Connection) -> Callable[[], None]:
    """One try of :func:`commit_writes` of a block of epoch columns on the SQLite connection
    ``conn``, its statements run on the driver's connection."""
    execute = columnar.driver_executor(conn)

    def attempt() -> None:
        conn.begin()
        try:
            _execute_epochs(conn, writes, execute)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    return attempt


def _stretches(writes: list[Any]) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of each stretch of consecutive writes of one kind."""
    a = 0
    for i in range(1, len(writes) + 1):
        if i == len(writes) or isinstance(writes[i], _EpochWrite) != isinstance(writes[a], _EpochWrite):
            yield a, i
            a = i


def _execute_epochs(conn: Any, writes: list[_EpochWrite], execute: columnar.Execute | None = None,
                    kept: columnar.EpochWriter | None = None) -> None:
    """Write the epoch columns of ``writes`` (:func:`neural_net.db.columnar.write_epoch`; on
    SQLite by ``kept``, an :class:`~neural_net.db.columnar.EpochWriter` of ``conn``, or a new
    one), then each run's last heartbeat of them: on SQLite one ``UPDATE ... IN`` per set of
    values (each statement run by ``execute``, default ``conn.exec_driver_sql``), elsewhere
    one ``executemany``."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        epochs = columnar.EpochWriter(conn) if kept is None else kept
        execute = conn.exec_driver_sql if execute is None else execute
        for w in writes:
            epochs.write(w.block, execute)
    else:
        for w in writes:
            columnar.write_epoch(conn, w.block, execute)
    if len(writes) == 1:  # an epoch of all: one heartbeat
        w = writes[0]
        same: dict[tuple, Any] = {tuple(w.update_run.items()): w.block.run_ids} if w.update_run else {}
    else:
        last: dict[int, Row] = {}
        for w in writes:
            if w.update_run:
                for rid in w.block.run_ids:
                    last.pop(rid, None)  # in the order of their last update
                    last[rid] = w.update_run
        same = {}
        for rid, values in last.items():
            same.setdefault(tuple(values.items()), []).append(rid)
    runs = Architecture.__table__
    for items, rids in same.items():
        values = dict(items)
        if sqlite:
            epochs.heartbeat(rids, values, execute)  # type: ignore[arg-type]
        else:
            keys = tuple(values)
            execute_many(conn, _heartbeat(keys), [dict(run__id=r, **{"v__" + k: values[k] for k in keys}) for r in rids],
                         {"v__" + k: runs.c[k] for k in keys})


def write_epochs(engine: Engine, block: EpochColumns, update_run: Row | None = None,
                 on_commit: Callable[[], None] | None = None) -> None:
    """Write one epoch of many runs of ``engine``'s database given as columns (their ``Cost``,
    ``metric`` and ``run_metric`` rows; ``update_run``: the columns set on each run's row, the
    heartbeat), as :meth:`RunWriter.write` writes one run's: inside a :func:`deferred_writes`
    block on ``engine`` kept for the block's transaction, else one transaction of its own.

    Example:
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.rows import EpochColumns
        >>> from neural_net.db.schema import utcnow
        >>> from neural_net.db.writer import RunWriter, write_epochs
        >>> engine = open_database("sqlite://"); w = RunWriter(engine, 5)
        >>> w.write(run=dict(id=5, Architecture_id=5, config="{}", created_at=utcnow(), updated_at=utcnow(),
        ...                  status="running", epochs=0))
        >>> write_epochs(engine, EpochColumns((5,), 1, utcnow(), (("train", "loss", 0),), ((0.5,),), 10,
        ...                                   ("MSE",), (1,)), dict(epochs=1))
        >>> from neural_net.db import run_info
        >>> run_info("sqlite://", 5)["epochs"]
        1
    """
    write = _EpochWrite(block, update_run, on_commit)
    group = _open_groups().get(engine)
    if group is not None:
        group.writes.append(write)
        return
    settle(engine)
    with Session(engine, expire_on_commit=False) as session:
        commit_writes([write], session)


@contextmanager
def deferred_writes(engine: Engine) -> Iterator[None]:
    """Within the block, every :meth:`RunWriter.write` of this thread to ``engine`` is kept,
    and all are written in ONE transaction when the block ends (retried while the database is
    locked): many runs' epochs cost one commit. If the block raises, or the commit fails,
    nothing of it is written — each run's earlier blocks stay committed. Blocks nest: the
    outermost one on an engine writes.

    Example:
        >>> from sqlalchemy import event, func, select
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.schema import Architecture, utcnow
        >>> from neural_net.db.writer import RunWriter, deferred_writes
        >>> engine = open_database("sqlite://"); commits = []
        >>> def count(conn): commits.append(1)
        >>> event.listen(engine, "commit", count)
        >>> writers = [RunWriter(engine, rid) for rid in (11, 12, 13)]
        >>> with deferred_writes(engine):
        ...     for w in writers:
        ...         w.write(run=dict(id=w.run_id, Architecture_id=w.run_id, name="Sequential", config="{}",
        ...                          created_at=utcnow(), updated_at=utcnow(), status="created", epochs=0))
        >>> event.remove(engine, "commit", count); len(commits)
        1
        >>> with engine.connect() as c:
        ...     c.scalar(select(func.count()).select_from(Architecture).where(Architecture.Architecture_id.in_((11, 12, 13))))
        3
    """
    groups = _open_groups()
    group = groups.get(engine)
    if group is not None:  # nested: the outer block writes
        group.depth += 1
        try:
            yield
        finally:
            group.depth -= 1
        return
    group = groups[engine] = _Group()
    try:
        yield
    except BaseException:
        del groups[engine]  # drop the block's writes: none of them is half written
        raise
    del groups[engine]  # before committing: a failing commit's handlers write directly
    if group.writes:
        committer = _committer(engine)
        if committer is not None:
            committer.submit(group.writes)
            return
        with Session(engine, expire_on_commit=False) as session:
            commit_writes(group.writes, session)


#: The background committers by (engine, thread that hands them blocks): kept by
#: :func:`neural_net.db.commit_thread.background_commits`, used by :func:`deferred_writes` and
#: :func:`settle` (each has ``submit(writes)``, ``commit_soon()`` and ``settle()``).
COMMITTERS: dict[tuple[Engine, int], Any] = {}


def settle(engine: Engine, report: bool = False) -> None:
    """Wait until the blocks handed to ``engine``'s background committer
    (:func:`~neural_net.db.commit_thread.background_commits`) are committed or dropped: what follows is written after them.
    Nothing to wait for without one (committers belong to the thread that opened them). A failure of those blocks is raised
    here with ``report`` (once); otherwise by the next block handed over, or the end of
    :func:`~neural_net.db.commit_thread.background_commits`.

    Example:
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.writer import settle
        >>> settle(open_database("sqlite://"))
    """
    committer = _committer(engine)
    if committer is not None:
        committer.settle()
        if report:
            committer.report()


def commit_soon(engine: Engine) -> None:
    """Ask ``engine``'s background committer (of this thread) to commit the blocks handed to it
    without waiting for more to group with them; this does not wait (:func:`settle` does).
    Nothing to do without one.

    Example:
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.writer import commit_soon
        >>> commit_soon(open_database("sqlite://"))
    """
    committer = _committer(engine)
    if committer is not None:
        committer.commit_soon()


def _committer(engine: Engine) -> Any:
    """The background committer of ``engine`` that serves this thread, or None."""
    return COMMITTERS.get((engine, threading.get_ident()))


def warn_failure(what: str, error: BaseException) -> None:
    """Warn (not raise) about a store write that failed while handling another error.

    Example:
        >>> import warnings
        >>> from neural_net.db.writer import warn_failure
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always"); warn_failure("save", OSError("disk full"))
        >>> str(w[0].message)
        'neural_net.db: could not save: OSError: disk full'
    """
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    warnings.warn(f"neural_net.db: could not {what}: {detail}", RuntimeWarning, stacklevel=3)
