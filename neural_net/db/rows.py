"""Row builders of the write path: a model, its layers, an epoch's logs and its weights turned
into the dicts the tables take. Pure functions: they read the model and return rows; nothing
here touches a database (:class:`~neural_net.db.writer.RunWriter` writes them).

========================  ==============================================================
``run_row``               the ``Architecture`` row of a new run (status ``'created'``)
``layer_rows``            its ``Layer`` rows and their ``Neurons`` rows
``cost_definition``       the cost's definition row (``value`` and ``epoch`` NULL)
``epoch_rows``            an epoch's ``Cost`` rows (losses) and ``metric`` rows
``epoch_rows_many``       the epoch rows of many runs at once (an ensemble's members)
``epoch_columns``         the same epoch of many runs as columns (:class:`EpochColumns`)
``run_columns``           the runs' keys as the columns ``epoch_columns`` takes
``new_ids``               a block of fresh ids
``history_rows``          the rows of every epoch of a History (or those after an epoch)
``snapshot_rows``         a ``snapshot`` row and its ``weight_matrix`` rows
``hyperparams``           the hyper-parameters document written when training begins
``failed_run_row``        the row of a run that failed before it had a model
``param_rows``            the ``param`` rows of a run's hyper-parameters (flattened keys)
========================  ==============================================================

Example:
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.db.rows import epoch_rows
    >>> net = Sequential([Dense(1, input_dim=2)], 'mse')
    >>> costs, metrics = epoch_rows(net, 7, 1, {'loss': 0.5, 'lr': 0.1}, None)
    >>> [(c['split'], c['value']) for c in costs], [(m['name'], m['value']) for m in metrics]
    ([('train', 0.5)], [('lr', 0.1)])
"""
from __future__ import annotations

import functools
import math
import platform
import secrets
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Iterator

import numpy as np
import sqlalchemy

from ..model import new_id
from ..version import __version__
from . import process
from .codec import dumps, dumps_state, encode_matrix
from .columns import flatten_params
from .errors import StoreError

Row = dict[str, Any]
_MAX_INT64 = 2**63 - 1


def library_version() -> str:
    """The installed neural_net's version (as ``neural_net.__version__``).

    Example:
        >>> import neural_net
        >>> from neural_net.db.rows import library_version
        >>> library_version() == neural_net.__version__
        True
    """
    return __version__


def provenance() -> Row:
    """The ``Architecture`` columns naming the writing process and the library versions.

    Example:
        >>> import os
        >>> from neural_net.db.rows import provenance
        >>> provenance()["pid"] == os.getpid()
        True
    """
    pid, host, token = process.identity()
    return dict(pid=pid, hostname=host, process_token=token, library_version=library_version(),
                numpy_version=np.__version__, python_version=platform.python_version(),
                sqlalchemy_version=sqlalchemy.__version__)


def jsonable(obj: Any, what: str) -> str:
    """The JSON text of ``obj``, or a :class:`StoreError` saying ``what`` cannot be stored.

    Example:
        >>> from neural_net.db.rows import jsonable
        >>> jsonable({"lr": 0.1}, "the parameters")
        '{"lr": 0.1}'
    """
    try:
        return dumps(obj)
    except (TypeError, ValueError) as e:
        raise StoreError(f"cannot store {what}: it is not JSON-serializable ({e})") from None


def split_logs(logs: dict[str, Any]) -> list[tuple[str, str, float, int]]:
    """``(split, name, value, position)`` for each entry of an epoch's logs: ``val_x`` →
    (``'val'``, ``x``), anything else → (``'train'``, name).

    Example:
        >>> from neural_net.db.rows import split_logs
        >>> split_logs({'loss': 0.5, 'accuracy': 0.9, 'val_loss': 0.6, 'lr': 0.1})
        [('train', 'loss', 0.5, 0), ('train', 'accuracy', 0.9, 1), ('val', 'loss', 0.6, 2), ('train', 'lr', 0.1, 3)]
    """
    out = []
    for pos, (key, value) in enumerate(logs.items()):
        split, name = ("val", key[4:]) if key.startswith("val_") else ("train", key)
        out.append((split, name, float(value), pos))
    return out


