"""The store's clock: the current UTC time, naive, as stored in every ``*_at`` column (a module
of its own, without SQLAlchemy, so that the catalogue's start-up does not load the ORM).

Example:
    >>> from neural_net.db.clock import utcnow
    >>> utcnow().tzinfo is None
    True
"""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """The current UTC time, naive (as stored in every ``*_at`` column).

    Example:
        >>> from neural_net.db.schema import utcnow
        >>> utcnow().tzinfo is None
        True
    """
    return datetime.now(timezone.utc).replace(tzinfo=None)


__all__ = ["utcnow"]
