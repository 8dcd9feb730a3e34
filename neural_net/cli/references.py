"""Where runs are read (``SOURCE``) and which run ``RUN`` names (an id, a unique prefix of one,
``latest`` or a run name)."""
from __future__ import annotations

import argparse
import os
from typing import Any


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


def _locate(args: argparse.Namespace) -> Any:
    """The StoredRun ``args.run`` names (an id, a unique id prefix, ``latest`` or a name)."""
    from ..db.run import find_run, open_run

    source = args.source or default_source()
    return open_run(source, find_run(source, args.run))
