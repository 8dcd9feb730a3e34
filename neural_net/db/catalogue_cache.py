"""A cache of what the catalogue read from each SQLite file of a run directory, so that a
repeated ``neural-net runs DIR`` opens only the files that changed.

One JSON file per run directory in the user's cache directory (:func:`cache_dir`:
``$NEURAL_NET_CACHE_DIR``, else ``$XDG_CACHE_HOME/neural_net``, else
``~/.cache/neural_net``; ``NEURAL_NET_CACHE_DIR=""`` turns the cache off). Per file it keeps the
raw rows of the catalogue's queries (:data:`~neural_net.db.catalogue_sql.RUN_SQL`, and with
``extras`` the hyper-parameter, metric, tag and layer queries of
:func:`~neural_net.db.catalogue_sql.collect_extras`), keyed by the file's and its ``-wal``'s
size, modification and change times (nanoseconds) and inode, taken *before* the file is read.

Rules:

* a file whose key differs, or that is absent from the cache, is read again (and a file that
  is gone is gone from the listing: the directory is listed each time);
* a file (or its ``-wal``) modified less than :data:`RACY_SECONDS` before the cache is written
  is not kept (it could change again within the same timestamp: it is read next time, as git
  does with "racily clean" entries);
* cached rows go through the same checks as rows read from a file (a cache is input): a value
  of the wrong type, or an entry of the wrong shape, makes the catalogue read the file itself;
* a cache that cannot be read, is not JSON, or was written for another format, schema revision
  or directory is ignored and rewritten; failing to write it (a read-only home) is silent;
* rows stored as ``'running'`` get their live status from the pid and heartbeat at each call,
  as for rows read from files (the cache holds the stored status only).

Example:
    >>> import os, tempfile
    >>> from neural_net.db.catalogue_cache import DirectoryCache
    >>> cache = DirectoryCache(tempfile.mkdtemp(), head="0005", where=tempfile.mkdtemp())
    >>> cache.lookup("/nowhere/a.db", extras=False)  # (stamp, rows): no such file
    (None, None)
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping

from .catalogue_files import fast_read
from .catalogue_sql import EXTRA_WIDTHS, RUN_KEYS, RUN_SQL, check_run_row, collect_extras
from .errors import StoreError

#: The environment variable naming the cache directory (empty: no cache).
CACHE_ENV = "NEURAL_NET_CACHE_DIR"
#: Version of the cache file's layout (another version is ignored).
FORMAT = 2
#: A cache file larger than this is ignored and rewritten (about 400 bytes per run are written).
MAX_CACHE_BYTES = 256 * 2**20
#: A file modified this recently when the cache is written is left out of it (read next time).
RACY_SECONDS = 2.0
#: Types a cached value may have (what sqlite3 returns, bytes aside: a file holding bytes is
#: not cached).
_PLAIN = (type(None), int, float, str)

Stamp = tuple[list[int], list[int] | None]


def cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """The directory of the catalogue caches given the environment ``environ`` (default
    :data:`os.environ`), or None when ``$NEURAL_NET_CACHE_DIR`` is set empty (no cache).

    Example:
        >>> from neural_net.db.catalogue_cache import cache_dir
        >>> str(cache_dir({"NEURAL_NET_CACHE_DIR": "/tmp/nn-cache"})), cache_dir({"NEURAL_NET_CACHE_DIR": ""})
        ('/tmp/nn-cache', None)
        >>> str(cache_dir({"XDG_CACHE_HOME": "/home/me/.cache"}))
        '/home/me/.cache/neural_net'
    """
    environ = os.environ if environ is None else environ
    value = environ.get(CACHE_ENV)
    if value is not None:
        return Path(value).expanduser() if value.strip() else None
    base = environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "neural_net"


def is_run_directory(source: Any) -> bool:
    """True when ``source`` (a catalogue source) is a directory, not a URL or a file.

    Example:
        >>> import tempfile
        >>> from neural_net.db.catalogue_cache import is_run_directory
        >>> is_run_directory(tempfile.mkdtemp()), is_run_directory("sqlite:////tmp")
        (True, False)
    """
    if isinstance(source, str) and "://" in source:
        return False
    return isinstance(source, (str, os.PathLike)) and os.path.isdir(os.path.expanduser(source))


def _stat(path: str) -> list[int] | None:
    try:
        s = os.stat(path)
    except OSError:
        return None
    return [s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino]


def stamp(path: str) -> Stamp | None:
    """The key of ``path`` in the cache: ``[size, mtime_ns, ctime_ns, inode]`` of the file and of
    its ``-wal`` (None when there is none), or None when the file cannot be stat'ed.

    Example:
        >>> import os, tempfile
        >>> from neural_net.db.catalogue_cache import stamp
        >>> path = os.path.join(tempfile.mkdtemp(), "a.db"); open(path, "w").write("abc")
        3
        >>> own, wal = stamp(path); own[0], wal, stamp(path + ".gone")
        (3, None, None)
    """
    own = _stat(path)
    return None if own is None else (own, _stat(path + "-wal"))


def _is_stat(value: Any) -> bool:
    return type(value) is list and len(value) == 4 and all(type(v) is int for v in value)


def _is_rows(value: Any, width: int) -> bool:
    return type(value) is list and all(type(r) is list and len(r) == width and all(type(v) in _PLAIN for v in r)
                                       for r in value)


def _valid_entry(entry: Any) -> bool:
    """True when ``entry`` has the shape the cache writes (the values are checked on use)."""
    if type(entry) is not dict or not _is_stat(entry.get("stat")):
        return False
    if entry.get("wal") is not None and not _is_stat(entry["wal"]):
        return False
    if not _is_rows(entry.get("rows"), len(RUN_KEYS)):
        return False
    if any(kind in entry for kind in EXTRA_WIDTHS):
        return all(_is_rows(entry.get(kind), width) for kind, width in EXTRA_WIDTHS.items())
    return True


class DirectoryCache:
    """The cached reads of the SQLite files of one run directory (see the module's rules).

    Args:
        directory: the run directory (its resolved path names the cache file; entries are keyed
            by the files' paths).
        head: the schema revision the rows were read at (another one: the cache is ignored).
        where: the directory of the cache file (default :func:`cache_dir`; None there: no cache).

    Example:
        >>> import os, tempfile
        >>> from neural_net.db.catalogue_cache import DirectoryCache
        >>> where = tempfile.mkdtemp()
        >>> cache = DirectoryCache(tempfile.mkdtemp(), head="0005", where=where)
        >>> cache.save()  # nothing read: nothing written
        >>> os.listdir(where)
        []
    """

    def __init__(self, directory: str | os.PathLike, head: str, where: str | os.PathLike | None = None) -> None:
        self.directory = str(Path(directory).expanduser().resolve())
        self.head = head
        where = cache_dir() if where is None else Path(where)
        digest = hashlib.sha256(self.directory.encode("utf-8", "surrogateescape")).hexdigest()[:24]
        self.file = None if where is None else where / f"catalogue-{digest}.json"
        self.entries: dict[str, dict[str, Any]] = {}
        self.changed = False
        if self.file is not None:
            self.entries = self._load()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            with open(self.file, "rb") as f:  # type: ignore[arg-type]
                if os.fstat(f.fileno()).st_size > MAX_CACHE_BYTES:  # not ours to load whole: rewritten
                    self.changed = True
                    return {}
                doc = json.loads(f.read())
        except (OSError, ValueError, RecursionError):  # absent, unreadable, not JSON, not UTF-8
            return {}
        if (type(doc) is not dict or doc.get("format") != FORMAT or doc.get("head") != self.head
                or doc.get("directory") != self.directory or doc.get("keys") != RUN_KEYS
                or type(doc.get("files")) is not dict):
            self.changed = True  # a foreign or outdated cache: rewritten
            return {}
        return doc["files"]

    def lookup(self, path: str, extras: bool) -> tuple[Stamp | None, Any]:
        """``(stamp, result)``: the key of ``path`` now, and what the catalogue would read from it
        (``(rows, RunExtras or None)``), checked, when the cache holds it for that key,
        else None (read the file, then :meth:`store`)."""
        key = stamp(path)
        entry = self.entries.get(path)
        if key is None or entry is None:
            return key, None
        if (not _valid_entry(entry) or entry["stat"] != key[0] or entry.get("wal") != key[1]
                or (extras and "hyper" not in entry)):
            return key, self._forget(path)
        try:
            return key, replay(entry, extras)
        except (StoreError, ValueError, TypeError):  # a value of the wrong type: the file decides
            return key, self._forget(path)

    def _forget(self, path: str) -> None:
        """Drop the entry of ``path`` (changed, or refused): the file is read instead."""
        self.entries.pop(path, None)
        self.changed = True

    def read(self, path: str, key: Stamp | None, lock_timeout: float, extras: bool) -> Any:
        """What the catalogue reads from the SQLite file ``path`` (:func:`fast_read` with
        :func:`read_recorded`), kept for ``key`` (the stamp :meth:`lookup` gave, taken before the
        read). None when the fast path declines the file; raises as :func:`fast_read`.

        Example:
            >>> import os, tempfile
            >>> from neural_net.db.catalogue_cache import DirectoryCache
            >>> d = tempfile.mkdtemp(); open(os.path.join(d, "notes.db"), "w").write("text")
            4
            >>> cache = DirectoryCache(d, "0005", where=tempfile.mkdtemp()); path = os.path.join(d, "notes.db")
            >>> key, found = cache.lookup(path, extras=False)
            >>> found, cache.read(path, key, 1.0, extras=False)
            (None, None)
        """
        got = fast_read(path, lock_timeout, self.head, lambda con: read_recorded(con, extras))
        if got is None:
            return None
        result, record = got
        self.store(path, key, record)
        return result

    def store(self, path: str, key: Stamp | None, record: dict[str, Any] | None) -> None:
        """Keep ``record`` (raw rows of :func:`read_recorded`) for ``path`` read at ``key``
        (nothing when either is None: a file that could not be stat'ed, or rows not plain)."""
        if key is None or record is None or self.file is None:
            return
        self.entries[path] = {"stat": key[0], "wal": key[1], **record}
        self.changed = True

    def keep_only(self, paths: list[str]) -> None:
        """Forget the files not in ``paths`` (deleted from the directory)."""
        names = set(paths)
        for name in [n for n in self.entries if n not in names]:
            del self.entries[name]
            self.changed = True

    def save(self) -> None:
        """Write the cache (atomically: a temporary file renamed) when it changed, leaving out the
        files modified in the last :data:`RACY_SECONDS`; any failure is silent."""
        if self.file is None or not self.changed:
            return
        recent = time.time_ns() - int(RACY_SECONDS * 1e9)
        files = {name: e for name, e in self.entries.items()
                 if _valid_entry(e) and max(e["stat"][1], (e["wal"] or [0, 0])[1]) < recent}
        doc = {"format": FORMAT, "head": self.head, "directory": self.directory, "keys": RUN_KEYS, "files": files}
        try:
            text = json.dumps(doc, separators=(",", ":"))
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".catalogue-", suffix=".tmp", dir=self.file.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                os.replace(tmp, self.file)
            except BaseException:
                os.unlink(tmp)
                raise
        except (OSError, ValueError):  # a read-only or full home, a value JSON cannot hold: no cache
            return
        self.changed = False


def replay(entry: dict[str, Any], extras: bool) -> Any:
    """What the catalogue reads from a file, computed from a cache entry's raw rows by the same
    checks as from the file (:func:`check_run_row`, :func:`collect_extras`): ``(rows,
    RunExtras or None)``; :class:`~neural_net.db.errors.StoredModelError` for a bad value.

    Example:
        >>> from neural_net.db.catalogue_cache import replay
        >>> from neural_net.db.catalogue_sql import RUN_KEYS
        >>> row = [7, "a", "finished", 2, 0.5] + [None] * (len(RUN_KEYS) - 5)
        >>> entry = {"rows": [row], "hyper": [[7, '{"params": {"units": 4}}']],
        ...          "metrics": [[7, "val", "accuracy", 0.9, 0.5, 0.9]], "tags": [], "layers": [[7, 4, 3]]}
        >>> rows, extras = replay(entry, extras=True)
        >>> rows[0][:5], extras.params, extras.metrics, extras.layers
        ((7, 'a', 'finished', 2, 0.5), {7: {'units': 4}}, {7: {'val_accuracy': 0.9, 'best_val_accuracy': 0.9}}, {7: '4-3'})
    """
    rows = [check_run_row(tuple(r)) for r in entry["rows"]]
    if not extras:
        return rows, None
    return rows, collect_extras(lambda kind, sql: entry[kind], [r[0] for r in rows])


def read_recorded(con: Any, extras: bool) -> tuple[Any, dict[str, Any] | None]:
    """What the catalogue reads from a file through the sqlite3 connection ``con`` (``(rows,
    RunExtras or None)``, checked), and the raw rows for the cache (None when a value
    is of a type JSON would not give back, such as bytes).

    Example:
        >>> import os, sqlite3, tempfile
        >>> from neural_net.db import record_failed_run
        >>> from neural_net.db.catalogue_cache import read_recorded
        >>> path = os.path.join(tempfile.mkdtemp(), "f.db")
        >>> _ = record_failed_run(path, "bad", {"units": 0}, "ValueError: units must be > 0")
        >>> (rows, extras), record = read_recorded(sqlite3.connect(path), extras=False)
        >>> rows[0][1:3], extras, sorted(record), record["rows"][0][1]
        (('bad', 'failed'), None, ['rows'], 'bad')
    """
    raw = con.execute(RUN_SQL).fetchall()
    rows = [check_run_row(r) for r in raw]
    record: dict[str, Any] = {"rows": [list(r) for r in raw]}
    found = None
    if extras:
        got: dict[str, list] = {kind: [] for kind in EXTRA_WIDTHS}

        def fetch(kind: str, sql: str) -> list[Any]:
            result = con.execute(sql).fetchall()
            got[kind].extend(list(r) for r in result)
            return result

        found = collect_extras(fetch, [r[0] for r in rows])
        record.update(got)
    plain = all(type(v) in _PLAIN for part in record.values() for r in part for v in r)
    return (rows, found), (record if plain else None)


__all__ = ["CACHE_ENV", "FORMAT", "RACY_SECONDS", "DirectoryCache", "cache_dir", "is_run_directory", "read_recorded",
           "replay", "stamp"]
