"""One run's rows, read from its database: where the run is, its metadata, its curves, its
layers and its snapshots (the read path under :func:`neural_net.db.open_run`).

Each function takes a located run (``url, engine, row`` from :func:`locate`) or an engine and a
run id; every value is checked against the schema on the way (:mod:`neural_net.db.values`).

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db.frames import locate, history_frame
    >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
    >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=2, verbose=0)
    >>> url, engine, row = locate("sqlite://", net['id'])
    >>> history_frame(engine, row['Architecture_id']).index.tolist()
    [1, 2]
"""
from __future__ import annotations

import warnings
from typing import Any, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import select, type_coerce
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import NullType

from .codec import decode_matrix, loads
from .engine import display_url, open_database, sources
from .errors import RunNotFound, SnapshotNotFound, StoredModelError, StoreError
from .process import effective_status
from .schema import Architecture, Cost, Layer, Neurons, Snapshot, WeightMatrix, utcnow
from .values import check_document, check_value, checked_row, raw_columns


# ----- where a run is ------------------------------------------------------------------------------
def _engines(source: Any) -> Iterator[tuple[str, Engine]]:
    """(url, engine) of each readable database of ``source``; with several, skip bad ones
    with a warning, with one, raise."""
    urls = sources(source)
    for url in urls:
        try:
            engine = open_database(url, create=False)
        except (StoreError, SQLAlchemyError, OSError) as e:
            if len(urls) == 1:
                raise
            warnings.warn(f"neural_net.db: skipping {display_url(url)}: {e}", RuntimeWarning, stacklevel=3)
            continue
        yield url, engine


def _run_id(run_id: Any) -> int:
    try:
        if isinstance(run_id, bool):
            raise TypeError
        return int(run_id)
    except (TypeError, ValueError):
        raise TypeError(f"run_id must be an integer (Architecture_id), got {run_id!r}") from None


def locate(source: Any, run_id: Any) -> tuple[str, Engine, dict[str, Any]]:
    """``(url, engine, row)`` of run ``run_id`` in ``source`` (a URL, a ``.db`` file or a run
    directory): the database holding it and its checked ``Architecture`` row.

    Raises:
        RunNotFound: no such run (the message lists the runs there).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.frames import locate
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> locate("sqlite://", net['id'])[2]['status']
        'created'
    """
    rid = _run_id(run_id)
    seen: list[int] = []
    for url, engine in _engines(source):
        with engine.connect() as c:
            row = c.execute(select(*raw_columns(Architecture))
                            .where(Architecture.Architecture_id == rid)).mappings().first()
            if row is not None:
                return url, engine, checked_row(Architecture, row, rid)
            seen += [r[0] for r in c.execute(select(Architecture.Architecture_id).order_by(Architecture.created_at))]
    shown = seen[:20] + (["..."] if len(seen) > 20 else [])
    raise RunNotFound(f"no run {rid} in {source}; runs there: {shown}")


def run_info_of(url: str, row: dict[str, Any], stale_after: float | None = None) -> dict[str, Any]:
    """The run's metadata (:func:`neural_net.db.run_info`) from its located ``row`` in ``url``.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.frames import locate, run_info_of
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> run_info_of(*[locate("sqlite://", net['id'])[i] for i in (0, 2)])['config']['cost']
        'MSE'
    """
    info = dict(row)
    info["config"] = document(row, "config", "the configuration")
    info["hyperparams"] = document(row, "hyperparams", "the hyper-parameters")
    info["stored_status"] = row["status"]
    info["status"] = effective_status(row["status"], row["pid"], row["hostname"], row["process_token"],
                                      row["updated_at"], utcnow(), stale_after)
    info["db_path"] = url
    return info


def document(row: dict[str, Any], column: str, what: str) -> Any:
    """The JSON document in ``column`` of the run's row, parsed (bounded in size and depth).

    Example:
        >>> from neural_net.db.frames import document
        >>> document({"Architecture_id": 1, "config": '{"steps": []}'}, "config", "the configuration")
        {'steps': []}
    """
    where = f"{what} of run {row['Architecture_id']} (table Architecture, column {column})"
    return loads(check_document(row[column], where), where)


_CURVE = np.dtype([("epoch", "i8"), ("value", "f8")])


