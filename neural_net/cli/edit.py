"""The commands that change a run: ``tag``, ``note``, ``rename``, ``delete``."""
from __future__ import annotations

import argparse
import sys

from .exit_codes import OK
from .output import display_url
from .references import locate


def command_tag(args: argparse.Namespace) -> int:
    """``neural-net tag RUN key=value ...``: set (``key=``: remove) tags; prints the run's tags.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.cli import build_parser
        >>> from neural_net.layers import Dense
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.db")
        >>> net = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="tiny", seed=0)
        >>> _ = net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0); net.store.close()
        >>> from neural_net.cli.edit import command_tag
        >>> command_tag(build_parser().parse_args(["tag", "tiny", "stage=demo", "--from", path]))  # doctest: +ELLIPSIS
        run ...: tags stage=demo
        0
    """
    run = locate(args)
    for item in args.tags:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"tag: expected key=value (key= removes the tag), got {item!r}")
        run.set_tag(key.strip(), value if value != "" else None)
    shown = ", ".join(f"{k}={v}" for k, v in run.tags.items()) or "none"
    print(f"run {run.run_id}: tags {shown}")
    return OK


def command_note(args: argparse.Namespace) -> int:
    """``neural-net note RUN TEXT``: set (an empty TEXT: clear) the run's note.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.cli import build_parser
        >>> from neural_net.layers import Dense
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.db")
        >>> net = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="tiny", seed=0)
        >>> _ = net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0); net.store.close()
        >>> from neural_net.cli.edit import command_note
        >>> args = build_parser().parse_args(["note", "tiny", "a first try", "--from", path])
        >>> command_note(args)  # doctest: +ELLIPSIS
        run ...: note set (11 characters)
        0
    """
    run = locate(args)
    run.set_note(args.text if args.text else None)
    print(f"run {run.run_id}: " + (f"note set ({len(args.text)} characters)" if args.text else "note cleared"))
    return OK


def command_rename(args: argparse.Namespace) -> int:
    """``neural-net rename RUN NAME``: give the run a new name.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.cli import build_parser
        >>> from neural_net.layers import Dense
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.db")
        >>> net = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="tiny", seed=0)
        >>> _ = net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0); net.store.close()
        >>> from neural_net.cli.edit import command_rename
        >>> args = build_parser().parse_args(["rename", "tiny", "tiny-2", "--from", path])
        >>> command_rename(args)  # doctest: +ELLIPSIS
        run ...: renamed 'tiny' to 'tiny-2'
        0
    """
    run = locate(args)
    old = run.name
    run.rename(args.name)
    print(f"run {run.run_id}: renamed {old!r} to {args.name!r}")
    return OK


def command_delete(args: argparse.Namespace) -> int:
    """``neural-net delete RUN [--yes]``: delete the run (asks first unless ``--yes``); a file left
    with no run is removed.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.cli import build_parser
        >>> from neural_net.layers import Dense
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.db")
        >>> net = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="tiny", seed=0)
        >>> _ = net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0); net.store.close()
        >>> from neural_net.cli.edit import command_delete
        >>> command_delete(build_parser().parse_args(["delete", "tiny", "--from", path, "--yes"]))  # doctest: +ELLIPSIS
        deleted run ... ('tiny', finished, 2 epochs) from .../tiny.db; the file held no other run and was removed
        0
        >>> os.path.exists(path)
        False
    """
    run = locate(args)
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
