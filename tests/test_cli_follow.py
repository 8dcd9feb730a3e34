"""``neural-net history RUN --follow`` (issue 11): each epoch is printed as another process
commits it; following stops when the run is no longer running; Ctrl-C exits 0."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import textwrap

import pytest

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.cli import main
from neural_net.layers import Dense

EPOCHS = 8
CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    from neural_net.architecture import Sequential
    from neural_net.callbacks import LambdaCallback
    from neural_net.layers import Dense
    url = sys.argv[1]
    net = Sequential([Dense(3, activation="tanh", input_dim=2), Dense(1)], "mse", store=url, seed=0, name="child")
    print(net["id"], flush=True)
    sys.stdin.readline()  # the parent follows before the first epoch
    X = np.random.default_rng(0).normal(size=(32, 2)); y = X[:, :1] * 2
    slow = LambdaCallback(on_epoch_end=lambda epoch, logs: time.sleep(0.25))
    net.compile("sgd").fit(X, y, epochs=%d, batch_size=8, verbose=0, callbacks=[slow])
""" % EPOCHS)


def test_follow_prints_each_epoch_committed_by_a_training_child(db_url, tmp_path, capsys):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    child = subprocess.Popen([sys.executable, str(script), db_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        run_id = int(child.stdout.readline())
        assert db.open_run(db_url, run_id).row["epochs"] == 0  # nothing trained yet when following starts
        child.stdin.write("go\n")
        child.stdin.flush()
        code = main(["history", str(run_id), "--from", db_url, "--follow", "--interval", "0.05", "--format", "csv"])
        out, err = capsys.readouterr()
        assert child.wait(timeout=60) == 0, child.stderr.read()
    finally:
        if child.poll() is None:
            child.kill()
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    stored = db.history(db_url, run_id)
    assert [int(r["epoch"]) for r in rows] == list(range(1, EPOCHS + 1))  # each once, in order
    assert [float(r["loss"]) for r in rows] == stored["loss"].tolist()
    assert f"run {run_id} is finished after {EPOCHS} epochs" in err


def test_follow_of_a_finished_run_prints_it_and_stops(db_url, capsys):
    import numpy as np

    net = Sequential([Dense(1, input_dim=2)], "mse", store=db_url, seed=0)
    net.compile("sgd").fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0)
    code = main(["history", str(net["id"]), "--from", db_url, "--follow"])
    out, err = capsys.readouterr()
    assert code == 0 and [ln.split()[0] for ln in out.splitlines()] == ["epoch", "1", "2", "3"]
    assert "finished after 3 epochs" in err


def test_follow_ctrl_c_exits_0_and_json_is_refused(db_url, capsys, monkeypatch):
    net = Sequential([Dense(1, input_dim=2)], "mse", store=db_url, seed=0)  # created, never trained: waits

    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", interrupt)
    code = main(["history", str(net["id"]), "--from", db_url, "--follow"])
    _, err = capsys.readouterr()
    assert code == 0 and f"stopped following run {net['id']}" in err
    code = main(["history", str(net["id"]), "--from", db_url, "--follow", "--format", "json"])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "csv" in err
