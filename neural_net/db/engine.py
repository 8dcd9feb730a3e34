"""Where a database is, how it is opened, and the checks made before anything is written.

* :func:`resolve_url` turns what a user passes as ``store=`` into a SQLAlchemy URL: ``True``
  → ``$NEURAL_NET_DATABASE_URL`` if set, else a new file ``model<unix-seconds>.db`` in
  ``$NEURAL_NET_RUN_DIR`` (default ``./run``, created); a string with ``://`` → that URL; a
  path ending in ``.db``/``.sqlite``/``.sqlite3`` that is not a directory → that file; any
  other path → a directory for the timestamped file.
* :func:`get_engine` keeps one :class:`~sqlalchemy.engine.Engine` per URL in :data:`ENGINES`.
  SQLite connections get ``busy_timeout`` (30 s), ``foreign_keys=ON`` and
  ``synchronous=NORMAL``; files are in WAL mode, so readers never block the writer.
* :func:`open_database` validates first and writes after: an unwritable directory, a
  read-only file, a file that is not SQLite, a database of another application, or of a
  newer or older schema revision raise a clear error naming the path, and leave the file
  byte for byte as it was. A new SQLite file is built under a temporary name and linked into
  place atomically, so two processes creating the same file in the same second never see a
  half-made schema.
* :func:`upgrade` brings an older database to the head revision.

Example:
    >>> import tempfile, os
    >>> from neural_net.db.engine import resolve_url, open_database, database_state
    >>> d = tempfile.mkdtemp()
    >>> url = resolve_url(os.path.join(d, "demo.db"))
    >>> url.startswith("sqlite:////") and url.endswith("/demo.db")
    True
    >>> engine = open_database(url)
    >>> database_state(url).kind
    'current'
"""
from __future__ import annotations

import os
import secrets
import sqlite3
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool, StaticPool

from .errors import (NotANeuralNetDatabase, SchemaOutdated, SchemaTooNew, StoreError, StorePathError,
                     UnknownRevision)
from .migrate import head_revision, revisions, run_upgrade

try:  # POSIX only; elsewhere in-place creation of an empty file is not serialized
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

#: One engine per URL opened in this process (``Store.engines`` is this dict).
ENGINES: dict[str, Engine] = {}
#: Files reserved by :func:`new_file_url` in this process (see :func:`discard_reserved`).
_RESERVED: set[Path] = set()
#: Seconds a SQLite connection waits for a lock before "database is locked".
BUSY_TIMEOUT = 30.0
#: File suffixes taken as a database file (rather than a directory) in :func:`resolve_url`.
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")
#: The first 16 bytes of every SQLite file.
SQLITE_MAGIC = b"SQLite format 3\x00"
#: Tables every neural_net database has (as tables: a view in the place of one is refused).
_CORE_TABLES = ("architecture", "layer", "neurons", "cost", "metric", "snapshot", "weight_matrix")
_PG_LOCK_KEY = 0x6E6E5F6D6967  # pg_advisory lock serializing schema creation


# ----- URLs --------------------------------------------------------------------------------
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


def default_run_dir() -> Path:
    """``$NEURAL_NET_RUN_DIR`` or ``./run``, as an absolute path (not created here).

    Example:
        >>> from neural_net.db.engine import default_run_dir
        >>> default_run_dir().is_absolute()
        True
    """
    return Path(os.environ.get("NEURAL_NET_RUN_DIR") or "run").expanduser().resolve()


def sqlite_url(path: str | os.PathLike) -> str:
    """``sqlite:////abs/path`` for a file path (made absolute), built by SQLAlchemy's
    :meth:`URL.create <sqlalchemy.engine.URL.create>`: characters such as ``?``, ``%``, ``#``
    are escaped, so the URL names exactly that file.

    Example:
        >>> from neural_net.db.engine import sqlite_url, sqlite_file
        >>> sqlite_url("/tmp/run/model1709575905.db")
        'sqlite:////tmp/run/model1709575905.db'
        >>> sqlite_url("/tmp/trial?1.db"), str(sqlite_file(sqlite_url("/tmp/trial?1.db")))
        ('sqlite:////tmp/trial%3F1.db', '/tmp/trial?1.db')
    """
    return _file_url(str(_resolved(path)))


def _resolved(path: str | os.PathLike) -> Path:
    """``path`` made absolute; an unusable one (e.g. a name longer than the file system allows)
    is a :class:`StorePathError`."""
    try:
        return Path(path).expanduser().resolve()
    except OSError as e:
        raise StorePathError(f"cannot use the path {str(path)[:200]!r}: {e.strerror or e}") from None


