"""The committer process's program: it writes an ensemble's epochs into one SQLite file while
the training process goes on (see :mod:`neural_net.db.commit_process`, which starts it as
``python -I commit_child.py DATABASE BUSY_TIMEOUT_MS [WINDOW_SECONDS]``). It imports the standard library only
(and :mod:`neural_net.db.epoch_sql`, beside it, which does too), so it starts in a few
milliseconds, and it holds no lock of the training process's interpreter: its SQLite work runs
on the other core.

Protocol, over the child's standard input and output:

* in: frames ``<uint32 length><marshal payload>``, the payload ``(seq, new, statements)``:
  ``new`` the ``(number, sql)`` of statements not sent before, where ``sql`` may instead be
  the plan of an epoch or a heartbeat (:mod:`neural_net.db.epoch_sql`); ``statements`` the
  block's ``(number, parameters, values)`` in their order: for a statement, ``parameters`` a
  tuple, or a list of tuples for an ``executemany``, and ``values`` None; for a plan, the
  numbers and values of one epoch (or heartbeat), whose statements
  :func:`neural_net.db.epoch_sql.statements` gives. A frame of length 0 (:data:`FLUSH`): the
  parent waits, or its fit is about to end: commit the blocks held now, with those already
  in the pipe, without waiting out the window. (:mod:`marshal` holds numbers, strings, bytes and
  tuples only, floats exactly, ``inf`` and ``nan`` included; it reads nothing but the parent's
  own frames, never a file or a row.)
* out: ``ok SEQ`` once the blocks up to ``SEQ`` are committed; ``error {json}`` (the driver
  error's class, message and statement) when a transaction fails, after which it exits.

A block waits up to :data:`WINDOW` seconds for those after it, and they go in one transaction
(all or nothing, at most :data:`GROUP` blocks); if it fails, they are committed one by one up
to the failing block, as they would have been alone. When its input ends (the parent closed
it, or died), it commits what it has read and exits: a training process killed mid-fit loses
none of the epochs it handed over. It runs in a session of its own, out of the terminal's
process group, and ignores SIGINT and SIGTERM: the parent ends it by closing its input.

Example:
    >>> import marshal, struct, subprocess, sys, tempfile, os, sqlite3
    >>> from neural_net.db import commit_child
    >>> path = os.path.join(tempfile.mkdtemp(), "c.db")
    >>> sqlite3.connect(path).execute("CREATE TABLE t (x REAL)").connection.commit()
    >>> frame = marshal.dumps((1, ((0, "INSERT INTO t VALUES (?1)"),), ((0, (0.5,), None), (0, (1.5,), None))))
    >>> out = subprocess.run([sys.executable, "-I", commit_child.__file__, path, "1000"],
    ...                      input=struct.pack("<I", len(frame)) + frame, capture_output=True).stdout
    >>> out, sqlite3.connect(path).execute("SELECT sum(x) FROM t").fetchone()
    (b'ok 1\\n', (2.0,))
"""
from __future__ import annotations

import json
import marshal
import os
import select
import signal
import sqlite3
import struct
import sys
import time

if __package__:  # imported as neural_net.db.commit_child
    from . import epoch_sql
else:  # run as the committer process's program (python -I commit_child.py): the module beside it, by its path
    import importlib.util

    _spec = importlib.util.spec_from_file_location("epoch_sql", os.path.join(os.path.dirname(__file__), "epoch_sql.py"))
    assert _spec is not None and _spec.loader is not None
    epoch_sql = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(epoch_sql)

#: Blocks committed at most in one transaction (half the parent's backlog: it goes on
#: handing blocks over while they are committed).
GROUP = 32
#: Seconds a block handed over waits for those after it, to go in the same transaction: an
#: ensemble's epochs come every few milliseconds, and each transaction writes into the log
#: every page it touched (a leaf of each run's index, its row in ``Architecture``), so a
#: transaction of several epochs costs a fraction of the work and log bytes of one per epoch
#: (W3's 200 epochs: SQLite's time 0.60 s one per transaction, 0.30 s twelve). Longer, the
#: training waits longer for the last ones when its fit ends (:data:`FLUSH` commits them at
#: once, but they take that long).
WINDOW = 0.02
#: Bytes of write-ahead log after which it is checkpointed. SQLite's own checkpoints (every
#: 1,000 pages of log) copy the pages an ensemble's epochs rewrite (a leaf of each run's index
#: per epoch) again every few epochs, and each checkpoint syncs the log to disk, which slows the
#: training process: W3's 128 members write 1.45 MB of log an epoch; checkpointing every 1,000
#: pages cost +25 % on the fit with the commits, every 20 epochs +12 %, every 64 MiB (44
#: epochs) +10.5 to +11 %, never +10 %.
CHECKPOINT_BYTES = 64 << 20
#: Tries of a transaction that fails with "database is locked" (after the busy timeout).
TRIES = 8
_HEADER = struct.Struct("<I")
#: An empty frame: the parent waits for the blocks it handed over (commit them now).
FLUSH = ()


