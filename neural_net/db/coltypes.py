"""The column types of the store: times in UTC with their zone and JSON documents (``jsonb`` on
PostgreSQL), with :func:`utcnow` and :func:`as_utc`; :mod:`neural_net.db.schema` declares its
tables with them (and re-exports them).

Example:
    >>> from neural_net.db.coltypes import utcnow
    >>> utcnow().utcoffset().total_seconds()
    0.0
"""
from __future__ import annotations

import json

from sqlalchemy import DateTime, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator

from .clock import as_utc, utcnow  # noqa: F401 - utcnow re-exported: the schema declares its defaults with it

#: How SQLite files store a time: UTC, microseconds, and the zone (ISO 8601).
SQLITE_TIME_FORMAT = ("%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"
                      ".%(microsecond)06d+00:00")


class UTCDateTime(TypeDecorator):
    """A time in UTC with its zone: ``timestamptz`` on PostgreSQL; on SQLite a ``DATETIME``
    column holding ISO 8601 text ending in ``+00:00``. Written from any datetime (naive ones
    are UTC), read back as an aware UTC datetime.

    Example:
        >>> from datetime import datetime
        >>> from sqlalchemy import Column, MetaData, Table, create_engine, insert, select
        >>> from neural_net.db.schema import UTCDateTime
        >>> t = Table("t", MetaData(), Column("at", UTCDateTime))
        >>> e = create_engine("sqlite://"); t.metadata.create_all(e)
        >>> with e.begin() as c:
        ...     _ = c.execute(insert(t), [{"at": datetime(2024, 3, 4, 18, 0)}])
        ...     c.exec_driver_sql("SELECT at FROM t").scalar(), c.execute(select(t.c.at)).scalar().isoformat()
        ('2024-03-04 18:00:00.000000+00:00', '2024-03-04T18:00:00+00:00')
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):  # noqa: D102 - SQLAlchemy hook
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sqlite.DATETIME(
                storage_format=SQLITE_TIME_FORMAT,
                regexp=r"(\d+)-(\d+)-(\d+)[ T](\d+):(\d+):(\d+)(?:\.(\d{6}))?"))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value, dialect):  # noqa: D102 - SQLAlchemy hook
        return as_utc(value)

    def process_result_value(self, value, dialect):  # noqa: D102 - SQLAlchemy hook
        return as_utc(value)


class JSONDocument(TypeDecorator):
    """A JSON document kept as JSON text by the library: ``jsonb`` on PostgreSQL (so
    ``hyperparams->>'lr'`` works without a cast), ``TEXT`` elsewhere. Written from JSON text,
    read back as JSON text on both (PostgreSQL returns ``jsonb``'s own spelling of it: its keys
    reordered and spaces normalized).

    Example:
        >>> from sqlalchemy.dialects import postgresql, sqlite
        >>> from neural_net.db.schema import JSONDocument
        >>> str(JSONDocument().compile(dialect=postgresql.dialect())), str(JSONDocument().compile(dialect=sqlite.dialect()))
        ('JSONB', 'TEXT')
    """

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):  # noqa: D102 - SQLAlchemy hook
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value, dialect):  # noqa: D102 - SQLAlchemy hook
        if dialect.name == "postgresql" and isinstance(value, str):
            return json.loads(value)  # JSONB's own processor writes it back as JSON
        return value

    def process_result_value(self, value, dialect):  # noqa: D102 - SQLAlchemy hook
        if dialect.name == "postgresql" and value is not None and not isinstance(value, str):
            return json.dumps(value, allow_nan=False)
        return value


def same_value(column, a, b) -> bool:
    """Whether ``a`` and ``b`` are the same value of ``column``: JSON documents are compared as
    documents (PostgreSQL's ``jsonb`` gives back its own spelling of the text written).

    Example:
        >>> from neural_net.db.schema import Architecture, same_value
        >>> same_value(Architecture.__table__.c.config, '{"a": 1, "b": [2]}', '{"b":[2],"a":1}')
        True
    """
    if a == b:
        return True
    if isinstance(column.type, JSONDocument) and isinstance(a, str) and isinstance(b, str):
        try:
            return json.loads(a) == json.loads(b)
        except ValueError:
            return False
    return False
