"""The ``run_metric`` summary (migration 0005): kept in the epoch's transaction by the writer,
equal to what the epoch rows give, right after a delete, an import, a copy, a group write and an
upgrade of an older file; the catalogue's columns read from it."""
from __future__ import annotations

import math
import sqlite3

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.db.engine import open_database
from neural_net.db.migrate import head_revision
from neural_net.db.schema import RunMetric, utcnow
from neural_net.db.summary import rebuild
from neural_net.db.writer import RunWriter, deferred_writes
from neural_net.layers import Dense
from conftest import sqlite_exec

X = np.random.default_rng(0).normal(size=(24, 3))
Y = np.eye(2)[np.random.default_rng(1).integers(0, 2, 24)]


def trained(store, name="a", epochs=6):
    net = Sequential([Dense(4, activation="relu", input_dim=3), Dense(2, activation="softmax")], "cross_entropy",
                     store=store, name=name, seed=0)
    net.compile("adam", metrics=["accuracy"]).fit(X, Y, epochs=epochs, batch_size=8, validation_split=0.25,
                                                  verbose=0)
    return net


def summary(url, rid=None):
    T = RunMetric.__table__
    q = select(T)
    if rid is not None:
        q = q.where(T.c.Architecture_id == rid)
    with open_database(url).connect() as c:
        rows = [dict(r) for r in c.execute(q).mappings()]
    return {(r["Architecture_id"], r["source"], r["split"], r["name"]): r for r in rows}


def expected(url, rid):
    """The summary computed from the epoch rows with pandas (independent of the module)."""
    with open_database(url).connect() as c:
        costs = pd.read_sql(text(f"SELECT split, epoch, value FROM Cost WHERE Architecture_id = {rid} "
                                 "AND epoch IS NOT NULL"), c).assign(source="Cost", name="loss")
        metrics = pd.read_sql(text(f"SELECT split, name, epoch, value FROM metric WHERE Architecture_id = {rid}"),
                              c).assign(source="metric")
    out = {}
    for (source, split, name), g in pd.concat([costs, metrics]).groupby(["source", "split", "name"]):
        g = g.sort_values("epoch")
        ok = g[g.value.notna()]
        low = ok.sort_values(["value", "epoch"]).iloc[0]
        high = ok.sort_values(["value", "epoch"], ascending=[False, True]).iloc[0]
        out[(rid, source, split, name)] = dict(
            epochs=len(g), last_epoch=int(g.epoch.iloc[-1]), last_value=float(g.value.iloc[-1]),
            low=float(low.value), low_epoch=int(low.epoch), high=float(high.value), high_epoch=int(high.epoch))
    return out


def same(got, want):
    assert set(got) == set(want)
    for key, w in want.items():
        g = {k: got[key][k] for k in w}
        assert g == pytest.approx(w, rel=1e-12), key


def test_the_writer_keeps_the_summary_of_every_curve_equal_to_the_epoch_rows(db_url):
    net = trained(db_url, epochs=7)
    got = summary(db_url, net["id"])
    assert {k[1:] for k in got} == {("Cost", "train", "loss"), ("Cost", "val", "loss"),
                                    ("metric", "train", "accuracy"), ("metric", "val", "accuracy"), ("metric", "train", "lr")}
    same(got, expected(db_url, net["id"]))
    net.fit(X, Y, epochs=3, batch_size=8, validation_split=0.25, verbose=0)  # trains on: epochs 8..10
    got = summary(db_url, net["id"])
    assert got[(net["id"], "Cost", "train", "loss")]["last_epoch"] == 10
    same(got, expected(db_url, net["id"]))
    row = db.runs(db_url).iloc[0]
    key = (net["id"], "Cost", "val", "loss")
    assert (row.final_val_loss, row.best_val_loss, row.best_val_epoch) == (
        pytest.approx(got[key]["last_value"]), pytest.approx(got[key]["low"]), got[key]["low_epoch"])
    assert row.best_val_accuracy == pytest.approx(got[(net["id"], "metric", "val", "accuracy")]["high"])


def test_rebuild_gives_what_the_writer_kept(db_url):
    nets = [trained(db_url, name=n, epochs=e) for n, e in (("a", 3), ("b", 5))]
    kept = summary(db_url)
    with open_database(db_url).begin() as c:
        assert rebuild(c) == len(kept) == 10
    assert summary(db_url) == kept
    with open_database(db_url).begin() as c:
        rebuild(c, [nets[0]["id"]])
    assert summary(db_url) == kept


