"""Speed of the catalogue (not a test): ``list_runs(DIR)`` and ``neural-net runs DIR`` over a
run directory of many small run files. Prints a table of timings.

The files are made from four real runs (finished with validation losses, interrupted —
stored ``'running'`` with a dead pid —, failed, created), each copied ``--files / 4`` times
with a new run id, name and creation time written with :mod:`sqlite3`; a text file and
another program's database are added, which the catalogue must report and skip.

Timed:

* ``list_runs(dir)``: the catalogue as it reads SQLite files (raw read-only sqlite3
  connections on the ``run_summary`` view, in a thread pool), first call and median;
* the same with ``fast=False``: an SQLAlchemy engine per file after ``open_database``'s checks
  (what ``list_runs`` did before), for comparison — the frames must be equal;
* ``neural-net runs DIR`` (``table`` and ``json``) as a new process: the wall time a user
  waits, Python start-up and imports included.

Target: a thousand run files list in a few seconds.

Run: ``PYTHONPATH=. python benchmarks/bench_catalogue.py [--files 1000] [--repeat 3] [--workers N]``
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import neural_net  # noqa: E402,F401
import neural_net.db as db  # noqa: E402
from neural_net.architecture import Sequential  # noqa: E402
from neural_net.db import catalogue as catalogue_module  # noqa: E402
from neural_net.db.catalogue import catalogue  # noqa: E402
from neural_net.db.engine import dispose  # noqa: E402
from neural_net.layers import Dense  # noqa: E402
from neural_net.model import new_id  # noqa: E402

TABLES_WITH_RUN = ("Architecture", "Layer", "Neurons", "Cost", "metric", "snapshot", "weight_matrix")


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
    (directory / "notes.db").write_text("a text file that is not a database\n")
    con = sqlite3.connect(directory / "other-app.db")
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    shutil.rmtree(work)


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(first call, median of ``repeat`` later calls, last result)."""
    t = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return first, statistics.median(times) if times else first, result


#: The sorted listing with parameters and metrics as columns (``db.runs`` behind the command).
SORTED = ["--sort", "-val_accuracy", "--columns", "name,status,optimizer,batch_size,val_accuracy,best_val_accuracy"]


def cli(directory: Path, fmt: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "neural_net", "runs", str(directory), "--format", fmt, *extra],
                          capture_output=True, text=True, env=env)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=None, help="threads of the catalogue (default: its own)")
    args = ap.parse_args()
    if args.workers:
        catalogue_module.WORKERS = args.workers

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "run"
        directory.mkdir()
        t = time.perf_counter()
        make_run_dir(directory, args.files)
        setup = time.perf_counter() - t
        quiet = {"on_skip": lambda path, reason: None}

        rows = []
        first, med, fast = timed(lambda: catalogue(directory, **quiet), args.repeat)
        rows.append(("list_runs(dir): raw sqlite3, thread pool", first, med))
        first, med, filtered = timed(lambda: catalogue(directory, status="finished", name="sweep-00*", **quiet),
                                     args.repeat)
        rows.append(("list_runs(dir, status=, name=)", first, med))

        def engine_path():
            try:
                return catalogue(directory, fast=False, **quiet)
            finally:
                dispose()  # an engine (and an open connection) per file otherwise

        first, med, slow = timed(engine_path, max(1, args.repeat // 2))
        rows.append(("list_runs(dir, fast=False): engine per file (before)", first, med))
        pd.testing.assert_frame_equal(fast, slow)  # the same catalogue either way
        assert len(fast) == args.files, (len(fast), args.files)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            catalogue(directory)
        assert len(caught) == 2  # notes.db and other-app.db are reported, not fatal

        first, med, ranked = timed(lambda: db.runs(directory, order_by="-val_accuracy", **quiet), args.repeat)
        rows.append(("runs(dir, order_by='-val_accuracy'): params + metrics", first, med))
        assert len(ranked) == args.files and ranked.val_accuracy.notna().any(), ranked.columns
        assert ranked.val_accuracy.dropna().is_monotonic_decreasing

        for fmt, extra in (("table", []), ("json", []), ("table", SORTED), ("json", SORTED)):
            times = []
            for _ in range(max(1, args.repeat)):
                t = time.perf_counter()
                out = cli(directory, fmt, *extra)
                times.append(time.perf_counter() - t)
                assert out.returncode == 0, out.stderr
                assert out.stderr.count("neural-net: skipping") == 2, out.stderr
            if fmt == "json":
                assert len(json.loads(out.stdout)) == args.files
            label = f"neural-net runs DIR --format {fmt}" + (" --sort -val_accuracy --columns ..." if extra else "")
            rows.append((label + " (new process)", times[0], statistics.median(times)))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import neural_net.cli, neural_net.db.catalogue, pandas, sqlalchemy"],
                       env=env, check=True)
        rows.append(("(python start-up + imports of the command)", time.perf_counter() - t, float("nan")))
        leftovers = sorted(p.name for p in directory.iterdir() if not p.name.endswith(".db"))

    print(f"catalogue of {args.files} run files (+2 unusable) — {platform.python_version()}, SQLite "
          f"{sqlite3.sqlite_version}, {os.cpu_count()} CPUs, {catalogue_module.WORKERS} threads; setup {setup:.1f} s")
    print(f"statuses: {fast.status.value_counts().to_dict()}; filtered: {len(filtered)} runs")
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'first':>8}  {'median':>8}")
    for name, first, med in rows:
        print(f"{name:{width}}  {first:8.3f}  {med:8.3f}" if med == med else f"{name:{width}}  {first:8.3f}")
    print(f"files left beside the databases after reading: {leftovers or 'none'}")


if __name__ == "__main__":
    main()
