"""Reading one SQLite file of a run directory quickly: the standard :mod:`sqlite3` module, a
connection that cannot write, the schema revision checked (see :mod:`neural_net.db.catalogue`).

Example:
    >>> from neural_net.db.catalogue_files import file_of
    >>> file_of("sqlite:////runs/a.db"), file_of("postgresql://host/db")
    ('/runs/a.db', None)
"""
from __future__ import annotations

import sqlite3
from typing import Any, Callable

from .engine import SQLITE_MAGIC, sqlite_file
from .sqlite_readonly import connect_read_only

#: Tables the catalogue reads; in a file each must be a table (not a view) for the fast path.
TABLES = frozenset({"architecture", "layer", "neurons", "cost", "metric", "snapshot", "weight_matrix", "param", "tag",
                    "run_metric", "alembic_version"})  # the schema's tables (a test compares), lower case


class FileLocked(Exception):
    """A file stayed locked by another process for the whole ``lock_timeout``."""


def is_locked(e: BaseException) -> bool:
    msg = str(e).lower()
    return "locked" in msg or "busy" in msg



def file_of(url: str) -> str | None:
    """The path of a ``sqlite:////abs/path`` URL without parsing it (None for others)."""
    if url.startswith("sqlite:////") and "?" not in url and "%" not in url:
        return url[len("sqlite:///"):]
    path = sqlite_file(url) if url.startswith("sqlite") else None
    return None if path is None else str(path)


def _opencheck_run_row(path: str, lock_timeout: float, head: str) -> sqlite3.Connection | None:
    """A sqlite3 connection to ``path`` that cannot write, or None when the file is not a
    neural_net database at schema revision ``head`` whose tables are all tables (a view in a
    table's place: the full check of :func:`open_database` then says why). Raises
    :class:`FileLocked` when the file stays locked by another process.

    The connection is :func:`~neural_net.db.sqlite_readonly.connect_read_only`'s: ``mode=ro``,
    except for a WAL file with nothing pending (``PRAGMA query_only``, which leaves no stray
    ``-wal``/``-shm``); a killed writer's ``-wal`` is never checkpointed by a reader.
    """
    try:
        with open(path, "rb") as f:
            header = f.read(20)
    except OSError:
        return None
    if len(header) < 20 or header[:16] != SQLITE_MAGIC:
        return None
    try:
        con = connect_read_only(path, lock_timeout)
    except sqlite3.Error:
        return None
    try:
        kinds = {name.lower(): kind for name, kind in con.execute("SELECT name, type FROM sqlite_master")}
        revs = None
        if all(kinds.get(t) == "table" for t in TABLES):
            revs = con.execute("SELECT version_num FROM alembic_version").fetchall()
        if revs is not None and len(revs) == 1 and revs[0][0] == head:
            return con
    except sqlite3.OperationalError as e:
        con.close()
        if is_locked(e):
            raise FileLocked(str(e)) from None
        return None
    except sqlite3.Error:
        pass
    con.close()
    return None


def fast_read(path: str, lock_timeout: float, head: str, read: Callable[[sqlite3.Connection], Any]) -> Any:
    """``read(con)`` on a connection of :func:`open_checked` to the SQLite file ``path``, or
    None when that declines the file or a query fails (the caller then takes the full path of
    :func:`open_database`, which says why). Raises :class:`FileLocked` when the file stays locked
    by another process."""
    con = _opencheck_run_row(path, lock_timeout, head)
    if con is None:
        return None
    try:
        return read(con)
    except sqlite3.OperationalError as e:
        if is_locked(e):
            raise FileLocked(str(e)) from None
        return None
    except sqlite3.Error:
        return None
    finally:
        con.close()

