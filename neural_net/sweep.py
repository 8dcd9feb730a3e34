"""Parameter sweeps: one model per grid point, each recorded as a run in a store.

``sweep(build_fn, grid, X, y, ...)`` builds a model for every point of ``grid`` with
``build_fn(**params)``, trains it with ``fit`` and records it as a run (its parameters in the
run's hyper-parameters, named by its grid values: ``units=32,optimizer=adam``) in one store — a SQLite file or any
SQLAlchemy URL. Trials run one after another by default, or on any
``concurrent.futures.Executor`` (a ``ProcessPoolExecutor``; Dask's
``Client.get_executor()`` works the same way). A trial that raises is recorded as failed with
its error and does not stop the others. The results come back as a DataFrame sorted by the
monitored value (best first).

Example:
    >>> import numpy
    >>> from neural_net.sweep import sweep
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> def build(units, lr):
    ...     model = Sequential([Dense(units, activation='tanh', input_dim=2), Dense(1, activation='sigmoid')], seed=0)
    ...     return model.compile(optimizer='adam' if lr > 0.01 else 'sgd', loss='binary_crossentropy')
    >>> X = numpy.random.default_rng(0).normal(size=(64, 2)); y = (X.sum(axis=1) > 0).reshape(-1, 1)
    >>> res = sweep(build, {'units': [2, 8], 'lr': [0.001, 0.1]}, X, y, epochs=3, store="sqlite://", monitor='loss')
    >>> len(res), set(res.status)
    (4, {'finished'})
"""
from __future__ import annotations

import itertools
import time
import traceback
from concurrent.futures import Executor
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from .callbacks.base import auto_mode, check_mode
from .checks import check_name
from .ensemble_sweep import run_grouped
from .trial_names import trial_name