def run_row(model: Any, run_id: int, config: str, now: Any) -> Row:
    """The ``Architecture`` row of a new run of ``model`` (``config``: its JSON).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.rows import run_row
        >>> run_row(Sequential([Dense(1, input_dim=2)], 'mse', seed=3), 7, "{}", None)["seed"]
        3
    """
    seed = getattr(model, "seed", None)
    return dict(id=run_id, created_at=now, updated_at=now, name=repr(model), Architecture_id=run_id,
                run_name=getattr(model, "run_name", None), status="created", epochs=int(model.epoch),
                config=config, **provenance(),
                seed=int(seed) if isinstance(seed, (int, np.integer)) and abs(int(seed)) <= _MAX_INT64 else None)


def layer_rows(model: Any, run_id: int, now: Any) -> tuple[list[Row], list[Row]]:
    """The ``Layer`` rows of ``model`` and the ``Neurons`` rows of the functions they hold.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.rows import layer_rows
        >>> layers, neurons = layer_rows(Sequential([Dense(2, activation='relu', input_dim=2)], 'mse'), 7, None)
        >>> [l['name'] for l in layers], [n['name'] for n in neurons]
        (['Fullyconnected', 'Activation'], ['Σ', 'ReLU'])
    """
    layers, neurons = [], []
    for pos, layer in enumerate(model.steps):
        layers.append(dict(Architecture_id=run_id, n_in=getattr(layer, "n_in", None),
                           n_out=getattr(layer, "n_out", None), id=new_id(), created_at=now, updated_at=now,
                           name=repr(layer), Layer_id=int(layer["id"]), position=pos,
                           config=jsonable(layer.config(), f"the configuration of layer {pos}")))
        func = layer.func
        neurons.append(dict(Layer_id=int(layer["id"]), id=new_id(), created_at=now, updated_at=now,
                            name=repr(func), Neurons_id=int(func["id"]), Architecture_id=run_id,
                            config=jsonable(func.config(), f"the neurons of layer {pos}")))
    return layers, neurons


def cost_definition(model: Any, run_id: int, now: Any) -> Row:
    """The definition row of the model's cost (``value`` and ``epoch`` NULL).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.rows import cost_definition
        >>> cost_definition(Sequential([Dense(1, input_dim=2)], 'mse'), 7, None)["name"]
        'MSE'
    """
    cost = model.cost
    return dict(Architecture_id=run_id, value=None, id=new_id(), created_at=now, updated_at=now,
                name=repr(cost), Cost_id=int(cost["id"]), epoch=None, split=None)


def new_ids(n: int) -> Iterator[int]:
    """``n`` fresh identifiers in one block: a random positive 63-bit start (as
    :func:`~neural_net.model.new_id` draws one) and the ``n - 1`` integers after it. Rows of
    one block sit side by side in their table's b-tree, so an epoch of many runs writes a few
    pages instead of one page per row; two blocks overlap with probability about
    ``n / 2**63``, as two random ids of :func:`~neural_net.model.new_id` collide with ``1 / 2**63``.

    Example:
        >>> from neural_net.db.rows import new_ids
        >>> ids = list(new_ids(3)); len(ids), all(0 < i < 2**63 for i in ids)
        (3, True)
    """
    n = max(int(n), 0)
    start = 1 + secrets.randbelow(2**63 - 1 - n)
    return iter(range(start, start + n))


def epoch_rows(model: Any, run_id: int, epoch: int, logs: dict[str, Any], now: Any) -> tuple[list[Row], list[Row]]:
    """The ``Cost`` rows (each split's loss) and ``metric`` rows of one epoch's logs.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.rows import epoch_rows
        >>> costs, metrics = epoch_rows(Sequential([Dense(1, input_dim=2)], 'mse'), 7, 3, {'val_loss': 0.2}, None)
        >>> [(c['split'], c['epoch']) for c in costs], metrics
        ([('val', 3)], [])
    """
    return epoch_rows_many([(model, run_id)], epoch, [logs], now)[0]


