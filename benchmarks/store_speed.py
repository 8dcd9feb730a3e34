"""Speed of the database store (not a test): prints a table of median timings.

* snapshot write: ``updateW()`` + ``commit()`` of a 784-300-100-10 network (266,610 weights);
* snapshot read: the same weights back as numpy arrays (``weight_matrices``), and a whole
  model (``load_model``);
* the ``Weight`` view: ``SELECT count(*), AVG(value) FROM weight`` over that snapshot (SQL
  exploding the JSON arrays);
* one epoch's write (cost, metric rows, heartbeat) by the recorder;
* 1,000,000 cost rows of one run into a DataFrame: ``history()`` and ``pandas.read_sql``.

Targets: snapshot write ≤ 0.25 s, read ≤ 0.2 s, 1M cost rows ≤ 1 s.

Run: ``PYTHONPATH=. python benchmarks/store_speed.py [--url URL] [--repeat 5]``; without
``--url`` it uses a SQLite file in a temporary directory, and also PostgreSQL when
``NEURAL_NET_TEST_DATABASE_URL`` is set (in a schema of its own, dropped afterwards).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

import neural_net  # noqa: E402,F401
import neural_net.db as db  # noqa: E402
from neural_net.architecture import Sequential  # noqa: E402
from neural_net.db.schema import utcnow  # noqa: E402
from neural_net.layers import Dense  # noqa: E402
from neural_net.model import new_id  # noqa: E402


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def mnist_net(url, dtype):
    net = Sequential([Dense(300, activation="relu", input_dim=784), Dense(100, activation="relu"),
                      Dense(10, activation="softmax")], "categorical_crossentropy", store=url, seed=0)
    net.compile("adam", metrics=["accuracy"])
    for s in net:
        if hasattr(s.func, "W"):
            s.func.W = s.func.W.astype(dtype)
    return net


def bench(url, repeat):
    rows = []
    for dtype in (np.float64, np.float32):
        net = mnist_net(url, dtype)
        n = sum(W.size for W in net.get_weights())

        def write():
            net.updateW()
            net.commit()

        rows.append((f"snapshot write, {n:,} weights, {np.dtype(dtype).name}", timed(write, repeat), 0.25))
        rows.append((f"snapshot read (weight_matrices), {np.dtype(dtype).name}",
                     timed(lambda: db.weight_matrices(url, net["id"]), repeat), 0.2))
        if dtype is np.float64:
            rows.append(("load_model (weights + Adam state + rng)", timed(lambda: db.load_model(url, net["id"]), repeat),
                         None))
            fc0 = net.steps[0].func["id"]

            def view():
                with net.engines[url].connect() as c:
                    c.execute(text(f"SELECT count(*), AVG(value) FROM weight WHERE neurons_id = {fc0}")).one()

            rows.append(("Weight view: count/AVG over a 785x300 matrix (SQL)", timed(view, repeat), None))
            rec = net.store.recorder
            rec.set_model(net)
            logs = {"loss": 0.5, "accuracy": 0.9, "val_loss": 0.6, "val_accuracy": 0.8, "lr": 0.001}
            epoch = [1000]

            def one_epoch():
                epoch[0] += 1
                rec.on_epoch_end(epoch[0], logs)

            rows.append(("recorder: one epoch (2 cost + 3 metric rows, heartbeat)", timed(one_epoch, 20), None))
            rng = np.random.default_rng(0)
            X, y = rng.random((64, 784)), np.eye(10)[rng.integers(0, 10, 64)]
            net.fit(X, y, epochs=1, batch_size=64, verbose=0)  # Adam now holds m and v for every weight
            rows.append(("snapshot write with Adam state (3 x 266,610 numbers)", timed(write, repeat), None))
            rows.append(("load_model with Adam state", timed(lambda: db.load_model(url, net["id"]), repeat), None))
        net.store.close()

    # 1M cost rows of one run
    net = Sequential([Dense(1, input_dim=2)], "mse", store=url)
    rid, engine = net["id"], net.engines[url]
    now = utcnow()
    t = time.perf_counter()
    values = np.random.default_rng(0).random(1_000_000)
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.executemany(f"INSERT INTO Cost (Architecture_id, value, id, created_at, updated_at, name, Cost_id, epoch, "
                        f"split) VALUES ({', '.join([mark] * 9)})",
                        [(rid, float(values[i]), new_id(), now, now, "MSE", 1, i + 1, "train")
                         for i in range(1_000_000)])
        raw.commit()
    finally:
        raw.close()
    insert_time = time.perf_counter() - t
    rows.append(("insert 1M cost rows (setup, one transaction)", insert_time, None))
    h = db.history(url, rid)
    assert len(h) == 1_000_000 and np.array_equal(h["loss"].to_numpy(), values)
    rows.append(("1M cost rows -> DataFrame: history(url, run_id)", timed(lambda: db.history(url, rid), repeat), 1.0))

    def read_sql():
        with engine.connect() as c:
            return pd.read_sql(text(f"SELECT * FROM cost WHERE Architecture_id = {rid}"), c)

    rows.append(("1M cost rows -> DataFrame: pandas.read_sql(SELECT * ...)", timed(read_sql, repeat), None))
    net.store.close()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="database URL (default: SQLite in a temporary directory, + PostgreSQL "
                                      "if NEURAL_NET_TEST_DATABASE_URL is set)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    targets = []
    cleanup = []
    cleanup_dirs: list[str] = []
    if args.url:
        targets.append(("given URL", args.url))
    else:
        sqlite_dir = tempfile.mkdtemp(prefix="nn_store_speed_")
        targets.append(("SQLite file", db.resolve_url(os.path.join(sqlite_dir, "bench.db"))))
        cleanup_dirs.append(sqlite_dir)
        base = os.environ.get("NEURAL_NET_TEST_DATABASE_URL")
        if base:
            schema = f"nn_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(base, poolclass=NullPool)
            with admin.begin() as c:
                c.exec_driver_sql(f"CREATE SCHEMA {schema}")
            sep = "&" if "?" in base else "?"
            targets.append(("PostgreSQL", f"{base}{sep}options=-csearch_path%3D{schema}"))
            cleanup.append((admin, schema))
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, median of {args.repeat}")
    try:
        for label, url in targets:
            print(f"\n{label}: {url}")
            print(f"{'measure':<62}{'seconds':>10}{'target':>9}  ok")
            for name, seconds, target in bench(url, args.repeat):
                ok = "" if target is None else ("yes" if seconds <= target else "NO")
                shown = "" if target is None else f"{target:.2f}"
                print(f"{name:<62}{seconds:>10.4f}{shown:>9}  {ok}")
            db.dispose(url)
    finally:
        for admin, schema in cleanup:
            with admin.begin() as c:
                c.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            admin.dispose()
        for directory in cleanup_dirs:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
