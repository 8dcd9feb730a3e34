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


__all__ = ["utcnow"]
