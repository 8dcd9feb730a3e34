"""Where the ensemble's store overhead goes (issue 16), not a test: prints two tables.

1. **Commit of one epoch of K members** through the store's own statements
   (:func:`neural_net.db.columnar.write_epoch` and :func:`~neural_net.db.columnar.heartbeat`,
   one transaction per epoch, as an :class:`~neural_net.ensemble.Ensemble` writes), on a file
   made by the store (its real schema), with the indexes of ``cost`` and ``metric`` as they are
   (per run: ``(run, split, epoch, value)``), with those two per-run indexes dropped, and with
   them replaced by indexes led by ``epoch / 16`` (the rows of one epoch of every run then sit
   in a few leaves instead of one leaf per run). Milliseconds per epoch at the first and the
   last epochs: a per-run index costs more as it grows.
2. **The W3 ensemble (iris 4-16-3, 128 members, batch 16) with every member stored**, against
   the same fit unstored, interleaved over rounds: milliseconds added per epoch with the store
   as it is and with the two per-run indexes dropped after the runs are created.

Run from the repository root: ``PYTHONPATH=. python benchmarks/store_layout.py [--rounds 5]``.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Header, table  # noqa: E402
from benchmarks.bench_ensemble import builder, iris, members  # noqa: E402
import neural_net.db as db  # noqa: E402
from neural_net.db import columnar, engine as eng  # noqa: E402
from neural_net.db.rows import EpochColumns, new_ids  # noqa: E402
from neural_net.db.schema import utcnow  # noqa: E402
from neural_net.ensemble import Ensemble  # noqa: E402

PER_RUN = {"ix_cost_run_split_epoch": "cost(Architecture_id, split, epoch, value)",
           "ix_metric_run_name_epoch": "metric(Architecture_id, split, name, epoch, value)"}
BY_GENERATION = {"ix_cost_gen": "cost(epoch / 16, Architecture_id, split, epoch, value)",
                 "ix_metric_gen": "metric(epoch / 16, Architecture_id, split, name, epoch, value)"}


def relayout(path: str, layout: str) -> None:
    """Drop the per-run indexes of ``cost`` and ``metric`` (``layout`` 'none') or replace them
    by indexes led by ``epoch / 16`` ('generation'); 'per run' leaves the file as it is."""
    if layout == "per run":
        return
    con = sqlite3.connect(path)
    for name in PER_RUN:
        con.execute(f"DROP INDEX {name}")
    if layout == "generation":
        for name, on in BY_GENERATION.items():
            con.execute(f"CREATE INDEX {name} ON {on}")
    con.commit()
    con.close()


def commit_epochs(layout: str, K: int, epochs: int) -> tuple[float, float]:
    """Milliseconds per epoch of the first and the last tenth of ``epochs`` epochs of ``K``
    runs, each epoch one transaction of the store's statements (a loss and an ``lr`` curve)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "layout.db")
        url = "sqlite:///" + path
        engine = eng.open_database(url)
        runs = tuple(range(10**15, 10**15 + 7919 * K, 7919))
        with engine.begin() as c:
            now = utcnow()
            c.exec_driver_sql("INSERT INTO architecture (id, Architecture_id, created_at, updated_at, name, status, "
                              "epochs, config) VALUES (?, ?, ?, ?, 'Sequential', 'running', 0, '{}')",
                              [(r, r, now.isoformat(), now.isoformat()) for r in runs])
        relayout(path, layout)
        times = []
        for e in range(1, epochs + 1):
            now = utcnow()
            block = EpochColumns(runs, e, now, (("train", "loss", 0), ("train", "lr", 1)),
                                 (tuple(0.5 / e + k * 1e-3 for k in range(K)), (0.01,) * K),
                                 next(new_ids(2 * K)), ("CrossEntropy",) * K, (1,) * K)
            t = time.perf_counter()
            with engine.begin() as c:
                columnar.write_epoch(c, block)
                columnar.heartbeat(c, runs, {"updated_at": now, "epochs": e})
            times.append(time.perf_counter() - t)
        with engine.connect() as c:  # every epoch of every run is there, in each layout
            n = c.exec_driver_sql("SELECT count(*) FROM cost WHERE epoch IS NOT NULL").scalar()
            last = c.exec_driver_sql("SELECT min(last_epoch) FROM run_metric WHERE name = 'lr'").scalar()
        if (n, last) != (K * epochs, epochs):
            raise SystemExit(f"store_layout: {layout}: {n} loss rows and last lr epoch {last}, "
                             f"expected {K * epochs} and {epochs}")
        engine.dispose()
        db.dispose()
    tenth = max(1, epochs // 10)
    return 1e3 * statistics.median(times[:tenth]), 1e3 * statistics.median(times[-tenth:])


def stored_fit(epochs: int, rounds: int) -> dict[str, list[float]]:
    """Seconds of the W3 fit unstored, stored, and stored without the per-run indexes."""
    X, y = iris()
    build = builder([4, 16, 3], "relu", "softmax", "categorical_crossentropy")
    lrs = [0.01 * (k + 1) for k in range(32)]
    out: dict[str, list[float]] = {"unstored": [], "stored": [], "stored, no per-run index": []}
    for _ in range(rounds):
        for mode in out:
            with tempfile.TemporaryDirectory() as d:
                models = members(build, lrs, range(4))
                path = os.path.join(d, "members.db")
                if mode != "unstored":
                    for k, m in enumerate(models):
                        m.run_name = f"member[{k}]"
                        m.open_store(path)
                    relayout(path, "none" if "no per-run" in mode else "per run")
                t = time.perf_counter()
                Ensemble(models).fit(X, y, epochs=epochs, batch_size=16)
                out[mode].append(time.perf_counter() - t)
                if mode != "unstored":
                    for m in models:
                        m.store.close()
                    stored = len(db.history(path, models[-1]["id"]))
                    if stored != epochs:
                        raise SystemExit(f"store_layout: {mode}: {stored} epochs stored, expected {epochs}")
                    db.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the stored W3 fits")
    ap.add_argument("--epochs", default="200,1000", help="epochs of the commit table (comma-separated)")
    ap.add_argument("--fit-epochs", default="50,200,400", help="epochs of the W3 fits (comma-separated)")
    args = ap.parse_args(argv)
    header = Header(torch=None, sklearn=None, torch_skip="not used", sklearn_skip="not used")
    print("\n".join(header.lines()))
    rows = []
    for epochs in (int(e) for e in args.epochs.split(",")):
        for layout in ("per run", "none", "generation"):
            first, last = commit_epochs(layout, args.members, epochs)
            rows.append([str(epochs), layout, f"{first:.2f}", f"{last:.2f}"])
    print(f"\none epoch of {args.members} members per transaction (loss + lr rows, run_metric merge, heartbeat), "
          "ms per epoch (median of the first and last tenth)")
    print(table(["epochs", "indexes of cost/metric", "first epochs ms", "last epochs ms"], rows))
    rows = []
    for epochs in (int(e) for e in args.fit_epochs.split(",")):
        times = stored_fit(epochs, args.rounds)
        bare = statistics.median(times["unstored"])
        for mode, ts in times.items():
            med = statistics.median(ts)
            rows.append([str(epochs), mode, f"{med:.3f}", "-" if mode == "unstored" else
                         f"{1e3 * (med - bare) / epochs:+.2f} ({100 * (med / bare - 1):+.0f} %)",
                         " ".join(f"{t:.2f}" for t in ts)])
    print(f"\nW3 (128 members) fit, {args.rounds} interleaved rounds, medians")
    print(table(["epochs", "fit", "seconds", "ms per epoch added (overhead)", "rounds (s)"], rows))
    print("\n".join(header.footer()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
