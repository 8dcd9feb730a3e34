"""``neural-net show RUN``: a run's metadata, hyper-parameters, layers and snapshots."""
from __future__ import annotations

import argparse
import json
import sys

from .exit_codes import OK
from .output import cell, display_url, plain, print_table, records
from .references import locate


def command_show(args: argparse.Namespace) -> int:
    """``neural-net show``: print everything stored about one run but its weights; returns 0.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.cli import build_parser
        >>> from neural_net.layers import Dense
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.db")
        >>> net = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="tiny", seed=0)
        >>> _ = net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0); net.store.close()
        >>> from neural_net.cli.show import command_show
        >>> command_show(build_parser().parse_args(["show", "tiny", "--from", path]))  # doctest: +ELLIPSIS
        run ...  tiny  (finished)
        ...
        layers
        position  name            n_in  n_out  neurons  ...
        ...
        0
    """
    run = locate(args)  # located once
    info = run.info
    frame = run.history()
    layer_rows = records(run.layers().drop(columns=["config"]))
    snap_rows = records(run.snapshots())
    loss = frame["loss"] if "loss" in frame else None
    summary = {
        "run_id": info["Architecture_id"], "name": info.get("run_name") or info.get("name"), "status": info["status"],
        "stored_status": info["stored_status"], "epochs": info["epochs"],
        "final_loss": None if loss is None or not len(loss) else loss.iloc[-1],
        "best_loss": None if loss is None or not len(loss) else loss.min(),
        "database": display_url(info["db_path"]), "created_at": info["created_at"], "started_at": info["started_at"],
        "finished_at": info["finished_at"], "updated_at": info["updated_at"], "seed": info["seed"],
        "parent_id": info["parent_id"], "parent_epoch": info["parent_epoch"], "pid": info["pid"],
        "hostname": info["hostname"], "library_version": info["library_version"],
        "numpy_version": info["numpy_version"], "python_version": info["python_version"],
        "error": info["error"], "note": info.get("note"),
    }
    tags = run.tags
    if args.format == "json":
        doc = {"run": {k: plain(v) for k, v in summary.items()}, "tags": tags, "hyperparams": info["hyperparams"],
               "config": info["config"],
               "layers": [{k: plain(v) for k, v in r.items()} for r in layer_rows],
               "snapshots": [{k: plain(v) for k, v in r.items()} for r in snap_rows]}
        print(json.dumps(doc, ensure_ascii=False, allow_nan=False, default=str))
        return OK
    out = sys.stdout
    out.write(f"run {summary['run_id']}  {summary['name']}  ({summary['status']})\n")
    shown = dict(summary)
    shown.pop("error")
    if shown["parent_id"] is not None:
        shown["parent"] = f"run {shown['parent_id']} at epoch {shown['parent_epoch']}"
    for k in ("run_id", "name", "status", "parent_id", "parent_epoch"):
        shown.pop(k)
    if shown["stored_status"] == summary["status"]:
        shown.pop("stored_status")
    if summary["pid"] is not None:
        shown["process"] = f"pid {summary['pid']} on {summary['hostname']}"
    for k in ("pid", "hostname"):
        shown.pop(k)
    hyper = info["hyperparams"] or {}
    opt = hyper.get("optimizer") or {}
    if opt:
        config = ", ".join(f"{k}={v}" for k, v in (opt.get("config") or {}).items())
        shown["optimizer"] = f"{opt.get('name')}({config})"
    for k in ("batch_size", "metrics", "samples"):
        if hyper.get(k) not in (None, []):
            shown[k] = ", ".join(hyper[k]) if isinstance(hyper[k], list) else hyper[k]
    if hyper.get("params"):
        shown["params"] = json.dumps(hyper["params"], ensure_ascii=False)
    if tags:
        shown["tags"] = ", ".join(f"{k}={v}" for k, v in tags.items())
    if shown.get("note") is None:
        shown.pop("note")
    width = max(len(k) for k in shown)
    for k, v in shown.items():
        out.write(f"  {k.ljust(width)}  {cell(v, k)}\n")
    if summary["error"]:
        last = [ln for ln in str(summary["error"]).strip().splitlines() if ln.strip()]
        out.write(f"  {'error'.ljust(width)}  {last[-1] if last else ''}\n")
    out.write("\nlayers\n")
    print_table(layer_rows, ["position", "name", "n_in", "n_out", "neurons", "Layer_id", "Neurons_id"], out,
                right=["position", "n_in", "n_out", "Layer_id", "Neurons_id"])
    out.write("\nsnapshots\n")
    print_table(snap_rows, ["seq", "epoch", "tag", "n_params", "created_at"], out, right=["seq", "epoch", "n_params"])
    return OK