def expand_grid(grid: Mapping[str, Iterable[Any]] | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every combination of a ``{name: values}`` grid (or a list of parameter dicts as is).

    Example:
        >>> from neural_net.sweep import expand_grid
        >>> expand_grid({'a': [1, 2], 'b': ['x']})
        [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'x'}]
    """
    if isinstance(grid, Mapping):
        names = list(grid)
        for k in names:
            if isinstance(grid[k], (str, bytes)) or not isinstance(grid[k], Iterable):
                raise TypeError(f"grid[{k!r}] must be a list of values, got {grid[k]!r}")
        points = [dict(zip(names, combo)) for combo in itertools.product(*(list(grid[k]) for k in names))]
    elif isinstance(grid, (str, bytes)) or not isinstance(grid, Iterable):
        raise TypeError(f"grid must be a {{name: [values]}} dict or a list of parameter dicts, got {grid!r}")
    else:
        points = []
        for i, p in enumerate(grid):
            if not isinstance(p, Mapping):
                raise TypeError(f"grid[{i}] must be a dict of parameters, got {p!r}")
            points.append(dict(p))
    for p in points:
        bad = [k for k in p if not isinstance(k, str)]
        if bad:
            raise TypeError(f"parameter names must be strings (they become build_fn's keyword arguments), got {bad}")
        for k in p:
            check_name(k, "parameter name")
    if not points:
        raise ValueError("grid must hold at least one parameter combination, got none")
    return points


#: Columns of every result row besides the parameters and the monitored value.
RESULT_COLUMNS = ("trial", "run_id", "status", "epochs", "loss", "error", "seconds", "db_path")


def _monitor_mode(monitor: str, mode: str) -> str:
    return auto_mode(monitor) if check_mode(mode) == "auto" else mode


def _mark_failed(store: Any, error: BaseException) -> None:
    """Record ``error`` on a stored run unless the training loop already did: ``fit`` can
    raise before the loop starts (wrong input width, no cost) or the trial can fail after it
    (monitor not in the history), and the run would otherwise stay ``'created'``/``'finished'``."""
    from sqlalchemy import select

    from .db.schema import Architecture

    try:
        with store.engine.connect() as c:
            status = c.scalar(select(Architecture.status).where(Architecture.Architecture_id == store.run_id))
    except Exception:  # the database is unreachable: the recorder's own warning path decides
        status = None
    if status not in ("failed", "interrupted", "diverged"):
        store.recorder.on_train_failed(error)  # status 'failed' + error text; warns, never raises


def run_trial(build_fn: Callable[..., Any], params: dict[str, Any], X: Any, y: Any, *, index: int,
              name: str, store: Any, monitor: str, mode: str, fit_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Build, store and train one grid point; return its result row (never raises for a
    failing trial: the error is recorded in the row and, when a store is set, in the run).

    Example:
        >>> import numpy
        >>> from neural_net.sweep import run_trial
        >>> def boom(**p): raise RuntimeError("no model")
        >>> run_trial(boom, {}, numpy.zeros((2, 1)), numpy.zeros((2, 1)), index=0, name='s', store=None,
        ...           monitor='loss', mode='min', fit_kwargs={})['status']
        'failed'
    """
    row: dict[str, Any] = {**params, "trial": index, "run_id": None, "status": "failed", "epochs": 0,
                           monitor: np.nan, "loss": np.nan, "error": None, "seconds": 0.0, "db_path": None}
    started = time.perf_counter()
    model = None
    try:
        model = build_fn(**params)
        model.run_name = trial_name(name, params, index)
        if store is not None:
            model.open_store(store, params=params)
            row["db_path"] = model.db_path
        row["run_id"] = model["id"]
        history = model.fit(X, y, verbose=0, **fit_kwargs)
        values = history.history.get(monitor)
        if values is None:
            raise KeyError(f"monitor {monitor!r} is not in the history; it has {sorted(history.history)}")
        finite = [v for v in values if np.isfinite(v)]
        best = (max if mode == "max" else min)(finite) if finite else np.nan
        row.update(status="finished", epochs=len(history.epoch), loss=history.history["loss"][-1])
        row[monitor] = best
    except Exception as error:  # a failing trial is a result, not the end of the sweep
        row["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()
        if store is not None and (model is None or getattr(model, "store", None) is None):
            from .db import record_failed_run

            row["run_id"] = record_failed_run(store, trial_name(name, params, index), params, row["error"])
            row["db_path"] = row["db_path"] or str(store)
        elif model is not None and getattr(model, "store", None) is not None:
            _mark_failed(model.store, error)
    finally:
        if model is not None and getattr(model, "store", None) is not None:
            model.store.close()
    row["seconds"] = time.perf_counter() - started
    return row


def sweep(build_fn: Callable[..., Any], grid: Mapping[str, Iterable[Any]] | Iterable[Mapping[str, Any]],
          X: Any, y: Any, *, epochs: int = 10, batch_size: int | None = 32, validation_data: Any = None,
          validation_split: float = 0.0, monitor: str | None = None, mode: str = "auto", store: Any = None,
          name: str = "sweep", executor: Executor | None = None, vectorize: bool = False, commit_every: int = 1,
          **fit_kwargs: Any) -> Any:
    """Train one model per grid point and return the results as a DataFrame, best first.

    Args:
        build_fn: ``build_fn(**params) -> Sequential`` (compiled, or with a cost). For an
            executor that runs in other processes it must be importable (a module-level function).
        grid: ``{name: [values]}`` (every combination) or a list of parameter dicts.
        X: training inputs; ``validation_data``/``validation_split`` as in ``fit``.
        y: training targets.
        monitor: the history key to rank by (default ``'val_loss'`` with validation, else
            ``'loss'``); ``mode`` ``'min'``/``'max'``/``'auto'``.
        store: where runs are recorded: ``None`` (not stored), ``True`` (one new SQLite file
            ``run/sweep<timestamp>.db``), a directory, a ``.db`` path or a SQLAlchemy URL.
        executor: a ``concurrent.futures.Executor``; ``None`` runs the trials serially.
        vectorize: train the points whose architectures match as one
            :class:`~neural_net.ensemble.Ensemble` each (the same stored runs and numbers, plus
            an ``ensemble_group`` parameter; see :mod:`neural_net.ensemble_sweep`), the rest
            one by one.
        commit_every: with ``vectorize=True`` and ``store``, the epochs of all a group's members
            written per transaction (1: every epoch committed; a kill loses at most the last
            ``commit_every - 1`` epochs). Points trained one by one commit every epoch.
    """
    import pandas as pd

    check_name(name, "name")
    points = expand_grid(grid)
    check_name(f"{name}[{len(points) - 1}]", "name (with the trial number)")
    if not callable(build_fn):
        raise TypeError(f"build_fn must be callable (params -> Sequential), got {build_fn!r}")
    if monitor is None:
        monitor = "val_loss" if (validation_data is not None or validation_split) else "loss"
    mode = _monitor_mode(monitor, mode)
    reserved = {monitor, *RESULT_COLUMNS}
    clash = sorted({k for p in points for k in p} & reserved)
    if clash:  # the result column would silently replace the parameter's column
        raise ValueError(f"grid parameter names {clash} clash with the result columns {sorted(reserved)}; "
                         f"rename them (e.g. build_fn(loss_name=...))")
    if store is not None:
        from .db import sweep_target

        store = sweep_target(store, name)
    fit_kwargs = {**fit_kwargs, "epochs": epochs, "batch_size": batch_size, "validation_data": validation_data,
                  "validation_split": validation_split}
    common = dict(name=name, store=store, monitor=monitor, mode=mode, fit_kwargs=fit_kwargs)
    if not isinstance(vectorize, bool):
        raise TypeError(f"vectorize must be a bool, got {vectorize!r}")
    if vectorize and executor is not None:
        raise ValueError("vectorize=True trains each group in this process: pass executor=None")
    if isinstance(commit_every, bool) or not isinstance(commit_every, int) or commit_every < 1:
        raise ValueError(f"commit_every must be an integer >= 1, got {commit_every!r}")
    if vectorize:
        rows = run_grouped(build_fn, points, X, y, run_one=run_trial, commit_every=commit_every, **common)
    elif executor is None:
        rows = [run_trial(build_fn, p, X, y, index=i, **common) for i, p in enumerate(points)]
    else:
        futures = [executor.submit(run_trial, build_fn, p, X, y, index=i, **common) for i, p in enumerate(points)]
        rows = [f.result() for f in futures]
    frame = pd.DataFrame(rows)
    # 63-bit run ids: a missing one (build_fn failed, no store) must not turn the column to float64
    frame["run_id"] = pd.array([r["run_id"] for r in rows], dtype="Int64")
    frame = frame.sort_values(monitor, ascending=(mode == "min"), na_position="last", kind="stable")
    return frame.reset_index(drop=True)
