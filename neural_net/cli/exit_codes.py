"""The command line's exit codes, and the code and one-line message an exception becomes."""
from __future__ import annotations


#: Exit codes.
OK, NOT_FOUND, UNUSABLE, INTERNAL = 0, 1, 2, 3


def _one_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None)  # SQLAlchemy: the driver's message without the SQL and links
    text = str(orig if orig is not None else e).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return "; ".join(lines) if len(lines) <= 3 else lines[0]


def _exit_code(e: BaseException) -> int | None:
    from ..db.errors import RunNotFound, SnapshotNotFound, StoreError, StorePathError

    if isinstance(e, (RunNotFound, SnapshotNotFound, StorePathError)):
        return NOT_FOUND
    if isinstance(e, (StoreError, ValueError)):  # ValueError: a bad value given on the command line
        return UNUSABLE
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(e, SQLAlchemyError):
        return UNUSABLE
    return None
