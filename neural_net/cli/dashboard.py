"""``neural-net ui [SOURCE]``: the dashboard, launched through :mod:`neural_net.ui.command`."""
from __future__ import annotations

import importlib
from typing import Any


def _ui_command() -> Any:
    """neural_net.ui.command, imported by name (it needs nothing of the ui extra to load)."""
    return importlib.import_module("neural_net.ui.command")
