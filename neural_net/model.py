"""The seed's import path of :class:`~neural_net.mirror.Define` (``from neural_net.model import
Define``; ``Define._Define__store = True`` stores every network built afterwards).

:mod:`neural_net.mirror` holds the class; the network itself is
:class:`~neural_net.architecture.Sequential`.

Example:
    >>> from neural_net.model import Define
    >>> from neural_net import mirror
    >>> Define is mirror.Define
    True
"""
from __future__ import annotations

from .mirror import Define, new_id

__all__ = ["Define", "new_id"]
