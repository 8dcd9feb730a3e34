"""``neural-net compare RUN RUN ...``: parameters side by side, final and best metrics, curves on one
chart."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .exit_codes import OK
from .output import cell, display_url, plain, print_table
from .references import default_source


def command_compare(args: argparse.Namespace) -> int:
    """``neural-net compare``: print the runs' parameters side by side, their final and best
    metrics (``--plot``: draw their curves); returns 0.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.cli import build_parser
        >>> from neural_net.layers import Dense
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.db")
        >>> net = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="tiny", seed=0)
        >>> _ = net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0); net.store.close()
        >>> other = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="other", seed=1)
        >>> _ = other.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0); other.store.close()
        >>> from neural_net.cli.compare import command_compare
        >>> command_compare(build_parser().parse_args(["compare", "tiny", "other", "--from", path]))
        ... # doctest: +ELLIPSIS
        tiny: run ... (finished, 2 epochs) in .../tiny.db
        other: run ... (finished, 3 epochs) in .../tiny.db
        ...
        best loss: ...
        0
    """
    from ..db.columns import higher_is_better
    from ..db.comparison import compare_runs, run_labels
    from ..db.run import find_run, open_run

    source = args.source or default_source()
    runs = [open_run(source, find_run(source, ref)) for ref in args.runs]
    params, metrics = compare_runs(runs, args.metric)
    labels = run_labels(runs)
    key = args.metric or "loss"
    if args.plot:
        _plot_curves(runs, labels, key, args.plot)
    if args.format == "json":
        doc = {"runs": [{"label": lab, "run_id": r.run_id, "name": r.name, "database": display_url(r.db_path)}
                        for lab, r in zip(labels, runs)],
               "params": {k: {**{lab: plain(row[lab]) for lab in labels}, "differs": bool(row["differs"])}
                          for k, row in params.iterrows()},
               "metrics": {k: {lab: plain(row[lab]) for lab in labels} for k, row in metrics.iterrows()}}
        print(json.dumps(doc, ensure_ascii=False, allow_nan=False, default=str))
        return OK
    out = sys.stdout
    for lab, r in zip(labels, runs):
        out.write(f"{lab}: run {r.run_id} ({r.row.get('status')}, {r.row.get('epochs')} epochs) in "
                  f"{display_url(r.db_path)}\n")
    out.write("\nparameters (* differs)\n")
    rows = [{"": "*" if row["differs"] else "", "parameter": k, **{lab: row[lab] for lab in labels}}
            for k, row in params.iterrows()]
    print_table(rows, ["", "parameter", *labels], out)
    out.write("\nmetrics\n")
    print_table([{"metric": k, **{lab: row[lab] for lab in labels}} for k, row in metrics.iterrows()],
                ["metric", *labels], out, right=labels)
    if f"best_{key}" in metrics.index:
        best = [(lab, v) for lab, v in metrics.loc[f"best_{key}"].items() if v is not None]
        if best:  # the first of equally good runs
            lab, value = (max if higher_is_better(key) else min)(best, key=lambda item: item[1])
            out.write(f"\nbest {key}: {lab} ({cell(value)} at epoch {metrics.loc[f'best_{key}_epoch', lab]})\n")
    if args.plot:
        out.write(f"{key} curves written to {args.plot}\n")
    return OK


def _plot_curves(runs: list[Any], labels: list[str], key: str, path: str) -> None:
    """Draw the runs' ``key`` curves on one chart into the image file ``path`` (needs matplotlib)."""
    from ..plotting import INSTALL_HINT, compare_histories

    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ValueError(f"compare --plot needs matplotlib, which is not installed: {INSTALL_HINT}") from None
    fig = Figure(figsize=(7, 4.5))
    ax = compare_histories({lab: r.history() for lab, r in zip(labels, runs)}, key=key, ax=fig.subplots())
    ax.set_title(f"{key} per epoch")
    try:
        fig.savefig(path)
    except (OSError, ValueError) as e:
        raise ValueError(f"compare --plot: cannot write {path}: {e}") from e
