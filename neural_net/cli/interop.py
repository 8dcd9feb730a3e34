"""The command line's doors to other tools: ``neural-net export RUN... --to mlflow:URI`` /
``--to tensorboard:DIR`` and ``neural-net import FILE.csv --to SOURCE``.

:mod:`neural_net.cli` registers these (the ``import`` sub-command, the export options) and
hands ``export`` targets that start with ``mlflow:`` or ``tensorboard:`` to
:func:`run_foreign_export`; the work is done by :func:`neural_net.db.to_mlflow`,
:func:`neural_net.db.to_tensorboard` and :func:`neural_net.db.import_history`.

Example:
    >>> import os, tempfile
    >>> from neural_net.cli import main
    >>> folder = tempfile.mkdtemp(); log = os.path.join(folder, "training.log")
    >>> with open(log, "w") as f:
    ...     _ = f.write("epoch,loss,val_loss\\n0,0.9,1.0\\n1,0.5,0.7\\n")
    >>> main(["import", log, "--to", os.path.join(folder, "keras.db"), "--param", "units=32"])  # doctest: +ELLIPSIS
    imported 2 epochs of .../training.log as run ... into .../keras.db
    0
"""
from __future__ import annotations

import argparse
import json
from typing import Any, Callable

from .exit_codes import OK
from .references import default_source

FOREIGN = ("mlflow:", "tensorboard:")


def is_foreign_target(target: str) -> bool:
    """True for an ``export --to`` target of another tool (``mlflow:...``, ``tensorboard:...``).

    Example:
        >>> from neural_net.cli.interop import is_foreign_target
        >>> is_foreign_target("mlflow:sqlite:///mlruns.db"), is_foreign_target("best.db")
        (True, False)
    """
    return isinstance(target, str) and target.startswith(FOREIGN)


def _param(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"--param takes KEY=VALUE, got {text!r}")
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value
    return key.strip(), parsed


