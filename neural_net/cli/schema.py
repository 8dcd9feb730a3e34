"""``neural-net db upgrade PATH`` and ``neural-net db status PATH``: schema revisions."""
from __future__ import annotations

import argparse
import os

from .exit_codes import NOT_FOUND, OK, UNUSABLE
from .output import display_url, skip_to_stderr


def _db_targets(path: str) -> list[str]:
    """The database URLs ``db upgrade``/``db status`` act on: a URL, a file, a directory's files
    (:func:`~neural_net.db.engine.sources`, but a missing file is a target too)."""
    from ..db.engine import sources, sqlite_url
    from ..db.errors import StorePathError

    try:
        return sources(path)
    except StorePathError:  # no such file: `db upgrade` creates it, `db status` reports it missing
        return [sqlite_url(path)]


def command_db_upgrade(args: argparse.Namespace) -> int:
    """``neural-net db upgrade PATH``: bring each database to the newest schema revision (a
    missing file is created); returns 0, or 2 when one of a directory's files is unusable.

    Example:
        >>> import os, tempfile
        >>> from neural_net.cli import build_parser
        >>> from neural_net.cli.schema import command_db_upgrade
        >>> path = os.path.join(tempfile.mkdtemp(), "runs.db")
        >>> command_db_upgrade(build_parser().parse_args(["db", "upgrade", path]))  # doctest: +ELLIPSIS
        created .../runs.db at schema revision ...
        0
    """
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
            skip_to_stderr(where, str(e))
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


def command_db_status(args: argparse.Namespace) -> int:
    """``neural-net db status PATH``: print each database's state; returns 0 when every one is
    usable as it is, 1 when one needs an upgrade or is missing, 2 when one is unusable.

    Example:
        >>> import os, tempfile
        >>> from neural_net.cli import build_parser
        >>> from neural_net.cli.schema import command_db_status
        >>> path = os.path.join(tempfile.mkdtemp(), "runs.db")
        >>> command_db_status(build_parser().parse_args(["db", "status", path])) == 1  # doctest: +ELLIPSIS
        /.../runs.db: missing (no database file yet)
        True
    """
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
