"""The committer process: an ensemble's epochs written into a SQLite file by a process of
their own (:mod:`neural_net.db.commit_child`), so that the training process's interpreter only
prepares each epoch's statements and hands them over.

A thread of the training process committing in the background still takes the interpreter's
lock between statements, and the training thread, which needs it for every small product,
waits each time (measured on W3: +24 % on the fit's wall time for the commits, against +8 %
for the recording itself). A process shares no lock: its SQLite work runs on the other core.
:func:`~neural_net.db.commit_thread.background_commits` uses one for a SQLite file on POSIX
(the thread otherwise, and when the engine has ``commit`` event listeners, which would not see
the child's commits). :class:`ProcessCommitter` has the thread committer's methods and
guarantees: blocks committed in their order, each all or nothing, at most :data:`BACKLOG`
handed over and not yet committed, a failure raised by a later block (those after it
dropped), ``on_commit`` of each committed block called in the training thread.

An epoch block goes as the plan of its shape, once (its runs, curves and statements:
:mod:`~neural_net.db.epoch_sql`, kept by an :class:`~neural_net.db.columnar.EpochWriter`), then
each epoch as its numbers and values, from which the child builds the statements
(:func:`~neural_net.db.writer.epoch_statements`); those of any other block (a fit's start and
end: statuses, hyper-parameters, snapshots) are the ones SQLAlchemy hands to the driver when
the block is executed on the probe connection, kept instead of run (its ``do_execute``
events). A block with a value :mod:`marshal` cannot
hold is committed by the training thread itself, after the blocks before it.

Example:
    >>> import os, tempfile
    >>> from neural_net.db.engine import open_database
    >>> from neural_net.db.commit_process import ProcessCommitter
    >>> engine = open_database("sqlite:///" + os.path.join(tempfile.mkdtemp(), "p.db"))
    >>> c = ProcessCommitter(engine); c.submit([]); c.stop(); c.report()
"""
from __future__ import annotations

import json
import marshal
import os
import select
import sqlite3
import struct
import subprocess
import sys
import threading
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the thread committer is used
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from . import commit_child
from .columnar import EpochWriter
from .connections import BUSY_TIMEOUT
from .errors import StoreError
from .writer import commit_writes, committed, epoch_statements, epochs_only, execute_writes

#: Blocks handed to the process and not yet committed, at most (the training waits for room;
#: the process commits those that come within its window, at most half of these, in one
#: transaction: :data:`~neural_net.db.commit_child.WINDOW`).
BACKLOG = 64
#: Bytes asked for the pipe to the child (Linux): the backlog's frames (W3: 9 KB an epoch) fit
#: in it while the child checkpoints, so handing one over never waits.
PIPE_BYTES = 1 << 20
_HEADER = struct.Struct("<I")
_FLUSH = _HEADER.pack(0)  # an empty frame: commit the blocks held now (commit_child.FLUSH)


class CommitterDied(StoreError):
    """The committer process ended without committing the blocks handed to it (killed, or
    it could not start); they are not written.

    Example:
        >>> from neural_net.db.commit_process import CommitterDied
        >>> issubclass(CommitterDied, Exception)
        True
    """


def _driver_error(report: dict) -> BaseException:
    """The SQLAlchemy error of the child's driver error ``report`` (class, message, sql), as
    the thread committer's statements raise it."""
    cls = getattr(sqlite3, str(report.get("class")), None)
    if not (isinstance(cls, type) and issubclass(cls, sqlite3.Error)):
        cls = sqlite3.Error
    return DBAPIError.instance(str(report.get("sql", "")), None, cls(str(report.get("message", ""))), sqlite3.Error)


