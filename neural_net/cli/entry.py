"""The entry point of ``neural-net``: parse the command line, run the command, turn errors into one
line and an exit code."""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Any, Callable, Sequence

from .exit_codes import INTERNAL, OK, exit_code, one_line
from .parser import build_parser


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
        created .../runs.db at schema revision 0005
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
        code = exit_code(e)
        if code is None:
            if os.environ.get("NEURAL_NET_DEBUG"):
                raise
            print(f"neural-net: unexpected error: {type(e).__name__}: {one_line(e)} (NEURAL_NET_DEBUG=1 shows "
                  "the traceback)", file=sys.stderr)
            return INTERNAL
        print(f"neural-net: {one_line(e)}", file=sys.stderr)
        return code
    finally:
        warnings.showwarning = previous
