"""The recorder: what a training run writes, when, and with which status."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import event, text

from neural_net.architecture import Sequential
from neural_net.callbacks import Callback
from neural_net.db import history, list_runs, run_info, snapshots
from neural_net.layers import Dense


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, :1] + X[:, 1:2] > 0).astype(float)
    return X, y


def model(store, seed=0, **kw):
    net = Sequential([Dense(8, activation="relu", input_dim=3), Dense(1, activation="sigmoid")], "bce",
                     store=store, seed=seed, **kw)
    return net.compile("adam", metrics=["accuracy"])


def scalar(url, sql):
    from neural_net.db.engine import get_engine

    with get_engine(url).connect() as c:
        return c.execute(text(sql)).scalar()


def test_creation_writes_run_layers_neurons_cost_and_initial_snapshot(db_url):
    net = model(db_url, name="first")
    info = run_info(db_url, net["id"])
    assert info["status"] == "created" and info["run_name"] == "first" and info["epochs"] == 0
    assert info["pid"] == os.getpid() and info["hostname"]
    assert info["library_version"] and info["numpy_version"] == np.__version__
    assert info["config"] == net.get_config()
    assert info["seed"] == 0
    assert scalar(db_url, f"SELECT count(*) FROM Layer WHERE Architecture_id = {net['id']}") == 4
    assert scalar(db_url, f"SELECT count(*) FROM Neurons WHERE Architecture_id = {net['id']}") == 4
    assert scalar(db_url, f"SELECT count(*) FROM Cost WHERE Architecture_id = {net['id']} AND value IS NULL") == 1
    snaps = snapshots(db_url, net["id"])
    assert snaps[["seq", "epoch", "tag", "n_params"]].values.tolist() == [[0, 0, "initial", 4 * 8 + 9]]


def test_fit_records_each_epoch_and_hyperparameters(db_url):
    X, y = data()
    net = model(db_url)
    net.fit(X[:48], y[:48], epochs=4, batch_size=16, validation_data=(X[48:], y[48:]), verbose=0)
    info = run_info(db_url, net["id"])
    assert info["status"] == "finished" and info["epochs"] == 4 and info["finished_at"] is not None
    hp = info["hyperparams"]
    assert hp["optimizer"]["name"] == "adam" and hp["optimizer"]["config"]["lr"] == 0.001
    assert (hp["batch_size"], hp["epochs"], hp["samples"], hp["seed"]) == (16, 4, 48, 0)
    assert hp["metrics"] == ["accuracy"]
    h = history(db_url, net["id"])
    assert list(h.columns) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert h.index.tolist() == [1, 2, 3, 4]
    for key in h.columns:
        assert h[key].tolist() == net.history.history[key]
    with net.engines[net.db_path].connect() as c:
        costs = pd.read_sql(text(f"SELECT epoch, split, value FROM Cost WHERE Architecture_id = {net['id']} "
                                 "AND epoch IS NOT NULL ORDER BY epoch, split"), c)
        hist_view = pd.read_sql(text(f"SELECT * FROM history WHERE Architecture_id = {net['id']}"), c)
    assert costs.split.tolist() == ["train", "val"] * 4
    assert len(hist_view) == 4 * 5
    snaps = snapshots(db_url, net["id"])
    assert snaps[["epoch", "tag"]].values.tolist() == [[0, "initial"], [4, "final"]]


def test_one_transaction_per_epoch_and_nothing_inside_the_batch_loop(db_url):
    X, y = data(256)
    net = model(db_url)
    engine = net.engines[net.db_path]
    commits, statements = [], []

    def on_commit(conn):
        commits.append(1)

    def on_execute(conn, cursor, statement, *rest):
        statements.append(statement)

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        net.fit(X, y, epochs=3, batch_size=8, verbose=0)  # 32 batches per epoch
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "before_cursor_execute", on_execute)
    # train begin + 3 epochs + train end
    assert len(commits) == 5
    assert len(statements) < 40, statements


def test_checkpoints_every_k_epochs_and_on_best(db_url):
    X, y = data()
    net = model({"url": db_url, "checkpoint_every": 2})
    net.fit(X, y, epochs=5, batch_size=32, verbose=0)
    assert snapshots(db_url, net["id"])[["epoch", "tag"]].values.tolist() == [
        [0, "initial"], [2, "checkpoint"], [4, "checkpoint"], [5, "final"]]

    net2 = model(db_url)
    net2.store.checkpoint_every(None, best_monitor="loss")
    net2.fit(X, y, epochs=4, batch_size=64, verbose=0)
    snaps = snapshots(db_url, net2["id"])
    assert snaps.tag.tolist()[0] == "initial" and "best" in snaps.tag.tolist()
    losses = net2.history.history["loss"]
    best_epochs = snaps.loc[snaps.tag == "best", "epoch"].tolist()
    assert best_epochs == [e for e in range(1, 5) if losses[e - 1] == min(losses[:e])]
    # the final snapshot is not duplicated when the last epoch was just checkpointed
    assert snaps.epoch.tolist().count(4) == 1
    with pytest.raises(ValueError, match="positive int"):
        net2.store.checkpoint_every(0)
    with pytest.raises(ValueError, match="unknown keys"):
        model({"url": db_url, "every": 2})


class Boom(Callback):
    def __init__(self, error, at=2):
        self.error, self.at = error, at

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at:
            raise self.error


def test_failed_and_interrupted_status(db_url):
    X, y = data()
    net = model(db_url)
    with pytest.raises(RuntimeError, match="kaput"):
        net.fit(X, y, epochs=5, verbose=0, callbacks=[Boom(RuntimeError("kaput"))])
    info = run_info(db_url, net["id"])
    assert info["status"] == "failed" and "RuntimeError: kaput" in info["error"] and info["epochs"] == 2

    net2 = model(db_url)
    with pytest.raises(KeyboardInterrupt):
        net2.fit(X, y, epochs=5, verbose=0, callbacks=[Boom(KeyboardInterrupt(), at=3)])
    info2 = run_info(db_url, net2["id"])
    assert info2["status"] == "interrupted" and info2["epochs"] == 3
    # training again after a failure: running then finished, error cleared
    net.fit(X, y, epochs=1, verbose=0)
    info = run_info(db_url, net["id"])
    assert info["status"] == "finished" and info["error"] is None and info["epochs"] == 3


def test_heartbeat_is_updated_each_epoch(db_url):
    X, y = data()
    seen = []

    class Spy(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(run_info(db_url, net["id"])["updated_at"])
            time.sleep(0.01)

    net = model(db_url)
    # the spy runs before the recorder in the same epoch: it sees the previous heartbeat
    net.fit(X, y, epochs=3, verbose=0, callbacks=[Spy()])
    final = run_info(db_url, net["id"])["updated_at"]
    assert seen == sorted(seen) and final > seen[-1] and len(set(seen)) == 3


def test_seed_style_train_with_batch_records_too(db_url):
    from neural_net.pipeline import Batch

    X, y = data()
    net = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(1, activation="sigmoid")], "bce",
                     store=db_url, seed=3)
    net.train(batch=Batch(16, len(X), lambda: X, lambda: y), epochs=3, α=0.1, metrics="accuracy", verbose=False)
    h = history(db_url, net["id"])
    assert list(h.columns) == ["loss", "accuracy", "lr"] and h["loss"].tolist() == net.history.history["loss"]


def test_two_models_share_one_file_without_clobbering(db_url):
    X, y = data()
    a, b = model(db_url, seed=1), model(db_url, seed=2)
    a.fit(X, y, epochs=2, verbose=0)
    b.fit(X, y, epochs=3, verbose=0)
    runs = list_runs(db_url)
    assert runs.set_index("run_id").loc[[a["id"], b["id"]], "epochs"].tolist() == [2, 3]


KILLED = """
import os, sys, time, numpy as np
import neural_net
from neural_net.architecture import Sequential
from neural_net.layers import Dense
from neural_net.callbacks import Callback

