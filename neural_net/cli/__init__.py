"""The ``neural-net`` command (also ``python -m neural_net``): stored runs from the shell.

Sub-commands:

* ``neural-net runs [SOURCE]`` — the catalogue: one line per run of every database file of a
  run directory (or of a server): name, status, epochs, final and best loss, start time.
  ``--status``, ``--name`` (substring or glob) filter it; ``--format table|csv|json``.
* ``neural-net history RUN`` — a run's per-epoch loss and metrics; ``--follow`` prints each
  epoch as the training process commits it, until the run is no longer running.
* ``neural-net show RUN`` — a run's metadata, hyper-parameters, layers and snapshots.
* ``neural-net compare RUN RUN ... [--metric val_loss] [--plot FILE.png]`` — parameters side by
  side (differences marked), final and best metrics, the curves on one chart.
* ``neural-net export RUN... --to TARGET`` — copy runs (rows, identities, weights at every
  snapshot) to another database or a file of its own; again, it copies only what is new.
  ``--to mlflow:URI`` / ``--to tensorboard:DIR`` export them to MLflow / TensorBoard instead.
* ``neural-net import FILE.csv --to SOURCE`` — store a Keras CSVLogger file's curves as a run.
* ``neural-net db upgrade PATH`` / ``neural-net db status PATH`` — schema revisions.
* ``neural-net demo`` — train a small network on the embedded iris data, store the run and print
  the commands to try next (``runs``, ``show``, the SQL).
* ``neural-net ui [SOURCE]`` — a read-only dashboard in the browser (:mod:`neural_net.ui`; the ``ui`` extra).

* ``neural-net runs --sort -val_accuracy --where optimizer=adam --columns lr,units,val_accuracy
  --limit 10`` — with parameters and metrics as columns (:func:`neural_net.db.runs`).
* ``neural-net tag RUN key=value ...``, ``neural-net note RUN "text"``, ``neural-net rename RUN
  NAME``, ``neural-net delete RUN [--yes]`` (a file left with no run is removed).

``RUN`` is a run id (``Architecture_id``, the ``run_id`` column of ``runs``), a unique prefix
of one, ``latest`` (the run created last) or a run name.
``SOURCE`` is a run directory, a ``.db`` file or a SQLAlchemy URL; it defaults to
``$NEURAL_NET_DATABASE_URL``, else ``$NEURAL_NET_RUN_DIR``, else ``./run``.

Errors print one line to stderr, ``neural-net: <what went wrong>``, and exit with code 1 (an
unknown run or snapshot, a missing or unusable path), 2 (a database that cannot be used:
another program's file, an older schema — run ``neural-net db upgrade PATH`` — or a newer one,
a malformed value in a file, an unknown schema revision; a bad command line) or 3 (an
unexpected error: one line too; ``NEURAL_NET_DEBUG=1`` shows the traceback).

Example:
    >>> from neural_net.cli import main
    >>> main(["demo", "--epochs", "5", "--quiet", "--no-store"])
    0
"""
from __future__ import annotations

import argparse
import csv
import importlib
import json
import math
import os
import sys
import warnings
from datetime import date, datetime
from typing import Any, Callable, Sequence, TextIO

#: Exit codes.
OK, NOT_FOUND, UNUSABLE, INTERNAL = 0, 1, 2, 3

RUN_TABLE_COLUMNS = ["run_id", "name", "status", "epochs", "final_loss", "best_loss", "started_at", "parent", "db"]

EPILOG = """\
SOURCE (where runs are read) is a run directory (every *.db file in it), a .db file or a
SQLAlchemy URL such as postgresql+psycopg://user@host/db; default: $NEURAL_NET_DATABASE_URL,
else $NEURAL_NET_RUN_DIR, else ./run. RUN is a run id (the run_id column of
`neural-net runs`), a unique prefix of one, `latest` or a run name.

Exit codes: 0 success; 1 unknown run or snapshot, missing or unusable path; 2 unusable
database (another program's file, an older schema: run `neural-net db upgrade PATH`, a newer
schema, a malformed value in a file, an unknown --revision) or a bad command line; 3 an
unexpected error (NEURAL_NET_DEBUG=1 shows its traceback). Errors are one line on stderr."""


