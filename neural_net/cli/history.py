"""``neural-net history RUN [--follow]``: a run's loss and metrics per epoch, or each epoch as it is
committed."""
from __future__ import annotations

import argparse
import csv
import sys

from .exit_codes import OK
from .output import cell, plain, write_rows
from .references import locate


def command_history(args: argparse.Namespace) -> int:
    """``neural-net history``: print the run's values per epoch (``--follow``: as they are
    committed); returns 0.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.cli import build_parser
        >>> from neural_net.layers import Dense
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.db")
        >>> net = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="tiny", seed=0)
        >>> _ = net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0); net.store.close()
        >>> from neural_net.cli.history import command_history
        >>> command_history(build_parser().parse_args(["history", "tiny", "--from", path, "--format", "csv"]))
        ... # doctest: +ELLIPSIS
        epoch,loss,lr
        1,...,0.01
        2,...,0.01
        0
    """
    if args.follow:
        return _follow(args)
    frame = locate(args).history()
    rows = [{"epoch": int(e), **dict(zip(frame.columns, values))}
            for e, values in zip(frame.index, frame.itertuples(index=False, name=None))]
    columns = ["epoch", *frame.columns]
    if not rows and args.format == "table":
        print(f"run {args.run} has no recorded epochs")
        return OK
    write_rows(rows, columns, args.format, sys.stdout, right=columns)
    return OK


def _follow(args: argparse.Namespace) -> int:
    """``history RUN --follow``: print each epoch once it is committed, until the run is no
    longer running (finished, failed, interrupted; a dead writer counts as interrupted); Ctrl-C
    stops following (exit 0). Each poll reads the run's row (one short read); the history is
    read again only when its epoch count moved."""
    import time

    from ..db.run import open_run

    if args.format == "json":
        raise ValueError("history --follow: --format json cannot be streamed; use table or csv")
    if not args.interval > 0:
        raise ValueError(f"history --follow: --interval must be a positive number of seconds, got {args.interval}")
    run = locate(args)
    url, run_id = run.db_path, run.run_id
    printed, columns, width = 0, None, 12
    writer = csv.writer(sys.stdout, lineterminator="\n")
    seen_epochs = None
    try:
        while True:
            status = run.info_at(args.stale_after)["status"]
            if run.row.get("epochs") != seen_epochs or status != "running":
                seen_epochs = run.row.get("epochs")
                frame = run.history()
                new = frame[frame.index > printed]
                for epoch, values in zip(new.index, new.itertuples(index=False, name=None)):
                    if columns is None:
                        columns = ["epoch", *frame.columns]
                        if args.format == "csv":
                            writer.writerow(columns)
                        else:
                            print("  ".join(c.rjust(width) for c in columns))
                    row = dict(zip(frame.columns, values), epoch=int(epoch))
                    if args.format == "csv":
                        writer.writerow(["" if (v := plain(row.get(c))) is None else repr(v) if isinstance(v, float)
                                         else v for c in columns])
                    else:
                        print("  ".join(cell(row.get(c), c).rjust(width) for c in columns))
                    printed = int(epoch)
                sys.stdout.flush()
            if status != "running" and status != "created":
                print(f"run {run_id} is {status} after {printed} epochs", file=sys.stderr)
                return OK
            time.sleep(args.interval)
            run = open_run(url, run_id)
    except KeyboardInterrupt:
        print(f"stopped following run {run_id} after epoch {printed}", file=sys.stderr)
        return OK
