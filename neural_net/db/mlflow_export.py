"""Export stored runs to MLflow: one MLflow run per run, with parameters, tags, note, per-epoch
metrics, status and times, the architecture and chosen snapshots' weights as artifacts.

Needs the ``mlflow`` extra (``pip install 'neural-net-numpy[mlflow]'``: mlflow-skinny, which
with SQLAlchemy and Alembic is enough for a SQLite tracking store). MLflow's file store is
deprecated: export to a SQLite file (``sqlite:///mlruns.db``) or a tracking server
(``http://127.0.0.1:5000``).

============================  =============================================================
MLflow                        from the stored run
============================  =============================================================
experiment                    ``experiment=`` or the source's name (file stem, database)
run name, start / end time    ``run_name`` (or name), ``started_at`` / ``finished_at``
status                        finished → FINISHED, failed → FAILED, interrupted → KILLED,
                              running → RUNNING, created → SCHEDULED
params                        the hyper-parameters flattened with dotted keys
                              (``optimizer``, ``optimizer.lr``, ``batch_size``, ``units``)
tags                          ``neural_net.run_id`` (makes re-export idempotent),
                              ``neural_net.source``, the run's tags; its note as
                              ``mlflow.note.content``
metrics                       each history column (``loss``, ``val_accuracy``, ``lr``) with
                              ``step`` = epoch and the epoch's stored wall-clock time
artifacts                     ``architecture.json``; ``weights/epoch-<E>.npz`` (the
                              :func:`neural_net.callbacks.save_checkpoint` format, read back
                              with ``load_checkpoint``, no pickle) and ``weights/epoch-<E>.json``
============================  =============================================================

Metrics go through ``MlflowClient.log_batch`` within its limits (read from the installed
MLflow: 1000 metrics, 100 params, 100 tags per call), whole epochs per call, streamed from
:func:`neural_net.db.history_stream.iter_history` (memory does not grow with the epochs). Each
call also moves the tag ``neural_net.exported_epoch`` forward, so exporting again — after the
run trained on, or after an interrupted export — sends only the epochs not yet there, into
the same MLflow run. MLflow parameters cannot change: those of the first export stay (a later
``fit`` of the same run logs, e.g., its own ``epochs`` and ``start_epoch``); new ones are added.

From the shell: ``neural-net export RUN... --to mlflow:sqlite:///mlruns.db [--experiment NAME]
[--snapshots final|all|none|E,E]``.

Example (after ``pip install 'neural-net-numpy[mlflow]'``):
    >>> import os, tempfile, numpy
    >>> from mlflow import MlflowClient
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> import neural_net.db as db
    >>> folder = tempfile.mkdtemp(); source = os.path.join(folder, "demo.db")
    >>> net = Sequential([Dense(2, activation='relu', input_dim=2), Dense(1)], 'mse', store=source, name="demo")
    >>> net.compile('adam')  # doctest: +ELLIPSIS
    Sequential
    >>> _ = net.fit(numpy.ones((8, 2)), numpy.zeros((8, 1)), epochs=3, verbose=0)
    >>> tracking = "sqlite:///" + os.path.join(folder, "mlruns.db")
    >>> [mlflow_id] = db.to_mlflow(source, net['id'], tracking)
    >>> client = MlflowClient(tracking)
    >>> run = client.get_run(mlflow_id)
    >>> run.info.status, run.info.run_name, run.data.params["optimizer"]
    ('FINISHED', 'demo', 'adam')
    >>> [m.step for m in client.get_metric_history(mlflow_id, "loss")]
    [1, 2, 3]
    >>> db.to_mlflow(source, net['id'], tracking) == [mlflow_id]  # again: the same run, nothing new
    True
"""
from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.exc import ArgumentError

from ..callbacks import save_checkpoint
from .columns import flatten_params
from .engine import sqlite_file
from .export_common import ExportError, chosen_snapshots, require, run_id_list, source_name
from .frames import wall_seconds
from .history_stream import CHUNK_ROWS, iter_history
from .readers import layers, load_model
from .run import open_run

