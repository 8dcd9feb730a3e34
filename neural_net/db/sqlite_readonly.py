"""Connections to a SQLite file that cannot write it and leave its directory as they found it:
the one rule the store's fast readers (the catalogue of a run directory) and the dashboard share.

* A file in rollback-journal mode, or in WAL mode with a ``-wal`` holding frames (a writer is
  at work, or was killed), is opened ``mode=ro``: SQLite then never writes it — not even to
  checkpoint a killed writer's ``-wal`` into the file when the connection closes.
* A file in WAL mode whose ``-wal`` is absent or empty (the store's files once training has
  ended) is opened with ``PRAGMA query_only``: ``mode=ro`` would have to create an empty
  ``-wal`` and a 32 kB ``-shm`` and could not remove them, leaving two stray files per run
  file; this connection removes them when it is the last to close, and with an empty ``-wal``
  there is nothing it could checkpoint (the file's bytes stay as they were).

:func:`read_unchanged` reads a file that no one is writing faster still (about twice: no
``-wal``/``-shm`` made and removed, no locks): through an ``immutable=1`` connection, which
SQLite trusts not to change, so only when nothing can have changed it while it was read — no
``-journal``, a ``-wal`` absent or empty, the file and its ``-wal`` last modified more than
:data:`SETTLED_SECONDS` before the read began (a later write gives them a later time, as git's
"racily clean" rule has it), and their ``stat`` (size, times, inode) the same after the read as
before; and no other process holding a write lock on it (a writer of a file in
``journal_mode=OFF`` or ``MEMORY``, which leaves no ``-journal``; 64-bit Linux only, elsewhere no
file is read immutable). Otherwise, or when the read fails, it says so and the caller reads the
file through :func:`connect_read_only`: a writer at work never makes it return a wrong row. (A
writer in the reading process itself is not seen by the lock test: its ``-wal``, ``-journal``
and file times still are.)

Example:
    >>> import os, sqlite3, tempfile
    >>> from neural_net.db.sqlite_readonly import connect_read_only
    >>> d = tempfile.mkdtemp(); path = os.path.join(d, "a.db")
    >>> w = sqlite3.connect(path); _ = w.execute("PRAGMA journal_mode=wal")
    >>> _ = w.execute("CREATE TABLE t (x)"); w.commit(); w.close()
    >>> con = connect_read_only(path); con.execute("SELECT count(*) FROM t").fetchall()
    [(0,)]
    >>> con.execute("INSERT INTO t VALUES (1)")
    Traceback (most recent call last):
    ...
    sqlite3.OperationalError: attempt to write a readonly database
    >>> con.close(); os.listdir(d)
    ['a.db']
"""
from __future__ import annotations

import os
import sqlite3
import struct
import sys
import time
from typing import Any, Callable, TypeVar
from urllib.parse import quote

#: The first 16 bytes of a SQLite file (byte 18 of the header is 2 in WAL mode).
SQLITE_HEADER = b"SQLite format 3\x00"
#: A file (or its ``-wal``) modified less than this many seconds before a read is read the safe
#: way by :func:`read_unchanged` (a write within the same timestamp could go unseen).
SETTLED_SECONDS = 2.0

T = TypeVar("T")

try:  # POSIX: the locks SQLite's writers hold on a file are visible to other processes
    import fcntl
except ImportError:  # pragma: no cover - elsewhere no file is read immutable
    fcntl = None  # type: ignore[assignment]
#: SQLite's lock bytes (``PENDING_BYTE``, ``RESERVED_BYTE`` and the 510 ``SHARED`` bytes): a
#: writer of a rollback-journal file holds a write lock in this range from its first write to
#: its commit's end (readers hold read locks only).
_LOCK_BYTES = (0x40000000, 512)
#: ``struct flock`` as 64-bit Linux lays it out (other systems order its fields otherwise: there,
#: no file is read immutable).
_FLOCK = "@hhqqi4x" if sys.platform.startswith("linux") and struct.calcsize("P") == 8 else None


def no_pending_wal(path: str) -> bool:
    """True when ``path`` is a SQLite file in WAL mode whose ``-wal`` is absent or empty:
    nothing a closing connection could checkpoint into the file.

    Example:
        >>> from neural_net.db.sqlite_readonly import no_pending_wal
        >>> no_pending_wal("/nowhere/a.db")
        False
    """
    try:
        with open(path, "rb") as f:
            header = f.read(20)
        wal = os.stat(path + "-wal").st_size if os.path.exists(path + "-wal") else 0
    except OSError:
        return False
    return len(header) == 20 and header[:16] == SQLITE_HEADER and header[18] == 2 and wal == 0