def _file_url(absolute: str) -> str:
    return URL.create("sqlite", database=absolute).render_as_string(hide_password=False)


def _make_dir(d: Path) -> None:
    """Create directory ``d`` and its parents, or raise :class:`StorePathError`."""
    try:
        if d.exists() and not d.is_dir():
            raise StorePathError(f"cannot store runs in {d}: it exists and is not a directory")
        d.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        if isinstance(e, StorePathError):
            raise
        raise StorePathError(f"cannot create the run directory {d}: {e.strerror or e}") from None


def new_file_url(directory: str | os.PathLike | None = None, stem: str = "model") -> str:
    """URL of a new timestamped file ``<stem><unix-seconds>.db`` (``model`` by default) in
    ``directory`` (created if missing; default :func:`default_run_dir`). The seed reads the
    time back with ``db_path.split('/')[-1][5:-3]``. The name is reserved by creating the
    (empty) file exclusively; when that second's name is taken (two runs started in the same
    second, in one process or in several), the next free second is used, so runs never share
    a file and the digits stay a unix time.

    Example:
        >>> import tempfile
        >>> from neural_net.db.engine import new_file_url
        >>> url = new_file_url(tempfile.mkdtemp())
        >>> url.split('/')[-1][5:-3].isdigit()
        True
    """
    d = _resolved(directory) if directory is not None else default_run_dir()
    _make_dir(d)
    _check_dir_writable(d)
    stamp = int(time.time())
    while True:
        path = d / f"{stem}{stamp}.db"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            stamp += 1  # taken: the next second
            continue
        except OSError as e:
            raise StorePathError(f"cannot create a database file in {d}: {e.strerror or e}") from None
        _RESERVED.add(path)
        return _file_url(str(path))


def discard_reserved(url: str) -> None:
    """Remove the file :func:`new_file_url` reserved for ``url`` if it is still empty (the run
    that was to fill it failed before writing); any other file is left alone.

    Example:
        >>> import os, tempfile
        >>> from neural_net.db.engine import new_file_url, discard_reserved, sqlite_file
        >>> url = new_file_url(tempfile.mkdtemp()); discard_reserved(url); sqlite_file(url).exists()
        False
    """
    path = sqlite_file(url)
    if path is None or path not in _RESERVED:
        return
    _RESERVED.discard(path)
    try:
        if path.stat().st_size == 0:
            path.unlink()
    except OSError:
        pass


def resolve_url(target: Any = True, stem: str = "model") -> str:
    """The SQLAlchemy URL for a ``store=`` target (see the module doc); a new file is named
    ``<stem><unix-seconds>.db``.

    Example:
        >>> from neural_net.db.engine import resolve_url
        >>> resolve_url("postgresql+psycopg://u@h/db")
        'postgresql+psycopg://u@h/db'
    """
    if target is True or target is None:
        env = os.environ.get("NEURAL_NET_DATABASE_URL")
        return resolve_url(env) if env else new_file_url(None, stem)
    if isinstance(target, str) and "://" in target:
        return absolute_url(target)
    if isinstance(target, (str, os.PathLike)):
        p = Path(target).expanduser()
        try:
            is_file = p.suffix.lower() in DB_SUFFIXES and not p.is_dir()
        except OSError as e:
            raise StorePathError(f"cannot use the path {str(p)[:200]!r}: {e.strerror or e}") from None
        if is_file:
            path = _resolved(p)
            _make_dir(path.parent)  # as for a directory: the parents are created
            return _file_url(str(path))
        return new_file_url(p, stem)
    raise TypeError(f"store must be True, a SQLAlchemy URL, a directory or a .db path, got {target!r}")


def absolute_url(url: str) -> str:
    """The URL with a relative SQLite path (``sqlite:///rel.db``) made absolute; other URLs
    unchanged.

    Example:
        >>> import os
        >>> from neural_net.db.engine import absolute_url
        >>> absolute_url("sqlite:///x.db") == "sqlite:///" + os.path.abspath("x.db")
        True
    """
    if not url.startswith("sqlite") or is_memory(url):
        return url
    u = make_url(url)
    if u.database and not os.path.isabs(u.database) and not u.database.startswith("file:"):
        return u.set(database=str(Path(u.database).expanduser().resolve())).render_as_string(hide_password=False)
    return url


