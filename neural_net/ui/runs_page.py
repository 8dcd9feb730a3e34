"""The runs page: the runs table (filter, sort, pages) and its CSV download.

Example:
    >>> import pandas as pd
    >>> from neural_net.ui.runs_page import filter_table
    >>> t = pd.DataFrame({"run_id": [1, 2], "name": ["a", "b"], "status": ["finished", "failed"]})
    >>> filter_table(t, status="failed").run_id.tolist()
    [2]
"""
from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from html import escape
from typing import Any, Iterator

import pandas as pd
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from .data import CHART_SQL, Source
from .render import clean, env, render_page

#: Rows per page of the runs table unless ``per=`` says otherwise (at most :data:`MAX_PER`).
PER_PAGE = 50
MAX_PER = 1000
#: Columns of the runs table before the metrics and parameters.
BASE_COLUMNS = ["run_id", "name", "status", "tags", "started_at", "duration", "epochs"]
STATUSES = ("created", "running", "finished", "failed", "interrupted")


def _duration(table: pd.DataFrame) -> pd.Series:
    def times(column: str) -> pd.Series:  # naive times (schema revisions before 0004) are UTC
        return pd.to_datetime(table[column], errors="coerce", utc=True, format="ISO8601")

    start, end = times("started_at"), times("finished_at").fillna(times("updated_at"))
    return (end - start).dt.total_seconds()


def table_columns(table: pd.DataFrame) -> list[str]:
    """The runs table's columns in display order: the base ones, the metrics, the parameters.

    Example:
        >>> import pandas as pd
        >>> from neural_net.ui.runs_page import table_columns
        >>> table_columns(pd.DataFrame(columns=["run_id", "name", "status", "started_at", "duration", "epochs",
        ...                                     "param.lr", "final_loss", "tag.x", "db_path"]))
        ['run_id', 'name', 'status', 'tags', 'started_at', 'duration', 'epochs', 'final_loss', 'param.lr']
    """
    metrics = [c for c in table.columns if c.startswith(("final_", "best_")) and not c.endswith("_epoch")]
    metrics.sort(key=lambda c: (c.split("_", 1)[1] not in ("loss", "val_loss"), c.split("_", 1)[1], c[0] == "b"))
    params = sorted(c for c in table.columns if c.startswith("param."))
    return BASE_COLUMNS + metrics + params


def _text(col: pd.Series) -> pd.Series:
    """A column as lower-case text ('' for missing values)."""
    return col.map(lambda v: "" if clean(v) is None else str(v).lower()).astype(object)


def _key(column: str, table: pd.DataFrame) -> str:
    if column in table.columns:
        return column
    for prefix in ("param.", "tag."):
        if f"{prefix}{column}" in table.columns:
            return f"{prefix}{column}"
    raise ValueError(f"unknown column {column!r}; columns are {', '.join(table_columns(table))}")


def parse_tag(text: str) -> tuple[str, str | None]:
    """A tag filter as ``(key, value)``: ``'key:value'`` or ``'key=value'`` (split at the first
    ``:`` or ``=``), or ``'key'`` alone (``value`` None: runs that have the tag).

    Example:
        >>> from neural_net.ui.runs_page import parse_tag
        >>> parse_tag("dataset:iris"), parse_tag("group=a:b"), parse_tag(" best ")
        (('dataset', 'iris'), ('group', 'a:b'), ('best', None))
    """
    cut = min((i for i in (text.find(":"), text.find("=")) if i >= 0), default=-1)
    key, value = (text, None) if cut < 0 else (text[:cut], text[cut + 1:].strip())
    key = key.strip()
    if not key:
        raise ValueError(f"a tag filter is key:value, key=value or key, got {text!r}")
    return key, value


