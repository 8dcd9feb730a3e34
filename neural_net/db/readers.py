"""Readers: runs, histories, layers and weights as pandas DataFrames, and models rebuilt from
any stored snapshot.

Every reader takes a ``source``: a SQLAlchemy URL, the path of a ``.db`` file, or a run
directory (every ``*.db`` file in it; files that cannot be read are skipped with a warning).
Readers never create or modify a database (:func:`delete_run` excepted).

=====================================  ======================================================
``list_runs(source)``                  one row per run (status, epochs, final/best loss, ...)
``history(source, run_id)``            epoch × [loss, accuracy, val_loss, ..., lr]
``layers(source, run_id)``             one row per layer (name, n_in, n_out, neurons, ...)
``snapshots(source, run_id)``          one row per stored snapshot (epoch, tag, ...)
``weights(source, run_id, epoch)``     long format: one row per weight of a snapshot
``weight_matrices(...)``               the snapshot's matrices as numpy arrays
``load_model(source, run_id, epoch)``  a Sequential that resumes training bit for bit
``run_info(source, run_id)``           the run's metadata (config, hyper-parameters, ...)
``delete_run(source, run_id)``         remove a run and everything it owns
=====================================  ======================================================

Rebuilding runs no code from the database: configurations are JSON whose layer, activation,
cost, optimizer, schedule and generator names must be registered ones; anything else raises
:class:`~neural_net.db.errors.StoredModelError`.

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db import history, load_model
    >>> net = Sequential([Dense(1, activation='sigmoid', input_dim=2)], 'bce', store="sqlite://", seed=0)
    >>> X = numpy.array([[0., 1.], [1., 0.]]); y = numpy.array([[1], [0]])
    >>> _ = net.fit(X, y, epochs=2, verbose=0)
    >>> history("sqlite://", net['id']).columns.tolist()
    ['loss', 'lr']
    >>> twin = load_model("sqlite://", net['id'])
    >>> twin.epoch, all(numpy.array_equal(a, b) for a, b in zip(twin.get_weights(), net.get_weights()))
    (2, True)
"""
from __future__ import annotations

import warnings
from typing import Any, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .codec import decode_matrix, loads, loads_state
from .engine import open_database, sources, sqlite_file, sqlite_url  # noqa: F401 (sources: re-exported)
from .errors import RunNotFound, SnapshotNotFound, StoredModelError, StoreError
from .process import effective_status
from .schema import Architecture, Cost, Layer, Metric, Neurons, Snapshot, WeightMatrix, utcnow

RUN_COLUMNS = ["run_id", "name", "status", "epochs", "final_loss", "best_loss", "started_at", "db_path",
               "best_epoch", "final_val_loss", "best_val_loss", "best_val_epoch", "created_at", "finished_at",
               "updated_at", "pid", "hostname", "stored_status"]
#: Generators a stored state may name (numpy's own bit generators).
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


# ----- sources ------------------------------------------------------------------------------
def _show(url: str) -> str:
    path = sqlite_file(url)
    return str(path) if path is not None else url


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
            warnings.warn(f"neural_net.db: skipping {_show(url)}: {e}", RuntimeWarning, stacklevel=3)
            continue
        yield url, engine


def _run_id(run_id: Any) -> int:
    try:
        if isinstance(run_id, bool):
            raise TypeError
        return int(run_id)
    except (TypeError, ValueError):
        raise TypeError(f"run_id must be an integer (Architecture_id), got {run_id!r}") from None


def _locate(source: Any, run_id: Any) -> tuple[str, Engine, dict[str, Any]]:
    rid = _run_id(run_id)
    seen: list[int] = []
    for url, engine in _engines(source):
        with engine.connect() as c:
            row = c.execute(select(Architecture.__table__).where(Architecture.Architecture_id == rid)).mappings().first()
            if row is not None:
                return url, engine, dict(row)
            seen += [r[0] for r in c.execute(select(Architecture.Architecture_id).order_by(Architecture.created_at))]
    shown = seen[:20] + (["..."] if len(seen) > 20 else [])
    raise RunNotFound(f"no run {rid} in {source}; runs there: {shown}")


