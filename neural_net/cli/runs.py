"""``neural-net runs [SOURCE]``: the catalogue, one line per run (parameters and metrics as columns
with ``--sort``, ``--where``, ``--columns``).

Over a run directory the command keeps what it read from each file in a cache
(:mod:`neural_net.db.catalogue_cache`: ``$NEURAL_NET_CACHE_DIR``, else
``$XDG_CACHE_HOME/neural_net`` or ``~/.cache/neural_net``; ``NEURAL_NET_CACHE_DIR=''`` turns it
off), so that a repeated call reads only the files that changed."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Iterable

from .exit_codes import OK
from .output import display_url, plain, print_table, records, skip_to_stderr, write_rows
from .references import default_source


RUN_TABLE_COLUMNS = ["run_id", "name", "status", "epochs", "final_loss", "best_loss", "started_at", "parent", "db"]


def shown_paths(urls: Iterable[str]) -> list[str]:
    """:func:`~neural_net.cli.output.display_url` of each URL, the files of a directory resolved
    with their directory once (not one URL parse and path resolution per file: a run directory
    may hold thousands).

    Example:
        >>> import os, tempfile
        >>> from neural_net.cli.output import display_url
        >>> from neural_net.cli.runs import shown_paths
        >>> d = os.path.realpath(tempfile.mkdtemp())
        >>> urls = [f"sqlite:///{d}/a.db", f"sqlite:///{d}/../b%3F.db", "postgresql://me:pw@host/db"]
        >>> shown_paths(urls) == [display_url(u) for u in urls]
        True
    """
    from ..db.catalogue_files import file_of

    parents: dict[str, str] = {}
    shown = []
    for url in urls:
        path = file_of(url) if url.startswith("sqlite:////") and "?" not in url and "%" not in url else None
        if path is None or os.path.normpath(path) != path or os.path.islink(path):
            shown.append(display_url(url))
            continue
        parent, name = os.path.split(path)
        if parent not in parents:
            parents[parent] = os.path.realpath(parent)
        shown.append(os.path.join(parents[parent], name))
    return shown


def command_runs(args: argparse.Namespace) -> int:
    """``neural-net runs``: print the catalogue of ``args.source``; returns 0.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.cli import build_parser
        >>> from neural_net.layers import Dense
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.db")
        >>> net = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="tiny", seed=0)
        >>> _ = net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0); net.store.close()
        >>> from neural_net.cli.runs import command_runs
        >>> command_runs(build_parser().parse_args(["runs", path, "--columns", "name,status,epochs"]))
        name  status    epochs
        tiny  finished       2
        0
    """
    source = args.source or default_source()
    options = dict(stale_after=args.stale_after, status=args.status, name=args.name, on_skip=skip_to_stderr,
                   cache=True)  # a run directory: only the files that changed are read again
    if args.sort or args.where or args.columns:  # parameters and metrics as columns (a DataFrame)
        from ..db.catalogue import runs as runs_with_columns

        runs = runs_with_columns(source, where=args.where, order_by=args.sort, **options)
        if args.limit is not None:
            runs = runs.head(args.limit)
        names = list(runs.columns)
        rows = records(runs)
    else:  # the catalogue's plain rows: no numpy, pandas or SQLAlchemy for a run directory
        from ..db.catalogue_rows import RUN_COLUMNS, catalogue_records

        rows = catalogue_records(source, **options)[:args.limit]
        names = list(RUN_COLUMNS)
    columns = None
    if args.columns:
        columns = [c.strip() for c in args.columns.split(",") if c.strip()]
        unknown = [c for c in columns if c not in names and c not in ("db", "parent")]
        if unknown:
            raise ValueError(f"--columns: no column {unknown[0]!r}; columns are {', '.join(names)}")
    for r, shown in zip(rows, shown_paths([r["db_path"] for r in rows])):
        r["db_path"] = shown
        r["db"] = os.path.basename(r["db_path"]) if r["db_path"].startswith("/") else r["db_path"]
        parent = plain(r.get("parent_id"))
        r["parent"] = None if parent is None else f"{parent}@{plain(r.get('parent_epoch'))}"  # run@epoch
    if args.format == "table":
        if not rows:
            where = display_url(str(source)) if "://" in str(source) else str(source)  # a path: as typed
            print(f"no runs in {where}" + (" match" if args.status or args.name else ""))
            return OK
        shown = columns or [c for c in RUN_TABLE_COLUMNS  # parent: when a run has one
                            if c != "parent" or any(r["parent"] is not None for r in rows)]
        print_table(rows, shown, sys.stdout,
                    right=[c for c in shown if c not in ("name", "status", "db", "db_path") and not c.endswith("_at")])
    else:
        write_rows(rows, columns or names, args.format, sys.stdout)
    return OK
