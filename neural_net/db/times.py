"""Times as a person reads them: the store keeps UTC with its zone; a command line or a page
shows local time with the zone's name.

Example:
    >>> from neural_net.db.times import local_text
    >>> import os, time
    >>> os.environ["TZ"] = "Europe/Paris"; time.tzset()
    >>> local_text("2024-03-04 18:11:45.895299+00:00")
    '2024-03-04 19:11:45 CET'
    >>> del os.environ["TZ"]; time.tzset()
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from .clock import as_utc  # no SQLAlchemy: the command line's start-up stays light


def local_text(value: Any) -> str:
    """``value`` (a datetime, naive ones being UTC, or its ISO 8601 text as stored) as local
    time to the second with the zone's name; other text is returned unchanged, None as ``'-'``.

    Example:
        >>> from datetime import datetime, timezone
        >>> from neural_net.db.times import local_text
        >>> local_text(None), local_text("not a time")
        ('-', 'not a time')
        >>> local_text(datetime(2024, 3, 4, 18, 0, tzinfo=timezone.utc))[:4]
        '2024'
    """
    if value is None:
        return "-"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return value
    if not isinstance(value, datetime):
        raise TypeError(f"value must be a datetime or ISO 8601 text, got {type(value).__name__} {value!r}")
    return as_utc(value).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
