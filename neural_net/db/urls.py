"""Where a database is: what a user passes as ``store=`` or as a source, turned into
SQLAlchemy URLs and file paths, and the checks that a file can be written.

* :func:`resolve_url` turns what a user passes as ``store=`` into a SQLAlchemy URL: ``True``
  → ``$NEURAL_NET_DATABASE_URL`` if set, else a new file ``model<unix-seconds>.db`` in
  ``$NEURAL_NET_RUN_DIR`` (default ``./run``, created); a string with ``://`` → that URL; a
  path ending in ``.db``/``.sqlite``/``.sqlite3`` that is not a directory → that file; any
  other path → a directory for the timestamped file.
* :func:`sources` lists the databases a source (URL, file, run directory) stands for;
  :func:`display_url` shows a URL to a person (a file as its path, no password).

SQLite URLs of the form ``sqlite://`` and ``sqlite:///PATH`` (no query) are built and read here
as SQLAlchemy's :class:`~sqlalchemy.engine.URL` builds and reads them (the path quoted as its
``render_as_string`` quotes it, decoded as ``make_url`` decodes it; a test compares), so that
listing a run directory imports no SQLAlchemy; any other URL goes through SQLAlchemy.

Example:
    >>> import tempfile, os
    >>> from neural_net.db.urls import resolve_url, display_url
    >>> url = resolve_url(os.path.join(tempfile.mkdtemp(), "demo.db"))
    >>> url.startswith("sqlite:////") and display_url(url).endswith("demo.db")
    True
"""
from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from .errors import StorePathError

#: Files reserved by :func:`new_file_url` in this process (see :func:`discard_reserved`).
_RESERVED: set[Path] = set()
#: File suffixes taken as a database file (rather than a directory) in :func:`resolve_url`.
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def default_run_dir() -> Path:
    """``$NEURAL_NET_RUN_DIR`` or ``./run``, as an absolute path (not created here).

    Example:
        >>> from neural_net.db.engine import default_run_dir
        >>> default_run_dir().is_absolute()
        True
    """
    return Path(os.environ.get("NEURAL_NET_RUN_DIR") or "run").expanduser().resolve()


def sqlite_url(path: str | os.PathLike) -> str:
    """``sqlite:////abs/path`` for a file path (made absolute), as SQLAlchemy's
    :meth:`URL.create <sqlalchemy.engine.URL.create>` renders it: characters such as ``?``,
    ``%``, ``#`` are escaped, so the URL names exactly that file.

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
    """``URL.create("sqlite", database=absolute).render_as_string()``, without SQLAlchemy."""
    return "sqlite:///" + quote(absolute, safe=" +/")


def backend_and_database(url: str) -> tuple[str, str | None]:
    """The backend name and the database of ``url`` as SQLAlchemy's ``make_url`` gives them
    (``get_backend_name()``, ``database``): read here for ``sqlite://`` and ``sqlite:///PATH``
    without a query (the path percent-decoded), through SQLAlchemy for any other URL.

    Example:
        >>> from neural_net.db.urls import backend_and_database
        >>> backend_and_database("sqlite:////tmp/a%3F.db"), backend_and_database("sqlite://")
        (('sqlite', '/tmp/a?.db'), ('sqlite', None))
        >>> backend_and_database("postgresql+psycopg://me@host/db")
        ('postgresql', 'db')
    """
    if url == "sqlite://":
        return "sqlite", None
    if url.startswith("sqlite:///") and "?" not in url:
        return "sqlite", unquote(url[len("sqlite:///"):])
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return u.get_backend_name(), u.database


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
    database = backend_and_database(url)[1]
    if database and not os.path.isabs(database) and not database.startswith("file:"):
        from sqlalchemy.engine import make_url

        absolute = str(Path(database).expanduser().resolve())
        return make_url(url).set(database=absolute).render_as_string(hide_password=False)
    return url


def sources(source: Any) -> list[str]:
    """The database URLs a source stands for (a URL, a ``.db`` file, or a directory's ``*.db``;
    or a list or tuple of those: their URLs in order).

    Example:
        >>> from neural_net.db.engine import sources
        >>> sources("sqlite://"), sources(["sqlite://", "sqlite:////runs/a.db"])
        (['sqlite://'], ['sqlite://', 'sqlite:////runs/a.db'])
    """
    if isinstance(source, (list, tuple)):
        return [url for one in source for url in sources(one)]
    if isinstance(source, str) and "://" in source:
        return [absolute_url(source)]
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"source must be a database URL, a .db path, a run directory or a list of those, got {source!r}")
    p = Path(source).expanduser()
    if p.is_dir():  # the directory is resolved once, not each of its files (a symbolic link still is)
        base = str(p.resolve())
        try:  # the entries of ``p.glob("*.db")`` that are files, in its sorted order, without a stat per file
            with os.scandir(p) as it:
                found = sorted((e.name, e.is_symlink()) for e in it if e.name.endswith(".db") and e.is_file())
        except PermissionError:  # as glob: an unreadable directory has no files
            found = []
        return [sqlite_url(p / name) if link else _file_url(os.path.join(base, name)) for name, link in found]
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
    backend, database = backend_and_database(url)
    return backend == "sqlite" and database in (None, "", ":memory:")


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory or other databases).

    Example:
        >>> from neural_net.db.engine import sqlite_file
        >>> str(sqlite_file("sqlite:////tmp/a.db")), sqlite_file("sqlite://")
        ('/tmp/a.db', None)
    """
    backend, database = backend_and_database(url)
    if backend != "sqlite" or database in (None, "", ":memory:"):
        return None
    return Path(database).expanduser().resolve()  # type: ignore[arg-type]



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
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


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
