"""The SQL the dashboard runs itself, and the runs-table rows of one file read with it.

Read-only ``SELECT`` statements over the documented tables and views (:data:`SQL`; the ones
shown under each chart are :data:`CHART_SQL`), the flattening of the stored hyper-parameters
into the table's parameter columns, and :func:`read_runs_file`: the rows of one SQLite file in
one read-only connection (:mod:`neural_net.ui.readonly`).

Example:
    >>> from neural_net.ui.queries import architecture_label
    >>> architecture_label({'steps': [{'class': 'Fullyconnected', 'n_in': 2, 'n_out': 1}]})
    '2-1'
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Any

import orjson

import neural_net.db as db
from neural_net.db.catalogue_sql import RUN_KEYS, RUN_SQL, extra_sql

from .readonly import connect_read_only, select_many

#: The read-only SELECTs the dashboard makes itself (documented tables and views only).
SQL = {
    "revision": "SELECT version_num FROM alembic_version",
    "params": "SELECT Architecture_id, run_name, hyperparams, config, parent_id, parent_epoch FROM Architecture",
    # each metric's last, lowest and highest value: the catalogue's query of run_metric
    "final_metrics": extra_sql(None)[1],
    "server_signature": ("SELECT count(*), max(updated_at), sum(epochs), (SELECT count(*) FROM tag), "
                         "(SELECT count(*) FROM param) FROM Architecture"),
    "tags": "SELECT Architecture_id, key, value FROM tag ORDER BY Architecture_id, key",
    "tags_of": ("SELECT Architecture_id, key, value FROM tag WHERE Architecture_id IN ({ids}) "
                "ORDER BY Architecture_id, key"),
    "count": "SELECT count(*) FROM Architecture",
    "wall_time": ("SELECT epoch, created_at FROM Cost WHERE Architecture_id = {rid} AND split = 'train' "
                  "AND epoch IS NOT NULL ORDER BY epoch"),
    "poll_status": "SELECT status, epochs FROM Architecture WHERE Architecture_id = {rid}",
    "poll_rows": ("SELECT epoch, split, name, value FROM history WHERE Architecture_id = {rid} "
                  "AND epoch > {after} ORDER BY epoch"),
}
#: The SQL a person can run to get each chart's numbers (shown under the chart).
CHART_SQL = {
    "curves": "SELECT epoch, split, name, value FROM history WHERE Architecture_id = {rid} ORDER BY epoch;",
    "wall_time": SQL["wall_time"] + ";",
    "histograms": ("SELECT epoch, Layer_id, value FROM weight_history WHERE Architecture_id = {rid} "
                   "ORDER BY seq, Layer_id;"),
    "heatmap": ("SELECT row_index, col_index, value FROM weight_history WHERE Architecture_id = {rid} "
                "AND epoch = {epoch} AND Layer_id = {layer_id};"),
    "change": ("SELECT a.row_index, a.col_index, a.value - b.value AS change FROM weight_history a "
               "JOIN weight_history b ON a.Layer_id = b.Layer_id AND a.row_index = b.row_index "
               "AND a.col_index = b.col_index WHERE a.Architecture_id = {rid} AND b.Architecture_id = {rid} "
               "AND a.epoch = {epoch} AND b.epoch = {base} AND a.Layer_id = {layer_id};"),
    "runs": "SELECT * FROM run_summary ORDER BY created_at;",
}
#: Keys of the hyper-parameters that are bookkeeping, not parameters, in the runs table.
SKIP_PARAMS = {"start_epoch", "metrics", "samples"}
#: Metrics for which larger is better (their "best" is the maximum).
HIGHER_IS_BETTER = ("accuracy", "acc", "auc", "f1", "precision", "recall", "r2")


# ----- parameters ---------------------------------------------------------------------------------
def flatten_params(hyper: Any) -> dict[str, Any]:
    """The run's parameters as flat ``{key: scalar}``: user/sweep parameters (``params``) by
    their own names, the optimizer as ``optimizer`` and its settings as ``optimizer.<key>``,
    the other hyper-parameters by name; lists become JSON text.

    Example:
        >>> from neural_net.ui.queries import flatten_params
        >>> flatten_params({'optimizer': {'name': 'adam', 'config': {'lr': 0.01, 'betas': [0.9, 0.99]}},
        ...                 'batch_size': 8, 'metrics': ['accuracy'], 'params': {'units': 32}})
        {'optimizer': 'adam', 'optimizer.lr': 0.01, 'optimizer.betas': '[0.9,0.99]', 'batch_size': 8, 'units': 32}
    """
    out: dict[str, Any] = {}
    if not isinstance(hyper, dict):
        return out

    def put(key: str, value: Any) -> None:
        if value is None or isinstance(value, (bool, int, float, str)):
            out[key] = value
        else:
            out[key] = orjson.dumps(value).decode()

    for key, value in hyper.items():
        if key in SKIP_PARAMS or key == "params":
            continue
        if key == "optimizer" and isinstance(value, dict):
            put("optimizer", value.get("name"))
            for k, v in (value.get("config") or {}).items():
                put(f"optimizer.{k}", v)
        else:
            put(key, value)
    for key, value in (hyper.get("params") or {}).items() if isinstance(hyper.get("params"), dict) else ():
        put(str(key), value)
    return out


def architecture_label(config: Any) -> str | None:
    """Layer widths of a stored configuration, e.g. ``'4-16-3'``.

    Example:
        >>> from neural_net.ui.queries import architecture_label
        >>> architecture_label({'steps': [{'class': 'Fullyconnected', 'n_in': 4, 'n_out': 16},
        ...                               {'class': 'Fullyconnected', 'n_in': 16, 'n_out': 3}]})
        '4-16-3'
    """
    steps = [s for s in (config or {}).get("steps", []) if isinstance(s, dict) and s.get("class") == "Fullyconnected"]
    if not steps:
        return None
    return "-".join(str(w) for w in [steps[0].get("n_in")] + [s.get("n_out") for s in steps])


def _loads(text: Any) -> Any:
    if not isinstance(text, (str, bytes)):
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def _extras_of(params: list[tuple], finals: list[tuple], tags: list[tuple] = ()) -> dict[int, dict[str, Any]]:
    """Per run: parameters, final/best metrics, lineage and tags (``tag.<key>`` each, and
    ``tags``: ``'key=value, ...'``), from the rows of ``SQL["params"]``, ``SQL["final_metrics"]``
    and ``SQL["tags"]``."""
    out: dict[int, dict[str, Any]] = {}
    for rid, run_name, hyper, config, parent_id, parent_epoch in params:
        row = {f"param.{k}": v for k, v in flatten_params(_loads(hyper)).items()}
        arch = architecture_label(_loads(config))
        if arch:
            row["param.layers"] = arch
        row.update(parent_id=parent_id, parent_epoch=parent_epoch)
        out[int(rid)] = row
    for rid, split, name, value, best_min, best_max in finals:
        if name == "lr" or int(rid) not in out:
            continue
        key = name if split == "train" else f"{split}_{name}"
        higher = any(h in name.lower() for h in HIGHER_IS_BETTER)
        out[int(rid)][f"final_{key}"] = value
        out[int(rid)][f"best_{key}"] = best_max if higher else best_min
    for rid, key, value in tags:
        row = out.get(int(rid))
        if row is not None and isinstance(key, str):
            row[f"tag.{key}"] = value
            row["tags"] = (row["tags"] + ", " if "tags" in row else "") + f"{key}={value}"
    return out


def read_extras(url: str) -> dict[int, dict[str, Any]]:
    """Per run of the database ``url``: parameters (``param.<key>``), final/best metrics,
    lineage, tags (``tag.<key>``, ``tags``), in one read-only connection.

    Example:
        >>> import numpy, tempfile, os
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.ui.queries import read_extras
        >>> path = os.path.join(tempfile.mkdtemp(), "a.db")
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store=path)
        >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=2, verbose=0)
        >>> extras = read_extras("sqlite:///" + path)[net['id']]
        >>> extras["param.layers"], extras["param.batch_size"], extras["parent_id"]
        ('2-1', 4, None)
    """
    return _extras_of(*select_many(url, [SQL["params"], SQL["final_metrics"], SQL["tags"]]))


#: Columns of the catalogue's row of each run (:data:`neural_net.db.catalogue_sql.RUN_SQL`, the
#: query ``neural_net.db.runs`` reads: the losses from ``run_metric``, never every epoch's row),
#: as :func:`neural_net.db.list_runs` names them.
SUMMARY_COLUMNS = RUN_KEYS


def read_runs_file(path: str, url: str, head: str) -> list[dict[str, Any]] | None:
    """The runs-table rows of the SQLite file ``path`` (URL ``url``) in one read-only
    connection and one read transaction: the schema revision, each run's row (from the tables
    ``neural_net.db.runs`` reads: ``run_metric`` for the losses and final metrics, never every
    epoch's row), the parameters, the final metrics and the tags. The status is the one :func:`neural_net.db.list_runs` reports
    (:func:`neural_net.db.effective_status`: a run stored as running whose process is
    gone is ``interrupted``). None when the file is not a neural_net database at revision
    ``head`` or cannot be read this way: the caller then reads it through ``list_runs``,
    which says what is wrong.

    Example:
        >>> import numpy, tempfile, os
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> import neural_net.db as db
        >>> from neural_net.ui.queries import read_runs_file
        >>> path = os.path.join(tempfile.mkdtemp(), "a.db")
        >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store=path, name="tiny")
        >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=3, verbose=0); db.dispose()
        >>> rows = read_runs_file(path, "sqlite:///" + path, db.head_revision())
        >>> [(r["name"], r["status"], r["epochs"]) for r in rows]
        [('tiny', 'finished', 3)]
        >>> read_runs_file(path, "sqlite:///" + path, "0001") is None   # another revision: not read here
        True
    """
    try:
        con = connect_read_only(path, timeout=2.0)
    except sqlite3.Error:
        return None
    try:
        con.execute("BEGIN")
        if con.execute(SQL["revision"]).fetchall() != [(head,)]:
            return None
        summary = con.execute(RUN_SQL).fetchall()
        params = con.execute(SQL["params"]).fetchall() if summary else []
        finals = con.execute(SQL["final_metrics"]).fetchall() if summary else []
        tags = con.execute(SQL["tags"]).fetchall() if summary else []
        con.execute("COMMIT")
    except sqlite3.Error:
        return None
    finally:
        con.close()
    extras = _extras_of(params, finals, tags)
    now = datetime.now(timezone.utc)
    records = []
    for row in summary:
        r = dict(zip(SUMMARY_COLUMNS, row))
        r["status"] = db.effective_status(r["stored_status"], r["pid"], r["hostname"], r.pop("process_token"),
                                       r["updated_at"], now)
        r["db_path"] = url
        r.update(extras.get(int(r["run_id"]), {}))
        records.append(r)
    return records

