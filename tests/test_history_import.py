"""Curves made elsewhere become stored runs: a Keras History (a stand-in object: Keras is not
installed), its dict, a CSVLogger file, a DataFrame; the existing readers and CLI read them;
bad input is refused before anything is written. Also :func:`iter_history`, which the
exporters stream through."""
from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

import neural_net.db as db
from neural_net.cli import main
from neural_net.db.errors import StoredModelError
from neural_net.db.history_stream import iter_history
from neural_net.db.schema import Param

from conftest import sqlite_exec, trained


class KerasHistory:
    """What ``model.fit`` returns in Keras: ``.history`` (key → list), ``.epoch`` (0-based), ``.params``."""

    def __init__(self, history, params=None, epoch=None):
        self.history = history
        self.params = params or {"verbose": 0, "epochs": len(next(iter(history.values()))), "steps": 4}
        self.epoch = list(range(len(next(iter(history.values()))))) if epoch is None else epoch


CURVES = {"loss": [0.9, 0.6, 0.45, 0.4], "accuracy": [0.5, 0.7, 0.8, 0.85],
          "val_loss": [1.0, 0.7, 0.6, 0.62], "val_accuracy": [0.4, 0.6, 0.7, 0.72],
          "learning_rate": [0.01, 0.01, 0.005, 0.005]}


def expected_frame(curves=CURVES, first=1):
    frame = pd.DataFrame(curves, index=pd.Index(range(first, first + len(curves["loss"])), name="epoch"))
    return frame


