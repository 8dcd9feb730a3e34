"""How the command line prints: aligned tables, CSV and JSON rows, values and URLs as shown."""
from __future__ import annotations

import csv
import json
import math
import sys
from datetime import date, datetime
from typing import Any, Sequence, TextIO

from ..db.times import local_text


def display_url(url: str) -> str:
    """A URL as shown to users: a SQLite file as its path, others without their password.

    Example:
        >>> from neural_net.cli import display_url
        >>> display_url("sqlite:////tmp/run/a.db"), display_url("postgresql+psycopg://me:secret@host/db")
        ('/tmp/run/a.db', 'postgresql+psycopg://me:***@host/db')
    """
    from ..db.engine import display_url as display

    try:
        return display(url)
    except Exception:  # noqa: BLE001 - a display helper never fails
        return url


def plain(value: Any) -> Any:
    """A value as JSON/CSV wants it: numpy scalars as Python numbers, NaN as None, times as text.

    Example:
        >>> import numpy as np
        >>> from datetime import datetime
        >>> from neural_net.cli.output import plain
        >>> plain(np.float64(0.5)), plain(float("nan")), plain(datetime(2024, 1, 2, 3, 4, 5))
        (0.5, None, '2024-01-02 03:04:05')
    """
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ")
    pd = sys.modules.get("pandas")  # a pandas value (NaT, NA) exists only once pandas is imported
    if pd is not None:
        try:
            if value is pd.NaT or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
                return None
        except (TypeError, ValueError):
            pass
    return value


def cell(value: Any, column: str = "") -> str:
    """A value as the table format shows it (floats to 6 significant digits, times to seconds).

    Example:
        >>> from neural_net.cli.output import cell
        >>> cell(0.123456789), cell(None), cell(True), cell("2024-01-02 03:04:05.123+00:00", "started_at")[:4]
        ('0.123457', '-', 'true', '2024')
    """
    value = plain(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.6g}"
    if column.endswith("_at") and isinstance(value, str):
        return local_text(value)  # stored in UTC with its zone; shown in local time with the zone's name
    return str(value)


def print_table(rows: list[dict[str, Any]], columns: list[str], out: TextIO, *,
                right: Sequence[str] = ()) -> None:
    """Print ``rows`` as an aligned text table with a header line.

    Example:
        >>> import sys
        >>> from neural_net.cli import print_table
        >>> print_table([{"run_id": 7, "loss": 0.123456789}], ["run_id", "loss"], sys.stdout, right=["run_id", "loss"])
        run_id      loss
             7  0.123457
    """
    cells = [[cell(r.get(c), c) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if c in right else v.ljust(w)
                         for v, w, c in zip(values, widths, columns)).rstrip()

    out.write(line(columns) + "\n")
    for row in cells:
        out.write(line(row) + "\n")


def write_rows(rows: list[dict[str, Any]], columns: list[str], fmt: str, out: TextIO, *,
               right: Sequence[str] = ()) -> None:
    """Write ``rows`` as ``table``, ``csv`` (full precision, empty for missing) or ``json`` (a
    list of objects, ``null`` for missing).

    Example:
        >>> import sys
        >>> from neural_net.cli import write_rows
        >>> write_rows([{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": float("nan")}], ["epoch", "loss"], "csv", sys.stdout)
        epoch,loss
        1,0.5
        2,
        >>> write_rows([{"epoch": 1, "loss": 0.5}], ["epoch", "loss"], "json", sys.stdout)
        [{"epoch": 1, "loss": 0.5}]
    """
    if fmt == "json":
        out.write(json.dumps([{c: plain(r.get(c)) for c in columns} for r in rows], ensure_ascii=False,
                             allow_nan=False) + "\n")
    elif fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if (v := plain(r.get(c))) is None else repr(v) if isinstance(v, float) else v
                        for c in columns])
    else:
        print_table(rows, columns, out, right=right)


def records(df: Any) -> list[dict[str, Any]]:
    """The rows of a DataFrame as dictionaries (column -> value), in order.

    Example:
        >>> import pandas as pd
        >>> from neural_net.cli.output import records
        >>> records(pd.DataFrame({"epoch": [1, 2], "loss": [0.5, 0.25]}))
        [{'epoch': 1, 'loss': 0.5}, {'epoch': 2, 'loss': 0.25}]
    """
    return [dict(zip(df.columns, row)) for row in df.itertuples(index=False, name=None)]


def skip_to_stderr(path: str, reason: str) -> None:
    """``on_skip`` of the catalogue: one line on stderr naming the file and the reason.

    Example:
        >>> import contextlib, io
        >>> from neural_net.cli.output import skip_to_stderr
        >>> err = io.StringIO()
        >>> with contextlib.redirect_stderr(err):
        ...     skip_to_stderr("run/a.db", "database is locked")
        >>> err.getvalue()
        'neural-net: skipping run/a.db: database is locked\\n'
    """
    reason = " ".join(str(reason).split())
    text = reason if reason.startswith(path) else f"{path}: {reason}"
    print(f"neural-net: skipping {text}", file=sys.stderr)