# ----- runs ------------------------------------------------------------------------------------
_RUN_SQL = """
SELECT Architecture_id AS run_id, name AS name, status AS stored_status, epochs AS epochs,
       final_loss AS final_loss, best_loss AS best_loss, best_epoch AS best_epoch,
       final_val_loss AS final_val_loss, best_val_loss AS best_val_loss, best_val_epoch AS best_val_epoch,
       created_at AS created_at, started_at AS started_at, finished_at AS finished_at,
       updated_at AS updated_at, pid AS pid, hostname AS hostname, process_token AS process_token
FROM run_summary"""


def list_runs(source: Any, *, stale_after: float | None = None, status: Any = None, name: str | None = None,
              on_skip: Any = None) -> pd.DataFrame:
    """One row per run across every database of ``source``, oldest first.

    Columns: ``run_id, name, status, epochs, final_loss, best_loss, started_at, db_path``, then
    ``best_epoch, final_val_loss, best_val_loss, best_val_epoch, created_at, finished_at,
    updated_at, pid, hostname, stored_status``. ``status`` is ``'interrupted'`` for a run stored
    as ``'running'`` whose process is gone (see :mod:`neural_net.db.process`; ``stale_after``
    seconds of silent heartbeat also count for runs of other hosts); ``stored_status`` is the
    value in the database.

    ``status`` keeps the runs of that status (or any of several: a list or ``'a,b'``), ``name``
    the runs whose name matches (a substring, or a glob such as ``'mnist-*'``; both
    case-insensitive). Files of a directory that cannot be read are skipped and reported
    through ``on_skip(path, reason)`` (default: a ``RuntimeWarning``). SQLite files are read
    with raw sqlite3 connections in a thread pool (see :mod:`neural_net.db.catalogue`).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import list_runs
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://", name="tiny")
        >>> runs = list_runs("sqlite://")
        >>> runs.loc[runs.run_id == net['id'], ["name", "status", "epochs"]].values.tolist()
        [['tiny', 'created', 0]]
    """
    from .catalogue import catalogue

    return catalogue(source, stale_after=stale_after, status=status, name=name, on_skip=on_skip)


def run_info(source: Any, run_id: Any, *, stale_after: float | None = None) -> dict[str, Any]:
    """The run's row of ``Architecture`` as a dict, with ``config`` and ``hyperparams`` parsed,
    ``status`` as :func:`list_runs` reports it and ``db_path``.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import run_info
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> info = run_info("sqlite://", net['id']); info['status'], info['config']['cost']
        ('created', 'MSE')
    """
    url, _, row = _locate(source, run_id)
    return _run_info(url, row, stale_after)


def _run_info(url: str, row: dict[str, Any], stale_after: float | None = None) -> dict[str, Any]:
    """:func:`run_info` of the located run ``row`` of the database ``url``."""
    info = dict(row)
    info["config"] = loads(row["config"], f"the configuration of run {row['Architecture_id']}")
    info["hyperparams"] = loads(row["hyperparams"], f"the hyper-parameters of run {row['Architecture_id']}")
    info["stored_status"] = row["status"]
    info["status"] = effective_status(row["status"], row["pid"], row["hostname"], row["process_token"],
                                      row["updated_at"], utcnow(), stale_after)
    info["db_path"] = url
    return info


def history(source: Any, run_id: Any) -> pd.DataFrame:
    """The run's per-epoch values: index ``epoch``, columns ``loss``, metrics, ``val_loss``,
    ``val_<metric>``, ``lr`` (in the order training logged them).

    Example:
        >>> import numpy
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import history
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=3, verbose=0)
        >>> history("sqlite://", net['id']).index.tolist()
        [1, 2, 3]
    """
    _, engine, row = _locate(source, run_id)
    return _history_frame(engine, row["Architecture_id"])


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
        arr = np.fromiter(cursor, dtype=_CURVE)
        epoch, value = arr["epoch"], arr["value"]
    s = pd.Series(value, index=pd.Index(epoch, name="epoch"))
    return s[~s.index.duplicated(keep="last")]


