"""Where a database is, how it is opened, and the checks made before anything is written:
the names of :mod:`neural_net.db.urls` (URLs and paths), :mod:`neural_net.db.connections`
(one engine per URL) and :mod:`neural_net.db.opening` (state, creation, upgrade) in one place,
so that ``from neural_net.db.engine import open_database`` keeps working.

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

from .connections import BUSY_TIMEOUT, ENGINES, checkpoint, dispose, get_engine
from .opening import SQLITE_MAGIC, DatabaseState, database_state, open_database, upgrade
from .urls import (DB_SUFFIXES, absolute_url, check_writable, default_run_dir, discard_reserved, display_url,
                   is_memory, new_file_url, resolve_url, sources, sqlite_file, sqlite_url)

__all__ = ["BUSY_TIMEOUT", "ENGINES", "checkpoint", "dispose", "get_engine", "SQLITE_MAGIC", "DatabaseState",
           "database_state", "open_database", "upgrade", "DB_SUFFIXES", "absolute_url", "check_writable",
           "default_run_dir", "discard_reserved", "display_url", "is_memory", "new_file_url", "resolve_url",
           "sources", "sqlite_file", "sqlite_url"]
