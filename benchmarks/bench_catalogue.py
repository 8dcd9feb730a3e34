"""Speed of the catalogue (not a test): ``list_runs(DIR)`` and ``neural-net runs DIR`` over a
run directory of many small run files. Prints a table of timings.

The files are made from four real runs (finished with validation losses, interrupted —
stored ``'running'`` with a dead pid —, failed, created), each copied ``--files / 4`` times
with a new run id, name and creation time written with :mod:`sqlite3`; a text file and
another program's database are added, which the catalogue must report and skip.

Timed:

* ``list_runs(dir)``: the catalogue as it reads SQLite files (raw read-only sqlite3
  connections reading the tables and ``run_metric``, in a thread pool; the files are settled —
  modified a minute before — so each is read through an ``immutable=1`` connection), first
  call and median; then the same through the safe connections only (``PRAGMA query_only`` /
  ``mode=ro``, as every file was read before);
* the same with ``fast=False``: an SQLAlchemy engine per file after ``open_database``'s checks
  (what ``list_runs`` did before), for comparison — the frames must be equal;
* ``db.runs(dir, order_by='-val_accuracy')``: parameters and metrics as columns, sorted;
* ``list_runs(dir, cache=True)``: with the catalogue's cache of the directory
  (:mod:`neural_net.db.catalogue_cache`, in a temporary ``NEURAL_NET_CACHE_DIR``), first call
  (no cache: every file read, the cache written) and median (warm: no file opened);
* ``neural-net runs DIR`` (``table`` and ``json``, plain and with ``--sort -val_accuracy
  --columns ...``) as a new process: the wall time a user waits, Python start-up and imports
  included. Each row has a cache directory of its own: "first" is the cold call (no cache),
  the median the usual repeated call (warm cache); one row with the cache off
  (``NEURAL_NET_CACHE_DIR=''``); then Python's start-up with the command's imports (no
  SQLAlchemy), with SQLAlchemy as well (as before), and with numpy alone;
* with ``NEURAL_NET_TEST_DATABASE_URL`` a PostgreSQL URL: ``db.runs(url, order_by=...)`` over
  one database of ``--pg-runs`` runs × ``--pg-epochs`` epochs, made for the purpose (one real
  run by the library, its rows copied on the server with ``generate_series``) and dropped at
  the end (``run_metric`` of the copies filled by :func:`neural_net.db.summary.rebuild`, the
  backfill of migration 0005, timed); then the catalogue query alone, with and without
  ``run_metric``'s primary key (cancelled after :data:`PG_TIMEOUT` seconds).

Each row: wall time of the first call, median wall time and median CPU time (this process and
its children) of ``--repeat`` later calls. Targets (issue 11): 1,000 run files ≤ 1.5 s;
10,000 runs × 100 epochs on PostgreSQL ≤ 1 s.

Run: ``PYTHONPATH=. python benchmarks/bench_catalogue.py [--files 1000] [--repeat 3] [--workers N]
[--pg-runs 10000] [--pg-epochs 100] [--no-pg] [--no-files]``
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import neural_net  # noqa: E402,F401
import neural_net.db as db  # noqa: E402
from neural_net.architecture import Sequential  # noqa: E402
from neural_net.db import catalogue as catalogue_module  # noqa: E402
from neural_net.db.catalogue import RUN_SQL, catalogue  # noqa: E402
from neural_net.db.catalogue_sql import extra_sql  # noqa: E402
from neural_net.db.engine import dispose  # noqa: E402
from neural_net.db.summary import rebuild  # noqa: E402
from neural_net.layers import Dense  # noqa: E402
from neural_net.model import new_id  # noqa: E402

TABLES_WITH_RUN = ("architecture", "layer", "neurons", "cost", "metric", "snapshot", "weight_matrix", "param", "tag",
                   "run_metric")


def templates(directory: Path) -> list[Path]:
    """Four real run files: finished (with val), interrupted, failed, created."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    y = np.eye(3)[rng.integers(0, 3, 64)]
    paths = []

    def net(path: Path, name: str) -> Sequential:
        n = Sequential([Dense(8, activation="relu", input_dim=4), Dense(3, activation="softmax")], "cross_entropy",
                       store={"path": str(path), "checkpoint_every": 5}, seed=0, name=name)
        n.compile("adam", metrics=["accuracy"])
        return n

    p = directory / "finished.db"
    net(p, "finished").fit(X, y, epochs=20, batch_size=16, validation_split=0.25, verbose=0)
    paths.append(p)
    p = directory / "interrupted.db"
    n = net(p, "interrupted")
    n.fit(X, y, epochs=7, batch_size=16, verbose=0)
    con = sqlite3.connect(p)
    con.execute(f"UPDATE Architecture SET status = 'running', pid = {2**22 + 777}, finished_at = NULL")
    con.commit()
    con.close()
    paths.append(p)
    p = directory / "failed.db"
    db.record_failed_run(str(p), "failed", {"units": 0}, "ValueError: units must be > 0")
    paths.append(p)
    p = directory / "created.db"
    net(p, "created")
    paths.append(p)
    dispose()
    return paths


