"""Import training curves made elsewhere — a Keras ``History``, its ``.history`` dict, a CSV
written by Keras' ``CSVLogger``, a pandas DataFrame — as a stored run.

The run has its curves and no weights: ``db.history``, ``db.list_runs``, ``neural-net runs``,
``neural-net history`` and SQL read it like any other run (``Cost`` rows for ``loss`` and
``val_loss``, ``metric`` rows for the rest), so old Keras runs compare with new ones in the
same tables. It cannot be loaded as a model (it has no layers).

Epochs: the store numbers epochs from 1, Keras from 0. Epochs given with the curves
(``History.epoch``, the ``epoch`` column of a CSV or DataFrame, a DataFrame index named
``epoch``) are shifted by one when the smallest is 0, and kept otherwise (so a frame returned
by ``db.history`` imports unchanged); without any, the rows are epochs 1, 2, ...

From the shell: ``neural-net import training.log --to run/ --name keras-baseline``.

Example:
    >>> import pandas as pd
    >>> import neural_net.db as db
    >>> from neural_net.db.history_import import import_history
    >>> keras_history = {"loss": [0.9, 0.5, 0.3], "accuracy": [0.5, 0.7, 0.9], "val_loss": [1.0, 0.7, 0.6]}
    >>> rid = import_history(keras_history, store="sqlite://", name="keras-baseline", params={"units": 32})
    >>> db.history("sqlite://", rid)
           loss  accuracy  val_loss
    epoch
    1       0.9       0.5       1.0
    2       0.5       0.7       0.7
    3       0.3       0.9       0.6
    >>> db.run_info("sqlite://", rid)["hyperparams"]["params"]
    {'units': 32}
"""
from __future__ import annotations

import math
import os
from typing import Any, Iterator

import numpy as np
import pandas as pd
from ..checks import check_name
from ..mirror import new_id
from ..version import __version__
from .codec import dumps
from .engine import open_database, resolve_url
from .rows import param_rows, split_logs
from .schema import utcnow
from .writer import RunWriter, deferred_writes

#: Rows per batch handed to the writer (all batches are committed in one transaction).
INSERT_ROWS = 5_000
_MAX_EPOCH = 2**31 - 1  # epoch columns are 32-bit integers


def _frame_from(history: Any) -> tuple[pd.DataFrame, np.ndarray | None, str, dict[str, Any]]:
    """(values by key, the given epochs or None, what it was, extra hyper-parameters)."""
    if isinstance(history, (str, os.PathLike)):
        path = os.fspath(history)
        try:
            frame = pd.read_csv(path, na_values=["NA", "nan", "NaN", ""], keep_default_na=True)
        except FileNotFoundError:
            raise FileNotFoundError(f"import_history: no CSV file at {path!r}") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
            raise ValueError(f"import_history: {path!r} is not a CSV file of training curves ({e})") from None
        frame, epochs = _split_epoch(frame, f"{path!r}")
        return frame, epochs, "csv", {"file": os.path.abspath(path)}
    if isinstance(history, pd.DataFrame):
        frame, epochs = _split_epoch(history, "the DataFrame")
        return frame, epochs, "dataframe", {}
    if isinstance(history, dict):
        return _dict_frame(history, "history"), None, "dict", {}
    curves = getattr(history, "history", None)
    if isinstance(curves, dict):
        frame = _dict_frame(curves, "history.history")
        epochs = getattr(history, "epoch", None)
        extra: dict[str, Any] = {}
        params = getattr(history, "params", None)
        if isinstance(params, dict):
            extra["keras_params"] = {str(k): v for k, v in params.items()
                                     if v is None or isinstance(v, (str, int, float, bool))}
        if epochs is not None:
            epochs = _epochs(list(epochs), "history.epoch")
            if len(epochs) != len(frame):
                raise ValueError(f"import_history: history.epoch has {len(epochs)} entries, the curves "
                                 f"{len(frame)} values each")
        return frame, epochs, "keras History", extra
    raise TypeError("import_history: history must be a Keras History (an object with a .history dict), its "
                    f".history dict, a CSV path or a pandas DataFrame, got {type(history).__name__}")


