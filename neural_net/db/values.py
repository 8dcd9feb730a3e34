"""Values read from a database, checked against the schema before anything uses them.

A database file is input like any other: SQLite is dynamically typed, so a file made (or
edited) outside the library can hold text in ``snapshot.epoch``, a string in ``Cost.value``,
an unparseable ``created_at`` or a ``pid`` of ``'abc'``. Every reader selects the raw values
(:func:`raw_columns`: no SQLAlchemy result processor runs on them) and passes each row
through :func:`checked_row`, which returns the values with the types the schema declares
(``datetime`` for ``*_at`` columns, ``int``, ``float``, ``str``) or raises
:class:`~neural_net.db.errors.StoredModelError` naming the run, the table and the column.

The module also holds the bounds on what a file can make a reader allocate
(:data:`MAX_LAYERS`, :data:`MAX_DOCUMENT_CHARS`).

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

import json
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import DateTime, Float, Integer, String, Text, type_coerce
from sqlalchemy.types import NullType

from .errors import StoredModelError
from .schema import JSONDocument, UTCDateTime, as_utc

#: Most layers a stored configuration may have (a larger one is refused before anything is built).
MAX_LAYERS = 10_000
#: Longest JSON document (configuration, hyper-parameters, generator state) a reader parses, in characters.
MAX_DOCUMENT_CHARS = 16 * 2**20
_INT64 = 2**63


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


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_value(value: Any, kind: str, where: str) -> Any:
    """``value`` as a column of ``kind`` (``'int'``, ``'float'``, ``'datetime'``, ``'str'``)
    holds it, or :class:`StoredModelError` naming ``where``. None passes.

    Example:
        >>> from neural_net.db.values import check_value
        >>> check_value(2, "float", "Cost.value"), check_value(None, "int", "x")
        (2.0, None)
    """
    if value is None:
        return None
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value < _INT64:
            return value
        raise StoredModelError(f"{where} holds {_short(value)}, not an integer")
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:
                pass
        raise StoredModelError(f"{where} holds {_short(value)}, not a number")
    if kind == "datetime":  # an aware UTC datetime (naive values, written before revision 0004, are UTC)
        if isinstance(value, datetime):
            return as_utc(value)
        if isinstance(value, str) and len(value) <= 40:
            try:
                return as_utc(datetime.fromisoformat(value))
            except ValueError:
                pass
        raise StoredModelError(f"{where} holds {_short(value)}, not a date and time")
    if kind == "str":
        if isinstance(value, str):
            return value
        raise StoredModelError(f"{where} holds {_short(value)}, not text")
    return value  # pragma: no cover


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


def check_document(text: Any, where: str) -> str | None:
    """``text`` if it is a JSON document a reader may parse (a string of at most
    :data:`MAX_DOCUMENT_CHARS` characters, or None), else :class:`StoredModelError`.

    Example:
        >>> from neural_net.db.values import check_document
        >>> check_document(5, "the configuration of run 1")
        Traceback (most recent call last):
        ...
        neural_net.db.errors.StoredModelError: the configuration of run 1 must be JSON text, got int
    """
    if text is None:
        return None
    if isinstance(text, (dict, list)):  # a jsonb value read by a driver that parses it
        text = json.dumps(text, allow_nan=False)
    if not isinstance(text, str):
        raise StoredModelError(f"{where} must be JSON text, got {type(text).__name__}")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise StoredModelError(f"{where} is {len(text):,} characters long, more than the {MAX_DOCUMENT_CHARS:,} "
                               "a reader accepts")
    return text
