"""Exceptions of the database store, each with a message that names the path or run at fault.

Every class derives from :class:`StoreError` and from the built-in exception a caller would
naturally catch (``OSError`` for paths, ``KeyError`` for unknown runs, ``ValueError`` for bad
stored data), so ``except KeyError`` and ``except StoreError`` both work.

Example:
    >>> from neural_net.db.errors import RunNotFound, StoreError
    >>> err = RunNotFound("no run 7 in sqlite:///x.db; runs there: [1, 2]")
    >>> isinstance(err, KeyError) and isinstance(err, StoreError), str(err)
    (True, 'no run 7 in sqlite:///x.db; runs there: [1, 2]')
"""
from __future__ import annotations


class StoreError(Exception):
    """Base of every error raised by :mod:`neural_net.db`.

    Example:
        >>> from neural_net.db.errors import StoreError, SchemaOutdated
        >>> issubclass(SchemaOutdated, StoreError)
        True
    """


class StorePathError(StoreError, OSError):
    """A database path cannot be used: missing or unwritable directory, read-only file.

    Example:
        >>> from neural_net.db.errors import StorePathError
        >>> str(StorePathError("directory /nope is not writable"))
        'directory /nope is not writable'
    """


class NotANeuralNetDatabase(StoreError, ValueError):
    """The file or database exists but is not a neural_net database (it is left untouched).

    Example:
        >>> from neural_net.db.errors import NotANeuralNetDatabase
        >>> issubclass(NotANeuralNetDatabase, ValueError)
        True
    """


class SchemaOutdated(StoreError):
    """The database was made by an older neural_net: upgrade it (``neural-net db upgrade PATH``
    or :func:`neural_net.db.upgrade`).

    Example:
        >>> from neural_net.db.errors import SchemaOutdated
        >>> issubclass(SchemaOutdated, Exception)
        True
    """


class SchemaTooNew(StoreError):
    """The database was made by a newer neural_net (its schema revision is unknown here).

    Example:
        >>> from neural_net.db.errors import SchemaTooNew
        >>> issubclass(SchemaTooNew, Exception)
        True
    """


class RunNotFound(StoreError, KeyError):
    """No run with that id in the source; the message lists the runs that exist.

    Example:
        >>> from neural_net.db.errors import RunNotFound
        >>> str(RunNotFound("no run 3"))
        'no run 3'
    """

    def __str__(self) -> str:  # KeyError would add quotes
        return str(self.args[0]) if self.args else ""


class SnapshotNotFound(StoreError, ValueError):
    """The run has no weight snapshot at the requested epoch; the message lists stored epochs.

    Example:
        >>> from neural_net.db.errors import SnapshotNotFound
        >>> issubclass(SnapshotNotFound, ValueError)
        True
    """


class StoredModelError(StoreError, ValueError):
    """Stored data (configuration, weights, optimizer or generator state) is invalid or names
    something that is not registered; nothing from it was executed.

    Example:
        >>> from neural_net.db.errors import StoredModelError
        >>> issubclass(StoredModelError, ValueError)
        True
    """


class UnknownRevision(StoreError, ValueError):
    """A schema revision that this neural_net does not ship (``neural-net db upgrade PATH
    --revision R``); nothing was changed.

    Example:
        >>> from neural_net.db.errors import UnknownRevision
        >>> issubclass(UnknownRevision, ValueError)
        True
    """
