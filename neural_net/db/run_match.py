"""Which runs a catalogue keeps by status and name, without pandas (the rule
:func:`neural_net.db.run_filters.filter_runs` and
:func:`neural_net.db.catalogue_rows.catalogue_records` share).

Example:
    >>> from neural_net.db.run_match import name_matcher, status_list
    >>> status_list("finished,running"), name_matcher("mnist-*")("MNIST-a"), name_matcher("ist")("mnist")
    (['finished', 'running'], True, True)
"""
from __future__ import annotations

import fnmatch
from typing import Callable, Sequence

#: Statuses a run can have in the catalogue (``status`` column).
STATUSES = ("created", "running", "finished", "failed", "interrupted", "diverged")


def as_list(value: str | Sequence[str] | None) -> list[str] | None:
    """``value`` as a list of names: ``'a,b'`` split at commas, a sequence as it is, None as None.

    Example:
        >>> from neural_net.db.run_match import as_list
        >>> as_list("a, b"), as_list(["c"]), as_list(None)
        (['a', 'b'], ['c'], None)
    """
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def status_list(status: str | Sequence[str] | None) -> list[str] | None:
    """The statuses asked for (a name, ``'a,b'`` or a list), each one of :data:`STATUSES`, or
    None (or an empty list) for any; ValueError naming an unknown one.

    Example:
        >>> from neural_net.db.run_match import status_list
        >>> status_list("done")
        Traceback (most recent call last):
        ...
        ValueError: unknown status 'done'; statuses are created, running, finished, failed, interrupted, diverged
    """
    statuses = as_list(status)
    unknown = sorted(set(statuses or ()) - set(STATUSES))
    if unknown:
        raise ValueError(f"unknown status {unknown[0]!r}; statuses are {', '.join(STATUSES)}")
    return statuses


def name_matcher(name: str) -> Callable[[str], bool]:
    """``f(run_name)``: whether the name matches ``name``, a glob (``*``, ``?``, ``[...]``) matched
    against the whole name, otherwise a substring; both case-insensitive.

    Example:
        >>> from neural_net.db.run_match import name_matcher
        >>> [name_matcher("*-b")(n) for n in ("mnist-a", "mnist-b")]
        [False, True]
    """
    pattern = str(name).lower()
    if any(ch in pattern for ch in "*?["):
        return lambda n: fnmatch.fnmatchcase(n.lower(), pattern)
    return lambda n: pattern in n.lower()


__all__ = ["STATUSES", "as_list", "name_matcher", "status_list"]