def test_keras_history_round_trips_through_the_readers_and_the_cli(db_url, capsys):
    h = KerasHistory(CURVES)
    rid = db.import_history(h, store=db_url, name="keras-baseline", params={"units": 64, "dropout": 0.2})
    pd.testing.assert_frame_equal(db.history(db_url, rid), expected_frame(), check_dtype=False)
    runs = db.list_runs(db_url)
    row = runs[runs.run_id == rid].iloc[0]
    assert (row["name"], row["status"], row["epochs"]) == ("keras-baseline", "finished", 4)
    assert row["final_loss"] == 0.4 and row["best_val_loss"] == 0.6 and row["best_val_epoch"] == 3
    hyper = db.run_info(db_url, rid)["hyperparams"]
    assert hyper["params"] == {"units": 64, "dropout": 0.2}
    with db.open_database(db_url).connect() as c:  # the parameters are param rows (SELECT ... JOIN param)
        rows = c.execute(select(Param.key, Param.number).where(Param.Architecture_id == rid)).all()
    assert {"units": 64.0, "dropout": 0.2} == {k: n for k, n in rows if k in ("units", "dropout")}
    assert hyper["imported"] == {"from": "keras History", "keras_params": {"verbose": 0, "epochs": 4, "steps": 4}}
    assert db.snapshots(db_url, rid).empty
    with pytest.raises(StoredModelError, match="no list of steps"):
        db.load_model(db_url, rid)
    assert main(["history", str(rid), "--from", db_url, "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate"
    assert out[3] == "3,0.45,0.8,0.6,0.7,0.005"


def test_dict_and_dataframe_inputs(tmp_path):
    url = "sqlite:///" + str(tmp_path / "k.db")
    by_dict = db.import_history(dict(CURVES), store=url)
    pd.testing.assert_frame_equal(db.history(url, by_dict), expected_frame(), check_dtype=False)
    frame = pd.DataFrame(CURVES)  # one row per epoch, no epoch column
    by_frame = db.import_history(frame, store=url)
    pd.testing.assert_frame_equal(db.history(url, by_frame), expected_frame(), check_dtype=False)
    keras_frame = pd.DataFrame({"epoch": [0, 1, 2, 3], **CURVES})  # pd.read_csv of a CSVLogger file
    by_keras = db.import_history(keras_frame, store=url)
    assert db.history(url, by_keras).index.tolist() == [1, 2, 3, 4]
    # a frame db.history returned (epochs from 1, index named epoch) imports unchanged
    again = db.import_history(db.history(url, by_dict), store=url)
    pd.testing.assert_frame_equal(db.history(url, again), db.history(url, by_dict))
    assert db.run_info(url, again)["run_name"] == "imported"


def test_our_own_history_with_gaps_keeps_its_epochs(tmp_path):
    net = trained(None, epochs=3)
    h = net.history  # epochs 1..3, val values every epoch; make one missing
    h.history["val_loss"][1] = float("nan")
    url = "sqlite:///" + str(tmp_path / "own.db")
    rid = db.import_history(h, store=url)
    got = db.history(url, rid)
    assert got.index.tolist() == [1, 2, 3]
    assert math.isnan(got["val_loss"].iloc[1]) and not got["val_loss"].drop(2).isna().any()
    np.testing.assert_array_equal(got["loss"], h.history["loss"])


def test_csvlogger_file_and_the_import_command(tmp_path, capsys):
    path = tmp_path / "training.log"
    # what keras.callbacks.CSVLogger writes: epoch first, the keys sorted, NA for a missing value
    path.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n"
                    "0,0.5,0.9,0.4,1.0\n1,0.7,0.6,NA,NA\n2,0.8,0.45,0.7,0.6\n")
    target = tmp_path / "keras.db"
    assert main(["import", str(path), "--to", str(target), "--param", "units=64", "--param", "opt=adam"]) == 0
    out = capsys.readouterr().out
    rid = int(out.split(" as run ")[1].split()[0])
    assert out.startswith(f"imported 3 epochs of {path}") and str(target) in out
    got = db.history(str(target), rid)
    assert got.index.tolist() == [1, 2, 3] and got.columns.tolist() == ["accuracy", "loss", "val_accuracy",
                                                                        "val_loss"]
    assert math.isnan(got.loc[2, "val_loss"]) and got.loc[3, "val_loss"] == 0.6
    info = db.run_info(str(target), rid)
    assert info["run_name"] == "training.log" and info["hyperparams"]["params"] == {"units": 64, "opt": "adam"}
    assert main(["runs", str(target), "--format", "json"]) == 0
    assert '"name": "training.log"' in capsys.readouterr().out


@pytest.mark.parametrize("history, error, match", [
    ({"loss": [0.5, "oops"]}, ValueError, r"curve 'loss' holds a value that is not a number at row 1: 'oops'"),
    ({"loss": [0.5, 0.4], "acc": [0.1]}, ValueError, "one value per epoch"),
    ({}, ValueError, "no curves"),
    ({"loss": []}, ValueError, "no epoch"),
    ({1: [0.5]}, TypeError, "keys of history must be strings"),
    ({"loss": 0.5}, TypeError, "must be a list of numbers"),
    (KerasHistory({"loss": [0.5, 0.4]}, epoch=[0, 0]), ValueError, "epochs must be unique"),
    (KerasHistory({"loss": [0.5, 0.4]}, epoch=[0, 1.5]), ValueError, "integer epochs"),
    (KerasHistory({"loss": [0.5, 0.4]}, epoch=[0]), ValueError, "history.epoch has 1 entries"),
    (pd.DataFrame({"epoch": [-3, 1], "loss": [1.0, 2.0]}), ValueError, "epochs must lie in"),
    (42, TypeError, "history must be a Keras History"),
])
def test_bad_input_is_refused_before_anything_is_written(tmp_path, history, error, match):
    target = tmp_path / "never.db"
    with pytest.raises(error, match=match):
        db.import_history(history, store=str(target))
    assert not target.exists()


def test_bad_files_and_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="no CSV file"):
        db.import_history(str(tmp_path / "missing.csv"), store="sqlite://")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="not a CSV file"):
        db.import_history(str(empty), store="sqlite://")
    pasted = tmp_path / "pasted.csv"  # two logs pasted together: a second header inside
    pasted.write_text("epoch,loss\n0,0.9\nepoch,loss\n1,0.5\n")
    with pytest.raises(ValueError, match=r"epoch column of .*pasted.csv' must hold integer epochs"):
        db.import_history(str(pasted), store="sqlite://")
    text = tmp_path / "text.csv"
    text.write_text("epoch,loss\n0,0.9\n1,high\n")
    with pytest.raises(ValueError, match="curve 'loss' holds a value that is not a number at row 1: 'high'"):
        db.import_history(str(text), store="sqlite://")
    with pytest.raises(TypeError, match="params must be a dict"):
        db.import_history(CURVES, store="sqlite://", params=[1])
    with pytest.raises(TypeError, match="JSON-serializable"):
        db.import_history(CURVES, store="sqlite://", params={"f": object()})
    with pytest.raises(TypeError, match="name must be a str"):
        db.import_history(CURVES, store="sqlite://", name=3)
    with pytest.raises(ValueError, match="control characters"):
        db.import_history(CURVES, store="sqlite://", name="a\nb")
    with pytest.raises(ValueError, match="curve name must be at most 100 characters"):
        db.import_history({"x" * 101: [1.0]}, store="sqlite://")