def epoch_rows_many(runs: list[tuple[Any, int]], epoch: int, logs: list[dict[str, Any]],
                    now: Any) -> list[tuple[list[Row], list[Row]]]:
    """:func:`epoch_rows` of each ``(model, run_id)`` of ``runs`` for its ``logs`` (the same
    rows), built at once: one block of ids, the logs' split worked out once for the runs whose
    logs have the same keys (the members of an ensemble).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.rows import epoch_rows_many
        >>> nets = [Sequential([Dense(1, input_dim=2)], 'mse') for _ in range(2)]
        >>> out = epoch_rows_many([(nets[0], 7), (nets[1], 8)], 3, [{'loss': 0.5}, {'loss': 0.4}], None)
        >>> [(c[0]['Architecture_id'], c[0]['value']) for c, m in out]
        [(7, 0.5), (8, 0.4)]
    """
    ids = new_ids(sum(len(lg) for lg in logs))
    out: list[tuple[list[Row], list[Row]]] = []
    keys: tuple[str, ...] | None = None
    layout: list[tuple[str, str, str, int]] = []
    for (model, run_id), lg in zip(runs, logs):
        if keys is None or tuple(lg) != keys:
            keys = tuple(lg)
            layout = [(split, name, key, pos) for (split, name, _, pos), key in zip(split_logs(
                dict.fromkeys(keys, 0.0)), keys)]
        cost = model.cost
        cost_name = repr(cost) if cost is not None else "loss"
        cost_id = int(cost["id"]) if cost is not None else 0
        costs, metrics = [], []
        for split, name, key, pos in layout:
            if name == "loss":
                costs.append(dict(Architecture_id=run_id, value=float(lg[key]), id=next(ids), created_at=now,
                                  updated_at=now, name=cost_name, Cost_id=cost_id, epoch=epoch, split=split))
            else:
                metrics.append(dict(id=next(ids), Architecture_id=run_id, epoch=epoch, split=split,
                                    name=name, value=float(lg[key]), position=pos, created_at=now))
        out.append((costs, metrics))
    return out


@dataclass(frozen=True)
class EpochColumns:
    """One epoch of several runs whose logs have the same keys (an ensemble's members), as
    columns: what :func:`epoch_rows_many` gives as dicts, without a dict per row. Curve ``j``
    of :attr:`layout` (``(split, name, position)``; ``name == 'loss'`` is a ``Cost`` row)
    holds run ``r``'s value ``values[j][r]`` and id ``first_id + j * len(run_ids) + r``:
    the ids of a curve are consecutive (the :class:`~neural_net.db.writer.RunWriter` writes a
    curve's rows as one statement, and merges them into ``run_metric`` by that id range).

    Example:
        >>> from neural_net.db.rows import EpochColumns
        >>> block = EpochColumns((7, 8), 3, None, (("train", "loss", 0),), ((0.5, 0.4),), 100,
        ...                      ("MSE", "MSE"), (1, 2))
        >>> [(r["Architecture_id"], r["value"], r["id"]) for r in block.rows()[0]]
        [(7, 0.5, 100), (8, 0.4, 101)]
    """

    run_ids: tuple[int, ...]
    epoch: int
    now: Any
    layout: tuple[tuple[str, str, int], ...]
    values: tuple[tuple[float, ...], ...]
    first_id: int
    cost_names: tuple[str, ...]
    cost_ids: tuple[int, ...]

    def ids(self, j: int) -> range:
        """The ids of curve ``j``'s rows, one per run in :attr:`run_ids` order."""
        start = self.first_id + j * len(self.run_ids)
        return range(start, start + len(self.run_ids))

    def rows(self) -> tuple[list[Row], list[Row]]:
        """The ``Cost`` and ``metric`` rows as :func:`epoch_rows` builds them (curve by curve)."""
        costs: list[Row] = []
        metrics: list[Row] = []
        now, epoch = self.now, self.epoch
        for j, (split, name, pos) in enumerate(self.layout):
            for rid, value, i, cname, cid in zip(self.run_ids, self.values[j], self.ids(j), self.cost_names,
                                                 self.cost_ids):
                if name == "loss":
                    costs.append(dict(Architecture_id=rid, value=value, id=i, created_at=now, updated_at=now,
                                      name=cname, Cost_id=cid, epoch=epoch, split=split))
                else:
                    metrics.append(dict(id=i, Architecture_id=rid, epoch=epoch, split=split, name=name,
                                        value=value, position=pos, created_at=now))
        return costs, metrics