def make_run_dir(directory: Path, n_files: int) -> None:
    work = directory.parent / "templates"
    work.mkdir()
    sources = templates(work)
    start = datetime(2024, 3, 4, 18, 0)
    for i in range(n_files):
        target = directory / f"model{1709575905 + i}.db"
        shutil.copy(sources[i % len(sources)], target)
        con = sqlite3.connect(target)
        con.execute("PRAGMA synchronous = OFF")  # setup speed: these files are throw-away
        old = con.execute("SELECT Architecture_id FROM Architecture").fetchone()[0]
        rid = new_id()
        for table in TABLES_WITH_RUN:
            con.execute(f"UPDATE {table} SET Architecture_id = ? WHERE Architecture_id = ?", (rid, old))
        created = (start + timedelta(seconds=37 * i)).isoformat(sep=" ", timespec="microseconds")
        con.execute("UPDATE Architecture SET run_name = ?, created_at = ?, started_at = ?",
                    (f"sweep-{i:04d}", created, created))
        con.commit()
        con.close()
        settled = time.time_ns() - 60 * 10**9  # as a sweep's files: written when their runs ended, not now
        os.utime(target, ns=(settled, settled))
    (directory / "notes.db").write_text("a text file that is not a database\n")
    con = sqlite3.connect(directory / "other-app.db")
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    shutil.rmtree(work)


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, repeat: int) -> tuple[float, float, float, object]:
    """(wall time of the first call, median wall time and median CPU time of ``repeat`` later
    calls, last result). The CPU time counts this process and the child processes it waited
    for: on a machine other processes are using, it is the figure that does not grow with
    their load."""
    t = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t
    times, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), _cpu()
        result = fn()
        times.append(time.perf_counter() - t)
        cpus.append(_cpu() - c)
    if not times:
        return first, first, float("nan"), result
    return first, statistics.median(times), statistics.median(cpus), result


#: The sorted listing with parameters and metrics as columns (``db.runs`` behind the command).
SORTED = ["--sort", "-val_accuracy", "--columns", "name,status,optimizer,batch_size,val_accuracy,best_val_accuracy"]


