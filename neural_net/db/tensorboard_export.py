"""Export stored runs as TensorBoard event files: one sub-directory per run, with its scalars,
weight histograms, architecture and hyper-parameters.

Needs the ``tensorboard`` extra (``pip install 'neural-net-numpy[tensorboard]'``: tensorboardX
writes the files; ``tensorboard --logdir DIR`` shows them; no TensorFlow needed).

================  ===========================================================================
TensorBoard       from the stored run
================  ===========================================================================
directory         ``DIR/<name>-<run id>/``
scalars           ``<metric>/<split>`` (``loss/train``, ``loss/val``, ``accuracy/val``,
                  ``lr/train``) with ``global_step`` = epoch and the epoch's stored wall time
histograms        ``layer<P>/weights`` and ``layer<P>/bias`` of each Fullyconnected layer at
                  each stored snapshot (step = the snapshot's epoch)
text              ``architecture``: the layer table and the JSON configuration
HParams           the hyper-parameters flattened with dotted keys (``optimizer``,
                  ``optimizer.lr``, ``units``), the status and start/end times, so the
                  HParams dashboard's table and parallel-coordinates views compare runs
================  ===========================================================================

Event files are named ``events.out.tfevents.<seconds>.<host>.neural_net.<run id>.<random>``:
two files written into one directory in the same second keep distinct names (TensorBoard's
plain ``<seconds>.<host>`` name would make the second overwrite the first). Exporting a run
again replaces the event files an earlier export of that run wrote there (``replace=False``
keeps them) and leaves any other file alone. History is streamed from
:func:`neural_net.db.history_stream.iter_history` (memory does not grow with the epochs).

From the shell: ``neural-net export RUN... --to tensorboard:tb/`` then ``tensorboard --logdir tb/``.

Example (after ``pip install 'neural-net-numpy[tensorboard]'``):
    >>> import neural_net.db as db
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> net = Sequential([Dense(2, activation='relu', input_dim=2), Dense(1)], 'mse', store="sqlite://", name="demo")
    >>> import os, tempfile, numpy
    >>> from tbparse import SummaryReader
    >>> net.compile('sgd')  # doctest: +ELLIPSIS
    Sequential
    >>> _ = net.fit(numpy.ones((8, 2)), numpy.zeros((8, 1)), epochs=3, verbose=0)
    >>> logdir = tempfile.mkdtemp()
    >>> [run_dir] = db.to_tensorboard("sqlite://", net['id'], logdir)
    >>> os.path.basename(run_dir) == f"demo-{net['id']}"
    True
    >>> scalars = SummaryReader(run_dir).scalars
    >>> scalars[scalars.tag == "loss/train"].step.tolist()
    [1, 2, 3]
"""
from __future__ import annotations

import json
import math
import os
import re
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from .columns import flatten_params
from .export_common import chosen_snapshots, require, run_id_list
from .frames import wall_seconds
from .history_stream import CHUNK_ROWS, iter_history
from .readers import layers, weight_matrices
from .run import open_run

#: Our status → the HParams plugin's session status.
STATUS = {"finished": "STATUS_SUCCESS", "failed": "STATUS_FAILURE", "interrupted": "STATUS_FAILURE",
          "running": "STATUS_RUNNING", "created": "STATUS_RUNNING"}
_UNSAFE = re.compile(r"[^\w.\-]+")


def run_dirname(info: dict[str, Any]) -> str:
    """The sub-directory of a run: its name (made safe for a path) and its id.

    Example:
        >>> from neural_net.db.tensorboard_export import run_dirname
        >>> run_dirname({"run_name": "units=32,optimizer=adam", "Architecture_id": 7})
        'units_32_optimizer_adam-7'
    """
    name = _UNSAFE.sub("_", str(info.get("run_name") or info.get("name") or "run")).strip("_.")[:80] or "run"
    return f"{name}-{info['Architecture_id']}"


def _suffix(rid: int) -> str:
    return f".neural_net.{rid}.{uuid.uuid4().hex[:12]}"


def _remove_previous(run_dir: Path, rid: int) -> None:
    for f in run_dir.glob(f"events.out.tfevents.*.neural_net.{rid}.*"):
        f.unlink()


def _hparams_summaries(params: dict[str, Any], status: str, start: float, end: float | None) -> list[Any]:
    """The HParams plugin's session start and end summaries (the plugin derives the experiment
    — every hyper-parameter and metric — from the sessions, so runs with different parameters
    share one table)."""
    from tensorboardX.proto.api_pb2 import Status
    from tensorboardX.proto.plugin_hparams_pb2 import HParamsPluginData, SessionEndInfo, SessionStartInfo
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata

    ssi = SessionStartInfo(start_time_secs=start)
    for key, value in params.items():
        if isinstance(value, bool):
            ssi.hparams[key].bool_value = value
        elif isinstance(value, (int, float)):
            ssi.hparams[key].number_value = float(value)
        else:
            ssi.hparams[key].string_value = str(value)
    sei = SessionEndInfo(status=Status.Value(status), end_time_secs=end or 0.0)
    out = []
    for tag, data in (("_hparams_/session_start_info", HParamsPluginData(session_start_info=ssi, version=0)),
                      ("_hparams_/session_end_info", HParamsPluginData(session_end_info=sei, version=0))):
        meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="hparams",
                                                                      content=data.SerializeToString()))
        out.append(Summary(value=[Summary.Value(tag=tag, metadata=meta)]))
    return out