def column_key(model: Any, run_id: int) -> tuple[int, str, int]:
    """``(run_id, cost name, cost id)``: what :func:`epoch_columns` takes of a run (a recorder
    keeps it for the fit).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.rows import column_key
        >>> column_key(Sequential([Dense(1, input_dim=2)], 'mse'), 7)[:2]
        (7, 'MSE')
    """
    cost = model.cost
    return int(run_id), "loss" if cost is None else repr(cost), 0 if cost is None else int(cost["id"])


def run_columns(runs: list[tuple[int, str, int]]) -> tuple[tuple, tuple, tuple]:
    """The :func:`column_key` of each run of ``runs`` as three columns ``(run_ids, cost names,
    cost ids)``: what :func:`epoch_columns` takes (a recorder of many runs builds it once a fit).

    Example:
        >>> from neural_net.db.rows import run_columns
        >>> run_columns([(7, 'MSE', 1), (8, 'MSE', 2)])
        ((7, 8), ('MSE', 'MSE'), (1, 2))
    """
    return tuple(zip(*runs)) if runs else ((), (), ())  # type: ignore[return-value]


@functools.lru_cache(maxsize=64)
def _layout(keys: tuple[str, ...]) -> tuple[tuple[str, str, int], ...]:
    """The ``(split, name, position)`` of each log key of ``keys`` (:func:`split_logs`)."""
    return tuple((split, name, pos) for split, name, _, pos in split_logs(dict.fromkeys(keys, 0.0)))


def epoch_columns(runs: tuple[tuple, tuple, tuple], epoch: int, logs: list[dict[str, Any]],
                  now: Any) -> list[tuple[list[int], EpochColumns]]:
    """The epoch rows of the runs ``runs`` (:func:`run_columns`) for their ``logs`` (the rows
    of :func:`epoch_rows`, but ids drawn per curve), as one :class:`EpochColumns` per stretch
    of runs whose logs have the same keys, each with the positions in ``runs`` it covers.

    Example:
        >>> from neural_net.db.rows import epoch_columns, run_columns
        >>> runs = run_columns([(7, 'MSE', 1), (8, 'MSE', 2)])
        >>> [(at, b.layout, b.values) for at, b in epoch_columns(runs, 3, [{'loss': 0.5, 'lr': 0.1},
        ...                                                                {'loss': 0.4, 'lr': 0.1}], None)]
        [([0, 1], (('train', 'loss', 0), ('train', 'lr', 1)), ((0.5, 0.4), (0.1, 0.1)))]
    """
    out: list[tuple[list[int], EpochColumns]] = []
    run_ids, names, cost_ids = runs
    epoch = int(epoch)
    start = 0
    while start < len(logs):
        keys = tuple(logs[start])
        end, values = _stretch(logs, start, keys)
        out.append((list(range(start, end)),
                    EpochColumns(run_ids[start:end], epoch, now, _layout(keys), values,
                                 next(new_ids(len(keys) * (end - start))) if keys else 0, names[start:end],
                                 cost_ids[start:end])))
        start = end
    return out