def cli(directory: Path, fmt: str, *extra: str, cache: str = "") -> subprocess.CompletedProcess:
    """``neural-net runs DIR --format FMT ...`` as a new process, its catalogue cache in the
    directory ``cache`` (empty: no cache)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEURAL_NET_CACHE_DIR": cache}
    return subprocess.run([sys.executable, "-m", "neural_net", "runs", str(directory), "--format", fmt, *extra],
                          capture_output=True, text=True, env=env)


# ----- PostgreSQL: one database, many runs --------------------------------------------------------
#: Tables copied per run on the server (what ``db.runs`` reads: the run, its losses, metrics,
#: parameters); layers, neurons and snapshots are not read by it and are left out.
PG_TABLES = ("architecture", "cost", "metric", "param")
#: Counted after the setup.
PG_COUNTED = PG_TABLES + ("run_metric",)
#: The key that the sorted catalogue of a server relies on (timed without it too): ``run_metric``'s
#: primary key ``(Architecture_id, source, split, name)``, two lookups per run for the losses.
PG_KEY = "run_metric_pkey"


def _server_url(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _copy_runs(conn, n_runs: int) -> None:
    """Turn the one template run of the database into ``n_runs`` runs, on the server: each table
    of :data:`PG_TABLES` gets the template's rows again per run (``generate_series``) with new
    ids, a new run id, name and creation time, and loss/metric values scaled by a random factor
    (learning rates kept), so that every run has the library's rows and a different ranking."""
    from neural_net.db.schema import Base

    rid, = conn.execute("SELECT Architecture_id FROM Architecture").fetchone()
    for table in PG_TABLES:
        cols = [c.name for c in Base.metadata.tables[table].columns]
        base, count = conn.execute(f"SELECT max(id) + 1, count(*) FROM {table} WHERE Architecture_id = {rid}").fetchone()
        expr = {"id": f"{base} + (g - 1) * {count} + t.k", "Architecture_id": f"{rid} + g"}
        if table == "architecture":  # one identity: the run's id is its primary key (schema 0004)
            expr.update(id=f"{rid} + g", run_name="'sweep-' || lpad(g::text, 5, '0')", created_at="t.created_at + g * interval '1 s'",
                        name="t.name")
        if table in ("cost", "metric"):
            scale = "(0.5 + random())" if table == "cost" else "(CASE WHEN t.name = 'lr' THEN 1 ELSE 0.5 + random() END)"
            expr["value"] = f"t.value * {scale}"
        select = ", ".join(expr.get(c, f"t.{c.lower()}") for c in cols)
        names = ", ".join(f'"{c.lower()}"' for c in cols)
        conn.execute(f"INSERT INTO {table} ({names}) SELECT {select} FROM "
                     f"(SELECT *, row_number() OVER (ORDER BY id) - 1 AS k FROM {table} "
                     f"WHERE Architecture_id = {rid}) AS t CROSS JOIN generate_series(1, {n_runs - 1}) AS g")


#: Seconds after which a query without its indexes is cancelled (it would take far longer).
PG_TIMEOUT = 20


def _query_time(conn, sql: str) -> tuple[float, float, float]:
    """(wall, wall, nan) of ``sql`` on a psycopg connection, or (inf, inf, nan) when it ran
    longer than :data:`PG_TIMEOUT` seconds and was cancelled."""
    import psycopg

    conn.execute(f"SET statement_timeout = {PG_TIMEOUT * 1000}")
    t = time.perf_counter()
    try:
        conn.execute(sql).fetchall()
    except psycopg.errors.QueryCanceled:
        return float("inf"), float("inf"), float("nan")
    finally:
        conn.execute("RESET statement_timeout")
    took = time.perf_counter() - t
    return took, took, float("nan")


def bench_postgres(url: str, n_runs: int, epochs: int, repeat: int) -> list[tuple]:
    """Time ``db.runs(URL, order_by='-val_accuracy')`` over ``n_runs`` runs × ``epochs`` epochs
    in a database made for the purpose (and dropped), with and without the indexes."""
    import psycopg

    name = f"nn_bench_catalogue_{os.getpid()}"
    admin = url.replace("postgresql+psycopg://", "postgresql://", 1)
    rows: list[tuple] = []
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")
        c.execute(f"CREATE DATABASE {name}")
    target = _server_url(url, name)
    try:
        rng = np.random.default_rng(1)
        X = rng.normal(size=(40, 4))
        y = np.eye(3)[rng.integers(0, 3, 40)]
        net = Sequential([Dense(4, activation="relu", input_dim=4), Dense(3, activation="softmax")], "cross_entropy",
                         store=target, seed=0, name="template")
        net.compile("adam", metrics=["accuracy"])
        t = time.perf_counter()
        net.fit(X, y, epochs=epochs, batch_size=20, validation_split=0.25, verbose=0)
        dispose()
        with psycopg.connect(_server_url(admin, name), autocommit=True) as c:
            _copy_runs(c, n_runs)
        copied = time.perf_counter()
        with db.open_database(target).begin() as c:  # run_metric of the copies: the migration's backfill
            rebuild(c)
        backfill = time.perf_counter() - copied
        with psycopg.connect(_server_url(admin, name), autocommit=True) as c:
            c.execute("VACUUM ANALYZE")
            counts = {tb: c.execute(f"SELECT count(*) FROM {tb}").fetchone()[0] for tb in PG_COUNTED}
        setup = time.perf_counter() - t
        print(f"PostgreSQL database {name}: {counts} rows; setup {setup:.1f} s, of which run_metric's "
              f"backfill (summary.rebuild, as migration 0005) {backfill:.1f} s")
        first, med, cpu, ranked = timed(lambda: db.runs(target, order_by="-val_accuracy"), repeat)
        assert len(ranked) == n_runs and ranked.val_accuracy.is_monotonic_decreasing
        assert {"optimizer", "batch_size", "accuracy", "best_val_accuracy"} <= set(ranked.columns)
        rows.append((f"runs(server, order_by='-val_accuracy'): {n_runs} runs x {epochs} epochs", first, med, cpu))
        first, med, cpu, _ = timed(lambda: catalogue(target), repeat)
        rows.append(("list_runs(server): catalogue only", first, med, cpu))
        print_rows(rows)
        rows = []
        with psycopg.connect(_server_url(admin, name), autocommit=True) as c:
            ids = [r[0] for r in c.execute("SELECT Architecture_id FROM Architecture").fetchall()]
            metric_sql = extra_sql(ids)["metrics"]
            rows.append(("RUN_SQL (the catalogue query) alone, psycopg", *_query_time(c, RUN_SQL)))
            rows.append(("the metric query of run_metric (all runs), psycopg", *_query_time(c, metric_sql)))
            c.execute(f"ALTER TABLE run_metric DROP CONSTRAINT {PG_KEY}")
            c.execute("ANALYZE")
            rows.append((f"  RUN_SQL without {PG_KEY}", *_query_time(c, RUN_SQL)))
    finally:
        dispose()
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return rows


