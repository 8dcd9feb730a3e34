"""What the MLflow and TensorBoard exporters share: run ids, naming after the source, the
snapshots to export, the optional dependency check, and their error.

Example:
    >>> from neural_net.db.export_common import run_id_list, source_name
    >>> run_id_list(7), run_id_list([7, "8"])
    ([7], [7, 8])
    >>> source_name("sqlite:////tmp/run/sweep1709575905.db"), source_name("run/")
    ('sweep1709575905', 'run')
"""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .errors import SnapshotNotFound, StoreError
from .readers import snapshots


class ExportError(StoreError, RuntimeError):
    """The target of an export (an MLflow tracking store, a TensorBoard directory) refused it.

    Example:
        >>> from neural_net.db.export_common import ExportError
        >>> issubclass(ExportError, RuntimeError)
        True
    """


def require(module: str, extra: str, what: str) -> ModuleType:
    """Import ``module`` or raise an ImportError saying which extra installs it.

    Example:
        >>> from neural_net.db.export_common import require
        >>> require("json", "none", "this example").__name__
        'json'
        >>> require("no_such_module_xyz", "mlflow", "to_mlflow")
        Traceback (most recent call last):
        ...
        ImportError: to_mlflow needs no_such_module_xyz: pip install 'neural-net-numpy[mlflow]'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{what} needs {module}: pip install 'neural-net-numpy[{extra}]'") from None


def run_id_list(run_ids: Any) -> list[int]:
    """One run id or several as a list of ints (TypeError naming the bad one).

    Example:
        >>> from neural_net.db.export_common import run_id_list
        >>> run_id_list((1, 2))
        [1, 2]
    """
    items = [run_ids] if isinstance(run_ids, (int, np.integer, str)) else run_ids
    try:
        items = list(items)
    except TypeError:
        raise TypeError(f"run_ids must be a run id or a list of run ids, got {run_ids!r}") from None
    out = []
    for r in items:
        try:
            if isinstance(r, bool):
                raise ValueError
            out.append(int(r))
        except (TypeError, ValueError):
            raise TypeError(f"run_ids must be integer run ids (Architecture_id), got {r!r}") from None
    if not out:
        raise ValueError("run_ids: give at least one run id")
    return out


def source_name(source: Any) -> str:
    """A short name for a source, used as the MLflow experiment by default: a file's stem, a
    directory's name, a server database's name.

    Example:
        >>> from neural_net.db.export_common import source_name
        >>> source_name("postgresql+psycopg://me@host:5432/experiments")
        'experiments'
    """
    text = os.fspath(source) if isinstance(source, os.PathLike) else str(source)
    if "://" in text:
        try:
            u = make_url(text)
        except ArgumentError:
            return text
        if u.get_backend_name() == "sqlite":
            return Path(u.database).stem if u.database and u.database != ":memory:" else "memory"
        return u.database or u.host or u.get_backend_name()
    p = Path(text).expanduser()
    return (p.resolve().name if p.is_dir() else p.stem) or "neural_net"


def chosen_snapshots(source: Any, run_id: int, which: Any = "final") -> list[dict[str, Any]]:
    """The snapshots to export, oldest first, one per epoch (the latest of that epoch):
    ``'final'`` (the latest one), ``'all'``, ``'none'``, an epoch or a list of epochs.

    Raises:
        SnapshotNotFound: an epoch asked for has no snapshot (the message lists those stored).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.export_common import chosen_snapshots
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> [s["epoch"] for s in chosen_snapshots("sqlite://", net['id'], "all")]
        [0]
    """
    if which is None or (isinstance(which, str) and which == "none"):
        return []
    frame = snapshots(source, run_id)
    rows = [dict(zip(frame.columns, values)) for values in frame.itertuples(index=False, name=None)]
    latest = {int(r["epoch"]): r for r in rows}  # rows come by seq: the last one of each epoch wins
    if isinstance(which, str):
        if which == "all":
            return [latest[e] for e in sorted(latest)]
        if which == "final":
            return [rows[-1]] if rows else []
        raise ValueError(f"snapshots must be 'final', 'all', 'none', an epoch or a list of epochs, got {which!r}")
    epochs = [which] if isinstance(which, (int, np.integer)) else which
    try:
        wanted = sorted({int(e) for e in epochs if not isinstance(e, bool)})
    except (TypeError, ValueError):
        raise TypeError(f"snapshots must be 'final', 'all', 'none', an epoch or a list of epochs, got {which!r}") from None
    missing = [e for e in wanted if e not in latest]
    if missing:
        raise SnapshotNotFound(f"run {run_id} has no snapshot at epoch {missing[0]}; stored epochs: {sorted(latest)}")
    return [latest[e] for e in wanted]
