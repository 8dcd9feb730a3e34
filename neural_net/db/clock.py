"""The store's clock: the current time, aware, in UTC, as stored in every ``*_at`` column (a
module of its own, without SQLAlchemy, so that the catalogue's start-up does not load the ORM).

Example:
    >>> from datetime import timezone
    >>> from neural_net.db.clock import utcnow
    >>> utcnow().tzinfo is timezone.utc
    True
"""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """The current time, aware, in UTC (as stored in every ``*_at`` column).

    Example:
        >>> from datetime import timezone
        >>> from neural_net.db.clock import utcnow
        >>> utcnow().tzinfo is timezone.utc
        True
    """
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """``value`` as an aware UTC datetime: a naive one is taken as UTC (what revisions before
    0004 stored), an aware one converted. None passes.

    Example:
        >>> from datetime import datetime, timedelta, timezone
        >>> from neural_net.db.clock import as_utc
        >>> as_utc(datetime(2024, 3, 4, 19, 0, tzinfo=timezone(timedelta(hours=1)))).isoformat()
        '2024-03-04T18:00:00+00:00'
        >>> as_utc(datetime(2024, 3, 4, 18, 0)).isoformat()
        '2024-03-04T18:00:00+00:00'
    """
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"a time must be a datetime, got {type(value).__name__} {value!r}")
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


__all__ = ["as_utc", "utcnow"]
