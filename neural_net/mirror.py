"""The shared base of every object mirrored by a table of the database: :class:`Define`.

(The seed imports it as ``from neural_net.model import Define``, which still works.)

Each engine object (an architecture, a layer, the neurons a layer holds, a cost) mirrors a
table of the database. ``Define`` gives all of them the same face, as in the seed tutorial:

* ``obj.id`` — a dict of the object's identity and attributes (``'id'``, ``'<Table>_id'``,
  ``'name'``, ``'self'``, the constructor's arguments, ``'steps'``);
* ``obj['id']`` — item access into that dict;
* ``str(obj)`` — the name of its table (``'Layer'``, ``'Neurons'``, ``'Architecture'``, ...);
* ``repr(obj)`` — its class name (``'Fullyconnected'``, ``'Σ'``, ...).

Identifiers are random 63-bit integers drawn from the operating system (``secrets``), so
they are unique across processes and database files, unlike Python's ``id()``.

Storing is switched on for one network with ``Sequential(..., store=True)`` or for every
network at once with the class flag used in the seed::

    from neural_net.model import Define
    Define._Define__store = True

Example:
    >>> from neural_net.layers import Fullyconnected
    >>> from neural_net.init_funcs import zeros
    >>> fc = Fullyconnected(2, 1, zeros)
    >>> str(fc), repr(fc), fc['id'] == fc.id['Layer_id']
    ('Layer', 'Fullyconnected', True)
"""
from __future__ import annotations

import secrets
from typing import Any, ClassVar

def new_id() -> int:
    """Return a fresh identifier: a random positive 63-bit integer (fits SQL BIGINT).

    Example:
        >>> from neural_net.mirror import new_id
        >>> 0 < new_id() < 2**63
        True
    """
    return secrets.randbits(63) or 1


class Define:
    """Base of the mirrored objects: identity dict, ``[]`` access, ``str`` = table name.

    Subclasses set the class attribute ``table`` and call ``super().__init__(**attributes)``
    with the attributes that the ``id`` mapping shows.

    Example:
        >>> from neural_net.model import Define
        >>> class Thing(Define):
        ...     table = "Thing"
        >>> t = Thing(size=3)
        >>> str(t), repr(t), t['size'], t['Thing_id'] == t['id']
        ('Thing', 'Thing', 3, True)
    """

    table: ClassVar[str] = "Define"
    __store: ClassVar[bool] = False  # reached from outside as Define._Define__store

    def __init__(self, *, uid: int | None = None, **attributes: Any) -> None:
        uid = new_id() if uid is None else int(uid)
        self.id: dict[str, Any] = {
            "id": uid,
            f"{self.table}_id": uid,
            "name": repr(self),
            "self": self,
            **attributes,
        }
        self.id.setdefault("steps", [])

    @classmethod
    def storing_by_default(cls) -> bool:
        """Whether ``Define._Define__store`` asks every network to store itself."""
        return bool(Define.__store)

    def __getitem__(self, key: str) -> Any:
        return self.id[key]

    def __str__(self) -> str:
        return self.table

    def __repr__(self) -> str:
        return type(self).__name__