# ----- helpers ----------------------------------------------------------------------------------
def default_source() -> str:
    """Where runs are read when no SOURCE is given: ``$NEURAL_NET_DATABASE_URL``, else the run
    directory (``$NEURAL_NET_RUN_DIR``, else ``./run``).

    Example:
        >>> import os
        >>> from neural_net.cli import default_source
        >>> os.environ["NEURAL_NET_DATABASE_URL"] = "sqlite:////tmp/runs.db"
        >>> default_source()
        'sqlite:////tmp/runs.db'
        >>> del os.environ["NEURAL_NET_DATABASE_URL"]
    """
    env = os.environ.get("NEURAL_NET_DATABASE_URL")
    if env:
        return env
    from ..db.engine import default_run_dir

    return str(default_run_dir())


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


def _plain(value: Any) -> Any:
    """A value as JSON/CSV wants it: numpy scalars as Python numbers, NaN as None, times as text."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ")
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, (str, list, dict)) and pd.isna(value)):
            return None
    except (TypeError, ValueError, ImportError):
        pass
    return value


def _cell(value: Any, column: str = "") -> str:
    """A value as the table format shows it (floats to 6 significant digits, times to seconds)."""
    value = _plain(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.6g}"
    if column.endswith("_at") and isinstance(value, str):
        return value[:19]
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
    cells = [[_cell(r.get(c), c) for c in columns] for r in rows]
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
        out.write(json.dumps([{c: _plain(r.get(c)) for c in columns} for r in rows], ensure_ascii=False,
                             allow_nan=False) + "\n")
    elif fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if (v := _plain(r.get(c))) is None else repr(v) if isinstance(v, float) else v
                        for c in columns])
    else:
        print_table(rows, columns, out, right=right)


def _records(df: Any) -> list[dict[str, Any]]:
    return [dict(zip(df.columns, row)) for row in df.itertuples(index=False, name=None)]


def _skip_to_stderr(path: str, reason: str) -> None:
    """``on_skip`` of the catalogue: one line on stderr naming the file and the reason."""
    reason = " ".join(str(reason).split())
    text = reason if reason.startswith(path) else f"{path}: {reason}"
    print(f"neural-net: skipping {text}", file=sys.stderr)


# ----- commands ---------------------------------------------------------------------------------
def _demo(args: argparse.Namespace) -> int:
    from ..activation import ReLU, Softmax
    from ..architecture import Sequential
    from ..cost import CrossEntropy
    from ..init_funcs import XavierHe, zeros
    from ..layers import Activation, Fullyconnected
    from ..metrics import accuracy
    from ..pipeline import onehot, scaler
    from ..utils import IrisDatasetDownloader

    iris = IrisDatasetDownloader()
    iris.load_dataset()
    X, y = scaler(iris.data), onehot(iris.target)
    net = Sequential([Fullyconnected(4, 16, XavierHe("Uniform", "ReLU").init_func), Activation(ReLU),
                      Fullyconnected(16, 3, zeros), Activation(Softmax)], CrossEntropy,
                     store=False if args.no_store else (args.store or True), seed=0, name="iris-demo")
    net.train(X, y, epochs=args.epochs, α=0.5, metrics=accuracy, verbose=not args.quiet)
    acc = accuracy().compute(y, net.predict(X))
    if not args.quiet:
        print(f"iris: {args.epochs} epochs, final loss {net.history.history['loss'][-1]:.4f}, accuracy {acc:.3f}")
    if net.store is not None:
        net.store.close()
        print(next_commands(net.db_path, net["id"]))
    return OK


def next_commands(url: str, run_id: int) -> str:
    """What the demo prints after storing its run: where it is and the commands to try next.

    Example:
        >>> from neural_net.cli import next_commands
        >>> print(next_commands("sqlite:////tmp/run/model1.db", 42))  # doctest: +ELLIPSIS
        stored as run 42 in /tmp/run/model1.db; next, try:
          neural-net runs /tmp/run/model1.db
          neural-net show 42 --from /tmp/run/model1.db
        ...
    """
    where = display_url(url)
    quoted = f"'{where}'" if any(ch in where for ch in " ?&;*#$") else where
    sql = f"SELECT epoch, value AS loss FROM history WHERE Architecture_id = {run_id} AND split = 'train' AND name = 'loss'"
    lines = [f"stored as run {run_id} in {where}; next, try:",
             f"  neural-net runs {quoted}",
             f"  neural-net show {run_id} --from {quoted}",
             f"  neural-net history {run_id} --from {quoted}",
             f"  neural-net ui {quoted}                  # the dashboard (ui extra)"]
    if url.startswith("sqlite:///"):
        lines.append(f'  sqlite3 {quoted} "{sql}"')
    else:
        lines.append(f"  SQL: {sql}")
    lines.append(f'  python -c "import neural_net.db as db; print(db.open_run({where!r}, {run_id}).history())"')
    return "\n".join(lines)


def _runs(args: argparse.Namespace) -> int:
    from ..db.catalogue import INTEGER_COLUMNS, catalogue, runs as runs_with_columns

    source = args.source or default_source()
    options = dict(stale_after=args.stale_after, status=args.status, name=args.name, on_skip=_skip_to_stderr)
    if args.sort or args.where or args.columns:  # parameters and metrics as columns
        runs = runs_with_columns(source, where=args.where, order_by=args.sort, **options)
    else:
        runs = catalogue(source, **options)
        for c in INTEGER_COLUMNS:  # 50 in every format, not 50.0
            runs[c] = runs[c].astype("Int64")
    if args.limit is not None:
        runs = runs.head(args.limit)
    columns = None
    if args.columns:
        columns = [c.strip() for c in args.columns.split(",") if c.strip()]
        unknown = [c for c in columns if c not in runs.columns and c not in ("db", "parent")]
        if unknown:
            raise ValueError(f"--columns: no column {unknown[0]!r}; columns are {', '.join(runs.columns)}")
    rows = _records(runs)
    for r in rows:
        r["db_path"] = display_url(r["db_path"])
        r["db"] = os.path.basename(r["db_path"]) if r["db_path"].startswith("/") else r["db_path"]
        parent = _plain(r.get("parent_id"))
        r["parent"] = None if parent is None else f"{parent}@{_plain(r.get('parent_epoch'))}"  # run@epoch
    if args.format == "table":
        if not rows:
            print(f"no runs in {display_url(str(source))}" + (" match" if args.status or args.name else ""))
            return OK
        shown = columns or [c for c in RUN_TABLE_COLUMNS  # parent: when a run has one
                            if c != "parent" or any(r["parent"] is not None for r in rows)]
        print_table(rows, shown, sys.stdout,
                    right=[c for c in shown if c not in ("name", "status", "db", "db_path") and not c.endswith("_at")])
    else:
        write_rows(rows, columns or [c for c in runs.columns], args.format, sys.stdout)
    return OK


def _locate(args: argparse.Namespace) -> Any:
    """The StoredRun ``args.run`` names (an id, a unique id prefix, ``latest`` or a name)."""
    from ..db.run import find_run, open_run

    source = args.source or default_source()
    return open_run(source, find_run(source, args.run))


def _history(args: argparse.Namespace) -> int:
    if args.follow:
        return _follow(args)
    frame = _locate(args).history()
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
    run = _locate(args)
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
                        writer.writerow(["" if (v := _plain(row.get(c))) is None else repr(v) if isinstance(v, float)
                                         else v for c in columns])
                    else:
                        print("  ".join(_cell(row.get(c), c).rjust(width) for c in columns))
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


def _show(args: argparse.Namespace) -> int:
    run = _locate(args)  # located once
    info = run.info
    frame = run.history()
    layer_rows = _records(run.layers().drop(columns=["config"]))
    snap_rows = _records(run.snapshots())
    loss = frame["loss"] if "loss" in frame else None
    summary = {
        "run_id": info["Architecture_id"], "name": info.get("run_name") or info.get("name"), "status": info["status"],
        "stored_status": info["stored_status"], "epochs": info["epochs"],
        "final_loss": None if loss is None or not len(loss) else loss.iloc[-1],
        "best_loss": None if loss is None or not len(loss) else loss.min(),
        "database": display_url(info["db_path"]), "created_at": info["created_at"], "started_at": info["started_at"],
        "finished_at": info["finished_at"], "updated_at": info["updated_at"], "seed": info["seed"],
        "parent_id": info["parent_id"], "parent_epoch": info["parent_epoch"], "pid": info["pid"],
        "hostname": info["hostname"], "library_version": info["library_version"],
        "numpy_version": info["numpy_version"], "python_version": info["python_version"],
        "error": info["error"], "note": info.get("note"),
    }
    tags = run.tags
    if args.format == "json":
        doc = {"run": {k: _plain(v) for k, v in summary.items()}, "tags": tags, "hyperparams": info["hyperparams"],
               "config": info["config"],
               "layers": [{k: _plain(v) for k, v in r.items()} for r in layer_rows],
               "snapshots": [{k: _plain(v) for k, v in r.items()} for r in snap_rows]}
        print(json.dumps(doc, ensure_ascii=False, allow_nan=False, default=str))
        return OK
    out = sys.stdout
    out.write(f"run {summary['run_id']}  {summary['name']}  ({summary['status']})\n")
    shown = dict(summary)
    shown.pop("error")
    if shown["parent_id"] is not None:
        shown["parent"] = f"run {shown['parent_id']} at epoch {shown['parent_epoch']}"
    for k in ("run_id", "name", "status", "parent_id", "parent_epoch"):
        shown.pop(k)
    if shown["stored_status"] == summary["status"]:
        shown.pop("stored_status")
    if summary["pid"] is not None:
        shown["process"] = f"pid {summary['pid']} on {summary['hostname']}"
    for k in ("pid", "hostname"):
        shown.pop(k)
    hyper = info["hyperparams"] or {}
    opt = hyper.get("optimizer") or {}
    if opt:
        config = ", ".join(f"{k}={v}" for k, v in (opt.get("config") or {}).items())
        shown["optimizer"] = f"{opt.get('name')}({config})"
    for k in ("batch_size", "metrics", "samples"):
        if hyper.get(k) not in (None, []):
            shown[k] = ", ".join(hyper[k]) if isinstance(hyper[k], list) else hyper[k]
    if hyper.get("params"):
        shown["params"] = json.dumps(hyper["params"], ensure_ascii=False)
    if tags:
        shown["tags"] = ", ".join(f"{k}={v}" for k, v in tags.items())
    if shown.get("note") is None:
        shown.pop("note")
    width = max(len(k) for k in shown)
    for k, v in shown.items():
        out.write(f"  {k.ljust(width)}  {_cell(v, k)}\n")
    if summary["error"]:
        last = [ln for ln in str(summary["error"]).strip().splitlines() if ln.strip()]
        out.write(f"  {'error'.ljust(width)}  {last[-1] if last else ''}\n")
    out.write("\nlayers\n")
    print_table(layer_rows, ["position", "name", "n_in", "n_out", "neurons", "Layer_id", "Neurons_id"], out,
                right=["position", "n_in", "n_out", "Layer_id", "Neurons_id"])
    out.write("\nsnapshots\n")
    print_table(snap_rows, ["seq", "epoch", "tag", "n_params", "created_at"], out, right=["seq", "epoch", "n_params"])
    return OK


def _compare(args: argparse.Namespace) -> int:
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
               "params": {k: {**{lab: _plain(row[lab]) for lab in labels}, "differs": bool(row["differs"])}
                          for k, row in params.iterrows()},
               "metrics": {k: {lab: _plain(row[lab]) for lab in labels} for k, row in metrics.iterrows()}}
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
            out.write(f"\nbest {key}: {lab} ({_cell(value)} at epoch {metrics.loc[f'best_{key}_epoch', lab]})\n")
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


def _export(args: argparse.Namespace) -> int:
    from .interop import is_foreign_target, run_foreign_export
    from ..db.run import find_run
    from ..db.transfer import copy_run

    source = args.source or default_source()
    args.run = [find_run(source, ref) for ref in args.run]  # ids, each reference checked first
    if is_foreign_target(args.to):  # mlflow:URI, tensorboard:DIR
        return run_foreign_export(args, source)
    for rid in args.run:
        print(copy_run(source, rid, args.to, with_parents=args.with_parents))
    return OK


def _tag(args: argparse.Namespace) -> int:
    run = _locate(args)
    for item in args.tags:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"tag: expected key=value (key= removes the tag), got {item!r}")
        run.set_tag(key.strip(), value if value != "" else None)
    shown = ", ".join(f"{k}={v}" for k, v in run.tags.items()) or "none"
    print(f"run {run.run_id}: tags {shown}")
    return OK


def _note(args: argparse.Namespace) -> int:
    run = _locate(args)
    run.set_note(args.text if args.text else None)
    print(f"run {run.run_id}: " + (f"note set ({len(args.text)} characters)" if args.text else "note cleared"))
    return OK


def _rename(args: argparse.Namespace) -> int:
    run = _locate(args)
    old = run.name
    run.rename(args.name)
    print(f"run {run.run_id}: renamed {old!r} to {args.name!r}")
    return OK


def _delete(args: argparse.Namespace) -> int:
    run = _locate(args)
    what = f"run {run.run_id} ({run.name!r}, {run.row.get('status')}, {run.row.get('epochs')} epochs) from " \
           f"{display_url(run.db_path)}"
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValueError(f"refusing to delete {what} without --yes (standard input is not a terminal)")
        if input(f"delete {what}? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return OK
    removed = run.delete(remove_empty_file=True)
    print(f"deleted {what}" + ("; the file held no other run and was removed" if removed else ""))
    return OK


def _db_targets(path: str) -> list[str]:
    """The database URLs ``db upgrade``/``db status`` act on: a URL, a file, a directory's files
    (:func:`~neural_net.db.engine.sources`, but a missing file is a target too)."""
    from ..db.engine import sources, sqlite_url
    from ..db.errors import StorePathError

    try:
        return sources(path)
    except StorePathError:  # no such file: `db upgrade` creates it, `db status` reports it missing
        return [sqlite_url(path)]


def _db_upgrade(args: argparse.Namespace) -> int:
    from ..db.engine import database_state, upgrade
    from ..db.errors import StoreError

    targets = _db_targets(args.path)
    many = len(targets) > 1 or os.path.isdir(os.path.expanduser(args.path))
    if not targets:
        print(f"no database files in {args.path}")
        return OK
    code = OK
    for url in targets:
        where = display_url(url)
        try:
            before = database_state(url)
            after = upgrade(url, args.revision)
        except StoreError as e:
            if not many:
                raise
            _skip_to_stderr(where, str(e))
            code = UNUSABLE
            continue
        if before.kind == "missing":
            print(f"created {where} at schema revision {after}")
        elif before.revision == after:
            print(f"{where} is already at schema revision {after}: nothing to do")
        elif before.revision is None:
            print(f"{where}: created the schema at revision {after}")
        else:
            print(f"upgraded {where} from schema revision {before.revision} to {after}")
    return code


def _db_status(args: argparse.Namespace) -> int:
    from ..db.engine import database_state
    from ..db.errors import NotANeuralNetDatabase, StorePathError
    from ..db.migrate import head_revision

    targets = _db_targets(args.path)
    if not targets:
        print(f"no database files in {args.path}")
        return OK
    head = head_revision()
    code = OK
    for url in targets:
        where = display_url(url)
        try:
            state = database_state(url)
        except (NotANeuralNetDatabase, StorePathError) as e:
            print(f"{where}: unusable: {' '.join(str(e).split())}")
            code = UNUSABLE
            continue
        if state.kind == "current":
            line = f"current (revision {state.revision}, the newest this neural_net knows)"
        elif state.kind == "outdated":
            line = f"outdated (revision {state.revision}; newest {head}): run `neural-net db upgrade {where}`"
            code = max(code, NOT_FOUND)
        elif state.kind == "newer":
            line = f"newer (revision {state.revision!r}, unknown here; newest known {head}): upgrade neural_net"
            code = UNUSABLE
        elif state.kind == "foreign":
            line = f"foreign: {state.detail}"
            code = UNUSABLE
        elif state.kind == "missing":
            line = "missing (no database file yet)"
            code = max(code, NOT_FOUND)
        else:
            line = "empty (no tables yet; the store creates them on first use)"
        print(f"{where}: {line}")
    return code


# ----- parser -----------------------------------------------------------------------------------
def _run_ref(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("RUN must be a run id, a unique prefix of one, 'latest' or a run name")
    return text.strip()


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _status(text: str) -> str:
    from ..db.catalogue import STATUSES

    values = [v.strip() for v in text.split(",") if v.strip()]
    bad = [v for v in values if v not in STATUSES]
    if bad or not values:
        raise argparse.ArgumentTypeError(f"unknown status {(bad or [text])[0]!r}; statuses are {', '.join(STATUSES)} "
                                          "(several: comma-separated)")
    return ",".join(values)


def _source_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", "--source", dest="source", metavar="SOURCE",
                   help="run directory, .db file or database URL (default: $NEURAL_NET_DATABASE_URL, "
                        "$NEURAL_NET_RUN_DIR or ./run)")


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit code 2).

    Example:
        >>> from neural_net.cli import Parser
        >>> Parser(prog="neural-net").format_usage().startswith("usage: neural-net")
        True
    """

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.exit(UNUSABLE, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``neural-net`` (sub-commands register themselves here).

    Example:
        >>> from neural_net.cli import build_parser
        >>> args = build_parser().parse_args(["runs", "run/", "--status", "finished", "--format", "json"])
        >>> args.command, args.source, args.status, args.format
        ('runs', 'run/', 'finished', 'json')
        >>> build_parser().parse_args(["runs", "--sort=-val_accuracy", "--where", "optimizer=adam"]).sort
        ['-val_accuracy']
    """
    from .. import __version__
    from .interop import add_export_options, add_import_command

    parser = Parser(
        prog="neural-net", formatter_class=_formatter, epilog=EPILOG,
        description="neural_net's command line: list, inspect, export and upgrade the runs stored in SQL "
                    "databases (SQLite files or a server), and a demo.")
    parser.add_argument("--version", action="version", version=f"neural-net {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    runs = sub.add_parser(
        "runs", help="list the runs of a run directory, a .db file or a server", formatter_class=_formatter,
        description="One line per run across every database file of a run directory (or a .db file, or a "
                    "server): run id, name, status, epochs, final and best training loss, start time, file. "
                    "Files that cannot be read (locked, corrupt, another program's) are reported on stderr "
                    "and skipped.",
        epilog="examples:\n  neural-net runs run/ --status finished\n  neural-net runs --name 'mnist-*' "
               "--format json\n  neural-net runs postgresql+psycopg://me@host/db --format csv > runs.csv")
    runs.add_argument("source", nargs="?", metavar="SOURCE",
                      help="run directory, .db file or database URL (default: $NEURAL_NET_DATABASE_URL, "
                           "$NEURAL_NET_RUN_DIR or ./run)")
    runs.add_argument("--status", type=_status, metavar="STATUS",
                      help="only runs with this status: created, running, finished, failed, interrupted "
                           "(several: comma-separated)")
    runs.add_argument("--name", metavar="PATTERN",
                      help="only runs whose name contains PATTERN, or matches it as a glob (*, ?, [...]); "
                           "case-insensitive")
    runs.add_argument("--format", choices=["table", "csv", "json"], default="table",
                      help="table (default), csv or json (a list of objects with every column)")
    runs.add_argument("--stale-after", type=float, metavar="SECONDS",
                      help="show runs of other hosts whose heartbeat is older than this as interrupted")
    runs.add_argument("--sort", metavar="COLUMN", action="append",
                      help="sort by a column (a metric or parameter too); -COLUMN for descending; repeatable")
    runs.add_argument("--where", metavar="COND", action="append",
                      help="keep runs matching COND: column=value (also !=, >, <, >=, <=; several: comma-separated "
                           "or repeated), e.g. optimizer=adam")
    runs.add_argument("--columns", metavar="A,B,...",
                      help="columns to show (parameters such as lr, units; metrics such as loss, val_accuracy, "
                           "best_val_accuracy)")
    runs.add_argument("--limit", type=_positive, metavar="N", help="show the first N runs only")
    runs.set_defaults(func=_runs)

    hist = sub.add_parser("history", help="a run's loss and metrics per epoch", formatter_class=_formatter,
                          description="The run's per-epoch values: loss, metrics, validation values, learning "
                                      "rate (one row per epoch).",
                          epilog="example:\n  neural-net history 1234567890 --from run/ --format csv")
    hist.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    _source_option(hist)
    hist.add_argument("--format", choices=["table", "csv", "json"], default="table",
                      help="table (default), csv or json (a list of objects, one per epoch)")
    hist.add_argument("--follow", "-f", action="store_true",
                      help="keep printing each epoch as the training process commits it, until the run is no "
                           "longer running (Ctrl-C stops following)")
    hist.add_argument("--interval", type=float, default=1.0, metavar="SECONDS",
                      help="with --follow: seconds between two reads (default 1)")
    hist.add_argument("--stale-after", type=float, metavar="SECONDS",
                      help="with --follow: stop when a run of another host has sent no heartbeat for this long")
    hist.set_defaults(func=_history)

    show = sub.add_parser("show", help="a run's metadata, hyper-parameters, layers and snapshots",
                          formatter_class=_formatter,
                          description="Everything stored about one run except its weights: status, times, "
                                      "process, optimizer and hyper-parameters, parent run, layers, snapshots.")
    show.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    _source_option(show)
    show.add_argument("--format", choices=["table", "json"], default="table",
                      help="text (default) or json (with the full configuration)")
    show.set_defaults(func=_show)

    export = sub.add_parser(
        "export", help="copy a run to another database or to a file of its own", formatter_class=_formatter,
        description="Copy a run with every row it owns (layers, neurons, cost and metric rows, weights at every "
                    "snapshot, metadata, status, parent link), keeping its ids, to TARGET: a SQLAlchemy URL "
                    "(e.g. PostgreSQL), a .db file (created if new) or a directory (a file run-RUN.db in it). "
                    "Exporting again copies only what is new; a run already there is reported, not duplicated. "
                    "TARGET mlflow:TRACKING_URI logs each run to MLflow (needs the mlflow extra), "
                    "tensorboard:DIR writes TensorBoard event files (needs the tensorboard extra).",
        epilog="examples:\n  neural-net export 1234567890 --to postgresql+psycopg://me@host/db\n"
               "  neural-net export 1234567890 --from run/ --to best.db\n"
               "  neural-net export 12 34 56 --from sweep.db --to mlflow:sqlite:///mlruns.db --experiment sweep\n"
               "  neural-net export 12 34 56 --from sweep.db --to tensorboard:tb/")
    export.add_argument("run", type=_run_ref, nargs="+", metavar="RUN",
                        help="run id, unique prefix of one, 'latest' or run name (several: one after another)")
    export.add_argument("--to", required=True, metavar="TARGET",
                        help="database URL, .db path or directory; mlflow:TRACKING_URI (e.g. "
                             "mlflow:sqlite:///mlruns.db); tensorboard:DIR")
    _source_option(export)
    export.add_argument("--with-parents", action="store_true",
                        help="also copy the runs this one was resumed from (parent_id), when SOURCE has them")
    add_export_options(export)
    export.set_defaults(func=_export)

    cmp_ = sub.add_parser("compare", help="runs side by side: parameters (differences marked), final and best "
                                          "metrics, curves on one chart", formatter_class=_formatter,
                          description="Compare two or more runs: their parameters side by side (a * marks those "
                                      "that differ), the final and best value of each metric and its epoch, which "
                                      "run is best by --metric; --plot draws the metric's curves on one chart "
                                      "(needs matplotlib: the plot extra).",
                          epilog="examples:\n  neural-net compare sgd-2 adam-4 --from run/ --metric val_loss\n"
                                 "  neural-net compare 1234 5678 9012 --plot curves.png")
    cmp_.add_argument("runs", nargs="+", type=_run_ref, metavar="RUN",
                      help="two or more runs: id, unique prefix of one, 'latest' or run name")
    _source_option(cmp_)
    cmp_.add_argument("--metric", metavar="NAME",
                      help="show only this metric (loss, val_loss, accuracy, ...) and name the best run by it; "
                           "the one plotted (default: every metric shown, loss plotted)")
    cmp_.add_argument("--plot", metavar="FILE.png", help="write the metric's curves of every run to this image")
    cmp_.add_argument("--format", choices=["table", "json"], default="table",
                      help="table (default) or json")
    cmp_.set_defaults(func=_compare)

    tag = sub.add_parser("tag", help="set tags of a run (key=value; key= removes one)", formatter_class=_formatter,
                         description="Set tags of a run: KEY=VALUE pairs (KEY= removes the tag). Tags are rows of "
                                     "the tag table (SELECT ... JOIN tag ...).")
    tag.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    tag.add_argument("tags", nargs="+", metavar="KEY=VALUE")
    _source_option(tag)
    tag.set_defaults(func=_tag)

    note = sub.add_parser("note", help="describe a run in a sentence", formatter_class=_formatter,
                          description="Set the run's note (Architecture.note); an empty TEXT clears it.")
    note.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    note.add_argument("text", metavar="TEXT")
    _source_option(note)
    note.set_defaults(func=_note)

    ren = sub.add_parser("rename", help="give a run a name", formatter_class=_formatter,
                         description="Set the run's name (what `neural-net runs` shows and --name matches).")
    ren.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    ren.add_argument("name", metavar="NAME", help="the new name")
    _source_option(ren)
    ren.set_defaults(func=_rename)

    dele = sub.add_parser("delete", help="delete a run and every row it owns", formatter_class=_formatter,
                          description="Delete the run (layers, costs, metrics, snapshots, weights). A SQLite file "
                                      "left with no run is removed. Asks first unless --yes.")
    dele.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    _source_option(dele)
    dele.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    dele.set_defaults(func=_delete)

    add_import_command(sub, _formatter, default_source)

    dbp = sub.add_parser("db", help="database schema: status and upgrade", formatter_class=_formatter,
                         description="Schema revisions of neural_net databases (Alembic migrations shipped with "
                                     "the package).")
    dbsub = dbp.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = dbsub.add_parser("upgrade", help="upgrade a database (or every .db file of a directory) to the newest "
                                          "schema", formatter_class=_formatter,
                          description="Bring a database made by an older neural_net to the newest schema revision "
                                      "(a missing file is created). Another program's database is refused and "
                                      "left untouched.")
    up.add_argument("path", metavar="PATH", help=".db file, directory of .db files, or database URL")
    up.add_argument("--revision", default="head", help="target revision (default: head, the newest)")
    up.set_defaults(func=_db_upgrade)
    st = dbsub.add_parser("status", help="the schema revision of a database (or of every .db file of a directory)",
                          formatter_class=_formatter,
                          description="Print each database's state: current, outdated (needs `neural-net db "
                                      "upgrade`), newer, foreign, empty or missing. Exit code 0 when every "
                                      "database is usable as it is (current or empty), 1 when one needs an "
                                      "upgrade or is missing, 2 when one is unusable.")
    st.add_argument("path", metavar="PATH", help=".db file, directory of .db files, or database URL")
    st.set_defaults(func=_db_status)

    demo = sub.add_parser("demo", help="train a small network on the embedded iris data",
                          description="Train a 4-16-3 network on the iris data embedded in the package, store the "
                                      "run (--no-store: do not) and print the commands to look at it next.")
    demo.add_argument("--epochs", type=int, default=300)
    demo.add_argument("--store", metavar="TARGET", default=None,
                      help="where to store the run: a directory, .db file or SQLAlchemy URL (default: "
                           "$NEURAL_NET_DATABASE_URL, else a new file in $NEURAL_NET_RUN_DIR or ./run)")
    demo.add_argument("--no-store", action="store_true", help="do not store the run")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(func=_demo)

    ui = sub.add_parser("ui", help="the dashboard in a web browser (needs the ui extra)", formatter_class=_formatter,
                        description="Serve a read-only dashboard of the runs of SOURCE on http://127.0.0.1:5150/.")
    _ui_command().add_arguments(ui)
    ui.set_defaults(func=lambda args: _ui_command().run(argparse.Namespace(**{**vars(args), "source": args.source
                                                                               or default_source()})))
    return parser


def _ui_command() -> Any:
    """neural_net.ui.command, imported by name (it needs nothing of the ui extra to load)."""
    return importlib.import_module("neural_net.ui.command")


# ----- entry point ------------------------------------------------------------------------------
def _one_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None)  # SQLAlchemy: the driver's message without the SQL and links
    text = str(orig if orig is not None else e).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return "; ".join(lines) if len(lines) <= 3 else lines[0]


def _exit_code(e: BaseException) -> int | None:
    from ..db.errors import RunNotFound, SnapshotNotFound, StoreError, StorePathError

    if isinstance(e, (RunNotFound, SnapshotNotFound, StorePathError)):
        return NOT_FOUND
    if isinstance(e, (StoreError, ValueError)):  # ValueError: a bad value given on the command line
        return UNUSABLE
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(e, SQLAlchemyError):
        return UNUSABLE
    return None


def _show_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None,
                  line: Any = None) -> None:
    text = " ".join(str(message).split())
    text = text[len("neural_net.db: "):] if text.startswith("neural_net.db: ") else text
    print(f"neural-net: warning: {text}", file=sys.stderr)


def _glue_sort_values(argv: list[str]) -> list[str]:
    """``--sort -val_accuracy`` as ``--sort=-val_accuracy`` (argparse would take the descending
    column for an option)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--sort" and i + 1 < len(argv) and argv[i + 1].startswith("-") and len(argv[i + 1]) > 1:
            out.append(f"--sort={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit code.

    Example:
        >>> import os, tempfile
        >>> from neural_net.cli import main
        >>> path = os.path.join(tempfile.mkdtemp(), "runs.db")
        >>> main(["db", "upgrade", path])  # doctest: +ELLIPSIS
        created .../runs.db at schema revision 0003
        0
        >>> main(["runs", path, "--format", "json"])
        []
        0
    """
    args = build_parser().parse_args(_glue_sort_values(list(sys.argv[1:] if argv is None else argv)))
    func: Callable[[argparse.Namespace], int] = args.func
    previous = warnings.showwarning
    warnings.showwarning = _show_warning  # library warnings as one line, not file:line: source
    try:
        return int(func(args))
    except KeyboardInterrupt:
        print("neural-net: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `neural-net runs | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:  # pragma: no cover
            pass
        return OK
    except Exception as e:  # noqa: BLE001 - every error becomes one line and an exit code
        code = _exit_code(e)
        if code is None:
            if os.environ.get("NEURAL_NET_DEBUG"):
                raise
            print(f"neural-net: unexpected error: {type(e).__name__}: {_one_line(e)} (NEURAL_NET_DEBUG=1 shows "
                  "the traceback)", file=sys.stderr)
            return INTERNAL
        print(f"neural-net: {_one_line(e)}", file=sys.stderr)
        return code
    finally:
        warnings.showwarning = previous


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
