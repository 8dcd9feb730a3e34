"""The writer of the write path: the one way a run's rows reach its database.

A :class:`RunWriter` holds the session of one run and writes rows built by
:mod:`neural_net.db.rows`, each call one transaction, retried while SQLite answers "database
is locked" (several processes may share one file: ids are random 63-bit integers, so rows
never clobber). The :class:`~neural_net.db.store.Store` and the
:class:`~neural_net.db.recorder.Recorder` callback both write through it.

Example:
    >>> from neural_net.db.engine import open_database
    >>> from neural_net.db.writer import RunWriter
    >>> from neural_net.db.schema import utcnow
    >>> writer = RunWriter(open_database("sqlite://"), 42)
    >>> writer.write(run=dict(id=1, Architecture_id=42, name="Sequential", config="{}", created_at=utcnow(),
    ...                       updated_at=utcnow(), status="created", epochs=0))
    >>> writer.update_run(status="finished"); writer.close()
"""
from __future__ import annotations

import time
import traceback
import warnings
from typing import Any, Callable, Iterable, TypeVar

from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .engine import checkpoint
from .schema import Architecture, Cost, Layer, Metric, Neurons, Param, Snapshot, Tag, WeightMatrix

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
              replace_snapshot: int | None = None, tags: list[Row] = ()) -> None:  # type: ignore[assignment]
        """Insert the rows given (parents first), apply ``update_run`` to the run's row and, with
        ``params``, replace the run's ``param`` rows, in one committed transaction (retried while
        the database is locked). ``replace_snapshot``: the id of a snapshot of the run deleted
        (with its matrices) first, so that one of ``snapshots`` takes its place."""
        snapshots = list(snapshots)
        inserts = [(Architecture, [run] if run is not None else []), (Layer, layers), (Neurons, neurons),
                   (Cost, costs), (Metric, metrics), (Snapshot, [s for s, _ in snapshots]),
                   (WeightMatrix, [m for _, ms in snapshots for m in ms]), (Tag, tags)]

        def attempt() -> None:
            s = self.session
            try:
                if replace_snapshot is not None:
                    s.execute(delete(WeightMatrix).where(WeightMatrix.snapshot_id == replace_snapshot,
                                                         WeightMatrix.Architecture_id == self.run_id))
                    s.execute(delete(Snapshot).where(Snapshot.id == replace_snapshot,
                                                     Snapshot.Architecture_id == self.run_id))
                for table, rows in inserts:
                    if rows:
                        s.execute(insert(table), list(rows))
                if update_run:
                    s.execute(update(Architecture).where(Architecture.Architecture_id == self.run_id)
                              .values(**update_run))
                if params is not None:
                    s.execute(delete(Param).where(Param.Architecture_id == self.run_id))
                    if params:
                        s.execute(insert(Param), list(params))
                s.commit()
            except BaseException:
                s.rollback()
                raise

        retry_on_lock(attempt)

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