def _curve(cursor: Any, dialect: str, table: str, where: str, params: tuple) -> pd.Series:
    """The (epoch, value) pairs of ``table`` matching ``where``, ordered by epoch, as a Series
    (NULL → NaN). SQLite: rows straight from the DBAPI cursor into numpy. PostgreSQL: the
    server packs both columns into two binary strings (``int8send``/``float8send``), which
    numpy reads exactly and without a Python object per row."""
    rows = f"SELECT epoch, value FROM {table} WHERE {where} ORDER BY epoch"
    if dialect == "postgresql":
        cursor.execute(f"SELECT string_agg(int8send(s.epoch::bigint), ''::bytea), "
                       f"string_agg(float8send(coalesce(s.value, 'NaN'::float8)), ''::bytea) FROM ({rows}) AS s",
                       params)
        e, v = cursor.fetchone()
        epoch = np.frombuffer(e or b"", dtype=">i8").astype(np.int64)
        value = np.frombuffer(v or b"", dtype=">f8").astype(np.float64)
        if len(epoch) > 1 and not (np.diff(epoch) >= 0).all():  # order is not promised by SQL
            order = np.argsort(epoch, kind="stable")
            epoch, value = epoch[order], value[order]
    else:
        cursor.execute(rows, params)
        fetched = cursor.fetchall()
        try:
            arr = np.array(fetched, dtype=_CURVE)
        except (TypeError, ValueError, OverflowError):
            raise _bad_curve(fetched, table, params[0]) from None
        epoch, value = arr["epoch"], arr["value"]
    s = pd.Series(value, index=pd.Index(epoch, name="epoch"))
    return s[~s.index.duplicated(keep="last")]


def _bad_curve(rows: list[tuple], table: str, rid: int) -> StoredModelError:
    """The error for (epoch, value) rows of ``table`` that are not (integer, number) pairs."""
    for epoch, value in rows:
        check_value(epoch, "int", f"run {rid}: table {table}, column epoch")
        check_value(value, "float", f"run {rid}: table {table}, column value")
    return StoredModelError(f"run {rid}: table {table}: epoch and value columns cannot be read")  # pragma: no cover


_EPOCH_1970 = pd.Timestamp("1970-01-01", tz="UTC")


def wall_seconds(times: Any) -> np.ndarray:
    """Seconds since 1970-01-01 UTC (float64) of stored times: naive datetimes are UTC (as the
    store writes them), aware ones are converted, ISO strings are parsed; missing → NaN.

    Example:
        >>> from datetime import datetime
        >>> from neural_net.db.frames import wall_seconds
        >>> wall_seconds([datetime(1970, 1, 1, 0, 0, 2, 500000), None]).tolist()
        [2.5, nan]
    """
    stamps = pd.to_datetime(pd.Series(list(times), dtype=object), utc=True, errors="coerce", format="ISO8601")
    return ((stamps - _EPOCH_1970) / pd.Timedelta(seconds=1)).to_numpy(dtype=np.float64, na_value=np.nan)


def wall_time_series(engine: Engine, rid: int) -> pd.Series:
    """Seconds from the run's first recorded epoch to each epoch (index ``epoch``), from the
    times of its training loss rows (a time that cannot be read is NaN).

    Example:
        >>> from neural_net.db.frames import wall_time_series
        >>> from neural_net.db.engine import open_database
        >>> wall_time_series(open_database("sqlite://"), 12345).empty
        True
    """
    C = Cost.__table__
    with engine.connect() as c:  # the stored values as they are (checked here: a file is input)
        rows = c.execute(select(*raw_columns(C, "epoch", "created_at"))
                         .where(C.c.Architecture_id == rid, C.c.split == "train", C.c.epoch.is_not(None))
                         .order_by(C.c.epoch)).fetchall()
    epochs = [check_value(e, "int", f"run {rid}: table cost, column epoch") for e, _ in rows]
    seconds = wall_seconds(t for _, t in rows)
    out = pd.Series(seconds - seconds[0] if len(rows) else seconds, index=pd.Index(epochs, dtype="int64", name="epoch"))
    return out[~out.index.duplicated(keep="last")]