def _history_frame(engine: Engine, rid: int, max_epoch: int | None = None) -> pd.DataFrame:
    """The run's curves, read column by column over covering indexes (1M epochs in about a
    second): ``loss``/``val_loss`` from Cost, the others from metric."""
    bound = 2**62 if max_epoch is None else int(max_epoch)
    dialect = engine.dialect.name
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    columns: dict[str, pd.Series] = {}
    positions: dict[str, int] = {}
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # distinct splits and (split, name) pairs by index seeks, not by scanning every row
        splits: list[str] = []
        while True:
            cur.execute(f"SELECT min(split) FROM Cost WHERE Architecture_id = {mark} AND split > {mark}",
                        (rid, splits[-1] if splits else ""))
            nxt = cur.fetchone()[0]
            if nxt is None:
                break
            splits.append(nxt)
        for split in sorted(splits, key=lambda s: (s != "train", s)):
            key = "loss" if split == "train" else f"{split}_loss"
            curve = _curve(cur, dialect, "Cost", f"Architecture_id = {mark} AND split = {mark} AND epoch IS NOT NULL "
                                                 f"AND epoch <= {mark}", (rid, split, bound))
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
            last = (split, name)
            key = name if split == "train" else f"{split}_{name}"
            curve = _curve(cur, dialect, "metric", f"Architecture_id = {mark} AND split = {mark} AND name = {mark} "
                                                   f"AND epoch <= {mark}", (rid, split, name, bound))
            if len(curve):
                columns[key] = curve
                positions[key] = int(pos)
        cur.close()
        raw.commit()  # end the read transaction (PostgreSQL)
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


def layers(source: Any, run_id: Any) -> pd.DataFrame:
    """One row per layer of the run, in order: ``position, Layer_id, name, n_in, n_out, neurons,
    Neurons_id, config`` (config as JSON text).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import layers
        >>> net = Sequential([Dense(3, activation='relu', input_dim=2)], 'mse', store="sqlite://")
        >>> layers("sqlite://", net['id'])[["name", "n_in", "n_out", "neurons"]].values.tolist()
        [['Fullyconnected', 2, 3, 'Σ'], ['Activation', None, None, 'ReLU']]
    """
    _, engine, row = _locate(source, run_id)
    return _layers_frame(engine, row["Architecture_id"])


def _layers_frame(engine: Engine, rid: int) -> pd.DataFrame:
    L, N = Layer.__table__, Neurons.__table__
    q = (select(L.c.position, L.c.Layer_id, L.c.name, L.c.n_in, L.c.n_out, N.c.name.label("neurons"),
                N.c.Neurons_id, L.c.config)
         .select_from(L.outerjoin(N, (N.c.Layer_id == L.c.Layer_id) & (N.c.Architecture_id == L.c.Architecture_id)))
         .where(L.c.Architecture_id == rid).order_by(L.c.position))
    with engine.connect() as c:
        rows = c.execute(q).fetchall()
    names = ["position", "Layer_id", "name", "n_in", "n_out", "neurons", "Neurons_id", "config"]
    df = pd.DataFrame.from_records(rows, columns=names)
    for k in ("n_in", "n_out"):  # ints, and None for layers without sizes (as the seed shows)
        df[k] = pd.Series([r[names.index(k)] for r in rows], dtype=object)
    return df


def snapshots(source: Any, run_id: Any) -> pd.DataFrame:
    """One row per stored snapshot of the run: ``seq, epoch, tag, created_at, n_params,
    snapshot_id`` (oldest first).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import snapshots
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> snapshots("sqlite://", net['id'])[["seq", "epoch", "tag"]].values.tolist()
        [[0, 0, 'initial']]
    """
    _, engine, row = _locate(source, run_id)
    return _snapshot_frame(engine, row["Architecture_id"])