def test_a_long_history_imports_in_batches(tmp_path):
    n = 12_345
    rng = np.random.default_rng(0)
    curves = {"loss": rng.random(n), "val_loss": rng.random(n)}
    url = "sqlite:///" + str(tmp_path / "long.db")
    rid = db.import_history(pd.DataFrame(curves), store=url)
    got = db.history(url, rid)
    assert len(got) == n
    np.testing.assert_array_equal(got["val_loss"], curves["val_loss"])



def test_a_failed_import_leaves_no_partial_run(tmp_path, monkeypatch):
    """The batches go through the store's RunWriter in one transaction: a database error in
    a later batch (here a duplicate row id) rolls back the run, its params and earlier batches."""
    import neural_net.db.history_import as hi

    url = "sqlite:///" + str(tmp_path / "atomic.db")
    kept = db.import_history({"loss": [0.5, 0.4]}, store=url, name="kept")
    real_rows = hi._rows

    def rows_then_duplicate(rid, frame, epochs, now):
        batches = list(real_rows(rid, frame, epochs, now))
        yield batches[0]
        costs, metrics = batches[1]
        yield costs + [dict(costs[0], id=batches[0][0][0]["id"])], metrics  # an id already written

    monkeypatch.setattr(hi, "INSERT_ROWS", 4)
    monkeypatch.setattr(hi, "_rows", rows_then_duplicate)
    with pytest.raises(Exception, match="(?i)unique|integrity"):
        db.import_history({"loss": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], "val_loss": [1.0] * 6},
                          store=url, name="broken", params={"units": 8})
    assert db.runs(url).run_id.tolist() == [kept]
    import sqlite3
    con = sqlite3.connect(str(tmp_path / "atomic.db"))
    try:
        for table in ("Architecture", "param", "Cost", "metric"):
            left = con.execute(f"SELECT COUNT(*) FROM {table} WHERE Architecture_id != ?", (kept,)).fetchone()[0]
            assert left == 0, f"{table} kept {left} rows of the failed import"
    finally:
        con.close()


# ----- iter_history ----------------------------------------------------------------------------
def long_format(frame):
    return sorted((int(e), k, v) for e, row in frame.iterrows() for k, v in row.items() if not math.isnan(v))


@pytest.mark.parametrize("chunk_rows", [1, 3, 7, 10_000])
def test_iter_history_matches_history_in_any_chunk_size(db_url, chunk_rows):
    net = trained(db_url, epochs=6)
    chunks = list(iter_history(db_url, net["id"], chunk_rows=chunk_rows))
    keys = len(db.history(db_url, net["id"]).columns)
    assert all(len(c) <= max(chunk_rows, keys) for c in chunks)
    epochs = [set(c.epoch) for c in chunks]
    assert all(max(a) < min(b) for a, b in zip(epochs, epochs[1:]))  # whole epochs, in order
    got = sorted((int(e), k, float(v)) for c in chunks for e, k, v in zip(c.epoch, c.key, c.value))
    assert got == long_format(db.history(db_url, net["id"]))
    assert all(c.wall_time.between(1.7e9, 4e9).all() for c in chunks)


def test_iter_history_jumps_over_gaps_between_epochs(tmp_path):
    url = "sqlite:///" + str(tmp_path / "gaps.db")
    frame = pd.DataFrame({"loss": [1.0, 0.5, 0.25]}, index=pd.Index([1, 2, 2_000_000_000], name="epoch"))
    rid = db.import_history(frame, store=url)
    chunks = list(iter_history(url, rid, chunk_rows=2))
    assert [c.epoch.tolist() for c in chunks] == [[1, 2], [2_000_000_000]]


def test_iter_history_reports_malformed_values(tmp_path):
    path = tmp_path / "bad.db"
    rid = db.import_history({"loss": [0.5, 0.4], "accuracy": [0.1, 0.2]}, store=str(path))
    db.dispose()
    sqlite_exec(path, "UPDATE metric SET value = 'abc' WHERE epoch = 2")
    with pytest.raises(StoredModelError, match="'accuracy' are not numbers"):
        list(iter_history(str(path), rid))
    sqlite_exec(path, "UPDATE metric SET value = 0.2, created_at = 'yesterday' WHERE epoch = 2")
    with pytest.raises(StoredModelError, match=f"run {rid}"):
        list(iter_history(str(path), rid))
    with pytest.raises(ValueError, match="chunk_rows"):
        next(iter_history(str(path), rid, chunk_rows=0))
    assert os.path.exists(path)
