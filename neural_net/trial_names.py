"""The name of a sweep's trial: its grid values, ``units=32,optimizer=adam`` (used by
:func:`neural_net.sweep.sweep` for runs trained one by one and for an ensemble's members alike).

Example:
    >>> from neural_net.trial_names import trial_name
    >>> trial_name("sweep", {"lr": 0.1, "seed": 0}, 5)
    'lr=0.1,seed=0'
"""
from __future__ import annotations

import json
from typing import Any, Mapping

import numpy as np

from .checks import MAX_NAME_LENGTH, check_name

__all__ = ["trial_name"]


def _value_text(value: Any) -> str:
    if isinstance(value, np.generic):  # a numpy scalar (np.geomspace's values): as the Python number
        value = value.item()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return str(value)
    return json.dumps(value, default=str, separators=(",", ":"))


def trial_name(name: str, params: Mapping[str, Any], index: int) -> str:
    """The run name of trial ``index``: its grid values, ``units=32,optimizer=adam``. A name
    longer than :data:`~neural_net.checks.MAX_NAME_LENGTH` keeps what fits and ends with
    ``…[index]`` (unique within the sweep); no parameters, or a value that cannot be part of
    a name (control characters), give ``<name>[<index>]``.

    Example:
        >>> from neural_net.sweep import trial_name
        >>> trial_name("sweep", {"units": 32, "optimizer": "adam", "lr": 0.001}, 3)
        'units=32,optimizer=adam,lr=0.001'
        >>> import numpy
        >>> trial_name("sweep", {"lr": numpy.geomspace(0.01, 0.1, 2)[0], "units": numpy.int64(8)}, 0)
        'lr=0.01,units=8'
        >>> trial_name("sweep", {}, 3)
        'sweep[3]'
        >>> long = trial_name("sweep", {"layers": list(range(60))}, 7)
        >>> len(long), long[-4:]
        (100, '…[7]')
    """
    text = ",".join(f"{k}={_value_text(v)}" for k, v in params.items())
    if not text:
        return f"{name}[{index}]"
    if len(text) > MAX_NAME_LENGTH:
        suffix = f"…[{index}]"
        text = text[:MAX_NAME_LENGTH - len(suffix)] + suffix
    try:
        return check_name(text, "name")
    except ValueError:
        return f"{name}[{index}]"
