"""Reliability with real processes: a training killed with SIGKILL mid-epoch, four processes
training into one SQLite file, eight into one PostgreSQL database.

(``test_store_recorder.test_sigkilled_run_is_reported_interrupted`` already checks that a
killed run reads as ``'interrupted'``; the test here kills *inside* an epoch's batches and
checks the file itself and every finished epoch's rows.)
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.db.engine import dispose, sqlite_url
from neural_net.db.readers import count_rows
from neural_net.layers import Dense

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ENV.pop("NEURAL_NET_DATABASE_URL", None)

WORKER = """
import json, os, sys, time
import numpy as np
import neural_net
from neural_net.architecture import Sequential
from neural_net.layers import Dense

url, seed, epochs, ready, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rng = np.random.default_rng(seed)
X = rng.normal(size=(64, 4))
y = np.eye(3)[rng.integers(0, 3, 64)]
net = Sequential([Dense(8, activation="relu", input_dim=4), Dense(3, activation="softmax")], "cross_entropy",
                 store={"url": url, "checkpoint_every": 1}, seed=seed, name=f"worker-{seed}")
net.compile("adam", metrics=["accuracy"])
open(ready, "w").close()  # the run is created: its training starts with the others'
deadline = time.time() + 60
while not os.path.exists(go) and time.time() < deadline:  # start training together
    time.sleep(0.005)
net.fit(X, y, epochs=epochs, batch_size=16, validation_split=0.25, verbose=0)
print(json.dumps({"id": net["id"], "history": net.history.history,
                  "layers": [int(s["id"]) for s in net.steps], "neurons": [int(s.func["id"]) for s in net.steps],
                  "weights": [W.tolist() for W in net.get_weights()]}))
"""


def train_concurrently(url, n, epochs, tmp_path, timeout=120):
    """Start ``n`` worker processes, release them together, return their reports."""
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER))
    go = tmp_path / "go"
    procs, ready = [], []
    for seed in range(n):
        ready.append(tmp_path / f"ready-{seed}")
        procs.append(subprocess.Popen([sys.executable, str(script), url, str(seed), str(epochs), str(ready[-1]),
                                       str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, text=True))
    try:
        deadline = time.time() + timeout
        while not all(r.exists() for r in ready) and time.time() < deadline:
            if any(p.poll() is not None for p in procs):
                break
            time.sleep(0.01)
        go.touch()
        reports = []
        for p in procs:
            out, err = p.communicate(timeout=timeout)
            assert p.returncode == 0, err
            assert "locked" not in err.lower() and "Traceback" not in err, err
            reports.append(json.loads(out))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    return reports


def check_every_row(url, reports, epochs):
    """Every run, epoch, metric, snapshot and weight of every worker is stored, ids unique."""
    ids = [r["id"] for r in reports]
    runs = db.list_runs(url).set_index("run_id")
    assert sorted(runs.index) == sorted(ids)
    assert (runs.loc[ids, "status"] == "finished").all() and (runs.loc[ids, "epochs"] == epochs).all()
    for r in reports:
        rid = r["id"]
        h = db.history(url, rid)
        assert h.index.tolist() == list(range(1, epochs + 1))
        for key, values in r["history"].items():
            assert h[key].tolist() == values, (rid, key)  # exact values, no row lost or mixed up
        counts = count_rows(url, rid)
        assert counts == {"architecture": 1, "layer": 4, "neurons": 4, "cost": 1 + 2 * epochs,
                          "metric": 3 * epochs,  # accuracy, val_accuracy, lr
                          "snapshot": 1 + epochs, "weight_matrix": 2 * (1 + epochs),
                          "param": len(db.open_run(url, rid).params), "tag": 0}, (rid, counts)
        assert db.snapshots(url, rid)["epoch"].tolist() == list(range(epochs + 1))
        assert [W.tolist() for W in db.weight_matrices(url, rid)] == r["weights"]
    # the runs did train at the same time (the test would prove little otherwise)
    spans = sorted((str(a), str(b)) for a, b in runs.loc[ids, ["started_at", "finished_at"]].values)
    assert any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:])), spans
    layer_ids = [i for r in reports for i in r["layers"]]
    neuron_ids = [i for r in reports for i in r["neurons"]]
    assert len(set(ids)) == len(ids) and len(set(layer_ids)) == len(layer_ids)
    assert len(set(neuron_ids)) == len(neuron_ids)
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        for table in ("Architecture", "Layer", "Neurons", "Cost", "metric", "snapshot", "weight_matrix"):
            total, distinct = c.execute(text(f"SELECT count(*), count(DISTINCT id) FROM {table}")).one()
            assert total == distinct, table
        layer_rows = c.execute(text("SELECT Layer_id FROM Layer")).scalars().all()
        assert sorted(layer_rows) == sorted(layer_ids)
        n_weights = sum(len(W) * len(W[0]) for r in reports for W in r["weights"])
        assert c.execute(text("SELECT count(*) FROM Weight")).scalar() == n_weights  # the seed's view
        assert c.execute(text("SELECT count(*) FROM weight_history")).scalar() == n_weights * (1 + epochs)
    engine.dispose()


# ----- SQLite ----------------------------------------------------------------------------------
def test_four_processes_train_into_one_sqlite_file(tmp_path):
    url = sqlite_url(tmp_path / "shared.db")
    epochs = 6
    reports = train_concurrently(url, 4, epochs, tmp_path)
    check_every_row(url, reports, epochs)
    con = sqlite3.connect(tmp_path / "shared.db")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    dispose(url)


KILLED = """
import json, sys, time
import numpy as np
import neural_net
from neural_net.architecture import Sequential
from neural_net.callbacks import Callback
from neural_net.layers import Dense

