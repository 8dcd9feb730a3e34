"""One stored run as an object: the read path's entry, :func:`open_run`.

``open_run(source, run_id)`` finds the run (``source``: a URL, a ``.db`` file or a run
directory) and returns a :class:`StoredRun` holding what identifies it; each property or
method then reads what it names, checked on the way (a database file is input):

==========================  ============================================================
``run.info``                the run's metadata (config, hyper-parameters, status, ...)
``run.params``              its parameters, flattened (``optimizer.lr``, ``units``, ...)
``run.history()``           epoch × [loss, accuracy, val_loss, ..., lr]
``run.layers()``            one row per layer
``run.snapshots()``         one row per stored snapshot
``run.weights(epoch)``      the snapshot's weights, long format (``weight_matrices``: numpy)
``run.load_model(epoch)``   a Sequential that resumes training bit for bit
``run.tags``, ``run.note``  its tags and description (``set_tag``, ``set_note``, ``rename``)
``run.delete()``            remove the run and every row it owns
==========================  ============================================================

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db import open_run
    >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://", name="tiny", seed=0)
    >>> _ = net.compile('sgd').fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=2, verbose=0)
    >>> run = open_run("sqlite://", net['id'])
    >>> run.info['status'], run.params['optimizer'], run.history().index.tolist()
    ('finished', 'sgd', [1, 2])
    >>> repr(run).startswith(f"StoredRun({net['id']}, 'tiny', finished, 2 epochs")
    True
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select, update

from ..checks import check_name
from ..model import new_id
from .columns import flatten_params
from .engine import display_url, dispose, sqlite_file
from .frames import (history_frame, layers_frame, locate, run_info_of, snapshot_frame, snapshot_matrices,
                     wall_time_series)
from .errors import RunNotFound
from .rebuild import build_model
from .schema import Architecture, Cost, Layer, Metric, Neurons, Param, Snapshot, Tag, WeightMatrix
from .values import checked_row, raw_columns

#: The tables a run owns, parents first.
RUN_TABLES = (Architecture, Layer, Neurons, Cost, Metric, Snapshot, WeightMatrix, Param, Tag)


class StoredRun:
    """A run found in a database (see the module doc). ``run_id``, ``db_path`` (the URL) and
    ``engine`` say where it is; the rest is read when asked for.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import open_run
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> open_run("sqlite://", net['id']).snapshots()[["epoch", "tag"]].values.tolist()
        [[0, 'initial']]
    """

    def __init__(self, url: str, engine: Any, row: dict[str, Any]) -> None:
        self.db_path = url
        self.engine = engine
        self.row = row
        self.run_id = int(row["Architecture_id"])

    def info_at(self, stale_after: float | None = None) -> dict[str, Any]:
        """:attr:`info`, a run of another host counting as interrupted after ``stale_after``
        seconds of silent heartbeat.

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> from neural_net.db import open_run
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> open_run("sqlite://", net['id']).info_at(60)['status']
            'created'
        """
        return run_info_of(self.db_path, self.row, stale_after)

    @property
    def info(self) -> dict[str, Any]:
        """The run's ``Architecture`` row as a dict, ``config`` and ``hyperparams`` parsed,
        ``status`` as the catalogue reports it, ``db_path``."""
        return self.info_at()

    @property
    def params(self) -> dict[str, Any]:
        """The run's parameters, flattened (:func:`neural_net.db.columns.flatten_params`)."""
        return flatten_params(self.info["hyperparams"])

    @property
    def name(self) -> str:
        """The run's name (``run_name``, else the model's)."""
        return self.row.get("run_name") or self.row.get("name") or ""

    def history(self, after: int | None = None) -> pd.DataFrame:
        """Index ``epoch``; columns ``loss``, metrics, ``val_loss``, ``val_<metric>``, ``lr``;
        with ``after``, only the epochs after it (what a run still training added since).

        Example:
            >>> import numpy
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> from neural_net.db import open_run
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=3, verbose=0)
            >>> open_run("sqlite://", net['id']).history(after=1).index.tolist()
            [2, 3]
        """
        if after is not None and (isinstance(after, bool) or not isinstance(after, (int, np.integer))):
            raise TypeError(f"after must be an epoch (an integer) or None, got {after!r}")
        return history_frame(self.engine, self.run_id, after=after)

    def wall_time(self) -> pd.Series:
        """Seconds from the first recorded epoch to each epoch (index ``epoch``), from the
        times the training loss rows were written.

        Example:
            >>> import numpy
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> from neural_net.db import open_run
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=3, verbose=0)
            >>> seconds = open_run("sqlite://", net['id']).wall_time()
            >>> seconds.index.tolist(), float(seconds.iloc[0]), bool((seconds.diff().dropna() >= 0).all())
            ([1, 2, 3], 0.0, True)
        """
        return wall_time_series(self.engine, self.run_id)

    def layers(self) -> pd.DataFrame:
        """One row per layer: ``position, Layer_id, name, n_in, n_out, neurons, Neurons_id, config``."""
        return layers_frame(self.engine, self.run_id)

    def snapshots(self) -> pd.DataFrame:
        """One row per snapshot: ``seq, epoch, tag, created_at, n_params, snapshot_id``."""
        return snapshot_frame(self.engine, self.run_id)

    def weight_matrices(self, epoch: int | None = None) -> list[np.ndarray]:
        """The matrices (bias row last) of the snapshot at ``epoch`` (latest if None)."""
        return [m["W"] for m in snapshot_matrices(self.db_path, self.engine, self.run_id, epoch)[1]]

    def weights(self, epoch: int | None = None) -> pd.DataFrame:
        """The snapshot's weights in long format: ``epoch, layer, Layer_id, Neurons_id, row,
        col, value`` (``row == n_in`` is the bias)."""
        parts = []
        for m in snapshot_matrices(self.db_path, self.engine, self.run_id, epoch)[1]:
            W = m["W"]
            r, c = np.divmod(np.arange(W.size), W.shape[1])
            parts.append(pd.DataFrame({"epoch": m["epoch"], "layer": m["position"], "Layer_id": m["Layer_id"],
                                       "Neurons_id": m["Neurons_id"], "row": r, "col": c,
                                       "value": W.ravel().astype(np.float64)}))
        if not parts:
            return pd.DataFrame(columns=["epoch", "layer", "Layer_id", "Neurons_id", "row", "col", "value"])
        return pd.concat(parts, ignore_index=True)

    def load_model(self, epoch: int | None = None, *, store: Any = False) -> Any:
        """The model rebuilt from the snapshot at ``epoch`` (see :func:`neural_net.db.load_model`)."""
        return build_model(self.db_path, self.engine, self.row, epoch, store=store)

    def count_rows(self) -> dict[str, int]:
        """Rows the run owns in each table."""
        out = {}
        with self.engine.connect() as c:
            for table in RUN_TABLES:
                t = table.__table__
                out[t.name] = int(c.execute(select(func.count()).select_from(t)
                                            .where(t.c.Architecture_id == self.run_id)).scalar())
        return out

    def delete(self, *, remove_empty_file: bool = False) -> bool:
        """Delete the run and every row it owns, in one transaction. With ``remove_empty_file``,
        a SQLite file left with no run is removed too (with its ``-wal``/``-shm`` files); returns
        whether it was."""
        with self.engine.begin() as c:
            for table in reversed(RUN_TABLES):
                c.execute(delete(table.__table__).where(table.__table__.c.Architecture_id == self.run_id))
            left = c.execute(select(func.count()).select_from(Architecture.__table__)).scalar()
        path = sqlite_file(self.db_path)
        if not remove_empty_file or path is None or left:
            return False
        dispose(self.db_path)
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
        return True

    @property
    def tags(self) -> dict[str, str]:
        """The run's tags, ``{key: value}``."""
        T = Tag.__table__
        with self.engine.connect() as c:
            found = c.execute(select(*raw_columns(T, "key", "value")).where(T.c.Architecture_id == self.run_id)
                              .order_by(T.c.key)).mappings().fetchall()
        return {r["key"]: r["value"] for r in (checked_row(T, f, self.run_id) for f in found)}

    @property
    def note(self) -> str | None:
        """The run's description (``Architecture.note``), or None."""
        return self.row.get("note")

    def set_tag(self, key: str, value: Any) -> None:
        """Set tag ``key`` of the run to ``value`` (text; None removes the tag).

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> from neural_net.db import open_run
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> run = open_run("sqlite://", net['id']); run.set_tag("dataset", "iris"); run.tags
            {'dataset': 'iris'}
        """
        check_name(key, "key")
        T = Tag.__table__
        with self.engine.begin() as c:
            c.execute(delete(T).where((T.c.Architecture_id == self.run_id) & (T.c.key == key)))
            if value is not None:
                c.execute(insert(T), [dict(id=new_id(), Architecture_id=self.run_id, key=key, value=str(value))])

    def set_note(self, text: str | None) -> None:
        """Set the run's description (None clears it).

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> from neural_net.db import open_run
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> open_run("sqlite://", net['id']).set_note("first try"); open_run("sqlite://", net['id']).note
            'first try'
        """
        if text is not None and not isinstance(text, str):
            raise TypeError(f"note must be text or None, got {type(text).__name__}")
        self._update(note=text)

    def _update(self, **values: Any) -> None:
        A = Architecture.__table__
        with self.engine.begin() as c:
            c.execute(update(A).where(A.c.Architecture_id == self.run_id).values(**values))
        self.row = {**self.row, **values}

    def rename(self, name: str) -> None:
        """Set the run's name (``run_name``: what ``runs`` shows and ``--name`` matches).

        Example:
            >>> from neural_net.architecture import Sequential
            >>> from neural_net.layers import Dense
            >>> from neural_net.db import open_run
            >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
            >>> open_run("sqlite://", net['id']).rename("baseline"); open_run("sqlite://", net['id']).name
            'baseline'
        """
        check_name(name, "name")
        self._update(run_name=name)

    def __repr__(self) -> str:
        r = self.row
        return (f"StoredRun({self.run_id}, {self.name!r}, {r.get('status')}, {r.get('epochs')} epochs, "
                f"in {display_url(self.db_path)})")


