"""Read-only connections to a store: the only place the dashboard connects to a database.

Read-only, and nothing left behind (:func:`neural_net.db.sqlite_readonly.connect_read_only`, the
store's rule for its fast readers too): a SQLite file is opened
``mode=ro`` — SQLite then never writes it, not even to checkpoint a ``-wal`` that a killed
writer left — except a file in WAL mode whose ``-wal`` is absent or empty (the store's files
once training has ended): ``mode=ro`` would create an empty ``-wal`` and a 32 kB ``-shm``
there and could not remove them, so such a file is opened with ``PRAGMA query_only``, whose
connection removes the two files again when it is the last to close (with an empty ``-wal``
there is nothing to checkpoint: the file's bytes stay as they were). The engines the public readers use are
installed in ``neural_net.db.ENGINES`` for the duration of one read, then disposed; an engine
this process already holds, e.g. of a run training in the same notebook, is used as it is.
A PostgreSQL session is ``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY``. Nothing
here writes.

Example:
    >>> import os, tempfile
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.ui.readonly import select_rows
    >>> d = tempfile.mkdtemp(); path = os.path.join(d, "a.db")
    >>> _ = Sequential([Dense(1, input_dim=2)], 'mse', store=path); import neural_net.db as db; db.dispose()
    >>> select_rows("sqlite:///" + path, "SELECT count(*) FROM Architecture"), os.listdir(d)
    ([(1,)], ['a.db'])
"""
from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Iterator

import neural_net.db as db
from neural_net.db.sqlite_readonly import connect_read_only, no_pending_wal
from neural_net.db.urls import sqlite_file


def sqlite_path(url: str) -> str | None:
    """The file of a ``sqlite:////abs/path.db`` URL (None for other URLs).

    Example:
        >>> from neural_net.ui.readonly import sqlite_path
        >>> sqlite_path("sqlite:////tmp/a.db"), sqlite_path("sqlite:////tmp/b%3F.db"), sqlite_path("postgresql://h/db")
        ('/tmp/a.db', '/tmp/b?.db', None)
    """
    if not url.startswith("sqlite:////"):
        return None
    path = sqlite_file(url)  # percent-decoded, as SQLAlchemy reads it ('%3F' is '?')
    return None if path is None else str(path)


@contextmanager
def _holding_wal(path: str | None) -> Iterator[None]:
    """While inside, a :func:`connect_read_only` connection holds the file's ``-wal`` and
    ``-shm`` open, and closes last: the ``mode=ro`` check that
    :func:`neural_net.db.open_database` makes of a file before every public read then finds
    them there instead of creating them, and this connection removes them on the way out."""
    if path is None or not no_pending_wal(path):
        yield
        return
    try:
        guard = connect_read_only(path)
        guard.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # opens the -wal and -shm
    except sqlite3.Error:
        yield  # the reader itself will say what is wrong with the file
        return
    try:
        yield
    finally:
        guard.close()


def _ro_engine(url: str) -> Any:
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    path = sqlite_path(url)
    if path is not None:
        return create_engine("sqlite://", creator=lambda: connect_read_only(path), poolclass=NullPool)
    if url.startswith("postgresql"):
        engine = create_engine(url, poolclass=NullPool)
        from neural_net.db.connections import json_as_text

        event.listen(engine, "connect", json_as_text)  # jsonb as its text, as the store's own engines read it
        event.listen(engine, "connect", _read_only_session)
        return engine
    return None  # another server or in-memory: the readers' own engine


def _read_only_session(dbapi_connection: Any, _record: Any) -> None:
    """Make every transaction of a new PostgreSQL connection read-only."""
    cur = dbapi_connection.cursor()
    cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cur.close()
    dbapi_connection.commit()


_engine_lock = threading.Lock()
#: The dashboard's read-only engines, most recently used last, kept between reads for their
#: compiled-SQL caches (NullPool: they hold no connection while idle); at most MAX_ENGINES.
_RO_ENGINES: OrderedDict[str, Any] = OrderedDict()
#: Reads in progress per URL whose engine is one of ours (installed in ``db.ENGINES`` meanwhile).
_ACTIVE: dict[str, int] = {}
MAX_ENGINES = 32


@contextmanager
def read_only(url: str) -> Iterator[None]:
    """While inside, the public readers reach ``url`` through a read-only engine (SQLite
    ``mode=ro``; PostgreSQL sessions read-only), unless this process already holds an engine
    of its own for it (e.g. of a run training in the same notebook; then that one is used,
    untouched). Ours is in ``neural_net.db.ENGINES`` only while a read is in progress.

    Example:
        >>> import neural_net.db as db
        >>> from neural_net.ui.readonly import read_only
        >>> with read_only("sqlite:////nonexistent/x.db"):
        ...     "sqlite:////nonexistent/x.db" in db.ENGINES
        True
        >>> "sqlite:////nonexistent/x.db" in db.ENGINES
        False
    """
    with _engine_lock:
        if _ACTIVE.get(url):
            _ACTIVE[url] += 1
            ours = True
        elif url in db.ENGINES:
            ours = False
        else:
            engine = _RO_ENGINES.pop(url, None) or _ro_engine(url)
            ours = engine is not None
            if ours:
                _RO_ENGINES[url] = engine
                db.ENGINES[url] = engine
                _ACTIVE[url] = 1
                for old in [u for u in _RO_ENGINES if u not in _ACTIVE][:max(0, len(_RO_ENGINES) - MAX_ENGINES)]:
                    _RO_ENGINES.pop(old).dispose()
    try:
        with _holding_wal(sqlite_path(url) if ours else None):
            yield
    finally:
        if ours:
            with _engine_lock:
                _ACTIVE[url] -= 1
                if not _ACTIVE[url]:
                    del _ACTIVE[url]
                    if db.ENGINES.get(url) is _RO_ENGINES.get(url):
                        db.ENGINES.pop(url)


def select_many(url: str, statements: list[str]) -> list[list[tuple]]:
    """The rows of each read-only ``SELECT`` of ``statements``, in one connection and one
    read transaction on the database ``url``.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> import tempfile, os
        >>> from neural_net.ui.readonly import select_many
        >>> path = os.path.join(tempfile.mkdtemp(), "s.db")
        >>> _ = Sequential([Dense(1, input_dim=2)], 'mse', store=path)
        >>> select_many("sqlite:///" + path, ["SELECT count(*) FROM Architecture", "SELECT count(*) FROM Layer"])
        [[(1,)], [(1,)]]
    """
    path = sqlite_path(url)
    if path is not None:
        con = connect_read_only(path)
        try:
            con.execute("BEGIN")
            out = [con.execute(sql).fetchall() for sql in statements]
            con.execute("COMMIT")
            return out
        finally:
            con.close()
    from sqlalchemy import text

    with read_only(url):
        engine = db.ENGINES.get(url) or db.open_database(url, create=False)
        with engine.connect() as c:
            return [[tuple(r) for r in c.execute(text(sql))] for sql in statements]


def select_rows(url: str, sql: str) -> list[tuple]:
    """The rows of one read-only ``SELECT`` on the database ``url`` (one short read).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> import tempfile, os
        >>> from neural_net.ui.readonly import select_rows
        >>> path = os.path.join(tempfile.mkdtemp(), "s.db")
        >>> _ = Sequential([Dense(1, input_dim=2)], 'mse', store=path)
        >>> select_rows("sqlite:///" + path, "SELECT count(*) FROM Architecture")
        [(1,)]
    """
    return select_many(url, [sql])[0]
