"""The seed's store proxies of a network, in one small mixin: ``session``, ``engines``,
``db_path``, ``updateW()``, ``commit()`` and ``open_store()``.

The engine never imports the database layer: the store registers its factory in
:data:`STORE_FACTORY` (``import neural_net`` does it) and a network reaches its
store only through that factory and the store's recorder callback.

Example:
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
    >>> net.db_path, net.updateW(), net.commit()
    ('sqlite://', None, None)
"""
from __future__ import annotations

from typing import Any

from .mirror import Define

#: The storage back end, registered by :mod:`neural_net.db` when the package is imported.
#: The engine never imports the database layer; it only calls this factory, when set.
STORE_FACTORY: Any = None


class StoreProxy:
    """What a network offers of its database store (``self.store``, None when not stored).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.stored import StoreProxy
        >>> issubclass(Sequential, StoreProxy)
        True
    """

    store: Any = None

    def open_store(self, target: Any = True, params: dict[str, Any] | None = None) -> Any:
        """Start recording this network in a database (as ``store=`` does at construction):
        ``True`` for a timestamped SQLite file, a directory, a ``.db`` path or a SQLAlchemy URL.
        ``params`` (JSON-able) are saved with the run's hyper-parameters. Returns the store."""
        if self.store is not None:
            raise RuntimeError(f"this network is already stored in {self.store.db_path}")
        store = self._open_store(target)
        if params:
            store.record_params(params)
        return store

    def _open_store(self, target: Any = True) -> Any:
        if STORE_FACTORY is None:
            raise RuntimeError("no database store is registered; import neural_net (the package) first")
        self.store = STORE_FACTORY(self, target)
        self.id["store"] = True
        return self.store

    def _require_store(self) -> Any:
        if self.store is None:
            if not Define.storing_by_default():
                raise RuntimeError("this network is not stored: build it with store=True "
                                   "or set Define._Define__store = True")
            self._open_store(True)
        return self.store

    @property
    def session(self) -> Any:
        """The SQLAlchemy session of the store."""
        return self._require_store().session

    @property
    def engines(self) -> dict[str, Any]:
        """``{db_path: Engine}`` for the store."""
        return self._require_store().engines

    @property
    def db_path(self) -> str:
        """The SQLAlchemy URL of the store (``sqlite:///.../run/model<timestamp>.db``)."""
        return self._require_store().db_path

    def updateW(self, tag: str | None = None) -> Any:
        """Stage a snapshot of every weight matrix, tagged with the current epoch."""
        return self._require_store().update_weights(tag=tag)

    def commit(self) -> None:
        """Commit what is staged (weights, layers, costs) to the database."""
        self._require_store().commit()

