"""Values read from a database, checked against the schema before anything uses them.

A database file is input like any other: SQLite is dynamically typed, so a file made (or
edited) outside the library can hold text in ``snapshot.epoch``, a string in ``Cost.value``,
an unparseable ``created_at`` or a ``pid`` of ``'abc'``. Every reader selects the raw values
(:func:`raw_columns`: no SQLAlchemy result processor runs on them) and passes each row
through :func:`checked_row`, which returns the values with the types the schema declares
(``datetime`` for ``*_at`` columns, ``int``, ``float``, ``str``) or raises
:class:`~neural_net.db.errors.StoredModelError` naming the run, the table and the column.

The checks of single values (:func:`check_value`, :func:`check_document`) and the bounds on what
a file can make a reader allocate (:data:`MAX_LAYERS`, :data:`MAX_DOCUMENT_CHARS`) are
:mod:`neural_net.db.value_checks`'s (no SQLAlchemy), re-exported here.

Example:
    >>> from neural_net.db.schema import Snapshot
    >>> from neural_net.db.values import checked_row
    >>> checked_row(Snapshot, {"epoch": 3, "created_at": "2024-03-04 18:00:00.5+00:00"}, 7)["created_at"]
    datetime.datetime(2024, 3, 4, 18, 0, 0, 500000, tzinfo=datetime.timezone.utc)
    >>> checked_row(Snapshot, {"epoch": "three"}, 7)
    Traceback (most recent call last):
    ...
    neural_net.db.errors.StoredModelError: run 7: table snapshot, column epoch holds 'three', not an integer
"""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import DateTime, Float, Integer, String, Text, type_coerce
from sqlalchemy.types import NullType

from .schema import JSONDocument, UTCDateTime
from .value_checks import MAX_DOCUMENT_CHARS, MAX_LAYERS, check_document, check_value  # noqa: F401  (re-exported)


def _kind(column: Any) -> str:
    t = column.type
    if isinstance(t, (DateTime, UTCDateTime)):
        return "datetime"
    if isinstance(t, Integer):
        return "int"
    if isinstance(t, Float):
        return "float"
    if isinstance(t, (String, Text, JSONDocument)):
        return "str"
    return "any"  # pragma: no cover - every column of the schema has one of the kinds above


def checked_row(table: Any, row: Mapping[str, Any], rid: Any) -> dict[str, Any]:
    """The values of ``row`` (a mapping of column names of ``table``, an ORM class or a
    Table) with the types the schema declares; see the module doc.

    Example:
        >>> from neural_net.db.schema import Architecture
        >>> from neural_net.db.values import checked_row
        >>> checked_row(Architecture, {"pid": "12x"}, 5)
        Traceback (most recent call last):
        ...
        neural_net.db.errors.StoredModelError: run 5: table architecture, column pid holds '12x', not an integer
    """
    t = getattr(table, "__table__", table)
    out = dict(row)
    for name, value in row.items():
        column = t.c.get(name)
        if column is None or value is None:
            continue
        out[name] = check_value(value, _kind(column), f"run {rid}: table {t.name}, column {name}")
    return out


def raw_columns(table: Any, *names: str) -> list[Any]:
    """Columns of ``table`` (all, or ``names``) to select without result processing, so that a
    malformed value reaches :func:`checked_row` instead of failing inside SQLAlchemy.

    Example:
        >>> from neural_net.db.schema import Snapshot
        >>> from neural_net.db.values import raw_columns
        >>> [c.name for c in raw_columns(Snapshot, "epoch", "created_at")]
        ['epoch', 'created_at']
    """
    t = getattr(table, "__table__", table)
    columns = [t.c[n] for n in names] if names else list(t.c)
    return [type_coerce(c, NullType()).label(c.name) for c in columns]
