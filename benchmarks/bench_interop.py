"""Speed and memory of the interop paths (not a test): ``import_history``, ``iter_history``,
``to_tensorboard`` and ``to_mlflow`` on runs of many epochs. Prints a table.

For each ``--epochs N`` a run of N epochs and four curves (loss, accuracy, val_loss,
val_accuracy: 4·N values) is made with ``import_history`` from a DataFrame into a SQLite
file. Then each path is run twice: once timed (rows per second = stored values per second),
once under :mod:`tracemalloc` (peak of Python allocations, numpy's included, during the call).
Wall and process CPU seconds are both shown (CPU time is the fairer figure on a busy machine:
each path is single-threaded).
``db.history`` (the whole history as one DataFrame) is measured too, for comparison: its peak
grows with N, the streamed paths' must not.

MLflow's tracking file is created (its migrations run) before the timing starts; its export
goes to a SQLite tracking store. Paths whose extra is not installed are reported skipped.

Run: ``PYTHONPATH=. python benchmarks/bench_interop.py [--epochs 10000,100000] [--json out.json]``
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import neural_net.db as db  # noqa: E402
from common import Header  # noqa: E402
from neural_net.db.history_stream import iter_history  # noqa: E402

CURVES = ("loss", "accuracy", "val_loss", "val_accuracy")


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def make_run(folder: Path, epochs: int) -> tuple[str, int, float, float]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({k: rng.random(epochs) for k in CURVES})
    source = str(folder / f"long{epochs}.db")
    t, c = time.perf_counter(), time.process_time()
    rid = db.import_history(frame, store=source, name=f"long-{epochs}")
    return source, rid, time.perf_counter() - t, time.process_time() - c


def measured(fn: Callable[[], Any]) -> tuple[float, float, float]:
    """(wall seconds and process CPU seconds of one call, peak MB of Python allocations of another)."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, cpu, peak / 2**20


def stream_all(source: str, rid: int) -> int:
    return sum(len(c) for c in iter_history(source, rid))


def mlflow_tracking(folder: Path, name: str) -> str | None:
    try:
        from mlflow import MlflowClient
    except ImportError:
        return None
    uri = "sqlite:///" + str(folder / f"{name}.db")
    MlflowClient(uri).search_experiments()  # create the schema outside the timing
    return uri


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", default="10000,100000", help="comma-separated run lengths")
    ap.add_argument("--json", help="write the rows to this JSON file")
    ap.add_argument("--without", default="", help="comma-separated exporters to leave out: mlflow, tensorboard")
    args = ap.parse_args()
    without = {w.strip() for w in args.without.split(",") if w.strip()}
    sizes = [int(s) for s in args.epochs.split(",")]
    rows: list[dict[str, Any]] = []
    header = Header(torch_skip="not used", sklearn_skip="not used")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in sizes:
            source, rid, seconds, cpu = make_run(folder, n)
            values = len(CURVES) * n
            rows.append({"path": "import_history(DataFrame)", "epochs": n, "values": values, "seconds": seconds,
                         "cpu_seconds": cpu, "rows_per_s": values / seconds, "rows_per_cpu_s": values / cpu,
                         "peak_mb": None})
            paths: list[tuple[str, Callable[[], Any]]] = [
                ("db.history (one DataFrame)", lambda: db.history(source, rid)),
                ("iter_history (chunks)", lambda: stream_all(source, rid)),
            ]
            try:
                import tensorboardX  # noqa: F401

                if "tensorboard" not in without:
                    paths.append(("to_tensorboard", lambda: db.to_tensorboard(source, rid, folder / f"tb{n}")))
            except ImportError:
                rows.append({"path": "to_tensorboard", "epochs": n, "skipped": "tensorboardX not installed"})
            if "mlflow" not in without:
                uris = [mlflow_tracking(folder, f"mlflow{n}-{i}") for i in range(2)]
                if uris[0] is None:
                    rows.append({"path": "to_mlflow", "epochs": n, "skipped": "mlflow not installed"})
                else:
                    calls = iter(uris)  # a fresh tracking store for the timed call and for the traced one
                    paths.append(("to_mlflow (SQLite store)",
                                  lambda: db.to_mlflow(source, rid, next(calls), snapshots="none")))
            for name, fn in paths:
                seconds, cpu, peak = measured(fn)
                rows.append({"path": name, "epochs": n, "values": values, "seconds": seconds, "cpu_seconds": cpu,
                             "rows_per_s": values / seconds, "rows_per_cpu_s": values / max(cpu, 1e-9),
                             "peak_mb": peak})
    for line in header.lines():
        print(line)
    print("versions: " + ", ".join(f"{m} {version(m)}" for m in ("mlflow-skinny", "tensorboardX", "tensorboard",
                                                                  "sqlalchemy", "pandas")))
    print(f"{'path':28} {'epochs':>7} {'values':>7} {'wall s':>7} {'CPU s':>7} {'rows/s':>8} {'rows/CPU s':>10} "
          f"{'peak MB':>7}")
    for r in rows:
        if "skipped" in r:
            print(f"{r['path']:28} {r['epochs']:>7} skipped: {r['skipped']}")
            continue
        peak = "-" if r["peak_mb"] is None else f"{r['peak_mb']:.1f}"
        print(f"{r['path']:28} {r['epochs']:>7} {r['values']:>7} {r['seconds']:>7.2f} {r['cpu_seconds']:>7.2f} "
              f"{r['rows_per_s']:>8.0f} {r['rows_per_cpu_s']:>10.0f} {peak:>7}")
    for line in header.footer():
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows}, indent=1))


if __name__ == "__main__":
    main()