#: Our status → MLflow's RunStatus.
STATUS = {"finished": "FINISHED", "failed": "FAILED", "interrupted": "KILLED", "running": "RUNNING",
          "created": "SCHEDULED"}
RUN_ID_TAG = "neural_net.run_id"
EXPORTED_TAG = "neural_net.exported_epoch"
_BAD_KEY = re.compile(r"[^\w\-. /:]")


def batch_limits() -> tuple[int, int, int]:
    """``(metrics, params and tags, entities)`` per ``log_batch`` call of the installed MLflow.

    Example:
        >>> from neural_net.db.mlflow_export import batch_limits
        >>> batch_limits()
        (1000, 100, 1000)
    """
    v = require("mlflow.utils.validation", "mlflow", "to_mlflow")
    return (int(getattr(v, "MAX_METRICS_PER_BATCH", 1000)), int(getattr(v, "MAX_PARAMS_TAGS_PER_BATCH", 100)),
            int(getattr(v, "MAX_ENTITIES_PER_BATCH", 1000)))


def mlflow_key(key: str) -> str:
    """A parameter, tag or metric name MLflow accepts (other characters become ``_``).

    Example:
        >>> from neural_net.db.mlflow_export import mlflow_key
        >>> mlflow_key("optimizer.lr"), mlflow_key("act=σ")
        ('optimizer.lr', 'act_σ')
    """
    return _BAD_KEY.sub("_", str(key))[:250] or "_"


def _ms(value: Any) -> int | None:
    seconds = wall_seconds([value])[0]
    return None if math.isnan(seconds) else int(round(seconds * 1000))


def _sqlite_path(uri: str) -> Path | None:
    try:
        return sqlite_file(uri)
    except ArgumentError:  # not a SQLAlchemy URL: a server, databricks, ...
        return None


def _experiment_id(client: Any, name: str, tracking_uri: str, artifact_location: str | None) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        if found.lifecycle_stage != "active":
            raise ExportError(f"the MLflow experiment {name!r} is deleted; restore it or pass another experiment")
        return found.experiment_id
    if artifact_location is None:
        path = _sqlite_path(tracking_uri)
        if path is not None:  # next to the tracking database, as `mlflow server` keeps ./mlartifacts
            artifact_location = (path.parent / "mlartifacts").as_uri()
    return client.create_experiment(name, artifact_location=artifact_location)


def _existing_run(client: Any, experiment_id: str, rid: int) -> Any:
    runs = client.search_runs([experiment_id], filter_string=f"tags.`{RUN_ID_TAG}` = '{rid}'", max_results=1)
    return runs[0] if runs else None


