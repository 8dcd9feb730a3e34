"""The engines of this process: one :class:`~sqlalchemy.engine.Engine` per URL.

:func:`get_engine` keeps one engine per URL in :data:`ENGINES`. SQLite connections get
``busy_timeout`` (30 s), ``foreign_keys=ON`` and ``synchronous=NORMAL``; files are in WAL
mode, so readers never block the writer. :func:`checkpoint` folds a file's write-ahead log
into it, :func:`dispose` closes and forgets engines; pooled connections are never shared
with a forked child. SQLAlchemy is imported when the first engine is made (listing a run
directory, which reads its files with :mod:`sqlite3`, makes none).

Example:
    >>> from neural_net.db.connections import get_engine, dispose, ENGINES
    >>> _ = get_engine("sqlite://"); dispose("sqlite://"); "sqlite://" in ENGINES
    False
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .urls import is_memory

if TYPE_CHECKING:  # the annotations only: SQLAlchemy is imported with the first engine
    from sqlalchemy.engine import Engine

#: One engine per URL opened in this process (``Store.engines`` is this dict).
ENGINES: dict[str, Engine] = {}
#: Seconds a SQLite connection waits for a lock before "database is locked".
BUSY_TIMEOUT = 30.0


def _close_idle_connections_before_fork() -> None:
    """In the parent, just before ``fork``: close the idle pooled connections, so that no open
    SQLite handle is inherited. (A child dropping an inherited SQLite connection closes it, and
    SQLite may then checkpoint and remove the WAL under the parent's feet: "file is not a
    database". PostgreSQL sockets are likewise not meant to be shared.)"""
    for engine in list(ENGINES.values()):
        if not is_memory(str(engine.url)):
            engine.dispose()  # idle connections closed here; checked-out ones on return


def _forget_inherited_connections() -> None:
    """In a child started by ``fork`` (a ``ProcessPoolExecutor``'s default on Linux), drop the
    pooled connections inherited from the parent without closing them: a socket (PostgreSQL) or
    SQLite handle used by two processes breaks both ("server closed the connection
    unexpectedly"). The child opens its own connections on first use; the parent's are intact.
    """
    for engine in list(ENGINES.values()):
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_close_idle_connections_before_fork, after_in_child=_forget_inherited_connections)

def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _make_engine(url: str, **kwargs: Any) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import StaticPool

    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if is_memory(url):
            engine = create_engine(u, poolclass=StaticPool, connect_args={"check_same_thread": False}, **kwargs)
        else:
            engine = create_engine(u, connect_args={"timeout": BUSY_TIMEOUT}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    engine = create_engine(u, pool_pre_ping=True, **kwargs)
    if u.get_backend_name() == "postgresql":
        event.listen(engine, "connect", json_as_text)
    return engine


def json_as_text(dbapi_connection: Any, _record: Any = None) -> None:
    """PostgreSQL: hand ``json``/``jsonb`` values over as their text (as SQLite does), so every
    reader receives the JSON text it parses itself (psycopg 3 would parse them)."""
    adapters = getattr(dbapi_connection, "adapters", None)
    if adapters is None:  # another driver: left as it is
        return
    from psycopg.types.string import TextLoader

    for name in ("json", "jsonb"):
        adapters.register_loader(name, TextLoader)


def get_engine(url: str) -> Engine:
    """The engine of ``url``, created once per process and kept in :data:`ENGINES`.

    This does not validate or create anything; :func:`open_database` does.

    Example:
        >>> from neural_net.db.engine import get_engine, ENGINES
        >>> get_engine("sqlite://") is ENGINES["sqlite://"]
        True
    """
    engine = ENGINES.get(url)
    if engine is None:
        engine = ENGINES[url] = _make_engine(url)
        _close_at_exit()
    return engine


def checkpoint(url: str | Engine) -> None:
    """Copy what the write-ahead log of the SQLite file ``url`` (or engine) holds into the file itself
    (``PRAGMA wal_checkpoint(PASSIVE)``: it never waits for other processes), so that a plain
    copy of the ``.db`` file has every committed row. Each writing process does it when its
    store closes and when it exits. Other databases: nothing to do.

    Example:
        >>> import os, tempfile
        >>> from neural_net.db.engine import checkpoint, open_database, sqlite_url
        >>> url = sqlite_url(os.path.join(tempfile.mkdtemp(), "c.db")); _ = open_database(url)
        >>> checkpoint(url)
    """
    engine = ENGINES.get(url) if isinstance(url, str) else url
    if engine is None or engine.dialect.name != "sqlite" or is_memory(str(engine.url)):
        return
    try:
        with engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    except Exception:  # noqa: BLE001 - a checkpoint is an optimisation of the file's layout, never an error
        pass


def _checkpoint_and_dispose_all() -> None:
    for url in list(ENGINES):
        checkpoint(url)
    dispose()


_HOOKED_PID: int | None = None


def _close_at_exit() -> None:
    """Register (once per process, forked children included) the exit hook that checkpoints and
    closes every engine: a worker of a process pool exits through multiprocessing, which runs
    its finalizers but not :mod:`atexit` handlers."""
    global _HOOKED_PID
    if _HOOKED_PID == os.getpid():
        return
    _HOOKED_PID = os.getpid()
    from multiprocessing import util

    util.Finalize(None, _checkpoint_and_dispose_all, exitpriority=10)


def dispose(url: str | None = None) -> None:
    """Close the pooled connections of ``url`` (or of every engine) and forget the engine(s).

    Example:
        >>> from neural_net.db.engine import dispose, get_engine, ENGINES
        >>> _ = get_engine("sqlite://"); dispose("sqlite://"); "sqlite://" in ENGINES
        False
    """
    for key in ([url] if url is not None else list(ENGINES)):
        engine = ENGINES.pop(key, None)
        if engine is not None:
            engine.dispose()
