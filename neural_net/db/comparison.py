"""Runs side by side: :func:`compare_runs`, what ``neural-net compare`` prints.

Two frames with one column per run: the runs' parameters (flattened as in
:attr:`~neural_net.db.run.StoredRun.params`) with a ``differs`` column that is True where the
runs disagree (a parameter one run lacks counts as a difference), and their metrics: for each
quantity of the history (``loss``, ``accuracy``, ``val_loss``, ...; not ``lr``) the final value,
the best one (the largest accuracy or AUC, the smallest of the others) and the epoch of the best.

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db import open_run
    >>> from neural_net.db.comparison import compare_runs
    >>> X, y = numpy.array([[0., 1.], [1., 0.]] * 4), numpy.array([[1.], [0.]] * 4)
    >>> runs = []
    >>> for opt in ("sgd", "adam"):
    ...     net = Sequential([Dense(1, activation='sigmoid', input_dim=2)], 'bce', store="sqlite://", name=opt, seed=0)
    ...     _ = net.compile(opt).fit(X, y, epochs=3, verbose=0)
    ...     runs.append(open_run("sqlite://", net['id']))
    >>> params, metrics = compare_runs(runs)
    >>> list(params.columns), bool(params.loc["optimizer", "differs"])
    (['sgd', 'adam', 'differs'], True)
    >>> list(metrics.index)
    ['final_loss', 'best_loss', 'best_loss_epoch']
"""
from __future__ import annotations

from typing import Any, Sequence

import pandas as pd

from .columns import higher_is_better


def run_labels(runs: Sequence[Any]) -> list[str]:
    """A column label per run: its name, or ``name#id`` when names repeat or are empty.

    Example:
        >>> from types import SimpleNamespace as R
        >>> from neural_net.db.comparison import run_labels
        >>> run_labels([R(name="a", run_id=1), R(name="b", run_id=2), R(name="b", run_id=3)])
        ['a', 'b#2', 'b#3']
    """
    names = [r.name for r in runs]
    return [n if n and names.count(n) == 1 else f"{n}#{r.run_id}" for n, r in zip(names, runs)]


def _same(values: list[Any]) -> bool:
    first = values[0]
    return all(type(v) is type(first) and v == first for v in values[1:])


def compare_runs(runs: Sequence[Any], metric: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(params, metrics)`` of the stored runs ``runs`` (see the module doc); ``metric`` keeps
    only that quantity's rows in ``metrics``.

    Raises:
        ValueError: fewer than two runs, the same run twice, or a ``metric`` no run recorded.
    """
    if len(runs) < 2:
        raise ValueError(f"compare: give at least two runs, got {len(runs)}")
    seen = [(r.db_path, r.run_id) for r in runs]
    if len(set(seen)) != len(seen):
        raise ValueError("compare: the same run is given twice")
    labels = run_labels(runs)
    params = [r.params for r in runs]
    keys = list(dict.fromkeys(k for p in params for k in p))
    missing = object()
    rows = {}
    for k in keys:
        values = [p.get(k, missing) for p in params]
        rows[k] = [None if v is missing else v for v in values] + [missing in values or not _same(values)]
    param_frame = pd.DataFrame.from_dict(rows, orient="index", columns=[*labels, "differs"], dtype=object)
    param_frame["differs"] = param_frame["differs"].astype(bool)
    histories = [r.history() for r in runs]
    quantities = list(dict.fromkeys(c for h in histories for c in h.columns if c != "lr"))
    if metric is not None:
        if metric not in quantities:
            raise ValueError(f"compare: --metric {metric!r} is not recorded by these runs; they have "
                             f"{', '.join(quantities) or 'no metrics'}")
        quantities = [metric]
    metric_rows: dict[str, list[Any]] = {}
    for q in quantities:
        final, best, at = [], [], []
        for h in histories:
            values = h[q].dropna() if q in h else pd.Series(dtype=float)
            if values.empty:
                final.append(None), best.append(None), at.append(None)
                continue
            pick = values.idxmax() if higher_is_better(q) else values.idxmin()
            final.append(float(values.iloc[-1])), best.append(float(values[pick])), at.append(int(pick))
        metric_rows[f"final_{q}"], metric_rows[f"best_{q}"], metric_rows[f"best_{q}_epoch"] = final, best, at
    metric_frame = pd.DataFrame.from_dict(metric_rows, orient="index", columns=labels, dtype=object)
    return param_frame, metric_frame