@contextlib.contextmanager
def _safe_connections_only():
    """In the block the catalogue reads every file through ``connect_read_only`` (``PRAGMA
    query_only`` or ``mode=ro``), never through an ``immutable=1`` connection: as before."""
    from neural_net.db import catalogue_files

    immutable = catalogue_files.read_unchanged
    catalogue_files.read_unchanged = lambda path, read: (False, None)
    try:
        yield
    finally:
        catalogue_files.read_unchanged = immutable


@contextlib.contextmanager
def _cache_env(directory: str):
    """``NEURAL_NET_CACHE_DIR`` set to ``directory`` in this process for the block."""
    previous = os.environ.get("NEURAL_NET_CACHE_DIR")
    os.environ["NEURAL_NET_CACHE_DIR"] = directory
    try:
        yield
    finally:
        if previous is None:
            del os.environ["NEURAL_NET_CACHE_DIR"]
        else:
            os.environ["NEURAL_NET_CACHE_DIR"] = previous


def print_rows(rows: list[tuple]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'first':>8}  {'median':>8}  {'cpu':>8}   (seconds; cpu: median CPU time, children included)")
    for name, *figures in rows:
        print(f"{name:{width}}" + "".join(_cell(v) for v in figures))


def _cell(v: float) -> str:
    if v != v:
        return f"  {'':8}"
    return f"  {'> ' + str(PG_TIMEOUT):>8}" if v == float("inf") else f"  {v:8.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None, help="threads of the catalogue (default: its own)")
    ap.add_argument("--pg-runs", type=int, default=10000, help="runs in the PostgreSQL database (0: no server part)")
    ap.add_argument("--pg-epochs", type=int, default=100)
    ap.add_argument("--no-pg", action="store_true", help="no PostgreSQL part (as --pg-runs 0)")
    ap.add_argument("--no-files", action="store_true", help="only the PostgreSQL part")
    args = ap.parse_args()
    if args.no_pg:
        args.pg_runs = 0
    if args.workers:
        catalogue_module.WORKERS = args.workers
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, load average {os.getloadavg()}")
    if not args.no_files:
        bench_files(args)
    url = os.environ.get("NEURAL_NET_TEST_DATABASE_URL", "")
    if args.pg_runs and url.startswith("postgresql"):
        print_rows(bench_postgres(url, args.pg_runs, args.pg_epochs, args.repeat))
    elif args.pg_runs:
        print("PostgreSQL part skipped: NEURAL_NET_TEST_DATABASE_URL is not a postgresql URL")
    print(f"load average at the end: {os.getloadavg()}")