class ProcessCommitter:
    """Commits the blocks of :func:`~neural_net.db.writer.deferred_writes` on the SQLite file of
    ``engine`` in a process of its own (see the module doc); started at once, the process
    connects while training begins.

    Example:
        >>> import os, tempfile
        >>> from neural_net.db.engine import open_database
        >>> from neural_net.db.commit_process import ProcessCommitter
        >>> engine = open_database("sqlite:///" + os.path.join(tempfile.mkdtemp(), "q.db"))
        >>> c = ProcessCommitter(engine); c.settle(); c.stop()
    """

    #: Seconds the process waits for more blocks to commit with one it holds
    #: (:data:`~neural_net.db.commit_child.WINDOW`).
    window = commit_child.WINDOW

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # the dialect, bind processors and variable limit of the statements; and the connection of
        # the blocks written here, which leaves the checkpoints of the log to the process
        self.probe = engine.connect()
        self.probe.exec_driver_sql("PRAGMA wal_autocheckpoint = 0")
        self.probe.commit()
        self.session = Session(bind=self.probe, expire_on_commit=False)
        self.epochs = EpochWriter(self.probe)  # what each epoch's statements share, kept
        self.captured: list[tuple[str, Any, None]] | None = None  # the statements of a block being captured
        self.listeners = [("do_execute", self._keep), ("do_executemany", self._keep),
                          ("do_execute_no_params", lambda cursor, sql, context: self._keep(cursor, sql, (), context))]
        for name, fn in self.listeners:
            event.listen(engine, name, fn)
        self.numbers: dict[Any, int] = {}  # statement text (or columnar.Plan) -> its number in the child
        self.inflight: list[tuple[int, list[Any]]] = []  # (seq, writes) handed over, not committed
        self.seq = 0
        self.error: BaseException | None = None
        self.child: subprocess.Popen | None = None
        self.replies = b""
        try:
            self._start()
        except BaseException:  # OSError: no interpreter to run the child
            self._close()
            raise

    # ----- the child ------------------------------------------------------------------------
    def _start(self) -> None:
        self.numbers = {}
        self.replies = b""
        self.child = subprocess.Popen(
            [sys.executable, "-I", commit_child.__file__, str(self.engine.url.database),
             str(int(BUSY_TIMEOUT * 1000)), repr(float(self.window))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True,
            start_new_session=True)  # Ctrl-C at the terminal reaches the training process only
        assert self.child.stdout is not None and self.child.stdin is not None
        os.set_blocking(self.child.stdout.fileno(), False)
        self.replied = select.poll()  # whether a reply waits, without a failing read (an exception) each block
        self.replied.register(self.child.stdout.fileno(), select.POLLIN)
        if fcntl is not None and hasattr(fcntl, "F_SETPIPE_SZ"):  # Linux: room for the backlog during a checkpoint
            try:
                fcntl.fcntl(self.child.stdin.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
            except OSError:  # above /proc/sys/fs/pipe-max-size for this user: the default size
                pass

    def _read(self, wait: bool) -> None:
        """Take the child's replies (waiting for one with ``wait``): call the ``on_commit`` of
        the blocks committed; on a failure, or the child's end, keep the error and drop the
        blocks in flight."""
        child = self.child
        if child is None:
            return
        fd = child.stdout.fileno()  # type: ignore[union-attr]
        if not wait and not self.replied.poll(0):
            return
        ended = False
        while True:
            if wait and b"\n" not in self.replies:
                select.select([fd], [], [])
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                chunk = None
            if chunk == b"":
                ended = True
            elif chunk:
                self.replies += chunk
            if ended or b"\n" in self.replies or not wait:
                break
        *lines, self.replies = self.replies.split(b"\n")
        for line in lines:
            kind, _, rest = line.decode().partition(" ")
            if kind == "ok":
                seq = int(rest)
                while self.inflight and self.inflight[0][0] <= seq:
                    committed(self.inflight.pop(0)[1])
            else:
                self.error = _driver_error(json.loads(rest))
                ended = True
        if ended:
            self._ended()

    def _ended(self) -> None:
        """The child has exited (or failed): reap it, drop the blocks in flight."""
        child, self.child = self.child, None
        assert child is not None
        try:
            child.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        code = child.wait()
        detail = child.stderr.read().decode(errors="replace").strip()[-2000:]  # type: ignore[union-attr]
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]
        if self.inflight and self.error is None:
            self.error = CommitterDied(f"the committer process of {self.engine.url.database} ended (exit code "
                                       f"{code}) before committing {len(self.inflight)} block(s)"
                                       + (f": {detail}" if detail else ""))
        self.inflight.clear()

    def _keep(self, cursor: Any, sql: str, parameters: Any, context: Any) -> bool | None:
        """The engine's ``do_execute`` (and ``do_executemany``) event: while a block is
        captured (:meth:`_statements`), a statement of the probe connection is kept, not run."""
        if self.captured is None or context.root_connection is not self.probe:
            return None
        many = isinstance(parameters, list) and context.executemany
        self.captured.append((sql, [tuple(p) for p in parameters] if many else tuple(parameters), None))
        return True

    def _statements(self, writes: list[Any]) -> list[tuple[Any, Any, Any]]:
        """The statements that write the block ``writes``, as :func:`commit_writes` runs them
        (an executemany's parameters as a list of rows), none run: an epoch block's plans and
        numbers (:func:`epoch_statements`), another's statements kept from the probe
        connection as SQLAlchemy hands them to the driver."""
        if epochs_only(writes):
            return epoch_statements(self.probe, writes, self.epochs)
        self.captured = []
        try:
            execute_writes(writes, self.session)
            return self.captured
        finally:
            self.captured = None
            self.session.rollback()  # (nothing ran)

    def _send(self, writes: list[Any], statements: list[tuple[Any, Any, Any]]) -> None:
        """Hand the block ``writes``, its ``statements``, to the child (started again if it is
        not running); ValueError, before anything is sent, if a parameter is of a type
        :mod:`marshal` cannot hold."""
        if self.child is None:
            self._start()
        numbers, new, body = self.numbers, [], []
        for key, parameters, values in statements:  # key: a statement's SQL, or a Plan
            number = numbers.get(key)
            if number is None:
                if numbers is self.numbers:  # (kept only once the block is sent)
                    numbers = dict(numbers)
                number = numbers[key] = len(numbers)
                new.append((number, key if isinstance(key, str) else key.steps))
            body.append((number, parameters, values))
        payload = marshal.dumps((self.seq + 1, tuple(new), tuple(body)))
        self.numbers, self.seq = numbers, self.seq + 1
        self.inflight.append((self.seq, writes))
        self._write(_HEADER.pack(len(payload)) + payload)

    def _write(self, data: bytes) -> None:
        """Write ``data`` to the child's input (if it has ended, take its last replies)."""
        try:
            self.child.stdin.write(data)  # type: ignore[union-attr]
            self.child.stdin.flush()  # type: ignore[union-attr]
        except OSError:  # BrokenPipeError: the child has ended; its reply tells why
            while self.child is not None:
                self._read(wait=True)

    # ----- the committer's methods ----------------------------------------------------------
    def report(self) -> None:
        """Raise the failure of a block not yet reported (once)."""
        if self.error is None and self.child is not None:
            self._read(wait=False)
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def submit(self, writes: list[Any]) -> None:
        """Commit ``writes`` after those given before, in the process (here, once those before
        it are committed, if a value cannot be handed over); raises the failure of an earlier
        block instead, if one is not yet reported (``writes`` are then dropped)."""
        self.report()
        if not writes:
            return
        statements = self._statements(writes)
        if len(self.inflight) >= BACKLOG:
            while len(self.inflight) >= BACKLOG and self.child is not None:
                self._read(wait=True)
            self.report()
        try:
            self._send(writes, statements)
        except ValueError:  # a parameter of a type marshal cannot hold: written here instead
            self._commit_here(writes)

    def _commit_here(self, writes: list[Any]) -> None:
        """Commit ``writes`` in this thread, once the blocks handed over before are committed
        (raising their failure instead, if one is not yet reported)."""
        self.settle()
        self.report()
        commit_writes(writes, self.session)

    def commit_soon(self) -> None:
        """Tell the process to commit the blocks it holds now, without waiting out its window
        for more (:data:`~neural_net.db.commit_child.FLUSH`); this does not wait. An ensemble
        calls it in the last moments of a fit, so that little is left to commit when it ends."""
        if self.inflight and self.child is not None and not self.child.stdin.closed:  # type: ignore[union-attr]
            self._write(_FLUSH)  # (closed: the process commits them as its input ends)

    def settle(self) -> None:
        """Wait until every block given is committed or dropped (the process, which waits a
        moment for more blocks to commit with those it holds, is told to commit them now)."""
        self.commit_soon()
        while self.inflight and self.child is not None:
            self._read(wait=True)

    def stop(self) -> None:
        """Let the process commit what it was given (waiting for that, not for its end: it
        then checkpoints the log on its own); close the connections."""
        try:
            child = self.child
            if child is not None:
                try:
                    child.stdin.close()  # type: ignore[union-attr]
                except OSError:
                    pass
                self.settle()
                if self.child is not None:  # reaped by a thread of its own once it has exited
                    self.child = None
                    threading.Thread(target=_reap, args=(child,), name="neural_net-committer-reaper",
                                     daemon=True).start()
        finally:
            self._close()

    def _close(self) -> None:
        """Close the connections; remove the engine's listeners."""
        for name, fn in self.listeners:
            event.remove(self.engine, name, fn)
        self.session.close()
        self.probe.close()


def _reap(child: subprocess.Popen) -> None:
    """Wait for the committer process ``child`` to exit; close its pipes."""
    child.wait()
    for pipe in (child.stdout, child.stderr):
        if pipe is not None:
            pipe.close()


__all__ = ["BACKLOG", "CommitterDied", "ProcessCommitter"]
