"""The ensemble's epochs written as columns (db/columnar.py) and committed in a background thread
(commit_thread.background_commits): the same rows and summaries as the row-by-row path, the blocks in
order, a failing block reported and the blocks after it dropped."""
from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from sqlalchemy import event, insert, select, text

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.db import columnar, summary
from neural_net.db.engine import open_database
from neural_net.db.rows import EpochColumns, epoch_columns, run_columns
from neural_net.db.schema import Architecture, Cost, Metric, RunMetric, utcnow
from neural_net.db.commit_thread import background_commits
from neural_net.db.writer import RunWriter, deferred_writes, settle, write_epochs
from neural_net.ensemble import Ensemble
from neural_net.layers import Dense
from neural_net.optimizers import SGD

RUNS = (11, 12, 13)


def _engine(tmp_path, name="c.db"):
    engine = open_database("sqlite:///" + str(tmp_path / name))
    with engine.begin() as c:
        c.execute(insert(Architecture), [dict(id=r, Architecture_id=r, config="{}") for r in RUNS])
    return engine


def _epochs():
    """Three epochs of three runs: a train and val loss, a metric with a NaN, the lr."""
    out = []
    for e in (1, 2, 3):
        logs = [{"loss": 1.0 / (e + r), "accuracy": float("nan") if (e, r) == (2, 1) else 0.1 * e + r,
                 "val_loss": 2.0 - 0.1 * e * (r + 1), "lr": 0.01} for r in range(len(RUNS))]
        out.append((e, logs))
    return out


def _table(engine, T, cols):
    with engine.connect() as c:
        return sorted(tuple(r) for r in c.execute(select(*[T.c[k] for k in cols])))


def _summary(engine):
    T = RunMetric.__table__
    nan = lambda v: "NaN" if isinstance(v, float) and math.isnan(v) else v  # noqa: E731 - PostgreSQL keeps NaN
    with engine.connect() as c:
        return sorted(tuple(map(nan, r)) for r in c.execute(select(T)))


def test_columns_store_the_rows_and_summaries_of_the_row_path(tmp_path):
    a, b = _engine(tmp_path, "a.db"), _engine(tmp_path, "b.db")
    now = utcnow()
    keys = run_columns([(r, "CrossEntropy", 100 + r) for r in RUNS])
    for e, logs in _epochs():
        (at, block), = epoch_columns(keys, e, logs, now)
        assert at == [0, 1, 2]
        with a.begin() as c:
            columnar.write_epoch(c, block)
        costs, metrics = block.rows()  # the same rows as dicts, through the writer's usual path
        w = RunWriter(b, RUNS[0])
        w.write(costs=costs, metrics=metrics)
    cost_cols = ["Architecture_id", "value", "name", "Cost_id", "epoch", "split", "created_at", "updated_at"]
    metric_cols = ["Architecture_id", "epoch", "split", "name", "value", "position", "created_at"]
    assert _table(a, Cost.__table__, cost_cols) == _table(b, Cost.__table__, cost_cols)
    assert _table(a, Metric.__table__, metric_cols) == _table(b, Metric.__table__, metric_cols)
    assert len(_table(a, Cost.__table__, ["id"])) == 3 * 3 * 2
    assert _summary(a) == _summary(b)
    with a.begin() as c:  # and what rebuilding the summary from the epoch rows gives
        summary.rebuild(c)
    assert _summary(a) == _summary(b)
    nan_curve = [r for r in _summary(a) if r[0] == RUNS[1] and r[3] == "accuracy"][0]
    assert nan_curve[4] == 3 and nan_curve[7] == pytest.approx(0.1 + 1)  # 3 epochs; the NaN is not the low