def sources(source: Any) -> list[str]:
    """The database URLs a source stands for (a URL, a ``.db`` file, or a directory's ``*.db``).

    Example:
        >>> from neural_net.db.engine import sources
        >>> sources("sqlite://")
        ['sqlite://']
    """
    if isinstance(source, str) and "://" in source:
        return [absolute_url(source)]
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"source must be a database URL, a .db path or a run directory, got {source!r}")
    p = Path(source).expanduser()
    if p.is_dir():  # the directory is resolved once, not each of its files (a symbolic link still is)
        base = str(p.resolve())
        return [sqlite_url(f) if f.is_symlink() else _file_url(os.path.join(base, f.name))
                for f in sorted(p.glob("*.db")) if f.is_file()]
    if p.exists():
        return [sqlite_url(p)]
    raise StorePathError(f"no database file or run directory at {p.resolve()}")


def is_memory(url: str) -> bool:
    """True for an in-memory SQLite URL (``sqlite://`` or ``sqlite:///:memory:``).

    Example:
        >>> from neural_net.db.engine import is_memory
        >>> is_memory("sqlite://"), is_memory("sqlite:////tmp/a.db")
        (True, False)
    """
    u = make_url(url)
    return u.get_backend_name() == "sqlite" and u.database in (None, "", ":memory:")


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory or other databases).

    Example:
        >>> from neural_net.db.engine import sqlite_file
        >>> str(sqlite_file("sqlite:////tmp/a.db")), sqlite_file("sqlite://")
        ('/tmp/a.db', None)
    """
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or is_memory(url):
        return None
    return Path(u.database).expanduser().resolve()  # type: ignore[arg-type]


# ----- engines ----------------------------------------------------------------------------
def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _make_engine(url: str, **kwargs: Any) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if is_memory(url):
            engine = create_engine(u, poolclass=StaticPool, connect_args={"check_same_thread": False}, **kwargs)
        else:
            engine = create_engine(u, connect_args={"timeout": BUSY_TIMEOUT}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    return create_engine(u, pool_pre_ping=True, **kwargs)


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
    engine = url if isinstance(url, Engine) else ENGINES.get(url)
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


# ----- checks -----------------------------------------------------------------------------
def _has_write_bits(p: Path) -> bool:
    # root passes os.access on read-only files: also require a write bit in the mode
    return os.access(p, os.W_OK) and bool(p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _check_dir_writable(d: Path) -> None:
    if not d.exists():
        raise StorePathError(f"directory {d} does not exist (create it first, or pass the directory as store=)")
    if not d.is_dir():
        raise StorePathError(f"{d} is not a directory")
    if not (_has_write_bits(d) and os.access(d, os.X_OK)):
        raise StorePathError(f"directory {d} is not writable: the database and its journal files cannot be "
                             "created there")


def check_writable(path: Path) -> None:
    """Raise :class:`StorePathError` unless ``path`` (a database file, existing or not) can be
    written: its directory writable, the file (if it exists) a writable regular file.

    Example:
        >>> import tempfile, pathlib
        >>> from neural_net.db.engine import check_writable
        >>> check_writable(pathlib.Path(tempfile.mkdtemp()) / "new.db")
    """
    _check_dir_writable(path.parent)
    if path.exists():
        if not path.is_file():
            raise StorePathError(f"{path} is not a regular file")
        if not _has_write_bits(path):
            raise StorePathError(f"database file {path} is read-only: make it writable (chmod u+w) or store "
                                 "the run elsewhere")


@dataclass(frozen=True)
class DatabaseState:
    """What a URL holds: ``kind`` is ``'missing'`` (no file yet), ``'empty'`` (no tables),
    ``'current'`` (neural_net schema at head), ``'outdated'`` (older revision), ``'newer'``
    (unknown revision) or ``'foreign'`` (another application's data); ``revision`` is the
    stored Alembic revision (or None).

    Example:
        >>> from neural_net.db.engine import DatabaseState
        >>> DatabaseState("empty").revision is None
        True
    """

    kind: str
    revision: str | None = None
    detail: str = ""


def _classify(table_names: list[str], revision_rows: list[str] | None, where: str) -> DatabaseState:
    names = {n.lower() for n in table_names}
    if "alembic_version" not in names:
        if not names:
            return DatabaseState("empty")
        shown = ", ".join(sorted(table_names)[:8])
        return DatabaseState("foreign", None, f"{where} is not a neural_net database: it holds other tables "
                                              f"({shown}) and no alembic_version table")
    if not all(t in names for t in _CORE_TABLES):
        return DatabaseState("foreign", None, f"{where} is not a neural_net database: its alembic_version "
                                              "belongs to another application (no Architecture/Layer tables)")
    rows = revision_rows or []
    if len(rows) != 1:
        return DatabaseState("foreign", None, f"{where}: alembic_version holds {len(rows)} rows, expected one")
    rev = rows[0]
    if rev == head_revision():
        return DatabaseState("current", rev)
    if rev in revisions():
        return DatabaseState("outdated", rev)
    return DatabaseState("newer", rev)


def _sqlite_state(path: Path) -> DatabaseState:
    try:
        exists = path.exists()
    except OSError as e:  # e.g. ENAMETOOLONG
        raise StorePathError(f"cannot use the path {str(path)[:300]}: {e.strerror or e}") from None
    if not exists:
        return DatabaseState("missing")
    if path.is_dir():
        raise StorePathError(f"{path} is a directory, not a database file")
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise StorePathError(f"cannot read database file {path}: {e.strerror or e}") from None
    if not head:
        return DatabaseState("empty")
    if head != SQLITE_MAGIC:
        raise NotANeuralNetDatabase(f"{path} is not a SQLite database (it does not start with "
                                    "'SQLite format 3'); it was left untouched")
    try:
        con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as e:
        raise StorePathError(f"cannot open {path} read-only: {e}") from None
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = None
        if "alembic_version" in names:
            rows = [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError as e:
        raise NotANeuralNetDatabase(f"{path} cannot be read as a SQLite database ({e}); it was left "
                                    "untouched") from None
    finally:
        con.close()
    return _classify(names, rows, str(path))


def _connection_state(conn: Any, where: str) -> DatabaseState:
    insp = inspect(conn)
    names = list(insp.get_table_names())
    rows = None
    if "alembic_version" in {n.lower() for n in names}:
        rows = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    return _classify(names, rows, where)


def display_url(url: str) -> str:
    """A URL as shown to users: a SQLite file as its path, other URLs without their password.

    Example:
        >>> from neural_net.db.engine import display_url
        >>> display_url("sqlite:////tmp/run/a%3F.db"), display_url("postgresql+psycopg://me:secret@host/db")
        ('/tmp/run/a?.db', 'postgresql+psycopg://me:***@host/db')
    """
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


def database_state(url: str) -> DatabaseState:
    """Inspect ``url`` without writing to it (SQLite files are opened read-only).

    Raises :class:`NotANeuralNetDatabase` for a file that is not SQLite at all.

    Example:
        >>> from neural_net.db.engine import database_state
        >>> database_state("sqlite:////nonexistent/dir/x.db").kind
        'missing'
    """
    path = sqlite_file(url)
    if path is not None:
        return _sqlite_state(path)
    with get_engine(url).connect() as conn:
        return _connection_state(conn, display_url(url))


def _raise_for(state: DatabaseState, url: str) -> None:
    where = display_url(url)
    if state.kind == "foreign":
        raise NotANeuralNetDatabase(state.detail + "; it was left untouched")
    if state.kind == "outdated":
        raise SchemaOutdated(f"{where} uses schema revision {state.revision}, older than this neural_net's "
                             f"{head_revision()}: run `neural-net db upgrade {where}` "
                             f"(or neural_net.db.upgrade({url!r})) first")
    if state.kind == "newer":
        raise SchemaTooNew(f"{where} uses schema revision {state.revision!r}, unknown to this neural_net "
                           f"(newest known: {head_revision()}): it was written by a newer version; upgrade "
                           "neural_net to open it. The database was left untouched")


# ----- creation ---------------------------------------------------------------------------
@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Exclusive advisory lock (flock, independent of SQLite's own locks) on ``path``; used
    while a schema is created or upgraded in place."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _migrate_sqlite(url: str, revision: str = "head", *, scratch: bool = False) -> None:
    """Migrate a SQLite file; ``scratch``: a private temporary file, built without fsyncs
    (it is synced once, before being linked into place)."""
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT})
    if scratch:
        @event.listens_for(engine, "connect")
        def _fast(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA synchronous = OFF")
            dbapi_connection.execute("PRAGMA journal_mode = MEMORY")
    try:
        with engine.begin() as conn:
            run_upgrade(conn, revision)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")
    finally:
        engine.dispose()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - e.g. directories on some systems
        pass
    finally:
        os.close(fd)


def _create_sqlite_file(path: Path, revision: str = "head") -> None:
    """Build the schema in a temporary file, then link it to ``path`` (atomic, never clobbers)."""
    tmp = path.with_name(f".nn-{os.getpid()}-{secrets.token_hex(4)}.tmp")  # short: any valid name fits
    try:
        _migrate_sqlite(sqlite_url(tmp), revision, scratch=True)
        _fsync(tmp)
        try:
            os.link(tmp, path)
            _fsync(path.parent)
        except FileExistsError:
            pass  # another process made it first: use theirs (checked by the caller)
        except OSError:  # pragma: no cover - file systems without hard links
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            try:
                p.unlink()
            except FileNotFoundError:
                pass


def _pg_lock(conn: Any) -> None:
    """On PostgreSQL, take the advisory lock serializing schema changes for ``conn``'s transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})


def _create_in_place(url: str, path: Path | None) -> None:
    if path is not None:  # an existing empty SQLite file
        with _file_lock(path):
            if _sqlite_state(path).kind == "empty":
                _migrate_sqlite(url)
        return
    with get_engine(url).begin() as conn:
        _pg_lock(conn)
        state = _connection_state(conn, display_url(url))
        if state.kind == "empty":
            run_upgrade(conn, "head")
        else:
            _raise_for(state, url)


def open_database(url: str, *, create: bool = True) -> Engine:
    """Validate ``url`` and return its engine, creating the schema (by migration) when the
    database is new and ``create`` is true.

    Raises:
        StorePathError: unwritable directory or read-only file (when ``create``), missing file
            (when not ``create``).
        NotANeuralNetDatabase: not SQLite, or another application's database.
        SchemaOutdated: older schema revision (run ``neural-net db upgrade PATH``).
        SchemaTooNew: a revision this version does not know.

    Example:
        >>> from neural_net.db.engine import open_database
        >>> from sqlalchemy import inspect
        >>> "Architecture" in inspect(open_database("sqlite://")).get_table_names()
        True
    """
    try:
        return _open_database(url, create)
    except OSError as e:
        if isinstance(e, StoreError):
            raise
        raise StorePathError(f"cannot use the database file {display_url(url)[:300]}: {e.strerror or e}") from None


def _check_name_length(path: Path) -> None:
    """SQLite keeps ``NAME-wal`` and ``NAME-shm`` beside ``NAME``: refuse a name that leaves no
    room for them (a plain "unable to open database file" later otherwise)."""
    try:
        limit = os.pathconf(path.parent, "PC_NAME_MAX") if path.parent.exists() else 255
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(path.name)) + len("-wal") > limit:
        raise StorePathError(f"the file name {path.name[:60]}... is too long: {len(os.fsencode(path.name))} bytes, "
                             f"at most {limit - 4} (SQLite adds -wal and -shm files beside it)")


