"""Opening a database: what a URL holds, the checks made before anything is written, the
schema's creation and upgrade.

* :func:`database_state` inspects a URL without writing to it.
* :func:`open_database` validates first and writes after: an unwritable directory, a
  read-only file, a file that is not SQLite, a database of another application, or of a
  newer or older schema revision raise a clear error naming the path, and leave the file
  byte for byte as it was. A new SQLite file is built under a temporary name and linked into
  place atomically, so two processes creating the same file in the same second never see a
  half-made schema.
* :func:`upgrade` brings an older database to the head revision.

Example:
    >>> import tempfile, os
    >>> from neural_net.db.urls import sqlite_url
    >>> from neural_net.db.opening import open_database, database_state
    >>> url = sqlite_url(os.path.join(tempfile.mkdtemp(), "demo.db"))
    >>> engine = open_database(url)
    >>> database_state(url).kind
    'current'
"""
from __future__ import annotations

import os
import secrets
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import quote

from .connections import BUSY_TIMEOUT, dispose, get_engine
from .errors import NotANeuralNetDatabase, SchemaOutdated, SchemaTooNew, StoreError, StorePathError, UnknownRevision
from .migrate import head_revision, revisions, run_upgrade
from .urls import check_writable, display_url, sqlite_file, sqlite_url

if TYPE_CHECKING:  # SQLAlchemy is imported where an engine is made or inspected: the checks of a
    from sqlalchemy.engine import Engine  # file (sqlite3) need none, nor does listing a run directory

try:  # POSIX only; elsewhere in-place creation of an empty file is not serialized
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

#: The first 16 bytes of every SQLite file.
SQLITE_MAGIC = b"SQLite format 3\x00"
#: Tables every neural_net database has (as tables: a view in the place of one is refused).
_CORE_TABLES = ("architecture", "layer", "neurons", "cost", "metric", "snapshot", "weight_matrix")
_PG_LOCK_KEY = 0x6E6E5F6D6967  # pg_advisory lock serializing schema creation


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
    from sqlalchemy import inspect, text

    insp = inspect(conn)
    names = list(insp.get_table_names())
    rows = None
    if "alembic_version" in {n.lower() for n in names}:
        rows = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    return _classify(names, rows, where)



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
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

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
        from sqlalchemy import text

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
        >>> "architecture" in inspect(open_database("sqlite://")).get_table_names()
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
