"""Every database read of the dashboard, in one place.

The dashboard reads a store only through this module, and this module reads only through the
public names of :mod:`neural_net.db`: the runs table through ``runs`` (one row per run with its
parameters, tags, layers and final/best metrics; a directory's files in one call, each file in
one read-only connection of the catalogue), one run through ``open_run`` and its
:class:`~neural_net.db.StoredRun`, plus ``head_revision``, ``ENGINES``, ``dispose`` and the
errors; and a few read-only ``SELECT`` statements over the documented tables and views where
those functions do not give what a page needs (:data:`SQL`: a server's change signature and
its number of runs).

Read-only, and nothing left behind: the catalogue's SQLite connections follow
:mod:`neural_net.db.sqlite_readonly`, and every engine is made by :mod:`neural_net.ui.readonly`.

The runs table is cached per file and refreshed only for files whose size or modification
time (of the file or its ``-wal``) changed, and for runs still marked running: browsing a
thousand runs reads each file once. A database server's table is read again when one short
query says it changed (runs, heartbeats, epochs, tags, parameters) and at least every
:data:`SERVER_REFRESH` seconds.

Example:
    >>> import numpy, tempfile, os
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.ui.data import Source
    >>> d = tempfile.mkdtemp()
    >>> net = Sequential([Dense(1, input_dim=2)], 'mse', store=os.path.join(d, "a.db"), name="tiny")
    >>> _ = net.fit(numpy.ones((4, 2)), numpy.ones((4, 1)), epochs=3, verbose=0)
    >>> src = Source(d)
    >>> src.runs().table[["name", "status", "epochs"]].values.tolist()
    [['tiny', 'finished', 3]]
    >>> src.history(net['id'])["loss"].size
    3
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

import neural_net.db as db
from neural_net.db.catalogue import RUN_COLUMNS
from neural_net.db.urls import display_url, sources

from .queries import CHART_SQL, SQL  # noqa: F401 (re-exported)
from .readonly import read_only, select_rows, sqlite_path

class UnknownRun(LookupError):
    """A run id that no database of the source holds (the dashboard shows a 404 page).

    Example:
        >>> from neural_net.ui.data import UnknownRun
        >>> str(UnknownRun("no run 7"))
        'no run 7'
    """


# ----- the runs table ---------------------------------------------------------------------------
@dataclass
class Runs:
    """The runs table: one row per run with parameters (``param.<key>``) and final/best
    metrics as columns, and the files that could not be read (``skipped``: path → reason).

    Example:
        >>> import pandas as pd
        >>> from neural_net.ui.data import Runs
        >>> Runs(pd.DataFrame({"run_id": [1]}), {"/x.db": "not a database"}).skipped
        {'/x.db': 'not a database'}
    """

    table: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)


def _signature(path: str) -> tuple:
    """What changes when a file's content may have: size and modification time of the file
    and of a non-empty ``-wal`` (commits of a writer in WAL mode land there first; an empty
    one is what a read-only reader leaves)."""
    sig = []
    for p in (path, path + "-wal"):
        try:
            st = os.stat(p)
        except OSError:
            sig.append(None)
            continue
        sig.append((st.st_size, st.st_mtime_ns) if st.st_size or p == path else None)
    return tuple(sig)


#: Seconds a first page of a database server (:meth:`Source.first_runs`) is used again: shown only
#: while the whole table is being read (a cold start), and oldest first (new runs come last).
FIRST_FRESH = 10.0

#: Seconds after which the runs table of a database server is read again even if its signature
#: (:func:`_server_signature`) is unchanged: a rename or a note changes no count.
SERVER_REFRESH = 30.0


def _server_signature(url: str) -> tuple | None:
    """What changes when a server's runs table may have: the number of runs, their latest
    heartbeat, their epochs, tags and parameters (one short query), and the current
    :data:`SERVER_REFRESH` period. None when the query fails (the read then says why)."""
    try:
        row = select_rows(url, SQL["server_signature"])[0]
    except Exception:  # noqa: BLE001 - the store's, SQLAlchemy's, a driver's errors
        return None
    return tuple(str(v) for v in row) + (int(time.time() // SERVER_REFRESH),)


class Source:
    """A store the dashboard shows: a run directory, one ``.db`` file or a SQLAlchemy URL.

    Example:
        >>> import tempfile
        >>> from neural_net.ui.data import Source
        >>> src = Source(tempfile.mkdtemp())   # an empty run directory
        >>> src.runs().table.columns[:3].tolist(), len(src.runs().table)
        (['run_id', 'name', 'status'], 0)
    """

    def __init__(self, source: Any) -> None:
        if isinstance(source, os.PathLike):
            source = os.fspath(source)
        if not isinstance(source, str) or not source:
            raise TypeError(f"source must be a run directory, a .db path or a database URL, got {source!r}")
        self.source = source
        self.label = source
        self._files: dict[str, tuple[Any, list[dict[str, Any]], bool]] = {}  # url → (signature, rows, live)
        self._failed: dict[str, tuple[tuple, str]] = {}
        self._lock = threading.Lock()
        self._last: Runs | None = None
        self._head: str | None = None  # the schema revision of this version of the library
        self._first: tuple[int, float, tuple[Runs, int]] | None = None  # (n, when, first_runs)
        self._first_lock = threading.Lock()

    # the databases of the source
    @property
    def single(self) -> bool:
        """True when the source is one database (a URL or a file), not a directory: then a
        database that cannot be read is an error, not a skipped file."""
        return "://" in self.source or not Path(self.source).expanduser().is_dir()

    def urls(self) -> list[str]:
        """The database URLs of the source (a directory's ``*.db`` files, sorted)."""
        if "://" in self.source:
            return [self.source]
        return sources(self.source)  # the store's own URLs (a file name's '?' or '%' escaped)

    def _read_files(self, urls: list[str]) -> dict[str, list[dict[str, Any]] | BaseException]:
        """Per database of ``urls``: its rows of the runs table, or the error that kept it out
        (the store's, SQLAlchemy's, a driver's). One call of ``neural_net.db.runs`` for all
        of them: a SQLite file through one read-only connection of the catalogue (its tables
        and ``run_metric``, never every epoch's row; files in a pool of threads), a server or
        a file the catalogue's fast path declines through a read-only engine
        (:func:`~neural_net.ui.readonly.read_only`)."""
        skipped: dict[str, str] = {}
        try:
            frame = db.runs(urls if len(urls) > 1 else urls[0], engine_context=read_only,
                            on_skip=lambda path, reason: skipped.__setitem__(path, reason))
        except Exception as e:  # noqa: BLE001 - one database: its error
            return {urls[0]: e}
        out: dict[str, list[dict[str, Any]] | BaseException] = {url: [] for url in urls}
        for record in table_records(frame):  # db_path: one of urls (the store's own URLs)
            out.setdefault(record["db_path"], []).append(record)  # type: ignore[union-attr]
        shown = {display_url(url): url for url in urls}
        for path, reason in skipped.items():
            out[shown.get(path, path)] = db.StoreError(reason)
        return out

    def runs(self) -> Runs:
        """The runs table, re-reading only the files that changed since the last call (and
        those with a running run); the table itself is rebuilt only when one did."""
        with self._lock:
            urls = self.urls()
            skipped: dict[str, str] = {}
            todo = []
            for url in urls:
                path = sqlite_path(url)
                sig = _signature(path) if path else _server_signature(url)
                failed = self._failed.get(url)
                if failed is not None and sig is not None and failed[0] == sig:
                    skipped[path or url] = failed[1]  # unchanged since it failed
                    continue
                cached = self._files.get(url)
                if cached is None or sig is None or cached[0] != sig or cached[2]:
                    todo.append((url, sig))
            results = self._read_files([url for url, _ in todo]) if todo else {}
            changed = bool(results) or self._last is None
            for url, sig in todo:
                got = results[url]
                if isinstance(got, BaseException):
                    if self.single:  # one database: its error is the page
                        raise got
                    self._files.pop(url, None)
                    reason = " ".join(str(got).split())
                    skipped[sqlite_path(url) or url] = reason
                    self._failed[url] = (sig, reason)
                else:
                    self._failed.pop(url, None)
                    self._files[url] = (sig, got, any(r["status"] == "running" for r in got))
            known = set(urls)
            for cache in (self._files, self._failed):
                gone = [u for u in cache if u not in known]
                changed = changed or bool(gone)
                for url in gone:
                    del cache[url]
            if not changed and self._last is not None:
                self._last = Runs(self._last.table, skipped)
                return self._last
            records = [r for u in urls if u in self._files for r in self._files[u][1]]
            if records:
                table = pd.DataFrame.from_records(records)
                table = table.sort_values(["created_at", "run_id"], kind="stable").reset_index(drop=True)
            else:
                table = _empty_table()
            self._last = Runs(table, skipped)
            return self._last

    def first_runs(self, n: int) -> tuple[Runs, int] | None:
        """The first ``n`` rows of the runs table (its order: oldest first) and the number of
        runs, read without the rest (``neural_net.db.runs`` with ``limit``: ``ORDER BY ...
        LIMIT`` in SQL), or None unless the source is one database server (a directory or a
        file has no such cheap first page). The runs page shows it while the whole table is read;
        the server's start-up reads it first (:func:`neural_net.ui.app.create_app`), and a read
        less than :data:`FIRST_FRESH` seconds old is used again."""
        if "://" not in self.source or self.source.startswith("sqlite"):
            return None
        with self._first_lock:  # a request while the start-up reads it waits for that read
            cached = self._first
            if cached is not None and cached[0] == int(n) and time.monotonic() - cached[1] < FIRST_FRESH:
                return cached[2]
            got = self._read_first(int(n))
            self._first = (int(n), time.monotonic(), got)
            return got

    def _read_first(self, n: int) -> tuple[Runs, int]:
        url = self.source
        frame = db.runs(url, limit=n, engine_context=read_only)
        count = int(select_rows(url, SQL["count"])[0][0])
        records = table_records(frame)
        table = pd.DataFrame.from_records(records) if records else _empty_table()
        if records:
            table = table.sort_values(["created_at", "run_id"], kind="stable").reset_index(drop=True)
        return Runs(table), count

    def locate(self, run_id: int) -> str:
        """The URL of the database holding ``run_id`` (raises :class:`UnknownRun`)."""
        for attempt in range(2):
            runs = self._last if (attempt == 0 and self._last is not None) else self.runs()
            hit = runs.table.loc[runs.table["run_id"] == run_id, "db_path"]
            if len(hit):
                return str(hit.iloc[0])
        raise UnknownRun(f"no run {run_id} in {self.label}")

    # one run
    def _read(self, run_id: int, read: Any) -> Any:
        """``read(run)`` of the run's :class:`neural_net.db.StoredRun` (``neural_net.db.open_run``),
        on the run's database, read-only."""
        url = self.locate(run_id)
        with read_only(url):
            try:
                run = db.open_run(url, run_id)
            except db.RunNotFound as e:  # deleted since the runs table was read
                raise UnknownRun(f"no run {run_id} in {self.label}") from e
            return read(run)

    def info(self, run_id: int) -> dict[str, Any]:
        """The run's ``info``, with its ``params`` (flattened), ``tags`` and ``note``."""
        def read(run: Any) -> dict[str, Any]:
            return {**run.info, "params": run.params, "tags": run.tags, "note": run.note}
        return self._read(run_id, read)

    def layers(self, run_id: int) -> pd.DataFrame:
        """``layers()`` of the run."""
        return self._read(run_id, lambda run: run.layers())

    def snapshots(self, run_id: int) -> pd.DataFrame:
        """``snapshots()`` of the run."""
        return self._read(run_id, lambda run: run.snapshots())

    def history(self, run_id: int) -> pd.DataFrame:
        """``history()`` of the run (epoch × columns)."""
        return self._read(run_id, lambda run: run.history())

    def wall_time(self, run_id: int) -> pd.Series:
        """``wall_time()`` of the run: seconds from the first recorded epoch to each epoch."""
        return self._read(run_id, lambda run: run.wall_time())

    def matrices(self, run_id: int, epoch: int | None = None) -> list[np.ndarray]:
        """``weight_matrices`` of the run's snapshot at ``epoch``."""
        return self._read(run_id, lambda run: run.weight_matrices(epoch))

    def poll(self, run_id: int, after: int) -> dict[str, Any]:
        """What a live page needs since epoch ``after``, in one read of the run: its status
        (as the runs table reports it), its epochs, and ``history(after=after)``."""
        def read(run: Any) -> dict[str, Any]:
            info = run.info
            return {"status": info["status"], "epochs": info["epochs"], "history": run.history(after=after)}

        return self._read(run_id, read)


def _cell(value: Any) -> Any:
    """A value of the runs table: missing as None, a list or mapping parameter as JSON text."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (list, tuple, dict)):
        return orjson.dumps(value).decode()
    return value


def table_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The runs-table rows of a frame of :func:`neural_net.db.runs`, named as the dashboard
    names them: its catalogue columns (:data:`neural_net.db.catalogue.RUN_COLUMNS`) as they are,
    each metric ``m`` that has a ``best_m`` as ``final_m`` and ``best_m`` (``lr`` left out), its
    parameters (``layers`` among them) as ``param.<key>``, its tags as they are (``tag.<key>``)
    and joined in ``tags`` (``'key=value, ...'``); which column is which, ``db.runs`` says in
    ``frame.attrs``.

    Example:
        >>> import pandas as pd
        >>> from neural_net.ui.data import table_records
        >>> frame = pd.DataFrame({"run_id": [7], "name": ["a"], "layers": ["4-3"], "optimizer": ["adam"],
        ...                       "tag.dataset": ["iris"], "accuracy": [0.9], "best_accuracy": [0.95], "lr": [0.01]})
        >>> frame.attrs.update(parameters=["layers", "optimizer"], tags=["tag.dataset"],
        ...                    metrics=["accuracy", "best_accuracy", "lr"])
        >>> table_records(frame)
        [{'run_id': 7, 'name': 'a', 'final_accuracy': 0.9, 'best_accuracy': 0.95, 'param.layers': '4-3', \
'param.optimizer': 'adam', 'tag.dataset': 'iris', 'tags': 'dataset=iris'}]
    """
    base = [c for c in frame.columns if c in RUN_COLUMNS]
    metrics = [c for c in frame.attrs["metrics"] if f"best_{c}" in frame.columns and c not in ("loss", "val_loss")]
    tags, params = frame.attrs["tags"], frame.attrs["parameters"]
    # column by column (a frame's values boxed once per column, not once per row and column)
    names = base + [n for c in metrics for n in (f"final_{c}", f"best_{c}")] + [
        "param." + (c[len("params."):] if c.startswith("params.") else c) for c in params]
    columns = [[None if v is pd.NA else v for v in frame[c].tolist()] for c in base]
    columns += [frame[n].tolist() for c in metrics for n in (c, f"best_{c}")]
    columns += [[_cell(v) for v in frame[c].tolist()] for c in params]
    out = [dict(zip(names, values)) for values in zip(*columns)]
    keys = [c[len("tag."):] for c in tags]
    for rec, values in zip(out, zip(*[frame[c].tolist() for c in tags])):
        kept = [(k, v) for k, v in zip(keys, values) if _cell(v) is not None]
        if kept:
            rec.update({f"tag.{k}": v for k, v in kept})
            rec["tags"] = ", ".join(f"{k}={v}" for k, v in kept)
    return out


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in
                         ["run_id", "name", "status", "epochs", "final_loss", "best_loss", "started_at", "db_path",
                          "created_at", "finished_at", "updated_at"]})
