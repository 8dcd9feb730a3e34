"""The SQL of the catalogue: one row per run (:data:`RUN_SQL`, checked by :func:`check_run_row`)
and each run's parameters, final/best metric values, tags and layer widths (:func:`collect_extras`). The same text
serves the standard :mod:`sqlite3` module and SQLAlchemy.

Example:
    >>> from neural_net.db.catalogue_sql import RUN_KEYS, extra_sql
    >>> RUN_KEYS[:3], extra_sql([7])["hyper"]
    (['run_id', 'name', 'stored_status'], 'SELECT Architecture_id, hyperparams FROM Architecture WHERE Architecture_id IN (7)')
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, NamedTuple


def _curve(alias: str, split: str) -> str:
    return (f"LEFT JOIN run_metric AS {alias} ON {alias}.Architecture_id = a.Architecture_id "
            f"AND {alias}.source = 'Cost' AND {alias}.split = '{split}' AND {alias}.name = 'loss'")


#: One row per run, read from the tables (never from a view: a file made elsewhere may define its
#: ``run_summary`` as anything, a recursive query that never ends included). The losses come
#: from ``run_metric`` (kept by the store at each epoch; see :mod:`neural_net.db.summary`),
#: two primary-key lookups per run, not every epoch row.
RUN_SQL = f"""
SELECT a.Architecture_id AS run_id, COALESCE(a.run_name, a.name) AS name, a.status AS stored_status,
       a.epochs AS epochs, t.last_value AS final_loss, t.low AS best_loss, t.low_epoch AS best_epoch,
       v.last_value AS final_val_loss, v.low AS best_val_loss, v.low_epoch AS best_val_epoch,
       a.created_at AS created_at, a.started_at AS started_at, a.finished_at AS finished_at,
       a.updated_at AS updated_at, a.pid AS pid, a.hostname AS hostname, a.process_token AS process_token,
       a.parent_id AS parent_id, a.parent_epoch AS parent_epoch