def _snapshots(text: str) -> Any:
    if text in ("final", "all", "none"):
        return text
    try:
        return [int(e) for e in text.split(",") if e.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--snapshots takes final, all, none or epochs such as 10,20; got {text!r}") \
            from None


def add_export_options(export: argparse.ArgumentParser) -> None:
    """The options of ``neural-net export`` that only MLflow and TensorBoard targets use.

    Example:
        >>> import argparse
        >>> from neural_net.cli.interop import add_export_options
        >>> p = argparse.ArgumentParser(); add_export_options(p)
        >>> p.parse_args(["--snapshots", "10,20", "--experiment", "sweep"]).snapshots
        [10, 20]
    """
    export.add_argument("--experiment", metavar="NAME",
                        help="mlflow: the experiment (default: the source's name)")
    export.add_argument("--snapshots", type=_snapshots, default="final", metavar="WHICH",
                        help="mlflow: weights attached as artifacts: final (default), all, none or epochs E,E")


def add_import_command(sub: Any, formatter: Callable[[str], argparse.HelpFormatter],
                       default_source: Callable[[], str]) -> argparse.ArgumentParser:
    """Register ``neural-net import`` on the sub-command parsers ``sub``.

    Example:
        >>> import argparse
        >>> from neural_net.cli.interop import add_import_command
        >>> parser = argparse.ArgumentParser(); sub = parser.add_subparsers(dest="command")
        >>> _ = add_import_command(sub, argparse.HelpFormatter, lambda: "run")
        >>> args = parser.parse_args(["import", "log.csv", "--name", "baseline"]); args.file, args.name
        ('log.csv', 'baseline')
    """
    p = sub.add_parser(
        "import", help="store a Keras CSVLogger file (or any CSV of curves) as a run", formatter_class=formatter,
        description="Store the training curves of a CSV file — written by Keras' CSVLogger: an epoch column and "
                    "one column per curve (loss, accuracy, val_loss, ...) — as a finished run without weights, "
                    "read by `neural-net runs`, `history` and SQL like any other. Keras epochs count from 0; "
                    "stored epochs count from 1.",
        epilog="examples:\n  neural-net import training.log --to run/\n"
               "  neural-net import training.log --to keras.db --name baseline --param units=64")
    p.add_argument("file", metavar="FILE.csv", help="the CSV file")
    p.add_argument("--to", metavar="SOURCE",
                   help="a .db file, a run directory (a new file in it) or a database URL (default: "
                        "$NEURAL_NET_DATABASE_URL, $NEURAL_NET_RUN_DIR or ./run)")
    p.add_argument("--name", help="the run's name (default: the file's name)")
    p.add_argument("--param", type=_param, action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter kept with the run (VALUE read as JSON when it parses: 64, 0.1, true)")
    p.set_defaults(func=lambda args: run_import(args, default_source))
    return p


def run_import(args: argparse.Namespace, default_source: Callable[[], str]) -> int:
    """``neural-net import``: store the file's curves, print where; returns 0.

    Example:
        >>> import argparse, os, tempfile
        >>> from neural_net.cli.interop import run_import
        >>> folder = tempfile.mkdtemp(); log = os.path.join(folder, "log.csv")
        >>> with open(log, "w") as f:
        ...     _ = f.write("epoch,loss\\n0,1.0\\n")
        >>> args = argparse.Namespace(file=log, to=os.path.join(folder, "k.db"), name="k", param=[])
        >>> run_import(args, default_source=lambda: folder)  # doctest: +ELLIPSIS
        imported 1 epoch of .../log.csv as run ... into .../k.db
        0
    """
    from ..db.engine import resolve_url
    from ..db.history_import import import_history
    from ..db.readers import run_info

    url = resolve_url(args.to or default_source())
    rid = import_history(args.file, store=url, name=args.name, params=dict(args.param) or None)
    info = run_info(url, rid)
    shown = url[len("sqlite:///"):] if url.startswith("sqlite:///") else url
    n = int(info["epochs"])
    print(f"imported {n} epoch{'' if n == 1 else 's'} of {args.file} as run {rid} into {shown}")
    return 0


def run_foreign_export(args: argparse.Namespace, source: str) -> int:
    """``neural-net export RUN... --to mlflow:URI|tensorboard:DIR``; prints one line per run.

    Example:
        >>> import argparse, os, tempfile
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.cli.interop import run_foreign_export
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://", name="tiny")
        >>> logdir = tempfile.mkdtemp()
        >>> run_foreign_export(argparse.Namespace(run=[net['id']], to="tensorboard:" + logdir), "sqlite://")  # doctest: +ELLIPSIS
        run ... → .../tiny-...
        0
    """
    from ..db.export_common import ExportError

    runs = args.run if isinstance(args.run, list) else [args.run]
    try:
        if args.to.startswith("mlflow:"):
            from ..db.mlflow_export import to_mlflow

            uri = args.to[len("mlflow:"):]
            ids = to_mlflow(source, runs, uri, experiment=args.experiment, snapshots=args.snapshots)
            for rid, mlflow_id in zip(runs, ids):
                print(f"run {rid} → MLflow run {mlflow_id} at {uri}")
        else:
            from ..db.tensorboard_export import to_tensorboard

            for rid, folder in zip(runs, to_tensorboard(source, runs, args.to[len("tensorboard:"):])):
                print(f"run {rid} → {folder}")
    except ImportError as e:  # the extra is not installed: one line, exit code 2
        raise ExportError(str(e)) from None
    return 0


def command_export(args: argparse.Namespace) -> int:
    """``neural-net export RUN... --to TARGET``: copy the runs to another database or file (or
    hand ``mlflow:``/``tensorboard:`` targets to :func:`run_foreign_export`); prints one line per run.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.cli import build_parser
        >>> from neural_net.layers import Dense
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.db")
        >>> net = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="tiny", seed=0)
        >>> _ = net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0); net.store.close()
        >>> from neural_net.cli.interop import command_export
        >>> copy = os.path.join(tempfile.mkdtemp(), "copy.db")
        >>> args = build_parser().parse_args(["export", "tiny", "--from", path, "--to", copy])
        >>> command_export(args)  # doctest: +ELLIPSIS
        run ...: copied ... rows (1 architecture, 1 layer, ...) from .../tiny.db to .../copy.db
        0
    """
    from ..db.run import find_run
    from ..db.transfer import copy_run

    source = args.source or default_source()
    args.run = [find_run(source, ref) for ref in args.run]  # ids, each reference checked first
    if is_foreign_target(args.to):  # mlflow:URI, tensorboard:DIR
        return run_foreign_export(args, source)
    for rid in args.run:
        print(copy_run(source, rid, args.to, with_parents=args.with_parents))
    return OK