def _stretch(logs: list[dict[str, Any]], start: int, keys: tuple[str, ...]) -> tuple[int, tuple[tuple[float, ...], ...]]:
    """The end of the stretch of ``logs`` from ``start`` whose keys are ``keys``, and its
    values, a tuple per key. From the first, all at once when each has as many keys as it and
    its keys (an ensemble's members' logs)."""
    if start == 0 and set(map(len, logs)) == {len(keys)}:
        try:
            return len(logs), tuple(tuple(map(float, map(itemgetter(k), logs))) for k in keys)
        except KeyError:  # another key in one of them: stretch by stretch
            pass
    end = start + 1
    while end < len(logs) and tuple(logs[end]) == keys:
        end += 1
    part = logs[start:end]
    return end, tuple(tuple(map(float, map(itemgetter(k), part))) for k in keys)


def history_rows(model: Any, run_id: int, h: Any, now: Any, after: int | None = None,
                 drop_nan: bool = False) -> tuple[list[Row], list[Row], int | None]:
    """Cost and metric rows of the epochs of history ``h`` (only those after ``after`` when
    given; with ``drop_nan``, NaN values other than the loss left out), and the last epoch.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.callbacks import History
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.rows import history_rows
        >>> h = History(); h.append(1, {'loss': 0.5}); h.append(2, {'loss': 0.4})
        >>> costs, metrics, last = history_rows(Sequential([Dense(1, input_dim=2)], 'mse'), 7, h, None, after=1)
        >>> [c['epoch'] for c in costs], last
        ([2], 2)
    """
    costs, metrics, last = [], [], None
    keys = list(h.history)
    for i, epoch in enumerate(h.epoch):
        if after is None or epoch > after:
            logs = {k: h.history[k][i] for k in keys
                    if not drop_nan or k == "loss" or not math.isnan(h.history[k][i])}
            c, m = epoch_rows(model, run_id, int(epoch), logs, now)
            costs += c
            metrics += m
            last = int(epoch)
    return costs, metrics, last


def snapshot_rows(model: Any, run_id: int, seq: int, tag: str | None, now: Any) -> tuple[Row, list[Row]]:
    """A ``snapshot`` row (number ``seq`` of the run, at ``model.epoch``) with the optimizer and
    generator states, and one ``weight_matrix`` row per weight matrix (in their dtype).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.rows import snapshot_rows
        >>> snap, matrices = snapshot_rows(Sequential([Dense(3, input_dim=2)], 'mse'), 7, 0, 'initial', None)
        >>> snap['n_params'], [(m['n_rows'], m['n_cols']) for m in matrices]
        (9, [(3, 3)])
    """
    epoch = int(model.epoch)
    snap_id = new_id()
    matrices, n_params = [], 0
    for pos, layer in enumerate(model.steps):
        W = getattr(layer.func, "W", None)
        if W is None:
            continue
        W = np.asarray(W)
        if W.ndim != 2:
            raise StoreError(f"cannot store the weights of layer {pos}: expected a matrix, got shape {W.shape}")
        values, nonfinite = encode_matrix(W)
        n_params += W.size
        matrices.append(dict(id=new_id(), snapshot_id=snap_id, Architecture_id=run_id,
                             Layer_id=int(layer["id"]), Neurons_id=int(layer.func["id"]), position=pos,
                             seq=seq, epoch=epoch, n_rows=W.shape[0], n_cols=W.shape[1], dtype=W.dtype.name,
                             matrix=values, nonfinite=nonfinite, created_at=now))
    opt = getattr(model, "optimizer", None)
    optimizer = dumps_state(opt.state_dict()) if opt is not None else None
    rng = getattr(model, "rng", None)
    rng_state = jsonable(rng.bit_generator.state, "the generator state") if rng is not None else None
    snapshot = dict(id=snap_id, Architecture_id=run_id, seq=seq, epoch=epoch, tag=tag, created_at=now,
                    n_params=n_params, optimizer=optimizer, rng=rng_state)
    return snapshot, matrices


