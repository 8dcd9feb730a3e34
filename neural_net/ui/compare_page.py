"""The compare page: the selected runs' curves overlaid, groups by a parameter (mean ± spread),
parallel coordinates, scatter, and the table of parameter differences.

Example:
    >>> from neural_net.ui.compare_page import MAX_COMPARE
    >>> MAX_COMPARE
    50
"""
from __future__ import annotations


from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import charts
from .data import Source, UnknownRun
from .render import clean, render_page
from .runs_page import runs_table, table_columns

#: Runs the compare page draws at most.
MAX_COMPARE = 50


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
    table, _ = runs_table(source)
    rows = {}
    for rid in ids:
        hit = table[table["run_id"] == rid]
        if not len(hit):
            raise UnknownRun(f"no run {rid} in {source.label}")
        rows[rid] = hit.iloc[0].to_dict()
    params = {rid: {c[len("param."):]: clean(r.get(c)) for c in r if c.startswith("param.") and clean(r.get(c))
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
    finals = [c for c in table_columns(table) if c.startswith("final_") and any(clean(r.get(c)) is not None
                                                                                for r in rows.values())]
    payload = {"runs": [{"run_id": str(rid), "name": clean(rows[rid].get("name")) or str(rid),
                         "curves": charts.curves(histories[rid]), "params": params[rid],
                         "finals": {c: clean(rows[rid].get(c)) for c in finals}} for rid in ids],
               "metric": metric, "groups": groups, "group": group, "keys": keys, "finals": finals}
    return render_page(request, "compare.html", title="Compare", ids=ids, rows=rows, metric=metric, columns=columns,
                 group=group, keys=keys, differences=charts.differences(params), payload=payload, finals=finals)



#: The routes of this page (:func:`neural_net.ui.app.create_app` serves them).
ROUTES = [Route("/compare", _compare_page)]