def _architecture_text(frame: Any, config: Any) -> str:
    lines = ["| position | layer | n_in | n_out | neurons |", "|---|---|---|---|---|"]
    for r in frame.itertuples(index=False):
        lines.append(f"| {r.position} | {r.name} | {'' if r.n_in is None else r.n_in} | "
                     f"{'' if r.n_out is None else r.n_out} | {r.neurons} |")
    return "\n".join(lines) + "\n\n```json\n" + json.dumps(config, indent=1, ensure_ascii=False) + "\n```"


def _histograms(writer: Any, source: Any, rid: int, frame: Any) -> int:
    positions = [int(r.position) for r in frame.itertuples(index=False) if r.n_in is not None]
    count = 0
    for snap in chosen_snapshots(source, rid, "all"):
        epoch = int(snap["epoch"])
        when = wall_seconds([snap["created_at"]])[0]
        matrices = weight_matrices(source, rid, epoch)
        names = positions if len(positions) == len(matrices) else list(range(len(matrices)))
        for pos, W in zip(names, matrices):
            for part, values in (("weights", W[:-1]), ("bias", W[-1])):
                values = values[np.isfinite(values)]
                if values.size:
                    writer.add_histogram(f"layer{pos}/{part}", values.astype(np.float64), epoch,
                                         walltime=None if math.isnan(when) else float(when))
                    count += 1
    return count


def _export_run(source: Any, rid: int, root: Path, replace: bool, chunk_rows: int) -> str:
    from tensorboardX import SummaryWriter

    stored = open_run(source, rid)
    info = {**stored.info, "tags": stored.tags}  # the run's row and its tag rows
    source = info["db_path"]  # the run's own database: a run directory is searched once
    run_dir = root / run_dirname(info)
    run_dir.mkdir(parents=True, exist_ok=True)
    if replace:
        _remove_previous(run_dir, rid)
    start = wall_seconds([info.get("started_at") or info.get("created_at")])[0]
    start = 0.0 if math.isnan(start) else float(start)
    end = wall_seconds([info.get("finished_at")])[0]
    frame = layers(source, rid)
    writer = SummaryWriter(logdir=str(run_dir), filename_suffix=_suffix(rid), max_queue=1000, flush_secs=3600)
    try:
        hparams = {k: v for k, v in flatten_params(info.get("hyperparams")).items() if v is not None}
        status = STATUS.get(info["status"], "STATUS_UNKNOWN")
        for summary in _hparams_summaries(hparams, status, start, None if math.isnan(end) else float(end)):
            writer.file_writer.add_summary(summary, 0, start)
        writer.add_text("architecture", _architecture_text(frame, info.get("config")), 0, walltime=start)
        for chunk in iter_history(source, rid, chunk_rows=chunk_rows):
            tags = (chunk["name"] + "/" + chunk["split"]).tolist()
            values, epochs, times = chunk["value"].tolist(), chunk["epoch"].tolist(), chunk["wall_time"].tolist()
            for tag, value, epoch, when in zip(tags, values, epochs, times):
                writer.add_scalar(tag, value, epoch, walltime=start if when != when else when)
        _histograms(writer, source, rid, frame)
    finally:
        writer.close()
    return str(run_dir)


def to_tensorboard(source: Any, run_ids: Any, logdir: str | os.PathLike, *, replace: bool = True,
                   chunk_rows: int = CHUNK_ROWS) -> list[str]:
    """Write TensorBoard event files for the runs ``run_ids`` of ``source`` under ``logdir``
    (one sub-directory per run, see the module doc) and return the directories written.

    Args:
        source: a run directory, a ``.db`` file or a SQLAlchemy URL.
        run_ids: a run id or a list of them.
        logdir: the TensorBoard log directory (created; a leading ``tensorboard:`` is dropped).
        replace: remove the event files an earlier export of the same run wrote there.
        chunk_rows: history values read per query.

    Raises:
        ImportError: tensorboardX is not installed (the message says which extra installs it).
        RunNotFound: a run is not stored in ``source``.

    Example:
        >>> from neural_net.db.tensorboard_export import to_tensorboard
        >>> to_tensorboard("sqlite://", [1], 42)
        Traceback (most recent call last):
        ...
        TypeError: to_tensorboard: logdir must be a directory path, got 42
    """
    ids = run_id_list(run_ids)
    if not isinstance(logdir, (str, os.PathLike)) or not os.fspath(logdir):
        raise TypeError(f"to_tensorboard: logdir must be a directory path, got {logdir!r}")
    if not isinstance(replace, bool):
        raise TypeError(f"to_tensorboard: replace must be True or False, got {replace!r}")
    text = os.fspath(logdir)
    root = Path(text[len("tensorboard:"):] if text.startswith("tensorboard:") else text).expanduser()
    require("tensorboardX", "tensorboard", "to_tensorboard")
    return [_export_run(source, rid, root, replace, chunk_rows) for rid in ids]
