"""The dashboard's web application: a Starlette app over :mod:`neural_net.ui.data`.

=============================================  ===============================================
``GET /``                                      the runs table (``q``, ``status``, ``where``,
                                               ``sort``, ``page``, ``per``)
``GET /runs.csv``                              the same rows (every page) as CSV
``GET /runs/{id}``                             one run: parameters, lineage, architecture,
                                               curves, weight histograms, heat maps
``GET /compare?run=A&run=B``                   overlaid curves, seed groups, parallel
                                               coordinates, scatter, parameter differences
``GET /live/{id}``                             curves that grow while the run trains
``GET /api/runs/{id}/curves[?full=1]``         the curves as JSON (downsampled unless full)
``GET /api/runs/{id}/histograms``              a weight histogram per layer per snapshot
``GET /api/runs/{id}/weights?epoch=&layer=``   one matrix for a heat map (``base=``: change)
``GET /api/runs/{id}/poll?after=E``            new epochs since ``E`` (one short read)
``GET /static/...?v=TOKEN``                    plotly.js, the page script and style
=============================================  ===============================================

Speed of the first draw: the run page's HTML carries the curves only; its scripts are
``defer``-red (the page paints before Plotly is parsed) and the histograms and the heat map
are fetched as JSON once the curves are drawn. Static URLs carry a token made from the files'
contents (:func:`static_token`), so they are sent ``Cache-Control: immutable`` for a year;
HTML, JSON and scripts are gzip-compressed when the browser accepts it.

Errors are pages (JSON for ``/api``): an unknown run is a 404, an outdated schema a 409 page
that names the ``neural-net db upgrade`` command, any other failure a 500 page with one line.

Example:
    >>> import tempfile
    >>> from starlette.testclient import TestClient
    >>> from neural_net.ui.app import create_app
    >>> client = TestClient(create_app(tempfile.mkdtemp()))
    >>> client.get("/").status_code, client.get("/runs/1").status_code
    (200, 404)
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import neural_net.db as db

from . import charts
from .data import CHART_SQL, Source, UnknownRun

HERE = Path(__file__).parent
#: Rows per page of the runs table unless ``per=`` says otherwise (at most :data:`MAX_PER`).
PER_PAGE = 50
MAX_PER = 1000
#: Runs the compare page draws at most.
MAX_COMPARE = 50
#: Columns of the runs table before the metrics and parameters.
BASE_COLUMNS = ["run_id", "name", "status", "started_at", "duration", "epochs"]
STATUSES = ("created", "running", "finished", "failed", "interrupted")

_env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]))


def to_json(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` block (NaN → null, ``</`` escaped).

    Example:
        >>> from neural_net.ui.app import to_json
        >>> to_json({"a": float("nan"), "s": "</script>"})
        '{"a":null,"s":"<\\\\/script>"}'
    """
    text = orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS, default=_default).decode()
    return text.replace("</", "<\\/")


def _default(v: Any) -> Any:
    if isinstance(v, (pd.Timestamp, datetime)):
        return v.isoformat()
    if isinstance(v, np.generic):
        return v.item()
    if v is pd.NaT or v is None:
        return None
    return str(v)


def _json(value: Any, status_code: int = 200) -> Response:
    return Response(to_json(value).replace("<\\/", "</"), status_code=status_code, media_type="application/json")


def _clean(v: Any) -> Any:
    """A cell as shown/serialized: NaN and NaT → None, numpy scalars → Python."""
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
        return None if isinstance(v, float) and math.isnan(v) else v
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def fmt(v: Any) -> str:
    """A table cell as text: floats with 4 significant digits, times to the second.

    Example:
        >>> from neural_net.ui.app import fmt
        >>> fmt(0.123456), fmt(None), fmt(12), fmt(3.0e-7), fmt("2026-12-02 01:50:08.467991")
        ('0.1235', '', '12', '3e-07', '2026-12-02 01:50:08')
    """
    v = _clean(v)
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, str) and len(v) >= 19 and v[4] == "-" and v[10] in " T" and v[13] == ":":
        return v[:19].replace("T", " ")  # an ISO time as SQLite returns it, to the second
    return str(v)


_env.filters["fmt"] = fmt
_env.filters["json"] = to_json