def test_columns_in_chunks_when_a_statement_would_bind_too_many_values(tmp_path, monkeypatch):
    engine = _engine(tmp_path)
    monkeypatch.setattr(columnar, "_limit", lambda conn: 8)  # at most one row per statement
    block = EpochColumns(RUNS, 1, utcnow(), (("train", "loss", 0), ("train", "lr", 1)),
                         ((0.5, 0.25, 0.125), (0.1, 0.2, 0.3)), 500, ("MSE",) * 3, (1, 2, 3))
    with engine.begin() as c:
        columnar.write_epoch(c, block)
        columnar.heartbeat(c, RUNS, dict(epochs=1, updated_at=utcnow()))
    assert _table(engine, Cost.__table__, ["id", "Architecture_id", "value"]) == [(500, 11, 0.5), (501, 12, 0.25),
                                                                                   (502, 13, 0.125)]
    assert _table(engine, Metric.__table__, ["id", "value"]) == [(503, 0.1), (504, 0.2), (505, 0.3)]
    assert _table(engine, Architecture.__table__, ["epochs"]) == [(1,), (1,), (1,)]


def test_write_epochs_without_a_deferred_block_is_one_transaction(tmp_path):
    engine = _engine(tmp_path)
    commits = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    block = EpochColumns(RUNS, 4, utcnow(), (("train", "loss", 0),), ((0.5, 0.25, 0.125),), 900,
                         ("MSE",) * 3, (1, 2, 3))
    done = []
    write_epochs(engine, block, dict(epochs=4), on_commit=lambda: done.append(1))
    assert len(commits) == 1 and done == [1]
    assert _table(engine, Architecture.__table__, ["epochs"]) == [(4,), (4,), (4,)]


def _run_rows(rid, epochs):
    return [dict(Architecture_id=rid, value=0.5, id=10_000 * rid + e, created_at=utcnow(), updated_at=utcnow(),
                 name="MSE", Cost_id=1, epoch=e, split="train") for e in epochs]


def test_background_commits_commit_in_order_in_another_thread(tmp_path):
    engine = _engine(tmp_path)
    threads = []
    event.listen(engine, "commit", lambda conn: threads.append(threading.current_thread().name))
    w = RunWriter(engine, RUNS[0])
    with background_commits(engine):
        for e in range(1, 6):
            with deferred_writes(engine):
                w.write(costs=_run_rows(RUNS[0], [e]), update_run=dict(epochs=e))
        w.write(update_run=dict(status="finished"))  # a direct write: after the blocks
    assert threads[:5] == ["neural_net-commits"] * 5 and threads[5] == threading.current_thread().name
    info = db.run_info(str(engine.url), RUNS[0])
    assert (info["status"], info["epochs"]) == ("finished", 5)


def _failing_commit(at):
    """A ``commit`` event listener that fails the ``at``-th commit ("disk gone")."""
    n = []

    def listener(conn):
        n.append(1)
        if len(n) == at:
            raise OSError("disk gone")

    return listener


def test_a_failing_background_block_is_raised_by_a_later_one_and_drops_those_after_it(tmp_path):
    engine = _engine(tmp_path)
    w = RunWriter(engine, RUNS[0])
    fail_third = _failing_commit(3)
    event.listen(engine, "commit", fail_third)
    with pytest.raises(OSError, match="disk gone"):
        with background_commits(engine):
            for e in range(1, 10):
                with deferred_writes(engine):
                    w.write(costs=_run_rows(RUNS[0], [e]), update_run=dict(epochs=e))
    event.remove(engine, "commit", fail_third)
    stored = [r[0] for r in _table(engine, Cost.__table__, ["epoch"])]
    assert stored == [1, 2]  # the third failed; none after it was committed, and no hole
    with engine.connect() as c:
        assert c.execute(text("SELECT epochs FROM architecture WHERE Architecture_id = 11")).scalar() == 2


def test_a_failure_of_the_last_blocks_is_raised_when_the_background_block_ends(tmp_path):
    engine = _engine(tmp_path)
    w = RunWriter(engine, RUNS[0])
    event.listen(engine, "commit", lambda conn: (_ for _ in ()).throw(OSError("disk gone")))
    with pytest.raises(OSError, match="disk gone"):
        with background_commits(engine):
            with deferred_writes(engine):
                w.write(costs=_run_rows(RUNS[0], [1]))
            settle(engine)  # waits, but does not raise: the end of the block does
    assert _table(engine, Cost.__table__, ["epoch"]) == []


