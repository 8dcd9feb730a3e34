"""The SQL of the catalogue: one row per run (:data:`RUN_SQL`, checked by :func:`check_run_row`)
and each run's parameters and final/best metric values (:func:`collect_extras`). The same text
serves the standard :mod:`sqlite3` module and SQLAlchemy.

Example:
    >>> from neural_net.db.catalogue_sql import RUN_KEYS, extra_sql
    >>> RUN_KEYS[:3], extra_sql([7])[0]
    (['run_id', 'name', 'stored_status'], 'SELECT Architecture_id, hyperparams FROM Architecture WHERE Architecture_id IN (7)')
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable


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
    from .values import check_value

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


def extra_sql(ids: list[int] | None) -> tuple[str, str]:
    """The two queries of :func:`collect_extras` for the runs ``ids`` (integers, written into the SQL
    as literals so that one text serves sqlite3 and SQLAlchemy): hyper-parameters, and per run,
    split and metric its last value, lowest and highest value (from ``run_metric``, whose
    primary key ``(run, source, split, name)`` serves the second). Both read tables only.
    ``ids`` None: every run of the database, without a list."""
    hyper = "SELECT Architecture_id, hyperparams FROM Architecture"
    values = "SELECT Architecture_id, split, name, last_value, low, high FROM run_metric WHERE source = 'metric'"
    if ids is None:  # every run of the database
        return hyper, values
    inside = ",".join(str(int(i)) for i in ids)
    return f"{hyper} WHERE Architecture_id IN ({inside})", f"{values} AND Architecture_id IN ({inside})"
    return hyper, values


def collect_extras(execute: Callable[[str], Iterable[Any]],
             ids: list[int]) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, float]]]:
    """Parameters and final/best metric values of the runs ``ids``, read with ``execute(sql)``
    (rows of a sqlite3 or SQLAlchemy connection); every value checked, a file being input."""
    from .codec import loads
    from .columns import flatten_params, higher_is_better
    from .values import check_document, check_value

    params: dict[int, dict[str, Any]] = {}
    metrics: dict[int, dict[str, float]] = {i: {} for i in ids}
    wanted = set(ids)
    # many runs (most often every run of the database): one pass over all, no id lists
    parts: list[Any] = [None] if len(ids) > _CHUNK else [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    best: dict[str, bool] = {}
    for part in parts:
        hyper, values = extra_sql(part)
        for rid, doc in execute(hyper):
            if rid in wanted:
                where = f"the hyper-parameters of run {rid} (table Architecture, column hyperparams)"
                params[rid] = flatten_params(loads(check_document(doc, where), where))
        for rid, split, name, value, low, high in execute(values):
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
    return params, metrics

