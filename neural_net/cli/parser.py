"""The argument parser of ``neural-net``: every sub-command, its options and their checks."""
from __future__ import annotations

import argparse
from typing import Any

from .compare import command_compare
from .dashboard import command_ui, ui_command
from .demo import command_demo
from .edit import command_delete, command_note, command_rename, command_tag
from .exit_codes import UNUSABLE
from .history import command_history
from .interop import add_export_options, add_import_command, command_export
from .references import default_source
from .runs import command_runs
from .schema import command_db_status, command_db_upgrade
from .show import command_show


EPILOG = """\
SOURCE (where runs are read) is a run directory (every *.db file in it), a .db file or a
SQLAlchemy URL such as postgresql+psycopg://user@host/db; default: $NEURAL_NET_DATABASE_URL,
else $NEURAL_NET_RUN_DIR, else ./run. RUN is a run id (the run_id column of
`neural-net runs`), a unique prefix of one, `latest` or a run name.

Exit codes: 0 success; 1 unknown run or snapshot, missing or unusable path; 2 unusable
database (another program's file, an older schema: run `neural-net db upgrade PATH`, a newer
schema, a malformed value in a file, an unknown --revision) or a bad command line; 3 an
unexpected error (NEURAL_NET_DEBUG=1 shows its traceback). Errors are one line on stderr."""


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
    from ..db.run_match import STATUSES

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
    runs.set_defaults(func=command_runs)

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
    hist.set_defaults(func=command_history)

    show = sub.add_parser("show", help="a run's metadata, hyper-parameters, layers and snapshots",
                          formatter_class=_formatter,
                          description="Everything stored about one run except its weights: status, times, "
                                      "process, optimizer and hyper-parameters, parent run, layers, snapshots.")
    show.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    _source_option(show)
    show.add_argument("--format", choices=["table", "json"], default="table",
                      help="text (default) or json (with the full configuration)")
    show.set_defaults(func=command_show)

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
    export.set_defaults(func=command_export)

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
    cmp_.set_defaults(func=command_compare)

    tag = sub.add_parser("tag", help="set tags of a run (key=value; key= removes one)", formatter_class=_formatter,
                         description="Set tags of a run: KEY=VALUE pairs (KEY= removes the tag). Tags are rows of "
                                     "the tag table (SELECT ... JOIN tag ...).")
    tag.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    tag.add_argument("tags", nargs="+", metavar="KEY=VALUE")
    _source_option(tag)
    tag.set_defaults(func=command_tag)

    note = sub.add_parser("note", help="describe a run in a sentence", formatter_class=_formatter,
                          description="Set the run's note (Architecture.note); an empty TEXT clears it.")
    note.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    note.add_argument("text", metavar="TEXT")
    _source_option(note)
    note.set_defaults(func=command_note)

    ren = sub.add_parser("rename", help="give a run a name", formatter_class=_formatter,
                         description="Set the run's name (what `neural-net runs` shows and --name matches).")
    ren.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    ren.add_argument("name", metavar="NAME", help="the new name")
    _source_option(ren)
    ren.set_defaults(func=command_rename)

    dele = sub.add_parser("delete", help="delete a run and every row it owns", formatter_class=_formatter,
                          description="Delete the run (layers, costs, metrics, snapshots, weights). A SQLite file "
                                      "left with no run is removed. Asks first unless --yes.")
    dele.add_argument("run", type=_run_ref, metavar="RUN", help="run id, unique prefix of one, 'latest' or run name")
    _source_option(dele)
    dele.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    dele.set_defaults(func=command_delete)

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
    up.set_defaults(func=command_db_upgrade)
    st = dbsub.add_parser("status", help="the schema revision of a database (or of every .db file of a directory)",
                          formatter_class=_formatter,
                          description="Print each database's state: current, outdated (needs `neural-net db "
                                      "upgrade`), newer, foreign, empty or missing. Exit code 0 when every "
                                      "database is usable as it is (current or empty), 1 when one needs an "
                                      "upgrade or is missing, 2 when one is unusable.")
    st.add_argument("path", metavar="PATH", help=".db file, directory of .db files, or database URL")
    st.set_defaults(func=command_db_status)

    demo = sub.add_parser("demo", help="train a small network on the embedded iris data",
                          description="Train a 4-16-3 network on the iris data embedded in the package, store the "
                                      "run (--no-store: do not) and print the commands to look at it next.")
    demo.add_argument("--epochs", type=int, default=300)
    demo.add_argument("--store", metavar="TARGET", default=None,
                      help="where to store the run: a directory, .db file or SQLAlchemy URL (default: "
                           "$NEURAL_NET_DATABASE_URL, else a new file in $NEURAL_NET_RUN_DIR or ./run)")
    demo.add_argument("--no-store", action="store_true", help="do not store the run")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(func=command_demo)

    ui = sub.add_parser("ui", help="the dashboard in a web browser (needs the ui extra)", formatter_class=_formatter,
                        description="Serve a read-only dashboard of the runs of SOURCE on http://127.0.0.1:5150/.")
    ui_command().add_arguments(ui)
    ui.set_defaults(func=command_ui)
    return parser