def _open_database(url: str, create: bool) -> Engine:
    path = sqlite_file(url)
    if path is not None:
        _check_name_length(path)
        state = _sqlite_state(path)
        if state.kind in ("foreign", "outdated", "newer"):
            _raise_for(state, url)
        if create:
            check_writable(path)
        if state.kind == "missing":
            if not create:
                raise StorePathError(f"no database file at {path}")
            dispose(url)  # an engine kept for a file since deleted
            _create_sqlite_file(path)
            state = _sqlite_state(path)
            if state.kind != "current":
                _raise_for(state, url)
        elif state.kind == "empty":
            if not create:
                raise NotANeuralNetDatabase(f"{path} is an empty database: it holds no neural_net runs")
            _create_in_place(url, path)
        return get_engine(url)
    engine = get_engine(url)
    state = database_state(url)
    if state.kind == "empty":
        if not create:
            raise NotANeuralNetDatabase(f"{display_url(url)} holds no neural_net schema")
        _create_in_place(url, None)
    elif state.kind != "current":
        _raise_for(state, url)
    return engine


def upgrade(url: str, revision: str = "head") -> str:
    """Upgrade the database at ``url`` (a URL or a .db path) to ``revision`` (default the head)
    and return the revision it is now at. An empty or missing database is created.

    Example:
        >>> import tempfile, os
        >>> from neural_net.db.engine import upgrade
        >>> upgrade(os.path.join(tempfile.mkdtemp(), "x.db"))
        '0005'
    """
    known = revisions()
    if not isinstance(revision, str) or revision not in ("head", *known):
        raise UnknownRevision(f"unknown schema revision {revision!r}: this neural_net knows {', '.join(known)} "
                              "(or 'head', the newest); nothing was changed")
    url = url if "://" in str(url) else sqlite_url(url)
    path = sqlite_file(url)
    state = database_state(url)
    if state.kind in ("foreign", "newer"):
        _raise_for(state, url)
    if path is not None:
        check_writable(path)
        dispose(url)
        if state.kind == "missing":
            _create_sqlite_file(path, revision)
            return database_state(url).revision or ""
        with _file_lock(path):
            _migrate_sqlite(url, revision)
    else:
        with get_engine(url).begin() as conn:
            _pg_lock(conn)
            run_upgrade(conn, revision)
    return database_state(url).revision or ""