def static_token(directory: Path = HERE / "static") -> str:
    """A short hash of the names and contents of the static files: the ``?v=`` of their URLs,
    so that a browser caching them for a year fetches them again when one changes.

    Example:
        >>> import tempfile, pathlib
        >>> from neural_net.ui.app import static_token
        >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.js").write_text("1")
        >>> before = static_token(d); _ = (d / "a.js").write_text("2")
        >>> len(before), before != static_token(d)
        (12, True)
    """
    h = hashlib.sha256()
    for f in sorted(directory.iterdir()):
        if f.is_file():
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:12]


#: The ``?v=`` of every static URL the pages write (:func:`static_token` of the package's files).
STATIC_TOKEN = static_token()
_env.globals["version"] = STATIC_TOKEN


# ----- the runs table -------------------------------------------------------------------------
def _duration(table: pd.DataFrame) -> pd.Series:
    start = pd.to_datetime(table["started_at"], errors="coerce")
    end = pd.to_datetime(table["finished_at"], errors="coerce").fillna(pd.to_datetime(table["updated_at"],
                                                                                       errors="coerce"))
    return (end - start).dt.total_seconds()


def table_columns(table: pd.DataFrame) -> list[str]:
    """The runs table's columns in display order: the base ones, the metrics, the parameters.

    Example:
        >>> import pandas as pd
        >>> from neural_net.ui.app import table_columns
        >>> table_columns(pd.DataFrame(columns=["run_id", "name", "status", "started_at", "duration", "epochs",
        ...                                     "param.lr", "final_loss", "db_path"]))
        ['run_id', 'name', 'status', 'started_at', 'duration', 'epochs', 'final_loss', 'param.lr']
    """
    metrics = [c for c in table.columns if c.startswith(("final_", "best_")) and not c.endswith("_epoch")]
    metrics.sort(key=lambda c: (c.split("_", 1)[1] not in ("loss", "val_loss"), c.split("_", 1)[1], c[0] == "b"))
    params = sorted(c for c in table.columns if c.startswith("param."))
    return BASE_COLUMNS + metrics + params


def _text(col: pd.Series) -> pd.Series:
    """A column as lower-case text ('' for missing values)."""
    return col.map(lambda v: "" if _clean(v) is None else str(v).lower()).astype(object)


def _key(column: str, table: pd.DataFrame) -> str:
    if column in table.columns:
        return column
    if f"param.{column}" in table.columns:
        return f"param.{column}"
    raise ValueError(f"unknown column {column!r}; columns are {', '.join(table_columns(table))}")


def filter_table(table: pd.DataFrame, *, q: str = "", status: str = "", where: list[str] | None = None,
                 sort: str = "") -> pd.DataFrame:
    """The runs table filtered by text ``q`` (name, id, parameters), ``status``, ``where``
    conditions ``key=value`` (a parameter, tag or column; numbers compare as numbers) and
    sorted by ``sort`` (a column, ``-`` in front for descending; missing values last).

    Example:
        >>> import pandas as pd
        >>> from neural_net.ui.app import filter_table
        >>> t = pd.DataFrame({"run_id": [1, 2, 3], "name": ["a", "b", "c"], "status": ["finished"] * 3,
        ...                   "param.lr": [0.1, 0.01, 0.1], "final_loss": [0.3, 0.1, 0.2]})
        >>> filter_table(t, where=["lr=0.1"], sort="-final_loss").run_id.tolist()
        [1, 3]
    """
    keep = pd.Series(True, index=table.index)
    if status:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        keep &= table["status"] == status
    for cond in where or []:
        if "=" not in cond:
            raise ValueError(f"a where condition is key=value, got {cond!r}")
        k, v = (s.strip() for s in cond.split("=", 1))
        col = table[_key(k, table)]
        try:
            num = float(v)
            numeric = pd.to_numeric(col, errors="coerce")
            keep &= (numeric == num) | (_text(col) == v.lower())
        except ValueError:
            keep &= _text(col) == v.lower()
    if q:
        needle = q.lower()
        text = _text(table["name"]) + " " + _text(table["run_id"])
        for c in table.columns:
            if c.startswith("param."):
                text = text + " " + _text(table[c])
        keep &= text.map(lambda t: needle in t).astype(bool)
    out = table[keep]
    if sort:
        desc = sort.startswith("-")
        col = _key(sort.lstrip("-"), out)
        values = out[col]
        numeric = pd.to_numeric(values, errors="coerce")
        by = numeric if numeric.notna().sum() == values.notna().sum() else _text(values).replace("", None)
        order = by.sort_values(ascending=not desc, na_position="last", kind="stable").index
        out = out.loc[order]
    return out