def _snapshot_frame(engine: Engine, rid: int) -> pd.DataFrame:
    S = Snapshot.__table__
    with engine.connect() as c:
        rows = c.execute(select(S.c.seq, S.c.epoch, S.c.tag, S.c.created_at, S.c.n_params, S.c.id)
                         .where(S.c.Architecture_id == rid).order_by(S.c.seq)).fetchall()
    return pd.DataFrame.from_records(rows, columns=["seq", "epoch", "tag", "created_at", "n_params", "snapshot_id"])


def _pick_snapshot(engine: Engine, rid: int, epoch: int | None, where: str) -> dict[str, Any]:
    S = Snapshot.__table__
    q = select(S).where(S.c.Architecture_id == rid)
    if epoch is not None:
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)):
            raise TypeError(f"epoch must be an int or None, got {epoch!r}")
        q = q.where(S.c.epoch == int(epoch))
    with engine.connect() as c:
        row = c.execute(q.order_by(S.c.seq.desc()).limit(1)).mappings().first()
        if row is None:
            epochs = sorted({r[0] for r in c.execute(select(S.c.epoch).where(S.c.Architecture_id == rid))})
            what = "no snapshot" if epoch is None else f"no snapshot at epoch {epoch}"
            raise SnapshotNotFound(f"run {rid} in {where} has {what}; stored epochs: {epochs}")
    return dict(row)


def _read_matrices(engine: Engine, snapshot_id: int) -> list[dict[str, Any]]:
    M = WeightMatrix.__table__
    with engine.connect() as c:
        rows = c.execute(select(M.c.position, M.c.Layer_id, M.c.Neurons_id, M.c.epoch, M.c.n_rows, M.c.n_cols,
                                M.c.dtype, M.c.matrix, M.c.nonfinite)
                         .where(M.c.snapshot_id == snapshot_id).order_by(M.c.position)).mappings().fetchall()
    out = []
    for r in rows:
        try:
            W = decode_matrix(r["matrix"], r["n_rows"], r["n_cols"], r["dtype"], r["nonfinite"])
        except StoredModelError as e:
            raise StoredModelError(f"layer {r['position']}: {e}") from None
        out.append({**{k: r[k] for k in ("position", "Layer_id", "Neurons_id", "epoch")}, "W": W})
    return out


def _snapshot_matrices(url: str, engine: Engine, rid: int, epoch: int | None) -> tuple[dict[str, Any], list]:
    """The located run's snapshot at ``epoch`` (latest if None) and its decoded matrices."""
    snap = _pick_snapshot(engine, rid, epoch, _show(url))
    return snap, _read_matrices(engine, snap["id"])


def weight_matrices(source: Any, run_id: Any, epoch: int | None = None) -> list[np.ndarray]:
    """The weight matrices (bias row last) of the run's snapshot at ``epoch`` (latest if None),
    in layer order, with their stored dtype.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import weight_matrices
        >>> net = Sequential([Dense(3, input_dim=2)], 'mse', store="sqlite://")
        >>> [W.shape for W in weight_matrices("sqlite://", net['id'], epoch=0)]
        [(3, 3)]
    """
    url, engine, row = _locate(source, run_id)
    return [m["W"] for m in _snapshot_matrices(url, engine, row["Architecture_id"], epoch)[1]]


def weights(source: Any, run_id: Any, epoch: int | None = None) -> pd.DataFrame:
    """The weights of the run's snapshot at ``epoch`` (latest if None) in long format: one
    row per value with ``epoch, layer`` (position), ``Layer_id, Neurons_id, row, col, value``
    (``row == n_in`` is the bias).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Fullyconnected
        >>> from neural_net.init_funcs import zeros
        >>> from neural_net.db import weights
        >>> net = Sequential([Fullyconnected(2, 50, zeros)], 'mse', store="sqlite://")
        >>> w = weights("sqlite://", net['id']); len(w), float(w["value"].mean())
        (150, 0.0)
    """
    url, engine, row = _locate(source, run_id)
    parts = []
    for m in _snapshot_matrices(url, engine, row["Architecture_id"], epoch)[1]:
        W = m["W"]
        r, c = np.divmod(np.arange(W.size), W.shape[1])
        parts.append(pd.DataFrame({"epoch": m["epoch"], "layer": m["position"], "Layer_id": m["Layer_id"],
                                   "Neurons_id": m["Neurons_id"], "row": r, "col": c,
                                   "value": W.ravel().astype(np.float64)}))
    if not parts:
        return pd.DataFrame(columns=["epoch", "layer", "Layer_id", "Neurons_id", "row", "col", "value"])
    return pd.concat(parts, ignore_index=True)


