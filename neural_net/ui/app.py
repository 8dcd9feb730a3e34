"""The dashboard's web application: a Starlette app over :mod:`neural_net.ui.data`.

=============================================  ===============================================
``GET /``                                      the runs table (``q``, ``status``, ``tag``,
                                               ``where``, ``sort``, ``page``, ``per``)
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

Speed of the first byte: the server reads the runs table in the background from start-up, and a
runs page whose table is not read within 0.2 s is streamed (:mod:`neural_net.ui.runs_page`); for
a database server, start-up first reads the first page alone (``ORDER BY ... LIMIT``), which such
a page shows until the whole table replaces it.
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

import threading
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

import neural_net.db as db

from . import compare_page, run_page, runs_page
from .data import Source, UnknownRun
from .render import HERE, STATIC_TOKEN, error_page


def _upgrade_command(message: str) -> str | None:
    start = message.find("`neural-net db upgrade")
    if start < 0:
        return None
    end = message.find("`", start + 1)
    return message[start + 1:end] if end > start else None


async def _on_unknown_run(request: Request, exc: Exception) -> Response:
    return error_page(request, 404, "Run not found", str(exc).strip("'\""))


async def _on_outdated(request: Request, exc: Exception) -> Response:
    return error_page(request, 409, "Database schema is outdated", str(exc), _upgrade_command(str(exc)))


async def _on_store_error(request: Request, exc: Exception) -> Response:
    status = 404 if isinstance(exc, (db.RunNotFound, db.SnapshotNotFound, db.StorePathError)) else 500
    return error_page(request, status, "The store cannot be read", " ".join(str(exc).split()))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title = {404: "Not found", 400: "Bad request"}.get(exc.status_code, "Error")
    detail = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else f"no page at {request.url.path}"
    return error_page(request, exc.status_code, title, str(detail))


async def _on_other(request: Request, exc: Exception) -> Response:
    return error_page(request, 500, "Internal error", f"{type(exc).__name__}: {' '.join(str(exc).split())[:500]}")


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

    ``poll_ms`` is the live page's poll interval; ``warm`` starts reading the runs table in a
    background thread, so that the first page finds it read or being read.

    Example:
        >>> from neural_net.ui.app import create_app
        >>> import tempfile
        >>> [r.path for r in create_app(tempfile.mkdtemp()).routes][:3]
        ['/', '/runs.csv', '/runs/{run_id:int}']
    """
    src = source if isinstance(source, Source) else Source(source)
    routes = runs_page.ROUTES + run_page.ROUTES + compare_page.ROUTES + [
        Mount("/static", app=Static(directory=str(HERE / "static")), name="static"),
    ]
    handlers = {UnknownRun: _on_unknown_run, db.SchemaOutdated: _on_outdated, db.StoreError: _on_store_error,
                HTTPException: _on_http, Exception: _on_other}
    # gzip: HTML, JSON and the scripts (1.5 MB of plotly.js → 0.5 MB), not the 300-byte answers
    middleware = [Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)]
    app = Starlette(routes=routes, exception_handlers=handlers, middleware=middleware)  # type: ignore[arg-type]
    app.state.source = src
    app.state.poll_ms = int(poll_ms)
    if warm:  # in the background: the server answers (and prints its URL) meanwhile
        threading.Thread(target=_warm, args=(src,), name="neural_net.ui.warm", daemon=True).start()
    return app


def _warm(source: Source) -> None:
    try:  # a database server's first page first (ORDER BY ... LIMIT): the first runs page shows it
        source.first_runs(runs_page.PER_PAGE)
    except Exception:  # noqa: BLE001 - the whole table's read says what is wrong
        pass
    try:
        source.runs()
    except Exception:  # noqa: BLE001 - the first page that needs the table shows the error
        pass