def set_tag(source: Any, run_id: Any, key: str, value: Any) -> None:
    """Set tag ``key`` of run ``run_id`` to ``value`` (None removes it): :meth:`StoredRun.set_tag`.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import open_run, set_tag
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> set_tag("sqlite://", net['id'], "stage", "baseline"); open_run("sqlite://", net['id']).tags
        {'stage': 'baseline'}
    """
    open_run(source, run_id).set_tag(key, value)


def set_note(source: Any, run_id: Any, text: str | None) -> None:
    """Set the description of run ``run_id``: :meth:`StoredRun.set_note`.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import open_run, set_note
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> set_note("sqlite://", net['id'], "lr too high"); open_run("sqlite://", net['id']).note
        'lr too high'
    """
    open_run(source, run_id).set_note(text)


def find_run(source: Any, ref: Any) -> int:
    """The id of the run ``ref`` names in ``source``: an id, a unique prefix of an id, ``latest``
    (the run created last) or a run name (unique).

    Raises:
        RunNotFound: no run matches, or several do (the message lists them).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.run import find_run
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://", name="named")
        >>> find_run("sqlite://", "latest") == find_run("sqlite://", "named") == net['id']
        True
        >>> find_run("sqlite://", str(net['id'])[:12]) == net['id']
        True
    """
    from .catalogue import catalogue

    if isinstance(ref, (int, np.integer)) and not isinstance(ref, bool):
        return int(ref)
    text = str(ref).strip()
    if text.lstrip("-").isdigit():
        try:
            return StoredRun(*locate(source, int(text))).run_id  # an exact id: no catalogue needed
        except RunNotFound:
            pass
    frame = catalogue(source, on_skip=lambda path, reason: None)
    ids = [int(i) for i in frame.run_id]
    if text == "latest":
        if not ids:
            raise RunNotFound(f"no runs in {source}")
        return int(frame.sort_values(["created_at", "run_id"], kind="stable").run_id.iloc[-1])
    if text.lstrip("-").isdigit() and int(text) in ids:
        return int(text)
    matches = [i for i in ids if text.isdigit() and str(i).startswith(text)]
    if not matches:
        matches = [int(i) for i, n in zip(frame.run_id, frame.name) if n == text]
    if len(matches) == 1:
        return matches[0]
    if not matches and text.lstrip("-").isdigit():
        return int(text)  # an id that is not there: open_run says so, listing the runs there
    if not matches:
        raise RunNotFound(f"no run {text!r} in {source}: give a run id, a unique prefix of one, 'latest' or a "
                          "run name")
    shown = ", ".join(str(m) for m in matches[:10]) + (", ..." if len(matches) > 10 else "")
    raise RunNotFound(f"{text!r} matches {len(matches)} runs in {source} ({shown}): give more of the id")


def open_run(source: Any, run_id: Any) -> StoredRun:
    """The run ``run_id`` of ``source`` (a URL, a ``.db`` file or a run directory).

    Raises:
        RunNotFound: no such run (the message lists the runs there).
        StoredModelError: its row holds a malformed value (named: run, table, column).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import open_run
        >>> net = Sequential([Dense(3, input_dim=2)], 'mse', store="sqlite://")
        >>> [W.shape for W in open_run("sqlite://", net['id']).weight_matrices()]
        [(3, 3)]
    """
    return StoredRun(*locate(source, run_id))
