"""Filtering and sorting a catalogue frame: :func:`filter_runs` (status, name), :func:`parse_where`
and :func:`matches` (the ``where=`` conditions of :func:`neural_net.db.runs`), :func:`sort_runs`.

Example:
    >>> from neural_net.db.run_filters import parse_where
    >>> parse_where("optimizer=adam,val_accuracy>0.9")
    [('optimizer', '=', 'adam'), ('val_accuracy', '>', '0.9')]
"""
from __future__ import annotations

import re
from typing import Any, Sequence

import pandas as pd

from .run_match import name_matcher, status_list

_CONDITION = re.compile(r"^\s*([^=<>!\s]+)\s*(!=|>=|<=|=|>|<)\s*(.*?)\s*$")


def filter_runs(runs: pd.DataFrame, *, status: str | Sequence[str] | None = None,
                name: str | None = None) -> pd.DataFrame:
    """The rows of a catalogue whose ``status`` is one of ``status`` (a name, a comma-separated
    list or a list) and whose ``name`` matches ``name``: a glob (``*``, ``?``, ``[...]``) matched
    against the whole name, otherwise a substring; both case-insensitive.

    Example:
        >>> import pandas as pd
        >>> from neural_net.db.catalogue import filter_runs
        >>> runs = pd.DataFrame({"name": ["mnist-a", "iris", "mnist-b"], "status": ["finished", "failed", "running"]})
        >>> filter_runs(runs, name="mnist").name.tolist(), filter_runs(runs, name="*-b").name.tolist()
        (['mnist-a', 'mnist-b'], ['mnist-b'])
        >>> filter_runs(runs, status="finished,running").name.tolist()
        ['mnist-a', 'mnist-b']
    """
    keep = pd.Series(True, index=runs.index)
    statuses = status_list(status)
    if statuses:
        keep &= runs["status"].isin(statuses)
    if name:
        keep &= runs["name"].fillna("").astype(str).map(name_matcher(name))
    return runs[keep].reset_index(drop=True)



def matches(column: pd.Series, op: str, wanted: Any) -> pd.Series:
    if op in (">", "<", ">=", "<="):
        values = pd.to_numeric(column, errors="coerce")
        target = float(wanted)
        return {">": values > target, "<": values < target, ">=": values >= target, "<=": values <= target}[op]
    if isinstance(wanted, str):
        same = column.map(lambda v: v is not None and not (isinstance(v, float) and v != v) and str(v) == wanted)
    else:
        same = column == wanted
    return ~same if op == "!=" else same


def parse_where(where: Any) -> list[tuple[str, str, Any]]:
    if where is None:
        return []
    if isinstance(where, dict):
        return [(str(k), "=", v) for k, v in where.items()]
    items = [where] if isinstance(where, str) else list(where)
    out = []
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            m = _CONDITION.match(part)
            if m is None:
                raise ValueError(f"where: expected conditions such as 'optimizer=adam' or 'val_accuracy>0.9', "
                                 f"got {part!r}")
            out.append(m.groups())
    return out


def sort_runs(frame: pd.DataFrame, order_by: str | Sequence[str] | None) -> pd.DataFrame:
    """``frame`` sorted by the columns ``order_by`` (a name, ``'-name'`` for descending, or a
    list of them); missing values last.

    Example:
        >>> import pandas as pd
        >>> from neural_net.db.catalogue import sort_runs
        >>> frame = pd.DataFrame({"run": [1, 2, 3], "acc": [0.5, None, 0.9]})
        >>> sort_runs(frame, "-acc").run.tolist()
        [3, 1, 2]
    """
    keys = [order_by] if isinstance(order_by, str) else list(order_by or [])
    if not keys:
        return frame
    names = [k[1:] if k.startswith(("-", "+")) else k for k in keys]
    unknown = [n for n in names if n not in frame.columns]
    if unknown:
        raise ValueError(f"order_by: no column {unknown[0]!r}; columns are {', '.join(frame.columns)}")
    return frame.sort_values(names, ascending=[not k.startswith("-") for k in keys], na_position="last",
                             kind="stable").reset_index(drop=True)