FROM Architecture AS a {_curve('t', 'train')} {_curve('v', 'val')}"""
RUN_KEYS = ["run_id", "name", "stored_status", "epochs", "final_loss", "best_loss", "best_epoch", "final_val_loss",
         "best_val_loss", "best_val_epoch", "created_at", "started_at", "finished_at", "updated_at", "pid",
         "hostname", "process_token", "parent_id", "parent_epoch"]
#: The type each column of :data:`RUN_SQL` must have (checked per row: a file is input).
_KINDS = dict(run_id="int", name="str", stored_status="str", epochs="int", final_loss="float", best_loss="float",
              best_epoch="int", final_val_loss="float", best_val_loss="float", best_val_epoch="int",
              created_at="datetime", started_at="datetime", finished_at="datetime", updated_at="datetime",
              pid="int", hostname="str", process_token="str", parent_id="int", parent_epoch="int")
#: Column of the table each catalogue value comes from (named in errors).
_SOURCE = dict(run_id=("Architecture", "Architecture_id"), name=("Architecture", "run_name"),
               stored_status=("Architecture", "status"),
               **{k: ("run_metric", "last_value") for k in ("final_loss", "final_val_loss")},
               **{k: ("run_metric", "low") for k in ("best_loss", "best_val_loss")},
               **{k: ("run_metric", "low_epoch") for k in ("best_epoch", "best_val_epoch")})
#: Per column of :data:`RUN_SQL`, the exact types a value may have to be taken as it is (64-bit
#: databases return no integer out of range; anything else goes through the full check).
_PLAIN = [{"int": (int,), "float": (float,), "str": (str,), "datetime": (datetime,)}[_KINDS[k]] for k in RUN_KEYS]


def check_run_row(row: tuple) -> tuple:
    """A catalogue row with each value of the type its column has, or :class:`StoredModelError`
    naming the run, the table and the column (times stay as the database returned them).

    Example:
        >>> from neural_net.db.catalogue_sql import RUN_KEYS, check_run_row
        >>> row = (7, "a", "finished", 2, 1) + (None,) * (len(RUN_KEYS) - 5)
        >>> check_run_row(row)[:5]
        (7, 'a', 'finished', 2, 1.0)
    """
    from .value_checks import check_value

    for value, plain in zip(row, _PLAIN):
        if value is not None and type(value) not in plain:
            break
    else:
        return tuple(row)
    out = list(row)
    rid = row[0] if isinstance(row[0], int) else repr(row[0])
    for i, (key, value) in enumerate(zip(RUN_KEYS, row)):
        if value is None:
            continue
        table, column = _SOURCE.get(key, ("Architecture", key))
        checked = check_value(value, _KINDS[key], f"run {rid}: table {table}, column {column}")
        if _KINDS[key] != "datetime":
            out[i] = checked
    return tuple(out)


_CHUNK = 500
#: Types a metric value is taken as it is.
_NUMBER = (float, type(None))

#: The queries of :func:`collect_extras`, by kind: hyper-parameters; per run, split and metric its
#: last, lowest and highest value (from ``run_metric``, whose primary key ``(run, source, split,
#: name)`` serves it); tags; the widths of the ``Fullyconnected`` layers in order. Tables only.
EXTRA_SQL = {
    "hyper": "SELECT Architecture_id, hyperparams FROM Architecture",
    "metrics": "SELECT Architecture_id, split, name, last_value, low, high FROM run_metric WHERE source = 'metric'",
    "tags": "SELECT Architecture_id, key, value FROM tag",
    "layers": "SELECT Architecture_id, n_in, n_out FROM Layer WHERE n_in IS NOT NULL",
}
#: Columns of each kind's rows.
EXTRA_WIDTHS = {"hyper": 2, "metrics": 6, "tags": 3, "layers": 3}
_ORDER = {"hyper": "", "metrics": "", "tags": " ORDER BY Architecture_id, key",
          "layers": " ORDER BY Architecture_id, position"}


def extra_sql(ids: list[int] | None) -> dict[str, str]:
    """The queries of :func:`collect_extras` (:data:`EXTRA_SQL`) for the runs ``ids``
    (integers, written into the SQL as literals so that one text serves sqlite3 and
    SQLAlchemy); ``ids`` None: every run of the database, without a list.

    Example:
        >>> from neural_net.db.catalogue_sql import extra_sql
        >>> extra_sql([7])["tags"]
        'SELECT Architecture_id, key, value FROM tag WHERE Architecture_id IN (7) ORDER BY Architecture_id, key'
    """
    out = {}
    for kind, sql in EXTRA_SQL.items():
        if ids is not None:
            sql += (" AND" if " WHERE " in sql else " WHERE") + f" Architecture_id IN ({','.join(str(int(i)) for i in ids)})"
        out[kind] = sql + _ORDER[kind]
    return out


class RunExtras(NamedTuple):
    """What :func:`collect_extras` gives per run id: ``params`` (``{key: value}``, flattened by
    :func:`~neural_net.db.columns.flatten_params`), ``metrics`` (``{name: last}`` and ``{best_name:
    best}``), ``tags`` (``{key: value}``) and ``layers`` (the widths of the ``Fullyconnected``
    layers, ``'4-16-3'``; absent for a run without one).

    Example:
        >>> from neural_net.db.catalogue_sql import RunExtras
        >>> RunExtras({}, {}, {7: {"dataset": "iris"}}, {7: "4-16-3"}).layers[7]
        '4-16-3'
    """

    params: dict[int, dict[str, Any]]
    metrics: dict[int, dict[str, float]]
    tags: dict[int, dict[str, str]]
    layers: dict[int, str]


def _layer_labels(rows: Iterable[Any], wanted: set[int]) -> dict[int, str]:
    from .value_checks import check_value

    widths: dict[int, list[int]] = {}
    for rid, n_in, n_out in rows:
        if rid not in wanted:
            continue
        if type(n_in) is not int or type(n_out) is not int:
            where = f"run {rid}: table Layer, column"
            n_in, n_out = check_value(n_in, "int", where + " n_in"), check_value(n_out, "int", where + " n_out")
            if n_out is None:
                continue
        got = widths.setdefault(rid, [])
        if not got:
            got.append(n_in)
        got.append(n_out)
    return {rid: "-".join(map(str, w)) for rid, w in widths.items()}


def collect_extras(fetch: Callable[[str, str], Iterable[Any]], ids: list[int]) -> RunExtras:
    """Parameters, final/best metric values, tags and layer widths of the runs ``ids``, read with
    ``fetch(kind, sql)`` (the rows of ``sql``, query ``kind`` of :data:`EXTRA_SQL`, through a
    sqlite3 or SQLAlchemy connection, or from a cache); every value checked, a file being input.

    Example:
        >>> import sqlite3
        >>> from neural_net.db.catalogue_sql import collect_extras
        >>> rows = {"hyper": [(7, '{"params": {"units": 4}}')], "metrics": [(7, "val", "accuracy", 0.9, 0.5, 0.9)],
        ...         "tags": [(7, "dataset", "iris")], "layers": [(7, 4, 16), (7, 16, 3)]}
        >>> collect_extras(lambda kind, sql: rows[kind], [7])
        RunExtras(params={7: {'units': 4}}, metrics={7: {'val_accuracy': 0.9, 'best_val_accuracy': 0.9}}, \
tags={7: {'dataset': 'iris'}}, layers={7: '4-16-3'})
    """
    from .codec import loads
    from .columns import flatten_params, higher_is_better
    from .value_checks import check_document, check_value

    params: dict[int, dict[str, Any]] = {}
    metrics: dict[int, dict[str, float]] = {i: {} for i in ids}
    tags: dict[int, dict[str, str]] = {}
    layers: dict[int, str] = {}
    wanted = set(ids)
    # many runs (most often every run of the database): one pass over all, no id lists
    parts: list[Any] = [None] if len(ids) > _CHUNK else [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    best: dict[str, bool] = {}
    for part in parts:
        sql = extra_sql(part)
        for rid, doc in fetch("hyper", sql["hyper"]):
            if rid in wanted:
                where = f"the hyper-parameters of run {rid} (table Architecture, column hyperparams)"
                params[rid] = flatten_params(loads(check_document(doc, where), where))
        for rid, split, name, value, low, high in fetch("metrics", sql["metrics"]):
            if rid not in wanted:
                continue
            if not (type(name) is str and type(split) is str and type(value) in _NUMBER
                    and type(low) in _NUMBER and type(high) in _NUMBER):
                where = f"run {rid}: table run_metric, column"
                name, split = check_value(name, "str", where + " name"), check_value(split, "str", where + " split")
                value, low, high = (check_value(v, "float", where + " value") for v in (value, low, high))
            key = name if split == "train" else f"{split}_{name}"
            got = metrics[rid]
            got[key] = value
            if name != "lr":
                higher = best.get(key)
                if higher is None:
                    higher = best[key] = higher_is_better(key)
                got[f"best_{key}"] = high if higher else low
        for rid, key, value in fetch("tags", sql["tags"]):
            if rid in wanted:
                if type(key) is not str or type(value) is not str:
                    where = f"run {rid}: table tag, column"
                    key, value = check_value(key, "str", where + " key"), check_value(value, "str", where + " value")
                tags.setdefault(rid, {})[key] = value
        layers.update(_layer_labels(fetch("layers", sql["layers"]), wanted))
    return RunExtras(params, metrics, tags, layers)
