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

The package: :mod:`~neural_net.cli.entry` (``main``: errors to one line and an exit code),
:mod:`~neural_net.cli.parser` (the argument parser), :mod:`~neural_net.cli.output` (tables, CSV,
JSON), :mod:`~neural_net.cli.references` (``SOURCE`` and ``RUN``),
:mod:`~neural_net.cli.exit_codes`, and one module per command group: :mod:`~neural_net.cli.runs`,
:mod:`~neural_net.cli.history`, :mod:`~neural_net.cli.show`, :mod:`~neural_net.cli.compare`,
:mod:`~neural_net.cli.edit` (tag, note, rename, delete), :mod:`~neural_net.cli.schema` (``db``),
:mod:`~neural_net.cli.interop` (export, import), :mod:`~neural_net.cli.demo`,
:mod:`~neural_net.cli.dashboard` (``ui``).

Example:
    >>> from neural_net.cli import main
    >>> main(["demo", "--epochs", "5", "--quiet", "--no-store"])
    0
"""
from __future__ import annotations

from .demo import next_commands
from .entry import main
from .exit_codes import INTERNAL, NOT_FOUND, OK, UNUSABLE
from .output import display_url, print_table, write_rows
from .parser import EPILOG, Parser, build_parser
from .references import default_source
from .runs import RUN_TABLE_COLUMNS

__all__ = ["EPILOG", "INTERNAL", "NOT_FOUND", "OK", "Parser", "RUN_TABLE_COLUMNS", "UNUSABLE", "build_parser",
           "default_source", "display_url", "main", "next_commands", "print_table", "write_rows"]
