"""A run's history read in chunks, with the wall-clock time of each epoch, for exporters.

:func:`neural_net.db.history` returns a run's whole history as one DataFrame. Exporters
(:mod:`neural_net.db.mlflow_export`, :mod:`neural_net.db.tensorboard_export`) instead walk it
with :func:`iter_history`, which yields the stored values window by window in long format, so
the memory they use does not grow with the number of epochs (a run of 100,000 epochs reads
in chunks of ``chunk_rows`` values; see ``benchmarks/bench_interop.py``).

Each chunk is a DataFrame with one row per stored value:

=============  ===================================================================
``epoch``      the epoch (int64; the store numbers epochs from 1)
``key``        the name :func:`neural_net.db.history` gives the column: ``loss``,
               ``accuracy``, ``val_loss``, ``val_accuracy``, ``lr``, ...
``split``      ``'train'``, ``'val'``, ... (``val_x`` is split ``'val'``, name ``x``)
``name``       ``loss`` or the metric's name
``value``      float64 (a NULL stored value is NaN)
``wall_time``  seconds since 1970-01-01 UTC when the epoch was recorded (float64)
=============  ===================================================================

Rows come ordered by epoch, then key. Every query is an index range scan of one curve
(``Cost``/``metric`` are indexed by run, split, name and epoch) and works the same on SQLite
and PostgreSQL.

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db.history_stream import iter_history
    >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
    >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=3, verbose=0)
    >>> chunks = list(iter_history("sqlite://", net['id'], chunk_rows=4))
    >>> [c["epoch"].tolist() for c in chunks]
    [[1, 1, 2, 2], [3, 3]]
    >>> chunks[0][["key", "split", "name"]].values.tolist()[:2]
    [['loss', 'train', 'loss'], ['lr', 'train', 'lr']]
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from .engine import open_database
from .errors import StoredModelError
from .frames import wall_seconds
from .readers import run_info
from .schema import Cost, Metric

#: Values per chunk by default (about 0.5 MB of DataFrame).
CHUNK_ROWS = 10_000
COLUMNS = ["epoch", "key", "split", "name", "value", "wall_time"]


def history_key(split: str, name: str) -> str:
    """The history column of a (split, name) pair: ``('train', 'loss')`` → ``loss``,
    ``('val', 'accuracy')`` → ``val_accuracy``.

    Example:
        >>> from neural_net.db.history_stream import history_key
        >>> history_key('train', 'accuracy'), history_key('val', 'loss')
        ('accuracy', 'val_loss')
    """
    return name if split == "train" else f"{split}_{name}"


class _Curve:
    """One stored curve of a run: the rows of ``table`` with this split (and metric name)."""

    def __init__(self, rid: int, table: Any, split: str, name: str) -> None:
        self.split, self.name, self.key = split, name, history_key(split, name)
        t = table.__table__
        self.where = [t.c.Architecture_id == rid, t.c.split == split, t.c.epoch.is_not(None)]
        if table is Metric:
            self.where.append(t.c.name == name)
        self.table = t

    def rows(self, c: Any, lo: int, hi: int) -> list[tuple]:
        t = self.table
        return c.execute(select(t.c.epoch, t.c.value, t.c.created_at).where(*self.where, t.c.epoch >= lo,
                                                                            t.c.epoch < hi)
                         .order_by(t.c.epoch)).fetchall()

    def next_epoch(self, c: Any, after: int) -> int | None:
        return c.execute(select(func.min(self.table.c.epoch)).where(*self.where, self.table.c.epoch >= after)).scalar()


def _curves(c: Any, rid: int) -> list[_Curve]:
    C, M = Cost.__table__, Metric.__table__
    splits = c.execute(select(C.c.split).where(C.c.Architecture_id == rid, C.c.epoch.is_not(None))
                       .group_by(C.c.split)).scalars().all()
    pairs = c.execute(select(M.c.split, M.c.name).where(M.c.Architecture_id == rid)
                      .group_by(M.c.split, M.c.name)).fetchall()
    curves = [_Curve(rid, Cost, s, "loss") for s in splits if isinstance(s, str)]
    curves += [_Curve(rid, Metric, s, n) for s, n in pairs if isinstance(s, str) and isinstance(n, str)]
    return sorted(curves, key=lambda k: (k.split != "train", k.split, k.name != "loss", k.name))


def _frame(rid: int, parts: list[tuple[_Curve, list[tuple]]]) -> pd.DataFrame:
    blocks = []
    for curve, rows in parts:
        if not rows:
            continue
        epochs, values, times = zip(*rows)
        try:
            value = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            epoch = np.array(epochs, dtype=np.int64)
        except (TypeError, ValueError, OverflowError) as e:
            raise StoredModelError(f"run {rid}: the stored values of {curve.key!r} are not numbers ({e})") from None
        block = pd.DataFrame({"epoch": epoch, "key": curve.key, "split": curve.split, "name": curve.name,
                              "value": value, "wall_time": wall_seconds(times)})
        blocks.append(block.drop_duplicates("epoch", keep="last"))
    if not blocks:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(COLUMNS, ["int64", object, object, object,
                                                                          "float64", "float64"])})
    frame = pd.concat(blocks, ignore_index=True)
    return frame.sort_values(["epoch", "key"], kind="stable", ignore_index=True)


def iter_history(source: Any, run_id: Any, *, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Yield the run's stored values in chunks of about ``chunk_rows`` rows (whole epochs;
    columns as in the module doc), oldest epoch first.

    Raises:
        RunNotFound: no such run in ``source``.
        StoredModelError: a stored value or epoch is not a number.

    Example:
        >>> import neural_net.db as db
        >>> rid = db.import_history({"loss": [0.5, 0.4, 0.3], "val_loss": [0.6, 0.5, 0.45]}, store="sqlite://")
        >>> [c.epoch.tolist() for c in db.iter_history("sqlite://", rid, chunk_rows=4)]  # two epochs per chunk
        [[1, 1, 2, 2], [3, 3]]
    """
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1:
        raise ValueError(f"iter_history: chunk_rows must be a positive int, got {chunk_rows!r}")
    info = run_info(source, run_id)
    rid = int(info["Architecture_id"])
    engine: Engine = open_database(info["db_path"], create=False)
    with engine.connect() as c:
        curves = _curves(c, rid)
    if not curves:
        return
    span = max(1, int(chunk_rows) // len(curves))  # epochs per window
    lo: int | None = 0
    while lo is not None:
        with engine.connect() as c:  # one short read per window: no transaction held between chunks
            starts = [e for e in (k.next_epoch(c, lo) for k in curves) if e is not None]
            if not starts:
                return
            lo = int(min(starts))
            hi = lo + span
            try:
                parts = [(k, k.rows(c, lo, hi)) for k in curves]
            except (TypeError, ValueError) as e:  # e.g. a time column that is not a time
                raise StoredModelError(f"run {rid}: a stored epoch row cannot be read ({e})") from None
        frame = _frame(rid, parts)
        if len(frame):
            yield frame
        lo = hi