def history_frame(engine: Engine, rid: int, max_epoch: int | None = None,
                  after: int | None = None) -> pd.DataFrame:
    """The run's curves (:func:`neural_net.db.history`), read column by column over covering
    indexes (1M epochs in about a second): ``loss``/``val_loss`` from Cost, the others from
    metric; only epochs up to ``max_epoch``, and only those after ``after``, when given.

    Example:
        >>> from neural_net.db.frames import history_frame
        >>> from neural_net.db.engine import open_database
        >>> history_frame(open_database("sqlite://"), 12345).empty
        True
    """
    dialect = engine.dialect.name
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    # no bound without max_epoch: a malformed epoch (text sorts after numbers in SQLite) is read and refused
    upto, bound = ("", ()) if max_epoch is None else (f" AND epoch <= {mark}", (int(max_epoch),))
    if after is not None:  # a text epoch sorts after every number in SQLite: still read and refused
        upto, bound = upto + f" AND epoch > {mark}", bound + (int(after),)
    columns: dict[str, pd.Series] = {}
    positions: dict[str, int] = {}
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # one snapshot for every curve: a run still training commits an epoch's rows at once,
        # so no column may end an epoch later than another (a live page asks for what follows)
        if dialect == "sqlite" and not raw.driver_connection.in_transaction:
            cur.execute("BEGIN")
        elif dialect == "postgresql":
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # distinct splits and (split, name) pairs by index seeks, not by scanning every row
        splits: list[str] = []
        while True:
            cur.execute(f"SELECT min(split) FROM Cost WHERE Architecture_id = {mark} AND split > {mark}",
                        (rid, splits[-1] if splits else ""))
            nxt = cur.fetchone()[0]
            if nxt is None:
                break
            splits.append(check_value(nxt, "str", f"run {rid}: table cost, column split"))
        for split in sorted(splits, key=lambda s: (s != "train", s)):
            key = "loss" if split == "train" else f"{split}_loss"
            curve = _curve(cur, dialect, "cost", f"Architecture_id = {mark} AND split = {mark} AND epoch IS NOT NULL"
                                                 + upto, (rid, split) + bound)
            if len(curve):
                columns[key] = curve
        last: tuple[str, str] = ("", "")
        while True:
            cur.execute(f"SELECT split, name, position FROM metric WHERE Architecture_id = {mark} AND "
                        f"(split > {mark} OR (split = {mark} AND name > {mark})) ORDER BY split, name LIMIT 1",
                        (rid, last[0], last[0], last[1]))
            row = cur.fetchone()
            if row is None:
                break
            split, name, pos = row
            where = f"run {rid}: table metric, column"
            check_value(split, "str", f"{where} split"), check_value(name, "str", f"{where} name")
            pos = check_value(pos, "int", f"{where} position")
            last = (split, name)
            key = name if split == "train" else f"{split}_{name}"
            curve = _curve(cur, dialect, "metric", f"Architecture_id = {mark} AND split = {mark} AND name = {mark}"
                                                   + upto, (rid, split, name) + bound)
            if len(curve):
                columns[key] = curve
                positions[key] = int(pos)
        cur.close()
        raw.commit()  # end the read transaction
    finally:
        raw.close()
    # the loss of each split takes the first position no metric uses (its place in the logs)
    used = set(positions.values())
    free = (i for i in range(len(columns) + len(used) + 1) if i not in used)
    for key in sorted((k for k in columns if k not in positions), key=lambda k: (k != "loss", k)):
        positions[key] = next(free)
    order = sorted(columns, key=lambda k: positions[k])
    if len(order) == 1:
        df = columns[order[0]].to_frame(order[0])
    else:
        df = pd.DataFrame({k: columns[k] for k in order})
    df.index = df.index.astype("int64")
    df.index.name = "epoch"
    return df.sort_index()


def layers_frame(engine: Engine, rid: int) -> pd.DataFrame:
    """The run's layers (:func:`neural_net.db.layers`).

    Example:
        >>> from neural_net.db.frames import layers_frame
        >>> from neural_net.db.engine import open_database
        >>> layers_frame(open_database("sqlite://"), 12345).columns.tolist()[:3]
        ['position', 'Layer_id', 'name']
    """
    L, N = Layer.__table__, Neurons.__table__
    q = (select(*raw_columns(L, "position", "Layer_id", "name", "n_in", "n_out"),
                *[type_coerce(c, NullType()).label(k) for c, k in ((N.c.name, "neurons"), (N.c.Neurons_id, "Neurons_id"))],
                *raw_columns(L, "config"))
         .select_from(L.outerjoin(N, (N.c.Layer_id == L.c.Layer_id) & (N.c.Architecture_id == L.c.Architecture_id)))
         .where(L.c.Architecture_id == rid).order_by(L.c.position))
    names = ["position", "Layer_id", "name", "n_in", "n_out", "neurons", "Neurons_id", "config"]
    with engine.connect() as c:
        rows = [_checked_layer(r, rid) for r in c.execute(q).mappings()]
    df = pd.DataFrame.from_records(rows, columns=names)
    for k in ("n_in", "n_out"):  # ints, and None for layers without sizes (as the seed shows)
        df[k] = pd.Series([r[names.index(k)] for r in rows], dtype=object)
    return df


