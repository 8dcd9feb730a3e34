"""``neural-net ui [SOURCE] [--host 127.0.0.1] [--port 5150] [--open]``: the dashboard's
command-line arguments and handler, imported by :mod:`neural_net.cli.dashboard` by name.

This module imports nothing of the ``ui`` extra at import time, so the command line works
without it; ``run`` then prints the one line that says which extra to install.

Example:
    >>> import argparse
    >>> from neural_net.ui.command import add_arguments
    >>> p = argparse.ArgumentParser(); add_arguments(p)
    >>> args = p.parse_args(["run/", "--port", "8000"])
    >>> args.source, args.host, args.port, args.open
    ('run/', '127.0.0.1', 8000, False)
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys

#: What the dashboard needs beyond the library (the ``ui`` extra).
REQUIRES = ("starlette", "uvicorn", "jinja2")
INSTALL = "python -m pip install 'neural-net-numpy[ui]'"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5150


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``neural-net ui`` on ``parser``.

    Example:
        >>> import argparse
        >>> from neural_net.ui.command import add_arguments
        >>> p = argparse.ArgumentParser(); add_arguments(p)
        >>> p.parse_args([]).source is None
        True
    """
    parser.add_argument("source", nargs="?", metavar="SOURCE",
                        help="run directory, .db file or database URL (default: $NEURAL_NET_DATABASE_URL, "
                             "$NEURAL_NET_RUN_DIR or ./run)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default 127.0.0.1: only this machine)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 5150; 0: a free one)")
    parser.add_argument("--open", action="store_true", help="open the dashboard in the default web browser")
    parser.add_argument("--poll", type=float, default=1.0, metavar="SECONDS",
                        help="how often the live page asks for new epochs (default 1)")


def missing() -> list[str]:
    """The packages of the ``ui`` extra that are not installed.

    Example:
        >>> from neural_net.ui.command import missing
        >>> isinstance(missing(), list)
        True
    """
    return [m for m in REQUIRES if importlib.util.find_spec(m) is None]


def run(args: argparse.Namespace) -> int:
    """Serve the dashboard of ``args.source`` until Ctrl-C; returns the exit code (1 when the
    source does not exist, 2 when the ``ui`` extra is missing or the address cannot be used).

    Example:
        >>> import argparse, contextlib, io
        >>> from neural_net.ui.command import run
        >>> err = io.StringIO()
        >>> with contextlib.redirect_stderr(err):
        ...     code = run(argparse.Namespace(source=".", host="127.0.0.1", port=-1, open=False, poll=1.0))
        >>> code, err.getvalue().strip()
        (2, 'neural-net: port must be an integer from 0 to 65535, got -1')
    """
    absent = missing()
    if absent:
        print(f"neural-net: the dashboard needs the ui extra ({', '.join(absent)} missing): {INSTALL}",
              file=sys.stderr)
        return 2
    if not 0.1 <= args.poll <= 60:
        print(f"neural-net: --poll must be between 0.1 and 60 seconds, got {args.poll}", file=sys.stderr)
        return 2
    source = str(args.source)
    if "://" not in source and not os.path.exists(os.path.expanduser(source)):
        print(f"neural-net: no database file or run directory at {os.path.abspath(os.path.expanduser(source))}",
              file=sys.stderr)
        return 1
    from . import serve

    def announce(url: str) -> None:
        print(f"neural-net ui: serving {source} on {url} (read-only; Ctrl-C to stop)", flush=True)
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"neural-net ui: note: listening on {args.host}, other machines can reach it", flush=True)

    try:
        serve(source, host=args.host, port=args.port, open_browser=args.open, poll_ms=int(args.poll * 1000),
              announce=announce)
    except (OSError, ValueError, TypeError) as e:
        print(f"neural-net: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    print("neural-net ui: stopped", flush=True)
    return 0