def connect_read_only(path: str, timeout: float = 30.0) -> sqlite3.Connection:
    """A :mod:`sqlite3` connection to the file ``path`` that cannot write (see the module doc:
    ``PRAGMA query_only`` for a WAL file with nothing pending, else ``mode=ro``). Raises
    :class:`sqlite3.Error` as :func:`sqlite3.connect` does.

    Example:
        >>> import os, sqlite3, tempfile
        >>> from neural_net.db.sqlite_readonly import connect_read_only
        >>> path = os.path.join(tempfile.mkdtemp(), "j.db")
        >>> sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
        >>> connect_read_only(path).execute("PRAGMA query_only").fetchone()  # a journal-mode file: mode=ro
        (0,)
    """
    if no_pending_wal(path):
        con = sqlite3.connect(f"file:{quote(path)}", uri=True, timeout=timeout, check_same_thread=False)
        con.execute("PRAGMA query_only = ON")
        return con
    return sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=timeout, check_same_thread=False)


def _key(path: str) -> tuple[int, ...] | None:
    try:
        s = os.stat(path)
    except FileNotFoundError:
        return None
    return (s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino, s.st_dev, s.st_mode)


def _stats(path: str) -> tuple[Any, ...] | None:
    """The ``stat`` of the file and of its ``-wal`` (None: there is none), or None when the file
    cannot be stat'ed, has a ``-journal`` or a ``-wal`` that is not empty."""
    try:
        own, wal = _key(path), _key(path + "-wal")
        if own is None or wal is not None and wal[0] != 0 or os.path.lexists(path + "-journal"):
            return None
    except OSError:
        return None
    return own, wal


def _settled_state(path: str, began: int) -> tuple[Any, ...] | None:
    """:func:`_stats` of a SQLite file (rollback or WAL journal) whose file and ``-wal`` were
    last modified :data:`SETTLED_SECONDS` or more before ``began`` (nanoseconds), else None:
    an ``immutable=1`` read of it is not safe (see the module doc)."""
    state = _stats(path)
    if state is None:
        return None
    own, wal = state
    if max(own[1], wal[1] if wal is not None else 0) >= began - int(SETTLED_SECONDS * 1e9):
        return None  # modified too recently (or in the future): a later write could keep its times
    try:
        with open(path, "rb") as f:
            header = f.read(20)
            if len(header) < 20 or header[:16] != SQLITE_HEADER or header[18:20] not in (b"\x01\x01", b"\x02\x02"):
                return None
            if _write_locked(f.fileno()):
                return None  # another process writes it (journal_mode=OFF or MEMORY leave no -journal)
    except OSError:
        return None
    return state


def _write_locked(fd: int) -> bool:
    """True when another process holds a write lock on SQLite's lock bytes of the open file
    ``fd`` (``F_GETLK``: asks, takes no lock; a lock of this process is not seen); also True
    where that cannot be asked."""
    if fcntl is None or _FLOCK is None:
        return True
    query = struct.pack(_FLOCK, fcntl.F_RDLCK, os.SEEK_SET, _LOCK_BYTES[0], _LOCK_BYTES[1], 0)
    return struct.unpack(_FLOCK, fcntl.fcntl(fd, fcntl.F_GETLK, query))[0] != fcntl.F_UNLCK


def read_unchanged(path: str, read: Callable[[sqlite3.Connection], T]) -> tuple[bool, T | None]:
    """``(True, read(con))`` with ``con`` an ``immutable=1`` read-only connection to the SQLite
    file ``path``, when the file is settled and unchanged by the read (see the module doc);
    else ``(False, None)``: the file is not settled, it changed while it was read, or the read
    raised (any :class:`Exception`) — the caller then reads it through
    :func:`connect_read_only`, which waits for locks and reports errors. Nothing is written,
    nothing is created beside the file.

    Example:
        >>> import os, sqlite3, tempfile
        >>> from neural_net.db.sqlite_readonly import read_unchanged
        >>> d = tempfile.mkdtemp(); path = os.path.join(d, "a.db")
        >>> w = sqlite3.connect(path); _ = w.execute("PRAGMA journal_mode=wal")
        >>> _ = w.execute("CREATE TABLE t (x)"); _ = w.execute("INSERT INTO t VALUES (1)"); w.commit()
        >>> count = lambda con: con.execute("SELECT count(*) FROM t").fetchone()[0]
        >>> read_unchanged(path, count)  # the writer is still open: its -wal holds frames
        (False, None)
        >>> w.close(); old = 1_700_000_000; os.utime(path, (old, old))  # closed, and long ago
        >>> read_unchanged(path, count), sorted(os.listdir(d))
        ((True, 1), ['a.db'])
    """
    began = time.time_ns()
    before = _settled_state(path, began)
    if before is None:
        return False, None
    try:
        con = sqlite3.connect(f"file:{quote(path)}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return False, None
    try:
        value = read(con)
    except Exception:  # noqa: BLE001 - the safe read that follows reports what is wrong
        return False, None
    finally:
        con.close()
    if _stats(path) != before:  # written while it was read (its times are later): read again, the safe way
        return False, None
    return True, value


__all__ = ["SETTLED_SECONDS", "SQLITE_HEADER", "connect_read_only", "no_pending_wal", "read_unchanged"]