def _dict_frame(curves: dict, what: str) -> pd.DataFrame:
    lengths = {}
    for key, values in curves.items():
        if not isinstance(key, str):
            raise TypeError(f"import_history: the keys of {what} must be strings, got {key!r}")
        try:
            lengths[key] = len(values)
        except TypeError:
            raise TypeError(f"import_history: {what}[{key!r}] must be a list of numbers, got "
                            f"{type(values).__name__}") from None
    if len(set(lengths.values())) > 1:
        raise ValueError(f"import_history: the curves of {what} must have one value per epoch each, got "
                         f"lengths {lengths}")
    return pd.DataFrame({k: list(v) for k, v in curves.items()})


def _epochs(values: Any, what: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"import_history: {what} must hold integer epochs, got {list(values)[:5]!r}...") from None
    if arr.ndim != 1 or not np.isfinite(arr).all() or (arr != np.round(arr)).any():
        raise ValueError(f"import_history: {what} must hold integer epochs, got {arr[:5].tolist()!r}...")
    return arr.astype(np.int64)


def _split_epoch(frame: pd.DataFrame, what: str) -> tuple[pd.DataFrame, np.ndarray | None]:
    if "epoch" in frame.columns:
        return frame.drop(columns=["epoch"]), _epochs(frame["epoch"].to_numpy(), f"the epoch column of {what}")
    if frame.index.name == "epoch":
        return frame.reset_index(drop=True), _epochs(frame.index.to_numpy(), f"the epoch index of {what}")
    return frame.reset_index(drop=True), None


def _checked(frame: pd.DataFrame, epochs: np.ndarray | None) -> tuple[pd.DataFrame, np.ndarray]:
    if frame.shape[1] == 0:
        raise ValueError("import_history: there are no curves to import (no column besides 'epoch')")
    if len(frame) == 0:
        raise ValueError("import_history: the curves hold no epoch")
    for key in frame.columns:
        check_name(key, "import_history: a curve name")
    numeric = {}
    for key in frame.columns:
        column = frame[key]
        values = pd.to_numeric(column, errors="coerce")
        bad = column.notna() & values.isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(f"import_history: curve {key!r} holds a value that is not a number at row {row}: "
                             f"{column.iloc[row]!r}")
        numeric[key] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    if epochs is None:
        epochs = np.arange(1, len(frame) + 1, dtype=np.int64)
    elif len(epochs) and epochs.min() == 0:
        epochs = epochs + 1
    if len(np.unique(epochs)) != len(epochs):
        raise ValueError(f"import_history: epochs must be unique, got {epochs[:10].tolist()}...")
    if epochs.min() < 1 or epochs.max() > _MAX_EPOCH:
        raise ValueError(f"import_history: epochs must lie in 1..{_MAX_EPOCH} (0-based Keras epochs are shifted), "
                         f"got {int(epochs.min())}..{int(epochs.max())}")
    return pd.DataFrame(numeric), epochs