def test_an_in_memory_database_is_written_in_the_calling_thread():
    engine = open_database("sqlite://")
    threads = []
    event.listen(engine, "commit", lambda conn: threads.append(threading.current_thread()))
    with background_commits(engine), deferred_writes(engine):
        RunWriter(engine, 5).write(run=dict(id=5, Architecture_id=5, config="{}", created_at=utcnow(),
                                            updated_at=utcnow(), status="created", epochs=0))
    assert threads == [threading.current_thread()]


def _members(url, K=4):
    out = []
    for k in range(K):
        m = Sequential([Dense(4, 'relu', input_dim=3), Dense(3, 'softmax')], 'categorical_crossentropy', seed=k)
        m.compile(SGD(lr=[0.05, 0.1, 1e8, 0.2][k % 4]))
        m.open_store(url)
        out.append(m)
    return out


def test_an_ensemble_with_a_diverging_member_stores_each_member_as_alone(db_url):
    # member 2's lr makes its loss overflow: alone it diverges; 'continue' keeps recording NaN
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * 30
    y = np.eye(3)[rng.integers(0, 3, 40)]
    for policy in ("raise", "continue"):
        together, alone = _members(db_url), _members(db_url)
        with np.errstate(all="ignore"):
            ens = Ensemble(together)
            ens.fit(X, y, epochs=8, batch_size=8, validation_data=(X[:10], y[:10]), on_nonfinite=policy)
            for m in alone:
                try:
                    m.fit(X, y, epochs=8, batch_size=8, verbose=0, validation_data=(X[:10], y[:10]),
                          on_nonfinite=policy)
                except Exception:  # noqa: BLE001 - the diverging member, as the ensemble records it
                    pass
        for a, b in zip(together, alone):
            ia, ib = db.run_info(db_url, a['id']), db.run_info(db_url, b['id'])
            assert (ia["status"], ia["epochs"]) == (ib["status"], ib["epochs"])
            ha, hb = db.history(db_url, a['id']), db.history(db_url, b['id'])
            assert list(ha.columns) == list(hb.columns) and list(ha.index) == list(hb.index)
            np.testing.assert_allclose(ha.to_numpy(float), hb.to_numpy(float), rtol=1e-12)
        if policy == "continue":
            assert any(math.isnan(v) for v in db.history(db_url, together[2]['id'])["loss"])
        else:
            assert db.run_info(db_url, together[2]['id'])["status"] == "diverged"
    engine = together[0].store.engine
    mine = _summary(engine)
    with engine.begin() as c:  # the summaries written epoch by epoch are what the rows give
        summary.rebuild(c)
    assert _summary(engine) == mine
    db.dispose()


def test_a_run_trained_again_keeps_its_first_start_alone_and_in_an_ensemble(db_url):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(20, 3)), np.eye(3)[rng.integers(0, 3, 20)]
    nets = _members(db_url, K=3)
    Ensemble(nets).fit(X, y, epochs=1, batch_size=8)  # the members' start: one grouped write
    starts = [db.run_info(db_url, m['id'])["started_at"] for m in nets]
    assert all(s is not None for s in starts)
    for m in nets:
        m.fit(X, y, epochs=1, batch_size=8, verbose=0)  # alone, again
        m.compile(SGD(lr=0.1))  # an ensemble starts its members' optimizers fresh
    Ensemble(nets).fit(X, y, epochs=1, batch_size=8)
    assert [db.run_info(db_url, m['id'])["started_at"] for m in nets] == starts
    assert [db.run_info(db_url, m['id'])["epochs"] for m in nets] == [3, 3, 3]
    db.dispose()


KILLED = """
import sys
import numpy as np
from neural_net.architecture import Sequential
from neural_net.callbacks import LambdaCallback
from neural_net.ensemble import Ensemble
from neural_net.layers import Dense
from neural_net.optimizers import SGD
rng = np.random.default_rng(0)
X, y = rng.normal(size=(200, 3)), np.eye(3)[rng.integers(0, 3, 200)]
nets = []
for k in range(6):
    m = Sequential([Dense(8, 'relu', input_dim=3), Dense(3, 'softmax')], 'categorical_crossentropy', seed=k)
    m.compile(SGD(lr=0.01 * (k + 1)), metrics=['accuracy'])
    m.open_store(sys.argv[1])
    nets.append(m)
def ready(epoch, logs):  # after epoch 6 is handed over, epoch 4 at least is committed (BACKLOG 2)
    if epoch == 6:
        open(sys.argv[2], "w").close()
hooks = [[LambdaCallback(on_epoch_end=ready)]] + [[] for _ in nets[1:]]
Ensemble(nets).fit(X, y, epochs=100000, batch_size=4, callbacks=hooks)
"""


