"""Reading one SQLite file of a run directory quickly: the standard :mod:`sqlite3` module, a
connection that cannot write, the schema revision checked (see :mod:`neural_net.db.catalogue`).
A settled file (no writer at work) is read through an ``immutable=1`` connection, checked
unchanged afterwards (:func:`~neural_net.db.sqlite_readonly.read_unchanged`), any other through
:func:`~neural_net.db.sqlite_readonly.connect_read_only`. Nothing here imports SQLAlchemy.

Example:
    >>> from neural_net.db.catalogue_files import file_of
    >>> file_of("sqlite:////runs/a.db"), file_of("postgresql://host/db")
    ('/runs/a.db', None)
"""
from __future__ import annotations

import sqlite3
from typing import Any, Callable

from .errors import StoreError
from .sqlite_readonly import SQLITE_HEADER, connect_read_only, read_unchanged
from .urls import sqlite_file

#: Tables the catalogue reads; in a file each must be a table (not a view) for the fast path.
TABLES = frozenset({"architecture", "layer", "neurons", "cost", "metric", "snapshot", "weight_matrix", "param", "tag",
                    "run_metric", "alembic_version"})  # the schema's tables (a test compares), lower case


class FileLocked(Exception):
    """A file stayed locked by another process for the whole ``lock_timeout``."""


#: The number of :data:`TABLES` that are tables in a file (one row: SQLite's names are unique,
#: whatever their case).
_TABLES_SQL = ("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND lower(name) IN ("
               + ", ".join(f"'{t}'" for t in sorted(TABLES)) + ")")


def is_locked(e: BaseException) -> bool:
    msg = str(e).lower()
    return "locked" in msg or "busy" in msg


def is_open_error(e: BaseException) -> bool:
    """True for what :func:`~neural_net.db.opening.open_database` raises about a database it
    cannot open (:class:`StoreError`, :class:`OSError`, SQLAlchemy's errors): the catalogue
    reports such a file and goes on. SQLAlchemy is imported only for another exception (it has
    been by then, if that came from it).

    Example:
        >>> from neural_net.db.catalogue_files import is_open_error
        >>> from neural_net.db.errors import NotANeuralNetDatabase
        >>> is_open_error(NotANeuralNetDatabase("x.db is not a SQLite database")), is_open_error(KeyError("x"))
        (True, False)
    """
    if isinstance(e, (StoreError, OSError)):
        return True
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(e, SQLAlchemyError)



def file_of(url: str) -> str | None:
    """The path of a ``sqlite:////abs/path`` URL without parsing it (None for others)."""
    if url.startswith("sqlite:////") and "?" not in url and "%" not in url:
        return url[len("sqlite:///"):]
    path = sqlite_file(url) if url.startswith("sqlite") else None
    return None if path is None else str(path)


def is_current(con: sqlite3.Connection, head: str) -> bool:
    """True when the file of ``con`` is a neural_net database at schema revision ``head`` whose
    tables (:data:`TABLES`) are all tables: a view in a table's place is never queried (a file
    made elsewhere may define one as anything, a query that never ends included). Raises
    :class:`sqlite3.Error` as the queries do.

    Example:
        >>> import sqlite3
        >>> from neural_net.db.catalogue_files import is_current
        >>> con = sqlite3.connect(":memory:"); _ = con.execute("CREATE VIEW architecture AS SELECT 1")
        >>> is_current(con, "0005")
        False
    """
    if con.execute(_TABLES_SQL).fetchone()[0] != len(TABLES):
        return False
    revs = con.execute("SELECT version_num FROM alembic_version").fetchall()
    return len(revs) == 1 and revs[0][0] == head


def _open_checked(path: str, lock_timeout: float, head: str) -> sqlite3.Connection | None:
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
    if len(header) < 20 or header[:16] != SQLITE_HEADER:
        return None
    try:
        con = connect_read_only(path, lock_timeout)
    except sqlite3.Error:
        return None
    try:
        if is_current(con, head):
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


class _Declined(Exception):
    """The file is not a current neural_net database (the safe read then says so)."""


def fast_read(path: str, lock_timeout: float, head: str, read: Callable[[sqlite3.Connection], Any]) -> Any:
    """``read(con)`` on a sqlite3 connection to the SQLite file ``path`` that cannot write, once
    :func:`is_current` holds, or None when the file is declined or a query fails (the caller
    then takes the full path of :func:`open_database`, which says why). Raises
    :class:`FileLocked` when the file stays locked by another process.

    A settled file (no writer at work: see :func:`~neural_net.db.sqlite_readonly.read_unchanged`)
    is read through an ``immutable=1`` connection and checked unchanged afterwards; any other,
    or one that changed or failed, through
    :func:`~neural_net.db.sqlite_readonly.connect_read_only`.

    Example:
        >>> import os, tempfile
        >>> from neural_net.db.catalogue_files import fast_read
        >>> path = os.path.join(tempfile.mkdtemp(), "notes.db"); open(path, "w").write("text")
        4
        >>> fast_read(path, 1.0, "0005", lambda con: con.execute("SELECT 1").fetchall()) is None
        True
    """
    def checked(con: sqlite3.Connection) -> Any:
        if not is_current(con, head):
            raise _Declined(path)
        return read(con)

    done, value = read_unchanged(path, checked)
    if done:
        return value
    con = _open_checked(path, lock_timeout, head)
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