def _runs_table(source: Source) -> tuple[pd.DataFrame, dict[str, str]]:
    runs = source.runs()
    table = runs.table.copy()
    table["duration"] = _duration(table) if len(table) else pd.Series(dtype=float)
    return table, runs.skipped


def _query(request: Request) -> dict[str, Any]:
    qp = request.query_params
    return {"q": qp.get("q", "").strip(), "status": qp.get("status", "").strip(),
            "where": [w for w in qp.getlist("where") if w.strip()], "sort": qp.get("sort", "").strip()}


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be an integer, got {raw!r}") from None
    if not lo <= value <= hi:
        raise HTTPException(400, f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _runs_page(request: Request) -> Response:
    source: Source = request.app.state.source
    table, skipped = _runs_table(source)
    query = _query(request)
    try:
        rows = filter_table(table, **query)
    except ValueError as e:
        raise HTTPException(400, str(e)) from None
    per = _int(request, "per", PER_PAGE, 1, MAX_PER)
    pages = max(1, -(-len(rows) // per))
    page = _int(request, "page", 1, 1, pages)
    shown = rows.iloc[(page - 1) * per: page * per]
    columns = table_columns(table)
    records = [{c: _clean(r.get(c)) for c in columns} for r in shown.to_dict("records")]
    base = [(k, v) for k, v in request.query_params.multi_items() if k not in ("sort", "page")]
    return _page(request, "runs.html", title="Runs", columns=columns, rows=records, total=len(table),
                 matched=len(rows), page=page, pages=pages, per=per, query=query, skipped=skipped,
                 statuses=STATUSES, base=base, source=source.label, sql=CHART_SQL["runs"])


def _runs_csv(request: Request) -> Response:
    source: Source = request.app.state.source
    table, _ = _runs_table(source)
    try:
        rows = filter_table(table, **_query(request))
    except ValueError as e:
        raise HTTPException(400, str(e)) from None
    columns = table_columns(table) + ["db_path"]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows.to_dict("records"):
        w.writerow(["" if _clean(r.get(c)) is None else _clean(r.get(c)) for c in columns])
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="runs.csv"'})


# ----- one run ----------------------------------------------------------------------------------
def _run_id(request: Request) -> int:
    return int(request.path_params["run_id"])


def architecture(layers: pd.DataFrame) -> list[dict[str, Any]]:
    """The boxes of the architecture diagram: one per layer with its widths, function and
    parameter count (``(n_in + 1) × n_out`` for a Fullyconnected).

    Example:
        >>> import pandas as pd
        >>> from neural_net.ui.app import architecture
        >>> layers = pd.DataFrame({"position": [0, 1], "name": ["Fullyconnected", "Activation"],
        ...                        "n_in": [4, None], "n_out": [3, None], "neurons": ["Σ", "ReLU"]})
        >>> [(b["label"], b["params"]) for b in architecture(layers)]
        [('Fullyconnected 4 → 3', 15), ('ReLU', 0)]
    """
    boxes = []
    widths = [int(n) for n in layers["n_out"] if n is not None and not pd.isna(n)] or [1]
    top = max(widths)
    for r in layers.to_dict("records"):
        n_in, n_out = _clean(r.get("n_in")), _clean(r.get("n_out"))
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
        children = [{"run_id": int(r["run_id"]), "name": r["name"], "parent_epoch": _clean(r.get("parent_epoch"))}
                    for r in kids.to_dict("records")]
    return {"parent_id": info.get("parent_id"), "parent_epoch": info.get("parent_epoch"), "children": children}


def _api_histograms(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = _run_id(request)
    snaps = source.snapshots(rid)
    per_epoch = [(epoch, source.matrices(rid, epoch)) for epoch in sorted(set(int(e) for e in snaps["epoch"]))]
    return _json(charts.histograms(per_epoch))


def _run_page(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = _run_id(request)
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
    return _page(request, "run.html", title=f"Run {info.get('run_name') or rid}", info=info, rid=rid, meta=meta,
                 params=sorted(info["params"].items()), tags=sorted(tags.items()) if isinstance(tags, dict) else [],
                 note=info.get("note") or info.get("description"), error=info.get("error"),
                 lineage=_lineage(source, rid, info), boxes=architecture(layers),
                 snapshots=snaps.to_dict("records"), payload=payload, sql=sql,
                 live=info.get("status") in ("running", "created"))


def _api_curves(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = _run_id(request)
    full = request.query_params.get("full", "") in ("1", "true", "yes")
    return _json(charts.curves(source.history(rid), source.wall_time(rid), full=full))


def _api_weights(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = _run_id(request)
    epoch = _int(request, "epoch", -1, 0, 2**31)
    layer = _int(request, "layer", 0, 0, 10**6)
    try:
        mats = source.matrices(rid, None if epoch < 0 else epoch)
        if layer >= len(mats):
            raise HTTPException(400, f"layer must be below {len(mats)} (the run's weight matrices), got {layer}")
        W = mats[layer]
        base_raw = request.query_params.get("base")
        view_of = W
        if base_raw not in (None, ""):
            base = _int(request, "base", 0, 0, 2**31)
            W0 = source.matrices(rid, base)[layer]
            view_of = W.astype(np.float64) - W0.astype(np.float64)
    except db.SnapshotNotFound as e:
        raise HTTPException(404, str(e)) from None
    return _json(charts.matrix_view(view_of))


# ----- compare and live ---------------------------------------------------------------------------
def _selected(request: Request) -> list[int]:
    raw = [r for v in request.query_params.getlist("run") for r in v.split(",") if r.strip()]
    ids = []
    for r in raw:
        try:
            ids.append(int(r))
        except ValueError:
            raise HTTPException(400, f"run must be a run id (an integer), got {r!r}") from None
    if not ids:
        raise HTTPException(400, "select runs to compare: /compare?run=ID&run=ID")
    if len(ids) > MAX_COMPARE:
        raise HTTPException(400, f"compare at most {MAX_COMPARE} runs at once, got {len(ids)}")
    return list(dict.fromkeys(ids))


def _compare_page(request: Request) -> Response:
    source: Source = request.app.state.source
    ids = _selected(request)
    table, _ = _runs_table(source)
    rows = {}
    for rid in ids:
        hit = table[table["run_id"] == rid]
        if not len(hit):
            raise UnknownRun(f"no run {rid} in {source.label}")
        rows[rid] = hit.iloc[0].to_dict()
    params = {rid: {c[len("param."):]: _clean(r.get(c)) for c in r if c.startswith("param.") and _clean(r.get(c))
                    is not None} for rid, r in rows.items()}
    histories = {rid: source.history(rid) for rid in ids}
    columns = list(dict.fromkeys(c for h in histories.values() for c in h.columns))
    metric = request.query_params.get("metric") or ("val_loss" if "val_loss" in columns else
                                                    (columns[0] if columns else "loss"))
    if columns and metric not in columns:
        raise HTTPException(400, f"metric must be one of {', '.join(columns)}, got {metric!r}")
    group = request.query_params.get("group", "")
    keys = sorted({k for p in params.values() for k in p})
    if group and group not in keys:
        raise HTTPException(400, f"group must be a parameter of these runs ({', '.join(keys)}), got {group!r}")
    groups = []
    if group:
        series = {rid: h[metric].dropna() for rid, h in histories.items() if metric in h.columns}
        groups = charts.group_curves(series, {rid: params[rid].get(group) for rid in series})
    finals = [c for c in table_columns(table) if c.startswith("final_") and any(_clean(r.get(c)) is not None
                                                                                for r in rows.values())]
    payload = {"runs": [{"run_id": str(rid), "name": _clean(rows[rid].get("name")) or str(rid),
                         "curves": charts.curves(histories[rid]), "params": params[rid],
                         "finals": {c: _clean(rows[rid].get(c)) for c in finals}} for rid in ids],
               "metric": metric, "groups": groups, "group": group, "keys": keys, "finals": finals}
    return _page(request, "compare.html", title="Compare", ids=ids, rows=rows, metric=metric, columns=columns,
                 group=group, keys=keys, differences=charts.differences(params), payload=payload, finals=finals)


def _live_page(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = _run_id(request)
    info = source.info(rid)
    history = source.history(rid)
    return _page(request, "live.html", title=f"Live: {info.get('run_name') or rid}", rid=rid, info=info,
                 payload={"run_id": str(rid), "curves": charts.curves(history, full=True),
                          "status": info.get("status"), "poll_ms": request.app.state.poll_ms})


def _api_poll(request: Request) -> Response:
    source: Source = request.app.state.source
    rid = _run_id(request)
    after = _int(request, "after", 0, -1, 2**31)
    got = source.poll(rid, after)
    series: dict[str, dict[str, list]] = {}
    for epoch, split, name, value in got["rows"]:
        key = name if split == "train" else f"{split}_{name}"
        s = series.setdefault(key, {"x": [], "y": []})
        s["x"].append(int(epoch))
        s["y"].append(None if value is None or not math.isfinite(value) else float(value))
    last = max((x for s in series.values() for x in s["x"]), default=after)
    return _json({"status": got["status"], "epochs": got["epochs"], "last": last, "series": series})


# ----- pages and errors -----------------------------------------------------------------------------
def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    html = _env.get_template(template).render(request=request, nav=template.split(".")[0], **context)
    return HTMLResponse(html, status_code=status_code)


def _error(request: Request, status: int, title: str, message: str, command: str | None = None) -> Response:
    if request.url.path.startswith("/api/"):
        return _json({"error": message, "command": command}, status)
    return _page(request, "error.html", status_code=status, title=title, message=message, command=command)


def _upgrade_command(message: str) -> str | None:
    start = message.find("`neural-net db upgrade")
    if start < 0:
        return None
    end = message.find("`", start + 1)
    return message[start + 1:end] if end > start else None


async def _on_unknown_run(request: Request, exc: Exception) -> Response:
    return _error(request, 404, "Run not found", str(exc).strip("'\""))


async def _on_outdated(request: Request, exc: Exception) -> Response:
    return _error(request, 409, "Database schema is outdated", str(exc), _upgrade_command(str(exc)))


async def _on_store_error(request: Request, exc: Exception) -> Response:
    status = 404 if isinstance(exc, (db.RunNotFound, db.SnapshotNotFound, db.StorePathError)) else 500
    return _error(request, status, "The store cannot be read", " ".join(str(exc).split()))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title = {404: "Not found", 400: "Bad request"}.get(exc.status_code, "Error")
    detail = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else f"no page at {request.url.path}"
    return _error(request, exc.status_code, title, str(detail))


async def _on_other(request: Request, exc: Exception) -> Response:
    return _error(request, 500, "Internal error", f"{type(exc).__name__}: {' '.join(str(exc).split())[:500]}")


class Static(StaticFiles):
    """The package's static files. A request whose ``?v=`` is the current
    :data:`STATIC_TOKEN` (every URL the pages write) is cached by the browser for a year
    without revalidation (``immutable``); any other is revalidated each time (``no-cache``,
    answered 304 while the file is unchanged).

    Example:
        >>> import tempfile
        >>> from starlette.testclient import TestClient
        >>> from neural_net.ui.app import create_app, STATIC_TOKEN
        >>> client = TestClient(create_app(tempfile.mkdtemp()))
        >>> client.get(f"/static/style.css?v={STATIC_TOKEN}").headers["cache-control"]
        'public, max-age=31536000, immutable'
        >>> client.get("/static/style.css").headers["cache-control"]
        'no-cache'
    """

    async def get_response(self, path: str, scope: Any) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            versioned = Request(scope).query_params.get("v") == STATIC_TOKEN
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
        return response


def create_app(source: Any, *, poll_ms: int = 1000, warm: bool = False) -> Starlette:
    """The dashboard for ``source`` (a run directory, a ``.db`` file or a SQLAlchemy URL).

    ``poll_ms`` is the live page's poll interval; ``warm`` reads the runs table once at
    start-up so that the first page is served from the cache.

    Example:
        >>> from neural_net.ui.app import create_app
        >>> import tempfile
        >>> [r.path for r in create_app(tempfile.mkdtemp()).routes][:3]
        ['/', '/runs.csv', '/runs/{run_id:int}']
    """
    src = source if isinstance(source, Source) else Source(source)
    routes = [
        Route("/", _runs_page), Route("/runs.csv", _runs_csv), Route("/runs/{run_id:int}", _run_page),
        Route("/compare", _compare_page), Route("/live/{run_id:int}", _live_page),
        Route("/api/runs/{run_id:int}/curves", _api_curves),
        Route("/api/runs/{run_id:int}/histograms", _api_histograms),
        Route("/api/runs/{run_id:int}/weights", _api_weights),
        Route("/api/runs/{run_id:int}/poll", _api_poll),
        Mount("/static", app=Static(directory=str(HERE / "static")), name="static"),
    ]
    handlers = {UnknownRun: _on_unknown_run, db.SchemaOutdated: _on_outdated, db.StoreError: _on_store_error,
                HTTPException: _on_http, Exception: _on_other}
    # gzip: HTML, JSON and the scripts (1.5 MB of plotly.js → 0.5 MB), not the 300-byte answers
    middleware = [Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)]
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=middleware)  # type: ignore[arg-type]
    app.state.source = src
    app.state.poll_ms = int(poll_ms)
    if warm:
        try:
            src.runs()
        except db.StoreError:
            pass  # shown on the first page
    return app
