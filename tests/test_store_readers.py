"""Readers: list_runs across files, history, layers, weights, snapshots, errors; exact values."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.db.engine import sqlite_url
from neural_net.db.errors import RunNotFound, SnapshotNotFound
from neural_net.init_funcs import zeros
from neural_net.layers import Activation, Dense, Fullyconnected
from conftest import trained




def test_list_runs_across_a_directory_skips_bad_files_with_a_warning(tmp_path):
    d = tmp_path / "runs"
    d.mkdir()
    a = trained({"path": str(d / "a.db")}, epochs=2, name="a")
    b = trained({"path": str(d / "b.db")}, epochs=3, name="b")
    (d / "broken.db").write_text("not a database")
    (d / "notes.txt").write_text("ignored: not *.db")
    with pytest.warns(RuntimeWarning, match="broken.db"):
        runs = db.list_runs(d)
    assert list(runs.columns[:8]) == ["run_id", "name", "status", "epochs", "final_loss", "best_loss",
                                      "started_at", "db_path"]
    assert runs.name.tolist() == ["a", "b"]
    assert runs.run_id.tolist() == [a["id"], b["id"]]
    assert runs.epochs.tolist() == [2, 3] and runs.status.tolist() == ["finished", "finished"]
    assert runs.final_loss.tolist() == [a.history.history["loss"][-1], b.history.history["loss"][-1]]
    assert runs.best_loss.tolist()[1] == min(b.history.history["loss"])
    assert runs.best_epoch.tolist()[1] == int(np.argmin(b.history.history["loss"])) + 1
    assert runs.final_val_loss.tolist()[0] == a.history.history["val_loss"][-1]
    assert runs.db_path.tolist() == [sqlite_url(d / "a.db"), sqlite_url(d / "b.db")]
    # a run can be found from the directory too
    assert db.history(d, b["id"])["loss"].tolist() == b.history.history["loss"]
    # an empty directory gives an empty frame with the columns
    (tmp_path / "none").mkdir()
    assert db.list_runs(tmp_path / "none").empty and "run_id" in db.list_runs(tmp_path / "none").columns


def test_run_summary_and_history_views(db_url):
    net = trained(db_url, epochs=4)
    with net.engines[net.db_path].connect() as c:
        summary = c.execute(text(f"SELECT * FROM run_summary WHERE Architecture_id = {net['id']}")).mappings().one()
        hist = pd.read_sql(text(f"SELECT epoch, split, name, value FROM history WHERE Architecture_id = {net['id']} "
                                "ORDER BY epoch, split, name"), c)
    assert summary["status"] == "finished" and summary["epochs"] == 4
    assert summary["final_loss"] == net.history.history["loss"][-1]
    assert summary["best_loss"] == min(net.history.history["loss"])
    e1 = hist[hist.epoch == 1]
    assert sorted(zip(e1.split, e1.name)) == [("train", "accuracy"), ("train", "loss"), ("train", "lr"),
                                               ("val", "accuracy"), ("val", "loss")]


def test_history_layers_snapshots_weights(db_url):
    net = trained(db_url)
    h = db.history(db_url, net["id"])
    assert list(h.columns) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert h.index.name == "epoch" and h.index.tolist() == [1, 2, 3]
    assert {k: h[k].tolist() for k in h.columns} == net.history.history
    L = db.layers(db_url, net["id"])
    assert L.name.tolist() == ["Fullyconnected", "Activation", "Fullyconnected", "Activation"]
    assert L.neurons.tolist() == ["Σ", "Tanh", "Σ", "Softmax"]
    assert L.n_in.tolist() == [3, None, 5, None] and L.n_out.tolist() == [5, None, 2, None]
    assert L.Layer_id.tolist() == [s["id"] for s in net]
    S = db.snapshots(db_url, net["id"])
    assert S.epoch.tolist() == [0, 3] and S.tag.tolist() == ["initial", "final"]
    w = db.weights(db_url, net["id"])
    assert list(w.columns) == ["epoch", "layer", "Layer_id", "Neurons_id", "row", "col", "value"]
    assert len(w) == 4 * 5 + 6 * 2 and set(w.epoch) == {3}
    W0 = net.get_weights()[0]
    part = w[w.layer == 0]
    assert np.array_equal(part.value.to_numpy().reshape(W0.shape), W0)
    assert part.row.max() == 3 and part.col.max() == 4
    w0 = db.weights(db_url, net["id"], epoch=0)
    assert set(w0.epoch) == {0} and not np.array_equal(w0.value.to_numpy(), w.value.to_numpy())
    mats = db.weight_matrices(db_url, net["id"])
    assert all(np.array_equal(a, b) for a, b in zip(mats, net.get_weights()))


def test_unknown_run_and_missing_epoch_errors_name_what_exists(db_url):
    net = trained(db_url)
    with pytest.raises(KeyError, match=rf"no run 12345 .*{net['id']}") as e:
        db.history(db_url, 12345)
    assert isinstance(e.value, RunNotFound)
    for reader in (db.layers, db.weights, db.snapshots, db.load_model, db.run_info):
        with pytest.raises(RunNotFound):
            reader(db_url, 12345)
    with pytest.raises(ValueError, match=r"no snapshot at epoch 2; stored epochs: \[0, 3\]") as e:
        db.weights(db_url, net["id"], epoch=2)
    assert isinstance(e.value, SnapshotNotFound)
    with pytest.raises(SnapshotNotFound, match=r"\[0, 3\]"):
        db.load_model(db_url, net["id"], epoch=1)
    with pytest.raises(TypeError, match="run_id"):
        db.history(db_url, "abc")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_snapshots_read_back_bit_exactly(db_url, dtype):
    rng = np.random.default_rng(7)
    net = Sequential([Fullyconnected(30, 20, zeros), Activation("relu"), Fullyconnected(20, 3, zeros)], "mse",
                     store=db_url)
    Ws = [rng.standard_normal(s.func.W.shape).astype(dtype) * 10.0 ** rng.integers(-30, 30, s.func.W.shape)
          for s in net if isinstance(s, Fullyconnected)]
    Ws[0][0, :4] = [np.nan, np.inf, -np.inf, -0.0]
    Ws[1][1, 1] = np.finfo(dtype).tiny / 3  # subnormal
    Ws[1][2, 2] = np.finfo(dtype).max
    for s, W in zip([s for s in net if isinstance(s, Fullyconnected)], Ws):
        s.func.W = W
    net.updateW(tag="exact")
    net.commit()
    back = db.weight_matrices(db_url, net["id"])
    for a, b in zip(back, Ws):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a.view(np.uint8), b.view(np.uint8))  # bit for bit, NaN and -0.0 included
    # the Weight view shows the same numbers (NaN and ±inf as NULL)
    with net.engines[net.db_path].connect() as c:
        vals = [r[0] for r in c.execute(text(
            f"SELECT value FROM weight WHERE neurons_id = {net['steps'][0].func['id']} ORDER BY id LIMIT 5"))]
    assert vals[:3] == [None, None, None] and vals[3] == 0.0 and vals[4] == float(Ws[0].ravel()[4])
    model = db.load_model(db_url, net["id"])
    assert all(np.array_equal(a.view(np.uint8), b.view(np.uint8)) for a, b in zip(model.get_weights(), Ws))


def test_weight_history_view_has_every_snapshot(db_url):
    net = Sequential([Fullyconnected(2, 3, zeros)], "mse", store=db_url)
    net.steps[0].func.W += 1
    net.updateW()
    net.commit()
    with net.engines[net.db_path].connect() as c:
        rows = c.execute(text(f"SELECT seq, count(*), avg(value) FROM weight_history "
                              f"WHERE Architecture_id = {net['id']} GROUP BY seq ORDER BY seq")).fetchall()
        latest = c.execute(text("SELECT count(*), avg(value) FROM weight")).one()
    assert [tuple(r) for r in rows] == [(0, 9, 0.0), (1, 9, 1.0)]
    assert tuple(latest) == (9, 1.0)


def test_delete_run_removes_everything(db_url):
    keep, gone = trained(db_url, seed=1), trained(db_url, seed=2)
    db.delete_run(db_url, gone["id"])
    assert db.list_runs(db_url).run_id.tolist() == [keep["id"]]
    from neural_net.db.readers import count_rows
    assert count_rows(db_url, keep["id"])["weight_matrix"] == 4
    with gone.engines[gone.db_path].connect() as c:
        for table in ("Layer", "Neurons", "Cost", "metric", "snapshot", "weight_matrix"):
            assert c.execute(text(f"SELECT count(*) FROM {table} WHERE Architecture_id = {gone['id']}")).scalar() == 0


def test_snapshot_of_266k_weights_reads_back_exactly(db_url):
    """Speed of this path is measured in benchmarks/store_speed.py, never asserted here."""
    net = Sequential([Dense(300, activation="relu", input_dim=784), Dense(100, activation="relu"), Dense(10)],
                     "mse", store=db_url, seed=0)
    assert sum(W.size for W in net.get_weights()) == 266610
    net.updateW()
    net.commit()
    mats = db.weight_matrices(db_url, net["id"])
    assert all(np.array_equal(a, b) for a, b in zip(mats, net.get_weights()))


def test_history_after_an_epoch_and_wall_time_of_each_epoch(tmp_path):
    net = trained({"path": str(tmp_path / "a.db")}, epochs=4, name="a")
    run = db.open_run(tmp_path / "a.db", net["id"])
    whole = run.history()
    pd.testing.assert_frame_equal(run.history(after=2), whole.loc[3:])
    assert run.history(after=4).empty and run.history(after=-1).equals(whole)
    with pytest.raises(TypeError, match="after"):
        run.history(after="2")
    seconds = run.wall_time()
    assert seconds.index.tolist() == [1, 2, 3, 4] and seconds.iloc[0] == 0
    assert (np.diff(seconds.to_numpy()) >= 0).all() and seconds.iloc[-1] < 60


def test_wall_time_of_a_malformed_file(tmp_path):
    path = str(tmp_path / "a.db")
    net = trained({"path": path}, epochs=3, name="a")
    db.dispose()
    from conftest import sqlite_exec

    sqlite_exec(path, "UPDATE Cost SET created_at = 'not a time' WHERE epoch = 2")
    seconds = db.open_run(path, net["id"]).wall_time()  # a time that cannot be read: NaN, not a traceback
    assert seconds.index.tolist() == [1, 2, 3] and np.isnan(seconds.loc[2]) and seconds.loc[3] >= 0
    sqlite_exec(path, "UPDATE Cost SET epoch = 'two' WHERE epoch = 3")
    with pytest.raises(db.StoredModelError, match="column epoch"):
        db.open_run(path, net["id"]).wall_time()


def test_history_is_one_snapshot_while_another_process_commits_epochs(tmp_path, monkeypatch):
    """Every curve of ``history()`` is read in one read transaction: an epoch committed by a
    writer between the loss and the metric queries appears in none of them (a live page asks
    for the epochs after the last one it got; a ragged read made it skip one)."""
    import sqlite3

    import neural_net.db.frames as frames

    path = str(tmp_path / "a.db")
    net = trained({"path": path}, epochs=3, name="a")
    db.dispose()
    real, done = frames._curve, []

    def copy_epoch(con, table):
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        picked = ", ".join("id + 1000000" if c == "id" else "4" if c == "epoch" else c for c in cols)
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {picked} FROM {table} WHERE epoch = 3")

    def curve(*args):
        out = real(*args)
        if not done:  # after the first curve, another connection commits a 4th epoch of every curve
            done.append(1)
            con = sqlite3.connect(path, timeout=5)
            copy_epoch(con, "cost")
            copy_epoch(con, "metric")
            con.commit()
            con.close()
        return out

    monkeypatch.setattr(frames, "_curve", curve)
    got = db.open_run(path, net["id"]).history()
    assert done and got.index.tolist() == [1, 2, 3] and not got.isna().any().any()
    monkeypatch.setattr(frames, "_curve", real)
    again = db.open_run(path, net["id"]).history()
    assert again.index.tolist() == [1, 2, 3, 4] and not again.isna().any().any()
