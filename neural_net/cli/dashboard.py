"""``neural-net ui [SOURCE]``: the dashboard, launched through :mod:`neural_net.ui.command`."""
from __future__ import annotations

import argparse
import importlib
from typing import Any

from .references import default_source


def ui_command() -> Any:
    """neural_net.ui.command, imported by name (it needs nothing of the ui extra to load).

    Example:
        >>> from neural_net.cli.dashboard import ui_command
        >>> ui_command().__name__
        'neural_net.ui.command'
    """
    return importlib.import_module("neural_net.ui.command")


def command_ui(args: argparse.Namespace) -> int:
    """``neural-net ui``: serve the dashboard of ``args.source`` (default: :func:`default_source`).

    Example:
        >>> from neural_net.cli import build_parser
        >>> from neural_net.cli.dashboard import command_ui
        >>> build_parser().parse_args(["ui", "run/"]).func is command_ui
        True
    """
    return ui_command().run(argparse.Namespace(**{**vars(args), "source": args.source or default_source()}))