def test_an_ensemble_killed_mid_training_leaves_every_committed_epoch_of_every_member(tmp_path):
    import os
    import sqlite3
    import subprocess
    import sys
    import time

    url, flag = str(tmp_path / "killed.db"), tmp_path / "ready"
    script = tmp_path / "killed.py"
    script.write_text(KILLED)
    env = dict(os.environ, PYTHONPATH=os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, str(script), url, str(flag)], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, f"the training ended before it was killed: {proc.stderr.read().decode()}"
        assert flag.exists()
        time.sleep(0.3)  # a few more epochs, some of them being committed when it is killed
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    con = sqlite3.connect(url)
    runs = [r[0] for r in con.execute("SELECT Architecture_id FROM architecture")]
    assert len(runs) == 6
    epochs = {rid: [r[0] for r in con.execute("SELECT epoch FROM cost WHERE Architecture_id = ? AND epoch IS NOT NULL "
                                              "ORDER BY epoch", (rid,))] for rid in runs}
    n = len(epochs[runs[0]])
    assert n >= 4 and all(e == list(range(1, n + 1)) for e in epochs.values())  # whole epochs of all members
    assert {r[0] for r in con.execute("SELECT epochs FROM architecture")} == {n}
    assert {r for r in con.execute("SELECT source, name, epochs, last_epoch FROM run_metric")} == {
        ("Cost", "loss", n, n), ("metric", "accuracy", n, n), ("metric", "lr", n, n)}
    con.close()
    for rid in runs:
        assert list(db.history(url, rid).index) == list(range(1, n + 1))
    db.dispose()


def test_an_interrupted_ensemble_records_every_member_interrupted_with_its_epochs(db_url):
    from neural_net.callbacks import LambdaCallback

    def stop(e, logs):
        if e == 4:
            raise KeyboardInterrupt

    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(30, 3)), np.eye(3)[rng.integers(0, 3, 30)]
    nets = _members(db_url, K=3)
    with pytest.raises(KeyboardInterrupt):
        Ensemble(nets).fit(X, y, epochs=20, batch_size=8,
                           callbacks=lambda k: [LambdaCallback(on_epoch_end=stop)] if k == 1 else [])
    for k, m in enumerate(nets):
        info, hist = db.run_info(db_url, m['id']), db.history(db_url, m['id'])
        assert info["status"] == "interrupted"
        assert list(hist.index) == m.history.epoch == list(range(1, 5 if k <= 1 else 4))
        snaps = db.snapshots(db_url, m['id'])
        assert snaps["tag"].iloc[-1] == "final" and snaps["epoch"].iloc[-1] == m.epoch
    db.dispose()


def _epoch_blocks():
    """``(epoch, block, heartbeat)`` of each epoch of ``_epochs()`` as epoch columns."""
    keys = run_columns([(r, "CrossEntropy", 100 + r) for r in RUNS])
    now = utcnow()
    for e, logs in _epochs():
        (_, block), = epoch_columns(keys, e, logs, now)
        yield e, block, dict(epochs=e, updated_at=now)


def _write_epochs_in_background(engine):
    """The epochs of ``_epochs()`` as an ensemble writes them: epoch columns in deferred blocks,
    committed by the background committer (on SQLite: on its kept connection, statement by
    statement on the driver's connection)."""
    with background_commits(engine):
        for _, block, beat in _epoch_blocks():
            with deferred_writes(engine):
                write_epochs(engine, block, beat)