class _Input:
    """The frames of file descriptor ``fd``, read as they come."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buf, self.eof = fd, bytearray(), False

    def _fill(self) -> None:
        chunk = os.read(self.fd, 1 << 20)
        if chunk:
            self.buf += chunk
        else:
            self.eof = True

    def _frame(self) -> tuple | None:
        """The next whole frame of the buffer, or None."""
        if len(self.buf) < _HEADER.size:
            return None
        (n,) = _HEADER.unpack_from(self.buf)
        if len(self.buf) < _HEADER.size + n:
            return None
        payload = bytes(self.buf[_HEADER.size:_HEADER.size + n])
        del self.buf[:_HEADER.size + n]
        return marshal.loads(payload) if n else FLUSH

    def next(self, wait: float | None = None) -> tuple | None:
        """The next frame, waiting for it at most ``wait`` seconds (None: until it comes); None
        at the end of the input or when no whole frame came in time."""
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            frame = self._frame()
            if frame is not None or self.eof:
                return frame
            if deadline is not None and not select.select([self.fd], [], [], max(deadline - time.monotonic(), 0))[0]:
                return None
            self._fill()


def _run(con: sqlite3.Connection, sql: str, parameters: tuple | list) -> None:
    """Execute ``sql`` (an ``executemany`` when ``parameters`` is a list of rows); a driver
    error keeps the statement, for the parent."""
    try:
        if isinstance(parameters, list):
            con.executemany(sql, parameters)
        else:
            con.execute(sql, parameters)
    except sqlite3.Error as e:
        e.statement = sql  # told to the parent
        raise


def _commit(con: sqlite3.Connection, known: dict[int, str | tuple], frames: list[tuple]) -> None:
    """Run the statements of ``frames`` in one transaction (``known``: each statement's SQL, or
    the plan of an epoch or a heartbeat, :mod:`neural_net.db.epoch_sql`, by its number),
    retried while the database is locked as :func:`neural_net.db.writer.retry_on_lock`
    retries (written again here: this program imports the standard library only)."""
    for attempt in range(TRIES):
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                for _, _, statements in frames:
                    for number, parameters, values in statements:
                        target = known[number]
                        if type(target) is str:
                            _run(con, target, parameters)
                        else:  # an epoch's numbers and values, or a heartbeat's values
                            for sql, bound in epoch_sql.statements(target, parameters, values):
                                _run(con, sql, bound)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return
        except sqlite3.OperationalError as e:
            text = str(e).lower()
            if attempt == TRIES - 1 or ("locked" not in text and "busy" not in text):
                raise
            time.sleep(min(0.05 * 2 ** attempt, 2.0))


def _size(path: str) -> int:
    """The size of the file ``path`` (0 if there is none)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _checkpoint(con: sqlite3.Connection) -> None:
    """Copy the write-ahead log into the database file, as far as readers allow (PASSIVE: it
    waits for nobody); a failure is left for the next one."""
    try:
        con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error:
        pass


def main(argv: list[str]) -> int:
    """Commit the frames of standard input to the database ``argv[0]`` (see the module doc)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    path, busy_ms = argv[0], int(argv[1])
    window = float(argv[2]) if len(argv) > 2 else WINDOW
    con = sqlite3.connect(path, isolation_level=None, timeout=busy_ms / 1000)
    con.execute(f"PRAGMA busy_timeout = {busy_ms}")
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("PRAGMA wal_autocheckpoint = 0")  # checkpointed here, every CHECKPOINT_BYTES of log
    con.execute("PRAGMA journal_size_limit = 0")  # the log file is emptied once checkpointed: its size is the log's
    log = path + "-wal"
    source, out = _Input(sys.stdin.fileno()), sys.stdout.fileno()
    known: dict[int, str | tuple] = {}  # the statements' SQL and the plans, by number
    while True:
        frame = source.next()
        if frame is None:
            _checkpoint(con)
            return 0
        if frame is FLUSH:  # nothing is held
            continue
        frames, until = [frame], time.monotonic() + window
        while len(frames) < GROUP:
            more = source.next(wait=max(until - time.monotonic(), 0))
            if more is None:
                break
            if more is FLUSH:  # commit now, with the blocks that have come already
                until = 0.0
                continue
            frames.append(more)
        for f in frames:
            known.update(f[1])
        try:
            _commit(con, known, frames)
        except sqlite3.Error as e:
            error = e
            for f in frames if len(frames) > 1 else ():  # the blocks before the failing one, each alone
                try:
                    _commit(con, known, [f])
                except sqlite3.Error as again:
                    error = again
                    break
                os.write(out, f"ok {f[0]}\n".encode())
            message = json.dumps({"class": type(error).__name__, "message": str(error),
                                  "sql": getattr(error, "statement", "COMMIT")[:2000]})
            os.write(out, f"error {message}\n".encode())
            return 1
        os.write(out, f"ok {frames[-1][0]}\n".encode())
        if _size(log) >= CHECKPOINT_BYTES:
            _checkpoint(con)


if __name__ == "__main__":
    # ended without closing the connection: SQLite's last connection to a file checkpoints the
    # log and deletes it when it closes, and this child cannot know it is not the last one (a
    # plain open() and close() of the file elsewhere in the training process drops that
    # process's POSIX locks, by which SQLite tells), so it leaves the log as it is
    os._exit(main(sys.argv[1:]))