def test_a_deleted_run_takes_its_summary_with_it(db_url):
    a, b = trained(db_url, "a"), trained(db_url, "b")
    db.delete_run(db_url, a["id"])
    assert {k[0] for k in summary(db_url)} == {b["id"]}


def test_nan_is_the_last_value_but_never_the_best(tmp_path):
    url = "sqlite:///" + str(tmp_path / "nan.db")
    rid = db.import_history({"loss": [0.5, 0.25, 0.25, float("nan")], "accuracy": [0.5, 0.75, 0.75, 0.25]},
                            url, name="nan")
    got = summary(url, rid)
    loss, acc = got[(rid, "Cost", "train", "loss")], got[(rid, "metric", "train", "accuracy")]
    assert loss["last_epoch"] == 4 and (loss["last_value"] is None or math.isnan(loss["last_value"]))
    assert (loss["low"], loss["low_epoch"], loss["epochs"]) == (0.25, 2, 4)
    assert (acc["high"], acc["high_epoch"], acc["low"], acc["low_epoch"]) == (0.75, 2, 0.25, 4)
    row = db.runs(url).iloc[0]
    assert pd.isna(row.final_loss) and (row.best_loss, row.best_epoch) == (0.25, 2)
    assert (row.accuracy, row.best_accuracy) == (0.25, 0.75)


def test_an_imported_and_a_copied_run_have_their_summary(db_url, tmp_path):
    rid = db.import_history({"loss": [0.9, 0.4, 0.6], "val_loss": [1.0, 0.8, 0.7], "accuracy": [0.1, 0.2, 0.3]},
                            db_url, name="imported")
    same(summary(db_url, rid), expected(db_url, rid))
    target = "sqlite:///" + str(tmp_path / "copy.db")
    db.copy_run(db_url, rid, target)
    assert summary(target) == summary(db_url, rid)
    net = trained(db_url, "trained")
    db.copy_run(db_url, net["id"], target)
    same(summary(target, net["id"]), expected(db_url, net["id"]))


def test_a_group_write_of_many_runs_keeps_each_summary(db_url):
    engine = open_database(db_url)
    writers = [RunWriter(engine, rid) for rid in (101, 102, 103)]
    for w in writers:
        w.write(run=dict(id=w.run_id, Architecture_id=w.run_id, name="Sequential", config="{}", created_at=utcnow(),
                         updated_at=utcnow(), status="running", epochs=0))
    values = {101: [0.3, 0.2, 0.4, 0.1], 102: [0.5, 0.6, 0.7, 0.8], 103: [0.9, 0.9, 0.9, 0.9]}
    for block in ((1, 2), (3, 4)):
        with deferred_writes(engine):
            for w in writers:
                for epoch in block:
                    w.insert_epoch([dict(id=w.run_id * 100 + epoch, Architecture_id=w.run_id, value=values[w.run_id][epoch - 1],
                                         name="MSE", Cost_id=1, epoch=epoch, split="train", created_at=utcnow(),
                                         updated_at=utcnow())], [], epochs=epoch)
    for w in writers:
        w.close()
        same(summary(db_url, w.run_id), expected(db_url, w.run_id))
    assert summary(db_url, 103)[(103, "Cost", "train", "loss")]["low_epoch"] == 1  # ties keep the first epoch