def _rows(rid: int, frame: pd.DataFrame, epochs: np.ndarray, now: Any) -> Iterator[tuple[list, list]]:
    """(cost rows, metric rows) in batches of about :data:`INSERT_ROWS` values. NaN values other
    than the training loss are missing entries (not written), as the recorder does."""
    cost_id = new_id()
    keys = list(frame.columns)
    per_batch = max(1, INSERT_ROWS // len(keys))
    columns = [frame[k].to_numpy() for k in keys]
    for start in range(0, len(epochs), per_batch):
        costs, metrics = [], []
        for i in range(start, min(start + per_batch, len(epochs))):
            epoch = int(epochs[i])
            logs = {k: col[i] for k, col in zip(keys, columns)}
            for split, name, value, pos in split_logs(logs):
                if math.isnan(value) and (split, name) != ("train", "loss"):
                    continue  # a missing entry (Keras 'NA', a History's NaN filler); a NaN loss is kept
                if name == "loss":
                    costs.append(dict(Architecture_id=rid, value=None if math.isnan(value) else value, id=new_id(),
                                      created_at=now, updated_at=now, name="loss", Cost_id=cost_id, epoch=epoch,
                                      split=split))
                else:
                    metrics.append(dict(id=new_id(), Architecture_id=rid, epoch=epoch, split=split, name=name,
                                        value=value, position=pos, created_at=now))
        yield costs, metrics


def import_history(history: Any, store: Any = True, *, name: str | None = None,
                   params: dict[str, Any] | None = None) -> int:
    """Store ``history`` as a new finished run (curves only, no weights) and return its run id.

    Args:
        history: a Keras ``History`` (any object with a ``.history`` dict of lists and, if it has
            them, ``.epoch`` and ``.params``), such a dict, the path of a CSV file (Keras
            ``CSVLogger``: an ``epoch`` column and one column per curve; ``NA`` is missing), or
            a pandas DataFrame (an ``epoch`` column or index, or one row per epoch).
        store: where, as for ``Sequential(store=...)``: ``True`` (a new file in the run
            directory), a SQLAlchemy URL, a ``.db`` path or a directory.
        name: the run's name (default: the CSV file's name, else ``'imported'``).
        params: JSON-able parameters kept with the run (as ``record_params`` does).

    Every value is checked before anything is written; the run, its ``param`` rows, its ``Cost``
    rows (``loss``, ``val_loss``) and ``metric`` rows are committed in one transaction.

    Raises:
        TypeError, ValueError: ``history`` is not one of the above, or holds a value that is not a
            number, duplicate epochs, curves of different lengths (the message names it).

    Example:
        >>> import os, tempfile
        >>> import neural_net.db as db
        >>> from neural_net.db.history_import import import_history
        >>> path = os.path.join(tempfile.mkdtemp(), "training.log")
        >>> with open(path, "w") as f:
        ...     _ = f.write("epoch,accuracy,loss,val_accuracy,val_loss\\n0,0.5,0.9,0.4,1.0\\n1,0.8,0.4,0.7,0.6\\n")
        >>> rid = import_history(path, store="sqlite://")
        >>> db.history("sqlite://", rid).loc[2].to_dict()
        {'accuracy': 0.8, 'loss': 0.4, 'val_accuracy': 0.7, 'val_loss': 0.6}
        >>> runs = db.list_runs("sqlite://"); runs.loc[runs.run_id == rid, ["name", "status", "epochs"]].values.tolist()
        [['training.log', 'finished', 2]]
    """
    if name is not None:
        check_name(name, "import_history: name")
    if params is not None and not isinstance(params, dict):
        raise TypeError(f"import_history: params must be a dict or None, got {type(params).__name__}")
    frame, epochs, kind, extra = _frame_from(history)
    frame, epochs = _checked(frame, epochs)
    if name is None:
        name = os.path.basename(extra["file"])[:100] if "file" in extra else "imported"
    hyper: dict[str, Any] = {"epochs": int(len(epochs)), "imported": {"from": kind, **extra}}
    if params is not None:
        hyper["params"] = params
    try:
        hyper_json = dumps(hyper)
    except (TypeError, ValueError) as e:
        raise TypeError(f"import_history: params must be JSON-serializable ({e})") from None
    url = resolve_url(store)
    engine = open_database(url, create=True)
    now, rid = utcnow(), new_id()
    run = dict(id=rid, created_at=now, updated_at=now, name="Imported", Architecture_id=rid, run_name=name,
               status="finished", epochs=int(epochs.max()), library_version=__version__,
               config=dumps({"steps": [], "cost": None, "name": name}), hyperparams=hyper_json)
    params_rows = param_rows(rid, hyper)

    # The store's one write path: the run's rows go through its RunWriter, as training's do;
    # the batches are kept by deferred_writes and committed in ONE transaction (retried while
    # SQLite is locked, rolled back on any error: a failed import leaves no partial run).
    writer = RunWriter(engine, rid)
    try:
        with deferred_writes(engine):
            writer.write(run=run, params=params_rows)
            for costs, metrics in _rows(rid, frame, epochs, now):
                writer.write(costs=costs, metrics=metrics)
    finally:
        writer.close()
    return rid
