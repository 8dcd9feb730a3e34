"""The background committer of the write path: :func:`background_commits` commits each
:func:`~neural_net.db.writer.deferred_writes` block on an engine in a thread of its own, in
order, while the thread that wrote it goes on (an :class:`~neural_net.ensemble.Ensemble` trains
its next epoch while the last one is written).

Example:
    >>> from neural_net.db.commit_thread import BACKLOG
    >>> BACKLOG
    2
"""
from __future__ import annotations

import os
import queue
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from .commit_process import ProcessCommitter
from .urls import is_memory
from .writer import COMMITTERS, commit_writes


class _Committer:
    """Commits the blocks of :func:`deferred_writes` on one engine in a thread of its own, in
    the order given (see :func:`background_commits`). At most :data:`BACKLOG` blocks wait or
    are being committed: :meth:`submit` waits for room first, so a block's failure is known by
    the time the next but ``BACKLOG - 1`` is given."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queue: queue.Queue[list[Any] | None] = queue.Queue()
        self.room = threading.Semaphore(BACKLOG)
        self.error: BaseException | None = None  # the first failure not yet reported
        self.thread = threading.Thread(target=self._run, name="neural_net-commits", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        session = Session(self.engine, expire_on_commit=False)
        # on SQLite, the blocks of epoch columns (an ensemble's epochs) are written on one
        # connection kept for the thread's life, statement by statement on the driver's
        # connection: the thread then holds the GIL for little more than binding the values,
        # and the training thread, which needs it, is slowed the less
        direct = self.engine.connect() if self.engine.dialect.name == "sqlite" else None
        try:
            while True:
                writes = self.queue.get()
                try:
                    if writes is None:
                        return
                    if self.error is None:  # after a failure the blocks given before it was reported are dropped
                        try:
                            commit_writes(writes, session, direct)
                        except BaseException as e:  # noqa: BLE001 - reported to the training thread
                            self.error = e
                finally:
                    self.room.release()
                    self.queue.task_done()
        finally:
            session.close()
            if direct is not None:
                direct.close()

    def report(self) -> None:
        """Raise the failure of a block not yet reported (once), after every block given
        before it has been dropped."""
        if self.error is not None:
            self.queue.join()
            error, self.error = self.error, None
            raise error

    def submit(self, writes: list[Any]) -> None:
        """Commit ``writes`` in the thread (after those given before); raises the failure of an
        earlier block instead, if one is not yet reported (``writes`` are then dropped)."""
        self.room.acquire()
        try:
            self.report()
        except BaseException:
            self.room.release()
            raise
        self.queue.put(writes)

    def commit_soon(self) -> None:
        """Nothing to do: the thread commits each block as soon as it can."""

    def settle(self) -> None:
        """Wait until every block given is committed or dropped."""
        if threading.current_thread() is not self.thread:
            self.queue.join()

    def stop(self) -> None:
        self.room.acquire()
        self.queue.put(None)
        self.thread.join()


#: Blocks a background committer holds at most (waiting or being committed).
BACKLOG = 2


def uses_process(engine: Engine) -> bool:
    """Whether :func:`background_commits` on ``engine`` commits in a process of its own
    (:class:`~neural_net.db.commit_process.ProcessCommitter`): for a SQLite file on POSIX named
    by a plain path (no ``?uri=true`` or other options in the URL), unless
    the engine has ``commit`` event listeners (they would not see the process's commits) or
    ``NEURAL_NET_COMMITTER=thread`` is set in the environment. Otherwise a thread commits.

    Example:
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.commit_thread import uses_process
        >>> uses_process(open_database("sqlite://"))
        False
    """
    url = engine.url
    return (url.get_backend_name() == "sqlite" and os.name == "posix" and not is_memory(str(url)) and not url.query
            and os.environ.get("NEURAL_NET_COMMITTER", "process") != "thread" and not engine.dispatch.commit)


@contextmanager
def background_commits(engine: Engine) -> Iterator[None]:
    """Within the block, each :func:`deferred_writes` block on ``engine`` is committed in the
    background instead of by the thread that wrote it, which goes on: by a process of its own
    for a SQLite file (:func:`uses_process`, :class:`~neural_net.db.commit_process.ProcessCommitter`),
    else by a thread (SQLite and
    PostgreSQL's drivers release the GIL while the database works): an
    :class:`~neural_net.ensemble.Ensemble` trains its next epoch while the last one is written.
    The blocks are committed one by one in their order, each still one transaction (all or
    nothing); a write outside a deferred block first waits for them (:func:`~neural_net.db.writer.settle`). If one
    fails, the ones given after it are dropped and its error is raised by the next
    :func:`deferred_writes` block to end (at most :data:`BACKLOG` blocks later) or, for the
    last ones, when this block ends. An in-memory SQLite database (one connection for all
    threads) is written as without the block. Nested blocks: the outermost one commits. The
    committer serves the thread that opened the block (deferred blocks are per thread too).

    Example:
        >>> import os, tempfile
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.schema import utcnow
        >>> from neural_net.db.commit_thread import background_commits
        >>> from neural_net.db.writer import RunWriter, deferred_writes
        >>> engine = open_database("sqlite:///" + os.path.join(tempfile.mkdtemp(), "bg.db"))
        >>> w = RunWriter(engine, 3)
        >>> with background_commits(engine):
        ...     with deferred_writes(engine):
        ...         w.write(run=dict(id=3, Architecture_id=3, config="{}", created_at=utcnow(),
        ...                          updated_at=utcnow(), status="created", epochs=0))
        >>> from neural_net.db import run_info
        >>> run_info(str(engine.url), 3)["status"]
        'created'
    """
    key = (engine, threading.get_ident())
    if key in COMMITTERS or isinstance(engine.pool, StaticPool):
        yield
        return
    committer = None
    if uses_process(engine):
        try:
            committer = ProcessCommitter(engine)
        except OSError:  # no interpreter to start (an embedded Python): the thread commits
            pass
    committer = COMMITTERS[key] = committer or _Committer(engine)
    try:
        yield
    except BaseException:
        del COMMITTERS[key]
        committer.stop()  # the blocks given are committed (or dropped after a failure)
        committer.error = None
        raise
    del COMMITTERS[key]
    committer.stop()
    committer.report()


__all__ = ["BACKLOG", "background_commits", "uses_process"]
