"""What every page of the dashboard shares: the Jinja2 environment, cell formatting, JSON for
scripts and responses, the static files' version token, and the page and error responses.

Example:
    >>> from neural_net.ui.render import fmt, to_json
    >>> fmt(0.123456), to_json({"a": float("nan")})
    ('0.1235', '{"a":null}')
"""
from __future__ import annotations

import hashlib
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from neural_net.db.times import local_text

HERE = Path(__file__).parent

env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]))


def to_json(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` block (NaN → null, ``</`` escaped).

    Example:
        >>> from neural_net.ui.render import to_json
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


def json_response(value: Any, status_code: int = 200) -> Response:
    return Response(to_json(value).replace("<\\/", "</"), status_code=status_code, media_type="application/json")


def clean(v: Any) -> Any:
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
    """A table cell as text: floats with 4 significant digits; times (a datetime, or ISO 8601
    text as SQLite returns it; naive ones are UTC, as stored) in local time to the second with
    the zone's name, as the command line shows them (:func:`neural_net.db.times.local_text`).

    Example:
        >>> import os, time
        >>> from neural_net.ui.render import fmt
        >>> os.environ["TZ"] = "Europe/Paris"; time.tzset()
        >>> fmt(0.123456), fmt(None), fmt(12), fmt(3.0e-7), fmt("2026-12-02 01:50:08.467991")
        ('0.1235', '', '12', '3e-07', '2026-12-02 02:50:08 CET')
        >>> fmt("2026-07-02T01:50:08+00:00")
        '2026-07-02 03:50:08 CEST'
        >>> del os.environ["TZ"]; time.tzset()
    """
    v = clean(v)
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, datetime):
        return local_text(v)
    if isinstance(v, str) and len(v) >= 19 and v[4] == "-" and v[10] in " T" and v[13] == ":":
        return local_text(v)  # an ISO time as SQLite returns it (text that is not one stays as it is)
    return str(v)


env.filters["fmt"] = fmt
env.filters["json"] = to_json


def static_token(directory: Path = HERE / "static") -> str:
    """A short hash of the names and contents of the static files: the ``?v=`` of their URLs,
    so that a browser caching them for a year fetches them again when one changes.

    Example:
        >>> import tempfile, pathlib
        >>> from neural_net.ui.render import static_token
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
env.globals["version"] = STATIC_TOKEN


def render_page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    html = env.get_template(template).render(request=request, nav=template.split(".")[0], **context)
    return HTMLResponse(html, status_code=status_code)


def error_page(request: Request, status: int, title: str, message: str, command: str | None = None) -> Response:
    if request.url.path.startswith("/api/"):
        return json_response({"error": message, "command": command}, status)
    return render_page(request, "error.html", status_code=status, title=title, message=message, command=command)