class Report(Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch
    def on_epoch_end(self, epoch, logs=None):
        print(json.dumps({"epoch": epoch, "logs": logs}), flush=True)
    def on_batch_end(self, batch, logs=None):
        if self.current == int(sys.argv[2]) and batch == 3:
            print(json.dumps({"mid_epoch": self.current, "id": self.model["id"]}), flush=True)
            time.sleep(120)  # killed here, inside the epoch's batches

rng = np.random.default_rng(0)
X = rng.normal(size=(256, 4)); y = np.eye(3)[rng.integers(0, 3, 256)]
net = Sequential([Dense(8, activation="relu", input_dim=4), Dense(3, activation="softmax")], "cross_entropy",
                 store={"url": sys.argv[1], "checkpoint_every": 2}, seed=0)
net.compile("adam", metrics=["accuracy"])
net.fit(X, y, epochs=100, batch_size=16, validation_split=0.25, verbose=0, callbacks=[Report()])
"""


def test_sigkill_mid_epoch_leaves_a_file_with_every_finished_epoch(tmp_path):
    path = tmp_path / "killed.db"
    script = tmp_path / "killed.py"
    script.write_text(textwrap.dedent(KILLED))
    kill_in = 5
    proc = subprocess.Popen([sys.executable, str(script), sqlite_url(path), str(kill_in)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV, text=True)
    epochs = []
    try:
        for line in proc.stdout:
            msg = json.loads(line)
            if "mid_epoch" in msg:
                run_id = msg["id"]
                break
            epochs.append(msg)
        else:
            raise AssertionError(proc.stderr.read())
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert [e["epoch"] for e in epochs] == list(range(1, kill_in))
    # the file opens and is sound
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
    # every finished epoch's costs and metrics, exactly as the process logged them, nothing of the killed one
    h = db.history(path, run_id)
    assert h.index.tolist() == list(range(1, kill_in))
    for e in epochs:
        for key, value in e["logs"].items():
            assert h.loc[e["epoch"], key] == value, (e["epoch"], key)
    counts = count_rows(path, run_id)
    assert counts["cost"] == 1 + 2 * (kill_in - 1) and counts["metric"] == 3 * (kill_in - 1)
    assert db.snapshots(path, run_id)["epoch"].tolist() == [0, 2, 4]  # checkpoints every 2 epochs
    runs = db.list_runs(path).set_index("run_id")
    assert runs.loc[run_id, "status"] == "interrupted" and runs.loc[run_id, "stored_status"] == "running"
    assert runs.loc[run_id, "epochs"] == kill_in - 1
    # it resumes from its last checkpoint, and the file takes new runs
    twin = db.load_model(path, run_id)
    assert twin.epoch == 4
    Sequential([Dense(1, input_dim=2)], "mse", store=str(path))
    assert len(db.list_runs(path)) == 2


# ----- PostgreSQL ------------------------------------------------------------------------------
def test_eight_processes_train_into_one_postgresql_database(pg_url, tmp_path):
    epochs = 4
    reports = train_concurrently(pg_url, 8, epochs, tmp_path)
    check_every_row(pg_url, reports, epochs)
