"""An ensemble's epochs committed by a process of their own (db/commit_process.py and
db/commit_child.py) on a SQLite file: the same stored runs as the thread committer, the blocks in
order, a failing block raised by a later one with the blocks after it dropped, a killed committer
reported, and a training process killed mid-fit leaving every epoch it handed over committed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.db import columnar, commit_child, commit_process
from neural_net.db.commit_process import CommitterDied, ProcessCommitter
from neural_net.db.commit_thread import background_commits, uses_process
from neural_net.db.engine import open_database
from neural_net.db.rows import column_key, epoch_columns, run_columns
from neural_net.db.schema import utcnow
from neural_net.db.writer import COMMITTERS, deferred_writes, write_epochs
from neural_net.ensemble import Ensemble
from neural_net.layers import Dense
from neural_net.optimizers import Adam

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the committer process is used on POSIX")


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.eye(3)[rng.integers(0, 3, n)]


def _members(path, K=6):
    out = []
    for k in range(K):
        m = Sequential([Dense(5, 'relu', input_dim=3), Dense(3, 'softmax')], 'categorical_crossentropy', seed=k)
        m.compile(Adam(lr=0.01 * (k + 1)), metrics=['accuracy'])
        m.run_name = f"member[{k}]"
        m.open_store(str(path))
        out.append(m)
    return out


def _stored(path, nets):
    out = []
    for m in nets:
        info = db.run_info(str(path), m['id'])
        hist = db.history(str(path), m['id'])
        snaps = db.snapshots(str(path), m['id'])
        out.append(((info["status"], info["epochs"], info["name"]), hist.reset_index(drop=True),
                    list(zip(snaps["tag"], snaps["epoch"]))))
    return out


def _cost_epochs(path):
    import sqlite3
    con = sqlite3.connect(str(path))
    try:
        return [r[0] for r in con.execute("SELECT DISTINCT epoch FROM cost WHERE epoch IS NOT NULL ORDER BY epoch")]
    finally:
        con.close()


def test_a_sqlite_file_is_committed_by_a_process_unless_told_otherwise(tmp_path, monkeypatch):
    engine = open_database("sqlite:///" + str(tmp_path / "a.db"))
    assert uses_process(engine)
    assert not uses_process(open_database("sqlite://"))  # in memory: one connection for all
    monkeypatch.setenv("NEURAL_NET_COMMITTER", "thread")
    assert not uses_process(engine)
    monkeypatch.delenv("NEURAL_NET_COMMITTER")
    listener = lambda conn: None  # noqa: E731 - a commit listener must see every commit: the thread
    event.listen(engine, "commit", listener)
    assert not uses_process(engine)
    event.remove(engine, "commit", listener)
    assert uses_process(engine)


@pytest.mark.parametrize("limit", [None, 8])
def test_the_process_stores_the_same_runs_as_the_thread(tmp_path, monkeypatch, limit):
    if limit is not None:  # each epoch's curves and heartbeat in statements of a few rows
        monkeypatch.setattr(columnar, "_limit", lambda conn: limit)
    X, y = _data()
    kw = dict(epochs=12, batch_size=8, validation_data=_data(12, 1))
    spawned = []
    real = subprocess.Popen

    def popen(*a, **k):
        spawned.append(a[0])
        return real(*a, **k)

    monkeypatch.setattr(commit_process.subprocess, "Popen", popen)
    a = _members(tmp_path / "p.db")
    for m in a:
        m.store.checkpoint_every(5)
    Ensemble(a).fit(X, y, **kw)
    assert len(spawned) == 1 and spawned[0][2] == commit_child.__file__  # one committer process for the fit
    monkeypatch.setenv("NEURAL_NET_COMMITTER", "thread")
    b = _members(tmp_path / "t.db")
    for m in b:
        m.store.checkpoint_every(5)
    Ensemble(b).fit(X, y, **kw)
    assert len(spawned) == 1
    for (ia, ha, sa), (ib, hb, sb) in zip(_stored(tmp_path / "p.db", a), _stored(tmp_path / "t.db", b)):
        assert ia == ib and ia[:2] == ("finished", 12)
        assert sa == sb and ("checkpoint", 5) in sa
        pd.testing.assert_frame_equal(ha.drop(columns=["run_id"], errors="ignore"),
                                      hb.drop(columns=["run_id"], errors="ignore"))
        assert len(ha) == 12 and ha["loss"].notna().all()


def test_a_failing_block_is_raised_by_a_later_one_and_drops_those_after_it(tmp_path):
    path = tmp_path / "f.db"
    nets = _members(path, K=3)
    with nets[0].store.engine.begin() as c:  # epoch 4's rows cannot be written (in any process)
        c.execute(text("CREATE TRIGGER no_fourth BEFORE INSERT ON cost WHEN NEW.epoch = 4 "
                       "BEGIN SELECT RAISE(ABORT, 'disk gone'); END"))
    X, y = _data()
    with pytest.warns(RuntimeWarning, match="could not record"), pytest.raises(IntegrityError, match="disk gone"):
        Ensemble(nets).fit(X, y, epochs=20, batch_size=8)
    assert _cost_epochs(path) == [1, 2, 3]  # none after the failing one, and no hole
    for m in nets:  # the failure handlers' own write holds epoch 4 too: it fails (warned) and leaves epoch 3
        assert db.run_info(str(path), m['id'])["epochs"] == 3


def test_a_failing_start_of_fit_fails_the_fit_and_nothing_after_it_is_stored(tmp_path):
    path = tmp_path / "s.db"
    nets = _members(path, K=3)
    with nets[0].store.engine.begin() as c:  # the start's hyper-parameter rows cannot be written
        c.execute(text("CREATE TRIGGER no_params BEFORE INSERT ON param "
                       "BEGIN SELECT RAISE(ABORT, 'no params'); END"))
    X, y = _data()
    with pytest.raises(IntegrityError, match="no params"):
        Ensemble(nets).fit(X, y, epochs=5, batch_size=8)
    assert _cost_epochs(path) == []  # the epochs handed over after it are dropped
    for m in nets:  # the failure handlers' own write stores the error
        info = db.run_info(str(path), m['id'])
        assert (info["status"], info["epochs"]) == ("failed", 0) and "no params" in info["error"]


def _child_reply(tmp_path, data):
    """Write ``data`` to a committer process with a 10-minute window on a table ``t (x)``: its
    first reply (within a minute) and ``sum(x)`` then."""
    import select
    import sqlite3

    path = str(tmp_path / "w.db")
    sqlite3.connect(path).execute("CREATE TABLE t (x REAL)").connection.commit()
    child = subprocess.Popen([sys.executable, "-I", commit_child.__file__, path, "1000", "600"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        child.stdin.write(data)
        child.stdin.flush()
        assert select.select([child.stdout], [], [], 60)[0], "the blocks held were not committed on FLUSH"
        return child.stdout.readline(), sqlite3.connect(path).execute("SELECT sum(x) FROM t").fetchone()[0]
    finally:
        child.stdin.close()
        child.wait(60)
        child.stdout.close()


def _frame(payload):
    import marshal
    import struct

    data = marshal.dumps(payload)
    return struct.pack("<I", len(data)) + data


FLUSH = b"\0\0\0\0"  # a frame of length 0


def test_the_process_commits_what_it_holds_when_the_training_waits(tmp_path):
    block = _frame((1, ((0, "INSERT INTO t VALUES (?1)"),), ((0, [(0.5,), (1.5,)], None),)))  # an executemany
    assert _child_reply(tmp_path, block + FLUSH) == (b"ok 1\n", 2.0)


def test_a_flush_commits_the_blocks_already_sent_with_those_held(tmp_path):
    first = _frame((1, ((0, "INSERT INTO t VALUES (?1)"),), ((0, (0.5,), None),)))
    second = _frame((2, (), ((0, (1.5,), None),)))
    # both, in one transaction, without waiting out the window
    assert _child_reply(tmp_path, first + FLUSH + second) == (b"ok 2\n", 2.0)


def _block(nets, epoch):
    """Epoch ``epoch`` of the runs of ``nets`` as the recorders hand it to the writer."""
    return epoch_columns(run_columns([column_key(m, m['id']) for m in nets]), epoch,
                         [{"loss": 0.5 / epoch, "lr": 0.1}] * len(nets), utcnow())[0][1]


def test_a_committer_killed_with_blocks_in_flight_is_reported_and_the_next_fit_starts_another(tmp_path):
    path = tmp_path / "k.db"
    nets = _members(path, K=2)
    engine = nets[0].store.engine
    with pytest.raises(CommitterDied, match="ended"):
        with background_commits(engine):
            committer = COMMITTERS[engine, threading.get_ident()]
            assert isinstance(committer, ProcessCommitter)
            os.kill(committer.child.pid, signal.SIGSTOP)  # epoch 1 waits in the pipe
            with deferred_writes(engine):
                write_epochs(engine, _block(nets, 1), dict(epochs=1))
            committer.child.kill()  # as the OOM killer would
            committer.child.wait()
            for e in (2, 3):
                with deferred_writes(engine):
                    write_epochs(engine, _block(nets, e), dict(epochs=e))
    assert _cost_epochs(path) == []
    with background_commits(engine):
        for e in (1, 2):
            with deferred_writes(engine):
                write_epochs(engine, _block(nets, e), dict(epochs=e))
    assert _cost_epochs(path) == [1, 2]
    assert db.run_info(str(path), nets[1]['id'])["epochs"] == 2


def _zombie(pid):
    """Whether process ``pid`` has exited and waits to be reaped (Linux's /proc; False elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _training_script(path, hook, fit):
    """A program that trains an ensemble of 8 stored members on ``path``: ``hook`` is the body
    of member 0's ``on_epoch_end(self, epoch, logs)`` callback, ``fit`` the line that trains
    (``Ensemble(nets).fit(..., callbacks=callbacks)``)."""
    head = textwrap.dedent(f"""
        import os, signal, sys
        import numpy as np
        from neural_net.architecture import Sequential
        from neural_net.callbacks import Callback
        from neural_net.ensemble import Ensemble
        from neural_net.layers import Dense
        from neural_net.optimizers import SGD

        rng = np.random.default_rng(0)
        X = rng.normal(size=(64, 3)); y = np.eye(3)[rng.integers(0, 3, 64)]
        nets = []
        for k in range(8):
            m = Sequential([Dense(5, 'relu', input_dim=3), Dense(3, 'softmax')], 'categorical_crossentropy', seed=k)
            m.compile(SGD(lr=0.01 * (k + 1))); m.open_store({str(path)!r}); nets.append(m)

        class Hook(Callback):
            def on_epoch_end(self, epoch, logs=None):
    """)
    body = textwrap.indent(textwrap.dedent(hook).strip(), " " * 8)
    tail = "callbacks = lambda k: [Hook()] if k == 0 else []\n" + textwrap.dedent(fit).strip() + "\n"
    return head + body + "\n\n" + tail


def test_a_training_process_killed_mid_fit_leaves_every_epoch_it_handed_over(tmp_path):
    path = tmp_path / "kill.db"
    script = _training_script(path, """
        if epoch == 30:
            from neural_net.db.writer import COMMITTERS
            print(next(iter(COMMITTERS.values())).child.pid, flush=True)  # the committer process
            os.kill(os.getpid(), signal.SIGKILL)
    """, "Ensemble(nets).fit(X, y, epochs=100, batch_size=8, callbacks=callbacks)")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    child = int(proc.stdout.split()[-1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # it commits what it was handed, then exits
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        if _zombie(child):  # exited, not yet reaped by whoever inherited it
            break
        time.sleep(0.02)
    else:
        pytest.fail(f"the committer process {child} did not end within 60 s of its parent's death")
    runs = db.list_runs(str(path))
    assert len(runs) == 8
    for rid in runs.run_id:
        hist = db.history(str(path), rid)
        # epochs 1-29 were handed over before the kill (the 30th ends after the callbacks): the
        # committer process commits them after its input ends
        assert list(hist.index) == list(range(1, 30)), hist
        assert db.run_info(str(path), rid)["epochs"] == 29


def test_without_an_interpreter_to_start_the_thread_commits(tmp_path, monkeypatch):
    monkeypatch.setattr(commit_process.sys, "executable", str(tmp_path / "no-python"))
    nets = _members(tmp_path / "n.db", K=2)
    X, y = _data()
    Ensemble(nets).fit(X, y, epochs=3, batch_size=8)
    for m in nets:
        assert db.run_info(str(tmp_path / "n.db"), m['id'])["epochs"] == 3
        assert len(db.history(str(tmp_path / "n.db"), m['id'])) == 3


def test_ctrl_c_on_the_process_group_leaves_interrupted_runs_with_every_epoch(tmp_path):
    # Ctrl-C reaches the terminal's process group: the committer, in a session of its own, commits
    # what it was handed; the training process records the members 'interrupted'
    path = tmp_path / "int.db"
    script = _training_script(path, """
        if epoch == 5:
            print("ready", flush=True)
    """, """
        try:
            Ensemble(nets).fit(X, y, epochs=100000, batch_size=8, callbacks=callbacks)
        except KeyboardInterrupt:
            sys.exit(3)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, err.decode()[-2000:]
    runs = db.list_runs(str(path))
    assert len(runs) == 8
    for rid in runs.run_id:
        info = db.run_info(str(path), rid)
        hist = db.history(str(path), rid)
        assert info["status"] == "interrupted"
        assert list(hist.index) == list(range(1, info["epochs"] + 1)) and info["epochs"] >= 4  # 5 was ending


def test_commit_soon_has_the_process_commit_its_blocks_without_the_training_waiting(tmp_path, monkeypatch):
    import select

    path = tmp_path / "soon.db"
    nets = _members(path, K=3)
    engine = nets[0].store.engine
    monkeypatch.setattr(ProcessCommitter, "window", 600.0)  # it would hold a block for 10 minutes
    with background_commits(engine):
        committer = COMMITTERS[engine, threading.get_ident()]
        assert isinstance(committer, ProcessCommitter)
        with deferred_writes(engine):
            write_epochs(engine, _block(nets, 1), dict(epochs=1))
        assert committer.inflight
        nets[0].store.commit_soon()  # does not wait
        assert select.select([committer.child.stdout], [], [], 60)[0], "commit_soon did not have the block committed"
        committer.report()
        assert not committer.inflight and _cost_epochs(path) == [1]


def test_the_last_moments_of_a_fit_are_committed_as_they_come(tmp_path, monkeypatch):
    from neural_net import ensemble
    from neural_net.db.store import Store

    calls = []
    real = Store.commit_soon
    monkeypatch.setattr(Store, "commit_soon", lambda self: (calls.append(self.model.epoch), real(self))[1])
    X, y = _data()
    for stretch, expected in ((0.0, [5]), (float("inf"), [1, 2, 3, 4, 5])):
        monkeypatch.setattr(ensemble, "FINAL_STRETCH", stretch)
        calls.clear()
        nets = _members(tmp_path / f"stretch{stretch}.db", K=3)
        Ensemble(nets).fit(X, y, epochs=5, batch_size=8)
        assert calls == expected  # once per database, after the epochs expected to end within the stretch
        assert _cost_epochs(tmp_path / f"stretch{stretch}.db") == [1, 2, 3, 4, 5]