def hyperparams(model: Any, logs: dict[str, Any], params: dict[str, Any] | None) -> dict[str, Any]:
    """The hyper-parameters written when training begins: optimizer (name and config), batch
    size, epochs requested, samples, start epoch, seed, cost, metric names, user ``params``.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.rows import hyperparams
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', seed=1).compile('sgd')
        >>> h = hyperparams(net, {'batch_size': 4}, {'units': 1}); h['optimizer']['name'], h['params']
        ('sgd', {'units': 1})
    """
    opt = model.optimizer
    seed = getattr(model, "seed", None)
    hyper = {
        "optimizer": None if opt is None else {"name": opt.name, "config": opt.get_config()},
        "batch_size": logs.get("batch_size"),
        "epochs": logs.get("epochs"),
        "samples": logs.get("samples"),
        "start_epoch": int(model.epoch),
        "seed": None if seed is None else int(seed),
        "cost": None if model.cost is None else model.cost.name,
        "metrics": [m.name for m in getattr(model, "metrics", [])],
    }
    if params is not None:
        hyper["params"] = params
    return hyper


def failed_run_row(run_id: int, name: str | None, params: dict[str, Any] | None, error: str, now: Any) -> Row:
    """The ``Architecture`` row of a run that failed before it had a model (status ``'failed'``,
    no steps: it cannot be loaded).

    Example:
        >>> from neural_net.db.rows import failed_run_row
        >>> failed_run_row(7, "sweep[3]", {"units": 0}, "ValueError", None)["status"]
        'failed'
    """
    return dict(id=run_id, created_at=now, updated_at=now, name="Sequential", Architecture_id=run_id,
                run_name=None if name is None else str(name), status="failed", epochs=0, started_at=now,
                finished_at=now, error=str(error), **provenance(),
                config=jsonable({"steps": [], "cost": None, "name": name}, "the configuration"),
                hyperparams=jsonable({"params": params} if params is not None else {}, "the parameters"))


def param_rows(run_id: int, hyper: Any) -> list[Row]:
    """One ``param`` row per parameter of the hyper-parameters document ``hyper``
    (:func:`~neural_net.db.columns.flatten_params`): ``value`` its JSON, ``number`` the value
    when it is a finite number. Keys longer than the column (200) are left out.

    Example:
        >>> from neural_net.db.rows import param_rows
        >>> [(r['key'], r['value'], r['number']) for r in param_rows(7, {"optimizer": {"name": "sgd",
        ...                                                                  "config": {"lr": 0.1}}})]
        [('optimizer', '"sgd"', None), ('optimizer.lr', '0.1', 0.1)]
    """
    out = []
    flat = flatten_params(hyper)
    ids = new_ids(len(flat))  # one block: the run's parameters sit side by side
    for key, value in flat.items():
        rid = next(ids)
        if len(key) > 200:
            continue
        number = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                number = float(value) if math.isfinite(float(value)) else None
            except OverflowError:  # an integer beyond any float
                number = None
        if number is not None and type(value) in (int, float):  # a number's JSON is its repr
            text = repr(value)
        else:
            try:
                text = dumps(value)
            except (TypeError, ValueError):
                text = None
        out.append(dict(id=rid, Architecture_id=run_id, key=key, value=text, number=number))
    return out


def tag_rows(model: Any, run_id: int) -> list[Row]:
    """One ``tag`` row per tag of the model (``Sequential(..., tags={...})``, checked there).

    Example:
        >>> from types import SimpleNamespace
        >>> from neural_net.db.rows import tag_rows
        >>> [(r['key'], r['value']) for r in tag_rows(SimpleNamespace(tags={"dataset": "iris"}), 7)]
        [('dataset', 'iris')]
    """
    tags = getattr(model, "tags", None) or {}
    return [dict(id=new_id(), Architecture_id=run_id, key=str(k), value=str(v)) for k, v in tags.items()]