def bench_files(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "run"
        directory.mkdir()
        t = time.perf_counter()
        make_run_dir(directory, args.files)
        setup = time.perf_counter() - t
        quiet = {"on_skip": lambda path, reason: None}

        rows = []
        first, med, cpu, fast = timed(lambda: catalogue(directory, **quiet), args.repeat)
        rows.append(("list_runs(dir): raw sqlite3, thread pool", first, med, cpu))
        with _safe_connections_only():
            first, med, cpu, safe = timed(lambda: catalogue(directory, **quiet), args.repeat)
        rows.append(("  the same, no immutable=1 read (query_only / mode=ro, before)", first, med, cpu))
        pd.testing.assert_frame_equal(fast, safe)
        first, med, cpu, filtered = timed(lambda: catalogue(directory, status="finished", name="sweep-00*", **quiet),
                                          args.repeat)
        rows.append(("list_runs(dir, status=, name=)", first, med, cpu))

        def engine_path():
            try:
                return catalogue(directory, fast=False, **quiet)
            finally:
                dispose()  # an engine (and an open connection) per file otherwise

        first, med, cpu, slow = timed(engine_path, max(1, args.repeat // 2))
        rows.append(("list_runs(dir, fast=False): engine per file (before)", first, med, cpu))
        pd.testing.assert_frame_equal(fast, slow)  # the same catalogue either way
        assert len(fast) == args.files, (len(fast), args.files)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            catalogue(directory)
        assert len(caught) == 2  # notes.db and other-app.db are reported, not fatal

        with tempfile.TemporaryDirectory() as cache, _cache_env(cache):
            first, med, cpu, cached = timed(lambda: catalogue(directory, cache=True, **quiet), args.repeat)
        rows.append(("list_runs(dir, cache=True): first no cache, then warm", first, med, cpu))
        pd.testing.assert_frame_equal(fast, cached)

        first, med, cpu, ranked = timed(lambda: db.runs(directory, order_by="-val_accuracy", **quiet), args.repeat)
        rows.append(("runs(dir, order_by='-val_accuracy'): params + metrics", first, med, cpu))
        assert len(ranked) == args.files and ranked.val_accuracy.notna().any(), ranked.columns
        assert ranked.val_accuracy.dropna().is_monotonic_decreasing

        outputs: dict[tuple, str] = {}
        for fmt, extra, use_cache in (("table", [], False), ("table", [], True), ("json", [], True),
                                      ("table", SORTED, False), ("table", SORTED, True), ("json", SORTED, True)):
            with tempfile.TemporaryDirectory() as cache:
                def command():
                    out = cli(directory, fmt, *extra, cache=cache if use_cache else "")
                    assert out.returncode == 0, out.stderr
                    assert out.stderr.count("neural-net: skipping") == 2, out.stderr
                    outputs.setdefault((fmt, tuple(extra)), out.stdout)
                    assert out.stdout == outputs[fmt, tuple(extra)]  # the same listing, cache or not
                    return out

                first, med, cpu, out = timed(command, max(1, args.repeat))
            if fmt == "json":
                assert len(json.loads(out.stdout)) == args.files
            label = f"neural-net runs DIR --format {fmt}" + (" --sort -val_accuracy --columns ..." if extra else "")
            label += ": first no cache, then warm" if use_cache else ": cache off"
            rows.append((label + " (new process)", first, med, cpu))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for label, imports in (("(python start-up + imports of the command: no SQLAlchemy)",
                                "import neural_net.cli, neural_net.db.catalogue"),
                               ("(the same + sqlalchemy, imported by the command before)",
                                "import neural_net.cli, neural_net.db.catalogue, sqlalchemy, neural_net.db.values"),
                               ("(python start-up + numpy alone; pandas is the rest)", "import numpy")):
            first, med, cpu, _ = timed(lambda: subprocess.run([sys.executable, "-c", imports], env=env, check=True),
                                       max(1, args.repeat))
            rows.append((label, first, med, cpu))
        leftovers = sorted(p.name for p in directory.iterdir() if not p.name.endswith(".db"))

    print(f"catalogue of {args.files} run files (+2 unusable), {catalogue_module.WORKERS} threads; setup {setup:.1f} s")
    print(f"statuses: {fast.status.value_counts().to_dict()}; filtered: {len(filtered)} runs")
    print_rows(rows)
    print(f"files left beside the databases after reading: {leftovers or 'none'}")


if __name__ == "__main__":
    main()
