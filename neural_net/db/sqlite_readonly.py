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
from urllib.parse import quote

#: The first 16 bytes of a SQLite file (byte 18 of the header is 2 in WAL mode).
SQLITE_HEADER = b"SQLite format 3\x00"


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


__all__ = ["SQLITE_HEADER", "connect_read_only", "no_pending_wal"]