def filter_table(table: pd.DataFrame, *, q: str = "", status: str = "", where: list[str] | None = None,
                 tag: list[str] | None = None, sort: str = "") -> pd.DataFrame:
    """The runs table filtered by text ``q`` (name, id, parameters, tags), ``status``, ``where``
    conditions ``key=value`` (a parameter, tag or column; numbers compare as numbers), ``tag``
    filters (:func:`parse_tag`; the value compared as text, exactly) and sorted by ``sort`` (a
    column, ``-`` in front for descending; missing values last).

    Example:
        >>> import pandas as pd
        >>> from neural_net.ui.runs_page import filter_table
        >>> t = pd.DataFrame({"run_id": [1, 2, 3], "name": ["a", "b", "c"], "status": ["finished"] * 3,
        ...                   "param.lr": [0.1, 0.01, 0.1], "final_loss": [0.3, 0.1, 0.2]})
        >>> filter_table(t, where=["lr=0.1"], sort="-final_loss").run_id.tolist()
        [1, 3]
        >>> t["tag.dataset"] = ["iris", None, "digits"]
        >>> filter_table(t, tag=["dataset:iris"]).run_id.tolist(), filter_table(t, tag=["dataset"]).run_id.tolist()
        ([1], [1, 3])
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
    for cond in tag or []:
        key, value = parse_tag(cond)
        col = table.get(f"tag.{key}")
        if col is None:
            keep &= False
        elif value is None:
            keep &= col.map(lambda v: clean(v) is not None).astype(bool)
        else:
            keep &= col.map(lambda v: clean(v) is not None and str(v) == value).astype(bool)
    if q:
        needle = q.lower()
        text = _text(table["name"]) + " " + _text(table["run_id"])
        for c in table.columns:
            if c.startswith("param.") or c == "tags":
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


def runs_table(source: Source) -> tuple[pd.DataFrame, dict[str, str]]:
    return _with_duration(source.runs())


def _with_duration(runs: Any) -> tuple[pd.DataFrame, dict[str, str]]:
    table = runs.table.copy()
    table["duration"] = _duration(table) if len(table) else pd.Series(dtype=float)
    if "tags" not in table.columns:
        table["tags"] = pd.Series([None] * len(table), index=table.index, dtype=object)
    return table, runs.skipped


def _query(request: Request) -> dict[str, Any]:
    qp = request.query_params
    return {"q": qp.get("q", "").strip(), "status": qp.get("status", "").strip(),
            "where": [w for w in qp.getlist("where") if w.strip()],
            "tag": [w for w in qp.getlist("tag") if w.strip()], "sort": qp.get("sort", "").strip()}


def int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
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


def _runs_context(request: Request, table: pd.DataFrame, skipped: dict[str, str],
                  count: int | None = None) -> dict[str, Any]:
    """The runs template's context; with ``count`` (a first page: ``table`` holds the first runs
    of ``count``, unfiltered) the totals and pages are those of ``count`` runs."""
    source: Source = request.app.state.source
    query = _query(request)
    try:
        rows = filter_table(table, **query)
    except ValueError as e:
        raise HTTPException(400, str(e)) from None
    per = int_param(request, "per", PER_PAGE, 1, MAX_PER)
    total = len(table) if count is None else count
    matched = len(rows) if count is None else count
    pages = max(1, -(-matched // per))
    page = int_param(request, "page", 1, 1, pages)
    shown = rows.iloc[(page - 1) * per: page * per]
    columns = table_columns(table)
    records = [{**{c: clean(r.get(c)) for c in columns},
                "tag_list": sorted((k[4:], v) for k, v in r.items() if k.startswith("tag.") and clean(v) is not None)}
               for r in shown.to_dict("records")]
    base = [(k, v) for k, v in request.query_params.multi_items() if k not in ("sort", "page")]
    return dict(title="Runs", columns=columns, rows=records, total=total, matched=matched,
                page=page, pages=pages, per=per, query=query, skipped=skipped, statuses=STATUSES, base=base,
                source=source.label, sql=CHART_SQL["runs"], first_only=count is not None)


#: Seconds the runs page of a directory or a server waits for the runs table before it starts
#: sending the page: a table read from the cache is sent whole (with its status code); a cold read
#: of many files (a second or more for a thousand) is streamed, the page's head first and the
#: table when it is read (an error then is a message in the page).
FIRST_BYTE_WAIT = 0.2
_readers = ThreadPoolExecutor(2, thread_name_prefix="neural_net.ui.runs")


def _runs_page(request: Request) -> Response:
    source: Source = request.app.state.source
    pending = _readers.submit(runs_table, source)
    try:
        # one SQLite file reads fast, and its errors are pages with their status code
        table, skipped = pending.result(timeout=None if _one_file(source) else FIRST_BYTE_WAIT)
    except FuturesTimeout:
        return StreamingResponse(_stream(request, pending), media_type="text/html; charset=utf-8")
    return render_page(request, "runs.html", **_runs_context(request, table, skipped))


def _one_file(source: Source) -> bool:
    return source.single and ("://" not in source.source or source.source.startswith("sqlite"))


def _first_page(request: Request) -> str | None:
    """The inside of ``<main>`` of the runs page drawn from its first rows alone
    (:meth:`Source.first_runs`), for the default view (no filter, no sort, page 1) of a source
    that can read them without the rest; else None."""
    qp = request.query_params
    if any(qp.get(k, "").strip() for k in ("q", "status", "where", "tag", "sort")) or qp.get("page", "1") != "1":
        return None
    source: Source = request.app.state.source
    per = int_param(request, "per", PER_PAGE, 1, MAX_PER)
    got = source.first_runs(per)
    if got is None:
        return None
    runs, count = got
    table, skipped = _with_duration(runs)
    html = env.get_template("runs.html").render(request=request, nav="runs",
                                                **_runs_context(request, table, skipped, count))
    inside = _after_main(html)
    return inside[:inside.index("</main>")]


def _stream(request: Request, pending: Any) -> Iterator[str]:
    """The runs page in parts: everything before the table (the same for every runs page);
    for a database server's default view, the first page read on its own (``ORDER BY ...
    LIMIT``: :func:`_first_page`) in ``<div id="runs-first">``; then, once ``pending`` (the runs
    table being read) is done, the whole page, preceded by a script removing that first
    page. An error then is a message in the page (the status line, 200, is sent already)."""
    head = env.get_template("base.html").render(request=request, nav="runs", title="Runs")
    head = head[:head.index("<main>") + len("<main>")]
    yield head
    first = None
    if not pending.done():
        try:
            first = _first_page(request)
        except Exception:  # noqa: BLE001 - the whole table follows, and says what is wrong
            first = None
    if first is not None:
        yield f'\n<div id="runs-first">{first}</div><!-- /runs-first -->\n'
    remove = '<script>document.getElementById("runs-first").remove()</script>\n' if first is not None else ""
    try:
        table, skipped = pending.result()
        html = env.get_template("runs.html").render(request=request, nav="runs",
                                                    **_runs_context(request, table, skipped))
    except Exception as e:  # noqa: BLE001 - the page has begun: the error goes into it
        detail = e.detail if isinstance(e, HTTPException) else f"{type(e).__name__}: {' '.join(str(e).split())}"
        yield (f'{remove}\n<h1>The runs cannot be shown</h1>\n<p id="error-message">{escape(str(detail))}</p>\n'
               '</main>\n</body>\n</html>\n')
        return
    yield remove + (html[len(head):] if html.startswith(head) else _after_main(html))


def _after_main(html: str) -> str:
    """The text of a page after its ``<main>`` tag."""
    return html[html.index("<main>") + len("<main>"):]


def _runs_csv(request: Request) -> Response:
    source: Source = request.app.state.source
    table, _ = runs_table(source)
    try:
        rows = filter_table(table, **_query(request))
    except ValueError as e:
        raise HTTPException(400, str(e)) from None
    columns = table_columns(table) + ["db_path"]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows.to_dict("records"):
        w.writerow(["" if clean(r.get(c)) is None else clean(r.get(c)) for c in columns])
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="runs.csv"'})


#: The routes of this page (:func:`neural_net.ui.app.create_app` serves them).
ROUTES = [Route("/", _runs_page), Route("/runs.csv", _runs_csv)]