def test_background_epoch_columns_store_what_a_transaction_of_their_own_stores(tmp_path):
    a, b = _engine(tmp_path, "a.db"), _engine(tmp_path, "b.db")
    threads = []
    event.listen(a, "commit", lambda conn: threads.append(threading.current_thread().name))
    _write_epochs_in_background(a)
    for _, block, beat in _epoch_blocks():
        write_epochs(b, block, beat)  # no deferred block: its own transaction
    assert threads == ["neural_net-commits"] * 3  # one commit per epoch, in the committer, commit events fired
    cost_cols = ["Architecture_id", "value", "name", "Cost_id", "epoch", "split"]
    metric_cols = ["Architecture_id", "epoch", "split", "name", "value", "position"]
    assert _table(a, Cost.__table__, cost_cols) == _table(b, Cost.__table__, cost_cols)
    assert _table(a, Metric.__table__, metric_cols) == _table(b, Metric.__table__, metric_cols)
    assert _summary(a) == _summary(b)
    assert _table(a, Architecture.__table__, ["Architecture_id", "epochs"]) == [(r, 3) for r in RUNS]


def test_a_failed_background_epoch_commit_writes_nothing_of_it_and_holds_no_lock(tmp_path):
    import sqlite3

    engine = _engine(tmp_path)
    fail_second = _failing_commit(2)
    event.listen(engine, "commit", fail_second)
    with pytest.raises(OSError, match="disk gone"):
        _write_epochs_in_background(engine)
    event.remove(engine, "commit", fail_second)
    assert sorted({r[0] for r in _table(engine, Cost.__table__, ["epoch"])}) == [1]  # the 2nd failed, the 3rd dropped
    other = sqlite3.connect(str(tmp_path / "c.db"), timeout=0.5)  # another writer gets the lock at once
    other.execute("BEGIN IMMEDIATE")
    other.rollback()
    other.close()
    assert _table(engine, Architecture.__table__, ["Architecture_id", "epochs"]) == [(r, 1) for r in RUNS]


def test_the_driver_executor_raises_the_errors_sqlalchemy_raises(tmp_path):
    from sqlalchemy.exc import OperationalError

    engine = _engine(tmp_path)
    with engine.connect() as c:
        with pytest.raises(OperationalError, match="no such table"):
            columnar.driver_executor(c)("INSERT INTO nosuch VALUES (?1)", (1,))


@pytest.mark.parametrize("limit", [None, 8])
def test_an_epoch_writer_kept_from_epoch_to_epoch_writes_what_a_new_one_writes(tmp_path, monkeypatch, limit):
    if limit is not None:
        monkeypatch.setattr(columnar, "_limit", lambda conn: limit)  # each curve in several statements
    a, b = _engine(tmp_path, "a.db"), _engine(tmp_path, "b.db")
    keys = run_columns([(r, "CrossEntropy", 100 + r) for r in RUNS])
    now = utcnow()
    with a.connect() as ca:
        kept = columnar.EpochWriter(ca)
        for e, logs in _epochs():
            if e == 2:  # another shape of block: no val_loss this epoch
                logs = [{k: v for k, v in lg.items() if k != "val_loss"} for lg in logs]
            (_, block), = epoch_columns(keys, e, logs, now)
            beat = dict(updated_at=now, epochs=e)
            with ca.begin():
                kept.write(block, ca.exec_driver_sql)
                kept.heartbeat(RUNS, beat, ca.exec_driver_sql)
            with b.begin() as cb:
                columnar.write_epoch(cb, block)
                columnar.heartbeat(cb, list(RUNS), beat)
    for T, cols in ((Cost.__table__, ["id", "Architecture_id", "value", "name", "Cost_id", "epoch", "split",
                                      "created_at", "updated_at"]),
                    (Metric.__table__, ["id", "Architecture_id", "epoch", "split", "name", "value", "position",
                                        "created_at"]),
                    (Architecture.__table__, ["Architecture_id", "epochs", "updated_at"])):
        assert _table(a, T, cols) == _table(b, T, cols)
    assert _summary(a) == _summary(b)
    assert {r[0] for r in _table(a, Cost.__table__, ["epoch"])} == {1, 2, 3}
    assert len(_table(a, Cost.__table__, ["id"])) == 3 * 2 + 3 + 3 * 2  # epoch 2 without its val_loss


def test_an_epoch_writer_is_for_sqlite():
    class Conn:
        class dialect:
            name = "postgresql"

    with pytest.raises(ValueError, match="EpochWriter: expected a SQLite connection, got 'postgresql'"):
        columnar.EpochWriter(Conn())
