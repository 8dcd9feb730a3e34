"""``sweep(..., vectorize=True)``: the grid points whose models stack train as one Ensemble.

:func:`run_grouped` builds every grid point's model, groups those whose
:func:`~neural_net.ensemble.architecture_key` is equal (same layers, cost, metrics and
optimizer rule; learning rate, weight decay, momentum, dropout rate and seed may differ),
trains each group of two or more as one :class:`~neural_net.ensemble.Ensemble` and hands the
rest to the one-by-one trial runner it is given (``sweep``'s ``run_trial``). Each member is
stored as its own run through its own recorder, exactly as when trained alone, with one more
parameter, ``ensemble_group``, naming its group (``<name>/g<n>``); its result row is the one
``run_trial`` would give (``seconds``: the group's time shared evenly).

Example:
    >>> import numpy
    >>> from neural_net.sweep import sweep
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.optimizers import SGD
    >>> def build(lr, seed):
    ...     return Sequential([Dense(4, 'tanh', input_dim=2), Dense(1, 'sigmoid')], 'bce', seed=seed).compile(SGD(lr=lr))
    >>> X = numpy.random.default_rng(0).normal(size=(32, 2)); y = (X[:, :1] > 0) * 1.0
    >>> grid = {'lr': [0.01, 0.1], 'seed': [0, 1]}
    >>> a = sweep(build, grid, X, y, epochs=3, batch_size=8, vectorize=True)
    >>> b = sweep(build, grid, X, y, epochs=3, batch_size=8)
    >>> numpy.allclose(a.sort_values('trial').loss, b.sort_values('trial').loss, rtol=1e-12)
    True
"""
from __future__ import annotations

import copy
import time
import traceback
from typing import Any, Callable

import numpy as np

from .ensemble import Ensemble
from .stacking import architecture_key
from .loop import split_validation
from .trial_names import trial_name

#: ``fit`` arguments an Ensemble takes; a sweep given others trains one by one.
ENSEMBLE_FIT_ARGS = {"epochs", "batch_size", "validation_data", "validation_split", "shuffle", "callbacks",
                     "on_nonfinite"}


def _groupable(model: Any) -> bool:
    return (model.cost is not None and model.optimizer is not None and model.store is None
            and not model.optimizer.state_dict()["state"])


def run_grouped(build_fn: Callable[..., Any], points: list[dict[str, Any]], X: Any, y: Any, *, name: str,
                store: Any, monitor: str, mode: str, fit_kwargs: dict[str, Any],
                run_one: Callable[..., dict[str, Any]], commit_every: int = 1) -> list[dict[str, Any]]:
    """Result rows of every grid point, in grid order (see the module doc).

    ``run_one(build_fn, params, X, y, index=, name=, store=, monitor=, mode=, fit_kwargs=)``
    trains one point alone (and records a failing build); it runs every point that has no
    partner to stack with. ``commit_every`` goes to each group's :meth:`Ensemble.fit`.
    """
    common = dict(name=name, store=store, monitor=monitor, mode=mode, fit_kwargs=fit_kwargs)
    rows: dict[int, dict[str, Any]] = {}
    alone = list(range(len(points)))
    groups: dict[tuple, list[tuple[int, Any]]] = {}
    if set(fit_kwargs) <= ENSEMBLE_FIT_ARGS:
        alone = []
        for i, params in enumerate(points):
            try:
                model = build_fn(**params)
                key = architecture_key(model) if _groupable(model) else None
            except Exception:  # run_one builds it again and records the failure as sweep does
                key = None
            if key is None:
                alone.append(i)
            else:
                groups.setdefault(key, []).append((i, model))
        for key in [k for k, g in groups.items() if len(g) < 2 or len({id(m.rng) for _, m in g}) < len(g)]:
            alone.extend(i for i, _ in groups.pop(key))
    for n, members in enumerate(groups.values()):
        rows.update(_train_group(f"{name}/g{n}", members, points, X, y, commit_every=commit_every, **common))
    for i in alone:
        rows[i] = run_one(build_fn, points[i], X, y, index=i, **common)
    return [rows[i] for i in range(len(points))]


def _train_group(group: str, members: list[tuple[int, Any]], points: list[dict[str, Any]], X: Any, y: Any, *,
                 name: str, store: Any, monitor: str, mode: str, fit_kwargs: dict[str, Any],
                 commit_every: int = 1) -> dict[int, dict]:
    started = time.perf_counter()
    rows: dict[int, dict[str, Any]] = {}
    for i, model in members:
        rows[i] = {**points[i], "trial": i, "run_id": None, "status": "failed", "epochs": 0, monitor: np.nan,
                   "loss": np.nan, "error": None, "seconds": 0.0, "db_path": None}
        model.run_name = trial_name(name, points[i], i)
        if store is not None:
            model.open_store(store, params={**points[i], "ensemble_group": group})
            rows[i]["db_path"] = model.db_path
        rows[i]["run_id"] = model["id"]
    models = [m for _, m in members]
    model_of = dict(members)
    ensemble = None
    kw = dict(fit_kwargs)
    callbacks = kw.pop("callbacks", None)
    try:
        Xt, yt, kw["validation_data"] = split_validation(models[0], X, y, kw.pop("validation_split", 0.0),
                                                         kw.get("validation_data"))
        ensemble = Ensemble(models)
        histories = ensemble.fit(Xt, yt, callbacks=None if not callbacks else (lambda k: copy.deepcopy(list(callbacks))),
                                 commit_every=commit_every, **kw)
        for (i, _), history, status, error in zip(members, histories, ensemble.status, ensemble.errors):
            row = rows[i]
            if status == "diverged":
                row["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()
                continue
            values = history.history.get(monitor)
            if values is None:  # as run_trial: the run is marked failed with this error
                missing = KeyError(f"monitor {monitor!r} is not in the history; it has {sorted(history.history)}")
                row["error"] = "".join(traceback.format_exception_only(type(missing), missing)).strip()
                if model_of[i].store is not None:
                    model_of[i].store.recorder.on_train_failed(missing)
                continue
            finite = [v for v in values if np.isfinite(v)]
            row.update(status="finished", epochs=len(history.epoch), loss=history.history["loss"][-1])
            row[monitor] = (max if mode == "max" else min)(finite) if finite else np.nan
    except Exception as error:  # the whole group failed (bad data): every member's row and run says why
        text = "".join(traceback.format_exception_only(type(error), error)).strip()
        for k, (i, model) in enumerate(members):
            rows[i]["error"] = text
            told = ensemble is not None and ensemble.status[k] == "failed"  # fit told the recorder already
            if model.store is not None and not told:
                model.store.recorder.on_train_failed(error)
    finally:
        for _, model in members:
            if model.store is not None:
                model.store.close()
    seconds = (time.perf_counter() - started) / len(members)
    for row in rows.values():
        row["seconds"] = seconds
    return rows