class Slow(Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 2:
            print(self.model['id'], flush=True)
        time.sleep(0.05)

net = Sequential([Dense(4, input_dim=2)], 'mse', store=sys.argv[1], seed=0)
X = np.ones((8, 2)); y = np.zeros((8, 4))
net.fit(X, y, epochs=100000, verbose=0, callbacks=[Slow()])
"""


def test_sigkilled_run_is_reported_interrupted(db_url, tmp_path):
    script = tmp_path / "killed.py"
    script.write_text(textwrap.dedent(KILLED))
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    proc = subprocess.Popen([sys.executable, str(script), db_url], stdout=subprocess.PIPE, env=env, text=True)
    try:
        run_id = int(proc.stdout.readline())
        time.sleep(0.2)
        runs = list_runs(db_url).set_index("run_id")
        assert runs.loc[run_id, "status"] == "running"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    runs = list_runs(db_url).set_index("run_id")
    assert runs.loc[run_id, "stored_status"] == "running"
    assert runs.loc[run_id, "status"] == "interrupted"
    assert runs.loc[run_id, "epochs"] >= 2
    assert run_info(db_url, run_id)["status"] == "interrupted"


def test_writes_wait_and_retry_while_another_process_holds_the_lock(tmp_path, monkeypatch):
    """A writer holding SQLite's write lock delays the recorder; it never loses a row."""
    import sqlite3
    import threading

    from neural_net.db import connections as engine_module

    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT", 0.02)  # make "database is locked" surface at once
    path = tmp_path / "busy.db"
    net = model(str(path))
    other = sqlite3.connect(path, timeout=5, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # hold the write lock, as a second process would
    timer = threading.Timer(0.4, other.commit)
    timer.start()
    try:
        X, y = data()
        t = time.perf_counter()
        net.fit(X, y, epochs=2, verbose=0)
        assert time.perf_counter() - t >= 0.3  # it had to wait for the lock
    finally:
        timer.join()
        other.close()
    assert history(str(path), net["id"]).index.tolist() == [1, 2]
    assert run_info(str(path), net["id"])["status"] == "finished"
