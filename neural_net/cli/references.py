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


def locate(args: argparse.Namespace) -> Any:
    """The StoredRun ``args.run`` names (an id, a unique id prefix, ``latest`` or a name) in
    ``args.source`` (default: :func:`default_source`).

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.cli import build_parser
        >>> from neural_net.layers import Dense
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.db")
        >>> net = Sequential([Dense(1, input_dim=2)], "mse", store=path, name="tiny", seed=0)
        >>> _ = net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0); net.store.close()
        >>> from neural_net.cli.references import locate
        >>> run = locate(build_parser().parse_args(["show", "latest", "--from", path]))
        >>> run.run_id == net["id"], run.name
        (True, 'tiny')
    """
    from ..db.run import find_run, open_run

    source = args.source or default_source()
    return open_run(source, find_run(source, args.run))