def test_a_group_write_of_more_runs_than_the_bulk_threshold_merges_in_the_database(db_url):
    """70 runs (more than bulk.BULK_ROWS: rows handed to the driver, the summary merged by the
    database's upsert), blocks of two epochs and of one, ties, NaN and a best that comes late:
    each run's summary equals the one computed from its epoch rows and the one rebuilt, and
    each run's row holds its own last heartbeat."""
    from neural_net.db.bulk import BULK_ROWS
    from neural_net.db.schema import Architecture

    engine = open_database(db_url)
    ids = list(range(1001, 1071))
    assert len(ids) > BULK_ROWS
    writers = [RunWriter(engine, rid) for rid in ids]
    with deferred_writes(engine):
        for w in writers:
            w.write(run=dict(id=w.run_id, Architecture_id=w.run_id, name="Sequential", config="{}",
                             created_at=utcnow(), updated_at=utcnow(), status="running", epochs=0))
    rng = np.random.default_rng(5)
    values = {rid: rng.choice([0.1, 0.2, 0.3, float("nan")], size=5) for rid in ids}
    values[1001][:] = 0.3  # a tie all along: the first epoch is the best
    values[1002][:] = [0.5, 0.4, float("nan"), 0.4, 0.05]  # the best comes last, a NaN between
    for block in ((1, 2), (3,), (4, 5)):
        with deferred_writes(engine):
            for w in writers:
                for epoch in block:
                    v = float(values[w.run_id][epoch - 1])
                    w.insert_epoch([dict(id=w.run_id * 100 + epoch, Architecture_id=w.run_id, value=v, name="MSE",
                                         Cost_id=1, epoch=epoch, split="train", created_at=utcnow(), updated_at=utcnow())],
                                   [dict(id=w.run_id * 100 + 50 + epoch, Architecture_id=w.run_id, epoch=epoch,
                                         split="train", name="accuracy", value=1 - v, position=0, created_at=utcnow())],
                                   epochs=epoch + (w.run_id % 3))
    kept = summary(db_url)
    for rid in ids:
        got = {k: v for k, v in kept.items() if k[0] == rid}
        want = expected(db_url, rid) if not np.isnan(values[rid]).all() else None
        if want is not None:
            for key, w in want.items():
                g = got[key]
                assert g["epochs"] == w["epochs"] == 5 and g["last_epoch"] == 5
                assert (g["low"], g["low_epoch"], g["high"], g["high_epoch"]) == pytest.approx(
                    (w["low"], w["low_epoch"], w["high"], w["high_epoch"])), key
                last = values[rid][-1] if key[1] == "Cost" else 1 - values[rid][-1]
                if np.isnan(last):  # SQLite stores NaN as NULL, PostgreSQL as NaN
                    assert g["last_value"] is None or math.isnan(g["last_value"])
                else:
                    assert g["last_value"] == pytest.approx(last)
    assert kept[(1001, "Cost", "train", "loss")]["low_epoch"] == 1
    assert (kept[(1002, "Cost", "train", "loss")]["low"], kept[(1002, "Cost", "train", "loss")]["low_epoch"]) == (0.05, 5)
    with engine.begin() as c:
        rebuild(c, ids)
    rebuilt = summary(db_url)
    for key, row in kept.items():
        assert {f: rebuilt[key][f] for f in row if f != "last_value"} == {f: row[f] for f in row if f != "last_value"}
    T = Architecture.__table__
    with engine.connect() as c:
        epochs = dict(c.execute(select(T.c.Architecture_id, T.c.epochs).where(T.c.Architecture_id.in_(ids))).all())
    assert epochs == {rid: 5 + rid % 3 for rid in ids}
    for w in writers:
        w.close()


def test_an_older_file_is_backfilled_by_the_upgrade(tmp_path):
    path, T = tmp_path / "old.db", "2024-03-04 18:00:00"
    assert db.upgrade(str(path), "0003") == "0003"
    sqlite_exec(path,
                "INSERT INTO Architecture (id, created_at, updated_at, name, Architecture_id, status, epochs, config) "
                "VALUES (1, '2024-03-04 18:00:00', '2024-03-04 18:00:00', 'Sequential', 77, 'finished', 3, '{}')",
                *(f"INSERT INTO Cost (Architecture_id, value, id, created_at, updated_at, name, Cost_id, epoch, split) "
                  f"VALUES (77, {v}, {10 + e}, '{T}', '{T}', 'MSE', 5, {e}, 'train')" for e, v in ((1, 0.5), (2, 0.3), (3, 0.4))),
                "INSERT INTO metric (id, Architecture_id, epoch, split, name, value, position, created_at) "
                f"VALUES (30, 77, 3, 'val', 'accuracy', 0.75, 0, '{T}')")
    assert db.upgrade(str(path)) == head_revision()
    con = sqlite3.connect(path)
    rows = con.execute("SELECT source, split, name, epochs, last_value, low, low_epoch FROM run_metric "
                       "ORDER BY source, split").fetchall()
    con.close()
    assert rows == [("Cost", "train", "loss", 3, 0.4, 0.3, 2), ("metric", "val", "accuracy", 1, 0.75, 0.75, 3)]
    row = db.runs(str(path)).iloc[0]
    assert (row.final_loss, row.best_loss, row.best_epoch, row.val_accuracy) == (0.4, 0.3, 2, 0.75)


def test_the_fast_catalogue_knows_every_table_and_the_head_without_alembic():
    from neural_net.db.catalogue_files import TABLES
    from neural_net.db.migrate import script_directory
    from neural_net.db.schema import Base

    assert TABLES == {t.lower() for t in Base.metadata.tables} | {"alembic_version"}
    assert head_revision() == script_directory().get_current_head()
