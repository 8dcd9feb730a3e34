"""The command line's exit codes, and the code and one-line message an exception becomes."""
from __future__ import annotations


#: Exit codes.
OK, NOT_FOUND, UNUSABLE, INTERNAL = 0, 1, 2, 3


def one_line(e: BaseException) -> str:
    """An exception's message on one line (a SQLAlchemy error: its driver's message only).

    Example:
        >>> from neural_net.cli.exit_codes import one_line
        >>> one_line(ValueError("first\\nsecond"))
        'first; second'
    """
    orig = getattr(e, "orig", None)  # SQLAlchemy: the driver's message without the SQL and links
    text = str(orig if orig is not None else e).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return "; ".join(lines) if len(lines) <= 3 else lines[0]


def exit_code(e: BaseException) -> int | None:
    """The exit code an exception becomes: 1 an unknown run or snapshot or a missing path, 2 an
    unusable database or a bad value, None an unexpected error (exit code 3, with a hint).

    Example:
        >>> from neural_net.cli.exit_codes import exit_code
        >>> from neural_net.db.errors import RunNotFound
        >>> exit_code(RunNotFound("no run 7")), exit_code(ValueError("bad")), exit_code(KeyError("x"))
        (1, 2, None)
    """
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
