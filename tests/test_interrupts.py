"""Interrupted runs keep their weights (issue 10 §5, the engine's part).

SIGTERM and KeyboardInterrupt write a final snapshot before the run is marked
``'interrupted'``; ``load_model`` warns when the latest weights are older than the history;
the initial snapshot of a model trained in float32 is stored in float32.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from neural_net.architecture import Sequential
from neural_net.callbacks import LambdaCallback
from neural_net.layers import Dense


def data(dtype=np.float64):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3)).astype(dtype)
    return X, (X[:, :1] > 0).astype(dtype)


def net(store):
    return Sequential([Dense(4, "tanh", input_dim=3), Dense(1, "sigmoid")], "bce", store=store, seed=0).compile("adam")


def raise_at(epoch, error):
    def hook(e, logs):
        if e == epoch:
            raise error
    return LambdaCallback(on_epoch_end=hook)


def test_keyboard_interrupt_writes_a_final_snapshot(db_url):
    from neural_net.db import load_model, run_info, snapshots

    model = net(db_url)
    X, y = data()
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y, epochs=50, batch_size=10, verbose=0, callbacks=[raise_at(4, KeyboardInterrupt())])
    assert run_info(db_url, model["id"])["status"] == "interrupted"
    snaps = snapshots(db_url, model["id"])
    assert snaps["epoch"].tolist() == [0, 4] and snaps["tag"].iloc[-1] == "final"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the weights are as recent as the history: no warning
        again = load_model(db_url, model["id"])
    assert again.epoch == 4
    assert all(np.array_equal(a, b) for a, b in zip(again.get_weights(), model.get_weights()))


SIGTERM_SCRIPT = """
import os, signal, sys
import numpy as np
import neural_net
from neural_net.architecture import Sequential
from neural_net.callbacks import LambdaCallback
from neural_net.layers import Dense
rng = np.random.default_rng(0)
X = rng.normal(size=(30, 3)); y = (X[:, :1] > 0).astype(float)
model = Sequential([Dense(4, "tanh", input_dim=3), Dense(1, "sigmoid")], "bce", store=sys.argv[1], seed=0)
model.compile("adam")
print(model["id"], flush=True)
def hook(epoch, logs):
    if epoch == 6:
        os.kill(os.getpid(), signal.SIGTERM)
model.fit(X, y, epochs=1000, batch_size=10, verbose=0, callbacks=[LambdaCallback(on_epoch_end=hook)])
print("not reached", flush=True)
"""


def test_sigterm_writes_a_final_snapshot_before_the_run_is_interrupted(tmp_path):
    from neural_net.db import load_model, run_info, snapshots

    target = str(tmp_path / "term.db")
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(SIGTERM_SCRIPT), target], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert "not reached" not in done.stdout
    run_id = int(done.stdout.split()[0])
    info = run_info(target, run_id)
    assert info["status"] == "interrupted" and info["epochs"] == 6
    assert snapshots(target, run_id)["epoch"].tolist()[-1] == 6
    assert load_model(target, run_id).epoch == 6


def test_sigterm_handler_is_only_installed_while_training():
    X, y = data()
    seen = []
    model = net(False)
    model.fit(X, y, epochs=1, verbose=0,
              callbacks=[LambdaCallback(on_epoch_end=lambda e, l: seen.append(signal.getsignal(signal.SIGTERM)))])
    assert seen[0] not in (signal.SIG_DFL, None) and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    mine = lambda signum, frame: None  # noqa: E731
    previous = signal.signal(signal.SIGTERM, mine)
    try:
        model.fit(X, y, epochs=1, verbose=0,
                  callbacks=[LambdaCallback(on_epoch_end=lambda e, l: seen.append(signal.getsignal(signal.SIGTERM)))])
        assert seen[1] is mine and signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_load_model_warns_when_the_weights_are_older_than_the_history(db_url):
    from neural_net.db import load_model, run_info

    model = net(db_url)
    X, y = data()
    with pytest.raises(RuntimeError):
        model.fit(X, y, epochs=50, batch_size=10, verbose=0, callbacks=[raise_at(3, RuntimeError("boom"))])
    assert run_info(db_url, model["id"])["status"] == "failed"
    with pytest.warns(RuntimeWarning, match=r"its history has 3 epochs but the latest stored weights are those of "
                                            r"epoch 0; the model is rebuilt at epoch 0"):
        again = load_model(db_url, model["id"])
    assert again.epoch == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(db_url, model["id"], epoch=0)  # asked for explicitly: no warning


def test_initial_snapshot_of_a_float32_model_is_float32(db_url):
    from neural_net.db import load_model, weight_matrices

    model = net(db_url)
    X, y = data(np.float32)
    model.fit(X, y, epochs=2, batch_size=10, verbose=0)
    assert [W.dtype for W in weight_matrices(db_url, model["id"], epoch=0)] == [np.float32, np.float32]
    assert [W.dtype for W in weight_matrices(db_url, model["id"], epoch=2)] == [np.float32, np.float32]
    start = load_model(db_url, model["id"], epoch=0)
    twin = net(False)  # the same seed: the float64 weights it was built with, cast
    assert all(np.array_equal(a, b.astype(np.float32)) for a, b in zip(start.get_weights(), twin.get_weights()))
