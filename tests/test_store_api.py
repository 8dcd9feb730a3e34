"""The store's two halves (issue 11, "Store structure"): one read entry, ``open_run`` →
``StoredRun``, and a catalogue ``runs`` with parameters and final/best metrics as columns; the
write path's pieces (row builders, one writer) shared by the Store and the Recorder; no
cycles or private imports in the store, the CLI or the export."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.layers import Dense

from conftest import trained

ROOT = Path(__file__).resolve().parent.parent


def sweep_like(store, optimizers=("sgd", "adam"), units=(2, 4)):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 2))
    y = (X[:, :1] > 0).astype(float)
    nets = []
    for opt in optimizers:
        for u in units:
            net = Sequential([Dense(u, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")], "bce",
                             store=store, seed=u, name=f"{opt}-{u}")
            net.compile(opt, metrics=["accuracy"])
            net.store.record_params({"units": u, "net": {"depth": 2}})
            net.fit(X, y, epochs=4, batch_size=16, validation_split=0.25, verbose=0)
            nets.append(net)
    return nets


def test_open_run_gives_one_object_for_everything_stored(db_url):
    net = trained(db_url, epochs=3, name="first")
    run = db.open_run(db_url, net["id"])
    assert isinstance(run, db.StoredRun) and run.run_id == net["id"]
    assert run.info["status"] == "finished" and run.info == db.run_info(db_url, net["id"])
    assert run.params["optimizer"] == "sgd" and run.params["batch_size"] == 10
    assert run.params["optimizer.lr"] == net.optimizer.get_config()["lr"]
    pd.testing.assert_frame_equal(run.history(), db.history(db_url, net["id"]))
    pd.testing.assert_frame_equal(run.layers(), db.layers(db_url, net["id"]))
    pd.testing.assert_frame_equal(run.snapshots(), db.snapshots(db_url, net["id"]))
    assert run.history()["loss"].tolist() == net.history.history["loss"]
    assert [w.shape for w in run.weight_matrices(0)] == [w.shape for w in net.get_weights()]
    pd.testing.assert_frame_equal(run.weights(), db.weights(db_url, net["id"]))
    twin = run.load_model()
    assert all(np.array_equal(a, b) for a, b in zip(twin.get_weights(), net.get_weights()))
    text = repr(run)
    assert text.startswith(f"StoredRun({net['id']}, 'first', finished, 3 epochs, in ") and "Traceback" not in text
    run.delete()
    with pytest.raises(db.RunNotFound):
        db.open_run(db_url, net["id"])


def test_runs_has_parameters_and_metrics_as_columns(db_url):
    nets = sweep_like(db_url)
    frame = db.runs(db_url)
    mine = frame[frame.run_id.isin([n["id"] for n in nets])]
    assert len(mine) == 4
    for column in ("optimizer", "optimizer.lr", "units", "net.depth", "params.epochs", "loss", "val_loss",
                   "accuracy", "val_accuracy", "best_val_accuracy", "best_loss", "lr"):
        assert column in frame.columns, column
    for net in nets:
        row = mine[mine.run_id == net["id"]].iloc[0]
        h = net.history.history
        assert row["val_accuracy"] == pytest.approx(h["val_accuracy"][-1])
        assert row["best_val_accuracy"] == pytest.approx(max(h["val_accuracy"]))
        assert row["loss"] == pytest.approx(h["loss"][-1]) and row["units"] == net.steps[0].n_out
    assert str(frame["best_epoch"].dtype) == "Int64"
    adam = db.runs(db_url, where="optimizer=adam", order_by="-val_accuracy")
    adam = adam[adam.run_id.isin([n["id"] for n in nets])]
    assert set(adam.optimizer) == {"adam"} and len(adam) == 2
    assert adam.val_accuracy.tolist() == sorted(adam.val_accuracy, reverse=True)
    assert len(db.runs(db_url, where={"units": 4, "optimizer": "sgd"}).query("name == 'sgd-4'")) == 1
    assert set(db.runs(db_url, where="units>=3").units) == {4}
    with pytest.raises(ValueError, match="no column 'nope'"):
        db.runs(db_url, where="nope=1")
    with pytest.raises(ValueError, match="order_by"):
        db.runs(db_url, order_by="-nope")


def test_store_and_recorder_share_one_writer(tmp_path):
    net = Sequential([Dense(1, input_dim=2)], "mse", store=str(tmp_path / "w.db"))
    writer = net.store.writer
    assert isinstance(writer, db.writer.RunWriter) and net.store.recorder.store.writer is writer
    net.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0)
    assert db.open_run(str(tmp_path / "w.db"), net["id"]).count_rows()["snapshot"] == 2


def test_no_cycles_or_private_imports_in_the_store_cli_and_export():
    hook = Path("/work/shared/hooks/layering.py")
    if not hook.exists():
        pytest.skip("the layering hook is not on this machine")
    out = subprocess.run([sys.executable, str(hook)], cwd=ROOT, capture_output=True, text=True).stdout
    mine = ("neural_net.db", "neural_net.cli", "neural_net.sweep", "neural_net <->")
    bad = [line for line in out.splitlines() if line.startswith(("cycle:", "private:"))
           and any(m in line for m in mine)]
    assert bad == [], bad