# ----- rebuilding ------------------------------------------------------------------------------
def _fail(rid: int, what: str) -> StoredModelError:
    return StoredModelError(f"run {rid}: {what}; nothing was built or executed")


def validate_config(config: Any, rid: int = 0) -> dict[str, Any]:
    """Check a stored model configuration against the registered names before anything is
    built: layer classes, activations (and their parameters), the cost, integer sizes.

    Example:
        >>> from neural_net.db.readers import validate_config
        >>> validate_config({'steps': [{'class': 'os.system', 'cmd': 'rm -rf /'}], 'cost': 'MSE'})
        Traceback (most recent call last):
        ...
        neural_net.db.errors.StoredModelError: run 0: layer 0 names class 'os.system', which is not a registered layer (known: ['Activation', 'Dropout', 'Fullyconnected']); nothing was built or executed
    """
    from ..activation import ACTIVATIONS
    from ..cost import COSTS
    from ..serialization import LAYERS

    if not isinstance(config, dict):
        raise _fail(rid, f"the stored configuration must be a JSON object, got {type(config).__name__}")
    steps = config.get("steps")
    if not isinstance(steps, list) or not steps:
        raise _fail(rid, "the stored configuration has no list of steps")
    cost = config.get("cost")
    if cost is not None and (not isinstance(cost, str) or cost not in COSTS):
        raise _fail(rid, f"the stored cost {cost!r} is not a registered cost (known: {sorted(COSTS)})")
    if config.get("name") is not None and not isinstance(config["name"], str):
        raise _fail(rid, f"the stored name must be a string, got {config['name']!r}")

    def count(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v > 0

    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            raise _fail(rid, f"layer {i} must be a JSON object, got {type(step).__name__}")
        cls = step.get("class")
        if not isinstance(cls, str) or cls not in LAYERS:
            raise _fail(rid, f"layer {i} names class {cls!r}, which is not a registered layer (known: {sorted(LAYERS)})")
        if cls == "Fullyconnected":
            if not (count(step.get("n_in")) and count(step.get("n_out"))):
                raise _fail(rid, f"layer {i} (Fullyconnected) needs positive integer n_in and n_out, got "
                                 f"{step.get('n_in')!r}, {step.get('n_out')!r}")
            init = step.get("init_method", {})
            if not isinstance(init, dict) or not all(isinstance(v, str) for v in init.values()):
                raise _fail(rid, f"layer {i}: init_method must be an object of strings, got {init!r}")
        elif cls == "Activation":
            f = step.get("func")
            if not isinstance(f, dict) or not isinstance(f.get("name"), str) or f["name"] not in ACTIVATIONS:
                name = f.get("name") if isinstance(f, dict) else f
                raise _fail(rid, f"layer {i} names activation {name!r}, which is not registered "
                                 f"(known: {sorted(ACTIVATIONS)})")
            allowed = set(ACTIVATIONS[f["name"]].params)
            extra = {k: v for k, v in f.items() if k != "name"}
            if not set(extra) <= allowed or not all(number(v) for v in extra.values()):
                raise _fail(rid, f"layer {i}: activation {f['name']} takes numeric parameters {sorted(allowed)}, "
                                 f"got {extra!r}")
        elif cls == "Dropout":
            if not number(step.get("rate")):
                raise _fail(rid, f"layer {i} (Dropout) needs a numeric rate, got {step.get('rate')!r}")
    return config


def _restore_rng(model: Any, state: Any, rid: int) -> None:
    if not isinstance(state, dict) or state.get("bit_generator") not in BIT_GENERATORS:
        name = state.get("bit_generator") if isinstance(state, dict) else state
        raise _fail(rid, f"the stored generator {name!r} is not one of numpy's bit generators {list(BIT_GENERATORS)}")
    name = state["bit_generator"]
    inner = state.get("state")
    if name == "MT19937" and isinstance(inner, dict) and isinstance(inner.get("key"), list):
        state = {**state, "state": {**inner, "key": np.asarray(inner["key"], dtype=np.uint32)}}
    rng = model.rng
    if type(rng.bit_generator).__name__ != name:
        rng = np.random.Generator(getattr(np.random, name)())
    try:
        rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as e:
        raise _fail(rid, f"the stored {name} generator state is invalid ({e})") from None
    if rng is not model.rng:
        model.set_rng(rng)


def _restore_optimizer(model: Any, state: Any, metrics: list[Any], rid: int, fresh: Any = None) -> None:
    """Bind the stored optimizer (config + state); without a stored state (a snapshot taken
    before ``compile``), a fresh optimizer from the run's hyper-parameters ``fresh``."""
    from .. import optimizers
    from ..metrics import get_metric

    names = []
    for name in metrics or []:
        try:
            names.append(get_metric(name))
        except (TypeError, ValueError):
            warnings.warn(f"neural_net.db: run {rid} used metric {name!r}, which is not registered; it is "
                          "not restored", RuntimeWarning, stacklevel=3)
    model.metrics = names
    if state is None:
        if not isinstance(fresh, dict) or not isinstance(fresh.get("name"), str):
            return
        state = {"name": fresh["name"], "config": fresh.get("config") or {}, "state": {}}
    if not isinstance(state, dict) or not isinstance(state.get("name"), str):
        raise _fail(rid, "the stored optimizer state must be an object with a name")
    try:
        opt = optimizers.from_config(state["name"], state.get("config") or {})
        opt.load_state_dict(state)
    except (TypeError, ValueError, KeyError) as e:
        raise _fail(rid, f"the stored optimizer cannot be rebuilt ({e})") from None
    model.set_optimizer(opt)


def load_model(source: Any, run_id: Any, epoch: int | None = None, *, store: Any = False) -> Any:
    """Rebuild the run's model from its snapshot at ``epoch`` (the latest if None): weights,
    optimizer (and its state), metrics, generator state, epoch counter and history, so that
    training on continues exactly as the original would have.

    With ``store`` (as ``Sequential(store=...)``), the rebuilt model is stored as a new run
    whose ``parent_id``/``parent_epoch`` name this one.

    Raises:
        RunNotFound: no such run (the message lists the runs there).
        SnapshotNotFound: no snapshot at that epoch (the message lists the stored epochs).
        StoredModelError: the stored data names unregistered things or is malformed.

    Example:
        >>> import numpy
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import load_model
        >>> net = Sequential([Dense(2, activation='relu', input_dim=2), Dense(1)], 'mse', store="sqlite://", seed=1)
        >>> net.compile('adam')  # doctest: +ELLIPSIS
        Sequential
        >>> X, y = numpy.ones((8, 2)), numpy.zeros((8, 1))
        >>> _ = net.fit(X, y, epochs=2, batch_size=4, verbose=0)
        >>> twin = load_model("sqlite://", net['id'])
        >>> _ = net.fit(X, y, epochs=3, batch_size=4, verbose=0); _ = twin.fit(X, y, epochs=3, batch_size=4, verbose=0)
        >>> all(numpy.array_equal(a, b) for a, b in zip(net.get_weights(), twin.get_weights()))
        True
    """
    from ..architecture import Sequential
    from ..callbacks import History
    from ..model import Define

    url, engine, row = _locate(source, run_id)
    rid = row["Architecture_id"]
    config = validate_config(loads(row["config"], f"the configuration of run {rid}"), rid)
    hyper = loads(row["hyperparams"], f"the hyper-parameters of run {rid}") or {}
    if not isinstance(hyper, dict):
        raise _fail(rid, "the stored hyper-parameters must be a JSON object")
    snap, matrices = _snapshot_matrices(url, engine, rid, epoch)
    trained = row["epochs"]
    if epoch is None and isinstance(trained, int) and trained > int(snap["epoch"]):
        warnings.warn(f"run {rid}: its history has {trained} epochs but the latest stored weights are those of "
                      f"epoch {snap['epoch']}; the model is rebuilt at epoch {snap['epoch']}", RuntimeWarning,
                      stacklevel=2)
    fc = [i for i, s in enumerate(config["steps"]) if s["class"] == "Fullyconnected"]
    if [m["position"] for m in matrices] != fc:
        raise _fail(rid, f"snapshot at epoch {snap['epoch']} holds matrices for layers "
                         f"{[m['position'] for m in matrices]}, the configuration has Fullyconnected layers {fc}")
    for m in matrices:
        step = config["steps"][m["position"]]
        if m["W"].shape != (step["n_in"] + 1, step["n_out"]) or m["W"].dtype.kind != "f":
            raise _fail(rid, f"layer {m['position']}: stored matrix {m['W'].shape} {m['W'].dtype} does not fit "
                             f"n_in={step['n_in']}, n_out={step['n_out']}")
    opt_state = loads_state(snap["optimizer"])
    rng_state = loads(snap["rng"], f"the generator state of run {rid}")

    flag = Define._Define__store  # type: ignore[attr-defined]
    Define._Define__store = False  # type: ignore[attr-defined]
    try:
        model = Sequential.from_config(config, [m["W"] for m in matrices])
    except (TypeError, ValueError, KeyError) as e:
        raise _fail(rid, f"the stored configuration cannot be built ({e})") from None
    finally:
        Define._Define__store = flag  # type: ignore[attr-defined]
    _restore_optimizer(model, opt_state, hyper.get("metrics"), rid, fresh=hyper.get("optimizer"))
    if rng_state is not None:
        _restore_rng(model, rng_state, rid)
    model.seed = hyper.get("seed", row["seed"])
    model.epoch = int(snap["epoch"])
    frame = _history_frame(engine, rid, max_epoch=model.epoch)
    h = History()
    for ep, values in zip(frame.index.tolist(), frame.itertuples(index=False, name=None)):
        h.append(int(ep), dict(zip(frame.columns, values)))
    model.history = h
    if store or Define.storing_by_default():
        model._open_store(store if store else True)
        model.store.set_parent(rid, model.epoch)
    return model


def delete_run(source: Any, run_id: Any) -> None:
    """Delete the run and every row it owns (layers, neurons, costs, metrics, snapshots).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db import delete_run, list_runs
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> before = len(list_runs("sqlite://")); delete_run("sqlite://", net['id'])
        >>> len(list_runs("sqlite://")) == before - 1
        True
    """
    _, engine, row = _locate(source, run_id)
    rid = row["Architecture_id"]
    with engine.begin() as c:
        for table in (WeightMatrix, Snapshot, Metric, Cost, Neurons, Layer, Architecture):
            c.execute(delete(table.__table__).where(table.__table__.c.Architecture_id == rid))


def count_rows(source: Any, run_id: Any) -> dict[str, int]:
    """Rows the run owns in each table (for checks and the CLI).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.readers import count_rows
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://")
        >>> count_rows("sqlite://", net['id'])['snapshot']
        1
    """
    _, engine, row = _locate(source, run_id)
    rid = row["Architecture_id"]
    out = {}
    with engine.connect() as c:
        for table in (Architecture, Layer, Neurons, Cost, Metric, Snapshot, WeightMatrix):
            t = table.__table__
            out[t.name] = int(c.execute(select(func.count()).select_from(t).where(t.c.Architecture_id == rid)).scalar())
    return out
