"""Runs for the dashboard tests: a directory of small SQLite run files, and a child process
that trains slowly into one (for the live page)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from neural_net.architecture import Sequential
from neural_net.layers import Dense

#: (name, optimizer, seed, epochs) of the runs of :func:`make_runs`.
RUNS = [("adam-s0", "adam", 0, 12), ("adam-s1", "adam", 1, 12), ("sgd-s0", "sgd", 0, 9)]


def data(n: int = 48) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    return X, (X[:, :1] * X[:, 1:] > 0).astype(float)


def make_runs(directory: Path) -> dict[str, int]:
    """Three finished runs, one file each (with validation, accuracy and 4-epoch snapshots);
    returns name → run id."""
    X, y = data()
    ids = {}
    for name, opt, seed, epochs in RUNS:
        net = Sequential([Dense(6, activation="relu", input_dim=2), Dense(1, activation="sigmoid")], "bce",
                         store=str(directory / f"{name}.db"), seed=seed, name=name)
        net.compile(opt, metrics=["accuracy"])
        net.store.checkpoint_every(4)
        net.fit(X, y, epochs=epochs, batch_size=16, verbose=0, validation_split=0.25)
        ids[name] = net["id"]
    return ids


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """(directory, name → run id) of the runs of :func:`make_runs`, made once per module."""
    d = tmp_path_factory.mktemp("runs")
    return d, make_runs(d)


CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    from neural_net.architecture import Sequential
    from neural_net.callbacks import Callback
    from neural_net.layers import Dense

    class Slow(Callback):
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(float(sys.argv[3]))

    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 2)); y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    net = Sequential([Dense(6, activation="relu", input_dim=2), Dense(1, activation="sigmoid")], "bce",
                     store=sys.argv[1], seed=0, name="live")
    net.compile("adam", metrics=["accuracy"])
    print(net["id"], flush=True)
    net.fit(X, y, epochs=int(sys.argv[2]), batch_size=16, verbose=0, callbacks=[Slow()])
""")


def start_training(path: Path, epochs: int, pause: float) -> tuple[subprocess.Popen, int]:
    """A child process training ``epochs`` epochs into the file ``path``, pausing ``pause``
    seconds after each; returns the process and its run id (printed before training)."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(epochs), str(pause)],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.strip():
        proc.wait(30)
        raise RuntimeError(f"the training child exited with {proc.returncode} before printing its run id")
    return proc, int(line)


def hold_whole_table(monkeypatch, wait: float = 10.0):
    """Hold back the dashboard's read of the whole runs table (``Source.runs`` waits, up to
    ``wait`` seconds, for the returned event) and make the runs page send its head at once:
    what a request sees while a cold table is being read. ``event.set()`` lets the read go."""
    import threading

    from neural_net.ui import runs_page
    from neural_net.ui.data import Source

    release = threading.Event()
    read = Source.runs

    def slow(self):
        release.wait(wait)
        return read(self)

    monkeypatch.setattr(Source, "runs", slow)
    monkeypatch.setattr(runs_page, "FIRST_BYTE_WAIT", 0.01)
    return release
