"""The run page and its JSON (curves, weight histograms, one matrix), and the live page with
its poll endpoint.

Example:
    >>> import pandas as pd
    >>> from neural_net.ui.run_page import architecture
    >>> [b["label"] for b in architecture(pd.DataFrame({"position": [0], "name": ["Fullyconnected"],
    ...                                                  "n_in": [2], "n_out": [1], "neurons": ["Σ"]}))]
    ['Fullyconnected 2 → 1']
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import neural_net.db as db

from . import charts
from .data import CHART_SQL, Source
from .render import clean, json_response, render_page
from .runs_page import int_param

def run_id_of(request: Request) -> int:
    return int(request.path_params["run_id"])


def architecture(layers: pd.DataFrame) -> list[dict[str, Any]]:
    """The boxes of the architecture diagram: one per layer with its widths, function and
    parameter count (``(n_in + 1) × n_out`` for a Fullyconnected).

    Example:
        >>> import pandas as pd
        >>> from neural_net.ui.run_page import architecture
        >>> layers = pd.DataFrame({"position": [0, 1], "name": ["Fullyconnected", "Activation"],
        ...                        "n_in": [4, None], "n_out": [3, None], "neurons": ["Σ", "ReLU"]})
        >>> [(b["label"], b["params"]) for b in architecture(layers)]
        [('Fullyconnected 4 → 3', 15), ('ReLU', 0)]
    """
    boxes = []
    widths = [int(n) for n in layers["n_out"] if n is not None and not pd.isna(n)] or [1]
    top = max(widths)
    for r in layers.to_dict("records"):
        n_in, n_out = clean(r.get("n_in")), clean(r.get("n_out"))
        if n_in is not None and n_out is not None:
            n_in, n_out = int(n_in), int(n_out)
            width = 60 + 260 * math.log1p(n_out) / math.log1p(top)
            boxes.append({"label": f"{r['name']} {n_in} → {n_out}", "params": (n_in + 1) * n_out, "units": n_out,
                          "width": round(width), "kind": "dense"})
        else:
            boxes.append({"label": str(r.get("neurons") or r["name"]), "params": 0, "units": None,
                          "width": 120, "kind": "function"})
    return boxes


def _lineage(source: Source, run_id: int, info: dict[str, Any]) -> dict[str, Any]:
    table = source.runs().table
    children = []
    if "parent_id" in table.columns:
        kids = table[pd.to_numeric(table["parent_id"], errors="coerce") == run_id]
        children = [{"run_id": int(r["run_id"]), "name": r["name"], "parent_epoch": clean(r.get("parent_epoch"))}
                    for r in kids.to_dict("records")]
    return {"parent_id": info.get("parent_id"), "parent_epoch": info.get("parent_epoch"), "children": children}


def _api_histograms(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = run_id_of(request)
    snaps = source.snapshots(rid)
    per_epoch = [(epoch, source.matrices(rid, epoch)) for epoch in sorted(set(int(e) for e in snaps["epoch"]))]
    return json_response(charts.histograms(per_epoch))


def _run_page(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = run_id_of(request)
    info = source.info(rid)
    layers = source.layers(rid)
    snaps = source.snapshots(rid)
    history = source.history(rid)
    wall = source.wall_time(rid)
    payload = {"run_id": str(rid), "curves": charts.curves(history, wall),
               "snapshots": [int(e) for e in snaps["epoch"]],
               "layers": [int(p) for p, n in zip(layers["position"], layers["n_in"]) if n is not None and not pd.isna(n)],
               "layer_ids": [str(i) for i, n in zip(layers["Layer_id"], layers["n_in"]) if n is not None
                             and not pd.isna(n)]}
    tags = info.get("tags") or {}
    sql = {k: v.format(rid=rid, epoch="{epoch}", base="{base}", layer_id="{layer_id}") for k, v in CHART_SQL.items()}
    meta = [(k, info.get(k)) for k in ("status", "stored_status", "epochs", "created_at", "started_at", "finished_at",
                                       "updated_at", "seed", "hostname", "pid", "library_version", "numpy_version",
                                       "db_path")]
    return render_page(request, "run.html", title=f"Run {info.get('run_name') or rid}", info=info, rid=rid, meta=meta,
                 params=sorted(info["params"].items()), tags=sorted(tags.items()) if isinstance(tags, dict) else [],
                 note=info.get("note") or info.get("description"), error=info.get("error"),
                 lineage=_lineage(source, rid, info), boxes=architecture(layers),
                 snapshots=snaps.to_dict("records"), payload=payload, sql=sql,
                 live=info.get("status") in ("running", "created"))


def _api_curves(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = run_id_of(request)
    full = request.query_params.get("full", "") in ("1", "true", "yes")
    return json_response(charts.curves(source.history(rid), source.wall_time(rid), full=full))


def _api_weights(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = run_id_of(request)
    epoch = int_param(request, "epoch", -1, 0, 2**31)
    layer = int_param(request, "layer", 0, 0, 10**6)
    try:
        mats = source.matrices(rid, None if epoch < 0 else epoch)
        if layer >= len(mats):
            raise HTTPException(400, f"layer must be below {len(mats)} (the run's weight matrices), got {layer}")
        W = mats[layer]
        base_raw = request.query_params.get("base")
        view_of = W
        if base_raw not in (None, ""):
            base = int_param(request, "base", 0, 0, 2**31)
            W0 = source.matrices(rid, base)[layer]
            view_of = W.astype(np.float64) - W0.astype(np.float64)
    except db.SnapshotNotFound as e:
        raise HTTPException(404, str(e)) from None
    return json_response(charts.matrix_view(view_of))



def _live_page(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = run_id_of(request)
    info = source.info(rid)
    history = source.history(rid)
    return render_page(request, "live.html", title=f"Live: {info.get('run_name') or rid}", rid=rid, info=info,
                 payload={"run_id": str(rid), "curves": charts.curves(history, full=True),
                          "status": info.get("status"), "poll_ms": request.app.state.poll_ms})


def _api_poll(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = run_id_of(request)
    after = int_param(request, "after", 0, -1, 2**31)
    got = source.poll(rid, after)
    history = got["history"]
    series: dict[str, dict[str, list]] = {}
    for key in history.columns:
        values = history[key].dropna()
        series[key] = {"x": [int(e) for e in values.index],
                       "y": [float(v) if math.isfinite(v) else None for v in values.to_numpy(dtype=float)]}
    last = max((x for s in series.values() for x in s["x"]), default=after)
    return json_response({"status": got["status"], "epochs": got["epochs"], "last": last, "series": series})



#: The routes of this page (:func:`neural_net.ui.app.create_app` serves them).
ROUTES = [Route("/runs/{run_id:int}", _run_page), Route("/live/{run_id:int}", _live_page),
          Route("/api/runs/{run_id:int}/curves", _api_curves),
          Route("/api/runs/{run_id:int}/histograms", _api_histograms),
          Route("/api/runs/{run_id:int}/weights", _api_weights),
          Route("/api/runs/{run_id:int}/poll", _api_poll)]
