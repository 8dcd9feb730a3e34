"""The checks of single values read from a database (no SQLAlchemy: the catalogue's fast path and
``neural-net runs`` use them without importing it): :func:`check_value` (a value as a column of a
kind holds it), :func:`check_document` (a JSON text a reader may parse), and the bounds on what a
file can make a reader allocate (:data:`MAX_LAYERS`, :data:`MAX_DOCUMENT_CHARS`).
:mod:`neural_net.db.values` applies them to the columns of the schema.

Example:
    >>> from neural_net.db.value_checks import check_value
    >>> check_value("2024-03-04 18:00:00", "datetime", "Architecture.created_at").isoformat()
    '2024-03-04T18:00:00+00:00'
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .clock import as_utc
from .errors import StoredModelError

#: Most layers a stored configuration may have (a larger one is refused before anything is built).
MAX_LAYERS = 10_000
#: Longest JSON document (configuration, hyper-parameters, generator state) a reader parses, in characters.
MAX_DOCUMENT_CHARS = 16 * 2**20
_INT64 = 2**63


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_value(value: Any, kind: str, where: str) -> Any:
    """``value`` as a column of ``kind`` (``'int'``, ``'float'``, ``'datetime'``, ``'str'``)
    holds it, or :class:`StoredModelError` naming ``where``. None passes.

    Example:
        >>> from neural_net.db.value_checks import check_value
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


def check_document(text: Any, where: str) -> str | None:
    """``text`` if it is a JSON document a reader may parse (a string of at most
    :data:`MAX_DOCUMENT_CHARS` characters, or None), else :class:`StoredModelError`.

    Example:
        >>> from neural_net.db.value_checks import check_document
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


__all__ = ["MAX_DOCUMENT_CHARS", "MAX_LAYERS", "check_document", "check_value"]