def _batches(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _run_tags(info: dict[str, Any], source: Any) -> dict[str, str]:
    tags = {RUN_ID_TAG: str(info["Architecture_id"]), "neural_net.source": source_name(source),
            "neural_net.stored_status": str(info.get("stored_status")), "mlflow.source.name": "neural_net",
            "mlflow.source.type": "LOCAL"}
    for key in ("hostname", "library_version", "numpy_version", "python_version", "parent_id", "parent_epoch",
                "seed"):
        if info.get(key) is not None:
            tags[f"neural_net.{key}"] = str(info[key])
    if isinstance(info.get("tags"), dict):  # the run's own tags, where the store keeps them
        tags.update({mlflow_key(k): str(v) for k, v in info["tags"].items()})
    note = info.get("note") or info.get("description")
    if note:
        tags["mlflow.note.content"] = str(note)
    if info.get("error"):
        tags["neural_net.error"] = str(info["error"])[-8000:]
    return tags


def _log_metrics(client: Any, mlflow_id: str, source: Any, rid: int, after: int, start_ms: int,
                 chunk_rows: int) -> int:
    """Send the epochs after ``after`` in ``log_batch`` calls of whole epochs; returns the rows sent."""
    from mlflow.entities import Metric, RunTag

    max_metrics, _, max_entities = batch_limits()
    per_call = max(1, min(max_metrics, max_entities - 1))  # one entity is the progress tag
    sent = 0
    for chunk in iter_history(source, rid, chunk_rows=chunk_rows):
        chunk = chunk[chunk["epoch"] > after]
        if not len(chunk):
            continue
        epochs = chunk["epoch"].to_numpy()
        keys = [mlflow_key(k) for k in chunk["key"]]
        values = chunk["value"].to_numpy()
        stamps = chunk["wall_time"].to_numpy()
        stamps = np.where(np.isnan(stamps), start_ms / 1000.0, stamps)
        ms = np.round(stamps * 1000).astype(np.int64)
        start, n = 0, len(chunk)
        while start < n:
            end = min(start + per_call, n)
            if end < n:  # end on an epoch boundary unless one epoch alone is larger than a call
                boundary = int(np.searchsorted(epochs, epochs[end], side="left"))
                end = boundary if boundary > start else end
            whole = end == n or epochs[end] != epochs[end - 1]
            metrics = [Metric(keys[i], float(values[i]), int(ms[i]), int(epochs[i])) for i in range(start, end)]
            tags = [RunTag(EXPORTED_TAG, str(int(epochs[end - 1])))] if whole else []
            client.log_batch(mlflow_id, metrics=metrics, tags=tags)
            sent += end - start
            start = end
    return sent


def _log_artifacts(client: Any, mlflow_id: str, source: Any, rid: int, info: dict[str, Any],
                   chosen: list[dict[str, Any]]) -> None:
    frame = layers(source, rid)
    rows = [dict(zip(frame.columns, values)) for values in frame.itertuples(index=False, name=None)]
    for r in rows:
        r["config"] = json.loads(r["config"]) if isinstance(r["config"], str) else r["config"]
    client.log_dict(mlflow_id, {"run_id": rid, "config": info["config"], "layers": rows}, "architecture.json")
    if not chosen:
        return
    with tempfile.TemporaryDirectory() as folder:
        for snap in chosen:
            epoch = int(snap["epoch"])
            model = load_model(source, rid, epoch)
            path = save_checkpoint(model, os.path.join(folder, f"epoch-{epoch}.npz"), run_id=rid, tag=snap["tag"])
            weights = model.get_weights()
            manifest = {"run_id": rid, "epoch": epoch, "tag": snap["tag"], "seq": int(snap["seq"]),
                        "created_at": str(snap["created_at"]), "n_params": int(snap["n_params"]),
                        "matrices": [{"name": f"W{i}", "shape": list(W.shape), "dtype": W.dtype.name}
                                     for i, W in enumerate(weights)],
                        "read_with": "neural_net.callbacks.load_checkpoint(path) or numpy.load(path, "
                                     "allow_pickle=False)"}
            with open(os.path.join(folder, f"epoch-{epoch}.json"), "w", encoding="utf-8") as f:
                json.dump(manifest, f, indent=1)
            client.log_artifact(mlflow_id, path, "weights")
            client.log_artifact(mlflow_id, os.path.join(folder, f"epoch-{epoch}.json"), "weights")


def _export_run(client: Any, experiment_id: str, source: Any, rid: int, which: Any, chunk_rows: int) -> str:
    from mlflow.entities import Param, RunTag

    stored = open_run(source, rid)
    info = {**stored.info, "tags": stored.tags}  # the run's row and its tag rows
    tags = _run_tags(info, source)
    source = info["db_path"]  # the run's own database: a run directory is searched once
    chosen = chosen_snapshots(source, rid, which)  # an epoch without a snapshot fails before MLflow is touched
    start_ms = _ms(info.get("started_at") or info.get("created_at")) or 0
    run = _existing_run(client, experiment_id, rid)
    if run is None:
        run = client.create_run(experiment_id, start_time=start_ms, tags={RUN_ID_TAG: str(rid)},
                                run_name=info.get("run_name") or info.get("name"))
    mlflow_id = run.info.run_id
    have_params, have_tags = dict(run.data.params), dict(run.data.tags)
    params = [Param(mlflow_key(k), str(v)) for k, v in flatten_params(info.get("hyperparams")).items()
              if v is not None and mlflow_key(k) not in have_params]  # MLflow parameters cannot change: the first export's stay
    tags = [RunTag(k, v) for k, v in tags.items() if have_tags.get(k) != v]
    _, per_call, _ = batch_limits()
    for group in _batches(params, per_call):
        client.log_batch(mlflow_id, params=group)
    for group in _batches(tags, per_call):
        client.log_batch(mlflow_id, tags=group)
    after = int(have_tags.get(EXPORTED_TAG, 0) or 0)
    _log_metrics(client, mlflow_id, source, rid, after, start_ms, chunk_rows)
    _log_artifacts(client, mlflow_id, source, rid, info, chosen)
    status = STATUS.get(info["status"], "FINISHED")
    if status in ("RUNNING", "SCHEDULED"):
        client.update_run(mlflow_id, status=status)
    else:
        end_ms = _ms(info.get("finished_at") or info.get("updated_at"))
        client.set_terminated(mlflow_id, status=status, end_time=end_ms)
    return mlflow_id


def to_mlflow(source: Any, run_ids: Any, tracking_uri: str, *, experiment: str | None = None,
              snapshots: Any = "final", artifact_location: str | None = None,
              chunk_rows: int = CHUNK_ROWS) -> list[str]:
    """Export the runs ``run_ids`` of ``source`` to the MLflow tracking store ``tracking_uri``
    and return their MLflow run ids (see the module doc for what goes where).

    Args:
        source: a run directory, a ``.db`` file or a SQLAlchemy URL.
        run_ids: a run id or a list of them.
        tracking_uri: ``sqlite:///path.db`` (created if new), ``http(s)://server``, or any URI
            MLflow takes (a leading ``mlflow:`` is dropped).
        experiment: the MLflow experiment (created if new; default: the source's name).
        snapshots: weights to attach: ``'final'`` (latest snapshot; default), ``'all'``,
            ``'none'``, an epoch or a list of epochs.
        artifact_location: where a new experiment keeps artifacts (default: MLflow's, or
            ``mlartifacts/`` beside a SQLite tracking file).
        chunk_rows: history values read per query.

    Raises:
        ImportError: MLflow is not installed (the message says which extra installs it).
        RunNotFound, SnapshotNotFound: a run or an asked snapshot epoch is not stored.
        ExportError: MLflow refused the export (e.g. a deleted experiment of that name).

    Example:
        >>> from neural_net.db.mlflow_export import to_mlflow
        >>> to_mlflow("sqlite://", [], "sqlite:///unused.db")
        Traceback (most recent call last):
        ...
        ValueError: run_ids: give at least one run id
    """
    ids = run_id_list(run_ids)
    if not isinstance(tracking_uri, str) or not tracking_uri:
        raise TypeError(f"to_mlflow: tracking_uri must be a URI such as 'sqlite:///mlruns.db', got {tracking_uri!r}")
    if experiment is not None and (not isinstance(experiment, str) or not experiment.strip()):
        raise TypeError(f"to_mlflow: experiment must be a non-empty string or None, got {experiment!r}")
    uri = tracking_uri[len("mlflow:"):] if tracking_uri.startswith("mlflow:") else tracking_uri
    require("mlflow", "mlflow", "to_mlflow")
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    path = _sqlite_path(uri)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        client = MlflowClient(tracking_uri=uri)
        experiment_id = _experiment_id(client, experiment or source_name(source), uri, artifact_location)
        return [_export_run(client, experiment_id, source, rid, snapshots, chunk_rows) for rid in ids]
    except MlflowException as e:
        raise ExportError(f"MLflow at {uri} refused the export: {e.message}") from None