def _checked_layer(row: Any, rid: int) -> tuple:
    r = checked_row(Layer, {k: v for k, v in row.items() if k not in ("neurons", "Neurons_id")}, rid)
    n = checked_row(Neurons, {"name": row["neurons"], "Neurons_id": row["Neurons_id"]}, rid)
    return (r["position"], r["Layer_id"], r["name"], r["n_in"], r["n_out"], n["name"], n["Neurons_id"], r["config"])


def snapshot_frame(engine: Engine, rid: int) -> pd.DataFrame:
    """The run's snapshots (:func:`neural_net.db.snapshots`).

    Example:
        >>> from neural_net.db.frames import snapshot_frame
        >>> from neural_net.db.engine import open_database
        >>> snapshot_frame(open_database("sqlite://"), 12345).columns.tolist()
        ['seq', 'epoch', 'tag', 'created_at', 'n_params', 'snapshot_id']
    """
    S = Snapshot.__table__
    with engine.connect() as c:
        rows = [tuple(checked_row(S, r, rid).values())
                for r in c.execute(select(*raw_columns(S, "seq", "epoch", "tag", "created_at", "n_params", "id"))
                                   .where(S.c.Architecture_id == rid).order_by(S.c.seq)).mappings()]
    return pd.DataFrame.from_records(rows, columns=["seq", "epoch", "tag", "created_at", "n_params", "snapshot_id"])


def pick_snapshot(engine: Engine, rid: int, epoch: int | None, where: str) -> dict[str, Any]:
    """The run's snapshot row at ``epoch`` (the latest if None), or :class:`SnapshotNotFound`
    naming the stored epochs.

    Example:
        >>> from neural_net.db.frames import pick_snapshot
        >>> from neural_net.db.engine import open_database
        >>> pick_snapshot(open_database("sqlite://"), 12345, None, "memory")
        Traceback (most recent call last):
        ...
        neural_net.db.errors.SnapshotNotFound: run 12345 in memory has no snapshot; stored epochs: []
    """
    S = Snapshot.__table__
    q = select(*raw_columns(S)).where(S.c.Architecture_id == rid)
    if epoch is not None:
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)):
            raise TypeError(f"epoch must be an int or None, got {epoch!r}")
        q = q.where(S.c.epoch == int(epoch))
    with engine.connect() as c:
        row = c.execute(q.order_by(S.c.seq.desc()).limit(1)).mappings().first()
        if row is None:
            epochs = sorted({checked_row(S, r, rid)["epoch"]
                             for r in c.execute(select(*raw_columns(S, "epoch")).where(S.c.Architecture_id == rid))
                             .mappings()})
            what = "no snapshot" if epoch is None else f"no snapshot at epoch {epoch}"
            raise SnapshotNotFound(f"run {rid} in {where} has {what}; stored epochs: {epochs}")
    return checked_row(S, row, rid)


def _read_matrices(engine: Engine, snapshot_id: int, rid: int) -> list[dict[str, Any]]:
    M = WeightMatrix.__table__
    with engine.connect() as c:
        rows = c.execute(select(*raw_columns(M, "position", "Layer_id", "Neurons_id", "epoch", "n_rows", "n_cols",
                                             "dtype", "matrix", "nonfinite"))
                         .where(M.c.snapshot_id == snapshot_id).order_by(M.c.position)).mappings().fetchall()
    out = []
    for raw in rows:
        r = checked_row(M, raw, rid)
        try:
            W = decode_matrix(r["matrix"], r["n_rows"], r["n_cols"], r["dtype"], r["nonfinite"])
        except StoredModelError as e:
            raise StoredModelError(f"run {rid}: table weight_matrix, layer {r['position']}: {e}") from None
        out.append({**{k: r[k] for k in ("position", "Layer_id", "Neurons_id", "epoch")}, "W": W})
    return out


def snapshot_matrices(url: str, engine: Engine, rid: int, epoch: int | None) -> tuple[dict[str, Any], list]:
    """The located run's snapshot at ``epoch`` (latest if None) and its decoded matrices
    (dicts with ``position, Layer_id, Neurons_id, epoch, W``).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.frames import locate, snapshot_matrices
        >>> net = Sequential([Dense(3, input_dim=2)], 'mse', store="sqlite://")
        >>> url, engine, row = locate("sqlite://", net['id'])
        >>> snapshot_matrices(url, engine, net['id'], 0)[1][0]["W"].shape
        (3, 3)
    """
    snap = pick_snapshot(engine, rid, epoch, display_url(url))
    return snap, _read_matrices(engine, snap["id"], rid)
